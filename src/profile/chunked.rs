//! CSV and TSV read in parallel: the file is cut into chunks at record
//! boundaries (quote-aware), chunks are split into fields and classified on
//! all cores, and the rows reach the callback in file order, exactly as
//! [`super::read::scan`] gives them (errors included). Memory is a few
//! chunks, whatever the file size.

use std::io::Read;
use std::path::Path;

use super::ProfileError;
use super::read::{self, Cell, Format, Row, Source, Splitter};

/// Bytes per chunk (a chunk ends at the first record boundary past it).
const CHUNK_BYTES: usize = 512 * 1024;

/// A field's bytes in a batch's text.
type Span = (usize, usize);

/// Marks a span that points into the quoted fields' text (until fixed up).
const QUOTED: usize = 1 << (usize::BITS - 1);

/// One chunk, split and classified.
struct Batch {
    /// The chunk's text (its valid prefix), then unescaped quoted fields.
    text: String,
    /// Each row's first line, counted from the chunk's first line (0).
    lines: Vec<u64>,
    /// Row-major: `width` spans per row.
    spans: Vec<Span>,
    /// Row-major: each field classified.
    cells: Vec<Cell>,
    /// Physical lines in the chunk.
    line_count: u64,
    /// The first problem (its line relative to the chunk, what): rows after
    /// it are not in the batch.
    error: Option<(u64, String)>,
    /// The header, for the chunk read in header mode.
    header: Option<Vec<String>>,
}

/// [`super::read::scan`] with each cell's [`read::classify`] result: CSV
/// and TSV are parsed in parallel; JSON Lines and Parquet as `scan` reads
/// them.
pub fn scan_classified(
    source: &Source,
    format: Format,
    mut on_row: impl FnMut(&[String], Row<'_>, &[Cell]) -> Result<(), ProfileError>,
) -> Result<Vec<String>, ProfileError> {
    let delimiter = match format {
        Format::Csv => b',',
        Format::Tsv => b'\t',
        Format::Jsonl | Format::Parquet => {
            let mut kinds = Vec::new();
            return read::scan(source, format, |names, row| {
                kinds.clear();
                kinds.extend(row.cells.iter().map(|cell| read::classify(*cell)));
                on_row(names, row, &kinds)
            });
        }
    };
    let path = source.label.as_path();
    let io = |source| ProfileError::Io {
        path: path.to_path_buf(),
        source,
    };
    match &source.bytes {
        Some(bytes) => scan_reader(path, bytes.as_slice(), delimiter, CHUNK_BYTES, &mut on_row),
        None => {
            let file = std::fs::File::open(path).map_err(io)?;
            scan_reader(path, file, delimiter, CHUNK_BYTES, &mut on_row)
        }
    }
}

fn scan_reader(
    path: &Path,
    reader: impl Read,
    delimiter: u8,
    chunk_bytes: usize,
    on_row: &mut impl FnMut(&[String], Row<'_>, &[Cell]) -> Result<(), ProfileError>,
) -> Result<Vec<String>, ProfileError> {
    let io = |source| ProfileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut chunks = Chunker {
        reader,
        size: chunk_bytes.max(1),
        carry: Vec::new(),
        eof: false,
    };
    let mut next_line = 1u64;
    let malformed = |line: u64, problem: String| ProfileError::Malformed {
        path: path.to_path_buf(),
        line,
        problem,
    };
    // The header: chunks read in header mode, one at a time, until a record.
    let mut first = true;
    let names = loop {
        let Some(chunk) = chunks.next().map_err(io)? else {
            return Err(ProfileError::Empty {
                path: path.to_path_buf(),
            });
        };
        let batch = parse_chunk(chunk, delimiter, None, first);
        first = false;
        let base = next_line;
        next_line += batch.line_count;
        if let Some(names) = batch.header.clone() {
            deliver(&names, &batch, base, on_row, &malformed)?;
            break names;
        }
        if let Some((line, problem)) = batch.error {
            return Err(malformed(base + line, problem));
        }
    };
    let width = names.len();
    let round = 2 * rayon::current_num_threads().max(1);
    let read_round = |chunks: &mut Chunker<_>| -> Result<Vec<Vec<u8>>, ProfileError> {
        let mut round_chunks = Vec::with_capacity(round);
        while round_chunks.len() < round {
            match chunks.next().map_err(io)? {
                Some(chunk) => round_chunks.push(chunk),
                None => break,
            }
        }
        Ok(round_chunks)
    };
    let parse_round = |round_chunks: Vec<Vec<u8>>| -> Vec<Batch> {
        use rayon::prelude::*;
        round_chunks
            .into_par_iter()
            .map(|chunk| parse_chunk(chunk, delimiter, Some(width), false))
            .collect()
    };
    let mut current = parse_round(read_round(&mut chunks)?);
    std::thread::scope(|scope| {
        while !current.is_empty() {
            // Parse the next round while this thread delivers the current one.
            let upcoming = read_round(&mut chunks)?;
            let parsing =
                (!upcoming.is_empty()).then(|| scope.spawn(move || parse_round(upcoming)));
            for batch in &current {
                let base = next_line;
                next_line += batch.line_count;
                deliver(&names, batch, base, on_row, &malformed)?;
            }
            current = match parsing {
                Some(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => Vec::new(),
            };
        }
        Ok(())
    })?;
    Ok(names)
}

/// Hand a batch's rows to `on_row`, then its error.
fn deliver(
    names: &[String],
    batch: &Batch,
    base: u64,
    on_row: &mut impl FnMut(&[String], Row<'_>, &[Cell]) -> Result<(), ProfileError>,
    malformed: &impl Fn(u64, String) -> ProfileError,
) -> Result<(), ProfileError> {
    let width = names.len();
    let mut cells: Vec<Option<&str>> = Vec::with_capacity(width);
    for (row, &line) in batch.lines.iter().enumerate() {
        let at = row * width;
        cells.clear();
        cells.extend(
            batch.spans[at..at + width]
                .iter()
                .map(|&(start, end)| batch.text.get(start..end)),
        );
        on_row(
            names,
            Row {
                line: base + line,
                cells: &cells,
            },
            &batch.cells[at..at + width],
        )?;
    }
    match &batch.error {
        Some((line, problem)) => Err(malformed(base + line, problem.clone())),
        None => Ok(()),
    }
}

/// Cuts a reader into chunks that end at record boundaries: after a
/// newline with an even number of quotes since the chunk's start.
struct Chunker<R> {
    reader: R,
    /// Bytes per chunk, at least.
    size: usize,
    carry: Vec<u8>,
    eof: bool,
}

impl<R: Read> Chunker<R> {
    fn next(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut want = self.size;
        loop {
            while !self.eof && self.carry.len() < want {
                let missing = (want - self.carry.len()) as u64;
                let read = (&mut self.reader)
                    .take(missing)
                    .read_to_end(&mut self.carry)?;
                self.eof = read < missing as usize;
            }
            if self.carry.is_empty() {
                return Ok(None);
            }
            if self.eof {
                return Ok(Some(std::mem::take(&mut self.carry)));
            }
            if let Some(end) = boundary(&self.carry) {
                let rest = self.carry.split_off(end + 1);
                let mut carry = Vec::with_capacity(self.size + rest.len());
                carry.extend_from_slice(&rest);
                return Ok(Some(std::mem::replace(&mut self.carry, carry)));
            }
            // One record longer than the buffer: read on.
            want = self.carry.len() * 2;
        }
    }
}

/// The last newline of `bytes` after which a record starts.
fn boundary(bytes: &[u8]) -> Option<usize> {
    if !bytes.contains(&b'"') {
        return bytes.iter().rposition(|&b| b == b'\n');
    }
    let mut quotes = bytes.iter().filter(|&&b| b == b'"').count();
    for (i, &b) in bytes.iter().enumerate().rev() {
        if b == b'\n' && quotes.is_multiple_of(2) {
            return Some(i);
        }
        if b == b'"' {
            quotes -= 1;
        }
    }
    None
}

/// Split and classify one chunk. Without `width` the first record is the
/// header (the chunk is then the first, or follows only empty lines).
fn parse_chunk(chunk: Vec<u8>, delimiter: u8, width: Option<usize>, first: bool) -> Batch {
    let (text, valid) = match String::from_utf8(chunk) {
        Ok(text) => {
            let valid = text.len();
            (Ok(text), valid)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            (Err(e.into_bytes()), valid)
        }
    };
    let bytes: &[u8] = match &text {
        Ok(text) => text.as_bytes(),
        Err(bytes) => bytes,
    };
    let mut batch = Batch {
        text: String::new(),
        lines: Vec::new(),
        spans: Vec::new(),
        cells: Vec::new(),
        line_count: 0,
        error: None,
        header: None,
    };
    let mut quoted = String::new();
    let good = {
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        split_records(
            bytes,
            prefix,
            delimiter,
            width,
            first,
            &mut batch,
            &mut quoted,
        )
    };
    batch.text = match text {
        Ok(text) => text,
        Err(mut bytes) => {
            bytes.truncate(good);
            String::from_utf8(bytes).unwrap_or_default()
        }
    };
    if !quoted.is_empty() {
        let offset = batch.text.len();
        batch.text.push_str(&quoted);
        for span in &mut batch.spans {
            if span.0 & QUOTED != 0 {
                *span = ((span.0 & !QUOTED) + offset, (span.1 & !QUOTED) + offset);
            }
        }
    }
    batch
}

/// Split the records of `bytes` (its valid UTF-8 prefix is `text`) into
/// `batch`; returns where the last good record ends.
fn split_records(
    bytes: &[u8],
    text: &str,
    delimiter: u8,
    mut width: Option<usize>,
    first: bool,
    batch: &mut Batch,
    quoted: &mut String,
) -> usize {
    let mut splitter = Splitter::new(delimiter);
    let mut pos = 0;
    let mut line = 0u64;
    let mut good = 0;
    while pos < bytes.len() {
        let start = pos;
        let start_line = line;
        let row_start = batch.spans.len();
        let mut quotes = 0usize;
        let mut field = pos;
        // One physical line at a time, fields split on the way while no
        // quote has been seen.
        loop {
            let mut i = pos;
            while i < bytes.len() {
                let b = bytes[i];
                if b == b'\n' {
                    break;
                } else if b == delimiter {
                    if quotes == 0 {
                        batch.spans.push((field, i));
                        field = i + 1;
                    }
                } else if b == b'"' {
                    quotes += 1;
                }
                i += 1;
            }
            line += 1;
            pos = (i + 1).min(bytes.len());
            if quotes.is_multiple_of(2) || pos >= bytes.len() {
                break;
            }
        }
        let fail = |batch: &mut Batch, problem: &str| {
            batch.spans.truncate(row_start);
            batch.error = Some((start_line, problem.to_string()));
        };
        if quotes % 2 == 1 {
            fail(
                batch,
                "a quoted field is not closed before the end of the file",
            );
            break;
        }
        let mut end = pos;
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        let mut from = start;
        if first && start_line == 0 && bytes[from..end].starts_with(b"\xEF\xBB\xBF") {
            from += 3;
            if batch.spans.len() > row_start {
                batch.spans[row_start].0 = from;
            }
        }
        if from == end {
            batch.spans.truncate(row_start);
            good = pos;
            continue;
        }
        let Some(record) = text.get(from..end) else {
            fail(batch, "not UTF-8 text");
            break;
        };
        if quotes == 0 {
            batch.spans.push((field.max(from), end));
        } else {
            batch.spans.truncate(row_start);
            if let Err(problem) = splitter.split(record) {
                fail(batch, problem);
                break;
            }
            for f in splitter.fields() {
                let at = quoted.len();
                quoted.push_str(f);
                batch.spans.push((at | QUOTED, quoted.len() | QUOTED));
            }
        }
        let fields = batch.spans.len() - row_start;
        match width {
            None => {
                let names: Vec<String> = batch.spans[row_start..]
                    .iter()
                    .map(|&span| field_text(text, quoted, span).to_string())
                    .collect();
                batch.spans.truncate(row_start);
                let mut seen = std::collections::HashSet::new();
                if let Some(name) = names.iter().find(|name| !seen.insert(name.as_str())) {
                    let problem = format!("the header names column '{name}' twice");
                    fail(batch, &problem);
                    break;
                }
                width = Some(names.len());
                batch.header = Some(names);
            }
            Some(width) => {
                if fields != width {
                    let problem = format!("{fields} fields, but the header has {width} columns");
                    fail(batch, &problem);
                    break;
                }
                for &span in &batch.spans[row_start..] {
                    batch
                        .cells
                        .push(read::classify(Some(field_text(text, quoted, span))));
                }
                batch.lines.push(start_line);
            }
        }
        good = pos;
    }
    batch.line_count = line;
    good
}

fn field_text<'a>(text: &'a str, quoted: &'a str, (start, end): Span) -> &'a str {
    let field = if start & QUOTED != 0 {
        quoted.get(start & !QUOTED..end & !QUOTED)
    } else {
        text.get(start..end)
    };
    field.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Seen = (Vec<String>, Vec<(u64, Vec<Option<String>>, Vec<Cell>)>);

    fn sequential(bytes: &[u8], delimiter: u8) -> Result<Seen, String> {
        let format = if delimiter == b',' {
            Format::Csv
        } else {
            Format::Tsv
        };
        let source = Source::bytes("data", bytes.to_vec());
        let mut rows = Vec::new();
        let names = read::scan(&source, format, |_, row| {
            let cells: Vec<Option<String>> =
                row.cells.iter().map(|c| c.map(str::to_string)).collect();
            let classes = row.cells.iter().map(|c| read::classify(*c)).collect();
            rows.push((row.line, cells, classes));
            Ok(())
        });
        names.map(|names| (names, rows)).map_err(|e| e.to_string())
    }

    fn chunked(bytes: &[u8], delimiter: u8, size: usize) -> Result<Seen, String> {
        let mut rows = Vec::new();
        let names = scan_reader(
            Path::new("data"),
            bytes,
            delimiter,
            size,
            &mut |_, row, classes| {
                let cells = row.cells.iter().map(|c| c.map(str::to_string)).collect();
                rows.push((row.line, cells, classes.to_vec()));
                Ok(())
            },
        );
        names.map(|names| (names, rows)).map_err(|e| e.to_string())
    }

    /// Every chunk size, on inputs with quoted newlines, CRLF, a BOM, empty
    /// lines, bad UTF-8 and each malformation, gives what the sequential
    /// reader gives: the same rows, lines, cells, classes and error.
    #[test]
    fn chunks_give_what_the_sequential_reader_gives() {
        let inputs: Vec<&[u8]> = vec![
            b"",
            b"\n\n",
            b"a,b\n",
            b"a,b",
            b"\xEF\xBB\xBFa,b\r\n1,2\r\n\r\n3,x\r\n",
            b"\xEF\xBB\xBF\"a\",b\n1,2\n",
            b"\n\na,b,c\n1,,NA\n\n-2.5,\"x,\"\"y\"\"\",3\n4,\"two\nlines\",5\n6,7,8",
            b"a,b\n1,\"open\n2,3\n",
            b"a,b\n1,2\n3\n4,5\n",
            b"a,a\n1,2\n",
            b"a,b\n1,2\n\xFF,3\n4,5\n",
            b"a,b\n1,2\n\"x\"y,3\n",
            b"a,b\n1,\"\xC3\xA9t\xC3\xA9\"\n\xC3\xA9,1e3\n",
            b"a\n1\n2\n3\n\n\n4\n",
            b"a,b\r\n\"q\r\nr\",2\r\n",
        ];
        for input in inputs {
            for delimiter in [b',', b'\t'] {
                let input = if delimiter == b',' {
                    input.to_vec()
                } else {
                    input
                        .iter()
                        .map(|&b| if b == b',' { b'\t' } else { b })
                        .collect()
                };
                let expected = sequential(&input, delimiter);
                for size in [1, 2, 3, 5, 8, 13, 64, CHUNK_BYTES] {
                    assert_eq!(
                        chunked(&input, delimiter, size),
                        expected,
                        "{:?} in chunks of {size}",
                        String::from_utf8_lossy(&input)
                    );
                }
            }
        }
    }
}
