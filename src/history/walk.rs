//! Reading git objects for the history walk: commits, the `.lineage/records`
//! subtree of each commit, the diff of two such subtrees (skipping equal
//! subtrees by id), and record blobs. Work on many commits is spread over all
//! cores, each thread with its own repository handle.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::Find;
use rayon::prelude::*;

use super::index::{BlobData, Change, CommitData};
use super::model::CommitInfo;
use super::summary::Summary;
use crate::record::{Agent, Record, RecordId};

/// The directory holding record files, as a path inside a commit's tree.
pub const RECORDS_TREE: [&str; 2] = [".lineage", "records"];

/// A commit as read in the discovery phase, before its tree is looked at.
pub struct RawCommit {
    /// Its root tree.
    pub tree: ObjectId,
    /// What is cached about it once its diff is known.
    pub data: CommitData,
}

/// Open a thread-local handle on the repository at `git_dir`.
pub fn open(git_dir: &Path) -> Result<gix::Repository, String> {
    let mut repo = gix::open(git_dir).map_err(|e| e.to_string())?;
    crate::repo::tune_object_cache(&mut repo);
    Ok(repo)
}

/// Read one commit: parents, author, committer time and message summary.
/// `Ok(None)` when the object is missing.
pub fn read_commit(repo: &gix::Repository, id: ObjectId) -> Result<Option<RawCommit>, String> {
    let mut buf = Vec::new();
    let Some(data) = repo
        .objects
        .try_find(&id, &mut buf)
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    if data.kind != gix::objs::Kind::Commit {
        return Err(format!("{id} is a {}, not a commit", data.kind));
    }
    let commit = gix::objs::CommitRef::from_bytes(data.data, id.kind())
        .map_err(|e| format!("commit {id} cannot be parsed: {e}"))?;
    let author = commit
        .author()
        .map_err(|e| format!("commit {id} has a malformed author: {e}"))?;
    let committer = commit
        .committer()
        .map_err(|e| format!("commit {id} has a malformed committer: {e}"))?;
    Ok(Some(RawCommit {
        tree: commit.tree(),
        data: CommitData {
            parents: commit.parents().collect(),
            boundary: false,
            records_tree: None,
            author: Agent {
                name: commit_text(author.name.trim()),
                email: commit_text(author.email.trim()),
            },
            time: committer.seconds(),
            message: commit_text(commit.message().summary().as_ref()),
            changes: Vec::new(),
            problem: None,
        },
    }))
}

/// The commit `id` as shown beside records (author, committer time, subject).
pub fn commit_info(repo: &gix::Repository, id: ObjectId) -> Result<CommitInfo, String> {
    let raw = read_commit(repo, id)?
        .ok_or_else(|| format!("commit {id} is missing from the object database"))?;
    let data = raw.data;
    Ok(CommitInfo::new(id, data.author, data.time, data.message))
}

fn commit_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Raw tree objects, so a subtree shared by consecutive commits is read
/// (and its delta chain inflated) once.
#[derive(Default)]
pub struct TreeMemo {
    trees: HashMap<ObjectId, Arc<[u8]>>,
}

/// One entry of a tree, borrowed from its raw bytes.
struct TreeEntry<'a> {
    name: &'a [u8],
    is_tree: bool,
    is_link: bool,
    is_gitlink: bool,
    id: ObjectId,
}

fn entries(id: ObjectId, data: &[u8]) -> impl Iterator<Item = Result<TreeEntry<'_>, String>> {
    gix::objs::TreeRefIter::from_bytes(data, id.kind()).map(move |entry| {
        entry
            .map(|e| TreeEntry {
                name: e.filename.as_ref(),
                is_tree: e.mode.is_tree(),
                is_link: e.mode.is_link(),
                is_gitlink: e.mode.is_commit(),
                id: e.oid.to_owned(),
            })
            .map_err(|e| format!("tree {id} cannot be parsed: {e}"))
    })
}

/// Git's tree order: names compared bytewise, a tree's name as if it ended in `/`.
fn tree_order(a: &TreeEntry<'_>, b: &TreeEntry<'_>) -> Ordering {
    let common = a.name.len().min(b.name.len());
    match a.name[..common].cmp(&b.name[..common]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |e: &TreeEntry<'_>| {
        e.name
            .get(common)
            .copied()
            .or(e.is_tree.then_some(b'/'))
            .unwrap_or(0)
    };
    next(a).cmp(&next(b)).then(a.is_tree.cmp(&b.is_tree))
}

impl TreeMemo {
    const LIMIT: usize = 4096;

    fn get(&mut self, repo: &gix::Repository, id: ObjectId) -> Result<Arc<[u8]>, String> {
        if let Some(tree) = self.trees.get(&id) {
            return Ok(tree.clone());
        }
        let mut buf = Vec::new();
        let data = repo
            .objects
            .try_find(&id, &mut buf)
            .map_err(|e| format!("tree {id} cannot be read: {e}"))?
            .ok_or_else(|| format!("tree {id} is missing from the object database"))?;
        if data.kind != gix::objs::Kind::Tree {
            return Err(format!("{id} is a {}, not a tree", data.kind));
        }
        let bytes: Arc<[u8]> = Arc::from(data.data);
        if self.trees.len() >= Self::LIMIT {
            self.trees.clear();
        }
        self.trees.insert(id, bytes.clone());
        Ok(bytes)
    }

    /// The id of the `.lineage/records` tree below the root tree `root`.
    pub fn records_tree(
        &mut self,
        repo: &gix::Repository,
        root: ObjectId,
    ) -> Result<Option<ObjectId>, String> {
        let mut current = root;
        for component in RECORDS_TREE {
            let tree = self.get(repo, current)?;
            let mut found = None;
            for entry in entries(current, &tree) {
                let entry = entry?;
                if entry.is_tree && entry.name == component.as_bytes() {
                    found = Some(entry.id);
                    break;
                }
            }
            match found {
                Some(id) => current = id,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// Every file that differs between two records trees, with paths
    /// relative to `.lineage/records/`. Subtrees with equal ids are skipped;
    /// the rest are merged in git's tree order, without allocating entries.
    pub fn diff(
        &mut self,
        repo: &gix::Repository,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
    ) -> Result<Vec<Change>, String> {
        let mut changes = Vec::new();
        self.diff_into(repo, old, new, "", &mut changes)?;
        Ok(changes)
    }

    fn diff_into(
        &mut self,
        repo: &gix::Repository,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
        prefix: &str,
        out: &mut Vec<Change>,
    ) -> Result<(), String> {
        if old == new {
            return Ok(());
        }
        let empty: Arc<[u8]> = Arc::from(&[][..]);
        let old_bytes = match old {
            Some(id) => self.get(repo, id)?,
            None => empty.clone(),
        };
        let new_bytes = match new {
            Some(id) => self.get(repo, id)?,
            None => empty,
        };
        let kind_of =
            |id: Option<ObjectId>| id.unwrap_or_else(|| ObjectId::null(gix::hash::Kind::Sha1));
        let mut before = entries(kind_of(old), &old_bytes).peekable();
        let mut after = entries(kind_of(new), &new_bytes).peekable();
        // Subtrees to descend into after this level, so the iterators'
        // borrows of the memo's bytes end first.
        let mut descend: Vec<(Option<ObjectId>, Option<ObjectId>, String)> = Vec::new();
        loop {
            let order = match (before.peek(), after.peek()) {
                (None, None) => break,
                (Some(Err(_)), _) => {
                    return Err(before.next().and_then(Result::err).unwrap_or_default());
                }
                (_, Some(Err(_))) => {
                    return Err(after.next().and_then(Result::err).unwrap_or_default());
                }
                (Some(Ok(_)), None) => Ordering::Less,
                (None, Some(Ok(_))) => Ordering::Greater,
                (Some(Ok(a)), Some(Ok(b))) => tree_order(a, b),
            };
            let (gone, came) = match order {
                Ordering::Less => (before.next(), None),
                Ordering::Greater => (None, after.next()),
                Ordering::Equal => (before.next(), after.next()),
            };
            let gone = gone.transpose()?;
            let came = came.transpose()?;
            if let (Some(a), Some(b)) = (&gone, &came)
                && a.id == b.id
            {
                continue;
            }
            let Some(entry) = came.as_ref().or(gone.as_ref()) else {
                continue;
            };
            let path = join(prefix, entry.name);
            if entry.is_tree {
                descend.push((gone.map(|e| e.id), came.map(|e| e.id), path));
            } else {
                out.push(Change {
                    path,
                    old: gone.map(|e| e.id),
                    new: came.map(|e| e.id),
                });
            }
        }
        drop(before);
        drop(after);
        for (old, new, path) in descend {
            self.diff_into(repo, old, new, &path, out)?;
        }
        Ok(())
    }
}

impl TreeMemo {
    /// The canonical listing entries of the files and symlinks below a
    /// tree (paths relative to it), skipping what `ignore` matches.
    pub fn listing(
        &mut self,
        repo: &gix::Repository,
        tree: ObjectId,
        prefix: &str,
        ignore: &globset::GlobSet,
        out: &mut Vec<crate::hash::ListingEntry>,
    ) -> Result<(), String> {
        use crate::hash::{ContentHash, ListingEntry, ListingKind};
        let bytes = self.get(repo, tree)?;
        let mut subtrees = Vec::new();
        for entry in entries(tree, &bytes) {
            let entry = entry?;
            let path = join(prefix, entry.name);
            // Submodules are not part of a directory's content hash.
            if entry.is_gitlink || crate::hash::is_ignored(ignore, Path::new(&path)) {
                continue;
            }
            if entry.is_tree {
                subtrees.push((entry.id, path));
                continue;
            }
            let bytes = blob_bytes(repo, entry.id)?;
            out.push(ListingEntry {
                path: path.into_bytes(),
                hash: ContentHash::of_bytes(&bytes),
                kind: if entry.is_link {
                    ListingKind::Symlink
                } else {
                    ListingKind::File {
                        size: bytes.len() as u64,
                    }
                },
            });
        }
        for (id, path) in subtrees {
            self.listing(repo, id, &path, ignore, out)?;
        }
        Ok(())
    }
}

fn join(prefix: &str, name: &[u8]) -> String {
    let name = name.to_str_lossy();
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// Run `work` over `items` on all cores, each thread with its own
/// repository handle and tree memo. Items are processed in contiguous runs,
/// so neighbouring commits (which share most subtrees) meet the same memo.
pub fn par_with_repo<T, R>(
    git_dir: &Path,
    items: &[T],
    work: impl Fn(&gix::Repository, &mut TreeMemo, &T) -> R + Sync + Send,
) -> Result<Vec<R>, String>
where
    T: Sync,
    R: Send,
{
    let threads = rayon::current_num_threads().max(1);
    let chunk = items.len().div_ceil(threads).max(64);
    let results: Vec<Result<Vec<R>, String>> = items
        .par_chunks(chunk)
        .map(|run| {
            let repo = open(git_dir)?;
            let mut memo = TreeMemo::default();
            Ok(run
                .iter()
                .map(|item| work(&repo, &mut memo, item))
                .collect())
        })
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for result in results {
        out.extend(result?);
    }
    Ok(out)
}

/// Read a record blob and parse it: its content id, and its summary or why
/// it is not a valid record. When the worktree file `worktree` holds the
/// same bytes (its git blob id matches), it is read instead: a plain file
/// read is much cheaper than inflating a delta chain from a pack.
pub fn read_blob(repo: &gix::Repository, id: ObjectId, worktree: Option<&Path>) -> BlobData {
    if let Some(bytes) = worktree.and_then(|path| std::fs::read(path).ok())
        && gix::objs::compute_hash(id.kind(), gix::objs::Kind::Blob, &bytes).ok() == Some(id)
    {
        return parse_record_bytes(&bytes);
    }
    let mut buf = Vec::new();
    let data = match repo.objects.try_find(&id, &mut buf) {
        Ok(Some(data)) if data.kind == gix::objs::Kind::Blob => data,
        Ok(Some(data)) => {
            return BlobData::Unreadable(format!("{id} is a {}, not a blob", data.kind));
        }
        Ok(None) => {
            return BlobData::Unreadable(format!("blob {id} is missing from the object database"));
        }
        Err(e) => return BlobData::Unreadable(format!("blob {id} cannot be read: {e}")),
    };
    parse_record_bytes(data.data)
}

/// The content id of record bytes and their summary (or why they are invalid).
pub fn parse_record_bytes(bytes: &[u8]) -> BlobData {
    let content = RecordId::of_bytes(bytes);
    match Record::parse(bytes) {
        Ok(record) => BlobData::Record {
            content,
            summary: Box::new(Summary::of(&record)),
        },
        Err(e) => BlobData::Invalid {
            content,
            message: e.to_string(),
        },
    }
}

/// The bytes of a blob.
pub fn blob_bytes(repo: &gix::Repository, id: ObjectId) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    match repo.objects.try_find(&id, &mut buf) {
        Ok(Some(data)) if data.kind == gix::objs::Kind::Blob => Ok(data.data.to_vec()),
        Ok(Some(data)) => Err(format!("{id} is a {}, not a blob", data.kind)),
        Ok(None) => Err(format!("blob {id} is missing from the object database")),
        Err(e) => Err(format!("blob {id} cannot be read: {e}")),
    }
}
