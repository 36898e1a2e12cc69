//! Submodules as pinned lineage sources: `git lineage fetch` reads each
//! submodule HEAD pins at exactly the pinned commit, into
//! `refs/lineage/<name>/pinned`, so `--remotes`, `--remote NAME`, qualified
//! REFs and attribution answer over it as over a declared remote; a moved
//! pin moves the ref, a removed submodule removes it, and a submodule that
//! cannot be fetched is a warning, not a failed fetch.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{TestEnv, b3, write};
use crate::test_remotes::lineage_repo;

/// A data repository with two commits of lineage (A: `etl-1`, B: `etl-2`,
/// both reading `raw.csv`), and a superproject `app` that pins it at A as
/// submodule `data` and trains on `etl-1`'s output.
struct Setup {
    data: PathBuf,
    app: PathBuf,
    commit_a: String,
    commit_b: String,
    etl_1: String,
    etl_2: String,
    train: String,
}

const RAW: &str = "id,amount\n1,10\n2,3000\n";
const CLEAN: &str = "id,amount\n1,10\n";

fn record(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["record", "--commit", "--format", "json"];
    all.extend_from_slice(args);
    let run = env.lineage(dir, &all).success();
    let out: Value = serde_json::from_str(&run.stdout).expect("record JSON");
    out["id"].as_str().expect("id").to_string()
}

/// `git -c protocol.file.allow=always ARGS`: submodules from local paths.
fn git_file(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["-c", "protocol.file.allow=always"];
    all.extend_from_slice(args);
    env.git(dir, &all)
}

fn setup(env: &TestEnv) -> Setup {
    let data = lineage_repo(env, "data");
    write(&data.join("raw.csv"), RAW);
    env.git(&data, &["add", "raw.csv"]);
    env.git(&data, &["commit", "-q", "-m", "raw"]);
    write(&data.join("clean.csv"), CLEAN);
    let etl_1 = record(
        env,
        &data,
        &[
            "--kind",
            "process",
            "--name",
            "etl-1",
            "-i",
            "raw.csv",
            "-o",
            "clean.csv",
        ],
    );
    let commit_a = env.git(&data, &["rev-parse", "HEAD"]).trim().to_string();
    write(&data.join("summary.csv"), "rows\n2\n");
    let etl_2 = record(
        env,
        &data,
        &[
            "--kind",
            "process",
            "--name",
            "etl-2",
            "-i",
            "raw.csv",
            "-o",
            "summary.csv",
        ],
    );
    let commit_b = env.git(&data, &["rev-parse", "HEAD"]).trim().to_string();

    let app = lineage_repo(env, "app");
    let url = data.to_str().expect("utf-8").to_string();
    git_file(env, &app, &["submodule", "add", "-q", &url, "data"]);
    env.git(&app.join("data"), &["checkout", "-q", &commit_a]);
    env.git(&app, &["add", "data"]);
    env.git(&app, &["commit", "-q", "-m", "pin data at A"]);
    write(&app.join("input/clean.csv"), CLEAN);
    write(&app.join("model.bin"), "weights\n");
    let train = record(
        env,
        &app,
        &[
            "--kind",
            "train",
            "--name",
            "model",
            "-i",
            "input/clean.csv",
            "-o",
            "model.bin",
        ],
    );
    Setup {
        data,
        app,
        commit_a,
        commit_b,
        etl_1,
        etl_2,
        train,
    }
}

/// Record ids of an impact/log JSON output, sorted.
fn ids(value: &Value) -> Vec<String> {
    let mut ids: Vec<String> = match &value["records"] {
        Value::Array(list) => list
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect(),
        Value::Object(by_kind) => by_kind
            .values()
            .flat_map(|list| list.as_array().into_iter().flatten())
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect(),
        other => panic!("no records in {other:#}"),
    };
    ids.sort();
    ids
}

fn sorted(list: &[&String]) -> Vec<String> {
    let mut out: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    out.sort();
    out
}

fn impact_raw(env: &TestEnv, s: &Setup, extra: &[&str]) -> Value {
    let raw = format!("blake3:{}", b3(RAW.as_bytes()));
    let mut args = vec!["impact", raw.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    env.lineage(&s.app, &args).success().json()
}

#[test]
fn a_submodules_lineage_is_read_at_the_pinned_commit() {
    let env = TestEnv::new();
    let s = setup(&env);

    // Before fetching, the superproject's history alone: the raw file is
    // not in it.
    let raw = format!("blake3:{}", b3(RAW.as_bytes()));
    env.lineage(&s.app, &["impact", &raw]).code(2);

    let run = env.lineage(&s.app, &["fetch"]).success();
    assert_eq!(
        run.stdout,
        format!("data: refs/lineage/data/pinned new {}\n", &s.commit_a[..12])
    );
    assert_eq!(
        env.git(&s.app, &["rev-parse", "refs/lineage/data/pinned"])
            .trim(),
        s.commit_a
    );

    // At A: etl-1 and the model trained on its output; not B's etl-2.
    let at_a = impact_raw(&env, &s, &["--remotes"]);
    assert_eq!(ids(&at_a), sorted(&[&s.etl_1, &s.train]));
    let log = env
        .lineage(&s.app, &["log", "--remote", "data", "--format", "json"])
        .success()
        .json();
    assert_eq!(ids(&log), sorted(&[&s.etl_1, &s.train]));
    let etl = log["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["id"] == s.etl_1.as_str())
        .expect("etl-1 in log");
    assert_eq!(etl["repository"]["name"], "data");
    assert_eq!(etl["repository"]["commit"], s.commit_a.as_str());
    assert_eq!(etl["repository"]["url"], s.data.to_str().expect("utf-8"));

    // A qualified REF names a record of the submodule's pinned history.
    let show = env
        .lineage(&s.app, &["show", "data:name:etl-1", "--format", "json"])
        .success()
        .json();
    assert_eq!(show["id"], s.etl_1.as_str());
    let missing = env.lineage(&s.app, &["show", "data:name:etl-2"]).code(2);
    assert!(
        missing.stderr.contains("data:name:etl-2"),
        "{}",
        missing.stderr
    );

    // `remote list` shows the submodule, its path and pinned commit.
    let list = env.lineage(&s.app, &["remote", "list"]).success();
    assert_eq!(
        list.stdout,
        format!(
            "data\t{}\tsubmodule data pinned {short}\n  refs/lineage/data/pinned {short}\n",
            s.data.display(),
            short = &s.commit_a[..12]
        )
    );

    let json = env
        .lineage(&s.app, &["remote", "list", "--format", "json"])
        .success()
        .json();
    let entry = &json["remotes"][0];
    assert_eq!(entry["name"], "data");
    assert_eq!(entry["refs"], serde_json::json!([]));
    assert_eq!(
        entry["submodule"],
        serde_json::json!({"name": "data", "path": "data", "pinned": s.commit_a})
    );
    assert!(entry.get("problem").is_none(), "{entry:#}");

    // Moving the pin (and committing it) moves the ref at the next fetch.
    env.git(&s.app.join("data"), &["checkout", "-q", &s.commit_b]);
    env.git(&s.app, &["commit", "-q", "-am", "pin data at B"]);
    let stale = env.lineage(&s.app, &["remote", "list"]).success();
    assert!(stale.stdout.contains("(the pin moved"), "{}", stale.stdout);
    let run = env.lineage(&s.app, &["fetch"]).success();
    assert_eq!(
        run.stdout,
        format!(
            "data: refs/lineage/data/pinned {}..{}\n",
            &s.commit_a[..12],
            &s.commit_b[..12]
        )
    );
    let at_b = impact_raw(&env, &s, &["--remotes"]);
    assert_eq!(ids(&at_b), sorted(&[&s.etl_1, &s.etl_2, &s.train]));

    // Removing the submodule removes its ref at the next fetch.
    env.git(&s.app, &["rm", "-q", "data"]);
    env.git(&s.app, &["commit", "-q", "-m", "drop data"]);
    env.lineage(&s.app, &["fetch"]).success();
    let refs = env.git(&s.app, &["for-each-ref", "refs/lineage/"]);
    assert_eq!(refs, "");
    env.lineage(&s.app, &["log", "--remote", "data"]).code(2);
}

#[test]
fn an_uninitialised_submodule_is_fetched_from_its_url_or_warned_about() {
    let env = TestEnv::new();
    let s = setup(&env);

    // A clone without its submodules: the pinned commit comes from the url.
    let clone = env.path("clone");
    env.git(
        env.root(),
        &["clone", "-q", s.app.to_str().expect("utf-8"), "clone"],
    );
    assert!(!clone.join("data/.git").exists());
    env.lineage(&clone, &["fetch"]).success();
    assert_eq!(
        env.git(&clone, &["rev-parse", "refs/lineage/data/pinned"])
            .trim(),
        s.commit_a
    );

    // The superproject moves the pin to B; the clone pulls it.
    env.git(&s.app.join("data"), &["checkout", "-q", &s.commit_b]);
    env.git(&s.app, &["commit", "-q", "-am", "pin data at B"]);
    env.git(&clone, &["pull", "-q", "--ff-only"]);

    // The url gone and nothing initialised: a warning naming the
    // submodule and what to do, exit 0, no ref.
    let other = env.path("other");
    env.git(
        env.root(),
        &["clone", "-q", s.app.to_str().expect("utf-8"), "other"],
    );
    std::fs::rename(&s.data, env.path("data-moved")).expect("move data");
    let run = env.lineage(&other, &["fetch"]).success();
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("warning: submodule 'data' (path data): cannot fetch pinned commit"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("git submodule update --init data"),
        "{}",
        run.stderr
    );
    assert_eq!(env.git(&other, &["for-each-ref", "refs/lineage/"]), "");
    // Where A was fetched before, B cannot be: the stale ref goes too, so
    // the submodule's lineage is never read at a commit HEAD does not pin.
    let run = env.lineage(&clone, &["fetch"]).success();
    assert!(run.stderr.contains(&s.commit_b[..12]), "{}", run.stderr);
    assert_eq!(env.git(&clone, &["for-each-ref", "refs/lineage/"]), "");
    let json = env
        .lineage(&other, &["fetch", "--format", "json"])
        .success()
        .json();
    let problem = json["remotes"][0]["problem"].as_str().expect("problem");
    assert!(problem.contains("cannot fetch pinned commit"), "{problem}");
    assert_eq!(json["remotes"][0]["fetched"], serde_json::json!([]));
    let list = env.lineage(&other, &["remote", "list"]).success();
    assert!(list.stdout.contains("  not fetched"), "{}", list.stdout);
}

#[test]
fn a_remote_cannot_take_a_submodules_name() {
    let env = TestEnv::new();
    let s = setup(&env);
    let run = env
        .lineage(&s.app, &["remote", "add", "data", "../elsewhere.git"])
        .code(2);
    assert!(
        run.stderr
            .contains("submodule 'data' (path data) is read as lineage source 'data'"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_declared_remote_of_the_same_name_wins_over_the_submodule() {
    let env = TestEnv::new();
    let s = setup(&env);
    // Declared by hand (`remote add` refuses the name): the remote is read
    // at its branch, the submodule is skipped with a warning.
    let config = s.app.join(".lineage/config.yaml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str(&format!(
        "remotes:\n  data:\n    url: {:?}\n    refs: [main]\n",
        s.data.to_str().expect("utf-8")
    ));
    write(&config, text);
    let run = env.lineage(&s.app, &["fetch"]).success();
    assert_eq!(
        run.stdout,
        format!("data: refs/lineage/data/main new {}\n", &s.commit_b[..12])
    );
    assert_eq!(
        run.stderr,
        "warning: submodule 'data' is not read: lineage remote 'data' declared in .lineage/config.yaml has its name\n"
    );
    assert_eq!(
        env.git(
            &s.app,
            &["for-each-ref", "--format=%(refname)", "refs/lineage/"]
        ),
        "refs/lineage/data/main\n"
    );
}
