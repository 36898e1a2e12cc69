//! Layout time of `git lineage view` (issue 15): the layered layout of
//! src/view/layout.rs on synthetic graphs shaped like lineage, at 200, 2,000
//! and 5,000 nodes (the `--max-nodes` default).
//!
//! `cargo bench --bench view` (see docs/performance.md, "view"). It never
//! asserts a timing: it prints the median of 5 runs after one warm-up, and a
//! Markdown table. It checks that every layout is the same on every run.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use git_lineage::view::layout::layout;

/// Timed runs per measurement (after one untimed warm-up run).
const RUNS: usize = 5;

/// A graph: its node count and its edges (upstream, downstream).
type Shape = (usize, Vec<(usize, usize)>);

/// Pipelines of 4 records (ingest → process → train → evaluate) over 20
/// shared raw sources, each record with its output artifact, the evaluation
/// also reading the features: `records` records, about as many artifacts.
fn pipelines(records: usize) -> Shape {
    let sources = 20;
    let mut edges = Vec::new();
    let mut next = sources;
    let mut node = || {
        next += 1;
        next - 1
    };
    for p in 0..records / 4 {
        let mut input = p % sources;
        let mut features = 0;
        for step in 0..4 {
            let record = node();
            let output = node();
            edges.push((input, record));
            if step == 3 {
                edges.push((features, record));
            }
            edges.push((record, output));
            if step == 1 {
                features = output;
            }
            input = output;
        }
    }
    (next, edges)
}

/// One raw source read by `fan` records, each writing one artifact: what
/// `view SOURCE --down --depth 2` draws on the 100k benchmark repository.
fn fan_out(fan: usize) -> Shape {
    let mut edges = Vec::new();
    for i in 0..fan {
        edges.push((0, 1 + 2 * i));
        edges.push((1 + 2 * i, 2 + 2 * i));
    }
    (1 + 2 * fan, edges)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> ExitCode {
    let shapes: Vec<(&str, Shape)> = vec![
        ("pipelines, 100 records", pipelines(100)),
        ("pipelines, 1,000 records", pipelines(1000)),
        (
            "fan-out of 1,000 (view SOURCE --down --depth 2)",
            fan_out(1000),
        ),
        ("pipelines, 2,500 records", pipelines(2500)),
    ];
    println!("| graph | nodes | edges | layout (median of {RUNS}) |");
    println!("|---|---:|---:|---:|");
    for (name, (count, edges)) in &shapes {
        let first = layout(*count, edges);
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            let again = layout(*count, edges);
            times.push(start.elapsed());
            if again != first {
                eprintln!("error: the layout of {name} differs between runs");
                return ExitCode::FAILURE;
            }
        }
        println!(
            "| {name} | {count} | {} | {:.1} ms |",
            edges.len(),
            median(times).as_secs_f64() * 1000.0
        );
    }
    ExitCode::SUCCESS
}
