//! One module per subcommand: `XxxArgs` (its doc comment is the help) and
//! `cmd_xxx(ui, cwd, args)`.

pub mod commit;
pub mod demo;
pub mod diff;
pub mod export;
pub mod graph;
pub mod impact;
pub mod init;
pub mod log;
pub mod record;
pub mod registry;
pub mod run;
pub mod search;
pub mod show;
pub mod status;
pub mod verify;

use std::path::Path;

use git_lineage::repo::Repo;

use crate::ui::{CommandError, Ui};

/// Find the repository containing `cwd`.
pub fn open_repo(cwd: &Path) -> Result<Repo, CommandError> {
    Repo::discover(cwd).map_err(|e| git_lineage::Error::from(e).into())
}

/// Which history a command reads: HEAD, `--all` refs, or revisions.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Read the history of every branch, remote branch and tag, not only HEAD.
    #[arg(long, conflicts_with = "revisions")]
    pub all: bool,
    /// Revisions to read instead of HEAD: `main`, `v1.0`, `main..feature`, `^old`.
    #[arg(long = "rev", value_name = "REV")]
    pub revisions: Vec<String>,
}

impl HistoryArgs {
    /// The library's revision selection.
    pub fn revisions(&self) -> git_lineage::history::Revisions {
        use git_lineage::history::Revisions;
        if self.all {
            Revisions::All
        } else if self.revisions.is_empty() {
            Revisions::Head
        } else {
            Revisions::Specs(self.revisions.clone())
        }
    }
}

/// Load lineage history, printing its warnings (a shallow clone, missing
/// objects, record files that could not be read) to stderr once.
pub fn load_history(
    ui: &mut Ui,
    repo: &Repo,
    revisions: git_lineage::history::Revisions,
) -> Result<git_lineage::history::History, CommandError> {
    let options = git_lineage::history::HistoryOptions {
        revisions,
        ..Default::default()
    };
    let history =
        git_lineage::history::History::load(repo, &options).map_err(git_lineage::Error::from)?;
    for warning in &history.warnings {
        ui.note(format!("warning: {warning}"));
    }
    print_read_warnings(ui, &history.read_warnings());
    Ok(history)
}

/// `warning: cannot read PATH in commit C: REASON` on stderr for each
/// record file history could not read (hidden by `--quiet`; JSON output
/// carries them in `warnings` regardless).
pub fn print_read_warnings(ui: &mut Ui, warnings: &[git_lineage::history::ReadWarning]) {
    for warning in warnings {
        ui.note(format!("warning: {warning}"));
    }
}

/// A JSON document with the record files history could not read added as
/// `warnings` (omitted when there are none), after the document's own keys.
#[derive(serde::Serialize)]
pub struct WithWarnings<'a, T: serde::Serialize> {
    /// The command's own document.
    #[serde(flatten)]
    pub document: &'a T,
    /// What could not be read.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub warnings: &'a [git_lineage::history::ReadWarning],
}

/// Parse a `--since`/`--until` date. A bare date given to `--until` means
/// the end of that day (UTC), so `--until 2026-11-24` includes the 24th.
pub fn parse_date(
    option: &'static str,
    text: Option<&str>,
) -> Result<Option<git_lineage::time::Timestamp>, CommandError> {
    const DAY_MICROS: i64 = 86_400_000_000;
    text.map(|text| {
        let end_of_day = option == "--until" && text.len() == 10;
        git_lineage::time::Timestamp::parse(text)
            .map(|t| {
                if end_of_day {
                    git_lineage::time::Timestamp::from_unix_micros(t.unix_micros() + DAY_MICROS - 1)
                } else {
                    t
                }
            })
            .map_err(|e| {
                git_lineage::Error::InvalidArgument {
                    field: option,
                    problem: format!("{e}; give a date like 2026-11-24 or 2026-11-24T10:00:00Z"),
                }
                .into()
            })
    })
    .transpose()
}

/// `1 record`, `3 records`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// One row per record, newest first; or the JSON shape of `log`/`search`.
pub fn print_entries(
    ui: &mut Ui,
    entries: &[&git_lineage::history::Entry],
    warnings: &[git_lineage::history::ReadWarning],
    format: crate::ui::Format,
) -> Result<(), CommandError> {
    if format == crate::ui::Format::Json {
        let newest_first: Vec<_> = entries.iter().rev().copied().collect();
        // Streamed: a `json!` value would hold the whole document in memory.
        #[derive(serde::Serialize)]
        struct Records<'a> {
            records: Vec<&'a git_lineage::history::Entry>,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            warnings: &'a [git_lineage::history::ReadWarning],
        }
        return ui.json(&Records {
            records: newest_first,
            warnings,
        });
    }
    let width = |f: &dyn Fn(&git_lineage::history::Entry) -> usize| {
        entries.iter().map(|e| f(e)).max().unwrap_or(0)
    };
    let kind_width = width(&|e| e.summary.kind.len()).max(4);
    let name_width = width(&|e| e.summary.name.chars().count()).max(4);
    if entries.is_empty() {
        ui.note("no records");
        return Ok(());
    }
    ui.line(format!(
        "{:<12}  {:<kind_width$}  {:<name_width$}  {:<12}  {:<16}  AUTHOR",
        "RECORD", "KIND", "NAME", "COMMIT", "DATE"
    ))?;
    for entry in entries.iter().rev() {
        let (commit, author, date) = match &entry.commit {
            Some(c) => (c.short().to_string(), c.author.name.clone(), c.date),
            None => (
                "uncommitted".to_string(),
                entry.summary.agent.name.clone(),
                entry.summary.recorded,
            ),
        };
        ui.line(format!(
            "{:<12}  {:<kind_width$}  {:<name_width$}  {:<12}  {:<16}  {}",
            entry.id.short(),
            entry.summary.kind,
            entry.summary.name,
            commit,
            short_date(date),
            author
        ))?;
    }
    Ok(())
}

/// `2026-11-24 10:00` (UTC).
pub fn short_date(t: git_lineage::time::Timestamp) -> String {
    let text = t.to_string();
    format!("{} {}", &text[..10], &text[11..16])
}

/// Leave `value` to the operating system instead of freeing it: the command
/// is about to exit, and freeing a 100,000-record history one allocation at
/// a time takes longer than printing it.
pub fn exit_without_freeing<T>(value: T) {
    std::mem::forget(value);
}
