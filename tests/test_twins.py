"""Each built-in algorithm, in both APIs, on every backend and partition count, equals the scipy
reference and networkx; the vectorised program equals its scalar twin on random graphs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pregel
from pregel.algorithms.components import connected_components, networkx_components
from pregel.algorithms.pagerank import networkx_pagerank, pagerank
from pregel.algorithms.sssp import networkx_sssp, sssp
from pregel.io.edges import read_edges
from pregel.io.generate import binary_tree, edge_weights, lognormal, rmat
from tests.conftest import SHIPPED
from tests.graphs import HAND_MADE, hand_made, most_connected, random_graphs

APIS = ("batch", "scalar")


def run_algorithm(algorithm: str, graph: pregel.Graph, source: int | None, **options) -> pregel.Result:
    if algorithm == "pagerank":
        return pagerank(graph, tol=1e-12, **options)
    if algorithm == "sssp":
        return sssp(graph, source, **options)
    return connected_components(graph, **options)


def _pagerank_equals_scipy_and_networkx(graph: pregel.Graph, ours: pregel.Result, source: None) -> None:
    reference = pagerank(graph, tol=1e-12, backend="scipy")
    assert np.abs(ours.values - reference.values).max() <= 1e-12
    assert np.abs(ours.values - networkx_pagerank(graph, tol=1e-12)).max() <= 1e-9
    assert ours.values.sum() == pytest.approx(1.0, abs=1e-12)
    assert (ours.supersteps, ours.stopped_by) == (reference.supersteps, "master")  # it converged
    assert ours.values.dtype == np.float64


def _sssp_equals_scipy_and_networkx(graph: pregel.Graph, ours: pregel.Result, source: int) -> None:
    np.testing.assert_array_equal(ours.values, sssp(graph, source, backend="scipy").values)
    np.testing.assert_array_equal(ours.values, networkx_sssp(graph, source))
    assert (ours.stopped_by, ours.values.dtype) == ("halted", np.float64)


def _components_equal_scipy_and_networkx(graph: pregel.Graph, ours: pregel.Result, source: None) -> None:
    np.testing.assert_array_equal(ours.values, connected_components(graph, backend="scipy").values)
    np.testing.assert_array_equal(ours.values, networkx_components(graph))
    assert ours.values.dtype == np.int64


CHECKS = {
    "pagerank": _pagerank_equals_scipy_and_networkx,
    "sssp": _sssp_equals_scipy_and_networkx,
    "cc": _components_equal_scipy_and_networkx,
}


@pytest.mark.parametrize("algorithm", CHECKS)
@pytest.mark.parametrize("name", sorted(HAND_MADE))
def test_hand_made_graphs_equal_scipy_and_networkx(engine_api, name, algorithm):
    graph = hand_made(name)
    # shortest paths from the smallest id and from the vertex that reaches the most
    sources = sorted({int(graph.ids[0]), most_connected(graph)}) if algorithm == "sssp" else [None]
    for source in sources:
        ours = run_algorithm(algorithm, graph, source, **engine_api.options)
        CHECKS[algorithm](graph, ours, source)
        if algorithm == "cc" and engine_api.api == "batch":
            # the batch program joins each partition's vertices first: its supersteps follow the partitions, and
            # master compute ends the run once nothing is sent
            assert ours.stopped_by == "master"
            continue
        if algorithm == "cc":
            assert ours.stopped_by == "halted"
        # which vertices compute and how many messages they send depend on neither the
        # backend nor the partition count
        alone = run_algorithm(algorithm, graph, source, api=engine_api.api)
        assert [(s.active, s.messages_sent) for s in ours.stats] == [(s.active, s.messages_sent) for s in alone.stats]


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
@given(graph=random_graphs(), workers=st.integers(1, 3))
def test_pagerank_twins_on_any_graph(graph, workers):
    _check_pagerank(_pagerank_all(graph, workers))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=random_graphs(weights="positive"), workers=st.integers(1, 3), pick=st.integers(0, 10**6))
def test_sssp_twins_on_any_graph(graph, workers, pick):
    source = int(graph.ids[pick % graph.num_vertices])
    results = {api: sssp(graph, source, api=api, workers=workers) for api in APIS}
    results["scipy"] = sssp(graph, source, backend="scipy")
    _check_exact(results)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=random_graphs(min_vertices=0), workers=st.integers(1, 3))
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
