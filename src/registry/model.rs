//! Registry state: the `registry-*` record kinds, `NAME@vN` / `NAME@STAGE`
//! selectors, and the fold of history's event records into models, versions,
//! stages and conflicts ([`Registry::from_history`]). Pure: no git, no writes.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::graph::{AffectedVersion, Impact, Node, Registration, Subgraph};
use crate::hash::ContentHash;
use crate::history::{CommitInfo, History, Summary};
use crate::params::{Value, ValueMap};
use crate::record::{Agent, ForeignReference, RecordId};
use crate::time::Timestamp;

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
#[non_exhaustive]
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
        problem: ArtifactProblem,
    },
}

/// Why `registry register --artifact` names nothing usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactProblem {
    /// `blake3:` followed by something else than a hash.
    #[error("not blake3:<64 lowercase hex>")]
    NotAHash,
    /// A glob or path naming several artifacts, or none.
    #[error("must name exactly one file or directory")]
    NotOne,
    /// An external URI, which has no content hash to register.
    #[error("has no content hash (an external URI); give a local path")]
    NoHash,
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
    /// When that record is another repository's (`register --from
    /// REMOTE:REF`): the foreign reference the register event `imports`,
    /// naming that repository. The fold alone does not know it:
    /// [`super::name_foreign_producers`] reads it from the register event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub produced_in: Option<ForeignReference>,
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

pub(super) fn text_param(params: &ValueMap, key: &str) -> Option<String> {
    match params.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

pub(super) fn version_param(params: &ValueMap) -> Option<u64> {
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

    /// Fold one `registry-*` record (`s`, introduced by `commit`) into the state.
    pub(super) fn apply(&mut self, id: &RecordId, s: &Summary, commit: Option<Arc<CommitInfo>>) {
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
                            produced_in: None,
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

    /// Every version whose artifact has `hash` or whose producing record is
    /// `record`, with the stages it holds now; by model, then version.
    pub fn registrations(
        &self,
        hash: Option<&ContentHash>,
        record: Option<&RecordId>,
    ) -> Vec<Registration> {
        let mut found = Vec::new();
        for model in self.models.values() {
            for version in model.versions.values() {
                let is_artifact = hash.is_some() && version.artifact.as_ref() == hash;
                let made_it = record.is_some() && version.produced_by.as_ref() == record;
                if !(is_artifact || made_it) {
                    continue;
                }
                let stages: Vec<String> = model
                    .stages
                    .iter()
                    .filter(|(_, stage)| stage.current == Some(version.number))
                    .map(|(name, _)| name.clone())
                    .collect();
                found.push(Registration {
                    model: model.name.clone(),
                    version: format!("v{}", version.number),
                    stages,
                });
            }
        }
        found
    }

    /// Annotate a traversal: each model artifact with the versions it is,
    /// each record with the versions whose artifact it produced.
    pub fn annotate(&self, subgraph: &mut Subgraph) {
        for node in &mut subgraph.nodes {
            node.registered = match &node.node {
                Node::Artifact(artifact) => match &artifact.hash {
                    Some(hash) => self.registrations(Some(hash), None),
                    None => Vec::new(),
                },
                Node::Record(record) => self.registrations(None, Some(&record.id)),
                Node::Commit(_) => Vec::new(),
            };
        }
    }

    /// Annotate an impact: each affected artifact with the versions it is,
    /// and the list of affected versions with their stages.
    pub fn annotate_impact(&self, impact: &mut Impact) {
        let mut affected = Vec::new();
        for artifact in &mut impact.artifacts {
            let Some(hash) = &artifact.hash else {
                continue;
            };
            artifact.registered = self.registrations(Some(hash), None);
            for registration in &artifact.registered {
                affected.push(AffectedVersion {
                    model: registration.model.clone(),
                    version: registration.version.clone(),
                    stages: registration.stages.clone(),
                    artifact: artifact.id.clone(),
                    locator: artifact.locator.clone(),
                });
            }
        }
        affected.sort_by(|a, b| {
            (&a.model, version_number(&a.version)).cmp(&(&b.model, version_number(&b.version)))
        });
        impact.registry = affected;
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

    /// The records that produced a registered version (the register event
    /// when no producer is known): of model `model` (every model when
    /// `None`), and only versions currently in `stage` when given.
    pub fn producers(
        &self,
        model: Option<&str>,
        stage: Option<&str>,
    ) -> std::collections::BTreeSet<RecordId> {
        self.models
            .values()
            .filter(|m| model.is_none_or(|name| m.name == name))
            .flat_map(|m| {
                m.versions.values().filter(move |v| {
                    stage.is_none_or(|stage| {
                        m.stages.get(stage).and_then(|s| s.current) == Some(v.number)
                    })
                })
            })
            .map(|v| v.produced_by.clone().unwrap_or_else(|| v.register.clone()))
            .collect()
    }
}

/// Hand-built history entries for the registry's unit tests.
#[cfg(test)]
pub(super) mod fixtures {
    use crate::hash::ContentHash;
    use crate::history::{Entry, History, Summary, SummaryCell};
    use crate::params::{Value, ValueMap};
    use crate::record::{Agent, Artifact, RecordId};
    use crate::registry::model::Registry;
    use crate::time::Timestamp;

    pub(crate) fn id(n: u8) -> RecordId {
        RecordId::parse(&format!("{:02x}", n).repeat(32)).unwrap()
    }

    pub(crate) fn entry(n: u8, kind: &str, params: &[(&str, Value)]) -> Entry {
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
            repository: None,
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

    pub(crate) fn fold(entries: Vec<Entry>) -> Registry {
        let mut history = History::default();
        history.entries = entries;
        Registry::from_history(&history)
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{entry, fold, id};
    use super::*;

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
        let resolved = crate::registry::resolve(&registry, "fraud@production").unwrap();
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

/// N of `vN`, for ordering.
fn version_number(text: &str) -> u64 {
    text.trim_start_matches('v').parse().unwrap_or(0)
}
