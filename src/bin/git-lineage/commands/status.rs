//! `git lineage status`: changed tracked artifacts and what is stale downstream.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::status::{StatusOptions, status};

use super::HistoryArgs;
use crate::ui::{CommandError, EXIT_PROBLEMS, Format, Ui};

/// Show tracked local artifacts whose bytes on disk differ from the hash
/// they were most recently recorded with, and every record and output
/// downstream that is now stale because of it. Unchanged files are not read
/// again (the stat cache in .git/lineage/). Exits 0 when clean, 1 when
/// something changed.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Output format: text, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_status(ui: &mut Ui, cwd: &Path, args: &StatusArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let report = status(
        &repo,
        &StatusOptions {
            revisions: args.history.revisions(),
        },
    )?;
    for warning in &report.warnings {
        ui.note(format!("warning: {warning}"));
    }
    match args.format {
        Format::Json => ui.json(&report)?,
        Format::Text => git_lineage::status::render::write_status(ui.out(), &report)?,
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}
