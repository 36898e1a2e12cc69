//! The hermetic test environment: a temp dir with a fake HOME, no global or
//! system git config, fixed identities, and clocks (git's and git-lineage's)
//! that advance by one minute per command so ids and outputs are reproducible.

#![allow(dead_code)]

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_git-lineage"))
}

/// A temp directory with a hermetic environment for `git` and `git-lineage`.
pub struct TestEnv {
    dir: tempfile::TempDir,
    tick: Cell<u64>,
}

/// What a command did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from_output(what: String, output: Output) -> Run {
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        if run.stderr.contains("panicked") {
            panic!("{what} panicked:\n{}", run.stderr);
        }
        run
    }

    /// Assert exit code 0 and return self.
    #[track_caller]
    pub fn success(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Assert the exit code and return self.
    #[track_caller]
    pub fn code(self, expected: i32) -> Run {
        assert_eq!(
            self.code, expected,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Parse stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        TestEnv {
            dir,
            tick: Cell::new(0),
        }
    }

    /// The root of the environment.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `<root>/<name>`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn next_time(&self) -> (String, String) {
        let tick = self.tick.get() + 1;
        self.tick.set(tick);
        let epoch = 1_795_000_000 + tick * 60; // 2026-11-17 plus one minute per command
        let secs = tick * 60;
        let rfc = format!(
            "2026-11-22T{:02}:{:02}:{:02}Z",
            (10 + secs / 3600) % 24,
            (secs / 60) % 60,
            secs % 60
        );
        (format!("{epoch} +0000"), rfc)
    }

    /// A command with the hermetic environment applied.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>, cwd: &Path) -> Command {
        let (git_date, lineage_now) = self.next_time();
        let mut cmd = Command::new(program);
        cmd.current_dir(cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("LANG", "C")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_DATE", &git_date)
            .env("GIT_COMMITTER_DATE", &git_date)
            .env("GIT_LINEAGE_NOW", lineage_now)
            .stdin(Stdio::null());
        cmd
    }

    /// Run `git-lineage ARGS` in `cwd`.
    pub fn lineage(&self, cwd: &Path, args: &[&str]) -> Run {
        let output = self
            .command(bin(), cwd)
            .args(args)
            .output()
            .expect("run git-lineage");
        Run::from_output(format!("git-lineage {args:?}"), output)
    }

    /// Run `git ARGS` in `cwd` and require success.
    #[track_caller]
    pub fn git(&self, cwd: &Path, args: &[&str]) -> String {
        let output = self
            .command("git", cwd)
            .args(args)
            .output()
            .expect("run git");
        assert!(
            output.status.success(),
            "git {args:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// A new repository `<root>/<name>` with an identity, one commit of
    /// `train.py`, and `git lineage init` run (its config left uncommitted).
    pub fn repo(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).expect("repo dir");
        self.git(&dir, &["init", "-q", "-b", "main"]);
        self.git(&dir, &["config", "user.name", "Jane Doe"]);
        self.git(&dir, &["config", "user.email", "jane@example.com"]);
        write(&dir.join("train.py"), "print('training')\n");
        self.git(&dir, &["add", "train.py"]);
        self.git(&dir, &["commit", "-q", "-m", "add training code"]);
        self.lineage(&dir, &["init"]).success();
        dir
    }
}

/// Write a file, creating parent directories.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("parent dir");
    }
    std::fs::write(path, contents).expect("write file");
}

/// Every record file under `<repo>/.lineage/records`.
pub fn record_files(repo: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let records = repo.join(".lineage/records");
    if let Ok(shards) = std::fs::read_dir(&records) {
        for shard in shards.flatten() {
            if let Ok(entries) = std::fs::read_dir(shard.path()) {
                files.extend(entries.flatten().map(|e| e.path()));
            }
        }
    }
    files.sort();
    files
}

/// BLAKE3 hex of bytes, computed independently of the crate under test.
pub fn b3(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}
