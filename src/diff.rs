//! What changed between two records, or in a revision range: typed,
//! serialisable [`RecordDiff`]s and [`RangeDiff`]s, and their text and
//! GitHub-Markdown renderings (pure functions of the diff).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use gix::ObjectId;
use serde::Serialize;

use crate::graph::{Direction, Graph, NodeKey, Subgraph, TraverseOptions};
use crate::hash::ContentHash;
use crate::history::{
    CommitInfo, Entry, Finding, History, HistoryError, HistoryOptions, Revisions,
};
use crate::params::{Value, ValueMap};
use crate::record::{Artifact, Record, RecordId};
use crate::repo::Repo;
use crate::time::Timestamp;

/// GitHub's limit on the length of an issue or pull-request comment.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// At most this many commits are listed for a code change.
pub const MAX_COMMITS: usize = 50;

/// How a value, artifact or setting differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only on the new side.
    Added,
    /// Only on the old side.
    Removed,
    /// On both sides, different.
    Changed,
}

impl ChangeKind {
    /// `+`, `-` or `~`, as text output marks it.
    pub fn sign(self) -> char {
        match self {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        }
    }

    fn of<T>(old: &Option<T>, new: &Option<T>) -> Option<ChangeKind> {
        match (old, new) {
            (None, Some(_)) => Some(ChangeKind::Added),
            (Some(_), None) => Some(ChangeKind::Removed),
            (Some(_), Some(_)) => Some(ChangeKind::Changed),
            (None, None) => None,
        }
    }
}

/// A record as a diff names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordRef {
    /// The record id.
    pub id: RecordId,
    /// The activity.
    pub kind: String,
    /// The step or model name.
    pub name: String,
    /// When it was recorded.
    pub recorded: Timestamp,
    /// The commit that introduced it; `None` when uncommitted.
    pub commit: Option<Arc<CommitInfo>>,
}

impl RecordRef {
    /// The reference of a history entry.
    pub fn of(entry: &Entry) -> RecordRef {
        RecordRef {
            id: entry.id.clone(),
            kind: entry.summary.kind.clone(),
            name: entry.summary.name.clone(),
            recorded: entry.summary.recorded,
            commit: entry.commit.clone(),
        }
    }
}

/// A parameter (or any scalar setting) that differs. Nested maps are
/// compared leaf by leaf under dotted keys (`optimizer.lr`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange {
    /// The dotted key.
    pub key: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The old value, when there is one.
    pub old: Option<Value>,
    /// The new value, when there is one.
    pub new: Option<Value>,
}

/// A metric that differs, with its deltas when both sides are numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricChange {
    /// The dotted key.
    pub key: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The old value.
    pub old: Option<Value>,
    /// The new value.
    pub new: Option<Value>,
    /// `new - old`, when both are numbers (rounded to 12 significant digits).
    pub delta: Option<f64>,
    /// `(new - old) / |old|`, when both are numbers and `old` is not 0.
    pub relative: Option<f64>,
}

/// What identifies an artifact's content: hash, size, version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactState {
    /// The role the record gave it.
    pub role: Option<String>,
    /// The content hash.
    pub hash: Option<ContentHash>,
    /// The size in bytes.
    pub size: Option<u64>,
    /// The version of an external artifact.
    pub version: Option<String>,
}

impl ArtifactState {
    fn of(artifact: &Artifact) -> ArtifactState {
        ArtifactState {
            role: artifact.role.clone(),
            hash: artifact.hash,
            size: artifact.size,
            version: artifact.version.clone(),
        }
    }

    fn same_content(&self, other: &ArtifactState) -> bool {
        self.hash == other.hash && self.size == other.size && self.version == other.version
    }
}

/// An input or output that differs, matched by path or URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactChange {
    /// The path or URI.
    pub locator: String,
    /// Added, removed or changed (content, size or version).
    pub change: ChangeKind,
    /// As the old record lists it.
    pub old: Option<ArtifactState>,
    /// As the new record lists it.
    pub new: Option<ArtifactState>,
}

/// A setting that differs (image, seed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScalarChange<T> {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The old value.
    pub old: Option<T>,
    /// The new value.
    pub new: Option<T>,
}

impl<T: PartialEq + Clone> ScalarChange<T> {
    fn of(old: Option<&T>, new: Option<&T>) -> Option<ScalarChange<T>> {
        if old == new {
            return None;
        }
        let (old, new) = (old.cloned(), new.cloned());
        ChangeKind::of(&old, &new).map(|change| ScalarChange { change, old, new })
    }
}

/// A lockfile whose hash differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockfileChange {
    /// The lockfile's path.
    pub path: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The old hash.
    pub old: Option<ContentHash>,
    /// The new hash.
    pub new: Option<ContentHash>,
}

/// Environment differences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvironmentDiff {
    /// Lockfiles added, removed or re-hashed.
    pub lockfiles: Vec<LockfileChange>,
    /// The container image, when it differs.
    pub image: Option<ScalarChange<String>>,
}

impl EnvironmentDiff {
    /// True when nothing differs.
    pub fn is_empty(&self) -> bool {
        self.lockfiles.is_empty() && self.image.is_none()
    }
}

/// The code version differs: the two commits and the commits between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeChange {
    /// Added (no old commit), removed or changed.
    pub change: ChangeKind,
    /// The old record's code commit.
    pub old: Option<String>,
    /// The new record's code commit.
    pub new: Option<String>,
    /// Commits reachable from `new` but not from `old` (`git log old..new`),
    /// newest first, at most [`MAX_COMMITS`].
    pub commits: Vec<CommitInfo>,
    /// How many commits `old..new` has in all.
    pub ahead: usize,
    /// How many commits `new..old` has (the old code had and the new lacks).
    pub behind: usize,
    /// Why the commits could not be listed (a commit missing from a shallow
    /// clone, say).
    pub problem: Option<String>,
}

/// Everything that differs between two records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordDiff {
    /// The old record; `None` when a new record has nothing to compare with.
    pub old: Option<RecordRef>,
    /// The new record.
    pub new: RecordRef,
    /// Parameters added, removed or changed.
    pub params: Vec<ValueChange>,
    /// Metrics added, removed or changed, with deltas.
    pub metrics: Vec<MetricChange>,
    /// Inputs added, removed or with other content.
    pub inputs: Vec<ArtifactChange>,
    /// Outputs added, removed or with other content.
    pub outputs: Vec<ArtifactChange>,
    /// The code commit, when it differs.
    pub code: Option<CodeChange>,
    /// Lockfiles and image.
    pub environment: EnvironmentDiff,
    /// The seed, when it differs.
    pub seed: Option<ScalarChange<u64>>,
}

impl RecordDiff {
    /// True when the two records agree on everything a diff compares.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
            && self.metrics.is_empty()
            && self.inputs.is_empty()
            && self.outputs.is_empty()
            && self.code.is_none()
            && self.environment.is_empty()
            && self.seed.is_none()
    }

    /// Whether any input or output differs.
    pub fn data_changed(&self) -> bool {
        !self.inputs.is_empty() || !self.outputs.is_empty()
    }
}

/// A revision range as the user gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RangeSpec {
    /// The base revision (`A`; empty means HEAD).
    pub base: String,
    /// The head revision (`B`; empty means HEAD).
    pub head: String,
    /// `A...B`: compare from the merge base of A and B.
    pub symmetric: bool,
}

impl RangeSpec {
    /// `A..B` or `A...B`; `None` for text without `..`.
    pub fn parse(text: &str) -> Option<RangeSpec> {
        let (base, rest) = text.split_once("..")?;
        let (head, symmetric) = match rest.strip_prefix('.') {
            Some(head) => (head, true),
            None => (rest, false),
        };
        Some(RangeSpec {
            base: base.to_string(),
            head: head.to_string(),
            symmetric,
        })
    }

    /// As the user would type it.
    pub fn text(&self) -> String {
        let dots = if self.symmetric { "..." } else { ".." };
        format!("{}{dots}{}", self.base, self.head)
    }

    fn base_rev(&self) -> &str {
        if self.base.is_empty() {
            "HEAD"
        } else {
            &self.base
        }
    }

    fn head_rev(&self) -> &str {
        if self.head.is_empty() {
            "HEAD"
        } else {
            &self.head
        }
    }
}

/// One record added in a range, compared with its base-side counterpart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeRecord {
    /// The comparison; `diff.old` is the most recent record with the same
    /// kind and name on the base side, `None` when there is none.
    #[serde(flatten)]
    pub diff: RecordDiff,
}

/// What a revision range changed in lineage.
#[derive(Debug, Clone, Serialize)]
pub struct RangeDiff {
    /// The range as given.
    pub range: String,
    /// The commit records are compared against: `A`, or for `A...B` the
    /// merge base of A and B.
    pub base: String,
    /// The commit `B` resolved to.
    pub head: String,
    /// Record files edited, deleted or broken by commits in the range.
    pub findings: Vec<Finding>,
    /// The records the range added, in history order.
    pub records: Vec<RangeRecord>,
    /// The new records' lineage: up to two hops upstream of each.
    #[serde(skip)]
    pub lineage: Subgraph,
    /// What to know about the comparison itself (a shallow clone, missing
    /// objects); omitted from JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl RangeDiff {
    /// True when the range added no records and has no findings.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.records.is_empty()
    }
}

/// A diff of either kind, as `--format json` prints it (tagged by `type`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Diff {
    /// Two records.
    Records(Box<RecordDiff>),
    /// A revision range.
    Range(Box<RangeDiff>),
}

impl Diff {
    /// True when there is nothing to report (`--exit-code` exits 0).
    pub fn is_empty(&self) -> bool {
        match self {
            Diff::Records(diff) => diff.is_empty(),
            Diff::Range(diff) => diff.is_empty(),
        }
    }
}

// --- computing ---

/// Compare two records of `history` (both must be in it).
///
/// ```no_run
/// use git_lineage::{diff, history::{History, HistoryOptions}, repo::Repo};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let repo = Repo::discover(std::path::Path::new("."))?;
/// let history = History::load(&repo, &HistoryOptions::default())?;
/// let (old, new) = (&history.entries[0].id, &history.entries[1].id);
/// let diff = diff::diff_records(&repo, &history, old, new)?;
/// print!("{}", diff::render::text(&diff::Diff::Records(Box::new(diff))));
/// # Ok(()) }
/// ```
pub fn diff_records(
    repo: &Repo,
    history: &History,
    old: &RecordId,
    new: &RecordId,
) -> Result<RecordDiff, HistoryError> {
    let entry = |id: &RecordId| {
        history.get(id).ok_or_else(|| HistoryError::Record {
            id: id.clone(),
            message: "it is not in history".into(),
        })
    };
    let (old_entry, new_entry) = (entry(old)?, entry(new)?);
    let (_, old_record) = history.read_record(repo, old)?;
    let (_, new_record) = history.read_record(repo, new)?;
    Ok(compare(
        Some(repo),
        Some((old_entry, &old_record)),
        (new_entry, &new_record),
    ))
}

/// Compare two parsed records. With a repository, a code change lists the
/// commits between the two code commits; without one, only the ids.
/// Without an old record everything in `new` counts as added.
pub fn compare(
    repo: Option<&Repo>,
    old: Option<(&Entry, &Record)>,
    new: (&Entry, &Record),
) -> RecordDiff {
    let (new_entry, new_record) = new;
    let empty = ValueMap::new();
    let old_record = old.map(|(_, r)| r);
    let params = value_changes(old_record.map_or(&empty, |r| &r.params), &new_record.params);
    let metrics = value_changes(
        old_record.map_or(&empty, |r| &r.metrics),
        &new_record.metrics,
    )
    .into_iter()
    .map(metric_change)
    .collect();
    let inputs = artifact_changes(
        old_record.map_or(&[][..], |r| &r.inputs),
        &new_record.inputs,
    );
    let outputs = artifact_changes(
        old_record.map_or(&[][..], |r| &r.outputs),
        &new_record.outputs,
    );
    let code = code_change(
        repo,
        old_record.and_then(|r| r.code.commit.as_deref()),
        new_record.code.commit.as_deref(),
    );
    let old_env = old_record.map(|r| &r.environment);
    let mut lockfiles = Vec::new();
    let no_locks = BTreeMap::new();
    let old_locks = old_env.map_or(&no_locks, |e| &e.lockfiles);
    let new_locks = &new_record.environment.lockfiles;
    let mut paths: Vec<&String> = old_locks.keys().chain(new_locks.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let (o, n) = (old_locks.get(path).copied(), new_locks.get(path).copied());
        if o != n
            && let Some(change) = ChangeKind::of(&o, &n)
        {
            lockfiles.push(LockfileChange {
                path: path.clone(),
                change,
                old: o,
                new: n,
            });
        }
    }
    let environment = EnvironmentDiff {
        lockfiles,
        image: ScalarChange::of(
            old_env.and_then(|e| e.image.as_ref()),
            new_record.environment.image.as_ref(),
        ),
    };
    let seed = ScalarChange::of(
        old_record.and_then(|r| r.seed.as_ref()),
        new_record.seed.as_ref(),
    );
    RecordDiff {
        old: old.map(|(entry, _)| RecordRef::of(entry)),
        new: RecordRef::of(new_entry),
        params,
        metrics,
        inputs,
        outputs,
        code,
        environment,
        seed,
    }
}

fn value_changes(old: &ValueMap, new: &ValueMap) -> Vec<ValueChange> {
    let o: BTreeMap<String, &Value> = crate::params::leaves(old).into_iter().collect();
    let n: BTreeMap<String, &Value> = crate::params::leaves(new).into_iter().collect();
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (old, new) = (o.get(key).copied(), n.get(key).copied());
            if old == new {
                return None;
            }
            let (old, new) = (old.cloned(), new.cloned());
            ChangeKind::of(&old, &new).map(|change| ValueChange {
                key: key.clone(),
                change,
                old,
                new,
            })
        })
        .collect()
}

/// `x` rounded to 12 significant digits: `0.93 - 0.91` is `0.02`, not
/// `0.020000000000000018`.
fn round12(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

fn metric_change(change: ValueChange) -> MetricChange {
    let numbers = change
        .old
        .as_ref()
        .and_then(Value::as_f64)
        .zip(change.new.as_ref().and_then(Value::as_f64));
    let delta = numbers.map(|(o, n)| round12(n - o));
    let relative = numbers
        .filter(|(o, _)| *o != 0.0)
        .map(|(o, n)| round12((n - o) / o.abs()));
    MetricChange {
        key: change.key,
        change: change.change,
        old: change.old,
        new: change.new,
        delta,
        relative,
    }
}

/// Artifacts matched by locator (the n-th listing of a locator on one side
/// with the n-th on the other); unchanged ones left out.
fn artifact_changes(old: &[Artifact], new: &[Artifact]) -> Vec<ArtifactChange> {
    let group = |list: &[Artifact]| {
        let mut map: BTreeMap<String, Vec<ArtifactState>> = BTreeMap::new();
        for artifact in list {
            map.entry(artifact.locator().to_string())
                .or_default()
                .push(ArtifactState::of(artifact));
        }
        map
    };
    let (o, n) = (group(old), group(new));
    let mut locators: Vec<&String> = o.keys().chain(n.keys()).collect();
    locators.sort();
    locators.dedup();
    let mut changes = Vec::new();
    for locator in locators {
        let olds = o.get(locator).map_or(&[][..], Vec::as_slice);
        let news = n.get(locator).map_or(&[][..], Vec::as_slice);
        for i in 0..olds.len().max(news.len()) {
            let (old, new) = (olds.get(i).cloned(), news.get(i).cloned());
            if let (Some(a), Some(b)) = (&old, &new)
                && a.same_content(b)
            {
                continue;
            }
            if let Some(change) = ChangeKind::of(&old, &new) {
                changes.push(ArtifactChange {
                    locator: locator.clone(),
                    change,
                    old,
                    new,
                });
            }
        }
    }
    changes
}

fn code_change(repo: Option<&Repo>, old: Option<&str>, new: Option<&str>) -> Option<CodeChange> {
    if old == new {
        return None;
    }
    let (old, new) = (old.map(str::to_string), new.map(str::to_string));
    let change = ChangeKind::of(&old, &new)?;
    let mut code = CodeChange {
        change,
        old,
        new,
        commits: Vec::new(),
        ahead: 0,
        behind: 0,
        problem: None,
    };
    if let Some(repo) = repo {
        list_commits(repo, &mut code, &mut CommitRanges::new());
    }
    Some(code)
}

/// Commit ranges already walked, by (old, new) code commit: the records of
/// a range mostly share a few code commits.
type CommitRanges =
    std::collections::HashMap<(String, String), Result<(Vec<CommitInfo>, usize, usize), String>>;

/// Fill in the commits between a code change's two commits.
fn list_commits(repo: &Repo, code: &mut CodeChange, memo: &mut CommitRanges) {
    let (Some(old), Some(new)) = (&code.old, &code.new) else {
        return;
    };
    let range = memo
        .entry((old.clone(), new.clone()))
        .or_insert_with(|| commit_range(repo, old, new));
    match range {
        Ok((commits, ahead, behind)) => {
            code.commits = commits.clone();
            code.ahead = *ahead;
            code.behind = *behind;
        }
        Err(problem) => code.problem = Some(problem.clone()),
    }
}

/// `git log old..new` (newest first, at most [`MAX_COMMITS`]), its length,
/// and the length of `new..old`.
fn commit_range(
    repo: &Repo,
    old: &str,
    new: &str,
) -> Result<(Vec<CommitInfo>, usize, usize), String> {
    let git = repo.gix();
    let id = |hex: &str| -> Result<ObjectId, String> {
        let id = ObjectId::from_hex(hex.as_bytes())
            .map_err(|e| format!("'{hex}' is not a commit id: {e}"))?;
        match git.find_header(id) {
            Ok(header) if header.kind() == gix::objs::Kind::Commit => Ok(id),
            Ok(_) => Err(format!("{hex} is not a commit")),
            Err(_) => Err(format!(
                "commit {} is not in this repository (fetch it, or deepen a shallow clone)",
                &hex[..hex.len().min(12)]
            )),
        }
    };
    let (old, new) = (id(old)?, id(new)?);
    let walk = |from: ObjectId, hidden: ObjectId| -> Result<Vec<ObjectId>, String> {
        let walk = git
            .rev_walk([from])
            .with_hidden([hidden])
            .all()
            .map_err(|e| format!("cannot walk commits: {e}"))?;
        walk.map(|info| {
            info.map(|i| i.id)
                .map_err(|e| format!("cannot walk commits: {e}"))
        })
        .collect()
    };
    let ahead = walk(new, old)?;
    let behind = walk(old, new)?.len();
    let mut commits = Vec::new();
    for id in ahead.iter().take(MAX_COMMITS) {
        commits.push(crate::history::commit_info(git, *id)?);
    }
    Ok((commits, ahead.len(), behind))
}

/// What a revision range changed: the records its commits added, each
/// compared with the most recent record of the same kind and name on the
/// base side (`A`, or for `A...B` the merge base), and the integrity
/// findings of its commits.
pub fn diff_range(repo: &Repo, range: &RangeSpec) -> Result<RangeDiff, HistoryError> {
    let head = crate::history::resolve_commit(repo, range.head_rev())?;
    let mut base = crate::history::resolve_commit(repo, range.base_rev())?;
    if range.symmetric {
        base = merge_base(repo, base, head, range)?;
    }
    let load = |spec: String| {
        History::load(
            repo,
            &HistoryOptions {
                revisions: Revisions::Specs(vec![spec]),
                worktree: false,
                use_index: true,
            },
        )
    };
    let added = load(format!("{base}..{head}"))?;
    let before = load(base.to_string())?;
    // The latest base-side record of each kind and name (by `recorded`,
    // then history order).
    let mut latest: std::collections::HashMap<(&str, &str), &Entry> =
        std::collections::HashMap::new();
    for e in &before.entries {
        let key = (e.summary.kind.as_str(), e.summary.name.as_str());
        match latest.get(&key) {
            Some(seen) if seen.summary.recorded > e.summary.recorded => {}
            _ => {
                latest.insert(key, e);
            }
        }
    }
    let mut memo = CommitRanges::new();
    let mut records = Vec::with_capacity(added.entries.len());
    // A record the base side has is not new, whatever commit the range
    // shows adding it (a shallow clone's boundary "adds" everything).
    let new_entries: Vec<&Entry> = added
        .entries
        .iter()
        .filter(|e| before.get(&e.id).is_none())
        .collect();
    for entry in &new_entries {
        let entry: &Entry = entry;
        let (_, record) = added.read_record(repo, &entry.id)?;
        let counterpart = latest
            .get(&(entry.summary.kind.as_str(), entry.summary.name.as_str()))
            .copied();
        let old = match counterpart {
            Some(e) => Some((e, before.read_record(repo, &e.id)?.1)),
            None => None,
        };
        let mut diff = compare(None, old.as_ref().map(|(e, r)| (*e, r)), (entry, &record));
        if let Some(code) = &mut diff.code {
            list_commits(repo, code, &mut memo);
        }
        records.push(RangeRecord { diff });
    }
    let mut warnings = added.warnings.clone();
    let unreadable = added
        .read_warnings()
        .into_iter()
        .chain(before.read_warnings())
        .map(|w| w.to_string());
    for warning in before.warnings.iter().cloned().chain(unreadable) {
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
    // The new lineage, drawn over the base side: what each new record read,
    // and what made that.
    let mut entries: Vec<Entry> = before.entries.clone();
    entries.extend(new_entries.iter().map(|e| (*e).clone()));
    let graph = Graph::build(&entries);
    let starts: Vec<_> = new_entries
        .iter()
        .filter_map(|e| graph.node(&NodeKey::Record(e.id.clone())))
        .collect();
    let lineage = graph.traverse(
        &starts,
        &TraverseOptions {
            direction: Direction::Up,
            depth: Some(2),
            types: Vec::new(),
        },
    );
    Ok(RangeDiff {
        range: range.text(),
        base: base.to_string(),
        head: head.to_string(),
        findings: added.findings.clone(),
        records,
        lineage,
        warnings,
    })
}

/// The best common ancestor of two commits.
fn merge_base(
    repo: &Repo,
    a: ObjectId,
    b: ObjectId,
    range: &RangeSpec,
) -> Result<ObjectId, HistoryError> {
    match repo.gix().merge_base(a, b) {
        Ok(Some(id)) => Ok(id.detach()),
        Ok(None) if repo.gix().is_shallow().unwrap_or(false) => Err(HistoryError::Git {
            action: "find the merge base",
            message: format!(
                "{} and {} have no common ancestor in this shallow clone; fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout)",
                range.base_rev(),
                range.head_rev(),
            ),
        }),
        Ok(None) => Err(HistoryError::Git {
            action: "find the merge base",
            message: format!(
                "{} and {} have no common ancestor; compare them with {}..{}",
                range.base_rev(),
                range.head_rev(),
                range.base_rev(),
                range.head_rev()
            ),
        }),
        Err(e) => Err(HistoryError::Git {
            action: "find the merge base",
            message: e.to_string(),
        }),
    }
}

/// Text and Markdown renderings of a [`Diff`].
pub mod render {
    use super::*;

    /// Human-readable text: one block per record, `+`/`-`/`~` marking
    /// added, removed and changed lines.
    pub fn text(diff: &Diff) -> String {
        let mut out = String::new();
        match diff {
            Diff::Records(diff) => {
                record_text(&mut out, diff);
            }
            Diff::Range(range) => {
                let _ = writeln!(
                    out,
                    "range {} (base {}, head {}): {}, {}",
                    range.range,
                    short(&range.base),
                    short(&range.head),
                    count(range.records.len(), "new record"),
                    count(range.findings.len(), "integrity finding"),
                );
                if !range.findings.is_empty() {
                    out.push_str("\nintegrity findings:\n");
                    for finding in &range.findings {
                        let _ = writeln!(
                            out,
                            "  {} {}: {} (commit {} by {} <{}>: {})",
                            finding.kind.as_str(),
                            finding.path,
                            finding.message,
                            finding.commit.short(),
                            finding.commit.author.name,
                            finding.commit.author.email,
                            finding.commit.message
                        );
                    }
                }
                for record in &range.records {
                    out.push('\n');
                    record_text(&mut out, &record.diff);
                }
            }
        }
        out
    }

    fn record_text(out: &mut String, diff: &RecordDiff) {
        let new = &diff.new;
        let introduced = |r: &RecordRef| {
            r.commit.as_ref().map_or_else(
                || "uncommitted".to_string(),
                |c| format!("commit {}", c.short()),
            )
        };
        match &diff.old {
            Some(old) => {
                let _ = writeln!(
                    out,
                    "{} {}: {} ({}) → {} ({})",
                    new.kind,
                    new.name,
                    old.id.short(),
                    introduced(old),
                    new.id.short(),
                    introduced(new)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "{} {}: new {} ({}), nothing earlier to compare with",
                    new.kind,
                    new.name,
                    new.id.short(),
                    introduced(new)
                );
            }
        }
        if diff.is_empty() {
            out.push_str("  no differences\n");
            return;
        }
        if !diff.params.is_empty() {
            out.push_str("  params:\n");
            for p in &diff.params {
                let _ = writeln!(
                    out,
                    "    {} {}: {}",
                    p.change.sign(),
                    p.key,
                    arrow(p.old.as_ref(), p.new.as_ref())
                );
            }
        }
        if !diff.metrics.is_empty() {
            out.push_str("  metrics:\n");
            for m in &diff.metrics {
                let deltas = match (m.delta, m.relative) {
                    (Some(d), Some(r)) => format!(" ({}, {})", signed(d), percent(r)),
                    (Some(d), None) => format!(" ({})", signed(d)),
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "    {} {}: {}{deltas}",
                    m.change.sign(),
                    m.key,
                    arrow(m.old.as_ref(), m.new.as_ref())
                );
            }
        }
        for (title, list) in [("inputs", &diff.inputs), ("outputs", &diff.outputs)] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  {title}:");
            for a in list {
                let role = a
                    .new
                    .as_ref()
                    .or(a.old.as_ref())
                    .and_then(|s| s.role.as_deref())
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    {} {}{role}: {}",
                    a.change.sign(),
                    a.locator,
                    state_arrow(a.old.as_ref(), a.new.as_ref())
                );
            }
        }
        if let Some(code) = &diff.code {
            let _ = writeln!(
                out,
                "  code: {}{}",
                arrow_str(
                    code.old.as_deref().map(|c| short(c).to_string()),
                    code.new.as_deref().map(|c| short(c).to_string())
                ),
                commits_note(code)
            );
            for commit in &code.commits {
                let _ = writeln!(
                    out,
                    "    {} {} ({}, {})",
                    commit.short(),
                    commit.message,
                    commit.author.name,
                    &commit.date.to_string()[..10]
                );
            }
            if code.ahead > code.commits.len() {
                let _ = writeln!(out, "    … and {} more", code.ahead - code.commits.len());
            }
        }
        if !diff.environment.is_empty() {
            out.push_str("  environment:\n");
            for l in &diff.environment.lockfiles {
                let _ = writeln!(
                    out,
                    "    {} lockfile {}: {}",
                    l.change.sign(),
                    l.path,
                    arrow_str(l.old.map(|h| short_hash(&h)), l.new.map(|h| short_hash(&h)))
                );
            }
            if let Some(image) = &diff.environment.image {
                let _ = writeln!(
                    out,
                    "    {} image: {}",
                    image.change.sign(),
                    arrow_str(image.old.clone(), image.new.clone())
                );
            }
        }
        if let Some(seed) = &diff.seed {
            let _ = writeln!(
                out,
                "  seed: {}",
                arrow_str(
                    seed.old.map(|s| s.to_string()),
                    seed.new.map(|s| s.to_string())
                )
            );
        }
    }

    fn commits_note(code: &CodeChange) -> String {
        if let Some(problem) = &code.problem {
            return format!(" (commits not listed: {problem})");
        }
        if code.old.is_none() || code.new.is_none() {
            return String::new();
        }
        match (code.ahead, code.behind) {
            (a, 0) => format!(" ({})", count(a, "commit")),
            (0, b) => format!(" ({} back)", count(b, "commit")),
            (a, b) => format!(
                " ({}, diverged: {b} not in the new code)",
                count(a, "commit")
            ),
        }
    }

    /// A ready pull-request comment in GitHub Markdown: a summary line,
    /// integrity findings first, then one section per record (parameter
    /// and metric tables with ▲/▼ deltas, changed data, code, environment)
    /// and a Mermaid graph of the new lineage. At most `limit` bytes
    /// (see [`GITHUB_COMMENT_LIMIT`]): whole sections that do not fit are
    /// left out and a note says how many.
    pub fn markdown(diff: &Diff, limit: usize) -> String {
        // Room kept for the note about what was left out.
        const NOTE_ROOM: usize = 400;
        let budget = limit.saturating_sub(NOTE_ROOM);
        let mut out = String::new();
        match diff {
            Diff::Records(diff) => {
                let _ = writeln!(
                    out,
                    "## Lineage diff: `{}` {}\n",
                    md_code(&diff.new.kind),
                    md_text(&diff.new.name)
                );
                out.push_str(&record_markdown(diff, false));
                if out.len() > limit {
                    truncate_at_line(&mut out, budget);
                    out.push_str("\n> **Note:** this diff was cut short to fit a GitHub comment; run `git lineage diff` locally for all of it.\n");
                }
            }
            Diff::Range(range) => {
                let changed = range
                    .records
                    .iter()
                    .filter(|r| r.diff.old.is_some() && !r.diff.is_empty())
                    .count();
                let new = range
                    .records
                    .iter()
                    .filter(|r| r.diff.old.is_none())
                    .count();
                let _ = writeln!(out, "## Lineage changes in `{}`\n", md_code(&range.range));
                let mut summary = format!(
                    "**{}** ({} changed from base `{}`, {} with nothing earlier to compare)",
                    count(range.records.len(), "new record"),
                    changed,
                    short(&range.base),
                    new
                );
                if !range.findings.is_empty() {
                    let _ = write!(
                        summary,
                        ", :warning: **{}**",
                        count(range.findings.len(), "integrity finding")
                    );
                }
                let _ = writeln!(out, "{summary}.\n");
                for warning in &range.warnings {
                    let _ = writeln!(out, "> **Warning:** {}\n", md_text(warning));
                }
                if range.is_empty() {
                    out.push_str("No lineage changes.\n");
                    return out;
                }
                let mut left_out_findings = 0;
                if !range.findings.is_empty() {
                    out.push_str("### :warning: Integrity findings\n\nRecords are immutable; these commits edited, deleted or broke record files (`git lineage verify --history` fails):\n\n");
                    out.push_str(
                        "| finding | file | commit | author | message |\n|---|---|---|---|---|\n",
                    );
                    for (i, f) in range.findings.iter().enumerate() {
                        let row = format!(
                            "| {} | `{}` | `{}` | {} | {} |\n",
                            f.kind.as_str(),
                            md_code(&f.path),
                            f.commit.short(),
                            md_text(&f.commit.author.name),
                            md_text(&f.message)
                        );
                        if out.len() + row.len() > budget {
                            left_out_findings = range.findings.len() - i;
                            break;
                        }
                        out.push_str(&row);
                    }
                    out.push('\n');
                }
                let graph = if range.lineage.nodes.is_empty() {
                    String::new()
                } else {
                    format!(
                        "### Lineage of the new records\n\n```mermaid\n{}```\n",
                        crate::graph::render::mermaid(&range.lineage)
                    )
                };
                let mut left_out = 0;
                for (i, record) in range.records.iter().enumerate() {
                    let section = record_markdown(&record.diff, true);
                    if left_out > 0 || out.len() + section.len() > budget {
                        left_out = range.records.len() - i;
                        break;
                    }
                    out.push_str(&section);
                }
                let graph_fits = out.len() + graph.len() <= budget;
                if graph_fits {
                    out.push_str(&graph);
                }
                let mut notes = Vec::new();
                if left_out_findings > 0 {
                    notes.push(count(left_out_findings, "integrity finding"));
                }
                if left_out > 0 {
                    notes.push(count(left_out, "record"));
                }
                if !graph_fits && !graph.is_empty() {
                    notes.push("the lineage graph".to_string());
                }
                if !notes.is_empty() {
                    let _ = writeln!(
                        out,
                        "\n> **Note:** {} left out to stay under GitHub's comment limit; run `git lineage diff {}` locally for the full diff.",
                        notes.join(" and "),
                        md_code(&range.range)
                    );
                }
            }
        }
        out
    }

    fn truncate_at_line(text: &mut String, max: usize) {
        if text.len() <= max {
            return;
        }
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = text[..cut].rfind('\n').map_or(0, |i| i + 1);
        text.truncate(cut);
    }

    fn record_markdown(diff: &RecordDiff, heading: bool) -> String {
        let mut out = String::new();
        let new = &diff.new;
        if heading {
            let _ = writeln!(
                out,
                "### `{}` {} `{}`\n",
                md_code(&new.kind),
                md_text(&new.name),
                new.id.short()
            );
        }
        match &diff.old {
            Some(old) => {
                let _ = writeln!(
                    out,
                    "Compared with `{}` ({}).\n",
                    old.id.short(),
                    old.commit.as_ref().map_or_else(
                        || "uncommitted".to_string(),
                        |c| format!("commit `{}`", c.short())
                    )
                );
            }
            None => out.push_str("New: nothing earlier of this kind and name to compare with.\n\n"),
        }
        if diff.old.is_some() && diff.is_empty() {
            out.push_str("No differences.\n\n");
            return out;
        }
        if !diff.params.is_empty() {
            out.push_str("| parameter | before | after |\n|---|---|---|\n");
            for p in &diff.params {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} |",
                    md_code(&p.key),
                    md_value(p.old.as_ref()),
                    md_value(p.new.as_ref())
                );
            }
            out.push('\n');
        }
        if !diff.metrics.is_empty() {
            out.push_str("| metric | before | after | Δ | Δ % |\n|---|---|---|---|---|\n");
            for m in &diff.metrics {
                let (delta, relative) = match m.delta {
                    Some(d) => {
                        let mark = if d > 0.0 {
                            "▲ "
                        } else if d < 0.0 {
                            "▼ "
                        } else {
                            ""
                        };
                        (
                            format!("{mark}{}", signed(d)),
                            m.relative.map_or_else(|| "–".to_string(), percent),
                        )
                    }
                    None => ("–".to_string(), "–".to_string()),
                };
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {delta} | {relative} |",
                    md_code(&m.key),
                    md_value(m.old.as_ref()),
                    md_value(m.new.as_ref())
                );
            }
            out.push('\n');
        }
        if diff.data_changed() {
            out.push_str("| data | path | before | after |\n|---|---|---|---|\n");
            for (side, list) in [("input", &diff.inputs), ("output", &diff.outputs)] {
                for a in list {
                    let role = a
                        .new
                        .as_ref()
                        .or(a.old.as_ref())
                        .and_then(|s| s.role.as_deref())
                        .map(|r| format!(" ({})", md_text(r)))
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "| {side}{role} | `{}` | {} | {} |",
                        md_code(&a.locator),
                        md_state(a.old.as_ref()),
                        md_state(a.new.as_ref())
                    );
                }
            }
            out.push('\n');
        }
        if let Some(code) = &diff.code {
            let _ = writeln!(
                out,
                "**Code:** {} → {}{}\n",
                code.old
                    .as_deref()
                    .map_or("–".to_string(), |c| format!("`{}`", short(c))),
                code.new
                    .as_deref()
                    .map_or("–".to_string(), |c| format!("`{}`", short(c))),
                md_text(&commits_note(code))
            );
            for commit in &code.commits {
                let _ = writeln!(
                    out,
                    "- `{}` {} ({})",
                    commit.short(),
                    md_text(&commit.message),
                    md_text(&commit.author.name)
                );
            }
            if code.ahead > code.commits.len() {
                let _ = writeln!(out, "- … and {} more", code.ahead - code.commits.len());
            }
            if !code.commits.is_empty() {
                out.push('\n');
            }
        }
        if !diff.environment.is_empty() {
            out.push_str("| environment | before | after |\n|---|---|---|\n");
            for l in &diff.environment.lockfiles {
                let _ = writeln!(
                    out,
                    "| lockfile `{}` | {} | {} |",
                    md_code(&l.path),
                    l.old
                        .map_or("–".into(), |h| format!("`{}`", short_hash(&h))),
                    l.new
                        .map_or("–".into(), |h| format!("`{}`", short_hash(&h)))
                );
            }
            if let Some(image) = &diff.environment.image {
                let _ = writeln!(
                    out,
                    "| image | {} | {} |",
                    image
                        .old
                        .as_deref()
                        .map_or("–".into(), |i| format!("`{}`", md_code(i))),
                    image
                        .new
                        .as_deref()
                        .map_or("–".into(), |i| format!("`{}`", md_code(i)))
                );
            }
            out.push('\n');
        }
        if let Some(seed) = &diff.seed {
            let _ = writeln!(
                out,
                "**Seed:** {} → {}\n",
                seed.old.map_or("–".into(), |s| s.to_string()),
                seed.new.map_or("–".into(), |s| s.to_string())
            );
        }
        out
    }

    /// Text for a Markdown table cell: `|` escaped, HTML and line breaks
    /// neutralised.
    fn md_text(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '|' => out.push_str("\\|"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '*' | '_' | '[' | ']' | '`' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
        }
        out
    }

    /// Text for inside a code span in a table: `|` must still be escaped
    /// (GitHub splits cells before parsing code spans), backticks dropped.
    fn md_code(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '`' => "'".to_string(),
                '|' => "\\|".to_string(),
                c if c.is_control() => " ".to_string(),
                c => c.to_string(),
            })
            .collect()
    }

    fn md_value(value: Option<&Value>) -> String {
        value.map_or_else(
            || "–".to_string(),
            |v| format!("`{}`", md_code(&v.to_string())),
        )
    }

    fn md_state(state: Option<&ArtifactState>) -> String {
        match state {
            None => "–".to_string(),
            Some(s) => {
                let mut parts = Vec::new();
                if let Some(h) = &s.hash {
                    parts.push(format!("`{}`", short_hash(h)));
                }
                if let Some(v) = &s.version {
                    parts.push(format!("version `{}`", md_code(v)));
                }
                if let Some(size) = s.size {
                    parts.push(human_size(size));
                }
                if parts.is_empty() {
                    "–".to_string()
                } else {
                    parts.join(", ")
                }
            }
        }
    }

    fn arrow(old: Option<&Value>, new: Option<&Value>) -> String {
        arrow_str(old.map(Value::to_string), new.map(Value::to_string))
    }

    fn arrow_str(old: Option<String>, new: Option<String>) -> String {
        match (old, new) {
            (Some(o), Some(n)) => format!("{o} → {n}"),
            (None, Some(n)) => n,
            (Some(o), None) => format!("{o} (removed)"),
            (None, None) => String::new(),
        }
    }

    fn state_text(state: &ArtifactState) -> String {
        let mut parts = Vec::new();
        if let Some(h) = &state.hash {
            parts.push(short_hash(h));
        }
        if let Some(v) = &state.version {
            parts.push(format!("version {v}"));
        }
        if let Some(size) = state.size {
            parts.push(human_size(size));
        }
        parts.join(", ")
    }

    fn state_arrow(old: Option<&ArtifactState>, new: Option<&ArtifactState>) -> String {
        arrow_str(old.map(state_text), new.map(state_text))
    }

    /// `blake3:` and 12 hex digits.
    fn short_hash(hash: &ContentHash) -> String {
        format!("{}{}", crate::hash::PREFIX, &hash.to_hex()[..12])
    }

    fn short(id: &str) -> &str {
        &id[..id.len().min(12)]
    }

    /// `+0.02`, `-3`.
    fn signed(x: f64) -> String {
        if x > 0.0 {
            format!("+{x}")
        } else {
            format!("{x}")
        }
    }

    /// `+2.20%`.
    fn percent(r: f64) -> String {
        format!("{:+.2}%", r * 100.0)
    }

    /// `512 B`, `1.5 KiB`, `2.0 MiB`, … (exact bytes below 1 KiB).
    fn human_size(bytes: u64) -> String {
        const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
        if bytes < 1024 {
            return format!("{bytes} B");
        }
        let mut value = bytes as f64 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit < UNITS.len() - 1 {
            value /= 1024.0;
            unit += 1;
        }
        format!("{value:.1} {}", UNITS[unit])
    }

    fn count(n: usize, noun: &str) -> String {
        if n == 1 {
            format!("1 {noun}")
        } else {
            format!("{n} {noun}s")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_map(pairs: &[(&str, Value)]) -> ValueMap {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn nested_params_compare_leaf_by_leaf() {
        let old = value_map(&[
            ("lr", Value::Float(0.1)),
            ("drop", Value::Int(1)),
            ("opt", Value::Map(value_map(&[("beta", Value::Float(0.9))]))),
        ]);
        let new = value_map(&[
            ("lr", Value::Float(0.05)),
            ("depth", Value::Int(6)),
            (
                "opt",
                Value::Map(value_map(&[("beta", Value::Float(0.99))])),
            ),
        ]);
        let changes = value_changes(&old, &new);
        let got: Vec<(&str, ChangeKind)> =
            changes.iter().map(|c| (c.key.as_str(), c.change)).collect();
        assert_eq!(
            got,
            [
                ("depth", ChangeKind::Added),
                ("drop", ChangeKind::Removed),
                ("lr", ChangeKind::Changed),
                ("opt.beta", ChangeKind::Changed),
            ]
        );
    }

    #[test]
    fn metric_deltas_are_rounded_and_relative_to_the_old_value() {
        let m = metric_change(ValueChange {
            key: "auc".into(),
            change: ChangeKind::Changed,
            old: Some(Value::Float(0.91)),
            new: Some(Value::Float(0.93)),
        });
        assert_eq!(m.delta, Some(0.02));
        assert_eq!(m.relative, Some(round12(0.02 / 0.91)));
        let zero = metric_change(ValueChange {
            key: "loss".into(),
            change: ChangeKind::Changed,
            old: Some(Value::Int(0)),
            new: Some(Value::Int(3)),
        });
        assert_eq!((zero.delta, zero.relative), (Some(3.0), None));
    }

    #[test]
    fn artifacts_match_by_locator_and_unchanged_ones_are_left_out() {
        let art = |path: &str, bytes: &[u8]| Artifact {
            path: Some(path.into()),
            hash: Some(ContentHash::of_bytes(bytes)),
            size: Some(bytes.len() as u64),
            ..Artifact::default()
        };
        let old = [
            art("a.csv", b"1"),
            art("b.csv", b"2"),
            art("gone.csv", b"3"),
        ];
        let new = [
            art("a.csv", b"1"),
            art("b.csv", b"22"),
            art("new.csv", b"4"),
        ];
        let changes = artifact_changes(&old, &new);
        let got: Vec<(&str, ChangeKind)> = changes
            .iter()
            .map(|c| (c.locator.as_str(), c.change))
            .collect();
        assert_eq!(
            got,
            [
                ("b.csv", ChangeKind::Changed),
                ("gone.csv", ChangeKind::Removed),
                ("new.csv", ChangeKind::Added),
            ]
        );
        assert_eq!(changes[0].new.as_ref().and_then(|s| s.size), Some(2));
    }

    #[test]
    fn ranges_parse_two_and_three_dots() {
        assert_eq!(
            RangeSpec::parse("main...feature"),
            Some(RangeSpec {
                base: "main".into(),
                head: "feature".into(),
                symmetric: true
            })
        );
        let r = RangeSpec::parse("main..").unwrap();
        assert_eq!(
            (r.base_rev(), r.head_rev(), r.symmetric),
            ("main", "HEAD", false)
        );
        assert_eq!(RangeSpec::parse("name:model"), None);
    }

    fn record_ref(n: usize) -> RecordRef {
        RecordRef {
            id: RecordId::of_bytes(n.to_string().as_bytes()),
            kind: "train".into(),
            name: format!("model|{n}"),
            recorded: Timestamp::from_unix_micros(0),
            commit: None,
        }
    }

    fn big_range(records: usize) -> Diff {
        let params = (0..40)
            .map(|i| ValueChange {
                key: format!("param_{i}"),
                change: ChangeKind::Changed,
                old: Some(Value::String("a|b".into())),
                new: Some(Value::Int(i)),
            })
            .collect::<Vec<_>>();
        Diff::Range(Box::new(RangeDiff {
            range: "main...HEAD".into(),
            base: "b".repeat(40),
            head: "c".repeat(40),
            findings: Vec::new(),
            records: (0..records)
                .map(|n| RangeRecord {
                    diff: RecordDiff {
                        old: Some(record_ref(n + 100_000)),
                        new: record_ref(n),
                        params: params.clone(),
                        metrics: Vec::new(),
                        inputs: Vec::new(),
                        outputs: Vec::new(),
                        code: None,
                        environment: EnvironmentDiff::default(),
                        seed: None,
                    },
                })
                .collect(),
            lineage: Subgraph {
                roots: Vec::new(),
                nodes: Vec::new(),
                edges: Vec::new(),
            },
            warnings: Vec::new(),
        }))
    }

    #[test]
    fn markdown_stays_under_the_comment_limit_leaving_out_whole_records() {
        let small = render::markdown(&big_range(3), GITHUB_COMMENT_LIMIT);
        assert!(!small.contains("left out"), "{small}");
        assert_eq!(small.matches("### `train`").count(), 3);
        // Pipes in names and values are escaped, so rows keep four cells.
        assert!(small.contains("model\\|0"), "{small}");
        assert!(small.contains("| `param_1` | `a\\|b` | `1` |"), "{small}");

        let md = render::markdown(&big_range(500), GITHUB_COMMENT_LIMIT);
        assert!(md.len() <= GITHUB_COMMENT_LIMIT, "{}", md.len());
        let shown = md.matches("### `train`").count();
        assert!(shown > 10 && shown < 500, "{shown}");
        let note = format!("**Note:** {} records left out", 500 - shown);
        assert!(
            md.contains(&note),
            "{note} not in the end of: {}",
            &md[md.len() - 500..]
        );
        // Only whole sections: every shown record has all its parameter rows.
        assert_eq!(md.matches("| `param_39` |").count(), shown);
    }
}
