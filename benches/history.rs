//! Lineage history at scale: every command of issue 12's table — `log`
//! (cold, warm, `| head -10`), `show`, `graph --up`/`--down`, `impact`,
//! `registry resolve`, `status`, `search`, `verify --history` — on synthetic
//! repositories of 1k, 10k and 100k records, against `git rev-parse HEAD`,
//! `git log -1` and `git log --name-only -- .lineage` on the same repository,
//! measured in the same run.
//!
//! `cargo bench --bench history` (see docs/performance.md). It never asserts a
//! timing: it prints medians, ratios to the git references, peak memory, the
//! size of the derived state per record, Markdown tables and the issue's
//! targets next to the measured values. It does check that the generated
//! repositories are what they claim to be and that every command's output
//! names what it must, and exits non-zero if not.
//!
//! Each repository is written by one `git fast-import` stream in which every
//! commit adds exactly one valid record (built as a [`Record`], stored under
//! its [`RecordId`] in `.lineage/records/<2 hex>/`), then `git repack -ad`
//! once, like a clone, and checked out. Every 5 commits hold one pipeline
//! `ingest → process → train → evaluate → deploy` over 20 shared raw sources,
//! except every 20th group of 5, which holds the registry events of the
//! model just trained (`register`, two `approve`s, `promote` to staging,
//! then to production). The last files the records name are written into
//! the worktree with the bytes their recorded hashes say, so `status` has
//! real files to hash.
//!
//! Environment:
//! - `GIT_LINEAGE_BENCH_COMMITS`: comma-separated repository sizes in records
//!   (= commits), at least 100 each (default `1000,10000,100000`;
//!   `1000000` for the documented 1M run).
//! - `GIT_LINEAGE_BENCH_DIR`: where the repositories live (kept between runs
//!   and reused while the generator is unchanged); default a temporary
//!   directory removed at the end.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use git_lineage::hash::ContentHash;
use git_lineage::params::{Value, ValueMap};
use git_lineage::record::{Agent, Artifact, Code, Environment, Record, RecordId, SCHEMA};
use git_lineage::time::Timestamp;

#[path = "support/mod.rs"]
mod support;
use serde_json::Value as Json;
use support::*;

/// Timed runs per measurement (after one untimed warm-up run).
const RUNS: usize = 5;
/// Timed runs when the warm-up run took longer than [`SLOW`].
const SLOW_RUNS: usize = 3;
const SLOW: Duration = Duration::from_secs(5);
/// Repository sizes when `GIT_LINEAGE_BENCH_COMMITS` is not set.
const DEFAULT_SIZES: [usize; 3] = [1_000, 10_000, 100_000];
/// The smallest size: the first registry events are commits 95–99.
const MIN_COMMITS: usize = 100;
/// Commits per group: one pipeline, or one model version's registry events.
const GROUP: usize = 5;
/// Every this many groups, the last one holds registry events.
const REGISTRY_EVERY: usize = 20;
/// Shared raw sources the `ingest` records read.
const RAW_SOURCES: u64 = 20;
/// A raw source's bytes change once a day (1,440 commits, one a minute).
const DAY_COMMITS: usize = 1_440;
/// The `train` records' name, and the registered model's.
const MODEL: &str = "fraud-model";
/// Where `deploy` records serve the model, at version `v<pipeline>`.
const ENDPOINT: &str = "endpoint://fraud-model/serving";
/// The selective search: about one `train` record in [`HIGH_AUC_ONE_IN`]
/// has an AUC at or over 0.89.
const AUC_FILTER: &str = "auc>=0.89";
const HIGH_AUC_ONE_IN: u64 = 100;
/// Written first in each `history-N.complete` marker; change it whenever the
/// generated repositories change, so cached ones are rebuilt.
const GENERATOR: &str = "git-lineage history bench generator v2 (issue 12 shape)";
/// Commit and record times: 2026-01-01T00:00:00Z plus one minute per commit.
const EPOCH_SECS: i64 = 1_767_225_600;
const STEP_SECS: i64 = 60;
/// Every this many commits the generator asks fast-import for the id of the
/// last commit, which later records name as their `code.commit`. A multiple
/// of [`GROUP`], so the records of one pipeline share their code commit.
const MARK_BLOCK: usize = 500;
/// The identity of git calls that need one (records carry their own).
const AGENTS: [(&str, &str); 6] = [
    ("Ada Analyst", "ada@example.com"),
    ("Bo Builder", "bo@example.com"),
    ("Chen Data", "chen@example.com"),
    ("Dana Ops", "dana@example.com"),
    ("Eli Modeller", "eli@example.com"),
    ("Fay Scientist", "fay@example.com"),
];
/// Who registers, approves (two reviewers) and promotes model versions.
const REGISTRAR: (&str, &str) = AGENTS[4];
const APPROVERS: [(&str, &str); 2] = [AGENTS[0], AGENTS[2]];
const PROMOTER: (&str, &str) = AGENTS[3];
const IMAGE: &str =
    "python:3.11-slim@sha256:7c5b1f4a9e3d2b8c6a0f1e4d7b9c3a5e8f2d6b0c4a7e1f3d5b9c2a6e8f0d4b7a";
const GNU_TIME: &str = "/usr/bin/time";

fn main() -> ExitCode {
    support::run(bench)
}

fn bench() -> BenchResult<()> {
    let sizes = match std::env::var("GIT_LINEAGE_BENCH_COMMITS") {
        Ok(text) => parse_sizes(&text)?,
        Err(_) => DEFAULT_SIZES.to_vec(),
    };
    let (_temp, dir) = support::work_dir("git-lineage-bench.")?;
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
         took over {} s); median shown",
        SLOW.as_secs()
    );
    if !gnu_time {
        println!("note    : {GNU_TIME} is missing, so peak memory is not measured");
    }
    println!();

    let cases = cases();
    let mut results = Vec::new();
    for &commits in &sizes {
        let info = ensure_repo(&dir, commits)?;
        results.push(measure_size(&info, &cases, gnu_time)?);
    }

    println!();
    println!("load average after the run: {}", load_average());
    println!();
    println!("## Results (paste into docs/performance.md)");
    println!();
    print_times(&cases, &results);
    println!();
    if gnu_time {
        print_rss(&cases, &results);
        println!();
    }
    print_answers(&results);
    println!();
    print_derived(&results);
    println!();
    print_targets(&cases, &results);
    Ok(())
}

fn parse_sizes(text: &str) -> BenchResult<Vec<usize>> {
    let sizes: Option<Vec<usize>> = text
        .split(',')
        .map(|part| part.trim().replace('_', "").parse::<usize>().ok())
        .map(|n| n.filter(|n| *n >= MIN_COMMITS))
        .collect();
    match sizes {
        Some(sizes) if !sizes.is_empty() => Ok(sizes),
        _ => Err(format!(
            "GIT_LINEAGE_BENCH_COMMITS='{text}' is not a comma-separated list of numbers of at \
             least {MIN_COMMITS} (e.g. 1000,10000)"
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

// ------------------------------------------------------------ the repository

/// A generated repository and the records and artifacts the queries start
/// from, with the answers they must give.
struct RepoInfo {
    dir: PathBuf,
    commits: usize,
    /// The last generated commit.
    head: String,
    /// The first and the last record.
    first_record: String,
    last_record: String,
    /// The record of commit N/2 (`show <full id>`) and of commit N/3 (`show
    /// <8-hex prefix>`).
    mid_record: String,
    prefix_record: String,
    /// The last `train` record: what `show name:fraud-model` shows.
    last_train: String,
    /// The last deployment's endpoint REF (`endpoint://…@vP`), its `deploy`
    /// record and the raw source (`blake3:…`) its pipeline read.
    endpoint: String,
    endpoint_deploy: String,
    endpoint_raw: String,
    /// The model version from the middle of the history (promoted to
    /// production, later replaced): `vK`, its register event, the ingested
    /// file (`blake3:…`) of its pipeline and that pipeline's `deploy` record.
    mid_version: String,
    mid_register: String,
    mid_ingested: String,
    mid_deploy: String,
    /// The version in production now and its register event.
    prod_version: String,
    prod_register: String,
    /// How many `train` records match [`AUC_FILTER`], and the newest (`-`
    /// when none).
    high_auc: usize,
    last_high: String,
    /// The local files the records track, each with the bytes of its most
    /// recent recording (written into the worktree for `status`).
    files: BTreeMap<String, String>,
}

impl RepoInfo {
    fn marker(dir: &Path, commits: usize) -> PathBuf {
        dir.join(format!("history-{commits}.complete"))
    }

    /// The marker: the generator, then `key=value` lines, then one `file=`
    /// line per tracked file (`path<TAB>content`).
    fn save(&self, marker: &Path) -> BenchResult<()> {
        let mut text = format!("{GENERATOR}\ncommits={}\n", self.commits);
        for (key, value) in self.fields() {
            text.push_str(&format!("{key}={value}\n"));
        }
        for (path, content) in &self.files {
            text.push_str(&format!("file={path}\t{content}\n"));
        }
        std::fs::write(marker, text)?;
        Ok(())
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("head", self.head.clone()),
            ("first_record", self.first_record.clone()),
            ("last_record", self.last_record.clone()),
            ("mid_record", self.mid_record.clone()),
            ("prefix_record", self.prefix_record.clone()),
            ("last_train", self.last_train.clone()),
            ("endpoint", self.endpoint.clone()),
            ("endpoint_deploy", self.endpoint_deploy.clone()),
            ("endpoint_raw", self.endpoint_raw.clone()),
            ("mid_version", self.mid_version.clone()),
            ("mid_register", self.mid_register.clone()),
            ("mid_ingested", self.mid_ingested.clone()),
            ("mid_deploy", self.mid_deploy.clone()),
            ("prod_version", self.prod_version.clone()),
            ("prod_register", self.prod_register.clone()),
            ("high_auc", self.high_auc.to_string()),
            ("last_high", self.last_high.clone()),
        ]
    }

    /// The marker's contents, if it was written by this generator.
    fn load(marker: &Path, dir: PathBuf, commits: usize) -> Option<RepoInfo> {
        let text = std::fs::read_to_string(marker).ok()?;
        let mut lines = text.lines();
        if lines.next()? != GENERATOR {
            return None;
        }
        let mut fields = BTreeMap::new();
        let mut files = BTreeMap::new();
        for line in lines {
            let (key, value) = line.split_once('=')?;
            if key == "file" {
                let (path, content) = value.split_once('\t')?;
                files.insert(path.to_string(), content.to_string());
            } else {
                fields.insert(key, value.to_string());
            }
        }
        let mut get = |key: &str| fields.remove(key);
        if get("commits")? != commits.to_string() {
            return None;
        }
        Some(RepoInfo {
            dir,
            commits,
            head: get("head")?,
            first_record: get("first_record")?,
            last_record: get("last_record")?,
            mid_record: get("mid_record")?,
            prefix_record: get("prefix_record")?,
            last_train: get("last_train")?,
            endpoint: get("endpoint")?,
            endpoint_deploy: get("endpoint_deploy")?,
            endpoint_raw: get("endpoint_raw")?,
            mid_version: get("mid_version")?,
            mid_register: get("mid_register")?,
            mid_ingested: get("mid_ingested")?,
            mid_deploy: get("mid_deploy")?,
            prod_version: get("prod_version")?,
            prod_register: get("prod_register")?,
            high_auc: get("high_auc")?.parse().ok()?,
            last_high: get("last_high")?,
            files,
        })
    }

    /// The 8-hex prefix `show` is given.
    fn prefix(&self) -> &str {
        &self.prefix_record[..8]
    }

    /// Write every tracked file into the worktree with the bytes of its most
    /// recent recording (untracked by git; `reset --hard` leaves them).
    fn write_files(&self) -> BenchResult<()> {
        for (path, content) in &self.files {
            let file = self.dir.join(path);
            std::fs::create_dir_all(file.parent().ok_or("tracked file has no parent")?)?;
            std::fs::write(&file, content)?;
        }
        Ok(())
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
        // An interrupted run may have left a new commit behind.
        if run_git(&repo, &["rev-parse", "HEAD"])?.trim() != info.head {
            run_git(&repo, &["reset", "-q", "--hard", &info.head])?;
        }
        info.write_files()?;
        return Ok(info);
    }
    let _ = std::fs::remove_file(&marker);
    if repo.exists() {
        std::fs::remove_dir_all(&repo)?;
    }
    let info = generate(&repo, commits)?;
    info.write_files()?;
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
    let mut ids = Vec::with_capacity(commits);
    for i in 0..commits {
        if i > 0 && i % MARK_BLOCK == 0 {
            // Mark i is commit i - 1 (marks count from 1).
            code_commit = Some(ask_mark(&mut stream, &mut replies, i)?);
        }
        let (record, agent) = synth.record(i, code_commit.clone())?;
        record.validate()?;
        let bytes = record.to_bytes()?;
        let id = RecordId::of_bytes(&bytes);
        if i % 97 == 0 && Record::parse(&bytes)? != record {
            return Err(format!("record {i} does not round-trip through its bytes").into());
        }
        synth.remember(i, &id);
        ids.push(id.to_string());
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
    synth.info(repo, commits, head, &ids)
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

/// Check the commit count, the record files and the tracked files, and
/// parse a few records back from the worktree.
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
    for (path, content) in &info.files {
        if std::fs::read(info.dir.join(path))? != content.as_bytes() {
            return Err(format!("{path} does not hold the bytes last recorded for it").into());
        }
    }
    println!(
        "   checked: {count} commits, {} record files, {checked} records parsed back from the \
         worktree, {} tracked files written",
        paths.len(),
        info.files.len()
    );
    Ok(())
}

/// A local file as records name it: its path and the bytes it held (short
/// text, so the worktree can be given them for `status`).
#[derive(Debug, Clone, Default)]
struct File {
    path: String,
    content: String,
}

impl File {
    /// The file at `path` as record `i` wrote it.
    fn written(path: String, i: usize) -> File {
        let content = format!("{path} as written by record {i}");
        File { path, content }
    }

    fn hash(&self) -> ContentHash {
        ContentHash::of_bytes(self.content.as_bytes())
    }
}

/// One pipeline: what it read and wrote, and its records' ids.
#[derive(Debug, Clone, Default)]
struct Pipeline {
    /// 1, 2, …: the endpoint version its `deploy` writes.
    number: usize,
    raw: File,
    ingested: File,
    features: File,
    model: File,
    ingest: String,
    process: String,
    train: String,
    deploy: String,
    /// `endpoint://…@vP`, once deployed.
    endpoint: String,
}

/// A registered model version.
#[derive(Debug, Clone)]
struct Version {
    number: u64,
    pipeline: Pipeline,
    /// Its `registry-register` record.
    register: String,
}

/// The synthetic lineage: a fixed seed, so every machine generates the same
/// records (and, with the same git, the same commit ids).
struct Synth {
    rng: SplitMix64,
    /// The pipeline being written, or the last one written.
    pipeline: Pipeline,
    /// The last pipeline whose `deploy` was written.
    deployed: Option<Pipeline>,
    /// The version whose registry events are being written.
    registering: Option<Version>,
    /// The versions promoted to production, oldest first.
    promoted: Vec<Version>,
    registered: u64,
    last_train: String,
    /// `train` records matching [`AUC_FILTER`], and the newest.
    high_auc: usize,
    last_high: Option<String>,
    /// Whether the `train` record being written matches [`AUC_FILTER`].
    training_high: bool,
    /// Every local path any record named, with the bytes of its most recent
    /// recording (records are generated in `recorded` order).
    latest: BTreeMap<String, String>,
}

/// What a commit in the sequence holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Step 0..5 of a pipeline: ingest, process, train, evaluate, deploy.
    Pipeline(usize),
    /// Step 0..5 of a version's registry events: register, approve, approve,
    /// promote to staging, promote to production.
    Registry(usize),
}

fn slot(i: usize) -> Slot {
    let (group, step) = (i / GROUP, i % GROUP);
    if group % REGISTRY_EVERY == REGISTRY_EVERY - 1 {
        Slot::Registry(step)
    } else {
        Slot::Pipeline(step)
    }
}

/// A syntactically valid git blob id standing for a script's version.
fn blob_id(script: &str, version: usize) -> String {
    ContentHash::of_bytes(format!("{script} v{version}").as_bytes()).to_hex()[..40].to_string()
}

impl Synth {
    fn new() -> Synth {
        Synth {
            rng: SplitMix64(0x6c69_6e65_6167_6521), // "lineage!"
            pipeline: Pipeline::default(),
            deployed: None,
            registering: None,
            promoted: Vec::new(),
            registered: 0,
            last_train: String::new(),
            high_auc: 0,
            last_high: None,
            training_high: false,
            latest: BTreeMap::new(),
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.next() % n
    }

    /// `(base + below(spread)) / 10000`: four decimals, printed exactly.
    fn fraction(&mut self, base: u64, spread: u64) -> f64 {
        (base + self.below(spread)) as f64 / 10_000.0
    }

    /// `file` as an artifact of role `role`, noted as its path's most recent
    /// recording.
    fn artifact(&mut self, file: &File, role: &str) -> Artifact {
        self.latest.insert(file.path.clone(), file.content.clone());
        Artifact {
            path: Some(file.path.clone()),
            role: Some(role.into()),
            hash: Some(file.hash()),
            size: Some(file.content.len() as u64),
            ..Artifact::default()
        }
    }

    /// Record `i` and its author.
    fn record(
        &mut self,
        i: usize,
        code_commit: Option<String>,
    ) -> BenchResult<(Record, (&'static str, &'static str))> {
        match slot(i) {
            Slot::Pipeline(step) => {
                let agent = AGENTS[self.below(AGENTS.len() as u64) as usize];
                let mut record = base_record(i, agent, code_commit);
                let seconds = 5 + self.below(50) as i64;
                record.started = Some(Timestamp::from_unix_micros(
                    record.recorded.unix_micros() - seconds * 1_000_000,
                ));
                record.ended = Some(record.recorded);
                record.environment.image = Some(IMAGE.into());
                record.environment.lockfiles = BTreeMap::from([(
                    "requirements.txt".to_string(),
                    ContentHash::of_bytes(format!("requirements v{}", i / 1000).as_bytes()),
                )]);
                self.pipeline_step(i, step, &mut record);
                Ok((record, agent))
            }
            Slot::Registry(step) => {
                let agent = match step {
                    0 => REGISTRAR,
                    1 | 2 => APPROVERS[step - 1],
                    _ => PROMOTER,
                };
                let mut record = base_record(i, agent, code_commit);
                self.registry_step(step, &mut record)?;
                Ok((record, agent))
            }
        }
    }

    fn pipeline_step(&mut self, i: usize, step: usize, record: &mut Record) {
        let version = i / 1000;
        let script = [
            "ingest.py",
            "features.py",
            "train.py",
            "evaluate.py",
            "deploy.py",
        ][step];
        record.code.files =
            BTreeMap::from([(format!("pipeline/{script}"), blob_id(script, version))]);
        record.command = vec!["python".into(), format!("pipeline/{script}")];
        match step {
            0 => {
                let source = self.below(RAW_SOURCES);
                let day = i / DAY_COMMITS;
                let raw_path = format!("data/raw/source-{source:02}.csv");
                self.pipeline = Pipeline {
                    number: self.pipeline.number + 1,
                    raw: File {
                        content: format!("{raw_path} as exported on day {day}"),
                        path: raw_path,
                    },
                    ingested: File::written(format!("data/ingested/source-{source:02}.parquet"), i),
                    ..Pipeline::default()
                };
                let (raw, ingested) = (self.pipeline.raw.clone(), self.pipeline.ingested.clone());
                record.kind = "ingest".into();
                record.name = "ingest-transactions".into();
                record
                    .command
                    .extend(["--source".into(), format!("source-{source:02}")]);
                record.params = ValueMap::from([(
                    "source".into(),
                    Value::String(format!("source-{source:02}")),
                )]);
                record.inputs.push(self.artifact(&raw, "dataset"));
                record.outputs.push(self.artifact(&ingested, "dataset"));
                record.metrics = ValueMap::from([(
                    "rows".into(),
                    Value::Int(1_000_000 + self.below(100_000) as i64),
                )]);
            }
            1 => {
                let source = &self.pipeline.ingested.path;
                let name = Path::new(source)
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("source");
                self.pipeline.features = File::written(format!("features/{name}.parquet"), i);
                let (ingested, features) = (
                    self.pipeline.ingested.clone(),
                    self.pipeline.features.clone(),
                );
                let window = [7i64, 14, 30, 90][self.below(4) as usize];
                record.kind = "process".into();
                record.name = "features".into();
                record
                    .command
                    .extend(["--window-days".into(), window.to_string()]);
                record.params = ValueMap::from([("window_days".into(), Value::Int(window))]);
                record.inputs.push(self.artifact(&ingested, "dataset"));
                record.outputs.push(self.artifact(&features, "features"));
            }
            2 => {
                self.pipeline.model = File::written(format!("models/{MODEL}.bin"), i);
                let (features, model) =
                    (self.pipeline.features.clone(), self.pipeline.model.clone());
                let lr = [0.3, 0.1, 0.05, 0.01][self.below(4) as usize];
                let depth = 3 + self.below(8) as i64;
                self.training_high = self.below(HIGH_AUC_ONE_IN) == 0;
                // Below 0.89 except one in HIGH_AUC_ONE_IN: 0.8000–0.8889
                // or 0.8901–0.8999.
                let auc = if self.training_high {
                    self.fraction(8901, 99)
                } else {
                    self.fraction(8000, 890)
                };
                record.kind = "train".into();
                record.name = MODEL.into();
                record.command.extend([
                    "--lr".into(),
                    lr.to_string(),
                    "--max-depth".into(),
                    depth.to_string(),
                ]);
                record.params = ValueMap::from([
                    ("lr".into(), Value::Float(lr)),
                    ("max_depth".into(), Value::Int(depth)),
                ]);
                record.seed = Some(self.below(1000));
                record.inputs.push(self.artifact(&features, "features"));
                record.outputs.push(self.artifact(&model, "model"));
                record.metrics = ValueMap::from([
                    ("auc".into(), Value::Float(auc)),
                    ("train_loss".into(), Value::Float(self.fraction(1000, 2000))),
                ]);
            }
            3 => {
                let model = self.pipeline.model.clone();
                let report = File::written("reports/eval.json".into(), i);
                record.kind = "evaluate".into();
                record.name = "fraud-eval".into();
                record.inputs.push(self.artifact(&model, "model"));
                record.outputs.push(self.artifact(&report, "report"));
                record.metrics = ValueMap::from([
                    ("auc".into(), Value::Float(self.fraction(7800, 1000))),
                    ("precision".into(), Value::Float(self.fraction(6000, 3500))),
                    ("recall".into(), Value::Float(self.fraction(5000, 4500))),
                ]);
            }
            _ => {
                let model = self.pipeline.model.clone();
                let version = format!("v{}", self.pipeline.number);
                self.pipeline.endpoint = format!("{ENDPOINT}@{version}");
                record.kind = "deploy".into();
                record.name = "fraud-deploy".into();
                record
                    .command
                    .extend(["--endpoint".into(), ENDPOINT.into()]);
                record.params = ValueMap::from([
                    ("endpoint".into(), Value::String(ENDPOINT.into())),
                    ("replicas".into(), Value::Int(3)),
                ]);
                record.inputs.push(self.artifact(&model, "model"));
                record.outputs.push(Artifact {
                    uri: Some(ENDPOINT.into()),
                    version: Some(version),
                    role: Some("endpoint".into()),
                    ..Artifact::default()
                });
            }
        }
    }

    /// The registry events of the model the last pipeline trained, written
    /// as `git lineage registry …` writes them (src/registry/events.rs).
    fn registry_step(&mut self, step: usize, record: &mut Record) -> BenchResult<()> {
        if step == 0 {
            self.registered += 1;
            self.registering = Some(Version {
                number: self.registered,
                pipeline: self.pipeline.clone(),
                register: String::new(),
            });
        }
        let version = self
            .registering
            .clone()
            .ok_or("registry events before any register event")?;
        let number = Value::Int(version.number as i64);
        record.name = MODEL.into();
        let model = self.artifact(&version.pipeline.model, "model");
        match step {
            0 => {
                record.kind = "registry-register".into();
                record.params = ValueMap::from([
                    ("version".into(), number),
                    (
                        "description".into(),
                        Value::String(format!("retrained by pipeline {}", version.pipeline.number)),
                    ),
                ]);
                record.inputs.push(model);
                record.references.push(record_id(&version.pipeline.train)?);
            }
            1 | 2 => {
                record.kind = "registry-approve".into();
                let comment = ["metrics reviewed", "canary looks good"][step - 1];
                record.params = ValueMap::from([
                    ("version".into(), number),
                    ("comment".into(), Value::String(comment.into())),
                ]);
                record.references.push(record_id(&version.register)?);
            }
            _ => {
                record.kind = "registry-promote".into();
                let stage = if step == 3 { "staging" } else { "production" };
                record.params = ValueMap::from([
                    ("version".into(), number),
                    ("stage".into(), Value::String(stage.into())),
                ]);
                record.inputs.push(model);
                record.references.push(record_id(&version.register)?);
            }
        }
        Ok(())
    }

    /// Note the id of record `i` once its bytes are known.
    fn remember(&mut self, i: usize, id: &RecordId) {
        let id = id.to_string();
        match slot(i) {
            Slot::Pipeline(0) => self.pipeline.ingest = id,
            Slot::Pipeline(1) => self.pipeline.process = id,
            Slot::Pipeline(2) => {
                if self.training_high {
                    self.high_auc += 1;
                    self.last_high = Some(id.clone());
                }
                self.pipeline.train = id.clone();
                self.last_train = id;
            }
            Slot::Pipeline(3) => {}
            Slot::Pipeline(_) => {
                self.pipeline.deploy = id;
                self.deployed = Some(self.pipeline.clone());
            }
            Slot::Registry(step) => {
                if let Some(version) = &mut self.registering {
                    if step == 0 {
                        version.register = id;
                    } else if step == GROUP - 1 {
                        self.promoted.push(version.clone());
                    }
                }
            }
        }
    }

    /// What the queries start from and must answer, once all `commits`
    /// records (with ids `ids`) are written.
    fn info(
        self,
        repo: &Path,
        commits: usize,
        head: String,
        ids: &[String],
    ) -> BenchResult<RepoInfo> {
        let deployed = self.deployed.ok_or("no pipeline was deployed")?;
        let prod = self
            .promoted
            .last()
            .ok_or("no version reached production")?;
        let mid = &self.promoted[self.promoted.len() / 2];
        Ok(RepoInfo {
            dir: repo.to_path_buf(),
            commits,
            head,
            first_record: ids.first().ok_or("no records")?.clone(),
            last_record: ids.last().ok_or("no records")?.clone(),
            mid_record: ids[commits / 2].clone(),
            prefix_record: ids[commits / 3].clone(),
            last_train: self.last_train,
            endpoint: deployed.endpoint.clone(),
            endpoint_deploy: deployed.deploy.clone(),
            endpoint_raw: deployed.raw.hash().to_string(),
            mid_version: format!("v{}", mid.number),
            mid_register: mid.register.clone(),
            mid_ingested: mid.pipeline.ingested.hash().to_string(),
            mid_deploy: mid.pipeline.deploy.clone(),
            prod_version: format!("v{}", prod.number),
            prod_register: prod.register.clone(),
            high_auc: self.high_auc,
            last_high: self.last_high.unwrap_or_else(|| "-".into()),
            files: self.latest,
        })
    }
}

/// The id of a record generated earlier.
fn record_id(text: &str) -> BenchResult<RecordId> {
    RecordId::parse(text).ok_or_else(|| format!("'{text}' is not a generated record id").into())
}

/// Record `i`'s fields that every kind shares.
fn base_record(i: usize, agent: (&str, &str), code_commit: Option<String>) -> Record {
    Record {
        schema: SCHEMA.into(),
        kind: String::new(),
        name: String::new(),
        recorded: Timestamp::from_unix_micros((EPOCH_SECS + i as i64 * STEP_SECS) * 1_000_000),
        started: None,
        ended: None,
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
            ..Environment::default()
        },
        inputs: Vec::new(),
        outputs: Vec::new(),
        metrics: ValueMap::new(),
        references: Vec::new(),
        imports: Vec::new(),
        note: None,
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

/// What a row's time is divided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reference {
    /// Nothing: a reference itself.
    None,
    /// `git log -1`: point queries.
    LogOne,
    /// `git log --name-only -- .lineage`: the cold first read.
    NameOnly,
}

/// What runs, untimed, before each timed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prepare {
    Nothing,
    /// Delete `.git/lineage/`.
    DropDerived,
    /// Reset to the generated head, run these git-lineage arguments so the
    /// derived state is current, and commit one new record with plain git.
    NewCommit(&'static [&'static str]),
}

/// Which REF of [`RepoInfo`] an argument stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    Text(&'static str),
    MidRecord,
    Prefix,
    Endpoint,
    MidIngested,
}

/// One row of the table: a whole command.
struct Case {
    /// The command as the table shows it.
    label: &'static str,
    /// `git`, or git-lineage when false.
    git: bool,
    args: Vec<Arg>,
    prepare: Prepare,
    /// Read this many lines of stdout through a pipe, then close it
    /// (`| head -N`); `None`: stdout to /dev/null.
    head: Option<usize>,
    reference: Reference,
}

/// Every row of issue 12's table, in the order they run: the references,
/// cold `log` (which leaves the derived state built), the warm queries, then
/// the rows that add a commit.
fn cases() -> Vec<Case> {
    use Arg::Text;
    let case = |label, git, args: Vec<Arg>, reference| Case {
        label,
        git,
        args,
        prepare: Prepare::Nothing,
        head: None,
        reference,
    };
    let lineage = |label, args: Vec<Arg>| case(label, false, args, Reference::LogOne);
    vec![
        case(
            "`git rev-parse HEAD` (reference)",
            true,
            vec![Text("rev-parse"), Text("HEAD")],
            Reference::None,
        ),
        case(
            "`git log -1` (reference)",
            true,
            vec![Text("log"), Text("-1")],
            Reference::None,
        ),
        case(
            "`git log --name-only -- .lineage` (reference)",
            true,
            vec![
                Text("log"),
                Text("--name-only"),
                Text("--"),
                Text(".lineage"),
            ],
            Reference::None,
        ),
        Case {
            prepare: Prepare::DropDerived,
            ..case(
                "`git lineage log`, cold (no `.git/lineage/`)",
                false,
                vec![Text("log")],
                Reference::NameOnly,
            )
        },
        lineage("`git lineage log`, warm", vec![Text("log")]),
        Case {
            head: Some(10),
            ..lineage("`git lineage log \\| head -10`", vec![Text("log")])
        },
        lineage(
            "`git lineage show <full id>`",
            vec![Text("show"), Arg::MidRecord],
        ),
        lineage(
            "`git lineage show <8-hex prefix>`",
            vec![Text("show"), Arg::Prefix],
        ),
        lineage(
            "`git lineage show name:fraud-model`",
            vec![Text("show"), Text("name:fraud-model")],
        ),
        lineage(
            "`git lineage graph endpoint://fraud-model/serving@vP --up`",
            vec![Text("graph"), Arg::Endpoint, Text("--up")],
        ),
        lineage(
            "`git lineage graph blake3:<ingested> --down`",
            vec![Text("graph"), Arg::MidIngested, Text("--down")],
        ),
        lineage(
            "`git lineage impact blake3:<ingested>`",
            vec![Text("impact"), Arg::MidIngested],
        ),
        lineage(
            "`git lineage registry resolve fraud-model@production`",
            vec![
                Text("registry"),
                Text("resolve"),
                Text("fraud-model@production"),
            ],
        ),
        lineage("`git lineage status`", vec![Text("status")]),
        lineage(
            "`git lineage search --kind train --metric 'auc>=0.89'`",
            vec![
                Text("search"),
                Text("--kind"),
                Text("train"),
                Text("--metric"),
                Text(AUC_FILTER),
            ],
        ),
        lineage(
            "`git lineage verify --history`, nothing new",
            vec![Text("verify"), Text("--history")],
        ),
        Case {
            prepare: Prepare::NewCommit(&["verify", "--history"]),
            ..lineage(
                "`git lineage verify --history`, after 1 new commit",
                vec![Text("verify"), Text("--history")],
            )
        },
        Case {
            prepare: Prepare::NewCommit(&["log"]),
            ..lineage("`git lineage log`, after 1 new commit", vec![Text("log")])
        },
    ]
}

impl Case {
    fn command(&self, info: &RepoInfo) -> (&'static str, Vec<String>) {
        let args = self
            .args
            .iter()
            .map(|arg| match arg {
                Arg::Text(text) => text.to_string(),
                Arg::MidRecord => info.mid_record.clone(),
                Arg::Prefix => info.prefix().to_string(),
                Arg::Endpoint => info.endpoint.clone(),
                Arg::MidIngested => info.mid_ingested.clone(),
            })
            .collect();
        (if self.git { "git" } else { BIN }, args)
    }
}

/// The results for one repository size.
struct SizeResult {
    commits: usize,
    /// Per case (in [`cases`] order): the median.
    times: Vec<Duration>,
    /// Per case: peak RSS in KiB; `None` without GNU time.
    rss: Vec<Option<u64>>,
    /// The files under `.git/lineage/` (relative path, bytes) after the warm
    /// rows, before any new commit.
    derived: Vec<(String, u64)>,
    answers: Answers,
}

impl SizeResult {
    fn time_of(&self, cases: &[Case], wanted: Reference) -> Option<Duration> {
        let label = match wanted {
            Reference::None => return None,
            Reference::LogOne => "`git log -1` (reference)",
            Reference::NameOnly => "`git log --name-only -- .lineage` (reference)",
        };
        cases
            .iter()
            .position(|c| c.label == label)
            .map(|i| self.times[i])
    }

    fn derived_total(&self) -> u64 {
        self.derived.iter().map(|(_, bytes)| bytes).sum()
    }
}

/// What the checked queries answered: the size of each answer.
#[derive(Debug, Clone, Default)]
struct Answers {
    /// `graph <endpoint> --up`: nodes, of which code commits, and the
    /// farthest distance (hops).
    up_nodes: usize,
    up_commits: usize,
    up_hops: u64,
    /// `graph blake3:<ingested> --down`: nodes.
    down_nodes: usize,
    /// `impact blake3:<ingested>`: records.
    impact_records: usize,
    /// `status`: tracked paths.
    tracked: u64,
    /// `search`: records found.
    found: usize,
}

fn measure_size(info: &RepoInfo, cases: &[Case], gnu_time: bool) -> BenchResult<SizeResult> {
    let repo = &info.dir;
    println!(
        "## {} records: {}",
        group_thousands(info.commits),
        repo.display()
    );
    let answers = check_answers(info)?;
    let extra = Cell::new(0);
    let mut times = Vec::new();
    let mut rss = Vec::new();
    let mut derived = None;
    let mut outcome = Ok(());
    for case in cases {
        if matches!(case.prepare, Prepare::NewCommit(_)) && derived.is_none() {
            derived = Some(derived_files(repo)?);
        }
        let prep = || prepare(info, case.prepare, &extra);
        let measured = measure(prep, || execute(info, case, None)).and_then(|times| {
            let peak = if gnu_time {
                prep()?;
                let report = tempfile::NamedTempFile::new()?;
                execute(info, case, Some(report.path()))?;
                Some(read_peak_rss(report.path())?)
            } else {
                None
            };
            Ok((times, peak))
        });
        match measured {
            Ok((runs, peak)) => {
                let median = runs[runs.len() / 2];
                let all: Vec<String> = runs.iter().map(|t| significant(millis(*t))).collect();
                let label = case.label.replace('`', "").replace("\\|", "|");
                let peak_text = peak.map_or_else(String::new, |kib| {
                    format!("   peak RSS {} MB", megabytes(kib))
                });
                println!(
                    "   {label:<62} median {:>9} ms   runs [{}]{peak_text}",
                    significant(millis(median)),
                    all.join(", ")
                );
                times.push(median);
                rss.push(peak);
            }
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    // The rows that add a commit take it away again, even after an error.
    let restored = run_git(repo, &["reset", "-q", "--hard", &info.head]);
    outcome?;
    restored?;
    let derived = match derived {
        Some(derived) => derived,
        None => derived_files(repo)?,
    };
    let total: u64 = derived.iter().map(|(_, bytes)| bytes).sum();
    println!(
        "   derived state: {} bytes in {} files under .git/lineage/ = {} bytes per record",
        total,
        derived.len(),
        significant(total as f64 / info.commits as f64)
    );
    println!();
    Ok(SizeResult {
        commits: info.commits,
        times,
        rss,
        derived,
        answers,
    })
}

fn prepare(info: &RepoInfo, prepare: Prepare, extra: &Cell<usize>) -> BenchResult<()> {
    match prepare {
        Prepare::Nothing => Ok(()),
        Prepare::DropDerived => {
            let derived = info.dir.join(".git").join("lineage");
            match std::fs::remove_dir_all(&derived) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(format!("cannot remove {}: {e}", derived.display()).into()),
            }
        }
        Prepare::NewCommit(args) => {
            run_git(&info.dir, &["reset", "-q", "--hard", &info.head])?;
            quiet(lineage(&info.dir, args), "git-lineage")?;
            extra.set(extra.get() + 1);
            commit_one_record(info, extra.get())
        }
    }
}

/// Run `case` once: stdout to /dev/null and a zero exit required, or for
/// `| head -N` read N lines through a pipe, close it and wait (any exit:
/// what a closed pipe does to the writer is its own business). Under GNU
/// time writing its `%M` to `rss_report` when given.
fn execute(info: &RepoInfo, case: &Case, rss_report: Option<&Path>) -> BenchResult<()> {
    let (program, args) = case.command(info);
    let mut cmd = match rss_report {
        Some(report) => {
            let mut cmd = Command::new(GNU_TIME);
            cmd.arg("-f").arg("%M").arg("-o").arg(report).arg(program);
            cmd
        }
        None => Command::new(program),
    };
    hermetic(&mut cmd).current_dir(&info.dir).args(&args);
    let Some(lines) = case.head else {
        return quiet(cmd, case.label);
    };
    let mut child: Child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut read = 0;
    for line in BufReader::new(stdout).lines().take(lines) {
        line?;
        read += 1;
    }
    // The reader is dropped here: the pipe closes, as after `head -N`.
    child.wait()?;
    if read < lines {
        return Err(format!("{}: read {read} lines, expected {lines}", case.label).into());
    }
    Ok(())
}

/// Commit one new `ingest` record (distinct for each `extra`) on top of
/// HEAD with plain git.
fn commit_one_record(info: &RepoInfo, extra: usize) -> BenchResult<()> {
    let i = info.commits + extra;
    let (mut record, agent) = Synth::new().record(0, Some(info.head.clone()))?;
    record.name = "ingest-incremental".into();
    let recorded = Timestamp::from_unix_micros((EPOCH_SECS + i as i64 * STEP_SECS) * 1_000_000);
    record.recorded = recorded;
    record.started = Some(recorded);
    record.ended = Some(recorded);
    record.validate()?;
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
        .arg(format!("lineage: ingest {} ({})", record.name, id.short()))
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

/// Every file under `.git/lineage/`, relative to it, with its size.
fn derived_files(repo: &Path) -> BenchResult<Vec<(String, u64)>> {
    let root = repo.join(".git").join("lineage");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot list {}: {e}", dir.display()).into()),
        };
        for entry in entries {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                dirs.push(entry.path());
            } else {
                let rel = entry.path().strip_prefix(&root)?.display().to_string();
                files.push((rel, meta.len()));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Untimed, checked runs (JSON output): every command answers what the
/// generator says it must. Returns the size of each answer.
fn check_answers(info: &RepoInfo) -> BenchResult<Answers> {
    let repo = &info.dir;
    let mut answers = Answers::default();

    let listed = run_git(
        repo,
        &["log", "--name-only", "--format=%H", "--", ".lineage"],
    )?
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
    prepare(info, Prepare::DropDerived, &Cell::new(0))?;
    log_names(info, &[&info.first_record, &info.last_record])?;

    for (what, reference, id) in [
        ("show <full id>", info.mid_record.as_str(), &info.mid_record),
        ("show <8-hex prefix>", info.prefix(), &info.prefix_record),
        (
            "show name:fraud-model",
            "name:fraud-model",
            &info.last_train,
        ),
    ] {
        let shown = json(repo, &["show", reference])?;
        expect_field(&shown, "id", id, what)?;
    }

    let up = json(repo, &["graph", &info.endpoint, "--up"])?;
    let up_ids = node_ids(&up);
    expect_ids(
        &up_ids.join("\n"),
        "graph <endpoint> --up",
        &[&info.endpoint_deploy, &info.endpoint_raw],
    )?;
    answers.up_nodes = up_ids.len();
    answers.up_commits = nodes(&up)
        .filter(|n| n.get("type").and_then(Json::as_str) == Some("commit"))
        .count();
    answers.up_hops = nodes(&up)
        .filter_map(|n| n.get("distance").and_then(Json::as_u64))
        .max()
        .unwrap_or(0);

    let down = json(repo, &["graph", &info.mid_ingested, "--down"])?;
    let down_ids = node_ids(&down);
    expect_ids(
        &down_ids.join("\n"),
        "graph blake3:<ingested> --down",
        &[&info.mid_deploy, &info.mid_register],
    )?;
    answers.down_nodes = down_ids.len();

    let impact = json(repo, &["impact", &info.mid_ingested])?;
    let impacted: Vec<&str> = impact
        .get("records")
        .and_then(Json::as_object)
        .into_iter()
        .flat_map(|kinds| kinds.values())
        .filter_map(Json::as_array)
        .flatten()
        .filter_map(|r| r.get("id").and_then(Json::as_str))
        .collect();
    expect_ids(
        &impacted.join("\n"),
        "impact blake3:<ingested>",
        &[&info.mid_deploy, &info.mid_register],
    )?;
    answers.impact_records = impacted.len();
    for (what, count) in [
        ("graph --down nodes", answers.down_nodes),
        ("impact records", answers.impact_records),
    ] {
        if count > 100 {
            return Err(format!("{what}: {count}, the issue's row wants at most 100").into());
        }
    }

    let resolved = json(repo, &["registry", "resolve", "fraud-model@production"])?;
    expect_field(&resolved, "version", &info.prod_version, "registry resolve")?;
    expect_field(&resolved, "record", &info.prod_register, "registry resolve")?;

    let status = json(repo, &["status"])?;
    answers.tracked = status.get("tracked").and_then(Json::as_u64).unwrap_or(0);
    let changed = status
        .get("changed")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    if answers.tracked != info.files.len() as u64 || changed != 0 {
        return Err(format!(
            "status tracked {} paths with {changed} changed; expected {} tracked, none changed",
            answers.tracked,
            info.files.len()
        )
        .into());
    }

    let found = json(repo, &["search", "--kind", "train", "--metric", AUC_FILTER])?;
    let records = found
        .get("records")
        .and_then(Json::as_array)
        .ok_or("search printed no records array")?;
    answers.found = records.len();
    let newest = records
        .first()
        .and_then(|r| r.get("id"))
        .and_then(Json::as_str)
        .unwrap_or("-");
    if answers.found != info.high_auc || newest != info.last_high {
        return Err(format!(
            "search --metric '{AUC_FILTER}' found {} records, newest {newest}; expected {}, \
             newest {}",
            answers.found, info.high_auc, info.last_high
        )
        .into());
    }

    quiet(lineage(repo, &["verify", "--history"]), "verify --history")?;
    println!(
        "   checked answers: log names the first and last record; show by id, prefix and \
         name:fraud-model; graph --up reaches the raw source in {} hops, {} nodes (code \
         commits among them: {}); graph --down {} nodes; impact {} records; registry resolve {}; status \
         tracks {} paths, clean; search finds {}; verify --history clean",
        answers.up_hops,
        answers.up_nodes,
        answers.up_commits,
        answers.down_nodes,
        answers.impact_records,
        info.prod_version,
        answers.tracked,
        answers.found
    );
    Ok(answers)
}

/// Check that cold `log --format json` names every one of `ids`, reading its
/// output line by line (at 1M records it is gigabytes).
fn log_names(info: &RepoInfo, ids: &[&str]) -> BenchResult<()> {
    let mut child = lineage(&info.dir, &["log", "--format", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut missing: Vec<&str> = ids.to_vec();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        missing.retain(|id| !line.contains(id));
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(format!(
            "`git lineage log --format json` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    match missing.first() {
        Some(id) => Err(format!("the output of `log` does not mention {id}").into()),
        None => Ok(()),
    }
}

/// `git lineage ARGS --format json`, parsed.
fn json(repo: &Path, args: &[&str]) -> BenchResult<Json> {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let what = format!("git lineage {}", args.join(" "));
    let text = capture(lineage(repo, &all), &what)?;
    serde_json::from_str(&text).map_err(|e| format!("`{what}` printed no JSON: {e}").into())
}

fn nodes(graph: &Json) -> impl Iterator<Item = &Json> {
    graph
        .get("nodes")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
}

fn node_ids(graph: &Json) -> Vec<&str> {
    nodes(graph)
        .filter_map(|n| n.get("id").and_then(Json::as_str))
        .collect()
}

fn expect_field(document: &Json, key: &str, expected: &str, what: &str) -> BenchResult<()> {
    match document.get(key).and_then(Json::as_str) {
        Some(found) if found == expected => Ok(()),
        found => Err(format!("`{what}` gave {key} {found:?}, expected {expected}").into()),
    }
}

fn expect_ids(output: &str, what: &str, ids: &[&str]) -> BenchResult<()> {
    for id in ids {
        if !output.contains(id) {
            return Err(format!("the output of `{what}` does not mention {id}").into());
        }
    }
    Ok(())
}

/// One warm-up run, then [`RUNS`] timed runs ([`SLOW_RUNS`] when the warm-up
/// took longer than [`SLOW`]); `prepare` runs untimed before each. Returns
/// the times, sorted.
fn measure(
    mut prepare: impl FnMut() -> BenchResult<()>,
    mut run: impl FnMut() -> BenchResult<()>,
) -> BenchResult<Vec<Duration>> {
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
    Ok(times)
}

/// The peak resident set size GNU time's `%M` wrote to `report`, in KiB.
fn read_peak_rss(report: &Path) -> BenchResult<u64> {
    let text = std::fs::read_to_string(report)?;
    text.lines()
        .rev()
        .find_map(|l| l.trim().parse::<u64>().ok())
        .ok_or_else(|| format!("{GNU_TIME} printed no %M: '{}'", text.trim()).into())
}

// ------------------------------------------------------------------ commands

// -------------------------------------------------------------------- output

/// `| command | 1,000 records | … |` and its alignment row.
fn print_header(first: &str, results: &[SizeResult]) {
    let sizes: Vec<String> = results
        .iter()
        .map(|r| format!("{} records", group_thousands(r.commits)))
        .collect();
    println!("| {first} | {} |", sizes.join(" | "));
    println!("|---|{}", "---:|".repeat(results.len()));
}

/// Rows = commands, columns = sizes; each cell the median and its ratio to
/// the row's reference in the same run.
fn print_times(cases: &[Case], results: &[SizeResult]) {
    print_header("command", results);
    for (i, case) in cases.iter().enumerate() {
        let cells: Vec<String> = results
            .iter()
            .map(|r| {
                let time = r.times[i];
                match r.time_of(cases, case.reference) {
                    Some(reference) => format!(
                        "{} ({}×)",
                        duration(time),
                        significant(time.as_secs_f64() / reference.as_secs_f64())
                    ),
                    None => duration(time),
                }
            })
            .collect();
        println!("| {} | {} |", case.label, cells.join(" | "));
    }
    println!();
    println!(
        "Whole commands (process start included), stdout to /dev/null, medians. The ratio is to \
         `git log -1` in the same run, for the cold `log` to `git log --name-only -- .lineage`. \
         \"cold\": no `.git/lineage/` (deleted before each run); the page cache is warm. \"after \
         1 new commit\": before each run (untimed) reset to the generated head, run the command \
         once, commit one record with plain git."
    );
}

fn print_rss(cases: &[Case], results: &[SizeResult]) {
    println!("Peak RSS (MB = 10^6 bytes, GNU time `%M`), one run each:");
    println!();
    print_header("command", results);
    for (i, case) in cases.iter().enumerate() {
        let cells: Vec<String> = results
            .iter()
            .map(|r| r.rss[i].map_or_else(|| "—".to_string(), megabytes))
            .collect();
        println!("| {} | {} |", case.label, cells.join(" | "));
    }
}

/// The size of each checked answer, per repository size.
fn print_answers(results: &[SizeResult]) {
    println!("What the queries answered (checked before timing):");
    println!();
    print_header("answer", results);
    let row = |label: &str, cell: &dyn Fn(&Answers) -> String| {
        let cells: Vec<String> = results.iter().map(|r| cell(&r.answers)).collect();
        println!("| {label} | {} |", cells.join(" | "));
    };
    row("`graph endpoint://… --up`", &|a| {
        format!(
            "{} hops, {} nodes (code commits among them: {})",
            a.up_hops, a.up_nodes, a.up_commits
        )
    });
    row("`graph blake3:<ingested> --down`", &|a| {
        format!("{} nodes", a.down_nodes)
    });
    row("`impact blake3:<ingested>`", &|a| {
        format!("{} records", a.impact_records)
    });
    row("`status`", &|a| {
        format!("{} tracked paths, clean", a.tracked)
    });
    row("`search --kind train --metric 'auc>=0.89'`", &|a| {
        format!("{} records", a.found)
    });
}

/// The derived state after the warm rows: total and per file, in bytes per
/// record.
fn print_derived(results: &[SizeResult]) {
    println!("Derived state (`.git/lineage/`) after the warm rows, in bytes per record:");
    println!();
    print_header("file", results);
    let mut names: Vec<&str> = results
        .iter()
        .flat_map(|r| r.derived.iter().map(|(name, _)| name.as_str()))
        .collect();
    names.sort();
    names.dedup();
    let per_record = |bytes: u64, r: &SizeResult| {
        format!(
            "{} ({})",
            significant(bytes as f64 / r.commits as f64),
            human_bytes(bytes)
        )
    };
    for name in names {
        let cells: Vec<String> = results
            .iter()
            .map(|r| {
                r.derived
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or_else(|| "—".to_string(), |(_, bytes)| per_record(*bytes, r))
            })
            .collect();
        println!("| `{name}` | {} |", cells.join(" | "));
    }
    let totals: Vec<String> = results
        .iter()
        .map(|r| per_record(r.derived_total(), r))
        .collect();
    println!("| **total** | {} |", totals.join(" | "));
}

/// The targets next to the measured values. Informational: never
/// asserted.
fn print_targets(cases: &[Case], results: &[SizeResult]) {
    println!("## Targets of issue 12 (informational, not asserted)");
    println!();
    let Some(largest) = results.iter().max_by_key(|r| r.commits) else {
        return;
    };
    let at = group_thousands(largest.commits);
    if largest.commits < 100_000 {
        println!(
            "The targets are for 100,000 records; the largest size measured is {at}, so the \
             verdicts below are for {at}."
        );
        println!();
    }
    println!("| target | measured at {at} records | |");
    println!("|---|---|---|");
    let verdict = |met: bool| if met { "met" } else { "**not met**" };
    let time = |label: &str| {
        cases
            .iter()
            .position(|c| c.label == label)
            .map(|i| largest.times[i])
            .unwrap_or_default()
    };
    let point = [
        "`git lineage show <full id>`",
        "`git lineage show <8-hex prefix>`",
        "`git lineage show name:fraud-model`",
        "`git lineage graph endpoint://fraud-model/serving@vP --up`",
        "`git lineage graph blake3:<ingested> --down`",
        "`git lineage impact blake3:<ingested>`",
        "`git lineage registry resolve fraud-model@production`",
        "`git lineage status`",
    ];
    for (labels, limit) in [
        (&point[..], 20.0),
        (
            &[
                "`git lineage log \\| head -10`",
                "`git lineage search --kind train --metric 'auc>=0.89'`",
            ][..],
            20.0,
        ),
        (
            &["`git lineage verify --history`, after 1 new commit"][..],
            50.0,
        ),
    ] {
        for label in labels {
            let ms = millis(time(label));
            println!(
                "| {label} ≤ {limit} ms | {} | {} |",
                duration(time(label)),
                verdict(ms <= limit)
            );
        }
    }
    // Flat: the same within noise at every size.
    if results.len() > 1 {
        for label in point {
            let Some(i) = cases.iter().position(|c| c.label == label) else {
                continue;
            };
            let all: Vec<String> = results.iter().map(|r| duration(r.times[i])).collect();
            let (min, max) = results.iter().fold((f64::MAX, 0.0f64), |(lo, hi), r| {
                let ms = millis(r.times[i]);
                (lo.min(ms), hi.max(ms))
            });
            println!(
                "| {label} flat across sizes | {} (max/min {}×) | {} |",
                all.join(" / "),
                significant(max / min),
                verdict(max / min <= 1.5)
            );
        }
    }
    let cold = "`git lineage log`, cold (no `.git/lineage/`)";
    for r in results.iter().filter(|r| r.commits >= 10_000) {
        if let (Some(i), Some(git)) = (
            cases.iter().position(|c| c.label == cold),
            r.time_of(cases, Reference::NameOnly),
        ) {
            let ratio = r.times[i].as_secs_f64() / git.as_secs_f64();
            println!(
                "| cold `log` ≤ 1.0× `git log --name-only -- .lineage` at {} | {}× ({} / {}) | {} |",
                group_thousands(r.commits),
                significant(ratio),
                duration(r.times[i]),
                duration(git),
                verdict(ratio <= 1.0)
            );
        }
    }
    let peak = cases
        .iter()
        .zip(&largest.rss)
        .filter(|(case, _)| !case.git)
        .filter_map(|(case, kib)| kib.map(|kib| (kib, case.label)))
        .max();
    match peak {
        Some((kib, label)) => println!(
            "| peak RSS of any command ≤ 200 MB | {} MB ({label}) | {} |",
            megabytes(kib),
            verdict(kib * 1024 <= 200_000_000)
        ),
        None => {
            println!("| peak RSS of any command ≤ 200 MB | not measured ({GNU_TIME} missing) | |")
        }
    }
    let per_record = largest.derived_total() as f64 / largest.commits as f64;
    println!(
        "| derived files ≤ 300 bytes per record | {} bytes ({} in all) | {} |",
        significant(per_record),
        human_bytes(largest.derived_total()),
        verdict(per_record <= 300.0)
    );
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `12.3 ms`, or `9.16 s` from a second on.
fn duration(d: Duration) -> String {
    let ms = millis(d);
    if ms >= 1000.0 {
        format!("{} s", significant(ms / 1000.0))
    } else {
        format!("{} ms", significant(ms))
    }
}

/// KiB as decimal megabytes, three significant digits.
fn megabytes(kib: u64) -> String {
    significant(kib as f64 * 1024.0 / 1e6)
}

/// Bytes as `812 B`, `64.1 kB` or `61.0 MB` (decimal).
fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e6 {
        format!("{} MB", significant(b / 1e6))
    } else if b >= 1e3 {
        format!("{} kB", significant(b / 1e3))
    } else {
        format!("{bytes} B")
    }
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
