//! The `--format json` contract of docs/json.md as Rust types that refuse
//! unknown fields: a field added without documenting it, or renamed, fails
//! these tests. Optional (`Option`) fields are the ones docs/json.md says
//! may be omitted or `null`.
//!
//! Every output that reads history also accepts an optional `warnings`
//! (history warnings: a shallow clone, unreadable commits), whatever its
//! element shape.

// The fields exist to be checked by deserialisation, not all are read.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::common::{TestEnv, demo_repo, pipeline, record_step, shared_demo, write};

type Map = BTreeMap<String, Value>;
/// History warnings, whatever their element shape.
type Warnings = Option<Vec<Value>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// A commit as history reports it: `{id, author, date, message}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitInfo {
    pub id: String,
    pub author: Person,
    pub date: String,
    pub message: String,
}

// --- the record object ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub dirty: bool,
    pub changes: Option<String>,
    pub remote: Option<String>,
    pub files: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub os: String,
    pub arch: String,
    pub tool: String,
    pub image: Option<String>,
    pub lockfiles: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    pub path: Option<String>,
    pub uri: Option<String>,
    pub role: Option<String>,
    pub version: Option<String>,
    pub hash: Option<String>,
    pub size: Option<u64>,
    pub files: Option<u64>,
    pub pointer: Option<Pointer>,
    pub locations: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pointer {
    pub kind: String,
    pub digest: String,
    pub key: Option<String>,
}

/// `where --format json` (docs/json.md#where).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhereOutput {
    pub artifacts: Vec<Located>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Located {
    pub id: String,
    pub paths: Vec<String>,
    pub hash: Option<String>,
    pub pointers: Vec<Pointer>,
    pub size: Option<u64>,
    pub locations: Vec<Location>,
    pub notes: Option<Vec<String>>,
    pub dropped_by: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub source: String,
    pub location: String,
    pub record: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub schema: String,
    pub kind: String,
    pub name: String,
    pub recorded: String,
    pub started: Option<String>,
    pub ended: Option<String>,
    pub exit: Option<Exit>,
    pub agent: Person,
    pub code: Code,
    pub command: Option<Vec<String>>,
    pub params: Option<Map>,
    pub seed: Option<u64>,
    pub environment: Environment,
    pub inputs: Option<Vec<Artifact>>,
    pub outputs: Option<Vec<Artifact>>,
    pub metrics: Option<Map>,
    pub references: Option<Vec<String>>,
    pub imports: Option<Vec<ForeignReference>>,
    pub note: Option<String>,
}

/// A foreign reference (`imports`): a record of a lineage remote.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignReference {
    pub repository: String,
    pub url: String,
    pub record: String,
    pub commit: Option<String>,
}

// --- init, record, run, show ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitOutput {
    pub config: String,
    pub created: bool,
}

/// `record`, and the registry's event commands.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordOutput {
    pub id: String,
    pub path: String,
    pub commit: Option<String>,
    pub record: Record,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunOutput {
    pub exit: Exit,
    pub recorded: Option<RecordOutput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitOutput {
    pub commit: Option<String>,
    pub message: String,
    pub records: Vec<CommittedRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommittedRecord {
    pub id: String,
    pub path: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowOutput {
    pub id: String,
    pub path: String,
    pub record: Record,
    #[serde(default)]
    pub registered: Vec<Registration>,
    /// Only for `show NAME:REF`, a record of lineage remote NAME.
    #[serde(default)]
    pub repository: Option<Repository>,
    pub warnings: Warnings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub model: String,
    pub version: String,
    pub stages: Vec<String>,
}

// --- log, search ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    pub id: String,
    pub path: String,
    pub commit: Option<CommitInfo>,
    pub kind: String,
    pub name: String,
    pub recorded: String,
    pub agent: Person,
    pub failed: bool,
    pub code_commit: Option<String>,
    pub inputs: Vec<Artifact>,
    pub outputs: Vec<Artifact>,
    pub references: Vec<String>,
    pub params: Map,
    pub metrics: Map,
    /// Only for another repository's record (`--remotes`).
    #[serde(default)]
    pub repository: Option<Repository>,
}

/// The lineage remote a record came from (`--remotes`, docs/multi-repo.md);
/// the key is absent for this repository's records.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repository {
    pub name: String,
    pub url: Option<String>,
    pub commit: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogOutput {
    pub records: Vec<LogEntry>,
    pub warnings: Warnings,
}

// --- graph, export --format json, impact ---

/// A record reference, the same in graph, impact, status and diff.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordRef {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub recorded: String,
    pub author: Person,
    pub commit: Option<CommitInfo>,
    /// Only for another repository's record (`--remotes`).
    #[serde(default)]
    pub repository: Option<Repository>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeArtifact {
    pub hash: Option<String>,
    pub paths: Vec<String>,
    pub uris: Vec<String>,
    pub roles: Vec<String>,
    pub size: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub id: String,
    #[serde(rename = "type")]
    pub node_type: String,
    pub label: String,
    pub distance: u64,
    pub direction: String,
    pub record: Option<RecordRef>,
    pub artifact: Option<NodeArtifact>,
    pub commit: Option<String>,
    #[serde(default)]
    pub registered: Vec<Registration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphOutput {
    pub roots: Vec<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub warnings: Warnings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactArtifact {
    pub id: String,
    pub locator: String,
    pub hash: Option<String>,
    pub roles: Vec<String>,
    #[serde(default)]
    pub registered: Vec<Registration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AffectedVersion {
    pub model: String,
    pub version: String,
    pub stages: Vec<String>,
    pub artifact: String,
    pub locator: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactOutput {
    pub records: BTreeMap<String, Vec<RecordRef>>,
    pub artifacts: Vec<ImpactArtifact>,
    #[serde(default)]
    pub registry: Vec<AffectedVersion>,
    pub warnings: Warnings,
}

// --- diff ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamChange {
    pub key: String,
    pub change: String,
    pub old: Value,
    pub new: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricChange {
    pub key: String,
    pub change: String,
    pub old: Value,
    pub new: Value,
    pub delta: Option<f64>,
    pub relative: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactState {
    pub role: Option<String>,
    pub hash: Option<String>,
    pub size: Option<u64>,
    pub version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactChange {
    pub locator: String,
    pub change: String,
    pub old: Option<ArtifactState>,
    pub new: Option<ArtifactState>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeChange {
    pub change: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub commits: Vec<CommitInfo>,
    pub ahead: u64,
    pub code_commits: u64,
    pub lineage_only: u64,
    pub files: Vec<CodeFile>,
    pub behind: u64,
    pub problem: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeFile {
    pub path: String,
    pub change: String,
    pub added: Option<u64>,
    pub removed: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockfileChange {
    pub path: String,
    pub change: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// `{change, old, new}` of the image and the seed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueChange {
    pub change: String,
    pub old: Value,
    pub new: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentChange {
    pub lockfiles: Vec<LockfileChange>,
    pub image: Option<ValueChange>,
}

/// Two records compared (`type: "records"`, and each of a range's records).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDiff {
    pub old: Option<RecordRef>,
    pub new: RecordRef,
    pub params: Vec<ParamChange>,
    pub metrics: Vec<MetricChange>,
    pub inputs: Vec<ArtifactChange>,
    pub outputs: Vec<ArtifactChange>,
    pub code: Option<CodeChange>,
    pub environment: EnvironmentChange,
    pub seed: Option<ValueChange>,
    /// Only for the top-level two-record diff.
    #[serde(rename = "type")]
    pub diff_type: Option<String>,
    pub warnings: Warnings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub kind: String,
    pub path: String,
    pub record: Option<String>,
    pub commit: CommitInfo,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeDiff {
    #[serde(rename = "type")]
    pub diff_type: String,
    pub range: String,
    pub base: String,
    pub head: String,
    pub findings: Vec<Finding>,
    pub records: Vec<RecordDiff>,
    pub warnings: Warnings,
}

// --- status, verify ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    pub path: String,
    pub direct: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changed {
    pub path: String,
    pub change: String,
    pub recorded: String,
    pub current: Option<String>,
    pub record: RecordRef,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaleRecord {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub recorded: String,
    pub author: Person,
    pub commit: Option<CommitInfo>,
    pub causes: Vec<Cause>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaleOutput {
    pub locator: String,
    pub hash: Option<String>,
    pub roles: Vec<String>,
    pub record: RecordRef,
    pub causes: Vec<Cause>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusOutput {
    pub tracked: u64,
    pub changed: Vec<Changed>,
    pub stale_records: Vec<StaleRecord>,
    pub stale_outputs: Vec<StaleOutput>,
    pub warnings: Warnings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    pub file: String,
    pub record: Option<String>,
    pub check: String,
    pub message: String,
    pub commit: Option<CommitInfo>,
    /// Only for another repository's problem (`verify --history --remotes`).
    #[serde(default)]
    pub repository: Option<Repository>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyOutput {
    pub records: u64,
    pub artifacts: u64,
    pub commits: Option<u64>,
    pub problems: Vec<Problem>,
    #[serde(default)]
    pub superseded: Vec<Superseded>,
    pub warnings: Warnings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Superseded {
    pub file: String,
    pub record: String,
    pub path: String,
    pub recorded: String,
    pub by: String,
    pub current: String,
}

// --- registry ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolved {
    pub model: String,
    pub version: String,
    pub stage: Option<String>,
    pub path: Option<String>,
    pub hash: Option<String>,
    pub record: String,
    pub produced_by: Option<String>,
    pub produced_in: Option<ForeignReference>,
    pub warnings: Warnings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub event: String,
    pub who: Person,
    pub when: String,
    pub comment: Option<String>,
    pub commit: Option<CommitInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelVersion {
    pub number: u64,
    pub artifact: Option<String>,
    pub path: Option<String>,
    pub produced_by: Option<String>,
    pub produced_in: Option<ForeignReference>,
    pub register: String,
    pub description: Option<String>,
    pub registered_by: Person,
    pub registered: String,
    pub approvals: Vec<Review>,
    pub rejections: Vec<Review>,
    pub deprecated: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub current: Option<u64>,
    pub previous: Vec<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub name: String,
    pub versions: BTreeMap<String, ModelVersion>,
    pub stages: BTreeMap<String, Stage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: String,
    pub kind: String,
    pub model: String,
    pub version: Option<u64>,
    pub stage: Option<String>,
    pub comment: Option<String>,
    pub agent: Person,
    pub recorded: String,
    pub commit: Option<CommitInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryList {
    pub models: Vec<Model>,
    pub warnings: Warnings,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryShow {
    pub model: Model,
    pub events: Vec<Event>,
    pub warnings: Warnings,
}

// --- demo ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoStep {
    pub kind: String,
    pub name: String,
    pub id: String,
    pub commit: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoQuestion {
    pub question: String,
    pub command: String,
    pub answer: Vec<String>,
    pub labels: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoRegistry {
    pub model: Model,
    pub events: Vec<Event>,
    pub production: Resolved,
    pub upstream: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoOutput {
    pub dir: String,
    pub pipeline_commit: String,
    pub steps: Vec<DemoStep>,
    pub rows: BTreeMap<String, u64>,
    pub metrics: BTreeMap<String, f64>,
    pub questions: Vec<DemoQuestion>,
    pub mermaid: String,
    pub registry: DemoRegistry,
    pub drift: DemoDrift,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoDrift {
    pub command: String,
    pub current: String,
    pub rows: u64,
    pub drifted: Vec<DemoDriftedColumn>,
    pub compared_columns: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoDriftedColumn {
    pub column: String,
    pub reason: String,
}

// --- emit ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmitSent {
    pub record: String,
    pub run_id: String,
    pub attempts: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmitOutput {
    pub url: String,
    pub namespace: String,
    pub dry_run: bool,
    pub selected: usize,
    pub already_delivered: usize,
    pub sent: Vec<EmitSent>,
    pub warnings: Warnings,
}

// --- helpers ---

/// Parse `text` strictly as `T`, naming the command on failure.
#[track_caller]
pub fn parse<T: DeserializeOwned>(what: &str, text: &str) -> T {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{what}: JSON does not match docs/json.md ({e}):\n{text}"))
}

/// Run `git-lineage ARGS --format json` in `dir` (the option inserted before
/// a `--`), require exit `code` and parse stdout strictly as `T`.
#[track_caller]
pub fn json_of<T: DeserializeOwned>(env: &TestEnv, dir: &Path, args: &[&str], code: i32) -> T {
    // Before a `run`'s `--`, after which the words are the command's.
    let at = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    let mut all = args.to_vec();
    all.splice(at..at, ["--format", "json"]);
    let run = env.lineage(dir, &all).code(code);
    parse(&format!("{args:?}"), &run.stdout)
}

// --- tests ---

#[test]
fn an_undocumented_field_fails_the_contract() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let id = record_step(&env, &repo, "train", "m", &[]);
    let run = env
        .lineage(&repo, &["show", &id, "--format", "json"])
        .success();
    let shown: ShowOutput = parse("show", &run.stdout);
    assert_eq!(shown.id, id);
    // The same document with one extra key, at the top and nested, is refused.
    let mut value: Value = serde_json::from_str(&run.stdout).expect("JSON");
    value["extra"] = Value::Bool(true);
    assert!(serde_json::from_value::<ShowOutput>(value.clone()).is_err());
    let mut value: Value = serde_json::from_str(&run.stdout).expect("JSON");
    value["record"]["agent"]["extra"] = Value::Bool(true);
    assert!(serde_json::from_value::<ShowOutput>(value).is_err());
}

#[test]
fn record_run_show_init_and_verify_match_the_contract() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let init: InitOutput = json_of(&env, &repo, &["init"], 0);
    assert!(!init.created);
    write(&repo.join("data/in.csv"), "a\n1\n");
    write(&repo.join("data/dir/x.csv"), "x\n");
    write(&repo.join("requirements.txt"), "numpy==2.0\n");
    write(
        &repo.join("env.yaml"),
        "image: ghcr.io/acme/train@sha256:abc\n",
    );
    let recorded: RecordOutput = json_of(
        &env,
        &repo,
        &[
            "record",
            "--kind",
            "process",
            "--name",
            "p",
            "-i",
            "dataset=data/in.csv",
            "-i",
            "data/dir",
            "-i",
            "s3://bucket/key@v3",
            "-p",
            "opt.lr=0.1",
            "-m",
            "auc=0.9",
            "--seed",
            "7",
            "--image",
            "ghcr.io/acme/train@sha256:abc",
            "--note",
            "a note",
            "--commit",
        ],
        0,
    );
    assert!(recorded.commit.is_some());
    let inputs = recorded.record.inputs.as_ref().expect("inputs");
    assert_eq!(inputs.len(), 3);
    assert!(inputs.iter().any(|a| a.files == Some(1)));
    assert!(inputs.iter().any(|a| a.uri.is_some() && a.hash.is_none()));

    let ran: RunOutput = json_of(
        &env,
        &repo,
        &[
            "run",
            "--kind",
            "train",
            "--name",
            "t",
            "--ref",
            &recorded.id,
            "-o",
            "out.txt",
            "--",
            "sh",
            "-c",
            "echo hi > out.txt",
        ],
        0,
    );
    assert_eq!(ran.exit.code, Some(0));
    let ran = ran.recorded.expect("recorded");
    assert!(ran.record.command.is_some() && ran.record.started.is_some());
    assert_eq!(ran.record.references, Some(vec![recorded.id.clone()]));
    let failed: RunOutput = json_of(
        &env,
        &repo,
        &["run", "--kind", "train", "--name", "t", "--", "false"],
        1,
    );
    assert!(failed.recorded.is_none());

    // The run above was not committed: `commit` commits it.
    let committed: CommitOutput = json_of(&env, &repo, &["commit"], 0);
    assert!(committed.commit.is_some());
    assert_eq!(committed.records.len(), 1);
    assert_eq!(committed.records[0].id, ran.id);
    assert!(committed.message.starts_with("lineage: train t "));
    let nothing: CommitOutput = json_of(&env, &repo, &["commit"], 0);
    assert!(nothing.commit.is_none() && nothing.records.is_empty());

    let shown: ShowOutput = json_of(&env, &repo, &["show", &ran.id], 0);
    assert_eq!(shown.record.kind, "train");
    let verified: VerifyOutput = json_of(&env, &repo, &["verify", "--history"], 0);
    assert_eq!(verified.records, 2);
    assert!(verified.commits.is_some());
    std::fs::remove_file(repo.join("data/in.csv")).expect("rm");
    let verified: VerifyOutput = json_of(&env, &repo, &["verify", "--artifacts"], 1);
    assert!(!verified.problems.is_empty());
}

#[test]
fn history_queries_match_the_contract() {
    let env = TestEnv::new();
    let p = pipeline(
        &env,
        &["-p", "lr=0.1", "--seed", "1"],
        &["--ref", "{train}"],
    );
    write(&p.repo.join("model/model.bin"), b"v2");
    let retrain = record_step(
        &env,
        &p.repo,
        "train",
        "fraud-model",
        &[
            "-i",
            "dataset=data/features.csv",
            "-o",
            "model=model/model.bin",
            "-p",
            "lr=0.2",
            "-m",
            "auc=0.5",
            "--seed",
            "2",
            "--commit",
        ],
    );
    let repo = &p.repo;
    let log: LogOutput = json_of(&env, repo, &["log"], 0);
    assert_eq!(log.records.len(), 4);
    assert!(log.records.iter().all(|r| r.commit.is_some()));
    let found: LogOutput = json_of(&env, repo, &["search", "--kind", "train"], 0);
    assert_eq!(found.records.len(), 2);

    let graph: GraphOutput = json_of(&env, repo, &["graph", &p.train], 0);
    for node_type in ["record", "artifact", "commit"] {
        assert!(
            graph.nodes.iter().any(|n| n.node_type == node_type),
            "no {node_type} node"
        );
    }
    let exported: GraphOutput = json_of(&env, repo, &["export"], 0);
    assert!(!exported.nodes.is_empty());
    let impact: ImpactOutput = json_of(&env, repo, &["impact", "data/raw.csv"], 0);
    assert_eq!(impact.records["train"].len(), 2);

    let diff: RecordDiff = json_of(&env, repo, &["diff", &p.train, &retrain], 0);
    assert_eq!(diff.diff_type.as_deref(), Some("records"));
    assert!(diff.code.is_some() && diff.seed.is_some());
    assert!(!diff.params.is_empty() && !diff.metrics.is_empty());
    let range = format!("{}..HEAD", p.data_commit);
    let range: RangeDiff = json_of(&env, repo, &["diff", &range], 0);
    assert_eq!(range.diff_type, "range");
    assert_eq!(range.records.len(), 4);
    assert!(range.records.iter().all(|r| r.diff_type.is_none()));

    let clean: StatusOutput = json_of(&env, repo, &["status"], 0);
    assert!(clean.changed.is_empty());
    write(&repo.join("data/raw.csv"), "changed\n");
    let status: StatusOutput = json_of(&env, repo, &["status"], 1);
    assert_eq!(status.changed.len(), 1);
    assert!(!status.stale_records.is_empty() && !status.stale_outputs.is_empty());
}

#[test]
fn registry_and_demo_match_the_contract() {
    let env = TestEnv::new();
    let (_, report) = shared_demo();
    let demo: DemoOutput = parse("demo", &report.to_string());
    assert_eq!(demo.steps.len(), 12);
    let (dir, _) = demo_repo(&env, "demo");
    let list: RegistryList = json_of(&env, &dir, &["registry", "list"], 0);
    assert_eq!(list.models.len(), 1);
    let shown: RegistryShow = json_of(&env, &dir, &["registry", "show", "fraud-model"], 0);
    assert_eq!(shown.events.len(), 7);
    let resolved: Resolved = json_of(
        &env,
        &dir,
        &["registry", "resolve", "fraud-model@production"],
        0,
    );
    assert_eq!(resolved.stage.as_deref(), Some("production"));
    let pinned: Resolved = json_of(&env, &dir, &["registry", "resolve", "fraud-model@v2"], 0);
    assert!(pinned.stage.is_none());
    let event: RecordOutput = json_of(
        &env,
        &dir,
        &["registry", "deprecate", "fraud-model@v2", "--commit"],
        0,
    );
    assert_eq!(event.record.kind, "registry-deprecate");
}

#[test]
fn emit_matches_the_contract() {
    let env = TestEnv::new();
    let (dir, _) = demo_repo(&env, "demo");
    let emitted: EmitOutput = json_of(
        &env,
        &dir,
        &["emit", "--url", "http://127.0.0.1:1", "--dry-run"],
        0,
    );
    assert!(emitted.dry_run);
    assert_eq!(emitted.url, "http://127.0.0.1:1/api/v1/lineage");
    assert_eq!(emitted.sent.len(), emitted.selected);
    assert!(
        emitted
            .sent
            .iter()
            .all(|s| s.attempts == 0 && s.run_id.len() == 36)
    );
}

#[test]
fn where_and_pointer_artifacts_match_the_contract() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let oid = format!("sha256:{}", "cd".repeat(32));
    write(
        &repo.join("model.bin"),
        format!("version https://git-lfs.github.com/spec/v1\noid {oid}\nsize 9\n"),
    );
    let recorded: RecordOutput = json_of(
        &env,
        &repo,
        &[
            "record",
            "--kind",
            "deploy",
            "--name",
            "api",
            "-i",
            "model.bin",
            "--location",
            "model.bin=s3://models/m.bin?versionId=1",
        ],
        0,
    );
    assert_eq!(
        recorded.record.inputs.as_ref().expect("inputs")[0]
            .pointer
            .as_ref()
            .map(|p| p.digest.as_str()),
        Some(oid.as_str())
    );
    let found: WhereOutput = json_of(&env, &repo, &["where", &oid], 0);
    assert_eq!(found.artifacts.len(), 1);
    assert_eq!(found.artifacts[0].locations[0].source, "record");
    assert_eq!(found.artifacts[0].pointers[0].kind, "lfs");
}
