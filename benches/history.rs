//! Lineage history at scale: `git lineage log` and `git lineage graph` on
//! synthetic repositories of 1k, 10k and 100k commits, against `git log` on
//! the same repository, measured in the same run.
//!
//! `cargo bench --bench history` (see docs/performance.md). It never asserts a
//! timing: it prints medians, the ratio of our cold `log` to `git log`, a
//! Markdown table and the targets next to the measured values. It does check
//! that the generated repositories are what they claim to be and that the
//! commands' output names the records they must name, and exits non-zero if
//! not.
//!
//! Each repository is written by one `git fast-import` stream in which every
//! commit adds exactly one valid record (built as a [`Record`], stored under
//! its [`RecordId`] in `.lineage/records/<2 hex>/`), then `git repack -ad`
//! once, like a clone, and checked out. The records form pipelines —
//! `process` (raw dataset → features), `train` (features, sometimes a
//! `featurestore://` group → model), `evaluate` (model + holdout) — over 500
//! raw datasets; `code.commit` is a real earlier commit of the repository.
//!
//! Per size it measures, with the release binary: cold `log` (the derived
//! index under `.git/lineage/` deleted before each run) against `git log
//! --name-only --format=%H -- .lineage`; warm `log` (and, outside the
//! table, warm `log --format json`, which prints every record in full); `log`
//! after one new
//! record commit (incremental); warm `graph REF --down`; an upstream query
//! (`graph <model record> --up`) and a downstream query (`graph
//! blake3:<raw dataset> --down`), as whole commands and in-process (only the
//! traversal timed); and the peak RSS of cold and warm `log` (GNU
//! `/usr/bin/time -f %M`; also of JSON `log`, `graph --up` and `git log`).
//!
//! Environment:
//! - `GIT_LINEAGE_BENCH_COMMITS`: comma-separated repository sizes in commits
//!   (default `1000,10000,100000`).
//! - `GIT_LINEAGE_BENCH_DIR`: where the repositories live (kept between runs
//!   and reused while the generator is unchanged); default a temporary
//!   directory removed at the end.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use git_lineage::graph::{Direction, Graph, NodeIndex, TraverseOptions};
use git_lineage::hash::ContentHash;
use git_lineage::history::{History, HistoryOptions};
use git_lineage::params::{Value, ValueMap};
use git_lineage::record::{Agent, Artifact, Code, Environment, Record, RecordId, SCHEMA};
use git_lineage::refspec::{self, NodeOptions};
use git_lineage::repo::Repo;
use git_lineage::time::Timestamp;

/// Timed runs per measurement (after one untimed warm-up run).
const RUNS: usize = 5;
/// Timed runs when the warm-up run took longer than [`SLOW`].
const SLOW_RUNS: usize = 3;
const SLOW: Duration = Duration::from_secs(5);
/// Timed runs of an in-process traversal (microseconds each).
const IN_PROCESS_RUNS: usize = 101;
/// Repository sizes when `GIT_LINEAGE_BENCH_COMMITS` is not set.
const DEFAULT_SIZES: [usize; 3] = [1_000, 10_000, 100_000];
/// Distinct raw datasets the `process` records read.
const RAW_DATASETS: u64 = 500;
/// Distinct pipelines (record names) and feature-store groups.
const PIPELINES: u64 = 40;
const FEATURE_GROUPS: u64 = 60;
/// Written first in each `history-N.complete` marker; change it whenever the
/// generated repositories change, so cached ones are rebuilt.
const GENERATOR: &str = "git-lineage history bench generator v1";
/// Commit and record times: 2026-01-01T00:00:00Z plus one minute per commit.
const EPOCH_SECS: i64 = 1_767_225_600;
const STEP_SECS: i64 = 60;
/// Every this many commits the generator asks fast-import for the id of the
/// last commit, which later records name as their `code.commit`.
const MARK_BLOCK: usize = 500;
/// The identity of git calls that need one (records carry their own).
const BENCH_NAME: &str = "Bench Runner";
const BENCH_EMAIL: &str = "bench@example.com";
const AGENTS: [(&str, &str); 6] = [
    ("Ada Analyst", "ada@example.com"),
    ("Bo Builder", "bo@example.com"),
    ("Chen Data", "chen@example.com"),
    ("Dana Ops", "dana@example.com"),
    ("Eli Modeller", "eli@example.com"),
    ("Fay Scientist", "fay@example.com"),
];
const IMAGE: &str =
    "python:3.11-slim@sha256:7c5b1f4a9e3d2b8c6a0f1e4d7b9c3a5e8f2d6b0c4a7e1f3d5b9c2a6e8f0d4b7a";
const GNU_TIME: &str = "/usr/bin/time";
/// The release binary (`cargo bench` builds it with the bench profile).
const BIN: &str = env!("CARGO_BIN_EXE_git-lineage");

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn bench() -> BenchResult<()> {
    let sizes = match std::env::var("GIT_LINEAGE_BENCH_COMMITS") {
        Ok(text) => parse_sizes(&text)?,
        Err(_) => DEFAULT_SIZES.to_vec(),
    };
    let (_temp, dir) = match std::env::var_os("GIT_LINEAGE_BENCH_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir)?;
            (None, std::fs::canonicalize(dir)?)
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("git-lineage-bench.")
                .tempdir()?;
            let dir = temp.path().to_path_buf();
            (Some(temp), dir)
        }
    };
    let git_version = run_git(&dir, &["--version"])?.trim().to_string();
    let gnu_time = Path::new(GNU_TIME).is_file();

    println!("# git-lineage history benchmark");
    println!();
    println!("machine : {}", machine());
    println!("git     : {git_version}");
    println!("binary  : {BIN}");
    println!("repos in: {}", dir.display());
    println!("load    : {} (1, 5, 15 min) before the run", load_average());
    println!(
        "runs    : {RUNS} timed runs per row after one warm-up run ({SLOW_RUNS} when the warm-up \
         took over {} s); median shown; in-process traversals: median of {IN_PROCESS_RUNS}",
        SLOW.as_secs()
    );
    if !gnu_time {
        println!("note    : {GNU_TIME} is missing, so peak memory is not measured");
    }
    println!();

    let mut rows = Vec::new();
    for &commits in &sizes {
        let info = ensure_repo(&dir, commits)?;
        rows.push(measure_size(&info, gnu_time)?);
    }

    println!();
    println!("load average after the run: {}", load_average());
    println!();
    println!("## Results (paste into docs/performance.md)");
    println!();
    print_table(&rows);
    println!();
    print_targets(&rows);
    Ok(())
}

fn parse_sizes(text: &str) -> BenchResult<Vec<usize>> {
    let sizes: Option<Vec<usize>> = text
        .split(',')
        .map(|part| part.trim().replace('_', "").parse::<usize>().ok())
        .map(|n| n.filter(|n| *n > 0))
        .collect();
    match sizes {
        Some(sizes) if !sizes.is_empty() => Ok(sizes),
        _ => Err(format!(
            "GIT_LINEAGE_BENCH_COMMITS='{text}' is not a comma-separated list of positive numbers"
        )
        .into()),
    }
}

/// `nproc`, the CPU model and the memory size, from /proc.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| "unknown CPU".to_string(), |(_, v)| v.trim().to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or_else(String::new, |kib| {
            format!(", {} GiB RAM", (kib + (1 << 19)) >> 20)
        });
    format!("{cores} cores available, {model}{memory}")
}

/// The 1, 5 and 15 minute load averages from /proc/loadavg: other work on
/// the machine shows in the numbers.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_string(),
        |text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}

// ------------------------------------------------------------ the repository

/// A generated repository and the records the queries start from.
struct RepoInfo {
    dir: PathBuf,
    commits: usize,
    /// The last generated commit.
    head: String,
    /// The first record (a `process` record) and the last one.
    first_record: String,
    last_record: String,
    /// The last `train` record, the `process` record that made its features,
    /// and the raw dataset (`blake3:…`) that one read.
    model_record: String,
    process_record: String,
    raw_hash: String,
}

impl RepoInfo {
    fn marker(dir: &Path, commits: usize) -> PathBuf {
        dir.join(format!("history-{commits}.complete"))
    }

    fn save(&self, marker: &Path) -> BenchResult<()> {
        let text = format!(
            "{GENERATOR}\ncommits={}\nhead={}\nfirst_record={}\nlast_record={}\n\
             model_record={}\nprocess_record={}\nraw_hash={}\n",
            self.commits,
            self.head,
            self.first_record,
            self.last_record,
            self.model_record,
            self.process_record,
            self.raw_hash
        );
        std::fs::write(marker, text)?;
        Ok(())
    }

    /// The marker's contents, if it was written by this generator.
    fn load(marker: &Path, dir: PathBuf, commits: usize) -> Option<RepoInfo> {
        let text = std::fs::read_to_string(marker).ok()?;
        let mut lines = text.lines();
        if lines.next()? != GENERATOR {
            return None;
        }
        let fields: BTreeMap<&str, &str> = lines.filter_map(|l| l.split_once('=')).collect();
        let get = |key: &str| fields.get(key).map(|v| v.to_string());
        if get("commits")? != commits.to_string() {
            return None;
        }
        Some(RepoInfo {
            dir,
            commits,
            head: get("head")?,
            first_record: get("first_record")?,
            last_record: get("last_record")?,
            model_record: get("model_record")?,
            process_record: get("process_record")?,
            raw_hash: get("raw_hash")?,
        })
    }
}

/// Reuse `history-N/` under `dir` when its marker says this generator made
/// it; otherwise generate it.
fn ensure_repo(dir: &Path, commits: usize) -> BenchResult<RepoInfo> {
    let repo = dir.join(format!("history-{commits}"));
    let marker = RepoInfo::marker(dir, commits);
    if repo.join(".git").is_dir()
        && let Some(info) = RepoInfo::load(&marker, repo.clone(), commits)
    {
        println!("reusing {}", repo.display());
        // An interrupted run may have left the incremental commit behind.
        if run_git(&repo, &["rev-parse", "HEAD"])?.trim() != info.head {
            run_git(&repo, &["reset", "-q", "--hard", &info.head])?;
        }
        return Ok(info);
    }
    let _ = std::fs::remove_file(&marker);
    if repo.exists() {
        std::fs::remove_dir_all(&repo)?;
    }
    let info = generate(&repo, commits)?;
    check_repo(&info)?;
    info.save(&marker)?;
    Ok(info)
}

/// Write the repository with one `git fast-import` stream, repack it once
/// and check it out.
fn generate(repo: &Path, commits: usize) -> BenchResult<RepoInfo> {
    print!(
        "generating {} ({} commits) … ",
        repo.display(),
        group_thousands(commits)
    );
    std::io::stdout().flush()?;
    let started = Instant::now();
    std::fs::create_dir_all(repo)?;
    run_git(repo, &["init", "-q", "-b", "main"])?;

    let mut child = git(repo)
        .args(["fast-import", "--quiet", "--done"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut stream = BufWriter::with_capacity(1 << 20, child.stdin.take().ok_or("no stdin")?);
    let mut replies = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut synth = Synth::new();
    let mut code_commit: Option<String> = None;
    let mut head = String::new();
    let mut first_record = String::new();
    for i in 0..commits {
        if i > 0 && i % MARK_BLOCK == 0 {
            // Mark i is commit i - 1 (marks count from 1).
            code_commit = Some(ask_mark(&mut stream, &mut replies, i)?);
        }
        let (record, agent) = synth.record(i, code_commit.clone());
        record.validate()?;
        let bytes = record.to_bytes()?;
        let id = RecordId::of_bytes(&bytes);
        if i % 97 == 0 && Record::parse(&bytes)? != record {
            return Err(format!("record {i} does not round-trip through its bytes").into());
        }
        synth.remember(i, &id);
        if i == 0 {
            first_record = id.to_string();
        }
        let secs = EPOCH_SECS + i as i64 * STEP_SECS;
        let message = format!(
            "lineage: {} {} ({})\n",
            record.kind,
            record.name,
            id.short()
        );
        writeln!(stream, "commit refs/heads/main")?;
        writeln!(stream, "mark :{}", i + 1)?;
        writeln!(stream, "author {} <{}> {secs} +0000", agent.0, agent.1)?;
        writeln!(stream, "committer {} <{}> {secs} +0000", agent.0, agent.1)?;
        write_data(&mut stream, message.as_bytes())?;
        if i == 0 {
            writeln!(stream, "M 100644 inline .lineage/config.yaml")?;
            write_data(&mut stream, git_lineage::config::TEMPLATE.as_bytes())?;
        }
        writeln!(
            stream,
            "M 100644 inline .lineage/records/{}/{id}.yaml",
            id.shard()
        )?;
        write_data(&mut stream, &bytes)?;
        writeln!(stream)?;
        if i + 1 == commits {
            head = ask_mark(&mut stream, &mut replies, commits)?;
        }
    }
    writeln!(stream, "done")?;
    stream.flush()?;
    drop(stream);
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("git fast-import failed: {status}").into());
    }
    let imported = started.elapsed();
    run_git(repo, &["repack", "-adq"])?;
    let repacked = started.elapsed();
    run_git(repo, &["reset", "-q", "--hard"])?;
    println!(
        "{:.1} s (fast-import {:.1} s, repack {:.1} s, checkout {:.1} s)",
        started.elapsed().as_secs_f64(),
        imported.as_secs_f64(),
        (repacked - imported).as_secs_f64(),
        (started.elapsed() - repacked).as_secs_f64()
    );
    let model = synth.train.last().ok_or("no train record generated")?;
    let process = &synth.process[model.process];
    Ok(RepoInfo {
        dir: repo.to_path_buf(),
        commits,
        head,
        first_record,
        last_record: synth.last_id,
        model_record: model.id.clone(),
        process_record: process.id.clone(),
        raw_hash: raw_hash(process.raw).to_string(),
    })
}

/// `data <len>` and the bytes, as fast-import reads them.
fn write_data(stream: &mut impl Write, bytes: &[u8]) -> BenchResult<()> {
    writeln!(stream, "data {}", bytes.len())?;
    stream.write_all(bytes)?;
    writeln!(stream)?;
    Ok(())
}

/// Ask fast-import for the commit id of `mark` (`get-mark`, answered on its
/// stdout once the commit before it is complete).
fn ask_mark(
    stream: &mut impl Write,
    replies: &mut impl BufRead,
    mark: usize,
) -> BenchResult<String> {
    writeln!(stream, "get-mark :{mark}")?;
    stream.flush()?;
    let mut line = String::new();
    replies.read_line(&mut line)?;
    let id = line.trim();
    if id.len() != 40 || !git_lineage::hash::is_lower_hex(id) {
        return Err(format!("git fast-import answered get-mark :{mark} with '{id}'").into());
    }
    Ok(id.to_string())
}

/// Check the commit count, the record files, and parse a few records back
/// from the worktree.
fn check_repo(info: &RepoInfo) -> BenchResult<()> {
    let count: usize = run_git(&info.dir, &["rev-list", "--count", "HEAD"])?
        .trim()
        .parse()?;
    let files = run_git(&info.dir, &["ls-files", ".lineage/records"])?;
    let paths: Vec<&str> = files.lines().collect();
    if count != info.commits || paths.len() != info.commits {
        return Err(format!(
            "{}: {count} commits and {} record files, expected {} of each",
            info.dir.display(),
            paths.len(),
            info.commits
        )
        .into());
    }
    let step = (paths.len() / 7).max(1);
    let mut checked = 0;
    for path in paths.iter().step_by(step) {
        let bytes = std::fs::read(info.dir.join(path))?;
        let id = RecordId::of_bytes(&bytes);
        if *path != format!(".lineage/records/{}/{id}.yaml", id.shard()) {
            return Err(format!("{path} is not named by the hash of its bytes ({id})").into());
        }
        Record::parse(&bytes).map_err(|e| format!("{path}: {e}"))?;
        checked += 1;
    }
    println!(
        "   checked: {count} commits, {} record files, {checked} records parsed back from the worktree",
        paths.len()
    );
    Ok(())
}

/// The synthetic lineage: a fixed seed, so every machine generates the same
/// records (and, with the same git, the same commit ids).
struct Synth {
    rng: SplitMix64,
    process: Vec<ProcessStep>,
    train: Vec<TrainStep>,
    /// The id of the last record generated.
    last_id: String,
}

struct ProcessStep {
    index: usize,
    id: String,
    raw: u64,
}

struct TrainStep {
    index: usize,
    id: String,
    /// Index into [`Synth::process`] of the step whose features it read.
    process: usize,
}

fn raw_hash(raw: u64) -> ContentHash {
    ContentHash::of_bytes(format!("raw dataset {raw}").as_bytes())
}

/// The artifact hash written by record `index` (features, model or report).
fn output_hash(index: usize) -> ContentHash {
    ContentHash::of_bytes(format!("output of record {index}").as_bytes())
}

/// A syntactically valid git blob id standing for a script's version.
fn blob_id(script: &str, version: usize) -> String {
    ContentHash::of_bytes(format!("{script} v{version}").as_bytes()).to_hex()[..40].to_string()
}

impl Synth {
    fn new() -> Synth {
        Synth {
            rng: SplitMix64(0x6c69_6e65_6167_6521), // "lineage!"
            process: Vec::new(),
            train: Vec::new(),
            last_id: String::new(),
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.next() % n
    }

    /// Record `i`: `process`, `train`, `evaluate` in turn, each pipeline
    /// step reading what an earlier step wrote.
    fn record(
        &mut self,
        i: usize,
        code_commit: Option<String>,
    ) -> (Record, (&'static str, &'static str)) {
        let agent = AGENTS[self.below(AGENTS.len() as u64) as usize];
        let pipeline = (i / 3) as u64 % PIPELINES;
        let version = i / 1000;
        let recorded = Timestamp::from_unix_micros((EPOCH_SECS + i as i64 * STEP_SECS) * 1_000_000);
        let seconds = 5 + self.below(50) as i64;
        let mut record = Record {
            schema: SCHEMA.into(),
            kind: String::new(),
            name: String::new(),
            recorded,
            started: Some(Timestamp::from_unix_micros(
                recorded.unix_micros() - seconds * 1_000_000,
            )),
            ended: Some(recorded),
            exit: None,
            agent: Agent {
                name: agent.0.into(),
                email: agent.1.into(),
            },
            code: Code {
                commit: code_commit,
                branch: Some("main".into()),
                dirty: false,
                remote: Some("https://github.com/acme/fraud".into()),
                ..Code::default()
            },
            command: Vec::new(),
            params: ValueMap::new(),
            seed: None,
            environment: Environment {
                os: "linux".into(),
                arch: "x86_64".into(),
                tool: format!("git-lineage {}", env!("CARGO_PKG_VERSION")),
                image: Some(IMAGE.into()),
                lockfiles: BTreeMap::from([(
                    "requirements.txt".to_string(),
                    ContentHash::of_bytes(format!("requirements v{version}").as_bytes()),
                )]),
            },
            inputs: Vec::new(),
            outputs: Vec::new(),
            metrics: ValueMap::new(),
            references: Vec::new(),
            note: None,
        };
        match i % 3 {
            0 => self.process_step(i, pipeline, version, &mut record),
            1 => self.train_step(i, pipeline, version, &mut record),
            _ => self.evaluate_step(i, pipeline, version, &mut record),
        }
        (record, agent)
    }

    fn process_step(&mut self, i: usize, pipeline: u64, version: usize, record: &mut Record) {
        let raw = self.below(RAW_DATASETS);
        let window = [7i64, 14, 30, 90][self.below(4) as usize];
        let features = format!("features/pipeline-{pipeline:02}/run-{i:06}.parquet");
        record.kind = "process".into();
        record.name = format!("features-{pipeline:02}");
        record.code.files = BTreeMap::from([(
            "pipeline/features.py".into(),
            blob_id("features.py", version),
        )]);
        record.command = vec![
            "python".into(),
            "pipeline/features.py".into(),
            "--window-days".into(),
            window.to_string(),
        ];
        record.params = ValueMap::from([("window_days".into(), Value::Int(window))]);
        record.inputs.push(Artifact {
            path: Some(format!("data/raw/part-{raw:03}.csv")),
            role: Some("dataset".into()),
            hash: Some(raw_hash(raw)),
            size: Some(50_000_000 + raw * 9_973),
            ..Artifact::default()
        });
        record.outputs.push(Artifact {
            path: Some(features),
            role: Some("features".into()),
            hash: Some(output_hash(i)),
            size: Some(8_000_000 + self.below(1_000_000)),
            ..Artifact::default()
        });
        record.metrics = ValueMap::from([(
            "rows".into(),
            Value::Int(1_000_000 + self.below(100_000) as i64),
        )]);
        self.process.push(ProcessStep {
            index: i,
            id: String::new(),
            raw,
        });
    }

    /// An index into a list of `len` steps: the last one 80 % of the time,
    /// otherwise one of the last 1,000.
    fn mostly_latest(&mut self, len: usize) -> usize {
        if self.below(10) < 8 || len < 2 {
            len - 1
        } else {
            let recent = (len as u64).min(1000);
            len - 1 - self.below(recent) as usize
        }
    }

    fn train_step(&mut self, i: usize, pipeline: u64, version: usize, record: &mut Record) {
        // Usually the features just made; sometimes older ones.
        let process = self.mostly_latest(self.process.len());
        let features = process_output(&self.process[process]);
        let lr = [0.3, 0.1, 0.05, 0.01][self.below(4) as usize];
        let depth = 3 + self.below(8) as i64;
        let seed = self.below(1000);
        record.kind = "train".into();
        record.name = format!("fraud-model-{pipeline:02}");
        record.code.files =
            BTreeMap::from([("pipeline/train.py".into(), blob_id("train.py", version))]);
        record.command = vec![
            "python".into(),
            "pipeline/train.py".into(),
            "--lr".into(),
            lr.to_string(),
            "--max-depth".into(),
            depth.to_string(),
        ];
        record.params = ValueMap::from([
            ("lr".into(), Value::Float(lr)),
            ("max_depth".into(), Value::Int(depth)),
        ]);
        record.seed = Some(seed);
        record.inputs.push(features);
        if self.below(10) < 3 {
            let group = self.below(FEATURE_GROUPS);
            record.inputs.push(Artifact {
                uri: Some(format!("featurestore://group-{group}")),
                role: Some("feature-group".into()),
                version: Some(format!("v{}", 1 + (i as u64 / 5000 + group) % 7)),
                ..Artifact::default()
            });
        }
        record.outputs.push(Artifact {
            path: Some(format!("models/fraud-model-{pipeline:02}/model-{i:06}.bin")),
            role: Some("model".into()),
            hash: Some(output_hash(i)),
            size: Some(2_000_000 + self.below(500_000)),
            ..Artifact::default()
        });
        record.metrics = ValueMap::from([
            ("auc".into(), Value::Float(self.fraction(8000, 1900))),
            ("train_loss".into(), Value::Float(self.fraction(1000, 2000))),
        ]);
        self.train.push(TrainStep {
            index: i,
            id: String::new(),
            process,
        });
    }

    fn evaluate_step(&mut self, i: usize, pipeline: u64, version: usize, record: &mut Record) {
        let train = self.mostly_latest(self.train.len());
        let model_index = self.train[train].index;
        let holdout = self.below(RAW_DATASETS);
        record.kind = "evaluate".into();
        record.name = format!("fraud-eval-{pipeline:02}");
        record.code.files = BTreeMap::from([(
            "pipeline/evaluate.py".into(),
            blob_id("evaluate.py", version),
        )]);
        record.command = vec!["python".into(), "pipeline/evaluate.py".into()];
        record.inputs.push(Artifact {
            path: Some(format!(
                "models/fraud-model-{:02}/model-{model_index:06}.bin",
                (model_index / 3) as u64 % PIPELINES
            )),
            role: Some("model".into()),
            hash: Some(output_hash(model_index)),
            size: Some(2_000_000),
            ..Artifact::default()
        });
        record.inputs.push(Artifact {
            path: Some(format!("data/raw/part-{holdout:03}.csv")),
            role: Some("holdout".into()),
            hash: Some(raw_hash(holdout)),
            size: Some(50_000_000 + holdout * 9_973),
            ..Artifact::default()
        });
        record.outputs.push(Artifact {
            path: Some(format!("reports/eval-{i:06}.json")),
            role: Some("report".into()),
            hash: Some(output_hash(i)),
            size: Some(4_000 + self.below(1_000)),
            ..Artifact::default()
        });
        record.metrics = ValueMap::from([
            ("auc".into(), Value::Float(self.fraction(7800, 2000))),
            ("precision".into(), Value::Float(self.fraction(6000, 3500))),
            ("recall".into(), Value::Float(self.fraction(5000, 4500))),
        ]);
    }

    /// `(base + below(spread)) / 10000`: four decimals, printed exactly.
    fn fraction(&mut self, base: u64, spread: u64) -> f64 {
        (base + self.below(spread)) as f64 / 10_000.0
    }

    /// Note the id of record `i` once its bytes are known.
    fn remember(&mut self, i: usize, id: &RecordId) {
        if let Some(step) = self.process.last_mut().filter(|s| s.index == i) {
            step.id = id.to_string();
        }
        if let Some(step) = self.train.last_mut().filter(|s| s.index == i) {
            step.id = id.to_string();
        }
        self.last_id = id.to_string();
    }
}

/// The features a `process` step wrote, as a later step's input.
fn process_output(step: &ProcessStep) -> Artifact {
    let i = step.index;
    Artifact {
        path: Some(format!(
            "features/pipeline-{:02}/run-{i:06}.parquet",
            (i / 3) as u64 % PIPELINES
        )),
        role: Some("features".into()),
        hash: Some(output_hash(i)),
        size: Some(8_000_000),
        ..Artifact::default()
    }
}

/// A fast, seedable pseudo-random generator (SplitMix64).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

// -------------------------------------------------------------- measurements

/// One line of the result table.
struct Row {
    commits: usize,
    cold_ours: Duration,
    cold_git: Duration,
    warm_log: Duration,
    incremental_log: Duration,
    warm_graph: Duration,
    up_command: Duration,
    down_command: Duration,
    /// Only the traversal, in-process.
    up_in_process: Duration,
    down_in_process: Duration,
    /// Peak RSS in KiB; `None` without GNU time.
    rss_cold: Option<u64>,
    rss_warm: Option<u64>,
    rss_git: Option<u64>,
}

fn measure_size(info: &RepoInfo, gnu_time: bool) -> BenchResult<Row> {
    let repo = &info.dir;
    let index = repo.join(".git").join("lineage");
    let drop_index = || -> BenchResult<()> {
        match std::fs::remove_dir_all(&index) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot remove {}: {e}", index.display()).into()),
        }
    };
    println!(
        "## {} commits: {}",
        group_thousands(info.commits),
        repo.display()
    );

    // Untimed, checked runs: the outputs name the records they must.
    let git_args = ["log", "--name-only", "--format=%H", "--", ".lineage"];
    let listed = run_git(repo, &git_args)?
        .lines()
        .filter(|l| l.starts_with(".lineage/records/"))
        .count();
    if listed != info.commits {
        return Err(format!(
            "git log lists {listed} record files, expected {}",
            info.commits
        )
        .into());
    }
    drop_index()?;
    let log = capture(
        lineage(repo, &["log", "--format", "json"]),
        "git-lineage log",
    )?;
    expect_ids(&log, "log", &[&info.first_record, &info.last_record])?;
    let up_args = [
        "graph",
        info.model_record.as_str(),
        "--up",
        "--format",
        "json",
    ];
    let down_args = [
        "graph",
        info.raw_hash.as_str(),
        "--down",
        "--format",
        "json",
    ];
    let graph_args = [
        "graph",
        info.first_record.as_str(),
        "--down",
        "--format",
        "json",
    ];
    let up = capture(lineage(repo, &up_args), "git-lineage graph --up")?;
    expect_ids(
        &up,
        "graph --up",
        &[&info.process_record, &info.raw_hash[7..]],
    )?;
    let down = capture(lineage(repo, &down_args), "git-lineage graph --down")?;
    expect_ids(
        &down,
        "graph --down",
        &[&info.process_record, &info.model_record],
    )?;

    let cold_ours = measure(
        "git-lineage log, cold (no .git/lineage)",
        drop_index,
        || quiet(lineage(repo, &["log"]), "git-lineage log"),
    )?;
    let cold_git = measure(
        "git log --name-only --format=%H -- .lineage",
        || Ok(()),
        || quiet(git_with(repo, &git_args), "git log"),
    )?;
    println!(
        "   cold log ours/git: {}×",
        significant(cold_ours.as_secs_f64() / cold_git.as_secs_f64())
    );
    let warm_log = measure(
        "git-lineage log, warm",
        || Ok(()),
        || quiet(lineage(repo, &["log"]), "git-lineage log"),
    )?;
    // Not in the table: what printing every record in full as JSON costs.
    measure(
        "git-lineage log --format json, warm (for comparison)",
        || Ok(()),
        || {
            quiet(
                lineage(repo, &["log", "--format", "json"]),
                "git-lineage log",
            )
        },
    )?;
    let warm_graph = measure(
        "git-lineage graph <first record> --down, warm",
        || Ok(()),
        || quiet(lineage(repo, &graph_args), "git-lineage graph"),
    )?;
    let up_command = measure(
        "git-lineage graph <model record> --up",
        || Ok(()),
        || quiet(lineage(repo, &up_args), "git-lineage graph --up"),
    )?;
    let down_command = measure(
        "git-lineage graph blake3:<raw dataset> --down",
        || Ok(()),
        || quiet(lineage(repo, &down_args), "git-lineage graph --down"),
    )?;
    let (up_in_process, down_in_process) = in_process_queries(info)?;

    let (rss_cold, rss_warm, rss_git) = if gnu_time {
        drop_index()?;
        let cold = peak_rss_kib(repo, BIN, &["log"])?;
        let warm = peak_rss_kib(repo, BIN, &["log"])?;
        let json = peak_rss_kib(repo, BIN, &["log", "--format", "json"])?;
        let graph = peak_rss_kib(repo, BIN, &up_args)?;
        let git = peak_rss_kib(repo, "git", &git_args)?;
        println!(
            "   peak RSS (MB): cold log {}, warm log {}, warm log --format json {}, warm graph --up {}, git log {}",
            megabytes(cold),
            megabytes(warm),
            megabytes(json),
            megabytes(graph),
            megabytes(git)
        );
        (Some(cold), Some(warm), Some(git))
    } else {
        (None, None, None)
    };

    // Last: it adds commits, and takes them away again.
    let incremental = incremental_log(info);
    let restored = run_git(repo, &["reset", "-q", "--hard", &info.head]);
    let incremental_log = incremental?;
    restored?;
    println!();

    Ok(Row {
        commits: info.commits,
        cold_ours,
        cold_git,
        warm_log,
        incremental_log,
        warm_graph,
        up_command,
        down_command,
        up_in_process,
        down_in_process,
        rss_cold,
        rss_warm,
        rss_git,
    })
}

/// `log` right after one new record commit, the index warm for the commit
/// before: before each run (untimed) reset to the generated head, run `log`
/// to bring the index up to date, and commit a new record.
fn incremental_log(info: &RepoInfo) -> BenchResult<Duration> {
    let repo = &info.dir;
    let mut extra = 0;
    measure(
        "git-lineage log, after 1 new commit",
        || {
            run_git(repo, &["reset", "-q", "--hard", &info.head])?;
            quiet(lineage(repo, &["log"]), "git-lineage log")?;
            extra += 1;
            commit_one_record(info, extra)
        },
        || quiet(lineage(repo, &["log"]), "git-lineage log"),
    )
}

/// Commit one new `process` record (distinct for each `extra`) on top of HEAD
/// with plain git.
fn commit_one_record(info: &RepoInfo, extra: usize) -> BenchResult<()> {
    let i = info.commits + extra;
    let (mut record, agent) = Synth::new().record(0, Some(info.head.clone()));
    record.name = "features-incremental".into();
    let recorded = Timestamp::from_unix_micros((EPOCH_SECS + i as i64 * STEP_SECS) * 1_000_000);
    record.recorded = recorded;
    record.started = Some(recorded);
    record.ended = Some(recorded);
    let bytes = record.to_bytes()?;
    let id = RecordId::of_bytes(&bytes);
    let rel = format!(".lineage/records/{}/{id}.yaml", id.shard());
    let path = info.dir.join(&rel);
    std::fs::create_dir_all(path.parent().ok_or("record path has no parent")?)?;
    std::fs::write(&path, &bytes)?;
    run_git(&info.dir, &["add", "--", &rel])?;
    let date = format!("@{} +0000", EPOCH_SECS + i as i64 * STEP_SECS);
    let out = git(&info.dir)
        .args(["commit", "-q", "--no-verify", "-m"])
        .arg(format!("lineage: train {} ({})", record.name, id.short()))
        .env("GIT_AUTHOR_NAME", agent.0)
        .env("GIT_AUTHOR_EMAIL", agent.1)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "git commit failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(())
}

/// The upstream and downstream queries in-process: load history once with
/// the library (index warm), build the graph, resolve the REFs as `graph`
/// does, then time only the traversals. Returns their medians.
fn in_process_queries(info: &RepoInfo) -> BenchResult<(Duration, Duration)> {
    let repo = Repo::discover(&info.dir)?;
    let started = Instant::now();
    let history = History::load(&repo, &HistoryOptions::default())?;
    let loaded = started.elapsed();
    let graph = Graph::build(&history.entries);
    let built = started.elapsed() - loaded;
    println!(
        "   in-process: History::load (warm index) {} ms, Graph::build {} ms; {} records, {} nodes",
        significant(millis(loaded)),
        significant(millis(built)),
        history.entries.len(),
        graph.nodes().count()
    );
    let resolve = |text: &str| -> BenchResult<Vec<NodeIndex>> {
        let spec = refspec::parse(text)?;
        Ok(refspec::resolve_nodes(
            &repo,
            &history,
            &graph,
            &spec,
            &info.dir,
            NodeOptions::default(),
        )?)
    };
    let model = resolve(&info.model_record)?;
    let raw = resolve(&info.raw_hash)?;
    let up = TraverseOptions {
        direction: Direction::Up,
        ..TraverseOptions::default()
    };
    let down = TraverseOptions {
        direction: Direction::Down,
        ..TraverseOptions::default()
    };
    let up = measure_in_process("Graph::traverse(<model record>, up)", || {
        graph.traverse(&model, &up).nodes.len()
    });
    let down = measure_in_process("Graph::traverse(blake3:<raw dataset>, down)", || {
        graph.traverse(&raw, &down).nodes.len()
    });
    Ok((up, down))
}

/// One warm-up run, then [`RUNS`] timed runs ([`SLOW_RUNS`] when the warm-up
/// took longer than [`SLOW`]); `prepare` runs untimed before each. Returns
/// the median.
fn measure(
    label: &str,
    mut prepare: impl FnMut() -> BenchResult<()>,
    mut run: impl FnMut() -> BenchResult<()>,
) -> BenchResult<Duration> {
    prepare()?;
    let started = Instant::now();
    run()?;
    let runs = if started.elapsed() > SLOW {
        SLOW_RUNS
    } else {
        RUNS
    };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        prepare()?;
        let started = Instant::now();
        run()?;
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[runs / 2];
    let all: Vec<String> = times.iter().map(|t| significant(millis(*t))).collect();
    println!(
        "   {label:<56} median {:>9} ms   runs [{}]",
        significant(millis(median)),
        all.join(", ")
    );
    Ok(median)
}

/// Median of [`IN_PROCESS_RUNS`] runs of `run`, after one warm-up.
fn measure_in_process(label: &str, mut run: impl FnMut() -> usize) -> Duration {
    let size = run();
    let mut times: Vec<Duration> = (0..IN_PROCESS_RUNS)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(run());
            started.elapsed()
        })
        .collect();
    times.sort();
    let median = times[IN_PROCESS_RUNS / 2];
    println!(
        "   {label:<56} median {:>9} ms   ({size} nodes)",
        significant(millis(median))
    );
    median
}

/// Peak resident set size of `program args` run in `repo`, in KiB, from GNU
/// time's `%M`.
fn peak_rss_kib(repo: &Path, program: &str, args: &[&str]) -> BenchResult<u64> {
    let report = tempfile::NamedTempFile::new()?;
    let mut cmd = Command::new(GNU_TIME);
    hermetic(&mut cmd)
        .current_dir(repo)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(report.path())
        .arg(program)
        .args(args);
    quiet(cmd, program)?;
    let text = std::fs::read_to_string(report.path())?;
    text.lines()
        .rev()
        .find_map(|l| l.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("{GNU_TIME} printed no %M: '{}'", text.trim()).into())
}

fn expect_ids(output: &str, what: &str, ids: &[&str]) -> BenchResult<()> {
    for id in ids {
        if !output.contains(id) {
            return Err(format!("the output of `{what}` does not mention {id}").into());
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ commands

/// Give `cmd` a hermetic git environment: no user or system config, no
/// inherited `GIT_*` variables, a fixed identity.
fn hermetic(cmd: &mut Command) -> &mut Command {
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

fn git(repo: &Path) -> Command {
    let mut cmd = Command::new("git");
    hermetic(&mut cmd).current_dir(repo);
    cmd
}

fn git_with(repo: &Path, args: &[&str]) -> Command {
    let mut cmd = git(repo);
    cmd.args(args);
    cmd
}

fn lineage(repo: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    hermetic(&mut cmd).current_dir(repo).args(args);
    cmd
}

/// Run git and return its stdout; an error if it fails.
fn run_git(repo: &Path, args: &[&str]) -> BenchResult<String> {
    capture(git_with(repo, args), &format!("git {}", args.join(" ")))
}

/// Run `cmd`, return its stdout; an error with its stderr if it fails.
fn capture(mut cmd: Command, what: &str) -> BenchResult<String> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if !out.status.success() {
        return Err(format!(
            "`{what}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Run `cmd` with stdout to /dev/null; an error with its stderr if it fails.
fn quiet(mut cmd: Command, what: &str) -> BenchResult<()> {
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "`{what}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(())
}

// -------------------------------------------------------------------- output

fn print_table(rows: &[Row]) {
    println!(
        "| commits | cold log, ours (ms) | cold `git log` (ms) | ours/git | warm log (ms) \
         | log after 1 new commit (ms) | warm graph `--down` (ms) \
         | upstream query: in-process / command (ms) | downstream query: in-process / command (ms) \
         | peak RSS cold / warm log (MB) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let ms = |d: Duration| significant(millis(d));
        let rss = |kib: Option<u64>| kib.map_or_else(|| "—".to_string(), megabytes);
        println!(
            "| {} | {} | {} | {}× | {} | {} | {} | {} / {} | {} / {} | {} / {} |",
            group_thousands(row.commits),
            ms(row.cold_ours),
            ms(row.cold_git),
            significant(row.cold_ours.as_secs_f64() / row.cold_git.as_secs_f64()),
            ms(row.warm_log),
            ms(row.incremental_log),
            ms(row.warm_graph),
            ms(row.up_in_process),
            ms(row.up_command),
            ms(row.down_in_process),
            ms(row.down_command),
            rss(row.rss_cold),
            rss(row.rss_warm),
        );
    }
    println!();
    println!(
        "Medians. \"cold\" means no derived index (`.git/lineage/` deleted before each run); the \
         page cache is warm. \"ours/git\" is the cold `git lineage log` time \
         divided by `git log --name-only --format=%H -- .lineage` on the same repository: below \
         1.00× is faster than git. Commands include process start; in-process queries time only \
         the traversal of a graph already built. MB = 10^6 bytes."
    );
    let git_rss: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            r.rss_git
                .map(|kib| format!("{} MB at {}", megabytes(kib), group_thousands(r.commits)))
        })
        .collect();
    if !git_rss.is_empty() {
        println!(
            "Peak RSS of the `git log` reference: {}.",
            git_rss.join(", ")
        );
    }
}

/// The targets next to the measured values. Informational: never asserted.
fn print_targets(rows: &[Row]) {
    println!("## Targets (informational, not asserted)");
    println!();
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    for row in rows {
        let ratio = row.cold_ours.as_secs_f64() / row.cold_git.as_secs_f64();
        println!(
            "- cold log ≤ 1.0× git at {}: {}× — {}",
            group_thousands(row.commits),
            significant(ratio),
            verdict(ratio <= 1.0)
        );
    }
    let Some(largest) = rows.iter().max_by_key(|r| r.commits) else {
        return;
    };
    let at = group_thousands(largest.commits);
    if largest.commits < 100_000 {
        println!("- the next targets are for 100,000 commits; the largest size measured is {at}");
    }
    let warm = millis(largest.warm_log);
    println!(
        "- warm log < 50 ms at {at}: {} ms — {}",
        significant(warm),
        verdict(warm < 50.0)
    );
    for (what, in_process, command) in [
        ("upstream", largest.up_in_process, largest.up_command),
        ("downstream", largest.down_in_process, largest.down_command),
    ] {
        println!(
            "- {what} query < 10 ms at {at}: {} ms in-process — {} (whole command {} ms)",
            significant(millis(in_process)),
            verdict(millis(in_process) < 10.0),
            significant(millis(command))
        );
    }
    match largest.rss_cold.zip(largest.rss_warm) {
        Some((cold, warm)) => println!(
            "- memory < 300 MB at {at}: cold {} MB, warm {} MB — {}",
            megabytes(cold),
            megabytes(warm),
            verdict(cold.max(warm) * 1024 < 300_000_000)
        ),
        None => println!("- memory < 300 MB at {at}: not measured ({GNU_TIME} missing)"),
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// KiB as decimal megabytes, three significant digits.
fn megabytes(kib: u64) -> String {
    significant(kib as f64 * 1024.0 / 1e6)
}

/// Three significant digits: `134`, `23.3`, `0.00319`.
fn significant(x: f64) -> String {
    if x <= 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.log10().floor() as i32;
    let decimals = usize::try_from((2 - magnitude).max(0)).unwrap_or(0);
    format!("{x:.decimals$}")
}

fn group_thousands(n: usize) -> String {
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
