//! The bins of classic PSI kept in a numeric column's profile: the column's
//! deciles (numpy linear quantiles 10 … 90 %, repeated edges merged) and its
//! values per bin, so a stored baseline gives drift's classic PSI exactly.

use serde::{Deserialize, Serialize};

use super::stats::{quantile_sorted, quantile_weighted};

/// Decile bins `(−∞, e₀], (e₀, e₁], …, (eₖ, ∞)` and the values in each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecileBins {
    /// The upper edges: the 10 … 90 % quantiles, ascending, repeated ones merged.
    pub edges: Vec<f64>,
    /// Values per bin, one more than `edges` (ties make these differ from
    /// a tenth of the values).
    pub counts: Vec<u64>,
}

impl DecileBins {
    /// The bins of sorted finite values; `None` when there are none.
    pub fn of_sorted(sorted: &[f64]) -> Option<DecileBins> {
        let mut edges: Vec<f64> = (1..10)
            .map(|i| quantile_sorted(sorted, f64::from(i) / 10.0))
            .collect::<Option<_>>()?;
        edges.dedup();
        let counts = counts_in(&edges, sorted);
        Some(DecileBins { edges, counts })
    }

    /// The bins of weighted sorted values (a sketch): quantiles and counts
    /// as of the values repeated by their weights; `None` when empty.
    pub fn of_weighted(items: &[(f64, u64)]) -> Option<DecileBins> {
        let mut edges: Vec<f64> = (1..10)
            .map(|i| quantile_weighted(items, f64::from(i) / 10.0))
            .collect::<Option<_>>()?;
        edges.dedup();
        let mut counts = vec![0u64; edges.len() + 1];
        for &(x, w) in items {
            counts[edges.partition_point(|&e| e < x)] += w;
        }
        Some(DecileBins { edges, counts })
    }

    /// Values counted, the sum of `counts`.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// How many of the sorted values fall in each bin `(−∞, e₀], (e₀, e₁], …,
/// (eₖ, ∞)` of `edges`.
pub fn counts_in(edges: &[f64], sorted: &[f64]) -> Vec<u64> {
    let mut below = 0usize;
    let mut counts = Vec::with_capacity(edges.len() + 1);
    for &edge in edges {
        let upto = sorted.partition_point(|&v| v <= edge);
        counts.push((upto - below) as u64);
        below = upto;
    }
    counts.push((sorted.len() - below) as u64);
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_merge_edges_and_skew_the_counts() {
        // np.quantile([1]*6 + [2, 3, 4, 5], [.1, …, .9]) = 1 ×5, 1.4, 2.3, 3.2, 4.1
        let values = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        let bins = DecileBins::of_sorted(&values).unwrap();
        assert_eq!(bins.edges.len(), 5);
        assert_eq!(bins.edges[0], 1.0);
        assert!((bins.edges[1] - 1.4).abs() < 1e-12);
        assert_eq!(bins.counts, vec![6, 0, 1, 1, 1, 1]);
        assert_eq!(bins.total(), 10);
        assert_eq!(DecileBins::of_sorted(&[]), None);
    }

    #[test]
    fn weights_count_as_repeated_values() {
        let values = [1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let items = [
            (1.0, 2),
            (2.0, 1),
            (3.0, 3),
            (4.0, 1),
            (5.0, 1),
            (6.0, 1),
            (7.0, 1),
        ];
        assert_eq!(
            DecileBins::of_weighted(&items),
            DecileBins::of_sorted(&values)
        );
    }
}
