//! What changed between two records, or in a revision range: typed,
//! serialisable [`RecordDiff`]s and [`RangeDiff`]s, and their text and
//! GitHub-Markdown renderings (pure functions of the diff).
//!
//! `model` holds the types, `compute` compares two records, `range`
//! compares a revision range, and [`render`] renders either.

mod compute;
mod model;
mod range;
pub mod render;

pub use compute::{compare, diff_records};
pub use model::{
    ArtifactChange, ArtifactState, ChangeKind, CodeChange, Diff, EnvironmentDiff, LockfileChange,
    MetricChange, RangeDiff, RangeRecord, RangeSpec, RecordDiff, RecordRef, ScalarChange,
    ValueChange,
};
pub use range::diff_range;

/// GitHub's limit on the length of an issue or pull-request comment.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// At most this many commits are listed for a code change.
pub const MAX_COMMITS: usize = 50;
