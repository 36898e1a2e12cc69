//! `git lineage run -- CMD…`: the command runs, its argv, times and exit
//! status are recorded, inputs are hashed before it and outputs after it,
//! and failures are recorded only when asked.

use std::path::Path;

use serde_json::json;

use crate::common::{TestEnv, b3, load_record, record_files, record_ids, rfc3339_utc_nanos, write};

/// `run --kind train --name t ARGS`.
fn run(env: &TestEnv, repo: &Path, args: &[&str]) -> crate::common::Run {
    let mut all = vec!["run", "--kind", "train", "--name", "t"];
    all.extend_from_slice(args);
    env.lineage(repo, &all)
}

#[test]
fn run_records_the_command_times_exit_and_outputs() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let input = b"id,label\n1,0\n2,1\n";
    write(&repo.join("data/in.csv"), input);

    let out = run(
        &env,
        &repo,
        &[
            "-i",
            "data/in.csv",
            "-o",
            "out.txt",
            "--",
            "sh",
            "-c",
            "cp data/in.csv out.txt",
        ],
    )
    .success();
    let id = out.stdout.trim();
    assert_eq!(record_ids(&repo), [id]);
    let written = std::fs::read(repo.join("out.txt")).expect("the command ran");
    assert_eq!(written, input);

    let record = load_record(&repo, id);
    assert_eq!(
        record["command"],
        json!(["sh", "-c", "cp data/in.csv out.txt"])
    );
    assert_eq!(record["exit"], json!({"code": 0}));
    let started = rfc3339_utc_nanos(record["started"].as_str().expect("started"));
    let ended = rfc3339_utc_nanos(record["ended"].as_str().expect("ended"));
    assert!(started <= ended, "{record:#}");
    assert_eq!(
        record["inputs"],
        json!([{"path": "data/in.csv", "hash": format!("blake3:{}", b3(input)), "size": input.len()}])
    );
    assert_eq!(
        record["outputs"],
        json!([{"path": "out.txt", "hash": format!("blake3:{}", b3(&written)), "size": written.len()}])
    );
}

#[test]
fn run_times_span_the_command_on_the_real_clock() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let output = env
        .command(crate::common::bin(), &repo)
        .env_remove("GIT_LINEAGE_NOW")
        .args([
            "run", "--kind", "process", "--name", "sleep", "--", "sleep", "0.5",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let id = String::from_utf8(output.stdout).unwrap().trim().to_string();
    let record = load_record(&repo, &id);
    let started = rfc3339_utc_nanos(record["started"].as_str().unwrap());
    let ended = rfc3339_utc_nanos(record["ended"].as_str().unwrap());
    assert!(
        ended - started >= 450_000_000,
        "a half-second command took {} ms",
        (ended - started) / 1_000_000
    );
}

#[test]
fn a_failing_command_exits_with_its_status_and_is_recorded_only_when_asked() {
    let env = TestEnv::new();
    let repo = env.repo("r");

    let failed = run(&env, &repo, &["--", "sh", "-c", "exit 3"]).code(3);
    assert!(failed.stdout.is_empty(), "{}", failed.stdout);
    assert!(record_files(&repo).is_empty());

    let recorded = run(
        &env,
        &repo,
        &[
            "--record-failure",
            "-o",
            "partial.txt",
            "-o",
            "missing.txt",
            "--",
            "sh",
            "-c",
            "printf half > partial.txt; exit 3",
        ],
    )
    .code(3);
    let id = recorded.stdout.trim();
    assert_eq!(record_ids(&repo), [id]);
    let record = load_record(&repo, id);
    assert_eq!(record["exit"], json!({"code": 3}));
    assert_eq!(
        record["outputs"],
        json!([{"path": "partial.txt", "hash": format!("blake3:{}", b3(b"half")), "size": 4}])
    );
}

#[cfg(unix)]
#[test]
fn a_command_killed_by_a_signal_exits_128_plus_the_signal() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let out = run(
        &env,
        &repo,
        &["--record-failure", "--", "sh", "-c", "kill -9 $$"],
    )
    .code(137);
    let record = load_record(&repo, out.stdout.trim());
    assert_eq!(record["exit"], json!({"signal": 9}));
}

#[test]
fn inputs_are_hashed_before_the_command_and_metrics_read_after_it() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/in.csv"), "old bytes\n");

    let out = run(
        &env,
        &repo,
        &[
            "-i",
            "data/in.csv",
            "--metrics",
            "metrics.json",
            "-m",
            "extra=1",
            "--",
            "sh",
            "-c",
            r#"printf 'new bytes\n' > data/in.csv && printf '{"auc": 0.93, "loss": 0.2}' > metrics.json"#,
        ],
    )
    .success();
    assert_eq!(
        std::fs::read(repo.join("data/in.csv")).unwrap(),
        b"new bytes\n"
    );
    let record = load_record(&repo, out.stdout.trim());
    assert_eq!(
        record["inputs"][0]["hash"],
        json!(format!("blake3:{}", b3(b"old bytes\n")))
    );
    assert_eq!(
        record["metrics"],
        json!({"auc": 0.93, "extra": 1, "loss": 0.2})
    );
}

#[test]
fn a_command_that_does_not_exist_is_an_error_without_a_record() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let out = run(&env, &repo, &["--", "no-such-program-4f1c", "--flag"]).code(2);
    assert!(out.stderr.starts_with("error:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("no-such-program-4f1c"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("hint:"), "{}", out.stderr);
    assert!(record_files(&repo).is_empty());
}

#[test]
fn run_json_reports_the_exit_and_the_record() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let out = run(&env, &repo, &["--format", "json", "--", "true"]).success();
    let json = out.json();
    assert_eq!(json["exit"], json!({"code": 0}));
    let id = json["recorded"]["id"].as_str().expect("recorded.id");
    assert_eq!(record_ids(&repo), [id]);
    assert_eq!(json["recorded"]["record"], load_record(&repo, id));
}

#[test]
fn the_commands_own_output_does_not_corrupt_json_on_stdout() {
    // `--format json` promises one JSON document on stdout; a training script
    // that prints (they all do) must not break it.
    let env = TestEnv::new();
    let repo = env.repo("r");
    let out = run(
        &env,
        &repo,
        &[
            "--format",
            "json",
            "--",
            "sh",
            "-c",
            "echo epoch 1 loss 0.5",
        ],
    )
    .success();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        )
    });
    assert_eq!(json["exit"], json!({"code": 0}));
    assert!(
        format!("{}{}", out.stdout, out.stderr).contains("epoch 1 loss 0.5"),
        "the command's output is not lost"
    );
}

#[test]
fn bad_inputs_stop_run_before_the_command_starts() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let out = run(
        &env,
        &repo,
        &["-i", "data/missing.csv", "--", "sh", "-c", "touch ran"],
    )
    .code(2);
    assert!(out.stderr.contains("data/missing.csv"), "{}", out.stderr);
    assert!(!repo.join("ran").exists(), "the command ran");
    assert!(record_files(&repo).is_empty());
}

#[test]
fn a_recorded_failure_leaves_out_a_metrics_file_that_was_not_written() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let out = run(
        &env,
        &repo,
        &[
            "--record-failure",
            "--metrics",
            "metrics.json",
            "-m",
            "attempt=2",
            "--",
            "sh",
            "-c",
            "exit 1",
        ],
    )
    .code(1);
    let record = load_record(&repo, out.stdout.trim());
    assert_eq!(record["exit"], json!({"code": 1}));
    assert_eq!(record["metrics"], json!({"attempt": 2}));
}

#[test]
fn a_recorded_failure_leaves_out_an_output_glob_that_matches_only_ignored_files() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = run(
        &env,
        &repo,
        &[
            "--record-failure",
            "-o",
            "out/*",
            "--format",
            "json",
            "--",
            "sh",
            "-c",
            "mkdir -p out && echo x > out/m.pyc && exit 4",
        ],
    )
    .code(4);
    let json = run.json();
    assert_eq!(json["exit"]["code"], 4);
    assert!(
        json["recorded"]["record"].get("outputs").is_none(),
        "{json}"
    );
}
