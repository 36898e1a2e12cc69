//! Lineage history: every record reachable in git history, with the commit
//! that introduced it, rebuilt by walking commits and diffing only the
//! `.lineage/records` subtrees that changed, plus integrity findings.
//!
//! What is learned about each commit and record blob is kept in a derived
//! index under `.git/lineage/` ([`index`]), so a query reads only commits it
//! has not seen; the assembled result is kept as a snapshot keyed by the ref
//! tips, so a repeated query reads one file. Uncached commits are diffed on
//! all cores.
//!
//! The submodules, bottom up: `codec` (binary primitives), `summary`,
//! `error`, `trace`, `model` ([`History`]), `index`, `walk` (git reads),
//! `snapshot`, `revisions`, `walker`, `assemble`, `load` ([`History::load`]), `extend` (the new
//! commits a derived view lacks).

mod assemble;
pub(crate) mod codec;
mod commits;
mod error;
pub mod extend;
pub mod index;
mod load;
mod model;
mod revisions;
mod snapshot;
pub(crate) mod summary;
mod trace;
mod walk;
mod walker;

pub use commits::{
    CodeFile, CodeRange, CommitRange, CommitRangeError, code_between, commits_between, is_shallow,
    merge_base, resolve_commit_id,
};
pub use error::{HistoryError, ReadWarning};
pub use load::{HistoryOptions, StateKey, file_names, state_key, view_name};
pub use model::{
    CommitInfo, Entry, Finding, FindingKind, History, Repository, Stats, qualified_short,
};
pub use revisions::{LINEAGE_REFS, Revisions, content_hash_at, file_bytes_at, resolve_commit};
pub(crate) use snapshot::{
    RepositoryTable, only_refs_moved, read_commit_info, read_finding, read_worktree_files,
    remove_named, remove_remote_views, worktree_files_unchanged, write_commit_info, write_finding,
    write_worktree_files,
};
pub use summary::{Summary, SummaryCell};
pub(crate) use trace::mark as trace_mark;
pub use trace::take as take_trace;
pub(crate) use walk::commit_info;
