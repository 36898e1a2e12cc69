//! Docs that cannot go stale: every shell example in README.md and docs/*.md
//! is run against the real binary, and its output compared with what the page
//! shows (docs/testing.md, "Documentation examples").
//!
//! Format, in the manner of trycmd: a ```` ```console ```` block holds
//! `$ COMMAND` lines (a trailing `\` continues one), each followed by its
//! expected output, stdout and stderr as a terminal shows them. `[..]` in an
//! expected line matches any text within that line, a line `...` any number
//! of lines, and `[ROOT]` the directory the page runs in. Every command must
//! exit 0, except: the last of a block whose info string says `exit=N`
//! (```` ```console exit=1 ````); each of a block that says `exit-all=N`;
//! any in a block that says `exit=any` (its output shows the failures); one
//! whose expected output has an `error: ` line (exit 2); one followed by
//! `$ echo $?` (which shows the code). A ```` ```sh ```` block is a script run as
//! it stands (it must exit 0; its output is not shown, so not compared).
//! A block preceded by `<!-- doc-test: skip REASON -->` is not run; the
//! reason is required.
//!
//! Each page is one shell session in its own empty directory, with the
//! hermetic clocks of [`TestEnv`] (one minute per command), `git lineage`
//! resolving to the binary under test, and no git identity (a page that
//! commits outside the demo sets one): `cd` carries over from block to
//! block, so a page shows its setup (`git lineage demo lineage-demo`, `cd lineage-demo`) in
//! full. After a deliberate change of behaviour, rewrite the expected
//! outputs in place with
//! `GIT_LINEAGE_DOCS_UPDATE=1 cargo test --locked --test cli test_docs` and
//! review the diff: lines that still match (wildcards included) are kept.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::common::TestEnv;

/// The environment variable that rewrites expected outputs in place.
const UPDATE_VAR: &str = "GIT_LINEAGE_DOCS_UPDATE";

/// One `$ COMMAND` of a console block and the output the page shows.
#[derive(Debug)]
struct Example {
    /// 1-based line of the `$` in the page.
    line: usize,
    /// The command, continuation lines joined with newlines.
    command: String,
    /// Line range (0-based, end exclusive) of the expected output in the page.
    output: std::ops::Range<usize>,
    /// The exit code it must have.
    exit: i32,
}

/// A fenced block of a page that is run.
#[derive(Debug)]
enum Block {
    /// A ```` ```console ```` block: commands with expected outputs.
    Console {
        /// 0-based line of the opening fence.
        fence: usize,
        examples: Vec<Example>,
    },
    /// A ```` ```sh ```` block: one script.
    Script { line: usize, script: String },
}

/// What parsing a page found.
#[derive(Debug, Default)]
struct Page {
    blocks: Vec<Block>,
    /// (1-based line, reason) of each skipped block.
    skipped: Vec<(usize, String)>,
    /// Format errors (a skip without a reason, an empty console block).
    errors: Vec<String>,
}

const SKIP_MARKER: &str = "<!-- doc-test: skip";

/// The exit code of an example in a block that says `exit=any`: not checked.
const ANY_EXIT: i32 = i32::MIN;

fn parse(name: &str, text: &str) -> Page {
    let lines: Vec<&str> = text.lines().collect();
    let mut page = Page::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let Some(info) = line.strip_prefix("```") else {
            i += 1;
            continue;
        };
        let fence_len = 3 + info.chars().take_while(|c| *c == '`').count();
        let fence = &line[..fence_len];
        let info = line[fence_len..].trim();
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_end() == fence)
            .unwrap_or(lines.len());
        let mut words = info.split_whitespace();
        let lang = words.next().unwrap_or("");
        let attrs: Vec<&str> = words.collect();
        let previous = lines[..i].iter().rev().find(|l| !l.trim().is_empty());
        let skip = previous.and_then(|l| l.trim().strip_prefix(SKIP_MARKER));
        let runs = matches!(lang, "console" | "sh" | "bash" | "shell");
        if let (true, Some(rest)) = (runs, skip) {
            let reason = rest.trim().trim_end_matches("-->").trim();
            if reason.is_empty() {
                page.errors
                    .push(format!("{name}:{}: a skipped block must say why", i + 1));
            }
            page.skipped.push((i + 1, reason.to_string()));
        } else if lang == "console" {
            let any_exit = attrs.contains(&"exit=any");
            let exit = attrs
                .iter()
                .filter(|a| **a != "exit=any")
                .find_map(|a| a.strip_prefix("exit="))
                .map(|n| n.parse::<i32>().unwrap_or(-1))
                .unwrap_or(0);
            let mut examples = parse_console(&lines, i + 1, end, exit);
            if let Some(all) = attrs.iter().find_map(|a| a.strip_prefix("exit-all=")) {
                let all = all.parse::<i32>().unwrap_or(-1);
                for example in &mut examples {
                    example.exit = all;
                }
            }
            if examples.is_empty() {
                page.errors.push(format!(
                    "{name}:{}: a console block without a `$ ` command",
                    i + 1
                ));
            }
            if any_exit {
                for example in &mut examples {
                    example.exit = ANY_EXIT;
                }
            }
            page.blocks.push(Block::Console { fence: i, examples });
        } else if runs {
            page.blocks.push(Block::Script {
                line: i + 1,
                script: lines[i + 1..end].join("\n"),
            });
        }
        i = end + 1;
    }
    page
}

/// The examples of the console block whose body is `lines[start..end]`.
fn parse_console(lines: &[&str], start: usize, end: usize, exit: i32) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut j = start;
    while j < end {
        let Some(first) = lines[j].strip_prefix("$ ") else {
            j += 1;
            continue;
        };
        let line = j + 1;
        let mut command = first.to_string();
        while command.ends_with('\\') && j + 1 < end {
            j += 1;
            command.push('\n');
            command.push_str(lines[j]);
        }
        j += 1;
        let out_start = j;
        while j < end && !lines[j].starts_with("$ ") {
            j += 1;
        }
        examples.push(Example {
            line,
            command,
            output: out_start..j,
            exit: 0,
        });
    }
    if let Some(last) = examples.last_mut() {
        last.exit = exit;
    }
    examples
}

/// Does `actual` match the expected line `pattern` (`[..]` wildcards)?
fn line_matches(pattern: &str, actual: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == actual;
    }
    let (first, rest) = parts.split_first().expect("split yields one part");
    let Some(mut remaining) = actual.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = rest.split_last().expect("two parts or more");
    for part in middle {
        match remaining.find(part) {
            Some(at) => remaining = &remaining[at + part.len()..],
            None => return false,
        }
    }
    remaining.len() >= last.len() && remaining.ends_with(last)
}

/// Do the actual lines match the expected ones (`...` lines included)?
fn lines_match(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|k| lines_match(rest, &actual[k..])),
        Some((pattern, rest)) => match actual.split_first() {
            Some((line, tail)) => line_matches(pattern, line) && lines_match(rest, tail),
            None => false,
        },
    }
}

/// The new expected output: the actual lines, keeping each expected line
/// (wildcards, `...`) that still matches in order.
fn updated(expected: &[&str], actual: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut e = 0;
    let mut a = 0;
    while a < actual.len() {
        if e < expected.len() && expected[e] == "..." {
            // Keep `...` when the rest matches from some later line.
            if let Some(k) =
                (a..=actual.len()).find(|&k| lines_match(&expected[e + 1..], &actual[k..]))
            {
                out.push("...".to_string());
                out.extend(expected[e + 1..].iter().map(|s| s.to_string()));
                let _ = k;
                return out;
            }
            e += 1;
            continue;
        }
        if e < expected.len() && line_matches(expected[e], actual[a]) {
            out.push(expected[e].to_string());
            e += 1;
        } else {
            out.push(actual[a].to_string());
        }
        a += 1;
    }
    out
}

/// A line diff of expected and actual output, `-`/`+`/` ` prefixed (LCS).
fn diff(expected: &[&str], actual: &[&str]) -> String {
    let (n, m) = (expected.len(), actual.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if line_matches(expected[i], actual[j]) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && line_matches(expected[i], actual[j]) {
            let _ = writeln!(out, "   {}", actual[j]);
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            let _ = writeln!(out, "  +{}", actual[j]);
            j += 1;
        } else {
            let _ = writeln!(out, "  -{}", expected[i]);
            i += 1;
        }
    }
    out
}

/// A page's shell session: its directory, current directory and PATH.
struct Session {
    env: TestEnv,
    root: PathBuf,
    cwd: PathBuf,
    path: std::ffi::OsString,
    gitconfig: PathBuf,
    /// The exit code of the last command, `$?` of the next one.
    last_code: i32,
}

impl Session {
    fn new() -> Session {
        let env = TestEnv::new();
        let root = env.path("work");
        std::fs::create_dir_all(&root).expect("work dir");
        let root = root.canonicalize().expect("canonical work dir");
        let bin = env.path("bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        std::os::unix::fs::symlink(crate::common::bin(), bin.join("git-lineage"))
            .expect("git-lineage on PATH");
        let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .expect("PATH");
        let gitconfig = env.path("gitconfig");
        crate::common::write(
            &gitconfig,
            "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        );
        Session {
            cwd: root.clone(),
            root,
            path,
            gitconfig,
            env,
            last_code: 0,
        }
    }

    /// Run `script` with bash in the current directory, stdout and stderr
    /// together; follow its `cd`. Returns the exit code and the output with
    /// the session directory written `[ROOT]`.
    fn run(&mut self, script: &str) -> (i32, String) {
        let cwd_file = self.env.path("cwd");
        let wrapped = format!(
            "exec 2>&1\n(exit {})\n{script}\n__rc=$?\npwd > '{}'\nexit $__rc\n",
            self.last_code,
            cwd_file.display()
        );
        let output = self
            .env
            .command("bash", &self.cwd)
            .env("PATH", &self.path)
            .env("GIT_CONFIG_GLOBAL", &self.gitconfig)
            .env("COLUMNS", "100")
            .args(["--noprofile", "--norc", "-c", &wrapped])
            .output()
            .expect("run bash");
        if let Ok(cwd) = std::fs::read_to_string(&cwd_file) {
            self.cwd = PathBuf::from(cwd.trim_end_matches('\n'));
        }
        let text = String::from_utf8_lossy(&output.stdout)
            .replace(self.root.to_str().expect("utf-8 temp path"), "[ROOT]");
        self.last_code = output.status.code().unwrap_or(-1);
        (self.last_code, text)
    }
}

/// Run every block of the page `rel` (relative to the crate root); return
/// the failures as readable text, after rewriting the page when updating.
fn check_page(rel: &str) -> Result<usize, String> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{rel}: {e}"))?;
    let page = parse(rel, &text);
    let update = std::env::var_os(UPDATE_VAR).is_some();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Replacements (range, new lines, new fence) applied bottom-up when updating.
    let mut edits: Vec<(std::ops::Range<usize>, Vec<String>)> = Vec::new();
    let mut failures = page.errors.clone();
    let mut session = Session::new();
    let mut ran = 0;
    'blocks: for block in &page.blocks {
        match block {
            Block::Script { line, script } => {
                ran += 1;
                let (code, out) = session.run(script);
                if code != 0 {
                    failures.push(format!(
                        "{rel}:{line}: the sh block exited {code} (later blocks of the page not run):\n{out}"
                    ));
                    break 'blocks;
                }
            }
            Block::Console { fence, examples } => {
                for (k, example) in examples.iter().enumerate() {
                    ran += 1;
                    let (code, out) = session.run(&example.command);
                    let actual: Vec<&str> = out.lines().map(str::trim_end).collect();
                    let expected: Vec<&str> = text
                        .lines()
                        .skip(example.output.start)
                        .take(example.output.len())
                        .collect();
                    let last = k + 1 == examples.len();
                    // `$ echo $?` next: the page shows the code, any is fine here.
                    let shown = examples
                        .get(k + 1)
                        .is_some_and(|next| next.command.trim() == "echo $?");
                    // A page that shows `error:` shows a usage/input error: exit 2.
                    let exit =
                        if example.exit == 0 && expected.iter().any(|l| l.starts_with("error: ")) {
                            2
                        } else {
                            example.exit
                        };
                    if code != exit && !shown && exit != ANY_EXIT {
                        if update && last && code >= 0 {
                            let info = lines[*fence]
                                .split_whitespace()
                                .filter(|w| !w.contains("exit="))
                                .collect::<Vec<_>>()
                                .join(" ");
                            let info = if code == 0 {
                                info
                            } else {
                                format!("{info} exit={code}")
                            };
                            edits.push((*fence..*fence + 1, vec![info]));
                        } else {
                            failures.push(format!(
                                "{rel}:{}: `$ {}` exited {code}, the page expects {}{}:\n{out}",
                                example.line,
                                example.command,
                                exit,
                                if last {
                                    " (say `exit=N` in the block's info string)"
                                } else {
                                    " (only the last command of a block may fail)"
                                }
                            ));
                            break 'blocks;
                        }
                    }
                    if !lines_match(&expected, &actual) {
                        if update {
                            edits.push((example.output.clone(), updated(&expected, &actual)));
                        } else {
                            failures.push(format!(
                                "{rel}:{}: `$ {}`: the output differs from the page (-page +actual):\n{}",
                                example.line,
                                example.command,
                                diff(&expected, &actual)
                            ));
                        }
                    }
                }
            }
        }
    }
    if update && !edits.is_empty() {
        edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
        for (range, new) in edits {
            lines.splice(range, new);
        }
        let mut new_text = lines.join("\n");
        new_text.push('\n');
        std::fs::write(&file, new_text).map_err(|e| format!("{rel}: {e}"))?;
    }
    if failures.is_empty() {
        Ok(ran)
    } else {
        Err(format!(
            "{}\nto accept the actual outputs: {UPDATE_VAR}=1 cargo test --locked --test cli test_docs (then review the diff)",
            failures.join("\n")
        ))
    }
}

/// Pages whose examples are parsed (the format is checked) but not run yet,
/// with why: each needs setup the page does not show yet. Remove a page from
/// here once its setup is on the page and its outputs are accepted with
/// the update command.
const NOT_YET_RUN: &[(&str, &str)] = &[];

/// Tools beyond Rust, git and Python that some pages' examples run: what
/// in a page's text shows it needs the tool, why, and the probe that says it
/// is installed. A page that needs a missing tool is skipped with a printed
/// reason on a developer's machine and fails in CI, which installs them all.
const PAGE_TOOLS: &[(&str, &[&str], &str, &[&str])] = &[
    (
        "jq",
        &["| jq", "jq -r", "jq '"],
        "filters JSON in the examples",
        &["jq", "--version"],
    ),
    (
        "b3sum",
        &["b3sum"],
        "re-derives hashes in the examples",
        &["b3sum", "--version"],
    ),
    (
        "openssl",
        &["openssl "],
        "signs an envelope in the examples",
        &["openssl", "version"],
    ),
    (
        "git-lfs",
        &["git lfs "],
        "records LFS files in the examples",
        &["git-lfs", "version"],
    ),
    (
        "PyYAML",
        &["import yaml"],
        "reads records as Python users do",
        &["python3", "-c", "import yaml"],
    ),
];

/// False (after `require_tool` printed why) when the page needs a tool that
/// is not installed.
fn page_tools_installed(rel: &str) -> bool {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&file).expect("page");
    // Only what runs counts: the lines inside fenced blocks, not the prose.
    let mut code = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if fenced {
            code.push_str(line);
            code.push('\n');
        }
    }
    PAGE_TOOLS.iter().all(|(tool, needles, why, probe)| {
        if !needles.iter().any(|n| code.contains(n)) {
            return true;
        }
        let mut command = std::process::Command::new(probe[0]);
        command.args(&probe[1..]);
        crate::common::require_tool(tool, &format!("{rel} {why}"), &mut command)
    })
}

#[track_caller]
fn assert_page(rel: &str) {
    if !page_tools_installed(rel) {
        return;
    }
    if let Some((_, why)) = NOT_YET_RUN.iter().find(|(page, _)| *page == rel) {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let text = std::fs::read_to_string(&file).expect("page");
        let page = parse(rel, &text);
        assert!(page.errors.is_empty(), "{}", page.errors.join("\n"));
        eprintln!("not run: {rel}: {why}");
        return;
    }
    if let Err(report) = check_page(rel) {
        panic!("{report}");
    }
}

/// The pages whose examples are tested, each by the test named after it.
const PAGES: &[&str] = &[
    "README.md",
    "docs/cli.md",
    "docs/config.md",
    "docs/drift.md",
    "docs/export.md",
    "docs/guide-lineage.md",
    "docs/guide-recording.md",
    "docs/guide-review.md",
    "docs/hashing.md",
    "docs/json.md",
    "docs/manifest.md",
    "docs/multi-repo.md",
    "docs/performance.md",
    "docs/python.md",
    "docs/pointers.md",
    "docs/refs.md",
    "docs/registry.md",
    "docs/retention.md",
    "docs/testing.md",
    "docs/view.md",
];

#[test]
fn every_page_with_shell_examples_has_a_test() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut found = vec!["README.md".to_string()];
    for entry in std::fs::read_dir(&docs).expect("docs/") {
        let name = entry.expect("entry").file_name();
        let name = name.to_str().expect("utf-8 name");
        if name.ends_with(".md") {
            found.push(format!("docs/{name}"));
        }
    }
    found.sort();
    let mut listed: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed, "add the page to PAGES and give it a test");
}

macro_rules! page_tests {
    ($($test:ident => $page:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                assert_page($page);
            }
        )*
    };
}

page_tests! {
    readme => "README.md",
    cli => "docs/cli.md",
    config => "docs/config.md",
    drift => "docs/drift.md",
    export => "docs/export.md",
    guide_lineage => "docs/guide-lineage.md",
    guide_recording => "docs/guide-recording.md",
    guide_review => "docs/guide-review.md",
    hashing => "docs/hashing.md",
    json => "docs/json.md",
    manifest => "docs/manifest.md",
    multi_repo => "docs/multi-repo.md",
    performance => "docs/performance.md",
    python => "docs/python.md",
    pointers => "docs/pointers.md",
    refs => "docs/refs.md",
    registry => "docs/registry.md",
    retention => "docs/retention.md",
    testing => "docs/testing.md",
    view => "docs/view.md",
}

#[test]
fn wildcards_match_within_a_line_and_dots_across_lines() {
    assert!(line_matches(
        "built in [..] seconds",
        "built in 1.2 seconds"
    ));
    assert!(line_matches("[..]", ""));
    assert!(line_matches("a[..]b[..]c", "a-b-b-c"));
    assert!(!line_matches("a[..]b", "a-c"));
    assert!(!line_matches("abc", "abd"));
    assert!(lines_match(&["a", "...", "z"], &["a", "b", "c", "z"]));
    assert!(lines_match(&["a", "...", "z"], &["a", "z"]));
    assert!(!lines_match(&["a", "...", "z"], &["a", "b"]));
    assert!(!lines_match(&["a"], &["a", "b"]));
}

#[test]
fn update_keeps_matching_wildcard_lines_and_takes_the_rest_from_the_actual_output() {
    assert_eq!(
        updated(
            &["id [..]", "old", "same"],
            &["id 42", "new", "same", "extra"]
        ),
        ["id [..]", "new", "same", "extra"]
    );
    assert_eq!(
        updated(&["head", "...", "tail"], &["head", "x", "y", "tail"]),
        ["head", "...", "tail"]
    );
}

#[test]
fn a_mismatch_names_the_page_line_and_shows_a_diff() {
    let diff = diff(&["a", "b", "c"], &["a", "x", "c"]);
    assert_eq!(diff, "   a\n  +x\n  -b\n   c\n");
    let page = parse(
        "p.md",
        "text\n\n<!-- doc-test: skip -->\n```console\n$ true\n```\n\n```console exit=1\n$ echo a \\\n  b\na b\n$ false\n```\n",
    );
    assert_eq!(page.errors, ["p.md:4: a skipped block must say why"]);
    let [Block::Console { examples, .. }] = &page.blocks[..] else {
        panic!("{page:?}")
    };
    assert_eq!(examples[0].command, "echo a \\\n  b");
    assert_eq!(examples[0].line, 9);
    assert_eq!(examples[0].output, 10..11);
    assert_eq!((examples[0].exit, examples[1].exit), (0, 1));
}
