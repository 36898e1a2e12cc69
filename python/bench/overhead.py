"""Per-call overhead of the Python API against calling the CLI directly.

    python python/bench/overhead.py [--calls N]

Builds the demo repository in a temporary directory, then times, for each
operation, N calls through `git_lineage` and N runs of the same
`git-lineage … --format json` command with `subprocess.run` + `json.loads`
(what a script does by hand), interleaved, and prints the median per call
and the ratio.
A benchmark, not a test: the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from typing import Any, Callable, Dict, List, Tuple

import git_lineage as gl


def medians_ms(
    api: Callable[[], object], cli: Callable[[], object], calls: int
) -> Tuple[float, float]:
    """Median ms per call of each, the two interleaved (alternating which goes
    first) so that a busy machine slows both alike."""
    api()  # warm: page cache, the version check, the history cache
    cli()
    times: Tuple[List[float], List[float]] = ([], [])
    for i in range(calls):
        order = [(0, api), (1, cli)] if i % 2 == 0 else [(1, cli), (0, api)]
        for slot, fn in order:
            start = time.perf_counter()
            fn()
            times[slot].append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    binary = gl.find_binary()
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "lineage-demo")
        subprocess.run([binary, "demo", root], check=True, capture_output=True)
        repo = gl.Repo(root)

        def cli(*argv: str) -> Callable[[], object]:
            command = [binary, "-C", root, *argv, "--format", "json"]
            return lambda: json.loads(
                subprocess.run(command, check=True, capture_output=True, text=True).stdout
            )

        def record() -> object:
            with repo.run("evaluate", "bench", record_failure=False) as run:
                run.input(os.path.join(root, "model/model.json"), role="model")
                run.param("threshold", 0.35)
                run.metric("auc", 0.91)
            return run.record

        def typed(argv: List[str], parse: Callable[[Dict[str, Any]], object]) -> Callable[[], object]:
            """Only the Python side: the CLI's output (captured once) to dataclasses."""
            out = subprocess.run(
                [binary, "-C", root, *argv, "--format", "json"],
                check=True, capture_output=True, text=True,
            ).stdout
            return lambda: parse(json.loads(out))

        show = ["show", "name:fraud-model"]
        graph = ["graph", "model/model.json", "--up"]
        resolve = ["registry", "resolve", "fraud-model@production"]
        rec = ["record", "--kind", "evaluate", "--name", "bench", "-i", "model=model/model.json",
               "-p", "threshold=0.35", "-m", "auc=0.91"]
        cases: List[Tuple[str, Callable[[], object], Callable[[], object], Callable[[], object]]] = [
            ("show name:fraud-model", lambda: repo.show("name:fraud-model"), cli(*show),
             typed(show, gl.Shown.from_json)),
            ("log (all records)", lambda: repo.log(), cli("log"),
             typed(["log"], gl.Records.from_json)),
            ("graph model/model.json --up", lambda: repo.graph("model/model.json", up=True),
             cli(*graph), typed(graph, gl.Graph.from_json)),
            ("registry resolve", lambda: repo.registry.resolve("fraud-model@production"),
             cli(*resolve), typed(resolve, gl.Resolved.from_json)),
            ("record (with repo.run)", record, cli(*rec), typed(rec, gl.Recorded.from_json)),
        ]
        print(f"{'operation':30} {'python ms':>9} {'cli ms':>7} {'ratio':>6} {'parse ms':>9}"
              f"  ({args.calls} calls, median; parse: JSON to dataclasses alone)")
        for name, api, direct, parse in cases:
            a, c = medians_ms(api, direct, args.calls)
            p, _ = medians_ms(parse, lambda: None, args.calls)
            print(f"{name:30} {a:9.2f} {c:7.2f} {a / c:6.2f} {p:9.3f}")


if __name__ == "__main__":
    main()
