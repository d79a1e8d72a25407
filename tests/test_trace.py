"""A traced run records what the engine did, superstep by superstep, and changes nothing.

Each superstep of a trace is checked against the engine stopped at that superstep
(``max_supersteps=k``) and, on tiny graphs, against supersteps worked out by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pregel
from pregel import BatchProgram, Min, Vertex
from pregel.algorithms.components import ConnectedComponents, ConnectedComponentsVertex
from pregel.algorithms.pagerank import PageRank, PageRankVertex
from pregel.algorithms.sssp import ShortestPaths, ShortestPathsVertex
from tests.graphs import random_graphs


class Gossip(Vertex):
    """A user's program without a combiner: every vertex tells its neighbours its id, twice."""

    def initial_value(self) -> float:
        return float(self.id)

    def compute(self, messages: list) -> None:
        if messages:
            self.value = float(sum(messages))
        if self.superstep < 2:
            for target in self.out_edges[0].tolist():
                self.send_message(target, self.id)
        else:
            self.vote_to_halt()


class Teleport(BatchProgram):
    """A user's batch program that names targets directly (its senders are unknown to the engine)."""

    combiner = Min
    initial_value = math.inf

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            v.send(v.ids[::-1], v.ids.astype(float))
        else:
            v.values = np.where(v.has_messages, v.messages, v.values)
        v.vote_to_halt()


def web_graph() -> pregel.Graph:
    # 6 has no out-edges; 1 <-> 2 both ways
    return pregel.Graph.from_edges([1, 1, 2, 2, 3, 4, 4, 5, 5, 3], [2, 3, 1, 4, 4, 5, 6, 1, 6, 6])


def split_graph() -> pregel.Graph:
    return pregel.Graph.from_edges([1, 2, 5, 7, 9], [2, 3, 6, 8, 7], weights=[1.0, 2.0, 1.0, 4.0, 1.0])


PROGRAMS = [
    pytest.param(lambda: PageRank(tol=1e-6), web_graph, id="pagerank-batch"),
    pytest.param(lambda: PageRankVertex(tol=1e-6), web_graph, id="pagerank-scalar"),
    pytest.param(lambda: ShortestPaths(source=1), split_graph, id="sssp-batch"),
    pytest.param(lambda: ShortestPathsVertex(source=1), split_graph, id="sssp-scalar"),
    pytest.param(ConnectedComponents, lambda: split_graph().to_undirected(), id="cc-batch"),
    pytest.param(ConnectedComponentsVertex, lambda: split_graph().to_undirected(), id="cc-scalar"),
    pytest.param(Gossip, web_graph, id="user-scalar-no-combiner"),
    pytest.param(Teleport, web_graph, id="user-batch-send"),
]


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize(("program", "graph"), PROGRAMS)
def test_every_superstep_equals_the_engine_stopped_there(program, graph, workers):
    g = graph()
    traced = pregel.run(g, program(), workers=workers, trace=True)
    trace = traced.trace
    assert len(trace.steps) == traced.supersteps
    for k in range(traced.supersteps + 1):
        stopped = pregel.run(g, program(), workers=workers, max_supersteps=k)
        np.testing.assert_array_equal(trace.values_after(k), stopped.values)
        if k:
            assert trace.steps[k - 1].stats.messages_sent == stopped.stats[-1].messages_sent
            assert trace.steps[k - 1].stats.aggregated == stopped.stats[-1].aggregated


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize(("program", "graph"), PROGRAMS)
def test_tracing_changes_nothing(program, graph, workers):
    g = graph()
    plain = pregel.run(g, program(), workers=workers)
    traced = pregel.run(g, program(), workers=workers, trace=True)
    assert plain.trace is None
    np.testing.assert_array_equal(plain.values, traced.values)
    assert (plain.supersteps, plain.stopped_by) == (traced.supersteps, traced.stopped_by)
    counts = [(s.active, s.messages_sent, s.messages_combined) for s in plain.stats]
    assert counts == [(s.active, s.messages_sent, s.messages_combined) for s in traced.stats]


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize(("program", "graph"), PROGRAMS)
def test_steps_agree_with_the_statistics(program, graph, workers):
    result = pregel.run(graph(), program(), workers=workers, trace=True)
    for step, stats in zip(result.trace.steps, result.stats):
        assert step.stats is stats
        assert int(step.computed.sum()) == stats.active
        assert step.messages.size == step.targets.size == step.senders.size == stats.messages_sent
        # the receiver combines again what several partitions sent to one vertex
        assert step.inbox.size <= stats.messages_combined
        if workers == 1:
            assert step.inbox.size == stats.messages_combined


def test_pagerank_by_hand():
    # 1 -> 2, 1 -> 3, 2 -> 3; vertex 3 is dangling, so its rank is spread over all three
    g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3])
    d, n = 0.85, 3
    trace = pregel.run(g, PageRankVertex(damping=d), max_supersteps=3, trace=True).trace
    ranks = [1 / 3, 1 / 3, 1 / 3]
    assert trace.values_after(0).tolist() == ranks
    for s, step in enumerate(trace.steps):
        if s > 0:
            dangling = ranks[2] / n
            ranks = [
                (1 - d) / n + d * dangling,
                (1 - d) / n + d * (ranks[0] / 2 + dangling),
                (1 - d) / n + d * (ranks[0] / 2 + ranks[1] + dangling),
            ]
        assert step.values.tolist() == pytest.approx(ranks, rel=1e-13)
        assert step.active.all() and step.computed.all()
        sent = sorted(zip(step.senders.tolist(), step.targets.tolist(), step.messages.tolist()))
        assert [(a, b) for a, b, _ in sent] == [(0, 1), (0, 2), (1, 2)]
        assert [m for *_, m in sent] == pytest.approx([ranks[0] / 2, ranks[0] / 2, ranks[1]], rel=1e-13)
        assert step.inbox_targets.tolist() == [1, 2]
        assert step.inbox.tolist() == pytest.approx([ranks[0] / 2, ranks[0] / 2 + ranks[1]], rel=1e-13)
        assert step.stats.aggregated["dangling"] == pytest.approx(ranks[2], rel=1e-13)


@pytest.mark.parametrize("program", [ShortestPaths, ShortestPathsVertex])
@pytest.mark.parametrize("workers", [1, 2])
def test_sssp_by_hand(program, workers):
    # 1 -(1)-> 2 -(2)-> 3, and 1 -(5)-> 3: the long way round arrives first, the short one later
    g = pregel.Graph.from_edges([1, 2, 1, 4], [2, 3, 3, 1], weights=[1.0, 2.0, 5.0, 1.0])
    trace = pregel.run(g, program(source=1), workers=workers, trace=True).trace
    inf = math.inf
    assert [trace.values_after(k).tolist() for k in range(4)] == [
        [inf] * 4,
        [0.0, inf, inf, inf],
        [0.0, 1.0, 5.0, inf],
        [0.0, 1.0, 3.0, inf],
    ]
    assert len(trace.steps) == 3

    def sent(s):
        step = trace.steps[s]
        return sorted(zip(g.ids[step.senders].tolist(), g.ids[step.targets].tolist(), step.messages.tolist()))

    assert sent(0) == [(1, 2, 1.0), (1, 3, 5.0)]
    assert sent(1) == [(2, 3, 3.0)]
    assert sent(2) == []
    # after superstep 0 every vertex has voted to halt; only mail wakes one
    assert [step.computed.tolist() for step in trace.steps] == [
        [True] * 4,
        [False, True, True, False],
        [False, False, True, False],
    ]
    assert not any(step.active.any() for step in trace.steps)


def test_components_by_hand():
    # 3 - 1 - 2 is one component, 8 - 7 another
    g = pregel.Graph.from_edges([3, 1, 8], [1, 2, 7]).to_undirected()
    trace = pregel.run(g, ConnectedComponents, trace=True).trace
    assert g.ids.tolist() == [1, 2, 3, 7, 8]
    assert [trace.values_after(k).tolist() for k in range(len(trace.steps) + 1)] == [
        [1, 2, 3, 7, 8],
        [1, 2, 3, 7, 8],
        [1, 1, 1, 7, 7],
        [1, 1, 1, 7, 7],
    ]
    first = trace.steps[0]
    # combined per destination with Min: 1 hears 2 and 3, 2 and 3 hear 1, 7 and 8 hear each other
    assert dict(zip(g.ids[first.inbox_targets].tolist(), first.inbox.tolist())) == {1: 2, 2: 1, 3: 1, 7: 8, 8: 7}
    assert first.messages.size == 6 and first.inbox.size == 5


def test_a_program_without_combiner_keeps_every_message():
    g = pregel.Graph.from_edges([1, 2, 3], [3, 3, 1])
    trace = pregel.run(g, Gossip, trace=True).trace
    step = trace.steps[0]
    assert sorted(zip(g.ids[step.senders].tolist(), g.ids[step.targets].tolist(), step.messages.tolist())) == [
        (1, 3, 1),
        (2, 3, 2),
        (3, 1, 3),
    ]
    assert g.ids[step.inbox_targets].tolist() == [1, 3, 3]
    assert sorted(step.inbox.tolist()) == [1, 2, 3]
    assert trace.values_after(2).tolist() == [3.0, 2.0, 3.0]


def test_a_message_to_a_named_target_has_no_known_sender():
    # one partition: its messages are traced in the order they were sent
    trace = pregel.run(web_graph(), Teleport, trace=True, workers=1).trace
    step = trace.steps[0]
    assert (step.senders == -1).all()
    assert step.targets.tolist() == list(range(5, -1, -1))


def test_tracing_needs_the_local_backend():
    with pytest.raises(pregel.InputError, match="trace=True needs the local backend"):
        pregel.run(web_graph(), PageRank, backend="ray", trace=True)


@settings(max_examples=30, deadline=None)
@given(graph=random_graphs(min_vertices=0, max_vertices=10, max_edges=25), workers=st.integers(1, 4))
def test_any_graph_any_partitioning(graph, workers):
    g = graph.to_undirected()
    traced = pregel.run(g, ConnectedComponents, workers=workers, trace=True)
    for k in range(traced.supersteps + 1):
        stopped = pregel.run(g, ConnectedComponents, workers=workers, max_supersteps=k)
        np.testing.assert_array_equal(traced.trace.values_after(k), stopped.values)
    # every message travels along an edge of the graph
    pairs = set(zip(g.sources.tolist(), g.indices.tolist()))
    for step in traced.trace.steps:
        assert set(zip(step.senders.tolist(), step.targets.tolist())) <= pairs


class LongestWalk(Vertex):
    """Values and messages that are tuples: the walk so far, grown by one vertex a superstep."""

    value_dtype = object

    def initial_value(self) -> tuple:
        return (self.id,)

    def compute(self, messages: list) -> None:
        for walk in messages:
            if len(walk) >= len(self.value):
                self.value = (*walk, self.id)
        if self.superstep < 2:
            self.send_message_to_all_neighbors(self.value)
        else:
            self.vote_to_halt()


def test_python_objects_are_traced_and_shown_as_text():
    from pregel.viz.page import page_data

    g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    trace = pregel.run(g, LongestWalk, workers=2, trace=True).trace
    assert trace.values_after(1).tolist() == [(1,), (2,), (3,)]
    assert trace.values_after(2).tolist() == [(3, 1), (1, 2), (2, 3)]
    assert trace.steps[1].messages.tolist() == [(3, 1), (1, 2), (2, 3)]
    data = page_data(trace, "value")
    assert data["steps"][1]["values"] == {"text": ["(3, 1)", "(1, 2)", "(2, 3)"]}
    assert data["steps"][1]["messages"]["values"] == {"text": ["(3, 1)", "(1, 2)", "(2, 3)"]}


def test_a_run_on_two_layers_is_told_of_the_users_vertices():
    # betweenness runs on a vertex and a twin per user vertex: the page shows the twin's value (the
    # betweenness), a vertex active when either is, and the messages between the user's vertices
    from pregel.algorithms.betweenness import betweenness

    g = pregel.Graph.from_edges([10, 20, 20], [20, 30, 40])
    result = betweenness(g, normalized=False, trace=True, workers=2)
    trace = result.trace
    assert trace.graph is result.graph and trace.initial.size == 4
    assert trace.values_after(len(trace.steps))["bc"].tolist() == [0.0, 2.0, 0.0, 0.0]
    for step in trace.steps:
        assert step.values.size == step.active.size == step.computed.size == 4
        assert set(step.targets.tolist()) <= {0, 1, 2, 3}
