//! Records must read the same in PyYAML (YAML 1.1, what most ML code uses)
//! as in git-lineage: strings that look like booleans, nulls, numbers or
//! dates stay strings, and floats keep every bit (including the sign of -0.0).

use std::path::Path;

use serde_json::Value;

use crate::common::{TestEnv, copy_fixture, fixture_bytes, require_tool};

/// Loads a YAML file with PyYAML and prints it as JSON.
const PY_LOAD: &str = "import sys, json, yaml; d = yaml.safe_load(open(sys.argv[1])); print(json.dumps(d, sort_keys=True))";

/// Whether python3 with PyYAML can run here ([`require_tool`]: a skip on a
/// developer's machine, a failure in CI).
fn pyyaml_available(env: &TestEnv) -> bool {
    require_tool(
        "PyYAML",
        "the records must read the same in PyYAML; pip install pyyaml",
        env.command("python3", env.root())
            .args(["-c", "import yaml"]),
    )
}

/// `file` as PyYAML reads it, converted to JSON by Python.
#[track_caller]
fn pyyaml_load(env: &TestEnv, file: &Path) -> Value {
    let out = env
        .command("python3", env.root())
        .args(["-c", PY_LOAD])
        .arg(file)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "PyYAML cannot load {}:\n{}\n--- file ---\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&std::fs::read(file).unwrap_or_default())
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "python printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Every difference between `a` and `b`: same types (an integer is not a
/// float), same keys, floats equal bit for bit.
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let same = match (x.as_f64(), y.as_f64()) {
                _ if x.is_f64() != y.is_f64() => false,
                (Some(fx), Some(fy)) if x.is_f64() => fx.to_bits() == fy.to_bits(),
                _ => x.as_i64() == y.as_i64() && x.as_u64() == y.as_u64(),
            };
            if !same {
                out.push(format!("{path}: {x} vs {y}"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let here = format!("{path}.{key}");
                match (x.get(key), y.get(key)) {
                    (Some(vx), Some(vy)) => differences(vx, vy, &here, out),
                    (vx, vy) => out.push(format!("{here}: {vx:?} vs {vy:?}")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (vx, vy)) in x.iter().zip(y).enumerate() {
                differences(vx, vy, &format!("{path}[{i}]"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{path}: {a} vs {b}")),
    }
}

#[track_caller]
fn assert_same(what: &str, a: &Value, b: &Value) {
    let mut diffs = Vec::new();
    differences(a, b, what, &mut diffs);
    assert!(
        diffs.is_empty(),
        "{what} differ:\n{}\n--- left ---\n{a:#}\n--- right ---\n{b:#}",
        diffs.join("\n")
    );
}

#[track_caller]
fn float(value: &Value) -> f64 {
    assert!(value.is_f64(), "not a float: {value}");
    value.as_f64().unwrap()
}

#[test]
fn pyyaml_reads_tricky_params_and_metrics_as_recorded() {
    let env = TestEnv::new();
    if !pyyaml_available(&env) {
        return;
    }
    let repo = env.repo("r");
    copy_fixture("params/tricky.yaml", &repo.join("conf/params.yaml"));
    copy_fixture("metrics/tricky.json", &repo.join("out/metrics.json"));
    let cli_params = [
        "s=yes",
        "f=1e3",
        "cli.no=no",
        "cli.null=null",
        "cli.octal=012",
        "cli.neg_zero=-0.0",
        "cli.tiny=1.5e-7",
        "cli.date=2024-01-02",
        "cli.empty=",
        "cli.colon=a: b",
        "cli.hash=#x",
        "cli.int=-12",
        "cli.version=1.10",
    ];
    let mut args = vec![
        "record",
        "--kind",
        "train",
        "--name",
        "tricky",
        "--params",
        "conf/params.yaml",
        "--metrics",
        "out/metrics.json",
        "-m",
        "acc=0.5",
        "-m",
        "off=off",
    ];
    for p in &cli_params {
        args.extend(["-p", p]);
    }
    let id = env
        .lineage(&repo, &args)
        .success()
        .stdout
        .trim()
        .to_string();
    let file = repo.join(format!(".lineage/records/{}/{id}.yaml", &id[..2]));

    let shown = env
        .lineage(&repo, &["show", &id, "--format", "json"])
        .success()
        .json();
    let record = &shown["record"];
    let python = pyyaml_load(&env, &file);

    // What PyYAML reads from the record file is what git-lineage reads.
    assert_same("params", &python["params"], &record["params"]);
    assert_same("metrics", &python["metrics"], &record["metrics"]);
    assert_same("record", &python, record);

    // And it is what the inputs said. The params file, read by PyYAML, plus the -p values:
    let mut expected_params = pyyaml_load(&env, &repo.join("conf/params.yaml"));
    let cli = serde_json::json!({
        "s": "yes",
        "f": 1000.0,
        "cli": {
            "no": "no", "null": "null", "octal": "012", "neg_zero": -0.0, "tiny": 1.5e-7,
            "date": "2024-01-02", "empty": "", "colon": "a: b", "hash": "#x", "int": -12,
            "version": 1.1,
        },
    });
    for (key, value) in cli.as_object().unwrap() {
        expected_params[key] = value.clone();
    }
    assert_same("params", &record["params"], &expected_params);
    // The metrics file, read as JSON, plus the -m values.
    let mut expected_metrics: Value =
        serde_json::from_slice(&fixture_bytes("metrics/tricky.json")).unwrap();
    expected_metrics["acc"] = serde_json::json!(0.5);
    expected_metrics["off"] = serde_json::json!("off");
    assert_same("metrics", &record["metrics"], &expected_metrics);

    // Spot checks that do not depend on any YAML reader.
    let params = &record["params"];
    assert_eq!(params["strings"]["yes_word"], "yes");
    assert_eq!(params["strings"]["tilde"], "~");
    assert_eq!(params["strings"]["multi_line"], "first line\nsecond line\n");
    assert_eq!(params["strings"]["unicode"], "naïve ✓");
    assert_eq!(params["on"], "key that reads as a boolean in YAML 1.1");
    assert_eq!(float(&params["f"]).to_bits(), 1000.0f64.to_bits());
    assert_eq!(
        float(&params["numbers"]["big"]).to_bits(),
        1.0e21f64.to_bits()
    );
    assert_eq!(
        float(&params["numbers"]["negative_zero"]).to_bits(),
        (-0.0f64).to_bits()
    );
    assert_eq!(
        float(&params["numbers"]["tiny"]).to_bits(),
        1.5e-7f64.to_bits()
    );
    assert_eq!(float(&params["numbers"]["one"]).to_bits(), 1.0f64.to_bits());
    assert_eq!(params["numbers"]["i64_min"], i64::MIN);
    assert_eq!(
        float(&record["metrics"]["smallest_subnormal"]).to_bits(),
        5e-324f64.to_bits()
    );
}
