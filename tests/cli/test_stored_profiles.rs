//! Profiles stored as lineage (issue 13): `record --profile` and `profile:`
//! config globs store each profile content-addressed under
//! `.lineage/profiles/`, linked from the artifact and committed with the
//! record; `verify` checks their bytes; `profile` and `drift` answer from
//! them once the data is gone.

use std::path::Path;

use serde_json::Value;

use crate::common::{TestEnv, b3, head_tree_paths, write};

fn profile_file(repo: &Path, id: &str) -> std::path::PathBuf {
    let hex = id.strip_prefix("blake3:").expect("blake3: id");
    repo.join(".lineage/profiles")
        .join(&hex[..2])
        .join(format!("{hex}.json"))
}

fn record_json(env: &TestEnv, repo: &Path, args: &[&str]) -> Value {
    let mut all = vec!["record", "--kind", "process", "--name", "prep"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    env.lineage(repo, &all).success().json()
}

#[test]
fn record_profile_stores_linked_content_addressed_profiles_and_commits_them() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("in.csv"), "x,c\n1,a\n2,b\n3,a\n");
    write(&repo.join("out.jsonl"), "{\"y\": 1.5}\n{\"y\": 2.5}\n");
    write(&repo.join("model.bin"), "weights");
    let recorded = record_json(
        &env,
        &repo,
        &[
            "-i",
            "in.csv",
            "-o",
            "out.jsonl",
            "-o",
            "model.bin",
            "--profile",
            "--commit",
        ],
    );
    let input = &recorded["record"]["inputs"][0];
    let id = input["profile"]
        .as_str()
        .expect("input profile")
        .to_string();
    let file = profile_file(&repo, &id);
    let bytes = std::fs::read(&file).expect("stored profile");
    assert_eq!(format!("blake3:{}", b3(&bytes)), id);
    // The stored bytes are exactly what `profile --format json` prints.
    let printed = env
        .lineage(&repo, &["profile", "in.csv", "--format", "json"])
        .success()
        .json();
    let stored: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(stored["rows"], printed["rows"]);
    assert_eq!(stored["columns"], printed["columns"]);
    assert_eq!(stored["path"], "in.csv");
    assert!(recorded["record"]["outputs"][0]["profile"].is_string());
    assert!(recorded["record"]["outputs"][1].get("profile").is_none());
    // The record and both profiles are in the one commit.
    let tree = head_tree_paths(&env, &repo);
    let rel = file
        .strip_prefix(&repo)
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(tree.contains(&rel), "{tree:?}");
    assert_eq!(
        tree.iter()
            .filter(|p| p.starts_with(".lineage/profiles/"))
            .count(),
        2,
        "{tree:?}"
    );
    let status = env.git(&repo, &["status", "--porcelain", "--untracked-files=all"]);
    assert!(!status.contains(".lineage/profiles"), "{status}");
    assert!(!status.contains(".lineage/records"), "{status}");
    // Without --profile nothing is stored and the artifact has no field.
    let plain = record_json(&env, &repo, &["-i", "in.csv"]);
    assert!(plain["record"]["inputs"][0].get("profile").is_none());
    env.lineage(&repo, &["verify"]).success();

    // `search --profiled` finds the record whose data has a stored profile,
    // alone or with other filters, and not the plain one.
    let profiled = env
        .lineage(&repo, &["search", "--profiled", "--format", "json"])
        .success()
        .json();
    let ids: Vec<&str> = profiled["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, [recorded["id"].as_str().expect("id")]);
    let all = env
        .lineage(&repo, &["search", "--name", "prep", "--format", "json"])
        .success()
        .json();
    assert_eq!(all["records"].as_array().expect("records").len(), 2);
    let none = env
        .lineage(
            &repo,
            &[
                "search",
                "--profiled",
                "--kind",
                "train",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert!(none["records"].as_array().expect("records").is_empty());
}

#[test]
fn config_globs_select_files_to_profile_and_verify_checks_stored_bytes() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let config = repo.join(".lineage/config.yaml");
    let text = std::fs::read_to_string(&config).expect("config");
    write(&config, format!("{text}profile: [\"data/**/*.csv\"]\n"));
    write(&repo.join("data/a/train.csv"), "x\n1\n2\n");
    write(&repo.join("other.csv"), "x\n1\n2\n");
    let recorded = record_json(&env, &repo, &["-i", "data/a/train.csv", "-i", "other.csv"]);
    let id = recorded["record"]["inputs"][0]["profile"]
        .as_str()
        .expect("globbed input profiled")
        .to_string();
    assert!(recorded["record"]["inputs"][1].get("profile").is_none());
    env.lineage(&repo, &["verify"]).success();
    // A damaged stored profile is a verify finding (exit 1).
    let file = profile_file(&repo, &id);
    write(&file, "{}\n");
    let run = env.lineage(&repo, &["verify", "--format", "json"]).code(1);
    let report = run.json();
    let problem = report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| p["check"] == "profile")
        .unwrap_or_else(|| panic!("no profile problem in {report}"));
    assert!(
        problem["message"].as_str().unwrap().contains("damaged"),
        "{problem}"
    );
    // A malformed tabular file is recorded without a profile, with a warning.
    write(&repo.join("data/bad.csv"), "");
    let run = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "process",
                "--name",
                "p",
                "-i",
                "data/bad.csv",
            ],
        )
        .success();
    assert!(
        run.stderr
            .contains("warning: input 'data/bad.csv' not profiled"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_profile_and_drift_answer_from_the_stored_profile_when_the_bytes_are_gone() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let mut base = String::from("amount,city\n");
    let mut shifted = String::from("amount,city\n");
    for i in 0..400 {
        base.push_str(&format!("{},{}\n", i % 100, ["a", "b", "c"][i % 3]));
        shifted.push_str(&format!("{},{}\n", 50 + i % 100, ["a", "b", "c"][i % 3]));
    }
    write(&repo.join("train.csv"), &base);
    write(&repo.join("same.csv"), &base);
    write(&repo.join("month.csv"), &shifted);
    let recorded = record_json(&env, &repo, &["-i", "dataset=train.csv", "--profile"]);
    let record_id = recorded["id"].as_str().expect("record id").to_string();
    let profile_id = recorded["record"]["inputs"][0]["profile"]
        .as_str()
        .expect("profile")
        .to_string();
    let hash = recorded["record"]["inputs"][0]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    // show names the profile.
    let shown = env.lineage(&repo, &["show", &record_id[..12]]).success();
    let short = &profile_id[..19];
    assert!(
        shown.stdout.contains(&format!("profile {short}")),
        "{}",
        shown.stdout
    );
    let before = env
        .lineage(&repo, &["profile", "train.csv", "--format", "json"])
        .success()
        .json();
    // The data is deleted (never committed): the stored profile answers.
    std::fs::remove_file(repo.join("train.csv")).unwrap();
    for text in [hash.as_str(), profile_id.as_str()] {
        let run = env
            .lineage(&repo, &["profile", text, "--format", "json"])
            .success();
        assert!(run.stderr.contains("stored profile"), "{}", run.stderr);
        assert_eq!(run.json()["columns"], before["columns"], "{text}");
    }
    // Same distribution: exit 0; the JSON names the profile side.
    let report = env
        .lineage(
            &repo,
            &["drift", "name:prep", "same.csv", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(report["baseline"]["profile"], profile_id.as_str());
    assert!(report["current"].get("profile").is_none());
    assert_eq!(report["drifted_columns"], 0, "{report}");
    // Shifted amounts: exit 1, the amount column drifts, the city does not.
    let run = env
        .lineage(&repo, &["drift", &hash, "month.csv", "--format", "json"])
        .code(1);
    let report = run.json();
    let column = |name: &str| {
        report["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {report}"))
            .clone()
    };
    assert_eq!(column("amount")["verdict"], "drift");
    assert_eq!(column("city")["verdict"], "ok");
    let text = env
        .lineage(&repo, &["drift", "name:prep", "month.csv"])
        .code(1);
    assert!(
        text.stdout.contains(
            "baseline compared from its stored profile: statistics marked ~ are approximate"
        ),
        "{}",
        text.stdout
    );
    // Without a stored profile the old error stands (exit 2).
    write(&repo.join("e.csv"), "x\n1\n");
    env.lineage(
        &repo,
        &[
            "record", "--kind", "process", "--name", "noprof", "-i", "e.csv",
        ],
    )
    .success();
    std::fs::remove_file(repo.join("e.csv")).unwrap();
    let run = env
        .lineage(&repo, &["drift", "name:noprof", "same.csv"])
        .code(2);
    assert!(
        run.stderr.contains("the recorded bytes of e.csv"),
        "{}",
        run.stderr
    );
}
