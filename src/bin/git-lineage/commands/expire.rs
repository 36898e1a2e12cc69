//! `git lineage expire`: sanctioned deletion of lineage records
//! (docs/retention.md).

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::retention::ExpireRequest;

use crate::ui::{CommandError, Format, Ui};

/// Delete lineage records nobody needs, with an audit trail: writes an
/// `expire` record naming them and why, and removes their files from the
/// worktree (with --commit, in the same commit). Only the people in
/// `retention.expirers` of .lineage/config.yaml may; `verify --history`
/// accepts deletions an authorized expire record covers and reports any
/// other. Refused (exit 2) when a kept record or a registry version in an
/// active stage depends on a record: expire what depends on it too.
#[derive(Debug, Args)]
pub struct ExpireArgs {
    /// The records to expire: ids, prefixes, name:NAME.
    #[arg(value_name = "REF", required = true)]
    pub refs: Vec<String>,
    /// Why (required).
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub commit: super::CommitArgs,
    /// Output format: text, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_expire(ui: &mut Ui, cwd: &Path, args: &ExpireArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let expired = git_lineage::retention::expire(
        &repo,
        &ExpireRequest {
            refs: args.refs.clone(),
            reason: args.reason.clone(),
        },
        &args.commit.write_options(),
    )?;
    match args.format {
        Format::Json => ui.json(&expired)?,
        Format::Text => git_lineage::retention::render::write_expired(ui.out(), &expired)?,
    }
    Ok(ExitCode::SUCCESS)
}
