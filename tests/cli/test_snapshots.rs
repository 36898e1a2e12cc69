//! The text output of show, log, graph, impact, status and registry show, and
//! the Markdown of diff, pinned by snapshots. The hermetic environment fixes
//! clocks and identities, so ids and times are stable; only the temp
//! directory is redacted (to `[ROOT]`).
//!
//! File snapshots live in `tests/cli/snapshots/`. After a deliberate change
//! to an output, update them with
//! `INSTA_UPDATE=always cargo test --locked --test cli test_snapshots` and
//! review the diff in git (no `cargo insta` needed). Inline snapshots (the
//! short ones, in this file) are updated by pasting the new text from the
//! failure message, or with `cargo insta accept` where cargo-insta is
//! installed. In CI (`CI` set, `INSTA_UPDATE=no` in .ci/run) a changed
//! snapshot fails.

use std::path::Path;

use crate::common::{Pipeline, TestEnv, commit_all, demo_repo, pipeline, record_step, write};

/// `text` with the environment's temp directory (as given and canonical)
/// replaced by `[ROOT]` and the crate version by `[VERSION]`.
fn redact(env: &TestEnv, text: &str) -> String {
    let mut out = text.to_string();
    for root in [
        env.root().canonicalize().expect("canonical root"),
        env.root().to_path_buf(),
    ] {
        out = out.replace(root.to_str().expect("utf-8 temp path"), "[ROOT]");
    }
    // A version bump is not an output change.
    out.replace(
        concat!("git-lineage ", env!("CARGO_PKG_VERSION")),
        "git-lineage [VERSION]",
    )
}

/// Run `git-lineage ARGS` in `repo`, require exit `code`, and return stdout
/// redacted (stderr must be empty, so nothing escapes the snapshot).
#[track_caller]
fn output(env: &TestEnv, repo: &Path, args: &[&str], code: i32) -> String {
    let run = env.lineage(repo, args).code(code);
    assert_eq!(run.stderr, "", "{args:?} printed on stderr");
    redact(env, &run.stdout)
}

/// The committed pipeline with parameters and a metric, plus a second
/// training run with other parameters, committed.
fn pipeline_with_retrain(env: &TestEnv) -> (Pipeline, String) {
    let p = pipeline(
        env,
        &["-p", "lr=0.1", "-p", "epochs=10", "--seed", "42"],
        &["-m", "auc=0.93", "--ref", "{train}"],
    );
    write(&p.repo.join("model/model.bin"), b"MODEL v2");
    let retrain = record_step(
        env,
        &p.repo,
        "train",
        "fraud-model",
        &[
            "-i",
            "dataset=data/features.csv",
            "-o",
            "model=model/model.bin",
            "-p",
            "lr=0.05",
            "-p",
            "epochs=10",
            "--seed",
            "7",
            "--commit",
        ],
    );
    (p, retrain)
}

#[test]
fn show_text() {
    let env = TestEnv::new();
    let (p, _) = pipeline_with_retrain(&env);
    insta::assert_snapshot!(output(&env, &p.repo, &["show", &p.train], 0));
}

#[test]
fn log_text() {
    let env = TestEnv::new();
    let (p, _) = pipeline_with_retrain(&env);
    insta::assert_snapshot!(output(&env, &p.repo, &["log"], 0), @r"
    RECORD        KIND      NAME         COMMIT        DATE              AUTHOR
    e6b0111d9ec2  train     fraud-model  5fead6e4f5cb  2026-11-18 11:22  Jane Doe
    d2080346a939  evaluate  fraud-eval   64271f6dbe74  2026-11-18 11:20  Jane Doe
    c7924edc136a  train     fraud-model  850589f69326  2026-11-18 11:18  Jane Doe
    4df5c3d35325  process   features     79ef37c44c0d  2026-11-18 11:16  Jane Doe
    ");
}

#[test]
fn graph_text() {
    let env = TestEnv::new();
    let (p, _) = pipeline_with_retrain(&env);
    insta::assert_snapshot!(output(&env, &p.repo, &["graph", &p.train], 0));
}

#[test]
fn impact_text() {
    let env = TestEnv::new();
    let (p, _) = pipeline_with_retrain(&env);
    insta::assert_snapshot!(output(&env, &p.repo, &["impact", "data/raw.csv"], 0));
}

#[test]
fn status_text() {
    let env = TestEnv::new();
    let (p, _) = pipeline_with_retrain(&env);
    insta::assert_snapshot!(
        output(&env, &p.repo, &["status"], 0),
        @"clean: 4 tracked artifacts unchanged"
    );
    write(&p.repo.join("data/raw.csv"), "id,amount\n1,0.00\n");
    insta::assert_snapshot!("status_changed", output(&env, &p.repo, &["status"], 1));
}

#[test]
fn diff_markdown() {
    let env = TestEnv::new();
    let (p, retrain) = pipeline_with_retrain(&env);
    insta::assert_snapshot!(
        "diff_records_markdown",
        output(
            &env,
            &p.repo,
            &["diff", &p.train, &retrain, "--format", "markdown"],
            0
        )
    );
    let range = format!("{}..HEAD", p.process_commit);
    insta::assert_snapshot!(
        "diff_range_markdown",
        output(&env, &p.repo, &["diff", &range, "--format", "markdown"], 0)
    );
}

#[test]
fn registry_show_text() {
    let env = TestEnv::new();
    let (dir, _) = demo_repo(&env, "demo");
    insta::assert_snapshot!(output(&env, &dir, &["registry", "show", "fraud-model"], 0));
    // Local edits do not change what the registry shows.
    write(&dir.join("notes.txt"), "x\n");
    commit_all(&env, &dir, "notes");
    insta::assert_snapshot!(output(&env, &dir, &["registry", "list"], 0), @r"
    MODEL        LATEST  STAGES
    fraud-model  v2      production=v1
    ");
}
