"""The k-core by pruning (topology mutations) against networkx's k_core and against core numbers.

Vertices of degree < k remove themselves round after round; what stays must be exactly
networkx's k-core, with each vertex's degree in it, on every backend, API and partition
count, and the vertices of core number >= k found by the peeling program.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import pregel
from pregel.algorithms.kcore import core_numbers, k_core, networkx_k_core
from pregel.cli.main import main
from pregel.io.edges import read_edges
from tests.conftest import GNUTELLA
from tests.graphs import random_graphs

# a 4-clique {1, 2, 3, 4}, a triangle {5, 6, 7} hanging from it by 4 - 5, a tail 7 - 8 - 9
PAIRS = [(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4), (4, 5), (5, 6), (6, 7), (7, 5), (7, 8), (8, 9)]
GRAPH = pregel.Graph.from_edges([a for a, _ in PAIRS], [b for _, b in PAIRS], vertices=[10])


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        (0, {1: 3, 2: 3, 3: 3, 4: 4, 5: 3, 6: 2, 7: 3, 8: 2, 9: 1, 10: 0}),
        (2, {1: 3, 2: 3, 3: 3, 4: 4, 5: 3, 6: 2, 7: 2}),
        (3, {1: 3, 2: 3, 3: 3, 4: 3}),
        (4, {}),
    ],
)
@pytest.mark.parametrize("workers", [1, 3])
def test_by_hand(workers, k, expected):
    # Ray with 2 workers is in test_mutations.py (the same engine path)
    for api in ("batch", "scalar"):
        result = k_core(GRAPH, k, api=api, workers=workers)
        assert result.to_dict() == expected
        # the graph left is the k-core: both directions of each of its edges
        assert result.graph.num_edges == sum(expected.values())


def test_the_rounds_remove_what_hand_peeling_removes():
    result = k_core(GRAPH, 2)
    # 10 and 9; then 8; then nothing: three rounds, and a fourth in which all halt
    assert [s.aggregated["removed"] for s in result.stats] == [2, 1, 0, 0]
    assert result.supersteps == 4 and result.stopped_by == "halted"


def test_default_k_is_the_main_core_as_networkx():
    assert k_core(GRAPH).to_dict() == {1: 3, 2: 3, 3: 3, 4: 3}
    assert k_core(GRAPH, backend="scipy").to_dict() == {1: 3, 2: 3, 3: 3, 4: 3}


def _without_loops(g: pregel.Graph) -> pregel.Graph:
    src, dst, _ = g.edge_arrays()
    keep = src != dst
    return pregel.Graph.from_edges(src[keep], dst[keep], vertices=g.ids)


@settings(max_examples=25, deadline=None)
@given(random_graphs(min_vertices=0, max_vertices=30, max_edges=90))
def test_random_graphs_equal_networkx_and_the_core_numbers(g):
    g = _without_loops(g)
    cores = core_numbers(g).values
    for k in (1, 2, 3):
        ids, degree = networkx_k_core(g, k)
        ours = k_core(g, k, workers=3)
        np.testing.assert_array_equal(ours.ids, ids)
        np.testing.assert_array_equal(ours.values, degree)
        np.testing.assert_array_equal(ours.ids, g.ids[cores >= k])
        np.testing.assert_array_equal(k_core(g, k, backend="scipy").values, degree)


def test_a_real_graph_equals_the_scipy_peeling():
    # networkx's k_core takes 10 s on this graph; its core numbers are checked in test_kcore.py
    g = read_edges(GNUTELLA)
    for k in (3, 5):
        expected = k_core(g, k, backend="scipy")
        ours = k_core(g, k, workers=2)
        assert expected.ids.size > 100
        np.testing.assert_array_equal(ours.ids, expected.ids)
        np.testing.assert_array_equal(ours.values, expected.values)
        np.testing.assert_array_equal(ours.graph.indices, expected.graph.indices)


def test_string_ids_keep_their_labels():
    g = pregel.Graph.from_edges(["a", "b", "c", "c"], ["b", "c", "a", "d"])
    assert k_core(g, 2).to_dict() == {"a": 2, "b": 2, "c": 2}
    assert k_core(g, 2, backend="scipy").to_dict() == {"a": 2, "b": 2, "c": 2}


def test_bad_k_is_refused():
    for bad in (-1, 1.5, True):
        with pytest.raises(pregel.InputError, match="k must be a non-negative integer"):
            k_core(GRAPH, bad)


def test_cli_writes_the_k_core_and_checks_it(write_edges, capsys):
    path = str(write_edges("".join(f"{a} {b}\n" for a, b in PAIRS)))
    assert main(["kcore", path, "--k", "3", "--check", "--compare", "networkx"]) == 0
    out, err = capsys.readouterr()
    assert out == "1\t3\n2\t3\n3\t3\n4\t3\n"
    assert "scipy: largest absolute difference 0.000e+00" in err
    assert "networkx: largest absolute difference 0.000e+00" in err
    with pytest.raises(SystemExit) as refused:
        main(["kcore", path, "--k", "-2"])
    assert refused.value.code == 2 and "argument --k: must not be negative" in capsys.readouterr().err


def test_networkx_reference_agrees_with_networkx_itself():
    g = nx.gnm_random_graph(60, 200, seed=4)
    graph = pregel.Graph.from_networkx(g)
    ids, _ = networkx_k_core(graph, 4)
    assert ids.tolist() == sorted(nx.k_core(g, 4))
