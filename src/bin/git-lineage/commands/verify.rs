use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::verify::{VerifyOptions, verify};

use super::count;
use crate::ui::{CommandError, EXIT_PROBLEMS, Format, Ui};

/// Check every record in the worktree: its file name is the BLAKE3 of its
/// bytes, it parses under a known schema, and the records it references
/// exist. Exits 0 when clean, 1 when problems were found.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Also re-hash recorded local files and directories and report those that changed.
    #[arg(long)]
    pub artifacts: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_verify(ui: &mut Ui, cwd: &Path, args: &VerifyArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let report = verify(
        &repo,
        VerifyOptions {
            artifacts: args.artifacts,
        },
    )?;
    match args.format {
        Format::Json => ui.json(&report)?,
        Format::Text => {
            for problem in &report.problems {
                ui.line(format!(
                    "{}: {}: {}",
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
            let records = count(report.records, "record");
            if report.is_clean() {
                ui.line(format!("ok: {records}{artifacts} verified"))?;
            } else {
                let problems = count(report.problems.len(), "problem");
                ui.line(format!("{problems} in {records}{artifacts}"))?;
            }
        }
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}
