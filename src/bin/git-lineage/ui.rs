//! Output and error rendering: data to stdout, warnings to stderr (hidden by
//! `--quiet`), errors as `error:` / `caused by:` / `hint:`. A closed pipe
//! (`git lineage show X | head`) ends the program quietly, and an unwritable
//! stderr (`2>/dev/full`) never panics: the exit code still says what happened.

use std::io::Write;
use std::process::ExitCode;

use git_lineage::Hint;

/// Exit code for a check that ran and found problems.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code for usage and input errors.
pub const EXIT_USAGE: u8 = 2;

/// The output format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable text (for `log` and `search` a table; `table` is
    /// accepted as another name for it).
    #[default]
    #[value(alias = "table")]
    Text,
    /// One JSON document (docs/json.md).
    Json,
}

/// An error ready to print: message, causes and a hint.
#[derive(Debug)]
pub struct CommandError {
    message: String,
    causes: Vec<String>,
    hint: Option<String>,
    /// Set when stdout was closed: exit quietly.
    broken_pipe: bool,
}

impl CommandError {
    /// A usage error with only a message.
    pub fn usage(message: impl Into<String>) -> CommandError {
        CommandError {
            message: message.into(),
            causes: Vec::new(),
            hint: None,
            broken_pipe: false,
        }
    }

    /// The same error with a hint saying what to do.
    pub fn with_hint(mut self, hint: impl Into<String>) -> CommandError {
        self.hint = Some(hint.into());
        self
    }
}

impl From<git_lineage::Error> for CommandError {
    fn from(err: git_lineage::Error) -> CommandError {
        let message = err.to_string();
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            let text = cause.to_string();
            // Messages already embed their direct cause; print only what is new.
            if !message.contains(&text) && !causes.iter().any(|c: &String| c.contains(&text)) {
                causes.push(text);
            }
            source = cause.source();
        }
        CommandError {
            message,
            causes,
            hint: err.hint().map(String::from),
            broken_pipe: false,
        }
    }
}

/// `?` on a module error of the library: rendered like the
/// [`git_lineage::Error`] that wraps it, hint included.
macro_rules! from_library_error {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for CommandError {
            fn from(err: $error) -> CommandError {
                CommandError::from(git_lineage::Error::from(err))
            }
        }
    )*};
}

from_library_error!(
    git_lineage::repo::RepoError,
    git_lineage::store::StoreError,
    git_lineage::refspec::RefError,
    git_lineage::registry::model::RegistryError,
    git_lineage::history::HistoryError,
    git_lineage::params::ParamsError,
    git_lineage::query::QueryError,
    git_lineage::profile::ProfileError,
);

impl From<std::io::Error> for CommandError {
    fn from(err: std::io::Error) -> CommandError {
        CommandError {
            broken_pipe: err.kind() == std::io::ErrorKind::BrokenPipe,
            ..CommandError::usage(format!("cannot write output: {err}"))
        }
    }
}

impl From<serde_json::Error> for CommandError {
    fn from(err: serde_json::Error) -> CommandError {
        CommandError {
            broken_pipe: err.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe),
            ..CommandError::usage(format!("cannot write JSON: {err}"))
        }
    }
}

/// Where commands print. Stdout is block-buffered (a 100,000-line `log`
/// would otherwise make one write call per line); it is flushed before
/// anything goes to stderr and when the command ends.
pub struct Ui {
    quiet: bool,
    stdout: std::io::BufWriter<std::io::StdoutLock<'static>>,
}

impl Ui {
    /// A UI on the process's stdout and stderr.
    pub fn new(quiet: bool) -> Ui {
        Ui {
            quiet,
            stdout: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
        }
    }

    /// Print a line of data to stdout.
    pub fn line(&mut self, text: impl std::fmt::Display) -> Result<(), CommandError> {
        writeln!(self.stdout, "{text}")?;
        Ok(())
    }

    /// Stdout, for the library's renderers (`write_xxx(ui.out(), &report)`).
    pub fn out(&mut self) -> &mut impl Write {
        &mut self.stdout
    }

    /// Print a value as pretty JSON to stdout.
    pub fn json<T: serde::Serialize>(&mut self, value: &T) -> Result<(), CommandError> {
        serde_json::to_writer_pretty(&mut self.stdout, value)?;
        writeln!(self.stdout)?;
        Ok(())
    }

    /// Print raw bytes to stdout.
    pub fn bytes(&mut self, bytes: &[u8]) -> Result<(), CommandError> {
        self.stdout.write_all(bytes)?;
        Ok(())
    }

    /// A progress note or warning on stderr, unless `--quiet`.
    pub fn note(&mut self, text: impl std::fmt::Display) {
        if !self.quiet {
            let _ = self.stdout.flush();
            stderr_line(format_args!("{text}"));
        }
    }

    /// Flush stdout: before a child process writes to the same terminal,
    /// and when the command ends.
    pub fn flush(&mut self) -> Result<(), CommandError> {
        self.stdout.flush()?;
        Ok(())
    }

    /// The phase timings the library recorded under `GIT_LINEAGE_TRACE`, on
    /// stderr even with `--quiet`, one `trace: <ms> ms  <phase>` line each.
    pub fn trace(&mut self) {
        let marks = git_lineage::history::take_trace();
        if !marks.is_empty() {
            let _ = self.stdout.flush();
        }
        for (ms, what) in marks {
            stderr_line(format_args!("trace: {ms:>8.1} ms  {what}"));
        }
    }

    /// Print an error and return the exit code for it.
    pub fn report(&mut self, err: &CommandError) -> ExitCode {
        let _ = self.stdout.flush();
        if err.broken_pipe {
            return ExitCode::SUCCESS;
        }
        stderr_line(format_args!("error: {}", err.message));
        for cause in &err.causes {
            stderr_line(format_args!("caused by: {cause}"));
        }
        if let Some(hint) = &err.hint {
            stderr_line(format_args!("hint: {hint}"));
        }
        ExitCode::from(EXIT_USAGE)
    }
}

/// Write one line to stderr. Unlike `eprintln!`, a failed write (stderr
/// closed or a full disk) is ignored instead of panicking: there is nowhere
/// left to report it, and the exit code still tells the caller what happened.
fn stderr_line(text: std::fmt::Arguments<'_>) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_fmt(text)
        .and_then(|()| stderr.write_all(b"\n"));
}
