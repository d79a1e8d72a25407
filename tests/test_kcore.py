"""Core numbers against hand-peeled graphs, the sparse-matrix peeling reference and networkx: exactly equal.

Through the Python API, the command line and networkx's dispatch. Every backend and
partition count is in test_library_backends.py.
"""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import pregel
from pregel.algorithms import reference
from pregel.algorithms.kcore import core_numbers, networkx_core_numbers, undirected_counts
from pregel.cli.main import main
from pregel.io.edges import read_edges
from tests.conftest import GNUTELLA, SHIPPED
from tests.graphs import binary_tree, random_graphs

APIS = ["batch", "scalar"]
REGISTERED = nx.config.backends.get("pregel") is not None
needs_backend = pytest.mark.skipif(not REGISTERED, reason="pregel is not installed as a networkx backend")
pytestmark = pytest.mark.filterwarnings("ignore:Note. conversions to backend graphs are saved to cache")


def _graph(pairs, vertices=None):
    return pregel.Graph.from_edges([a for a, _ in pairs], [b for _, b in pairs], vertices=vertices)


# a 4-clique {1, 2, 3, 4}, a triangle {5, 6, 7} hanging from it by 4 - 5, a tail 7 - 8 - 9, and 10 alone
CLIQUE_AND_FRIENDS = [(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4), (4, 5), (5, 6), (6, 7), (7, 5), (7, 8), (8, 9)]
CORES = {1: 3, 2: 3, 3: 3, 4: 3, 5: 2, 6: 2, 7: 2, 8: 1, 9: 1, 10: 0}


# ------------------------------------------------------------------ Python API
@pytest.mark.parametrize("api", APIS)
def test_by_hand(api):
    result = core_numbers(_graph(CLIQUE_AND_FRIENDS, vertices=[10]), api=api, workers=2)
    assert result.to_dict() == CORES
    assert (result.values.dtype, result.stopped_by) == (np.int64, "halted")


def test_directions_and_weights_do_not_count():
    # the same edges turned around, doubled in both directions and weighted: the same undirected graph
    pairs = [(b, a) for a, b in CLIQUE_AND_FRIENDS] + CLIQUE_AND_FRIENDS
    g = pregel.Graph.from_edges([a for a, _ in pairs], [b for _, b in pairs], np.arange(len(pairs)) + 0.5, [10])
    assert core_numbers(g).to_dict() == CORES
    assert core_numbers(binary_tree()).values.tolist() == [1] * 15


def test_levels_rise_as_master_compute_says():
    result = core_numbers(_graph(CLIQUE_AND_FRIENDS, vertices=[10]))
    # each superstep's level is the one master compute announced for the next superstep
    levels = [0] + [s.aggregated["level"] for s in result.stats][:-1]
    left = [s.aggregated["left"] for s in result.stats]
    # 10 at level 0; 9, then 8 at level 1; 6 and 7, then 5 at level 2; the clique at 3 (then its mail wakes it)
    assert list(zip(levels, left)) == [(0, 1), (0, 0), (1, 1), (1, 1), (1, 0), (2, 2), (2, 1), (2, 0), (3, 4), (3, 0)]
    assert all(type(level) is int for level in levels)  # plain numbers, as --stats writes them


def test_self_loops_are_refused_as_networkx_refuses_them():
    with pytest.raises(pregel.InputError, match="vertex 2 has a self-loop .1 in all.: core numbers are not defined"):
        core_numbers(pregel.Graph.from_edges([1, 2], [2, 2]))


def test_max_supersteps_leaves_minus_one_where_not_peeled():
    result = core_numbers(_graph(CLIQUE_AND_FRIENDS, vertices=[10]), max_supersteps=3)
    assert result.to_dict() == {**dict.fromkeys(range(1, 9), -1), 9: 1, 10: 0}
    assert result.stopped_by == "max_supersteps"


def test_levels_survive_a_checkpoint(tmp_path):
    g = read_edges(SHIPPED)
    whole = core_numbers(g)
    core_numbers(g, max_supersteps=120, checkpoint_dir=tmp_path, checkpoint_every=50)
    resumed = core_numbers(g, checkpoint_dir=tmp_path, checkpoint_every=50, resume=True)
    np.testing.assert_array_equal(resumed.values, whole.values)
    assert resumed.recoveries and resumed.supersteps == whole.supersteps


def _without_loops(g: pregel.Graph) -> pregel.Graph:
    src, dst, _ = g.edge_arrays()
    keep = src != dst
    return pregel.Graph.from_edges(src[keep], dst[keep], vertices=g.ids)


@settings(max_examples=40, deadline=None)
@given(random_graphs(min_vertices=0))
def test_random_graphs_equal_the_reference_and_networkx(g):
    g = _without_loops(g)
    expected = networkx_core_numbers(g)
    np.testing.assert_array_equal(reference.core_numbers(undirected_counts(g)).values, expected)
    for api, workers in [("batch", 1), ("batch", 3), ("scalar", 2)]:
        np.testing.assert_array_equal(core_numbers(g, api=api, workers=workers).values, expected)


@pytest.mark.parametrize("path", [SHIPPED, GNUTELLA])
def test_real_graphs_equal_the_reference_and_networkx(path):
    g = read_edges(path)
    ours = core_numbers(g, workers=3)
    np.testing.assert_array_equal(ours.values, networkx_core_numbers(g))
    np.testing.assert_array_equal(ours.values, core_numbers(g, backend="scipy").values)
    assert ours.values.max() >= 6  # deep enough to have peeled many levels


# ------------------------------------------------------------------ command line
EDGES = "".join(f"{a} {b}\n" for a, b in CLIQUE_AND_FRIENDS)


@pytest.fixture
def edges(write_edges):
    return str(write_edges(EDGES))


def test_cli_writes_core_numbers_and_checks_them(edges, capsys):
    assert main(["kcore", edges, "--check", "--compare", "networkx"]) == 0
    out, err = capsys.readouterr()
    assert out == "".join(f"{v}\t{c}\n" for v, c in CORES.items() if v != 10)
    assert "scipy: largest absolute difference 0.000e+00" in err
    assert "networkx: largest absolute difference 0.000e+00" in err


@pytest.mark.parametrize("flags", [["--api", "scalar"], ["--workers", "3"], ["--backend", "scipy"], ["--undirected"]])
def test_cli_top_lists_the_deepest_vertices(edges, capsys, flags):
    assert main(["kcore", edges, "--top", "5", "--format", "csv", "--quiet", *flags]) == 0
    assert capsys.readouterr().out == "vertex,value\n1,3\n2,3\n3,3\n4,3\n5,2\n"


def test_cli_stats_keep_the_levels(edges, tmp_path):
    stats = tmp_path / "stats.json"
    assert main(["kcore", edges, "-o", str(tmp_path / "cores.tsv"), "--stats", str(stats), "-q"]) == 0
    levels = [s["aggregated"]["level"] for s in json.loads(stats.read_text())["stats"]]
    assert levels == [1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_cli_refuses_self_loops(write_edges, tmp_path, capsys):
    path = write_edges("1 2\n2 3\n3 3\n")
    out = tmp_path / "cores.tsv"
    assert main(["kcore", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pregel: error: {path}: vertex 3 has a self-loop") and err.count("\n") == 1
    assert not out.exists()


# ------------------------------------------------------------------ networkx dispatch
@needs_backend
def test_dispatch_core_number_equals_networkx():
    graphs = [nx.barabasi_albert_graph(120, 3, seed=1), nx.gnm_random_graph(80, 300, seed=2), nx.empty_graph(3)]
    graphs += [nx.gnm_random_graph(80, 300, seed=3, directed=True)]
    for g in graphs:
        ours = nx.core_number(g, backend="pregel")
        assert list(ours.items()) == list(nx.core_number(g).items())


@needs_backend
def test_dispatch_counts_opposite_directed_edges_twice_as_networkx_does():
    g = nx.DiGraph([(1, 2), (2, 1), (2, 3)])
    assert nx.core_number(g, backend="pregel") == nx.core_number(g) == {1: 2, 2: 2, 3: 1}
    # the command line and core_numbers() take the undirected graph: 1 - 2 is one edge
    assert core_numbers(pregel.Graph.from_edges([1, 2, 2], [2, 1, 3])).to_dict() == {1: 1, 2: 1, 3: 1}


@needs_backend
def test_dispatch_errors_are_networkx_errors():
    with pytest.raises(nx.NetworkXNotImplemented, match="self loops"):
        nx.core_number(nx.Graph([(1, 1), (1, 2)]), backend="pregel")
    with pytest.raises(nx.NetworkXNotImplemented):
        nx.core_number(nx.MultiGraph([(1, 2)]), backend="pregel")


@needs_backend
def test_dispatch_on_a_real_graph():
    g = read_edges(SHIPPED).to_networkx(weights=False)
    assert nx.core_number(g, backend="pregel") == nx.core_number(g)


@needs_backend
def test_dispatch_k_core_equals_networkx_with_its_attributes():
    g = nx.barabasi_albert_graph(120, 3, seed=4)
    g.graph["name"] = "ba"
    nx.set_node_attributes(g, {v: f"node {v}" for v in g}, "label")
    nx.set_edge_attributes(g, {e: {"colour": "red", "w": k} for k, e in enumerate(g.edges)})
    directed = nx.gnm_random_graph(80, 400, seed=5, directed=True)
    cores = nx.core_number(g)
    calls = [(g, {}), (g, {"k": 2}), (g, {"k": 99}), (directed, {}), (directed, {"k": 3})]
    # a core_number given is used as it is, even one that is not the graph's
    calls += [(g, {"core_number": dict(reversed(list(cores.items())))}), (g, {"k": 1, "core_number": {0: 1, 5: 3}})]
    for graph, kwargs in calls:
        ours, theirs = nx.k_core(graph, backend="pregel", **kwargs), nx.k_core(graph, **kwargs)
        assert type(ours) is type(theirs) and ours.graph == theirs.graph
        assert list(ours.nodes(data=True)) == list(theirs.nodes(data=True))
        assert list(ours.edges(data=True)) == list(theirs.edges(data=True))
    assert nx.k_core(g, backend="pregel").number_of_nodes() > 0, "the main core is not empty"


@needs_backend
def test_dispatch_k_core_errors_are_networkx_errors():
    with pytest.raises(nx.NetworkXNotImplemented, match="self loops"):
        nx.k_core(nx.Graph([(1, 1), (1, 2)]), backend="pregel")
    with pytest.raises(nx.NetworkXNotImplemented):
        nx.k_core(nx.MultiGraph([(1, 2)]), backend="pregel")
    with pytest.raises(ValueError):
        nx.k_core(nx.Graph(), backend="pregel")
    with pytest.raises(ValueError):
        nx.k_core(nx.Graph())
