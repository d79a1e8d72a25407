"""Scalar PageRank supersteps on a real graph: vectorised, compiled loop, interpreter (milliseconds)."""

import sys
import time

sys.path.insert(0, "/tmp")
import numpy as np  # noqa: E402

import pregel  # noqa: E402
from algorithms.pagerank import PageRankVertex  # noqa: E402
from pregel.io import read_edges  # noqa: E402

path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/datasets/p2p-Gnutella31.txt.gz"
g = read_edges(path)
for label, options in [("vectorised", {}), ("compiled", {"vectorised": False}), ("interpreted", {"compiled": False})]:
    start = time.perf_counter()
    r = pregel.run(g, PageRankVertex(**options))
    total = time.perf_counter() - start
    steps = [s.seconds * 1e3 for s in r.stats]
    print(f"{label:12s} total {total:.3f}s supersteps {r.supersteps} median step {np.median(steps[1:]):.2f} ms first {steps[0]:.2f} ms sum {r.values.sum()!r}")
