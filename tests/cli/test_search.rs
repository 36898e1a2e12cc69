//! `search`: parameter and metric conditions, inputs by path or hash,
//! author and date filters, all combined with AND over committed and
//! uncommitted records; malformed conditions are usage errors.

use std::path::PathBuf;

use crate::common::{LogOutput, TestEnv, b3, commit_all, lines, log_json, record_step, write};

const A: &[u8] = b"a,b\n1,2\n";
const B: &[u8] = b"a,b\n3,4\n5,6\n";

/// Four training and evaluation records: two by Jane (committed), one by
/// Ada (committed), one by Ada not committed yet.
struct Records {
    repo: PathBuf,
    /// lr 0.01, optimizer adam, auc 0.85, reads data/a.csv; Jane.
    r1: String,
    /// lr 0.1, optimizer sgd, auc 0.92, reads data/a.csv; Jane.
    r2: String,
    /// lr 0.2, auc 0.95, reads data/b.csv and featurestore://claims@v3; Ada.
    r3: String,
    /// evaluate, auc 0.9, reads data/b.csv; Ada, uncommitted.
    r4: String,
}

fn records(env: &TestEnv) -> Records {
    let repo = env.repo("r");
    write(&repo.join("data/a.csv"), A);
    write(&repo.join("data/b.csv"), B);
    commit_all(env, &repo, "add data");
    let r1 = record_step(
        env,
        &repo,
        "train",
        "m1",
        &[
            "-p",
            "lr=0.01",
            "-p",
            "optimizer=adam",
            "-p",
            "layers=3",
            "-m",
            "auc=0.85",
            "-i",
            "data/a.csv",
            "--commit",
        ],
    );
    let r2 = record_step(
        env,
        &repo,
        "train",
        "m2",
        &[
            "-p",
            "lr=0.1",
            "-p",
            "optimizer=sgd",
            "-m",
            "auc=0.92",
            "-i",
            "dataset=data/a.csv",
            "--commit",
        ],
    );
    env.git(&repo, &["config", "user.name", "Ada Lovelace"]);
    env.git(&repo, &["config", "user.email", "ada@example.org"]);
    let r3 = record_step(
        env,
        &repo,
        "train",
        "m3",
        &[
            "-p",
            "lr=0.2",
            "-m",
            "auc=0.95",
            "-m",
            "loss.val=0.3",
            "-i",
            "data/b.csv",
            "-i",
            "feature-group=featurestore://claims@v3",
            "--commit",
        ],
    );
    let r4 = record_step(
        env,
        &repo,
        "evaluate",
        "m3-eval",
        &["-m", "auc=0.9", "-i", "data/b.csv", "--ref", &r3],
    );
    Records {
        repo,
        r1,
        r2,
        r3,
        r4,
    }
}

/// `search ARGS --format json`, as ids, newest first.
#[track_caller]
fn search(env: &TestEnv, records: &Records, args: &[&str]) -> Vec<String> {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    log_json(env, &records.repo, &all).ids()
}

fn ids(items: &[&String]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn param_conditions_compare_numbers_and_text() {
    let env = TestEnv::new();
    let r = records(&env);
    assert_eq!(
        search(&env, &r, &["--param", "lr>0.05"]),
        ids(&[&r.r3, &r.r2])
    );
    assert_eq!(
        search(&env, &r, &["--param", "lr>=0.1"]),
        ids(&[&r.r3, &r.r2])
    );
    assert_eq!(search(&env, &r, &["--param", "lr<0.1"]), ids(&[&r.r1]));
    assert_eq!(
        search(&env, &r, &["--param", "lr<=0.1"]),
        ids(&[&r.r2, &r.r1])
    );
    assert_eq!(search(&env, &r, &["--param", "lr=0.1"]), ids(&[&r.r2]));
    assert_eq!(search(&env, &r, &["--param", "lr==0.10"]), ids(&[&r.r2]));
    assert_eq!(
        search(&env, &r, &["--param", "lr!=0.1"]),
        ids(&[&r.r3, &r.r1])
    );
    // An integer parameter against a float bound.
    assert_eq!(search(&env, &r, &["--param", "layers>2.5"]), ids(&[&r.r1]));
    // Text: equality only; records without the key never match.
    assert_eq!(
        search(&env, &r, &["--param", "optimizer=adam"]),
        ids(&[&r.r1])
    );
    assert_eq!(
        search(&env, &r, &["--param", "optimizer!=adam"]),
        ids(&[&r.r2])
    );
    assert!(search(&env, &r, &["--param", "optimizer>adam"]).is_empty());
    // Spaces around the parts are ignored.
    assert_eq!(search(&env, &r, &["--param", " lr > 0.15 "]), ids(&[&r.r3]));
}

#[test]
fn metric_conditions_include_their_bounds_and_nested_keys() {
    let env = TestEnv::new();
    let r = records(&env);
    assert_eq!(
        search(&env, &r, &["--metric", "auc>=0.9"]),
        ids(&[&r.r4, &r.r3, &r.r2])
    );
    assert_eq!(
        search(&env, &r, &["--metric", "auc>0.9"]),
        ids(&[&r.r3, &r.r2])
    );
    assert_eq!(search(&env, &r, &["--metric", "auc<0.9"]), ids(&[&r.r1]));
    assert_eq!(
        search(&env, &r, &["--metric", "loss.val<0.5"]),
        ids(&[&r.r3])
    );
    assert!(search(&env, &r, &["--metric", "auc>0.99"]).is_empty());
    // Conditions on metrics do not look at params.
    assert!(search(&env, &r, &["--metric", "lr>0"]).is_empty());
}

#[test]
fn inputs_match_by_path_and_by_hash() {
    let env = TestEnv::new();
    let r = records(&env);
    assert_eq!(
        search(&env, &r, &["--input", "data/a.csv"]),
        ids(&[&r.r2, &r.r1])
    );
    let b_hash = format!("blake3:{}", b3(B));
    assert_eq!(
        search(&env, &r, &["--input", &b_hash]),
        ids(&[&r.r4, &r.r3])
    );
    // Paths are relative to the working directory.
    let from_data = log_json(&env, &r.repo.join("data"), &["search", "--input", "a.csv"]);
    assert_eq!(from_data.ids(), ids(&[&r.r2, &r.r1]));
    // Both inputs at once: no record read both.
    assert!(search(&env, &r, &["--input", "data/a.csv", "--input", &b_hash]).is_empty());
    assert!(search(&env, &r, &["--input", "data/none.csv"]).is_empty());
    let unknown = format!("blake3:{}", b3(b"never read"));
    assert!(search(&env, &r, &["--input", &unknown]).is_empty());
}

#[test]
fn inputs_match_external_uris_with_or_without_a_version() {
    let env = TestEnv::new();
    let r = records(&env);
    for uri in ["featurestore://claims@v3", "featurestore://claims"] {
        assert_eq!(search(&env, &r, &["--input", uri]), ids(&[&r.r3]), "{uri}");
    }
    assert!(search(&env, &r, &["--input", "featurestore://claims@v2"]).is_empty());
    assert!(search(&env, &r, &["--input", "featurestore://customers"]).is_empty());
}

#[test]
fn author_matches_the_commit_author_or_the_agent() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    // Recorded by Jane, committed on behalf of Grace.
    let id = record_step(&env, &repo, "train", "m", &[]);
    env.git(&repo, &["add", "-A"]);
    env.git(
        &repo,
        &[
            "commit",
            "-q",
            "--author",
            "Grace Hopper <grace@example.net>",
            "-m",
            "grace's run",
        ],
    );
    for who in ["grace", "example.net", "Jane", "jane@example.com"] {
        assert_eq!(
            log_json(&env, &repo, &["search", "--author", who]).ids(),
            [id.as_str()],
            "{who}"
        );
    }
    assert!(
        log_json(&env, &repo, &["search", "--author", "ada"])
            .records
            .is_empty()
    );
}

#[test]
fn author_and_dates_filter() {
    let env = TestEnv::new();
    let r = records(&env);
    // A case-insensitive part of a name or email.
    assert_eq!(search(&env, &r, &["--author", "ada"]), ids(&[&r.r4, &r.r3]));
    assert_eq!(
        search(&env, &r, &["--author", "LOVELACE"]),
        ids(&[&r.r4, &r.r3])
    );
    assert_eq!(
        search(&env, &r, &["--author", "jane@example.com"]),
        ids(&[&r.r2, &r.r1])
    );
    assert!(search(&env, &r, &["--author", "nobody"]).is_empty());

    let all = log_json(&env, &r.repo, &["search"]);
    assert_eq!(all.ids(), ids(&[&r.r4, &r.r3, &r.r2, &r.r1]));
    let recorded = |id: &str, log: &LogOutput| {
        log.records
            .iter()
            .find(|x| x.id == id)
            .unwrap()
            .recorded
            .clone()
    };
    let (t2, t3) = (recorded(&r.r2, &all), recorded(&r.r3, &all));
    assert!(t2 < t3, "{t2} < {t3}");
    // Both ends are inclusive.
    assert_eq!(
        search(&env, &r, &["--since", &t2, "--until", &t3]),
        ids(&[&r.r3, &r.r2])
    );
    assert_eq!(search(&env, &r, &["--until", &t2]), ids(&[&r.r2, &r.r1]));
    assert_eq!(search(&env, &r, &["--since", &t3]), ids(&[&r.r4, &r.r3]));
    assert!(search(&env, &r, &["--since", &t3, "--until", &t2]).is_empty());
    assert_eq!(
        search(
            &env,
            &r,
            &["--since", "2026-11-22", "--until", "2026-11-23"]
        )
        .len(),
        4
    );
}

#[test]
fn filters_combine_with_and() {
    let env = TestEnv::new();
    let r = records(&env);
    assert_eq!(
        search(&env, &r, &["--param", "lr>0.05", "--metric", "auc>0.93"]),
        ids(&[&r.r3])
    );
    assert_eq!(
        search(&env, &r, &["--kind", "train", "--metric", "auc>=0.9"]),
        ids(&[&r.r3, &r.r2])
    );
    assert_eq!(
        search(&env, &r, &["--param", "lr>0.05", "--author", "jane"]),
        ids(&[&r.r2])
    );
    assert_eq!(
        search(
            &env,
            &r,
            &[
                "--param",
                "lr>0.001",
                "--param",
                "lr<0.15",
                "--input",
                "data/a.csv"
            ]
        ),
        ids(&[&r.r2, &r.r1])
    );
    assert_eq!(
        search(&env, &r, &["--name", "m3-eval", "--metric", "auc=0.9"]),
        ids(&[&r.r4])
    );
    assert!(search(&env, &r, &["--kind", "evaluate", "--author", "jane"]).is_empty());

    // The table: one row per match, the uncommitted one marked.
    let run = env
        .lineage(
            &r.repo,
            &["search", "--metric", "auc>=0.9", "--author", "ada"],
        )
        .success();
    let rows = lines(&run.stdout);
    assert_eq!(rows.len(), 3, "{}", run.stdout);
    assert!(rows[0].starts_with("RECORD"), "{}", run.stdout);
    assert!(rows[1].starts_with(&r.r4[..12]) && rows[1].contains("uncommitted"));
    assert!(rows[2].starts_with(&r.r3[..12]) && rows[2].ends_with("Ada Lovelace"));
    // No match: empty JSON list, exit 0.
    let run = env
        .lineage(&r.repo, &["search", "--param", "lr>5", "--format", "json"])
        .success();
    assert_eq!(run.json(), serde_json::json!({"records": []}));
}

#[test]
fn malformed_conditions_are_usage_errors() {
    let env = TestEnv::new();
    let r = records(&env);
    for (args, needle) in [
        (&["--param", "lr"][..], "'lr' is not a condition"),
        (&["--metric", "auc~0.9"][..], "'auc~0.9' is not a condition"),
        (&["--param", ">0.5"][..], "no key"),
        (&["--metric", "a..b=1"][..], "empty part"),
        (&["--input", "blake3:xyz"][..], "blake3:xyz"),
        (&["--since", "last friday"][..], "--since"),
        (&["--until", "2026-13-01"][..], "--until"),
    ] {
        let mut all = vec!["search"];
        all.extend_from_slice(args);
        let run = env.lineage(&r.repo, &all).code(2);
        assert_eq!(run.stdout, "", "{args:?}");
        let error = run
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{args:?}: no error line:\n{}", run.stderr));
        assert!(error.contains(needle), "{args:?}: {}", run.stderr);
    }
    let run = env.lineage(&r.repo, &["search", "--param", "lr"]).code(2);
    assert!(run.stderr.contains("KEY OP VALUE"), "{}", run.stderr);
}
