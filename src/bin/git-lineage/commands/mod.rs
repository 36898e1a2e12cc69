//! One module per subcommand: `XxxArgs` (its doc comment is the help) and
//! `cmd_xxx(ui, cwd, args)`.

pub mod commit;
pub mod demo;
pub mod diff;
pub mod drift;
pub mod drop;
pub mod du;
pub mod emit;
pub mod expire;
pub mod export;
pub mod gc;
pub mod graph;
pub mod impact;
pub mod init;
pub mod install_man;
pub mod locations;
pub mod log;
pub mod profile;
pub mod record;
pub mod registry;
pub mod remote;
pub mod run;
pub mod search;
pub mod show;
pub mod status;
pub mod verify;
pub mod view;

use std::path::Path;

use git_lineage::repo::Repo;

use crate::ui::{CommandError, Ui};

/// Find the repository containing `cwd`.
pub fn open_repo(cwd: &Path) -> Result<Repo, CommandError> {
    Ok(Repo::discover(cwd)?)
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
    #[command(flatten)]
    pub remote: RemoteArgs,
}

impl HistoryArgs {
    /// The library's revision selection.
    pub fn revisions(&self) -> git_lineage::history::Revisions {
        use git_lineage::history::Revisions;
        let base = if self.all {
            Revisions::All
        } else if self.revisions.is_empty() {
            Revisions::Head
        } else {
            Revisions::Specs(self.revisions.clone())
        };
        self.remote.widen(base)
    }
}

/// Which lineage remotes a command reads beside this repository's history.
#[derive(Debug, Default, clap::Args)]
pub struct RemoteArgs {
    /// Also read the fetched history of every lineage remote
    /// (`git lineage fetch`; docs/multi-repo.md).
    #[arg(long)]
    pub remotes: bool,
    /// Also read the fetched history of lineage remote NAME; repeat for more.
    #[arg(long = "remote", value_name = "NAME", conflicts_with = "remotes")]
    pub remote_names: Vec<String>,
}

impl RemoteArgs {
    /// Whether any remote is to be read.
    pub fn any(&self) -> bool {
        self.remotes || !self.remote_names.is_empty()
    }

    /// `base`, widened to the remotes asked for.
    pub fn widen(&self, base: git_lineage::history::Revisions) -> git_lineage::history::Revisions {
        if self.any() {
            git_lineage::history::Revisions::Lineage {
                base: Box::new(base),
                remotes: self.remote_names.clone(),
            }
        } else {
            base
        }
    }
}

/// A REF as commands take it, with a lineage remote qualifier
/// (`NAME:REF`, docs/refs.md) resolved within that remote's history to a
/// record id, and `revisions` widened to read that remote; unqualified
/// REFs parse as always.
pub fn parse_ref(
    repo: &Repo,
    text: &str,
    revisions: git_lineage::history::Revisions,
) -> Result<
    (
        git_lineage::refspec::RefSpec,
        git_lineage::history::Revisions,
    ),
    CommandError,
> {
    match git_lineage::remote::split_qualified(repo, text) {
        Some((remote, rest)) => {
            let spec = git_lineage::refspec::parse(rest)?;
            let id = git_lineage::refspec::resolve_in_remote(repo, remote, &spec)?;
            Ok((
                git_lineage::refspec::RefSpec::Id(id),
                revisions.with_remote(remote),
            ))
        }
        None => Ok((git_lineage::refspec::parse(text)?, revisions)),
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
    let history = git_lineage::history::History::load(repo, &options)?;
    print_history_warnings(ui, &history);
    Ok(history)
}

/// What [`load_history`] prints: history's warnings, then the record files
/// it could not read.
pub fn print_history_warnings(ui: &mut Ui, history: &git_lineage::history::History) {
    for warning in &history.warnings {
        ui.note(format!("warning: {warning}"));
    }
    print_read_warnings(ui, &history.read_warnings());
}

/// The part of lineage history `question` needs (all of it for `None`, or
/// without a current catalog), printing its warnings as [`load_history`]
/// does.
pub fn load_focused(
    ui: &mut Ui,
    repo: &Repo,
    revisions: git_lineage::history::Revisions,
    question: Option<&git_lineage::catalog::Question>,
) -> Result<git_lineage::catalog::Focused, CommandError> {
    let Some(question) = question else {
        return Ok(git_lineage::catalog::Focused::from(load_history(
            ui, repo, revisions,
        )?));
    };
    let options = git_lineage::history::HistoryOptions {
        revisions,
        ..Default::default()
    };
    let focused = git_lineage::catalog::load(repo, &options, question)?;
    print_history_warnings(ui, &focused.history);
    Ok(focused)
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

/// `--commit` and the `git commit` flags that go with it, for every command
/// that writes a record.
#[derive(Debug, clap::Args)]
pub struct CommitArgs {
    /// Commit the record to the current branch (message `lineage: <kind> <name> <id>`).
    #[arg(long)]
    pub commit: bool,
    /// With --commit: do not sign the commit even when commit.gpgsign is true (like `git commit --no-gpg-sign`).
    #[arg(long, requires = "commit")]
    pub no_gpg_sign: bool,
    /// With --commit: skip the pre-commit and commit-msg hooks (like `git commit --no-verify`).
    #[arg(long, requires = "commit")]
    pub no_verify: bool,
}

impl CommitArgs {
    /// `git commit`'s flags for the library.
    pub fn options(&self) -> git_lineage::commit::CommitOptions {
        git_lineage::commit::CommitOptions {
            no_gpg_sign: self.no_gpg_sign,
            no_verify: self.no_verify,
        }
    }

    /// How `drop`, `gc` and `expire` write their record: committed or not,
    /// with these flags.
    pub fn write_options(&self) -> git_lineage::retention::WriteOptions {
        git_lineage::retention::WriteOptions {
            commit: self.commit,
            commit_options: self.options(),
        }
    }
}

/// How `graph` and `impact` read their REF: which records a commit REF
/// starts from, and what a path REF means.
#[derive(Debug, clap::Args)]
pub struct StartArgs {
    /// With a commit:REV REF, also start from records made from any later
    /// commit that contains REV.
    #[arg(long)]
    pub descendants_of_commit: bool,
    /// With a commit:REV REF, start from records made from code that
    /// contains REV and not UNTIL (the fix): like commit:REV..UNTIL.
    #[arg(long, value_name = "UNTIL")]
    pub until_commit: Option<String>,
    /// A path REF means the artifacts recorded at that path (every version,
    /// newest first), even when the path exists on disk.
    #[arg(long)]
    pub recorded: bool,
}

impl StartArgs {
    /// The library's options for resolving the REF to graph nodes.
    pub fn node_options(&self) -> git_lineage::refspec::NodeOptions {
        git_lineage::refspec::NodeOptions {
            descendants_of_commit: self.descendants_of_commit,
            until_commit: self.until_commit.clone(),
            recorded: self.recorded,
        }
    }
}

/// The date filters `log` and `search` share.
#[derive(Debug, clap::Args)]
pub struct DateArgs {
    /// Only records recorded at or after DATE: 2026-11-24, RFC 3339, or
    /// git's relative forms (2.weeks.ago, "3 days ago", yesterday; docs/cli.md).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only records recorded at or before DATE.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Compare --since/--until with the date of the commit that introduced
    /// each record instead of its recorded time.
    #[arg(long)]
    pub commit_date: bool,
}

/// Parse a `--since`/`--until` date (git's relative forms included,
/// relative to now). A bare date given to `--until` means the end of that
/// day (UTC), so `--until 2026-11-24` includes the 24th.
pub fn parse_date(
    option: &'static str,
    text: Option<&str>,
) -> Result<Option<git_lineage::time::Timestamp>, CommandError> {
    text.map(|text| {
        let now = git_lineage::time::Timestamp::now();
        git_lineage::time::parse_date(text, now, option == "--until").map_err(|e| {
            git_lineage::Error::InvalidArgument {
                field: option,
                problem: e.to_string(),
            }
            .into()
        })
    })
    .transpose()
}

/// `--name`: a name or a name glob.
pub fn name_pattern(
    text: Option<&str>,
) -> Result<Option<git_lineage::query::NamePattern>, CommandError> {
    text.map(|text| {
        git_lineage::query::NamePattern::parse(text)
            .map_err(|e| CommandError::from(git_lineage::Error::from(e)))
    })
    .transpose()
}

/// One row per record, newest first; or the JSON shape of `log`/`search`.
pub fn print_entries(
    ui: &mut Ui,
    entries: &[&git_lineage::history::Entry],
    warnings: &[git_lineage::history::ReadWarning],
    format: crate::ui::Format,
    expired: &Expired,
) -> Result<(), CommandError> {
    let kept: Vec<&git_lineage::history::Entry>;
    let entries = if expired.hides_any() {
        kept = entries
            .iter()
            .copied()
            .filter(|e| expired.shows(&e.id))
            .collect();
        &kept[..]
    } else {
        entries
    };
    if format == crate::ui::Format::Json {
        let newest_first: Vec<_> = entries.iter().rev().copied().collect();
        // Streamed: a `json!` value would hold the whole document in memory.
        #[derive(serde::Serialize)]
        struct Records<'a, T> {
            records: Vec<T>,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            warnings: &'a [git_lineage::history::ReadWarning],
        }
        if expired.expirations.is_empty() {
            return ui.json(&Records {
                records: newest_first,
                warnings,
            });
        }
        #[derive(serde::Serialize)]
        struct Marked<'a> {
            #[serde(flatten)]
            entry: &'a git_lineage::history::Entry,
            #[serde(skip_serializing_if = "Option::is_none")]
            expired_by: Option<&'a git_lineage::record::RecordId>,
        }
        let marked = newest_first
            .into_iter()
            .map(|entry| Marked {
                entry,
                expired_by: expired.expirations.expired_by(&entry.id),
            })
            .collect();
        return ui.json(&Records {
            records: marked,
            warnings,
        });
    }
    if entries.is_empty() {
        ui.note("no records");
        return Ok(());
    }
    git_lineage::query::render::write_table_marked(ui.out(), entries, &|e| {
        expired.expirations.mark(&e.id)
    })?;
    Ok(())
}

/// `--include-expired`, for the commands that hide expired records.
#[derive(Debug, clap::Args)]
pub struct ExpiredArgs {
    /// Also show records an `expire` record removed, marked
    /// `(expired by <id>)` (docs/retention.md).
    #[arg(long)]
    pub include_expired: bool,
}

/// Which records are expired, and whether to show them.
pub struct Expired {
    /// Every expired record, with the expire record that names it.
    pub expirations: git_lineage::retention::Expirations,
    /// Every dropped hash, with its tombstone.
    pub tombstones: git_lineage::retention::Tombstones,
    /// `--include-expired`.
    pub include: bool,
}

impl Expired {
    /// The expire and drop records of the history `revisions` select (from
    /// the catalog, when there is one: only those records are read).
    pub fn load(
        repo: &Repo,
        revisions: git_lineage::history::Revisions,
        args: &ExpiredArgs,
    ) -> Result<Expired, CommandError> {
        let question = git_lineage::catalog::Question {
            seeds: vec![
                git_lineage::catalog::Seed::Kind(git_lineage::retention::EXPIRE.to_string()),
                git_lineage::catalog::Seed::Kind(git_lineage::retention::DROP.to_string()),
            ],
            ..Default::default()
        };
        let options = git_lineage::history::HistoryOptions {
            revisions,
            ..Default::default()
        };
        let focused = git_lineage::catalog::load(repo, &options, &question)?;
        let expirations = git_lineage::retention::Expirations::of_entries(&focused.history.entries);
        let tombstones = git_lineage::retention::Tombstones::of_entries(&focused.history.entries);
        exit_without_freeing(focused);
        Ok(Expired {
            expirations,
            tombstones,
            include: args.include_expired,
        })
    }

    /// What the records of a whole history say (no history is read).
    pub fn of_history(history: &git_lineage::history::History, args: &ExpiredArgs) -> Expired {
        Expired {
            expirations: git_lineage::retention::Expirations::of_entries(&history.entries),
            tombstones: git_lineage::retention::Tombstones::of_entries(&history.entries),
            include: args.include_expired,
        }
    }

    /// For `focused`: from its records when it is the whole history, else
    /// read from the catalog.
    pub fn of_focused(
        repo: &Repo,
        focused: &git_lineage::catalog::Focused,
        revisions: git_lineage::history::Revisions,
        args: &ExpiredArgs,
    ) -> Result<Expired, CommandError> {
        if focused.whole {
            Ok(Expired::of_history(&focused.history, args))
        } else {
            Expired::load(repo, revisions, args)
        }
    }

    /// True when some record is hidden.
    pub fn hides_any(&self) -> bool {
        !self.include && !self.expirations.is_empty()
    }

    /// Whether the record `id` is shown.
    pub fn shows(&self, id: &git_lineage::record::RecordId) -> bool {
        self.include || self.expirations.expired_by(id).is_none()
    }
}

/// Leave `value` to the operating system instead of freeing it: the command
/// is about to exit, and freeing a 100,000-record history one allocation at
/// a time takes longer than printing it.
pub fn exit_without_freeing<T>(value: T) {
    std::mem::forget(value);
}
