//! `.lineage/config.yaml`: the schema version, the ignore globs used when
//! hashing directories, and the registry stage names.
//!
//! `init` writes [`TEMPLATE`], a commented file; a missing config means the
//! defaults below.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::record::SCHEMA;

/// The commented config that `git lineage init` writes.
pub const TEMPLATE: &str = r#"# git-lineage configuration. Commit this file with your code.
# Reference: docs/config.md

# The record format this repository uses. Records written by a newer format
# are refused by older git-lineage versions instead of being misread.
schema: git-lineage/v1

# Glob patterns skipped when a directory is hashed as an input or output.
# Each pattern is matched against the entry's path relative to the directory
# being hashed and against its file name alone, so "*.pyc" and ".DS_Store"
# match at any depth. Changing this list changes directory hashes.
ignore:
  - ".git"
  - ".DS_Store"
  - "__pycache__"
  - "*.pyc"
  - ".ipynb_checkpoints"

# Model registry stages, in promotion order (`git lineage registry`).
stages:
  - staging
  - production
  - archived
"#;

/// The parsed configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Must be [`SCHEMA`].
    pub schema: String,
    /// Globs skipped when hashing directories (the defaults when the key is
    /// absent; `ignore: []` ignores nothing).
    #[serde(default = "default_ignore")]
    pub ignore: Vec<String>,
    /// Registry stage names, in promotion order.
    #[serde(default = "default_stages")]
    pub stages: Vec<String>,
}

fn default_ignore() -> Vec<String> {
    [
        ".git",
        ".DS_Store",
        "__pycache__",
        "*.pyc",
        ".ipynb_checkpoints",
    ]
    .map(String::from)
    .to_vec()
}

fn default_stages() -> Vec<String> {
    ["staging", "production", "archived"]
        .map(String::from)
        .to_vec()
}

impl Default for Config {
    fn default() -> Config {
        Config {
            schema: SCHEMA.to_string(),
            ignore: default_ignore(),
            stages: default_stages(),
        }
    }
}

/// Why the config could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Not YAML or not the config's shape.
    #[error("{0}")]
    Malformed(String),
    /// A schema version this build does not know.
    #[error("unknown schema version '{0}' (this git-lineage reads {SCHEMA})")]
    UnknownSchema(String),
    /// An ignore pattern that is not a valid glob.
    #[error("ignore pattern '{pattern}': {message}")]
    BadGlob {
        /// The pattern.
        pattern: String,
        /// What globset said.
        message: String,
    },
}

impl Config {
    /// Parse config text and check the schema version and the globs.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let config: Config =
            crate::yaml::from_str(text).map_err(|e| ConfigError::Malformed(e.to_string()))?;
        if config.schema != SCHEMA {
            return Err(ConfigError::UnknownSchema(config.schema));
        }
        config.ignore_set()?;
        Ok(config)
    }

    /// The ignore globs compiled into one matcher.
    pub fn ignore_set(&self) -> Result<GlobSet, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &self.ignore {
            let glob = Glob::new(pattern).map_err(|e| ConfigError::BadGlob {
                pattern: pattern.clone(),
                message: e.kind().to_string(),
            })?;
            builder.add(glob);
        }
        builder.build().map_err(|e| ConfigError::BadGlob {
            pattern: self.ignore.join(", "),
            message: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_to_the_defaults() {
        assert_eq!(Config::parse(TEMPLATE).unwrap(), Config::default());
    }

    #[test]
    fn absent_keys_take_the_defaults_and_empty_lists_stay_empty() {
        assert_eq!(
            Config::parse("schema: git-lineage/v1\n").unwrap(),
            Config::default()
        );
        assert!(
            Config::parse("schema: git-lineage/v1\nignore: []\n")
                .unwrap()
                .ignore
                .is_empty()
        );
    }

    #[test]
    fn bad_configs_are_explained() {
        assert!(matches!(
            Config::parse("schema: git-lineage/v2\n"),
            Err(ConfigError::UnknownSchema(v)) if v == "git-lineage/v2"
        ));
        assert!(matches!(
            Config::parse("schema: git-lineage/v1\nignore: ['a[']\n"),
            Err(ConfigError::BadGlob { .. })
        ));
        assert!(matches!(
            Config::parse("schema: git-lineage/v1\nstagez: []\n"),
            Err(ConfigError::Malformed(m)) if m.contains("stagez")
        ));
    }
}
