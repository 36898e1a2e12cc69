//! The plain-text rendering of a diff: one block per record, `+`/`-`/`~`
//! marking added, removed and changed lines.

use std::io;

use super::{
    commits_note, count, file_sign, human_size, line_counts, percent, short, short_hash, signed,
};
use crate::diff::model::{ArtifactState, Diff, RecordDiff, RecordRef};
use crate::history::qualified_short;
use crate::params::Value;

/// Human-readable text: one block per record, `+`/`-`/`~` marking
/// added, removed and changed lines.
pub fn write_text(out: &mut impl io::Write, diff: &Diff) -> io::Result<()> {
    match diff {
        Diff::Records(diff) => {
            record_text(out, diff)?;
        }
        Diff::Range(range) => {
            writeln!(
                out,
                "range {} (base {}, head {}): {}, {}",
                range.range,
                short(&range.base),
                short(&range.head),
                count(range.records.len(), "new record"),
                count(range.findings.len(), "integrity finding"),
            )?;
            if !range.findings.is_empty() {
                out.write_all("\nintegrity findings:\n".as_bytes())?;
                for finding in &range.findings {
                    writeln!(
                        out,
                        "  {} {}: {} (commit {} by {} <{}>: {})",
                        finding.kind.as_str(),
                        finding.path,
                        finding.message,
                        finding.commit.short(),
                        finding.commit.author.name,
                        finding.commit.author.email,
                        finding.commit.message
                    )?;
                }
            }
            for record in &range.records {
                writeln!(out)?;
                record_text(out, &record.diff)?;
            }
        }
    }
    Ok(())
}

fn record_text(out: &mut impl io::Write, diff: &RecordDiff) -> io::Result<()> {
    let new = &diff.new;
    let introduced = |r: &RecordRef| {
        r.commit.as_ref().map_or_else(
            || "uncommitted".to_string(),
            |c| format!("commit {}", c.short()),
        )
    };
    match &diff.old {
        Some(old) => {
            writeln!(
                out,
                "{} {}: {} ({}) → {} ({})",
                new.kind,
                new.name,
                qualified_short(old.repository.as_deref(), &old.id),
                introduced(old),
                qualified_short(new.repository.as_deref(), &new.id),
                introduced(new)
            )?;
        }
        None => {
            writeln!(
                out,
                "{} {}: new {} ({}), nothing earlier to compare with",
                new.kind,
                new.name,
                qualified_short(new.repository.as_deref(), &new.id),
                introduced(new)
            )?;
        }
    }
    if diff.is_empty() {
        out.write_all("  no differences\n".as_bytes())?;
        return Ok(());
    }
    if !diff.params.is_empty() {
        out.write_all("  params:\n".as_bytes())?;
        for p in &diff.params {
            writeln!(
                out,
                "    {} {}: {}",
                p.change.sign(),
                p.key,
                arrow(p.old.as_ref(), p.new.as_ref())
            )?;
        }
    }
    if !diff.metrics.is_empty() {
        out.write_all("  metrics:\n".as_bytes())?;
        for m in &diff.metrics {
            let deltas = match (m.delta, m.relative) {
                (Some(d), Some(r)) => format!(" ({}, {})", signed(d), percent(r)),
                (Some(d), None) => format!(" ({})", signed(d)),
                _ => String::new(),
            };
            writeln!(
                out,
                "    {} {}: {}{deltas}",
                m.change.sign(),
                m.key,
                arrow(m.old.as_ref(), m.new.as_ref())
            )?;
        }
    }
    for (title, list) in [("inputs", &diff.inputs), ("outputs", &diff.outputs)] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "  {title}:")?;
        for a in list {
            let role = a.role().map(|r| format!(" ({r})")).unwrap_or_default();
            writeln!(
                out,
                "    {} {}{role}: {}",
                a.change.sign(),
                a.locator,
                state_arrow(a.old.as_ref(), a.new.as_ref())
            )?;
        }
    }
    if let Some(code) = &diff.code {
        writeln!(
            out,
            "  code: {}{}",
            arrow_str(
                code.old.as_deref().map(|c| short(c).to_string()),
                code.new.as_deref().map(|c| short(c).to_string())
            ),
            commits_note(code)
        )?;
        for commit in &code.commits {
            writeln!(
                out,
                "    {} {} ({}, {})",
                commit.short(),
                commit.message,
                commit.author.name,
                &commit.date.to_string()[..10]
            )?;
        }
        if code.code_commits > code.commits.len() {
            writeln!(
                out,
                "    … and {} more",
                code.code_commits - code.commits.len()
            )?;
        }
        for file in &code.files {
            writeln!(
                out,
                "    {} {} {}",
                file_sign(file),
                file.path,
                line_counts(file)
            )?;
        }
    }
    if !diff.environment.is_empty() {
        out.write_all("  environment:\n".as_bytes())?;
        for l in &diff.environment.lockfiles {
            writeln!(
                out,
                "    {} lockfile {}: {}",
                l.change.sign(),
                l.path,
                arrow_str(l.old.map(|h| short_hash(&h)), l.new.map(|h| short_hash(&h)))
            )?;
        }
        if let Some(image) = &diff.environment.image {
            writeln!(
                out,
                "    {} image: {}",
                image.change.sign(),
                arrow_str(image.old.clone(), image.new.clone())
            )?;
        }
    }
    if let Some(seed) = &diff.seed {
        writeln!(
            out,
            "  seed: {}",
            arrow_str(
                seed.old.map(|s| s.to_string()),
                seed.new.map(|s| s.to_string())
            )
        )?;
    }
    Ok(())
}

fn arrow(old: Option<&Value>, new: Option<&Value>) -> String {
    arrow_str(old.map(Value::to_string), new.map(Value::to_string))
}

fn arrow_str(old: Option<String>, new: Option<String>) -> String {
    match (old, new) {
        (Some(o), Some(n)) => format!("{o} → {n}"),
        (None, Some(n)) => n,
        (Some(o), None) => format!("{o} (removed)"),
        (None, None) => String::new(),
    }
}

fn state_text(state: &ArtifactState) -> String {
    let mut parts = Vec::new();
    if let Some(h) = &state.hash {
        parts.push(short_hash(h));
    }
    if let Some(v) = &state.version {
        parts.push(format!("version {v}"));
    }
    if let Some(size) = state.size {
        parts.push(human_size(size));
    }
    parts.join(", ")
}

fn state_arrow(old: Option<&ArtifactState>, new: Option<&ArtifactState>) -> String {
    arrow_str(old.map(state_text), new.map(state_text))
}
