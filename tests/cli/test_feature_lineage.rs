//! Feature lineage on the demo repository: the four everyday questions about
//! data sources, feature groups and models, each answered by one `graph`
//! command, with exact node ids computed here from the demo's files.

use std::path::Path;

use crate::common::{GraphOutput, TestEnv, b3, demo_repo, graph_json, sorted};

/// `blake3:<hex>` of a file of the demo.
fn file_id(dir: &Path, rel: &str) -> String {
    let bytes = std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    format!("blake3:{}", b3(&bytes))
}

/// The node id of a feature group: the demo versions each group by the
/// first 12 hex digits of its offline-store file's hash.
fn group_id(dir: &Path, group: &str) -> String {
    let bytes = std::fs::read(dir.join(format!("features/{group}.csv"))).unwrap();
    format!("featurestore://{group}@{}", &b3(&bytes)[..12])
}

/// The shown nodes other than the roots, sorted.
fn answers(graph: &GraphOutput) -> Vec<String> {
    sorted(
        graph
            .nodes
            .iter()
            .filter(|n| n.direction != "root")
            .map(|n| n.id.clone()),
    )
}

/// Every edge goes from a root to an answer through hidden steps.
#[track_caller]
fn assert_via_edges(graph: &GraphOutput, upstream_roots: bool) {
    let expected: Vec<(String, String, String)> = {
        let mut edges = Vec::new();
        for root in &graph.roots {
            for answer in answers(graph) {
                let (from, to) = if upstream_roots {
                    (answer, root.clone())
                } else {
                    (root.clone(), answer)
                };
                edges.push((from, to, "via".to_string()));
            }
        }
        edges.sort();
        edges
    };
    assert_eq!(graph.edge_triples(), expected, "{graph:#?}");
}

#[test]
fn feature_groups_built_from_a_data_source() {
    let env = TestEnv::new();
    let dir = demo_repo(&env, "demo").0;
    let graph = graph_json(
        &env,
        &dir,
        &["data/raw/claims.csv", "--down", "--type", "feature-group"],
    );
    assert_eq!(graph.roots, [file_id(&dir, "data/raw/claims.csv")]);
    // The preprocessing step reads claims (and customers) and publishes
    // both groups.
    assert_eq!(
        answers(&graph),
        sorted([group_id(&dir, "claims"), group_id(&dir, "customers")])
    );
    for answer in answers(&graph) {
        let node = graph.node(&answer);
        assert_eq!(node.node_type, "artifact");
        assert_eq!(node.direction, "down");
        assert_eq!(node.distance, 2, "raw data → process → group");
        let artifact = node.artifact.as_ref().unwrap();
        assert_eq!(artifact["roles"], serde_json::json!(["feature-group"]));
        assert_eq!(artifact["uris"], serde_json::json!([answer]));
    }
    assert_via_edges(&graph, false);
}

#[test]
fn data_sources_behind_a_feature_group() {
    let env = TestEnv::new();
    let dir = demo_repo(&env, "demo").0;
    let graph = graph_json(
        &env,
        &dir,
        &["featurestore://claims", "--up", "--type", "dataset"],
    );
    assert_eq!(graph.roots, [group_id(&dir, "claims")]);
    assert_eq!(
        answers(&graph),
        sorted([
            file_id(&dir, "data/raw/claims.csv"),
            file_id(&dir, "data/raw/customers.csv"),
        ])
    );
    let locators: Vec<serde_json::Value> = graph
        .nodes
        .iter()
        .filter(|n| n.direction == "up")
        .map(|n| n.artifact.as_ref().unwrap()["paths"].clone())
        .collect();
    assert!(locators.contains(&serde_json::json!(["data/raw/claims.csv"])));
    assert!(locators.contains(&serde_json::json!(["data/raw/customers.csv"])));
    assert_via_edges(&graph, true);

    // The versioned REF names the same group.
    let versioned = graph_json(
        &env,
        &dir,
        &[&group_id(&dir, "claims"), "--up", "--type", "dataset"],
    );
    assert_eq!(versioned, graph);
}

#[test]
fn models_that_use_a_feature_group() {
    let env = TestEnv::new();
    let dir = demo_repo(&env, "demo").0;
    let graph = graph_json(
        &env,
        &dir,
        &["featurestore://claims", "--down", "--type", "model"],
    );
    assert_eq!(graph.roots, [group_id(&dir, "claims")]);
    // The model and its retrained second version (the demo registers both).
    let model = file_id(&dir, "model/model.json");
    let model_v2 = file_id(&dir, "model/model-v2.json");
    let mut expected = vec![model.clone(), model_v2];
    expected.sort();
    assert_eq!(answers(&graph), expected);
    let node = graph.node(&model);
    assert_eq!(
        node.artifact.as_ref().unwrap()["paths"],
        serde_json::json!(["model/model.json"])
    );
    // group → query → train.csv → train → model.
    assert_eq!(node.distance, 4);
    assert_via_edges(&graph, false);

    // The same question by record kind: the training run.
    let trains = graph_json(
        &env,
        &dir,
        &["featurestore://claims", "--down", "--type", "train"],
    );
    let ids: Vec<&str> = trains
        .nodes
        .iter()
        .filter(|n| n.direction != "root")
        .map(|n| n.record.as_ref().unwrap()["name"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["fraud-model", "fraud-model"]);
}

#[test]
fn feature_groups_a_model_depends_on() {
    let env = TestEnv::new();
    let dir = demo_repo(&env, "demo").0;
    let graph = graph_json(
        &env,
        &dir,
        &["model/model.json", "--up", "--type", "feature-group"],
    );
    assert_eq!(graph.roots, [file_id(&dir, "model/model.json")]);
    assert_eq!(
        answers(&graph),
        sorted([group_id(&dir, "claims"), group_id(&dir, "customers")])
    );
    assert!(
        graph
            .nodes
            .iter()
            .filter(|n| n.direction != "root")
            .all(|n| n.direction == "up" && n.distance == 4),
        "{graph:#?}"
    );
    assert_via_edges(&graph, true);

    // The text answer names both groups and nothing else.
    let run = env
        .lineage(
            &dir,
            &[
                "graph",
                "model/model.json",
                "--up",
                "--type",
                "feature-group",
            ],
        )
        .success();
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(rows.len(), 4, "{}", run.stdout);
    assert!(rows[1].starts_with("root") && rows[1].contains("model/model.json"));
    for group in ["claims", "customers"] {
        let id = group_id(&dir, group);
        assert!(
            rows[2..]
                .iter()
                .any(|r| r.starts_with("up 4") && r.contains("feature-group") && r.contains(&id)),
            "{id}:\n{}",
            run.stdout
        );
    }
}
