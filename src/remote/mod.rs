//! Lineage remotes: other repositories whose lineage joins this one's by
//! content hash. Owns the `remotes:` entries of `.lineage/config.yaml`
//! (`add`, `remove`, `list`) and `fetch`, which reads their history into
//! `refs/lineage/<name>/…` through the `git` program (every transport and
//! credential helper the user has), never touching branches or git remotes.

use std::path::Path;
use std::process::Command;

use crate::config::{self, Config, RemoteConfig};
use crate::history::LINEAGE_REFS;
use crate::repo::Repo;
use crate::store::Store;

mod submodule;

pub use submodule::{PINNED, Submodule, names as submodule_names};

/// A declared lineage remote and the commits fetched from it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Remote {
    /// Its name (`remotes.<name>`).
    pub name: String,
    /// Where it is, as `git fetch` takes it.
    pub url: String,
    /// The branches (or refs) read.
    pub refs: Vec<String>,
    /// For each fetched ref, `refs/lineage/<name>/<branch>` and its commit.
    pub fetched: Vec<FetchedRef>,
    /// When the source is a submodule HEAD pins (read at that commit, into
    /// `refs/lineage/<name>/pinned`): which, and the pinned commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submodule: Option<Submodule>,
    /// Why this source is not read (a submodule whose pinned commit cannot
    /// be fetched, or whose name is taken), as a warning's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// One ref under `refs/lineage/`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FetchedRef {
    /// The full local ref name.
    pub local: String,
    /// The commit it points to before the fetch (`None`: new).
    pub old: Option<String>,
    /// The commit it points to now.
    pub new: String,
}

/// `(source, REF)` when `text` is `NAME:REF` with NAME a lineage source of
/// `repo`: a remote declared in `.lineage/config.yaml`, or a submodule HEAD
/// pins ([`crate::refspec::split_remote`]). An unreadable config leaves
/// REFs unqualified: commands that need the config report it themselves.
pub fn split_qualified<'a>(repo: &Repo, text: &'a str) -> Option<(&'a str, &'a str)> {
    let config = Store::new(repo.root()).config().ok()?;
    crate::refspec::split_remote(text, |name| {
        config.remotes.contains_key(name)
            || submodule_names(repo, &config).iter().any(|s| s == name)
    })
}

/// The lineage remotes declared in the config, with what was fetched,
/// then the submodules HEAD pins (read as lineage sources).
pub fn list(repo: &Repo) -> crate::Result<Vec<Remote>> {
    let config = Store::new(repo.root()).config()?;
    let tips = lineage_refs(repo)?;
    let fetched = |name: &str| -> Vec<FetchedRef> {
        tips.iter()
            .filter(|(local, _)| remote_of(local) == Some(name))
            .map(|(local, id)| FetchedRef {
                local: local.clone(),
                old: Some(id.clone()),
                new: id.clone(),
            })
            .collect()
    };
    let submodules: Vec<Remote> = submodule::sources(repo, &config)?
        .iter()
        .map(|source| {
            let refs = if source.problem.is_none() {
                fetched(&source.name)
            } else {
                Vec::new()
            };
            submodule::entry(source, refs)
        })
        .collect();
    let mut remotes: Vec<Remote> = config
        .remotes
        .iter()
        .map(|(name, remote)| Remote {
            name: name.clone(),
            url: remote.url.clone(),
            refs: remote.refs.clone(),
            fetched: tips
                .iter()
                .filter(|(local, _)| remote_of(local) == Some(name.as_str()))
                .map(|(local, id)| FetchedRef {
                    local: local.clone(),
                    old: Some(id.clone()),
                    new: id.clone(),
                })
                .collect(),
            submodule: None,
            problem: None,
        })
        .collect();
    remotes.extend(submodules);
    Ok(remotes)
}

/// Declare remote `name` at `url` reading `refs` (the remote's HEAD when
/// empty): an entry added to `.lineage/config.yaml`, whose other lines
/// and comments are kept.
pub fn add(repo: &Repo, name: &str, url: &str, refs: &[String]) -> crate::Result<Remote> {
    let invalid = |problem: String| crate::Error::InvalidArgument {
        field: "remote",
        problem,
    };
    if !config::valid_remote_name(name) {
        return Err(invalid(format!(
            "'{name}' is not a remote name: use letters, digits, '.', '_' or '-', starting with a letter or digit"
        )));
    }
    if crate::refspec::is_keyword(name) {
        return Err(invalid(format!(
            "'{name}' begins a REF of its own ({name}:…), so `{name}:REF` could never name this remote; choose another name"
        )));
    }
    if let Some(pin) = repo
        .submodule_pins()?
        .into_iter()
        .find(|pin| crate::repo::submodule_source_name(&pin.name) == name)
    {
        return Err(invalid(format!(
            "submodule '{}' (path {}) is read as lineage source '{name}'; choose another name",
            pin.name, pin.path
        )));
    }
    let entry = RemoteConfig {
        url: url.to_string(),
        refs: if refs.is_empty() {
            vec!["HEAD".to_string()]
        } else {
            refs.to_vec()
        },
    };
    if let Some(problem) = config::remote_problem(&entry) {
        return Err(invalid(problem));
    }
    let store = Store::new(repo.root());
    let path = store.config_path();
    let text = read_config_text(&path)?;
    let current = parse_config(&path, &text)?;
    if let Some(existing) = current.remotes.get(name) {
        return Err(invalid(format!(
            "remote '{name}' already exists (url {}); remove it first with `git lineage remote remove {name}`",
            existing.url
        )));
    }
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let block = format!(
        "  {name}:\n    url: {}\n    refs: [{}]\n",
        quoted(&entry.url),
        entry
            .refs
            .iter()
            .map(|r| quoted(r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let updated = insert_remote(&text, &block);
    let parsed = parse_config(&path, &updated)?;
    if parsed.remotes.get(name) != Some(&entry) || parsed.remotes.len() != current.remotes.len() + 1
    {
        return Err(invalid(format!(
            "cannot add to {}: its `remotes:` key has a form this command does not edit; add the remote there by hand (docs/multi-repo.md)",
            path.display()
        )));
    }
    write_config(&path, &updated)?;
    Ok(Remote {
        name: name.to_string(),
        url: entry.url,
        refs: entry.refs,
        fetched: Vec::new(),
        submodule: None,
        problem: None,
    })
}

/// Remove remote `name` from the config and delete its fetched refs.
pub fn remove(repo: &Repo, name: &str) -> crate::Result<()> {
    let store = Store::new(repo.root());
    let path = store.config_path();
    let text = read_config_text(&path)?;
    let current = parse_config(&path, &text)?;
    if !current.remotes.contains_key(name) {
        return Err(unknown_remote(name, &current));
    }
    let updated = remove_remote(&text, name);
    let parsed = updated
        .as_deref()
        .map(|t| parse_config(&path, t))
        .transpose()?;
    let mut expected = current.remotes.clone();
    expected.remove(name);
    match (updated, parsed) {
        (Some(updated), Some(parsed)) if parsed.remotes == expected => {
            write_config(&path, &updated)?;
        }
        _ => {
            return Err(crate::Error::InvalidArgument {
                field: "remote",
                problem: format!(
                    "cannot remove '{name}' from {}: its entry has a form this command does not edit; remove it there by hand",
                    path.display()
                ),
            });
        }
    }
    for (local, _) in lineage_refs(repo)? {
        if remote_of(&local) == Some(name) {
            git(repo, &["update-ref", "-d", &local])
                .map_err(|message| fetch_error(name, "", message))?;
        }
    }
    // Every selection that named it is stale for good.
    crate::catalog::remove_remote_views(repo);
    Ok(())
}

/// Fetch the history of `names` (every declared remote and submodule
/// when empty) into `refs/lineage/<name>/<branch>`, and each submodule's
/// pinned commit into `refs/lineage/<name>/pinned`: the refs as they
/// were and are. A submodule that cannot be read is returned with its
/// `problem`, and does not stop the others.
pub fn fetch(repo: &Repo, names: &[String]) -> crate::Result<Vec<Remote>> {
    let config = Store::new(repo.root()).config()?;
    let submodules = submodule::sources(repo, &config)?;
    let before = lineage_refs(repo)?;
    // With nothing declared or pinned, refs left by a removed submodule
    // are still deleted below.
    if config.remotes.is_empty() && submodules.is_empty() && before.is_empty() {
        return Err(crate::Error::InvalidArgument {
            field: "remote",
            problem: "no lineage remotes are declared in .lineage/config.yaml and HEAD pins no submodules; add one with `git lineage remote add NAME URL`".into(),
        });
    }
    for name in names {
        if !config.remotes.contains_key(name) && !submodules.iter().any(|s| &s.name == name) {
            return Err(unknown_remote(name, &config));
        }
    }
    let mut fetched = Vec::new();
    for (name, remote) in &config.remotes {
        if !names.is_empty() && !names.contains(name) {
            continue;
        }
        let mut args = vec![
            "fetch".to_string(),
            "--quiet".into(),
            "--no-tags".into(),
            "--no-write-fetch-head".into(),
            "--no-recurse-submodules".into(),
            // Only this remote's fetched refs and this repository's
            // branches are offered as common history: not the commits of
            // every other remote, which would cost time in negotiation and
            // are rarely in this one (sent again if they are).
            format!("--negotiation-tip=refs/lineage/{name}/*"),
            "--negotiation-tip=refs/heads/*".into(),
            remote.url.clone(),
        ];
        args.extend(remote.refs.iter().map(|r| refspec(name, r)));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        git(repo, &args).map_err(|message| fetch_error(name, &remote.url, message))?;
        let after = lineage_refs(repo)?;
        fetched.push(Remote {
            name: name.clone(),
            url: remote.url.clone(),
            refs: remote.refs.clone(),
            fetched: after
                .iter()
                .filter(|(local, _)| remote_of(local) == Some(name.as_str()))
                .map(|(local, id)| FetchedRef {
                    local: local.clone(),
                    old: before
                        .iter()
                        .find(|(l, _)| l == local)
                        .map(|(_, id)| id.clone()),
                    new: id.clone(),
                })
                .collect(),
            submodule: None,
            problem: None,
        });
    }
    fetched.extend(submodule::fetch(
        repo,
        &config,
        &submodules,
        names,
        &before,
    )?);
    // The first `--remotes` question after a fetch is answered warm. The
    // index is derived data: failing to update it costs speed, never the fetch.
    // It is read through a repository opened now: the handle opened before
    // the fetches sized its table of pack indices for the packs there were
    // then, and would not find objects in the packs they added.
    let Ok(fresh) = Repo::discover(repo.root()) else {
        return Ok(fetched);
    };
    let _ = crate::catalog::refresh(
        &fresh,
        &crate::history::HistoryOptions {
            revisions: crate::history::Revisions::Lineage {
                base: Box::new(crate::history::Revisions::Head),
                remotes: Vec::new(),
            },
            ..Default::default()
        },
    );
    Ok(fetched)
}

/// The refspec that fetches `branch` of remote `name`: forced, into
/// `refs/lineage/<name>/<branch>` (`HEAD` stays `HEAD`; `refs/heads/x`
/// and `x` both land at `x`).
fn refspec(name: &str, branch: &str) -> String {
    let (source, local) = if branch == "HEAD" {
        ("HEAD".to_string(), "HEAD")
    } else if let Some(short) = branch.strip_prefix("refs/heads/") {
        (branch.to_string(), short)
    } else if let Some(rest) = branch.strip_prefix("refs/") {
        (branch.to_string(), rest)
    } else {
        (format!("refs/heads/{branch}"), branch)
    };
    format!("+{source}:{LINEAGE_REFS}{name}/{local}")
}

/// The remote a `refs/lineage/<name>/…` ref belongs to.
fn remote_of(local: &str) -> Option<&str> {
    local.strip_prefix(LINEAGE_REFS)?.split('/').next()
}

/// Every ref under `refs/lineage/` with its commit, sorted by name.
fn lineage_refs(repo: &Repo) -> crate::Result<Vec<(String, String)>> {
    let out = git(
        repo,
        &[
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            LINEAGE_REFS,
        ],
    )
    .map_err(|message| fetch_error("", "", message))?;
    let mut refs: Vec<(String, String)> = out
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, id)| (name.to_string(), id.to_string()))
        .collect();
    refs.sort();
    Ok(refs)
}

/// Run `git ARGS` in the worktree root: its stdout, or its stderr as the error.
fn git(repo: &Repo, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo.root())
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

fn fetch_error(remote: &str, url: &str, message: String) -> crate::Error {
    crate::Error::Fetch {
        remote: remote.to_string(),
        url: url.to_string(),
        message,
    }
}

fn unknown_remote(name: &str, config: &Config) -> crate::Error {
    let known: Vec<&str> = config.remotes.keys().map(String::as_str).collect();
    crate::Error::InvalidArgument {
        field: "remote",
        problem: format!(
            "no lineage remote '{name}' in .lineage/config.yaml (declared: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    }
}

fn read_config_text(path: &Path) -> crate::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(config::TEMPLATE.to_string()),
        Err(source) => Err(crate::Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn parse_config(path: &Path, text: &str) -> crate::Result<Config> {
    Config::parse(text).map_err(|source| {
        crate::store::StoreError::Config {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

fn write_config(path: &Path, text: &str) -> crate::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| crate::Error::Io {
            action: "create",
            path: dir.to_path_buf(),
            source,
        })?;
    }
    crate::cache::write_atomically(path, text.as_bytes()).map_err(|source| crate::Error::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}

/// `text` with `block` (an indented `name:` entry) under its top-level
/// `remotes:` key: after that line when it opens a block, in place of an
/// empty `remotes: {}`, or as a new key at the end.
fn insert_remote(text: &str, block: &str) -> String {
    let mut out = String::new();
    let mut done = false;
    for line in text.split_inclusive('\n') {
        let key = line.split('#').next().unwrap_or("").trim_end();
        if !done && key == "remotes:" {
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(block);
            done = true;
        } else if !done && (key == "remotes: {}" || key == "remotes:{}") {
            out.push_str("remotes:\n");
            out.push_str(block);
            done = true;
        } else {
            out.push_str(line);
        }
    }
    if !done {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(
            "\n# Lineage remotes: repositories whose lineage `git lineage fetch` reads\n\
             # (docs/multi-repo.md).\nremotes:\n",
        );
        out.push_str(block);
    }
    out
}

/// `text` without the block-style entry `name:` under `remotes:` (the
/// entry's line and the more indented lines after it); `None` when no
/// such entry is found.
fn remove_remote(text: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let indent = |line: &str| line.len() - line.trim_start().len();
    let start_block = lines
        .iter()
        .position(|l| l.split('#').next().unwrap_or("").trim_end() == "remotes:")?;
    let mut i = start_block + 1;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        if indent(line) == 0 {
            return None;
        }
        if trimmed.starts_with(&format!("{name}:")) {
            let own = indent(line);
            let mut end = i + 1;
            while end < lines.len() {
                let next = lines[end];
                if !next.trim().is_empty() && indent(next) <= own {
                    break;
                }
                end += 1;
            }
            let mut out: String = lines[..i].concat();
            out.push_str(&lines[end..].concat());
            return Some(out);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "schema: git-lineage/v1\n# keep me\nstages: [staging]\n";

    #[test]
    fn adding_keeps_comments_and_removing_restores_the_text() {
        let block = "  data:\n    url: \"../data.git\"\n    refs: [\"main\"]\n";
        let added = insert_remote(BASE, block);
        assert!(added.starts_with(BASE), "{added}");
        let config = Config::parse(&added).unwrap();
        assert_eq!(config.remotes["data"].url, "../data.git");
        assert_eq!(config.remotes["data"].refs, ["main"]);
        let second = insert_remote(&added, "  feat:\n    url: \"x\"\n    refs: [\"HEAD\"]\n");
        assert_eq!(Config::parse(&second).unwrap().remotes.len(), 2);
        let removed = remove_remote(&second, "data").unwrap();
        let config = Config::parse(&removed).unwrap();
        assert_eq!(config.remotes.keys().collect::<Vec<_>>(), ["feat"]);
        assert!(removed.contains("# keep me"));
        assert_eq!(remove_remote(&removed, "data"), None);
    }

    #[test]
    fn an_empty_flow_map_is_replaced() {
        let text = format!("{BASE}remotes: {{}}\n");
        let added = insert_remote(&text, "  a:\n    url: \"u\"\n    refs: [\"main\"]\n");
        assert_eq!(Config::parse(&added).unwrap().remotes.len(), 1);
    }

    #[test]
    fn refspecs_land_under_refs_lineage() {
        assert_eq!(
            refspec("data", "main"),
            "+refs/heads/main:refs/lineage/data/main"
        );
        assert_eq!(refspec("data", "HEAD"), "+HEAD:refs/lineage/data/HEAD");
        assert_eq!(
            refspec("data", "refs/heads/release/1"),
            "+refs/heads/release/1:refs/lineage/data/release/1"
        );
        assert_eq!(
            refspec("data", "refs/tags/v1"),
            "+refs/tags/v1:refs/lineage/data/tags/v1"
        );
        assert_eq!(remote_of("refs/lineage/data/main"), Some("data"));
    }

    #[test]
    fn names_urls_and_refs_that_could_be_options_are_refused() {
        assert!(config::valid_remote_name("features-2.x"));
        for bad in ["", "-x", "a/b", "a b", "a..b", "x.lock"] {
            assert!(!config::valid_remote_name(bad), "{bad}");
        }
        let remote = |url: &str, refs: &[&str]| RemoteConfig {
            url: url.into(),
            refs: refs.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(config::remote_problem(&remote("../a.git", &["main"])), None);
        assert!(config::remote_problem(&remote("--upload-pack=x", &["main"])).is_some());
        assert!(config::remote_problem(&remote("u", &["-x"])).is_some());
        assert!(config::remote_problem(&remote("u", &["a:b"])).is_some());
        assert!(config::remote_problem(&remote("u", &[])).is_some());
    }
}
