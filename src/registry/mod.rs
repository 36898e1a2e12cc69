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
//! [`model`] folds the state, [`policy`] judges promotions, [`events`] writes
//! event records and [`render`] writes the text `registry` commands print.
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

pub mod events;
pub mod model;
pub mod policy;
pub mod render;

use serde::Serialize;

pub use events::{EventOptions, RegisterRequest, deprecate, promote, register, review, rollback};
pub use model::{
    APPROVE, ArtifactProblem, Conflict, DEPRECATE, Event, Model, PROMOTE, REGISTER, REJECT,
    ROLLBACK, Registry, RegistryError, Review, Selector, Stage, Version, parse_selector,
    parse_version_selector,
};
pub use policy::{
    PolicyFinding, SignatureCheck, policy_findings, policy_problems, verify_commit_signature,
};

use crate::Result;
use crate::hash::ContentHash;
use crate::history::{History, HistoryOptions};
use crate::record::RecordId;
use crate::repo::Repo;

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
    /// When that record is another repository's: the foreign reference
    /// naming it ([`Version::produced_in`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub produced_in: Option<crate::record::ForeignReference>,
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
        produced_in: version.produced_in.clone(),
    })
}

/// Fill [`Version::produced_in`] for the versions of `models` whose
/// producing record is another repository's (`register --from
/// REMOTE:REF`), from their register events' `imports` as `history` (the
/// one `models` were folded from) holds them. Only a version whose producer
/// is not a record of the register event's own repository in `history` is
/// read; an event that cannot be read keeps `None` (history's read warnings
/// name it).
pub fn name_foreign_producers<'m>(
    repo: &Repo,
    history: &History,
    models: impl IntoIterator<Item = &'m mut Model>,
) {
    for version in models.into_iter().flat_map(|m| m.versions.values_mut()) {
        let Some(producer) = &version.produced_by else {
            continue;
        };
        let repository = |id: &RecordId| {
            history
                .get(id)
                .map(|e| e.repository.as_ref().map(|r| r.name.clone()))
        };
        if let Some(own) = repository(producer)
            && own == repository(&version.register).flatten()
        {
            continue;
        }
        let Ok((_, event)) = history.read_record(repo, &version.register) else {
            continue;
        };
        version.produced_in = event.imports.into_iter().find(|i| &i.record == producer);
    }
}

/// Load HEAD's history (with uncommitted records) and fold it.
pub fn load(repo: &Repo) -> Result<(History, Registry)> {
    let history = History::load(repo, &HistoryOptions::default())?;
    let registry = Registry::from_history(&history);
    Ok((history, registry))
}
