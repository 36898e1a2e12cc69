//! Damaged history is never silently incomplete (issue 10.4): when a
//! committed record file cannot be read (its git object corrupt or gone, or
//! its bytes not a record), every command that reads history names the
//! commit and path on stderr and in JSON `warnings`, `export` refuses
//! without `--allow-incomplete`, and the derived index and snapshot under
//! `.git/lineage/` never turn the failure into a silent absence.

use std::path::{Path, PathBuf};

use crate::common::*;

/// A committed pipeline whose training record's blob is damaged and whose
/// worktree copy is gone (as in a clone from a damaged repository), so
/// history has only the git object to read it from.
struct Damaged {
    p: Pipeline,
    /// `.lineage/records/<2>/<train>.yaml`.
    path: String,
}

impl Damaged {
    fn short_commit(&self) -> &str {
        &self.p.train_commit[..12]
    }

    /// The stderr line every history command prints for the damaged record.
    fn warning_line(&self) -> String {
        format!(
            "warning: cannot read {} in commit {}: ",
            self.path,
            self.short_commit()
        )
    }

    #[track_caller]
    fn assert_warned(&self, run: &Run, what: &str) {
        assert!(
            run.stderr.contains(&self.warning_line()),
            "{what}: stderr does not name the unreadable record ({}):\n{}",
            self.warning_line(),
            run.stderr
        );
    }

    /// The `warnings` list of a JSON document names the damaged record.
    #[track_caller]
    fn assert_json_warned(&self, json: &serde_json::Value, what: &str) {
        let warnings = json["warnings"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: no warnings list in {json:#}"));
        assert_eq!(warnings.len(), 1, "{what}: {json:#}");
        let w = &warnings[0];
        assert_eq!(w["commit"], self.p.train_commit.as_str(), "{what}: {w:#}");
        assert_eq!(w["path"], self.path.as_str(), "{what}: {w:#}");
        assert!(
            w["message"]
                .as_str()
                .is_some_and(|m| m.contains("cannot be read") || m.contains("missing")),
            "{what}: {w:#}"
        );
        // serde_json's map sorts keys: this checks the set, not the order.
        let keys: Vec<&String> = w.as_object().expect("warning object").keys().collect();
        assert_eq!(keys, ["commit", "message", "path"], "{what}: {w:#}");
    }
}

fn object_path(repo: &Path, id: &str) -> PathBuf {
    repo.join(".git/objects").join(&id[..2]).join(&id[2..])
}

/// Overwrite (`delete: false`) or delete the loose object of the training
/// record, remove its worktree file and the derived data.
fn damaged(env: &TestEnv, delete: bool) -> Damaged {
    let p = pipeline(env, &[], &[]);
    let path = record_rel_path(&p.train);
    let blob = rev_parse(env, &p.repo, &format!("HEAD:{path}"));
    let object = object_path(&p.repo, &blob);
    assert!(object.is_file(), "record --commit writes loose objects");
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    if delete {
        std::fs::remove_file(&object).unwrap();
    } else {
        std::fs::write(&object, b"this is not a zlib stream").unwrap();
    }
    std::fs::remove_file(p.repo.join(&path)).unwrap();
    cold(&p.repo);
    Damaged { p, path }
}

/// Delete the derived index and snapshot.
fn cold(repo: &Path) {
    let _ = std::fs::remove_dir_all(repo.join(".git/lineage"));
}

/// Every command that reads history, with arguments that work on the
/// damaged pipeline (stdout is not checked here).
fn history_commands(d: &Damaged) -> Vec<Vec<String>> {
    let p = &d.p;
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        s(&["log"]),
        s(&["log", "--all"]),
        s(&["graph", "data/features.csv"]),
        s(&["impact", "data/raw.csv"]),
        s(&["search", "--kind", "train"]),
        // The damaged record is not in the worktree: show looks in history.
        s(&["show", &p.train[..12]]),
        s(&["diff", &p.process, &p.evaluate]),
        s(&["diff", &format!("{}..HEAD", p.data_commit)]),
        s(&["status"]),
        s(&["registry", "list"]),
        s(&["export", "--format", "prov", "--allow-incomplete"]),
    ]
}

#[test]
fn every_history_command_names_the_unreadable_record_cold_and_then_warm() {
    let env = TestEnv::new();
    let d = damaged(&env, false);
    for args in history_commands(&d) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cold(&d.p.repo);
        let first = env.lineage(&d.p.repo, &args);
        d.assert_warned(&first, &format!("{args:?} (cold)"));
        assert!(
            d.p.repo.join(".git/lineage").is_dir(),
            "{args:?} keeps derived data"
        );
        let second = env.lineage(&d.p.repo, &args);
        d.assert_warned(&second, &format!("{args:?} (warm)"));
        assert_eq!(first.code, second.code, "{args:?}: same answer warm");
        assert_eq!(first.stdout, second.stdout, "{args:?}: same answer warm");
    }
}

#[test]
fn a_deleted_record_object_is_named_too() {
    let env = TestEnv::new();
    let d = damaged(&env, true);
    let run = env.lineage(&d.p.repo, &["log"]).success();
    d.assert_warned(&run, "log");
    assert!(
        run.stderr.contains("missing from the object database"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains(&d.p.train[..12]), "{}", run.stdout);
}

#[test]
fn json_outputs_carry_the_unreadable_record_in_warnings() {
    let env = TestEnv::new();
    let d = damaged(&env, false);
    let p = &d.p;
    // A readable record that is only in history, so `show` reads history.
    std::fs::remove_file(p.repo.join(record_rel_path(&p.process))).unwrap();
    let json = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--format", "json"]);
        let run = env.lineage(&p.repo, &all);
        assert!(run.code == 0, "{all:?}: {}", run.stderr);
        d.assert_warned(&run, &format!("{all:?}"));
        run.json()
    };
    let log = json(&["log"]);
    d.assert_json_warned(&log, "log");
    let ids: Vec<&str> = log["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, [p.evaluate.as_str(), p.process.as_str()], "{log:#}");
    d.assert_json_warned(&json(&["search", "--kind", "process"]), "search");
    let graph = json(&["graph", "data/features.csv"]);
    d.assert_json_warned(&graph, "graph");
    assert!(graph["nodes"].is_array(), "the graph keys stay: {graph:#}");
    d.assert_json_warned(&json(&["impact", "data/raw.csv"]), "impact");
    let shown = json(&["show", &p.process[..12]]);
    d.assert_json_warned(&shown, "show");
    assert_eq!(shown["id"], p.process.as_str());
    d.assert_json_warned(&json(&["diff", &p.process, &p.evaluate]), "diff");
    d.assert_json_warned(&json(&["registry", "list"]), "registry list");
    let export = json(&["export", "--allow-incomplete"]);
    d.assert_json_warned(&export, "export --format json");

    // status and a range diff already had `warnings` as a list of strings;
    // it keeps that shape and names the commit and path.
    for args in [
        vec!["status"],
        vec!["diff", &format!("{}..HEAD", p.data_commit)],
    ] {
        let args: Vec<&str> = args.iter().map(|a| &**a).collect();
        let mut all = args.clone();
        all.extend_from_slice(&["--format", "json"]);
        let run = env.lineage(&p.repo, &all);
        let out = run.json();
        let text = d.warning_line().trim_start_matches("warning: ").to_string();
        assert!(
            out["warnings"].as_array().is_some_and(|w| w
                .iter()
                .any(|w| w.as_str().is_some_and(|w| w.starts_with(&text)))),
            "{args:?}: {out:#}"
        );
    }
}

#[test]
fn an_intact_history_prints_no_warnings_key() {
    let env = TestEnv::new();
    let p = pipeline(&env, &[], &[]);
    for args in [
        vec!["log", "--format", "json"],
        vec!["graph", "data/features.csv", "--format", "json"],
        vec!["impact", "data/raw.csv", "--format", "json"],
        vec!["registry", "list", "--format", "json"],
        vec!["export", "--format", "json"],
    ] {
        let run = env.lineage(&p.repo, &args).success();
        assert!(run.stderr.is_empty(), "{args:?}: {}", run.stderr);
        assert!(run.json().get("warnings").is_none(), "{args:?}");
    }
}

#[test]
fn export_refuses_an_incomplete_history_unless_allowed() {
    let env = TestEnv::new();
    let d = damaged(&env, false);
    let p = &d.p;
    for format in ["prov", "openlineage", "json", "in-toto", "dot"] {
        let run = env
            .lineage(&p.repo, &["export", "--format", format])
            .code(2);
        assert!(run.stdout.is_empty(), "{format}: {}", run.stdout);
        let error = run.stderr.lines().next().unwrap_or_default();
        assert!(
            error.starts_with("error: 1 record file in history cannot be read")
                && error.contains(&d.path)
                && error.contains(d.short_commit()),
            "{format}: {}",
            run.stderr
        );
        assert!(
            hint_line(&run.stderr).is_some_and(|h| h.contains("--allow-incomplete")),
            "{format}: {}",
            run.stderr
        );
    }
    for format in ["prov", "openlineage"] {
        let run = env
            .lineage(
                &p.repo,
                &["export", "--format", format, "--allow-incomplete"],
            )
            .success();
        d.assert_warned(&run, format);
        assert!(!run.stdout.contains(&p.train), "{format}: {}", run.stdout);
        assert!(run.stdout.contains(&p.evaluate), "{format}: {}", run.stdout);
    }
    // --quiet hides the warning, never the refusal.
    let quiet = env
        .lineage(
            &p.repo,
            &[
                "--quiet",
                "export",
                "--format",
                "prov",
                "--allow-incomplete",
            ],
        )
        .success();
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    env.lineage(&p.repo, &["--quiet", "export", "--format", "prov"])
        .code(2);
}

#[test]
fn quiet_hides_the_warning_but_json_still_carries_it() {
    let env = TestEnv::new();
    let d = damaged(&env, false);
    let run = env
        .lineage(&d.p.repo, &["--quiet", "log", "--format", "json"])
        .success();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    d.assert_json_warned(&run.json(), "log --quiet");
}

#[test]
fn verify_keeps_reporting_the_unreadable_record_whatever_loaded_the_index_first() {
    let env = TestEnv::new();
    let d = damaged(&env, false);
    // Each of these leaves derived data of another selection behind: every
    // branch (show, diff), a revision range (diff A..B), HEAD (log).
    for first in [
        vec!["show".to_string(), d.p.train[..12].to_string()],
        vec![
            "diff".to_string(),
            d.p.process.clone(),
            d.p.evaluate.clone(),
        ],
        vec!["diff".to_string(), format!("{}..HEAD", d.p.data_commit)],
        vec!["log".to_string(), "--all".to_string()],
        vec!["log".to_string()],
    ] {
        cold(&d.p.repo);
        let first: Vec<&str> = first.iter().map(String::as_str).collect();
        env.lineage(&d.p.repo, &first);
        for _ in 0..2 {
            let run = env.lineage(&d.p.repo, &["verify", "--history"]).code(1);
            assert!(
                run.stdout.contains(&format!("{}: unreadable: ", d.path)),
                "after {first:?}: {}",
                run.stdout
            );
        }
        // And a HEAD command after them still warns.
        d.assert_warned(
            &env.lineage(&d.p.repo, &["log"]),
            &format!("log after {first:?}"),
        );
    }
}

#[test]
fn a_committed_file_that_is_not_a_record_is_named() {
    let env = TestEnv::new();
    let p = pipeline(&env, &[], &[]);
    let id = store_raw_record(&p.repo, b"schema: git-lineage/v1\nkind: [unclosed\n");
    commit_all(&env, &p.repo, "a broken record");
    let commit = rev_parse(&env, &p.repo, "HEAD");
    std::fs::remove_file(record_path(&p.repo, &id)).unwrap();
    let expected = format!(
        "warning: cannot read {} in commit {}: not a valid record",
        record_rel_path(&id),
        &commit[..12]
    );
    for _ in 0..2 {
        let run = env.lineage(&p.repo, &["log"]).success();
        assert!(run.stderr.contains(&expected), "{}", run.stderr);
    }
    env.lineage(&p.repo, &["export", "--format", "prov"])
        .code(2);
}

#[test]
fn a_corrupt_records_tree_is_named() {
    let env = TestEnv::new();
    let p = pipeline(&env, &[], &[]);
    let shard = &p.train[..2];
    let tree = rev_parse(
        &env,
        &p.repo,
        &format!("{}:.lineage/records/{shard}", p.train_commit),
    );
    let object = object_path(&p.repo, &tree);
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"garbage").unwrap();
    cold(&p.repo);
    let expected = format!(
        "warning: cannot read .lineage/records in commit {}: ",
        &p.train_commit[..12]
    );
    for _ in 0..2 {
        let run = env.lineage(&p.repo, &["log"]).success();
        assert!(run.stderr.contains(&expected), "{}", run.stderr);
    }
    env.lineage(&p.repo, &["export", "--format", "prov"])
        .code(2);
    env.lineage(&p.repo, &["verify", "--history"]).code(1);
}

#[test]
fn an_object_lost_after_the_index_knew_its_record_is_never_silently_dropped() {
    let env = TestEnv::new();
    let p = pipeline(&env, &[], &[]);
    // Warm: the index and snapshot hold the training record's summary.
    env.lineage(&p.repo, &["log"]).success();
    let path = record_rel_path(&p.train);
    let blob = rev_parse(&env, &p.repo, &format!("HEAD:{path}"));
    std::fs::remove_file(object_path(&p.repo, &blob)).unwrap();
    std::fs::remove_file(p.repo.join(&path)).unwrap();
    // Answers from the derived data stay complete...
    let log = env.lineage(&p.repo, &["log"]).success();
    assert!(log.stdout.contains(&p.train[..12]), "{}", log.stdout);
    // ...and what needs the bytes fails loudly, naming the record.
    let show = env.lineage(&p.repo, &["show", &p.train[..12]]).code(2);
    assert!(
        show.stderr.contains(&p.train) && show.stderr.contains("missing"),
        "{}",
        show.stderr
    );
    let export = env
        .lineage(&p.repo, &["export", "--format", "prov"])
        .code(2);
    assert!(export.stderr.contains(&p.train), "{}", export.stderr);
    // The hint says what to do, here too: restore, or export without it.
    assert!(
        export
            .stderr
            .contains("hint: the record's git object is missing or damaged")
            && export.stderr.contains("--allow-incomplete"),
        "{}",
        export.stderr
    );
    let allowed = env
        .lineage(
            &p.repo,
            &["export", "--format", "prov", "--allow-incomplete"],
        )
        .success();
    assert!(
        allowed.stderr.contains(&format!(
            "warning: cannot read {path} in commit {}: ",
            &p.train_commit[..12]
        )),
        "{}",
        allowed.stderr
    );
    assert!(!allowed.stdout.contains(&p.train), "{}", allowed.stdout);
    assert!(allowed.stdout.contains(&p.evaluate), "{}", allowed.stdout);
}
