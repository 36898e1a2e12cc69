//! What history reconstruction produces: [`History`], each record with the
//! commit that introduced it, the integrity findings met on the way and the
//! commit graph, with the lookups queries make on it.

use std::sync::Arc;

use serde::Serialize;

use std::collections::HashMap as StdHashMap;
use std::collections::HashSet as StdHashSet;

use gix::ObjectId;

use super::error::{HistoryError, ReadWarning};
use super::summary::SummaryCell;
use crate::record::{Agent, RecordId};
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

/// The other repository a record (or finding) came from: a lineage
/// remote whose fetched refs reach the commit that introduced it
/// (docs/multi-repo.md). Records of this repository have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repository {
    /// The remote's name (`remotes.<name>` in `.lineage/config.yaml`).
    pub name: String,
    /// Its URL as declared; `None` when it is no longer declared.
    pub url: Option<String>,
    /// The fetched tip (`refs/lineage/<name>/<branch>`) that reaches the
    /// commit, full hex.
    pub commit: String,
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
    /// The lineage remote it came from; `None` for this repository's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<Arc<Repository>>,
}

impl Entry {
    /// True when the record exists only in the worktree.
    pub fn is_uncommitted(&self) -> bool {
        self.commit.is_none()
    }

    /// The short id as text output shows it: `<remote>:<12 hex>` for a
    /// record of a lineage remote (a qualified REF, docs/refs.md), else
    /// the 12 hex digits.
    pub fn display_id(&self) -> String {
        qualified_short(self.repository.as_deref(), &self.id)
    }
}

/// `<remote>:<12 hex>` for a record of `repository`, else the 12 hex digits.
pub fn qualified_short(repository: Option<&Repository>, id: &RecordId) -> String {
    match repository {
        Some(repository) => format!("{}:{}", repository.name, id.short()),
        None => id.short().to_string(),
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
    /// The lineage remote whose history holds the commit; `None` for
    /// this repository's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<Arc<Repository>>,
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

/// Counters for one load, for `--verbose`-style output and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Commits reachable from the selected revisions.
    pub commits: usize,
    /// Commits read from git in this run (not found in the index).
    pub commits_read: usize,
    /// Record blobs read from git in this run.
    pub blobs_read: usize,
}

/// Lineage history: the records and what happened to their files.
#[derive(Debug, Default)]
pub struct History {
    /// Every record, in history order: oldest introducing commit first
    /// (parents before children), then uncommitted records.
    pub entries: Vec<Entry>,
    /// Integrity problems: edited, deleted, misnamed or unreadable record
    /// files, each with the commit that caused it, in history order.
    pub findings: Vec<Finding>,
    /// Things the user should know once (a shallow clone, missing objects).
    pub warnings: Vec<String>,
    /// What the load cost.
    pub stats: Stats,
    /// Positions of entries by id, built on the first lookup (a `log`
    /// never needs it).
    pub(super) by_id: std::sync::OnceLock<IdIndex>,
    /// Reachable commits, parents before children, with their parents.
    pub(super) commits: CommitGraph,
    /// The worktree's record files that are not committed records (valid
    /// or not), with the BLAKE3 of their bytes when they could be read:
    /// what a derived view rechecks, since editing a file in place does
    /// not change its directory's time.
    pub(crate) worktree_files: Vec<(String, Option<crate::hash::ContentHash>)>,
    /// The greatest (committer time, id) of the assembled commits: the
    /// order a full walk gives places a newer commit after all of them,
    /// which is when a snapshot may be extended with it.
    pub(super) latest: Option<(i64, ObjectId)>,
}

/// Commits in topological order (parents first), each with the positions
/// of its parents: flat arrays, so a snapshot loads without an allocation
/// per commit.
#[derive(Debug, Default, Clone)]
pub(super) struct CommitGraph {
    pub(super) ids: Vec<ObjectId>,
    /// Each commit's `.lineage/records` tree: where a later walk resumes.
    pub(super) trees: Vec<Option<ObjectId>>,
    /// `parents[starts[i]..starts[i + 1]]` are commit `i`'s parents.
    pub(super) starts: Vec<u32>,
    pub(super) parents: Vec<u32>,
}

impl CommitGraph {
    pub(super) fn with_capacity(n: usize) -> CommitGraph {
        CommitGraph {
            ids: Vec::with_capacity(n),
            trees: Vec::with_capacity(n),
            starts: Vec::with_capacity(n + 1),
            parents: Vec::with_capacity(n),
        }
    }

    /// Add a commit whose parents (positions) were added before it.
    pub(super) fn push(&mut self, id: ObjectId, parents: &[u32], records_tree: Option<ObjectId>) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.ids.push(id);
        self.trees.push(records_tree);
        self.parents.extend_from_slice(parents);
        self.starts.push(self.parents.len() as u32);
    }

    pub(super) fn parents_of(&self, i: usize) -> &[u32] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.parents.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

impl History {
    /// Record files of the selected commits that could not be read (their
    /// objects are missing or corrupt, or their bytes are not a valid
    /// record), in history order: what this history lacks.
    pub fn read_warnings(&self) -> Vec<ReadWarning> {
        self.findings
            .iter()
            .filter_map(Finding::read_warning)
            .collect()
    }

    /// `Err(HistoryError::Incomplete)` naming every record file that could
    /// not be read, for callers that must not work from a partial history.
    pub fn require_complete(&self) -> Result<(), HistoryError> {
        let unreadable = self.read_warnings();
        if unreadable.is_empty() {
            Ok(())
        } else {
            Err(HistoryError::Incomplete { unreadable })
        }
    }

    /// True when this history may be kept as a snapshot: an object that
    /// could not be read may be readable later (a fetch completes it), so a
    /// history missing one is assembled afresh each time, like the index
    /// never caches an unreadable blob.
    pub(super) fn snapshot_worthy(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Unreadable)
    }

    /// A history of some of the entries of a loaded one, in its order, with
    /// all of its findings, warnings and stats: what a derived view (the
    /// catalog) gives for a question about part of the graph. It has no
    /// commit graph ([`History::descendants_of`] finds nothing).
    pub fn partial(
        entries: Vec<Entry>,
        findings: Vec<Finding>,
        warnings: Vec<String>,
        stats: Stats,
    ) -> History {
        History {
            entries,
            findings,
            warnings,
            stats,
            ..History::default()
        }
    }

    /// The same history without the worktree's uncommitted records: what a
    /// load with `worktree: false` gives (the commit graph is kept).
    pub fn without_uncommitted(mut self) -> History {
        self.entries.retain(|e| e.commit.is_some());
        self.by_id = std::sync::OnceLock::new();
        self.worktree_files.clear();
        self
    }

    /// The entry of a record id.
    pub fn get(&self, id: &RecordId) -> Option<&Entry> {
        let index = self.by_id.get_or_init(|| IdIndex::of(&self.entries));
        index.find(&self.entries, id).map(|i| &self.entries[i])
    }

    /// Every record id whose hex starts with `prefix`.
    pub fn ids_with_prefix(&self, prefix: &str) -> Vec<RecordId> {
        let mut ids: Vec<RecordId> = self
            .entries
            .iter()
            .map(|e| &e.id)
            .filter(|id| id.as_str().starts_with(prefix))
            .cloned()
            .collect();
        ids.sort();
        ids
    }

    /// The most recently recorded record named `name` (by `recorded`, then
    /// history order).
    pub fn latest_named(&self, name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .filter(|e| e.summary.name == name)
            .max_by_key(|e| e.summary.recorded)
    }

    /// Every reachable commit that has `ancestor` in its history, `ancestor`
    /// included (full hex ids).
    pub fn descendants_of(&self, ancestor: &ObjectId) -> StdHashSet<String> {
        let graph = &self.commits;
        let mut descends = vec![false; graph.ids.len()];
        for (i, id) in graph.ids.iter().enumerate() {
            descends[i] = id == ancestor
                || graph
                    .parents_of(i)
                    .iter()
                    .any(|&p| descends.get(p as usize).copied().unwrap_or(false));
        }
        graph
            .ids
            .iter()
            .zip(descends)
            .filter(|(_, d)| *d)
            .map(|(id, _)| id.to_string())
            .collect()
    }

    /// Say which repository each record and finding came from: none when
    /// a commit of `local` (this repository's tips) reaches its commit,
    /// else the first of `remotes` (each a remote's fetched tip, in the
    /// order given) whose tip reaches it. One pass over the commit graph
    /// per tip.
    pub(super) fn attribute(&mut self, local: &[ObjectId], remotes: &[Arc<Repository>]) {
        let graph = &self.commits;
        let reach = |tips: &[ObjectId]| {
            let mut reached = vec![false; graph.ids.len()];
            for (i, id) in graph.ids.iter().enumerate() {
                if tips.contains(id) {
                    reached[i] = true;
                }
            }
            // Parents come before children: walk children first.
            for i in (0..graph.ids.len()).rev() {
                if reached[i] {
                    for &p in graph.parents_of(i) {
                        if let Some(r) = reached.get_mut(p as usize) {
                            *r = true;
                        }
                    }
                }
            }
            reached
        };
        let local = reach(local);
        let reached: Vec<Vec<bool>> = remotes
            .iter()
            .map(|remote| {
                let tip = ObjectId::from_hex(remote.commit.as_bytes()).ok();
                reach(tip.as_slice())
            })
            .collect();
        let position: StdHashMap<ObjectId, usize> = graph
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        let of = |commit: &CommitInfo| -> Option<Arc<Repository>> {
            let i = *ObjectId::from_hex(commit.id.as_bytes())
                .ok()
                .and_then(|id| position.get(&id))?;
            if local[i] {
                return None;
            }
            remotes
                .iter()
                .zip(&reached)
                .find(|(_, reached)| reached[i])
                .map(|(remote, _)| Arc::clone(remote))
        };
        for entry in &mut self.entries {
            entry.repository = entry.commit.as_deref().and_then(of);
        }
        for finding in &mut self.findings {
            finding.repository = of(&finding.commit);
        }
    }

    /// Append an entry (history order is the caller's).
    pub(super) fn push(&mut self, entry: Entry) {
        self.by_id = std::sync::OnceLock::new();
        self.entries.push(entry);
    }
}

/// Entry positions by record id: keyed by the id's first 16 hex digits
/// (ids are uniformly distributed hashes), checked against the full id,
/// with the rare shared prefix kept aside.
#[derive(Debug, Default)]
pub(super) struct IdIndex {
    by_prefix: StdHashMap<u64, u32, std::hash::BuildHasherDefault<PrefixHasher>>,
    overflow: Vec<(RecordId, u32)>,
}

impl IdIndex {
    fn of(entries: &[Entry]) -> IdIndex {
        let mut index = IdIndex::default();
        index.by_prefix.reserve(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let key = prefix_key(&entry.id);
            match index.by_prefix.get(&key) {
                None => {
                    index.by_prefix.insert(key, i as u32);
                }
                Some(&j) if entries[j as usize].id == entry.id => {}
                Some(_) => index.overflow.push((entry.id.clone(), i as u32)),
            }
        }
        index
    }

    fn find(&self, entries: &[Entry], id: &RecordId) -> Option<usize> {
        if let Some(&i) = self.by_prefix.get(&prefix_key(id))
            && entries.get(i as usize).is_some_and(|e| e.id == *id)
        {
            return Some(i as usize);
        }
        self.overflow
            .iter()
            .find(|(other, _)| other == id)
            .map(|(_, i)| *i as usize)
    }
}

/// The first 16 hex digits of an id as a number.
fn prefix_key(id: &RecordId) -> u64 {
    id.as_str().bytes().take(16).fold(0, |h, b| {
        let digit = if b >= b'a' {
            b.wrapping_sub(b'a' - 10)
        } else {
            b.wrapping_sub(b'0')
        };
        (h << 4) | u64::from(digit & 0x0f)
    })
}

/// The identity hash for [`prefix_key`]s, which are already uniform.
#[derive(Default)]
struct PrefixHasher(u64);

impl std::hash::Hasher for PrefixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
