//! The documented command surface matches the binary: every subcommand the
//! binary's own `--help` lists (nested ones such as `registry promote`
//! included) and every long option its `--help` prints is described in
//! docs/cli.md, and each `--help` text is pinned by a snapshot.
//!
//! The snapshots live in `tests/cli/snapshots/`. After a deliberate change to
//! the command line, update them with
//! `INSTA_UPDATE=always cargo test --locked --test cli test_help` and review
//! the diff in git (no `cargo insta` needed). In CI a changed snapshot fails.

use crate::common::TestEnv;

/// The subcommands in the `Commands:` section of a `--help` text, in order,
/// without clap's `help`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Every command path (`["record"]`, `["registry", "promote"]`, …) under the
/// top level, read from the binary's help texts, with each one's `--help`.
fn command_tree(env: &TestEnv) -> Vec<(Vec<String>, String)> {
    let top = env.lineage(env.root(), &["--help"]).success().stdout;
    let mut pending: Vec<Vec<String>> = subcommands(&top).into_iter().map(|s| vec![s]).collect();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let path = pending.remove(0);
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = env.lineage(env.root(), &args).success().stdout;
        for sub in subcommands(&help) {
            let mut child = path.clone();
            child.push(sub);
            pending.push(child);
        }
        out.push((path, help));
    }
    out
}

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
fn the_command_tree_is_read_from_the_binary() {
    let env = TestEnv::new();
    let paths: Vec<String> = command_tree(&env)
        .into_iter()
        .map(|(path, _)| path.join(" "))
        .collect();
    // The parser finds what is certainly there, top level and nested, so the
    // tests below cannot pass by finding nothing.
    for expected in ["init", "record", "registry", "registry promote", "demo"] {
        assert!(
            paths.iter().any(|p| p == expected),
            "`{expected}` not found in {paths:?}"
        );
    }
    assert!(!paths.iter().any(|p| p.ends_with("help")), "{paths:?}");
}

#[test]
fn every_subcommand_and_option_is_documented() {
    let env = TestEnv::new();
    let docs_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
    let docs = std::fs::read_to_string(&docs_path).expect("docs/cli.md exists");
    for (path, help) in command_tree(&env) {
        let sub = path.join(" ");
        assert!(
            docs.contains(&format!("git lineage {sub}")),
            "docs/cli.md does not document `git lineage {sub}`"
        );
        let options = long_options(&help);
        assert!(
            options.contains(&"--help".to_string()),
            "{sub}: no options parsed from:\n{help}"
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
fn every_help_text_is_pinned() {
    let env = TestEnv::new();
    let top = env.lineage(env.root(), &["--help"]).success().stdout;
    insta::assert_snapshot!("help", top);
    for (path, help) in command_tree(&env) {
        insta::assert_snapshot!(format!("help_{}", path.join("_")), help);
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
