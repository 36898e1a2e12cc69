//! Writing the catalog of a loaded history: its records, the graph built
//! from them (node data and adjacency), and the sorted lookups by id, name,
//! kind, node key, path and URI.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::file::FileWriter;
use super::{Extension, NodeData, RECORD_NODE_BIT};
use crate::graph::{ArtifactKey, ArtifactNode, Graph, Node, NodeKey};
use crate::hash::ContentHash;
use crate::history::codec::{Reader, Writer};
use crate::history::summary::write_summary;
use crate::history::{CommitInfo, History, Repository, RepositoryTable, StateKey};
use crate::record::RecordId;

/// Bytes per record row: id (32), summary offset (u64) and length (u32),
/// commit info + 1 or 0 (u32), blob flag (u8) and id (20), padding (3).
pub(super) const ROW: usize = 72;

/// Bytes per dangling reference: the id referred to (32), the position of
/// the record that refers to it (u32).
pub(super) const DANGLING_ROW: usize = 36;

/// Strings stored once each, numbered in the order first seen.
#[derive(Default)]
struct Strings {
    numbers: HashMap<String, u32>,
    offsets: Vec<u64>,
    bytes: Vec<u8>,
}

impl Strings {
    fn number(&mut self, s: &str) -> u32 {
        if let Some(&n) = self.numbers.get(s) {
            return n;
        }
        let n = self.offsets.len() as u32;
        self.offsets.push(self.bytes.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
        self.numbers.insert(s.to_string(), n);
        n
    }
}

fn u32s(values: impl IntoIterator<Item = u32>) -> Vec<u8> {
    values.into_iter().flat_map(u32::to_le_bytes).collect()
}

fn u64s(values: impl IntoIterator<Item = u64>) -> Vec<u8> {
    values.into_iter().flat_map(u64::to_le_bytes).collect()
}

/// Write the catalog of `history`, valid for `state`, at `path`, with
/// what `extension` says about extending it.
pub(super) fn save(
    path: &Path,
    state: &StateKey,
    history: &History,
    extension: &Extension,
) -> std::io::Result<()> {
    let entries = &history.entries;
    // Sections are written as they are made (in the order of
    // `super::section`) and dropped: the file is never whole in memory.
    let mut file = FileWriter::create(path)?;
    let too_big = || std::io::Error::other("history too large for catalog v1");
    let count = u32::try_from(entries.len()).map_err(|_| too_big())?;
    let mut strings = Strings::default();

    // Commit infos, each once (entries of one commit share an Arc).
    // Each keeps the repository its records were attributed to (by commit).
    let mut infos: Vec<(Arc<CommitInfo>, Option<Arc<Repository>>)> = Vec::new();
    let mut info_numbers: HashMap<*const CommitInfo, u32> = HashMap::new();
    let mut info_of = |info: &Arc<CommitInfo>, repository: &Option<Arc<Repository>>| -> u32 {
        *info_numbers.entry(Arc::as_ptr(info)).or_insert_with(|| {
            infos.push((info.clone(), repository.clone()));
            infos.len() as u32 - 1
        })
    };

    // Records: fixed rows in history order, summaries beside them: the
    // registry's events first (every question reads them all, so they sit
    // together), then the rest in history order (as `log` reads them).
    // Commits are numbered in the same order, so the events' sit together.
    let mut data = Writer::default();
    let mut data_at = vec![(0u64, 0u32); entries.len()];
    let mut info_number = vec![0u32; entries.len()];
    let events = |e: &crate::history::Entry| crate::refspec::is_registry_event(&e.summary.kind);
    let order = (entries.iter().enumerate().filter(|(_, e)| events(e)))
        .chain(entries.iter().enumerate().filter(|(_, e)| !events(e)));
    for (i, entry) in order {
        let start = data.buf.len() as u64;
        match entry.summary.encoded() {
            Some(bytes) => data.buf.extend_from_slice(bytes),
            None => write_summary(&mut data, &entry.summary),
        }
        let len = u32::try_from(data.buf.len() as u64 - start).map_err(|_| too_big())?;
        data_at[i] = (start, len);
        info_number[i] = entry
            .commit
            .as_ref()
            .map_or(0, |c| info_of(c, &entry.repository) + 1);
    }
    let mut rows = Vec::with_capacity(entries.len() * ROW);
    let mut position: HashMap<&RecordId, u32> = HashMap::with_capacity(entries.len());
    for (i, (entry, (start, len))) in entries.iter().zip(data_at).enumerate() {
        position.entry(&entry.id).or_insert(i as u32);
        rows.extend_from_slice(
            ContentHash::from_hex(entry.id.as_str())
                .ok_or_else(too_big)?
                .as_bytes(),
        );
        rows.extend(start.to_le_bytes());
        rows.extend(len.to_le_bytes());
        rows.extend(info_number[i].to_le_bytes());
        match &entry.blob {
            Some(blob) => {
                let mut w = Writer::default();
                w.opt_oid(Some(blob));
                rows.extend_from_slice(&w.buf);
            }
            None => rows.extend([0u8; 21]),
        }
        rows.extend([0u8; 3]);
    }
    file.section(&rows)?;
    file.section(&data.buf)?;
    drop((rows, data));
    let findings: Vec<(Vec<u8>, u32)> = history
        .findings
        .iter()
        .map(|f| {
            let info = info_of(&f.commit, &f.repository);
            let mut w = Writer::default();
            crate::history::write_finding(&mut w, f, info as usize);
            (w.buf, info)
        })
        .collect();
    let mut info_at = Vec::with_capacity(infos.len() + 1);
    let mut info_bytes = Writer::default();
    for (info, _) in &infos {
        info_at.push(info_bytes.buf.len() as u64);
        crate::history::write_commit_info(&mut info_bytes, info);
    }
    let repositories = RepositoryTable::of(infos.iter().map(|(_, r)| r.as_ref()));
    let info_repositories: Vec<u32> = infos
        .iter()
        .map(|(_, r)| repositories.number(r.as_ref()) as u32)
        .collect();
    drop(infos);
    info_at.push(info_bytes.buf.len() as u64);

    file.section(&u64s(info_at))?;
    file.section(&info_bytes.buf)?;
    drop(info_bytes);
    let mut id_order: Vec<u32> = (0..count).collect();
    id_order.sort_by(|&a, &b| entries[a as usize].id.cmp(&entries[b as usize].id));

    file.section(&u32s(id_order))?;
    // Names: each with what `name:NAME` picks over the whole history.
    let mut by_name: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (i, entry) in entries.iter().enumerate() {
        by_name
            .entry(&entry.summary.name)
            .or_default()
            .push(i as u32);
        by_kind
            .entry(&entry.summary.kind)
            .or_default()
            .push(i as u32);
    }
    let mut names = Vec::new();
    let mut name_order = Vec::with_capacity(entries.len());
    for (name, group) in &by_name {
        let listed = group.iter().map(|&i| {
            let e = &entries[i as usize];
            (
                e.summary.kind.as_str(),
                e.summary.name.as_str(),
                e.summary.recorded,
                &e.id,
            )
        });
        let Ok(choice) = crate::refspec::pick_named(name, listed) else {
            continue;
        };
        let pick = position[&choice.id];
        names.extend([
            strings.number(name),
            pick,
            choice.of as u32,
            choice.registry_events as u32,
            name_order.len() as u32,
            group.len() as u32,
        ]);
        name_order.extend_from_slice(group);
    }
    let mut kinds = Vec::new();
    let mut kind_order = Vec::with_capacity(entries.len());
    for (kind, group) in &by_kind {
        kinds.extend([
            strings.number(kind),
            kind_order.len() as u32,
            group.len() as u32,
        ]);
        kind_order.extend_from_slice(group);
    }

    file.section(&u32s(names))?;
    file.section(&u32s(name_order))?;
    file.section(&u32s(kinds))?;
    file.section(&u32s(kind_order))?;
    // The graph: node data, adjacency both ways, lookups.
    let graph = match &extension.aliases {
        Some(aliases) => Graph::build_with_aliases(entries, aliases.clone()),
        None => Graph::build(entries),
    };
    let aliases = graph.aliases().clone();
    let mut node_at = Vec::new();
    let mut node_data = Vec::new();
    let mut keyed: Vec<(NodeKey, u32)> = Vec::new();
    let mut record_node = vec![0u32; entries.len()];
    for (index, node) in graph.nodes() {
        let n = u32::try_from(index.index()).map_err(|_| too_big())?;
        match node {
            Node::Record(record) => {
                let p = position[&record.id];
                node_at.push(RECORD_NODE_BIT | u64::from(p));
                record_node[p as usize] = n;
            }
            other => {
                node_at.push(node_data.len() as u64);
                let mut w = Writer::default();
                write_node(&mut w, other);
                node_data.extend((w.buf.len() as u32).to_le_bytes());
                node_data.extend_from_slice(&w.buf);
                keyed.push((other.key(), n));
            }
        }
    }
    // Records listed twice are one node: later positions share it.
    for (i, entry) in entries.iter().enumerate() {
        if let Some(node) = graph.node(&NodeKey::Record(entry.id.clone())) {
            record_node[i] = node.index() as u32;
        }
    }
    keyed.sort();
    let nodes = node_at.len();
    let mut down: Vec<Vec<u32>> = vec![Vec::new(); nodes];
    let mut up: Vec<Vec<u32>> = vec![Vec::new(); nodes];
    for (from, to, _) in graph.edges() {
        down[from.index()].push(to.index() as u32);
        up[to.index()].push(from.index() as u32);
    }
    let csr = |lists: &[Vec<u32>]| -> (Vec<u8>, Vec<u8>) {
        let mut starts = Vec::with_capacity(lists.len() + 1);
        let mut edges = Vec::new();
        for list in lists {
            starts.push(edges.len() as u32);
            edges.extend_from_slice(list);
        }
        starts.push(edges.len() as u32);
        (u32s(starts), u32s(edges))
    };
    let (down_start, down_edges) = csr(&down);
    let (up_start, up_edges) = csr(&up);
    let mut paths = Vec::new();
    for (path, at) in graph.paths() {
        let s = strings.number(path);
        for node in at {
            paths.extend([s, node.index() as u32]);
        }
    }
    let mut uris = Vec::new();
    for (uri, seen) in graph.uris() {
        let s = strings.number(uri);
        for (version, node) in seen {
            let version = version.as_deref().map_or(u32::MAX, |v| strings.number(v));
            uris.extend([s, version, node.index() as u32]);
        }
    }
    file.section(&u64s(node_at))?;
    file.section(&node_data)?;
    file.section(&down_start)?;
    file.section(&down_edges)?;
    file.section(&up_start)?;
    file.section(&up_edges)?;
    file.section(&u32s(keyed.into_iter().map(|(_, n)| n)))?;
    file.section(&u32s(paths))?;
    file.section(&u32s(uris))?;
    drop(graph);
    // The latest record (by `recorded`, then position) to list each path
    // and each `file://` URI with a hash: what `status` compares.
    let mut latest: HashMap<String, (crate::time::Timestamp, u32)> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        // A tombstone names paths but is no recording of them.
        if crate::retention::model::is_retention_kind(&entry.summary.kind) {
            continue;
        }
        let order = (entry.summary.recorded, i as u32);
        entry.summary.with_links(|summary| {
            for artifact in summary.inputs.iter().chain(&summary.outputs) {
                let local = artifact
                    .path
                    .as_deref()
                    .or(artifact.uri.as_deref().filter(|u| u.starts_with("file://")));
                if let Some(local) = local
                    && (artifact.hash.is_some() || artifact.pointer.is_some())
                {
                    let seen = latest.entry(local.to_string()).or_insert(order);
                    *seen = (*seen).max(order);
                }
            }
        });
    }
    let mut latest: Vec<u32> = latest.into_values().map(|(_, i)| i).collect();
    latest.sort_unstable();
    latest.dedup();
    let mut str_at = strings.offsets.clone();
    str_at.push(strings.bytes.len() as u64);

    file.section(&u64s(str_at))?;
    file.section(&strings.bytes)?;
    file.section(&u32s(record_node))?;
    file.section(&u32s(latest))?;
    file.section(&u32s(info_repositories))?;
    // References to records not in this history (another layer's, or not
    // fetched yet), sorted by the id referred to.
    let mut dangling: Vec<([u8; 32], u32)> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        entry.summary.with_links(|summary| {
            for reference in &summary.references {
                if !position.contains_key(reference)
                    && let Some(hash) = ContentHash::from_hex(reference.as_str())
                {
                    dangling.push((*hash.as_bytes(), i as u32));
                }
            }
        });
    }
    dangling.sort_unstable();
    dangling.dedup();
    let mut rows = Vec::with_capacity(dangling.len() * DANGLING_ROW);
    for (id, at) in dangling {
        rows.extend_from_slice(&id);
        rows.extend(at.to_le_bytes());
    }
    file.section(&rows)?;
    let mut meta = Writer::default();
    meta.uint(u64::from(count));
    meta.uint(nodes as u64);
    meta.uint(strings.offsets.len() as u64);
    meta.uint(history.stats.commits as u64);
    // The widths of `log`'s table, which a streamed `log` prints first.
    let kind_width = entries.iter().map(|e| e.summary.kind.len()).max();
    let name_width = entries.iter().map(|e| e.summary.name.chars().count()).max();
    meta.uint(kind_width.unwrap_or(0) as u64);
    meta.uint(name_width.unwrap_or(0) as u64);
    let id_width = entries.iter().map(|e| e.display_id().chars().count()).max();
    meta.uint(id_width.unwrap_or(0) as u64);
    meta.uint(history.warnings.len() as u64);
    for warning in &history.warnings {
        meta.str(warning);
    }
    meta.uint(findings.len() as u64);
    for (bytes, info) in &findings {
        meta.str_bytes(bytes);
        meta.uint(u64::from(*info));
    }
    crate::history::write_worktree_files(&mut meta, &history.worktree_files);
    meta.uint(state.racy.len() as u64);
    for (dir, names) in &state.racy {
        meta.str(dir);
        meta.uint(names.len() as u64);
        for name in names {
            meta.str(name);
        }
    }
    // Pointer digests known by a hash, so a part of history builds the
    // nodes the whole graph has.
    meta.uint(aliases.len() as u64);
    for (digest, hash) in &aliases {
        meta.str(digest.as_str());
        meta.buf.extend_from_slice(hash.as_bytes());
    }
    repositories.write(&mut meta);
    extension.write(&mut meta);
    file.save(&state.bytes, &meta.buf)
}

fn write_strings<'a>(w: &mut Writer, list: impl ExactSizeIterator<Item = &'a String>) {
    w.uint(list.len() as u64);
    for s in list {
        w.str(s);
    }
}

fn write_node(w: &mut Writer, node: &Node) {
    match node {
        Node::Artifact(a) => {
            w.byte(0);
            match &a.key {
                ArtifactKey::Hash(hash) => {
                    w.byte(0);
                    w.buf.extend_from_slice(hash.as_bytes());
                }
                ArtifactKey::Uri { uri, version } => {
                    w.byte(1);
                    w.str(uri);
                    w.opt_str(version.as_deref());
                }
                ArtifactKey::Path(path) => {
                    w.byte(2);
                    w.str(path);
                }
                ArtifactKey::Pointer(digest) => {
                    w.byte(3);
                    w.str(digest.as_str());
                }
            }
            match &a.hash {
                Some(hash) => {
                    w.byte(1);
                    w.buf.extend_from_slice(hash.as_bytes());
                }
                None => w.byte(0),
            }
            write_strings(w, a.paths.iter());
            write_strings(w, a.uris.iter());
            write_strings(w, a.roles.iter());
            match a.size {
                Some(size) => {
                    w.byte(1);
                    w.uint(size);
                }
                None => w.byte(0),
            }
        }
        Node::Commit(id) => {
            w.byte(1);
            w.str(id);
        }
        // Records are rows, not node data.
        Node::Record(_) => w.byte(2),
    }
}

pub(super) fn read_hash(r: &mut Reader<'_>) -> Option<ContentHash> {
    Some(ContentHash::from_bytes(r.take(32)?.try_into().ok()?))
}

fn read_strings(r: &mut Reader<'_>) -> Option<std::collections::BTreeSet<String>> {
    (0..r.uint()?).map(|_| r.str()).collect()
}

/// Read what `write_node` wrote for an artifact or a commit.
pub(super) fn read_node(r: &mut Reader<'_>) -> Option<NodeData> {
    match r.byte()? {
        0 => {
            let key = match r.byte()? {
                0 => ArtifactKey::Hash(read_hash(r)?),
                1 => ArtifactKey::Uri {
                    uri: r.str()?,
                    version: r.opt_str()?,
                },
                2 => ArtifactKey::Path(r.str()?),
                3 => ArtifactKey::Pointer(crate::pointer::PointerDigest::parse(&r.str()?)?),
                _ => return None,
            };
            let hash = match r.byte()? {
                0 => None,
                _ => Some(read_hash(r)?),
            };
            let paths = read_strings(r)?;
            let uris = read_strings(r)?;
            let roles = read_strings(r)?;
            let size = match r.byte()? {
                0 => None,
                _ => Some(r.uint()?),
            };
            Some(NodeData::Artifact(ArtifactNode {
                key,
                hash,
                paths,
                uris,
                roles,
                size,
            }))
        }
        1 => Some(NodeData::Commit(r.str()?)),
        _ => None,
    }
}
