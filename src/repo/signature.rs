//! Verifying a commit's signature the way `git verify-commit` does, for
//! the registry's signed-approval policy.

use super::Repo;

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
