//! The directory listing rule (docs/hashing.md) through the real binary: a
//! file name cannot fake a listing line (issue 10.3), ordinary names keep the
//! hashes they always had, and the documented shell recipe gives the same hash.

use std::path::Path;

use crate::common::{TestEnv, b3, load_record, write};

/// The hash `record -i DIR` stores for `dir` (relative to `repo`).
fn recorded_hash(env: &TestEnv, repo: &Path, dir: &str) -> (String, serde_json::Value) {
    let run = env
        .lineage(repo, &["record", "--kind", "t", "--name", "n", "-i", dir])
        .success();
    let record = load_record(repo, run.stdout.trim());
    let input = record["inputs"][0].clone();
    (
        input["hash"].as_str().unwrap_or_default().to_string(),
        input,
    )
}

#[cfg(unix)]
#[test]
fn a_file_name_spelling_a_listing_line_no_longer_collides() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    // The collision of issue 10.3: A/ holds one file named
    // "a\n<hash of b> 5 b", B/ holds a and b.
    let b_hex = b3(b"world");
    write(&repo.join(format!("A/a\n{b_hex} 5 b")), "hello");
    write(&repo.join("B/a"), "hello");
    write(&repo.join("B/b"), "world");
    let (a, a_input) = recorded_hash(&env, &repo, "A");
    let (b, b_input) = recorded_hash(&env, &repo, "B");
    assert_ne!(a, b);
    // The old rule's listing, which both directories used to hash to.
    let old = format!("{} 5 a\n{b_hex} 5 b\n", b3(b"hello"));
    assert_eq!(b, format!("blake3:{}", b3(old.as_bytes())));
    // The hostile name is C-quoted.
    let quoted = format!("{} 5 \"a\\n{b_hex} 5 b\"\n", b3(b"hello"));
    assert_eq!(a, format!("blake3:{}", b3(quoted.as_bytes())));
    assert_eq!(
        (&a_input["files"], &a_input["size"]),
        (&1.into(), &5.into())
    );
    assert_eq!(
        (&b_input["files"], &b_input["size"]),
        (&2.into(), &10.into())
    );
}

/// The worked example of docs/hashing.md, hashed before the quoting rule
/// existed: directories with ordinary names keep that exact hash.
#[cfg(unix)]
#[test]
fn ordinary_names_keep_the_hash_of_the_old_rule() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let features = repo.join("data/features");
    write(&features.join("customers.csv"), "id,age\n1,34\n");
    write(&features.join("claims.csv"), "id,claims_90d\n1,2\n");
    write(&features.join(".DS_Store"), "x");
    std::os::unix::fs::symlink("customers.csv", features.join("latest.csv")).unwrap();
    let (hash, input) = recorded_hash(&env, &repo, "data/features");
    assert_eq!(
        hash,
        "blake3:429269355765fe60a46f72b515487cb0df49aaa6e77a838c0e1656e2d862a454"
    );
    assert_eq!((&input["files"], &input["size"]), (&3.into(), &30.into()));
}

/// The `cq` and `dirhash` shell functions of docs/hashing.md, copied from the page.
fn doc_recipe() -> String {
    let doc = include_str!("../../docs/hashing.md");
    let start = doc.find("cq() {").expect("docs/hashing.md has cq()");
    let end = start + doc[start..].find("\n)\n").expect("dirhash() ends") + 3;
    doc[start..end].to_string()
}

#[cfg(unix)]
#[test]
fn the_documented_shell_recipe_gives_the_binary_s_hash() {
    let mut probe = std::process::Command::new("b3sum");
    probe.arg("--version");
    let why = "re-derives a directory hash with the recipe in docs/hashing.md";
    if !crate::common::require_tool("b3sum", why, &mut probe) {
        return;
    }
    let env = TestEnv::new();
    let repo = env.repo("r");
    let cx = repo.join("cx");
    write(&cx.join("a/b/z"), "z\n");
    write(&cx.join("a.b/y"), "y\n");
    write(&cx.join("a-c"), "c\n");
    write(&cx.join("empty"), "");
    write(&cx.join("sp ace/f g.txt"), "spaces\n");
    write(&cx.join("\"quoted\".txt"), "a leading quote stays as is\n");
    write(&cx.join("caf\u{e9}.csv"), "1\n");
    write(&cx.join("__pycache__/m.pyc"), "skipped");
    write(&cx.join("e/r.pyc"), "skipped");
    std::fs::create_dir_all(cx.join("empty-dir")).unwrap();
    std::os::unix::fs::symlink("../a-c", cx.join("a/lnk")).unwrap();
    std::os::unix::fs::symlink("nowhere", cx.join("dangling")).unwrap();
    // Hostile names, which the recipe C-quotes too.
    write(&cx.join("new\nline 5 x"), "n\n");
    write(&cx.join("back\\slash"), "b\n");
    write(&cx.join("tab\tand\u{1b}esc\u{7f}"), "t\n");

    let (hash, _) = recorded_hash(&env, &repo, "cx");
    let script = format!("set -e -o pipefail\n{}\ndirhash cx\n", doc_recipe());
    let output = env
        .command("bash", &repo)
        .args(["-c", &script])
        .output()
        .expect("run bash");
    assert!(
        output.status.success(),
        "recipe failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let recipe = String::from_utf8_lossy(&output.stdout).trim().to_string();
    assert_eq!(
        format!("blake3:{recipe}"),
        hash,
        "recipe:\n{}",
        doc_recipe()
    );
}
