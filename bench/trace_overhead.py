"""Does tracing cost anything when it is off? Times the same runs on the code before the hook and now.

Usage::

    python bench/trace_overhead.py [--graph datasets/wiki-Vote.txt.gz] [--rounds 7] [--before REV]

Three configurations, each timed in its own fresh Python process, in alternating
rounds so that a busy machine slows all of them alike:

- ``before``: the code just before the trace hook was added (``--before``, by default
  the parent of the commit that added ``pregel/trace.py``), taken from git;
- ``off``: this checkout, ``pregel.run(...)`` (tracing off, the default);
- ``on``: this checkout, ``pregel.run(..., trace=True)`` (for scale).

Each process runs the program once to warm up, then reports the fastest of several
runs in CPU seconds of the process (on a machine shared with other work, wall-clock
times swing by half; CPU time much less). The table shows the median and range over
the rounds, and the change against ``before`` measured within each round (both saw
the same load). It also checks that ``before`` and ``off`` computed bit-identical
values. Graph reading is not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKER = """
import hashlib, json, sys, time
import pregel
from pregel.io.edges import read_edges
from pregel.algorithms.pagerank import PageRank, PageRankVertex
graph = read_edges(sys.argv[1])
program = {"batch": PageRank, "scalar": PageRankVertex}[sys.argv[2]]
options = {"trace": True} if sys.argv[3] == "on" else {}
runs = int(sys.argv[4])
result = pregel.run(graph, program(), **options)
best = float("inf")
for _ in range(runs):
    start = time.process_time()
    pregel.run(graph, program(), **options)
    best = min(best, time.process_time() - start)
digest = hashlib.sha256(result.values.tobytes()).hexdigest()
print(json.dumps({"seconds": best, "supersteps": result.supersteps, "values": digest}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", default=str(ROOT / "datasets" / "wiki-Vote.txt.gz"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--before", help="git revision of the code before the hook (default: found from history)")
    args = parser.parse_args()
    before = args.before or _parent_of_trace_commit()
    with tempfile.TemporaryDirectory(prefix="pregel-before-") as old_tree:
        _export(before, Path(old_tree))
        trees = {"before": (old_tree, "off"), "off": (str(ROOT), "off"), "on": (str(ROOT), "on")}
        # the scalar API loops in Python, so it gets fewer runs per process
        for api, runs in (("batch", 30), ("scalar", 2)):
            results = {name: [] for name in trees}
            for _ in range(args.rounds):
                for name, (tree, trace) in trees.items():
                    results[name].append(_time(tree, args.graph, api, trace, runs))
            _report(api, args.graph, before, results)


def _time(tree: str, graph: str, api: str, trace: str, runs: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", WORKER, graph, api, trace, str(runs)],
        env=dict(os.environ, PYTHONPATH=tree),
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _report(api: str, graph: str, before: str, results: dict) -> None:
    median = {name: statistics.median(r["seconds"] for r in runs) for name, runs in results.items()}
    first = {name: runs[0] for name, runs in results.items()}
    same = first["before"]["values"] == first["off"]["values"]
    print(f"\nPageRank ({api} API) on {Path(graph).name}, {first['off']['supersteps']} supersteps")
    print(f"{'code':<32}{'CPU s, median':>14}{'range over rounds':>20}{'vs before, same round':>36}")
    labels = {
        "before": f"before the hook ({before[:10]})",
        "off": "now, trace=False (default)",
        "on": "now, trace=True",
    }
    for name, seconds in median.items():
        times = [r["seconds"] for r in results[name]]
        # a ratio within one round compares runs that saw the same load on the machine
        ratios = sorted(r["seconds"] / b["seconds"] - 1 for r, b in zip(results[name], results["before"]))
        change = f"{statistics.median(ratios):+.1%} (from {ratios[0]:+.1%} to {ratios[-1]:+.1%})"
        print(f"{labels[name]:<32}{seconds:>14.4f}{min(times):>9.4f} .. {max(times):.4f}{change:>36}")
    print(f"values before and now (trace off) bit-identical: {same}")


def _parent_of_trace_commit() -> str:
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "pregel/trace.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return _git("rev-parse", f"{added[-1]}^")


def _export(revision: str, target: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "pregel"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryFile() as f:
        f.write(archive)
        f.seek(0)
        with tarfile.open(fileobj=f) as tar:
            tar.extractall(target, filter="data")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    main()
