//! `git lineage record`: content addressing, artifact hashing, params,
//! metrics, environment, code state and identity, each checked against
//! values computed here (blake3, git) rather than read back from the tool.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{
    TestEnv, b3, bin, commit_all, load_record, record_files, record_ids, record_rel_path,
    rfc3339_utc_nanos, write,
};

#[test]
fn record_writes_a_content_addressed_manifest() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "a,b\n1,2\n");
    write(&repo.join("model/model.bin"), [0u8, 1, 2, 3]);
    let run = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "train",
                "--name",
                "fraud-model",
                "-i",
                "dataset=data/train.csv",
                "-o",
                "model/model.bin",
                "-p",
                "lr=0.1",
            ],
        )
        .success();
    let id = run.stdout.trim();
    let files = record_files(&repo);
    assert_eq!(files.len(), 1);
    let bytes = std::fs::read(&files[0]).unwrap();
    assert_eq!(b3(&bytes), id);
    assert_eq!(
        files[0],
        repo.join(format!(".lineage/records/{}/{id}.yaml", &id[..2]))
    );
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains(&format!("hash: blake3:{}", b3(b"a,b\n1,2\n"))),
        "{text}"
    );
}

/// Run `record --kind train --name fraud-model ARGS` and return the id it prints.
#[track_caller]
fn record_id(env: &TestEnv, repo: &Path, args: &[&str]) -> String {
    let mut all = vec!["record", "--kind", "train", "--name", "fraud-model"];
    all.extend_from_slice(args);
    let run = env.lineage(repo, &all).success();
    let id = run.stdout.trim().to_string();
    assert_eq!(id.len(), 64, "stdout is not one record id:\n{}", run.stdout);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{id}"
    );
    id
}

fn blake3_ref(bytes: &[u8]) -> Value {
    Value::String(format!("blake3:{}", b3(bytes)))
}

#[test]
fn the_file_name_is_the_blake3_of_its_bytes_and_json_output_agrees() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "x\n");

    let first = record_id(&env, &repo, &["-i", "data/train.csv"]);
    let path = repo.join(".lineage/records").join(&first[..2]);
    let bytes = std::fs::read(path.join(format!("{first}.yaml"))).unwrap();
    assert_eq!(b3(&bytes), first);

    let run = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "train",
                "--name",
                "fraud-model",
                "-i",
                "data/train.csv",
                "--format",
                "json",
            ],
        )
        .success();
    let json = run.json();
    let keys: Vec<&str> = json
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{json:#}");
    for key in ["id", "path", "commit", "record"] {
        assert!(keys.contains(&key), "missing {key}: {json:#}");
    }
    let id = json["id"].as_str().expect("id is a string").to_string();
    assert_ne!(id, first, "records made by separate commands differ");
    assert_eq!(json["path"], Value::String(record_rel_path(&id)));
    assert_eq!(json["commit"], Value::Null);
    let bytes = std::fs::read(repo.join(record_rel_path(&id))).unwrap();
    assert_eq!(b3(&bytes), id);
    // The JSON record is the file's content.
    assert_eq!(json["record"], load_record(&repo, &id));

    let mut ids = record_ids(&repo);
    ids.sort();
    let mut expected = vec![first, id];
    expected.sort();
    assert_eq!(ids, expected);
}

#[test]
fn file_inputs_are_hashed_with_plain_blake3_and_sized() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let small = b"id,amount\n1,9.99\n2,12.50\n".to_vec();
    // Above the memory-map threshold, with a pattern that is not periodic in 1 KiB.
    let large: Vec<u8> = (0..5 * 1024 * 1024 + 4321u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write(&repo.join("data/small.csv"), &small);
    write(&repo.join("data/large.bin"), &large);
    write(&repo.join("data/empty.csv"), b"");

    let id = record_id(
        &env,
        &repo,
        &[
            "-i",
            "data/small.csv",
            "-i",
            "data/large.bin",
            "-o",
            "data/empty.csv",
        ],
    );
    let record = load_record(&repo, &id);
    assert_eq!(
        record["inputs"],
        json!([
            {"path": "data/small.csv", "hash": blake3_ref(&small), "size": small.len()},
            {"path": "data/large.bin", "hash": blake3_ref(&large), "size": large.len()},
        ])
    );
    assert_eq!(
        record["outputs"],
        json!([{"path": "data/empty.csv", "hash": blake3_ref(b""), "size": 0}])
    );
    // b3sum of the empty input, a published constant.
    assert_eq!(
        record["outputs"][0]["hash"],
        "blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
    );
}

/// A listing line of the documented directory rule.
fn file_line(path: &str, bytes: &[u8]) -> (String, String) {
    (
        path.to_string(),
        format!("{} {} {path}\n", b3(bytes), bytes.len()),
    )
}

#[cfg(unix)]
#[test]
fn directory_inputs_hash_their_canonical_listing() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let ds = repo.join("ds");
    let files: [(&str, &[u8]); 8] = [
        ("a.txt", b"alpha\n"),
        ("sp ace.csv", b"space in the name\n"),
        ("\u{e9}t\u{e9}.csv", "non-ASCII name\n".as_bytes()),
        ("a-b.txt", b"dash\n"),
        ("a/b.txt", b"nested\n"),
        ("B.csv", b"UPPER\n"),
        ("deep/x/y/z.bin", &[0, 1, 2, 255]),
        ("empty.txt", b""),
    ];
    for (path, bytes) in files {
        write(&ds.join(path), bytes);
    }
    // Skipped by the config's ignore globs, at any depth.
    for ignored in [
        "model.pyc",
        "a/sub.pyc",
        "__pycache__/m.cpython-312.pyc",
        "a/__pycache__/x.py",
        ".DS_Store",
        "deep/x/.DS_Store",
    ] {
        write(&ds.join(ignored), b"ignored bytes");
    }
    std::os::unix::fs::symlink("a/b.txt", ds.join("link")).unwrap();
    // A link out of the directory is recorded as a link, never followed.
    write(&repo.join("elsewhere/secret.bin"), b"outside the directory");
    std::os::unix::fs::symlink("../../elsewhere/secret.bin", ds.join("a/out")).unwrap();

    let mut lines: Vec<(String, String)> = files.iter().map(|(p, b)| file_line(p, b)).collect();
    lines.push((
        "link".to_string(),
        format!("{} symlink link\n", b3(b"a/b.txt")),
    ));
    lines.push((
        "a/out".to_string(),
        format!("{} symlink a/out\n", b3(b"../../elsewhere/secret.bin")),
    ));
    lines.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let order: Vec<&str> = lines.iter().map(|(p, _)| p.as_str()).collect();
    // Sorted by bytes: upper case first, '-' < '.' < '/', non-ASCII (UTF-8) last.
    assert_eq!(
        order,
        [
            "B.csv",
            "a-b.txt",
            "a.txt",
            "a/b.txt",
            "a/out",
            "deep/x/y/z.bin",
            "empty.txt",
            "link",
            "sp ace.csv",
            "\u{e9}t\u{e9}.csv",
        ]
    );
    let listing: String = lines.iter().map(|(_, l)| l.as_str()).collect();
    let size: usize = files.iter().map(|(_, b)| b.len()).sum();

    let id = record_id(&env, &repo, &["-i", "dataset=ds"]);
    let record = load_record(&repo, &id);
    assert_eq!(
        record["inputs"],
        json!([{
            "path": "ds",
            "role": "dataset",
            "hash": blake3_ref(listing.as_bytes()),
            "size": size,
            "files": 10,
        }]),
        "listing:\n{listing}"
    );

    // Changing an ignored file changes nothing; changing a listed one does.
    write(&ds.join("a/sub.pyc"), b"other ignored bytes");
    let again = record_id(&env, &repo, &["-i", "dataset=ds"]);
    assert_eq!(load_record(&repo, &again)["inputs"], record["inputs"]);
    write(&ds.join("deep/x/y/z.bin"), [9u8]);
    let changed = record_id(&env, &repo, &["-i", "dataset=ds"]);
    assert_ne!(
        load_record(&repo, &changed)["inputs"][0]["hash"],
        record["inputs"][0]["hash"]
    );
}

#[test]
fn globs_roles_and_external_uris() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/a.csv"), "a\n");
    write(&repo.join("data/b.csv"), "bb\n");
    write(&repo.join("data/c.txt"), "not a csv\n");
    write(&repo.join("data/sub/d.csv"), "deeper\n");
    let outside = env.path("external/raw.parquet");
    write(&outside, b"PAR1 outside the repository");
    let file_uri = format!("file://{}", outside.display());

    let id = record_id(
        &env,
        &repo,
        &[
            "-i",
            "dataset=data/*.csv",
            "-i",
            "feature-group=featurestore://claims@v3",
            "-i",
            "s3://bucket/key",
            "-i",
            &format!("raw={file_uri}"),
        ],
    );
    let record = load_record(&repo, &id);
    assert_eq!(
        record["inputs"],
        json!([
            {"path": "data/a.csv", "role": "dataset", "hash": blake3_ref(b"a\n"), "size": 2},
            {"path": "data/b.csv", "role": "dataset", "hash": blake3_ref(b"bb\n"), "size": 3},
            {"uri": "featurestore://claims", "role": "feature-group", "version": "v3"},
            {"uri": "s3://bucket/key"},
            {
                "uri": file_uri,
                "role": "raw",
                "hash": blake3_ref(b"PAR1 outside the repository"),
                "size": 27,
            },
        ])
    );
}

#[test]
fn a_glob_that_matches_nothing_is_an_error_and_writes_nothing() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "train",
                "--name",
                "m",
                "-i",
                "data/*.csv",
            ],
        )
        .code(2);
    assert!(run.stderr.contains("data/*.csv"), "{}", run.stderr);
    assert!(record_files(&repo).is_empty());
}

#[test]
fn params_and_metrics_are_typed_nested_and_merged() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(
        &repo.join("conf/params.yaml"),
        "lr: 0.5\nbatch: 32\nlayers: [64, 32]\nopt:\n  beta: 0.5\n  name: sgd\n",
    );
    write(
        &repo.join("conf/params.json"),
        r#"{"depth": 3, "dropout": 0.2, "batch": 64}"#,
    );
    write(&repo.join("out/metrics.yaml"), "auc: 0.5\nloss: 0.25\n");
    write(&repo.join("out/metrics.json"), r#"{"f1": 0.75}"#);
    let requirements = b"numpy==2.1.0\nxgboost==2.1.1\n";
    write(&repo.join("requirements.txt"), requirements);
    let image = format!("ghcr.io/acme/train@sha256:{}", "0123456789abcdef".repeat(4));

    let id = record_id(
        &env,
        &repo,
        &[
            "--params",
            "conf/params.yaml",
            "--params",
            "conf/params.json",
            "-p",
            "lr=0.1",
            "-p",
            "depth=6",
            "-p",
            "flag=true",
            "-p",
            "name=adam",
            "-p",
            "opt.beta=0.9",
            "--metrics",
            "out/metrics.yaml",
            "--metrics",
            "out/metrics.json",
            "-m",
            "auc=0.91",
            "-m",
            "counts.tp=10",
            "--seed",
            "42",
            "--env",
            "requirements.txt",
            "--image",
            &image,
        ],
    );
    let record = load_record(&repo, &id);
    // serde_json numbers compare by kind too: 6 is not 6.0.
    assert_eq!(
        record["params"],
        json!({
            "batch": 64,
            "depth": 6,
            "dropout": 0.2,
            "flag": true,
            "layers": [64, 32],
            "lr": 0.1,
            "name": "adam",
            "opt": {"beta": 0.9, "name": "sgd"},
        })
    );
    assert!(record["params"]["depth"].is_i64() && record["params"]["lr"].is_f64());
    assert_eq!(
        record["metrics"],
        json!({"auc": 0.91, "counts": {"tp": 10}, "f1": 0.75, "loss": 0.25})
    );
    assert_eq!(record["seed"], json!(42));
    assert_eq!(
        record["environment"],
        json!({
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
            "tool": format!("git-lineage {}", env!("CARGO_PKG_VERSION")),
            "image": image,
            "lockfiles": {"requirements.txt": blake3_ref(requirements)},
        })
    );
    let version = env.lineage(&repo, &["--version"]).success();
    assert!(
        version.stdout.contains(env!("CARGO_PKG_VERSION")),
        "{}",
        version.stdout
    );
}

#[test]
fn code_pins_head_branch_and_dirty_state() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let head = env.git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    // Untracked files (and the uncommitted .lineage/config.yaml) are not code changes.
    write(&repo.join("notes.txt"), "scratch\n");

    let clean = load_record(&repo, &record_id(&env, &repo, &[]));
    assert_eq!(
        clean["code"],
        json!({"commit": head, "branch": "main", "dirty": false})
    );

    // The documented rule: BLAKE3 of `<blake3 of worktree bytes> <path>\n`
    // lines, sorted by path, over the changed tracked files.
    let changes_of = |bytes: &[u8]| {
        format!(
            "blake3:{}",
            b3(format!("{} train.py\n", b3(bytes)).as_bytes())
        )
    };

    write(&repo.join("train.py"), "print('v2')\n");
    let v2 = load_record(&repo, &record_id(&env, &repo, &[]));
    assert_eq!(v2["code"]["commit"], Value::String(head.clone()));
    assert_eq!(v2["code"]["dirty"], json!(true));
    let v2_changes = v2["code"]["changes"].as_str().expect("changes").to_string();
    assert_eq!(v2_changes, changes_of(b"print('v2')\n"));

    // The same modification gives the same hash; a different one does not.
    let v2_again = load_record(&repo, &record_id(&env, &repo, &[]));
    assert_eq!(
        v2_again["code"]["changes"],
        Value::String(v2_changes.clone())
    );
    write(&repo.join("train.py"), "print('v3')\n");
    let v3 = load_record(&repo, &record_id(&env, &repo, &[]));
    assert_eq!(v3["code"]["dirty"], json!(true));
    assert_ne!(v3["code"]["changes"], Value::String(v2_changes));
    assert_eq!(v3["code"]["changes"], json!(changes_of(b"print('v3')\n")));

    // Back to the committed bytes: clean again.
    write(&repo.join("train.py"), "print('training')\n");
    let restored = load_record(&repo, &record_id(&env, &repo, &[]));
    assert_eq!(restored["code"], clean["code"]);

    // A staged change is a change too.
    write(&repo.join("train.py"), "print('staged')\n");
    env.git(&repo, &["add", "train.py"]);
    let staged = load_record(&repo, &record_id(&env, &repo, &[]));
    assert_eq!(staged["code"]["dirty"], json!(true));
    assert_eq!(
        staged["code"]["changes"],
        json!(changes_of(b"print('staged')\n"))
    );
}

#[test]
fn the_changes_hash_covers_every_changed_file_and_deletions() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("src/a.py"), "a = 1\n");
    write(&repo.join("src/b.py"), "b = 1\n");
    commit_all(&env, &repo, "more code");
    write(&repo.join("src/b.py"), "b = 2\n");
    std::fs::remove_file(repo.join("train.py")).unwrap();
    // Sorted by path: "src/b.py" < "train.py".
    let listing = format!("{} src/b.py\ndeleted train.py\n", b3(b"b = 2\n"));
    let record = load_record(&repo, &record_id(&env, &repo, &[]));
    assert_eq!(record["code"]["dirty"], json!(true));
    assert_eq!(
        record["code"]["changes"],
        json!(format!("blake3:{}", b3(listing.as_bytes()))),
        "listing:\n{listing}"
    );
}

#[test]
fn the_stat_cache_never_returns_a_stale_hash() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let data = repo.join("data/x.csv");
    let set_old_mtime = || {
        let status = env
            .command("touch", &repo)
            .args(["-d", "2020-01-01T00:00:00Z", "data/x.csv"])
            .status()
            .unwrap();
        assert!(status.success());
    };
    write(&data, "aaaa\n");
    set_old_mtime();
    let first = load_record(&repo, &record_id(&env, &repo, &["-i", "data/x.csv"]));
    assert_eq!(first["inputs"][0]["hash"], blake3_ref(b"aaaa\n"));
    // Unchanged: the cached hash is right.
    let cached = load_record(&repo, &record_id(&env, &repo, &["-i", "data/x.csv"]));
    assert_eq!(cached["inputs"], first["inputs"]);

    // Same size, same inode, same mtime: only the bytes (and ctime) differ.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&data, "bbbb\n").unwrap();
    set_old_mtime();
    let changed = load_record(&repo, &record_id(&env, &repo, &["-i", "data/x.csv"]));
    assert_eq!(changed["inputs"][0]["hash"], blake3_ref(b"bbbb\n"));
}

#[test]
fn the_remote_url_is_recorded_without_credentials() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.git(
        &repo,
        &[
            "remote",
            "add",
            "origin",
            "https://user:secret@example.com/acme/fraud.git",
        ],
    );
    let id = record_id(&env, &repo, &[]);
    let record = load_record(&repo, &id);
    assert_eq!(
        record["code"]["remote"],
        json!("https://example.com/acme/fraud.git")
    );
    let text = std::fs::read_to_string(repo.join(record_rel_path(&id))).unwrap();
    assert!(
        !text.contains("secret") && !text.contains("user@"),
        "{text}"
    );
}

#[test]
fn ssh_remotes_keep_their_user_name() {
    // The `git@` of an SSH address is part of the address, not a credential:
    // without it the address names a different account.
    let env = TestEnv::new();
    for (n, url) in [
        "git@github.com:acme/fraud.git",
        "ssh://git@example.com:2222/acme/fraud.git",
        "ssh://git:hunter2@example.com/acme/fraud.git",
    ]
    .into_iter()
    .enumerate()
    {
        let repo = env.repo(&format!("r{n}"));
        env.git(&repo, &["remote", "add", "origin", url]);
        let record = load_record(&repo, &record_id(&env, &repo, &[]));
        // The password, if any, still goes.
        assert_eq!(
            record["code"]["remote"],
            json!(url.replace(":hunter2@", "@"))
        );
    }
}

#[test]
fn paths_given_from_a_subdirectory_are_recorded_from_the_root() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/a.csv"), "a\n");
    write(&repo.join("data/b.csv"), "b\n");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    let id = record_id(
        &env,
        &repo.join("src"),
        &[
            "-i",
            "../data/a.csv",
            "-i",
            "../data/*.csv",
            "-o",
            "../data",
        ],
    );
    let record = load_record(&repo, &id);
    let paths = |side: &str| -> Vec<Value> {
        record[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["path"].clone())
            .collect()
    };
    assert_eq!(
        paths("inputs"),
        [
            json!("data/a.csv"),
            json!("data/a.csv"),
            json!("data/b.csv")
        ]
    );
    assert_eq!(paths("outputs"), [json!("data")]);
}

#[test]
fn code_files_are_pinned_by_their_git_blob_id() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("src/model.py"), "class Model: pass\n");
    commit_all(&env, &repo, "add model");
    // Uncommitted bytes: the blob id must be of the worktree file, not of HEAD's.
    write(&repo.join("train.py"), "print('tuned')\n");
    let worktree_blob = env
        .git(&repo, &["hash-object", "train.py"])
        .trim()
        .to_string();
    let head_blob = env
        .git(&repo, &["rev-parse", "HEAD:train.py"])
        .trim()
        .to_string();
    assert_ne!(worktree_blob, head_blob);
    let model_blob = env
        .git(&repo, &["hash-object", "src/model.py"])
        .trim()
        .to_string();

    // From a subdirectory: paths are recorded relative to the repository root.
    let id = record_id(
        &env,
        &repo.join("src"),
        &["--code", "../train.py", "--code", "model.py"],
    );
    let record = load_record(&repo, &id);
    assert_eq!(
        record["code"]["files"],
        json!({"src/model.py": model_blob, "train.py": worktree_blob})
    );
}

#[test]
fn agent_is_the_git_identity_and_recorded_is_utc() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let name = env.git(&repo, &["config", "user.name"]).trim().to_string();
    let email = env.git(&repo, &["config", "user.email"]).trim().to_string();
    let first = load_record(&repo, &record_id(&env, &repo, &[]));
    assert_eq!(first["agent"], json!({"name": name, "email": email}));

    env.git(&repo, &["config", "user.name", "Ada Lovelace"]);
    env.git(&repo, &["config", "user.email", "ada@example.org"]);
    let second = load_record(&repo, &record_id(&env, &repo, &[]));
    assert_eq!(
        second["agent"],
        json!({"name": "Ada Lovelace", "email": "ada@example.org"})
    );

    // The hermetic clock: some minute of 2026-11-22 after 10:00 UTC.
    let recorded = first["recorded"].as_str().expect("recorded is a string");
    let nanos = rfc3339_utc_nanos(recorded);
    let day_start = rfc3339_utc_nanos("2026-11-22T10:00:00Z");
    assert!(
        nanos > day_start && nanos < day_start + 14 * 3600 * 1_000_000_000,
        "{recorded}"
    );
    assert!(
        rfc3339_utc_nanos(second["recorded"].as_str().unwrap()) > nanos,
        "later commands record later times"
    );

    // The real clock, without the override.
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i128;
    let output = env
        .command(bin(), &repo)
        .env_remove("GIT_LINEAGE_NOW")
        .args(["record", "--kind", "train", "--name", "fraud-model"])
        .output()
        .unwrap();
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i128;
    assert!(output.status.success(), "{output:?}");
    let id = String::from_utf8(output.stdout).unwrap().trim().to_string();
    let real = load_record(&repo, &id);
    let recorded = real["recorded"].as_str().unwrap();
    let at = rfc3339_utc_nanos(recorded);
    // Timestamps may be truncated to whole seconds.
    assert!(
        at >= before - 1_000_000_000 && at <= after,
        "{recorded} is not between the command's start and end"
    );
}

#[test]
fn references_store_the_full_id_of_a_prefix() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let first = record_id(&env, &repo, &[]);
    let second = record_id(&env, &repo, &["--ref", &first[..8]]);
    assert_eq!(load_record(&repo, &second)["references"], json!([first]));
    let third = record_id(&env, &repo, &["--ref", "name:fraud-model", "--ref", &first]);
    assert_eq!(
        load_record(&repo, &third)["references"],
        json!([second, first])
    );

    // An unknown reference is refused before anything is written.
    let run = env
        .lineage(
            &repo,
            &[
                "record", "--kind", "train", "--name", "m", "--ref", "ffffffff",
            ],
        )
        .code(2);
    assert!(run.stderr.contains("ffffffff"), "{}", run.stderr);
    assert_eq!(record_files(&repo).len(), 3);
}

#[test]
fn globs_skip_hidden_and_ignored_entries_unless_named() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/a.csv"), "a\n");
    write(&repo.join("data/.DS_Store"), "junk");
    write(&repo.join("data/.hidden.csv"), "h\n");
    write(&repo.join("data/cache.pyc"), "pyc");
    let id = record_id(&env, &repo, &["-i", "data/*"]);
    let inputs: Vec<String> = load_record(&repo, &id)["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(inputs, ["data/a.csv"]);

    let id = record_id(&env, &repo, &["-i", "data/.*.csv"]);
    assert_eq!(
        load_record(&repo, &id)["inputs"][0]["path"],
        "data/.hidden.csv"
    );
}

#[test]
fn a_config_without_an_ignore_key_uses_the_default_globs() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("features/f.csv"), "x\n");
    write(&repo.join("features/__pycache__/m.pyc"), "cache");
    let hash_of_features = || {
        let id = record_id(&env, &repo, &["-i", "features"]);
        load_record(&repo, &id)["inputs"][0]["hash"].clone()
    };
    let with_template = hash_of_features();
    write(
        &repo.join(".lineage/config.yaml"),
        "schema: git-lineage/v1\n",
    );
    assert_eq!(hash_of_features(), with_template);
    write(
        &repo.join(".lineage/config.yaml"),
        "schema: git-lineage/v1\nignore: []\n",
    );
    assert_ne!(
        hash_of_features(),
        with_template,
        "ignore: [] hashes the __pycache__ file too"
    );
}

/// `--exit-code` (issue 17: the Python API's `repo.run` records a block that
/// raised): the record gets `exit.code` as `run` writes it, and a non-zero
/// code makes it a failed run for `log`.
#[test]
fn exit_code_records_how_a_step_that_ran_elsewhere_ended() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let failed = record_id(&env, &repo, &["--exit-code", "1"]);
    assert_eq!(load_record(&repo, &failed)["exit"], json!({"code": 1}));
    let ok = record_id(&env, &repo, &["--exit-code", "0"]);
    assert_eq!(load_record(&repo, &ok)["exit"], json!({"code": 0}));
    let plain = record_id(&env, &repo, &[]);
    assert_eq!(load_record(&repo, &plain).get("exit"), None);

    let log = env.lineage(&repo, &["log", "--format", "json"]).success();
    let log: Value = serde_json::from_str(&log.stdout).unwrap();
    let failed_by_id: Vec<(String, bool)> = log["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["failed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(failed_by_id, [(plain, false), (ok, false), (failed, true)]);

    let run = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "train",
                "--name",
                "m",
                "--exit-code",
                "x",
            ],
        )
        .code(2);
    assert!(
        run.stderr
            .contains("invalid value 'x' for '--exit-code <CODE>'"),
        "{}",
        run.stderr
    );
}
