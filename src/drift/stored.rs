//! Drift against a stored profile when a side's bytes are gone: the profile
//! becomes a stand-in [`Table`] (a numeric column its listed values, or
//! `count` values, at most [`MAX_STAND_IN`], read off the CDF through its
//! [`knots`]; a text column its top categories and `(other)`), and [`refine`] recomputes
//! classic PSI from a stored baseline's decile bins and lists per column
//! what is approximate.

use std::collections::{BTreeMap, BTreeSet};

use super::{ColumnData, DriftConfig, DriftReport, Table, psi, verdict};
use crate::profile::{ColumnProfile, ColumnType, Profile};

/// The most values a numeric stand-in column holds.
pub const MAX_STAND_IN: u64 = 1_000_000;

/// The category other values are counted under.
pub const OTHER: &str = "(other)";

/// The stand-in table of a stored profile.
pub fn table_from_profile(profile: &Profile) -> Table {
    let columns = profile
        .columns
        .iter()
        .map(|c| {
            let data = match c.kind {
                ColumnType::Integer | ColumnType::Float if is_complete(c) => ColumnData::Numeric(
                    c.values
                        .iter()
                        .flat_map(|v| std::iter::repeat_n(v.value, v.count as usize))
                        .collect(),
                ),
                ColumnType::Integer | ColumnType::Float => {
                    ColumnData::Numeric(stand_in(&knots(c), c.count))
                }
                ColumnType::String => {
                    let mut counts: BTreeMap<String, u64> =
                        c.top.iter().map(|t| (t.value.clone(), t.count)).collect();
                    if let Some(other) = c.other.filter(|&o| o > 0) {
                        *counts.entry(OTHER.to_string()).or_insert(0) += other;
                    }
                    ColumnData::Categorical(counts)
                }
                ColumnType::Empty => ColumnData::Empty,
            };
            (c.name.clone(), data)
        })
        .collect();
    Table {
        rows: profile.rows,
        columns,
    }
}

/// Whether a stored numeric column is its data exactly: every value and
/// its count (`values`, adding up to `count`, at most the exact budget a
/// profile holds), so the stand-in is the sorted data itself.
pub fn is_complete(column: &ColumnProfile) -> bool {
    let listed = column
        .values
        .iter()
        .try_fold(0u64, |sum, v| sum.checked_add(v.count));
    !column.values.is_empty()
        && listed == Some(column.count)
        && column.count <= crate::profile::EXACT_VALUES_BUDGET as u64
}

/// Points `(x, p)` of a stored column's CDF, sorted, `p` non-decreasing:
/// `(min, 0)` and `(max, 1)`; the share ≤ each decile edge and the share
/// below each inner histogram edge (both counted exactly when the column
/// was); the stored quantiles `(value, q)` other than 10, 50 and 90 % when
/// the deciles are there (they are decile edges).
pub fn knots(c: &ColumnProfile) -> Vec<(f64, f64)> {
    let (Some(min), Some(max)) = (c.min, c.max) else {
        return Vec::new();
    };
    let mut points = vec![(min, 0.0), (max, 1.0)];
    let decile_q = |q: f64| [0.1, 0.5, 0.9].iter().any(|d| (q - d).abs() < 1e-9);
    points.extend(
        c.quantiles
            .iter()
            .filter(|q| c.deciles.is_none() || !decile_q(q.q))
            .map(|q| (q.value, q.q)),
    );
    if let Some(bins) = c.deciles.as_ref().filter(|b| b.total() > 0) {
        let total = bins.total() as f64;
        let mut below = 0u64;
        for (edge, count) in bins.edges.iter().zip(&bins.counts) {
            below += count;
            points.push((*edge, below as f64 / total));
        }
    }
    if let Some(h) = &c.histogram {
        let total: u64 = h.counts.iter().sum();
        let mut below = 0u64;
        if total > 0 {
            for (edge, count) in h.edges.iter().skip(1).zip(&h.counts) {
                below += count;
                if below < total {
                    points.push((*edge, below as f64 / total as f64));
                }
            }
        }
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut highest = 0.0f64;
    for point in &mut points {
        highest = highest.max(point.1);
        point.1 = highest;
    }
    points
}

/// `n` values (at most [`MAX_STAND_IN`]) at ranks `u = i / (n − 1)` of the
/// inverse of the piecewise-linear CDF through `knots` (the least `x` whose
/// interpolated share reaches `u`: a vertical step is an atom).
fn stand_in(knots: &[(f64, f64)], count: u64) -> Vec<f64> {
    if knots.is_empty() {
        return Vec::new();
    }
    let n = count.min(MAX_STAND_IN) as usize;
    if n == 1 {
        return vec![knots[knots.len() / 2].0];
    }
    let mut k = 0;
    (0..n)
        .map(|i| {
            let u = i as f64 / (n - 1) as f64;
            while k + 1 < knots.len() && knots[k].1 < u {
                k += 1;
            }
            if k == 0 || knots[k].1 < u {
                return knots[k].0;
            }
            let ((x0, p0), (x1, p1)) = (knots[k - 1], knots[k]);
            let t = (u - p0) / (p1 - p0);
            crate::profile::stats::lerp(x0, x1, t.clamp(0.0, 1.0))
        })
        .collect()
}

/// Make categories comparable when a side is a stand-in: categories outside
/// the top lists of every stand-in side are counted under `(other)` on both.
pub fn align_categories(tables: [(&mut Table, bool); 2]) {
    let [(a, a_stored), (b, b_stored)] = tables;
    let names: Vec<String> = a.columns.iter().map(|(n, _)| n.clone()).collect();
    for name in names {
        // A stored column that lists every category (no `(other)`) is
        // complete: it constrains nothing.
        let known = |t: &Table| -> Option<BTreeSet<String>> {
            t.columns
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, d)| match d {
                    ColumnData::Categorical(c) if c.contains_key(OTHER) => {
                        Some(c.keys().filter(|k| *k != OTHER).cloned().collect())
                    }
                    _ => None,
                })
        };
        let keep = match (
            a_stored.then(|| known(a)).flatten(),
            b_stored.then(|| known(b)).flatten(),
        ) {
            (Some(x), Some(y)) => x.intersection(&y).cloned().collect(),
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => continue,
        };
        for table in [&mut *a, &mut *b] {
            if let Some((_, ColumnData::Categorical(counts))) =
                table.columns.iter_mut().find(|(n, _)| *n == name)
            {
                let mut merged = BTreeMap::new();
                for (k, v) in std::mem::take(counts) {
                    let key = if keep.contains(&k) {
                        k
                    } else {
                        OTHER.to_string()
                    };
                    *merged.entry(key).or_insert(0) += v;
                }
                *counts = merged;
            }
        }
    }
}

/// After [`super::compare`] on stand-in tables: recompute classic PSI from
/// a stored baseline's decile bins (exact when the baseline column was
/// profiled exactly and the current side is data or a complete stored
/// column, see [`is_complete`]), list in each column's
/// `approximate` what a stored profile gave only approximately, and redo the
/// verdicts. A side is `(its table, its stored profile when compared from one)`.
pub fn refine(
    report: &mut DriftReport,
    base: (&Table, Option<&Profile>),
    cur: (&Table, Option<&Profile>),
    t: &DriftConfig,
) {
    if base.1.is_none() && cur.1.is_none() {
        return;
    }
    for c in &mut report.columns {
        let (b, k) = (column(base.1, &c.name), column(cur.1, &c.name));
        match c.kind {
            Some("numeric") if c.ks.is_some() => {
                // A stored column listing its values is its data: exact.
                let approx_b = b.is_some_and(|b| !is_complete(b));
                let approx_k = k.is_some_and(|k| !is_complete(k));
                let mut exact_psi = !approx_b && !approx_k;
                if approx_b
                    && let (Some(bins), Some(current)) =
                        (b.and_then(|b| b.deciles.as_ref()), values(cur.0, &c.name))
                    && !current.is_empty()
                {
                    c.psi = Some(psi::psi_of_bins(bins, current));
                    exact_psi = !approx_k && b.is_some_and(|b| b.exact == Some(true));
                }
                let exact_rest = !approx_b && !approx_k;
                c.approximate = [
                    (!exact_rest).then_some("ks"),
                    (!exact_psi).then_some("psi"),
                    (!exact_rest).then_some("psi_evidently"),
                ]
                .into_iter()
                .flatten()
                .collect();
                if let (Some(ks), Some(p)) = (c.ks, c.psi) {
                    (c.verdict, c.reason) =
                        verdict("KS", ks.p_value, t.ks_p_value, p, t.psi_warn, t.psi_drift);
                }
            }
            Some("categorical") if c.chi_square.is_some() => {
                let incomplete =
                    |p: Option<&ColumnProfile>| p.is_some_and(|p| p.other.unwrap_or(0) > 0);
                if incomplete(b) || incomplete(k) {
                    c.approximate = vec!["psi", "psi_evidently", "chi_square"];
                }
            }
            _ => {}
        }
    }
}

/// The column `name` of a stored profile.
fn column<'a>(profile: Option<&'a Profile>, name: &str) -> Option<&'a ColumnProfile> {
    profile.and_then(|p| p.columns.iter().find(|c| c.name == name))
}

/// The sorted values of numeric column `name` of a table.
fn values<'a>(table: &'a Table, name: &str) -> Option<&'a [f64]> {
    table
        .columns
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, d)| match d {
            ColumnData::Numeric(v) => Some(v.as_slice()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::deciles::counts_in;
    use crate::profile::{Source, profile_source};

    /// The profile of one CSV column `x` holding `values`.
    fn profile(values: &[f64]) -> Profile {
        let mut text = String::from("x\n");
        for v in values {
            text.push_str(&format!("{v:?}\n"));
        }
        profile_source(&Source::bytes("a.csv", text.into_bytes()), "a.csv").unwrap()
    }

    fn sorted(table: &Table) -> Vec<f64> {
        match &table.columns[0].1 {
            ColumnData::Numeric(v) => v.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_stand_in_keeps_min_max_and_the_exact_decile_counts() {
        let values: Vec<f64> = (0..1001).map(|i| f64::from(i * i) / 1000.0).collect();
        let p = profile(&values);
        let c = &p.columns[0];
        let stand_in = sorted(&table_from_profile(&p));
        assert_eq!(stand_in.len(), 1001);
        assert_eq!((stand_in[0], stand_in[1000]), (0.0, 1000.0));
        assert!(stand_in.windows(2).all(|w| w[0] <= w[1]));
        let bins = c.deciles.as_ref().unwrap();
        assert_eq!(counts_in(&bins.edges, &stand_in), bins.counts);
        // Its CDF is within the largest gap between knots (+ 2/n) of the data's.
        let knots = knots(c);
        let gap = knots
            .windows(2)
            .map(|w| w[1].1 - w[0].1)
            .fold(0.0, f64::max);
        let cdf = |v: &[f64], x: f64| v.partition_point(|&y| y <= x) as f64 / v.len() as f64;
        let worst = values
            .iter()
            .chain(&stand_in)
            .map(|&x| (cdf(&values, x) - cdf(&stand_in, x)).abs())
            .fold(0.0, f64::max);
        assert!(worst <= gap + 2.0 / 1001.0, "{worst} > {gap}");
        assert!(gap < 0.1, "{gap}");
    }

    #[test]
    fn few_distinct_values_are_stored_whole_and_give_the_data_back() {
        let values = [1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 5.0, 5.0, 5.0, 5.0, 8.0];
        let p = profile(&values);
        assert!(is_complete(&p.columns[0]));
        assert_eq!(sorted(&table_from_profile(&p)), values);
        let many: Vec<f64> = (0..21).map(f64::from).collect();
        assert!(!is_complete(&profile(&many).columns[0]));
        // Listed counts that do not add up to `count` (a hand-made profile)
        // are not the data: the knots stand in, nothing huge is allocated.
        let mut forged = p.clone();
        forged.columns[0].values[0].count = u64::MAX;
        assert!(!is_complete(&forged.columns[0]));
        assert_eq!(sorted(&table_from_profile(&forged)).len(), values.len());
    }

    #[test]
    fn a_tied_column_keeps_its_atoms_at_the_deciles() {
        // 30 distinct values, half the mass on 0: the stand-in's share ≤ 0 is exact.
        let values: Vec<f64> = (0..600)
            .map(|i| if i % 2 == 0 { 0.0 } else { f64::from(i % 30) })
            .collect();
        let mut values = values;
        values.sort_by(f64::total_cmp);
        let p = profile(&values);
        let stand_in = sorted(&table_from_profile(&p));
        let at_zero = |v: &[f64]| v.partition_point(|&y| y <= 0.0);
        assert_eq!(at_zero(&stand_in), at_zero(&values));
    }
}
