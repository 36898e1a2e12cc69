//! The commits a lineage-remote selection gained since a derived view of it
//! was made: when fetched refs only moved forward, each onto commits newer
//! than every commit the view holds, those commits alone are read and
//! assembled, so the view is extended instead of rebuilt.

use std::collections::HashSet as StdHashSet;
use std::sync::Arc;

use gix::ObjectId;
use gix::hashtable::{HashMap, HashSet};

use super::assemble::{Assembler, order_indexed, record_id_of_path};
use super::error::HistoryError;
use super::index::Index;
use super::load::{HistoryOptions, lineage_scope};
use super::model::{FindingKind, History, Repository};
use super::revisions::{Revisions, replacements_in_effect, resolve_revisions};
use super::walker::Walker;
use super::{trace, walk};
use crate::record::RecordId;
use crate::repo::Repo;

/// Where the history of a derived view of a lineage-remote selection
/// stood: its newest commit, this repository's tips and each fetched ref.
/// The view keeps it so that it can be extended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewPoint {
    latest: Option<(i64, ObjectId)>,
    local: Vec<ObjectId>,
    repositories: Vec<Repository>,
}

impl ViewPoint {
    /// Where `history`, loaded with `options`, stands; `None` unless
    /// `options` select lineage remotes.
    pub fn of(
        repo: &Repo,
        options: &HistoryOptions,
        history: &History,
    ) -> Result<Option<ViewPoint>, HistoryError> {
        Ok(
            lineage_scope(repo, &options.revisions)?.map(|scope| ViewPoint {
                latest: history.latest,
                local: scope.local,
                repositories: scope.repositories.iter().map(|r| (**r).clone()).collect(),
            }),
        )
    }

    /// Each fetched ref then: its remote's name, URL and commit, in the
    /// order attribution reads them.
    pub fn repositories(&self) -> &[Repository] {
        &self.repositories
    }

    /// Write it with the codec of derived files.
    pub(crate) fn write(&self, w: &mut super::codec::Writer) {
        match self.latest {
            Some((time, id)) => {
                w.byte(1);
                w.int(time);
                w.oid(&id);
            }
            None => w.byte(0),
        }
        w.uint(self.local.len() as u64);
        for id in &self.local {
            w.oid(id);
        }
        super::snapshot::write_repositories(w, self.repositories.iter());
    }

    /// Read what [`ViewPoint::write`] wrote.
    pub(crate) fn read(r: &mut super::codec::Reader<'_>) -> Option<ViewPoint> {
        let latest = match r.byte()? {
            0 => None,
            _ => Some((r.int()?, r.oid()?)),
        };
        let local = (0..r.uint()?)
            .map(|_| r.oid())
            .collect::<Option<Vec<_>>>()?;
        let repositories = super::snapshot::read_repositories(r)?;
        Some(ViewPoint {
            latest,
            local,
            repositories,
        })
    }
}

/// What a derived view knows about the history it was made from.
pub struct ViewBase<'a> {
    /// Where its history stood.
    pub point: &'a ViewPoint,
    /// Whether it holds a record.
    pub knows: &'a dyn Fn(&RecordId) -> bool,
    /// Its findings, as (kind, path, blob): each is reported once.
    pub reported: StdHashSet<(FindingKind, String, Option<ObjectId>)>,
}

/// The new commits of a selection, assembled after a view's history.
#[derive(Debug)]
pub struct NewCommits {
    /// Their entries and findings (in history order, after the view's),
    /// attributed to their repositories.
    pub history: History,
    /// How many commits are new.
    pub commits: usize,
    /// Where the history stands now.
    pub point: ViewPoint,
    /// Each fetched ref now, as the new entries are attributed.
    pub repositories: Vec<Arc<Repository>>,
}

/// The commits `options` (a lineage-remote selection) select beyond
/// `base`, when assembling them after it gives what a full load gives:
/// this repository's tips and the remotes (names, URLs, order) are
/// unchanged, and each moved ref moved forward from its own old commit
/// onto at most `limit` commits in all, every one newer than `base`'s
/// newest and reached by that ref alone. `None` when that does not hold
/// (the caller rebuilds the view) or nothing is new.
pub fn new_commits(
    repo: &Repo,
    options: &HistoryOptions,
    base: &ViewBase<'_>,
    limit: usize,
) -> Result<Option<NewCommits>, HistoryError> {
    if !matches!(options.revisions, Revisions::Lineage { .. }) || replacements_in_effect(repo) {
        return Ok(None);
    }
    let (_, exclude) = resolve_revisions(repo, &options.revisions)?;
    let Some(scope) = lineage_scope(repo, &options.revisions)? else {
        return Ok(None);
    };
    let then = base.point.repositories();
    let same_remotes = scope.repositories.len() == then.len()
        && scope
            .repositories
            .iter()
            .zip(then)
            .all(|(now, then)| now.name == then.name && now.url == then.url);
    if !exclude.is_empty() || scope.local != base.point.local || !same_remotes {
        return Ok(None);
    }
    let mut index = Index::default();
    let mut walker = Walker::new(repo, &mut index)?;
    walker.floor = base.point.latest;
    let mut memo = walk::TreeMemo::default();
    // Which moved ref reaches each new commit (its number in the scope).
    let mut owner: HashMap<ObjectId, usize> = HashMap::default();
    let mut new = Vec::new();
    for (i, (now, then)) in scope.repositories.iter().zip(then).enumerate() {
        if now.commit == then.commit {
            continue;
        }
        let (Ok(tip), Ok(old_tip)) = (
            ObjectId::from_hex(now.commit.as_bytes()),
            ObjectId::from_hex(then.commit.as_bytes()),
        ) else {
            return Ok(None);
        };
        // The walk stops at this ref's old commit, whose records tree the
        // first new commit is diffed against.
        let Some(old) =
            walk::read_commit(repo.gix(), old_tip).map_err(|message| HistoryError::Git {
                action: "read a commit",
                message,
            })?
        else {
            return Ok(None);
        };
        let records_tree =
            memo.records_tree(repo.gix(), old.tree)
                .map_err(|message| HistoryError::Git {
                    action: "read a tree",
                    message,
                })?;
        // Known commits stay known: the new commits are diffed against
        // them when all are read.
        walker.known.insert(old_tip, records_tree);
        let found = walker.discover(&[tip])?;
        if walker.below_floor || !walker.missing.is_empty() {
            return Ok(None);
        }
        // Every parent is a commit of this walk or this ref's old commit
        // (not another ref's, where the walk stopped too), which is reached.
        let this_walk: HashSet<ObjectId> = found.iter().copied().collect();
        let mut reaches_old = false;
        for id in &found {
            for parent in walker
                .pending_data
                .get(id)
                .map(|data| data.parents.as_slice())
                .unwrap_or_default()
            {
                if *parent == old_tip {
                    reaches_old = true;
                } else if !this_walk.contains(parent) {
                    return Ok(None);
                }
            }
        }
        if !reaches_old {
            return Ok(None);
        }
        for id in &found {
            if owner.insert(*id, i).is_some() {
                return Ok(None);
            }
        }
        new.extend(found);
        if new.len() > limit {
            return Ok(None);
        }
    }
    if new.is_empty() {
        return Ok(None);
    }
    walker.fill(&new)?;
    if !walker.warnings().is_empty() {
        return Ok(None);
    }
    drop(walker);
    trace::mark("new commits read");
    let new_set: HashSet<ObjectId> = new.iter().copied().collect();
    let order = order_indexed(&index, &new, &new_set);
    // The records the view holds that the new commits add again.
    let mut introduced = StdHashSet::new();
    for data in index.commits.values() {
        for change in &data.changes {
            if change.old.is_none()
                && let Some(id) = record_id_of_path(&change.path)
                && (base.knows)(&id)
            {
                introduced.insert(id);
            }
        }
    }
    let mut assembler = Assembler::continuing(introduced, base.reported.clone(), base.point.latest);
    for id in order {
        if let Some(data) = index.commits.remove(&id) {
            assembler.add(id, data, &mut index.blobs, true);
        }
    }
    let mut history = assembler.history;
    if history
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Unreadable)
    {
        return Ok(None);
    }
    let repository_of = |commit: &str| -> Option<Arc<Repository>> {
        let id = ObjectId::from_hex(commit.as_bytes()).ok()?;
        owner.get(&id).map(|&i| Arc::clone(&scope.repositories[i]))
    };
    for entry in &mut history.entries {
        entry.repository = entry.commit.as_ref().and_then(|c| repository_of(&c.id));
    }
    for finding in &mut history.findings {
        finding.repository = repository_of(&finding.commit.id);
    }
    history.stats.commits = new.len();
    trace::mark("new commits assembled");
    Ok(Some(NewCommits {
        point: ViewPoint {
            latest: history.latest,
            local: scope.local,
            repositories: scope.repositories.iter().map(|r| (**r).clone()).collect(),
        },
        history,
        commits: new.len(),
        repositories: scope.repositories,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_point_reads_back_as_written() {
        let id = |b: u8| ObjectId::from_bytes_or_panic(&[b; 20]);
        for point in [
            ViewPoint::default(),
            ViewPoint {
                latest: Some((-5, id(1))),
                local: vec![id(2), id(3)],
                repositories: vec![Repository {
                    name: "data".into(),
                    url: None,
                    commit: "c".repeat(40),
                }],
            },
        ] {
            let mut w = super::super::codec::Writer::default();
            point.write(&mut w);
            w.byte(0xAA);
            let mut r = super::super::codec::Reader { buf: &w.buf };
            assert_eq!(ViewPoint::read(&mut r), Some(point));
            assert_eq!(r.buf, [0xAA]);
        }
    }
}
