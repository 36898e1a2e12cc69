//! Committing the records a pipeline wrote without `--commit`: which record
//! files HEAD's history does not hold yet, and one commit for all of them
//! (`git lineage commit`).

use crate::Result;
use crate::commit::CommitOptions;
use crate::record::RecordId;
use crate::repo::Repo;

/// One record [`commit_records`] committed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PendingRecord {
    /// Its id.
    pub id: RecordId,
    /// Its worktree-relative path.
    pub path: String,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
}

/// What [`commit_records`] did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommittedRecords {
    /// The new commit; `None` when there was nothing to commit.
    pub commit: Option<String>,
    /// The commit message (empty when nothing was committed).
    pub message: String,
    /// The records committed, oldest first.
    pub records: Vec<PendingRecord>,
}

/// The message of one commit of `records`: one record's is the message of
/// `record --commit` (`lineage: <kind> <name> <short id>`); several get a
/// subject counting them and one such line each in the body.
pub fn commit_message(records: &[PendingRecord]) -> String {
    let line = |r: &PendingRecord| format!("{} {} {}", r.kind, r.name, r.id.short());
    match records {
        [one] => format!("lineage: {}", line(one)),
        _ => {
            let mut message = format!("lineage: {} records\n\n", records.len());
            for record in records {
                message.push_str(&line(record));
                message.push('\n');
            }
            message
        }
    }
}

/// The records in the worktree that HEAD's history does not contain yet,
/// oldest first.
pub fn pending_records(repo: &Repo) -> Result<Vec<PendingRecord>> {
    let history = crate::history::History::load(repo, &Default::default())?;
    Ok(history
        .entries
        .iter()
        .filter(|entry| entry.is_uncommitted())
        .map(|entry| {
            let (kind, name) = entry.summary.with(|s| (s.kind.clone(), s.name.clone()));
            PendingRecord {
                id: entry.id.clone(),
                path: entry.path.clone(),
                kind,
                name,
            }
        })
        .collect())
}

/// `git lineage commit`: commit every record not committed yet, and nothing
/// else, in one commit through [`Repo::commit_paths`] (hooks, signing, the
/// kill-safe order). Nothing to commit is not an error: no commit is made.
pub fn commit_records(repo: &Repo, options: &CommitOptions) -> Result<CommittedRecords> {
    let records = pending_records(repo)?;
    if records.is_empty() {
        return Ok(CommittedRecords {
            commit: None,
            message: String::new(),
            records,
        });
    }
    let message = commit_message(&records);
    let paths: Vec<String> = records.iter().map(|r| r.path.clone()).collect();
    let commit = repo.commit_paths(&paths, &message, options)?;
    Ok(CommittedRecords {
        commit: Some(commit),
        message,
        records,
    })
}
