//! The `git-lineage` binary (`git lineage …` when on PATH): parses arguments,
//! calls the library, prints results as text or JSON, and renders errors
//! once as `error:` / `caused by:` / `hint:` with exit code 2.

mod commands;
mod demo;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::ui::{CommandError, Ui};

/// Git-native lineage for machine-learning work: record what data, code and
/// parameters made each model, in manifests committed with your code.
#[derive(Debug, Parser)]
#[command(
    name = "git-lineage",
    bin_name = "git lineage",
    version,
    max_term_width = 100,
    after_help = "A command's full help: `git lineage COMMAND --help` (or `git lineage help COMMAND`).\n\
                  `git lineage --help` and `git help lineage` open the man page once installed:\n\
                  `git lineage install-man` (docs/cli.md#install-man)."
)]
pub struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Do not print progress or warnings to stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    Init(commands::init::InitArgs),
    Record(commands::record::RecordArgs),
    Run(commands::run::RunArgs),
    Commit(commands::commit::CommitArgs),
    Show(commands::show::ShowArgs),
    Log(commands::log::LogArgs),
    Graph(commands::graph::GraphArgs),
    Impact(commands::impact::ImpactArgs),
    Where(commands::locations::WhereArgs),
    Search(commands::search::SearchArgs),
    Diff(commands::diff::DiffArgs),
    Status(commands::status::StatusArgs),
    Profile(commands::profile::ProfileArgs),
    Drift(commands::drift::DriftArgs),
    Export(commands::export::ExportArgs),
    Emit(commands::emit::EmitArgs),
    Remote(commands::remote::RemoteArgs),
    Fetch(commands::remote::FetchArgs),
    Verify(commands::verify::VerifyArgs),
    View(commands::view::ViewArgs),
    Registry(commands::registry::RegistryArgs),
    Drop(commands::drop::DropArgs),
    Gc(commands::gc::GcArgs),
    Du(commands::du::DuArgs),
    Expire(commands::expire::ExpireArgs),
    Demo(commands::demo::DemoArgs),
    InstallMan(commands::install_man::InstallManArgs),
}

/// One short line per command for the command list of `git lineage -h`; each
/// command's own doc comment stays its `--help` text. A command missing here
/// lists its whole doc comment.
const SHORT_ABOUT: &[(&str, &str)] = &[
    ("init", "Create `.lineage/` with a commented config.yaml"),
    (
        "record",
        "Record a finished step: its data, code, parameters and metrics",
    ),
    ("run", "Run a command, then record it"),
    (
        "commit",
        "Commit every uncommitted record, and only them, in one commit",
    ),
    ("show", "Show one record"),
    ("log", "List records in history order, newest first"),
    (
        "graph",
        "Show the lineage graph around a REF: upstream, downstream or both",
    ),
    (
        "impact",
        "Show everything downstream of a REF: the blast radius",
    ),
    (
        "where",
        "Where a recorded artifact's bytes are kept: records, LFS, DVC, annex",
    ),
    (
        "search",
        "Find records by kind, name, parameter, metric, input, author, date",
    ),
    (
        "diff",
        "Compare two records, or what a revision range changed in lineage",
    ),
    (
        "status",
        "Show recorded data that changed on disk, and what is now stale",
    ),
    (
        "export",
        "Export lineage: OpenLineage, PROV-JSON, in-toto, DOT, Mermaid, JSON",
    ),
    (
        "emit",
        "Send OpenLineage events to an HTTP endpoint (Marquez, DataHub)",
    ),
    (
        "remote",
        "Declare lineage remotes: other repositories joined by content hash",
    ),
    (
        "fetch",
        "Fetch lineage remotes' history into refs/lineage/<name>/",
    ),
    (
        "verify",
        "Check record ids, schemas, references and history",
    ),
    (
        "view",
        "Write the lineage graph as one interactive, self-contained HTML page",
    ),
    (
        "registry",
        "The model registry: versions, approvals, stages, resolve",
    ),
    (
        "profile",
        "Profile a dataset: counts, nulls, quantiles, histograms, categories",
    ),
    (
        "drift",
        "Compare two datasets column by column: KS, PSI, chi-square verdicts",
    ),
    (
        "drop",
        "Record that artifacts' bytes were deleted (a tombstone)",
    ),
    (
        "gc",
        "Apply the retention policy: what to drop, what is protected",
    ),
    (
        "du",
        "Bytes of recorded artifacts: present, dropped, external",
    ),
    (
        "expire",
        "Delete lineage records, sanctioned by policy and recorded",
    ),
    ("demo", "Build an example lineage repository in DIR"),
    (
        "install-man",
        "Install the man pages (for `git lineage --help`, `git help lineage`)",
    ),
];

/// The command line definition: the derived one, with each subcommand's
/// short line from [`SHORT_ABOUT`] and its doc comment as the long help.
pub fn cli_command() -> clap::Command {
    let mut command = <Cli as clap::CommandFactory>::command();
    for (name, short) in SHORT_ABOUT {
        command = command.mut_subcommand(*name, |sub| {
            match sub.get_long_about().or(sub.get_about()).cloned() {
                Some(long) => sub.about(*short).long_about(long),
                None => sub.about(*short),
            }
        });
    }
    command
}

fn main() -> ExitCode {
    let cli = match cli_command()
        .try_get_matches()
        .and_then(|matches| <Cli as clap::FromArgMatches>::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    let mut ui = Ui::new(cli.quiet);
    let cwd = match working_directory(cli.directory.as_deref()) {
        Ok(cwd) => cwd,
        Err(err) => return ui.report(&err),
    };
    let result = match &cli.command {
        Command::Init(args) => commands::init::cmd_init(&mut ui, &cwd, args),
        Command::Record(args) => commands::record::cmd_record(&mut ui, &cwd, args),
        Command::Run(args) => commands::run::cmd_run(&mut ui, &cwd, args),
        Command::Commit(args) => commands::commit::cmd_commit(&mut ui, &cwd, args),
        Command::Show(args) => commands::show::cmd_show(&mut ui, &cwd, args),
        Command::Log(args) => commands::log::cmd_log(&mut ui, &cwd, args),
        Command::Graph(args) => commands::graph::cmd_graph(&mut ui, &cwd, args),
        Command::Impact(args) => commands::impact::cmd_impact(&mut ui, &cwd, args),
        Command::Where(args) => commands::locations::cmd_where(&mut ui, &cwd, args),
        Command::Search(args) => commands::search::cmd_search(&mut ui, &cwd, args),
        Command::Diff(args) => commands::diff::cmd_diff(&mut ui, &cwd, args),
        Command::Status(args) => commands::status::cmd_status(&mut ui, &cwd, args),
        Command::Profile(args) => commands::profile::cmd_profile(&mut ui, &cwd, args),
        Command::Drift(args) => commands::drift::cmd_drift(&mut ui, &cwd, args),
        Command::Export(args) => commands::export::cmd_export(&mut ui, &cwd, args),
        Command::Emit(args) => commands::emit::cmd_emit(&mut ui, &cwd, args),
        Command::Remote(args) => commands::remote::cmd_remote(&mut ui, &cwd, args),
        Command::Fetch(args) => commands::remote::cmd_fetch(&mut ui, &cwd, args),
        Command::Verify(args) => commands::verify::cmd_verify(&mut ui, &cwd, args),
        Command::View(args) => commands::view::cmd_view(&mut ui, &cwd, args),
        Command::Registry(args) => commands::registry::cmd_registry(&mut ui, &cwd, args),
        Command::Drop(args) => commands::drop::cmd_drop(&mut ui, &cwd, args),
        Command::Gc(args) => commands::gc::cmd_gc(&mut ui, &cwd, args),
        Command::Du(args) => commands::du::cmd_du(&mut ui, &cwd, args),
        Command::Expire(args) => commands::expire::cmd_expire(&mut ui, &cwd, args),
        Command::Demo(args) => commands::demo::cmd_demo(&mut ui, &cwd, args),
        Command::InstallMan(args) => commands::install_man::cmd_install_man(&mut ui, &cwd, args),
    };
    ui.trace();
    match result.and_then(|code| ui.flush().map(|()| code)) {
        Ok(code) => code,
        Err(err) => ui.report(&err),
    }
}

fn working_directory(dir: Option<&std::path::Path>) -> Result<PathBuf, CommandError> {
    let cwd = std::env::current_dir()
        .map_err(|e| CommandError::usage(format!("cannot read the current directory: {e}")))?;
    let Some(dir) = dir else { return Ok(cwd) };
    let dir = cwd.join(dir);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(CommandError::usage(format!(
            "-C '{}': no such directory",
            dir.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cli_definition_is_consistent() {
        super::cli_command().debug_assert();
    }

    #[test]
    fn every_short_line_names_a_command_and_fits_one_line() {
        let command = super::cli_command();
        for (name, short) in super::SHORT_ABOUT {
            assert!(command.find_subcommand(name).is_some(), "no command {name}");
            assert!(short.len() <= 72, "{name}: short line too long");
        }
    }
}
