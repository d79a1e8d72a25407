"""Each built-in algorithm's vectorised program equals its scalar twin and the scipy reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pregel
from pregel.algorithms.components import connected_components
from pregel.algorithms.pagerank import pagerank
from pregel.algorithms.sssp import sssp
from pregel.io.edges import read_edges
from pregel.io.generate import binary_tree, edge_weights, lognormal, rmat
from tests.conftest import SHIPPED

APIS = ("batch", "scalar")


@st.composite
def graphs(draw, weighted: bool = False) -> pregel.Graph:
    """Small graphs with the awkward cases: one vertex, isolated and dangling vertices, loops, repeats."""
    n = draw(st.integers(1, 25))
    ids = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True))
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=80))
    src = [a for a, _ in pairs]
    dst = [b for _, b in pairs]
    weights = draw(st.lists(st.integers(0, 9), min_size=len(pairs), max_size=len(pairs))) if weighted else None
    return pregel.Graph.from_edges(src, dst, weights, vertices=ids)


def _pagerank_all(graph: pregel.Graph, workers: int) -> dict[str, pregel.Result]:
    out = {api: pagerank(graph, tol=1e-12, api=api, workers=workers) for api in APIS}
    out["scipy"] = pagerank(graph, tol=1e-12, backend="scipy")
    return out


def _check_pagerank(results: dict[str, pregel.Result]) -> None:
    batch, scalar, reference = results["batch"], results["scalar"], results["scipy"]
    # the twins hand the partition the same numbers in the same order: bit for bit equal
    np.testing.assert_array_equal(batch.values, scalar.values)
    assert batch.supersteps == scalar.supersteps
    np.testing.assert_allclose(batch.values, reference.values, rtol=0, atol=1e-12)
    assert abs(batch.supersteps - reference.supersteps) <= 1
    assert abs(batch.values.sum() - 1) < 1e-12


def _check_exact(results: dict[str, pregel.Result]) -> None:
    for api in APIS:
        np.testing.assert_array_equal(results[api].values, results["scipy"].values)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=graphs(), workers=st.integers(1, 3))
def test_pagerank_twins_on_any_graph(graph, workers):
    _check_pagerank(_pagerank_all(graph, workers))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=graphs(weighted=True), workers=st.integers(1, 3), pick=st.integers(0, 10**6))
def test_sssp_twins_on_any_graph(graph, workers, pick):
    source = int(graph.ids[pick % graph.num_vertices])
    results = {api: sssp(graph, source, api=api, workers=workers) for api in APIS}
    results["scipy"] = sssp(graph, source, backend="scipy")
    _check_exact(results)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=graphs(), workers=st.integers(1, 3))
def test_components_twins_on_any_graph(graph, workers):
    results = {api: connected_components(graph, api=api, workers=workers) for api in APIS}
    results["scipy"] = connected_components(graph, backend="scipy")
    _check_exact(results)


def _generated(kind: str) -> pregel.Graph:
    if kind == "rmat":
        return pregel.Graph.from_edges(*rmat(2000, 32000, seed=11))
    if kind == "lognormal":
        return pregel.Graph.from_edges(*lognormal(2000, 32000, seed=12))
    src, dst = binary_tree(4000)
    return pregel.Graph.from_edges(src, dst, edge_weights(src.size, seed=13))


@pytest.mark.parametrize("kind", ["rmat", "lognormal", "tree"])
@pytest.mark.parametrize("workers", [1, 2])
def test_twins_on_generated_graphs(kind, workers):
    graph = _generated(kind)
    _check_pagerank(_pagerank_all(graph, workers))
    source = int(graph.ids[0])
    results = {api: sssp(graph, source, api=api, workers=workers) for api in APIS}
    results["scipy"] = sssp(graph, source, backend="scipy")
    _check_exact(results)
    results = {api: connected_components(graph, api=api, workers=workers) for api in APIS}
    results["scipy"] = connected_components(graph, backend="scipy")
    _check_exact(results)


def test_twins_on_wiki_vote():
    graph = read_edges(SHIPPED)
    results = _pagerank_all(graph, workers=2)
    _check_pagerank(results)
    source = 3
    results = {api: sssp(graph, source, api=api) for api in APIS}
    results["scipy"] = sssp(graph, source, backend="scipy")
    _check_exact(results)
