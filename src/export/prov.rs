//! W3C PROV-JSON: one document describing the selected records. Records are
//! activities, artifacts are entities (identified by content hash, or by URI
//! when they have none), record authors are agents; `used`,
//! `wasGeneratedBy`, `wasAssociatedWith` and `wasDerivedFrom` relate them;
//! `wasInformedBy` links a record to a record of another repository its
//! `imports` name (an activity carrying that repository's name and URL).
//!
//! Every name lives in the [`NAMESPACE`] behind the `lineage` prefix.
//! Relation ids are numbered in history order (`_:u1`, `_:g1`, …), so the
//! same history always yields the same bytes. Registry events (approvals)
//! have no special mapping yet: they are exported like any other record.

use std::collections::{BTreeMap, BTreeSet, btree_map};

use serde_json::{Map, Value, json};

use super::{Context, Selection};
use crate::record::{Artifact, ForeignReference, Record, RecordId};
use crate::repo::Repo;

/// The IRI the `lineage` prefix stands for (documented in docs/export.md).
pub const NAMESPACE: &str = "https://github.com/git-lineage/git-lineage/blob/main/docs/export.md#";

/// The one PROV-JSON document of the selected records, pretty-printed with
/// sorted keys and a final newline.
pub fn write(repo: &Repo, selection: &Selection<'_>, context: &Context) -> crate::Result<Vec<u8>> {
    let mut records = Vec::with_capacity(selection.entries.len());
    for entry in &selection.entries {
        let (_, record) = selection.history.read_record(repo, &entry.id)?;
        records.push((entry.id.clone(), record));
    }
    let document = document(&records, |import| context.import_namespace(import));
    let mut bytes =
        serde_json::to_vec_pretty(&document).map_err(|e| crate::Error::InvalidArgument {
            field: "export",
            problem: format!("cannot write JSON: {e}"),
        })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The PROV-JSON document of `records` (in history order); `namespace_of`
/// names the repository of a foreign reference (its URL).
pub fn document(
    records: &[(RecordId, Record)],
    namespace_of: impl Fn(&ForeignReference) -> String,
) -> Value {
    let mut doc = Document::default();
    for (id, record) in records {
        doc.add(id, record);
        for import in &record.imports {
            doc.add_import(id, import, &namespace_of(import));
        }
    }
    let mut out = Map::new();
    out.insert(
        "prefix".into(),
        json!({ "lineage": NAMESPACE, "xsd": "http://www.w3.org/2001/XMLSchema#" }),
    );
    let sections = [
        ("entity", doc.entities.into_iter().collect::<Vec<_>>()),
        ("activity", doc.activities.into_iter().collect::<Vec<_>>()),
        ("agent", doc.agents.into_iter().collect::<Vec<_>>()),
        ("used", doc.used),
        ("wasGeneratedBy", doc.generated),
        ("wasAssociatedWith", doc.associated),
        ("wasDerivedFrom", doc.derived),
        ("wasInformedBy", doc.informed),
    ];
    for (key, section) in sections {
        if !section.is_empty() {
            out.insert(key.into(), Value::Object(section.into_iter().collect()));
        }
    }
    Value::Object(out)
}

/// The sections being filled, keyed by qualified name.
#[derive(Default)]
struct Document {
    entities: BTreeMap<String, Value>,
    activities: BTreeMap<String, Value>,
    agents: BTreeMap<String, Value>,
    used: Vec<(String, Value)>,
    generated: Vec<(String, Value)>,
    associated: Vec<(String, Value)>,
    derived: Vec<(String, Value)>,
    informed: Vec<(String, Value)>,
}

impl Document {
    fn add(&mut self, id: &RecordId, record: &Record) {
        let activity = record_name(id);
        let attributes = activity_attributes(id, record);
        match self.activities.entry(activity.clone()) {
            btree_map::Entry::Vacant(slot) => {
                slot.insert(attributes);
            }
            // Another record imported this one first: keep the repository
            // that import named, and take the record's own attributes.
            btree_map::Entry::Occupied(mut slot) => {
                if let (Value::Object(known), Value::Object(own)) = (slot.get_mut(), attributes) {
                    known.extend(own);
                }
            }
        }

        let agent = agent_name(&record.agent.email);
        self.agents.entry(agent.clone()).or_insert_with(|| {
            json!({
                "prov:type": qualified("prov:Person"),
                "prov:label": record.agent.name,
                "lineage:email": record.agent.email,
            })
        });
        let n = self.associated.len() + 1;
        self.associated.push((
            format!("_:a{n}"),
            json!({ "prov:activity": activity, "prov:agent": agent }),
        ));

        if let Some(commit) = &record.code.commit {
            let entity = format!("lineage:commit/{}", encode(commit));
            self.entities.entry(entity.clone()).or_insert_with(|| {
                let mut attrs = Map::new();
                attrs.insert("prov:type".into(), qualified("lineage:Commit"));
                attrs.insert("prov:label".into(), json!(commit));
                if let Some(remote) = &record.code.remote {
                    attrs.insert("lineage:remote".into(), json!(remote));
                }
                Value::Object(attrs)
            });
            self.push_used(&activity, &entity, "code", record);
        }

        let mut inputs = Vec::new();
        for artifact in &record.inputs {
            let entity = self.entity(artifact);
            self.push_used(&activity, &entity, role(artifact), record);
            inputs.push(entity);
        }
        let mut derived = BTreeSet::new();
        for artifact in &record.outputs {
            let entity = self.entity(artifact);
            let n = self.generated.len() + 1;
            let mut attrs = Map::new();
            attrs.insert("prov:entity".into(), json!(entity));
            attrs.insert("prov:activity".into(), json!(activity));
            attrs.insert("prov:role".into(), json!(role(artifact)));
            if let Some(ended) = record.ended {
                attrs.insert("prov:time".into(), json!(ended.to_string()));
            }
            self.generated
                .push((format!("_:g{n}"), Value::Object(attrs)));
            for input in &inputs {
                if *input == entity || !derived.insert((entity.clone(), input.clone())) {
                    continue;
                }
                let n = self.derived.len() + 1;
                self.derived.push((
                    format!("_:d{n}"),
                    json!({
                        "prov:generatedEntity": entity,
                        "prov:usedEntity": input,
                        "prov:activity": activity,
                    }),
                ));
            }
        }
    }

    /// The record `id` was informed by the record of another repository
    /// that `import` names: that record's activity (added when it is not
    /// exported itself) carries the repository's name, its URL
    /// (`namespace`) and the commit that introduced it there.
    fn add_import(&mut self, id: &RecordId, import: &ForeignReference, namespace: &str) {
        let informant = record_name(&import.record);
        let attributes = self.activities.entry(informant.clone()).or_insert_with(|| {
            json!({
                "prov:type": qualified("lineage:Record"),
                "prov:label": format!("{}:{}", import.repository, import.record),
                "lineage:id": import.record.as_str(),
            })
        });
        if let Value::Object(map) = attributes {
            map.insert("lineage:repository".into(), json!(import.repository));
            map.insert("lineage:repositoryUrl".into(), json!(namespace));
            if let Some(commit) = &import.commit {
                map.insert("lineage:recordCommit".into(), json!(commit));
            }
        }
        let n = self.informed.len() + 1;
        self.informed.push((
            format!("_:i{n}"),
            json!({ "prov:informed": record_name(id), "prov:informant": informant }),
        ));
    }

    fn push_used(&mut self, activity: &str, entity: &str, role: &str, record: &Record) {
        let n = self.used.len() + 1;
        let mut attrs = Map::new();
        attrs.insert("prov:activity".into(), json!(activity));
        attrs.insert("prov:entity".into(), json!(entity));
        attrs.insert("prov:role".into(), json!(role));
        if let Some(started) = record.started {
            attrs.insert("prov:time".into(), json!(started.to_string()));
        }
        self.used.push((format!("_:u{n}"), Value::Object(attrs)));
    }

    /// The entity of `artifact`, added on first sight; its qualified name.
    fn entity(&mut self, artifact: &Artifact) -> String {
        let name = entity_name(artifact);
        let attrs = self
            .entities
            .entry(name.clone())
            .or_insert_with(|| entity_attributes(artifact));
        // The same bytes under another path: list every path, sorted.
        if let (Some(path), Value::Object(map)) = (&artifact.path, attrs) {
            let mut paths: BTreeSet<String> = match map.get("lineage:path") {
                Some(Value::String(p)) => BTreeSet::from([p.clone()]),
                Some(Value::Array(ps)) => ps
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect(),
                _ => BTreeSet::new(),
            };
            if paths.insert(path.clone()) && paths.len() > 1 {
                map.insert("lineage:path".into(), json!(paths));
                if let Some(first) = paths.first() {
                    map.insert("prov:label".into(), json!(first));
                }
            }
        }
        name
    }
}

/// `lineage:record/<id>`.
pub fn record_name(id: &RecordId) -> String {
    format!("lineage:record/{}", id.as_str())
}

/// `lineage:agent/<email>` (percent-encoded).
pub fn agent_name(email: &str) -> String {
    format!("lineage:agent/{}", encode(email))
}

/// The qualified name of an artifact: `lineage:blake3/<hex>` when it has a
/// content hash; else `lineage:uri/<uri>` (with `/<version>` when it has
/// one) or `lineage:path/<path>`, percent-encoded.
pub fn entity_name(artifact: &Artifact) -> String {
    if let Some(hash) = &artifact.hash {
        return format!("lineage:blake3/{}", hash.to_hex());
    }
    match (&artifact.uri, &artifact.path) {
        (Some(uri), _) => match &artifact.version {
            Some(version) => format!("lineage:uri/{}/{}", encode(uri), encode(version)),
            None => format!("lineage:uri/{}", encode(uri)),
        },
        (None, Some(path)) => format!("lineage:path/{}", encode(path)),
        (None, None) => "lineage:unknown".into(),
    }
}

fn entity_attributes(artifact: &Artifact) -> Value {
    let mut attrs = Map::new();
    let kind = match (&artifact.path, artifact.files) {
        (Some(_), Some(_)) => "lineage:Directory",
        (Some(_), None) => "lineage:File",
        (None, _) => "lineage:External",
    };
    attrs.insert("prov:type".into(), qualified(kind));
    attrs.insert("prov:label".into(), json!(artifact.locator()));
    if let Some(path) = &artifact.path {
        attrs.insert("lineage:path".into(), json!(path));
    }
    if let Some(uri) = &artifact.uri {
        attrs.insert("lineage:uri".into(), json!(uri));
    }
    if let Some(version) = &artifact.version {
        attrs.insert("lineage:version".into(), json!(version));
    }
    if let Some(hash) = &artifact.hash {
        attrs.insert("lineage:hash".into(), json!(hash.to_string()));
    }
    if let Some(size) = artifact.size {
        attrs.insert("lineage:size".into(), typed(size, "xsd:long"));
    }
    if let Some(files) = artifact.files {
        attrs.insert("lineage:files".into(), typed(files, "xsd:long"));
    }
    Value::Object(attrs)
}

fn activity_attributes(id: &RecordId, record: &Record) -> Value {
    let mut attrs = Map::new();
    attrs.insert("prov:type".into(), qualified("lineage:Record"));
    attrs.insert(
        "prov:label".into(),
        json!(format!("{} {}", record.kind, record.name)),
    );
    attrs.insert("lineage:id".into(), json!(id.as_str()));
    attrs.insert("lineage:kind".into(), json!(record.kind));
    attrs.insert("lineage:name".into(), json!(record.name));
    attrs.insert(
        "lineage:recorded".into(),
        typed(record.recorded.to_string(), "xsd:dateTime"),
    );
    if let Some(started) = record.started {
        attrs.insert("prov:startTime".into(), json!(started.to_string()));
    }
    if let Some(ended) = record.ended {
        attrs.insert("prov:endTime".into(), json!(ended.to_string()));
    }
    if let Some(exit) = &record.exit {
        attrs.insert("lineage:exitCode".into(), json!(exit.shell_code()));
    }
    if !record.command.is_empty() {
        attrs.insert("lineage:command".into(), json!(record.command.join(" ")));
    }
    // PROV attribute values are literals: nested maps are JSON text.
    if !record.params.is_empty()
        && let Ok(text) = serde_json::to_string(&record.params)
    {
        attrs.insert("lineage:params".into(), json!(text));
    }
    if !record.metrics.is_empty()
        && let Ok(text) = serde_json::to_string(&record.metrics)
    {
        attrs.insert("lineage:metrics".into(), json!(text));
    }
    if let Some(seed) = record.seed {
        attrs.insert("lineage:seed".into(), typed(seed, "xsd:long"));
    }
    Value::Object(attrs)
}

fn role(artifact: &Artifact) -> &str {
    artifact.role.as_deref().unwrap_or("artifact")
}

/// A `prov:QUALIFIED_NAME` value.
fn qualified(name: &str) -> Value {
    json!({ "$": name, "type": "prov:QUALIFIED_NAME" })
}

/// A typed literal.
fn typed(value: impl std::fmt::Display, ty: &str) -> Value {
    json!({ "$": value.to_string(), "type": ty })
}

/// Percent-encode everything but ASCII letters, digits and `-._~`, so any
/// path, URI or email is a valid local name.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::ContentHash;

    fn artifact(path: &str, bytes: &[u8], role: &str) -> Artifact {
        Artifact {
            path: Some(path.into()),
            uri: None,
            role: Some(role.into()),
            version: None,
            hash: Some(ContentHash::of_bytes(bytes)),
            size: Some(bytes.len() as u64),
            ..Artifact::default()
        }
    }

    fn record(inputs: Vec<Artifact>, outputs: Vec<Artifact>) -> Record {
        let yaml = "schema: git-lineage/v1\nkind: train\nname: m\nrecorded: \"2026-11-22T10:00:00Z\"\nstarted: \"2026-11-22T09:00:00Z\"\nended: \"2026-11-22T09:30:00Z\"\nagent: {name: Jane Doe, email: jane@example.com}\ncode: {commit: 9fceb02d0ae598e95dc970b74767f19372d61af8, dirty: false}\nenvironment: {os: linux, arch: x86_64, tool: git-lineage 0.1.0}\n";
        let mut record = Record::parse(yaml.as_bytes()).expect("valid record");
        record.inputs = inputs;
        record.outputs = outputs;
        record
    }

    #[test]
    fn maps_records_artifacts_and_agents_with_all_relations() {
        let data = artifact("data/train.csv", b"rows", "dataset");
        let model = artifact("model.bin", b"weights", "model");
        let external = Artifact {
            path: None,
            uri: Some("s3://bucket/key".into()),
            role: None,
            version: Some("v 1".into()),
            ..Artifact::default()
        };
        let id = RecordId::of_bytes(b"r");
        let doc = document(
            &[(
                id.clone(),
                record(vec![data.clone(), external], vec![model.clone()]),
            )],
            |_| String::new(),
        );
        let act = record_name(&id);
        let data_id = format!("lineage:blake3/{}", data.hash.unwrap().to_hex());
        let model_id = format!("lineage:blake3/{}", model.hash.unwrap().to_hex());
        let ext_id = "lineage:uri/s3%3A%2F%2Fbucket%2Fkey/v%201";
        assert_eq!(doc["prefix"]["lineage"], NAMESPACE);
        assert_eq!(
            doc["activity"][&act]["prov:startTime"],
            "2026-11-22T09:00:00.000000Z"
        );
        assert_eq!(
            doc["activity"][&act]["prov:endTime"],
            "2026-11-22T09:30:00.000000Z"
        );
        assert_eq!(doc["entity"][&data_id]["prov:label"], "data/train.csv");
        assert_eq!(doc["entity"][ext_id]["lineage:uri"], "s3://bucket/key");
        assert_eq!(
            doc["agent"]["lineage:agent/jane%40example.com"]["prov:label"],
            "Jane Doe"
        );
        // code, data, external
        assert_eq!(doc["used"]["_:u2"]["prov:entity"], data_id.as_str());
        assert_eq!(doc["used"]["_:u3"]["prov:entity"], ext_id);
        assert_eq!(doc["used"]["_:u1"]["prov:role"], "code");
        assert_eq!(
            doc["wasGeneratedBy"]["_:g1"]["prov:entity"],
            model_id.as_str()
        );
        assert_eq!(doc["wasGeneratedBy"]["_:g1"]["prov:activity"], act.as_str());
        assert_eq!(
            doc["wasAssociatedWith"]["_:a1"]["prov:agent"],
            "lineage:agent/jane%40example.com"
        );
        let derived = doc["wasDerivedFrom"].as_object().expect("derived");
        assert_eq!(derived.len(), 2);
        assert_eq!(derived["_:d1"]["prov:usedEntity"], data_id.as_str());
        assert_eq!(derived["_:d2"]["prov:usedEntity"], ext_id);
    }

    #[test]
    fn same_bytes_under_two_paths_is_one_entity_listing_both() {
        let a = artifact("b/x.csv", b"same", "dataset");
        let b = artifact("a/x.csv", b"same", "dataset");
        let doc = document(
            &[(RecordId::of_bytes(b"r"), record(vec![a.clone()], vec![b]))],
            |_| String::new(),
        );
        let id = format!("lineage:blake3/{}", a.hash.unwrap().to_hex());
        assert_eq!(
            doc["entity"][&id]["lineage:path"],
            json!(["a/x.csv", "b/x.csv"])
        );
        assert_eq!(doc["entity"][&id]["prov:label"], "a/x.csv");
        // Not derived from itself.
        assert!(doc.get("wasDerivedFrom").is_none());
    }

    #[test]
    fn an_import_informs_the_record_and_names_its_repository() {
        let foreign = RecordId::of_bytes(b"foreign");
        let mut importer = record(Vec::new(), Vec::new());
        importer.imports = vec![ForeignReference {
            repository: "features".into(),
            url: "https://stored.example/features".into(),
            record: foreign.clone(),
            commit: Some("9fceb02d0ae598e95dc970b74767f19372d61af8".into()),
        }];
        let id = RecordId::of_bytes(b"importer");
        let namespace = |import: &ForeignReference| format!("ns:{}", import.repository);
        let alone = document(&[(id.clone(), importer.clone())], namespace);
        let informant = record_name(&foreign);
        assert_eq!(
            alone["wasInformedBy"],
            json!({"_:i1": {"prov:informed": record_name(&id), "prov:informant": informant}})
        );
        let stub = &alone["activity"][&informant];
        assert_eq!(stub["lineage:repository"], "features");
        assert_eq!(stub["lineage:repositoryUrl"], "ns:features");
        assert_eq!(
            stub["lineage:recordCommit"],
            "9fceb02d0ae598e95dc970b74767f19372d61af8"
        );
        assert_eq!(stub["lineage:id"], foreign.as_str());
        // The imported record exported too (`--remotes`), before or after
        // its importer: one activity with its own attributes and the
        // repository, the same either way.
        let mut own = record(Vec::new(), Vec::new());
        own.kind = "process".into();
        let before = document(
            &[
                (foreign.clone(), own.clone()),
                (id.clone(), importer.clone()),
            ],
            namespace,
        );
        let after = document(&[(id, importer), (foreign, own)], namespace);
        assert_eq!(before["activity"], after["activity"]);
        assert_eq!(before["activity"][&informant]["lineage:kind"], "process");
        assert_eq!(before["activity"][&informant]["prov:label"], "process m");
        assert_eq!(
            before["activity"][&informant]["lineage:repository"],
            "features"
        );
    }

    #[test]
    fn encode_keeps_unreserved_characters_only() {
        assert_eq!(encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(encode("x/y z@é"), "x%2Fy%20z%40%C3%A9");
    }
}
