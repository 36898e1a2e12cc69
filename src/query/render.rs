//! Text rendering of a record list for `git lineage log` and `search`: an
//! aligned table, newest first, with the commit and author of each record.

use std::io;

use crate::history::Entry;
use crate::render::short_date;

/// A `RECORD KIND NAME COMMIT DATE AUTHOR` header, then one row per entry,
/// newest first (`entries` are oldest first, as history and search give
/// them). Uncommitted records show `uncommitted`, their agent and the time
/// they were recorded. Nothing at all for no entries.
pub fn write_table(out: &mut impl io::Write, entries: &[&Entry]) -> io::Result<()> {
    write_table_marked(out, entries, &|_| None)
}

/// [`write_table`] with `mark` appended to the rows it gives text for
/// (`log --include-expired`: ` (expired by <id>)`).
pub fn write_table_marked(
    out: &mut impl io::Write,
    entries: &[&Entry],
    mark: &dyn Fn(&Entry) -> Option<String>,
) -> io::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let width = |f: &dyn Fn(&Entry) -> usize| entries.iter().map(|e| f(e)).max().unwrap_or(0);
    let widths = Widths {
        id: width(&|e| e.display_id().chars().count()),
        kind: width(&|e| e.summary.kind.len()),
        name: width(&|e| e.summary.name.chars().count()),
    };
    write_header(out, widths)?;
    for entry in entries.iter().rev() {
        write_row_marked(out, widths, entry, mark(entry).as_deref())?;
    }
    Ok(())
}

/// The widths of the table's variable columns: the longest kind (bytes)
/// and name (characters) among the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widths {
    /// The longest id as shown (`<remote>:<12 hex>` for another
    /// repository's record); 12 at least.
    pub id: usize,
    /// The longest kind.
    pub kind: usize,
    /// The longest name.
    pub name: usize,
}

/// The header line of [`write_table`], for a table streamed row by row.
pub fn write_header(out: &mut impl io::Write, widths: Widths) -> io::Result<()> {
    let id_width = widths.id.max(12);
    let kind_width = widths.kind.max(4);
    let name_width = widths.name.max(4);
    writeln!(
        out,
        "{:<id_width$}  {:<kind_width$}  {:<name_width$}  {:<12}  {:<16}  AUTHOR",
        "RECORD", "KIND", "NAME", "COMMIT", "DATE"
    )
}

/// One row of [`write_table`].
pub fn write_row(out: &mut impl io::Write, widths: Widths, entry: &Entry) -> io::Result<()> {
    write_row_marked(out, widths, entry, None)
}

/// [`write_row`] with `mark` at the end of the line.
pub fn write_row_marked(
    out: &mut impl io::Write,
    widths: Widths,
    entry: &Entry,
    mark: Option<&str>,
) -> io::Result<()> {
    let id_width = widths.id.max(12);
    let kind_width = widths.kind.max(4);
    let name_width = widths.name.max(4);
    let (commit, author, date) = match &entry.commit {
        Some(c) => (c.short(), &c.author.name, c.date),
        None => (
            "uncommitted",
            &entry.summary.agent.name,
            entry.summary.recorded,
        ),
    };
    writeln!(
        out,
        "{:<id_width$}  {:<kind_width$}  {:<name_width$}  {:<12}  {:<16}  {}{}",
        entry.display_id(),
        entry.summary.kind,
        entry.summary.name,
        commit,
        short_date(date),
        author,
        mark.unwrap_or("")
    )
}
