//! Lineage across repositories: four real repositories (data, features and
//! two model repos), each pushed to a local bare remote, joined by content
//! hash alone once `git lineage fetch` has read their history into
//! `refs/lineage/<name>/`. Questions with `--remotes`/`--remote NAME` answer
//! over all of them; without, over the repository alone.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{TestEnv, write};

/// The organisation: each repo's worktree, and the record ids.
pub(crate) struct Org {
    pub(crate) data: PathBuf,
    pub(crate) features: PathBuf,
    pub(crate) model_a: PathBuf,
    pub(crate) model_b: PathBuf,
    pub(crate) process: String,
    pub(crate) featurize: String,
    pub(crate) train_a: String,
    pub(crate) train_b: String,
}

const CLAIMS: &str = "id,amount\n1,10\n2,20\n3,3000\n";
const FEATURES: &str = "id,amount,log_amount\n1,10,2.3\n2,20,3.0\n3,3000,8.0\n";

/// A repository `name` with an identity and `git lineage init` committed.
pub(crate) fn lineage_repo(env: &TestEnv, name: &str) -> PathBuf {
    let dir = env.path(name);
    std::fs::create_dir_all(&dir).expect("repo dir");
    env.git(&dir, &["init", "-q", "-b", "main"]);
    env.git(&dir, &["config", "user.name", "Jane Doe"]);
    env.git(&dir, &["config", "user.email", "jane@example.com"]);
    env.lineage(&dir, &["init"]).success();
    env.git(&dir, &["add", "-A"]);
    env.git(&dir, &["commit", "-q", "-m", "init lineage"]);
    dir
}

/// [`lineage_repo`] with a bare remote `<name>.git` it is pushed to.
pub(crate) fn repo(env: &TestEnv, name: &str) -> PathBuf {
    let dir = lineage_repo(env, name);
    let bare = env.path(&format!("{name}.git"));
    env.git(
        env.root(),
        &["init", "-q", "--bare", bare.to_str().expect("utf-8")],
    );
    env.git(
        &dir,
        &["remote", "add", "origin", bare.to_str().expect("utf-8")],
    );
    dir
}

/// Record a step in `dir` with `--commit` and push: its record id.
pub(crate) fn step(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["record", "--commit", "--format", "json"];
    all.extend_from_slice(args);
    let run = env.lineage(dir, &all).success();
    env.git(dir, &["push", "-q", "origin", "main"]);
    let out: Value = serde_json::from_str(&run.stdout).expect("record JSON");
    out["id"].as_str().expect("id").to_string()
}

pub(crate) fn org(env: &TestEnv) -> Org {
    let data = repo(env, "data");
    write(&data.join("raw/claims-export.csv"), "raw\n1,10\n");
    env.git(&data, &["add", "raw"]);
    env.git(&data, &["commit", "-q", "-m", "raw export"]);
    write(&data.join("data/claims.csv"), CLAIMS);
    let process = step(
        env,
        &data,
        &[
            "--kind",
            "process",
            "--name",
            "claims-etl",
            "-i",
            "raw/claims-export.csv",
            "-o",
            "data/claims.csv",
        ],
    );

    // The feature team copies the published file: same bytes, own path.
    let features = repo(env, "features");
    write(&features.join("input/claims.csv"), CLAIMS);
    write(&features.join("out/claims-features.csv"), FEATURES);
    let featurize = step(
        env,
        &features,
        &[
            "--kind",
            "process",
            "--name",
            "claims-features",
            "-i",
            "input/claims.csv",
            "-o",
            "out/claims-features.csv",
        ],
    );

    let mut trains = Vec::new();
    let mut dirs = Vec::new();
    for (name, model) in [("model-a", "fraud-a"), ("model-b", "fraud-b")] {
        let dir = repo(env, name);
        write(&dir.join("features.csv"), FEATURES);
        write(&dir.join("model.bin"), format!("weights of {model}\n"));
        trains.push(step(
            env,
            &dir,
            &[
                "--kind",
                "train",
                "--name",
                model,
                "-i",
                "features.csv",
                "-o",
                "model.bin",
            ],
        ));
        dirs.push(dir);
    }
    let model_b = dirs.pop().expect("model-b");
    let model_a = dirs.pop().expect("model-a");
    let train_b = trains.pop().expect("train b");
    let train_a = trains.pop().expect("train a");
    Org {
        data,
        features,
        model_a,
        model_b,
        process,
        featurize,
        train_a,
        train_b,
    }
}

/// In `dir`, register `model.bin` as model `model` v1, approve it when
/// `approve`, and promote it to production: each event committed.
pub(crate) fn register_in_production(env: &TestEnv, dir: &Path, model: &str, approve: bool) {
    let version = format!("{model}@v1");
    let register = ["registry", "register", model, "--artifact", "model.bin"];
    let approval = ["registry", "approve", version.as_str()];
    let promote = ["registry", "promote", &version, "--stage", "production"];
    let events: Vec<&[&str]> = match approve {
        true => vec![&register, &approval, &promote],
        false => vec![&register, &promote],
    };
    for event in events {
        let mut args = event.to_vec();
        args.push("--commit");
        env.lineage(dir, &args).success();
    }
}

/// Declare `names` (bare remotes beside the repos) in `dir` and fetch them.
pub(crate) fn connect(env: &TestEnv, dir: &Path, names: &[&str]) {
    for name in names {
        env.lineage(
            dir,
            &[
                "remote",
                "add",
                name,
                &format!("../{name}.git"),
                "--ref",
                "main",
            ],
        )
        .success();
    }
    env.lineage(dir, &["fetch"]).success();
}

/// The record ids of a graph/impact/log/search JSON output.
fn record_ids(value: &Value) -> Vec<String> {
    let mut ids: Vec<String> = if let Some(nodes) = value["nodes"].as_array() {
        nodes
            .iter()
            .filter(|n| n["type"] == "record")
            .filter_map(|n| n["id"].as_str())
            .map(|id| id.strip_prefix("record:").unwrap_or(id).to_string())
            .collect()
    } else if let Some(records) = value["records"].as_array() {
        records
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect()
    } else if let Some(by_kind) = value["records"].as_object() {
        // impact: records grouped by kind.
        by_kind
            .values()
            .flat_map(|list| list.as_array().into_iter().flatten())
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect()
    } else {
        panic!("no nodes or records in {value:#}")
    };
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    ids.sort();
    ids
}

#[test]
fn impact_and_graph_join_repositories_by_hash() {
    let env = TestEnv::new();
    let org = org(&env);
    connect(&env, &org.data, &["features", "model-a", "model-b"]);

    // The data team's question: this raw file was wrong; what is affected?
    let alone = env
        .lineage(
            &org.data,
            &["impact", "raw/claims-export.csv", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(record_ids(&alone), sorted(&[&org.process]));
    let everywhere = env
        .lineage(
            &org.data,
            &[
                "impact",
                "raw/claims-export.csv",
                "--remotes",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(
        record_ids(&everywhere),
        sorted(&[&org.process, &org.featurize, &org.train_a, &org.train_b])
    );
    // One remote only: the features repo's record, not the models'.
    let one = env
        .lineage(
            &org.data,
            &[
                "impact",
                "raw/claims-export.csv",
                "--remote",
                "features",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(record_ids(&one), sorted(&[&org.process, &org.featurize]));

    // A model team's question: where did my model's data come from?
    connect(&env, &org.model_a, &["data", "features"]);
    let up = env
        .lineage(
            &org.model_a,
            &[
                "graph",
                "model.bin",
                "--up",
                "--remotes",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(
        record_ids(&up),
        sorted(&[&org.process, &org.featurize, &org.train_a])
    );
    let local = env
        .lineage(
            &org.model_a,
            &["graph", "model.bin", "--up", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(record_ids(&local), sorted(&[&org.train_a]));
    // The feature team: its input is the data team's published output.
    connect(&env, &org.features, &["data"]);
    let input = env
        .lineage(
            &org.features,
            &[
                "graph",
                "input/claims.csv",
                "--up",
                "--remote",
                "data",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(record_ids(&input), sorted(&[&org.process]));
    // --all reads this repository's refs only, never other repositories'.
    let all = env
        .lineage(&org.model_a, &["log", "--all", "--format", "json"])
        .success()
        .json();
    assert_eq!(record_ids(&all), sorted(&[&org.train_a]));
}

#[test]
fn search_log_and_show_read_fetched_history() {
    let env = TestEnv::new();
    let org = org(&env);
    connect(&env, &org.model_b, &["model-a", "data"]);
    let trains = env
        .lineage(
            &org.model_b,
            &["search", "--kind", "train", "--remotes", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(record_ids(&trains), sorted(&[&org.train_a, &org.train_b]));
    let log = env
        .lineage(
            &org.model_b,
            &["log", "--remote", "data", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(record_ids(&log), sorted(&[&org.process, &org.train_b]));
    let text = env
        .lineage(&org.model_b, &["log", "--remotes"])
        .success()
        .stdout;
    for id in [&org.process, &org.train_a, &org.train_b] {
        assert!(text.contains(&id[..12]), "{id} missing from:\n{text}");
    }
    assert!(!text.contains(&org.featurize[..12]), "{text}");
}

#[test]
fn fetch_follows_new_commits_and_touches_nothing_else() {
    let env = TestEnv::new();
    let org = org(&env);
    let branches_before = env.git(
        &org.model_a,
        &["for-each-ref", "refs/heads", "refs/remotes", "refs/tags"],
    );
    connect(&env, &org.model_a, &["data"]);
    let data_tip = env.git(&org.data, &["rev-parse", "HEAD"]);
    assert_eq!(
        env.git(&org.model_a, &["rev-parse", "refs/lineage/data/main"]),
        data_tip
    );
    assert_eq!(
        env.git(
            &org.model_a,
            &["for-each-ref", "refs/heads", "refs/remotes", "refs/tags"]
        ),
        branches_before,
        "fetch wrote only refs/lineage/"
    );
    assert!(!org.model_a.join(".git/FETCH_HEAD").exists());

    // The data team records again; one fetch brings it.
    write(&org.data.join("data/claims-2.csv"), "id\n9\n");
    let second = step(
        &env,
        &org.data,
        &[
            "--kind",
            "process",
            "--name",
            "claims-etl-2",
            "-i",
            "raw/claims-export.csv",
            "-o",
            "data/claims-2.csv",
        ],
    );
    let run = env.lineage(&org.model_a, &["fetch", "data"]).success();
    let new_tip = env.git(&org.data, &["rev-parse", "HEAD"]);
    assert_eq!(
        run.stdout,
        format!(
            "data: refs/lineage/data/main {}..{}\n",
            &data_tip[..12],
            &new_tip[..12]
        )
    );
    let log = env
        .lineage(&org.model_a, &["log", "--remotes", "--format", "json"])
        .success()
        .json();
    assert!(record_ids(&log).contains(&second));

    // Removing the remote deletes its refs and its config entry.
    env.lineage(&org.model_a, &["remote", "remove", "data"])
        .success();
    assert_eq!(env.git(&org.model_a, &["for-each-ref", "refs/lineage"]), "");
    let config = std::fs::read_to_string(org.model_a.join(".lineage/config.yaml")).expect("config");
    assert!(!config.contains("data.git"), "{config}");
    assert!(
        config.contains("# Model registry stages"),
        "comments kept:\n{config}"
    );
}

#[test]
fn bad_remotes_are_refused_with_what_to_do() {
    let env = TestEnv::new();
    let dir = repo(&env, "solo");
    let run = env
        .lineage(&dir, &["remote", "add", "-x", "../a.git"])
        .code(2);
    assert!(run.stderr.contains("error:"), "{}", run.stderr);
    let run = env
        .lineage(&dir, &["remote", "add", "a/b", "../a.git"])
        .code(2);
    assert!(
        run.stderr
            .starts_with("error: invalid remote: 'a/b' is not a remote name"),
        "{}",
        run.stderr
    );
    let run = env
        .lineage(&dir, &["remote", "add", "model", "../a.git"])
        .code(2);
    assert!(
        run.stderr
            .starts_with("error: invalid remote: 'model' begins a REF of its own (model:…)"),
        "{}",
        run.stderr
    );
    let run = env
        .lineage(&dir, &["remote", "add", "up", "--upload-pack=touch x"])
        .code(2);
    assert!(run.stderr.contains("error:"), "{}", run.stderr);
    let run = env.lineage(&dir, &["fetch"]).code(2);
    assert!(
        run.stderr.starts_with(
            "error: invalid remote: no lineage remotes are declared in .lineage/config.yaml"
        ),
        "{}",
        run.stderr
    );
    env.lineage(&dir, &["remote", "add", "gone", "../nowhere.git"])
        .success();
    let run = env
        .lineage(&dir, &["remote", "add", "gone", "../x.git"])
        .code(2);
    assert!(
        run.stderr
            .contains("remote 'gone' already exists (url ../nowhere.git)"),
        "{}",
        run.stderr
    );
    let run = env.lineage(&dir, &["fetch", "other"]).code(2);
    assert!(
        run.stderr
            .contains("no lineage remote 'other' in .lineage/config.yaml (declared: gone)"),
        "{}",
        run.stderr
    );
    let run = env.lineage(&dir, &["fetch", "gone"]).code(2);
    assert!(
        run.stderr
            .starts_with("error: cannot fetch lineage remote 'gone' from '../nowhere.git': "),
        "{}",
        run.stderr
    );
    let run = env.lineage(&dir, &["log", "--remote", "gone"]).code(2);
    assert_eq!(
        run.stderr.lines().next(),
        Some(
            "error: lineage remote 'gone' has not been fetched (no refs under refs/lineage/gone/)"
        )
    );
    assert!(
        run.stderr.contains("hint: run `git lineage fetch` first"),
        "{}",
        run.stderr
    );
    // A hand-edited config with a bad remote is reported where it is.
    let config = dir.join(".lineage/config.yaml");
    let text = std::fs::read_to_string(&config).expect("config");
    write(&config, text.replace("../nowhere.git", "-oops"));
    let run = env.lineage(&dir, &["remote", "list"]).code(2);
    assert!(
        run.stderr.contains("remotes.gone: url '-oops'"),
        "{}",
        run.stderr
    );
}

/// The `repository` of record `id` in a JSON output (graph nodes, impact
/// groups, log/search lists): `None` when the key is absent.
fn repository_of(value: &Value, id: &str) -> Option<Value> {
    let mut found: Vec<&Value> = Vec::new();
    if let Some(nodes) = value["nodes"].as_array() {
        // A graph node carries its record under `record`.
        found.extend(
            nodes
                .iter()
                .filter(|n| n["id"].as_str() == Some(&format!("record:{id}")))
                .map(|n| &n["record"]),
        );
    }
    if let Some(records) = value["records"].as_array() {
        found.extend(records.iter().filter(|r| r["id"] == id));
    }
    if let Some(by_kind) = value["records"].as_object() {
        found.extend(
            by_kind
                .values()
                .flat_map(|list| list.as_array().into_iter().flatten())
                .filter(|r| r["id"] == id),
        );
    }
    let record = found
        .first()
        .unwrap_or_else(|| panic!("{id} not in {value:#}"));
    assert!(record.is_object(), "{id}: {value:#}");
    record.get("repository").cloned()
}

#[test]
fn every_record_names_the_repository_it_came_from() {
    let env = TestEnv::new();
    let org = org(&env);
    connect(&env, &org.model_b, &["model-a", "data"]);
    let tip = |name: &str| {
        env.git(
            &org.model_b,
            &["rev-parse", &format!("refs/lineage/{name}/main")],
        )
        .trim()
        .to_string()
    };
    let log = env
        .lineage(&org.model_b, &["log", "--remotes", "--format", "json"])
        .success()
        .json();
    assert_eq!(
        repository_of(&log, &org.process),
        Some(serde_json::json!({"name": "data", "url": "../data.git", "commit": tip("data")}))
    );
    assert_eq!(
        repository_of(&log, &org.train_a),
        Some(
            serde_json::json!({"name": "model-a", "url": "../model-a.git", "commit": tip("model-a")})
        )
    );
    // This repository's own records carry no `repository`.
    assert_eq!(repository_of(&log, &org.train_b), None);
    let typed: crate::json_contract::LogOutput =
        serde_json::from_value(log.clone()).expect("log JSON contract");
    let named: Vec<Option<&str>> = typed
        .records
        .iter()
        .map(|r| r.repository.as_ref().map(|r| r.name.as_str()))
        .collect();
    assert_eq!(named.iter().filter(|n| n.is_none()).count(), 1, "{named:?}");
    let search = env
        .lineage(
            &org.model_b,
            &["search", "--kind", "train", "--remotes", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(
        repository_of(&search, &org.train_a).unwrap()["name"],
        "model-a"
    );
    assert_eq!(repository_of(&search, &org.train_b), None);
    // Without --remotes nothing changes.
    let plain = env
        .lineage(&org.model_b, &["log", "--format", "json"])
        .success()
        .json();
    assert_eq!(repository_of(&plain, &org.train_b), None);

    // Text: another repository's record is `<remote>:<id>`, aligned.
    let text = env
        .lineage(&org.model_b, &["log", "--remotes"])
        .success()
        .stdout;
    let row = |id: &str| {
        text.lines()
            .find(|l| l.contains(&id[..12]))
            .unwrap_or_else(|| panic!("{id} not in:\n{text}"))
            .to_string()
    };
    assert!(
        row(&org.process).starts_with(&format!("data:{}", &org.process[..12])),
        "{text}"
    );
    assert!(
        row(&org.train_a).starts_with(&format!("model-a:{}", &org.train_a[..12])),
        "{text}"
    );
    assert!(
        row(&org.train_b).starts_with(&format!("{}  ", &org.train_b[..12])),
        "{text}"
    );
    let kind_at = |line: &str| line.find("train").or_else(|| line.find("process"));
    assert_eq!(
        kind_at(&row(&org.train_a)),
        kind_at(&row(&org.train_b)),
        "{text}"
    );

    // impact and graph say the same.
    connect(&env, &org.data, &["features", "model-a", "model-b"]);
    let impact = env
        .lineage(
            &org.data,
            &[
                "impact",
                "raw/claims-export.csv",
                "--remotes",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(repository_of(&impact, &org.process), None);
    let typed: crate::json_contract::ImpactOutput =
        serde_json::from_value(impact.clone()).expect("impact JSON contract");
    assert!(
        typed
            .records
            .values()
            .flatten()
            .any(|r| r.repository.as_ref().map(|r| r.name.as_str()) == Some("features"))
    );
    assert_eq!(
        repository_of(&impact, &org.featurize).unwrap()["name"],
        "features"
    );
    assert_eq!(
        repository_of(&impact, &org.train_b).unwrap()["name"],
        "model-b"
    );
    let impact_text = env
        .lineage(&org.data, &["impact", "raw/claims-export.csv", "--remotes"])
        .success()
        .stdout;
    assert!(
        impact_text.contains(&format!("features:{}", &org.featurize[..12])),
        "{impact_text}"
    );
    let graph = env
        .lineage(
            &org.data,
            &[
                "graph",
                "raw/claims-export.csv",
                "--down",
                "--remotes",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(
        repository_of(&graph, &org.train_a).unwrap()["name"],
        "model-a"
    );
    assert_eq!(repository_of(&graph, &org.process), None);
    let _: crate::json_contract::GraphOutput =
        serde_json::from_value(graph.clone()).expect("graph JSON contract");
    let graph_text = env
        .lineage(
            &org.data,
            &["graph", "raw/claims-export.csv", "--down", "--remotes"],
        )
        .success()
        .stdout;
    assert!(
        graph_text.contains(&format!("model-a:{}", &org.train_a[..12])),
        "{graph_text}"
    );
}

#[test]
fn qualified_refs_resolve_within_that_repository_only() {
    let env = TestEnv::new();
    let org = org(&env);
    connect(&env, &org.model_b, &["model-a", "data"]);
    let dir = &org.model_b;

    // show NAME:REF reads the remote's history: by name and by prefix.
    let shown = env
        .lineage(dir, &["show", "model-a:name:fraud-a", "--format", "json"])
        .success()
        .json();
    assert_eq!(shown["id"], org.train_a.as_str());
    assert_eq!(shown["repository"]["name"], "model-a");
    assert_eq!(shown["repository"]["url"], "../model-a.git");
    let typed: crate::json_contract::ShowOutput =
        serde_json::from_value(shown).expect("show JSON contract");
    assert_eq!(typed.record.name, "fraud-a");
    let by_prefix = env
        .lineage(
            dir,
            &[
                "show",
                &format!("data:{}", &org.process[..10]),
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(by_prefix["id"], org.process.as_str());
    let text = env
        .lineage(dir, &["show", "data:name:claims-etl"])
        .success();
    assert!(text.stdout.contains(&org.process), "{}", text.stdout);
    assert!(text.stderr.contains("repository data"), "{}", text.stderr);

    // Within that repository only: this repository's record and another
    // remote's are not found there.
    let local = env
        .lineage(dir, &["show", &format!("model-a:{}", &org.train_b[..10])])
        .code(2);
    assert!(
        local.stderr.contains(&format!(
            "no record matches 'model-a:{}'",
            &org.train_b[..10]
        )),
        "{}",
        local.stderr
    );
    env.lineage(dir, &["show", "data:name:fraud-a"]).code(2);
    // Unqualified, name: keeps meaning this repository's records.
    let own = env
        .lineage(dir, &["show", "name:fraud-b", "--format", "json"])
        .success()
        .json();
    assert_eq!(own["id"], org.train_b.as_str());
    assert!(own.get("repository").is_none(), "{own:#}");

    // graph and impact take qualified REFs and read that remote for them,
    // without --remotes.
    let up = env
        .lineage(
            dir,
            &["graph", "model-a:name:fraud-a", "--up", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(up["roots"][0], format!("record:{}", org.train_a));
    assert_eq!(repository_of(&up, &org.train_a).unwrap()["name"], "model-a");
    // The feature repository's step, asked from a model repository: its
    // output reaches this repository's model and model-a's.
    connect(&env, dir, &["features"]);
    let impact = env
        .lineage(
            dir,
            &[
                "impact",
                "features:name:claims-features",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(repository_of(&impact, &org.train_b), None);
    assert_eq!(record_ids(&impact), sorted(&[&org.train_b]));
    let wider = env
        .lineage(
            dir,
            &[
                "impact",
                "features:name:claims-features",
                "--remotes",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(record_ids(&wider), sorted(&[&org.train_a, &org.train_b]));
    assert_eq!(
        repository_of(&wider, &org.train_a).unwrap()["name"],
        "model-a"
    );

    // Only record forms take a qualifier.
    let path = env.lineage(dir, &["graph", "model-a:features.csv"]).code(2);
    assert!(
        path.stderr
            .contains("only a record id, prefix, name:NAME or model:NAME@STAGE"),
        "{}",
        path.stderr
    );
    // A name that is not a declared remote keeps today's meaning (a path),
    // and a URI stays a URI even when a remote has its scheme's name.
    let undeclared = env.lineage(dir, &["show", "nosuch:thing"]).code(2);
    assert!(
        undeclared
            .stderr
            .contains("'nosuch:thing': no such file or directory"),
        "{}",
        undeclared.stderr
    );
    env.lineage(
        dir,
        &["remote", "add", "s3", "../data.git", "--ref", "main"],
    )
    .success();
    env.lineage(dir, &["fetch", "s3"]).success();
    let uri = env
        .lineage(dir, &["graph", "s3://bucket/claims.csv"])
        .code(2);
    assert!(
        uri.stderr.contains("s3://bucket/claims.csv"),
        "{}",
        uri.stderr
    );
    assert!(!uri.stderr.contains("qualified"), "{}", uri.stderr);
    let qualified_s3 = env
        .lineage(dir, &["show", "s3:name:claims-etl", "--format", "json"])
        .success()
        .json();
    assert_eq!(qualified_s3["repository"]["name"], "s3");
}

#[test]
fn verify_history_names_the_repository_of_each_finding() {
    let env = TestEnv::new();
    let org = org(&env);
    // The feature team edits a committed record (what verify --history
    // exists to catch) and pushes it.
    let rel = crate::common::record_rel_path(&org.featurize);
    let path = org.features.join(&rel);
    let mut bytes = std::fs::read(&path).expect("record");
    bytes.extend_from_slice(b"# edited after the fact\n");
    write(&path, bytes);
    env.git(&org.features, &["commit", "-q", "-am", "edit a record"]);
    env.git(&org.features, &["push", "-q", "origin", "main"]);
    connect(&env, &org.model_a, &["features", "data"]);

    // This repository's history alone is clean.
    env.lineage(&org.model_a, &["verify", "--history"])
        .success();
    let text = env
        .lineage(&org.model_a, &["verify", "--history", "--remotes"])
        .code(1);
    let line = text
        .stdout
        .lines()
        .find(|l| l.contains(&rel))
        .unwrap_or_else(|| panic!("no finding for {rel}:\n{}", text.stdout));
    assert!(line.contains(": edited: "), "{line}");
    assert!(line.contains("(repository features, commit "), "{line}");
    let json = env
        .lineage(
            &org.model_a,
            &["verify", "--history", "--remotes", "--format", "json"],
        )
        .code(1)
        .json();
    let typed: crate::json_contract::VerifyOutput =
        serde_json::from_value(json.clone()).expect("verify JSON contract");
    let edited: Vec<_> = typed
        .problems
        .iter()
        .filter(|p| p.check == "edited")
        .collect();
    assert_eq!(edited.len(), 1, "{json:#}");
    let repository = edited[0].repository.as_ref().expect("repository named");
    assert_eq!(repository.name, "features");
    assert_eq!(repository.url.as_deref(), Some("../features.git"));
    // Only the named remote: the data repository is clean.
    env.lineage(&org.model_a, &["verify", "--history", "--remote", "data"])
        .success();
}
