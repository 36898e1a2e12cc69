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

/// "Record five steps, commit once": `git lineage commit` commits every
/// uncommitted record, and only them, in one commit with a summary message;
/// what the user staged stays staged; hooks run (`--no-verify` skips them).
#[test]
fn commit_commits_every_uncommitted_record_once() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/raw.csv"), "a\n1\n");
    let mut ids = Vec::new();
    for (i, (kind, name)) in [
        ("process", "clean"),
        ("process", "features"),
        ("query", "training-set"),
        ("train", "fraud-model"),
        ("evaluate", "fraud-eval"),
    ]
    .into_iter()
    .enumerate()
    {
        let input = if i == 0 {
            "data/raw.csv".to_string()
        } else {
            format!("data/step{}.csv", i - 1)
        };
        let output = format!("data/step{i}.csv");
        write(&repo.join(&output), format!("step {i}\n"));
        ids.push(record_step(
            &env,
            &repo,
            kind,
            name,
            &["-i", &input, "-o", &output],
        ));
    }
    // Something of the user's, staged and not: neither is committed.
    write(&repo.join("notes.txt"), "mine\n");
    env.git(&repo, &["add", "notes.txt"]);
    write(&repo.join("train.py"), "print('changed')\n");
    let before = rev_parse(&env, &repo, "HEAD");

    // A failing pre-commit hook stops the commit, as for `record --commit`.
    let hook = repo.join(".git/hooks/pre-commit");
    write(&hook, "#!/bin/sh\necho 'pre-commit says no' >&2\nexit 1\n");
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod hook");
    let refused = env.lineage(&repo, &["commit"]).code(2);
    assert!(
        refused.stderr.contains("pre-commit says no"),
        "{}",
        refused.stderr
    );
    assert_eq!(rev_parse(&env, &repo, "HEAD"), before);

    let out = env.lineage(&repo, &["commit", "--no-verify"]).success();
    let head = rev_parse(&env, &repo, "HEAD");
    let short = |id: &String| id[..12].to_string();
    assert_eq!(
        out.stdout,
        format!(
            "committed 5 records in {}\n  {}  process   clean\n  {}  process   features\n  {}  query     training-set\n  {}  train     fraud-model\n  {}  evaluate  fraud-eval\n",
            &head[..12],
            short(&ids[0]),
            short(&ids[1]),
            short(&ids[2]),
            short(&ids[3]),
            short(&ids[4]),
        )
    );
    assert_eq!(env.git(&repo, &["rev-parse", "HEAD^"]).trim(), before);
    let changed = env.git(
        &repo,
        &["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"],
    );
    let expected: Vec<String> = sorted(ids.iter().map(|id| record_rel_path(id)));
    assert_eq!(lines(&changed), expected);
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%B"]),
        format!(
            "lineage: 5 records\n\nprocess clean {}\nprocess features {}\nquery training-set {}\ntrain fraud-model {}\nevaluate fraud-eval {}\n\n",
            short(&ids[0]),
            short(&ids[1]),
            short(&ids[2]),
            short(&ids[3]),
            short(&ids[4]),
        )
    );
    // The user's staged file is still staged, the edit still unstaged.
    let status = env.git(
        &repo,
        &["status", "--porcelain", "--", "notes.txt", "train.py"],
    );
    assert_eq!(status, "A  notes.txt\n M train.py\n");

    // Nothing left: no commit, and JSON says so.
    let again = env
        .lineage(&repo, &["commit", "--format", "json"])
        .success()
        .json();
    assert_eq!(
        again,
        serde_json::json!({"commit": null, "message": "", "records": []})
    );
    assert_eq!(rev_parse(&env, &repo, "HEAD"), head);
}

/// "Can `verify --artifacts` gate CI after a legitimate rebuild?" A recording
/// superseded by a newer record of the same path is information; only a
/// path whose most recent record no longer matches is a problem — the rule
/// `status` uses, so the two agree.
#[test]
fn verify_artifacts_tells_superseded_from_changed() {
    let env = TestEnv::new();
    let p = pipeline(&env, &[], &[]);
    // A legitimate rebuild: new raw data, new features, recorded again.
    write(&p.repo.join("data/raw.csv"), "id,amount\n1,1.00\n");
    write(
        &p.repo.join("data/features.csv"),
        "id,amount,log_amount\n1,1.00,0.00\n",
    );
    let rebuilt = record_step(
        &env,
        &p.repo,
        "process",
        "features",
        &[
            "-i",
            "dataset=data/raw.csv",
            "-o",
            "dataset=data/features.csv",
        ],
    );
    let status = env.lineage(&p.repo, &["status"]).success();
    assert_eq!(status.stdout, "clean: 4 tracked artifacts unchanged\n");
    let out = env.lineage(&p.repo, &["verify", "--artifacts"]).success();
    assert_eq!(
        out.stdout,
        "ok: 4 records, 4 artifacts verified; 3 older recordings superseded by a newer record of the same path (not a problem; --format json lists them)\n"
    );
    let json = env
        .lineage(&p.repo, &["verify", "--artifacts", "--format", "json"])
        .success()
        .json();
    assert_eq!(json["problems"], serde_json::json!([]));
    let superseded: Vec<(String, String, String)> = json["superseded"]
        .as_array()
        .expect("superseded")
        .iter()
        .map(|s| {
            assert_eq!(s["by"], rebuilt.as_str());
            (
                s["record"].as_str().unwrap_or_default()[..12].to_string(),
                s["path"].as_str().unwrap_or_default().to_string(),
                s["current"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let raw_now = format!("blake3:{}", b3(b"id,amount\n1,1.00\n"));
    let features_now = format!("blake3:{}", b3(b"id,amount,log_amount\n1,1.00,0.00\n"));
    let mut expected = vec![
        (
            p.process[..12].to_string(),
            "data/raw.csv".to_string(),
            raw_now,
        ),
        (
            p.process[..12].to_string(),
            "data/features.csv".to_string(),
            features_now.clone(),
        ),
        (
            p.train[..12].to_string(),
            "data/features.csv".to_string(),
            features_now,
        ),
    ];
    // In record file order (by id).
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(superseded, expected);

    // Now a real problem: the current features no longer match their
    // (newest) record. Both commands say so, about that record only.
    write(&p.repo.join("data/features.csv"), "tampered\n");
    let status = env.lineage(&p.repo, &["status"]).code(1);
    assert!(
        status.stdout.starts_with("changed: data/features.csv"),
        "{}",
        status.stdout
    );
    let out = env.lineage(&p.repo, &["verify", "--artifacts"]).code(1);
    assert_eq!(
        out.stdout,
        format!(
            "{}: artifact: 'data/features.csv' changed since it was recorded: recorded blake3:{}, now blake3:{}\n1 problem in 4 records, 4 artifacts; 3 older recordings superseded by a newer record of the same path (not a problem; --format json lists them)\n",
            record_rel_path(&rebuilt),
            b3(b"id,amount,log_amount\n1,1.00,0.00\n"),
            b3(b"tampered\n"),
        )
    );
}

/// "What changed in the code between these two models?" `diff` lists only
/// the commits that change files outside `.lineage/`, names the code files
/// with their line counts, and says how many lineage-only commits it hid.
#[test]
fn diff_code_section_lists_code_commits_and_files_only() {
    let env = TestEnv::new();
    let p = pipeline(&env, &[], &[]);
    write(
        &p.repo.join("train.py"),
        "print('training')\nlr = 0.05\nprint('done')\n",
    );
    env.git(&p.repo, &["commit", "-q", "-am", "Fix the learning rate"]);
    let fix = rev_parse(&env, &p.repo, "HEAD");
    write(&p.repo.join("reports/audit.json"), "{}\n");
    record_step(
        &env,
        &p.repo,
        "audit",
        "audit",
        &[
            "-i",
            "model=model/model.bin",
            "-o",
            "reports/audit.json",
            "--commit",
        ],
    );
    let code = rev_parse(&env, &p.repo, "HEAD");
    write(&p.repo.join("model/model.bin"), b"retrained");
    let retrain = record_step(
        &env,
        &p.repo,
        "train",
        "fraud-model",
        &[
            "-i",
            "dataset=data/features.csv",
            "-o",
            "model=model/model.bin",
        ],
    );
    let out = env
        .lineage(&p.repo, &["diff", &p.train, &retrain])
        .success();
    let lines = lines(&out.stdout);
    let at = lines
        .iter()
        .position(|l| l.starts_with("  code:"))
        .unwrap_or_else(|| panic!("no code section:\n{}", out.stdout));
    // process..HEAD: the train and evaluate records, the fix, the audit
    // record: one commit changes code, three only .lineage/.
    assert_eq!(
        lines[at],
        format!(
            "  code: {} → {} (1 commit changing code; 3 lineage-only commits hidden)",
            &p.process_commit[..12],
            &code[..12]
        )
    );
    assert!(
        lines[at + 1].starts_with(&format!(
            "    {} Fix the learning rate (Jane Doe, ",
            &fix[..12]
        )),
        "{}",
        out.stdout
    );
    assert_eq!(lines[at + 2], "    ~ train.py +2 -0");
    assert_eq!(lines.len(), at + 3, "{}", out.stdout);

    let json = env
        .lineage(&p.repo, &["diff", &p.train, &retrain, "--format", "json"])
        .success()
        .json();
    let code_json = &json["code"];
    assert_eq!(code_json["ahead"], 4);
    assert_eq!(code_json["code_commits"], 1);
    assert_eq!(code_json["lineage_only"], 3);
    assert_eq!(code_json["commits"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        code_json["files"],
        serde_json::json!([{"path": "train.py", "change": "modified", "added": 2, "removed": 0}])
    );
}

/// "Which registered versions does this bad data touch, and is production
/// one of them? Which version served this prediction file?" `impact` ends
/// with the registered versions and their stages; `graph --up --type model`
/// from the predictions names the version; `show` of the training run too.
#[test]
fn impact_graph_and_show_name_registered_versions_and_stages() {
    let env = TestEnv::new();
    let p = pipeline(&env, &[], &[]);
    let registry = |args: &[&str]| {
        let mut all = vec!["registry"];
        all.extend_from_slice(args);
        all.push("--commit");
        env.lineage(&p.repo, &all).success();
    };
    registry(&["register", "fraud-model", "--artifact", "model/model.bin"]);
    registry(&["approve", "fraud-model@v1"]);
    registry(&["promote", "fraud-model@v1", "--stage", "production"]);
    write(&p.repo.join("predictions/batch-1.csv"), "id,score\n1,0.2\n");
    record_step(
        &env,
        &p.repo,
        "predict",
        "endpoint",
        &[
            "-i",
            "model=model/model.bin",
            "-o",
            "predictions=predictions/batch-1.csv",
            "--commit",
        ],
    );

    // The bad raw data: the model file and the version, production included.
    let out = env.lineage(&p.repo, &["impact", "data/raw.csv"]).success();
    assert!(
        out.stdout.ends_with(
            "\nregistered versions (1)\n  fraud-model v1  production  model/model.bin\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(
            "\n  {:<23}  blake3:{}  model  [fraud-model v1 (production)]\n",
            "model/model.bin",
            &b3(PIPELINE_MODEL)[..12]
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("  {}  ", &p.train[..12]))
            && out.stdout.contains("[fraud-model v1 (production)]\n"),
        "{}",
        out.stdout
    );
    let json = env
        .lineage(&p.repo, &["impact", "data/raw.csv", "--format", "json"])
        .success()
        .json();
    assert_eq!(
        json["registry"],
        serde_json::json!([{
            "model": "fraud-model",
            "version": "v1",
            "stages": ["production"],
            "artifact": format!("blake3:{}", b3(PIPELINE_MODEL)),
            "locator": "model/model.bin",
        }])
    );

    // Which version served this prediction file?
    let out = env
        .lineage(
            &p.repo,
            &[
                "graph",
                "predictions/batch-1.csv",
                "--up",
                "--type",
                "model",
            ],
        )
        .success();
    let model_row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("up 2"))
        .unwrap_or_else(|| panic!("no model row:\n{}", out.stdout));
    assert!(
        model_row.contains("model/model.bin [fraud-model v1 (production)]"),
        "{}",
        out.stdout
    );
    let graph = env
        .lineage(
            &p.repo,
            &[
                "graph",
                "predictions/batch-1.csv",
                "--up",
                "--type",
                "model",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    let model = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == format!("blake3:{}", b3(PIPELINE_MODEL)).as_str())
        .expect("the model node");
    assert_eq!(
        model["registered"],
        serde_json::json!([{"model": "fraud-model", "version": "v1", "stages": ["production"]}])
    );

    // The training run that produced it says so too.
    let shown = env.lineage(&p.repo, &["show", &p.train]).success();
    assert!(
        shown
            .stdout
            .ends_with("registry fraud-model v1 (production)\n"),
        "{}",
        shown.stdout
    );
}
