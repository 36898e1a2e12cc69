use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::run::RunOptions;

use super::record::{StepArgs, print_recorded};
use crate::ui::{CommandError, Format, Ui};

/// Run a command, then record it with its argv, start and end times and exit
/// status. Inputs are hashed before it starts, outputs after it ends. Nothing
/// is recorded if it fails (unless --record-failure); exits with its status.
/// The command's output goes to the terminal; with --format json its stdout
/// is sent to stderr so that stdout holds exactly one JSON document.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Record the step even when the command fails (missing outputs are left out).
    #[arg(long)]
    pub record_failure: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn cmd_run(ui: &mut Ui, cwd: &Path, args: &RunArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let request = args.step.request(cwd);
    let options = RunOptions {
        record_failure: args.record_failure,
        stdout_to_stderr: args.step.format == Format::Json,
    };
    let outcome = git_lineage::run::run(&repo, &request, &args.command, options)?;
    match &outcome.recorded {
        _ if args.step.format == Format::Json => ui.json(&outcome)?,
        Some(recorded) => print_recorded(ui, recorded, Format::Text)?,
        None => ui.note(format!(
            "not recorded: '{}' exited with status {} (pass --record-failure to record failed runs)",
            args.command.join(" "),
            outcome.exit.shell_code()
        )),
    }
    Ok(ExitCode::from(
        u8::try_from(outcome.exit.shell_code()).unwrap_or(1),
    ))
}
