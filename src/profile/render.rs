//! Text and Markdown renderings of a [`Profile`].

use std::io::{self, Write};

use super::{ColumnProfile, Profile};

/// A number as `{:.6}`-trimmed text: short, stable, exact for integers.
pub fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let text = format!("{x:.6}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_else(|| "-".into())
}

fn quantile(column: &ColumnProfile, q: f64) -> Option<f64> {
    column
        .quantiles
        .iter()
        .find(|x| (x.q - q).abs() < 1e-9)
        .map(|x| x.value)
}

fn distinct(column: &ColumnProfile) -> String {
    if column.distinct_exact {
        column.distinct.to_string()
    } else {
        format!(">={}", column.distinct)
    }
}

fn summary(column: &ColumnProfile) -> String {
    if column.kind.is_numeric() {
        format!(
            "min {}  p25 {}  p50 {}  p75 {}  max {}  mean {}  std {}",
            opt(column.min),
            opt(quantile(column, 0.25)),
            opt(quantile(column, 0.5)),
            opt(quantile(column, 0.75)),
            opt(column.max),
            opt(column.mean),
            opt(column.std),
        )
    } else {
        let mut parts: Vec<String> = column
            .top
            .iter()
            .take(5)
            .map(|c| format!("{} ({})", c.value, c.count))
            .collect();
        let rest: u64 =
            column.top.iter().skip(5).map(|c| c.count).sum::<u64>() + column.other.unwrap_or(0);
        if rest > 0 {
            parts.push(format!("other ({rest})"));
        }
        parts.join(", ")
    }
}

/// The profile as a text table, one line per column.
pub fn write_text(out: &mut impl Write, profile: &Profile) -> io::Result<()> {
    writeln!(
        out,
        "{}: {} rows, {} bytes, {} columns ({})",
        profile.path,
        profile.rows,
        profile.bytes,
        profile.columns.len(),
        profile.format.name()
    )?;
    writeln!(
        out,
        "{:<20} {:<8} {:>9} {:>7} {:>7} {:>9}  summary",
        "column", "type", "count", "null", "nan/inf", "distinct"
    )?;
    for column in &profile.columns {
        writeln!(
            out,
            "{:<20} {:<8} {:>9} {:>7} {:>7} {:>9}  {}",
            column.name,
            format!("{:?}", column.kind).to_lowercase(),
            column.count,
            column.null_count,
            column.nan_count + column.inf_count,
            distinct(column),
            summary(column)
        )?;
    }
    Ok(())
}

/// The profile as a Markdown table (for a pull request).
pub fn write_markdown(out: &mut impl Write, profile: &Profile) -> io::Result<()> {
    writeln!(
        out,
        "### Profile of `{}`\n\n{} rows, {} bytes, {} columns\n",
        profile.path,
        profile.rows,
        profile.bytes,
        profile.columns.len()
    )?;
    writeln!(
        out,
        "| column | type | count | null | NaN/inf | distinct | summary |"
    )?;
    writeln!(out, "|---|---|---:|---:|---:|---:|---|")?;
    for column in &profile.columns {
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            column.name.replace('|', "\\|"),
            format!("{:?}", column.kind).to_lowercase(),
            column.count,
            column.null_count,
            column.nan_count + column.inf_count,
            distinct(column),
            summary(column).replace('|', "\\|")
        )?;
    }
    Ok(())
}
