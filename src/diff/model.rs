//! The typed results of a diff: what differs between two records
//! ([`RecordDiff`]) or in a revision range ([`RangeDiff`]), serialisable as
//! `--format json` prints them.

use serde::Serialize;

pub use crate::graph::RecordRef;
use crate::graph::Subgraph;
use crate::hash::ContentHash;
use crate::history::{CommitInfo, Finding};
use crate::params::Value;
use crate::record::Artifact;

/// How a value, artifact or setting differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only on the new side.
    Added,
    /// Only on the old side.
    Removed,
    /// On both sides, different.
    Changed,
}

impl ChangeKind {
    /// `+`, `-` or `~`, as text output marks it.
    pub fn sign(self) -> char {
        match self {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        }
    }

    pub(super) fn of<T>(old: &Option<T>, new: &Option<T>) -> Option<ChangeKind> {
        match (old, new) {
            (None, Some(_)) => Some(ChangeKind::Added),
            (Some(_), None) => Some(ChangeKind::Removed),
            (Some(_), Some(_)) => Some(ChangeKind::Changed),
            (None, None) => None,
        }
    }
}

/// A parameter (or any scalar setting) that differs. Nested maps are
/// compared leaf by leaf under dotted keys (`optimizer.lr`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange {
    /// The dotted key.
    pub key: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The old value, when there is one.
    pub old: Option<Value>,
    /// The new value, when there is one.
    pub new: Option<Value>,
}

/// A metric that differs, with its deltas when both sides are numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricChange {
    /// The dotted key.
    pub key: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The old value.
    pub old: Option<Value>,
    /// The new value.
    pub new: Option<Value>,
    /// `new - old`, when both are numbers (rounded to 12 significant digits).
    pub delta: Option<f64>,
    /// `(new - old) / |old|`, when both are numbers and `old` is not 0.
    pub relative: Option<f64>,
}

/// What identifies an artifact's content: hash, size, version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactState {
    /// The role the record gave it.
    pub role: Option<String>,
    /// The content hash.
    pub hash: Option<ContentHash>,
    /// The size in bytes.
    pub size: Option<u64>,
    /// The version of an external artifact.
    pub version: Option<String>,
}

impl ArtifactState {
    pub(super) fn of(artifact: &Artifact) -> ArtifactState {
        ArtifactState {
            role: artifact.role.clone(),
            hash: artifact.hash,
            size: artifact.size,
            version: artifact.version.clone(),
        }
    }

    pub(super) fn same_content(&self, other: &ArtifactState) -> bool {
        self.hash == other.hash && self.size == other.size && self.version == other.version
    }
}

/// An input or output that differs, matched by path or URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactChange {
    /// The path or URI.
    pub locator: String,
    /// Added, removed or changed (content, size or version).
    pub change: ChangeKind,
    /// As the old record lists it.
    pub old: Option<ArtifactState>,
    /// As the new record lists it.
    pub new: Option<ArtifactState>,
}

impl ArtifactChange {
    /// The artifact's role, as the new record lists it (or the old one).
    pub fn role(&self) -> Option<&str> {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .and_then(|s| s.role.as_deref())
    }
}

/// A setting that differs (image, seed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScalarChange<T> {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The old value.
    pub old: Option<T>,
    /// The new value.
    pub new: Option<T>,
}

impl<T: PartialEq + Clone> ScalarChange<T> {
    pub(super) fn of(old: Option<&T>, new: Option<&T>) -> Option<ScalarChange<T>> {
        if old == new {
            return None;
        }
        let (old, new) = (old.cloned(), new.cloned());
        ChangeKind::of(&old, &new).map(|change| ScalarChange { change, old, new })
    }
}

/// A lockfile whose hash differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockfileChange {
    /// The lockfile's path.
    pub path: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The old hash.
    pub old: Option<ContentHash>,
    /// The new hash.
    pub new: Option<ContentHash>,
}

/// Environment differences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvironmentDiff {
    /// Lockfiles added, removed or re-hashed.
    pub lockfiles: Vec<LockfileChange>,
    /// The container image, when it differs.
    pub image: Option<ScalarChange<String>>,
}

impl EnvironmentDiff {
    /// True when nothing differs.
    pub fn is_empty(&self) -> bool {
        self.lockfiles.is_empty() && self.image.is_none()
    }
}

/// The code version differs: the two commits and the commits between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeChange {
    /// Added (no old commit), removed or changed.
    pub change: ChangeKind,
    /// The old record's code commit.
    pub old: Option<String>,
    /// The new record's code commit.
    pub new: Option<String>,
    /// The commits of `git log old..new` that change a file outside
    /// `.lineage/`, newest first, at most [`MAX_COMMITS`](super::MAX_COMMITS);
    /// lineage-only commits are counted in `lineage_only` instead.
    pub commits: Vec<CommitInfo>,
    /// How many commits `old..new` has in all.
    pub ahead: usize,
    /// How many commits of `old..new` change a file outside `.lineage/`.
    pub code_commits: usize,
    /// How many commits of `old..new` change only `.lineage/` (bookkeeping),
    /// left out of `commits`.
    pub lineage_only: usize,
    /// The files outside `.lineage/` that differ between the two code
    /// commits, by path, with line counts.
    pub files: Vec<crate::history::CodeFile>,
    /// How many commits `new..old` has (the old code had and the new lacks).
    pub behind: usize,
    /// Why the commits could not be listed (a commit missing from a shallow
    /// clone, say).
    pub problem: Option<String>,
}

/// Everything that differs between two records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordDiff {
    /// The old record; `None` when a new record has nothing to compare with.
    pub old: Option<RecordRef>,
    /// The new record.
    pub new: RecordRef,
    /// Parameters added, removed or changed.
    pub params: Vec<ValueChange>,
    /// Metrics added, removed or changed, with deltas.
    pub metrics: Vec<MetricChange>,
    /// Inputs added, removed or with other content.
    pub inputs: Vec<ArtifactChange>,
    /// Outputs added, removed or with other content.
    pub outputs: Vec<ArtifactChange>,
    /// The code commit, when it differs.
    pub code: Option<CodeChange>,
    /// Lockfiles and image.
    pub environment: EnvironmentDiff,
    /// The seed, when it differs.
    pub seed: Option<ScalarChange<u64>>,
}

impl RecordDiff {
    /// True when the two records agree on everything a diff compares.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
            && self.metrics.is_empty()
            && self.inputs.is_empty()
            && self.outputs.is_empty()
            && self.code.is_none()
            && self.environment.is_empty()
            && self.seed.is_none()
    }

    /// Whether any input or output differs.
    pub fn data_changed(&self) -> bool {
        !self.inputs.is_empty() || !self.outputs.is_empty()
    }
}

/// A revision range as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RangeSpec {
    /// The base revision (`A`; empty means HEAD).
    pub base: String,
    /// The head revision (`B`; empty means HEAD).
    pub head: String,
    /// `A...B`: compare from the merge base of A and B.
    pub symmetric: bool,
}

impl RangeSpec {
    /// `A..B` or `A...B`; `None` for text without `..`.
    pub fn parse(text: &str) -> Option<RangeSpec> {
        let (base, rest) = text.split_once("..")?;
        let (head, symmetric) = match rest.strip_prefix('.') {
            Some(head) => (head, true),
            None => (rest, false),
        };
        Some(RangeSpec {
            base: base.to_string(),
            head: head.to_string(),
            symmetric,
        })
    }

    /// As the user would type it.
    pub fn text(&self) -> String {
        let dots = if self.symmetric { "..." } else { ".." };
        format!("{}{dots}{}", self.base, self.head)
    }

    pub(super) fn base_rev(&self) -> &str {
        if self.base.is_empty() {
            "HEAD"
        } else {
            &self.base
        }
    }

    pub(super) fn head_rev(&self) -> &str {
        if self.head.is_empty() {
            "HEAD"
        } else {
            &self.head
        }
    }
}

/// One record added in a range, compared with its base-side counterpart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeRecord {
    /// The comparison; `diff.old` is the most recent record with the same
    /// kind and name on the base side, `None` when there is none.
    #[serde(flatten)]
    pub diff: RecordDiff,
}

/// What a revision range changed in lineage.
#[derive(Debug, Clone, Serialize)]
pub struct RangeDiff {
    /// The range as given.
    pub range: String,
    /// The commit records are compared against: `A`, or for `A...B` the
    /// merge base of A and B.
    pub base: String,
    /// The commit `B` resolved to.
    pub head: String,
    /// Record files edited, deleted or broken by commits in the range.
    pub findings: Vec<Finding>,
    /// The records the range added, in history order.
    pub records: Vec<RangeRecord>,
    /// The new records' lineage: up to two hops upstream of each.
    #[serde(skip)]
    pub lineage: Subgraph,
    /// What to know about the comparison itself (a shallow clone, missing
    /// objects); omitted from JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl RangeDiff {
    /// True when the range added no records and has no findings.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.records.is_empty()
    }
}

/// A diff of either kind, as `--format json` prints it (tagged by `type`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Diff {
    /// Two records.
    Records(Box<RecordDiff>),
    /// A revision range.
    Range(Box<RangeDiff>),
}

impl Diff {
    /// True when there is nothing to report (`--exit-code` exits 0).
    pub fn is_empty(&self) -> bool {
        match self {
            Diff::Records(diff) => diff.is_empty(),
            Diff::Range(diff) => diff.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_two_and_three_dots() {
        assert_eq!(
            RangeSpec::parse("main...feature"),
            Some(RangeSpec {
                base: "main".into(),
                head: "feature".into(),
                symmetric: true
            })
        );
        let r = RangeSpec::parse("main..").unwrap();
        assert_eq!(
            (r.base_rev(), r.head_rev(), r.symmetric),
            ("main", "HEAD", false)
        );
        assert_eq!(RangeSpec::parse("name:model"), None);
    }
}
