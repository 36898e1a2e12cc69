//! The governance policy (`policy:` in `.lineage/config.yaml`): which
//! approvals count and whether a promotion is allowed ([`policy_problems`]),
//! and the same check re-run over history for `verify` ([`policy_findings`]).

use std::sync::Arc;

use serde::Serialize;

use super::model::{APPROVE, PROMOTE, Registry, Version, text_param, version_param};
use crate::config::{Config, StagePolicy, identity_allowed};
use crate::history::{CommitInfo, History};
use crate::record::{Agent, RecordId};
use crate::repo::{Repo, SignatureError};

/// Checks one commit's signature: `Ok(())` when it verifies, otherwise why not.
pub type SignatureCheck<'a> = dyn Fn(&CommitInfo) -> std::result::Result<(), SignatureError> + 'a;

/// Verify the signature of `commit` (40 hex) the way `git verify-commit`
/// does ([`Repo::verify_commit_signature`]): git config names the program (`gpg.program`, or
/// `gpg.ssh.program` with `gpg.ssh.allowedSignersFile`, `gpg.minTrustLevel`).
/// What is trusted is the user's keyring or allowed-signers file.
pub fn verify_commit_signature(
    repo: &Repo,
    commit: &str,
) -> std::result::Result<(), SignatureError> {
    repo.verify_commit_signature(commit)
}

fn same_email(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Every rule of `policy` (for `stage`) that promoting `version` by
/// `promoter` breaks, in words; empty when the promotion is allowed.
///
/// An approval counts when its record's `agent.email` matches `approvers`,
/// differs from the registrar's when `distinct_from_registrar` is set, its
/// introducing commit (when committed) was authored by that same email, and,
/// with `signed_approvals`, that commit's signature verifies per `signed`.
/// Approvers are counted once per email (case-insensitive).
pub fn policy_problems(
    stage: &str,
    policy: &StagePolicy,
    version: &Version,
    promoter: &Agent,
    signed: &SignatureCheck<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if !identity_allowed(policy.promoters.as_deref(), &promoter.email) {
        problems.push(format!(
            "{} may not promote to '{stage}' (not in policy.{stage}.promoters)",
            promoter.email
        ));
    }
    let mut counted: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    for approval in &version.approvals {
        let email = approval.who.email.trim().to_ascii_lowercase();
        let by = format!("approval {} by {email}", approval.event.short());
        let why_not = if !identity_allowed(policy.approvers.as_deref(), &email) {
            Some(format!(
                "{by} does not count: not in policy.{stage}.approvers"
            ))
        } else if policy.distinct_from_registrar && same_email(&email, &version.registered_by.email)
        {
            Some(format!(
                "{by} does not count: the approver registered the version (policy.{stage}.distinct_from_registrar)"
            ))
        } else if let Some(c) = approval
            .commit
            .as_deref()
            .filter(|c| !same_email(&c.author.email, &email))
        {
            Some(format!(
                "{by} does not count: its commit {} was authored by {}",
                c.short(),
                c.author.email
            ))
        } else if policy.signed_approvals {
            match approval.commit.as_deref() {
                None => Some(format!(
                    "{by} does not count: it is not committed, so not signed (policy.{stage}.signed_approvals)"
                )),
                Some(c) => signed(c)
                    .err()
                    .map(|why| format!("{by} does not count: commit {}: {why}", c.short())),
            }
        } else {
            None
        };
        match why_not {
            Some(note) => notes.push(note),
            None if !counted.contains(&email) => counted.push(email),
            None => {}
        }
    }
    if (counted.len() as u64) < u64::from(policy.required_approvals) {
        problems.push(format!(
            "needs {} distinct approval(s) that count, has {}{}",
            policy.required_approvals,
            counted.len(),
            if counted.is_empty() {
                String::new()
            } else {
                format!(" ({})", counted.join(", "))
            }
        ));
        problems.extend(notes);
    }
    problems
}

/// A registry event that breaks the governance policy, found in history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyFinding {
    /// The event record.
    pub record: RecordId,
    /// Its introducing commit.
    pub commit: Option<Arc<CommitInfo>>,
    /// What is wrong.
    pub message: String,
}

/// Re-check `history` against `config`'s policy: every promotion must have
/// met its stage's policy with the approvals before it in history order, and
/// every approve or promote record must name the author of the commit that
/// introduced it (a record written by hand on someone else's behalf does not).
pub fn policy_findings(
    history: &History,
    config: &Config,
    signed: &SignatureCheck<'_>,
) -> Vec<PolicyFinding> {
    let mut findings = Vec::new();
    if config.policy.is_empty() {
        return findings;
    }
    let mut registry = Registry::default();
    for entry in &history.entries {
        if !entry.summary.kind.starts_with("registry-") {
            continue;
        }
        entry.summary.with(|s| {
            let mut finding = |message: String| {
                findings.push(PolicyFinding {
                    record: entry.id.clone(),
                    commit: entry.commit.clone(),
                    message,
                })
            };
            if (s.kind == APPROVE || s.kind == PROMOTE)
                && let Some(c) = entry
                    .commit
                    .as_deref()
                    .filter(|c| !same_email(&c.author.email, &s.agent.email))
            {
                finding(format!(
                    "{} record names {} but its commit {} was authored by {}: written by hand or on someone else's behalf, so it does not count",
                    s.kind,
                    s.agent.email,
                    c.short(),
                    c.author.email
                ));
            }
            if s.kind == PROMOTE
                && let (Some(number), Some(stage)) =
                    (version_param(&s.params), text_param(&s.params, "stage"))
                && let Some(policy) = config.policy.get(&stage)
            {
                let version = registry
                    .models
                    .get(&s.name)
                    .and_then(|m| m.versions.get(&number));
                match version {
                    Some(version) => {
                        let problems =
                            policy_problems(&stage, policy, version, &s.agent, signed);
                        if !problems.is_empty() {
                            finding(format!(
                                "promoting {}@v{number} to '{stage}' broke policy.{stage}: {}",
                                s.name,
                                problems.join("; ")
                            ));
                        }
                    }
                    None => finding(format!(
                        "promotes {}@v{number}, which is not registered before it in history",
                        s.name
                    )),
                }
            }
            registry.apply(&entry.id, s, entry.commit.clone());
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::model::REGISTER;
    use super::super::model::fixtures::{entry, fold};
    use super::*;
    use crate::params::Value;

    #[test]
    fn policy_counts_distinct_allowed_signed_approvers() {
        let registry = fold(vec![
            entry(1, REGISTER, &[("version", Value::Int(1))]),
            entry(2, APPROVE, &[("version", Value::Int(1))]),
            entry(3, APPROVE, &[("version", Value::Int(1))]),
        ]);
        let version = &registry.model("fraud").unwrap().versions[&1];
        let promoter = Agent {
            name: "L".into(),
            email: "lead@x".into(),
        };
        let ok = |_: &CommitInfo| Ok(());
        let policy = StagePolicy {
            required_approvals: 1,
            ..StagePolicy::default()
        };
        assert!(policy_problems("production", &policy, version, &promoter, &ok).is_empty());
        let strict = StagePolicy {
            required_approvals: 1,
            distinct_from_registrar: true,
            promoters: Some(vec!["boss@x".into()]),
            ..StagePolicy::default()
        };
        let problems = policy_problems("production", &strict, version, &promoter, &ok);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("lead@x may not promote"));
        assert!(problems[1].contains("needs 1 distinct approval(s) that count, has 0"));
        let signed = StagePolicy {
            required_approvals: 1,
            signed_approvals: true,
            ..StagePolicy::default()
        };
        let problems = policy_problems("production", &signed, version, &promoter, &ok);
        assert!(
            problems[1].contains("not committed, so not signed"),
            "{problems:?}"
        );
    }
}
