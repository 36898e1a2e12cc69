//! `git lineage export --format prov` and `--format in-toto` on the demo
//! repository: the exact PROV relations, entities named by hash, in-toto
//! subjects whose sha256 matches an independent `sha256sum`, SLSA fields,
//! and byte-identical output across runs.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::common::{TestEnv, b3, demo_pipeline_repo, demo_step_id, write};

const STEPS: [&str; 4] = ["process", "query", "train", "evaluate"];

fn show(env: &TestEnv, dir: &Path, id: &str) -> Value {
    env.lineage(dir, &["show", id, "--format", "json"])
        .success()
        .json()["record"]
        .clone()
}

/// Percent-encoding of everything but ASCII letters, digits and `-._~`.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The PROV entity name the docs promise for an artifact.
fn entity(artifact: &Value) -> String {
    if let Some(hash) = artifact["hash"].as_str() {
        return format!("lineage:blake3/{}", hash.trim_start_matches("blake3:"));
    }
    let uri = artifact["uri"].as_str().expect("uri");
    match artifact["version"].as_str() {
        Some(v) => format!("lineage:uri/{}/{}", encode(uri), encode(v)),
        None => format!("lineage:uri/{}", encode(uri)),
    }
}

/// The `(a, b, c)` triples of a relation section, by attribute names.
fn triples(doc: &Value, section: &str, keys: [&str; 3]) -> BTreeSet<(String, String, String)> {
    doc[section]
        .as_object()
        .unwrap_or_else(|| panic!("no {section}"))
        .values()
        .map(|r| {
            let get = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (get(keys[0]), get(keys[1]), get(keys[2]))
        })
        .collect()
}

fn sha256sum(path: &Path) -> String {
    let output = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("run sha256sum");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string()
}

fn statements(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn prov_has_every_relation_of_the_demo() {
    let env = TestEnv::new();
    let (dir, report) = demo_pipeline_repo(&env, "demo");
    let run = env.lineage(&dir, &["export", "--format", "prov"]).success();
    let doc = run.json();
    assert_eq!(
        doc["prefix"]["lineage"],
        "https://github.com/git-lineage/git-lineage/blob/main/docs/export.md#"
    );
    let used = triples(&doc, "used", ["prov:activity", "prov:entity", "prov:role"]);
    let generated = triples(
        &doc,
        "wasGeneratedBy",
        ["prov:entity", "prov:activity", "prov:role"],
    );
    let associated = triples(
        &doc,
        "wasAssociatedWith",
        ["prov:activity", "prov:agent", ""],
    );
    let derived = triples(
        &doc,
        "wasDerivedFrom",
        ["prov:generatedEntity", "prov:usedEntity", "prov:activity"],
    );
    let (mut n_used, mut n_generated, mut n_derived) = (0, 0, 0);
    for kind in STEPS {
        let id = demo_step_id(&report, kind);
        let record = show(&env, &dir, &id);
        let activity = format!("lineage:record/{id}");
        let attrs = &doc["activity"][&activity];
        assert_eq!(attrs["prov:startTime"], record["started"], "{kind}");
        assert_eq!(attrs["prov:endTime"], record["ended"], "{kind}");
        assert_eq!(attrs["lineage:kind"], kind);
        let agent = format!(
            "lineage:agent/{}",
            encode(record["agent"]["email"].as_str().unwrap())
        );
        assert_eq!(doc["agent"][&agent]["prov:label"], record["agent"]["name"]);
        assert!(associated.contains(&(activity.clone(), agent, String::new())));
        let commit = record["code"]["commit"].as_str().expect("commit");
        assert!(used.contains(&(
            activity.clone(),
            format!("lineage:commit/{commit}"),
            "code".into()
        )));
        n_used += 1;
        let inputs = record["inputs"].as_array().cloned().unwrap_or_default();
        let outputs = record["outputs"].as_array().cloned().unwrap_or_default();
        assert!(!outputs.is_empty(), "{kind}");
        for input in &inputs {
            let role = input["role"].as_str().unwrap_or("artifact").to_string();
            assert!(
                used.contains(&(activity.clone(), entity(input), role)),
                "{kind} did not use {input}"
            );
            n_used += 1;
        }
        for output in &outputs {
            let role = output["role"].as_str().unwrap_or("artifact").to_string();
            assert!(
                generated.contains(&(entity(output), activity.clone(), role)),
                "{kind} did not generate {output}"
            );
            n_generated += 1;
            for input in &inputs {
                assert!(derived.contains(&(entity(output), entity(input), activity.clone())));
                n_derived += 1;
            }
        }
        // Local artifacts are named by the BLAKE3 of their bytes on disk.
        for artifact in inputs.iter().chain(&outputs) {
            let Some(path) = artifact["path"].as_str() else {
                continue;
            };
            let bytes = std::fs::read(dir.join(path)).expect("artifact on disk");
            let name = format!("lineage:blake3/{}", b3(&bytes));
            assert_eq!(name, entity(artifact));
            assert_eq!(doc["entity"][&name]["lineage:path"], path);
            assert_eq!(doc["entity"][&name]["lineage:hash"], artifact["hash"]);
        }
    }
    // Nothing else: every relation is one of the above.
    assert_eq!(used.len(), n_used);
    assert_eq!(generated.len(), n_generated);
    assert_eq!(derived.len(), n_derived);
    assert_eq!(associated.len(), STEPS.len());
    assert_eq!(doc["activity"].as_object().unwrap().len(), STEPS.len());
}

#[test]
fn in_toto_statements_carry_sha256_blake3_and_slsa_provenance() {
    let env = TestEnv::new();
    let (dir, report) = demo_pipeline_repo(&env, "demo");
    let run = env
        .lineage(&dir, &["export", "--format", "in-toto"])
        .success();
    let statements = statements(&run.stdout);
    for s in &statements {
        assert_eq!(s["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(s["predicateType"], "https://slsa.dev/provenance/v1");
        assert_eq!(
            s["predicate"]["buildDefinition"]["buildType"],
            "https://github.com/git-lineage/git-lineage/blob/main/docs/export.md#in-toto--slsa-provenance"
        );
    }
    // One Statement per hashed output of every record, in history order.
    let mut expected = Vec::new();
    for kind in STEPS {
        let id = demo_step_id(&report, kind);
        let record = show(&env, &dir, &id);
        for output in record["outputs"].as_array().into_iter().flatten() {
            if let Some(path) = output["path"].as_str() {
                expected.push((id.clone(), path.to_string()));
            }
        }
    }
    let got: Vec<(String, String)> = statements
        .iter()
        .map(|s| {
            (
                s["predicate"]["runDetails"]["metadata"]["invocationId"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                s["subject"][0]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(got, expected);

    let train = demo_step_id(&report, "train");
    let record = show(&env, &dir, &train);
    let model = statements
        .iter()
        .find(|s| s["subject"][0]["name"] == "model/model.json")
        .expect("a statement for the model");
    let subject = &model["subject"][0];
    assert_eq!(
        subject["digest"]["sha256"],
        sha256sum(&dir.join("model/model.json"))
    );
    let recorded = record["outputs"][0]["hash"].as_str().expect("model hash");
    assert_eq!(record["outputs"][0]["path"], "model/model.json");
    assert_eq!(
        subject["digest"]["blake3"],
        recorded.trim_start_matches("blake3:")
    );
    let predicate = &model["predicate"];
    let metadata = &predicate["runDetails"]["metadata"];
    assert_eq!(metadata["invocationId"], train.as_str());
    assert_eq!(metadata["startedOn"], record["started"]);
    assert_eq!(metadata["finishedOn"], record["ended"]);
    let build = &predicate["buildDefinition"];
    assert_eq!(build["externalParameters"]["params"], record["params"]);
    assert_eq!(build["externalParameters"]["command"], record["command"]);
    assert_eq!(build["externalParameters"]["seed"], record["seed"]);
    let deps = build["resolvedDependencies"].as_array().expect("deps");
    let commit = record["code"]["commit"].as_str().expect("commit");
    assert!(
        deps.iter().any(|d| d["digest"]["gitCommit"] == commit),
        "{deps:#?}"
    );
    for input in record["inputs"].as_array().expect("inputs") {
        let hash = input["hash"].as_str().expect("input hash");
        assert!(
            deps.iter().any(|d| d["name"] == input["path"]
                && d["digest"]["blake3"] == hash.trim_start_matches("blake3:")),
            "{input} not in {deps:#?}"
        );
    }
}

#[test]
fn exports_are_byte_identical_across_runs() {
    let env = TestEnv::new();
    let (dir, _) = demo_pipeline_repo(&env, "demo");
    for format in ["prov", "in-toto"] {
        let first = env.lineage(&dir, &["export", "--format", format]).success();
        let second = env.lineage(&dir, &["export", "--format", format]).success();
        assert!(!first.stdout.is_empty());
        assert_eq!(first.stdout, second.stdout, "{format}");
    }
}

#[test]
fn a_directory_subject_is_the_sha256_of_its_canonical_listing() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data.csv"), "a\n1\n");
    write(&repo.join("model/weights.bin"), [1u8, 2, 3]);
    write(&repo.join("model/config/c.json"), "{}");
    env.lineage(
        &repo,
        &[
            "record", "--kind", "train", "--name", "m", "-i", "data.csv", "-o", "model",
        ],
    )
    .success();
    let run = env
        .lineage(&repo, &["export", "--format", "in-toto"])
        .success();
    let statements = statements(&run.stdout);
    assert_eq!(statements.len(), 1);
    let listing = format!(
        "{} 2 config/c.json\n{} 3 weights.bin\n",
        b3(b"{}"),
        b3(&[1, 2, 3])
    );
    let listing_path = env.path("listing");
    write(&listing_path, &listing);
    let digest = &statements[0]["subject"][0]["digest"];
    assert_eq!(digest["blake3"], b3(listing.as_bytes()));
    assert_eq!(digest["sha256"], sha256sum(&listing_path));
}

#[test]
fn in_toto_fails_on_a_changed_output_and_names_it() {
    let env = TestEnv::new();
    let (dir, _) = demo_pipeline_repo(&env, "demo");
    write(&dir.join("model/model.json"), "{}");
    let run = env
        .lineage(&dir, &["export", "--format", "in-toto"])
        .code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("model/model.json"), "{}", run.stderr);
    assert!(
        run.stderr.contains("changed since it was recorded"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(dir.join("model/model.json")).expect("remove");
    let run = env
        .lineage(&dir, &["export", "--format", "in-toto"])
        .code(2);
    assert!(run.stderr.contains("no longer exists"), "{}", run.stderr);
    // PROV needs no bytes on disk.
    env.lineage(&dir, &["export", "--format", "prov"]).success();
}

#[test]
fn prov_and_in_toto_name_an_imported_record_and_its_repository() {
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
    let activity = format!("lineage:record/{id}");
    let imported = format!("lineage:record/{}", pair.featurize);

    let prov = |dir: &Path| -> Value {
        env.lineage(dir, &["export", "--format", "prov"])
            .success()
            .json()
    };
    let doc = prov(&pair.model);
    assert_eq!(
        doc["wasInformedBy"],
        serde_json::json!({"_:i1": {"prov:informed": activity, "prov:informant": imported}})
    );
    assert_eq!(
        doc["activity"][&imported],
        serde_json::json!({
            "prov:type": {"$": "lineage:Record", "type": "prov:QUALIFIED_NAME"},
            "prov:label": format!("features:{}", pair.featurize),
            "lineage:id": pair.featurize,
            "lineage:repository": "features",
            "lineage:repositoryUrl": "../features.git",
            "lineage:recordCommit": pair.featurize_commit,
        })
    );

    let statements = statements(
        &env.lineage(&pair.model, &["export", "--format", "in-toto"])
            .success()
            .stdout,
    );
    let model = statements
        .iter()
        .find(|s| s["predicate"]["runDetails"]["metadata"]["invocationId"] == id)
        .expect("the model's statement");
    let deps = model["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .expect("dependencies");
    let import: Vec<&Value> = deps
        .iter()
        .filter(|d| d["annotations"]["role"] == "import")
        .collect();
    assert_eq!(
        import,
        [&serde_json::json!({
            "name": crate::common::record_rel_path(&pair.featurize),
            "uri": format!("git+../features.git@{}", pair.featurize_commit),
            "digest": {"blake3": pair.featurize},
            "annotations": {
                "role": "import",
                "repository": "features",
                "record": pair.featurize,
                "commit": pair.featurize_commit,
            },
        })]
    );
    // The digest is the record file's BLAKE3, as the feature repository
    // holds it.
    let file = env.git(
        &pair.features,
        &[
            "show",
            &format!("HEAD:{}", crate::common::record_rel_path(&pair.featurize)),
        ],
    );
    assert_eq!(b3(file.as_bytes()), pair.featurize);

    // The repository is named by its declared URL, credentials stripped;
    // when it is no longer declared, by the URL the import stored.
    env.lineage(&pair.model, &["remote", "remove", "features"])
        .success();
    env.lineage(
        &pair.model,
        &[
            "remote",
            "add",
            "features",
            "https://jane:s3cret@git.example.com/acme/features.git",
        ],
    )
    .success();
    let doc = prov(&pair.model);
    assert_eq!(
        doc["activity"][&imported]["lineage:repositoryUrl"],
        "https://git.example.com/acme/features.git"
    );
    let text = env
        .lineage(&pair.model, &["export", "--format", "in-toto"])
        .success()
        .stdout;
    assert!(
        text.contains(&format!(
            "\"uri\":\"git+https://git.example.com/acme/features.git@{}\"",
            pair.featurize_commit
        )),
        "{text}"
    );
    assert!(!text.contains("s3cret"), "{text}");
    env.lineage(&pair.model, &["remote", "remove", "features"])
        .success();
    let doc = prov(&pair.model);
    assert_eq!(
        doc["activity"][&imported]["lineage:repositoryUrl"],
        "../features.git"
    );
}
