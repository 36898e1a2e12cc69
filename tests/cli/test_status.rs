//! `status` on a committed pipeline (process → train → evaluate): clean,
//! then a changed input with everything downstream stale (JSON checked field
//! by field), clean again once new runs record the new bytes; a deleted
//! input, a directory artifact, and the stat cache.

use std::path::Path;

use serde::Deserialize;

use crate::common::{
    PIPELINE_FEATURES, PIPELINE_MODEL, PIPELINE_RAW, PIPELINE_REPORT, Pipeline, TestEnv, b3,
    record_step, write,
};

const RAW: &[u8] = PIPELINE_RAW;
const RAW_2: &[u8] = b"id,amount\n1,9.99\n2,12.50\n3,120.00\n4,7.25\n";
const FEATURES: &[u8] = PIPELINE_FEATURES;
const FEATURES_2: &[u8] =
    b"id,amount,log_amount\n1,9.99,2.30\n2,12.50,2.53\n3,120.00,4.79\n4,7.25,1.98\n";
const MODEL: &[u8] = PIPELINE_MODEL;
const MODEL_2: &[u8] = &[0x4d, 0x4f, 0x44, 0x45, 0x4c, 0, 1, 2, 4];
const REPORT: &[u8] = PIPELINE_REPORT;
const REPORT_2: &[u8] = b"{\"auc\": 0.94}\n";

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Person {
    name: String,
    email: String,
}

/// The commit that introduced a record.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Commit {
    id: String,
    author: Person,
    date: String,
    message: String,
}

/// A record reference, as every command's JSON gives it.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Record {
    id: String,
    kind: String,
    name: String,
    recorded: String,
    author: Person,
    commit: Option<Commit>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Cause {
    path: String,
    direct: bool,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Changed {
    path: String,
    change: String,
    recorded: String,
    current: Option<String>,
    record: Record,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct StaleRecord {
    id: String,
    kind: String,
    name: String,
    recorded: String,
    author: Person,
    commit: Option<Commit>,
    causes: Vec<Cause>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct StaleOutput {
    locator: String,
    hash: Option<String>,
    roles: Vec<String>,
    record: Option<Record>,
    causes: Vec<Cause>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Status {
    tracked: usize,
    changed: Vec<Changed>,
    stale_records: Vec<StaleRecord>,
    stale_outputs: Vec<StaleOutput>,
    #[serde(default)]
    warnings: Vec<String>,
}

/// A stale output as (locator, hash, roles, writer id).
type OutputRow<'a> = (&'a str, Option<&'a str>, Vec<&'a str>, Option<&'a str>);

fn hash_id(bytes: &[u8]) -> String {
    format!("blake3:{}", b3(bytes))
}

/// Run `status --format json ARGS`, require exit `code` and parse it.
#[track_caller]
fn status_json(env: &TestEnv, repo: &Path, args: &[&str], code: i32) -> Status {
    let mut all = vec!["status", "--format", "json"];
    all.extend_from_slice(args);
    let run = env.lineage(repo, &all).code(code);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not status JSON ({e}):\n{}", run.stdout))
}

/// The common committed pipeline ([`crate::common::pipeline`]), as is.
fn pipeline(env: &TestEnv) -> Pipeline {
    crate::common::pipeline(env, &[], &[])
}

fn jane() -> Person {
    Person {
        name: "Jane Doe".into(),
        email: "jane@example.com".into(),
    }
}

fn cause(path: &str, direct: bool) -> Vec<Cause> {
    vec![Cause {
        path: path.into(),
        direct,
    }]
}

#[test]
fn a_changed_input_makes_its_downstream_stale_until_new_runs_record_it() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let repo = &p.repo;

    let clean = env.lineage(repo, &["status"]).success();
    assert_eq!(clean.stdout, "clean: 4 tracked artifacts unchanged\n");
    let report = status_json(&env, repo, &[], 0);
    assert_eq!(report.tracked, 4);
    assert!(report.changed.is_empty() && report.stale_records.is_empty());
    assert!(report.stale_outputs.is_empty() && report.warnings.is_empty());

    write(&repo.join("data/raw.csv"), RAW_2);
    let report = status_json(&env, repo, &[], 1);
    assert_eq!(report.tracked, 4);
    assert_eq!(report.changed.len(), 1);
    let changed = &report.changed[0];
    assert_eq!(changed.path, "data/raw.csv");
    assert_eq!(changed.change, "modified");
    assert_eq!(changed.recorded, hash_id(RAW));
    assert_eq!(changed.current, Some(hash_id(RAW_2)));
    assert_eq!(changed.record.id, p.process);
    assert_eq!(changed.record.kind, "process");
    assert_eq!(changed.record.name, "features");
    assert_eq!(
        changed.record.commit.as_ref().map(|c| c.id.as_str()),
        Some(p.process_commit.as_str())
    );
    assert_eq!(changed.record.author, jane());

    let stale: Vec<(&str, &str, &str, Option<&str>)> = report
        .stale_records
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.kind.as_str(),
                r.name.as_str(),
                r.commit.as_ref().map(|c| c.id.as_str()),
            )
        })
        .collect();
    assert_eq!(
        stale,
        [
            (
                p.process.as_str(),
                "process",
                "features",
                Some(p.process_commit.as_str())
            ),
            (
                p.train.as_str(),
                "train",
                "fraud-model",
                Some(p.train_commit.as_str())
            ),
            (
                p.evaluate.as_str(),
                "evaluate",
                "fraud-eval",
                Some(p.evaluate_commit.as_str())
            ),
        ]
    );
    assert_eq!(report.stale_records[0].causes, cause("data/raw.csv", true));
    assert_eq!(report.stale_records[1].causes, cause("data/raw.csv", false));
    assert_eq!(report.stale_records[2].causes, cause("data/raw.csv", false));
    assert!(report.stale_records.iter().all(|r| r.author == jane()));

    let outputs: Vec<OutputRow<'_>> = report
        .stale_outputs
        .iter()
        .map(|o| {
            (
                o.locator.as_str(),
                o.hash.as_deref(),
                o.roles.iter().map(String::as_str).collect(),
                o.record.as_ref().map(|r| r.id.as_str()),
            )
        })
        .collect();
    let (features, model, report_hash) = (hash_id(FEATURES), hash_id(MODEL), hash_id(REPORT));
    assert_eq!(
        outputs,
        [
            (
                "data/features.csv",
                Some(features.as_str()),
                vec!["dataset"],
                Some(p.process.as_str())
            ),
            (
                "model/model.bin",
                Some(model.as_str()),
                vec!["model"],
                Some(p.train.as_str())
            ),
            (
                "reports/report.json",
                Some(report_hash.as_str()),
                vec!["report"],
                Some(p.evaluate.as_str())
            ),
        ]
    );
    assert_eq!(report.stale_outputs[0].causes, cause("data/raw.csv", true));
    assert_eq!(report.stale_outputs[1].causes, cause("data/raw.csv", false));

    let text = env.lineage(repo, &["status"]).code(1).stdout;
    let short = |id: &str| id[..12].to_string();
    assert_eq!(
        text,
        format!(
            "changed: data/raw.csv (recorded blake3:{} in {} process features (commit {}), now blake3:{})\n\
             stale: data/features.csv (process features {}) — processed from data/raw.csv, which changed since\n\
             stale: model/model.bin (train fraud-model {}) — downstream of data/raw.csv, which changed since\n\
             stale: reports/report.json (evaluate fraud-eval {}) — downstream of data/raw.csv, which changed since\n\
             1 of 4 tracked artifacts changed; 3 records and 3 outputs stale downstream\n",
            &b3(RAW)[..12],
            short(&p.process),
            short(&p.process_commit),
            &b3(RAW_2)[..12],
            short(&p.process_commit),
            short(&p.train_commit),
            short(&p.evaluate_commit),
        )
    );

    // New runs record the new bytes: the most recent hashes match again.
    write(&repo.join("data/features.csv"), FEATURES_2);
    record_step(
        &env,
        repo,
        "process",
        "features",
        &[
            "-i",
            "dataset=data/raw.csv",
            "-o",
            "dataset=data/features.csv",
            "--commit",
        ],
    );
    write(&repo.join("model/model.bin"), MODEL_2);
    record_step(
        &env,
        repo,
        "train",
        "fraud-model",
        &[
            "-i",
            "dataset=data/features.csv",
            "-o",
            "model=model/model.bin",
            "--commit",
        ],
    );
    write(&repo.join("reports/report.json"), REPORT_2);
    record_step(
        &env,
        repo,
        "evaluate",
        "fraud-eval",
        &[
            "-i",
            "model=model/model.bin",
            "-o",
            "report=reports/report.json",
        ],
    );
    // The last run is not committed yet: worktree records count.
    let clean = env.lineage(repo, &["status"]).success();
    assert_eq!(clean.stdout, "clean: 4 tracked artifacts unchanged\n");
    // HEAD's committed history alone still has the old report.
    let report = status_json(&env, repo, &["--rev", "HEAD"], 1);
    let paths: Vec<&str> = report.changed.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["reports/report.json"]);
    assert!(report.stale_records.is_empty(), "nothing reads the report");
}

#[test]
fn a_deleted_input_is_missing() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    std::fs::remove_file(p.repo.join("model/model.bin")).unwrap();
    let report = status_json(&env, &p.repo, &[], 1);
    assert_eq!(report.changed.len(), 1);
    let changed = &report.changed[0];
    assert_eq!(
        (
            changed.path.as_str(),
            changed.change.as_str(),
            changed.current.as_deref()
        ),
        ("model/model.bin", "missing", None)
    );
    assert_eq!(changed.recorded, hash_id(MODEL));
    assert_eq!(
        changed.record.id, p.evaluate,
        "evaluate listed it after train did"
    );
    let stale: Vec<&str> = report.stale_records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(stale, [p.evaluate.as_str()]);
    let text = env.lineage(&p.repo, &["status"]).code(1).stdout;
    assert!(
        text.starts_with(&format!(
            "changed: model/model.bin (recorded blake3:{} in {} evaluate fraud-eval (commit {}), now missing)\n",
            &b3(MODEL)[..12],
            &p.evaluate[..12],
            &p.evaluate_commit[..12]
        )),
        "{text}"
    );
    assert!(
        text.contains("stale: reports/report.json (evaluate fraud-eval "),
        "{text}"
    );
}

#[test]
fn a_directory_artifact_is_hashed_by_its_listing() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/images/cat.png"), [1u8, 2, 3]);
    write(&repo.join("data/images/dog.png"), [4u8, 5, 6]);
    write(&repo.join("model.bin"), MODEL);
    let train = record_step(
        &env,
        &repo,
        "train",
        "vision",
        &["-i", "data/images/", "-o", "model.bin", "--commit"],
    );
    let report = status_json(&env, &repo, &[], 0);
    assert_eq!(report.tracked, 2);

    write(&repo.join("data/images/bird.png"), [7u8]);
    let report = status_json(&env, &repo, &[], 1);
    assert_eq!(report.changed.len(), 1);
    assert_eq!(report.changed[0].path, "data/images");
    assert_eq!(report.changed[0].change, "modified");
    let listing = format!(
        "{} 1 bird.png\n{} 3 cat.png\n{} 3 dog.png\n",
        b3(&[7]),
        b3(&[1, 2, 3]),
        b3(&[4, 5, 6])
    );
    assert_eq!(
        report.changed[0].current,
        Some(hash_id(listing.as_bytes())),
        "the directory hash is BLAKE3 of its canonical listing"
    );
    assert_eq!(report.stale_records[0].id, train);
    assert_eq!(report.stale_records[0].causes, cause("data/images", true));
    assert_eq!(report.stale_outputs[0].locator, "model.bin");

    std::fs::remove_file(repo.join("data/images/bird.png")).unwrap();
    status_json(&env, &repo, &[], 0);
}

#[test]
fn unchanged_data_is_answered_from_the_stat_cache() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let big: Vec<u8> = (0..8u32 << 20).map(|i| (i % 251) as u8).collect();
    write(&repo.join("data/big.bin"), &big);
    // An old mtime: the cache trusts only files modified well before hashing.
    env.command("touch", &repo)
        .args(["-d", "2026-01-01T00:00:00Z", "data/big.bin"])
        .status()
        .expect("touch");
    record_step(
        &env,
        &repo,
        "ingest",
        "big",
        &["-o", "data/big.bin", "--commit"],
    );
    let cache = repo.join(".git/lineage/stat-cache");
    let first = status_json(&env, &repo, &[], 0);
    assert!(cache.exists(), "status keeps the stat cache");
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(
        text.contains(&b3(&big)) && text.contains("data/big.bin"),
        "the cache holds the file's hash:\n{text}"
    );
    let second = status_json(&env, &repo, &[], 0);
    assert_eq!(first, second);
    assert_eq!(
        std::fs::read_to_string(&cache).unwrap(),
        text,
        "a cache hit re-hashes nothing, so the cache is not rewritten"
    );
    assert_eq!(first.tracked, 1);

    // Same size, new bytes, new mtime: the cache does not hide the change.
    let mut changed = big.clone();
    changed[0] ^= 1;
    write(&repo.join("data/big.bin"), &changed);
    let report = status_json(&env, &repo, &[], 1);
    assert_eq!(report.changed[0].current, Some(hash_id(&changed)));
}

#[test]
fn no_records_is_clean_and_outside_a_repository_is_an_error() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.lineage(&repo, &["status"]).success();
    assert_eq!(run.stdout, "clean: 0 tracked artifacts unchanged\n");
    let outside = env.path("nowhere");
    std::fs::create_dir_all(&outside).unwrap();
    let run = env.lineage(&outside, &["status"]).code(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
}

#[test]
fn a_hashed_file_uri_outside_the_repository_is_tracked() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let external = env.path("shared/customers.csv");
    write(&external, RAW);
    let uri = format!("file://{}", external.display());
    write(&repo.join("features.csv"), FEATURES);
    let process = record_step(
        &env,
        &repo,
        "process",
        "features",
        &["-i", &uri, "-o", "features.csv", "--commit"],
    );
    let report = status_json(&env, &repo, &[], 0);
    assert_eq!(report.tracked, 2);

    write(&external, RAW_2);
    let report = status_json(&env, &repo, &[], 1);
    assert_eq!(report.changed.len(), 1);
    assert_eq!(report.changed[0].path, uri);
    assert_eq!(report.changed[0].current, Some(hash_id(RAW_2)));
    assert_eq!(report.stale_records[0].id, process);
    assert_eq!(report.stale_outputs[0].locator, "features.csv");
}
