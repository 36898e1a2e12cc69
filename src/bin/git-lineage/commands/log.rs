use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::query::SearchQuery;

use super::{HistoryArgs, print_entries};
use crate::ui::{CommandError, Format, Ui};

/// List records in history order, newest first, with the commit and author
/// that introduced each. Records in the worktree that are not committed yet
/// are listed first and marked `uncommitted`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only records of this kind (`train`, `process`, …).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only records with this name.
    #[arg(long)]
    pub name: Option<String>,
    /// Only records recorded at or after DATE (2026-11-24 or RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Output format: a table, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_log(ui: &mut Ui, cwd: &Path, args: &LogArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let history = super::load_history(ui, &repo, args.history.revisions())?;
    let query = SearchQuery {
        kind: args.kind.clone(),
        name: args.name.clone(),
        since: super::parse_date("--since", args.since.as_deref())?,
        ..Default::default()
    };
    let found = git_lineage::query::search(&history.entries, &query);
    print_entries(ui, &found, &history.read_warnings(), args.format)?;
    drop(found);
    super::exit_without_freeing(history);
    Ok(ExitCode::SUCCESS)
}
