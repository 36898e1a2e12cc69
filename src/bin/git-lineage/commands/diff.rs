//! `diff`: what changed between two records or in a revision range.
use std::path::Path;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use git_lineage::diff::{self, Diff, GITHUB_COMMENT_LIMIT, RangeSpec};
use git_lineage::history::Revisions;
use git_lineage::refspec;

use crate::ui::{CommandError, EXIT_PROBLEMS, Ui};

/// Show what changed between two records (params, metrics with deltas,
/// data, code commits, environment, seed), or what a revision range changed
/// in lineage: the records it added, each compared with the latest record
/// of the same kind and name on the base side, after any integrity
/// findings (record files edited or deleted in the range).
///
/// `A B` are two record REFs (id or prefix, name:NAME; resolved against
/// every branch and the uncommitted records), or two revisions (compared as
/// A..B). One argument is a range: `A..B` (records added by commits in B
/// but not in A) or `A...B` (since the merge base of A and B, as a pull
/// request shows it). `NAME:REF` names a record of lineage remote NAME;
/// --remotes or --remote NAME resolve both REFs over this repository's
/// history and the remotes' together (docs/multi-repo.md).
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old record, or a range `A..B` / `A...B`.
    #[arg(value_name = "A")]
    pub a: String,
    /// The new record (or revision).
    #[arg(value_name = "B")]
    pub b: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Exit with 1 when there are differences and 0 when there are none
    /// (like `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
    #[command(flatten)]
    pub remote: super::RemoteArgs,
}

/// Formats `diff` can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For a terminal.
    Text,
    /// One JSON document (docs/json.md).
    Json,
    /// A pull-request comment in GitHub Markdown, with a Mermaid graph.
    Markdown,
}

pub fn cmd_diff(ui: &mut Ui, cwd: &Path, args: &DiffArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    // Record files a two-record comparison's history could not read (a
    // range reports its own in `warnings`).
    let mut unreadable = Vec::new();
    let report = match &args.b {
        None => {
            let Some(range) = RangeSpec::parse(&args.a) else {
                return Err(CommandError::usage(format!(
                    "'{}' is not a revision range; give two records (`git lineage diff A B`) or a range like main..HEAD or main...HEAD",
                    args.a
                )));
            };
            Diff::Range(Box::new(diff::diff_range(&repo, &range)?))
        }
        Some(b) => {
            // A qualified REF is resolved in its remote now (an error there
            // is the answer) and widens what is read.
            let mut revisions = args.remote.widen(Revisions::All);
            let mut qualified = |text: &str| -> Result<Option<refspec::RefSpec>, CommandError> {
                if git_lineage::remote::split_qualified(&repo, text).is_none() {
                    return Ok(None);
                }
                let (spec, widened) = super::parse_ref(&repo, text, revisions.clone())?;
                revisions = widened;
                Ok(Some(spec))
            };
            let (a_spec, b_spec) = (qualified(&args.a)?, qualified(b)?);
            let history = super::load_history(ui, &repo, revisions)?;
            unreadable = history.read_warnings();
            let resolve = |text: &str, spec: &Option<refspec::RefSpec>| match spec {
                Some(spec) => refspec::resolve_record(&history, spec),
                None => {
                    refspec::parse(text).and_then(|spec| refspec::resolve_record(&history, &spec))
                }
            };
            match (resolve(&args.a, &a_spec), resolve(b, &b_spec)) {
                (Ok(old), Ok(new)) => {
                    Diff::Records(Box::new(diff::diff_records(&repo, &history, &old, &new)?))
                }
                (old, new) => {
                    let is_revision =
                        |text: &str| git_lineage::history::resolve_commit(&repo, text).is_ok();
                    let (a_rev, b_rev) = (is_revision(&args.a), is_revision(b));
                    if old.is_err() && new.is_err() && a_rev && b_rev {
                        // Two revisions that are not records: the range A..B,
                        // which reports what it could not read itself.
                        unreadable.clear();
                        let range = RangeSpec {
                            base: args.a.clone(),
                            head: b.clone(),
                            symmetric: false,
                        };
                        Diff::Range(Box::new(diff::diff_range(&repo, &range)?))
                    } else {
                        return Err(not_comparable((&args.a, old, a_rev), (b, new, b_rev)));
                    }
                }
            }
        }
    };
    if let Diff::Range(range) = &report {
        for warning in &range.warnings {
            ui.note(format!("warning: {warning}"));
        }
    }
    match args.format {
        DiffFormat::Json => ui.json(&super::WithWarnings {
            document: &report,
            warnings: &unreadable,
        })?,
        DiffFormat::Text => diff::render::write_text(ui.out(), &report)?,
        DiffFormat::Markdown => {
            diff::render::write_markdown(ui.out(), &report, GITHUB_COMMENT_LIMIT)?
        }
    }
    Ok(if args.exit_code && !report.is_empty() {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Why two arguments are neither two records nor two revisions: the first
/// that is neither, or a record given with a revision.
fn not_comparable(
    a: (
        &str,
        Result<git_lineage::record::RecordId, refspec::RefError>,
        bool,
    ),
    b: (
        &str,
        Result<git_lineage::record::RecordId, refspec::RefError>,
        bool,
    ),
) -> CommandError {
    const HINT: &str = "give two records (id or 4+ hex prefix, name:NAME), two revisions (branches, tags, commits), or one range A..B or A...B";
    for (text, resolved, is_revision) in [a, b] {
        match resolved {
            Err(refspec::RefError::NotARecord(_)) if !is_revision => {
                return CommandError::usage(format!(
                    "'{text}' is neither a record nor a revision in this repository"
                ))
                .with_hint(HINT);
            }
            Err(err) if !is_revision => return err.into(),
            _ => {}
        }
    }
    CommandError::usage(
        "one argument is a record and the other a revision; they cannot be compared",
    )
    .with_hint(HINT)
}
