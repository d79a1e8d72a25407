"""``Vertex.send_message_along``: a message along an out-edge by its number, on every route of the scalar API."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel import Min, Sum, Vertex
from pregel.compiler import compile_vertex


class Doubling(Vertex):
    """Superstep 0: every vertex sends 2 * id along its even-numbered edges and id along the odd ones."""

    combiner = Sum
    initial_value = 0.0

    def compute(self, messages):
        if self.superstep == 0:
            k = 0
            while k < self.out_degree:
                if k % 2 == 0:
                    self.send_message_along(k, 2.0 * self.id)
                else:
                    self.send_message_along(k, 1.0 * self.id)
                k += 1
        else:
            self.value = messages or 0.0
        self.vote_to_halt()


def expected(graph: pregel.Graph) -> dict[int, float]:
    sums = dict.fromkeys(graph.ids.tolist(), 0.0)
    for i, vertex in enumerate(graph.ids.tolist()):
        for k, j in enumerate(graph.indices[graph.indptr[i] : graph.indptr[i + 1]].tolist()):
            sums[int(graph.ids[j])] += (2.0 if k % 2 == 0 else 1.0) * vertex
    return sums


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("compiled", [True, False])
def test_messages_go_along_the_numbered_edge(workers, compiled):
    rng = np.random.default_rng(3)
    graph = pregel.Graph.from_edges(rng.integers(0, 50, 400), rng.integers(0, 50, 400))
    assert compile_vertex(Doubling).loop is not None
    result = pregel.run(graph, Doubling(compiled=compiled), workers=workers)
    assert result.to_dict() == pytest.approx(expected(graph), rel=1e-15)


class Relax(Vertex):
    """Shortest paths, relaxing along edges by number (what the scalar SSSP twin does)."""

    combiner = Min
    initial_value = float("inf")
    source = 0

    def compute(self, messages):
        best = 0.0 if self.superstep == 0 and self.id == self.source else (messages or float("inf"))
        if best < self.value:
            self.value = best
            for edge, weight in enumerate(self.out_edges[1]):
                self.send_message_along(edge, best + weight)
        self.vote_to_halt()


def test_shortest_paths_along_edges_equal_networkx():
    g = nx.gnm_random_graph(300, 1500, seed=4, directed=True)
    rng = np.random.default_rng(5)
    for u, v in g.edges:
        g.edges[u, v]["weight"] = float(rng.integers(1, 20))
    graph = pregel.Graph.from_networkx(g, weight="weight")
    ours = pregel.run(graph, Relax, workers=2).to_dict()
    theirs = nx.single_source_dijkstra_path_length(g, 0)
    assert {v: d for v, d in ours.items() if d < float("inf")} == pytest.approx(theirs)
    assert all(ours[v] == float("inf") for v in g if v not in theirs)


class Overreach(Vertex):
    def compute(self, messages):
        self.send_message_along(self.out_degree, 1.0)
        self.vote_to_halt()


@pytest.mark.parametrize("compiled", [True, False])
def test_an_edge_number_past_the_out_degree_names_the_vertex(compiled):
    graph = pregel.Graph.from_edges([7, 7], [8, 9])
    with pytest.raises(pregel.PregelError, match=r"vertex 7 called send_message_along\(2, ...\) but has 2 out-edges"):
        pregel.run(graph, Overreach(compiled=compiled))


class FirstEdge(Vertex):
    """Arithmetic only, so it runs over arrays: each vertex sends its value along its first out-edge."""

    combiner = Sum
    initial_value = 1.0

    def compute(self, messages):
        if self.superstep < 3:
            if messages is not None:
                self.value = self.value + messages
            if self.out_degree > 0:
                self.send_message_along(0, self.value * 0.5)
        else:
            self.vote_to_halt()


def test_the_array_route_equals_the_loop_and_a_hand_run():
    rng = np.random.default_rng(8)
    graph = pregel.Graph.from_edges(rng.integers(0, 3000, 9000), rng.integers(0, 3000, 9000))
    assert compile_vertex(FirstEdge).vectorised is not None
    arrays = pregel.run(graph, FirstEdge, workers=2)
    loop = pregel.run(graph, FirstEdge(vectorised=False), workers=2)
    np.testing.assert_array_equal(arrays.values, loop.values)
    # by hand: the first out-edge of row i is indices[indptr[i]]
    values = np.ones(graph.num_vertices)
    first = graph.indices[graph.indptr[:-1][np.diff(graph.indptr) > 0]]
    senders = np.flatnonzero(np.diff(graph.indptr) > 0)
    # sent in supersteps 0, 1 and 2; read in 1 and 2 (superstep 3 only halts)
    for _ in range(2):
        inbox = np.zeros(graph.num_vertices)
        np.add.at(inbox, first, values[senders] * 0.5)
        values = values + inbox
    np.testing.assert_allclose(arrays.values, values, rtol=1e-14)
