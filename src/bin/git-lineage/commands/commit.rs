use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::commit::CommitOptions;

use crate::ui::{CommandError, Format, Ui};

/// Commit every record not committed yet, and nothing else, in one commit.
/// Record the steps of a pipeline without --commit, then commit them once
/// (message `lineage: N records`, one line per record in the body).
#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Do not sign the commit even when commit.gpgsign is true (like `git commit --no-gpg-sign`).
    #[arg(long)]
    pub no_gpg_sign: bool,
    /// Skip the pre-commit and commit-msg hooks (like `git commit --no-verify`).
    #[arg(long)]
    pub no_verify: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_commit(ui: &mut Ui, cwd: &Path, args: &CommitArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let committed = git_lineage::capture::commit_records(
        &repo,
        &CommitOptions {
            no_gpg_sign: args.no_gpg_sign,
            no_verify: args.no_verify,
        },
    )?;
    if args.format == Format::Json {
        ui.json(&committed)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(commit) = &committed.commit else {
        ui.line("nothing to commit: every record is committed")?;
        return Ok(ExitCode::SUCCESS);
    };
    let count = committed.records.len();
    ui.line(format!(
        "committed {count} record{} in {}",
        if count == 1 { "" } else { "s" },
        &commit[..commit.len().min(12)]
    ))?;
    let width = committed
        .records
        .iter()
        .map(|r| r.kind.len())
        .max()
        .unwrap_or(0);
    for record in &committed.records {
        ui.line(format!(
            "  {}  {:width$}  {}",
            record.id.short(),
            record.kind,
            record.name
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
