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

use crate::commit::{CommitError, CommitOptions, Signer};
use crate::hash::ContentHash;
use crate::record::{Agent, Code};

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

    /// The default remote's fetch URL without credentials: the password,
    /// query and fragment are always removed, the user name too for HTTP(S).
    /// A local path (`/srv/repo#1`) is kept whole: it has no query.
    pub fn remote_url(&self) -> Option<String> {
        let remote = self
            .repo
            .find_default_remote(gix::remote::Direction::Fetch)?
            .ok()?;
        let mut url = remote.url(gix::remote::Direction::Fetch)?.clone();
        // Over HTTP the user name is often a token; over SSH it is an account
        // (`git@host:…`) and part of the address.
        if matches!(url.scheme, gix::url::Scheme::Http | gix::url::Scheme::Https) {
            url.set_user(None);
        }
        url.set_password(None);
        let text = url.to_bstring().to_str_lossy().into_owned();
        Some(if url.scheme == gix::url::Scheme::File {
            text
        } else {
            crate::record::strip_query_and_fragment(&text).to_string()
        })
    }

    /// Commit the worktree files at `paths` (worktree-relative) on top of HEAD
    /// with `message`, like `git commit --only <paths>`: hooks run and the
    /// commit is signed as git config says (see [`CommitOptions`]). Only
    /// these paths change; anything the user staged stays staged.
    ///
    /// Order, so that a kill at any instant leaves a state git agrees with:
    /// `index.lock` taken (held to the end, so git-lineage and git writers
    /// are serialised); blobs and tree written; hooks run; commit object
    /// written (signed); the index with the new entries renamed over
    /// `index`; HEAD moved last, compare-and-swap against the parent read
    /// under the lock; `index.lock` removed. Killed before the index rename: nothing staged, nothing
    /// committed. Killed between the index rename and the HEAD move: the
    /// files are staged (`git status` shows them as added), not committed.
    pub fn commit_paths(
        &self,
        paths: &[String],
        message: &str,
        options: &CommitOptions,
    ) -> Result<String, RepoError> {
        use gix::lock::acquire::Fail;
        let author = self.signature(true)?;
        let committer = self.signature(false)?;
        let signer = Signer::from_config(&self.repo, options)?;
        let index_path = self.repo.index_path();
        let lock_path = index_path.with_extension("lock");
        let lock = gix::lock::File::acquire_to_update_resource(
            &index_path,
            Fail::AfterDurationWithBackoff(LOCK_TIMEOUT),
            None,
            0,
        )
        .map_err(|_| RepoError::Locked(lock_path.clone()))?;

        let head = self.repo.head().map_err(git("read HEAD"))?;
        let parent = head.id().map(|id| id.detach());
        let base_tree = match parent {
            Some(id) => self
                .repo
                .find_commit(id)
                .map_err(git("read the HEAD commit"))?
                .tree_id()
                .map_err(git("read the HEAD tree"))?
                .detach(),
            None => gix::ObjectId::empty_tree(self.repo.object_hash()),
        };
        let mut editor = self
            .repo
            .edit_tree(base_tree)
            .map_err(git("edit the tree"))?;
        let mut blobs = Vec::new();
        for rel in paths {
            let path = self.root.join(rel);
            let bytes = std::fs::read(&path).map_err(|source| RepoError::Io {
                path: path.clone(),
                source,
            })?;
            let id = self
                .repo
                .write_blob(&bytes)
                .map_err(git("write a blob"))?
                .detach();
            editor
                .upsert(rel.as_str(), gix::object::tree::EntryKind::Blob, id)
                .map_err(git("edit the tree"))?;
            blobs.push((rel, path, id));
        }
        let tree = editor.write().map_err(git("write the tree"))?.detach();
        if let Some(head) = parent.filter(|_| tree == base_tree) {
            // The files are already committed exactly like this: nothing to do.
            return Ok(head.to_string());
        }

        // The index as it will be once committed, built under our lock.
        let mut index = if index_path.exists() {
            self.repo.open_index().map_err(git("read the index"))?
        } else {
            gix::index::File::from_state(
                gix::index::State::new(self.repo.object_hash()),
                index_path.clone(),
            )
        };
        stage(&mut index, &blobs)?;

        let message = self.run_commit_hooks(message, tree, &blobs, options)?;
        let mut commit = gix::objs::Commit {
            tree,
            parents: parent.into_iter().collect(),
            author,
            committer,
            encoding: None,
            message: message.clone().into(),
            extra_headers: Vec::new(),
        };
        if let Some(signer) = signer {
            let mut payload = Vec::new();
            gix::objs::WriteTo::write_to(&commit, &mut payload).map_err(|source| {
                RepoError::Io {
                    path: PathBuf::from("<commit>"),
                    source,
                }
            })?;
            let who = format!("{} <{}>", commit.committer.name, commit.committer.email);
            let signature = signer.sign(&payload, &who, &self.temp_dir())?;
            commit
                .extra_headers
                .push(("gpgsig".into(), signature.trim_end().into()));
        }
        let commit_id = self
            .repo
            .write_object(&commit)
            .map_err(git("write the commit"))?
            .detach();

        // Stage first, move HEAD last: a kill in between leaves the files
        // staged, never an index that lacks what HEAD has. The new index is
        // renamed over `index` directly while `index.lock` stays held, so
        // no other writer reads HEAD before it has moved.
        let mut bytes = Vec::new();
        index
            .write_to(&mut bytes, gix::index::write::Options::default())
            .map_err(git("write the index"))?;
        crate::cache::write_atomically_via(&index_path, &bytes, &self.temp_dir()).map_err(
            |source| RepoError::Io {
                path: index_path.clone(),
                source,
            },
        )?;

        use gix::refs::transaction::{PreviousValue, RefEdit};
        let expected = match parent {
            Some(id) => PreviousValue::MustExistAndMatch(gix::refs::Target::Object(id)),
            None => PreviousValue::MustNotExist,
        };
        let reflog = gix::reference::log::message(
            "commit",
            message.as_bytes().as_bstr(),
            commit.parents.len(),
        );
        let head_name: gix::refs::FullName = "HEAD".try_into().map_err(|_| RepoError::HeadMoved)?;
        if let Err(source) = self.repo.edit_reference(
            RefEdit::update(head_name, commit_id, expected, reflog).with_deref(true),
        ) {
            return Err(self.ref_update_error(parent, source));
        }
        drop(lock); // removes index.lock: the index is already in place
        // Like git, a failing post-commit hook does not undo the commit.
        let _ = crate::commit::run_hook(&self.repo, &self.root, "post-commit", &[], None);
        Ok(commit_id.to_string())
    }

    /// Why moving HEAD failed: it moved (compare-and-swap lost), its
    /// `.lock` file or its branch's exists (a crashed or running git), or else.
    fn ref_update_error(&self, parent: Option<gix::ObjectId>, source: gix::Error) -> RepoError {
        let head = self.repo.head().ok();
        let now = head.as_ref().and_then(|h| h.id()).map(|id| id.detach());
        if now != parent {
            return RepoError::HeadMoved;
        }
        let name = head
            .as_ref()
            .and_then(|h| h.referent_name())
            .map(|n| n.as_bstr().to_str_lossy().into_owned())
            .unwrap_or_else(|| "HEAD".into());
        let locks = [
            self.repo.git_dir().join("HEAD.lock"),
            self.repo.common_dir().join(format!("{name}.lock")),
        ];
        if let Some(lock) = locks.into_iter().find(|l| l.exists()) {
            return RepoError::RefLocked(lock);
        }
        RepoError::Git {
            action: "move HEAD (the record is staged in the index but not committed)",
            source,
        }
    }

    /// Where git-lineage writes temporary files: `.git/lineage/tmp/`, a
    /// place `git add` never looks.
    pub fn temp_dir(&self) -> PathBuf {
        self.cache_dir().join("tmp")
    }

    /// The author (`true`) or committer identity with the time git would use.
    fn signature(&self, author: bool) -> Result<gix::actor::Signature, RepoError> {
        let signature = if author {
            self.repo.author()
        } else {
            self.repo.committer()
        };
        let signature = signature
            .ok_or(RepoError::NoIdentity)?
            .map_err(git("read the identity"))?;
        if signature.name.trim().is_empty() || signature.email.trim().is_empty() {
            return Err(RepoError::NoIdentity);
        }
        signature.to_owned().map_err(|_| RepoError::NoIdentity)
    }

    /// Run `pre-commit` (on a temporary index holding exactly what is
    /// committed), then `prepare-commit-msg` and `commit-msg` on
    /// `.git/COMMIT_EDITMSG`; returns the message as the hooks left it.
    fn run_commit_hooks(
        &self,
        message: &str,
        tree: gix::ObjectId,
        blobs: &[(&String, PathBuf, gix::ObjectId)],
        options: &CommitOptions,
    ) -> Result<String, RepoError> {
        let hook = |name| crate::commit::find_hook(&self.repo, &self.root, name).is_some();
        let pre_commit = !options.no_verify && hook("pre-commit");
        let message_hooks =
            hook("prepare-commit-msg") || (!options.no_verify && hook("commit-msg"));
        if !pre_commit && !message_hooks {
            return Ok(crate::commit::clean_message(message));
        }
        let temp_dir = self.temp_dir();
        std::fs::create_dir_all(&temp_dir).map_err(|source| RepoError::Io {
            path: temp_dir.clone(),
            source,
        })?;
        let next_index = crate::cache::unique_temp_path(&temp_dir, "next-index");
        let result = (|| {
            let mut index = self
                .repo
                .index_from_tree(&tree)
                .map_err(git("build the index of the commit"))?;
            stage(&mut index, blobs)?;
            let mut file = std::fs::File::create(&next_index).map_err(|source| RepoError::Io {
                path: next_index.clone(),
                source,
            })?;
            index
                .write_to(&mut file, gix::index::write::Options::default())
                .map_err(git("write the hooks' index"))?;
            drop(file);
            if pre_commit {
                crate::commit::run_hook(
                    &self.repo,
                    &self.root,
                    "pre-commit",
                    &[],
                    Some(&next_index),
                )?;
            }
            let message_file = self.repo.git_dir().join("COMMIT_EDITMSG");
            std::fs::write(&message_file, crate::commit::clean_message(message)).map_err(
                |source| RepoError::Io {
                    path: message_file.clone(),
                    source,
                },
            )?;
            let arg = || vec![message_file.clone().into_os_string()];
            let mut with_source = arg();
            with_source.push("message".into());
            crate::commit::run_hook(
                &self.repo,
                &self.root,
                "prepare-commit-msg",
                &with_source,
                Some(&next_index),
            )?;
            if !options.no_verify {
                crate::commit::run_hook(
                    &self.repo,
                    &self.root,
                    "commit-msg",
                    &arg(),
                    Some(&next_index),
                )?;
            }
            let edited = std::fs::read(&message_file).map_err(|source| RepoError::Io {
                path: message_file.clone(),
                source,
            })?;
            let cleaned = crate::commit::clean_message(&String::from_utf8_lossy(&edited));
            if cleaned.is_empty() {
                return Err(CommitError::EmptyMessage.into());
            }
            Ok(cleaned)
        })();
        let _ = std::fs::remove_file(&next_index);
        result
    }
}

/// Add or update the index entries of `blobs` (path, file, blob id) with the
/// files' stat, sorted, cache-tree dropped (gitoxide issue #2421).
fn stage(
    index: &mut gix::index::File,
    blobs: &[(&String, PathBuf, gix::ObjectId)],
) -> Result<(), RepoError> {
    // Racy git (git's Documentation/technical/racy-git.txt): an entry whose
    // file changed in the same second the loaded index was written is only
    // known to be stale because its mtime is not older than the index. Once a
    // newer index replaces it, that hint is gone, so git smudges such entries
    // (zero size: "re-read me") when it writes an index; gix does not, so do it
    // here, or `git status` could call a changed file clean.
    let loaded_at = index.timestamp();
    for entry in index.entries_mut() {
        if entry
            .stat
            .is_racy(loaded_at, gix::index::entry::stat::Options::default())
        {
            entry.stat.size = 0;
        }
    }
    for (rel, path, id) in blobs {
        let meta = gix::index::fs::Metadata::from_path_no_follow(path).map_err(|source| {
            RepoError::Io {
                path: path.clone(),
                source,
            }
        })?;
        let stat = gix::index::entry::Stat::from_fs(&meta).unwrap_or_default();
        let rel_b = rel.as_bytes().as_bstr();
        match index.entry_index_by_path(rel_b) {
            Ok(pos) => {
                let entry = &mut index.entries_mut()[pos];
                entry.stat = stat;
                entry.id = *id;
                entry.mode = gix::index::entry::Mode::FILE;
            }
            Err(_) => {
                index.dangerously_push_entry(
                    stat,
                    *id,
                    gix::index::entry::Flags::empty(),
                    gix::index::entry::Mode::FILE,
                    rel_b,
                );
            }
        }
    }
    index.sort_entries();
    index.remove_tree();
    Ok(())
}

/// Why a commit's signature does not verify ([`Repo::verify_commit_signature`]).
/// Cheap to clone, so a caller can remember the answer per commit.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// Not a commit id.
    #[error("'{commit}' is not a commit id: {source}")]
    BadId {
        /// The text given.
        commit: String,
        /// Why it does not parse.
        source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
    /// The commit could not be read.
    #[error("cannot read commit {commit}: {source}")]
    Unreadable {
        /// The commit id.
        commit: String,
        /// Why.
        source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
    /// The commit carries no signature.
    #[error("the commit is not signed")]
    Unsigned,
    /// The verifying program rejected the signature.
    #[error("its signature does not verify ({output})")]
    Rejected {
        /// What the program said, trimmed.
        output: String,
    },
    /// The verifying program could not be run or answered nothing usable.
    #[error("its signature could not be verified: {source}")]
    Unverifiable {
        /// Why.
        source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
}

impl Repo {
    /// Verify the signature of `commit` (40 hex) the way `git verify-commit`
    /// does: gix runs the program git config names (`gpg.program`, or
    /// `gpg.ssh.program` with `gpg.ssh.allowedSignersFile`, `gpg.minTrustLevel`).
    /// What is trusted is the user's keyring or allowed-signers file.
    /// `Ok(())` when it verifies, otherwise why not.
    pub fn verify_commit_signature(&self, commit: &str) -> std::result::Result<(), SignatureError> {
        let id = gix::ObjectId::from_hex(commit.as_bytes()).map_err(|e| SignatureError::BadId {
            commit: commit.to_string(),
            source: std::sync::Arc::new(e),
        })?;
        let found = self
            .repo
            .find_commit(id)
            .map_err(|e| SignatureError::Unreadable {
                commit: commit.to_string(),
                source: std::sync::Arc::new(e),
            })?;
        match found.verify_signature() {
            Ok(None) => Err(SignatureError::Unsigned),
            Ok(Some(outcome)) if outcome.is_valid() => Ok(()),
            Ok(Some(outcome)) => Err(SignatureError::Rejected {
                output: String::from_utf8_lossy(&outcome.output).trim().to_string(),
            }),
            Err(e) => Err(SignatureError::Unverifiable {
                source: std::sync::Arc::new(e),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_smudges_racily_clean_entries_like_git() {
        use gix::index::entry::{Flags, Mode, Stat, stat::Time};
        let mut index = gix::index::File::from_state(
            gix::index::State::new(gix::hash::Kind::Sha1),
            PathBuf::from("/nonexistent/index"),
        );
        let now = u32::try_from(index.timestamp().unix_seconds()).unwrap();
        let stat = |secs: u32| Stat {
            mtime: Time { secs, nsecs: 0 },
            size: 42,
            ..Stat::default()
        };
        let blob = gix::ObjectId::empty_blob(gix::hash::Kind::Sha1);
        // Written a second before the index: trustworthy. Written in the
        // index's second: git can only tell it changed by reading it.
        index.dangerously_push_entry(
            stat(now - 1),
            blob,
            Flags::empty(),
            Mode::FILE,
            "old".into(),
        );
        index.dangerously_push_entry(stat(now), blob, Flags::empty(), Mode::FILE, "racy".into());
        stage(&mut index, &[]).unwrap();
        let size = |path: &str| {
            let pos = index.entry_index_by_path(path.into()).unwrap();
            index.entries()[pos].stat.size
        };
        assert_eq!(size("old"), 42);
        assert_eq!(size("racy"), 0, "a racily clean entry must be smudged");
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
