//! `run`: execute a command with inherited stdio, then record it with its
//! argv, start and end times and exit status.
//!
//! Inputs are hashed before the command starts (what it read), outputs and
//! metrics files after it ends (what it wrote). A failed command is recorded
//! only when asked; otherwise nothing is written.

use std::process::Command;

use crate::capture::{self, RecordRequest, Recorded};
use crate::record::ExitStatus;
use crate::repo::Repo;
use crate::time::Timestamp;
use crate::{Error, Result};

/// How `run` ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunOutcome {
    /// How the command ended.
    pub exit: ExitStatus,
    /// The record written, if any.
    pub recorded: Option<Recorded>,
}

/// How `run` treats the command.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Record a command that fails too (outputs that do not exist are left out).
    pub record_failure: bool,
    /// Send the command's standard output to our standard error, so that our
    /// standard output carries only git-lineage's result (used for `--format json`).
    pub stdout_to_stderr: bool,
}

/// Run `argv` in `request.cwd` with inherited stdin and stderr (and stdout,
/// unless [`RunOptions::stdout_to_stderr`]), then record it.
pub fn run(
    repo: &Repo,
    request: &RecordRequest,
    argv: &[String],
    options: RunOptions,
) -> Result<RunOutcome> {
    let (program, args) = argv.split_first().ok_or_else(|| Error::InvalidArgument {
        field: "command",
        problem: "no command given after --".into(),
    })?;
    let prepared = capture::prepare(repo, request)?;
    let started = Timestamp::now();
    let mut command = Command::new(program);
    command.args(args).current_dir(&request.cwd);
    if options.stdout_to_stderr {
        command.stdout(std::io::stderr());
    }
    let status = command.status().map_err(|source| Error::Spawn {
        program: program.clone(),
        source,
    })?;
    let ended = Timestamp::now();
    let exit = exit_status(status);
    if !exit.success() && !options.record_failure {
        return Ok(RunOutcome {
            exit,
            recorded: None,
        });
    }
    let mut finished = request.clone();
    finished.command = argv.to_vec();
    finished.started = Some(started);
    finished.ended = Some(ended.max(started));
    finished.exit = Some(exit);
    if !exit.success() {
        finished
            .outputs
            .retain(|spec| prepared.context().spec_exists(spec, &request.cwd));
        finished
            .metrics_files
            .retain(|f| request.cwd.join(f).exists());
    }
    let recorded = prepared.finish(&finished)?;
    Ok(RunOutcome {
        exit,
        recorded: Some(recorded),
    })
}

fn exit_status(status: std::process::ExitStatus) -> ExitStatus {
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal = None;
    ExitStatus {
        code: status.code(),
        signal,
    }
}
