"""A vectorised ``compute`` gives bit for bit what the interpreter gives, or the loop runs instead."""

from __future__ import annotations

import inspect
import math
import threading
import traceback
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import pregel
import pregel.compiler.lanes
import pregel.compiler.vectorise
from pregel import Max, Min, Sum, Vertex
from pregel.algorithms.components import ConnectedComponentsVertex
from pregel.algorithms.pagerank import PageRankVertex
from pregel.algorithms.sssp import ShortestPathsVertex
from pregel.compiler import vectorise_reason
from pregel.core.aggregators import Aggregator
from pregel.io.edges import read_edges
from tests.graphs import hand_made, random_graphs
from tests.test_compile import Hops, MaxValue, Reachable, RingPass

# Specials sends NaN through the Max combiner, whichever way compute runs
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in maximum:RuntimeWarning")
WIKI_VOTE = Path(__file__).resolve().parent.parent / "datasets" / "wiki-Vote.txt.gz"


class Sequence(Aggregator):
    """Order-sensitive: the contributions as a tuple, in the order they arrive."""

    identity = ()

    def merge(self, a, b):
        return a + b

    def lift(self, x):
        return (x,)


class Sites(Vertex):
    """Several send and aggregate sites, in if/elif/else, some vertices using more than one."""

    combiner = Sum
    aggregators = {"seq": Sequence, "total": Sum}
    big = 1e16

    def initial_value(self):
        return float(self.id % 7) - 2.5

    def compute(self, messages):
        m = messages or 0.0
        if self.superstep >= 6:
            self.vote_to_halt()
            return
        if self.out_degree > 1 and self.value > 0:
            # magnitudes far apart: the combined sum depends on the order of the messages
            self.send_message_to_all_neighbors(self.big)
            self.aggregate("seq", self.value)
        elif self.out_degree:
            self.send_message_to_all_neighbors(self.value - m / 3)
        else:
            self.aggregate("seq", -self.value)
        self.send_message_to_all_neighbors(-self.big if self.value > 0 else 1.0 + m)
        self.aggregate("seq", m)
        self.aggregate("total", m * 0.1)
        self.value = max(min(m, 1e6), -1e6) + self.value / 2


class Labels(Vertex):
    """Int values and int messages: min label, counts aggregated as ints, send_message to ids."""

    combiner = Min
    value_dtype = np.int64
    aggregators = {"changed": Sum}

    def initial_value(self):
        return self.id

    def compute(self, messages):
        if self.superstep == 0:
            self.send_message(self.id, self.value + 1)
            self.send_message_to_all_neighbors(self.value)
        elif messages is not None and messages < self.value:
            self.value = messages
            self.aggregate("changed", 1)
            self.send_message_to_all_neighbors(messages)
        self.vote_to_halt()


class Augmented(Vertex):
    """``+=`` on a local and on ``self.value``, an annotated local, a module's number, send_message."""

    combiner = Min
    aggregators = {"seq": Sequence}
    step = 0.25

    def compute(self, messages):
        best: float = math.inf if messages is None else messages
        best -= self.step
        best *= 2
        self.value += min(best, 1e9) / 4
        self.aggregate("seq", self.value)
        if self.superstep < 3 and self.out_degree:
            self.send_message(self.id + 1, self.value)  # in a ring, beyond the last vertex: an error
            self.send_message(self.id, -self.value)
        self.vote_to_halt()


class Twice(Vertex):
    """Vertex 0 broadcasts twice, vertex 1 once, vertex 2 not: three broadcasts from three vertices."""

    combiner = Sum

    def compute(self, messages):
        if self.superstep == 0:
            if self.id == 0:
                self.send_message_to_all_neighbors(1.0)
                self.send_message_to_all_neighbors(10.0)
            elif self.id == 1:
                self.send_message_to_all_neighbors(100.0)
        else:
            self.value = messages or 0.0
        self.vote_to_halt()


class Mixed(Vertex):
    """``messages or 0``: an int where no message came, a float elsewhere (the lanes' types differ)."""

    combiner = Sum

    def compute(self, messages):
        if self.superstep < 3:
            self.value = messages or 0
            self.send_message_to_all_neighbors(self.value + 0.5)
        else:
            self.vote_to_halt()


class Specials(Vertex):
    """NaN, -0.0, inf: truthiness, min/max, or/and, comparisons."""

    combiner = Max
    aggregators = {"seq": Sequence}

    def initial_value(self):
        return [-0.0, math.nan, 0.0, 1.0, -1.0, math.inf, -math.inf][self.id % 7]

    def compute(self, messages):
        v = self.value
        picked = v or -0.0
        both = v and 2.0
        low = min(v, 0.0)
        high = max(0.0, v)
        flag = not v
        if self.superstep == 0:
            self.send_message_to_all_neighbors(v)
        self.aggregate("seq", picked)
        self.aggregate("seq", both)
        if messages is not None and (messages != messages or messages < 0 or flag):
            self.value = messages - low
        elif 0.0 <= high < 1.0:
            self.value = high * -1.0 + abs(low)
        else:
            self.value = -v if v == v else v
        self.vote_to_halt()


class DividesByZero(Vertex):
    combiner = Sum

    def compute(self, messages):
        if self.superstep == 1:
            self.value = 1.0 / (self.id - 3)  # vertex 3 divides by zero
        self.send_message_to_all_neighbors(self.value)


class AddsNone(Vertex):
    combiner = Sum

    def compute(self, messages):
        if self.superstep == 0:
            self.send_message_to_all_neighbors(1.0)
        else:
            self.value = messages + 1.0  # a vertex without messages adds None
            self.vote_to_halt()


class Squares(Vertex):
    """Outside the subset (``**``): runs as the compiled loop."""

    combiner = Sum

    def compute(self, messages):
        self.value = (messages or 2.0) ** 2
        if self.superstep < 3:
            self.send_message_to_all_neighbors(self.value / 7)
        else:
            self.vote_to_halt()


@pytest.fixture(autouse=True, scope="module")
def vectorise_small_graphs():
    """Vectorise however few vertices compute (by default a small superstep runs the loop, which is faster)."""
    default = pregel.compiler.vectorise.MIN_VERTICES
    pregel.compiler.vectorise.MIN_VERTICES = 1
    yield
    pregel.compiler.vectorise.MIN_VERTICES = default


@pytest.fixture
def vectorised_steps(monkeypatch):
    """Counts the supersteps (per partition) that ran vectorised, and those that fell back to the loop."""
    counts = {"vectorised": 0, "loop": 0}
    real = pregel.compiler.vectorise.run
    # partitions run in threads of their own: no count may be lost between two of them
    counting_one = threading.Lock()

    def counting(*args):
        outcome = real(*args)
        with counting_one:
            counts["loop" if outcome is None else "vectorised"] += 1
        return outcome

    monkeypatch.setattr(pregel.compiler.vectorise, "run", counting)
    return counts


def bits(values: np.ndarray) -> bytes:
    return values.dtype.str.encode() + values.tobytes()


def assert_same_bits(graph: pregel.Graph, program: Vertex, workers: int = 1, **options) -> pregel.Result:
    """Run as is (vectorised where possible) and interpreted; every observable outcome identical to the bit."""
    cls, params = type(program), program.params
    ours = pregel.run(graph, cls(**params), workers=workers, **options)
    reference = pregel.run(graph, cls(**params, compiled=False), workers=workers, **options)
    assert bits(ours.values) == bits(reference.values)
    assert (ours.supersteps, ours.stopped_by) == (reference.supersteps, reference.stopped_by)
    assert repr(ours.aggregated) == repr(reference.aggregated)
    for a, b in zip(ours.stats, reference.stats, strict=True):
        assert (a.active, a.messages_sent, a.messages_combined) == (b.active, b.messages_sent, b.messages_combined)
        assert repr(a.aggregated) == repr(b.aggregated)
    return ours


VECTORISED = [PageRankVertex(tol=1e-12), Sites(), Labels(), Specials(), MaxValue(), Hops(), ConnectedComponentsVertex()]


@pytest.mark.parametrize("program", VECTORISED, ids=lambda p: type(p).__name__)
def test_these_programs_vectorise(program):
    assert vectorise_reason(type(program)) is None


@pytest.mark.parametrize("name", ["dangling", "self_loops", "disconnected", "duplicates", "sparse_ids"])
@pytest.mark.parametrize("workers", [1, 3])
def test_vectorised_equals_interpreted_on_hand_made_graphs(name, workers, vectorised_steps):
    graph = hand_made(name)
    for program in VECTORISED:
        if isinstance(program, Hops):
            program = Hops(source=graph.ids.tolist()[0])
        if isinstance(program, ConnectedComponentsVertex):
            graph = graph.to_undirected()
        assert_same_bits(graph, program, workers=workers, max_supersteps=40)
    assert vectorised_steps["vectorised"] > 0


@settings(max_examples=30, deadline=None)
@given(random_graphs())
def test_vectorised_equals_interpreted_on_random_graphs(graph):
    for program in VECTORISED:
        if isinstance(program, Hops):
            program = Hops(source=graph.ids.tolist()[-1])
        assert_same_bits(graph, program, workers=2, max_supersteps=30)


def test_pagerank_on_a_real_graph_is_vectorised_every_superstep_and_agrees_with_networkx(vectorised_steps):
    graph = read_edges(str(WIKI_VOTE))
    ranks = assert_same_bits(graph, PageRankVertex(tol=1e-10), workers=2)
    assert vectorised_steps == {"vectorised": 2 * ranks.supersteps, "loop": 0}
    expected = nx.pagerank(graph.to_networkx(weights=False), tol=1e-13)
    np.testing.assert_allclose(ranks.values, [expected[v] for v in graph.ids.tolist()], rtol=1e-7)


def test_labels_are_the_components(vectorised_steps):
    graph = pregel.Graph.from_edges([5, 6, 7, 1, 9], [6, 7, 5, 9, 1]).to_undirected()
    assert pregel.run(graph, Labels).to_dict() == {1: 1, 5: 5, 6: 5, 7: 5, 9: 1}
    assert vectorised_steps["loop"] == 0


def test_lanes_of_different_types_fall_back_for_that_superstep(vectorised_steps):
    graph = hand_made("dangling")  # vertex 1 never gets a message: its value is the int 0
    assert_same_bits(graph, Mixed())
    assert vectorised_steps["loop"] > 0
    assert pregel.run(graph, Mixed).to_dict() == {1: 0.0, 2: 0.5, 3: 1.5}


@pytest.mark.parametrize("cls, error", [(DividesByZero, ZeroDivisionError), (AddsNone, TypeError)])
def test_a_vertex_that_raises_raises_as_in_the_interpreter(cls, error):
    graph = pregel.Graph.from_edges([1, 2, 3, 4], [2, 3, 4, 5])
    caught = []
    for program in (cls(), cls(compiled=False)):
        with pytest.raises(error) as info:
            pregel.run(graph, program)
        frame = traceback.extract_tb(info.value.__traceback__)[-1]
        caught.append((str(info.value), frame.filename, frame.lineno, frame.line))
    assert caught[0] == caught[1]
    assert caught[0][1] == __file__


def test_ints_beyond_2_53_fall_back(vectorised_steps):
    graph = pregel.Graph.from_edges([2**60, 1], [1, 2**60 + 1]).to_undirected()
    result = assert_same_bits(graph, Labels())
    assert result.to_dict() == {1: 1, 2**60: 1, 2**60 + 1: 1}
    assert vectorised_steps["loop"] > 0


def test_unsupported_constructs_say_why_and_run_the_loop(vectorised_steps):
    line = inspect.getsourcelines(Squares.compute)[1] + 1
    assert vectorise_reason(Squares) == f"line {line}: the operator Pow"
    assert "not compiled" in vectorise_reason(pregel.Vertex)
    assert_same_bits(hand_made("self_loops"), Squares())
    assert vectorised_steps == {"vectorised": 0, "loop": 0}


def test_vectorised_false_keeps_the_compiled_loop(vectorised_steps):
    graph = hand_made("duplicates")
    off = pregel.run(graph, PageRankVertex(vectorised=False), workers=1)
    assert vectorised_steps["vectorised"] == 0
    on = pregel.run(graph, PageRankVertex(), workers=1)
    assert vectorised_steps["vectorised"] == on.supersteps
    assert bits(on.values) == bits(off.values)
    pregel.run(graph, PageRankVertex(compiled=False), workers=1)
    assert vectorised_steps["vectorised"] == on.supersteps


@pytest.mark.parametrize(
    "cls, reason",
    [
        (ShortestPathsVertex, "a comparison other than == != < <= > >= and 'is None'"),  # self.id in self.sources
        (RingPass, "the operator Mod"),
        (Reachable, "a call of other than self.aggregated, abs, min or max"),
    ],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_why_a_program_is_not_vectorised(cls, reason):
    assert reason in vectorise_reason(cls)


def test_a_small_superstep_runs_the_loop(vectorised_steps, monkeypatch):
    monkeypatch.setattr(pregel.compiler.vectorise, "MIN_VERTICES", 4)
    graph = pregel.Graph.from_edges([1, 2, 3], [2, 3, 4])  # 4 vertices, then 3, 2, 1 with messages
    assert pregel.run(graph, MaxValue, workers=1).to_dict() == {1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0}
    assert vectorised_steps == {"vectorised": 1, "loop": 0}


def test_augmented_assignments_and_a_message_to_a_missing_vertex(vectorised_steps):
    ring = pregel.Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 0])
    errors = []
    for program in (Augmented(), Augmented(compiled=False)):
        with pytest.raises(pregel.PregelError) as info:
            pregel.run(ring, program, workers=1)
        errors.append(str(info.value))
    assert (
        errors[0]
        == errors[1]
        == (
            "Augmented sent a message to vertex 4, which is not in the graph "
            "(missing_vertex = 'error': set 'create' or 'drop' to allow it)"
        )
    )
    assert vectorised_steps == {"vectorised": 1, "loop": 0}
    line = pregel.Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 4])
    assert_same_bits(line, Augmented(step=-1.5), workers=2)
    assert vectorised_steps["vectorised"] > 1


@pytest.mark.parametrize("options", [{}, {"vectorised": False}, {"compiled": False}], ids=str)
def test_as_many_broadcasts_as_vertices_is_not_one_from_each(options):
    ring = pregel.Graph.from_edges([0, 1, 2], [1, 2, 0])
    assert pregel.run(ring, Twice(**options)).to_dict() == {0: 0.0, 1: 11.0, 2: 100.0}


class LocalsNamedAsReads(Vertex):
    """Locals named like what compute reads of self: ``self.id`` is still the vertex's id."""

    combiner = Sum

    def compute(self, messages):
        id = 0.5
        out_degree = self.out_degree * 2
        self.value = self.id + id + out_degree + self.out_degree
        self.vote_to_halt()


def test_a_local_named_like_a_read_is_not_the_read(vectorised_steps):
    graph = pregel.Graph.from_edges([10, 20], [20, 30])
    # id + 0.5 + 3 * out-degree
    assert assert_same_bits(graph, LocalsNamedAsReads()).to_dict() == {10: 13.5, 20: 23.5, 30: 30.5}
    assert vectorised_steps["vectorised"] > 0


def planted_bug(*args, **kwargs):
    raise RuntimeError("planted bug")


def test_a_bug_in_the_masked_evaluation_raises_when_strict(monkeypatch):
    monkeypatch.setenv("PREGEL_COMPILER_STRICT", "1")
    monkeypatch.setattr(pregel.compiler.lanes, "arithmetic", planted_bug)
    with pytest.raises(RuntimeError, match="planted bug"):
        pregel.run(hand_made("dangling"), PageRankVertex())


def test_a_bug_in_the_masked_evaluation_falls_back_and_is_counted_and_reported(monkeypatch, vectorised_steps):
    monkeypatch.delenv("PREGEL_COMPILER_STRICT")
    graph = hand_made("dangling")
    interpreted = pregel.run(graph, PageRankVertex(compiled=False))
    monkeypatch.setattr(pregel.compiler.lanes, "arithmetic", planted_bug)
    before = pregel.compiler.internal_errors()
    warned = r"PageRankVertex: an internal error of the compiler \(masked evaluation\): RuntimeError: planted bug"
    with pytest.warns(pregel.compiler.CompilerBugWarning, match=warned):
        ours = pregel.run(graph, PageRankVertex(), workers=2)
    assert bits(ours.values) == bits(interpreted.values)
    assert vectorised_steps == {"vectorised": 0, "loop": 2 * ours.supersteps}
    assert pregel.compiler.internal_errors() == before + 2 * ours.supersteps
