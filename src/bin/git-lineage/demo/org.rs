//! `demo --org`: the demo's pipeline split across four repositories (data,
//! features, two model repos), each pushed to its own bare remote, joined by
//! content hash once two of them declare the others as lineage remotes and
//! fetch them; then the cross-repository questions, answered.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use git_lineage::capture::{self, Recorded};
use git_lineage::graph::{Direction, Graph, Node, Side, TraverseOptions};
use git_lineage::history::{History, HistoryOptions, Revisions};
use git_lineage::record::Agent;
use git_lineage::refspec::{self, NodeOptions};
use git_lineage::repo::Repo;
use git_lineage::store::{CONFIG_FILE, LINEAGE_DIR, Store};
use git_lineage::time::Timestamp;
use git_lineage::{Error, Result};

use super::data::{claims_csv, customers_csv, generate};
use super::project::project_files;
use super::{
    DATA_SEED, DEMO_AGENT_EMAIL, DEMO_AGENT_NAME, DemoStep, MODEL, RAW_CLAIMS, RAW_CUSTOMERS,
    TEST_SET, TRAIN_SEED, TRAIN_SEED_V2, TRAIN_SET, prepare_dir, read_file, record_evaluate,
    record_process, record_query, record_train, registry_detail, request, write_file,
};

/// The repositories, in the order they are built.
const DATA: &str = "data";
const FEATURES: &str = "features";
const FRAUD_MODEL: &str = "fraud-model";
const CHALLENGER: &str = "fraud-challenger";

/// The warehouse export the data team's step reads (an illustrative URI).
const EXPORT: &str = "warehouse://claims/exports/2026-11";
/// The data team's export script.
const EXPORT_PY: &str = "pipelines/export.py";
const EXPORT_SRC: &str = "\
\"\"\"Export claims and customers from the warehouse to data/raw/ (the demo
generates them: 2,000 claims, 1,000 customers).\"\"\"
";

/// What `demo --org` built and the answers it read from the fetched history.
#[derive(Debug, Clone, Serialize)]
pub struct OrgReport {
    /// The organisation's directory (canonical).
    pub dir: PathBuf,
    /// The four repositories.
    pub repositories: Vec<OrgRepository>,
    /// The data team's question: what, in any repository, is downstream of
    /// the raw claims export.
    pub impact: OrgAnswer,
    /// The model team's question: where its model's data came from.
    pub upstream: OrgAnswer,
}

/// One repository of the organisation.
#[derive(Debug, Clone, Serialize)]
pub struct OrgRepository {
    /// Its name (also its lineage remote name in the others).
    pub name: String,
    /// Its worktree.
    pub worktree: PathBuf,
    /// The bare repository it is pushed to.
    pub remote: PathBuf,
    /// Its recorded steps, in order.
    pub steps: Vec<DemoStep>,
    /// The lineage remotes it declares and fetched.
    pub lineage_remotes: Vec<String>,
}

/// A cross-repository question, the command that answers it, and the
/// records of the answer.
#[derive(Debug, Clone, Serialize)]
pub struct OrgAnswer {
    /// The question in words.
    pub question: String,
    /// The repository it is asked in.
    pub repository: String,
    /// The `git lineage …` command that answers it there.
    pub command: String,
    /// The records found, nearest first.
    pub records: Vec<OrgRecord>,
}

/// A record of an answer.
#[derive(Debug, Clone, Serialize)]
pub struct OrgRecord {
    /// Its id as text shows it: `<remote>:<short id>` for another
    /// repository's record.
    pub id: String,
    /// The repository it came from.
    pub repository: String,
    /// Its kind.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Hops from the question's start.
    pub hops: usize,
}

impl OrgReport {
    /// Human-readable lines: the repositories, the two answers, and the
    /// commands to explore them.
    pub fn summary(&self) -> Vec<String> {
        let quote = |p: &Path| git_lineage::render::shell_quote(&p.display().to_string());
        let mut out = vec![
            format!(
                "Built a lineage organisation of four repositories in {}:",
                quote(&self.dir)
            ),
            String::new(),
        ];
        for repo in &self.repositories {
            out.push(format!("  {:<17} pushed to {}.git", repo.name, repo.name));
            for s in &repo.steps {
                out.push(format!("    {:<9} {:<23} {}", s.kind, s.name, s.id.short()));
            }
            if !repo.lineage_remotes.is_empty() {
                out.push(format!(
                    "    lineage remotes (fetched): {}",
                    repo.lineage_remotes.join(", ")
                ));
            }
        }
        for answer in [&self.impact, &self.upstream] {
            out.push(String::new());
            out.push(answer.question.clone());
            out.push(format!(
                "    $ cd {} && {}",
                answer.repository, answer.command
            ));
            let width =
                |f: fn(&OrgRecord) -> usize| answer.records.iter().map(f).max().unwrap_or(0);
            let (kind, id, name) = (
                width(|r| r.kind.len()),
                width(|r| r.id.len()),
                width(|r| r.name.len()),
            );
            for r in &answer.records {
                out.push(format!(
                    "    hop {}  {:<kind$}  {:<id$}  {:<name$}  in {}",
                    r.hops, r.kind, r.id, r.name, r.repository
                ));
            }
        }
        out.push(String::new());
        out.push("Explore it:".into());
        out.push(format!("  cd {}", quote(&self.dir.join(DATA))));
        out.push("  git lineage remote list".into());
        out.push("  git lineage log --remotes".into());
        out.push(format!("  git lineage impact {RAW_CLAIMS} --remotes"));
        out.push("  git lineage show features:name:fraud-training-set".into());
        out.push("  git lineage verify --history --remotes".into());
        out
    }
}

/// Build the organisation in `dir` (created if missing; refused when it
/// exists and is not empty): `data` exports the raw claims, `features`
/// turns them into feature groups and a training set, `fraud-model` and
/// `fraud-challenger` train on it (seeds 42 and 7), each committing its
/// records and pushing to `<name>.git` beside it. `data` then declares the
/// other three as lineage remotes, `fraud-model` declares `data` and
/// `features`, both fetch, and the two questions are answered over the
/// fetched history. Nothing is rolled back on failure.
pub fn build(dir: &Path) -> Result<OrgReport> {
    prepare_dir(dir)?;
    let dir = std::fs::canonicalize(dir).map_err(|source| Error::Io {
        action: "resolve",
        path: dir.to_path_buf(),
        source,
    })?;

    // The data team: the raw export, pinned by hash.
    let (data_repo, data_root) = new_repo(&dir, DATA, &[".gitignore", "requirements.txt"])?;
    write_file(&data_root, EXPORT_PY, EXPORT_SRC.as_bytes())?;
    data_repo.commit_paths(
        &[EXPORT_PY.to_string()],
        "Add the warehouse export",
        &Default::default(),
    )?;
    let (customers, claims) = generate(DATA_SEED);
    write_file(
        &data_root,
        RAW_CUSTOMERS,
        customers_csv(&customers).as_bytes(),
    )?;
    write_file(
        &data_root,
        RAW_CLAIMS,
        claims_csv(&customers, &claims).as_bytes(),
    )?;
    let export = record_export(&data_repo, &data_root)?;
    push(&data_root)?;

    // The feature team reads the published files: the same bytes.
    let (features_repo, features_root) = new_repo(&dir, FEATURES, &[])?;
    copy(&data_root, &features_root, &[RAW_CLAIMS, RAW_CUSTOMERS])?;
    let process = record_process(&features_repo, &features_root)?;
    let (query, _) = record_query(&features_repo, &features_root, &process)?;
    push(&features_root)?;

    // Two model teams train on the published training set.
    let mut models = Vec::new();
    for (name, seed) in [(FRAUD_MODEL, TRAIN_SEED), (CHALLENGER, TRAIN_SEED_V2)] {
        let (repo, root) = new_repo(&dir, name, &[])?;
        copy(&features_root, &root, &[TRAIN_SET, TEST_SET])?;
        let (train, _) = record_train(&repo, &root, seed, MODEL, name)?;
        let (evaluate, _) = record_evaluate(&repo, &root, &train)?;
        push(&root)?;
        models.push((name, repo, root, vec![train, evaluate]));
    }

    // Lineage remotes: the data team asks downstream, a model team upstream.
    connect(&data_repo, &[FEATURES, FRAUD_MODEL, CHALLENGER])?;
    connect(&models[0].1, &[DATA, FEATURES])?;

    let impact = answer(
        &data_repo,
        DATA,
        "The raw claims export was wrong: what, in any repository, is affected?",
        RAW_CLAIMS,
        Direction::Down,
        &format!("git lineage impact {RAW_CLAIMS} --remotes"),
    )?;
    let upstream = answer(
        &models[0].1,
        FRAUD_MODEL,
        "Where did the fraud model's data come from, across repositories?",
        MODEL,
        Direction::Up,
        &format!("git lineage graph {MODEL} --up --remotes"),
    )?;

    let entry = |name: &str, root: &Path, recorded: &[&Recorded], remotes: &[&str]| OrgRepository {
        name: name.to_string(),
        worktree: root.to_path_buf(),
        remote: root.with_file_name(format!("{name}.git")),
        steps: recorded.iter().map(|r| step(r)).collect(),
        lineage_remotes: remotes.iter().map(|s| s.to_string()).collect(),
    };
    let mut repositories = vec![
        entry(
            DATA,
            &data_root,
            &[&export],
            &[FEATURES, FRAUD_MODEL, CHALLENGER],
        ),
        entry(FEATURES, &features_root, &[&process, &query], &[]),
    ];
    for (i, (name, _, root, recorded)) in models.iter().enumerate() {
        let remotes: &[&str] = if i == 0 { &[DATA, FEATURES] } else { &[] };
        repositories.push(entry(
            name,
            root,
            &recorded.iter().collect::<Vec<_>>(),
            remotes,
        ));
    }
    Ok(OrgReport {
        dir,
        repositories,
        impact,
        upstream,
    })
}

fn step(recorded: &Recorded) -> DemoStep {
    DemoStep {
        kind: recorded.record.kind.clone(),
        name: recorded.record.name.clone(),
        id: recorded.id.clone(),
        commit: recorded.commit.clone(),
        detail: registry_detail(&recorded.record),
    }
}

/// A new repository `dir/name` with lineage initialised, the demo's
/// project files (`only` of them when given) and the config committed,
/// and a bare remote `dir/name.git` as `origin`.
fn new_repo(dir: &Path, name: &str, only: &[&str]) -> Result<(Repo, PathBuf)> {
    let fallback = Agent {
        name: DEMO_AGENT_NAME.into(),
        email: DEMO_AGENT_EMAIL.into(),
    };
    let root = dir.join(name);
    let repo = Repo::init(&root, Some(&fallback))?;
    let root = repo.root().to_path_buf();
    Store::new(&root).init()?;
    let mut paths = Vec::new();
    for (rel, text) in project_files() {
        if only.is_empty() || only.contains(&rel) {
            write_file(&root, rel, text.as_bytes())?;
            paths.push(rel.to_string());
        }
    }
    paths.push(format!("{LINEAGE_DIR}/{CONFIG_FILE}"));
    repo.commit_paths(&paths, &format!("Set up {name}"), &Default::default())?;
    let bare = dir.join(format!("{name}.git"));
    git(dir, &["init", "-q", "--bare", &bare.to_string_lossy()])?;
    git(
        &root,
        &["remote", "add", "origin", &format!("../{name}.git")],
    )?;
    Ok((repo, root))
}

/// Copy `files` (relative paths) from one worktree to another.
fn copy(from: &Path, to: &Path, files: &[&str]) -> Result<()> {
    for rel in files {
        write_file(to, rel, &read_file(&from.join(rel))?)?;
    }
    Ok(())
}

/// Push HEAD to `origin`'s `main`.
fn push(root: &Path) -> Result<()> {
    git(root, &["push", "-q", "origin", "HEAD:refs/heads/main"]).map(|_| ())
}

/// Declare `names` (their bare remotes beside this repository) as lineage
/// remotes, commit the config, push, and fetch them.
fn connect(repo: &Repo, names: &[&str]) -> Result<()> {
    for name in names {
        git_lineage::remote::add(repo, name, &format!("../{name}.git"), &["main".to_string()])?;
    }
    repo.commit_paths(
        &[format!("{LINEAGE_DIR}/{CONFIG_FILE}")],
        &format!("Declare lineage remotes {}", names.join(", ")),
        &Default::default(),
    )?;
    push(repo.root())?;
    git_lineage::remote::fetch(repo, &[])?;
    Ok(())
}

/// The records from `start` in `direction` over this repository and every
/// fetched remote, nearest first.
fn answer(
    repo: &Repo,
    name: &str,
    question: &str,
    start: &str,
    direction: Direction,
    command: &str,
) -> Result<OrgAnswer> {
    let options = HistoryOptions {
        revisions: Revisions::Lineage {
            base: Box::new(Revisions::Head),
            remotes: Vec::new(),
        },
        ..HistoryOptions::default()
    };
    let history = History::load(repo, &options)?;
    let graph = Graph::build(&history.entries);
    let starts = refspec::resolve_nodes(
        repo,
        &history,
        &graph,
        &refspec::parse(start)?,
        repo.root(),
        NodeOptions::default(),
    )?;
    let found = graph.traverse(&starts, &TraverseOptions::new(direction));
    let mut records: Vec<OrgRecord> = found
        .nodes
        .iter()
        .filter(|n| n.direction != Side::Root)
        .filter_map(|n| match &n.node {
            Node::Record(r) => Some(OrgRecord {
                id: r.display_id(),
                repository: r
                    .repository
                    .as_ref()
                    .map_or(name.to_string(), |repo| repo.name.clone()),
                kind: r.kind.clone(),
                name: r.name.clone(),
                hops: n.distance,
            }),
            _ => None,
        })
        .collect();
    records.sort_by(|a, b| (a.hops, &a.id).cmp(&(b.hops, &b.id)));
    Ok(OrgAnswer {
        question: question.to_string(),
        repository: name.to_string(),
        command: command.to_string(),
        records,
    })
}

/// The data team's step: the warehouse export to the two raw files.
fn record_export(repo: &Repo, root: &Path) -> Result<Recorded> {
    let started = Timestamp::now();
    let mut req = request(
        "process",
        "claims-export",
        root,
        EXPORT_PY,
        &["python", EXPORT_PY, "--since", "2026-11-01"],
    );
    req.inputs = vec![format!("dataset={EXPORT}")];
    req.outputs = vec![
        format!("dataset={RAW_CLAIMS}"),
        format!("dataset={RAW_CUSTOMERS}"),
    ];
    req.started = Some(started);
    req.ended = Some(Timestamp::now());
    capture::record(repo, &req)
}

/// Run `git ARGS` in `dir`; its stderr as the error.
fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|source| Error::Io {
            action: "run git in",
            path: dir.to_path_buf(),
            source,
        })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(Error::Io {
            action: "run git in",
            path: dir.to_path_buf(),
            source: std::io::Error::other(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            )),
        })
    }
}
