"""Vertex: the scalar API, as in the Pregel paper. Users subclass it and write ``compute``.

One ``Vertex`` object per partition is pointed at each active vertex in turn (no
object per vertex). Values and messages are plain Python values during ``compute``;
sends are collected in lists and routed as arrays afterwards.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.core.messages import as_message_array, object_array
from pregel.core.program import ACTIONS_OUTSIDE_COMPUTE, Program
from pregel.core.types import AlongEdges, Broadcast, Mutations, Outcome, Send, ToVertices
from pregel.errors import ProgramError

if TYPE_CHECKING:
    from pregel.compiler import Bindings, Sinks, lanes
    from pregel.compiler.loop import PartitionLoop
    from pregel.compiler.vectorise import Evaluation, Vectorised
    from pregel.core.messages import Mail
    from pregel.core.partition import Partition


class Vertex(Program):
    """Subclass and write ``compute(self, messages)``; the engine calls it per active vertex.

    Class attributes declare ``combiner`` (messages then arrive combined: one value,
    or ``None`` when none arrived; without a combiner ``messages`` is a list),
    ``aggregators`` (name → aggregator), ``initial_value`` (a constant, or a method
    ``initial_value(self)`` that may read ``self.id``) and ``value_dtype``
    (``object`` for arbitrary Python values). Other class attributes are parameters:
    ``MyProgram(param=value)``.

    Inside ``compute``: ``id``, ``value`` (settable), ``superstep``,
    ``num_vertices``, ``out_degree``, ``out_edges``, ``send_message``,
    ``send_message_to_all_neighbors``, ``vote_to_halt``, ``aggregate`` and
    ``aggregated``.

    ``compute`` is compiled from its source into one loop per partition
    (:mod:`pregel.compiler.loop`) with the same results, side effects and tracebacks, when
    that is provably exact; else, and with ``compiled = False`` (a class attribute,
    or ``MyProgram(compiled=False)``), it is called vertex by vertex.
    :func:`pregel.compiler.fallback_reason` tells why a class is not compiled. A
    compiled ``compute`` that only does arithmetic, comparisons and ``if`` on numbers
    is moreover evaluated over arrays of vertices whenever that is exact
    (:mod:`pregel.compiler.vectorise`; ``vectorised = False`` turns only that off;
    :func:`pregel.compiler.vectorise_reason` tells why not).

    Examples
    --------
    Every vertex learns the largest value in its connected component (the paper's
    first example):

    >>> import pregel
    >>> from pregel.core.combiners import Max
    >>> class MaxValue(Vertex):
    ...     combiner = Max
    ...     def initial_value(self):
    ...         return float(self.id)
    ...     def compute(self, messages):
    ...         if self.superstep == 0 or (messages is not None and messages > self.value):
    ...             if messages is not None:
    ...                 self.value = messages
    ...             self.send_message_to_all_neighbors(self.value)
    ...         self.vote_to_halt()
    >>> g = pregel.Graph.from_edges([3, 6, 2, 1], [6, 2, 1, 6])
    >>> pregel.run(g, MaxValue).to_dict()
    {1: 6.0, 2: 6.0, 3: 3.0, 6: 6.0}
    """

    def compute(self, messages: Any) -> None:
        """Run one vertex for one superstep. Override this."""
        raise ProgramError(f"{type(self).__name__} must define compute(self, messages)")

    # The engine sets ``id``, ``value`` and ``out_degree`` as plain attributes before
    # each call (and reads ``value`` back after it): a property would cost a Python
    # call on every access, several times per vertex per superstep.
    id: int
    value: Any
    out_degree: int

    #: Run ``compute`` as one loop per partition, compiled from its source by
    #: :mod:`pregel.compiler.loop`, whenever that is provably exact (else it is interpreted
    #: vertex by vertex as always). Set False to always interpret, e.g. for a debugger.
    compiled: bool = True

    #: Evaluate a compiled ``compute`` over whole arrays of vertices, one mask per
    #: ``if`` (:mod:`pregel.compiler.vectorise`), in the supersteps where that is provably exact.
    #: Set False to keep the compiled loop.
    vectorised: bool = True

    @property
    def out_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """``(targets, weights)``: original ids of the out-neighbours and the edge weights (1 if unweighted)."""
        return _out_edges(self._partition, self._i)

    # ------------------------------------------------------------------ actions
    def send_message(self, target: int, message: Any) -> None:
        """Send ``message`` to the vertex with original id ``target`` (delivered next superstep)."""
        sinks = self._sinks
        sinks.send_targets.append(target)
        sinks.send_values.append(message)

    def send_message_to_all_neighbors(self, message: Any) -> None:
        """Send ``message`` along every out-edge."""
        sinks = self._sinks
        sinks.broadcast_senders.append(self._i)
        sinks.broadcast_values.append(message)

    def send_message_along(self, edge: int, message: Any) -> None:
        """Send ``message`` along this vertex's out-edge number ``edge`` (``0 <= edge < out_degree``).

        It goes to ``self.out_edges[0][edge]``, found by position: no lookup of the
        target by its id, which ``send_message`` makes.

        Examples
        --------
        >>> import pregel
        >>> from pregel.core.combiners import Min
        >>> class Hop(Vertex):
        ...     combiner = Min
        ...     initial_value = float("inf")
        ...     def compute(self, messages):
        ...         best = 0.0 if self.superstep == 0 and self.id == 1 else (messages or float("inf"))
        ...         if best < self.value:
        ...             self.value = best
        ...             for edge, weight in enumerate(self.out_edges[1]):
        ...                 self.send_message_along(edge, best + weight)
        ...         self.vote_to_halt()
        >>> pregel.run(pregel.Graph.from_edges([1, 1, 2], [2, 3, 3], [4.0, 9.0, 2.0]), Hop).to_dict()
        {1: 0.0, 2: 4.0, 3: 6.0}
        """
        sinks = self._sinks
        sinks.along_values.append(message)
        sinks.along_edges.append(edge)
        sinks.along_senders.append(self._i)

    # ---------------------------------------------------------------- mutations
    # Not actions of the compiler's table: a compute that mutates the graph runs
    # interpreted (its calls are rare and the barrier's rebuild dominates).
    def add_vertex(self, id: int, value: Any) -> None:
        """Add vertex ``id`` (an original id) with ``value`` before the next superstep; it starts active.

        Mutations are applied at the barrier, in the order of :mod:`pregel.core.mutations`:
        edge removals, vertex removals, vertex additions, edge additions.

        Examples
        --------
        >>> import pregel
        >>> class Leaf(Vertex):
        ...     def compute(self, messages):
        ...         if self.superstep == 0 and self.out_degree == 0:
        ...             self.add_vertex(self.id * 10, 1.0)
        ...             self.add_edge(self.id, self.id * 10)
        ...         self.vote_to_halt()
        >>> pregel.run(pregel.Graph.from_edges([1], [2]), Leaf).to_dict()
        {1: 0.0, 2: 0.0, 20: 1.0}
        """
        self._mutations.add_vertices.append((np.array([id]), self._values_array([value], np.array([id]))))

    def remove_vertex(self, id: int) -> None:
        """Remove vertex ``id`` (an original id), with its in- and out-edges, before the next superstep."""
        self._mutations.remove_vertices.append(np.array([id]))

    def add_edge(self, source: int, target: int, weight: float = 1.0) -> None:
        """Add the edge ``source -> target`` (original ids) of ``weight`` before the next superstep."""
        self._mutations.add_edges.append((np.array([source]), np.array([target]), np.array([weight], dtype=float)))

    def remove_edge(self, source: int, target: int) -> None:
        """Remove the edge ``source -> target`` (original ids) before the next superstep; a missing one is ignored."""
        self._mutations.remove_edges.append((np.array([source]), np.array([target])))

    def vote_to_halt(self) -> None:
        """Go inactive until a message arrives."""
        self._sinks.halted.append(self._i)

    def aggregate(self, name: str, value: Any) -> None:
        """Contribute ``value`` to aggregator ``name`` (visible to all next superstep)."""
        try:
            contributions = self._sinks.contributions[name]
        except KeyError:
            self.aggregator(name)
            raise
        contributions.append(value)

    def aggregated(self, name: str) -> Any:
        """The value aggregator ``name`` reached in the previous superstep."""
        try:
            return self._aggregated[name]
        except KeyError:
            self.aggregator(name)
            raise

    # ------------------------------------------------------------ engine hooks
    def holds_the_gil(self) -> bool:
        """True unless ``compute`` is evaluated over arrays (:mod:`pregel.compiler.vectorise`).

        A loop, compiled or interpreted, holds the GIL: two partitions in threads take
        turns and lose time handing it over.
        """
        from pregel.compiler import compile_vertex

        arrays = np.dtype(self.value_dtype) in (np.float64, np.int64)
        return not (arrays and self.compiled and self.vectorised and compile_vertex(type(self)).vectorised is not None)

    def _bind(self, partition: Partition) -> None:
        self._partition = partition
        self.num_vertices = partition.num_vertices

    def initial_values(self, partition: Partition) -> np.ndarray:
        self._bind(partition)
        cls = type(self)
        if not callable(cls.initial_value):
            return self.constant_values(partition.size)
        values = []
        self._sinks = self._mutations = _OutsideCompute(type(self).__name__)
        ids, degree = partition.ids.tolist(), partition.out_degree.tolist()
        for self._i, self.id, self.out_degree in zip(range(partition.size), ids, degree):
            values.append(self.initial_value())
        return self._values_array(values, partition.ids)

    def compute_partition(
        self,
        partition: Partition,
        superstep: int,
        aggregated: dict[str, Any],
        mail: Mail,
        computing: np.ndarray | None,
    ) -> Outcome:
        self._bind(partition)
        self.superstep = superstep
        self._aggregated = aggregated
        self._mutations = Mutations()
        every = slice(None) if computing is None else computing
        # the compiler (ast, inspect) is imported when a Vertex program first runs: a batch program's process
        # does without it
        from pregel.compiler import compile_vertex

        compiled = compile_vertex(type(self)) if self.compiled and not partition.trace else None
        loop = None if compiled is None else compiled.loop
        bindings = None if loop is None else loop.bindings(self, aggregated, functools.partial(_out_edges, partition))
        form = None if compiled is None or not self.vectorised else compiled.vectorised
        outcome: tuple[np.ndarray, Sinks | Evaluation] | None = None
        if bindings is not None and form is not None:
            outcome = self._vectorised(form, partition, computing, every, mail, bindings)
        if outcome is None:
            outcome = self._loop(partition, computing, every, mail, partition.trace, loop, bindings)
        done = _outcome(partition, *outcome)
        done.mutations = self._mutations
        return done

    def _loop(
        self,
        partition: Partition,
        computing: np.ndarray | None,
        every: Any,
        mail: Mail,
        trace: bool,
        loop: PartitionLoop | None,
        bindings: Bindings | None,
    ) -> tuple[np.ndarray, Sinks]:
        """The superstep vertex by vertex: compiled, or interpreted when ``bindings`` is None."""
        from pregel.compiler import Sinks

        self._sinks = sinks = Sinks.empty(self.aggregators)
        order = range(partition.size) if computing is None else computing.tolist()
        if mail.combined:
            messages = mail.dense(None)[every].tolist() if len(mail) else [None] * partition.size
        else:
            ptr = mail.indptr.tolist()
            flat = mail.values.tolist()
            messages = [flat[ptr[i] : ptr[i + 1]] for i in order]
        if bindings is None:
            ids, degree = partition.ids[every].tolist(), partition.out_degree[every].tolist()
            values = self._compute_all(order, ids, partition.values[every].tolist(), degree, messages, trace)
        else:
            assert loop is not None
            ids = partition.ids[every].tolist() if "id" in loop.uses else None
            degree = partition.out_degree[every].tolist() if "out_degree" in loop.uses else None
            values = loop.run(order, ids, partition.values[every].tolist(), degree, messages, bindings, sinks)
        return self._values_array(values, partition.ids, every), sinks

    def _values_array(self, values: list[Any], ids: Any, every: Any = slice(None)) -> np.ndarray:
        """``values`` of the vertices ``ids[every]`` as an array of ``value_dtype``; ProgramError naming a misfit."""
        array = _to_array(values, self.value_dtype)
        if array is not None:
            return array
        dtype = np.dtype(self.value_dtype)
        k = next(k for k, value in enumerate(values) if _to_array([value], dtype) is None)
        vertex = ids[every][k]
        raise ProgramError(
            f"{type(self).__name__} set the value of vertex {vertex} to {values[k]!r}, which value_dtype {dtype} "
            "cannot hold (declare value_dtype = object for any Python value)"
        )

    def _vectorised(
        self,
        form: Vectorised,
        partition: Partition,
        computing: np.ndarray | None,
        every: Any,
        mail: Mail,
        bindings: Bindings,
    ) -> tuple[np.ndarray, Evaluation] | None:
        """The superstep over arrays (:mod:`pregel.compiler.vectorise`), or None when only the loop is exact."""
        dtype = np.dtype(self.value_dtype)
        if dtype not in (np.float64, np.int64) or not (mail.combined or not form.reads_messages):
            return None
        size = partition.size if computing is None else computing.size
        from pregel.compiler import lanes, vectorise
        from pregel.compiler.actions import POSITIONS

        if size < vectorise.MIN_VERTICES:
            return None
        inputs = vectorise.Inputs(
            value=lambda: lanes.array(partition.values[every]),
            id=lambda: lanes.array(partition.ids[every]),
            out_degree=lambda: lanes.array(partition.out_degree[every]),
            messages=lambda: _combined_messages(partition, every, mail, size),
        )
        outcome = vectorise.run(form, inputs, bindings, size)
        if outcome is None or (dtype == np.int64 and outcome.values.dtype != np.int64):
            return None

        if computing is not None:
            # positions count the computing vertices from 0: make them the partition's indices
            for name in POSITIONS:
                setattr(outcome, name, computing[getattr(outcome, name)])
        return outcome.values.astype(dtype, copy=False), outcome

    def _compute_all(
        self, order: Any, ids: list[int], values: list[Any], degree: list[int], messages: list[Any], trace: bool
    ) -> list[Any]:
        """The per-vertex loop (aligned lists in, new values out): all the Python that runs per vertex."""
        compute = self._compute_noting_senders if trace else self.compute
        new_values: list[Any] = []
        keep = new_values.append
        for self._i, self.id, self.value, self.out_degree, message in zip(order, ids, values, degree, messages):
            compute(message)
            keep(self.value)
        return new_values

    def _compute_noting_senders(self, messages: Any) -> None:
        """``compute``, remembering which vertex sent each ``send_message`` (for a trace)."""
        sinks = self._sinks
        before = len(sinks.send_targets)
        self.compute(messages)
        sinks.send_senders.extend([self._i] * (len(sinks.send_targets) - before))


class _OutsideCompute:
    """Where the actions go outside ``compute`` (``initial_value``): each is a ProgramError naming the program."""

    def __init__(self, program: str) -> None:
        self.program = program

    def __getattr__(self, name: str) -> Any:
        raise ProgramError(ACTIONS_OUTSIDE_COMPUTE.format(program=self.program))


def _outcome(partition: Partition, new_values: np.ndarray, sinks: Sinks | Evaluation) -> Outcome:
    """What the loop or the array evaluation appended, as the partition's Outcome (sends in a fixed order)."""
    sends: list[Send] = []
    senders = np.asarray(sinks.broadcast_senders, dtype=np.int64)
    if senders.size:
        # as many broadcasts as vertices is not one from each when a vertex sent twice
        each_once = senders.size == partition.size and bool((np.diff(senders) > 0).all())
        sends.append(Broadcast(None if each_once else senders, as_message_array(sinks.broadcast_values)))
    if len(sinks.along_edges):
        edges = _edge_positions(partition, np.asarray(sinks.along_senders, dtype=np.int64), sinks.along_edges)
        sends.append(AlongEdges(edges, as_message_array(sinks.along_values)))
    if len(sinks.send_targets):
        noted = np.asarray(sinks.send_senders, dtype=np.int64) if len(sinks.send_senders) else None
        sends.append(ToVertices(np.asarray(sinks.send_targets), as_message_array(sinks.send_values), noted))
    halted = np.asarray(sinks.halted, dtype=np.int64)
    contributed = {name: [as_message_array(c)] for name, c in sinks.contributions.items() if len(c)}
    return Outcome(new_values.size, new_values, halted, sends, contributed)


def _edge_positions(partition: Partition, senders: np.ndarray, edges: Any) -> np.ndarray:
    """Positions in the partition's CSR of each sender's out-edge number ``edges[k]``; ProgramError naming a bad one."""
    numbers = np.asarray(edges)
    degree = partition.out_degree[senders]
    bad = np.flatnonzero((numbers < 0) | (numbers >= degree)) if numbers.dtype.kind in "iu" else np.arange(numbers.size)
    if bad.size:
        k = int(bad[0])
        raise ProgramError(
            f"vertex {partition.ids[senders[k]]} called send_message_along({numbers[k].item()!r}, ...) "
            f"but has {degree[k]} out-edges (numbered from 0)"
        )
    return partition.indptr[senders] + numbers


def _out_edges(partition: Partition, i: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = partition.indptr[i], partition.indptr[i + 1]
    targets = partition.data.ids[partition.indices[a:b]]
    weights = np.ones(b - a) if partition.weights is None else partition.weights[a:b]
    return targets, weights


def _combined_messages(partition: Partition, every: Any, mail: Mail, size: int) -> lanes.Lanes:
    """The combined message of each computing vertex, None where none arrived."""
    from pregel.compiler import lanes

    if not len(mail):
        return lanes.Lanes(np.zeros(size), "float", np.ones(size, dtype=bool))
    values = mail.values
    data = mail.dense(np.zeros((), dtype=values.dtype)[()])[every]
    return lanes.array(data, mail.has[every])


def _to_array(values: list[Any], dtype: Any) -> np.ndarray | None:
    """``values`` as a 1-d array of ``dtype``; None if one of them is not a value of it (None is no number)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        return object_array(values)
    try:
        # item by item into the declared type: twice as fast as asarray, which first
        # looks for nested sequences
        array = np.fromiter(values, dtype=dtype, count=len(values))
    except (TypeError, ValueError, OverflowError):
        try:
            array = np.asarray(values, dtype=dtype)
        except (TypeError, ValueError, OverflowError):
            return None
    # numpy reads None as NaN: look for one only where a NaN is
    if array.shape != (len(values),):
        return None
    if dtype.kind in "fc" and np.isnan(array).any() and any(v is None for v in values):
        return None
    return array
