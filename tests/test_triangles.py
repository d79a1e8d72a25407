"""Triangles, transitivity and clustering against hand counts, sparse products (diag A³) and networkx.

Counts exactly equal; the global numbers equal networkx's to 1e-12 (networkx's own
formulas, so the dispatched ones are bitwise equal). Through the Python API, the command
line and networkx's dispatch. Every backend and partition count is in
test_library_backends.py.
"""

from __future__ import annotations

import itertools
import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import pregel
from pregel.algorithms import reference
from pregel.algorithms.triangles import networkx_triangles, networkx_undirected, ranked, triangles
from pregel.cli.main import main
from pregel.io.edges import read_edges
from tests.conftest import GNUTELLA, SHIPPED
from tests.graphs import binary_tree, random_graphs

APIS = ["batch", "scalar"]
REGISTERED = nx.config.backends.get("pregel") is not None
needs_backend = pytest.mark.skipif(not REGISTERED, reason="pregel is not installed as a networkx backend")
pytestmark = pytest.mark.filterwarnings("ignore:Note. conversions to backend graphs are saved to cache")

# K4 {1, 2, 3, 4}, a triangle {4, 5, 6} sharing vertex 4, a pendant 7 on 6, and 8 with only a self-loop
K4_AND_FRIENDS = [*itertools.combinations([1, 2, 3, 4], 2), (4, 5), (5, 6), (6, 4), (6, 7), (8, 8)]
COUNTS = {1: 3, 2: 3, 3: 3, 4: 4, 5: 1, 6: 1, 7: 0, 8: 0}


def _graph(pairs):
    return pregel.Graph.from_edges([a for a, _ in pairs], [b for _, b in pairs])


def _networkx_numbers(g: pregel.Graph) -> tuple[float, float]:
    undirected = networkx_undirected(g)
    return nx.transitivity(undirected), nx.average_clustering(undirected)


# ------------------------------------------------------------------ Python API
@pytest.mark.parametrize("api", APIS)
def test_by_hand(api):
    result = triangles(_graph(K4_AND_FRIENDS), api=api, workers=2)
    assert result.to_dict() == COUNTS
    # blooms, wedges, counts, sums (the scalar twin sends every wedge: no blooms)
    supersteps = 4 if api == "batch" else 3
    assert (result.values.dtype, result.stopped_by, result.supersteps) == (np.int64, "halted", supersteps)
    # 5 triangles; vertex 4 has degree 5 (10 pairs of neighbours), 6 degree 3, the K4 vertices 3 each
    assert result.aggregated["triangles"] == 5
    assert result.aggregated["transitivity"] == 15 / (3 * 3 + 10 + 1 + 3 + 0 + 0)
    clustering = [1, 1, 1, 4 / 10, 1, 1 / 3, 0, 0]
    assert result.aggregated["average_clustering"] == pytest.approx(sum(clustering) / 8, abs=1e-15)


def test_directions_duplicates_and_weights_do_not_count():
    pairs = K4_AND_FRIENDS + [(b, a) for a, b in K4_AND_FRIENDS]
    g = pregel.Graph.from_edges([a for a, _ in pairs], [b for _, b in pairs], np.arange(len(pairs)) + 1.0)
    assert triangles(g).to_dict() == COUNTS
    result = triangles(binary_tree())  # no triangle at all
    assert result.values.tolist() == [0] * 15
    assert (result.aggregated["triangles"], result.aggregated["transitivity"]) == (0, 0)


def test_ranked_numbers_vertices_by_degree():
    g, order = ranked(_graph(K4_AND_FRIENDS))
    # by degree: 8 (0, its self-loop left out), 7 (1), 5 (2), 1, 2, 3, 6 (3 each), 4 (5)
    assert _graph(K4_AND_FRIENDS).ids[order].tolist() == [8, 7, 5, 1, 2, 3, 6, 4]
    assert g.out_degree.tolist() == [0, 1, 2, 3, 3, 3, 3, 5]


@settings(max_examples=40, deadline=None)
@given(random_graphs(min_vertices=1))
def test_random_graphs_equal_the_reference_and_networkx(g):
    expected = networkx_triangles(g)
    check = reference.triangles(g)
    np.testing.assert_array_equal(check.values, expected)
    transitivity, clustering = _networkx_numbers(g)
    for api, workers in [("batch", 1), ("batch", 3), ("scalar", 2)]:
        result = triangles(g, api=api, workers=workers)
        np.testing.assert_array_equal(result.values, expected)
        assert result.aggregated["triangles"] == check.aggregated["triangles"] == expected.sum() // 3
        assert result.aggregated["transitivity"] == pytest.approx(transitivity, abs=1e-12)
        assert result.aggregated["average_clustering"] == pytest.approx(clustering, abs=1e-12)


@pytest.mark.parametrize("path", [SHIPPED, GNUTELLA])
def test_real_graphs_equal_the_reference_and_networkx(path):
    g = read_edges(path)
    result, check = triangles(g, workers=3), reference.triangles(g)
    np.testing.assert_array_equal(result.values, networkx_triangles(g))
    np.testing.assert_array_equal(result.values, check.values)
    assert result.aggregated["triangles"] == check.aggregated["triangles"] > 1000
    for name in ("transitivity", "average_clustering"):
        assert result.aggregated[name] == pytest.approx(check.aggregated[name], abs=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("path", [SHIPPED, GNUTELLA])
def test_real_graphs_global_numbers_equal_networkx(path):
    # networkx's transitivity and average_clustering take seconds here
    g = read_edges(path)
    result = triangles(g)
    transitivity, clustering = _networkx_numbers(g)
    assert result.aggregated["transitivity"] == pytest.approx(transitivity, abs=1e-12)
    assert result.aggregated["average_clustering"] == pytest.approx(clustering, abs=1e-12)


# ------------------------------------------------------------------ command line
EDGES = "".join(f"{a} {b}\n" for a, b in K4_AND_FRIENDS)


@pytest.fixture
def edges(write_edges):
    return str(write_edges(EDGES))


def test_cli_writes_counts_and_says_the_global_numbers(edges, capsys):
    assert main(["triangles", edges, "--check", "--compare", "networkx"]) == 0
    out, err = capsys.readouterr()
    assert out == "".join(f"{v}\t{c}\n" for v, c in COUNTS.items())
    lines = err.splitlines()
    assert lines[0].startswith("triangles: 8 vertices, 11 edges, 4 supersteps")
    assert lines[1] == "triangles: 5 triangles, transitivity 0.652174, average clustering 0.591667"
    assert lines[2:] == [
        "scipy: largest absolute difference 0.000e+00",
        "networkx: largest absolute difference 0.000e+00",
    ]


@pytest.mark.parametrize("flags", [["--api", "scalar"], ["--workers", "3"], ["--backend", "scipy"]])
def test_cli_top_and_quiet(edges, capsys, flags):
    assert main(["triangles", edges, "--top", "2", "--format", "csv", "--quiet", *flags]) == 0
    assert capsys.readouterr() == ("vertex,value\n4,4\n1,3\n", "")


def test_cli_stats_keep_the_global_numbers(edges, tmp_path):
    stats = tmp_path / "stats.json"
    assert main(["triangles", edges, "-o", str(tmp_path / "t.tsv"), "--stats", str(stats), "-q"]) == 0
    last = json.loads(stats.read_text())["stats"][-1]["aggregated"]
    assert (last["triangles"], last["transitivity"]) == (5, 15 / 23)


# ------------------------------------------------------------------ networkx dispatch
def _graphs():
    yield nx.powerlaw_cluster_graph(120, 3, 0.6, seed=1)
    yield nx.gnm_random_graph(80, 300, seed=2)
    g = nx.complete_graph(6)
    g.add_edges_from([(0, 0), (6, 7)])  # a self-loop and a component without triangles
    yield g
    yield nx.Graph([("a", "b"), ("b", "c"), ("c", "a")])


@needs_backend
def test_dispatch_equals_networkx_bit_for_bit():
    for g in _graphs():
        for name in ("triangles", "clustering"):
            ours, theirs = getattr(nx, name)(g, backend="pregel"), getattr(nx, name)(g)
            assert list(ours.items()) == list(theirs.items())
        assert nx.transitivity(g, backend="pregel") == nx.transitivity(g)
        for count_zeros in (True, False):
            ours = nx.average_clustering(g, count_zeros=count_zeros, backend="pregel")
            assert ours == nx.average_clustering(g, count_zeros=count_zeros)
        first = next(iter(g))
        assert nx.triangles(g, first, backend="pregel") == nx.triangles(g, first)
        assert nx.clustering(g, [first, "not a node"], backend="pregel") == nx.clustering(g, [first, "not a node"])


@needs_backend
def test_dispatch_leaves_weights_and_directed_graphs_to_networkx():
    g = nx.complete_graph(4)
    with pytest.raises(NotImplementedError, match="for the given arguments"):
        nx.clustering(g, weight="weight", backend="pregel")
    with pytest.raises(NotImplementedError, match="for the given arguments"):
        nx.average_clustering(nx.complete_graph(4, create_using=nx.DiGraph), backend="pregel")
    with pytest.raises(nx.NetworkXNotImplemented):
        nx.transitivity(nx.MultiGraph(g), backend="pregel")
    assert nx.triangles(nx.MultiGraph(g), backend="pregel") == nx.triangles(nx.MultiGraph(g))
    with pytest.raises(ZeroDivisionError):
        nx.average_clustering(nx.Graph(), backend="pregel")


@needs_backend
@pytest.mark.parametrize("name", ["triangles", "clustering", "average_clustering"])
@pytest.mark.parametrize("nodes", [[0, [1]], 5])
def test_dispatch_refuses_an_nbunch_as_networkx_does(name, nodes):
    # an unhashable member (a list) or a non-iterable non-node: networkx's NetworkXError, not a quiet skip
    g = nx.complete_graph(4)
    with pytest.raises(nx.NetworkXError) as theirs:
        getattr(nx, name)(g, nodes)
    with pytest.raises(nx.NetworkXError) as ours:
        getattr(nx, name)(g, nodes, backend="pregel")
    assert str(ours.value) == str(theirs.value)


@needs_backend
def test_dispatch_on_a_real_graph():
    g = networkx_undirected(read_edges(SHIPPED))
    assert nx.triangles(g, backend="pregel") == nx.triangles(g)


@pytest.mark.parametrize("workers", [1, 3])
def test_wedges_sent_in_chunks_count_the_same(workers):
    from pregel.algorithms.triangles import Triangles, wedge_chunks

    g = pregel.Graph.from_edges(*np.random.default_rng(7).integers(0, 60, size=(2, 600)))
    view, order = ranked(g)
    chunks = wedge_chunks(view, budget=200)
    assert len(chunks) > 5, "several supersteps of wedges"
    result = pregel.run(view, Triangles(chunks=chunks), workers=workers)
    counts = np.empty_like(result.values)
    counts[order] = result.values
    np.testing.assert_array_equal(counts, networkx_triangles(g))
    whole = triangles(g)
    assert result.aggregated == whole.aggregated and whole.supersteps == 4
    assert result.supersteps == 3 * (len(chunks) - 1) + 1
    undirected = networkx_undirected(g)
    assert result.aggregated["transitivity"] == pytest.approx(nx.transitivity(undirected), abs=1e-12)
    assert result.aggregated["average_clustering"] == pytest.approx(nx.average_clustering(undirected), abs=1e-12)


def test_a_vertex_with_more_wedges_than_the_budget_is_a_chunk_of_its_own():
    from pregel.algorithms.triangles import wedge_chunks

    star_and_clique = _graph([*itertools.combinations(range(6), 2), *((0, k) for k in range(10, 30))])
    view, _ = ranked(star_and_clique)
    chunks = wedge_chunks(view, budget=3)
    assert chunks[0] == 0 and chunks[-1] == view.num_vertices and all(np.diff(chunks) > 0)
    from pregel.algorithms.triangles import Triangles

    result = pregel.run(view, Triangles(chunks=chunks))
    assert sorted(result.values.tolist()) == sorted(nx.triangles(networkx_undirected(star_and_clique)).values())


@pytest.mark.parametrize("workers", [1, 3])
def test_without_the_compiled_kernels_the_counts_and_messages_are_the_same(workers, monkeypatch):
    from pregel.core import kernels

    g = pregel.Graph.from_edges(*np.random.default_rng(5).integers(0, 300, size=(2, 3000)))
    compiled = triangles(g, workers=workers, trace=True)
    monkeypatch.setattr(kernels, "_kernels", None)
    fallback = triangles(g, workers=workers, trace=True)
    np.testing.assert_array_equal(fallback.values, compiled.values)
    np.testing.assert_array_equal(fallback.values, networkx_triangles(g))
    assert len(fallback.trace.steps) == len(compiled.trace.steps) == 4
    for ours, theirs in zip(fallback.trace.steps, compiled.trace.steps):
        np.testing.assert_array_equal(ours.targets, theirs.targets)
        np.testing.assert_array_equal(ours.messages, theirs.messages)
