"""The data types every room shares: what a superstep reports, what a run returns, where a run stands.

A leaf: it imports nothing of ours, so the engine, the backends, the APIs, the command
line and the tests can all name these types without importing one another.
"""

from __future__ import annotations

import html
import importlib
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # names for annotations only: nothing of ours is imported at run time
    import networkx
    import pandas
    import polars
    import pyarrow

    from pregel.core.graph import Graph
    from pregel.core.trace import Trace


@dataclass
class PartitionTrace:
    """One partition's part of a superstep: its state afterwards and what it sent.

    ``values`` and ``active`` are the partition's own arrays, read by the recorder at
    the barrier (before the next superstep can change them).
    """

    lo: int
    values: np.ndarray
    active: np.ndarray
    senders: np.ndarray
    targets: np.ndarray
    messages: np.ndarray
    blocks: dict[int, Any]


@dataclass(frozen=True)
class Broadcast:
    """Each sender sends its entry of ``values`` along every one of its out-edges.

    ``senders`` are local vertex indices, ``None`` for every vertex of the partition.
    ``weighted``: the message along an edge is the value times the edge's weight.
    """

    senders: np.ndarray | None
    values: np.ndarray
    weighted: bool = False


@dataclass(frozen=True)
class AlongEdges:
    """``values[k]`` travels along the partition's out-edge number ``edges[k]`` (a position in its CSR)."""

    edges: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class ToVertices:
    """``values[k]`` goes to the vertex with original id ``ids[k]``, sent by local vertex ``senders[k]`` if known."""

    ids: np.ndarray
    values: np.ndarray
    senders: np.ndarray | None = None


Send = Broadcast | AlongEdges | ToVertices


@dataclass
class Mutations:
    """Topology changes asked for in one superstep, by original vertex ids; applied at the barrier.

    Each kind is a list of arrays, in the order asked (a program appends, the barrier
    concatenates): edge removals ``(sources, targets)``, vertex removals ``ids``, vertex
    additions ``(ids, values)`` and edge additions ``(sources, targets, weights)``.
    ``len()`` is the number of requests.
    """

    remove_edges: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    remove_vertices: list[np.ndarray] = field(default_factory=list)
    add_vertices: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    add_edges: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            sum(s.size for s, _ in self.remove_edges)
            + sum(ids.size for ids in self.remove_vertices)
            + sum(ids.size for ids, _ in self.add_vertices)
            + sum(s.size for s, _, _ in self.add_edges)
        )

    def extend(self, other: Mutations) -> None:
        """Append ``other``'s requests after these (the barrier gathers them in partition order)."""
        self.remove_edges += other.remove_edges
        self.remove_vertices += other.remove_vertices
        self.add_vertices += other.add_vertices
        self.add_edges += other.add_edges


@dataclass
class Unresolved:
    """Messages to original ids the sending partition did not find in the graph, settled at the barrier.

    After the superstep's mutations they go to the vertex if it exists by then; else
    the program's ``missing_vertex`` rule says: an error, dropped, or a new vertex.
    """

    ids: np.ndarray
    values: np.ndarray


@dataclass
class Outcome:
    """What a program's compute made of one partition's superstep: the contract between an API and its partition.

    Both APIs (and the compiler's vectorised route) return one; the partition applies
    it: it stores the values, marks the halted vertices, routes the sends in the order
    they were made and reduces each aggregator's contributions once. A program never
    writes a partition's arrays.

    Attributes
    ----------
    computed : int
        How many vertices ran ``compute``.
    values : numpy.ndarray or None
        The new values of the vertices that computed, in their order; ``None``: unchanged.
    halted : numpy.ndarray
        Local indices of the vertices that voted to halt.
    sends : list of Broadcast, AlongEdges or ToVertices
        The messages, in the order they were sent.
    contributions : dict of str to list of numpy.ndarray
        Each aggregator's contributions, in the order they were made.
    mutations : Mutations or None
        The topology changes compute asked for (``None``: none).
    updates : list of (numpy.ndarray, numpy.ndarray)
        New values for some of the vertices that computed: positions among them, and a
        value each; written after ``values``, in the order made.
    """

    computed: int
    values: np.ndarray | None
    halted: np.ndarray
    sends: list[Send] = field(default_factory=list)
    contributions: dict[str, list[np.ndarray]] = field(default_factory=dict)
    mutations: Mutations | None = None
    updates: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)


@dataclass
class PartitionStatus:
    """What a partition reports to the barrier after a superstep (small, O(1))."""

    index: int
    computed: int
    active: int
    sent: int
    combined: int
    partials: dict[str, Any]
    seconds: float
    block_sizes: dict[int, int] = field(default_factory=dict)
    trace: PartitionTrace | None = None
    # rarely anything: what the barrier settles before the next superstep
    mutations: Mutations | None = None
    unresolved: Unresolved | None = None


@dataclass
class SuperstepStats:
    """What happened in one superstep, summed over partitions."""

    superstep: int
    active: int
    messages_sent: int
    messages_combined: int
    seconds: float
    aggregated: dict[str, Any] = field(default_factory=dict)
    #: the partitions' compute, summed over them: what one core would spend, without transport
    compute_seconds: float = 0.0
    #: the slowest partition's compute: the part of ``seconds`` no transport or barrier is in
    slowest_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for JSON)."""
        return {
            "superstep": self.superstep,
            "active": self.active,
            "messages_sent": self.messages_sent,
            "messages_combined": self.messages_combined,
            "seconds": self.seconds,
            "compute_seconds": self.compute_seconds,
            "slowest_seconds": self.slowest_seconds,
            "aggregated": {k: _plain(v) for k, v in self.aggregated.items()},
        }


@dataclass
class Result:
    """The outcome of a run: final values aligned with ``graph.ids``, and how the run went.

    Attributes
    ----------
    graph : Graph
    values : numpy.ndarray
        ``values[i]`` belongs to vertex ``graph.ids[i]``.
    supersteps : int
        Number of supersteps executed.
    stats : list of SuperstepStats
    aggregated : dict
        Aggregator values after the last superstep.
    stopped_by : str
        ``"halted"`` (every vertex halted, no message in flight), ``"master"``
        (master compute stopped the run) or ``"max_supersteps"``.
    trace : Trace or None
        The run superstep by superstep, when it ran with ``trace=True``.
    recoveries : list of Recovery
        Each resume from a checkpoint and each recovery from a lost worker.
    values_are_ids : bool
        The values are vertex ids (connected components' labels): shown as the
        vertices' original ids (``original_values``), strings in a labelled graph.
    collected : list
        What each :class:`Collector` given to ``pregel.run(collect=...)`` made of the
        final values (say, the folder of part files it wrote), in the order given. A
        run with collectors gathers no values: ``values`` is then ``None``.

    The views a person reads (``to_dict``, ``result[vertex]``, ``to_table``,
    ``to_pandas``...) name vertices by their original ids, strings in a graph with
    ``labels``; ``ids`` and ``values`` are the engine's arrays.

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.components import ConnectedComponents
    >>> g = pregel.Graph.from_edges([1, 5], [2, 6]).to_undirected()
    >>> r = pregel.run(g, ConnectedComponents)
    >>> r.to_dict(), r[6], r.stopped_by
    ({1: 1, 2: 1, 5: 5, 6: 5}, 5, 'halted')
    >>> pregel.run(pregel.Graph.from_edges(["b"], ["a"]).to_undirected(), ConnectedComponents).to_dict()
    {'a': 'a', 'b': 'a'}
    """

    graph: Graph
    values: np.ndarray
    supersteps: int
    stats: list[SuperstepStats]
    aggregated: dict[str, Any]
    stopped_by: str
    trace: Trace | None = None
    recoveries: list[Recovery] = field(default_factory=list)
    values_are_ids: bool = False
    collected: list[Any] = field(default_factory=list)

    @property
    def ids(self) -> np.ndarray:
        """Vertex ids (``int64``), aligned with ``values``: the graph's ``ids``."""
        return self.graph.ids

    @property
    def original_ids(self) -> np.ndarray:
        """The vertices as the input named them, aligned with ``values``: labels if the graph has them."""
        return self.graph.original_ids

    @property
    def original_values(self) -> np.ndarray:
        """``values``, with vertex ids turned into original ids where the values are ids (``values_are_ids``)."""
        return self.graph.to_original(self.values) if self.values_are_ids else self.values

    def __getitem__(self, vertex: Any) -> Any:
        value = self.original_values[self.graph.index_of(vertex)[0]]
        return value.item() if isinstance(value, np.generic) else value

    def to_dict(self) -> dict[Any, Any]:
        """``{original id: value}`` with plain Python values."""
        return dict(zip(self.original_ids.tolist(), self.original_values.tolist()))

    def to_table(self) -> dict[str, np.ndarray]:
        """The result as columns ``vertex`` and ``value``, a table without pandas.

        ``pandas.DataFrame(result.to_table())`` and ``pyarrow.table(result.to_table())``
        accept it as it is. Values that are records with named fields (one PageRank per
        source) give one column per field instead of ``value``.

        Examples
        --------
        >>> import pregel
        >>> from pregel.algorithms.components import ConnectedComponents
        >>> r = pregel.run(pregel.Graph.from_edges([1, 5], [2, 6]).to_undirected(), ConnectedComponents)
        >>> {name: column.tolist() for name, column in r.to_table().items()}
        {'vertex': [1, 2, 5, 6], 'value': [1, 1, 5, 5]}
        """
        if self.values.dtype.names:
            return {"vertex": self.original_ids, **{name: self.values[name] for name in self.values.dtype.names}}
        return {"vertex": self.original_ids, "value": self.original_values}

    def to_numpy(self) -> np.ndarray:
        """The result as one structured array with fields ``vertex`` and ``value`` (or the columns of :meth:`to_table`).

        Examples
        --------
        >>> import pregel
        >>> from pregel.algorithms.components import ConnectedComponents
        >>> r = pregel.run(pregel.Graph.from_edges([1, 5], [2, 6]).to_undirected(), ConnectedComponents)
        >>> r.to_numpy()["value"].tolist()
        [1, 1, 5, 5]
        """
        table = self.to_table()
        if self.graph.labels is not None:
            # strings of a fixed width: such an array is saved and loaded without pickling
            table = {name: column.astype(str) if column.dtype == object else column for name, column in table.items()}
        records = np.empty(self.values.size, dtype=[(name, column.dtype) for name, column in table.items()])
        for name, column in table.items():
            records[name] = column
        return records

    def to_pandas(self) -> pandas.DataFrame:
        """The result as a pandas DataFrame with columns ``vertex`` and ``value`` (needs pandas).

        Raises
        ------
        ImportError
            Without pandas, naming the extra that installs it.

        Examples
        --------
        >>> import pregel
        >>> from pregel.algorithms.pagerank import pagerank
        >>> pagerank(pregel.Graph.from_edges(["a", "b"], ["b", "a"])).to_pandas()
          vertex  value
        0      a    0.5
        1      b    0.5
        """
        pd = _optional("pandas", "pandas", "Result.to_pandas")
        return pd.DataFrame(self.to_table())

    def to_polars(self) -> polars.DataFrame:
        """The result as a polars DataFrame with columns ``vertex`` and ``value`` (needs polars).

        Examples
        --------
        >>> import pregel
        >>> from pregel.algorithms.pagerank import pagerank
        >>> pagerank(pregel.Graph.from_edges([1, 2], [2, 1])).to_polars()["value"].to_list()
        [0.5, 0.5]
        """
        pl = _optional("polars", "polars", "Result.to_polars")
        return pl.DataFrame({name: _listed(column) for name, column in self.to_table().items()})

    def to_arrow(self) -> pyarrow.Table:
        """The result as a pyarrow Table with columns ``vertex`` and ``value`` (needs pyarrow).

        Raises
        ------
        TypeError
            If the values are Python objects Arrow cannot hold in one column.

        Examples
        --------
        >>> import pregel
        >>> from pregel.algorithms.pagerank import pagerank
        >>> pagerank(pregel.Graph.from_edges(["a", "b"], ["b", "a"])).to_arrow().column("vertex").to_pylist()
        ['a', 'b']
        """
        pa = _optional("pyarrow", "parquet", "Result.to_arrow")
        try:
            return pa.table(self.to_table())
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise TypeError(f"the values do not fit in an Arrow column ({exc})") from None

    def to_networkx(self, graph: networkx.Graph | None = None, name: str = "value") -> networkx.Graph:
        """Set each vertex's value as node attribute ``name`` of a networkx graph, and return the graph.

        Parameters
        ----------
        graph : networkx.Graph, optional
            A graph whose nodes are the original ids (it may have more); by default a
            new ``DiGraph`` of this result's graph.
        name : str
            The node attribute to set.

        Raises
        ------
        KeyError
            If a vertex of the result is not a node of ``graph``.

        Examples
        --------
        >>> import networkx as nx, pregel
        >>> from pregel.algorithms.pagerank import pagerank
        >>> G = nx.DiGraph([("a", "b"), ("b", "a")])
        >>> pagerank(pregel.Graph.from_networkx(G)).to_networkx(G, name="pagerank").nodes["a"]
        {'pagerank': 0.5}
        """
        import networkx as nx

        target = self.graph.to_networkx() if graph is None else graph
        values = self.to_dict()
        missing = next((vertex for vertex in values if vertex not in target), None)
        if missing is not None:
            raise KeyError(f"vertex {missing!r} of the result is not a node of the networkx graph")
        nx.set_node_attributes(target, values, name)
        return target

    @property
    def seconds(self) -> float:
        """Total seconds spent in supersteps."""
        return sum(s.seconds for s in self.stats)

    @property
    def compute_seconds(self) -> float:
        """About what one core (the local backend, one partition) would take for these supersteps.

        The partitions' compute, summed over partitions and supersteps: each partition's
        ``PartitionStatus.seconds``, from taking its mail to its outgoing blocks cut and
        combined (folding the inbox, the program's compute, applying its outcome, routing
        the sends, including the message routes a partition builds in its first
        superstep that broadcasts, as one partition does too). Not in it: what the
        barrier costs (fetching and delivering blocks between partitions, actor calls,
        master compute, mutations), start-up, checkpoints and supersteps replayed after
        a lost worker. On one core the partitions would run one after another, so the
        sum is one core's time, less the small fixed costs each extra partition adds
        (and more, when partitions that shared a busy machine slowed one another).
        ``0.0`` where no partition reported (a scipy reference run).

        Examples
        --------
        >>> import pregel
        >>> from pregel.algorithms.pagerank import pagerank
        >>> r = pagerank(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]))
        >>> 0 < r.compute_seconds <= r.seconds
        True
        """
        return sum(s.compute_seconds for s in self.stats)

    @property
    def overhead_seconds(self) -> float:
        """What the supersteps spent beyond their slowest partition's compute: barriers and transport.

        Summed over supersteps, each superstep's wall time less its slowest partition's
        compute: on Ray the actor calls, moving blocks through the object store and
        waiting for every worker; on the local backend handing partitions to threads
        and delivering blocks in memory. Master compute is in it on every backend.

        Examples
        --------
        >>> import pregel
        >>> from pregel.algorithms.pagerank import pagerank
        >>> r = pagerank(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]))
        >>> 0 <= r.overhead_seconds <= r.seconds
        True
        """
        return sum(max(s.seconds - s.slowest_seconds, 0.0) for s in self.stats)

    @property
    def workers_to_beat_one_core(self) -> int | None:
        """How many workers it takes to beat one core at this run's overhead (its COST); None: no number does.

        A run on ``W`` workers takes about ``overhead_seconds + compute_seconds / W`` (the
        overhead as measured, the compute shared out evenly), one core about
        ``compute_seconds``: the answer is the smallest ``W`` for which the first is the
        smaller. None when the overhead alone is as large as one core's compute (then
        one machine is faster however many workers there are), or when no partition
        reported its compute. McSherry, Isard and Murray's COST ("Scalability! But at
        what COST?", HotOS 2015) asks this of a system: how many cores before it
        beats a good single-threaded program.

        Examples
        --------
        >>> import pregel
        >>> g = pregel.Graph.from_edges([1], [2])
        >>> def run(compute, seconds):
        ...     stats = [SuperstepStats(0, 2, 0, 0, seconds, compute_seconds=compute, slowest_seconds=compute / 2)]
        ...     return Result(g, np.zeros(2), 1, stats, {}, "halted")
        >>> run(compute=1.0, seconds=0.8).workers_to_beat_one_core  # 0.3 s of overhead: 0.3 + 1/2 < 1
        2
        >>> run(compute=1.0, seconds=1.2).workers_to_beat_one_core  # 0.7 s: 0.7 + 1/4 < 1 needs 4
        4
        >>> run(compute=1.0, seconds=1.6).workers_to_beat_one_core is None  # 1.1 s of overhead: never
        True
        """
        compute, overhead = self.compute_seconds, self.overhead_seconds
        if compute <= overhead:
            return None
        # overhead + compute / W < compute  <=>  W > compute / (compute - overhead)
        return math.floor(compute / (compute - overhead)) + 1

    def _repr_html_(self) -> str:
        """What Jupyter shows: the run in a few lines, the top values, a sparkline of the convergence."""
        graph, values = self.graph, self.values
        rows = [
            ("vertices", f"{graph.num_vertices:,}"),
            ("edges", f"{graph.num_edges:,}"),
            ("supersteps", f"{self.supersteps:,}"),
            ("stopped by", STOPPED_BY.get(self.stopped_by, self.stopped_by)),
            ("time", seconds_text(self.seconds)),
        ]
        kind = "" if values is None else values.dtype.kind
        numeric = kind in ("f", "i", "u")
        if kind in ("i", "u"):
            rows.append(("distinct values", f"{np.unique(values).size:,}"))
        if kind == "f" and not np.isfinite(values).all():
            rows.append(("not finite", f"{int(np.isposinf(values).sum()):,} ∞, {int(np.isnan(values).sum()):,} NaN"))
        if self.recoveries:
            rows.append(("recoveries", "; ".join(r.describe() for r in self.recoveries)))
        curve, markup = convergence(self.stats), set()
        if curve is not None:
            label, points, log = curve
            rows.append((label, sparkline(points, log=log)))
            markup.add(label)
        if values is None:
            # collect=...: the values stayed where the partitions were
            rows.append(("values", "not gathered (the run's collectors made their output where the partitions were)"))
            return '<div class="pregel-result">' + html_table(rows, caption="pregel result", raw=markup) + "</div>"
        if numeric:
            numbers = values.astype(np.float64)
            order = np.lexsort((graph.ids, -numbers))
            order = order[np.isfinite(numbers[order])][:TOP_SHOWN]
            caption = f"top {len(order)} values"
        else:
            order = np.arange(min(TOP_SHOWN, values.size))
            caption = f"first {len(order)} vertices"
        # the vertices (and values that are vertices) as the input named them
        ids, shown = self.original_ids, self.original_values
        # a value that is a vertex id may name none (an unmatched vertex's partner: None, with labels)
        top = [
            (
                f"{ids[i]}",
                ("" if shown[i] is None else f"{shown[i]}") if self.values_are_ids else number_text(values[i]),
            )
            for i in order.tolist()
        ]
        return (
            '<div class="pregel-result" style="display:flex;gap:2em;align-items:flex-start;flex-wrap:wrap">'
            + html_table(rows, caption="pregel result", raw=markup)
            + html_table(top, header=("vertex", "value"), caption=caption)
            + "</div>"
        )


@dataclass(frozen=True)
class PartRecord:
    """One partition's file in a checkpoint: its name, size in bytes and CRC-32."""

    file: str
    bytes: int
    crc32: int


@dataclass(frozen=True)
class Savepoint:
    """Where every partition's state at a superstep boundary can be read back: a complete checkpoint's
    folder and parts, or (``folder`` None) the initial state at superstep 0.

    A lost partition replays from here in a confined recovery.

    Examples
    --------
    >>> Savepoint(0).folder is None
    True
    """

    superstep: int
    folder: Path | None = None
    parts: tuple[PartRecord, ...] = ()
    # a light checkpoint: its parts hold no messages; the program resends them
    light: bool = False


@dataclass
class Recovery:
    """A run going back to a checkpoint: a resume, or a recovery from a lost worker.

    Attributes
    ----------
    cause : str
        ``"resume"``, or what was lost.
    superstep : int
        The superstep the run continued at (the checkpoint's, 0 without one).
    checkpoint : str or None
        The checkpoint restored; ``None`` when the run started over.
    failed_at : int or None
        The superstep that was running when the worker was lost; for a resume, the
        superstep the run before had reached (``None`` when that is not known).
    skipped : list of str
        Newer checkpoints passed over, and why (incomplete or damaged).
    kind : str
        ``"resume"``; ``"global"``, every partition rolled back and replayed;
        ``"confined"``, only the lost partitions replayed, from the others' message logs;
        or ``"reload"``, a worker lost while the Ray workers read the input, which new
        workers then read again from the start (before superstep 0: nothing replayed).
    partitions : list of int
        The partitions that went back to the checkpoint and replayed.
    seconds : float or None
        From the loss being noticed (or the resume starting) to the run being back at
        ``failed_at``; ``None`` while it is not back there yet.

    Examples
    --------
    >>> r = Recovery("worker 1 died", 4, "ck/superstep-000004", failed_at=7, partitions=[0, 1], seconds=1.25)
    >>> r.replayed
    3
    >>> r.brief()
    'global recovery in superstep 7: 2 partitions replayed 3 supersteps in 1.25 s'
    """

    cause: str
    superstep: int
    checkpoint: str | None = None
    failed_at: int | None = None
    skipped: list[str] = field(default_factory=list)
    kind: str = "global"
    partitions: list[int] = field(default_factory=list)
    seconds: float | None = None

    @property
    def replayed(self) -> int | None:
        """Supersteps computed a second time (unknown, ``None``, for a resume when the run before left no trace)."""
        return None if self.failed_at is None else self.failed_at - self.superstep

    def describe(self) -> str:
        """One line for the progress output, when the recovery starts."""
        if self.kind == "reload":
            return f"a worker was lost while the workers read the input: new workers read it again ({self.cause})"
        if self.kind == "resume":
            before = "" if self.failed_at is None else f" (the run before reached superstep {self.failed_at})"
            return f"resumed at superstep {self.superstep} from checkpoint {self.checkpoint}{before}"
        if self.checkpoint:
            source = f"checkpoint {self.checkpoint}"
        elif self.superstep:
            source = f"its state at superstep {self.superstep} (kept when the graph changed)"
        else:
            source = "superstep 0 (no checkpoint to go back to)"
        if self.kind == "confined":
            which = ", ".join(map(str, self.partitions))
            return (
                f"recovering from a lost worker in superstep {self.failed_at}: partition{_s(self.partitions)} {which} "
                f"back to {source}, {self.replayed} supersteps to replay from the others' message logs ({self.cause})"
            )
        return (
            f"recovering from a lost worker in superstep {self.failed_at}: every partition back to {source}, "
            f"{self.replayed} supersteps to replay ({self.cause})"
        )

    def brief(self) -> str:
        """A few words for the summary line, once the run is over."""
        took = "" if self.seconds is None else f" in {self.seconds:.2f} s"
        if self.kind == "reload":
            return f"input read again after a lost worker{took}"
        if self.kind == "resume":
            replayed = "" if self.replayed is None else f", {self.replayed} replayed{took}"
            return f"resumed at superstep {self.superstep}{replayed}"
        return (
            f"{self.kind} recovery in superstep {self.failed_at}: {len(self.partitions)} "
            f"partition{_s(self.partitions)} replayed {self.replayed} superstep{_s(range(self.replayed or 0))}{took}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON (``--stats``), ``replayed`` included."""
        return {
            "kind": self.kind,
            "cause": self.cause,
            "superstep": self.superstep,
            "failed_at": self.failed_at,
            "replayed": self.replayed,
            "partitions": list(self.partitions),
            "seconds": self.seconds,
            "checkpoint": self.checkpoint,
            "skipped": list(self.skipped),
        }


def _s(items: Collection[Any]) -> str:
    """The plural ending for a count of ``items``."""
    return "" if len(items) == 1 else "s"


@dataclass
class RunState:
    """Where a run stands between supersteps, apart from its partitions: what a manifest holds."""

    superstep: int
    aggregated: dict[str, Any]
    history: list[SuperstepStats] = field(default_factory=list)
    recoveries: list[Recovery] = field(default_factory=list)
    #: the graph as mutations left it (``None``: the graph the run started with)
    graph: Graph | None = None

    def advance(self, stats: SuperstepStats) -> None:
        """Record a finished superstep."""
        self.history.append(stats)
        self.aggregated = stats.aggregated
        self.superstep += 1


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _optional(module: str, extra: str, who: str) -> Any:
    """An optional library, imported when first used; ImportError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{who} needs {module}: pip install 'pregel[{extra}]'") from None


def _listed(column: np.ndarray) -> Any:
    """A column polars takes as it is (numbers), or as a list (Python objects, such as labels)."""
    return column.tolist() if column.dtype == object else column


# ---------------------------------------------------------------------- notebook views
# Plain HTML for Jupyter's rich display (``_repr_html_``): the standard library and numpy
# only, as this module imports nothing of ours.

#: How many values the notebook view of a result lists.
TOP_SHOWN = 10
#: What each way a run can stop means, in words.
STOPPED_BY = {
    "halted": "halted (every vertex voted to halt, no message in flight)",
    "master": "master (master compute stopped the run)",
    "max_supersteps": "max_supersteps (the limit, not convergence)",
}


def html_table(
    rows: Sequence[tuple[str, str]],
    header: tuple[str, str] | None = None,
    caption: str | None = None,
    raw: Collection[str] = (),
) -> str:
    """A two-column HTML table: a name per row (a header cell, or a plain one under ``header``) and its value.

    Text is escaped, except the values of the rows named in ``raw`` (markup, such as a
    :func:`sparkline`).

    Examples
    --------
    >>> html_table([("vertices", "3"), ("a<b", "x")], caption="graph")
    '<table><caption>graph</caption><tr><th>vertices</th><td>3</td></tr><tr><th>a&lt;b</th><td>x</td></tr></table>'
    """
    name_cell = "td" if header else "th"
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    if header:
        parts.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
    for name, value in rows:
        cell = value if name in raw else html.escape(value)
        parts.append(f"<tr><{name_cell}>{html.escape(name)}</{name_cell}><td>{cell}</td></tr>")
    return "".join(parts) + "</table>"


def sparkline(points: Sequence[float], width: int = 180, height: int = 36, log: bool = False) -> str:
    """A small inline SVG line of ``points`` (one per superstep), first and last value written beside it.

    ``log`` draws ``log10`` of the points (the positive ones: a convergence measure
    that falls by orders of magnitude). The title, shown on hover, lists every point.

    Examples
    --------
    >>> svg = sparkline([1.0, 0.1, 0.01], log=True)
    >>> svg.startswith("<svg") and "<polyline" in svg and "0.01" in svg
    True
    """
    values = np.asarray(points, dtype=np.float64)
    steps = np.arange(values.size)
    keep = np.isfinite(values) & ((values > 0) if log else True)
    steps, shown = steps[keep], values[keep]
    if shown.size == 0:
        return ""
    y = np.log10(shown) if log else shown
    span_x, span_y = max(values.size - 1, 1), max(float(np.ptp(y)), 1e-300)
    xs = 2 + (width - 4) * steps / span_x
    ys = height - 3 - (height - 6) * (y - y.min()) / span_y if np.ptp(y) > 0 else np.full(y.size, height / 2)
    line = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys))
    title = html.escape(", ".join(number_text(v) for v in values.tolist()))
    ends = f"{number_text(shown[0])} → {number_text(shown[-1])}" + (" (log scale)" if log else "")
    return (
        f'<svg class="pregel-sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'style="vertical-align:middle"><title>{title}</title>'
        f'<polyline fill="none" stroke="#3b6fc4" stroke-width="1.5" points="{line}"></polyline>'
        f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="2.5" fill="#e8590c"></circle></svg> '
        f"<small>{html.escape(ends)}</small>"
    )


def convergence(stats: Sequence[SuperstepStats]) -> tuple[str, list[float], bool] | None:
    """What tells how a run converged: ``(label, one value per superstep, log scale?)``, or ``None``.

    An aggregator named ``delta`` (PageRank's L1 change, on a log scale), else the
    vertices that ran compute in each superstep.

    Examples
    --------
    >>> convergence([SuperstepStats(0, 5, 4, 4, 0.1), SuperstepStats(1, 2, 0, 0, 0.1)])
    ('active vertices', [5.0, 2.0], False)
    """
    if not stats:
        return None
    deltas = [s.aggregated.get("delta") for s in stats]
    if all(isinstance(d, (int, float, np.number)) and not isinstance(d, bool) for d in deltas):
        points = [float(d) for d in deltas]
        positive = [p for p in points if p > 0]
        log = len(positive) > 1 and max(positive) > 100 * min(positive)
        return ("delta per superstep", points, log)
    return ("active vertices", [float(s.active) for s in stats], False)


def number_text(value: Any) -> str:
    """A value as a person reads it in a table: integers with separators, floats to 6 significant digits.

    Examples
    --------
    >>> number_text(np.int64(7115)), number_text(0.000123456789), number_text(np.inf), number_text((1, 2))
    ('7,115', '0.000123457', '∞', '(1, 2)')
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:.6g}"


def seconds_text(seconds: float) -> str:
    """Seconds to three significant digits, in ms below a second.

    Examples
    --------
    >>> seconds_text(0.0123), seconds_text(4.0)
    ('12.3 ms', '4.00 s')
    """
    value, unit = (seconds * 1000, "ms") if seconds < 1 else (seconds, "s")
    return f"{value:.{2 if value < 10 else 1 if value < 100 else 0}f} {unit}"


class Backend(Protocol):
    """Where partitions live and how message blocks travel: what the engine asks of a backend.

    The engine runs the superstep loop and decides everything else (when to stop,
    what aggregators mean); a backend never does.
    """

    @property
    def num_partitions(self) -> int:
        """How many partitions the graph is cut into."""
        ...

    def superstep(self, superstep: int, aggregated: dict[str, object]) -> list[PartitionStatus]:
        """Run every partition once, deliver their blocks, and return their statuses in partition order."""
        ...

    def values(self) -> np.ndarray:
        """Every vertex's value, in global index order."""
        ...

    def apply(self, task: PartitionTask) -> list[Any]:
        """``task`` of every partition, run where the partition lives; the results in partition order.

        Waits for every partition, failed or not, then raises the lowest failing
        partition's error.
        """
        ...

    def save(self, folder: Path, messages: bool = True) -> Callable[[], list[PartRecord]]:
        """Copy every partition's state now (its pending messages only if ``messages``); the function
        returned writes the parts into ``folder``."""
        ...

    def resend(self, superstep: int) -> None:
        """Every partition makes the blocks superstep ``superstep`` sent again, from its values
        (``Program.resend_partition``), and they are delivered as after that superstep."""
        ...

    def restore(self, folder: Path, parts: list[PartRecord]) -> None:
        """Every partition reads its part of a checkpoint back."""
        ...

    def restart(self, graph: Graph | None = None) -> None:
        """Every partition as before superstep 0, lost workers replaced; cut from ``graph`` if given."""
        ...

    def states(self) -> list[dict[str, np.ndarray]]:
        """Every partition's state (values, active flags, pending inbox), in partition order."""
        ...

    def reshape(self, graph: Graph, bounds: np.ndarray, states: list[dict[str, np.ndarray] | None]) -> None:
        """The partitions of a mutated ``graph``: partition k owns ``bounds[k]:bounds[k + 1]`` in state ``states[k]``.

        ``states[k] is None`` keeps partition k as it is (its rows did not change).
        """
        ...

    def close(self) -> None:
        """Release workers and whatever the backend started."""
        ...


@runtime_checkable
class Confining(Protocol):
    """A backend that can lose a worker and bring back its partition alone (confined recovery).

    It logs the blocks every superstep sends from a :class:`Savepoint` on; after a
    superstep raised WorkerLost, :meth:`confine` replays the lost partition from there.
    """

    def keep_logs(self, base: Savepoint | None) -> None:
        """Log every superstep from ``base`` on (and drop the logs before it); None: log nothing."""
        ...

    def confine(self) -> tuple[list[PartitionStatus], list[int], Savepoint]:
        """The failed superstep's statuses after replaying the lost partition; the partitions replayed; the base."""
        ...


#: What runs beside one partition at the end of a run: ``task(index, ids, values)`` with the
#: partition's index, its vertices' ids (the engine's, ``int64``) and their values. On Ray it
#: runs in the partition's worker, so it must pickle (a module-level function or class).
PartitionTask = Callable[[int, np.ndarray, np.ndarray], Any]


class Collector(Protocol):
    """Something made of every partition's final values where they are, instead of gathering them.

    ``pregel.run(..., collect=[...])`` asks each collector for its :meth:`task` once the
    run has stopped, runs the tasks beside the partitions (in the Ray workers), and hands
    each collector its tasks' results, in partition order, to :meth:`merge`. The run's
    ``collected`` holds what the merges return; its ``values`` is ``None``.
    :class:`pregel.io.parts.Parts` (a folder of part files) is one.
    """

    def task(self, graph: Graph, values_are_ids: bool) -> PartitionTask:
        """The task every partition runs, for the graph the run ended with (on the driver)."""
        ...

    def merge(self, pieces: list[Any]) -> Any:
        """What the partitions' results, in partition order, come to (on the driver)."""
        ...

    def discard(self) -> None:
        """Undo what tasks did, after a run or its tasks failed (partial files, say)."""
        ...


@dataclass(frozen=True)
class Finished:
    """A collector whose tasks see the values as ``finish`` makes them, per vertex, where the partitions are.

    For an algorithm whose last step turns each vertex's value on its own (core numbers
    from peeling levels, one named column per source): its output is then written or
    picked in the workers too. ``finish`` must pickle (a module-level function, or a
    ``functools.partial`` of one).

    Examples
    --------
    >>> class Sizes:
    ...     def task(self, graph, values_are_ids):
    ...         return lambda index, ids, values: values.tolist()
    >>> task = Finished(Sizes(), np.negative).task(None, False)
    >>> task(0, np.array([1, 2]), np.array([3, 4]))
    [-3, -4]
    """

    collector: Any
    finish: Callable[[np.ndarray], np.ndarray]
    #: whether the finished values are vertex ids (a matching's partners), whatever the program's are
    ids: bool | None = None

    def task(self, graph: Graph, values_are_ids: bool) -> PartitionTask:
        """The collector's task, handed the finished values."""
        return FinishedTask(self.collector.task(graph, values_are_ids if self.ids is None else self.ids), self.finish)

    def merge(self, pieces: list[Any]) -> Any:
        """The collector's merge."""
        return self.collector.merge(pieces)

    def discard(self) -> None:
        """The collector's discard."""
        self.collector.discard()


@dataclass(frozen=True)
class FinishedTask:
    """A partition task run on ``finish(values)``."""

    task: PartitionTask
    finish: Callable[[np.ndarray], np.ndarray]

    def __call__(self, index: int, ids: np.ndarray, values: np.ndarray) -> Any:
        return self.task(index, ids, self.finish(values))
