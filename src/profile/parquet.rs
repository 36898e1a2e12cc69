//! The Parquet reader of `profile` and `drift`: flat columns read a row group
//! at a time, in batches of rows, with the parquet crate's column readers;
//! each value is handed on as the text pandas' `to_csv` would write for it,
//! so a Parquet file profiles exactly as the same data written as CSV.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use parquet::basic::{
    Compression, ConvertedType, LogicalType, Repetition, TimeUnit, Type as Physical,
};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{AsBytes, ByteArray, DataType, FixedLenByteArray};
use parquet::file::reader::{ChunkReader, FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;

use super::ProfileError;
use super::read::{Row, Source};

/// Rows decoded per column before they are handed on: memory is flat in
/// the row group's size as well as the file's.
const BATCH: usize = 4096;

/// How one column's values become cell text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Render {
    /// `True` / `False`, as pandas writes booleans (categories).
    Bool,
    /// A signed integer.
    Int,
    /// An INT32 that holds an unsigned integer.
    UInt32,
    /// An INT64 that holds an unsigned integer.
    UInt64,
    /// A FLOAT, written in its shortest 32-bit form (as numpy prints it;
    /// floats are written by `ryu`: shortest round-trip text with a `.` or
    /// an exponent, so a whole value stays a float).
    Float,
    /// A DOUBLE.
    Double,
    /// UTF-8 text.
    Text,
    /// Days since 1970-01-01, written `YYYY-MM-DD` (categories).
    Date,
    /// A timestamp or time of day in units of `1 / per_second` seconds,
    /// written as seconds (since the epoch or since midnight).
    Seconds { per_second: f64 },
    /// An integer scaled by 10^-scale, written as a decimal.
    Decimal { scale: u32 },
}

/// One column's cells of the current batch: text and where each ends.
#[derive(Default)]
struct Cells {
    text: String,
    ends: Vec<usize>,
    null: Vec<bool>,
}

impl Cells {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.null.clear();
    }

    fn get(&self, row: usize) -> Option<&str> {
        if self.null[row] {
            return None;
        }
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        Some(&self.text[start..self.ends[row]])
    }
}

/// A file held in memory, shared with the [`Source`] without a copy.
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// Read the Parquet file `source` names, calling `on_row` for every row
/// with the column names. Returns the column names.
pub(super) fn scan(
    source: &Source,
    on_row: &mut impl FnMut(&[String], Row<'_>) -> Result<(), ProfileError>,
) -> Result<Vec<String>, ProfileError> {
    let path = source.label.as_path();
    match &source.bytes {
        Some(bytes) => {
            let end = bytes.len().saturating_sub(4);
            check_magic(
                path,
                bytes.len() as u64,
                &bytes[..4.min(bytes.len())],
                &bytes[end..],
            )?;
            let shared = bytes::Bytes::from_owner(Shared(Arc::clone(bytes)));
            scan_chunks(path, shared, on_row)
        }
        None => {
            let io = |source| ProfileError::Io {
                path: path.to_path_buf(),
                source,
            };
            let mut file = File::open(path).map_err(io)?;
            let len = file.metadata().map_err(io)?.len();
            let mut head = vec![0u8; len.min(4) as usize];
            file.read_exact(&mut head).map_err(io)?;
            let mut tail = vec![0u8; len.min(4) as usize];
            file.seek(SeekFrom::Start(len - tail.len() as u64))
                .map_err(io)?;
            file.read_exact(&mut tail).map_err(io)?;
            check_magic(path, len, &head, &tail)?;
            scan_chunks(path, file, on_row)
        }
    }
}

/// A Parquet file begins and ends with `PAR1`; say which end is wrong (a
/// file that begins right but ends wrong was cut short), from the file's
/// length and its first and last 4 bytes.
fn check_magic(path: &Path, len: u64, head: &[u8], tail: &[u8]) -> Result<(), ProfileError> {
    let bad = |problem: &str| ProfileError::Parquet {
        path: path.to_path_buf(),
        problem: problem.into(),
    };
    if head != b"PAR1" {
        return Err(bad("it does not begin with the Parquet magic bytes PAR1"));
    }
    // Magic, footer length, magic: 12 bytes at least.
    if len < 12 || tail != b"PAR1" {
        return Err(bad(
            "it does not end with the Parquet magic bytes PAR1: the file is cut short",
        ));
    }
    Ok(())
}

fn scan_chunks<R: ChunkReader + 'static>(
    path: &Path,
    chunks: R,
    on_row: &mut impl FnMut(&[String], Row<'_>) -> Result<(), ProfileError>,
) -> Result<Vec<String>, ProfileError> {
    let damaged = |problem: String| ProfileError::Parquet {
        path: path.to_path_buf(),
        problem,
    };
    let reader = SerializedFileReader::new(chunks).map_err(|e| damaged(e.to_string()))?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let mut names = Vec::new();
    for field in schema.root_schema().get_fields() {
        let name = field.name().to_string();
        let nested = if field.is_group() {
            Some("a nested column (struct, list or map)")
        } else if field.get_basic_info().has_repetition()
            && field.get_basic_info().repetition() == Repetition::REPEATED
        {
            Some("a repeated column (a list)")
        } else {
            None
        };
        if let Some(what) = nested {
            return Err(ProfileError::ParquetColumn {
                path: path.to_path_buf(),
                column: name,
                problem: format!("{what}; profile and drift read flat columns only"),
            });
        }
        names.push(name);
    }
    let columns = schema.columns();
    if columns.len() != names.len() {
        return Err(damaged(format!(
            "the schema has {} fields but {} leaf columns",
            names.len(),
            columns.len()
        )));
    }
    let renders: Vec<Render> = columns
        .iter()
        .map(|descr| {
            render_of(descr).map_err(|problem| ProfileError::ParquetColumn {
                path: path.to_path_buf(),
                column: descr.name().to_string(),
                problem,
            })
        })
        .collect::<Result<_, _>>()?;
    let max_defs: Vec<i16> = columns.iter().map(|d| d.max_def_level()).collect();
    let mut cells: Vec<Cells> = names.iter().map(|_| Cells::default()).collect();
    let mut buffers: Vec<Buffers> = names.iter().map(|_| Buffers::default()).collect();
    let mut row = 0u64;
    for group in 0..reader.num_row_groups() {
        let in_group =
            |e: parquet::errors::ParquetError| damaged(format!("row group {}: {e}", group + 1));
        let row_group = reader.get_row_group(group).map_err(in_group)?;
        for (c, chunk) in row_group.metadata().columns().iter().enumerate() {
            let codec = match chunk.compression() {
                Compression::UNCOMPRESSED | Compression::SNAPPY => continue,
                Compression::GZIP(_) => "gzip",
                Compression::ZSTD(_) => "zstd",
                Compression::BROTLI(_) => "brotli",
                Compression::LZ4 | Compression::LZ4_RAW => "lz4",
                Compression::LZO => "lzo",
            };
            return Err(ProfileError::ParquetCodec {
                path: path.to_path_buf(),
                column: names.get(c).cloned().unwrap_or_default(),
                codec,
            });
        }
        let expected = u64::try_from(row_group.metadata().num_rows()).unwrap_or(0);
        let mut readers: Vec<ColumnReader> = (0..names.len())
            .map(|c| row_group.get_column_reader(c))
            .collect::<Result<_, _>>()
            .map_err(in_group)?;
        let mut done = 0u64;
        loop {
            let mut batch: Option<usize> = None;
            for (c, reader) in readers.iter_mut().enumerate() {
                let in_column = |problem: String| {
                    damaged(format!(
                        "row group {}, column '{}': {problem}",
                        group + 1,
                        names[c]
                    ))
                };
                let read = buffers[c]
                    .read(reader, renders[c], max_defs[c], &mut cells[c])
                    .map_err(in_column)?;
                match batch {
                    None => batch = Some(read),
                    Some(n) if n == read => {}
                    Some(n) => {
                        return Err(in_column(format!(
                            "{read} rows where the columns before it have {n}"
                        )));
                    }
                }
            }
            let n = batch.unwrap_or(0);
            if n == 0 {
                break;
            }
            // One allocation per batch: the cells borrow this batch's text.
            let mut row_cells: Vec<Option<&str>> = Vec::with_capacity(names.len());
            for r in 0..n {
                row += 1;
                row_cells.clear();
                row_cells.extend(cells.iter().map(|c| c.get(r)));
                on_row(
                    &names,
                    Row {
                        line: row,
                        cells: &row_cells,
                    },
                )?;
            }
            done += n as u64;
            if names.is_empty() {
                break;
            }
        }
        if !names.is_empty() && done != expected {
            return Err(damaged(format!(
                "row group {} holds {done} rows, its metadata says {expected}",
                group + 1
            )));
        }
        if names.is_empty() {
            row += expected;
        }
    }
    Ok(names)
}

/// How a column is shown, from its physical and logical (or legacy
/// converted) type; a type this reader does not read is an error.
fn render_of(descr: &ColumnDescriptor) -> Result<Render, String> {
    let logical = descr.logical_type_ref();
    let converted = descr.converted_type();
    let unit = |unit: &TimeUnit| match unit {
        TimeUnit::MILLIS => 1e3,
        TimeUnit::MICROS => 1e6,
        TimeUnit::NANOS => 1e9,
    };
    let scale = || u32::try_from(descr.type_scale()).unwrap_or(0);
    let unsupported = |what: String| {
        Err(format!(
            "{what} is not read; profile and drift read integers, floats, booleans, \
             strings, dates, times and timestamps"
        ))
    };
    Ok(match descr.physical_type() {
        Physical::BOOLEAN => Render::Bool,
        Physical::INT32 => match (logical, converted) {
            (Some(LogicalType::Integer(int)), _) if !int.is_signed => Render::UInt32,
            (_, ConvertedType::UINT_8 | ConvertedType::UINT_16 | ConvertedType::UINT_32) => {
                Render::UInt32
            }
            (Some(LogicalType::Date), _) | (_, ConvertedType::DATE) => Render::Date,
            (Some(LogicalType::Time(t)), _) => Render::Seconds {
                per_second: unit(&t.unit),
            },
            (_, ConvertedType::TIME_MILLIS) => Render::Seconds { per_second: 1e3 },
            (Some(LogicalType::Decimal(_)), _) | (_, ConvertedType::DECIMAL) => {
                Render::Decimal { scale: scale() }
            }
            _ => Render::Int,
        },
        Physical::INT64 => match (logical, converted) {
            (Some(LogicalType::Integer(int)), _) if !int.is_signed => Render::UInt64,
            (_, ConvertedType::UINT_64) => Render::UInt64,
            (Some(LogicalType::Timestamp(t)), _) | (Some(LogicalType::Time(t)), _) => {
                Render::Seconds {
                    per_second: unit(&t.unit),
                }
            }
            (_, ConvertedType::TIMESTAMP_MILLIS) => Render::Seconds { per_second: 1e3 },
            (_, ConvertedType::TIMESTAMP_MICROS | ConvertedType::TIME_MICROS) => {
                Render::Seconds { per_second: 1e6 }
            }
            (Some(LogicalType::Decimal(_)), _) | (_, ConvertedType::DECIMAL) => {
                Render::Decimal { scale: scale() }
            }
            _ => Render::Int,
        },
        Physical::FLOAT => Render::Float,
        Physical::DOUBLE => Render::Double,
        Physical::BYTE_ARRAY => match (logical, converted) {
            (Some(LogicalType::Decimal(_)), _) | (_, ConvertedType::DECIMAL) => {
                Render::Decimal { scale: scale() }
            }
            (Some(LogicalType::Bson), _) | (_, ConvertedType::BSON) => {
                return unsupported("a BSON column".into());
            }
            _ => Render::Text,
        },
        Physical::INT96 => {
            return unsupported(
                "a legacy INT96 timestamp (write it again with pandas' or pyarrow's \
                 default timestamps)"
                    .into(),
            );
        }
        Physical::FIXED_LEN_BYTE_ARRAY => {
            let what = match (logical, converted) {
                (Some(LogicalType::Decimal(_)), _) | (_, ConvertedType::DECIMAL) => {
                    return Ok(Render::Decimal { scale: scale() });
                }
                (Some(LogicalType::Float16), _) => "a 16-bit float".into(),
                (Some(LogicalType::Uuid), _) => "a UUID".into(),
                _ => format!("a {}-byte fixed-length binary column", descr.type_length()),
            };
            return unsupported(what);
        }
    })
}

/// Decoded values and definition levels of one column, kept across batches.
#[derive(Default)]
struct Buffers {
    levels: Vec<i16>,
    bools: Vec<bool>,
    i32s: Vec<i32>,
    i64s: Vec<i64>,
    f32s: Vec<f32>,
    f64s: Vec<f64>,
    bytes: Vec<ByteArray>,
    fixed: Vec<FixedLenByteArray>,
}

/// Read up to [`BATCH`] rows of `reader` into `values` and `levels`.
fn read_batch<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    levels: &mut Vec<i16>,
    values: &mut Vec<T::T>,
) -> Result<usize, String> {
    levels.clear();
    values.clear();
    let (rows, _, _) = reader
        .read_records(BATCH, Some(levels), None, values)
        .map_err(|e| e.to_string())?;
    Ok(rows)
}

impl Buffers {
    /// Decode the next batch of `reader` into `out`; the rows read.
    fn read(
        &mut self,
        reader: &mut ColumnReader,
        render: Render,
        max_def: i16,
        out: &mut Cells,
    ) -> Result<usize, String> {
        use std::fmt::Write;
        let levels = &mut self.levels;
        let mismatch = || "the column reader does not match the schema's type".to_string();
        // Writing to a String cannot fail.
        macro_rules! emit {
            ($values:expr, $rows:expr, |$v:ident, $text:ident| $body:expr) => {
                fill(out, $rows, levels, max_def, $values, |$v, $text| {
                    $body;
                    Ok(())
                })
            };
        }
        match reader {
            ColumnReader::BoolColumnReader(r) => {
                let rows = read_batch(r, levels, &mut self.bools)?;
                emit!(&self.bools, rows, |v, t| t.push_str(if *v {
                    "True"
                } else {
                    "False"
                }))?;
                Ok(rows)
            }
            ColumnReader::Int32ColumnReader(r) => {
                let rows = read_batch(r, levels, &mut self.i32s)?;
                match render {
                    Render::UInt32 => emit!(&self.i32s, rows, |v, t| {
                        let _ = write!(t, "{}", *v as u32);
                    })?,
                    Render::Date => emit!(&self.i32s, rows, |v, t| write_date(t, *v))?,
                    Render::Seconds { per_second } => {
                        let mut text = ryu::Buffer::new();
                        emit!(&self.i32s, rows, |v, t| t
                            .push_str(text.format(f64::from(*v) / per_second)))?
                    }
                    Render::Decimal { scale } => emit!(&self.i32s, rows, |v, t| write_decimal(
                        t,
                        i128::from(*v),
                        scale
                    ))?,
                    _ => emit!(&self.i32s, rows, |v, t| {
                        let _ = write!(t, "{v}");
                    })?,
                }
                Ok(rows)
            }
            ColumnReader::Int64ColumnReader(r) => {
                let rows = read_batch(r, levels, &mut self.i64s)?;
                match render {
                    Render::UInt64 => emit!(&self.i64s, rows, |v, t| {
                        let _ = write!(t, "{}", *v as u64);
                    })?,
                    Render::Seconds { per_second } => {
                        let mut text = ryu::Buffer::new();
                        emit!(&self.i64s, rows, |v, t| t
                            .push_str(text.format(*v as f64 / per_second)))?
                    }
                    Render::Decimal { scale } => emit!(&self.i64s, rows, |v, t| write_decimal(
                        t,
                        i128::from(*v),
                        scale
                    ))?,
                    _ => emit!(&self.i64s, rows, |v, t| {
                        let _ = write!(t, "{v}");
                    })?,
                }
                Ok(rows)
            }
            ColumnReader::FloatColumnReader(r) => {
                let rows = read_batch(r, levels, &mut self.f32s)?;
                let mut text = ryu::Buffer::new();
                emit!(&self.f32s, rows, |v, t| t.push_str(text.format(*v)))?;
                Ok(rows)
            }
            ColumnReader::DoubleColumnReader(r) => {
                let rows = read_batch(r, levels, &mut self.f64s)?;
                let mut text = ryu::Buffer::new();
                emit!(&self.f64s, rows, |v, t| t.push_str(text.format(*v)))?;
                Ok(rows)
            }
            ColumnReader::ByteArrayColumnReader(r) => {
                let rows = read_batch(r, levels, &mut self.bytes)?;
                if let Render::Decimal { scale } = render {
                    fill(out, rows, levels, max_def, &self.bytes, |v, t| {
                        write_decimal(t, big_endian(v.as_bytes())?, scale);
                        Ok(())
                    })?;
                    return Ok(rows);
                }
                fill(out, rows, levels, max_def, &self.bytes, |v, t| {
                    let text = std::str::from_utf8(v.as_bytes())
                        .map_err(|_| "a value is not UTF-8 text".to_string())?;
                    t.push_str(text);
                    Ok(())
                })?;
                Ok(rows)
            }
            ColumnReader::FixedLenByteArrayColumnReader(r)
                if matches!(render, Render::Decimal { .. }) =>
            {
                let Render::Decimal { scale } = render else {
                    return Err(mismatch());
                };
                let rows = read_batch(r, levels, &mut self.fixed)?;
                fill(out, rows, levels, max_def, &self.fixed, |v, t| {
                    write_decimal(t, big_endian(v.as_bytes())?, scale);
                    Ok(())
                })?;
                Ok(rows)
            }
            ColumnReader::Int96ColumnReader(_) | ColumnReader::FixedLenByteArrayColumnReader(_) => {
                Err(mismatch())
            }
        }
    }
}

/// Lay out `rows` cells in `out`: a row whose definition level is below
/// `max_def` is null; the others take the next value, written by `write`.
fn fill<V>(
    out: &mut Cells,
    rows: usize,
    levels: &[i16],
    max_def: i16,
    values: &[V],
    mut write: impl FnMut(&V, &mut String) -> Result<(), String>,
) -> Result<(), String> {
    out.clear();
    let mut next = values.iter();
    for row in 0..rows {
        let present = max_def == 0 || levels.get(row).copied() == Some(max_def);
        if present {
            let value = next
                .next()
                .ok_or_else(|| "fewer values than definition levels".to_string())?;
            write(value, &mut out.text)?;
        }
        out.ends.push(out.text.len());
        out.null.push(!present);
    }
    Ok(())
}

/// `YYYY-MM-DD` of `days` since 1970-01-01 (proleptic Gregorian; H. Hinnant's
/// `civil_from_days`).
fn write_date(out: &mut String, days: i32) {
    use std::fmt::Write;
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
}

/// A big-endian two's-complement integer of up to 16 bytes (a decimal's
/// unscaled value).
fn big_endian(bytes: &[u8]) -> Result<i128, String> {
    if bytes.len() > 16 {
        return Err(format!(
            "a decimal of {} bytes is wider than 128 bits",
            bytes.len()
        ));
    }
    let fill = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        0xff
    } else {
        0
    };
    let mut wide = [fill; 16];
    wide[16 - bytes.len()..].copy_from_slice(bytes);
    Ok(i128::from_be_bytes(wide))
}

/// `value` × 10^-`scale` as decimal text (`-0.05`, `12.50`, `7`).
fn write_decimal(out: &mut String, value: i128, scale: u32) {
    use std::fmt::Write;
    if scale == 0 {
        let _ = write!(out, "{value}");
        return;
    }
    let digits = value.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    let sign = if value < 0 { "-" } else { "" };
    let _ = write!(out, "{sign}{whole}.{fraction}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(days: i32) -> String {
        let mut s = String::new();
        write_date(&mut s, days);
        s
    }

    fn decimal(value: i128, scale: u32) -> String {
        let mut s = String::new();
        write_decimal(&mut s, value, scale);
        s
    }

    #[test]
    fn dates_are_written_as_pandas_writes_them() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(19_723), "2024-01-01");
        assert_eq!(date(19_782), "2024-02-29");
        assert_eq!(date(-719_162), "0001-01-01");
    }

    #[test]
    fn decimals_keep_their_scale() {
        assert_eq!(decimal(1250, 2), "12.50");
        assert_eq!(decimal(-5, 2), "-0.05");
        assert_eq!(decimal(7, 0), "7");
        assert_eq!(decimal(i64::MIN.into(), 3), "-9223372036854775.808");
        assert_eq!(big_endian(&[0xff, 0xfb]), Ok(-5));
        assert_eq!(big_endian(&[0x04, 0xe2]), Ok(1250));
        assert_eq!(big_endian(&[]), Ok(0));
        assert!(big_endian(&[0; 17]).is_err());
    }

    #[test]
    fn bad_magic_names_the_end_that_is_wrong() {
        let check = |bytes: &[u8]| {
            let end = bytes.len().saturating_sub(4);
            check_magic(
                Path::new("x.parquet"),
                bytes.len() as u64,
                &bytes[..4.min(bytes.len())],
                &bytes[end..],
            )
            .map_err(|e| e.to_string())
        };
        assert!(check(b"a,b\n1,2\n").unwrap_err().contains("does not begin"));
        assert!(check(b"PAR1").unwrap_err().contains("cut short"));
        assert!(
            check(b"PAR1\0\0\0\0\0\0\0\0")
                .unwrap_err()
                .contains("cut short")
        );
        assert!(check(b"PAR1\0\0\0\0PAR1").is_ok());
        assert!(check(b"").unwrap_err().contains("does not begin"));
    }
}
