//! Why history could not be loaded ([`HistoryError`]), and the record files
//! a loaded history lacks because they could not be read ([`ReadWarning`]).

use serde::Serialize;

use crate::record::RecordId;

/// Why history could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// A revision did not resolve.
    #[error("'{spec}' is not a revision in this repository: {message}")]
    BadRevision {
        /// What the user gave.
        spec: String,
        /// Why it did not resolve.
        message: String,
    },
    /// `--remote NAME` names a lineage remote whose history is not here.
    #[error(
        "lineage remote '{remote}' has not been fetched (no refs under refs/lineage/{remote}/)"
    )]
    NotFetched {
        /// The remote's name.
        remote: String,
    },
    /// `PATH@REV` names a path that is not in that revision.
    #[error("'{path}' is not in {rev} (commit {commit})")]
    NotInRevision {
        /// The repository-relative path.
        path: String,
        /// The revision as given.
        rev: String,
        /// The commit it resolved to.
        commit: String,
    },
    /// Reading git failed in a way that stops the walk.
    #[error("cannot {action}: {message}")]
    Git {
        /// What was being done.
        action: &'static str,
        /// The underlying error.
        message: String,
    },
    /// Record files in history could not be read, and the caller asked for
    /// a complete history.
    #[error("{} in history cannot be read, so the result would be incomplete: {}", count_files(.unreadable.len()), list_unreadable(.unreadable))]
    Incomplete {
        /// What could not be read.
        unreadable: Vec<ReadWarning>,
    },
    /// A record could not be read.
    #[error("record {id} cannot be read: {message}")]
    Record {
        /// The record.
        id: RecordId,
        /// Why.
        message: String,
    },
}

fn count_files(n: usize) -> String {
    if n == 1 {
        "1 record file".into()
    } else {
        format!("{n} record files")
    }
}

fn list_unreadable(unreadable: &[ReadWarning]) -> String {
    let shown: Vec<String> = unreadable
        .iter()
        .take(10)
        .map(|w| {
            format!(
                "{} in commit {} ({})",
                w.path,
                &w.commit[..w.commit.len().min(12)],
                w.message
            )
        })
        .collect();
    let more = unreadable.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{}; and {more} more", shown.join("; "))
    } else {
        shown.join("; ")
    }
}

/// A record file in history that could not be read: its object is missing
/// or corrupt, or its bytes are not a valid record. The record it holds is
/// absent from the history it belongs to, so every command that reads
/// history says so (stderr, and `warnings` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadWarning {
    /// The full id of the commit that added the file.
    pub commit: String,
    /// The worktree-relative path, `.lineage/records/<2>/<64>.yaml` (or
    /// `.lineage/records` when the commit's records tree itself is unreadable).
    pub path: String,
    /// Why it could not be read.
    pub message: String,
}

impl std::fmt::Display for ReadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot read {} in commit {}: {}",
            self.path,
            &self.commit[..self.commit.len().min(12)],
            self.message
        )
    }
}
