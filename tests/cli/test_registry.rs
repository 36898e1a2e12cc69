//! `registry`: the model registry's lifecycle (register, approve, promote,
//! rollback, resolve), `model:` REFs in `graph`, version conflicts across
//! merged branches reported by `verify`, and the refusals.

use std::path::{Path, PathBuf};

use crate::common::{TestEnv, b3, commit_all, graph_json, hint_line, record_step, write};

const RAW: &[u8] = b"id,amount\n1,9.99\n2,12.50\n";
const MODEL_V1: &[u8] = b"model weights v1\n";
const MODEL_V2: &[u8] = b"model weights v2\n";

/// A repository with raw data and a committed training record of `model.bin`.
fn trained_repo(env: &TestEnv, name: &str) -> (PathBuf, String) {
    let repo = env.repo(name);
    write(&repo.join("data/raw.csv"), RAW);
    write(&repo.join("model/model.bin"), MODEL_V1);
    commit_all(env, &repo, "data and config");
    let train = record_step(
        env,
        &repo,
        "train",
        "fraud-train",
        &[
            "--commit",
            "-i",
            "dataset=data/raw.csv",
            "-o",
            "model=model/model.bin",
        ],
    );
    (repo, train)
}

/// Run a registry event command with `--commit`; return the id it prints.
#[track_caller]
fn event(env: &TestEnv, repo: &Path, args: &[&str]) -> String {
    let mut all = vec!["registry"];
    all.extend_from_slice(args);
    all.push("--commit");
    let id = env.lineage(repo, &all).success().stdout.trim().to_string();
    assert_eq!(id.len(), 64, "not a record id: {id}");
    id
}

#[test]
fn lifecycle_register_approve_promote_rollback_resolve() {
    let env = TestEnv::new();
    let (repo, train) = trained_repo(&env, "repo");
    let v1 = event(
        &env,
        &repo,
        &[
            "register",
            "fraud",
            "--artifact",
            "model/model.bin",
            "--description",
            "first",
        ],
    );
    let register = crate::common::load_record(&repo, &v1);
    assert_eq!(register["kind"], "registry-register");
    assert_eq!(register["params"]["version"], 1);
    assert_eq!(register["references"][0], train.as_str());
    assert_eq!(register["inputs"][0]["role"], "model");
    assert_eq!(
        register["inputs"][0]["hash"],
        format!("blake3:{}", b3(MODEL_V1))
    );

    let approve = event(
        &env,
        &repo,
        &["approve", "fraud@v1", "--comment", "looks good"],
    );
    let approval = crate::common::load_record(&repo, &approve);
    assert_eq!(approval["agent"]["name"], "Jane Doe");
    assert_eq!(approval["references"][0], v1.as_str());
    event(
        &env,
        &repo,
        &["promote", "fraud@v1", "--stage", "production"],
    );

    // v2: a retrained model, registered by hash with --from.
    write(&repo.join("model/model.bin"), MODEL_V2);
    let train2 = record_step(
        &env,
        &repo,
        "train",
        "fraud-train",
        &[
            "--commit",
            "-i",
            "dataset=data/raw.csv",
            "-o",
            "model=model/model.bin",
        ],
    );
    let hash2 = format!("blake3:{}", b3(MODEL_V2));
    let v2 = event(
        &env,
        &repo,
        &["register", "fraud", "--artifact", &hash2, "--from", &train2],
    );
    assert_eq!(
        crate::common::load_record(&repo, &v2)["params"]["version"],
        2
    );
    event(
        &env,
        &repo,
        &["promote", "fraud@v2", "--stage", "production"],
    );
    let resolved = env
        .lineage(&repo, &["registry", "resolve", "fraud@production"])
        .success();
    assert!(
        resolved.stdout.contains("version:  v2"),
        "{}",
        resolved.stdout
    );

    let rollback = event(&env, &repo, &["rollback", "fraud", "--stage", "production"]);
    let back = crate::common::load_record(&repo, &rollback);
    assert_eq!(back["kind"], "registry-rollback");
    assert_eq!(back["params"]["version"], 1);
    assert_eq!(back["params"]["from"], 2);

    let text = env
        .lineage(&repo, &["registry", "resolve", "fraud@production"])
        .success();
    assert_eq!(
        text.stdout,
        format!(
            "model:    fraud\nversion:  v1\nstage:    production\npath:     model/model.bin\nhash:     blake3:{}\nrecord:   {v1}\nproduced: {train}\n",
            b3(MODEL_V1)
        )
    );
    let json = env
        .lineage(
            &repo,
            &["registry", "resolve", "fraud@v2", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(
        json,
        serde_json::json!({
            "model": "fraud",
            "version": "v2",
            "path": "model/model.bin",
            "hash": hash2,
            "record": v2,
            "produced_by": train2,
        })
    );
    let text2 = env
        .lineage(&repo, &["registry", "resolve", "fraud@v2"])
        .success();
    assert_eq!(
        text2.stdout,
        format!(
            "model:    fraud\nversion:  v2\npath:     model/model.bin\nhash:     {hash2}\nrecord:   {v2}\nproduced: {train2}\n"
        )
    );

    // show: versions, reviews with the commit author, stages, every event.
    let show = env.lineage(&repo, &["registry", "show", "fraud"]).success();
    assert!(
        show.stdout.contains("stages: production=v1"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout
            .contains("approved by: Jane Doe <jane@example.com> (commit "),
        "{}",
        show.stdout
    );
    assert!(show.stdout.contains(": looks good"), "{}", show.stdout);
    assert_eq!(
        show.stdout.matches("registry-").count(),
        6,
        "{}",
        show.stdout
    );
    let list = env.lineage(&repo, &["registry", "list"]).success();
    assert_eq!(
        list.stdout,
        "MODEL  LATEST  STAGES\nfraud  v2      production=v1\n"
    );

    // The production model's audit trail reaches the training run and its data.
    let graph = graph_json(&env, &repo, &["model:fraud@production", "--up"]);
    let ids = graph.node_ids();
    assert!(ids.contains(&format!("record:{train}")), "{ids:?}");
    assert!(ids.contains(&format!("blake3:{}", b3(RAW))), "{ids:?}");
    assert!(!ids.contains(&format!("record:{train2}")), "{ids:?}");

    // Every event was committed (only the retrained model file differs).
    let status = env.git(&repo, &["status", "--porcelain"]);
    assert_eq!(status, " M model/model.bin\n");
    env.lineage(&repo, &["verify", "--history"]).success();
}

#[test]
fn the_same_version_on_two_merged_branches_is_a_conflict() {
    let env = TestEnv::new();
    let (repo, _) = trained_repo(&env, "repo");
    event(
        &env,
        &repo,
        &["register", "fraud", "--artifact", "model/model.bin"],
    );
    env.git(&repo, &["checkout", "-q", "-b", "other"]);
    write(&repo.join("model/model.bin"), MODEL_V2);
    record_step(
        &env,
        &repo,
        "train",
        "fraud-train",
        &["--commit", "-o", "model=model/model.bin"],
    );
    let theirs = event(
        &env,
        &repo,
        &["register", "fraud", "--artifact", "model/model.bin"],
    );
    env.git(&repo, &["checkout", "-q", "main"]);
    write(&repo.join("model/model.bin"), b"model weights v2 on main\n");
    record_step(
        &env,
        &repo,
        "train",
        "fraud-train",
        &["--commit", "-o", "model=model/model.bin"],
    );
    let ours = event(
        &env,
        &repo,
        &["register", "fraud", "--artifact", "model/model.bin"],
    );
    env.git(&repo, &["merge", "-q", "--no-edit", "other"]);

    let verify = env.lineage(&repo, &["verify", "--history"]).code(1);
    assert!(verify.stdout.contains("fraud@v2"), "{}", verify.stdout);
    assert!(verify.stdout.contains(&ours), "{}", verify.stdout);
    assert!(verify.stdout.contains(&theirs), "{}", verify.stdout);
}

#[test]
fn refusals_exit_2_with_a_hint() {
    let env = TestEnv::new();
    let (repo, _) = trained_repo(&env, "repo");
    event(
        &env,
        &repo,
        &["register", "fraud", "--artifact", "model/model.bin"],
    );
    for (args, message) in [
        (
            &["promote", "fraud@v1", "--stage", "prod"][..],
            "'prod' is not a stage (stages in .lineage/config.yaml: staging, production, archived)",
        ),
        (
            &["promote", "fraud@v7", "--stage", "production"][..],
            "model 'fraud' has no version v7",
        ),
        (
            &["rollback", "fraud", "--stage", "production"][..],
            "stage 'production' of model 'fraud' has no previous version to roll back to",
        ),
        (
            &["resolve", "fraud@staging"][..],
            "model 'fraud' has no version in stage 'staging'",
        ),
        (
            &["approve", "nope@v1"][..],
            "no model named 'nope' is registered",
        ),
    ] {
        let mut all = vec!["registry"];
        all.extend_from_slice(args);
        let run = env.lineage(&repo, &all).code(2);
        assert_eq!(
            run.stderr.lines().next(),
            Some(format!("error: {message}").as_str()),
            "{args:?}: {}",
            run.stderr
        );
        assert!(hint_line(&run.stderr).is_some(), "{}", run.stderr);
    }
    // A deprecated version cannot be promoted.
    event(&env, &repo, &["deprecate", "fraud@v1"]);
    let run = env
        .lineage(
            &repo,
            &["registry", "promote", "fraud@v1", "--stage", "staging"],
        )
        .code(2);
    assert!(
        run.stderr.contains("fraud@v1 is deprecated"),
        "{}",
        run.stderr
    );
    // No record produced these bytes and no --from: refused before writing.
    write(&repo.join("other.bin"), b"unrecorded");
    let run = env
        .lineage(
            &repo,
            &["registry", "register", "fraud", "--artifact", "other.bin"],
        )
        .code(2);
    assert!(run.stderr.contains("no record lists"), "{}", run.stderr);
}

/// `test_help` checks top-level subcommands only; this checks every
/// registry subcommand's long options against the `## registry` section.
#[test]
fn every_registry_option_is_documented() {
    let env = TestEnv::new();
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md"))
        .expect("docs/cli.md");
    let start = docs.find("\n## registry\n").expect("a ## registry section");
    let section = &docs[start..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |i| i + 1)];
    for sub in [
        "register",
        "approve",
        "reject",
        "promote",
        "rollback",
        "deprecate",
        "list",
        "show",
        "resolve",
    ] {
        assert!(
            section.contains(&format!("git lineage registry {sub}")),
            "docs/cli.md does not document `git lineage registry {sub}`"
        );
        let help = env
            .lineage(env.root(), &["registry", sub, "--help"])
            .success();
        let options: Vec<&str> = help
            .stdout
            .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']' || c == '=')
            .filter(|w| w.starts_with("--") && w.len() > 2)
            .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
            .filter(|w| w[2..].chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .collect();
        assert!(options.contains(&"--help"), "{sub}: {}", help.stdout);
        for option in options {
            assert!(
                option == "--help" || option == "--quiet" || section.contains(option),
                "the ## registry section of docs/cli.md does not mention `{option}` of `registry {sub}`"
            );
        }
    }
}
