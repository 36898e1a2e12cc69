//! The model registry: named models, numbered versions, reviews and stages,
//! where every event is an ordinary, immutable record (`registry-*` kinds).
//!
//! Registry state is never stored: [`Registry::from_history`] folds the event
//! records in history order. Version numbers are `v(N+1)` over the history a
//! command sees, so two branches can both register `vN`; after a merge that
//! is a [`Conflict`], reported by `verify`, never silently merged.
//!
//! ```no_run
//! use git_lineage::{registry, repo::Repo};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let repo = Repo::discover(std::path::Path::new("."))?;
//! let (_history, registry) = registry::load(&repo)?;
//! let production = registry::resolve(&registry, "fraud@production")?;
//! println!("{} {} {:?}", production.version, production.record, production.path);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::capture::{Context, Recorded, Side};
use crate::hash::ContentHash;
use crate::history::{CommitInfo, History, HistoryOptions};
use crate::params::{Value, ValueMap};
use crate::record::{Agent, Artifact, Environment, Record, RecordId, SCHEMA};
use crate::repo::Repo;
use crate::store::Store;
use crate::time::Timestamp;
use crate::{Error, Result};

/// Kind of the record registering a new version.
pub const REGISTER: &str = "registry-register";
/// Kind of the record approving a version.
pub const APPROVE: &str = "registry-approve";
/// Kind of the record rejecting a version.
pub const REJECT: &str = "registry-reject";
/// Kind of the record moving a stage to a version.
pub const PROMOTE: &str = "registry-promote";
/// Kind of the record moving a stage back to its previous version.
pub const ROLLBACK: &str = "registry-rollback";
/// Kind of the record deprecating a version.
pub const DEPRECATE: &str = "registry-deprecate";

/// Why a registry command refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// `NAME@vN` / `NAME@STAGE` is malformed.
    #[error("'{0}' is not NAME@vN or NAME@STAGE")]
    BadSelector(String),
    /// No version of this model was registered.
    #[error("no model named '{0}' is registered")]
    UnknownModel(String),
    /// The model has no such version.
    #[error("model '{model}' has no version v{version}")]
    UnknownVersion {
        /// The model.
        model: String,
        /// The version asked for.
        version: u64,
    },
    /// The stage is not in `.lineage/config.yaml`.
    #[error("'{stage}' is not a stage (stages in .lineage/config.yaml: {})", stages.join(", "))]
    UnknownStage {
        /// The stage asked for.
        stage: String,
        /// The configured stages.
        stages: Vec<String>,
    },
    /// No version holds the stage.
    #[error("model '{model}' has no version in stage '{stage}'")]
    NotStaged {
        /// The model.
        model: String,
        /// The stage.
        stage: String,
    },
    /// A deprecated or rejected version cannot be promoted.
    #[error("{model}@v{version} is {state} and cannot be promoted")]
    NotPromotable {
        /// The model.
        model: String,
        /// The version.
        version: u64,
        /// `deprecated` or `rejected`.
        state: &'static str,
    },
    /// Rollback with nothing to roll back to.
    #[error("stage '{stage}' of model '{model}' has no previous version to roll back to")]
    NoPrevious {
        /// The model.
        model: String,
        /// The stage.
        stage: String,
    },
    /// No record produced the artifact and `--from` was not given.
    #[error("no record lists {0} as an output")]
    NoProducer(ContentHash),
    /// `--artifact` named nothing usable.
    #[error("artifact '{spec}': {problem}")]
    BadArtifact {
        /// As given.
        spec: String,
        /// What is wrong.
        problem: String,
    },
}

impl RegistryError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            RegistryError::BadSelector(_) => {
                "write NAME@v3 for a version or NAME@production for a stage".into()
            }
            RegistryError::UnknownModel(_) => {
                "`git lineage registry list` shows the registered models".into()
            }
            RegistryError::UnknownVersion { model, .. }
            | RegistryError::NotStaged { model, .. } => {
                format!("`git lineage registry show {model}` lists its versions and stages")
            }
            RegistryError::UnknownStage { .. } => {
                "add the stage to `stages:` in .lineage/config.yaml, or use a configured one".into()
            }
            RegistryError::NotPromotable { model, .. } => {
                format!("register a new version of {model} and promote that")
            }
            RegistryError::NoPrevious { .. } => {
                "promote a version explicitly with `git lineage registry promote`".into()
            }
            RegistryError::NoProducer(_) => {
                "record the training step with -o PATH first, or name it with --from REF".into()
            }
            RegistryError::BadArtifact { .. } => {
                "give a file or directory path, or blake3:<64 hex> of a recorded output".into()
            }
        })
    }
}

/// Which version a selector names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `vN`.
    Version(u64),
    /// A stage name.
    Stage(String),
}

/// Parse `NAME@vN` or `NAME@STAGE`.
pub fn parse_selector(text: &str) -> std::result::Result<(String, Selector), RegistryError> {
    let bad = || RegistryError::BadSelector(text.to_string());
    let (name, rest) = text.rsplit_once('@').ok_or_else(bad)?;
    if name.is_empty() || rest.is_empty() {
        return Err(bad());
    }
    Ok((name.to_string(), parse_version_or_stage(rest)))
}

/// Parse `NAME@vN` only.
pub fn parse_version_selector(text: &str) -> std::result::Result<(String, u64), RegistryError> {
    match parse_selector(text)? {
        (name, Selector::Version(v)) => Ok((name, v)),
        _ => Err(RegistryError::BadSelector(text.to_string())),
    }
}

fn parse_version_or_stage(text: &str) -> Selector {
    match text.strip_prefix('v').and_then(|n| n.parse::<u64>().ok()) {
        Some(n) if n > 0 => Selector::Version(n),
        _ => Selector::Stage(text.to_string()),
    }
}

/// An approval or rejection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// The event record.
    pub event: RecordId,
    /// Who (from git config when the record was written).
    pub who: Agent,
    /// When the record was written.
    pub when: Timestamp,
    /// The comment given.
    pub comment: Option<String>,
    /// The commit that introduced the record (its author is shown beside `who`).
    pub commit: Option<Arc<CommitInfo>>,
}

/// One registered version of a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    /// N of `vN`.
    pub number: u64,
    /// The artifact's content hash.
    pub artifact: Option<ContentHash>,
    /// The artifact's path or URI, when known.
    pub path: Option<String>,
    /// The record that produced the artifact.
    pub produced_by: Option<RecordId>,
    /// The `registry-register` record: the version's id.
    pub register: RecordId,
    /// The description given at registration.
    pub description: Option<String>,
    /// Who registered it.
    pub registered_by: Agent,
    /// When.
    pub registered: Timestamp,
    /// Approvals, in history order.
    pub approvals: Vec<Review>,
    /// Rejections, in history order.
    pub rejections: Vec<Review>,
    /// Whether a `registry-deprecate` event names it.
    pub deprecated: bool,
}

/// Which version holds a stage and which held it before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// The current version.
    pub current: Option<u64>,
    /// Earlier holders, most recent last: where `rollback` goes.
    pub previous: Vec<u64>,
}

/// A model: its versions and stages.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Model {
    /// The name.
    pub name: String,
    /// Versions by number (the first registration of a number wins; others are conflicts).
    pub versions: BTreeMap<u64, Version>,
    /// Stage name to its holder.
    pub stages: BTreeMap<String, Stage>,
}

impl Model {
    /// The highest version number registered.
    pub fn latest(&self) -> u64 {
        self.versions.keys().next_back().copied().unwrap_or(0)
    }
}

/// One registry event, as history shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The record.
    pub id: RecordId,
    /// The record kind (`registry-promote`, …).
    pub kind: String,
    /// The model.
    pub model: String,
    /// The version it names (for rollback: the version restored).
    pub version: Option<u64>,
    /// The stage it moves.
    pub stage: Option<String>,
    /// The comment or description.
    pub comment: Option<String>,
    /// Who wrote the record.
    pub agent: Agent,
    /// When.
    pub recorded: Timestamp,
    /// The introducing commit; `None` when uncommitted.
    pub commit: Option<Arc<CommitInfo>>,
}

/// The same `NAME@vN` registered by two records (branches merged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The model.
    pub model: String,
    /// The version number.
    pub version: u64,
    /// The register event that came first in history (the one used).
    pub first: RecordId,
    /// The other one.
    pub second: RecordId,
}

/// The registry as history shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Registry {
    /// Models by name.
    pub models: BTreeMap<String, Model>,
    /// Every event in history order.
    pub events: Vec<Event>,
    /// Version numbers registered twice.
    pub conflicts: Vec<Conflict>,
}

fn text_param(params: &ValueMap, key: &str) -> Option<String> {
    match params.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn version_param(params: &ValueMap) -> Option<u64> {
    match params.get("version")? {
        Value::Int(n) => u64::try_from(*n).ok(),
        Value::String(s) => match parse_version_or_stage(s) {
            Selector::Version(n) => Some(n),
            Selector::Stage(_) => None,
        },
        _ => None,
    }
}

impl Registry {
    /// Fold every `registry-*` record of `history`, in history order.
    pub fn from_history(history: &History) -> Registry {
        let mut registry = Registry::default();
        for entry in &history.entries {
            if !entry.summary.kind.starts_with("registry-") {
                continue;
            }
            entry
                .summary
                .with(|s| registry.apply(&entry.id, s, entry.commit.clone()));
        }
        registry
    }

    fn apply(
        &mut self,
        id: &RecordId,
        s: &crate::history::Summary,
        commit: Option<Arc<CommitInfo>>,
    ) {
        let version = version_param(&s.params);
        let stage = text_param(&s.params, "stage");
        let comment =
            text_param(&s.params, "comment").or_else(|| text_param(&s.params, "description"));
        let model = self.models.entry(s.name.clone()).or_insert_with(|| Model {
            name: s.name.clone(),
            ..Model::default()
        });
        let review = || Review {
            event: id.clone(),
            who: s.agent.clone(),
            when: s.recorded,
            comment: comment.clone(),
            commit: commit.clone(),
        };
        let mut event_version = version;
        match s.kind.as_str() {
            REGISTER => {
                let Some(number) = version else { return };
                if let Some(existing) = model.versions.get(&number) {
                    if &existing.register != id {
                        self.conflicts.push(Conflict {
                            model: s.name.clone(),
                            version: number,
                            first: existing.register.clone(),
                            second: id.clone(),
                        });
                    }
                } else {
                    let artifact = s
                        .inputs
                        .iter()
                        .find(|a| a.role.as_deref() == Some("model"))
                        .or(s.inputs.first());
                    model.versions.insert(
                        number,
                        Version {
                            number,
                            artifact: artifact.and_then(|a| a.hash),
                            path: artifact
                                .map(|a| a.locator().to_string())
                                .filter(|l| !l.is_empty()),
                            produced_by: s.references.first().cloned(),
                            register: id.clone(),
                            description: text_param(&s.params, "description"),
                            registered_by: s.agent.clone(),
                            registered: s.recorded,
                            approvals: Vec::new(),
                            rejections: Vec::new(),
                            deprecated: false,
                        },
                    );
                }
            }
            APPROVE | REJECT => {
                if let Some(v) = version.and_then(|n| model.versions.get_mut(&n)) {
                    if s.kind == APPROVE {
                        v.approvals.push(review());
                    } else {
                        v.rejections.push(review());
                    }
                }
            }
            DEPRECATE => {
                if let Some(v) = version.and_then(|n| model.versions.get_mut(&n)) {
                    v.deprecated = true;
                }
            }
            PROMOTE => {
                if let (Some(number), Some(stage)) = (version, &stage) {
                    let held = model.stages.entry(stage.clone()).or_default();
                    if let Some(current) = held.current.filter(|c| *c != number) {
                        held.previous.push(current);
                    }
                    held.current = Some(number);
                }
            }
            ROLLBACK => {
                if let Some(stage) = &stage {
                    let held = model.stages.entry(stage.clone()).or_default();
                    if let Some(back) = held.previous.pop() {
                        held.current = Some(back);
                        event_version = Some(back);
                    }
                }
            }
            _ => {}
        }
        self.events.push(Event {
            id: id.clone(),
            kind: s.kind.clone(),
            model: s.name.clone(),
            version: event_version,
            stage,
            comment,
            agent: s.agent.clone(),
            recorded: s.recorded,
            commit,
        });
    }

    /// The model named `name`.
    pub fn model(&self, name: &str) -> std::result::Result<&Model, RegistryError> {
        self.models
            .get(name)
            .filter(|m| !m.versions.is_empty())
            .ok_or_else(|| RegistryError::UnknownModel(name.to_string()))
    }

    /// The version a selector names.
    pub fn resolve(
        &self,
        name: &str,
        selector: &Selector,
    ) -> std::result::Result<&Version, RegistryError> {
        let model = self.model(name)?;
        let number =
            match selector {
                Selector::Version(n) => *n,
                Selector::Stage(stage) => model
                    .stages
                    .get(stage)
                    .and_then(|s| s.current)
                    .ok_or_else(|| RegistryError::NotStaged {
                        model: name.to_string(),
                        stage: stage.clone(),
                    })?,
            };
        model
            .versions
            .get(&number)
            .ok_or_else(|| RegistryError::UnknownVersion {
                model: name.to_string(),
                version: number,
            })
    }
}

/// What `registry resolve` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    /// The model.
    pub model: String,
    /// `vN`.
    pub version: String,
    /// The stage asked for, if a stage was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// The artifact's path or URI.
    pub path: Option<String>,
    /// The artifact's content hash.
    pub hash: Option<ContentHash>,
    /// The register event: the version's id, to stamp predictions with.
    pub record: RecordId,
    /// The record that produced the artifact.
    pub produced_by: Option<RecordId>,
}

/// Resolve `NAME@STAGE` / `NAME@vN` against `registry`.
pub fn resolve(registry: &Registry, text: &str) -> Result<Resolved> {
    let (name, selector) = parse_selector(text)?;
    let version = registry.resolve(&name, &selector)?;
    Ok(Resolved {
        model: name,
        version: format!("v{}", version.number),
        stage: match selector {
            Selector::Stage(s) => Some(s),
            Selector::Version(_) => None,
        },
        path: version.path.clone(),
        hash: version.artifact,
        record: version.register.clone(),
        produced_by: version.produced_by.clone(),
    })
}

/// Load HEAD's history (with uncommitted records) and fold it.
pub fn load(repo: &Repo) -> Result<(History, Registry)> {
    let history = History::load(repo, &HistoryOptions::default())?;
    let registry = Registry::from_history(&history);
    Ok((history, registry))
}

/// What a registry event command takes beyond its own arguments.
#[derive(Debug, Clone, Default)]
pub struct EventOptions {
    /// Commit the event record to the current branch.
    pub commit: bool,
    /// The directory relative paths are resolved against.
    pub cwd: PathBuf,
}

/// `register NAME --artifact PATH|blake3:… [--from REF] [--description …]`.
#[derive(Debug, Clone, Default)]
pub struct RegisterRequest {
    /// The model name.
    pub name: String,
    /// A path, or `blake3:<hex>` of a recorded output.
    pub artifact: String,
    /// The producing record's REF; found by hash when absent.
    pub from: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

/// Register the next version of a model.
pub fn register(
    repo: &Repo,
    request: &RegisterRequest,
    options: &EventOptions,
) -> Result<Recorded> {
    crate::record::check_name(&request.name).map_err(|problem| Error::InvalidArgument {
        field: "NAME",
        problem,
    })?;
    let (history, registry) = load(repo)?;
    let bad = |problem: String| RegistryError::BadArtifact {
        spec: request.artifact.clone(),
        problem,
    };
    let mut artifact = if let Some(hex) = request.artifact.strip_prefix("blake3:") {
        let hash = ContentHash::from_hex(hex)
            .ok_or_else(|| bad("not blake3:<64 lowercase hex>".into()))?;
        Artifact {
            hash: Some(hash),
            path: recorded_path(&history, &hash),
            ..Artifact::default()
        }
    } else {
        let ctx = Context::new(repo)?;
        let spec = request.artifact.clone();
        let mut found = ctx.artifacts(Side::Input, &[spec], &options.cwd)?;
        ctx.save_cache();
        match found.len() {
            1 => found.remove(0),
            _ => return Err(bad("must name exactly one file or directory".into()).into()),
        }
    };
    artifact.role = Some("model".into());
    let hash = artifact
        .hash
        .ok_or_else(|| bad("has no content hash (an external URI); give a local path".into()))?;
    let producer = match &request.from {
        Some(text) => crate::refspec::resolve_record(&history, &crate::refspec::parse(text)?)?,
        None => producer_of(&history, &hash).ok_or(RegistryError::NoProducer(hash))?,
    };
    let number = registry.models.get(&request.name).map_or(0, Model::latest) + 1;
    let mut params = ValueMap::new();
    params.insert("version".into(), Value::Int(number as i64));
    if let Some(d) = &request.description {
        params.insert("description".into(), Value::String(d.clone()));
    }
    write_event(
        repo,
        REGISTER,
        &request.name,
        params,
        vec![artifact],
        vec![producer],
        options,
    )
}

/// The latest record listing `hash` as an output.
fn producer_of(history: &History, hash: &ContentHash) -> Option<RecordId> {
    history
        .entries
        .iter()
        .rev()
        .filter(|e| !e.summary.kind.starts_with("registry-"))
        .find(|e| {
            e.summary
                .with_links(|s| s.outputs.iter().any(|a| a.hash.as_ref() == Some(hash)))
        })
        .map(|e| e.id.clone())
}

fn recorded_path(history: &History, hash: &ContentHash) -> Option<String> {
    history.entries.iter().rev().find_map(|e| {
        e.summary.with(|s| {
            s.outputs
                .iter()
                .find(|a| a.hash.as_ref() == Some(hash))
                .and_then(|a| a.path.clone().or(a.uri.clone()))
        })
    })
}

/// A review: `approve` or `reject`.
pub fn review(
    repo: &Repo,
    target: &str,
    approve: bool,
    comment: Option<&str>,
    options: &EventOptions,
) -> Result<Recorded> {
    let (name, number) = parse_version_selector(target)?;
    let (_, registry) = load(repo)?;
    let version = registry.resolve(&name, &Selector::Version(number))?;
    let mut params = version_params(number);
    if let Some(c) = comment {
        params.insert("comment".into(), Value::String(c.to_string()));
    }
    let kind = if approve { APPROVE } else { REJECT };
    let register = version.register.clone();
    write_event(
        repo,
        kind,
        &name,
        params,
        Vec::new(),
        vec![register],
        options,
    )
}

fn version_params(number: u64) -> ValueMap {
    let mut params = ValueMap::new();
    params.insert("version".into(), Value::Int(number as i64));
    params
}

fn check_stage(repo: &Repo, stage: &str) -> Result<()> {
    let config = Store::new(repo.root()).config()?;
    if config.stages.iter().any(|s| s == stage) {
        Ok(())
    } else {
        Err(RegistryError::UnknownStage {
            stage: stage.to_string(),
            stages: config.stages,
        }
        .into())
    }
}

/// Move `stage` to `NAME@vN`.
pub fn promote(repo: &Repo, target: &str, stage: &str, options: &EventOptions) -> Result<Recorded> {
    let (name, number) = parse_version_selector(target)?;
    check_stage(repo, stage)?;
    let (_, registry) = load(repo)?;
    let version = registry.resolve(&name, &Selector::Version(number))?;
    let state = if version.deprecated {
        Some("deprecated")
    } else if !version.rejections.is_empty() {
        Some("rejected")
    } else {
        None
    };
    if let Some(state) = state {
        return Err(RegistryError::NotPromotable {
            model: name,
            version: number,
            state,
        }
        .into());
    }
    let mut params = version_params(number);
    params.insert("stage".into(), Value::String(stage.to_string()));
    let register = version.register.clone();
    let inputs = artifact_of(version);
    write_event(
        repo,
        PROMOTE,
        &name,
        params,
        inputs,
        vec![register],
        options,
    )
}

fn artifact_of(version: &Version) -> Vec<Artifact> {
    version
        .artifact
        .map(|hash| Artifact {
            path: version.path.clone().filter(|p| !crate::record::is_uri(p)),
            uri: version.path.clone().filter(|p| crate::record::is_uri(p)),
            role: Some("model".into()),
            hash: Some(hash),
            ..Artifact::default()
        })
        .into_iter()
        .collect()
}

/// Move `stage` of `name` back to the version it held before.
pub fn rollback(repo: &Repo, name: &str, stage: &str, options: &EventOptions) -> Result<Recorded> {
    check_stage(repo, stage)?;
    let (_, registry) = load(repo)?;
    let model = registry.model(name)?;
    let held = model.stages.get(stage).cloned().unwrap_or_default();
    let (Some(from), Some(&back)) = (held.current, held.previous.last()) else {
        return Err(RegistryError::NoPrevious {
            model: name.to_string(),
            stage: stage.to_string(),
        }
        .into());
    };
    let mut params = version_params(back);
    params.insert("from".into(), Value::Int(from as i64));
    params.insert("stage".into(), Value::String(stage.to_string()));
    let version = registry.resolve(name, &Selector::Version(back))?;
    let register = version.register.clone();
    let inputs = artifact_of(version);
    write_event(
        repo,
        ROLLBACK,
        name,
        params,
        inputs,
        vec![register],
        options,
    )
}

/// Mark `NAME@vN` deprecated.
pub fn deprecate(repo: &Repo, target: &str, options: &EventOptions) -> Result<Recorded> {
    let (name, number) = parse_version_selector(target)?;
    let (_, registry) = load(repo)?;
    let version = registry.resolve(&name, &Selector::Version(number))?;
    let register = version.register.clone();
    write_event(
        repo,
        DEPRECATE,
        &name,
        version_params(number),
        Vec::new(),
        vec![register],
        options,
    )
}

fn write_event(
    repo: &Repo,
    kind: &str,
    name: &str,
    params: ValueMap,
    inputs: Vec<Artifact>,
    references: Vec<RecordId>,
    options: &EventOptions,
) -> Result<Recorded> {
    let store = Store::new(repo.root());
    let record = Record {
        schema: SCHEMA.to_string(),
        kind: kind.to_string(),
        name: name.to_string(),
        recorded: Timestamp::now(),
        started: None,
        ended: None,
        exit: None,
        agent: repo.identity()?,
        code: repo.code_state(&[])?,
        command: Vec::new(),
        params,
        seed: None,
        environment: Environment {
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            tool: format!("git-lineage {}", env!("CARGO_PKG_VERSION")),
            ..Environment::default()
        },
        inputs,
        outputs: Vec::new(),
        metrics: ValueMap::new(),
        references,
        note: None,
    };
    record
        .validate()
        .map_err(|source| Error::InvalidRecord { source })?;
    let bytes = record.to_bytes()?;
    let (id, _) = store.write_record(&bytes)?;
    let path = Store::record_rel_path(&id);
    let commit = if options.commit {
        let message = format!("lineage: {kind} {name} {}", id.short());
        Some(
            repo.commit_paths(std::slice::from_ref(&path), &message)
                .map_err(|source| Error::NotCommitted {
                    id: id.clone(),
                    path: path.clone(),
                    source,
                })?,
        )
    } else {
        None
    };
    Ok(Recorded {
        id,
        path,
        commit,
        record,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Entry, Summary, SummaryCell};

    fn id(n: u8) -> RecordId {
        RecordId::parse(&format!("{:02x}", n).repeat(32)).unwrap()
    }

    fn entry(n: u8, kind: &str, params: &[(&str, Value)]) -> Entry {
        let mut map = ValueMap::new();
        for (k, v) in params {
            map.insert(k.to_string(), v.clone());
        }
        let agent = Agent {
            name: "A".into(),
            email: "a@x".into(),
        };
        Entry {
            id: id(n),
            path: String::new(),
            commit: None,
            blob: None,
            summary: SummaryCell::ready(Summary {
                kind: kind.into(),
                name: "fraud".into(),
                recorded: Timestamp::from_unix_micros(n as i64),
                agent,
                failed: false,
                code_commit: None,
                inputs: vec![Artifact {
                    hash: Some(ContentHash::of_bytes(&[n])),
                    role: Some("model".into()),
                    path: Some("m.bin".into()),
                    ..Artifact::default()
                }],
                outputs: Vec::new(),
                references: Vec::new(),
                params: map,
                metrics: ValueMap::new(),
            }),
        }
    }

    fn fold(entries: Vec<Entry>) -> Registry {
        let mut history = History::default();
        history.entries = entries;
        Registry::from_history(&history)
    }

    #[test]
    fn selectors_parse() {
        assert_eq!(
            parse_selector("fraud@v3").unwrap(),
            ("fraud".into(), Selector::Version(3))
        );
        assert_eq!(
            parse_selector("fraud@production").unwrap(),
            ("fraud".into(), Selector::Stage("production".into()))
        );
        assert!(parse_selector("fraud").is_err());
        assert!(parse_selector("@v1").is_err());
        assert!(parse_version_selector("fraud@staging").is_err());
    }

    #[test]
    fn promotions_stack_and_rollback_pops() {
        let v = |n: i64| ("version", Value::Int(n));
        let prod = || ("stage", Value::String("production".into()));
        let registry = fold(vec![
            entry(1, REGISTER, &[v(1)]),
            entry(2, APPROVE, &[v(1), ("comment", Value::String("ok".into()))]),
            entry(3, PROMOTE, &[v(1), prod()]),
            entry(4, REGISTER, &[v(2)]),
            entry(5, PROMOTE, &[v(2), prod()]),
            entry(6, ROLLBACK, &[prod()]),
            entry(7, DEPRECATE, &[v(2)]),
        ]);
        let model = registry.model("fraud").unwrap();
        assert_eq!(model.latest(), 2);
        assert_eq!(model.versions[&1].approvals.len(), 1);
        assert_eq!(
            model.versions[&1].approvals[0].comment.as_deref(),
            Some("ok")
        );
        assert!(model.versions[&2].deprecated);
        assert_eq!(
            model.stages["production"],
            Stage {
                current: Some(1),
                previous: vec![]
            }
        );
        assert_eq!(registry.events.len(), 7);
        assert_eq!(registry.events[5].version, Some(1));
        let resolved = resolve(&registry, "fraud@production").unwrap();
        assert_eq!(resolved.version, "v1");
        assert_eq!(resolved.record, id(1));
        assert!(registry.conflicts.is_empty());
    }

    #[test]
    fn a_number_registered_twice_is_a_conflict() {
        let registry = fold(vec![
            entry(1, REGISTER, &[("version", Value::Int(1))]),
            entry(2, REGISTER, &[("version", Value::Int(1))]),
        ]);
        assert_eq!(
            registry.conflicts,
            [Conflict {
                model: "fraud".into(),
                version: 1,
                first: id(1),
                second: id(2)
            }]
        );
        assert_eq!(
            registry.model("fraud").unwrap().versions[&1].register,
            id(1)
        );
        assert!(matches!(
            registry.resolve("fraud", &Selector::Version(9)),
            Err(RegistryError::UnknownVersion { .. })
        ));
        assert!(matches!(
            registry.resolve("other", &Selector::Version(1)),
            Err(RegistryError::UnknownModel(_))
        ));
    }
}
