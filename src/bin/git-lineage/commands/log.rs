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
    /// Only records with this name, or whose name matches this glob (`sweep-*`).
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub dates: super::DateArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub expired: super::ExpiredArgs,
    /// Output format: a table, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_log(ui: &mut Ui, cwd: &Path, args: &LogArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let query = SearchQuery {
        kind: args.kind.clone(),
        name: super::name_pattern(args.name.as_deref())?,
        since: super::parse_date("--since", args.dates.since.as_deref())?,
        until: super::parse_date("--until", args.dates.until.as_deref())?,
        commit_date: args.dates.commit_date,
        ..Default::default()
    };
    // No filter, as a table: stream the catalog newest first, so `log |
    // head` reads what it prints.
    let history = if query == SearchQuery::default() && args.format == Format::Text {
        let options = git_lineage::history::HistoryOptions {
            revisions: args.history.revisions(),
            ..Default::default()
        };
        match git_lineage::catalog::listing(&repo, &options)? {
            git_lineage::catalog::Listed::Streamed(listing) => {
                return stream(ui, *listing, &repo, &options, args.expired.include_expired);
            }
            git_lineage::catalog::Listed::Loaded(history) => {
                super::print_history_warnings(ui, &history);
                let expired = super::Expired::of_history(&history, &args.expired);
                (*history, expired)
            }
        }
    } else {
        // With an exact --name or a --kind, only those records are read,
        // when a catalog has them.
        let question = git_lineage::catalog::Question::for_search(&query, false);
        let focused = super::load_focused(ui, &repo, args.history.revisions(), question.as_ref())?;
        let expired =
            super::Expired::of_focused(&repo, &focused, args.history.revisions(), &args.expired)?;
        (focused.history, expired)
    };
    let (history, expired) = history;
    let found = git_lineage::query::search(&history.entries, &query);
    print_entries(ui, &found, &history.read_warnings(), args.format, &expired)?;
    drop(found);
    super::exit_without_freeing(history);
    Ok(ExitCode::SUCCESS)
}

/// Print every record of `listing` as `print_entries` prints a table. A
/// damaged block found on the way (each is verified when first read) loses
/// nothing: the rest comes from the whole history, loaded afresh, from the
/// same position (what was printed so far is what it would give).
fn stream(
    ui: &mut Ui,
    listing: git_lineage::catalog::Listing,
    repo: &git_lineage::repo::Repo,
    options: &git_lineage::history::HistoryOptions,
    include_expired: bool,
) -> Result<ExitCode, CommandError> {
    // Newest first, an expire record comes before the records it expires
    // (its commit deleted their files, so it descends from theirs).
    let mut expired = super::Expired {
        expirations: Default::default(),
        tombstones: Default::default(),
        include: include_expired,
    };
    for warning in listing.warnings() {
        ui.note(format!("warning: {warning}"));
    }
    super::print_read_warnings(ui, &listing.read_warnings());
    if listing.is_empty() {
        ui.note("no records");
        return Ok(ExitCode::SUCCESS);
    }
    let widths = git_lineage::query::render::Widths {
        id: listing.id_width,
        kind: listing.kind_width,
        name: listing.name_width,
    };
    git_lineage::query::render::write_header(ui.out(), widths)?;
    let mut listing = listing;
    while let Some(entry) = listing.next() {
        match entry {
            Ok(entry)
                if {
                    expired.expirations.add(&entry);
                    expired.shows(&entry.id)
                } =>
            {
                let mark = expired.expirations.mark(&entry.id);
                git_lineage::query::render::write_row_marked(
                    ui.out(),
                    widths,
                    &entry,
                    mark.as_deref(),
                )?
            }
            Ok(_) => {}
            Err(_) => {
                let given = listing.given() - 1;
                let history = git_lineage::catalog::load_whole(repo, options)?;
                expired =
                    super::Expired::of_history(&history, &super::ExpiredArgs { include_expired });
                for entry in history.entries.iter().rev().skip(given) {
                    if expired.shows(&entry.id) {
                        let mark = expired.expirations.mark(&entry.id);
                        git_lineage::query::render::write_row_marked(
                            ui.out(),
                            widths,
                            entry,
                            mark.as_deref(),
                        )?;
                    }
                }
                super::exit_without_freeing(history);
                break;
            }
        }
    }
    super::exit_without_freeing(listing);
    Ok(ExitCode::SUCCESS)
}
