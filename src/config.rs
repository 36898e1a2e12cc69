//! `.lineage/config.yaml`: the schema version, the ignore globs used when
//! hashing directories, the registry stage names and the registry's
//! governance policy.
//!
//! `init` writes [`TEMPLATE`], a commented file; a missing config means the
//! defaults below.

use std::collections::BTreeMap;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
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

# Governance policy per stage (docs/registry.md, "Governance policy").
# Absent: anyone may approve and promote. Checked by `registry promote`
# (refuses) and re-checked over history by `verify --history`.
# policy:
#   production:
#     approvers: ["*@example.com"]   # emails or globs whose approvals count
#     promoters: ["lead@example.com"] # who may promote to this stage
#     required_approvals: 2           # distinct counted approvers needed
#     distinct_from_registrar: true   # the registrar's approval does not count
#     signed_approvals: false         # approval commits must carry a valid signature
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
    /// Governance policy by stage name; a stage not listed has no restrictions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policy: BTreeMap<String, StagePolicy>,
    /// Lineage remotes by name: other repositories whose lineage
    /// `git lineage fetch` reads into `refs/lineage/<name>/`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub remotes: BTreeMap<String, RemoteConfig>,
    /// Default locations of recorded paths, by glob (`git lineage where`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<DefaultLocation>,
    /// Thresholds of `git lineage drift` (issue 13; docs/drift.md).
    #[serde(default, skip_serializing_if = "DriftConfig::is_default")]
    pub drift: DriftConfig,
    /// What `gc` keeps and who may `expire` records (`retention:`).
    #[serde(default, skip_serializing_if = "RetentionPolicy::is_empty")]
    pub retention: RetentionPolicy,
    /// Globs of tabular files whose profile `record` and `run` store even
    /// without `--profile` (docs/drift.md, "Stored profiles").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profile: Vec<String>,
}

/// The retention policy (`retention:`): what `gc` keeps, who may `expire`.
/// Artifacts of registry versions in an active stage, and everything
/// upstream of them, are always kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicy {
    /// Keep the artifacts of the last N versions per path or URI (newest by
    /// time recorded); absent: no version is old by count alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_last: Option<usize>,
    /// Keep artifacts recorded more recently than this (`90 days`, `2 weeks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_younger_than: Option<String>,
    /// Stages whose versions are not protected (default: `archived`).
    #[serde(default = "default_inactive_stages")]
    pub inactive_stages: Vec<String>,
    /// Emails or globs allowed to `expire` records; absent: nobody may.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expirers: Option<Vec<String>>,
    /// An expire counts only if its commit's author is the record's agent
    /// and the commit's signature verifies.
    #[serde(default)]
    pub signed: bool,
}

impl Default for RetentionPolicy {
    fn default() -> RetentionPolicy {
        RetentionPolicy {
            keep_last: None,
            keep_younger_than: None,
            inactive_stages: default_inactive_stages(),
            expirers: None,
            signed: false,
        }
    }
}

impl RetentionPolicy {
    fn is_empty(&self) -> bool {
        *self == RetentionPolicy::default()
    }

    /// The time before which `keep_younger_than` no longer keeps an artifact.
    pub fn younger_cutoff(
        &self,
        now: crate::time::Timestamp,
    ) -> Result<Option<crate::time::Timestamp>, ConfigError> {
        let Some(text) = &self.keep_younger_than else {
            return Ok(None);
        };
        crate::time::parse_date(&format!("{text} ago"), now, false)
            .map(Some)
            .map_err(|_| {
                ConfigError::Malformed(format!(
                    "retention.keep_younger_than: '{text}' is not a duration: give N UNITs (UNIT: day, week, month, year, hour)"
                ))
            })
    }
}

fn default_inactive_stages() -> Vec<String> {
    vec!["archived".to_string()]
}

/// One lineage remote (`remotes.<name>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteConfig {
    /// Where the repository is, as `git fetch` takes it (a URL, `host:path`,
    /// or a path, relative to the worktree root).
    pub url: String,
    /// The branches (or full `refs/…` names) whose history is read; the
    /// remote's HEAD when absent.
    #[serde(default = "default_remote_refs")]
    pub refs: Vec<String>,
}

fn default_remote_refs() -> Vec<String> {
    vec!["HEAD".to_string()]
}

/// Whether `name` may name a lineage remote: a letter or digit, then
/// letters, digits, `.`, `_` or `-` (at most 64), so it is a safe ref
/// component and never an option.
pub fn valid_remote_name(name: &str) -> bool {
    // One rule for the config and the records that name a remote (`imports:`).
    crate::record::is_remote_name(name)
}

/// Why a lineage remote's `url` or one of its `refs` cannot be used, if so.
/// Neither may start with `-` (git would read an option) or hold
/// whitespace or control characters; a ref may not hold `:`, `*`, `..`,
/// `^`, `~`, `?`, `[` or `\\` (git's ref name rules).
pub fn remote_problem(remote: &RemoteConfig) -> Option<String> {
    let bad =
        |s: &str| s.starts_with('-') || s.chars().any(|c| c.is_whitespace() || c.is_control());
    if remote.url.is_empty() || bad(&remote.url) {
        return Some(format!(
            "url '{}' is empty, starts with '-' or holds whitespace",
            remote.url
        ));
    }
    if remote.refs.is_empty() {
        return Some("refs is empty: name at least one branch".to_string());
    }
    for name in &remote.refs {
        let forbidden = name.contains("..")
            || name
                .chars()
                .any(|c| matches!(c, ':' | '*' | '^' | '~' | '?' | '[' | '\\'));
        if name.is_empty()
            || bad(name)
            || forbidden
            || name.ends_with('/')
            || name.ends_with(".lock")
        {
            return Some(format!("ref '{name}' is not a branch or ref name"));
        }
    }
    None
}

/// Where copies of the files at some paths are kept (`locations[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultLocation {
    /// A glob over repository-relative paths (`data/**`).
    pub path: String,
    /// The location: `{path}` in it is replaced by the recorded path; without
    /// `{path}`, the path is appended after a `/`.
    pub url: String,
}

impl DefaultLocation {
    /// The location of the recorded path `rel`, when the glob matches it;
    /// an error for a glob that does not parse.
    pub fn of(&self, rel: &str) -> Result<Option<String>, globset::Error> {
        let glob = GlobBuilder::new(&self.path)
            .literal_separator(true)
            .build()?
            .compile_matcher();
        Ok(glob.is_match(rel).then(|| {
            if self.url.contains("{path}") {
                self.url.replace("{path}", rel)
            } else {
                format!("{}/{rel}", self.url.trim_end_matches('/'))
            }
        }))
    }
}

/// When `git lineage drift` calls a column or a dataset drifted (`drift:`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DriftConfig {
    /// A numeric column drifted when the KS p-value is below this.
    pub ks_p_value: f64,
    /// A categorical column drifted when the chi-square p-value is below this.
    pub chi2_p_value: f64,
    /// PSI at or above this: a warning.
    pub psi_warn: f64,
    /// PSI at or above this: drifted.
    pub psi_drift: f64,
    /// The dataset drifted when at least this share of compared columns did.
    pub drifted_share: f64,
}

impl Default for DriftConfig {
    fn default() -> DriftConfig {
        DriftConfig {
            ks_p_value: 0.05,
            chi2_p_value: 0.05,
            psi_warn: 0.1,
            psi_drift: 0.25,
            drifted_share: 0.5,
        }
    }
}

impl DriftConfig {
    /// Whether every threshold is the default.
    pub fn is_default(&self) -> bool {
        *self == DriftConfig::default()
    }
}

/// Who may approve and promote to one stage (`policy.<stage>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagePolicy {
    /// Emails or globs (`*@example.com`, case-insensitive) whose approvals
    /// count towards promoting to this stage; absent means anyone's.
    #[serde(default)]
    pub approvers: Option<Vec<String>>,
    /// Emails or globs allowed to promote to this stage; absent means anyone.
    #[serde(default)]
    pub promoters: Option<Vec<String>>,
    /// How many distinct counted approvers the version needs before promotion.
    #[serde(default)]
    pub required_approvals: u32,
    /// The registrar's own approval does not count.
    #[serde(default)]
    pub distinct_from_registrar: bool,
    /// An approval counts only if the commit that introduced it carries a
    /// signature that verifies (uncommitted approvals never count).
    #[serde(default)]
    pub signed_approvals: bool,
}

/// Whether `email` matches one of `patterns` (exact emails or globs,
/// case-insensitive). `None` allows everyone.
pub fn identity_allowed(patterns: Option<&[String]>, email: &str) -> bool {
    let Some(patterns) = patterns else {
        return true;
    };
    patterns.iter().any(|pattern| {
        GlobBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .map(|g| g.compile_matcher().is_match(email))
            .unwrap_or(false)
    })
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
            policy: BTreeMap::new(),
            remotes: BTreeMap::new(),
            locations: Vec::new(),
            drift: DriftConfig::default(),
            retention: RetentionPolicy::default(),
            profile: Vec::new(),
        }
    }
}

/// Why the config could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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
        config.check_policy()?;
        for (name, remote) in &config.remotes {
            if !valid_remote_name(name) {
                return Err(ConfigError::Malformed(format!(
                    "remotes: '{name}' is not a remote name (letters, digits, '.', '_', '-')"
                )));
            }
            if let Some(problem) = remote_problem(remote) {
                return Err(ConfigError::Malformed(format!("remotes.{name}: {problem}")));
            }
        }
        let d = config.drift;
        let probabilities = [d.ks_p_value, d.chi2_p_value, d.drifted_share];
        if probabilities.iter().any(|p| !(0.0..=1.0).contains(p))
            || !(d.psi_warn >= 0.0 && d.psi_drift >= d.psi_warn)
        {
            return Err(ConfigError::Malformed(
                "drift: p-values and drifted_share must be in [0, 1], and 0 <= psi_warn <= psi_drift".into(),
            ));
        }
        config
            .retention
            .younger_cutoff(crate::time::Timestamp::now())?;
        for pattern in config.retention.expirers.iter().flatten() {
            GlobBuilder::new(pattern).build().map_err(|e| {
                ConfigError::Malformed(format!(
                    "retention.expirers: pattern '{pattern}': {}",
                    e.kind()
                ))
            })?;
        }
        Ok(config)
    }

    /// Every policy names a configured stage and uses valid globs.
    fn check_policy(&self) -> Result<(), ConfigError> {
        for (stage, policy) in &self.policy {
            if !self.stages.contains(stage) {
                return Err(ConfigError::Malformed(format!(
                    "policy: '{stage}' is not a stage (stages: {})",
                    self.stages.join(", ")
                )));
            }
            let lists = [&policy.approvers, &policy.promoters];
            for pattern in lists.into_iter().flatten().flatten() {
                GlobBuilder::new(pattern).build().map_err(|e| {
                    ConfigError::Malformed(format!(
                        "policy.{stage}: pattern '{pattern}': {}",
                        e.kind()
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// The policy for `stage` (the default, unrestricted, when none is set).
    pub fn stage_policy(&self, stage: &str) -> StagePolicy {
        self.policy.get(stage).cloned().unwrap_or_default()
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
        assert!(matches!(
            Config::parse("schema: git-lineage/v1\npolicy: {nope: {}}\n"),
            Err(ConfigError::Malformed(m)) if m.contains("nope")
        ));
        assert!(matches!(
            Config::parse("schema: git-lineage/v1\npolicy: {production: {approverz: []}}\n"),
            Err(ConfigError::Malformed(m)) if m.contains("approverz")
        ));
    }

    #[test]
    fn identities_match_emails_and_globs() {
        let list = vec!["*@example.com".to_string(), "bob@x.org".to_string()];
        assert!(identity_allowed(Some(&list), "Alice@Example.com"));
        assert!(identity_allowed(Some(&list), "bob@x.org"));
        assert!(!identity_allowed(Some(&list), "eve@evil.com"));
        assert!(identity_allowed(None, "anyone@any"));
    }
}
