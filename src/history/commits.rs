//! Commits between commits, read for the features above: the `git log
//! old..new` one-liners with counts either way, merge bases, and whether the
//! clone is shallow, as typed values over hex ids (no gix types leave here).

use gix::ObjectId;

use super::{CommitInfo, HistoryError};
use crate::repo::Repo;

/// The commits between two commits: `git log old..new` and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRange {
    /// Commits reachable from `new` but not from `old`, newest first, at
    /// most the limit asked for.
    pub commits: Vec<CommitInfo>,
    /// How many commits `old..new` has in all.
    pub ahead: usize,
    /// How many commits `new..old` has (the old side had and the new lacks).
    pub behind: usize,
}

/// Why the commits between two commits could not be listed. The messages
/// are shown as they are (a diff's "commits not listed" note).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommitRangeError {
    /// The text is not a hex object id.
    #[error("'{hex}' is not a commit id: {message}")]
    BadId {
        /// The text given.
        hex: String,
        /// Why it does not parse.
        message: String,
    },
    /// The object exists but is not a commit.
    #[error("{hex} is not a commit")]
    NotACommit {
        /// The object id.
        hex: String,
    },
    /// The commit is not in the object database (a shallow clone, say).
    #[error(
        "commit {} is not in this repository (fetch it, or deepen a shallow clone)",
        crate::render::short_id(.hex)
    )]
    Missing {
        /// The commit id.
        hex: String,
    },
    /// Walking the commit graph failed.
    #[error("cannot walk commits: {message}")]
    Walk {
        /// The underlying error.
        message: String,
    },
    /// A commit in the range could not be read.
    #[error("{message}")]
    Read {
        /// What went wrong, naming the commit.
        message: String,
    },
}

/// `git log old..new` (newest first, at most `limit` commits), its length,
/// and the length of `new..old`; `old` and `new` are full hex commit ids.
pub fn commits_between(
    repo: &Repo,
    old: &str,
    new: &str,
    limit: usize,
) -> Result<CommitRange, CommitRangeError> {
    let git = repo.gix();
    let id = |hex: &str| -> Result<ObjectId, CommitRangeError> {
        let id = ObjectId::from_hex(hex.as_bytes()).map_err(|e| CommitRangeError::BadId {
            hex: hex.to_string(),
            message: e.to_string(),
        })?;
        match git.find_header(id) {
            Ok(header) if header.kind() == gix::objs::Kind::Commit => Ok(id),
            Ok(_) => Err(CommitRangeError::NotACommit {
                hex: hex.to_string(),
            }),
            Err(_) => Err(CommitRangeError::Missing {
                hex: hex.to_string(),
            }),
        }
    };
    let (old, new) = (id(old)?, id(new)?);
    let walk_error = |e: &dyn std::fmt::Display| CommitRangeError::Walk {
        message: e.to_string(),
    };
    let walk = |from: ObjectId, hidden: ObjectId| -> Result<Vec<ObjectId>, CommitRangeError> {
        let walk = git
            .rev_walk([from])
            .with_hidden([hidden])
            .all()
            .map_err(|e| walk_error(&e))?;
        walk.map(|info| info.map(|i| i.id).map_err(|e| walk_error(&e)))
            .collect()
    };
    let ahead = walk(new, old)?;
    let behind = walk(old, new)?.len();
    let mut commits = Vec::new();
    for id in ahead.iter().take(limit) {
        commits.push(
            super::commit_info(git, *id).map_err(|message| CommitRangeError::Read { message })?,
        );
    }
    Ok(CommitRange {
        commits,
        ahead: ahead.len(),
        behind,
    })
}

/// How a code file changed between two commits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CodeFile {
    /// Its repository-relative path.
    pub path: String,
    /// `added`, `deleted` or `modified`.
    pub change: &'static str,
    /// Lines added; `None` for a binary file.
    pub added: Option<usize>,
    /// Lines removed; `None` for a binary file.
    pub removed: Option<usize>,
}

/// The commits between two code commits as a code review wants them: only
/// the commits that change files outside `.lineage/`, the files that differ
/// (with line counts), and how many lineage-only commits were left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRange {
    /// The commits of `old..new` that change a file outside `.lineage/`
    /// (against their first parent), newest first, at most the limit asked for.
    pub commits: Vec<CommitInfo>,
    /// How many commits `old..new` has that change a file outside `.lineage/`.
    pub code_commits: usize,
    /// How many commits `old..new` change only files under `.lineage/`
    /// (lineage bookkeeping such as `lineage: …` commits), not listed.
    pub lineage_only: usize,
    /// How many commits `old..new` has in all.
    pub ahead: usize,
    /// How many commits `new..old` has.
    pub behind: usize,
    /// The files outside `.lineage/` whose content differs between the two
    /// commits' trees, by path.
    pub files: Vec<CodeFile>,
}

/// The lineage directory, whose changes are bookkeeping, not code.
const LINEAGE_PREFIX: &str = ".lineage/";

/// [`commits_between`] for a code change: lineage-only commits are counted,
/// not listed, and the files outside `.lineage/` that differ between `old`
/// and `new` are named with their added and removed line counts.
pub fn code_between(
    repo: &Repo,
    old: &str,
    new: &str,
    limit: usize,
) -> Result<CodeRange, CommitRangeError> {
    let all = commits_between(repo, old, new, usize::MAX)?;
    let git = repo.gix();
    let read = |message: String| CommitRangeError::Read { message };
    let tree_of = |hex: &str| -> Result<(ObjectId, Option<ObjectId>), CommitRangeError> {
        let id = ObjectId::from_hex(hex.as_bytes()).map_err(|e| read(e.to_string()))?;
        let commit = git.find_commit(id).map_err(|e| {
            read(format!(
                "commit {} cannot be read: {e}",
                crate::render::short_id(hex)
            ))
        })?;
        let tree = commit
            .tree_id()
            .map_err(|e| {
                read(format!(
                    "commit {} has no tree: {e}",
                    crate::render::short_id(hex)
                ))
            })?
            .detach();
        let parent = commit.parent_ids().next().map(|p| p.detach());
        Ok((tree, parent))
    };
    let mut memo = super::walk::TreeMemo::default();
    let mut commits = Vec::new();
    let mut code_commits = 0;
    let mut lineage_only = 0;
    for commit in all.commits {
        let (tree, parent) = tree_of(&commit.id)?;
        let parent_tree = match parent {
            Some(parent) => Some(tree_of(&parent.to_string())?.0),
            None => None,
        };
        let changes = memo.diff(git, parent_tree, Some(tree)).map_err(read)?;
        if changes.iter().all(|c| c.path.starts_with(LINEAGE_PREFIX)) && !changes.is_empty() {
            lineage_only += 1;
        } else {
            code_commits += 1;
            if commits.len() < limit {
                commits.push(commit);
            }
        }
    }
    let (old_tree, _) = tree_of(old)?;
    let (new_tree, _) = tree_of(new)?;
    let mut files = Vec::new();
    for change in memo
        .diff(git, Some(old_tree), Some(new_tree))
        .map_err(read)?
    {
        if change.path.starts_with(LINEAGE_PREFIX) {
            continue;
        }
        let bytes = |id: Option<ObjectId>| -> Result<Vec<u8>, CommitRangeError> {
            id.map_or(Ok(Vec::new()), |id| {
                super::walk::blob_bytes(git, id).map_err(read)
            })
        };
        let (before, after) = (bytes(change.old)?, bytes(change.new)?);
        let (added, removed) = if before.contains(&0) || after.contains(&0) {
            (None, None)
        } else {
            let (added, removed) = line_changes(&before, &after);
            (Some(added), Some(removed))
        };
        files.push(CodeFile {
            path: change.path,
            change: match (change.old, change.new) {
                (None, _) => "added",
                (_, None) => "deleted",
                _ => "modified",
            },
            added,
            removed,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(CodeRange {
        commits,
        code_commits,
        lineage_only,
        ahead: all.ahead,
        behind: all.behind,
        files,
    })
}

/// Lines added and removed between two texts, as `git diff --numstat`
/// counts them: the lines not in a longest common subsequence (Myers'
/// greedy O((N+M)·D) search, after stripping a common prefix and suffix).
fn line_changes(before: &[u8], after: &[u8]) -> (usize, usize) {
    let split = |bytes: &[u8]| -> Vec<u64> {
        bytes
            .split_inclusive(|&b| b == b'\n')
            .map(|line| {
                use std::hash::{Hash, Hasher};
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                line.hash(&mut hasher);
                hasher.finish()
            })
            .collect()
    };
    let (a, b) = (split(before), split(after));
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return (m, n);
    }
    let max = n + m;
    let offset = max as isize;
    let mut v = vec![0usize; 2 * max + 2];
    for d in 0..=max as isize {
        let mut k = -d;
        while k <= d {
            let index = (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[index - 1] < v[index + 1]) {
                v[index + 1]
            } else {
                v[index - 1] + 1
            };
            let mut y = (x as isize - k) as usize;
            while x < n && y < m && a[x] == b[y] {
                x += 1;
                y += 1;
            }
            v[index] = x;
            if x >= n && y >= m {
                // d edits: removed + added = d, added - removed = m - n.
                let d = d as usize;
                return ((d + m - n) / 2, (d + n - m) / 2);
            }
            k += 2;
        }
    }
    (m, n)
}

/// The full hex id of the commit a revision (`main`, `HEAD~2`, a hex
/// prefix, a tag) resolves to.
pub fn resolve_commit_id(repo: &Repo, spec: &str) -> Result<String, HistoryError> {
    super::resolve_commit(repo, spec).map(|id| id.to_string())
}

/// The best common ancestor of two commits (full hex ids); `None` when they
/// have none.
pub fn merge_base(repo: &Repo, a: &str, b: &str) -> Result<Option<String>, HistoryError> {
    let git_error = |message: String| HistoryError::Git {
        action: "find the merge base",
        message,
    };
    let id = |hex: &str| ObjectId::from_hex(hex.as_bytes()).map_err(|e| git_error(e.to_string()));
    match repo.gix().merge_base(id(a)?, id(b)?) {
        Ok(Some(id)) => Ok(Some(id.detach().to_string())),
        Ok(None) => Ok(None),
        Err(e) => Err(git_error(e.to_string())),
    }
}

/// Whether the repository is a shallow clone (false when that cannot be
/// told).
pub fn is_shallow(repo: &Repo) -> bool {
    repo.gix().is_shallow().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::line_changes;

    #[test]
    fn line_changes_count_like_numstat() {
        assert_eq!(line_changes(b"", b""), (0, 0));
        assert_eq!(line_changes(b"a\nb\n", b"a\nb\n"), (0, 0));
        assert_eq!(line_changes(b"", b"a\nb\n"), (2, 0));
        assert_eq!(line_changes(b"a\nb\n", b""), (0, 2));
        assert_eq!(line_changes(b"a\nb\nc\n", b"a\nx\nc\n"), (1, 1));
        assert_eq!(line_changes(b"a\nb\nc\nd\n", b"b\nc\ne\nf\n"), (2, 2));
        assert_eq!(line_changes(b"a\nb\n", b"a\nb\nc\n"), (1, 0));
        // A missing final newline makes the last line differ, as in git.
        assert_eq!(line_changes(b"a\nb", b"a\nb\n"), (1, 1));
    }
}
