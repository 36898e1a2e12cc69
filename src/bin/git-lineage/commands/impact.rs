use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::HistoryArgs;
use crate::ui::{CommandError, Format, Ui};

/// The blast radius of a REF: every downstream record, grouped by kind, with
/// the commit and author of each, and every output they wrote. Answers "this
/// dataset had an error: which models and endpoints are affected?".
#[derive(Debug, Args)]
pub struct ImpactArgs {
    /// What changed or was found faulty (any REF: a path, blake3:HASH, a
    /// record, commit:REV, …; REMOTE:REF for a record of lineage remote
    /// REMOTE).
    #[arg(value_name = "REF")]
    pub reference: String,
    #[command(flatten)]
    pub start: super::StartArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Output format: text, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_impact(ui: &mut Ui, cwd: &Path, args: &ImpactArgs) -> Result<ExitCode, CommandError> {
    let (_repo, history, graph, starts, range) = super::graph::open_graph(
        ui,
        cwd,
        &args.reference,
        &args.history,
        args.start.node_options(),
        (git_lineage::graph::Direction::Down, None),
    )?;
    let mut impact = graph.impact(&starts);
    let registry = git_lineage::registry::Registry::from_history(&history);
    registry.annotate_impact(&mut impact);
    let warnings = history.read_warnings();
    super::exit_without_freeing((history, graph));
    match args.format {
        Format::Json => ui.json(&super::WithWarnings {
            document: &impact,
            warnings: &warnings,
        })?,
        Format::Text => {
            let range_line = range.as_ref().map(super::graph::range_summary);
            git_lineage::graph::render::write_impact(
                ui.out(),
                &impact,
                &args.reference,
                range_line.as_deref(),
                &|id| registry.registrations(None, Some(id)),
            )?
        }
    }
    Ok(ExitCode::SUCCESS)
}
