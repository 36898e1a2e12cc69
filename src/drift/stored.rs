//! Drift against a stored profile when a side's bytes are gone: the profile
//! becomes a stand-in [`Table`]. A numeric column is the sample whose
//! quantiles are the stored ones (the inverse CDF through min, the nine
//! stored quantiles and max, linear between them, read at `count` evenly
//! spaced ranks, at most [`MAX_STAND_IN`]); a text column is its top
//! categories and `(other)`.

use std::collections::{BTreeMap, BTreeSet};

use super::{ColumnData, Table};
use crate::profile::{ColumnType, Profile};

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
                ColumnType::Integer | ColumnType::Float => {
                    ColumnData::Numeric(stand_in(c.min, c.max, &c.quantiles, c.count))
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

/// `n` values (at most [`MAX_STAND_IN`]) at ranks `i / (n − 1)` of the
/// piecewise-linear inverse CDF through `(0, min)`, the quantiles and `(1, max)`.
fn stand_in(
    min: Option<f64>,
    max: Option<f64>,
    quantiles: &[crate::profile::Quantile],
    count: u64,
) -> Vec<f64> {
    let (Some(min), Some(max)) = (min, max) else {
        return Vec::new();
    };
    let mut knots: Vec<(f64, f64)> = vec![(0.0, min)];
    knots.extend(quantiles.iter().map(|q| (q.q, q.value)));
    knots.push((1.0, max));
    let n = count.min(MAX_STAND_IN) as usize;
    if n == 1 {
        return vec![knots[knots.len() / 2].1];
    }
    let mut segment = 0;
    (0..n)
        .map(|i| {
            let u = i as f64 / (n - 1) as f64;
            while segment + 2 < knots.len() && u > knots[segment + 1].0 {
                segment += 1;
            }
            let ((p0, x0), (p1, x1)) = (knots[segment], knots[segment + 1]);
            let t = if p1 > p0 { (u - p0) / (p1 - p0) } else { 0.0 };
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
        let known = |t: &Table| -> Option<BTreeSet<String>> {
            t.columns
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, d)| match d {
                    ColumnData::Categorical(c) => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{QUANTILES, Quantile, stats::quantile_sorted};

    #[test]
    fn the_stand_in_has_the_stored_quantiles_min_and_max() {
        let values: Vec<f64> = (0..1001).map(|i| f64::from(i * i) / 1000.0).collect();
        let quantiles: Vec<Quantile> = QUANTILES
            .iter()
            .map(|&q| Quantile {
                q,
                value: quantile_sorted(&values, q).unwrap(),
            })
            .collect();
        let stand_in = stand_in(Some(0.0), Some(1000.0), &quantiles, 1001);
        assert_eq!(stand_in.len(), 1001);
        assert_eq!(stand_in[0], 0.0);
        assert_eq!(stand_in[1000], 1000.0);
        for q in &quantiles {
            let got = quantile_sorted(&stand_in, q.q).unwrap();
            assert!((got - q.value).abs() < 1e-9, "{} {got} {}", q.q, q.value);
        }
        assert!(stand_in.windows(2).all(|w| w[0] <= w[1]));
    }
}
