"""Combining messages per target: the sort path and the dense (scatter) path give the same answer."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import pregel
from pregel import BatchProgram
from pregel.core.combiners import ColumnSum, Max, Min, Sum
from pregel.core.messages import (
    DENSE_SPAN,
    Inbox,
    MessageBlock,
    Outbox,
    Routes,
    edges_of,
    sort_and_combine,
    stable_order,
)
from tests.graphs import random_graphs
from tests.programs import SUM_OF_SENDERS


def _reference(targets, values, combine):
    """Each target's messages folded in the order they were sent, by plain Python."""
    folded = {}
    for t, v in zip(targets, values):
        folded[t] = combine(folded[t], v) if t in folded else v
    return sorted(folded), [folded[t] for t in sorted(folded)]


@settings(max_examples=200, deadline=None)
@given(
    targets=st.lists(st.integers(0, 50), min_size=1, max_size=60),
    spread=st.sampled_from([1, 10 * DENSE_SPAN * 60]),
    combiner=st.sampled_from([Sum, Min, Max]),
    floats=st.booleans(),
    data=st.data(),
)
def test_combined_per_target_in_sending_order(targets, spread, combiner, floats, data):
    # spread the targets apart so that both paths (dense and sorted) are taken
    targets = np.array(targets, dtype=np.int64) * spread
    element = st.floats(-1e6, 1e6, allow_nan=False) if floats else st.integers(-(10**6), 10**6)
    values = np.array(data.draw(st.lists(element, min_size=targets.size, max_size=targets.size)))
    got_targets, got_values = sort_and_combine(targets, values, combiner())
    python = {Sum: lambda a, b: a + b, Min: min, Max: max}[combiner]
    want_targets, want_values = _reference(targets.tolist(), values.tolist(), python)
    assert got_targets.tolist() == want_targets
    assert got_values.dtype == values.dtype
    # bit for bit: the same additions in the same order
    assert got_values.tolist() == want_values


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_long_runs_of_floats_are_added_in_sending_order(dtype):
    # many messages to each of a few targets far apart (the sorted path): numpy's reduceat
    # would add each run pairwise, and the sums would differ in the last bits
    rng = np.random.default_rng(3)
    targets = rng.integers(0, 3, 300) * 10 * DENSE_SPAN * 300
    values = rng.uniform(-1e6, 1e6, 300).astype(dtype)
    got_targets, got_values = sort_and_combine(targets, values, Sum())
    want_targets, want_values = _reference(targets.tolist(), list(values), lambda a, b: a + b)
    assert got_targets.tolist() == want_targets
    assert got_values.dtype == dtype
    assert got_values.tolist() == [float(v) for v in want_values]


@settings(max_examples=100, deadline=None)
@given(
    runs=st.lists(st.lists(st.integers(-5, 3000), max_size=40).map(sorted), max_size=40),
    dtype=st.sampled_from([np.int32, np.int64]),
)
def test_stable_order_sorts_as_a_stable_argsort(runs, dtype):
    # few sorted runs (a timsort merges them) and many (packed keys): the same order as numpy's stable sort
    targets = np.array([t for run in runs for t in run], dtype=dtype)
    assert stable_order(targets).tolist() == np.argsort(targets, kind="stable").tolist()
    shuffled = np.random.default_rng(len(targets)).permutation(targets)
    assert stable_order(shuffled).tolist() == np.argsort(shuffled, kind="stable").tolist()


@settings(max_examples=40, deadline=None)
@given(graph=random_graphs(min_vertices=1), width=st.integers(1, 4), data=st.data())
def test_a_column_sum_broadcast_from_some_vertices_equals_its_messages_combined(graph, width, data):
    # the compiled row sums give the bits that one message per edge, sorted and combined, gives
    n = graph.num_vertices
    senders = np.flatnonzero(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    rows = np.random.default_rng(n).standard_normal((senders.size, width)) * 10.0 ** np.arange(width)
    records = rows.view(np.dtype((np.void, 8 * width))).ravel()
    bounds = np.array([0, n])
    fast = Outbox(graph.indptr, graph.indices, bounds, ColumnSum(), lambda: Routes(graph.indptr, graph.indices, bounds))
    fast.broadcast(senders, records)
    slow = Outbox(graph.indptr, graph.indices, bounds, ColumnSum(), None)
    edges = edges_of(graph.indptr, senders)
    slow.send(graph.indices[edges], np.repeat(records, np.diff(graph.indptr)[senders]))
    got, want = fast.blocks(), slow.blocks()
    assert fast.sent == slow.sent and got.keys() == want.keys()
    for q in got:
        assert got[q].targets.tolist() == want[q].targets.tolist()
        assert got[q].values.tobytes() == want[q].values.tobytes()


@settings(max_examples=40, deadline=None)
@given(graph=random_graphs(min_vertices=1), parts=st.integers(1, 3), then=st.booleans(), data=st.data())
def test_a_broadcast_without_a_combiner_from_some_vertices_equals_its_messages_sorted(graph, parts, then, data):
    # senders owning a good part of the edges are picked from the routes; the blocks must be what the sort gives
    n = graph.num_vertices
    senders = np.flatnonzero(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    values = np.arange(senders.size) * 7 + 1
    bounds = np.linspace(0, n, parts + 1).astype(np.int64)
    fast = Outbox(graph.indptr, graph.indices, bounds, None, lambda: Routes(graph.indptr, graph.indices, bounds))
    fast.broadcast(senders, values)
    slow = Outbox(graph.indptr, graph.indices, bounds, None, None)
    edges = edges_of(graph.indptr, senders)
    slow.send(graph.indices[edges], np.repeat(values, np.diff(graph.indptr)[senders]))
    if then:  # a message sent afterwards comes after the broadcast's
        for outbox in (fast, slow):
            outbox.send(np.array([0]), np.array([-1]))
    got, want = fast.blocks(), slow.blocks()
    assert fast.sent == slow.sent and got.keys() == want.keys()
    for q in got:
        assert got[q].targets.tolist() == want[q].targets.tolist()
        assert got[q].values.tolist() == want[q].values.tolist()


def test_without_a_combiner_messages_keep_their_order_per_target():
    targets, values = sort_and_combine(np.array([4, 1, 4, 1]), np.array([10, 20, 30, 40]), None)
    assert targets.tolist() == [1, 1, 4, 4] and values.tolist() == [20, 40, 10, 30]


# --- a Sum broadcast travels as a dense block: the receiver must see exactly what a scatter would give


@settings(max_examples=30, deadline=None)
@given(graph=random_graphs(min_vertices=0), workers=st.integers(1, 4), api=st.sampled_from(["batch", "scalar"]))
def test_broadcast_sums_match_scipy(graph, workers, api):
    # every vertex stays awake for superstep 1, so a dense block that made silent vertices
    # look like receivers would show as a 0.0 where -1 (no mail) belongs
    result = pregel.run(graph, SUM_OF_SENDERS(sleep=False).pick(api), workers=workers)
    n = graph.num_vertices
    edges = sp.csr_array((np.ones(graph.num_edges), graph.indices, graph.indptr), shape=(n, n))
    sums = edges.T @ (graph.ids + 0.5)
    # halves and whole numbers: every sum is exact, in any order
    np.testing.assert_array_equal(result.values, np.where(edges.sum(axis=0) > 0, sums, -1.0))


@pytest.mark.parametrize("arrival", list(itertools.permutations(range(3))))
def test_the_inbox_folds_blocks_in_the_order_of_their_senders(arrival):
    # vertex 0 gets 1.0, 1e16 and -1e16 from partitions 0, 1 and 2: in sender order the 1.0 is
    # absorbed, (1.0 + 1e16) - 1e16 == 0.0, where another order would give 1.0
    blocks = [
        MessageBlock(np.array([0, 1]), np.array([1.0, 5.0]), source=0),
        MessageBlock(np.array([0]), np.array([1e16]), source=1),
        MessageBlock(np.array([0, 3]), np.array([-1e16, 2.5]), source=2),
    ]
    inbox = Inbox(4, Sum())
    inbox.receive([blocks[k] for k in arrival])
    # a checkpoint stores the pending inbox as (targets, values)
    pending = inbox.pending()
    assert pending.targets.tolist() == [0, 1, 3] and pending.values.tolist() == [0.0, 5.0, 2.5]
    mail = inbox.take()
    assert mail.dense(0.0).tolist() == [0.0, 5.0, 0.0, 2.5]
    assert mail.has.tolist() == [True, True, False, True]
    assert len(inbox) == 0


def test_a_block_covering_every_vertex_is_read_without_a_scatter_and_not_changed():
    block = MessageBlock(np.arange(3), np.array([4, 1, 7]), source=0)
    inbox = Inbox(3, Min())
    inbox.receive([block, MessageBlock(np.array([2]), np.array([5]), source=1)])
    mail = inbox.take()
    assert mail.dense(np.iinfo(np.int64).max).tolist() == [4, 1, 5]
    assert mail.has.all() and len(mail) == 3
    # the reader may change its mail in place; the block that travelled stays as it was
    mail.dense(np.iinfo(np.int64).max)[:] = 0
    assert block.values.tolist() == [4, 1, 7]


@pytest.mark.parametrize("kinds", [("f8", "f8"), ("f8", "f8", "f8"), ("i8", "f8"), ("f8", "i8", "f8"), ("i4", "i4")])
def test_covering_blocks_fold_in_sender_order_as_the_ufunc_in_the_widest_type(kinds):
    # a block per sender covering every vertex (as a Sum's broadcast sends to a destination it reaches at least
    # half of): folded left to right in the widest type, the blocks that travelled left as they were
    rng = np.random.default_rng(7)
    size = 50
    scale = {"f8": 1e15, "i8": 1e15, "i4": 1e6}
    blocks = [
        MessageBlock(np.arange(size), (rng.normal(size=size) * scale[kind]).astype(kind), source=k, covering=True)
        for k, kind in enumerate(kinds)
    ]
    sent = [b.values.copy() for b in blocks]
    for combiner, ufunc in ((Sum(), np.add), (Min(), np.minimum)):
        inbox = Inbox(size, combiner)
        inbox.receive(blocks[::-1])
        folded = inbox.take().dense(0)
        want = sent[0].astype(np.result_type(*kinds))
        for values in sent[1:]:
            want = ufunc(want, values, out=want)
        assert folded.dtype == want.dtype and folded.tobytes() == want.tobytes()
        assert all(np.array_equal(b.values, v) for b, v in zip(blocks, sent))


def test_cached_arrays_are_made_once_per_partition_and_follow_the_batch():
    made = []

    class Degrees(BatchProgram):
        combiner = Sum
        initial_value = 0.0

        def compute(self, v):
            twice = v.cached("twice", lambda w: made.append(w.ids.tolist()) or 2.0 * w.out_degree)
            v.values = twice
            if v.superstep == 2:
                v.vote_to_halt()
            else:
                v.send_to_all_neighbors(1.0)

    graph = pregel.Graph.from_edges([1, 1, 2, 3], [2, 3, 3, 4])
    result = pregel.run(graph, Degrees, workers=2)
    assert result.to_dict() == {1: 4.0, 2: 2.0, 3: 2.0, 4: 0.0}
    assert sorted(made) == [[1, 2], [3, 4]]


def test_cached_refuses_an_array_not_aligned_with_the_vertices():
    class Bad(BatchProgram):
        combiner = Sum
        initial_value = 0.0

        def compute(self, v):
            v.cached("wrong", lambda w: np.zeros(w.size + 1))

    with pytest.raises(pregel.PregelError, match=r"cached\('wrong'\)"):
        pregel.run(pregel.Graph.from_edges([1], [2]), Bad)


def test_a_destination_reached_at_least_half_gets_a_covering_block_and_no_false_mail():
    # one sender partition (local vertices 0, 1) sending to global 0..7 cut into [0, 4) and [4, 8):
    # it reaches vertex 2 of the first (1 of 4: compact) and 4, 5, 7 of the second (3 of 4: covering)
    indptr, indices = np.array([0, 2, 4]), np.array([2, 4, 5, 7], dtype=np.int32)
    routes = Routes(indptr, indices, np.array([0, 4, 8]), source=0)
    blocks = routes.blocks(Sum(), np.array([1.0, 10.0]))
    assert not blocks[0].covering and blocks[0].targets.tolist() == [2] and blocks[0].values.tolist() == [1.0]
    assert blocks[1].covering and blocks[1].targets.tolist() == [0, 1, 3]
    assert blocks[1].values.tolist() == [1.0, 10.0, 0.0, 10.0]  # local vertex 2 of the destination got nothing
    inbox = Inbox(4, Sum())
    inbox.receive([blocks[1], MessageBlock(np.array([2]), np.array([0.5]), source=1)])
    mail = inbox.take()
    assert mail.dense(0.0).tolist() == [1.0, 10.0, 0.5, 10.0]
    assert mail.has.tolist() == [True, True, True, True]
    inbox.receive([blocks[1]])
    mail = inbox.take()
    assert mail.has.tolist() == [True, True, False, True] and len(mail) == 3
    assert mail.dense(-1.0).tolist() == [1.0, 10.0, -1.0, 10.0]


@pytest.mark.parametrize("first", ["rows", "sums"])
@pytest.mark.parametrize("tables", [True, False])
def test_routes_give_the_reached_vertices_in_edges_and_sums_in_any_order_of_use(monkeypatch, first, tables):
    """In-edges over every vertex (tables) or over the reached ones alone: the same routes, whichever comes first."""
    from pregel.core import messages

    monkeypatch.setattr(messages, "_WHOLE_GRAPH_TABLES", 10**9 if tables else 0)
    rng = np.random.default_rng(5)
    n, total, m = 40, 300, 500
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rng.integers(0, n, m), minlength=n))])
    indices = rng.integers(0, total, m).astype(np.int32)
    weights = rng.integers(1, 9, m).astype(np.float64)
    bounds = np.array([0, 100, 200, total])
    routes = Routes(indptr, indices, bounds, 0, weights)
    x = rng.integers(0, 1000, n).astype(np.float64)  # sums of integers: exact in any order
    rows = np.repeat(np.arange(n), np.diff(indptr))
    if first == "sums":
        summed = routes.sums.sum(x), routes.weighted_sums.sum(x)
    reached = np.unique(indices)
    assert routes.targets.tolist() == reached.tolist()
    order = np.lexsort((rows, indices))
    assert routes.rows.ptr.tolist() == [0, *np.cumsum(np.unique(indices, return_counts=True)[1]).tolist()]
    assert routes.rows.sources.tolist() == rows[order].tolist()
    if first == "rows":
        summed = routes.sums.sum(x), routes.weighted_sums.sum(x)
    slots = routes.slots[0]
    plain = np.bincount(indices, weights=x[rows], minlength=total)[slots]
    weighted = np.bincount(indices, weights=x[rows] * weights, minlength=total)[slots]
    assert summed[0].tolist() == plain.tolist() and summed[1].tolist() == weighted.tolist()
