"""PageRank on the engine against the scipy power iteration, networkx, and hand computation.

The hand-made graphs on every backend, API and partition count are in test_twins.py.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import pregel
from pregel.algorithms import reference
from pregel.algorithms.pagerank import pagerank
from tests.conftest import GNUTELLA, SHIPPED
from tests.graphs import hand_made, random_graphs


def test_by_hand_three_vertices_one_dangling():
    # 1 → 2, 1 → 3, 2 → 3; vertex 3 is dangling. Solve the linear system exactly:
    # r = (1-d)/3 + d * (M r + r3/3), with M the link matrix.
    d = 0.85
    m = np.array([[0, 0, 0], [0.5, 0, 0], [0.5, 1, 0]])
    dangling = np.array([0, 0, 1.0])
    a = np.eye(3) - d * (m + np.outer(np.ones(3), dangling) / 3)
    exact = np.linalg.solve(a, np.full(3, (1 - d) / 3))
    ours = pagerank(hand_made("dangling"), tol=1e-14)
    np.testing.assert_allclose(ours.values, exact, atol=1e-12)


def test_damping_zero_gives_uniform_ranks_after_one_step():
    result = pagerank(hand_made("dangling"), damping=0.0)
    np.testing.assert_allclose(result.values, 1 / 3)
    assert result.supersteps == 2  # superstep 0 sends, superstep 1 changes nothing


def test_max_supersteps_reached_is_reported():
    result = pagerank(pregel.io.edges.read_edges(SHIPPED), tol=0.0, max_supersteps=5)
    assert result.stopped_by == "max_supersteps"
    assert result.supersteps == 5
    assert result.aggregated["delta"] > 0


@pytest.mark.parametrize("api", ["batch", "scalar"])
def test_tol_zero_stops_once_the_ranks_no_longer_change(api):
    """A cycle: uniform ranks from the start, so the first change is exactly 0 (tol=0 ran to max_supersteps)."""
    result = pagerank(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]), tol=0.0, api=api)
    assert (result.stopped_by, result.supersteps, result.aggregated["delta"]) == ("master", 2, 0)
    check = reference.pagerank(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]), tol=0.0)
    assert (check.stopped_by, check.supersteps) == ("master", 2)
    np.testing.assert_array_equal(result.values, np.full(3, 1 / 3))


@settings(max_examples=40, deadline=None)
@given(random_graphs())
def test_random_graphs_match_scipy(g):
    ref = reference.pagerank(g, tol=1e-12)
    for api, workers in [("batch", 1), ("batch", 3), ("scalar", 2)]:
        ours = pagerank(g, tol=1e-12, api=api, workers=workers)
        assert np.abs(ours.values - ref.values).max() <= 1e-9


@pytest.mark.parametrize("path", [SHIPPED, GNUTELLA])
def test_real_graphs_match_scipy_and_networkx(path):
    g = pregel.io.edges.read_edges(path)
    ours = pagerank(g, tol=1e-12, workers=2)
    ref = reference.pagerank(g, tol=1e-12)
    assert np.abs(ours.values - ref.values).max() <= 1e-9
    nx_ranks = nx.pagerank(g.to_networkx(weights=False), tol=1e-12 / g.num_vertices, max_iter=1000)
    assert max(abs(ours[v] - r) for v, r in nx_ranks.items()) <= 1e-9


def test_scalar_twin_on_a_real_graph():
    g = pregel.io.edges.read_edges(SHIPPED)
    batch = pagerank(g, tol=1e-12)
    scalar = pagerank(g, tol=1e-12, api="scalar", workers=3)
    assert np.abs(batch.values - scalar.values).max() <= 1e-12
    assert batch.supersteps == scalar.supersteps


@pytest.mark.parametrize(("kwargs", "message"), [({"damping": 1.0}, "damping"), ({"tol": -1.0}, "tol")])
def test_bad_parameters(kwargs, message):
    with pytest.raises(pregel.InputError, match=message):
        pagerank(hand_made("dangling"), **kwargs)


def test_accepts_networkx_and_paths():
    g = nx.DiGraph([(1, 2), (2, 3), (3, 1)])
    assert pagerank(g)[1] == pytest.approx(1 / 3)
    assert pagerank(str(SHIPPED), max_supersteps=3).values.size == 7115
