//! `git lineage view`: one self-contained, interactive HTML page of a lineage
//! [`Subgraph`]. Owns gathering what the page shows of each node ([`gather`]),
//! the layered [`layout`] (computed here, so the same history gives the same
//! bytes) and writing the page ([`render`]): inline SVG, CSS, script and data
//! under a Content-Security-Policy that forbids every network request.

pub mod layout;
mod page;

use serde::Serialize;

use crate::graph::{Graph, Node, NodeKey, Subgraph, SubgraphNode};
use crate::history::History;
use crate::registry::Registry;
use crate::repo::Repo;

pub use page::{CSP_PREFIX, render, script_hash};

/// More nodes than this and the page opens on a neighbourhood, not on
/// everything at once.
pub const NEIGHBOURHOOD_THRESHOLD: usize = 300;

/// Up to this many records, the page holds each full record; above, what
/// history's summaries say (kind, name, agent, code commit, params,
/// metrics: no blob is read, and the page stays within about 1 KB a node).
pub const FULL_RECORDS_LIMIT: usize = 500;

/// What the page shows of one node beyond what `graph --format json` says.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeDetails {
    /// The full record, as `show --format json` gives it under `record`
    /// (records only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<serde_json::Value>,
    /// True when `manifest` is the record's summary (params, metrics, agent,
    /// code commit, failed), not the full record: pages of more than
    /// [`FULL_RECORDS_LIMIT`] records.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub abridged: bool,
    /// Why the record could not be read, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    /// The registry events of the versions this node is or produced.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<crate::registry::model::Event>,
    /// Marks drawn on the node: `dropped` (a tombstone says its bytes were
    /// deleted), `stale` (a newer version was recorded at every path it was
    /// recorded at).
    pub marks: Vec<String>,
}

/// Everything a page needs: the traversal and, per node (in the
/// traversal's order), its details.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewData {
    /// The nodes and edges shown.
    pub subgraph: Subgraph,
    /// Per node of `subgraph.nodes`, in the same order.
    pub details: Vec<NodeDetails>,
}

/// How the page is titled and opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOptions {
    /// The page title.
    pub title: String,
    /// The command line that wrote the page (shown in its header).
    pub command: String,
    /// The depth the "neighbourhood only" control starts at.
    pub depth: usize,
    /// Whether the page opens on the roots' neighbourhood (for large graphs).
    pub neighbourhood: bool,
}

impl PageOptions {
    /// Options for `subgraph`: the neighbourhood opens by default above
    /// [`NEIGHBOURHOOD_THRESHOLD`] nodes, at depth 2.
    pub fn for_subgraph(subgraph: &Subgraph, title: String, command: String) -> PageOptions {
        PageOptions {
            title,
            command,
            depth: 2,
            neighbourhood: subgraph.nodes.len() > NEIGHBOURHOOD_THRESHOLD,
        }
    }
}

/// Every node of `graph` and every edge between them, in the order a
/// traversal gives (distance, then id); `roots` is empty.
pub fn whole(graph: &Graph) -> Subgraph {
    let all: Vec<_> = graph.nodes().map(|(index, _)| index).collect();
    let mut subgraph = graph.traverse(
        &all,
        &crate::graph::TraverseOptions::new(crate::graph::Direction::Both).with_depth(0),
    );
    subgraph.roots.clear();
    subgraph
}

/// Gather what the page shows of each node of `subgraph`: records (read
/// from history in full up to [`FULL_RECORDS_LIMIT`] of them, else their
/// summaries; a record that cannot be read keeps what the graph says and
/// why), registry events and marks.
pub fn gather(
    repo: &Repo,
    history: &History,
    graph: &Graph,
    registry: &Registry,
    subgraph: Subgraph,
) -> ViewData {
    let records = subgraph
        .nodes
        .iter()
        .filter(|n| matches!(n.node, Node::Record(_)))
        .count();
    let full = records <= FULL_RECORDS_LIMIT;
    let details = subgraph
        .nodes
        .iter()
        .map(|node| {
            let mut details = NodeDetails {
                events: events_of(registry, node),
                marks: marks_of(graph, node),
                ..NodeDetails::default()
            };
            if let Node::Record(record) = &node.node {
                if full {
                    match history.read_record(repo, &record.id) {
                        Ok((_, full)) => details.manifest = serde_json::to_value(full).ok(),
                        Err(e) => details.unreadable = Some(e.to_string()),
                    }
                } else if let Some(entry) = history.get(&record.id) {
                    let summary = &entry.summary;
                    details.abridged = true;
                    details.manifest = Some(serde_json::json!({
                        "agent": summary.agent,
                        "code": { "commit": summary.code_commit },
                        "params": summary.params,
                        "metrics": summary.metrics,
                        "exit_failed": summary.failed,
                    }));
                }
            }
            details
        })
        .collect();
    ViewData { subgraph, details }
}

/// The registry events naming a version this node is or produced.
fn events_of(registry: &Registry, node: &SubgraphNode) -> Vec<crate::registry::model::Event> {
    registry
        .events
        .iter()
        .filter(|event| {
            node.registered.iter().any(|r| {
                r.model == event.model
                    && event.version.map(|v| format!("v{v}")).as_deref() == Some(r.version.as_str())
            })
        })
        .cloned()
        .collect()
}

/// `dropped` for an artifact a tombstone names (docs/retention.md), and
/// `stale` for one when every path it was recorded at has a newer version
/// recorded.
fn marks_of(graph: &Graph, node: &SubgraphNode) -> Vec<String> {
    let mut marks = Vec::new();
    if node.dropped_by.is_some() {
        marks.push("dropped".to_string());
    }
    let Node::Artifact(artifact) = &node.node else {
        return marks;
    };
    let Some(index) = graph.node(&NodeKey::Artifact(artifact.key.clone())) else {
        return marks;
    };
    let superseded = !artifact.paths.is_empty()
        && artifact
            .paths
            .iter()
            .all(|path| graph.artifacts_at_path(path).last() != Some(&index));
    if superseded {
        marks.push("stale".to_string());
    }
    marks
}
