use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::verify::{VerifyOptions, verify};

use crate::ui::{CommandError, EXIT_PROBLEMS, Format, Ui};

/// Check every record in the worktree: its file name is the BLAKE3 of its
/// bytes, it parses under a known schema, and the records it references
/// exist. A reference to another repository's record (`imports:`) is
/// checked in that lineage remote's fetched history: a warning while it
/// cannot be (not fetched), a problem when it resolves to other bytes.
/// With --history, also check that no commit ever edited, deleted or
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
            git_lineage::verify::render::write_verify(ui.out(), &report, args.artifacts, history)?
        }
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}
