//! The demo's registry steps: register `fraud-model` v1, approve and promote it,
//! train and register v2, promote it, roll production back to v1 — each an event
//! committed by [`git_lineage::registry`] — then show the registry and the production
//! model's upstream graph, computed by the same code `registry show` and
//! `graph model:fraud-model@production --up` use.

use serde::Serialize;

use git_lineage::Result;
use git_lineage::capture::Recorded;
use git_lineage::graph::{Direction, Graph, TraverseOptions, render};
use git_lineage::history::{History, HistoryOptions};
use git_lineage::refspec::{self, NodeOptions};
use git_lineage::registry::{self, Event, EventOptions, Model, RegisterRequest, Resolved};
use git_lineage::repo::Repo;

/// The registered model's name.
pub const MODEL_NAME: &str = "fraud-model";
/// The stage the demo promotes to and rolls back.
pub const STAGE: &str = "production";
/// The REF of the production model.
pub const PRODUCTION: &str = "model:fraud-model@production";

/// The registry as the demo leaves it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoRegistry {
    /// `registry show fraud-model`: the model, its versions, reviews and stages.
    pub model: Model,
    /// `registry show fraud-model`: its events in history order.
    pub events: Vec<Event>,
    /// `registry resolve fraud-model@production`.
    pub production: Resolved,
    /// `graph model:fraud-model@production --up --format mermaid`.
    pub upstream: String,
}

/// Register `artifact` as the next version of `fraud-model`.
pub(super) fn register(repo: &Repo, artifact: &str, description: &str) -> Result<Recorded> {
    registry::register(
        repo,
        &RegisterRequest {
            name: MODEL_NAME.into(),
            artifact: artifact.into(),
            from: None,
            description: Some(description.into()),
        },
        &options(repo),
    )
}

/// Approve `fraud-model@vN` with `comment`.
pub(super) fn approve(repo: &Repo, version: u64, comment: &str) -> Result<Recorded> {
    registry::review(
        repo,
        &format!("{MODEL_NAME}@v{version}"),
        true,
        Some(comment),
        &options(repo),
    )
}

/// Promote `fraud-model@vN` to production.
pub(super) fn promote(repo: &Repo, version: u64) -> Result<Recorded> {
    registry::promote(
        repo,
        &format!("{MODEL_NAME}@v{version}"),
        STAGE,
        &options(repo),
    )
}

/// Roll production back to the version it held before.
pub(super) fn rollback(repo: &Repo) -> Result<Recorded> {
    registry::rollback(repo, MODEL_NAME, STAGE, &options(repo))
}

fn options(repo: &Repo) -> EventOptions {
    EventOptions {
        commit: true,
        cwd: repo.root().to_path_buf(),
        ..EventOptions::default()
    }
}

/// Read the registry and the production model's upstream graph back from history.
pub(super) fn show(repo: &Repo) -> Result<DemoRegistry> {
    let history = History::load(repo, &HistoryOptions::default())?;
    let folded = registry::Registry::from_history(&history);
    let model = folded.model(MODEL_NAME)?.clone();
    let events = folded
        .events
        .iter()
        .filter(|e| e.model == MODEL_NAME)
        .cloned()
        .collect();
    let production = registry::resolve(&folded, &format!("{MODEL_NAME}@{STAGE}"))?;
    let graph = Graph::build(&history.entries);
    let starts = refspec::resolve_nodes(
        repo,
        &history,
        &graph,
        &refspec::parse(PRODUCTION)?,
        repo.root(),
        NodeOptions::default(),
    )?;
    let upstream = graph.traverse(&starts, &TraverseOptions::new(Direction::Up));
    Ok(DemoRegistry {
        model,
        events,
        production,
        upstream: render::mermaid(&upstream),
    })
}

impl DemoRegistry {
    /// The lines `git lineage registry show fraud-model` prints.
    pub fn show_lines(&self) -> Vec<String> {
        let events: Vec<&git_lineage::registry::Event> = self.events.iter().collect();
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = git_lineage::registry::render::write_show(&mut out, &self.model, &events);
        String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_string)
            .collect()
    }
}
