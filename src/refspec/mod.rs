//! REF resolution: turning what a user types into records or graph nodes.
//!
//! The grammar (`docs/refs.md`): a record id or a unique prefix of 4+ hex
//! digits; `name:NAME` (the latest record of that name); `model:NAME@STAGE`
//! or `model:NAME@vN` (a registered model version); `blake3:<hex>` (an
//! artifact by content); a URI, optionally `@version`; `commit:REV` (the
//! records made from a code version); otherwise a path, meaning its current
//! content, or `path@REV` for its content at a revision.

use std::path::Path;

use crate::graph::{Graph, NodeKey};
use crate::hash::{ContentHash, HashError};
use crate::history::{History, HistoryError};
use crate::record::{ForeignReference, RecordId};
use crate::repo::Repo;
use crate::store::{Store, StoreError};

mod nodes;

pub use nodes::{
    CommitRange, NodeOptions, commit_range, path_ref_seeds, recorded_versions, resolve_nodes,
};

/// The shortest prefix accepted, like git's abbreviated ids.
pub const MIN_PREFIX: usize = 4;

/// A parsed REF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefSpec {
    /// A full 64-hex id.
    Id(RecordId),
    /// A 4..63 hex prefix.
    Prefix(String),
    /// `name:NAME`.
    Name(String),
    /// `blake3:<hex>`: an artifact by content.
    Hash(ContentHash),
    /// `sha256:<hex>`, `md5:<hex>`, …: a large-file pointer by its tool's
    /// digest (docs/pointers.md).
    Digest(crate::pointer::PointerDigest),
    /// A URI, optionally with `@version`.
    Uri {
        /// The URI.
        uri: String,
        /// The version after `@`.
        version: Option<String>,
    },
    /// `commit:REV`.
    Commit(String),
    /// `model:NAME@STAGE` or `model:NAME@vN`: a registered model version
    /// (its artifact in the graph; its producing record where a record is needed).
    Model {
        /// The model name.
        name: String,
        /// The version or stage.
        selector: crate::registry::model::Selector,
    },
    /// A path, optionally `path@REV` (decided at resolution: an existing
    /// path containing `@` is taken as a path).
    Path(String),
}

/// Why an artifact or commit REF matched nothing in the lineage graph.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unmatched {
    /// A `model:` version whose artifact is not in the graph read.
    ModelArtifact,
    /// A `blake3:` hash no record read or wrote.
    Hash,
    /// A URI (at a version) no record lists.
    Uri,
    /// A commit no record was made from (or, with `descendants`, from it or
    /// a later one).
    Commit {
        /// Whether later commits were included.
        descendants: bool,
    },
    /// An artifact some record read but none wrote.
    OnlyRead,
    /// A commit range (`commit:X..Y`) no record was made from.
    CommitRange {
        /// What the range starts from, as given.
        from: String,
        /// The commit it stops before.
        until: String,
    },
    /// A path with `--recorded` that no record lists.
    NeverRecorded,
    /// A path whose current bytes no record lists.
    Path {
        /// Its repository-relative path.
        rel: String,
        /// The versions of it that are recorded (graph keys), maybe none.
        recorded: Vec<String>,
    },
}

/// Why a REF did not resolve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RefError {
    /// Not a form this version understands.
    #[error("'{0}' is not a REF")]
    Malformed(String),
    /// A hex prefix shorter than [`MIN_PREFIX`].
    #[error("'{0}' is too short: give at least {MIN_PREFIX} hex digits of a record id")]
    TooShort(String),
    /// Nothing matched.
    #[error("no record matches '{0}'")]
    NotFound(String),
    /// More than one record matched a prefix.
    #[error("'{prefix}' is ambiguous: it matches {}", candidates.iter().map(|c| c.short()).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        /// The prefix.
        prefix: String,
        /// Every matching id.
        candidates: Vec<RecordId>,
    },
    /// A REF that names an artifact or a commit where a record is needed.
    #[error("'{0}' names an artifact (a path, hash or URI) or a commit, not a record")]
    NotARecord(String),
    /// A `model:` REF that names no registered version.
    #[error("'{text}': {source}")]
    Model {
        /// The REF as given.
        text: String,
        /// Why it did not resolve.
        source: crate::registry::model::RegistryError,
    },
    /// Nothing in the lineage graph matches an artifact or commit REF.
    #[error("{what} is not in the lineage graph")]
    NotInGraph {
        /// What was looked for, in words.
        what: String,
        /// Why nothing matched, for the hint.
        why: Unmatched,
    },
    /// A path that is neither in the worktree nor `path@REV`.
    #[error("'{0}': no such file or directory, and not PATH@REV")]
    NoSuchPath(String),
    /// Hashing a path's current content failed.
    #[error("'{spec}' cannot be hashed: {source}")]
    Hash {
        /// The path.
        spec: String,
        /// Why.
        source: HashError,
    },
    /// A revision in `commit:REV` or `path@REV` did not resolve, or the path
    /// is not in that revision.
    #[error(transparent)]
    Revision(#[from] HistoryError),
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The config's ignore globs do not compile.
    #[error("{}: {problem}", path.display())]
    Config {
        /// The config file.
        path: std::path::PathBuf,
        /// What is wrong.
        problem: crate::config::ConfigError,
    },
    /// A path REF cannot be made repository-relative.
    #[error("{0}")]
    Path(crate::repo::RepoError),
    /// A REF qualified by a lineage remote (`NAME:REF`) in a form that
    /// names nothing in particular in another repository (a path or a
    /// commit).
    #[error(
        "'{remote}:{text}': only a record id, prefix, name:NAME or model:NAME@STAGE can be qualified by a remote"
    )]
    NotQualifiable {
        /// The remote.
        remote: String,
        /// The REF after the qualifier.
        text: String,
    },
    /// `NAME:REF` where NAME could name a lineage remote but none is
    /// declared by that name, and the text names nothing else either.
    #[error(
        "'{text}': no lineage remote '{remote}' is declared in .lineage/config.yaml (declared: {}), and no file or record matches it",
        if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
    )]
    UnknownRemote {
        /// The name before the `:`.
        remote: String,
        /// The REF as given.
        text: String,
        /// The remotes that are declared.
        declared: Vec<String>,
    },
}

/// The REF keywords: `NAME:` with one of these names keeps its meaning
/// even when a lineage remote has that name.
const KEYWORDS: [&str; 9] = [
    "name", "commit", "model", "blake3", "sha256", "sha512", "sha1", "md5", "sha224",
];

/// `(remote, rest)` when `text` is `NAME:REF` with NAME a lineage remote
/// (`is_remote` says which names are declared): the REF resolved within
/// that repository's fetched history ([`resolve_in_remote`]). A REF
/// keyword (`name:`, `model:`, `blake3:`, …) and a URI (`NAME://…`) are
/// never a qualifier.
pub fn split_remote(text: &str, is_remote: impl Fn(&str) -> bool) -> Option<(&str, &str)> {
    let (remote, rest) = text.split_once(':')?;
    (!is_keyword(remote) && !rest.is_empty() && !rest.starts_with("//") && is_remote(remote))
        .then_some((remote, rest))
}

/// Whether `NAME:` begins a REF of its own (`name:`, `model:`, `blake3:`,
/// a digest algorithm), so a lineage remote called NAME could never be
/// named as a qualifier.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name) || name == "sha384"
}

/// Resolve the record REF `spec` within lineage remote `remote`'s fetched
/// history only (`refs/lineage/<remote>/…`, not this repository's): an
/// id, a prefix, `name:` or `model:NAME@STAGE` (that repository's
/// registry). Other forms are refused: a hash or URI is the same node in
/// every repository and needs no qualifier.
pub fn resolve_in_remote(repo: &Repo, remote: &str, spec: &RefSpec) -> Result<RecordId, RefError> {
    let history = remote_history(repo, remote, spec)?;
    resolve_in(&history, remote, spec)
}

/// Lineage remote `remote`'s fetched history, for a qualified `spec`
/// (refused unless it is a record form).
fn remote_history(repo: &Repo, remote: &str, spec: &RefSpec) -> Result<History, RefError> {
    qualifiable(remote, spec)?;
    let options = crate::history::HistoryOptions {
        revisions: crate::history::Revisions::remote_only(remote),
        worktree: false,
        use_index: true,
    };
    Ok(History::load(repo, &options)?)
}

/// Refuse a `spec` that cannot be qualified by a remote: only record forms
/// (an id, a prefix, `name:`, `model:`) name something in its history.
fn qualifiable(remote: &str, spec: &RefSpec) -> Result<(), RefError> {
    match spec {
        RefSpec::Id(_) | RefSpec::Prefix(_) | RefSpec::Name(_) | RefSpec::Model { .. } => Ok(()),
        _ => Err(RefError::NotQualifiable {
            remote: remote.to_string(),
            text: display(spec),
        }),
    }
}

/// Resolve a qualified `spec` in `history`, lineage remote `remote`'s as
/// the caller loaded it ([`crate::history::Revisions::remote_only`]),
/// naming the remote when nothing matches: [`resolve_in_remote`] for a
/// caller that needs that history anyway.
pub fn resolve_in(history: &History, remote: &str, spec: &RefSpec) -> Result<RecordId, RefError> {
    qualifiable(remote, spec)?;
    resolve_record(history, spec).map_err(|e| match e {
        RefError::NotFound(text) => RefError::NotFound(format!("{remote}:{text}")),
        other => other,
    })
}

/// What `record --ref` resolved a REF to: a record of this repository,
/// or one of a lineage remote's (`REMOTE:REF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A record of this repository (`references:`).
    Local(RecordId),
    /// A record of another repository (`imports:`).
    Foreign(ForeignReference),
}

/// [`resolve_reference`], and `REMOTE:REF` with REMOTE a lineage remote
/// `config` declares: REF resolved within that remote's fetched history
/// ([`resolve_in_remote`]) to a foreign reference naming the remote, its
/// URL (credentials, query and fragment removed) and the commit that
/// introduced the record. A text that looks qualified by a remote that is
/// not declared, and names nothing else, is [`RefError::UnknownRemote`].
pub fn resolve_any_reference(
    repo: &Repo,
    store: &Store,
    config: &crate::config::Config,
    text: &str,
    cwd: &Path,
) -> Result<Reference, RefError> {
    if let Some((remote, rest)) = split_remote(text, |name| config.remotes.contains_key(name)) {
        let url = config
            .remotes
            .get(remote)
            .map(|r| crate::repo::public_url(&r.url))
            .unwrap_or_default();
        return foreign_reference(repo, remote, &parse(rest)?, url).map(Reference::Foreign);
    }
    match resolve_reference(repo, store, text, cwd) {
        Ok(id) => Ok(Reference::Local(id)),
        Err(RefError::NoSuchPath(_) | RefError::NotInGraph { .. } | RefError::NotFound(_))
            if looks_qualified(text) =>
        {
            Err(unknown_remote(text, config)
                .unwrap_or_else(|| RefError::NotFound(text.to_string())))
        }
        Err(e) => Err(e),
    }
}

/// The record REF `spec` names in lineage source `remote`'s fetched
/// history ([`resolve_in_remote`]), as a foreign reference with the commit
/// that introduced it there and `url` (the remote's URL, credentials
/// removed).
pub fn foreign_reference(
    repo: &Repo,
    remote: &str,
    spec: &RefSpec,
    url: String,
) -> Result<ForeignReference, RefError> {
    let history = remote_history(repo, remote, spec)?;
    let record = resolve_in(&history, remote, spec)?;
    let commit = history
        .get(&record)
        .and_then(|e| e.commit.as_ref())
        .map(|c| c.id.clone());
    Ok(ForeignReference {
        repository: remote.to_string(),
        url,
        record,
        commit,
    })
}

/// [`RefError::UnknownRemote`] when `text` has the shape `NAME:REF` of a
/// REF qualified by a lineage remote (NAME not a REF keyword), for a caller
/// that found nothing else it names; `None` for any other text.
pub fn unknown_remote(text: &str, config: &crate::config::Config) -> Option<RefError> {
    let (remote, _) = text.split_once(':').filter(|_| looks_qualified(text))?;
    Some(RefError::UnknownRemote {
        remote: remote.to_string(),
        text: text.to_string(),
        declared: config.remotes.keys().cloned().collect(),
    })
}

/// Whether `text` has the shape `NAME:REF` with NAME a possible lineage
/// remote name (not a REF keyword, not `scheme://`).
fn looks_qualified(text: &str) -> bool {
    text.split_once(':').is_some_and(|(name, rest)| {
        crate::record::is_remote_name(name)
            && !is_keyword(name)
            && !rest.is_empty()
            && !rest.starts_with("//")
    })
}

/// Parse a REF's text.
pub fn parse(text: &str) -> Result<RefSpec, RefError> {
    // A remote qualifier (`NAME:REF`) is split off by the caller, which
    // knows the declared remotes ([`split_remote`]).
    let non_empty = |rest: &str| {
        if rest.is_empty() {
            Err(RefError::Malformed(text.into()))
        } else {
            Ok(rest.to_string())
        }
    };
    if let Some(name) = text.strip_prefix("name:") {
        return non_empty(name).map(RefSpec::Name);
    }
    if let Some(rev) = text.strip_prefix("commit:") {
        return non_empty(rev).map(RefSpec::Commit);
    }
    if let Some(rest) = text.strip_prefix("model:") {
        return crate::registry::model::parse_selector(rest)
            .map(|(name, selector)| RefSpec::Model { name, selector })
            .map_err(|_| RefError::Malformed(text.into()));
    }
    if let Some(hex) = text.strip_prefix("blake3:") {
        return ContentHash::from_hex(hex)
            .map(RefSpec::Hash)
            .ok_or_else(|| RefError::Malformed(text.into()));
    }
    if let Some((algo, _)) = text.split_once(':')
        && matches!(
            algo,
            "sha256" | "sha512" | "sha1" | "md5" | "sha224" | "sha384"
        )
    {
        return crate::pointer::PointerDigest::parse(text)
            .map(RefSpec::Digest)
            .ok_or_else(|| RefError::Malformed(text.into()));
    }
    if crate::record::is_uri(text) {
        let (uri, version) = crate::record::split_version(text);
        return Ok(RefSpec::Uri {
            uri: uri.to_string(),
            version: version.map(str::to_string),
        });
    }
    if text.is_empty() {
        return Err(RefError::Malformed(text.into()));
    }
    if !crate::hash::is_lower_hex(text) || text.len() > 64 {
        return Ok(RefSpec::Path(text.into()));
    }
    match text.len() {
        64 => Ok(RefSpec::Id(
            RecordId::parse(text).ok_or_else(|| RefError::Malformed(text.into()))?,
        )),
        n if n < MIN_PREFIX => Err(RefError::TooShort(text.into())),
        _ => Ok(RefSpec::Prefix(text.into())),
    }
}

/// The one id among `candidates` (the ids starting with `prefix`).
fn unique(prefix: &str, candidates: Vec<RecordId>) -> Result<RecordId, RefError> {
    let mut candidates = candidates;
    match candidates.len() {
        0 => Err(RefError::NotFound(prefix.into())),
        1 => candidates
            .pop()
            .ok_or_else(|| RefError::NotFound(prefix.into())),
        _ => Err(RefError::Ambiguous {
            prefix: prefix.into(),
            candidates,
        }),
    }
}

/// Resolve a record REF against the worktree's records.
pub fn resolve(store: &Store, spec: &RefSpec) -> Result<RecordId, RefError> {
    match spec {
        RefSpec::Id(id) => {
            if store.record_path(id).is_file() {
                Ok(id.clone())
            } else {
                Err(RefError::NotFound(id.to_string()))
            }
        }
        RefSpec::Prefix(prefix) => unique(prefix, store.ids_with_prefix(prefix)?),
        RefSpec::Name(text) => named_in_store(store, text).map(|choice| choice.id),
        // The registry is a fold over history, which the store alone does not have.
        RefSpec::Model { .. } => Err(RefError::NotFound(display(spec))),
        RefSpec::Path(_)
        | RefSpec::Hash(_)
        | RefSpec::Digest(_)
        | RefSpec::Uri { .. }
        | RefSpec::Commit(_) => Err(RefError::NotARecord(display(spec))),
    }
}

/// What a `name:` REF picked: the latest of `of` records it could mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameChoice {
    /// The record picked.
    pub id: RecordId,
    /// The record name matched.
    pub name: String,
    /// The kind given with `name:KIND/NAME`, if any.
    pub kind: Option<String>,
    /// How many records the REF could mean (the picked one included).
    pub of: usize,
    /// How many registry events of that name were passed over.
    pub registry_events: usize,
}

impl NameChoice {
    /// `latest of N records named X (see `log --name X`)` when there was a
    /// choice, for stderr.
    pub fn note(&self) -> Option<String> {
        (self.of > 1).then(|| {
            let kind = self
                .kind
                .as_ref()
                .map(|k| format!(" --kind {k}"))
                .unwrap_or_default();
            let of_kind = self
                .kind
                .as_ref()
                .map(|k| format!("{k} "))
                .unwrap_or_default();
            let skipped = match self.registry_events {
                0 => String::new(),
                n => format!(", not counting {n} registry event{}", if n == 1 { "" } else { "s" }),
            };
            format!(
                "note: latest of {} {of_kind}records named {}{skipped} (see `git lineage log --name {}{kind}`)",
                self.of, self.name, self.name
            )
        })
    }
}

/// Whether a record kind is a registry event (bookkeeping, not work).
pub fn is_registry_event(kind: &str) -> bool {
    kind.starts_with("registry-")
}

/// Pick what `name:TEXT` means among `(kind, name, recorded, id)` records.
///
/// `TEXT` is a record name when some record has exactly that name;
/// otherwise `KIND/NAME` names the records of that kind. Without a kind,
/// registry events (`registry-*`) are passed over unless the name has
/// nothing else. The latest by `recorded` wins (ties: the last given).
pub fn pick_named<'a>(
    text: &str,
    records: impl Iterator<Item = (&'a str, &'a str, crate::time::Timestamp, &'a RecordId)> + Clone,
) -> Result<NameChoice, RefError> {
    let by_name = records.clone().any(|(_, name, _, _)| name == text);
    let (kind, name) = match text.split_once('/') {
        Some((kind, name)) if !by_name && !kind.is_empty() && !name.is_empty() => {
            (Some(kind), name)
        }
        _ => (None, text),
    };
    let of_name = records.filter(|(_, n, _, _)| *n == name);
    let mut registry_events = 0;
    let chosen: Vec<_> = match kind {
        Some(kind) => of_name.filter(|(k, _, _, _)| *k == kind).collect(),
        None => {
            let all: Vec<_> = of_name.collect();
            let work: Vec<_> = all
                .iter()
                .filter(|(k, _, _, _)| !is_registry_event(k))
                .copied()
                .collect();
            if work.is_empty() {
                all
            } else {
                registry_events = all.len() - work.len();
                work
            }
        }
    };
    let mut best: Option<(crate::time::Timestamp, &RecordId)> = None;
    for (_, _, recorded, id) in &chosen {
        if best.is_none_or(|(t, _)| *recorded >= t) {
            best = Some((*recorded, id));
        }
    }
    best.map(|(_, id)| NameChoice {
        id: id.clone(),
        name: name.to_string(),
        kind: kind.map(str::to_string),
        of: chosen.len(),
        registry_events,
    })
    .ok_or_else(|| RefError::NotFound(format!("name:{text}")))
}

/// [`pick_named`] over the worktree's record files.
pub fn named_in_store(store: &Store, text: &str) -> Result<NameChoice, RefError> {
    let mut candidates = Vec::new();
    for id in store.ids()? {
        // Unreadable records are `verify`'s business; skip them here.
        let Ok((_, record)) = store.read(&id) else {
            continue;
        };
        candidates.push((record.kind, record.name, record.recorded, id));
    }
    pick_named(
        text,
        candidates
            .iter()
            .map(|(kind, name, recorded, id)| (kind.as_str(), name.as_str(), *recorded, id)),
    )
}

/// [`pick_named`] over history (committed and uncommitted records).
pub fn named_in_history(history: &History, text: &str) -> Result<NameChoice, RefError> {
    pick_named(
        text,
        history.entries.iter().map(|e| {
            (
                e.summary.kind.as_str(),
                e.summary.name.as_str(),
                e.summary.recorded,
                &e.id,
            )
        }),
    )
}

/// The registered version a `model:` REF names.
pub(super) fn model_version(
    history: &History,
    spec: &RefSpec,
    name: &str,
    selector: &crate::registry::model::Selector,
) -> Result<crate::registry::model::Version, RefError> {
    crate::registry::model::Registry::from_history(history)
        .resolve(name, selector)
        .cloned()
        .map_err(|source| RefError::Model {
            text: display(spec),
            source,
        })
}

/// Parse and resolve a record REF in one step.
pub fn resolve_text(store: &Store, text: &str) -> Result<RecordId, RefError> {
    resolve(store, &parse(text)?)
}

/// Resolve a record REF against history (committed and uncommitted records).
pub fn resolve_record(history: &History, spec: &RefSpec) -> Result<RecordId, RefError> {
    match spec {
        RefSpec::Id(id) => history
            .get(id)
            .map(|e| e.id.clone())
            .ok_or_else(|| RefError::NotFound(id.to_string())),
        RefSpec::Prefix(prefix) => unique(prefix, history.ids_with_prefix(prefix)),
        RefSpec::Name(text) => named_in_history(history, text).map(|choice| choice.id),
        RefSpec::Model { name, selector } => {
            let version = model_version(history, spec, name, selector)?;
            // A producer of another repository (`register --from
            // REMOTE:REF`) that this history does not hold cannot be read
            // or referred to here: the version is its register event.
            Ok(version
                .produced_by
                .filter(|id| history.get(id).is_some())
                .unwrap_or(version.register))
        }
        _ => Err(RefError::NotARecord(display(spec))),
    }
}

/// Resolve any REF to one record, as `record --ref` needs: ids and
/// prefixes from the worktree's files first, then history; `name:` and
/// `model:` against history (HEAD's and the worktree's records); an
/// artifact form (path, `PATH@REV`, `blake3:`, URI) means the latest
/// record that **produced** that artifact. `commit:REV` names code, not one
/// record, and is refused.
pub fn resolve_reference(
    repo: &Repo,
    store: &Store,
    text: &str,
    cwd: &Path,
) -> Result<RecordId, RefError> {
    let spec = parse(text)?;
    if let Some(resolved) = resolve_reference_in_store(store, &spec) {
        return resolved;
    }
    let history = History::load(repo, &crate::history::HistoryOptions::default())?;
    let graph = Graph::build(&history.entries);
    resolve_reference_in(repo, &history, &graph, &spec, cwd)
}

/// The first step of [`resolve_reference`]: ids and prefixes found in the
/// worktree's files, and the refusal of `commit:`; `None` when history
/// decides.
pub fn resolve_reference_in_store(
    store: &Store,
    spec: &RefSpec,
) -> Option<Result<RecordId, RefError>> {
    if matches!(spec, RefSpec::Id(_) | RefSpec::Prefix(_)) {
        match resolve(store, spec) {
            Err(RefError::NotFound(_)) => {}
            other => return Some(other),
        }
    }
    if matches!(spec, RefSpec::Commit(_)) {
        return Some(Err(RefError::NotARecord(display(spec))));
    }
    None
}

/// The rest of [`resolve_reference`], over `history` and its `graph`.
pub fn resolve_reference_in(
    repo: &Repo,
    history: &History,
    graph: &Graph,
    spec: &RefSpec,
    cwd: &Path,
) -> Result<RecordId, RefError> {
    match spec {
        RefSpec::Id(_) | RefSpec::Prefix(_) | RefSpec::Name(_) | RefSpec::Model { .. } => {
            resolve_record(history, spec)
        }
        _ => {
            let starts = resolve_nodes(repo, history, graph, spec, cwd, NodeOptions::default())?;
            graph
                .edges()
                .filter(|(_, to, kind)| {
                    *kind == crate::graph::EdgeKind::Produced && starts.contains(to)
                })
                .filter_map(|(from, _, _)| match graph.get(from).key() {
                    NodeKey::Record(id) => history.get(&id),
                    _ => None,
                })
                .max_by_key(|entry| entry.summary.recorded)
                .map(|entry| entry.id.clone())
                .ok_or_else(|| RefError::NotInGraph {
                    what: format!("a record that produced '{}'", display(spec)),
                    why: Unmatched::OnlyRead,
                })
        }
    }
}

/// The REF as the user would write it.
pub(super) fn display(spec: &RefSpec) -> String {
    match spec {
        RefSpec::Id(id) => id.to_string(),
        RefSpec::Prefix(p) => p.clone(),
        RefSpec::Name(n) => format!("name:{n}"),
        RefSpec::Hash(h) => h.to_string(),
        RefSpec::Digest(d) => d.to_string(),
        RefSpec::Uri {
            uri,
            version: Some(v),
        } => format!("{uri}@{v}"),
        RefSpec::Uri { uri, version: None } => uri.clone(),
        RefSpec::Commit(rev) => format!("commit:{rev}"),
        RefSpec::Model {
            name,
            selector: crate::registry::model::Selector::Version(n),
        } => format!("model:{name}@v{n}"),
        RefSpec::Model {
            name,
            selector: crate::registry::model::Selector::Stage(stage),
        } => format!("model:{name}@{stage}"),
        RefSpec::Path(p) => p.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_qualifier_is_a_declared_name_and_never_a_keyword_or_scheme() {
        let declared = |name: &str| matches!(name, "features" | "s3" | "model");
        assert_eq!(
            split_remote("features:name:claims", declared),
            Some(("features", "name:claims"))
        );
        assert_eq!(
            split_remote("features:2c26", declared),
            Some(("features", "2c26"))
        );
        assert_eq!(split_remote("other:2c26", declared), None);
        assert_eq!(split_remote("s3://bucket/x", declared), None);
        assert_eq!(split_remote("model:fraud@production", declared), None);
        assert_eq!(split_remote("features:", declared), None);
        assert_eq!(split_remote("data/claims.csv", declared), None);
    }

    #[test]
    fn parses_the_forms() {
        assert_eq!(parse("abcd").unwrap(), RefSpec::Prefix("abcd".into()));
        assert_eq!(parse("name:fraud").unwrap(), RefSpec::Name("fraud".into()));
        assert!(matches!(parse(&"a".repeat(64)).unwrap(), RefSpec::Id(_)));
        assert!(matches!(parse("abc"), Err(RefError::TooShort(_))));
        assert!(matches!(parse("name:"), Err(RefError::Malformed(_))));
        assert!(matches!(parse("commit:"), Err(RefError::Malformed(_))));
        assert!(matches!(parse(""), Err(RefError::Malformed(_))));
        assert_eq!(
            parse("model:fraud@production").unwrap(),
            RefSpec::Model {
                name: "fraud".into(),
                selector: crate::registry::model::Selector::Stage("production".into())
            }
        );
        assert_eq!(
            parse("model:fraud@v3").unwrap(),
            RefSpec::Model {
                name: "fraud".into(),
                selector: crate::registry::model::Selector::Version(3)
            }
        );
        assert!(matches!(parse("model:fraud"), Err(RefError::Malformed(_))));
        assert_eq!(
            parse("commit:HEAD~2").unwrap(),
            RefSpec::Commit("HEAD~2".into())
        );
        let hash = ContentHash::of_bytes(b"x");
        assert_eq!(parse(&hash.to_string()).unwrap(), RefSpec::Hash(hash));
        assert!(matches!(parse("blake3:abcd"), Err(RefError::Malformed(_))));
        assert_eq!(
            parse("featurestore://claims@v3").unwrap(),
            RefSpec::Uri {
                uri: "featurestore://claims".into(),
                version: Some("v3".into())
            }
        );
        assert_eq!(
            parse("s3://bucket/key").unwrap(),
            RefSpec::Uri {
                uri: "s3://bucket/key".into(),
                version: None
            }
        );
        // Anything else is a path (upper-case hex, too long for an id, `./`).
        for path in ["ABCD", "./abcd", "data/train.csv@HEAD~1", &"a".repeat(65)] {
            assert_eq!(parse(path).unwrap(), RefSpec::Path(path.to_string()));
        }
    }

    #[test]
    fn names_prefer_work_over_registry_events_and_take_a_kind() {
        let t = |s: &str| crate::time::Timestamp::parse(s).unwrap();
        let ids: Vec<RecordId> = (0..4)
            .map(|i| RecordId::of_bytes(format!("{i}").as_bytes()))
            .collect();
        let records = [
            ("train", "m", t("2026-01-01T00:00:00Z"), &ids[0]),
            ("train", "m", t("2026-01-02T00:00:00Z"), &ids[1]),
            ("registry-promote", "m", t("2026-01-03T00:00:00Z"), &ids[2]),
            (
                "registry-register",
                "only-events",
                t("2026-01-01T00:00:00Z"),
                &ids[3],
            ),
        ];
        let pick = |text: &str| pick_named(text, records.iter().copied());
        let m = pick("m").unwrap();
        assert_eq!(
            (m.id.clone(), m.of, m.registry_events),
            (ids[1].clone(), 2, 1)
        );
        assert_eq!(
            m.note().as_deref(),
            Some(
                "note: latest of 2 records named m, not counting 1 registry event (see `git lineage log --name m`)"
            )
        );
        let promote = pick("registry-promote/m").unwrap();
        assert_eq!((promote.id, promote.of), (ids[2].clone(), 1));
        assert_eq!(promote.kind.as_deref(), Some("registry-promote"));
        // A name with only registry events means the latest of those.
        assert_eq!(pick("only-events").unwrap().id, ids[3]);
        assert!(matches!(pick("deploy/m"), Err(RefError::NotFound(_))));
        assert!(matches!(pick("nope"), Err(RefError::NotFound(_))));
        // A record literally named `a/b` is found by that name.
        let slashed = [("train", "a/b", t("2026-01-01T00:00:00Z"), &ids[0])];
        let found = pick_named("a/b", slashed.iter().copied()).unwrap();
        assert_eq!((found.id, found.kind), (ids[0].clone(), None));
    }

    #[test]
    fn prefixes_resolve_uniquely_or_list_candidates() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let shard = store.records_dir().join("ab");
        std::fs::create_dir_all(&shard).unwrap();
        let one = format!("abcd{}", "1".repeat(60));
        let two = format!("abcd{}", "2".repeat(60));
        for id in [&one, &two] {
            std::fs::write(shard.join(format!("{id}.yaml")), b"x").unwrap();
        }
        assert_eq!(resolve_text(&store, &one[..5]).unwrap().as_str(), one);
        match resolve_text(&store, "abcd") {
            Err(RefError::Ambiguous { candidates, .. }) => assert_eq!(candidates.len(), 2),
            other => panic!("expected ambiguity, got {other:?}"),
        }
        assert!(matches!(
            resolve_text(&store, "ffff"),
            Err(RefError::NotFound(_))
        ));
        assert!(matches!(
            resolve_text(&store, &"f".repeat(64)),
            Err(RefError::NotFound(_))
        ));
    }
}

/// Deterministic property pass over the REF grammar (the long runs are the
/// `refspec` fuzz target, docs/testing.md).
#[cfg(test)]
mod grammar_properties {
    use super::*;

    #[test]
    fn any_text_parses_or_is_refused_and_64_hex_is_an_id() {
        let mut rng = crate::hash::test_rng::Rng(0x4ef);
        let pieces = [
            "name:", "commit:", "model:", "blake3:", "s3://", "://", "@", "@v", "@v0", "@v1", "/",
            ".", "a", "0", "f", "é", " ", "\n", "\u{0}", "~", "^",
        ];
        for _ in 0..5000 {
            let text: String = (0..rng.below(10))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            // Any result is fine; a panic fails the test.
            let _ = parse(&text);
            let hex: String = (0..64)
                .map(|_| char::from(b"0123456789abcdef"[rng.below(16)]))
                .collect();
            assert!(matches!(parse(&hex), Ok(RefSpec::Id(_))), "{hex}");
            let short = &hex[..rng.below(64)];
            match parse(short) {
                Ok(RefSpec::Prefix(p)) => assert!(p.len() >= MIN_PREFIX && p == short),
                Err(RefError::TooShort(_)) => assert!(short.len() < MIN_PREFIX),
                Err(RefError::Malformed(_)) => assert!(short.is_empty()),
                other => panic!("{short:?}: {other:?}"),
            }
        }
    }
}
