//! A dataset loaded for drift: per column the sorted finite values (numeric)
//! or the counts per category (text). Numeric columns are held in memory,
//! 8 bytes per value.

use std::collections::BTreeMap;

use crate::profile::chunked::scan_classified;
use crate::profile::read::{self, Cell};
use crate::profile::stats::sort_values;
use crate::profile::{DISTINCT_LIMIT, Format, ProfileError, Source};

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
///
/// One pass types every column and collects it: numbers until a text cell
/// shows the column is text, categories from then on. Only a column that
/// held numbers before its first text cell is counted again, in a second
/// pass over those columns alone; a file of numbers is read once.
pub fn load_table(source: &Source) -> Result<Table, ProfileError> {
    let path = source.label.as_path();
    let format = Format::from_path(path)?;
    // Per column: the data so far and whether a non-null cell was seen.
    let mut data: Vec<ColumnData> = Vec::new();
    let mut seen: Vec<bool> = Vec::new();
    let mut again: Vec<usize> = Vec::new();
    let mut rows = 0u64;
    let names = scan_classified(source, format, |names, row, classes| {
        rows += 1;
        if data.len() < names.len() {
            data.resize_with(names.len(), || ColumnData::Numeric(Vec::new()));
            seen.resize(names.len(), false);
        }
        for (i, (cell, class)) in row.cells.iter().zip(classes).enumerate() {
            match (&mut data[i], *class) {
                (_, Cell::Null) => continue,
                (ColumnData::Numeric(values), Cell::Number(x)) => {
                    if x.is_finite() {
                        values.push(x);
                    }
                }
                (ColumnData::Numeric(_), Cell::Text) => {
                    if seen[i] {
                        again.push(i);
                        data[i] = ColumnData::Empty;
                    } else {
                        data[i] = ColumnData::Categorical(BTreeMap::new());
                        count(&mut data[i], cell.unwrap_or_default());
                    }
                }
                (ColumnData::Categorical(_), _) => count(&mut data[i], cell.unwrap_or_default()),
                // Text after numbers: counted in the second pass.
                (ColumnData::Empty, _) => {}
            }
            seen[i] = true;
        }
        Ok(())
    })?;
    if rows == 0 {
        return Err(ProfileError::Empty {
            path: path.to_path_buf(),
        });
    }
    data.resize_with(names.len(), || ColumnData::Empty);
    seen.resize(names.len(), false);
    for (column, seen) in data.iter_mut().zip(&seen) {
        match column {
            ColumnData::Numeric(_) if !seen => *column = ColumnData::Empty,
            ColumnData::Numeric(values) => sort_values(values),
            _ => {}
        }
    }
    if !again.is_empty() {
        again.sort_unstable();
        for &i in &again {
            data[i] = ColumnData::Categorical(BTreeMap::new());
        }
        read::scan(source, format, |_, row| {
            for &i in &again {
                if let Some(Some(text)) = row.cells.get(i)
                    && read::classify(Some(text)) != Cell::Null
                {
                    count(&mut data[i], text);
                }
            }
            Ok(())
        })?;
    }
    Ok(Table {
        rows,
        columns: names.into_iter().zip(data).collect(),
    })
}

/// Count one non-null cell of a text column.
fn count(column: &mut ColumnData, text: &str) {
    if let ColumnData::Categorical(counts) = column {
        if let Some(count) = counts.get_mut(text) {
            *count += 1;
        } else if counts.len() < DISTINCT_LIMIT {
            counts.insert(text.to_string(), 1);
        } else {
            *counts.entry("(other)".to_string()).or_insert(0) += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{ColumnType, infer_types};

    /// The two-pass load this module did before it read once: type every
    /// column, then collect each as its final type.
    fn two_passes(source: &Source) -> Table {
        let format = Format::from_path(&source.label).unwrap();
        let types = infer_types(source, format).unwrap();
        let mut data: Vec<ColumnData> = types
            .iter()
            .map(|(_, kind)| match kind {
                ColumnType::Integer | ColumnType::Float => ColumnData::Numeric(Vec::new()),
                ColumnType::String => ColumnData::Categorical(BTreeMap::new()),
                ColumnType::Empty => ColumnData::Empty,
            })
            .collect();
        let mut rows = 0;
        read::scan(source, format, |_, row| {
            rows += 1;
            for (column, cell) in data.iter_mut().zip(row.cells) {
                match (column, read::classify(*cell)) {
                    (_, Cell::Null) => {}
                    (ColumnData::Numeric(values), Cell::Number(x)) if x.is_finite() => {
                        values.push(x)
                    }
                    (column @ ColumnData::Categorical(_), _) => count(column, cell.unwrap()),
                    _ => {}
                }
            }
            Ok(())
        })
        .unwrap();
        for column in &mut data {
            if let ColumnData::Numeric(values) = column {
                values.sort_by(f64::total_cmp);
            }
        }
        Table {
            rows,
            columns: types.into_iter().map(|(name, _)| name).zip(data).collect(),
        }
    }

    #[test]
    fn one_read_loads_what_two_passes_load() {
        let csv = "num,late,text,none,nan,mixed\n\
                   1.5,1,a,,nan,\n\
                   -2,2,b,NA,inf,x\n\
                   ,3,,,,2\n\
                   4e2,four,a,,NaN,y\n\
                   0,5,7,,,3\n";
        let jsonl =
            "{\"a\": 1, \"b\": \"x\"}\n{\"a\": \"t\", \"c\": 2.5}\n{\"b\": 3, \"c\": null}\n";
        for (label, text) in [("data.csv", csv), ("data.jsonl", jsonl)] {
            let source = Source::bytes(label, text.as_bytes().to_vec());
            let table = load_table(&source).unwrap();
            assert_eq!(table, two_passes(&source), "{label}");
        }
        let source = Source::bytes("data.csv", csv.as_bytes().to_vec());
        let table = load_table(&source).unwrap();
        let kinds: Vec<&str> = table
            .columns
            .iter()
            .map(|(_, c)| match c {
                ColumnData::Numeric(_) => "numeric",
                ColumnData::Categorical(_) => "categorical",
                ColumnData::Empty => "empty",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "numeric",
                "categorical",
                "categorical",
                "empty",
                "numeric",
                "categorical"
            ]
        );
    }
}
