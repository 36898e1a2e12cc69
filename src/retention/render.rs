//! Text rendering of what `drop`, `du` and `gc` print.

use std::io;

use super::{Dropped, DuReport, GcReport, Row, Tally, Totals};
use crate::render::{count, human_size, short_hash, short_id};

/// `dropped N artifacts (SIZE) by <id>`, one line per artifact.
pub fn write_dropped(out: &mut impl io::Write, dropped: &Dropped) -> io::Result<()> {
    let bytes: u64 = dropped.artifacts.iter().filter_map(|a| a.size).sum();
    writeln!(
        out,
        "dropped {} ({}) by {}",
        count(dropped.artifacts.len(), "artifact"),
        human_size(bytes),
        short_id(dropped.id.as_str())
    )?;
    for artifact in &dropped.artifacts {
        writeln!(
            out,
            "  {} {} {}",
            artifact.locator,
            short_hash(&artifact.hash),
            artifact.size.map_or("-".to_string(), human_size)
        )?;
    }
    for path in &dropped.deleted {
        writeln!(out, "deleted: {path}")?;
    }
    if let Some(commit) = &dropped.commit {
        writeln!(out, "committed: {}", short_id(commit))?;
    }
    Ok(())
}

fn cell(tally: &Tally) -> String {
    format!("{} ({})", human_size(tally.bytes), tally.artifacts)
}

fn line(out: &mut impl io::Write, key: &str, totals: &Totals) -> io::Result<()> {
    writeln!(
        out,
        "  {key:<24} {:>16} {:>16} {:>16} {:>16}",
        cell(&totals.present),
        cell(&totals.absent),
        cell(&totals.dropped),
        cell(&totals.external)
    )
}

fn section(out: &mut impl io::Write, title: &str, rows: &[Row]) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "by {title}:")?;
    for row in rows {
        line(out, &row.key, &row.totals)?;
    }
    Ok(())
}

/// A table of bytes (and artifacts) present, absent, dropped and external:
/// the total, then by kind, name, path prefix and age.
pub fn write_du(out: &mut impl io::Write, report: &DuReport) -> io::Result<()> {
    writeln!(
        out,
        "  {:<24} {:>16} {:>16} {:>16} {:>16}",
        "", "present", "absent", "dropped", "external"
    )?;
    line(out, "total", &report.total)?;
    section(out, "kind", &report.by_kind)?;
    section(out, "name", &report.by_name)?;
    section(out, "path prefix", &report.by_prefix)?;
    section(out, "age", &report.by_age)
}

/// What `gc` would drop (or dropped), what the policy protects, the blast
/// radius and the `du` totals.
pub fn write_gc(out: &mut impl io::Write, report: &GcReport) -> io::Result<()> {
    writeln!(out, "policy: {}", report.policy)?;
    let verb = if report.applied {
        "dropped"
    } else {
        "would drop"
    };
    for candidate in &report.drop {
        writeln!(
            out,
            "{verb}: {} {} {} ({}; {})",
            candidate.locator,
            short_hash(&candidate.hash),
            candidate.size.map_or("-".to_string(), human_size),
            match candidate.state {
                super::State::Present => "in the worktree",
                _ => "not in the worktree",
            },
            candidate.why
        )?;
    }
    for kept in &report.protected {
        writeln!(
            out,
            "kept: {} {} ({})",
            kept.locator,
            short_hash(&kept.hash),
            kept.rule
        )?;
    }
    for affected in &report.blast_radius {
        writeln!(
            out,
            "loses input: {} {} {} (reads {})",
            short_id(affected.id.as_str()),
            affected.kind,
            affected.name,
            affected.inputs.join(", ")
        )?;
    }
    writeln!(
        out,
        "{} {} ({})",
        verb,
        count(report.drop.len(), "artifact"),
        human_size(report.reclaimed)
    )?;
    match &report.tombstone {
        Some(tombstone) => writeln!(out, "tombstone: {}", tombstone.id)?,
        None if !report.applied && !report.drop.is_empty() => {
            writeln!(out, "dry run: nothing was written; --apply drops them")?
        }
        None => {}
    }
    write_du(out, &report.du)
}

/// `expired N records by <id>`, one line per removed file.
pub fn write_expired(out: &mut impl io::Write, expired: &super::Expired) -> io::Result<()> {
    writeln!(
        out,
        "expired {} by {}",
        count(expired.expired.len(), "record"),
        short_id(expired.id.as_str())
    )?;
    for path in &expired.removed {
        writeln!(out, "removed: {path}")?;
    }
    if let Some(commit) = &expired.commit {
        writeln!(out, "committed: {}", short_id(commit))?;
    }
    Ok(())
}
