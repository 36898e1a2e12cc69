//! Reading git objects for the history walk: commits, the `.lineage/records`
//! subtree of each commit, the diff of two such subtrees (skipping equal
//! subtrees by id), and record blobs. Work on many commits is spread over all
//! cores, each thread with its own repository handle.

use std::collections::HashMap;
use std::path::Path;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::objs::Find;
use rayon::prelude::*;

use super::index::{BlobData, Change, CommitData};
use super::model::Summary;
use crate::record::{Agent, Record, RecordId};

/// The directory holding record files, as a path inside a commit's tree.
pub const RECORDS_TREE: [&str; 2] = [".lineage", "records"];

/// Object cache per repository handle: trees and commits read twice in a
/// row (a commit's subtree is its child's parent subtree) stay decoded.
const OBJECT_CACHE_BYTES: usize = 64 * 1024 * 1024;

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
    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
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

fn commit_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One entry of a decoded tree.
#[derive(Clone)]
struct TreeEntry {
    name: Vec<u8>,
    is_tree: bool,
    is_link: bool,
    id: ObjectId,
}

/// Decoded trees, so a subtree shared by consecutive commits is parsed once.
#[derive(Default)]
pub struct TreeMemo {
    trees: HashMap<ObjectId, std::sync::Arc<Vec<TreeEntry>>>,
}

impl TreeMemo {
    const LIMIT: usize = 4096;

    fn get(
        &mut self,
        repo: &gix::Repository,
        id: ObjectId,
    ) -> Result<std::sync::Arc<Vec<TreeEntry>>, String> {
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
        let mut entries = Vec::new();
        for entry in gix::objs::TreeRefIter::from_bytes(data.data, id.kind()) {
            let entry = entry.map_err(|e| format!("tree {id} cannot be parsed: {e}"))?;
            entries.push(TreeEntry {
                name: entry.filename.to_vec(),
                is_tree: entry.mode.is_tree(),
                is_link: entry.mode.is_link(),
                id: entry.oid.to_owned(),
            });
        }
        let entries = std::sync::Arc::new(entries);
        if self.trees.len() >= Self::LIMIT {
            self.trees.clear();
        }
        self.trees.insert(id, entries.clone());
        Ok(entries)
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
            match tree
                .iter()
                .find(|e| e.is_tree && e.name.as_slice() == component.as_bytes())
            {
                Some(entry) => current = entry.id,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }

    /// Every file that differs between two records trees, with paths
    /// relative to `.lineage/records/`. Subtrees with equal ids are skipped.
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
        let empty = std::sync::Arc::new(Vec::new());
        let old_entries = match old {
            Some(id) => self.get(repo, id)?,
            None => empty.clone(),
        };
        let new_entries = match new {
            Some(id) => self.get(repo, id)?,
            None => empty,
        };
        // Both lists are in git's tree order; merging on (name, kind) keeps
        // that order for equal kinds, and a path that changes kind shows as a
        // deletion plus an addition.
        let key = |e: &TreeEntry| (e.name.clone(), e.is_tree);
        let mut old_map: HashMap<(Vec<u8>, bool), ObjectId> =
            old_entries.iter().map(|e| (key(e), e.id)).collect();
        for entry in new_entries.iter() {
            let before = old_map.remove(&key(entry));
            if before == Some(entry.id) {
                continue;
            }
            let path = join(prefix, &entry.name);
            if entry.is_tree {
                self.diff_into(repo, before, Some(entry.id), &path, out)?;
            } else {
                out.push(Change {
                    path,
                    old: before,
                    new: Some(entry.id),
                });
            }
        }
        let mut removed: Vec<_> = old_map.into_iter().collect();
        removed.sort();
        for ((name, is_tree), id) in removed {
            let path = join(prefix, &name);
            if is_tree {
                self.diff_into(repo, Some(id), None, &path, out)?;
            } else {
                out.push(Change {
                    path,
                    old: Some(id),
                    new: None,
                });
            }
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
        let entries = self.get(repo, tree)?;
        for entry in entries.iter() {
            let path = join(prefix, &entry.name);
            if crate::hash::is_ignored(ignore, Path::new(&path)) {
                continue;
            }
            if entry.is_tree {
                self.listing(repo, entry.id, &path, ignore, out)?;
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
/// it is not a valid record.
pub fn read_blob(repo: &gix::Repository, id: ObjectId) -> BlobData {
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
