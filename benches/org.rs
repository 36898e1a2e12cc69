//! Lineage across an organisation (issue 18, "Scale"): N repositories of M
//! records each, joined by content hash (data → features → models →
//! serving), fetched into one consumer repository with `git lineage
//! fetch`, then timed: a cross-repo `impact` of one raw file and a
//! cross-repo `graph --up` of one endpoint (warm, median), and `fetch` of
//! one new commit in one remote against a plain `git fetch` of one new
//! commit, each with `git rev-parse HEAD` and `git log -1` measured in the
//! same run as references.
//!
//! `cargo bench --bench org` (see docs/performance.md, "Organisations").
//! It never asserts a timing; it checks that every answer names the
//! records the generator knows it must, and exits non-zero if not.
//!
//! Every repository is written by one generator ([`generate`]): one
//! `git fast-import` stream into a bare repository, one valid record per
//! commit. Repository `r` plays role `r % 4`: `data` records ingest a raw
//! file of their own into a dataset; `features` records read datasets
//! `i - 1` and `i` of repository `r - 1`; `models` records read features
//! `i - 1` and `i` of `r - 1`; `serving` records deploy model `i` of
//! `r - 1` at `endpoint://svc-<r>/v<i>`. Artifacts are joined by hash
//! alone: paths differ from repository to repository.
//!
//! Environment:
//! - `GIT_LINEAGE_BENCH_ORG`: comma-separated `REPOSxRECORDS` (default
//!   `10x10000`; `100x10000` is the 1M-record run).
//! - `GIT_LINEAGE_BENCH_DIR`: where the organisations live (kept, and
//!   reused while `org-RxM.complete` names this generator); default a
//!   temporary directory removed at the end.
//! - `GIT_LINEAGE_BENCH_KEEP_FETCH`: keep what an earlier run fetched into
//!   the consumer instead of fetching every remote again (the table then
//!   says `kept` for the initial fetch).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use git_lineage::hash::ContentHash;
use git_lineage::params::ValueMap;
use git_lineage::record::{Agent, Artifact, Code, Environment, Record, RecordId, SCHEMA};
use git_lineage::time::Timestamp;

#[path = "support/mod.rs"]
mod support;
use support::*;

/// Timed runs per measurement (after one untimed warm-up run).
const RUNS: usize = 5;
/// Written in each `org-RxM.complete` marker; change it with the generator.
const GENERATOR: &str = "git-lineage org bench generator v1";
/// Record and commit times: 2026-01-01T00:00:00Z plus one minute per
/// record index, plus the repository number in seconds.
const EPOCH_SECS: i64 = 1_767_225_600;
const STEP_SECS: i64 = 60;
const ROLES: [&str; 4] = ["data", "features", "models", "serving"];
const KINDS: [&str; 4] = ["ingest", "process", "train", "deploy"];

fn main() -> ExitCode {
    support::run(bench)
}

fn bench() -> BenchResult<()> {
    let shapes = parse_shapes(
        &std::env::var("GIT_LINEAGE_BENCH_ORG").unwrap_or_else(|_| "10x10000".into()),
    )?;
    let (_temp, dir) = support::work_dir("git-lineage-org-bench.")?;
    println!("# git-lineage organisation benchmark");
    println!();
    println!("git     : {}", run_git(&dir, &["--version"])?.trim());
    println!("binary  : {BIN}");
    println!("orgs in : {}", dir.display());
    println!("load    : {} (1, 5, 15 min) before the run", load_average());
    println!("runs    : {RUNS} timed runs per row after one warm-up run; median shown");
    println!();
    let mut rows = Vec::new();
    for (repos, records) in shapes {
        rows.push(measure_org(&dir, repos, records)?);
    }
    println!();
    println!("load average after the run: {}", load_average());
    println!();
    println!("## Results (paste into docs/performance.md)");
    println!();
    println!(
        "| organisation | records | initial `fetch` (all remotes) | `git rev-parse HEAD` | `git log -1` | `impact --remotes RAW` | `graph --remotes ENDPOINT --up` | `fetch` of 1 new commit | plain `git fetch` of 1 new commit | fetch − git fetch | index refresh (trace) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        println!(
            "| {} × {} | {} | {} | {} | {} | {} ({}× log -1) | {} ({}× log -1) | {} | {} | {} | {} |",
            row.repos,
            group_thousands(row.records),
            group_thousands(row.repos * row.records),
            row.initial_fetch.map_or("kept".into(), ms),
            ms(row.rev_parse),
            ms(row.log1),
            ms(row.impact),
            ratio(row.impact, row.log1),
            ms(row.graph),
            ratio(row.graph, row.log1),
            ms(row.fetch),
            ms(row.git_fetch),
            ms(row.fetch.saturating_sub(row.git_fetch)),
            ms(row.refresh),
        );
    }
    println!();
    println!("Targets (issue 18): impact and graph --up ≤ 100 ms warm at 1M records; fetch of one");
    println!("new commit updates the indexes in ≤ 100 ms beyond git's own fetch.");
    for row in &rows {
        println!(
            "- {} × {}: impact {}, graph --up {}, index update {} (fetch − git fetch), {} (trace); \
             after the fetches (catalog + layer): impact {}, graph --up {}",
            row.repos,
            group_thousands(row.records),
            ms(row.impact),
            ms(row.graph),
            ms(row.fetch.saturating_sub(row.git_fetch)),
            ms(row.refresh),
            ms(row.impact_after),
            ms(row.graph_after)
        );
    }
    Ok(())
}

fn parse_shapes(text: &str) -> BenchResult<Vec<(usize, usize)>> {
    text.split(',')
        .map(|shape| {
            let (repos, records) = shape
                .trim()
                .split_once('x')
                .ok_or_else(|| format!("'{shape}' is not REPOSxRECORDS (e.g. 10x10000)"))?;
            let (repos, records): (usize, usize) = (repos.parse()?, records.parse()?);
            if repos < 4 || records < 10 {
                return Err(format!("'{shape}': at least 4 repositories of 10 records").into());
            }
            Ok((repos, records))
        })
        .collect()
}

/// One organisation's measurements.
struct Row {
    repos: usize,
    records: usize,
    /// `None` when an earlier run's fetch was kept.
    initial_fetch: Option<Duration>,
    rev_parse: Duration,
    log1: Duration,
    impact: Duration,
    graph: Duration,
    fetch: Duration,
    git_fetch: Duration,
    refresh: Duration,
    /// `impact` and `graph --up` again after the fetches, answered from
    /// the catalog and the layer the fetches wrote over it.
    impact_after: Duration,
    graph_after: Duration,
}

/// The hash of what record `i` of repository `r` wrote (its output's bytes).
fn output_hash(r: usize, i: usize) -> ContentHash {
    ContentHash::of_bytes(format!("{} of repo {r} record {i}", ROLES[r % 4]).as_bytes())
}

/// The hash of the raw file record `i` of data repository `r` ingested.
fn raw_hash(r: usize, i: usize) -> ContentHash {
    ContentHash::of_bytes(format!("raw export of repo {r} batch {i}").as_bytes())
}

fn endpoint(r: usize, i: usize) -> String {
    format!("endpoint://svc-{r}/v{i}")
}

fn repo_name(r: usize) -> String {
    format!("{}-{r:03}", ROLES[r % 4])
}

fn artifact(path: String, role: &str, hash: ContentHash) -> Artifact {
    Artifact {
        path: Some(path),
        role: Some(role.into()),
        hash: Some(hash),
        size: Some(1024),
        ..Artifact::default()
    }
}

/// Record `i` of repository `r` (time offset `at` seconds, for appended
/// records).
fn record(r: usize, i: usize, secs: i64) -> Record {
    let role = r % 4;
    let upstream = r.wrapping_sub(1);
    let two_inputs = |prefix: &str| -> Vec<Artifact> {
        [i.saturating_sub(1), i]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|j| artifact(format!("{prefix}/{j}"), "input", output_hash(upstream, j)))
            .collect()
    };
    let (inputs, outputs) = match role {
        0 => (
            vec![artifact(
                format!("raw/batch-{i}.csv"),
                "input",
                raw_hash(r, i),
            )],
            vec![artifact(
                format!("datasets/{i}.parquet"),
                "output",
                output_hash(r, i),
            )],
        ),
        1 => (
            two_inputs("upstream/datasets"),
            vec![artifact(
                format!("features/{i}.parquet"),
                "output",
                output_hash(r, i),
            )],
        ),
        2 => (
            two_inputs("upstream/features"),
            vec![artifact(
                format!("models/{i}.bin"),
                "output",
                output_hash(r, i),
            )],
        ),
        _ => (
            vec![artifact(
                format!("upstream/models/{i}.bin"),
                "input",
                output_hash(upstream, i),
            )],
            vec![Artifact {
                uri: Some(endpoint(r, i)),
                role: Some("output".into()),
                ..Artifact::default()
            }],
        ),
    };
    Record {
        schema: SCHEMA.into(),
        kind: KINDS[role].into(),
        name: format!("{}-{i}", repo_name(r)),
        recorded: Timestamp::from_unix_micros(secs * 1_000_000),
        started: None,
        ended: None,
        exit: None,
        agent: Agent {
            name: BENCH_NAME.into(),
            email: BENCH_EMAIL.into(),
        },
        code: Code {
            branch: Some("main".into()),
            remote: Some(format!("https://git.example.com/acme/{}", repo_name(r))),
            ..Code::default()
        },
        command: vec!["python".into(), format!("{}.py", KINDS[role])],
        params: ValueMap::new(),
        seed: None,
        environment: Environment {
            os: "linux".into(),
            arch: "x86_64".into(),
            tool: format!("git-lineage {}", env!("CARGO_PKG_VERSION")),
            ..Environment::default()
        },
        inputs,
        outputs,
        metrics: ValueMap::new(),
        references: Vec::new(),
        imports: Vec::new(),
        note: None,
    }
}

/// Append records `from..to` of repository `r` to the bare repository
/// `bare` in one `git fast-import` stream, one commit each, on `main`;
/// their ids.
fn generate(
    bare: &Path,
    r: usize,
    from: usize,
    to: usize,
    base_secs: i64,
) -> BenchResult<Vec<String>> {
    let mut child = git(bare)
        .args(["fast-import", "--quiet", "--done"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut stream = BufWriter::with_capacity(1 << 20, child.stdin.take().ok_or("no stdin")?);
    let mut ids = Vec::with_capacity(to - from);
    for i in from..to {
        let secs = base_secs + (i - from) as i64 * STEP_SECS + r as i64;
        let record = record(r, i, secs);
        record.validate()?;
        let bytes = record.to_bytes()?;
        let id = RecordId::of_bytes(&bytes);
        writeln!(stream, "commit refs/heads/main")?;
        writeln!(
            stream,
            "committer Bench Runner <bench@example.com> {secs} +0000"
        )?;
        write_data(
            &mut stream,
            format!("lineage: {} {}\n", record.kind, record.name).as_bytes(),
        )?;
        if i == from && from > 0 {
            writeln!(stream, "from refs/heads/main^0")?;
        }
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
        ids.push(id.to_string());
    }
    writeln!(stream, "done")?;
    stream.flush()?;
    drop(stream);
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("git fast-import failed in {}: {status}", bare.display()).into());
    }
    Ok(ids)
}

/// The organisation's bare repositories and the consumer, generated unless
/// the marker says this generator made them.
fn ensure_org(dir: &Path, repos: usize, records: usize) -> BenchResult<PathBuf> {
    let root = dir.join(format!("org-{repos}x{records}"));
    let marker = dir.join(format!("org-{repos}x{records}.complete"));
    if std::fs::read_to_string(&marker).is_ok_and(|m| m.trim() == GENERATOR) {
        println!("reusing {}", root.display());
        return Ok(root);
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root)?;
    print!(
        "generating {repos} repositories × {} records … ",
        group_thousands(records)
    );
    std::io::stdout().flush()?;
    let started = Instant::now();
    for r in 0..repos {
        let bare = root.join(format!("{}.git", repo_name(r)));
        std::fs::create_dir_all(&bare)?;
        run_git(&bare, &["init", "-q", "--bare", "-b", "main"])?;
        generate(&bare, r, 0, records, EPOCH_SECS)?;
    }
    let generated = started.elapsed();
    // The consumer: a repository of its own with every repository as a
    // lineage remote (fetched in the measurement).
    let consumer = root.join("consumer");
    std::fs::create_dir_all(&consumer)?;
    run_git(&consumer, &["init", "-q", "-b", "main"])?;
    quiet(lineage(&consumer, &["init"]), "git lineage init")?;
    run_git(&consumer, &["add", "-A"])?;
    run_git(&consumer, &["commit", "-q", "-m", "init lineage"])?;
    for r in 0..repos {
        let url = format!("../{}.git", repo_name(r));
        quiet(
            lineage(
                &consumer,
                &["remote", "add", &repo_name(r), &url, "--ref", "main"],
            ),
            "git lineage remote add",
        )?;
    }
    println!(
        "{:.1} s (fast-import {:.1} s)",
        started.elapsed().as_secs_f64(),
        generated.as_secs_f64()
    );
    std::fs::write(&marker, format!("{GENERATOR}\n"))?;
    Ok(root)
}

fn measure_org(dir: &Path, repos: usize, records: usize) -> BenchResult<Row> {
    println!(
        "## {repos} repositories × {} records",
        group_thousands(records)
    );
    let root = ensure_org(dir, repos, records)?;
    let consumer = root.join("consumer");
    // Start from nothing fetched (a kept organisation may have been
    // measured before), unless GIT_LINEAGE_BENCH_KEEP_FETCH asks to keep
    // what an earlier run fetched: at 1M records the initial fetch takes
    // longer than everything else together.
    let refs = run_git(
        &consumer,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/lineage/",
            "refs/bench/",
        ],
    )?;
    let keep = std::env::var_os("GIT_LINEAGE_BENCH_KEEP_FETCH").is_some()
        && refs.lines().any(|r| r.starts_with("refs/lineage/"));
    let initial_fetch = if keep {
        println!("   initial fetch: kept from an earlier run (GIT_LINEAGE_BENCH_KEEP_FETCH)");
        // Bring what earlier runs appended in; the derived files may be
        // of an older binary.
        quiet(lineage(&consumer, &["fetch"]), "git lineage fetch")?;
        None
    } else {
        for name in refs.lines() {
            run_git(&consumer, &["update-ref", "-d", name])?;
        }
        let _ = std::fs::remove_dir_all(consumer.join(".git/lineage"));
        let started = Instant::now();
        quiet(lineage(&consumer, &["fetch"]), "git lineage fetch")?;
        let initial_fetch = started.elapsed();
        println!(
            "   initial fetch of {repos} remotes: {:.1} s",
            initial_fetch.as_secs_f64()
        );
        Some(initial_fetch)
    };

    let rev_parse = median(|| quiet(git_cmd(&consumer, &["rev-parse", "HEAD"]), "git rev-parse"))?;
    let log1 = median(|| quiet(git_cmd(&consumer, &["log", "-1"]), "git log -1"))?;

    // One raw file in the middle of data-000's history, and the endpoint
    // serving-003 deployed from it.
    let i = records / 2;
    let raw = format!("blake3:{}", raw_hash(0, i).to_hex());
    let impact_args = ["impact", "--remotes", raw.as_str(), "--format", "json"];
    let end = endpoint(3, i);
    let graph_args = [
        "graph",
        "--remotes",
        end.as_str(),
        "--up",
        "--format",
        "json",
    ];
    let expected = expected_ids(&root, i)?;
    let impact_out = capture(lineage(&consumer, &impact_args), "impact")?;
    for (what, id) in &expected[1..] {
        if !impact_out.contains(id.as_str()) {
            return Err(format!("impact of {raw} lacks {what} ({id})").into());
        }
    }
    let graph_out = capture(lineage(&consumer, &graph_args), "graph --up")?;
    for (what, id) in &expected {
        if !graph_out.contains(id.as_str()) {
            return Err(format!("graph --up of {end} lacks {what} ({id})").into());
        }
    }
    println!("   checked: impact and graph --up name the chain data → features → models → serving");
    let impact = median(|| quiet(lineage(&consumer, &impact_args), "impact"))?;
    let graph = median(|| quiet(lineage(&consumer, &graph_args), "graph --up"))?;

    // One new commit at a time in data-000: a plain `git fetch` of one, and
    // `git lineage fetch` of the next (which also reads the commit before
    // it, already local, into the derived files).
    let bare = root.join(format!("{}.git", repo_name(0)));
    let url = bare.to_string_lossy().into_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    // Record `i` is commit `i` of the branch (earlier runs appended some).
    let mut next: usize = run_git(&bare, &["rev-list", "--count", "main"])?
        .trim()
        .parse()?;
    let mut git_fetch = Vec::new();
    let mut fetch = Vec::new();
    let mut refresh = Vec::new();
    for run in 0..=RUNS {
        generate(&bare, 0, next, next + 1, now + 2 * run as i64)?;
        next += 1;
        let plain = git_cmd(
            &consumer,
            &[
                "fetch",
                "--quiet",
                "--no-tags",
                "--no-write-fetch-head",
                "--negotiation-tip=refs/bench/*",
                "--negotiation-tip=refs/heads/*",
                &url,
                "+refs/heads/main:refs/bench/plain",
            ],
        );
        let started = Instant::now();
        quiet(plain, "git fetch")?;
        let plain_time = started.elapsed();
        generate(&bare, 0, next, next + 1, now + 2 * run as i64 + 1)?;
        next += 1;
        let mut cmd = lineage(&consumer, &["fetch", &repo_name(0)]);
        cmd.env("GIT_LINEAGE_TRACE", "1");
        let started = Instant::now();
        let out = cmd.stdin(Stdio::null()).output()?;
        let lineage_time = started.elapsed();
        if !out.status.success() {
            return Err(format!(
                "git lineage fetch: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let trace = String::from_utf8_lossy(&out.stderr);
        let refreshed = trace_span(&trace).ok_or("git lineage fetch printed no trace")?;
        if run > 0 {
            git_fetch.push(plain_time);
            fetch.push(lineage_time);
            refresh.push(refreshed);
        }
    }
    let answer = capture(
        lineage(
            &consumer,
            &[
                "log",
                "--remote",
                &repo_name(0),
                "--kind",
                "ingest",
                "--format",
                "json",
            ],
        ),
        "log",
    )?;
    if !answer.contains(&format!("{}-{}", repo_name(0), next - 1)) {
        return Err("the last fetched record is not in the answer after fetch".into());
    }
    // The same questions, now over the catalog and the layer the fetches
    // wrote: the same records (data-000's now attributed to its new tip).
    let impact_again = capture(lineage(&consumer, &impact_args), "impact")?;
    for (what, id) in &expected[1..] {
        if !impact_again.contains(id.as_str()) {
            return Err(format!("impact of {raw} after the fetches lacks {what} ({id})").into());
        }
    }
    let impact_after = median(|| quiet(lineage(&consumer, &impact_args), "impact"))?;
    let graph_after = median(|| quiet(lineage(&consumer, &graph_args), "graph --up"))?;

    Ok(Row {
        repos,
        records,
        initial_fetch,
        rev_parse,
        log1,
        impact,
        graph,
        fetch: mid(fetch),
        git_fetch: mid(git_fetch),
        refresh: mid(refresh),
        impact_after,
        graph_after,
    })
}

/// The records of the chain through record `i`: ingest (data-000), the
/// process, train and deploy records of repositories 1, 2 and 3 at `i`.
fn expected_ids(root: &Path, i: usize) -> BenchResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for r in 0..4 {
        let secs = EPOCH_SECS + i as i64 * STEP_SECS + r as i64;
        let bytes = record(r, i, secs).to_bytes()?;
        let id = RecordId::of_bytes(&bytes).to_string();
        let path = format!(".lineage/records/{}/{id}.yaml", &id[..2]);
        let bare = root.join(format!("{}.git", repo_name(r)));
        run_git(&bare, &["cat-file", "-e", &format!("main:{path}")])
            .map_err(|_| format!("{} has no record {id}", repo_name(r)))?;
        out.push((format!("{} record {i}", repo_name(r)), id));
    }
    Ok(out)
}

/// Milliseconds from the first to the last `trace:` line of a run.
fn trace_span(stderr: &str) -> Option<Duration> {
    let times: Vec<f64> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("trace:"))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    let (first, last) = (times.first()?, times.last()?);
    Some(Duration::from_secs_f64((last - first) / 1e3))
}

fn median(mut run: impl FnMut() -> BenchResult<()>) -> BenchResult<Duration> {
    run()?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        run()?;
        times.push(started.elapsed());
    }
    Ok(mid(times))
}

fn mid(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn git_cmd(repo: &Path, args: &[&str]) -> Command {
    let mut cmd = git(repo);
    cmd.args(args);
    cmd
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn ratio(d: Duration, reference: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() / reference.as_secs_f64().max(1e-9))
}
