use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use git_lineage::graph::{Direction, Graph, NodeIndex, TraverseOptions};

use super::HistoryArgs;
use crate::ui::{CommandError, Ui};

/// Write the lineage graph as one self-contained, interactive HTML page
/// (docs/view.md): laid out left to right, with a side panel for each node,
/// path highlighting, search, filters, depth control, pan and zoom.
///
/// Without REF the page holds the whole history; with REFs, their
/// neighbourhood (as `graph` walks it: --up, --down, --depth). REF is
/// anything `graph` takes (docs/refs.md). The page makes no network request
/// of any kind and opens from disk; the same history writes the same bytes.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Where to start (none: the whole history).
    #[arg(value_name = "REF")]
    pub references: Vec<String>,
    /// The file to write; `-` writes the page to stdout.
    #[arg(short, long, value_name = "FILE", default_value = "lineage.html")]
    pub output: PathBuf,
    /// With REF: only what it came from.
    #[arg(long, conflicts_with = "down")]
    pub up: bool,
    /// With REF: only what came from it.
    #[arg(long)]
    pub down: bool,
    /// With REF: at most N hops from it.
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Refuse to write a page of more than N nodes (a browser draws a few
    /// thousand boxes smoothly, not a hundred thousand).
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub max_nodes: usize,
    /// Open the page in the default browser ($BROWSER, else xdg-open or open).
    #[arg(long)]
    pub open: bool,
    #[command(flatten)]
    pub start: super::StartArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
}

pub fn cmd_view(ui: &mut Ui, cwd: &Path, args: &ViewArgs) -> Result<ExitCode, CommandError> {
    if args.references.is_empty() && (args.up || args.down || args.depth.is_some()) {
        return Err(CommandError::usage(
            "--up, --down and --depth walk from a REF, and none was given",
        )
        .with_hint("give a REF (`git lineage view model:fraud-model@production --up`), or drop the option to see the whole history"));
    }
    let direction = if args.up {
        Direction::Up
    } else if args.down {
        Direction::Down
    } else {
        Direction::Both
    };
    let (repo, history, graph, starts) = match args.references.as_slice() {
        [] => {
            let repo = super::open_repo(cwd)?;
            let history = super::load_history(ui, &repo, args.history.revisions())?;
            let graph = Graph::build(&history.entries);
            (repo, history, graph, None)
        }
        [one] => {
            let (repo, history, graph, starts, _) = super::graph::open_graph(
                ui,
                cwd,
                one,
                &args.history,
                args.start.node_options(),
                (direction, args.depth),
            )?;
            (repo, history, graph, Some(starts))
        }
        many => {
            let repo = super::open_repo(cwd)?;
            let history = super::load_history(ui, &repo, args.history.revisions())?;
            let graph = Graph::build(&history.entries);
            let mut starts: Vec<NodeIndex> = Vec::new();
            for reference in many {
                let spec = git_lineage::refspec::parse(reference)?;
                starts.extend(git_lineage::refspec::resolve_nodes(
                    &repo,
                    &history,
                    &graph,
                    &spec,
                    cwd,
                    args.start.node_options(),
                )?);
            }
            starts.sort();
            starts.dedup();
            (repo, history, graph, Some(starts))
        }
    };
    let mut subgraph = match &starts {
        None => git_lineage::view::whole(&graph),
        Some(starts) => graph.traverse(
            starts,
            &TraverseOptions {
                direction,
                depth: args.depth,
                types: Vec::new(),
            },
        ),
    };
    if subgraph.nodes.len() > args.max_nodes {
        return Err(CommandError::usage(format!(
            "the page would hold {} nodes, more than --max-nodes {}",
            subgraph.nodes.len(),
            args.max_nodes
        ))
        .with_hint(
            "give a REF and --depth to draw a neighbourhood (`git lineage view REF --depth 3`), or raise --max-nodes",
        ));
    }
    let registry = git_lineage::registry::Registry::from_history(&history);
    registry.annotate(&mut subgraph);
    // As `graph` shows them: dropped bytes marked, expired records hidden.
    let expired = super::Expired::load(
        &repo,
        args.history.revisions(),
        &super::ExpiredArgs {
            include_expired: false,
        },
    )?;
    expired.tombstones.annotate(&mut subgraph);
    expired
        .expirations
        .apply_to_subgraph(&mut subgraph, expired.include);
    let data = git_lineage::view::gather(&repo, &history, &graph, &registry, subgraph);
    super::exit_without_freeing(history);
    super::exit_without_freeing(graph);

    let command = command_line(args);
    let title = match args.references.as_slice() {
        [] => "lineage: whole history".to_string(),
        refs => format!("lineage: {}", refs.join(", ")),
    };
    let options = git_lineage::view::PageOptions::for_subgraph(&data.subgraph, title, command);
    let page = git_lineage::view::render(&data, &options);
    let summary = format!(
        "{}, {}, {}",
        git_lineage::render::count(data.subgraph.nodes.len(), "node"),
        git_lineage::render::count(data.subgraph.edges.len(), "edge"),
        git_lineage::render::human_size(page.len() as u64)
    );
    if args.output.as_os_str() == "-" {
        ui.bytes(page.as_bytes())?;
        ui.note(format!("wrote the page to stdout: {summary}"));
        return Ok(ExitCode::SUCCESS);
    }
    let path = cwd.join(&args.output);
    std::fs::write(&path, page.as_bytes()).map_err(|e| {
        CommandError::usage(format!("cannot write '{}': {e}", path.display())).with_hint(
            "check that its directory exists and is writable, or choose another file with -o",
        )
    })?;
    ui.line(format!("wrote {}: {summary}", args.output.display()))?;
    if args.open {
        open_in_browser(&path)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The command that writes this page again, for its header.
fn command_line(args: &ViewArgs) -> String {
    let mut parts = vec!["git lineage view".to_string()];
    parts.extend(args.references.iter().cloned());
    if args.up {
        parts.push("--up".into());
    }
    if args.down {
        parts.push("--down".into());
    }
    if let Some(depth) = args.depth {
        parts.push(format!("--depth {depth}"));
    }
    if args.start.recorded {
        parts.push("--recorded".into());
    }
    if args.start.descendants_of_commit {
        parts.push("--descendants-of-commit".into());
    }
    if let Some(until) = &args.start.until_commit {
        parts.push(format!("--until-commit {until}"));
    }
    if args.history.all {
        parts.push("--all".into());
    }
    for rev in &args.history.revisions {
        parts.push(format!("--rev {rev}"));
    }
    parts.join(" ")
}

/// Hand the page to `$BROWSER`, else the platform's opener; the opener runs
/// on its own (the command does not wait for the browser to close).
fn open_in_browser(path: &Path) -> Result<(), CommandError> {
    let opener = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| {
            if cfg!(target_os = "macos") {
                "open".into()
            } else if cfg!(windows) {
                "explorer".into()
            } else {
                "xdg-open".into()
            }
        });
    std::process::Command::new(&opener)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| {
            CommandError::usage(format!(
                "wrote '{}' but cannot open it with '{opener}': {e}",
                path.display()
            ))
            .with_hint(
                "open the file in a browser yourself, or set BROWSER to the browser's command",
            )
        })
}
