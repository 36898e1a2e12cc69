//! `init`: creates `.lineage/config.yaml` (commented) and nothing else, is
//! harmless to run again, and refuses to run outside a repository.

use std::path::{Path, PathBuf};

use crate::common::{TestEnv, files_under, write};

/// A git repository with one commit and no `.lineage/` (unlike `env.repo`).
fn fresh_repo(env: &TestEnv, name: &str) -> PathBuf {
    let dir = env.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    env.git(&dir, &["init", "-q", "-b", "main"]);
    env.git(&dir, &["config", "user.name", "Jane Doe"]);
    env.git(&dir, &["config", "user.email", "jane@example.com"]);
    write(&dir.join("train.py"), "print('training')\n");
    env.git(&dir, &["add", "train.py"]);
    env.git(&dir, &["commit", "-q", "-m", "add training code"]);
    dir
}

/// Every entry (files and directories) under `dir`, relative, sorted.
fn entries_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap().flatten() {
            let path = entry.path();
            out.push(path.strip_prefix(dir).unwrap().display().to_string());
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            }
        }
    }
    out.sort();
    out
}

fn config_path(repo: &Path) -> PathBuf {
    repo.join(".lineage/config.yaml")
}

#[test]
fn init_creates_a_commented_config_and_nothing_else() {
    let env = TestEnv::new();
    let repo = fresh_repo(&env, "r");
    assert!(!repo.join(".lineage").exists());
    let run = env.lineage(&repo, &["init"]).success();
    let config = std::fs::canonicalize(config_path(&repo)).unwrap();
    assert_eq!(run.stdout, format!("created {}\n", config.display()));

    assert_eq!(entries_under(&repo.join(".lineage")), ["config.yaml"]);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.lines().any(|l| l.trim_start().starts_with('#')),
        "the config explains itself in comments:\n{text}"
    );
    assert!(
        text.lines().any(|l| l == "schema: git-lineage/v1"),
        "{text}"
    );
    // The config is valid YAML whose schema key is what the comments surround.
    let parsed: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(parsed["schema"], "git-lineage/v1");
    // Only .lineage/ is new in the worktree; nothing is committed or staged.
    assert_eq!(
        env.git(&repo, &["status", "--porcelain", "--untracked-files=all"]),
        "?? .lineage/config.yaml\n"
    );
    // The new config is usable: a record can be written with it.
    env.lineage(&repo, &["record", "--kind", "train", "--name", "m"])
        .success();
}

#[test]
fn init_from_a_subdirectory_initialises_the_repository_root() {
    let env = TestEnv::new();
    let repo = fresh_repo(&env, "r");
    std::fs::create_dir_all(repo.join("src/models")).unwrap();
    env.lineage(&repo.join("src/models"), &["init"]).success();
    assert!(config_path(&repo).is_file());
    assert!(!repo.join("src/models/.lineage").exists());
    assert!(!repo.join("src/.lineage").exists());
}

#[test]
fn init_again_leaves_the_config_alone() {
    let env = TestEnv::new();
    let repo = fresh_repo(&env, "r");
    env.lineage(&repo, &["init"]).success();
    let original = std::fs::read(config_path(&repo)).unwrap();

    let run = env.lineage(&repo, &["init"]).success();
    assert!(run.stdout.contains("already initialised"), "{}", run.stdout);
    assert_eq!(std::fs::read(config_path(&repo)).unwrap(), original);

    // The user's edits survive another init, byte for byte.
    let mut edited = original.clone();
    edited.extend_from_slice(b"# local note: keep the raw exports out of hashes\n");
    let edited = String::from_utf8(edited)
        .unwrap()
        .replacen("ignore:\n", "ignore:\n  - \"*.tmp\"\n", 1)
        .into_bytes();
    assert_ne!(edited, original);
    std::fs::write(config_path(&repo), &edited).unwrap();
    let run = env.lineage(&repo, &["init"]).success();
    assert!(run.stdout.contains("already initialised"), "{}", run.stdout);
    assert_eq!(std::fs::read(config_path(&repo)).unwrap(), edited);
    assert_eq!(entries_under(&repo.join(".lineage")), ["config.yaml"]);
}

#[test]
fn init_json_reports_config_and_created() {
    let env = TestEnv::new();
    let repo = fresh_repo(&env, "r");
    let config = std::fs::canonicalize(&repo)
        .unwrap()
        .join(".lineage/config.yaml");
    let first = env
        .lineage(&repo, &["init", "--format", "json"])
        .success()
        .json();
    assert_eq!(
        first,
        serde_json::json!({"config": config.to_str().unwrap(), "created": true})
    );
    let again = env
        .lineage(&repo, &["init", "--format", "json"])
        .success()
        .json();
    assert_eq!(
        again,
        serde_json::json!({"config": config.to_str().unwrap(), "created": false})
    );
}

#[test]
fn init_outside_a_repository_fails() {
    let env = TestEnv::new();
    let plain = env.path("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let run = env.lineage(&plain, &["init"]).code(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("not a git repository"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(plain.to_str().unwrap()),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.lines().any(|l| l.starts_with("hint: ")),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    assert!(files_under(&plain).is_empty(), "nothing is created");
    assert!(!plain.join(".lineage").exists());
}
