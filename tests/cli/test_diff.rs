//! `diff`: two records, or the records a revision range added compared with
//! the base side, over hermetic repositories with two branches of training
//! runs; JSON checked field by field, Markdown for its tables and Mermaid
//! block, and `--exit-code` like git's.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::common::{
    TestEnv, b3, commit_all, lines, record_rel_path, record_step, rev_parse, sorted, write,
};

/// A repository with committed code, a lockfile and (ignored) data and model.
fn training_repo(env: &TestEnv) -> PathBuf {
    let repo = env.repo("r");
    write(&repo.join(".gitignore"), "data/\nmodel/\n");
    write(&repo.join("requirements.txt"), "numpy==1.26\n");
    write(&repo.join("data/train.csv"), "a,b\n1,2\n");
    write(&repo.join("model/model.bin"), "x");
    commit_all(env, &repo, "add lineage config and requirements");
    repo
}

/// Record a committed training run of `fraud-model`.
#[track_caller]
fn train(env: &TestEnv, repo: &Path, args: &[&str]) -> String {
    let mut all = vec![
        "-i",
        "dataset=data/train.csv",
        "-o",
        "model=model/model.bin",
        "--env",
        "requirements.txt",
        "--commit",
    ];
    all.extend_from_slice(args);
    record_step(env, repo, "train", "fraud-model", &all)
}

/// The baseline run on main.
fn baseline(env: &TestEnv, repo: &Path) -> String {
    train(
        env,
        repo,
        &[
            "-p",
            "lr=0.1",
            "-p",
            "max_depth=6",
            "-p",
            "dropout=0.2",
            "-m",
            "auc=0.91",
            "-m",
            "loss=0.3",
            "--seed",
            "42",
            "--image",
            "repo/img@sha256:aaaa",
        ],
    )
}

/// On a `feature` branch: two code commits (one bumping the lockfile), new
/// data, then a tuned run. Returns (run id, the code commits newest first).
fn tuned_on_feature(env: &TestEnv, repo: &Path) -> (String, Vec<String>) {
    env.git(repo, &["checkout", "-q", "-b", "feature"]);
    write(&repo.join("train.py"), "print('tuned')\n");
    commit_all(env, repo, "tune the learning rate");
    let c1 = rev_parse(env, repo, "HEAD");
    write(&repo.join("requirements.txt"), "numpy==2.0\n");
    commit_all(env, repo, "bump numpy");
    let c2 = rev_parse(env, repo, "HEAD");
    write(&repo.join("data/train.csv"), "a,b\n1,2\n3,4\n");
    write(&repo.join("model/model.bin"), "yy");
    let id = train(
        env,
        repo,
        &[
            "-p",
            "lr=0.05",
            "-p",
            "max_depth=6",
            "-p",
            "batch=32",
            "-m",
            "auc=0.93",
            "-m",
            "loss=0.25",
            "--seed",
            "43",
            "--image",
            "repo/img@sha256:bbbb",
        ],
    );
    (id, vec![c2, c1])
}

#[track_caller]
fn diff_json(env: &TestEnv, repo: &Path, args: &[&str]) -> Value {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    env.lineage(repo, &all).success().json()
}

fn blake3_of(bytes: &str) -> String {
    format!("blake3:{}", b3(bytes.as_bytes()))
}

/// The JSON of a record diff between the baseline and the tuned run.
#[track_caller]
fn assert_tuned_diff(
    diff: &Value,
    old: &str,
    new: &str,
    code_commits: &[String],
    repo_env: (&TestEnv, &Path),
) {
    let (env, repo) = repo_env;
    assert_eq!(diff["old"]["id"], old);
    assert_eq!(diff["new"]["id"], new);
    assert_eq!(diff["new"]["kind"], "train");
    assert_eq!(diff["new"]["name"], "fraud-model");
    assert_eq!(
        diff["params"],
        json!([
            {"key": "batch", "change": "added", "old": null, "new": 32},
            {"key": "dropout", "change": "removed", "old": 0.2, "new": null},
            {"key": "lr", "change": "changed", "old": 0.1, "new": 0.05},
        ])
    );
    let metrics = diff["metrics"].as_array().expect("metrics");
    assert_eq!(metrics.len(), 2, "{metrics:#?}");
    assert_eq!(metrics[0]["key"], "auc");
    assert_eq!(metrics[0]["change"], "changed");
    assert_eq!(
        (metrics[0]["old"].as_f64(), metrics[0]["new"].as_f64()),
        (Some(0.91), Some(0.93))
    );
    assert_eq!(
        metrics[0]["delta"].as_f64(),
        Some(0.02),
        "rounded, not 0.0200000…18"
    );
    let relative = metrics[0]["relative"].as_f64().expect("relative delta");
    assert!((relative - 0.02 / 0.91).abs() < 1e-9, "{relative}");
    assert_eq!(metrics[1]["key"], "loss");
    assert_eq!(metrics[1]["delta"].as_f64(), Some(-0.05));
    let relative = metrics[1]["relative"].as_f64().expect("relative delta");
    assert!((relative + 0.05 / 0.3).abs() < 1e-9, "{relative}");
    assert_eq!(
        diff["inputs"],
        json!([{
            "locator": "data/train.csv",
            "change": "changed",
            "old": {"role": "dataset", "hash": blake3_of("a,b\n1,2\n"), "size": 8, "version": null},
            "new": {"role": "dataset", "hash": blake3_of("a,b\n1,2\n3,4\n"), "size": 12, "version": null},
        }])
    );
    assert_eq!(
        diff["outputs"],
        json!([{
            "locator": "model/model.bin",
            "change": "changed",
            "old": {"role": "model", "hash": blake3_of("x"), "size": 1, "version": null},
            "new": {"role": "model", "hash": blake3_of("yy"), "size": 2, "version": null},
        }])
    );
    // The code commits: `git log old..new` of the two records' code.commit,
    // without the commits that change only `.lineage/` (counted instead).
    let code = &diff["code"];
    assert_eq!(code["change"], "changed");
    let (old_code, new_code) = (
        code["old"].as_str().expect("old"),
        code["new"].as_str().expect("new"),
    );
    assert_eq!(new_code, code_commits[0]);
    let all_log = lines(&env.git(
        repo,
        &["log", "--format=%H %s", &format!("{old_code}..{new_code}")],
    ));
    let git_log = lines(&env.git(
        repo,
        &[
            "log",
            "--format=%H %s",
            &format!("{old_code}..{new_code}"),
            "--",
            ".",
            ":(exclude).lineage",
        ],
    ));
    assert!(git_log.len() < all_log.len(), "{all_log:#?}");
    let listed: Vec<String> = code["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["id"].as_str().unwrap_or(""),
                c["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(listed, git_log);
    assert!(
        listed.iter().any(|l| l.ends_with(" bump numpy")),
        "{listed:#?}"
    );
    assert!(
        listed
            .iter()
            .any(|l| l == &format!("{} tune the learning rate", code_commits[1]))
    );
    assert_eq!(code["ahead"], all_log.len());
    assert_eq!(code["code_commits"], git_log.len());
    assert_eq!(code["lineage_only"], all_log.len() - git_log.len());
    assert_eq!(code["behind"], 0);
    assert_eq!(code["problem"], Value::Null);
    assert_eq!(
        code["commits"][0]["author"],
        json!({"name": "Jane Doe", "email": "jane@example.com"})
    );
    assert_eq!(
        diff["environment"],
        json!({
            "lockfiles": [{
                "path": "requirements.txt",
                "change": "changed",
                "old": blake3_of("numpy==1.26\n"),
                "new": blake3_of("numpy==2.0\n"),
            }],
            "image": {"change": "changed", "old": "repo/img@sha256:aaaa", "new": "repo/img@sha256:bbbb"},
        })
    );
    assert_eq!(
        diff["seed"],
        json!({"change": "changed", "old": 42, "new": 43})
    );
}

#[test]
fn two_records_show_exact_param_metric_data_code_environment_and_seed_changes() {
    let env = TestEnv::new();
    let repo = training_repo(&env);
    let old = baseline(&env, &repo);
    let (new, code_commits) = tuned_on_feature(&env, &repo);

    // Prefixes resolve against every branch: back on main, the feature's
    // record is still found.
    env.git(&repo, &["checkout", "-q", "main"]);
    let diff = diff_json(&env, &repo, &[&old[..8], &new[..10]]);
    assert_eq!(diff["type"], "records");
    assert_tuned_diff(&diff, &old, &new, &code_commits, (&env, &repo));

    // Swapped: the same changes the other way, the code moving back.
    let back = diff_json(&env, &repo, &[&new, &old]);
    assert_eq!(
        back["params"][0],
        json!({"key": "batch", "change": "removed", "old": 32, "new": null})
    );
    assert_eq!(back["metrics"][0]["delta"].as_f64(), Some(-0.02));
    assert_eq!(back["code"]["ahead"], 0);
    assert_eq!(back["code"]["commits"], json!([]));
    assert!(
        back["code"]["behind"].as_u64().unwrap_or(0) >= 2,
        "{back:#}"
    );

    // Text: one line per change, marked +/-/~.
    let text = env.lineage(&repo, &["diff", &old, &new]).success().stdout;
    for line in [
        &format!("train fraud-model: {} (commit ", &old[..12]),
        "    + batch: 32",
        "    - dropout: 0.2 (removed)",
        "    ~ lr: 0.1 → 0.05",
        "    ~ auc: 0.91 → 0.93 (+0.02, +2.20%)",
        "    ~ loss: 0.3 → 0.25 (-0.05, -16.67%)",
        &format!(
            "    ~ data/train.csv (dataset): {}, 8 B → {}, 12 B",
            &blake3_of("a,b\n1,2\n")[..19],
            &blake3_of("a,b\n1,2\n3,4\n")[..19]
        ),
        &format!("    {} bump numpy (Jane Doe, ", &code_commits[0][..12]),
        "    ~ image: repo/img@sha256:aaaa → repo/img@sha256:bbbb",
        "  seed: 42 → 43",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
}

#[test]
fn a_range_compares_each_new_record_with_the_latest_of_its_name_on_the_base_side() {
    let env = TestEnv::new();
    let repo = training_repo(&env);
    let _older = train(
        &env,
        &repo,
        &["-p", "lr=0.5", "-m", "auc=0.5", "--seed", "1"],
    );
    let old = baseline(&env, &repo);
    let (new, code_commits) = tuned_on_feature(&env, &repo);
    let eval = record_step(
        &env,
        &repo,
        "evaluate",
        "fraud-eval",
        &["-i", "model/model.bin", "-m", "acc=0.8", "--commit"],
    );
    // main moves on after the branch point with another fraud-model run.
    env.git(&repo, &["checkout", "-q", "main"]);
    let later = train(
        &env,
        &repo,
        &["-p", "lr=0.2", "-m", "auc=0.92", "--seed", "42"],
    );

    // A...B: from the merge base, as a pull request shows it.
    let diff = diff_json(&env, &repo, &["main...feature"]);
    assert_eq!(diff["type"], "range");
    assert_eq!(diff["range"], "main...feature");
    assert_eq!(diff["head"], rev_parse(&env, &repo, "feature"));
    let merge_base = env
        .git(&repo, &["merge-base", "main", "feature"])
        .trim()
        .to_string();
    assert_eq!(diff["base"], merge_base);
    assert_eq!(diff["findings"], json!([]));
    let records = diff["records"].as_array().expect("records");
    assert_eq!(records.len(), 2, "{diff:#}");
    assert_tuned_diff(&records[0], &old, &new, &code_commits, (&env, &repo));
    assert_eq!(records[1]["new"]["id"], eval);
    assert_eq!(
        records[1]["old"],
        Value::Null,
        "nothing earlier named fraud-eval"
    );
    assert_eq!(
        records[1]["metrics"],
        json!([{"key": "acc", "change": "added", "old": null, "new": 0.8, "delta": null, "relative": null}])
    );
    assert_eq!(records[1]["inputs"][0]["change"], "added");

    // A..B: against main's tip, so the later main run is the counterpart.
    let diff = diff_json(&env, &repo, &["main..feature"]);
    assert_eq!(diff["base"], rev_parse(&env, &repo, "main"));
    assert_eq!(diff["records"][0]["old"]["id"], later);
    assert_eq!(
        diff["records"][0]["params"].as_array().map(Vec::len),
        Some(3)
    );
    // Two revisions as two arguments are the range A..B.
    let two = diff_json(&env, &repo, &["main", "feature"]);
    assert_eq!(two["range"], "main..feature");
    assert_eq!(two["records"], diff["records"]);
    // An empty range.
    let empty = diff_json(&env, &repo, &["feature..main~1"]);
    assert_eq!(empty["records"], json!([]));
}

#[test]
fn markdown_is_a_pull_request_comment_with_tables_and_a_mermaid_graph() {
    let env = TestEnv::new();
    let repo = training_repo(&env);
    let old = baseline(&env, &repo);
    let (new, code_commits) = tuned_on_feature(&env, &repo);
    let run = env
        .lineage(&repo, &["diff", "main...feature", "--format", "markdown"])
        .success();
    let md = run.stdout;
    let base = rev_parse(&env, &repo, "main");
    for row in [
        "## Lineage changes in `main...feature`".to_string(),
        format!(
            "**1 new record** (1 changed from base `{}`, 0 with nothing earlier to compare).",
            &base[..12]
        ),
        format!("### `train` fraud-model `{}`", &new[..12]),
        format!("Compared with `{}` (commit `{}`).", &old[..12], &base[..12]),
        "| parameter | before | after |".into(),
        "|---|---|---|".into(),
        "| `batch` | – | `32` |".into(),
        "| `dropout` | `0.2` | – |".into(),
        "| `lr` | `0.1` | `0.05` |".into(),
        "| metric | before | after | Δ | Δ % |".into(),
        "| `auc` | `0.91` | `0.93` | ▲ +0.02 | +2.20% |".into(),
        "| `loss` | `0.3` | `0.25` | ▼ -0.05 | -16.67% |".into(),
        format!(
            "| input (dataset) | `data/train.csv` | `{}`, 8 B | `{}`, 12 B |",
            &blake3_of("a,b\n1,2\n")[..19],
            &blake3_of("a,b\n1,2\n3,4\n")[..19]
        ),
        format!(
            "| output (model) | `model/model.bin` | `{}`, 1 B | `{}`, 2 B |",
            &blake3_of("x")[..19],
            &blake3_of("yy")[..19]
        ),
        format!("- `{}` bump numpy (Jane Doe)", &code_commits[0][..12]),
        "| image | `repo/img@sha256:aaaa` | `repo/img@sha256:bbbb` |".into(),
        "**Seed:** 42 → 43".into(),
    ] {
        assert!(md.lines().any(|l| l == row), "{row:?} not a line of:\n{md}");
    }
    // The Mermaid block: the new run, what it read and its code, the new run a root.
    let block = md
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("no mermaid block in:\n{md}"));
    assert!(block.starts_with("flowchart LR\n"), "{block}");
    assert!(
        block.contains(&format!("n0[\"train fraud-model ({})\"]", &new[..12])),
        "{block}"
    );
    assert!(block.contains("data/train.csv"), "{block}");
    assert!(
        block.contains("-->|used-by|") && block.contains("-->|code|"),
        "{block}"
    );
    assert!(block.contains("  class n0 root"), "{block}");
    assert!(md.len() < 65_536);

    // Two records in Markdown: the same tables, no graph.
    let md = env
        .lineage(&repo, &["diff", &old, &new, "--format", "markdown"])
        .success()
        .stdout;
    assert!(md.lines().any(|l| l == "| `lr` | `0.1` | `0.05` |"), "{md}");
    assert!(!md.contains("```mermaid"), "{md}");
}

#[test]
fn edited_and_deleted_records_in_the_range_are_findings_shown_first() {
    let env = TestEnv::new();
    let repo = training_repo(&env);
    let old = baseline(&env, &repo);
    let other = record_step(
        &env,
        &repo,
        "evaluate",
        "fraud-eval",
        &["-m", "acc=0.8", "--commit"],
    );
    env.git(&repo, &["checkout", "-q", "-b", "feature"]);
    let path = repo.join(record_rel_path(&old));
    let text = std::fs::read_to_string(&path).expect("record");
    write(&path, text.replace("auc: 0.91", "auc: 0.99"));
    std::fs::remove_file(repo.join(record_rel_path(&other))).expect("remove");
    commit_all(&env, &repo, "improve the metrics | quietly");
    let new = train(&env, &repo, &["-p", "lr=0.1", "-m", "auc=0.92"]);

    let diff = diff_json(&env, &repo, &["main..feature"]);
    let findings = diff["findings"].as_array().expect("findings");
    let kinds = sorted(findings.iter().map(|f| {
        format!(
            "{} {}",
            f["kind"].as_str().unwrap_or(""),
            f["path"].as_str().unwrap_or("")
        )
    }));
    let expected = sorted([
        format!("edited {}", record_rel_path(&old)),
        format!("deleted {}", record_rel_path(&other)),
    ]);
    assert_eq!(kinds, expected);
    assert_eq!(
        findings[0]["commit"]["message"],
        "improve the metrics | quietly"
    );
    assert_eq!(diff["records"][0]["new"]["id"], new);

    let text = env
        .lineage(&repo, &["diff", "main..feature"])
        .success()
        .stdout;
    let finding_at = text.find("integrity findings:").expect("findings section");
    let record_at = text.find("train fraud-model:").expect("record section");
    assert!(finding_at < record_at, "findings come first:\n{text}");
    assert!(
        text.contains(&format!("edited {}", record_rel_path(&old))),
        "{text}"
    );

    let md = env
        .lineage(&repo, &["diff", "main..feature", "--format", "markdown"])
        .success()
        .stdout;
    assert!(md.contains(":warning: **2 integrity findings**"), "{md}");
    let finding_at = md
        .find("### :warning: Integrity findings")
        .expect("findings section");
    assert!(finding_at < md.find("### `train` fraud-model").expect("record section"));
    // `|` in a commit-derived cell does not split the table.
    assert!(!md.contains("improve the metrics | quietly"), "{md}");
    // Each table row has the header's five cells.
    for row in md
        .lines()
        .filter(|l| l.starts_with("| edited") || l.starts_with("| deleted"))
    {
        let cells = row.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 6, "{row}");
    }
}

#[test]
fn exit_code_is_like_git_diff_exit_code() {
    let env = TestEnv::new();
    let repo = training_repo(&env);
    train(&env, &repo, &["-p", "lr=0.1"]);
    // Two uncommitted runs from the same HEAD with the same params and
    // data differ only in their ids and times: no differences.
    let run = |lr: &str| {
        let lr = format!("lr={lr}");
        record_step(
            &env,
            &repo,
            "train",
            "fraud-model",
            &[
                "-i",
                "dataset=data/train.csv",
                "-o",
                "model=model/model.bin",
                "--env",
                "requirements.txt",
                "-p",
                &lr,
            ],
        )
    };
    let (same, again, c) = (run("0.1"), run("0.1"), run("0.2"));
    assert_ne!(same, again);
    env.lineage(&repo, &["diff", &same, &again, "--exit-code"])
        .code(0);
    let run = env
        .lineage(&repo, &["diff", &same, &same, "--exit-code"])
        .code(0);
    assert!(run.stdout.contains("no differences"), "{}", run.stdout);
    env.lineage(&repo, &["diff", &same, &c, "--exit-code"])
        .code(1);
    env.lineage(&repo, &["diff", &same, &c]).code(0);
    env.lineage(
        &repo,
        &["diff", &same, &c, "--exit-code", "--format", "json"],
    )
    .code(1);
    env.lineage(&repo, &["diff", "HEAD..HEAD", "--exit-code"])
        .code(0);
    env.lineage(&repo, &["diff", "HEAD~1..HEAD", "--exit-code"])
        .code(1);
    env.lineage(&repo, &["diff", "HEAD~1..HEAD"]).code(0);
    // Errors exit 2, even with --exit-code.
    let run = env
        .lineage(&repo, &["diff", "nosuchbranch..HEAD", "--exit-code"])
        .code(2);
    assert!(run.stderr.contains("nosuchbranch"), "{}", run.stderr);
    let run = env.lineage(&repo, &["diff", "name:fraud-model"]).code(2);
    assert!(
        run.stderr.contains("not a revision range"),
        "{}",
        run.stderr
    );
    let run = env
        .lineage(
            &repo,
            &["diff", "name:fraud-model", "name:nothing", "--exit-code"],
        )
        .code(2);
    assert!(
        run.stderr.contains("no record matches 'name:nothing'"),
        "{}",
        run.stderr
    );
    let run = env.lineage(&repo, &["diff", "nosuch", "neither"]).code(2);
    assert!(run.stderr.contains("nosuch"), "{}", run.stderr);
}

#[test]
fn unrelated_histories_and_shallow_clones_are_explained() {
    let env = TestEnv::new();
    let repo = training_repo(&env);
    let old = baseline(&env, &repo);
    let (new, _) = tuned_on_feature(&env, &repo);
    env.git(&repo, &["checkout", "-q", "--orphan", "unrelated"]);
    commit_all(&env, &repo, "a history of its own");
    let run = env.lineage(&repo, &["diff", "main...unrelated"]).code(2);
    assert!(
        run.stderr.contains(
            "main and unrelated have no common ancestor; compare them with main..unrelated"
        ),
        "{}",
        run.stderr
    );

    // A shallow clone shows every record as added by its boundary commit:
    // those the base side has are not new, and a warning says why.
    let clone = env.path("shallow");
    let url = format!("file://{}", repo.display());
    env.git(
        env.root(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            &url,
            &clone.to_string_lossy(),
        ],
    );
    env.git(
        &clone,
        &["fetch", "-q", "--depth", "2", "origin", "main", "feature"],
    );
    let run = env
        .lineage(
            &clone,
            &["diff", "origin/main..origin/feature", "--format", "json"],
        )
        .success();
    assert!(
        run.stderr.contains("warning: this is a shallow clone"),
        "{}",
        run.stderr
    );
    let diff = run.json();
    let ids: Vec<&str> = diff["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|r| r["new"]["id"].as_str())
        .collect();
    assert_eq!(ids, [new.as_str()]);
    assert_eq!(diff["records"][0]["old"]["id"], old);
    assert!(
        diff["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("shallow")),
        "{diff:#}"
    );
}
