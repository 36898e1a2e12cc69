//! Streaming readers for the tabular formats `profile` and `drift` read:
//! CSV and TSV with a header row (RFC 4180 quoting) and JSON Lines (one
//! object per line); Parquet is handed to `profile::parquet`. Rows are handed to a callback one at a time, so memory
//! does not grow with the file.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::ProfileError;

/// A tabular file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON object per line; columns are the keys in first-seen order.
    Jsonl,
    /// Apache Parquet, flat columns (read by `profile::parquet`).
    Parquet,
}

impl Format {
    /// The format's name: `csv`, `tsv`, `jsonl` or `parquet`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Jsonl => "jsonl",
            Format::Parquet => "parquet",
        }
    }

    /// The format a file name's extension names.
    pub fn from_path(path: &Path) -> Result<Format, ProfileError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "csv" => Ok(Format::Csv),
            "tsv" | "tab" => Ok(Format::Tsv),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "parquet" | "pq" => Ok(Format::Parquet),
            _ => Err(ProfileError::UnknownFormat {
                path: path.to_path_buf(),
                extension: ext,
            }),
        }
    }
}

/// One row: for each column index seen so far, the cell text (`None` for a
/// JSON null or a key missing from this object).
pub struct Row<'a> {
    /// The 1-based line the row starts on.
    pub line: u64,
    /// Cells by column index; shorter than the column list when a JSON Lines
    /// object lacks later keys.
    pub cells: &'a [Option<&'a str>],
}

/// Where a dataset's bytes are: a file, or bytes already in memory (a file
/// as committed at a revision). `label` names it in errors and its
/// extension gives the format.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path shown in errors (the file itself for a file source).
    pub label: PathBuf,
    /// The bytes, when they are not read from `label`.
    pub bytes: Option<Arc<Vec<u8>>>,
}

impl Source {
    /// A file on disk.
    pub fn file(path: impl Into<PathBuf>) -> Source {
        Source {
            label: path.into(),
            bytes: None,
        }
    }

    /// Bytes in memory, named `label`.
    pub fn bytes(label: impl Into<PathBuf>, bytes: Vec<u8>) -> Source {
        Source {
            label: label.into(),
            bytes: Some(Arc::new(bytes)),
        }
    }

    /// The size in bytes.
    pub fn len(&self) -> Result<u64, ProfileError> {
        match &self.bytes {
            Some(bytes) => Ok(bytes.len() as u64),
            None => std::fs::metadata(&self.label)
                .map(|m| m.len())
                .map_err(|source| ProfileError::Io {
                    path: self.label.clone(),
                    source,
                }),
        }
    }

    /// Whether the source holds no bytes.
    pub fn is_empty(&self) -> Result<bool, ProfileError> {
        Ok(self.len()? == 0)
    }
}

/// Read `source` as `format`, calling `on_row` for every data row with the
/// column names known so far (the header for CSV/TSV; keys seen up to this
/// row for JSON Lines). Returns the final column names.
pub fn scan(
    source: &Source,
    format: Format,
    mut on_row: impl FnMut(&[String], Row<'_>) -> Result<(), ProfileError>,
) -> Result<Vec<String>, ProfileError> {
    let path = source.label.as_path();
    if format == Format::Parquet {
        return super::parquet::scan(source, &mut on_row);
    }
    if let Some(bytes) = &source.bytes {
        let mut reader = std::io::Cursor::new(bytes.as_slice());
        return scan_reader(path, &mut reader, format, &mut on_row);
    }
    let file = std::fs::File::open(path).map_err(|source| ProfileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    scan_reader(path, &mut reader, format, &mut on_row)
}

fn scan_reader(
    path: &Path,
    reader: &mut impl BufRead,
    format: Format,
    on_row: &mut impl FnMut(&[String], Row<'_>) -> Result<(), ProfileError>,
) -> Result<Vec<String>, ProfileError> {
    match format {
        Format::Csv => scan_delimited(path, reader, b',', on_row),
        Format::Tsv => scan_delimited(path, reader, b'\t', on_row),
        Format::Jsonl => scan_jsonl(path, reader, on_row),
        Format::Parquet => unreachable!("`scan` hands Parquet to its own reader"),
    }
}

/// Append one line (with its newline) to `buf`; false at the end of input.
fn read_line(
    path: &Path,
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
) -> Result<bool, ProfileError> {
    let n = reader
        .read_until(b'\n', buf)
        .map_err(|source| ProfileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(n > 0)
}

/// Splits one record (which may span lines inside quotes) into fields.
pub(super) struct Splitter {
    delimiter: u8,
    text: String,
    ends: Vec<usize>,
}

impl Splitter {
    /// A splitter on `delimiter`.
    pub(super) fn new(delimiter: u8) -> Splitter {
        Splitter {
            delimiter,
            text: String::new(),
            ends: Vec::new(),
        }
    }

    /// Parse `record` (complete: quotes balanced) into `text` + `ends`.
    pub(super) fn split(&mut self, record: &str) -> Result<(), &'static str> {
        self.text.clear();
        self.ends.clear();
        let bytes = record.as_bytes();
        let mut i = 0;
        loop {
            if bytes.get(i) == Some(&b'"') {
                i += 1;
                let mut start = i;
                loop {
                    match bytes[i..].iter().position(|&b| b == b'"') {
                        None => return Err("a quoted field is not closed"),
                        Some(at) => {
                            self.text.push_str(&record[start..i + at]);
                            i += at + 1;
                            if bytes.get(i) == Some(&b'"') {
                                self.text.push('"');
                                i += 1;
                                start = i;
                            } else {
                                break;
                            }
                        }
                    }
                }
                self.ends.push(self.text.len());
                match bytes.get(i) {
                    None => return Ok(()),
                    Some(&b) if b == self.delimiter => i += 1,
                    Some(_) => return Err("text after a closing quote"),
                }
            } else {
                let rest = &bytes[i..];
                match rest.iter().position(|&b| b == self.delimiter) {
                    Some(at) => {
                        self.text.push_str(&record[i..i + at]);
                        self.ends.push(self.text.len());
                        i += at + 1;
                    }
                    None => {
                        self.text.push_str(&record[i..]);
                        self.ends.push(self.text.len());
                        return Ok(());
                    }
                }
            }
        }
    }

    pub(super) fn fields(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let field = &self.text[start..end];
            start = end;
            field
        })
    }
}

/// An empty vector that keeps `cells`' allocation, for borrows of another
/// lifetime (the in-place `collect` reuses the buffer: same size and alignment).
fn reuse<'b>(mut cells: Vec<Option<&str>>) -> Vec<Option<&'b str>> {
    cells.clear();
    cells.into_iter().map(|_| None).collect()
}

fn utf8<'a>(path: &Path, line: u64, bytes: &'a [u8]) -> Result<&'a str, ProfileError> {
    std::str::from_utf8(bytes).map_err(|_| ProfileError::Malformed {
        path: path.to_path_buf(),
        line,
        problem: "not UTF-8 text".into(),
    })
}

fn trim_newline(mut bytes: &[u8]) -> &[u8] {
    if bytes.last() == Some(&b'\n') {
        bytes = &bytes[..bytes.len() - 1];
    }
    if bytes.last() == Some(&b'\r') {
        bytes = &bytes[..bytes.len() - 1];
    }
    bytes
}

fn scan_delimited(
    path: &Path,
    reader: &mut impl BufRead,
    delimiter: u8,
    on_row: &mut impl FnMut(&[String], Row<'_>) -> Result<(), ProfileError>,
) -> Result<Vec<String>, ProfileError> {
    let mut record = Vec::new();
    let mut splitter = Splitter {
        delimiter,
        text: String::new(),
        ends: Vec::new(),
    };
    // One allocation for every row's cell list (emptied and re-borrowed per row).
    let mut spare: Vec<Option<&str>> = Vec::new();
    let mut header: Option<Vec<String>> = None;
    let mut line = 0u64;
    loop {
        // One record: lines joined while a quote is open, read in place.
        record.clear();
        let start_line = line + 1;
        let mut quotes = 0usize;
        loop {
            let from = record.len();
            if !read_line(path, reader, &mut record)? {
                break;
            }
            line += 1;
            quotes += record[from..].iter().filter(|&&b| b == b'"').count();
            if quotes.is_multiple_of(2) {
                break;
            }
        }
        if record.is_empty() {
            break;
        }
        if quotes % 2 == 1 {
            return Err(ProfileError::Malformed {
                path: path.to_path_buf(),
                line: start_line,
                problem: "a quoted field is not closed before the end of the file".into(),
            });
        }
        let mut bytes = trim_newline(&record);
        if start_line == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes = &bytes[3..];
        }
        if bytes.is_empty() {
            continue;
        }
        let text = utf8(path, start_line, bytes)?;
        let mut cells = reuse(std::mem::take(&mut spare));
        if quotes == 0 {
            // No quotes: the fields are slices of the line, nothing copied.
            cells.extend(text.split(delimiter as char).map(Some));
        } else {
            splitter
                .split(text)
                .map_err(|problem| ProfileError::Malformed {
                    path: path.to_path_buf(),
                    line: start_line,
                    problem: problem.into(),
                })?;
            cells.extend(splitter.fields().map(Some));
        }
        match &header {
            None => {
                let names: Vec<String> = cells.iter().flatten().map(|s| s.to_string()).collect();
                let mut seen = std::collections::HashSet::new();
                for name in &names {
                    if !seen.insert(name.as_str()) {
                        return Err(ProfileError::Malformed {
                            path: path.to_path_buf(),
                            line: start_line,
                            problem: format!("the header names column '{name}' twice"),
                        });
                    }
                }
                header = Some(names);
            }
            Some(names) => {
                if cells.len() != names.len() {
                    return Err(ProfileError::Malformed {
                        path: path.to_path_buf(),
                        line: start_line,
                        problem: format!(
                            "{} fields, but the header has {} columns",
                            cells.len(),
                            names.len()
                        ),
                    });
                }
                on_row(
                    names,
                    Row {
                        line: start_line,
                        cells: &cells,
                    },
                )?;
            }
        }
        spare = reuse(cells);
    }
    header.ok_or_else(|| ProfileError::Empty {
        path: path.to_path_buf(),
    })
}

fn scan_jsonl(
    path: &Path,
    reader: &mut impl BufRead,
    on_row: &mut impl FnMut(&[String], Row<'_>) -> Result<(), ProfileError>,
) -> Result<Vec<String>, ProfileError> {
    let mut buf = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut line = 0u64;
    let mut texts: Vec<Option<String>> = Vec::new();
    loop {
        buf.clear();
        if !read_line(path, reader, &mut buf)? {
            break;
        }
        line += 1;
        let bytes = trim_newline(&buf);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ordered(object) =
            serde_json::from_slice(bytes).map_err(|e| ProfileError::Malformed {
                path: path.to_path_buf(),
                line,
                problem: format!("not a JSON object: {e}"),
            })?;
        texts.clear();
        texts.resize(names.len(), None);
        for (key, value) in object {
            let column = match index.get(&key) {
                Some(&column) => column,
                None => {
                    index.insert(key.clone(), names.len());
                    names.push(key);
                    texts.push(None);
                    names.len() - 1
                }
            };
            texts[column] = match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s),
                serde_json::Value::Bool(b) => Some(b.to_string()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                other => Some(other.to_string()),
            };
        }
        let cells: Vec<Option<&str>> = texts.iter().map(|t| t.as_deref()).collect();
        on_row(
            &names,
            Row {
                line,
                cells: &cells,
            },
        )?;
    }
    if line == 0 {
        return Err(ProfileError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(names)
}

/// A JSON object's members in file order (`serde_json::Map` sorts keys
/// unless the crate-wide `preserve_order` feature is on).
struct Ordered(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Ordered, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Ordered(members))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// 10^0 … 10^22: every one exact in an f64.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of a plain decimal (`[+-]digits[.digits]`, no exponent, at
/// most 19 digits) whose digits as an integer `m` are at most 2^53, as
/// `m / 10^fraction_digits`: both operands are exact and IEEE division
/// rounds correctly, so the result is bit for bit the one `str::parse`
/// gives (Clinger's fast path). `None` for anything else (std parses it).
fn parse_plain_decimal(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let mut mantissa = 0u64;
    let mut count = 0usize;
    let mut fraction_digits = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            // 19 digits at most: no u64 overflow.
            b'0'..=b'9' if count < 19 => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
            }
            b'.' if fraction_digits.is_none() => fraction_digits = Some(digits.len() - i - 1),
            _ => return None,
        }
    }
    let fraction_digits = fraction_digits.unwrap_or(0);
    // At least one digit ("." alone is not a number); exact as an f64.
    if count == 0 || mantissa > 1 << 53 {
        return None;
    }
    let value = mantissa as f64 / POWERS_OF_TEN[fraction_digits];
    Some(if negative { -value } else { value })
}

/// What one cell holds, as profiles and drift count it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// Empty, or a null marker: `NA`, `N/A`, `n/a`, `NULL`, `null`, `None`,
    /// `<NA>`, `#N/A` (and JSON `null` or a missing key).
    Null,
    /// A number (finite, or NaN/±inf, which are dropped and counted).
    Number(f64),
    /// Anything else.
    Text,
}

/// Null markers (a subset of pandas' default `na_values`; pandas' NaN
/// spellings are numbers here, counted as NaN).
pub const NULL_MARKERS: &[&str] = &[
    "", "NA", "N/A", "n/a", "NULL", "null", "None", "<NA>", "#N/A",
];

/// Classify one cell's text.
pub fn classify(text: Option<&str>) -> Cell {
    let Some(text) = text else { return Cell::Null };
    let Some(&first) = text.as_bytes().first() else {
        return Cell::Null;
    };
    // No null marker starts with a digit, a sign or a dot: parse at once.
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Some(value) = parse_plain_decimal(text.as_bytes()) {
            return Cell::Number(value);
        }
        return match text.parse::<f64>() {
            Ok(value) => Cell::Number(value),
            Err(_) => Cell::Text,
        };
    }
    if NULL_MARKERS.contains(&text) {
        return Cell::Null;
    }
    if matches!(first, b'n' | b'N' | b'i' | b'I')
        && let Ok(value) = text.parse::<f64>()
    {
        return Cell::Number(value);
    }
    Cell::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Result<Vec<String>, &'static str> {
        let mut s = Splitter {
            delimiter: b',',
            text: String::new(),
            ends: Vec::new(),
        };
        s.split(text)?;
        Ok(s.fields().map(str::to_string).collect())
    }

    #[test]
    fn rfc4180_quoting() {
        assert_eq!(split("a,b,c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            split("\"a,1\",\"say \"\"hi\"\"\",").unwrap(),
            ["a,1", "say \"hi\"", ""]
        );
        assert_eq!(split("\"two\nlines\",x").unwrap(), ["two\nlines", "x"]);
        assert_eq!(split(""), Ok(vec![String::new()]));
        assert!(split("\"a\"b,c").is_err());
    }

    /// Every string the fast path accepts parses to std's bits; what it
    /// declines, std still parses (or rejects) the same through `classify`.
    #[test]
    fn the_decimal_fast_path_gives_the_bits_std_gives() {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "+0",
            "0.0",
            "-0.0",
            "-0.000000",
            "1",
            "1.",
            ".5",
            "-.5",
            "+.5",
            ".",
            "-",
            "+",
            "-.",
            "1..2",
            "1.2.3",
            "--1",
            "+-1",
            "1-",
            "9007199254740992",
            "9007199254740993",
            "-9007199254740993",
            "900719925474099.3",
            "0.1",
            "0.2",
            "0.3",
            "1.7976931348623157",
            "12345678901234567890",
            "1234567890123456789",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "123456.789012",
            "00000000000000000001",
            "000000000000000000001",
            "1e5",
            "1E5",
            "1.5e-3",
            "inf",
            "nan",
            "1_0",
            "１",
            "0x10",
            " 1",
            "1 ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut state = 3u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 16
        };
        for _ in 0..300_000 {
            let mut text = String::new();
            match next() % 3 {
                0 => text.push('-'),
                1 if next() % 8 == 0 => text.push('+'),
                _ => {}
            }
            let before = next() % 12;
            let after = next() % 14;
            for _ in 0..before {
                text.push(char::from(b'0' + (next() % 10) as u8));
            }
            if next() % 6 != 0 {
                text.push('.');
                for _ in 0..after {
                    text.push(char::from(b'0' + (next() % 10) as u8));
                }
            }
            cases.push(text);
            // Typical benchmark data: "%.6f" of a normal sample.
            let x = (next() as f64 / (1u64 << 48) as f64 - 0.5)
                * 2.0f64.powi((next() % 40) as i32 - 20);
            cases.push(format!("{x:.6}"));
            cases.push(format!("{x}"));
            cases.push(format!(
                "{:.17}",
                f64::from_bits((next() << 16) | (next() % 65536)) % 1e9
            ));
        }
        let mut fast = 0;
        for text in &cases {
            let std = text.parse::<f64>().ok();
            if let Some(value) = parse_plain_decimal(text.as_bytes()) {
                fast += 1;
                assert_eq!(Some(value.to_bits()), std.map(f64::to_bits), "{text:?}");
            }
            let classified = match classify(Some(text)) {
                Cell::Number(v) => Some(v.to_bits()),
                _ => None,
            };
            assert_eq!(classified, std.map(f64::to_bits), "{text:?}");
        }
        // The fast path is the common path, not a branch never taken.
        assert!(fast > cases.len() / 2, "{fast} of {}", cases.len());
    }

    #[test]
    fn cells_are_classified_like_pandas_reads_them() {
        assert_eq!(classify(Some("")), Cell::Null);
        assert_eq!(classify(None), Cell::Null);
        assert_eq!(classify(Some("NA")), Cell::Null);
        assert_eq!(classify(Some("1.5")), Cell::Number(1.5));
        assert_eq!(classify(Some("-2e3")), Cell::Number(-2000.0));
        assert!(matches!(classify(Some("NaN")), Cell::Number(v) if v.is_nan()));
        assert_eq!(classify(Some("-inf")), Cell::Number(f64::NEG_INFINITY));
        assert_eq!(classify(Some("nope")), Cell::Text);
        assert_eq!(classify(Some("1.5x")), Cell::Text);
    }
}
