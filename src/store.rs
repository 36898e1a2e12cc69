//! The `.lineage/` directory in a worktree: its config, and the record files
//! at `.lineage/records/<2 hex>/<64 hex>.yaml`.
//!
//! Records are written once, atomically (temporary file + rename), and never
//! rewritten; the same bytes written twice are the same record.

use std::path::{Path, PathBuf};

use crate::cache::FileStat;
use crate::config::{Config, ConfigError};
use crate::record::{Record, RecordError, RecordId};

/// The directory name under the worktree root.
pub const LINEAGE_DIR: &str = ".lineage";
/// The config file name inside [`LINEAGE_DIR`].
pub const CONFIG_FILE: &str = "config.yaml";
/// The records directory name inside [`LINEAGE_DIR`].
pub const RECORDS_DIR: &str = "records";

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file system operation failed.
    #[error("cannot {action} '{}': {source}", path.display())]
    Io {
        /// What was being done (`read`, `write`, `create`…).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The config file is invalid.
    #[error("invalid config '{}': {source}", path.display())]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong.
        source: ConfigError,
    },
    /// A record file is invalid.
    #[error("invalid record '{}': {source}", path.display())]
    Record {
        /// The record file.
        path: PathBuf,
        /// What is wrong.
        source: RecordError,
    },
    /// A record file's name is not the BLAKE3 of its bytes.
    #[error("record '{}' does not match its id: its bytes hash to {actual}", path.display())]
    IdMismatch {
        /// The record file.
        path: PathBuf,
        /// The id its bytes hash to.
        actual: RecordId,
    },
    /// No record has this id.
    #[error("no record with id {0}")]
    NotFound(RecordId),
}

/// How `init` went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InitOutcome {
    /// The config file path.
    pub config: PathBuf,
    /// False when the config already existed and was left alone.
    pub created: bool,
}

/// A record file found in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFile {
    /// Absolute path.
    pub path: PathBuf,
    /// Path relative to the worktree root, `/`-separated.
    pub rel: String,
    /// The id its file name claims, when the name has the right shape and shard.
    pub named_id: Option<RecordId>,
}

/// The `.lineage/` directory of one worktree.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The store of the worktree at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    /// The worktree root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/.lineage`.
    pub fn dir(&self) -> PathBuf {
        self.root.join(LINEAGE_DIR)
    }

    /// `<root>/.lineage/config.yaml`.
    pub fn config_path(&self) -> PathBuf {
        self.dir().join(CONFIG_FILE)
    }

    /// `<root>/.lineage/records`.
    pub fn records_dir(&self) -> PathBuf {
        self.dir().join(RECORDS_DIR)
    }

    /// The record a file of `.lineage/records/<shard>/` names: a file
    /// `<64 hex>.yaml` in the shard of its first two digits; `None` for any
    /// other name or place.
    pub fn record_id_named(shard: &str, file_name: &str) -> Option<RecordId> {
        file_name
            .strip_suffix(".yaml")
            .and_then(RecordId::parse)
            .filter(|id| id.shard() == shard)
    }

    /// The worktree-relative path of a record, `/`-separated.
    pub fn record_rel_path(id: &RecordId) -> String {
        format!("{LINEAGE_DIR}/{RECORDS_DIR}/{}/{}.yaml", id.shard(), id)
    }

    /// The absolute path of a record.
    pub fn record_path(&self, id: &RecordId) -> PathBuf {
        self.records_dir()
            .join(id.shard())
            .join(format!("{id}.yaml"))
    }

    /// Create `.lineage/` with a commented config; leaves an existing config alone.
    pub fn init(&self) -> Result<InitOutcome, StoreError> {
        let config = self.config_path();
        let dir = self.dir();
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            action: "create",
            path: dir.clone(),
            source,
        })?;
        let created = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&config)
        {
            Ok(mut file) => {
                use std::io::Write;
                file.write_all(crate::config::TEMPLATE.as_bytes())
                    .map_err(|source| StoreError::Io {
                        action: "write",
                        path: config.clone(),
                        source,
                    })?;
                true
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(source) => {
                return Err(StoreError::Io {
                    action: "create",
                    path: config,
                    source,
                });
            }
        };
        Ok(InitOutcome { config, created })
    }

    /// The config, or the defaults when there is no config file.
    pub fn config(&self) -> Result<Config, StoreError> {
        let path = self.config_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text).map_err(|source| StoreError::Config { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(StoreError::Io {
                action: "read",
                path,
                source,
            }),
        }
    }

    /// Store record bytes under their id. Writing bytes that are already
    /// stored is a no-op. Returns the id and the absolute path. The file
    /// appears whole or not at all: it is written and synced in `temp_dir`
    /// (give [`crate::repo::Repo::temp_dir`], outside the worktree) and
    /// renamed into place; see [`crate::cache::write_atomically_via`].
    pub fn write_record(
        &self,
        bytes: &[u8],
        temp_dir: &Path,
    ) -> Result<(RecordId, PathBuf), StoreError> {
        let id = RecordId::of_bytes(bytes);
        let path = self.record_path(&id);
        if std::fs::read(&path).is_ok_and(|existing| existing == bytes) {
            return Ok((id, path));
        }
        let shard = path.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&shard).map_err(|source| StoreError::Io {
            action: "create",
            path: shard,
            source,
        })?;
        crate::cache::write_atomically_via(&path, bytes, temp_dir).map_err(|source| {
            StoreError::Io {
                action: "write",
                path: path.clone(),
                source,
            }
        })?;
        Ok((id, path))
    }

    /// Every file under `.lineage/records/` (but in-progress temporary files),
    /// sorted by path. Files
    /// whose name or shard is wrong are listed with `named_id: None`.
    pub fn list(&self) -> Result<Vec<RecordFile>, StoreError> {
        Ok(self
            .list_files(false)?
            .into_iter()
            .map(|(f, _)| f)
            .collect())
    }

    /// Like [`Store::list`], with each file's stat data taken as it is
    /// listed (before anything reads it). A symbolic link has none: its own
    /// stat data does not describe what it points to.
    pub fn list_with_stat(&self) -> Result<Vec<(RecordFile, Option<FileStat>)>, StoreError> {
        self.list_files(true)
    }

    fn list_files(&self, stat: bool) -> Result<Vec<(RecordFile, Option<FileStat>)>, StoreError> {
        let records = self.records_dir();
        if !records.exists() {
            return Ok(Vec::new());
        }
        let mut files = Vec::new();
        list_dir(
            &records,
            &format!("{LINEAGE_DIR}/{RECORDS_DIR}"),
            1,
            stat,
            &mut files,
        )?;
        Ok(files)
    }

    /// Every well-named record id in the store.
    pub fn ids(&self) -> Result<Vec<RecordId>, StoreError> {
        Ok(self
            .list()?
            .into_iter()
            .filter_map(|f| f.named_id)
            .collect())
    }

    /// Every well-named record id starting with `prefix` (hex, at least
    /// two digits): reads only the one shard directory it names.
    pub fn ids_with_prefix(&self, prefix: &str) -> Result<Vec<RecordId>, StoreError> {
        let Some(shard) = prefix.get(..2) else {
            return Ok(self
                .ids()?
                .into_iter()
                .filter(|id| id.as_str().starts_with(prefix))
                .collect());
        };
        let dir = self.records_dir().join(shard);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StoreError::Io {
                    action: "list",
                    path: dir,
                    source,
                });
            }
        };
        let mut ids: Vec<RecordId> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
            .filter_map(|e| Store::record_id_named(shard, e.file_name().to_str()?))
            .filter(|id| id.as_str().starts_with(prefix))
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Read a record's bytes, check they hash to its id, and parse them.
    pub fn read(&self, id: &RecordId) -> Result<(Vec<u8>, Record), StoreError> {
        let path = self.record_path(id);
        let bytes = std::fs::read(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                StoreError::NotFound(id.clone())
            } else {
                StoreError::Io {
                    action: "read",
                    path: path.clone(),
                    source,
                }
            }
        })?;
        let actual = RecordId::of_bytes(&bytes);
        if &actual != id {
            return Err(StoreError::IdMismatch { path, actual });
        }
        let record = Record::parse(&bytes).map_err(|source| StoreError::Record { path, source })?;
        Ok((bytes, record))
    }
}

/// Add the files under `dir` (at `depth` below the records directory, `rel`
/// from the worktree root) to `files`, depth first, each directory's entries
/// sorted by name, with their stat data when `stat`. Symbolic links are
/// listed, not followed. The shard directories are read on all cores.
fn list_dir(
    dir: &Path,
    rel: &str,
    depth: usize,
    stat: bool,
    files: &mut Vec<(RecordFile, Option<FileStat>)>,
) -> Result<(), StoreError> {
    use rayon::prelude::*;

    let io = |path: &Path, source: std::io::Error| StoreError::Io {
        action: "list",
        path: path.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let file_type = entry.file_type().map_err(|e| io(&entry.path(), e))?;
        // Relative to the open directory: no path lookup. A file that
        // vanished meanwhile has none, and fails when it is read.
        let meta = (stat && file_type.is_file())
            .then(|| entry.metadata().ok().map(|m| FileStat::of(&m)))
            .flatten();
        entries.push((entry.file_name(), file_type.is_dir(), meta));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let shard = dir.file_name();
    let one = |(name, is_dir, meta): (std::ffi::OsString, bool, Option<FileStat>),
               files: &mut Vec<(RecordFile, Option<FileStat>)>|
     -> Result<(), StoreError> {
        let path = dir.join(&name);
        let name = name.to_string_lossy();
        let rel = format!("{rel}/{name}");
        if is_dir {
            return list_dir(&path, &rel, depth + 1, stat, files);
        }
        if name.starts_with('.') && name.ends_with(".tmp") {
            return Ok(()); // a write in progress
        }
        let named_id = shard
            .and_then(|shard| shard.to_str())
            .filter(|_| depth == 2)
            .and_then(|shard| Store::record_id_named(shard, &name));
        files.push((
            RecordFile {
                path,
                rel,
                named_id,
            },
            meta,
        ));
        Ok(())
    };
    if depth > 1 {
        for entry in entries {
            one(entry, files)?;
        }
        return Ok(());
    }
    let parts = entries
        .into_par_iter()
        .map(|entry| {
            let mut part = Vec::new();
            one(entry, &mut part).map(|()| part)
        })
        .collect::<Result<Vec<_>, _>>()?;
    files.extend(parts.into_iter().flatten());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_is_idempotent_and_keeps_edits() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        assert!(store.init().unwrap().created);
        std::fs::write(store.config_path(), "schema: git-lineage/v1\nignore: []\n").unwrap();
        assert!(!store.init().unwrap().created);
        assert!(store.config().unwrap().ignore.is_empty());
    }

    #[test]
    fn records_are_sharded_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let temp = dir.path().join("tmp");
        let (id, path) = store.write_record(b"bytes", &temp).unwrap();
        assert_eq!(path, dir.path().join(Store::record_rel_path(&id)));
        assert_eq!(std::fs::read(&path).unwrap(), b"bytes");
        // Writing the same bytes again is a no-op.
        assert_eq!(store.write_record(b"bytes", &temp).unwrap().0, id);
        std::fs::write(store.records_dir().join("stray.yaml"), b"x").unwrap();
        let listed = store.list().unwrap();
        assert_eq!(listed.len(), 2);
        // The temporary went to the temp dir and was renamed away.
        assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
        assert_eq!(store.ids().unwrap(), vec![id]);
    }

    #[test]
    fn ids_with_a_prefix_are_read_from_one_shard_as_the_listing_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let temp = dir.path().join("tmp");
        let ids: Vec<RecordId> = (0..300)
            .map(|n| {
                store
                    .write_record(format!("{n}").as_bytes(), &temp)
                    .unwrap()
                    .0
            })
            .collect();
        // A misplaced copy (another shard) and a stray name are not records.
        let some = &ids[0];
        let other_shard = if some.shard() == "00" { "01" } else { "00" };
        let misplaced = store.records_dir().join(other_shard);
        std::fs::create_dir_all(&misplaced).unwrap();
        std::fs::write(misplaced.join(format!("{some}.yaml")), b"0").unwrap();
        std::fs::write(store.records_dir().join(some.shard()).join("x.yaml"), b"x").unwrap();
        for prefix in [
            &some.as_str()[..2],
            &some.as_str()[..4],
            some.as_str(),
            "0",
            "",
        ] {
            let mut expected: Vec<RecordId> = store
                .ids()
                .unwrap()
                .into_iter()
                .filter(|id| id.as_str().starts_with(prefix))
                .collect();
            expected.sort();
            assert_eq!(store.ids_with_prefix(prefix).unwrap(), expected, "{prefix}");
        }
        assert!(store.ids_with_prefix("zz").unwrap().is_empty());
    }

    #[test]
    fn listing_is_depth_first_by_name_and_names_only_well_placed_records() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let temp = dir.path().join("tmp");
        let (a, _) = store.write_record(b"a", &temp).unwrap();
        let (b, _) = store.write_record(b"b", &temp).unwrap();
        let records = store.records_dir();
        // A record file one level too deep, in the wrong shard, at the top,
        // a write in progress, and a nested stray directory.
        let deep = records.join(a.shard()).join("x").join(format!("{a}.yaml"));
        std::fs::create_dir_all(deep.parent().unwrap()).unwrap();
        std::fs::write(&deep, b"a").unwrap();
        let wrong_shard = if b.shard() == "00" { "01" } else { "00" };
        std::fs::create_dir_all(records.join(wrong_shard)).unwrap();
        std::fs::write(records.join(wrong_shard).join(format!("{b}.yaml")), b"b").unwrap();
        std::fs::write(records.join(format!("{a}.yaml")), b"a").unwrap();
        std::fs::write(records.join(a.shard()).join(".w.1.tmp"), b"").unwrap();

        let listed = store.list().unwrap();
        let rels: Vec<&str> = listed.iter().map(|f| f.rel.as_str()).collect();
        let mut sorted = rels.clone();
        sorted.sort();
        assert_eq!(rels, sorted, "path order");
        assert_eq!(listed.len(), 5, "{rels:?}");
        for file in &listed {
            assert_eq!(file.path, dir.path().join(&file.rel));
            let well_placed =
                file.rel == Store::record_rel_path(&a) || file.rel == Store::record_rel_path(&b);
            assert_eq!(file.named_id.is_some(), well_placed, "{}", file.rel);
        }
        assert_eq!(store.ids().unwrap().len(), 2);
    }
}
