//! `profile` and `drift` (issue 13): results cross-checked against scipy,
//! numpy, pandas and Evidently on generated data (tests/cli/drift/crosscheck.py),
//! and every bad input the issue lists: a clear error or a documented
//! result, never a panic.

use std::path::Path;

use serde_json::Value;

use crate::common::{TestEnv, require_tool, write};

/// The Python that has the pinned scipy, numpy, pandas and Evidently:
/// `GIT_LINEAGE_DRIFT_PYTHON` (`.ci/run` sets it to its venv), else `python3`.
fn python() -> String {
    std::env::var("GIT_LINEAGE_DRIFT_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The cross-check data and expectations, generated once per test run into
/// a temporary directory (Evidently alone takes seconds to import), or
/// `None` (tests skipped) without the libraries outside CI.
fn crosscheck_data() -> Option<(&'static Path, &'static Value)> {
    static DATA: std::sync::OnceLock<Option<(tempfile::TempDir, Value)>> =
        std::sync::OnceLock::new();
    let data = DATA.get_or_init(|| {
        let mut probe = std::process::Command::new(python());
        probe.args([
            "-c",
            "import scipy, numpy, pandas; import evidently.legacy.calculations.stattests.psi",
        ]);
        if !require_tool(
            "python3 with scipy, numpy, pandas, evidently",
            "cross-checks of KS, PSI, quantiles and counts",
            &mut probe,
        ) {
            return None;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/drift/crosscheck.py");
        let dir = tempfile::tempdir().expect("tempdir");
        let out = std::process::Command::new(python())
            .arg(&script)
            .arg(dir.path())
            .output()
            .expect("run crosscheck.py");
        assert!(
            out.status.success(),
            "crosscheck.py failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected =
            std::fs::read_to_string(dir.path().join("expected.json")).expect("expected.json");
        Some((
            dir,
            serde_json::from_str(&expected).expect("expected.json is JSON"),
        ))
    });
    data.as_ref().map(|(dir, expected)| (dir.path(), expected))
}

fn f(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

#[track_caller]
fn close(what: &str, actual: f64, expected: f64, rel: f64, abs: f64) {
    let tolerance = abs.max(rel * expected.abs());
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} != {expected} (tolerance {tolerance:e})"
    );
}

fn drift_json(env: &TestEnv, dir: &Path, name: &str) -> Value {
    let base = format!("{name}_base.csv");
    let cur = format!("{name}_cur.csv");
    let run = env.lineage(dir, &["drift", &base, &cur, "--format", "json"]);
    assert!(
        run.code == 0 || run.code == 1,
        "{name}: exit {}: {}",
        run.code,
        run.stderr
    );
    let report = run.json();
    let drifted = report["drifted_columns"].as_u64().expect("drifted_columns");
    assert_eq!(
        run.code,
        i32::from(drifted > 0),
        "{name}: exit code vs drifted columns"
    );
    report
}

#[test]
fn ks_and_psi_match_scipy_and_evidently() {
    let env = TestEnv::new();
    let Some((data, expected)) = crosscheck_data() else {
        return;
    };
    let cases = expected["numeric"].as_object().expect("numeric cases");
    assert!(cases.len() >= 8);
    let mut methods = std::collections::BTreeSet::new();
    for (name, want) in cases {
        let report = drift_json(&env, data, name);
        let column = &report["columns"][0];
        let ks = &column["ks"];
        close(
            &format!("{name} D"),
            f(&ks["statistic"]),
            f(&want["statistic"]),
            0.0,
            1e-9,
        );
        close(
            &format!("{name} p"),
            f(&ks["p_value"]),
            f(&want["p_value"]),
            1e-6,
            1e-300,
        );
        assert_eq!(ks["method"], want["method"], "{name}: method");
        methods.insert(ks["method"].as_str().unwrap_or_default().to_string());
        close(
            &format!("{name} Evidently PSI"),
            f(&column["psi_evidently"]),
            f(&want["psi_evidently"]),
            1e-9,
            1e-12,
        );
        // The verdict follows the default thresholds.
        let p = f(&want["p_value"]);
        let psi = f(&column["psi"]);
        let expected_verdict = if p < 0.05 || psi >= 0.25 {
            "drift"
        } else if psi >= 0.1 {
            "warn"
        } else {
            "ok"
        };
        assert_eq!(column["verdict"], expected_verdict, "{name}: verdict");
    }
    assert_eq!(
        methods.len(),
        2,
        "both the exact and the asymptotic method ran"
    );
}

#[test]
fn categorical_psi_and_chi_square_match_evidently_and_scipy() {
    let env = TestEnv::new();
    let Some((data, expected)) = crosscheck_data() else {
        return;
    };
    for (name, want) in expected["categorical"]
        .as_object()
        .expect("categorical cases")
    {
        let report = drift_json(&env, data, name);
        let column = &report["columns"][0];
        assert_eq!(column["kind"], "categorical");
        close(
            &format!("{name} PSI"),
            f(&column["psi"]),
            f(&want["psi_evidently"]),
            1e-9,
            1e-12,
        );
        let chi = &column["chi_square"];
        close(
            &format!("{name} chi2"),
            f(&chi["statistic"]),
            f(&want["statistic"]),
            1e-9,
            1e-12,
        );
        close(
            &format!("{name} chi2 p"),
            f(&chi["p_value"]),
            f(&want["p_value"]),
            1e-6,
            1e-300,
        );
        assert_eq!(chi["dof"], want["dof"]);
    }
}

#[test]
fn profile_counts_quantiles_and_histogram_match_pandas_and_numpy() {
    let env = TestEnv::new();
    let Some((data, expected)) = crosscheck_data() else {
        return;
    };
    let want = &expected["profile"];
    let run = env
        .lineage(data, &["profile", "profile.csv", "--format", "json"])
        .success();
    let profile = run.json();
    assert_eq!(profile["rows"], want["rows"]);
    let column = |name: &str| {
        profile["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no column {name}"))
            .clone()
    };
    for name in ["amount", "count"] {
        let got = column(name);
        let want = &want["columns"][name];
        let n = |key: &str| got[key].as_u64().unwrap_or_else(|| panic!("{name}.{key}"));
        // pandas counts infinities as values and NaN as missing.
        assert_eq!(
            n("count") + n("inf_count"),
            want["pandas_count"].as_u64().unwrap(),
            "{name} count"
        );
        assert_eq!(
            n("null_count") + n("nan_count"),
            want["isna"].as_u64().unwrap(),
            "{name} nulls"
        );
        assert_eq!(n("inf_count"), want["inf"].as_u64().unwrap(), "{name} inf");
        assert_eq!(
            n("distinct"),
            want["distinct"].as_u64().unwrap(),
            "{name} distinct"
        );
        for key in ["min", "max"] {
            assert_eq!(f(&got[key]), f(&want[key]), "{name} {key}");
        }
        close(
            &format!("{name} mean"),
            f(&got["mean"]),
            f(&want["mean"]),
            1e-12,
            1e-12,
        );
        close(
            &format!("{name} std"),
            f(&got["std"]),
            f(&want["std"]),
            1e-10,
            1e-12,
        );
        let quantiles = got["quantiles"].as_array().expect("quantiles");
        for (q, expected) in quantiles.iter().zip(want["quantiles"].as_array().unwrap()) {
            close(
                &format!("{name} q{}", q["q"]),
                f(&q["value"]),
                f(expected),
                1e-12,
                1e-12,
            );
        }
        let edges: Vec<f64> = got["histogram"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(f)
            .collect();
        let want_edges: Vec<f64> = want["edges"].as_array().unwrap().iter().map(f).collect();
        assert_eq!(edges, want_edges, "{name} histogram edges");
        assert_eq!(
            got["histogram"]["counts"], want["counts"],
            "{name} histogram counts"
        );
    }
    assert_eq!(column("count")["type"], "integer");
    assert_eq!(column("amount")["type"], "float");
    let kind = column("kind");
    let want_kind = &want["columns"]["kind"];
    assert_eq!(kind["type"], "string");
    assert_eq!(kind["count"], want_kind["pandas_count"]);
    assert_eq!(kind["null_count"], want_kind["isna"]);
    assert_eq!(kind["distinct"], want_kind["distinct"]);
    for top in kind["top"].as_array().unwrap() {
        let value = top["value"].as_str().unwrap();
        assert_eq!(top["count"], want_kind["top"][value], "kind {value}");
    }
}

#[test]
fn the_same_bytes_give_the_same_profile_bytes() {
    let env = TestEnv::new();
    let mut csv = String::from("a,b\n");
    for i in 0..3000 {
        csv.push_str(&format!(
            "{},{}\n",
            (i * 7919) % 1000,
            ["x", "y", "z"][i % 3]
        ));
    }
    write(&env.path("d.csv"), &csv);
    std::fs::copy(env.path("d.csv"), env.path("e.csv")).expect("copy");
    let one = env
        .lineage(env.root(), &["profile", "d.csv", "--format", "json"])
        .success();
    let two = env
        .lineage(env.root(), &["profile", "d.csv", "--format", "json"])
        .success();
    assert_eq!(one.stdout, two.stdout);
    let json = one.json();
    assert_eq!(json["rows"], 3000);
    assert_eq!(json["columns"][0]["distinct"], 1000);
    assert_eq!(json["columns"][1]["top"][0]["count"], 1000);
}

#[test]
fn tsv_and_json_lines_are_read_and_quoted_csv_fields_kept_whole() {
    let env = TestEnv::new();
    write(&env.path("d.tsv"), "x\tname\n1\ta\n2\tb\n");
    write(
        &env.path("d.jsonl"),
        "{\"x\": 1, \"name\": \"a\"}\n\n{\"x\": 2.5, \"extra\": true}\n",
    );
    write(&env.path("q.csv"), "x,note\n1,\"a, b\"\n2,\"two\nlines\"\n");
    let tsv = env
        .lineage(env.root(), &["profile", "d.tsv", "--format", "json"])
        .success()
        .json();
    assert_eq!(tsv["format"], "tsv");
    assert_eq!(tsv["columns"][0]["type"], "integer");
    let jsonl = env
        .lineage(env.root(), &["profile", "d.jsonl", "--format", "json"])
        .success()
        .json();
    assert_eq!(jsonl["rows"], 2);
    assert_eq!(jsonl["columns"][0]["type"], "float");
    // A key missing from a row is a null of that column.
    assert_eq!(jsonl["columns"][1]["name"], "name");
    assert_eq!(jsonl["columns"][1]["null_count"], 1);
    assert_eq!(jsonl["columns"][2]["name"], "extra");
    assert_eq!(jsonl["columns"][2]["null_count"], 1);
    let quoted = env
        .lineage(env.root(), &["profile", "q.csv", "--format", "json"])
        .success()
        .json();
    assert_eq!(quoted["rows"], 2);
    assert_eq!(quoted["columns"][1]["top"][0]["value"], "a, b");
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let env = TestEnv::new();
    write(&env.path("ok.csv"), "x\n1\n2\n");
    write(&env.path("data.parquet"), b"PAR1\x00\x01");
    write(&env.path("data.xlsx"), b"PK\x03\x04");
    write(&env.path("binary.csv"), b"x\n\xff\xfe\x00\n");
    write(&env.path("ragged.csv"), "a,b\n1,2\n3\n");
    write(&env.path("empty.csv"), "");
    write(&env.path("header_only.csv"), "a,b\n");
    write(&env.path("bad.jsonl"), "{\"a\": 1}\n[1, 2]\n");
    write(&env.path("dup.csv"), "a,a\n1,2\n");
    let cases: &[(&[&str], &str)] = &[
        (
            &["profile", "data.xlsx"],
            "cannot tell the format from the extension 'xlsx'",
        ),
        (
            &["profile", "data.parquet"],
            "data.parquet' cannot be read as Parquet: it does not end with the Parquet magic \
             bytes PAR1: the file is cut short",
        ),
        (
            &["profile", "binary.csv"],
            "binary.csv' line 2: not UTF-8 text",
        ),
        (
            &["profile", "ragged.csv"],
            "ragged.csv' line 3: 1 fields, but the header has 2 columns",
        ),
        (&["profile", "empty.csv"], "is empty"),
        (
            &["profile", "bad.jsonl"],
            "bad.jsonl' line 2: not a JSON object",
        ),
        (&["profile", "dup.csv"], "the header names column 'a' twice"),
        (&["profile", "nope.csv"], "cannot read"),
        (
            &["drift", "ok.csv", "header_only.csv"],
            "header_only.csv' is empty",
        ),
        (&["drift", "ok.csv", "ragged.csv"], "line 3"),
    ];
    for (args, message) in cases {
        let run = env.lineage(env.root(), args).code(2);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(message),
            "{args:?}: expected {message:?} in:\n{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}");
    }
    let run = env.lineage(env.root(), &["profile", "data.xlsx"]).code(2);
    assert!(
        run.stderr.contains("hint: name the file .csv"),
        "{}",
        run.stderr
    );
}

#[test]
fn schema_changes_null_and_constant_columns_have_documented_results() {
    let env = TestEnv::new();
    let mut base = String::from("same,gone,retyped,nulls,constant,weird\n");
    let mut cur = String::from("same,retyped,nulls,constant,weird,added\n");
    for i in 0..200 {
        base.push_str(&format!(
            "{},{i},{i},,5,{}\n",
            i % 10,
            if i % 50 == 0 { "NaN" } else { "1.5" }
        ));
        cur.push_str(&format!(
            "{},x{i},,5,{},1\n",
            i % 10,
            if i % 40 == 0 { "-inf" } else { "1.5" }
        ));
    }
    write(&env.path("base.csv"), &base);
    write(&env.path("cur.csv"), &cur);
    let run = env
        .lineage(
            env.root(),
            &["drift", "base.csv", "cur.csv", "--format", "json"],
        )
        .code(1);
    let report = run.json();
    let verdict = |name: &str| {
        report["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no column {name}"))["verdict"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(verdict("same"), "ok");
    assert_eq!(verdict("gone"), "missing");
    assert_eq!(verdict("added"), "missing");
    assert_eq!(verdict("retyped"), "type_changed");
    assert_eq!(verdict("nulls"), "skipped");
    assert_eq!(verdict("constant"), "ok");
    // NaN and infinities are dropped: the finite values are all 1.5.
    assert_eq!(verdict("weird"), "ok");
    assert_eq!(report["compared_columns"], 6);
    assert_eq!(report["drifted_columns"], 3);
    assert_eq!(report["dataset_drift"], true);
    let text = env
        .lineage(env.root(), &["drift", "base.csv", "cur.csv"])
        .code(1)
        .stdout;
    assert!(
        text.contains("3 of 6 columns drifted (50 %): dataset DRIFTED"),
        "{text}"
    );
    let markdown = env
        .lineage(
            env.root(),
            &["drift", "base.csv", "cur.csv", "--format", "markdown"],
        )
        .code(1)
        .stdout;
    assert!(
        markdown.starts_with("### Drift: `base.csv` → `cur.csv`"),
        "{markdown}"
    );
    assert!(markdown.contains("| `gone` | MISSING |"), "{markdown}");
    // NaN and inf counted in the profile.
    let profile = env
        .lineage(env.root(), &["profile", "cur.csv", "--format", "json"])
        .success()
        .json();
    let weird = &profile["columns"][4];
    assert_eq!(weird["inf_count"], 5);
    assert_eq!(weird["count"], 195);
    assert_eq!(profile["columns"][2]["type"], "empty");
}

#[test]
fn identical_data_exits_0_and_thresholds_come_from_the_config() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    let mut a = String::from("x\n");
    let mut b = String::from("x\n");
    for i in 0..500 {
        a.push_str(&format!("{}\n", i % 100));
        b.push_str(&format!("{}\n", (i % 100) + 15));
    }
    write(&repo.join("a.csv"), &a);
    write(&repo.join("b.csv"), &b);
    env.lineage(&repo, &["drift", "a.csv", "a.csv"]).success();
    let run = env
        .lineage(&repo, &["drift", "a.csv", "b.csv", "--format", "json"])
        .code(1);
    let p = f(&run.json()["columns"][0]["ks"]["p_value"]);
    assert!(p < 0.05, "{p}");
    // A threshold below the p-value and a PSI bar above the PSI: no drift.
    write(
        &repo.join(".lineage/config.yaml"),
        format!(
            "schema: git-lineage/v1\ndrift:\n  ks_p_value: {}\n  psi_drift: 100\n  psi_warn: 100\n",
            p / 2.0
        ),
    );
    let run = env
        .lineage(&repo, &["drift", "a.csv", "b.csv", "--format", "json"])
        .success();
    assert_eq!(run.json()["thresholds"]["psi_drift"], 100.0);
    write(
        &repo.join(".lineage/config.yaml"),
        "schema: git-lineage/v1\ndrift:\n  psi_warn: 2\n  psi_drift: 1\n",
    );
    let run = env.lineage(&repo, &["drift", "a.csv", "b.csv"]).code(2);
    assert!(
        run.stderr.contains("psi_warn <= psi_drift"),
        "{}",
        run.stderr
    );
}

#[test]
fn ten_thousand_columns_are_profiled() {
    let env = TestEnv::new();
    let header: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let mut csv = header.join(",");
    csv.push('\n');
    for row in 0..3 {
        let cells: Vec<String> = (0..10_000).map(|i| (i * row).to_string()).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    write(&env.path("wide.csv"), &csv);
    let profile = env
        .lineage(env.root(), &["profile", "wide.csv", "--format", "json"])
        .success()
        .json();
    assert_eq!(profile["columns"].as_array().unwrap().len(), 10_000);
    assert_eq!(profile["columns"][9999]["max"], 19998.0);
    env.lineage(env.root(), &["drift", "wide.csv", "wide.csv"])
        .success();
}

#[test]
fn a_side_can_be_the_training_data_of_a_registered_model() {
    let env = TestEnv::new();
    let (demo, _) = crate::common::demo_repo(&env, "demo");
    let run = env
        .lineage(
            &demo,
            &[
                "drift",
                "model:fraud-model@production",
                "data/train.csv",
                "--format",
                "json",
            ],
        )
        .success();
    let report = run.json();
    let via = report["baseline"]["via"].as_str().expect("via");
    assert!(
        via.starts_with("data/train.csv, input of train fraud-model "),
        "{via}"
    );
    assert_eq!(report["drifted_columns"], 0);
    assert_eq!(report["baseline"]["rows"], report["current"]["rows"]);
    let text = env
        .lineage(
            &demo,
            &["drift", "model:fraud-model@production", "data/train.csv"],
        )
        .success()
        .stdout;
    assert!(
        text.contains(
            "baseline model:fraud-model@production is data/train.csv, input of train fraud-model"
        ),
        "{text}"
    );
    // `profile` reads the same REFs.
    let run = env
        .lineage(
            &demo,
            &[
                "profile",
                "model:fraud-model@production",
                "--format",
                "json",
            ],
        )
        .success();
    assert_eq!(run.json()["rows"], report["baseline"]["rows"]);
    assert!(
        run.stderr
            .contains("model:fraud-model@production is data/train.csv, input of train"),
        "{}",
        run.stderr
    );
    // A REF that names no dataset, and one that names nothing.
    let run = env
        .lineage(&demo, &["drift", "commit:HEAD", "data/train.csv"])
        .code(2);
    assert!(run.stderr.contains("names no dataset"), "{}", run.stderr);
    let run = env
        .lineage(&demo, &["drift", "name:nope", "data/train.csv"])
        .code(2);
    assert!(run.stderr.contains("'name:nope'"), "{}", run.stderr);
}

#[test]
fn sides_as_path_at_rev_and_blake3_and_gone_bytes() {
    let env = TestEnv::new();
    let repo = env.repo("r");
    write(&repo.join("d.csv"), "x\n1\n2\n3\n4\n");
    env.git(&repo, &["add", "d.csv"]);
    env.git(&repo, &["commit", "-q", "-m", "data"]);
    let recorded = env
        .lineage(
            &repo,
            &[
                "record",
                "--kind",
                "process",
                "--name",
                "prep",
                "-i",
                "dataset=d.csv",
                "--format",
                "json",
            ],
        )
        .success()
        .json();
    let hash = recorded["record"]["inputs"][0]["hash"]
        .as_str()
        .unwrap_or_else(|| panic!("no input hash in {recorded}"))
        .to_string();
    // The worktree file changes after it was committed and recorded.
    write(&repo.join("d.csv"), "x\n1\n2\n3\n4\n5\n6\n");
    let report = env
        .lineage(&repo, &["drift", "d.csv@HEAD", "d.csv", "--format", "json"])
        .code(1)
        .json();
    assert_eq!(report["baseline"]["rows"], 4);
    assert_eq!(report["current"]["rows"], 6);
    assert_eq!(report["baseline"]["via"], "d.csv at HEAD");
    // blake3: and name: find the recorded bytes in the commit, not the changed file.
    assert!(hash.starts_with("blake3:"), "{hash}");
    for side in [hash.clone(), "name:prep".to_string()] {
        let report = env
            .lineage(&repo, &["drift", &side, "d.csv", "--format", "json"])
            .code(1)
            .json();
        assert_eq!(report["baseline"]["rows"], 4, "{side}");
        assert!(
            report["baseline"]["via"]
                .as_str()
                .unwrap()
                .contains("d.csv at "),
            "{side}"
        );
    }
    let run = env.lineage(&repo, &["drift", "blake3:zz", "d.csv"]).code(2);
    assert!(
        run.stderr.starts_with("error: 'blake3:zz': "),
        "{}",
        run.stderr
    );
    // Bytes neither on disk nor in any commit checked: a clear error.
    write(&repo.join("e.csv"), "x\n1\n");
    env.lineage(
        &repo,
        &[
            "record",
            "--kind",
            "process",
            "--name",
            "uncommitted",
            "-i",
            "e.csv",
        ],
    )
    .success();
    write(&repo.join("e.csv"), "x\n2\n");
    let run = env
        .lineage(&repo, &["drift", "name:uncommitted", "d.csv"])
        .code(2);
    assert!(
        run.stderr.contains("the recorded bytes of e.csv"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: restore the file"),
        "{}",
        run.stderr
    );
}

#[test]
fn drift_record_writes_a_monitor_record_linked_to_both_datasets() {
    let env = TestEnv::new();
    let (demo, _) = crate::common::demo_repo(&env, "demo");
    // A month of new rows whose amounts are shifted.
    let train = std::fs::read_to_string(demo.join("data/train.csv")).expect("train.csv");
    let mut lines = train.lines();
    let header = lines.next().expect("header");
    let column = header
        .split(',')
        .position(|c| c == "total_claim_amount_z")
        .expect("amount column");
    let mut month = format!("{header}\n");
    for line in lines.take(300) {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        let amount: f64 = cells[column].parse().expect("amount");
        cells[column] = format!("{:.6}", amount + 0.8);
        month.push_str(&cells.join(","));
        month.push('\n');
    }
    write(&demo.join("data/month.csv"), &month);
    let run = env
        .lineage(
            &demo,
            &[
                "drift",
                "model:fraud-model@production",
                "data/month.csv",
                "--ignore",
                "claim_id",
                "--record",
                "--name",
                "claims-monthly",
                "--commit",
                "--format",
                "json",
            ],
        )
        .code(1);
    let report = run.json();
    let drifted: Vec<&str> = report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "drift")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(drifted, ["total_claim_amount_z"]);
    assert!(
        !report["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "claim_id")
    );
    let id = report["record"].as_str().expect("record id");
    assert!(
        run.stderr
            .contains(&format!("recorded monitor claims-monthly {id}")),
        "{}",
        run.stderr
    );
    let record = crate::common::load_record(&demo, id);
    assert_eq!(record["kind"], "monitor");
    let roles: Vec<&str> = record["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["baseline", "current"]);
    assert_eq!(record["inputs"][0]["path"], "data/train.csv");
    assert_eq!(
        record["metrics"]["columns"]["total_claim_amount_z"]["verdict"],
        "drift"
    );
    assert_eq!(record["metrics"]["drifted_columns"], 1);
    assert_eq!(record["params"]["baseline"], "model:fraud-model@production");
    assert_eq!(record["references"].as_array().map(Vec::len), Some(1));
    // Committed, and findable: every drift check of this model's training data.
    assert!(
        env.git(&demo, &["status", "--porcelain", ".lineage"])
            .trim()
            .is_empty()
    );
    let search = env
        .lineage(&demo, &["search", "--kind", "monitor", "--format", "json"])
        .success()
        .json();
    assert_eq!(search["records"].as_array().map(Vec::len), Some(1));
}

#[test]
fn the_demo_shows_the_shifted_month_drifting_from_the_training_data() {
    let (_, report) = crate::common::shared_demo();
    let drift = &report["drift"];
    assert_eq!(drift["current"], "data/incoming/claims-2026-12.csv");
    assert_eq!(drift["rows"], 400);
    let drifted: Vec<&str> = drift["drifted"]
        .as_array()
        .expect("drifted")
        .iter()
        .map(|d| d["column"].as_str().unwrap())
        .collect();
    assert_eq!(drifted, ["total_claim_amount_z"]);
    assert_eq!(drift["compared_columns"], 25);
    // The command it prints reproduces it, with exit 1 for the drift.
    let env = TestEnv::new();
    let (demo, _) = crate::common::demo_repo(&env, "demo");
    let command = drift["command"].as_str().unwrap();
    let args: Vec<&str> = command.split(' ').skip(2).collect();
    let run = env.lineage(&demo, &args).code(1);
    assert!(
        run.stdout.contains("1 of 25 columns drifted"),
        "{}",
        run.stdout
    );
}
