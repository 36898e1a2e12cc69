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

/// Whether a record kind is retention bookkeeping (a tombstone), not work:
/// it never counts as a recording of the paths it names.
pub fn is_retention_kind(kind: &str) -> bool {
    kind == DROP
}

/// Why a retention command refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RetentionError {
    /// `--reason` was empty.
    #[error("a drop needs a reason: --reason is empty")]
    NoReason,
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
            RetentionError::NoReason => "say why the bytes were deleted: --reason TEXT".into(),
            RetentionError::NoHash { .. } | RetentionError::NotAnArtifact { .. } => {
                "name a recorded file or directory, blake3:HASH, or a record (its outputs)".into()
            }
            RetentionError::Protected { .. } => "archive or roll back the registry version first (`git lineage registry`), or drop a version the policy does not protect".into(),
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

    /// The tombstone that dropped these bytes, if any.
    pub fn dropped_by(&self, hash: &ContentHash) -> Option<&RecordId> {
        self.by_hash.get(hash)
    }

    /// True when nothing was dropped.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}
