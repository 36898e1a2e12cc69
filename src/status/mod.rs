//! `status`: which tracked local artifacts no longer have the bytes they were
//! last recorded with, and which records and outputs downstream are stale.
//! Each path is compared with its most recent recorded hash only, and hashed once.

pub mod render;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::Serialize;

use crate::capture::Context;
use crate::catalog::{self, Question, Seed};
use crate::graph::{ArtifactKey, Direction, Graph, NodeKey, RecordRef};
use crate::hash::{ContentHash, HashError};
use crate::history::{Entry, HistoryOptions, Revisions};
use crate::pointer::ContentId;
use crate::record::RecordId;
use crate::repo::Repo;
use crate::store::Store;
use crate::verify::{Latest, LatestRecordings};

/// What `status` reads.
#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    /// Which history's records count (HEAD's by default, with the
    /// uncommitted records in the worktree).
    pub revisions: Revisions,
}

/// How a tracked artifact differs from its most recent recorded hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// It exists, with other bytes.
    Modified,
    /// It no longer exists.
    Missing,
}

/// A tracked local artifact whose bytes changed since it was last recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    /// Its locator as recorded: a repository-relative path or a `file://` URI.
    pub path: String,
    /// Modified or missing.
    pub change: Change,
    /// The most recent recorded hash (for a large-file pointer recorded
    /// without its bytes: its pointer digest).
    pub recorded: ContentId,
    /// The hash of its bytes now (or its pointer digest, when the bytes are
    /// absent); `None` when it is missing.
    pub current: Option<ContentId>,
    /// The record that last recorded it (the latest by `recorded`, then
    /// history order), with the commit that introduced that record.
    pub record: RecordRef,
}

/// A changed artifact that something is stale because of.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Cause {
    /// The changed artifact's locator (see [`Changed::path`]).
    pub path: String,
    /// True when the stale record (or, for an output, a record that wrote
    /// it) read the changed artifact itself; false when it is further down.
    pub direct: bool,
}

/// A record downstream of a changed artifact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaleRecord {
    /// The record, with the commit that introduced it.
    #[serde(flatten)]
    pub record: RecordRef,
    /// Every changed artifact it is downstream of, by path.
    pub causes: Vec<Cause>,
}

/// An output written downstream of a changed artifact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaleOutput {
    /// Its first recorded path or URI.
    pub locator: String,
    /// Its recorded content hash, if it has one.
    pub hash: Option<ContentHash>,
    /// The roles records gave it.
    pub roles: BTreeSet<String>,
    /// The stale record that wrote it (the earliest, when several did).
    pub record: Option<RecordRef>,
    /// Every changed artifact it is downstream of, by path.
    pub causes: Vec<Cause>,
}

/// A tracked artifact whose bytes a tombstone says were deleted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DroppedPath {
    /// Its locator as recorded.
    pub path: String,
    /// The most recent recorded hash.
    pub recorded: ContentHash,
    /// The record that last recorded it.
    pub record: RecordRef,
    /// The tombstone.
    pub dropped_by: RecordId,
}

/// What `status` found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatusReport {
    /// Distinct local paths with a recorded hash that were checked.
    pub tracked: usize,
    /// Artifacts whose bytes differ from their most recent recorded hash, by path.
    pub changed: Vec<Changed>,
    /// Records downstream of a changed artifact, by time recorded, then id.
    pub stale_records: Vec<StaleRecord>,
    /// Outputs of stale records, by locator, then hash.
    pub stale_outputs: Vec<StaleOutput>,
    /// Tracked artifacts whose bytes are gone and a tombstone (`drop`
    /// record) says so: not changes. Omitted when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<DroppedPath>,
    /// Paths that could not be hashed (their state is unknown), history
    /// warnings (a shallow clone) and record files in history that could
    /// not be read (`cannot read PATH in commit C: REASON`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl StatusReport {
    /// True when every tracked artifact has its most recently recorded bytes.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty()
    }
}

/// Compare every tracked local artifact in the history of `repo` with the
/// bytes on disk, and find what is stale downstream of those that changed.
///
/// ```no_run
/// use git_lineage::{repo::Repo, status::{StatusOptions, status}};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let repo = Repo::discover(std::path::Path::new("."))?;
/// let report = status(&repo, &StatusOptions::default())?;
/// for changed in &report.changed {
///     println!("{} changed since {}", changed.path, changed.record.id.short());
/// }
/// # Ok(()) }
/// ```
pub fn status(repo: &Repo, options: &StatusOptions) -> crate::Result<StatusReport> {
    let history_options = HistoryOptions {
        revisions: options.revisions.clone(),
        ..Default::default()
    };
    let ctx = Context::new(repo)?;
    let hasher = ctx.hasher();
    // Each path is hashed once, even when history is read twice below.
    let hashed: Mutex<HashMap<PathBuf, Option<ContentId>>> = Mutex::default();
    // gix handles are not shared between threads: a pointer path (rare)
    // opens the repository on the thread that compares it.
    let root = repo.root().to_path_buf();
    let compare = |rel: Option<&str>, path: &Path, seen: &Latest| {
        let local = Repo::discover(&root).map_err(|e| e.to_string())?;
        crate::verify::content_now(&local, &hasher, rel, path, seen.hash, seen.pointer.as_ref())
    };
    let current = |path: &Path, seen: &Latest| {
        if let Some(id) = hashed.lock().ok().and_then(|m| m.get(path).cloned()) {
            return Ok(id);
        }
        let rel = seen
            .locator
            .strip_prefix("file://")
            .is_none()
            .then_some(seen.locator.as_str());
        let pointer = seen.pointer.as_ref();
        let id = if pointer.is_none() && seen.hash.is_some() {
            // The common case, without looking for pointers in the index.
            match crate::pointer::detect::absent_pointer(path) {
                None => match hasher.hash_path(path) {
                    Ok(digest) => Some(ContentId::Hash(digest.hash())),
                    Err(HashError::NotFound(_)) => None,
                    Err(e) => return Err(e.to_string()),
                },
                Some(_) => compare(rel, path, seen)?,
            }
        } else {
            compare(rel, path, seen)?
        };
        if let Ok(mut memo) = hashed.lock() {
            memo.insert(path.to_path_buf(), id.clone());
        }
        Ok(id)
    };
    // First only the latest recording of each tracked path (from the
    // catalog, when there is one); what is stale downstream of a change
    // needs the records downstream of it too.
    let question = Question {
        latest_recordings: true,
        ..Question::default()
    };
    let mut focused = catalog::load(repo, &history_options, &question)?;
    let mut report = analyse(&focused.history.entries, ctx.store(), current, || {
        focused.graph()
    });
    if !focused.whole && !report.changed.is_empty() {
        let question = Question {
            seeds: report
                .changed
                .iter()
                .map(|c| Seed::Node(NodeKey::Artifact(artifact_key(&c.recorded))))
                .collect(),
            walk: Some((Direction::Down, None)),
            latest_recordings: true,
            ..Question::default()
        };
        focused = catalog::load(repo, &history_options, &question)?;
        report = analyse(&focused.history.entries, ctx.store(), current, || {
            focused.graph()
        });
    }
    ctx.save_cache();
    let history = &focused.history;
    // History's own warnings, then the record files it could not read
    // (whose artifacts are not tracked here), then unhashable paths.
    let unreadable = history.read_warnings().into_iter().map(|w| w.to_string());
    report
        .warnings
        .splice(0..0, history.warnings.iter().cloned().chain(unreadable));
    Ok(report)
}

/// The report for `entries` (in history order), with `current` giving the
/// hash of a path now (`None`: it does not exist). Paths are hashed in parallel.
fn analyse(
    entries: &[Entry],
    store: &Store,
    current: impl Fn(&Path, &Latest) -> Result<Option<ContentId>, String> + Sync,
    graph: impl FnOnce() -> Graph,
) -> StatusReport {
    // The latest recording of every local path with a hash (the rule
    // `verify --artifacts` shares). Only the links of each summary are
    // decoded, and none is kept decoded.
    let mut latest = LatestRecordings::default();
    let tombstones = crate::retention::model::Tombstones::of_entries(entries);
    for (index, entry) in entries.iter().enumerate() {
        // Another repository's paths (`--remotes`) are not this worktree's:
        // its records count only downstream of a change here.
        if entry.repository.is_some()
            || crate::retention::model::is_retention_kind(&entry.summary.kind)
        {
            continue;
        }
        let order = (entry.summary.recorded, index);
        entry
            .summary
            .with_links(|summary| latest.add(store, order, &summary.inputs, &summary.outputs));
    }

    let paths: Vec<(&PathBuf, &Latest)> = latest.iter().collect();
    let now: Vec<(&Latest, Result<Option<ContentId>, String>)> = paths
        .par_iter()
        .map(|&(path, seen)| (seen, current(path, seen)))
        .collect();

    let mut report = StatusReport {
        tracked: latest.len(),
        ..StatusReport::default()
    };
    for (seen, result) in now {
        let (change, hash) = match result {
            Ok(Some(id)) if id.matches(seen.hash, seen.pointer.as_ref()) => continue,
            Ok(Some(hash)) => (Change::Modified, Some(hash)),
            Ok(None) => {
                let dropped = seen
                    .hash
                    .and_then(|hash| tombstones.dropped_by(&hash).map(|by| (hash, by)));
                if let Some((recorded, by)) = dropped {
                    report.dropped.push(DroppedPath {
                        path: seen.locator.clone(),
                        recorded,
                        record: RecordRef::of(&entries[seen.order.1]),
                        dropped_by: by.clone(),
                    });
                    continue;
                }
                (Change::Missing, None)
            }
            Err(e) => {
                report.warnings.push(format!(
                    "'{}' cannot be compared, so whether it changed is unknown: {e}",
                    seen.locator
                ));
                continue;
            }
        };
        report.changed.push(Changed {
            path: seen.locator.clone(),
            change,
            recorded: hash
                .as_ref()
                .and_then(|now| now.recorded_as(seen.hash, seen.pointer.as_ref()))
                .unwrap_or_else(|| seen.id.clone()),
            current: hash,
            record: RecordRef::of(&entries[seen.order.1]),
        });
    }
    report.changed.sort_by(|a, b| a.path.cmp(&b.path));
    report.dropped.sort_by(|a, b| a.path.cmp(&b.path));
    if !report.changed.is_empty() {
        add_stale(entries, &graph(), &mut report);
    }
    report
}

/// The graph key of recorded content.
fn artifact_key(id: &ContentId) -> ArtifactKey {
    match id {
        ContentId::Hash(hash) => ArtifactKey::Hash(*hash),
        ContentId::Pointer(digest) => ArtifactKey::Pointer(digest.clone()),
    }
}

/// Fill `stale_records` and `stale_outputs`: everything downstream of each
/// changed artifact's recorded node, with every cause.
fn add_stale(entries: &[Entry], graph: &Graph, report: &mut StatusReport) {
    let by_id: HashMap<&RecordId, &Entry> = entries.iter().map(|e| (&e.id, e)).collect();
    let mut records: BTreeMap<String, StaleRecord> = BTreeMap::new();
    let mut outputs: BTreeMap<String, StaleOutput> = BTreeMap::new();
    for changed in &report.changed {
        let key = NodeKey::Artifact(artifact_key(&changed.recorded));
        let Some(start) = graph.node(&key) else {
            continue;
        };
        let impact = graph.impact(&[start]);
        let reads_changed = |record: &RecordRef| {
            by_id[&record.id].summary.inputs.iter().any(|input| {
                ContentId::of(input.hash, input.pointer.as_ref()).as_ref()
                    == Some(&changed.recorded)
            })
        };
        for record in impact
            .records
            .into_values()
            .flatten()
            .filter(|r| !crate::retention::model::is_retention_kind(&r.kind))
        {
            let cause = Cause {
                path: changed.path.clone(),
                direct: reads_changed(&record),
            };
            records
                .entry(record.id.to_string())
                .or_insert_with(|| StaleRecord {
                    record,
                    causes: Vec::new(),
                })
                .causes
                .push(cause);
        }
        for artifact in impact.artifacts {
            let stale = outputs
                .entry(artifact.id.clone())
                .or_insert_with(|| StaleOutput {
                    locator: artifact.locator.clone(),
                    hash: artifact.hash,
                    roles: artifact.roles.clone(),
                    record: None,
                    causes: Vec::new(),
                });
            // Direct when a record that wrote it read the changed artifact.
            let direct = writers(&by_id, &records, &artifact.id).any(reads_changed);
            stale.causes.push(Cause {
                path: changed.path.clone(),
                direct,
            });
        }
    }
    for (id, output) in outputs.iter_mut() {
        output.record = writers(&by_id, &records, id).next().cloned();
    }
    let mut records: Vec<StaleRecord> = records.into_values().collect();
    let mut outputs: Vec<StaleOutput> = outputs.into_values().collect();
    for causes in records
        .iter_mut()
        .map(|r| &mut r.causes)
        .chain(outputs.iter_mut().map(|o| &mut o.causes))
    {
        causes.sort();
        causes.dedup();
    }
    records
        .sort_by(|a, b| (a.record.recorded, &a.record.id).cmp(&(b.record.recorded, &b.record.id)));
    outputs.sort_by(|a, b| (&a.locator, a.hash).cmp(&(&b.locator, b.hash)));
    report.stale_records = records;
    report.stale_outputs = outputs;
}

/// The stale records that list the artifact with graph id `id` as an
/// output, earliest recorded first.
fn writers<'a>(
    by_id: &'a HashMap<&RecordId, &Entry>,
    records: &'a BTreeMap<String, StaleRecord>,
    id: &'a str,
) -> impl Iterator<Item = &'a RecordRef> + 'a {
    let mut found: Vec<&RecordRef> = records
        .values()
        .map(|stale| &stale.record)
        .filter(|record| {
            by_id[&record.id]
                .summary
                .outputs
                .iter()
                .filter_map(ArtifactKey::of)
                .any(|key| key.to_string() == id)
        })
        .collect();
    found.sort_by(|a, b| (a.recorded, &a.id).cmp(&(b.recorded, &b.id)));
    found.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::HashMap;

    use crate::history::{CommitInfo, Summary, SummaryCell};
    use crate::params::ValueMap;
    use crate::record::{Agent, Artifact, RecordId};
    use crate::time::Timestamp;

    fn h(text: &str) -> ContentHash {
        ContentHash::of_bytes(text.as_bytes())
    }

    fn file(path: &str, bytes: &str) -> Artifact {
        Artifact {
            path: Some(path.into()),
            hash: Some(h(bytes)),
            ..Artifact::default()
        }
    }

    fn entry(
        n: u8,
        kind: &str,
        minute: i64,
        inputs: Vec<Artifact>,
        outputs: Vec<Artifact>,
    ) -> Entry {
        let agent = Agent {
            name: "Jane".into(),
            email: "jane@example.com".into(),
        };
        let recorded = Timestamp::from_unix_micros(1_795_000_000_000_000 + minute * 60_000_000);
        Entry {
            id: RecordId::parse(&format!("{n:02x}").repeat(32)).expect("a valid id"),
            path: String::new(),
            commit: Some(std::sync::Arc::new(CommitInfo {
                id: format!("{n:02x}").repeat(20),
                author: agent.clone(),
                date: recorded,
                message: "m".into(),
            })),
            blob: None,
            repository: None,
            summary: SummaryCell::ready(Summary {
                kind: kind.into(),
                name: kind.into(),
                recorded,
                agent,
                failed: false,
                code_commit: None,
                inputs,
                outputs,
                references: Vec::new(),
                params: ValueMap::new(),
                metrics: ValueMap::new(),
            }),
        }
    }

    /// process raw → features; train features → model; evaluate model → report.
    fn pipeline() -> Vec<Entry> {
        vec![
            entry(
                1,
                "process",
                1,
                vec![file("raw", "raw1")],
                vec![file("features", "f1")],
            ),
            entry(
                2,
                "train",
                2,
                vec![file("features", "f1")],
                vec![file("model", "m1")],
            ),
            entry(
                3,
                "evaluate",
                3,
                vec![file("model", "m1")],
                vec![file("report", "r1")],
            ),
        ]
    }

    /// `analyse` with the files on "disk" given as (path, bytes).
    fn run(entries: &[Entry], disk: &[(&str, &str)]) -> StatusReport {
        let store = Store::new(Path::new("/repo"));
        let disk: HashMap<PathBuf, ContentHash> = disk
            .iter()
            .map(|(path, bytes)| (Path::new("/repo").join(path), h(bytes)))
            .collect();
        analyse(
            entries,
            &store,
            |path, _| Ok(disk.get(path).copied().map(ContentId::Hash)),
            || Graph::build(entries),
        )
    }

    const SAME: [(&str, &str); 4] = [
        ("raw", "raw1"),
        ("features", "f1"),
        ("model", "m1"),
        ("report", "r1"),
    ];

    #[test]
    fn unchanged_bytes_are_clean() {
        let report = run(&pipeline(), &SAME);
        assert!(report.is_clean());
        assert_eq!(report.tracked, 4);
        assert!(report.stale_records.is_empty() && report.stale_outputs.is_empty());
    }

    #[test]
    fn a_changed_input_makes_everything_downstream_stale() {
        let mut disk = SAME;
        disk[0] = ("raw", "raw2");
        let report = run(&pipeline(), &disk);
        assert_eq!(report.changed.len(), 1);
        let changed = &report.changed[0];
        assert_eq!(
            (
                changed.path.as_str(),
                changed.change,
                changed.recorded.clone(),
                changed.current.clone()
            ),
            (
                "raw",
                Change::Modified,
                ContentId::Hash(h("raw1")),
                Some(ContentId::Hash(h("raw2")))
            )
        );
        assert_eq!(changed.record.kind, "process");
        let kinds: Vec<(&str, bool)> = report
            .stale_records
            .iter()
            .map(|r| (r.record.kind.as_str(), r.causes[0].direct))
            .collect();
        assert_eq!(
            kinds,
            [("process", true), ("train", false), ("evaluate", false)]
        );
        let outputs: Vec<(&str, &str, bool)> = report
            .stale_outputs
            .iter()
            .map(|o| {
                let writer = o.record.as_ref().map_or("", |r| r.kind.as_str());
                (o.locator.as_str(), writer, o.causes[0].direct)
            })
            .collect();
        assert_eq!(
            outputs,
            [
                ("features", "process", true),
                ("model", "train", false),
                ("report", "evaluate", false)
            ]
        );
    }

    #[test]
    fn the_most_recent_recording_wins_and_causes_are_merged() {
        let mut entries = pipeline();
        // A later run recorded the new raw bytes: raw is clean again. The
        // model was changed by hand, and it is missing its report.
        entries.push(entry(
            4,
            "process",
            4,
            vec![file("raw", "raw2")],
            vec![file("features", "f2")],
        ));
        let report = run(
            &entries,
            &[("raw", "raw2"), ("features", "f1"), ("model", "m9")],
        );
        let changed: Vec<(&str, Change)> = report
            .changed
            .iter()
            .map(|c| (c.path.as_str(), c.change))
            .collect();
        assert_eq!(
            changed,
            [
                ("features", Change::Modified),
                ("model", Change::Modified),
                ("report", Change::Missing)
            ]
        );
        // features was last recorded as f2 (entry 4), which nothing read, so
        // only the hand-changed model makes anything stale.
        let features = &report.changed[0];
        assert_eq!(features.recorded, ContentId::Hash(h("f2")));
        assert_eq!(features.record.id, entries[3].id);
        let evaluate = &report.stale_records[0];
        assert_eq!(evaluate.record.kind, "evaluate");
        assert_eq!(
            evaluate.causes,
            [Cause {
                path: "model".into(),
                direct: true
            }]
        );
        assert_eq!(report.stale_records.len(), 1);
        assert_eq!(report.stale_outputs.len(), 1);
        assert_eq!(report.stale_outputs[0].locator, "report");
    }

    #[test]
    fn two_changed_inputs_are_both_listed_as_causes() {
        let entries = vec![entry(
            1,
            "train",
            1,
            vec![file("a", "a1"), file("b", "b1")],
            vec![file("m", "m1")],
        )];
        let report = run(&entries, &[("a", "a2"), ("b", "b2"), ("m", "m1")]);
        let causes: Vec<&str> = report.stale_records[0]
            .causes
            .iter()
            .map(|c| c.path.as_str())
            .collect();
        assert_eq!(causes, ["a", "b"]);
        assert_eq!(report.stale_outputs[0].causes.len(), 2);
        assert_eq!(report.stale_outputs[0].locator, "m");
    }

    #[test]
    fn unhashable_paths_are_warnings_not_changes() {
        let store = Store::new(Path::new("/repo"));
        let entries = pipeline();
        let report = analyse(
            &entries,
            &store,
            |path, _| Err(HashError::Unsupported(path.to_path_buf()).to_string()),
            || Graph::build(&entries),
        );
        assert!(report.is_clean());
        assert_eq!(report.warnings.len(), 4);
    }
}
