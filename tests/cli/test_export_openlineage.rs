//! `export --format openlineage`: every line a RunEvent valid against the
//! official OpenLineage 2-0-2 schemas (checked with Python's `jsonschema`),
//! run ids derived from record ids (UUIDv8) and stable across runs and
//! clones, datasets matching each record, FAIL for failed runs, `parent`
//! for references, byte-identical output.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{TestEnv, demo_pipeline_repo, load_record, log_json, require_tool, write};

/// Validates a JSON Lines file of events: argv[1] the schema directory,
/// argv[2] the events. Each event against OpenLineage.json (its RunEvent
/// and the whole document), each standard facet against its own schema
/// (a standard facet without a vendored schema is a problem), each custom facet for `_producer` and `_schemaURL`.
const VALIDATOR: &str = r##"
import json, pathlib, sys
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

schemas = pathlib.Path(sys.argv[1])
registry = Registry()
ids = {}
for path in sorted(schemas.glob("*.json")):
    doc = json.loads(path.read_text())
    registry = registry.with_resource(doc["$id"], Resource.from_contents(doc))
    ids[path.stem] = doc["$id"]

def validator(ref):
    return Draft202012Validator({"$ref": ref}, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)

core = ids["OpenLineage"]
run_event = validator(core + "#/$defs/RunEvent")
document = validator(core)
standard = {
    "sourceCodeLocation": "SourceCodeLocationJobFacet",
    "jobType": "JobTypeJobFacet",
    "parent": "ParentRunFacet",
    "errorMessage": "ErrorMessageRunFacet",
    "documentation": "DocumentationJobFacet",
    "dataQualityMetrics": "DataQualityMetricsInputDatasetFacet",
}
custom = {"gitLineage", "gitLineageContent"}
problems = []

def check(where, value, v):
    for error in v.iter_errors(value):
        problems.append(f"{where}: {error.message[:300]} at {list(error.absolute_path)}")

def facets(where, mapping):
    for name, facet in (mapping or {}).items():
        here = f"{where}.{name}"
        if name in standard and standard[name] not in ids:
            problems.append(f"{here}: no vendored schema {standard[name]}.json")
        elif name in standard:
            stem = standard[name]
            check(here, facet, validator(ids[stem] + "#/$defs/" + stem))
            if not facet.get("_schemaURL", "").startswith(ids[stem] + "#"):
                problems.append(f"{here}: _schemaURL {facet.get('_schemaURL')!r} is not {ids[stem]}")
        elif name not in custom and name not in standard:
            problems.append(f"{here}: unexpected facet")
        for key in ("_producer", "_schemaURL"):
            if not isinstance(facet.get(key), str) or "://" not in facet[key]:
                problems.append(f"{here}: no {key} URI")

count = 0
for number, line in enumerate(open(sys.argv[2]), 1):
    event = json.loads(line)
    count += 1
    check(f"line {number}", event, run_event)
    check(f"line {number} (document)", event, document)
    facets(f"line {number} run", event["run"].get("facets"))
    facets(f"line {number} job", event["job"].get("facets"))
    for side in ("inputs", "outputs"):
        for i, dataset in enumerate(event.get(side, [])):
            facets(f"line {number} {side}[{i}]", dataset.get("facets"))
            facets(f"line {number} {side}[{i}] inputFacets", dataset.get("inputFacets"))

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"{count} events valid")
"##;

/// Whether python3 with `jsonschema` and `referencing` can run here
/// ([`require_tool`]: a skip on a developer's machine, a failure in CI).
fn jsonschema_available(env: &TestEnv) -> bool {
    require_tool(
        "jsonschema",
        "validates the events against the OpenLineage schemas; pip install jsonschema",
        env.command("python3", env.root())
            .args(["-c", "import jsonschema, referencing"]),
    )
}

/// The official schemas, vendored in `fixtures/schemas/openlineage/`.
fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schemas/openlineage")
}

/// Validate `jsonl` with [`VALIDATOR`]; panics with every problem found.
#[track_caller]
fn validate(env: &TestEnv, jsonl: &str) {
    if !jsonschema_available(env) {
        return;
    }
    let dir = env.path("validator");
    write(&dir.join("validate.py"), VALIDATOR);
    write(&dir.join("events.jsonl"), jsonl);
    let out = env
        .command("python3", env.root())
        .arg(dir.join("validate.py"))
        .arg(schema_dir())
        .arg(dir.join("events.jsonl"))
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "events are not valid OpenLineage:\n{}{}\n--- events ---\n{jsonl}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `export --format openlineage ARGS` in `repo`: the raw text and its events.
fn export(env: &TestEnv, repo: &Path, args: &[&str]) -> (String, Vec<Value>) {
    let mut all = vec!["export", "--format", "openlineage"];
    all.extend_from_slice(args);
    let run = env.lineage(repo, &all).success();
    let events = run
        .stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
        })
        .collect();
    (run.stdout, events)
}

/// The record id an event carries in its `gitLineage` facet.
fn record_id(event: &Value) -> &str {
    event["run"]["facets"]["gitLineage"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no gitLineage.id in {event}"))
}

/// The UUIDv8 of a record id, derived independently of the crate.
fn uuid_of(id: &str) -> String {
    let mut bytes: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// True for a canonical lowercase UUID of version 8 with the RFC 4122 variant.
fn is_uuid_v8(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| {
            g.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        && groups[2].starts_with('8')
        && groups[3].starts_with(['8', '9', 'a', 'b'])
}

/// The expected `(namespace, name)` of a record's artifact.
fn expected_dataset(artifact: &Value, namespace: &str) -> (String, String) {
    if let Some(path) = artifact["path"].as_str() {
        return (namespace.to_string(), path.to_string());
    }
    let uri = artifact["uri"].as_str().expect("path or uri");
    let (scheme, rest) = uri.split_once("://").expect("scheme://");
    let (authority, name) = match rest.split_once('/') {
        Some((authority, name)) => (authority, name),
        None => (rest, ""),
    };
    let name = if name.is_empty() { "/" } else { name };
    (format!("{scheme}://{authority}"), name.to_string())
}

#[test]
fn demo_events_are_valid_openlineage_in_history_order() {
    let env = TestEnv::new();
    let repo = demo_pipeline_repo(&env, "demo").0;
    let (text, events) = export(&env, &repo, &[]);
    validate(&env, &text);

    let mut ids = log_json(&env, &repo, &["log"]).ids();
    ids.reverse();
    assert_eq!(events.iter().map(record_id).collect::<Vec<_>>(), ids);
    assert_eq!(ids.len(), 4);
    for line in text.lines() {
        let event: Value = serde_json::from_str(line).expect("json");
        // Compact, one object per line, keys sorted.
        assert_eq!(serde_json::to_string(&event).expect("json"), line);
        assert_eq!(event["eventType"], "COMPLETE");
        assert_eq!(
            event["schemaURL"],
            "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
        );
        let producer = event["producer"].as_str().expect("producer");
        assert!(
            producer.starts_with("https://github.com/git-lineage/git-lineage/tree/v"),
            "{producer}"
        );
        let record = load_record(&repo, record_id(&event));
        assert_eq!(
            event["eventTime"], record["ended"],
            "eventTime is when the step ended"
        );
        assert_eq!(
            event["job"]["name"],
            format!(
                "{}/{}",
                record["kind"].as_str().expect("kind"),
                record["name"].as_str().expect("name")
            )
        );
        let location = &event["job"]["facets"]["sourceCodeLocation"];
        assert_eq!(location["type"], "git");
        assert_eq!(location["version"], record["code"]["commit"]);
        let custom = &event["run"]["facets"]["gitLineage"];
        assert_eq!(custom["kind"], record["kind"]);
        assert_eq!(custom["name"], record["name"]);
        for field in ["params", "metrics"] {
            let expected = match &record[field] {
                Value::Null => serde_json::json!({}),
                value => value.clone(),
            };
            assert_eq!(custom[field], expected, "{field}");
        }
        assert_eq!(custom["seed"], record["seed"]);
    }
    let train = events
        .iter()
        .find(|e| e["run"]["facets"]["gitLineage"]["kind"] == "train")
        .expect("train event");
    assert_eq!(train["run"]["facets"]["gitLineage"]["seed"], 42);
}

#[test]
fn run_ids_are_uuid_v8_of_the_record_id_and_stable_across_runs_and_clones() {
    let env = TestEnv::new();
    let repo = demo_pipeline_repo(&env, "demo").0;
    let namespace = ["--namespace", "https://github.com/acme/fraud"];
    let (first, events) = export(&env, &repo, &namespace);
    let (second, _) = export(&env, &repo, &namespace);
    assert_eq!(first, second, "the same history exports the same bytes");
    for event in &events {
        let run_id = event["run"]["runId"].as_str().expect("runId");
        assert!(is_uuid_v8(run_id), "{run_id} is not a UUIDv8");
        assert_eq!(run_id, uuid_of(record_id(event)));
        assert_eq!(event["job"]["namespace"], namespace[1]);
    }

    let clone = env.path("clone");
    env.git(
        env.root(),
        &[
            "clone",
            "-q",
            repo.to_str().expect("utf-8"),
            clone.to_str().expect("utf-8"),
        ],
    );
    let (cloned, _) = export(&env, &clone, &namespace);
    assert_eq!(cloned, first, "a fresh clone exports the same bytes");
    // Without --namespace the clone is named by its remote, run ids stay.
    let (_, by_remote) = export(&env, &clone, &[]);
    let run_ids = |events: &[Value]| -> Vec<Value> {
        events.iter().map(|e| e["run"]["runId"].clone()).collect()
    };
    assert_eq!(run_ids(&by_remote), run_ids(&events));
}

#[test]
fn datasets_are_exactly_the_records_inputs_and_outputs() {
    let env = TestEnv::new();
    let repo = demo_pipeline_repo(&env, "demo").0;
    let namespace = format!("file://{}", repo.display());
    let (_, events) = export(&env, &repo, &[]);
    let mut uris = 0;
    for event in &events {
        let record = load_record(&repo, record_id(event));
        for side in ["inputs", "outputs"] {
            let expected: Vec<(String, String)> = record[side]
                .as_array()
                .map(|a| a.iter().map(|x| expected_dataset(x, &namespace)).collect())
                .unwrap_or_default();
            let datasets = event[side].as_array().expect("datasets");
            let actual: Vec<(String, String)> = datasets
                .iter()
                .map(|d| {
                    (
                        d["namespace"].as_str().expect("namespace").to_string(),
                        d["name"].as_str().expect("name").to_string(),
                    )
                })
                .collect();
            assert_eq!(actual, expected, "{side} of {}", record_id(event));
            for (dataset, artifact) in datasets
                .iter()
                .zip(record[side].as_array().into_iter().flatten())
            {
                let content = &dataset["facets"]["gitLineageContent"];
                for field in ["hash", "size", "role", "version", "path", "uri"] {
                    assert_eq!(content[field], artifact[field], "{field}");
                }
                uris += usize::from(artifact["uri"].is_string());
            }
        }
    }
    assert!(uris > 0, "the demo has feature-group URIs");
}

#[test]
fn a_failed_run_is_a_fail_event_with_its_error() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let ok = env
        .lineage(
            &repo,
            &["run", "--kind", "train", "--name", "t", "--", "true"],
        )
        .success();
    let failed = env
        .lineage(
            &repo,
            &[
                "run",
                "--kind",
                "train",
                "--name",
                "t",
                "--record-failure",
                "--",
                "false",
            ],
        )
        .code(1);
    let (text, events) = export(&env, &repo, &[]);
    validate(&env, &text);
    assert_eq!(events.len(), 2);
    let by_id = |id: &str| {
        events
            .iter()
            .find(|e| record_id(e) == id)
            .unwrap_or_else(|| panic!("no event for {id}"))
    };
    let ok = by_id(ok.stdout.trim());
    assert_eq!(ok["eventType"], "COMPLETE");
    assert!(ok["run"]["facets"].get("errorMessage").is_none());
    let failed = by_id(failed.stdout.trim());
    assert_eq!(failed["eventType"], "FAIL");
    assert_eq!(
        failed["run"]["facets"]["gitLineage"]["exit"],
        serde_json::json!({"code": 1})
    );
    assert_eq!(
        failed["run"]["facets"]["errorMessage"]["message"],
        "false exited with code 1"
    );
}

#[test]
fn a_record_referencing_another_has_it_as_parent() {
    let env = TestEnv::new();
    let repo = demo_pipeline_repo(&env, "demo").0;
    let (_, events) = export(&env, &repo, &[]);
    let kind = |e: &&Value| e["run"]["facets"]["gitLineage"]["kind"].clone();
    let train = events.iter().find(|e| kind(e) == "train").expect("train");
    let evaluate = events
        .iter()
        .find(|e| kind(e) == "evaluate")
        .expect("evaluate");
    let parent = &evaluate["run"]["facets"]["parent"];
    assert_eq!(parent["run"]["runId"], train["run"]["runId"]);
    assert_eq!(
        parent["job"],
        serde_json::json!({
            "namespace": train["job"]["namespace"],
            "name": train["job"]["name"],
        })
    );
    for event in &events {
        if event != evaluate {
            assert!(event["run"]["facets"].get("parent").is_none(), "{event}");
        }
    }
}

#[test]
fn a_stored_profile_becomes_the_inputs_data_quality_metrics_facet() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("in.csv"), "x,c\n1,a\n2,\n4,a\n");
    write(&repo.join("out.csv"), "y\n1\n");
    env.lineage(
        &repo,
        &[
            "record",
            "--kind",
            "process",
            "--name",
            "prep",
            "-i",
            "in.csv",
            "-o",
            "out.csv",
            "--profile",
            "--commit",
        ],
    )
    .success();
    let (jsonl, events) = export(&env, &repo, &[]);
    validate(&env, &jsonl);
    let input = &events[0]["inputs"][0];
    let metrics = &input["inputFacets"]["dataQualityMetrics"];
    assert_eq!(
        metrics["_schemaURL"],
        "https://openlineage.io/spec/facets/1-0-2/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet"
    );
    assert_eq!(metrics["rowCount"], 3);
    assert_eq!(metrics["bytes"], 15);
    let x = &metrics["columnMetrics"]["x"];
    assert_eq!(x["nullCount"], 0);
    assert_eq!(x["distinctCount"], 3);
    assert_eq!(x["count"], 3);
    assert_eq!(x["sum"], 7.0);
    assert_eq!(x["min"], 1.0);
    assert_eq!(x["max"], 4.0);
    // np.quantile([1, 2, 4], 0.5) = 2; 0.25 = 1.5
    assert_eq!(x["quantiles"]["0.5"], 2.0);
    assert_eq!(x["quantiles"]["0.25"], 1.5);
    let c = &metrics["columnMetrics"]["c"];
    assert_eq!(c["nullCount"], 1);
    assert_eq!(c["distinctCount"], 1);
    assert_eq!(c["count"], 2);
    assert!(c.get("quantiles").is_none() && c.get("sum").is_none());
    // Outputs get no input facet; a record without profiles none at all.
    assert!(events[0]["outputs"][0].get("inputFacets").is_none());
}

#[test]
fn a_record_importing_another_repositorys_record_has_it_as_parent() {
    use crate::test_foreign_refs::{pair, train};
    let env = TestEnv::new();
    let pair = pair(&env);
    let trained = train(
        &env,
        &pair.model,
        "train.csv",
        "features:name:claims-features",
    );
    let id = trained["id"].as_str().expect("id");
    let (text, events) = export(&env, &pair.model, &[]);
    validate(&env, &text);
    let train = events
        .iter()
        .find(|e| record_id(e) == id)
        .expect("the training event");
    let facets = &train["run"]["facets"];
    assert_eq!(
        facets["gitLineage"]["imports"],
        serde_json::json!([{
            "repository": "features",
            "url": "../features.git",
            "record": pair.featurize,
            "commit": pair.featurize_commit,
        }])
    );
    // The imported record is the parent run, in the feature repository's
    // namespace (its declared URL), though it is not exported here.
    assert_eq!(
        facets["parent"]["run"]["runId"],
        uuid_of(&pair.featurize).as_str()
    );
    assert_eq!(
        facets["parent"]["job"],
        serde_json::json!({"namespace": "../features.git", "name": "process/claims-features"})
    );
    assert!(events.iter().all(|e| record_id(e) != pair.featurize));

    // Exported with the remote's history, the imported record's own event
    // is that parent: same run id, same job.
    let (text, events) = export(&env, &pair.model, &["--remotes"]);
    validate(&env, &text);
    let featurize = events
        .iter()
        .find(|e| record_id(e) == pair.featurize)
        .expect("the feature step's event");
    let train = events
        .iter()
        .find(|e| record_id(e) == id)
        .expect("the training event");
    let parent = &train["run"]["facets"]["parent"];
    assert_eq!(parent["run"]["runId"], featurize["run"]["runId"]);
    assert_eq!(
        parent["job"],
        serde_json::json!({
            "namespace": featurize["job"]["namespace"],
            "name": featurize["job"]["name"],
        })
    );

    // A clone that has not fetched the feature repository cannot name the
    // imported job: no parent, the import is still listed.
    let clone = env.path("model-clone");
    env.git(
        env.root(),
        &[
            "clone",
            "-q",
            "-b",
            "main",
            "model.git",
            clone.to_str().expect("utf-8"),
        ],
    );
    let (text, events) = export(&env, &clone, &[]);
    validate(&env, &text);
    let train = events
        .iter()
        .find(|e| record_id(e) == id)
        .expect("the training event");
    assert!(train["run"]["facets"].get("parent").is_none(), "{train}");
    assert_eq!(
        train["run"]["facets"]["gitLineage"]["imports"][0]["record"],
        pair.featurize.as_str()
    );
}
