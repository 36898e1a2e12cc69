//! Text and GitHub-Markdown renderings of a [`Diff`]: pure
//! functions of the typed diff, and the display primitives only they use
//! (signed deltas, percentages; the shared ones are in [`crate::render`]).

mod markdown;
mod text;

pub use markdown::markdown;
pub use text::write_text;

use std::io;

use super::model::{CodeChange, Diff};
use crate::render::{count, human_size, short_hash, short_id as short};

/// [`markdown`] written to `out`: at most `limit` bytes, which is why the
/// comment is built whole first.
pub fn write_markdown(out: &mut impl io::Write, diff: &Diff, limit: usize) -> io::Result<()> {
    out.write_all(markdown(diff, limit).as_bytes())
}

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
