//! Retention: `drop` tombstones keep `verify` and `status` clean while the
//! bytes are gone (and notice when they come back), `du` totals against the
//! sizes on disk, `gc` dry run against `--apply`, and the policy's refusals
//! for a production model and what is upstream of it.

use std::path::{Path, PathBuf};

use crate::common::{TestEnv, b3, commit_all, record_ids, record_step, write};

const RAW: &[u8] = b"id,amount\n1,9.99\n2,12.50\n";
const OLD: &[u8] = b"id,amount\n1,1.00\n";
const MODEL: &[u8] = b"model weights v1\n";

/// A repository with `data/old.csv` processed into `data/raw.csv`, which
/// trains `model/model.bin`; all committed.
fn pipeline(env: &TestEnv) -> (PathBuf, String, String) {
    let repo = env.repo("repo");
    write(&repo.join("data/old.csv"), OLD);
    write(&repo.join("data/raw.csv"), RAW);
    write(&repo.join("model/model.bin"), MODEL);
    commit_all(env, &repo, "data");
    let prep = record_step(
        env,
        &repo,
        "process",
        "prep",
        &["--commit", "-i", "data/old.csv", "-o", "data/raw.csv"],
    );
    let train = record_step(
        env,
        &repo,
        "train",
        "fraud-train",
        &[
            "--commit",
            "-i",
            "dataset=data/raw.csv",
            "-o",
            "model=model/model.bin",
        ],
    );
    (repo, prep, train)
}

fn drop_id(run: &crate::common::Run) -> String {
    let line = run.stdout.lines().next().unwrap_or_default();
    line.rsplit(' ').next().unwrap_or_default().to_string()
}

#[test]
fn a_tombstone_keeps_verify_and_status_clean_while_the_data_is_gone() {
    let env = TestEnv::new();
    let (repo, _, _) = pipeline(&env);
    // Control: deleting the bytes without a tombstone is a finding.
    std::fs::remove_file(repo.join("data/old.csv")).unwrap();
    let run = env.lineage(&repo, &["verify", "--artifacts"]).code(1);
    assert!(run.stdout.contains("no longer exists"), "{}", run.stdout);
    env.lineage(&repo, &["status"]).code(1);
    write(&repo.join("data/old.csv"), OLD);

    let run = env
        .lineage(
            &repo,
            &[
                "drop",
                "data/old.csv",
                "--reason",
                "privacy: raw extract past 90 days",
                "--delete-local",
                "--commit",
            ],
        )
        .success();
    assert!(
        run.stdout.starts_with("dropped 1 artifact (17 B) by "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("deleted: data/old.csv"),
        "{}",
        run.stdout
    );
    assert!(
        !repo.join("data/old.csv").exists(),
        "--delete-local deletes"
    );
    let tombstone = drop_id(&run);

    // The tombstone is an ordinary record: kind drop, the artifact with hash
    // and size, why, from where, by whom.
    let ids = record_ids(&repo);
    let full = ids
        .iter()
        .find(|id| id.starts_with(&tombstone))
        .expect("the tombstone is a record file");
    let record = crate::common::load_record(&repo, full);
    assert_eq!(record["kind"], "drop");
    assert_eq!(record["name"], "manual");
    assert_eq!(
        record["params"]["reason"],
        "privacy: raw extract past 90 days"
    );
    assert_eq!(record["params"]["from"], "local");
    assert_eq!(record["inputs"][0]["path"], "data/old.csv");
    assert_eq!(record["inputs"][0]["role"], "dropped");
    assert_eq!(record["inputs"][0]["size"], 17);
    assert_eq!(
        record["inputs"][0]["hash"],
        format!("blake3:{}", b3(OLD)).as_str()
    );

    let run = env
        .lineage(&repo, &["verify", "--artifacts", "--history"])
        .success();
    assert!(
        run.stdout.contains(&format!(
            "dropped: 'data/old.csv' (blake3:{}) dropped by {tombstone}",
            &b3(OLD)[..12]
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("ok: "), "{}", run.stdout);
    let json = env
        .lineage(&repo, &["verify", "--artifacts", "--format", "json"])
        .success()
        .json();
    assert_eq!(json["dropped"][0]["path"], "data/old.csv");
    assert_eq!(json["dropped"][0]["dropped_by"], full.as_str());

    // `where` says the bytes were dropped, and by which tombstone.
    let found = env
        .lineage(&repo, &["where", "data/old.csv", "--format", "json"])
        .success()
        .json();
    assert_eq!(found["artifacts"][0]["dropped_by"], full.as_str());
    let run = env.lineage(&repo, &["where", "data/old.csv"]).success();
    assert!(
        run.stdout.contains(&format!(
            "  dropped by {tombstone}: a tombstone says these bytes were deleted"
        )),
        "{}",
        run.stdout
    );
    let kept = env
        .lineage(&repo, &["where", "data/raw.csv", "--format", "json"])
        .success()
        .json();
    assert!(kept["artifacts"][0].get("dropped_by").is_none(), "{kept}");
    // The page of `view` marks the dropped artifact, and only it.
    let page = env
        .lineage(&repo, &["view", "data/old.csv", "-o", "-"])
        .success()
        .stdout;
    assert_eq!(page.matches("\"marks\":[\"dropped\"]").count(), 1, "{page}");

    let run = env.lineage(&repo, &["status"]).success();
    assert!(
        run.stdout.starts_with("dropped: data/old.csv (recorded "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&format!("dropped by {tombstone}")));
    let json = env
        .lineage(&repo, &["status", "--format", "json"])
        .success()
        .json();
    assert_eq!(json["changed"].as_array().unwrap().len(), 0);
    assert_eq!(json["dropped"][0]["dropped_by"], full.as_str());

    // The graph keeps the node: the tombstone is downstream of it.
    let run = env
        .lineage(
            &repo,
            &["graph", &format!("blake3:{}", b3(OLD)), "--format", "json"],
        )
        .success();
    assert!(run.stdout.contains(full.as_str()), "{}", run.stdout);
    assert!(run.stdout.contains("\"dropped\""), "{}", run.stdout);
}

#[test]
fn bytes_that_reappear_count_as_present_again() {
    let env = TestEnv::new();
    let (repo, _, _) = pipeline(&env);
    env.lineage(
        &repo,
        &[
            "drop",
            "data/old.csv",
            "--reason",
            "cost",
            "--delete-local",
            "--commit",
        ],
    )
    .success();
    let du = env
        .lineage(&repo, &["du", "--format", "json"])
        .success()
        .json();
    assert_eq!(du["total"]["dropped"]["bytes"], OLD.len());

    write(&repo.join("data/old.csv"), OLD);
    let run = env.lineage(&repo, &["status"]).success();
    assert!(!run.stdout.contains("dropped"), "{}", run.stdout);
    let json = env
        .lineage(&repo, &["verify", "--artifacts", "--format", "json"])
        .success()
        .json();
    assert!(json.get("dropped").is_none(), "{json}");
    let du = env
        .lineage(&repo, &["du", "--format", "json"])
        .success()
        .json();
    assert_eq!(du["total"]["dropped"]["artifacts"], 0);
    assert_eq!(du["total"]["present"]["artifacts"], 3);

    // Other bytes at the path are a change, tombstone or not.
    write(&repo.join("data/old.csv"), b"something else\n");
    env.lineage(&repo, &["status"]).code(1);
}

fn size_on_disk(repo: &Path, rel: &str) -> u64 {
    std::fs::metadata(repo.join(rel)).unwrap().len()
}

#[test]
fn du_totals_match_the_sizes_on_disk() {
    let env = TestEnv::new();
    let (repo, _, _) = pipeline(&env);
    record_step(
        &env,
        &repo,
        "ingest",
        "claims",
        &[
            "--commit",
            "-i",
            "s3://bucket/claims.csv@v3",
            "-o",
            "data/old.csv",
        ],
    );
    let json = env
        .lineage(&repo, &["du", "--format", "json"])
        .success()
        .json();
    let on_disk: u64 = ["data/old.csv", "data/raw.csv", "model/model.bin"]
        .iter()
        .map(|p| size_on_disk(&repo, p))
        .sum();
    assert_eq!(json["total"]["present"]["bytes"], on_disk);
    assert_eq!(json["total"]["present"]["artifacts"], 3);
    assert_eq!(json["total"]["external"]["artifacts"], 1);
    let prefix = |key: &str| {
        json["by_prefix"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .cloned()
            .unwrap_or_else(|| panic!("no row {key}: {json}"))
    };
    assert_eq!(
        prefix("data/")["present"]["bytes"],
        size_on_disk(&repo, "data/old.csv") + size_on_disk(&repo, "data/raw.csv")
    );
    assert_eq!(
        prefix("model/")["present"]["bytes"],
        size_on_disk(&repo, "model/model.bin")
    );
    // A REF narrows it: the training record's input and output.
    let json = env
        .lineage(&repo, &["du", "name:fraud-train", "--format", "json"])
        .success()
        .json();
    assert_eq!(
        json["total"]["present"]["bytes"],
        size_on_disk(&repo, "data/raw.csv") + size_on_disk(&repo, "model/model.bin")
    );
    let text = env.lineage(&repo, &["du"]).success().stdout;
    assert!(text.contains("by kind:"), "{text}");
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("total"),
        "{text}"
    );
}

const KEEP_LAST_1: &str = "schema: git-lineage/v1\nretention:\n  keep_last: 1\n";

/// Three versions of `data/raw.csv`, each read by an evaluation.
fn versions(env: &TestEnv) -> PathBuf {
    let repo = env.repo("repo");
    write(&repo.join(".lineage/config.yaml"), KEEP_LAST_1);
    for (n, bytes) in [b"v1\n", b"v2\n", b"v3\n"].iter().enumerate() {
        write(&repo.join("data/raw.csv"), bytes);
        commit_all(env, &repo, &format!("data v{}", n + 1));
        record_step(
            env,
            &repo,
            "evaluate",
            "eval",
            &["--commit", "-i", "data/raw.csv"],
        );
    }
    repo
}

#[test]
fn gc_is_a_dry_run_by_default_and_apply_writes_one_tombstone() {
    let env = TestEnv::new();
    let repo = versions(&env);
    let before = record_ids(&repo);
    let run = env.lineage(&repo, &["gc"]).success();
    assert!(
        run.stdout
            .starts_with("policy: keep the last 1 versions per path or URI"),
        "{}",
        run.stdout
    );
    let would: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("would drop: data/raw.csv"))
        .collect();
    assert_eq!(would.len(), 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("version 3 of data/raw.csv"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("would drop 2 artifacts (6 B)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("loses input: ").count(),
        2,
        "the two older evaluations lose their input:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("dry run: nothing was written"));
    assert!(
        run.stdout.contains("  total "),
        "du totals:\n{}",
        run.stdout
    );
    assert_eq!(record_ids(&repo), before, "a dry run writes nothing");
    env.lineage(&repo, &["gc", "--dry-run"]).success();
    assert_eq!(record_ids(&repo), before);

    let json = env
        .lineage(&repo, &["gc", "--apply", "--commit", "--format", "json"])
        .success()
        .json();
    assert_eq!(json["applied"], true);
    let tombstone = json["tombstone"]["id"].as_str().unwrap().to_string();
    let after = record_ids(&repo);
    assert_eq!(after.len(), before.len() + 1, "one tombstone per run");
    let record = crate::common::load_record(&repo, &tombstone);
    assert_eq!(record["kind"], "drop");
    assert_eq!(record["name"], "gc");
    let hashes: Vec<&str> = record["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["hash"].as_str().unwrap())
        .collect();
    assert_eq!(hashes.len(), 2, "{record}");
    for old in [b"v1\n", b"v2\n"] {
        assert!(hashes.contains(&format!("blake3:{}", b3(old)).as_str()));
    }
    // The current bytes are untouched; nothing is left to drop.
    assert_eq!(std::fs::read(repo.join("data/raw.csv")).unwrap(), b"v3\n");
    let run = env.lineage(&repo, &["gc"]).success();
    assert!(
        run.stdout.contains("would drop 0 artifacts"),
        "{}",
        run.stdout
    );
    env.lineage(&repo, &["verify", "--artifacts", "--history"])
        .success();
}

#[test]
fn the_policy_protects_a_production_model_and_what_is_upstream_of_it() {
    let env = TestEnv::new();
    let (repo, _, _) = pipeline(&env);
    for args in [
        &[
            "registry",
            "register",
            "fraud",
            "--artifact",
            "model/model.bin",
            "--commit",
        ][..],
        &[
            "registry",
            "promote",
            "fraud@v1",
            "--stage",
            "production",
            "--commit",
        ][..],
    ] {
        env.lineage(&repo, args).success();
    }
    let before = record_ids(&repo);
    let run = env
        .lineage(&repo, &["drop", "model/model.bin", "--reason", "cost"])
        .code(2);
    assert!(
        run.stderr.starts_with("error: 'model/model.bin' ("),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("is protected: it is the artifact of fraud@v1 (production)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
    let run = env
        .lineage(&repo, &["drop", "data/old.csv", "--reason", "cost"])
        .code(2);
    assert!(
        run.stderr
            .contains("is protected: it is upstream of fraud@v1 (production)"),
        "{}",
        run.stderr
    );
    assert_eq!(record_ids(&repo), before, "a refusal writes nothing");
    assert!(repo.join("model/model.bin").exists());

    // gc keeps them too, naming the rule, even when the policy would not.
    write(
        &repo.join(".lineage/config.yaml"),
        "schema: git-lineage/v1\nretention:\n  keep_younger_than: 0 days\n",
    );
    let run = env.lineage(&repo, &["gc"]).success();
    assert!(
        run.stdout.contains("would drop 0 artifacts"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("kept: ").count(), 3, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("(it is the artifact of fraud@v1 (production))")
    );
}

#[test]
fn drop_refuses_what_names_no_bytes() {
    let env = TestEnv::new();
    let (repo, _, _) = pipeline(&env);
    let run = env
        .lineage(&repo, &["drop", "data/old.csv", "--reason", " "])
        .code(2);
    assert!(run.stderr.contains("needs a reason"), "{}", run.stderr);
    let run = env
        .lineage(&repo, &["drop", "commit:HEAD~2", "--reason", "x"])
        .code(2);
    assert!(run.stderr.contains("names a code commit"), "{}", run.stderr);
    env.lineage(&repo, &["drop", "nowhere.csv", "--reason", "x"])
        .code(2);
}

const EXPIRERS_ANN: &str = "schema: git-lineage/v1\nretention:\n  expirers: [\"*@example.com\"]\n";

/// `pipeline` plus an abandoned sweep reading `data/raw.csv`, committed.
fn with_sweep(env: &TestEnv) -> (PathBuf, String, String) {
    let (repo, _, train) = pipeline(env);
    write(&repo.join(".lineage/config.yaml"), EXPIRERS_ANN);
    commit_all(env, &repo, "retention policy");
    let sweep = record_step(
        env,
        &repo,
        "sweep",
        "lr-0.5",
        &["--commit", "-i", "data/raw.csv", "-p", "lr=0.5"],
    );
    (repo, train, sweep)
}

#[test]
fn an_authorized_expire_is_clean_an_unauthorized_one_and_a_plain_git_rm_are_findings() {
    let env = TestEnv::new();
    let (repo, _, sweep) = with_sweep(&env);
    let path = crate::common::record_rel_path(&sweep);
    let run = env
        .lineage(
            &repo,
            &[
                "expire",
                &sweep[..12],
                "--reason",
                "abandoned sweep",
                "--commit",
            ],
        )
        .success();
    assert!(
        run.stdout.starts_with("expired 1 record by "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("removed: {path}")),
        "{}",
        run.stdout
    );
    assert!(!repo.join(&path).exists());
    // One commit: the expire record added, the file removed; nothing left over.
    let show = env.git(&repo, &["show", "--name-status", "--format=%s", "HEAD"]);
    assert!(show.starts_with("lineage: expire 1 record "), "{show}");
    assert!(show.contains(&format!("D\t{path}")), "{show}");
    assert_eq!(show.matches("\nA\t").count(), 1, "{show}");
    assert_eq!(env.git(&repo, &["status", "--porcelain"]), "");
    let run = env.lineage(&repo, &["verify", "--history"]).success();
    assert!(run.stdout.starts_with("ok: "), "{}", run.stdout);

    // Hidden from log, search and graph; --include-expired shows it, marked.
    let short = &sweep[..12];
    let log = env.lineage(&repo, &["log"]).success().stdout;
    assert!(!log.contains(short), "{log}");
    let log = env
        .lineage(&repo, &["log", "--include-expired"])
        .success()
        .stdout;
    let line = log.lines().find(|l| l.starts_with(short)).expect(&log);
    assert!(line.contains("(expired by "), "{line}");
    let json = env
        .lineage(
            &repo,
            &[
                "search",
                "--kind",
                "sweep",
                "--include-expired",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    assert_eq!(json["records"][0]["id"], sweep.as_str());
    assert!(json["records"][0]["expired_by"].is_string(), "{json}");
    let search = env.lineage(&repo, &["search", "--kind", "sweep"]);
    assert!(!search.stdout.contains(short), "{}", search.stdout);
    let graph = env
        .lineage(&repo, &["graph", "data/raw.csv", "--down"])
        .success()
        .stdout;
    assert!(!graph.contains(short), "{graph}");
    let graph = env
        .lineage(
            &repo,
            &["graph", "data/raw.csv", "--down", "--include-expired"],
        )
        .success()
        .stdout;
    assert!(graph.contains("lr-0.5 (expired by "), "{graph}");

    // The same expire judged by a policy that does not allow its author:
    // the expire is a finding, and so is the deletion it covered.
    write(
        &repo.join(".lineage/config.yaml"),
        "schema: git-lineage/v1\nretention:\n  expirers: [lead@example.org]\n",
    );
    let run = env.lineage(&repo, &["verify", "--history"]).code(1);
    assert!(
        run.stdout
            .contains(": expire: expire record is not authorized: "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{path}: deleted: ")),
        "{}",
        run.stdout
    );
    write(&repo.join(".lineage/config.yaml"), EXPIRERS_ANN);
    env.lineage(&repo, &["verify", "--history"]).success();

    // A plain `git rm` of a record file is tampering, expirers or not.
    let (prep_path, _) = {
        let ids = record_ids(&repo);
        let id = ids
            .iter()
            .find(|id| crate::common::load_record(&repo, id)["kind"] == "process")
            .cloned()
            .unwrap();
        (crate::common::record_rel_path(&id), id)
    };
    env.git(&repo, &["rm", "-q", &prep_path]);
    env.git(&repo, &["commit", "-q", "-m", "tidy"]);
    let run = env.lineage(&repo, &["verify", "--history"]).code(1);
    assert!(
        run.stdout.contains(&format!("{prep_path}: deleted: ")),
        "{}",
        run.stdout
    );
}

#[test]
fn expire_is_refused_for_what_a_production_model_depends_on_and_for_non_expirers() {
    let env = TestEnv::new();
    let (repo, train, sweep) = with_sweep(&env);
    for args in [
        &[
            "registry",
            "register",
            "fraud",
            "--artifact",
            "model/model.bin",
            "--commit",
        ][..],
        &[
            "registry",
            "promote",
            "fraud@v1",
            "--stage",
            "production",
            "--commit",
        ][..],
    ] {
        env.lineage(&repo, args).success();
    }
    let before = record_ids(&repo);
    let run = env
        .lineage(&repo, &["expire", &train, "--reason", "tidy"])
        .code(2);
    assert!(
        run.stderr.starts_with(&format!(
            "error: cannot expire {train} (train fraud-train): "
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "its output 'model/model.bin' is protected: it is the artifact of fraud@v1 (production)"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("(registry-register fraud) depends on it"),
        "{}",
        run.stderr
    );
    // Upstream of it: the processing step, which training depends on.
    let run = env
        .lineage(&repo, &["expire", "name:prep", "--reason", "tidy"])
        .code(2);
    assert!(
        run.stderr.contains("(train fraud-train) depends on it"),
        "{}",
        run.stderr
    );
    assert_eq!(
        record_ids(&repo),
        before,
        "a refusal writes and removes nothing"
    );

    // Someone the policy does not name may not expire anything.
    write(
        &repo.join(".lineage/config.yaml"),
        "schema: git-lineage/v1\nretention:\n  expirers: [lead@example.org]\n",
    );
    let run = env
        .lineage(&repo, &["expire", &sweep, "--reason", "abandoned"])
        .code(2);
    assert!(
        run.stderr
            .contains("may not expire records: retention.expirers allows lead@example.org"),
        "{}",
        run.stderr
    );
    assert!(
        crate::common::hint_line(&run.stderr).is_some(),
        "{}",
        run.stderr
    );
    assert_eq!(record_ids(&repo), before);
}
