//! `graph` and `impact` on a small committed pipeline: exact node ids and
//! edges up and down, depth and type filters, the DOT and Mermaid renderings,
//! every REF form, and the blast radius of a change.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{
    GraphOutput, PIPELINE_FEATURES, PIPELINE_MODEL, PIPELINE_RAW, PIPELINE_REPORT, Pipeline,
    TestEnv, b3, commit_all, graph_json, hint_line, lines, record_step, rev_parse, sorted, write,
};

const RAW: &[u8] = PIPELINE_RAW;
const FEATURES: &[u8] = PIPELINE_FEATURES;
const MODEL: &[u8] = PIPELINE_MODEL;
const REPORT: &[u8] = PIPELINE_REPORT;
const FEATURE_GROUP: &str = "featurestore://claims@v1";

fn hash_id(bytes: &[u8]) -> String {
    format!("blake3:{}", b3(bytes))
}

fn rec(id: &str) -> String {
    format!("record:{id}")
}

fn commit_node(sha: &str) -> String {
    format!("commit:{sha}")
}

fn edge(from: &str, to: &str, kind: &str) -> (String, String, String) {
    (from.to_string(), to.to_string(), kind.to_string())
}

/// The common pipeline ([`crate::common::pipeline`]); training also reads a
/// feature group and records `lr=0.1`, and the evaluation references the
/// training run and records `auc=0.93`.
fn pipeline(env: &TestEnv) -> Pipeline {
    crate::common::pipeline(
        env,
        &[
            "-i",
            &format!("feature-group={FEATURE_GROUP}"),
            "-p",
            "lr=0.1",
        ],
        &["--ref", "{train}", "-m", "auc=0.93"],
    )
}

/// `(id, distance, direction, type)` of every node, in output order.
fn placed(graph: &GraphOutput) -> Vec<(String, usize, String, String)> {
    graph
        .nodes
        .iter()
        .map(|n| {
            (
                n.id.clone(),
                n.distance,
                n.direction.clone(),
                n.node_type.clone(),
            )
        })
        .collect()
}

fn node(
    id: &str,
    distance: usize,
    direction: &str,
    node_type: &str,
) -> (String, usize, String, String) {
    (
        id.to_string(),
        distance,
        direction.to_string(),
        node_type.to_string(),
    )
}

/// Sort nodes of equal distance by id, as the output does.
fn in_output_order(
    mut nodes: Vec<(String, usize, String, String)>,
) -> Vec<(String, usize, String, String)> {
    nodes.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    nodes
}

#[test]
fn down_from_raw_data_reaches_every_step_and_output() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let graph = graph_json(&env, &p.repo, &["data/raw.csv", "--down"]);
    assert_eq!(graph.roots, [hash_id(RAW)]);
    assert_eq!(
        placed(&graph),
        in_output_order(vec![
            node(&hash_id(RAW), 0, "root", "artifact"),
            node(&rec(&p.process), 1, "down", "record"),
            node(&hash_id(FEATURES), 2, "down", "artifact"),
            node(&rec(&p.train), 3, "down", "record"),
            node(&hash_id(MODEL), 4, "down", "artifact"),
            // One hop from the training run through its reference.
            node(&rec(&p.evaluate), 4, "down", "record"),
            node(&hash_id(REPORT), 5, "down", "artifact"),
        ])
    );
    assert_eq!(
        graph.edge_triples(),
        sorted_edges(vec![
            edge(&hash_id(RAW), &rec(&p.process), "used-by"),
            edge(&rec(&p.process), &hash_id(FEATURES), "produced"),
            edge(&hash_id(FEATURES), &rec(&p.train), "used-by"),
            edge(&rec(&p.train), &hash_id(MODEL), "produced"),
            edge(&rec(&p.train), &rec(&p.evaluate), "references"),
            edge(&hash_id(MODEL), &rec(&p.evaluate), "used-by"),
            edge(&rec(&p.evaluate), &hash_id(REPORT), "produced"),
        ])
    );

    // What the nodes say about themselves.
    let raw = graph.node(&hash_id(RAW));
    assert_eq!(
        raw.label,
        format!("data/raw.csv (blake3:{})", &b3(RAW)[..12])
    );
    let artifact = raw.artifact.as_ref().expect("artifact details");
    assert_eq!(artifact["paths"], json!(["data/raw.csv"]));
    assert_eq!(artifact["roles"], json!(["dataset"]));
    assert_eq!(artifact["hash"], hash_id(RAW));
    assert_eq!(artifact["size"], RAW.len());
    let train = graph.node(&rec(&p.train));
    assert_eq!(
        train.label,
        format!("train fraud-model ({})", &p.train[..12])
    );
    let record = train.record.as_ref().expect("record details");
    assert_eq!(record["kind"], "train");
    assert_eq!(record["name"], "fraud-model");
    assert_eq!(record["commit"]["id"], p.train_commit.as_str());
    assert_eq!(
        record["author"],
        json!({"name": "Jane Doe", "email": "jane@example.com"})
    );
    assert_eq!(
        graph.node(&hash_id(MODEL)).artifact.as_ref().unwrap()["roles"],
        json!(["model"])
    );
}

fn sorted_edges(mut edges: Vec<(String, String, String)>) -> Vec<(String, String, String)> {
    edges.sort();
    edges
}

#[test]
fn up_from_the_model_reaches_data_feature_group_and_code() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let graph = graph_json(&env, &p.repo, &["model/model.bin", "--up"]);
    assert_eq!(graph.roots, [hash_id(MODEL)]);
    assert_eq!(
        placed(&graph),
        in_output_order(vec![
            node(&hash_id(MODEL), 0, "root", "artifact"),
            node(&rec(&p.train), 1, "up", "record"),
            node(&hash_id(FEATURES), 2, "up", "artifact"),
            node(FEATURE_GROUP, 2, "up", "artifact"),
            node(&commit_node(&p.process_commit), 2, "up", "commit"),
            node(&rec(&p.process), 3, "up", "record"),
            node(&hash_id(RAW), 4, "up", "artifact"),
            node(&commit_node(&p.data_commit), 4, "up", "commit"),
        ])
    );
    assert_eq!(
        graph.edge_triples(),
        sorted_edges(vec![
            edge(&rec(&p.train), &hash_id(MODEL), "produced"),
            edge(&hash_id(FEATURES), &rec(&p.train), "used-by"),
            edge(FEATURE_GROUP, &rec(&p.train), "used-by"),
            edge(&commit_node(&p.process_commit), &rec(&p.train), "code"),
            edge(&rec(&p.process), &hash_id(FEATURES), "produced"),
            edge(&hash_id(RAW), &rec(&p.process), "used-by"),
            edge(&commit_node(&p.data_commit), &rec(&p.process), "code"),
        ])
    );
    let group = graph.node(FEATURE_GROUP);
    let artifact = group.artifact.as_ref().expect("artifact details");
    assert_eq!(artifact["uris"], json!([FEATURE_GROUP]));
    assert_eq!(artifact["roles"], json!(["feature-group"]));
    assert_eq!(artifact.get("hash"), None, "an external URI has no hash");
    assert_eq!(group.label, FEATURE_GROUP);
    assert_eq!(
        graph.node(&commit_node(&p.data_commit)).label,
        format!("commit {}", &p.data_commit[..12])
    );
    // Nothing downstream of the model is upstream of it.
    assert!(!graph.node_ids().contains(&rec(&p.evaluate)));

    // Both ways is the union of the two walks.
    let both = graph_json(&env, &p.repo, &["model/model.bin"]);
    let down = graph_json(&env, &p.repo, &["model/model.bin", "--down"]);
    let mut union = graph.node_ids();
    union.extend(down.node_ids());
    union.sort();
    union.dedup();
    assert_eq!(both.node_ids(), union);
    assert_eq!(
        down.node_ids(),
        sorted([hash_id(MODEL), rec(&p.evaluate), hash_id(REPORT)])
    );
}

#[test]
fn depth_counts_hops() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let one = graph_json(&env, &p.repo, &["model/model.bin", "--up", "--depth", "1"]);
    assert_eq!(
        placed(&one),
        [
            node(&hash_id(MODEL), 0, "root", "artifact"),
            node(&rec(&p.train), 1, "up", "record"),
        ]
    );
    assert_eq!(
        one.edge_triples(),
        [edge(&rec(&p.train), &hash_id(MODEL), "produced")]
    );
    let two = graph_json(&env, &p.repo, &["model/model.bin", "--up", "--depth", "2"]);
    assert_eq!(
        two.node_ids(),
        sorted([
            hash_id(MODEL),
            rec(&p.train),
            hash_id(FEATURES),
            FEATURE_GROUP.to_string(),
            commit_node(&p.process_commit),
        ])
    );
    assert!(two.nodes.iter().all(|n| n.distance <= 2));
    assert_eq!(two.edges.len(), 4);
    let zero = graph_json(&env, &p.repo, &["model/model.bin", "--depth", "0"]);
    assert_eq!(zero.node_ids(), [hash_id(MODEL)]);
    assert!(zero.edges.is_empty());

    let run = env
        .lineage(&p.repo, &["graph", "model/model.bin", "--depth", "two"])
        .code(2);
    assert!(run.stderr.contains("--depth"), "{}", run.stderr);
}

#[test]
fn type_filters_show_only_matching_nodes_joined_by_via_edges() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let trains = graph_json(
        &env,
        &p.repo,
        &["data/raw.csv", "--down", "--type", "train"],
    );
    assert_eq!(trains.roots, [hash_id(RAW)]);
    assert_eq!(
        placed(&trains),
        [
            node(&hash_id(RAW), 0, "root", "artifact"),
            node(&rec(&p.train), 3, "down", "record"),
        ]
    );
    assert_eq!(
        trains.edge_triples(),
        [edge(&hash_id(RAW), &rec(&p.train), "via")]
    );

    // Two types: a direct edge between shown nodes stays what it is.
    let two = graph_json(
        &env,
        &p.repo,
        &[
            "data/raw.csv",
            "--down",
            "--type",
            "train",
            "--type",
            "evaluate",
        ],
    );
    assert_eq!(
        two.node_ids(),
        sorted([hash_id(RAW), rec(&p.train), rec(&p.evaluate)])
    );
    assert_eq!(
        two.edge_triples(),
        sorted_edges(vec![
            edge(&hash_id(RAW), &rec(&p.train), "via"),
            edge(&rec(&p.train), &rec(&p.evaluate), "references"),
        ])
    );

    // Roles select artifacts; `commit` selects commits.
    let models = graph_json(
        &env,
        &p.repo,
        &["data/raw.csv", "--down", "--type", "model"],
    );
    assert_eq!(models.node_ids(), sorted([hash_id(RAW), hash_id(MODEL)]));
    assert_eq!(
        models.edge_triples(),
        [edge(&hash_id(RAW), &hash_id(MODEL), "via")]
    );
    let commits = graph_json(
        &env,
        &p.repo,
        &["model/model.bin", "--up", "--type", "commit"],
    );
    assert_eq!(
        commits.node_ids(),
        sorted([
            hash_id(MODEL),
            commit_node(&p.process_commit),
            commit_node(&p.data_commit),
        ])
    );
    // Commits only point downstream, into records: nothing links them to
    // the model except through hidden records, and the model is the root.
    assert!(
        commits.edges.iter().all(|e| e.kind == "via"),
        "{:?}",
        commits.edges
    );
}

#[test]
fn dot_output_is_a_digraph_with_the_expected_nodes_and_edges() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let json = graph_json(&env, &p.repo, &["data/raw.csv", "--down"]);
    let run = env
        .lineage(
            &p.repo,
            &["graph", "data/raw.csv", "--down", "--format", "dot"],
        )
        .success();
    let text = &run.stdout;
    assert!(text.starts_with("digraph lineage {\n"), "{text}");
    assert!(text.ends_with("}\n"), "{text}");
    for n in &json.nodes {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("  \"{}\" [label=\"{}\"", n.id, n.label))),
            "no node line for {}:\n{text}",
            n.id
        );
    }
    assert!(
        text.contains(&format!(
            "  \"{}\" [label=\"process features ({})\", shape=box];",
            rec(&p.process),
            &p.process[..12]
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  \"{}\" [label=\"data/raw.csv (blake3:{})\", shape=ellipse, penwidth=2];",
            hash_id(RAW),
            &b3(RAW)[..12]
        )),
        "{text}"
    );
    let arrows: Vec<&str> = text.lines().filter(|l| l.contains(" -> ")).collect();
    assert_eq!(arrows.len(), 7, "{text}");
    for (from, to, kind) in [
        (hash_id(RAW), rec(&p.process), "used-by"),
        (rec(&p.process), hash_id(FEATURES), "produced"),
        (rec(&p.train), rec(&p.evaluate), "references"),
        (rec(&p.evaluate), hash_id(REPORT), "produced"),
    ] {
        let line = format!("  \"{from}\" -> \"{to}\" [label=\"{kind}\"];");
        assert!(arrows.contains(&line.as_str()), "missing {line}\n{text}");
    }

    // Filtered: via edges are dashed; the feature group is a note.
    let run = env
        .lineage(
            &p.repo,
            &[
                "graph",
                "data/raw.csv",
                "--down",
                "--type",
                "train",
                "--format",
                "dot",
            ],
        )
        .success();
    assert!(
        run.stdout.contains(&format!(
            "  \"{}\" -> \"{}\" [label=\"via\", style=dashed];",
            hash_id(RAW),
            rec(&p.train)
        )),
        "{}",
        run.stdout
    );
    let run = env
        .lineage(
            &p.repo,
            &["graph", "model/model.bin", "--up", "--format", "dot"],
        )
        .success();
    assert!(
        run.stdout.contains(&format!(
            "  \"{FEATURE_GROUP}\" [label=\"{FEATURE_GROUP}\", shape=note];"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "  \"{}\" -> \"{}\" [label=\"code\"];",
            commit_node(&p.process_commit),
            rec(&p.train)
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn mermaid_output_is_a_flowchart_with_safe_ids() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let json = graph_json(&env, &p.repo, &["model/model.bin", "--up"]);
    let run = env
        .lineage(
            &p.repo,
            &["graph", "model/model.bin", "--up", "--format", "mermaid"],
        )
        .success();
    let text = &run.stdout;
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "flowchart LR", "{text}");
    // Nodes are n0, n1, … in the JSON order, labelled, never by raw id.
    let n = |id: &str| -> String {
        let at = json
            .nodes
            .iter()
            .position(|node| node.id == id)
            .unwrap_or_else(|| panic!("{id} not in the graph"));
        format!("n{at}")
    };
    for (i, node) in json.nodes.iter().enumerate() {
        assert!(rows[1 + i].starts_with(&format!("  n{i}")), "{text}");
        assert!(
            rows[1 + i].contains(&format!("\"{}\"", node.label)),
            "{text}"
        );
    }
    assert!(
        rows[1].starts_with("  n0([\"model/model.bin (blake3:"),
        "the root, an artifact, is a stadium: {text}"
    );
    assert!(
        text.contains(&format!(
            "{}{{{{\"commit {}\"}}}}",
            n(&commit_node(&p.data_commit)),
            &p.data_commit[..12]
        )),
        "commits are hexagons: {text}"
    );
    let arrows: Vec<&str> = rows.iter().copied().filter(|l| l.contains("-->")).collect();
    assert_eq!(arrows.len(), 7, "{text}");
    for (from, to, kind) in [
        (rec(&p.train), hash_id(MODEL), "produced"),
        (hash_id(FEATURES), rec(&p.train), "used-by"),
        (FEATURE_GROUP.to_string(), rec(&p.train), "used-by"),
        (commit_node(&p.process_commit), rec(&p.train), "code"),
        (hash_id(RAW), rec(&p.process), "used-by"),
    ] {
        let line = format!("  {} -->|{kind}| {}", n(&from), n(&to));
        assert!(arrows.contains(&line.as_str()), "missing {line}\n{text}");
    }
    // Every arrow joins two safe ids.
    for arrow in &arrows {
        let parts: Vec<&str> = arrow.split_whitespace().collect();
        assert_eq!(parts.len(), 3, "{arrow}");
        for id in [parts[0], parts[2]] {
            assert!(
                id.starts_with('n') && id[1..].bytes().all(|b| b.is_ascii_digit()),
                "{arrow}"
            );
        }
    }
    assert!(text.ends_with("  class n0 root\n"), "{text}");

    let run = env
        .lineage(
            &p.repo,
            &[
                "graph",
                "data/raw.csv",
                "--down",
                "--type",
                "train",
                "--format",
                "mermaid",
            ],
        )
        .success();
    assert!(run.stdout.contains("  n0 -.->|via| n1\n"), "{}", run.stdout);
}

#[test]
fn the_table_has_one_line_per_node() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let run = env
        .lineage(
            &p.repo,
            &["graph", "model/model.bin", "--up", "--depth", "1"],
        )
        .success();
    let rows = lines(&run.stdout);
    assert_eq!(rows.len(), 3, "{}", run.stdout);
    assert!(rows[0].starts_with("HOPS"), "{}", run.stdout);
    assert!(rows[1].starts_with("root"), "{}", run.stdout);
    assert!(rows[1].contains("model/model.bin"), "{}", run.stdout);
    assert!(rows[2].starts_with("up 1"), "{}", run.stdout);
    for part in [
        &p.train[..12],
        "fraud-model",
        &p.train_commit[..12],
        "Jane Doe",
    ] {
        assert!(rows[2].contains(part), "{part}: {}", run.stdout);
    }
}

/// The roots of `graph REF --depth 0`.
#[track_caller]
fn roots(env: &TestEnv, repo: &Path, reference: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![reference, "--depth", "0"];
    args.extend_from_slice(extra);
    graph_json(env, repo, &args).roots
}

#[test]
fn every_ref_form_finds_its_start() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let repo = &p.repo;
    assert_eq!(
        roots(&env, repo, &hash_id(FEATURES), &[]),
        [hash_id(FEATURES)]
    );
    assert_eq!(
        roots(&env, repo, "data/features.csv", &[]),
        [hash_id(FEATURES)]
    );
    assert_eq!(roots(&env, repo, "name:fraud-model", &[]), [rec(&p.train)]);
    assert_eq!(roots(&env, repo, &p.train[..6], &[]), [rec(&p.train)]);
    assert_eq!(roots(&env, repo, &p.train, &[]), [rec(&p.train)]);
    assert_eq!(roots(&env, repo, FEATURE_GROUP, &[]), [FEATURE_GROUP]);
    assert_eq!(
        roots(&env, repo, "featurestore://claims", &[]),
        [FEATURE_GROUP],
        "a URI without a version matches every version"
    );
    // From a subdirectory, paths are relative to it.
    assert_eq!(
        graph_json(&env, &repo.join("data"), &["raw.csv", "--depth", "0"]).roots,
        [hash_id(RAW)]
    );

    // name: follows the latest record of the name.
    let name_down = graph_json(&env, repo, &["name:fraud-model", "--down"]);
    assert_eq!(
        name_down.node_ids(),
        sorted([
            rec(&p.train),
            hash_id(MODEL),
            rec(&p.evaluate),
            hash_id(REPORT),
        ])
    );

    for (reference, needle) in [
        ("blake3:0000", "blake3:0000"),
        (&*hash_id(b"never recorded"), "not in the lineage graph"),
        ("featurestore://claims@v9", "featurestore://claims@v9"),
        ("name:nope", "name:nope"),
        ("abc", "too short"),
        ("no/such/file.csv", "no/such/file.csv"),
    ] {
        let run = env.lineage(repo, &["graph", reference]).code(2);
        assert!(run.stderr.contains(needle), "{reference}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{reference}");
    }
    // A file no record lists.
    let run = env.lineage(repo, &["graph", "train.py"]).code(2);
    assert!(
        hint_line(&run.stderr).is_some_and(|h| h.contains("no record lists 'train.py'")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_changed_path_needs_path_at_rev() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let repo = &p.repo;
    // The committed raw data changes in the worktree.
    write(&repo.join("data/raw.csv"), b"id,amount\n1,9.99\n");
    let run = env.lineage(repo, &["graph", "data/raw.csv"]).code(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("data/raw.csv"), "{}", run.stderr);
    let hint = hint_line(&run.stderr).unwrap_or_else(|| panic!("no hint:\n{}", run.stderr));
    assert!(hint.contains("changed since it was recorded"), "{hint}");
    assert!(hint.contains("1 recorded version"), "{hint}");
    assert!(
        hint.contains(&hash_id(RAW)),
        "the hint names the recorded version: {hint}"
    );
    assert!(hint.contains("PATH@REV"), "{hint}");

    // The committed version, by any revision that has it.
    for rev in ["HEAD", "main", &p.data_commit[..10], "HEAD~3"] {
        let graph = graph_json(
            &env,
            repo,
            &[&format!("data/raw.csv@{rev}"), "--down", "--depth", "1"],
        );
        assert_eq!(graph.roots, [hash_id(RAW)], "{rev}");
        assert_eq!(
            graph.node_ids(),
            sorted([hash_id(RAW), rec(&p.process)]),
            "{rev}"
        );
    }
    // From a subdirectory, the path is relative to it.
    let graph = graph_json(&env, &repo.join("data"), &["raw.csv@HEAD", "--depth", "0"]);
    assert_eq!(graph.roots, [hash_id(RAW)]);
    // Before the data was committed, and at a revision that does not exist.
    let run = env.lineage(repo, &["graph", "data/raw.csv@HEAD~4"]).code(2);
    assert!(run.stderr.contains("data/raw.csv"), "{}", run.stderr);
    let run = env
        .lineage(repo, &["graph", "data/raw.csv@no-such-rev"])
        .code(2);
    assert!(run.stderr.contains("no-such-rev"), "{}", run.stderr);

    // A new version, once recorded, is found by the plain path again.
    let id = record_step(
        &env,
        repo,
        "process",
        "features",
        &["-i", "dataset=data/raw.csv"],
    );
    let graph = graph_json(&env, repo, &["data/raw.csv", "--down"]);
    assert_eq!(graph.roots, [hash_id(b"id,amount\n1,9.99\n")]);
    assert_eq!(
        graph.node_ids(),
        sorted([hash_id(b"id,amount\n1,9.99\n"), rec(&id)])
    );
}

#[test]
fn commit_refs_start_from_the_code_version() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let repo = &p.repo;
    assert_eq!(rev_parse(&env, repo, "HEAD"), p.evaluate_commit);

    // HEAD~3 is the data commit the process step ran from.
    let graph = graph_json(&env, repo, &["commit:HEAD~3", "--down", "--depth", "1"]);
    assert_eq!(graph.roots, [commit_node(&p.data_commit)]);
    assert_eq!(
        graph.node_ids(),
        sorted([commit_node(&p.data_commit), rec(&p.process)])
    );
    assert_eq!(
        graph.edge_triples(),
        [edge(&commit_node(&p.data_commit), &rec(&p.process), "code")]
    );
    let graph = graph_json(&env, repo, &["commit:HEAD~1", "--down", "--depth", "1"]);
    assert_eq!(graph.roots, [commit_node(&p.train_commit)]);
    assert_eq!(
        graph.node_ids(),
        sorted([commit_node(&p.train_commit), rec(&p.evaluate)])
    );
    // A hex prefix works too.
    assert_eq!(
        roots(
            &env,
            repo,
            &format!("commit:{}", &p.process_commit[..10]),
            &[]
        ),
        [commit_node(&p.process_commit)]
    );

    // With --descendants-of-commit: every later commit that contains it.
    let graph = graph_json(
        &env,
        repo,
        &[
            "commit:HEAD~3",
            "--descendants-of-commit",
            "--down",
            "--depth",
            "1",
        ],
    );
    assert_eq!(
        graph.roots,
        sorted([
            commit_node(&p.data_commit),
            commit_node(&p.process_commit),
            commit_node(&p.train_commit),
        ])
    );
    assert_eq!(
        graph.node_ids(),
        sorted([
            commit_node(&p.data_commit),
            commit_node(&p.process_commit),
            commit_node(&p.train_commit),
            rec(&p.process),
            rec(&p.train),
            rec(&p.evaluate),
        ])
    );

    // No record ran from HEAD: an error that suggests the flag.
    let run = env.lineage(repo, &["graph", "commit:HEAD"]).code(2);
    assert!(run.stderr.contains(&p.evaluate_commit), "{}", run.stderr);
    let hint = hint_line(&run.stderr).unwrap_or_else(|| panic!("no hint:\n{}", run.stderr));
    assert!(hint.contains("--descendants-of-commit"), "{hint}");
    env.lineage(repo, &["graph", "commit:HEAD", "--descendants-of-commit"])
        .code(2);
    let run = env.lineage(repo, &["graph", "commit:nope"]).code(2);
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
}

/// An affected record in an impact report: (id, commit, author name).
type Affected = (String, Value, String);

/// The `(kind, [affected record])` groups of an impact report.
fn impact_groups(report: &Value) -> Vec<(String, Vec<Affected>)> {
    report["records"]
        .as_object()
        .expect("records by kind")
        .iter()
        .map(|(kind, list)| {
            (
                kind.clone(),
                list.as_array()
                    .expect("a list")
                    .iter()
                    .map(|r| {
                        assert_eq!(&r["kind"], kind);
                        (
                            r["id"].as_str().unwrap().to_string(),
                            r["commit"]["id"].clone(),
                            r["author"]["name"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

fn impact_json(env: &TestEnv, repo: &Path, reference: &str) -> Value {
    env.lineage(repo, &["impact", reference, "--format", "json"])
        .success()
        .json()
}

#[test]
fn impact_groups_downstream_records_by_kind() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let repo = &p.repo;
    let jane = || "Jane Doe".to_string();
    let report = impact_json(&env, repo, "data/raw.csv");
    assert_eq!(
        impact_groups(&report),
        [
            (
                "evaluate".to_string(),
                vec![(p.evaluate.clone(), json!(p.evaluate_commit), jane())]
            ),
            (
                "process".to_string(),
                vec![(p.process.clone(), json!(p.process_commit), jane())]
            ),
            (
                "train".to_string(),
                vec![(p.train.clone(), json!(p.train_commit), jane())]
            ),
        ]
    );
    assert_eq!(
        report["records"]["train"][0]["author"],
        json!({"name": "Jane Doe", "email": "jane@example.com"})
    );
    assert_eq!(report["records"]["train"][0]["name"], "fraud-model");
    let artifacts: Vec<(&str, &str)> = report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["locator"].as_str().unwrap(), a["id"].as_str().unwrap()))
        .collect();
    let (features, model, report_id) = (hash_id(FEATURES), hash_id(MODEL), hash_id(REPORT));
    assert_eq!(
        artifacts,
        [
            ("data/features.csv", features.as_str()),
            ("model/model.bin", model.as_str()),
            ("reports/report.json", report_id.as_str()),
        ],
        "the start itself is not in its impact"
    );

    // From the training run: itself excluded, only the evaluation follows.
    let report = impact_json(&env, repo, "name:fraud-model");
    assert_eq!(
        impact_groups(&report),
        [(
            "evaluate".to_string(),
            vec![(p.evaluate.clone(), json!(p.evaluate_commit), jane())]
        )]
    );
    // From the feature group (an external input of the training run).
    let report = impact_json(&env, repo, FEATURE_GROUP);
    let kinds: Vec<&String> = report["records"].as_object().unwrap().keys().collect();
    assert_eq!(kinds, ["evaluate", "train"]);

    // An uncommitted downstream record: no commit, its agent as author.
    env.git(repo, &["config", "user.name", "Ada Lovelace"]);
    env.git(repo, &["config", "user.email", "ada@example.org"]);
    let deploy = record_step(
        &env,
        repo,
        "deploy",
        "fraud-endpoint",
        &["-i", "model=model/model.bin"],
    );
    let report = impact_json(&env, repo, "model/model.bin");
    let groups = impact_groups(&report);
    assert_eq!(
        groups,
        [
            (
                "deploy".to_string(),
                vec![(deploy.clone(), Value::Null, "Ada Lovelace".to_string())]
            ),
            (
                "evaluate".to_string(),
                vec![(p.evaluate.clone(), json!(p.evaluate_commit), jane())]
            ),
        ]
    );
}

#[test]
fn impact_text_lists_each_kind_and_output() {
    let env = TestEnv::new();
    let p = pipeline(&env);
    let run = env.lineage(&p.repo, &["impact", "data/raw.csv"]).code(0);
    let rows = lines(&run.stdout);
    assert_eq!(
        rows[0], "3 records and 3 outputs downstream of data/raw.csv",
        "{}",
        run.stdout
    );
    for (kind, id, commit) in [
        ("evaluate", &p.evaluate, &p.evaluate_commit),
        ("process", &p.process, &p.process_commit),
        ("train", &p.train, &p.train_commit),
    ] {
        let at = rows
            .iter()
            .position(|r| r == &format!("{kind} (1)"))
            .unwrap_or_else(|| panic!("no {kind} group:\n{}", run.stdout));
        let row = &rows[at + 1];
        assert!(row.starts_with(&format!("  {}", &id[..12])), "{row}");
        assert!(row.contains(&commit[..12]), "{row}");
        assert!(row.contains("Jane Doe"), "{row}");
    }
    assert!(rows.contains(&"outputs (3)".to_string()), "{}", run.stdout);
    assert!(
        rows.iter().any(|r| r.starts_with("  model/model.bin ")
            && r.contains(&hash_id(MODEL)[..19])
            && r.ends_with("  model")),
        "{}",
        run.stdout
    );

    let run = env
        .lineage(&p.repo, &["impact", "reports/report.json"])
        .code(0);
    assert_eq!(run.stdout, "nothing downstream of reports/report.json\n");
    env.lineage(&p.repo, &["impact", "blake3:0123"]).code(2);
}

#[test]
fn a_directory_at_a_revision_hashes_like_the_recorded_directory() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let files: [(&str, &[u8]); 3] = [
        ("a.csv", b"a\n1\n"),
        ("sub/b.csv", b"b\n22\n"),
        ("z.bin", &[0, 1, 2]),
    ];
    for (path, bytes) in files {
        write(&repo.join("ds").join(path), bytes);
    }
    // Skipped by the default ignore globs, in the worktree and in git alike.
    write(&repo.join("ds/__pycache__/m.cpython-312.pyc"), b"cache");
    write(&repo.join("ds/.DS_Store"), b"finder");
    let status = env
        .command("chmod", &repo)
        .args(["+x", "ds/z.bin"])
        .status()
        .unwrap();
    assert!(status.success());
    commit_all(&env, &repo, "add the dataset");
    assert!(
        env.git(&repo, &["ls-files", "ds"])
            .contains("m.cpython-312.pyc"),
        "the ignored file is committed"
    );
    let id = record_step(&env, &repo, "process", "features", &["-i", "dataset=ds"]);
    // The documented listing rule, computed here.
    let listing: String = files
        .iter()
        .map(|(path, bytes)| format!("{} {} {path}\n", b3(bytes), bytes.len()))
        .collect();
    let dir_id = hash_id(listing.as_bytes());
    assert_eq!(roots(&env, &repo, "ds", &[]), [dir_id.as_str()]);

    write(&repo.join("ds/sub/b.csv"), b"b\n33\n");
    let run = env.lineage(&repo, &["graph", "ds"]).code(2);
    let hint = hint_line(&run.stderr).unwrap_or_else(|| panic!("no hint:\n{}", run.stderr));
    assert!(hint.contains(&dir_id), "{hint}");
    for reference in ["ds@HEAD", "ds/@HEAD"] {
        let graph = graph_json(&env, &repo, &[reference, "--down"]);
        assert_eq!(graph.roots, [dir_id.as_str()], "{reference}");
        assert_eq!(
            graph.node_ids(),
            sorted([dir_id.clone(), rec(&id)]),
            "{reference}"
        );
    }
}
