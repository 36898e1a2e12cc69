//! `git lineage record --commit`, cross-checked with real git: a clean
//! status, a clean fsck, the user's staged changes left alone, and records
//! that survive the next ordinary `git commit`.

use std::path::Path;

use crate::common::{
    TestEnv, b3, commit_all, head_tree_paths, hint_line, lines, load_record, record_files,
    record_rel_path, write,
};

/// `record --commit --format json` for a train step; returns (id, commit).
#[track_caller]
fn record_commit(env: &TestEnv, repo: &Path, args: &[&str]) -> (String, String) {
    let mut all = vec![
        "record",
        "--kind",
        "train",
        "--name",
        "fraud-model",
        "--commit",
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    let json = env.lineage(repo, &all).success().json();
    let id = json["id"].as_str().expect("id").to_string();
    let commit = json["commit"].as_str().expect("commit").to_string();
    (id, commit)
}

fn head(env: &TestEnv, repo: &Path) -> String {
    env.git(repo, &["rev-parse", "HEAD"]).trim().to_string()
}

#[test]
fn record_commit_leaves_git_clean_and_survives_a_plain_commit() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "a,b\n1,2\n");
    commit_all(&env, &repo, "add data and lineage config");
    let parent = head(&env, &repo);

    let (id, commit) = record_commit(&env, &repo, &["-i", "dataset=data/train.csv"]);
    let path = record_rel_path(&id);
    let bytes = std::fs::read(repo.join(&path)).unwrap();
    assert_eq!(b3(&bytes), id);
    assert_eq!(commit, head(&env, &repo), "the printed commit is HEAD");

    assert_eq!(env.git(&repo, &["status", "--porcelain"]), "");
    env.git(&repo, &["fsck", "--strict", "--no-progress"]);
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%s"]).trim(),
        format!("lineage: train fraud-model {}", &id[..12])
    );
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%P"]).trim(),
        parent,
        "the lineage commit sits on top of the previous HEAD"
    );
    assert_eq!(
        env.git(&repo, &["log", "-1", "--format=%an <%ae>"]).trim(),
        "Jane Doe <jane@example.com>"
    );
    assert_eq!(
        env.git(&repo, &["symbolic-ref", "HEAD"]).trim(),
        "refs/heads/main"
    );
    // The commit adds exactly the record, with the worktree's bytes.
    assert_eq!(
        lines(&env.git(
            &repo,
            &["diff-tree", "--no-commit-id", "--name-status", "-r", "HEAD"]
        )),
        [format!("A\t{path}")]
    );
    let blob = env.git(&repo, &["rev-parse", &format!("HEAD:{path}")]);
    let expected_blob = env.git(&repo, &["hash-object", &path]);
    assert_eq!(blob, expected_blob);
    assert!(head_tree_paths(&env, &repo).contains(&path));
    // The branch's reflog records the commit.
    let reflog = env.git(&repo, &["reflog", "-1", "--format=%H", "main"]);
    assert_eq!(reflog.trim(), commit);

    // The cache-tree pitfall: a plain commit afterwards must keep the record.
    write(&repo.join("other.txt"), "other\n");
    env.git(&repo, &["add", "other.txt"]);
    env.git(&repo, &["commit", "-q", "-m", "x"]);
    let tree = head_tree_paths(&env, &repo);
    assert!(tree.contains(&path), "{tree:?}");
    assert!(tree.contains(&"other.txt".to_string()), "{tree:?}");
    assert_eq!(
        lines(&env.git(
            &repo,
            &["diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"]
        )),
        ["other.txt"]
    );
    assert_eq!(env.git(&repo, &["status", "--porcelain"]), "");
    env.git(&repo, &["fsck", "--strict", "--no-progress"]);
    // The record still reads as itself.
    assert_eq!(load_record(&repo, &id)["name"], "fraud-model");
}

#[test]
fn staged_changes_stay_staged_and_out_of_the_lineage_commit() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("README.md"), "# fraud\n");
    commit_all(&env, &repo, "config and readme");
    let old_train_blob = env.git(&repo, &["rev-parse", "HEAD:train.py"]);

    write(&repo.join("train.py"), "print('staged change')\n");
    write(&repo.join("staged.txt"), "new and staged\n");
    env.git(&repo, &["add", "train.py", "staged.txt"]);
    // An unstaged change to a tracked file stays unstaged.
    write(&repo.join("README.md"), "# fraud (unstaged edit)\n");
    let staged_blob = env.git(&repo, &["rev-parse", ":train.py"]);

    let (id, _) = record_commit(&env, &repo, &[]);
    let path = record_rel_path(&id);

    assert_eq!(
        lines(&env.git(&repo, &["diff", "--cached", "--name-only"])),
        ["staged.txt", "train.py"]
    );
    assert_eq!(env.git(&repo, &["rev-parse", ":train.py"]), staged_blob);
    assert_eq!(
        lines(&env.git(&repo, &["diff", "--name-only"])),
        ["README.md"]
    );
    assert_eq!(
        lines(&env.git(&repo, &["show", "--format=", "--name-only", "HEAD"])),
        [path.as_str()]
    );
    let stat = env.git(&repo, &["show", "--stat", "HEAD"]);
    assert!(
        !stat.contains("train.py") && !stat.contains("staged.txt"),
        "{stat}"
    );
    assert_eq!(
        env.git(&repo, &["rev-parse", "HEAD:train.py"]),
        old_train_blob
    );
    assert!(!head_tree_paths(&env, &repo).contains(&"staged.txt".to_string()));
    // The record file itself is committed and staged, so it is not listed.
    let status = env.git(&repo, &["status", "--porcelain"]);
    assert!(!status.contains(".lineage"), "{status}");
    env.git(&repo, &["fsck", "--strict", "--no-progress"]);

    // Committing the staged changes afterwards keeps everything.
    env.git(&repo, &["commit", "-q", "-m", "staged work"]);
    let tree = head_tree_paths(&env, &repo);
    assert!(tree.contains(&path) && tree.contains(&"staged.txt".to_string()));
}

#[test]
fn record_commit_on_an_unborn_branch_creates_the_root_commit() {
    let env = TestEnv::new();
    let repo = env.path("fresh");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "-b", "main"]);
    env.git(&repo, &["config", "user.name", "Jane Doe"]);
    env.git(&repo, &["config", "user.email", "jane@example.com"]);
    env.lineage(&repo, &["init"]).success();

    let (id, commit) = record_commit(&env, &repo, &[]);
    let path = record_rel_path(&id);
    assert_eq!(head(&env, &repo), commit);
    assert_eq!(
        env.git(&repo, &["symbolic-ref", "HEAD"]).trim(),
        "refs/heads/main"
    );
    assert_eq!(env.git(&repo, &["rev-list", "--count", "HEAD"]).trim(), "1");
    assert_eq!(env.git(&repo, &["log", "-1", "--format=%P"]).trim(), "");
    assert_eq!(head_tree_paths(&env, &repo), [path.as_str()]);
    env.git(&repo, &["fsck", "--strict", "--no-progress"]);
    // Only the (uncommitted) config is left untracked.
    assert_eq!(
        lines(&env.git(&repo, &["status", "--porcelain", "--untracked-files=all"])),
        ["?? .lineage/config.yaml"]
    );
    // No code commit existed when the step was recorded.
    let record = load_record(&repo, &id);
    assert!(record["code"].get("commit").is_none(), "{record:#}");
    assert_eq!(record["code"]["branch"], "main");
}

#[test]
fn without_a_git_identity_record_fails_and_writes_nothing() {
    let env = TestEnv::new();
    let repo = env.path("anon");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "-b", "main"]);
    env.lineage(&repo, &["init"]).success();
    write(&repo.join("data.csv"), "x\n");

    for extra in [&[][..], &["--commit"][..]] {
        let mut args = vec!["record", "--kind", "train", "--name", "m", "-i", "data.csv"];
        args.extend_from_slice(extra);
        let run = env.lineage(&repo, &args).code(2);
        assert!(
            run.stderr.contains("identity is not configured"),
            "{}",
            run.stderr
        );
        let hint = run
            .stderr
            .lines()
            .find(|l| l.starts_with("hint:"))
            .unwrap_or_else(|| panic!("no hint:\n{}", run.stderr));
        assert!(hint.contains("git config"), "{hint}");
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        assert!(record_files(&repo).is_empty(), "{:?}", record_files(&repo));
    }
    // Nothing was committed either.
    let output = env
        .command("git", &repo)
        .args(["rev-parse", "--verify", "-q", "HEAD"])
        .output()
        .unwrap();
    assert!(!output.status.success());
}

#[test]
fn a_held_index_lock_fails_clearly_and_keeps_the_record_file() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    commit_all(&env, &repo, "lineage config");
    let before = head(&env, &repo);
    let lock = repo.join(".git/index.lock");
    write(&lock, b"");

    let run = env
        .lineage(
            &repo,
            &["record", "--kind", "train", "--name", "m", "--commit"],
        )
        .code(2);
    assert!(run.stderr.contains("index.lock"), "{}", run.stderr);
    // Like git: the error names the lock file, the hint says what to do.
    let lock_text = std::fs::canonicalize(&lock).unwrap();
    assert!(
        run.stderr.contains(&format!(
            "unable to lock the index: '{}' exists",
            lock_text.display()
        )),
        "{}",
        run.stderr
    );
    let hint = hint_line(&run.stderr).expect("a hint");
    assert!(
        hint.contains("another git process seems to be running")
            && hint.contains("remove the file manually to continue"),
        "{hint}"
    );
    // The record is complete and kept, and the hint says how to commit it.
    let files = record_files(&repo);
    assert_eq!(files.len(), 1, "{files:?}");
    let bytes = std::fs::read(&files[0]).unwrap();
    let id = b3(&bytes);
    let path = record_rel_path(&id);
    assert_eq!(files[0], repo.join(&path));
    assert!(run.stderr.contains(&path), "{}", run.stderr);
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    // Nothing changed in git, and the other process's lock is left alone.
    assert_eq!(head(&env, &repo), before);
    assert!(lock.exists());

    std::fs::remove_file(&lock).unwrap();
    env.git(&repo, &["add", &path]);
    env.git(&repo, &["commit", "-q", "-m", "commit the kept record"]);
    assert!(head_tree_paths(&env, &repo).contains(&path));
    env.git(&repo, &["fsck", "--strict", "--no-progress"]);
}
