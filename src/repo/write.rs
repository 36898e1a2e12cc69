//! Committing lineage files like `git commit --only <paths>`: the order of
//! writes that keeps every kill point safe (objects, then the index renamed
//! into place under `index.lock`, then HEAD by compare-and-swap), hooks and
//! signing through [`crate::commit`], and git's racy-entry smudging.

use std::path::PathBuf;

use gix::bstr::ByteSlice;

use super::{LOCK_TIMEOUT, Repo, RepoError, git};
use crate::commit::{CommitError, CommitOptions, Signer};

impl Repo {
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
        self.commit_changes(paths, &[], message, options)
    }

    /// [`Repo::commit_paths`] that also removes the files at `removed`
    /// (worktree-relative, already deleted from the worktree) from the tree
    /// and the index, in the same commit.
    pub fn commit_changes(
        &self,
        paths: &[String],
        removed: &[String],
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
        for rel in removed {
            editor.remove(rel.as_str()).map_err(git("edit the tree"))?;
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
        if !removed.is_empty() {
            index.remove_entries(|_, path, _| removed.iter().any(|r| path == r.as_bytes()));
            index.remove_tree();
        }

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
}
