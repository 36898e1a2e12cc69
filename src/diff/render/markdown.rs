//! The GitHub-Markdown rendering of a diff: a pull-request comment with
//! tables, ▲/▼ deltas and a Mermaid lineage graph, kept under a byte limit.

use std::fmt::Write;

use super::{commits_note, count, human_size, line_counts, percent, short, short_hash, signed};
use crate::diff::model::{ArtifactState, Diff, RecordDiff};
use crate::history::qualified_short;
use crate::params::Value;

/// A ready pull-request comment in GitHub Markdown: a summary line,
/// integrity findings first, then one section per record (parameter
/// and metric tables with ▲/▼ deltas, changed data, code, environment)
/// and a Mermaid graph of the new lineage. At most `limit` bytes (see
/// [`GITHUB_COMMENT_LIMIT`](crate::diff::GITHUB_COMMENT_LIMIT)): whole
/// sections that do not fit are left out and a note says how many.
pub fn markdown(diff: &Diff, limit: usize) -> String {
    // Room kept for the note about what was left out.
    const NOTE_ROOM: usize = 400;
    let budget = limit.saturating_sub(NOTE_ROOM);
    let mut out = String::new();
    match diff {
        Diff::Records(diff) => {
            let _ = writeln!(
                out,
                "## Lineage diff: `{}` {}\n",
                md_code(&diff.new.kind),
                md_text(&diff.new.name)
            );
            out.push_str(&record_markdown(diff, false));
            if out.len() > limit {
                truncate_at_line(&mut out, budget);
                out.push_str("\n> **Note:** this diff was cut short to fit a GitHub comment; run `git lineage diff` locally for all of it.\n");
            }
        }
        Diff::Range(range) => {
            let changed = range
                .records
                .iter()
                .filter(|r| r.diff.old.is_some() && !r.diff.is_empty())
                .count();
            let new = range
                .records
                .iter()
                .filter(|r| r.diff.old.is_none())
                .count();
            let _ = writeln!(out, "## Lineage changes in `{}`\n", md_code(&range.range));
            let mut summary = format!(
                "**{}** ({} changed from base `{}`, {} with nothing earlier to compare)",
                count(range.records.len(), "new record"),
                changed,
                short(&range.base),
                new
            );
            if !range.findings.is_empty() {
                let _ = write!(
                    summary,
                    ", :warning: **{}**",
                    count(range.findings.len(), "integrity finding")
                );
            }
            let _ = writeln!(out, "{summary}.\n");
            for warning in &range.warnings {
                let _ = writeln!(out, "> **Warning:** {}\n", md_text(warning));
            }
            if range.is_empty() {
                out.push_str("No lineage changes.\n");
                return out;
            }
            let mut left_out_findings = 0;
            if !range.findings.is_empty() {
                out.push_str("### :warning: Integrity findings\n\nRecords are immutable; these commits edited, deleted or broke record files (`git lineage verify --history` fails):\n\n");
                out.push_str(
                    "| finding | file | commit | author | message |\n|---|---|---|---|---|\n",
                );
                for (i, f) in range.findings.iter().enumerate() {
                    let row = format!(
                        "| {} | `{}` | `{}` | {} | {} |\n",
                        f.kind.as_str(),
                        md_code(&f.path),
                        f.commit.short(),
                        md_text(&f.commit.author.name),
                        md_text(&f.message)
                    );
                    if out.len() + row.len() > budget {
                        left_out_findings = range.findings.len() - i;
                        break;
                    }
                    out.push_str(&row);
                }
                out.push('\n');
            }
            let graph = if range.lineage.nodes.is_empty() {
                String::new()
            } else {
                format!(
                    "### Lineage of the new records\n\n```mermaid\n{}```\n",
                    crate::graph::render::mermaid(&range.lineage)
                )
            };
            let mut left_out = 0;
            for (i, record) in range.records.iter().enumerate() {
                let section = record_markdown(&record.diff, true);
                if left_out > 0 || out.len() + section.len() > budget {
                    left_out = range.records.len() - i;
                    break;
                }
                out.push_str(&section);
            }
            let graph_fits = out.len() + graph.len() <= budget;
            if graph_fits {
                out.push_str(&graph);
            }
            let mut notes = Vec::new();
            if left_out_findings > 0 {
                notes.push(count(left_out_findings, "integrity finding"));
            }
            if left_out > 0 {
                notes.push(count(left_out, "record"));
            }
            if !graph_fits && !graph.is_empty() {
                notes.push("the lineage graph".to_string());
            }
            if !notes.is_empty() {
                let _ = writeln!(
                    out,
                    "\n> **Note:** {} left out to stay under GitHub's comment limit; run `git lineage diff {}` locally for the full diff.",
                    notes.join(" and "),
                    md_code(&range.range)
                );
            }
        }
    }
    out
}

fn truncate_at_line(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = text[..cut].rfind('\n').map_or(0, |i| i + 1);
    text.truncate(cut);
}

fn record_markdown(diff: &RecordDiff, heading: bool) -> String {
    let mut out = String::new();
    let new = &diff.new;
    if heading {
        let _ = writeln!(
            out,
            "### `{}` {} `{}`\n",
            md_code(&new.kind),
            md_text(&new.name),
            qualified_short(new.repository.as_deref(), &new.id)
        );
    }
    match &diff.old {
        Some(old) => {
            let _ = writeln!(
                out,
                "Compared with `{}` ({}).\n",
                qualified_short(old.repository.as_deref(), &old.id),
                old.commit.as_ref().map_or_else(
                    || "uncommitted".to_string(),
                    |c| format!("commit `{}`", c.short())
                )
            );
        }
        None => out.push_str("New: nothing earlier of this kind and name to compare with.\n\n"),
    }
    if diff.old.is_some() && diff.is_empty() {
        out.push_str("No differences.\n\n");
        return out;
    }
    if !diff.params.is_empty() {
        out.push_str("| parameter | before | after |\n|---|---|---|\n");
        for p in &diff.params {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                md_code(&p.key),
                md_value(p.old.as_ref()),
                md_value(p.new.as_ref())
            );
        }
        out.push('\n');
    }
    if !diff.metrics.is_empty() {
        out.push_str("| metric | before | after | Δ | Δ % |\n|---|---|---|---|---|\n");
        for m in &diff.metrics {
            let (delta, relative) = match m.delta {
                Some(d) => {
                    let mark = if d > 0.0 {
                        "▲ "
                    } else if d < 0.0 {
                        "▼ "
                    } else {
                        ""
                    };
                    (
                        format!("{mark}{}", signed(d)),
                        m.relative.map_or_else(|| "–".to_string(), percent),
                    )
                }
                None => ("–".to_string(), "–".to_string()),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {delta} | {relative} |",
                md_code(&m.key),
                md_value(m.old.as_ref()),
                md_value(m.new.as_ref())
            );
        }
        out.push('\n');
    }
    if diff.data_changed() {
        out.push_str("| data | path | before | after |\n|---|---|---|---|\n");
        for (side, list) in [("input", &diff.inputs), ("output", &diff.outputs)] {
            for a in list {
                let role = a
                    .role()
                    .map(|r| format!(" ({})", md_text(r)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "| {side}{role} | `{}` | {} | {} |",
                    md_code(&a.locator),
                    md_state(a.old.as_ref()),
                    md_state(a.new.as_ref())
                );
            }
        }
        out.push('\n');
    }
    if let Some(code) = &diff.code {
        let _ = writeln!(
            out,
            "**Code:** {} → {}{}\n",
            code.old
                .as_deref()
                .map_or("–".to_string(), |c| format!("`{}`", short(c))),
            code.new
                .as_deref()
                .map_or("–".to_string(), |c| format!("`{}`", short(c))),
            md_text(&commits_note(code))
        );
        for commit in &code.commits {
            let _ = writeln!(
                out,
                "- `{}` {} ({})",
                commit.short(),
                md_text(&commit.message),
                md_text(&commit.author.name)
            );
        }
        if code.code_commits > code.commits.len() {
            let _ = writeln!(
                out,
                "- … and {} more",
                code.code_commits - code.commits.len()
            );
        }
        if !code.commits.is_empty() {
            out.push('\n');
        }
        if !code.files.is_empty() {
            out.push_str("| file | change | lines |\n|---|---|---|\n");
            for file in &code.files {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} |",
                    md_code(&file.path),
                    file.change,
                    line_counts(file)
                );
            }
            out.push('\n');
        }
    }
    if !diff.environment.is_empty() {
        out.push_str("| environment | before | after |\n|---|---|---|\n");
        for l in &diff.environment.lockfiles {
            let _ = writeln!(
                out,
                "| lockfile `{}` | {} | {} |",
                md_code(&l.path),
                l.old
                    .map_or("–".into(), |h| format!("`{}`", short_hash(&h))),
                l.new
                    .map_or("–".into(), |h| format!("`{}`", short_hash(&h)))
            );
        }
        if let Some(image) = &diff.environment.image {
            let _ = writeln!(
                out,
                "| image | {} | {} |",
                image
                    .old
                    .as_deref()
                    .map_or("–".into(), |i| format!("`{}`", md_code(i))),
                image
                    .new
                    .as_deref()
                    .map_or("–".into(), |i| format!("`{}`", md_code(i)))
            );
        }
        out.push('\n');
    }
    if let Some(seed) = &diff.seed {
        let _ = writeln!(
            out,
            "**Seed:** {} → {}\n",
            seed.old.map_or("–".into(), |s| s.to_string()),
            seed.new.map_or("–".into(), |s| s.to_string())
        );
    }
    out
}

/// Text for a Markdown table cell: `|` escaped, HTML and line breaks
/// neutralised.
fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '*' | '_' | '[' | ']' | '`' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for inside a code span in a table: `|` must still be escaped
/// (GitHub splits cells before parsing code spans), backticks dropped.
fn md_code(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '`' => "'".to_string(),
            '|' => "\\|".to_string(),
            c if c.is_control() => " ".to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn md_value(value: Option<&Value>) -> String {
    value.map_or_else(
        || "–".to_string(),
        |v| format!("`{}`", md_code(&v.to_string())),
    )
}

fn md_state(state: Option<&ArtifactState>) -> String {
    match state {
        None => "–".to_string(),
        Some(s) => {
            let mut parts = Vec::new();
            if let Some(h) = &s.hash {
                parts.push(format!("`{}`", short_hash(h)));
            }
            if let Some(v) = &s.version {
                parts.push(format!("version `{}`", md_code(v)));
            }
            if let Some(size) = s.size {
                parts.push(human_size(size));
            }
            if parts.is_empty() {
                "–".to_string()
            } else {
                parts.join(", ")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::GITHUB_COMMENT_LIMIT;
    use crate::diff::model::{
        ChangeKind, EnvironmentDiff, RangeDiff, RangeRecord, RecordRef, ValueChange,
    };
    use crate::graph::Subgraph;
    use crate::record::RecordId;
    use crate::time::Timestamp;

    fn record_ref(n: usize) -> RecordRef {
        RecordRef {
            id: RecordId::of_bytes(n.to_string().as_bytes()),
            kind: "train".into(),
            name: format!("model|{n}"),
            recorded: Timestamp::from_unix_micros(0),
            author: crate::record::Agent {
                name: "Jane Doe".into(),
                email: "jane@example.com".into(),
            },
            commit: None,
            repository: None,
        }
    }

    fn big_range(records: usize) -> Diff {
        let params = (0..40)
            .map(|i| ValueChange {
                key: format!("param_{i}"),
                change: ChangeKind::Changed,
                old: Some(Value::String("a|b".into())),
                new: Some(Value::Int(i)),
            })
            .collect::<Vec<_>>();
        Diff::Range(Box::new(RangeDiff {
            range: "main...HEAD".into(),
            base: "b".repeat(40),
            head: "c".repeat(40),
            findings: Vec::new(),
            records: (0..records)
                .map(|n| RangeRecord {
                    diff: RecordDiff {
                        old: Some(record_ref(n + 100_000)),
                        new: record_ref(n),
                        params: params.clone(),
                        metrics: Vec::new(),
                        inputs: Vec::new(),
                        outputs: Vec::new(),
                        code: None,
                        environment: EnvironmentDiff::default(),
                        seed: None,
                    },
                })
                .collect(),
            lineage: Subgraph {
                roots: Vec::new(),
                nodes: Vec::new(),
                edges: Vec::new(),
            },
            warnings: Vec::new(),
        }))
    }

    #[test]
    fn markdown_stays_under_the_comment_limit_leaving_out_whole_records() {
        let small = markdown(&big_range(3), GITHUB_COMMENT_LIMIT);
        assert!(!small.contains("left out"), "{small}");
        assert_eq!(small.matches("### `train`").count(), 3);
        // Pipes in names and values are escaped, so rows keep four cells.
        assert!(small.contains("model\\|0"), "{small}");
        assert!(small.contains("| `param_1` | `a\\|b` | `1` |"), "{small}");

        let md = markdown(&big_range(500), GITHUB_COMMENT_LIMIT);
        assert!(md.len() <= GITHUB_COMMENT_LIMIT, "{}", md.len());
        let shown = md.matches("### `train`").count();
        assert!(shown > 10 && shown < 500, "{shown}");
        let note = format!("**Note:** {} records left out", 500 - shown);
        assert!(
            md.contains(&note),
            "{note} not in the end of: {}",
            &md[md.len() - 500..]
        );
        // Only whole sections: every shown record has all its parameter rows.
        assert_eq!(md.matches("| `param_39` |").count(), shown);
    }
}
