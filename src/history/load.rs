//! Loading history: [`History::load`] tries the snapshot, then extends it
//! with new commits, then falls back to an indexed walk and assembly; it
//! also adds the worktree's uncommitted records and reads full records.

use std::sync::Arc;

use gix::ObjectId;
use gix::hashtable::{HashMap, HashSet};

use super::assemble::{Assembler, assemble, order_new_commits};
use super::error::HistoryError;
use super::index::{self, Index};
use super::model::{Entry, History, Repository, Stats};
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
        // A revision range is about commits; the worktree belongs to HEAD.
        let worktree = options.worktree && options.revisions.includes_worktree();
        let options = &HistoryOptions {
            use_index,
            worktree,
            ..options.clone()
        };
        let (include, exclude) = resolve_revisions(repo, &options.revisions)?;
        let scope = lineage_scope(repo, &options.revisions)?;
        // HEAD, --all and lineage-remote loads are snapshotted: repeating
        // one with no ref moved reads one file instead of walking anything.
        let snapshot_path = snapshot::path_for(
            &repo.cache_dir(),
            &view_name(&options.revisions).unwrap_or_default(),
        );
        let key = (options.use_index && exclude.is_empty())
            .then(|| snapshot_key(repo, &options.revisions, &include, scope.as_ref()))
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
            && let Some(history) = Self::extend_snapshot(
                repo,
                options,
                &snapshot_path,
                key,
                worktree.as_ref(),
                scope.as_ref(),
            )?
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
        if let Some(scope) = &scope {
            history.attribute(&scope.local, &scope.repositories);
            trace::mark("attributed");
        }
        history.warnings = warnings;
        history.stats = stats;
        if options.worktree {
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

    /// The refs moved forward from the snapshot's commits (new commits on
    /// top of them): read only the new commits and assemble them after the
    /// snapshot's, which gives exactly what a full walk would. That holds
    /// when every old tip is still reached and a full walk would place all
    /// new commits after all old ones: they descend from the one old tip
    /// (HEAD moved forward), or each is newer (committer time, then id)
    /// than every old commit (a fetched remote moved forward). `None` when
    /// the snapshot does not apply (another selection, a ref moved
    /// sideways or back, or so many new commits that a full walk is as
    /// cheap).
    fn extend_snapshot(
        repo: &Repo,
        options: &HistoryOptions,
        path: &std::path::Path,
        key: &snapshot::Key,
        worktree: Option<&snapshot::WorktreeState>,
        scope: Option<&LineageScope>,
    ) -> Result<Option<History>, HistoryError> {
        /// Beyond this many new commits a full (indexed) walk is used.
        const MAX_NEW_COMMITS: usize = 10_000;
        let Some((base, _, old_key)) = snapshot::load_if(
            path,
            repo.root(),
            |stored| {
                stored.selection == key.selection
                    && key.selection != 1
                    && stored.shallow == key.shallow
            },
            None,
        ) else {
            return Ok(None);
        };
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
        let parents_of = |id: &ObjectId| {
            walker
                .pending_data
                .get(id)
                .map(|d| d.parents.clone())
                .unwrap_or_default()
        };
        let time_of = |id: &ObjectId| walker.pending_data.get(id).map_or(0, |d| d.time);
        let new_set: HashSet<ObjectId> = new.iter().copied().collect();
        let order = order_new_commits(&new, &new_set, &parents_of, time_of);
        let from_old_tip = |old_tip: ObjectId| {
            let mut descends: HashMap<ObjectId, bool> = HashMap::default();
            order.iter().all(|id| {
                let from_old = parents_of(id)
                    .iter()
                    .any(|p| *p == old_tip || descends.get(p).copied().unwrap_or(false));
                descends.insert(*id, from_old);
                from_old
            })
        };
        let after_all_old = || {
            new.iter()
                .all(|id| base.latest.is_none_or(|latest| (time_of(id), *id) > latest))
                && old_tips_reached(&base, &old_key.tips, &key.tips, &new, &parents_of)
        };
        let extends = match old_key.tips.as_slice() {
            [old_tip] if from_old_tip(*old_tip) => true,
            _ => after_all_old(),
        };
        if !extends {
            return Ok(None);
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
        if let Some(scope) = scope {
            history.attribute(&scope.local, &scope.repositories);
            trace::mark("attributed");
        }
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
            let _ = snapshot::save(path, key, worktree.filter(|_| options.worktree), &history);
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
    /// The name of the selection's derived files ([`view_name`]).
    pub view: String,
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
    let scope = lineage_scope(repo, &options.revisions)?;
    let (Some(key), Some(view)) = (
        snapshot_key(repo, &options.revisions, &include, scope.as_ref()),
        view_name(&options.revisions),
    ) else {
        return Ok(None);
    };
    // As `History::load` reads it: the worktree belongs to HEAD.
    if !options.worktree || !options.revisions.includes_worktree() {
        return Ok(Some(StateKey {
            bytes: snapshot::encode_state(&key, None),
            racy: Vec::new(),
            view,
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
            view,
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

/// What the repository attribution of a lineage-remote load depends on:
/// this repository's tips and the fetched refs, each with its remote's
/// name and URL.
pub(super) struct LineageScope {
    pub(super) local: Vec<ObjectId>,
    pub(super) repositories: Vec<Arc<Repository>>,
}

/// The [`LineageScope`] of a `Revisions::Lineage` load (`None` for others).
pub(super) fn lineage_scope(
    repo: &Repo,
    revisions: &Revisions,
) -> Result<Option<LineageScope>, HistoryError> {
    let Revisions::Lineage { base, remotes } = revisions else {
        return Ok(None);
    };
    let (mut local, _) = resolve_revisions(repo, base)?;
    local.sort();
    Ok(Some(LineageScope {
        local,
        repositories: lineage_repositories(repo, remotes)?,
    }))
}

/// The name of the derived files of a selection: `""` for HEAD and
/// `--all` (which share theirs), `remotes-<16 hex>` for a lineage-remote
/// selection (a hash of its base and remote names: each selection keeps
/// its own, so asking about one remote does not evict all of them), `None`
/// for revision ranges, which have none.
pub fn view_name(revisions: &Revisions) -> Option<String> {
    fn describe(revisions: &Revisions, out: &mut Vec<u8>) -> Option<()> {
        match revisions {
            Revisions::Head => out.push(0),
            Revisions::All => out.push(1),
            Revisions::Specs(specs) => {
                out.push(2);
                for spec in specs {
                    out.extend(spec.as_bytes());
                    out.push(0);
                }
            }
            Revisions::Lineage { .. } => return None,
        }
        Some(())
    }
    match revisions {
        Revisions::Head | Revisions::All => Some(String::new()),
        Revisions::Specs(_) => None,
        Revisions::Lineage { base, remotes } => {
            let mut bytes = Vec::new();
            describe(base, &mut bytes)?;
            let mut names: Vec<&String> = remotes.iter().collect();
            names.sort();
            names.dedup();
            for name in names {
                bytes.push(0xff);
                bytes.extend(name.as_bytes());
            }
            let hex = ContentHash::of_bytes(&bytes).to_hex();
            Some(format!("remotes-{}", &hex[..16]))
        }
    }
}

/// The snapshot key of a HEAD, --all or lineage-remote load.
fn snapshot_key(
    repo: &Repo,
    revisions: &Revisions,
    include: &[ObjectId],
    scope: Option<&LineageScope>,
) -> Option<snapshot::Key> {
    let (selection, scope) = match (revisions, scope) {
        (Revisions::Head, _) => (0, [0; 32]),
        (Revisions::All, _) => (1, [0; 32]),
        (Revisions::Lineage { .. }, Some(scope)) => {
            view_name(revisions)?;
            let mut bytes = Vec::new();
            for tip in &scope.local {
                bytes.extend(tip.as_bytes());
            }
            for repository in &scope.repositories {
                for field in [
                    repository.name.as_str(),
                    repository.url.as_deref().unwrap_or("\0"),
                    repository.commit.as_str(),
                ] {
                    bytes.push(0xff);
                    bytes.extend(field.as_bytes());
                }
            }
            (2, *ContentHash::of_bytes(&bytes).as_bytes())
        }
        // A range is not kept.
        _ => return None,
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
        scope,
    })
}

/// True when every commit of `old_tips` is reached from `tips` through the
/// `new` commits (whose parents `parents_of` gives) and `base`'s graph:
/// no ref of the old selection moved back or went away.
fn old_tips_reached(
    base: &History,
    old_tips: &[ObjectId],
    tips: &[ObjectId],
    new: &[ObjectId],
    parents_of: &dyn Fn(&ObjectId) -> Vec<ObjectId>,
) -> bool {
    let graph = &base.commits;
    let position: HashMap<ObjectId, usize> = graph
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let mut reached = vec![false; graph.ids.len()];
    let entry_points = tips.iter().copied().chain(new.iter().flat_map(parents_of));
    for id in entry_points {
        if let Some(&i) = position.get(&id) {
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
    old_tips
        .iter()
        .all(|tip| position.get(tip).is_some_and(|&i| reached[i]))
}
