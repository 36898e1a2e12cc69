//! Where a recorded artifact's bytes live (`git lineage where`): the
//! locations records give (`--location`), the config's default per path
//! glob, and what the large-file tools know — the LFS endpoint, the DVC
//! remote, git-annex's `whereis` — plus the local object caches.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::graph::{ArtifactKey, Graph, Node, NodeIndex, NodeKey};
use crate::hash::ContentHash;
use crate::history::History;
use crate::pointer::{Pointer, PointerKind};
use crate::record::RecordId;
use crate::repo::Repo;
use crate::retention::model::Tombstones;
use crate::store::Store;

/// Who says the bytes are at a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A record's `locations` (`--location PATH=URL`).
    Record,
    /// `.lineage/config.yaml`'s `locations` default for the path.
    Config,
    /// The Git LFS endpoint (`.lfsconfig`, `remote.origin.lfsurl`, the git remote).
    Lfs,
    /// The DVC remote (`.dvc/config`).
    Dvc,
    /// A git-annex repository holding a copy (`git annex whereis`).
    Annex,
    /// The local object cache (`.git/lfs/objects`, `.dvc/cache`).
    Local,
}

impl Source {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Record => "record",
            Source::Config => "config",
            Source::Lfs => "lfs",
            Source::Dvc => "dvc",
            Source::Annex => "annex",
            Source::Local => "local",
        }
    }
}

/// One place the bytes are, or were said to be.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Who says so.
    pub source: Source,
    /// A URL, a path, or (annex) a repository's description.
    pub location: String,
    /// The record that gave it (source `record`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordId>,
}

/// A recorded artifact and every location known for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located {
    /// Its graph id (`blake3:…`, or a pointer digest like `sha256:…`).
    pub id: String,
    /// The paths and URIs it was recorded at.
    pub paths: Vec<String>,
    /// Its BLAKE3 hash, when a record saw the bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<ContentHash>,
    /// The large-file pointers records gave it.
    pub pointers: Vec<Pointer>,
    /// Its size in bytes, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Every known location, by source, then location.
    pub locations: Vec<Location>,
    /// What could not be asked (a tool not installed, a bad config glob).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The `drop` record (tombstone) that says these bytes were deleted,
    /// when one does ([`crate::retention::model::Tombstones`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_by: Option<RecordId>,
}

/// What `where --format json` prints: `{"artifacts": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhereReport {
    /// One entry per artifact the REF names.
    pub artifacts: Vec<Located>,
}

/// Every known location of each artifact node in `nodes` (other nodes are
/// skipped): what the records of `history` say about it, the config's
/// defaults for its paths, and its pointers' stores.
pub fn locate(repo: &Repo, history: &History, graph: &Graph, nodes: &[NodeIndex]) -> Vec<Located> {
    let config = Store::new(repo.root()).config().ok().unwrap_or_default();
    let tombstones = Tombstones::of_entries(&history.entries);
    let mut out = Vec::new();
    for &node in nodes {
        let Node::Artifact(artifact) = graph.get(node) else {
            continue;
        };
        let mut located = Located {
            id: artifact.key.to_string(),
            paths: artifact
                .paths
                .iter()
                .chain(&artifact.uris)
                .cloned()
                .collect(),
            hash: artifact.hash,
            pointers: Vec::new(),
            size: artifact.size,
            locations: Vec::new(),
            notes: Vec::new(),
            dropped_by: artifact
                .hash
                .and_then(|hash| tombstones.dropped_by(&hash).cloned()),
        };
        let mut locations = BTreeSet::new();
        for entry in &history.entries {
            entry.summary.with_links(|summary| {
                for listed in summary.inputs.iter().chain(&summary.outputs) {
                    let same = ArtifactKey::of(listed)
                        .and_then(|key| graph.node(&NodeKey::Artifact(key)))
                        == Some(node);
                    if !same {
                        continue;
                    }
                    if let Some(pointer) = &listed.pointer
                        && !located.pointers.contains(pointer)
                    {
                        located.pointers.push(pointer.clone());
                    }
                    for url in &listed.locations {
                        locations.insert(Location {
                            source: Source::Record,
                            location: url.clone(),
                            record: Some(entry.id.clone()),
                        });
                    }
                }
            });
        }
        for path in &artifact.paths {
            for default in &config.locations {
                match default.of(path) {
                    Ok(Some(url)) => {
                        locations.insert(Location {
                            source: Source::Config,
                            location: url,
                            record: None,
                        });
                    }
                    Ok(None) => {}
                    Err(e) => located
                        .notes
                        .push(format!("config locations glob '{}': {e}", default.path)),
                }
            }
        }
        for pointer in &located.pointers {
            pointer_locations(repo, pointer, &mut locations, &mut located.notes);
        }
        located.locations = locations.into_iter().collect();
        out.push(located);
    }
    out
}

/// Where the tool of `pointer` keeps its bytes.
fn pointer_locations(
    repo: &Repo,
    pointer: &Pointer,
    out: &mut BTreeSet<Location>,
    notes: &mut Vec<String>,
) {
    let mut add = |source, location: String| {
        out.insert(Location {
            source,
            location,
            record: None,
        });
    };
    let value = pointer.digest.value();
    match pointer.kind {
        PointerKind::Lfs => {
            let object = format!("{}/{}/{value}", &value[..2], &value[2..4]);
            // LFS objects are shared by worktrees: in the common git dir.
            let cache = repo.cache_dir();
            let common = cache.parent().unwrap_or(repo.git_dir());
            let local = common.join("lfs/objects").join(&object);
            if local.is_file() {
                add(Source::Local, shown(repo, &local));
            }
            if let Some(endpoint) = lfs_endpoint(repo) {
                if endpoint.contains("://") && !endpoint.starts_with("file://") {
                    add(Source::Lfs, format!("{endpoint} (oid {})", pointer.digest));
                } else {
                    // A local remote: git-lfs keeps the objects inside it.
                    let dir = endpoint.strip_prefix("file://").unwrap_or(&endpoint);
                    add(
                        Source::Lfs,
                        format!("{}/lfs/objects/{object}", dir.trim_end_matches('/')),
                    );
                }
            }
        }
        PointerKind::Dvc => {
            let object = format!("files/md5/{}/{}", &value[..2], &value[2..]);
            let local = repo.root().join(".dvc/cache").join(&object);
            if local.exists() {
                add(Source::Local, shown(repo, &local));
            }
            if let Some(url) = dvc_remote(repo.root()) {
                add(
                    Source::Dvc,
                    format!("{}/{object}", url.trim_end_matches('/')),
                );
            }
        }
        PointerKind::Annex => {
            let Some(key) = &pointer.key else {
                return;
            };
            match annex_whereis(repo.root(), key) {
                Some(copies) => {
                    for copy in copies {
                        add(Source::Annex, copy);
                    }
                }
                None => notes.push(format!(
                    "`git annex whereis --key={key}` did not answer: is git-annex installed?"
                )),
            }
        }
    }
}

/// A local path, relative to the worktree root when it is inside it.
fn shown(repo: &Repo, path: &Path) -> String {
    path.strip_prefix(repo.root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The Git LFS endpoint as git-lfs picks it: `.lfsconfig`'s `lfs.url`, git
/// config's `remote.origin.lfsurl` or `lfs.url`, else from the origin remote
/// (`<url>/info/lfs` over HTTP(S); a local remote's own path).
fn lfs_endpoint(repo: &Repo) -> Option<String> {
    let credentials = |url: String| crate::capture::strip_credentials(&url);
    if let Ok(text) = std::fs::read_to_string(repo.root().join(".lfsconfig"))
        && let Some(url) = ini_value(&text, "lfs", "url")
    {
        return Some(credentials(url));
    }
    if let Some(url) = repo
        .config_string("remote.origin.lfsurl")
        .or_else(|| repo.config_string("lfs.url"))
    {
        return Some(credentials(url));
    }
    let remote = repo.remote_fetch_url("origin")?;
    if remote.starts_with("http://") || remote.starts_with("https://") {
        let base = credentials(remote);
        let base = if base.ends_with(".git") {
            base
        } else {
            format!("{base}.git")
        };
        Some(format!("{base}/info/lfs"))
    } else {
        Some(remote)
    }
}

/// The URL of DVC's default remote (`core.remote` in `.dvc/config`, or
/// `.dvc/config.local` when it sets one).
fn dvc_remote(root: &Path) -> Option<String> {
    let mut text = String::new();
    for name in ["config", "config.local"] {
        if let Ok(more) = std::fs::read_to_string(root.join(".dvc").join(name)) {
            text.push_str(&more);
            text.push('\n');
        }
    }
    let remote = ini_values(&text, "core", "remote").pop()?;
    let section = format!("remote \"{remote}\"");
    let url = ini_values(&text, &section, "url").pop()?;
    Some(crate::capture::strip_credentials(&url))
}

/// The last value of `key` in `[section]` of an INI or git-config text.
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    ini_values(text, section, key).pop()
}

/// Every value of `key` in `[section]` (section names compared without the
/// quotes DVC writes around them: `['remote "s3"']`).
fn ini_values(text: &str, section: &str, key: &str) -> Vec<String> {
    let mut current = String::new();
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim_matches('\'').to_string();
        } else if current == section
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            found.push(v.trim().trim_matches('"').to_string());
        }
    }
    found
}

/// The repositories git-annex says hold `key` (their descriptions, `here`
/// marked), or `None` when git-annex cannot be asked.
fn annex_whereis(root: &Path, key: &str) -> Option<Vec<String>> {
    let out = std::process::Command::new("git")
        .current_dir(root)
        .args(["annex", "whereis", "--json", &format!("--key={key}")])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    // `whereis` exits 1 when no copy is known, with JSON all the same.
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.lines().next()?;
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    let copies = value.get("whereis")?.as_array()?;
    Some(
        copies
            .iter()
            .map(|copy| {
                let description = copy
                    .get("description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("");
                let uuid = copy.get("uuid").and_then(|u| u.as_str()).unwrap_or("");
                format!("{description} [{uuid}]")
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_values_read_git_and_dvc_configs() {
        let dvc = "[core]\n    remote = store\n['remote \"store\"']\n    url = s3://bucket/dvc\n";
        assert_eq!(ini_values(dvc, "core", "remote"), ["store"]);
        assert_eq!(
            ini_values(dvc, "remote \"store\"", "url"),
            ["s3://bucket/dvc"]
        );
        let lfs = "[lfs]\n\turl = \"https://lfs.example.com/acme/fraud\"\n";
        assert_eq!(
            ini_value(lfs, "lfs", "url").as_deref(),
            Some("https://lfs.example.com/acme/fraud")
        );
        assert_eq!(ini_value(lfs, "core", "url"), None);
    }
}
