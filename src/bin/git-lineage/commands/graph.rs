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
/// bytes; when it is not on disk, every version recorded at it) or PATH@REV
/// (docs/refs.md); REMOTE:REF (an id, prefix, name:NAME or
/// model:NAME@STAGE) is a record of lineage remote REMOTE, read from its
/// fetched history without --remotes.
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
    #[command(flatten)]
    pub start: super::StartArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub expired: super::ExpiredArgs,
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
    let (repo, history, graph, starts, range) = open_graph(
        ui,
        cwd,
        &args.reference,
        &args.history,
        args.start.node_options(),
        (direction, args.depth),
    )?;
    let warnings = history.read_warnings();
    let registry = git_lineage::registry::Registry::from_history(&history);
    super::exit_without_freeing(history);
    let expired = super::Expired::load(&repo, args.history.revisions(), &args.expired)?;
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
    expired.tombstones.annotate(&mut subgraph);
    expired
        .expirations
        .apply_to_subgraph(&mut subgraph, expired.include);
    match args.format {
        GraphFormat::Json => ui.json(&super::WithWarnings {
            document: &subgraph,
            warnings: &warnings,
        })?,
        GraphFormat::Table => match &range {
            // Many start commits: one summary line, not a row each.
            Some(range) => {
                let mut shown = subgraph.clone();
                shown.nodes.retain(|n| {
                    !(n.direction == git_lineage::graph::Side::Root
                        && n.node_type == git_lineage::graph::NodeType::Commit)
                });
                ui.line(range_summary(range))?;
                render::write_table(ui.out(), &shown)?
            }
            None => render::write_table(ui.out(), &subgraph)?,
        },
        GraphFormat::Dot => render::write_dot(ui.out(), &subgraph)?,
        GraphFormat::Mermaid => render::write_mermaid(ui.out(), &subgraph)?,
    }
    super::exit_without_freeing(graph);
    Ok(ExitCode::SUCCESS)
}

/// `from 2 commits that contain 43f060126a0b and not 45002dc2fa8b: …`.
pub fn range_summary(range: &git_lineage::refspec::CommitRange) -> String {
    let short = |c: &String| c[..c.len().min(12)].to_string();
    let not = range
        .until
        .as_ref()
        .map(|u| format!(" and not {}", short(u)))
        .unwrap_or_default();
    format!(
        "from {} that contain {}{not}: {}",
        git_lineage::render::count(range.commits.len(), "commit"),
        short(&range.from),
        range
            .commits
            .iter()
            .map(short)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// What [`open_graph`] gives: the repository, history, graph, the start
/// nodes and, for a commit range, its commits.
pub type OpenGraph = (
    git_lineage::repo::Repo,
    git_lineage::history::History,
    Graph,
    Vec<git_lineage::graph::NodeIndex>,
    Option<git_lineage::refspec::CommitRange>,
);

/// Load history, build the graph and resolve a REF to its start nodes;
/// notes on stderr say which of many records `name:` picked and which
/// recorded versions a path not on disk means.
pub fn open_graph(
    ui: &mut Ui,
    cwd: &Path,
    reference: &str,
    history_args: &HistoryArgs,
    options: NodeOptions,
    walk: (Direction, Option<usize>),
) -> Result<OpenGraph, CommandError> {
    let repo = super::open_repo(cwd)?;
    let (spec, revisions) = super::parse_ref(&repo, reference, history_args.revisions())?;
    // Only what the walk from REF reaches is read, when a catalog has it.
    let question = git_lineage::catalog::Question::for_ref(&repo, cwd, &spec, Some(walk));
    let focused = super::load_focused(ui, &repo, revisions, question.as_ref())?;
    let graph = focused.graph();
    let history = &focused.history;
    let starts =
        git_lineage::refspec::resolve_nodes(&repo, history, &graph, &spec, cwd, options.clone())?;
    let range = match &spec {
        git_lineage::refspec::RefSpec::Commit(rev) => {
            git_lineage::refspec::commit_range(&repo, history, rev, &options)?.map(|mut range| {
                // Only the commits some record was made from start the walk.
                range.commits.retain(|c| {
                    graph
                        .node(&git_lineage::graph::NodeKey::Commit(c.clone()))
                        .is_some()
                });
                range
            })
        }
        _ => None,
    };
    if let Some((rel, versions)) =
        git_lineage::refspec::recorded_versions(&repo, &graph, &spec, cwd, &options)
    {
        match versions.as_slice() {
            [] => {}
            [one] => ui.note(format!(
                "note: '{rel}' means the version recorded at it, {}",
                graph.get(*one).key()
            )),
            many => {
                let mut note = format!(
                    "note: '{rel}' means the {} versions recorded at it, newest first (give one as REF to choose):",
                    many.len()
                );
                for node in many {
                    note.push_str(&format!("\n  {}", graph.get(*node).key()));
                }
                ui.note(note);
            }
        }
    }
    if let git_lineage::refspec::RefSpec::Name(text) = &spec
        && let Some(note) = focused.named(text).ok().and_then(|choice| choice.note())
    {
        ui.note(note);
    }
    Ok((repo, focused.history, graph, starts, range))
}
