//! `git lineage du`: the bytes recorded artifacts take (docs/retention.md).

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use crate::ui::{CommandError, Format, Ui};

/// Total the bytes the recorded artifacts take (their recorded sizes, each
/// distinct content once), by kind, name, path prefix and age, split into
/// present (in the worktree now), absent (overwritten or deleted, no
/// tombstone), dropped (a tombstone says so) and external (URIs). With REFs,
/// only the artifacts they name (a record: its inputs and outputs).
#[derive(Debug, Args)]
pub struct DuArgs {
    /// Artifacts or records to total; everything when omitted.
    #[arg(value_name = "REF")]
    pub refs: Vec<String>,
    /// Output format: text, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_du(ui: &mut Ui, cwd: &Path, args: &DuArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let report = git_lineage::retention::du(&repo, &args.refs, cwd)?;
    match args.format {
        Format::Json => ui.json(&report)?,
        Format::Text => git_lineage::retention::render::write_du(ui.out(), &report)?,
    }
    Ok(ExitCode::SUCCESS)
}
