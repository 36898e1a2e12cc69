//! `git lineage drift`: compare two datasets column by column.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::profile::ReportFormat;
use crate::ui::{CommandError, EXIT_PROBLEMS, Ui};

/// Compare CURRENT with BASELINE column by column. Numeric columns: the
/// two-sample Kolmogorov–Smirnov test (as scipy.stats.ks_2samp, exact up to
/// 10,000 values per side, asymptotic above), PSI over 10 baseline-decile
/// bins and Evidently's PSI (Sturges bins). Text columns: PSI over categories
/// and a chi-square test. Verdicts use the thresholds of .lineage/config.yaml
/// (`drift:`; defaults KS p < 0.05, chi-square p < 0.05, PSI at least 0.1
/// warns, at least 0.25 drifts, the dataset drifts at half the columns).
/// Exits 0 when no column
/// drifted, 1 when one did, 2 on bad input (docs/drift.md).
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The reference data (CSV, TSV or JSON Lines).
    #[arg(value_name = "BASELINE")]
    pub baseline: PathBuf,
    /// The data to compare with it.
    #[arg(value_name = "CURRENT")]
    pub current: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

/// The drift thresholds: the repository's config when run inside one that
/// has `.lineage/`, the defaults otherwise.
fn thresholds(cwd: &Path) -> Result<git_lineage::drift::DriftConfig, CommandError> {
    match git_lineage::repo::Repo::discover(cwd) {
        Ok(repo) => {
            let store = git_lineage::store::Store::new(repo.root());
            Ok(store.config()?.drift)
        }
        Err(_) => Ok(git_lineage::drift::DriftConfig::default()),
    }
}

pub fn cmd_drift(ui: &mut Ui, cwd: &Path, args: &DriftArgs) -> Result<ExitCode, CommandError> {
    let thresholds = thresholds(cwd)?;
    let report = git_lineage::drift::drift_paths(
        (&cwd.join(&args.baseline), &args.baseline.to_string_lossy()),
        (&cwd.join(&args.current), &args.current.to_string_lossy()),
        &thresholds,
    )?;
    match args.format {
        ReportFormat::Json => ui.json(&report)?,
        ReportFormat::Text => git_lineage::drift::render::write_text(ui.out(), &report)?,
        ReportFormat::Markdown => git_lineage::drift::render::write_markdown(ui.out(), &report)?,
    }
    Ok(if report.any_drift() {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    })
}
