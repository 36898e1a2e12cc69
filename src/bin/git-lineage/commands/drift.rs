//! `git lineage drift`: compare two datasets column by column.

use std::path::Path;
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
/// Each side is a path or a REF naming data: `PATH@REV` (the file as
/// committed), `blake3:HASH`, or a record REF (`name:NAME`, an id,
/// `model:NAME@STAGE`) meaning that record's CSV/TSV/JSON Lines input — e.g.
/// `model:fraud-model@production` is the production model's training data.
/// Exits 0 when no column
/// drifted, 1 when one did, 2 on bad input (docs/drift.md).
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The reference data: a path or REF (CSV, TSV or JSON Lines).
    #[arg(value_name = "BASELINE")]
    pub baseline: String,
    /// The data to compare with it: a path or REF.
    #[arg(value_name = "CURRENT")]
    pub current: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
}

pub fn cmd_drift(ui: &mut Ui, cwd: &Path, args: &DriftArgs) -> Result<ExitCode, CommandError> {
    use git_lineage::drift::{DriftConfig, resolve_side};
    // Inside a repository: its thresholds and REFs; outside: paths and defaults.
    let repo = git_lineage::repo::Repo::discover(cwd).ok();
    let thresholds = match &repo {
        Some(repo) => git_lineage::store::Store::new(repo.root()).config()?.drift,
        None => DriftConfig::default(),
    };
    let side = |text: &str| {
        resolve_side(repo.as_ref(), cwd, text)
            .map_err(|e| CommandError::from(git_lineage::Error::from(e)))
    };
    let (baseline, current) = (side(&args.baseline)?, side(&args.current)?);
    let mut report = git_lineage::drift::drift_sources(
        (&baseline.source, &args.baseline),
        (&current.source, &args.current),
        &thresholds,
    )?;
    report.baseline.via = baseline.via;
    report.current.via = current.via;
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
