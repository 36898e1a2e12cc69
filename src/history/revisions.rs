//! Revisions as users name them: which commits a load reads
//! ([`Revisions`]), resolving a revision to a commit, and the content hash
//! of a path as committed at a revision (`PATH@REV`).

use gix::ObjectId;

use std::sync::Arc;

use super::error::HistoryError;
use super::model::Repository;
use super::walk;
use crate::hash::ContentHash;
use crate::repo::Repo;

/// Which commits to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Revisions {
    /// Everything reachable from HEAD.
    #[default]
    Head,
    /// Everything reachable from any ref (branches, remote branches, tags) and HEAD.
    All,
    /// Revisions as git takes them: `REV` includes, `^REV` excludes, and
    /// `A..B` is `^A B`.
    Specs(Vec<String>),
    /// `base` and the fetched history of lineage remotes (the refs under
    /// `refs/lineage/<name>/`, written by `git lineage fetch`): the named
    /// remotes, or every fetched one when `remotes` is empty.
    Lineage {
        /// The local revisions.
        base: Box<Revisions>,
        /// Remote names; empty for all.
        remotes: Vec<String>,
    },
}

/// Where `git lineage fetch` keeps the history of lineage remotes:
/// `refs/lineage/<name>/<branch>`.
pub const LINEAGE_REFS: &str = "refs/lineage/";

impl Revisions {
    /// The fetched history of lineage remote `name` alone (none of this
    /// repository's commits): where a qualified REF (`NAME:REF`) resolves.
    pub fn remote_only(name: &str) -> Revisions {
        Revisions::Lineage {
            base: Box::new(Revisions::Specs(Vec::new())),
            remotes: vec![name.to_string()],
        }
    }

    /// This selection, also reading lineage remote `name` (a qualified REF
    /// names a record of its history).
    pub fn with_remote(self, name: &str) -> Revisions {
        match self {
            Revisions::Lineage { base, mut remotes } => {
                if !remotes.is_empty() && !remotes.iter().any(|r| r == name) {
                    remotes.push(name.to_string());
                }
                Revisions::Lineage { base, remotes }
            }
            base => Revisions::Lineage {
                base: Box::new(base),
                remotes: vec![name.to_string()],
            },
        }
    }

    /// Whether the worktree's uncommitted records belong to this history:
    /// they do to HEAD (and `--all`), not to a revision range.
    pub fn includes_worktree(&self) -> bool {
        match self {
            Revisions::Head | Revisions::All => true,
            Revisions::Specs(_) => false,
            Revisions::Lineage { base, .. } => base.includes_worktree(),
        }
    }
}

/// The commits to include and exclude.
/// True when git would replace objects (`git replace`, grafts made with
/// it): history then differs from what commit ids say, so nothing derived
/// and keyed by commit id may be used. `GIT_NO_REPLACE_OBJECTS` turns
/// replacement off, as for git.
pub(super) fn replacements_in_effect(repo: &Repo) -> bool {
    if std::env::var_os("GIT_NO_REPLACE_OBJECTS").is_some() {
        return false;
    }
    let Ok(refs) = repo.gix().references() else {
        return false;
    };
    refs.prefixed("refs/replace/")
        .map(|mut found| found.next().is_some())
        .unwrap_or(false)
}

pub(super) fn resolve_revisions(
    repo: &Repo,
    revisions: &Revisions,
) -> Result<(Vec<ObjectId>, Vec<ObjectId>), HistoryError> {
    let git = repo.gix();
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    match revisions {
        Revisions::Head => {
            if let Ok(id) = git.head_id() {
                include.push(id.detach());
            }
        }
        Revisions::All => {
            if let Ok(id) = git.head_id() {
                include.push(id.detach());
            }
            let refs = git.references().map_err(|e| HistoryError::Git {
                action: "list references",
                message: e.to_string(),
            })?;
            let all = refs.all().map_err(|e| HistoryError::Git {
                action: "list references",
                message: e.to_string(),
            })?;
            for reference in all.flatten() {
                // Other repositories' lineage is read only when asked for.
                if reference
                    .name()
                    .as_bstr()
                    .starts_with(LINEAGE_REFS.as_bytes())
                {
                    continue;
                }
                let Ok(id) = reference.into_fully_peeled_id() else {
                    continue;
                };
                let is_commit = git
                    .find_header(id.detach())
                    .is_ok_and(|h| h.kind() == gix::objs::Kind::Commit);
                if is_commit {
                    include.push(id.detach());
                }
            }
        }
        Revisions::Specs(specs) => {
            for spec in specs {
                if let Some((a, b)) = spec.split_once("..") {
                    if b.starts_with('.') {
                        return Err(HistoryError::BadRevision {
                            spec: spec.clone(),
                            message:
                                "symmetric differences (A...B) are not supported here; use A..B"
                                    .into(),
                        });
                    }
                    let a = if a.is_empty() { "HEAD" } else { a };
                    let b = if b.is_empty() { "HEAD" } else { b };
                    exclude.push(resolve_commit(repo, a)?);
                    include.push(resolve_commit(repo, b)?);
                } else if let Some(rev) = spec.strip_prefix('^') {
                    exclude.push(resolve_commit(repo, rev)?);
                } else {
                    include.push(resolve_commit(repo, spec)?);
                }
            }
        }
        Revisions::Lineage { base, remotes } => {
            let (base_include, base_exclude) = resolve_revisions(repo, base)?;
            include = base_include;
            exclude = base_exclude;
            include.extend(lineage_tips(repo, remotes)?);
        }
    }
    include.sort();
    include.dedup();
    Ok((include, exclude))
}

/// The commits `refs/lineage/<name>/*` point to, for each name in
/// `remotes` (each must have been fetched), or for every fetched remote.
fn lineage_tips(repo: &Repo, remotes: &[String]) -> Result<Vec<ObjectId>, HistoryError> {
    Ok(lineage_refs(repo, remotes)?
        .into_iter()
        .map(|(_, _, id)| id)
        .collect())
}

/// The repositories a `Revisions::Lineage` load reads, one per fetched
/// ref (`remotes` as [`Revisions::Lineage`] names them), by remote name
/// then ref name, with each remote's URL from `.lineage/config.yaml`.
pub(super) fn lineage_repositories(
    repo: &Repo,
    remotes: &[String],
) -> Result<Vec<Arc<Repository>>, HistoryError> {
    // The URL only labels output: an unreadable config leaves it out
    // (commands that need the config report it themselves).
    let config = crate::store::Store::new(repo.root()).config().ok();
    let mut refs = lineage_refs(repo, remotes)?;
    refs.sort();
    // A source that is not a declared remote is a submodule HEAD pins
    // (`git lineage fetch` reads those too): its URL is `.gitmodules`'s.
    let declared = |name: &str| {
        config
            .as_ref()
            .is_some_and(|c| c.remotes.contains_key(name))
    };
    let pins = if refs.iter().all(|(name, _, _)| declared(name)) {
        Vec::new()
    } else {
        repo.submodule_pins().unwrap_or_default()
    };
    Ok(refs
        .into_iter()
        .map(|(name, _, id)| {
            let url = config
                .as_ref()
                .and_then(|c| c.remotes.get(&name))
                .map(|r| r.url.clone())
                .or_else(|| {
                    pins.iter()
                        .find(|p| crate::repo::submodule_source_name(&p.name) == name)
                        .and_then(|p| p.url.clone())
                });
            Arc::new(Repository {
                name,
                url,
                commit: id.to_string(),
            })
        })
        .collect())
}

/// `(remote, full ref name, commit)` for each ref under
/// `refs/lineage/<name>/` of the remotes named (all when empty).
fn lineage_refs(
    repo: &Repo,
    remotes: &[String],
) -> Result<Vec<(String, String, ObjectId)>, HistoryError> {
    let git = repo.gix();
    let fail = |e: String| HistoryError::Git {
        action: "list lineage remote references",
        message: e,
    };
    let refs = git.references().map_err(|e| fail(e.to_string()))?;
    let mut found: Vec<(String, String, ObjectId)> = Vec::new();
    for reference in refs
        .prefixed(LINEAGE_REFS)
        .map_err(|e| fail(e.to_string()))?
        .flatten()
    {
        let name = reference.name().as_bstr().to_string();
        let remote = name[LINEAGE_REFS.len()..]
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        // A ref whose commit cannot be read is an error, not an absence:
        // skipping it would answer as if the remote had no history.
        let id = reference.into_fully_peeled_id().map_err(|e| HistoryError::Git {
            action: "read a lineage remote reference",
            message: format!(
                "{name} cannot be resolved: {e}; fetch it again with `git lineage fetch {remote}`"
            ),
        })?;
        found.push((remote, name, id.detach()));
    }
    for wanted in remotes {
        if !found.iter().any(|(remote, _, _)| remote == wanted) {
            return Err(HistoryError::NotFetched {
                remote: wanted.clone(),
            });
        }
    }
    Ok(found
        .into_iter()
        .filter(|(remote, _, _)| remotes.is_empty() || remotes.contains(remote))
        .collect())
}

/// Resolve a revision (`main`, `HEAD~2`, a hex prefix, a tag) to a commit id.
pub fn resolve_commit(repo: &Repo, spec: &str) -> Result<ObjectId, HistoryError> {
    let bad = |message: String| HistoryError::BadRevision {
        spec: spec.to_string(),
        message,
    };
    let id = repo
        .gix()
        .rev_parse_single(spec)
        .map_err(|e| bad(e.to_string()))?;
    let object = id.object().map_err(|e| bad(e.to_string()))?;
    let commit = object
        .peel_to_commit()
        .map_err(|_| bad("it does not name a commit".into()))?;
    Ok(commit.id)
}

/// The content hash of `rel` (repository-relative) as committed at
/// `rev`: BLAKE3 of a file's blob, or the directory listing rule
/// (docs/hashing.md) over a tree, with the `ignore` globs applied. Blobs
/// are git's stored bytes, so files changed by clean filters (LFS, line
/// endings) hash differently from the worktree.
pub fn content_hash_at(
    repo: &Repo,
    rev: &str,
    rel: &str,
    ignore: &globset::GlobSet,
) -> Result<ContentHash, HistoryError> {
    let (id, is_tree) = object_at(repo, rev, rel)?;
    let fail = bad_path_at(rev, rel);
    let git = repo.gix();
    if is_tree {
        let mut listing = Vec::new();
        let mut memo = walk::TreeMemo::default();
        memo.listing(git, id, "", ignore, &mut listing)
            .map_err(fail)?;
        listing.sort_by(|a, b| a.path.cmp(&b.path));
        let mut text = Vec::new();
        for line in &listing {
            line.write_line(&mut text);
        }
        Ok(ContentHash::of_bytes(&text))
    } else {
        let bytes = walk::blob_bytes(git, id).map_err(fail)?;
        Ok(ContentHash::of_bytes(&bytes))
    }
}

/// The bytes of the file `rel` in revision `rev` (drift reads a dataset
/// as it was committed, issue 13). A directory is refused.
pub fn file_bytes_at(repo: &Repo, rev: &str, rel: &str) -> Result<Vec<u8>, HistoryError> {
    let (id, is_tree) = object_at(repo, rev, rel)?;
    let fail = bad_path_at(rev, rel);
    if is_tree {
        return Err(fail(format!("'{rel}' is a directory, not a file")));
    }
    walk::blob_bytes(repo.gix(), id).map_err(fail)
}

/// The object `rel` (repository-relative) names in revision `rev`, and
/// whether it is a tree; [`HistoryError::NotInRevision`] when it names none.
fn object_at(repo: &Repo, rev: &str, rel: &str) -> Result<(ObjectId, bool), HistoryError> {
    let commit = resolve_commit(repo, rev)?;
    let fail = bad_path_at(rev, rel);
    let tree = repo
        .gix()
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| fail(e.to_string()))?;
    let entry = tree
        .lookup_entry_by_path(rel)
        .map_err(|e| fail(e.to_string()))?
        .ok_or_else(|| HistoryError::NotInRevision {
            path: rel.to_string(),
            rev: rev.to_string(),
            commit: commit.to_string(),
        })?;
    Ok((entry.object_id(), entry.mode().is_tree()))
}

/// The error for `rel@rev` that could not be read, with why.
fn bad_path_at<'a>(rev: &'a str, rel: &'a str) -> impl Fn(String) -> HistoryError + 'a {
    move |message| HistoryError::BadRevision {
        spec: format!("{rel}@{rev}"),
        message,
    }
}
