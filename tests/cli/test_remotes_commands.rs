//! `show`, `diff`, `registry` and `export` across repositories: with
//! `--remotes`/`--remote NAME` or a `NAME:REF` qualifier they read the
//! fetched history of lineage remotes, and name the repository of each
//! record that is not this one's (the organisation of `test_remotes`).

use crate::common::TestEnv;
use crate::test_remotes::{connect, org, register_in_production};

#[test]
fn show_and_diff_read_remotes_when_asked() {
    let env = TestEnv::new();
    let org = org(&env);
    connect(&env, &org.model_b, &["model-a", "data"]);
    let dir = &org.model_b;

    // Without --remotes, model-a's record is not here.
    let missing = env.lineage(dir, &["show", "name:fraud-a"]).code(2);
    assert!(
        missing.stderr.contains("name:fraud-a"),
        "{}",
        missing.stderr
    );
    let shown = env
        .lineage(
            dir,
            &["show", "name:fraud-a", "--remotes", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(shown["id"], org.train_a.as_str());
    assert_eq!(shown["repository"]["name"], "model-a");
    assert_eq!(shown["repository"]["url"], "../model-a.git");
    // --remote NAME reads that one only; a full id is found wherever it is.
    let by_id = env
        .lineage(dir, &["show", &org.process, "--remote", "data"])
        .success();
    assert!(
        by_id.stderr.contains("of repository data (../data.git)"),
        "{}",
        by_id.stderr
    );
    assert!(by_id.stdout.contains("claims-etl"), "{}", by_id.stdout);
    env.lineage(dir, &["show", &org.process, "--remote", "model-a"])
        .code(2);
    // A local record shows as always, with no repository.
    let local = env
        .lineage(
            dir,
            &["show", "name:fraud-b", "--remotes", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(local["id"], org.train_b.as_str());
    assert!(local.get("repository").is_none(), "{local:#}");

    // diff: a qualified REF against a local one, in JSON and text.
    let diff = env
        .lineage(
            dir,
            &[
                "diff",
                "model-a:name:fraud-a",
                "name:fraud-b",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(diff["old"]["id"], org.train_a.as_str());
    assert_eq!(diff["old"]["repository"]["name"], "model-a");
    assert!(diff["new"].get("repository").is_none(), "{diff:#}");
    let outputs = diff["outputs"].as_array().expect("outputs");
    assert_eq!(outputs.len(), 1, "model.bin differs: {diff:#}");
    let text = env
        .lineage(dir, &["diff", "name:fraud-a", "name:fraud-b", "--remotes"])
        .success();
    assert!(
        text.stdout
            .contains(&format!("model-a:{}", &org.train_a[..12])),
        "{}",
        text.stdout
    );
    // Unqualified and without --remotes, the remote's record is unknown.
    env.lineage(dir, &["diff", "name:fraud-a", "name:fraud-b"])
        .code(2);
}

#[test]
fn each_registry_is_read_from_its_own_repository() {
    let env = TestEnv::new();
    let org = org(&env);
    let a = &org.model_a;
    register_in_production(&env, a, "fraud-a", true);
    env.git(a, &["push", "-q", "origin", "main"]);
    let b = &org.model_b;
    env.lineage(
        b,
        &[
            "registry",
            "register",
            "fraud-b",
            "--artifact",
            "model.bin",
            "--commit",
        ],
    )
    .success();
    connect(&env, b, &["model-a", "data"]);

    // This repository's registry alone by default.
    let own = env.lineage(b, &["registry", "list"]).success();
    assert!(
        own.stdout.contains("fraud-b") && !own.stdout.contains("fraud-a"),
        "{}",
        own.stdout
    );
    let all = env.lineage(b, &["registry", "list", "--remotes"]).success();
    let lines: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", all.stdout);
    assert!(lines[0].starts_with("REPOSITORY  MODEL"), "{}", all.stdout);
    assert!(
        lines[1].starts_with(".  ") && lines[1].contains("fraud-b"),
        "{}",
        all.stdout
    );
    assert!(
        lines[2].starts_with("model-a")
            && lines[2].contains("fraud-a")
            && lines[2].contains("production"),
        "{}",
        all.stdout
    );
    let json = env
        .lineage(
            b,
            &[
                "registry", "list", "--remote", "model-a", "--format", "json",
            ],
        )
        .success()
        .json();
    let models = json["models"].as_array().expect("models");
    assert_eq!(models.len(), 2, "{json:#}");
    assert_eq!(models[0]["name"], "fraud-b");
    assert!(models[0].get("repository").is_none());
    assert_eq!(models[1]["name"], "fraud-a");
    assert_eq!(models[1]["repository"]["name"], "model-a");
    assert_eq!(models[1]["repository"]["url"], "../model-a.git");

    // REMOTE:NAME@STAGE resolves in that repository's registry.
    let resolved = env
        .lineage(
            b,
            &[
                "registry",
                "resolve",
                "model-a:fraud-a@production",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(resolved["model"], "fraud-a");
    assert_eq!(resolved["version"], "v1");
    let shown = env
        .lineage(b, &["registry", "show", "model-a:fraud-a"])
        .success();
    assert!(shown.stdout.contains("production"), "{}", shown.stdout);
    // Not this repository's model, and a remote not fetched.
    env.lineage(b, &["registry", "resolve", "fraud-a@production"])
        .code(2);
    let unfetched = env
        .lineage(b, &["registry", "list", "--remote", "features"])
        .code(2);
    assert!(
        unfetched
            .stderr
            .contains("lineage remote 'features' has not been fetched"),
        "{}",
        unfetched.stderr
    );
}

#[test]
fn export_names_each_remote_record_in_its_repository_namespace() {
    let env = TestEnv::new();
    let org = org(&env);
    connect(&env, &org.model_b, &["model-a", "features", "data"]);
    let dir = &org.model_b;
    let events = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut all = vec![
            "export",
            "--format",
            "openlineage",
            "--namespace",
            "models-b",
        ];
        all.extend_from_slice(args);
        env.lineage(dir, &all)
            .success()
            .stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("an event"))
            .collect()
    };
    let local = events(&[]);
    assert_eq!(local.len(), 1);
    assert_eq!(local[0]["job"]["namespace"], "models-b");

    // Upstream of this repository's model, across repositories by hash:
    // the feature step and the ETL step, each in its own namespace.
    let across = events(&["--remotes", "name:fraud-b"]);
    let jobs: Vec<(String, String)> = across
        .iter()
        .map(|e| {
            (
                e["job"]["namespace"]
                    .as_str()
                    .expect("namespace")
                    .to_string(),
                e["job"]["name"].as_str().expect("name").to_string(),
            )
        })
        .collect();
    assert_eq!(jobs.len(), 3, "{jobs:?}");
    assert!(
        jobs.contains(&("models-b".into(), "train/fraud-b".into())),
        "{jobs:?}"
    );
    assert!(
        jobs.contains(&("../features.git".into(), "process/claims-features".into())),
        "{jobs:?}"
    );
    assert!(
        jobs.contains(&("../data.git".into(), "process/claims-etl".into())),
        "{jobs:?}"
    );

    // A qualified REF reads that remote for the export.
    let qualified = events(&["model-a:name:fraud-a"]);
    assert_eq!(qualified.len(), 1);
    assert_eq!(qualified[0]["job"]["namespace"], "../model-a.git");
    assert_eq!(
        qualified[0]["run"]["runId"],
        local_run_id(&env, &org.model_a)
    );
}

/// The run id of the one record `dir`'s own export writes.
fn local_run_id(env: &TestEnv, dir: &std::path::Path) -> serde_json::Value {
    let out = env
        .lineage(dir, &["export", "--format", "openlineage"])
        .success()
        .stdout;
    let event: serde_json::Value =
        serde_json::from_str(out.lines().next().expect("an event")).expect("JSON");
    event["run"]["runId"].clone()
}

/// Append `text` to `dir`'s `.lineage/config.yaml`, commit and push it.
fn add_config(env: &TestEnv, dir: &std::path::Path, text: &str) {
    let path = dir.join(".lineage/config.yaml");
    let mut config = std::fs::read_to_string(&path).expect("config");
    config.push_str(text);
    std::fs::write(&path, config).expect("write config");
    env.git(dir, &["commit", "-q", "-am", "registry policy"]);
    env.git(dir, &["push", "-q", "origin", "main"]);
}

#[test]
fn verify_judges_each_registry_by_its_own_repository_policy() {
    let env = TestEnv::new();
    let org = org(&env);
    // model-a promotes its "fraud" without an approval: its config allows it.
    let a = &org.model_a;
    register_in_production(&env, a, "fraud", false);
    env.git(a, &["push", "-q", "origin", "main"]);
    // model-b requires an approval, and registers a "fraud" of its own.
    let b = &org.model_b;
    add_config(
        &env,
        b,
        "policy:\n  production:\n    required_approvals: 1\n",
    );
    register_in_production(&env, b, "fraud", true);
    connect(&env, b, &["model-a"]);
    // Two registries, two policies: neither "fraud@v1 registered twice" nor
    // model-a's promotion judged by model-b's policy.
    let clean = env
        .lineage(b, &["verify", "--history", "--remotes"])
        .success();
    assert!(
        !clean.stdout.contains("registered twice"),
        "{}",
        clean.stdout
    );

    // model-a's own policy, committed later, makes its promotion a problem,
    // named with its repository.
    add_config(
        &env,
        a,
        "policy:\n  production:\n    required_approvals: 2\n",
    );
    env.lineage(a, &["verify", "--history"]).code(1);
    env.lineage(b, &["fetch"]).success();
    let json = env
        .lineage(b, &["verify", "--history", "--remotes", "--format", "json"])
        .code(1)
        .json();
    let problems = json["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{json:#}");
    assert_eq!(problems[0]["check"], "registry");
    assert_eq!(problems[0]["repository"]["name"], "model-a");
    assert!(
        problems[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("approval")),
        "{json:#}"
    );
    // model-b alone is still clean.
    env.lineage(b, &["verify", "--history"]).success();
}
