//! Per-column accumulators of a profile: numbers (moments, exact values or
//! a sketch, distinct values) and text (category counts).

use std::collections::{HashMap, HashSet};

use super::read::{Cell, classify};
use super::stats::{self, Sketch};
use super::{
    Category, ColumnProfile, ColumnType, DISTINCT_LIMIT, QUANTILES, Quantile, SKETCH_K, TOP_N,
};

pub(super) enum Accumulator {
    Numeric(Box<Numeric>),
    Text(Text),
}

pub(super) struct Numeric {
    /// The limit `finish` holds to (the one given to `new` or `settle`).
    limit: usize,
    count: u64,
    nan: u64,
    inf: u64,
    mean: f64,
    m2: f64,
    sum: f64,
    min: f64,
    max: f64,
    exact: Vec<f64>,
    sketch: Option<Sketch>,
    distinct: HashSet<u64>,
    distinct_overflow: bool,
}

pub(super) struct Text {
    count: u64,
    counts: HashMap<String, u64>,
    untracked: u64,
}

/// -0.0 and 0.0 are one value.
fn key(x: f64) -> u64 {
    if x == 0.0 { 0 } else { x.to_bits() }
}

impl Accumulator {
    pub(super) fn new(kind: ColumnType, limit: usize) -> Accumulator {
        if kind.is_numeric() {
            Accumulator::Numeric(Box::new(Numeric::new(limit)))
        } else {
            Accumulator::Text(Text {
                count: 0,
                counts: HashMap::new(),
                untracked: 0,
            })
        }
    }

    pub(super) fn add(&mut self, cell: Option<&str>) {
        match self {
            Accumulator::Numeric(n) => {
                if let Cell::Number(x) = classify(cell) {
                    n.add(x, n.limit);
                }
            }
            Accumulator::Text(t) => {
                if let (Some(text), false) = (cell, classify(cell) == Cell::Null) {
                    t.count += 1;
                    if let Some(count) = t.counts.get_mut(text) {
                        *count += 1;
                    } else if t.counts.len() < DISTINCT_LIMIT {
                        t.counts.insert(text.to_string(), 1);
                    } else {
                        t.untracked += 1;
                    }
                }
            }
        }
    }

    pub(super) fn finish(self, name: String, kind: ColumnType, rows: u64) -> ColumnProfile {
        match self {
            Accumulator::Numeric(n) => n.finish(name, kind, rows),
            Accumulator::Text(t) => t.finish(name, kind, rows),
        }
    }
}

impl Numeric {
    /// An empty column that holds up to `limit` finite values exactly.
    pub(super) fn new(limit: usize) -> Numeric {
        Numeric {
            count: 0,
            nan: 0,
            inf: 0,
            mean: 0.0,
            m2: 0.0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            limit,
            exact: Vec::new(),
            sketch: None,
            distinct: HashSet::new(),
            distinct_overflow: false,
        }
    }

    /// Finite values counted.
    pub(super) fn count(&self) -> u64 {
        self.count
    }

    /// Whether the values went to the sketch.
    pub(super) fn sketched(&self) -> bool {
        self.sketch.is_some()
    }

    /// Fix the exact-value limit for the end of the column: past it the
    /// values go to the sketch now. The sketch is the same whenever the
    /// switch happens (it takes the values in file order), so switching
    /// late gives the bytes switching at the limit would.
    pub(super) fn settle(mut self: Box<Self>, limit: usize) -> Accumulator {
        self.limit = limit;
        if self.sketch.is_none() && self.exact.len() > limit {
            self.start_sketch();
        }
        Accumulator::Numeric(self)
    }

    /// Add one number; the values go to the sketch once more than `limit`
    /// are held (the limit may change between calls).
    pub(super) fn add(&mut self, x: f64, limit: usize) {
        if x.is_nan() {
            self.nan += 1;
            return;
        }
        if x.is_infinite() {
            self.inf += 1;
            return;
        }
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
        self.sum += x;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        match &mut self.sketch {
            Some(sketch) => {
                sketch.insert(x);
                if !self.distinct_overflow {
                    self.distinct.insert(key(x));
                    if self.distinct.len() > DISTINCT_LIMIT {
                        self.distinct_overflow = true;
                        self.distinct = HashSet::new();
                    }
                }
            }
            None => {
                self.exact.push(x);
                if self.exact.len() > limit {
                    self.start_sketch();
                }
            }
        }
    }

    fn start_sketch(&mut self) {
        let mut sketch = Sketch::new(SKETCH_K);
        let values = std::mem::take(&mut self.exact);
        for &x in &values {
            sketch.insert(x);
            if !self.distinct_overflow {
                self.distinct.insert(key(x));
                if self.distinct.len() > DISTINCT_LIMIT {
                    self.distinct_overflow = true;
                    self.distinct = HashSet::new();
                }
            }
        }
        self.sketch = Some(sketch);
    }

    fn finish(mut self, name: String, kind: ColumnType, rows: u64) -> ColumnProfile {
        let seen = self.count + self.nan + self.inf;
        let mut profile = ColumnProfile {
            nan_count: self.nan,
            inf_count: self.inf,
            ..counted(name, kind, self.count, rows - seen)
        };
        if self.count == 0 {
            return profile;
        }
        profile.min = Some(self.min);
        profile.max = Some(self.max);
        profile.sum = Some(self.sum);
        profile.mean = Some(self.mean);
        profile.std = (self.count > 1).then(|| (self.m2 / (self.count - 1) as f64).sqrt());
        let edges = stats::sturges_edges(self.count, self.min, self.max);
        match self.sketch.take() {
            None => {
                stats::sort_values(&mut self.exact);
                let sorted = &self.exact;
                profile.exact = Some(true);
                profile.distinct = 1 + sorted.windows(2).filter(|w| w[0] != w[1]).count() as u64;
                profile.quantiles = QUANTILES
                    .iter()
                    .filter_map(|&q| {
                        stats::quantile_sorted(sorted, q).map(|value| Quantile { q, value })
                    })
                    .collect();
                profile.histogram = Some(stats::histogram(edges, sorted.iter().map(|x| (x, 1))));
                profile.deciles = super::DecileBins::of_sorted(sorted);
                if profile.distinct <= super::VALUES_LIMIT as u64 {
                    profile.values = value_counts(sorted);
                }
            }
            Some(sketch) => {
                let items = sketch.weighted();
                profile.exact = Some(false);
                profile.distinct_exact = !self.distinct_overflow;
                profile.distinct = if self.distinct_overflow {
                    DISTINCT_LIMIT as u64
                } else {
                    self.distinct.len() as u64
                };
                profile.quantiles = QUANTILES
                    .iter()
                    .filter_map(|&q| {
                        stats::quantile_weighted(&items, q).map(|value| Quantile { q, value })
                    })
                    .collect();
                profile.histogram =
                    Some(stats::histogram(edges, items.iter().map(|(x, w)| (x, *w))));
                profile.deciles = super::DecileBins::of_weighted(&items);
            }
        }
        profile
    }
}

/// Each distinct value of sorted values with its count (-0.0 and 0.0 one).
fn value_counts(sorted: &[f64]) -> Vec<super::ValueCount> {
    let mut out: Vec<super::ValueCount> = Vec::new();
    for &x in sorted {
        match out.last_mut() {
            Some(last) if last.value == x => last.count += 1,
            _ => out.push(super::ValueCount { value: x, count: 1 }),
        }
    }
    out
}

impl Text {
    fn finish(self, name: String, kind: ColumnType, rows: u64) -> ColumnProfile {
        let mut categories: Vec<Category> = self
            .counts
            .into_iter()
            .map(|(value, count)| Category { value, count })
            .collect();
        let distinct = categories.len() as u64;
        categories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        categories.truncate(TOP_N);
        let listed: u64 = categories.iter().map(|c| c.count).sum();
        ColumnProfile {
            distinct: distinct + u64::from(self.untracked > 0),
            distinct_exact: self.untracked == 0,
            other: (self.count > 0).then_some(self.count - listed),
            top: categories,
            ..counted(name, kind, self.count, rows - self.count)
        }
    }
}

/// The profile of a column of `count` values and `null_count` nulls, with
/// no statistic filled in yet: what each accumulator's `finish` starts from.
fn counted(name: String, kind: ColumnType, count: u64, null_count: u64) -> ColumnProfile {
    ColumnProfile {
        name,
        kind,
        count,
        null_count,
        nan_count: 0,
        inf_count: 0,
        distinct: 0,
        distinct_exact: true,
        min: None,
        max: None,
        sum: None,
        mean: None,
        std: None,
        exact: None,
        quantiles: Vec::new(),
        histogram: None,
        deciles: None,
        values: Vec::new(),
        top: Vec::new(),
        other: None,
    }
}
