//! A dataset loaded for drift: per column the sorted finite values (numeric)
//! or the counts per category (text). Numeric columns are held in memory,
//! 8 bytes per value.

use std::collections::BTreeMap;

use crate::profile::read::{self, Cell};
use crate::profile::{ColumnType, DISTINCT_LIMIT, Format, ProfileError, Source, infer_types};

/// One column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Finite values, sorted (NaN and ±inf dropped).
    Numeric(Vec<f64>),
    /// Counts per category (past [`DISTINCT_LIMIT`] categories, new values
    /// count under `"(other)"`).
    Categorical(BTreeMap<String, u64>),
    /// No non-null value.
    Empty,
}

impl ColumnData {
    /// Values compared.
    pub fn count(&self) -> u64 {
        match self {
            ColumnData::Numeric(v) => v.len() as u64,
            ColumnData::Categorical(c) => c.values().sum(),
            ColumnData::Empty => 0,
        }
    }
}

/// A loaded dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Data rows.
    pub rows: u64,
    /// Columns in file order.
    pub columns: Vec<(String, ColumnData)>,
}

/// Load `path` (format by extension) for comparison. An empty dataset (no
/// rows) is an error.
pub fn load_table(source: &Source) -> Result<Table, ProfileError> {
    let path = source.label.as_path();
    let format = Format::from_path(path)?;
    let types = infer_types(source, format)?;
    let mut data: Vec<ColumnData> = types
        .iter()
        .map(|(_, kind)| match kind {
            ColumnType::Integer | ColumnType::Float => ColumnData::Numeric(Vec::new()),
            ColumnType::String => ColumnData::Categorical(BTreeMap::new()),
            ColumnType::Empty => ColumnData::Empty,
        })
        .collect();
    let mut rows = 0u64;
    read::scan(source, format, |_, row| {
        rows += 1;
        for (column, cell) in data.iter_mut().zip(row.cells) {
            match column {
                ColumnData::Numeric(values) => {
                    if let Cell::Number(x) = read::classify(*cell)
                        && x.is_finite()
                    {
                        values.push(x);
                    }
                }
                ColumnData::Categorical(counts) => {
                    if let (Some(text), false) = (cell, read::classify(*cell) == Cell::Null) {
                        if let Some(count) = counts.get_mut(*text) {
                            *count += 1;
                        } else if counts.len() < DISTINCT_LIMIT {
                            counts.insert(text.to_string(), 1);
                        } else {
                            *counts.entry("(other)".to_string()).or_insert(0) += 1;
                        }
                    }
                }
                ColumnData::Empty => {}
            }
        }
        Ok(())
    })?;
    if rows == 0 {
        return Err(ProfileError::Empty {
            path: path.to_path_buf(),
        });
    }
    for column in &mut data {
        if let ColumnData::Numeric(values) = column {
            crate::profile::stats::sort_values(values);
        }
    }
    Ok(Table {
        rows,
        columns: types.into_iter().map(|(name, _)| name).zip(data).collect(),
    })
}
