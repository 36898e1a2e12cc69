//! Record search: typed filters over history entries (kind, name, parameter and
//! metric conditions, inputs, author, dates), combined with AND. Owns the
//! `KEY OP VALUE` condition syntax; matching never reads anything but the entries.

pub mod render;

use std::cmp::Ordering;

use crate::hash::ContentHash;
use crate::history::Entry;
use crate::params::{Value, ValueMap};
use crate::record::Artifact;
use crate::time::Timestamp;

/// A comparison operator in a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=` (or `==`).
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl Op {
    /// Every spelling, longest first so that `<=` is not read as `<`.
    const SPELLINGS: [(&'static str, Op); 7] = [
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("=", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    /// The canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    /// Whether an ordering of value against condition value satisfies this operator.
    fn accepts(self, ordering: Ordering) -> bool {
        match self {
            Op::Eq => ordering.is_eq(),
            Op::Ne => ordering.is_ne(),
            Op::Lt => ordering.is_lt(),
            Op::Le => ordering.is_le(),
            Op::Gt => ordering.is_gt(),
            Op::Ge => ordering.is_ge(),
        }
    }
}

/// Why a condition's text cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The text has no operator.
    #[error(
        "'{0}' is not a condition: expected KEY OP VALUE like lr>0.05 (operators = != < <= > >=)"
    )]
    MissingOperator(String),
    /// Nothing before the operator.
    #[error("'{0}' has no key before the operator: expected KEY OP VALUE like lr>0.05")]
    EmptyKey(String),
    /// A `--name` glob that does not parse.
    #[error("'{text}' is not a name glob: {reason}")]
    BadGlob {
        /// The glob as given.
        text: String,
        /// Why.
        reason: String,
    },
    /// The key has an empty dotted segment (`a..b`, `.a`, `a.`).
    #[error("'{text}': key '{key}' has an empty part: expected dotted names like optimizer.lr")]
    EmptyKeySegment {
        /// The whole condition.
        text: String,
        /// The key as written.
        key: String,
    },
}

/// One `KEY OP VALUE` test on a parameter or metric, like `optimizer.lr<=0.01`.
///
/// Numbers (integer and float values alike) compare numerically with every
/// operator; strings, booleans (`true`/`false`) and `null` only with `=` and
/// `!=`. A missing key, a list or map value, or an ordering operator on a
/// non-number never matches (not even with `!=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Dotted path into nested maps, e.g. `optimizer.lr`; a numeric part
    /// indexes a list.
    pub key: String,
    /// The comparison.
    pub op: Op,
    /// The text compared against.
    pub value: String,
}

impl Condition {
    /// Parse `KEY OP VALUE`; spaces around the key and the value are ignored.
    ///
    /// # Errors
    ///
    /// [`QueryError`] when there is no operator or the key is empty.
    pub fn parse(text: &str) -> Result<Condition, QueryError> {
        let (at, spelling, op) = text
            .char_indices()
            .find_map(|(at, _)| {
                Op::SPELLINGS
                    .iter()
                    .find(|(spelling, _)| text[at..].starts_with(spelling))
                    .map(|&(spelling, op)| (at, spelling, op))
            })
            .ok_or_else(|| QueryError::MissingOperator(text.to_string()))?;
        let key = text[..at].trim();
        if key.is_empty() {
            return Err(QueryError::EmptyKey(text.to_string()));
        }
        if key.split('.').any(str::is_empty) {
            return Err(QueryError::EmptyKeySegment {
                text: text.to_string(),
                key: key.to_string(),
            });
        }
        Ok(Condition {
            key: key.to_string(),
            op,
            value: text[at + spelling.len()..].trim().to_string(),
        })
    }

    /// Whether the value at [`Condition::key`] in `map` satisfies the condition.
    pub fn matches(&self, map: &ValueMap) -> bool {
        let parts: Vec<&str> = self.key.split('.').collect();
        lookup(map, &parts).is_some_and(|value| self.matches_value(value))
    }

    fn matches_value(&self, value: &Value) -> bool {
        match value {
            Value::Int(_) | Value::Float(_) => match self.compare_number(value) {
                Some(ordering) => self.op.accepts(ordering),
                // A number differs from text that is no number, and cannot
                // be ordered against it.
                None => self.op == Op::Ne,
            },
            Value::String(text) => self.matches_text(text),
            Value::Bool(b) => self.matches_text(if *b { "true" } else { "false" }),
            Value::Null => self.matches_text("null"),
            Value::List(_) | Value::Map(_) => false,
        }
    }

    /// A number against the condition value, exactly for two integers.
    fn compare_number(&self, value: &Value) -> Option<Ordering> {
        if let (Value::Int(have), Ok(want)) = (value, self.value.parse::<i64>()) {
            return Some(have.cmp(&want));
        }
        let want = self.value.parse::<f64>().ok().filter(|x| x.is_finite())?;
        value.as_f64()?.partial_cmp(&want)
    }

    /// Text has no order here: only `=` and `!=` can match it.
    fn matches_text(&self, text: &str) -> bool {
        match self.op {
            Op::Eq => text == self.value,
            Op::Ne => text != self.value,
            Op::Lt | Op::Le | Op::Gt | Op::Ge => false,
        }
    }
}

/// The value at a dotted path. A map key may itself contain dots (from a
/// params file), so at each level the longest matching run of parts wins.
fn lookup<'a>(map: &'a ValueMap, parts: &[&str]) -> Option<&'a Value> {
    (1..=parts.len()).rev().find_map(|n| {
        let value = map.get(&parts[..n].join("."))?;
        descend(value, &parts[n..])
    })
}

fn descend<'a>(value: &'a Value, parts: &[&str]) -> Option<&'a Value> {
    match (value, parts) {
        (_, []) => Some(value),
        (Value::Map(map), _) => lookup(map, parts),
        (Value::List(items), [index, rest @ ..]) => {
            descend(items.get(index.parse::<usize>().ok()?)?, rest)
        }
        _ => None,
    }
}

/// An input a record must have read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputMatch {
    /// An input with this content hash.
    Hash(ContentHash),
    /// An input at this repository-relative path.
    Path(String),
    /// An input with this URI, written `uri` or `uri@version`.
    Uri(String),
}

impl InputMatch {
    /// Whether `artifact` is this input.
    pub fn matches(&self, artifact: &Artifact) -> bool {
        match self {
            InputMatch::Hash(hash) => artifact.hash.as_ref() == Some(hash),
            InputMatch::Path(path) => artifact.path.as_deref() == Some(path.as_str()),
            InputMatch::Uri(wanted) => artifact.uri.as_deref().is_some_and(|uri| {
                uri == wanted
                    || artifact.version.as_deref().is_some_and(|version| {
                        wanted
                            .strip_suffix(version)
                            .and_then(|w| w.strip_suffix('@'))
                            == Some(uri)
                    })
            }),
        }
    }
}

/// A record name to match: exactly, or as a glob (`sweep-*`, `lr-0.0?`,
/// `[ab]-model`) when it contains `*`, `?` or `[`.
#[derive(Debug, Clone)]
pub struct NamePattern {
    text: String,
    glob: Option<globset::GlobMatcher>,
}

impl NamePattern {
    /// Parse a name or a name glob.
    ///
    /// # Errors
    ///
    /// [`QueryError::BadGlob`] when the text looks like a glob but is not one.
    pub fn parse(text: &str) -> Result<NamePattern, QueryError> {
        if !text.contains(['*', '?', '[']) {
            return Ok(NamePattern {
                text: text.to_string(),
                glob: None,
            });
        }
        globset::GlobBuilder::new(text)
            .literal_separator(false)
            .build()
            .map(|glob| NamePattern {
                text: text.to_string(),
                glob: Some(glob.compile_matcher()),
            })
            .map_err(|e| QueryError::BadGlob {
                text: text.to_string(),
                reason: e.kind().to_string(),
            })
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The one name it matches, when it is not a glob.
    pub fn exact(&self) -> Option<&str> {
        self.glob.is_none().then_some(self.text.as_str())
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        match &self.glob {
            Some(glob) => glob.is_match(name),
            None => self.text == name,
        }
    }
}

impl PartialEq for NamePattern {
    fn eq(&self, other: &NamePattern) -> bool {
        self.text == other.text
    }
}

impl From<&str> for NamePattern {
    /// A name; a glob when it parses as one (see [`NamePattern::parse`]).
    fn from(text: &str) -> NamePattern {
        NamePattern::parse(text).unwrap_or_else(|_| NamePattern {
            text: text.to_string(),
            glob: None,
        })
    }
}

/// What [`search`] looks for; every filter that is set must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    /// The record's kind, exactly.
    pub kind: Option<String>,
    /// The record's name, exactly or by glob.
    pub name: Option<NamePattern>,
    /// Conditions on `params`.
    pub params: Vec<Condition>,
    /// Conditions on `metrics`.
    pub metrics: Vec<Condition>,
    /// Inputs the record must have read (each of them).
    pub inputs: Vec<InputMatch>,
    /// A case-insensitive part of the name or email of the introducing
    /// commit's author or of the record's agent.
    pub author: Option<String>,
    /// Outputs the record must have written (each of them).
    pub outputs: Vec<InputMatch>,
    /// Only records with an input or output whose data profile is stored
    /// (`record --profile`; docs/drift.md).
    pub profiled: bool,
    /// Only these records (for example the producers of registered
    /// versions, [`crate::registry::model::Registry::producers`]).
    pub ids: Option<std::collections::BTreeSet<crate::record::RecordId>>,
    /// Recorded (or, with [`SearchQuery::commit_date`], committed) at or
    /// after this instant.
    pub since: Option<Timestamp>,
    /// Recorded (or committed) at or before this instant.
    pub until: Option<Timestamp>,
    /// Compare `since`/`until` with the date of the commit that introduced
    /// the record instead of its `recorded` time (an uncommitted record
    /// counts as committed now: it is compared by its `recorded` time).
    pub commit_date: bool,
}

impl SearchQuery {
    /// Whether `entry` passes every filter.
    pub fn matches(&self, entry: &Entry) -> bool {
        let summary = &entry.summary;
        let when = match (&entry.commit, self.commit_date) {
            (Some(commit), true) => commit.date,
            _ => summary.recorded,
        };
        self.kind.as_ref().is_none_or(|kind| *kind == summary.kind)
            && self
                .name
                .as_ref()
                .is_none_or(|name| name.matches(&summary.name))
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&entry.id))
            && self.params.iter().all(|c| c.matches(&summary.params))
            && self.metrics.iter().all(|c| c.matches(&summary.metrics))
            && self
                .inputs
                .iter()
                .all(|input| summary.inputs.iter().any(|a| input.matches(a)))
            && self
                .author
                .as_ref()
                .is_none_or(|author| by_author(entry, author))
            && self
                .outputs
                .iter()
                .all(|output| summary.outputs.iter().any(|a| output.matches(a)))
            && (!self.profiled
                || summary
                    .inputs
                    .iter()
                    .chain(&summary.outputs)
                    .any(|a| a.profile.is_some()))
            && self.since.is_none_or(|since| when >= since)
            && self.until.is_none_or(|until| when <= until)
    }
}

fn by_author(entry: &Entry, wanted: &str) -> bool {
    let wanted = wanted.to_lowercase();
    let agent = &entry.summary.agent;
    let commit_author = entry.commit.as_ref().map(|commit| &commit.author);
    [Some(agent), commit_author]
        .into_iter()
        .flatten()
        .flat_map(|person| [&person.name, &person.email])
        .any(|text| text.to_lowercase().contains(&wanted))
}

/// The entries that match `query`, in their order.
pub fn search<'a>(entries: &'a [Entry], query: &SearchQuery) -> Vec<&'a Entry> {
    entries
        .iter()
        .filter(|entry| query.matches(entry))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::history::{CommitInfo, Summary, SummaryCell};
    use crate::record::{Agent, RecordId};

    fn condition(text: &str) -> Condition {
        Condition::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ts(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn map(yaml: &str) -> ValueMap {
        crate::yaml::from_str(yaml).expect("test map")
    }

    fn agent(name: &str, email: &str) -> Agent {
        Agent {
            name: name.into(),
            email: email.into(),
        }
    }

    fn entry(kind: &str, name: &str, recorded: &str, params: &str, author: Option<Agent>) -> Entry {
        Entry {
            id: RecordId::of_bytes(format!("{kind} {name} {recorded} {params}").as_bytes()),
            path: String::new(),
            commit: author.map(|author| {
                Arc::new(CommitInfo {
                    id: "9fceb02d0ae598e95dc970b74767f19372d61af8".into(),
                    author,
                    date: ts(recorded),
                    message: "record".into(),
                })
            }),
            blob: None,
            repository: None,
            summary: SummaryCell::ready(Summary {
                kind: kind.into(),
                name: name.into(),
                recorded: ts(recorded),
                agent: agent("Robot Runner", "ci@example.org"),
                failed: false,
                code_commit: None,
                inputs: vec![],
                outputs: vec![],
                references: vec![],
                params: map(params),
                metrics: ValueMap::new(),
            }),
        }
    }

    #[test]
    fn every_operator_parses_longest_first() {
        let cases = [
            ("lr=0.1", Op::Eq),
            ("lr==0.1", Op::Eq),
            ("lr!=0.1", Op::Ne),
            ("lr<0.1", Op::Lt),
            ("lr<=0.1", Op::Le),
            ("lr>0.1", Op::Gt),
            ("lr>=0.1", Op::Ge),
        ];
        for (text, op) in cases {
            let c = condition(text);
            assert_eq!(
                (c.key.as_str(), c.op, c.value.as_str()),
                ("lr", op, "0.1"),
                "{text}"
            );
        }
        let c = condition(" optimizer.lr >= 1e-3 ");
        assert_eq!(
            (c.key.as_str(), c.op, c.value.as_str()),
            ("optimizer.lr", Op::Ge, "1e-3")
        );
        // The first operator splits; the value may contain more.
        let c = condition("note=a<=b");
        assert_eq!(
            (c.key.as_str(), c.op, c.value.as_str()),
            ("note", Op::Eq, "a<=b")
        );
        assert_eq!(condition("name=").value, "");
    }

    #[test]
    fn malformed_conditions_are_typed_errors() {
        assert_eq!(
            Condition::parse("lr"),
            Err(QueryError::MissingOperator("lr".into()))
        );
        assert_eq!(
            Condition::parse("lr").unwrap_err().to_string(),
            "'lr' is not a condition: expected KEY OP VALUE like lr>0.05 \
             (operators = != < <= > >=)"
        );
        assert_eq!(
            Condition::parse(""),
            Err(QueryError::MissingOperator("".into()))
        );
        assert_eq!(
            Condition::parse(" >=5"),
            Err(QueryError::EmptyKey(" >=5".into()))
        );
        assert!(
            Condition::parse("=5")
                .unwrap_err()
                .to_string()
                .contains("'=5' has no key")
        );
        assert!(matches!(
            Condition::parse("a..b=1"),
            Err(QueryError::EmptyKeySegment { key, .. }) if key == "a..b"
        ));
    }

    #[test]
    fn numbers_compare_numerically_and_text_only_for_equality() {
        let m =
            map("epochs: 10\nlr: 0.1\nversion: '10'\noptimizer: adam\nshuffle: true\nseed: ~\n");
        let yes = |text: &str| assert!(condition(text).matches(&m), "{text} should match");
        let no = |text: &str| assert!(!condition(text).matches(&m), "{text} should not match");
        yes("epochs>9");
        yes("epochs>=10");
        yes("epochs<=10.0");
        yes("epochs=10.0");
        no("epochs<10");
        yes("lr=0.10");
        yes("lr<1");
        yes("lr>1e-2");
        no("lr>0.1");
        // A string that looks like a number is still text.
        yes("version=10");
        no("version>9");
        no("version=10.0");
        yes("optimizer=adam");
        yes("optimizer!=sgd");
        no("optimizer<b");
        no("optimizer>=adam");
        yes("shuffle=true");
        yes("shuffle!=false");
        no("shuffle>false");
        yes("seed=null");
        // A number against text that is no number.
        no("lr=abc");
        no("lr<abc");
        yes("lr!=abc");
        no("lr<nan");
        // Missing keys never match, not even with !=.
        no("momentum!=0.9");
        no("momentum=0.9");
    }

    #[test]
    fn large_integers_compare_exactly() {
        let m = map("n: 9007199254740993\n");
        assert!(condition("n=9007199254740993").matches(&m));
        assert!(!condition("n=9007199254740992").matches(&m));
        assert!(condition("n>9007199254740992").matches(&m));
    }

    #[test]
    fn dotted_keys_reach_nested_maps_and_lists() {
        let m = map(
            "optimizer:\n  name: adam\n  lr: 0.001\nlayers: [64, 32]\nodd.key: 3\nnested:\n  a.b: x\n",
        );
        assert!(condition("optimizer.lr<0.01").matches(&m));
        assert!(condition("optimizer.name=adam").matches(&m));
        assert!(!condition("optimizer=adam").matches(&m));
        assert!(!condition("optimizer.missing!=1").matches(&m));
        assert!(!condition("optimizer.lr.deeper=1").matches(&m));
        assert!(condition("layers.1=32").matches(&m));
        assert!(!condition("layers.2=32").matches(&m));
        assert!(!condition("layers!=1").matches(&m));
        assert!(condition("odd.key=3").matches(&m));
        assert!(condition("nested.a.b=x").matches(&m));
    }

    #[test]
    fn filters_combine_with_and() {
        let jane = Some(agent("Jane Doe", "jane@example.com"));
        let entries = vec![
            entry(
                "train",
                "fraud",
                "2026-11-20T10:00:00Z",
                "lr: 0.1\nepochs: 5",
                jane.clone(),
            ),
            entry(
                "train",
                "fraud",
                "2026-11-21T10:00:00Z",
                "lr: 0.01\nepochs: 5",
                jane.clone(),
            ),
            entry(
                "train",
                "churn",
                "2026-11-22T10:00:00Z",
                "lr: 0.01\nepochs: 9",
                None,
            ),
            entry("process", "fraud", "2026-11-23T10:00:00Z", "lr: 0.01", jane),
        ];
        let names = |query: &SearchQuery| {
            search(&entries, query)
                .into_iter()
                .map(|e| {
                    format!(
                        "{} {} {}",
                        e.summary.kind,
                        e.summary.name,
                        &e.summary.recorded.to_string()[..10]
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&SearchQuery::default()).len(), 4);
        let query = SearchQuery {
            kind: Some("train".into()),
            params: vec![condition("lr<0.05")],
            ..SearchQuery::default()
        };
        assert_eq!(
            names(&query),
            ["train fraud 2026-11-21", "train churn 2026-11-22"]
        );
        let query = SearchQuery {
            name: Some("fraud".into()),
            params: vec![condition("lr<0.05"), condition("epochs=5")],
            ..SearchQuery::default()
        };
        assert_eq!(names(&query), ["train fraud 2026-11-21"]);
        let query = SearchQuery {
            metrics: vec![condition("auc>0")],
            ..SearchQuery::default()
        };
        assert!(names(&query).is_empty());
    }

    #[test]
    fn author_matches_commit_author_or_agent_case_insensitively() {
        let entries = vec![
            entry(
                "train",
                "a",
                "2026-11-20T10:00:00Z",
                "{}",
                Some(agent("Jane Doe", "jane@example.com")),
            ),
            entry("train", "b", "2026-11-21T10:00:00Z", "{}", None),
        ];
        let found = |author: &str| {
            let query = SearchQuery {
                author: Some(author.into()),
                ..SearchQuery::default()
            };
            search(&entries, &query)
                .into_iter()
                .map(|e| e.summary.name.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(found("jane"), ["a"]);
        assert_eq!(found("JANE@EXAMPLE"), ["a"]);
        assert_eq!(found("doe"), ["a"]);
        // The record's agent counts for committed and uncommitted records.
        assert_eq!(found("robot"), ["a", "b"]);
        assert_eq!(found("CI@example.org"), ["a", "b"]);
        assert!(found("bob").is_empty());
    }

    #[test]
    fn dates_bound_the_recorded_time_inclusively() {
        let entries: Vec<Entry> = [
            "2026-11-20T10:00:00Z",
            "2026-11-21T00:00:00Z",
            "2026-11-22T23:59:59Z",
        ]
        .into_iter()
        .map(|recorded| entry("train", recorded, recorded, "{}", None))
        .collect();
        let found = |since: Option<&str>, until: Option<&str>| {
            let query = SearchQuery {
                since: since.map(ts),
                until: until.map(ts),
                ..SearchQuery::default()
            };
            search(&entries, &query).len()
        };
        assert_eq!(found(Some("2026-11-21"), None), 2);
        assert_eq!(found(None, Some("2026-11-21")), 2);
        assert_eq!(found(Some("2026-11-21"), Some("2026-11-21")), 1);
        assert_eq!(found(Some("2026-11-21T00:00:00.000001Z"), None), 1);
        assert_eq!(found(None, Some("2026-11-20T09:59:59Z")), 0);
    }

    #[test]
    fn inputs_match_by_hash_path_or_uri() {
        let hash = ContentHash::of_bytes(b"features");
        let mut e = entry("train", "fraud", "2026-11-20T10:00:00Z", "{}", None);
        e.summary.inputs = vec![
            Artifact {
                path: Some("data/features.csv".into()),
                hash: Some(hash),
                ..Artifact::default()
            },
            Artifact {
                uri: Some("featurestore://claims".into()),
                version: Some("v1".into()),
                ..Artifact::default()
            },
        ];
        let entries = [e];
        let found = |inputs: Vec<InputMatch>| {
            let query = SearchQuery {
                inputs,
                ..SearchQuery::default()
            };
            search(&entries, &query).len()
        };
        assert_eq!(found(vec![InputMatch::Hash(hash)]), 1);
        assert_eq!(
            found(vec![InputMatch::Hash(ContentHash::of_bytes(b"x"))]),
            0
        );
        assert_eq!(found(vec![InputMatch::Path("data/features.csv".into())]), 1);
        assert_eq!(found(vec![InputMatch::Path("data".into())]), 0);
        assert_eq!(
            found(vec![InputMatch::Uri("featurestore://claims".into())]),
            1
        );
        assert_eq!(
            found(vec![InputMatch::Uri("featurestore://claims@v1".into())]),
            1
        );
        assert_eq!(
            found(vec![InputMatch::Uri("featurestore://claims@v2".into())]),
            0
        );
        assert_eq!(
            found(vec![
                InputMatch::Hash(hash),
                InputMatch::Uri("featurestore://claims@v2".into())
            ]),
            0
        );
    }

    #[test]
    fn names_match_exactly_or_by_glob() {
        let exact = NamePattern::parse("sweep-[1]").map(|p| p.matches("sweep-1"));
        assert_eq!(exact, Ok(true));
        let plain = NamePattern::parse("fraud-model").unwrap();
        assert!(plain.matches("fraud-model") && !plain.matches("fraud-model-2"));
        let glob = NamePattern::parse("sweep-*").unwrap();
        assert!(glob.matches("sweep-1") && glob.matches("sweep-a/b") && !glob.matches("x-sweep-1"));
        assert!(matches!(
            NamePattern::parse("sweep-[1"),
            Err(QueryError::BadGlob { .. })
        ));
    }
}
