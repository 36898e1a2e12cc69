//! `git lineage profile`: the data profile of a CSV, TSV, JSON Lines or Parquet file.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use crate::ui::{CommandError, Ui};

/// Output format of `profile` and `drift`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReportFormat {
    /// A table.
    #[default]
    Text,
    /// One JSON document (docs/json.md).
    Json,
    /// A Markdown table for a pull request.
    Markdown,
}

/// Profile a dataset: row count, bytes, and per column the inferred type,
/// count, null count (NaN and ±inf counted apart and dropped), distinct
/// count, min, max, mean, standard deviation, quantiles (1 … 99 %, numpy's
/// linear interpolation), a Sturges histogram, and for text columns the top
/// 20 categories plus "other". Reads CSV and TSV with a header row, JSON
/// Lines and Parquet (flat columns), by extension. Inside a repository PATH may also be a REF naming
/// data, as for `drift` (`PATH@REV`, `blake3:HASH`, `model:NAME@STAGE` …).
/// The same bytes always give the same profile (docs/drift.md).
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The dataset file (or a REF naming data).
    #[arg(value_name = "PATH")]
    pub path: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

pub fn cmd_profile(ui: &mut Ui, cwd: &Path, args: &ProfileArgs) -> Result<ExitCode, CommandError> {
    let repo = git_lineage::repo::Repo::discover(cwd).ok();
    let side = git_lineage::drift::resolve_side(repo.as_ref(), cwd, &args.path)
        .map_err(|e| CommandError::from(git_lineage::Error::from(e)))?;
    if let Some(via) = &side.via {
        ui.note(format!("{} is {via}", args.path));
    }
    // Bytes gone but a stored profile kept: print it as stored.
    let profile = match side.profile {
        Some((_, profile)) => profile,
        None => git_lineage::profile::profile_source(&side.source, &args.path)?,
    };
    match args.format {
        ReportFormat::Json => ui.json(&profile)?,
        ReportFormat::Text => git_lineage::profile::render::write_text(ui.out(), &profile)?,
        ReportFormat::Markdown => git_lineage::profile::render::write_markdown(ui.out(), &profile)?,
    }
    Ok(ExitCode::SUCCESS)
}
