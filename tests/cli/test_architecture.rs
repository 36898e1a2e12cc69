//! The architecture invariants of ARCHITECTURE.md, held by reading the
//! library's source: layers import downward only, modules form no cycle,
//! only the git and history layers talk to gix, and the library never prints.
//!
//! The table [`LAYERS`] is the one place the layers are named. A new module
//! must be added to it; a `use crate::…` (or `super::…`) edge that points to
//! a higher layer, or closes a loop between modules, fails the test with the
//! file and the edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers from the bottom up. A module may use modules of its own layer
/// (without a cycle) and of the layers below. Entries are module paths; a
/// file belongs to the longest entry that prefixes its module path.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "format",
        &[
            "time", "yaml", "params", "hash", "pointer", "record", "config", "render",
        ],
    ),
    ("storage", &["cache", "store"]),
    (
        "git",
        &[
            "repo",
            "commit",
            "emit::transport",
            "emit::cursor",
            "pointer::detect",
        ],
    ),
    (
        "history",
        &[
            "history::codec",
            "history::error",
            "history::trace",
            "history::summary",
            "history::model",
            "history::index",
            "history::walk",
            "history::snapshot",
            "history::revisions",
            "history::commits",
            "history::walker",
            "history::assemble",
            "history::load",
            "history",
        ],
    ),
    (
        "graph and query",
        &[
            "graph",
            "query",
            "registry::model",
            "registry::policy",
            "refspec",
            "retention::model",
        ],
    ),
    ("catalog", &["catalog"]),
    // Issue 13: profiles read files only; drift builds on them.
    ("data", &["profile", "drift"]),
    (
        "features",
        &[
            "error",
            "capture",
            "run",
            "registry",
            "diff",
            "status",
            "verify",
            "export",
            "emit",
            "remote",
            "locate",
            "view",
            "retention",
        ],
    ),
];

/// Where gix may be named: the git and history layers.
const GIX_ALLOWED: &[&str] = &["repo", "commit", "history"];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every library source file (not the binary) with its module path.
fn library_files() -> Vec<(String, PathBuf)> {
    let src = src_dir();
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.expect("src/ is readable");
        let path = entry.path();
        let rel = path.strip_prefix(&src).expect("under src/");
        if rel.starts_with("bin") || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let mut parts: Vec<String> = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        if parts == ["lib"] {
            continue;
        }
        files.push((parts.join("::"), path.to_path_buf()));
    }
    files
}

/// The production code of a file: comments removed (doc links are not
/// dependencies) and everything from the unit-test module on dropped.
fn production_code(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let without_comment = match line.find("//") {
            // A `//` inside a string (a URL) is rare in use lines; good enough.
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        code.push_str(without_comment);
        code.push('\n');
    }
    code
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Parse the path after `crate::` (or `super::`), expanding `{a, b::c}`
/// groups, into every path it names.
fn parse_paths(text: &str) -> Vec<Vec<String>> {
    fn path(chars: &[char], pos: &mut usize) -> Vec<Vec<String>> {
        let mut prefix = Vec::new();
        loop {
            while *pos < chars.len() && chars[*pos].is_whitespace() {
                *pos += 1;
            }
            if *pos < chars.len() && chars[*pos] == '{' {
                *pos += 1;
                let mut out = Vec::new();
                loop {
                    while *pos < chars.len() && (chars[*pos].is_whitespace() || chars[*pos] == ',')
                    {
                        *pos += 1;
                    }
                    if *pos >= chars.len() || chars[*pos] == '}' {
                        *pos += 1;
                        break;
                    }
                    for tail in path(chars, pos) {
                        let mut full = prefix.clone();
                        full.extend(tail);
                        out.push(full);
                    }
                }
                return out;
            }
            let start = *pos;
            while *pos < chars.len() && is_ident(chars[*pos]) {
                *pos += 1;
            }
            if start == *pos {
                return vec![prefix];
            }
            prefix.push(chars[start..*pos].iter().collect());
            if chars.get(*pos) == Some(&':') && chars.get(*pos + 1) == Some(&':') {
                *pos += 2;
            } else {
                // `as name`, `;`, `,`, `}` or anything else ends this path.
                while *pos < chars.len() && !matches!(chars[*pos], ',' | '}' | ';') {
                    if chars[*pos] == '{' {
                        break;
                    }
                    *pos += 1;
                }
                return vec![prefix];
            }
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut pos = 0;
    path(&chars, &mut pos)
}

/// The modules a file's code names: `crate::x::y`, `super::x`, `self::x`.
fn referenced_paths(module: &str, code: &str) -> Vec<Vec<String>> {
    let here: Vec<String> = module.split("::").map(str::to_string).collect();
    let mut out = Vec::new();
    for (keyword, base) in [
        ("crate::", Vec::new()),
        ("super::", here[..here.len().saturating_sub(1)].to_vec()),
        ("self::", here.clone()),
    ] {
        let mut from = 0;
        while let Some(at) = code[from..].find(keyword) {
            let start = from + at;
            from = start + keyword.len();
            let preceded_by_ident = code[..start].chars().next_back().is_some_and(is_ident);
            if preceded_by_ident {
                continue;
            }
            for tail in parse_paths(&code[from..]) {
                let mut full = base.clone();
                full.extend(tail);
                out.push(full);
            }
        }
    }
    out
}

/// The layer entry a module path belongs to (longest prefix), with its layer index.
fn entry_of(module: &str) -> Option<(&'static str, usize)> {
    let mut best: Option<(&'static str, usize)> = None;
    for (layer, (_, entries)) in LAYERS.iter().enumerate() {
        for &entry in *entries {
            let matches = module == entry || module.starts_with(&format!("{entry}::"));
            if matches && best.is_none_or(|(b, _)| entry.len() > b.len()) {
                best = Some((entry, layer));
            }
        }
    }
    best
}

/// The longest known module that prefixes `path` (items are dropped).
fn module_of(path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
}

struct Edge {
    from: &'static str,
    to: &'static str,
    file: PathBuf,
    path: String,
}

fn edges() -> Vec<Edge> {
    let files = library_files();
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut edges = Vec::new();
    let mut unknown = Vec::new();
    for (module, file) in &files {
        let Some((from, _)) = entry_of(module) else {
            unknown.push(module.clone());
            continue;
        };
        let text = std::fs::read_to_string(file).expect("readable source");
        let code = production_code(&text);
        for path in referenced_paths(module, &code) {
            let Some(target) = module_of(&path, &modules) else {
                continue; // crate-root items (`crate::Error`) resolve below
            };
            let Some((to, _)) = entry_of(&target) else {
                continue;
            };
            if to != from {
                edges.push(Edge {
                    from,
                    to,
                    file: file.clone(),
                    path: path.join("::"),
                });
            }
        }
        // `crate::Error` / `crate::Result` are re-exports of `error`.
        let names_crate_error = code.contains("crate::Error")
            || code.contains("crate::Result")
            || code.contains("crate::{Error")
            || code.contains("Error, Result}");
        if names_crate_error && from != "error" {
            edges.push(Edge {
                from,
                to: "error",
                file: file.clone(),
                path: "crate::Error".into(),
            });
        }
    }
    assert!(
        unknown.is_empty(),
        "modules missing from LAYERS in tests/cli/test_architecture.rs: {unknown:?}"
    );
    edges
}

fn layer_index(entry: &str) -> usize {
    entry_of(entry)
        .map(|(_, layer)| layer)
        .expect("a listed entry")
}

#[test]
fn layers_import_downward_only() {
    let mut upward = Vec::new();
    for edge in edges() {
        let (from, to) = (layer_index(edge.from), layer_index(edge.to));
        if to > from {
            upward.push(format!(
                "{} ({}) uses {} ({}): `{}` in {}",
                edge.from,
                LAYERS[from].0,
                edge.to,
                LAYERS[to].0,
                edge.path,
                edge.file.display()
            ));
        }
    }
    assert!(
        upward.is_empty(),
        "edges that point up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn modules_form_no_cycle() {
    let mut graph: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
    for edge in edges() {
        graph
            .entry(edge.from)
            .or_default()
            .entry(edge.to)
            .or_insert(format!("`{}` in {}", edge.path, edge.file.display()));
    }
    // Depth-first search for a back edge; report the loop it closes.
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, BTreeMap<&'a str, String>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        cycles: &mut Vec<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = stack.iter().position(|&n| n == node) {
            let mut lines = Vec::new();
            let mut cycle = stack[at..].to_vec();
            cycle.push(node);
            for pair in cycle.windows(2) {
                let why = &graph[pair[0]][pair[1]];
                lines.push(format!("  {} -> {}: {why}", pair[0], pair[1]));
            }
            cycles.push(lines.join("\n"));
            return;
        }
        stack.push(node);
        if let Some(targets) = graph.get(node) {
            for &next in targets.keys() {
                visit(next, graph, stack, done, cycles);
            }
        }
        stack.pop();
        done.insert(node);
    }
    let mut cycles = Vec::new();
    let mut done = BTreeSet::new();
    for &node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn only_the_git_and_history_layers_talk_to_gix() {
    let mut offenders = Vec::new();
    for (module, file) in library_files() {
        let root = module.split("::").next().unwrap_or_default();
        if GIX_ALLOWED.contains(&root) {
            continue;
        }
        let code = production_code(&std::fs::read_to_string(&file).expect("readable source"));
        for (n, line) in code.lines().enumerate() {
            if line.contains("gix::") || line.contains(".gix()") {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "gix outside repo/history:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_library_never_prints_or_exits() {
    let mut offenders = Vec::new();
    for (_, file) in library_files() {
        let code = production_code(&std::fs::read_to_string(&file).expect("readable source"));
        for (n, line) in code.lines().enumerate() {
            let prints = [
                "println!",
                "eprintln!",
                "print!(",
                "eprint!(",
                "dbg!(",
                "process::exit",
            ]
            .iter()
            .any(|m| line.contains(m));
            if prints {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the library prints or exits:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_path_parser_expands_groups() {
    let paths = parse_paths("{a::{b, c as d}, e}; rest");
    assert_eq!(
        paths,
        vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["a".to_string(), "c".to_string()],
            vec!["e".to_string()],
        ]
    );
    assert_eq!(
        parse_paths("history::History::load(x)"),
        vec![vec![
            "history".to_string(),
            "History".to_string(),
            "load".to_string()
        ]]
    );
}

#[test]
fn the_edge_reader_sees_known_edges() {
    // Guards the other tests against passing because nothing was read.
    let edges = edges();
    for (from, to) in [
        ("record", "hash"),
        ("capture", "refspec"),
        ("refspec", "registry::model"),
        ("registry", "capture"),
        ("history::load", "repo"),
        ("capture", "error"),
    ] {
        assert!(
            edges.iter().any(|e| e.from == from && e.to == to),
            "expected an edge {from} -> {to}"
        );
    }
}

/// Files outside `owner` whose production code names `needle`.
fn naming_outside(needle: &str, owner: &str) -> Vec<String> {
    let mut offenders = Vec::new();
    for (module, file) in library_files() {
        if module == owner || module.starts_with(&format!("{owner}::")) {
            continue;
        }
        let code = production_code(&std::fs::read_to_string(&file).expect("readable source"));
        for (n, line) in code.lines().enumerate() {
            if line.contains(needle) {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    offenders
}

#[test]
fn only_hash_talks_to_blake3_and_only_yaml_to_serde_yaml() {
    let blake3 = naming_outside("blake3::", "hash");
    assert!(
        blake3.is_empty(),
        "blake3 outside hash:\n{}",
        blake3.join("\n")
    );
    let yaml = naming_outside("serde_yaml", "yaml");
    assert!(
        yaml.is_empty(),
        "serde_yaml outside yaml:\n{}",
        yaml.join("\n")
    );
}
