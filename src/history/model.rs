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
    /// A commit's display facts from what the walk reads: its id, author,
    /// committer time (seconds since the epoch) and message subject.
    pub fn new(
        id: gix::ObjectId,
        author: Agent,
        committer_seconds: i64,
        message: String,
    ) -> CommitInfo {
        CommitInfo {
            id: id.to_string(),
            author,
            date: Timestamp::from_unix_micros(committer_seconds.saturating_mul(1_000_000)),
            message,
        }
    }

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

/// A record's [`Summary`], decoded when first used.
///
/// The fields every listing needs (`kind`, `name`, `recorded`, `agent`) are
/// plain fields, read without decoding; everything else is reached through
/// `Deref` (`cell.inputs`, `cell.params`, …), which decodes the summary once
/// from the history snapshot it came from. A 100,000-record `log` so never
/// decodes 100,000 parameter maps.
#[derive(Debug, Clone)]
pub struct SummaryCell {
    /// The activity.
    pub kind: String,
    /// The step or model name.
    pub name: String,
    /// When the record was written.
    pub recorded: Timestamp,
    /// Who recorded it.
    pub agent: Agent,
    full: std::sync::OnceLock<Summary>,
    source: Option<(Arc<Vec<u8>>, usize, usize)>,
}

impl SummaryCell {
    /// A cell holding a decoded summary.
    pub fn ready(summary: Summary) -> SummaryCell {
        SummaryCell {
            kind: summary.kind.clone(),
            name: summary.name.clone(),
            recorded: summary.recorded,
            agent: summary.agent.clone(),
            full: std::sync::OnceLock::from(summary),
            source: None,
        }
    }

    /// A cell that decodes `bytes[start..end]` (an encoded summary, see
    /// `index`) on first use.
    pub(crate) fn lazy(
        kind: String,
        name: String,
        recorded: Timestamp,
        agent: Agent,
        bytes: Arc<Vec<u8>>,
        start: usize,
        end: usize,
    ) -> SummaryCell {
        SummaryCell {
            kind,
            name,
            recorded,
            agent,
            full: std::sync::OnceLock::new(),
            source: Some((bytes, start, end)),
        }
    }
}

impl SummaryCell {
    fn decode(&self) -> Summary {
        self.source
            .as_ref()
            .and_then(|(bytes, start, end)| super::index::decode_summary(bytes.get(*start..*end)?))
            // The snapshot's checksum was verified when it was loaded, so
            // this only happens on a bug; keep what is known.
            .unwrap_or_else(|| Summary {
                kind: self.kind.clone(),
                name: self.name.clone(),
                recorded: self.recorded,
                agent: self.agent.clone(),
                failed: false,
                code_commit: None,
                inputs: Vec::new(),
                outputs: Vec::new(),
                references: Vec::new(),
                params: ValueMap::new(),
                metrics: ValueMap::new(),
            })
    }
}

impl SummaryCell {
    /// Call `f` with the summary without keeping it decoded: for a pass
    /// over every record (building the graph) that would otherwise hold
    /// every summary in memory at once.
    pub fn with<R>(&self, f: impl FnOnce(&Summary) -> R) -> R {
        match self.full.get() {
            Some(summary) => f(summary),
            None => f(&self.decode()),
        }
    }
}

impl SummaryCell {
    /// Call `f` with the summary's links (code commit, inputs, outputs,
    /// references; `params` and `metrics` may be empty), decoding only those
    /// when the summary is not decoded yet.
    pub fn with_links<R>(&self, f: impl FnOnce(&Summary) -> R) -> R {
        if let Some(summary) = self.full.get() {
            return f(summary);
        }
        match self.source.as_ref().and_then(|(bytes, start, end)| {
            super::index::decode_summary_links(bytes.get(*start..*end)?)
        }) {
            Some(links) => f(&links),
            None => f(&self.decode()),
        }
    }
}

impl SummaryCell {
    /// The encoded summary this cell was loaded from, if it was loaded
    /// from a snapshot and not changed since.
    pub(crate) fn encoded(&self) -> Option<&[u8]> {
        self.source
            .as_ref()
            .and_then(|(bytes, start, end)| bytes.get(*start..*end))
    }
}

impl std::ops::Deref for SummaryCell {
    type Target = Summary;

    fn deref(&self) -> &Summary {
        self.full.get_or_init(|| self.decode())
    }
}

/// Mutable access decodes the summary and detaches it from its source.
/// Changing `kind`, `name`, `recorded` or `agent` through it does not
/// change the cell's own fields of those names.
impl std::ops::DerefMut for SummaryCell {
    fn deref_mut(&mut self) -> &mut Summary {
        let summary = self.full.take().unwrap_or_else(|| self.decode());
        self.source = None;
        self.full = std::sync::OnceLock::from(summary);
        match self.full.get_mut() {
            Some(summary) => summary,
            None => unreachable!("the cell was filled on the line above"),
        }
    }
}

/// Serialised as the full [`Summary`], decoded for the occasion and not
/// kept: `log --format json` over 100,000 records holds one at a time.
impl Serialize for SummaryCell {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.with(|summary| summary.serialize(serializer))
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
    pub summary: SummaryCell,
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
    /// The blob (or, for an unreadable tree, the commit) the finding is
    /// about: with `kind` and `path`, what makes two findings the same.
    #[serde(skip)]
    pub blob: Option<gix::ObjectId>,
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

impl Finding {
    /// What this finding says about a record that could not be read, when
    /// it is about one (an unreadable object or an invalid record file).
    pub fn read_warning(&self) -> Option<ReadWarning> {
        matches!(self.kind, FindingKind::Unreadable | FindingKind::Invalid).then(|| ReadWarning {
            commit: self.commit.id.clone(),
            path: self.path.clone(),
            message: self.message.clone(),
        })
    }
}
