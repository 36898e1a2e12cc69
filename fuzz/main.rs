//! A time-bounded fuzzer for git-lineage's parsers (stable Rust, no
//! libFuzzer): generates and mutates inputs for one target until the time is
//! up, catches panics and broken properties, and prints the figures.
//!
//! ```text
//! cargo run --release --example fuzz -- --target record --seconds 600 [--seed N]
//! ```
//!
//! Targets: record, refspec, assign, params, listing. Findings are printed
//! with their input and written to `target/fuzz-findings/`; the exit code is
//! 1 when there was any, 2 for a usage error. See docs/testing.md.

use std::time::{Duration, Instant};

mod targets;

fn usage(problem: &str) -> ! {
    eprintln!("error: {problem}");
    eprintln!(
        "usage: cargo run --release --example fuzz -- --target {{{}}} --seconds N [--seed N]",
        targets::TARGETS.join("|")
    );
    std::process::exit(2);
}

fn main() {
    let mut target = None;
    let mut seconds = 60u64;
    let mut seed = 0x006c_696e_6561_6765_u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--target" => {
                let name = value("--target");
                target = Some(
                    *targets::TARGETS
                        .iter()
                        .find(|t| **t == name)
                        .unwrap_or_else(|| usage(&format!("unknown target '{name}'"))),
                );
            }
            "--seconds" => {
                seconds = value("--seconds")
                    .parse()
                    .unwrap_or_else(|_| usage("--seconds takes a whole number"));
            }
            "--seed" => {
                seed = value("--seed")
                    .parse()
                    .unwrap_or_else(|_| usage("--seed takes a whole number"));
            }
            other => usage(&format!("unexpected argument '{other}'")),
        }
    }
    let Some(target) = target else {
        usage("--target is required")
    };

    // Panics are caught and reported below; keep the default hook quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let findings_dir = std::path::Path::new("target/fuzz-findings");
    let mut rng = targets::Rng::new(seed);
    let started = Instant::now();
    let budget = Duration::from_secs(seconds);
    let (mut executions, mut accepted, mut findings) = (0u64, 0u64, 0u64);
    let mut problems = std::collections::BTreeSet::new();
    while started.elapsed() < budget {
        for _ in 0..256 {
            let input = targets::generate(target, &mut rng);
            executions += 1;
            match targets::run(target, &input) {
                Ok(true) => accepted += 1,
                Ok(false) => {}
                Err(finding) => {
                    findings += 1;
                    // Report each distinct problem once, with its first input.
                    let key: String = finding.problem.lines().next().unwrap_or("").into();
                    if problems.insert(key) {
                        let file = findings_dir.join(format!("{target}-{executions}.bin"));
                        let saved = std::fs::create_dir_all(findings_dir)
                            .and_then(|()| std::fs::write(&file, &finding.input));
                        println!(
                            "FINDING {} after {executions} executions: {}\n  input: {:?}\n  saved: {}",
                            finding.target,
                            finding.problem,
                            String::from_utf8_lossy(&finding.input),
                            match saved {
                                Ok(()) => file.display().to_string(),
                                Err(e) => format!("not saved: {e}"),
                            }
                        );
                    }
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "target={target} seed={seed} executions={executions} seconds={secs:.0} execs_per_sec={:.0} accepted={accepted} findings={findings} distinct={}",
        executions as f64 / secs,
        problems.len()
    );
    if findings > 0 {
        std::process::exit(1);
    }
}
