//! `git lineage profile`: the data profile of a CSV, TSV or JSON Lines file.

use std::path::{Path, PathBuf};
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
/// 20 categories plus "other". Reads CSV and TSV with a header row and JSON
/// Lines, by extension. The same bytes always give the same profile
/// (docs/drift.md).
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The dataset file.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

pub fn cmd_profile(ui: &mut Ui, cwd: &Path, args: &ProfileArgs) -> Result<ExitCode, CommandError> {
    let path = cwd.join(&args.path);
    let shown = args.path.to_string_lossy();
    let profile = git_lineage::profile::profile_path(&path, &shown)?;
    match args.format {
        ReportFormat::Json => ui.json(&profile)?,
        ReportFormat::Text => git_lineage::profile::render::write_text(ui.out(), &profile)?,
        ReportFormat::Markdown => git_lineage::profile::render::write_markdown(ui.out(), &profile)?,
    }
    Ok(ExitCode::SUCCESS)
}
