//! Data profiles: one streaming pass types each column of a CSV, TSV or JSON
//! Lines file, a second computes a deterministic [`Profile`] (counts,
//! moments, numpy-style quantiles, a Sturges histogram, top categories).
//! Memory is flat in the file size: exact below [`EXACT_VALUES_BUDGET`], a
//! deterministic [`stats::Sketch`] above it.

mod column;
pub mod read;
pub mod render;
pub mod stats;
pub mod stored;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

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

/// Infer each column's type in one pass (columns in first-seen order).
pub fn infer_types(
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
pub fn profile_source(source: &Source, shown: &str) -> Result<Profile, ProfileError> {
    let format = Format::from_path(&source.label)?;
    let bytes = source.len()?;
    let types = infer_types(source, format)?;
    let numeric = types.iter().filter(|(_, k)| k.is_numeric()).count().max(1);
    let exact_limit = (EXACT_VALUES_BUDGET / numeric).max(4096);
    let mut columns: Vec<column::Accumulator> = types
        .iter()
        .map(|(_, kind)| column::Accumulator::new(*kind, exact_limit))
        .collect();
    let mut rows = 0u64;
    read::scan(source, format, |_, row| {
        rows += 1;
        for (acc, cell) in columns.iter_mut().zip(row.cells) {
            acc.add(*cell);
        }
        Ok(())
    })?;
    let columns = types
        .into_iter()
        .zip(columns)
        .map(|((name, kind), acc)| acc.finish(name, kind, rows))
        .collect();
    Ok(Profile {
        path: shown.to_string(),
        format,
        rows,
        bytes,
        columns,
    })
}
