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
    match (code.ahead, code.behind) {
        (a, 0) => format!(" ({})", count(a, "commit")),
        (0, b) => format!(" ({} back)", count(b, "commit")),
        (a, b) => format!(
            " ({}, diverged: {b} not in the new code)",
            count(a, "commit")
        ),
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
