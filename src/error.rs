//! The library's error type: every failure a command can report, each with
//! what went wrong and where, and the one [`Hint`] mechanism saying what to do.
//!
//! Module errors (`RepoError`, `StoreError`, …) are wrapped here; the binary
//! renders them once, as `error:` / `caused by:` / `hint:` lines, exit code 2.
//! Every hint text of the library is written in this file, as an `impl Hint`.

use std::borrow::Cow;
use std::path::PathBuf;

use crate::commit::CommitError;
use crate::emit::transport::EmitError;
use crate::hash::HashError;
use crate::history::HistoryError;
use crate::params::ParamsError;
use crate::profile::ProfileError;
use crate::query::QueryError;
use crate::record::{RecordError, RecordId};
use crate::refspec::{RefError, Unmatched};
use crate::registry::model::RegistryError;
use crate::repo::RepoError;
use crate::store::StoreError;

/// What the user can do about an error: the `hint:` line printed under it.
///
/// Implemented by [`Error`] and by every module error it wraps that has
/// something to say; [`Error`]'s implementation delegates to them. The CLI
/// takes the hint when it turns an error into a message, and gives its own
/// usage errors a hint the same way.
pub trait Hint {
    /// What to do about it, when there is something to say.
    fn hint(&self) -> Option<Cow<'_, str>>;
}

/// A `Result` with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a git-lineage command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A git problem (not a repository, no identity, lock held, …).
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// Reading or writing `.lineage/` failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A `-p`/`-m` argument or a params/metrics file is invalid.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// A REF did not resolve.
    #[error(transparent)]
    Ref(#[from] RefError),
    /// A model registry command refused.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Reading lineage history failed.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// A retention command (`drop`, `gc`) refused.
    #[error(transparent)]
    Retention(#[from] crate::retention::model::RetentionError),
    /// A search condition or date is malformed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// `git fetch` of a lineage remote (or a ref update) failed.
    #[error("cannot fetch lineage remote '{remote}' from '{url}': {message}")]
    Fetch {
        /// The remote's name.
        remote: String,
        /// Its URL.
        url: String,
        /// What git said.
        message: String,
    },
    /// `emit` could not deliver events.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// A dataset could not be profiled or compared (issue 13).
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A stored profile could not be written or read (issue 13).
    #[error(transparent)]
    StoredProfile(#[from] crate::profile::stored::StoredProfileError),
    /// A side of `drift` names no readable dataset (issue 13).
    #[error(transparent)]
    Drift(Box<crate::drift::SideError>),
    /// An artifact could not be hashed.
    #[error("{what} '{spec}': {source}")]
    Hash {
        /// `input`, `output`, `lockfile`, …
        what: &'static str,
        /// The spec as the user gave it.
        spec: String,
        /// What went wrong.
        source: HashError,
    },
    /// A `--location PATH=URL` that cannot be recorded.
    #[error("location '{spec}': {problem}")]
    BadLocation {
        /// The option's value as given.
        spec: String,
        /// What is wrong.
        problem: String,
    },
    /// A large-file pointer could not be examined.
    #[error("cannot examine {side} '{spec}' as a large-file pointer")]
    Pointer {
        /// `input` or `output`.
        side: &'static str,
        /// The spec as the user gave it.
        spec: String,
        /// What went wrong.
        source: crate::pointer::detect::DetectError,
    },
    /// A large-file pointer whose bytes are absent and whose pointer names
    /// no content (a WORM key, a DVC 2 entry).
    #[error(
        "{side} '{spec}' is a {kind} pointer without its bytes and without a content digest: {reason}"
    )]
    NoContentIdentity {
        /// `input` or `output`.
        side: &'static str,
        /// The spec as the user gave it.
        spec: String,
        /// Which tool.
        kind: crate::pointer::PointerKind,
        /// Why the pointer names no content.
        reason: String,
    },
    /// An artifact spec is malformed or names nothing usable.
    #[error("{side} '{spec}': {problem}")]
    BadArtifact {
        /// `input`, `output`, `code file`, …
        side: &'static str,
        /// The spec as the user gave it.
        spec: String,
        /// What is wrong.
        problem: SpecError,
    },
    /// A local path outside the repository.
    #[error("{side} '{spec}' is outside the repository")]
    OutsideRepo {
        /// `input`, `output`, …
        side: &'static str,
        /// The spec as the user gave it.
        spec: String,
        /// The absolute path it names.
        absolute: PathBuf,
    },
    /// A command-line value is invalid.
    #[error("invalid {field}: {problem}")]
    InvalidArgument {
        /// The option.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A `--kind`, `--name` or `NAME` value breaks the record's rules.
    #[error("invalid {field}: {problem}")]
    InvalidField {
        /// The option.
        field: &'static str,
        /// What is wrong.
        problem: crate::record::FieldError,
    },
    /// The record built from the arguments is not valid.
    #[error("the record would be invalid: {source}")]
    InvalidRecord {
        /// What is wrong.
        source: RecordError,
    },
    /// Serialising YAML failed.
    #[error(transparent)]
    Yaml(#[from] crate::yaml::Error),
    /// The record was written but the commit failed.
    #[error("record {id} was written to {path} but not committed: {source}")]
    NotCommitted {
        /// The record id.
        id: RecordId,
        /// Its worktree-relative path.
        path: String,
        /// Why the commit failed.
        source: RepoError,
    },
    /// The command given to `run` could not be started.
    #[error("cannot run '{program}': {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file system operation failed.
    #[error("cannot {action} '{}': {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An in-toto export would vouch for the outputs of a step that failed.
    #[error(
        "record {id} ({kind} {name}) is a failed run (exit {status}); an in-toto provenance \
         Statement says its subjects were built, so git-lineage does not write one for it"
    )]
    FailedRun {
        /// The record.
        id: RecordId,
        /// Its kind.
        kind: String,
        /// Its name.
        name: String,
        /// The exit status a shell would report.
        status: i32,
    },
    /// `demo` was pointed at a directory that is not empty.
    #[error("'{}' is not empty", .0.display())]
    DirectoryNotEmpty(PathBuf),
}

/// Why an artifact spec (`-i`/`-o`, a code file) names nothing usable: the
/// `problem` of [`Error::BadArtifact`]. Defined here, with the
/// error that carries it, and re-exported by `capture`, which parses specs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The spec is empty.
    #[error("empty artifact")]
    Empty,
    /// `role=` with nothing after it.
    #[error("nothing after the role")]
    NothingAfterRole,
    /// A `file://` URI with a relative path.
    #[error("a file URI needs an absolute path: file:///abs/path")]
    RelativeFileUri,
    /// A glob that does not compile.
    #[error("invalid glob: {0}")]
    Glob(globset::ErrorKind),
    /// Listing a directory while expanding a glob failed.
    #[error("cannot list '{}': {source}", dir.display())]
    List {
        /// The directory the walk started from.
        dir: PathBuf,
        /// Why (boxed: it is large, and rare).
        source: Box<walkdir::Error>,
    },
    /// A glob that matches nothing.
    #[error("the glob matches no files")]
    NoMatch,
    /// A path naming the repository's root.
    #[error("names the whole repository; name the files or directories the step used")]
    WholeRepository,
    /// A path inside `.git` or `.lineage`.
    #[error("'{0}' is inside .git or .lineage, which hold git and lineage data, not artifacts")]
    LineageData(String),
    /// A code file that is not a regular file.
    #[error("is not a file")]
    NotAFile,
}

impl Hint for Error {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text: Cow<'_, str> = match self {
            Error::Repo(e) => return e.hint(),
            Error::Store(e) => return e.hint(),
            Error::Params(e) => return e.hint(),
            Error::Ref(e) => return e.hint(),
            Error::Registry(e) => return e.hint(),
            Error::History(e) => return e.hint(),
            Error::Emit(e) => return e.hint(),
            Error::Profile(e) => return e.hint(),
            Error::StoredProfile(_) => {
                "stored profiles are written by `record --profile` and committed with the record; restore .lineage/profiles/ from git (`git checkout -- .lineage/profiles`)".into()
            }
            Error::Drift(e) => return e.hint(),
            Error::Retention(e) => return e.hint(),
            Error::Hash { source, .. } => return source.hint(),
            Error::NotCommitted { path, source, .. } => {
                let retry = source.hint().unwrap_or(Cow::Borrowed("fix the problem above"));
                if matches!(source, RepoError::HeadMoved | RepoError::RefLocked(_))
                    || matches!(source, RepoError::Git { action, .. } if action.contains("staged"))
                {
                    format!("{retry}; the record file {path} is complete and staged in the index: commit it with `git commit`").into()
                } else {
                    format!("{retry}; nothing was committed or staged, the record file {path} is complete and kept (untracked): commit it with `git add {path} && git commit`, or delete it").into()
                }
            }
            Error::OutsideRepo { side, absolute, .. } => outside_hint(side, absolute),
            Error::FailedRun { .. } => {
                "export the records of successful runs only: name them as REFs (`git lineage export --format in-toto REF…`)".into()
            }
            Error::BadArtifact { .. } => {
                "artifacts are `[role=]path`, a glob, or a URI like s3://bucket/key@version (docs/cli.md)".into()
            }
            Error::Fetch { .. } => {
                "check the remote's url in .lineage/config.yaml (`git lineage remote list`) and that `git fetch` of it works here".into()
            }
            Error::DirectoryNotEmpty(_) => "give a new or empty directory".into(),
            Error::Pointer { .. } => {
                "check that the file, its symlink target and any .dvc file beside it are readable".into()
            }
            Error::BadLocation { .. } => {
                "give --location PATH=URL for a path also given with -i or -o, with a URL that holds no credentials (docs/pointers.md)".into()
            }
            Error::NoContentIdentity { kind, .. } => format!(
                "fetch the bytes first (`{}`), then record again",
                match kind {
                    crate::pointer::PointerKind::Lfs => "git lfs pull",
                    crate::pointer::PointerKind::Dvc => "dvc pull",
                    crate::pointer::PointerKind::Annex => "git annex get",
                }
            )
            .into(),
            Error::Spawn { .. } => "check the command name and that it is on PATH".into(),
            _ => return None,
        };
        Some(text)
    }
}

impl Hint for EmitError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let resume = |delivered: &usize| match delivered {
            0 => "run the same command again: events a receiver accepted are never sent again"
                .to_string(),
            1 => "run the same command again to resume: the event accepted so far is not \
                  sent again"
                .to_string(),
            n => format!(
                "run the same command again to resume: the {n} events accepted so far are \
                 not sent again"
            ),
        };
        Some(match self {
            EmitError::NoCurl { .. } => {
                "install curl (for example `apt-get install curl`), which emit runs to send HTTP \
                 with your proxy and TLS settings"
                    .into()
            }
            EmitError::BadUrl { .. } => {
                "give the receiver's base URL, for example --url http://localhost:5000; emit \
                 adds the endpoint path api/v1/lineage (change it with --endpoint)"
                    .into()
            }
            EmitError::NoApiKey { var } => {
                format!("set it first (export {var}=…), or leave out --api-key-env for a receiver without authentication").into()
            }
            EmitError::Rejected {
                status: 401 | 403,
                ..
            } => "check the API key: give it in an environment variable named by --api-key-env".into(),
            EmitError::Rejected { status: 404, .. } => {
                "check --url and --endpoint: the receiver has no such path (Marquez and DataHub \
                 take POST /api/v1/lineage)"
                    .into()
            }
            EmitError::Rejected { delivered, .. } => format!(
                "the receiver's answer says what it refused; {}",
                resume(delivered)
            )
            .into(),
            EmitError::Undelivered {
                retryable: true,
                delivered,
                ..
            } => format!(
                "check that the receiver is running and reachable, then {}",
                resume(delivered)
            )
            .into(),
            EmitError::Undelivered { delivered, .. } => format!(
                "fix what curl reports (the URL, a certificate), then {}",
                resume(delivered)
            )
            .into(),
            EmitError::File { .. } => {
                "check that .git/lineage/ is writable; the cursor can be deleted (emit then \
                 sends every event again, which receivers treat as duplicates)"
                    .into()
            }
        })
    }
}

impl Hint for ProfileError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text = match self {
            ProfileError::UnknownFormat { .. } => {
                "name the file .csv, .tsv, .jsonl, .ndjson or .parquet (docs/drift.md lists the formats read)"
            }
            ProfileError::Parquet { .. } => {
                "check that the file is complete Parquet (copy it again, or write it again with pandas' to_parquet or pyarrow); a file in another format needs its own extension"
            }
            ProfileError::ParquetCodec { .. } => {
                "write the file again with snappy, the default of pandas and pyarrow (df.to_parquet(path, compression='snappy'); polars: write_parquet(path, compression='snappy'))"
            }
            ProfileError::ParquetColumn { .. } => {
                "write the flat columns to a new file (pandas: df[[...]].to_parquet(path)); docs/drift.md lists the Parquet types read"
            }
            ProfileError::Malformed { .. } => {
                "fix the file at that line; CSV/TSV need a header row and the same number of fields in every row, JSON Lines one object per line"
            }
            ProfileError::Empty { .. } => "a dataset needs a header row and at least one data row",
            ProfileError::Io { .. } => return None,
        };
        Some(text.into())
    }
}

impl From<crate::drift::SideError> for Error {
    fn from(err: crate::drift::SideError) -> Error {
        Error::Drift(Box::new(err))
    }
}

impl Hint for crate::drift::SideError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        use crate::drift::SideError;
        let text = match self {
            SideError::Ref { source, .. } => return source.hint(),
            SideError::History(e) => return e.hint(),
            SideError::Profile(e) => return e.hint(),
            SideError::NotData { .. } => {
                "name a CSV, TSV or JSON Lines file: a path, PATH@REV, blake3:HASH, or a record or model REF whose input is one (docs/drift.md)"
            }
            SideError::StoredProfile { .. } => {
                "`git lineage verify` checks every stored profile; restore .lineage/profiles/ from git (`git checkout -- .lineage/profiles`), or bring back the data file itself"
            }
            SideError::BytesGone { .. } => {
                "restore the file (or commit data with the code); `git lineage status` shows which recorded data changed"
            }
        };
        Some(text.into())
    }
}

impl Hint for StoreError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text = match self {
            StoreError::Record {
                source: RecordError::UnknownSchema { .. },
                ..
            } => "this record was written by a newer git-lineage; upgrade git-lineage to read it",
            StoreError::Config { .. } => {
                "fix .lineage/config.yaml (docs/config.md describes it), or delete it and run `git lineage init`"
            }
            StoreError::IdMismatch { .. } => {
                "records are immutable: restore the file from git (`git checkout -- <file>`) and record a correction instead"
            }
            _ => return None,
        };
        Some(text.into())
    }
}

impl Hint for ParamsError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text = match self {
            ParamsError::NotAnAssignment { .. } | ParamsError::NotAMap { .. } => {
                "write parameters and metrics as KEY=VALUE, for example `-p lr=0.1 -m auc=0.91`"
            }
            ParamsError::Parse { .. } => "fix the file at the line and column shown",
            ParamsError::NotAMapFile { .. } => {
                "write the file as a map of names to values, for example `lr: 0.1` on its own line"
            }
            _ => return None,
        };
        Some(text.into())
    }
}

impl Hint for HistoryError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text = match self {
            HistoryError::BadRevision { .. } => {
                "give a branch, tag or commit id that exists (`git log --oneline` lists them)"
            }
            HistoryError::NotFetched { remote } => {
                return Some(format!(
                    "run `git lineage fetch` first (`git lineage fetch {remote}` fetches this remote alone); `git lineage remote list` shows the remotes declared in .lineage/config.yaml"
                ).into());
            }
            HistoryError::Incomplete { .. } => {
                "restore the missing objects (`git fetch`, or copy them from another clone; `git fsck` lists what is damaged), or pass --allow-incomplete to export without those records"
            }
            HistoryError::Record { .. } => {
                "the record's git object is missing or damaged: `git lineage verify --history` and `git fsck` name what is lost; restore it (`git fetch`, or copy the object from another clone), or pass --allow-incomplete to export without it"
            }
            HistoryError::NotInRevision { .. } => {
                "check the path: PATH@REV reads what was committed at REV, and ignored files (data, models) are never committed; give the blake3: hash the records list instead"
            }
            _ => return None,
        };
        Some(text.into())
    }
}

impl Hint for HashError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text = match self {
            HashError::NotFound(_) => {
                "check the path; inputs and outputs must exist when they are recorded"
            }
            HashError::SymlinkLoop(_) => {
                "remove the link, or skip it by adding its name to `ignore:` in .lineage/config.yaml"
            }
            HashError::Unsupported(_) => {
                "only regular files, directories and symlinks to them can be hashed: write the data to a file first; a pipe, socket or device inside a directory can be skipped by adding its name to `ignore:` in .lineage/config.yaml"
            }
            HashError::Io { .. } => "check the file's permissions",
        };
        Some(text.into())
    }
}

impl Hint for RefError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text = match self {
            RefError::Malformed(_) | RefError::NoSuchPath(_) => {
                "a REF is a record id or 4+ hex prefix, name:NAME, model:NAME@STAGE|NAME@vN, blake3:HASH, a URI[@version], commit:REV, a path, or PATH@REV (docs/refs.md)"
            }
            RefError::TooShort(_) | RefError::Ambiguous { .. } => "give more hex digits of the id",
            RefError::NotFound(_) => {
                "`git lineage log` lists every record; name:NAME finds the latest record of a name"
            }
            RefError::NotARecord(_) => {
                "give a record id, a prefix or name:NAME; `git lineage graph` takes artifact and commit REFs"
            }
            RefError::Model { source, .. } => return source.hint(),
            RefError::NotQualifiable { .. } => {
                "give an artifact by blake3:HASH or URI without the remote (content is the same node in every repository), with --remotes"
            }
            RefError::NotInGraph { why, .. } => return Some(unmatched_hint(why)),
            RefError::UnknownRemote { remote, .. } => {
                return Some(format!(
                    "declare the repository with `git lineage remote add {remote} URL`, then `git lineage fetch {remote}` (docs/multi-repo.md)"
                ).into());
            }
            RefError::Revision(
                e @ (HistoryError::NotInRevision { .. } | HistoryError::NotFetched { .. }),
            ) => return e.hint(),
            RefError::Revision(_) => {
                "give a branch, tag or commit id that exists (`git log --oneline`)"
            }
            _ => return None,
        };
        Some(text.into())
    }
}

/// What to do about an artifact or commit REF that matched nothing.
fn unmatched_hint(why: &Unmatched) -> Cow<'static, str> {
    match why {
        Unmatched::ModelArtifact => "the version's artifact is not in the graph of the history read".into(),
        Unmatched::Hash => "no record read or wrote these bytes; `git lineage log --format json` lists the recorded hashes, and `b3sum FILE` computes a file's".into(),
        Unmatched::Uri => "no record lists this URI (at this version); `git lineage search` and `log --format json` show what was recorded".into(),
        Unmatched::Commit { descendants: true } => "no record was made from this commit or a later one".into(),
        Unmatched::Commit { descendants: false } => "no record was made from exactly this commit; add --descendants-of-commit to include records made from later commits".into(),
        Unmatched::OnlyRead => "it was only read, never written by a record; `git lineage graph REF --down --depth 1` shows the records that used it".into(),
        Unmatched::CommitRange { from, until } => {
            format!("no record was made from code that contains {from} and not {until}").into()
        }
        Unmatched::NeverRecorded => "no record lists this path; `git lineage search --input PATH` and `--output PATH` match recorded paths".into(),
        Unmatched::Path { rel, recorded } if recorded.is_empty() => format!("no record lists '{rel}'").into(),
        Unmatched::Path { rel, recorded } => format!(
            "'{rel}' changed since it was recorded ({} recorded version{}: {}); give PATH@REV for an earlier version, or the blake3: hash",
            recorded.len(),
            if recorded.len() == 1 { "" } else { "s" },
            recorded.join(", ")
        )
        .into(),
    }
}

impl Hint for RegistryError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text: Cow<'_, str> = match self {
            RegistryError::BadSelector(_) => "write NAME@v3 for a version or NAME@production for a stage".into(),
            RegistryError::UnknownModel(_) => "`git lineage registry list` shows the registered models".into(),
            RegistryError::UnknownVersion { model, .. } | RegistryError::NotStaged { model, .. } => {
                format!("`git lineage registry show {model}` lists its versions and stages").into()
            }
            RegistryError::UnknownStage { .. } => {
                "add the stage to `stages:` in .lineage/config.yaml, or use a configured one".into()
            }
            RegistryError::NotPromotable { model, .. } => {
                format!("register a new version of {model} and promote that").into()
            }
            RegistryError::NoPrevious { .. } => {
                "promote a version explicitly with `git lineage registry promote`".into()
            }
            RegistryError::NoProducer(_) => {
                "record the training step with -o PATH first, or name it with --from REF".into()
            }
            RegistryError::PolicyRefused {
                model,
                version,
                stage,
                ..
            } => format!(
                "get approvals that count with `git lineage registry approve {model}@v{version}` (committed, and signed when policy.{stage}.signed_approvals is set), or promote as an allowed promoter; the policy is in .lineage/config.yaml"
            )
            .into(),
            RegistryError::BadArtifact { .. } => {
                "give a file or directory path, or blake3:<64 hex> of a recorded output".into()
            }
        };
        Some(text)
    }
}

impl Hint for RepoError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text = match self {
            RepoError::NotARepo(_) => {
                "run it inside a git repository (`git init` creates one), or pass -C <dir>"
            }
            RepoError::Bare(_) => "run it in a clone with a worktree",
            RepoError::NoIdentity => {
                "set it with `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`"
            }
            RepoError::Locked(path) | RepoError::RefLocked(path) => {
                return Some(format!(
                    "another git process seems to be running in this repository; wait for it to finish and try again. If no git process is running, one crashed earlier: remove the file manually to continue (`rm '{}'`)",
                    path.display()
                ).into());
            }
            RepoError::HeadMoved => "another commit landed while committing",
            RepoError::Commit(e) => return e.hint(),
            RepoError::OutsideRepo { .. } => "use a path inside the repository",
            RepoError::NotUtf8(_) => {
                "rename the file to a UTF-8 name (every other name a POSIX file system allows can be recorded)"
            }
            RepoError::Sha256(_) => {
                "record in a SHA-1 repository (`git init` makes one by default), or follow docs/cli.md for the state of SHA-256 support"
            }
            _ => return None,
        };
        Some(text.into())
    }
}

impl Hint for CommitError {
    fn hint(&self) -> Option<Cow<'_, str>> {
        let text: Cow<'_, str> = match self {
            CommitError::HookFailed { name, .. } if matches!(*name, "pre-commit" | "commit-msg") => {
                format!("fix what the {name} hook reports, or pass --no-verify to skip it (like `git commit --no-verify`)").into()
            }
            CommitError::HookFailed { name, .. } => format!("fix what the {name} hook reports").into(),
            CommitError::EmptyMessage => {
                "make the commit-msg hook leave a message, or pass --no-verify to skip it".into()
            }
            CommitError::Spawn { .. } => {
                "check that the program exists and is executable (hooks need a `#!` line)".into()
            }
            CommitError::SignFailed { .. } => {
                "commit.gpgsign is true: check gpg.format, gpg.program (gpg.ssh.program for ssh) and user.signingkey (`git commit --allow-empty -m test` shows the same failure), or pass --no-gpg-sign to commit unsigned".into()
            }
            CommitError::NoSigningKey => {
                "set the key with `git config user.signingkey ~/.ssh/id_ed25519.pub`, or pass --no-gpg-sign to commit unsigned".into()
            }
            CommitError::UnknownFormat(_) => "set gpg.format to openpgp, ssh or x509".into(),
            _ => return None,
        };
        Some(text)
    }
}

/// The hint for a local path outside the repository: for `-i`/`-o`, the
/// `file://` argument that records it (as typed into a shell); for lockfiles
/// and code files, which must be in the repository, what to do instead.
fn outside_hint(side: &str, absolute: &std::path::Path) -> Cow<'static, str> {
    let option = match side {
        "input" => "-i",
        "output" => "-o",
        "code file" => {
            return "code files are pinned by their git blob id, so they must be files of this repository; record a file inside it".into();
        }
        "lockfile" => {
            return "copy the lockfile into the repository and pass that copy to --env (it is hashed as part of the environment)".into();
        }
        _ => return "use a path inside the repository".into(),
    };
    format!(
        "to record data that lives outside the repository as external data (still hashed), pass it as a URI: {option} {}",
        crate::render::shell_quote(&format!("file://{}", absolute.display()))
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_module_error_keeps_its_hint() {
        let cases: Vec<(Error, Option<String>)> = vec![
            {
                let e = RefError::TooShort("ab".into());
                let hint = e.hint().map(String::from);
                (Error::from(e), hint)
            },
            {
                let e = RegistryError::UnknownModel("m".into());
                let hint = e.hint().map(String::from);
                (Error::from(e), hint)
            },
            {
                let e = RepoError::NoIdentity;
                let hint = e.hint().map(String::from);
                (Error::from(e), hint)
            },
            {
                let e = RefError::Model {
                    text: "model:m@v9".into(),
                    source: RegistryError::UnknownModel("m".into()),
                };
                let hint = e.hint().map(String::from);
                (Error::from(e), hint)
            },
        ];
        for (error, hint) in cases {
            assert!(hint.is_some(), "{error}");
            assert_eq!(error.hint().map(String::from), hint, "{error}");
        }
        let model = RefError::Model {
            text: "model:m@v9".into(),
            source: RegistryError::UnknownModel("m".into()),
        };
        assert_eq!(
            model.hint().as_deref(),
            Some("`git lineage registry list` shows the registered models")
        );
    }

    #[test]
    fn an_unmatched_path_hint_lists_the_recorded_versions() {
        let hint = |recorded: &[&str]| {
            Error::from(RefError::NotInGraph {
                what: "'a.csv'".into(),
                why: Unmatched::Path {
                    rel: "a.csv".into(),
                    recorded: recorded.iter().map(|r| r.to_string()).collect(),
                },
            })
            .hint()
            .map(String::from)
        };
        assert_eq!(hint(&[]).as_deref(), Some("no record lists 'a.csv'"));
        assert_eq!(
            hint(&["blake3:aa"]).as_deref(),
            Some(
                "'a.csv' changed since it was recorded (1 recorded version: blake3:aa); give PATH@REV for an earlier version, or the blake3: hash"
            )
        );
        assert!(
            hint(&["x", "y"])
                .unwrap()
                .contains("(2 recorded versions: x, y)")
        );
    }
}
