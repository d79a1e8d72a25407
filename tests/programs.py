"""The vertex programs the engine tests run, each small enough to work its answers out by hand.

Where both APIs can say the same thing, a program comes as :class:`Twins`: a scalar
:class:`~pregel.Vertex` and a :class:`~pregel.BatchProgram` that give the same values,
halt at the same supersteps and send the same number of messages. The ``engine_api``
fixture (tests/conftest.py) picks the twin of the API it runs.

The programs live in a module of their own, not in a test file, so that Ray's workers
import them by name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import pregel
from pregel import Aggregator, BatchProgram, Combiner, Count, Max, Min, Sum, Vertex


@dataclass(frozen=True)
class Twins:
    """One program written in both APIs; calling it sets parameters for both (``WAKE(root=1)``)."""

    scalar: type[Vertex]
    batch: type[BatchProgram]
    params: dict[str, Any] = field(default_factory=dict)

    def __call__(self, **params: Any) -> Twins:
        return replace(self, params={**self.params, **params})

    def pick(self, api: str) -> Vertex | BatchProgram:
        """The program of ``api`` ("scalar" or "batch"), with the parameters set."""
        return {"scalar": self.scalar, "batch": self.batch}[api](**self.params)


# ------------------------------------------------------------ halting and waking
class Wake(Vertex):
    """The root sends a token along its out-edges in superstep 0; every vertex halts at once.

    A vertex woken by mail records the superstep it was woken in and passes the token
    on, the first time only. Vertices no token reaches keep -1. No combiner: the
    tokens arrive as a list of strings.
    """

    initial_value = -1.0
    root = 0

    def compute(self, messages: list) -> None:
        if self.superstep == 0 and self.id == self.root:
            self.value = 0.0
            self.send_message_to_all_neighbors("token")
        elif messages:
            first = self.value < 0
            self.value = float(self.superstep)
            if first:
                self.send_message_to_all_neighbors("token")
        self.vote_to_halt()


class BatchWake(BatchProgram):
    """:class:`Wake` over arrays (the token is 1.0: a batch program's messages are numbers)."""

    combiner = Min
    initial_value = -1.0
    root = 0

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            start = v.ids == self.root
            v.values = np.where(start, 0.0, v.values)
            v.send_to_all_neighbors(1.0, where=start)
        else:
            first = v.has_messages & (v.values < 0)
            v.values = np.where(v.has_messages, float(v.superstep), v.values)
            v.send_to_all_neighbors(1.0, where=first)
        v.vote_to_halt()


WAKE = Twins(Wake, BatchWake)


class Ticker(Vertex):
    """Adds 1 to its value every superstep and sends nothing; halts in superstep ``halt_at`` (-1: never)."""

    halt_at = -1

    def compute(self, messages: list) -> None:
        self.value = self.value + 1
        if self.superstep == self.halt_at:
            self.vote_to_halt()


class BatchTicker(BatchProgram):
    """:class:`Ticker` over arrays."""

    combiner = Sum
    halt_at = -1

    def compute(self, v: pregel.VertexBatch) -> None:
        v.values = v.values + 1
        if v.superstep == self.halt_at:
            v.vote_to_halt()


TICKER = Twins(Ticker, BatchTicker)


# ------------------------------------------------------------------- messages
class SumOfSenders(Vertex):
    """Superstep 0: each vertex with out-edges sends ``id + 0.5`` along them (``sleep``: then halts).

    Superstep 1: a vertex that got mail keeps the sum of it, the others keep -1; all halt.
    """

    combiner = Sum
    initial_value = -1.0
    sleep = True

    def compute(self, messages: float | None) -> None:
        if self.superstep == 0:
            if self.out_degree:
                self.send_message_to_all_neighbors(self.id + 0.5)
            if self.sleep:
                self.vote_to_halt()
        else:
            if messages is not None:
                self.value = messages
            self.vote_to_halt()


class BatchSumOfSenders(BatchProgram):
    """:class:`SumOfSenders` over arrays: every vertex broadcasts, so Sum travels as a dense block
    that holds 0.0 for the vertices no edge reaches (which is not mail)."""

    combiner = Sum
    initial_value = -1.0
    sleep = True

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            v.send_to_all_neighbors(v.ids + 0.5)
            if self.sleep:
                v.vote_to_halt()
        else:
            v.values = np.where(v.has_messages, v.messages, v.values)
            v.vote_to_halt()


SUM_OF_SENDERS = Twins(SumOfSenders, BatchSumOfSenders)


class ToTen(Vertex):
    """Superstep 0: every vertex sends its id to vertex 10 by name; 10 keeps the Sum in superstep 1."""

    combiner = Sum

    def compute(self, messages: float | None) -> None:
        if self.superstep == 0:
            self.send_message(10, float(self.id))
        else:
            self.value = messages
        self.vote_to_halt()


class BatchToTen(BatchProgram):
    """:class:`ToTen` over arrays."""

    combiner = Sum

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            v.send(np.full(v.size, 10), v.ids.astype(float))
        else:
            v.values = v.messages
        v.vote_to_halt()


TO_TEN = Twins(ToTen, BatchToTen)


class Listen(Vertex):
    """Without a combiner: every vertex sends twice its id to vertex 10, which keeps the sorted list as a tuple."""

    value_dtype = object
    initial_value = ()

    def compute(self, messages: list) -> None:
        if self.superstep == 0:
            self.send_message(10, self.id * 2)
        else:
            self.value = tuple(sorted(messages))
        self.vote_to_halt()


FOLDS = {"sum": sum, "min": min, "max": max}


class Collect(Vertex):
    """Superstep 0: every vertex sends its id along its out-edges; superstep 1: a vertex that got
    mail keeps its ``fold`` ("sum", "min" or "max"), computed by plain Python when no combiner did."""

    fold = "sum"

    def compute(self, messages: list | float | None) -> None:
        if self.superstep == 0:
            self.send_message_to_all_neighbors(float(self.id))
        elif isinstance(messages, list):
            if messages:
                self.value = float(FOLDS[self.fold](messages))
        elif messages is not None:
            self.value = float(messages)
        self.vote_to_halt()


class CollectSum(Collect):
    combiner = Sum


class CollectMin(Collect):
    combiner = Min
    fold = "min"


class CollectMax(Collect):
    combiner = Max
    fold = "max"


class BatchCollect(BatchProgram):
    """:class:`Collect` over arrays; the subclasses set the combiner."""

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            v.send_to_all_neighbors(v.ids.astype(float))
        else:
            v.values = np.where(v.has_messages, v.messages, v.values)
        v.vote_to_halt()


class BatchCollectSum(BatchCollect):
    combiner = Sum


class BatchCollectMin(BatchCollect):
    combiner = Min


class BatchCollectMax(BatchCollect):
    combiner = Max


COLLECT = {
    "sum": Twins(CollectSum, BatchCollectSum),
    "min": Twins(CollectMin, BatchCollectMin),
    "max": Twins(CollectMax, BatchCollectMax),
}


class ConcatSorted(Combiner):
    """A user-defined combiner with no ufunc: the combined message is the sorted tuple."""

    identity = ()

    def combine(self, a, b):
        return tuple(sorted((a if isinstance(a, tuple) else (a,)) + (b if isinstance(b, tuple) else (b,))))


class Gather(Vertex):
    """Superstep 0: every vertex sends its id along its out-edges; superstep 1: a vertex keeps the
    sorted tuple of the ids that reached it (:class:`ConcatSorted`)."""

    combiner = ConcatSorted
    value_dtype = object
    initial_value = ()

    def compute(self, messages: tuple | int | None) -> None:
        if self.superstep == 0:
            self.send_message_to_all_neighbors(self.id)
        elif messages is not None:
            self.value = messages if isinstance(messages, tuple) else (messages,)
        self.vote_to_halt()


# ---------------------------------------------------------------- aggregators
class Census(Vertex):
    """Each vertex keeps what the aggregators said about the previous superstep; all halt in superstep 2.

    In superstep s each vertex adds ``id * (s + 1)`` to "total", and its id to "n"
    (Count), "low" (Min) and "high" (Max).
    """

    aggregators = {"total": Sum, "n": Count, "low": Min, "high": Max}

    def compute(self, messages: list) -> None:
        self.value = float(self.aggregated("total"))
        self.aggregate("total", self.id * (self.superstep + 1))
        self.aggregate("n", self.id)
        self.aggregate("low", self.id)
        self.aggregate("high", self.id)
        if self.superstep == 2:
            self.vote_to_halt()


class BatchCensus(BatchProgram):
    """:class:`Census` over arrays."""

    combiner = Sum
    aggregators = {"total": Sum, "n": Count, "low": Min, "high": Max}

    def compute(self, v: pregel.VertexBatch) -> None:
        v.values = np.full(v.size, float(v.aggregated("total")))
        v.aggregate("total", v.ids * (v.superstep + 1))
        v.aggregate("n", v.ids)
        v.aggregate("low", v.ids)
        v.aggregate("high", v.ids)
        if v.superstep == 2:
            v.vote_to_halt()


CENSUS = Twins(Census, BatchCensus)


class Peek(Vertex):
    """Keeps what the Min aggregator says in superstep 0 (-1 if Count says anything was counted)."""

    aggregators = {"low": Min, "n": Count}

    def compute(self, messages: list) -> None:
        self.value = self.aggregated("low") if self.aggregated("n") == 0 else -1.0
        self.vote_to_halt()


class BatchPeek(BatchProgram):
    """:class:`Peek` over arrays."""

    combiner = Min
    aggregators = {"low": Min, "n": Count}

    def compute(self, v: pregel.VertexBatch) -> None:
        v.values = np.full(v.size, v.aggregated("low") if v.aggregated("n") == 0 else -1.0)
        v.vote_to_halt()


PEEK = Twins(Peek, BatchPeek)


class Longest(Aggregator):
    """A user-defined aggregator over strings: the longest, ties to the greatest."""

    identity = ""

    def merge(self, a, b):
        return max(a, b, key=lambda s: (len(s), s))


class Names(Vertex):
    """Each vertex aggregates a name of ``id + 1`` letters with :class:`Longest`."""

    aggregators = {"name": Longest}

    def compute(self, messages: list) -> None:
        self.aggregate("name", "v" * (self.id + 1))
        self.vote_to_halt()


# ------------------------------------------------------------ master compute
class Countdown(Vertex):
    """Never halts and always sends along every out-edge; only master compute (after superstep
    ``stop_after - 1``) or ``max_supersteps`` ends the run. Each vertex counts its supersteps."""

    combiner = Sum
    aggregators = {"steps": Sum}
    stop_after = 99

    def compute(self, messages: float | None) -> None:
        self.value = self.value + 1
        self.aggregate("steps", 1)
        self.send_message_to_all_neighbors(1.0)

    def master_compute(self, master: pregel.Master) -> None:
        if master.superstep + 1 >= self.stop_after:
            master.halt()


class BatchCountdown(BatchProgram):
    """:class:`Countdown` over arrays."""

    combiner = Sum
    aggregators = {"steps": Sum}
    stop_after = 99

    def compute(self, v: pregel.VertexBatch) -> None:
        v.values = v.values + 1
        v.aggregate("steps", np.ones(v.size, dtype=np.int64))
        v.send_to_all_neighbors(1.0)

    def master_compute(self, master: pregel.Master) -> None:
        if master.superstep + 1 >= self.stop_after:
            master.halt()


COUNTDOWN = Twins(Countdown, BatchCountdown)


# ------------------------------------------------------------------- errors
class Stray(Vertex):
    """Sends a message to vertex 99, which the test graphs do not have."""

    def compute(self, messages: list) -> None:
        self.send_message(99, 1.0)


class BatchStray(BatchProgram):
    """:class:`Stray` over arrays."""

    combiner = Sum

    def compute(self, v: pregel.VertexBatch) -> None:
        v.send(np.full(v.size, 99), 1.0)


STRAY = Twins(Stray, BatchStray)


class Refuse(Vertex):
    """Raises ValueError at vertex 13 in superstep 1; every vertex sends along its out-edges until then."""

    def compute(self, messages: list) -> None:
        if self.superstep == 1 and self.id == 13:
            raise ValueError(f"vertex {self.id} refuses")
        self.send_message_to_all_neighbors(1.0)


# ------------------------------------------------------------ topology mutations
class Script(Vertex):
    """Carries out ``script[superstep]``: requests ``(kind, by, *args)`` made by vertex ``by``.

    ``kind`` is a mutation (``add_vertex``, ``remove_vertex``, ``add_edge``,
    ``remove_edge``, with the arguments of the Vertex method) or ``send`` (target,
    value). Every vertex adds up the messages it gets and halts after superstep
    ``until``, so a script can look at the graph in several supersteps.
    """

    combiner = Sum
    initial_value = 0.0
    script: dict = {}
    until = 0

    def compute(self, messages: Any) -> None:
        if messages is not None:
            self.value += messages
        for kind, by, *args in self.script.get(self.superstep, ()):
            if by == self.id:
                getattr(self, "send_message" if kind == "send" else kind)(*args)
        if self.superstep >= self.until:
            self.vote_to_halt()


class ScriptBatch(BatchProgram):
    """:class:`Script` over arrays: each request made with the batch method, as a one-element array."""

    combiner = Sum
    initial_value = 0.0
    script: dict = {}
    until = 0
    BATCH = {
        "add_vertex": "add_vertices",
        "remove_vertex": "remove_vertices",
        "add_edge": "add_edges",
        "remove_edge": "remove_edges",
        "send": "send",
    }

    def compute(self, v: Any) -> None:
        v.values = v.values + v.messages
        mine = set(v.ids.tolist())
        for kind, by, *args in self.script.get(v.superstep, ()):
            if by in mine:
                getattr(v, self.BATCH[kind])(*[np.array([a]) for a in args])
        if v.superstep >= self.until:
            v.vote_to_halt()


SCRIPT = Twins(Script, ScriptBatch)


class PeelLeaves(BatchProgram):
    """Remove the vertices without out-edges, round after round, until a round removes none.

    Each vertex counts the rounds it lived through; an aggregator tells every partition
    whether the last round removed anything, so all halt together.
    """

    initial_value = 0.0
    aggregators = {"removed": Sum}

    def compute(self, v: Any) -> None:
        if v.superstep > 0 and v.aggregated("removed") == 0:
            v.vote_to_halt()
            return
        sinks = v.out_degree == 0
        v.remove_vertices(v.ids[sinks])
        v.aggregate("removed", np.count_nonzero(sinks))
        v.values = v.values + 1


# ------------------------------------------------------------------- one core
class Napper(BatchProgram):
    """Sleeps ``nap`` seconds and sends its value along its out-edges; each partition aggregates the span it
    measured around its own compute (``spent``); halts in superstep 3 (tests/test_one_core.py)."""

    combiner = Sum
    aggregators = {"spent": Sum}
    nap = 0.02

    def compute(self, v: pregel.VertexBatch) -> None:
        start = time.perf_counter()
        time.sleep(self.nap)
        v.values = v.values + 1
        if v.superstep < 3:
            v.send_to_all_neighbors(v.values)
        else:
            v.vote_to_halt()
        v.aggregate("spent", np.array([time.perf_counter() - start]))
