//! The submodules HEAD pins: `.gitmodules` as committed in HEAD and the
//! gitlinks of HEAD's tree, read through gix. Lineage reads a submodule's
//! history at exactly that commit (docs/multi-repo.md).

use gix::bstr::ByteSlice;

use super::{Repo, RepoError};

/// A submodule listed in HEAD's `.gitmodules` whose gitlink is in HEAD's
/// tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmodulePin {
    /// Its name in `.gitmodules` (`submodule.<name>`).
    pub name: String,
    /// Its path in the worktree.
    pub path: String,
    /// Its URL as `.gitmodules` gives it (a relative URL is relative to
    /// the superproject's remote); `None` when missing.
    pub url: Option<String>,
    /// The commit HEAD's tree pins.
    pub commit: String,
}

impl Repo {
    /// The submodules HEAD pins, by name: none without a HEAD commit or a
    /// committed `.gitmodules`. An entry without a valid path or without a
    /// gitlink at that path in HEAD's tree is left out (git ignores it too).
    pub fn submodule_pins(&self) -> Result<Vec<SubmodulePin>, RepoError> {
        let Ok(commit) = self.repo.head_commit() else {
            return Ok(Vec::new());
        };
        let tree = commit.tree().map_err(fail("read HEAD's tree"))?;
        let Some(entry) = tree
            .lookup_entry_by_path(".gitmodules")
            .map_err(fail("read HEAD's .gitmodules"))?
        else {
            return Ok(Vec::new());
        };
        if !entry.mode().is_blob() {
            return Ok(Vec::new());
        }
        let blob = entry.object().map_err(fail("read HEAD's .gitmodules"))?;
        let modules = gix::submodule::File::from_bytes(&blob.data, None, &Default::default())
            .map_err(fail("parse HEAD's .gitmodules"))?;
        let mut pins = Vec::new();
        for name in modules.names() {
            let Ok(path) = modules.path(name) else {
                continue;
            };
            let Some(link) = tree
                .lookup_entry_by_path(path.to_str_lossy().as_ref())
                .map_err(fail("read HEAD's tree"))?
            else {
                continue;
            };
            if !link.mode().is_commit() {
                continue;
            }
            let url = modules
                .config()
                .string_by("submodule", Some(name), "url")
                .map(|u| u.to_str_lossy().into_owned())
                .filter(|u| !u.is_empty());
            pins.push(SubmodulePin {
                name: name.to_str_lossy().into_owned(),
                path: path.to_str_lossy().into_owned(),
                url,
                commit: link.object_id().to_string(),
            });
        }
        pins.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(pins)
    }
}

/// A gix failure while `action`.
fn fail<E: std::error::Error + Send + Sync + 'static>(
    action: &'static str,
) -> impl FnOnce(E) -> RepoError {
    move |e| RepoError::Git {
        action,
        source: gix::Error::from_error(e),
    }
}

/// The lineage source name of submodule `name`: the name with every
/// character a lineage remote name cannot hold (`/`, spaces, …) replaced
/// by `-` (`libs/data` reads as `libs-data`).
pub fn source_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_are_remote_names() {
        assert_eq!(source_name("data"), "data");
        assert_eq!(source_name("libs/data"), "libs-data");
        assert_eq!(source_name("a b/c"), "a-b-c");
        assert!(crate::config::valid_remote_name(&source_name("libs/data")));
    }
}
