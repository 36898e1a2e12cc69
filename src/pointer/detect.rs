//! Finding out whether a worktree path is a large-file pointer (LFS, DVC,
//! git-annex) and what identifies its content, with or without the bytes:
//! the pointer's digest when they are absent, the same digest computed from
//! the bytes when they are present.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::Digest as _;

use super::{
    AnnexKey, MAX_POINTER_BYTES, Pointer, PointerDigest, PointerKind, parse_annex_pointer_file,
    parse_annex_symlink, parse_dvc, parse_lfs,
};
use crate::repo::Repo;

/// What [`detect`] found at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Which tool manages the path.
    pub kind: PointerKind,
    /// The identity to record; `None` when the tool's entry names no
    /// content (a WORM key, a DVC 2 entry, bytes changed since `dvc add`).
    pub pointer: Option<Pointer>,
    /// Whether the content's bytes are in the worktree.
    pub present: bool,
    /// The content's size, as the pointer gives it.
    pub size: Option<u64>,
    /// For a DVC directory: its file count.
    pub files: Option<u64>,
    /// Why `pointer` is `None`, or anything else worth saying.
    pub warning: Option<String>,
}

/// Why a pointer could not be examined.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetectError {
    /// Reading the file, its symlink or its `.dvc` file failed.
    #[error("cannot read '{}': {source}", path.display())]
    Io {
        /// The path being read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DetectError + '_ {
    move |source| DetectError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Look at the worktree path `rel` (repository-relative): a locked annexed
/// file (symlink into `annex/objects/`), a path with a `<rel>.dvc` file, an
/// LFS or annex pointer file, or bytes whose staged blob is such a pointer
/// or whose `filter` attribute is `lfs`. `None` for an ordinary path.
pub fn detect(repo: &Repo, rel: &str) -> Result<Option<Found>, DetectError> {
    let path = repo.root().join(rel);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dropped DVC output is only its `.dvc` file.
            return dvc(&path, rel);
        }
        Err(e) => return Err(io(&path)(e)),
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(&path).map_err(io(&path))?;
        if let Some(key) = target.to_str().and_then(parse_annex_symlink) {
            let present = std::fs::metadata(&path).is_ok();
            return annex(&path, key, present).map(Some);
        }
        return Ok(None);
    }
    if let Some(found) = dvc(&path, rel)? {
        return Ok(Some(found));
    }
    if !meta.is_file() {
        return Ok(None);
    }
    if meta.len() < MAX_POINTER_BYTES as u64 {
        // Unreadable bytes are the hasher's to report, with its hint.
        let Ok(bytes) = std::fs::read(&path) else {
            return Ok(None);
        };
        if let Some(lfs) = parse_lfs(&bytes) {
            return Ok(Some(Found {
                kind: PointerKind::Lfs,
                pointer: Some(Pointer {
                    kind: PointerKind::Lfs,
                    digest: lfs.oid,
                    key: None,
                }),
                present: false,
                size: Some(lfs.size),
                files: None,
                warning: None,
            }));
        }
        if let Some(key) = parse_annex_pointer_file(&bytes) {
            return annex(&path, key, false).map(Some);
        }
    }
    // The bytes are here: is the path an LFS or unlocked annex file?
    let staged = repo.index_blob(rel, MAX_POINTER_BYTES as u64);
    if let Some(key) = staged.as_deref().and_then(parse_annex_pointer_file) {
        return annex(&path, key, true).map(Some);
    }
    if staged.as_deref().and_then(parse_lfs).is_some() || lfs_attribute(repo, rel) {
        let hex = file_digest(&path, "sha256")?.unwrap_or_default();
        return Ok(Some(Found {
            kind: PointerKind::Lfs,
            pointer: PointerDigest::new("sha256", &hex).map(|digest| Pointer {
                kind: PointerKind::Lfs,
                digest,
                key: None,
            }),
            present: true,
            size: Some(meta.len()),
            files: None,
            warning: None,
        }));
    }
    Ok(None)
}

/// The tool whose pointer stands at `path` instead of the bytes, looking
/// only at the path itself (no index, no attributes): a dangling symlink
/// into `annex/objects/`, an LFS or annex pointer file, or nothing with a
/// `.dvc` file beside it. Cheap enough to ask of every tracked path.
pub fn absent_pointer(path: &Path) -> Option<PointerKind> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        let dvc = PathBuf::from(format!("{}.dvc", path.display()));
        return dvc.is_file().then_some(PointerKind::Dvc);
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).ok()?;
        return (target.to_str().and_then(parse_annex_symlink).is_some()
            && std::fs::metadata(path).is_err())
        .then_some(PointerKind::Annex);
    }
    if !meta.is_file() || meta.len() >= MAX_POINTER_BYTES as u64 {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if parse_lfs(&bytes).is_some() {
        Some(PointerKind::Lfs)
    } else if parse_annex_pointer_file(&bytes).is_some() {
        Some(PointerKind::Annex)
    } else {
        None
    }
}

/// An annexed file with `key`. Locked content is read-only and named by its
/// key; unlocked content can be edited, so present bytes are hashed again.
fn annex(path: &Path, key: AnnexKey, present: bool) -> Result<Found, DetectError> {
    let mut warning = None;
    let mut digest = key.digest.clone();
    if digest.is_none() {
        warning = Some(format!(
            "git-annex key '{}' uses the {} backend, which names no content; only hash backends (SHA256E, …) give identity",
            key.key, key.backend
        ));
    }
    let unlocked = std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_symlink());
    if let (Some(want), true, true) = (&digest, present, unlocked) {
        match file_digest(path, want.algorithm())? {
            Some(hex) if hex == want.value() => {}
            Some(_) => {
                warning = Some(format!(
                    "'{}' differs from its git-annex key '{}' (changed since `git annex add`): its key is not used",
                    path.display(),
                    key.key
                ));
                digest = None;
            }
            // An algorithm git-lineage cannot compute: trust the key.
            None => {}
        }
    }
    Ok(Found {
        kind: PointerKind::Annex,
        pointer: digest.map(|digest| Pointer {
            kind: PointerKind::Annex,
            digest,
            key: Some(key.key.clone()),
        }),
        present,
        size: key.size,
        files: None,
        warning,
    })
}

/// The path as a `.dvc` file next to it tracks it, if one does.
fn dvc(path: &Path, rel: &str) -> Result<Option<Found>, DetectError> {
    let Some(name) = rel.rsplit('/').next() else {
        return Ok(None);
    };
    let dvc_path = PathBuf::from(format!("{}.dvc", path.display()));
    let text = match std::fs::read_to_string(&dvc_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&dvc_path)(e)),
    };
    let outs = match parse_dvc(&text) {
        Ok(outs) => outs,
        Err(problem) => {
            return Ok(Some(Found {
                kind: PointerKind::Dvc,
                pointer: None,
                present: path.exists(),
                size: None,
                files: None,
                warning: Some(format!("{}: {problem}", dvc_path.display())),
            }));
        }
    };
    let Some(out) = outs
        .into_iter()
        .find(|o| o.path.trim_end_matches('/') == name)
    else {
        return Ok(None);
    };
    let present = path.exists();
    let (mut pointer, mut warning) = match out.digest() {
        Ok(digest) => (
            Some(Pointer {
                kind: PointerKind::Dvc,
                digest,
                key: None,
            }),
            None,
        ),
        Err(problem) => (None, Some(format!("{}: {problem}", dvc_path.display()))),
    };
    // A present file is checked against its md5; a directory's md5 is of
    // DVC's own listing, which `dvc status` compares.
    if let (Some(p), true, false) = (&pointer, present, out.is_dir())
        && path.is_file()
        && file_digest(path, "md5")?.as_deref() != Some(p.digest.value())
    {
        warning = Some(format!(
            "'{}' differs from the md5 in {} (changed since `dvc add`): its md5 is not used",
            path.display(),
            dvc_path.display()
        ));
        pointer = None;
    }
    Ok(Some(Found {
        kind: PointerKind::Dvc,
        pointer,
        present,
        size: out.size,
        files: out.nfiles,
        warning,
    }))
}

/// True when git says `rel`'s `filter` attribute is `lfs` (only asked when
/// the worktree has a top-level `.gitattributes` naming LFS).
fn lfs_attribute(repo: &Repo, rel: &str) -> bool {
    let attributes = std::fs::read_to_string(repo.root().join(".gitattributes"));
    if !attributes.is_ok_and(|text| text.contains("filter=lfs")) {
        return false;
    }
    std::process::Command::new("git")
        .current_dir(repo.root())
        .args(["check-attr", "filter", "--", rel])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .is_ok_and(|out| {
            String::from_utf8_lossy(&out.stdout)
                .trim_end()
                .ends_with(": filter: lfs")
        })
}

/// The lowercase hex digest of a file's bytes with `algorithm` (`sha256`,
/// `sha512`, `md5`); `None` for another algorithm.
pub fn file_digest(path: &Path, algorithm: &str) -> Result<Option<String>, DetectError> {
    fn run<D: sha2::Digest>(path: &Path, mut hasher: D) -> Result<String, DetectError> {
        let mut file = std::fs::File::open(path).map_err(io(path))?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf).map_err(io(path))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }
    Ok(Some(match algorithm {
        "sha256" => run(path, sha2::Sha256::new())?,
        "sha512" => run(path, sha2::Sha512::new())?,
        "md5" => run(path, md5::Md5::new())?,
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_digests_match_the_usual_tools() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, b"foo").unwrap();
        assert_eq!(
            file_digest(&file, "md5").unwrap().unwrap(),
            "acbd18db4cc2f85cedef654fccc4a4d8"
        );
        assert_eq!(
            file_digest(&file, "sha256").unwrap().unwrap(),
            "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
        );
        assert_eq!(file_digest(&file, "skein256").unwrap(), None);
    }
}
