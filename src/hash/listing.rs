//! The canonical listing a directory hash is BLAKE3 of: one line per file,
//! `<hex> <size|symlink> <path>`, paths sorted by bytes and C-quoted when
//! they hold a control byte or a backslash, so no name can fake a line
//! (docs/hashing.md); and its exact inverse, for tests and fuzzing.

use super::ContentHash;

/// One line of a directory's canonical listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingEntry {
    /// Path relative to the directory, `/`-separated, as bytes.
    pub path: Vec<u8>,
    /// BLAKE3 of the file's bytes, or of a symlink's target text.
    pub hash: ContentHash,
    /// File with size, or symlink.
    pub kind: ListingKind,
}

/// Whether a listing entry is a regular file or a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingKind {
    /// A regular file of `size` bytes.
    File {
        /// Length in bytes.
        size: u64,
    },
    /// A symlink, never followed.
    Symlink,
}

impl ListingEntry {
    /// Append this entry's canonical line: `<hex> <size> <path>\n` for a file,
    /// `<hex> symlink <path>\n` for a symlink, the path written by
    /// [`write_listing_path`] (C-quoted when it holds a control byte or a
    /// backslash, as is otherwise).
    pub fn write_line(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.hash.to_hex().as_bytes());
        out.push(b' ');
        match self.kind {
            ListingKind::File { size } => out.extend_from_slice(size.to_string().as_bytes()),
            ListingKind::Symlink => out.extend_from_slice(b"symlink"),
        }
        out.push(b' ');
        write_listing_path(&self.path, out);
        out.push(b'\n');
    }
}

/// The canonical listing text of `entries`, in the order given (callers
/// sort by the raw path bytes first): what a directory hash is BLAKE3 of.
pub fn listing_bytes(entries: &[ListingEntry]) -> Vec<u8> {
    let mut text = Vec::new();
    for entry in entries {
        entry.write_line(&mut text);
    }
    text
}

/// True when a listing writes `path` C-quoted: it holds a control byte
/// (0x00-0x1F, 0x7F) or a backslash. Every other path, including non-UTF-8
/// bytes, spaces and double quotes, is written as it is.
pub fn needs_quoting(path: &[u8]) -> bool {
    path.iter().any(|&b| b < 0x20 || b == 0x7f || b == b'\\')
}

/// Append `path` as a listing writes it: as is, or, when [`needs_quoting`],
/// C-quoted as git quotes paths (`core.quotePath=false`): inside double
/// quotes, `\\` `\"` `\a` `\b` `\t` `\n` `\v` `\f` `\r`, other control bytes
/// as three octal digits (`\033`), every other byte as is.
pub fn write_listing_path(path: &[u8], out: &mut Vec<u8>) {
    if !needs_quoting(path) {
        out.extend_from_slice(path);
        return;
    }
    out.push(b'"');
    for &byte in path {
        let escape = match byte {
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            0x07 => Some(b'a'),
            0x08 => Some(b'b'),
            b'\t' => Some(b't'),
            b'\n' => Some(b'n'),
            0x0b => Some(b'v'),
            0x0c => Some(b'f'),
            b'\r' => Some(b'r'),
            _ => None,
        };
        match escape {
            Some(letter) => out.extend_from_slice(&[b'\\', letter]),
            None if byte < 0x20 || byte == 0x7f => {
                out.extend_from_slice(&[
                    b'\\',
                    b'0' + (byte >> 6),
                    b'0' + ((byte >> 3) & 7),
                    b'0' + (byte & 7),
                ]);
            }
            None => out.push(byte),
        }
    }
    out.push(b'"');
}

/// The inverse of [`write_listing_path`]: the path bytes a listing's path
/// field stands for, or `None` when no path is written that way (a quoted
/// field in another spelling, a raw field with a control byte).
pub fn read_listing_path(field: &[u8]) -> Option<Vec<u8>> {
    if !field.contains(&b'\\') {
        // Written as is: a path without control bytes or backslashes.
        return (!needs_quoting(field)).then(|| field.to_vec());
    }
    let inner = field.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut path = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().copied();
    while let Some(byte) = bytes.next() {
        if byte != b'\\' {
            path.push(byte);
            continue;
        }
        let decoded = match bytes.next()? {
            b'a' => 0x07,
            b'b' => 0x08,
            b't' => b'\t',
            b'n' => b'\n',
            b'v' => 0x0b,
            b'f' => 0x0c,
            b'r' => b'\r',
            first @ b'0'..=b'3' => {
                let mut value = first - b'0';
                for _ in 0..2 {
                    let digit = bytes.next().filter(|d| (b'0'..=b'7').contains(d))?;
                    value = (value << 3) | (digit - b'0');
                }
                value
            }
            other => other,
        };
        path.push(decoded);
    }
    // Only the one spelling write_listing_path produces is accepted.
    let mut again = Vec::with_capacity(field.len());
    write_listing_path(&path, &mut again);
    (again == field).then_some(path)
}

/// Parse a canonical listing back into its entries, or `None` when `text`
/// is not exactly what [`listing_bytes`] writes for some entries. Each line
/// splits uniquely: 64 hex digits, a space, a decimal size or `symlink`, a
/// space, then the path field up to the line's end (see `docs/hashing.md`).
pub fn parse_listing(text: &[u8]) -> Option<Vec<ListingEntry>> {
    let body = if text.is_empty() {
        return Some(Vec::new());
    } else {
        text.strip_suffix(b"\n")?
    };
    let mut entries = Vec::new();
    for line in body.split(|&b| b == b'\n') {
        let mut fields = line.splitn(3, |&b| b == b' ');
        let hex = std::str::from_utf8(fields.next()?).ok()?;
        let kind = fields.next()?;
        let path = read_listing_path(fields.next()?)?;
        let kind = if kind == b"symlink" {
            ListingKind::Symlink
        } else {
            let digits = std::str::from_utf8(kind).ok()?;
            let size: u64 = digits.parse().ok()?;
            // Only the canonical decimal spelling (no sign, no leading zero).
            if size.to_string() != digits {
                return None;
            }
            ListingKind::File { size }
        };
        entries.push(ListingEntry {
            path,
            hash: ContentHash::from_hex(hex)?,
            kind,
        });
    }
    Some(entries)
}
