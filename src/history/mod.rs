//! Lineage history: every record reachable in git history, with the commit
//! that introduced it, rebuilt by walking commits and diffing only the
//! `.lineage/records` subtrees that changed, plus integrity findings.
//!
//! What is learned about each commit and record blob is kept in a derived
//! index under `.git/lineage/` ([`index`]), so a query reads only commits it
//! has not seen; the assembled result is kept as a snapshot keyed by the ref
//! tips, so a repeated query reads one file. Uncached commits are diffed on
//! all cores.

mod commits;
pub mod index;
mod model;
mod snapshot;
mod walk;

use std::collections::HashMap as StdHashMap;
use std::collections::HashSet as StdHashSet;
use std::sync::Arc;

use gix::ObjectId;
use gix::hashtable::{HashMap, HashSet};

pub use commits::{
    CommitRange, CommitRangeError, commits_between, is_shallow, merge_base, resolve_commit_id,
};
pub use model::*;
pub(crate) use walk::{commit_info, tune};

use self::index::{BlobData, CommitData, Index};
use crate::record::{Record, RecordId};
use crate::repo::Repo;
use crate::store::Store;

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
}

/// How to load history.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Which commits.
    pub revisions: Revisions,
    /// Include records present in the worktree but not committed.
    pub worktree: bool,
    /// Read and update the derived index under `.git/lineage/`.
    pub use_index: bool,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            revisions: Revisions::Head,
            worktree: true,
            use_index: true,
        }
    }
}

/// Why history could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A revision did not resolve.
    #[error("'{spec}' is not a revision in this repository: {message}")]
    BadRevision {
        /// What the user gave.
        spec: String,
        /// Why it did not resolve.
        message: String,
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
    by_id: std::sync::OnceLock<IdIndex>,
    /// Reachable commits, parents before children, with their parents.
    commits: CommitGraph,
}

/// Commits in topological order (parents first), each with the positions
/// of its parents: flat arrays, so a snapshot loads without an allocation
/// per commit.
#[derive(Debug, Default, Clone)]
struct CommitGraph {
    ids: Vec<ObjectId>,
    /// Each commit's `.lineage/records` tree: where a later walk resumes.
    trees: Vec<Option<ObjectId>>,
    /// `parents[starts[i]..starts[i + 1]]` are commit `i`'s parents.
    starts: Vec<u32>,
    parents: Vec<u32>,
}

impl CommitGraph {
    fn with_capacity(n: usize) -> CommitGraph {
        CommitGraph {
            ids: Vec::with_capacity(n),
            trees: Vec::with_capacity(n),
            starts: Vec::with_capacity(n + 1),
            parents: Vec::with_capacity(n),
        }
    }

    /// Add a commit whose parents (positions) were added before it.
    fn push(&mut self, id: ObjectId, parents: &[u32], records_tree: Option<ObjectId>) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.ids.push(id);
        self.trees.push(records_tree);
        self.parents.extend_from_slice(parents);
        self.starts.push(self.parents.len() as u32);
    }

    fn parents_of(&self, i: usize) -> &[u32] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.parents.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

impl History {
    /// Load the history of `repo` as `options` select it.
    pub fn load(repo: &Repo, options: &HistoryOptions) -> Result<History, HistoryError> {
        trace("start");
        let (include, exclude) = resolve_revisions(repo, &options.revisions)?;
        // HEAD and --all loads are snapshotted: repeating one with no ref
        // moved reads one file instead of walking anything.
        let snapshot_path = snapshot::path_in(&repo.cache_dir());
        let key = (options.use_index && exclude.is_empty())
            .then(|| snapshot_key(repo, &options.revisions, &include))
            .flatten();
        let records_dir = Store::new(repo.root()).records_dir();
        let worktree = options
            .worktree
            .then(|| snapshot::worktree_state(&records_dir))
            .flatten();
        if let Some(key) = &key
            && let Some((mut history, current)) =
                snapshot::load(&snapshot_path, key, worktree.as_ref())
        {
            trace("snapshot loaded");
            if options.worktree && !current {
                history.add_worktree(repo)?;
                let _ = snapshot::save(&snapshot_path, key, worktree.as_ref(), &history);
                trace("worktree read again");
            }
            return Ok(history);
        }
        if let Some(key) = &key
            && let Some(history) = Self::extend_snapshot(repo, options, key, worktree.as_ref())?
        {
            return Ok(history);
        }
        let index_path = index::path_in(&repo.cache_dir());
        let mut index = if options.use_index {
            Index::load(&index_path)
        } else {
            Index::default()
        };
        trace("index loaded");
        let mut walker = Walker::new(repo, &mut index)?;
        let reachable = walker.discover(&include)?;
        let hidden: HashSet<ObjectId> = if exclude.is_empty() {
            HashSet::default()
        } else {
            walker.discover(&exclude)?.into_iter().collect()
        };
        trace("discovered");
        walker.fill(reachable.iter().chain(&hidden))?;
        trace("filled");
        let warnings = walker.warnings();
        let stats = Stats {
            commits: reachable.iter().filter(|c| !hidden.contains(*c)).count(),
            commits_read: walker.commits_read,
            blobs_read: walker.blobs_read,
        };
        drop(walker);
        if options.use_index {
            // Derived data: failing to save only costs speed next time.
            let _ = index.save(&index_path);
        }
        trace("saved");
        let mut history = assemble(index, &include, &hidden);
        trace("assembled");
        history.warnings = warnings;
        history.stats = stats;
        // A revision range is about commits; the worktree belongs to HEAD.
        if options.worktree && !matches!(options.revisions, Revisions::Specs(_)) {
            history.add_worktree(repo)?;
        }
        trace("worktree");
        if let Some(key) = key.as_ref().filter(|_| history.snapshot_worthy()) {
            // Derived data, like the index: a failed save only costs speed.
            let state = worktree.as_ref().filter(|_| options.worktree);
            let _ = snapshot::save(&snapshot_path, key, state, &history);
            trace("snapshot saved");
        }
        Ok(history)
    }

    /// HEAD moved forward from the snapshot's commit (new commits on top of
    /// it): read only the new commits and assemble them after the snapshot's,
    /// which gives exactly what a full walk would. `None` when the snapshot
    /// does not apply (another selection, HEAD moved sideways or back, or so
    /// many new commits that a full walk is as cheap).
    fn extend_snapshot(
        repo: &Repo,
        options: &HistoryOptions,
        key: &snapshot::Key,
        worktree: Option<&snapshot::WorktreeState>,
    ) -> Result<Option<History>, HistoryError> {
        /// Beyond this many new commits a full (indexed) walk is used.
        const MAX_NEW_COMMITS: usize = 10_000;
        let path = snapshot::path_in(&repo.cache_dir());
        let Some((base, _, old_key)) = snapshot::load_if(
            &path,
            |stored| {
                stored.selection == 0
                    && key.selection == 0
                    && stored.shallow == key.shallow
                    && stored.tips.len() == 1
            },
            None,
        ) else {
            return Ok(None);
        };
        let old_tip = old_key.tips[0];
        trace("snapshot to extend loaded");
        let mut index = Index::default();
        let mut walker = Walker::new(repo, &mut index)?;
        walker.known = base
            .commits
            .ids
            .iter()
            .zip(&base.commits.trees)
            .map(|(id, tree)| (*id, *tree))
            .collect();
        let new = walker.discover(&key.tips)?;
        if new.is_empty() || new.len() > MAX_NEW_COMMITS || !walker.missing.is_empty() {
            return Ok(None);
        }
        // Every new commit must descend from the old tip, or a full walk
        // would order (or even select) commits differently.
        let parents_of = |id: &ObjectId| {
            walker
                .pending_data
                .get(id)
                .map(|d| d.parents.clone())
                .unwrap_or_default()
        };
        let new_set: HashSet<ObjectId> = new.iter().copied().collect();
        let mut descends: HashMap<ObjectId, bool> = HashMap::default();
        let order = order_new_commits(&new, &new_set, &parents_of, |id| {
            walker.pending_data.get(id).map_or(0, |d| d.time)
        });
        for id in &order {
            let from_old = parents_of(id)
                .iter()
                .any(|p| *p == old_tip || descends.get(p).copied().unwrap_or(false));
            descends.insert(*id, from_old);
            if !from_old {
                return Ok(None);
            }
        }
        walker.fill(&new)?;
        let warnings = walker.warnings();
        let (commits_read, blobs_read) = (walker.commits_read, walker.blobs_read);
        drop(walker);
        // Derived data: failing to save only costs speed next time.
        let _ = index.save(&index::path_in(&repo.cache_dir()));

        let commits = base.stats.commits + new.len();
        trace("new commits read");
        let mut assembler = Assembler::resume(base);
        trace("resumed");
        for id in order {
            if let Some(data) = index.commits.remove(&id) {
                assembler.add(id, data, &mut index.blobs, true);
            }
        }
        let mut history = assembler.history;
        for warning in warnings {
            if !history.warnings.contains(&warning) {
                history.warnings.push(warning);
            }
        }
        history.stats = Stats {
            commits,
            commits_read,
            blobs_read,
        };
        if options.worktree {
            history.add_worktree(repo)?;
        }
        trace("worktree");
        if history.snapshot_worthy() {
            let _ = snapshot::save(&path, key, worktree.filter(|_| options.worktree), &history);
        }
        trace("snapshot extended");
        Ok(Some(history))
    }

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
    fn snapshot_worthy(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Unreadable)
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

    /// The full record of an entry, from its git blob (or the worktree file
    /// for an uncommitted record).
    pub fn read_record(
        &self,
        repo: &Repo,
        id: &RecordId,
    ) -> Result<(Vec<u8>, Record), HistoryError> {
        let err = |message: String| HistoryError::Record {
            id: id.clone(),
            message,
        };
        let entry = self
            .get(id)
            .ok_or_else(|| err("it is not in history".into()))?;
        let bytes = match entry.blob {
            Some(blob) => walk::blob_bytes(repo.gix(), blob).map_err(err)?,
            None => std::fs::read(repo.root().join(&entry.path))
                .map_err(|e| err(format!("{}: {e}", entry.path)))?,
        };
        let record = Record::parse(&bytes).map_err(|e| err(e.to_string()))?;
        Ok((bytes, record))
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

    fn push(&mut self, entry: Entry) {
        self.by_id = std::sync::OnceLock::new();
        self.entries.push(entry);
    }

    fn add_worktree(&mut self, repo: &Repo) -> Result<(), HistoryError> {
        // Only names are needed to find what history lacks, so the shard
        // directories are read directly (no stat per file). Misplaced or
        // misnamed files are `verify`'s findings, not history's.
        let records = Store::new(repo.root()).records_dir();
        let Ok(shards) = std::fs::read_dir(&records) else {
            return Ok(());
        };
        let mut uncommitted = Vec::new();
        for shard in shards.flatten() {
            let Ok(files) = std::fs::read_dir(shard.path()) else {
                continue;
            };
            let shard_name = shard.file_name();
            for file in files.flatten() {
                let name = file.file_name();
                let Some(id) = name
                    .to_str()
                    .and_then(|n| n.strip_suffix(".yaml"))
                    .and_then(RecordId::parse)
                    .filter(|id| shard_name.to_str() == Some(id.shard()))
                else {
                    continue;
                };
                if self.get(&id).is_none() {
                    uncommitted.push(id);
                }
            }
        }
        let mut entries = Vec::new();
        for id in uncommitted {
            let path = Store::record_rel_path(&id);
            // Files that do not hash to their name or do not parse are
            // `verify`'s findings; history only carries valid records.
            let Ok(bytes) = std::fs::read(repo.root().join(&path)) else {
                continue;
            };
            if RecordId::of_bytes(&bytes) != id {
                continue;
            }
            let Ok(record) = Record::parse(&bytes) else {
                continue;
            };
            entries.push(Entry {
                id,
                path,
                commit: None,
                blob: None,
                summary: SummaryCell::ready(Summary::of(&record)),
            });
        }
        entries.sort_by(|a, b| (a.summary.recorded, &a.id).cmp(&(b.summary.recorded, &b.id)));
        for entry in entries {
            self.push(entry);
        }
        Ok(())
    }
}

/// Entry positions by record id: keyed by the id's first 16 hex digits
/// (ids are uniformly distributed hashes), checked against the full id,
/// with the rare shared prefix kept aside.
#[derive(Debug, Default)]
struct IdIndex {
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

/// With `GIT_LINEAGE_TRACE` set, print how long each phase took to stderr.
fn trace(what: &str) {
    static START: std::sync::OnceLock<Option<std::time::Instant>> = std::sync::OnceLock::new();
    if let Some(start) = START
        .get_or_init(|| std::env::var_os("GIT_LINEAGE_TRACE").map(|_| std::time::Instant::now()))
    {
        eprintln!(
            "trace: {:>8.1} ms  {what}",
            start.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// `new` commits, parents before children; among commits whose parents are
/// all placed, the oldest (committer time, then id) goes first. Parents
/// outside `new_set` count as placed.
fn order_new_commits(
    new: &[ObjectId],
    new_set: &HashSet<ObjectId>,
    parents_of: &dyn Fn(&ObjectId) -> Vec<ObjectId>,
    time_of: impl Fn(&ObjectId) -> i64,
) -> Vec<ObjectId> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut waiting: HashMap<ObjectId, usize> = HashMap::default();
    let mut children: HashMap<ObjectId, Vec<ObjectId>> = HashMap::default();
    for id in new {
        let parents: Vec<ObjectId> = parents_of(id)
            .into_iter()
            .filter(|p| new_set.contains(p))
            .collect();
        waiting.insert(*id, parents.len());
        for parent in parents {
            children.entry(parent).or_default().push(*id);
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, ObjectId)>> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| Reverse((time_of(id), *id)))
        .collect();
    let mut order = Vec::with_capacity(new.len());
    while let Some(Reverse((_, id))) = ready.pop() {
        order.push(id);
        for child in children.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(n) = waiting.get_mut(child) {
                *n -= 1;
                if *n == 0 {
                    ready.push(Reverse((time_of(child), *child)));
                }
            }
        }
    }
    order
}

/// The snapshot key of a HEAD or --all load.
fn snapshot_key(repo: &Repo, revisions: &Revisions, include: &[ObjectId]) -> Option<snapshot::Key> {
    let selection = match revisions {
        Revisions::Head => 0,
        Revisions::All => 1,
        Revisions::Specs(_) => return None,
    };
    let mut tips = include.to_vec();
    tips.sort();
    let shallow = repo
        .gix()
        .shallow_file()
        .ok()
        .and_then(|path| std::fs::read(path).ok())
        .unwrap_or_default();
    Some(snapshot::Key {
        selection,
        tips,
        shallow: *blake3::hash(&shallow).as_bytes(),
    })
}

/// The commits to include and exclude.
fn resolve_revisions(
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
                    exclude.push(repo.resolve_commit(a)?);
                    include.push(repo.resolve_commit(b)?);
                } else if let Some(rev) = spec.strip_prefix('^') {
                    exclude.push(repo.resolve_commit(rev)?);
                } else {
                    include.push(repo.resolve_commit(spec)?);
                }
            }
        }
    }
    include.sort();
    include.dedup();
    Ok((include, exclude))
}

impl Repo {
    /// Resolve a revision (`main`, `HEAD~2`, a hex prefix, a tag) to a commit id.
    pub fn resolve_commit(&self, spec: &str) -> Result<ObjectId, HistoryError> {
        let bad = |message: String| HistoryError::BadRevision {
            spec: spec.to_string(),
            message,
        };
        let id = self
            .gix()
            .rev_parse_single(spec)
            .map_err(|e| bad(e.to_string()))?;
        let object = id.object().map_err(|e| bad(e.to_string()))?;
        let commit = object
            .peel_to_commit()
            .map_err(|_| bad("it does not name a commit".into()))?;
        Ok(commit.id)
    }
}

impl Repo {
    /// The content hash of `rel` (repository-relative) as committed at
    /// `rev`: BLAKE3 of a file's blob, or the directory listing rule
    /// (docs/hashing.md) over a tree, with the `ignore` globs applied. Blobs
    /// are git's stored bytes, so files changed by clean filters (LFS, line
    /// endings) hash differently from the worktree.
    pub fn content_hash_at(
        &self,
        rev: &str,
        rel: &str,
        ignore: &globset::GlobSet,
    ) -> Result<crate::hash::ContentHash, HistoryError> {
        let commit = self.resolve_commit(rev)?;
        let git = self.gix();
        let fail = |message: String| HistoryError::BadRevision {
            spec: format!("{rel}@{rev}"),
            message,
        };
        let tree = git
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
        let id = entry.object_id();
        if entry.mode().is_tree() {
            let mut listing = Vec::new();
            let mut memo = walk::TreeMemo::default();
            memo.listing(git, id, "", ignore, &mut listing)
                .map_err(fail)?;
            listing.sort_by(|a, b| a.path.cmp(&b.path));
            let mut text = Vec::new();
            for line in &listing {
                line.write_line(&mut text);
            }
            Ok(crate::hash::ContentHash::of_bytes(&text))
        } else {
            let bytes = walk::blob_bytes(git, id).map_err(fail)?;
            Ok(crate::hash::ContentHash::of_bytes(&bytes))
        }
    }
}

/// Walks commits, consulting and filling the index.
struct Walker<'a> {
    repo: &'a Repo,
    index: &'a mut Index,
    shallow: HashSet<ObjectId>,
    /// Commits read in this run whose trees are not diffed yet, with their root tree.
    pending: Vec<(ObjectId, ObjectId)>,
    pending_data: HashMap<ObjectId, CommitData>,
    missing: Vec<ObjectId>,
    boundary_seen: bool,
    /// Commits already assembled (a snapshot being extended), with their
    /// records trees: the walk stops at them.
    known: HashMap<ObjectId, Option<ObjectId>>,
    commits_read: usize,
    blobs_read: usize,
}

impl<'a> Walker<'a> {
    fn new(repo: &'a Repo, index: &'a mut Index) -> Result<Walker<'a>, HistoryError> {
        let shallow = repo
            .gix()
            .shallow_commits()
            .ok()
            .flatten()
            .map(|commits| commits.iter().copied().collect())
            .unwrap_or_default();
        Ok(Walker {
            repo,
            index,
            shallow,
            pending: Vec::new(),
            pending_data: HashMap::default(),
            missing: Vec::new(),
            boundary_seen: false,
            known: HashMap::default(),
            commits_read: 0,
            blobs_read: 0,
        })
    }

    /// Every commit reachable from `tips`, reading the ones the index does
    /// not know. Missing commits are noted and treated as absent.
    fn discover(&mut self, tips: &[ObjectId]) -> Result<Vec<ObjectId>, HistoryError> {
        let mut reachable = Vec::new();
        let mut seen: HashSet<ObjectId> = HashSet::default();
        let mut stack: Vec<ObjectId> = tips.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) || self.known.contains_key(&id) {
                continue;
            }
            let is_boundary = self.shallow.contains(&id);
            let parents = if let Some(data) = self.pending_data.get(&id) {
                data.parents.clone()
            } else if let Some(data) = self
                .index
                .commits
                .get(&id)
                .filter(|data| data.boundary == is_boundary)
            {
                data.parents.clone()
            } else {
                let raw = walk::read_commit(self.repo.gix(), id).map_err(|message| {
                    HistoryError::Git {
                        action: "read a commit",
                        message,
                    }
                })?;
                let Some(mut raw) = raw else {
                    self.missing.push(id);
                    continue;
                };
                self.commits_read += 1;
                if is_boundary {
                    raw.data.parents.clear();
                    raw.data.boundary = true;
                }
                let parents = raw.data.parents.clone();
                self.pending.push((id, raw.tree));
                self.pending_data.insert(id, raw.data);
                parents
            };
            if is_boundary {
                self.boundary_seen = true;
            }
            reachable.push(id);
            // First parent on top of the stack: a linear run of history is
            // read child → parent, which keeps neighbouring trees together.
            stack.extend(parents.iter().rev().filter(|p| !seen.contains(*p)));
        }
        Ok(reachable)
    }

    /// Diff the pending commits' record trees against their first parents,
    /// then read the record blobs that `commits` added and the index lacks,
    /// in parallel; store it all in the index.
    fn fill<'i>(
        &mut self,
        commits: impl IntoIterator<Item = &'i ObjectId>,
    ) -> Result<(), HistoryError> {
        self.diff_pending()?;
        // Every record blob the commits added that the index does not know,
        // including those of commits read in an earlier run: an unreadable
        // blob is never cached, so it is read (and reported) again rather
        // than silently missing.
        let records_dir = Store::new(self.repo.root()).records_dir();
        let mut wanted: HashSet<ObjectId> = HashSet::default();
        let mut new_blobs: Vec<(ObjectId, std::path::PathBuf)> = Vec::new();
        for id in commits {
            let Some(data) = self.index.commits.get(id) else {
                continue;
            };
            for change in &data.changes {
                if let (None, Some(blob)) = (change.old, change.new)
                    && !self.index.blobs.contains_key(&blob)
                    && wanted.insert(blob)
                {
                    new_blobs.push((blob, records_dir.join(&change.path)));
                }
            }
        }
        if new_blobs.is_empty() {
            return Ok(());
        }
        let git_dir = self.repo.gix().git_dir().to_path_buf();
        let blobs = walk::par_with_repo(&git_dir, &new_blobs, |repo, _, (blob, path)| {
            walk::read_blob(repo, *blob, Some(path))
        })
        .map_err(|message| HistoryError::Git {
            action: "open the repository",
            message,
        })?;
        self.blobs_read += blobs.len();
        for ((id, _), data) in new_blobs.into_iter().zip(blobs) {
            self.index.add_blob(id, data);
        }
        Ok(())
    }

    /// Diff the pending commits' record trees against their first parents
    /// and store the changes in the index.
    fn diff_pending(&mut self) -> Result<(), HistoryError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let missing: HashSet<ObjectId> = self.missing.iter().copied().collect();
        let roots: HashMap<ObjectId, ObjectId> = self.pending.iter().copied().collect();
        // For each pending commit: its root tree, and its first parent's root
        // tree (pending) or records tree (indexed).
        enum Base {
            None,
            Root(ObjectId),
            Records(Option<ObjectId>),
        }
        let base_of = |p: &ObjectId| {
            if missing.contains(p) {
                Base::None
            } else if let Some(&root) = roots.get(p) {
                Base::Root(root)
            } else if let Some(data) = self.index.commits.get(p) {
                Base::Records(data.records_tree)
            } else if let Some(tree) = self.known.get(p) {
                Base::Records(*tree)
            } else {
                Base::None
            }
        };
        let work: Vec<(ObjectId, ObjectId, Vec<Base>)> = self
            .pending
            .iter()
            .map(|&(id, root)| {
                let parents = &self.pending_data[&id].parents;
                let bases = if parents.is_empty() {
                    vec![Base::None]
                } else {
                    parents.iter().map(base_of).collect()
                };
                (id, root, bases)
            })
            .collect();
        let git_dir = self.repo.gix().git_dir().to_path_buf();
        let diffs = walk::par_with_repo(&git_dir, &work, |repo, memo, (_, root, bases)| {
            let own = memo.records_tree(repo, *root)?;
            let mut changes = Vec::new();
            for (i, base) in bases.iter().enumerate() {
                let old = match base {
                    Base::None => None,
                    Base::Root(root) => memo.records_tree(repo, *root)?,
                    Base::Records(tree) => *tree,
                };
                let diff = memo.diff(repo, old, own)?;
                if i == 0 {
                    changes = diff;
                } else {
                    // Against other parents of a merge only deletions are new:
                    // a merge that drops a side branch's record deletes it.
                    changes.extend(diff.into_iter().filter(|c| c.new.is_none()));
                }
            }
            Ok::<_, String>((own, changes))
        })
        .map_err(|message| HistoryError::Git {
            action: "open the repository",
            message,
        })?;
        for ((id, _, _), result) in work.iter().zip(diffs) {
            let Some(mut data) = self.pending_data.remove(id) else {
                continue;
            };
            data.parents.retain(|p| !missing.contains(p));
            match result {
                Ok((own, changes)) => {
                    data.records_tree = own;
                    data.changes = changes;
                }
                Err(problem) => data.problem = Some(problem),
            }
            self.index.add_commit(*id, data);
        }
        self.pending.clear();
        trace("diffs done");
        Ok(())
    }

    fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.boundary_seen {
            warnings.push(
                "this is a shallow clone: history before its boundary is missing, so records made \
                 earlier appear as introduced by the oldest commit present (`git fetch --unshallow` \
                 reads the rest)"
                    .to_string(),
            );
        }
        for id in &self.missing {
            warnings.push(format!(
                "commit {id} is missing from the object database; history beyond it was not read"
            ));
        }
        warnings
    }
}

/// Build entries and findings from the index for the commits reachable from
/// `include`, skipping what was introduced by a `hidden` commit.
fn assemble(mut index: Index, include: &[ObjectId], hidden: &HashSet<ObjectId>) -> History {
    let order = topological(&index, include);
    let mut assembler = Assembler::default();
    for id in order {
        // Each commit is assembled once, so its data moves out of the index.
        if let Some(data) = index.commits.remove(&id) {
            assembler.add(id, data, &mut index.blobs, !hidden.contains(&id));
        }
    }
    assembler.history
}

/// Turns commits, parents first, into entries and findings: a record is
/// introduced by the first commit that adds it, and each finding is
/// reported once.
#[derive(Default)]
struct Assembler {
    history: History,
    introduced: StdHashSet<RecordId>,
    /// Positions of assembled commits in `history.commits`.
    position: HashMap<ObjectId, u32>,
    /// Content ids of blobs whose summaries moved into entries.
    taken: HashMap<ObjectId, RecordId>,
    reported: StdHashSet<(FindingKind, String, Option<ObjectId>)>,
}

impl Assembler {
    /// Continue from an assembled history (without uncommitted records).
    fn resume(history: History) -> Assembler {
        let mut assembler = Assembler::default();
        for entry in &history.entries {
            assembler.introduced.insert(entry.id.clone());
            if let Some(blob) = entry.blob {
                assembler.taken.insert(blob, entry.id.clone());
            }
        }
        for finding in &history.findings {
            assembler
                .reported
                .insert((finding.kind, finding.path.clone(), finding.blob));
        }
        for (i, id) in history.commits.ids.iter().enumerate() {
            assembler.position.insert(*id, i as u32);
        }
        assembler.history = history;
        assembler
    }

    /// Assemble one commit whose parents were assembled before it. Valid
    /// record summaries move out of `blobs`; `shown: false` (a hidden
    /// commit of a range) records what it did without listing it.
    fn add(
        &mut self,
        id: ObjectId,
        data: CommitData,
        blobs: &mut HashMap<ObjectId, BlobData>,
        shown: bool,
    ) {
        let CommitData {
            parents,
            author,
            time,
            message,
            changes,
            problem,
            records_tree,
            ..
        } = data;
        let parent_positions: Vec<u32> = parents
            .iter()
            .filter_map(|p| self.position.get(p).copied())
            .collect();
        self.position
            .insert(id, self.history.commits.ids.len() as u32);
        self.history
            .commits
            .push(id, &parent_positions, records_tree);
        if changes.is_empty() && problem.is_none() {
            return;
        }
        let commit = Arc::new(CommitInfo::new(id, author, time, message));
        let (reported, findings) = (&mut self.reported, &mut self.history.findings);
        let mut finding = |kind: FindingKind,
                           path: String,
                           record: Option<RecordId>,
                           blob: Option<ObjectId>,
                           message: String| {
            if reported.insert((kind, path.clone(), blob)) && shown {
                findings.push(Finding {
                    kind,
                    path,
                    record,
                    commit: commit.clone(),
                    message,
                    blob,
                });
            }
        };
        if let Some(problem) = &problem {
            finding(
                FindingKind::Unreadable,
                ".lineage/records".into(),
                None,
                Some(id),
                format!(
                    "the records of commit {} could not be read: {problem}",
                    short(&id)
                ),
            );
        }
        let mut added: Vec<Entry> = Vec::new();
        for change in &changes {
            let path = format!(
                "{}/{}/{}",
                crate::store::LINEAGE_DIR,
                crate::store::RECORDS_DIR,
                change.path
            );
            let named = record_id_of_path(&change.path);
            match (change.old, change.new) {
                (None, Some(blob)) => {
                    let Some(named) = named else {
                        finding(
                            FindingKind::NotARecord,
                            path,
                            None,
                            Some(blob),
                            "not a record file: records live at .lineage/records/<first 2 hex>/<64 hex>.yaml".into(),
                        );
                        continue;
                    };
                    if self.introduced.contains(&named) {
                        continue;
                    }
                    let valid = matches!(
                        blobs.get(&blob),
                        Some(BlobData::Record { content, .. }) if *content == named
                    );
                    if valid {
                        self.introduced.insert(named.clone());
                        // Each blob is introduced once (its bytes are its
                        // id), so its summary can move out of the index.
                        self.taken.insert(blob, named.clone());
                        if let (true, Some(BlobData::Record { summary, .. })) =
                            (shown, blobs.remove(&blob))
                        {
                            added.push(Entry {
                                id: named,
                                path,
                                commit: Some(commit.clone()),
                                blob: Some(blob),
                                summary: SummaryCell::ready(*summary),
                            });
                        }
                        continue;
                    }
                    // Bytes that hash to another id: as read now, or (the
                    // same bytes as a record introduced earlier) as taken.
                    let content = match blobs.get(&blob) {
                        Some(
                            BlobData::Record { content, .. } | BlobData::Invalid { content, .. },
                        ) => Some(content),
                        None => self.taken.get(&blob),
                        Some(BlobData::Unreadable(_)) => None,
                    };
                    if let Some(content) = content.filter(|c| **c != named) {
                        let message = format!(
                            "added with bytes that hash to {}, not to its name {}",
                            content.short(),
                            named.short()
                        );
                        finding(
                            FindingKind::Misnamed,
                            path,
                            Some(named),
                            Some(blob),
                            message,
                        );
                        continue;
                    }
                    match blobs.get(&blob) {
                        Some(BlobData::Invalid { message, .. }) => finding(
                            FindingKind::Invalid,
                            path,
                            Some(named),
                            Some(blob),
                            format!("not a valid record: {message}"),
                        ),
                        Some(BlobData::Unreadable(message)) => finding(
                            FindingKind::Unreadable,
                            path,
                            Some(named),
                            Some(blob),
                            message.clone(),
                        ),
                        // Valid records were taken above; every added blob
                        // is read before assembly.
                        Some(BlobData::Record { .. }) | None => {}
                    }
                }
                (Some(old), Some(new)) => finding(
                    FindingKind::Edited,
                    path,
                    named,
                    Some(new),
                    format!(
                        "the record file was edited: its bytes changed (blob {} → {}); records are immutable",
                        short(&old),
                        short(&new)
                    ),
                ),
                (Some(old), None) => finding(
                    FindingKind::Deleted,
                    path,
                    named,
                    Some(old),
                    "the record file was deleted; records are never deleted".into(),
                ),
                (None, None) => {}
            }
        }
        added.sort_by(|a, b| (a.summary.recorded, &a.id).cmp(&(b.summary.recorded, &b.id)));
        for entry in added {
            self.history.push(entry);
        }
    }
}

fn short(id: &ObjectId) -> String {
    let mut hex = id.to_string();
    hex.truncate(12);
    hex
}

/// The record id a path below `.lineage/records/` names: `<2 hex>/<64 hex>.yaml`.
fn record_id_of_path(path: &str) -> Option<RecordId> {
    let (shard, file) = path.split_once('/')?;
    let id = RecordId::parse(file.strip_suffix(".yaml")?)?;
    (id.shard() == shard).then_some(id)
}

/// Commits reachable from `tips`, parents before children; among commits
/// whose parents are all placed, the oldest (committer time) goes first, so
/// reversed it reads like `git log`. Unknown parents are skipped.
fn topological(index: &Index, tips: &[ObjectId]) -> Vec<ObjectId> {
    let mut reachable: HashSet<ObjectId> = HashSet::default();
    let mut stack: Vec<ObjectId> = tips
        .iter()
        .filter(|t| index.commits.contains_key(*t))
        .copied()
        .collect();
    while let Some(id) = stack.pop() {
        if let Some(data) = index.commits.get(&id)
            && reachable.insert(id)
        {
            stack.extend(data.parents.iter().copied());
        }
    }
    let all: Vec<ObjectId> = reachable.iter().copied().collect();
    let parents_of = |id: &ObjectId| {
        index
            .commits
            .get(id)
            .map(|d| d.parents.clone())
            .unwrap_or_default()
    };
    order_new_commits(&all, &reachable, &parents_of, |id| {
        index.commits.get(id).map_or(0, |d| d.time)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::record::Agent;

    fn oid(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    fn commit(parents: Vec<ObjectId>, changes: Vec<index::Change>) -> CommitData {
        CommitData {
            parents,
            boundary: false,
            records_tree: None,
            author: Agent {
                name: "Jane".into(),
                email: "jane@example.com".into(),
            },
            time: 0,
            message: "m".into(),
            changes,
            problem: None,
        }
    }

    /// A record blob and the path its id names.
    fn record(index: &mut Index, blob: ObjectId, name: &str) -> (String, RecordId) {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/records/train.yaml"
        ))
        .unwrap()
        .replace("name: fraud-model\n", &format!("name: {name}\n"));
        let BlobData::Record { content, summary } = walk::parse_record_bytes(text.as_bytes())
        else {
            panic!("the fixture parses");
        };
        index.blobs.insert(
            blob,
            BlobData::Record {
                content: content.clone(),
                summary,
            },
        );
        (format!("{}/{content}.yaml", content.shard()), content)
    }

    fn added(path: &str, blob: ObjectId) -> index::Change {
        index::Change {
            path: path.into(),
            old: None,
            new: Some(blob),
        }
    }

    #[test]
    fn merges_attribute_records_to_their_side_branch_and_report_edits_once() {
        let mut index = Index::default();
        let (path_a, id_a) = record(&mut index, oid(10), "a");
        let (path_b, id_b) = record(&mut index, oid(11), "b");
        let (root, main, side, merge) = (oid(1), oid(2), oid(3), oid(4));
        index
            .commits
            .insert(root, commit(vec![], vec![added(&path_a, oid(10))]));
        // main edits A; side adds B; the merge (first parent main) shows B
        // as added, as a first-parent diff does.
        let edit = index::Change {
            path: path_a.clone(),
            old: Some(oid(10)),
            new: Some(oid(12)),
        };
        index.commits.insert(main, commit(vec![root], vec![edit]));
        index
            .commits
            .insert(side, commit(vec![root], vec![added(&path_b, oid(11))]));
        index.commits.insert(
            merge,
            commit(vec![main, side], vec![added(&path_b, oid(11))]),
        );

        let history = assemble(index, &[merge], &HashSet::default());
        let commit_of = |id: &RecordId| {
            history
                .get(id)
                .and_then(|e| e.commit.as_ref())
                .map(|c| c.id.clone())
        };
        assert_eq!(commit_of(&id_a), Some(root.to_string()));
        assert_eq!(commit_of(&id_b), Some(side.to_string()));
        assert_eq!(history.entries.len(), 2);
        assert_eq!(history.findings.len(), 1);
        assert_eq!(history.findings[0].kind, FindingKind::Edited);
        assert_eq!(history.findings[0].commit.id, main.to_string());
        assert_eq!(
            history.entries[1].summary.name, "b",
            "parents come before children"
        );
        assert_eq!(history.descendants_of(&side).len(), 2, "side and the merge");
    }

    #[test]
    fn a_snapshot_round_trips_and_is_only_used_for_its_key() {
        let mut index = Index::default();
        let (path_a, id_a) = record(&mut index, oid(10), "a");
        let (path_b, _) = record(&mut index, oid(11), "b");
        index
            .commits
            .insert(oid(1), commit(vec![], vec![added(&path_a, oid(10))]));
        let edit = index::Change {
            path: path_a.clone(),
            old: Some(oid(10)),
            new: Some(oid(12)),
        };
        index.commits.insert(
            oid(2),
            commit(vec![oid(1)], vec![added(&path_b, oid(11)), edit]),
        );
        let mut history = assemble(index, &[oid(2)], &HashSet::default());
        history.warnings.push("a warning".into());
        history.stats.commits = 2;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(snapshot::FILE_NAME);
        let key = snapshot::Key {
            selection: 0,
            tips: vec![oid(2)],
            shallow: [0; 32],
        };
        let state: snapshot::WorktreeState = vec![(String::new(), 1)];
        snapshot::save(&path, &key, Some(&state), &history).unwrap();

        let (loaded, current) = snapshot::load(&path, &key, Some(&state)).expect("same key loads");
        assert!(current);
        assert_eq!(loaded.entries.len(), 2);
        for (a, b) in history.entries.iter().zip(&loaded.entries) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.path, b.path);
            assert_eq!(a.blob, b.blob);
            assert_eq!(a.commit, b.commit);
            assert_eq!(a.summary.kind, b.summary.kind);
            assert_eq!(
                *a.summary, *b.summary,
                "the lazily decoded summary is the same"
            );
        }
        assert_eq!(loaded.findings.len(), 1);
        assert_eq!(loaded.findings[0].kind, FindingKind::Edited);
        assert_eq!(loaded.findings[0].commit.id, oid(2).to_string());
        assert_eq!(loaded.warnings, vec!["a warning".to_string()]);
        assert_eq!(loaded.stats.commits, 2);
        assert_eq!(
            loaded.get(&id_a).map(|e| e.summary.name.as_str()),
            Some("a")
        );
        assert_eq!(loaded.descendants_of(&oid(1)).len(), 2);

        // Another tip, another worktree state, or a flipped byte: not used as is.
        let moved = snapshot::Key {
            tips: vec![oid(3)],
            ..key.clone()
        };
        assert!(snapshot::load(&path, &moved, Some(&state)).is_none());
        let (_, current) = snapshot::load(&path, &key, Some(&vec![(String::new(), 2)])).unwrap();
        assert!(
            !current,
            "a changed records directory means a fresh look at the worktree"
        );
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(snapshot::load(&path, &key, Some(&state)).is_none());
    }

    #[test]
    fn hidden_commits_hide_what_they_introduced() {
        let mut index = Index::default();
        let (path_a, _) = record(&mut index, oid(10), "a");
        let (path_b, id_b) = record(&mut index, oid(11), "b");
        index
            .commits
            .insert(oid(1), commit(vec![], vec![added(&path_a, oid(10))]));
        index
            .commits
            .insert(oid(2), commit(vec![oid(1)], vec![added(&path_b, oid(11))]));
        let hidden: HashSet<ObjectId> = [oid(1)].into_iter().collect();
        let history = assemble(index, &[oid(2)], &hidden);
        assert_eq!(history.entries.len(), 1);
        assert_eq!(history.entries[0].id, id_b);
    }

    #[test]
    fn record_paths_must_be_sharded_by_their_id() {
        let id = "ab".to_string() + &"c".repeat(62);
        assert_eq!(
            record_id_of_path(&format!("ab/{id}.yaml")).map(|i| i.to_string()),
            Some(id.clone())
        );
        assert_eq!(record_id_of_path(&format!("cd/{id}.yaml")), None);
        assert_eq!(record_id_of_path(&format!("{id}.yaml")), None);
        assert_eq!(record_id_of_path("ab/notes.txt"), None);
    }
}
