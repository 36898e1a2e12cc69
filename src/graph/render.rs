//! Text forms of a [`Subgraph`] (an aligned table for terminals, Graphviz DOT
//! and Mermaid as GitHub renders it) and of an [`Impact`]. Pure functions:
//! the same input always gives the same bytes.

use std::fmt::Write;
use std::io;

use super::{Impact, Node, NodeType, Registration, Side, Subgraph, SubgraphNode};
use crate::record::RecordId;
use crate::render::{count, short_date, short_hash, short_id};

/// One line per node, in subgraph order, under a header: hops from the
/// roots, type (record kind or artifact roles), short id or hash, name or
/// locator, commit, author and time recorded. `-` marks an empty cell.
pub fn write_table(out: &mut impl io::Write, subgraph: &Subgraph) -> io::Result<()> {
    let header = ["HOPS", "TYPE", "ID", "NAME", "COMMIT", "AUTHOR", "RECORDED"].map(String::from);
    let rows: Vec<[String; 7]> = std::iter::once(header)
        .chain(subgraph.nodes.iter().map(table_row))
        .collect();
    let mut widths = [0; 7];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(widths) {
            let _ = write!(line, "{cell:<width$}  ");
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// [`mermaid`] written to `out` (its string form is embedded in Markdown
/// and the demo's report, so that is the primary one).
pub fn write_mermaid(out: &mut impl io::Write, subgraph: &Subgraph) -> io::Result<()> {
    out.write_all(mermaid(subgraph).as_bytes())
}

/// `git lineage impact REF` as text: a count line (and `range_summary`,
/// for a commit range), then the records by kind (short id, name, commit,
/// date, author, and the versions `registered_by` says a record made), the
/// outputs (locator, short hash, roles, registered versions) and the
/// affected registered versions; `nothing downstream of REF` when empty.
pub fn write_impact(
    out: &mut impl io::Write,
    impact: &Impact,
    reference: &str,
    range_summary: Option<&str>,
    registered_by: &dyn Fn(&RecordId) -> Vec<Registration>,
) -> io::Result<()> {
    let records: usize = impact.records.values().map(Vec::len).sum();
    if records == 0 && impact.artifacts.is_empty() {
        return writeln!(out, "nothing downstream of {reference}");
    }
    writeln!(
        out,
        "{} and {} downstream of {reference}",
        count(records, "record"),
        count(impact.artifacts.len(), "output"),
    )?;
    if let Some(line) = range_summary {
        writeln!(out, "{line}")?;
    }
    let name_width = impact
        .records
        .values()
        .flatten()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0);
    let id_width = impact
        .records
        .values()
        .flatten()
        .map(|r| r.display_id().chars().count())
        .max()
        .unwrap_or(0);
    for (kind, list) in &impact.records {
        writeln!(out)?;
        writeln!(out, "{kind} ({})", list.len())?;
        for record in list {
            // The record that produced a registered version names it.
            let registered: String = registered_by(&record.id)
                .iter()
                .map(|r| format!("  [{r}]"))
                .collect();
            writeln!(
                out,
                "  {:<id_width$}  {:<name_width$}  {:<12}  {}  {}{registered}",
                record.display_id(),
                record.name,
                record.commit_short().unwrap_or("uncommitted"),
                short_date(record.recorded),
                record.author.name,
            )?;
        }
    }
    if !impact.artifacts.is_empty() {
        let locator_width = impact
            .artifacts
            .iter()
            .map(|a| a.locator.chars().count())
            .max()
            .unwrap_or(0);
        writeln!(out)?;
        writeln!(out, "outputs ({})", impact.artifacts.len())?;
        for artifact in &impact.artifacts {
            let roles: Vec<&str> = artifact.roles.iter().map(String::as_str).collect();
            let hash = artifact
                .hash
                .as_ref()
                .map_or_else(|| "-".into(), short_hash);
            let registered: String = artifact
                .registered
                .iter()
                .map(|r| format!("  [{r}]"))
                .collect();
            let line = format!(
                "  {:<locator_width$}  {:<19}  {}{registered}",
                artifact.locator,
                hash,
                roles.join(", ")
            );
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    if !impact.registry.is_empty() {
        // The answer to "which registered versions, and is production one?".
        let name_width = impact
            .registry
            .iter()
            .map(|v| v.model.chars().count() + 1 + v.version.len())
            .max()
            .unwrap_or(0);
        let stage_width = impact
            .registry
            .iter()
            .map(|v| v.stages.join(",").chars().count().max(1))
            .max()
            .unwrap_or(1);
        writeln!(out)?;
        writeln!(out, "registered versions ({})", impact.registry.len())?;
        for version in &impact.registry {
            let stages = if version.stages.is_empty() {
                "-".to_string()
            } else {
                version.stages.join(",")
            };
            writeln!(
                out,
                "  {:<name_width$}  {:<stage_width$}  {}",
                format!("{} {}", version.model, version.version),
                stages,
                version.locator
            )?;
        }
    }
    Ok(())
}

fn table_row(node: &SubgraphNode) -> [String; 7] {
    let mut row = table_cells(node);
    // A model artifact, or the record that produced it: name the version.
    for registration in &node.registered {
        row[3].push_str(&format!(" [{registration}]"));
    }
    if let Some(by) = &node.dropped_by {
        row[3].push_str(&format!(" (dropped by {})", by.short()));
    }
    if let Some(by) = &node.expired_by {
        row[3].push_str(&format!(" (expired by {})", by.short()));
    }
    row
}

fn table_cells(node: &SubgraphNode) -> [String; 7] {
    let hops = match node.direction {
        Side::Root => "root".to_string(),
        Side::Up => format!("up {}", node.distance),
        Side::Down => format!("down {}", node.distance),
    };
    let dash = || "-".to_string();
    match &node.node {
        Node::Record(record) => [
            hops,
            record.kind.clone(),
            record.display_id(),
            record.name.clone(),
            record
                .commit_short()
                .map_or_else(|| "uncommitted".to_string(), str::to_string),
            record.author.name.clone(),
            // `2026-11-22T10:42:13.000000Z` → `2026-11-22 10:42`.
            record.recorded.to_string()[..16].replacen('T', " ", 1),
        ],
        Node::Artifact(artifact) => [
            hops,
            if artifact.roles.is_empty() {
                "artifact".to_string()
            } else {
                artifact.roles.iter().cloned().collect::<Vec<_>>().join(",")
            },
            artifact.hash_short().unwrap_or_else(dash),
            artifact
                .paths
                .iter()
                .chain(&artifact.uris)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            dash(),
            dash(),
            dash(),
        ],
        Node::Commit(id) => [
            hops,
            "commit".to_string(),
            short_id(id).to_string(),
            dash(),
            dash(),
            dash(),
            dash(),
        ],
    }
}

/// A Graphviz digraph: records as boxes, artifacts as ellipses (external
/// ones without a hash as notes), commits as hexagons, roots drawn bold,
/// edges labelled with their kind (`via` edges dashed).
pub fn write_dot(out: &mut impl io::Write, subgraph: &Subgraph) -> io::Result<()> {
    writeln!(out, "digraph lineage {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [fontname=\"Helvetica\", fontsize=10];")?;
    writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];")?;
    for node in &subgraph.nodes {
        let shape = match &node.node {
            Node::Record(_) => "box",
            Node::Artifact(artifact) if artifact.hash.is_none() && !artifact.uris.is_empty() => {
                "note"
            }
            Node::Artifact(_) => "ellipse",
            Node::Commit(_) => "hexagon",
        };
        let bold = if node.direction == Side::Root {
            ", penwidth=2"
        } else {
            ""
        };
        writeln!(
            out,
            "  {} [label={}, shape={shape}{bold}];",
            dot_string(&node.id),
            dot_string(&node.label)
        )?;
    }
    for edge in &subgraph.edges {
        let style = if edge.kind == super::EdgeKind::Via {
            ", style=dashed"
        } else {
            ""
        };
        writeln!(
            out,
            "  {} -> {} [label={}{style}];",
            dot_string(&edge.from),
            dot_string(&edge.to),
            dot_string(edge.kind.as_str())
        )?;
    }
    writeln!(out, "}}")
}

/// A double-quoted DOT string; control characters become spaces.
fn dot_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Mermaid flowchart (left to right) as GitHub renders it: nodes are
/// `n0`, `n1`, … in subgraph order with quoted, escaped labels; records are
/// rectangles, artifacts stadiums, commits hexagons; roots get the `root`
/// class; edges read `n0 -->|used-by| n1` (`via` edges dotted).
pub fn mermaid(subgraph: &Subgraph) -> String {
    let mut out = String::from("flowchart LR\n");
    let ids: std::collections::HashMap<&str, usize> = subgraph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();
    for (i, node) in subgraph.nodes.iter().enumerate() {
        let label = mermaid_label(&node.label);
        let _ = match node.node_type {
            NodeType::Record => writeln!(out, "  n{i}[\"{label}\"]"),
            NodeType::Artifact => writeln!(out, "  n{i}([\"{label}\"])"),
            NodeType::Commit => writeln!(out, "  n{i}{{{{\"{label}\"}}}}"),
        };
    }
    for edge in &subgraph.edges {
        let arrow = if edge.kind == super::EdgeKind::Via {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}|{}| n{}",
            ids[edge.from.as_str()],
            edge.kind.as_str(),
            ids[edge.to.as_str()]
        );
    }
    let roots: Vec<String> = subgraph
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| node.direction == Side::Root)
        .map(|(i, _)| format!("n{i}"))
        .collect();
    if !roots.is_empty() {
        out.push_str("  classDef root stroke-width:3px\n");
        let _ = writeln!(out, "  class {} root", roots.join(","));
    }
    out
}

/// Text for inside a quoted Mermaid label: characters Mermaid or HTML would
/// read are written as Mermaid entity codes (`#quot;`, `#35;`, …).
fn mermaid_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{fixture, hash_node, options};
    use super::super::{Direction, Graph};
    use super::*;

    fn table(subgraph: &Subgraph) -> String {
        let mut out = Vec::new();
        write_table(&mut out, subgraph).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn dot(subgraph: &Subgraph) -> String {
        let mut out = Vec::new();
        write_dot(&mut out, subgraph).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn subgraph(
        start: &str,
        direction: Direction,
        depth: Option<usize>,
        types: &[&str],
    ) -> Subgraph {
        let graph = Graph::build(&fixture());
        graph.traverse(
            &[hash_node(&graph, start)],
            &options(direction, depth, types),
        )
    }

    #[test]
    fn table_has_one_aligned_line_per_node() {
        let entries = fixture();
        let text = table(&subgraph("H2", Direction::Up, Some(1), &[]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("HOPS  TYPE   ID "), "{text}");
        assert!(lines[1].starts_with("root  model  blake3:"), "{text}");
        assert!(lines[1].contains("models/model.pkl"), "{text}");
        assert!(lines[2].starts_with("up 1  train  "), "{text}");
        for part in [
            entries[1].id.short(),
            "fraud-model",
            "21cccccccccc",
            "Jane Doe",
        ] {
            assert!(lines[2].contains(part), "{part}: {text}");
        }
        assert!(lines[2].ends_with("2026-11-21 10:00"), "{text}");
        // Columns line up: NAME starts at the same place on every line.
        let at = lines[0].find("NAME").unwrap();
        assert_eq!(lines[1].find("models/").unwrap(), at);
        assert_eq!(lines[2].find("fraud-model").unwrap(), at);
        assert!(text.lines().all(|line| line == line.trim_end()));
    }

    #[test]
    fn dot_is_a_digraph_with_shapes_and_labelled_edges() {
        let entries = fixture();
        let train = &entries[1];
        let text = dot(&subgraph("H1", Direction::Both, Some(2), &[]));
        let h1 = crate::hash::ContentHash::of_bytes(b"H1");
        let h2 = crate::hash::ContentHash::of_bytes(b"H2");
        assert!(text.starts_with("digraph lineage {\n"), "{text}");
        assert!(text.ends_with("}\n"), "{text}");
        let expected = [
            format!(
                "  \"{h1}\" [label=\"data/features.csv (blake3:{})\", shape=ellipse, penwidth=2];",
                &h1.to_hex()[..12]
            ),
            format!(
                "  \"record:{}\" [label=\"train fraud-model ({})\", shape=box];",
                train.id,
                train.id.short()
            ),
            format!("  \"{h1}\" -> \"record:{}\" [label=\"used-by\"];", train.id),
            format!(
                "  \"record:{}\" -> \"{h2}\" [label=\"produced\"];",
                train.id
            ),
            format!(
                "  \"commit:{}\" [label=\"commit 111111111111\", shape=hexagon];",
                super::super::tests::C1
            ),
        ];
        for line in expected {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
        let via = dot(&subgraph("H0", Direction::Down, None, &["train"]));
        assert!(via.contains("[label=\"via\", style=dashed];"), "{via}");
    }

    #[test]
    fn dot_and_mermaid_escape_labels() {
        let mut entries = fixture();
        entries[1].summary.name = r#"say "hi" #1 <b> \ & `x`"#.into();
        let graph = Graph::build(&entries);
        let sub = graph.traverse(
            &[hash_node(&graph, "H2")],
            &options(Direction::Up, Some(1), &[]),
        );
        let d = dot(&sub);
        assert!(
            d.contains(r#"label="train say \"hi\" #1 <b> \\ & `x` ("#),
            "{d}"
        );
        let m = mermaid(&sub);
        assert!(
            m.contains("  n1[\"train say #quot;hi#quot; #35;1 #lt;b#gt; \\ #amp; #96;x#96; ("),
            "{m}"
        );
    }

    #[test]
    fn mermaid_uses_safe_ids_and_labelled_arrows() {
        let entries = fixture();
        let sub = subgraph("H1", Direction::Both, None, &[]);
        let text = mermaid(&sub);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "flowchart LR");
        // Node lines: safe ids, in subgraph order; the root is n0.
        for (i, node) in sub.nodes.iter().enumerate() {
            let line = lines[1 + i];
            assert!(line.starts_with(&format!("  n{i}")), "{line}");
            assert!(
                line.contains(&format!("\"{}\"", mermaid_label(&node.label))),
                "{line}"
            );
            assert!(
                !line.contains("blake3:") || line.contains("(blake3:"),
                "{line}"
            );
        }
        assert!(
            lines[1].starts_with("  n0([\"data/features.csv (blake3:"),
            "{text}"
        );
        let position = |id: String| sub.nodes.iter().position(|n| n.id == id).unwrap();
        let train = position(format!("record:{}", entries[1].id));
        let model = position(crate::hash::ContentHash::of_bytes(b"H2").to_string());
        let process = position(format!("record:{}", entries[0].id));
        for expected in [
            format!("  n0 -->|used-by| n{train}"),
            format!("  n{train} -->|produced| n{model}"),
            format!("  n{process} -->|produced| n0"),
            format!(
                "  n{train} -->|references| n{}",
                position(format!("record:{}", entries[2].id))
            ),
        ] {
            assert!(
                lines.contains(&expected.as_str()),
                "missing {expected}\n{text}"
            );
        }
        assert!(text.contains("{{\"commit 111111111111\"}}"), "{text}");
        assert!(
            text.ends_with("  classDef root stroke-width:3px\n  class n0 root\n"),
            "{text}"
        );
        let via = mermaid(&subgraph("H0", Direction::Down, None, &["train"]));
        assert!(via.contains("  n0 -.->|via| n1\n"), "{via}");
    }

    #[test]
    fn rendering_is_deterministic() {
        for (start, direction, types) in [
            ("H1", Direction::Both, &[][..]),
            ("H0", Direction::Down, &["record"][..]),
        ] {
            let first = subgraph(start, direction, None, types);
            let second = subgraph(start, direction, None, types);
            assert_eq!(table(&first), table(&second));
            assert_eq!(dot(&first), dot(&second));
            assert_eq!(mermaid(&first), mermaid(&second));
        }
    }
}
