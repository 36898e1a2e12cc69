//! Loading history: [`History::load`] tries the snapshot, then extends it
//! with new commits, then falls back to an indexed walk and assembly; it
//! also adds the worktree's uncommitted records and reads full records.

use gix::ObjectId;
use gix::hashtable::{HashMap, HashSet};

use super::assemble::{Assembler, assemble, order_new_commits};
use super::error::HistoryError;
use super::index::{self, Index};
use super::model::{Entry, History, Stats};
use super::revisions::{
    Revisions, lineage_repositories, replacements_in_effect, resolve_revisions,
};
use super::summary::{Summary, SummaryCell};
use super::walker::Walker;
use super::{snapshot, trace, walk};
use crate::hash::ContentHash;
use crate::record::{Record, RecordId};
use crate::repo::Repo;
use crate::store::Store;

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

impl History {
    /// Load the history of `repo` as `options` select it.
    pub fn load(repo: &Repo, options: &HistoryOptions) -> Result<History, HistoryError> {
        trace::mark("start");
        // Derived files are keyed by commit ids, which replaced objects
        // make lie: with replacements, read git alone (and keep nothing).
        let use_index = options.use_index && !replacements_in_effect(repo);
        let options = &HistoryOptions {
            use_index,
            ..options.clone()
        };
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
                snapshot::load(&snapshot_path, repo.root(), key, worktree.as_ref())
        {
            trace::mark("snapshot loaded");
            if options.worktree && !current {
                history.add_worktree(repo)?;
                let _ = snapshot::save(&snapshot_path, key, worktree.as_ref(), &history);
                trace::mark("worktree read again");
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
        trace::mark("index loaded");
        let mut walker = Walker::new(repo, &mut index)?;
        let reachable = walker.discover(&include)?;
        let hidden: HashSet<ObjectId> = if exclude.is_empty() {
            HashSet::default()
        } else {
            walker.discover(&exclude)?.into_iter().collect()
        };
        trace::mark("discovered");
        walker.fill(reachable.iter().chain(&hidden))?;
        trace::mark("filled");
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
        trace::mark("saved");
        let mut history = assemble(index, &include, &hidden);
        trace::mark("assembled");
        if let Revisions::Lineage { base, remotes } = &options.revisions {
            let (local, _) = resolve_revisions(repo, base)?;
            history.attribute(&local, &lineage_repositories(repo, remotes)?);
            trace::mark("attributed");
        }
        history.warnings = warnings;
        history.stats = stats;
        // A revision range is about commits; the worktree belongs to HEAD.
        if options.worktree && options.revisions.includes_worktree() {
            history.add_worktree(repo)?;
        }
        trace::mark("worktree");
        if let Some(key) = key.as_ref().filter(|_| history.snapshot_worthy()) {
            // Derived data, like the index: a failed save only costs speed.
            let state = worktree.as_ref().filter(|_| options.worktree);
            let _ = snapshot::save(&snapshot_path, key, state, &history);
            trace::mark("snapshot saved");
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
            repo.root(),
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
        trace::mark("snapshot to extend loaded");
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
        trace::mark("new commits read");
        let mut assembler = Assembler::resume(base);
        trace::mark("resumed");
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
        trace::mark("worktree");
        if history.snapshot_worthy() {
            let _ = snapshot::save(&path, key, worktree.filter(|_| options.worktree), &history);
        }
        trace::mark("snapshot extended");
        Ok(Some(history))
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
                let Some(id) = shard_name
                    .to_str()
                    .zip(file.file_name().to_str())
                    .and_then(|(shard, name)| Store::record_id_named(shard, name))
                else {
                    continue;
                };
                if self.get(&id).is_none() {
                    uncommitted.push(id);
                }
            }
        }
        let mut entries = Vec::new();
        self.worktree_files.clear();
        for id in uncommitted {
            let path = Store::record_rel_path(&id);
            // Files that do not hash to their name or do not parse are
            // `verify`'s findings; history only carries valid records.
            let Ok(bytes) = std::fs::read(repo.root().join(&path)) else {
                self.worktree_files.push((path, None));
                continue;
            };
            self.worktree_files
                .push((path.clone(), Some(ContentHash::of_bytes(&bytes))));
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
                repository: None,
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

/// What `History::load(repo, options)` would be answered from: the tips of
/// the selected refs, the shallow boundary and, with `worktree`, the
/// modification times of the record directories. Equal states mean an
/// equal history, so a derived view of it (the catalog) may be reused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateKey {
    /// The state as bytes, to compare with a stored one.
    pub bytes: Vec<u8>,
    /// Record directories (repository-relative) whose time is too recent
    /// to prove that no file was added in the same tick, with their file
    /// names (sorted) as listed before history was read: a view made now
    /// keeps them, and its reader compares them with [`file_names`].
    pub racy: Vec<(String, Vec<String>)>,
}

/// The sorted names of the files in `dir` (none when it cannot be read).
pub fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The [`StateKey`] of `History::load(repo, options)`; `None` when no
/// derived view applies (a revision range, or `use_index` off).
pub fn state_key(repo: &Repo, options: &HistoryOptions) -> Result<Option<StateKey>, HistoryError> {
    if !options.use_index || replacements_in_effect(repo) {
        return Ok(None);
    }
    let (include, exclude) = resolve_revisions(repo, &options.revisions)?;
    if !exclude.is_empty() {
        return Ok(None);
    }
    let Some(key) = snapshot_key(repo, &options.revisions, &include) else {
        return Ok(None);
    };
    if !options.worktree {
        return Ok(Some(StateKey {
            bytes: snapshot::encode_state(&key, None),
            racy: Vec::new(),
        }));
    }
    let records = Store::new(repo.root()).records_dir();
    let records_rel = records
        .strip_prefix(repo.root())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(
        snapshot::worktree_times(&records).map(|(state, racy)| StateKey {
            bytes: snapshot::encode_state(&key, Some(&state)),
            racy: racy
                .into_iter()
                .map(|dir| {
                    let rel = match dir.is_empty() {
                        true => records_rel.clone(),
                        false => format!("{records_rel}/{dir}"),
                    };
                    let names = file_names(&repo.root().join(&rel));
                    (rel, names)
                })
                .collect(),
        }),
    )
}

/// The snapshot key of a HEAD or --all load.
fn snapshot_key(repo: &Repo, revisions: &Revisions, include: &[ObjectId]) -> Option<snapshot::Key> {
    let selection = match revisions {
        Revisions::Head => 0,
        Revisions::All => 1,
        // Neither a range nor other repositories' lineage is kept.
        Revisions::Specs(_) | Revisions::Lineage { .. } => return None,
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
        shallow: *ContentHash::of_bytes(&shallow).as_bytes(),
    })
}
