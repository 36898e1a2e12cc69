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

/// A `bin` directory under the environment holding a copy of the binary, and
/// a PATH with it first: what `cargo install` into a prefix gives a user.
fn installed_prefix(env: &TestEnv) -> (std::path::PathBuf, std::ffi::OsString) {
    let prefix = env.path("prefix");
    std::fs::create_dir_all(prefix.join("bin")).expect("bin dir");
    std::fs::copy(crate::common::bin(), prefix.join("bin/git-lineage")).expect("copy binary");
    let path = std::env::join_paths(std::iter::once(prefix.join("bin")).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");
    (prefix, path)
}

/// Run `git ARGS` in `cwd` with `path` as PATH and no pager.
fn git_with_path(
    env: &TestEnv,
    cwd: &std::path::Path,
    path: &std::ffi::OsStr,
    args: &[&str],
) -> crate::common::Run {
    let output = env
        .command("git", cwd)
        .env("PATH", path)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "80")
        .args(args)
        .output()
        .expect("run git");
    crate::common::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn short_help_lists_one_short_line_per_command_and_long_help_keeps_the_text() {
    let env = TestEnv::new();
    let top = env.lineage(env.root(), &["-h"]).success().stdout;
    let listed: Vec<&str> = top
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    assert!(listed.len() >= 15, "{top}");
    for line in &listed {
        // One line each, within the 100-column terminal width clap wraps at:
        // a longer description would have wrapped onto an indented line.
        assert!(line.len() <= 100, "too long: {line}");
        assert!(
            line.starts_with("  ") && !line.starts_with("   "),
            "wrapped: {line}"
        );
    }
    assert!(
        listed.iter().any(|l| l.trim()
            == "record       Record a finished step: its data, code, parameters and metrics"),
        "{top}"
    );
    assert!(top.contains("git lineage install-man"), "{top}");
    // The long text stays in the command's own --help.
    let record = env
        .lineage(env.root(), &["record", "--help"])
        .success()
        .stdout;
    assert!(
        record.starts_with(
            "Record a finished step: hash its inputs and outputs, pin the code version"
        ),
        "{record}"
    );
}

#[test]
fn install_man_makes_git_lineage_help_and_git_help_lineage_open_the_manual() {
    if !crate::common::require_tool(
        "man",
        "git turns `git lineage --help` into `man git-lineage`",
        &mut crate::common::on_path("man"),
    ) {
        return;
    }
    let env = TestEnv::new();
    let repo = env.repo("r");
    let (prefix, path) = installed_prefix(&env);
    // Before: git's own failure, the problem this command solves.
    let before = git_with_path(&env, &repo, &path, &["lineage", "--help"]);
    assert_ne!(before.code, 0, "{before:?}");
    assert!(
        before.stderr.contains("No manual entry for git-lineage"),
        "{before:?}"
    );

    let run = git_with_path(&env, &repo, &path, &["lineage", "install-man"]);
    assert_eq!(run.code, 0, "{run:?}");
    let man1 = prefix.join("share/man/man1");
    // One page per command path, plus git-lineage(1) itself.
    let pages = command_tree(&env).len() + 1;
    assert!(
        run.stdout.starts_with(&format!(
            "installed {pages} man pages in {}\n",
            man1.display()
        )),
        "{}",
        run.stdout
    );
    for page in [
        "git-lineage.1",
        "git-lineage-graph.1",
        "git-lineage-registry-promote.1",
        "git-lineage-install-man.1",
    ] {
        let text = std::fs::read_to_string(man1.join(page)).expect(page);
        assert!(
            text.starts_with(".ie \\n(.g .ds Aq") || text.contains(".TH "),
            "{page}:\n{text}"
        );
    }
    assert!(
        !man1.join("git-lineage-help.1").exists(),
        "no page for clap's help"
    );

    // After: man finds the page through PATH (prefix/bin -> prefix/share/man).
    for args in [&["lineage", "--help"][..], &["help", "lineage"][..]] {
        let run = git_with_path(&env, &repo, &path, args);
        assert_eq!(run.code, 0, "git {args:?}: {run:?}");
        assert!(
            run.stdout.contains("git-lineage - Git-native lineage"),
            "git {args:?}:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("install-man"),
            "git {args:?}:\n{}",
            run.stdout
        );
    }
    // `-h` never reaches man: git passes it to the binary.
    let run = git_with_path(&env, &repo, &path, &["lineage", "-h"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Usage: git lineage [OPTIONS] <COMMAND>"),
        "{}",
        run.stdout
    );
}

#[test]
fn install_man_dir_writes_the_pages_under_dir_man1_and_reports_them_as_json() {
    let env = TestEnv::new();
    let run = env
        .lineage(
            env.root(),
            &["install-man", "--dir", "man", "--format", "json"],
        )
        .success();
    let json = run.json();
    let man1 = env.root().join("man/man1");
    assert_eq!(json["dir"], man1.to_str().expect("utf-8"));
    let pages = json["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), command_tree(&env).len() + 1, "{json}");
    assert_eq!(pages[0], "git-lineage-commit.1", "sorted by name");
    for page in pages {
        let name = page.as_str().expect("page name");
        assert!(man1.join(name).is_file(), "{name} not written");
    }
    let graph = std::fs::read_to_string(man1.join("git-lineage-graph.1")).expect("graph page");
    assert!(
        graph.contains("\\-\\-down") || graph.contains("--down"),
        "{graph}"
    );

    // An unwritable place is a usage error that says what to do.
    crate::common::write(&env.path("file"), "not a directory");
    let run = env
        .lineage(env.root(), &["install-man", "--dir", "file"])
        .code(2);
    assert!(
        run.stderr.starts_with("error: cannot create '"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: choose a writable directory on your MANPATH with --dir DIR"),
        "{}",
        run.stderr
    );
}
