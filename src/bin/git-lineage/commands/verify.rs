use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::verify::{VerifyOptions, verify};

use super::count;
use crate::ui::{CommandError, EXIT_PROBLEMS, Format, Ui};

/// Check every record in the worktree: its file name is the BLAKE3 of its
/// bytes, it parses under a known schema, and the records it references
/// exist. With --history, also check that no commit ever edited, deleted or
/// misnamed a committed record file. Exits 0 when clean, 1 when problems
/// were found.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Also re-hash recorded local files and directories and report those that changed.
    #[arg(long)]
    pub artifacts: bool,
    /// Also check git history (HEAD's, or as --all/--rev select): every
    /// commit that edited, deleted or misnamed a record file is reported.
    #[arg(long)]
    pub history: bool,
    #[command(flatten)]
    pub revisions: super::HistoryArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_verify(ui: &mut Ui, cwd: &Path, args: &VerifyArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    // --all and --rev only make sense for history, so they imply --history.
    let history = args.history || args.revisions.all || !args.revisions.revisions.is_empty();
    let report = verify(
        &repo,
        VerifyOptions {
            artifacts: args.artifacts,
            history: history.then(|| args.revisions.revisions()),
        },
    )?;
    for warning in &report.warnings {
        ui.note(format!("warning: {warning}"));
    }
    match args.format {
        Format::Json => ui.json(&report)?,
        Format::Text => {
            for problem in &report.problems {
                let by = problem
                    .commit
                    .as_ref()
                    .map(|c| {
                        format!(
                            " (commit {} by {} <{}>, {}: {})",
                            c.short(),
                            c.author.name,
                            c.author.email,
                            super::short_date(c.date),
                            c.message
                        )
                    })
                    .unwrap_or_default();
                ui.line(format!(
                    "{}: {}: {}{by}",
                    problem.file,
                    problem.check.as_str(),
                    problem.message
                ))?;
            }
            let artifacts = if args.artifacts {
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
                ui.line(format!("ok: {records}{artifacts} verified{superseded}"))?;
            } else {
                let problems = count(report.problems.len(), "problem");
                ui.line(format!("{problems} in {records}{artifacts}{superseded}"))?;
            }
        }
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}
