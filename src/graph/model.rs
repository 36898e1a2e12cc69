//! The graph's vocabulary: node indexes and keys, record references (the one
//! JSON shape every command uses for a record), artifact and commit nodes,
//! edge kinds, traversal options, and the typed results of a traversal and
//! of an impact analysis.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::hash::ContentHash;
use crate::history::{CommitInfo, Entry, Repository};
use crate::record::{Agent, Artifact, RecordId};
use crate::time::Timestamp;

/// The position of a node in a [`Graph`](super::Graph).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeIndex(pub(super) usize);

impl NodeIndex {
    /// The position as a number.
    pub fn index(self) -> usize {
        self.0
    }
}

/// What identifies an artifact node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArtifactKey {
    /// Anything with a content hash: local paths and hashed URIs. The same
    /// bytes are the same node wherever they were seen.
    Hash(ContentHash),
    /// An external URI without a hash, at a version if one was given.
    Uri {
        /// The URI.
        uri: String,
        /// The version given with it.
        version: Option<String>,
    },
    /// A large-file pointer (LFS, DVC, git-annex) recorded without its
    /// bytes, by its tool's digest, when no record saw the bytes (one that
    /// did links the digest to their BLAKE3 hash, and the node is that
    /// hash's: see [`Aliases`](super::Aliases)).
    Pointer(crate::pointer::PointerDigest),
    /// A local path without a hash (only in records that skipped validation).
    Path(String),
}

impl ArtifactKey {
    /// The key of an artifact as a record lists it; `None` when it has
    /// neither path, URI nor hash.
    pub fn of(artifact: &Artifact) -> Option<ArtifactKey> {
        match (&artifact.hash, &artifact.uri, &artifact.path) {
            (Some(hash), _, _) => Some(ArtifactKey::Hash(*hash)),
            (None, _, _) if artifact.pointer.is_some() => artifact
                .pointer
                .as_ref()
                .map(|pointer| ArtifactKey::Pointer(pointer.digest.clone())),
            (None, Some(uri), _) => Some(ArtifactKey::Uri {
                uri: uri.clone(),
                version: artifact.version.clone(),
            }),
            (None, None, Some(path)) => Some(ArtifactKey::Path(path.clone())),
            (None, None, None) => None,
        }
    }
}

impl fmt::Display for ArtifactKey {
    /// `blake3:<hex>`, `sha256:<hex>` (a pointer digest), `<uri>@<version>`,
    /// `<uri>` or `path:<path>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArtifactKey::Hash(hash) => write!(f, "{hash}"),
            ArtifactKey::Pointer(digest) => write!(f, "{digest}"),
            ArtifactKey::Uri { uri, version } => f.write_str(&uri_text(uri, version.as_deref())),
            ArtifactKey::Path(path) => write!(f, "path:{path}"),
        }
    }
}

/// What identifies a node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKey {
    /// A record.
    Record(RecordId),
    /// An artifact.
    Artifact(ArtifactKey),
    /// A code commit (its full id).
    Commit(String),
}

impl fmt::Display for NodeKey {
    /// The node's stable id in output: `record:<64 hex>`, an artifact key,
    /// or `commit:<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeKey::Record(id) => write!(f, "record:{id}"),
            NodeKey::Artifact(key) => key.fmt(f),
            NodeKey::Commit(id) => write!(f, "commit:{id}"),
        }
    }
}

/// A record as every command's JSON names it (`graph`, `impact`, `status`,
/// `diff`): `{id, kind, name, recorded, author, commit}`, `commit` being the
/// commit that introduced it as `{id, author, date, message}`, or `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordRef {
    /// The record id.
    pub id: RecordId,
    /// The activity.
    pub kind: String,
    /// The step or model name.
    pub name: String,
    /// When the record was written.
    pub recorded: Timestamp,
    /// The introducing commit's author; the record's agent when uncommitted.
    pub author: Agent,
    /// The commit that introduced it; `None` when it is only in the worktree.
    pub commit: Option<Arc<CommitInfo>>,
    /// The lineage remote it came from; absent for this repository's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<Arc<Repository>>,
}

impl RecordRef {
    /// The reference of a history entry.
    pub fn of(entry: &Entry) -> RecordRef {
        RecordRef {
            id: entry.id.clone(),
            kind: entry.summary.kind.clone(),
            name: entry.summary.name.clone(),
            recorded: entry.summary.recorded,
            author: entry
                .commit
                .as_ref()
                .map_or(&entry.summary.agent, |commit| &commit.author)
                .clone(),
            commit: entry.commit.clone(),
            repository: entry.repository.clone(),
        }
    }

    /// The short id as text shows it: `<remote>:<12 hex>` for a record
    /// of a lineage remote, else the 12 hex digits.
    pub fn display_id(&self) -> String {
        crate::history::qualified_short(self.repository.as_deref(), &self.id)
    }

    /// The first 12 hex digits of the introducing commit.
    pub fn commit_short(&self) -> Option<&str> {
        self.commit.as_deref().map(CommitInfo::short)
    }
}

/// An artifact as every record that mentions it saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactNode {
    /// What identifies it.
    #[serde(skip)]
    pub key: ArtifactKey,
    /// The content hash (set exactly when the key is [`ArtifactKey::Hash`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<ContentHash>,
    /// Repository-relative paths it was recorded at.
    pub paths: BTreeSet<String>,
    /// URIs it was recorded at, as `uri` or `uri@version`.
    pub uris: BTreeSet<String>,
    /// Roles records gave it (`dataset`, `model`, …).
    pub roles: BTreeSet<String>,
    /// Its size in bytes, when a record gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl ArtifactNode {
    /// Where it was seen: its first path, else its first URI, else `-`.
    pub fn locator(&self) -> &str {
        self.paths
            .first()
            .or(self.uris.first())
            .map_or("-", String::as_str)
    }

    /// `blake3:` and the first 12 hex digits of the hash; for a large-file
    /// pointer, its digest's algorithm and first 12 hex digits.
    pub fn hash_short(&self) -> Option<String> {
        match (&self.hash, &self.key) {
            (Some(hash), _) => Some(crate::render::short_hash(hash)),
            (None, ArtifactKey::Pointer(digest)) => Some(format!(
                "{}:{}",
                digest.algorithm(),
                digest.value().get(..12).unwrap_or(digest.value())
            )),
            _ => None,
        }
    }
}

/// A node: what it is, with what renderers show of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Node {
    /// A record.
    Record(RecordRef),
    /// A file, directory or external artifact.
    Artifact(ArtifactNode),
    /// A code commit (its full id).
    Commit(String),
}

impl Node {
    /// What identifies it.
    pub fn key(&self) -> NodeKey {
        match self {
            Node::Record(record) => NodeKey::Record(record.id.clone()),
            Node::Artifact(artifact) => NodeKey::Artifact(artifact.key.clone()),
            Node::Commit(id) => NodeKey::Commit(id.clone()),
        }
    }

    /// Its type.
    pub fn node_type(&self) -> NodeType {
        match self {
            Node::Record(_) => NodeType::Record,
            Node::Artifact(_) => NodeType::Artifact,
            Node::Commit(_) => NodeType::Commit,
        }
    }

    /// A one-line label: `kind name (short id)` for a record, the locator
    /// and short hash for an artifact, `commit <short id>` for a commit.
    pub fn label(&self) -> String {
        match self {
            Node::Record(record) => {
                format!("{} {} ({})", record.kind, record.name, record.display_id())
            }
            Node::Artifact(artifact) => {
                let mut label = artifact.locator().to_string();
                let more = artifact.paths.len() + artifact.uris.len();
                if more > 1 {
                    label.push_str(&format!(" +{}", more - 1));
                }
                if let Some(short) = artifact.hash_short() {
                    label.push_str(&format!(" ({short})"));
                }
                label
            }
            Node::Commit(id) => format!("commit {}", crate::render::short_id(id)),
        }
    }

    /// Whether a `--type` value selects this node: a record by its kind or
    /// `record`, an artifact by one of its roles or `artifact`, a commit by
    /// `commit`.
    pub fn has_type(&self, wanted: &str) -> bool {
        match self {
            Node::Record(record) => wanted == "record" || record.kind == wanted,
            Node::Artifact(artifact) => wanted == "artifact" || artifact.roles.contains(wanted),
            Node::Commit(_) => wanted == "commit",
        }
    }
}

/// The three kinds of node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeType {
    /// A record.
    Record,
    /// An artifact.
    Artifact,
    /// A code commit.
    Commit,
}

impl NodeType {
    /// The spelling in output.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeType::Record => "record",
            NodeType::Artifact => "artifact",
            NodeType::Commit => "commit",
        }
    }
}

/// What an edge means; every edge points downstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// Artifact → the record that read it.
    UsedBy,
    /// Record → the artifact it wrote.
    Produced,
    /// Record → a record that names it in `references`.
    References,
    /// Code commit → a record that ran from it.
    Code,
    /// Shown node → shown node through nodes a type filter hides.
    Via,
}

impl EdgeKind {
    /// The spelling in output.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::UsedBy => "used-by",
            EdgeKind::Produced => "produced",
            EdgeKind::References => "references",
            EdgeKind::Code => "code",
            EdgeKind::Via => "via",
        }
    }
}

/// Which way to walk from the start nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Towards what the starts came from.
    Up,
    /// Towards what came from the starts.
    Down,
    /// Both walks, united (not an undirected walk).
    #[default]
    Both,
}

/// Where a node of a [`Subgraph`] lies relative to the roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// A start node.
    Root,
    /// Upstream of a start.
    Up,
    /// Downstream of a start.
    Down,
}

/// How to walk the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraverseOptions {
    /// Which way.
    pub direction: Direction,
    /// The most hops from a start; `None` for no limit. Hops count every
    /// node on the way, shown or not.
    pub depth: Option<usize>,
    /// When not empty, show only nodes of these types (see
    /// [`Node::has_type`]) and the starts; the walk still passes through
    /// the others.
    pub types: Vec<String>,
}

impl TraverseOptions {
    /// Every node reachable in `direction`, of any type, at any depth.
    pub fn new(direction: Direction) -> TraverseOptions {
        TraverseOptions {
            direction,
            ..TraverseOptions::default()
        }
    }

    /// The same walk, stopped `depth` hops from the starts.
    pub fn with_depth(self, depth: usize) -> TraverseOptions {
        TraverseOptions {
            depth: Some(depth),
            ..self
        }
    }
}

/// A registered model version a node is (its artifact) or made (the record
/// that produced it), with the stages it holds now.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Registration {
    /// The model's name.
    pub model: String,
    /// The version, `vN`.
    pub version: String,
    /// The stages this version holds now (`production`, …), sorted.
    pub stages: Vec<String>,
}

impl std::fmt::Display for Registration {
    /// `fraud-model v1 (production)`, or `fraud-model v2`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.model, self.version)?;
        if !self.stages.is_empty() {
            write!(f, " ({})", self.stages.join(", "))?;
        }
        Ok(())
    }
}

/// One node of a traversal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgraphNode {
    /// Its position in the graph.
    #[serde(skip)]
    pub index: NodeIndex,
    /// Its stable id (see [`NodeKey`]'s `Display`).
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub node_type: NodeType,
    /// A one-line label (see [`Node::label`]).
    pub label: String,
    /// Hops from the nearest root.
    pub distance: usize,
    /// Where it lies relative to the roots.
    pub direction: Side,
    /// What it is.
    #[serde(flatten)]
    pub node: Node,
    /// The registered model versions it is or produced (filled in by
    /// [`crate::registry::model::Registry::annotate`]); omitted when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registered: Vec<Registration>,
    /// For an artifact whose bytes a tombstone says were deleted: that
    /// `drop` record (docs/retention.md); omitted otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_by: Option<RecordId>,
    /// For a record shown with `--include-expired`: the `expire` record
    /// that removed it; omitted otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_by: Option<RecordId>,
}

/// One edge of a traversal, between two shown nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubgraphEdge {
    /// The upstream node's id.
    pub from: String,
    /// The downstream node's id.
    pub to: String,
    /// What it means; [`EdgeKind::Via`] when hidden nodes lie between.
    pub kind: EdgeKind,
}

/// What a traversal reached, ordered by distance, then id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subgraph {
    /// The ids of the start nodes, sorted.
    pub roots: Vec<String>,
    /// The shown nodes.
    pub nodes: Vec<SubgraphNode>,
    /// The edges between shown nodes, in node order.
    pub edges: Vec<SubgraphEdge>,
}

/// An artifact affected by a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactArtifact {
    /// Its stable id.
    pub id: String,
    /// Its first path or URI.
    pub locator: String,
    /// Its content hash, if it has one.
    pub hash: Option<ContentHash>,
    /// The roles records gave it.
    pub roles: BTreeSet<String>,
    /// The registered model versions whose artifact it is; omitted when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registered: Vec<Registration>,
}

/// A registered model version among what a change affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedVersion {
    /// The model's name.
    pub model: String,
    /// The version, `vN`.
    pub version: String,
    /// The stages it holds now, sorted.
    pub stages: Vec<String>,
    /// The version's artifact (its graph id, `blake3:…`).
    pub artifact: String,
    /// The artifact's path or URI.
    pub locator: String,
}

/// Everything downstream of some nodes, the nodes themselves excluded.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Impact {
    /// Affected records by kind, each list by time recorded, then id.
    pub records: BTreeMap<String, Vec<RecordRef>>,
    /// Affected artifacts (all written by affected records), by locator, then id.
    pub artifacts: Vec<ImpactArtifact>,
    /// The registered model versions among the affected artifacts, by model
    /// then version (filled in by
    /// [`crate::registry::model::Registry::annotate_impact`]); omitted when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registry: Vec<AffectedVersion>,
}

/// `uri@version`, or the URI alone.
pub(super) fn uri_text(uri: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!("{uri}@{version}"),
        None => uri.to_string(),
    }
}
