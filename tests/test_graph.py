"""Graph construction and views, checked against networkx and scipy."""

from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import pregel
from pregel import Graph
from pregel.algorithms.pagerank import PageRank


def edge_set(graph: Graph) -> set:
    src, dst, w = graph.edge_arrays()
    weights = [None] * len(src) if w is None else w.tolist()
    return set(zip(src.tolist(), dst.tolist(), weights))


def test_vertices_are_indexed_in_sorted_id_order():
    g = Graph.from_edges([30, 10, 20], [10, 20, 30])
    assert g.ids.tolist() == [10, 20, 30]
    assert g.indptr.tolist() == [0, 1, 2, 3]
    assert g.ids[g.indices].tolist() == [20, 30, 10]
    assert g.index_of([30, 10]).tolist() == [2, 0]


def test_duplicate_edges_are_merged_keeping_the_smallest_weight():
    g = Graph.from_edges([1, 1, 1, 2], [2, 2, 2, 1], weights=[5.0, 2.0, 7.0, 1.0])
    assert edge_set(g) == {(1, 2, 2.0), (2, 1, 1.0)}
    assert g.duplicates_merged == 2


def test_self_loops_are_kept():
    g = Graph.from_edges([1, 1], [1, 2])
    assert edge_set(g) == {(1, 1, None), (1, 2, None)}
    assert g.out_degree.tolist() == [2, 0]


def test_isolated_vertices_can_be_added():
    g = Graph.from_edges([1], [2], vertices=[7])
    assert g.ids.tolist() == [1, 2, 7]
    assert g.out_degree.tolist() == [1, 0, 0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sources": [1, 2], "targets": [1]}, "differ in length"),
        ({"sources": [1.5], "targets": [1]}, "1.5 is not an integer"),
        ({"sources": ["a"], "targets": [1]}, "targets: vertex ids are integers where the others are strings"),
        ({"sources": ["a", "b"], "targets": ["b"]}, "differ in length"),
        # numpy would make strings of them all: the integer 1 and the label "1" one vertex
        ({"sources": [1, "a"], "targets": ["b", 2]}, r"sources: vertex ids mix strings and other values \(1 and 'a'\)"),
        ({"sources": ("b", "c"), "targets": ("a", 2.5)}, r"targets: .* mix strings and other values \(2.5 and 'a'\)"),
        ({"sources": ["a"], "targets": ["b"], "vertices": ["c", True]}, r"vertices: .* \(True and 'c'\)"),
        ({"sources": np.array([1, "a"], dtype=object), "targets": ["b", "c"]}, r"sources: .* \(1 and 'a'\)"),
        ({"sources": np.array(["a", None], dtype=object), "targets": ["b", "c"]}, r"sources: .* \(None and 'a'\)"),
        ({"sources": [["a", 1]], "targets": [["b", "c"]]}, r"sources: .* \(1 and 'a'\)"),
        # tuple ids would be flattened into two vertices each (and four edges for two): refused
        ({"sources": [(0, 1), (1, 2)], "targets": [(1, 2), (0, 1)]}, r"sources: .* one per edge, not rows of 2"),
        ({"sources": np.zeros((2, 3), dtype=np.int64), "targets": [1, 2]}, r"sources: .* not rows of 3"),
        ({"sources": ["a", "b"], "targets": [("a", "b"), ("b", "c")]}, r"targets: .* not rows of 2"),
        ({"sources": [(0, 1), "a"], "targets": ["b", "c"]}, r"sources: .* neither integers nor strings: \(0, 1\)"),
        ({"sources": [1, 2], "targets": [2, [3, 4]]}, r"targets: .* neither integers nor strings: \[3, 4\]"),
        ({"sources": [1], "targets": [2], "weights": [np.nan]}, "not a finite number"),
        ({"sources": [1], "targets": [2], "weights": [1.0, 2.0]}, "2 entries for 1 edges"),
    ],
)
def test_bad_edge_arrays_raise_input_error(kwargs, message):
    with pytest.raises(pregel.InputError, match=message):
        Graph.from_edges(**kwargs)


@pytest.mark.parametrize(
    ("sources", "targets", "labels"),
    [
        ([np.str_("b"), "a"], ["c", np.str_("a")], ["a", "b", "c"]),
        (np.array(["b", "a"], dtype=object), ("c", "a"), ["a", "b", "c"]),
        ([["b"], ["a"]], [["c"], ["a"]], ["a", "b", "c"]),
        (np.array([3, 1], dtype=object), [2, 1], None),
    ],
)
def test_ids_of_one_kind_still_pass(sources, targets, labels):
    g = Graph.from_edges(sources, targets)
    assert (None if g.labels is None else g.labels.tolist()) == labels
    assert g.original_ids.tolist() == (labels or [1, 2, 3])


def test_unknown_vertex_is_named():
    with pytest.raises(pregel.InputError, match="vertex 4 is not in the graph"):
        Graph.from_edges([1], [2]).index_of([1, 4])


def test_a_result_read_at_an_unknown_vertex_raises_a_key_error_as_a_mapping_does():
    words, numbers = (
        pregel.run(Graph.from_edges(["a"], ["b"]), PageRank),
        pregel.run(Graph.from_edges([1], [2]), PageRank),
    )
    for result, unknown in ((words, "c"), (words, 3), (numbers, 3), (numbers, "c"), (numbers, 1.5)):
        with pytest.raises(KeyError) as raised:
            result[unknown]
        assert isinstance(raised.value, pregel.UnknownVertex) and isinstance(raised.value, pregel.InputError)
        assert str(raised.value).startswith(f"vertex {unknown!r} is not in the graph")
    assert numbers[2.0] == numbers[2]


def test_from_scipy_keeps_every_stored_entry_as_an_edge():
    m = sp.coo_array(([0.0, 2.5, 1.0], ([0, 1, 2], [1, 2, 2])), shape=(4, 4))
    g = Graph.from_scipy(m, ids=[10, 11, 12, 13])
    assert edge_set(g) == {(10, 11, 0.0), (11, 12, 2.5), (12, 12, 1.0)}
    assert g.num_vertices == 4
    np.testing.assert_array_equal(g.to_scipy().toarray(), m.toarray())


def test_from_networkx_directed_and_undirected():
    d = nx.DiGraph()
    d.add_weighted_edges_from([(1, 2, 0.5), (2, 3, 1.5)])
    d.add_node(9)
    g = Graph.from_networkx(d)
    assert edge_set(g) == {(1, 2, 0.5), (2, 3, 1.5)}
    assert g.ids.tolist() == [1, 2, 3, 9]
    u = Graph.from_networkx(nx.Graph([(1, 2)]))
    assert edge_set(u) == {(1, 2, None), (2, 1, None)}


def test_from_networkx_refuses_nodes_neither_integers_nor_strings():
    with pytest.raises(
        pregel.InputError, match=r"vertex id \(0, 0\) is not an integer \(vertices are named by integers or"
    ):
        Graph.from_networkx(nx.grid_2d_graph(2, 2))


@pytest.mark.parametrize("bad", ["heavy", None, [1.0]])
def test_from_networkx_names_an_edge_whose_weight_is_not_a_number(bad):
    g = nx.DiGraph([("a", "b", {"weight": 2.0}), ("b", "c", {"weight": bad})])
    with pytest.raises(pregel.InputError, match=rf"edge \('b', 'c'\): weight {re.escape(repr(bad))} is not a number"):
        Graph.from_networkx(g)


edges = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(-5, 5)), max_size=60)


@settings(max_examples=60, deadline=None)
@given(edges)
def test_graph_matches_networkx(edge_list):
    src = [e[0] for e in edge_list]
    dst = [e[1] for e in edge_list]
    w = [float(e[2]) for e in edge_list]
    g = Graph.from_edges(src, dst, w)
    reference = nx.DiGraph()
    for s, t, weight in zip(src, dst, w):
        if not reference.has_edge(s, t) or reference[s][t]["weight"] > weight:
            reference.add_edge(s, t, weight=weight)
    assert edge_set(g) == {(s, t, d["weight"]) for s, t, d in reference.edges(data=True)}
    assert g.ids.tolist() == sorted(reference.nodes)
    assert g.out_degree.tolist() == [reference.out_degree(v) for v in sorted(reference.nodes)]
    assert edge_set(g.reverse()) == {(t, s, d["weight"]) for s, t, d in reference.edges(data=True)}
    undirected = {}
    for s, t, d in reference.edges(data=True):
        for a, b in ((s, t), (t, s)):
            undirected[(a, b)] = min(undirected.get((a, b), np.inf), d["weight"])
    assert edge_set(g.to_undirected()) == {(a, b, weight) for (a, b), weight in undirected.items()}
    assert nx.utils.graphs_equal(g.to_networkx(), reference) if edge_list else g.num_vertices == 0
