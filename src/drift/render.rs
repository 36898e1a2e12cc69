//! Text and Markdown renderings of a [`DriftReport`].

use std::io::{self, Write};

use super::{ColumnDrift, DriftReport, Verdict, short};

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "ok",
        Verdict::Warn => "warn",
        Verdict::Drift => "DRIFT",
        Verdict::Missing => "MISSING",
        Verdict::TypeChanged => "TYPE CHANGED",
        Verdict::Skipped => "skipped",
    }
}

/// `~` before a statistic a stored profile gave only approximately.
fn mark(c: &ColumnDrift, statistic: &str) -> &'static str {
    if c.approximate.contains(&statistic) {
        "~"
    } else {
        ""
    }
}

fn cells(c: &ColumnDrift) -> [String; 4] {
    let opt = |x: Option<f64>, statistic: &str| {
        x.map(|x| format!("{}{}", mark(c, statistic), short(x)))
            .unwrap_or_else(|| "-".into())
    };
    let test = match (&c.ks, &c.chi_square) {
        (Some(ks), _) => format!(
            "{}KS D {} p {} ({})",
            mark(c, "ks"),
            short(ks.statistic),
            short(ks.p_value),
            match ks.method {
                super::ks::KsMethod::Exact => "exact",
                super::ks::KsMethod::Asymptotic => "asymp",
            }
        ),
        (None, Some(chi)) => format!(
            "{}chi2 {} dof {} p {}",
            mark(c, "chi_square"),
            short(chi.statistic),
            chi.dof,
            short(chi.p_value)
        ),
        _ => "-".into(),
    };
    [
        test,
        opt(c.psi, "psi"),
        opt(c.psi_evidently, "psi_evidently"),
        c.reason.clone(),
    ]
}

/// The note under a report with approximate statistics.
const APPROXIMATE: &str =
    "~ approximate: computed from a stored profile (docs/drift.md \"Stored profiles\")";

fn any_approximate(report: &DriftReport) -> bool {
    report.columns.iter().any(|c| !c.approximate.is_empty())
}

fn headline(report: &DriftReport) -> String {
    format!(
        "{} of {} columns drifted ({:.0} %): dataset {}",
        report.drifted_columns,
        report.compared_columns,
        report.drifted_share * 100.0,
        if report.dataset_drift {
            "DRIFTED"
        } else {
            "not drifted"
        }
    )
}

/// The report as a text table, one line per column.
pub fn write_text(out: &mut impl Write, report: &DriftReport) -> io::Result<()> {
    writeln!(
        out,
        "baseline {} ({} rows) -> current {} ({} rows)",
        report.baseline.path, report.baseline.rows, report.current.path, report.current.rows
    )?;
    for (side, which) in [(&report.baseline, "baseline"), (&report.current, "current")] {
        if let Some(via) = &side.via {
            writeln!(out, "{which} {} is {via}", side.path)?;
        }
        if side.profile.is_some() {
            writeln!(
                out,
                "{which} compared from its stored profile: statistics marked ~ are approximate"
            )?;
        }
    }
    let width = report
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    writeln!(
        out,
        "{:<width$} {:<12} {:<34} {:>9} {:>9}  reason",
        "column", "verdict", "test", "PSI", "PSI(ev)"
    )?;
    for c in &report.columns {
        let [test, psi, psi_ev, reason] = cells(c);
        writeln!(
            out,
            "{:<width$} {:<12} {:<34} {:>9} {:>9}  {}",
            c.name,
            verdict(c.verdict),
            test,
            psi,
            psi_ev,
            reason
        )?;
    }
    if any_approximate(report) {
        writeln!(out, "{APPROXIMATE}")?;
    }
    writeln!(out, "{}", headline(report))
}

/// The report as Markdown for a pull request.
pub fn write_markdown(out: &mut impl Write, report: &DriftReport) -> io::Result<()> {
    writeln!(
        out,
        "### Drift: `{}` → `{}`\n\n**{}**\n",
        report.baseline.path,
        report.current.path,
        headline(report)
    )?;
    writeln!(
        out,
        "| column | verdict | test | PSI | PSI (Evidently) | reason |"
    )?;
    writeln!(out, "|---|---|---|---:|---:|---|")?;
    for c in &report.columns {
        let [test, psi, psi_ev, reason] = cells(c);
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            c.name.replace('|', "\\|"),
            verdict(c.verdict),
            test,
            psi,
            psi_ev,
            reason
        )?;
    }
    if any_approximate(report) {
        writeln!(out, "\n{APPROXIMATE}")?;
    }
    Ok(())
}
