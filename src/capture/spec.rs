//! The artifact spec grammar of `-i`/`-o`: `[role=]path|glob|uri[@version]`,
//! credentials, queries and fragments stripped from URIs, and shell-like
//! glob expansion under the ignore globs.

use std::path::{Path, PathBuf};

use crate::record;

/// A parsed artifact spec, before anything is read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactSpec {
    /// A local path (file or directory), relative to the working directory.
    Path {
        /// Optional role.
        role: Option<String>,
        /// The path as given.
        path: PathBuf,
    },
    /// A glob over local paths.
    Glob {
        /// Optional role.
        role: Option<String>,
        /// The pattern as given.
        pattern: String,
    },
    /// A `file:///abs/path` URI: external data that is still hashed.
    FileUri {
        /// Optional role.
        role: Option<String>,
        /// The URI as given.
        uri: String,
        /// The absolute path it names.
        path: PathBuf,
    },
    /// Any other URI, with an optional `@version`.
    External {
        /// Optional role.
        role: Option<String>,
        /// The URI, credentials removed.
        uri: String,
        /// The version after the last `@`, if any.
        version: Option<String>,
    },
}

pub use crate::error::SpecError;

/// Parse `[role=]path|glob|uri[@version]`. `cwd` decides whether a text that
/// could be a role prefix or a glob is in fact an existing path.
pub fn parse_artifact_spec(text: &str, cwd: &Path) -> std::result::Result<ArtifactSpec, SpecError> {
    if text.is_empty() {
        return Err(SpecError::Empty);
    }
    let exists = |p: &str| cwd.join(p).symlink_metadata().is_ok();
    let (role, rest) = match text.split_once('=') {
        Some((role, rest)) if !exists(text) && record::check_kind(role).is_ok() => {
            (Some(role.to_string()), rest)
        }
        _ => (None, text),
    };
    if rest.is_empty() {
        return Err(SpecError::NothingAfterRole);
    }
    if let Some(path) = rest.strip_prefix("file://") {
        if !path.starts_with('/') {
            return Err(SpecError::RelativeFileUri);
        }
        return Ok(ArtifactSpec::FileUri {
            role,
            uri: rest.to_string(),
            path: PathBuf::from(path),
        });
    }
    if record::is_uri(rest) {
        // The query and fragment go first, so a token there can never be
        // taken for an `@version`.
        let (uri, version) = record::split_version(record::strip_query_and_fragment(rest));
        return Ok(ArtifactSpec::External {
            role,
            uri: strip_credentials(uri),
            version: version.map(str::to_string),
        });
    }
    if rest.contains(['*', '?', '[', '{']) && !exists(rest) {
        globset::Glob::new(rest).map_err(|e| SpecError::Glob(e.kind().clone()))?;
        return Ok(ArtifactSpec::Glob {
            role,
            pattern: rest.to_string(),
        });
    }
    Ok(ArtifactSpec::Path {
        role,
        path: PathBuf::from(rest),
    })
}

/// What of a URI may be recorded: the user-info (`user:password@`) of its
/// authority, its query (`?…`) and its fragment (`#…`) removed, since any of
/// them can carry a secret (docs/manifest.md, the artifact `uri` field).
pub fn strip_credentials(uri: &str) -> String {
    let uri = record::strip_query_and_fragment(uri);
    let Some(scheme_end) = uri.find("://") else {
        return uri.to_string();
    };
    let authority_start = scheme_end + 3;
    let authority_end = uri[authority_start..]
        .find('/')
        .map_or(uri.len(), |i| authority_start + i);
    match uri[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}{}",
            &uri[..authority_start],
            &uri[authority_start + at + 1..]
        ),
        None => uri.to_string(),
    }
}

/// Expand a glob relative to `cwd` like a shell does: `*` stays within one
/// path component, `**` crosses them, and hidden entries (names starting with
/// `.`) are matched only when the pattern itself names a hidden component.
/// Entries matching `ignore` (the config's globs, by relative path or file
/// name) are skipped. Matches are files and directories, sorted; `.git` and
/// `.lineage` are never searched.
pub fn expand_glob(
    pattern: &str,
    cwd: &Path,
    ignore: &globset::GlobSet,
) -> std::result::Result<Vec<PathBuf>, SpecError> {
    let include_hidden = pattern.starts_with('.') || pattern.contains("/.");
    let matcher = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| SpecError::Glob(e.kind().clone()))?
        .compile_matcher();
    // Walk from the longest literal directory prefix.
    let mut base = PathBuf::new();
    for component in Path::new(pattern).components() {
        let text = component.as_os_str().to_string_lossy();
        if text.contains(['*', '?', '[', '{']) {
            break;
        }
        base.push(component);
    }
    let start = if base.as_os_str().is_empty() {
        cwd.to_path_buf()
    } else {
        cwd.join(&base)
    };
    if !start.is_dir() {
        return Ok(Vec::new());
    }
    let mut matches = Vec::new();
    let mut walker = walkdir::WalkDir::new(&start)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let entry = entry.map_err(|source| SpecError::List {
            dir: start.clone(),
            source: Box::new(source),
        })?;
        let name = entry.file_name();
        let rel = entry.path().strip_prefix(cwd).unwrap_or(entry.path());
        let hidden = name.to_string_lossy().starts_with('.');
        let skipped = name == ".git"
            || name == ".lineage"
            || (hidden && !include_hidden)
            || ignore.is_match(name)
            || ignore.is_match(rel);
        if skipped {
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if matcher.is_match(rel) {
            let is_dir = entry.file_type().is_dir();
            matches.push(rel.to_path_buf());
            if is_dir {
                walker.skip_current_dir();
            }
        }
    }
    Ok(matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> ArtifactSpec {
        parse_artifact_spec(text, Path::new("/nonexistent-cwd")).unwrap()
    }

    #[test]
    fn specs_parse_roles_uris_versions_and_globs() {
        assert_eq!(
            spec("dataset=data/train.csv"),
            ArtifactSpec::Path {
                role: Some("dataset".into()),
                path: "data/train.csv".into()
            }
        );
        assert_eq!(
            spec("feature-group=featurestore://claims@v3"),
            ArtifactSpec::External {
                role: Some("feature-group".into()),
                uri: "featurestore://claims".into(),
                version: Some("v3".into())
            }
        );
        assert_eq!(
            spec("s3://bucket/key"),
            ArtifactSpec::External {
                role: None,
                uri: "s3://bucket/key".into(),
                version: None
            }
        );
        assert_eq!(
            spec("docker://repo/img@sha256:abc"),
            ArtifactSpec::External {
                role: None,
                uri: "docker://repo/img".into(),
                version: Some("sha256:abc".into())
            }
        );
        assert_eq!(
            spec("https://user:secret@host/path"),
            ArtifactSpec::External {
                role: None,
                uri: "https://host/path".into(),
                version: None
            }
        );
        // Query and fragment are never recorded, whatever they hold; a
        // version goes before them.
        assert_eq!(
            spec("https://u:p@host/r.git?private_token=X@v2#frag"),
            ArtifactSpec::External {
                role: None,
                uri: "https://host/r.git".into(),
                version: None
            }
        );
        assert_eq!(
            spec("s3://bucket/key@v7?versionId=abc"),
            ArtifactSpec::External {
                role: None,
                uri: "s3://bucket/key".into(),
                version: Some("v7".into())
            }
        );
        assert_eq!(strip_credentials("https://t@h/x?a=1#b"), "https://h/x");
        assert!(matches!(spec("data/*.csv"), ArtifactSpec::Glob { .. }));
        assert!(matches!(
            spec("file:///mnt/x"),
            ArtifactSpec::FileUri { .. }
        ));
        assert!(parse_artifact_spec("file://relative", Path::new("/")).is_err());
        assert!(parse_artifact_spec("dataset=", Path::new("/")).is_err());
        // An upper-case prefix is not a role: the whole text is a path.
        assert!(matches!(spec("A=b"), ArtifactSpec::Path { role: None, .. }));
    }

    #[test]
    fn globs_expand_like_a_shell() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data/sub")).unwrap();
        for f in ["data/a.csv", "data/b.csv", "data/c.txt", "data/sub/d.csv"] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        std::fs::write(dir.path().join("data/.hidden.csv"), b"x").unwrap();
        std::fs::write(dir.path().join("data/junk.csv"), b"x").unwrap();
        let mut ignore = globset::GlobSetBuilder::new();
        ignore.add(globset::Glob::new("junk.csv").unwrap());
        let ignore = ignore.build().unwrap();
        let none = globset::GlobSet::empty();
        let found = expand_glob("data/*.csv", dir.path(), &ignore).unwrap();
        assert_eq!(
            found,
            [PathBuf::from("data/a.csv"), PathBuf::from("data/b.csv")]
        );
        let deep = expand_glob("data/**/*.csv", dir.path(), &ignore).unwrap();
        assert_eq!(deep.len(), 3);
        let hidden = expand_glob("data/.*.csv", dir.path(), &none).unwrap();
        assert_eq!(hidden, [PathBuf::from("data/.hidden.csv")]);
        assert_eq!(
            expand_glob("data/*.csv", dir.path(), &none).unwrap().len(),
            3
        );
        assert!(
            expand_glob("nothing/*.csv", dir.path(), &none)
                .unwrap()
                .is_empty()
        );
    }
}
