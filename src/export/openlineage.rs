//! OpenLineage 2-0-2: one `RunEvent` per record (COMPLETE, or FAIL for a
//! failed `run`), as JSON Lines. The run id is a UUIDv8 derived from the
//! record id ([`run_id`]), so the same history always yields the same bytes.

use serde_json::{Map, Value, json};

use super::{Context, Selection};
use crate::history::Entry;
use crate::record::{Artifact, ExitStatus, Record, RecordId};
use crate::repo::Repo;

/// The `schemaURL` of every event.
pub const RUN_EVENT_SCHEMA: &str =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";

/// The `_schemaURL` of the `gitLineage` run facet (documented in docs/export.md).
pub const RUN_FACET_SCHEMA: &str =
    "https://github.com/git-lineage/git-lineage/blob/main/docs/export.md#gitlineage-run-facet";

/// The `_schemaURL` of the `gitLineageContent` dataset facet (documented in docs/export.md).
pub const DATASET_FACET_SCHEMA: &str = "https://github.com/git-lineage/git-lineage/blob/main/docs/export.md#gitlineagecontent-dataset-facet";

const SOURCE_CODE_LOCATION_SCHEMA: &str = "https://openlineage.io/spec/facets/1-1-0/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet";
const JOB_TYPE_SCHEMA: &str =
    "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet";
const PARENT_SCHEMA: &str =
    "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet";
/// The `_schemaURL` of the `dataQualityMetrics` input facet.
pub const DATA_QUALITY_SCHEMA: &str = "https://openlineage.io/spec/facets/1-0-2/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet";
const ERROR_MESSAGE_SCHEMA: &str = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";

/// The events of the selected records, one compact JSON object per line, in
/// history order.
pub fn write(repo: &Repo, selection: &Selection<'_>, context: &Context) -> crate::Result<Vec<u8>> {
    let mut out = Vec::new();
    for entry in &selection.entries {
        out.extend(event(repo, entry, selection, context)?);
        out.push(b'\n');
    }
    Ok(out)
}

/// The RunEvent of one selected record as compact JSON (one line of
/// [`write()`], without its newline).
pub fn event(
    repo: &Repo,
    entry: &Entry,
    selection: &Selection<'_>,
    context: &Context,
) -> crate::Result<Vec<u8>> {
    let (_, record) = selection.history.read_record(repo, &entry.id)?;
    serde_json::to_vec(&run_event(repo, entry, &record, selection, context)).map_err(|e| {
        crate::Error::InvalidArgument {
            field: "export",
            problem: format!("cannot write JSON: {e}"),
        }
    })
}

/// The OpenLineage run id of a record: its first 16 bytes (32 hex digits)
/// as a UUID, with the version nibble set to 8 and the RFC 4122 variant
/// bits to `10` (a UUIDv8, RFC 9562).
pub fn run_id(id: &RecordId) -> String {
    let hex = id.as_str().as_bytes();
    let mut bytes = [0u8; 16];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = (nibble(hex[2 * i]) << 4) | nibble(hex[2 * i + 1]);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The value of a lowercase hex digit (a [`RecordId`] has nothing else).
fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => 0,
    }
}

/// The OpenLineage job name of a record: `kind/name`.
pub fn job_name(kind: &str, name: &str) -> String {
    format!("{kind}/{name}")
}

/// The OpenLineage `(namespace, name)` of an artifact: a local path is named
/// by its path in the repository's namespace; a URI is split after its
/// authority (`s3://bucket/key` → `s3://bucket`, `key`), and a URI with
/// nothing after its authority is named `/`.
pub fn dataset_name(artifact: &Artifact, namespace: &str) -> (String, String) {
    match (&artifact.path, &artifact.uri) {
        (Some(path), _) => (namespace.to_string(), path.clone()),
        (None, Some(uri)) => split_uri(uri),
        (None, None) => (namespace.to_string(), String::new()),
    }
}

/// `scheme://authority` and the rest (without its leading `/`, `/` when empty).
fn split_uri(uri: &str) -> (String, String) {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return (uri.to_string(), "/".to_string());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let name = tail.strip_prefix('/').unwrap_or(tail);
    let name = if name.is_empty() { "/" } else { name };
    (format!("{scheme}://{authority}"), name.to_string())
}

/// A git remote as a URI: URIs as they are, `user@host:path` as
/// `ssh://user@host/path`, an absolute path as `file://path`.
fn remote_uri(remote: &str) -> Option<String> {
    if crate::record::is_uri(remote) {
        return Some(remote.to_string());
    }
    if remote.starts_with('/') {
        return Some(format!("file://{remote}"));
    }
    let (host, path) = remote.split_once(':')?;
    if host.is_empty() || host.contains('/') || path.is_empty() {
        return None;
    }
    let path = path.strip_prefix('/').unwrap_or(path);
    Some(format!("ssh://{host}/{path}"))
}

/// A facet: `_producer`, `_schemaURL`, then `fields`.
fn facet(context: &Context, schema: &str, fields: Value) -> Value {
    let mut map = match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.insert("_producer".into(), Value::String(context.producer.clone()));
    map.insert("_schemaURL".into(), Value::String(schema.to_string()));
    Value::Object(map)
}

/// Insert `key` when `value` is `Some`.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        map.insert(key.to_string(), value);
    }
}

/// What a failed command's exit status says.
fn exit_message(record: &Record, exit: &ExitStatus) -> String {
    let program = record
        .command
        .first()
        .map(String::as_str)
        .unwrap_or("the command");
    match (exit.code, exit.signal) {
        (Some(code), _) => format!("{program} exited with code {code}"),
        (None, Some(signal)) => format!("{program} was killed by signal {signal}"),
        (None, None) => format!("{program} failed"),
    }
}

/// The RunEvent of one record.
fn run_event(
    repo: &Repo,
    entry: &Entry,
    record: &Record,
    selection: &Selection<'_>,
    context: &Context,
) -> Value {
    // A record of a lineage remote is named in its repository's namespace.
    let context = &*context.of(entry);
    let failed = record.exit.is_some_and(|exit| !exit.success());
    let event_time = record.ended.unwrap_or(record.recorded);

    // Run facets.
    let mut run_facets = Map::new();
    let mut custom = Map::new();
    custom.insert("id".into(), json!(entry.id.as_str()));
    custom.insert("kind".into(), json!(record.kind));
    custom.insert("name".into(), json!(record.name));
    custom.insert("recorded".into(), json!(record.recorded));
    put(&mut custom, "started", record.started.map(|t| json!(t)));
    put(&mut custom, "ended", record.ended.map(|t| json!(t)));
    custom.insert("agent".into(), json!(record.agent));
    if let Some(commit) = &entry.commit {
        custom.insert("recordCommit".into(), json!(commit.id));
    }
    if !record.command.is_empty() {
        custom.insert("command".into(), json!(record.command));
    }
    custom.insert("params".into(), json!(record.params));
    custom.insert("metrics".into(), json!(record.metrics));
    put(&mut custom, "seed", record.seed.map(|s| json!(s)));
    put(&mut custom, "exit", record.exit.map(|e| json!(e)));
    if !record.references.is_empty() {
        custom.insert("references".into(), json!(record.references));
    }
    if !record.imports.is_empty() {
        custom.insert("imports".into(), json!(record.imports));
    }
    put(&mut custom, "note", record.note.as_ref().map(|n| json!(n)));
    run_facets.insert(
        "gitLineage".into(),
        facet(context, RUN_FACET_SCHEMA, Value::Object(custom)),
    );
    // The first reference found in history is the parent run; without one,
    // the first foreign reference (`imports`) whose repository's fetched
    // history has the record, named in that repository's namespace.
    let parent = record
        .references
        .iter()
        .find_map(|id| selection.history.get(id))
        .map(|parent| {
            (
                run_id(&parent.id),
                context.of(parent).namespace.clone(),
                job_name(&parent.summary.kind, &parent.summary.name),
            )
        })
        .or_else(|| {
            record.imports.iter().find_map(|import| {
                let (kind, name) = selection.imported(repo, import)?;
                Some((
                    run_id(&import.record),
                    context.import_namespace(import),
                    job_name(&kind, &name),
                ))
            })
        });
    if let Some((run, namespace, name)) = parent {
        run_facets.insert(
            "parent".into(),
            facet(
                context,
                PARENT_SCHEMA,
                json!({
                    "run": {"runId": run},
                    "job": {"namespace": namespace, "name": name},
                }),
            ),
        );
    }
    if let Some(exit) = record.exit.filter(|_| failed) {
        run_facets.insert(
            "errorMessage".into(),
            facet(
                context,
                ERROR_MESSAGE_SCHEMA,
                json!({
                    "message": exit_message(record, &exit),
                    "programmingLanguage": "unknown",
                }),
            ),
        );
    }

    // Job facets.
    let mut job_facets = Map::new();
    job_facets.insert(
        "jobType".into(),
        facet(
            context,
            JOB_TYPE_SCHEMA,
            json!({
                "processingType": "BATCH",
                "integration": "GIT_LINEAGE",
                "jobType": record.kind,
            }),
        ),
    );
    if let Some(commit) = &record.code.commit {
        let url = record
            .code
            .remote
            .as_deref()
            .and_then(remote_uri)
            .or_else(|| remote_uri(&context.namespace))
            .unwrap_or_else(|| format!("file://{}", context.root.display()));
        let mut fields = Map::new();
        fields.insert("type".into(), json!("git"));
        fields.insert("url".into(), json!(url));
        fields.insert("repoUrl".into(), json!(url));
        fields.insert("version".into(), json!(commit));
        put(
            &mut fields,
            "branch",
            record.code.branch.as_ref().map(|b| json!(b)),
        );
        job_facets.insert(
            "sourceCodeLocation".into(),
            facet(context, SOURCE_CODE_LOCATION_SCHEMA, Value::Object(fields)),
        );
    }

    let datasets = |artifacts: &[Artifact], input: bool| -> Vec<Value> {
        artifacts
            .iter()
            .map(|artifact| {
                let mut value = dataset(artifact, context);
                if input
                    && let Some(metrics) = data_quality(repo.root(), artifact, context)
                    && let Some(map) = value.as_object_mut()
                {
                    map.insert(
                        "inputFacets".into(),
                        json!({ "dataQualityMetrics": metrics }),
                    );
                }
                value
            })
            .collect()
    };
    json!({
        "eventType": if failed { "FAIL" } else { "COMPLETE" },
        "eventTime": event_time,
        "producer": context.producer,
        "schemaURL": RUN_EVENT_SCHEMA,
        "run": {"runId": run_id(&entry.id), "facets": run_facets},
        "job": {
            "namespace": context.namespace,
            "name": job_name(&record.kind, &record.name),
            "facets": job_facets,
        },
        "inputs": datasets(&record.inputs, true),
        "outputs": datasets(&record.outputs, false),
    })
}

/// The `dataQualityMetrics` input facet of an artifact with a readable
/// stored profile: rows, bytes, and per column `nullCount`, `distinctCount`,
/// `count`, and for numeric columns `sum`, `min`, `max` and `quantiles`.
fn data_quality(root: &std::path::Path, artifact: &Artifact, context: &Context) -> Option<Value> {
    let profile = crate::profile::stored::read(root, artifact.profile.as_ref()?).ok()?;
    let mut columns = Map::new();
    for c in &profile.columns {
        let mut m = Map::new();
        m.insert("nullCount".into(), json!(c.null_count));
        m.insert("distinctCount".into(), json!(c.distinct));
        m.insert("count".into(), json!(c.count));
        put(
            &mut m,
            "sum",
            c.sum.filter(|x| x.is_finite()).map(|x| json!(x)),
        );
        put(&mut m, "min", c.min.map(|x| json!(x)));
        put(&mut m, "max", c.max.map(|x| json!(x)));
        if !c.quantiles.is_empty() {
            let quantiles: Map<String, Value> = c
                .quantiles
                .iter()
                .map(|q| (q.q.to_string(), json!(q.value)))
                .collect();
            m.insert("quantiles".into(), Value::Object(quantiles));
        }
        columns.insert(c.name.clone(), Value::Object(m));
    }
    Some(facet(
        context,
        DATA_QUALITY_SCHEMA,
        json!({"rowCount": profile.rows, "bytes": profile.bytes, "columnMetrics": columns}),
    ))
}

/// One input or output dataset with its `gitLineageContent` facet.
fn dataset(artifact: &Artifact, context: &Context) -> Value {
    let (namespace, name) = dataset_name(artifact, &context.namespace);
    let mut content = Map::new();
    put(
        &mut content,
        "path",
        artifact.path.as_ref().map(|p| json!(p)),
    );
    put(&mut content, "uri", artifact.uri.as_ref().map(|u| json!(u)));
    put(
        &mut content,
        "role",
        artifact.role.as_ref().map(|r| json!(r)),
    );
    put(
        &mut content,
        "version",
        artifact.version.as_ref().map(|v| json!(v)),
    );
    put(&mut content, "hash", artifact.hash.map(|h| json!(h)));
    put(&mut content, "size", artifact.size.map(|s| json!(s)));
    put(&mut content, "files", artifact.files.map(|f| json!(f)));
    json!({
        "namespace": namespace,
        "name": name,
        "facets": {
            "gitLineageContent": facet(context, DATASET_FACET_SCHEMA, Value::Object(content)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(hex: &str) -> RecordId {
        RecordId::parse(hex).expect("valid id")
    }

    #[test]
    fn run_id_is_the_id_prefix_as_a_uuid_v8() {
        let record = id("19a19862af215e3bd720013cce724cb7d203a56732b71e4b5ad726adef437c38");
        // 19a19862 af21 5e3b d720 013cce724cb7: version nibble 5 → 8,
        // variant d (1101) → 9 (1001).
        assert_eq!(run_id(&record), "19a19862-af21-8e3b-9720-013cce724cb7");
        let zeros = id(&"0".repeat(64));
        assert_eq!(run_id(&zeros), "00000000-0000-8000-8000-000000000000");
        let ones = id(&"f".repeat(64));
        assert_eq!(run_id(&ones), "ffffffff-ffff-8fff-bfff-ffffffffffff");
    }

    #[test]
    fn run_id_differs_with_the_first_sixteen_bytes_only() {
        let a = id(&format!("{}{}", "ab".repeat(16), "00".repeat(16)));
        let b = id(&format!("{}{}", "ab".repeat(16), "11".repeat(16)));
        let c = id(&format!("ac{}{}", "ab".repeat(15), "00".repeat(16)));
        assert_eq!(run_id(&a), run_id(&b));
        assert_ne!(run_id(&a), run_id(&c));
    }

    #[test]
    fn uris_split_after_their_authority() {
        assert_eq!(
            split_uri("s3://bucket/path/to/key.csv"),
            ("s3://bucket".into(), "path/to/key.csv".into())
        );
        assert_eq!(
            split_uri("featurestore://claims"),
            ("featurestore://claims".into(), "/".into())
        );
        assert_eq!(
            split_uri("https://host:8080/a?b=c"),
            ("https://host:8080".into(), "a?b=c".into())
        );
        assert_eq!(
            split_uri("kafka://broker:9092?topic=x"),
            ("kafka://broker:9092".into(), "?topic=x".into())
        );
    }

    #[test]
    fn local_paths_are_named_in_the_repository_namespace() {
        let artifact = Artifact {
            path: Some("data/train.csv".into()),
            ..Artifact::default()
        };
        assert_eq!(
            dataset_name(&artifact, "https://github.com/acme/fraud"),
            (
                "https://github.com/acme/fraud".into(),
                "data/train.csv".into()
            )
        );
    }

    #[test]
    fn remotes_become_uris() {
        assert_eq!(
            remote_uri("https://github.com/acme/fraud").as_deref(),
            Some("https://github.com/acme/fraud")
        );
        assert_eq!(
            remote_uri("git@github.com:acme/fraud.git").as_deref(),
            Some("ssh://git@github.com/acme/fraud.git")
        );
        assert_eq!(
            remote_uri("/srv/git/fraud").as_deref(),
            Some("file:///srv/git/fraud")
        );
        assert_eq!(remote_uri("fraud-team"), None);
    }
}
