//! Bad input: every case exits 2, prints `error: …` naming what was wrong and
//! where, a `hint: …` when there is something to do, never panics (the
//! harness fails on "panicked"), and leaves no file under `.lineage/records`.

use std::path::Path;

use crate::common::{
    Run, TestEnv, b3, copy_fixture, files_under, hint_line, store_raw_record, write,
};

/// `record --kind train --name step EXTRA…` in `cwd`.
fn record(env: &TestEnv, cwd: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["record", "--kind", "train", "--name", "step"];
    args.extend_from_slice(extra);
    env.lineage(cwd, &args)
}

/// Assert the shape every input error shares and that `repo` gained no record
/// file (nor a temporary one); returns stderr.
#[track_caller]
fn input_error(run: Run, repo: &Path, needles: &[&str]) -> String {
    let run = run.code(2);
    assert!(
        run.stderr.starts_with("error: "),
        "stderr must start with `error: `:\n{}",
        run.stderr
    );
    assert_eq!(run.stdout, "", "nothing on stdout for an error");
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "stderr does not mention {needle:?}:\n{}",
            run.stderr
        );
    }
    let left = files_under(&repo.join(".lineage/records"));
    assert!(left.is_empty(), "a failed command left files: {left:?}");
    run.stderr
}

/// The hint line, required.
#[track_caller]
fn hint(stderr: &str) -> &str {
    hint_line(stderr).unwrap_or_else(|| panic!("no `hint: ` line:\n{stderr}"))
}

/// `line N, column M` in `text`, parsed.
#[track_caller]
fn line_column(text: &str) -> (u64, u64) {
    let at = text
        .find("line ")
        .unwrap_or_else(|| panic!("no `line N, column M` in:\n{text}"));
    let rest = &text[at + "line ".len()..];
    let number = |s: &str| -> (u64, usize) {
        let len = s.bytes().take_while(u8::is_ascii_digit).count();
        let n = s[..len]
            .parse()
            .unwrap_or_else(|_| panic!("no number at {s:?} in:\n{text}"));
        (n, len)
    };
    let (line, len) = number(rest);
    let rest = rest[len..]
        .strip_prefix(", column ")
        .unwrap_or_else(|| panic!("no `, column M` after the line in:\n{text}"));
    (line, number(rest).0)
}

/// The `file://…` URI in a hint (up to the next whitespace).
#[track_caller]
fn suggested_uri(hint: &str) -> String {
    let at = hint
        .find("file://")
        .unwrap_or_else(|| panic!("the hint does not suggest a file:// URI: {hint}"));
    hint[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(['.', ',', ';', ')', '`', '\''])
        .to_string()
}

#[test]
fn not_a_git_repository() {
    let env = TestEnv::new();
    let plain = env.path("plain");
    write(&plain.join("data.csv"), "a\n1\n");
    let stderr = input_error(
        record(&env, &plain, &["-i", "data.csv"]),
        &plain,
        &["not a git repository", plain.to_str().unwrap()],
    );
    assert!(hint(&stderr).contains("git init"), "{stderr}");
    assert!(
        !plain.join(".lineage").exists(),
        "nothing may be created in a directory that is not a repository"
    );
}

#[test]
fn missing_input_path() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let stderr = input_error(
        record(&env, &repo, &["-i", "data/missing.csv"]),
        &repo,
        &["input 'data/missing.csv'", "does not exist"],
    );
    assert!(hint(&stderr).contains("check the path"), "{stderr}");
}

#[test]
fn missing_output_path() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "a\n1\n");
    // The input is hashed first; the missing output must still stop the record.
    let stderr = input_error(
        record(
            &env,
            &repo,
            &["-i", "data/train.csv", "-o", "model/missing.bin"],
        ),
        &repo,
        &["output 'model/missing.bin'", "does not exist"],
    );
    assert!(hint(&stderr).contains("check the path"), "{stderr}");
}

/// Pass the URI a hint suggested with `flag` (`-i`/`-o`) and check the
/// record holds it with the file's hash.
#[track_caller]
fn record_suggested_uri(env: &TestEnv, repo: &Path, flag: &str, uri: &str, bytes: &[u8]) {
    let id = record(env, repo, &[flag, uri]).success().stdout;
    let shown = env
        .lineage(repo, &["show", id.trim(), "--format", "json"])
        .success()
        .json();
    let side = if flag == "-i" { "inputs" } else { "outputs" };
    let input = &shown["record"][side][0];
    assert_eq!(input["uri"], uri, "{shown:#}");
    assert_eq!(input["hash"], format!("blake3:{}", b3(bytes)), "{shown:#}");
    assert_eq!(input["size"], bytes.len(), "{shown:#}");
    assert_eq!(input.get("path"), None, "{shown:#}");
}

#[test]
fn relative_path_escaping_the_repository() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let bytes = b"outside,data\n1,2\n";
    write(&env.path("outside.csv"), bytes);
    let stderr = input_error(
        record(&env, &repo, &["-i", "../outside.csv"]),
        &repo,
        &["input '../outside.csv'", "outside the repository"],
    );
    let uri = suggested_uri(hint(&stderr));
    record_suggested_uri(&env, &repo, "-i", &uri, bytes);
}

#[test]
fn relative_escape_hint_suggests_a_normalised_uri() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&env.path("outside.csv"), "x\n");
    let stderr = input_error(
        record(&env, &repo, &["-i", "../outside.csv"]),
        &repo,
        &["outside the repository"],
    );
    let uri = suggested_uri(hint(&stderr));
    let canonical = std::fs::canonicalize(env.path("outside.csv")).unwrap();
    // Not `file:///…/r/../outside.csv`: that would embed the checkout's
    // location and a `..` in the recorded URI.
    assert_eq!(uri, format!("file://{}", canonical.display()), "{stderr}");
}

#[test]
fn absolute_path_outside_the_repository() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let bytes = b"external\n";
    let outside = std::fs::canonicalize(env.root()).unwrap().join("ext.bin");
    write(&outside, bytes);
    let spec = outside.to_str().unwrap();
    let stderr = input_error(
        record(&env, &repo, &["-o", spec]),
        &repo,
        &[&format!("output '{spec}'"), "outside the repository"],
    );
    let uri = suggested_uri(hint(&stderr));
    assert_eq!(uri, format!("file://{spec}"), "{stderr}");
    record_suggested_uri(&env, &repo, "-o", &uri, bytes);
}

#[test]
fn param_without_equals() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let stderr = input_error(
        record(&env, &repo, &["-p", "lr"]),
        &repo,
        &["'lr'", "KEY=VALUE"],
    );
    assert!(hint(&stderr).contains("KEY=VALUE"), "{stderr}");
}

#[test]
fn unparsable_params_yaml_names_file_line_and_column() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    copy_fixture("params/broken.yaml", &repo.join("conf/params.yaml"));
    let stderr = input_error(
        record(&env, &repo, &["--params", "conf/params.yaml"]),
        &repo,
        &["conf/params.yaml"],
    );
    // The flow list opened on line 3 (column 9) is found unclosed at the
    // `:` of `depth:`, line 4, column 6; both are 1-based.
    assert_eq!(line_column(&stderr), (4, 6), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(hint(&stderr).contains("line"), "{stderr}");
}

#[test]
fn unparsable_metrics_json_names_file_line_and_column() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    copy_fixture("metrics/broken.json", &repo.join("out/metrics.json"));
    let stderr = input_error(
        record(&env, &repo, &["--metrics", "out/metrics.json"]),
        &repo,
        &["out/metrics.json"],
    );
    // `  "loss": ,` — the stray comma is line 3, column 11.
    assert_eq!(line_column(&stderr), (3, 11), "{stderr}");
    assert!(hint(&stderr).contains("line"), "{stderr}");
}

#[test]
fn params_file_that_is_a_list() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    copy_fixture("params/list.yaml", &repo.join("params.yaml"));
    let stderr = input_error(
        record(&env, &repo, &["--params", "params.yaml"]),
        &repo,
        &["params.yaml", "map", "list"],
    );
    let hint = hint(&stderr);
    let message = stderr.lines().next().unwrap();
    // A hint that points at "the line and column shown" needs a message that shows them.
    assert!(
        !hint.contains("line and column") || message.contains("line "),
        "the hint refers to a line and column the message does not give:\n{stderr}"
    );
}

#[test]
fn unknown_schema_version_in_the_store() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let good = record(&env, &repo, &["-p", "lr=0.1"]).success().stdout;
    let good = good.trim();
    let future = crate::common::fixture_bytes("records/unknown-schema.yaml");
    let id = store_raw_record(&repo, &future);
    let run = env.lineage(&repo, &["show", &id]).code(2);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    for needle in ["git-lineage/v9", &format!("{id}.yaml")] {
        assert!(
            run.stderr.contains(needle),
            "no {needle:?}:\n{}",
            run.stderr
        );
    }
    assert!(hint(&run.stderr).contains("upgrade"), "{}", run.stderr);
    // The file is left as it was, and the rest of the store still loads.
    let path = repo.join(format!(".lineage/records/{}/{id}.yaml", &id[..2]));
    assert_eq!(std::fs::read(&path).unwrap(), future);
    env.lineage(&repo, &["show", good]).success();
}

#[cfg(target_os = "linux")]
#[test]
fn unreadable_input() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    // chmod cannot stop root from reading; /proc/self/mem fails with EIO for anyone.
    std::os::unix::fs::symlink("/proc/self/mem", repo.join("mem.bin")).unwrap();
    let stderr = input_error(
        record(&env, &repo, &["-i", "mem.bin"]),
        &repo,
        &["input 'mem.bin'", "cannot read"],
    );
    hint(&stderr);

    use std::os::unix::fs::PermissionsExt;
    let locked = repo.join("data/locked.csv");
    write(&locked, "secret\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root (CI runs as root) the binary runs without root's read override.
    let Some(wrapper) = crate::common::without_read_override() else {
        return;
    };
    let args = [
        "record",
        "--kind",
        "train",
        "--name",
        "step",
        "-i",
        "data/locked.csv",
    ];
    let run = if wrapper.is_empty() {
        env.lineage(&repo, &args)
    } else {
        env.lineage_under(&wrapper, &repo, &args)
    };
    let stderr = input_error(run, &repo, &["input 'data/locked.csv'", "cannot read"]);
    assert!(hint(&stderr).contains("permission"), "{stderr}");
}

/// Add `pattern` to the config's `ignore:` list, as the hint says to.
fn ignore_in_config(repo: &Path, pattern: &str) {
    let path = repo.join(".lineage/config.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\nignore:\n"), "{text}");
    let text = text.replacen("\nignore:\n", &format!("\nignore:\n  - \"{pattern}\"\n"), 1);
    std::fs::write(&path, text).unwrap();
}

#[cfg(unix)]
#[test]
fn symlink_loop_inside_an_input_directory() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("d/data.csv"), "1\n");
    std::os::unix::fs::symlink("b", repo.join("d/a")).unwrap();
    std::os::unix::fs::symlink("a", repo.join("d/b")).unwrap();
    let stderr = input_error(
        record(&env, &repo, &["-i", "d"]),
        &repo,
        &["input 'd'", "symlink loop"],
    );
    assert!(
        stderr.contains("d/a") || stderr.contains("d/b"),
        "the link is named:\n{stderr}"
    );
    assert!(hint(&stderr).contains("ignore"), "{stderr}");
    // Following the hint works.
    ignore_in_config(&repo, "a");
    ignore_in_config(&repo, "b");
    record(&env, &repo, &["-i", "d"]).success();
}

#[cfg(unix)]
#[test]
fn symlink_to_an_ancestor_inside_an_input_directory() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("d/sub/data.csv"), "1\n");
    std::os::unix::fs::symlink("..", repo.join("d/sub/up")).unwrap();
    let stderr = input_error(
        record(&env, &repo, &["-i", "d"]),
        &repo,
        &["input 'd'", "symlink loop", "d/sub/up"],
    );
    assert!(hint(&stderr).contains("ignore"), "{stderr}");
    ignore_in_config(&repo, "up");
    record(&env, &repo, &["-i", "d"]).success();
}

#[test]
fn invalid_kind() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.lineage(&repo, &["record", "--kind", "Train Job", "--name", "step"]);
    input_error(run, &repo, &["--kind", "'Train Job'", "lowercase"]);
}

#[test]
fn glob_that_matches_nothing() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/train.csv"), "1\n");
    let stderr = input_error(
        record(&env, &repo, &["-i", "data/*.parquet"]),
        &repo,
        &["input 'data/*.parquet'", "matches no files"],
    );
    hint(&stderr);
}

#[test]
fn dash_c_to_a_missing_directory() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.lineage(
        &repo,
        &[
            "-C", "missing", "record", "--kind", "train", "--name", "step",
        ],
    );
    input_error(run, &repo, &["-C", "missing", "no such directory"]);
    assert!(!repo.join("missing").exists());
}

#[test]
fn clap_usage_error_missing_kind() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let run = env.lineage(&repo, &["record", "--name", "step"]);
    input_error(run, &repo, &["--kind", "required"]);
}

#[test]
fn input_inside_dot_git() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("sub/x.csv"), "1\n");
    for spec in [".git/HEAD", ".git", "sub/../.git/config", "./.git/index"] {
        let stderr = input_error(
            record(&env, &repo, &["-i", spec]),
            &repo,
            &[&format!("input '{spec}'"), ".git"],
        );
        hint(&stderr);
    }
    // The same from a subdirectory.
    let stderr = input_error(
        record(&env, &repo.join("sub"), &["-i", "../.git/HEAD"]),
        &repo,
        &["input '../.git/HEAD'", ".git"],
    );
    hint(&stderr);
}
