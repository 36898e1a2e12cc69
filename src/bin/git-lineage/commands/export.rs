use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use git_lineage::export::{ExportFormat, ExportOptions};

use crate::ui::{CommandError, Ui};

/// Export lineage in a standard format: OpenLineage run events (JSON Lines),
/// W3C PROV-JSON, in-toto/SLSA provenance for output artifacts (JSON Lines),
/// or the graph as DOT, Mermaid or JSON. With REFs, each REF and everything
/// upstream of it; without, every record. The same history always exports
/// the same bytes (docs/export.md).
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export: records, artifacts or commits, and their upstream
    /// lineage (any REF, docs/refs.md). Every record when none is given.
    #[arg(value_name = "REF")]
    pub references: Vec<String>,
    /// The output format.
    #[arg(long, value_enum)]
    pub format: ExportFormatArg,
    /// Read every branch, remote branch and tag, not only HEAD.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub remote: super::RemoteArgs,
    /// Write to FILE (replaced atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The OpenLineage namespace of this repository (default: its remote
    /// URL, or the worktree as a file:// URI).
    #[arg(long, value_name = "NAME")]
    pub namespace: Option<String>,
    /// Export even when record files in history cannot be read (a missing
    /// or corrupt git object, an invalid record): the export lacks those
    /// records and each is named on stderr. Without it that is an error (exit 2).
    #[arg(long)]
    pub allow_incomplete: bool,
}

/// Formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    /// OpenLineage 2-0-2 RunEvents, one per record, as JSON Lines.
    Openlineage,
    /// One W3C PROV-JSON document.
    Prov,
    /// in-toto Statements v1 with SLSA v1 provenance, one per output, as JSON Lines.
    InToto,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// The graph as `graph --format json` prints it.
    Json,
}

pub fn cmd_export(ui: &mut Ui, cwd: &Path, args: &ExportArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let format = match args.format {
        ExportFormatArg::Openlineage => ExportFormat::OpenLineage,
        ExportFormatArg::Prov => ExportFormat::Prov,
        ExportFormatArg::InToto => ExportFormat::InToto,
        ExportFormatArg::Dot => ExportFormat::Dot,
        ExportFormatArg::Mermaid => ExportFormat::Mermaid,
        ExportFormatArg::Json => ExportFormat::Json,
    };
    let exported = git_lineage::export::export(
        &repo,
        &ExportOptions {
            format,
            refs: args.references.clone(),
            revisions: args.remote.widen(match args.all {
                true => git_lineage::history::Revisions::All,
                false => git_lineage::history::Revisions::Head,
            }),
            namespace: args.namespace.clone(),
            cwd: cwd.to_path_buf(),
            allow_incomplete: args.allow_incomplete,
        },
    )?;
    super::print_read_warnings(ui, &exported.warnings);
    let bytes = exported.bytes;
    match &args.output {
        Some(path) => {
            let path = cwd.join(path);
            git_lineage::cache::write_atomically(&path, &bytes).map_err(|source| {
                CommandError::from(git_lineage::Error::Io {
                    action: "write the export to",
                    path: path.clone(),
                    source,
                })
            })?;
            ui.note(format!("wrote {} bytes to {}", bytes.len(), path.display()));
        }
        None => ui.bytes(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}
