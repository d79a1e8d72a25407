"""Loading an edge list and running PageRank stays within 64 bytes per edge + 200 per vertex.

Peak memory is the high-water mark of a fresh process's resident memory (``VmHWM``;
``ru_maxrss`` would include this test process, which Linux carries across ``exec``),
less its memory after the imports: every temporary of the reader, the graph builder
and the engine counts.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pregel.io.edges import write_edge_list
from pregel.io.generate import rmat
from tests.conftest import ROOT

PROGRAM = """
import json, sys
import numpy as np, scipy.sparse
from pregel.algorithms.pagerank import pagerank
from pregel.io.edges import read_edges

def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))

base = status("VmRSS")
graph = read_edges(sys.argv[1])
result = pagerank(graph, api=sys.argv[2])
peak = status("VmHWM")
print(json.dumps({"used": peak - base, "edges": graph.num_edges, "vertices": graph.num_vertices}))
"""


EDGES = 2_000_000


@pytest.fixture(scope="module")
def rmat_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("memory") / "rmat.txt"
    write_edge_list(path, *rmat(EDGES // 16, EDGES, seed=3))
    return path


@pytest.mark.parametrize("api", ["batch", "scalar"])
def test_load_and_pagerank_fit_the_memory_budget(rmat_file, api):
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(rmat_file), api],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    budget = 64 * got["edges"] + 200 * got["vertices"]
    assert got["edges"] == EDGES
    assert got["used"] <= budget, f"{got['used'] / 2**20:.0f} MB used, budget {budget / 2**20:.0f} MB"
