//! Resolving a REF to graph nodes: artifacts by content, path (now, at a
//! revision, or as recorded), URI and hash, code commits and commit ranges,
//! model versions, and records.

use std::path::Path;

use super::{RefError, RefSpec, Unmatched, display, model_version, resolve_record};
use crate::graph::{ArtifactKey, Graph, NodeIndex, NodeKey};
use crate::hash::ContentHash;
use crate::history::History;
use crate::repo::Repo;
use crate::store::Store;

/// How graph REFs resolve.
#[derive(Debug, Clone, Default)]
pub struct NodeOptions {
    /// `commit:REV` also matches records made from any later commit that
    /// contains REV.
    pub descendants_of_commit: bool,
    /// `commit:REV` matches the commits that contain REV and not this
    /// revision (as `commit:REV..UNTIL` does).
    pub until_commit: Option<String>,
    /// A path means the artifacts recorded at that path (every version,
    /// newest first) even when the path exists on disk.
    pub recorded: bool,
}

/// The start commits of a `commit:` REF with a range or
/// `--descendants-of-commit`: what to summarise instead of listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRange {
    /// The commit the code must contain (full hex).
    pub from: String,
    /// The commit it must not contain, if any (full hex).
    pub until: Option<String>,
    /// The commits some record was made from that qualify (full hex, sorted).
    pub commits: Vec<String>,
}

/// Split `commit:X..Y` (or `commit:X` with `until`) and find the commits
/// of history that contain X and not Y: `None` for a plain `commit:REV`
/// without `descendants` or `until`.
pub fn commit_range(
    repo: &Repo,
    history: &History,
    rev: &str,
    options: &NodeOptions,
) -> Result<Option<CommitRange>, RefError> {
    let (from, until) = match rev.split_once("..") {
        Some((from, until)) if !from.is_empty() && !until.is_empty() => (from, Some(until)),
        _ => (rev, options.until_commit.as_deref()),
    };
    if until.is_none() && !options.descendants_of_commit {
        return Ok(None);
    }
    let from = crate::history::resolve_commit(repo, from)?;
    let mut commits = history.descendants_of(&from);
    let until = match until {
        Some(until) => {
            let until = crate::history::resolve_commit(repo, until)?;
            for later in history.descendants_of(&until) {
                commits.remove(&later);
            }
            Some(until.to_string())
        }
        None => None,
    };
    let mut commits: Vec<String> = commits.into_iter().collect();
    commits.sort();
    Ok(Some(CommitRange {
        from: from.to_string(),
        until,
        commits,
    }))
}

/// The artifacts recorded at a path REF's path, newest first.
fn recorded_at(
    repo: &Repo,
    graph: &Graph,
    cwd: &Path,
    text: &str,
) -> Result<(String, Vec<NodeIndex>), RefError> {
    let rel = repo
        .relative_path(cwd, Path::new(text))
        .map_err(RefError::Path)?;
    let mut nodes = graph.artifacts_at_path(&rel);
    nodes.reverse();
    Ok((rel, nodes))
}

/// For a path REF that means recorded artifacts (not on disk and not
/// `PATH@REV`, or `recorded`): the repository-relative path and every
/// version recorded there, newest first. `None` when the REF means bytes.
pub fn recorded_versions(
    repo: &Repo,
    graph: &Graph,
    spec: &RefSpec,
    cwd: &Path,
    options: &NodeOptions,
) -> Option<(String, Vec<NodeIndex>)> {
    let RefSpec::Path(text) = spec else {
        return None;
    };
    if !options.recorded {
        let absolute = crate::repo::absolute_path(cwd, Path::new(text));
        if absolute.symlink_metadata().is_ok() {
            return None;
        }
        if let Some((_, rev)) = text.rsplit_once('@')
            && !rev.is_empty()
            && crate::history::resolve_commit(repo, rev).is_ok()
        {
            return None;
        }
    }
    recorded_at(repo, graph, cwd, text).ok()
}

/// What a path REF may name, for looking it up in an index before the
/// graph exists: its repository-relative path (as given, and before a
/// trailing `@REV`) and, when it can be read, its content hash now or at
/// REV. [`resolve_nodes`] decides among these.
pub fn path_ref_seeds(repo: &Repo, cwd: &Path, text: &str) -> (Vec<String>, Option<ArtifactKey>) {
    let mut rels: Vec<String> = repo
        .relative_path(cwd, Path::new(text))
        .ok()
        .into_iter()
        .collect();
    if let Some((path, _)) = text.rsplit_once('@')
        && !path.is_empty()
        && let Ok(rel) = repo.relative_path(cwd, Path::new(path))
    {
        rels.push(rel);
    }
    let hash = hash_path_ref(repo, cwd, text).ok().map(|(_, hash)| hash);
    (rels, hash)
}

/// Resolve any REF to the graph nodes it names. `cwd` anchors relative paths.
pub fn resolve_nodes(
    repo: &Repo,
    history: &History,
    graph: &Graph,
    spec: &RefSpec,
    cwd: &Path,
    options: NodeOptions,
) -> Result<Vec<NodeIndex>, RefError> {
    let not_in_graph = |what: String, why: Unmatched| RefError::NotInGraph { what, why };
    match spec {
        RefSpec::Id(_) | RefSpec::Prefix(_) | RefSpec::Name(_) => {
            let id = resolve_record(history, spec)?;
            graph
                .node(&NodeKey::Record(id.clone()))
                .map(|n| vec![n])
                .ok_or_else(|| RefError::NotFound(id.to_string()))
        }
        RefSpec::Model { name, selector } => {
            let version = model_version(history, spec, name, selector)?;
            let node = match version.artifact {
                Some(hash) => graph.node(&NodeKey::Artifact(ArtifactKey::Hash(hash))),
                None => graph.node(&NodeKey::Record(version.register.clone())),
            };
            node.map(|n| vec![n]).ok_or_else(|| {
                not_in_graph(format!("'{}'", display(spec)), Unmatched::ModelArtifact)
            })
        }
        RefSpec::Hash(hash) => graph
            .node(&NodeKey::Artifact(ArtifactKey::Hash(*hash)))
            .map(|n| vec![n])
            .ok_or_else(|| not_in_graph(format!("artifact {hash}"), Unmatched::Hash)),
        RefSpec::Digest(digest) => graph
            .node(&NodeKey::Artifact(ArtifactKey::Pointer(digest.clone())))
            .map(|n| vec![n])
            .ok_or_else(|| not_in_graph(format!("artifact {digest}"), Unmatched::Hash)),
        RefSpec::Uri { uri, version } => {
            if let Some(path) = uri.strip_prefix("file://") {
                let hash = hash_now(repo, Path::new(path), uri)?;
                return resolve_nodes(repo, history, graph, &RefSpec::Hash(hash), cwd, options);
            }
            let nodes = graph.artifacts_with_uri(uri, version.as_deref());
            if nodes.is_empty() {
                Err(not_in_graph(format!("'{}'", display(spec)), Unmatched::Uri))
            } else {
                Ok(nodes)
            }
        }
        RefSpec::Commit(rev) => {
            let range = commit_range(repo, history, rev, &options)?;
            if let Some(CommitRange {
                until: Some(until),
                commits,
                ..
            }) = &range
            {
                let nodes: Vec<NodeIndex> = commits
                    .iter()
                    .filter_map(|c| graph.node(&NodeKey::Commit(c.clone())))
                    .collect();
                return if nodes.is_empty() {
                    Err(not_in_graph(
                        format!("'{}'", display(spec)),
                        Unmatched::CommitRange {
                            from: rev
                                .split_once("..")
                                .map_or(rev.as_str(), |(from, _)| from)
                                .to_string(),
                            until: until[..until.len().min(12)].to_string(),
                        },
                    ))
                } else {
                    Ok(nodes)
                };
            }
            let commit = crate::history::resolve_commit(repo, rev)?;
            let commits: Vec<String> = match range {
                Some(range) => range.commits,
                None => vec![commit.to_string()],
            };
            let nodes: Vec<NodeIndex> = commits
                .into_iter()
                .filter_map(|c| graph.node(&NodeKey::Commit(c)))
                .collect();
            if nodes.is_empty() {
                Err(not_in_graph(
                    format!("commit {commit} ({rev})"),
                    Unmatched::Commit {
                        descendants: options.descendants_of_commit,
                    },
                ))
            } else {
                Ok(nodes)
            }
        }
        RefSpec::Path(text) => {
            if let Some((rel, nodes)) = recorded_versions(repo, graph, spec, cwd, &options) {
                return if !nodes.is_empty() {
                    Ok(nodes)
                } else if options.recorded {
                    Err(not_in_graph(format!("'{rel}'"), Unmatched::NeverRecorded))
                } else {
                    Err(RefError::NoSuchPath(text.clone()))
                };
            }
            let (rel, hash) = hash_path_ref(repo, cwd, text)?;
            graph
                .node(&NodeKey::Artifact(hash.clone()))
                .map(|n| vec![n])
                .ok_or_else(|| {
                    let recorded = graph.artifacts_at_path(&rel);
                    not_in_graph(
                        format!("'{rel}' as it is now ({hash})"),
                        Unmatched::Path {
                            rel: rel.clone(),
                            recorded: recorded
                                .iter()
                                .map(|n| graph.get(*n).key().to_string())
                                .collect(),
                        },
                    )
                })
        }
    }
}

fn ignore_globs(repo: &Repo) -> Result<globset::GlobSet, RefError> {
    let store = Store::new(repo.root());
    let config = store.config()?;
    config.ignore_set().map_err(|problem| RefError::Config {
        path: store.config_path(),
        problem,
    })
}

fn hash_now(repo: &Repo, path: &Path, spec: &str) -> Result<ContentHash, RefError> {
    let ignore = ignore_globs(repo)?;
    let hasher = crate::hash::Hasher::new(&ignore, None);
    hasher
        .hash_path(path)
        .map(|d| d.hash())
        .map_err(|source| RefError::Hash {
            spec: spec.into(),
            source,
        })
}

/// A path REF's repository-relative path and content key: the worktree's
/// bytes when the path exists (a large-file pointer's digest when it is
/// one, with or without its bytes), otherwise `path@REV` read from git.
fn hash_path_ref(repo: &Repo, cwd: &Path, text: &str) -> Result<(String, ArtifactKey), RefError> {
    let absolute = crate::repo::absolute_path(cwd, Path::new(text));
    let rel = repo.relative_path(cwd, Path::new(text));
    if let Ok(Ok(Some(found))) = rel
        .as_ref()
        .map(|rel| crate::pointer::detect::detect(repo, rel))
        && let (Ok(rel), Some(pointer)) = (&rel, found.pointer)
    {
        return Ok((rel.clone(), ArtifactKey::Pointer(pointer.digest)));
    }
    if absolute.symlink_metadata().is_ok() {
        let rel = rel.map_err(RefError::Path)?;
        return Ok((rel, ArtifactKey::Hash(hash_now(repo, &absolute, text)?)));
    }
    let Some((path, rev)) = text
        .rsplit_once('@')
        .filter(|(p, r)| !p.is_empty() && !r.is_empty())
    else {
        return Err(RefError::NoSuchPath(text.into()));
    };
    let rel = repo
        .relative_path(cwd, Path::new(path))
        .map_err(RefError::Path)?;
    // A misspelt file name containing `@` is not a revision problem.
    if crate::history::resolve_commit(repo, rev).is_err() {
        return Err(RefError::NoSuchPath(text.into()));
    }
    let ignore = ignore_globs(repo)?;
    let hash = crate::history::content_hash_at(repo, rev, &rel, &ignore)?;
    Ok((rel, ArtifactKey::Hash(hash)))
}
