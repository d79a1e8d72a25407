"""Weighted PageRank's superstep against PageRank's, on the same weighted graph, in one process.

``python -m bench.weighted_steps [EDGES] [--edges 1M] [--workers N] [--supersteps K] [--repeat R]``
runs PageRank and weighted PageRank (batch API) in turn, ``--repeat`` times each, for
``--supersteps`` supersteps (no tolerance: every run does the same work), and prints
each one's median superstep in milliseconds (the first superstep, which also lays the
in-edges out, is left out), its first superstep, and their ratio (the target: weighted
≤ 1.5 × unweighted). Without EDGES it generates the R-MAT graph of ``pregel generate
rmat --edges 1M --seed 1 --weighted`` in memory.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import pregel
from pregel.algorithms.pagerank import PageRank
from pregel.algorithms.weighted_pagerank import WeightedPageRank
from pregel.io.edges import read_edges
from pregel.io.generate import generate

TARGET = 1.5


def _graph(args: argparse.Namespace) -> pregel.Graph:
    if args.edges_file:
        return read_edges(args.edges_file)
    from bench.run import parse_size

    src, dst, weights = generate("rmat", edges=parse_size(args.edges), seed=1, weighted=True)
    return pregel.Graph.from_edges(src, dst, weights)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.weighted_steps", description=__doc__.splitlines()[0])
    parser.add_argument("edges_file", nargs="?", metavar="EDGES", help="a weighted edge list (default: generated)")
    parser.add_argument("--edges", default="1M", help="edges of the generated R-MAT graph (default 1M)")
    parser.add_argument("--workers", type=int, help="partitions (default: one per core)")
    parser.add_argument("--supersteps", type=int, default=20, help="supersteps per run (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, taken in turn (default 3)")
    args = parser.parse_args(argv)
    graph = _graph(args)
    if graph.weights is None:
        parser.error("the graph has no weights: weighted PageRank would be PageRank")
    print(f"{graph.num_vertices:,} vertices, {graph.num_edges:,} edges")
    programs = {"pagerank": PageRank, "weighted pagerank": WeightedPageRank}
    steps: dict[str, list[float]] = {name: [] for name in programs}
    first: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(args.repeat):
        for name, program in programs.items():
            result = pregel.run(graph, program(tol=0.0), workers=args.workers, max_supersteps=args.supersteps)
            seconds = [1e3 * s.seconds for s in result.stats]
            first[name].append(seconds[0])
            steps[name] += seconds[1:]
    for name in programs:
        print(
            f"{name:18s} median superstep {np.median(steps[name]):7.2f} ms (fastest {min(steps[name]):.2f}), "
            f"first {np.median(first[name]):7.1f} ms"
        )
    ratio = np.median(steps["weighted pagerank"]) / np.median(steps["pagerank"])
    fastest = min(steps["weighted pagerank"]) / min(steps["pagerank"])
    mark = "✓" if ratio <= TARGET else "✗"
    print(f"weighted ÷ unweighted superstep: {ratio:.2f} {mark} (target ≤ {TARGET}; fastest ÷ fastest {fastest:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
