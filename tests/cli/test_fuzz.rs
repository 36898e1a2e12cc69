//! The short deterministic pass of the fuzz targets (fuzz/targets.rs): a
//! fixed seed and a fixed number of inputs per target, so `cargo test` runs
//! the same cases every time. The long runs are `cargo run --release
//! --example fuzz` (docs/testing.md).

#[path = "../../fuzz/targets.rs"]
#[allow(dead_code)]
mod targets;

/// Run `count` generated inputs through `target`; fail with the findings,
/// or when fewer than `min_accepted` inputs got past the parser (the pass
/// would then test only its error paths).
fn pass(target: &'static str, count: usize, min_accepted: usize) {
    let mut rng = targets::Rng::new(0x10_07);
    let mut accepted = 0;
    let findings: Vec<String> = (0..count)
        .filter_map(
            |_| match targets::run(target, &targets::generate(target, &mut rng)) {
                Ok(yes) => {
                    accepted += usize::from(yes);
                    None
                }
                Err(finding) => Some(finding),
            },
        )
        .map(|f| {
            format!(
                "{}: {} (input {:?})",
                f.target,
                f.problem,
                String::from_utf8_lossy(&f.input)
            )
        })
        .take(5)
        .collect();
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    assert!(
        accepted >= min_accepted,
        "{target}: only {accepted} of {count} inputs were accepted"
    );
}

#[test]
fn fuzz_pass_record_parsing() {
    pass("record", 300, 1);
}

#[test]
fn fuzz_pass_ref_grammar() {
    pass("refspec", 3000, 1000);
}

#[test]
fn fuzz_pass_param_assignments() {
    pass("assign", 3000, 100);
}

#[test]
fn fuzz_pass_params_and_metrics_files() {
    pass("params", 300, 10);
}

#[test]
fn fuzz_pass_directory_listing_rule() {
    pass("listing", 2000, 30);
}

/// A target that does find something is reported, with its input: the pass
/// above is not vacuous.
#[test]
fn fuzz_findings_carry_the_problem_and_input() {
    let finding = targets::run("no-such-target", b"x").expect_err("a finding");
    assert_eq!(finding.input, b"x");
    assert!(
        finding.problem.contains("unknown target"),
        "{}",
        finding.problem
    );
}
