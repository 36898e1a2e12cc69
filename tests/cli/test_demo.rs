//! `git lineage demo DIR`: the generated repository is committed, verifiable,
//! linked through artifact hashes, and its metrics are real; the checked-in
//! `.lineage-example/` verifies on its own.

use std::path::Path;

use serde_json::Value;

use crate::common::{
    TestEnv, build_demo, demo_repo as demo, demo_step_id as step_id, record_files, write,
};

/// The steps the demo records, in order.
const STEPS: [(&str, &str); 4] = [
    ("process", "claims-preprocessing"),
    ("query", "fraud-training-set"),
    ("train", "fraud-model"),
    ("evaluate", "fraud-model-evaluation"),
];

/// The kinds of every step the demo records, pipeline then registry, in order.
const ALL_KINDS: [&str; 12] = [
    "process",
    "query",
    "train",
    "evaluate",
    "registry-register",
    "registry-approve",
    "registry-promote",
    "train",
    "registry-register",
    "registry-approve",
    "registry-promote",
    "registry-rollback",
];

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// `git lineage show ID --format json`, the `record` part.
fn show(env: &TestEnv, dir: &Path, id: &str) -> Value {
    let shown = env
        .lineage(dir, &["show", id, "--format", "json"])
        .success()
        .json();
    assert_eq!(shown["id"], id);
    shown["record"].clone()
}

/// The artifact of `list` (`inputs`/`outputs`) whose path or uri is `locator`.
fn artifact<'a>(record: &'a Value, list: &str, locator: &str) -> &'a Value {
    record[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {record:#}"))
        .iter()
        .find(|a| a["path"] == locator || a["uri"] == locator)
        .unwrap_or_else(|| panic!("no {list} entry {locator} in {record:#}"))
}

fn hash_of<'a>(record: &'a Value, list: &str, path: &str) -> &'a str {
    let hash = artifact(record, list, path)["hash"]
        .as_str()
        .unwrap_or_else(|| panic!("{list} {path} has no hash"));
    assert!(
        hash.starts_with("blake3:") && hash.len() == 7 + 64,
        "{hash}"
    );
    hash
}

#[test]
fn demo_builds_a_committed_verifiable_repository() {
    let env = TestEnv::new();
    // A missing directory (and its missing parent) is created.
    let (dir, report) = build_demo(&env, "new/fraud-demo");
    assert!(dir.join(".git").is_dir());
    assert_eq!(
        Path::new(report["dir"].as_str().expect("dir")),
        dir.canonicalize().expect("canonical dir")
    );

    let subjects = env.git(&dir, &["log", "--reverse", "--format=%s"]);
    let subjects: Vec<&str> = subjects.lines().collect();
    let steps = report["steps"].as_array().expect("steps");
    let kinds: Vec<&str> = steps
        .iter()
        .map(|s| s["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ALL_KINDS);
    for (step, (kind, name)) in steps.iter().zip(STEPS) {
        assert_eq!(
            (step["kind"].as_str(), step["name"].as_str()),
            (Some(kind), Some(name))
        );
    }
    let mut expected = vec!["Add fraud-detection pipeline".to_string()];
    for step in steps {
        let id = step["id"].as_str().expect("id");
        expected.push(format!(
            "lineage: {} {} {}",
            step["kind"].as_str().expect("kind"),
            step["name"].as_str().expect("name"),
            &id[..12]
        ));
    }
    assert_eq!(subjects, expected);

    // The step commits in the report are the commits in history.
    let commits = env.git(&dir, &["log", "--reverse", "--format=%H"]);
    let commits: Vec<&str> = commits.lines().collect();
    assert_eq!(report["pipeline_commit"], commits[0]);
    for (i, step) in report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .enumerate()
    {
        assert_eq!(step["commit"], commits[i + 1]);
    }

    // No identity is configured in the hermetic environment: the fallback signs.
    let authors = env.git(&dir, &["log", "--format=%an <%ae>"]);
    assert!(
        authors
            .lines()
            .all(|a| a == "Demo Data Scientist <demo@example.com>"),
        "{authors}"
    );

    // Code, params and environment are committed; data are ignored, not committed.
    let tracked = env.git(&dir, &["ls-files"]);
    for file in [
        ".gitignore",
        "README.md",
        "params.yaml",
        "requirements.txt",
        "pipelines/preprocess.py",
        "pipelines/build_training_set.py",
        "pipelines/train.py",
        "pipelines/evaluate.py",
        ".lineage/config.yaml",
    ] {
        assert!(
            tracked.lines().any(|l| l == file),
            "{file} not committed:\n{tracked}"
        );
    }
    assert!(!tracked.contains("data/"), "{tracked}");
    assert_eq!(record_files(&dir).len(), ALL_KINDS.len());
    for file in [
        "data/raw/claims.csv",
        "data/raw/customers.csv",
        "features/claims.csv",
        "features/customers.csv",
        "data/train.csv",
        "data/test.csv",
        "model/model.json",
        "model/model-v2.json",
        "reports/evaluation.json",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let claims = std::fs::read_to_string(dir.join("data/raw/claims.csv")).expect("claims");
    assert_eq!(claims.lines().count(), 2001);

    assert_eq!(env.git(&dir, &["status", "--porcelain"]), "");
    env.git(&dir, &["fsck", "--strict"]);

    let verified = env
        .lineage(&dir, &["verify", "--artifacts", "--format", "json"])
        .success()
        .json();
    assert_eq!(verified["records"], ALL_KINDS.len());
    assert!(verified["artifacts"].as_u64().expect("artifacts") >= 9);
    assert_eq!(verified["problems"], serde_json::json!([]));

    // Every step ran on committed code.
    for (kind, _) in STEPS {
        let record = show(&env, &dir, &step_id(&report, kind));
        assert_eq!(record["code"]["dirty"], false, "{record:#}");
        assert_eq!(record["agent"]["name"], "Demo Data Scientist");
    }
}

#[test]
fn demo_summary_lists_steps_and_commands_that_work() {
    let env = TestEnv::new();
    // An existing empty directory is fine.
    let dir = env.path("empty");
    std::fs::create_dir(&dir).expect("mkdir");
    let run = env.lineage(env.root(), &["demo", "empty"]).success();
    let real = dir.canonicalize().expect("canonical dir");
    assert!(
        run.stdout.contains(&format!("  cd {}\n", real.display())),
        "{}",
        run.stdout
    );
    for (kind, name) in STEPS {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.split_whitespace().take(2).eq([kind, name])),
            "no line for {kind} {name}:\n{}",
            run.stdout
        );
    }
    // Every `git lineage …` command the summary suggests runs successfully.
    let suggested: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("git lineage "))
        .map(|rest| rest.split_whitespace().collect())
        .collect();
    assert!(suggested.len() >= 3, "{}", run.stdout);
    assert!(suggested.contains(&vec!["verify", "--artifacts", "--history"]));
    assert!(suggested.contains(&vec!["impact", "data/raw/claims.csv"]));
    assert!(suggested.contains(&vec!["registry", "show", "fraud-model"]));
    assert!(suggested.contains(&vec!["registry", "resolve", "fraud-model@production"]));
    assert!(suggested.contains(&vec!["graph", "model:fraud-model@production", "--up"]));
    let mut kinds = Vec::new();
    for args in suggested {
        let run = env.lineage(&dir, &args).success();
        if args[0] == "show" {
            kinds.extend(
                run.stdout
                    .lines()
                    .filter(|l| l.starts_with("kind "))
                    .map(str::to_string),
            );
        }
    }
    assert_eq!(kinds, ["kind     train", "kind     evaluate"]);
    // The summary shows the registry and the production model's upstream graph.
    assert!(
        run.stdout
            .contains("\n  model fraud-model\n  stages: production=v1\n"),
        "{}",
        run.stdout
    );
    let upstream = run
        .stdout
        .split("upstream lineage (`git lineage graph model:fraud-model@production --up")
        .nth(1)
        .expect("the upstream graph is printed");
    assert!(upstream.contains("model/model.json (blake3:"), "{upstream}");
    assert!(!upstream.contains("model-v2.json"), "{upstream}");
}

#[test]
fn demo_registers_promotes_and_rolls_back_the_model() {
    let env = TestEnv::new();
    let (dir, report) = demo(&env, "demo");
    let steps = report["steps"].as_array().expect("steps");
    let details: Vec<(&str, &str)> = steps
        .iter()
        .filter_map(|s| Some((s["kind"].as_str()?, s["detail"].as_str()?)))
        .collect();
    assert_eq!(
        details,
        [
            ("registry-register", "v1"),
            ("registry-approve", "v1"),
            ("registry-promote", "v1 production"),
            ("registry-register", "v2"),
            ("registry-approve", "v2"),
            ("registry-promote", "v2 production"),
            ("registry-rollback", "v2 -> v1 production"),
        ]
    );
    let trains: Vec<&str> = steps
        .iter()
        .filter(|s| s["kind"] == "train")
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(trains.len(), 2);

    // Production is v1 again after the rollback, and it resolves to the first model.
    let resolved = env
        .lineage(
            &dir,
            &[
                "registry",
                "resolve",
                "fraud-model@production",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(resolved["version"], "v1");
    assert_eq!(resolved["path"], "model/model.json");
    assert_eq!(resolved["produced_by"], trains[0]);
    assert_eq!(report["registry"]["production"], resolved);
    let model = std::fs::read(dir.join("model/model.json")).expect("model");
    assert_eq!(
        resolved["hash"],
        format!("blake3:{}", crate::common::b3(&model))
    );

    // v2 is a real second training run: another seed, other bytes, its own record.
    let v2 = show(&env, &dir, trains[1]);
    assert_eq!(v2["seed"], 7);
    let v2_model = std::fs::read(dir.join("model/model-v2.json")).expect("model v2");
    assert_ne!(model, v2_model);
    assert_eq!(
        hash_of(&v2, "outputs", "model/model-v2.json"),
        format!("blake3:{}", crate::common::b3(&v2_model))
    );

    // `registry show` lists both versions with their approvals.
    let shown = env
        .lineage(&dir, &["registry", "show", "fraud-model"])
        .success();
    let text = &shown.stdout;
    assert!(text.contains("stages: production=v1\n"), "{text}");
    let v1_at = text.find("\nv1  ").expect("v1 listed");
    let v2_at = text.find("\nv2  ").expect("v2 listed");
    let events_at = text.find("\nevents:").expect("events listed");
    assert!(v1_at < v2_at && v2_at < events_at, "{text}");
    assert!(text[v1_at..v2_at].contains("[production]"), "{text}");
    assert!(
        text[v1_at..v2_at].contains("    approved by: Demo Data Scientist"),
        "{text}"
    );
    assert!(
        text[v2_at..events_at].contains("    approved by: Demo Data Scientist"),
        "{text}"
    );
    assert!(
        text[v2_at..events_at].contains("model/model-v2.json"),
        "{text}"
    );
    for kind in [
        "registry-register",
        "registry-approve",
        "registry-promote",
        "registry-rollback",
    ] {
        assert!(text[events_at..].contains(kind), "{kind}: {text}");
    }
    // The report's rendering is the command's.
    let lines: Vec<&str> = text.lines().collect();
    let json = env
        .lineage(
            &dir,
            &["registry", "show", "fraud-model", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(report["registry"]["model"], json["model"]);
    assert_eq!(report["registry"]["events"], json["events"]);
    assert!(lines.len() > 10);

    // The upstream graph is the one `graph` draws.
    let graph = env
        .lineage(
            &dir,
            &[
                "graph",
                "model:fraud-model@production",
                "--up",
                "--format",
                "mermaid",
            ],
        )
        .success();
    assert_eq!(report["registry"]["upstream"], graph.stdout.as_str());
}

#[test]
fn demo_records_link_through_artifact_hashes() {
    let env = TestEnv::new();
    let (dir, report) = demo(&env, "demo");
    let process = show(&env, &dir, &step_id(&report, "process"));
    let query = show(&env, &dir, &step_id(&report, "query"));
    let train = show(&env, &dir, &step_id(&report, "train"));
    let evaluate = show(&env, &dir, &step_id(&report, "evaluate"));
    for (record, (kind, name)) in [&process, &query, &train, &evaluate].into_iter().zip(STEPS) {
        assert_eq!(record["kind"], kind);
        assert_eq!(record["name"], name);
    }

    // Raw data in, feature tables and feature groups out.
    for raw in ["data/raw/claims.csv", "data/raw/customers.csv"] {
        assert_eq!(artifact(&process, "inputs", raw)["role"], "dataset");
    }
    for group in ["claims", "customers"] {
        let uri = format!("featurestore://{group}");
        let published = artifact(&process, "outputs", &uri);
        let used = artifact(&query, "inputs", &uri);
        assert_eq!(published["role"], "feature-group");
        assert_eq!(used["role"], "feature-group");
        let version = published["version"].as_str().expect("version");
        assert_eq!(used["version"], version);
        // The version is the start of the offline-store file's hash.
        let file = hash_of(&process, "outputs", &format!("features/{group}.csv"));
        assert_eq!(version.len(), 12);
        assert!(
            file.starts_with(&format!("blake3:{version}")),
            "{file} vs {version}"
        );
    }

    // The training set the query wrote is the one training read.
    assert_eq!(
        hash_of(&query, "outputs", "data/train.csv"),
        hash_of(&train, "inputs", "data/train.csv")
    );
    // The model training wrote is the one evaluation read, with the query's test set.
    assert_eq!(
        hash_of(&train, "outputs", "model/model.json"),
        hash_of(&evaluate, "inputs", "model/model.json")
    );
    assert_eq!(
        hash_of(&query, "outputs", "data/test.csv"),
        hash_of(&evaluate, "inputs", "data/test.csv")
    );
    // And the hashes are the bytes on disk.
    let model = std::fs::read(dir.join("model/model.json")).expect("model");
    assert_eq!(
        hash_of(&train, "outputs", "model/model.json"),
        format!("blake3:{}", crate::common::b3(&model))
    );

    // Evaluation names the training record; training pins its params and seed.
    assert_eq!(
        evaluate["references"],
        serde_json::json!([step_id(&report, "train")])
    );
    assert_eq!(train["seed"], 42);
    for key in ["learning_rate", "epochs", "l2", "threshold"] {
        assert!(train["params"][key].is_number(), "{key}: {train:#}");
    }
    assert!(
        query["params"]["query"]
            .as_str()
            .expect("query")
            .contains("JOIN")
    );
    assert_eq!(query["params"]["join_key"], "customer_id");
    assert_eq!(query["params"]["test_fraction"], 0.2);
    // Each step pins its script, the lockfile and the image.
    for (record, script) in [
        (&process, "pipelines/preprocess.py"),
        (&query, "pipelines/build_training_set.py"),
        (&train, "pipelines/train.py"),
        (&evaluate, "pipelines/evaluate.py"),
    ] {
        let blob = record["code"]["files"][script].as_str().expect("blob id");
        assert_eq!(
            env.git(&dir, &["hash-object", script]).trim(),
            blob,
            "{script}"
        );
        assert!(record["environment"]["lockfiles"]["requirements.txt"].is_string());
        assert!(
            record["environment"]["image"]
                .as_str()
                .is_some_and(|i| i.contains("@sha256:"))
        );
        assert!(record["started"].is_string() && record["ended"].is_string());
    }
}

#[test]
fn demo_metrics_are_computed_for_real() {
    let env = TestEnv::new();
    let (dir, report) = demo(&env, "demo");
    let evaluate = show(&env, &dir, &step_id(&report, "evaluate"));
    let auc = evaluate["metrics"]["auc"]
        .as_f64()
        .expect("auc is a number");
    assert!((0.6..0.99).contains(&auc), "auc {auc}");

    let written: Value = serde_json::from_slice(
        &std::fs::read(dir.join("reports/evaluation.json")).expect("report"),
    )
    .expect("report is JSON");
    for key in ["auc", "accuracy", "precision", "recall"] {
        let recorded = evaluate["metrics"][key].as_f64().expect(key);
        assert_eq!(written["metrics"][key].as_f64(), Some(recorded), "{key}");
        assert_eq!(report["metrics"][key].as_f64(), Some(recorded), "{key}");
        assert!((0.0..=1.0).contains(&recorded), "{key} {recorded}");
    }
    // The confusion matrix adds up to the test set and agrees with accuracy.
    let c = &written["confusion_matrix"];
    let count = |k: &str| c[k].as_u64().expect(k) as f64;
    let total = count("true_positives")
        + count("false_positives")
        + count("true_negatives")
        + count("false_negatives");
    let test_rows = std::fs::read_to_string(dir.join("data/test.csv"))
        .expect("test set")
        .lines()
        .count() as f64
        - 1.0;
    assert_eq!(total, test_rows);
    let accuracy = (count("true_positives") + count("true_negatives")) / total;
    assert!((accuracy - written["metrics"]["accuracy"].as_f64().expect("acc")).abs() < 1e-4);

    let train = show(&env, &dir, &step_id(&report, "train"));
    let train_auc = train["metrics"]["train_auc"].as_f64().expect("train_auc");
    let logloss = train["metrics"]["train_logloss"]
        .as_f64()
        .expect("train_logloss");
    assert!((0.6..1.0).contains(&train_auc), "train auc {train_auc}");
    // Better than always predicting the base rate (about 0.4 for ~14% fraud).
    assert!(logloss > 0.0 && logloss < 0.38, "logloss {logloss}");

    // The data are deterministic: a second demo has the same data and model.
    let (dir2, _) = build_demo(&env, "demo2");
    for file in ["data/raw/claims.csv", "data/train.csv", "model/model.json"] {
        assert_eq!(
            std::fs::read(dir.join(file)).expect(file),
            std::fs::read(dir2.join(file)).expect(file),
            "{file} differs between runs"
        );
    }
}

#[test]
fn demo_refuses_a_non_empty_directory() {
    let env = TestEnv::new();
    let dir = env.path("busy");
    write(&dir.join("notes.txt"), "keep me\n");
    let run = env.lineage(env.root(), &["demo", path_str(&dir)]).code(2);
    assert!(run.stderr.contains("error:"), "{}", run.stderr);
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    assert!(run.stderr.contains("not empty"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).expect("notes"),
        "keep me\n"
    );
    let entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(entries, ["notes.txt"]);
    assert!(!dir.join(".git").exists());

    // A file where the directory should be is refused too.
    let file = env.path("plain-file");
    write(&file, "x");
    let run = env.lineage(env.root(), &["demo", path_str(&file)]).code(2);
    assert!(run.stderr.contains("error:"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&file).expect("file"), "x");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn the_checked_in_example_verifies() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join(".lineage-example");
    assert!(example.join("config.yaml").is_file());
    assert!(example.join("README.md").is_file());
    let env = TestEnv::new();
    let repo = env.repo("example");
    std::fs::remove_dir_all(repo.join(".lineage")).expect("remove .lineage");
    copy_dir(&example, &repo.join(".lineage"));

    let files = record_files(&repo);
    assert_eq!(files.len(), ALL_KINDS.len(), "{files:?}");
    let verified = env
        .lineage(&repo, &["verify", "--format", "json"])
        .success()
        .json();
    assert_eq!(verified["records"], ALL_KINDS.len());
    assert_eq!(verified["problems"], serde_json::json!([]));
    let text = env.lineage(&repo, &["verify"]).success();
    assert!(
        text.stdout
            .contains(&format!("ok: {} records", ALL_KINDS.len())),
        "{}",
        text.stdout
    );

    let mut kinds = Vec::new();
    let mut seeds = Vec::new();
    for file in files {
        let id = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("id")
            .to_string();
        let bytes = std::fs::read(&file).expect("record");
        assert_eq!(crate::common::b3(&bytes), id, "{}", file.display());
        let record = show(&env, &repo, &id);
        kinds.push(record["kind"].as_str().expect("kind").to_string());
        assert!(
            STEPS.iter().any(|(_, name)| record["name"] == *name),
            "{record:#}"
        );
        if record["kind"] == "train" {
            seeds.push(record["seed"].as_u64().expect("seed"));
        }
        env.lineage(&repo, &["show", &id[..8]]).success();
    }
    kinds.sort();
    let mut expected: Vec<String> = ALL_KINDS.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(kinds, expected);
    seeds.sort();
    assert_eq!(seeds, [7, 42]);
    // The registry folds from the records alone: production is v1 again.
    let resolved = env
        .lineage(
            &repo,
            &[
                "registry",
                "resolve",
                "fraud-model@production",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(resolved["version"], "v1");
    assert_eq!(resolved["path"], "model/model.json");
}
