//! The catalog: a persisted index of one history (HEAD's, or every ref's)
//! at `.git/lineage/catalog-v1.bin`; with lineage remotes, one per selection
//! at `catalog-remotes-<hash>.bin`, with each record's repository — records
//! by id, name and kind, graph nodes by key, path and URI, and the graph's
//! adjacency — so a question about one thing reads what its answer needs,
//! not all of history.
//!
//! [`load`] answers a [`Question`] with the part of history it needs: the
//! records its REFs name, those its walk reaches, every registry event, all
//! findings. Every command then runs its usual code on that part and gives
//! byte-for-byte the answer a full load gives. Without a current catalog it
//! loads everything and writes one; the file is derived, checksummed in
//! blocks, and deleting it only costs time.

mod build;
mod file;
mod layers;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::graph::{ArtifactKey, ArtifactNode, Direction, Graph, NodeKey};
use crate::hash::ContentHash;
use crate::history::codec::Reader;
use crate::history::extend::ViewPoint;
use crate::history::summary::{decode_summary, read_listing};
use crate::history::{
    CommitInfo, Entry, Finding, FindingKind, History, HistoryError, HistoryOptions, StateKey,
    Summary, SummaryCell,
};
use crate::record::RecordId;
use crate::refspec::{NameChoice, RefSpec};
use crate::repo::Repo;
use crate::store::Store;

use file::FileReader;

/// The file name under `.git/lineage/`.
pub const FILE_NAME: &str = "catalog-v1.bin";

/// Section numbers, in the order [`build`] writes them.
mod section {
    /// Per record (history order), a [`super::build::ROW`]-byte row.
    pub const RECORDS: usize = 0;
    /// Encoded summaries.
    pub const DATA: usize = 1;
    /// Offsets of commit infos in [`INFOS`], one more than there are.
    pub const INFO_AT: usize = 2;
    pub const INFOS: usize = 3;
    /// Record positions sorted by id.
    pub const ID_ORDER: usize = 4;
    /// Per distinct name, sorted by name: string, pick, of, events, start, len.
    pub const NAMES: usize = 5;
    /// Record positions grouped by name (ranges of [`NAMES`]).
    pub const NAME_ORDER: usize = 6;
    /// Per distinct kind, sorted: string, start, len.
    pub const KINDS: usize = 7;
    /// Record positions grouped by kind.
    pub const KIND_ORDER: usize = 8;
    /// Per node: a record position with the top bit set, or the offset of
    /// its encoding in [`NODE_DATA`].
    pub const NODE_AT: usize = 9;
    pub const NODE_DATA: usize = 10;
    /// Adjacency: `DOWN[DOWN_START[n]..DOWN_START[n + 1]]`.
    pub const DOWN_START: usize = 11;
    pub const DOWN: usize = 12;
    pub const UP_START: usize = 13;
    pub const UP: usize = 14;
    /// Non-record nodes sorted by key.
    pub const KEY_ORDER: usize = 15;
    /// (path string, node) sorted by path, then as `Graph::artifacts_at_path`.
    pub const PATHS: usize = 16;
    /// (URI string, node) sorted by URI, then as `Graph::artifacts_with_uri`.
    pub const URIS: usize = 17;
    /// Offsets of strings in [`STRS`], one more than there are.
    pub const STR_AT: usize = 18;
    pub const STRS: usize = 19;
    /// Graph node of each record position.
    pub const RECORD_NODE: usize = 20;
    /// Positions of the latest record to list each path and `file://` URI
    /// with a hash.
    pub const LATEST: usize = 21;
    /// Per commit info, the number of the repository it was attributed to
    /// in the meta's table (0: this repository).
    pub const INFO_REPOSITORY: usize = 22;
    /// References to records not in this file, as
    /// [`super::build::DANGLING_ROW`]-byte rows sorted by the id.
    pub const DANGLING: usize = 23;
}

/// What a catalog file keeps so that it can be extended (a layer written
/// over it) instead of rebuilt when fetched refs move forward.
#[derive(Debug, Default, Clone)]
struct Extension {
    /// The aliases to build the graph with (a layer's: its base's and its
    /// own); `None`: the history's own. Kept in the meta as the graph's.
    aliases: Option<crate::graph::Aliases>,
    /// For a lineage-remote selection: where its history stood. `None`:
    /// not extendable.
    point: Option<ViewPoint>,
    /// For a layer: what it lies over.
    link: Option<Link>,
}

/// How a layer lies over its base.
#[derive(Debug, Default, Clone)]
struct Link {
    /// The state the base was written for.
    base_state: Vec<u8>,
    /// References between the layers, as (upstream, downstream) record
    /// positions (the layer's follow the base's).
    refs: Vec<(u32, u32)>,
}

impl Extension {
    fn write(&self, w: &mut crate::history::codec::Writer) {
        match &self.point {
            Some(point) => {
                w.byte(1);
                point.write(w);
            }
            None => w.byte(0),
        }
        match &self.link {
            Some(link) => {
                w.byte(1);
                w.str_bytes(&link.base_state);
                w.uint(link.refs.len() as u64);
                for &(up, down) in &link.refs {
                    w.uint(u64::from(up));
                    w.uint(u64::from(down));
                }
            }
            None => w.byte(0),
        }
    }

    fn read(r: &mut Reader<'_>) -> Option<Extension> {
        let point = match r.byte()? {
            0 => None,
            _ => Some(ViewPoint::read(r)?),
        };
        let link = match r.byte()? {
            0 => None,
            _ => {
                let base_state = r.str_bytes()?.to_vec();
                let refs = (0..r.uint()?)
                    .map(|_| {
                        Some((
                            u32::try_from(r.uint()?).ok()?,
                            u32::try_from(r.uint()?).ok()?,
                        ))
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(Link { base_state, refs })
            }
        };
        Some(Extension {
            aliases: None,
            point,
            link,
        })
    }
}

const RECORD_NODE_BIT: u64 = 1 << 63;

/// What a question needs from history.
#[derive(Debug, Clone, Default)]
pub struct Question {
    /// What its REFs name.
    pub seeds: Vec<Seed>,
    /// The walk from the seeds it makes, if any: a direction and at most
    /// how many hops.
    pub walk: Option<(Direction, Option<usize>)>,
    /// Whether it reads the model registry (every `registry-*` record).
    pub registry: bool,
    /// Whether it compares tracked artifacts: for every path and `file://`
    /// URI recorded with a hash, the latest record (by `recorded`, then
    /// history order) to list it.
    pub latest_recordings: bool,
}

/// Something a REF names, as the catalog looks it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// A record by id.
    Id(RecordId),
    /// Every record whose id starts with these hex digits.
    Prefix(String),
    /// What `name:TEXT` picks.
    Name(String),
    /// A graph node (an artifact or a commit) by key.
    Node(NodeKey),
    /// Every artifact recorded at this repository-relative path.
    Path(String),
    /// Every artifact recorded at this URI, at this version or, for
    /// `None`, at any.
    Uri {
        /// The URI.
        uri: String,
        /// The version given with it.
        version: Option<String>,
    },
    /// Every record of this kind.
    Kind(String),
    /// Every record with exactly this name.
    Named(String),
}

impl Question {
    /// The question a REF asks, walking `walk` from it; `None` for REFs the
    /// catalog does not answer (commits and commit ranges, `model:`), which
    /// need all of history. `cwd` anchors relative paths.
    pub fn for_ref(
        repo: &Repo,
        cwd: &Path,
        spec: &RefSpec,
        walk: Option<(Direction, Option<usize>)>,
    ) -> Option<Question> {
        let seeds = match spec {
            RefSpec::Id(id) => vec![Seed::Id(id.clone())],
            RefSpec::Prefix(prefix) => vec![Seed::Prefix(prefix.clone())],
            RefSpec::Name(text) => vec![Seed::Name(text.clone())],
            RefSpec::Hash(hash) => vec![Seed::Node(NodeKey::Artifact(ArtifactKey::Hash(*hash)))],
            RefSpec::Digest(digest) => {
                vec![Seed::Node(NodeKey::Artifact(ArtifactKey::Pointer(
                    digest.clone(),
                )))]
            }
            RefSpec::Uri { uri, .. } if uri.starts_with("file://") => return None,
            RefSpec::Uri { uri, version } => vec![Seed::Uri {
                uri: uri.clone(),
                version: version.clone(),
            }],
            RefSpec::Path(text) => {
                let (rels, hash) = crate::refspec::path_ref_seeds(repo, cwd, text);
                let mut seeds: Vec<Seed> = rels.into_iter().map(Seed::Path).collect();
                seeds.extend(hash.map(|key| Seed::Node(NodeKey::Artifact(key))));
                seeds
            }
            RefSpec::Commit(_) | RefSpec::Model { .. } => return None,
        };
        Some(Question {
            seeds,
            walk,
            registry: true,
            latest_recordings: false,
        })
    }
}

impl Question {
    /// The question a search asks: the records one of its filters selects
    /// through an index (an exact name, an input or output by hash or
    /// path, a kind), which include every record that passes all of them.
    /// `None` when no filter is indexed: the search reads every record.
    /// `registry` adds the registry's events (for `--registered`, `--stage`).
    pub fn for_search(query: &crate::query::SearchQuery, registry: bool) -> Option<Question> {
        use crate::query::InputMatch;
        let by_artifact = || {
            query
                .inputs
                .iter()
                .chain(&query.outputs)
                .find_map(|wanted| match wanted {
                    InputMatch::Hash(hash) => {
                        Some(Seed::Node(NodeKey::Artifact(ArtifactKey::Hash(*hash))))
                    }
                    InputMatch::Path(path) => Some(Seed::Path(path.clone())),
                    // `uri@version` is not a lookup key of the URI index.
                    InputMatch::Uri(_) => None,
                })
        };
        let seed = query
            .name
            .as_ref()
            .and_then(|name| name.exact())
            .map(|name| Seed::Named(name.to_string()))
            .or_else(by_artifact)
            .or_else(|| query.kind.clone().map(Seed::Kind))?;
        Some(Question {
            seeds: vec![seed],
            walk: None,
            registry,
            latest_recordings: false,
        })
    }
}

/// The history a question needs, and what the catalog knows about the
/// artifacts in it.
#[derive(Debug)]
pub struct Focused {
    /// The records the question needs (all of them when no catalog was
    /// used), in history order, with every finding and warning.
    pub history: History,
    /// What the whole history says about the artifacts the walk reaches.
    artifacts: Vec<ArtifactNode>,
    /// What `name:` seeds picked, by their text.
    names: HashMap<String, NameChoice>,
    /// The whole history's pointer aliases (`None`: `history` is whole).
    aliases: Option<crate::graph::Aliases>,
    /// True when `history` is the whole history.
    pub whole: bool,
}

impl From<History> for Focused {
    /// A whole history, as a question that needs all of it gets.
    fn from(history: History) -> Focused {
        Focused::whole(history)
    }
}

impl Focused {
    fn whole(history: History) -> Focused {
        Focused {
            history,
            artifacts: Vec::new(),
            names: HashMap::new(),
            aliases: None,
            whole: true,
        }
    }

    /// The lineage graph of the records: for a part of history, with each
    /// artifact the walk reaches described as the whole history does.
    pub fn graph(&self) -> Graph {
        let mut graph = match &self.aliases {
            Some(aliases) => Graph::build_with_aliases(&self.history.entries, aliases.clone()),
            None => Graph::build(&self.history.entries),
        };
        for node in &self.artifacts {
            graph.complete_artifact(node.clone());
        }
        graph
    }

    /// What `name:TEXT` means, as over the whole history (with how many
    /// records it could mean, for the note).
    pub fn named(&self, text: &str) -> Result<NameChoice, crate::refspec::RefError> {
        match self.names.get(text) {
            Some(choice) => Ok(choice.clone()),
            None => crate::refspec::named_in_history(&self.history, text),
        }
    }
}

/// The history `question` needs, from the catalog when a current one
/// exists; otherwise the whole history, loaded as [`History::load`] does,
/// and a catalog written for the next question.
pub fn load(
    repo: &Repo,
    options: &HistoryOptions,
    question: &Question,
) -> Result<Focused, HistoryError> {
    let Some(state) = crate::history::state_key(repo, options)? else {
        return Ok(Focused::whole(History::load(repo, options)?));
    };
    crate::history::trace_mark("state read");
    let path = path_for(&repo.cache_dir(), &state.view);
    if let Some(catalog) = layers::current(repo, options, &path, &state) {
        crate::history::trace_mark("catalog opened");
        if let Some(focused) = catalog.focus(question) {
            crate::history::trace_mark("catalog read");
            return Ok(focused);
        }
    }
    Ok(Focused::whole(load_and_save(repo, options, &path, &state)?))
}

/// Bring the derived files of `options`' selection (snapshot and catalog)
/// up to date, as the first question about it would, so that question is
/// answered warm: what `fetch` does for `--remotes` after git's fetch.
/// Nothing is read when the catalog is current. Derived data: an error
/// here costs only speed, and the caller may ignore it.
pub fn refresh(repo: &Repo, options: &HistoryOptions) -> Result<(), HistoryError> {
    crate::history::trace_mark("refresh");
    let Some(state) = crate::history::state_key(repo, options)? else {
        return Ok(());
    };
    let path = path_for(&repo.cache_dir(), &state.view);
    if layers::current(repo, options, &path, &state).is_none() {
        load_and_save(repo, options, &path, &state)?;
    }
    crate::history::trace_mark("catalog refreshed");
    Ok(())
}

/// The whole history, and a catalog of it written for the next question.
fn load_and_save(
    repo: &Repo,
    options: &HistoryOptions,
    path: &Path,
    state: &StateKey,
) -> Result<History, HistoryError> {
    let history = History::load(repo, options)?;
    // A layer over the old catalog would lie over nothing.
    let _ = std::fs::remove_file(layers::layer_path(path));
    // A history missing an object is not kept (a fetch may complete it),
    // like the snapshot; a failed save only costs speed next time.
    if !history
        .findings
        .iter()
        .any(|f| f.kind == FindingKind::Unreadable)
    {
        // A lineage-remote selection keeps where its history stood, so
        // that the catalog can be extended: read now, it is the history's
        // when the state still is.
        let unmoved = matches!(options.revisions, crate::history::Revisions::Lineage { .. })
            && crate::history::state_key(repo, options)?.as_ref() == Some(state);
        let point = match unmoved {
            true => ViewPoint::of(repo, options, &history)?,
            false => None,
        };
        let extension = Extension {
            point,
            ..Extension::default()
        };
        let _ = build::save(path, state, &history, &extension);
        crate::history::trace_mark("catalog saved");
    }
    Ok(history)
}

/// The whole history `options` select, loaded as [`History::load`] does,
/// and a catalog of it written when none is current: what a reader of a
/// [`Listing`] that turned out damaged continues from.
pub fn load_whole(repo: &Repo, options: &HistoryOptions) -> Result<History, HistoryError> {
    match crate::history::state_key(repo, options)? {
        Some(state) => load_and_save(
            repo,
            options,
            &path_for(&repo.cache_dir(), &state.view),
            &state,
        ),
        None => History::load(repo, options),
    }
}

/// Every record, as [`listing`] gives them.
pub enum Listed {
    /// From a current catalog, one at a time, newest first.
    Streamed(Box<Listing>),
    /// Loaded whole (no current catalog; one was written for next time).
    Loaded(Box<History>),
}

/// Every record of the history `options` select: from a current catalog,
/// newest first and one at a time (a `log | head` reads a few), whose
/// [`Listing::warnings`] and [`Listing::read_warnings`] are what a full load
/// would warn about; otherwise the whole history, loaded as
/// [`History::load`] does, with a catalog written for next time.
pub fn listing(repo: &Repo, options: &HistoryOptions) -> Result<Listed, HistoryError> {
    let Some(state) = crate::history::state_key(repo, options)? else {
        return Ok(Listed::Loaded(Box::new(History::load(repo, options)?)));
    };
    let path = path_for(&repo.cache_dir(), &state.view);
    let opened = layers::current(repo, options, &path, &state).and_then(|catalog| {
        // The findings are small; reading them up front also proves the
        // commit table readable.
        let history = catalog.history_of(&BTreeSet::new())?;
        Some((catalog, history))
    });
    let Some((catalog, history)) = opened else {
        return Ok(Listed::Loaded(Box::new(load_and_save(
            repo, options, &path, &state,
        )?)));
    };
    crate::history::trace_mark("catalog listing");
    let (kind_width, name_width, id_width) = catalog.widths();
    Ok(Listed::Streamed(Box::new(Listing {
        next: catalog.records(),
        kind_width,
        name_width,
        id_width,
        infos: catalog.info_caches(),
        catalog,
        history,
    })))
}

/// Records newest first, from [`listing`].
pub struct Listing {
    catalog: layers::Layers,
    next: u64,
    infos: Vec<HashMap<u32, Arc<CommitInfo>>>,
    /// The findings and warnings of the history, without its records.
    history: History,
    /// The longest kind, in bytes.
    pub kind_width: usize,
    /// The longest name, in characters.
    pub name_width: usize,
    /// The longest id as shown (`<remote>:<12 hex>` for a lineage remote's
    /// record), in characters.
    pub id_width: usize,
}

impl Listing {
    /// How many records the iterator has given so far.
    pub fn given(&self) -> usize {
        (self.catalog.records() - self.next) as usize
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.catalog.records() as usize
    }

    /// True when history has no records.
    pub fn is_empty(&self) -> bool {
        self.catalog.records() == 0
    }

    /// History's own warnings (a shallow clone, …).
    pub fn warnings(&self) -> &[String] {
        &self.history.warnings
    }

    /// The record files history could not read.
    pub fn read_warnings(&self) -> Vec<crate::history::ReadWarning> {
        self.history.read_warnings()
    }
}

impl Iterator for Listing {
    /// An entry, or `Err` when the catalog turned out damaged (deleting
    /// `.git/lineage/` rebuilds it).
    type Item = Result<Entry, HistoryError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next = self.next.checked_sub(1)?;
        let record = u32::try_from(self.next).ok()?;
        Some(
            self.catalog
                .entry(record, &mut self.infos, true)
                .ok_or_else(|| HistoryError::Git {
                    action: "read the lineage catalog",
                    message: format!(
                        ".git/lineage/{FILE_NAME} is damaged; delete it and run the command again"
                    ),
                }),
        )
    }
}

/// Delete the derived files (snapshots, catalogs and their layers) of
/// every lineage-remote selection of `repo`: what removing a remote leaves
/// behind, as no such selection is current again. The next question about
/// remotes rebuilds its own.
pub fn remove_remote_views(repo: &Repo) {
    let dir = repo.cache_dir();
    crate::history::remove_named(&dir, "catalog-remotes-");
    crate::history::remove_remote_views(&dir);
}

/// Where the catalog of a repository lives.
pub fn path_in(cache_dir: &Path) -> std::path::PathBuf {
    cache_dir.join(FILE_NAME)
}

/// Where the catalog of view `view` ([`crate::history::view_name`]) lives:
/// [`path_in`] for `""` (HEAD and `--all`), else `catalog-<view>.bin`.
pub fn path_for(cache_dir: &Path, view: &str) -> std::path::PathBuf {
    match view {
        "" => path_in(cache_dir),
        view => cache_dir.join(format!("catalog-{view}.bin")),
    }
}

/// An open catalog. Every read is bounds-checked and checksummed; `None`
/// from any of them means damage, and the caller loads history instead.
struct Catalog {
    file: FileReader,
    records: u64,
    nodes: u64,
    strings: u64,
    meta: Meta,
}

/// The catalog's header data: small, read whole on open.
struct Meta {
    commits: usize,
    kind_width: usize,
    name_width: usize,
    id_width: usize,
    warnings: Vec<String>,
    findings: Vec<(Vec<u8>, usize)>,
    aliases: crate::graph::Aliases,
    /// The repositories records were attributed to (lineage remotes).
    repositories: crate::history::RepositoryTable,
    /// Whether it holds uncommitted record files.
    worktree_files: bool,
    /// What extending it needs.
    extension: Extension,
}

impl Catalog {
    fn open(path: &Path, root: &Path, state: &StateKey) -> Option<Catalog> {
        Catalog::open_if(path, root, |stored| stored == state.bytes)
    }

    /// [`Catalog::open`] for a file whose stored state `accept` takes.
    fn open_if(path: &Path, root: &Path, accept: impl FnOnce(&[u8]) -> bool) -> Option<Catalog> {
        let file = FileReader::open_if(path, accept)?;
        let mut r = Reader { buf: &file.meta };
        let records = r.uint()?;
        let nodes = r.uint()?;
        let strings = r.uint()?;
        let commits = usize::try_from(r.uint()?).ok()?;
        let kind_width = usize::try_from(r.uint()?).ok()?;
        let name_width = usize::try_from(r.uint()?).ok()?;
        let id_width = usize::try_from(r.uint()?).ok()?;
        let warnings = (0..r.uint()?)
            .map(|_| r.str())
            .collect::<Option<Vec<_>>>()?;
        let mut findings = Vec::new();
        for _ in 0..r.uint()? {
            let bytes = r.str_bytes()?.to_vec();
            let info = usize::try_from(r.uint()?).ok()?;
            findings.push((bytes, info));
        }
        // Uncommitted record files may have been edited in place.
        let files = crate::history::read_worktree_files(&mut r)?;
        if !crate::history::worktree_files_unchanged(root, &files) {
            return None;
        }
        // Directories whose time was too recent to trust when the catalog
        // was written must hold the same files now.
        for _ in 0..r.uint()? {
            let dir = r.str()?;
            let names = (0..r.uint()?)
                .map(|_| r.str())
                .collect::<Option<Vec<_>>>()?;
            if crate::history::file_names(&root.join(dir)) != names {
                return None;
            }
        }
        let mut aliases = crate::graph::Aliases::new();
        for _ in 0..r.uint()? {
            let digest = crate::pointer::PointerDigest::parse(&r.str()?)?;
            aliases.insert(digest, build::read_hash(&mut r)?);
        }
        let repositories = crate::history::RepositoryTable::read(&mut r)?;
        let extension = Extension::read(&mut r)?;
        if !r.buf.is_empty()
            || file.section_len(section::RECORDS)? != records * build::ROW as u64
            || file.section_len(section::NODE_AT)? != nodes * 8
            || file.section_len(section::STR_AT)? != (strings + 1) * 8
        {
            return None;
        }
        Some(Catalog {
            file,
            records,
            nodes,
            strings,
            meta: Meta {
                commits,
                kind_width,
                name_width,
                id_width,
                warnings,
                findings,
                aliases,
                repositories,
                worktree_files: !files.is_empty(),
                extension,
            },
        })
    }

    /// The positions of the records that refer to record `id`, which this
    /// file does not hold.
    fn referring_to(&self, id: &RecordId) -> Option<Vec<u32>> {
        let wanted = *ContentHash::from_hex(id.as_str())?.as_bytes();
        let s = section::DANGLING;
        let width = build::DANGLING_ROW as u64;
        let rows = self.file.section_len(s)? / width;
        let id_at =
            |i: u64| -> Option<[u8; 32]> { self.file.bytes(s, i * width, 32)?.try_into().ok() };
        let (mut lo, mut hi) = (0u64, rows);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if id_at(mid)? < wanted {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut found = Vec::new();
        while lo < rows && id_at(lo)? == wanted {
            let at = self.file.bytes(s, lo * width + 32, 4)?;
            found.push(u32::from_le_bytes(at.try_into().ok()?));
            lo += 1;
        }
        Some(found)
    }

    fn neighbours(&self, node: u32, start_section: usize, edge_section: usize) -> Option<Vec<u32>> {
        if u64::from(node) >= self.nodes {
            return None;
        }
        let from = self.file.u32_at(start_section, u64::from(node))?;
        let to = self.file.u32_at(start_section, u64::from(node) + 1)?;
        let next = self
            .file
            .u32s(edge_section, u64::from(from), u64::from(to))?;
        next.iter()
            .all(|&n| u64::from(n) < self.nodes)
            .then_some(next)
    }

    /// The record position of a node, if it is a record's.
    fn node_record(&self, node: u32) -> Option<Option<u32>> {
        let at = self.file.u64_at(section::NODE_AT, u64::from(node))?;
        if at & RECORD_NODE_BIT == 0 {
            return Some(None);
        }
        let record = u32::try_from(at & !RECORD_NODE_BIT).ok()?;
        (u64::from(record) < self.records).then_some(Some(record))
    }

    fn record_node(&self, record: u32) -> Option<u32> {
        let node = self.file.u32_at(section::RECORD_NODE, u64::from(record))?;
        (u64::from(node) < self.nodes).then_some(node)
    }

    /// A non-record node's key and data.
    fn node_data(&self, node: u32) -> Option<NodeData> {
        let at = self.file.u64_at(section::NODE_AT, u64::from(node))?;
        if at & RECORD_NODE_BIT != 0 {
            return None;
        }
        // Each node's bytes are prefixed by their length (u32 LE).
        let len = self.file.bytes(section::NODE_DATA, at, 4)?;
        let len = u32::from_le_bytes(len.try_into().ok()?);
        let bytes = self
            .file
            .bytes(section::NODE_DATA, at + 4, usize::try_from(len).ok()?)?;
        let mut r = Reader { buf: &bytes };
        let data = build::read_node(&mut r)?;
        r.buf.is_empty().then_some(data)
    }

    fn string(&self, i: u32) -> Option<String> {
        if u64::from(i) >= self.strings {
            return None;
        }
        let from = self.file.u64_at(section::STR_AT, u64::from(i))?;
        let to = self.file.u64_at(section::STR_AT, u64::from(i) + 1)?;
        let bytes = self.file.bytes(
            section::STRS,
            from,
            usize::try_from(to.checked_sub(from)?).ok()?,
        )?;
        String::from_utf8(bytes).ok()
    }

    /// The id of the record at `record`.
    fn id_at(&self, record: u32) -> Option<[u8; 32]> {
        self.file
            .bytes(section::RECORDS, u64::from(record) * build::ROW as u64, 32)?
            .try_into()
            .ok()
    }

    /// First position in a sorted section of `width`-u32 rows where
    /// `below(row)` stops holding.
    fn lower_bound(
        &self,
        s: usize,
        width: u64,
        mut below: impl FnMut(u64) -> Option<bool>,
    ) -> Option<u64> {
        let rows = self.file.section_len(s)? / (4 * width);
        let (mut lo, mut hi) = (0u64, rows);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if below(mid)? {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Some(lo)
    }

    fn find_id(&self, id: &RecordId) -> Option<Option<u32>> {
        let wanted = *ContentHash::from_hex(id.as_str())?.as_bytes();
        let at = self.lower_bound(section::ID_ORDER, 1, |i| {
            let record = self.file.u32_at(section::ID_ORDER, i)?;
            Some(self.id_at(record)? < wanted)
        })?;
        let Some(record) = self
            .file
            .u32_at(section::ID_ORDER, at)
            .filter(|_| at < self.records)
        else {
            return Some(None);
        };
        Some((self.id_at(record)? == wanted).then_some(record))
    }

    fn with_prefix(&self, prefix: &str) -> Option<Vec<u32>> {
        let hex = |record: u32| -> Option<String> {
            Some(ContentHash::from_bytes(self.id_at(record)?).to_hex())
        };
        let mut at = self.lower_bound(section::ID_ORDER, 1, |i| {
            let record = self.file.u32_at(section::ID_ORDER, i)?;
            Some(hex(record)?.as_str() < prefix)
        })?;
        let mut found = Vec::new();
        while at < self.records {
            let record = self.file.u32_at(section::ID_ORDER, at)?;
            if !hex(record)?.starts_with(prefix) {
                break;
            }
            found.push(record);
            at += 1;
        }
        Some(found)
    }

    /// The `NAMES` row of `name`: (pick, of, events, start, len).
    fn name_row(&self, name: &str) -> Option<Option<[u32; 5]>> {
        match self.rows_of(section::NAMES, 6, name)?.first() {
            Some(row) => Some(Some(row.get(1..6)?.try_into().ok()?)),
            None => Some(None),
        }
    }

    /// What `name:TEXT` picks over the whole history, and its record.
    fn named(&self, text: &str) -> Option<Option<(NameChoice, u32)>> {
        if let Some([pick, of, events, _, _]) = self.name_row(text)? {
            let id = RecordId::parse(&ContentHash::from_bytes(self.id_at(pick)?).to_hex())?;
            let choice = NameChoice {
                id,
                name: text.to_string(),
                kind: None,
                of: usize::try_from(of).ok()?,
                registry_events: usize::try_from(events).ok()?,
            };
            return Some(Some((choice, pick)));
        }
        // `KIND/NAME`: pick among the records of NAME, as over history.
        let Some((_, name)) = text.split_once('/') else {
            return Some(None);
        };
        Some(pick_named(text, &self.named_records(name, 0)?))
    }

    /// The records named `name`, in history order, as `pick_named` lists
    /// them, each with its position plus `offset`.
    fn named_records(&self, name: &str, offset: u32) -> Option<Vec<NamedRecord>> {
        let Some([_, _, _, start, len]) = self.name_row(name)? else {
            return Some(Vec::new());
        };
        let positions = self.file.u32s(
            section::NAME_ORDER,
            u64::from(start),
            u64::from(start) + u64::from(len),
        )?;
        let mut listed = Vec::with_capacity(positions.len());
        for &record in &positions {
            let (kind, name, recorded, _) = self.listing(record)?;
            let id = RecordId::parse(&ContentHash::from_bytes(self.id_at(record)?).to_hex())?;
            listed.push((kind, name, recorded, id, offset + record));
        }
        Some(listed)
    }

    fn record_row(&self, record: u32) -> Option<Vec<u8>> {
        self.file.bytes(
            section::RECORDS,
            u64::from(record) * build::ROW as u64,
            build::ROW,
        )
    }

    fn record_data(&self, row: &[u8]) -> Option<Vec<u8>> {
        let offset = u64::from_le_bytes(row.get(32..40)?.try_into().ok()?);
        let len = u32::from_le_bytes(row.get(40..44)?.try_into().ok()?);
        self.file
            .bytes(section::DATA, offset, usize::try_from(len).ok()?)
    }

    fn listing(
        &self,
        record: u32,
    ) -> Option<(String, String, crate::time::Timestamp, crate::record::Agent)> {
        let data = self.record_data(&self.record_row(record)?)?;
        read_listing(&mut Reader { buf: &data })
    }

    fn registry_events(&self) -> Option<Vec<u32>> {
        self.kinds("registry-", crate::refspec::is_registry_event)
    }

    fn of_kind(&self, kind: &str) -> Option<Vec<u32>> {
        self.kinds(kind, |k| k == kind)
    }

    /// The records of the kinds from the first not below `from` while
    /// `take` holds (kinds are sorted).
    fn kinds(&self, from: &str, take: impl Fn(&str) -> bool) -> Option<Vec<u32>> {
        let mut found = Vec::new();
        for row in self.rows_from(section::KINDS, 3, from, take)? {
            found.extend(self.file.u32s(
                section::KIND_ORDER,
                u64::from(row[1]),
                u64::from(row[1]) + u64::from(row[2]),
            )?);
        }
        Some(found)
    }

    fn find_key(&self, key: &NodeKey) -> Option<Option<u32>> {
        let count = self.file.section_len(section::KEY_ORDER)? / 4;
        let at = self.lower_bound(section::KEY_ORDER, 1, |i| {
            let node = self.file.u32_at(section::KEY_ORDER, i)?;
            Some(&self.node_data(node)?.key() < key)
        })?;
        if at >= count {
            return Some(None);
        }
        let node = self.file.u32_at(section::KEY_ORDER, at)?;
        Some((&self.node_data(node)?.key() == key).then_some(node))
    }

    /// The artifact nodes recorded at `path`.
    fn at_path(&self, path: &str) -> Option<Vec<u32>> {
        Some(
            self.rows_of(section::PATHS, 2, path)?
                .into_iter()
                .map(|row| row[1])
                .collect(),
        )
    }

    /// The artifact nodes recorded at `uri`, at `version` or any.
    fn with_uri(&self, uri: &str, version: Option<&str>) -> Option<Vec<u32>> {
        let mut nodes = Vec::new();
        for row in self.rows_of(section::URIS, 3, uri)? {
            let seen = match row[1] {
                u32::MAX => None,
                s => Some(self.string(s)?),
            };
            if version.is_none() || seen.as_deref() == version {
                nodes.push(row[2]);
            }
        }
        Some(nodes)
    }

    /// The rows of `width` u32s of a section sorted by their first column,
    /// a string, that equals `text`.
    fn rows_of(&self, s: usize, width: u64, text: &str) -> Option<Vec<Vec<u32>>> {
        self.rows_from(s, width, text, |t| t == text)
    }

    /// The rows of `width` u32s of a section sorted by their first column,
    /// a string, from the first whose string is not below `from`, while
    /// `take` holds for it.
    fn rows_from(
        &self,
        s: usize,
        width: u64,
        from: &str,
        take: impl Fn(&str) -> bool,
    ) -> Option<Vec<Vec<u32>>> {
        let mut at = self.lower_bound(s, width, |i| {
            Some(self.string(self.file.u32_at(s, i * width)?)?.as_str() < from)
        })?;
        let rows = self.file.section_len(s)? / (4 * width);
        let mut found = Vec::new();
        while at < rows {
            let row = self.file.u32s(s, at * width, at * width + width)?;
            if !take(&self.string(row[0])?) {
                break;
            }
            found.push(row);
            at += 1;
        }
        Some(found)
    }

    /// The findings of the history, with their commits and repositories.
    fn findings(&self, infos: &mut HashMap<u32, Arc<CommitInfo>>) -> Option<Vec<Finding>> {
        let mut findings = Vec::with_capacity(self.meta.findings.len());
        for (bytes, info) in &self.meta.findings {
            let number = u32::try_from(*info).ok()?;
            let info = self.info(number, infos)?;
            let mut r = Reader { buf: bytes };
            let mut finding = crate::history::read_finding(&mut r, |_| Some(info.clone()))?;
            finding.repository = self.repository_of(number)?;
            findings.push(finding);
        }
        Some(findings)
    }

    /// The history entry of the record at `record`; with `lazy`, its
    /// summary beyond the listing fields is decoded only when used.
    fn entry(
        &self,
        record: u32,
        infos: &mut HashMap<u32, Arc<CommitInfo>>,
        lazy: bool,
    ) -> Option<Entry> {
        if u64::from(record) >= self.records {
            return None;
        }
        let row = self.record_row(record)?;
        let id =
            RecordId::parse(&ContentHash::from_bytes(row.get(..32)?.try_into().ok()?).to_hex())?;
        let info = u32::from_le_bytes(row.get(44..48)?.try_into().ok()?);
        let (commit, repository) = match info {
            0 => (None, None),
            i => (Some(self.info(i - 1, infos)?), self.repository_of(i - 1)?),
        };
        let blob = match row.get(48)? {
            0 => None,
            _ => Some(
                Reader {
                    buf: row.get(49..69)?,
                }
                .oid()?,
            ),
        };
        let data = self.record_data(&row)?;
        let summary = if lazy {
            let (kind, name, recorded, agent) = read_listing(&mut Reader { buf: &data })?;
            let len = data.len();
            SummaryCell::lazy(kind, name, recorded, agent, Arc::new(data), 0, len)
        } else {
            let summary: Summary = decode_summary(&data)?;
            SummaryCell::ready(summary)
        };
        Some(Entry {
            path: Store::record_rel_path(&id),
            id,
            commit,
            blob,
            summary,
            repository,
        })
    }

    /// The repository commit info `i` was attributed to; `None` on damage.
    fn repository_of(&self, i: u32) -> Option<Option<Arc<crate::history::Repository>>> {
        if self.meta.repositories.is_empty() {
            return Some(None);
        }
        let number = self.file.u32_at(section::INFO_REPOSITORY, u64::from(i))?;
        self.meta.repositories.get(u64::from(number))
    }

    fn info(&self, i: u32, cache: &mut HashMap<u32, Arc<CommitInfo>>) -> Option<Arc<CommitInfo>> {
        if let Some(info) = cache.get(&i) {
            return Some(info.clone());
        }
        let from = self.file.u64_at(section::INFO_AT, u64::from(i))?;
        let to = self.file.u64_at(section::INFO_AT, u64::from(i) + 1)?;
        let bytes = self.file.bytes(
            section::INFOS,
            from,
            usize::try_from(to.checked_sub(from)?).ok()?,
        )?;
        let mut r = Reader { buf: &bytes };
        let info = Arc::new(crate::history::read_commit_info(&mut r)?);
        cache.insert(i, info.clone());
        Some(info)
    }
}

/// A record as `name:` picks among them: kind, name, time, id, position.
type NamedRecord = (String, String, crate::time::Timestamp, RecordId, u32);

/// What `name:TEXT` picks among `listed` (in history order), and its
/// position.
fn pick_named(text: &str, listed: &[NamedRecord]) -> Option<(NameChoice, u32)> {
    let choice = crate::refspec::pick_named(
        text,
        listed
            .iter()
            .map(|(k, n, t, id, _)| (k.as_str(), n.as_str(), *t, id)),
    )
    .ok()?;
    let record = listed.iter().find(|l| l.3 == choice.id)?.4;
    Some((choice, record))
}

/// A non-record node as the catalog stores it.
#[derive(Debug, Clone)]
enum NodeData {
    Artifact(ArtifactNode),
    Commit(String),
}

impl NodeData {
    fn key(&self) -> NodeKey {
        match self {
            NodeData::Artifact(artifact) => NodeKey::Artifact(artifact.key.clone()),
            NodeData::Commit(id) => NodeKey::Commit(id.clone()),
        }
    }
}
