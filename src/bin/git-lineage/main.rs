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
    max_term_width = 100
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
    Search(commands::search::SearchArgs),
    Diff(commands::diff::DiffArgs),
    Status(commands::status::StatusArgs),
    Export(commands::export::ExportArgs),
    Verify(commands::verify::VerifyArgs),
    Registry(commands::registry::RegistryArgs),
    Demo(commands::demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Search(args) => commands::search::cmd_search(&mut ui, &cwd, args),
        Command::Diff(args) => commands::diff::cmd_diff(&mut ui, &cwd, args),
        Command::Status(args) => commands::status::cmd_status(&mut ui, &cwd, args),
        Command::Export(args) => commands::export::cmd_export(&mut ui, &cwd, args),
        Command::Verify(args) => commands::verify::cmd_verify(&mut ui, &cwd, args),
        Command::Registry(args) => commands::registry::cmd_registry(&mut ui, &cwd, args),
        Command::Demo(args) => commands::demo::cmd_demo(&mut ui, &cwd, args),
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
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
