//! `git lineage show REF`: resolution of full ids, prefixes and `name:NAME`,
//! the three output formats, and clear errors for bad REFs.

use std::path::Path;

use serde_json::json;

use crate::common::{TestEnv, b3, load_record, record_files, record_rel_path, write};

/// Record a step and return its id.
#[track_caller]
fn record(env: &TestEnv, repo: &Path, name: &str, args: &[&str]) -> String {
    let mut all = vec!["record", "--kind", "train", "--name", name];
    all.extend_from_slice(args);
    env.lineage(repo, &all).success().stdout.trim().to_string()
}

/// The shortest prefix (at least 4 hex digits) of `id` that no other id shares.
fn unique_prefix<'a>(id: &'a str, others: &[&str]) -> &'a str {
    (4..=64)
        .map(|n| &id[..n])
        .find(|p| others.iter().all(|o| *o == id || !o.starts_with(p)))
        .expect("ids differ")
}

#[test]
fn show_resolves_full_ids_prefixes_and_names() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "x\n");
    let old = record(&env, &repo, "fraud-model", &["-p", "lr=0.1"]);
    let other = record(&env, &repo, "churn-model", &["-p", "lr=0.3"]);
    let latest = record(&env, &repo, "fraud-model", &["-p", "lr=0.2"]);
    let all = [old.as_str(), other.as_str(), latest.as_str()];

    let shown = |reference: &str| {
        let json = env
            .lineage(&repo, &["show", reference, "--format", "json"])
            .success()
            .json();
        let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
        assert_eq!(keys.len(), 3, "{json:#}");
        json
    };
    for id in all {
        let by_id = shown(id);
        assert_eq!(by_id["id"], json!(id));
        assert_eq!(by_id["path"], json!(record_rel_path(id)));
        assert_eq!(by_id["record"], load_record(&repo, id));

        let prefix = unique_prefix(id, &all);
        assert_eq!(shown(prefix)["id"], json!(id), "prefix {prefix}");
        if prefix.len() < 8 {
            assert_eq!(shown(&id[..8])["id"], json!(id));
        }
    }
    // The latest of the two records named fraud-model.
    let by_name = shown("name:fraud-model");
    assert_eq!(by_name["id"], json!(latest));
    assert_eq!(by_name["record"]["params"], json!({"lr": 0.2}));
    assert_eq!(shown("name:churn-model")["id"], json!(other));
}

#[test]
fn show_yaml_prints_the_exact_stored_bytes() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = record(
        &env,
        &repo,
        "fraud-model",
        &["-p", "name=adam", "-m", "auc=0.91", "--note", "first try"],
    );
    let bytes = std::fs::read(repo.join(record_rel_path(&id))).unwrap();
    let out = env
        .lineage(&repo, &["show", &id[..10], "--format", "yaml"])
        .success();
    assert_eq!(out.stdout.as_bytes(), bytes.as_slice());
    assert_eq!(b3(out.stdout.as_bytes()), id);
}

#[test]
fn show_text_summarises_the_record() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "a,b\n");
    let id = record(
        &env,
        &repo,
        "fraud-model",
        &[
            "-i",
            "dataset=data/train.csv",
            "-p",
            "lr=0.1",
            "-p",
            "opt.name=adam",
            "--seed",
            "42",
        ],
    );
    let out = env.lineage(&repo, &["show", &id]).success();
    let text = out.stdout;
    assert!(text.contains(&id), "{text}");
    assert!(text.contains("train"), "{text}");
    assert!(text.contains("fraud-model"), "{text}");
    assert!(text.contains("data/train.csv"), "{text}");
    assert!(text.contains("dataset"), "{text}");
    assert!(text.contains("42"), "{text}");
    let has_line = |key: &str, value: &str| {
        text.lines()
            .any(|l| l.contains(key) && l.contains(value) && l.find(key) < l.find(value))
    };
    assert!(has_line("lr", "0.1"), "{text}");
    assert!(has_line("opt", "adam") && text.contains("name"), "{text}");
    let head = env.git(&repo, &["rev-parse", "--short=12", "HEAD"]);
    assert!(text.contains(head.trim()), "{text}");
}

#[test]
fn bad_refs_exit_2_with_a_clear_message() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = record(&env, &repo, "fraud-model", &[]);

    let short = env.lineage(&repo, &["show", &id[..3]]).code(2);
    assert!(short.stderr.contains("too short"), "{}", short.stderr);
    assert!(short.stdout.is_empty());

    // A prefix that differs from the only record's first digit.
    let unknown_prefix = if id.starts_with('0') { "1111" } else { "0000" };
    let unknown = env.lineage(&repo, &["show", unknown_prefix]).code(2);
    assert!(unknown.stderr.contains("no record"), "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains(unknown_prefix),
        "{}",
        unknown.stderr
    );

    let missing_name = env.lineage(&repo, &["show", "name:nobody"]).code(2);
    assert!(
        missing_name.stderr.contains("nobody"),
        "{}",
        missing_name.stderr
    );

    let malformed = env.lineage(&repo, &["show", "not-a-ref!"]).code(2);
    assert!(
        malformed.stderr.contains("not-a-ref!"),
        "{}",
        malformed.stderr
    );
}

#[test]
fn an_ambiguous_prefix_lists_its_candidates() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    // Resolution looks at file names only, so the contents do not matter here.
    let one = format!("abcd{}", "1".repeat(60));
    let two = format!("abcd{}", "2".repeat(60));
    for id in [&one, &two] {
        write(&repo.join(record_rel_path(id)), "not read\n");
    }
    assert_eq!(record_files(&repo).len(), 2);

    let out = env.lineage(&repo, &["show", "abcd"]).code(2);
    assert!(out.stderr.contains("ambiguous"), "{}", out.stderr);
    assert!(out.stderr.contains(&one[..12]), "{}", out.stderr);
    assert!(out.stderr.contains(&two[..12]), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);

    // One more digit is unique again: resolution succeeds, and reading the
    // file (whose bytes do not hash to its name) fails clearly.
    let out = env.lineage(&repo, &["show", "abcd1"]).code(2);
    assert!(out.stderr.contains(&one), "{}", out.stderr);
}

#[test]
fn a_closed_stdout_ends_show_quietly() {
    // `git lineage show X | head -0`: nobody reads stdout. The pipe's read end
    // is closed before the process starts, so every write fails with EPIPE.
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = record(&env, &repo, "fraud-model", &["-p", "lr=0.1"]);
    for format in ["text", "json", "yaml"] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = env
            .command(crate::common::bin(), &repo)
            .args(["show", &id, "--format", format])
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "--format {format}: {stderr}");
        assert!(stderr.is_empty(), "--format {format}: {stderr}");
    }
}
