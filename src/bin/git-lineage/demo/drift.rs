//! The demo's drift step (issue 13): a new month of claims whose amounts are
//! shifted, profiled, and compared with the training data of the production
//! model, found through the registry and the graph.

use std::path::Path;

use git_lineage::drift::{DriftConfig, resolve_side};
use git_lineage::repo::Repo;
use git_lineage::{Error, Result};
use serde::Serialize;

/// Where the new month is written (ignored by git, like the demo's other data).
pub const MONTH: &str = "data/incoming/claims-2026-12.csv";
/// The model version whose training data is the baseline.
const BASELINE: &str = "model:fraud-model@production";
/// The identifier column: new values every month, so left out.
const IGNORED: &str = "claim_id";
/// The shifted feature and by how much (standard deviations).
const SHIFTED: &str = "total_claim_amount_z";
const SHIFT: f64 = 0.8;
/// Rows in the new month.
const MONTH_ROWS: usize = 400;

/// What the drift step found.
#[derive(Debug, Clone, Serialize)]
pub struct DemoDrift {
    /// The command that reproduces it.
    pub command: String,
    /// The new month's file.
    pub current: String,
    /// Its rows.
    pub rows: u64,
    /// The columns whose verdict is `drift`, with the reason.
    pub drifted: Vec<DemoDriftedColumn>,
    /// Columns compared.
    pub compared_columns: usize,
}

/// One drifted column.
#[derive(Debug, Clone, Serialize)]
pub struct DemoDriftedColumn {
    /// The column.
    pub column: String,
    /// Why it drifted (`KS p 1.2e-40 < 0.05`).
    pub reason: String,
}

/// Write the new month (the first rows of the training set with the claim
/// amount shifted), profile it, and compare it with the production model's
/// training data.
pub fn run(repo: &Repo, root: &Path) -> Result<DemoDrift> {
    let train_path = root.join(super::TRAIN_SET);
    let train = std::fs::read_to_string(&train_path).map_err(|source| Error::Io {
        action: "read",
        path: train_path.clone(),
        source,
    })?;
    let mut lines = train.lines();
    let header = lines.next().unwrap_or_default();
    let column = header
        .split(',')
        .position(|c| c == SHIFTED)
        .ok_or_else(|| super::bad_data(&train_path, format!("no column {SHIFTED}")))?;
    let mut month = format!("{header}\n");
    for line in lines.take(MONTH_ROWS) {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        let amount: f64 = cells
            .get(column)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| super::bad_data(&train_path, format!("{SHIFTED} is not a number")))?;
        cells[column] = format!("{:.6}", amount + SHIFT);
        month.push_str(&cells.join(","));
        month.push('\n');
    }
    super::write_file(root, MONTH, month.as_bytes())?;

    let profile = git_lineage::profile::profile_path(&root.join(MONTH), MONTH)?;
    let baseline = resolve_side(Some(repo), root, BASELINE)?;
    let current = resolve_side(Some(repo), root, MONTH)?;
    let report = git_lineage::drift::drift_sources(
        (&baseline.source, BASELINE),
        (&current.source, MONTH),
        &DriftConfig::default(),
        &[IGNORED.to_string()],
    )?;
    Ok(DemoDrift {
        command: format!("git lineage drift {BASELINE} {MONTH} --ignore {IGNORED}"),
        current: MONTH.into(),
        rows: profile.rows,
        drifted: report
            .columns
            .iter()
            .filter(|c| c.verdict.drifted())
            .map(|c| DemoDriftedColumn {
                column: c.name.clone(),
                reason: c.reason.clone(),
            })
            .collect(),
        compared_columns: report.compared_columns,
    })
}
