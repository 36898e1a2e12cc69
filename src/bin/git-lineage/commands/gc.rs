//! `git lineage gc`: apply the retention policy (docs/retention.md).

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::retention::GcRequest;

use crate::ui::{CommandError, Format, Ui};

/// Apply `retention:` of .lineage/config.yaml: keep the last N versions per
/// path or URI (`keep_last`), anything recorded more recently than a
/// duration (`keep_younger_than`), and always the artifacts of registry
/// versions in an active stage and everything upstream of them. A dry run
/// by default: prints what would be dropped, what the policy protects (and
/// why), the records that would lose an input, and `du`'s totals. With
/// --apply, writes one tombstone for the run.
#[derive(Debug, Args)]
pub struct GcArgs {
    /// Only show what would be dropped (the default).
    #[arg(long, conflicts_with = "apply")]
    pub dry_run: bool,
    /// Write the tombstone.
    #[arg(long)]
    pub apply: bool,
    /// With --apply: also delete local files that still hold dropped bytes.
    #[arg(long, requires = "apply")]
    pub delete_local: bool,
    /// Why, kept in the tombstone (default: the retention policy).
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub commit: super::CommitArgs,
    /// Output format: text, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_gc(ui: &mut Ui, cwd: &Path, args: &GcArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let report = git_lineage::retention::gc(
        &repo,
        &GcRequest {
            apply: args.apply,
            delete_local: args.delete_local,
            reason: args.reason.clone(),
        },
        &args.commit.write_options(),
    )?;
    match args.format {
        Format::Json => ui.json(&report)?,
        Format::Text => git_lineage::retention::render::write_gc(ui.out(), &report)?,
    }
    Ok(ExitCode::SUCCESS)
}
