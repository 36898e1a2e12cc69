//! Large-file pointers (issue 14): Git LFS, DVC and git-annex files recorded
//! with and without their bytes link into one lineage, `status` and
//! `verify --artifacts` check them by their pointer digest when the bytes
//! are absent, and `where` lists every known location. The real tools run
//! where the test needs them (`require_tool`); pointer files written by hand
//! need none.

use std::path::Path;

use crate::common::{TestEnv, b3, commit_all, load_record, on_path, require_tool, write};

/// Run a tool in `cwd` with the hermetic environment and require success.
#[track_caller]
fn tool(env: &TestEnv, cwd: &Path, program: &str, args: &[&str]) -> String {
    let output = env
        .command(program, cwd)
        .env("DVC_NO_ANALYTICS", "1")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn record(env: &TestEnv, repo: &Path, kind: &str, name: &str, args: &[&str]) -> String {
    let mut all = vec!["record", "--kind", kind, "--name", name];
    all.extend_from_slice(args);
    let run = env.lineage(repo, &all).success();
    run.stdout.trim().to_string()
}

/// The `oid sha256:<hex>` of an LFS pointer file, as `sha256:<hex>`.
fn lfs_oid(pointer: &str) -> String {
    pointer
        .lines()
        .find_map(|l| l.strip_prefix("oid "))
        .unwrap_or_else(|| panic!("not an LFS pointer:\n{pointer}"))
        .to_string()
}

/// The ids of the records `graph REF --down` reaches, sorted.
fn downstream_records(env: &TestEnv, repo: &Path, reference: &str) -> Vec<String> {
    let graph = env
        .lineage(repo, &["graph", reference, "--down", "--format", "json"])
        .success()
        .json();
    let mut ids: Vec<String> = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["type"] == "record")
        .map(|n| n["record"]["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn lfs_file_recorded_before_and_after_git_lfs_pull_is_one_lineage() {
    if !require_tool("git-lfs", "LFS pointers", &mut on_path("git-lfs")) {
        return;
    }
    let env = TestEnv::new();
    let origin = env.repo("origin");
    tool(&env, &origin, "git", &["lfs", "install", "--local"]);
    tool(&env, &origin, "git", &["lfs", "track", "*.csv"]);
    let bytes = "claim_id,amount\n1,120.50\n2,9800.00\n";
    write(&origin.join("data/train.csv"), bytes);
    commit_all(&env, &origin, "add training data through LFS");
    env.git(env.root(), &["init", "-q", "--bare", "remote.git"]);
    env.git(&origin, &["remote", "add", "origin", "../remote.git"]);
    env.git(&origin, &["push", "-q", "origin", "main"]);

    // A clone without the bytes: the worktree holds the pointer.
    let clone = env.path("clone");
    let status = env
        .command("git", env.root())
        .env("GIT_LFS_SKIP_SMUDGE", "1")
        .args(["clone", "-q", "-b", "main", "remote.git", "clone"])
        .status()
        .expect("git clone");
    assert!(status.success());
    env.git(&clone, &["config", "user.name", "Jane Doe"]);
    env.git(&clone, &["config", "user.email", "jane@example.com"]);
    let pointer = std::fs::read_to_string(clone.join("data/train.csv")).expect("pointer");
    let oid = lfs_oid(&pointer);
    write(&clone.join("clean.csv"), "claim_id\n1\n");
    let before = record(
        &env,
        &clone,
        "process",
        "clean",
        &["-i", "data/train.csv", "-o", "clean.csv", "--commit"],
    );
    let input = &load_record(&clone, &before)["inputs"][0];
    assert_eq!(input["pointer"]["kind"], "lfs");
    assert_eq!(input["pointer"]["digest"], oid.as_str());
    assert_eq!(input["size"], bytes.len());
    assert!(input.get("hash").is_none(), "no bytes, no BLAKE3: {input}");
    // Without the bytes, status and verify check the pointer's digest.
    env.lineage(&clone, &["status"]).success();
    env.lineage(&clone, &["verify", "--artifacts"]).success();

    // The same clone after `git lfs pull`: the bytes are hashed, and the
    // digest git-lfs names them by is computed from them.
    tool(&env, &clone, "git", &["lfs", "install", "--local"]);
    tool(&env, &clone, "git", &["lfs", "pull"]);
    assert_eq!(
        std::fs::read_to_string(clone.join("data/train.csv")).unwrap(),
        bytes
    );
    let after = record(
        &env,
        &clone,
        "train",
        "fraud",
        &["-i", "data/train.csv", "--commit"],
    );
    let input = &load_record(&clone, &after)["inputs"][0];
    assert_eq!(input["hash"], format!("blake3:{}", b3(bytes.as_bytes())));
    assert_eq!(input["pointer"]["digest"], oid.as_str());

    // One artifact, read by both records, whichever way it is named.
    let mut both = vec![before.clone(), after.clone()];
    both.sort();
    for reference in ["data/train.csv", oid.as_str()] {
        assert_eq!(
            downstream_records(&env, &clone, reference),
            both,
            "{reference}"
        );
    }
    let impact = env
        .lineage(&clone, &["impact", &oid, "--format", "json"])
        .success()
        .json();
    assert_eq!(impact["records"]["process"][0]["id"], before.as_str());
    assert_eq!(impact["records"]["train"][0]["id"], after.as_str());
    env.lineage(&clone, &["status"]).success();

    // Edited bytes are a change, found through BLAKE3.
    write(&clone.join("data/train.csv"), "claim_id,amount\n");
    let run = env.lineage(&clone, &["status"]).code(1);
    assert!(
        run.stdout.contains("changed: data/train.csv"),
        "{}",
        run.stdout
    );
    env.git(&clone, &["checkout", "--", "data/train.csv"]);

    // `where`: the remote's LFS store and the local object cache.
    let value = oid.strip_prefix("sha256:").unwrap();
    let object = format!("lfs/objects/{}/{}/{value}", &value[..2], &value[2..4]);
    let run = env.lineage(&clone, &["where", "data/train.csv"]).success();
    assert!(
        run.stdout.contains(&format!(
            "lfs     {}/remote.git/{object}",
            env.root().display()
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("local   .git/{object}")),
        "{}",
        run.stdout
    );
    assert!(env.root().join("remote.git").join(&object).is_file());
}

#[test]
fn a_hand_written_lfs_pointer_is_identified_without_git_lfs() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let oid = format!("sha256:{}", "ab".repeat(32));
    write(
        &repo.join("model.bin"),
        format!("version https://git-lfs.github.com/spec/v1\noid {oid}\nsize 123456\n"),
    );
    commit_all(&env, &repo, "model pointer");
    let id = record(&env, &repo, "deploy", "api", &["-i", "model=model.bin"]);
    let input = &load_record(&repo, &id)["inputs"][0];
    assert_eq!(input["pointer"]["digest"], oid.as_str());
    assert_eq!(input["size"], 123456);
    assert_eq!(input["role"], "model");
    let run = env.lineage(&repo, &["where", &oid]).success();
    assert!(
        run.stdout
            .starts_with(&format!("model.bin  {oid}  lfs {oid}\n")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("no known location"), "{}", run.stdout);
    // `show` and `log` read the record like any other.
    let shown = env.lineage(&repo, &["show", &id]).success();
    assert!(
        shown
            .stdout
            .contains("model          model.bin  lfs sha256:abababababab  120.6 KiB"),
        "{}",
        shown.stdout
    );
    env.lineage(&repo, &["verify"]).success();
}

#[test]
fn a_dvc2_entry_is_not_plain_md5_and_is_never_used_as_identity() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("a.csv"), "x\n");
    // DVC 2 wrote no `hash: md5`: its md5 is of dos2unix-normalised text.
    write(
        &repo.join("a.csv.dvc"),
        "outs:\n- md5: 401b30e3b8b5d629635a5c613cdb7919\n  size: 2\n  path: a.csv\n",
    );
    let run = env
        .lineage(
            &repo,
            &["record", "--kind", "process", "--name", "p", "-i", "a.csv"],
        )
        .success();
    assert!(
        run.stderr.contains("warning: input 'a.csv': ")
            && run.stderr.contains("added by DVC 2 (no 'hash: md5')"),
        "{}",
        run.stderr
    );
    let input = &load_record(&repo, run.stdout.trim())["inputs"][0];
    assert!(input.get("pointer").is_none(), "{input}");
    assert_eq!(input["hash"], format!("blake3:{}", b3(b"x\n")));
    // Without the bytes there is nothing to identify it by.
    std::fs::remove_file(repo.join("a.csv")).unwrap();
    let run = env
        .lineage(
            &repo,
            &["record", "--kind", "process", "--name", "p", "-i", "a.csv"],
        )
        .code(2);
    assert!(
        run.stderr.starts_with(
            "error: input 'a.csv' is a dvc pointer without its bytes and without a content digest"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: fetch the bytes first (`dvc pull`)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_dvc_directory_not_pulled_is_identified_by_its_md5_and_found_in_the_remote() {
    if !require_tool("dvc", "DVC-tracked data", &mut on_path("dvc")) {
        return;
    }
    let env = TestEnv::new();
    let origin = env.repo("origin");
    tool(&env, &origin, "dvc", &["init", "-q"]);
    write(&origin.join("images/cat.txt"), "meow\n");
    write(&origin.join("images/dog.txt"), "woof\n");
    tool(&env, &origin, "dvc", &["add", "-q", "images"]);
    let store = env.path("dvc-store");
    tool(
        &env,
        &origin,
        "dvc",
        &["remote", "add", "-d", "store", store.to_str().unwrap()],
    );
    tool(&env, &origin, "dvc", &["push", "-q"]);
    commit_all(&env, &origin, "images through DVC");
    let with_bytes = record(
        &env,
        &origin,
        "process",
        "resize",
        &["-i", "images", "--commit"],
    );
    let listed = &load_record(&origin, &with_bytes)["inputs"][0];
    let digest = listed["pointer"]["digest"]
        .as_str()
        .expect("a digest")
        .to_string();
    assert!(
        digest.starts_with("md5:") && digest.ends_with(".dir"),
        "{digest}"
    );
    assert!(listed.get("hash").is_some());

    // A clone that never ran `dvc pull`: only images.dvc is there.
    env.git(env.root(), &["clone", "-q", "origin", "clone"]);
    let clone = env.path("clone");
    env.git(&clone, &["config", "user.name", "Jane Doe"]);
    env.git(&clone, &["config", "user.email", "jane@example.com"]);
    assert!(!clone.join("images").exists());
    let without = record(&env, &clone, "train", "vision", &["-i", "images"]);
    let listed = &load_record(&clone, &without)["inputs"][0];
    assert_eq!(listed["pointer"]["kind"], "dvc");
    assert_eq!(listed["pointer"]["digest"], digest.as_str());
    assert_eq!(
        (listed["size"].as_u64(), listed["files"].as_u64()),
        (Some(10), Some(2))
    );
    assert!(listed.get("hash").is_none(), "{listed}");
    let mut both = vec![with_bytes, without];
    both.sort();
    assert_eq!(downstream_records(&env, &clone, "images"), both);
    env.lineage(&clone, &["status"]).success();
    env.lineage(&clone, &["verify", "--artifacts"]).success();
    let hex = digest.strip_prefix("md5:").unwrap();
    let run = env.lineage(&clone, &["where", "images"]).success();
    assert!(
        run.stdout.contains(&format!(
            "dvc     {}/files/md5/{}/{}",
            store.display(),
            &hex[..2],
            &hex[2..]
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn an_annexed_file_dropped_keeps_its_identity_and_where_names_the_copy() {
    if !require_tool("git-annex", "annexed files", &mut on_path("git-annex")) {
        return;
    }
    let env = TestEnv::new();
    let origin = env.repo("origin");
    tool(
        &env,
        &origin,
        "git",
        &["annex", "init", "-q", "origin copy"],
    );
    write(&origin.join("data.csv"), "a,b\n1,2\n");
    tool(&env, &origin, "git", &["annex", "add", "-q", "data.csv"]);
    commit_all(&env, &origin, "annexed data");
    let uuid = tool(&env, &origin, "git", &["config", "annex.uuid"])
        .trim()
        .to_string();

    env.git(env.root(), &["clone", "-q", "origin", "clone"]);
    let clone = env.path("clone");
    env.git(&clone, &["config", "user.name", "Jane Doe"]);
    env.git(&clone, &["config", "user.email", "jane@example.com"]);
    tool(&env, &clone, "git", &["annex", "init", "-q", "laptop"]);
    tool(&env, &clone, "git", &["annex", "get", "-q", "data.csv"]);
    let with_bytes = record(
        &env,
        &clone,
        "process",
        "clean",
        &["-i", "data.csv", "--commit"],
    );
    let listed = &load_record(&clone, &with_bytes)["inputs"][0];
    assert_eq!(listed["pointer"]["kind"], "annex");
    let key = listed["pointer"]["key"]
        .as_str()
        .expect("the key")
        .to_string();
    assert!(key.starts_with("SHA256E-s8--"), "{key}");
    assert_eq!(listed["hash"], format!("blake3:{}", b3(b"a,b\n1,2\n")));

    tool(&env, &clone, "git", &["annex", "drop", "-q", "data.csv"]);
    env.lineage(&clone, &["status"]).success();
    env.lineage(&clone, &["verify", "--artifacts"]).success();
    let dropped = record(
        &env,
        &clone,
        "train",
        "model",
        &["-i", "data.csv", "--commit"],
    );
    let listed = &load_record(&clone, &dropped)["inputs"][0];
    assert!(listed.get("hash").is_none(), "{listed}");
    assert_eq!(listed["pointer"]["key"], key.as_str());
    let mut both = vec![with_bytes, dropped];
    both.sort();
    assert_eq!(downstream_records(&env, &clone, "data.csv"), both);

    let run = env.lineage(&clone, &["where", "data.csv"]).success();
    assert!(
        run.stdout
            .contains(&format!("annex   origin copy [origin] [{uuid}]")),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("laptop"),
        "dropped here:\n{}",
        run.stdout
    );

    // A WORM key names no content: usable only while the bytes are here.
    write(&clone.join("w.csv"), "w\n");
    tool(
        &env,
        &clone,
        "git",
        &["annex", "add", "-q", "--backend=WORM", "w.csv"],
    );
    let run = env
        .lineage(
            &clone,
            &["record", "--kind", "process", "--name", "w", "-i", "w.csv"],
        )
        .success();
    assert!(
        run.stderr
            .contains("uses the WORM backend, which names no content"),
        "{}",
        run.stderr
    );
    tool(
        &env,
        &clone,
        "git",
        &["annex", "drop", "-q", "--force", "w.csv"],
    );
    let run = env
        .lineage(
            &clone,
            &["record", "--kind", "process", "--name", "w", "-i", "w.csv"],
        )
        .code(2);
    assert!(
        run.stderr
            .contains("hint: fetch the bytes first (`git annex get`)"),
        "{}",
        run.stderr
    );
}

#[test]
fn locations_are_recorded_per_path_and_where_adds_the_config_default() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "a\n1\n");
    write(&repo.join("model.bin"), "weights");
    let config = std::fs::read_to_string(repo.join(".lineage/config.yaml")).unwrap();
    write(
        &repo.join(".lineage/config.yaml"),
        format!("{config}locations:\n  - path: \"data/**\"\n    url: \"s3://acme-ml/{{path}}\"\n"),
    );
    let id = record(
        &env,
        &repo,
        "train",
        "m",
        &[
            "-i",
            "data/train.csv",
            "-o",
            "model.bin",
            "--location",
            "data/train.csv=s3://jane:secret@raw/train.csv?versionId=3HL4k",
            "--location",
            "model.bin=gs://models/m.bin#7",
        ],
    );
    let stored = load_record(&repo, &id);
    assert_eq!(
        stored["inputs"][0]["locations"],
        serde_json::json!(["s3://raw/train.csv?versionId=3HL4k"])
    );
    assert_eq!(
        stored["outputs"][0]["locations"],
        serde_json::json!(["gs://models/m.bin#7"])
    );

    let run = env.lineage(&repo, &["where", "data/train.csv"]).success();
    let short = &id[..12];
    assert_eq!(
        run.stdout,
        format!(
            "data/train.csv  blake3:{}\n  SOURCE  LOCATION\n  record  s3://raw/train.csv?versionId=3HL4k  (record {short})\n  config  s3://acme-ml/data/train.csv\n",
            b3(b"a\n1\n")
        )
    );
    let json = env
        .lineage(&repo, &["where", "model.bin", "--format", "json"])
        .success()
        .json();
    assert_eq!(
        json["artifacts"][0]["locations"],
        serde_json::json!([{"source": "record", "location": "gs://models/m.bin#7", "record": id}])
    );

    for (spec, problem) in [
        (
            "other.csv=s3://b/k",
            "'other.csv' is not a path this record reads (-i) or writes (-o)",
        ),
        ("data/train.csv", "expected PATH=URL"),
        (
            "data/train.csv=https://h/k?X-Amz-Signature=abc",
            "its query carries a credential ('x-amz-signature')",
        ),
    ] {
        let run = env
            .lineage(
                &repo,
                &[
                    "record",
                    "--kind",
                    "t",
                    "--name",
                    "m",
                    "-i",
                    "data/train.csv",
                    "--location",
                    spec,
                ],
            )
            .code(2);
        assert!(
            run.stderr
                .starts_with(&format!("error: location '{spec}': {problem}")),
            "{}",
            run.stderr
        );
    }
}
