"""Benchmark of `git lineage profile` on a Parquet file (issue 13) against
`pandas.read_parquet(...).describe(percentiles=...)`, on the same file.

    cargo build --release --locked
    target/drift-venv/bin/python benches/profile_parquet.py --binary target/release/git-lineage --mb 256

Run it with a Python that has numpy, pandas and pyarrow (`.ci/run` makes
one: target/drift-venv/bin/python). The file holds 10 float64 columns of
normal values written by pyarrow with its defaults (snappy, row groups of
1 Mi rows); --mb is its approximate size. It never asserts a timing: it
prints a Markdown row for docs/performance.md. Peak RSS is `/usr/bin/time
-v`'s maximum resident set size of each process.
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
import pyarrow as pa
import pyarrow.parquet as pq

PANDAS_PROFILE = """
import sys, pandas as pd
df = pd.read_parquet(sys.argv[1])
df.describe(percentiles=[.01, .05, .1, .25, .5, .75, .9, .95, .99]).to_json()
"""


def write_parquet_mb(path, mb, seed):
    """About `mb` MiB: random doubles do not compress, 80 bytes per row."""
    rows = int(mb * 1024 * 1024 / 80)
    rng = np.random.default_rng(seed)
    schema = pa.schema([(f"c{i}", pa.float64()) for i in range(10)])
    with pq.ParquetWriter(path, schema) as writer:
        done = 0
        while done < rows:
            n = min(1 << 20, rows - done)
            block = rng.normal(0.0, 1.0, (n, 10))
            writer.write_table(pa.table({f"c{i}": block[:, i] for i in range(10)}, schema=schema))
            done += n
    return rows


def timed_rss(cmd):
    """Wall seconds and peak RSS (MiB) of a command, via /usr/bin/time -v."""
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"{cmd} failed: {out.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    return wall, rss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/git-lineage")
    ap.add_argument("--mb", type=int, default=256)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="parquet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    big = work / f"numeric-{args.mb}m.parquet"
    if not big.exists():
        rows = write_parquet_mb(big, args.mb, 1)
    else:
        rows = pq.ParquetFile(big).metadata.num_rows
    t1, r1 = timed_rss([args.binary, "profile", str(big), "--format", "json"])
    t2, r2 = timed_rss([sys.executable, "-c", PANDAS_PROFILE, str(big)])
    size = big.stat().st_size / 2**20
    print("| workload | git-lineage s | peak RSS MiB | reference | reference s | peak RSS MiB | speed-up |")
    print("|---|---:|---:|---|---:|---:|---:|")
    print(
        f"| profile {size:.0f} MiB Parquet ({rows:,} rows), 10 float columns | {t1:.2f} | {r1:.0f} "
        f"| pandas `read_parquet` + `describe(percentiles=…)` | {t2:.2f} | {r2:.0f} | {t2 / t1:.1f}x |"
    )
    print(f"(data in {work}; {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
