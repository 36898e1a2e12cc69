//! `log` and `verify --history`: records rebuilt from git history with the
//! commit that introduced each, across branches, merges, rebases, resets and
//! shallow clones, with the derived index never serving stale answers; and
//! history's integrity findings (edited, deleted, corrupt, misnamed files).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{
    LogOutput, TestEnv, b3, commit_all, fixture_bytes, graph_json, lines, log_json,
    record_rel_path, record_step, rev_parse, rfc3339_utc_nanos, sorted, store_raw_record, write,
};

/// The derived index of a repository.
fn index_path(repo: &Path) -> PathBuf {
    repo.join(".git/lineage/history-v1.idx")
}

fn snapshot_path(repo: &Path) -> PathBuf {
    repo.join(".git/lineage/snapshot-v1.bin")
}

/// `record --kind KIND --name NAME --commit ARGS`; returns (id, HEAD after it).
#[track_caller]
fn record_commit(
    env: &TestEnv,
    repo: &Path,
    kind: &str,
    name: &str,
    args: &[&str],
) -> (String, String) {
    let mut all = vec!["--commit"];
    all.extend_from_slice(args);
    let id = record_step(env, repo, kind, name, &all);
    (id, rev_parse(env, repo, "HEAD"))
}

/// A repository whose config and data are committed, ready for records.
fn pipeline_repo(env: &TestEnv, name: &str) -> PathBuf {
    let repo = env.repo(name);
    write(&repo.join("data/raw.csv"), "id,amount\n1,9.99\n2,12.50\n");
    commit_all(env, &repo, "add raw data and lineage config");
    repo
}

/// The record of `log` output with this id.
#[track_caller]
fn entry<'a>(log: &'a LogOutput, id: &str) -> &'a crate::common::LogRecord {
    log.records
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("{id} not in log: {log:#?}"))
}

/// The introducing commit id of a record in `log` output.
#[track_caller]
fn commit_of(log: &LogOutput, id: &str) -> String {
    entry(log, id)
        .commit
        .as_ref()
        .unwrap_or_else(|| panic!("{id} has no commit: {log:#?}"))
        .id
        .clone()
}

#[test]
fn log_lists_records_newest_first_with_their_introducing_commits() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    write(&repo.join("data/features.csv"), "f\n1\n");
    let (process, c1) = record_commit(
        &env,
        &repo,
        "process",
        "features",
        &["-i", "data/raw.csv", "-o", "data/features.csv"],
    );
    write(&repo.join("model/model.bin"), [1u8, 2, 3]);
    let (train, c2) = record_commit(
        &env,
        &repo,
        "train",
        "fraud-model",
        &["-i", "data/features.csv", "-o", "model/model.bin"],
    );
    let (evaluate, c3) = record_commit(
        &env,
        &repo,
        "evaluate",
        "fraud-eval",
        &["-i", "model/model.bin", "-m", "auc=0.91"],
    );
    assert!(c1 != c2 && c2 != c3);
    // Committed by hand for someone else: the commit's author, and the
    // first line of its message.
    let by_ada = record_step(&env, &repo, "deploy", "fraud-endpoint", &[]);
    env.git(&repo, &["add", "-A"]);
    env.git(
        &repo,
        &[
            "commit",
            "-q",
            "--author",
            "Ada Lovelace <ada@example.org>",
            "-m",
            "deploy the model",
            "-m",
            "A body that is not part of the message shown.",
        ],
    );
    let c4 = rev_parse(&env, &repo, "HEAD");
    // Not committed: listed first, with no commit.
    let pending = record_step(&env, &repo, "evaluate", "fraud-eval", &["-m", "auc=0.92"]);

    let log = log_json(&env, &repo, &["log"]);
    assert_eq!(
        log.ids(),
        [
            pending.as_str(),
            by_ada.as_str(),
            evaluate.as_str(),
            train.as_str(),
            process.as_str()
        ]
    );
    let kinds: Vec<(&str, &str)> = log
        .records
        .iter()
        .map(|r| (r.kind.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("evaluate", "fraud-eval"),
            ("deploy", "fraud-endpoint"),
            ("evaluate", "fraud-eval"),
            ("train", "fraud-model"),
            ("process", "features"),
        ]
    );
    let ada = entry(&log, &by_ada).commit.as_ref().expect("committed");
    assert_eq!(ada.id, c4);
    assert_eq!(
        (ada.author.name.as_str(), ada.author.email.as_str()),
        ("Ada Lovelace", "ada@example.org")
    );
    assert_eq!(ada.message, "deploy the model");
    assert_eq!(log.records[0].commit, None);
    assert_eq!(log.records[0].path, record_rel_path(&pending));
    for (id, commit) in [(&evaluate, &c3), (&train, &c2), (&process, &c1)] {
        let record = entry(&log, id);
        assert_eq!(record.path, record_rel_path(id));
        let info = record.commit.as_ref().expect("committed");
        assert_eq!(&info.id, commit, "{id}");
        assert_eq!(info.author.name, "Jane Doe");
        assert_eq!(info.author.email, "jane@example.com");
        assert_eq!(
            info.message,
            env.git(&repo, &["log", "-1", "--format=%s", commit]).trim()
        );
        let committed: i128 = env
            .git(&repo, &["log", "-1", "--format=%ct", commit])
            .trim()
            .parse()
            .unwrap();
        assert_eq!(
            rfc3339_utc_nanos(&info.date),
            committed * 1_000_000_000,
            "the date is the committer time: {}",
            info.date
        );
    }

    // The table: a header, then the same order; the pending one is marked.
    let run = env.lineage(&repo, &["log"]).success();
    let rows = lines(&run.stdout);
    assert_eq!(rows.len(), 6, "{}", run.stdout);
    assert!(rows[0].starts_with("RECORD"), "{}", run.stdout);
    assert!(rows[2].starts_with(&by_ada[..12]), "{}", run.stdout);
    assert!(rows[2].ends_with("Ada Lovelace"), "{}", run.stdout);
    for (row, (id, commit)) in [&rows[1], &rows[3], &rows[4], &rows[5]].into_iter().zip([
        (&pending, "uncommitted"),
        (&evaluate, &c3[..12]),
        (&train, &c2[..12]),
        (&process, &c1[..12]),
    ]) {
        assert!(row.starts_with(&id[..12]), "{row}");
        assert!(row.contains(commit), "{row}");
        assert!(row.ends_with("Jane Doe"), "{row}");
    }
}

#[test]
fn log_filters_by_kind_name_and_since() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (a, _) = record_commit(&env, &repo, "process", "features", &["-i", "data/raw.csv"]);
    let (b, _) = record_commit(&env, &repo, "train", "fraud-model", &["-p", "lr=0.1"]);
    let (c, _) = record_commit(&env, &repo, "train", "other-model", &["-p", "lr=0.2"]);
    let d = record_step(&env, &repo, "train", "fraud-model", &["-p", "lr=0.3"]);

    assert_eq!(
        log_json(&env, &repo, &["log", "--kind", "train"]).ids(),
        [d.as_str(), c.as_str(), b.as_str()]
    );
    assert_eq!(
        log_json(&env, &repo, &["log", "--kind", "process"]).ids(),
        [a.as_str()]
    );
    // The table is the default format, also spelled `table` (or `text`).
    let table = env.lineage(&repo, &["log", "--kind", "process"]).success();
    assert_eq!(
        lines(&table.stdout).len(),
        2,
        "a header and one row: {}",
        table.stdout
    );
    assert!(table.stdout.contains(&a[..12]), "{}", table.stdout);
    for spelling in ["table", "text"] {
        let run = env.lineage(&repo, &["log", "--kind", "process", "--format", spelling]);
        assert_eq!(run.success().stdout, table.stdout);
    }
    assert_eq!(
        log_json(&env, &repo, &["log", "--name", "fraud-model"]).ids(),
        [d.as_str(), b.as_str()]
    );
    assert_eq!(
        log_json(
            &env,
            &repo,
            &["log", "--name", "fraud-model", "--kind", "process"]
        )
        .ids(),
        Vec::<String>::new()
    );

    // --since is inclusive, on the time recorded.
    let all = log_json(&env, &repo, &["log"]);
    assert_eq!(all.ids(), [d.as_str(), c.as_str(), b.as_str(), a.as_str()]);
    let since_b = entry(&all, &b).recorded.clone();
    assert_eq!(
        log_json(&env, &repo, &["log", "--since", &since_b]).ids(),
        [d.as_str(), c.as_str(), b.as_str()]
    );
    // The same instant with an offset: 10:07Z is 11:07+01:00.
    let hour: u32 = since_b[11..13].parse().unwrap();
    let offset = format!(
        "{}{:02}{}+01:00",
        &since_b[..11],
        hour + 1,
        &since_b[13..19]
    );
    assert_eq!(
        log_json(&env, &repo, &["log", "--since", &offset]).ids(),
        [d.as_str(), c.as_str(), b.as_str()],
        "{offset}"
    );
    let since_d = entry(&all, &d).recorded.clone();
    assert_eq!(
        log_json(
            &env,
            &repo,
            &["log", "--since", &since_d, "--kind", "train"]
        )
        .ids(),
        [d.as_str()]
    );
    // A date alone is its midnight (UTC); the hermetic clock is on 2026-11-22.
    assert_eq!(
        log_json(&env, &repo, &["log", "--since", "2026-11-22"]).ids(),
        [d.as_str(), c.as_str(), b.as_str(), a.as_str()]
    );
    assert!(
        log_json(&env, &repo, &["log", "--since", "2026-11-23"])
            .records
            .is_empty()
    );
    let run = env
        .lineage(&repo, &["log", "--since", "2026-11-23"])
        .success();
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("no records"), "{}", run.stderr);

    let run = env
        .lineage(&repo, &["log", "--since", "last tuesday"])
        .code(2);
    assert!(run.stderr.contains("--since"), "{}", run.stderr);
    assert!(run.stderr.contains("2026-11-24"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_merged_side_branch_record_keeps_its_own_commit() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (base, base_commit) = record_commit(&env, &repo, "process", "features", &[]);
    env.git(&repo, &["checkout", "-q", "-b", "side"]);
    let (side, side_commit) = record_commit(&env, &repo, "train", "side-model", &[]);
    env.git(&repo, &["checkout", "-q", "main"]);
    let (main, main_commit) = record_commit(&env, &repo, "train", "main-model", &[]);
    env.git(
        &repo,
        &["merge", "-q", "--no-ff", "side", "-m", "merge side"],
    );
    let merge = rev_parse(&env, &repo, "HEAD");
    assert_eq!(
        lines(&env.git(&repo, &["log", "-1", "--format=%P"]))[0]
            .split(' ')
            .count(),
        2,
        "a real merge"
    );

    let log = log_json(&env, &repo, &["log"]);
    assert_eq!(
        sorted(log.ids()),
        sorted([&base, &side, &main].map(String::as_str)),
        "each record exactly once"
    );
    assert_eq!(commit_of(&log, &side), side_commit);
    assert_ne!(commit_of(&log, &side), merge);
    assert_eq!(commit_of(&log, &main), main_commit);
    assert_eq!(commit_of(&log, &base), base_commit);
    // The oldest is last.
    assert_eq!(log.ids().last(), Some(&base));
    // --all sees the same records once each.
    assert_eq!(
        sorted(log_json(&env, &repo, &["log", "--all"]).ids()),
        sorted(log.ids())
    );
}

#[test]
fn after_a_merge_log_is_still_newest_first() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (base, _) = record_commit(&env, &repo, "process", "features", &[]);
    env.git(&repo, &["checkout", "-q", "-b", "side"]);
    let (older, older_commit) = record_commit(&env, &repo, "train", "side-model", &[]);
    env.git(&repo, &["checkout", "-q", "main"]);
    let (newer, newer_commit) = record_commit(&env, &repo, "train", "main-model", &[]);
    env.git(
        &repo,
        &["merge", "-q", "--no-ff", "side", "-m", "merge side"],
    );
    // git agrees on which is newer.
    let order = lines(&env.git(&repo, &["log", "--format=%H"]));
    let at = |c: &str| order.iter().position(|x| x == c).unwrap();
    assert!(at(&newer_commit) < at(&older_commit));

    assert_eq!(
        log_json(&env, &repo, &["log"]).ids(),
        [newer.as_str(), older.as_str(), base.as_str()]
    );
}

#[test]
fn all_and_rev_select_branches() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (base, _) = record_commit(&env, &repo, "process", "features", &[]);
    env.git(&repo, &["checkout", "-q", "-b", "feature"]);
    let (f1, f1_commit) = record_commit(&env, &repo, "train", "candidate-1", &[]);
    let (f2, f2_commit) = record_commit(&env, &repo, "train", "candidate-2", &[]);
    env.git(&repo, &["checkout", "-q", "main"]);

    // HEAD (main) does not have the feature records.
    assert_eq!(log_json(&env, &repo, &["log"]).ids(), [base.as_str()]);
    let all = log_json(&env, &repo, &["log", "--all"]);
    assert_eq!(all.ids(), [f2.as_str(), f1.as_str(), base.as_str()]);
    assert_eq!(commit_of(&all, &f1), f1_commit);
    assert_eq!(commit_of(&all, &f2), f2_commit);
    assert_eq!(
        log_json(&env, &repo, &["log", "--rev", "main..feature"]).ids(),
        [f2.as_str(), f1.as_str()]
    );
    assert_eq!(
        log_json(&env, &repo, &["log", "--rev", "feature", "--rev", "^main"]).ids(),
        [f2.as_str(), f1.as_str()]
    );
    assert_eq!(
        log_json(&env, &repo, &["log", "--rev", "feature~1"]).ids(),
        [f1.as_str(), base.as_str()]
    );
    // HEAD is still main's history after the other queries.
    assert_eq!(log_json(&env, &repo, &["log"]).ids(), [base.as_str()]);

    // An uncommitted record belongs to the worktree (HEAD), not to a range.
    let pending = record_step(&env, &repo, "evaluate", "pending", &[]);
    assert_eq!(
        log_json(&env, &repo, &["log"]).ids(),
        [pending.as_str(), base.as_str()]
    );
    assert_eq!(
        log_json(&env, &repo, &["log", "--rev", "main..feature"]).ids(),
        [f2.as_str(), f1.as_str()]
    );

    // A tag keeps a deleted branch's records in --all.
    env.git(
        &repo,
        &["tag", "-a", "v1", "-m", "candidate 1", "feature~1"],
    );
    env.git(&repo, &["branch", "-q", "-D", "feature"]);
    let all = log_json(&env, &repo, &["log", "--all"]);
    assert_eq!(all.ids(), [pending.as_str(), f1.as_str(), base.as_str()]);
    assert_eq!(commit_of(&all, &f1), f1_commit);
    assert_eq!(
        log_json(&env, &repo, &["log", "--rev", "main..v1"]).ids(),
        [f1.as_str()]
    );

    let run = env
        .lineage(&repo, &["log", "--rev", "no-such-branch"])
        .code(2);
    assert!(run.stderr.contains("no-such-branch"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_rebase_reports_the_rebased_commits() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (base, base_commit) = record_commit(&env, &repo, "process", "features", &[]);
    env.git(&repo, &["checkout", "-q", "-b", "feature"]);
    let (f1, old_f1) = record_commit(&env, &repo, "train", "candidate-1", &[]);
    let (f2, old_f2) = record_commit(&env, &repo, "train", "candidate-2", &[]);
    env.git(&repo, &["checkout", "-q", "main"]);
    write(&repo.join("train.py"), "print('training v2')\n");
    commit_all(&env, &repo, "improve training");
    env.git(&repo, &["checkout", "-q", "feature"]);

    // Fill the index with the pre-rebase commits.
    let before = log_json(&env, &repo, &["log"]);
    assert_eq!(before.ids(), [f2.as_str(), f1.as_str(), base.as_str()]);
    assert_eq!(commit_of(&before, &f1), old_f1);
    assert_eq!(commit_of(&before, &f2), old_f2);
    assert!(index_path(&repo).is_file(), "log writes the derived index");

    env.git(&repo, &["rebase", "-q", "main"]);
    let new_f2 = rev_parse(&env, &repo, "HEAD");
    let new_f1 = rev_parse(&env, &repo, "HEAD~1");
    assert!(new_f1 != old_f1 && new_f2 != old_f2);

    let after = log_json(&env, &repo, &["log"]);
    assert_eq!(after.ids(), [f2.as_str(), f1.as_str(), base.as_str()]);
    assert_eq!(commit_of(&after, &f1), new_f1);
    assert_eq!(commit_of(&after, &f2), new_f2);
    assert_eq!(commit_of(&after, &base), base_commit);
    // The old commits are still in the object database (reflog), but no
    // longer reachable from any ref: --all must not report them either.
    let all = log_json(&env, &repo, &["log", "--all"]);
    assert_eq!(all.ids(), [f2.as_str(), f1.as_str(), base.as_str()]);
    assert_eq!(commit_of(&all, &f1), new_f1);
}

#[test]
fn a_hard_reset_drops_the_record() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (a, a_commit) = record_commit(&env, &repo, "process", "features", &[]);
    let (b, _) = record_commit(&env, &repo, "train", "fraud-model", &[]);
    assert_eq!(
        log_json(&env, &repo, &["log"]).ids(),
        [b.as_str(), a.as_str()]
    );

    env.git(&repo, &["reset", "-q", "--hard", "HEAD~1"]);
    let log = log_json(&env, &repo, &["log"]);
    assert_eq!(log.ids(), [a.as_str()]);
    assert_eq!(commit_of(&log, &a), a_commit);

    // A soft reset keeps the file: the record is there again, uncommitted.
    let (c, _) = record_commit(&env, &repo, "train", "fraud-model-2", &[]);
    assert_eq!(
        log_json(&env, &repo, &["log"]).ids(),
        [c.as_str(), a.as_str()]
    );
    env.git(&repo, &["reset", "-q", "--soft", "HEAD~1"]);
    let log = log_json(&env, &repo, &["log"]);
    assert_eq!(log.ids(), [c.as_str(), a.as_str()]);
    assert_eq!(entry(&log, &c).commit, None);
}

#[test]
fn deleting_the_index_gives_identical_output() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    write(&repo.join("data/features.csv"), "f\n");
    record_commit(
        &env,
        &repo,
        "process",
        "features",
        &["-i", "data/raw.csv", "-o", "data/features.csv"],
    );
    env.git(&repo, &["checkout", "-q", "-b", "side"]);
    record_commit(&env, &repo, "train", "side", &["-i", "data/features.csv"]);
    env.git(&repo, &["checkout", "-q", "main"]);
    record_commit(&env, &repo, "train", "main", &["-i", "data/features.csv"]);
    env.git(
        &repo,
        &["merge", "-q", "--no-ff", "side", "-m", "merge side"],
    );
    record_step(&env, &repo, "evaluate", "pending", &[]);

    let queries: [&[&str]; 4] = [
        &["log", "--format", "json"],
        &["log"],
        &["log", "--all", "--format", "json"],
        &["graph", "data/raw.csv", "--format", "json"],
    ];
    let run_all = || -> Vec<(String, String)> {
        queries
            .iter()
            .map(|args| {
                let run = env.lineage(&repo, args).success();
                (run.stdout, run.stderr)
            })
            .collect()
    };
    let cold = run_all();
    assert!(index_path(&repo).is_file());
    let log: LogOutput = serde_json::from_str(&cold[0].0).expect("log JSON");
    assert_eq!(log.records.len(), 4, "four records: {}", cold[0].0);
    let warm = run_all();
    assert_eq!(warm, cold, "a warm index changes nothing");
    std::fs::remove_file(index_path(&repo)).unwrap();
    std::fs::remove_file(snapshot_path(&repo)).unwrap();
    let rebuilt = run_all();
    assert_eq!(rebuilt, cold, "a rebuilt index changes nothing");
    assert!(index_path(&repo).is_file(), "the index is written again");
    assert!(
        snapshot_path(&repo).is_file(),
        "the snapshot is written again"
    );
    // The snapshot alone (no index) and the index alone give the same answers.
    std::fs::remove_file(index_path(&repo)).unwrap();
    assert_eq!(run_all(), cold, "served from the snapshot");
    std::fs::remove_file(snapshot_path(&repo)).unwrap();
    assert_eq!(run_all(), cold, "assembled from the index");

    // A damaged index is derived data: it is ignored and rebuilt.
    std::fs::write(index_path(&repo), b"garbage, not an index").unwrap();
    assert_eq!(run_all(), cold);
    // An index that cannot be written only costs speed.
    std::fs::remove_dir_all(repo.join(".git/lineage")).unwrap();
    std::fs::write(repo.join(".git/lineage"), b"a file in the way").unwrap();
    assert_eq!(run_all(), cold);
}

#[test]
fn a_snapshot_extended_by_new_commits_equals_a_full_walk() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (first, _) = record_commit(&env, &repo, "process", "features", &["-i", "data/raw.csv"]);
    let queries: [&[&str]; 3] = [
        &["log", "--format", "json"],
        &["verify", "--history", "--format", "json"],
        &["graph", "data/raw.csv", "--down", "--format", "json"],
    ];
    let run_all = || -> Vec<(i32, String)> {
        queries
            .iter()
            .map(|args| {
                let run = env.lineage(&repo, args);
                (run.code, run.stdout)
            })
            .collect()
    };
    run_all();
    assert!(snapshot_path(&repo).is_file());

    // New commits on top: a record, an edit of the first record's file (a
    // finding), and an uncommitted record; the snapshot is extended.
    let (second, second_commit) =
        record_commit(&env, &repo, "train", "model", &["-i", "data/raw.csv"]);
    let first_path = repo.join(format!(".lineage/records/{}/{first}.yaml", &first[..2]));
    let mut bytes = std::fs::read(&first_path).unwrap();
    bytes.extend_from_slice(b"# edited\n");
    std::fs::write(&first_path, bytes).unwrap();
    commit_all(&env, &repo, "edit a record");
    let pending = record_step(&env, &repo, "evaluate", "pending", &["-i", "data/raw.csv"]);
    let extended = run_all();

    let log: LogOutput = serde_json::from_str(&extended[0].1).expect("log JSON");
    let ids: Vec<&str> = log.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [pending.as_str(), second.as_str(), first.as_str()]);
    assert_eq!(
        log.records[1].commit.as_ref().map(|c| c.id.as_str()),
        Some(second_commit.as_str())
    );
    assert_eq!(extended[1].0, 1, "the edit is a finding: {}", extended[1].1);
    assert!(extended[1].1.contains("\"edited\""), "{}", extended[1].1);

    // A full walk from nothing gives exactly the same answers.
    std::fs::remove_dir_all(repo.join(".git/lineage")).unwrap();
    assert_eq!(run_all(), extended);
}

#[test]
fn a_shallow_clone_warns_once_and_lists_what_is_there() {
    let env = TestEnv::new();
    let origin = pipeline_repo(&env, "origin");
    let (a, _) = record_commit(&env, &origin, "process", "features", &[]);
    let (b, _) = record_commit(&env, &origin, "train", "model-b", &[]);
    let (c, c_commit) = record_commit(&env, &origin, "train", "model-c", &[]);
    let (d, d_commit) = record_commit(&env, &origin, "evaluate", "eval-d", &[]);

    let url = format!("file://{}", origin.display());
    env.git(env.root(), &["clone", "-q", "--depth", "2", &url, "clone"]);
    let clone = env.path("clone");
    assert_eq!(
        env.git(&clone, &["rev-list", "--count", "HEAD"]).trim(),
        "2"
    );

    for _ in 0..2 {
        // Twice: the second run reads the index and must warn just the same.
        let run = env.lineage(&clone, &["log", "--format", "json"]).success();
        let warnings: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.contains("shallow"))
            .collect();
        assert_eq!(warnings.len(), 1, "one warning:\n{}", run.stderr);
        assert!(warnings[0].starts_with("warning: "), "{}", run.stderr);
        let log: LogOutput = serde_json::from_str(&run.stdout).unwrap();
        // The boundary commit holds every earlier record.
        assert_eq!(log.ids(), [d.as_str(), c.as_str(), b.as_str(), a.as_str()]);
        assert_eq!(commit_of(&log, &d), d_commit);
        for id in [a.as_str(), b.as_str(), c.as_str()] {
            assert_eq!(commit_of(&log, id), c_commit, "{id}");
        }
    }
    // Every history command warns once: the text log, graph, impact,
    // search and verify --history (which also reports it in JSON).
    for args in [
        &["graph", "name:model-b", "--depth", "0"][..],
        &["impact", "name:model-b"][..],
        &["search", "--kind", "train"][..],
        &["verify", "--history"][..],
    ] {
        let run = env.lineage(&clone, args).success();
        assert_eq!(
            run.stderr.matches("shallow clone").count(),
            1,
            "{args:?}: {}",
            run.stderr
        );
    }
    let report = env
        .lineage(&clone, &["verify", "--history", "--format", "json"])
        .success()
        .json();
    assert_eq!(report["problems"], serde_json::json!([]), "{report:#}");
    assert!(
        report["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("shallow clone")),
        "{report:#}"
    );
    let run = env.lineage(&clone, &["log"]).success();
    assert_eq!(
        run.stderr.matches("shallow clone").count(),
        1,
        "{}",
        run.stderr
    );

    // Deepened, the real commits appear and the warning goes.
    env.git(&clone, &["fetch", "-q", "--unshallow"]);
    let run = env.lineage(&clone, &["log", "--format", "json"]).success();
    assert!(!run.stderr.contains("shallow"), "{}", run.stderr);
    let log: LogOutput = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(log.ids(), [d.as_str(), c.as_str(), b.as_str(), a.as_str()]);
    assert_eq!(commit_of(&log, &a), rev_parse(&env, &clone, "HEAD~3"));
    assert_eq!(commit_of(&log, &b), rev_parse(&env, &clone, "HEAD~2"));
    assert_eq!(commit_of(&log, &c), c_commit);
}

#[test]
fn concurrent_queries_agree_and_leave_a_usable_index() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let mut ids = Vec::new();
    for i in 0..12 {
        let (id, _) = record_commit(&env, &repo, "train", &format!("model-{i}"), &[]);
        ids.push(id);
    }
    ids.reverse();
    for _ in 0..2 {
        let _ = std::fs::remove_file(index_path(&repo));
        // Cold index, six writers at once.
        let children: Vec<_> = (0..6)
            .map(|_| {
                env.command(crate::common::bin(), &repo)
                    .args(["log", "--format", "json"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn git-lineage")
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "{output:?}");
            let log: LogOutput = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(log.ids(), ids);
        }
        assert_eq!(log_json(&env, &repo, &["log"]).ids(), ids);
    }
}

#[test]
fn a_merge_that_drops_a_record_is_a_deletion() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    record_commit(&env, &repo, "process", "features", &[]);
    env.git(&repo, &["checkout", "-q", "-b", "side"]);
    let (side, _) = record_commit(&env, &repo, "train", "side-model", &[]);
    env.git(&repo, &["checkout", "-q", "main"]);
    env.git(
        &repo,
        &[
            "merge",
            "-q",
            "-s",
            "ours",
            "side",
            "-m",
            "merge side, keep ours",
        ],
    );
    let merge = rev_parse(&env, &repo, "HEAD");
    assert!(!repo.join(record_rel_path(&side)).exists());

    let report = verify_history(&env, &repo, 1);
    let found = history_problems(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["check"], "deleted");
    assert_eq!(found[0]["record"], side.as_str());
    assert_eq!(found[0]["commit"]["id"], merge.as_str());
}

// --- verify --history ---

/// `verify --history --format json` with the expected exit code.
#[track_caller]
fn verify_history(env: &TestEnv, repo: &Path, code: i32) -> Value {
    env.lineage(repo, &["verify", "--history", "--format", "json"])
        .code(code)
        .json()
}

/// The problems of a verify report that came from history (carry a commit).
fn history_problems(report: &Value) -> Vec<&Value> {
    report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| !p["commit"].is_null())
        .collect()
}

/// Replace the first `from` in a file's bytes with `to`.
#[track_caller]
fn edit_file(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{from:?} not in {}:\n{text}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn verify_history_is_clean_on_a_clean_history() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    record_commit(&env, &repo, "process", "features", &["-i", "data/raw.csv"]);
    env.git(&repo, &["checkout", "-q", "-b", "side"]);
    record_commit(&env, &repo, "train", "side", &[]);
    env.git(&repo, &["checkout", "-q", "main"]);
    record_commit(&env, &repo, "train", "main", &[]);
    env.git(
        &repo,
        &["merge", "-q", "--no-ff", "side", "-m", "merge side"],
    );

    let report = verify_history(&env, &repo, 0);
    assert_eq!(report["problems"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["records"], 3);
    let commits: u64 = env
        .git(&repo, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(report["commits"], commits, "{report:#}");
    let run = env.lineage(&repo, &["verify", "--history"]).code(0);
    assert!(run.stdout.starts_with("ok: 3 records"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("{commits} commits")),
        "{}",
        run.stdout
    );
}

#[test]
fn verify_history_names_an_edited_record_and_the_editing_commit() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (a, _) = record_commit(&env, &repo, "process", "features", &["-i", "data/raw.csv"]);
    let (b, b_commit) = record_commit(&env, &repo, "train", "fraud-model", &["-p", "lr=0.1"]);
    let path = record_rel_path(&b);
    edit_file(&repo.join(&path), "name: fraud-model", "name: tampered");
    edit_file(&repo.join(&path), "kind: train", "kind: deploy");
    commit_all(&env, &repo, "tweak the record");
    let editing = rev_parse(&env, &repo, "HEAD");

    let report = verify_history(&env, &repo, 1);
    let found = history_problems(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["check"], "edited", "{report:#}");
    assert_eq!(found[0]["record"], b.as_str());
    assert_eq!(found[0]["file"], path.as_str());
    assert_eq!(found[0]["commit"]["id"], editing.as_str());
    assert_eq!(found[0]["commit"]["author"]["name"], "Jane Doe");
    assert_eq!(found[0]["commit"]["message"], "tweak the record");
    assert!(
        report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["record"] != a.as_str()),
        "{report:#}"
    );

    let run = env.lineage(&repo, &["verify", "--history"]).code(1);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains(": edited: "))
        .unwrap_or_else(|| panic!("no edited line:\n{}", run.stdout));
    assert!(line.contains(&path), "{line}");
    assert!(line.contains(&editing[..12]), "{line}");

    // History keeps what was committed first: the original name and kind,
    // introduced by the original commit.
    let log = log_json(&env, &repo, &["log"]);
    assert_eq!(log.ids(), [b.as_str(), a.as_str()]);
    assert_eq!(entry(&log, &b).name, "fraud-model");
    assert_eq!(entry(&log, &b).kind, "train");
    assert_eq!(commit_of(&log, &b), b_commit);
    assert!(
        log_json(&env, &repo, &["log", "--name", "tampered"])
            .records
            .is_empty()
    );
    let graph = graph_json(&env, &repo, &[&b[..10], "--depth", "0"]);
    assert_eq!(graph.roots, [format!("record:{b}")]);
    let record = graph.nodes[0].record.as_ref().expect("a record node");
    assert_eq!(record["name"], "fraud-model");
    assert_eq!(record["kind"], "train");
    assert_eq!(record["commit"]["id"], b_commit.as_str());
}

#[test]
fn verify_history_names_a_deleted_record_and_the_deleting_commit() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (a, _) = record_commit(&env, &repo, "process", "features", &[]);
    let (b, b_commit) = record_commit(&env, &repo, "train", "fraud-model", &[]);
    let path = record_rel_path(&b);
    env.git(&repo, &["rm", "-q", &path]);
    env.git(
        &repo,
        &[
            "commit",
            "-q",
            "-m",
            "remove a record",
            "-m",
            "It was in the way.",
        ],
    );
    let deleting = rev_parse(&env, &repo, "HEAD");

    // The worktree alone looks fine.
    env.lineage(&repo, &["verify"]).code(0);

    let report = verify_history(&env, &repo, 1);
    let found = history_problems(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["check"], "deleted", "{report:#}");
    assert_eq!(found[0]["record"], b.as_str());
    assert_eq!(found[0]["file"], path.as_str());
    assert_eq!(found[0]["commit"]["id"], deleting.as_str());
    assert_eq!(found[0]["commit"]["message"], "remove a record");

    let run = env.lineage(&repo, &["verify", "--history"]).code(1);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains(": deleted: "))
        .unwrap_or_else(|| panic!("no deleted line:\n{}", run.stdout));
    assert!(line.contains(&b), "{line}");
    assert!(line.contains(&deleting[..12]), "{line}");

    // The record is still part of history.
    let log = log_json(&env, &repo, &["log"]);
    assert_eq!(log.ids(), [b.as_str(), a.as_str()]);
    assert_eq!(commit_of(&log, &b), b_commit);
}

#[test]
fn a_corrupt_record_blob_is_reported_and_the_rest_still_load() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (a, _) = record_commit(&env, &repo, "process", "features", &["-i", "data/raw.csv"]);
    // Bytes that hash to their name but are not a record.
    let corrupt = store_raw_record(&repo, &fixture_bytes("records/not-yaml.yaml"));
    commit_all(&env, &repo, "add a corrupt record");
    let corrupt_commit = rev_parse(&env, &repo, "HEAD");
    let (b, b_commit) = record_commit(&env, &repo, "train", "fraud-model", &["-i", "data/raw.csv"]);

    let report = verify_history(&env, &repo, 1);
    let found = history_problems(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["record"], corrupt.as_str());
    assert_eq!(found[0]["file"], record_rel_path(&corrupt).as_str());
    assert_eq!(found[0]["check"], "schema");
    assert_eq!(found[0]["commit"]["id"], corrupt_commit.as_str());
    assert_eq!(found[0]["commit"]["message"], "add a corrupt record");

    // The valid records still load, with their commits; the corrupt one is
    // not a record.
    let log = log_json(&env, &repo, &["log"]);
    assert_eq!(log.ids(), [b.as_str(), a.as_str()]);
    assert_eq!(commit_of(&log, &b), b_commit);
    let graph = graph_json(&env, &repo, &["data/raw.csv", "--down"]);
    assert_eq!(
        graph.node_ids(),
        sorted([
            format!("blake3:{}", b3(b"id,amount\n1,9.99\n2,12.50\n")),
            format!("record:{a}"),
            format!("record:{b}"),
        ])
    );
    let run = env.lineage(&repo, &["graph", &corrupt]).code(2);
    assert!(run.stderr.contains(&corrupt), "{}", run.stderr);
}

/// Commit `bytes` under the record name `name` (which they do not hash to).
fn commit_misnamed(env: &TestEnv, repo: &Path, name: &str, bytes: &[u8], message: &str) -> String {
    assert_ne!(b3(bytes), name);
    write(&repo.join(record_rel_path(name)), bytes);
    commit_all(env, repo, message);
    rev_parse(env, repo, "HEAD")
}

#[test]
fn a_misnamed_record_file_is_reported_with_the_commit_that_added_it() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (a, _) = record_commit(&env, &repo, "process", "features", &[]);
    // A valid record, but under another record's name.
    let bytes = std::fs::read_to_string(repo.join(record_rel_path(&a)))
        .unwrap()
        .replacen("name: features", "name: impostor", 1);
    let wrong = b3(b"not these bytes");
    let commit = commit_misnamed(
        &env,
        &repo,
        &wrong,
        bytes.as_bytes(),
        "add a misnamed record",
    );

    let report = verify_history(&env, &repo, 1);
    let found = history_problems(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["record"], wrong.as_str());
    assert_eq!(found[0]["check"], "id");
    assert_eq!(found[0]["commit"]["id"], commit.as_str());
    // Misnamed bytes are not a record of history.
    let log = log_json(&env, &repo, &["log"]);
    assert_eq!(log.ids(), [a.as_str()]);
    assert!(
        log_json(&env, &repo, &["log", "--name", "impostor"])
            .records
            .is_empty()
    );
}

#[test]
fn a_misnamed_copy_of_a_committed_record_is_reported() {
    let env = TestEnv::new();
    let repo = pipeline_repo(&env, "r");
    let (a, _) = record_commit(&env, &repo, "process", "features", &[]);
    let bytes = std::fs::read(repo.join(record_rel_path(&a))).unwrap();
    let wrong = b3(b"not these bytes");
    let commit = commit_misnamed(&env, &repo, &wrong, &bytes, "copy a record");

    let report = verify_history(&env, &repo, 1);
    let found = history_problems(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["record"], wrong.as_str());
    assert_eq!(found[0]["check"], "id");
    assert_eq!(found[0]["commit"]["id"], commit.as_str());
    assert_eq!(log_json(&env, &repo, &["log"]).ids(), [a.as_str()]);
}
