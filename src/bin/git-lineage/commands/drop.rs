//! `git lineage drop`: write a tombstone (a `drop` record) for artifacts
//! whose bytes were deleted (docs/retention.md).

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::retention::{DropRequest, drop_artifacts};

use crate::ui::{CommandError, Format, Ui};

/// Record that the bytes of artifacts were deleted: an immutable `drop`
/// record (a tombstone) naming each artifact (hash, path or URI, size), from
/// where, why and by whom. Records are never deleted: the graph keeps every
/// node, and `status` and `verify --artifacts` report "dropped by <id>"
/// instead of missing. Refused (exit 2) for what the retention policy
/// protects: registry versions in an active stage and everything upstream.
#[derive(Debug, Args)]
pub struct DropArgs {
    /// What was deleted: a path, blake3:HASH, URI, or a record (its outputs).
    #[arg(value_name = "REF", required = true)]
    pub refs: Vec<String>,
    /// Why the bytes were deleted (required).
    #[arg(long)]
    pub reason: String,
    /// Where the bytes were deleted from.
    #[arg(long, value_name = "WHERE", default_value = "local")]
    pub from: String,
    /// Also delete the local files and directories that still hold exactly
    /// these bytes.
    #[arg(long)]
    pub delete_local: bool,
    #[command(flatten)]
    pub commit: super::CommitArgs,
    /// Output format: text, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_drop(ui: &mut Ui, cwd: &Path, args: &DropArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let dropped = drop_artifacts(
        &repo,
        &DropRequest {
            refs: args.refs.clone(),
            reason: args.reason.clone(),
            from: Some(args.from.clone()),
            delete_local: args.delete_local,
            cwd: cwd.to_path_buf(),
        },
        &args.commit.write_options(),
    )?;
    match args.format {
        Format::Json => ui.json(&dropped)?,
        Format::Text => git_lineage::retention::render::write_dropped(ui.out(), &dropped)?,
    }
    Ok(ExitCode::SUCCESS)
}
