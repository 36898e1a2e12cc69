//! Data profiles: one streaming pass types each column of a CSV, TSV or JSON
//! Lines file and computes a deterministic [`Profile`] (counts, moments,
//! numpy-style quantiles, a Sturges histogram, top categories); text columns
//! are counted in a second pass over those columns alone.
//! Memory is flat in the file size: exact below [`EXACT_VALUES_BUDGET`], a
//! deterministic [`stats::Sketch`] above it.

pub(crate) mod chunked;
mod column;
pub mod deciles;
mod parquet;
pub mod read;
pub mod render;
pub mod stats;
pub mod stored;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use deciles::DecileBins;
pub use read::{Format, Source};
pub use stats::Histogram;

/// The quantiles every numeric column reports.
pub const QUANTILES: [f64; 9] = [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99];
/// Finite values held exactly, shared by a file's numeric columns (each keeps
/// at least 4,096): 8 Mi values, 64 MiB. A column past its share is sketched.
pub const EXACT_VALUES_BUDGET: usize = 8 * 1024 * 1024;
/// Values per level of a column's sketch.
pub const SKETCH_K: usize = 4096;
/// Distinct values counted exactly per column; past this `distinct` is a
/// lower bound (`distinct_exact: false`).
pub const DISTINCT_LIMIT: usize = 100_000;
/// Categories listed per text column, by count.
pub const TOP_N: usize = 20;

/// A failure reading a dataset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The file name does not say which format it is.
    #[error("'{}': cannot tell the format from the extension '{extension}'", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// Its extension (lowercase, may be empty).
        extension: String,
    },
    /// The file could not be read.
    #[error("cannot read '{}': {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid in its format.
    #[error("'{}' line {line}: {problem}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// What is wrong.
        problem: String,
    },
    /// The file is not Parquet, or is damaged (cut short, a bad footer or page).
    #[error("'{}' cannot be read as Parquet: {problem}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A Parquet column of a kind this reader does not read (nested, INT96…).
    #[error("'{}' column '{column}': {problem}", path.display())]
    ParquetColumn {
        /// The file.
        path: PathBuf,
        /// The column's name.
        column: String,
        /// What the column is, and what is read.
        problem: String,
    },
    /// A Parquet column compressed with a codec this build does not read.
    #[error(
        "'{}' column '{column}' is compressed with {codec}; this build reads uncompressed \
         and snappy Parquet",
        path.display()
    )]
    ParquetCodec {
        /// The file.
        path: PathBuf,
        /// The first column so compressed.
        column: String,
        /// The codec (`zstd`, `gzip`, `brotli`, `lz4`, `lzo`).
        codec: &'static str,
    },
    /// The file has no header (CSV/TSV) or no rows (JSON Lines).
    #[error("'{}' is empty: no header row or no records", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// What a column's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Every non-null value is an integer.
    Integer,
    /// Every non-null value is a number (NaN and ±inf included).
    Float,
    /// Some value is not a number: counted as categories.
    String,
    /// No non-null value at all.
    Empty,
}

impl ColumnType {
    /// Integer or float.
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnType::Integer | ColumnType::Float)
    }
}

/// One quantile of a numeric column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantile {
    /// The probability, 0.01 … 0.99.
    pub q: f64,
    /// The value (numpy's linear interpolation).
    pub value: f64,
}

/// One category and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// The value's text.
    pub value: String,
    /// Occurrences.
    pub count: u64,
}

/// One value of a numeric column with few distinct values, and how often
/// it occurs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValueCount {
    /// The value.
    pub value: f64,
    /// Occurrences.
    pub count: u64,
}

/// Distinct values up to which a numeric column profiled exactly lists every
/// value with its count (`values`): drift then has its whole distribution.
pub const VALUES_LIMIT: usize = 20;

/// The profile of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// The column name (header cell or JSON key).
    pub name: String,
    /// The inferred type.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Values counted: finite numbers for a numeric column, non-null cells
    /// otherwise.
    pub count: u64,
    /// Empty cells, null markers, JSON nulls and missing keys.
    pub null_count: u64,
    /// NaN values (numeric columns; dropped from every statistic).
    pub nan_count: u64,
    /// ±infinity values (numeric columns; dropped from every statistic).
    pub inf_count: u64,
    /// Distinct values among `count` (a lower bound when `distinct_exact` is false).
    pub distinct: u64,
    /// Whether `distinct` is exact (false past [`DISTINCT_LIMIT`]).
    pub distinct_exact: bool,
    /// Smallest finite value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min: Option<f64>,
    /// Largest finite value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max: Option<f64>,
    /// Sum of the finite values.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sum: Option<f64>,
    /// Mean of the finite values.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub mean: Option<f64>,
    /// Sample standard deviation (ddof = 1, as pandas), absent below 2 values.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub std: Option<f64>,
    /// Whether quantiles and histogram are exact (false: from the sketch).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exact: Option<bool>,
    /// [`QUANTILES`] of the finite values.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub quantiles: Vec<Quantile>,
    /// Sturges histogram of the finite values.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub histogram: Option<Histogram>,
    /// The bins of drift's classic PSI (deciles 10 … 90 % and the values in
    /// each), exact when `exact` is true; absent in profiles stored before
    /// they were kept (drift then approximates from `quantiles`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deciles: Option<DecileBins>,
    /// Every finite value with its count, ascending, when the column was
    /// profiled exactly and has at most [`VALUES_LIMIT`] distinct values.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub values: Vec<ValueCount>,
    /// The [`TOP_N`] most frequent values of a text column (count desc, value asc).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub top: Vec<Category>,
    /// Non-null values of a text column not in `top`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub other: Option<u64>,
}

/// The profile of a dataset file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The path as given.
    pub path: String,
    /// The format read.
    pub format: Format,
    /// Data rows (header excluded).
    pub rows: u64,
    /// File size in bytes.
    pub bytes: u64,
    /// One entry per column, in file order.
    pub columns: Vec<ColumnProfile>,
}

/// Infer each column's type in one pass (columns in first-seen order): the
/// typing pass of the two-pass profile, kept as the tests' oracle for the
/// one-pass reads of `profile` and `drift`.
#[cfg(test)]
pub(crate) fn infer_types(
    source: &Source,
    format: Format,
) -> Result<Vec<(String, ColumnType)>, ProfileError> {
    let mut kinds: Vec<ColumnType> = Vec::new();
    let names = read::scan(source, format, |names, row| {
        kinds.resize(names.len(), ColumnType::Empty);
        for (kind, cell) in kinds.iter_mut().zip(row.cells) {
            if *kind == ColumnType::String {
                continue;
            }
            *kind = match (read::classify(*cell), *kind) {
                (read::Cell::Null, k) => k,
                (read::Cell::Text, _) => ColumnType::String,
                (read::Cell::Number(v), ColumnType::Empty | ColumnType::Integer)
                    if v.fract() == 0.0 && is_integer_text(cell.unwrap_or("")) =>
                {
                    ColumnType::Integer
                }
                (read::Cell::Number(_), _) => ColumnType::Float,
            };
        }
        Ok(())
    })?;
    kinds.resize(names.len(), ColumnType::Empty);
    Ok(names.into_iter().zip(kinds).collect())
}

fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Profile the dataset at `path` (format from its extension). The same
/// bytes always give the same profile.
pub fn profile_path(path: &Path, shown: &str) -> Result<Profile, ProfileError> {
    profile_source(&Source::file(path), shown)
}

/// Profile a dataset from `source` (format from its label's extension).
///
/// One pass types every column and accumulates the ones still numeric. A
/// second pass, over the columns that need it only, runs when a column turned
/// out to be text (its categories are counted from the first row) or went to
/// the sketch early but, once the text columns no longer share the exact
/// budget, fits in it. A file of numbers is read once.
pub fn profile_source(source: &Source, shown: &str) -> Result<Profile, ProfileError> {
    profile_within(source, shown, EXACT_VALUES_BUDGET)
}

/// [`profile_source`] with `budget` exact values shared by the numeric columns.
fn profile_within(source: &Source, shown: &str, budget: usize) -> Result<Profile, ProfileError> {
    let format = Format::from_path(&source.label)?;
    let bytes = source.len()?;
    let share = |numeric: usize| (budget / numeric.max(1)).max(4096);
    let mut kinds: Vec<ColumnType> = Vec::new();
    // The numeric accumulator of every column not known to be text.
    let mut numbers: Vec<Option<Box<column::Numeric>>> = Vec::new();
    // Columns that may still be numeric share the budget now (memory stays
    // within it); the final share, once text and empty columns drop out, is
    // larger, so a column sketched here is re-read if it fits the final one.
    let mut candidates = 0usize;
    let mut limit = share(0);
    let mut rows = 0u64;
    let names = chunked::scan_classified(source, format, |names, row, classes| {
        rows += 1;
        if kinds.len() < names.len() {
            candidates += names.len() - kinds.len();
            limit = share(candidates);
            kinds.resize(names.len(), ColumnType::Empty);
            numbers.resize_with(names.len(), || Some(Box::new(column::Numeric::new(0))));
        }
        for (((kind, number), cell), class) in kinds
            .iter_mut()
            .zip(numbers.iter_mut())
            .zip(row.cells)
            .zip(classes)
        {
            let Some(acc) = number else { continue };
            match *class {
                read::Cell::Null => {}
                read::Cell::Text => {
                    *kind = ColumnType::String;
                    *number = None;
                    candidates -= 1;
                    limit = share(candidates);
                }
                read::Cell::Number(v) => {
                    *kind = match *kind {
                        ColumnType::Empty | ColumnType::Integer
                            if v.fract() == 0.0 && is_integer_text(cell.unwrap_or("")) =>
                        {
                            ColumnType::Integer
                        }
                        _ => ColumnType::Float,
                    };
                    acc.add(v, limit);
                }
            }
        }
        Ok(())
    })?;
    kinds.resize(names.len(), ColumnType::Empty);
    numbers.resize_with(names.len(), || None);
    let limit = share(kinds.iter().filter(|k| k.is_numeric()).count());
    let mut columns: Vec<Option<column::Accumulator>> = kinds
        .iter()
        .zip(numbers)
        .map(|(kind, number)| match number {
            Some(acc) if kind.is_numeric() => {
                // Sketched early, but within the final share: read it again.
                (!(acc.sketched() && acc.count() <= limit as u64)).then(|| acc.settle(limit))
            }
            Some(_) => Some(column::Accumulator::new(ColumnType::Empty, limit)),
            None => None,
        })
        .collect();
    let again: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].is_none())
        .collect();
    if !again.is_empty() {
        let mut fresh: Vec<column::Accumulator> = again
            .iter()
            .map(|&i| column::Accumulator::new(kinds[i], limit))
            .collect();
        read::scan(source, format, |_, row| {
            for (acc, &i) in fresh.iter_mut().zip(&again) {
                acc.add(row.cells.get(i).copied().flatten());
            }
            Ok(())
        })?;
        for (acc, i) in fresh.into_iter().zip(again) {
            columns[i] = Some(acc);
        }
    }
    let columns = names
        .into_iter()
        .zip(kinds)
        .zip(columns)
        .filter_map(|((name, kind), acc)| Some(acc?.finish(name, kind, rows)))
        .collect();
    Ok(Profile {
        path: shown.to_string(),
        format,
        rows,
        bytes,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two-pass profile this module computed before it read once:
    /// type every column, then accumulate each as its final type.
    fn two_passes(source: &Source, budget: usize) -> Profile {
        let format = Format::from_path(&source.label).unwrap();
        let types = infer_types(source, format).unwrap();
        let numeric = types.iter().filter(|(_, k)| k.is_numeric()).count().max(1);
        let limit = (budget / numeric).max(4096);
        let mut columns: Vec<column::Accumulator> = types
            .iter()
            .map(|(_, kind)| column::Accumulator::new(*kind, limit))
            .collect();
        let mut rows = 0u64;
        read::scan(source, format, |_, row| {
            rows += 1;
            for (acc, cell) in columns.iter_mut().zip(row.cells) {
                acc.add(*cell);
            }
            Ok(())
        })
        .unwrap();
        Profile {
            path: "data".into(),
            format,
            rows,
            bytes: source.len().unwrap(),
            columns: types
                .into_iter()
                .zip(columns)
                .map(|((name, kind), acc)| acc.finish(name, kind, rows))
                .collect(),
        }
    }

    /// `rows` rows of: a float, an integer that turns to text on the last
    /// row, an empty column and a category; pseudo-random, fixed seed.
    fn csv(rows: usize) -> Vec<u8> {
        let mut out = String::from("x,n,none,kind\n");
        let mut state = 7u64;
        for row in 0..rows {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let x = (state >> 11) as f64 / (1u64 << 53) as f64 * 100.0 - 50.0;
            let n = (state >> 40) % 1000;
            let n = if row + 1 == rows {
                "late text".to_string()
            } else {
                n.to_string()
            };
            let kind = ["a", "b", "", "c"][(state >> 20) as usize % 4];
            out.push_str(&format!("{x:.6},{n},,{kind}\n"));
        }
        out.into_bytes()
    }

    #[test]
    fn one_pass_gives_the_bytes_of_two_passes() {
        // Budget 16,384 values: 4,096 each while the four columns may be
        // numeric, 16,384 once only `x` is. 10,000 rows: `x` goes to the
        // sketch in the pass and is read again exactly; 40,000 rows: it stays
        // sketched. Both must equal the two-pass profile, byte for byte.
        for rows in [100, 10_000, 40_000] {
            let source = Source::bytes("data.csv", csv(rows));
            let one = profile_within(&source, "data", 16_384).unwrap();
            let two = two_passes(&source, 16_384);
            assert_eq!(one.columns[0].exact, Some(rows <= 16_384));
            assert_eq!(one.columns[1].kind, ColumnType::String);
            assert_eq!(one.columns[2].kind, ColumnType::Empty);
            assert_eq!(
                serde_json::to_string(&one).unwrap(),
                serde_json::to_string(&two).unwrap(),
                "{rows} rows"
            );
        }
    }
}
