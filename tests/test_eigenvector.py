"""Eigenvector centrality against scipy's eigensolver and the engine's own invariants."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import pregel
from pregel.algorithms import eigenvector_centrality


def _strongly_connected(seed: int, n: int = 60) -> pregel.Graph:
    """A random digraph with a Hamiltonian cycle through it (strongly connected, so one dominant eigenvector)."""
    rng = np.random.default_rng(seed)
    src = np.concatenate([np.arange(n), rng.integers(0, n, 3 * n)])
    dst = np.concatenate([(np.arange(n) + 1) % n, rng.integers(0, n, 3 * n)])
    keep = src != dst
    pairs = np.unique(np.stack([src[keep], dst[keep]]), axis=1)
    weights = rng.choice([0.5, 1.0, 2.0], pairs.shape[1])
    return pregel.Graph.from_edges(pairs[0] * 3 + 1, pairs[1] * 3 + 1, weights)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_dominant_left_eigenvector_of_the_adjacency_as_scipy_finds_it(weighted, workers):
    graph = _strongly_connected(workers)
    n = graph.num_vertices
    weights = graph.weights if weighted else np.ones(graph.num_edges)
    adjacency = sp.csr_array((weights, graph.indices, graph.indptr), shape=(n, n))
    # A^T x = lambda x: the same vector as the power iteration on A^T + I
    _, vectors = spla.eigs(adjacency.T.astype(np.float64), k=1, which="LR")
    expected = np.abs(vectors[:, 0].real)
    expected /= np.linalg.norm(expected)
    result = eigenvector_centrality(graph, max_iter=10_000, tol=1e-13, weighted=weighted, workers=workers)
    assert result.stopped_by == "master"
    np.testing.assert_allclose(result.values, expected, atol=1e-9)
    assert np.linalg.norm(result.values) == pytest.approx(1.0)


def test_a_start_is_where_the_iteration_begins_and_stops_networkx_stops():
    g = nx.gnp_random_graph(30, 0.1, seed=3, directed=True)
    graph = pregel.Graph.from_edges([u for u, _ in g.edges], [v for _, v in g.edges], vertices=np.arange(30))
    start = {n: 1 + n % 4 for n in g}
    for max_iter in (3, 1000):
        try:
            expected = nx.eigenvector_centrality(g, max_iter=max_iter, nstart=start)
        except nx.PowerIterationFailedConvergence:
            expected = None
        result = eigenvector_centrality(graph, max_iter=max_iter, start=start)
        if expected is None:
            assert result.stopped_by == "max_supersteps"
        else:
            assert result.stopped_by == "master"
            np.testing.assert_allclose(result.values, [expected[i] for i in range(30)], atol=1e-14)


def test_bad_parameters_are_one_input_error():
    graph = pregel.Graph.from_edges([1, 2], [2, 1])
    for start in ({1: 0, 9: 3}, {1: 2.0, 2: -2.0}):
        with pytest.raises(
            pregel.InputError, match="^start must have a positive, finite total over the graph's vertices$"
        ):
            eigenvector_centrality(graph, start=start)
    with pytest.raises(pregel.InputError, match="^max_iter must be an integer >= 0, got 2.5$"):
        eigenvector_centrality(graph, max_iter=2.5)
    with pytest.raises(pregel.InputError, match="^tol must be a number >= 0, got nan$"):
        eigenvector_centrality(graph, tol=float("nan"))
    heavy = pregel.Graph.from_edges([1, 2], [2, 1], [1e150, 1e150])
    with pytest.raises(pregel.InputError, match="^the weights add up past 1e[+]150, where float64 would overflow"):
        eigenvector_centrality(heavy, weighted=True)
    # unweighted, the weights are not read
    assert eigenvector_centrality(heavy).values.tolist() == pytest.approx([2**-0.5, 2**-0.5])
