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
    /// record, commit:REV, …).
    #[arg(value_name = "REF")]
    pub reference: String,
    /// With a commit:REV REF, also include records made from any later
    /// commit that contains REV.
    #[arg(long)]
    pub descendants_of_commit: bool,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Output format: text, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_impact(ui: &mut Ui, cwd: &Path, args: &ImpactArgs) -> Result<ExitCode, CommandError> {
    let (_repo, history, graph, starts) = super::graph::open_graph(
        ui,
        cwd,
        &args.reference,
        &args.history,
        args.descendants_of_commit,
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
            let records: usize = impact.records.values().map(Vec::len).sum();
            if records == 0 && impact.artifacts.is_empty() {
                ui.line(format!("nothing downstream of {}", args.reference))?;
                return Ok(ExitCode::SUCCESS);
            }
            ui.line(format!(
                "{} and {} downstream of {}",
                super::count(records, "record"),
                super::count(impact.artifacts.len(), "output"),
                args.reference
            ))?;
            let name_width = impact
                .records
                .values()
                .flatten()
                .map(|r| r.name.chars().count())
                .max()
                .unwrap_or(0);
            for (kind, list) in &impact.records {
                ui.line("")?;
                ui.line(format!("{kind} ({})", list.len()))?;
                for record in list {
                    let commit = record.commit_short().unwrap_or("uncommitted");
                    // The record that produced a registered version names it.
                    let registered: Vec<String> = registry
                        .registrations(None, Some(&record.id))
                        .iter()
                        .map(|r| format!("  [{r}]"))
                        .collect();
                    ui.line(format!(
                        "  {}  {:<name_width$}  {:<12}  {}  {}{}",
                        record.id.short(),
                        record.name,
                        commit,
                        super::short_date(record.recorded),
                        record.author.name,
                        registered.concat()
                    ))?;
                }
            }
            if !impact.artifacts.is_empty() {
                let locator_width = impact
                    .artifacts
                    .iter()
                    .map(|a| a.locator.chars().count())
                    .max()
                    .unwrap_or(0);
                ui.line("")?;
                ui.line(format!("outputs ({})", impact.artifacts.len()))?;
                for artifact in &impact.artifacts {
                    let roles: Vec<&str> = artifact.roles.iter().map(String::as_str).collect();
                    let hash = artifact
                        .hash
                        .map(|h| format!("blake3:{}", &h.to_hex()[..12]))
                        .unwrap_or_else(|| "-".into());
                    let registered: Vec<String> = artifact
                        .registered
                        .iter()
                        .map(|r| format!("  [{r}]"))
                        .collect();
                    ui.line(
                        format!(
                            "  {:<locator_width$}  {:<19}  {}{}",
                            artifact.locator,
                            hash,
                            roles.join(", "),
                            registered.concat()
                        )
                        .trim_end(),
                    )?;
                }
            }
            if !impact.registry.is_empty() {
                // The answer to "which registered versions, and is production one?".
                let name_width = impact
                    .registry
                    .iter()
                    .map(|v| v.model.chars().count() + 1 + v.version.len())
                    .max()
                    .unwrap_or(0);
                let stage_width = impact
                    .registry
                    .iter()
                    .map(|v| v.stages.join(",").chars().count().max(1))
                    .max()
                    .unwrap_or(1);
                ui.line("")?;
                ui.line(format!("registered versions ({})", impact.registry.len()))?;
                for version in &impact.registry {
                    let stages = if version.stages.is_empty() {
                        "-".to_string()
                    } else {
                        version.stages.join(",")
                    };
                    ui.line(format!(
                        "  {:<name_width$}  {:<stage_width$}  {}",
                        format!("{} {}", version.model, version.version),
                        stages,
                        version.locator
                    ))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
