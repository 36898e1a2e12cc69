//! in-toto Statements v1 with SLSA v1 provenance: one unsigned Statement per
//! output artifact of the selected records, as JSON Lines (compact, sorted
//! keys), in history order then output order.
//!
//! A subject carries two digests: `blake3` (the recorded hash) and `sha256`,
//! computed at export time from the local file — for a directory, from the
//! same canonical listing text its BLAKE3 hash is taken of. The bytes must
//! still be what was recorded: a missing or changed output fails the export
//! rather than vouching for other bytes. Outputs with neither a hash nor a
//! local file (an external URI without a digest) get no Statement, and the
//! outputs of a failed run (`exit` not 0) refuse the export.

use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use super::{Context, Selection};
use crate::capture::Context as CaptureContext;
use crate::hash::{ContentHash, Digest};
use crate::record::{Artifact, ForeignReference, Record, RecordId};
use crate::repo::Repo;
use crate::verify::local_path;

/// The `_type` of every Statement.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// The `predicateType` of every Statement.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";

/// The SLSA `buildType` of a git-lineage record (documented in docs/export.md).
pub const BUILD_TYPE: &str =
    "https://github.com/git-lineage/git-lineage/blob/main/docs/export.md#in-toto--slsa-provenance";

/// The Statements of the selected records' outputs, one compact JSON object
/// per line.
pub fn write(repo: &Repo, selection: &Selection<'_>, context: &Context) -> crate::Result<Vec<u8>> {
    let capture = CaptureContext::new(repo)?;
    let mut out = Vec::new();
    for entry in &selection.entries {
        let (_, record) = selection.history.read_record(repo, &entry.id)?;
        refuse_failed_run(&entry.id, &record)?;
        for artifact in &record.outputs {
            let Some(subject) = subject(&capture, &entry.id, artifact)? else {
                continue;
            };
            let statement = statement(subject, &entry.id, &record, context);
            serde_json::to_writer(&mut out, &statement).map_err(|e| {
                crate::Error::InvalidArgument {
                    field: "export",
                    problem: format!("cannot write JSON: {e}"),
                }
            })?;
            out.push(b'\n');
        }
    }
    capture.save_cache();
    Ok(out)
}

/// [`crate::Error::FailedRun`] for a record of a failed step with outputs:
/// SLSA provenance has no field saying a build failed, so a Statement about
/// them would read as a successful build. Without outputs there is nothing to
/// vouch for, and the record is passed over.
fn refuse_failed_run(id: &RecordId, record: &Record) -> crate::Result<()> {
    match record.exit {
        Some(exit) if !exit.success() && !record.outputs.is_empty() => {
            Err(crate::Error::FailedRun {
                id: id.clone(),
                kind: record.kind.clone(),
                name: record.name.clone(),
                status: exit.shell_code(),
            })
        }
        _ => Ok(()),
    }
}

/// The subject of an output: its name and digests, or `None` when it has
/// nothing to digest.
fn subject(
    capture: &CaptureContext<'_>,
    id: &RecordId,
    artifact: &Artifact,
) -> crate::Result<Option<Value>> {
    let mut digest = Map::new();
    if let Some(hash) = &artifact.hash {
        digest.insert("blake3".into(), json!(hash.to_hex()));
    }
    let local = artifact
        .hash
        .and_then(|recorded| Some((local_path(capture.store(), artifact)?, recorded)));
    if let Some((path, recorded)) = local {
        let sha256 = sha256_of(capture, &path, recorded).map_err(|problem| {
            // Not `BadArtifact`: its hint is about writing artifact specs.
            crate::Error::InvalidArgument {
                field: "in-toto subject",
                problem: format!(
                    "output '{}' of record {}: {problem}; a Statement vouches for the \
                         recorded bytes only: restore them, or export only the records whose \
                         outputs are on disk (give REFs)",
                    artifact.locator(),
                    id.short()
                ),
            }
        })?;
        digest.insert("sha256".into(), json!(sha256));
    }
    if digest.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        json!({ "name": artifact.locator(), "digest": digest }),
    ))
}

/// Why an in-toto subject's SHA-256 cannot be computed: its bytes are not
/// the recorded ones any more.
#[derive(Debug, thiserror::Error)]
enum SubjectError {
    /// The file or directory is gone.
    #[error("it no longer exists")]
    Gone,
    /// Hashing it failed.
    #[error("it cannot be read: {0}")]
    Hash(crate::hash::HashError),
    /// Reading it failed.
    #[error("it cannot be read: {0}")]
    Read(std::io::Error),
    /// Its BLAKE3 hash is not the recorded one.
    #[error("it changed since it was recorded: recorded {recorded}, now {now}")]
    Changed {
        /// The recorded hash.
        recorded: ContentHash,
        /// The hash now.
        now: ContentHash,
    },
    /// A directory changed between hashing and listing it.
    #[error("it changed while it was being read")]
    ChangedWhileReading,
}

/// SHA-256 (hex) of the file at `path`, or of the canonical listing of the
/// directory at `path`, once its BLAKE3 hash is checked to be `recorded`.
fn sha256_of(
    capture: &CaptureContext<'_>,
    path: &std::path::Path,
    recorded: ContentHash,
) -> Result<String, SubjectError> {
    let hasher = capture.hasher();
    let describe = |e: crate::hash::HashError| match e {
        crate::hash::HashError::NotFound(_) => SubjectError::Gone,
        e => SubjectError::Hash(e),
    };
    let digest = hasher.hash_path(path).map_err(describe)?;
    if digest.hash() != recorded {
        return Err(SubjectError::Changed {
            recorded,
            now: digest.hash(),
        });
    }
    let sha = match digest {
        Digest::File(_) => {
            let file = std::fs::File::open(path).map_err(SubjectError::Read)?;
            sha256_reader(file).map_err(SubjectError::Read)?
        }
        Digest::Dir(_) => {
            let listing = hasher.dir_listing(path).map_err(describe)?;
            let mut text = Vec::new();
            for entry in &listing {
                entry.write_line(&mut text);
            }
            if ContentHash::of_bytes(&text) != recorded {
                return Err(SubjectError::ChangedWhileReading);
            }
            hex(&Sha256::digest(&text))
        }
    };
    Ok(sha)
}

/// SHA-256 (hex) of everything `reader` yields.
fn sha256_reader(mut reader: impl std::io::Read) -> std::io::Result<String> {
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => sha.update(buf.get(..n).unwrap_or(&[])),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hex(&sha.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One Statement: `subject` made by the record `id`.
pub fn statement(subject: Value, id: &RecordId, record: &Record, context: &Context) -> Value {
    json!({
        "_type": STATEMENT_TYPE,
        "subject": [subject],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": external_parameters(record),
                "internalParameters": internal_parameters(record),
                "resolvedDependencies": resolved_dependencies(record, context),
            },
            "runDetails": run_details(id, record, context),
        },
    })
}

/// What the user chose: kind, name, command, params, seed.
fn external_parameters(record: &Record) -> Value {
    let mut map = Map::new();
    map.insert("kind".into(), json!(record.kind));
    map.insert("name".into(), json!(record.name));
    map.insert("command".into(), json!(record.command));
    map.insert("params".into(), json!(record.params));
    if let Some(seed) = record.seed {
        map.insert("seed".into(), json!(seed));
    }
    Value::Object(map)
}

/// What the environment decided: platform, tool, branch and dirty state.
fn internal_parameters(record: &Record) -> Value {
    let mut map = Map::new();
    let env = &record.environment;
    map.insert("os".into(), json!(env.os));
    map.insert("arch".into(), json!(env.arch));
    map.insert("tool".into(), json!(env.tool));
    if let Some(branch) = &record.code.branch {
        map.insert("branch".into(), json!(branch));
    }
    map.insert("dirty".into(), json!(record.code.dirty));
    if let Some(changes) = &record.code.changes {
        map.insert("changes".into(), json!(changes.to_string()));
    }
    Value::Object(map)
}

/// The code commit (`gitCommit`), named code files (`gitBlob`), inputs,
/// the records of other repositories it imports, lockfiles and the
/// container image, each with the digests known.
fn resolved_dependencies(record: &Record, context: &Context) -> Value {
    let mut deps = Vec::new();
    if let Some(commit) = &record.code.commit {
        let mut dep = Map::new();
        match &record.code.remote {
            Some(remote) => dep.insert("uri".into(), json!(format!("git+{remote}@{commit}"))),
            None => dep.insert("name".into(), json!("code")),
        };
        dep.insert("digest".into(), json!({ "gitCommit": commit }));
        deps.push(Value::Object(dep));
    }
    for (path, blob) in &record.code.files {
        deps.push(json!({
            "name": path,
            "digest": { "gitBlob": blob },
            "annotations": { "role": "code" },
        }));
    }
    for input in &record.inputs {
        deps.push(artifact_dependency(input));
    }
    for import in &record.imports {
        deps.push(import_dependency(import, &context.import_namespace(import)));
    }
    for (path, hash) in &record.environment.lockfiles {
        deps.push(json!({
            "name": path,
            "digest": { "blake3": hash.to_hex() },
            "annotations": { "role": "lockfile" },
        }));
    }
    if let Some(image) = &record.environment.image {
        let mut dep = Map::new();
        dep.insert("name".into(), json!(image));
        if let Some((_, sha)) = image.rsplit_once("@sha256:") {
            dep.insert("digest".into(), json!({ "sha256": sha }));
        }
        dep.insert("annotations".into(), json!({ "role": "image" }));
        deps.push(Value::Object(dep));
    }
    Value::Array(deps)
}

/// An input as a ResourceDescriptor: `name` (a path) or `uri`, the
/// `blake3` digest when recorded, and role/version/size as annotations.
fn artifact_dependency(artifact: &Artifact) -> Value {
    let mut dep = Map::new();
    if let Some(path) = &artifact.path {
        dep.insert("name".into(), json!(path));
    }
    if let Some(uri) = &artifact.uri {
        dep.insert("uri".into(), json!(uri));
    }
    if let Some(hash) = &artifact.hash {
        dep.insert("digest".into(), json!({ "blake3": hash.to_hex() }));
    }
    let mut notes = Map::new();
    if let Some(role) = &artifact.role {
        notes.insert("role".into(), json!(role));
    }
    if let Some(version) = &artifact.version {
        notes.insert("version".into(), json!(version));
    }
    if let Some(size) = artifact.size {
        notes.insert("size".into(), json!(size));
    }
    if !notes.is_empty() {
        dep.insert("annotations".into(), Value::Object(notes));
    }
    Value::Object(dep)
}

/// A record of another repository (`imports`) as a ResourceDescriptor: the
/// record file (`name`) in that repository at the commit that introduced
/// it (`uri`, `git+<url>@<commit>`), whose BLAKE3 is the record id
/// (`digest.blake3`); its repository's name, the record id and the commit
/// as annotations.
fn import_dependency(import: &ForeignReference, url: &str) -> Value {
    let id = import.record.as_str();
    let mut notes = Map::new();
    notes.insert("role".into(), json!("import"));
    notes.insert("repository".into(), json!(import.repository));
    notes.insert("record".into(), json!(id));
    let uri = match &import.commit {
        Some(commit) => {
            notes.insert("commit".into(), json!(commit));
            format!("git+{url}@{commit}")
        }
        None => format!("git+{url}"),
    };
    json!({
        "name": crate::store::Store::record_rel_path(&import.record),
        "uri": uri,
        "digest": { "blake3": id },
        "annotations": notes,
    })
}

/// The builder (git-lineage) and the run: the record id and its times.
fn run_details(id: &RecordId, record: &Record, context: &Context) -> Value {
    let mut metadata = Map::new();
    metadata.insert("invocationId".into(), json!(id.as_str()));
    if let Some(started) = record.started {
        metadata.insert("startedOn".into(), json!(started.to_string()));
    }
    if let Some(ended) = record.ended {
        metadata.insert("finishedOn".into(), json!(ended.to_string()));
    }
    json!({
        "builder": {
            "id": context.producer,
            "version": { "git-lineage": record.environment.tool },
        },
        "metadata": metadata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            sha256_reader(&b"abc"[..]).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn an_import_is_its_record_file_at_the_commit_of_its_repository() {
        let record = RecordId::of_bytes(b"foreign");
        let mut import = ForeignReference {
            repository: "features".into(),
            url: "stored".into(),
            record: record.clone(),
            commit: Some("9fceb02d0ae598e95dc970b74767f19372d61af8".into()),
        };
        let path = format!(".lineage/records/{}/{record}.yaml", record.shard());
        assert_eq!(
            import_dependency(&import, "https://example.com/features"),
            json!({
                "name": path,
                "uri": "git+https://example.com/features@9fceb02d0ae598e95dc970b74767f19372d61af8",
                "digest": {"blake3": record.as_str()},
                "annotations": {
                    "role": "import",
                    "repository": "features",
                    "record": record.as_str(),
                    "commit": "9fceb02d0ae598e95dc970b74767f19372d61af8",
                },
            })
        );
        import.commit = None;
        let dep = import_dependency(&import, "https://example.com/features");
        assert_eq!(dep["uri"], "git+https://example.com/features");
        assert!(dep["annotations"].get("commit").is_none(), "{dep}");
    }

    #[test]
    fn statement_has_the_slsa_shape() {
        let yaml = "schema: git-lineage/v1\nkind: train\nname: m\nrecorded: \"2026-11-22T10:00:00Z\"\nstarted: \"2026-11-22T09:00:00Z\"\nended: \"2026-11-22T09:30:00Z\"\nagent: {name: Jane Doe, email: jane@example.com}\ncode: {commit: 9fceb02d0ae598e95dc970b74767f19372d61af8, dirty: false, remote: \"https://example.com/r\"}\ncommand: [python, train.py]\nparams: {lr: 0.1}\nseed: 7\nenvironment: {os: linux, arch: x86_64, tool: git-lineage 0.1.0}\ninputs:\n  - {uri: \"s3://b/k\", version: \"3\"}\n";
        let record = Record::parse(yaml.as_bytes()).expect("valid record");
        let id = RecordId::of_bytes(b"r");
        let context = Context {
            namespace: "n".into(),
            producer: "https://example.com/producer".into(),
            root: "/tmp".into(),
            remotes: Default::default(),
        };
        let s = statement(json!({"name": "m.bin"}), &id, &record, &context);
        assert_eq!(s["_type"], STATEMENT_TYPE);
        assert_eq!(s["predicateType"], PREDICATE_TYPE);
        let build = &s["predicate"]["buildDefinition"];
        assert_eq!(build["buildType"], BUILD_TYPE);
        assert_eq!(build["externalParameters"]["params"]["lr"], 0.1);
        assert_eq!(build["externalParameters"]["seed"], 7);
        assert_eq!(
            build["externalParameters"]["command"],
            json!(["python", "train.py"])
        );
        let deps = build["resolvedDependencies"].as_array().unwrap();
        assert_eq!(
            deps[0],
            json!({"uri": "git+https://example.com/r@9fceb02d0ae598e95dc970b74767f19372d61af8",
                   "digest": {"gitCommit": "9fceb02d0ae598e95dc970b74767f19372d61af8"}})
        );
        assert_eq!(
            deps[1],
            json!({"uri": "s3://b/k", "annotations": {"version": "3"}})
        );
        let meta = &s["predicate"]["runDetails"]["metadata"];
        assert_eq!(meta["invocationId"], id.as_str());
        assert_eq!(meta["startedOn"], "2026-11-22T09:00:00.000000Z");
        assert_eq!(meta["finishedOn"], "2026-11-22T09:30:00.000000Z");
    }
}
