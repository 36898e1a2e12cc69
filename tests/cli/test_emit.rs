//! `emit`: the OpenLineage events `export --format openlineage` writes,
//! POSTed to a real local HTTP receiver (tests/cli/openlineage_receiver.py,
//! which validates each against the vendored 2-0-2 schema): each event
//! delivered once across runs, a failing receiver retried, a failed run
//! resumed without resending, rejections and bad input reported.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use crate::common::{Pipeline, TestEnv, on_path, pipeline, require_tool, write};

/// A receiver process, killed when dropped.
struct Receiver {
    child: Child,
    state: PathBuf,
    url: String,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    /// HTTP statuses of every request, in order.
    fn statuses(&self) -> Vec<u16> {
        std::fs::read_to_string(self.state.join("requests.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| l.parse().expect("a status"))
            .collect()
    }

    /// The accepted events, one JSON document per line.
    fn events(&self) -> Vec<String> {
        assert!(
            !self.state.join("invalid.log").exists(),
            "invalid events: {}",
            std::fs::read_to_string(self.state.join("invalid.log")).unwrap_or_default()
        );
        std::fs::read_to_string(self.state.join("events.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// Whether python3 with jsonschema and curl are here ([`require_tool`]).
fn tools(env: &TestEnv) -> bool {
    require_tool(
        "jsonschema",
        "the test receiver validates events; pip install jsonschema",
        env.command("python3", env.root())
            .args(["-c", "import jsonschema, referencing"]),
    ) && require_tool(
        "curl",
        "emit sends HTTP through curl; apt-get install curl",
        &mut on_path("curl"),
    )
}

/// Start a receiver named `name` with extra options.
fn receiver(env: &TestEnv, name: &str, options: &[&str]) -> Receiver {
    let state = env.path(name);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/openlineage_receiver.py");
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/schemas/openlineage");
    let child = env
        .command("python3", env.root())
        .arg(script)
        .arg(schemas)
        .arg(&state)
        .args(options)
        .spawn()
        .expect("start the receiver");
    let started = Instant::now();
    let port = loop {
        if let Ok(port) = std::fs::read_to_string(state.join("port")) {
            break port;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the receiver did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    Receiver {
        child,
        url: format!("http://127.0.0.1:{}", port.trim()),
        state,
    }
}

/// The `export --format openlineage` lines of `repo`.
fn exported(env: &TestEnv, repo: &Path) -> Vec<String> {
    env.lineage(repo, &["export", "--format", "openlineage"])
        .success()
        .stdout
        .lines()
        .map(str::to_string)
        .collect()
}

fn emit_json(env: &TestEnv, repo: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["emit", "--format", "json", "--retry-delay", "0.01"];
    all.extend_from_slice(args);
    let run = env.lineage(repo, &all).success();
    serde_json::from_str(&run.stdout).expect("emit JSON")
}

#[test]
fn every_event_is_delivered_once_across_runs() {
    let env = TestEnv::new();
    if !tools(&env) {
        return;
    }
    let Pipeline { repo, .. } = pipeline(&env, &[], &[]);
    let receiver = receiver(&env, "receiver", &[]);
    let first = emit_json(&env, &repo, &["--url", &receiver.url]);
    assert_eq!(first["selected"], 3);
    assert_eq!(first["already_delivered"], 0);
    assert_eq!(first["sent"].as_array().expect("sent").len(), 3);
    assert_eq!(receiver.events(), exported(&env, &repo));

    // A new record: only its event is sent.
    write(&repo.join("reports/extra.json"), "{}\n");
    env.lineage(
        &repo,
        &[
            "record",
            "--kind",
            "evaluate",
            "--name",
            "extra",
            "-i",
            "model/model.bin",
            "-o",
            "reports/extra.json",
            "--commit",
        ],
    )
    .success();
    let second = emit_json(&env, &repo, &["--url", &receiver.url]);
    assert_eq!(second["already_delivered"], 3);
    let sent = second["sent"].as_array().expect("sent");
    assert_eq!(sent.len(), 1);
    let all = exported(&env, &repo);
    assert_eq!(receiver.events(), all, "each event exactly once, in order");
    assert!(all[3].contains(sent[0]["run_id"].as_str().expect("run id")));

    let text = env
        .lineage(&repo, &["emit", "--url", &receiver.url])
        .success();
    assert_eq!(
        text.stdout,
        format!(
            "sent 0 events to {}/api/v1/lineage (4 already delivered)\n",
            receiver.url
        )
    );
    assert_eq!(receiver.statuses(), vec![201; 4]);

    // --from-start sends everything again; the receiver sees the same run ids.
    let again = emit_json(&env, &repo, &["--url", &receiver.url, "--from-start"]);
    assert_eq!(again["sent"].as_array().expect("sent").len(), 4);
    assert_eq!(receiver.events()[4..], all[..]);
}

#[test]
fn a_failing_receiver_is_retried() {
    let env = TestEnv::new();
    if !tools(&env) {
        return;
    }
    let Pipeline { repo, .. } = pipeline(&env, &[], &[]);
    let receiver = receiver(&env, "receiver", &["--fail-requests", "1,2,5"]);
    let report = emit_json(&env, &repo, &["--url", &receiver.url]);
    let attempts: Vec<_> = report["sent"]
        .as_array()
        .expect("sent")
        .iter()
        .map(|s| s["attempts"].as_u64().expect("attempts"))
        .collect();
    assert_eq!(attempts, [3, 1, 2]);
    assert_eq!(receiver.statuses(), [503, 503, 201, 201, 503, 201]);
    assert_eq!(receiver.events(), exported(&env, &repo));
}

#[test]
fn a_run_that_gives_up_resumes_without_resending() {
    let env = TestEnv::new();
    if !tools(&env) {
        return;
    }
    let Pipeline { repo, .. } = pipeline(&env, &[], &[]);
    let receiver = receiver(&env, "receiver", &["--fail-requests", "2,3"]);
    let failed = env
        .lineage(
            &repo,
            &[
                "emit",
                "--url",
                &receiver.url,
                "--attempts",
                "2",
                "--retry-delay",
                "0.01",
            ],
        )
        .code(2);
    let first_line = failed.stderr.lines().next().expect("an error");
    assert!(
        first_line.starts_with("error: cannot deliver the event of record ")
            && first_line.ends_with("after 2 attempts: HTTP 503: {\"error\": \"try again later\"}"),
        "{}",
        failed.stderr
    );
    assert_eq!(
        failed.stderr.lines().last(),
        Some(
            "hint: check that the receiver is running and reachable, then run the same \
             command again to resume: the event accepted so far is not sent again"
        ),
        "{}",
        failed.stderr
    );
    assert_eq!(receiver.events().len(), 1);
    let resumed = emit_json(&env, &repo, &["--url", &receiver.url]);
    assert_eq!(resumed["already_delivered"], 1);
    assert_eq!(resumed["sent"].as_array().expect("sent").len(), 2);
    assert_eq!(receiver.events(), exported(&env, &repo));
}

#[test]
fn rejections_are_not_retried_and_keys_come_from_the_environment() {
    let env = TestEnv::new();
    if !tools(&env) {
        return;
    }
    let Pipeline { repo, .. } = pipeline(&env, &[], &[]);
    let rejecting = receiver(&env, "rejecting", &["--reject"]);
    let run = env
        .lineage(&repo, &["emit", "--url", &rejecting.url])
        .code(2);
    assert!(
        run.stderr
            .contains("/api/v1/lineage rejected the event of record ")
            && run
                .stderr
                .contains("with HTTP 400: {\"error\": \"events are not accepted here\"}"),
        "{}",
        run.stderr
    );
    assert_eq!(rejecting.statuses(), [400], "a 400 is not retried");

    let guarded = receiver(&env, "guarded", &["--require-key", "s3cret"]);
    let run = env.lineage(&repo, &["emit", "--url", &guarded.url]).code(2);
    assert!(run.stderr.contains("with HTTP 401"), "{}", run.stderr);
    assert!(
        run.stderr.contains("hint: check the API key"),
        "{}",
        run.stderr
    );
    let output = env
        .command(crate::common::bin(), &repo)
        .args([
            "emit",
            "--url",
            &guarded.url,
            "--api-key-env",
            "LINEAGE_KEY",
        ])
        .env("LINEAGE_KEY", "s3cret")
        .output()
        .expect("run emit");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(guarded.events().len(), 3);
    // The key is never left on disk.
    let tmp = repo.join(".git/lineage/tmp");
    let leftovers: Vec<_> = std::fs::read_dir(&tmp)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let env = TestEnv::new();
    if !tools(&env) {
        return;
    }
    let Pipeline { repo, .. } = pipeline(&env, &[], &[]);
    let run = env
        .lineage(&repo, &["emit", "--url", "ftp://host/x"])
        .code(2);
    assert_eq!(
        run.stderr.lines().next(),
        Some("error: invalid receiver URL 'ftp://host/x': it must start with http:// or https://")
    );
    let run = env
        .lineage(&repo, &["emit", "--url", "https://user:pw@host"])
        .code(2);
    assert!(
        run.stderr.contains("it contains credentials"),
        "{}",
        run.stderr
    );
    let run = env
        .lineage(
            &repo,
            &[
                "emit",
                "--url",
                "http://127.0.0.1:1",
                "--api-key-env",
                "UNSET_VAR",
            ],
        )
        .code(2);
    assert!(
        run.stderr.starts_with(
            "error: environment variable UNSET_VAR (named by --api-key-env) is not set"
        ),
        "{}",
        run.stderr
    );
    let output = env
        .command(crate::common::bin(), &repo)
        .args(["emit", "--url", "http://127.0.0.1:1"])
        .env("PATH", "/nonexistent")
        .output()
        .expect("run emit");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .starts_with("error: cannot run 'curl', which emit uses to send HTTP requests"),
        "{output:?}"
    );
    // Nothing listens on port 1: refused, retried, then reported.
    let run = env
        .lineage(
            &repo,
            &[
                "emit",
                "--url",
                "http://127.0.0.1:1",
                "--attempts",
                "2",
                "--retry-delay",
                "0",
            ],
        )
        .code(2);
    assert!(run.stderr.contains("after 2 attempts: "), "{}", run.stderr);
    // Nothing was delivered, so no cursor was written.
    assert!(!repo.join(".git/lineage/emit").exists());
    // A dry run lists what would be sent and sends nothing.
    let receiver = receiver(&env, "receiver", &[]);
    let dry = emit_json(&env, &repo, &["--url", &receiver.url, "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["sent"].as_array().expect("sent").len(), 3);
    assert!(receiver.statuses().is_empty());
}
