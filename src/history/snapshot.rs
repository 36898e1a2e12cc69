//! The history snapshot at `.git/lineage/snapshot-v1.bin`: the assembled
//! [`History`] of the last load of HEAD (or of `--all`), keyed by the commits
//! the refs pointed at, so a repeated query with nothing new skips the walk,
//! the index and assembly altogether. A load with lineage remotes has its
//! own file per selection (`snapshot-remotes-<hash>.bin`), which also keeps
//! the repository each record came from.
//!
//! Entries keep their listing fields (`kind`, `name`, `recorded`, `agent`)
//! eagerly; the rest of each summary is decoded on first use from the
//! snapshot's bytes ([`SummaryCell`]). The worktree's uncommitted records are
//! kept with the modification times of the record directories, and looked
//! for again when any of them changed. The file is checksummed; a damaged
//! or stale snapshot is ignored and rewritten.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::ObjectId;

use super::codec::{Reader, Writer};
use super::model::{
    CommitGraph, CommitInfo, Entry, Finding, FindingKind, History, Repository, Stats,
};
use super::summary::{SummaryCell, read_listing, write_listing, write_summary};
use crate::hash::{Checksum, ContentHash};
use crate::record::Agent;
use crate::time::Timestamp;

/// The file name under `.git/lineage/`.
pub const FILE_NAME: &str = "snapshot-v1.bin";
const MAGIC: &[u8] = b"git-lineage history snapshot v6\n";
/// Directory times this close to now may still change within the same tick.
const RACY_NANOS: i128 = 2_000_000_000;

/// What a snapshot is valid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// 0: HEAD, 1: all refs, 2: lineage remotes (and a base).
    pub selection: u8,
    /// The tip commits, sorted.
    pub tips: Vec<ObjectId>,
    /// BLAKE3 of `.git/shallow` (empty when not shallow): unshallowing
    /// changes history without moving a ref.
    pub shallow: [u8; 32],
    /// For lineage remotes, BLAKE3 of what attribution depends on (the
    /// local tips and each fetched ref's remote, URL and commit); zeros
    /// otherwise.
    pub scope: [u8; 32],
}

/// Modification times of `.lineage/records/` and each shard directory
/// (`""` is the records directory itself), nanoseconds since the epoch.
pub type WorktreeState = Vec<(String, i128)>;

/// Where the snapshot of a repository lives.
pub fn path_in(cache_dir: &Path) -> PathBuf {
    cache_dir.join(FILE_NAME)
}

/// Delete the snapshots of every lineage-remote selection under
/// `cache_dir` (derived files: the next question rebuilds its own).
pub fn remove_remote_views(cache_dir: &Path) {
    remove_named(cache_dir, "snapshot-remotes-");
}

/// Delete the files under `dir` whose name starts with `prefix`.
pub(crate) fn remove_named(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Where the snapshot of view `view` lives: [`path_in`] for `""` (HEAD and
/// `--all`), else `snapshot-<view>.bin`.
pub fn path_for(cache_dir: &Path, view: &str) -> PathBuf {
    match view {
        "" => path_in(cache_dir),
        view => cache_dir.join(format!("snapshot-{view}.bin")),
    }
}

fn mtime_nanos(path: &Path) -> Option<i128> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(since.as_nanos() as i128)
}

/// The current state of the record directories; `None` when a time is too
/// recent to trust (a file added in the same tick would not change it).
pub fn worktree_state(records_dir: &Path) -> Option<WorktreeState> {
    worktree_times(records_dir)
        .filter(|(_, racy)| racy.is_empty())
        .map(|(state, _)| state)
}

/// The current state of the record directories, and those of them (`""`
/// is the records directory itself) modified too recently for their time
/// to say that nothing was added since: a reader of a view made now must
/// list those again.
pub fn worktree_times(records_dir: &Path) -> Option<(WorktreeState, Vec<String>)> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos() as i128;
    let mut state = vec![(String::new(), mtime_nanos(records_dir).unwrap_or(0))];
    if let Ok(shards) = std::fs::read_dir(records_dir) {
        for shard in shards.flatten() {
            let name = shard.file_name().to_string_lossy().into_owned();
            state.push((name, mtime_nanos(&shard.path()).unwrap_or(0)));
        }
    }
    state.sort();
    let racy = state
        .iter()
        .filter(|(_, t)| now - *t <= RACY_NANOS)
        .map(|(name, _)| name.clone())
        .collect();
    Some((state, racy))
}

/// Write `history` as the snapshot for `key`. Best effort, like the index.
pub fn save(
    path: &Path,
    key: &Key,
    worktree: Option<&WorktreeState>,
    history: &History,
) -> std::io::Result<()> {
    let mut w = Writer::default();
    write_state(&mut w, key, worktree);
    if worktree.is_some() {
        write_worktree_files(&mut w, &history.worktree_files);
    }
    w.uint(history.stats.commits as u64);
    match &history.latest {
        Some((time, id)) => {
            w.byte(1);
            w.int(*time);
            w.oid(id);
        }
        None => w.byte(0),
    }
    w.uint(history.warnings.len() as u64);
    for warning in &history.warnings {
        w.str(warning);
    }
    // The commit graph, then the commits shown beside records and findings.
    let graph = &history.commits;
    w.uint(graph.ids.len() as u64);
    for (i, id) in graph.ids.iter().enumerate() {
        w.oid(id);
        w.opt_oid(graph.trees.get(i).copied().flatten().as_ref());
        let parents = graph.parents_of(i);
        w.uint(parents.len() as u64);
        for p in parents {
            w.uint(u64::from(*p));
        }
    }
    // Attribution is by commit: each info keeps the repository of the
    // records and findings it introduced.
    let mut infos: Vec<(Arc<CommitInfo>, Option<Arc<Repository>>)> = Vec::new();
    let mut info_index: std::collections::HashMap<*const CommitInfo, usize> =
        std::collections::HashMap::new();
    let mut info_of = |commit: &Arc<CommitInfo>, repository: &Option<Arc<Repository>>| -> usize {
        *info_index.entry(Arc::as_ptr(commit)).or_insert_with(|| {
            infos.push((commit.clone(), repository.clone()));
            infos.len() - 1
        })
    };
    let entry_infos: Vec<Option<usize>> = history
        .entries
        .iter()
        .map(|e| e.commit.as_ref().map(|c| info_of(c, &e.repository)))
        .collect();
    let finding_infos: Vec<usize> = history
        .findings
        .iter()
        .map(|f| info_of(&f.commit, &f.repository))
        .collect();
    let repositories = RepositoryTable::of(infos.iter().map(|(_, r)| r.as_ref()));
    repositories.write(&mut w);
    w.uint(infos.len() as u64);
    for (info, repository) in &infos {
        write_commit_info(&mut w, info);
        w.uint(repositories.number(repository.as_ref()));
    }
    // Summaries go in their own section; entries point into it.
    let mut summaries = Writer::default();
    w.uint(history.entries.len() as u64);
    for (entry, info) in history.entries.iter().zip(entry_infos) {
        w.record_id(&entry.id);
        w.uint(info.map_or(0, |i| i as u64 + 1));
        w.opt_oid(entry.blob.as_ref());
        let cell = &entry.summary;
        write_listing(&mut w, &cell.kind, &cell.name, cell.recorded, &cell.agent);
        let start = summaries.buf.len();
        match cell.encoded() {
            // Unchanged since it was loaded from a snapshot: copy, don't decode.
            Some(bytes) => summaries.buf.extend_from_slice(bytes),
            None => write_summary(&mut summaries, cell),
        }
        w.uint(start as u64);
        w.uint((summaries.buf.len() - start) as u64);
    }
    w.uint(history.findings.len() as u64);
    for (finding, info) in history.findings.iter().zip(finding_infos) {
        write_finding(&mut w, finding, info);
    }
    let head = w.buf;
    let head_len = (head.len() as u64).to_le_bytes();
    let mut checksum = Checksum::new();
    checksum.update(&head_len);
    checksum.update(&head);
    checksum.update_parallel(&summaries.buf);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::cache::write_parts_atomically(
        path,
        &[
            MAGIC,
            checksum.finalize().as_bytes(),
            &head_len,
            &head,
            &summaries.buf,
        ],
        false,
    )
}

/// The repositories records were attributed to, each once, numbered from
/// 1 (0: this repository's).
#[derive(Default)]
pub(crate) struct RepositoryTable {
    list: Vec<Arc<Repository>>,
}

impl RepositoryTable {
    /// The distinct repositories of `all`, in the order first met.
    pub(crate) fn of<'a>(all: impl Iterator<Item = Option<&'a Arc<Repository>>>) -> Self {
        let mut table = RepositoryTable::default();
        for repository in all.flatten() {
            if !table.list.iter().any(|r| r == repository) {
                table.list.push(repository.clone());
            }
        }
        table
    }

    /// True when no record was attributed to another repository.
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The number of `repository` (0 for none).
    pub(crate) fn number(&self, repository: Option<&Arc<Repository>>) -> u64 {
        repository
            .and_then(|wanted| self.list.iter().position(|r| r == wanted))
            .map_or(0, |i| i as u64 + 1)
    }

    /// The repository numbered `n`: `Some(None)` for 0, `None` when no
    /// such number was written.
    pub(crate) fn get(&self, n: u64) -> Option<Option<Arc<Repository>>> {
        match n {
            0 => Some(None),
            n => Some(Some(self.list.get(usize::try_from(n - 1).ok()?)?.clone())),
        }
    }

    /// The table in the codec.
    pub(crate) fn write(&self, w: &mut Writer) {
        write_repositories(w, self.list.iter().map(|r| &**r));
    }

    /// Read what [`RepositoryTable::write`] wrote.
    pub(crate) fn read(r: &mut Reader<'_>) -> Option<Self> {
        let list = read_repositories(r)?.into_iter().map(Arc::new).collect();
        Some(RepositoryTable { list })
    }
}

/// A list of repositories (remote name, URL, commit) in the codec.
pub(crate) fn write_repositories<'a>(
    w: &mut Writer,
    list: impl ExactSizeIterator<Item = &'a Repository>,
) {
    w.uint(list.len() as u64);
    for repository in list {
        w.str(&repository.name);
        w.opt_str(repository.url.as_deref());
        w.str(&repository.commit);
    }
}

/// Read what [`write_repositories`] wrote.
pub(crate) fn read_repositories(r: &mut Reader<'_>) -> Option<Vec<Repository>> {
    (0..r.uint()?)
        .map(|_| {
            Some(Repository {
                name: r.str()?,
                url: r.opt_str()?,
                commit: r.str()?,
            })
        })
        .collect()
}

/// The record files [`History::worktree_files`] lists, with their hashes.
pub(crate) fn write_worktree_files(w: &mut Writer, files: &[(String, Option<ContentHash>)]) {
    w.uint(files.len() as u64);
    for (path, hash) in files {
        w.str(path);
        match hash {
            Some(hash) => {
                w.byte(1);
                w.buf.extend_from_slice(hash.as_bytes());
            }
            None => w.byte(0),
        }
    }
}

/// Read what [`write_worktree_files`] wrote.
pub(crate) fn read_worktree_files(
    r: &mut Reader<'_>,
) -> Option<Vec<(String, Option<ContentHash>)>> {
    (0..r.uint()?)
        .map(|_| {
            let path = r.str()?;
            let hash = match r.byte()? {
                0 => None,
                _ => Some(ContentHash::from_bytes(r.take(32)?.try_into().ok()?)),
            };
            Some((path, hash))
        })
        .collect()
}

/// True when every file of [`History::worktree_files`] still has the bytes
/// it had (or is still unreadable): few files, each read and hashed.
pub(crate) fn worktree_files_unchanged(
    root: &Path,
    files: &[(String, Option<ContentHash>)],
) -> bool {
    files.iter().all(|(path, hash)| {
        let now = std::fs::read(root.join(path))
            .ok()
            .map(|bytes| ContentHash::of_bytes(&bytes));
        now == *hash
    })
}

/// A commit as shown beside records and findings, in the codec.
pub(crate) fn write_commit_info(w: &mut Writer, info: &CommitInfo) {
    w.str(&info.id);
    w.str(&info.author.name);
    w.str(&info.author.email);
    w.int(info.date.unix_micros());
    w.str(&info.message);
}

/// Read what [`write_commit_info`] wrote.
pub(crate) fn read_commit_info(r: &mut Reader<'_>) -> Option<CommitInfo> {
    Some(CommitInfo {
        id: r.str()?,
        author: Agent {
            name: r.str()?,
            email: r.str()?,
        },
        date: Timestamp::from_unix_micros(r.int()?),
        message: r.str()?,
    })
}

/// A finding, its commit given as the position `info` in a table of
/// commits the caller keeps.
pub(crate) fn write_finding(w: &mut Writer, finding: &Finding, info: usize) {
    w.byte(finding.kind as u8);
    w.str(&finding.path);
    match &finding.record {
        Some(id) => {
            w.byte(1);
            w.record_id(id);
        }
        None => w.byte(0),
    }
    w.uint(info as u64);
    w.str(&finding.message);
    w.opt_oid(finding.blob.as_ref());
}

/// Read what [`write_finding`] wrote; `info` looks a commit up by position.
pub(crate) fn read_finding(
    r: &mut Reader<'_>,
    mut info: impl FnMut(usize) -> Option<Arc<CommitInfo>>,
) -> Option<Finding> {
    let kind = *FINDING_KINDS.get(usize::from(r.byte()?))?;
    let path = r.str()?;
    let record = match r.byte()? {
        0 => None,
        _ => Some(r.record_id()?),
    };
    let commit = info(usize::try_from(r.uint()?).ok()?)?;
    let message = r.str()?;
    let blob = r.opt_oid()?;
    Some(Finding {
        kind,
        path,
        record,
        commit,
        message,
        blob,
        repository: None,
    })
}

/// The bytes that say what a derived view of history is valid for: the
/// key and, when uncommitted records are included, the worktree state.
pub(crate) fn encode_state(key: &Key, worktree: Option<&WorktreeState>) -> Vec<u8> {
    let mut w = Writer::default();
    write_state(&mut w, key, worktree);
    w.buf
}

/// The key, then the worktree state when there is one.
fn write_state(w: &mut Writer, key: &Key, worktree: Option<&WorktreeState>) {
    write_key(w, key);
    match worktree {
        Some(state) => {
            w.byte(1);
            w.uint(state.len() as u64);
            for (name, time) in state {
                w.str(name);
                w.buf.extend(time.to_le_bytes());
            }
        }
        None => w.byte(0),
    }
}

/// True when two states differ at most in their tips and attribution
/// scope (refs moved): the same selection, shallow boundary and worktree.
pub(crate) fn only_refs_moved(a: &[u8], b: &[u8]) -> bool {
    /// The selection, then what follows the tips.
    fn parts(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let mut r = Reader { buf: bytes };
        let selection = r.byte()?;
        for _ in 0..r.uint()? {
            r.oid()?;
        }
        let shallow = r.take(32)?;
        r.take(32)?;
        Some((selection, shallow, r.buf))
    }
    matches!((parts(a), parts(b)), (Some(a), Some(b)) if a == b)
}

fn write_key(w: &mut Writer, key: &Key) {
    w.byte(key.selection);
    w.uint(key.tips.len() as u64);
    for tip in &key.tips {
        w.oid(tip);
    }
    w.buf.extend(key.shallow);
    w.buf.extend(key.scope);
}

const FINDING_KINDS: [FindingKind; 6] = [
    FindingKind::Edited,
    FindingKind::Deleted,
    FindingKind::Misnamed,
    FindingKind::NotARecord,
    FindingKind::Invalid,
    FindingKind::Unreadable,
];

/// The snapshot at `path` if it was written for `key`. The second value is
/// true when its uncommitted records are still current (the record
/// directories have not changed since); otherwise they were dropped and the
/// caller looks at the worktree again.
pub fn load(
    path: &Path,
    root: &Path,
    key: &Key,
    worktree: Option<&WorktreeState>,
) -> Option<(History, bool)> {
    load_if(path, root, |stored| stored == key, worktree)
        .map(|(history, current, _)| (history, current))
}

/// Like [`load`], for whichever key `accept` approves; also returns the
/// stored key.
pub fn load_if(
    path: &Path,
    root: &Path,
    accept: impl FnOnce(&Key) -> bool,
    worktree: Option<&WorktreeState>,
) -> Option<(History, bool, Key)> {
    let bytes = Arc::new(std::fs::read(path).ok()?);
    let rest = bytes.strip_prefix(MAGIC)?;
    let (checksum, payload) = (rest.get(..32)?, rest.get(32..)?);
    let mut hasher = Checksum::new();
    hasher.update_parallel(payload);
    if hasher.finalize().as_bytes() != checksum {
        return None;
    }
    let head_len = usize::try_from(u64::from_le_bytes(payload.get(..8)?.try_into().ok()?)).ok()?;
    let head = payload.get(8..8usize.checked_add(head_len)?)?;
    // Offsets of summaries are relative to this point of the file.
    let summaries_at = MAGIC.len() + 32 + 8 + head_len;
    let mut r = Reader { buf: head };

    let stored_key = Key {
        selection: r.byte()?,
        tips: (0..r.uint()?).map(|_| r.oid()).collect::<Option<_>>()?,
        shallow: r.take(32)?.try_into().ok()?,
        scope: r.take(32)?.try_into().ok()?,
    };
    if !accept(&stored_key) {
        return None;
    }
    let mut worktree_files = Vec::new();
    let stored_state = match r.byte()? {
        0 => None,
        _ => {
            let mut state = Vec::new();
            for _ in 0..r.uint()? {
                let name = r.str()?;
                let time = i128::from_le_bytes(r.take(16)?.try_into().ok()?);
                state.push((name, time));
            }
            worktree_files = read_worktree_files(&mut r)?;
            Some(state)
        }
    };
    // The directories' times say no file was added or removed; the
    // candidates' bytes say none was edited in place.
    let worktree_current = stored_state.is_some()
        && stored_state.as_ref() == worktree
        && worktree_files_unchanged(root, &worktree_files);
    let commits_total = usize::try_from(r.uint()?).ok()?;
    let latest = match r.byte()? {
        0 => None,
        _ => Some((r.int()?, r.oid()?)),
    };
    let warnings = (0..r.uint()?)
        .map(|_| r.str())
        .collect::<Option<Vec<_>>>()?;

    let count = usize::try_from(r.uint()?).ok()?;
    let mut graph = CommitGraph::with_capacity(count);
    for _ in 0..count {
        let id = r.oid()?;
        let tree = r.opt_oid()?;
        let parents = (0..r.uint()?)
            .map(|_| r.uint().and_then(|p| u32::try_from(p).ok()))
            .collect::<Option<Vec<u32>>>()?;
        if parents.iter().any(|&p| p as usize >= graph.ids.len()) {
            return None;
        }
        graph.push(id, &parents, tree);
    }

    let repositories = RepositoryTable::read(&mut r)?;
    let mut infos = Vec::new();
    let mut info_repositories = Vec::new();
    for _ in 0..r.uint()? {
        infos.push(Arc::new(read_commit_info(&mut r)?));
        info_repositories.push(repositories.get(r.uint()?)?);
    }

    let mut history = History {
        warnings,
        stats: Stats {
            commits: commits_total,
            commits_read: 0,
            blobs_read: 0,
        },
        commits: graph,
        latest,
        ..History::default()
    };
    let entries = usize::try_from(r.uint()?).ok()?;
    history.entries.reserve(entries);
    for _ in 0..entries {
        let id = r.record_id()?;
        let (commit, repository) = match r.uint()? {
            0 => (None, None),
            i => {
                let i = usize::try_from(i - 1).ok()?;
                (
                    Some(infos.get(i)?.clone()),
                    info_repositories.get(i)?.clone(),
                )
            }
        };
        let blob = r.opt_oid()?;
        let (kind, name, recorded, agent) = read_listing(&mut r)?;
        let start = summaries_at.checked_add(usize::try_from(r.uint()?).ok()?)?;
        let end = start.checked_add(usize::try_from(r.uint()?).ok()?)?;
        if end > bytes.len() {
            return None;
        }
        if commit.is_none() && !worktree_current {
            continue;
        }
        history.push(Entry {
            path: crate::store::Store::record_rel_path(&id),
            id,
            commit,
            blob,
            repository,
            summary: SummaryCell::lazy(kind, name, recorded, agent, bytes.clone(), start, end),
        });
    }
    for _ in 0..r.uint()? {
        let mut at = None;
        let mut finding = read_finding(&mut r, |i| {
            at = Some(i);
            infos.get(i).cloned()
        })?;
        finding.repository = info_repositories.get(at?)?.clone();
        history.findings.push(finding);
    }
    if worktree_current {
        history.worktree_files = worktree_files;
    }
    r.buf
        .is_empty()
        .then_some((history, worktree_current, stored_key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tips: &[u8], shallow: u8) -> Key {
        Key {
            selection: 2,
            tips: tips
                .iter()
                .map(|&b| ObjectId::from_bytes_or_panic(&[b; 20]))
                .collect(),
            shallow: [shallow; 32],
            scope: [tips.first().copied().unwrap_or(0); 32],
        }
    }

    #[test]
    fn only_refs_moved_allows_tips_and_scope_to_change_and_nothing_else() {
        let worktree: WorktreeState = vec![(String::new(), 7)];
        let before = encode_state(&key(&[1, 2], 0), Some(&worktree));
        let moved = encode_state(&key(&[3, 2, 4], 0), Some(&worktree));
        assert!(only_refs_moved(&before, &moved));
        let unshallowed = encode_state(&key(&[1, 2], 9), Some(&worktree));
        assert!(!only_refs_moved(&before, &unshallowed));
        let touched: WorktreeState = vec![(String::new(), 8)];
        let edited = encode_state(&key(&[1, 2], 0), Some(&touched));
        assert!(!only_refs_moved(&before, &edited));
        let mut other = key(&[1, 2], 0);
        other.selection = 1;
        assert!(!only_refs_moved(
            &before,
            &encode_state(&other, Some(&worktree))
        ));
        assert!(!only_refs_moved(&before, b"not a state"));
    }
}
