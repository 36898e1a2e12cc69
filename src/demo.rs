//! `demo`: build a small, realistic lineage repository end to end — an insurance-claims
//! fraud model (raw data, feature processing, a training-set query, training, evaluation)
//! whose numbers are computed here for real, each step recorded and committed by [`capture::record`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::capture::{self, RecordRequest, Recorded};
use crate::record::{Agent, RecordId};
use crate::repo::Repo;
use crate::store::{CONFIG_FILE, LINEAGE_DIR, Store};
use crate::time::Timestamp;
use crate::{Error, Result};

/// The identity written to the new repository when none is configured anywhere.
pub const DEMO_AGENT_NAME: &str = "Demo Data Scientist";
/// The e-mail address that goes with [`DEMO_AGENT_NAME`].
pub const DEMO_AGENT_EMAIL: &str = "demo@example.com";

const DATA_SEED: u64 = 0x00C1_A1A5_2026_1122;
const TRAIN_SEED: u64 = 42;
const CUSTOMERS: usize = 1000;
const CLAIMS: usize = 2000;
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
}

/// One recorded and committed step.
#[derive(Debug, Clone, Serialize)]
pub struct DemoStep {
    /// The record's kind (`process`, `query`, `train`, `evaluate`).
    pub kind: String,
    /// The record's name.
    pub name: String,
    /// The record's id.
    pub id: RecordId,
    /// The commit that added the record.
    pub commit: Option<String>,
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
        let dir = shell_quote(&self.dir.display().to_string());
        let short = |commit: &str| commit.chars().take(7).collect::<String>();
        let mut out = vec![
            format!("Built a lineage demo in {dir}: an insurance-claims fraud model"),
            format!(
                "({} claims, {} customers; {} training and {} test rows).",
                self.rows.claims, self.rows.customers, self.rows.train, self.rows.test
            ),
            String::new(),
            format!(
                "  {:<9} {:<24} {:<12}  commit {}",
                "code",
                "fraud-detection pipeline",
                "",
                short(&self.pipeline_commit)
            ),
        ];
        for step in &self.steps {
            out.push(format!(
                "  {:<9} {:<24} {}  commit {}",
                step.kind,
                step.name,
                step.id.short(),
                short(step.commit.as_deref().unwrap_or("-"))
            ));
        }
        let m = &self.metrics;
        out.push(String::new());
        out.push(format!(
            "Training: auc {:.4}, logloss {:.4}. Test: auc {:.4}, accuracy {:.4}, precision {:.4}, recall {:.4}.",
            m.train_auc, m.train_logloss, m.auc, m.accuracy, m.precision, m.recall
        ));
        out.push(String::new());
        out.push("Explore it:".into());
        out.push(format!("  cd {dir}"));
        out.push("  git log --oneline".into());
        out.push("  git lineage show name:fraud-model".into());
        if let Some(eval) = self.steps.iter().find(|s| s.kind == "evaluate") {
            out.push(format!("  git lineage show {}", eval.id.short()));
        }
        out.push("  git lineage verify --artifacts".into());
        out
    }
}

/// Quote `text` for a POSIX shell when it holds anything but safe characters.
fn shell_quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:,@%=".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
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
    let pipeline_commit = repo.commit_paths(&paths, "Add fraud-detection pipeline")?;

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
        })
    };

    let process = record_process(&repo, &root)?;
    add(&process);
    let (query, split) = record_query(&repo, &root, &process)?;
    add(&query);
    let (train, train_metrics) = record_train(&repo, &root)?;
    add(&train);
    let (evaluate, test_metrics) = record_evaluate(&repo, &root, &train)?;
    add(&evaluate);

    Ok(DemoReport {
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
    let digest = crate::hash::hash_file(&root.join(rel)).map_err(|source| Error::Hash {
        what: "output",
        spec: rel.to_string(),
        source,
    })?;
    let hex = digest.hash.to_hex();
    Ok(format!("featurestore://{group}@{}", &hex[..12]))
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

/// The hyperparameters in `params.yaml`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hyper {
    learning_rate: f64,
    epochs: usize,
    batch_size: usize,
    l2: f64,
    threshold: f64,
}

fn read_hyper(root: &Path) -> Result<Hyper> {
    let path = root.join(PARAMS_FILE);
    let map = crate::params::load_file(&path)?;
    let number = |key: &str| {
        map.get(key)
            .and_then(crate::params::Value::as_f64)
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad_data(&path, format!("'{key}' must be a number")))
    };
    let count = |key: &str| {
        let x = number(key)?;
        if x >= 1.0 && x.fract() == 0.0 {
            Ok(x as usize)
        } else {
            Err(bad_data(
                &path,
                format!("'{key}' must be a positive integer"),
            ))
        }
    };
    Ok(Hyper {
        learning_rate: number("learning_rate")?,
        epochs: count("epochs")?,
        batch_size: count("batch_size")?,
        l2: number("l2")?,
        threshold: number("threshold")?,
    })
}

fn record_train(repo: &Repo, root: &Path) -> Result<(Recorded, TrainMetrics)> {
    let started = Timestamp::now();
    let metrics = train(root)?;
    let ended = Timestamp::now();
    let mut req = request(
        "train",
        "fraud-model",
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
            MODEL,
        ],
    );
    req.inputs = vec![format!("dataset={TRAIN_SET}")];
    req.outputs = vec![format!("model={MODEL}")];
    req.params_files = vec![PathBuf::from(PARAMS_FILE)];
    req.seed = Some(TRAIN_SEED);
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

// ---------------------------------------------------------------------------
// Deterministic data generation.

/// SplitMix64: a tiny, well-mixed PRNG whose output is fixed by its seed on
/// every platform (integer arithmetic only).
#[derive(Debug, Clone)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n) (Lemire's multiply-shift; n = 0 gives 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Approximately standard normal (Irwin–Hall: twelve uniforms minus six),
    /// so the data need no platform-dependent transcendental functions.
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.next_f64()).sum::<f64>() - 6.0
    }

    /// An index drawn with the given relative weights.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.next_f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// Fisher–Yates shuffle.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

const STATES: [(&str, f64); 6] = [
    ("CA", 0.38),
    ("WA", 0.2),
    ("AZ", 0.13),
    ("OR", 0.12),
    ("NV", 0.11),
    ("ID", 0.06),
];
const DEDUCTABLES: [(u32, f64); 3] = [(500, 0.35), (1000, 0.45), (2000, 0.2)];
const CLAIMS_PAST_YEAR: [(u32, f64); 5] = [(0, 0.62), (1, 0.25), (2, 0.09), (3, 0.03), (4, 0.01)];
const INSURERS: [(u32, f64); 5] = [(1, 0.55), (2, 0.26), (3, 0.12), (4, 0.05), (5, 0.02)];
/// Raw value, feature-column suffix, weight.
const INCIDENT_TYPES: [(&str, &str, f64); 4] = [
    ("Collision", "collision", 0.55),
    ("Theft", "theft", 0.15),
    ("Break-in", "breakin", 0.18),
    ("Vandalism", "vandalism", 0.12),
];
/// Raw value, ordinal feature value, weight, typical vehicle damage in dollars.
const SEVERITIES: [(&str, f64, f64, f64); 3] = [
    ("Minor", 0.0, 0.5, 3_000.0),
    ("Major", 0.5, 0.35, 12_000.0),
    ("Totaled", 1.0, 0.15, 25_000.0),
];
const COLLISION_TYPES: [(&str, &str); 3] = [("Front", "front"), ("Rear", "rear"), ("Side", "side")];

fn pick<T: Copy, const N: usize>(rng: &mut SplitMix64, table: &[(T, f64); N]) -> T {
    let weights = table.map(|(_, w)| w);
    table[rng.weighted(&weights).min(N.saturating_sub(1))].0
}

#[derive(Debug, Clone)]
struct Customer {
    age: u32,
    months_as_customer: u32,
    num_claims_past_year: u32,
    num_insurers_past_5_years: u32,
    policy_state: &'static str,
    policy_deductable: u32,
    policy_annual_premium: f64,
}

#[derive(Debug, Clone)]
struct Claim {
    customer: usize,
    incident_type: usize,
    incident_severity: usize,
    collision_type: Option<usize>,
    injury_claim: u32,
    vehicle_claim: u32,
    police_report_available: bool,
    fraud: bool,
}

impl Claim {
    fn total(&self) -> u32 {
        self.injury_claim + self.vehicle_claim
    }
}

fn customer_id(i: usize) -> String {
    format!("C{:05}", i + 1)
}

fn claim_id(i: usize) -> String {
    format!("CL{:06}", i + 1)
}

/// Generate the raw customers and claims. Fraud follows a probit model of a
/// few features (more insurers and past claims, no police report, thefts,
/// large and injury-heavy claims, young or new customers) plus normal noise,
/// so a linear model can learn much of it but not all.
fn generate(seed: u64) -> (Vec<Customer>, Vec<Claim>) {
    let mut rng = SplitMix64::new(seed);
    let customers: Vec<Customer> = (0..CUSTOMERS)
        .map(|_| {
            let age = (44.0 + 13.0 * rng.normal()).round().clamp(18.0, 85.0) as u32;
            let max_months = ((age - 17) * 12).min(480);
            let months_as_customer = 1 + rng.below(u64::from(max_months)) as u32;
            let policy_deductable = pick(&mut rng, &DEDUCTABLES);
            let premium = 1_150.0 + 240.0 * rng.normal() - 0.12 * f64::from(policy_deductable);
            Customer {
                age,
                months_as_customer,
                num_claims_past_year: pick(&mut rng, &CLAIMS_PAST_YEAR),
                num_insurers_past_5_years: pick(&mut rng, &INSURERS),
                policy_state: pick(&mut rng, &STATES),
                policy_deductable,
                policy_annual_premium: (premium.max(420.0) * 100.0).round() / 100.0,
            }
        })
        .collect();
    let incident_weights = INCIDENT_TYPES.map(|t| t.2);
    let severity_weights = SEVERITIES.map(|s| s.2);
    let claims = (0..CLAIMS)
        .map(|_| {
            let customer = rng.below(CUSTOMERS as u64) as usize;
            let c = &customers[customer];
            let incident_type = rng.weighted(&incident_weights);
            let incident_severity = rng.weighted(&severity_weights);
            let collision = incident_type == 0;
            let collision_type =
                collision.then(|| rng.below(COLLISION_TYPES.len() as u64) as usize);
            let base = SEVERITIES[incident_severity].3;
            let vehicle_claim = (base * (0.6 + 0.8 * rng.next_f64()) / 10.0).round() * 10.0;
            let injury_claim = if collision {
                (vehicle_claim * (0.05 + 0.45 * rng.next_f64()) / 10.0).round() * 10.0
            } else {
                0.0
            };
            let police_report_available = rng.next_f64() < 0.68;
            let total = vehicle_claim + injury_claim;
            let latent = -2.3
                + 0.55 * f64::from(c.num_insurers_past_5_years - 1)
                + 0.45 * f64::from(c.num_claims_past_year)
                + if police_report_available { 0.0 } else { 0.75 }
                + match incident_type {
                    1 => 0.7,
                    2 => 0.35,
                    _ => 0.0,
                }
                + if incident_severity == 1 { 0.35 } else { 0.0 }
                + 0.45 * (total - 14_000.0) / 10_000.0
                + if total > 0.0 && injury_claim / total > 0.3 {
                    0.5
                } else {
                    0.0
                }
                - 0.2 * f64::from(c.months_as_customer) / 120.0
                + if c.age < 25 { 0.4 } else { 0.0 }
                + rng.normal();
            Claim {
                customer,
                incident_type,
                incident_severity,
                collision_type,
                injury_claim: injury_claim as u32,
                vehicle_claim: vehicle_claim as u32,
                police_report_available,
                fraud: latent > 0.0,
            }
        })
        .collect();
    (customers, claims)
}

fn customers_csv(customers: &[Customer]) -> String {
    let mut out = String::from(
        "customer_id,age,months_as_customer,num_claims_past_year,num_insurers_past_5_years,\
policy_state,policy_deductable,policy_annual_premium\n",
    );
    for (i, c) in customers.iter().enumerate() {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{:.2}",
            customer_id(i),
            c.age,
            c.months_as_customer,
            c.num_claims_past_year,
            c.num_insurers_past_5_years,
            c.policy_state,
            c.policy_deductable,
            c.policy_annual_premium
        );
    }
    out
}

fn claims_csv(customers: &[Customer], claims: &[Claim]) -> String {
    let mut out = String::from(
        "claim_id,customer_id,incident_type,incident_severity,collision_type,total_claim_amount,\
injury_claim,vehicle_claim,police_report_available,fraud\n",
    );
    for (i, c) in claims.iter().enumerate() {
        let customer = customer_id(c.customer.min(customers.len().saturating_sub(1)));
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            claim_id(i),
            customer,
            INCIDENT_TYPES[c.incident_type].0,
            SEVERITIES[c.incident_severity].0,
            c.collision_type.map_or("NA", |t| COLLISION_TYPES[t].0),
            c.total(),
            c.injury_claim,
            c.vehicle_claim,
            if c.police_report_available {
                "YES"
            } else {
                "NO"
            },
            u8::from(c.fraud)
        );
    }
    out
}

// ---------------------------------------------------------------------------
// A small CSV table (no quoting: the demo's values never contain commas).

struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(root: &Path, rel: &str) -> Result<Table> {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            action: "read",
            path: path.clone(),
            source,
        })?;
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .ok_or_else(|| bad_data(&path, "the file is empty".into()))?
            .split(',')
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for (n, line) in lines.enumerate() {
            let row: Vec<String> = line.split(',').map(str::to_string).collect();
            if row.len() != header.len() {
                return Err(bad_data(
                    &path,
                    format!(
                        "line {}: {} fields, the header has {}",
                        n + 2,
                        row.len(),
                        header.len()
                    ),
                ));
            }
            rows.push(row);
        }
        Ok(Table { path, header, rows })
    }

    fn column(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad_data(&self.path, format!("no column '{name}'")))
    }

    fn number(&self, row: usize, col: usize) -> Result<f64> {
        let text = self.rows[row][col].as_str();
        text.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                bad_data(
                    &self.path,
                    format!(
                        "line {}: column '{}': '{text}' is not a number",
                        row + 2,
                        self.header[col]
                    ),
                )
            })
    }

    fn numbers(&self, name: &str) -> Result<Vec<f64>> {
        let col = self.column(name)?;
        (0..self.rows.len()).map(|r| self.number(r, col)).collect()
    }

    fn texts(&self, name: &str) -> Result<Vec<&str>> {
        let col = self.column(name)?;
        Ok(self.rows.iter().map(|r| r[col].as_str()).collect())
    }
}

/// Six decimals, without a negative zero.
fn fmt6(x: f64) -> String {
    let text = format!("{x:.6}");
    if text == "-0.000000" {
        "0.000000".into()
    } else {
        text
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Population z-scores (a constant column scales to zeros).
fn zscores(values: &[f64]) -> Vec<f64> {
    let (mean, std) = mean_std(values);
    values.iter().map(|x| (x - mean) / std).collect()
}

/// Mean and population standard deviation; a zero deviation is reported as 1.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    let std = var.sqrt();
    (mean, if std > 0.0 { std } else { 1.0 })
}

fn one_hot(flag: bool) -> &'static str {
    if flag { "1" } else { "0" }
}

// ---------------------------------------------------------------------------
// Step computations (what pipelines/*.py do).

/// `pipelines/preprocess.py`: the claims and customers feature tables.
fn preprocess(root: &Path) -> Result<(usize, usize)> {
    let claims = Table::read(root, RAW_CLAIMS)?;
    let types = claims.texts("incident_type")?;
    let severities = claims.texts("incident_severity")?;
    let collisions = claims.texts("collision_type")?;
    let police = claims.texts("police_report_available")?;
    let ids = claims.texts("claim_id")?;
    let customer_ids = claims.texts("customer_id")?;
    let fraud = claims.texts("fraud")?;
    let totals = claims.numbers("total_claim_amount")?;
    let injuries = claims.numbers("injury_claim")?;
    let totals_z = zscores(&totals);

    let mut out = String::from("claim_id,customer_id");
    for (_, suffix, _) in INCIDENT_TYPES {
        let _ = write!(out, ",incident_type_{suffix}");
    }
    out.push_str(",incident_severity");
    for (_, suffix) in COLLISION_TYPES {
        let _ = write!(out, ",collision_type_{suffix}");
    }
    out.push_str(",total_claim_amount_z,injury_share,police_report_available,fraud\n");
    for r in 0..claims.rows.len() {
        let _ = write!(out, "{},{}", ids[r], customer_ids[r]);
        for (value, _, _) in INCIDENT_TYPES {
            let _ = write!(out, ",{}", one_hot(types[r] == value));
        }
        let severity = SEVERITIES
            .iter()
            .find(|s| s.0 == severities[r])
            .ok_or_else(|| {
                bad_data(
                    &claims.path,
                    format!(
                        "line {}: unknown incident_severity '{}'",
                        r + 2,
                        severities[r]
                    ),
                )
            })?;
        let _ = write!(out, ",{}", fmt6(severity.1));
        for (value, _) in COLLISION_TYPES {
            let _ = write!(out, ",{}", one_hot(collisions[r] == value));
        }
        let injury_share = if totals[r] > 0.0 {
            injuries[r] / totals[r]
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            ",{},{},{},{}",
            fmt6(totals_z[r]),
            fmt6(injury_share),
            one_hot(police[r] == "YES"),
            fraud[r]
        );
    }
    write_file(root, FEATURES_CLAIMS, out.as_bytes())?;

    let customers = Table::read(root, RAW_CUSTOMERS)?;
    let ids = customers.texts("customer_id")?;
    let ages = customers.numbers("age")?;
    let months = customers.numbers("months_as_customer")?;
    let past_claims = customers.texts("num_claims_past_year")?;
    let insurers = customers.texts("num_insurers_past_5_years")?;
    let states = customers.texts("policy_state")?;
    let deductables = customers.numbers("policy_deductable")?;
    let premiums = customers.numbers("policy_annual_premium")?;
    let (ages_z, months_z, premiums_z) = (zscores(&ages), zscores(&months), zscores(&premiums));
    let mut out = String::from(
        "customer_id,age_z,months_as_customer_z,tenure_share,num_claims_past_year,num_insurers_past_5_years",
    );
    for (state, _) in STATES {
        let _ = write!(out, ",policy_state_{}", state.to_ascii_lowercase());
    }
    out.push_str(",policy_deductable_k,policy_annual_premium_z\n");
    for r in 0..customers.rows.len() {
        let adult_months = ((ages[r] - 16.0) * 12.0).max(1.0);
        let tenure_share = (months[r] / adult_months).min(1.0);
        let _ = write!(
            out,
            "{},{},{},{},{},{}",
            ids[r],
            fmt6(ages_z[r]),
            fmt6(months_z[r]),
            fmt6(tenure_share),
            past_claims[r],
            insurers[r]
        );
        for (state, _) in STATES {
            let _ = write!(out, ",{}", one_hot(states[r] == state));
        }
        let _ = writeln!(
            out,
            ",{},{}",
            fmt6(deductables[r] / 1000.0),
            fmt6(premiums_z[r])
        );
    }
    write_file(root, FEATURES_CUSTOMERS, out.as_bytes())?;
    Ok((claims.rows.len(), customers.rows.len()))
}

/// True when a claim belongs to the test set: a stable hash split, so a claim
/// never moves between train and test as new claims arrive.
fn in_test_set(claim_id: &str) -> bool {
    let hash = blake3::hash(claim_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_le_bytes(first) % 100 < TEST_PERCENT
}

/// `pipelines/build_training_set.py`: join the feature groups, split 80/20.
fn build_training_set(root: &Path) -> Result<(usize, usize)> {
    let claims = Table::read(root, FEATURES_CLAIMS)?;
    let customers = Table::read(root, FEATURES_CUSTOMERS)?;
    let claim_key = claims.column("customer_id")?;
    let claim_id_col = claims.column("claim_id")?;
    let fraud_col = claims.column("fraud")?;
    let customer_key = customers.column("customer_id")?;
    let by_customer: HashMap<&str, &Vec<String>> = customers
        .rows
        .iter()
        .map(|row| (row[customer_key].as_str(), row))
        .collect();

    let claim_cols: Vec<usize> = (0..claims.header.len())
        .filter(|&c| c != claim_key && c != fraud_col && c != claim_id_col)
        .collect();
    let customer_cols: Vec<usize> = (0..customers.header.len())
        .filter(|&c| c != customer_key)
        .collect();
    let mut header = vec!["claim_id"];
    header.extend(claim_cols.iter().map(|&c| claims.header[c].as_str()));
    header.extend(customer_cols.iter().map(|&c| customers.header[c].as_str()));
    header.push("fraud");
    let header = header.join(",") + "\n";

    let mut order: Vec<usize> = (0..claims.rows.len()).collect();
    order.sort_by(|&a, &b| claims.rows[a][claim_id_col].cmp(&claims.rows[b][claim_id_col]));
    let (mut train, mut test) = (header.clone(), header);
    let (mut train_rows, mut test_rows) = (0, 0);
    for r in order {
        let row = &claims.rows[r];
        let Some(customer) = by_customer.get(row[claim_key].as_str()) else {
            continue; // inner join
        };
        let mut fields = vec![row[claim_id_col].as_str()];
        fields.extend(claim_cols.iter().map(|&c| row[c].as_str()));
        fields.extend(customer_cols.iter().map(|&c| customer[c].as_str()));
        fields.push(row[fraud_col].as_str());
        let line = fields.join(",") + "\n";
        if in_test_set(&row[claim_id_col]) {
            test.push_str(&line);
            test_rows += 1;
        } else {
            train.push_str(&line);
            train_rows += 1;
        }
    }
    write_file(root, TRAIN_SET, train.as_bytes())?;
    write_file(root, TEST_SET, test.as_bytes())?;
    Ok((train_rows, test_rows))
}

/// A feature matrix with labels, read from a training-set file.
struct Dataset {
    features: Vec<String>,
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
}

impl Dataset {
    fn read(root: &Path, rel: &str) -> Result<Dataset> {
        let table = Table::read(root, rel)?;
        let id_col = table.column("claim_id")?;
        let label_col = table.column("fraud")?;
        let cols: Vec<usize> = (0..table.header.len())
            .filter(|&c| c != id_col && c != label_col)
            .collect();
        let mut x = Vec::with_capacity(table.rows.len());
        let mut y = Vec::with_capacity(table.rows.len());
        for r in 0..table.rows.len() {
            x.push(
                cols.iter()
                    .map(|&c| table.number(r, c))
                    .collect::<Result<Vec<f64>>>()?,
            );
            let label = table.number(r, label_col)?;
            if label != 0.0 && label != 1.0 {
                return Err(bad_data(
                    &table.path,
                    format!("line {}: fraud must be 0 or 1, not {label}", r + 2),
                ));
            }
            y.push(label);
        }
        Ok(Dataset {
            features: cols.iter().map(|&c| table.header[c].clone()).collect(),
            x,
            y,
        })
    }
}

/// `model/model.json`: a standardised logistic regression.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Model {
    model_type: String,
    features: Vec<String>,
    means: Vec<f64>,
    stds: Vec<f64>,
    weights: Vec<f64>,
    bias: f64,
    threshold: f64,
    training: TrainingInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TrainingInfo {
    rows: usize,
    positives: usize,
    learning_rate: f64,
    epochs: usize,
    batch_size: usize,
    l2: f64,
    seed: u64,
}

impl Model {
    fn score(&self, row: &[f64]) -> f64 {
        let z = row
            .iter()
            .zip(&self.means)
            .zip(&self.stds)
            .zip(&self.weights)
            .map(|(((x, m), s), w)| w * (x - m) / s)
            .sum::<f64>()
            + self.bias;
        sigmoid(z)
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Fit a logistic regression by mini-batch gradient descent on standardised
/// features, with L2 on the weights and a seeded shuffle per epoch.
fn fit_logistic(
    x: &[Vec<f64>],
    y: &[f64],
    hyper: &Hyper,
    seed: u64,
) -> (Vec<f64>, Vec<f64>, Vec<f64>, f64) {
    let d = x.first().map_or(0, Vec::len);
    let (means, stds): (Vec<f64>, Vec<f64>) = (0..d)
        .map(|j| mean_std(&x.iter().map(|row| row[j]).collect::<Vec<_>>()))
        .unzip();
    let z: Vec<Vec<f64>> = x
        .iter()
        .map(|row| (0..d).map(|j| (row[j] - means[j]) / stds[j]).collect())
        .collect();
    let mut weights = vec![0.0; d];
    let mut bias = 0.0;
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..x.len()).collect();
    let batch_size = hyper.batch_size.max(1);
    for _ in 0..hyper.epochs {
        rng.shuffle(&mut order);
        for batch in order.chunks(batch_size) {
            let mut grad = vec![0.0; d];
            let mut grad_bias = 0.0;
            for &i in batch {
                let p = sigmoid(dot(&weights, &z[i]) + bias);
                let error = p - y[i];
                for (g, v) in grad.iter_mut().zip(&z[i]) {
                    *g += error * v;
                }
                grad_bias += error;
            }
            let m = batch.len() as f64;
            for (w, g) in weights.iter_mut().zip(&grad) {
                *w -= hyper.learning_rate * (g / m + hyper.l2 * *w);
            }
            bias -= hyper.learning_rate * grad_bias / m;
        }
    }
    (means, stds, weights, bias)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// ROC AUC by the Mann–Whitney rank statistic, ties counted half; `None`
/// unless both classes are present.
fn roc_auc(scores: &[f64], labels: &[f64]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len().min(labels.len())).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let positives = order.iter().filter(|&&i| labels[i] > 0.5).count() as f64;
    let negatives = order.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start..end (1-based start+1..=end) share their average.
        let average = (start + 1 + end) as f64 / 2.0;
        let tied_positives = order[start..end]
            .iter()
            .filter(|&&i| labels[i] > 0.5)
            .count();
        rank_sum += average * tied_positives as f64;
        start = end;
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// Mean binary cross-entropy, probabilities clipped to [1e-12, 1 - 1e-12].
fn log_loss(scores: &[f64], labels: &[f64]) -> f64 {
    let n = scores.len().min(labels.len()).max(1) as f64;
    scores
        .iter()
        .zip(labels)
        .map(|(p, y)| {
            let p = p.clamp(1e-12, 1.0 - 1e-12);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum::<f64>()
        / n
}

#[derive(Debug, Clone, Copy)]
struct TrainMetrics {
    auc: f64,
    logloss: f64,
}

/// `pipelines/train.py`: fit the model on data/train.csv, write model/model.json.
fn train(root: &Path) -> Result<TrainMetrics> {
    let hyper = read_hyper(root)?;
    let data = Dataset::read(root, TRAIN_SET)?;
    let (means, stds, weights, bias) = fit_logistic(&data.x, &data.y, &hyper, TRAIN_SEED);
    let model = Model {
        model_type: "logistic_regression".into(),
        features: data.features.clone(),
        means,
        stds,
        weights,
        bias,
        threshold: hyper.threshold,
        training: TrainingInfo {
            rows: data.y.len(),
            positives: data.y.iter().filter(|&&y| y > 0.5).count(),
            learning_rate: hyper.learning_rate,
            epochs: hyper.epochs,
            batch_size: hyper.batch_size,
            l2: hyper.l2,
            seed: TRAIN_SEED,
        },
    };
    let scores: Vec<f64> = data.x.iter().map(|row| model.score(row)).collect();
    let path = root.join(TRAIN_SET);
    let auc = roc_auc(&scores, &data.y)
        .ok_or_else(|| bad_data(&path, "the training set needs both classes".into()))?;
    write_json(root, MODEL, &model)?;
    Ok(TrainMetrics {
        auc: round4(auc),
        logloss: round4(log_loss(&scores, &data.y)),
    })
}

fn write_json<T: Serialize>(root: &Path, rel: &str, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Io {
        action: "serialise",
        path: root.join(rel),
        source: e.into(),
    })?;
    bytes.push(b'\n');
    write_file(root, rel, &bytes)
}

#[derive(Debug, Clone, Copy, Serialize)]
struct TestMetrics {
    auc: f64,
    accuracy: f64,
    precision: f64,
    recall: f64,
    #[serde(skip)]
    threshold: f64,
}

/// `reports/evaluation.json`.
#[derive(Debug, Clone, Serialize)]
struct Evaluation<'a> {
    model: &'a str,
    dataset: &'a str,
    rows: usize,
    positives: usize,
    threshold: f64,
    metrics: TestMetrics,
    confusion_matrix: Confusion,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
struct Confusion {
    true_positives: usize,
    false_positives: usize,
    true_negatives: usize,
    false_negatives: usize,
}

impl Confusion {
    fn at(scores: &[f64], labels: &[f64], threshold: f64) -> Confusion {
        let mut c = Confusion::default();
        for (score, label) in scores.iter().zip(labels) {
            match (*score >= threshold, *label > 0.5) {
                (true, true) => c.true_positives += 1,
                (true, false) => c.false_positives += 1,
                (false, false) => c.true_negatives += 1,
                (false, true) => c.false_negatives += 1,
            }
        }
        c
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// `pipelines/evaluate.py`: score data/test.csv with model/model.json, write the report.
fn evaluate(root: &Path) -> Result<TestMetrics> {
    let model_path = root.join(MODEL);
    let bytes = std::fs::read(&model_path).map_err(|source| Error::Io {
        action: "read",
        path: model_path.clone(),
        source,
    })?;
    let model: Model =
        serde_json::from_slice(&bytes).map_err(|e| bad_data(&model_path, e.to_string()))?;
    let data = Dataset::read(root, TEST_SET)?;
    if data.features != model.features
        || model.means.len() != model.features.len()
        || model.stds.len() != model.features.len()
        || model.weights.len() != model.features.len()
    {
        return Err(bad_data(
            &model_path,
            format!("the model's features do not match the columns of {TEST_SET}"),
        ));
    }
    let scores: Vec<f64> = data.x.iter().map(|row| model.score(row)).collect();
    let auc = roc_auc(&scores, &data.y).ok_or_else(|| {
        bad_data(
            &root.join(TEST_SET),
            "the test set needs both classes".into(),
        )
    })?;
    let c = Confusion::at(&scores, &data.y, model.threshold);
    let metrics = TestMetrics {
        auc: round4(auc),
        accuracy: round4(ratio(c.true_positives + c.true_negatives, scores.len())),
        precision: round4(ratio(
            c.true_positives,
            c.true_positives + c.false_positives,
        )),
        recall: round4(ratio(
            c.true_positives,
            c.true_positives + c.false_negatives,
        )),
        threshold: model.threshold,
    };
    let report = Evaluation {
        model: MODEL,
        dataset: TEST_SET,
        rows: scores.len(),
        positives: c.true_positives + c.false_negatives,
        threshold: model.threshold,
        metrics,
        confusion_matrix: c,
    };
    write_json(root, REPORT, &report)?;
    Ok(metrics)
}

// ---------------------------------------------------------------------------
// The project files committed before the first step.

fn project_files() -> [(&'static str, &'static str); 8] {
    [
        (".gitignore", GITIGNORE),
        ("README.md", README),
        (REQUIREMENTS, REQUIREMENTS_TXT),
        (PARAMS_FILE, PARAMS_YAML),
        (PREPROCESS_PY, PREPROCESS_SRC),
        (TRAINING_SET_PY, TRAINING_SET_SRC),
        (TRAIN_PY, TRAIN_SRC),
        (EVALUATE_PY, EVALUATE_SRC),
    ]
}

const GITIGNORE: &str = "\
# Data and model files are not committed: every lineage record pins them by
# BLAKE3 hash (like DVC), and `git lineage verify --artifacts` re-checks them.
data/
features/
model/
reports/
__pycache__/
";

const README: &str = r#"# Insurance-claims fraud model (git-lineage demo)

A small pipeline in the style of the AWS SageMaker `ml-lineage-helper`
example, with its lineage recorded by `git lineage` next to the code.

| step | kind | reads | writes |
|---|---|---|---|
| `pipelines/preprocess.py` | `process claims-preprocessing` | `data/raw/claims.csv`, `data/raw/customers.csv` | `features/*.csv`, feature groups `claims`, `customers` |
| `pipelines/build_training_set.py` | `query fraud-training-set` | the two feature groups | `data/train.csv`, `data/test.csv` |
| `pipelines/train.py` | `train fraud-model` | `data/train.csv`, `params.yaml` | `model/model.json` |
| `pipelines/evaluate.py` | `evaluate fraud-model-evaluation` | `model/model.json`, `data/test.csv` | `reports/evaluation.json` |

Data, features, models and reports are not committed (see `.gitignore`);
each record in `.lineage/records/` pins them by content hash, and records
link to each other through those hashes.

    git log --oneline                   # one commit per recorded step
    git lineage show name:fraud-model   # what made the model
    git lineage verify --artifacts      # records and data are what they claim

The repository was generated by `git lineage demo`; its data are synthetic.
"#;

const REQUIREMENTS_TXT: &str = "\
# The pipeline's Python environment, pinned (hashed into every record).
blake3==0.4.1
duckdb==1.1.3
numpy==2.1.3
pandas==2.2.3
pyyaml==6.0.2
scikit-learn==1.5.2
";

const PARAMS_YAML: &str = "\
# Hyperparameters of the fraud model (pipelines/train.py).
model_type: logistic_regression
learning_rate: 0.1
epochs: 40
batch_size: 64
l2: 0.001
# Claims scoring at or above this probability are sent to investigation.
threshold: 0.35
";

const PREPROCESS_SRC: &str = r#""""Feature processing for the claims fraud model.

Turns the raw claims and customers extracts into numeric feature tables
(one-hot encodings, ratios, z-scores), writes them to features/ and ingests
them into the `claims` and `customers` feature groups.
"""

import argparse
from pathlib import Path

import pandas as pd

INCIDENT_TYPES = {"Collision": "collision", "Theft": "theft", "Break-in": "breakin", "Vandalism": "vandalism"}
SEVERITY = {"Minor": 0.0, "Major": 0.5, "Totaled": 1.0}
COLLISION_TYPES = {"Front": "front", "Rear": "rear", "Side": "side"}
STATES = ["CA", "WA", "AZ", "OR", "NV", "ID"]


def zscore(column: pd.Series) -> pd.Series:
    std = column.std(ddof=0)
    return (column - column.mean()) / (std if std > 0 else 1.0)


def claims_features(claims: pd.DataFrame) -> pd.DataFrame:
    out = claims[["claim_id", "customer_id"]].copy()
    for value, name in INCIDENT_TYPES.items():
        out[f"incident_type_{name}"] = (claims["incident_type"] == value).astype(int)
    out["incident_severity"] = claims["incident_severity"].map(SEVERITY)
    for value, name in COLLISION_TYPES.items():
        out[f"collision_type_{name}"] = (claims["collision_type"] == value).astype(int)
    out["total_claim_amount_z"] = zscore(claims["total_claim_amount"])
    out["injury_share"] = (claims["injury_claim"] / claims["total_claim_amount"]).fillna(0.0)
    out["police_report_available"] = (claims["police_report_available"] == "YES").astype(int)
    out["fraud"] = claims["fraud"]
    return out


def customers_features(customers: pd.DataFrame) -> pd.DataFrame:
    out = customers[["customer_id"]].copy()
    out["age_z"] = zscore(customers["age"])
    out["months_as_customer_z"] = zscore(customers["months_as_customer"])
    adult_months = ((customers["age"] - 16) * 12).clip(lower=1)
    out["tenure_share"] = (customers["months_as_customer"] / adult_months).clip(upper=1.0)
    out["num_claims_past_year"] = customers["num_claims_past_year"]
    out["num_insurers_past_5_years"] = customers["num_insurers_past_5_years"]
    for state in STATES:
        out[f"policy_state_{state.lower()}"] = (customers["policy_state"] == state).astype(int)
    out["policy_deductable_k"] = customers["policy_deductable"] / 1000
    out["policy_annual_premium_z"] = zscore(customers["policy_annual_premium"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", default="data/raw/claims.csv")
    parser.add_argument("--customers", default="data/raw/customers.csv")
    parser.add_argument("--out-dir", default="features")
    args = parser.parse_args()

    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    claims = claims_features(pd.read_csv(args.claims, keep_default_na=False))
    customers = customers_features(pd.read_csv(args.customers))
    # features/*.csv is the offline store of the feature groups; its content
    # hash is the feature-group version recorded in the lineage.
    claims.to_csv(out_dir / "claims.csv", index=False, float_format="%.6f")
    customers.to_csv(out_dir / "customers.csv", index=False, float_format="%.6f")


if __name__ == "__main__":
    main()
"#;

const TRAINING_SET_SRC: &str = r#""""Build the fraud training and test sets from the feature store.

Joins the `claims` and `customers` feature groups on customer_id with QUERY
(recorded verbatim as the step's `query` parameter) and splits the rows by a
hash of claim_id, so a claim never moves between train and test when new
claims arrive.
"""

import argparse
from pathlib import Path

import duckdb
from blake3 import blake3

QUERY = (
    "SELECT c.* EXCLUDE (customer_id, fraud), u.* EXCLUDE (customer_id), c.fraud "
    "FROM claims AS c JOIN customers AS u ON c.customer_id = u.customer_id ORDER BY c.claim_id"
)


def in_test_set(claim_id: str, test_fraction: float) -> bool:
    bucket = int.from_bytes(blake3(claim_id.encode()).digest()[:8], "little") % 100
    return bucket < round(test_fraction * 100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--out-dir", default="data")
    args = parser.parse_args()

    con = duckdb.connect()
    con.sql("CREATE VIEW claims AS SELECT * FROM read_csv('features/claims.csv')")
    con.sql("CREATE VIEW customers AS SELECT * FROM read_csv('features/customers.csv')")
    rows = con.sql(QUERY).df()

    test = rows["claim_id"].map(lambda c: in_test_set(c, args.test_fraction))
    out_dir = Path(args.out_dir)
    rows[~test].to_csv(out_dir / "train.csv", index=False, float_format="%.6f")
    rows[test].to_csv(out_dir / "test.csv", index=False, float_format="%.6f")


if __name__ == "__main__":
    main()
"#;

const TRAIN_SRC: &str = r#""""Train the fraud model: logistic regression by mini-batch gradient descent.

Features are standardised with the training set's means and standard
deviations (saved with the weights); each epoch visits the rows in an order
shuffled by SplitMix64 seeded with --seed, so a run is exactly repeatable.
"""

import argparse
import json

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import log_loss, roc_auc_score

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed: int) -> None:
        self.state = seed & MASK

    def next_u64(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def shuffle(self, items: list) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = (self.next_u64() * (i + 1)) >> 64
            items[i], items[j] = items[j], items[i]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--train", default="data/train.csv")
    parser.add_argument("--out", default="model/model.json")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    params = yaml.safe_load(open(args.params))

    data = pd.read_csv(args.train)
    features = [c for c in data.columns if c not in ("claim_id", "fraud")]
    x, y = data[features].to_numpy(float), data["fraud"].to_numpy(float)
    means, stds = x.mean(axis=0), x.std(axis=0)
    stds[stds == 0] = 1.0
    z = (x - means) / stds

    w, b = np.zeros(len(features)), 0.0
    rng, order = SplitMix64(args.seed), list(range(len(y)))
    for _ in range(params["epochs"]):
        rng.shuffle(order)
        for start in range(0, len(order), params["batch_size"]):
            batch = order[start : start + params["batch_size"]]
            error = sigmoid(z[batch] @ w + b) - y[batch]
            w -= params["learning_rate"] * (z[batch].T @ error / len(batch) + params["l2"] * w)
            b -= params["learning_rate"] * error.mean()

    scores = sigmoid(z @ w + b)
    print(f"train_auc={roc_auc_score(y, scores):.4f} train_logloss={log_loss(y, scores):.4f}")
    model = {
        "model_type": params["model_type"], "features": features,
        "means": means.tolist(), "stds": stds.tolist(), "weights": w.tolist(), "bias": b,
        "threshold": params["threshold"],
        "training": {
            "rows": len(y), "positives": int(y.sum()), "learning_rate": params["learning_rate"],
            "epochs": params["epochs"], "batch_size": params["batch_size"], "l2": params["l2"],
            "seed": args.seed,
        },
    }
    with open(args.out, "w") as f:
        json.dump(model, f, indent=2)


if __name__ == "__main__":
    main()
"#;

const EVALUATE_SRC: &str = r#""""Evaluate the fraud model on the held-out test set.

Writes reports/evaluation.json with the AUC and, at the model's decision
threshold, accuracy, precision, recall and the confusion matrix.
"""

import argparse
import json

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score, roc_auc_score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="model/model.json")
    parser.add_argument("--test", default="data/test.csv")
    parser.add_argument("--out", default="reports/evaluation.json")
    args = parser.parse_args()
    model = json.load(open(args.model))

    data = pd.read_csv(args.test)
    x, y = data[model["features"]].to_numpy(float), data["fraud"].to_numpy(int)
    z = (x - np.array(model["means"])) / np.array(model["stds"])
    scores = 1.0 / (1.0 + np.exp(-(z @ np.array(model["weights"]) + model["bias"])))
    predicted = (scores >= model["threshold"]).astype(int)

    tn, fp, fn, tp = confusion_matrix(y, predicted, labels=[0, 1]).ravel()
    report = {
        "model": args.model, "dataset": args.test, "rows": len(y), "positives": int(y.sum()),
        "threshold": model["threshold"],
        "metrics": {
            "auc": round(roc_auc_score(y, scores), 4),
            "accuracy": round(accuracy_score(y, predicted), 4),
            "precision": round(precision_score(y, predicted, zero_division=0), 4),
            "recall": round(recall_score(y, predicted), 4),
        },
        "confusion_matrix": {
            "true_positives": int(tp), "false_positives": int(fp),
            "true_negatives": int(tn), "false_negatives": int(fn),
        },
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_is_deterministic_and_matches_the_reference() {
        // Reference outputs of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        let (mut a, mut b) = (SplitMix64::new(42), SplitMix64::new(42));
        let xs: Vec<u64> = (0..100).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let mut c = SplitMix64::new(43);
        assert_ne!(xs[0], c.next_u64());
        for _ in 0..1000 {
            let u = a.next_f64();
            assert!((0.0..1.0).contains(&u));
            assert!(a.below(7) < 7);
        }
    }

    #[test]
    fn generated_data_are_reproducible_and_plausible() {
        let (customers, claims) = generate(DATA_SEED);
        let again = generate(DATA_SEED);
        assert_eq!(customers_csv(&customers), customers_csv(&again.0));
        assert_eq!(
            claims_csv(&customers, &claims),
            claims_csv(&again.0, &again.1)
        );
        assert_eq!((customers.len(), claims.len()), (CUSTOMERS, CLAIMS));
        let rate = claims.iter().filter(|c| c.fraud).count() as f64 / claims.len() as f64;
        assert!((0.05..0.35).contains(&rate), "fraud rate {rate}");
    }

    #[test]
    fn auc_matches_hand_computed_examples() {
        // Pairs (positive, negative): (0.35, 0.1) ok, (0.35, 0.4) wrong,
        // (0.8, 0.1) ok, (0.8, 0.4) ok: 3 of 4.
        let scores = [0.1, 0.4, 0.35, 0.8];
        let labels = [0.0, 0.0, 1.0, 1.0];
        assert_eq!(roc_auc(&scores, &labels), Some(0.75));
        // A tie between a positive and a negative counts half.
        assert_eq!(roc_auc(&[0.5, 0.5], &[0.0, 1.0]), Some(0.5));
        assert_eq!(roc_auc(&[0.2, 0.5, 0.5], &[0.0, 0.0, 1.0]), Some(0.75));
        assert_eq!(roc_auc(&[0.9, 0.1], &[1.0, 0.0]), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.1], &[1.0, 1.0]), None);
    }

    #[test]
    fn logistic_regression_improves_log_loss() {
        let mut rng = SplitMix64::new(7);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..400 {
            let a = rng.normal();
            let b = rng.normal();
            x.push(vec![a, b, 3.0]);
            y.push(if 1.5 * a - b + 0.5 * rng.normal() > 0.0 {
                1.0
            } else {
                0.0
            });
        }
        let hyper = Hyper {
            learning_rate: 0.1,
            epochs: 20,
            batch_size: 32,
            l2: 0.001,
            threshold: 0.5,
        };
        let (means, stds, weights, bias) = fit_logistic(&x, &y, &hyper, 42);
        assert_eq!(stds[2], 1.0, "a constant column is not scaled to infinity");
        let model = Model {
            model_type: "logistic_regression".into(),
            features: vec!["a".into(), "b".into(), "c".into()],
            means,
            stds,
            weights: weights.clone(),
            bias,
            threshold: 0.5,
            training: TrainingInfo {
                rows: 400,
                positives: 0,
                learning_rate: 0.1,
                epochs: 20,
                batch_size: 32,
                l2: 0.001,
                seed: 42,
            },
        };
        let fitted: Vec<f64> = x.iter().map(|r| model.score(r)).collect();
        let baseline = log_loss(&vec![0.5; y.len()], &y);
        let loss = log_loss(&fitted, &y);
        assert!(loss < baseline * 0.6, "{loss} vs {baseline}");
        assert!(weights[0] > 0.0 && weights[1] < 0.0);
        assert!(roc_auc(&fitted, &y).is_some_and(|auc| auc > 0.9));
        // Same seed, same model.
        assert_eq!(fit_logistic(&x, &y, &hyper, 42).2, weights);
    }

    #[test]
    fn shell_quoting_and_summary() {
        assert_eq!(shell_quote("/tmp/demo"), "/tmp/demo");
        assert_eq!(shell_quote("/tmp/my demo"), "'/tmp/my demo'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        let id = RecordId::of_bytes(b"x");
        let report = DemoReport {
            dir: PathBuf::from("/tmp/demo"),
            pipeline_commit: "0123456789abcdef0123456789abcdef01234567".into(),
            steps: vec![DemoStep {
                kind: "evaluate".into(),
                name: "fraud-model-evaluation".into(),
                id: id.clone(),
                commit: None,
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
        };
        let lines = report.summary();
        assert!(lines.contains(&"  cd /tmp/demo".to_string()));
        assert!(lines.contains(&format!("  git lineage show {}", id.short())));
        assert!(lines.iter().any(|l| l.contains("fraud-model-evaluation")));
    }
}
