//! A catalog read as layers: a base file and, for a lineage-remote
//! selection whose fetched refs moved forward, one layer file over it
//! holding the new commits' records. Answers are those of one catalog of
//! the whole history: lookups ask every layer, a graph node of one layer
//! is joined to the node of the same key in the other, and references
//! between the layers are kept as extra edges.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Catalog, Extension, Focused, Link, NodeData, Question, Seed, section};
use crate::graph::{ArtifactKey, ArtifactNode, Direction, NodeKey};
use crate::history::{
    CommitInfo, Entry, Finding, History, HistoryOptions, Repository, StateKey, Stats,
};
use crate::record::RecordId;
use crate::refspec::NameChoice;
use crate::repo::Repo;

/// A layer holds at most this many records, and no more than its base
/// (or 1,000, for a small base); beyond, the catalog is rebuilt whole.
/// Each fetch rewrites the layer, so this bounds what a fetch writes.
const MAX_LAYER_RECORDS: u64 = 20_000;

/// A graph node: its layer and its number there.
type Node = (usize, u32);

/// One catalog, or a base and a layer over it.
pub(super) struct Layers {
    /// The base, then the layer.
    pub(super) layers: Vec<Catalog>,
    /// References between the layers, (upstream, downstream), by global
    /// record position.
    refs: Vec<(u32, u32)>,
    /// The base's repositories as they are now (fetched refs moved), by
    /// (name, commit then).
    moved: HashMap<(String, String), Arc<Repository>>,
}

/// Where the layer over the catalog at `base` lives.
pub(super) fn layer_path(base: &Path) -> PathBuf {
    let mut name = base.file_name().unwrap_or_default().to_os_string();
    name.push(".layer");
    base.with_file_name(name)
}

impl Layers {
    fn of(base: Catalog, layer: Option<(Catalog, Link)>) -> Option<Layers> {
        let Some((layer, link)) = layer else {
            return Some(Layers {
                layers: vec![base],
                refs: Vec::new(),
                moved: HashMap::new(),
            });
        };
        // The base's records of a remote whose ref moved are that remote's
        // at its new commit, as a full load attributes them.
        let then = base.meta.extension.point.as_ref()?.repositories();
        let now = layer.meta.extension.point.as_ref()?.repositories();
        let moved = then
            .iter()
            .zip(now)
            .map(|(then, now)| {
                (
                    (then.name.clone(), then.commit.clone()),
                    Arc::new(now.clone()),
                )
            })
            .collect();
        Some(Layers {
            layers: vec![base, layer],
            refs: link.refs,
            moved,
        })
    }

    /// How many records all layers hold.
    pub(super) fn records(&self) -> u64 {
        self.layers.iter().map(|c| c.records).sum()
    }

    fn offset(&self, layer: usize) -> u32 {
        self.layers[..layer].iter().map(|c| c.records as u32).sum()
    }

    /// The layer and local position of global position `record`.
    fn split(&self, record: u32) -> Option<(usize, u32)> {
        let mut at = record;
        for (layer, catalog) in self.layers.iter().enumerate() {
            if u64::from(at) < catalog.records {
                return Some((layer, at));
            }
            at -= catalog.records as u32;
        }
        None
    }

    /// The widest kind, name and id of `log`'s table.
    pub(super) fn widths(&self) -> (usize, usize, usize) {
        let max = |f: fn(&Catalog) -> usize| self.layers.iter().map(f).max().unwrap_or(0);
        (
            max(|c| c.meta.kind_width),
            max(|c| c.meta.name_width),
            max(|c| c.meta.id_width),
        )
    }

    fn moved(&self, repository: Option<Arc<Repository>>) -> Option<Arc<Repository>> {
        let repository = repository?;
        match self
            .moved
            .get(&(repository.name.clone(), repository.commit.clone()))
        {
            Some(now) => Some(Arc::clone(now)),
            None => Some(repository),
        }
    }

    /// The entry at global position `record` (see [`Catalog::entry`]).
    pub(super) fn entry(
        &self,
        record: u32,
        infos: &mut [HashMap<u32, Arc<CommitInfo>>],
        lazy: bool,
    ) -> Option<Entry> {
        let (layer, at) = self.split(record)?;
        let mut entry = self.layers[layer].entry(at, &mut infos[layer], lazy)?;
        if layer == 0 {
            entry.repository = self.moved(entry.repository.take());
        }
        Some(entry)
    }

    /// Caches of commit infos, one per layer.
    pub(super) fn info_caches(&self) -> Vec<HashMap<u32, Arc<CommitInfo>>> {
        vec![HashMap::new(); self.layers.len()]
    }

    /// The history of the records at global `positions`, in history order,
    /// with every finding and warning.
    pub(super) fn history_of(&self, positions: &BTreeSet<u32>) -> Option<History> {
        let mut infos = self.info_caches();
        let mut entries = Vec::with_capacity(positions.len());
        for &record in positions {
            entries.push(self.entry(record, &mut infos, false)?);
        }
        let mut findings = Vec::new();
        let mut warnings: Vec<String> = Vec::new();
        let mut commits = 0;
        for (layer, catalog) in self.layers.iter().enumerate() {
            for mut finding in catalog.findings(&mut infos[layer])? {
                if layer == 0 {
                    finding.repository = self.moved(finding.repository.take());
                }
                findings.push(finding);
            }
            for warning in &catalog.meta.warnings {
                if !warnings.contains(warning) {
                    warnings.push(warning.clone());
                }
            }
            commits += catalog.meta.commits;
        }
        Some(History::partial(
            entries,
            findings,
            warnings,
            Stats {
                commits,
                commits_read: 0,
                blobs_read: 0,
            },
        ))
    }

    fn node_record(&self, (layer, node): Node) -> Option<Option<u32>> {
        Some(
            self.layers[layer]
                .node_record(node)?
                .map(|at| self.offset(layer) + at),
        )
    }

    fn record_node(&self, record: u32) -> Option<Node> {
        let (layer, at) = self.split(record)?;
        Some((layer, self.layers[layer].record_node(at)?))
    }

    /// The nodes of the other layers with the key of `node`, an artifact or
    /// commit node (a record is in one layer only).
    fn twins(&self, (layer, node): Node) -> Option<Vec<Node>> {
        if self.layers.len() == 1 || self.layers[layer].node_record(node)?.is_some() {
            return Some(Vec::new());
        }
        let key = self.layers[layer].node_data(node)?.key();
        let mut twins = Vec::new();
        for (other, catalog) in self.layers.iter().enumerate() {
            if other != layer
                && let Some(twin) = catalog.find_key(&key)?
            {
                twins.push((other, twin));
            }
        }
        Some(twins)
    }

    /// The neighbours of `node` one way (`up`: upstream), across layers.
    fn neighbours(&self, (layer, node): Node, up: bool) -> Option<Vec<Node>> {
        let (start, edges) = match up {
            true => (section::UP_START, section::UP),
            false => (section::DOWN_START, section::DOWN),
        };
        let mut next: Vec<Node> = self.layers[layer]
            .neighbours(node, start, edges)?
            .into_iter()
            .map(|n| (layer, n))
            .collect();
        if !self.refs.is_empty()
            && let Some(record) = self.node_record((layer, node))?
        {
            for &(from, to) in &self.refs {
                match (up, from == record, to == record) {
                    (true, _, true) => next.push(self.record_node(from)?),
                    (false, true, _) => next.push(self.record_node(to)?),
                    _ => {}
                }
            }
        }
        Some(next)
    }

    /// Breadth-first from `starts` one way, at most `depth` hops, a node's
    /// twins at its distance, as `Graph::traverse` walks the whole graph.
    fn reach(&self, starts: &[Node], up: bool, depth: Option<usize>) -> Option<BTreeSet<Node>> {
        let mut distance: HashMap<Node, usize> = HashMap::new();
        let mut queue = VecDeque::new();
        for &start in starts {
            if distance.insert(start, 0).is_none() {
                queue.push_back(start);
            }
        }
        while let Some(node) = queue.pop_front() {
            let d = distance[&node];
            if depth.is_some_and(|max| d >= max) {
                continue;
            }
            for next in self.neighbours(node, up)? {
                if distance.contains_key(&next) {
                    continue;
                }
                for same in std::iter::once(next).chain(self.twins(next)?) {
                    if let std::collections::hash_map::Entry::Vacant(slot) = distance.entry(same) {
                        slot.insert(d + 1);
                        queue.push_back(same);
                    }
                }
            }
        }
        Some(distance.into_keys().collect())
    }

    /// What `name:TEXT` picks over the whole history, and its record.
    fn named(&self, text: &str) -> Option<Option<(NameChoice, u32)>> {
        // Each layer's lookup is exact when no other layer has the name.
        let holding = |name: &str| -> Option<Vec<usize>> {
            let mut layers = Vec::new();
            for (layer, catalog) in self.layers.iter().enumerate() {
                if catalog.name_row(name)?.is_some() {
                    layers.push(layer);
                }
            }
            Some(layers)
        };
        let mut with = holding(text)?;
        let mut name = text;
        if with.is_empty()
            && let Some((_, bare)) = text.split_once('/')
        {
            name = bare;
            with = holding(name)?;
        }
        if let [layer] = with[..] {
            return Some(
                self.layers[layer]
                    .named(text)?
                    .map(|(choice, at)| (choice, self.offset(layer) + at)),
            );
        }
        if with.is_empty() {
            return Some(None);
        }
        // The records of the name in every layer, in history order.
        let mut listed = Vec::new();
        for layer in with {
            listed.extend(self.layers[layer].named_records(name, self.offset(layer))?);
        }
        Some(super::pick_named(text, &listed))
    }

    /// The part of history `question` needs; `None` on damage.
    pub(super) fn focus(&self, question: &Question) -> Option<Focused> {
        let top = self.layers.last()?;
        let aliases = &top.meta.aliases;
        let mut records: BTreeSet<u32> = BTreeSet::new();
        let mut starts: Vec<Node> = Vec::new();
        let mut names = HashMap::new();
        for seed in &question.seeds {
            match seed {
                Seed::Name(text) => {
                    if let Some((choice, record)) = self.named(text)? {
                        records.insert(record);
                        starts.push(self.record_node(record)?);
                        names.insert(text.clone(), choice);
                    }
                    continue;
                }
                Seed::Node(NodeKey::Artifact(ArtifactKey::Pointer(digest)))
                    if aliases.contains_key(digest) =>
                {
                    let key = NodeKey::Artifact(ArtifactKey::Hash(aliases[digest]));
                    for (layer, catalog) in self.layers.iter().enumerate() {
                        if let Some(node) = catalog.find_key(&key)? {
                            starts.push((layer, node));
                        }
                    }
                    continue;
                }
                _ => {}
            }
            for (layer, catalog) in self.layers.iter().enumerate() {
                let offset = self.offset(layer);
                match seed {
                    Seed::Id(id) => {
                        if let Some(at) = catalog.find_id(id)? {
                            records.insert(offset + at);
                            starts.push((layer, catalog.record_node(at)?));
                        }
                    }
                    Seed::Prefix(prefix) => {
                        for at in catalog.with_prefix(prefix)? {
                            records.insert(offset + at);
                            starts.push((layer, catalog.record_node(at)?));
                        }
                    }
                    Seed::Node(key) => {
                        if let Some(node) = catalog.find_key(key)? {
                            starts.push((layer, node));
                        }
                    }
                    Seed::Path(path) => {
                        starts.extend(catalog.at_path(path)?.into_iter().map(|n| (layer, n)))
                    }
                    Seed::Kind(kind) => {
                        records.extend(catalog.of_kind(kind)?.into_iter().map(|at| offset + at))
                    }
                    Seed::Named(name) => {
                        if let Some([_, _, _, start, len]) = catalog.name_row(name)? {
                            records.extend(
                                catalog
                                    .file
                                    .u32s(
                                        section::NAME_ORDER,
                                        u64::from(start),
                                        u64::from(start) + u64::from(len),
                                    )?
                                    .into_iter()
                                    .map(|at| offset + at),
                            );
                        }
                    }
                    Seed::Uri { uri, version } => starts.extend(
                        catalog
                            .with_uri(uri, version.as_deref())?
                            .into_iter()
                            .map(|n| (layer, n)),
                    ),
                    Seed::Name(_) => {}
                }
            }
        }
        // A start's twins start too.
        let mut seen: HashSet<Node> = starts.iter().copied().collect();
        for i in 0..starts.len() {
            for twin in self.twins(starts[i])? {
                if seen.insert(twin) {
                    starts.push(twin);
                }
            }
        }
        // Every record that lists a start node: lookups by path and URI in
        // the graph built from the part see what the whole graph does.
        for &node in &starts {
            for next in self
                .neighbours(node, true)?
                .into_iter()
                .chain(self.neighbours(node, false)?)
            {
                if let Some(record) = self.node_record(next)? {
                    records.insert(record);
                }
            }
        }
        let mut reached: BTreeSet<Node> = starts.iter().copied().collect();
        if let Some((direction, depth)) = question.walk {
            let ways: &[bool] = match direction {
                Direction::Up => &[true],
                Direction::Down => &[false],
                Direction::Both => &[true, false],
            };
            for &up in ways {
                reached.extend(self.reach(&starts, up, depth)?);
            }
        }
        // What the whole history says about each artifact reached: every
        // layer's paths, URIs and roles, the first size (base first).
        let mut artifacts: BTreeMap<ArtifactKey, ArtifactNode> = BTreeMap::new();
        for &node in &reached {
            match self.node_record(node)? {
                Some(record) => {
                    records.insert(record);
                }
                None => {
                    if let NodeData::Artifact(artifact) = self.layers[node.0].node_data(node.1)? {
                        match artifacts.entry(artifact.key.clone()) {
                            std::collections::btree_map::Entry::Vacant(slot) => {
                                slot.insert(artifact);
                            }
                            std::collections::btree_map::Entry::Occupied(mut slot) => {
                                let seen = slot.get_mut();
                                seen.paths.extend(artifact.paths);
                                seen.uris.extend(artifact.uris);
                                seen.roles.extend(artifact.roles);
                                seen.size = seen.size.or(artifact.size);
                            }
                        }
                    }
                }
            }
        }
        for (layer, catalog) in self.layers.iter().enumerate() {
            let offset = self.offset(layer);
            if question.registry {
                records.extend(catalog.registry_events()?.into_iter().map(|at| offset + at));
            }
            if question.latest_recordings {
                let count = catalog.file.section_len(section::LATEST)? / 4;
                records.extend(
                    catalog
                        .file
                        .u32s(section::LATEST, 0, count)?
                        .into_iter()
                        .map(|at| offset + at),
                );
            }
        }
        let history = self.history_of(&records)?;
        Some(Focused {
            history,
            artifacts: artifacts.into_values().collect(),
            names,
            aliases: Some(aliases.clone()),
            whole: false,
        })
    }
}

/// The catalog at `path` valid for `state`: a base alone, a base and the
/// layer over it, or (for a lineage-remote selection whose fetched refs
/// moved forward) the base with a layer written now for the new commits.
/// Each file is opened once, whatever state it was written for. `None`
/// when the catalog must be rebuilt whole.
pub(super) fn current(
    repo: &Repo,
    options: &HistoryOptions,
    path: &Path,
    state: &StateKey,
) -> Option<Layers> {
    let root = repo.root();
    let base = Catalog::open_if(path, root, |_| true)?;
    let layer = Catalog::open_if(&layer_path(path), root, |_| true).and_then(|layer| {
        let link = layer.meta.extension.link.clone()?;
        (link.base_state == base.file.state).then_some((layer, link))
    });
    if layer
        .as_ref()
        .is_some_and(|(layer, _)| layer.file.state == state.bytes)
    {
        return Layers::of(base, layer);
    }
    if base.file.state == state.bytes {
        return Layers::of(base, None);
    }
    if !matches!(options.revisions, crate::history::Revisions::Lineage { .. }) {
        return None;
    }
    match extend(repo, options, path, state, base, layer) {
        Ok(layers) => Some(layers),
        Err(why) => {
            crate::history::trace_mark(&format!("catalog not extended: {why}"));
            None
        }
    }
}

/// Write a layer over `base`, the catalog at `path` (with `over`, the
/// layer over it, if any: both made for an older state), holding the
/// commits the selection gained since, when `history::extend` can read
/// them alone and the layer stays small; the catalog for `state`, or why
/// it must be rebuilt whole.
fn extend(
    repo: &Repo,
    options: &HistoryOptions,
    path: &Path,
    state: &StateKey,
    base: Catalog,
    over: Option<(Catalog, Link)>,
) -> Result<Layers, &'static str> {
    const DAMAGED: &str = "a catalog file is damaged";
    let root = repo.root();
    let layer_path = layer_path(path);
    // The worktree is as it was (so it still holds no uncommitted
    // record: opening the base checked its recent directories' names).
    if base.meta.worktree_files {
        return Err("the catalog holds uncommitted records");
    }
    if !crate::history::only_refs_moved(&base.file.state, &state.bytes) {
        return Err("more than fetched refs changed");
    }
    if base.meta.extension.point.is_none() {
        return Err("not a lineage-remote selection");
    }
    let old = Layers::of(base, over).ok_or(DAMAGED)?;
    let top = old.layers.last().ok_or(DAMAGED)?;
    let point = top.meta.extension.point.as_ref().ok_or(DAMAGED)?;
    let knows = |id: &RecordId| {
        old.layers
            .iter()
            .any(|catalog| catalog.find_id(id).flatten().is_some())
    };
    let everything = old.history_of(&BTreeSet::new()).ok_or(DAMAGED)?;
    let reported = everything
        .findings
        .iter()
        .map(|f| (f.kind, f.path.clone(), f.blob))
        .collect();
    let base_records = old.layers[0].records;
    let limit = MAX_LAYER_RECORDS.min(base_records.max(1_000));
    let view = crate::history::extend::ViewBase {
        point,
        knows: &knows,
        reported,
    };
    let new = crate::history::extend::new_commits(repo, options, &view, limit as usize)
        .ok()
        .flatten()
        .ok_or("history did not only move forward onto newer commits")?;
    // Refs must not have moved while the new commits were read.
    if crate::history::state_key(repo, options)
        .ok()
        .flatten()
        .as_ref()
        != Some(state)
    {
        return Err("refs moved meanwhile");
    }
    // The layer's history: what the old layer held (attributed as now),
    // then the new commits'.
    let mut part = match old.layers.len() {
        1 => History::partial(Vec::new(), Vec::new(), Vec::new(), Stats::default()),
        _ => {
            let start = base_records as u32;
            let positions: BTreeSet<u32> = (start..start + old.layers[1].records as u32).collect();
            let mut part = old.history_of(&positions).ok_or(DAMAGED)?;
            // Only the old layer's own findings.
            let base_findings = old.layers[0].meta.findings.len();
            part.findings
                .drain(..base_findings.min(part.findings.len()));
            part.warnings.clear();
            part.stats.commits = old.layers[1].meta.commits;
            part
        }
    };
    let now: HashMap<(String, String), Arc<Repository>> = point
        .repositories()
        .iter()
        .zip(&new.repositories)
        .map(|(then, now)| ((then.name.clone(), then.commit.clone()), Arc::clone(now)))
        .collect();
    let moved = |repository: &mut Option<Arc<Repository>>| {
        if let Some(then) = repository
            && let Some(now) = now.get(&(then.name.clone(), then.commit.clone()))
        {
            *then = Arc::clone(now);
        }
    };
    for entry in &mut part.entries {
        moved(&mut entry.repository);
    }
    for finding in &mut part.findings {
        moved(&mut finding.repository);
    }
    if (part.entries.len() + new.history.entries.len()) as u64 > limit {
        return Err("the layer would be too large");
    }
    let commits = part.stats.commits + new.commits;
    let mut entries = std::mem::take(&mut part.entries);
    entries.extend(new.history.entries);
    let mut findings: Vec<Finding> = std::mem::take(&mut part.findings);
    findings.extend(new.history.findings);
    let part = History::partial(
        entries,
        findings,
        Vec::new(),
        Stats {
            commits,
            commits_read: 0,
            blobs_read: 0,
        },
    );
    // Aliases the layer adds must not change a node of the base: a digest
    // the base knows by a lesser hash, or by none while it has its node.
    let base = &old.layers[0];
    let mut aliases = base.meta.aliases.clone();
    for (digest, hash) in crate::graph::aliases_of(&part.entries) {
        match aliases.get(&digest) {
            Some(known) if *known <= hash => {}
            Some(_) => return Err("a pointer digest is known by another hash"),
            None => {
                let pointer = NodeKey::Artifact(ArtifactKey::Pointer(digest.clone()));
                if base.find_key(&pointer).ok_or(DAMAGED)?.is_some() {
                    return Err("a pointer digest is now known by a hash");
                }
                aliases.insert(digest, hash);
            }
        }
    }
    // References across the layers: the layer's records to the base's,
    // and the base's (dangling there) to the layer's.
    let start = base_records as u32;
    let mut refs = Vec::new();
    let ids: HashMap<&RecordId, u32> = part
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (&e.id, start + i as u32))
        .collect();
    for (i, entry) in part.entries.iter().enumerate() {
        let mut upstream = Vec::new();
        entry.summary.with_links(|summary| {
            upstream.extend(
                summary
                    .references
                    .iter()
                    .filter(|r| !ids.contains_key(r))
                    .cloned(),
            )
        });
        for reference in upstream {
            if let Some(at) = base.find_id(&reference).ok_or(DAMAGED)? {
                refs.push((at, start + i as u32));
            }
        }
        for at in base.referring_to(&entry.id).ok_or(DAMAGED)? {
            refs.push((start + i as u32, at));
        }
    }
    refs.sort_unstable();
    refs.dedup();
    let extension = Extension {
        aliases: Some(aliases),
        point: Some(new.point),
        link: Some(Link {
            base_state: base.file.state.clone(),
            refs,
        }),
    };
    super::build::save(&layer_path, state, &part, &extension)
        .map_err(|_| "the layer could not be written")?;
    crate::history::trace_mark("catalog layer saved");
    // The base is open already: only the layer just written is read.
    let base = old.layers.into_iter().next().ok_or(DAMAGED)?;
    let layer = Catalog::open(&layer_path, root, state).ok_or(DAMAGED)?;
    let link = layer.meta.extension.link.clone().ok_or(DAMAGED)?;
    Layers::of(base, Some((layer, link))).ok_or(DAMAGED)
}
