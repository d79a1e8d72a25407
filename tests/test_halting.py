"""Engine semantics with tiny programs: halting, reactivation, termination, combiners,
aggregators, master compute, and independence from the number of partitions.

Every expected value here is worked out by hand from the program and the graph.
"""

from __future__ import annotations

import numpy as np
import pytest

import pregel
from pregel import Aggregator, BatchProgram, Combiner, Count, Max, Min, Sum, Vertex

PARTITIONS = [1, 2, 3]


def chain(n: int) -> pregel.Graph:
    """0 → 1 → … → n-1."""
    return pregel.Graph.from_edges(np.arange(n - 1), np.arange(1, n))


class Relay(Vertex):
    """Vertex 0 starts a token down a chain; everyone halts at once, woken only by mail."""

    initial_value = -1.0

    def compute(self, messages):
        if self.superstep == 0 and self.id == 0:
            self.value = 0.0
            self.send_message_to_all_neighbors(1.0)
        elif messages:
            self.value = float(self.superstep)
            self.send_message_to_all_neighbors(messages[0] + 1)
        self.vote_to_halt()


@pytest.mark.parametrize("workers", PARTITIONS)
def test_halted_vertices_are_woken_by_mail(workers):
    result = pregel.run(chain(6), Relay, workers=workers)
    # vertex k receives the token in superstep k and records it
    assert result.values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    # supersteps 0..5; vertex 5 has no out-edge, so nothing is in flight after superstep 5
    assert result.supersteps == 6
    assert result.stopped_by == "halted"
    # one vertex computes per superstep after the first (the others stay halted)
    assert [s.active for s in result.stats] == [6, 1, 1, 1, 1, 1]
    assert [s.messages_sent for s in result.stats] == [1, 1, 1, 1, 1, 0]


class Silent(Vertex):
    def compute(self, messages):
        self.value = self.value + 1
        self.vote_to_halt()


@pytest.mark.parametrize("workers", PARTITIONS)
def test_a_run_without_messages_ends_after_one_superstep(workers):
    result = pregel.run(chain(4), Silent, workers=workers)
    assert result.supersteps == 1
    assert result.values.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert result.stopped_by == "halted"


class NeverHalts(Vertex):
    def compute(self, messages):
        self.value = self.value + 1


def test_max_supersteps_stops_a_run_that_never_halts():
    result = pregel.run(chain(3), NeverHalts, max_supersteps=7)
    assert result.supersteps == 7
    assert result.values.tolist() == [7.0, 7.0, 7.0]
    assert result.stopped_by == "max_supersteps"


def test_active_vertex_without_mail_keeps_computing():
    class HaltAtTwo(Vertex):
        def compute(self, messages):
            self.value = float(self.superstep)
            if self.superstep == 2:
                self.vote_to_halt()

    result = pregel.run(chain(3), HaltAtTwo)
    assert result.supersteps == 3
    assert result.values.tolist() == [2.0, 2.0, 2.0]


# ---------------------------------------------------------------- combiners
def diamond() -> pregel.Graph:
    """Four sources all pointing at vertex 10 and at vertex 20, with self-loop at 20."""
    src = [1, 2, 3, 4, 1, 2, 3, 4, 20]
    dst = [10, 10, 10, 10, 20, 20, 20, 20, 20]
    return pregel.Graph.from_edges(src, dst)


def collect(combiner, plain_reduce):
    """Sends its id along out-edges in superstep 0 and keeps the reduction of what arrives in superstep 1."""

    class Collect(Vertex):
        def compute(self, messages):
            if self.superstep == 0:
                self.send_message_to_all_neighbors(float(self.id))
            elif isinstance(messages, list) and messages:
                self.value = float(plain_reduce(messages))
            elif messages is not None and not isinstance(messages, list):
                self.value = float(messages)
            self.vote_to_halt()

    Collect.combiner = combiner
    return Collect


EXPECTED = {
    "sum": (Sum, sum, {10: 10.0, 20: 30.0}),
    "min": (Min, min, {10: 1.0, 20: 1.0}),
    "max": (Max, max, {10: 4.0, 20: 20.0}),
}


@pytest.mark.parametrize("workers", PARTITIONS)
@pytest.mark.parametrize("name", EXPECTED)
def test_combiners_give_the_same_result_as_no_combiner(name, workers):
    combiner, plain_reduce, expected = EXPECTED[name]
    combined = pregel.run(diamond(), collect(combiner, plain_reduce), workers=workers)
    plain = pregel.run(diamond(), collect(None, plain_reduce), workers=workers)
    assert {k: v for k, v in combined.to_dict().items() if k in (10, 20)} == expected
    assert combined.to_dict() == plain.to_dict()
    # combining happens before blocks leave a partition: at most one message per target vertex
    assert combined.stats[0].messages_sent == 9
    assert combined.stats[0].messages_combined <= 2 * workers
    assert plain.stats[0].messages_combined == 9


class ConcatSorted(Combiner):
    """A user-defined combiner with no ufunc: the combined message is the sorted tuple."""

    identity = ()

    def combine(self, a, b):
        return tuple(sorted((a if isinstance(a, tuple) else (a,)) + (b if isinstance(b, tuple) else (b,))))


class Gather(Vertex):
    combiner = ConcatSorted
    value_dtype = object
    initial_value = ()

    def compute(self, messages):
        if self.superstep == 0:
            self.send_message_to_all_neighbors(self.id)
        elif messages is not None:
            self.value = messages if isinstance(messages, tuple) else (messages,)
        self.vote_to_halt()


@pytest.mark.parametrize("workers", PARTITIONS)
def test_user_defined_combiner_on_python_values(workers):
    result = pregel.run(diamond(), Gather, workers=workers).to_dict()
    assert result[10] == (1, 2, 3, 4)
    assert result[20] == (1, 2, 3, 4, 20)
    assert result[1] == ()


def test_without_a_combiner_messages_arrive_as_a_list():
    seen = {}

    class Lists(Vertex):
        def compute(self, messages):
            if self.superstep == 0:
                self.send_message(10, self.id * 2)
            else:
                seen[self.id] = sorted(messages)
            self.vote_to_halt()

    pregel.run(diamond(), Lists, workers=2)
    assert seen == {10: [2, 4, 6, 8, 20, 40]}


# -------------------------------------------------------------- aggregators
class CountAndSum(Vertex):
    aggregators = {"total": Sum, "n": Count, "low": Min, "high": Max}

    def compute(self, messages):
        # record what the aggregators said about the previous superstep
        self.value = self.aggregated("total")
        self.aggregate("total", self.id * (self.superstep + 1))
        self.aggregate("n", self.id)
        self.aggregate("low", self.id)
        self.aggregate("high", self.id)
        if self.superstep == 2:
            self.vote_to_halt()


@pytest.mark.parametrize("workers", PARTITIONS)
def test_aggregators_are_visible_one_superstep_later(workers):
    g = chain(5)  # ids 0..4, total of ids 10
    result = pregel.run(g, CountAndSum, workers=workers)
    # in superstep 2 each vertex sees what superstep 1 aggregated: 2 * 10
    assert result.values.tolist() == [20.0] * 5
    assert [s.aggregated["total"] for s in result.stats] == [10, 20, 30]
    assert all(s.aggregated["n"] == 5 for s in result.stats)
    assert result.aggregated == {"total": 30, "n": 5, "low": 0, "high": 4}


def test_aggregated_in_superstep_zero_is_the_identity():
    class Peek(Vertex):
        aggregators = {"low": Min, "n": Count}

        def compute(self, messages):
            self.value = self.aggregated("low") if self.aggregated("n") == 0 else -1.0
            self.vote_to_halt()

    assert pregel.run(chain(2), Peek).values.tolist() == [np.inf, np.inf]


class Longest(Aggregator):
    identity = ""

    def merge(self, a, b):
        return max(a, b, key=lambda s: (len(s), s))


def test_user_defined_aggregator():
    class Names(Vertex):
        aggregators = {"name": Longest}

        def compute(self, messages):
            self.aggregate("name", "v" * (self.id + 1))
            self.vote_to_halt()

    assert pregel.run(chain(4), Names, workers=3).aggregated["name"] == "vvvv"


def test_undeclared_aggregator_is_a_clear_error():
    class Oops(Vertex):
        def compute(self, messages):
            self.aggregate("nope", 1)

    with pytest.raises(pregel.PregelError, match="'nope' is not declared in Oops.aggregators"):
        pregel.run(chain(2), Oops)


# ------------------------------------------------------------ master compute
class StopAtThreshold(Vertex):
    aggregators = {"total": Sum}
    limit = 5

    def compute(self, messages):
        self.value = self.value + 1
        self.aggregate("total", 1)

    def master_compute(self, master):
        if master.superstep + 1 >= self.limit:
            master.halt()


@pytest.mark.parametrize("workers", PARTITIONS)
def test_master_compute_can_stop_a_run(workers):
    result = pregel.run(chain(4), StopAtThreshold(limit=3), workers=workers)
    assert result.supersteps == 3
    assert result.stopped_by == "master"
    assert result.values.tolist() == [3.0] * 4


def test_unknown_parameter_is_refused():
    with pytest.raises(TypeError, match="no parameter 'limitt'"):
        StopAtThreshold(limitt=3)


def test_message_to_an_unknown_vertex_is_an_error():
    class Stray(Vertex):
        def compute(self, messages):
            self.send_message(99, 1.0)

    with pytest.raises(pregel.PregelError, match="vertex 99, which is not in the graph"):
        pregel.run(chain(2), Stray)


# ---------------------------------------------------- batch API, same engine
class BatchRelay(BatchProgram):
    combiner = Min
    initial_value = -1.0

    def compute(self, v):
        if v.superstep == 0:
            start = v.ids == 0
            v.values = np.where(start, 0.0, v.values)
            v.send_to_all_neighbors(1.0, where=start)
        else:
            v.values = np.where(v.has_messages, float(v.superstep), v.values)
            v.send_to_all_neighbors(v.messages + 1, where=v.has_messages)
        v.vote_to_halt()


@pytest.mark.parametrize("workers", PARTITIONS)
def test_batch_program_halting_matches_the_scalar_one(workers):
    batch = pregel.run(chain(6), BatchRelay, workers=workers)
    scalar = pregel.run(chain(6), Relay, workers=workers)
    assert batch.values.tolist() == scalar.values.tolist()
    assert [s.active for s in batch.stats] == [s.active for s in scalar.stats]
    assert batch.supersteps == scalar.supersteps


def test_batch_program_needs_a_combiner():
    class NoCombiner(BatchProgram):
        def compute(self, v):
            pass

    with pytest.raises(pregel.PregelError, match="needs a combiner"):
        pregel.run(chain(2), NoCombiner)


def test_batch_send_to_explicit_targets():
    class ToTen(BatchProgram):
        combiner = Sum

        def compute(self, v):
            if v.superstep == 0:
                v.send(np.full(v.size, 10), v.ids.astype(float))
            else:
                v.values = v.messages
            v.vote_to_halt()

    result = pregel.run(diamond(), ToTen, workers=3).to_dict()
    assert result[10] == 1 + 2 + 3 + 4 + 10 + 20


def test_unknown_backend_is_an_input_error():
    with pytest.raises(pregel.InputError, match="unknown backend 'spark'"):
        pregel.run(chain(2), Silent, backend="spark")
