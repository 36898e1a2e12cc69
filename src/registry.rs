//! The model registry: named models, numbered versions, reviews and stages,
//! where every event is an ordinary, immutable record (`registry-*` kinds).
//!
//! Registry state is never stored: [`Registry::from_history`] folds the event
//! records in history order. Version numbers are `v(N+1)` over the history a
//! command sees, so two branches can both register `vN`; after a merge that
//! is a [`Conflict`], reported by `verify`, never silently merged.
//! The governance policy (`policy:` in `.lineage/config.yaml`) is applied at
//! [`promote`] ([`policy_problems`]) and re-checked over history by
//! `verify` ([`policy_findings`]).
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
use crate::config::{Config, StagePolicy, identity_allowed};
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
    /// The stage's governance policy (`.lineage/config.yaml`) is not met.
    #[error("policy.{stage} refuses promoting {model}@v{version}: {}", problems.join("; "))]
    PolicyRefused {
        /// The model.
        model: String,
        /// The version.
        version: u64,
        /// The stage.
        stage: String,
        /// Each unmet rule, in words.
        problems: Vec<String>,
    },
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
            RegistryError::PolicyRefused {
                model,
                version,
                stage,
                ..
            } => format!(
                "get approvals that count with `git lineage registry approve {model}@v{version}` (committed, and signed when policy.{stage}.signed_approvals is set), or promote as an allowed promoter; the policy is in .lineage/config.yaml"
            ),
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
    /// How to commit (hooks, signing), like `git commit`'s flags.
    pub commit_options: crate::commit::CommitOptions,
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

fn check_stage(repo: &Repo, stage: &str) -> Result<Config> {
    let config = Store::new(repo.root()).config()?;
    if config.stages.iter().any(|s| s == stage) {
        Ok(config)
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
    let config = check_stage(repo, stage)?;
    let (_, registry) = load(repo)?;
    let version = registry.resolve(&name, &Selector::Version(number))?;
    let policy = config.stage_policy(stage);
    if policy != StagePolicy::default() {
        let promoter = repo.identity()?;
        let signed = |c: &CommitInfo| verify_commit_signature(repo, &c.id);
        let problems = policy_problems(stage, &policy, version, &promoter, &signed);
        if !problems.is_empty() {
            return Err(RegistryError::PolicyRefused {
                model: name,
                version: number,
                stage: stage.to_string(),
                problems,
            }
            .into());
        }
    }
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

/// Checks one commit's signature: `Ok(())` when it verifies, otherwise why not.
pub type SignatureCheck<'a> = dyn Fn(&CommitInfo) -> std::result::Result<(), String> + 'a;

/// Verify the signature of `commit` (40 hex) the way `git verify-commit`
/// does: gix runs the program git config names (`gpg.program`, or
/// `gpg.ssh.program` with `gpg.ssh.allowedSignersFile`, `gpg.minTrustLevel`).
/// What is trusted is the user's keyring or allowed-signers file.
pub fn verify_commit_signature(repo: &Repo, commit: &str) -> std::result::Result<(), String> {
    let id = gix::ObjectId::from_hex(commit.as_bytes())
        .map_err(|e| format!("'{commit}' is not a commit id: {e}"))?;
    let found = repo
        .gix()
        .find_commit(id)
        .map_err(|e| format!("cannot read commit {commit}: {e}"))?;
    match found.verify_signature() {
        Ok(None) => Err("the commit is not signed".into()),
        Ok(Some(outcome)) if outcome.is_valid() => Ok(()),
        Ok(Some(outcome)) => Err(format!(
            "its signature does not verify ({})",
            String::from_utf8_lossy(&outcome.output).trim()
        )),
        Err(e) => Err(format!("its signature could not be verified: {e}")),
    }
}

fn same_email(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Every rule of `policy` (for `stage`) that promoting `version` by
/// `promoter` breaks, in words; empty when the promotion is allowed.
///
/// An approval counts when its record's `agent.email` matches `approvers`,
/// differs from the registrar's when `distinct_from_registrar` is set, its
/// introducing commit (when committed) was authored by that same email, and,
/// with `signed_approvals`, that commit's signature verifies per `signed`.
/// Approvers are counted once per email (case-insensitive).
pub fn policy_problems(
    stage: &str,
    policy: &StagePolicy,
    version: &Version,
    promoter: &Agent,
    signed: &SignatureCheck<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if !identity_allowed(policy.promoters.as_deref(), &promoter.email) {
        problems.push(format!(
            "{} may not promote to '{stage}' (not in policy.{stage}.promoters)",
            promoter.email
        ));
    }
    let mut counted: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    for approval in &version.approvals {
        let email = approval.who.email.trim().to_ascii_lowercase();
        let by = format!("approval {} by {email}", approval.event.short());
        let why_not = if !identity_allowed(policy.approvers.as_deref(), &email) {
            Some(format!(
                "{by} does not count: not in policy.{stage}.approvers"
            ))
        } else if policy.distinct_from_registrar && same_email(&email, &version.registered_by.email)
        {
            Some(format!(
                "{by} does not count: the approver registered the version (policy.{stage}.distinct_from_registrar)"
            ))
        } else if let Some(c) = approval
            .commit
            .as_deref()
            .filter(|c| !same_email(&c.author.email, &email))
        {
            Some(format!(
                "{by} does not count: its commit {} was authored by {}",
                c.short(),
                c.author.email
            ))
        } else if policy.signed_approvals {
            match approval.commit.as_deref() {
                None => Some(format!(
                    "{by} does not count: it is not committed, so not signed (policy.{stage}.signed_approvals)"
                )),
                Some(c) => signed(c)
                    .err()
                    .map(|why| format!("{by} does not count: commit {}: {why}", c.short())),
            }
        } else {
            None
        };
        match why_not {
            Some(note) => notes.push(note),
            None if !counted.contains(&email) => counted.push(email),
            None => {}
        }
    }
    if (counted.len() as u64) < u64::from(policy.required_approvals) {
        problems.push(format!(
            "needs {} distinct approval(s) that count, has {}{}",
            policy.required_approvals,
            counted.len(),
            if counted.is_empty() {
                String::new()
            } else {
                format!(" ({})", counted.join(", "))
            }
        ));
        problems.extend(notes);
    }
    problems
}

/// A registry event that breaks the governance policy, found in history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyFinding {
    /// The event record.
    pub record: RecordId,
    /// Its introducing commit.
    pub commit: Option<Arc<CommitInfo>>,
    /// What is wrong.
    pub message: String,
}

/// Re-check `history` against `config`'s policy: every promotion must have
/// met its stage's policy with the approvals before it in history order, and
/// every approve or promote record must name the author of the commit that
/// introduced it (a record written by hand on someone else's behalf does not).
pub fn policy_findings(
    history: &History,
    config: &Config,
    signed: &SignatureCheck<'_>,
) -> Vec<PolicyFinding> {
    let mut findings = Vec::new();
    if config.policy.is_empty() {
        return findings;
    }
    let mut registry = Registry::default();
    for entry in &history.entries {
        if !entry.summary.kind.starts_with("registry-") {
            continue;
        }
        entry.summary.with(|s| {
            let mut finding = |message: String| {
                findings.push(PolicyFinding {
                    record: entry.id.clone(),
                    commit: entry.commit.clone(),
                    message,
                })
            };
            if (s.kind == APPROVE || s.kind == PROMOTE)
                && let Some(c) = entry
                    .commit
                    .as_deref()
                    .filter(|c| !same_email(&c.author.email, &s.agent.email))
            {
                finding(format!(
                    "{} record names {} but its commit {} was authored by {}: written by hand or on someone else's behalf, so it does not count",
                    s.kind,
                    s.agent.email,
                    c.short(),
                    c.author.email
                ));
            }
            if s.kind == PROMOTE
                && let (Some(number), Some(stage)) =
                    (version_param(&s.params), text_param(&s.params, "stage"))
                && let Some(policy) = config.policy.get(&stage)
            {
                let version = registry
                    .models
                    .get(&s.name)
                    .and_then(|m| m.versions.get(&number));
                match version {
                    Some(version) => {
                        let problems =
                            policy_problems(&stage, policy, version, &s.agent, signed);
                        if !problems.is_empty() {
                            finding(format!(
                                "promoting {}@v{number} to '{stage}' broke policy.{stage}: {}",
                                s.name,
                                problems.join("; ")
                            ));
                        }
                    }
                    None => finding(format!(
                        "promotes {}@v{number}, which is not registered before it in history",
                        s.name
                    )),
                }
            }
            registry.apply(&entry.id, s, entry.commit.clone());
        });
    }
    findings
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
    crate::capture::store_record(
        repo,
        &store,
        record,
        options.commit.then_some(&options.commit_options),
    )
}

/// The stages a model's versions hold now, like `production=v2 staging=v3`;
/// `-` when none.
pub fn stages_text(model: &Model) -> String {
    let held: Vec<String> = model
        .stages
        .iter()
        .filter_map(|(stage, s)| s.current.map(|v| format!("{stage}=v{v}")))
        .collect();
    if held.is_empty() {
        "-".into()
    } else {
        held.join(" ")
    }
}

/// The lines `git lineage registry show NAME` prints: the model's stages,
/// every version with its artifact, producer and reviews, then `events`
/// (the model's registry events in history order).
pub fn show_lines(model: &Model, events: &[&Event]) -> Vec<String> {
    {
        let mut out = vec![
            format!("model {}", model.name),
            format!("stages: {}", stages_text(model)),
            String::new(),
        ];
        for version in model.versions.values() {
            let mut flags = Vec::new();
            if version.deprecated {
                flags.push("deprecated".to_string());
            }
            for (stage, held) in &model.stages {
                if held.current == Some(version.number) {
                    flags.push(stage.clone());
                }
            }
            out.push(format!(
                "v{}  {}{}",
                version.number,
                version.register,
                if flags.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", flags.join(", "))
                }
            ));
            out.push(format!(
                "    artifact:    {} {}",
                version.path.as_deref().unwrap_or("-"),
                version.artifact.map(|h| h.to_string()).unwrap_or_default()
            ));
            out.push(format!(
                "    produced by: {}",
                version
                    .produced_by
                    .as_ref()
                    .map_or("-".to_string(), |id| id.to_string())
            ));
            if let Some(d) = &version.description {
                out.push(format!("    description: {d}"));
            }
            for (label, reviews) in [
                ("approved by", &version.approvals),
                ("rejected by", &version.rejections),
            ] {
                for review in reviews {
                    out.push(format!(
                        "    {label}: {} at {}{}",
                        who(&review.who, review.commit.as_deref()),
                        review.when,
                        review
                            .comment
                            .as_deref()
                            .map(|c| format!(": {c}"))
                            .unwrap_or_default()
                    ));
                }
            }
        }
        out.push(String::new());
        out.push("events:".into());
        for event in events {
            let what = match (event.version, &event.stage) {
                (Some(v), Some(stage)) => format!("v{v} {stage}"),
                (Some(v), None) => format!("v{v}"),
                (None, Some(stage)) => stage.clone(),
                (None, None) => String::new(),
            };
            let date = event
                .commit
                .as_ref()
                .map_or(event.recorded, |c| c.date)
                .to_string();
            out.push(format!(
                "  {}  {:<19}  {:<14}  {} {}  {}",
                event.id.short(),
                event.kind,
                what,
                &date[..10],
                &date[11..16],
                who(&event.agent, event.commit.as_deref())
            ));
        }
        out
    }
}

/// `Name <email> (commit <short> by Author <email>)`, as `registry show` writes it.
fn who(agent: &crate::record::Agent, commit: Option<&crate::history::CommitInfo>) -> String {
    match commit {
        Some(c) => format!(
            "{} <{}> (commit {} by {} <{}>)",
            agent.name,
            agent.email,
            c.short(),
            c.author.name,
            c.author.email
        ),
        None => format!("{} <{}> (uncommitted)", agent.name, agent.email),
    }
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
    fn policy_counts_distinct_allowed_signed_approvers() {
        let registry = fold(vec![
            entry(1, REGISTER, &[("version", Value::Int(1))]),
            entry(2, APPROVE, &[("version", Value::Int(1))]),
            entry(3, APPROVE, &[("version", Value::Int(1))]),
        ]);
        let version = &registry.model("fraud").unwrap().versions[&1];
        let promoter = Agent {
            name: "L".into(),
            email: "lead@x".into(),
        };
        let ok = |_: &CommitInfo| Ok(());
        let policy = StagePolicy {
            required_approvals: 1,
            ..StagePolicy::default()
        };
        assert!(policy_problems("production", &policy, version, &promoter, &ok).is_empty());
        let strict = StagePolicy {
            required_approvals: 1,
            distinct_from_registrar: true,
            promoters: Some(vec!["boss@x".into()]),
            ..StagePolicy::default()
        };
        let problems = policy_problems("production", &strict, version, &promoter, &ok);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("lead@x may not promote"));
        assert!(problems[1].contains("needs 1 distinct approval(s) that count, has 0"));
        let signed = StagePolicy {
            required_approvals: 1,
            signed_approvals: true,
            ..StagePolicy::default()
        };
        let problems = policy_problems("production", &signed, version, &promoter, &ok);
        assert!(
            problems[1].contains("not committed, so not signed"),
            "{problems:?}"
        );
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
