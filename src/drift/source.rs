//! Which bytes a side of `drift` names: a path, `PATH@REV` (the file as
//! committed), `blake3:HASH` (a recorded artifact with that content), or a
//! record REF (`name:`, an id, `model:NAME@STAGE`): that record's tabular
//! input, e.g. the training data of the production model.

use std::path::{Path, PathBuf};

use crate::hash::ContentHash;
use crate::history::{History, HistoryError, HistoryOptions};
use crate::profile::{Format, Profile, ProfileError, Source};
use crate::record::{Artifact, RecordId};
use crate::refspec::{self, RefError, RefSpec};
use crate::repo::Repo;

/// Why a side of `drift` names no readable dataset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SideError {
    /// The REF did not resolve.
    #[error("'{text}': {source}")]
    Ref {
        /// The REF as given.
        text: String,
        /// Why.
        source: Box<RefError>,
    },
    /// Reading history failed.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The dataset could not be read.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The REF names something that is not a dataset.
    #[error("'{text}' names no dataset: {problem}")]
    NotData {
        /// The REF as given.
        text: String,
        /// What it names instead.
        problem: String,
    },
    /// The bytes are gone and the stored profile that would stand in for
    /// them is damaged or unreadable.
    #[error(
        "'{text}': the recorded bytes are gone and the stored profile standing in for them is unusable: {source}"
    )]
    StoredProfile {
        /// The REF as given.
        text: String,
        /// Why the profile cannot be read (names its path).
        source: crate::profile::stored::StoredProfileError,
    },
    /// The recorded bytes are neither on disk nor in git.
    #[error(
        "'{text}': the recorded bytes of {path} ({hash}) are gone: the file on disk differs \
         or is missing, and no commit checked holds them"
    )]
    BytesGone {
        /// The REF as given.
        text: String,
        /// The artifact's path.
        path: String,
        /// Its recorded hash.
        hash: String,
    },
}

/// A side resolved to bytes.
#[derive(Debug, Clone)]
pub struct ResolvedSide {
    /// Where the bytes are.
    pub source: Source,
    /// How they were found, when a REF was resolved (`data/train.csv at
    /// commit 1234abcd, input of train fraud-model 5678…`).
    pub via: Option<String>,
    /// The recorded content hash, when known.
    pub hash: Option<ContentHash>,
    /// The repository-relative path, when known.
    pub path: Option<String>,
    /// The record whose artifact this is, for a record or `blake3:` REF.
    pub record: Option<RecordId>,
    /// The stored profile standing in for bytes that are gone, and its id
    /// (`source` is then empty).
    pub profile: Option<(ContentHash, Profile)>,
}

fn is_tabular(path: &str) -> bool {
    Format::from_path(Path::new(path)).is_ok()
}

fn hash_file(path: &Path) -> Option<ContentHash> {
    let ignore = globset::GlobSet::empty();
    crate::hash::Hasher::new(&ignore, None)
        .hash_path(path)
        .ok()
        .map(|digest| digest.hash())
}

/// Resolve one side. Without a repository only a path is understood.
pub fn resolve_side(
    repo: Option<&Repo>,
    cwd: &Path,
    text: &str,
) -> Result<ResolvedSide, SideError> {
    let absolute = cwd.join(text);
    let plain = || ResolvedSide {
        source: Source::file(absolute.clone()),
        via: None,
        hash: None,
        path: None,
        record: None,
        profile: None,
    };
    if absolute.is_file() {
        return Ok(plain());
    }
    let Some(repo) = repo else { return Ok(plain()) };
    let ref_err = |source: RefError| SideError::Ref {
        text: text.to_string(),
        source: Box::new(source),
    };
    let spec = refspec::parse(text).map_err(ref_err)?;
    match &spec {
        RefSpec::Path(path) => {
            let Some((file, rev)) = path
                .rsplit_once('@')
                .filter(|(p, r)| !p.is_empty() && !r.is_empty())
            else {
                return Ok(plain());
            };
            let rel = repo
                .relative_path(cwd, Path::new(file))
                .map_err(|e| ref_err(RefError::Path(e)))?;
            let bytes = crate::history::file_bytes_at(repo, rev, &rel)?;
            Ok(ResolvedSide {
                hash: Some(ContentHash::of_bytes(&bytes)),
                source: Source::bytes(PathBuf::from(&rel), bytes),
                via: Some(format!("{rel} at {rev}")),
                path: Some(rel),
                record: None,
                profile: None,
            })
        }
        RefSpec::Hash(hash) => {
            let history = History::load(repo, &HistoryOptions::default())?;
            let found = history.entries.iter().rev().find_map(|entry| {
                entry.summary.with(|s| {
                    s.inputs
                        .iter()
                        .chain(&s.outputs)
                        .find(|a| a.hash.as_ref() == Some(hash) && a.path.is_some())
                        .cloned()
                        .map(|a| (entry.id.clone(), a))
                })
            });
            let Some((id, artifact)) = found else {
                match crate::profile::stored::read(repo.root(), hash) {
                    Ok(profile) => {
                        return Ok(from_profile(
                            *hash,
                            profile,
                            format!("stored profile {}", short_hash(hash)),
                            None,
                        ));
                    }
                    Err(crate::profile::stored::StoredProfileError::Missing { .. }) => {}
                    Err(source) => {
                        return Err(SideError::StoredProfile {
                            text: text.into(),
                            source,
                        });
                    }
                }
                return Err(SideError::NotData {
                    text: text.into(),
                    problem: "no recorded artifact with a path has this hash".into(),
                });
            };
            locate(repo, &history, text, &id, &artifact, "artifact of")
        }
        RefSpec::Id(_) | RefSpec::Prefix(_) | RefSpec::Name(_) | RefSpec::Model { .. } => {
            let history = History::load(repo, &HistoryOptions::default())?;
            let id = refspec::resolve_record(&history, &spec).map_err(ref_err)?;
            let inputs = history
                .get(&id)
                .map(|entry| entry.summary.with(|s| s.inputs.clone()))
                .unwrap_or_default();
            let tabular = |a: &&Artifact| a.path.as_deref().is_some_and(is_tabular);
            let chosen = inputs
                .iter()
                .filter(tabular)
                .find(|a| a.role.as_deref() == Some("dataset"))
                .or_else(|| inputs.iter().find(tabular));
            let Some(artifact) = chosen else {
                return Err(SideError::NotData {
                    text: text.into(),
                    problem: format!(
                        "record {} has no CSV, TSV, JSON Lines or Parquet input",
                        &id.to_string()[..12]
                    ),
                });
            };
            locate(repo, &history, text, &id, artifact, "input of")
        }
        RefSpec::Uri { .. } | RefSpec::Commit(_) | RefSpec::Digest(_) => Err(SideError::NotData {
            text: text.into(),
            problem: "a URI, commit or large-file pointer digest is not a local dataset".into(),
        }),
    }
}

/// The recorded bytes of `artifact`: the file on disk when it still hashes
/// to the recorded hash, else the file in the commit that added the record,
/// else in HEAD.
fn locate(
    repo: &Repo,
    history: &History,
    text: &str,
    id: &RecordId,
    artifact: &Artifact,
    relation: &str,
) -> Result<ResolvedSide, SideError> {
    let rel = artifact.path.clone().unwrap_or_default();
    let entry = history.get(id);
    let record = entry
        .map(|e| e.summary.with(|s| format!("{} {}", s.kind, s.name)))
        .unwrap_or_default();
    let short_id = &id.to_string()[..12];
    let Some(hash) = artifact.hash else {
        return Ok(ResolvedSide {
            source: Source::file(repo.root().join(&rel)),
            via: Some(format!(
                "{rel}, {relation} {record} {short_id} (no recorded hash)"
            )),
            hash: None,
            path: Some(rel),
            record: Some(id.clone()),
            profile: None,
        });
    };
    let on_disk = repo.root().join(&rel);
    if on_disk.is_file() && hash_file(&on_disk) == Some(hash) {
        return Ok(ResolvedSide {
            source: Source::file(on_disk),
            via: Some(format!("{rel}, {relation} {record} {short_id}")),
            hash: Some(hash),
            path: Some(rel),
            record: Some(id.clone()),
            profile: None,
        });
    }
    let mut revisions: Vec<String> = entry
        .and_then(|e| e.commit.as_ref())
        .map(|c| c.id.clone())
        .into_iter()
        .collect();
    revisions.push("HEAD".into());
    for rev in revisions {
        if let Ok(bytes) = crate::history::file_bytes_at(repo, &rev, &rel)
            && ContentHash::of_bytes(&bytes) == hash
        {
            let shown_rev = rev.get(..12).unwrap_or(&rev).to_string();
            return Ok(ResolvedSide {
                source: Source::bytes(PathBuf::from(&rel), bytes),
                via: Some(format!(
                    "{rel} at {shown_rev}, {relation} {record} {short_id}"
                )),
                hash: Some(hash),
                path: Some(rel),
                record: Some(id.clone()),
                profile: None,
            });
        }
    }
    if let Some(id_of_profile) = artifact.profile {
        let profile = match crate::profile::stored::read(repo.root(), &id_of_profile) {
            Ok(profile) => profile,
            Err(source) => {
                return Err(SideError::StoredProfile {
                    text: text.into(),
                    source,
                });
            }
        };
        return Ok(from_profile(
            id_of_profile,
            profile,
            format!(
                "stored profile {} of {rel} (bytes gone), {relation} {record} {short_id}",
                short_hash(&id_of_profile)
            ),
            Some(id.clone()),
        ));
    }
    Err(SideError::BytesGone {
        text: text.into(),
        path: rel,
        hash: hash.to_string(),
    })
}

/// `blake3:` and the first 12 hex digits.
fn short_hash(hash: &ContentHash) -> String {
    format!("blake3:{}", &hash.to_hex()[..12])
}

/// A side answered by a stored profile: no bytes, the profile's path as label.
fn from_profile(
    id: ContentHash,
    profile: Profile,
    via: String,
    record: Option<RecordId>,
) -> ResolvedSide {
    ResolvedSide {
        source: Source::bytes(PathBuf::from(&profile.path), Vec::new()),
        via: Some(via),
        hash: None,
        path: Some(profile.path.clone()),
        record,
        profile: Some((id, profile)),
    }
}
