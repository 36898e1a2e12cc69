//! Registry events: `register`, `approve`/`reject`, `promote`, `rollback`
//! and `deprecate` check the request against the folded state and the
//! stage policy, then write (and optionally commit) one record each.

use std::path::PathBuf;

use super::load;
use super::model::{
    APPROVE, ArtifactProblem, DEPRECATE, Model, PROMOTE, REGISTER, REJECT, ROLLBACK, RegistryError,
    Selector, Version, parse_version_selector,
};
use super::policy::{policy_problems, verify_commit_signature};
use crate::capture::{Context, Recorded, Side};
use crate::config::{Config, StagePolicy};
use crate::hash::ContentHash;
use crate::history::{CommitInfo, History};
use crate::params::{Value, ValueMap};
use crate::record::{Artifact, ForeignReference, RecordId};
use crate::refspec::{self, RefError};
use crate::repo::Repo;
use crate::store::Store;
use crate::{Error, Result};

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
    /// The producing record's REF; found by hash when absent. `REMOTE:REF`
    /// names a record of lineage remote REMOTE's fetched history (the event
    /// then `imports` it).
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
    crate::record::check_name(&request.name).map_err(|problem| Error::InvalidField {
        field: "NAME",
        problem,
    })?;
    let (history, registry) = load(repo)?;
    let bad = |problem: ArtifactProblem| RegistryError::BadArtifact {
        spec: request.artifact.clone(),
        problem,
    };
    let mut artifact = if let Some(hex) = request.artifact.strip_prefix("blake3:") {
        let hash = ContentHash::from_hex(hex).ok_or_else(|| bad(ArtifactProblem::NotAHash))?;
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
            _ => return Err(bad(ArtifactProblem::NotOne).into()),
        }
    };
    artifact.role = Some("model".into());
    let hash = artifact.hash.ok_or_else(|| bad(ArtifactProblem::NoHash))?;
    let (references, imports) = match &request.from {
        Some(text) => match producer_from(repo, &history, text)? {
            Producer::Local(id) => (vec![id], Vec::new()),
            Producer::Foreign(import) => (Vec::new(), vec![import]),
        },
        None => (
            vec![producer_of(&history, &hash).ok_or(RegistryError::NoProducer(hash))?],
            Vec::new(),
        ),
    };
    let number = registry.models.get(&request.name).map_or(0, Model::latest) + 1;
    let mut params = ValueMap::new();
    params.insert("version".into(), Value::Int(number as i64));
    if let Some(d) = &request.description {
        params.insert("description".into(), Value::String(d.clone()));
    }
    let mut record = crate::capture::action_record(
        repo,
        REGISTER,
        &request.name,
        repo.identity()?,
        params,
        vec![artifact],
        references,
    )?;
    record.imports = imports;
    store_event(repo, record, options)
}

/// The record that produced a registered artifact.
enum Producer {
    /// A record of this repository's history (the event's `references`).
    Local(RecordId),
    /// A record of a lineage remote's fetched history (the event's `imports`).
    Foreign(ForeignReference),
}

/// The producer `--from TEXT` names: `REMOTE:REF` with REMOTE a lineage
/// source ([`crate::remote::split_qualified`]) is REF resolved in that
/// source's fetched history; anything else a record of `history`. A text
/// shaped `NAME:REF` that names neither is [`RefError::UnknownRemote`].
fn producer_from(repo: &Repo, history: &History, text: &str) -> Result<Producer> {
    if let Some((remote, rest)) = crate::remote::split_qualified(repo, text) {
        let spec = refspec::parse(rest)?;
        let url = source_url(repo, remote)?;
        return Ok(Producer::Foreign(refspec::foreign_reference(
            repo, remote, &spec, url,
        )?));
    }
    match refspec::resolve_record(history, &refspec::parse(text)?) {
        Ok(id) => Ok(Producer::Local(id)),
        Err(e @ (RefError::NotARecord(_) | RefError::NotFound(_))) => {
            let unknown = Store::new(repo.root())
                .config()
                .ok()
                .and_then(|config| refspec::unknown_remote(text, &config));
            Err(unknown.unwrap_or(e).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The URL naming lineage source `remote` in an event's `imports`, without
/// credentials: the URL `.lineage/config.yaml` declares, or for a submodule
/// read as a source, its URL in `.gitmodules`.
fn source_url(repo: &Repo, remote: &str) -> Result<String> {
    let config = Store::new(repo.root()).config()?;
    if let Some(declared) = config.remotes.get(remote) {
        return Ok(crate::repo::public_url(&declared.url));
    }
    crate::remote::list(repo)?
        .into_iter()
        .find(|source| source.name == remote && !source.url.is_empty())
        .map(|source| crate::repo::public_url(&source.url))
        .ok_or_else(|| Error::InvalidArgument {
            field: "--from",
            problem: format!(
                "lineage source '{remote}' has no URL to name it by (a submodule without a url in .gitmodules); declare it with `git lineage remote add {remote} URL`"
            ),
        })
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

fn write_event(
    repo: &Repo,
    kind: &str,
    name: &str,
    params: ValueMap,
    inputs: Vec<Artifact>,
    references: Vec<RecordId>,
    options: &EventOptions,
) -> Result<Recorded> {
    let record = crate::capture::action_record(
        repo,
        kind,
        name,
        repo.identity()?,
        params,
        inputs,
        references,
    )?;
    store_event(repo, record, options)
}

/// Write the event `record` and, with `options.commit`, commit it.
fn store_event(
    repo: &Repo,
    record: crate::record::Record,
    options: &EventOptions,
) -> Result<Recorded> {
    let store = Store::new(repo.root());
    crate::capture::store_record(
        repo,
        &store,
        record,
        options.commit.then_some(&options.commit_options),
    )
}
