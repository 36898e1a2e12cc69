//! `remote` and `fetch`: declare lineage remotes (other repositories whose
//! lineage joins this one's by content hash) and read their history into
//! `refs/lineage/<name>/` (docs/multi-repo.md).

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use git_lineage::remote::Remote;

use crate::ui::{CommandError, Format, Ui};

/// Lineage remotes: other repositories (a data team's, a feature team's)
/// whose records join this repository's wherever they share a content
/// hash. Declared under `remotes:` in `.lineage/config.yaml`; `git lineage
/// fetch` reads their history, and history commands take `--remotes` or
/// `--remote NAME` to answer over them too (docs/multi-repo.md).
#[derive(Debug, Args)]
pub struct RemoteArgs {
    #[command(subcommand)]
    pub command: RemoteCommand,
}

/// The remote subcommands.
#[derive(Debug, Subcommand)]
pub enum RemoteCommand {
    Add(RemoteAddArgs),
    List(RemoteListArgs),
    Remove(RemoteRemoveArgs),
}

/// Declare a lineage remote: an entry added to `.lineage/config.yaml`
/// (its comments and other keys kept). Commit the config to share it.
#[derive(Debug, Args)]
pub struct RemoteAddArgs {
    /// The remote's name: letters, digits, '.', '_' or '-'.
    pub name: String,
    /// Where the repository is, as `git fetch` takes it (URL, host:path, or
    /// a path relative to the worktree root).
    pub url: String,
    /// A branch (or full ref) whose history is read; repeat for more. The
    /// remote's HEAD when none is given.
    #[arg(long = "ref", value_name = "BRANCH")]
    pub refs: Vec<String>,
}

/// List the declared lineage remotes and the submodules HEAD pins (read as
/// lineage sources at the pinned commit), with the refs fetched from each.
#[derive(Debug, Args)]
pub struct RemoteListArgs {
    /// Output format: text or json (docs/json.md).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Remove a lineage remote from `.lineage/config.yaml` and delete the refs
/// fetched from it.
#[derive(Debug, Args)]
pub struct RemoteRemoveArgs {
    /// The remote's name.
    pub name: String,
}

/// Fetch the history of lineage remotes into `refs/lineage/<name>/<branch>`
/// through `git fetch` (your transports and credential helpers apply), and
/// each submodule HEAD pins at that commit into `refs/lineage/<name>/pinned`.
/// Only those refs are written: no branch, tag, git remote or FETCH_HEAD
/// changes. Afterwards history commands read them with `--remotes` or
/// `--remote NAME`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The remotes (or submodules) to fetch; every one when none is given.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Output format: text or json (docs/json.md).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn cmd_remote(ui: &mut Ui, cwd: &Path, args: &RemoteArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    match &args.command {
        RemoteCommand::Add(add) => {
            let remote = git_lineage::remote::add(&repo, &add.name, &add.url, &add.refs)?;
            ui.line(format_args!(
                "added lineage remote {} ({}, refs {}) to .lineage/config.yaml; fetch it with `git lineage fetch {}`",
                remote.name,
                remote.url,
                remote.refs.join(", "),
                remote.name
            ))?;
        }
        RemoteCommand::List(list) => {
            let remotes = git_lineage::remote::list(&repo)?;
            match list.format {
                Format::Json => ui.json(&serde_json::json!({ "remotes": remotes }))?,
                Format::Text => {
                    for remote in &remotes {
                        let what = match &remote.submodule {
                            Some(sub) => {
                                format!("submodule {} pinned {}", sub.path, short(&sub.pinned))
                            }
                            None => format!("refs {}", remote.refs.join(", ")),
                        };
                        ui.line(format_args!("{}\t{}\t{what}", remote.name, remote.url))?;
                        if let Some(problem) = &remote.problem {
                            ui.line(format_args!("  not read: {problem}"))?;
                        } else if remote.fetched.is_empty() {
                            ui.line("  not fetched")?;
                        }
                        for fetched in &remote.fetched {
                            let stale = remote
                                .submodule
                                .as_ref()
                                .is_some_and(|sub| sub.pinned != fetched.new);
                            ui.line(format_args!(
                                "  {} {}{}",
                                fetched.local,
                                short(&fetched.new),
                                if stale {
                                    " (the pin moved: `git lineage fetch` reads the new one)"
                                } else {
                                    ""
                                }
                            ))?;
                        }
                    }
                }
            }
        }
        RemoteCommand::Remove(remove) => {
            git_lineage::remote::remove(&repo, &remove.name)?;
            ui.line(format_args!(
                "removed lineage remote {} from .lineage/config.yaml and deleted refs/lineage/{}/",
                remove.name, remove.name
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn cmd_fetch(ui: &mut Ui, cwd: &Path, args: &FetchArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let fetched = git_lineage::remote::fetch(&repo, &args.names)?;
    for problem in fetched.iter().filter_map(|r| r.problem.as_ref()) {
        ui.note(format!("warning: {problem}"));
    }
    match args.format {
        Format::Json => ui.json(&serde_json::json!({ "remotes": fetched }))?,
        Format::Text => print_fetched(ui, &fetched)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_fetched(ui: &mut Ui, fetched: &[Remote]) -> Result<(), CommandError> {
    for remote in fetched {
        for r in &remote.fetched {
            let change = match &r.old {
                None => format!("new {}", short(&r.new)),
                Some(old) if *old == r.new => format!("up to date {}", short(&r.new)),
                Some(old) => format!("{}..{}", short(old), short(&r.new)),
            };
            ui.line(format_args!("{}: {} {change}", remote.name, r.local))?;
        }
    }
    Ok(())
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
