"""Topology mutations on tiny graphs, on every backend, API and partition count: each request, their
order within a superstep, each conflict rule, messages to removed and new vertices, checkpoints.

The program is tests/programs.py's Script: vertex ``by`` makes each request of the superstep
the script names; every expected graph and value is worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

import pregel
from tests.programs import SCRIPT, PeelLeaves

# 1 -> 2 -> 3 -> 1, and 3 -> 4 (weights 1..4)
RING = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4], [1.0, 2.0, 3.0, 4.0])


def edges(result: pregel.Result) -> list[tuple[int, int, float]]:
    src, dst, w = result.graph.edge_arrays()
    w = np.ones(src.size) if w is None else w
    return list(zip(src.tolist(), dst.tolist(), w.tolist()))


def test_each_request(engine_api):
    script = {
        0: [("add_vertex", 1, 10, 5.0), ("remove_edge", 2, 2, 3), ("add_edge", 4, 4, 1, 0.5)],
        1: [("remove_vertex", 1, 3)],
    }
    r = engine_api.run(RING, SCRIPT(script=script, until=2))
    assert r.to_dict() == {1: 0.0, 2: 0.0, 4: 0.0, 10: 5.0}
    # 3 went with its in-edge 2 -> 3 (removed before) and its out-edges 3 -> 1, 3 -> 4
    assert edges(r) == [(1, 2, 1.0), (4, 1, 0.5)]
    assert r.supersteps == 3


def test_removals_come_before_additions(engine_api):
    script = {
        0: [
            ("add_edge", 1, 1, 2, 7.0),
            ("remove_edge", 1, 1, 2),
            ("add_vertex", 2, 3, 9.0),
            ("remove_vertex", 2, 3),
        ]
    }
    r = engine_api.run(RING, SCRIPT(script=script))
    # the edge removed and added again in one superstep is there, with the new weight;
    # 3 removed and added again is new: its value is the one added, its edges are gone
    assert edges(r) == [(1, 2, 7.0)]
    assert r.to_dict() == {1: 0.0, 2: 0.0, 3: 9.0, 4: 0.0}


def test_conflicts_resolve_by_fixed_rules(engine_api):
    script = {
        0: [
            # two additions of one new vertex: the smallest value
            ("add_vertex", 1, 10, 5.0),
            ("add_vertex", 3, 10, 3.0),
            ("add_vertex", 4, 10, 4.0),
            # an addition of a vertex that exists: it keeps its value
            ("add_vertex", 2, 1, 99.0),
            # additions of one edge merge (sum); an existing edge takes the new weight
            ("add_edge", 1, 4, 2, 1.0),
            ("add_edge", 2, 4, 2, 2.0),
            ("add_edge", 3, 3, 4, 0.25),
            # removing what does not exist is ignored
            ("remove_edge", 2, 4, 3),
            ("remove_vertex", 2, 77),
        ]
    }
    r = engine_api.run(RING, SCRIPT(script=script))
    assert r.to_dict() == {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0, 10: 3.0}
    assert edges(r) == [(1, 2, 1.0), (2, 3, 2.0), (3, 1, 3.0), (3, 4, 0.25), (4, 2, 3.0)]
    merged = engine_api.run(RING, SCRIPT(script=script, added_edge_weights="max"))
    assert (4, 2, 2.0) in edges(merged)


def test_messages_to_removed_and_to_new_vertices(engine_api):
    script = {
        0: [
            ("send", 1, 2, 4.0),
            ("remove_vertex", 1, 2),
            ("send", 3, 10, 6.0),
            ("add_vertex", 4, 10, 1.0),
        ]
    }
    r = engine_api.run(RING, SCRIPT(script=script))
    # the message to 2 went with it; 10, added in the superstep the message was sent, got it
    assert r.to_dict() == {1: 0.0, 3: 0.0, 4: 0.0, 10: 7.0}
    assert r.stats[1].active == 1


@pytest.mark.parametrize(
    "request_",
    [("send", 1, 99, 2.0), ("add_edge", 1, 1, 99, 1.0), ("add_edge", 1, 99, 2, 1.0)],
    ids=["message", "edge-to", "edge-from"],
)
def test_missing_vertices_follow_the_programs_rule(engine_api, request_):
    script = {0: [request_]}
    with pytest.raises(pregel.PregelError, match="vertex 99.* not in the graph .*missing_vertex = 'error'"):
        engine_api.run(RING, SCRIPT(script=script))
    dropped = engine_api.run(RING, SCRIPT(script=script, missing_vertex="drop"))
    assert dropped.ids.tolist() == [1, 2, 3, 4] and dropped.graph.num_edges == 4
    created = engine_api.run(RING, SCRIPT(script=script, missing_vertex="create"))
    assert created.ids.tolist() == [1, 2, 3, 4, 99]
    assert created[99] == (2.0 if request_[0] == "send" else 0.0)
    assert created.graph.num_edges == (4 if request_[0] == "send" else 5)


def test_messages_that_create_a_vertex_are_combined(engine_api):
    # every vertex sends to 99, one of them twice, and 99 is created by them: it gets their sum, not the last one
    sends = [("send", 1, 99, 1.0), ("send", 2, 99, 2.0), ("send", 3, 99, 3.0), ("send", 4, 99, 4.0)]
    script = {0: [*sends, ("send", 3, 99, 5.0)], 1: sends}
    created = engine_api.run(RING, SCRIPT(script=script, missing_vertex="create", until=2))
    assert created[99] == 15.0 + 10.0


def test_a_message_to_a_removed_vertex_later_is_refused(engine_api):
    script = {0: [("remove_vertex", 1, 4)], 1: [("send", 3, 4, 1.0)]}
    with pytest.raises(pregel.PregelError, match="sent a message to vertex 4, which is not in the graph"):
        engine_api.run(RING, SCRIPT(script=script, until=1))


def test_a_superstep_after_mutations_runs_the_new_vertices(engine_api):
    # every vertex has halted; the new vertex is active, so the run goes on one superstep
    r = engine_api.run(RING, SCRIPT(script={0: [("add_vertex", 1, 5, 0.0)]}))
    assert r.supersteps == 2 and [s.active for s in r.stats] == [4, 1]
    removed = engine_api.run(RING, SCRIPT(script={0: [("remove_vertex", 1, 4)]}))
    assert removed.supersteps == 1 and removed.stopped_by == "halted"


def test_same_graph_and_values_on_every_partition_count(engine):
    rng = np.random.default_rng(7)
    src, dst = rng.integers(0, 60, 150), rng.integers(0, 60, 150)
    graph = pregel.Graph.from_edges(src, dst)
    r = engine.run(graph, PeelLeaves)
    reference = pregel.run(graph, PeelLeaves, workers=1)
    assert np.array_equal(r.ids, reference.ids) and np.array_equal(r.values, reference.values)
    assert np.array_equal(r.graph.indptr, reference.graph.indptr)
    assert np.array_equal(r.graph.indices, reference.graph.indices)
    # by hand: what survives is what reaches a cycle, as networkx finds by the same peeling
    import networkx as nx

    g = nx.DiGraph(zip(src.tolist(), dst.tolist()))
    while sinks := [n for n in g if g.out_degree(n) == 0]:
        g.remove_nodes_from(sinks)
    assert sorted(g) == r.ids.tolist()


def test_a_checkpoint_after_mutations_resumes_to_the_same_result(tmp_path):
    rng = np.random.default_rng(3)
    graph = pregel.Graph.from_edges(rng.integers(0, 80, 200), rng.integers(0, 80, 200))
    uninterrupted = pregel.run(graph, PeelLeaves, workers=2)
    assert uninterrupted.supersteps > 3
    folder = tmp_path / "ck"
    stop = uninterrupted.supersteps - 1
    pregel.run(graph, PeelLeaves, workers=2, checkpoint_dir=folder, checkpoint_every=2, max_supersteps=stop)
    resumed = pregel.run(graph, PeelLeaves, workers=2, checkpoint_dir=folder, resume=True)
    assert resumed.recoveries[0].superstep >= 2
    assert np.array_equal(resumed.ids, uninterrupted.ids)
    assert np.array_equal(resumed.values, uninterrupted.values)
    assert resumed.supersteps == uninterrupted.supersteps


def test_bad_requests_are_refused():
    with pytest.raises(pregel.PregelError, match="missing_vertex is 'maybe'"):
        pregel.run(RING, SCRIPT.pick("batch").__class__(missing_vertex="maybe"))
    with pytest.raises(pregel.PregelError, match="vertex 'x', which is not an id"):
        pregel.run(RING, SCRIPT(script={0: [("remove_vertex", 1, "x")]}).pick("scalar"))
    with pytest.raises(pregel.PregelError, match="weight nan"):
        pregel.run(RING, SCRIPT(script={0: [("add_edge", 1, 1, 2, float("nan"))]}).pick("batch"))
    labelled = pregel.Graph.from_edges(["a", "b"], ["b", "a"])
    with pytest.raises(pregel.PregelError, match="cannot be added to a graph whose ids are strings"):
        pregel.run(labelled, SCRIPT(script={0: [("add_vertex", 0, 5, 1.0)]}).pick("scalar"))
    # removal keeps the labels of the vertices that stay
    kept = pregel.run(labelled, SCRIPT(script={0: [("remove_vertex", 0, 1)]}).pick("scalar"))
    assert kept.to_dict() == {"a": 0.0}
    with pytest.raises(pregel.PregelError, match=r"vertex 18446744073709551615, which is not an id \(an integer of"):
        pregel.run(RING, SCRIPT(script={0: [("remove_vertex", 1, 2**64 - 1)]}).pick("scalar"))


def test_a_trace_records_the_graph_of_each_superstep():
    script = {0: [("add_vertex", 1, 10, 5.0), ("add_edge", 1, 1, 10, 1.0)], 1: [("remove_vertex", 2, 3)]}
    trace = pregel.run(RING, SCRIPT(script=script, until=2).pick("batch"), workers=2, trace=True).trace
    assert [s.graph.ids.tolist() for s in trace.steps] == [[1, 2, 3, 4], [1, 2, 3, 4, 10], [1, 2, 4, 10]]
    assert trace.steps[1].graph.num_edges == 5 and trace.steps[2].graph.num_edges == 2
    assert trace.steps[1].values.tolist() == [0.0, 0.0, 0.0, 0.0, 5.0]
    assert trace.steps[0].graph is trace.graph


class CountLayouts(pregel.BatchProgram):
    """Vertex 1 removes its edge 1 -> 2 in superstep 0; each partition notes when it builds its cached arrays."""

    built: list = []

    def compute(self, v):
        v.cached("degree", lambda w: self.built.append((v.superstep, int(w.ids[0]))) or w.out_degree)
        if v.superstep == 0 and 1 in v.ids:
            v.remove_edges([1], [2])
        if v.superstep == 1:
            v.vote_to_halt()


def test_only_the_partitions_whose_rows_changed_are_rebuilt():
    chain = pregel.Graph.from_edges(np.arange(1, 30), np.arange(2, 31))
    CountLayouts.built = []
    r = pregel.run(chain, CountLayouts, workers=3)
    assert r.graph.num_edges == 28
    # three partitions built their arrays in superstep 0; after the mutation only the first again
    assert [step for step, _ in CountLayouts.built] == [0, 0, 0, 1]
    assert CountLayouts.built[-1][1] == 1
