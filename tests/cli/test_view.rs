//! `git lineage view`: the page holds what `graph --format json` says, is
//! deterministic, self-contained (a hash-pinned script, no URL to fetch) and
//! keeps record text inert; in headless Chromium (tests/browser/view_check.py,
//! skipped with a reason without Chromium and Playwright, required in CI) it
//! loads from `file://` with no console error or request, and clicking,
//! highlighting, search, filters, keyboard and `#node=` work on the demo and on
//! a generated 2,000-record repository. Screenshots of each state go to
//! `target/tmp/view-screenshots/`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::common::{
    TestEnv, b3, demo_repo, demo_step_id, graph_json, require_tool, store_raw_record, write,
};

/// The name of the record that tries to inject markup.
const XSS_NAME: &str = "</script><img src=x onerror=alert(1)>";

/// The embedded data block of a page.
fn page_data(html: &str) -> Value {
    let start =
        html.find("id=\"lineage-data\">").expect("a data block") + "id=\"lineage-data\">".len();
    let end = start
        + html[start..]
            .find("</script>")
            .expect("the data block ends");
    serde_json::from_str(&html[start..end]).expect("the data block is JSON")
}

/// `view ARGS -o OUT` in `repo`; the page's text.
fn view(env: &TestEnv, repo: &Path, out: &Path, args: &[&str]) -> String {
    let mut all = vec!["view", "-o", out.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    let run = env.lineage(repo, &all).success();
    assert!(run.stdout.starts_with("wrote "), "{}", run.stdout);
    std::fs::read_to_string(out).expect("the page was written")
}

/// The inline script's text (the one without a `type`).
fn inline_script(html: &str) -> &str {
    let start = html.find("<script>").expect("an inline script") + "<script>".len();
    let end = start + html[start..].find("</script>").expect("script ends");
    &html[start..end]
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63])
            } else {
                '='
            });
        }
    }
    out
}

#[test]
fn the_page_holds_the_graph_json_nodes_and_edges_and_is_deterministic() {
    let env = TestEnv::new();
    let (repo, _) = demo_repo(&env, "demo");
    let graph = graph_json(&env, &repo, &["data/raw/claims.csv"]);
    let first = view(&env, &repo, &env.path("a.html"), &["data/raw/claims.csv"]);
    let second = view(&env, &repo, &env.path("b.html"), &["data/raw/claims.csv"]);
    assert_eq!(first, second, "the same history writes the same bytes");
    let data = page_data(&first);
    let mut ids: Vec<&str> = data["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id"))
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, graph.node_ids(), "the same nodes");
    assert_eq!(
        data["edges"].as_array().expect("edges").len(),
        graph.edges.len()
    );
    // Every node and edge is drawn once.
    assert_eq!(first.matches("<g class=\"node ").count(), ids.len());
    assert_eq!(
        first.matches("<path class=\"edge ").count(),
        graph.edges.len()
    );
    // Records carry the full manifest (what `show` says).
    let train = data["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["record"]["kind"] == "train" && n["registered"][0]["stages"][0] == "production")
        .expect("the production model's training record");
    assert_eq!(train["manifest"]["params"]["learning_rate"], json!(0.1));
    assert!(train["manifest"]["metrics"]["train_auc"].is_number());
    assert!(train["manifest"]["environment"]["os"].is_string());
    assert!(train.get("abridged").is_none());
}

#[test]
fn the_page_is_self_contained_under_a_hash_pinned_policy() {
    let env = TestEnv::new();
    let (repo, _) = demo_repo(&env, "demo");
    let html = view(&env, &repo, &env.path("all.html"), &[]);
    let hash = format!(
        "'sha256-{}'",
        base64(&Sha256::digest(inline_script(&html).as_bytes()))
    );
    let policy = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; script-src {hash}\">"
    );
    assert!(html.contains(&policy), "no policy pinning {hash}");
    assert_eq!(
        html.matches("<script").count(),
        2,
        "one data block, one script"
    );
    for fetching in [
        " src=",
        " href=",
        "url(http",
        "@import",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!html.contains(fetching), "the page contains {fetching:?}");
    }
    // Only the SVG namespace names a URL.
    let urls: Vec<&str> = html
        .match_indices("http")
        .map(|(i, _)| &html[i..(i + 30).min(html.len())])
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .filter(|u| !u.starts_with("http://www.w3.org/2000/svg"))
        .collect();
    assert!(urls.is_empty(), "{urls:?}");
    // The whole history: every record is a node.
    let records = page_data(&html)["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["type"] == "record")
        .count();
    assert_eq!(records, crate::common::record_ids(&repo).len());
}

#[test]
fn record_text_stays_inert_in_markup_and_data() {
    let env = TestEnv::new();
    let (repo, _) = demo_repo(&env, "demo");
    env.lineage(
        &repo,
        &[
            "record",
            "--kind",
            "process",
            "--name",
            XSS_NAME,
            "--input",
            "data/raw/claims.csv",
            "--param",
            "note=<!-- --><script>alert(2)</script>",
        ],
    )
    .success();
    let html = view(&env, &repo, &env.path("xss.html"), &[]);
    assert!(
        !html.contains("<img"),
        "markup from a record reached the page"
    );
    assert!(!html.contains("<!-- -->"));
    assert_eq!(html.matches("</script>").count(), 2);
    assert!(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    let data = page_data(&html);
    assert!(
        data["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|n| n["record"]["name"] == XSS_NAME),
        "the name survives as data"
    );
}

#[test]
fn usage_errors_stdout_and_open() {
    let env = TestEnv::new();
    let (repo, _) = demo_repo(&env, "demo");
    let run = env.lineage(&repo, &["view", "--up"]).code(2);
    assert!(
        run.stderr
            .starts_with("error: --up, --down and --depth walk from a REF"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: give a REF"), "{}", run.stderr);
    let run = env
        .lineage(&repo, &["view", "--max-nodes", "3", "-o", "x.html"])
        .code(2);
    assert!(
        run.stderr.contains("more than --max-nodes 3"),
        "{}",
        run.stderr
    );
    assert!(!repo.join("x.html").exists());
    let run = env.lineage(&repo, &["view", "no-such-file.csv"]).code(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    let run = env
        .lineage(&repo, &["view", "-o", "missing-dir/page.html"])
        .code(2);
    assert!(
        run.stderr.contains("hint: check that its directory exists"),
        "{}",
        run.stderr
    );
    // `-o -`: the page on stdout, the summary on stderr.
    let run = env
        .lineage(
            &repo,
            &["view", "model:fraud-model@production", "--up", "-o", "-"],
        )
        .success();
    assert!(run.stdout.starts_with("<!DOCTYPE html>"));
    assert!(
        run.stderr.contains("wrote the page to stdout: "),
        "{}",
        run.stderr
    );
    // Two REFs: both roots, their neighbourhoods united.
    let html = view(
        &env,
        &repo,
        &env.path("two.html"),
        &[
            "data/raw/claims.csv",
            "data/raw/customers.csv",
            "--depth",
            "1",
        ],
    );
    assert_eq!(page_data(&html)["roots"].as_array().map(Vec::len), Some(2));
    // --open hands the written file to $BROWSER.
    let opener = env.path("opener.sh");
    let seen = env.path("opened.txt");
    write(
        &opener,
        // Written then renamed: the test sees the whole path or nothing.
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            seen.display()
        ),
    );
    std::process::Command::new("chmod")
        .args(["+x", opener.to_str().expect("utf-8")])
        .status()
        .expect("chmod");
    let out = env.path("opened.html");
    let status = env
        .command(crate::common::bin(), &repo)
        .env("BROWSER", &opener)
        .args(["view", "--open", "-o", out.to_str().expect("utf-8")])
        .status()
        .expect("run view --open");
    assert!(status.success());
    for _ in 0..500 {
        if seen.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read_to_string(&seen).expect("the opener ran"),
        out.to_str().expect("utf-8")
    );
}

// ------------------------------------------------------------- in a browser

/// Whether headless Chromium and Playwright for Python are here (required in CI).
fn browser_available() -> bool {
    let mut probe = std::process::Command::new("python3");
    probe.args([
        "-c",
        "import os, playwright.sync_api; assert os.access(os.environ.get('GIT_LINEAGE_CHROMIUM', '/usr/bin/chromium'), os.X_OK)",
    ]);
    require_tool(
        "chromium + playwright (Python)",
        "the view page is tested in a real headless browser",
        &mut probe,
    )
}

/// Where a test's screenshots go.
fn screenshots(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("view-screenshots")
        .join(name)
}

/// Run tests/browser/view_check.py on `spec`; its summary.
#[track_caller]
fn browse(env: &TestEnv, spec: &Value) -> Value {
    let spec_path = env.path("spec.json");
    write(&spec_path, serde_json::to_vec_pretty(spec).expect("json"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/view_check.py");
    let output = std::process::Command::new("python3")
        .arg(&script)
        .arg(&spec_path)
        .env("HOME", env.path("home"))
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "view_check.py failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "screenshots: {}; {stdout}",
        spec["out"].as_str().unwrap_or("")
    );
    serde_json::from_str(stdout.trim()).expect("a JSON summary")
}

/// The node ids of `impact REF`'s records, as the graph names them.
fn impact_records(env: &TestEnv, repo: &Path, reference: &str) -> Vec<String> {
    let impact = env
        .lineage(repo, &["impact", reference, "--format", "json"])
        .success()
        .json();
    let mut ids: Vec<String> = impact["records"]
        .as_object()
        .expect("records by kind")
        .values()
        .flat_map(|list| list.as_array().expect("list").iter())
        .map(|r| format!("record:{}", r["id"].as_str().expect("id")))
        .collect();
    ids.sort();
    ids
}

#[test]
fn in_a_browser_the_demo_page_answers_clicks_search_filters_and_links() {
    if !browser_available() {
        return;
    }
    let env = TestEnv::new();
    let (repo, report) = demo_repo(&env, "demo");
    let xss = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "process",
                "--name",
                XSS_NAME,
                "--input",
                "data/raw/customers.csv",
            ],
        )
        .success()
        .stdout
        .trim()
        .to_string();
    let page = env.path("demo.html");
    let html = view(&env, &repo, &page, &[]);
    let data = page_data(&html);
    let production = env
        .lineage(
            &repo,
            &["show", "model:fraud-model@production", "--format", "json"],
        )
        .success()
        .json();
    let train_id = production["id"].as_str().expect("id").to_string();
    let raw = data["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["artifact"]["paths"][0] == "data/raw/claims.csv")
        .expect("the raw claims data")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let evaluate = demo_step_id(&report, "evaluate");
    browse(
        &env,
        &json!({
            "page": page,
            "out": screenshots("demo"),
            "nodes": data["nodes"].as_array().map(Vec::len),
            "edges": data["edges"].as_array().map(Vec::len),
            "click": {
                "id": format!("record:{train_id}"),
                "expect_text": ["learning_rate", "0.1", "epochs", "40", "train_auc", "train_logloss",
                                "production", "data/train.csv", "git lineage show"]
            },
            "highlight": { "id": raw, "expect_ids": impact_records(&env, &repo, "data/raw/claims.csv") },
            "search": { "query": &evaluate[..8], "expect_id": format!("record:{evaluate}") },
            "filter": "commit",
            "inert": { "id": format!("record:{xss}"), "name": XSS_NAME },
            "permalink": format!("record:{evaluate}"),
        }),
    );
    // The graph of one REF draws exactly what `graph --format json` lists.
    let page = env.path("claims.html");
    view(&env, &repo, &page, &["data/raw/claims.csv"]);
    let graph = graph_json(&env, &repo, &["data/raw/claims.csv"]);
    browse(
        &env,
        &json!({
            "page": page,
            "out": screenshots("demo-claims"),
            "nodes": graph.nodes.len(),
            "edges": graph.edges.len(),
        }),
    );
}

/// One generated step: kind, inputs and outputs as (role, path, hash),
/// and extra YAML (params, metrics).
type Step<'a> = (
    &'static str,
    Vec<(&'static str, &'static str, &'a String)>,
    Vec<(&'static str, &'static str, &'a String)>,
    String,
);

/// A repository of `pipelines` × 4 records (ingest → process → train →
/// evaluate over 20 shared raw sources), written as record files and
/// committed at once: 2,000 records in a second.
fn generated_repo(env: &TestEnv, pipelines: usize) -> PathBuf {
    let repo = env.repo("generated");
    let hash = |text: String| format!("blake3:{}", b3(text.as_bytes()));
    for p in 0..pipelines {
        let raw = hash(format!("raw-{}", p % 20));
        let data = hash(format!("data-{p}"));
        let features = hash(format!("features-{p}"));
        let model = hash(format!("model-{p}"));
        let report = hash(format!("report-{p}"));
        let steps: [Step; 4] = [
            (
                "ingest",
                vec![("dataset", "raw/source.csv", &raw)],
                vec![("dataset", "data/clean.csv", &data)],
                String::new(),
            ),
            (
                "process",
                vec![("dataset", "data/clean.csv", &data)],
                vec![("features", "features/f.csv", &features)],
                String::new(),
            ),
            (
                "train",
                vec![("features", "features/f.csv", &features)],
                vec![("model", "model/model.bin", &model)],
                format!(
                    "params:\n  learning_rate: 0.{}\n  epochs: {}\nmetrics:\n  auc: 0.{}\n",
                    p % 9 + 1,
                    p % 50 + 1,
                    7000 + p
                ),
            ),
            (
                "evaluate",
                vec![
                    ("model", "model/model.bin", &model),
                    ("features", "features/f.csv", &features),
                ],
                vec![("report", "reports/eval.json", &report)],
                String::new(),
            ),
        ];
        for (s, (kind, inputs, outputs, extra)) in steps.iter().enumerate() {
            let i = p * 4 + s;
            let list = |items: &[(&str, &str, &String)]| {
                items
                    .iter()
                    .map(|(role, path, hash)| {
                        format!("  - path: {path}\n    role: {role}\n    hash: \"{hash}\"\n    size: {}\n", 1000 + i)
                    })
                    .collect::<String>()
            };
            let text = format!(
                "schema: git-lineage/v1\nkind: {kind}\nname: step-{p:04}-{kind}\nrecorded: \"2026-01-{:02}T{:02}:{:02}:{:02}.000000Z\"\n\
                 agent:\n  name: Jane Doe\n  email: jane@example.com\ncode:\n  branch: main\n  dirty: false\n{extra}environment:\n  os: linux\n  arch: x86_64\n  tool: \"git-lineage 0.1.0\"\n\
                 inputs:\n{}outputs:\n{}",
                1 + i / 86400,
                (i / 3600) % 24,
                (i / 60) % 60,
                i % 60,
                list(inputs),
                list(outputs),
            );
            store_raw_record(&repo, text.as_bytes());
        }
    }
    env.git(&repo, &["add", ".lineage"]);
    env.git(&repo, &["commit", "-q", "-m", "2,000 generated records"]);
    repo
}

#[test]
fn in_a_browser_a_two_thousand_record_page_loads_and_answers() {
    if !browser_available() {
        return;
    }
    let env = TestEnv::new();
    let repo = generated_repo(&env, 500);
    let page = env.path("generated.html");
    let html = view(&env, &repo, &page, &[]);
    let data = page_data(&html);
    let nodes = data["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.iter().filter(|n| n["type"] == "record").count(), 2000);
    assert_eq!(
        data["neighbourhood"], true,
        "a large page opens on a neighbourhood"
    );
    // The newest pipeline is what the page opens on: click its training record.
    let train = nodes
        .iter()
        .find(|n| n["record"]["name"] == "step-0499-train")
        .expect("the newest training record");
    // Above 500 records each record is its summary: params and metrics, no
    // command or environment (no blob is read).
    assert_eq!(train["abridged"], true);
    assert_eq!(train["manifest"]["metrics"]["auc"], json!(0.7499));
    assert!(train["manifest"].get("environment").is_none());
    let train_id = train["id"].as_str().expect("id").to_string();
    let evaluate = nodes
        .iter()
        .find(|n| n["record"]["name"] == "step-0123-evaluate")
        .expect("an older evaluation")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let hex = evaluate.trim_start_matches("record:");
    let raw = nodes
        .iter()
        .find(|n| n["artifact"]["paths"][0] == "raw/source.csv")
        .expect("a raw source");
    let raw_hash = raw["id"].as_str().expect("id").to_string();
    let summary = browse(
        &env,
        &json!({
            "page": page,
            "out": screenshots("generated-2000"),
            "nodes": nodes.len(),
            "edges": data["edges"].as_array().map(Vec::len),
            "click": { "id": train_id, "expect_text": ["learning_rate", "epochs", "auc", "0.7499"] },
            "search": { "query": &hex[..10], "expect_id": evaluate },
            "permalink": raw_hash,
        }),
    );
    let paint = summary["first_contentful_paint_ms"]
        .as_f64()
        .unwrap_or(f64::MAX);
    assert!(paint < 5000.0, "first paint took {paint} ms");
}
