//! A record's summary as history keeps it: [`Summary`] (what queries use),
//! its binary encoding in the index and snapshot, and [`SummaryCell`], which
//! decodes an encoded summary only when it is first used.

use std::sync::Arc;

use serde::Serialize;

use super::codec::{Reader, Writer, read_artifact, read_map, write_artifact, write_map};
use crate::params::ValueMap;
use crate::record::{Agent, Artifact, Record, RecordId};
use crate::time::Timestamp;

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
    /// Records this one refers to: its `references`, then the records of
    /// other repositories its `imports` name (ids are content hashes, so
    /// one of those is never this repository's; the graph links it when
    /// `--remotes` reads that repository).
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
            references: record
                .references
                .iter()
                .chain(record.imports.iter().map(|i| &i.record))
                .cloned()
                .collect(),
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
            .and_then(|(bytes, start, end)| decode_summary(bytes.get(*start..*end)?))
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
        match self
            .source
            .as_ref()
            .and_then(|(bytes, start, end)| decode_summary_links(bytes.get(*start..*end)?))
        {
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

/// The listing fields every entry carries decoded (kind, name, recorded,
/// agent), in the order both the index and the snapshot write them.
pub(crate) fn write_listing(
    w: &mut Writer,
    kind: &str,
    name: &str,
    recorded: Timestamp,
    agent: &Agent,
) {
    w.str(kind);
    w.str(name);
    w.int(recorded.unix_micros());
    w.str(&agent.name);
    w.str(&agent.email);
}

/// Read what [`write_listing`] wrote.
pub(crate) fn read_listing(r: &mut Reader<'_>) -> Option<(String, String, Timestamp, Agent)> {
    let kind = r.str()?;
    let name = r.str()?;
    let recorded = Timestamp::from_unix_micros(r.int()?);
    let agent = Agent {
        name: r.str()?,
        email: r.str()?,
    };
    Some((kind, name, recorded, agent))
}

pub(crate) fn write_summary(w: &mut Writer, s: &Summary) {
    write_listing(w, &s.kind, &s.name, s.recorded, &s.agent);
    w.byte(u8::from(s.failed));
    w.opt_str(s.code_commit.as_deref());
    for list in [&s.inputs, &s.outputs] {
        w.uint(list.len() as u64);
        for a in list {
            write_artifact(w, a);
        }
    }
    w.uint(s.references.len() as u64);
    for id in &s.references {
        w.record_id(id);
    }
    write_map(w, &s.params);
    write_map(w, &s.metrics);
}

/// Decode one summary written by [`write_summary`] (the whole slice).
pub(crate) fn decode_summary(bytes: &[u8]) -> Option<Summary> {
    let mut r = Reader { buf: bytes };
    let summary = read_summary(&mut r)?;
    r.buf.is_empty().then_some(summary)
}

/// Decode a summary without its `params` and `metrics` (left empty): what
/// the graph needs, at a fraction of the allocations.
pub(crate) fn decode_summary_links(bytes: &[u8]) -> Option<Summary> {
    read_summary_parts(&mut Reader { buf: bytes }, false)
}

pub(crate) fn read_summary(r: &mut Reader<'_>) -> Option<Summary> {
    read_summary_parts(r, true)
}

fn read_summary_parts(r: &mut Reader<'_>, values: bool) -> Option<Summary> {
    let (kind, name, recorded, agent) = read_listing(r)?;
    let failed = r.byte()? != 0;
    let code_commit = r.opt_str()?;
    let inputs = (0..r.uint()?)
        .map(|_| read_artifact(r))
        .collect::<Option<_>>()?;
    let outputs = (0..r.uint()?)
        .map(|_| read_artifact(r))
        .collect::<Option<_>>()?;
    let references = (0..r.uint()?)
        .map(|_| r.record_id())
        .collect::<Option<_>>()?;
    let (params, metrics) = if values {
        (read_map(r, 0)?, read_map(r, 0)?)
    } else {
        (ValueMap::new(), ValueMap::new())
    };
    Some(Summary {
        kind,
        name,
        recorded,
        agent,
        failed,
        code_commit,
        inputs,
        outputs,
        references,
        params,
        metrics,
    })
}
