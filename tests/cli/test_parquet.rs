//! `profile` and `drift` on Parquet files: the committed fixtures
//! (fixtures/parquet/, no Python needed) and files pyarrow writes in the
//! test, compared with the CSV pandas writes for the same data.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{TestEnv, commit_all, copy_fixture, hint_line, require_tool, write};

/// The Python with pandas and pyarrow: `GIT_LINEAGE_DRIFT_PYTHON` (`.ci/run`
/// installs pyarrow into that venv), else `python3`.
fn python() -> String {
    std::env::var("GIT_LINEAGE_DRIFT_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether pandas and pyarrow import; outside CI a test without them is
/// skipped with a printed reason, in CI it fails.
fn have_pyarrow() -> bool {
    let mut probe = Command::new(python());
    probe.args(["-c", "import pandas, pyarrow.parquet"]);
    require_tool(
        "python3 with pandas and pyarrow",
        "writes the Parquet files the test reads",
        &mut probe,
    )
}

/// Run `script` (Python) in `dir` with pandas as `pd`, numpy as `np`,
/// pyarrow as `pa` and pyarrow.parquet as `pq`.
fn python_in(dir: &Path, script: &str) {
    let prelude = "import numpy as np, pandas as pd, pyarrow as pa, pyarrow.parquet as pq\n";
    let out = Command::new(python())
        .arg("-c")
        .arg(format!("{prelude}{script}"))
        .current_dir(dir)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn profile_json(env: &TestEnv, file: &str) -> Value {
    env.lineage(env.root(), &["profile", file, "--format", "json"])
        .success()
        .json()
}

fn column<'a>(profile: &'a Value, name: &str) -> &'a Value {
    profile["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name} in {profile}"))
}

fn fixture_copy(env: &TestEnv, name: &str) -> (PathBuf, Vec<u8>) {
    let dest = env.path(name);
    let bytes = copy_fixture(&format!("parquet/{name}"), &dest);
    (dest, bytes)
}

#[test]
fn the_committed_fixture_profiles_every_flat_type() {
    let env = TestEnv::new();
    let (_, bytes) = fixture_copy(&env, "small.parquet");
    let p = profile_json(&env, "small.parquet");
    assert_eq!(p["format"], "parquet");
    assert_eq!(p["rows"], 200);
    assert_eq!(p["bytes"], bytes.len());
    let names: Vec<&str> = p["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["id", "score", "ratio", "label", "flag", "day", "at"],
        "file order"
    );
    // INT64 0..199: an integer column.
    let id = column(&p, "id");
    assert_eq!(id["type"], "integer");
    assert_eq!(
        (id["count"].as_u64(), id["mean"].as_f64()),
        (Some(200), Some(99.5))
    );
    // DOUBLE k/4 with a null (definition level 0) every 10th row.
    let score = column(&p, "score");
    assert_eq!(score["type"], "float");
    assert_eq!(
        (score["count"].as_u64(), score["null_count"].as_u64()),
        (Some(180), Some(20))
    );
    assert_eq!(
        (score["min"].as_f64(), score["max"].as_f64()),
        (Some(0.25), Some(49.75))
    );
    // FLOAT 0.5: a float column even though every value is whole in no row.
    let ratio = column(&p, "ratio");
    assert_eq!(
        (ratio["type"].as_str(), ratio["distinct"].as_u64()),
        (Some("float"), Some(1))
    );
    // UTF8 strings with nulls: categories.
    let label = column(&p, "label");
    assert_eq!(label["type"], "string");
    assert_eq!(label["null_count"], 8);
    assert_eq!(
        label["top"][0],
        serde_json::json!({"value": "blue", "count": 64})
    );
    // BOOLEAN: categories True/False, as pandas writes them.
    let flag = column(&p, "flag");
    assert_eq!(flag["type"], "string");
    assert_eq!(
        flag["top"][0],
        serde_json::json!({"value": "False", "count": 150})
    );
    assert_eq!(
        flag["top"][1],
        serde_json::json!({"value": "True", "count": 50})
    );
    // DATE: categories YYYY-MM-DD.
    let day = column(&p, "day");
    assert_eq!(
        (day["type"].as_str(), day["distinct"].as_u64()),
        (Some("string"), Some(7))
    );
    assert_eq!(
        day["top"][0],
        serde_json::json!({"value": "2024-01-01", "count": 29})
    );
    // TIMESTAMP(us): seconds since the epoch, a float column.
    let at = column(&p, "at");
    assert_eq!(at["type"], "float");
    assert_eq!(
        (at["min"].as_f64(), at["max"].as_f64()),
        (Some(1_704_067_200.0), Some(1_704_067_399.0))
    );
}

#[test]
fn damaged_nested_and_foreign_files_named_parquet_are_clear_errors() {
    let env = TestEnv::new();
    let (_, bytes) = fixture_copy(&env, "small.parquet");
    fixture_copy(&env, "nested.parquet");
    write(&env.path("cut.parquet"), &bytes[..bytes.len() / 2]);
    write(&env.path("text.parquet"), "a,b\n1,2\n");
    // Both magics right, a footer length that points before the file.
    let mut footer = b"PAR1".to_vec();
    footer.extend_from_slice(&[0; 16]);
    footer.extend_from_slice(&1_000_000u32.to_le_bytes());
    footer.extend_from_slice(b"PAR1");
    write(&env.path("footer.parquet"), &footer);
    let cases: &[(&str, &str, &str)] = &[
        (
            "cut.parquet",
            "cut.parquet' cannot be read as Parquet: it does not end with the Parquet magic \
             bytes PAR1: the file is cut short",
            "check that the file is complete Parquet",
        ),
        (
            "text.parquet",
            "text.parquet' cannot be read as Parquet: it does not begin with the Parquet magic \
             bytes PAR1",
            "check that the file is complete Parquet",
        ),
        (
            "footer.parquet",
            "footer.parquet' cannot be read as Parquet: ",
            "check that the file is complete Parquet",
        ),
        (
            "nested.parquet",
            "nested.parquet' column 'tags': a nested column (struct, list or map); profile and \
             drift read flat columns only",
            "write the flat columns to a new file",
        ),
    ];
    for (file, message, hint) in cases {
        for args in [vec!["profile", file], vec!["drift", "small.parquet", file]] {
            let run = env.lineage(env.root(), &args).code(2);
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
            assert!(
                hint_line(&run.stderr).is_some_and(|h| h.starts_with(hint)),
                "{args:?}: expected {hint:?} in:\n{}",
                run.stderr
            );
            assert!(run.stdout.is_empty(), "{args:?}");
        }
    }
}

#[test]
fn drift_reads_a_parquet_file_as_committed() {
    // `PATH@REV` hands the reader bytes from git, not a file.
    let env = TestEnv::new();
    let repo = env.repo("repo");
    std::fs::create_dir_all(repo.join("data")).unwrap();
    copy_fixture("parquet/small.parquet", &repo.join("data/small.parquet"));
    commit_all(&env, &repo, "data");
    let run = env
        .lineage(
            &repo,
            &["drift", "data/small.parquet@HEAD", "data/small.parquet"],
        )
        .success();
    assert!(
        run.stdout.contains("0 of 7 columns drifted"),
        "{}",
        run.stdout
    );
    // The bytes from git alone: the file on disk is gone.
    std::fs::remove_file(repo.join("data/small.parquet")).unwrap();
    let p = env
        .lineage(
            &repo,
            &["profile", "data/small.parquet@HEAD", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(
        (p["format"].as_str(), p["rows"].as_u64()),
        (Some("parquet"), Some(200))
    );
}

/// The data of the pyarrow tests: pandas dtypes whose CSV and Parquet
/// forms hold the same values (nullable Int64, float64 with NaN → null,
/// float32, whole floats, strings with None, booleans), 10,000 rows.
const FRAME: &str = r#"
n = 10_000
rng = np.random.default_rng(13)
df = pd.DataFrame({
    "i": pd.array([None if k % 7 == 0 else k * 3 - 5000 for k in range(n)], dtype="Int64"),
    "n": (np.arange(n, dtype=np.int64) * 13) % 97,
    "x": [np.nan if k % 11 == 0 else v for k, v in enumerate(rng.normal(size=n))],
    "f": rng.normal(size=n).astype(np.float32),
    "w": [float(k % 5) for k in range(n)],
    "s": [None if k % 13 == 0 else ["red", "green", "blue", "n/a x"][k % 4] for k in range(n)],
    "b": [k % 3 == 0 for k in range(n)],
})
"#;

#[test]
fn a_parquet_profile_equals_the_csv_profile_of_the_same_data() {
    if !have_pyarrow() {
        return;
    }
    let env = TestEnv::new();
    python_in(
        env.root(),
        &format!(
            "{FRAME}
df.to_csv('d.csv', index=False)
df.to_parquet('snappy.parquet', index=False, compression='snappy')
df.to_parquet('plain.parquet', index=False, compression=None)
# Row groups smaller than a batch and not a multiple of it.
pq.write_table(pa.Table.from_pandas(df, preserve_index=False), 'groups.parquet', row_group_size=3001)
codecs = {{f: pq.ParquetFile(f).metadata.row_group(0).column(0).compression
          for f in ['snappy.parquet', 'plain.parquet']}}
assert codecs == {{'snappy.parquet': 'SNAPPY', 'plain.parquet': 'UNCOMPRESSED'}}, codecs
assert pq.ParquetFile('groups.parquet').num_row_groups == 4
"
        ),
    );
    let csv = profile_json(&env, "d.csv");
    assert_eq!(csv["rows"], 10_000);
    let kinds: Vec<&str> = csv["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "integer", "integer", "float", "float", "float", "string", "string"
        ]
    );
    for file in ["snappy.parquet", "plain.parquet", "groups.parquet"] {
        let parquet = profile_json(&env, file);
        assert_eq!(parquet["format"], "parquet", "{file}");
        assert_eq!(parquet["rows"], csv["rows"], "{file}");
        // Types, counts, nulls, quantiles, histograms, categories: all equal.
        assert_eq!(parquet["columns"], csv["columns"], "{file} vs d.csv");
    }
}

#[test]
fn drift_between_csv_and_parquet_of_the_same_data_finds_none_and_finds_a_shift() {
    if !have_pyarrow() {
        return;
    }
    let env = TestEnv::new();
    python_in(
        env.root(),
        &format!(
            "{FRAME}
df.to_csv('d.csv', index=False)
df.to_parquet('d.parquet', index=False)
df.assign(x=df['x'] + 1.0).to_parquet('shifted.parquet', index=False)
"
        ),
    );
    for (baseline, current) in [("d.csv", "d.parquet"), ("d.parquet", "d.csv")] {
        let report = env
            .lineage(
                env.root(),
                &["drift", baseline, current, "--format", "json"],
            )
            .success()
            .json();
        let text = report.to_string();
        assert_eq!(
            report["drifted_columns"], 0,
            "{baseline} -> {current}: {text}"
        );
        assert_eq!(
            report["compared_columns"], 7,
            "{baseline} -> {current}: {text}"
        );
    }
    let run = env
        .lineage(env.root(), &["drift", "d.csv", "shifted.parquet"])
        .code(1);
    assert!(
        run.stdout.contains("1 of 7 columns drifted"),
        "{}",
        run.stdout
    );
    let x = run
        .stdout
        .lines()
        .find(|l| l.starts_with("x "))
        .unwrap_or_default();
    assert!(x.contains("DRIFT"), "{}", run.stdout);
}

#[test]
fn a_codec_this_build_does_not_read_is_named() {
    if !have_pyarrow() {
        return;
    }
    let env = TestEnv::new();
    python_in(
        env.root(),
        "pq.write_table(pa.table({'a': [1, 2, 3]}), 'z.parquet', compression='zstd')",
    );
    let run = env.lineage(env.root(), &["profile", "z.parquet"]).code(2);
    assert!(
        run.stderr.contains(
            "z.parquet' column 'a' is compressed with zstd; this build reads uncompressed and \
             snappy Parquet"
        ),
        "{}",
        run.stderr
    );
    assert!(
        hint_line(&run.stderr).is_some_and(|h| h.contains("compression='snappy'")),
        "{}",
        run.stderr
    );
}
