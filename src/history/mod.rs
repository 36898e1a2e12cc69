//! Lineage history: every record reachable in git history, with the commit
//! that introduced it, rebuilt by walking commits and diffing only the
//! `.lineage/records` subtrees that changed.

mod model;

pub use model::*;
