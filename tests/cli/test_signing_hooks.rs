//! Commits behave like `git commit` (issue 10.5): `commit.gpgsign` signs
//! with the configured program or refuses, `--no-gpg-sign` mirrors git; the
//! `pre-commit` and `commit-msg` hooks run (in `core.hooksPath` too), a
//! failing hook stops the commit with its output shown, `--no-verify` skips
//! them.

use std::path::Path;

use crate::common::*;

/// A repository with its lineage config committed and a small input.
fn setup(env: &TestEnv) -> std::path::PathBuf {
    let repo = env.repo("r");
    write(&repo.join("data/in.csv"), "a,b\n1,2\n");
    commit_all(env, &repo, "data and lineage config");
    repo
}

fn record(env: &TestEnv, repo: &Path, name: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "record",
        "--kind",
        "train",
        "--name",
        name,
        "-i",
        "data/in.csv",
        "--commit",
    ];
    args.extend_from_slice(extra);
    env.lineage(repo, &args)
}

fn head(env: &TestEnv, repo: &Path) -> String {
    rev_parse(env, repo, "HEAD")
}

/// The id printed on stdout by a successful record.
fn id_of(run: &Run) -> String {
    let id = run.stdout.trim().to_string();
    assert_eq!(id.len(), 64, "{run:?}");
    id
}

/// After a refused commit: HEAD unchanged, nothing staged, the one new
/// record file complete and untracked, named in the error.
#[track_caller]
fn assert_refused_and_kept(env: &TestEnv, repo: &Path, before: &str, run: &Run) {
    assert_eq!(
        head(env, repo),
        before,
        "a commit was made:\n{}",
        run.stderr
    );
    assert_eq!(env.git(repo, &["diff", "--cached", "--name-only"]), "");
    let status = lines(&env.git(repo, &["status", "--porcelain", "--untracked-files=all"]));
    assert_eq!(status.len(), 1, "{status:?}");
    let rel = status[0].strip_prefix("?? ").expect("untracked record");
    let bytes = std::fs::read(repo.join(rel)).unwrap();
    assert!(rel.ends_with(&format!("{}.yaml", b3(&bytes))), "{rel}");
    assert!(
        run.stderr.contains(rel),
        "the error names the record:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("untracked"), "{}", run.stderr);
}

fn hook(repo: &Path, dir: &str, name: &str, script: &str) {
    let path = repo.join(dir).join(name);
    write(&path, format!("#!/bin/sh\n{script}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn ssh_signing_makes_commits_git_verifies() {
    if !require_tool(
        "ssh-keygen",
        "signs commits in the gpg.format=ssh test",
        &mut on_path("ssh-keygen"),
    ) {
        return;
    }
    let env = TestEnv::new();
    let repo = setup(&env);
    let key = env.path("signing-key");
    let status = env
        .command("ssh-keygen", env.root())
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "jane", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = env.path("allowed_signers");
    write(&allowed, format!("jane@example.com {public}"));
    let pub_path = key.with_extension("pub");
    for (k, v) in [
        ("commit.gpgsign", "true"),
        ("gpg.format", "ssh"),
        ("user.signingkey", pub_path.to_str().unwrap()),
        ("gpg.ssh.allowedSignersFile", allowed.to_str().unwrap()),
    ] {
        env.git(&repo, &["config", k, v]);
    }

    let id = id_of(&record(&env, &repo, "m", &[]).success());
    env.git(&repo, &["verify-commit", "HEAD"]);
    let shown = env.git(&repo, &["log", "--show-signature", "-1"]);
    assert!(
        shown.contains("Good \"git\" signature for jane@example.com"),
        "{shown}"
    );
    assert!(head_tree_paths(&env, &repo).contains(&record_rel_path(&id)));

    // Registry events are commits too.
    write(&repo.join("models/m.bin"), "weights");
    env.lineage(
        &repo,
        &[
            "record",
            "--kind",
            "train",
            "--name",
            "m2",
            "-o",
            "models/m.bin",
            "--commit",
        ],
    )
    .success();
    env.lineage(
        &repo,
        &[
            "registry",
            "register",
            "m",
            "--artifact",
            "models/m.bin",
            "--commit",
        ],
    )
    .success();
    env.git(&repo, &["verify-commit", "HEAD"]);
    assert!(
        env.git(&repo, &["log", "-1", "--format=%s"])
            .contains("registry-register")
    );

    // --no-gpg-sign mirrors git: an unsigned commit.
    record(&env, &repo, "unsigned", &["--no-gpg-sign"]).success();
    let object = env.git(&repo, &["cat-file", "commit", "HEAD"]);
    assert!(!object.contains("gpgsig"), "{object}");
    env.git(&repo, &["fsck", "--strict", "--no-progress"]);
}

#[test]
fn a_failing_signer_refuses_the_commit_and_no_gpg_sign_skips_it() {
    let env = TestEnv::new();
    let repo = setup(&env);
    env.git(&repo, &["config", "commit.gpgsign", "true"]);
    env.git(&repo, &["config", "gpg.program", "false"]);
    let before = head(&env, &repo);

    let run = record(&env, &repo, "m", &[]).code(2);
    assert!(
        run.stderr
            .contains("cannot sign the commit with openpgp program 'false'"),
        "{}",
        run.stderr
    );
    let hint = hint_line(&run.stderr).expect("a hint");
    assert!(hint.contains("--no-gpg-sign"), "{hint}");
    assert_refused_and_kept(&env, &repo, &before, &run);

    // Same for a registry event.
    write(&repo.join("models/m.bin"), "weights");
    let args = [
        "record",
        "--kind",
        "train",
        "--name",
        "m2",
        "-o",
        "models/m.bin",
        "--commit",
        "--no-gpg-sign",
    ];
    env.lineage(&repo, &args).success();
    let before = head(&env, &repo);
    let run = env
        .lineage(
            &repo,
            &[
                "registry",
                "register",
                "m",
                "--artifact",
                "models/m.bin",
                "--commit",
            ],
        )
        .code(2);
    assert!(run.stderr.contains("cannot sign"), "{}", run.stderr);
    assert_eq!(head(&env, &repo), before);

    // --no-gpg-sign: committed, unsigned.
    let id = id_of(&record(&env, &repo, "m3", &["--no-gpg-sign"]).success());
    assert_ne!(head(&env, &repo), before);
    assert_eq!(env.git(&repo, &["diff", "--cached", "--name-only"]), "");
    assert!(head_tree_paths(&env, &repo).contains(&record_rel_path(&id)));
    assert!(
        !env.git(&repo, &["cat-file", "commit", "HEAD"])
            .contains("gpgsig")
    );

    // The flags need --commit.
    let run = env.lineage(
        &repo,
        &["record", "--kind", "t", "--name", "x", "--no-gpg-sign"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--commit"), "{}", run.stderr);
}

#[test]
fn a_failing_pre_commit_hook_stops_the_commit_and_no_verify_skips_it() {
    let env = TestEnv::new();
    let repo = setup(&env);
    // The hook sees exactly what is committed in its index, and fails.
    hook(
        &repo,
        ".git/hooks",
        "pre-commit",
        "echo \"lint: refusing $(git diff --cached --name-only)\"; exit 3",
    );
    let before = head(&env, &repo);
    let run = record(&env, &repo, "m", &[]).code(2);
    assert!(
        run.stderr.contains("lint: refusing .lineage/records/"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the pre-commit hook") && run.stderr.contains("exit status 3"),
        "{}",
        run.stderr
    );
    assert!(hint_line(&run.stderr).unwrap().contains("--no-verify"));
    assert_refused_and_kept(&env, &repo, &before, &run);

    let id = id_of(&record(&env, &repo, "m2", &["--no-verify"]).success());
    assert!(head_tree_paths(&env, &repo).contains(&record_rel_path(&id)));
}

#[test]
fn hooks_in_core_hooks_path_run_and_pass() {
    let env = TestEnv::new();
    let repo = setup(&env);
    env.git(&repo, &["config", "core.hooksPath", "githooks"]);
    hook(&repo, "githooks", "pre-commit", "echo pre-commit-ran >&2");
    // A hook in .git/hooks is not the one git would run now.
    hook(&repo, ".git/hooks", "pre-commit", "exit 1");
    let run = record(&env, &repo, "m", &[]).success();
    assert!(run.stderr.contains("pre-commit-ran"), "{}", run.stderr);
    id_of(&run);
}

#[test]
fn commit_msg_hooks_edit_or_stop_the_commit() {
    let env = TestEnv::new();
    let repo = setup(&env);
    hook(
        &repo,
        ".git/hooks",
        "commit-msg",
        "printf '\\nReviewed-by: hook\\n' >> \"$1\"",
    );
    let id = id_of(&record(&env, &repo, "m", &[]).success());
    let message = env.git(&repo, &["log", "-1", "--format=%B"]);
    assert_eq!(
        message.trim_end(),
        format!("lineage: train m {}\n\nReviewed-by: hook", &id[..12])
    );

    hook(
        &repo,
        ".git/hooks",
        "commit-msg",
        "echo 'bad message' >&2; exit 1",
    );
    let before = head(&env, &repo);
    let run = record(&env, &repo, "m2", &[]).code(2);
    assert!(run.stderr.contains("bad message"), "{}", run.stderr);
    assert!(run.stderr.contains("the commit-msg hook"), "{}", run.stderr);
    assert_refused_and_kept(&env, &repo, &before, &run);

    let run = record(&env, &repo, "m3", &["--no-verify"]).success();
    assert_ne!(head(&env, &repo), before);
    assert!(
        env.git(&repo, &["log", "-1", "--format=%s"])
            .starts_with("lineage: train m3")
    );
    id_of(&run);
}
