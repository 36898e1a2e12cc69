//! `registry register NAME --artifact … --from REMOTE:REF`: a platform
//! repository registers a model another repository trained. The producer
//! is resolved in that lineage remote's fetched history and stored as the
//! event's `imports`; `registry show`/`list`/`resolve` name its repository,
//! and `verify --history` checks it like any foreign reference. Real
//! repositories pushed to local bare remotes.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{TestEnv, write};
use crate::test_foreign_refs::{assert_undeclared_remote, assert_unfetched_remote};
use crate::test_remotes::{connect, repo, step};

const WEIGHTS: &str = "weights v1\n";

/// A model repository that trained `model.bin` (pushed), and a platform
/// repository that declares it as lineage remote `models`, has fetched it,
/// and holds the same model file.
struct Platform {
    platform: PathBuf,
    /// The training record's id in the model repository.
    train: String,
    /// The model repository's commit that introduced it.
    train_commit: String,
}

fn platform(env: &TestEnv) -> Platform {
    let models = repo(env, "models");
    write(&models.join("train.csv"), "id,f\n1,0.5\n");
    write(&models.join("model.bin"), WEIGHTS);
    let train = step(
        env,
        &models,
        &[
            "--kind",
            "train",
            "--name",
            "fraud",
            "-i",
            "train.csv",
            "-o",
            "model.bin",
        ],
    );
    let train_commit = env.git(&models, &["rev-parse", "HEAD"]).trim().to_string();
    let platform = repo(env, "platform");
    connect(env, &platform, &["models"]);
    env.git(
        &platform,
        &["commit", "-q", "-am", "declare the models remote"],
    );
    write(&platform.join(".gitignore"), "model.bin\n");
    write(&platform.join("model.bin"), WEIGHTS);
    env.git(&platform, &["add", ".gitignore"]);
    env.git(&platform, &["commit", "-q", "-m", "ignore the model"]);
    Platform {
        platform,
        train,
        train_commit,
    }
}

/// `registry register fraud --artifact model.bin --from FROM --commit` in
/// `dir`: its JSON output.
fn register(env: &TestEnv, dir: &Path, from: &str) -> Value {
    env.lineage(
        dir,
        &[
            "registry",
            "register",
            "fraud",
            "--artifact",
            "model.bin",
            "--from",
            from,
            "--commit",
            "--format",
            "json",
        ],
    )
    .success()
    .json()
}

#[test]
fn register_from_a_remote_names_the_producer_and_its_repository() {
    let env = TestEnv::new();
    let p = platform(&env);
    let dir = &p.platform;
    let out = register(&env, dir, "models:name:fraud");
    let import = json!({
        "repository": "models",
        "url": "../models.git",
        "record": p.train,
        "commit": p.train_commit,
    });
    // The event imports the producing record; it has no local reference.
    assert_eq!(out["record"]["imports"], json!([import]));
    assert!(out["record"].get("references").is_none(), "{out:#}");
    let event = out["id"].as_str().expect("id").to_string();
    assert_eq!(
        crate::common::load_record(dir, &event)["imports"],
        json!([import])
    );

    // show: the producer as a qualified REF with the repository's URL.
    let shown = env.lineage(dir, &["registry", "show", "fraud"]).success();
    assert!(
        shown.stdout.contains(&format!(
            "\n    produced by: models:{} (../models.git)\n",
            p.train
        )),
        "{}",
        shown.stdout
    );
    let json = env
        .lineage(dir, &["registry", "show", "fraud", "--format", "json"])
        .success()
        .json();
    let typed: crate::json_contract::RegistryShow =
        serde_json::from_value(json.clone()).expect("registry show JSON contract");
    let v1 = &typed.model.versions["1"];
    assert_eq!(v1.produced_by.as_deref(), Some(p.train.as_str()));
    let produced_in = v1.produced_in.as_ref().expect("produced_in");
    assert_eq!(
        (produced_in.repository.as_str(), produced_in.url.as_str()),
        ("models", "../models.git")
    );
    assert_eq!(json["model"]["versions"]["1"]["produced_in"], import);

    // list: JSON names it too; the text table is unchanged.
    let listed = env
        .lineage(dir, &["registry", "list", "--format", "json"])
        .success()
        .json();
    let _: crate::json_contract::RegistryList =
        serde_json::from_value(listed.clone()).expect("registry list JSON contract");
    assert_eq!(listed["models"][0]["versions"]["1"]["produced_in"], import);
    let run = env.lineage(dir, &["registry", "list"]).success();
    assert_eq!(run.stdout, "MODEL  LATEST  STAGES\nfraud  v1      -\n");

    // resolve: the producer with its repository.
    let run = env
        .lineage(dir, &["registry", "resolve", "fraud@v1"])
        .success();
    assert!(
        run.stdout.ends_with(&format!(
            "record:   {event}\nproduced: models:{} (../models.git)\n",
            p.train
        )),
        "{}",
        run.stdout
    );
    let resolved = env
        .lineage(
            dir,
            &["registry", "resolve", "fraud@v1", "--format", "json"],
        )
        .success()
        .json();
    let _: crate::json_contract::Resolved =
        serde_json::from_value(resolved.clone()).expect("registry resolve JSON contract");
    assert_eq!(resolved["produced_in"], import);

    // verify --history: the remote is fetched and has the record, which
    // wrote these bytes: clean, no warning.
    let run = env.lineage(dir, &["verify", "--history"]).success();
    assert!(run.stdout.starts_with("ok: "), "{}", run.stdout);
    assert_eq!(run.stderr, "");

    // A fresh clone has not fetched the remote: a warning saying what to
    // run, exit 0; after the fetch, clean.
    env.git(dir, &["push", "-q", "origin", "main"]);
    let clone = env.path("platform-clone");
    env.git(
        env.root(),
        &[
            "clone",
            "-q",
            "-b",
            "main",
            "platform.git",
            clone.to_str().expect("utf-8"),
        ],
    );
    let run = env.lineage(&clone, &["verify", "--history"]).success();
    assert!(run.stdout.starts_with("ok: "), "{}", run.stdout);
    assert_eq!(
        run.stderr,
        format!(
            "warning: {} refers to record {} of repository models (../models.git), which has not been fetched yet, so it was not checked: run `git lineage fetch models`\n",
            crate::common::record_rel_path(&event),
            &p.train[..12]
        )
    );
    env.lineage(&clone, &["fetch", "models"]).success();
    let run = env.lineage(&clone, &["verify", "--history"]).success();
    assert_eq!(run.stderr, "");
}

#[test]
fn a_model_file_other_than_the_producers_output_is_a_problem() {
    let env = TestEnv::new();
    let p = platform(&env);
    let dir = &p.platform;
    write(&dir.join("model.bin"), "weights v2, retrained here\n");
    let out = register(&env, dir, &format!("models:{}", &p.train[..12]));
    assert_eq!(out["record"]["imports"][0]["record"], p.train.as_str());
    let run = env.lineage(dir, &["verify", "--history"]).code(1);
    assert!(
        run.stdout.contains(&format!(
            ": reference: refers to record {} of repository models (../models.git): this record read 'model.bin' as ",
            &p.train[..12]
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn register_from_an_unknown_or_unfetched_remote_is_refused_with_what_to_do() {
    let env = TestEnv::new();
    let p = platform(&env);
    let dir = &p.platform;
    let before = crate::common::record_files(dir).len();
    let refused = |from: &str| {
        env.lineage(
            dir,
            &[
                "registry",
                "register",
                "fraud",
                "--artifact",
                "model.bin",
                "--from",
                from,
            ],
        )
        .code(2)
    };
    // Not declared.
    let run = refused("nosuch:name:fraud");
    assert_undeclared_remote(&run, "nosuch:name:fraud", "nosuch", "models");
    // Declared, not fetched.
    env.lineage(dir, &["remote", "add", "later", "../models.git"])
        .success();
    let run = refused("later:name:fraud");
    assert_unfetched_remote(&run, "later");
    // Fetched, no such record there.
    let run = refused("models:name:nope");
    assert!(
        run.stderr
            .starts_with("error: no record matches 'models:name:nope'"),
        "{}",
        run.stderr
    );
    assert_eq!(
        crate::common::record_files(dir).len(),
        before,
        "nothing written"
    );
}

#[test]
fn a_model_ref_names_the_registration_unless_the_foreign_producer_is_read() {
    let env = TestEnv::new();
    let p = platform(&env);
    let dir = &p.platform;
    let event = register(&env, dir, "models:name:fraud")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let shown = |args: &[&str]| -> String {
        let mut all = vec!["show", "model:fraud@v1", "--format", "json"];
        all.extend_from_slice(args);
        env.lineage(dir, &all).success().json()["id"]
            .as_str()
            .expect("id")
            .to_string()
    };
    // This history does not hold the producer: the version is its event.
    assert_eq!(shown(&[]), event);
    // Read with the remote's history, it is the producing record.
    assert_eq!(shown(&["--remotes"]), p.train);
    // So a record referring to the version refers to a record that exists.
    let out = env
        .lineage(
            dir,
            &[
                "record",
                "--kind",
                "deploy",
                "--name",
                "endpoint",
                "--ref",
                "model:fraud@v1",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(out["record"]["references"], json!([event]));
    let run = env.lineage(dir, &["verify"]).success();
    assert_eq!(
        (run.stdout.as_str(), run.stderr.as_str()),
        ("ok: 2 records verified\n", "")
    );
}
