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
    /// As the environment's first commands, it is a copy of a template built
    /// once per process with the same clock ([`repo_template`]): the same
    /// bytes, commit ids and following times as building it here.
    pub fn repo(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        if self.tick.get() == 0 && !dir.exists() {
            copy_tree(repo_template(), &dir);
            self.tick.set(REPO_TICKS);
            return dir;
        }
        self.build_repo(&dir);
        dir
    }

    /// What [`TestEnv::repo`] does, command by command ([`REPO_TICKS`] of them).
    fn build_repo(&self, dir: &Path) {
        std::fs::create_dir_all(dir).expect("repo dir");
        self.git(dir, &["init", "-q", "-b", "main"]);
        self.git(dir, &["config", "user.name", "Jane Doe"]);
        self.git(dir, &["config", "user.email", "jane@example.com"]);
        write(&dir.join("train.py"), "print('training')\n");
        self.git(dir, &["add", "train.py"]);
        self.git(dir, &["commit", "-q", "-m", "add training code"]);
        self.lineage(dir, &["init"]).success();
    }
}

/// How many commands (clock ticks) building a [`TestEnv::repo`] takes.
const REPO_TICKS: u64 = 6;

/// The repository [`TestEnv::repo`] builds, built once per process by a
/// fresh environment (so with the clock a fresh environment has).
fn repo_template() -> &'static Path {
    static TEMPLATE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let env = TestEnv::new();
        let dir = process_temp_dir().join("repo-template");
        env.build_repo(&dir);
        assert_eq!(env.tick.get(), REPO_TICKS, "REPO_TICKS is out of date");
        dir
    })
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

// --- record/commit helpers ---

/// `<repo>/.lineage/records/<2 hex>/<id>.yaml`, computed from the id alone.
pub fn record_path(repo: &Path, id: &str) -> PathBuf {
    repo.join(record_rel_path(id))
}

/// `.lineage/records/<2 hex>/<id>.yaml`, the worktree-relative path of a record.
pub fn record_rel_path(id: &str) -> String {
    assert_eq!(id.len(), 64, "not a full record id: {id:?}");
    format!(".lineage/records/{}/{id}.yaml", &id[..2])
}

/// Read the record `id`, check that its bytes hash to its id, and parse it
/// with serde_yaml (not the crate under test) into a JSON value.
#[track_caller]
pub fn load_record(repo: &Path, id: &str) -> serde_json::Value {
    let path = record_path(repo, id);
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert_eq!(
        b3(&bytes),
        id,
        "{} does not hash to its name",
        path.display()
    );
    parse_yaml(&bytes)
}

/// Parse YAML bytes with serde_yaml into a JSON value.
#[track_caller]
pub fn parse_yaml(bytes: &[u8]) -> serde_json::Value {
    let value: serde_yaml::Value = serde_yaml::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "not YAML ({e}):\n{}",
            String::from_utf8_lossy(bytes).into_owned()
        )
    });
    serde_json::to_value(value).expect("YAML to JSON")
}

/// The ids of every record file under `<repo>/.lineage/records`, from the file names.
pub fn record_ids(repo: &Path) -> Vec<String> {
    record_files(repo)
        .iter()
        .map(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .expect("record file name")
                .to_string()
        })
        .collect()
}

/// `git add -A && git commit -m MESSAGE`: commit everything in the worktree.
pub fn commit_all(env: &TestEnv, repo: &Path, message: &str) {
    env.git(repo, &["add", "-A"]);
    env.git(repo, &["commit", "-q", "-m", message]);
}

/// Every path in HEAD's tree (`git ls-tree -r HEAD --name-only`).
pub fn head_tree_paths(env: &TestEnv, repo: &Path) -> Vec<String> {
    lines(&env.git(repo, &["ls-tree", "-r", "HEAD", "--name-only"]))
}

/// The non-empty lines of a command's output.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Nanoseconds since the Unix epoch of an RFC 3339 UTC timestamp
/// (`YYYY-MM-DDTHH:MM:SS[.frac]Z`), checked by shape and parsed by GNU `date`.
#[track_caller]
pub fn rfc3339_utc_nanos(text: &str) -> i128 {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| range.clone().all(|i| b[i].is_ascii_digit());
    let shape_ok = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && text.ends_with('Z')
        && (b.len() == 20 || (b[19] == b'.' && b.len() > 21 && digits(20..b.len() - 1)));
    assert!(shape_ok, "not an RFC 3339 UTC timestamp: {text:?}");
    let output = Command::new("date")
        .args(["-u", "-d", text, "+%s%N"])
        .output()
        .expect("run date");
    assert!(
        output.status.success(),
        "date cannot parse {text:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("date printed a number")
}

// --- error/verify helpers ---

/// `<crate root>/fixtures/<rel>`: a static test input.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The bytes of `fixtures/<rel>`.
#[track_caller]
pub fn fixture_bytes(rel: &str) -> Vec<u8> {
    let path = fixture(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Copy `fixtures/<rel>` to `dest` (creating parent directories); returns its bytes.
#[track_caller]
pub fn copy_fixture(rel: &str, dest: &Path) -> Vec<u8> {
    let bytes = fixture_bytes(rel);
    write(dest, &bytes);
    bytes
}

/// Every file (not directory) at any depth under `dir`, temporary files
/// included, sorted. A missing `dir` has none.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(entry.path()),
                _ => out.push(entry.path()),
            }
        }
    }
    out.sort();
    out
}

/// Store `bytes` as a record file named by their BLAKE3, bypassing the
/// binary: `.lineage/records/<h[..2]>/<h>.yaml`. Returns `h`.
pub fn store_raw_record(repo: &Path, bytes: &[u8]) -> String {
    let id = b3(bytes);
    write(
        &repo.join(format!(".lineage/records/{}/{id}.yaml", &id[..2])),
        bytes,
    );
    id
}

/// The text after `hint: ` on stderr, if there is such a line.
pub fn hint_line(stderr: &str) -> Option<&str> {
    stderr.lines().find_map(|l| l.strip_prefix("hint: "))
}

// --- history/graph helpers ---

/// Run `record --kind KIND --name NAME ARGS` in `repo` and return the id it prints.
#[track_caller]
pub fn record_step(env: &TestEnv, repo: &Path, kind: &str, name: &str, args: &[&str]) -> String {
    let mut all = vec!["record", "--kind", kind, "--name", name];
    all.extend_from_slice(args);
    let run = env.lineage(repo, &all).success();
    let id = run.stdout.trim().to_string();
    assert_eq!(id.len(), 64, "stdout is not one record id:\n{}", run.stdout);
    id
}

/// `git rev-parse REV` in `repo`, trimmed.
#[track_caller]
pub fn rev_parse(env: &TestEnv, repo: &Path, rev: &str) -> String {
    env.git(repo, &["rev-parse", rev]).trim().to_string()
}

/// A person in `log`/`search`/`graph` JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// The commit that introduced a record, in `log`/`search` JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LogCommit {
    pub id: String,
    pub author: Person,
    pub date: String,
    pub message: String,
}

/// One record of `log`/`search --format json`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct LogRecord {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub path: String,
    pub recorded: String,
    pub commit: Option<LogCommit>,
}

/// `log`/`search --format json`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct LogOutput {
    pub records: Vec<LogRecord>,
}

impl LogOutput {
    /// The record ids, in output order.
    pub fn ids(&self) -> Vec<String> {
        self.records.iter().map(|r| r.id.clone()).collect()
    }
}

/// Run `git-lineage ARGS --format json` (`log` or `search`), require
/// success and parse its output.
#[track_caller]
pub fn log_json(env: &TestEnv, repo: &Path, args: &[&str]) -> LogOutput {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--format", "json"]);
    let run = env.lineage(repo, &all).success();
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not log JSON ({e}):\n{}", run.stdout))
}

/// A node of `graph --format json`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct GraphNode {
    pub id: String,
    #[serde(rename = "type")]
    pub node_type: String,
    pub label: String,
    pub distance: usize,
    pub direction: String,
    /// Present for record nodes.
    #[serde(default)]
    pub record: Option<serde_json::Value>,
    /// Present for artifact nodes.
    #[serde(default)]
    pub artifact: Option<serde_json::Value>,
}

/// An edge of `graph --format json`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    pub kind: String,
}

/// `graph --format json`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct GraphOutput {
    pub roots: Vec<String>,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

impl GraphOutput {
    /// The node ids, sorted.
    pub fn node_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.nodes.iter().map(|n| n.id.clone()).collect();
        ids.sort();
        ids
    }

    /// The edges as sorted `(from, to, kind)` triples.
    pub fn edge_triples(&self) -> Vec<(String, String, String)> {
        let mut edges: Vec<(String, String, String)> = self
            .edges
            .iter()
            .map(|e| (e.from.clone(), e.to.clone(), e.kind.clone()))
            .collect();
        edges.sort();
        edges
    }

    /// The node with this id.
    #[track_caller]
    pub fn node(&self, id: &str) -> &GraphNode {
        self.nodes
            .iter()
            .find(|n| n.id == id)
            .unwrap_or_else(|| panic!("no node {id} in {:#?}", self.nodes))
    }
}

/// Run `git-lineage graph ARGS --format json`, require success and parse it.
#[track_caller]
pub fn graph_json(env: &TestEnv, repo: &Path, args: &[&str]) -> GraphOutput {
    let mut all = vec!["graph"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = env.lineage(repo, &all).success();
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{all:?}: not graph JSON ({e}):\n{}", run.stdout))
}

/// Sorted owned strings, for comparing id sets.
pub fn sorted(items: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    let mut out: Vec<String> = items.into_iter().map(Into::into).collect();
    out.sort();
    out
}

/// Run `demo <root>/<name> --format json` in `env`: a freshly built
/// repository and the report. Only tests of the `demo` command itself need
/// this; others take a copy of the shared one with [`demo_repo`].
pub fn build_demo(env: &TestEnv, name: &str) -> (PathBuf, serde_json::Value) {
    let dir = env.path(name);
    let text = dir.to_str().expect("utf-8 temp path").to_string();
    let report = env
        .lineage(env.root(), &["demo", &text, "--format", "json"])
        .success()
        .json();
    (dir, report)
}

/// A private copy of the demo repository at `<root>/<name>` and the demo's
/// report (its `dir` set to the copy). The demo is built once per test
/// process ([`shared_demo`]) and copied, `.git` and mtimes included, so each
/// test may change its copy freely.
pub fn demo_repo(env: &TestEnv, name: &str) -> (PathBuf, serde_json::Value) {
    let (built, report) = shared_demo();
    let dir = env.path(name);
    copy_tree(built, &dir);
    let mut report = report.clone();
    report["dir"] = serde_json::Value::String(
        dir.canonicalize()
            .expect("canonical copy")
            .to_str()
            .expect("utf-8 temp path")
            .to_string(),
    );
    (dir, report)
}

/// The demo repository built once for this test process, and its report.
/// Read-only: copy it with [`demo_repo`] before running anything in it (even
/// queries write the history cache under `.git/lineage`). It lives in a temp
/// dir removed when the process exits.
pub fn shared_demo() -> (&'static Path, &'static serde_json::Value) {
    static DEMO: std::sync::OnceLock<(PathBuf, serde_json::Value)> = std::sync::OnceLock::new();
    let (dir, report) = DEMO.get_or_init(|| {
        let env = TestEnv::new();
        let dir = process_temp_dir().join("demo");
        let text = dir.to_str().expect("utf-8 temp path").to_string();
        let report = env
            .lineage(env.root(), &["demo", &text, "--format", "json"])
            .success()
            .json();
        (dir, report)
    });
    (dir, report)
}

/// A temp dir for the whole test process, removed when it exits (statics
/// are never dropped, so removal is registered with `atexit`).
pub fn process_temp_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    unsafe extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
    }
    extern "C" fn remove() {
        if let Some(dir) = DIR.get() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("git-lineage-tests-")
            .tempdir()
            .expect("process temp dir")
            .keep();
        // SAFETY: `remove` is a plain function that only touches a static.
        let registered = unsafe { atexit(remove) };
        assert_eq!(registered, 0, "atexit failed");
        dir
    })
}

/// Copy the directory `from` to the new path `to` with `cp -a` (everything,
/// `.git` and modes and mtimes included).
#[track_caller]
pub fn copy_tree(from: &Path, to: &Path) {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).expect("parent dir");
    }
    let output = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .output()
        .expect("run cp");
    assert!(
        output.status.success(),
        "cp -a {} {} failed:\n{}",
        from.display(),
        to.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// [`demo_repo`] with HEAD reset to the evaluation step's commit: the four
/// pipeline records only, without the registry events and the second training
/// run (for tests about exporting the pipeline's lineage).
pub fn demo_pipeline_repo(env: &TestEnv, name: &str) -> (PathBuf, serde_json::Value) {
    let (dir, report) = demo_repo(env, name);
    let evaluate = report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["kind"] == "evaluate")
        .and_then(|s| s["commit"].as_str())
        .expect("the evaluate step's commit")
        .to_string();
    env.git(&dir, &["reset", "--quiet", "--hard", &evaluate]);
    (dir, report)
}

/// The record id of the demo step of this kind (`process`, `train`, …).
pub fn demo_step_id(report: &serde_json::Value, kind: &str) -> String {
    report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["kind"] == kind)
        .and_then(|s| s["id"].as_str())
        .unwrap_or_else(|| panic!("no {kind} step in {report:#}"))
        .to_string()
}

/// The bytes of the small committed pipeline's files ([`pipeline`]).
pub const PIPELINE_RAW: &[u8] = b"id,amount\n1,9.99\n2,12.50\n3,120.00\n";
/// `data/features.csv` of [`pipeline`].
pub const PIPELINE_FEATURES: &[u8] =
    b"id,amount,log_amount\n1,9.99,2.30\n2,12.50,2.53\n3,120.00,4.79\n";
/// `model/model.bin` of [`pipeline`].
pub const PIPELINE_MODEL: &[u8] = &[0x4d, 0x4f, 0x44, 0x45, 0x4c, 0, 1, 2, 3];
/// `reports/report.json` of [`pipeline`].
pub const PIPELINE_REPORT: &[u8] = b"{\"auc\": 0.93}\n";

/// The records and commits of [`pipeline`].
pub struct Pipeline {
    pub repo: PathBuf,
    pub process: String,
    pub train: String,
    pub evaluate: String,
    /// The commit with the raw data, which the process step ran from.
    pub data_commit: String,
    pub process_commit: String,
    pub train_commit: String,
    pub evaluate_commit: String,
}

/// A committed pipeline in repository `r`: process (data/raw.csv →
/// data/features.csv), train (features → model/model.bin) and evaluate
/// (model → reports/report.json), each recorded with `--commit`.
/// `train_extra` and `evaluate_extra` are appended to those steps' options;
/// `evaluate_extra` may name the training record as `{train}`.
pub fn pipeline(env: &TestEnv, train_extra: &[&str], evaluate_extra: &[&str]) -> Pipeline {
    let repo = env.repo("r");
    write(&repo.join("data/raw.csv"), PIPELINE_RAW);
    commit_all(env, &repo, "add raw data");
    let data_commit = rev_parse(env, &repo, "HEAD");
    let step = |kind: &str, name: &str, base: &[&str], extra: &[String]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(extra.iter().map(String::as_str));
        args.push("--commit");
        let id = record_step(env, &repo, kind, name, &args);
        (id, rev_parse(env, &repo, "HEAD"))
    };
    write(&repo.join("data/features.csv"), PIPELINE_FEATURES);
    let (process, process_commit) = step(
        "process",
        "features",
        &[
            "-i",
            "dataset=data/raw.csv",
            "-o",
            "dataset=data/features.csv",
        ],
        &[],
    );
    write(&repo.join("model/model.bin"), PIPELINE_MODEL);
    let train_extra: Vec<String> = train_extra.iter().map(|s| s.to_string()).collect();
    let (train, train_commit) = step(
        "train",
        "fraud-model",
        &[
            "-i",
            "dataset=data/features.csv",
            "-o",
            "model=model/model.bin",
        ],
        &train_extra,
    );
    write(&repo.join("reports/report.json"), PIPELINE_REPORT);
    let evaluate_extra: Vec<String> = evaluate_extra
        .iter()
        .map(|s| s.replace("{train}", &train))
        .collect();
    let (evaluate, evaluate_commit) = step(
        "evaluate",
        "fraud-eval",
        &[
            "-i",
            "model=model/model.bin",
            "-o",
            "report=reports/report.json",
        ],
        &evaluate_extra,
    );
    Pipeline {
        repo,
        process,
        train,
        evaluate,
        data_commit,
        process_commit,
        train_commit,
        evaluate_commit,
    }
}

// --- optional external tools ---

/// Whether an optional external tool that the calling test needs works here:
/// `probe` must run and exit 0 (e.g. `python3 -c 'import yaml'`, or
/// `sh -c 'command -v ssh-keygen'`). When it does not, a developer's machine
/// skips the test with `skipped: <test>: <tool> not installed (<why>)` on
/// stderr and the test returns `false`; in CI (`CI` set in the test process)
/// the test fails instead, because `.ci/run` installs every such tool.
#[track_caller]
pub fn require_tool(tool: &str, why: &str, probe: &mut Command) -> bool {
    let problem = match probe.stdin(Stdio::null()).output() {
        Ok(out) if out.status.success() => return true,
        Ok(out) => format!(
            "{probe:?} exited {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => format!("cannot run {probe:?}: {e}"),
    };
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("<unnamed test>");
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {tool} is required in CI ({why}); .ci/run installs it ({problem})");
    }
    eprintln!("skipped: {test}: {tool} not installed ({why}; {problem})");
    false
}

/// A probe for [`require_tool`] that succeeds when `program` is on `PATH`.
pub fn on_path(program: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "command -v \"$1\"", "sh", program]);
    cmd
}

impl TestEnv {
    /// Run `WRAPPER… git-lineage ARGS` in `cwd` (e.g. under `setpriv`).
    pub fn lineage_under(&self, wrapper: &[&str], cwd: &Path, args: &[&str]) -> Run {
        let (program, rest) = wrapper.split_first().expect("a wrapper program");
        let output = self
            .command(program, cwd)
            .args(rest)
            .arg(bin())
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run {wrapper:?}: {e}"));
        Run::from_output(format!("{wrapper:?} git-lineage {args:?}"), output)
    }
}

/// Whether this process reads files whatever their mode (root, or
/// `CAP_DAC_OVERRIDE`): then chmod cannot make a file unreadable to it.
pub fn reads_mode_000() -> bool {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("locked");
    std::fs::write(&file, "x").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    std::fs::read(&file).is_ok()
}

/// A wrapper for [`TestEnv::lineage_under`] that runs the binary without the
/// capabilities that let root read any file (`setpriv`, util-linux), so a
/// mode-000 file fails with "permission denied" even as root. Empty when this
/// process is not so privileged; `None` (test skipped, or failed in CI) when
/// it is and `setpriv` is missing.
#[track_caller]
pub fn without_read_override() -> Option<Vec<&'static str>> {
    if !reads_mode_000() {
        return Some(Vec::new());
    }
    let probe = &mut Command::new("setpriv");
    probe.args(["--bounding-set", "-dac_override,-dac_read_search", "true"]);
    require_tool(
        "setpriv",
        "drops root's read override so a mode-000 file is unreadable; apt-get install util-linux",
        probe,
    )
    .then(|| {
        vec![
            "setpriv",
            "--bounding-set",
            "-dac_override,-dac_read_search",
        ]
    })
}
