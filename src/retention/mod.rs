//! Retention: `drop` records (tombstones) naming artifacts whose bytes were
//! deleted, the policy `gc` applies (`retention:` in `.lineage/config.yaml`)
//! and the storage totals `du` prints. Records are never deleted: a dropped
//! artifact keeps its node in the graph and is reported `dropped by <id>`.

pub mod model;
pub mod render;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::capture::Recorded;
use crate::config::Config;
use crate::graph::{ArtifactKey, Direction, Graph, Node, NodeKey, TraverseOptions};
use crate::hash::ContentHash;
use crate::history::{History, HistoryOptions};
use crate::params::{Value, ValueMap};
use crate::record::{Artifact, RecordId};
use crate::registry::Registry;
use crate::repo::Repo;
use crate::store::Store;
use crate::time::Timestamp;
use crate::verify::{LatestRecordings, local_path};
use crate::{Error, Result};

pub use model::{
    DROP, DROPPED_ROLE, EXPIRE, Expirations, RetentionError, Tombstones, is_retention_kind,
};

/// `drop REF… --reason TEXT`.
#[derive(Debug, Clone, Default)]
pub struct DropRequest {
    /// What to drop: artifact REFs, or records (their outputs).
    pub refs: Vec<String>,
    /// Why (required).
    pub reason: String,
    /// Where the bytes were deleted from (`local` by default).
    pub from: Option<String>,
    /// Also delete the local files that still hold the dropped bytes.
    pub delete_local: bool,
    /// The directory relative paths are resolved against.
    pub cwd: PathBuf,
}

/// One artifact a tombstone names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedArtifact {
    /// Its path or URI.
    pub locator: String,
    /// Its content hash.
    pub hash: ContentHash,
    /// Its size in bytes, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// What `drop` (and `gc --apply`) did.
#[derive(Debug, Clone, Serialize)]
pub struct Dropped {
    /// The tombstone's id.
    pub id: RecordId,
    /// Its worktree-relative path.
    pub path: String,
    /// The commit that added it, with `--commit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The artifacts it names.
    pub artifacts: Vec<DroppedArtifact>,
    /// Local files deleted (`--delete-local`).
    pub deleted: Vec<String>,
}

/// How a tombstone is written.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Commit the tombstone to the current branch.
    pub commit: bool,
    /// How to commit (hooks, signing).
    pub commit_options: crate::commit::CommitOptions,
}

/// What is loaded once for every retention command.
struct Loaded {
    history: History,
    graph: Graph,
    config: Config,
    store: Store,
}

impl Loaded {
    fn new(repo: &Repo) -> Result<Loaded> {
        let history = History::load(repo, &HistoryOptions::default())?;
        crate::history::trace_mark("history loaded");
        let graph = Graph::build(&history.entries);
        crate::history::trace_mark("graph built");
        let store = Store::new(repo.root());
        let config = store.config()?;
        Ok(Loaded {
            history,
            graph,
            config,
            store,
        })
    }
}

/// Write a tombstone for the artifacts `request.refs` name.
pub fn drop_artifacts(
    repo: &Repo,
    request: &DropRequest,
    options: &WriteOptions,
) -> Result<Dropped> {
    if request.reason.trim().is_empty() {
        return Err(RetentionError::NoReason("drop").into());
    }
    let loaded = Loaded::new(repo)?;
    let mut chosen: BTreeMap<ContentHash, Artifact> = BTreeMap::new();
    for text in &request.refs {
        let spec = crate::refspec::parse(text)?;
        let nodes = crate::refspec::resolve_nodes(
            repo,
            &loaded.history,
            &loaded.graph,
            &spec,
            &request.cwd,
            crate::refspec::NodeOptions::default(),
        )?;
        let mut found = false;
        for node in nodes {
            match loaded.graph.get(node) {
                Node::Artifact(a) => {
                    if let (Some(hash), Some(artifact)) = (a.hash, artifact_of_node(a)) {
                        found = true;
                        chosen.entry(hash).or_insert(artifact);
                    }
                }
                Node::Record(r) => {
                    if let Some(entry) = loaded.history.get(&r.id) {
                        entry.summary.with_links(|s| {
                            for output in &s.outputs {
                                if let Some(hash) = output.hash {
                                    found = true;
                                    chosen.entry(hash).or_insert_with(|| bare(output));
                                }
                            }
                        });
                    }
                }
                Node::Commit(_) => {
                    return Err(RetentionError::NotAnArtifact { spec: text.clone() }.into());
                }
            }
        }
        if !found {
            return Err(RetentionError::NoHash { spec: text.clone() }.into());
        }
    }
    let protection = Protection::of(&loaded)?;
    for (hash, artifact) in &chosen {
        if let Some(rule) = protection.protects(hash) {
            return Err(RetentionError::Protected {
                locator: artifact.locator().to_string(),
                hash: *hash,
                rule,
            }
            .into());
        }
    }
    let artifacts: Vec<Artifact> = chosen.into_values().collect();
    write_tombstone(
        repo,
        &loaded,
        "manual",
        request.reason.trim(),
        request.from.as_deref().unwrap_or("local"),
        None,
        artifacts,
        request.delete_local,
        options,
    )
}

/// The artifact a graph node stands for, when it has a hash.
fn artifact_of_node(node: &crate::graph::ArtifactNode) -> Option<Artifact> {
    let hash = node.hash?;
    let (path, uri) = match node.paths.first() {
        Some(path) => (Some(path.clone()), None),
        None => (None, node.uris.first().cloned()),
    };
    Some(Artifact {
        path,
        uri,
        role: Some(DROPPED_ROLE.into()),
        hash: Some(hash),
        size: node.size,
        ..Artifact::default()
    })
}

/// An artifact as a tombstone names it: where, which bytes, how big.
fn bare(artifact: &Artifact) -> Artifact {
    Artifact {
        path: artifact.path.clone(),
        uri: artifact.uri.clone(),
        role: Some(DROPPED_ROLE.into()),
        version: None,
        hash: artifact.hash,
        size: artifact.size,
        files: artifact.files,
        pointer: artifact.pointer.clone(),
        locations: artifact.locations.clone(),
        profile: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn write_tombstone(
    repo: &Repo,
    loaded: &Loaded,
    policy: &str,
    reason: &str,
    from: &str,
    rules: Option<String>,
    artifacts: Vec<Artifact>,
    delete_local: bool,
    options: &WriteOptions,
) -> Result<Dropped> {
    // The records that produced the dropped bytes, so the tombstone links to them.
    let hashes: BTreeSet<ContentHash> = artifacts.iter().filter_map(|a| a.hash).collect();
    let mut references = Vec::new();
    for entry in &loaded.history.entries {
        if is_retention_kind(&entry.summary.kind) {
            continue;
        }
        let produced = entry.summary.with_links(|s| {
            s.outputs
                .iter()
                .any(|o| o.hash.is_some_and(|h| hashes.contains(&h)))
        });
        if produced && !references.contains(&entry.id) {
            references.push(entry.id.clone());
        }
    }
    let mut deleted = Vec::new();
    if delete_local {
        deleted = delete_local_files(repo, &loaded.store, &artifacts)?;
    }
    let mut params = ValueMap::new();
    params.insert("reason".into(), Value::String(reason.to_string()));
    params.insert("from".into(), Value::String(from.to_string()));
    params.insert("policy".into(), Value::String(policy.to_string()));
    if let Some(rules) = rules {
        params.insert("rules".into(), Value::String(rules));
    }
    if !deleted.is_empty() {
        params.insert("deleted-local".into(), Value::Int(deleted.len() as i64));
    }
    let record = crate::capture::action_record(
        repo,
        DROP,
        policy,
        repo.identity()?,
        params,
        artifacts,
        references,
    )?;
    let Recorded {
        id,
        path,
        commit,
        record,
        ..
    } = crate::capture::store_record(
        repo,
        &loaded.store,
        record,
        options.commit.then_some(&options.commit_options),
    )?;
    Ok(Dropped {
        id,
        path,
        commit,
        artifacts: record
            .inputs
            .iter()
            .filter_map(|a| {
                Some(DroppedArtifact {
                    locator: a.locator().to_string(),
                    hash: a.hash?,
                    size: a.size,
                })
            })
            .collect(),
        deleted,
    })
}

/// Delete the local files and directories that still hold exactly the
/// dropped bytes (anything else at the path is left alone).
fn delete_local_files(repo: &Repo, store: &Store, artifacts: &[Artifact]) -> Result<Vec<String>> {
    let ctx = crate::capture::Context::new(repo)?;
    let mut deleted = Vec::new();
    for artifact in artifacts {
        let (Some(hash), Some(path)) = (artifact.hash, local_path(store, artifact)) else {
            continue;
        };
        let Ok(digest) = ctx.hasher().hash_path(&path) else {
            continue;
        };
        if digest.hash() != hash {
            continue;
        }
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|source| Error::Io {
            action: "delete",
            path: path.clone(),
            source,
        })?;
        deleted.push(artifact.locator().to_string());
    }
    Ok(deleted)
}

/// What the policy always keeps: the artifacts of registry versions in an
/// active stage and everything upstream of them.
struct Protection {
    by_hash: HashMap<ContentHash, String>,
}

impl Protection {
    fn of(loaded: &Loaded) -> Result<Protection> {
        let registry = Registry::from_history(&loaded.history);
        let inactive = &loaded.config.retention.inactive_stages;
        let mut by_hash = HashMap::new();
        for model in registry.models.values() {
            for (stage, holder) in &model.stages {
                if inactive.contains(stage) {
                    continue;
                }
                let Some(version) = holder.current.and_then(|n| model.versions.get(&n)) else {
                    continue;
                };
                let Some(hash) = version.artifact else {
                    continue;
                };
                let label = format!("{}@v{} ({stage})", model.name, version.number);
                by_hash
                    .entry(hash)
                    .or_insert_with(|| format!("it is the artifact of {label}"));
                let Some(start) = loaded
                    .graph
                    .node(&NodeKey::Artifact(ArtifactKey::Hash(hash)))
                else {
                    continue;
                };
                let upstream = loaded
                    .graph
                    .traverse(&[start], &TraverseOptions::new(Direction::Up));
                for node in &upstream.nodes {
                    if let Node::Artifact(a) = &node.node
                        && let Some(h) = a.hash
                    {
                        by_hash
                            .entry(h)
                            .or_insert_with(|| format!("it is upstream of {label}"));
                    }
                }
            }
        }
        Ok(Protection { by_hash })
    }

    fn protects(&self, hash: &ContentHash) -> Option<String> {
        self.by_hash.get(hash).cloned()
    }
}

/// Where an artifact's bytes are, as `du` and `gc` count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// The latest recording of its path, and the path exists.
    Present,
    /// Not in the worktree (overwritten or deleted), and no tombstone.
    Absent,
    /// A tombstone names it and its bytes are not in the worktree.
    Dropped,
    /// An external URI (not `file://`): its bytes live elsewhere.
    External,
}

/// Artifacts and bytes in one state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// How many distinct artifacts.
    pub artifacts: usize,
    /// Their recorded sizes added up.
    pub bytes: u64,
}

/// Totals split by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Bytes in the worktree now.
    pub present: Tally,
    /// Bytes recorded but no longer in the worktree, with no tombstone.
    pub absent: Tally,
    /// Bytes a tombstone says were deleted.
    pub dropped: Tally,
    /// External URIs.
    pub external: Tally,
}

impl Totals {
    fn add(&mut self, state: State, size: u64) {
        let tally = match state {
            State::Present => &mut self.present,
            State::Absent => &mut self.absent,
            State::Dropped => &mut self.dropped,
            State::External => &mut self.external,
        };
        tally.artifacts += 1;
        tally.bytes += size;
    }
}

/// One row of a `du` breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The kind, name, path prefix or age bucket.
    pub key: String,
    /// Its totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// What `du` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DuReport {
    /// Everything counted.
    pub total: Totals,
    /// By the kind of the record that produced it (or first read it).
    pub by_kind: Vec<Row>,
    /// By that record's name.
    pub by_name: Vec<Row>,
    /// By the first directory of its path (`(uri)` for URIs).
    pub by_prefix: Vec<Row>,
    /// By how long ago it was last recorded.
    pub by_age: Vec<Row>,
}

/// One recorded artifact (distinct content), as `du` and `gc` see it.
#[derive(Debug, Clone)]
struct Seen {
    artifact: Artifact,
    kind: String,
    name: String,
    /// Produced by some record (else only read).
    produced: bool,
    /// The last time a record mentioned it.
    last: Timestamp,
    state: State,
    dropped_by: Option<RecordId>,
    /// Records that read it.
    readers: BTreeSet<RecordId>,
    /// Every path and URI it was recorded at.
    locators: BTreeSet<String>,
}

/// Every distinct recorded artifact with a key, in first-seen order.
fn survey(loaded: &Loaded, only: Option<&BTreeSet<ArtifactKey>>) -> Vec<Seen> {
    let stones = Tombstones::of_entries(&loaded.history.entries);
    let mut latest = LatestRecordings::default();
    let mut seen: Vec<Seen> = Vec::new();
    let mut index: HashMap<ArtifactKey, usize> = HashMap::new();
    for (position, entry) in loaded.history.entries.iter().enumerate() {
        if is_retention_kind(&entry.summary.kind) {
            continue;
        }
        let recorded = entry.summary.recorded;
        entry.summary.with_links(|s| {
            latest.add(&loaded.store, (recorded, position), &s.inputs, &s.outputs);
            let sides = s.inputs.iter().map(|a| (a, false));
            for (artifact, produced) in sides.chain(s.outputs.iter().map(|a| (a, true))) {
                let Some(key) = ArtifactKey::of(artifact) else {
                    continue;
                };
                if only.is_some_and(|keys| !keys.contains(&key)) {
                    continue;
                }
                let at = *index.entry(key).or_insert_with(|| {
                    seen.push(Seen {
                        artifact: artifact.clone(),
                        kind: entry.summary.kind.clone(),
                        name: entry.summary.name.clone(),
                        produced,
                        last: recorded,
                        state: State::Absent,
                        dropped_by: None,
                        readers: BTreeSet::new(),
                        locators: BTreeSet::new(),
                    });
                    seen.len() - 1
                });
                let item = &mut seen[at];
                if produced && !item.produced {
                    item.produced = true;
                    item.kind = entry.summary.kind.clone();
                    item.name = entry.summary.name.clone();
                }
                if !produced {
                    item.readers.insert(entry.id.clone());
                }
                item.last = item.last.max(recorded);
                item.locators.insert(artifact.locator().to_string());
                if item.artifact.size.is_none() {
                    item.artifact.size = artifact.size;
                }
            }
        });
    }
    for item in &mut seen {
        let local = local_path(&loaded.store, &item.artifact);
        let present = match (&local, item.artifact.hash) {
            (Some(path), Some(hash)) => {
                latest.get(path).is_some_and(|l| l.hash == Some(hash)) && path.exists()
            }
            _ => false,
        };
        item.dropped_by = item
            .artifact
            .hash
            .and_then(|h| stones.dropped_by(&h).cloned());
        item.state = if local.is_none() {
            State::External
        } else if present {
            State::Present
        } else if item.dropped_by.is_some() {
            State::Dropped
        } else {
            State::Absent
        };
    }
    seen
}

fn prefix_of(artifact: &Artifact) -> String {
    match &artifact.path {
        Some(path) => match path.split_once('/') {
            Some((dir, _)) => format!("{dir}/"),
            None => path.clone(),
        },
        None => "(uri)".to_string(),
    }
}

fn age_bucket(last: Timestamp, now: Timestamp) -> &'static str {
    const DAY: i64 = 86_400_000_000;
    let days = (now.unix_micros() - last.unix_micros()) / DAY;
    match days {
        ..7 => "< 1 week",
        7..30 => "1 week - 1 month",
        30..365 => "1 month - 1 year",
        _ => ">= 1 year",
    }
}

fn du_of(seen: &[&Seen], now: Timestamp) -> DuReport {
    let mut report = DuReport::default();
    let mut kinds: BTreeMap<String, Totals> = BTreeMap::new();
    let mut names: BTreeMap<String, Totals> = BTreeMap::new();
    let mut prefixes: BTreeMap<String, Totals> = BTreeMap::new();
    let mut ages: BTreeMap<&'static str, Totals> = BTreeMap::new();
    for item in seen {
        let size = item.artifact.size.unwrap_or(0);
        report.total.add(item.state, size);
        kinds
            .entry(item.kind.clone())
            .or_default()
            .add(item.state, size);
        names
            .entry(item.name.clone())
            .or_default()
            .add(item.state, size);
        prefixes
            .entry(prefix_of(&item.artifact))
            .or_default()
            .add(item.state, size);
        ages.entry(age_bucket(item.last, now))
            .or_default()
            .add(item.state, size);
    }
    let rows = |map: BTreeMap<String, Totals>| {
        map.into_iter()
            .map(|(key, totals)| Row { key, totals })
            .collect::<Vec<_>>()
    };
    report.by_kind = rows(kinds);
    report.by_name = rows(names);
    report.by_prefix = rows(prefixes);
    let order = [
        "< 1 week",
        "1 week - 1 month",
        "1 month - 1 year",
        ">= 1 year",
    ];
    report.by_age = order
        .iter()
        .filter_map(|k| {
            ages.get(k).map(|totals| Row {
                key: k.to_string(),
                totals: *totals,
            })
        })
        .collect();
    report
}

/// The artifact keys `refs` name (a record: its inputs and outputs).
fn keys_of(
    repo: &Repo,
    loaded: &Loaded,
    refs: &[String],
    cwd: &Path,
) -> Result<BTreeSet<ArtifactKey>> {
    let mut keys = BTreeSet::new();
    for text in refs {
        let spec = crate::refspec::parse(text)?;
        let nodes = crate::refspec::resolve_nodes(
            repo,
            &loaded.history,
            &loaded.graph,
            &spec,
            cwd,
            crate::refspec::NodeOptions::default(),
        )?;
        for node in nodes {
            match loaded.graph.get(node) {
                Node::Artifact(a) => {
                    keys.insert(a.key.clone());
                }
                Node::Record(r) => {
                    if let Some(entry) = loaded.history.get(&r.id) {
                        entry.summary.with_links(|s| {
                            keys.extend(
                                s.inputs
                                    .iter()
                                    .chain(&s.outputs)
                                    .filter_map(ArtifactKey::of),
                            );
                        });
                    }
                }
                Node::Commit(_) => {
                    return Err(RetentionError::NotAnArtifact { spec: text.clone() }.into());
                }
            }
        }
    }
    Ok(keys)
}

/// `du [REF…]`: the bytes recorded artifacts take, split by state.
pub fn du(repo: &Repo, refs: &[String], cwd: &Path) -> Result<DuReport> {
    let loaded = Loaded::new(repo)?;
    let only = if refs.is_empty() {
        None
    } else {
        Some(keys_of(repo, &loaded, refs, cwd)?)
    };
    let seen = survey(&loaded, only.as_ref());
    let all: Vec<&Seen> = seen.iter().collect();
    Ok(du_of(&all, Timestamp::now()))
}

/// `gc`: what the retention policy would drop, or drops with `apply`.
#[derive(Debug, Clone, Default)]
pub struct GcRequest {
    /// Write the tombstone (else a dry run).
    pub apply: bool,
    /// Also delete local files holding dropped bytes.
    pub delete_local: bool,
    /// Why, for the tombstone (a default names the policy).
    pub reason: Option<String>,
}

/// An artifact `gc` drops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// Its path or URI.
    pub locator: String,
    /// Its hash.
    pub hash: ContentHash,
    /// Its recorded size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `present` or `absent`.
    pub state: State,
    /// When a record last mentioned it.
    pub last_recorded: Timestamp,
    /// Why the policy lets it go.
    pub why: String,
}

/// An artifact the policy keeps although a rule alone would drop it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    /// Its path or URI.
    pub locator: String,
    /// Its hash.
    pub hash: ContentHash,
    /// The protecting registry version or rule.
    pub rule: String,
}

/// A record that loses an input if the candidates go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affected {
    /// The record.
    pub id: RecordId,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The dropped inputs it read, by locator.
    pub inputs: Vec<String>,
}

/// What `gc` found (and did, with `apply`).
#[derive(Debug, Clone, Serialize)]
pub struct GcReport {
    /// False for a dry run.
    pub applied: bool,
    /// The rules applied, in words.
    pub policy: String,
    /// What goes.
    pub drop: Vec<Candidate>,
    /// What a rule would drop but the registry protects.
    pub protected: Vec<Kept>,
    /// The blast radius: records downstream that lose an input.
    pub blast_radius: Vec<Affected>,
    /// `du` totals before the run.
    pub du: DuReport,
    /// Bytes the candidates take.
    pub reclaimed: u64,
    /// The tombstone written, with `apply` (none when nothing goes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tombstone: Option<Dropped>,
}

/// Apply the retention policy of `.lineage/config.yaml`.
pub fn gc(repo: &Repo, request: &GcRequest, options: &WriteOptions) -> Result<GcReport> {
    let loaded = Loaded::new(repo)?;
    let policy = &loaded.config.retention;
    let now = Timestamp::now();
    let cutoff = policy.younger_cutoff(now).map_err(RetentionError::Config)?;
    let seen = survey(&loaded, None);
    crate::history::trace_mark("artifacts surveyed");
    let mut words = Vec::new();
    if let Some(n) = policy.keep_last {
        words.push(format!("keep the last {n} versions per path or URI"));
    }
    if let Some(text) = &policy.keep_younger_than {
        words.push(format!("keep anything recorded in the last {text}"));
    }
    words.push("keep registry versions in an active stage and everything upstream".into());
    let policy_text = words.join("; ");
    // Versions per path or URI, newest first.
    let mut versions: BTreeMap<String, Vec<(Timestamp, ContentHash)>> = BTreeMap::new();
    for item in &seen {
        if let Some(hash) = item.artifact.hash {
            for locator in &item.locators {
                versions
                    .entry(locator.clone())
                    .or_default()
                    .push((item.last, hash));
            }
        }
    }
    let mut rank: HashMap<(String, ContentHash), usize> = HashMap::new();
    for (locator, list) in &mut versions {
        list.sort_by(|a, b| b.cmp(a));
        for (i, (_, hash)) in list.iter().enumerate() {
            rank.insert((locator.clone(), *hash), i);
        }
    }
    let protection = Protection::of(&loaded)?;
    crate::history::trace_mark("protection computed");
    let rules_set = policy.keep_last.is_some() || cutoff.is_some();
    let mut drop = Vec::new();
    let mut protected = Vec::new();
    let mut dropped_items: Vec<&Seen> = Vec::new();
    for item in &seen {
        let Some(hash) = item.artifact.hash else {
            continue;
        };
        if !rules_set || matches!(item.state, State::Dropped | State::External) {
            continue;
        }
        // Newest among the versions of any path or URI it was recorded at.
        let (position, locator) = item
            .locators
            .iter()
            .map(|l| {
                (
                    rank.get(&(l.clone(), hash)).copied().unwrap_or(0),
                    l.clone(),
                )
            })
            .min()
            .unwrap_or_else(|| (0, item.artifact.locator().to_string()));
        if policy.keep_last.is_some_and(|n| position < n) {
            continue;
        }
        if cutoff.is_some_and(|c| item.last >= c) {
            continue;
        }
        if let Some(rule) = protection.protects(&hash) {
            protected.push(Kept {
                locator,
                hash,
                rule,
            });
            continue;
        }
        let mut why = Vec::new();
        if policy.keep_last.is_some() {
            why.push(format!("version {} of {locator}", position + 1));
        }
        if let Some(text) = &policy.keep_younger_than {
            why.push(format!("last recorded over {text} ago"));
        }
        drop.push(Candidate {
            locator,
            hash,
            size: item.artifact.size,
            state: item.state,
            last_recorded: item.last,
            why: why.join(", "),
        });
        dropped_items.push(item);
    }
    let mut affected: BTreeMap<RecordId, Affected> = BTreeMap::new();
    for item in &dropped_items {
        for reader in &item.readers {
            let Some(entry) = loaded.history.get(reader) else {
                continue;
            };
            affected
                .entry(reader.clone())
                .or_insert_with(|| Affected {
                    id: reader.clone(),
                    kind: entry.summary.kind.clone(),
                    name: entry.summary.name.clone(),
                    inputs: Vec::new(),
                })
                .inputs
                .push(item.artifact.locator().to_string());
        }
    }
    let all: Vec<&Seen> = seen.iter().collect();
    let du = du_of(&all, now);
    crate::history::trace_mark("candidates and totals");
    let reclaimed = drop.iter().filter_map(|c| c.size).sum();
    let mut report = GcReport {
        applied: request.apply,
        policy: policy_text.clone(),
        drop,
        protected,
        blast_radius: affected.into_values().collect(),
        du,
        reclaimed,
        tombstone: None,
    };
    if request.apply && !dropped_items.is_empty() {
        let artifacts = dropped_items.iter().map(|s| bare(&s.artifact)).collect();
        let reason = request
            .reason
            .clone()
            .unwrap_or_else(|| "retention policy (git lineage gc)".to_string());
        report.tombstone = Some(write_tombstone(
            repo,
            &loaded,
            "gc",
            &reason,
            "local",
            Some(policy_text),
            artifacts,
            request.delete_local,
            options,
        )?);
    }
    Ok(report)
}

/// `expire REF… --reason TEXT`.
#[derive(Debug, Clone, Default)]
pub struct ExpireRequest {
    /// The records to expire.
    pub refs: Vec<String>,
    /// Why (required).
    pub reason: String,
}

/// What `expire` did.
#[derive(Debug, Clone, Serialize)]
pub struct Expired {
    /// The expire record's id.
    pub id: RecordId,
    /// Its worktree-relative path.
    pub path: String,
    /// The commit that added it and removed the expired files, with `--commit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The expired records.
    pub expired: Vec<RecordId>,
    /// The record files removed from the worktree.
    pub removed: Vec<String>,
}

/// Write an expire record for the records `request.refs` name and remove
/// their files from the worktree (and, with `commit`, from the branch in
/// the same commit). Refused when the user is not in `retention.expirers`,
/// or when a kept record or an active registry version depends on one.
pub fn expire(repo: &Repo, request: &ExpireRequest, options: &WriteOptions) -> Result<Expired> {
    if request.reason.trim().is_empty() {
        return Err(RetentionError::NoReason("expire").into());
    }
    let loaded = Loaded::new(repo)?;
    let agent = repo.identity()?;
    let policy = &loaded.config.retention;
    match &policy.expirers {
        None => {
            return Err(RetentionError::NotAnExpirer {
                email: agent.email.clone(),
                why: "retention.expirers is not set in .lineage/config.yaml, so nobody may".into(),
            }
            .into());
        }
        Some(list) if !crate::config::identity_allowed(Some(list), &agent.email) => {
            return Err(RetentionError::NotAnExpirer {
                email: agent.email.clone(),
                why: format!("retention.expirers allows {}", list.join(", ")),
            }
            .into());
        }
        Some(_) => {}
    }
    let mut ids: Vec<RecordId> = Vec::new();
    for text in &request.refs {
        let id = crate::refspec::resolve_record(&loaded.history, &crate::refspec::parse(text)?)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let already = Expirations::of_entries(&loaded.history.entries);
    let chosen: BTreeSet<&RecordId> = ids.iter().collect();
    let protection = Protection::of(&loaded)?;
    for id in &ids {
        if !loaded.store.record_path(id).exists() {
            return Err(RetentionError::NotInWorktree(id.clone()).into());
        }
        let Some(entry) = loaded.history.get(id) else {
            continue;
        };
        let what = format!("{} {}", entry.summary.kind, entry.summary.name);
        let outputs: Vec<Artifact> = entry.summary.with_links(|s| s.outputs.clone());
        let hashes: BTreeSet<ContentHash> = outputs.iter().filter_map(|a| a.hash).collect();
        let mut reasons = Vec::new();
        for output in &outputs {
            if let Some(rule) = output.hash.and_then(|h| protection.protects(&h)) {
                reasons.push(format!(
                    "its output '{}' is protected: {rule}",
                    output.locator()
                ));
            }
        }
        for other in &loaded.history.entries {
            if chosen.contains(&other.id) || already.expired_by(&other.id).is_some() {
                continue;
            }
            let depends = other.summary.with_links(|s| {
                s.references.contains(id)
                    || s.inputs
                        .iter()
                        .any(|a| a.hash.is_some_and(|h| hashes.contains(&h)))
            });
            if depends {
                reasons.push(format!(
                    "record {} ({} {}) depends on it",
                    other.id.short(),
                    other.summary.kind,
                    other.summary.name
                ));
            }
        }
        if !reasons.is_empty() {
            return Err(RetentionError::Depended {
                id: id.clone(),
                what,
                dependents: reasons.join("; "),
            }
            .into());
        }
    }
    let removed: Vec<String> = ids.iter().map(Store::record_rel_path).collect();
    let mut params = ValueMap::new();
    params.insert(
        "reason".into(),
        Value::String(request.reason.trim().to_string()),
    );
    params.insert(
        model::EXPIRED_PARAM.into(),
        Value::List(ids.iter().map(|id| Value::String(id.to_string())).collect()),
    );
    let record = crate::capture::action_record(
        repo,
        EXPIRE,
        "records",
        agent,
        params,
        Vec::new(),
        Vec::new(),
    )?;
    let recorded = crate::capture::store_record(repo, &loaded.store, record, None)?;
    for (id, rel) in ids.iter().zip(&removed) {
        let path = loaded.store.record_path(id);
        std::fs::remove_file(&path).map_err(|source| Error::Io {
            action: "remove",
            path,
            source,
        })?;
        // An empty shard directory goes too, as git would leave it.
        if let Some(shard) = repo.root().join(rel).parent() {
            let _ = std::fs::remove_dir(shard);
        }
    }
    let commit = if options.commit {
        let message = format!(
            "lineage: expire {} {}",
            crate::render::count(ids.len(), "record"),
            recorded.id.short()
        );
        Some(
            repo.commit_changes(
                std::slice::from_ref(&recorded.path),
                &removed,
                &message,
                &options.commit_options,
            )
            .map_err(|source| Error::NotCommitted {
                id: recorded.id.clone(),
                path: recorded.path.clone(),
                source,
            })?,
        )
    } else {
        None
    };
    Ok(Expired {
        id: recorded.id,
        path: recorded.path,
        commit,
        expired: ids,
        removed,
    })
}
