//! What history reconstruction produces: each record with the commit that
//! introduced it, and the integrity findings met on the way.

use std::sync::Arc;

use serde::Serialize;

use crate::params::ValueMap;
use crate::record::{Agent, Artifact, Record, RecordId};
use crate::time::Timestamp;

/// A commit, as shown beside the records it introduced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// The full commit id (40 hex digits).
    pub id: String,
    /// The commit's author.
    pub author: Agent,
    /// The committer time.
    pub date: Timestamp,
    /// The first line of the commit message.
    pub message: String,
}

impl CommitInfo {
    /// The first 12 hex digits of the commit id, for display.
    pub fn short(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }
}

/// The parts of a record that history queries use (`log`, `graph`,
/// `impact`, `search`). The full record is read on demand with
/// [`super::History::read_record`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The activity: `train`, `process`, …
    pub kind: String,
    /// The step or model name.
    pub name: String,
    /// When the record was written.
    pub recorded: Timestamp,
    /// Who recorded it.
    pub agent: Agent,
    /// True when `git lineage run` recorded a command that failed.
    pub failed: bool,
    /// The code commit the step ran from.
    pub code_commit: Option<String>,
    /// Artifacts read.
    pub inputs: Vec<Artifact>,
    /// Artifacts written.
    pub outputs: Vec<Artifact>,
    /// Records this one refers to.
    pub references: Vec<RecordId>,
    /// Hyperparameters.
    pub params: ValueMap,
    /// Results.
    pub metrics: ValueMap,
}

impl Summary {
    /// The summary of a full record.
    pub fn of(record: &Record) -> Summary {
        Summary {
            kind: record.kind.clone(),
            name: record.name.clone(),
            recorded: record.recorded,
            agent: record.agent.clone(),
            failed: record.exit.is_some_and(|exit| !exit.success()),
            code_commit: record.code.commit.clone(),
            inputs: record.inputs.clone(),
            outputs: record.outputs.clone(),
            references: record.references.clone(),
            params: record.params.clone(),
            metrics: record.metrics.clone(),
        }
    }
}

/// One record found in history (or in the worktree, not yet committed).
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The record id.
    pub id: RecordId,
    /// Its worktree-relative path, `.lineage/records/<2>/<64>.yaml`.
    pub path: String,
    /// The commit that first introduced it; `None` when it is only in the
    /// worktree.
    pub commit: Option<Arc<CommitInfo>>,
    /// The git blob id of its bytes as introduced (`None` when uncommitted).
    #[serde(skip)]
    pub blob: Option<gix::ObjectId>,
    /// What the record says.
    #[serde(flatten)]
    pub summary: Summary,
}

impl Entry {
    /// True when the record exists only in the worktree.
    pub fn is_uncommitted(&self) -> bool {
        self.commit.is_none()
    }
}

/// What kind of integrity problem history shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// A committed record file's bytes changed in a later commit.
    Edited,
    /// A committed record file was deleted.
    Deleted,
    /// A record file whose bytes do not hash to its name.
    Misnamed,
    /// A file under `.lineage/records/` that is not named like a record.
    NotARecord,
    /// A record file whose bytes are not a valid record.
    Invalid,
    /// A git object that could not be read.
    Unreadable,
}

impl FindingKind {
    /// The spelling used in text and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Edited => "edited",
            FindingKind::Deleted => "deleted",
            FindingKind::Misnamed => "misnamed",
            FindingKind::NotARecord => "not-a-record",
            FindingKind::Invalid => "invalid",
            FindingKind::Unreadable => "unreadable",
        }
    }
}

impl Serialize for FindingKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An integrity problem in history, with the commit that caused it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What is wrong.
    pub kind: FindingKind,
    /// The worktree-relative path of the file concerned.
    pub path: String,
    /// The record the path names, when it names one.
    pub record: Option<RecordId>,
    /// The commit that did it.
    pub commit: Arc<CommitInfo>,
    /// A sentence saying what happened.
    pub message: String,
}
