//! Text and GitHub-Markdown renderings of a [`Diff`](super::Diff): pure
//! functions of the typed diff, and the display primitives they share
//! (short ids and hashes, signed deltas, sizes, counts).

mod markdown;
mod text;

pub use markdown::markdown;
pub use text::text;

use super::model::CodeChange;
use crate::hash::ContentHash;

fn commits_note(code: &CodeChange) -> String {
    if let Some(problem) = &code.problem {
        return format!(" (commits not listed: {problem})");
    }
    if code.old.is_none() || code.new.is_none() {
        return String::new();
    }
    let hidden = match code.lineage_only {
        0 => String::new(),
        n => format!("; {} hidden", count(n, "lineage-only commit")),
    };
    let changing = |a: usize| match (code.lineage_only, code.code_commits) {
        (0, _) => count(a, "commit"),
        (_, 0) => "no commit changing code".to_string(),
        (_, n) => format!("{} changing code", count(n, "commit")),
    };
    match (code.ahead, code.behind) {
        (a, 0) => format!(" ({}{hidden})", changing(a)),
        (0, b) => format!(" ({} back)", count(b, "commit")),
        (a, b) => format!(
            " ({}{hidden}, diverged: {b} not in the new code)",
            changing(a)
        ),
    }
}

/// `+A -R` for a code file (`binary` when it has no line counts).
fn line_counts(file: &crate::history::CodeFile) -> String {
    match (file.added, file.removed) {
        (Some(added), Some(removed)) => format!("+{added} -{removed}"),
        _ => "binary".to_string(),
    }
}

/// The sign of a code file's change, as for artifacts.
fn file_sign(file: &crate::history::CodeFile) -> &'static str {
    match file.change {
        "added" => "+",
        "deleted" => "-",
        _ => "~",
    }
}

/// `blake3:` and 12 hex digits.
fn short_hash(hash: &ContentHash) -> String {
    format!("{}{}", crate::hash::PREFIX, &hash.to_hex()[..12])
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// `+0.02`, `-3`.
fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{x}")
    } else {
        format!("{x}")
    }
}

/// `+2.20%`.
fn percent(r: f64) -> String {
    format!("{:+.2}%", r * 100.0)
}

/// `512 B`, `1.5 KiB`, `2.0 MiB`, … (exact bytes below 1 KiB).
fn human_size(bytes: u64) -> String {
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

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
