"""The data types every room shares: what a superstep reports, what a run returns, where a run stands.

A leaf: it imports nothing of ours, so the engine, the backends, the APIs, the command
line and the tests can all name these types without importing one another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:  # names for annotations only: nothing of ours is imported at run time
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
    """

    senders: np.ndarray | None
    values: np.ndarray


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
    """

    computed: int
    values: np.ndarray | None
    halted: np.ndarray
    sends: list[Send] = field(default_factory=list)
    contributions: dict[str, list[np.ndarray]] = field(default_factory=dict)


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


@dataclass
class SuperstepStats:
    """What happened in one superstep, summed over partitions."""

    superstep: int
    active: int
    messages_sent: int
    messages_combined: int
    seconds: float
    aggregated: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for JSON)."""
        return {
            "superstep": self.superstep,
            "active": self.active,
            "messages_sent": self.messages_sent,
            "messages_combined": self.messages_combined,
            "seconds": self.seconds,
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

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.components import ConnectedComponents
    >>> g = pregel.Graph.from_edges([1, 5], [2, 6]).to_undirected()
    >>> r = pregel.run(g, ConnectedComponents)
    >>> r.to_dict(), r[6], r.stopped_by
    ({1: 1, 2: 1, 5: 5, 6: 5}, 5, 'halted')
    """

    graph: Graph
    values: np.ndarray
    supersteps: int
    stats: list[SuperstepStats]
    aggregated: dict[str, Any]
    stopped_by: str
    trace: Trace | None = None
    recoveries: list[Recovery] = field(default_factory=list)

    @property
    def ids(self) -> np.ndarray:
        """Original vertex ids, aligned with ``values``."""
        return self.graph.ids

    def __getitem__(self, vertex: int) -> Any:
        return self.values[self.graph.index_of(vertex)[0]].item()

    def to_dict(self) -> dict[int, Any]:
        """``{original id: value}`` with plain Python values."""
        return dict(zip(self.graph.ids.tolist(), self.values.tolist()))

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
            return {"vertex": self.graph.ids, **{name: self.values[name] for name in self.values.dtype.names}}
        return {"vertex": self.graph.ids, "value": self.values}

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
        records = np.empty(self.values.size, dtype=[(name, column.dtype) for name, column in table.items()])
        for name, column in table.items():
            records[name] = column
        return records

    @property
    def seconds(self) -> float:
        """Total seconds spent in supersteps."""
        return sum(s.seconds for s in self.stats)


@dataclass(frozen=True)
class PartRecord:
    """One partition's file in a checkpoint: its name, size in bytes and SHA-256."""

    file: str
    bytes: int
    sha256: str


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
        The superstep that was running when the worker was lost (``None`` for a resume).
    skipped : list of str
        Newer checkpoints passed over, and why (incomplete or damaged).

    Examples
    --------
    >>> Recovery("worker 1 died", superstep=4, checkpoint="ck/superstep-000004", failed_at=7).replayed
    3
    """

    cause: str
    superstep: int
    checkpoint: str | None = None
    failed_at: int | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def replayed(self) -> int | None:
        """Supersteps computed a second time (unknown, ``None``, for a resume after a kill)."""
        return None if self.failed_at is None else self.failed_at - self.superstep

    def describe(self) -> str:
        """One line for the progress output."""
        if self.failed_at is None:
            return f"resumed at superstep {self.superstep} from checkpoint {self.checkpoint}"
        source = f"checkpoint {self.checkpoint}" if self.checkpoint else "superstep 0 (no checkpoint yet)"
        return (
            f"recovering from a lost worker in superstep {self.failed_at}: every partition back to {source}, "
            f"{self.replayed} supersteps to replay ({self.cause})"
        )


@dataclass
class RunState:
    """Where a run stands between supersteps, apart from its partitions: what a manifest holds."""

    superstep: int
    aggregated: dict[str, Any]
    history: list[SuperstepStats] = field(default_factory=list)
    recoveries: list[Recovery] = field(default_factory=list)

    def advance(self, stats: SuperstepStats) -> None:
        """Record a finished superstep."""
        self.history.append(stats)
        self.aggregated = stats.aggregated
        self.superstep += 1


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


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

    def save(self, folder: Path) -> Callable[[], list[PartRecord]]:
        """Copy every partition's state now; the function returned writes the parts into ``folder``."""
        ...

    def restore(self, folder: Path, parts: list[PartRecord]) -> None:
        """Every partition reads its part of a checkpoint back."""
        ...

    def restart(self) -> None:
        """Every partition as before superstep 0, lost workers replaced (a no-op where none can be lost)."""
        ...

    def close(self) -> None:
        """Release workers and whatever the backend started."""
        ...
