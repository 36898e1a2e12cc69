//! Derived state under `.git/lineage/` (history index, snapshot, stat cache,
//! and whatever index comes next) never changes an answer: every query of a
//! battery gives the same stdout, stderr and exit code warm, damaged and cold
//! (a full walk from nothing), across appends, merges, rebases, resets,
//! branch switches, linked worktrees, uncommitted records and deleted record
//! files; and after what moves no ref: a record rewritten in place, a
//! damaged stat cache line, a `git replace` graft.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::common::{
    PIPELINE_RAW, Pipeline, TestEnv, b3, commit_all, files_under, log_json, record_path,
    record_rel_path, record_step, write,
};

/// What one command answered.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run `git-lineage ARGS` in `repo`.
fn answer(env: &TestEnv, repo: &Path, args: &[String]) -> Answer {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = env.lineage(repo, &args);
    Answer {
        code: run.code,
        stdout: run.stdout,
        stderr: run.stderr,
    }
}

/// `<common git dir>/lineage`: every derived file (`<repo>/.git/lineage`,
/// or for a linked worktree that of the repository it belongs to).
fn derived_dir(repo: &Path) -> PathBuf {
    let dot_git = repo.join(".git");
    if dot_git.is_dir() {
        return dot_git.join("lineage");
    }
    let link = std::fs::read_to_string(&dot_git)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dot_git.display()));
    let git_dir = repo.join(
        link.trim()
            .strip_prefix("gitdir: ")
            .unwrap_or_else(|| panic!("not a gitdir link: {link:?}")),
    );
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .unwrap_or_else(|e| panic!("cannot read {}/commondir: {e}", git_dir.display()));
    git_dir.join(common.trim()).join("lineage")
}

/// Delete every derived file: the next command walks history from nothing.
fn delete_derived(repo: &Path) {
    match std::fs::remove_dir_all(derived_dir(repo)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("cannot remove {}: {e}", derived_dir(repo).display()),
    }
}

/// The derived files and their bytes, to put back with [`restore_derived`].
fn save_derived(repo: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files_under(&derived_dir(repo))
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            (path, bytes)
        })
        .collect()
}

/// Replace `.git/lineage` with exactly the files [`save_derived`] saved.
fn restore_derived(repo: &Path, saved: &[(PathBuf, Vec<u8>)]) {
    delete_derived(repo);
    std::fs::create_dir_all(derived_dir(repo)).expect("derived dir");
    for (path, bytes) in saved {
        write(path, bytes);
    }
}

/// One way of damaging the derived files before a command.
#[derive(Debug, Clone, Copy)]
enum Damage {
    /// Flip the lowest bit of the middle byte of the i-th derived file.
    Flip(usize),
    /// Cut the i-th derived file to half its length.
    Truncate(usize),
    /// Flip the middle byte of every derived file, and truncate the i-th.
    Everything(usize),
}

impl Damage {
    /// The damage for the `i`-th command of a battery over `n` files: each
    /// file flipped alone, then each truncated alone, then all of them at once.
    fn nth(i: usize, n: usize) -> Damage {
        let round = 2 * n + 1;
        let k = i % round;
        if k < n {
            Damage::Flip(k)
        } else if k < 2 * n {
            Damage::Truncate(k - n)
        } else {
            Damage::Everything((i / round) % n)
        }
    }

    /// Apply it to `files`; returns what was done, for failure messages.
    fn apply(self, files: &[PathBuf]) -> String {
        let flip = |path: &Path| {
            let mut bytes = std::fs::read(path).expect("read derived file");
            if !bytes.is_empty() {
                let middle = bytes.len() / 2;
                bytes[middle] ^= 1;
                std::fs::write(path, bytes).expect("write derived file");
            }
        };
        let truncate = |path: &Path| {
            let len = std::fs::metadata(path).expect("derived file").len();
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|f| f.set_len(len / 2))
                .expect("truncate derived file");
        };
        match self {
            Damage::Flip(i) => {
                flip(&files[i]);
                format!("middle byte of {} flipped", files[i].display())
            }
            Damage::Truncate(i) => {
                truncate(&files[i]);
                format!("{} cut to half", files[i].display())
            }
            Damage::Everything(i) => {
                for (j, path) in files.iter().enumerate() {
                    if j == i {
                        truncate(path);
                    } else {
                        flip(path);
                    }
                }
                format!(
                    "middle byte of every derived file flipped, {} cut to half",
                    files[i].display()
                )
            }
        }
    }
}

/// Set the modification time of every file and directory of the worktree
/// (not `.git`) to ten seconds ago: time passes between a change and a
/// query, so derived state that trusts old-enough stat data (the stat
/// cache, the snapshot's record directories) is used, as for a real user.
fn let_time_pass(repo: &Path) {
    let then = SystemTime::now() - Duration::from_secs(10);
    let mut pending = vec![repo.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path == repo.join(".git") {
                continue;
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                pending.push(path.clone());
            }
            set_mtime(&path, then);
        }
        // (Setting a child's time leaves its directory's time alone.)
        set_mtime(&dir, then);
    }
}

fn set_mtime(path: &Path, time: SystemTime) {
    std::fs::File::open(path)
        .and_then(|f| f.set_modified(time))
        .unwrap_or_else(|e| panic!("cannot set the time of {}: {e}", path.display()));
}

/// The lines where two texts differ, for a readable failure.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out = format!("@@ from line {} @@\n", prefix + 1);
    for line in &a[prefix..a.len() - suffix] {
        out.push_str(&format!("-{line}\n"));
    }
    for line in &b[prefix..b.len() - suffix] {
        out.push_str(&format!("+{line}\n"));
    }
    if !expected.is_empty()
        && !actual.is_empty()
        && expected.ends_with('\n') != actual.ends_with('\n')
    {
        out.push_str("(the final newline differs)\n");
    }
    out
}

/// An empty string when `actual` is `cold`; else what differs ("-" cold, "+" actual).
fn difference(cold: &Answer, actual: &Answer) -> String {
    let mut out = String::new();
    if cold.code != actual.code {
        out.push_str(&format!(
            "exit code: cold {}, here {}\n",
            cold.code, actual.code
        ));
    }
    if cold.stdout != actual.stdout {
        out.push_str(&format!("stdout:\n{}", diff(&cold.stdout, &actual.stdout)));
    }
    if cold.stderr != actual.stderr {
        out.push_str(&format!("stderr:\n{}", diff(&cold.stderr, &actual.stderr)));
    }
    out
}

/// Run every query of `battery` in `repo` and require the same answer
/// (stdout, stderr, exit code) from:
/// - cold: `.git/lineage` deleted right before the command (a full walk
///   from nothing; so every state is also checked as "a deleted
///   `.git/lineage`");
/// - warm, first run: over the derived state the previous history state and
///   the previous queries left (for an append, a rebase, a reset or a branch
///   switch, state derived from the history before it);
/// - warm, second run: right after the first;
/// - damaged: the warm state with a byte flipped in the middle of a derived
///   file, or one cut short, or all of them ([`Damage::nth`]); each query
///   in one of its formats.
///
/// The warm state is kept as it was around the cold and damaged runs, so the
/// next history state starts from the state of every query run here.
#[track_caller]
fn assert_derived_state_changes_nothing(
    env: &TestEnv,
    repo: &Path,
    state: &str,
    battery: &[Vec<String>],
) {
    let warm_state = save_derived(repo);
    let cold: Vec<Answer> = battery
        .iter()
        .map(|args| {
            delete_derived(repo);
            answer(env, repo, args)
        })
        .collect();
    restore_derived(repo, &warm_state);

    let mut failures = Vec::new();
    let mut damaged_runs = 0;
    for (i, (args, cold)) in battery.iter().zip(&cold).enumerate() {
        let command = format!("git lineage {}", args.join(" "));
        for run in ["warm, first run", "warm, second run"] {
            let found = difference(cold, &answer(env, repo, args));
            if !found.is_empty() {
                failures.push(format!("{command} ({run}) differs from cold:\n{found}"));
            }
        }
        // Damaged: every query in one of its two formats (text and JSON
        // alternate from query to query), to keep the run time modest.
        if (i + i / 2) % 2 == 1 {
            continue;
        }
        let warm = save_derived(repo);
        let files: Vec<PathBuf> = warm.iter().map(|(path, _)| path.clone()).collect();
        if !files.is_empty() {
            let done = Damage::nth(i / 2, files.len()).apply(&files);
            damaged_runs += 1;
            let found = difference(cold, &answer(env, repo, args));
            if !found.is_empty() {
                failures.push(format!(
                    "{command} (damaged: {done}) differs from cold:\n{found}"
                ));
            }
            restore_derived(repo, &warm);
        }
    }
    assert!(
        damaged_runs > 0,
        "state \"{state}\": no query left a derived file to damage"
    );
    assert!(
        failures.is_empty(),
        "state \"{state}\": {} of {} answers differ from a full walk\n\n{}",
        failures.len(),
        battery.len() * 2 + damaged_runs,
        failures.join("\n")
    );
}

/// Run every query once (no comparison): derived state that has seen this
/// history, for the next state to start from.
fn prime(env: &TestEnv, repo: &Path, battery: &[Vec<String>]) {
    for args in battery {
        answer(env, repo, args);
    }
}

/// The feature group training reads.
const URI: &str = "featurestore://claims@v3";

/// The queries, each in text and in JSON: every command and REF form that
/// reads history or derived state, about the pipeline of
/// [`pipeline_with_registry`] (`train`: its training record).
fn battery(train: &str) -> Vec<Vec<String>> {
    let raw = format!("blake3:{}", b3(PIPELINE_RAW));
    let queries: Vec<Vec<&str>> = vec![
        vec!["log"],
        vec!["log", "--all"],
        vec!["search", "--kind", "train"],
        vec!["search", "--metric", "auc>=0.92"],
        vec!["show", train],
        vec!["show", &train[..8]],
        vec!["show", "name:fraud-model"],
        vec!["show", "model/model.bin"],
        vec!["graph", "model/model.bin", "--up"],
        vec!["graph", "model/model.bin", "--down"],
        vec!["graph", "model/model.bin"],
        vec!["graph", "model/model.bin", "--depth", "1"],
        vec!["graph", "data/raw.csv", "--type", "train"],
        vec!["graph", &raw, "--down"],
        vec!["graph", URI],
        vec!["impact", "data/raw.csv"],
        vec!["registry", "list"],
        vec!["registry", "resolve", "fraud@staging"],
        vec!["registry", "show", "fraud"],
        vec!["status"],
        vec!["verify", "--history"],
        vec!["log", "--include-expired"],
        vec!["graph", "data/raw.csv", "--down", "--include-expired"],
    ];
    let mut out = Vec::new();
    for query in queries {
        let text: Vec<String> = query.iter().map(|s| s.to_string()).collect();
        let mut json = text.clone();
        json.extend(["--format".to_string(), "json".to_string()]);
        out.push(text);
        out.push(json);
    }
    out.push(vec![
        "show".to_string(),
        train.to_string(),
        "--format".to_string(),
        "yaml".to_string(),
    ]);
    out
}

/// The committed pipeline (process → train → evaluate; training reads the
/// feature group [`URI`], records `auc=0.91`, evaluation `auc=0.93`), its
/// model registered as `fraud` v1 and promoted to staging.
fn pipeline_with_registry(env: &TestEnv) -> Pipeline {
    let pipeline = crate::common::pipeline(
        env,
        &["-i", &format!("feature-group={URI}"), "-m", "auc=0.91"],
        &["-m", "auc=0.93"],
    );
    register_and_promote(env, &pipeline.repo, "model/model.bin", "fraud@v1");
    pipeline
}

/// Register `artifact` as a new version of `fraud` and promote `version`
/// to staging, each committed.
fn register_and_promote(env: &TestEnv, repo: &Path, artifact: &str, version: &str) {
    for args in [
        &["registry", "register", "fraud", "--artifact", artifact][..],
        &["registry", "promote", version, "--stage", "staging"][..],
    ] {
        let mut all = args.to_vec();
        all.push("--commit");
        env.lineage(repo, &all).success();
    }
}

/// `record --kind KIND --name NAME ARGS --commit`; returns the id.
#[track_caller]
fn record_commit(env: &TestEnv, repo: &Path, kind: &str, name: &str, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--commit");
    record_step(env, repo, kind, name, &all)
}

#[test]
fn derived_state_answers_like_a_full_walk_through_appends_merges_resets_and_deletions() {
    let env = TestEnv::new();
    let pipeline = pipeline_with_registry(&env);
    let repo = &pipeline.repo;
    let battery = battery(&pipeline.train);
    let check = |state: &str| {
        let_time_pass(repo);
        assert_derived_state_changes_nothing(&env, repo, state, &battery);
    };
    check("a linear pipeline");

    // One appended commit: a second training run of the same name, over a
    // derived state that saw the history before it.
    write(&repo.join("model/model-v2.bin"), b"model weights v2\n");
    record_commit(
        &env,
        repo,
        "train",
        "fraud-model",
        &[
            "-i",
            "dataset=data/features.csv",
            "-o",
            "model=model/model-v2.bin",
            "-m",
            "auc=0.95",
        ],
    );
    check("one appended commit");

    // A side branch with its own record, merged back after main moved on.
    env.git(repo, &["checkout", "-q", "-b", "side"]);
    write(&repo.join("data/extra.csv"), "id,extra\n1,0\n");
    let side = record_commit(
        &env,
        repo,
        "process",
        "extra-features",
        &["-i", "dataset=data/raw.csv", "-o", "dataset=data/extra.csv"],
    );
    env.git(repo, &["checkout", "-q", "main"]);
    record_commit(
        &env,
        repo,
        "evaluate",
        "fraud-eval-v2",
        &["-i", "model=model/model-v2.bin", "-m", "auc=0.94"],
    );
    env.git(
        repo,
        &["merge", "-q", "--no-ff", "side", "-m", "merge side"],
    );
    // And a recorded output changed on disk since: `status` has news.
    write(&repo.join("reports/report.json"), "{\"auc\": 0.5}\n");
    assert_eq!(env.lineage(repo, &["status"]).code, 1);
    check("a side branch merged back");

    // `reset --hard HEAD~1` drops the merge, and with the side branch
    // deleted its record is in no history at all.
    env.git(repo, &["reset", "-q", "--hard", "HEAD~1"]);
    env.git(repo, &["branch", "-q", "-D", "side"]);
    assert!(!repo.join(record_rel_path(&side)).exists());
    assert!(
        !log_json(&env, repo, &["log", "--all"])
            .ids()
            .contains(&side)
    );
    check("reset --hard HEAD~1 dropped a record");

    // A later commit deletes a committed record file: a finding.
    env.git(
        repo,
        &["rm", "-q", "--", &record_rel_path(&pipeline.evaluate)],
    );
    env.git(
        repo,
        &["commit", "-q", "-m", "delete the evaluation record"],
    );
    let verify = env.lineage(repo, &["verify", "--history"]);
    assert_eq!(verify.code, 1, "the deletion is a finding: {verify:?}");
    check("a record file deleted in a later commit");

    // A record written and not committed.
    write(&repo.join("reports/report-v2.json"), "{\"auc\": 0.97}\n");
    let pending = record_step(
        &env,
        repo,
        "evaluate",
        "fraud-eval-pending",
        &[
            "-i",
            "model=model/model-v2.bin",
            "-o",
            "report=reports/report-v2.json",
            "-m",
            "auc=0.97",
        ],
    );
    let kept = record_step(
        &env,
        repo,
        "train",
        "fraud-model",
        &["-i", "dataset=data/features.csv", "-m", "auc=0.92"],
    );
    check("uncommitted records in the worktree");

    // Over a derived state that held both as uncommitted: one thrown away,
    // the other committed by `git lineage commit` (HEAD moves forward).
    std::fs::remove_file(record_path(repo, &pending)).expect("remove the record");
    env.lineage(repo, &["commit"]).success();
    let log = log_json(&env, repo, &["log"]);
    assert!(
        log.records
            .iter()
            .any(|r| r.id == kept && r.commit.is_some()),
        "{kept} is committed: {log:#?}"
    );
    check("one uncommitted record deleted, the other committed");

    // Retention: a tombstone (the bytes deleted), and a sweep expired by
    // someone the policy allows (its file removed in the same commit).
    write(
        &repo.join(".lineage/config.yaml"),
        "schema: git-lineage/v1\nretention:\n  expirers: [\"*\"]\n",
    );
    env.git(repo, &["add", ".lineage/config.yaml"]);
    env.git(repo, &["commit", "-q", "-m", "retention policy"]);
    env.lineage(
        repo,
        &[
            "drop",
            "model/model-v2.bin",
            "--reason",
            "cost",
            "--delete-local",
            "--commit",
        ],
    )
    .success();
    let sweep = record_commit(&env, repo, "sweep", "lr-0.5", &["-i", "data/raw.csv"]);
    env.lineage(
        repo,
        &["expire", &sweep, "--reason", "abandoned", "--commit"],
    )
    .success();
    assert!(!log_json(&env, repo, &["log"]).ids().contains(&sweep));
    check("a drop and an expire");
}

#[test]
fn derived_state_answers_like_a_full_walk_across_branch_switches_and_a_rebase() {
    let env = TestEnv::new();
    let pipeline = pipeline_with_registry(&env);
    let repo = &pipeline.repo;
    let battery = battery(&pipeline.train);

    // A feature branch with other records: a retrained model of the same
    // name, registered as v2 and promoted to staging there only.
    env.git(repo, &["checkout", "-q", "-b", "feature"]);
    write(&repo.join("model/model-b.bin"), b"model weights b\n");
    record_commit(
        &env,
        repo,
        "train",
        "fraud-model",
        &[
            "-i",
            "dataset=data/features.csv",
            "-o",
            "model=model/model-b.bin",
            "-m",
            "auc=0.96",
        ],
    );
    register_and_promote(&env, repo, "model/model-b.bin", "fraud@v2");

    // Main moves on; the derived state sees main.
    env.git(repo, &["checkout", "-q", "main"]);
    record_commit(
        &env,
        repo,
        "evaluate",
        "fraud-eval-main",
        &["-i", "model=model/model.bin", "-m", "auc=0.92"],
    );
    let_time_pass(repo);
    prime(&env, repo, &battery);

    let check = |state: &str| {
        let_time_pass(repo);
        assert_derived_state_changes_nothing(&env, repo, state, &battery);
    };
    env.git(repo, &["checkout", "-q", "feature"]);
    check("switched to a branch with other records");

    // The branch's three records are rebased onto main: new commits, same records.
    let before = env.git(repo, &["rev-parse", "HEAD"]);
    env.git(repo, &["rebase", "-q", "main"]);
    assert_ne!(env.git(repo, &["rev-parse", "HEAD"]), before);
    check("a rebased branch carrying records");

    env.git(repo, &["checkout", "-q", "main"]);

    // A linked worktree on the feature branch, with an uncommitted record of
    // its own: it shares the derived state (in the common git directory).
    let linked = env.path("linked");
    let linked_arg = linked.to_str().expect("utf-8 temp path");
    env.git(repo, &["worktree", "add", "-q", linked_arg, "feature"]);
    write(&linked.join("reports/linked.json"), "{\"auc\": 0.99}\n");
    let pending = record_step(
        &env,
        &linked,
        "evaluate",
        "fraud-eval-linked",
        &["-o", "report=reports/linked.json", "-m", "auc=0.99"],
    );
    assert!(log_json(&env, &linked, &["log"]).ids().contains(&pending));
    assert!(!log_json(&env, repo, &["log"]).ids().contains(&pending));
    assert_eq!(
        derived_dir(&linked)
            .canonicalize()
            .expect("shared derived state"),
        derived_dir(repo).canonicalize().expect("derived state"),
    );
    let_time_pass(&linked);
    assert_derived_state_changes_nothing(
        &env,
        &linked,
        "a linked worktree on the feature branch",
        &battery,
    );
    check("switched back to main, after the linked worktree's queries");
}

/// Rewrite `path` in place (same file, no rename), as editors such as nano
/// do: the directory's modification time does not change.
fn rewrite_in_place(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    file.write_all(bytes).expect("rewrite in place");
}

/// Each query warm (over the derived state as it is) and cold; what differs.
fn warm_against_cold(env: &TestEnv, repo: &Path, queries: &[Vec<String>]) -> Vec<String> {
    let warm_state = save_derived(repo);
    let mut failures = Vec::new();
    for args in queries {
        restore_derived(repo, &warm_state);
        let warm = answer(env, repo, args);
        delete_derived(repo);
        let found = difference(&answer(env, repo, args), &warm);
        if !found.is_empty() {
            failures.push(format!(
                "git lineage {} (warm) differs from cold:\n{found}",
                args.join(" ")
            ));
        }
    }
    restore_derived(repo, &warm_state);
    failures
}

fn owned(queries: &[&[&str]]) -> Vec<Vec<String>> {
    queries
        .iter()
        .map(|q| q.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn an_uncommitted_record_edited_in_place_is_read_again() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/raw.csv"), PIPELINE_RAW);
    commit_all(&env, &repo, "add raw data");
    let pending = record_step(
        &env,
        &repo,
        "evaluate",
        "pending-eval",
        &["-i", "dataset=data/raw.csv", "-m", "auc=0.5"],
    );
    let path = record_path(&repo, &pending);
    let original = std::fs::read(&path).expect("the record");
    let text = String::from_utf8(original.clone()).expect("YAML text");
    assert!(text.contains("auc: 0.5"), "{text}");
    let edited = text.replace("auc: 0.5", "auc: 0.7").into_bytes();
    let queries = owned(&[
        &["log"],
        &["log", "--format", "json"],
        &["search", "--metric", "auc<0.6"],
        &["search", "--metric", "auc<0.6", "--format", "json"],
        &["show", &pending],
        &["verify"],
    ]);
    let mut failures = Vec::new();

    // A valid uncommitted record, queried a while after it was written; then
    // edited by hand in place: a full walk no longer takes it as a record.
    let_time_pass(&repo);
    prime(&env, &repo, &queries);
    rewrite_in_place(&path, &edited);
    for failure in warm_against_cold(&env, &repo, &queries) {
        failures.push(format!("after the in-place edit: {failure}"));
    }

    // The edit undone in place, over a derived state that saw it edited.
    delete_derived(&repo);
    let_time_pass(&repo);
    prime(&env, &repo, &queries);
    rewrite_in_place(&path, &original);
    for failure in warm_against_cold(&env, &repo, &queries) {
        failures.push(format!("after undoing the edit in place: {failure}"));
    }
    assert!(
        failures.is_empty(),
        "an uncommitted record rewritten in place (its directory's time unchanged) \
         is answered from stale derived state:\n\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_stat_cache_hash_with_one_changed_digit_changes_no_answer() {
    let env = TestEnv::new();
    let pipeline = crate::common::pipeline(&env, &[], &[]);
    let repo = &pipeline.repo;
    let queries = owned(&[
        &["status"],
        &["status", "--format", "json"],
        &["graph", "data/features.csv", "--format", "json"],
        &["impact", "data/features.csv"],
        &["show", "model/model.bin", "--format", "json"],
    ]);
    // Data written a while ago: its hashes are cached and trusted.
    let_time_pass(repo);
    prime(&env, repo, &queries);
    let cache = derived_dir(repo).join("stat-cache");
    let text = std::fs::read_to_string(&cache).expect("the stat cache");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines.len() > 1, "no entries in the stat cache:\n{text}");
    for line in lines.iter_mut().skip(1) {
        // The first hex digit of the hash, changed to another hex digit.
        let first = line.remove(0);
        let other = if first == '0' { '1' } else { '0' };
        line.insert(0, other);
    }
    std::fs::write(&cache, lines.join("\n") + "\n").expect("write the stat cache");
    let failures = warm_against_cold(&env, repo, &queries);
    assert!(
        failures.is_empty(),
        "a stat cache whose hashes were damaged is trusted:\n\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_replace_graft_changes_answers_like_a_full_walk() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("data/raw.csv"), PIPELINE_RAW);
    commit_all(&env, &repo, "add raw data");
    let first = record_commit(&env, &repo, "process", "features", &["-i", "data/raw.csv"]);
    let second = record_commit(&env, &repo, "train", "model", &["-i", "data/raw.csv"]);
    let queries = owned(&[
        &["log", "--format", "json"],
        &["log", "--all"],
        &["show", &first, "--format", "json"],
        &["graph", "data/raw.csv", "--down"],
        &["verify", "--history", "--format", "json"],
    ]);
    let mut failures = Vec::new();

    // Derived state that saw the history, then `git replace --graft`: the
    // second record's commit now has the data commit as its parent, so in
    // the history git (and a full walk) reads, that commit introduced both
    // records. No ref moved.
    prime(&env, &repo, &queries);
    let head = env.git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    env.git(&repo, &["replace", "--graft", &head, "HEAD~2"]);
    for failure in warm_against_cold(&env, &repo, &queries) {
        failures.push(format!("after the graft: {failure}"));
    }
    // The graft matters: like `git log`, a full walk now says its commit
    // introduced both records.
    let warm = save_derived(&repo);
    delete_derived(&repo);
    let cold = log_json(&env, &repo, &["log"]);
    restore_derived(&repo, &warm);
    assert_eq!(cold.ids(), [second.as_str(), first.as_str()]);
    for (record, id) in cold.records.iter().zip([&second, &first]) {
        let by_git = env.git(
            &repo,
            &[
                "log",
                "--diff-filter=A",
                "--format=%H",
                "--",
                &record_rel_path(id),
            ],
        );
        assert_eq!(by_git.trim(), head, "git log says {id} came with the graft");
        let commit = record.commit.as_ref().map(|c| c.id.as_str());
        assert_eq!(commit, Some(head.as_str()), "a full walk agrees with git");
    }

    // And the graft removed, over a derived state built with it.
    delete_derived(&repo);
    prime(&env, &repo, &queries);
    env.git(&repo, &["replace", "-d", &head]);
    for failure in warm_against_cold(&env, &repo, &queries) {
        failures.push(format!("after removing the graft: {failure}"));
    }
    assert!(
        failures.is_empty(),
        "`git replace` changes the history a full walk reads without moving a \
         ref; derived state answers for the history before it:\n\n{}",
        failures.join("\n")
    );
}

/// Point queries are answered from the catalog once one exists (so the
/// equivalence tests above compare the catalog's answers, not a full walk
/// with itself): each says so under `GIT_LINEAGE_TRACE`, and the catalog is
/// written by the first of them.
#[test]
fn point_queries_are_answered_from_the_catalog() {
    let env = TestEnv::new();
    let pipeline = pipeline_with_registry(&env);
    let repo = &pipeline.repo;
    let train = &pipeline.train;
    let_time_pass(repo);
    let catalog = derived_dir(repo).join("catalog-v1.bin");
    env.lineage(repo, &["graph", "name:fraud-model"]).success();
    assert!(
        catalog.is_file(),
        "the first point query writes the catalog"
    );
    let raw = format!("blake3:{}", b3(PIPELINE_RAW));
    let queries: Vec<(Vec<&str>, &str)> = vec![
        (vec!["show", train], "catalog read"),
        (vec!["show", &train[..8]], "catalog read"),
        (vec!["show", "name:fraud-model"], "catalog read"),
        (vec!["show", "model/model.bin"], "catalog read"),
        (vec!["graph", "model/model.bin", "--up"], "catalog read"),
        (vec!["graph", &raw, "--down"], "catalog read"),
        (vec!["graph", URI], "catalog read"),
        (vec!["impact", "data/raw.csv"], "catalog read"),
        (vec!["registry", "resolve", "fraud@staging"], "catalog read"),
        (vec!["status"], "catalog read"),
        (vec!["search", "--kind", "train"], "catalog read"),
        (vec!["log", "--name", "fraud-model"], "catalog read"),
        (vec!["log"], "catalog listing"),
    ];
    for (args, phase) in queries {
        let run = env
            .command(crate::common::bin(), repo)
            .args(&args)
            .env("GIT_LINEAGE_TRACE", "1")
            .output()
            .expect("run git-lineage");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{args:?} failed: {stderr}");
        assert!(
            stderr.contains(phase) && !stderr.contains("snapshot loaded"),
            "{args:?} should be answered from the catalog ({phase}), not from all of history:\n{stderr}"
        );
    }
    // A commit moves HEAD: the next point query reads history again and
    // writes a new catalog, which the one after it reads.
    record_commit(&env, repo, "evaluate", "again", &["-m", "auc=0.5"]);
    let_time_pass(repo);
    let trace = |args: &[&str]| {
        let run = env
            .command(crate::common::bin(), repo)
            .args(args)
            .env("GIT_LINEAGE_TRACE", "1")
            .output()
            .expect("run git-lineage");
        String::from_utf8_lossy(&run.stderr).into_owned()
    };
    assert!(trace(&["show", "name:again"]).contains("catalog saved"));
    assert!(trace(&["show", "name:again"]).contains("catalog read"));
}

/// A large-file pointer recorded once with its bytes and once without is one
/// node through the digest they share; an answer from the catalog about a
/// part of history (a record listing only the digest) names that node as
/// the full walk does.
#[test]
fn pointer_digests_join_records_in_the_catalog_as_in_a_full_walk() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    // `filter=lfs` without git-lfs configured: git keeps the bytes, and
    // git-lineage records their sha256 as LFS would name them.
    write(&repo.join(".gitattributes"), "*.bin filter=lfs -text\n");
    write(&repo.join("data/big.bin"), "weights v1\n");
    write(&repo.join("packed.txt"), "packed\n");
    commit_all(&env, &repo, "add weights");
    let pack = record_commit(
        &env,
        &repo,
        "process",
        "pack",
        &["-i", "data/big.bin", "-o", "packed.txt"],
    );
    let input = crate::common::load_record(&repo, &pack)["inputs"][0].clone();
    let digest = input["pointer"]["digest"]
        .as_str()
        .expect("a digest")
        .to_string();
    // The bytes replaced by their pointer, as in a clone without them.
    write(
        &repo.join("data/big.bin"),
        format!("version https://git-lfs.github.com/spec/v1\noid {digest}\nsize 11\n"),
    );
    write(&repo.join("model.out"), "model\n");
    let train = record_commit(
        &env,
        &repo,
        "train",
        "model",
        &["-i", "data/big.bin", "-o", "model.out"],
    );
    let eval = record_commit(&env, &repo, "evaluate", "eval", &["-i", "model.out"]);
    let queries: Vec<Vec<String>> = [
        vec!["graph", "data/big.bin"],
        vec!["graph", &train, "--depth", "1"],
        vec!["graph", &eval, "--up"],
        vec!["graph", "model.out", "--up", "--depth", "2"],
        vec!["impact", &digest],
        vec!["where", &digest],
        vec!["status"],
    ]
    .iter()
    .flat_map(|q| {
        let text: Vec<String> = q.iter().map(|s| s.to_string()).collect();
        let mut json = text.clone();
        if q[0] != "status" {
            json.extend(["--format".to_string(), "json".to_string()]);
        }
        [text, json]
    })
    .collect();
    // Both records read one artifact.
    let graph = answer(&env, &repo, &queries[1]);
    assert!(
        graph.stdout.contains("process") && graph.stdout.contains("pack"),
        "{}",
        graph.stdout
    );
    prime(&env, &repo, &queries);
    let failures = warm_against_cold(&env, &repo, &queries);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
