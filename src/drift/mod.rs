//! Drift between two datasets: per column the two-sample KS test, PSI
//! (classic decile bins and Evidently-compatible Sturges bins), PSI over
//! categories and a chi-square test, with verdicts against the thresholds
//! of `.lineage/config.yaml` (`drift:`).

pub mod ks;
pub mod psi;
pub mod render;
pub mod source;
pub mod special;
pub mod stored;
mod table;

use serde::Serialize;

pub use crate::config::DriftConfig;
use crate::profile::{ProfileError, Source};
pub use source::{ResolvedSide, SideError, resolve_side};
pub use table::{ColumnData, Table, load_table};

/// A chi-square test of homogeneity over the union of categories (a 2 × k
/// contingency table, no continuity correction).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChiSquare {
    /// The statistic Σ (observed − expected)² / expected.
    pub statistic: f64,
    /// Degrees of freedom, k − 1.
    pub dof: u64,
    /// P(χ²_dof ≥ statistic).
    pub p_value: f64,
}

/// A column's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Within every threshold.
    Ok,
    /// PSI at or above `psi_warn`, nothing past a drift threshold.
    Warn,
    /// A test crossed its drift threshold.
    Drift,
    /// The column exists on one side only (counts as drifted).
    Missing,
    /// Numeric on one side, text on the other (counts as drifted).
    TypeChanged,
    /// No values on a side (all null): nothing to compare; not counted.
    Skipped,
}

impl Verdict {
    /// Whether this verdict counts as a drifted column.
    pub fn drifted(self) -> bool {
        matches!(
            self,
            Verdict::Drift | Verdict::Missing | Verdict::TypeChanged
        )
    }
}

/// The comparison of one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDrift {
    /// The column name.
    pub name: String,
    /// `numeric` or `categorical` (absent when missing on a side).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in words.
    pub reason: String,
    /// Values compared on the baseline side (finite numbers or non-null cells).
    pub baseline_count: u64,
    /// Values compared on the current side.
    pub current_count: u64,
    /// Two-sample KS test (numeric columns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ks: Option<ks::KsResult>,
    /// PSI over 10 baseline-quantile bins (numeric) or over categories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psi: Option<f64>,
    /// Evidently's PSI (Sturges bins over both samples, or categories).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psi_evidently: Option<f64>,
    /// Chi-square test (categorical columns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi_square: Option<ChiSquare>,
    /// The statistics above (`ks`, `psi`, `psi_evidently`, `chi_square`)
    /// that a stored profile gave only approximately; absent when every one
    /// is exact (docs/drift.md "Stored profiles").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approximate: Vec<&'static str>,
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The path or REF as given.
    pub path: String,
    /// How a REF was resolved to bytes (absent for a plain path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Data rows.
    pub rows: u64,
    /// The stored profile this side was compared from, its bytes being
    /// gone (each column's `approximate` lists what is then inexact;
    /// docs/drift.md "Stored profiles").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// The result of `git lineage drift`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    /// The reference data.
    pub baseline: Side,
    /// The data compared with it.
    pub current: Side,
    /// The thresholds applied.
    pub thresholds: DriftConfig,
    /// Baseline columns in order, then columns only in the current data.
    pub columns: Vec<ColumnDrift>,
    /// Columns compared (not skipped).
    pub compared_columns: usize,
    /// Compared columns that drifted (missing and retyped ones included).
    pub drifted_columns: usize,
    /// `drifted_columns / compared_columns` (0 when nothing was compared).
    pub drifted_share: f64,
    /// Whether `drifted_share` reached the `drifted_share` threshold.
    pub dataset_drift: bool,
    /// The `monitor` record `drift --record` wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

impl DriftReport {
    /// Whether any column drifted (the command's exit code 1).
    pub fn any_drift(&self) -> bool {
        self.drifted_columns > 0
    }

    /// The report as `-m KEY=VALUE` metrics of a `monitor` record:
    /// `drifted_columns`, `drifted_share`, `dataset_drift`, and per column
    /// `columns.<name>.{verdict, ks_d, ks_p, psi, psi_evidently, chi2, chi2_p}`
    /// (`.` and `=` in a column name become `_`).
    pub fn metrics(&self) -> Vec<String> {
        let mut metrics = vec![
            format!("drifted_columns={}", self.drifted_columns),
            format!("drifted_share={:?}", self.drifted_share),
            format!("dataset_drift={}", self.dataset_drift),
        ];
        for c in &self.columns {
            let key = c.name.replace(['.', '='], "_");
            let key = if key.trim().is_empty() {
                "_".to_string()
            } else {
                key
            };
            let verdict = serde_json::to_value(c.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            metrics.push(format!("columns.{key}.verdict={verdict}"));
            let mut number = |name: &str, value: Option<f64>| {
                if let Some(value) = value.filter(|v| v.is_finite()) {
                    metrics.push(format!("columns.{key}.{name}={value:?}"));
                }
            };
            number("ks_d", c.ks.map(|k| k.statistic));
            number("ks_p", c.ks.map(|k| k.p_value));
            number("psi", c.psi);
            number("psi_evidently", c.psi_evidently);
            number("chi2", c.chi_square.map(|k| k.statistic));
            number("chi2_p", c.chi_square.map(|k| k.p_value));
        }
        metrics
    }
}

/// Compare two datasets: each side its bytes and the text it was named by;
/// columns named in `ignore` are left out on both sides.
pub fn drift_sources(
    baseline: (&Source, &str),
    current: (&Source, &str),
    thresholds: &DriftConfig,
    ignore: &[String],
) -> Result<DriftReport, ProfileError> {
    let mut base = load_table(baseline.0)?;
    let mut cur = load_table(current.0)?;
    for table in [&mut base, &mut cur] {
        table.columns.retain(|(name, _)| !ignore.contains(name));
    }
    Ok(compare((&base, baseline.1), (&cur, current.1), thresholds))
}

/// Compare two resolved sides, each with the text it was named by: a side
/// whose bytes are gone is compared from its stored profile.
pub fn drift_resolved(
    baseline: (&ResolvedSide, &str),
    current: (&ResolvedSide, &str),
    thresholds: &DriftConfig,
    ignore: &[String],
) -> Result<DriftReport, ProfileError> {
    let load = |side: &ResolvedSide| match &side.profile {
        Some((_, profile)) => Ok(stored::table_from_profile(profile)),
        None => load_table(&side.source),
    };
    let mut base = load(baseline.0)?;
    let mut cur = load(current.0)?;
    for table in [&mut base, &mut cur] {
        table.columns.retain(|(name, _)| !ignore.contains(name));
    }
    stored::align_categories([
        (&mut base, baseline.0.profile.is_some()),
        (&mut cur, current.0.profile.is_some()),
    ]);
    let mut report = compare((&base, baseline.1), (&cur, current.1), thresholds);
    stored::refine(
        &mut report,
        (&base, baseline.0.profile.as_ref().map(|(_, p)| p)),
        (&cur, current.0.profile.as_ref().map(|(_, p)| p)),
        thresholds,
    );
    report.baseline.via = baseline.0.via.clone();
    report.current.via = current.0.via.clone();
    report.baseline.profile = baseline.0.profile.as_ref().map(|(id, _)| id.to_string());
    report.current.profile = current.0.profile.as_ref().map(|(id, _)| id.to_string());
    Ok(report)
}

/// Compare two loaded tables column by column.
pub fn compare(baseline: (&Table, &str), current: (&Table, &str), t: &DriftConfig) -> DriftReport {
    let (base, cur) = (baseline.0, current.0);
    let mut columns = Vec::new();
    for (name, data) in &base.columns {
        let other = cur.columns.iter().find(|(n, _)| n == name).map(|(_, d)| d);
        columns.push(compare_column(name, data, other, t));
    }
    for (name, data) in &cur.columns {
        if !base.columns.iter().any(|(n, _)| n == name) {
            columns.push(ColumnDrift {
                name: name.clone(),
                kind: None,
                verdict: Verdict::Missing,
                reason: "only in the current data".into(),
                baseline_count: 0,
                current_count: data.count(),
                ks: None,
                psi: None,
                psi_evidently: None,
                chi_square: None,
                approximate: Vec::new(),
            });
        }
    }
    let compared = columns
        .iter()
        .filter(|c| c.verdict != Verdict::Skipped)
        .count();
    let drifted = columns.iter().filter(|c| c.verdict.drifted()).count();
    let share = if compared == 0 {
        0.0
    } else {
        drifted as f64 / compared as f64
    };
    DriftReport {
        baseline: Side {
            path: baseline.1.to_string(),
            via: None,
            rows: base.rows,
            profile: None,
        },
        current: Side {
            path: current.1.to_string(),
            via: None,
            rows: cur.rows,
            profile: None,
        },
        thresholds: *t,
        columns,
        compared_columns: compared,
        drifted_columns: drifted,
        drifted_share: share,
        dataset_drift: drifted > 0 && share >= t.drifted_share,
        record: None,
    }
}

fn compare_column(
    name: &str,
    base: &ColumnData,
    cur: Option<&ColumnData>,
    t: &DriftConfig,
) -> ColumnDrift {
    let mut result = ColumnDrift {
        name: name.to_string(),
        kind: None,
        verdict: Verdict::Skipped,
        reason: String::new(),
        baseline_count: base.count(),
        current_count: cur.map_or(0, ColumnData::count),
        ks: None,
        psi: None,
        psi_evidently: None,
        chi_square: None,
        approximate: Vec::new(),
    };
    let Some(cur) = cur else {
        result.verdict = Verdict::Missing;
        result.reason = "only in the baseline data".into();
        return result;
    };
    match (base, cur) {
        (ColumnData::Numeric(a), ColumnData::Numeric(b)) => {
            result.kind = Some("numeric");
            if a.is_empty() || b.is_empty() {
                result.reason = "no finite values on one side".into();
                return result;
            }
            let ks = ks::ks_2samp(a, b);
            let psi = psi::psi_deciles(a, b);
            result.ks = Some(ks);
            result.psi = Some(psi);
            result.psi_evidently = Some(psi::psi_evidently_numeric(a, b));
            (result.verdict, result.reason) =
                verdict("KS", ks.p_value, t.ks_p_value, psi, t.psi_warn, t.psi_drift);
        }
        (ColumnData::Categorical(a), ColumnData::Categorical(b)) => {
            result.kind = Some("categorical");
            if a.is_empty() || b.is_empty() {
                result.reason = "no values on one side".into();
                return result;
            }
            let psi = psi::psi_categories(a, b);
            let chi = psi::chi_square(a, b);
            result.psi = Some(psi);
            result.psi_evidently = Some(psi);
            result.chi_square = Some(chi);
            (result.verdict, result.reason) = verdict(
                "chi-square",
                chi.p_value,
                t.chi2_p_value,
                psi,
                t.psi_warn,
                t.psi_drift,
            );
        }
        (ColumnData::Empty, _) | (_, ColumnData::Empty) => {
            result.reason = "no values on one side".into();
        }
        _ => {
            result.verdict = Verdict::TypeChanged;
            result.reason = "numeric on one side, text on the other".into();
        }
    }
    result
}

/// A column's verdict: drifted when the test's p-value is below its
/// threshold or PSI reaches `psi_drift`, a warning when PSI reaches
/// `psi_warn`; with the reason in words.
fn verdict(
    test: &str,
    p_value: f64,
    p_threshold: f64,
    psi: f64,
    psi_warn: f64,
    psi_drift: f64,
) -> (Verdict, String) {
    if p_value < p_threshold {
        (
            Verdict::Drift,
            format!("{test} p {} < {p_threshold}", short(p_value)),
        )
    } else if psi >= psi_drift {
        (Verdict::Drift, format!("PSI {} >= {psi_drift}", short(psi)))
    } else if psi >= psi_warn {
        (Verdict::Warn, format!("PSI {} >= {psi_warn}", short(psi)))
    } else {
        (Verdict::Ok, "within thresholds".into())
    }
}

/// A p-value or PSI in four significant digits.
pub fn short(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 0.001 {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}
