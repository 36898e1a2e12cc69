//! Population Stability Index, PSI = Σ (b − c)·ln(b / c) over bins, where b
//! and c are the baseline's and current data's shares of each bin; and the
//! chi-square test over categories.

use std::collections::BTreeMap;

use super::ChiSquare;
use super::special::chi2_sf;
use crate::profile::DecileBins;
use crate::profile::deciles::counts_in;
use crate::profile::stats::{bin_of, sturges_edges};

/// Evidently's empty-bin fill: zero shares become 0.0001, or the smallest
/// non-zero share / 10⁶ when that share is ≤ 0.0001.
pub fn fill_empty(shares: &mut [f64]) {
    let smallest = shares
        .iter()
        .copied()
        .filter(|&s| s != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !smallest.is_finite() {
        return;
    }
    let fill = if smallest <= 0.0001 {
        smallest / 1e6
    } else {
        0.0001
    };
    for share in shares.iter_mut().filter(|s| **s == 0.0) {
        *share = fill;
    }
}

/// PSI of two share vectors after [`fill_empty`] on each.
pub fn psi_of_shares(mut base: Vec<f64>, mut cur: Vec<f64>) -> f64 {
    fill_empty(&mut base);
    fill_empty(&mut cur);
    base.iter()
        .zip(&cur)
        .map(|(b, c)| (b - c) * (b / c).ln())
        .sum()
}

/// Classic PSI: bins cut at the baseline's deciles (numpy linear quantiles
/// 10 … 90 %, repeated edges merged), `(−∞, q10], (q10, q20], …, (q90, ∞)`.
pub fn psi_deciles(base: &[f64], cur: &[f64]) -> f64 {
    match DecileBins::of_sorted(base) {
        Some(bins) => psi_of_bins(&bins, cur),
        None => 0.0,
    }
}

/// Classic PSI from the baseline's decile bins (as stored in its profile)
/// and the current sorted values: the same numbers [`psi_deciles`] computes
/// from the baseline's values, to the last bit.
pub fn psi_of_bins(bins: &DecileBins, cur: &[f64]) -> f64 {
    let shares = |counts: &[u64], n: u64| {
        counts
            .iter()
            .map(|&c| c as f64 / n as f64)
            .collect::<Vec<_>>()
    };
    psi_of_shares(
        shares(&bins.counts, bins.total()),
        shares(&counts_in(&bins.edges, cur), cur.len() as u64),
    )
}

/// Evidently's `psi` stattest on numeric data: with more than 20 distinct
/// baseline values, Sturges bins over both samples together
/// (`np.histogram_bin_edges(concat, "sturges")`); otherwise the distinct
/// values as categories.
pub fn psi_evidently_numeric(base: &[f64], cur: &[f64]) -> f64 {
    let distinct = 1 + base.windows(2).filter(|w| w[0] != w[1]).count();
    if distinct > 20 {
        let min = base[0].min(cur[0]);
        let max = base[base.len() - 1].max(cur[cur.len() - 1]);
        let edges = sturges_edges((base.len() + cur.len()) as u64, min, max);
        let shares = |values: &[f64]| {
            let mut counts = vec![0u64; edges.len() - 1];
            for &v in values {
                if let Some(bin) = bin_of(&edges, v) {
                    counts[bin] += 1;
                }
            }
            counts
                .into_iter()
                .map(|c| c as f64 / values.len() as f64)
                .collect::<Vec<_>>()
        };
        psi_of_shares(shares(base), shares(cur))
    } else {
        let counts = |values: &[f64]| {
            let mut map = BTreeMap::new();
            for &v in values {
                *map.entry(v.to_bits()).or_insert(0u64) += 1;
            }
            map
        };
        let (a, b) = (counts(base), counts(cur));
        let keys: std::collections::BTreeSet<u64> = a.keys().chain(b.keys()).copied().collect();
        let shares = |map: &BTreeMap<u64, u64>, n: usize| {
            keys.iter()
                .map(|k| *map.get(k).unwrap_or(&0) as f64 / n as f64)
                .collect::<Vec<_>>()
        };
        psi_of_shares(shares(&a, base.len()), shares(&b, cur.len()))
    }
}

fn union_counts<'a>(
    base: &'a BTreeMap<String, u64>,
    cur: &'a BTreeMap<String, u64>,
) -> Vec<(u64, u64)> {
    let keys: std::collections::BTreeSet<&String> = base.keys().chain(cur.keys()).collect();
    keys.into_iter()
        .map(|k| (*base.get(k).unwrap_or(&0), *cur.get(k).unwrap_or(&0)))
        .collect()
}

/// PSI over the union of categories (Evidently's categorical `psi`).
pub fn psi_categories(base: &BTreeMap<String, u64>, cur: &BTreeMap<String, u64>) -> f64 {
    let pairs = union_counts(base, cur);
    let (nb, nc) = (
        pairs.iter().map(|p| p.0).sum::<u64>() as f64,
        pairs.iter().map(|p| p.1).sum::<u64>() as f64,
    );
    psi_of_shares(
        pairs.iter().map(|p| p.0 as f64 / nb).collect(),
        pairs.iter().map(|p| p.1 as f64 / nc).collect(),
    )
}

/// Chi-square test of homogeneity on the 2 × k table of category counts
/// (`scipy.stats.chi2_contingency(table, correction=False)`).
pub fn chi_square(base: &BTreeMap<String, u64>, cur: &BTreeMap<String, u64>) -> ChiSquare {
    let pairs = union_counts(base, cur);
    let nb = pairs.iter().map(|p| p.0).sum::<u64>() as f64;
    let nc = pairs.iter().map(|p| p.1).sum::<u64>() as f64;
    let n = nb + nc;
    let mut statistic = 0.0;
    for &(b, c) in &pairs {
        let column = (b + c) as f64;
        let (eb, ec) = (nb * column / n, nc * column / n);
        statistic += (b as f64 - eb).powi(2) / eb + (c as f64 - ec).powi(2) / ec;
    }
    let dof = pairs.len().saturating_sub(1) as u64;
    let p_value = if dof == 0 {
        1.0
    } else {
        chi2_sf(statistic, dof as f64)
    };
    ChiSquare {
        statistic,
        dof,
        p_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_evidently_vector() {
        // ref = 0..999, cur = 100..1099: Evidently PSI 1.2558 over 12 Sturges bins.
        let a: Vec<f64> = (0..1000).map(f64::from).collect();
        let b: Vec<f64> = (100..1100).map(f64::from).collect();
        let psi = psi_evidently_numeric(&a, &b);
        assert!((psi - 1.2558).abs() < 5e-5, "{psi}");
    }

    /// Classic PSI straight from the values, as this module computed it
    /// before the bins were stored.
    fn psi_deciles_reference(base: &[f64], cur: &[f64]) -> f64 {
        use crate::profile::stats::quantile_sorted;
        let mut edges: Vec<f64> = (1..10)
            .filter_map(|i| quantile_sorted(base, f64::from(i) / 10.0))
            .collect();
        edges.dedup();
        let shares = |values: &[f64]| {
            let mut below = 0usize;
            let mut shares = Vec::new();
            for &edge in &edges {
                let upto = values.partition_point(|&v| v <= edge);
                shares.push((upto - below) as f64 / values.len() as f64);
                below = upto;
            }
            shares.push((values.len() - below) as f64 / values.len() as f64);
            shares
        };
        psi_of_shares(shares(base), shares(cur))
    }

    #[test]
    fn psi_from_stored_bins_is_psi_from_the_values_to_the_bit() {
        let sorted = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v
        };
        // Ties (101 values, 0 twice as often) and a shifted current sample.
        let base = sorted(
            (0..997)
                .map(|i| f64::from((i * 37) % 101 * (i % 2)) / 4.0)
                .collect(),
        );
        let cur = sorted(
            (0..613)
                .map(|i| f64::from((i * 53) % 89) / 3.5 + 1.0)
                .collect(),
        );
        let bins = DecileBins::of_sorted(&base).unwrap();
        assert!(bins.edges.len() < 9, "ties merge edges: {:?}", bins.edges);
        // Through JSON, as a stored profile keeps them.
        let stored: DecileBins =
            serde_json::from_str(&serde_json::to_string(&bins).unwrap()).unwrap();
        let reference = psi_deciles_reference(&base, &cur);
        assert!(reference > 0.1, "{reference}");
        assert_eq!(psi_of_bins(&stored, &cur).to_bits(), reference.to_bits());
        assert_eq!(psi_deciles(&base, &cur).to_bits(), reference.to_bits());
    }

    #[test]
    fn identical_data_has_zero_psi() {
        let a: Vec<f64> = (0..100).map(f64::from).collect();
        assert_eq!(psi_deciles(&a, &a), 0.0);
        assert_eq!(psi_evidently_numeric(&a, &a), 0.0);
    }

    #[test]
    fn chi_square_of_a_known_table() {
        // scipy.stats.chi2_contingency([[10, 20, 30], [20, 20, 20]], correction=False)
        // statistic 5.333333333333333, dof 2, p 0.06948345122280154
        let base: BTreeMap<String, u64> = [("a", 10), ("b", 20), ("c", 30)]
            .map(|(k, v)| (k.to_string(), v))
            .into();
        let cur: BTreeMap<String, u64> = [("a", 20), ("b", 20), ("c", 20)]
            .map(|(k, v)| (k.to_string(), v))
            .into();
        let chi = chi_square(&base, &cur);
        assert_eq!(chi.dof, 2);
        assert!((chi.statistic - 5.333_333_333_333_333).abs() < 1e-12);
        assert!((chi.p_value - 0.069_483_451_222_801_54).abs() < 1e-12);
    }
}
