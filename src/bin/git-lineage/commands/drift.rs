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
/// `model:NAME@STAGE`) meaning that record's CSV/TSV/JSON Lines/Parquet input — e.g.
/// `model:fraud-model@production` is the production model's training data.
/// Exits 0 when no column
/// drifted, 1 when one did, 2 on bad input (docs/drift.md).
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The reference data: a path or REF (CSV, TSV, JSON Lines or Parquet).
    #[arg(value_name = "BASELINE")]
    pub baseline: String,
    /// The data to compare with it: a path or REF.
    #[arg(value_name = "CURRENT")]
    pub current: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Leave this column out on both sides (an identifier, say); repeatable.
    #[arg(long = "ignore", value_name = "COLUMN")]
    pub ignore: Vec<String>,
    /// Write a `monitor` record: inputs both datasets (files in the
    /// repository), references the records a REF side came from, metrics the
    /// per-column results (docs/drift.md).
    #[arg(long)]
    pub record: bool,
    /// With --record: the record's name.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "drift",
        requires = "record"
    )]
    pub name: String,
    #[command(flatten)]
    pub commit: super::CommitArgs,
}

/// The `monitor` record of a drift check.
fn monitor_request(
    cwd: &Path,
    args: &DriftArgs,
    sides: [(&str, &git_lineage::drift::ResolvedSide, &str); 2],
    report: &git_lineage::drift::DriftReport,
) -> git_lineage::capture::RecordRequest {
    let mut request =
        git_lineage::capture::RecordRequest::new("monitor", args.name.clone(), cwd.to_path_buf());
    for (role, side, text) in sides {
        // Only bytes on disk can be recorded as an input (the record hashes
        // them); bytes read from a commit are linked through their record.
        if side.source.bytes.is_none() && side.record.is_none() {
            request
                .inputs
                .push(format!("{role}={}", side.source.label.display()));
        } else if side.source.bytes.is_none()
            && let Some(path) = &side.path
        {
            request.inputs.push(format!("{role}={path}"));
        }
        if let Some(id) = &side.record {
            request.references.push(id.to_string());
        }
        request.params.push(format!("{role}={text}"));
    }
    let t = &report.thresholds;
    request.params.extend([
        format!("thresholds.ks_p_value={:?}", t.ks_p_value),
        format!("thresholds.chi2_p_value={:?}", t.chi2_p_value),
        format!("thresholds.psi_warn={:?}", t.psi_warn),
        format!("thresholds.psi_drift={:?}", t.psi_drift),
        format!("thresholds.drifted_share={:?}", t.drifted_share),
    ]);
    request.metrics = report.metrics();
    request.command = ["git", "lineage", "drift", &args.baseline, &args.current]
        .map(String::from)
        .to_vec();
    request.commit = args.commit.commit;
    request.commit_options = args.commit.options();
    request
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
    let mut report = git_lineage::drift::drift_resolved(
        (&baseline, &args.baseline),
        (&current, &args.current),
        &thresholds,
        &args.ignore,
    )?;
    if args.record {
        let Some(repo) = repo.as_ref() else {
            return Err(CommandError::usage("drift --record needs a git repository")
                .with_hint("run it inside the repository whose lineage should hold the check"));
        };
        let request = monitor_request(
            cwd,
            args,
            [
                ("baseline", &baseline, &args.baseline),
                ("current", &current, &args.current),
            ],
            &report,
        );
        let recorded = git_lineage::capture::record(repo, &request)?;
        ui.note(format!("recorded monitor {} {}", args.name, recorded.id));
        report.record = Some(recorded.id.to_string());
    }
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
