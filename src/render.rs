//! Display primitives every text renderer shares: short ids and hashes,
//! human sizes, counted nouns and short dates. Pure text formatting; the
//! renderers themselves live in a `render` submodule of the module that owns
//! each report type, and write to an [`std::io::Write`].

use crate::hash::ContentHash;
use crate::time::Timestamp;

/// How many hex digits a short id or hash shows.
pub const SHORT_LEN: usize = 12;

/// The first 12 characters of a record or commit id (all of a shorter one).
pub fn short_id(id: &str) -> &str {
    id.get(..SHORT_LEN).unwrap_or(id)
}

/// `blake3:` and the first 12 hex digits of a content hash.
pub fn short_hash(hash: &ContentHash) -> String {
    format!("{}{}", crate::hash::PREFIX, &hash.to_hex()[..SHORT_LEN])
}

/// `512 B`, `1.5 KiB`, `2.0 MiB`, … (exact bytes below 1 KiB).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `1 record`, `3 records`: a count with its noun, plural unless one.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `text` as one POSIX shell word: as it is when it holds only safe
/// characters, otherwise in single quotes (a `'` inside becomes `'\''`), so
/// a command shown to the user works when pasted.
pub fn shell_quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-:=@%+,".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `2026-11-24 10:00` (UTC, to the minute).
pub fn short_date(t: Timestamp) -> String {
    let text = t.to_string();
    format!("{} {}", &text[..10], &text[11..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives() {
        assert_eq!(short_id("0123456789abcdef"), "0123456789ab");
        assert_eq!(short_id("abc"), "abc");
        assert_eq!(shell_quote("/tmp/demo"), "/tmp/demo");
        assert_eq!(shell_quote("file:///tmp/a.csv"), "file:///tmp/a.csv");
        assert_eq!(shell_quote("/tmp/my demo"), "'/tmp/my demo'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(
            short_hash(&ContentHash::of_bytes(b"x")),
            format!("blake3:{}", &ContentHash::of_bytes(b"x").to_hex()[..12])
        );
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(2 * 1024 * 1024), "2.0 MiB");
        assert_eq!(count(1, "record"), "1 record");
        assert_eq!(count(0, "record"), "0 records");
        assert_eq!(count(3, "output"), "3 outputs");
        let t = Timestamp::parse("2026-11-24T10:42:13Z").unwrap();
        assert_eq!(short_date(t), "2026-11-24 10:42");
    }
}
