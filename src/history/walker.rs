//! The history walk: find the commits reachable from the selected tips,
//! reading from git only those the index does not know, then diff their
//! record trees and read the record blobs they added, on all cores, filling
//! the index.

use gix::ObjectId;
use gix::hashtable::{HashMap, HashSet};

use super::error::HistoryError;
use super::index::{CommitData, Index};
use super::{trace, walk};
use crate::repo::Repo;
use crate::store::Store;

/// Walks commits, consulting and filling the index.
pub(super) struct Walker<'a> {
    repo: &'a Repo,
    index: &'a mut Index,
    shallow: HashSet<ObjectId>,
    /// Commits read in this run whose trees are not diffed yet, with their root tree.
    pending: Vec<(ObjectId, ObjectId)>,
    pub(super) pending_data: HashMap<ObjectId, CommitData>,
    pub(super) missing: Vec<ObjectId>,
    boundary_seen: bool,
    /// Commits already assembled (a snapshot being extended), with their
    /// records trees: the walk stops at them.
    pub(super) known: HashMap<ObjectId, Option<ObjectId>>,
    /// With a floor (committer time, id), the walk stops at any commit
    /// not above it and sets `below_floor`: extending a view whose newest
    /// commit is the floor, such a commit is old or out of order.
    pub(super) floor: Option<(i64, ObjectId)>,
    pub(super) below_floor: bool,
    pub(super) commits_read: usize,
    pub(super) blobs_read: usize,
}

impl<'a> Walker<'a> {
    pub(super) fn new(repo: &'a Repo, index: &'a mut Index) -> Result<Walker<'a>, HistoryError> {
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
            floor: None,
            below_floor: false,
            commits_read: 0,
            blobs_read: 0,
        })
    }

    /// Every commit reachable from `tips`, reading the ones the index does
    /// not know. Missing commits are noted and treated as absent.
    pub(super) fn discover(&mut self, tips: &[ObjectId]) -> Result<Vec<ObjectId>, HistoryError> {
        let mut reachable = Vec::new();
        let mut seen: HashSet<ObjectId> = HashSet::default();
        let mut stack: Vec<ObjectId> = tips.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) || self.known.contains_key(&id) {
                continue;
            }
            let is_boundary = self.shallow.contains(&id);
            let (parents, time) = if let Some(data) = self.pending_data.get(&id) {
                (data.parents.clone(), data.time)
            } else if let Some(data) = self
                .index
                .commits
                .get(&id)
                .filter(|data| data.boundary == is_boundary)
            {
                (data.parents.clone(), data.time)
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
                let time = raw.data.time;
                self.pending.push((id, raw.tree));
                self.pending_data.insert(id, raw.data);
                (parents, time)
            };
            if self.floor.is_some_and(|floor| (time, id) <= floor) {
                self.below_floor = true;
                continue;
            }
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
    pub(super) fn fill<'i>(
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
        trace::mark("diffs done");
        Ok(())
    }

    /// What the user should know once: a shallow boundary, missing commits.
    pub(super) fn warnings(&self) -> Vec<String> {
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
