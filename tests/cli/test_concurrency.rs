//! Many `git lineage record` processes at once: no record is lost or torn,
//! and concurrent `--commit`s either land or fail cleanly, leaving a
//! consistent repository.

use std::collections::BTreeSet;
use std::process::{Output, Stdio};

use crate::common::{
    TestEnv, b3, bin, commit_all, head_tree_paths, lines, record_files, record_ids,
    record_rel_path, write,
};

/// Start one `git-lineage` process per argument list, all before waiting on any.
fn spawn_all(env: &TestEnv, repo: &std::path::Path, arg_lists: &[Vec<String>]) -> Vec<Output> {
    let children: Vec<_> = arg_lists
        .iter()
        .map(|args| {
            env.command(bin(), repo)
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn git-lineage")
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait for git-lineage"))
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn record_args(i: usize, commit: bool) -> Vec<String> {
    let mut args: Vec<String> = [
        "record",
        "--kind",
        "train",
        "--name",
        "fraud-model",
        "-i",
        "dataset=data/train.csv",
        "-i",
        "data/features",
        "-p",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("i={i}"));
    if commit {
        args.push("--commit".into());
    }
    args
}

fn write_data(repo: &std::path::Path) {
    write(
        &repo.join("data/train.csv"),
        "id,amount\n1,9.99\n".repeat(500),
    );
    for n in 0..20 {
        write(
            &repo.join(format!("data/features/part-{n:02}.csv")),
            format!("feature,{n}\n").repeat(100),
        );
    }
}

#[test]
fn sixteen_concurrent_records_are_all_written_intact() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write_data(&repo);

    let arg_lists: Vec<Vec<String>> = (0..16).map(|i| record_args(i, false)).collect();
    let outputs = spawn_all(&env, &repo, &arg_lists);

    let mut printed = BTreeSet::new();
    for (i, out) in outputs.iter().enumerate() {
        assert!(
            out.status.success(),
            "process {i} failed: {:?}\n{}",
            out.status,
            text(&out.stderr)
        );
        let id = text(&out.stdout).trim().to_string();
        assert_eq!(id.len(), 64, "process {i} printed {id:?}");
        printed.insert(id);
    }
    assert_eq!(printed.len(), 16, "every process made a distinct record");

    let files = record_files(&repo);
    assert_eq!(files.len(), 16, "{files:?}");
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let name = file.file_stem().unwrap().to_str().unwrap();
        assert_eq!(b3(&bytes), name, "{} is torn", file.display());
        assert_eq!(
            file.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap(),
            &name[..2]
        );
    }
    let on_disk: BTreeSet<String> = record_ids(&repo).into_iter().collect();
    assert_eq!(on_disk, printed);
    // No temporary files left behind anywhere under .lineage.
    for entry in walk(&repo.join(".lineage")) {
        assert!(!entry.ends_with(".tmp"), "leftover {entry}");
    }

    env.lineage(&repo, &["verify"]).success();
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    out
}

#[test]
fn concurrent_record_commits_land_or_fail_cleanly() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write_data(&repo);
    commit_all(&env, &repo, "data and lineage config");
    let base_commits: usize = env
        .git(&repo, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap();

    let arg_lists: Vec<Vec<String>> = (0..8).map(|i| record_args(i, true)).collect();
    let outputs = spawn_all(&env, &repo, &arg_lists);

    let mut committed = Vec::new();
    let mut failed = Vec::new();
    for (i, out) in outputs.iter().enumerate() {
        let stderr = text(&out.stderr);
        match out.status.code() {
            Some(0) => {
                let id = text(&out.stdout).trim().to_string();
                assert_eq!(id.len(), 64, "process {i} printed {id:?}");
                committed.push(id);
            }
            Some(2) => {
                assert!(
                    stderr.contains("lock") || stderr.contains("HEAD"),
                    "process {i} failed for another reason:\n{stderr}"
                );
                // The error names the record that was written but not committed.
                let id = stderr
                    .split(|c: char| !c.is_ascii_hexdigit())
                    .find(|w| w.len() == 64)
                    .unwrap_or_else(|| panic!("process {i}: no record id in:\n{stderr}"))
                    .to_string();
                failed.push(id);
            }
            other => panic!("process {i} exited {other:?}:\n{stderr}"),
        }
    }
    assert!(!committed.is_empty(), "no --commit succeeded");

    // Nothing lost: every process's record is in the worktree, intact.
    let on_disk: BTreeSet<String> = record_ids(&repo).into_iter().collect();
    let expected: BTreeSet<String> = committed.iter().chain(&failed).cloned().collect();
    assert_eq!(expected.len(), 8);
    assert_eq!(on_disk, expected);
    for id in &on_disk {
        let bytes = std::fs::read(repo.join(record_rel_path(id))).unwrap();
        assert_eq!(&b3(&bytes), id);
    }

    // Every successful record is in HEAD, each in its own commit on one line of history.
    let tree = head_tree_paths(&env, &repo);
    for id in &committed {
        assert!(tree.contains(&record_rel_path(id)), "{id} not in HEAD");
    }
    for id in &failed {
        assert!(!tree.contains(&record_rel_path(id)), "{id} is in HEAD");
    }
    let count: usize = env
        .git(&repo, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(count, base_commits + committed.len());
    let subjects = lines(&env.git(
        &repo,
        &["log", "--format=%s", &format!("-{}", committed.len())],
    ));
    let mut subject_ids: Vec<&str> = subjects
        .iter()
        .map(|s| {
            s.strip_prefix("lineage: train fraud-model ")
                .unwrap_or_else(|| panic!("unexpected subject {s:?}"))
        })
        .collect();
    subject_ids.sort();
    let mut short: Vec<&str> = committed.iter().map(|id| &id[..12]).collect();
    short.sort();
    assert_eq!(subject_ids, short);

    env.git(&repo, &["fsck", "--strict", "--no-progress"]);
    let status = lines(&env.git(&repo, &["status", "--porcelain", "--untracked-files=all"]));
    let allowed: Vec<String> = failed
        .iter()
        .map(|id| format!("?? {}", record_rel_path(id)))
        .collect();
    for line in &status {
        assert!(allowed.contains(line), "unexpected status line {line:?}");
    }

    env.lineage(&repo, &["verify"]).success();
}
