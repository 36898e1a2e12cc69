//! Profiles stored as lineage: a [`Profile`]'s deterministic JSON bytes kept
//! content-addressed under `.lineage/profiles/<2 hex>/<64 hex>.json` (BLAKE3
//! of the bytes), linked from a record's artifact (`profile: blake3:…`).

use std::path::{Path, PathBuf};

use super::Profile;
use crate::hash::ContentHash;

/// The directory of stored profiles, under `.lineage/`.
pub const PROFILES_DIR: &str = "profiles";

/// Why a stored profile cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoredProfileError {
    /// The file is not there.
    #[error("stored profile {id} is missing: '{}' does not exist", path.display())]
    Missing {
        /// The profile id.
        id: ContentHash,
        /// Where it should be.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("cannot {action} '{}': {source}", path.display())]
    Io {
        /// `read`, `write`, `create`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes do not hash to the file's name.
    #[error("stored profile '{}' is damaged: its bytes hash to {actual}, not to its name", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What the bytes hash to.
        actual: ContentHash,
    },
    /// The bytes are not a profile.
    #[error("stored profile '{}' is not a profile: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

/// The deterministic bytes of a profile: pretty JSON (fields in declaration
/// order, shortest round-trip floats) and a final newline.
pub fn to_bytes(profile: &Profile) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(profile).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `.lineage/profiles/<2 hex>/<64 hex>.json`, worktree-relative.
pub fn rel_path(id: &ContentHash) -> String {
    let hex = id.to_hex();
    format!(
        "{}/{PROFILES_DIR}/{}/{hex}.json",
        crate::store::LINEAGE_DIR,
        &hex[..2]
    )
}

/// Store `profile` under `root` (the worktree): written in `temp_dir`
/// (outside the worktree) and renamed into place, a no-op when already
/// stored. Returns its id and worktree-relative path.
pub fn write(
    root: &Path,
    profile: &Profile,
    temp_dir: &Path,
) -> Result<(ContentHash, String), StoredProfileError> {
    let bytes = to_bytes(profile);
    let id = ContentHash::of_bytes(&bytes);
    let rel = rel_path(&id);
    let path = root.join(&rel);
    if std::fs::read(&path).is_ok_and(|existing| existing == bytes) {
        return Ok((id, rel));
    }
    if let Some(shard) = path.parent() {
        std::fs::create_dir_all(shard).map_err(|source| StoredProfileError::Io {
            action: "create",
            path: shard.to_path_buf(),
            source,
        })?;
    }
    crate::cache::write_atomically_via(&path, &bytes, temp_dir).map_err(|source| {
        StoredProfileError::Io {
            action: "write",
            path: path.clone(),
            source,
        }
    })?;
    Ok((id, rel))
}

/// Read the stored profile `id` under `root`, checking its bytes hash to `id`.
pub fn read(root: &Path, id: &ContentHash) -> Result<Profile, StoredProfileError> {
    let path = root.join(rel_path(id));
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoredProfileError::Missing { id: *id, path });
        }
        Err(source) => {
            return Err(StoredProfileError::Io {
                action: "read",
                path,
                source,
            });
        }
    };
    let actual = ContentHash::of_bytes(&bytes);
    if actual != *id {
        return Err(StoredProfileError::Damaged { path, actual });
    }
    serde_json::from_slice(&bytes).map_err(|e| StoredProfileError::Invalid {
        path,
        problem: e.to_string(),
    })
}

/// Check a stored profile file: `None` when its bytes hash to its name.
pub fn check(root: &Path, id: &ContentHash) -> Option<StoredProfileError> {
    read(root, id).err()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Format, Profile};

    fn sample() -> Profile {
        Profile {
            path: "data/a.csv".into(),
            format: Format::Csv,
            rows: 2,
            bytes: 10,
            columns: Vec::new(),
        }
    }

    #[test]
    fn a_profile_is_stored_under_the_hash_of_its_bytes_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let (id, rel) = write(dir.path(), &sample(), &dir.path().join("tmp")).unwrap();
        assert_eq!(id, ContentHash::of_bytes(&to_bytes(&sample())));
        assert!(rel.starts_with(".lineage/profiles/") && rel.ends_with(".json"));
        assert_eq!(read(dir.path(), &id).unwrap(), sample());
        std::fs::write(dir.path().join(&rel), b"{}\n").unwrap();
        assert!(matches!(
            read(dir.path(), &id),
            Err(StoredProfileError::Damaged { .. })
        ));
        std::fs::remove_file(dir.path().join(&rel)).unwrap();
        assert!(matches!(
            read(dir.path(), &id),
            Err(StoredProfileError::Missing { .. })
        ));
    }
}
