//! Issue 16: the questions users type, asked their way, with the exact
//! answer asserted (path REFs of recorded artifacts, commit ranges, every
//! REF in `record --ref`, `search --output/--registered/--stage`, `name:`
//! with many records, git's dates, `name:` skipping registry events).

use std::path::Path;

use crate::common::{TestEnv, commit_all, demo_repo, log_json, record_step, write};

/// The ids (newest first) `log ARGS --format json` lists.
fn log_ids(env: &TestEnv, repo: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["log"];
    all.extend_from_slice(args);
    log_json(env, repo, &all).ids()
}

/// The ids `search ARGS --format json` lists, newest first.
fn search_ids(env: &TestEnv, repo: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let json = env.lineage(repo, &all).success().json();
    json["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

/// The demo's two training records of fraud-model: (v2's, v1's).
fn demo_trains(env: &TestEnv, repo: &Path) -> (String, String) {
    let trains = log_ids(env, repo, &["--kind", "train", "--name", "fraud-model"]);
    assert_eq!(trains.len(), 2, "{trains:?}");
    (trains[0].clone(), trains[1].clone())
}

/// Item 14: `name:fraud-model` is the latest training run, not the
/// registry-rollback event recorded after it; `name:KIND/NAME` picks a kind.
#[test]
fn name_ref_means_the_latest_record_that_did_work() {
    let env = TestEnv::new();
    let (repo, _) = demo_repo(&env, "demo");
    let (v2_train, _) = demo_trains(&env, &repo);
    let shown = env
        .lineage(&repo, &["show", "name:fraud-model", "--format", "json"])
        .success()
        .json();
    assert_eq!(shown["id"], v2_train.as_str());
    assert_eq!(shown["record"]["kind"], "train");

    let impact = env
        .lineage(&repo, &["impact", "name:fraud-model"])
        .success();
    assert!(
        impact
            .stdout
            .starts_with("3 records and 1 output downstream of name:fraud-model\n"),
        "{}",
        impact.stdout
    );

    let rollback = log_ids(&env, &repo, &["--kind", "registry-rollback"]);
    let shown = env
        .lineage(
            &repo,
            &[
                "show",
                "name:registry-rollback/fraud-model",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(shown["id"], rollback[0].as_str());
    let missing = env
        .lineage(&repo, &["show", "name:deploy/fraud-model"])
        .code(2);
    assert_eq!(
        missing.stderr.lines().next(),
        Some("error: no record matches 'name:deploy/fraud-model'")
    );
}

/// Item 8: `show`/`graph` say which of several records `name:` picked, and
/// `log`/`search` take `--name` globs.
#[test]
fn name_ref_with_many_records_says_so_and_name_globs_list_them() {
    let env = TestEnv::new();
    let (repo, _) = demo_repo(&env, "demo");
    let (v2_train, v1_train) = demo_trains(&env, &repo);
    let note = "note: latest of 2 records named fraud-model, not counting 7 registry events (see `git lineage log --name fraud-model`)\n";
    let show = env.lineage(&repo, &["show", "name:fraud-model"]).success();
    assert_eq!(show.stderr, note);
    assert!(show.stdout.starts_with(&format!("record   {v2_train}\n")));
    let graph = env
        .lineage(
            &repo,
            &["graph", "name:fraud-model", "--up", "--depth", "1"],
        )
        .success();
    assert_eq!(graph.stderr, note);
    // A name with one record is not remarked on.
    let one = env
        .lineage(&repo, &["show", "name:claims-preprocessing"])
        .success();
    assert_eq!(one.stderr, "");

    let globbed = log_ids(&env, &repo, &["--name", "fraud-*", "--kind", "train"]);
    assert_eq!(globbed, vec![v2_train.clone(), v1_train.clone()]);
    let all_fraud = log_ids(&env, &repo, &["--name", "fraud-*"]);
    // 2 training runs, 7 registry events, the evaluation and the training set.
    assert_eq!(all_fraud.len(), 11, "{all_fraud:?}");
    assert_eq!(
        search_ids(&env, &repo, &["--name", "fraud-m?del", "--kind", "train"]),
        vec![v2_train, v1_train]
    );
    let bad = env
        .lineage(&repo, &["log", "--name", "fraud-[model"])
        .code(2);
    assert!(
        bad.stderr
            .starts_with("error: 'fraud-[model' is not a name glob"),
        "{}",
        bad.stderr
    );
}

/// Item 7: "which job wrote this model file?", "which runs made registered
/// versions?", "which run made what is in production?".
#[test]
fn search_by_output_registration_and_stage() {
    let env = TestEnv::new();
    let (repo, _) = demo_repo(&env, "demo");
    let (v2_train, v1_train) = demo_trains(&env, &repo);
    assert_eq!(
        search_ids(&env, &repo, &["--output", "model/model.json"]),
        vec![v1_train.clone()]
    );
    assert_eq!(
        search_ids(&env, &repo, &["--output", "model/model-v2.json"]),
        vec![v2_train.clone()]
    );
    let v1_hash = crate::common::b3(&std::fs::read(repo.join("model/model.json")).expect("model"));
    assert_eq!(
        search_ids(&env, &repo, &["--output", &format!("blake3:{v1_hash}")]),
        vec![v1_train.clone()]
    );
    assert_eq!(
        search_ids(&env, &repo, &["--registered", "fraud-model"]),
        vec![v2_train.clone(), v1_train.clone()]
    );
    // The demo rolled production back to v1.
    assert_eq!(
        search_ids(
            &env,
            &repo,
            &["--registered", "fraud-model", "--stage", "production"]
        ),
        vec![v1_train.clone()]
    );
    assert_eq!(
        search_ids(&env, &repo, &["--stage", "staging"]),
        Vec::<String>::new()
    );
    let text = env
        .lineage(&repo, &["search", "--stage", "production"])
        .success();
    assert_eq!(text.stdout.lines().count(), 2, "{}", text.stdout);
    assert!(
        text.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(&v1_train[..12]))
    );
    let bad = env
        .lineage(&repo, &["search", "--output", "blake3:abc"])
        .code(2);
    assert!(bad.stderr.contains("--output"), "{}", bad.stderr);
}

/// Item 11: git's relative dates, and `--commit-date` filtering by when the
/// record was committed instead of when it was recorded. The test clock
/// records on 2026-11-22 and commits on 2026-11-18.
#[test]
fn since_and_until_take_git_dates_and_commit_dates() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/a.csv"), b"a\n1\n");
    commit_all(&env, &repo, "data");
    let first = record_step(
        &env,
        &repo,
        "process",
        "p",
        &["-i", "data/a.csv", "--commit"],
    );
    let second = record_step(&env, &repo, "train", "t", &["-i", "data/a.csv"]);
    let both = vec![second.clone(), first.clone()];
    assert_eq!(log_ids(&env, &repo, &["--since", "yesterday"]), both);
    assert_eq!(log_ids(&env, &repo, &["--since", "2.weeks.ago"]), both);
    assert_eq!(log_ids(&env, &repo, &["--since", "3 days ago"]), both);
    assert_eq!(
        log_ids(&env, &repo, &["--until", "yesterday"]),
        Vec::<String>::new()
    );
    assert_eq!(log_ids(&env, &repo, &["--since", "2026-11-22"]), both);
    assert_eq!(log_ids(&env, &repo, &["--until", "2026-11-22"]), both);
    // Committed on the 18th: by commit date the committed record is older
    // than yesterday; the uncommitted one counts by its recorded time.
    assert_eq!(
        log_ids(&env, &repo, &["--since", "yesterday", "--commit-date"]),
        vec![second.clone()]
    );
    assert_eq!(
        log_ids(&env, &repo, &["--until", "2026-11-18", "--commit-date"]),
        vec![first.clone()]
    );
    assert_eq!(
        search_ids(&env, &repo, &["--until", "3.days.ago", "--commit-date"]),
        vec![first]
    );
    let bad = env
        .lineage(&repo, &["log", "--since", "last friday"])
        .code(2);
    assert_eq!(
        bad.stderr.lines().next(),
        Some(
            "error: invalid --since: 'last friday' is not a date: give 2026-11-24, 2026-11-24T10:00:00Z, now, today, yesterday, N.UNIT.ago or 'N UNITs ago' (UNIT: second, minute, hour, day, week, month, year), or 'last UNIT'"
        )
    );
}

/// The `references` a new record got from `record --ref REF`.
fn referenced(env: &TestEnv, repo: &Path, reference: &str) -> Vec<String> {
    let json = env
        .lineage(
            repo,
            &[
                "record", "--kind", "evaluate", "--name", "check", "--ref", reference, "--format",
                "json",
            ],
        )
        .success()
        .json();
    json["record"]["references"]
        .as_array()
        .unwrap_or_else(|| panic!("no references in {json:#}"))
        .iter()
        .map(|r| r.as_str().expect("id").to_string())
        .collect()
}

/// Item 6: every REF form works in `record --ref`: a registered version
/// means the record that produced it, an artifact the record that wrote it.
#[test]
fn record_ref_takes_every_ref_form() {
    let env = TestEnv::new();
    let (repo, _) = demo_repo(&env, "demo");
    let (v2_train, v1_train) = demo_trains(&env, &repo);
    assert_eq!(
        referenced(&env, &repo, "model:fraud-model@production"),
        vec![v1_train.clone()]
    );
    assert_eq!(
        referenced(&env, &repo, "model:fraud-model@v2"),
        vec![v2_train.clone()]
    );
    assert_eq!(
        referenced(&env, &repo, "name:fraud-model"),
        vec![v2_train.clone()]
    );
    assert_eq!(
        referenced(&env, &repo, "model/model.json"),
        vec![v1_train.clone()]
    );
    let hash = crate::common::b3(&std::fs::read(repo.join("model/model-v2.json")).expect("model"));
    assert_eq!(
        referenced(&env, &repo, &format!("blake3:{hash}")),
        vec![v2_train.clone()]
    );
    assert_eq!(referenced(&env, &repo, &v1_train[..8]), vec![v1_train]);
    let commit = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "evaluate",
                "--name",
                "check",
                "--ref",
                "commit:HEAD",
            ],
        )
        .code(2);
    assert_eq!(
        commit.stderr.lines().next(),
        Some(
            "error: 'commit:HEAD' names an artifact (a path, hash or URI) or a commit, not a record"
        )
    );
    let missing = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "evaluate",
                "--name",
                "check",
                "--ref",
                "model:fraud-model@staging",
            ],
        )
        .code(2);
    assert_eq!(
        missing.stderr.lines().next(),
        Some(
            "error: 'model:fraud-model@staging': model 'fraud-model' has no version in stage 'staging'"
        )
    );
}

/// Item 1: "what used raw/claims.csv?" when the data is not in the
/// worktree: the path means what was recorded at it, every version newest
/// first, and one is chosen by its hash; `--recorded` asks for that even
/// when a file is there; PATH@REV keeps working.
#[test]
fn a_path_not_on_disk_means_its_recorded_versions() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join(".gitignore"), "data/\n");
    write(&repo.join("prep.py"), "print('prep')\n");
    commit_all(&env, &repo, "code");
    write(&repo.join("data/raw.csv"), b"id\n1\n");
    write(&repo.join("data/clean.csv"), b"id\n1\n\n");
    let first = record_step(
        &env,
        &repo,
        "process",
        "prep",
        &["-i", "data/raw.csv", "-o", "data/clean.csv", "--commit"],
    );
    let old_hash = crate::common::b3(b"id\n1\n");
    write(&repo.join("data/raw.csv"), b"id\n1\n2\n");
    let second = record_step(
        &env,
        &repo,
        "evaluate",
        "check",
        &["-i", "data/raw.csv", "--commit"],
    );
    let new_hash = crate::common::b3(b"id\n1\n2\n");
    std::fs::remove_dir_all(repo.join("data")).expect("remove data");

    let impact = env.lineage(&repo, &["impact", "data/raw.csv"]).success();
    assert!(
        impact
            .stdout
            .starts_with("2 records and 1 output downstream of data/raw.csv\n"),
        "{}",
        impact.stdout
    );
    assert_eq!(
        impact.stderr,
        format!(
            "note: 'data/raw.csv' means the 2 versions recorded at it, newest first (give one as REF to choose):\n  blake3:{new_hash}\n  blake3:{old_hash}\n"
        )
    );
    let graph = crate::common::graph_json(&env, &repo, &["data/raw.csv", "--down"]);
    assert_eq!(
        crate::common::sorted(graph.roots.clone()),
        crate::common::sorted([format!("blake3:{new_hash}"), format!("blake3:{old_hash}")])
    );
    // Choosing one version.
    let one = env
        .lineage(
            &repo,
            &["impact", &format!("blake3:{old_hash}"), "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(one["records"]["process"][0]["id"], first.as_str());
    assert!(one["records"].get("evaluate").is_none(), "{one:#}");
    // search --input matches the recorded path; show names its producer.
    assert_eq!(
        search_ids(&env, &repo, &["--input", "data/raw.csv"]),
        vec![second.clone(), first.clone()]
    );
    let shown = env.lineage(&repo, &["show", "data/clean.csv"]).success();
    assert!(
        shown.stdout.starts_with(&format!("record   {first}\n")),
        "{}",
        shown.stdout
    );
    assert_eq!(
        shown.stderr,
        format!(
            "note: record {} is the latest that produced data/clean.csv\n",
            &first[..12]
        )
    );
    // A path nothing recorded is still an error.
    let nope = env.lineage(&repo, &["graph", "data/nope.csv"]).code(2);
    assert_eq!(
        nope.stderr.lines().next(),
        Some("error: 'data/nope.csv': no such file or directory, and not PATH@REV")
    );
    // With the file back (new bytes nobody recorded), --recorded still
    // means the recorded versions.
    write(&repo.join("data/raw.csv"), b"id\n9\n");
    env.lineage(&repo, &["graph", "data/raw.csv"]).code(2);
    let recorded = crate::common::graph_json(
        &env,
        &repo,
        &["data/raw.csv", "--recorded", "--down", "--depth", "1"],
    );
    assert_eq!(recorded.roots.len(), 2);
    // PATH@REV keeps meaning the committed bytes.
    let at_rev = env.lineage(&repo, &["graph", "prep.py@HEAD"]).code(2);
    assert!(
        at_rev.stderr.contains("is not in the lineage graph"),
        "{}",
        at_rev.stderr
    );
}

/// Item 2: "everything built from the buggy commit until the fix": records
/// made from code that contains X and not Y, the start commits summarised.
#[test]
fn a_commit_range_is_the_code_between_the_bug_and_the_fix() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join(".gitignore"), "model/\n");
    write(&repo.join("train.py"), "ok\n");
    commit_all(&env, &repo, "code");
    write(&repo.join("model/a.bin"), b"0");
    let before = record_step(
        &env,
        &repo,
        "train",
        "m",
        &["-o", "model/a.bin", "--commit"],
    );
    write(&repo.join("train.py"), "bug\n");
    commit_all(&env, &repo, "bug");
    let bug = crate::common::rev_parse(&env, &repo, "HEAD");
    write(&repo.join("model/b.bin"), b"1");
    let buggy1 = record_step(
        &env,
        &repo,
        "train",
        "m",
        &["-o", "model/b.bin", "--commit"],
    );
    write(&repo.join("model/c.bin"), b"2");
    let buggy2 = record_step(
        &env,
        &repo,
        "train",
        "m",
        &["-o", "model/c.bin", "--commit"],
    );
    write(&repo.join("train.py"), "fixed\n");
    commit_all(&env, &repo, "fix");
    let fix = crate::common::rev_parse(&env, &repo, "HEAD");
    write(&repo.join("model/d.bin"), b"3");
    let after = record_step(
        &env,
        &repo,
        "train",
        "m",
        &["-o", "model/d.bin", "--commit"],
    );

    let ids = |args: &[&str]| -> Vec<String> {
        let graph = crate::common::graph_json(&env, &repo, args);
        graph
            .nodes
            .iter()
            .filter_map(|n| n.id.strip_prefix("record:").map(str::to_string))
            .collect()
    };
    let range = format!("commit:{}..{}", &bug[..7], &fix[..7]);
    let mut buggy = vec![buggy1.clone(), buggy2.clone()];
    buggy.sort();
    let mut got = ids(&[&range, "--down", "--type", "train"]);
    got.sort();
    assert_eq!(got, buggy);
    let mut got = ids(&[
        &format!("commit:{}", &bug[..7]),
        "--until-commit",
        &fix[..7],
        "--down",
        "--type",
        "train",
    ]);
    got.sort();
    assert_eq!(got, buggy);
    // Without the end: the run after the fix too, but never the one before.
    let all = ids(&[
        &format!("commit:{}", &bug[..7]),
        "--descendants-of-commit",
        "--down",
        "--type",
        "train",
    ]);
    assert!(all.contains(&after) && !all.contains(&before), "{all:?}");

    // The table summarises the start commits in one line.
    let table = env
        .lineage(&repo, &["graph", &range, "--down", "--type", "train"])
        .success();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", table.stdout);
    assert!(
        lines[0].starts_with(&format!(
            "from 2 commits that contain {} and not {}: ",
            &bug[..12],
            &fix[..12]
        )),
        "{}",
        table.stdout
    );
    assert!(lines[1].starts_with("HOPS"));
    assert!(
        lines[2..].iter().all(|l| l.starts_with("down 1  train")),
        "{}",
        table.stdout
    );
    let impact = env.lineage(&repo, &["impact", &range]).success();
    assert!(
        impact.stdout.starts_with(&format!(
            "2 records and 2 outputs downstream of {range}\nfrom 2 commits"
        )),
        "{}",
        impact.stdout
    );
    // A range with nothing in it says so.
    let empty = env
        .lineage(
            &repo,
            &["graph", &format!("commit:{}..{}", &fix[..7], &fix[..7])],
        )
        .code(2);
    assert!(
        empty
            .stderr
            .contains("no record was made from code that contains"),
        "{}",
        empty.stderr
    );
}
