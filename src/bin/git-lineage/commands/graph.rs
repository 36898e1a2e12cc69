use std::path::Path;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use git_lineage::graph::{Direction, Graph, TraverseOptions, render};
use git_lineage::refspec::NodeOptions;

use super::HistoryArgs;
use crate::ui::{CommandError, Ui};

/// Show the lineage graph around a REF: what it came from (--up), what came
/// from it (--down), or both (the default). REF is a record id or prefix,
/// name:NAME, blake3:HASH, a URI[@version], commit:REV, a path (its current
/// bytes) or PATH@REV (docs/refs.md).
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Where to start.
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Walk upstream: inputs, the records that produced them, their code, ….
    #[arg(long, conflicts_with_all = ["down", "both"])]
    pub up: bool,
    /// Walk downstream: records that used it, their outputs, ….
    #[arg(long, conflicts_with = "both")]
    pub down: bool,
    /// Walk both ways (the default).
    #[arg(long)]
    pub both: bool,
    /// At most N hops from REF (each record or artifact on the way is one hop).
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Show only nodes of this type: a record kind (train, process, …), an
    /// artifact role (dataset, model, feature-group, …), or record, artifact,
    /// commit. Repeatable; the walk still passes through the others.
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<String>,
    /// With a commit:REV REF, also start from records made from any later
    /// commit that contains REV.
    #[arg(long)]
    pub descendants_of_commit: bool,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Table)]
    pub format: GraphFormat,
}

/// Formats `graph` can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// One line per node, for a terminal.
    Table,
    /// `{roots, nodes, edges}` (docs/json.md).
    Json,
    /// Graphviz DOT (`| dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
}

pub fn cmd_graph(ui: &mut Ui, cwd: &Path, args: &GraphArgs) -> Result<ExitCode, CommandError> {
    let direction = if args.up {
        Direction::Up
    } else if args.down {
        Direction::Down
    } else {
        Direction::Both
    };
    let (repo, history, graph, starts) = open_graph(
        ui,
        cwd,
        &args.reference,
        &args.history,
        args.descendants_of_commit,
    )?;
    let warnings = history.read_warnings();
    let registry = git_lineage::registry::Registry::from_history(&history);
    super::exit_without_freeing(history);
    drop(repo);
    let mut subgraph = graph.traverse(
        &starts,
        &TraverseOptions {
            direction,
            depth: args.depth,
            types: args.types.clone(),
        },
    );
    registry.annotate(&mut subgraph);
    match args.format {
        GraphFormat::Json => ui.json(&super::WithWarnings {
            document: &subgraph,
            warnings: &warnings,
        })?,
        GraphFormat::Table => ui.bytes(render::table(&subgraph).as_bytes())?,
        GraphFormat::Dot => ui.bytes(render::dot(&subgraph).as_bytes())?,
        GraphFormat::Mermaid => ui.bytes(render::mermaid(&subgraph).as_bytes())?,
    }
    super::exit_without_freeing(graph);
    Ok(ExitCode::SUCCESS)
}

/// Load history, build the graph and resolve a REF to its start nodes.
pub fn open_graph(
    ui: &mut Ui,
    cwd: &Path,
    reference: &str,
    history_args: &HistoryArgs,
    descendants_of_commit: bool,
) -> Result<
    (
        git_lineage::repo::Repo,
        git_lineage::history::History,
        Graph,
        Vec<git_lineage::graph::NodeIndex>,
    ),
    CommandError,
> {
    let repo = super::open_repo(cwd)?;
    let spec = git_lineage::refspec::parse(reference).map_err(git_lineage::Error::from)?;
    let history = super::load_history(ui, &repo, history_args.revisions())?;
    let graph = Graph::build(&history.entries);
    let starts = git_lineage::refspec::resolve_nodes(
        &repo,
        &history,
        &graph,
        &spec,
        cwd,
        NodeOptions {
            descendants_of_commit,
        },
    )
    .map_err(git_lineage::Error::from)?;
    Ok((repo, history, graph, starts))
}
