//! Text rendering of a [`StatusReport`] for `git lineage status`: each
//! changed artifact, each stale output and record with why it is stale, and
//! a summary line.

use std::collections::BTreeSet;
use std::io;

use super::{Cause, Change, StatusReport};
use crate::graph::RecordRef;
use crate::render::{count, short_hash};

/// `clean: N tracked artifacts unchanged`, or `changed:` and `stale:` lines
/// and a summary.
pub fn write_status(out: &mut impl io::Write, report: &StatusReport) -> io::Result<()> {
    // Gone, as a tombstone says: information, not a change.
    for dropped in &report.dropped {
        writeln!(
            out,
            "dropped: {} (recorded {} in {}, dropped by {})",
            dropped.path,
            short_hash(&dropped.recorded),
            record_label(&dropped.record),
            crate::render::short_id(dropped.dropped_by.as_str())
        )?;
    }
    if report.is_clean() {
        return writeln!(
            out,
            "clean: {} unchanged",
            count(report.tracked, "tracked artifact")
        );
    }
    for changed in &report.changed {
        let now = match (changed.change, &changed.current) {
            (Change::Modified, Some(id)) => id.short(),
            _ => "missing".to_string(),
        };
        writeln!(
            out,
            "changed: {} (recorded {} in {}, now {now})",
            changed.path,
            changed.recorded.short(),
            record_label(&changed.record),
        )?;
    }
    let mut written = BTreeSet::new();
    for output in &report.stale_outputs {
        let by = match &output.record {
            Some(record) => {
                written.insert(record.id.clone());
                // Another repository's output (`--remotes`) says which.
                let repository = record
                    .repository
                    .as_ref()
                    .map(|r| format!(", repository {}", r.name))
                    .unwrap_or_default();
                format!(
                    " ({} {} {}{repository})",
                    record.kind,
                    record.name,
                    commit_of(record)
                )
            }
            None => String::new(),
        };
        let kind = output.record.as_ref().map_or("", |r| r.kind.as_str());
        writeln!(
            out,
            "stale: {}{by} — {}",
            output.locator,
            because(kind, &output.causes)
        )?;
    }
    // Records that wrote no stale output (a deploy, a registry event).
    for stale in &report.stale_records {
        if written.contains(&stale.record.id) {
            continue;
        }
        writeln!(
            out,
            "stale: record {} — {}",
            record_label(&stale.record),
            because(&stale.record.kind, &stale.causes)
        )?;
    }
    writeln!(
        out,
        "{} of {} changed; {} and {} stale downstream",
        report.changed.len(),
        count(report.tracked, "tracked artifact"),
        count(report.stale_records.len(), "record"),
        count(report.stale_outputs.len(), "output"),
    )
}

/// The introducing commit's short id, or `uncommitted`.
fn commit_of(record: &RecordRef) -> &str {
    record.commit_short().unwrap_or("uncommitted")
}

/// `<record short> <kind> <name> (commit <short>)`; another repository's
/// record (`--remotes`) is `<remote>:<short>`, as a qualified REF names it.
fn record_label(record: &RecordRef) -> String {
    format!(
        "{} {} {} (commit {})",
        record.display_id(),
        record.kind,
        record.name,
        commit_of(record)
    )
}

/// `trained on data/train.csv, which changed since`; for a cause further
/// up, `downstream of data/raw.csv, which changed since`.
fn because(kind: &str, causes: &[Cause]) -> String {
    let verb = match kind {
        "train" => "trained on",
        "evaluate" => "evaluated on",
        "process" | "feature-pipeline" => "processed from",
        "query" => "queried from",
        _ => "made from",
    };
    let paths = |direct: bool| {
        let paths: Vec<&str> = causes
            .iter()
            .filter(|c| c.direct == direct)
            .map(|c| c.path.as_str())
            .collect();
        paths.join(" and ")
    };
    let parts: Vec<String> = [(true, verb), (false, "downstream of")]
        .into_iter()
        .map(|(direct, how)| (how, paths(direct)))
        .filter(|(_, paths)| !paths.is_empty())
        .map(|(how, paths)| format!("{how} {paths}"))
        .collect();
    let which = if causes.len() == 1 {
        "which"
    } else {
        "which all"
    };
    format!("{}, {which} changed since", parts.join(" and "))
}
