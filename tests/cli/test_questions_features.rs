//! Issue 16: the questions users type, asked their way, answered in one
//! command (registry annotations, code-only diffs, `commit`, artifact
//! verification, `run --format json`, `export commit:REV`).

use crate::common::*;

/// "Give me the run as JSON": `run --format json` prints exactly one JSON
/// document on stdout, whatever the command itself prints, with `--commit`
/// too; the command's output goes to stderr.
#[test]
fn run_json_prints_exactly_one_document_the_record() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let out = env
        .lineage(
            &repo,
            &[
                "run",
                "--kind",
                "evaluate",
                "--name",
                "e",
                "--commit",
                "--format",
                "json",
                "--",
                "sh",
                "-c",
                "echo '{\"not\": \"ours\"}'; echo progress >&2",
            ],
        )
        .success();
    let mut documents =
        serde_json::Deserializer::from_str(&out.stdout).into_iter::<serde_json::Value>();
    let document = documents.next().expect("one document").expect("valid JSON");
    assert!(
        documents.next().is_none(),
        "more than one document:\n{}",
        out.stdout
    );
    assert_eq!(document["exit"], serde_json::json!({"code": 0}));
    let id = document["recorded"]["id"].as_str().expect("the record id");
    assert_eq!(document["recorded"]["record"]["name"], "e");
    assert_eq!(record_ids(&repo), vec![id.to_string()]);
    assert_eq!(
        document["recorded"]["commit"].as_str(),
        Some(rev_parse(&env, &repo, "HEAD").as_str())
    );
    assert_eq!(out.stderr, "{\"not\": \"ours\"}\nprogress\n");
}

/// "Export what was made from this code version": `export commit:REV`
/// exports the records made from that commit and their upstream lineage,
/// not an empty document.
#[test]
fn export_commit_exports_the_records_made_from_it() {
    let env = TestEnv::new();
    let p = pipeline(&env, &[], &[]);
    // The training step ran from the commit that recorded the process step.
    let made_from = format!("commit:{}", p.process_commit);
    let out = env
        .lineage(&p.repo, &["export", "--format", "openlineage", &made_from])
        .success();
    let jobs: Vec<String> = out
        .stdout
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            event["job"]["name"].as_str().expect("job name").to_string()
        })
        .collect();
    // The training run and the process step upstream of it, oldest first;
    // not the evaluation, made from a later commit.
    assert_eq!(jobs, ["process/features", "train/fraud-model"]);

    let prov = env
        .lineage(&p.repo, &["export", "--format", "prov", &made_from])
        .success()
        .json();
    let activities: Vec<&String> = prov["activity"]
        .as_object()
        .expect("PROV activities")
        .keys()
        .collect();
    assert_eq!(activities.len(), 2, "{activities:?}");
}
