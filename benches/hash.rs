//! Hashing throughput of git-lineage against `b3sum`, measured in the same run.
//!
//! `cargo bench --bench hash` (see docs/performance.md). It never asserts a
//! timing: it prints medians, throughput and ratios against the `b3sum`
//! reference, plus a Markdown table to paste into the docs. It does check that
//! both sides compute the same hashes, and exits non-zero if they do not.
//!
//! Environment:
//! - `GIT_LINEAGE_BENCH_DIR`: where the test data lives (kept between runs and
//!   reused); default a temporary directory removed at the end.
//! - `GIT_LINEAGE_BENCH_MB`: size of the large file in MiB (default 1024).
//! - `GIT_LINEAGE_BENCH_ONLY=status`: run only the `git lineage status` rows.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

use git_lineage::cache::{RACY_WINDOW_NANOS, StatCache};
use git_lineage::hash::{ContentHash, Hasher, hash_file};
use globset::GlobSet;

/// Timed runs per measurement (after one untimed warm-up run).
const RUNS: usize = 5;
/// Default size of the large file, in MiB.
const DEFAULT_MB: u64 = 1024;
/// The small-files workload: this many files of [`SMALL_FILE_BYTES`] each,
/// spread over [`SMALL_DIRS`] subdirectories.
const SMALL_FILES: usize = 10_000;
const SMALL_FILE_BYTES: usize = 4096;
const SMALL_DIRS: usize = 100;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// One line of the result table.
struct Row {
    workload: String,
    tool: &'static str,
    median: Duration,
    bytes: u64,
    /// Median of the reference this row is compared with.
    reference: Duration,
    /// Served from the stat cache: the bytes were not read.
    cached: bool,
}

fn bench() -> BenchResult<()> {
    let b3sum_version = match Command::new("b3sum").arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        _ => {
            eprintln!(
                "error: `b3sum` is not on PATH; this benchmark compares against it.\n\
                 hint: install it with `cargo install b3sum --locked` (it is on crates.io),\n\
                 \x20     make sure ~/.cargo/bin is on PATH, then run `cargo bench --bench hash` again"
            );
            std::process::exit(1);
        }
    };
    let mb = match std::env::var("GIT_LINEAGE_BENCH_MB") {
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|mb| *mb > 0)
            .ok_or_else(|| format!("GIT_LINEAGE_BENCH_MB='{text}' is not a positive number"))?,
        Err(_) => DEFAULT_MB,
    };
    let (_temp, dir) = match std::env::var_os("GIT_LINEAGE_BENCH_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir)?;
            (None, dir)
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("git-lineage-bench.")
                .tempdir()?;
            let dir = temp.path().to_path_buf();
            (Some(temp), dir)
        }
    };

    println!("# git-lineage hashing benchmark");
    println!();
    println!("machine : {}", machine());
    println!("b3sum   : {b3sum_version}");
    println!("data in : {}", dir.display());
    println!(
        "runs    : {RUNS} timed runs per row after one warm-up run (page cache warm); median shown"
    );
    println!();

    let mut rows = Vec::new();
    if std::env::var("GIT_LINEAGE_BENCH_ONLY").as_deref() == Ok("status") {
        rows.extend(status_end_to_end(&dir)?);
        println!();
        println!("## Results (paste into docs/performance.md)");
        println!();
        print_table(&rows);
        return Ok(());
    }
    large_file(&dir, mb, &mut rows)?;
    small_files(&dir, &mut rows)?;
    // Measured last so that the large file is old enough to be cached.
    let reference = rows[0].reference; // the large file's b3sum median
    let cached = large_file_cached(&dir, mb, reference)?;
    rows.insert(3, cached);
    let end_to_end = record_end_to_end(&dir, mb, reference)?;
    for (i, row) in end_to_end.into_iter().enumerate() {
        rows.insert(4 + i, row);
    }
    rows.extend(status_end_to_end(&dir)?);

    println!();
    println!("## Results (paste into docs/performance.md)");
    println!();
    print_table(&rows);
    Ok(())
}

/// `nproc`, the CPU model and the SIMD extensions BLAKE3 uses, from /proc/cpuinfo.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let model = field("model name").unwrap_or_else(|| "unknown CPU".into());
    let flags = field("flags").unwrap_or_default();
    let simd: Vec<&str> = ["sse4_1", "avx2", "avx512f", "avx512vl"]
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|x| x == *f))
        .collect();
    let simd = if simd.is_empty() {
        String::new()
    } else {
        format!(" ({})", simd.join(" "))
    };
    format!("{cores} cores available, {model}{simd}")
}

// ---------------------------------------------------------------- large file

fn large_file(dir: &Path, mb: u64, rows: &mut Vec<Row>) -> BenchResult<()> {
    let size = mb * 1024 * 1024;
    let path = dir.join(format!("random-{mb}MiB.bin"));
    ensure_random_file(&path, size)?;
    let workload = format!("one {} file", human_bytes(size));
    println!("## {workload}: {}", path.display());

    let ours = measure("git-lineage hash_file", || {
        Ok(hash_file(&path)?.hash.to_hex())
    })?;
    let theirs = measure("b3sum FILE", || b3sum_one(&path, None))?;
    let single = measure("b3sum --num-threads 1 FILE", || b3sum_one(&path, Some(1)))?;
    for other in [&theirs.1, &single.1] {
        if *other != ours.1 {
            return Err(format!(
                "hash mismatch on {}: git-lineage {} but b3sum {other}",
                path.display(),
                ours.1
            )
            .into());
        }
    }
    println!("   hashes agree: {}", ours.1);
    println!();
    rows.push(Row {
        workload: workload.clone(),
        tool: "git-lineage `hash::hash_file` (mmap + rayon)",
        median: ours.0,
        bytes: size,
        reference: theirs.0,
        cached: false,
    });
    rows.push(Row {
        workload: workload.clone(),
        tool: "`b3sum FILE` (reference)",
        median: theirs.0,
        bytes: size,
        reference: theirs.0,
        cached: false,
    });
    rows.push(Row {
        workload,
        tool: "`b3sum --num-threads 1 FILE`",
        median: single.0,
        bytes: size,
        reference: theirs.0,
        cached: false,
    });
    Ok(())
}

/// Write `size` pseudo-random bytes to `path` unless a file of that size is there.
fn ensure_random_file(path: &Path, size: u64) -> BenchResult<()> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == size) {
        println!("reusing {}", path.display());
        return Ok(());
    }
    print!(
        "writing {} of pseudo-random bytes to {} … ",
        human_bytes(size),
        path.display()
    );
    std::io::stdout().flush()?;
    let started = Instant::now();
    let temp = path.with_extension("partial");
    let mut file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&temp)?);
    let mut rng = SplitMix64(0x6769_742d_6c69_6e65); // "git-line"
    let mut chunk = vec![0u8; 8 << 20];
    let mut left = size;
    while left > 0 {
        for word in chunk.chunks_exact_mut(8) {
            word.copy_from_slice(&rng.next().to_le_bytes());
        }
        let n = usize::try_from(left.min(chunk.len() as u64))?;
        file.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&temp, path)?;
    println!("{:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// A fast, seedable pseudo-random generator (SplitMix64); the data only has to
/// be incompressible and reproducible, not cryptographic.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Run `b3sum [--num-threads N] FILE` and return the hex digest it printed.
fn b3sum_one(path: &Path, threads: Option<usize>) -> BenchResult<String> {
    let mut cmd = Command::new("b3sum");
    if let Some(n) = threads {
        cmd.arg("--num-threads").arg(n.to_string());
    }
    let out = cmd
        .arg("--no-names")
        .arg(path)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("b3sum failed on {}: {}", path.display(), out.status).into());
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

/// The large file again, through `Hasher::hash_file` with a warm stat cache
/// (load the cache file, stat, look up): what an unchanged dataset costs.
fn large_file_cached(dir: &Path, mb: u64, reference: Duration) -> BenchResult<Row> {
    let size = mb * 1024 * 1024;
    let path = dir.join(format!("random-{mb}MiB.bin"));
    println!(
        "## one {} file again, with a warm stat cache",
        human_bytes(size)
    );
    wait_until_cacheable(std::fs::metadata(&path)?.modified()?)?;
    let ignore = GlobSet::empty();
    let cache_file = dir.join("bench-stat-cache-large");
    let _ = std::fs::remove_file(&cache_file);
    let uncached = {
        let cache = StatCache::load(&cache_file);
        let digest = Hasher::new(&ignore, Some(&cache)).hash_file(&path)?;
        if cache.lookup(&path, &std::fs::metadata(&path)?).is_none() {
            return Err("the stat cache does not trust the large file's entry".into());
        }
        cache.save()?;
        digest.hash.to_hex()
    };
    let cached = measure("git-lineage Hasher::hash_file, warm stat cache", || {
        let cache = StatCache::load(&cache_file);
        Ok(Hasher::new(&ignore, Some(&cache))
            .hash_file(&path)?
            .hash
            .to_hex())
    })?;
    if cached.1 != uncached {
        return Err("the cached file hash differs from the uncached one".into());
    }
    println!();
    Ok(Row {
        workload: format!("one {} file", human_bytes(size)),
        tool: "git-lineage `Hasher::hash_file`, warm stat cache",
        median: cached.0,
        bytes: size,
        reference,
        cached: true,
    })
}

/// The whole `git lineage record -i FILE` command on the large file, in a
/// git repository: cold (no stat cache: the bytes are read) and warm. This
/// adds process start, git status, identity, YAML and the atomic write to
/// the hashing measured above.
fn record_end_to_end(dir: &Path, mb: u64, reference: Duration) -> BenchResult<Vec<Row>> {
    let size = mb * 1024 * 1024;
    let data = dir.join(format!("random-{mb}MiB.bin"));
    let repo = dir.join("record-repo");
    println!(
        "## `git lineage record` on the {} file, end to end",
        human_bytes(size)
    );
    if !repo.join(".git").exists() {
        std::fs::create_dir_all(&repo)?;
        for args in [
            &["init", "-q"][..],
            &["config", "user.name", "Bench"],
            &["config", "user.email", "bench@example.com"],
            &["commit", "-q", "--allow-empty", "-m", "bench"],
        ] {
            let status = Command::new("git").args(args).current_dir(&repo).status()?;
            if !status.success() {
                return Err(format!("git {args:?} failed in {}", repo.display()).into());
            }
        }
    }
    let input = repo.join("data.bin");
    if !input.exists() && std::fs::hard_link(&data, &input).is_err() {
        std::fs::copy(&data, &input)?;
    }
    let expected = format!("blake3:{}", b3sum_one(&input, None)?);
    let cache_file = repo.join(".git/lineage/stat-cache");
    let record = || -> BenchResult<String> {
        let out = Command::new(env!("CARGO_BIN_EXE_git-lineage"))
            .args([
                "record", "--kind", "bench", "--name", "e2e", "-i", "data.bin",
            ])
            .args(["--format", "json", "--quiet"])
            .current_dir(&repo)
            .stderr(Stdio::inherit())
            .output()?;
        if !out.status.success() {
            return Err(format!("git lineage record failed: {}", out.status).into());
        }
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let hash = json["record"]["inputs"][0]["hash"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if hash != expected {
            return Err(format!("git lineage recorded {hash}, b3sum says {expected}").into());
        }
        Ok(hash)
    };
    let cold = measure("git lineage record, no stat cache", || {
        match std::fs::remove_file(&cache_file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        record()
    })?;
    wait_until_cacheable(std::fs::metadata(&input)?.modified()?)?;
    let warm = measure("git lineage record, warm stat cache", record)?;
    println!();
    let row = |tool, median, cached| Row {
        workload: format!("one {} file", human_bytes(size)),
        tool,
        median,
        bytes: size,
        reference,
        cached,
    };
    Ok(vec![
        row(
            "`git lineage record -i FILE` (whole command), no stat cache",
            cold.0,
            false,
        ),
        row(
            "`git lineage record -i FILE` (whole command), warm stat cache",
            warm.0,
            true,
        ),
    ])
}

// -------------------------------------------------------------------- status

/// The `status` dataset: this many files of [`STATUS_FILE_BYTES`] each
/// (1 GiB in all), in [`SMALL_DIRS`] subdirectories.
const STATUS_FILES: usize = 10_000;
const STATUS_FILE_BYTES: usize = 107_374;

/// The whole `git lineage status` command in a repository whose one record
/// tracks a 10,000-file, 1 GiB directory, nothing changed: with no stat
/// cache (every byte is read: the cost of the first, cold hash) as the
/// reference, then with a warm stat cache.
fn status_end_to_end(dir: &Path) -> BenchResult<Vec<Row>> {
    let repo = dir.join("status-repo");
    let bytes = (STATUS_FILES * STATUS_FILE_BYTES) as u64;
    let workload = format!(
        "dataset of {} files, {} ({} MB), tracked as one directory",
        group_thousands(STATUS_FILES),
        human_bytes(1 << 30),
        bytes / 1_000_000
    );
    println!("## `git lineage status` on a {workload}, nothing changed");
    let lineage = |args: &[&str]| -> BenchResult<String> {
        let out = Command::new(env!("CARGO_BIN_EXE_git-lineage"))
            .args(args)
            .arg("--quiet")
            .current_dir(&repo)
            .stderr(Stdio::inherit())
            .output()?;
        // `status` exits 1 when something changed: that is an error here.
        if !out.status.success() {
            return Err(format!("git lineage {args:?} failed: {}", out.status).into());
        }
        Ok(String::from_utf8(out.stdout)?)
    };
    let done = repo.with_extension("complete");
    if done.exists() {
        println!("reusing {}", repo.display());
    } else {
        print!(
            "writing {} files of {} bytes to {} … ",
            group_thousands(STATUS_FILES),
            STATUS_FILE_BYTES,
            repo.display()
        );
        std::io::stdout().flush()?;
        let started = Instant::now();
        if repo.exists() {
            std::fs::remove_dir_all(&repo)?;
        }
        let data = repo.join("data");
        let mut rng = SplitMix64(0x7374_6174_7573);
        let mut buf = vec![0u8; STATUS_FILE_BYTES];
        for d in 0..SMALL_DIRS {
            std::fs::create_dir_all(data.join(format!("d{d:03}")))?;
        }
        for i in 0..STATUS_FILES {
            for chunk in buf.chunks_mut(8) {
                let word = rng.next().to_le_bytes();
                chunk.copy_from_slice(&word[..chunk.len()]);
            }
            std::fs::write(
                data.join(format!("d{:03}/f{i:05}.bin", i % SMALL_DIRS)),
                &buf,
            )?;
        }
        std::fs::write(repo.join(".gitignore"), "/data/\n")?;
        for args in [
            &["init", "-q"][..],
            &["config", "user.name", "Bench"],
            &["config", "user.email", "bench@example.com"],
            &["add", ".gitignore"],
            &["commit", "-q", "-m", "bench"],
        ] {
            let status = Command::new("git").args(args).current_dir(&repo).status()?;
            if !status.success() {
                return Err(format!("git {args:?} failed in {}", repo.display()).into());
            }
        }
        lineage(&["init"])?;
        lineage(&[
            "record", "--kind", "bench", "--name", "dataset", "-i", "data/", "--commit",
        ])?;
        std::fs::write(&done, b"")?;
        println!("{:.1} s", started.elapsed().as_secs_f64());
    }
    let cache_file = repo.join(".git/lineage/stat-cache");
    let status = || -> BenchResult<String> {
        let text = lineage(&["status", "--format", "json"])?;
        let json: serde_json::Value = serde_json::from_str(&text)?;
        if json["tracked"] != 1 || json["changed"] != serde_json::json!([]) {
            return Err(format!("status found changes or no dataset:\n{text}").into());
        }
        Ok(text)
    };
    let cold = measure("git lineage status, no stat cache", || {
        match std::fs::remove_file(&cache_file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        status()
    })?;
    wait_until_cacheable(newest_mtime(&repo.join("data"))?)?;
    let warm = measure("git lineage status, warm stat cache", status)?;
    println!(
        "   warm / cold: {}× ({} ms against {} ms)",
        significant(warm.0.as_secs_f64() / cold.0.as_secs_f64()),
        significant(warm.0.as_secs_f64() * 1e3),
        significant(cold.0.as_secs_f64() * 1e3)
    );
    println!();
    let row = |tool, median, cached| Row {
        workload: workload.clone(),
        tool,
        median,
        bytes,
        reference: cold.0,
        cached,
    };
    Ok(vec![
        row(
            "`git lineage status` (whole command), no stat cache: the cold hash (reference)",
            cold.0,
            false,
        ),
        row(
            "`git lineage status` (whole command), warm stat cache",
            warm.0,
            true,
        ),
    ])
}

// --------------------------------------------------------------- small files

fn small_files(dir: &Path, rows: &mut Vec<Row>) -> BenchResult<()> {
    let tree = dir.join(format!(
        "files-{SMALL_FILES}x{}KiB",
        SMALL_FILE_BYTES / 1024
    ));
    let rel_paths = ensure_small_files(&tree)?;
    let bytes = (SMALL_FILES * SMALL_FILE_BYTES) as u64;
    let workload = format!(
        "directory of {} × {} KiB files",
        group_thousands(SMALL_FILES),
        SMALL_FILE_BYTES / 1024
    );
    println!("## {workload}: {}", tree.display());

    wait_until_cacheable(newest_mtime(&tree)?)?;

    let ignore = GlobSet::empty();
    let uncached = measure("git-lineage Hasher::hash_dir, no cache", || {
        Ok(Hasher::new(&ignore, None).hash_dir(&tree)?.hash.to_hex())
    })?;
    let mut b3sum_output = String::new();
    let theirs = measure("b3sum over all files", || {
        b3sum_output = b3sum_many(&tree, &rel_paths)?;
        Ok(String::new())
    })?;

    // Cross-check: rebuild the directory hash from b3sum's output with the
    // documented listing rule (`<hex> <size> <path>\n`, sorted by path bytes).
    let mut lines: Vec<(String, String)> = b3sum_output
        .lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(hex, path)| (path.to_string(), hex.to_string()))
        .collect();
    lines.sort();
    let listing: String = lines
        .iter()
        .map(|(path, hex)| format!("{hex} {SMALL_FILE_BYTES} {path}\n"))
        .collect();
    let rebuilt = ContentHash::of_bytes(listing.as_bytes()).to_hex();
    if lines.len() != SMALL_FILES || rebuilt != uncached.1 {
        return Err(format!(
            "directory hash mismatch: hash_dir {} but the listing rebuilt from b3sum ({} lines) gives {rebuilt}",
            uncached.1,
            lines.len()
        )
        .into());
    }
    println!("   directory hash agrees with the listing rebuilt from b3sum: {rebuilt}");

    // Warm stat cache: fill it once and save it, then time load + hash_dir,
    // as every `git lineage` command does.
    let cache_file = dir.join("bench-stat-cache");
    let _ = std::fs::remove_file(&cache_file);
    {
        let cache = StatCache::load(&cache_file);
        Hasher::new(&ignore, Some(&cache)).hash_dir(&tree)?;
        let probe = tree.join(&rel_paths[0]);
        if cache.lookup(&probe, &std::fs::metadata(&probe)?).is_none() {
            return Err(format!("the stat cache does not trust {}", probe.display()).into());
        }
        cache.save()?;
    }
    let cached = measure("git-lineage Hasher::hash_dir, warm stat cache", || {
        let cache = StatCache::load(&cache_file);
        let hex = Hasher::new(&ignore, Some(&cache))
            .hash_dir(&tree)?
            .hash
            .to_hex();
        if cache.len() != SMALL_FILES {
            return Err(format!(
                "stat cache holds {} entries, expected {SMALL_FILES}",
                cache.len()
            )
            .into());
        }
        Ok(hex)
    })?;
    if cached.1 != uncached.1 {
        return Err("the cached directory hash differs from the uncached one".into());
    }
    println!(
        "   (cached runs include loading the {} KiB cache file)",
        std::fs::metadata(&cache_file)?.len() / 1024
    );
    println!();

    for (tool, median, cached) in [
        (
            "git-lineage `Hasher::hash_dir`, no cache",
            uncached.0,
            false,
        ),
        ("`b3sum` over all files (reference)", theirs.0, false),
        (
            "git-lineage `Hasher::hash_dir`, warm stat cache",
            cached.0,
            true,
        ),
    ] {
        rows.push(Row {
            workload: workload.clone(),
            tool,
            median,
            bytes,
            reference: theirs.0,
            cached,
        });
    }
    Ok(())
}

/// Create the small-files tree unless a completed one is there; return the
/// files' paths relative to `tree`.
fn ensure_small_files(tree: &Path) -> BenchResult<Vec<String>> {
    let rel_paths: Vec<String> = (0..SMALL_FILES)
        .map(|i| format!("d{:03}/f{:05}.bin", i % SMALL_DIRS, i))
        .collect();
    let done = tree.with_extension("complete");
    if done.exists() {
        println!("reusing {}", tree.display());
        return Ok(rel_paths);
    }
    print!(
        "writing {} files of {} KiB to {} … ",
        group_thousands(SMALL_FILES),
        SMALL_FILE_BYTES / 1024,
        tree.display()
    );
    std::io::stdout().flush()?;
    let started = Instant::now();
    if tree.exists() {
        std::fs::remove_dir_all(tree)?;
    }
    let mut rng = SplitMix64(0x736d_616c_6c21);
    let mut buf = vec![0u8; SMALL_FILE_BYTES];
    for d in 0..SMALL_DIRS {
        std::fs::create_dir_all(tree.join(format!("d{d:03}")))?;
    }
    for rel in &rel_paths {
        for word in buf.chunks_exact_mut(8) {
            word.copy_from_slice(&rng.next().to_le_bytes());
        }
        std::fs::write(tree.join(rel), &buf)?;
    }
    std::fs::write(&done, b"")?;
    println!("{:.1} s", started.elapsed().as_secs_f64());
    Ok(rel_paths)
}

fn newest_mtime(tree: &Path) -> BenchResult<SystemTime> {
    let mut newest = SystemTime::UNIX_EPOCH;
    for entry in walkdir::WalkDir::new(tree) {
        let modified = entry?.metadata()?.modified()?;
        newest = newest.max(modified);
    }
    Ok(newest)
}

/// Run one `b3sum` over every file (paths relative to `tree`); return its output.
fn b3sum_many(tree: &Path, rel_paths: &[String]) -> BenchResult<String> {
    let out = Command::new("b3sum")
        .current_dir(tree)
        .args(rel_paths)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("b3sum failed in {}: {}", tree.display(), out.status).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

// ------------------------------------------------------------------ helpers

/// The stat cache trusts an entry only when the file was last modified more
/// than the racy window before it was hashed: wait until a file modified at
/// `newest` is old enough, or cached runs would silently re-hash everything.
fn wait_until_cacheable(newest: SystemTime) -> BenchResult<()> {
    let racy = Duration::from_nanos(u64::try_from(RACY_WINDOW_NANOS)?);
    let trusted_from = newest + racy + Duration::from_millis(100);
    if let Ok(wait) = trusted_from.duration_since(SystemTime::now()) {
        println!(
            "   waiting {:.1} s: stat-cache entries are trusted only for files modified more than {} s before they were hashed",
            wait.as_secs_f64(),
            racy.as_secs()
        );
        std::thread::sleep(wait);
    }
    Ok(())
}

/// One warm-up run, then [`RUNS`] timed runs; returns the median and the
/// warm-up's result.
fn measure(
    label: &str,
    mut f: impl FnMut() -> BenchResult<String>,
) -> BenchResult<(Duration, String)> {
    let result = f()?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let again = f()?;
        times.push(started.elapsed());
        if again != result {
            return Err(format!("{label}: result changed between runs").into());
        }
    }
    times.sort();
    let median = times[RUNS / 2];
    let all: Vec<String> = times.iter().map(|t| significant(t.as_secs_f64())).collect();
    println!(
        "   {label:<48} median {:>10} s   runs [{}]",
        significant(median.as_secs_f64()),
        all.join(", ")
    );
    Ok((median, result))
}

fn print_table(rows: &[Row]) {
    println!("| workload | tool | median (s) | throughput | time vs reference |");
    println!("|---|---|---:|---:|---:|");
    for row in rows {
        let secs = row.median.as_secs_f64();
        let gbps = row.bytes as f64 / secs / 1e9;
        let ratio = secs / row.reference.as_secs_f64();
        // A cached run does not read the bytes: a throughput would be meaningless.
        let throughput = if row.cached {
            "— (bytes not re-read)".to_string()
        } else {
            format!("{} GB/s", significant(gbps))
        };
        println!(
            "| {} | {} | {} | {throughput} | {}× |",
            row.workload,
            row.tool,
            significant(secs),
            significant(ratio)
        );
    }
    println!();
    println!(
        "Throughput is bytes hashed per second in decimal GB (1 GB = 10^9 bytes). \
         \"time vs reference\" is this row's median time divided by the median of the \
         reference row of the same workload (`b3sum`; for `status`, the run without a \
         stat cache): below 1.00× is faster than the reference."
    );
}

/// Three significant digits, at least two decimals: `0.0723`, `14.9`, `0.000412`.
fn significant(x: f64) -> String {
    if x <= 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.log10().floor() as i32;
    let decimals = usize::try_from((2 - magnitude).max(2)).unwrap_or(2);
    format!("{x:.decimals$}")
}

fn human_bytes(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

fn group_thousands(n: usize) -> String {
    let text = n.to_string();
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i > 0 && (text.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
