//! Commits between commits, read for the features above: the `git log
//! old..new` one-liners with counts either way, merge bases, and whether the
//! clone is shallow, as typed values over hex ids (no gix types leave here).

use gix::ObjectId;

use super::{CommitInfo, HistoryError};
use crate::repo::Repo;

/// The commits between two commits: `git log old..new` and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRange {
    /// Commits reachable from `new` but not from `old`, newest first, at
    /// most the limit asked for.
    pub commits: Vec<CommitInfo>,
    /// How many commits `old..new` has in all.
    pub ahead: usize,
    /// How many commits `new..old` has (the old side had and the new lacks).
    pub behind: usize,
}

/// Why the commits between two commits could not be listed. The messages
/// are shown as they are (a diff's "commits not listed" note).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommitRangeError {
    /// The text is not a hex object id.
    #[error("'{hex}' is not a commit id: {message}")]
    BadId {
        /// The text given.
        hex: String,
        /// Why it does not parse.
        message: String,
    },
    /// The object exists but is not a commit.
    #[error("{hex} is not a commit")]
    NotACommit {
        /// The object id.
        hex: String,
    },
    /// The commit is not in the object database (a shallow clone, say).
    #[error(
        "commit {} is not in this repository (fetch it, or deepen a shallow clone)",
        short_id(.hex)
    )]
    Missing {
        /// The commit id.
        hex: String,
    },
    /// Walking the commit graph failed.
    #[error("cannot walk commits: {message}")]
    Walk {
        /// The underlying error.
        message: String,
    },
    /// A commit in the range could not be read.
    #[error("{message}")]
    Read {
        /// What went wrong, naming the commit.
        message: String,
    },
}

/// The first 12 hex digits of an id, for messages.
fn short_id(hex: &str) -> &str {
    &hex[..hex.len().min(12)]
}

/// `git log old..new` (newest first, at most `limit` commits), its length,
/// and the length of `new..old`; `old` and `new` are full hex commit ids.
pub fn commits_between(
    repo: &Repo,
    old: &str,
    new: &str,
    limit: usize,
) -> Result<CommitRange, CommitRangeError> {
    let git = repo.gix();
    let id = |hex: &str| -> Result<ObjectId, CommitRangeError> {
        let id = ObjectId::from_hex(hex.as_bytes()).map_err(|e| CommitRangeError::BadId {
            hex: hex.to_string(),
            message: e.to_string(),
        })?;
        match git.find_header(id) {
            Ok(header) if header.kind() == gix::objs::Kind::Commit => Ok(id),
            Ok(_) => Err(CommitRangeError::NotACommit {
                hex: hex.to_string(),
            }),
            Err(_) => Err(CommitRangeError::Missing {
                hex: hex.to_string(),
            }),
        }
    };
    let (old, new) = (id(old)?, id(new)?);
    let walk_error = |e: &dyn std::fmt::Display| CommitRangeError::Walk {
        message: e.to_string(),
    };
    let walk = |from: ObjectId, hidden: ObjectId| -> Result<Vec<ObjectId>, CommitRangeError> {
        let walk = git
            .rev_walk([from])
            .with_hidden([hidden])
            .all()
            .map_err(|e| walk_error(&e))?;
        walk.map(|info| info.map(|i| i.id).map_err(|e| walk_error(&e)))
            .collect()
    };
    let ahead = walk(new, old)?;
    let behind = walk(old, new)?.len();
    let mut commits = Vec::new();
    for id in ahead.iter().take(limit) {
        commits.push(
            super::commit_info(git, *id).map_err(|message| CommitRangeError::Read { message })?,
        );
    }
    Ok(CommitRange {
        commits,
        ahead: ahead.len(),
        behind,
    })
}

/// The full hex id of the commit a revision (`main`, `HEAD~2`, a hex
/// prefix, a tag) resolves to.
pub fn resolve_commit_id(repo: &Repo, spec: &str) -> Result<String, HistoryError> {
    super::resolve_commit(repo, spec).map(|id| id.to_string())
}

/// The best common ancestor of two commits (full hex ids); `None` when they
/// have none.
pub fn merge_base(repo: &Repo, a: &str, b: &str) -> Result<Option<String>, HistoryError> {
    let git_error = |message: String| HistoryError::Git {
        action: "find the merge base",
        message,
    };
    let id = |hex: &str| ObjectId::from_hex(hex.as_bytes()).map_err(|e| git_error(e.to_string()));
    match repo.gix().merge_base(id(a)?, id(b)?) {
        Ok(Some(id)) => Ok(Some(id.detach().to_string())),
        Ok(None) => Ok(None),
        Err(e) => Err(git_error(e.to_string())),
    }
}

/// Whether the repository is a shallow clone (false when that cannot be
/// told).
pub fn is_shallow(repo: &Repo) -> bool {
    repo.gix().is_shallow().unwrap_or(false)
}
