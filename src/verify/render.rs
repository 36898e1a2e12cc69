//! Text rendering of a [`VerifyReport`] for `git lineage verify`: one line
//! per problem, then `ok: …` or a count of the problems.

use std::io;

use super::VerifyReport;
use crate::render::{count, short_date};

/// Each problem as `FILE: CHECK: MESSAGE ([repository NAME, ]commit …)`, then the summary;
/// `artifacts` and `history` say whether those checks ran (they add their
/// counts to the summary).
pub fn write_verify(
    out: &mut impl io::Write,
    report: &VerifyReport,
    artifacts: bool,
    history: bool,
) -> io::Result<()> {
    for problem in &report.problems {
        write!(
            out,
            "{}: {}: {}",
            problem.file,
            problem.check.as_str(),
            problem.message
        )?;
        if let Some(c) = &problem.commit {
            // Another repository's problem (`--remotes`) says which.
            let repository = problem
                .repository
                .as_ref()
                .map(|r| format!("repository {}, ", r.name))
                .unwrap_or_default();
            write!(
                out,
                " ({repository}commit {} by {} <{}>, {}: {})",
                c.short(),
                c.author.name,
                c.author.email,
                short_date(c.date),
                c.message
            )?;
        }
        writeln!(out)?;
    }
    // Dropped bytes are information: a tombstone says they are gone.
    for dropped in &report.dropped {
        writeln!(
            out,
            "{}: dropped: '{}' ({}) dropped by {}",
            dropped.file,
            dropped.path,
            crate::render::short_hash(&dropped.recorded),
            crate::render::short_id(dropped.dropped_by.as_str())
        )?;
    }
    let artifacts = if artifacts {
        format!(", {}", count(report.artifacts, "artifact"))
    } else {
        String::new()
    };
    let records = if history {
        format!(
            "{}, {}",
            count(report.records, "record"),
            count(report.commits.unwrap_or(0), "commit")
        )
    } else {
        count(report.records, "record")
    };
    // Superseded recordings are information, never problems.
    let superseded = match report.superseded.len() {
        0 => String::new(),
        n => format!(
            "; {} superseded by a newer record of the same path (not a problem; --format json lists them)",
            count(n, "older recording")
        ),
    };
    if report.is_clean() {
        writeln!(out, "ok: {records}{artifacts} verified{superseded}")
    } else {
        let problems = count(report.problems.len(), "problem");
        writeln!(out, "{problems} in {records}{artifacts}{superseded}")
    }
}
