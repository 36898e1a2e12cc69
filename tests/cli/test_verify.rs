//! `verify`: ids match bytes, records parse under a known schema, references
//! resolve, files sit where their names say, and with `--artifacts` recorded
//! local data still hashes the same. Exit 0 clean, 1 problems found.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{TestEnv, b3, fixture_bytes, record_files, store_raw_record, write};

/// Record a step in `repo` and return its id.
#[track_caller]
fn record(env: &TestEnv, repo: &Path, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["record", "--kind", "train", "--name", name];
    args.extend_from_slice(extra);
    env.lineage(repo, &args).success().stdout.trim().to_string()
}

/// A repository with three records (a process step, a training run and an evaluation).
fn three_records(env: &TestEnv) -> (PathBuf, Vec<String>) {
    let repo = env.repo("r");
    write(&repo.join("data/raw.csv"), "a,b\n1,2\n3,4\n");
    write(&repo.join("data/clean.csv"), "a,b\n1,2\n");
    write(&repo.join("model/model.bin"), [0u8, 1, 2, 3, 4]);
    let ids = vec![
        record(
            env,
            &repo,
            "clean",
            &["-i", "data/raw.csv", "-o", "data/clean.csv"],
        ),
        record(
            env,
            &repo,
            "fraud-model",
            &[
                "-i",
                "data/clean.csv",
                "-o",
                "model/model.bin",
                "-p",
                "lr=0.1",
            ],
        ),
        record(
            env,
            &repo,
            "fraud-eval",
            &["-i", "model/model.bin", "-m", "auc=0.91"],
        ),
    ];
    assert_eq!(record_files(&repo).len(), 3);
    (repo, ids)
}

fn rel(id: &str) -> String {
    format!(".lineage/records/{}/{id}.yaml", &id[..2])
}

/// `verify ARGS --format json`, checking the exit code and the report's shape.
#[track_caller]
fn verify_json(env: &TestEnv, repo: &Path, args: &[&str], code: i32) -> Value {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let report = env.lineage(repo, &all).code(code).json();
    let keys: Vec<&str> = report
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["artifacts", "problems", "records"], "{report:#}");
    for problem in report["problems"].as_array().expect("problems is a list") {
        let keys: Vec<&str> = problem
            .as_object()
            .expect("a problem is an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["check", "file", "message", "record"], "{problem:#}");
    }
    report
}

/// `(file, check)` of every problem, in report order.
fn checks(report: &Value) -> Vec<(String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["file"].as_str().unwrap().to_string(),
                p["check"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The message of the one problem of `file` with `check`.
#[track_caller]
fn message<'a>(report: &'a Value, file: &str, check: &str) -> &'a str {
    let found: Vec<&Value> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["file"] == file && p["check"] == check)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {check} problem for {file}:\n{report:#}"
    );
    found[0]["message"].as_str().unwrap()
}

#[test]
fn three_records_verify_clean() {
    let env = TestEnv::new();
    let (repo, _) = three_records(&env);
    let run = env.lineage(&repo, &["verify"]).code(0);
    assert_eq!(run.stdout, "ok: 3 records verified\n");
    let report = verify_json(&env, &repo, &[], 0);
    assert_eq!(
        report,
        serde_json::json!({"records": 3, "artifacts": 0, "problems": []})
    );
}

#[test]
fn an_edited_record_and_a_corrupt_record_are_both_reported() {
    let env = TestEnv::new();
    let (repo, ids) = three_records(&env);
    // Edit one byte of the training record: `lr: 0.1` becomes `lr: 0.2`. It
    // still parses, so only its id is wrong.
    let edited = repo.join(rel(&ids[1]));
    let mut bytes = std::fs::read(&edited).unwrap();
    let at = bytes
        .windows(7)
        .position(|w| w == b"lr: 0.1")
        .expect("the record has lr: 0.1")
        + 6;
    bytes[at] = b'2';
    std::fs::write(&edited, &bytes).unwrap();
    // Bytes that hash to their own name but are not YAML.
    let corrupt = store_raw_record(&repo, &fixture_bytes("records/not-yaml.yaml"));

    let run = env.lineage(&repo, &["verify"]).code(1);
    let edited_line = format!("{}: id: ", rel(&ids[1]));
    let corrupt_line = format!("{}: schema: ", rel(&corrupt));
    for line in [&edited_line, &corrupt_line] {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(line.as_str())),
            "no line starting {line:?}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.ends_with("2 problems in 4 records\n"),
        "{}",
        run.stdout
    );

    let report = verify_json(&env, &repo, &[], 1);
    assert_eq!(report["records"], 4, "every file is still checked");
    let mut found = checks(&report);
    found.sort();
    let mut expected = vec![
        (rel(&ids[1]), "id".to_string()),
        (rel(&corrupt), "schema".to_string()),
    ];
    expected.sort();
    assert_eq!(found, expected, "{report:#}");
    let id_message = message(&report, &rel(&ids[1]), "id");
    assert!(
        id_message.contains(&b3(&bytes)[..12]) && id_message.contains(&ids[1][..12]),
        "the message gives both hashes: {id_message}"
    );
    let problem = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["check"] == "id")
        .unwrap();
    assert_eq!(problem["record"], ids[1].as_str());
    let schema_message = message(&report, &rel(&corrupt), "schema");
    assert!(
        schema_message.contains("line"),
        "a parse error has a location: {schema_message}"
    );
}

#[test]
fn stray_and_misplaced_files_fail_the_location_check() {
    let env = TestEnv::new();
    let (repo, ids) = three_records(&env);
    let records = repo.join(".lineage/records");
    write(&records.join("zz/notes.txt"), "remember to retrain\n");
    // A real record moved to the wrong shard, and one at the top of records/.
    let wrong_shard = if ids[0].starts_with("00") { "01" } else { "00" };
    let misplaced = format!(".lineage/records/{wrong_shard}/{}.yaml", ids[0]);
    std::fs::create_dir_all(repo.join(&misplaced).parent().unwrap()).unwrap();
    std::fs::rename(repo.join(rel(&ids[0])), repo.join(&misplaced)).unwrap();
    let unsharded = format!(".lineage/records/{}.yaml", ids[2]);
    std::fs::copy(repo.join(rel(&ids[2])), repo.join(&unsharded)).unwrap();

    let run = env.lineage(&repo, &["verify"]).code(1);
    assert!(
        run.stdout
            .contains(".lineage/records/zz/notes.txt: location: "),
        "{}",
        run.stdout
    );
    let report = verify_json(&env, &repo, &[], 1);
    assert_eq!(report["records"], 5, "{report:#}");
    let mut found = checks(&report);
    found.sort();
    let mut expected: Vec<(String, String)> = [
        ".lineage/records/zz/notes.txt".to_string(),
        misplaced,
        unsharded,
    ]
    .into_iter()
    .map(|f| (f, "location".to_string()))
    .collect();
    expected.sort();
    assert_eq!(found, expected, "{report:#}");
}

#[test]
fn a_reference_to_a_missing_record_fails_the_reference_check() {
    let env = TestEnv::new();
    let (repo, ids) = three_records(&env);
    // A reference made with --ref to a record that exists is fine.
    let correction = record(&env, &repo, "fraud-model", &["--ref", &ids[1]]);
    verify_json(&env, &repo, &[], 0);

    let missing = b3(b"no such record");
    let mut text = std::fs::read_to_string(repo.join(rel(&ids[2]))).unwrap();
    assert!(!text.contains("references:"), "{text}");
    text.push_str(&format!("references:\n  - {missing}\n"));
    let dangling = store_raw_record(&repo, text.as_bytes());

    let run = env.lineage(&repo, &["verify"]).code(1);
    assert!(
        run.stdout
            .contains(&format!("{}: reference: ", rel(&dangling))),
        "{}",
        run.stdout
    );
    let report = verify_json(&env, &repo, &[], 1);
    assert_eq!(report["records"], 5);
    assert_eq!(
        checks(&report),
        [(rel(&dangling), "reference".to_string())],
        "only the dangling reference, not the --ref one ({correction}):\n{report:#}"
    );
    let message = message(&report, &rel(&dangling), "reference");
    assert!(message.contains(&missing), "{message}");
}

#[test]
fn an_unknown_schema_version_fails_the_schema_check() {
    let env = TestEnv::new();
    let (repo, _) = three_records(&env);
    let future = store_raw_record(&repo, &fixture_bytes("records/unknown-schema.yaml"));
    let run = env.lineage(&repo, &["verify"]).code(1);
    assert!(
        run.stdout.contains(&format!("{}: schema: ", rel(&future))),
        "{}",
        run.stdout
    );
    let report = verify_json(&env, &repo, &[], 1);
    assert_eq!(report["records"], 4);
    assert_eq!(checks(&report), [(rel(&future), "schema".to_string())]);
    let message = message(&report, &rel(&future), "schema");
    assert!(message.contains("git-lineage/v9"), "{message}");
}

#[test]
fn artifacts_that_changed_or_vanished_fail_the_artifact_check() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "a,b\n1,2\n");
    write(&repo.join("data/images/cat.png"), [1u8, 2, 3]);
    write(&repo.join("data/images/dog.png"), [4u8, 5, 6]);
    write(&repo.join("model/model.bin"), [0u8, 1, 2, 3]);
    record(
        &env,
        &repo,
        "fraud-model",
        &[
            "-i",
            "data/train.csv",
            "-i",
            "data/images",
            "-o",
            "model/model.bin",
        ],
    );

    // Unchanged data verifies clean, with and without the stat cache warm.
    for _ in 0..2 {
        let run = env.lineage(&repo, &["verify", "--artifacts"]).code(0);
        assert_eq!(run.stdout, "ok: 1 record, 3 artifacts verified\n");
    }
    let report = verify_json(&env, &repo, &["--artifacts"], 0);
    assert_eq!(
        report,
        serde_json::json!({"records": 1, "artifacts": 3, "problems": []})
    );

    // Same size, different bytes, right after recording: the stat cache must not hide it.
    write(&repo.join("data/train.csv"), "a,b\n1,3\n");
    std::fs::remove_file(repo.join("model/model.bin")).unwrap();

    // Without --artifacts only the records are checked, and they are intact.
    env.lineage(&repo, &["verify"]).code(0);

    let run = env.lineage(&repo, &["verify", "--artifacts"]).code(1);
    for path in ["data/train.csv", "model/model.bin"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.contains(": artifact: ") && l.contains(path)),
            "no artifact line for {path}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .ends_with("2 problems in 1 record, 3 artifacts\n"),
        "{}",
        run.stdout
    );

    let report = verify_json(&env, &repo, &["--artifacts"], 1);
    assert_eq!(report["records"], 1);
    assert_eq!(report["artifacts"], 3);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{report:#}");
    let messages: Vec<&str> = problems
        .iter()
        .map(|p| {
            assert_eq!(p["check"], "artifact", "{p:#}");
            p["message"].as_str().unwrap()
        })
        .collect();
    let changed = messages
        .iter()
        .find(|m| m.contains("data/train.csv"))
        .expect("train.csv reported");
    assert!(
        changed.contains(&b3(b"a,b\n1,2\n")) && changed.contains(&b3(b"a,b\n1,3\n")),
        "the message gives the recorded and current hashes: {changed}"
    );
    assert!(
        messages.iter().any(|m| m.contains("model/model.bin")),
        "{messages:?}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("data/images")),
        "the unchanged directory is clean: {messages:?}"
    );
}

#[test]
fn a_broken_config_is_reported_and_the_records_are_still_checked() {
    let env = TestEnv::new();
    let (repo, ids) = three_records(&env);
    write(
        &repo.join(".lineage/config.yaml"),
        "schema: git-lineage/v1\nignroe: []\n",
    );
    let edited = record_files(&repo)
        .into_iter()
        .find(|p| p.to_string_lossy().contains(&ids[1]))
        .expect("record file");
    let mut bytes = std::fs::read(&edited).unwrap();
    bytes.push(b'\n');
    std::fs::write(&edited, bytes).unwrap();

    let run = env
        .lineage(&repo, &["verify", "--artifacts", "--format", "json"])
        .code(1);
    let report = run.json();
    let checks: Vec<(&str, &str)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["check"].as_str().unwrap(), p["file"].as_str().unwrap()))
        .collect();
    assert!(
        checks.contains(&("config", ".lineage/config.yaml")),
        "{checks:?}"
    );
    assert!(
        checks
            .iter()
            .any(|(check, file)| *check == "id" && file.contains(&ids[1])),
        "{checks:?}"
    );
    assert_eq!(report["records"], 3);
    assert_eq!(
        report["artifacts"], 0,
        "artifacts cannot be checked without a valid config"
    );
    let config_problem = &report["problems"][0];
    assert!(
        config_problem["message"]
            .as_str()
            .unwrap()
            .contains("ignroe"),
        "{config_problem}"
    );
}

#[test]
fn a_changed_artifact_is_reported_for_every_record_that_lists_it() {
    let env = TestEnv::new();
    let (repo, ids) = three_records(&env);
    // data/clean.csv is the first record's output and the second's input.
    write(&repo.join("data/clean.csv"), "a,b\n9,9\n");
    let run = env
        .lineage(&repo, &["verify", "--artifacts", "--format", "json"])
        .code(1);
    let report = run.json();
    let mut flagged: Vec<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["check"] == "artifact" && p["message"].as_str().unwrap().contains("data/clean.csv")
        })
        .map(|p| p["record"].as_str().unwrap().to_string())
        .collect();
    flagged.sort();
    let mut expected = vec![ids[0].clone(), ids[1].clone()];
    expected.sort();
    assert_eq!(flagged, expected);
}
