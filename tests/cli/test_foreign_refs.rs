//! Foreign references: `record --ref REMOTE:REF` names a record of another
//! repository (a lineage remote) in the record's `imports:`, with the
//! remote's name and URL and the commit that introduced it, like DVC's
//! `url` + `rev_lock`. Real repositories pushed to local bare remotes.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{Run, TestEnv, hint_line, write};
use crate::test_remotes::{connect, register_in_production, repo, step};

const CLAIMS: &str = "id,amount\n1,10\n2,20\n3,3000\n";
const FEATURES: &str = "id,amount,log_amount\n1,10,2.3\n2,20,3.0\n3,3000,8.0\n";
/// What the model team trains on: its own file, sharing no bytes with the
/// feature team's output, so only the foreign reference links them.
const TRAIN: &str = "id,f\n1,0.5\n2,0.7\n";

/// A feature repository with one pushed step, and a model repository that
/// declares it as lineage remote `features` (config committed and pushed)
/// and has fetched it.
pub(crate) struct Pair {
    pub(crate) features: PathBuf,
    pub(crate) model: PathBuf,
    /// The feature step's record id.
    pub(crate) featurize: String,
    /// The feature repository's commit that introduced it.
    pub(crate) featurize_commit: String,
}

pub(crate) fn pair(env: &TestEnv) -> Pair {
    let features = repo(env, "features");
    write(&features.join("input/claims.csv"), CLAIMS);
    write(&features.join("out/claims-features.csv"), FEATURES);
    let featurize = step(
        env,
        &features,
        &[
            "--kind",
            "process",
            "--name",
            "claims-features",
            "-i",
            "input/claims.csv",
            "-o",
            "out/claims-features.csv",
        ],
    );
    let featurize_commit = env
        .git(&features, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    let model = repo(env, "model");
    connect(env, &model, &["features"]);
    env.git(
        &model,
        &["commit", "-q", "-am", "declare the features remote"],
    );
    env.git(&model, &["push", "-q", "origin", "main"]);
    write(&model.join("train.csv"), TRAIN);
    write(&model.join("model.bin"), "weights\n");
    Pair {
        features,
        model,
        featurize,
        featurize_commit,
    }
}

/// Record the model's training step in `dir` reading `input`, referring
/// to `reference`; committed and pushed. Its JSON output.
pub(crate) fn train(env: &TestEnv, dir: &Path, input: &str, reference: &str) -> Value {
    let run = env
        .lineage(
            dir,
            &[
                "record",
                "--kind",
                "train",
                "--name",
                "fraud",
                "-i",
                input,
                "-o",
                "model.bin",
                "--ref",
                reference,
                "--commit",
                "--format",
                "json",
            ],
        )
        .success();
    env.git(dir, &["push", "-q", "origin", "main"]);
    run.json()
}

#[test]
fn record_ref_remote_names_the_repository_and_pins_the_record() {
    let env = TestEnv::new();
    let pair = pair(&env);
    let out = train(
        &env,
        &pair.model,
        "train.csv",
        "features:name:claims-features",
    );
    assert_eq!(
        out["record"]["imports"],
        json!([{
            "repository": "features",
            "url": "../features.git",
            "record": pair.featurize,
            "commit": pair.featurize_commit,
        }])
    );
    assert!(out["record"].get("references").is_none(), "{out:#}");
    let typed: crate::json_contract::RecordOutput =
        serde_json::from_value(out.clone()).expect("record JSON contract");
    let imports = typed.record.imports.expect("imports");
    assert_eq!(
        (imports[0].repository.as_str(), imports[0].commit.as_deref()),
        ("features", Some(pair.featurize_commit.as_str()))
    );
    // The manifest holds the same, after the outputs.
    let id = out["id"].as_str().expect("id");
    assert_eq!(
        crate::common::load_record(&pair.model, id)["imports"],
        out["record"]["imports"]
    );
    let text =
        std::fs::read_to_string(crate::common::record_path(&pair.model, id)).expect("record");
    let at = |key: &str| {
        text.find(&format!("\n{key}:\n"))
            .unwrap_or_else(|| panic!("{key}: {text}"))
    };
    assert!(at("outputs") < at("imports"), "{text}");
    let shown = env.lineage(&pair.model, &["show", id]).success();
    assert!(
        shown.stdout.contains(&format!(
            "refers   features:{} (../features.git)\n",
            pair.featurize
        )),
        "{}",
        shown.stdout
    );

    // A prefix names the same record; `run` takes it too. An unqualified
    // REF keeps meaning this repository's record (`references`).
    let prefix = format!("features:{}", &pair.featurize[..10]);
    let ran = env
        .lineage(
            &pair.model,
            &[
                "run",
                "--kind",
                "evaluate",
                "--name",
                "fraud-eval",
                "--ref",
                &prefix,
                "--ref",
                "name:fraud",
                "--format",
                "json",
                "--",
                "true",
            ],
        )
        .success()
        .json();
    assert_eq!(
        ran["recorded"]["record"]["imports"][0]["record"],
        pair.featurize.as_str()
    );
    assert_eq!(ran["recorded"]["record"]["references"], json!([id]));
}

#[test]
fn bad_foreign_references_are_refused_with_what_to_do() {
    let env = TestEnv::new();
    let pair = pair(&env);
    let dir = &pair.model;
    let before = crate::common::record_files(dir).len();
    let refused = |reference: &str| {
        env.lineage(
            dir,
            &[
                "record", "--kind", "train", "--name", "m", "--ref", reference,
            ],
        )
        .code(2)
    };
    // A remote that is not declared.
    let run = refused("nosuch:abcd");
    assert_undeclared_remote(&run, "nosuch:abcd", "nosuch", "features");
    // Declared but not fetched yet.
    env.lineage(dir, &["remote", "add", "later", "../features.git"])
        .success();
    let run = refused("later:name:claims-features");
    assert_unfetched_remote(&run, "later");
    // Fetched, but no such record there.
    let run = refused("features:name:nope");
    assert!(
        run.stderr
            .starts_with("error: no record matches 'features:name:nope'"),
        "{}",
        run.stderr
    );
    // Only record forms take a qualifier.
    let run = refused("features:out/claims-features.csv");
    assert!(
        run.stderr
            .contains("only a record id, prefix, name:NAME or model:NAME@STAGE"),
        "{}",
        run.stderr
    );
    assert_eq!(
        crate::common::record_files(dir).len(),
        before,
        "nothing written"
    );

    // A hand-written foreign reference that breaks a rule is a schema
    // problem naming the field, or its line when it is not the shape.
    let base = |import: &str| {
        format!(
            "schema: git-lineage/v1\nkind: train\nname: m\nrecorded: '2026-11-22T10:00:00.000000Z'\nagent:\n  name: J\n  email: j@example.com\ncode:\n  dirty: false\nenvironment:\n  os: linux\n  arch: x86_64\n  tool: git-lineage 0.1.0\nimports:\n{import}"
        )
    };
    let record = format!("{:0>64}", "1");
    crate::common::store_raw_record(
        dir,
        base(&format!(
            "- repository: features\n  url: ../features.git\n  record: {record}\n  commit: xyz\n"
        ))
        .as_bytes(),
    );
    crate::common::store_raw_record(
        dir,
        base(&format!(
            "- repository: features\n  url: ../features.git\n  record: {record}\n  rev: main\n"
        ))
        .as_bytes(),
    );
    let run = env.lineage(dir, &["verify"]).code(1);
    assert!(
        run.stdout
            .contains(": schema: field 'imports[0].commit': 'xyz' is not a git commit id\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            ": schema: line 18, column 3: imports[0]: unknown field `rev`, expected one of `repository`, `url`, `record`, `commit`\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_qualified_model_ref_names_what_that_repository_promoted() {
    let env = TestEnv::new();
    let models = repo(&env, "models");
    write(&models.join("model.bin"), "weights v1\n");
    let train = step(
        &env,
        &models,
        &[
            "--kind",
            "train",
            "--name",
            "fraud-train",
            "-o",
            "model.bin",
        ],
    );
    register_in_production(&env, &models, "fraud", false);
    env.git(&models, &["push", "-q", "origin", "main"]);
    let app = repo(&env, "app");
    connect(&env, &app, &["models"]);

    let shown = env
        .lineage(
            &app,
            &["show", "models:model:fraud@production", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(shown["id"], train.as_str());
    assert_eq!(shown["repository"]["name"], "models");
    let up = crate::common::graph_json(&env, &app, &["models:model:fraud@v1", "--up"]);
    assert!(
        up.node_ids().contains(&format!("record:{train}")),
        "{:?}",
        up.node_ids()
    );
    // A deploy step pins the production model of the models repository.
    write(&app.join("endpoint.yaml"), "model: fraud\n");
    let deployed = env
        .lineage(
            &app,
            &[
                "record",
                "--kind",
                "deploy",
                "--name",
                "fraud-endpoint",
                "-o",
                "endpoint.yaml",
                "--ref",
                "models:model:fraud@production",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(deployed["record"]["imports"][0]["record"], train.as_str());
    assert_eq!(deployed["record"]["imports"][0]["repository"], "models");
    // A stage that repository's registry does not hold.
    let run = env
        .lineage(&app, &["show", "models:model:fraud@staging"])
        .code(2);
    assert!(
        run.stderr.starts_with("error: 'model:fraud@staging': "),
        "{}",
        run.stderr
    );
}

#[test]
fn verify_warns_about_a_foreign_reference_it_cannot_resolve_yet() {
    let env = TestEnv::new();
    let pair = pair(&env);
    let out = train(
        &env,
        &pair.model,
        "train.csv",
        "features:name:claims-features",
    );
    let id = out["id"].as_str().expect("id").to_string();
    // Where it was recorded, the remote is fetched: clean, no warning.
    let run = env.lineage(&pair.model, &["verify"]).success();
    assert_eq!(run.stdout, "ok: 1 record verified\n");
    assert_eq!(run.stderr, "");

    // A fresh clone has the remote declared but nothing fetched: a warning,
    // exit 0.
    let clone = env.path("model-clone");
    env.git(
        env.root(),
        &[
            "clone",
            "-q",
            "-b",
            "main",
            "model.git",
            clone.to_str().expect("utf-8"),
        ],
    );
    let run = env.lineage(&clone, &["verify"]).success();
    assert_eq!(run.stdout, "ok: 1 record verified\n");
    let rel = crate::common::record_rel_path(&id);
    assert_eq!(
        run.stderr,
        format!(
            "warning: {rel} refers to record {} of repository features (../features.git), which has not been fetched yet, so it was not checked: run `git lineage fetch features`\n",
            &pair.featurize[..12]
        )
    );
    let json = env
        .lineage(&clone, &["verify", "--format", "json"])
        .success()
        .json();
    let typed: crate::json_contract::VerifyOutput =
        serde_json::from_value(json.clone()).expect("verify JSON contract");
    assert!(typed.problems.is_empty(), "{json:#}");
    assert!(
        json["warnings"][0]
            .as_str()
            .is_some_and(|w| w.ends_with("run `git lineage fetch features`")),
        "{json:#}"
    );
    // After the fetch: clean, no warning.
    env.lineage(&clone, &["fetch", "features"]).success();
    let run = env.lineage(&clone, &["verify"]).success();
    assert_eq!(
        (run.stdout.as_str(), run.stderr.as_str()),
        ("ok: 1 record verified\n", "")
    );

    // The feature team rewrites its branch without the record: fetched, but
    // not there, is a warning too.
    env.git(&pair.features, &["reset", "-q", "--hard", "HEAD~1"]);
    env.git(&pair.features, &["push", "-q", "-f", "origin", "main"]);
    env.lineage(&clone, &["fetch", "features"]).success();
    let run = env.lineage(&clone, &["verify"]).success();
    assert!(
        run.stderr.starts_with(&format!(
            "warning: {rel} refers to record {} of repository features (../features.git), which is not in its fetched history (refs/lineage/features/), so it was not checked: run `git lineage fetch features`",
            &pair.featurize[..12]
        )),
        "{}",
        run.stderr
    );
    // A remote no longer declared: a warning naming how to declare it.
    env.lineage(&clone, &["remote", "remove", "features"])
        .success();
    let run = env.lineage(&clone, &["verify"]).success();
    assert!(
        run.stderr.contains(
            "which is not a lineage remote here, so it was not checked: declare it with `git lineage remote add features ../features.git`, then `git lineage fetch features`"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_foreign_record_that_wrote_other_bytes_is_a_problem() {
    let env = TestEnv::new();
    let pair = pair(&env);
    // The model team's copy of the feature file is not what the feature
    // step wrote.
    write(&pair.model.join("data/claims-features.csv"), "id\n1\n");
    let out = train(
        &env,
        &pair.model,
        "data/claims-features.csv",
        "features:name:claims-features",
    );
    let rel = crate::common::record_rel_path(out["id"].as_str().expect("id"));
    let run = env.lineage(&pair.model, &["verify"]).code(1);
    let line = run
        .stdout
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no problem line:\n{}", run.stdout));
    assert!(
        line.starts_with(&format!(
            "{rel}: reference: refers to record {} of repository features (../features.git): this record read 'data/claims-features.csv' as blake3:",
            &pair.featurize[..12]
        )),
        "{line}"
    );
    assert!(
        line.ends_with(&format!(
            "but that record wrote 'out/claims-features.csv' as blake3:{}: the data this step read is not what it produced",
            &crate::common::b3(FEATURES.as_bytes())[..12]
        )),
        "{line}"
    );
    assert_eq!(run.stdout.lines().nth(1), Some("1 problem in 1 record"));
    let json = env
        .lineage(&pair.model, &["verify", "--format", "json"])
        .code(1)
        .json();
    let typed: crate::json_contract::VerifyOutput =
        serde_json::from_value(json.clone()).expect("verify JSON contract");
    assert_eq!(typed.problems.len(), 1, "{json:#}");
    assert_eq!(typed.problems[0].check, "reference");

    // The same bytes under the same name are fine.
    write(&pair.model.join("data/claims-features.csv"), FEATURES);
    let out = train(
        &env,
        &pair.model,
        "data/claims-features.csv",
        "features:name:claims-features",
    );
    let good = crate::common::record_rel_path(out["id"].as_str().expect("id"));
    let run = env.lineage(&pair.model, &["verify"]).code(1);
    assert!(!run.stdout.contains(&good), "{}", run.stdout);
}

#[test]
fn a_foreign_record_edited_in_its_history_is_a_problem() {
    let env = TestEnv::new();
    let pair = pair(&env);
    let out = train(
        &env,
        &pair.model,
        "train.csv",
        "features:name:claims-features",
    );
    let rel = crate::common::record_rel_path(out["id"].as_str().expect("id"));
    // The feature team edits its committed record and pushes.
    let foreign = pair
        .features
        .join(crate::common::record_rel_path(&pair.featurize));
    let mut bytes = std::fs::read(&foreign).expect("record");
    bytes.extend_from_slice(b"# edited after the fact\n");
    write(&foreign, bytes);
    env.git(&pair.features, &["commit", "-q", "-am", "edit a record"]);
    env.git(&pair.features, &["push", "-q", "origin", "main"]);
    env.lineage(&pair.model, &["verify"]).success();
    env.lineage(&pair.model, &["fetch", "features"]).success();
    let run = env.lineage(&pair.model, &["verify"]).code(1);
    assert!(
        run.stdout.starts_with(&format!(
            "{rel}: reference: refers to record {} of repository features (../features.git): in that history its record file does not hash to that id (",
            &pair.featurize[..12]
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn graph_up_with_remotes_follows_a_foreign_reference() {
    let env = TestEnv::new();
    let pair = pair(&env);
    // train.csv shares no bytes with anything the feature step read or
    // wrote: only the foreign reference links the two records.
    let out = train(
        &env,
        &pair.model,
        "train.csv",
        "features:name:claims-features",
    );
    let train_id = out["id"].as_str().expect("id").to_string();
    let up = crate::common::graph_json(&env, &pair.model, &["model.bin", "--up", "--remotes"]);
    assert!(
        up.edge_triples().contains(&(
            format!("record:{}", pair.featurize),
            format!("record:{train_id}"),
            "references".to_string()
        )),
        "{:?}",
        up.edge_triples()
    );
    let foreign = up.node(&format!("record:{}", pair.featurize));
    assert_eq!(
        foreign
            .record
            .as_ref()
            .map(|r| r["repository"]["name"].clone()),
        Some(json!("features"))
    );
    // Past the foreign record, into the other repository's inputs.
    let claims = format!("blake3:{}", crate::common::b3(CLAIMS.as_bytes()));
    assert!(up.node_ids().contains(&claims), "{:?}", up.node_ids());
    let text = env
        .lineage(&pair.model, &["graph", "model.bin", "--up", "--remotes"])
        .success()
        .stdout;
    assert!(
        text.contains(&format!("features:{}", &pair.featurize[..12])),
        "{text}"
    );
    // Without --remotes the other repository is not read.
    let local = crate::common::graph_json(&env, &pair.model, &["model.bin", "--up"]);
    assert!(
        !local
            .node_ids()
            .contains(&format!("record:{}", pair.featurize)),
        "{:?}",
        local.node_ids()
    );
}

#[test]
fn status_remotes_names_foreign_records_and_tracks_only_this_worktree() {
    let env = TestEnv::new();
    let pair = pair(&env);
    let out = train(
        &env,
        &pair.model,
        "train.csv",
        "features:name:claims-features",
    );
    let train_id = out["id"].as_str().expect("id").to_string();
    // A step that wrote nothing (a deploy), referring to the feature step.
    let deploy = env
        .lineage(
            &pair.model,
            &[
                "record",
                "--kind",
                "deploy",
                "--name",
                "fraud-endpoint",
                "--ref",
                "features:name:claims-features",
                "--commit",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    let deploy_id = deploy["id"].as_str().expect("id").to_string();
    env.git(&pair.model, &["push", "-q", "origin", "main"]);
    let dir = &pair.features;
    env.lineage(
        dir,
        &["remote", "add", "models", "../model.git", "--ref", "main"],
    )
    .success();
    env.lineage(dir, &["fetch"]).success();

    // The model repository's paths (train.csv, model.bin) are not this
    // worktree's: not tracked here, so not missing.
    let run = env.lineage(dir, &["status", "--remotes"]).success();
    assert_eq!(run.stdout, "clean: 2 tracked artifacts unchanged\n");

    // The feature step's input changes: the records that refer to it in the
    // model repository are stale, and say which repository they are in.
    write(&dir.join("input/claims.csv"), "id,amount\n1,11\n");
    let run = env.lineage(dir, &["status", "--remotes"]).code(1);
    let text = run.stdout;
    assert!(
        text.contains(&format!(
            "stale: model.bin (train fraud {}, repository models) — downstream of input/claims.csv, which changed since\n",
            &crate::common::rev_parse(&env, &pair.model, "HEAD~1")[..12]
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "stale: record models:{} deploy fraud-endpoint (commit ",
            &deploy_id[..12]
        )),
        "{text}"
    );
    assert!(
        text.ends_with(
            "1 of 2 tracked artifacts changed; 3 records and 2 outputs stale downstream\n"
        ),
        "{text}"
    );
    let json = env
        .lineage(dir, &["status", "--remotes", "--format", "json"])
        .code(1)
        .json();
    let stale: Vec<(&str, Option<&str>)> = json["stale_records"]
        .as_array()
        .expect("stale_records")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or(""),
                r["repository"]["name"].as_str(),
            )
        })
        .collect();
    assert!(
        stale.contains(&(train_id.as_str(), Some("models"))),
        "{json:#}"
    );
    assert!(stale.contains(&(pair.featurize.as_str(), None)), "{json:#}");
}

/// `run` was refused for naming `remote` in `reference`, which is not a
/// declared lineage remote (`declared` are): the exact error and hint.
#[track_caller]
pub(crate) fn assert_undeclared_remote(run: &Run, reference: &str, remote: &str, declared: &str) {
    assert_refused(
        run,
        &format!(
            "error: '{reference}': no lineage remote '{remote}' is declared in .lineage/config.yaml (declared: {declared}), and no file or record matches it"
        ),
        &format!(
            "declare the repository with `git lineage remote add {remote} URL`, then `git lineage fetch {remote}` (docs/multi-repo.md)"
        ),
    );
}

/// `run` was refused for naming `remote`, declared but not fetched: the
/// exact error, and the hint to fetch it.
#[track_caller]
pub(crate) fn assert_unfetched_remote(run: &Run, remote: &str) {
    assert_refused(
        run,
        &format!(
            "error: lineage remote '{remote}' has not been fetched (no refs under refs/lineage/{remote}/)"
        ),
        &format!(
            "run `git lineage fetch` first (`git lineage fetch {remote}` fetches this remote alone); `git lineage remote list` shows the remotes declared in .lineage/config.yaml"
        ),
    );
}

/// `run`'s stderr starts with `error` and gives `hint`.
#[track_caller]
fn assert_refused(run: &Run, error: &str, hint: &str) {
    assert_eq!(run.stderr.lines().next(), Some(error), "{}", run.stderr);
    assert_eq!(hint_line(&run.stderr), Some(hint), "{}", run.stderr);
}
