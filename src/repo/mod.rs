//! The git repository, through gix: where the worktree is, who the user is,
//! what code version is checked out, and committing lineage files.
//!
//! Commits edit HEAD's tree (never the index's), so changes the user staged
//! stay staged and out of lineage commits. The index is updated for the
//! committed paths under `index.lock`, held across the whole commit, with the
//! cache-tree extension dropped (gitoxide issue #2421).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use gix::bstr::{BString, ByteSlice};

use crate::commit::CommitError;
use crate::hash::ContentHash;
use crate::record::{Agent, Code};

mod signature;
mod submodule;
mod write;

pub use signature::SignatureError;
pub use submodule::{SubmodulePin, source_name as submodule_source_name};

/// How long to wait for another process's `index.lock` before giving up.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a git operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RepoError {
    /// No repository at or above the directory.
    #[error("not a git repository (or any parent up to the root): '{}'", .0.display())]
    NotARepo(PathBuf),
    /// A bare repository has no worktree to record in.
    #[error("'{}' is a bare repository; git-lineage needs a worktree", .0.display())]
    Bare(PathBuf),
    /// `user.name` / `user.email` are not configured.
    #[error("git identity is not configured (user.name and user.email)")]
    NoIdentity,
    /// Another process holds `index.lock`, or a crashed one left it.
    #[error("unable to lock the index: '{}' exists", .0.display())]
    Locked(PathBuf),
    /// The branch moved between reading HEAD and moving it: the files are
    /// staged in the index but not committed.
    #[error(
        "HEAD moved while committing (another commit landed at the same time); the record is staged in the index but not committed"
    )]
    HeadMoved,
    /// `HEAD.lock` or the branch's lock file exists (another git process, or
    /// a crashed one): the files are staged in the index but not committed.
    #[error("unable to lock HEAD or its branch: '{}' exists; the record is staged in the index but not committed", .0.display())]
    RefLocked(PathBuf),
    /// A hook or the signing program stopped the commit.
    #[error(transparent)]
    Commit(#[from] CommitError),
    /// A path is outside the worktree.
    #[error("'{}' is outside the repository at '{}'", path.display(), root.display())]
    OutsideRepo {
        /// The offending path.
        path: PathBuf,
        /// The worktree root.
        root: PathBuf,
    },
    /// A path inside the worktree whose name is not UTF-8: records hold
    /// paths as YAML text, which cannot carry it.
    #[error("'{}' cannot be recorded: its name is not valid UTF-8", .0.display())]
    NotUtf8(PathBuf),
    /// The repository uses SHA-256 object ids (`extensions.objectFormat`).
    #[error(
        "'{}' is a SHA-256 repository, and SHA-256 repositories are not supported yet: \
         git-lineage reads git through gitoxide, built with SHA-1 object ids only, \
         because its SHA-256 support is still experimental",
        .0.display()
    )]
    Sha256(PathBuf),
    /// Reading a file failed.
    #[error("cannot read '{}': {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Any other gix failure, with what we were doing.
    #[error("git: cannot {action}: {source}")]
    Git {
        /// What was being done.
        action: &'static str,
        /// The gix error.
        source: gix::Error,
    },
}

/// `path` made absolute against `cwd` (canonicalised, as the kernel reports
/// the current directory) and normalised lexically: `.` dropped, `..`
/// removing the previous component. Symlinks in `path` are not resolved.
pub fn absolute_path(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::fs::canonicalize(cwd)
            .unwrap_or_else(|_| cwd.to_path_buf())
            .join(path)
    };
    let mut normal = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// Whether the repository around `dir` that gix declined to open declares
/// `extensions.objectFormat = sha256` in its (common) config.
fn uses_sha256(dir: &Path) -> bool {
    let Ok((path, _)) = gix::discover::upwards(dir) else {
        return false;
    };
    let (git_dir, _) = path.into_repository_and_work_tree_directories();
    // A linked worktree's config lives in the common directory.
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .map(|c| git_dir.join(c.trim()))
        .unwrap_or(git_dir);
    let Ok(config) =
        gix::config::File::from_path_no_includes(common.join("config"), gix::config::Source::Local)
    else {
        return false;
    };
    config
        .string("extensions.objectFormat")
        .is_some_and(|format| format.eq_ignore_ascii_case(b"sha256"))
}

/// A `[user]` config section for `agent`, values quoted and escaped.
fn identity_section(agent: &Agent) -> String {
    format!(
        "[user]\n\tname = {}\n\temail = {}\n",
        config_quote(&agent.name),
        config_quote(&agent.email)
    )
}

/// A git config value in double quotes, with `\`, `"`, newline and tab escaped.
fn config_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn git(action: &'static str) -> impl FnOnce(gix::Error) -> RepoError {
    move |source| RepoError::Git { action, source }
}

/// Object cache per repository handle: trees and commits read twice in a
/// row (a commit's subtree is its child's parent subtree) stay decoded.
const OBJECT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Give a repository handle the object cache that history reads need.
pub(crate) fn tune_object_cache(repo: &mut gix::Repository) {
    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
}

/// A git repository with a worktree.
pub struct Repo {
    repo: gix::Repository,
    root: PathBuf,
}

impl Repo {
    /// Find the repository containing `dir` (like `git rev-parse --show-toplevel`).
    pub fn discover(dir: &Path) -> Result<Repo, RepoError> {
        let mut repo = gix::discover(dir).map_err(|_| {
            if uses_sha256(dir) {
                RepoError::Sha256(dir.to_path_buf())
            } else {
                RepoError::NotARepo(dir.to_path_buf())
            }
        })?;
        tune_object_cache(&mut repo);
        let workdir = repo
            .workdir()
            .ok_or_else(|| RepoError::Bare(repo.git_dir().to_path_buf()))?;
        let root = std::fs::canonicalize(workdir).map_err(|source| RepoError::Io {
            path: workdir.to_path_buf(),
            source,
        })?;
        Ok(Repo { repo, root })
    }

    /// Create a repository with a worktree at `dir` (like `git init`). When no
    /// identity is configured anywhere, `fallback` is written to the new
    /// repository's own config so commits can be made.
    pub fn init(dir: &Path, fallback: Option<&Agent>) -> Result<Repo, RepoError> {
        let repo = gix::init(dir).map_err(git("initialise a repository"))?;
        let has_identity = repo.author().is_some_and(|a| a.is_ok());
        if let (false, Some(agent)) = (has_identity, fallback) {
            let config = repo.git_dir().join("config");
            let mut text = std::fs::read_to_string(&config).map_err(|source| RepoError::Io {
                path: config.clone(),
                source,
            })?;
            text.push_str(&identity_section(agent));
            std::fs::write(&config, text).map_err(|source| RepoError::Io {
                path: config,
                source,
            })?;
        }
        Repo::discover(dir)
    }

    /// The gix repository, for the modules that read history.
    pub(crate) fn gix(&self) -> &gix::Repository {
        &self.repo
    }

    /// The worktree root, canonicalised.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The `.git` directory.
    pub fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    /// Where git-lineage keeps derived, rebuildable data: `.git/lineage/`.
    pub fn cache_dir(&self) -> PathBuf {
        self.repo.common_dir().join("lineage")
    }

    /// The user's identity from git config (`user.name`, `user.email`, or
    /// the `GIT_AUTHOR_*` variables).
    pub fn identity(&self) -> Result<Agent, RepoError> {
        let signature = self
            .repo
            .author()
            .ok_or(RepoError::NoIdentity)?
            .map_err(git("read the author identity"))?;
        let name = signature.name.to_str_lossy().trim().to_string();
        let email = signature.email.to_str_lossy().trim().to_string();
        if name.is_empty() || email.is_empty() {
            return Err(RepoError::NoIdentity);
        }
        Ok(Agent { name, email })
    }

    /// Turn `path` (relative to `cwd`, or absolute) into a normalised
    /// worktree-relative `/`-separated path, without touching the file system
    /// beyond the worktree root. Refuses paths that leave the worktree.
    pub fn relative_path(&self, cwd: &Path, path: &Path) -> Result<String, RepoError> {
        let normal = absolute_path(cwd, path);
        let outside = || RepoError::OutsideRepo {
            path: path.to_path_buf(),
            root: self.root.clone(),
        };
        let rel = normal.strip_prefix(&self.root).map_err(|_| outside())?;
        let parts: Vec<&str> = rel
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<_>>()
            .ok_or_else(|| RepoError::NotUtf8(normal.clone()))?;
        Ok(parts.join("/"))
    }

    /// The git blob id of a worktree file's current bytes (`git hash-object`).
    pub fn blob_id(&self, rel: &str) -> Result<String, RepoError> {
        let path = self.root.join(rel);
        let bytes = std::fs::read(&path).map_err(|source| RepoError::Io { path, source })?;
        let id = gix::objs::compute_hash(self.repo.object_hash(), gix::objs::Kind::Blob, &bytes)
            .map_err(git("hash a blob"))?;
        Ok(id.to_string())
    }

    /// The bytes of `rel`'s staged blob when it is smaller than `max`
    /// bytes (a large-file pointer is small); `None` when it is not staged,
    /// larger, or unreadable.
    pub fn index_blob(&self, rel: &str, max: u64) -> Option<Vec<u8>> {
        let index = self.repo.index_or_empty().ok()?;
        let id = index.entry_by_path(rel.into())?.id;
        if self.repo.find_header(id).ok()?.size() >= max {
            return None;
        }
        Some(self.repo.find_object(id).ok()?.detach().data)
    }

    /// A git config value (`remote.origin.lfsurl`, …), as text.
    pub fn config_string(&self, key: &str) -> Option<String> {
        self.repo
            .config_snapshot()
            .string(key)
            .map(|value| value.to_str_lossy().into_owned())
    }

    /// The fetch URL of the remote `name` as configured (credentials kept:
    /// for inferring where large files are pushed, never recorded).
    pub fn remote_fetch_url(&self, name: &str) -> Option<String> {
        self.config_string(&format!("remote.{name}.url"))
    }

    /// The code version checked out now: HEAD, branch, dirty state with a hash
    /// of the uncommitted changes, the default remote without credentials, and
    /// the blob ids of `files` (worktree-relative).
    pub fn code_state(&self, files: &[String]) -> Result<Code, RepoError> {
        let head = self.repo.head().map_err(git("read HEAD"))?;
        let commit = head.id().map(|id| id.to_string());
        let branch = if head.is_detached() {
            None
        } else {
            head.referent_name()
                .map(|name| name.shorten().to_str_lossy().into_owned())
        };
        let changed = self.changed_paths()?;
        let changes = (!changed.is_empty()).then(|| self.changes_hash(&changed));
        let mut code = Code {
            commit,
            branch,
            dirty: !changed.is_empty(),
            changes,
            remote: self.remote_url(),
            files: Default::default(),
        };
        for rel in files {
            code.files.insert(rel.clone(), self.blob_id(rel)?);
        }
        Ok(code)
    }

    /// Tracked paths whose worktree or index state differs from HEAD.
    pub fn changed_paths(&self) -> Result<BTreeSet<BString>, RepoError> {
        let iter = self
            .repo
            .status(gix::progress::Discard)
            .map_err(git("start a status"))?
            .untracked_files(gix::status::UntrackedFiles::None)
            .index_worktree_rewrites(None)
            .tree_index_track_renames(gix::status::tree_index::TrackRenames::Disabled)
            .index_worktree_submodules(gix::status::Submodule::Given {
                ignore: gix::submodule::config::Ignore::Dirty,
                check_dirty: false,
            })
            .into_iter(Vec::<BString>::new())
            .map_err(git("compute the status"))?;
        let mut paths = BTreeSet::new();
        for item in iter {
            let item = item.map_err(git("compute the status"))?;
            paths.insert(item.location().to_owned());
        }
        Ok(paths)
    }

    /// BLAKE3 of `<state> <path>\n` lines, sorted by path, where state is the
    /// BLAKE3 hex of the worktree bytes (of the target text for a symlink) or
    /// `deleted`. Together with the HEAD commit it pins the exact code.
    fn changes_hash(&self, paths: &BTreeSet<BString>) -> ContentHash {
        let mut listing = Vec::new();
        for rel in paths {
            let path = self.root.join(rel.to_path_lossy());
            let state = match std::fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => std::fs::read_link(&path)
                    .map(|t| ContentHash::of_bytes(t.as_os_str().as_encoded_bytes()).to_hex())
                    .unwrap_or_else(|_| "unreadable".into()),
                Ok(meta) if meta.is_file() => crate::hash::hash_file(&path)
                    .map(|d| d.hash.to_hex())
                    .unwrap_or_else(|_| "unreadable".into()),
                Ok(_) => "directory".into(),
                Err(_) => "deleted".into(),
            };
            listing.extend_from_slice(state.as_bytes());
            listing.push(b' ');
            listing.extend_from_slice(rel);
            listing.push(b'\n');
        }
        ContentHash::of_bytes(&listing)
    }

    /// The default remote's fetch URL without credentials ([`public_url`]).
    pub fn remote_url(&self) -> Option<String> {
        let remote = self
            .repo
            .find_default_remote(gix::remote::Direction::Fetch)?
            .ok()?;
        let url = remote.url(gix::remote::Direction::Fetch)?;
        Some(public_url_of(url.clone()))
    }

    /// Where git-lineage writes temporary files: `.git/lineage/tmp/`, a
    /// place `git add` never looks.
    pub fn temp_dir(&self) -> PathBuf {
        self.cache_dir().join("tmp")
    }
}

/// A repository URL as a record may publish it: the password, query and
/// fragment are always removed, the user name too for HTTP(S) (often a
/// token; over SSH, `git@host:…`, it is an account and part of the
/// address). A local path (`/srv/repo#1`, `../features.git`) is kept whole.
pub fn public_url(url: &str) -> String {
    match gix::url::parse(gix::bstr::BStr::new(url)) {
        Ok(parsed) => public_url_of(parsed),
        Err(_) => crate::record::strip_query_and_fragment(url).to_string(),
    }
}

fn public_url_of(mut url: gix::Url) -> String {
    if matches!(url.scheme, gix::url::Scheme::Http | gix::url::Scheme::Https) {
        url.set_user(None);
    }
    url.set_password(None);
    let text = url.to_bstring().to_str_lossy().into_owned();
    if url.scheme == gix::url::Scheme::File {
        text
    } else {
        crate::record::strip_query_and_fragment(&text).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_lose_credentials_and_keep_local_paths() {
        assert_eq!(
            public_url("https://user:tok@host.example/org/f.git?private_token=x#f"),
            "https://host.example/org/f.git"
        );
        assert_eq!(
            public_url("git@github.com:org/features.git"),
            "git@github.com:org/features.git"
        );
        assert_eq!(public_url("../features.git"), "../features.git");
        assert_eq!(public_url("/srv/repo#1"), "/srv/repo#1");
    }

    #[test]
    fn relative_paths_are_normalised_and_contained() {
        let dir = tempfile::tempdir().unwrap();
        gix::init(dir.path()).unwrap();
        let repo = Repo::discover(dir.path()).unwrap();
        let root = repo.root().to_path_buf();
        assert_eq!(
            repo.relative_path(&root, Path::new("data/x.csv")).unwrap(),
            "data/x.csv"
        );
        assert_eq!(
            repo.relative_path(&root.join("data"), Path::new("../m/./a"))
                .unwrap(),
            "m/a"
        );
        assert!(matches!(
            repo.relative_path(&root, Path::new("../x")),
            Err(RepoError::OutsideRepo { .. })
        ));
        assert!(matches!(
            repo.relative_path(&root, Path::new("/etc/passwd")),
            Err(RepoError::OutsideRepo { .. })
        ));
    }

    #[test]
    fn fallback_identities_are_quoted_for_git_config() {
        let agent = Agent {
            name: "Ada \"The\" Lovelace; #1 \\ x".into(),
            email: "ada@example.com".into(),
        };
        let text = identity_section(&agent);
        let config = gix::config::File::try_from(text.as_str()).unwrap();
        assert_eq!(config.string("user.name").unwrap().to_string(), agent.name);
        assert_eq!(
            config.string("user.email").unwrap().to_string(),
            agent.email
        );
    }

    #[test]
    fn discover_outside_a_repo_fails_clearly() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            Repo::discover(dir.path()),
            Err(RepoError::NotARepo(_))
        ));
    }
}
