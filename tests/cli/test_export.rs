//! `git lineage export`: which records a selection exports, the graph
//! formats (DOT, Mermaid, JSON), `-o FILE`, and byte-identical output.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{TestEnv, demo_pipeline_repo, demo_step_id};

/// The record node ids of an exported graph.
fn records(graph: &Value) -> BTreeSet<String> {
    graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["type"] == "record")
        .filter_map(|n| n["id"].as_str())
        .map(str::to_string)
        .collect()
}

#[test]
fn without_refs_every_record_is_exported_with_its_artifacts() {
    let env = TestEnv::new();
    let (dir, report) = demo_pipeline_repo(&env, "demo");
    let graph = env
        .lineage(&dir, &["export", "--format", "json"])
        .success()
        .json();
    let expected: BTreeSet<String> = ["process", "query", "train", "evaluate"]
        .iter()
        .map(|k| format!("record:{}", demo_step_id(&report, k)))
        .collect();
    assert_eq!(records(&graph), expected);
    let ids: Vec<&str> = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert!(
        ids.iter()
            .any(|id| id.starts_with("featurestore://claims@")),
        "{ids:?}"
    );
    assert!(ids.iter().any(|id| id.starts_with("commit:")), "{ids:?}");
    let edges = graph["edges"].as_array().expect("edges");
    let train = format!("record:{}", demo_step_id(&report, "train"));
    assert!(
        edges
            .iter()
            .any(|e| e["from"] == train.as_str() && e["kind"] == "produced"),
        "the training run produced the model"
    );
}

#[test]
fn a_ref_selects_itself_and_everything_upstream() {
    let env = TestEnv::new();
    let (dir, report) = demo_pipeline_repo(&env, "demo");
    let graph = env
        .lineage(&dir, &["export", "--format", "json", "model/model.json"])
        .success()
        .json();
    let expected: BTreeSet<String> = ["process", "query", "train"]
        .iter()
        .map(|k| format!("record:{}", demo_step_id(&report, k)))
        .collect();
    assert_eq!(records(&graph), expected, "the evaluation is downstream");
    let by_name = env
        .lineage(
            &dir,
            &["export", "--format", "json", "name:fraud-training-set"],
        )
        .success()
        .json();
    let expected: BTreeSet<String> = ["process", "query"]
        .iter()
        .map(|k| format!("record:{}", demo_step_id(&report, k)))
        .collect();
    assert_eq!(records(&by_name), expected);
    let bad = env.lineage(&dir, &["export", "--format", "json", "name:nothing"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("name:nothing"), "{}", bad.stderr);
}

#[test]
fn dot_and_mermaid_render_the_same_selection() {
    let env = TestEnv::new();
    let (dir, report) = demo_pipeline_repo(&env, "demo");
    let train = demo_step_id(&report, "train");
    let dot = env
        .lineage(&dir, &["export", "--format", "dot"])
        .success()
        .stdout;
    assert!(dot.starts_with("digraph lineage {"), "{dot}");
    assert!(dot.contains(&format!("\"record:{train}\"")), "{dot}");
    assert!(dot.contains("->"), "{dot}");
    let mermaid = env
        .lineage(&dir, &["export", "--format", "mermaid"])
        .success()
        .stdout;
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(
        mermaid.contains(&format!("train fraud-model ({})", &train[..12])),
        "{mermaid}"
    );
    assert!(mermaid.contains("-->|produced|"), "{mermaid}");
}

#[test]
fn output_is_byte_identical_and_can_go_to_a_file() {
    let env = TestEnv::new();
    let (dir, _) = demo_pipeline_repo(&env, "demo");
    for format in ["json", "dot", "mermaid"] {
        let first = env.lineage(&dir, &["export", "--format", format]).success();
        let second = env.lineage(&dir, &["export", "--format", format]).success();
        assert_eq!(first.stdout, second.stdout, "{format} is deterministic");
        let file = env.path(&format!("export.{format}"));
        let file_text = file.to_str().expect("utf-8").to_string();
        let run = env
            .lineage(&dir, &["export", "--format", format, "-o", &file_text])
            .success();
        assert_eq!(run.stdout, "", "nothing on stdout with -o");
        assert_eq!(
            std::fs::read_to_string(&file).expect("the export file"),
            first.stdout
        );
    }
    let run = env.lineage(&dir, &["export", "--format", "nonsense"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
