//! Bad input, every time (issue 10.6): an unwritable stderr or a closed
//! stdout, secrets in URLs, FIFOs where bytes are hashed, hints that must
//! work when followed, unusual POSIX file names, SHA-256 repositories and
//! in-toto exports of failed runs. Each gets a clear error or works; none
//! panics (exit 101) or hangs.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Run `cmd` to completion within 30 s (a hang fails the test instead of
/// blocking the suite) and return its exit code.
#[track_caller]
fn code_within_deadline(mut cmd: Command) -> i32 {
    let mut child = cmd.spawn().expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code().unwrap_or(-1);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn dev_full() -> std::fs::File {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full")
}

#[test]
fn an_unwritable_stderr_never_panics() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data.csv"), "a\n");

    // A failing command: the error cannot be printed, the exit code still says 2.
    let mut failing = env.command(bin(), &repo);
    failing
        .args(["record", "--kind", "train", "--name", "m", "-i", "nope.csv"])
        .stdout(Stdio::null())
        .stderr(dev_full());
    assert_eq!(code_within_deadline(failing), 2);
    assert!(record_ids(&repo).is_empty());

    // A succeeding command that prints a note to stderr: still 0, record written.
    let mut succeeding = env.command(bin(), &repo);
    succeeding
        .args(["record", "--kind", "train", "--name", "m", "-i", "data.csv"])
        .stdout(Stdio::null())
        .stderr(dev_full());
    assert_eq!(code_within_deadline(succeeding), 0);
    assert_eq!(record_ids(&repo).len(), 1);

    // The same through a shell, as the issue reports it.
    let out = env
        .command("sh", &repo)
        .args(["-c", "\"$0\" log 2>/dev/full >/dev/null; echo $?"])
        .arg(bin())
        .output()
        .expect("sh");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
}

/// `GIT_LINEAGE_TRACE` output: each phase of loading history on stderr as
/// `trace: <ms, 8 wide, 1 decimal> ms  <phase>`, the data on stdout unchanged,
/// and (the library records, the binary prints) an unwritable stderr no panic.
#[test]
fn phase_timings_go_to_stderr_in_their_format_and_never_panic() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data.csv"), "a\n");
    record_step(&env, &repo, "train", "m", &["-i", "data.csv"]);
    env.git(&repo, &["add", "-A"]);
    env.git(&repo, &["commit", "-q", "-m", "train"]);
    let traced = |args: &[&str]| {
        let out = env
            .command(bin(), &repo)
            .env("GIT_LINEAGE_TRACE", "1")
            .args(args)
            .output()
            .expect("run git-lineage");
        assert!(out.status.success(), "{out:?}");
        let phases: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .map(|line| {
                let rest = line.strip_prefix("trace: ").expect(line);
                let (ms, phase) = rest.split_once(" ms  ").expect(line);
                assert_eq!(ms.len(), 8, "{line}");
                let ms: f64 = ms.trim().parse().expect(line);
                assert!(ms >= 0.0, "{line}");
                phase.to_string()
            })
            .collect();
        (String::from_utf8_lossy(&out.stdout).into_owned(), phases)
    };
    let (walked, phases) = traced(&["log", "--quiet"]);
    assert_eq!(
        phases.first().map(String::as_str),
        Some("start"),
        "{phases:?}"
    );
    assert!(phases.iter().any(|p| p == "assembled"), "{phases:?}");
    // The walk wrote the catalog: a plain `log` streams it.
    let (streamed, phases) = traced(&["log"]);
    assert_eq!(phases, ["catalog listing"], "{phases:?}");
    assert_eq!(walked, streamed);
    assert_eq!(walked, env.lineage(&repo, &["log"]).success().stdout);
    // JSON is printed from the whole history, here the snapshot.
    let (_, phases) = traced(&["log", "--format", "json"]);
    assert_eq!(phases[..2], ["start", "snapshot loaded"], "{phases:?}");

    let mut unwritable = env.command(bin(), &repo);
    unwritable
        .env("GIT_LINEAGE_TRACE", "1")
        .arg("log")
        .stdout(Stdio::null())
        .stderr(dev_full());
    assert_eq!(code_within_deadline(unwritable), 0);
}

#[test]
fn a_closed_stdout_exits_quietly() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data.csv"), "a\n");
    record_step(&env, &repo, "train", "m", &["-i", "data.csv"]);
    // The read end is closed before the command starts: its first write
    // fails with EPIPE, deterministically.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let output = env
        .command(bin(), &repo)
        .args(["log"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn tokens_in_url_queries_and_fragments_are_never_recorded() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    env.git(
        &repo,
        &[
            "remote",
            "add",
            "origin",
            "https://oauth2:pw@example.com/acme/fraud.git?private_token=SECRET1#SECRET2",
        ],
    );
    let id = record_step(
        &env,
        &repo,
        "train",
        "m",
        &[
            "-i",
            "https://user@example.com/data.csv?token=SECRET3#SECRET4",
            "-i",
            "s3://bucket/key@v7?X-Amz-Signature=SECRET5",
        ],
    );
    let text = std::fs::read_to_string(record_path(&repo, &id)).unwrap();
    assert!(!text.contains("SECRET"), "{text}");
    let record = load_record(&repo, &id);
    assert_eq!(
        record["code"]["remote"],
        "https://example.com/acme/fraud.git"
    );
    assert_eq!(record["inputs"][0]["uri"], "https://example.com/data.csv");
    assert_eq!(record["inputs"][1]["uri"], "s3://bucket/key");
    assert_eq!(record["inputs"][1]["version"], "v7");

    // The export namespace is the same remote URL.
    let export = env
        .lineage(&repo, &["export", "--format", "openlineage"])
        .success();
    assert!(!export.stdout.contains("SECRET"), "{}", export.stdout);
}

#[test]
fn a_fifo_lockfile_is_refused_not_waited_on() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let status = env
        .command("mkfifo", &repo)
        .arg("requirements.txt")
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let mut cmd = env.command(bin(), &repo);
    cmd.args([
        "record",
        "--kind",
        "train",
        "--name",
        "m",
        "--env",
        "requirements.txt",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    assert_eq!(code_within_deadline(cmd), 2);
    // And the message says why.
    let run = env.lineage(
        &repo,
        &[
            "record",
            "--kind",
            "train",
            "--name",
            "m",
            "--env",
            "requirements.txt",
        ],
    );
    let run = run.code(2);
    assert!(
        run.stderr
            .starts_with("error: lockfile 'requirements.txt': ")
            && run.stderr.contains("is not a regular file"),
        "{}",
        run.stderr
    );
    assert!(hint_line(&run.stderr).is_some(), "{}", run.stderr);
    // The same pipe as an input is refused the same way.
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
                "requirements.txt",
            ],
        )
        .code(2);
    assert!(
        run.stderr.contains("is not a regular file"),
        "{}",
        run.stderr
    );
    assert!(record_ids(&repo).is_empty());
}

/// Follow the hint of `record ARGS` literally: the text after its last `: `
/// is appended to `record --kind train --name m` and run by a shell.
#[track_caller]
fn follow_hint(env: &TestEnv, repo: &Path, args: &[&str]) -> Run {
    let mut all = vec!["record", "--kind", "train", "--name", "m"];
    all.extend_from_slice(args);
    let run = env.lineage(repo, &all).code(2);
    let hint = hint_line(&run.stderr).expect("a hint").to_string();
    let (_, suggestion) = hint.rsplit_once(": ").expect("a suggestion");
    let output = env
        .command("sh", repo)
        .args([
            "-c",
            &format!("\"$0\" record --kind train --name m {suggestion}"),
        ])
        .arg(bin())
        .output()
        .expect("sh");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn the_outside_the_repository_hint_works_when_followed() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&env.path("outside/plain.csv"), "a\n");
    write(&env.path("outside/with space's.csv"), "b\n");
    for (option, file, field) in [
        ("-i", "../outside/plain.csv", "inputs"),
        ("-i", "../outside/with space's.csv", "inputs"),
        ("-o", "../outside/with space's.csv", "outputs"),
    ] {
        let run = follow_hint(&env, &repo, &[option, file]).success();
        let id = run.stdout.trim();
        let record = load_record(&repo, id);
        let uri = record[field][0]["uri"].as_str().unwrap().to_string();
        assert!(uri.starts_with("file:///"), "{uri}");
        assert!(uri.ends_with(file.trim_start_matches("../")), "{uri}");
        assert!(record[field][0]["hash"].is_string());
    }
    // Lockfiles and code files cannot be outside: the hint says what to do
    // instead, and does not offer a form --env or --code would refuse.
    for option in ["--env", "--code"] {
        let run = env
            .lineage(
                &repo,
                &[
                    "record",
                    "--kind",
                    "train",
                    "--name",
                    "m",
                    option,
                    "../outside/plain.csv",
                ],
            )
            .code(2);
        let hint = hint_line(&run.stderr).expect("a hint");
        assert!(!hint.contains("file://"), "{hint}");
        assert!(hint.contains("repository"), "{hint}");
    }
}

#[test]
fn any_posix_file_name_is_recordable() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let names = [
        "a\\b.csv",
        "new\nline.csv",
        "quo'te\"s and spaces.csv",
        "-leading-dash.csv",
        "tab\there.csv",
        "ünïcödé.csv",
    ];
    let mut args = Vec::new();
    for (n, name) in names.iter().enumerate() {
        write(&repo.join("data").join(name), format!("{n}\n"));
        args.push("-i".to_string());
        args.push(format!("data/{name}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut all = vec!["record", "--kind", "train", "--name", "m", "--commit"];
    all.extend_from_slice(&args);
    let run = env.lineage(&repo, &all).success();
    let id = run.stdout.trim();
    let record = load_record(&repo, id);
    for (n, name) in names.iter().enumerate() {
        assert_eq!(record["inputs"][n]["path"], format!("data/{name}"));
        assert_eq!(
            record["inputs"][n]["hash"],
            format!("blake3:{}", b3(format!("{n}\n").as_bytes()))
        );
    }
    env.lineage(&repo, &["verify", "--artifacts", "--history"])
        .success();
    // Renaming one is noticed: the name is part of what was recorded.
    std::fs::rename(repo.join("data/a\\b.csv"), repo.join("data/a-b.csv")).unwrap();
    let run = env.lineage(&repo, &["verify", "--artifacts"]).code(1);
    assert!(run.stdout.contains("a\\b.csv"), "{}", run.stdout);
}

#[test]
fn a_file_name_that_is_not_utf8_gets_a_clear_error() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let name = std::ffi::OsStr::from_bytes(b"bad\xff.csv");
    write(&repo.join("data").join(name), "x\n");
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
    assert!(run.stderr.contains("is not valid UTF-8"), "{}", run.stderr);
    assert!(!run.stderr.contains("outside"), "{}", run.stderr);
    assert!(
        hint_line(&run.stderr).is_some_and(|h| h.contains("rename")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_sha256_repository_is_refused_with_the_reason() {
    let env = TestEnv::new();
    let dir = env.path("s");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    env.git(&dir, &["init", "-q", "--object-format=sha256"]);
    env.git(&dir, &["config", "user.name", "Jane Doe"]);
    env.git(&dir, &["config", "user.email", "jane@example.com"]);
    for (cwd, args) in [
        (dir.clone(), vec!["init"]),
        (
            dir.join("sub"),
            vec!["record", "--kind", "train", "--name", "m"],
        ),
        (dir.clone(), vec!["log"]),
    ] {
        let run = env.lineage(&cwd, &args).code(2);
        assert!(
            run.stderr.starts_with("error: ")
                && run
                    .stderr
                    .contains("SHA-256 repositories are not supported yet: "),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("not a git repository"),
            "{}",
            run.stderr
        );
        assert!(hint_line(&run.stderr).is_some(), "{}", run.stderr);
    }
    assert!(!dir.join(".lineage").exists());
    // A directory that is no repository at all still says so.
    let plain = env.path("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let run = env.lineage(&plain, &["log"]).code(2);
    assert!(
        run.stderr.contains("not a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn in_toto_refuses_to_vouch_for_a_failed_run() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let ok = {
        let run = env
            .lineage(
                &repo,
                &[
                    "run",
                    "--kind",
                    "train",
                    "--name",
                    "good",
                    "-o",
                    "good.bin",
                    "--",
                    "sh",
                    "-c",
                    "echo ok > good.bin",
                ],
            )
            .success();
        run.stdout.trim().to_string()
    };
    // A failed run with no outputs has nothing to vouch for: no refusal.
    env.lineage(
        &repo,
        &[
            "run",
            "--kind",
            "train",
            "--name",
            "empty",
            "--record-failure",
            "--",
            "sh",
            "-c",
            "exit 4",
        ],
    )
    .code(4);
    let all = env
        .lineage(&repo, &["export", "--format", "in-toto"])
        .success();
    assert_eq!(all.stdout.lines().count(), 1);

    let failed = env
        .lineage(
            &repo,
            &[
                "run",
                "--kind",
                "train",
                "--name",
                "bad",
                "-o",
                "bad.bin",
                "--record-failure",
                "--",
                "sh",
                "-c",
                "echo partial > bad.bin; exit 3",
            ],
        )
        .code(3);
    let failed = failed.stdout.trim().to_string();
    assert_eq!(failed.len(), 64, "{failed}");

    for args in [
        vec!["export", "--format", "in-toto"],
        vec!["export", "--format", "in-toto", &failed],
    ] {
        let run = env.lineage(&repo, &args).code(2);
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr.starts_with(&format!(
                "error: record {failed} (train bad) is a failed run (exit 3)"
            )),
            "{}",
            run.stderr
        );
        assert!(hint_line(&run.stderr).is_some(), "{}", run.stderr);
    }
    // The successful run, named, still exports.
    let good = env
        .lineage(&repo, &["export", "--format", "in-toto", &ok])
        .success();
    assert_eq!(good.stdout.lines().count(), 1);
    // Other formats describe the failure as it is and are not refused.
    env.lineage(&repo, &["export", "--format", "prov"])
        .success();
}

#[test]
fn a_params_file_may_be_a_pipe() {
    // Params are parsed, not hashed: `--params <(make-params)` and
    // `--params /dev/stdin` are real uses, unlike a FIFO lockfile.
    let env = TestEnv::new();
    let repo = env.repo("r");
    let mut child = env
        .command(bin(), &repo)
        .args([
            "record",
            "--kind",
            "train",
            "--name",
            "m",
            "--params",
            "/dev/stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"lr: 0.1\n").expect("write params");
    }
    let output = child.wait_with_output().expect("wait");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let id = String::from_utf8_lossy(&output.stdout).trim().to_string();
    assert_eq!(load_record(&repo, &id)["params"]["lr"], 0.1);
}
