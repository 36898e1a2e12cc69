//! `registry` governance policy (`policy:` in .lineage/config.yaml):
//! `promote` refuses unauthorized approvers and promoters, too few approvals,
//! self-approval and unsigned approvals (exit 2); `verify --history` catches
//! hand-written approval records and promotions that broke the policy.

use std::path::{Path, PathBuf};

use crate::common::{TestEnv, commit_all, record_step, store_raw_record, write};

const CONFIG: &str = "schema: git-lineage/v1\nstages: [staging, production]\n";

/// A repository with `policy` (YAML under `policy:`) committed, a training
/// record and `fraud@v1` registered and committed by jane@example.com.
fn repo_with_policy(env: &TestEnv, policy: &str) -> (PathBuf, String) {
    let repo = env.repo("repo");
    write(&repo.join("model.bin"), b"weights\n");
    write(
        &repo.join(".lineage/config.yaml"),
        format!("{CONFIG}policy:\n{policy}"),
    );
    commit_all(env, &repo, "model and policy");
    record_step(
        env,
        &repo,
        "train",
        "fraud-train",
        &["--commit", "-o", "model=model.bin"],
    );
    let v1 = event(
        env,
        &repo,
        &["register", "fraud", "--artifact", "model.bin"],
    );
    (repo, v1)
}

/// Switch the repository's git identity.
fn be(env: &TestEnv, repo: &Path, email: &str) {
    let name = email.split('@').next().unwrap_or(email);
    env.git(repo, &["config", "user.name", name]);
    env.git(repo, &["config", "user.email", email]);
}

#[track_caller]
fn event(env: &TestEnv, repo: &Path, args: &[&str]) -> String {
    let mut all = vec!["registry"];
    all.extend_from_slice(args);
    all.push("--commit");
    env.lineage(repo, &all).success().stdout.trim().to_string()
}

fn promote(env: &TestEnv, repo: &Path) -> crate::common::Run {
    env.lineage(
        repo,
        &[
            "registry",
            "promote",
            "fraud@v1",
            "--stage",
            "production",
            "--commit",
        ],
    )
}

#[test]
fn unauthorized_approvers_do_not_count_until_enough_approve() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_policy(
        &env,
        "  production:\n    approvers: ['*@example.com']\n    required_approvals: 2\n",
    );
    be(&env, &repo, "eve@evil.org");
    let eve = event(&env, &repo, &["approve", "fraud@v1"]);
    be(&env, &repo, "bob@example.com");
    event(&env, &repo, &["approve", "fraud@v1"]);
    let refused = promote(&env, &repo).code(2);
    assert!(
        refused.stderr.contains(
            "error: policy.production refuses promoting fraud@v1: needs 2 distinct approval(s) that count, has 1 (bob@example.com)"
        ),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains(&format!(
            "approval {} by eve@evil.org does not count: not in policy.production.approvers",
            &eve[..12]
        )),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("hint: "), "{}", refused.stderr);
    // The same approver twice still counts once.
    event(&env, &repo, &["approve", "fraud@v1"]);
    promote(&env, &repo).code(2);
    be(&env, &repo, "carol@example.com");
    event(&env, &repo, &["approve", "fraud@v1"]);
    promote(&env, &repo).success();
    env.lineage(&repo, &["verify", "--history"]).success();
}

#[test]
fn self_approval_is_refused_when_forbidden() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_policy(
        &env,
        "  production:\n    required_approvals: 1\n    distinct_from_registrar: true\n",
    );
    // jane registered v1 and approves it herself.
    event(&env, &repo, &["approve", "fraud@v1"]);
    let refused = promote(&env, &repo).code(2);
    assert!(
        refused
            .stderr
            .contains("the approver registered the version"),
        "{}",
        refused.stderr
    );
    // Staging has no policy.
    env.lineage(
        &repo,
        &["registry", "promote", "fraud@v1", "--stage", "staging"],
    )
    .success();
    be(&env, &repo, "bob@example.com");
    event(&env, &repo, &["approve", "fraud@v1"]);
    promote(&env, &repo).success();
}

#[test]
fn only_listed_promoters_may_promote() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_policy(&env, "  production:\n    promoters: [lead@example.com]\n");
    let refused = promote(&env, &repo).code(2);
    assert!(
        refused.stderr.contains(
            "jane@example.com may not promote to 'production' (not in policy.production.promoters)"
        ),
        "{}",
        refused.stderr
    );
    be(&env, &repo, "lead@example.com");
    promote(&env, &repo).success();
    env.lineage(&repo, &["verify", "--history"]).success();
}

#[test]
fn a_forged_approval_record_is_caught_by_verify() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_policy(
        &env,
        "  production:\n    approvers: [bob@example.com]\n    required_approvals: 1\n",
    );
    // jane approves (her approval does not count), then copies her record
    // with bob as the agent and commits it with plain git.
    let own = event(&env, &repo, &["approve", "fraud@v1"]);
    let bytes = std::fs::read(crate::common::record_path(&repo, &own)).expect("read record");
    let forged_text = String::from_utf8(bytes)
        .expect("utf-8 record")
        .replace("jane@example.com", "bob@example.com")
        .replace("name: Jane Doe", "name: bob");
    let forged = store_raw_record(&repo, forged_text.as_bytes());
    commit_all(&env, &repo, "approval");
    let refused = promote(&env, &repo).code(2);
    assert!(
        refused.stderr.contains("was authored by jane@example.com"),
        "{}",
        refused.stderr
    );
    let verify = env.lineage(&repo, &["verify", "--history"]).code(1);
    assert!(verify.stdout.contains(&forged), "{}", verify.stdout);
    assert!(
        verify
            .stdout
            .contains("registry-approve record names bob@example.com but its commit"),
        "{}",
        verify.stdout
    );
}

#[test]
fn verify_reports_a_promotion_that_broke_the_policy() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_policy(&env, "  staging:\n    required_approvals: 0\n");
    let promoted = promote(&env, &repo).success().stdout.trim().to_string();
    env.lineage(&repo, &["verify", "--history"]).success();
    // The policy is tightened afterwards: history no longer meets it.
    write(
        &repo.join(".lineage/config.yaml"),
        format!("{CONFIG}policy:\n  production:\n    required_approvals: 1\n"),
    );
    commit_all(&env, &repo, "tighten policy");
    let verify = env.lineage(&repo, &["verify", "--history"]).code(1);
    assert!(verify.stdout.contains(&promoted), "{}", verify.stdout);
    assert!(
        verify
            .stdout
            .contains("promoting fraud@v1 to 'production' broke policy.production: needs 1"),
        "{}",
        verify.stdout
    );
}

#[test]
fn signed_approvals_must_verify() {
    let env = TestEnv::new();
    let (repo, _) = repo_with_policy(
        &env,
        "  production:\n    required_approvals: 1\n    signed_approvals: true\n",
    );
    be(&env, &repo, "bob@example.com");
    let unsigned = event(&env, &repo, &["approve", "fraud@v1"]);
    let refused = promote(&env, &repo).code(2);
    assert!(
        refused.stderr.contains(&format!(
            "approval {} by bob@example.com does not count: commit",
            &unsigned[..12]
        )) && refused.stderr.contains("the commit is not signed"),
        "{}",
        refused.stderr
    );
    if !crate::common::require_tool(
        "ssh-keygen",
        "signs an approval commit with an SSH key; apt-get install openssh-client",
        &mut crate::common::on_path("ssh-keygen"),
    ) {
        return;
    }
    // An SSH-signed approval commit, verified against the allowed signers.
    let key = env.path("bob_key");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bob", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    let allowed = env.path("allowed_signers");
    write(&allowed, format!("bob@example.com {public}"));
    env.git(&repo, &["config", "gpg.format", "ssh"]);
    env.git(
        &repo,
        &["config", "user.signingkey", &key.to_string_lossy()],
    );
    env.git(
        &repo,
        &[
            "config",
            "gpg.ssh.allowedSignersFile",
            &allowed.to_string_lossy(),
        ],
    );
    env.lineage(&repo, &["registry", "approve", "fraud@v1"])
        .success();
    env.git(&repo, &["add", "-A"]);
    env.git(&repo, &["commit", "-q", "-S", "-m", "signed approval"]);
    promote(&env, &repo).success();
    env.lineage(&repo, &["verify", "--history"]).success();
}
