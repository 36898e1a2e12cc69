//! Writing the page: the SVG drawing of a laid-out [`ViewData`], the embedded
//! JSON (with `<`, `>` and `&` escaped so no record text can close its
//! `<script>` block) and the Content-Security-Policy naming the one script.

use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::layout::{self, NODE_WIDTH};
use super::{NodeDetails, PageOptions, ViewData};
use crate::graph::{Node, SubgraphNode};

/// The page's own script, written for it (no library).
const SCRIPT: &str = include_str!("page.js");
/// The page's style sheet.
const STYLE: &str = include_str!("page.css");

/// The policy's fixed part: nothing from anywhere (no fetch, image, font,
/// frame or form target), inline style; the script source follows.
pub const CSP_PREFIX: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; script-src ";

/// The characters a box's label keeps before it is cut with `…`.
const LABEL_CHARS: usize = 28;

/// `'sha256-<base64>'` of the page's script, as the policy names it.
pub fn script_hash() -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(SCRIPT.as_bytes())))
}

/// One node as the page's data holds it: what `graph --format json` says
/// (but `label`, `distance` and `direction`, which the page does not use),
/// the details, and where it is drawn.
#[derive(Serialize)]
struct PageNode<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    node_type: crate::graph::NodeType,
    #[serde(flatten)]
    node: &'a Node,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    registered: &'a [crate::graph::Registration],
    #[serde(flatten)]
    details: &'a NodeDetails,
    layer: usize,
    x: f64,
    y: f64,
}

/// The page's data block.
#[derive(Serialize)]
struct PageData<'a> {
    title: &'a str,
    command: &'a str,
    roots: &'a [String],
    depth: usize,
    neighbourhood: bool,
    nodes: Vec<PageNode<'a>>,
    /// `[from index, to index, kind]`.
    edges: Vec<(usize, usize, &'static str)>,
}

/// The whole page for `data`, deterministic: the same data and options give
/// the same bytes.
pub fn render(data: &ViewData, options: &PageOptions) -> String {
    let nodes = &data.subgraph.nodes;
    let index: std::collections::HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let edges: Vec<(usize, usize, &'static str)> = data
        .subgraph
        .edges
        .iter()
        .filter_map(|e| {
            Some((
                *index.get(e.from.as_str())?,
                *index.get(e.to.as_str())?,
                e.kind.as_str(),
            ))
        })
        .collect();
    let pairs: Vec<(usize, usize)> = edges.iter().map(|&(a, b, _)| (a, b)).collect();
    let drawn = layout::layout(nodes.len(), &pairs);

    let page_data = PageData {
        title: &options.title,
        command: &options.command,
        roots: &data.subgraph.roots,
        depth: options.depth,
        neighbourhood: options.neighbourhood,
        nodes: nodes
            .iter()
            .zip(&data.details)
            .enumerate()
            .map(|(i, (node, details))| PageNode {
                id: &node.id,
                node_type: node.node_type,
                node: &node.node,
                registered: &node.registered,
                details,
                layer: drawn.layers[i],
                x: drawn.nodes[i].x,
                y: drawn.nodes[i].y,
            })
            .collect(),
        edges: edges.clone(),
    };
    // Serializing plain data (strings, numbers, maps with string keys) cannot fail.
    let json = serde_json::to_string(&page_data).unwrap_or_else(|_| "{}".to_string());

    let mut html = String::with_capacity(json.len() * 2 + 64 * 1024);
    let title = escape(&options.title);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP_PREFIX}{}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        script_hash()
    );
    html.push_str(&controls(&title, options));
    html.push_str("<main id=\"canvas\">\n");
    svg(&mut html, data, &edges, &drawn);
    html.push_str("</main>\n<aside id=\"panel\" aria-live=\"polite\"><p class=\"hint\">Click a node, or use the arrow keys, to see what it is.</p></aside>\n</div>\n");
    html.push_str("<script type=\"application/json\" id=\"lineage-data\">");
    html.push_str(&escape_json_for_script(&json));
    html.push_str("</script>\n<script>");
    html.push_str(SCRIPT);
    html.push_str("</script>\n</body>\n</html>\n");
    html
}

/// The header: title, search, depth, filters and view buttons.
fn controls(title: &str, options: &PageOptions) -> String {
    format!(
        "<header>\n<h1>{title}</h1>\n<code id=\"command\" title=\"the command that wrote this page\">{command}</code>\n\
         <div class=\"controls\">\n\
         <label class=\"search\">Search <input id=\"search\" type=\"search\" placeholder=\"name, path, hash prefix, param, metric  ( / )\" autocomplete=\"off\"></label>\n\
         <label title=\"show only nodes this many hops from the selected node (or the roots)\"><input id=\"neighbourhood\" type=\"checkbox\"{checked}> neighbourhood only</label>\n\
         <label>depth <input id=\"depth\" type=\"number\" min=\"0\" max=\"99\" value=\"{depth}\"></label>\n\
         <button id=\"fit\" type=\"button\" title=\"fit the drawing ( 0 )\">fit</button>\n\
         <button id=\"zoom-in\" type=\"button\" title=\"zoom in ( + )\">+</button>\n\
         <button id=\"zoom-out\" type=\"button\" title=\"zoom out ( - )\">&#8722;</button>\n\
         <button id=\"clear\" type=\"button\" title=\"clear the selection ( Esc )\">clear</button>\n\
         <span id=\"status\"></span>\n\
         </div>\n<div id=\"filters\" class=\"controls\"></div>\n<ul id=\"results\" hidden></ul>\n</header>\n<div id=\"body\">\n",
        command = escape(&options.command),
        checked = if options.neighbourhood {
            " checked"
        } else {
            ""
        },
        depth = options.depth,
    )
}

/// The drawing: edges first (under the boxes), then one group per node.
fn svg(
    html: &mut String,
    data: &ViewData,
    edges: &[(usize, usize, &'static str)],
    drawn: &layout::Layout,
) {
    let _ = writeln!(
        html,
        "<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" data-width=\"{w}\" data-height=\"{h}\" role=\"img\" aria-label=\"lineage graph\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\"/></marker></defs>\n\
         <g id=\"viewport\">\n<g id=\"edges\">",
        w = drawn.width.ceil(),
        h = drawn.height.ceil()
    );
    for (i, &(_, _, kind)) in edges.iter().enumerate() {
        let _ = writeln!(
            html,
            "<path class=\"edge e-{kind}\" data-e=\"{i}\" d=\"{}\"/>",
            path(&drawn.edges[i])
        );
    }
    html.push_str("</g>\n<g id=\"nodes\">\n");
    let roots = &data.subgraph.roots;
    for (i, (node, details)) in data.subgraph.nodes.iter().zip(&data.details).enumerate() {
        let at = drawn.nodes[i];
        let (first, second) = lines(node);
        let mut class = format!("node t-{}", node.node_type.as_str());
        if roots.contains(&node.id) {
            class.push_str(" root");
        }
        if !details.marks.is_empty() {
            class.push_str(" marked");
        }
        if node.registered.iter().any(|r| !r.stages.is_empty()) {
            class.push_str(" staged");
        }
        // The full label on hover, where a line was cut.
        let tip = if cut(&first) != first || cut_end(&second) != second {
            format!("<title>{}</title>", escape(&node.label))
        } else {
            String::new()
        };
        let _ = write!(
            html,
            "<g class=\"{class}\" data-i=\"{i}\" transform=\"translate({x},{y})\">{tip}\
             <rect/>\
             <text x=\"10\" y=\"17\" class=\"l1\">{first}</text><text x=\"10\" y=\"32\" class=\"l2\">{second}</text>",
            x = at.x,
            y = at.y,
            first = escape(&cut(&first)),
            second = escape(&cut_end(&second)),
        );
        if let Some(badge) = badge(node, details) {
            let width = 8.0 + 6.5 * badge.chars().count() as f64;
            let _ = write!(
                html,
                "<g class=\"badge\" transform=\"translate({x},-8)\"><rect width=\"{width}\" height=\"15\" rx=\"7\"/><text x=\"{tx}\" y=\"11\">{text}</text></g>",
                x = NODE_WIDTH - width - 6.0,
                tx = 4.0,
                text = escape(&badge),
            );
        }
        html.push_str("</g>\n");
    }
    html.push_str("</g>\n</g>\n</svg>\n");
}

/// A box's two lines: what it is called and what kind of thing it is.
fn lines(node: &SubgraphNode) -> (String, String) {
    match &node.node {
        Node::Record(record) => (
            record.name.clone(),
            format!("{} · {}", record.kind, record.id.short()),
        ),
        Node::Artifact(artifact) => {
            let roles: Vec<&str> = artifact.roles.iter().map(String::as_str).collect();
            let roles = if roles.is_empty() {
                "artifact".to_string()
            } else {
                roles.join(", ")
            };
            let second = match artifact.hash_short() {
                Some(hash) => format!("{roles} · {hash}"),
                None => roles,
            };
            (artifact.locator().to_string(), second)
        }
        Node::Commit(id) => (
            format!("commit {}", crate::render::short_id(id)),
            "code".to_string(),
        ),
    }
}

/// The badge over a box: a registered version and its stages, or a mark.
fn badge(node: &SubgraphNode, details: &NodeDetails) -> Option<String> {
    if let Some(mark) = details.marks.first() {
        return Some(mark.clone());
    }
    let registration = node
        .registered
        .iter()
        .find(|r| !r.stages.is_empty())
        .or(node.registered.first())?;
    let mut text = registration.version.clone();
    if !registration.stages.is_empty() {
        text.push(' ');
        text.push_str(&registration.stages.join(", "));
    }
    Some(text)
}

/// At most [`LABEL_CHARS`] characters; a longer text keeps its end (where
/// a path's file name is) after `…`.
fn cut(text: &str) -> String {
    let count = text.chars().count();
    if count <= LABEL_CHARS {
        return text.to_string();
    }
    let tail: String = text.chars().skip(count - (LABEL_CHARS - 1)).collect();
    format!("…{tail}")
}

/// At most [`LABEL_CHARS`] characters; a longer text keeps its start.
fn cut_end(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(LABEL_CHARS - 1).collect();
    format!("{head}…")
}

/// An SVG path through `points`: horizontal-tangent curves between them.
fn path(points: &[layout::Point]) -> String {
    let mut d = String::new();
    let Some(first) = points.first() else {
        return d;
    };
    let _ = write!(d, "M{} {}", first.x, first.y);
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let mid = (a.x + b.x) / 2.0;
        let _ = write!(d, "C{mid} {} {mid} {} {} {}", a.y, b.y, b.x, b.y);
    }
    d
}

/// Text for HTML and SVG: `&`, `<`, `>`, `"` and `'` as entities.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that can sit inside `<script>`: `<`, `>` and `&` as `\u` escapes
/// (JSON strings are the only place they can appear), so neither
/// `</script>` nor `<!--` can occur; U+2028/2029 escaped for old parsers.
fn escape_json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for the policy's hash.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn script_text_cannot_close_the_data_block() {
        let json = serde_json::to_string(&serde_json::json!({
            "name": "</script><img src=x onerror=alert(1)><!-- & \u{2028}"
        }))
        .unwrap();
        let safe = escape_json_for_script(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(
            back["name"],
            "</script><img src=x onerror=alert(1)><!-- & \u{2028}"
        );
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn long_labels_keep_their_end() {
        let cut = cut("data/very/long/directory/name/for/the/file/claims.csv");
        assert_eq!(cut.chars().count(), LABEL_CHARS);
        assert!(cut.starts_with('…') && cut.ends_with("claims.csv"));
    }
}
