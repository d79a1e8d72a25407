"""Shortest paths on the engine against scipy.sparse.csgraph, networkx, and hand computation: exactly equal.

The hand-made graphs on every backend, API and partition count are in test_twins.py.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pregel
from pregel.algorithms import reference
from pregel.algorithms.sssp import ShortestPaths, ShortestPathsVertex, networkx_sssp, sssp
from tests.conftest import GNUTELLA, SHIPPED
from tests.graphs import hand_made, random_graphs

APIS = ["batch", "scalar"]


def test_by_hand():
    # 1 -1-> 2 -1-> 3 -1-> 4, 1 -4-> 3, 2 -5-> 4 ; 9 unreachable
    g = pregel.Graph.from_edges([1, 2, 3, 1, 2, 9], [2, 3, 4, 3, 4, 9], [1.0, 1.0, 1.0, 4.0, 5.0, 1.0])
    assert sssp(g, 1).to_dict() == {1: 0.0, 2: 1.0, 3: 2.0, 4: 3.0, 9: np.inf}
    assert sssp(g, 3).to_dict() == {1: np.inf, 2: np.inf, 3: 0.0, 4: 1.0, 9: np.inf}


def test_unweighted_edges_count_one():
    g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 4])
    assert sssp(g, 1, api="scalar").values.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_negative_weights_without_cycle():
    g = hand_made("zero_and_negative")
    assert sssp(g, 1).to_dict() == {1: 0.0, 2: 0.0, 3: 5.0, 4: -1.0}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("backend", ["local", "scipy"])
def test_reachable_negative_cycle_is_an_error(api, backend):
    g = pregel.Graph.from_edges([1, 2, 3, 4], [2, 3, 2, 5], [1.0, -2.0, 1.0, 1.0])
    with pytest.raises(pregel.NegativeCycleError, match="reachable from source vertex 1"):
        sssp(g, 1, api=api, backend=backend)
    # the same cycle is harmless from a source that cannot reach it
    np.testing.assert_array_equal(sssp(g, 4, api=api, backend=backend).values, [np.inf] * 3 + [0.0, 1.0])


@pytest.mark.parametrize("program", [ShortestPaths, ShortestPathsVertex])
def test_both_programs_start_at_every_source_and_only_at_ids_of_vertices(program):
    g = pregel.Graph.from_edges([1, 2, 1], [2, 3, 3], [1.0, 1.0, 3.0])
    assert pregel.run(g, program(sources=(1, 3))).to_dict() == {1: 0.0, 2: 1.0, 3: 0.0}
    assert pregel.run(g, program(source=2, sources=(3,))).to_dict() == {1: np.inf, 2: 0.0, 3: 0.0}
    # 1.5 and 2**40 are no vertex's id: refused before superstep 0, each named (not a run where nothing starts)
    with pytest.raises(
        pregel.InputError, match=r"source vertex 1\.5 is not in the graph \(its vertices are named by integers\)"
    ):
        pregel.run(g, program(source=1.5))
    with pytest.raises(pregel.InputError, match=f"sources vertex {2**40} is not in the graph"):
        pregel.run(g, program(source=1, sources=(2**40,)))
    cycle = pregel.Graph.from_edges([1, 2, 3, 4], [2, 3, 2, 5], [1.0, -2.0, 1.0, 1.0])
    with pytest.raises(pregel.NegativeCycleError, match="reachable from source vertices 4, 1$"):
        pregel.run(cycle, program(sources=(4, 1)))


def test_negative_self_loop_is_a_negative_cycle():
    with pytest.raises(pregel.NegativeCycleError):
        sssp(pregel.Graph.from_edges([1], [1], [-1.0]), 1)


def test_unknown_source():
    with pytest.raises(pregel.InputError, match="source vertex 99 is not in the graph"):
        sssp(hand_made("dangling"), 99)


@settings(max_examples=40, deadline=None)
@given(random_graphs(weights="real"), st.data())
def test_random_graphs_equal_scipy(g, data):
    source = data.draw(st.sampled_from(g.ids.tolist()))
    expected = reference.sssp(g, source).values
    for api, workers in [("batch", 1), ("batch", 3), ("scalar", 2)]:
        np.testing.assert_array_equal(sssp(g, source, api=api, workers=workers).values, expected)


@settings(max_examples=25, deadline=None)
@given(random_graphs(max_vertices=12, max_edges=30, weights="signed"), st.data())
def test_random_signed_weights_agree_with_networkx_including_cycles(g, data):
    source = data.draw(st.sampled_from(g.ids.tolist()))
    try:
        expected = networkx_sssp(g, source)
    except pregel.NegativeCycleError:
        with pytest.raises(pregel.NegativeCycleError):
            sssp(g, source, workers=2)
        return
    np.testing.assert_array_equal(sssp(g, source, workers=2).values, expected)


@pytest.mark.parametrize("path", [SHIPPED, GNUTELLA])
def test_real_graphs_equal_scipy_and_networkx(path):
    g = pregel.io.edges.read_edges(path)
    source = int(g.ids[np.argmax(g.out_degree)])
    ours = sssp(g, source, workers=2)
    np.testing.assert_array_equal(ours.values, reference.sssp(g, source).values)
    lengths = nx.single_source_shortest_path_length(g.to_networkx(), source)
    assert {v: d for v, d in ours.to_dict().items() if np.isfinite(d)} == {v: float(d) for v, d in lengths.items()}
