//! REF resolution: turning what a user types into a record id.
//!
//! This version resolves a full record id, a unique prefix of 4 or more hex
//! digits, and `name:NAME` (the most recently recorded record of that name)
//! against the records in the worktree. `docs/refs.md` has the grammar.

use crate::record::RecordId;
use crate::store::{Store, StoreError};

/// The shortest prefix accepted, like git's abbreviated ids.
pub const MIN_PREFIX: usize = 4;

/// A parsed REF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefSpec {
    /// A full 64-hex id.
    Id(RecordId),
    /// A 4..63 hex prefix.
    Prefix(String),
    /// `name:NAME`.
    Name(String),
}

/// Why a REF did not resolve.
#[derive(Debug, thiserror::Error)]
pub enum RefError {
    /// Not a form this version understands.
    #[error("'{0}' is not a record REF")]
    Malformed(String),
    /// A hex prefix shorter than [`MIN_PREFIX`].
    #[error("'{0}' is too short: give at least {MIN_PREFIX} hex digits of a record id")]
    TooShort(String),
    /// Nothing matched.
    #[error("no record matches '{0}'")]
    NotFound(String),
    /// More than one record matched a prefix.
    #[error("'{prefix}' is ambiguous: it matches {}", candidates.iter().map(|c| c.short()).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        /// The prefix.
        prefix: String,
        /// Every matching id.
        candidates: Vec<RecordId>,
    },
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RefError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            RefError::Malformed(_) => Some(
                "a REF is a record id, a unique prefix of 4+ hex digits, or name:NAME (docs/refs.md)".into(),
            ),
            RefError::TooShort(_) | RefError::Ambiguous { .. } => Some("give more hex digits of the id".into()),
            RefError::NotFound(_) => Some(
                "record ids are the file names under .lineage/records/; name:NAME finds the latest record of a name"
                    .into(),
            ),
            RefError::Store(_) => None,
        }
    }
}

/// Parse a REF's text.
pub fn parse(text: &str) -> Result<RefSpec, RefError> {
    if let Some(name) = text.strip_prefix("name:") {
        return if name.is_empty() {
            Err(RefError::Malformed(text.into()))
        } else {
            Ok(RefSpec::Name(name.into()))
        };
    }
    if !crate::hash::is_lower_hex(text) {
        return Err(RefError::Malformed(text.into()));
    }
    match text.len() {
        64 => Ok(RefSpec::Id(
            RecordId::parse(text).ok_or_else(|| RefError::Malformed(text.into()))?,
        )),
        n if n < MIN_PREFIX => Err(RefError::TooShort(text.into())),
        n if n > 64 => Err(RefError::Malformed(text.into())),
        _ => Ok(RefSpec::Prefix(text.into())),
    }
}

/// Resolve a parsed REF against the worktree's records.
pub fn resolve(store: &Store, spec: &RefSpec) -> Result<RecordId, RefError> {
    match spec {
        RefSpec::Id(id) => {
            if store.record_path(id).is_file() {
                Ok(id.clone())
            } else {
                Err(RefError::NotFound(id.to_string()))
            }
        }
        RefSpec::Prefix(prefix) => {
            let candidates: Vec<RecordId> = store
                .ids()?
                .into_iter()
                .filter(|id| id.as_str().starts_with(prefix.as_str()))
                .collect();
            match candidates.len() {
                0 => Err(RefError::NotFound(prefix.clone())),
                1 => Ok(candidates
                    .into_iter()
                    .next()
                    .ok_or_else(|| RefError::NotFound(prefix.clone()))?),
                _ => Err(RefError::Ambiguous {
                    prefix: prefix.clone(),
                    candidates,
                }),
            }
        }
        RefSpec::Name(name) => {
            let mut best: Option<(crate::time::Timestamp, RecordId)> = None;
            for id in store.ids()? {
                // Unreadable records are `verify`'s business; skip them here.
                let Ok((_, record)) = store.read(&id) else {
                    continue;
                };
                if &record.name == name && best.as_ref().is_none_or(|(t, _)| record.recorded >= *t)
                {
                    best = Some((record.recorded, id));
                }
            }
            best.map(|(_, id)| id)
                .ok_or_else(|| RefError::NotFound(format!("name:{name}")))
        }
    }
}

/// Parse and resolve in one step.
pub fn resolve_text(store: &Store, text: &str) -> Result<RecordId, RefError> {
    resolve(store, &parse(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms() {
        assert_eq!(parse("abcd").unwrap(), RefSpec::Prefix("abcd".into()));
        assert_eq!(parse("name:fraud").unwrap(), RefSpec::Name("fraud".into()));
        assert!(matches!(parse(&"a".repeat(64)).unwrap(), RefSpec::Id(_)));
        assert!(matches!(parse("abc"), Err(RefError::TooShort(_))));
        assert!(matches!(parse("ABCD"), Err(RefError::Malformed(_))));
        assert!(matches!(parse("name:"), Err(RefError::Malformed(_))));
        assert!(matches!(
            parse(&"a".repeat(65)),
            Err(RefError::Malformed(_))
        ));
    }

    #[test]
    fn prefixes_resolve_uniquely_or_list_candidates() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let shard = store.records_dir().join("ab");
        std::fs::create_dir_all(&shard).unwrap();
        let one = format!("abcd{}", "1".repeat(60));
        let two = format!("abcd{}", "2".repeat(60));
        for id in [&one, &two] {
            std::fs::write(shard.join(format!("{id}.yaml")), b"x").unwrap();
        }
        assert_eq!(resolve_text(&store, &one[..5]).unwrap().as_str(), one);
        match resolve_text(&store, "abcd") {
            Err(RefError::Ambiguous { candidates, .. }) => assert_eq!(candidates.len(), 2),
            other => panic!("expected ambiguity, got {other:?}"),
        }
        assert!(matches!(
            resolve_text(&store, "ffff"),
            Err(RefError::NotFound(_))
        ));
        assert!(matches!(
            resolve_text(&store, &"f".repeat(64)),
            Err(RefError::NotFound(_))
        ));
    }
}
