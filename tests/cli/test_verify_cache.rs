//! `verify`'s cache of clean record files (`.git/lineage/verify-cache`): a
//! repeated run reads only what changed and answers byte for byte as a run
//! without the cache; edits, deletions, a damaged cache and files modified
//! within the racy window are all still caught.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::common::{TestEnv, bin, record_files, record_rel_path, store_raw_record, write};

/// Record a step in `repo` and return its id.
#[track_caller]
fn record(env: &TestEnv, repo: &Path, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["record", "--kind", "train", "--name", name];
    args.extend_from_slice(extra);
    env.lineage(repo, &args).success().stdout.trim().to_string()
}

/// Set the modification time of `path`.
fn set_mtime(path: &Path, time: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// Make every record file an hour old, so none is racily clean.
fn age_records(repo: &Path) {
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for file in record_files(repo) {
        set_mtime(&file, hour_ago);
    }
}

/// A repository with two clean records (the second references the first),
/// an unparseable record and a stray file, all an hour old. Returns the ids
/// of the clean records.
fn repo_with_records(env: &TestEnv) -> (std::path::PathBuf, Vec<String>) {
    let repo = env.repo("r");
    write(&repo.join("data/raw.csv"), "a,b\n1,2\n");
    write(&repo.join("model.bin"), [0u8, 1, 2]);
    let first = record(
        env,
        &repo,
        "clean",
        &["-i", "data/raw.csv", "-o", "model.bin", "-p", "lr=0.1"],
    );
    let second = record(env, &repo, "fraud-model", &["--ref", &first]);
    store_raw_record(&repo, b"schema: git-lineage/v1\nkind: [\n");
    write(&repo.join(".lineage/records/stray.txt"), "x");
    age_records(&repo);
    (repo, vec![first, second])
}

/// `verify ARGS` as text and as JSON: (exit code, text, JSON text), the
/// JSON also checked to say `records` as the text does.
fn verify_both(env: &TestEnv, repo: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let text = env.lineage(repo, &all);
    all.extend_from_slice(&["--format", "json"]);
    let json = env.lineage(repo, &all);
    assert_eq!(text.code, json.code, "{}\n{}", text.stdout, json.stdout);
    (text.code, text.stdout, json.stdout)
}

/// How many record files the last `verify` took from its cache, and how
/// many it checked, from its `GIT_LINEAGE_TRACE` output.
fn cache_hits(env: &TestEnv, repo: &Path) -> (usize, usize) {
    let out = env
        .command(bin(), repo)
        .env("GIT_LINEAGE_TRACE", "1")
        .args(["verify", "--quiet"])
        .output()
        .expect("run git-lineage");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find_map(|l| l.split_once(" ms  records checked (").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no records-checked phase in:\n{stderr}"));
    let (hits, rest) = line.split_once(" of ").expect(line);
    let total = rest.split_once(' ').expect(line).0;
    (hits.parse().expect(line), total.parse().expect(line))
}

/// `verify` fails and reports that the record file of `id` was edited.
#[track_caller]
fn assert_edit_caught(env: &TestEnv, repo: &Path, id: &str) {
    let run = env.lineage(repo, &["verify"]).code(1);
    let edited = format!("{}: id: the file was edited", record_rel_path(id));
    assert!(
        run.stdout.lines().any(|line| line.starts_with(&edited)),
        "{}",
        run.stdout
    );
}

fn cache_file(repo: &Path) -> std::path::PathBuf {
    repo.join(".git/lineage/verify-cache")
}

#[test]
fn a_second_run_and_a_run_without_the_cache_answer_the_same() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_records(&env);
    let first = verify_both(&env, &repo, &[]);
    assert_eq!(
        first.0, 1,
        "the broken record and the stray file: {}",
        first.1
    );
    assert!(first.1.contains(": schema: "), "{}", first.1);
    assert!(first.1.contains("stray.txt: location: "), "{}", first.1);
    assert!(cache_file(&repo).is_file());
    // The two clean records come from the cache; the broken one and the
    // stray file are looked at again.
    assert_eq!(cache_hits(&env, &repo), (2, 4));
    let second = verify_both(&env, &repo, &[]);
    assert_eq!(second, first);

    std::fs::remove_dir_all(repo.join(".git/lineage")).unwrap();
    assert_eq!(verify_both(&env, &repo, &[]), first, "without the cache");
    assert_eq!(cache_hits(&env, &repo), (2, 4), "rebuilt");
    // --artifacts reads every record (its checks need them): same answer
    // with the cache as without.
    let artifacts = verify_both(&env, &repo, &["--artifacts"]);
    std::fs::remove_dir_all(repo.join(".git/lineage")).unwrap();
    assert_eq!(verify_both(&env, &repo, &["--artifacts"]), artifacts);
}

#[test]
fn an_edit_that_keeps_the_size_is_caught_after_a_cached_run() {
    let env = TestEnv::new();
    let (repo, ids) = repo_with_records(&env);
    std::fs::remove_file(repo.join(".lineage/records/stray.txt")).unwrap();
    for file in record_files(&repo) {
        if !ids.iter().any(|id| file.ends_with(format!("{id}.yaml"))) {
            std::fs::remove_file(file).unwrap();
        }
    }
    assert_eq!(
        env.lineage(&repo, &["verify"]).code(0).stdout,
        "ok: 2 records verified\n"
    );
    assert_eq!(cache_hits(&env, &repo), (2, 2));

    // `lr: 0.1` becomes `lr: 0.2`: same size; the mtime moves one second on
    // (still an hour old, so not racy).
    let path = repo.join(record_rel_path(&ids[0]));
    let before = mtime(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("lr: 0.1"), "{text}");
    std::fs::write(&path, text.replace("lr: 0.1", "lr: 0.2")).unwrap();
    set_mtime(&path, before + Duration::from_secs(1));
    assert_edit_caught(&env, &repo, &ids[0]);

    // Even with the mtime put back exactly, the inode's change time moved.
    #[cfg(unix)]
    {
        set_mtime(&path, before);
        assert_edit_caught(&env, &repo, &ids[0]);
    }
    // The edited file is never cached: it is read every time.
    assert_eq!(cache_hits(&env, &repo), (1, 2));
}

#[test]
fn a_deleted_record_that_another_references_is_caught_after_a_cached_run() {
    let env = TestEnv::new();
    let (repo, ids) = repo_with_records(&env);
    let (code, clean, _) = verify_both(&env, &repo, &[]);
    assert_eq!(code, 1);
    assert!(!clean.contains(": reference: "), "{clean}");
    assert_eq!(cache_hits(&env, &repo), (2, 4));

    std::fs::remove_file(repo.join(record_rel_path(&ids[0]))).unwrap();
    let cached = verify_both(&env, &repo, &[]);
    let expected = format!(
        "{}: reference: references record {}, which does not exist\n",
        record_rel_path(&ids[1]),
        ids[0]
    );
    assert!(cached.1.contains(&expected), "{}", cached.1);
    // The referencing record itself came from the cache: only its
    // reference list was kept, never a verdict.
    assert_eq!(cache_hits(&env, &repo), (1, 3));
    std::fs::remove_dir_all(repo.join(".git/lineage")).unwrap();
    assert_eq!(verify_both(&env, &repo, &[]), cached, "without the cache");
}

#[test]
fn a_damaged_cache_is_ignored_and_rewritten() {
    let env = TestEnv::new();
    let (repo, ids) = repo_with_records(&env);
    let expected = verify_both(&env, &repo, &[]);
    let good = std::fs::read(cache_file(&repo)).unwrap();

    // A flipped byte in the middle (an entry), garbage, and a torn write.
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    for damaged in [
        flipped,
        b"garbage".to_vec(),
        good[..good.len() / 3].to_vec(),
    ] {
        std::fs::write(cache_file(&repo), &damaged).unwrap();
        assert_eq!(verify_both(&env, &repo, &[]), expected);
        assert_eq!(
            std::fs::read(cache_file(&repo)).unwrap(),
            good,
            "rewritten as it was"
        );
        assert_eq!(cache_hits(&env, &repo), (2, 4));
    }

    // A damaged cache never hides an edit made meanwhile.
    let path = repo.join(record_rel_path(&ids[1]));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("fraud-model", "fraud-modeL")).unwrap();
    std::fs::write(cache_file(&repo), b"garbage").unwrap();
    assert_edit_caught(&env, &repo, &ids[1]);
}

#[test]
fn records_modified_within_the_racy_window_are_checked_again() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = record(&env, &repo, "fresh", &["-p", "lr=0.1"]);
    let path = repo.join(record_rel_path(&id));
    // Just written: checked, but not trusted to the cache.
    assert_eq!(cache_hits(&env, &repo), (0, 1));
    assert_eq!(cache_hits(&env, &repo), (0, 1));

    // Edited within the same instant as far as the mtime goes: the same
    // size, the mtime put back. Caught, as every run reads the file again.
    let written = mtime(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("lr: 0.1", "lr: 0.2")).unwrap();
    set_mtime(&path, written);
    assert_edit_caught(&env, &repo, &id);

    // Once old enough, a clean file is cached and then not read again.
    std::fs::write(&path, text).unwrap();
    age_records(&repo);
    assert_eq!(cache_hits(&env, &repo), (0, 1));
    assert_eq!(cache_hits(&env, &repo), (1, 1));
    assert_eq!(
        env.lineage(&repo, &["verify"]).code(0).stdout,
        "ok: 1 record verified\n"
    );
}

#[cfg(unix)]
#[test]
fn a_record_file_that_is_a_symlink_is_read_every_time() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = record(&env, &repo, "linked", &["-p", "lr=0.1"]);
    let path = repo.join(record_rel_path(&id));
    let target = env.path("elsewhere.yaml");
    std::fs::rename(&path, &target).unwrap();
    std::os::unix::fs::symlink(&target, &path).unwrap();
    set_mtime(&target, SystemTime::now() - Duration::from_secs(3600));
    assert_eq!(cache_hits(&env, &repo), (0, 1));
    assert_eq!(cache_hits(&env, &repo), (0, 1), "never from the cache");

    let text = std::fs::read_to_string(&target).unwrap();
    std::fs::write(&target, text.replace("lr: 0.1", "lr: 0.2")).unwrap();
    assert_edit_caught(&env, &repo, &id);
}
