//! The manifest: one immutable record of one pipeline step (schema
//! `git-lineage/v1`), its parsing from exact bytes and its validation.
//!
//! A record's id is BLAKE3 of its file's bytes ([`RecordId::of_bytes`]); the
//! field order of [`Record`] is the order written to disk. `docs/manifest.md`
//! documents every field.

pub mod render;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::hash::{self, ContentHash};
use crate::params::ValueMap;
use crate::pointer::Pointer;
use crate::time::Timestamp;

/// The schema version this build reads and writes.
pub const SCHEMA: &str = "git-lineage/v1";

/// The id of a record: 64 lowercase hex digits, BLAKE3 of the file's bytes.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId(String);

impl RecordId {
    /// The id of a record file with these exact bytes.
    pub fn of_bytes(bytes: &[u8]) -> RecordId {
        RecordId(ContentHash::of_bytes(bytes).to_hex())
    }

    /// Parse a full id (64 lowercase hex digits).
    pub fn parse(text: &str) -> Option<RecordId> {
        (text.len() == 64 && hash::is_lower_hex(text)).then(|| RecordId(text.to_string()))
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 hex digits, for display.
    pub fn short(&self) -> &str {
        crate::render::short_id(&self.0)
    }

    /// The two-digit shard directory name.
    pub fn shard(&self) -> &str {
        &self.0[..2]
    }
}

impl TryFrom<String> for RecordId {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        RecordId::parse(&text)
            .ok_or_else(|| format!("invalid record id '{text}': expected 64 lowercase hex digits"))
    }
}

impl From<RecordId> for String {
    fn from(id: RecordId) -> String {
        id.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({})", self.0)
    }
}

/// One step of a pipeline: what ran, on what, with what, producing what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The activity: `train`, `process`, `evaluate`, `deploy`, …
    pub kind: String,
    /// A stable name for the step or model, shared by its repeated runs.
    pub name: String,
    /// When the record was written (UTC).
    pub recorded: Timestamp,
    /// When the step started, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    /// When the step ended, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<Timestamp>,
    /// How a command run by `git lineage run` ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<ExitStatus>,
    /// Who recorded it (git `user.name` / `user.email`).
    pub agent: Agent,
    /// The code version.
    pub code: Code,
    /// The command line that ran, if known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Hyperparameters, nested.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: ValueMap,
    /// The random seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Where it ran.
    pub environment: Environment,
    /// Artifacts read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<Artifact>,
    /// Artifacts written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<Artifact>,
    /// Results, nested.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: ValueMap,
    /// Earlier records this one refers to (for example one it corrects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<RecordId>,
    /// Records of other repositories (lineage remotes) this one refers to:
    /// foreign references, each pinned by id (`--ref REMOTE:REF`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<ForeignReference>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A record of another repository that a record refers to (`imports:`),
/// named like DVC's `url` + `rev_lock`: the lineage remote as it was
/// declared when recording, and the record's id, which pins its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignReference {
    /// The lineage remote's name (`remotes.<name>` in `.lineage/config.yaml`).
    pub repository: String,
    /// Its URL as declared, without credentials, query or fragment.
    pub url: String,
    /// The record's id in that repository's history.
    pub record: RecordId,
    /// The commit of that repository that introduced the record (40 or 64
    /// hex), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitStatus {
    /// The exit code, when the command exited normally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// The signal that ended it, on Unix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
}

impl ExitStatus {
    /// True for exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The status a shell would report: the code, or 128 + signal.
    pub fn shell_code(&self) -> i32 {
        match (self.code, self.signal) {
            (Some(code), _) => code,
            (None, Some(signal)) => 128 + signal,
            (None, None) => 1,
        }
    }
}

/// A person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// The code version a step ran.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// The HEAD commit id; absent on a branch with no commits yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The checked-out branch; absent when HEAD is detached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Whether tracked files differed from HEAD.
    pub dirty: bool,
    /// BLAKE3 of the uncommitted changes to tracked files (see docs/hashing.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<ContentHash>,
    /// The fetch URL of the default remote, credentials removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// Named source files with their git blob ids (as `git hash-object` prints).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
}

/// The environment a step ran in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Operating system (`linux`, `macos`, …).
    pub os: String,
    /// CPU architecture (`x86_64`, `aarch64`, …).
    pub arch: String,
    /// The git-lineage version that wrote the record, `git-lineage <semver>`.
    pub tool: String,
    /// A container image reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Lockfiles (requirements.txt, poetry.lock, …) with their content hashes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lockfiles: BTreeMap<String, ContentHash>,
}

/// Something a step read or wrote: a local file or directory (by `path`) or
/// an external thing (by `uri`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// Repository-relative path, `/`-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// URI of an external artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// What the artifact is to this step: `dataset`, `model`, `feature-group`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// A version the user gave for an external artifact (`uri@version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Content hash (file: BLAKE3 of bytes; directory: of its canonical listing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<ContentHash>,
    /// Size in bytes (a directory: the sum of its files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// For a directory: how many files and symlinks its listing has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
    /// For a large-file pointer (LFS, DVC, git-annex): the tool's digest of
    /// the content. A pointer recorded without its bytes has no `hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<Pointer>,
    /// Where copies of the bytes are kept (`s3://bucket/key?versionId=…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
    /// The stored data profile of these bytes (`record --profile`): the id
    /// of `.lineage/profiles/<2 hex>/<64 hex>.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ContentHash>,
}

impl Artifact {
    /// The path or URI, whichever is set.
    pub fn locator(&self) -> &str {
        self.path.as_deref().or(self.uri.as_deref()).unwrap_or("")
    }
}

/// Why record bytes are not a valid record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Not UTF-8.
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    /// Not YAML, or not the record's shape; message carries line/column.
    #[error("{0}")]
    Malformed(String),
    /// A schema version this build does not know.
    #[error("unknown schema version '{found}' (this git-lineage reads {SCHEMA})")]
    UnknownSchema {
        /// The `schema:` value found.
        found: String,
    },
    /// A field holds a value the schema does not allow.
    #[error("field '{field}': {problem}")]
    Invalid {
        /// Dotted field path, like `inputs[2].path`.
        field: String,
        /// What is wrong.
        problem: FieldError,
    },
}

/// Why one value is not allowed in a record: a kind, name, path or artifact
/// that breaks a rule serde cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// A kind (or artifact role) outside the allowed characters or length.
    #[error(
        "'{0}' must start with a lowercase letter and use only a-z, 0-9, '-', '_', '.' (at most 64)"
    )]
    Kind(String),
    /// A name that is empty, too long, or has control characters or
    /// surrounding spaces.
    #[error(
        "'{}' must be 1 to 200 characters with no control characters or surrounding spaces",
        .0.escape_debug()
    )]
    Name(String),
    /// A path that is not normalised and repository-relative.
    #[error("'{}' is not a normalised repository-relative path", .0.escape_debug())]
    Path(String),
    /// `ended` is before `started`.
    #[error("{ended} is before started {started}")]
    EndedBeforeStarted {
        /// When the step ended.
        ended: crate::time::Timestamp,
        /// When it started.
        started: crate::time::Timestamp,
    },
    /// Not a 40 or 64 hex digit commit id.
    #[error("'{0}' is not a git commit id")]
    CommitId(String),
    /// Not a 40 or 64 hex digit blob id.
    #[error("'{0}' is not a git blob id")]
    BlobId(String),
    /// A local artifact without its hash or a pointer digest.
    #[error("local artifact '{0}' has no hash and no pointer digest")]
    NoHash(String),
    /// A pointer on an external (`uri`) artifact.
    #[error("'{0}' is a URI: only a local path can be a large-file pointer")]
    UriPointer(String),
    /// A location that is not `scheme://…`.
    #[error("location '{0}' is not a URI (scheme://…)")]
    Location(String),
    /// A local artifact with a version.
    #[error("local artifact '{0}' cannot have a version; its hash is its version")]
    LocalVersion(String),
    /// A `uri` that is not `scheme://…`.
    #[error("'{0}' is not a URI (scheme://…)")]
    NotAUri(String),
    /// An artifact with both `path` and `uri`.
    #[error("has both 'path' and 'uri'; give one")]
    PathAndUri,
    /// An artifact with neither `path` nor `uri`.
    #[error("has neither 'path' nor 'uri'")]
    NoPathNorUri,
    /// An artifact role that is not a valid kind.
    #[error("role {0}")]
    Role(Box<FieldError>),
    /// A lineage remote name outside the allowed characters or length.
    #[error(
        "'{}' is not a remote name: use letters, digits, '.', '_' or '-', starting with a letter or digit (at most 64)",
        .0.escape_debug()
    )]
    RemoteName(String),
    /// A repository URL that is empty or holds whitespace or control characters.
    #[error("'{}' is not a repository URL: it is empty or holds whitespace", .0.escape_debug())]
    RepositoryUrl(String),
}

impl Record {
    /// Parse and validate record bytes.
    pub fn parse(bytes: &[u8]) -> Result<Record, RecordError> {
        let text = std::str::from_utf8(bytes).map_err(|_| RecordError::NotUtf8)?;
        match crate::yaml::from_str::<Record>(text) {
            // `validate` refuses a schema other than ours.
            Ok(record) => record.validate().map(|()| record),
            // A record of another schema version fails to parse as ours for
            // reasons that would only mislead: name the version instead.
            Err(error) => {
                Err(schema_problem(text)
                    .unwrap_or_else(|| RecordError::Malformed(error.to_string())))
            }
        }
    }

    /// The exact bytes to store for this record.
    pub fn to_bytes(&self) -> Result<Vec<u8>, crate::yaml::Error> {
        crate::yaml::to_string(self).map(String::into_bytes)
    }

    /// Check the rules serde cannot express.
    pub fn validate(&self) -> Result<(), RecordError> {
        let invalid = |field: &str, problem: FieldError| RecordError::Invalid {
            field: field.to_string(),
            problem,
        };
        if self.schema != SCHEMA {
            return Err(RecordError::UnknownSchema {
                found: self.schema.clone(),
            });
        }
        check_kind(&self.kind).map_err(|p| invalid("kind", p))?;
        check_name(&self.name).map_err(|p| invalid("name", p))?;
        if let (Some(started), Some(ended)) = (self.started, self.ended)
            && ended < started
        {
            return Err(invalid(
                "ended",
                FieldError::EndedBeforeStarted { ended, started },
            ));
        }
        if let Some(commit) = &self.code.commit
            && !(matches!(commit.len(), 40 | 64) && hash::is_lower_hex(commit))
        {
            return Err(invalid("code.commit", FieldError::CommitId(commit.clone())));
        }
        for (path, blob) in &self.code.files {
            check_relative_path(path).map_err(|p| invalid(&format!("code.files.{path}"), p))?;
            if !(matches!(blob.len(), 40 | 64) && hash::is_lower_hex(blob)) {
                return Err(invalid(
                    &format!("code.files.{path}"),
                    FieldError::BlobId(blob.clone()),
                ));
            }
        }
        for path in self.environment.lockfiles.keys() {
            check_relative_path(path)
                .map_err(|p| invalid(&format!("environment.lockfiles.{path}"), p))?;
        }
        for (list, artifacts) in [("inputs", &self.inputs), ("outputs", &self.outputs)] {
            for (i, artifact) in artifacts.iter().enumerate() {
                check_artifact(artifact).map_err(|p| invalid(&format!("{list}[{i}]"), p))?;
            }
        }
        for (i, import) in self.imports.iter().enumerate() {
            check_import(import)
                .map_err(|(field, p)| invalid(&format!("imports[{i}].{field}"), p))?;
        }
        Ok(())
    }
}

/// Why `text` is not a v1 record, when its `schema:` field alone says so.
fn schema_problem(text: &str) -> Option<RecordError> {
    #[derive(Deserialize)]
    struct SchemaOnly {
        schema: Option<crate::yaml::AnyValue>,
    }
    let head: SchemaOnly = crate::yaml::from_str(text).ok()?;
    let Some(schema) = head.schema else {
        return Some(RecordError::Malformed("missing field 'schema'".into()));
    };
    match schema.as_str() {
        Some(s) if s == SCHEMA => None,
        Some(found) => Some(RecordError::UnknownSchema {
            found: found.to_owned(),
        }),
        None => Some(RecordError::UnknownSchema {
            found: format!("{schema:?}"),
        }),
    }
}

/// A kind is lowercase ASCII: letters, digits, `-`, `_`, `.`, starting with a letter.
pub fn check_kind(kind: &str) -> Result<(), FieldError> {
    let ok = kind.len() <= 64
        && kind.starts_with(|c: char| c.is_ascii_lowercase())
        && kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::Kind(kind.to_string()))
    }
}

/// A name is 1–200 characters without control characters or surrounding spaces.
pub fn check_name(name: &str) -> Result<(), FieldError> {
    if name.is_empty()
        || name.chars().count() > 200
        || name.chars().any(char::is_control)
        || name.trim() != name
    {
        Err(FieldError::Name(name.to_string()))
    } else {
        Ok(())
    }
}

/// A recorded path is relative, `/`-separated, with no `.`/`..`/empty
/// components and no NUL. Any other character is allowed in a component, as
/// POSIX allows it in a file name: `a\\b.csv` is one file, not two.
pub fn check_relative_path(path: &str) -> Result<(), FieldError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\0')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
    if bad {
        Err(FieldError::Path(path.to_string()))
    } else {
        Ok(())
    }
}

/// A lineage remote name: letters, digits, `.`, `_`, `-`, starting with a
/// letter or digit, at most 64 characters, never ending in `.lock` nor
/// holding `..` (so `refs/lineage/<name>/` is a valid ref prefix).
pub fn is_remote_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name.len() <= 64
        && !name.ends_with(".lock")
        && !name.contains("..")
}

/// The field of a foreign reference that breaks a rule, and why.
fn check_import(import: &ForeignReference) -> Result<(), (&'static str, FieldError)> {
    if !is_remote_name(&import.repository) {
        return Err((
            "repository",
            FieldError::RemoteName(import.repository.clone()),
        ));
    }
    if import.url.is_empty()
        || import
            .url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(("url", FieldError::RepositoryUrl(import.url.clone())));
    }
    if let Some(commit) = &import.commit
        && !(matches!(commit.len(), 40 | 64) && hash::is_lower_hex(commit))
    {
        return Err(("commit", FieldError::CommitId(commit.clone())));
    }
    Ok(())
}

fn check_artifact(artifact: &Artifact) -> Result<(), FieldError> {
    match (&artifact.path, &artifact.uri) {
        (Some(path), None) => {
            check_relative_path(path)?;
            if artifact.hash.is_none() && artifact.pointer.is_none() {
                return Err(FieldError::NoHash(path.clone()));
            }
            if artifact.version.is_some() {
                return Err(FieldError::LocalVersion(path.clone()));
            }
        }
        (None, Some(uri)) => {
            if !is_uri(uri) {
                return Err(FieldError::NotAUri(uri.clone()));
            }
            if artifact.pointer.is_some() {
                return Err(FieldError::UriPointer(uri.clone()));
            }
        }
        (Some(_), Some(_)) => return Err(FieldError::PathAndUri),
        (None, None) => return Err(FieldError::NoPathNorUri),
    }
    if let Some(role) = &artifact.role {
        check_kind(role).map_err(|p| FieldError::Role(Box::new(p)))?;
    }
    if let Some(bad) = artifact.locations.iter().find(|l| !is_uri(l)) {
        return Err(FieldError::Location(bad.clone()));
    }
    Ok(())
}

/// True for `scheme://…` with an RFC 3986 scheme.
pub fn is_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
}

/// `uri` without its query and fragment: everything from the first `?` or
/// `#` on. Every URL a record holds passes through this, because tokens
/// travel there (`?private_token=…`, `#access_token=…`) as often as in the
/// user-info part.
pub fn strip_query_and_fragment(uri: &str) -> &str {
    uri.find(['?', '#']).map_or(uri, |end| &uri[..end])
}

/// Split `uri@version` at the last `@` when what follows has no `/`.
pub fn split_version(uri: &str) -> (&str, Option<&str>) {
    let after_scheme = uri.find("://").map_or(0, |i| i + 3);
    match uri.rfind('@') {
        Some(at) if at > after_scheme && !uri[at + 1..].contains('/') && at + 1 < uri.len() => {
            (&uri[..at], Some(&uri[at + 1..]))
        }
        _ => (uri, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_checks_say_what_is_wrong() {
        assert_eq!(
            check_kind("Train").unwrap_err().to_string(),
            "'Train' must start with a lowercase letter and use only a-z, 0-9, '-', '_', '.' (at most 64)"
        );
        assert_eq!(
            check_name(" a\t").unwrap_err().to_string(),
            "' a\\t' must be 1 to 200 characters with no control characters or surrounding spaces"
        );
        assert_eq!(
            check_relative_path("a/../b").unwrap_err().to_string(),
            "'a/../b' is not a normalised repository-relative path"
        );
        let artifact = Artifact {
            path: Some("a.csv".into()),
            hash: Some(ContentHash::of_bytes(b"a")),
            role: Some("Bad".into()),
            ..Artifact::default()
        };
        assert_eq!(
            check_artifact(&artifact).unwrap_err().to_string(),
            "role 'Bad' must start with a lowercase letter and use only a-z, 0-9, '-', '_', '.' (at most 64)"
        );
        assert!(check_kind("train.v2").is_ok() && check_name("résumé model").is_ok());
    }

    #[test]
    fn query_and_fragment_are_cut() {
        assert_eq!(
            strip_query_and_fragment("https://h/r.git?private_token=X#f"),
            "https://h/r.git"
        );
        assert_eq!(strip_query_and_fragment("s3://b/k#frag"), "s3://b/k");
        assert_eq!(strip_query_and_fragment("s3://b/k"), "s3://b/k");
    }

    fn sample() -> Record {
        Record {
            schema: SCHEMA.into(),
            kind: "train".into(),
            name: "fraud-model".into(),
            recorded: Timestamp::parse("2026-11-22T10:42:13Z").unwrap(),
            started: None,
            ended: None,
            exit: None,
            agent: Agent {
                name: "Jane Doe".into(),
                email: "jane@example.com".into(),
            },
            code: Code {
                commit: Some("9fceb02d0ae598e95dc970b74767f19372d61af8".into()),
                branch: Some("main".into()),
                ..Code::default()
            },
            command: vec![],
            params: ValueMap::new(),
            seed: Some(42),
            environment: Environment {
                os: "linux".into(),
                arch: "x86_64".into(),
                tool: "git-lineage 0.1.0".into(),
                ..Environment::default()
            },
            inputs: vec![Artifact {
                path: Some("data/train.csv".into()),
                role: Some("dataset".into()),
                hash: Some(ContentHash::of_bytes(b"x")),
                size: Some(1),
                ..Artifact::default()
            }],
            outputs: vec![],
            metrics: ValueMap::new(),
            references: vec![],
            imports: vec![],
            note: None,
        }
    }

    #[test]
    fn a_record_round_trips_through_its_bytes() {
        let record = sample();
        let bytes = record.to_bytes().unwrap();
        assert_eq!(Record::parse(&bytes).unwrap(), record);
        assert_eq!(RecordId::of_bytes(&bytes).as_str().len(), 64);
    }

    #[test]
    fn unknown_schema_is_named() {
        let text = String::from_utf8(sample().to_bytes().unwrap())
            .unwrap()
            .replace("git-lineage/v1", "git-lineage/v9");
        assert_eq!(
            Record::parse(text.as_bytes()),
            Err(RecordError::UnknownSchema {
                found: "git-lineage/v9".into()
            })
        );
    }

    #[test]
    fn unknown_fields_and_bad_values_are_rejected() {
        let text = String::from_utf8(sample().to_bytes().unwrap()).unwrap();
        let extra = format!("{text}surprise: 1\n");
        assert!(
            matches!(Record::parse(extra.as_bytes()), Err(RecordError::Malformed(m)) if m.contains("surprise"))
        );

        let mut bad = sample();
        bad.inputs[0].path = Some("../outside.csv".into());
        assert!(
            matches!(bad.validate(), Err(RecordError::Invalid { field, .. }) if field == "inputs[0]")
        );

        let mut bad = sample();
        bad.kind = "Train Job".into();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn uris_need_a_scheme() {
        assert!(is_uri("s3://bucket/key"));
        assert!(is_uri("featurestore://customers"));
        assert!(!is_uri("data/train.csv"));
        assert!(!is_uri("://x"));
        assert!(!is_uri("1abc://x"));
    }
}

/// Deterministic property pass over record parsing (the long runs are the
/// `record` fuzz target, docs/testing.md).
#[cfg(test)]
mod parse_properties {
    use super::*;

    #[test]
    fn mutated_records_never_panic_and_parsed_ones_round_trip() {
        let seed = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/records/train.yaml"
        ));
        let record = Record::parse(seed).expect("the fixture parses");
        assert_eq!(Record::parse(&record.to_bytes().unwrap()), Ok(record));
        let mut rng = crate::hash::test_rng::Rng(0x7ec);
        let mut parsed = 0;
        for _ in 0..300 {
            let mut bytes = seed.to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes[at] = rng.next_u64() as u8,
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, b"\n: -'\"#{[&*!"[rng.below(12)]),
                }
            }
            if let Ok(record) = Record::parse(&bytes) {
                parsed += 1;
                let again = record.to_bytes().expect("a parsed record serialises");
                assert_eq!(Record::parse(&again), Ok(record));
            }
        }
        assert!(
            parsed > 0,
            "no mutated record parsed: the pass tests nothing"
        );
    }
}
