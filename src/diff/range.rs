//! What a revision range (`A..B`, `A...B`) changed in lineage: the records
//! its commits added, each compared with its base-side counterpart, the
//! integrity findings of those commits, and the new records' lineage.

use std::collections::HashMap;

use super::compute::{CommitRanges, compare, list_commits};
use super::model::{RangeDiff, RangeRecord, RangeSpec};
use crate::graph::{Direction, Graph, NodeKey, TraverseOptions};
use crate::history::{self, Entry, History, HistoryError, HistoryOptions, Revisions};
use crate::repo::Repo;

/// What a revision range changed: the records its commits added, each
/// compared with the most recent record of the same kind and name on the
/// base side (`A`, or for `A...B` the merge base), and the integrity
/// findings of its commits.
pub fn diff_range(repo: &Repo, range: &RangeSpec) -> Result<RangeDiff, HistoryError> {
    let head = history::resolve_commit_id(repo, range.head_rev())?;
    let mut base = history::resolve_commit_id(repo, range.base_rev())?;
    if range.symmetric {
        base = merge_base(repo, &base, &head, range)?;
    }
    let load = |spec: String| {
        History::load(
            repo,
            &HistoryOptions {
                revisions: Revisions::Specs(vec![spec]),
                worktree: false,
                use_index: true,
            },
        )
    };
    let added = load(format!("{base}..{head}"))?;
    let before = load(base.clone())?;
    // The latest base-side record of each kind and name (by `recorded`,
    // then history order).
    let mut latest: HashMap<(&str, &str), &Entry> = HashMap::new();
    for e in &before.entries {
        let key = (e.summary.kind.as_str(), e.summary.name.as_str());
        match latest.get(&key) {
            Some(seen) if seen.summary.recorded > e.summary.recorded => {}
            _ => {
                latest.insert(key, e);
            }
        }
    }
    let mut memo = CommitRanges::new();
    let mut records = Vec::with_capacity(added.entries.len());
    // A record the base side has is not new, whatever commit the range
    // shows adding it (a shallow clone's boundary "adds" everything).
    let new_entries: Vec<&Entry> = added
        .entries
        .iter()
        .filter(|e| before.get(&e.id).is_none())
        .collect();
    for entry in &new_entries {
        let entry: &Entry = entry;
        let (_, record) = added.read_record(repo, &entry.id)?;
        let counterpart = latest
            .get(&(entry.summary.kind.as_str(), entry.summary.name.as_str()))
            .copied();
        let old = match counterpart {
            Some(e) => Some((e, before.read_record(repo, &e.id)?.1)),
            None => None,
        };
        let mut diff = compare(None, old.as_ref().map(|(e, r)| (*e, r)), (entry, &record));
        if let Some(code) = &mut diff.code {
            list_commits(repo, code, &mut memo);
        }
        records.push(RangeRecord { diff });
    }
    let mut warnings = added.warnings.clone();
    let unreadable = added
        .read_warnings()
        .into_iter()
        .chain(before.read_warnings())
        .map(|w| w.to_string());
    for warning in before.warnings.iter().cloned().chain(unreadable) {
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
    // The new lineage, drawn over the base side: what each new record read,
    // and what made that.
    let mut entries: Vec<Entry> = before.entries.clone();
    entries.extend(new_entries.iter().map(|e| (*e).clone()));
    let graph = Graph::build(&entries);
    let starts: Vec<_> = new_entries
        .iter()
        .filter_map(|e| graph.node(&NodeKey::Record(e.id.clone())))
        .collect();
    let lineage = graph.traverse(&starts, &TraverseOptions::new(Direction::Up).with_depth(2));
    Ok(RangeDiff {
        range: range.text(),
        base,
        head,
        findings: added.findings.clone(),
        records,
        lineage,
        warnings,
    })
}

/// The best common ancestor of the range's two ends, or an error that says
/// what to do when there is none.
fn merge_base(repo: &Repo, a: &str, b: &str, range: &RangeSpec) -> Result<String, HistoryError> {
    match history::merge_base(repo, a, b)? {
        Some(id) => Ok(id),
        None if history::is_shallow(repo) => Err(HistoryError::Git {
            action: "find the merge base",
            message: format!(
                "{} and {} have no common ancestor in this shallow clone; fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout)",
                range.base_rev(),
                range.head_rev(),
            ),
        }),
        None => Err(HistoryError::Git {
            action: "find the merge base",
            message: format!(
                "{} and {} have no common ancestor; compare them with {}..{}",
                range.base_rev(),
                range.head_rev(),
                range.base_rev(),
                range.head_rev()
            ),
        }),
    }
}
