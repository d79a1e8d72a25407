"""Engine semantics with tiny programs, on every backend, API and partition count: halting and
waking by mail, termination, combiners at the sender and the receiver, aggregators, master
compute, and errors raised in a program.

The programs are in tests/programs.py; every expected value here is worked out by hand
from the program and the graph.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel import BatchProgram
from tests.graphs import binary_tree, chain, fan_in
from tests.programs import (
    CENSUS,
    COLLECT,
    COUNTDOWN,
    PEEK,
    STRAY,
    SUM_OF_SENDERS,
    TICKER,
    TO_TEN,
    WAKE,
    Collect,
    Gather,
    Listen,
    Names,
    Refuse,
    Ticker,
)


def depth(v: int) -> float:
    """Depth of vertex ``v`` in :func:`binary_tree` (the root 1 is at depth 0)."""
    return float(int(np.log2(v)))


# ------------------------------------------------------------ halting and waking
def test_halted_vertices_are_woken_by_mail(engine_api):
    # vertex k receives the token in superstep k and records it
    result = engine_api.run(chain(6), WAKE)
    assert result.values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    # supersteps 0..5; vertex 5 has no out-edge, so nothing is in flight after superstep 5
    assert (result.supersteps, result.stopped_by) == (6, "halted")
    # one vertex computes per superstep after the first (the others stay halted)
    assert [s.active for s in result.stats] == [6, 1, 1, 1, 1, 1]
    assert [s.messages_sent for s in result.stats] == [1, 1, 1, 1, 1, 0]
    # one message per target: nothing to combine
    assert [s.messages_combined for s in result.stats] == [1, 1, 1, 1, 1, 0]


def test_a_vertex_halted_long_ago_is_woken_again(engine_api):
    # 15 → 1 wakes the root again in superstep 4, long after it halted
    result = engine_api.run(binary_tree(back_edge=True), WAKE(root=1))
    assert result.to_dict() == {**{v: depth(v) for v in range(1, 16)}, 1: 4.0}
    assert [s.active for s in result.stats] == [15, 2, 4, 8, 1]
    assert [s.messages_sent for s in result.stats] == [2, 4, 8, 1, 0]
    assert [s.messages_combined for s in result.stats] == [2, 4, 8, 1, 0]
    assert (result.supersteps, result.stopped_by) == (5, "halted")


class Tally(BatchProgram):
    """Vertices woken by mail count the supersteps they computed in, some by update_values, some by assignment.

    Vertex k of a chain computes in supersteps 0 and k (the token), and odd vertices also add
    100 to a record's second field through a read after their update (which must see it).
    """

    value_dtype = np.dtype([("seen", np.int64), ("odd", np.int64)])
    initial_value = np.zeros((), dtype=value_dtype)[()]

    def compute(self, v):
        if v.superstep == 0:
            v.send(np.array([2]), np.array([1.0]))
        else:
            v.send(v.ids[v.ids < 5] + 1, 1.0)
        mine = np.flatnonzero(v.ids % 2 == 0)
        changed = v.values[mine]
        changed["seen"] += 1
        v.update_values(mine, changed)
        odd = np.flatnonzero(v.ids % 2 == 1)
        changed = v.values[odd]  # the even vertices' update is kept: a read makes the array with it
        changed["seen"] += 1
        changed["odd"] += 100
        v.update_values(odd, changed)
        v.vote_to_halt()


def test_update_values_changes_some_vertices_halted_or_not(engine):
    result = engine.run(pregel.Graph.from_edges([1, 2, 3, 4], [2, 3, 4, 5]), Tally)
    assert result.values["seen"].tolist() == [1, 2, 2, 2, 2]  # vertex 1 gets no token
    assert result.values["odd"].tolist() == [100, 0, 200, 0, 200]
    assert [s.active for s in result.stats] == [5, 1, 1, 1, 1]


def test_a_run_without_messages_ends_after_one_superstep(engine_api):
    result = engine_api.run(chain(4), TICKER(halt_at=0))
    assert (result.supersteps, result.stopped_by) == (1, "halted")
    assert result.values.tolist() == [1.0] * 4


def test_an_active_vertex_without_mail_keeps_computing(engine_api):
    result = engine_api.run(chain(3), TICKER(halt_at=2))
    assert (result.supersteps, result.stopped_by) == (3, "halted")
    assert result.values.tolist() == [3.0] * 3
    assert [s.active for s in result.stats] == [3, 3, 3]


def test_max_supersteps_stops_a_run_that_never_halts(engine_api):
    # without messages: only the vertices' own activity keeps the run going
    result = engine_api.run(chain(3), TICKER, max_supersteps=7)
    assert (result.supersteps, result.stopped_by) == (7, "max_supersteps")
    assert result.values.tolist() == [7.0] * 3
    # with messages in flight on every edge
    bounded = engine_api.run(binary_tree(back_edge=True), COUNTDOWN, max_supersteps=2)
    assert (bounded.supersteps, bounded.stopped_by) == (2, "max_supersteps")
    assert bounded.values.tolist() == [2.0] * 15
    # no superstep at all: the initial values
    none = engine_api.run(chain(3), TICKER, max_supersteps=0)
    assert (none.supersteps, none.stopped_by, none.stats) == (0, "max_supersteps", [])
    assert none.values.tolist() == [0.0] * 3


def test_the_empty_graph_runs_one_superstep_and_aggregates_nothing(engine_api):
    empty = pregel.Graph.from_edges([], [])
    result = engine_api.run(empty, CENSUS)
    assert (result.supersteps, result.stopped_by, result.values.size) == (1, "halted", 0)
    assert [(s.active, s.messages_sent) for s in result.stats] == [(0, 0)]
    assert result.aggregated == {"total": 0, "n": 0, "low": np.inf, "high": -np.inf}


# ------------------------------------------------------------------- messages
def test_mail_arrives_from_senders_only(engine_api):
    # vertex 1 has no in-edge: the batch twin's dense Sum block holds 0.0 for it, which is not mail
    g = pregel.Graph.from_edges([1, 2, 3, 1], [2, 3, 4, 4])
    asleep = engine_api.run(g, SUM_OF_SENDERS)
    assert asleep.to_dict() == {1: -1.0, 2: 1.5, 3: 2.5, 4: 1.5 + 3.5}
    assert [s.active for s in asleep.stats] == [4, 3]
    assert asleep.stopped_by == "halted"
    # awake in superstep 1, vertex 1 must still find no mail
    awake = engine_api.run(g, SUM_OF_SENDERS(sleep=False))
    assert awake.to_dict() == asleep.to_dict()
    assert [s.active for s in awake.stats] == [4, 4]


def test_messages_to_a_named_target(engine_api):
    result = engine_api.run(fan_in(), TO_TEN)
    assert result.to_dict() == {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0, 10: 1 + 2 + 3 + 4 + 10 + 20, 20: 0.0}
    assert [s.active for s in result.stats] == [6, 1]


def test_without_a_combiner_messages_arrive_as_a_list(engine):
    result = engine.run(fan_in(), Listen)
    assert result.to_dict() == {1: (), 2: (), 3: (), 4: (), 10: (2, 4, 6, 8, 20, 40), 20: ()}
    # only vertex 10 has mail to wake it
    assert [s.active for s in result.stats] == [6, 1]


FAN_IN = {
    # what reaches 10 and 20 in fan_in(), folded
    "sum": {10: 1 + 2 + 3 + 4, 20: 1 + 2 + 3 + 4 + 20},
    "min": {10: 1, 20: 1},
    "max": {10: 4, 20: 20},
}


@pytest.mark.parametrize("fold", FAN_IN)
def test_combiners_at_sender_and_receiver(engine_api, fold):
    expected = {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0, **{v: float(x) for v, x in FAN_IN[fold].items()}}
    combined = engine_api.run(fan_in(), COLLECT[fold])
    assert combined.to_dict() == expected
    assert [s.active for s in combined.stats] == [6, 2]
    # combined before blocks leave a partition: at most one message per target and partition
    assert combined.stats[0].messages_sent == 9
    assert 2 <= combined.stats[0].messages_combined <= 2 * engine_api.workers
    if engine_api.workers == 1:
        assert combined.stats[0].messages_combined == 2
    if engine_api.api == "scalar":
        plain = engine_api.run(fan_in(), Collect(fold=fold))
        assert plain.to_dict() == expected
        assert plain.stats[0].messages_combined == 9


class Votes(pregel.Vertex):
    """Every vertex sends True along each out-edge, by the way ``way`` names; a Sum counts them, as Python adds them."""

    combiner = pregel.Sum
    way = "broadcast"

    def compute(self, messages):
        if self.superstep == 0:
            if self.way == "broadcast":
                self.send_message_to_all_neighbors(True)
            elif self.way == "along":
                for k in range(self.out_degree):
                    self.send_message_along(k, True)
            else:
                for target in self.out_edges[0].tolist():
                    self.send_message(target, True)
        else:
            self.value = float(messages or 0)
        self.vote_to_halt()


@pytest.mark.parametrize("way", ["broadcast", "along", "to"])
def test_a_sum_counts_true_messages_on_every_path(engine, way):
    graph = fan_in()
    sources, targets, _ = graph.edge_arrays()
    in_degree = nx.DiGraph(list(zip(sources.tolist(), targets.tolist()))).in_degree()
    assert engine.run(graph, Votes(way=way)).to_dict() == {v: float(d) for v, d in in_degree}


def test_user_defined_combiner_on_python_values(engine):
    # Python values and a combiner without a ufunc: object arrays travel between partitions
    result = engine.run(fan_in(), Gather)
    assert result.to_dict() == {1: (), 2: (), 3: (), 4: (), 10: (1, 2, 3, 4), 20: (1, 2, 3, 4, 20)}
    assert 2 <= result.stats[0].messages_combined <= 2 * engine.workers


# ---------------------------------------------------------------- aggregators
@pytest.mark.parametrize(
    ("graph", "ids"), [(chain(5), list(range(5))), (binary_tree(), list(range(1, 16)))], ids=["chain", "tree"]
)
def test_aggregators_are_visible_one_superstep_later(engine_api, graph, ids):
    result = engine_api.run(graph, CENSUS)
    total = sum(ids)
    # in superstep 2 each vertex sees what superstep 1 aggregated: 2 * total
    assert result.values.tolist() == [2.0 * total] * len(ids)
    assert [s.aggregated["total"] for s in result.stats] == [total, 2 * total, 3 * total]
    assert [(s.aggregated["n"], s.aggregated["low"], s.aggregated["high"]) for s in result.stats] == [
        (len(ids), min(ids), max(ids))
    ] * 3
    assert result.aggregated == {"total": 3 * total, "n": len(ids), "low": min(ids), "high": max(ids)}


def test_min_and_max_of_integers_are_integers_as_pythons_are(engine_api):
    # Sum's are: an aggregated maximum out-degree must serve as a count too (range(...), an index)
    result = engine_api.run(binary_tree(), CENSUS)
    aggregated = result.aggregated
    assert (aggregated["low"], aggregated["high"], aggregated["total"]) == (1, 15, 3 * sum(range(1, 16)))
    assert [type(aggregated[name]) for name in ("low", "high", "total")] == [int, int, int]


def test_aggregated_in_superstep_zero_is_the_identity(engine_api):
    assert engine_api.run(chain(2), PEEK).values.tolist() == [np.inf, np.inf]


def test_user_defined_aggregator(engine):
    assert engine.run(chain(4), Names).aggregated["name"] == "vvvv"


# ------------------------------------------------------------ master compute
def test_master_compute_halts_the_run(engine_api):
    on_chain = engine_api.run(chain(4), COUNTDOWN(stop_after=3))
    assert (on_chain.supersteps, on_chain.stopped_by) == (3, "master")
    assert on_chain.values.tolist() == [3.0] * 4
    assert [s.aggregated["steps"] for s in on_chain.stats] == [4] * 3
    on_tree = engine_api.run(binary_tree(back_edge=True), COUNTDOWN(stop_after=4))
    assert (on_tree.supersteps, on_tree.stopped_by) == (4, "master")
    assert on_tree.values.tolist() == [4.0] * 15
    # every vertex has one in-edge, so each message reaches its target uncombined
    assert [(s.aggregated["steps"], s.messages_sent, s.messages_combined) for s in on_tree.stats] == [(15, 15, 15)] * 4


# ------------------------------------------------------------------- errors
def test_a_programs_error_reaches_the_caller_as_it_was_raised(engine):
    with pytest.raises(ValueError, match="^vertex 13 refuses$"):
        engine.run(binary_tree(), Refuse)


def test_a_message_to_an_unknown_vertex_is_an_error(engine_api):
    with pytest.raises(pregel.PregelError, match="sent a message to vertex 99, which is not in the graph"):
        engine_api.run(binary_tree(), STRAY)


# ----------------------------------------- the API's own checks (no backend involved)
def test_unknown_parameter_is_refused():
    with pytest.raises(TypeError, match="no parameter 'halt_att'"):
        Ticker(halt_att=3)


def test_batch_program_without_a_combiner_has_no_combined_messages():
    class NoCombiner(BatchProgram):
        def compute(self, v):
            if v.superstep == 0:
                v.send_to_all_neighbors(1.0)
            else:
                v.values = v.messages

    with pytest.raises(pregel.PregelError, match="needs a combiner"):
        pregel.run(chain(2), NoCombiner)


def test_unknown_backend_is_an_input_error():
    with pytest.raises(pregel.InputError, match="unknown backend 'spark'"):
        pregel.run(chain(2), Ticker, backend="spark")


@pytest.mark.parametrize("program", [42, "sssp", nx.DiGraph, lambda messages: None])
def test_a_program_that_is_not_one_is_a_type_error(program):
    with pytest.raises(
        TypeError, match="^the program must be a Vertex or BatchProgram subclass, or an instance of one"
    ):
        pregel.run(chain(2), program)


class InDegree(pregel.Vertex):
    combiner = pregel.Sum

    def compute(self, messages):
        if self.superstep == 0:
            self.send_message_to_all_neighbors(1.0)
        else:
            self.value = messages or 0.0
        self.vote_to_halt()


def test_a_networkx_graph_or_a_sparse_matrix_runs_as_the_algorithms_take_it():
    # what every function of pregel.algorithms accepts (pregel.io.edges.as_graph), pregel.run accepts too
    G = nx.DiGraph([(1, 2), (2, 3), (1, 3)])
    expected = {n: float(d) for n, d in G.in_degree()}
    assert pregel.run(G, InDegree).to_dict() == expected
    assert pregel.run(nx.to_scipy_sparse_array(G, nodelist=[1, 2, 3]), InDegree).values.tolist() == [0.0, 1.0, 2.0]
    assert pregel.run(G, InDegree, undirected=True).to_dict() == {n: float(d) for n, d in G.to_undirected().degree()}
