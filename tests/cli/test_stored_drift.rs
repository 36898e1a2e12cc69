//! `drift` from stored profiles (issue 13): a stored baseline gives classic
//! PSI exactly (its decile bins are in the profile), categories exactly when
//! the stored top list is complete; everything else a profile gives only
//! approximately is listed per column in `approximate` and marked `~` in
//! text and Markdown. A damaged stored profile is an error naming its path.

use std::path::Path;

use serde_json::Value;

use crate::common::{TestEnv, b3, write};

/// Baseline and shifted current data: `amount` continuous, `score` heavily
/// tied (6 values), `city` 4 categories, `sku` 30 (more than the stored 20).
fn datasets() -> (String, String) {
    let header = "amount,score,city,sku\n";
    let (mut base, mut cur) = (header.to_string(), header.to_string());
    let mut state = 11u64;
    for i in 0..600u64 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
        let score = [1, 1, 1, 2, 3, 5][(state >> 20) as usize % 6];
        let city = ["oslo", "rome", "lima", "pune"][(state >> 30) as usize % 4];
        let sku = (state >> 40) % 30;
        base.push_str(&format!("{:.4},{score},{city},s{sku}\n", u * 100.0));
        let city = ["oslo", "rome", "lima", "kiev"][(state >> 33) as usize % 4];
        cur.push_str(&format!(
            "{:.4},{},{city},s{}\n",
            u * 90.0 + 20.0,
            score + i32::from(i % 7 == 0),
            (state >> 42) % 33
        ));
    }
    (base, cur)
}

fn column<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {report}"))
}

fn approximate(report: &Value, name: &str) -> Vec<String> {
    column(report, name)["approximate"]
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn number(report: &Value, name: &str, pointer: &str) -> f64 {
    column(report, name)
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{name}{pointer} in {report}"))
}

/// A repository with `train.csv` recorded (`prep`) and `month.csv` recorded
/// (`mon`), both profiled, and the raw-vs-raw report before anything is deleted.
/// Returns the repository, that report and `prep`'s input profile id.
fn recorded(env: &TestEnv) -> (std::path::PathBuf, Value, String) {
    let repo = env.repo("r");
    let (base, cur) = datasets();
    write(&repo.join("train.csv"), &base);
    write(&repo.join("month.csv"), &cur);
    write(&repo.join("month2.csv"), &cur);
    let mut profiles = Vec::new();
    for (name, file) in [("prep", "dataset=train.csv"), ("mon", "dataset=month.csv")] {
        let recorded = env
            .lineage(
                &repo,
                &[
                    "record",
                    "--kind",
                    "process",
                    "--name",
                    name,
                    "-i",
                    file,
                    "--profile",
                    "--format",
                    "json",
                ],
            )
            .success()
            .json();
        let id = recorded["record"]["inputs"][0]["profile"].as_str();
        profiles.push(id.expect("input profile").to_string());
    }
    let raw = env
        .lineage(
            &repo,
            &["drift", "train.csv", "month.csv", "--format", "json"],
        )
        .code(1)
        .json();
    assert!(
        raw["columns"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("approximate").is_none())
    );
    (repo, raw, profiles.swap_remove(0))
}

#[test]
fn a_stored_baseline_gives_classic_psi_exactly_and_marks_the_rest_approximate() {
    let env = TestEnv::new();
    let (repo, raw, _) = recorded(&env);
    std::fs::remove_file(repo.join("train.csv")).unwrap();
    let report = env
        .lineage(
            &repo,
            &["drift", "name:prep", "month2.csv", "--format", "json"],
        )
        .code(1)
        .json();
    assert!(report["baseline"]["profile"].is_string(), "{report}");
    assert_same(&raw, &report, "amount", &["/psi"]);
    let psi = number(&raw, "amount", "/psi");
    assert!(psi > 0.1, "the data must differ ({psi})");
    assert_eq!(approximate(&report, "amount"), ["ks", "psi_evidently"]);
    // 6 distinct scores: the profile lists them all, every statistic exact.
    assert_same(
        &raw,
        &report,
        "score",
        &["/psi", "/psi_evidently", "/ks/statistic", "/ks/p_value"],
    );
    assert!(approximate(&report, "score").is_empty(), "{report}");
    // 4 stored categories (all of them): PSI and chi-square exact.
    assert_same(&raw, &report, "city", &CATEGORICAL);
    assert!(approximate(&report, "city").is_empty(), "{report}");
    // 30 categories, 20 stored: folded into (other), approximate.
    assert_eq!(
        approximate(&report, "sku"),
        ["psi", "psi_evidently", "chi_square"]
    );
    // Text marks each approximate number and explains the mark.
    let text = env
        .lineage(&repo, &["drift", "name:prep", "month2.csv"])
        .code(1)
        .stdout;
    assert!(
        text.contains(
            "baseline compared from its stored profile: statistics marked ~ are approximate"
        ),
        "{text}"
    );
    assert!(
        text.contains("~ approximate: computed from a stored profile"),
        "{text}"
    );
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} in {text}"))
            .to_string()
    };
    assert!(line("amount").contains("~KS D"), "{text}");
    assert!(
        !line("amount").contains(&format!("~{}", short(number(&report, "amount", "/psi")))),
        "{text}"
    );
    assert!(!line("city").contains('~'), "{text}");
    assert!(line("sku").contains("~chi2"), "{text}");
}

const CATEGORICAL: [&str; 4] = [
    "/psi",
    "/psi_evidently",
    "/chi_square/statistic",
    "/chi_square/p_value",
];

/// Column `name` has the same numbers at `pointers` in both reports (1e-12).
#[track_caller]
fn assert_same(raw: &Value, report: &Value, name: &str, pointers: &[&str]) {
    for pointer in pointers {
        let (exact, stored) = (number(raw, name, pointer), number(report, name, pointer));
        assert!(
            (exact - stored).abs() < 1e-12,
            "{name}{pointer}: {exact} vs {stored}"
        );
    }
}

/// drift's four significant digits (src/drift/mod.rs `short`).
fn short(x: f64) -> String {
    if x.abs() >= 0.001 {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}

#[test]
fn both_sides_stored_mark_numeric_psi_approximate_and_complete_categories_exact() {
    let env = TestEnv::new();
    let (repo, raw, _) = recorded(&env);
    std::fs::remove_file(repo.join("train.csv")).unwrap();
    std::fs::remove_file(repo.join("month.csv")).unwrap();
    let report = env
        .lineage(
            &repo,
            &["drift", "name:prep", "name:mon", "--format", "json"],
        )
        .code(1)
        .json();
    assert!(report["baseline"]["profile"].is_string() && report["current"]["profile"].is_string());
    assert_eq!(
        approximate(&report, "amount"),
        ["ks", "psi", "psi_evidently"]
    );
    assert!(approximate(&report, "score").is_empty(), "{report}");
    assert_same(
        &raw,
        &report,
        "score",
        &["/psi", "/psi_evidently", "/ks/p_value"],
    );
    // Every category listed on both sides: exact, even with both stored.
    assert!(approximate(&report, "city").is_empty(), "{report}");
    assert_same(&raw, &report, "city", &CATEGORICAL);
    assert_eq!(
        approximate(&report, "sku"),
        ["psi", "psi_evidently", "chi_square"]
    );
    // Markdown says the same.
    let markdown = env
        .lineage(
            &repo,
            &["drift", "name:prep", "name:mon", "--format", "markdown"],
        )
        .code(1)
        .stdout;
    assert!(
        markdown.contains("| `amount` | DRIFT | ~KS D"),
        "{markdown}"
    );
    assert!(
        markdown.contains("~ approximate: computed from a stored profile"),
        "{markdown}"
    );
    // A raw baseline against a stored current: classic PSI approximate.
    let report = env
        .lineage(
            &repo,
            &["drift", "month2.csv", "name:mon", "--format", "json"],
        )
        .success()
        .json();
    assert_eq!(
        approximate(&report, "amount"),
        ["ks", "psi", "psi_evidently"]
    );
}

fn profile_path(repo: &Path, id: &str) -> std::path::PathBuf {
    let hex = id.strip_prefix("blake3:").expect("blake3: id");
    repo.join(".lineage/profiles")
        .join(&hex[..2])
        .join(format!("{hex}.json"))
}

#[test]
fn a_damaged_stored_profile_is_an_error_naming_it_and_verify() {
    let env = TestEnv::new();
    let (repo, _, id) = recorded(&env);
    std::fs::remove_file(repo.join("train.csv")).unwrap();
    let file = profile_path(&repo, &id);
    let rel = file
        .strip_prefix(&repo)
        .unwrap()
        .to_string_lossy()
        .to_string();
    write(&file, "{\"damaged\": true}\n");
    let run = env
        .lineage(&repo, &["drift", "name:prep", "month2.csv"])
        .code(2);
    assert!(run.stderr.contains(&rel), "{}", run.stderr);
    assert!(run.stderr.contains("is damaged"), "{}", run.stderr);
    assert!(run.stderr.contains("git lineage verify"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("are gone: the file on disk"),
        "{}",
        run.stderr
    );
    // Bytes that hash to their name but are no profile: named as well.
    let junk = b"not a profile\n";
    let junk_id = format!("blake3:{}", b3(junk));
    let junk_file = profile_path(&repo, &junk_id);
    write(&junk_file, std::str::from_utf8(junk).unwrap());
    let run = env
        .lineage(&repo, &["drift", &junk_id, "month2.csv"])
        .code(2);
    let junk_rel = junk_file
        .strip_prefix(&repo)
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(run.stderr.contains(&junk_rel), "{}", run.stderr);
    assert!(run.stderr.contains("is not a profile"), "{}", run.stderr);
    assert!(run.stderr.contains("git lineage verify"), "{}", run.stderr);
}

#[test]
fn a_profile_stored_before_deciles_is_read_and_every_numeric_statistic_is_approximate() {
    let env = TestEnv::new();
    let (repo, raw, id) = recorded(&env);
    let bytes = std::fs::read(profile_path(&repo, &id)).expect("stored profile");
    let mut old: Value = serde_json::from_slice(&bytes).expect("JSON");
    for column in old["columns"].as_array_mut().unwrap() {
        let column = column.as_object_mut().unwrap();
        column.remove("deciles");
        column.remove("values");
    }
    let mut old = serde_json::to_vec_pretty(&old).unwrap();
    old.push(b'\n');
    let old_id = format!("blake3:{}", b3(&old));
    assert_ne!(old_id, id);
    write(
        &profile_path(&repo, &old_id),
        std::str::from_utf8(&old).unwrap(),
    );
    let report = env
        .lineage(&repo, &["drift", &old_id, "month2.csv", "--format", "json"])
        .code(1)
        .json();
    assert_eq!(report["baseline"]["profile"], old_id.as_str());
    for name in ["amount", "score"] {
        assert_eq!(
            approximate(&report, name),
            ["ks", "psi", "psi_evidently"],
            "{name}"
        );
    }
    // Categories need neither: still exact.
    assert_same(&raw, &report, "city", &CATEGORICAL);
}
