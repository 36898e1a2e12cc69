//! `git lineage demo --org DIR`: four repositories (data, features, two model
//! repos), each pushed to its own bare remote, joined by lineage remotes;
//! the answers it prints are the ones the real commands give, and every
//! fetched history verifies.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{TestEnv, write};

const REPOS: [&str; 4] = ["data", "features", "fraud-model", "fraud-challenger"];

/// `(repository, kind, name)` of each record of an answer.
fn answer_set(answer: &Value) -> BTreeSet<(String, String, String)> {
    answer["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().expect("string").to_string();
            (s("repository"), s("kind"), s("name"))
        })
        .collect()
}

fn triple(repo: &str, kind: &str, name: &str) -> (String, String, String) {
    (repo.into(), kind.into(), name.into())
}

/// The display ids (`remote:short` or `short`) of an impact/graph JSON.
fn cli_ids(value: &Value) -> BTreeSet<String> {
    let display = |r: &Value| {
        let short = &r["id"].as_str().expect("id")[..12];
        match r["repository"]["name"].as_str() {
            Some(remote) => format!("{remote}:{short}"),
            None => short.to_string(),
        }
    };
    match &value["records"] {
        Value::Object(by_kind) => by_kind
            .values()
            .flat_map(|l| l.as_array().into_iter().flatten())
            .map(display)
            .collect(),
        _ => value["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["type"] == "record" && n["direction"] != "root")
            .map(|n| display(&n["record"]))
            .collect(),
    }
}

fn report_ids(answer: &Value) -> BTreeSet<String> {
    answer["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

fn build(env: &TestEnv, name: &str) -> (PathBuf, Value) {
    let dir = env.path(name);
    let report = env
        .lineage(
            env.root(),
            &[
                "demo",
                "--org",
                dir.to_str().expect("utf-8"),
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    (dir, report)
}

#[test]
fn demo_org_builds_four_pushed_repositories_joined_by_lineage_remotes() {
    let env = TestEnv::new();
    let (dir, report) = build(&env, "org");
    let names: Vec<&str> = report["repositories"]
        .as_array()
        .expect("repositories")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, REPOS);
    for name in REPOS {
        let worktree = dir.join(name);
        // Everything committed, and pushed: the bare remote's main is HEAD.
        assert_eq!(env.git(&worktree, &["status", "--porcelain"]), "", "{name}");
        let head = env.git(&worktree, &["rev-parse", "HEAD"]);
        let pushed = env.git(&dir.join(format!("{name}.git")), &["rev-parse", "main"]);
        assert_eq!(head, pushed, "{name}");
    }

    // The data team's question, over every repository.
    assert_eq!(
        answer_set(&report["impact"]),
        BTreeSet::from([
            triple("features", "process", "claims-preprocessing"),
            triple("features", "query", "fraud-training-set"),
            triple("fraud-model", "train", "fraud-model"),
            triple("fraud-model", "evaluate", "fraud-model-evaluation"),
            triple("fraud-challenger", "train", "fraud-challenger"),
            triple("fraud-challenger", "evaluate", "fraud-model-evaluation"),
        ])
    );
    // The model team's question goes back to the data team's export.
    assert_eq!(
        answer_set(&report["upstream"]),
        BTreeSet::from([
            triple("fraud-model", "train", "fraud-model"),
            triple("features", "query", "fraud-training-set"),
            triple("features", "process", "claims-preprocessing"),
            triple("data", "process", "claims-export"),
        ])
    );

    // The commands it prints give the same answers.
    let impact = env
        .lineage(
            &dir.join("data"),
            &[
                "impact",
                "data/raw/claims.csv",
                "--remotes",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(cli_ids(&impact), report_ids(&report["impact"]));
    let up = env
        .lineage(
            &dir.join("fraud-model"),
            &[
                "graph",
                "model/model.json",
                "--up",
                "--remotes",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(cli_ids(&up), report_ids(&report["upstream"]));

    // Each repository's history, and every fetched one, verifies.
    for consumer in ["data", "fraud-model"] {
        let run = env
            .lineage(&dir.join(consumer), &["verify", "--history", "--remotes"])
            .success();
        assert!(run.stdout.starts_with("ok: "), "{consumer}: {}", run.stdout);
    }
    // Without --remotes, the data repository sees only its own record.
    let alone = env
        .lineage(
            &dir.join("data"),
            &["impact", "data/raw/claims.csv", "--format", "json"],
        )
        .success()
        .json();
    assert!(cli_ids(&alone).is_empty(), "{alone:#}");
}

#[test]
fn demo_org_summary_prints_answers_and_commands_that_work() {
    let env = TestEnv::new();
    let dir = env.path("org");
    let run = env
        .lineage(env.root(), &["demo", "--org", dir.to_str().expect("utf-8")])
        .success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("Built a lineage organisation of four repositories in "),
        "{}",
        run.stdout
    );
    let question = lines
        .iter()
        .position(|l| l.starts_with("The raw claims export was wrong"))
        .expect("the impact question");
    assert_eq!(
        lines[question + 1],
        "    $ cd data && git lineage impact data/raw/claims.csv --remotes"
    );
    assert!(
        lines[question + 2].starts_with("    hop 1  process   features:"),
        "{}",
        run.stdout
    );
    let explore = lines
        .iter()
        .position(|l| *l == "Explore it:")
        .expect("explore");
    let data = dir.join("data");
    for line in &lines[explore + 2..] {
        let args: Vec<&str> = line
            .trim()
            .strip_prefix("git lineage ")
            .unwrap_or_else(|| panic!("not a command: {line}"))
            .split(' ')
            .collect();
        env.lineage(&data, &args).success();
    }
}

#[test]
fn demo_org_refuses_a_non_empty_directory() {
    let env = TestEnv::new();
    let dir = env.path("busy");
    write(&dir.join("notes.txt"), "keep me\n");
    let run = env
        .lineage(env.root(), &["demo", "--org", dir.to_str().expect("utf-8")])
        .code(2);
    assert!(run.stderr.contains("not empty"), "{}", run.stderr);
    assert!(!Path::new(&dir.join("data")).exists());
}
