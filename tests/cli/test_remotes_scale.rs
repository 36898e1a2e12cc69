//! Lineage remotes at scale (issue 18): `--remotes` questions are answered
//! from derived files of their own (a snapshot and a catalog per
//! selection), warm right after `fetch`, with byte-for-byte the answer a
//! full walk gives — repository attribution included — and a commit
//! fetched later in one remote is in the next answer, whether the
//! snapshot is extended with it or rebuilt.

use std::path::{Path, PathBuf};

use crate::common::{TestEnv, files_under, write};
use crate::test_remotes::{repo, step};

/// Three repositories: `data` (raw → claims), `features` (claims →
/// features) and `model` (features → model, the consumer that fetches the
/// other two), each with a bare remote beside it.
struct Org {
    data: PathBuf,
    model: PathBuf,
    /// The id of the data team's `process` record.
    process: String,
}

const RAW: &str = "raw\n1,10\n";
const CLAIMS: &str = "id,amount\n1,10\n2,20\n";
const FEATURES: &str = "id,amount,log\n1,10,2.3\n2,20,3.0\n";

fn org(env: &TestEnv) -> Org {
    let data = repo(env, "data");
    write(&data.join("raw/export.csv"), RAW);
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
            "raw/export.csv",
            "-o",
            "data/claims.csv",
        ],
    );
    let features = repo(env, "features");
    write(&features.join("in/claims.csv"), CLAIMS);
    write(&features.join("out/features.csv"), FEATURES);
    step(
        env,
        &features,
        &[
            "--kind",
            "process",
            "--name",
            "featurize",
            "-i",
            "in/claims.csv",
            "-o",
            "out/features.csv",
        ],
    );
    let model = repo(env, "model");
    write(&model.join("features.csv"), FEATURES);
    write(&model.join("model.bin"), "weights\n");
    step(
        env,
        &model,
        &[
            "--kind",
            "train",
            "--name",
            "fraud",
            "-i",
            "features.csv",
            "-o",
            "model.bin",
        ],
    );
    for name in ["data", "features"] {
        let url = format!("../{name}.git");
        env.lineage(&model, &["remote", "add", name, &url, "--ref", "main"])
            .success();
    }
    Org {
        data,
        model,
        process,
    }
}

/// `git lineage ARGS` in `dir` with `GIT_LINEAGE_TRACE` set: (exit code,
/// stdout, stderr without the trace lines, the trace lines).
fn traced(env: &TestEnv, dir: &Path, args: &[&str]) -> (i32, String, String, String) {
    let run = env
        .command(crate::common::bin(), dir)
        .args(args)
        .env("GIT_LINEAGE_TRACE", "1")
        .output()
        .expect("run git-lineage");
    let stderr = String::from_utf8_lossy(&run.stderr);
    let (trace, rest): (Vec<&str>, Vec<&str>) =
        stderr.lines().partition(|l| l.starts_with("trace: "));
    (
        run.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&run.stdout).into_owned(),
        rest.join("\n"),
        trace.join("\n"),
    )
}

/// The derived files of `dir`.
fn derived(dir: &Path) -> PathBuf {
    dir.join(".git/lineage")
}

/// The names of the derived files whose name starts with `prefix`.
fn derived_named(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(derived(dir))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The `--remotes` questions, each in text and in JSON.
fn battery(org: &Org) -> Vec<Vec<String>> {
    let qualified = format!("data:{}", &org.process[..12]);
    let queries: Vec<Vec<&str>> = vec![
        vec!["impact", "--remotes", "raw/export.csv"],
        vec!["graph", "--remotes", "model.bin", "--up"],
        vec!["graph", "--remotes", "name:claims-etl", "--down"],
        vec!["show", &qualified],
        vec!["graph", "--remote", "features", "model.bin", "--up"],
        vec!["search", "--remotes", "--kind", "process"],
        vec!["log", "--remotes"],
        vec!["log", "--remote", "data"],
    ];
    let mut out = Vec::new();
    for query in queries {
        let text: Vec<String> = query.iter().map(|s| s.to_string()).collect();
        let mut json = text.clone();
        json.extend(["--format".to_string(), "json".to_string()]);
        out.push(text);
        out.push(json);
    }
    out
}

/// Every query of `battery`, warm and cold, as [`warm_and_cold`]; each
/// must succeed. Returns the warm runs' traces.
#[track_caller]
fn assert_warm_is_cold(env: &TestEnv, dir: &Path, battery: &[Vec<String>]) -> Vec<String> {
    let queries: Vec<Vec<&str>> = battery
        .iter()
        .map(|query| query.iter().map(String::as_str).collect())
        .collect();
    let slices: Vec<&[&str]> = queries.iter().map(Vec::as_slice).collect();
    warm_and_cold(env, dir, &slices)
        .into_iter()
        .zip(battery)
        .map(|(cold, args)| {
            assert_eq!(cold.code, 0, "{args:?} failed: {}", cold.stderr);
            cold.warm_trace
        })
        .collect()
}

/// How a query went cold, and the trace of its second warm run.
struct Cold {
    code: i32,
    stderr: String,
    warm_trace: String,
}

/// Every query of `queries` in `dir`, warm (twice: the first may write
/// derived files of its selection) and cold (no derived file at all): the
/// same exit code, stdout and stderr, whatever the code.
#[track_caller]
fn warm_and_cold(env: &TestEnv, dir: &Path, queries: &[&[&str]]) -> Vec<Cold> {
    let saved: Vec<(PathBuf, Vec<u8>)> = files_under(&derived(dir))
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("derived file");
            (path, bytes)
        })
        .collect();
    let mut colds = Vec::new();
    let mut failures = Vec::new();
    for args in queries {
        let warm = traced(env, dir, args);
        let again = traced(env, dir, args);
        let _ = std::fs::remove_dir_all(derived(dir));
        let cold = traced(env, dir, args);
        for (path, bytes) in &saved {
            write(path, bytes);
        }
        for (run, name) in [(&warm, "warm"), (&again, "warm again")] {
            if (run.0, &run.1, &run.2) != (cold.0, &cold.1, &cold.2) {
                failures.push(format!(
                    "git lineage {} ({name}) differs from cold:\n--- {name} ({}):\n{}{}\n--- cold ({}):\n{}{}",
                    args.join(" "),
                    run.0,
                    run.1,
                    run.2,
                    cold.0,
                    cold.1,
                    cold.2
                ));
            }
        }
        colds.push(Cold {
            code: cold.0,
            stderr: cold.2,
            warm_trace: again.3,
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    colds
}

#[test]
fn remotes_questions_are_answered_from_their_catalog_as_a_full_walk_answers() {
    let env = TestEnv::new();
    let org = org(&env);
    let (code, _, stderr, trace) = traced(&env, &org.model, &["fetch"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        trace.contains("catalog saved") && trace.contains("catalog refreshed"),
        "fetch writes the --remotes catalog:\n{trace}"
    );
    assert_eq!(
        derived_named(&org.model, "catalog-remotes-").len(),
        1,
        "one catalog for --remotes, beside HEAD's"
    );

    // The first question after fetch reads the catalog fetch wrote.
    let (code, stdout, _, trace) = traced(
        &env,
        &org.model,
        &["impact", "--remotes", "raw/export.csv", "--format", "json"],
    );
    assert_eq!(code, 0);
    assert!(
        trace.contains("catalog read") && !trace.contains("snapshot loaded"),
        "impact --remotes right after fetch is answered from the catalog:\n{trace}"
    );
    let impact: serde_json::Value = serde_json::from_str(&stdout).expect("impact JSON");
    let records: Vec<&serde_json::Value> = impact["records"]
        .as_object()
        .expect("impact groups records by kind")
        .values()
        .flat_map(|list| list.as_array().into_iter().flatten())
        .collect();
    let from = |name: &str| {
        records
            .iter()
            .filter(|r| r["repository"]["name"] == name)
            .count()
    };
    let data_tip = env.git(&org.model, &["rev-parse", "refs/lineage/data/main"]);
    let process = records
        .iter()
        .find(|r| r["id"] == org.process.as_str())
        .expect("the data team's record");
    assert_eq!(process["repository"]["url"], "../data.git", "{impact:#}");
    assert_eq!(
        process["repository"]["commit"],
        data_tip.trim(),
        "{impact:#}"
    );
    assert_eq!(
        (from("data"), from("features"), records.len()),
        (1, 1, 3),
        "each record names the repository it came from (none for this one's): {impact:#}"
    );

    let battery = battery(&org);
    let traces = assert_warm_is_cold(&env, &org.model, &battery);
    for (args, trace) in battery.iter().zip(&traces) {
        assert!(
            !trace.contains("assembled"),
            "{args:?} warm does not walk history:\n{trace}"
        );
        // A qualified REF is resolved in that remote's whole history, and
        // `log` in JSON lists every record: both read their selection's
        // snapshot; every other question reads only the catalog.
        let whole =
            args[1].starts_with("data:") || (args[0] == "log" && args.iter().any(|a| a == "json"));
        if !whole {
            assert!(
                trace.contains("catalog") && !trace.contains("snapshot loaded"),
                "{args:?} warm is answered from the catalog:\n{trace}"
            );
        }
    }
    // `--remote NAME` has a catalog of its own: asking about one remote
    // does not evict the catalog of all of them.
    let all = derived_named(&org.model, "catalog-remotes-");
    env.lineage(
        &org.model,
        &["graph", "--remote", "features", "model.bin", "--up"],
    )
    .success();
    let both = derived_named(&org.model, "catalog-remotes-");
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(both.contains(&all[0]), "{both:?}");
    let (_, _, _, trace) = traced(&env, &org.model, &["impact", "--remotes", "raw/export.csv"]);
    assert!(trace.contains("catalog read"), "{trace}");
}

#[test]
fn a_commit_fetched_in_one_remote_is_in_the_next_answer() {
    let env = TestEnv::new();
    let org = org(&env);
    env.lineage(&org.model, &["fetch"]).success();
    let question = ["impact", "--remotes", "raw/export.csv", "--format", "json"];
    let before = env.lineage(&org.model, &question).success().stdout;

    // The data team processes the raw export again: a newer commit on top
    // of the fetched one. Fetch writes a catalog layer with it alone: the
    // catalog is not rewritten, the snapshot not even read.
    write(&org.data.join("data/claims-v2.csv"), "id\n1\n");
    let again = step(
        &env,
        &org.data,
        &[
            "--kind",
            "process",
            "--name",
            "claims-etl-v2",
            "-i",
            "raw/export.csv",
            "-o",
            "data/claims-v2.csv",
        ],
    );
    let (code, _, stderr, trace) = traced(&env, &org.model, &["fetch", "data"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        trace.contains("catalog layer saved")
            && !trace.contains("catalog saved")
            && !trace.contains("snapshot"),
        "one new commit is a layer over the --remotes catalog:\n{trace}"
    );
    assert_eq!(derived_named(&org.model, "catalog-remotes-").len(), 2);
    let (code, after, _, trace) = traced(&env, &org.model, &question);
    assert_eq!(code, 0);
    assert!(trace.contains("catalog read"), "{trace}");
    assert!(
        after.contains(&again) && !before.contains(&again),
        "the new record is in the answer:\n{after}"
    );
    assert!(after.contains(&org.process), "{after}");
    let battery = battery(&org);
    assert_warm_is_cold(&env, &org.model, &battery);

    // A commit dated before everything fetched cannot be appended to the
    // snapshot's order: it is rebuilt, with the same answer as cold.
    write(&org.data.join("data/claims-v3.csv"), "id\n3\n");
    env.lineage(
        &org.data,
        &[
            "record",
            "--kind",
            "process",
            "--name",
            "claims-etl-v3",
            "-i",
            "raw/export.csv",
            "-o",
            "data/claims-v3.csv",
        ],
    )
    .success();
    env.git(&org.data, &["add", "-A"]);
    let old = env
        .command("git", &org.data)
        .args(["commit", "-q", "-m", "backdated"])
        .env("GIT_COMMITTER_DATE", "1000000000 +0000")
        .env("GIT_AUTHOR_DATE", "1000000000 +0000")
        .output()
        .expect("git commit");
    assert!(old.status.success());
    env.git(&org.data, &["push", "-q", "origin", "main"]);
    let (code, _, stderr, trace) = traced(&env, &org.model, &["fetch", "data"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !trace.contains("snapshot extended")
            && !trace.contains("catalog layer saved")
            && trace.contains("catalog saved"),
        "a backdated commit is not appended; history is read again:\n{trace}"
    );
    let after = env.lineage(&org.model, &question).success().stdout;
    assert!(after.contains("claims-etl-v3"), "{after}");
    assert_warm_is_cold(&env, &org.model, &battery);

    // The remote is rewound: its newest records leave every answer.
    env.git(&org.data, &["reset", "-q", "--hard", "HEAD~2"]);
    env.git(&org.data, &["push", "-q", "-f", "origin", "main"]);
    env.lineage(&org.model, &["fetch", "data"]).success();
    let after = env.lineage(&org.model, &question).success().stdout;
    assert!(
        !after.contains(&again) && !after.contains("claims-etl-v3"),
        "{after}"
    );
    assert!(after.contains(&org.process), "{after}");
    assert_warm_is_cold(&env, &org.model, &battery);
}

/// `git lineage fetch ARGS` in `dir`: its trace, after checking it exits 0.
#[track_caller]
fn fetch(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["fetch"];
    all.extend_from_slice(args);
    let (code, _, stderr, trace) = traced(env, dir, &all);
    assert_eq!(code, 0, "{stderr}");
    trace
}

#[test]
fn a_catalog_layer_answers_as_a_full_walk_across_references_names_and_findings() {
    let env = TestEnv::new();
    let org = org(&env);
    let features = org.data.with_file_name("features");
    fetch(&env, &org.model, &[]);

    // The data team runs `claims-etl` again, naming the first run: a name
    // and a reference that span the base and the layer.
    write(&org.data.join("data/claims-v2.csv"), "id\n2\n");
    let rerun = step(
        &env,
        &org.data,
        &[
            "--kind",
            "process",
            "--name",
            "claims-etl",
            "-i",
            "raw/export.csv",
            "-o",
            "data/claims-v2.csv",
            "--ref",
            &org.process,
        ],
    );
    let trace = fetch(&env, &org.model, &["data"]);
    assert!(trace.contains("catalog layer saved"), "{trace}");
    let rerun_ref = format!("data:{}", &rerun[..12]);
    let process_ref = format!("data:{}", &org.process[..12]);
    let queries: Vec<Vec<&str>> = vec![
        vec!["graph", "--remotes", "name:claims-etl", "--up"],
        vec!["graph", "--remotes", &process_ref, "--down"],
        vec!["graph", "--remotes", &rerun_ref, "--up", "--format", "json"],
        vec!["impact", "--remotes", "raw/export.csv", "--format", "json"],
        vec!["show", "data:name:claims-etl"],
        vec![
            "search",
            "--remotes",
            "--name",
            "claims-etl",
            "--format",
            "json",
        ],
        vec!["log", "--remotes"],
        vec!["log", "--remotes", "--format", "json"],
        vec!["status", "--remotes"],
        vec!["verify", "--history", "--remotes"],
        vec!["registry", "list", "--remotes"],
    ];
    let as_slices: Vec<&[&str]> = queries.iter().map(Vec::as_slice).collect();
    warm_and_cold(&env, &org.model, &as_slices);
    let up = env
        .lineage(&org.model, &["graph", "--remotes", &rerun_ref, "--up"])
        .success()
        .stdout;
    assert!(
        up.contains(&org.process[..12]),
        "the layer's record reaches the base's through its reference:\n{up}"
    );

    // Someone edits the first run's record file in the data repository:
    // the next layer holds the finding, and the records of the layer
    // before it, now attributed to the new tip.
    let shard = &org.process[..2];
    let record = org
        .data
        .join(format!(".lineage/records/{shard}/{}.yaml", org.process));
    let bytes = std::fs::read_to_string(&record).expect("record file");
    write(&record, bytes.replace("claims-etl", "claims-etl-edited"));
    env.git(&org.data, &["commit", "-q", "-am", "edit a record"]);
    env.git(&org.data, &["push", "-q", "origin", "main"]);
    let trace = fetch(&env, &org.model, &["data"]);
    assert!(trace.contains("catalog layer saved"), "{trace}");
    let verify = env.lineage(&org.model, &["verify", "--history", "--remotes"]);
    assert_eq!(verify.code, 1, "{}{}", verify.stdout, verify.stderr);
    warm_and_cold(&env, &org.model, &as_slices);

    // The data team's clock runs ahead: its next commit is dated after
    // everything. The feature team fetches it and names its record; the
    // model repository fetches the feature team first (its catalog
    // rebuilt whole), then the data team as a layer: a base record now
    // refers to a record of the layer.
    env.lineage(
        &features,
        &["remote", "add", "data", "../data.git", "--ref", "main"],
    )
    .success();
    write(&org.data.join("data/claims-v3.csv"), "id\n3\n");
    let third = env
        .lineage(
            &org.data,
            &[
                "record",
                "--kind",
                "process",
                "--name",
                "claims-etl-3",
                "-i",
                "raw/export.csv",
                "-o",
                "data/claims-v3.csv",
                "--format",
                "json",
            ],
        )
        .success()
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    env.git(&org.data, &["add", "-A"]);
    let ahead = env
        .command("git", &org.data)
        .args(["commit", "-q", "-m", "a clock ahead"])
        .env("GIT_COMMITTER_DATE", "4000000000 +0000")
        .output()
        .expect("git commit");
    assert!(ahead.status.success());
    env.git(&org.data, &["push", "-q", "origin", "main"]);
    env.lineage(&features, &["fetch", "data"]).success();
    // Other bytes than the data team wrote: only the reference joins them.
    write(&features.join("in/claims-v3.csv"), "id\n3\nlocal copy\n");
    let importer = step(
        &env,
        &features,
        &[
            "--kind",
            "process",
            "--name",
            "featurize-3",
            "-i",
            "in/claims-v3.csv",
            "-o",
            "out/features.csv",
            "--ref",
            &format!("data:{third}"),
        ],
    );
    fetch(&env, &org.model, &["features"]);
    let _ = std::fs::remove_dir_all(derived(&org.model));
    env.lineage(&org.model, &["log", "--remotes"]).success();
    let trace = fetch(&env, &org.model, &["data"]);
    assert!(trace.contains("catalog layer saved"), "{trace}");
    let importer_ref = format!("features:{}", &importer[..12]);
    let third_ref = format!("data:{}", &third[..12]);
    let up = ["graph", "--remotes", &importer_ref, "--up"];
    let down = ["graph", "--remotes", &third_ref, "--down"];
    let verify = ["verify", "--history", "--remotes"];
    warm_and_cold(&env, &org.model, &[&up, &down, &verify]);
    let down = env
        .lineage(&org.model, &["graph", "--remotes", &third_ref, "--down"])
        .success()
        .stdout;
    assert!(
        down.contains(&importer[..12]),
        "the base's record that names the layer's is downstream of it:\n{down}"
    );
}

#[test]
fn removing_a_remote_removes_the_derived_files_of_every_remote_selection() {
    let env = TestEnv::new();
    let org = org(&env);
    fetch(&env, &org.model, &[]);
    env.lineage(
        &org.model,
        &["graph", "--remote", "features", "model.bin", "--up"],
    )
    .success();
    env.lineage(&org.model, &["log", "--remotes", "--format", "json"])
        .success();
    assert_eq!(derived_named(&org.model, "catalog-remotes-").len(), 2);
    assert!(!derived_named(&org.model, "snapshot-remotes-").is_empty());
    let head = derived_named(&org.model, "catalog-v");

    env.lineage(&org.model, &["remote", "remove", "features"])
        .success();
    assert_eq!(
        (
            derived_named(&org.model, "catalog-remotes-"),
            derived_named(&org.model, "snapshot-remotes-"),
        ),
        (Vec::new(), Vec::new()),
        "no selection naming a removed remote is current again"
    );
    assert_eq!(derived_named(&org.model, "catalog-v"), head, "HEAD's stay");
    let impact: &[&str] = &["impact", "--remotes", "raw/export.csv"];
    warm_and_cold(&env, &org.model, &[impact]);
}

#[test]
fn a_fetch_that_adds_more_packs_than_its_repository_had_still_warms_every_remote() {
    // A repository opened before the fetches sizes its table of pack
    // indices by the packs there were then (at least 32): forty remotes,
    // each fetched into a pack of its own, outgrow it.
    let env = TestEnv::new();
    let consumer = repo(&env, "consumer");
    env.git(&consumer, &["config", "fetch.unpackLimit", "1"]);
    env.git(&consumer, &["config", "gc.auto", "0"]);
    let remotes = 40;
    for i in 0..remotes {
        let name = format!("team{i:02}");
        let dir = repo(&env, &name);
        write(&dir.join("out.csv"), format!("team,{i}\n"));
        step(
            &env,
            &dir,
            &["--kind", "process", "--name", &name, "-o", "out.csv"],
        );
        let url = format!("../{name}.git");
        env.lineage(&consumer, &["remote", "add", &name, &url, "--ref", "main"])
            .success();
    }
    let trace = fetch(&env, &consumer, &[]);
    let packs = std::fs::read_dir(consumer.join(".git/objects/pack"))
        .expect("pack directory")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".idx"))
        .count();
    assert!(packs >= remotes, "each fetch made a pack: {packs}");
    assert!(trace.contains("catalog saved"), "{trace}");

    let (code, stdout, stderr, trace) =
        traced(&env, &consumer, &["log", "--remotes", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !trace.contains("catalog saved") && !trace.contains("assembled"),
        "the catalog fetch wrote holds every remote:\n{trace}"
    );
    let listed: serde_json::Value = serde_json::from_str(&stdout).expect("log JSON");
    let records = listed["records"].as_array().map(Vec::len);
    assert_eq!(records, Some(remotes), "{listed:#}");
}
