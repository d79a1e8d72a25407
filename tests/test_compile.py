"""A compiled ``compute`` behaves exactly like the interpreted one, and unsafe programs fall back."""

from __future__ import annotations

import inspect
import math
import traceback
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse.csgraph as csgraph
from hypothesis import given, settings

import pregel
import pregel.compiler
from pregel import Count, Max, Min, Sum, Vertex
from pregel.algorithms.components import ConnectedComponentsVertex
from pregel.algorithms.pagerank import PageRankVertex
from pregel.algorithms.sssp import ShortestPathsVertex
from pregel.compiler import compile_vertex, fallback_reason
from pregel.compiler.actions import ACTIONS, READS
from pregel.compiler.hoist import Hoisting
from pregel.core.aggregators import Aggregator
from tests.graphs import hand_made, random_graphs

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class MaxValue(Vertex):
    combiner = Max

    def initial_value(self):
        return float(self.id)

    def compute(self, messages):
        if self.superstep == 0 or (messages is not None and messages > self.value):
            if messages is not None:
                self.value = messages
            self.send_message_to_all_neighbors(self.value)
        self.vote_to_halt()


class InDegreeByList(Vertex):
    """No combiner: messages arrive as a list; ``for m in messages``."""

    value_dtype = np.int64
    initial_value = 0

    def compute(self, messages):
        if self.superstep == 0:
            self.send_message_to_all_neighbors(1)
        else:
            total = 0
            for m in messages:
                total += m
            self.value = total
            self.vote_to_halt()


class RingPass(Vertex):
    """send_message to explicit ids; reads self.value right after setting it."""

    combiner = Sum
    value_dtype = np.int64
    initial_value = 0
    size = 1

    def compute(self, messages):
        if self.superstep < 4:
            self.value = self.value + (messages or 0) + self.id
            self.send_message((self.id + 1) % self.size, self.value * 2)
            self.send_message(self.id, 1)
        else:
            self.vote_to_halt()


class Hops(Vertex):
    """Early return, vote_to_halt, a parameter and an aggregator read and written."""

    combiner = Min
    value_dtype = np.int64
    initial_value = -1
    aggregators = {"reached": Count, "latest": Max, "names": Sum}
    source = 0

    def compute(self, messages):
        if self.superstep == 0:
            if self.id != self.source:
                self.vote_to_halt()
                return
            self.value = 0
        elif self.value >= 0 or messages is None:
            self.vote_to_halt()
            return None
        else:
            self.value = self.aggregated("latest") + 1 if self.aggregated("reached") else messages + 1
        self.aggregate("reached", self.id)
        self.aggregate("latest", self.value)
        self.send_message_to_all_neighbors(self.value)
        self.vote_to_halt()


class Longest(Aggregator):
    identity = ""

    def merge(self, a, b):
        return a if (len(a), a) >= (len(b), b) else b


class Reachable(Vertex):
    """Object values (sets), a user-defined aggregator, try/except and comprehensions."""

    value_dtype = object
    aggregators = {"longest": Longest}
    limit = 5

    def initial_value(self):
        return frozenset([self.id])

    def compute(self, messages):
        merged = set(self.value)
        for m in messages:
            merged |= m
        try:
            ratio = len(merged) / (len(merged) - len(self.value))
        except ZeroDivisionError:
            ratio = math.inf
        grown = frozenset(merged)
        if self.superstep == 0 or grown != self.value:
            self.value = grown
            me = self.id
            labels = sorted([str(x) for x in grown if x != me])
            self.aggregate("longest", ",".join(labels[: self.limit]) + f"/{ratio:.3f}")
            self.send_message_to_all_neighbors(self.value)
        else:
            self.vote_to_halt()


class Silent(Vertex):
    """Never assigns value and never sends: every value stays, one superstep."""

    initial_value = 2.5

    def compute(self, messages):
        if self.value > 100:
            self.value = 0.0
        self.vote_to_halt()


class Crash(Vertex):
    def compute(self, messages):
        if self.superstep == 1 and self.id == 3:
            return 1 / 0  # crash line
        self.send_message_to_all_neighbors(1.0)


class Ping(Vertex):
    combiner = Sum

    def compute(self, messages):
        self.send_message_to_all_neighbors(1.0)
        self.vote_to_halt()


class Relay(Ping):
    """Redefines part of the API: must fall back, and its redefinition must run."""

    def send_message_to_all_neighbors(self, message):
        super().send_message_to_all_neighbors(message * 2)


class WithHelper(Vertex):
    combiner = Sum

    def helper(self):
        return 1.0

    def compute(self, messages):
        self.value = self.helper()


class SetsAttribute(Vertex):
    def compute(self, messages):
        self.last = messages
        self.vote_to_halt()


class PassesSelf(Vertex):
    def compute(self, messages):
        len([self])
        self.vote_to_halt()


class CallsSuper(Vertex):
    combiner = Sum

    def compute(self, messages):
        super().vote_to_halt()


class Lazy(Vertex):
    combiner = Sum

    def compute(self, messages):
        bonus = self.superstep
        self.value = sum(x * bonus for x in [1.0, 2.0])
        self.vote_to_halt()


class Generator(Vertex):
    def compute(self, messages):
        yield self.value


class MaybeUnbound(Vertex):
    """A local read before it is assigned on some path: the interpreter raises UnboundLocalError."""

    combiner = Sum

    def compute(self, messages):
        if self.superstep == 0:
            self.send_message_to_all_neighbors(1.0)
        if messages is not None:
            got = messages
        self.value = got
        self.vote_to_halt()


class ReturnInLoop(Vertex):
    def compute(self, messages):
        for _ in range(2):
            self.vote_to_halt()
            return


class Frame(Vertex):
    def compute(self, messages):
        self.value = float(len(locals()))
        self.vote_to_halt()


def marked(function):
    function.marked = True
    return function


class Decorated(Vertex):
    @marked
    def compute(self, messages):
        self.vote_to_halt()


def closure_program():
    bonus = 3.0

    class Closure(Vertex):
        def compute(self, messages):
            self.value = bonus
            self.vote_to_halt()

    return Closure


class MutableParameter(Vertex):
    """Compiles, but a mutable parameter makes each superstep run in the interpreter."""

    combiner = Sum
    weights = None

    def compute(self, messages):
        self.value = self.weights[0] + (messages or 0.0)
        if self.superstep < 2:
            self.send_message_to_all_neighbors(1.0)
        else:
            self.vote_to_halt()


class Undeclared(Vertex):
    def compute(self, messages):
        self.aggregate("nowhere", 1)


def interpreted(program: Vertex) -> Vertex:
    program.compiled = False
    return program


def assert_same_run(graph: pregel.Graph, program, workers: int = 1, **options) -> pregel.Result:
    """Run compiled and interpreted; every observable outcome must be identical."""
    fresh = program if isinstance(program, type) else type(program)
    params = {} if isinstance(program, type) else program.params
    compiled = pregel.run(graph, fresh(**params), workers=workers, **options)
    reference = pregel.run(graph, interpreted(fresh(**params)), workers=workers, **options)
    assert compiled.values.dtype == reference.values.dtype
    assert compiled.values.tolist() == reference.values.tolist()
    assert (compiled.supersteps, compiled.stopped_by) == (reference.supersteps, reference.stopped_by)
    assert compiled.aggregated == reference.aggregated
    for ours, theirs in zip(compiled.stats, reference.stats):
        assert (ours.active, ours.messages_sent, ours.aggregated) == (
            theirs.active,
            theirs.messages_sent,
            theirs.aggregated,
        )
    return compiled


COMPILED = [MaxValue, InDegreeByList, RingPass, Hops, Reachable, Silent, PageRankVertex]
COMPILED += [ShortestPathsVertex, ConnectedComponentsVertex, MutableParameter, Ping]


@pytest.mark.parametrize("cls", COMPILED, ids=lambda c: c.__name__)
def test_these_programs_compile(cls):
    assert fallback_reason(cls) is None
    assert compile_vertex(cls).loop is not None


def programs(graph: pregel.Graph) -> list:
    ids = graph.ids.tolist()
    ring = pregel.Graph.from_edges(list(range(len(ids))), [(i + 1) % len(ids) for i in range(len(ids))])
    return [
        (graph, MaxValue),
        (graph, InDegreeByList),
        (ring, RingPass(size=len(ids))),
        (graph, Hops(source=ids[0])),
        (graph, Reachable(limit=3)),
        (graph, Silent),
        (graph, PageRankVertex(tol=1e-12)),
        (graph, ShortestPathsVertex(source=ids[-1])),
        (graph.to_undirected(), ConnectedComponentsVertex),
        (graph, MutableParameter(weights=[0.5])),
    ]


@pytest.mark.parametrize("name", ["dangling", "self_loops", "disconnected", "weighted_diamond", "sparse_ids"])
@pytest.mark.parametrize("workers", [1, 3])
def test_compiled_equals_interpreted_on_hand_made_graphs(name, workers):
    for graph, program in programs(hand_made(name)):
        assert_same_run(graph, program, workers=workers, max_supersteps=60)


@settings(max_examples=25, deadline=None)
@given(random_graphs(weights="positive"))
def test_compiled_equals_interpreted_on_random_graphs(graph):
    for g, program in programs(graph):
        assert_same_run(g, program, workers=2, max_supersteps=60)


def test_compiled_pagerank_equals_networkx():
    graph = pregel.Graph.from_edges([1, 1, 2, 3, 4, 4, 5], [2, 3, 3, 1, 1, 5, 4])
    ranks = pregel.run(graph, PageRankVertex(tol=1e-13)).values
    expected = nx.pagerank(graph.to_networkx(weights=False), tol=1e-15)
    np.testing.assert_allclose(ranks, [expected[v] for v in graph.ids.tolist()], rtol=1e-9)


@settings(max_examples=20, deadline=None)
@given(random_graphs(weights="positive"))
def test_compiled_sssp_and_components_equal_scipy(graph):
    source = graph.ids.tolist()[0]
    distances = pregel.run(graph, ShortestPathsVertex(source=source)).values
    expected = csgraph.dijkstra(graph.to_scipy(), indices=0)
    np.testing.assert_array_equal(distances, expected)
    undirected = graph.to_undirected()
    labels = pregel.run(undirected, ConnectedComponentsVertex).values
    _, component = csgraph.connected_components(undirected.to_scipy(), directed=False)
    smallest = {c: min(graph.ids[component == c].tolist()) for c in set(component.tolist())}
    assert labels.tolist() == [smallest[c] for c in component.tolist()]


def test_hand_computed_results():
    g = pregel.Graph.from_edges([3, 6, 2, 1], [6, 2, 1, 6])
    assert pregel.run(g, MaxValue).to_dict() == {1: 6.0, 2: 6.0, 3: 3.0, 6: 6.0}
    assert pregel.run(g, InDegreeByList).to_dict() == {1: 1, 2: 1, 3: 0, 6: 2}
    assert pregel.run(g, Hops(source=3)).to_dict() == {1: 3, 2: 2, 3: 0, 6: 1}
    ring = pregel.Graph.from_edges([0, 1, 2], [1, 2, 0])
    # v_s = v_(s-1) + id + 1 (its own note) + 2 * predecessor's v_(s-1), for s = 1..3:
    # [0, 1, 2] -> [5, 3, 7] -> [20, 15, 16] -> [53, 57, 49]
    assert pregel.run(ring, RingPass(size=3)).to_dict() == {0: 53, 1: 57, 2: 49}


def test_a_crash_points_at_the_users_line():
    g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    for program in (Crash(), interpreted(Crash())):
        with pytest.raises(ZeroDivisionError) as caught:
            pregel.run(g, program)
        frame = traceback.extract_tb(caught.value.__traceback__)[-1]
        assert frame.filename == __file__
        assert frame.line == "return 1 / 0  # crash line"
        assert frame.name == "compute"


@pytest.mark.parametrize(
    "cls, reason",
    [
        (Relay, "redefines send_message_to_all_neighbors"),
        (WithHelper, "reads self.helper, which is not a parameter"),
        (SetsAttribute, "sets or deletes self.last"),
        (PassesSelf, "uses self other than"),
        (CallsSuper, "super()"),
        (Lazy, "uses bonus"),
        (Generator, "generator"),
        (MaybeUnbound, "got may be read before it is assigned"),
        (ReturnInLoop, "return inside a loop"),
        (Frame, "locals depends on the frame"),
        (Decorated, "decorated"),
        (closure_program(), "enclosing scope"),
        (Vertex, "compute is not defined"),
    ],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_unsafe_programs_fall_back(cls, reason):
    assert compile_vertex(cls).loop is None
    assert reason in fallback_reason(cls)


def test_fallen_back_programs_still_run_as_written():
    g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    assert pregel.run(g, Relay, max_supersteps=2).values.tolist() == [0.0, 0.0, 0.0]
    assert pregel.run(g, Lazy).values.tolist() == [0.0, 0.0, 0.0]
    assert pregel.run(pregel.Graph.from_edges([1], [2]), Frame).values.tolist() == [2.0, 2.0]
    with pytest.raises(UnboundLocalError):
        pregel.run(pregel.Graph.from_edges([1, 1], [2, 3]), MaybeUnbound)
    with pytest.raises(pregel.PregelError, match="'nowhere' is not declared"):
        pregel.run(g, Undeclared)


def test_a_trace_runs_the_interpreter_with_the_same_result():
    g = hand_made("disconnected")
    traced = pregel.run(g, MaxValue, trace=True)
    assert traced.values.tolist() == pregel.run(g, MaxValue).values.tolist()
    assert traced.trace is not None


def test_shipped_examples_compile(run_cli, tmp_path):
    from pregel.cli.userprog import load_program

    widest = type(load_program(f"{EXAMPLES}/widest_path.py:WidestPath", ["source=1"]))
    assert fallback_reason(widest) is None
    edges = tmp_path / "capacities.txt"
    edges.write_text("1 2 5\n1 3 2\n2 4 1\n3 4 9\n")
    done = run_cli("run", f"{EXAMPLES}/widest_path.py:WidestPath", str(edges), "--param", "source=1")
    assert done.returncode == 0, done.stderr
    done = run_cli("run", f"{EXAMPLES}/bfs_levels.py:BFSLevels", str(edges), "--param", "source=1")
    assert done.returncode == 0, done.stderr


class Scaled(Vertex):
    """Invariant arithmetic, hoisted out of the loop when its operands are plain numbers."""

    combiner = Sum
    scale = 2
    zero = 0

    def compute(self, messages):
        n = self.num_vertices
        half = self.scale / 2
        if self.superstep > 100:
            self.value = 1 / self.zero  # never reached: hoisting must not raise it
        elif self.superstep == 3:
            self.value = self.value / self.zero if self.id == -1 else self.value
        self.value = self.value * half + (messages or 0.0) / n - -self.scale * 0.1
        if self.superstep < 4:
            self.send_message_to_all_neighbors(self.value / (1 + self.superstep))
        else:
            self.vote_to_halt()


@pytest.mark.parametrize("scale", [2, 0.5, np.float32(0.3), -1])
def test_hoisted_arithmetic_gives_the_same_numbers(scale):
    assert compile_vertex(Scaled).loop.run is not compile_vertex(Scaled).loop.plain
    for name in ("dangling", "self_loops", "weighted_diamond"):
        assert_same_run(hand_made(name), Scaled(scale=scale), workers=2)


def test_pagerank_arithmetic_is_hoisted():
    loop = compile_vertex(PageRankVertex).loop
    assert loop.run is not loop.plain


def test_a_hoisted_expression_that_raises_raises_at_the_vertex_that_reaches_it():
    class Divide(Vertex):
        zero = 0.0

        def compute(self, messages):
            if self.id == 2:
                self.value = 1 / self.zero
            self.vote_to_halt()

    assert fallback_reason(Divide) is None
    g = pregel.Graph.from_edges([1, 2], [2, 3])
    assert pregel.run(g, Divide(zero=4.0)).to_dict() == {1: 0.0, 2: 0.25, 3: 0.0}
    for program in (Divide(), interpreted(Divide())):
        with pytest.raises(ZeroDivisionError):
            pregel.run(g, program)


def test_the_table_of_actions_is_the_api_of_vertex():
    """Each row of the compiler's table is a Vertex method taking the row's parameters."""
    for action in ACTIONS:
        assert tuple(inspect.signature(getattr(Vertex, action.name)).parameters)[1:] == action.parameters
    for read in READS:
        if read.named:
            assert tuple(inspect.signature(getattr(Vertex, read.name)).parameters)[1:] == ("name",)
        elif read.by_index:
            assert isinstance(inspect.getattr_static(Vertex, read.name), property)


def planted_bug(*args, **kwargs):
    raise RuntimeError("planted bug")


def fresh_max_value() -> type:
    """A class the compiler has not seen (it compiles each class once) that computes what MaxValue does."""
    return type("FreshMaxValue", (MaxValue,), {})


MAX_VALUE_GRAPH = pregel.Graph.from_edges([3, 6, 2, 1], [6, 2, 1, 6])
MAX_VALUE_RESULT = {1: 6.0, 2: 6.0, 3: 3.0, 6: 6.0}  # the paper's example, by hand


def test_a_bug_in_the_compiler_raises_when_strict(monkeypatch):
    monkeypatch.setenv("PREGEL_COMPILER_STRICT", "1")
    monkeypatch.setattr(Hoisting, "body", planted_bug)
    with pytest.raises(RuntimeError, match="planted bug"):
        pregel.run(MAX_VALUE_GRAPH, fresh_max_value())


def test_a_bug_in_the_compiler_falls_back_and_is_counted_and_reported(monkeypatch):
    monkeypatch.delenv("PREGEL_COMPILER_STRICT")
    monkeypatch.setattr(Hoisting, "body", planted_bug)
    cls = fresh_max_value()
    before = pregel.compiler.internal_errors()
    warned = r"FreshMaxValue: an internal error of the compiler \(partition loop\): RuntimeError: planted bug"
    with pytest.warns(pregel.compiler.CompilerBugWarning, match=warned):
        result = pregel.run(MAX_VALUE_GRAPH, cls)
    assert result.to_dict() == MAX_VALUE_RESULT
    assert result.to_dict() == pregel.run(MAX_VALUE_GRAPH, cls(compiled=False)).to_dict()
    assert pregel.compiler.internal_errors() == before + 1
    assert compile_vertex(cls).loop is None
    assert fallback_reason(cls).endswith("RuntimeError: planted bug")


def test_a_refusal_is_neither_counted_nor_reported():
    before = pregel.compiler.internal_errors()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "uses self other than" in fallback_reason(type("FreshPassesSelf", (PassesSelf,), {}))
    assert pregel.compiler.internal_errors() == before
