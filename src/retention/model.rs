//! What other modules need to know of retention, below the features that
//! use them: the tombstone kind, which hashes tombstones name, and why a
//! retention command refuses.

use std::collections::HashMap;

use crate::config::ConfigError;
use crate::hash::ContentHash;
use crate::history::Entry;
use crate::record::{Artifact, RecordId};

/// The kind of a tombstone record.
pub const DROP: &str = "drop";

/// The role a tombstone gives each artifact it names.
pub const DROPPED_ROLE: &str = "dropped";

/// The kind of a record that expires (sanctions the deletion of) records.
pub const EXPIRE: &str = "expire";

/// The `params` key of an expire record that lists the expired ids.
pub const EXPIRED_PARAM: &str = "expired";

/// Whether a record kind is retention bookkeeping (a tombstone or an
/// expiry), not work: it never counts as a recording of the paths it names.
pub fn is_retention_kind(kind: &str) -> bool {
    kind == DROP || kind == EXPIRE
}

/// The ids an expire record's `params` list.
pub fn expired_ids(params: &crate::params::ValueMap) -> Vec<RecordId> {
    match params.get(EXPIRED_PARAM) {
        Some(crate::params::Value::List(items)) => items
            .iter()
            .filter_map(|v| match v {
                crate::params::Value::String(s) => RecordId::parse(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// For each expired record, the expire record that names it.
#[derive(Debug, Clone, Default)]
pub struct Expirations {
    by_id: HashMap<RecordId, RecordId>,
}

impl Expirations {
    /// The expire records among `entries` (the first to name an id wins).
    pub fn of_entries(entries: &[Entry]) -> Expirations {
        let mut expirations = Expirations::default();
        for entry in entries {
            expirations.add(entry);
        }
        expirations
    }

    /// Take `entry` into account, if it is an expire record.
    pub fn add(&mut self, entry: &Entry) {
        if entry.summary.kind != EXPIRE {
            return;
        }
        for id in entry.summary.with(|s| expired_ids(&s.params)) {
            self.by_id.entry(id).or_insert_with(|| entry.id.clone());
        }
    }

    /// The expire record that names `id`, if any.
    pub fn expired_by(&self, id: &RecordId) -> Option<&RecordId> {
        self.by_id.get(id)
    }

    /// True when nothing was expired.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// ` (expired by <short id>)` for an expired record, else nothing.
    pub fn mark(&self, id: &RecordId) -> Option<String> {
        self.expired_by(id)
            .map(|by| format!(" (expired by {})", by.short()))
    }

    /// Take expired records out of a traversal (with the edges that touch
    /// them and the nodes only they connected), or, with `include`, keep
    /// them with `expired_by` set (shown as `(expired by <id>)`).
    pub fn apply_to_subgraph(&self, subgraph: &mut crate::graph::Subgraph, include: bool) {
        if self.is_empty() {
            return;
        }
        let expired_of = |node: &crate::graph::SubgraphNode| match &node.node {
            crate::graph::Node::Record(r) => self.mark(&r.id),
            _ => None,
        };
        if include {
            for node in &mut subgraph.nodes {
                if let crate::graph::Node::Record(r) = &node.node {
                    node.expired_by = self.expired_by(&r.id).cloned();
                }
            }
            return;
        }
        let gone: std::collections::HashSet<String> = subgraph
            .nodes
            .iter()
            .filter(|n| expired_of(n).is_some())
            .map(|n| n.id.clone())
            .collect();
        if gone.is_empty() {
            return;
        }
        subgraph
            .edges
            .retain(|e| !gone.contains(&e.from) && !gone.contains(&e.to));
        let linked: std::collections::HashSet<&str> = subgraph
            .edges
            .iter()
            .flat_map(|e| [e.from.as_str(), e.to.as_str()])
            .collect();
        let keep: std::collections::HashSet<String> = subgraph
            .nodes
            .iter()
            .filter(|n| {
                !gone.contains(&n.id)
                    && (n.direction == crate::graph::Side::Root || linked.contains(n.id.as_str()))
            })
            .map(|n| n.id.clone())
            .collect();
        subgraph.nodes.retain(|n| keep.contains(&n.id));
    }
}

/// An expire record that breaks `retention:` (not allowed, or not signed
/// when it must be): its deletions stay findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpireFinding {
    /// The expire record.
    pub record: RecordId,
    /// The commit that introduced it.
    pub commit: Option<std::sync::Arc<crate::history::CommitInfo>>,
    /// What is wrong.
    pub message: String,
}

/// Which expired ids committed expire records in `history` cover with the
/// authority `policy` gives, and every expire record without it.
/// `signed` verifies a commit's signature (as for registry approvals).
pub fn authorized_expirations(
    history: &crate::history::History,
    policy: &crate::config::RetentionPolicy,
    signed: &dyn Fn(&crate::history::CommitInfo) -> Result<(), crate::repo::SignatureError>,
) -> (std::collections::HashSet<RecordId>, Vec<ExpireFinding>) {
    let mut covered = std::collections::HashSet::new();
    let mut findings = Vec::new();
    for entry in history.entries.iter().filter(|e| e.summary.kind == EXPIRE) {
        let Some(commit) = &entry.commit else {
            continue;
        };
        let email = &entry.summary.agent.email;
        let mut problems = Vec::new();
        match &policy.expirers {
            None => problems.push(
                "retention.expirers is not set in .lineage/config.yaml, so nobody may expire records"
                    .to_string(),
            ),
            Some(list) if !crate::config::identity_allowed(Some(list), email) => problems.push(
                format!("{email} is not in retention.expirers ({})", list.join(", ")),
            ),
            Some(_) => {}
        }
        if policy.signed {
            if !commit
                .author
                .email
                .trim()
                .eq_ignore_ascii_case(email.trim())
            {
                problems.push(format!(
                    "the record names {email} but its commit {} was authored by {}",
                    commit.short(),
                    commit.author.email
                ));
            }
            if let Err(e) = signed(commit) {
                problems.push(format!(
                    "retention.signed is set and commit {} has no valid signature: {e}",
                    commit.short()
                ));
            }
        }
        if problems.is_empty() {
            covered.extend(entry.summary.with(|s| expired_ids(&s.params)));
        } else {
            findings.push(ExpireFinding {
                record: entry.id.clone(),
                commit: Some(commit.clone()),
                message: format!(
                    "expire record is not authorized: {}; the deletions it names are tampering",
                    problems.join("; ")
                ),
            });
        }
    }
    (covered, findings)
}

/// Why a retention command refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RetentionError {
    /// `--reason` was empty.
    #[error("a {0} needs a reason: --reason is empty")]
    NoReason(&'static str),
    /// The user may not expire records.
    #[error("{email} may not expire records: {why}")]
    NotAnExpirer {
        /// The user's email.
        email: String,
        /// Why (the policy in words).
        why: String,
    },
    /// A kept record or an active registry version depends on a record to expire.
    #[error("cannot expire {id} ({what}): {dependents}")]
    Depended {
        /// The record.
        id: RecordId,
        /// Its kind and name.
        what: String,
        /// What depends on it, in words.
        dependents: String,
    },
    /// The record file to expire is not in the worktree.
    #[error("record {0} is not in the worktree (already expired or deleted)")]
    NotInWorktree(RecordId),
    /// A REF named nothing with a content hash.
    #[error("'{spec}' names no artifact with a content hash: nothing identifies its bytes")]
    NoHash {
        /// The REF as given.
        spec: String,
    },
    /// A REF named a code commit.
    #[error("'{spec}' names a code commit, not artifacts")]
    NotAnArtifact {
        /// The REF as given.
        spec: String,
    },
    /// The policy protects an artifact.
    #[error("'{locator}' ({hash}) is protected: {rule}")]
    Protected {
        /// Its path or URI.
        locator: String,
        /// Its hash.
        hash: ContentHash,
        /// The rule or registry version that protects it.
        rule: String,
    },
    /// The config's retention policy is invalid.
    #[error("{0}")]
    Config(ConfigError),
}

impl crate::Hint for RetentionError {
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(match self {
            RetentionError::NoReason(_) => "say why: --reason TEXT".into(),
            RetentionError::NotAnExpirer { .. } => "ask someone listed in retention.expirers of .lineage/config.yaml (docs/retention.md)".into(),
            RetentionError::Depended { .. } => "expire what depends on it in the same command, or keep it".into(),
            RetentionError::NotInWorktree(_) => "`git lineage log --include-expired` lists expired records".into(),
            RetentionError::NoHash { .. } | RetentionError::NotAnArtifact { .. } => {
                "name a recorded file or directory, blake3:HASH, or a record (its outputs)".into()
            }
            RetentionError::Protected { .. } => "move the stage to another version first (`git lineage registry promote` or `rollback`), or drop what the policy does not protect".into(),
            RetentionError::Config(_) => "fix `retention:` in .lineage/config.yaml (docs/retention.md)".into(),
        })
    }
}

/// For each content hash, the latest tombstone naming it.
#[derive(Debug, Clone, Default)]
pub struct Tombstones {
    by_hash: HashMap<ContentHash, RecordId>,
}

impl Tombstones {
    /// The tombstones among `entries` (history order: a later one wins).
    pub fn of_entries(entries: &[Entry]) -> Tombstones {
        let mut stones = Tombstones::default();
        for entry in entries.iter().filter(|e| e.summary.kind == DROP) {
            entry
                .summary
                .with_links(|s| stones.add(&entry.id, &s.inputs));
        }
        stones
    }

    /// Take one tombstone's artifacts into account.
    pub fn add(&mut self, id: &RecordId, dropped: &[Artifact]) {
        for hash in dropped.iter().filter_map(|a| a.hash) {
            self.by_hash.insert(hash, id.clone());
        }
    }

    /// Mark every artifact node of `subgraph` whose bytes were dropped
    pub fn annotate(&self, subgraph: &mut crate::graph::Subgraph) {
        for node in &mut subgraph.nodes {
            if let crate::graph::Node::Artifact(a) = &node.node
                && let Some(hash) = a.hash
            {
                node.dropped_by = self.dropped_by(&hash).cloned();
            }
        }
    }

    /// The tombstone that dropped these bytes, if any.
    pub fn dropped_by(&self, hash: &ContentHash) -> Option<&RecordId> {
        self.by_hash.get(hash)
    }

    /// True when nothing was dropped.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}
