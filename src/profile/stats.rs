//! Order statistics with numpy's conventions: quantiles by linear
//! interpolation (`np.quantile(..., method="linear")`, numpy's `_lerp`) and
//! equal-width histograms with `np.histogram_bin_edges(x, bins="sturges")`
//! edges and `np.histogram` bin assignment; and a deterministic quantile
//! sketch for columns too long to hold.

use serde::{Deserialize, Serialize};

/// numpy's `_lerp(a, b, t)`: `a + t·(b − a)`, computed from `b` when `t ≥ 0.5`.
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The `q` quantile (0 ≤ q ≤ 1) of sorted finite values, numpy's default
/// linear method: position `q·(n − 1)`, interpolated between neighbours.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let position = q * (n - 1) as f64;
    let below = position.floor();
    let lo = (below as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    Some(lerp(sorted[lo], sorted[hi], position - below))
}

/// A histogram: `edges.len() == counts.len() + 1`; every bin is half-open
/// except the last, which includes its right edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bin edges, ascending.
    pub edges: Vec<f64>,
    /// Values per bin (weights, for a sketched column).
    pub counts: Vec<u64>,
}

/// numpy's Sturges edges for `n` values spanning `[min, max]`: width
/// `(max − min) / (log2 n + 1)`, `ceil(range / width)` equal bins
/// (`np.linspace`); one bin of ±0.5 around a constant.
pub fn sturges_edges(n: u64, min: f64, max: f64) -> Vec<f64> {
    let (mut first, mut last) = (min, max);
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    let width = (max - min) / ((n as f64).log2() + 1.0);
    let bins = if width > 0.0 {
        (((last - first) / width).ceil() as usize).max(1)
    } else {
        1
    };
    linspace(first, last, bins)
}

/// `np.linspace(first, last, bins + 1)`: `i·step + first`, the last edge
/// exactly `last`.
pub fn linspace(first: f64, last: f64, bins: usize) -> Vec<f64> {
    let step = (last - first) / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + first).collect();
    if let Some(end) = edges.last_mut() {
        *end = last;
    }
    edges
}

/// The bin of `x` among equal-width `edges` as `np.histogram` assigns it,
/// or `None` outside `[first, last]`.
pub fn bin_of(edges: &[f64], x: f64) -> Option<usize> {
    let bins = edges.len() - 1;
    let (first, last) = (edges[0], edges[bins]);
    if !(x >= first && x <= last) {
        return None;
    }
    let norm = bins as f64 / (last - first);
    let mut index = ((x - first) * norm) as usize;
    if index >= bins {
        index = bins - 1;
    }
    if x < edges[index] {
        index -= 1;
    } else if index + 1 < bins && x >= edges[index + 1] {
        index += 1;
    }
    Some(index)
}

/// Count weighted values into bins over `edges`.
pub fn histogram<'a>(edges: Vec<f64>, values: impl Iterator<Item = (&'a f64, u64)>) -> Histogram {
    let mut counts = vec![0u64; edges.len() - 1];
    for (&x, weight) in values {
        if let Some(bin) = bin_of(&edges, x) {
            counts[bin] += weight;
        }
    }
    Histogram { edges, counts }
}

/// A deterministic mergeable quantile sketch (a KLL-style compactor stack
/// without randomness): level `h` holds values of weight `2^h`; when a level
/// reaches `k` values it is sorted and every other value (alternating
/// offset 0, 1, 0, …) moves up a level. Each compaction moves any rank by at
/// most `2^h`, so the rank error of a quantile is at most `n·L/k` for `L`
/// levels (with k = 4096 and n = 10⁹, L = 18: under 0.5 % of n; in practice
/// far less, since the alternating offsets cancel).
///
/// Levels hold each value's [`order_key`], so a compaction sorts plain
/// integers (unstable and in place: equal keys are equal values, so the
/// order is the one `f64::total_cmp` gives).
#[derive(Debug, Clone)]
pub struct Sketch {
    k: usize,
    levels: Vec<Vec<u64>>,
    odd: Vec<bool>,
}

/// A key whose unsigned order is `f64::total_cmp`'s order of the values
/// (sign bit set for non-negatives, every bit flipped for negatives).
pub fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The value whose [`order_key`] is `key`.
pub fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// Sort values in `f64::total_cmp` order, as integer keys (several times
/// faster than a comparison sort with `total_cmp`; the same result, since
/// the order is total and equal keys are equal bits). No extra memory: the
/// conversions reuse the vector's allocation.
pub fn sort_values(values: &mut Vec<f64>) {
    let mut keys: Vec<u64> = std::mem::take(values).into_iter().map(order_key).collect();
    keys.sort_unstable();
    *values = keys.into_iter().map(from_order_key).collect();
}

impl Sketch {
    /// An empty sketch with `k` (even) values per level.
    pub fn new(k: usize) -> Sketch {
        Sketch {
            k,
            levels: vec![Vec::with_capacity(k)],
            odd: vec![false],
        }
    }

    /// Add one value of weight 1.
    pub fn insert(&mut self, x: f64) {
        self.levels[0].push(order_key(x));
        if self.levels[0].len() >= self.k {
            self.compact(0);
        }
    }

    fn compact(&mut self, level: usize) {
        if self.levels.len() == level + 1 {
            self.levels.push(Vec::with_capacity(self.k));
            self.odd.push(false);
        }
        let mut items = std::mem::take(&mut self.levels[level]);
        items.sort_unstable();
        let offset = usize::from(self.odd[level]);
        self.odd[level] = !self.odd[level];
        let keep_last = items.len() % 2 == 1;
        let leftover = if keep_last { items.pop() } else { None };
        let promoted: Vec<u64> = items.iter().skip(offset).step_by(2).copied().collect();
        items.clear();
        items.extend(leftover);
        self.levels[level] = items;
        self.levels[level + 1].extend(promoted);
        if self.levels[level + 1].len() >= self.k {
            self.compact(level + 1);
        }
    }

    /// Every retained value with its weight, sorted by value.
    pub fn weighted(&self) -> Vec<(f64, u64)> {
        let mut items: Vec<(u64, u64)> = self
            .levels
            .iter()
            .enumerate()
            .flat_map(|(h, level)| level.iter().map(move |&key| (key, 1u64 << h)))
            .collect();
        // Equal keys keep level order (stable), as the values did.
        items.sort_by_key(|item| item.0);
        items
            .into_iter()
            .map(|(key, weight)| (from_order_key(key), weight))
            .collect()
    }
}

/// The `q` quantile of weighted sorted values, as [`quantile_sorted`] on the
/// values repeated by their weights.
pub fn quantile_weighted(items: &[(f64, u64)], q: f64) -> Option<f64> {
    let total: u64 = items.iter().map(|i| i.1).sum();
    if total == 0 {
        return None;
    }
    let position = q * (total - 1) as f64;
    let below = position.floor();
    let at = |rank: u64| {
        let mut seen = 0;
        for &(x, w) in items {
            seen += w;
            if rank < seen {
                return x;
            }
        }
        items[items.len() - 1].0
    };
    let lo = below as u64;
    Some(lerp(at(lo), at((lo + 1).min(total - 1)), position - below))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let x = [1.0, 2.0, 3.0, 4.0];
        // np.quantile([1,2,3,4], [0, .25, .5, .99, 1]) = 1, 1.75, 2.5, 3.97, 4
        assert_eq!(quantile_sorted(&x, 0.0), Some(1.0));
        assert_eq!(quantile_sorted(&x, 0.25), Some(1.75));
        assert_eq!(quantile_sorted(&x, 0.5), Some(2.5));
        assert!((quantile_sorted(&x, 0.99).unwrap() - 3.97).abs() < 1e-12);
        assert_eq!(quantile_sorted(&x, 1.0), Some(4.0));
        assert_eq!(quantile_sorted(&[], 0.5), None);
    }

    #[test]
    fn sturges_edges_match_numpy() {
        // np.histogram_bin_edges(np.arange(100.), "sturges"): 8 bins over [0, 99]
        let edges = sturges_edges(100, 0.0, 99.0);
        assert_eq!(edges.len(), 9);
        assert_eq!(edges[0], 0.0);
        assert_eq!(edges[8], 99.0);
        assert_eq!(sturges_edges(5, 3.0, 3.0), vec![2.5, 3.5]);
        let h = histogram(edges, [0.0, 98.9, 99.0, 12.375].iter().map(|x| (x, 1)));
        assert_eq!(h.counts, vec![1, 1, 0, 0, 0, 0, 0, 2]);
    }

    #[test]
    fn the_sketch_keeps_weight_and_approximates_ranks() {
        let mut sketch = Sketch::new(64);
        for i in 0..100_000 {
            sketch.insert(f64::from((i * 7919) % 100_000));
        }
        let items = sketch.weighted();
        assert_eq!(items.iter().map(|i| i.1).sum::<u64>(), 100_000);
        let median = quantile_weighted(&items, 0.5).unwrap();
        // Bound n·L/k = 100000·11/64: the median within ±17 % of the range.
        assert!((median - 50_000.0).abs() < 17_000.0, "{median}");
        assert!(items.len() < 64 * 12);
    }

    #[test]
    fn integer_keys_sort_like_total_cmp() {
        let mut values = vec![
            3.5,
            -0.0,
            0.0,
            f64::NEG_INFINITY,
            -1e-310,
            1e-310,
            f64::INFINITY,
            -2.25,
            f64::MAX,
            f64::MIN,
            1.0,
        ];
        let mut state = 11u64;
        for _ in 0..10_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            values.push(f64::from_bits(state) % 1e6);
            values.push(((state >> 20) % 100) as f64 - 50.0);
        }
        values.retain(|x| !x.is_nan());
        let mut expected = values.clone();
        expected.sort_by(f64::total_cmp);
        sort_values(&mut values);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&values), bits(&expected));
        for x in values {
            assert_eq!(from_order_key(order_key(x)).to_bits(), x.to_bits());
        }
    }
}
