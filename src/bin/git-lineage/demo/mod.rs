//! `demo`: build a small, realistic lineage repository end to end — an insurance-claims
//! fraud model (raw data, feature processing, a training-set query, training, evaluation)
//! whose numbers are computed here for real, each step recorded and committed by [`capture::record`].

use std::path::{Path, PathBuf};

use serde::Serialize;

use git_lineage::capture::{self, RecordRequest, Recorded};
use git_lineage::record::{Agent, RecordId};
use git_lineage::repo::Repo;
use git_lineage::store::{CONFIG_FILE, LINEAGE_DIR, Store};
use git_lineage::time::Timestamp;
use git_lineage::{Error, Result};

mod data;
mod drift;
mod model;
mod org;
mod project;
mod questions;
mod registry;

pub use org::build as build_org;
pub use questions::DemoQuestion;
pub use registry::DemoRegistry;

use data::{build_training_set, claims_csv, customers_csv, generate, preprocess};
use model::{TestMetrics, TrainMetrics, evaluate, train};
use project::project_files;

/// The identity written to the new repository when none is configured anywhere.
pub const DEMO_AGENT_NAME: &str = "Demo Data Scientist";
/// The e-mail address that goes with [`DEMO_AGENT_NAME`].
pub const DEMO_AGENT_EMAIL: &str = "demo@example.com";

const DATA_SEED: u64 = 0x00C1_A1A5_2026_1122;
const TRAIN_SEED: u64 = 42;
/// The seed of the second training run (`fraud-model` v2).
const TRAIN_SEED_V2: u64 = 7;
const TEST_PERCENT: u64 = 20;
/// The container image the pipeline steps ran in (an illustrative pinned digest).
const IMAGE: &str =
    "python:3.11-slim@sha256:7c5b1f4a9e3d2b8c6a0f1e4d7b9c3a5e8f2d6b0c4a7e1f3d5b9c2a6e8f0d4b7a";

const RAW_CLAIMS: &str = "data/raw/claims.csv";
const RAW_CUSTOMERS: &str = "data/raw/customers.csv";
const FEATURES_CLAIMS: &str = "features/claims.csv";
const FEATURES_CUSTOMERS: &str = "features/customers.csv";
const TRAIN_SET: &str = "data/train.csv";
const TEST_SET: &str = "data/test.csv";
const MODEL: &str = "model/model.json";
const MODEL_V2: &str = "model/model-v2.json";
const REPORT: &str = "reports/evaluation.json";
const PARAMS_FILE: &str = "params.yaml";
const REQUIREMENTS: &str = "requirements.txt";
const PREPROCESS_PY: &str = "pipelines/preprocess.py";
const TRAINING_SET_PY: &str = "pipelines/build_training_set.py";
const TRAIN_PY: &str = "pipelines/train.py";
const EVALUATE_PY: &str = "pipelines/evaluate.py";

/// The SQL the query step runs against the two feature groups (recorded as a param).
const QUERY: &str = "SELECT c.* EXCLUDE (customer_id, fraud), u.* EXCLUDE (customer_id), c.fraud \
FROM claims AS c JOIN customers AS u ON c.customer_id = u.customer_id ORDER BY c.claim_id";

/// What the demo built: the repository, its steps and the model's metrics.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    /// The repository directory (canonical).
    pub dir: PathBuf,
    /// The commit that added the pipeline code, params and environment.
    pub pipeline_commit: String,
    /// The recorded steps, in the order they ran.
    pub steps: Vec<DemoStep>,
    /// How many rows each data set has.
    pub rows: DemoRows,
    /// The model's headline metrics.
    pub metrics: DemoMetrics,
    /// The four feature-lineage questions, answered from history.
    pub questions: Vec<DemoQuestion>,
    /// The model's whole lineage as a Mermaid flowchart.
    pub mermaid: String,
    /// The registry after the registry steps, and the production model's upstream graph.
    pub registry: DemoRegistry,
    /// A new month of claims compared with the production model's training data.
    pub drift: drift::DemoDrift,
}

/// One recorded and committed step.
#[derive(Debug, Clone, Serialize)]
pub struct DemoStep {
    /// The record's kind (`process`, `query`, `train`, `evaluate`, `registry-register`,
    /// `registry-approve`, `registry-promote`, `registry-rollback`).
    pub kind: String,
    /// The record's name.
    pub name: String,
    /// The record's id.
    pub id: RecordId,
    /// The commit that added the record.
    pub commit: Option<String>,
    /// For a registry event: the version and stage it names (`v1`, `v2 production`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Row counts of the generated and derived data sets.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DemoRows {
    /// Raw claims.
    pub claims: usize,
    /// Raw customers.
    pub customers: usize,
    /// Training rows (claims joined with customers).
    pub train: usize,
    /// Test rows.
    pub test: usize,
}

/// The metrics the training and evaluation steps recorded (rounded to 4 decimals).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DemoMetrics {
    /// ROC AUC on the training set.
    pub train_auc: f64,
    /// Mean log loss on the training set.
    pub train_logloss: f64,
    /// ROC AUC on the test set.
    pub auc: f64,
    /// Accuracy on the test set at the decision threshold.
    pub accuracy: f64,
    /// Precision on the test set at the decision threshold.
    pub precision: f64,
    /// Recall on the test set at the decision threshold.
    pub recall: f64,
}

impl DemoReport {
    /// Human-readable lines: what was built, one line per step, and the commands to explore it.
    pub fn summary(&self) -> Vec<String> {
        let dir = git_lineage::render::shell_quote(&self.dir.display().to_string());
        let short = |commit: &str| commit.chars().take(7).collect::<String>();
        let mut out = vec![
            format!("Built a lineage demo in {dir}: an insurance-claims fraud model"),
            format!(
                "({} claims, {} customers; {} training and {} test rows).",
                self.rows.claims, self.rows.customers, self.rows.train, self.rows.test
            ),
            String::new(),
            format!(
                "  {:<17} {:<24} {:<12}  commit {}",
                "code",
                "fraud-detection pipeline",
                "",
                short(&self.pipeline_commit)
            ),
        ];
        for step in &self.steps {
            out.push(format!(
                "  {:<17} {:<24} {}  commit {}{}",
                step.kind,
                step.name,
                step.id.short(),
                short(step.commit.as_deref().unwrap_or("-")),
                step.detail
                    .as_deref()
                    .map(|d| format!("  {d}"))
                    .unwrap_or_default()
            ));
        }
        let m = &self.metrics;
        out.push(String::new());
        out.push(format!(
            "Training: auc {:.4}, logloss {:.4}. Test: auc {:.4}, accuracy {:.4}, precision {:.4}, recall {:.4}.",
            m.train_auc, m.train_logloss, m.auc, m.accuracy, m.precision, m.recall
        ));
        out.push(String::new());
        out.push("Feature lineage, each answered by one command:".into());
        for q in &self.questions {
            out.push(format!("  {}", q.question));
            out.push(format!("    $ {}", q.command));
            let answer = if q.labels.is_empty() {
                "(none)".to_string()
            } else {
                q.labels.join("; ")
            };
            out.push(format!("    {answer}"));
        }
        out.push(String::new());
        out.push(
            "The model's lineage (`git lineage graph model/model.json --format mermaid`):".into(),
        );
        out.push("```mermaid".into());
        out.extend(self.mermaid.lines().map(str::to_string));
        out.push("```".into());
        out.push(String::new());
        out.push("The model registry (`git lineage registry show fraud-model`):".into());
        out.extend(
            self.registry
                .show_lines()
                .into_iter()
                .map(|l| if l.is_empty() { l } else { format!("  {l}") }),
        );
        out.push(String::new());
        out.push(format!(
            "The production model's upstream lineage (`git lineage graph {} --up --format mermaid`):",
            registry::PRODUCTION
        ));
        out.push("```mermaid".into());
        out.extend(self.registry.upstream.lines().map(str::to_string));
        out.push("```".into());
        out.push(String::new());
        out.push(format!(
            "A new month of claims ({} rows, amounts shifted) against the production model's training data:",
            self.drift.rows
        ));
        out.push(format!("    $ {}", self.drift.command));
        out.push(format!(
            "    {} of {} columns drifted: {}",
            self.drift.drifted.len(),
            self.drift.compared_columns,
            self.drift
                .drifted
                .iter()
                .map(|d| format!("{} ({})", d.column, d.reason))
                .collect::<Vec<_>>()
                .join("; ")
        ));
        out.push(String::new());
        out.push("Explore it:".into());
        out.push(format!("  cd {dir}"));
        out.push("  git log --oneline".into());
        for kind in ["train", "evaluate"] {
            if let Some(step) = self.steps.iter().find(|s| s.kind == kind) {
                out.push(format!("  git lineage show {}", step.id.short()));
            }
        }
        out.push("  git lineage log".into());
        out.push("  git lineage impact data/raw/claims.csv".into());
        out.push("  git lineage verify --artifacts --history".into());
        out.push("  git lineage registry show fraud-model".into());
        out.push("  git lineage registry resolve fraud-model@production".into());
        out.push("  git lineage graph model:fraud-model@production --up".into());
        out
    }
}

/// Build the demo repository in `dir` (created if missing; refused with
/// [`Error::DirectoryNotEmpty`] when it exists and is not empty).
///
/// It writes the pipeline code, commits it, generates the raw data (not
/// committed: ignored by `.gitignore` and pinned by hash in the records), then
/// runs and records four steps — `process claims-preprocessing`,
/// `query fraud-training-set`, `train fraud-model` and
/// `evaluate fraud-model-evaluation` — each committed as `lineage: <kind> <name> <short id>`.
/// Then it registers the model as `fraud-model` v1, approves it and promotes
/// it to production; trains a second version (another seed, to
/// `model/model-v2.json`), registers, approves and promotes it; and rolls
/// production back to v1 — every registry event committed too.
///
/// Nothing is rolled back on failure: the error names the file or step, and
/// the directory keeps what was built so far.
pub fn build(dir: &Path) -> Result<DemoReport> {
    prepare_dir(dir)?;
    let fallback = Agent {
        name: DEMO_AGENT_NAME.into(),
        email: DEMO_AGENT_EMAIL.into(),
    };
    let repo = Repo::init(dir, Some(&fallback))?;
    let root = repo.root().to_path_buf();
    Store::new(&root).init()?;

    let mut paths = Vec::new();
    for (rel, text) in project_files() {
        write_file(&root, rel, text.as_bytes())?;
        paths.push(rel.to_string());
    }
    paths.push(format!("{LINEAGE_DIR}/{CONFIG_FILE}"));
    let pipeline_commit =
        repo.commit_paths(&paths, "Add fraud-detection pipeline", &Default::default())?;

    let (customers, claims) = generate(DATA_SEED);
    write_file(&root, RAW_CUSTOMERS, customers_csv(&customers).as_bytes())?;
    write_file(
        &root,
        RAW_CLAIMS,
        claims_csv(&customers, &claims).as_bytes(),
    )?;

    let mut steps = Vec::new();
    let mut add = |recorded: &Recorded| {
        steps.push(DemoStep {
            kind: recorded.record.kind.clone(),
            name: recorded.record.name.clone(),
            id: recorded.id.clone(),
            commit: recorded.commit.clone(),
            detail: registry_detail(&recorded.record),
        })
    };

    let process = record_process(&repo, &root)?;
    add(&process);
    let (query, split) = record_query(&repo, &root, &process)?;
    add(&query);
    let (train, train_metrics) = record_train(&repo, &root, TRAIN_SEED, MODEL, "fraud-model")?;
    add(&train);
    let (evaluate, test_metrics) = record_evaluate(&repo, &root, &train)?;
    add(&evaluate);

    let (questions, mermaid) = questions::answer(&repo)?;

    add(&registry::register(
        &repo,
        MODEL,
        "logistic regression, seed 42",
    )?);
    add(&registry::approve(
        &repo,
        1,
        "test auc and recall reviewed in reports/evaluation.json",
    )?);
    add(&registry::promote(&repo, 1)?);
    let (train_v2, _) = record_train(&repo, &root, TRAIN_SEED_V2, MODEL_V2, "fraud-model")?;
    add(&train_v2);
    add(&registry::register(
        &repo,
        MODEL_V2,
        "logistic regression, retrained with seed 7",
    )?);
    add(&registry::approve(
        &repo,
        2,
        "same features and data as v1",
    )?);
    add(&registry::promote(&repo, 2)?);
    add(&registry::rollback(&repo)?);
    let registry = registry::show(&repo)?;
    let drift = drift::run(&repo, &root)?;

    Ok(DemoReport {
        questions,
        mermaid,
        registry,
        drift,
        dir: root,
        pipeline_commit,
        steps,
        rows: DemoRows {
            claims: claims.len(),
            customers: customers.len(),
            train: split.0,
            test: split.1,
        },
        metrics: DemoMetrics {
            train_auc: train_metrics.auc,
            train_logloss: train_metrics.logloss,
            auc: test_metrics.auc,
            accuracy: test_metrics.accuracy,
            precision: test_metrics.precision,
            recall: test_metrics.recall,
        },
    })
}

/// Refuse a non-empty directory (leaving it untouched); create a missing one.
fn prepare_dir(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() || dir.is_dir() => {
            let mut entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
                action: "read the directory",
                path: dir.to_path_buf(),
                source,
            })?;
            if entries.next().is_some() {
                return Err(Error::DirectoryNotEmpty(dir.to_path_buf()));
            }
            Ok(())
        }
        Ok(_) => Err(Error::InvalidArgument {
            field: "DIR",
            problem: format!("'{}' exists and is not a directory", dir.display()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                action: "create the directory",
                path: dir.to_path_buf(),
                source,
            })
        }
        Err(source) => Err(Error::Io {
            action: "inspect",
            path: dir.to_path_buf(),
            source,
        }),
    }
}

/// Write `bytes` to `root/rel`, creating parent directories.
fn write_file(root: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            action: "create the directory",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(&path, bytes).map_err(|source| Error::Io {
        action: "write",
        path,
        source,
    })
}

/// The bytes of `path`.
fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })
}

/// An error about the contents of a demo data file.
fn bad_data(path: &Path, problem: String) -> Error {
    Error::Io {
        action: "parse",
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, problem),
    }
}

/// A request with the fields every demo step shares.
fn request(kind: &str, name: &str, root: &Path, code: &str, command: &[&str]) -> RecordRequest {
    let mut request = RecordRequest::new(kind, name, root);
    request.code_files.push(PathBuf::from(code));
    request.env_files.push(PathBuf::from(REQUIREMENTS));
    request.image = Some(IMAGE.to_string());
    request.command = command.iter().map(|s| s.to_string()).collect();
    request.commit = true;
    request
}

/// `featurestore://<group>@<first 12 hex of the offline-store file's hash>`.
fn feature_group(root: &Path, group: &str, rel: &str) -> Result<String> {
    let digest = git_lineage::hash::hash_file(&root.join(rel)).map_err(|source| Error::Hash {
        what: "output",
        spec: rel.to_string(),
        source,
    })?;
    let hex = digest.hash.to_hex();
    Ok(format!(
        "featurestore://{group}@{}",
        git_lineage::render::short_id(&hex)
    ))
}

fn record_process(repo: &Repo, root: &Path) -> Result<Recorded> {
    let started = Timestamp::now();
    let (claims_rows, customers_rows) = preprocess(root)?;
    let ended = Timestamp::now();
    let claims_group = feature_group(root, "claims", FEATURES_CLAIMS)?;
    let customers_group = feature_group(root, "customers", FEATURES_CUSTOMERS)?;
    let mut req = request(
        "process",
        "claims-preprocessing",
        root,
        PREPROCESS_PY,
        &[
            "python",
            PREPROCESS_PY,
            "--claims",
            RAW_CLAIMS,
            "--customers",
            RAW_CUSTOMERS,
            "--out-dir",
            "features",
        ],
    );
    req.inputs = vec![
        format!("dataset={RAW_CLAIMS}"),
        format!("dataset={RAW_CUSTOMERS}"),
    ];
    req.outputs = vec![
        format!("features={FEATURES_CLAIMS}"),
        format!("features={FEATURES_CUSTOMERS}"),
        format!("feature-group={claims_group}"),
        format!("feature-group={customers_group}"),
    ];
    req.metrics = vec![
        format!("claims_rows={claims_rows}"),
        format!("customers_rows={customers_rows}"),
    ];
    req.started = Some(started);
    req.ended = Some(ended);
    capture::record(repo, &req)
}

fn record_query(
    repo: &Repo,
    root: &Path,
    process: &Recorded,
) -> Result<(Recorded, (usize, usize))> {
    let started = Timestamp::now();
    let split = build_training_set(root)?;
    let ended = Timestamp::now();
    let fraction = TEST_PERCENT as f64 / 100.0;
    let fraction_text = format!("{fraction:?}");
    let mut req = request(
        "query",
        "fraud-training-set",
        root,
        TRAINING_SET_PY,
        &[
            "python",
            TRAINING_SET_PY,
            "--test-fraction",
            &fraction_text,
            "--out-dir",
            "data",
        ],
    );
    // The feature groups, exactly as the processing step published them.
    req.inputs = process
        .record
        .outputs
        .iter()
        .filter(|a| a.role.as_deref() == Some("feature-group"))
        .filter_map(|a| {
            let uri = a.uri.as_deref()?;
            Some(match &a.version {
                Some(version) => format!("feature-group={uri}@{version}"),
                None => format!("feature-group={uri}"),
            })
        })
        .collect();
    req.outputs = vec![
        format!("dataset={TRAIN_SET}"),
        format!("dataset={TEST_SET}"),
    ];
    req.params = vec![
        format!("test_fraction={fraction_text}"),
        "join_key=customer_id".into(),
        "split=blake3(claim_id) % 100 < test_fraction * 100".into(),
        format!("query={QUERY}"),
    ];
    req.metrics = vec![
        format!("train_rows={}", split.0),
        format!("test_rows={}", split.1),
    ];
    req.started = Some(started);
    req.ended = Some(ended);
    Ok((capture::record(repo, &req)?, split))
}

/// For a registry event: `v1`, `v1 production`, `v2 -> v1 production`.
fn registry_detail(record: &git_lineage::record::Record) -> Option<String> {
    if !record.kind.starts_with("registry-") {
        return None;
    }
    let get = |key: &str| record.params.get(key).map(ToString::to_string);
    let version = get("version").map(|v| format!("v{v}"))?;
    let version = match get("from") {
        Some(from) => format!("v{from} -> {version}"),
        None => version,
    };
    Some(match get("stage") {
        Some(stage) => format!("{version} {stage}"),
        None => version,
    })
}

fn record_train(
    repo: &Repo,
    root: &Path,
    seed: u64,
    out: &str,
    name: &str,
) -> Result<(Recorded, TrainMetrics)> {
    let started = Timestamp::now();
    let metrics = train(root, seed, out)?;
    let ended = Timestamp::now();
    let mut req = request(
        "train",
        name,
        root,
        TRAIN_PY,
        &[
            "python",
            TRAIN_PY,
            "--params",
            PARAMS_FILE,
            "--train",
            TRAIN_SET,
            "--out",
            out,
            "--seed",
            &seed.to_string(),
        ],
    );
    req.inputs = vec![format!("dataset={TRAIN_SET}")];
    req.outputs = vec![format!("model={out}")];
    req.params_files = vec![PathBuf::from(PARAMS_FILE)];
    req.seed = Some(seed);
    req.metrics = vec![
        format!("train_auc={:?}", metrics.auc),
        format!("train_logloss={:?}", metrics.logloss),
    ];
    req.started = Some(started);
    req.ended = Some(ended);
    Ok((capture::record(repo, &req)?, metrics))
}

fn record_evaluate(repo: &Repo, root: &Path, train: &Recorded) -> Result<(Recorded, TestMetrics)> {
    let started = Timestamp::now();
    let metrics = evaluate(root)?;
    let ended = Timestamp::now();
    let mut req = request(
        "evaluate",
        "fraud-model-evaluation",
        root,
        EVALUATE_PY,
        &[
            "python",
            EVALUATE_PY,
            "--model",
            MODEL,
            "--test",
            TEST_SET,
            "--out",
            REPORT,
        ],
    );
    req.inputs = vec![format!("model={MODEL}"), format!("dataset={TEST_SET}")];
    req.outputs = vec![format!("report={REPORT}")];
    req.params = vec![format!("threshold={:?}", metrics.threshold)];
    req.metrics = vec![
        format!("auc={:?}", metrics.auc),
        format!("accuracy={:?}", metrics.accuracy),
        format!("precision={:?}", metrics.precision),
        format!("recall={:?}", metrics.recall),
    ];
    req.references = vec![train.id.to_string()];
    req.started = Some(started);
    req.ended = Some(ended);
    Ok((capture::record(repo, &req)?, metrics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_and_summary() {
        let id = RecordId::of_bytes(b"x");
        let report = DemoReport {
            dir: PathBuf::from("/tmp/demo"),
            pipeline_commit: "0123456789abcdef0123456789abcdef01234567".into(),
            steps: vec![DemoStep {
                kind: "evaluate".into(),
                name: "fraud-model-evaluation".into(),
                id: id.clone(),
                commit: None,
                detail: None,
            }],
            rows: DemoRows {
                claims: 2,
                customers: 1,
                train: 1,
                test: 1,
            },
            metrics: DemoMetrics {
                train_auc: 0.9,
                train_logloss: 0.3,
                auc: 0.8,
                accuracy: 0.7,
                precision: 0.6,
                recall: 0.5,
            },
            questions: vec![DemoQuestion {
                question: "Which models use it?".into(),
                command: "git lineage graph featurestore://claims --down --type model".into(),
                answer: vec!["blake3:ab".into()],
                labels: vec!["model/model.json (blake3:ab)".into()],
            }],
            mermaid: "flowchart LR\n  n0[\"x\"]\n".into(),
            registry: DemoRegistry {
                model: git_lineage::registry::Model {
                    name: "fraud-model".into(),
                    ..Default::default()
                },
                events: Vec::new(),
                production: git_lineage::registry::Resolved {
                    model: "fraud-model".into(),
                    version: "v1".into(),
                    stage: Some("production".into()),
                    path: None,
                    hash: None,
                    record: id.clone(),
                    produced_by: None,
                    produced_in: None,
                },
                upstream: "flowchart LR\n  n1[\"y\"]\n".into(),
            },
            drift: drift::DemoDrift {
                command: "git lineage drift model:fraud-model@production m.csv".into(),
                current: "m.csv".into(),
                rows: 400,
                drifted: vec![drift::DemoDriftedColumn {
                    column: "amount".into(),
                    reason: "KS p 1e-9 < 0.05".into(),
                }],
                compared_columns: 25,
            },
        };
        let lines = report.summary();
        let at = |text: &str| lines.iter().position(|l| l == text);
        let question = at("  Which models use it?").expect("the question is printed");
        assert_eq!(
            lines[question + 1],
            "    $ git lineage graph featurestore://claims --down --type model"
        );
        assert_eq!(lines[question + 2], "    model/model.json (blake3:ab)");
        let fence = at("```mermaid").expect("a mermaid block");
        assert_eq!(lines[fence + 1], "flowchart LR");
        assert_eq!(lines[fence + 3], "```");
        assert!(lines.contains(&"  cd /tmp/demo".to_string()));
        assert!(lines.contains(&format!("  git lineage show {}", id.short())));
        assert!(lines.iter().any(|l| l.contains("fraud-model-evaluation")));
        assert!(lines.contains(&"  model fraud-model".to_string()));
        assert!(lines.contains(&"  n1[\"y\"]".to_string()));
        assert!(
            lines.contains(&"  git lineage graph model:fraud-model@production --up".to_string())
        );
        assert!(
            lines.contains(&"    1 of 25 columns drifted: amount (KS p 1e-9 < 0.05)".to_string())
        );
    }
}
