"""Every backend gives the same bits: blocks are folded in the order of their senders, wherever they travel.

Before the inbox folded blocks in sender order, PageRank with 4 partitions on Ray
differed from the local backend in the last bits (a partition's own block was read
first on Ray, last but one locally).
"""

from __future__ import annotations

import numpy as np
import pytest

import pregel
from pregel.algorithms.components import connected_components
from pregel.algorithms.pagerank import pagerank
from pregel.algorithms.sssp import sssp
from pregel.io.generate import edge_weights, rmat
from tests.graphs import most_connected

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.usefixtures("ray_session")  # one Ray instance for the module (tests/conftest.py)


@pytest.fixture(scope="module")
def graph() -> pregel.Graph:
    src, dst = rmat(4000, 60000, seed=5)
    return pregel.Graph.from_edges(src, dst, edge_weights(src.size, seed=6))


@pytest.mark.parametrize("api", ["batch", "scalar"])
def test_pagerank_is_bit_identical_on_local_and_ray(graph, api):
    runs = {b: pagerank(graph, tol=0.0, max_supersteps=60, backend=b, workers=4, api=api) for b in ("local", "ray")}
    np.testing.assert_array_equal(runs["ray"].values, runs["local"].values)
    assert runs["ray"].aggregated == runs["local"].aggregated
    # and both are PageRank: scipy's power iteration agrees to rounding
    reference = pagerank(graph, tol=1e-13, backend="scipy")
    np.testing.assert_allclose(runs["local"].values, reference.values, rtol=0, atol=1e-12)


def test_min_combiners_are_bit_identical_on_local_and_ray(graph):
    source = most_connected(graph)
    for algorithm in (lambda **kw: sssp(graph, source, **kw), lambda **kw: connected_components(graph, **kw)):
        local, on_ray = algorithm(workers=3), algorithm(workers=3, backend="ray")
        np.testing.assert_array_equal(on_ray.values, local.values)
        np.testing.assert_array_equal(local.values, algorithm(backend="scipy").values)
