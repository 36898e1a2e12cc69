//! The lineage graph: records, artifacts and code commits as nodes, linked
//! upstream → downstream by what records read, wrote, referenced and ran from.
//! Owns building it from history entries, traversing it (with depth and type
//! filters) and impact analysis; [`render`] turns a traversal into text.
//!
//! Records connect through shared artifacts: one record's output hash is the
//! next one's input. Every result is ordered deterministically.

mod model;
pub mod render;

pub use model::*;

use std::collections::btree_map::Entry as MapEntry;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::hash::ContentHash;
use crate::history::Entry;
use crate::pointer::PointerDigest;
use crate::record::Artifact;

/// Large-file pointer digests with the BLAKE3 hash of the bytes a record
/// saw them with (the least, should two differ): an artifact recorded by
/// its pointer alone is the node of that hash, so records made with and
/// without the bytes link.
pub type Aliases = BTreeMap<PointerDigest, ContentHash>;

/// The [`Aliases`] of `entries`: every artifact listed with both a pointer
/// digest and a hash.
pub fn aliases_of(entries: &[Entry]) -> Aliases {
    let mut aliases = Aliases::new();
    for entry in entries {
        entry.summary.with_links(|summary| {
            for artifact in summary.inputs.iter().chain(&summary.outputs) {
                if let (Some(pointer), Some(hash)) = (&artifact.pointer, artifact.hash) {
                    aliases
                        .entry(pointer.digest.clone())
                        .and_modify(|seen| *seen = (*seen).min(hash))
                        .or_insert(hash);
                }
            }
        });
    }
    aliases
}

/// Records, artifacts and code commits, linked upstream → downstream.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    keys: HashMap<NodeKey, NodeIndex>,
    /// Per node, its outgoing (downstream) edges, in insertion order.
    downstream: Vec<Vec<(NodeIndex, EdgeKind)>>,
    /// Per node, its incoming (upstream) edges.
    upstream: Vec<Vec<(NodeIndex, EdgeKind)>>,
    /// Artifact nodes by path, oldest first.
    by_path: BTreeMap<String, Vec<NodeIndex>>,
    /// Artifact nodes by URI, with the version they were seen at.
    by_uri: BTreeMap<String, Vec<(Option<String>, NodeIndex)>>,
    /// Pointer digests known by a hash.
    aliases: Aliases,
}

impl Graph {
    /// The graph of `entries` (oldest first). A record listed twice is one
    /// node (its first entry); references to records not among the entries
    /// are skipped.
    pub fn build(entries: &[Entry]) -> Graph {
        Graph::build_with_aliases(entries, aliases_of(entries))
    }

    /// [`Graph::build`] with the aliases of a larger history (of which
    /// `entries` is a part), so pointer artifacts get the nodes they have
    /// in the whole graph.
    pub fn build_with_aliases(entries: &[Entry], aliases: Aliases) -> Graph {
        let mut graph = Graph {
            aliases,
            ..Graph::default()
        };
        let records: Vec<NodeIndex> = (0..entries.len())
            .map(|i| {
                let key = NodeKey::Record(entries[i].id.clone());
                graph.intern(key, || Node::Record(RecordRef::of(&entries[i])))
            })
            .collect();
        for (entry, &record) in entries.iter().zip(&records) {
            entry
                .summary
                .with_links(|summary| graph.link_record(record, summary));
        }
        graph
    }

    /// Add the edges of one record: its code commit, references, inputs and outputs.
    fn link_record(&mut self, record: NodeIndex, summary: &crate::history::Summary) {
        if let Some(commit) = &summary.code_commit {
            let node = self.intern(NodeKey::Commit(commit.clone()), || {
                Node::Commit(commit.clone())
            });
            self.link(node, record, EdgeKind::Code);
        }
        for reference in &summary.references {
            if let Some(&upstream) = self.keys.get(&NodeKey::Record(reference.clone())) {
                self.link(upstream, record, EdgeKind::References);
            }
        }
        for artifact in &summary.inputs {
            if let Some(node) = self.artifact(artifact) {
                self.link(node, record, EdgeKind::UsedBy);
            }
        }
        for artifact in &summary.outputs {
            if let Some(node) = self.artifact(artifact) {
                self.link(record, node, EdgeKind::Produced);
            }
        }
    }

    /// The node with this key (a pointer digest some record saw with
    /// its bytes names the node of their hash).
    pub fn node(&self, key: &NodeKey) -> Option<NodeIndex> {
        if let NodeKey::Artifact(ArtifactKey::Pointer(digest)) = key
            && let Some(hash) = self.aliases.get(digest)
        {
            return self
                .keys
                .get(&NodeKey::Artifact(ArtifactKey::Hash(*hash)))
                .copied();
        }
        self.keys.get(key).copied()
    }

    /// The pointer digests this graph knows by a hash.
    pub fn aliases(&self) -> &Aliases {
        &self.aliases
    }

    /// The node at `index`.
    ///
    /// # Panics
    ///
    /// When `index` is not from this graph.
    pub fn get(&self, index: NodeIndex) -> &Node {
        &self.nodes[index.0]
    }

    /// Every node, in the order built (records first, in entry order).
    pub fn nodes(&self) -> impl Iterator<Item = (NodeIndex, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (NodeIndex(i), node))
    }

    /// Every edge as (upstream, downstream, kind).
    pub fn edges(&self) -> impl Iterator<Item = (NodeIndex, NodeIndex, EdgeKind)> + '_ {
        self.downstream
            .iter()
            .enumerate()
            .flat_map(|(from, edges)| {
                edges
                    .iter()
                    .map(move |&(to, kind)| (NodeIndex(from), to, kind))
            })
    }

    /// Every artifact ever recorded at `path` (each version), oldest first.
    pub fn artifacts_at_path(&self, path: &str) -> Vec<NodeIndex> {
        self.by_path.get(path).cloned().unwrap_or_default()
    }

    /// Every artifact recorded at `uri`, at `version` or, for `None`, at
    /// any version; oldest first.
    pub fn artifacts_with_uri(&self, uri: &str, version: Option<&str>) -> Vec<NodeIndex> {
        let mut found: Vec<NodeIndex> = Vec::new();
        for (seen, node) in self.by_uri.get(uri).into_iter().flatten() {
            if (version.is_none() || seen.as_deref() == version) && !found.contains(node) {
                found.push(*node);
            }
        }
        found
    }

    /// Every path artifacts were recorded at, each with its artifacts as
    /// [`Graph::artifacts_at_path`] gives them, in path order.
    pub fn paths(&self) -> impl Iterator<Item = (&str, &[NodeIndex])> {
        self.by_path
            .iter()
            .map(|(p, nodes)| (p.as_str(), nodes.as_slice()))
    }

    /// Every URI artifacts were recorded at, each with the versions seen and
    /// their nodes in the order [`Graph::artifacts_with_uri`] reads them.
    pub fn uris(&self) -> impl Iterator<Item = (&str, &[(Option<String>, NodeIndex)])> {
        self.by_uri
            .iter()
            .map(|(u, seen)| (u.as_str(), seen.as_slice()))
    }

    /// Replace what an artifact node says (paths, URIs, roles, size) with
    /// `node`, which has the same key: for a graph built from part of
    /// history, what the whole history says about it. Lookups by path and
    /// URI are left as built. Returns false when no such node exists.
    pub fn complete_artifact(&mut self, node: ArtifactNode) -> bool {
        let Some(&index) = self.keys.get(&NodeKey::Artifact(node.key.clone())) else {
            return false;
        };
        self.nodes[index.0] = Node::Artifact(node);
        true
    }

    /// The nodes reachable from `starts` as `options` say, with the edges
    /// between them.
    pub fn traverse(&self, starts: &[NodeIndex], options: &TraverseOptions) -> Subgraph {
        let mut placed: BTreeMap<NodeIndex, (usize, Side)> = starts
            .iter()
            .map(|&start| (start, (0, Side::Root)))
            .collect();
        let (up, down) = match options.direction {
            Direction::Up => (true, false),
            Direction::Down => (false, true),
            Direction::Both => (true, true),
        };
        if up {
            for (node, distance) in self.reach(starts, &self.upstream, options.depth) {
                placed.entry(node).or_insert((distance, Side::Up));
            }
        }
        if down {
            for (node, distance) in self.reach(starts, &self.downstream, options.depth) {
                match placed.entry(node) {
                    MapEntry::Vacant(slot) => {
                        slot.insert((distance, Side::Down));
                    }
                    MapEntry::Occupied(mut slot) if slot.get().0 > distance => {
                        slot.insert((distance, Side::Down));
                    }
                    MapEntry::Occupied(_) => {}
                }
            }
        }

        let filtered = !options.types.is_empty();
        let shown: BTreeSet<NodeIndex> = placed
            .keys()
            .copied()
            .filter(|node| {
                !filtered
                    || starts.contains(node)
                    || options.types.iter().any(|t| self.get(*node).has_type(t))
            })
            .collect();

        let mut nodes: Vec<SubgraphNode> = shown
            .iter()
            .map(|&index| {
                let node = self.get(index);
                let (distance, direction) = placed[&index];
                SubgraphNode {
                    index,
                    id: node.key().to_string(),
                    node_type: node.node_type(),
                    label: node.label(),
                    distance,
                    direction,
                    node: node.clone(),
                    registered: Vec::new(),
                    dropped_by: None,
                    expired_by: None,
                }
            })
            .collect();
        nodes.sort_by(|a, b| (a.distance, &a.id).cmp(&(b.distance, &b.id)));
        let position: HashMap<NodeIndex, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.index, i))
            .collect();

        let mut edges: BTreeSet<(usize, usize, EdgeKind)> = BTreeSet::new();
        for &from in &shown {
            for &(to, kind) in &self.downstream[from.0] {
                if shown.contains(&to) {
                    edges.insert((position[&from], position[&to], kind));
                }
            }
            if filtered {
                for to in self.shown_through_hidden(from, &placed, &shown) {
                    edges.insert((position[&from], position[&to], EdgeKind::Via));
                }
            }
        }

        let mut roots: Vec<String> = starts
            .iter()
            .map(|&start| self.get(start).key().to_string())
            .collect();
        roots.sort();
        roots.dedup();
        Subgraph {
            roots,
            edges: edges
                .into_iter()
                .map(|(from, to, kind)| SubgraphEdge {
                    from: nodes[from].id.clone(),
                    to: nodes[to].id.clone(),
                    kind,
                })
                .collect(),
            nodes,
        }
    }

    /// Every record and artifact downstream of `starts`, at any distance.
    pub fn impact(&self, starts: &[NodeIndex]) -> Impact {
        let mut impact = Impact::default();
        for (index, _) in self.reach(starts, &self.downstream, None) {
            if starts.contains(&index) {
                continue;
            }
            match self.get(index) {
                Node::Record(record) => impact
                    .records
                    .entry(record.kind.clone())
                    .or_default()
                    .push(record.clone()),
                Node::Artifact(artifact) => impact.artifacts.push(ImpactArtifact {
                    id: artifact.key.to_string(),
                    locator: artifact.locator().to_string(),
                    hash: artifact.hash,
                    roles: artifact.roles.clone(),
                    registered: Vec::new(),
                }),
                // Nothing points at a commit.
                Node::Commit(_) => {}
            }
        }
        for records in impact.records.values_mut() {
            records.sort_by(|a, b| (a.recorded, &a.id).cmp(&(b.recorded, &b.id)));
        }
        impact
            .artifacts
            .sort_by(|a, b| (&a.locator, &a.id).cmp(&(&b.locator, &b.id)));
        impact
    }

    /// Breadth-first distances from `starts` along `edges`, up to `depth` hops.
    fn reach(
        &self,
        starts: &[NodeIndex],
        edges: &[Vec<(NodeIndex, EdgeKind)>],
        depth: Option<usize>,
    ) -> BTreeMap<NodeIndex, usize> {
        let mut distances = BTreeMap::new();
        let mut queue = VecDeque::new();
        for &start in starts {
            if distances.insert(start, 0).is_none() {
                queue.push_back(start);
            }
        }
        while let Some(node) = queue.pop_front() {
            let distance = distances[&node];
            if depth.is_some_and(|max| distance >= max) {
                continue;
            }
            for &(next, _) in &edges[node.0] {
                if let MapEntry::Vacant(slot) = distances.entry(next) {
                    slot.insert(distance + 1);
                    queue.push_back(next);
                }
            }
        }
        distances
    }

    /// The shown nodes that `from` reaches downstream through at least one
    /// hidden (placed but not shown) node and no shown one, except those it
    /// has a direct edge to.
    fn shown_through_hidden(
        &self,
        from: NodeIndex,
        placed: &BTreeMap<NodeIndex, (usize, Side)>,
        shown: &BTreeSet<NodeIndex>,
    ) -> BTreeSet<NodeIndex> {
        let hidden = |node: &NodeIndex| placed.contains_key(node) && !shown.contains(node);
        let mut found = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = self.downstream[from.0]
            .iter()
            .map(|&(next, _)| next)
            .filter(hidden)
            .collect();
        while let Some(node) = stack.pop() {
            if !seen.insert(node) {
                continue;
            }
            for &(next, _) in &self.downstream[node.0] {
                if shown.contains(&next) {
                    found.insert(next);
                } else if hidden(&next) {
                    stack.push(next);
                }
            }
        }
        found.remove(&from);
        found.retain(|to| !self.downstream[from.0].iter().any(|(next, _)| next == to));
        found
    }

    /// The node for `key`, made by `make` when new.
    fn intern(&mut self, key: NodeKey, make: impl FnOnce() -> Node) -> NodeIndex {
        if let Some(&index) = self.keys.get(&key) {
            return index;
        }
        let index = NodeIndex(self.nodes.len());
        self.nodes.push(make());
        self.downstream.push(Vec::new());
        self.upstream.push(Vec::new());
        self.keys.insert(key, index);
        index
    }

    /// The node for an artifact a record lists, updated with what this
    /// listing says about it.
    fn artifact(&mut self, artifact: &Artifact) -> Option<NodeIndex> {
        let key = match ArtifactKey::of(artifact)? {
            ArtifactKey::Pointer(digest) => match self.aliases.get(&digest) {
                Some(hash) => ArtifactKey::Hash(*hash),
                None => ArtifactKey::Pointer(digest),
            },
            key => key,
        };
        let index = self.intern(NodeKey::Artifact(key.clone()), || {
            Node::Artifact(ArtifactNode {
                // A pointer node's key is its digest whichever listing came
                // first, so it never takes one listing's BLAKE3.
                hash: match key {
                    ArtifactKey::Hash(hash) => Some(hash),
                    _ => None,
                },
                key,
                paths: BTreeSet::new(),
                uris: BTreeSet::new(),
                roles: BTreeSet::new(),
                size: None,
            })
        });
        let Node::Artifact(node) = &mut self.nodes[index.0] else {
            unreachable!("an artifact key names an artifact node");
        };
        if let Some(path) = &artifact.path
            && node.paths.insert(path.clone())
        {
            self.by_path.entry(path.clone()).or_default().push(index);
        }
        if let Some(uri) = &artifact.uri
            && node.uris.insert(uri_text(uri, artifact.version.as_deref()))
        {
            self.by_uri
                .entry(uri.clone())
                .or_default()
                .push((artifact.version.clone(), index));
        }
        if let Some(role) = &artifact.role {
            node.roles.insert(role.clone());
        }
        node.size = node.size.or(artifact.size);
        Some(index)
    }

    /// Add an edge unless it is there already.
    fn link(&mut self, from: NodeIndex, to: NodeIndex, kind: EdgeKind) {
        if !self.downstream[from.0].contains(&(to, kind)) {
            self.downstream[from.0].push((to, kind));
            self.upstream[to.0].push((from, kind));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::hash::ContentHash;
    use crate::history::{CommitInfo, Summary, SummaryCell};
    use crate::params::ValueMap;
    use crate::record::{Agent, RecordId};
    use crate::time::Timestamp;

    pub(super) const C1: &str = "1111111111111111111111111111111111111111";
    pub(super) const C2: &str = "2222222222222222222222222222222222222222";

    pub(super) fn h(name: &str) -> ContentHash {
        ContentHash::of_bytes(name.as_bytes())
    }

    fn file(path: &str, hash: &str, role: &str) -> Artifact {
        Artifact {
            path: Some(path.into()),
            role: Some(role.into()),
            hash: Some(h(hash)),
            size: Some(10),
            ..Artifact::default()
        }
    }

    fn entry(kind: &str, name: &str, day: u32, code: Option<&str>, committed: bool) -> Entry {
        let recorded = Timestamp::parse(&format!("2026-11-{day:02}T10:00:00Z")).unwrap();
        Entry {
            id: RecordId::of_bytes(format!("{kind} {name} {day}").as_bytes()),
            path: String::new(),
            commit: committed.then(|| {
                Arc::new(CommitInfo {
                    id: format!("{day:02}{}", "c".repeat(38)),
                    author: Agent {
                        name: "Jane Doe".into(),
                        email: "jane@example.com".into(),
                    },
                    date: recorded,
                    message: "record".into(),
                })
            }),
            blob: None,
            repository: None,
            summary: SummaryCell::ready(Summary {
                kind: kind.into(),
                name: name.into(),
                recorded,
                agent: Agent {
                    name: "Robot".into(),
                    email: "robot@example.com".into(),
                },
                failed: false,
                code_commit: code.map(String::from),
                inputs: vec![],
                outputs: vec![],
                references: vec![],
                params: ValueMap::new(),
                metrics: ValueMap::new(),
            }),
        }
    }

    /// raw.csv (H0) → process → features.csv (H1) → train → model.pkl (H2);
    /// evaluate references train, reads test.csv, writes eval.json; a
    /// second process run writes features.csv again (H1b); an uncommitted
    /// record reads `featurestore://claims@v1`.
    pub(super) fn fixture() -> Vec<Entry> {
        let mut process = entry("process", "features", 20, Some(C1), true);
        process.summary.inputs = vec![file("data/raw.csv", "H0", "dataset")];
        process.summary.outputs = vec![file("data/features.csv", "H1", "dataset")];
        let mut train = entry("train", "fraud-model", 21, Some(C2), true);
        train.summary.inputs = vec![file("data/features.csv", "H1", "dataset")];
        train.summary.outputs = vec![file("models/model.pkl", "H2", "model")];
        let mut evaluate = entry("evaluate", "fraud-eval", 22, Some(C2), true);
        evaluate.summary.references = vec![train.id.clone(), RecordId::of_bytes(b"gone")];
        evaluate.summary.inputs = vec![file("data/test.csv", "H5", "dataset")];
        evaluate.summary.outputs = vec![file("reports/eval.json", "H6", "report")];
        let mut rerun = entry("process", "features", 23, Some(C1), true);
        rerun.summary.inputs = vec![file("data/raw.csv", "H0", "dataset")];
        rerun.summary.outputs = vec![file("data/features.csv", "H1b", "dataset")];
        let mut claims = entry("process", "claims", 24, None, false);
        claims.summary.inputs = vec![Artifact {
            uri: Some("featurestore://claims".into()),
            version: Some("v1".into()),
            role: Some("feature-group".into()),
            ..Artifact::default()
        }];
        claims.summary.outputs = vec![file("data/claims.parquet", "H4", "dataset")];
        vec![process, train, evaluate, rerun, claims]
    }

    pub(super) fn hash_node(graph: &Graph, name: &str) -> NodeIndex {
        graph
            .node(&NodeKey::Artifact(ArtifactKey::Hash(h(name))))
            .unwrap_or_else(|| panic!("no node for {name}"))
    }

    fn record_node(graph: &Graph, entry: &Entry) -> NodeIndex {
        graph
            .node(&NodeKey::Record(entry.id.clone()))
            .expect("record node")
    }

    pub(super) fn options(
        direction: Direction,
        depth: Option<usize>,
        types: &[&str],
    ) -> TraverseOptions {
        TraverseOptions {
            direction,
            depth,
            types: types.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn ids(subgraph: &Subgraph) -> Vec<String> {
        subgraph.nodes.iter().map(|n| n.id.clone()).collect()
    }

    fn id_set(subgraph: &Subgraph) -> BTreeSet<String> {
        subgraph.nodes.iter().map(|n| n.id.clone()).collect()
    }

    fn rec(entry: &Entry) -> String {
        format!("record:{}", entry.id)
    }

    fn art(name: &str) -> String {
        h(name).to_string()
    }

    fn edges(subgraph: &Subgraph) -> Vec<(String, String, &'static str)> {
        subgraph
            .edges
            .iter()
            .map(|e| (e.from.clone(), e.to.clone(), e.kind.as_str()))
            .collect()
    }

    #[test]
    fn build_links_records_through_hashes_references_and_commits() {
        let entries = fixture();
        let graph = Graph::build(&entries);
        let [process, train, evaluate, rerun, claims] = [0, 1, 2, 3, 4].map(|i| &entries[i]);
        // 5 records, 8 artifacts (H0 H1 H2 H5 H6 H1b H4 and the URI), 2 commits.
        assert_eq!(graph.nodes().count(), 15);
        let edge = |from: NodeIndex, to: NodeIndex, kind: EdgeKind| {
            graph.edges().any(|e| e == (from, to, kind))
        };
        let h1 = hash_node(&graph, "H1");
        assert!(edge(record_node(&graph, process), h1, EdgeKind::Produced));
        assert!(edge(h1, record_node(&graph, train), EdgeKind::UsedBy));
        assert!(edge(
            record_node(&graph, train),
            record_node(&graph, evaluate),
            EdgeKind::References
        ));
        let c1 = graph.node(&NodeKey::Commit(C1.into())).unwrap();
        assert!(edge(c1, record_node(&graph, rerun), EdgeKind::Code));
        // The reference to a record not in the entries is skipped.
        assert_eq!(
            graph
                .edges()
                .filter(|e| e.2 == EdgeKind::References)
                .count(),
            1
        );

        let Node::Artifact(features) = graph.get(h1) else {
            panic!()
        };
        assert_eq!(
            features.paths,
            BTreeSet::from(["data/features.csv".to_string()])
        );
        assert_eq!(features.roles, BTreeSet::from(["dataset".to_string()]));
        assert_eq!(features.size, Some(10));

        assert_eq!(
            graph.artifacts_at_path("data/features.csv"),
            [h1, hash_node(&graph, "H1b")]
        );
        assert!(graph.artifacts_at_path("data/none.csv").is_empty());
        let uri = graph
            .node(&NodeKey::Artifact(ArtifactKey::Uri {
                uri: "featurestore://claims".into(),
                version: Some("v1".into()),
            }))
            .unwrap();
        assert_eq!(
            graph.artifacts_with_uri("featurestore://claims", None),
            [uri]
        );
        assert_eq!(
            graph.artifacts_with_uri("featurestore://claims", Some("v1")),
            [uri]
        );
        assert!(
            graph
                .artifacts_with_uri("featurestore://claims", Some("v2"))
                .is_empty()
        );
        assert_eq!(graph.get(uri).key().to_string(), "featurestore://claims@v1");
        assert!(edge(uri, record_node(&graph, claims), EdgeKind::UsedBy));
        let Node::Record(info) = graph.get(record_node(&graph, claims)) else {
            panic!()
        };
        assert_eq!(
            (info.commit.as_deref(), info.author.name.as_str()),
            (None, "Robot")
        );
    }

    #[test]
    fn upstream_and_downstream_sets_with_distances() {
        let entries = fixture();
        let graph = Graph::build(&entries);
        let h2 = hash_node(&graph, "H2");
        let up = graph.traverse(&[h2], &options(Direction::Up, None, &[]));
        assert_eq!(ids(&up), {
            let mut level2 = vec![art("H1"), format!("commit:{C2}")];
            level2.sort();
            let mut level4 = vec![art("H0"), format!("commit:{C1}")];
            level4.sort();
            [
                vec![art("H2"), rec(&entries[1])],
                level2,
                vec![rec(&entries[0])],
                level4,
            ]
            .concat()
        });
        let distances: Vec<usize> = up.nodes.iter().map(|n| n.distance).collect();
        assert_eq!(distances, [0, 1, 2, 2, 3, 4, 4]);
        assert!(up.nodes[1..].iter().all(|n| n.direction == Side::Up));
        assert_eq!(up.nodes[0].direction, Side::Root);
        assert_eq!(up.roots, [art("H2")]);
        assert!(edges(&up).contains(&(art("H0"), rec(&entries[0]), "used-by")));
        assert!(edges(&up).contains(&(format!("commit:{C2}"), rec(&entries[1]), "code")));

        let h0 = hash_node(&graph, "H0");
        let down = graph.traverse(&[h0], &options(Direction::Down, None, &[]));
        let expected: BTreeSet<String> = [
            art("H0"),
            rec(&entries[0]),
            rec(&entries[3]),
            art("H1"),
            art("H1b"),
            rec(&entries[1]),
            art("H2"),
            rec(&entries[2]),
            art("H6"),
        ]
        .into();
        assert_eq!(id_set(&down), expected);
        assert!(edges(&down).contains(&(rec(&entries[1]), rec(&entries[2]), "references")));
        // Without a filter, every edge is a real one between visited nodes.
        assert!(down.edges.iter().all(|e| e.kind != EdgeKind::Via));
        assert_eq!(down.edges.len(), 8);
    }

    #[test]
    fn depth_counts_hops() {
        let entries = fixture();
        let graph = Graph::build(&entries);
        let h2 = hash_node(&graph, "H2");
        let one = graph.traverse(&[h2], &options(Direction::Up, Some(1), &[]));
        assert_eq!(ids(&one), [art("H2"), rec(&entries[1])]);
        let two = graph.traverse(&[h2], &options(Direction::Up, Some(2), &[]));
        assert_eq!(id_set(&two).len(), 4);
        assert!(id_set(&two).contains(&art("H1")));
        assert!(id_set(&two).contains(&format!("commit:{C2}")));
        let zero = graph.traverse(&[h2], &options(Direction::Both, Some(0), &[]));
        assert_eq!(ids(&zero), [art("H2")]);
        assert!(zero.edges.is_empty());
    }

    #[test]
    fn both_is_the_union_of_up_and_down_not_an_undirected_walk() {
        let entries = fixture();
        let graph = Graph::build(&entries);
        let h1 = hash_node(&graph, "H1");
        let up = id_set(&graph.traverse(&[h1], &options(Direction::Up, None, &[])));
        let down = id_set(&graph.traverse(&[h1], &options(Direction::Down, None, &[])));
        let both = graph.traverse(&[h1], &options(Direction::Both, None, &[]));
        assert_eq!(id_set(&both), up.union(&down).cloned().collect());
        // The train record's own commit is upstream of a downstream node only.
        assert!(!id_set(&both).contains(&format!("commit:{C2}")));
        let side = |id: &str| both.nodes.iter().find(|n| n.id == id).unwrap().direction;
        assert_eq!(side(&art("H0")), Side::Up);
        assert_eq!(side(&art("H2")), Side::Down);
        assert_eq!(side(&art("H1")), Side::Root);
    }

    #[test]
    fn type_filters_hide_nodes_but_keep_walking() {
        let entries = fixture();
        let graph = Graph::build(&entries);
        let h0 = hash_node(&graph, "H0");
        let trains = graph.traverse(&[h0], &options(Direction::Down, None, &["train"]));
        assert_eq!(ids(&trains), [art("H0"), rec(&entries[1])]);
        assert_eq!(edges(&trains), [(art("H0"), rec(&entries[1]), "via")]);

        let models = graph.traverse(&[h0], &options(Direction::Down, None, &["model"]));
        assert_eq!(edges(&models), [(art("H0"), art("H2"), "via")]);

        let records = graph.traverse(&[h0], &options(Direction::Down, None, &["record"]));
        assert_eq!(records.nodes.len(), 5);
        let found = edges(&records);
        assert!(found.contains(&(art("H0"), rec(&entries[0]), "used-by")));
        assert!(found.contains(&(rec(&entries[0]), rec(&entries[1]), "via")));
        assert!(found.contains(&(rec(&entries[1]), rec(&entries[2]), "references")));
        // The rerun's output feeds nothing shown.
        assert!(
            !found
                .iter()
                .any(|e| e.0 == rec(&entries[3]) && e.2 == "via")
        );
        assert_eq!(found.len(), 4);

        let several = graph.traverse(
            &[h0],
            &options(Direction::Down, None, &["evaluate", "report"]),
        );
        assert_eq!(
            edges(&several),
            [
                (art("H0"), rec(&entries[2]), "via"),
                (rec(&entries[2]), art("H6"), "produced")
            ]
        );
    }

    #[test]
    fn cycles_terminate() {
        let mut a = entry("train", "a", 1, None, false);
        let mut b = entry("train", "b", 2, None, false);
        a.summary.references = vec![b.id.clone()];
        b.summary.references = vec![a.id.clone()];
        let entries = vec![a, b];
        let graph = Graph::build(&entries);
        let start = record_node(&graph, &entries[0]);
        let both = graph.traverse(&[start], &options(Direction::Both, None, &[]));
        assert_eq!(both.nodes.len(), 2);
        assert_eq!(both.edges.len(), 2);
        let impact = graph.impact(&[start]);
        assert_eq!(impact.records["train"].len(), 1);
        let filtered = graph.traverse(&[start], &options(Direction::Down, None, &["commit"]));
        assert_eq!(filtered.nodes.len(), 1);
        assert!(filtered.edges.is_empty());
    }

    #[test]
    fn impact_groups_downstream_records_by_kind() {
        let entries = fixture();
        let graph = Graph::build(&entries);
        let impact = graph.impact(&[hash_node(&graph, "H0")]);
        let names: Vec<(&str, Vec<&str>)> = impact
            .records
            .iter()
            .map(|(kind, records)| {
                (
                    kind.as_str(),
                    records.iter().map(|r| r.id.short()).collect(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("evaluate", vec![entries[2].id.short()]),
                (
                    "process",
                    vec![entries[0].id.short(), entries[3].id.short()]
                ),
                ("train", vec![entries[1].id.short()]),
            ]
        );
        let artifacts: Vec<(&str, Option<ContentHash>)> = impact
            .artifacts
            .iter()
            .map(|a| (a.locator.as_str(), a.hash))
            .collect();
        let mut features = [Some(h("H1")), Some(h("H1b"))];
        features.sort_by_key(|hash| hash.unwrap().to_string());
        assert_eq!(
            artifacts,
            [
                ("data/features.csv", features[0]),
                ("data/features.csv", features[1]),
                ("models/model.pkl", Some(h("H2"))),
                ("reports/eval.json", Some(h("H6"))),
            ]
        );
        assert_eq!(
            impact.artifacts[2].roles,
            BTreeSet::from(["model".to_string()])
        );
        let train = &impact.records["train"][0];
        assert_eq!(train.commit_short(), Some("21cccccccccc"));
        assert_eq!(train.author.name, "Jane Doe");

        // The starts are not their own impact.
        let from_train = graph.impact(&[record_node(&graph, &entries[1])]);
        assert_eq!(from_train.records.keys().collect::<Vec<_>>(), ["evaluate"]);
        let from_commit = graph.impact(&[graph.node(&NodeKey::Commit(C1.into())).unwrap()]);
        assert_eq!(from_commit.records["process"].len(), 2);
        assert_eq!(from_commit.records["train"].len(), 1);
    }

    #[test]
    fn subgraph_json_names_types_and_details() {
        let entries = fixture();
        let graph = Graph::build(&entries);
        let sub = graph.traverse(
            &[hash_node(&graph, "H2")],
            &options(Direction::Up, Some(1), &[]),
        );
        let json = serde_json::to_value(&sub).unwrap();
        assert_eq!(json["roots"][0], art("H2"));
        let artifact = &json["nodes"][0];
        assert_eq!(artifact["type"], "artifact");
        assert_eq!(artifact["direction"], "root");
        assert_eq!(artifact["artifact"]["paths"][0], "models/model.pkl");
        assert_eq!(artifact["artifact"]["roles"][0], "model");
        let record = &json["nodes"][1];
        assert_eq!(record["type"], "record");
        assert_eq!(record["distance"], 1);
        assert_eq!(record["record"]["kind"], "train");
        assert!(record["record"].get("entry").is_none());
        assert_eq!(json["edges"][0]["kind"], "produced");
        let impact = serde_json::to_value(graph.impact(&[hash_node(&graph, "H1")])).unwrap();
        assert_eq!(impact["records"]["train"][0]["name"], "fraud-model");
    }

    #[test]
    fn output_does_not_depend_on_entry_order() {
        let entries = fixture();
        let mut reversed = fixture();
        reversed.reverse();
        let render = |entries: &[Entry]| {
            let graph = Graph::build(entries);
            let sub = graph.traverse(
                &[hash_node(&graph, "H1")],
                &options(Direction::Both, None, &[]),
            );
            serde_json::to_string(&sub).unwrap()
        };
        assert_eq!(render(&entries), render(&entries));
        assert_eq!(render(&entries), render(&reversed));
    }
}
