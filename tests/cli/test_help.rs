//! The documented command surface matches the binary: every subcommand and
//! every long option its `--help` prints is described in docs/cli.md.

use crate::common::TestEnv;

// A slice, not an array: adding a subcommand needs no length change.
const SUBCOMMANDS: &[&str] = &[
    "init", "record", "run", "show", "log", "graph", "impact", "search", "diff", "status",
    "export", "verify", "demo",
];

fn long_options(help: &str) -> Vec<String> {
    let mut options: Vec<String> = help
        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']' || c == '=')
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(|word| {
            word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_string()
        })
        .filter(|word| {
            word.len() > 2
                && word[2..]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .collect();
    options.sort();
    options.dedup();
    options
}

#[test]
fn every_subcommand_and_option_is_documented() {
    let env = TestEnv::new();
    let docs_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
    let docs = std::fs::read_to_string(&docs_path).expect("docs/cli.md exists");
    let top = env.lineage(env.root(), &["--help"]).success();
    for &sub in SUBCOMMANDS {
        assert!(
            top.stdout.contains(sub),
            "`git lineage --help` does not list {sub}"
        );
        assert!(
            docs.contains(&format!("git lineage {sub}")),
            "docs/cli.md does not document `git lineage {sub}`"
        );
        let help = env.lineage(env.root(), &[sub, "--help"]).success();
        let options = long_options(&help.stdout);
        assert!(
            options.contains(&"--help".to_string()),
            "{sub}: no options parsed from:\n{}",
            help.stdout
        );
        for option in options {
            if option == "--help" {
                continue;
            }
            assert!(
                docs.contains(&option),
                "docs/cli.md does not mention `{option}` of `git lineage {sub}`"
            );
        }
    }
}

#[test]
fn unknown_subcommands_and_options_are_usage_errors() {
    let env = TestEnv::new();
    let run = env.lineage(env.root(), &["frobnicate"]).code(2);
    assert!(run.stderr.contains("frobnicate"), "{}", run.stderr);
    let run = env
        .lineage(env.root(), &["show", "--no-such-flag", "abcd"])
        .code(2);
    assert!(run.stderr.contains("--no-such-flag"), "{}", run.stderr);
}

#[test]
fn version_names_the_crate_version() {
    let env = TestEnv::new();
    let run = env.lineage(env.root(), &["--version"]).success();
    assert_eq!(
        run.stdout.trim(),
        format!("git-lineage {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn git_finds_the_binary_as_the_lineage_subcommand() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let bin_dir = crate::common::bin()
        .parent()
        .expect("binary directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let output = env
        .command("git", &repo)
        .env("PATH", path)
        .args(["lineage", "show", "name:none"])
        .output()
        .expect("run git lineage");
    // git ran git-lineage: the error is ours, not git's "not a git command".
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: no record matches 'name:none'"),
        "{stderr}"
    );
}
