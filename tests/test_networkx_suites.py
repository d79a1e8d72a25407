"""networkx's own test modules, run with every call they make to a function pregel implements sent to pregel.

``NETWORKX_TEST_BACKEND=pregel`` makes networkx's tests convert their graphs and call the
backend; ``NETWORKX_FALLBACK_TO_NX=1`` lets the calls pregel does not take (other
functions, weight functions, other weights) run in networkx itself. Each module must pass
(the tests the backend marks with ``on_start_tests`` as expected failures must fail), and the
functions this project dispatches must really have been called on pregel.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
NX = Path(nx.__file__).parent / "algorithms"

SUITES = {
    # issue 18: bfs, scc, kcore, triangles
    "bfs": (
        ["traversal/tests/test_bfs.py", "shortest_paths/tests/test_unweighted.py"],
        {"bfs_layers", "single_source_shortest_path_length"},
    ),
    "shortest_path_length": (["shortest_paths/tests/test_generic.py"], {"shortest_path_length", "has_path"}),
    "connected": (
        ["components/tests/test_connected.py", "components/tests/test_weakly_connected.py"],
        {"is_connected", "node_connected_component", "is_weakly_connected"},
    ),
    "dag": (["tests/test_dag.py"], {"descendants", "ancestors"}),
    "scc": (
        ["components/tests/test_strongly_connected.py"],
        {"strongly_connected_components", "number_strongly_connected_components", "is_strongly_connected"},
    ),
    "kcore": (["tests/test_core.py"], {"core_number", "k_core"}),
    "triangles": (["tests/test_cluster.py"], {"triangles", "clustering", "average_clustering", "transitivity"}),
    # issue 18: ppr, lpa, betweenness
    "pagerank": (["link_analysis/tests/test_pagerank.py"], {"pagerank"}),
    "eigenvector": (["centrality/tests/test_eigenvector_centrality.py"], {"eigenvector_centrality"}),
    "label_propagation": (["community/tests/test_label_propagation.py"], {"label_propagation_communities"}),
    "betweenness": (["centrality/tests/test_betweenness_centrality.py"], {"betweenness_centrality"}),
    # issue 19
    "louvain": (["community/tests/test_louvain.py"], {"louvain_communities", "louvain_partitions"}),
    # k_components runs core_number and connected_components on its _AntiGraph, a class of its own adjacency
    "kcomponents": (["approximation/tests/test_kcomponents.py"], {"core_number", "connected_components"}),
}

# what the backend's on_start_tests marks as expected failures, suite by suite (pregel/integrations/networkx.py)
EXPECTED_FAILURES = {"louvain": 4}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(nx.config.backends.get("pregel") is None, reason="pregel is not a networkx backend here"),
]


@pytest.mark.parametrize("suite", SUITES)
def test_networkx_tests_pass_on_pregel(suite, tmp_path):
    modules, dispatched = SUITES[suite]
    counts = tmp_path / "dispatched.json"
    env = dict(
        os.environ,
        NETWORKX_TEST_BACKEND="pregel",
        NETWORKX_FALLBACK_TO_NX="1",
        PREGEL_NX_DISPATCHED=str(counts),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        # --confcutdir: networkx's conftest.py (which turns NETWORKX_TEST_BACKEND on) sits above the test
        # folders, where pytest 9 no longer looks without it
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.nx_dispatched"]
        + [f"--confcutdir={NX.parent}"]
        + [str(NX / m) for m in modules],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    xfailed = re.search(r"(\d+) xfailed", done.stdout)
    assert (int(xfailed.group(1)) if xfailed else 0) == EXPECTED_FAILURES.get(suite, 0), done.stdout[-2000:]
    calls = json.loads(counts.read_text())
    assert dispatched <= {name for name, n in calls.items() if n > 0}, calls
