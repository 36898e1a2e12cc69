//! `git lineage where REF` (the file is not `where.rs`: `where` is a Rust keyword).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::locate::Located;

use super::HistoryArgs;
use crate::ui::{CommandError, Format, Ui};

/// Where the bytes of a recorded artifact live: the locations records gave
/// (--location PATH=URL), the config's default for its path
/// (`locations:` in .lineage/config.yaml), and for a large-file pointer its
/// tool's store: the Git LFS endpoint, the DVC remote, the git-annex
/// repositories holding it, and the local object cache (docs/pointers.md).
#[derive(Debug, Args)]
pub struct WhereArgs {
    /// The artifact: a path, blake3:HASH, a pointer digest (sha256:…,
    /// md5:…), a URI (docs/refs.md).
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

pub fn cmd_where(ui: &mut Ui, cwd: &Path, args: &WhereArgs) -> Result<ExitCode, CommandError> {
    // One hop: the records that list the artifact.
    let (repo, history, graph, starts, _range) = super::graph::open_graph(
        ui,
        cwd,
        &args.reference,
        &args.history,
        args.start.node_options(),
        (git_lineage::graph::Direction::Both, Some(1)),
    )?;
    let located = git_lineage::locate::locate(&repo, &history, &graph, &starts);
    for note in located.iter().flat_map(|l| &l.notes) {
        ui.note(format!("note: {note}"));
    }
    match args.format {
        Format::Json => ui.json(&git_lineage::locate::WhereReport { artifacts: located })?,
        Format::Text => write_text(ui.out(), &located)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Per artifact: a line naming it, then a `SOURCE  LOCATION` table (one
/// column per fact, so a new one, like whether a copy was dropped, fits).
fn write_text(out: &mut dyn Write, located: &[Located]) -> std::io::Result<()> {
    for (i, artifact) in located.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let mut head = format!("{}  {}", artifact.paths.join(", "), artifact.id);
        for pointer in &artifact.pointers {
            head.push_str(&format!("  {} {}", pointer.kind, pointer.digest));
        }
        writeln!(out, "{head}")?;
        if let Some(by) = &artifact.dropped_by {
            writeln!(
                out,
                "  dropped by {}: a tombstone says these bytes were deleted (`git lineage show {}`)",
                by.short(),
                by.short()
            )?;
        }
        if artifact.locations.is_empty() {
            writeln!(out, "  no known location")?;
            continue;
        }
        let width = artifact
            .locations
            .iter()
            .map(|l| l.source.as_str().len())
            .max()
            .unwrap_or(0)
            .max("SOURCE".len());
        writeln!(out, "  {:width$}  LOCATION", "SOURCE")?;
        for location in &artifact.locations {
            let by = location
                .record
                .as_ref()
                .map(|id| format!("  (record {})", id.short()))
                .unwrap_or_default();
            writeln!(
                out,
                "  {:width$}  {}{by}",
                location.source.as_str(),
                location.location
            )?;
        }
    }
    Ok(())
}
