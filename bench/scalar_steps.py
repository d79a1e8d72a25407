"""Scalar PageRank supersteps three ways: vectorised, compiled loop, interpreted.

``python -m bench.scalar_steps [EDGES]`` (default: p2p-Gnutella31) prints, for each
way, the total seconds, the number of supersteps and the median superstep in
milliseconds (the first superstep, which also builds the routes, is left out), and
checks that the three give the same ranks to the bit.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import pregel
from pregel.algorithms.pagerank import PageRankVertex
from pregel.io.edges import read_edges

DEFAULT = str(Path(__file__).resolve().parent.parent / "datasets" / "p2p-Gnutella31.txt.gz")
WAYS = {"vectorised": {}, "compiled loop": {"vectorised": False}, "interpreted": {"compiled": False}}


def main(argv: list[str]) -> int:
    graph = read_edges(argv[0] if argv else DEFAULT)
    ranks = []
    for way, options in WAYS.items():
        start = time.perf_counter()
        result = pregel.run(graph, PageRankVertex(**options))
        total = time.perf_counter() - start
        steps = [1e3 * s.seconds for s in result.stats[1:]]
        print(f"{way:14s} {total:6.3f} s  {result.supersteps} supersteps  median {np.median(steps):6.2f} ms")
        ranks.append(result.values.tobytes())
    print("same ranks to the bit:", len(set(ranks)) == 1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
