//! Computing a [`RecordDiff`]: parameters and metrics leaf by leaf (with
//! metric deltas), artifacts by locator, environment and seed, and for a
//! code change the commits between the two code commits.

use std::collections::{BTreeMap, HashMap};

use super::MAX_COMMITS;
use super::model::{
    ArtifactChange, ArtifactState, ChangeKind, CodeChange, EnvironmentDiff, LockfileChange,
    MetricChange, RecordDiff, RecordRef, ScalarChange, ValueChange,
};
use crate::history::{self, CodeRange, CommitRangeError, Entry, History, HistoryError};
use crate::params::{Value, ValueMap};
use crate::record::{Artifact, Record, RecordId};
use crate::repo::Repo;

/// Compare two records of `history` (both must be in it).
///
/// ```no_run
/// use git_lineage::{diff, history::{History, HistoryOptions}, repo::Repo};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let repo = Repo::discover(std::path::Path::new("."))?;
/// let history = History::load(&repo, &HistoryOptions::default())?;
/// let (old, new) = (&history.entries[0].id, &history.entries[1].id);
/// let diff = diff::diff_records(&repo, &history, old, new)?;
/// diff::render::write_text(&mut std::io::stdout(), &diff::Diff::Records(Box::new(diff)))?;
/// # Ok(()) }
/// ```
pub fn diff_records(
    repo: &Repo,
    history: &History,
    old: &RecordId,
    new: &RecordId,
) -> Result<RecordDiff, HistoryError> {
    let entry = |id: &RecordId| {
        history.get(id).ok_or_else(|| HistoryError::Record {
            id: id.clone(),
            message: "it is not in history".into(),
        })
    };
    let (old_entry, new_entry) = (entry(old)?, entry(new)?);
    let (_, old_record) = history.read_record(repo, old)?;
    let (_, new_record) = history.read_record(repo, new)?;
    Ok(compare(
        Some(repo),
        Some((old_entry, &old_record)),
        (new_entry, &new_record),
    ))
}

/// Compare two parsed records. With a repository, a code change lists the
/// commits between the two code commits; without one, only the ids.
/// Without an old record everything in `new` counts as added.
pub fn compare(
    repo: Option<&Repo>,
    old: Option<(&Entry, &Record)>,
    new: (&Entry, &Record),
) -> RecordDiff {
    let (new_entry, new_record) = new;
    let empty = ValueMap::new();
    let old_record = old.map(|(_, r)| r);
    let params = value_changes(old_record.map_or(&empty, |r| &r.params), &new_record.params);
    let metrics = value_changes(
        old_record.map_or(&empty, |r| &r.metrics),
        &new_record.metrics,
    )
    .into_iter()
    .map(metric_change)
    .collect();
    let inputs = artifact_changes(
        old_record.map_or(&[][..], |r| &r.inputs),
        &new_record.inputs,
    );
    let outputs = artifact_changes(
        old_record.map_or(&[][..], |r| &r.outputs),
        &new_record.outputs,
    );
    let code = code_change(
        repo,
        old_record.and_then(|r| r.code.commit.as_deref()),
        new_record.code.commit.as_deref(),
    );
    let old_env = old_record.map(|r| &r.environment);
    let mut lockfiles = Vec::new();
    let no_locks = BTreeMap::new();
    let old_locks = old_env.map_or(&no_locks, |e| &e.lockfiles);
    let new_locks = &new_record.environment.lockfiles;
    let mut paths: Vec<&String> = old_locks.keys().chain(new_locks.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let (o, n) = (old_locks.get(path).copied(), new_locks.get(path).copied());
        if o != n
            && let Some(change) = ChangeKind::of(&o, &n)
        {
            lockfiles.push(LockfileChange {
                path: path.clone(),
                change,
                old: o,
                new: n,
            });
        }
    }
    let environment = EnvironmentDiff {
        lockfiles,
        image: ScalarChange::of(
            old_env.and_then(|e| e.image.as_ref()),
            new_record.environment.image.as_ref(),
        ),
    };
    let seed = ScalarChange::of(
        old_record.and_then(|r| r.seed.as_ref()),
        new_record.seed.as_ref(),
    );
    RecordDiff {
        old: old.map(|(entry, _)| RecordRef::of(entry)),
        new: RecordRef::of(new_entry),
        params,
        metrics,
        inputs,
        outputs,
        code,
        environment,
        seed,
    }
}

pub(super) fn value_changes(old: &ValueMap, new: &ValueMap) -> Vec<ValueChange> {
    let o: BTreeMap<String, &Value> = crate::params::leaves(old).into_iter().collect();
    let n: BTreeMap<String, &Value> = crate::params::leaves(new).into_iter().collect();
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (old, new) = (o.get(key).copied(), n.get(key).copied());
            if old == new {
                return None;
            }
            let (old, new) = (old.cloned(), new.cloned());
            ChangeKind::of(&old, &new).map(|change| ValueChange {
                key: key.clone(),
                change,
                old,
                new,
            })
        })
        .collect()
}

/// `x` rounded to 12 significant digits: `0.93 - 0.91` is `0.02`, not
/// `0.020000000000000018`.
pub(super) fn round12(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

pub(super) fn metric_change(change: ValueChange) -> MetricChange {
    let numbers = change
        .old
        .as_ref()
        .and_then(Value::as_f64)
        .zip(change.new.as_ref().and_then(Value::as_f64));
    let delta = numbers.map(|(o, n)| round12(n - o));
    let relative = numbers
        .filter(|(o, _)| *o != 0.0)
        .map(|(o, n)| round12((n - o) / o.abs()));
    MetricChange {
        key: change.key,
        change: change.change,
        old: change.old,
        new: change.new,
        delta,
        relative,
    }
}

/// Artifacts matched by locator (the n-th listing of a locator on one side
/// with the n-th on the other); unchanged ones left out.
pub(super) fn artifact_changes(old: &[Artifact], new: &[Artifact]) -> Vec<ArtifactChange> {
    let group = |list: &[Artifact]| {
        let mut map: BTreeMap<String, Vec<ArtifactState>> = BTreeMap::new();
        for artifact in list {
            map.entry(artifact.locator().to_string())
                .or_default()
                .push(ArtifactState::of(artifact));
        }
        map
    };
    let (o, n) = (group(old), group(new));
    let mut locators: Vec<&String> = o.keys().chain(n.keys()).collect();
    locators.sort();
    locators.dedup();
    let mut changes = Vec::new();
    for locator in locators {
        let olds = o.get(locator).map_or(&[][..], Vec::as_slice);
        let news = n.get(locator).map_or(&[][..], Vec::as_slice);
        for i in 0..olds.len().max(news.len()) {
            let (old, new) = (olds.get(i).cloned(), news.get(i).cloned());
            if let (Some(a), Some(b)) = (&old, &new)
                && a.same_content(b)
            {
                continue;
            }
            if let Some(change) = ChangeKind::of(&old, &new) {
                changes.push(ArtifactChange {
                    locator: locator.clone(),
                    change,
                    old,
                    new,
                });
            }
        }
    }
    changes
}

fn code_change(repo: Option<&Repo>, old: Option<&str>, new: Option<&str>) -> Option<CodeChange> {
    if old == new {
        return None;
    }
    let (old, new) = (old.map(str::to_string), new.map(str::to_string));
    let change = ChangeKind::of(&old, &new)?;
    let mut code = CodeChange {
        change,
        old,
        new,
        commits: Vec::new(),
        ahead: 0,
        code_commits: 0,
        lineage_only: 0,
        files: Vec::new(),
        behind: 0,
        problem: None,
    };
    if let Some(repo) = repo {
        list_commits(repo, &mut code, &mut CommitRanges::new());
    }
    Some(code)
}

/// Commit ranges already walked, by (old, new) code commit: the records of
/// a range mostly share a few code commits.
pub(super) type CommitRanges = HashMap<(String, String), Result<CodeRange, CommitRangeError>>;

/// Fill in the commits between a code change's two commits.
pub(super) fn list_commits(repo: &Repo, code: &mut CodeChange, memo: &mut CommitRanges) {
    let (Some(old), Some(new)) = (&code.old, &code.new) else {
        return;
    };
    let range = memo
        .entry((old.clone(), new.clone()))
        .or_insert_with(|| history::code_between(repo, old, new, MAX_COMMITS));
    match range {
        Ok(range) => {
            code.commits = range.commits.clone();
            code.ahead = range.ahead;
            code.code_commits = range.code_commits;
            code.lineage_only = range.lineage_only;
            code.files = range.files.clone();
            code.behind = range.behind;
        }
        Err(problem) => code.problem = Some(problem.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::ContentHash;

    fn value_map(pairs: &[(&str, Value)]) -> ValueMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn nested_params_compare_leaf_by_leaf() {
        let old = value_map(&[
            ("lr", Value::Float(0.1)),
            ("drop", Value::Int(1)),
            ("opt", Value::Map(value_map(&[("beta", Value::Float(0.9))]))),
        ]);
        let new = value_map(&[
            ("lr", Value::Float(0.05)),
            ("depth", Value::Int(6)),
            (
                "opt",
                Value::Map(value_map(&[("beta", Value::Float(0.99))])),
            ),
        ]);
        let changes = value_changes(&old, &new);
        let got: Vec<(&str, ChangeKind)> =
            changes.iter().map(|c| (c.key.as_str(), c.change)).collect();
        assert_eq!(
            got,
            [
                ("depth", ChangeKind::Added),
                ("drop", ChangeKind::Removed),
                ("lr", ChangeKind::Changed),
                ("opt.beta", ChangeKind::Changed),
            ]
        );
    }

    #[test]
    fn metric_deltas_are_rounded_and_relative_to_the_old_value() {
        let m = metric_change(ValueChange {
            key: "auc".into(),
            change: ChangeKind::Changed,
            old: Some(Value::Float(0.91)),
            new: Some(Value::Float(0.93)),
        });
        assert_eq!(m.delta, Some(0.02));
        assert_eq!(m.relative, Some(round12(0.02 / 0.91)));
        let zero = metric_change(ValueChange {
            key: "loss".into(),
            change: ChangeKind::Changed,
            old: Some(Value::Int(0)),
            new: Some(Value::Int(3)),
        });
        assert_eq!((zero.delta, zero.relative), (Some(3.0), None));
    }

    #[test]
    fn artifacts_match_by_locator_and_unchanged_ones_are_left_out() {
        let art = |path: &str, bytes: &[u8]| Artifact {
            path: Some(path.into()),
            hash: Some(ContentHash::of_bytes(bytes)),
            size: Some(bytes.len() as u64),
            ..Artifact::default()
        };
        let old = [
            art("a.csv", b"1"),
            art("b.csv", b"2"),
            art("gone.csv", b"3"),
        ];
        let new = [
            art("a.csv", b"1"),
            art("b.csv", b"22"),
            art("new.csv", b"4"),
        ];
        let changes = artifact_changes(&old, &new);
        let got: Vec<(&str, ChangeKind)> = changes
            .iter()
            .map(|c| (c.locator.as_str(), c.change))
            .collect();
        assert_eq!(
            got,
            [
                ("b.csv", ChangeKind::Changed),
                ("gone.csv", ChangeKind::Removed),
                ("new.csv", ChangeKind::Added),
            ]
        );
        assert_eq!(changes[0].new.as_ref().and_then(|s| s.size), Some(2));
    }
}
