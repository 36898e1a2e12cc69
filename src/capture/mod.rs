//! Capturing a step into a record: parse the user's artifact specs, params
//! and metrics, hash the data, read the code version and environment, then
//! write (and optionally commit) the manifest.
//!
//! Everything that can fail on user input is checked before the record file
//! is written, so a failed `record` leaves no file behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cache::StatCache;
use crate::commit::CommitOptions;
use crate::hash::{Digest, Hasher};
use crate::params::{self, ValueMap};
use crate::profile::Profile;
use crate::record::{
    self, Agent, Artifact, Code, Environment, ExitStatus, Record, RecordId, SCHEMA,
};
use crate::repo::Repo;
use crate::store::Store;
use crate::time::Timestamp;
use crate::{Error, Result};

mod pending;
mod spec;

pub use pending::{
    CommittedRecords, PendingRecord, commit_message, commit_records, pending_records,
};
pub use spec::{ArtifactSpec, SpecError, expand_glob, parse_artifact_spec, strip_credentials};

/// The stat cache file name under `.git/lineage/`.
pub const STAT_CACHE_FILE: &str = "stat-cache";

/// Everything `git lineage record` takes.
#[derive(Debug, Clone, Default)]
pub struct RecordRequest {
    /// The activity kind (`train`, `process`, …).
    pub kind: String,
    /// The step or model name.
    pub name: String,
    /// Input specs: `[role=]path|glob|uri[@version]`.
    pub inputs: Vec<String>,
    /// Output specs, same grammar as inputs.
    pub outputs: Vec<String>,
    /// `KEY=VALUE` params, applied after the params files.
    pub params: Vec<String>,
    /// YAML/JSON params files.
    pub params_files: Vec<PathBuf>,
    /// `KEY=VALUE` metrics, applied after the metrics files.
    pub metrics: Vec<String>,
    /// YAML/JSON metrics files.
    pub metrics_files: Vec<PathBuf>,
    /// The random seed.
    pub seed: Option<u64>,
    /// Lockfiles describing the environment.
    pub env_files: Vec<PathBuf>,
    /// Container image reference.
    pub image: Option<String>,
    /// Source files to pin by git blob id.
    pub code_files: Vec<PathBuf>,
    /// Earlier records this one refers to (REFs).
    pub references: Vec<String>,
    /// `PATH=URL`: where a copy of the input or output at PATH is kept.
    pub locations: Vec<String>,
    /// Free text.
    pub note: Option<String>,
    /// The command that ran.
    pub command: Vec<String>,
    /// When the step started.
    pub started: Option<Timestamp>,
    /// When the step ended.
    pub ended: Option<Timestamp>,
    /// How the command ended.
    pub exit: Option<ExitStatus>,
    /// Store the profile of every local CSV, TSV, JSON Lines or Parquet input and
    /// output (config globs `profile:` add files without it).
    pub profile: bool,
    /// Commit the record to the current branch.
    pub commit: bool,
    /// How to commit (hooks, signing), like `git commit`'s flags.
    pub commit_options: CommitOptions,
    /// The directory relative paths are resolved against.
    pub cwd: PathBuf,
}

impl RecordRequest {
    /// A request with a kind, a name and a working directory; everything else empty.
    pub fn new(
        kind: impl Into<String>,
        name: impl Into<String>,
        cwd: impl Into<PathBuf>,
    ) -> RecordRequest {
        RecordRequest {
            kind: kind.into(),
            name: name.into(),
            cwd: cwd.into(),
            ..RecordRequest::default()
        }
    }
}

/// A record that was written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Recorded {
    /// Its id.
    pub id: RecordId,
    /// Its worktree-relative path.
    pub path: String,
    /// The commit that added it, with `--commit`.
    pub commit: Option<String>,
    /// The record itself.
    pub record: Record,
    /// What recording found worth a warning (printed on stderr, not in JSON).
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Which list an artifact spec belongs to, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `-i`.
    Input,
    /// `-o`.
    Output,
}

impl Side {
    /// `input` or `output`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Input => "input",
            Side::Output => "output",
        }
    }
}

/// The state shared by every artifact hashed in one command.
pub struct Context<'a> {
    repo: &'a Repo,
    store: Store,
    ignore: globset::GlobSet,
    cache: StatCache,
    profile_globs: globset::GlobSet,
    /// What hashing found worth saying (a pointer without identity).
    warnings: std::cell::RefCell<Vec<String>>,
}

impl<'a> Context<'a> {
    /// Load the config and the stat cache of `repo`.
    pub fn new(repo: &'a Repo) -> Result<Context<'a>> {
        let store = Store::new(repo.root());
        let config = store.config()?;
        let ignore = config
            .ignore_set()
            .map_err(|source| crate::store::StoreError::Config {
                path: store.config_path(),
                source,
            })?;
        let cache = StatCache::load(&repo.cache_dir().join(STAT_CACHE_FILE));
        let profile_globs =
            profile_globs(&config.profile).map_err(|source| crate::store::StoreError::Config {
                path: store.config_path(),
                source,
            })?;
        Ok(Context {
            repo,
            store,
            ignore,
            cache,
            profile_globs,
            warnings: std::cell::RefCell::default(),
        })
    }

    /// The warnings hashing gave so far, emptied.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.warnings.borrow_mut())
    }

    /// The repository.
    pub fn repo(&self) -> &Repo {
        self.repo
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A hasher using the config's ignore globs and the stat cache.
    pub fn hasher(&self) -> Hasher<'_> {
        Hasher::new(&self.ignore, Some(&self.cache))
    }

    /// Save the stat cache; failures only cost speed next time, so they are ignored.
    pub fn save_cache(&self) {
        let _ = self.cache.save();
    }

    /// True when an artifact spec names something that exists now: a path or
    /// `file://` URI that is there, a glob that matches (after the ignore
    /// globs), or an external URI (never checked).
    pub fn spec_exists(&self, spec: &str, cwd: &Path) -> bool {
        match parse_artifact_spec(spec, cwd) {
            Ok(ArtifactSpec::Path { path, .. }) => cwd.join(path).exists(),
            Ok(ArtifactSpec::FileUri { path, .. }) => path.exists(),
            Ok(ArtifactSpec::Glob { pattern, .. }) => {
                expand_glob(&pattern, cwd, &self.ignore).is_ok_and(|m| !m.is_empty())
            }
            Ok(ArtifactSpec::External { .. }) => true,
            Err(_) => false,
        }
    }

    /// Resolve and hash every spec of one side.
    pub fn artifacts(&self, side: Side, specs: &[String], cwd: &Path) -> Result<Vec<Artifact>> {
        let mut out = Vec::new();
        for text in specs {
            let bad = |problem: SpecError| Error::BadArtifact {
                side: side.as_str(),
                spec: text.clone(),
                problem,
            };
            match parse_artifact_spec(text, cwd).map_err(bad)? {
                ArtifactSpec::Path { role, path } => {
                    out.push(self.local_artifact(side, text, role, &path, cwd)?);
                }
                ArtifactSpec::Glob { role, pattern } => {
                    let matches = expand_glob(&pattern, cwd, &self.ignore).map_err(bad)?;
                    if matches.is_empty() {
                        return Err(Error::BadArtifact {
                            side: side.as_str(),
                            spec: text.clone(),
                            problem: SpecError::NoMatch,
                        });
                    }
                    for path in matches {
                        out.push(self.local_artifact(side, text, role.clone(), &path, cwd)?);
                    }
                }
                ArtifactSpec::FileUri { role, uri, path } => {
                    let digest = self.hash(side, text, &path)?;
                    out.push(artifact_from_digest(None, Some(uri), role, digest));
                }
                ArtifactSpec::External { role, uri, version } => out.push(Artifact {
                    uri: Some(uri),
                    role,
                    version,
                    ..Artifact::default()
                }),
            }
        }
        Ok(out)
    }

    fn local_artifact(
        &self,
        side: Side,
        spec: &str,
        role: Option<String>,
        path: &Path,
        cwd: &Path,
    ) -> Result<Artifact> {
        let rel = repo_relative(self.repo, side.as_str(), spec, cwd, path)?;
        if rel.is_empty() {
            return Err(Error::BadArtifact {
                side: side.as_str(),
                spec: spec.to_string(),
                problem: SpecError::WholeRepository,
            });
        }
        if rel == ".git"
            || rel.starts_with(".git/")
            || rel == ".lineage"
            || rel.starts_with(".lineage/")
        {
            return Err(Error::BadArtifact {
                side: side.as_str(),
                spec: spec.to_string(),
                problem: SpecError::LineageData(rel),
            });
        }
        let found =
            crate::pointer::detect::detect(self.repo, &rel).map_err(|source| Error::Pointer {
                side: side.as_str(),
                spec: spec.to_string(),
                source,
            })?;
        let Some(found) = found else {
            let digest = self.hash(side, spec, &self.repo.root().join(&rel))?;
            return Ok(artifact_from_digest(Some(rel), None, role, digest));
        };
        if let Some(warning) = &found.warning {
            self.warnings
                .borrow_mut()
                .push(format!("{} '{spec}': {warning}", side.as_str()));
        }
        if found.present {
            let digest = self.hash(side, spec, &self.repo.root().join(&rel))?;
            let mut artifact = artifact_from_digest(Some(rel), None, role, digest);
            artifact.pointer = found.pointer;
            return Ok(artifact);
        }
        if found.pointer.is_none() {
            return Err(Error::NoContentIdentity {
                side: side.as_str(),
                spec: spec.to_string(),
                kind: found.kind,
                reason: found.warning.unwrap_or_default(),
            });
        }
        Ok(Artifact {
            path: Some(rel),
            role,
            size: found.size,
            files: found.files,
            pointer: found.pointer,
            ..Artifact::default()
        })
    }

    fn hash(&self, side: Side, spec: &str, path: &Path) -> Result<Digest> {
        self.hasher().hash_path(path).map_err(|source| Error::Hash {
            what: side.as_str(),
            spec: spec.to_string(),
            source,
        })
    }

    /// The profiles to store for `artifacts`, in order: a profile for each
    /// local tabular file that `all` or a `profile:` glob selects. A file
    /// that cannot be profiled is left out with a warning.
    pub fn profiles(&self, side: Side, artifacts: &[Artifact], all: bool) -> Vec<Option<Profile>> {
        artifacts
            .iter()
            .map(|artifact| {
                let rel = artifact.path.as_deref()?;
                artifact.hash?;
                if artifact.files.is_some()
                    || crate::profile::Format::from_path(Path::new(rel)).is_err()
                    || !(all || self.profile_globs.is_match(rel))
                {
                    return None;
                }
                match crate::profile::profile_path(&self.repo.root().join(rel), rel) {
                    Ok(profile) => Some(profile),
                    Err(e) => {
                        self.warnings
                            .borrow_mut()
                            .push(format!("{} '{rel}' not profiled: {e}", side.as_str()));
                        None
                    }
                }
            })
            .collect()
    }

    /// Hash lockfiles for the environment section.
    pub fn lockfiles(
        &self,
        files: &[PathBuf],
        cwd: &Path,
    ) -> Result<BTreeMap<String, crate::hash::ContentHash>> {
        let mut out = BTreeMap::new();
        for file in files {
            let spec = file.display().to_string();
            let rel = repo_relative(self.repo, "lockfile", &spec, cwd, file)?;
            let digest = self
                .hasher()
                .hash_file(&self.repo.root().join(&rel))
                .map_err(|source| Error::Hash {
                    what: "lockfile",
                    spec,
                    source,
                })?;
            out.insert(rel, digest.hash);
        }
        Ok(out)
    }
}

/// The `profile:` globs of the config as one set.
fn profile_globs(
    globs: &[String],
) -> std::result::Result<globset::GlobSet, crate::config::ConfigError> {
    let mut set = globset::GlobSetBuilder::new();
    for glob in globs {
        let parsed = globset::GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|e| crate::config::ConfigError::BadGlob {
                pattern: glob.clone(),
                message: e.kind().to_string(),
            })?;
        set.add(parsed);
    }
    set.build()
        .map_err(|e| crate::config::ConfigError::BadGlob {
            pattern: globs.join(", "),
            message: e.to_string(),
        })
}

/// `path` as a worktree-relative path, or [`Error::OutsideRepo`] naming the
/// option (`side`) and the spec as the user gave it.
fn repo_relative(
    repo: &Repo,
    side: &'static str,
    spec: &str,
    cwd: &Path,
    path: &Path,
) -> Result<String> {
    repo.relative_path(cwd, path).map_err(|err| match err {
        crate::repo::RepoError::NotUtf8(_) => Error::Repo(err),
        _ => Error::OutsideRepo {
            side,
            spec: spec.to_string(),
            absolute: crate::repo::absolute_path(cwd, path),
        },
    })
}

fn artifact_from_digest(
    path: Option<String>,
    uri: Option<String>,
    role: Option<String>,
    digest: Digest,
) -> Artifact {
    Artifact {
        path,
        uri,
        role,
        version: None,
        hash: Some(digest.hash()),
        size: Some(digest.size()),
        files: match digest {
            Digest::Dir(d) => Some(d.files),
            Digest::File(_) => None,
        },
        pointer: None,
        locations: Vec::new(),
        profile: None,
    }
}

/// Query keys that carry credentials (presigned URLs, tokens): a location
/// with one is refused rather than recorded.
const SECRET_QUERY_KEYS: &[&str] = &[
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "signature",
    "sig",
    "token",
    "access_token",
    "private_token",
    "x-goog-signature",
    "x-goog-credential",
];

/// Split `PATH=URL` (at the first `=` followed by a URI) into the
/// repository-relative path and the URL without user-info credentials.
fn parse_location(repo: &Repo, spec: &str, cwd: &Path) -> Result<(String, String)> {
    let bad = |problem: String| Error::BadLocation {
        spec: spec.to_string(),
        problem,
    };
    let split = spec
        .match_indices('=')
        .map(|(at, _)| at)
        .find(|&at| at > 0 && record::is_uri(&spec[at + 1..]))
        .ok_or_else(|| {
            bad("expected PATH=URL, like data/train.csv=s3://bucket/key?versionId=…".into())
        })?;
    let (path, url) = (&spec[..split], &spec[split + 1..]);
    let rel = repo_relative(repo, "location", spec, cwd, Path::new(path))?;
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split(['&', '#']) {
            let key = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
            if SECRET_QUERY_KEYS.contains(&key.as_str()) {
                return Err(bad(format!(
                    "its query carries a credential ('{key}'), which a record would publish"
                )));
            }
        }
    }
    Ok((rel, strip_user_info(url)))
}

/// `url` without a `user:password@` part in its authority.
fn strip_user_info(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let start = scheme_end + 3;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}{}", &url[..start], &url[start + at + 1..]),
        None => url.to_string(),
    }
}

/// Everything about a step that is known before its command runs.
pub struct Prepared<'a> {
    ctx: Context<'a>,
    kind: String,
    name: String,
    agent: Agent,
    code: Code,
    params: ValueMap,
    environment: Environment,
    inputs: Vec<Artifact>,
    input_profiles: Vec<Option<Profile>>,
    references: Vec<RecordId>,
    imports: Vec<crate::record::ForeignReference>,
}

/// Check and capture everything but the outputs and metrics (which a command
/// may write): kind, name, params, identity, references, inputs (hashed now, before any command
/// could change them), lockfiles and the code version.
pub fn prepare<'a>(repo: &'a Repo, request: &RecordRequest) -> Result<Prepared<'a>> {
    record::check_kind(&request.kind).map_err(|problem| Error::InvalidField {
        field: "--kind",
        problem,
    })?;
    record::check_name(&request.name).map_err(|problem| Error::InvalidField {
        field: "--name",
        problem,
    })?;
    for (side, specs) in [
        (Side::Input, &request.inputs),
        (Side::Output, &request.outputs),
    ] {
        for spec in specs {
            parse_artifact_spec(spec, &request.cwd).map_err(|problem| Error::BadArtifact {
                side: side.as_str(),
                spec: spec.clone(),
                problem,
            })?;
        }
    }
    let params = load_values(&request.params_files, &request.params, &request.cwd)?;
    // Metrics files may be written by the command; the assignments can be checked now.
    load_values(&[], &request.metrics, &request.cwd)?;
    let agent = repo.identity()?;
    let ctx = Context::new(repo)?;
    // `REMOTE:REF` names another repository's record (docs/multi-repo.md).
    let config = match request.references.iter().any(|r| r.contains(':')) {
        true => ctx.store().config()?,
        false => crate::config::Config::default(),
    };
    let mut references = Vec::new();
    let mut imports: Vec<crate::record::ForeignReference> = Vec::new();
    for text in &request.references {
        use crate::refspec::Reference;
        match crate::refspec::resolve_any_reference(repo, ctx.store(), &config, text, &request.cwd)?
        {
            Reference::Local(id) => references.push(id),
            Reference::Foreign(import) => {
                if !imports.iter().any(|i| i.record == import.record) {
                    imports.push(import);
                }
            }
        }
    }
    let mut code_files = Vec::new();
    for file in &request.code_files {
        let rel = repo_relative(
            repo,
            "code file",
            &file.display().to_string(),
            &request.cwd,
            file,
        )?;
        if !repo.root().join(&rel).is_file() {
            return Err(Error::BadArtifact {
                side: "code file",
                spec: file.display().to_string(),
                problem: SpecError::NotAFile,
            });
        }
        code_files.push(rel);
    }
    let inputs = ctx.artifacts(Side::Input, &request.inputs, &request.cwd)?;
    let input_profiles = ctx.profiles(Side::Input, &inputs, request.profile);
    let environment = Environment {
        image: request.image.clone(),
        lockfiles: ctx.lockfiles(&request.env_files, &request.cwd)?,
        ..tool_environment()
    };
    let code = repo.code_state(&code_files)?;
    Ok(Prepared {
        ctx,
        kind: request.kind.clone(),
        name: request.name.clone(),
        agent,
        code,
        params,
        environment,
        inputs,
        input_profiles,
        references,
        imports,
    })
}

fn load_values(files: &[PathBuf], assignments: &[String], cwd: &Path) -> Result<ValueMap> {
    let mut map = ValueMap::new();
    for file in files {
        params::merge(
            &mut map,
            params::load_file(&crate::repo::absolute_path(cwd, file))?,
        );
    }
    for assignment in assignments {
        params::apply_assignment(&mut map, assignment)?;
    }
    Ok(map)
}

impl Prepared<'_> {
    /// The hashing context (config, ignore globs, stat cache).
    pub fn context(&self) -> &Context<'_> {
        &self.ctx
    }

    /// Hash the outputs, add what only the end of a step knows (metrics files
    /// written by the command, times, exit status), write the record and, if
    /// asked, commit it.
    pub fn finish(self, request: &RecordRequest) -> Result<Recorded> {
        let ctx = &self.ctx;
        let metrics = load_values(&request.metrics_files, &request.metrics, &request.cwd)?;
        let mut outputs = ctx.artifacts(Side::Output, &request.outputs, &request.cwd)?;
        let mut inputs = self.inputs;
        let output_profiles = ctx.profiles(Side::Output, &outputs, request.profile);
        let mut profile_paths = Vec::new();
        for (artifact, profile) in inputs
            .iter_mut()
            .zip(&self.input_profiles)
            .chain(outputs.iter_mut().zip(&output_profiles))
        {
            if let Some(profile) = profile {
                let (id, rel) =
                    crate::profile::stored::write(ctx.repo.root(), profile, &ctx.repo.temp_dir())?;
                artifact.profile = Some(id);
                if !profile_paths.contains(&rel) {
                    profile_paths.push(rel);
                }
            }
        }
        for spec in &request.locations {
            let (rel, url) = parse_location(ctx.repo, spec, &request.cwd)?;
            let mut named = inputs
                .iter_mut()
                .chain(outputs.iter_mut())
                .filter(|a| a.path.as_deref() == Some(rel.as_str()))
                .peekable();
            if named.peek().is_none() {
                return Err(Error::BadLocation {
                    spec: spec.clone(),
                    problem: format!("'{rel}' is not a path this record reads (-i) or writes (-o)"),
                });
            }
            for artifact in named {
                if !artifact.locations.contains(&url) {
                    artifact.locations.push(url.clone());
                }
            }
        }
        let record = Record {
            schema: SCHEMA.to_string(),
            kind: self.kind,
            name: self.name,
            recorded: Timestamp::now(),
            started: request.started,
            ended: request.ended,
            exit: request.exit,
            agent: self.agent,
            code: self.code,
            command: request.command.clone(),
            params: self.params,
            seed: request.seed,
            environment: self.environment,
            inputs,
            outputs,
            metrics,
            references: self.references,
            imports: self.imports,
            note: request.note.clone(),
        };
        let recorded = store_record_with(
            ctx.repo,
            ctx.store(),
            record,
            &profile_paths,
            request.commit.then_some(&request.commit_options),
        );
        ctx.save_cache();
        recorded.map(|mut recorded| {
            recorded.warnings = ctx.take_warnings();
            recorded
        })
    }
}

/// The environment every record names: this machine's OS and
/// architecture, and this git-lineage.
pub fn tool_environment() -> Environment {
    Environment {
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        tool: format!("git-lineage {}", env!("CARGO_PKG_VERSION")),
        ..Environment::default()
    }
}

/// A record of an action git-lineage itself takes (a registry event, a
/// tombstone, an expiry): made by `agent` now, at the current code state,
/// with `params`, `inputs` and `references` and nothing else (no command,
/// outputs, metrics or seed).
pub fn action_record(
    repo: &Repo,
    kind: &str,
    name: &str,
    agent: crate::record::Agent,
    params: ValueMap,
    inputs: Vec<Artifact>,
    references: Vec<RecordId>,
) -> Result<Record> {
    Ok(Record {
        schema: crate::record::SCHEMA.to_string(),
        kind: kind.to_string(),
        name: name.to_string(),
        recorded: crate::time::Timestamp::now(),
        started: None,
        ended: None,
        exit: None,
        agent,
        code: repo.code_state(&[])?,
        command: Vec::new(),
        params,
        seed: None,
        environment: tool_environment(),
        inputs,
        outputs: Vec::new(),
        metrics: ValueMap::new(),
        references,
        imports: Vec::new(),
        note: None,
    })
}

/// Validate `record`, write it to `store` under its id and, with `commit`,
/// commit it as `lineage: <kind> <name> <short id>`. A failed commit keeps
/// the complete record file and says so ([`Error::NotCommitted`]).
///
/// `commit` carries `git commit`'s flags (hooks, signing) when committing.
pub fn store_record(
    repo: &Repo,
    store: &Store,
    record: Record,
    commit: Option<&CommitOptions>,
) -> Result<Recorded> {
    store_record_with(repo, store, record, &[], commit)
}

/// [`store_record`] for a record whose artifacts link stored profiles: the
/// worktree-relative `profiles` (already written) are committed with it,
/// staged before the record.
pub fn store_record_with(
    repo: &Repo,
    store: &Store,
    record: Record,
    profiles: &[String],
    commit: Option<&CommitOptions>,
) -> Result<Recorded> {
    record
        .validate()
        .map_err(|source| Error::InvalidRecord { source })?;
    let bytes = record.to_bytes()?;
    let (id, _) = store.write_record(&bytes, &repo.temp_dir())?;
    let path = Store::record_rel_path(&id);
    let commit = if let Some(options) = commit {
        let message = format!("lineage: {} {} {}", record.kind, record.name, id.short());
        Some(
            repo.commit_paths(
                &profiles
                    .iter()
                    .cloned()
                    .chain([path.clone()])
                    .collect::<Vec<_>>(),
                &message,
                options,
            )
            .map_err(|source| Error::NotCommitted {
                id: id.clone(),
                path: path.clone(),
                source,
            })?,
        )
    } else {
        None
    };
    Ok(Recorded {
        id,
        path,
        commit,
        record,
        warnings: Vec::new(),
    })
}

/// Record a finished step: the whole of `git lineage record`.
pub fn record(repo: &Repo, request: &RecordRequest) -> Result<Recorded> {
    prepare(repo, request)?.finish(request)
}
