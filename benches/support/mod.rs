//! What the history and organisation benchmarks share: hermetic `git` and
//! `git lineage` processes, running them, fast-import data blocks, and the
//! figures they print. Included by each bench with `#[path]` (a bench is its
//! own crate); not a bench target itself.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// A bench's result: any error, printed by its `main`.
pub type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_git-lineage");

/// The identity generated commits and records carry.
pub const BENCH_NAME: &str = "Bench Runner";
/// Its email.
pub const BENCH_EMAIL: &str = "bench@example.com";

/// `cmd` without the caller's `GIT_*` variables and config, with the
/// bench's identity and a fixed locale.
pub fn hermetic(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("GIT_")) {
            cmd.env_remove(key);
        }
    }
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", BENCH_NAME)
        .env("GIT_AUTHOR_EMAIL", BENCH_EMAIL)
        .env("GIT_COMMITTER_NAME", BENCH_NAME)
        .env("GIT_COMMITTER_EMAIL", BENCH_EMAIL)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
}

/// Run a bench's body: exit 0, or print its error and exit 1.
pub fn run(bench: impl FnOnce() -> BenchResult<()>) -> ExitCode {
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Where a bench keeps its generated repositories: `GIT_LINEAGE_BENCH_DIR`
/// (created, kept), else a temporary directory named `PREFIX…`, removed
/// when the returned guard drops.
pub fn work_dir(prefix: &str) -> BenchResult<(Option<tempfile::TempDir>, PathBuf)> {
    match std::env::var_os("GIT_LINEAGE_BENCH_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir)?;
            Ok((None, std::fs::canonicalize(dir)?))
        }
        None => {
            let temp = tempfile::Builder::new().prefix(prefix).tempdir()?;
            let dir = temp.path().to_path_buf();
            Ok((Some(temp), dir))
        }
    }
}

/// A hermetic `git` in `repo`.
pub fn git(repo: &Path) -> Command {
    let mut cmd = Command::new("git");
    hermetic(&mut cmd).current_dir(repo);
    cmd
}

/// A hermetic `git lineage ARGS` in `repo`.
pub fn lineage(repo: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    hermetic(&mut cmd).current_dir(repo).args(args);
    cmd
}

/// Run git and return its stdout; an error if it fails.
pub fn run_git(repo: &Path, args: &[&str]) -> BenchResult<String> {
    let mut cmd = git(repo);
    cmd.args(args);
    capture(cmd, &format!("git {}", args.join(" ")))
}

/// Run `cmd`, return its stdout; an error with its stderr if it fails.
pub fn capture(mut cmd: Command, what: &str) -> BenchResult<String> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if !out.status.success() {
        return Err(failed(what, &out));
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Run `cmd` with stdout to /dev/null; an error with its stderr if it fails.
pub fn quiet(mut cmd: Command, what: &str) -> BenchResult<()> {
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    if !out.status.success() {
        return Err(failed(what, &out));
    }
    Ok(())
}

/// The error of a command that failed: what, its status and its stderr.
fn failed(what: &str, out: &std::process::Output) -> Box<dyn std::error::Error> {
    format!(
        "`{what}` failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    )
    .into()
}

/// A `git fast-import` data block holding `bytes`.
pub fn write_data(stream: &mut impl Write, bytes: &[u8]) -> BenchResult<()> {
    writeln!(stream, "data {}", bytes.len())?;
    stream.write_all(bytes)?;
    writeln!(stream)?;
    Ok(())
}

/// The 1, 5 and 15 minute load averages, for the report.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `n` with thousands separated by commas.
pub fn group_thousands(n: usize) -> String {
    let text = n.to_string();
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i > 0 && (text.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
