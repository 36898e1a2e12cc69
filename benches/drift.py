"""Benchmark of `git lineage profile` and `git lineage drift` (issue 13)
against pandas, scipy and Evidently, in one run on the same generated files.

    cargo build --release --locked
    python benches/drift.py --binary target/release/git-lineage --mb 1024 --rows 1000000

Run it with a Python that has numpy, pandas, scipy and Evidently (`.ci/run`
makes one: target/drift-venv/bin/python). It never asserts a timing: it
prints a Markdown table for docs/performance.md. Peak RSS is measured with
`/usr/bin/time -v` (git-lineage) and `resource.getrusage` of a child process
(pandas).

- profile: a numeric CSV of --mb MiB (10 float columns) with `git lineage
  profile --format json` vs `pandas.read_csv(...).describe(percentiles=...)`.
- drift: --rows vs --rows rows x 10 float columns with `git lineage drift
  --format json` vs a Python loop of `scipy.stats.ks_2samp` and Evidently's
  legacy `psi` stattest per column (reading the CSVs with pandas included).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PANDAS_PROFILE = """
import sys, pandas as pd
df = pd.read_csv(sys.argv[1])
df.describe(percentiles=[.01, .05, .1, .25, .5, .75, .9, .95, .99]).to_json()
"""

PYTHON_DRIFT = """
import sys, pandas as pd
from scipy.stats import ks_2samp
from evidently.legacy.calculations.stattests.psi import _psi
from evidently.legacy.core import ColumnType
a = pd.read_csv(sys.argv[1]); b = pd.read_csv(sys.argv[2])
for c in a.columns:
    ks_2samp(a[c], b[c], method="auto")
    _psi(a[c], b[c], ColumnType.Numerical, 0.1)
"""


def write_csv(path, rows, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    cols = [f"c{i}" for i in range(10)]
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        chunk = 200_000
        done = 0
        while done < rows:
            n = min(chunk, rows - done)
            block = rng.normal(shift, 1.0, (n, 10))
            np.savetxt(f, block, delimiter=",", fmt="%.6f")
            done += n


def write_csv_mb(path, mb, seed):
    # ~ 10 columns x ~9.5 bytes per cell per row
    rows = int(mb * 1024 * 1024 / 95)
    write_csv(path, rows, seed)
    return rows


def timed_rss(cmd):
    """Wall seconds and peak RSS (MiB) of a command, via /usr/bin/time -v."""
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode not in (0, 1):
        sys.exit(f"{cmd} failed: {out.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    return wall, rss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/git-lineage")
    ap.add_argument("--mb", type=int, default=1024)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="drift-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    big = work / f"numeric-{args.mb}m.csv"
    if not big.exists():
        write_csv_mb(big, args.mb, 1)
    base, cur = work / f"base-{args.rows}.csv", work / f"cur-{args.rows}.csv"
    if not base.exists():
        write_csv(base, args.rows, 2)
        write_csv(cur, args.rows, 3, shift=0.01)
    py = sys.executable
    rows = []
    t1, r1 = timed_rss([args.binary, "profile", str(big), "--format", "json"])
    t2, r2 = timed_rss([py, "-c", PANDAS_PROFILE, str(big)])
    rows.append((f"profile {big.stat().st_size / 2**20:.0f} MiB CSV, 10 columns", t1, r1, "pandas read_csv + describe", t2, r2))
    t1, r1 = timed_rss([args.binary, "drift", str(base), str(cur), "--format", "json"])
    t2, r2 = timed_rss([py, "-c", PYTHON_DRIFT, str(base), str(cur)])
    rows.append((f"drift {args.rows:,} vs {args.rows:,} rows x 10", t1, r1, "ks_2samp + Evidently psi loop", t2, r2))
    print("| workload | git-lineage s | peak RSS MiB | reference | reference s | peak RSS MiB | speed-up |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for name, t1, r1, ref, t2, r2 in rows:
        print(f"| {name} | {t1:.2f} | {r1:.0f} | {ref} | {t2:.2f} | {r2:.0f} | {t2 / t1:.1f}x |")
    print(f"(data in {work}; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
