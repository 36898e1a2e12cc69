//! The feature-lineage questions the demo answers at the end, each with the
//! one command that answers it, computed through the same history, REF and
//! graph code the `graph` command uses.

use serde::Serialize;

use git_lineage::graph::{Direction, Graph, NodeIndex, TraverseOptions, render};
use git_lineage::history::{History, HistoryOptions};
use git_lineage::refspec::{self, NodeOptions};
use git_lineage::repo::Repo;
use git_lineage::{Error, Result};

/// One question, the command that answers it, and the answer.
#[derive(Debug, Clone, Serialize)]
pub struct DemoQuestion {
    /// The question in words.
    pub question: String,
    /// The `git lineage …` command that answers it.
    pub command: String,
    /// The node ids (`featurestore://…@…`, `blake3:…`) that answer it.
    pub answer: Vec<String>,
    /// The same nodes as a person reads them (paths and URIs).
    pub labels: Vec<String>,
}

/// (question, REF, direction, type) for each of the four questions.
const QUESTIONS: [(&str, &str, Direction, &str); 4] = [
    (
        "Which feature groups are built from the data source data/raw/claims.csv?",
        super::RAW_CLAIMS,
        Direction::Down,
        "feature-group",
    ),
    (
        "Which data sources feed the feature group featurestore://claims?",
        "featurestore://claims",
        Direction::Up,
        "dataset",
    ),
    (
        "Which models use the feature group featurestore://claims?",
        "featurestore://claims",
        Direction::Down,
        "model",
    ),
    (
        "Which feature groups does the model model/model.json depend on?",
        super::MODEL,
        Direction::Up,
        "feature-group",
    ),
];

/// Answer the four questions on the demo repository, and render the
/// model's whole lineage (both directions) as a Mermaid flowchart.
pub fn answer(repo: &Repo) -> Result<(Vec<DemoQuestion>, String)> {
    let history = History::load(repo, &HistoryOptions::default())?;
    let graph = Graph::build(&history.entries);
    let starts = |reference: &str| -> Result<Vec<NodeIndex>> {
        let spec = refspec::parse(reference)?;
        Ok(refspec::resolve_nodes(
            repo,
            &history,
            &graph,
            &spec,
            repo.root(),
            NodeOptions::default(),
        )?)
    };
    let mut questions = Vec::new();
    for (question, reference, direction, node_type) in QUESTIONS {
        let subgraph = graph.traverse(
            &starts(reference)?,
            &TraverseOptions {
                direction,
                depth: None,
                types: vec![node_type.to_string()],
            },
        );
        let found: Vec<_> = subgraph
            .nodes
            .iter()
            .filter(|n| n.direction != git_lineage::graph::Side::Root)
            .collect();
        let flag = match direction {
            Direction::Up => "--up",
            Direction::Down => "--down",
            Direction::Both => "--both",
        };
        questions.push(DemoQuestion {
            question: question.to_string(),
            command: format!("git lineage graph {reference} {flag} --type {node_type}"),
            answer: found.iter().map(|n| n.id.clone()).collect(),
            labels: found.iter().map(|n| n.label.clone()).collect(),
        });
    }
    let model = starts(super::MODEL)?;
    if model.is_empty() {
        return Err(Error::InvalidArgument {
            field: "demo",
            problem: "the model is not in the lineage graph".into(),
        });
    }
    let whole = graph.traverse(&model, &TraverseOptions::new(Direction::Both));
    Ok((questions, render::mermaid(&whole)))
}
