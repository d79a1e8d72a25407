"""A partition: a contiguous range of vertices with their values, flags, out-edges and inbox.

Partition ``p`` owns global vertex indices ``bounds[p]:bounds[p + 1]``. The same class
runs in this process (local backend) and inside a Ray actor; only the transport of the
message blocks differs.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pregel.core.checkpoint import read_state, write_state
from pregel.core.graph import Graph, as_ids, find
from pregel.core.lazy import cached_property
from pregel.core.messages import Inbox, Mail, MessageBlock, Outbox, Routes, concat_messages
from pregel.core.program import Program
from pregel.core.trace import MessageLog
from pregel.core.types import (
    AlongEdges,
    Broadcast,
    Outcome,
    PartitionStatus,
    PartitionTrace,
    PartRecord,
    Send,
    Unresolved,
)
from pregel.errors import CheckpointDamaged, ProgramError


@dataclass
class PartitionData:
    """The part of a graph one partition needs: its rows of the CSR and the id map."""

    index: int
    bounds: np.ndarray
    ids: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray | None

    @property
    def lo(self) -> int:
        return int(self.bounds[self.index])

    @property
    def hi(self) -> int:
        return int(self.bounds[self.index + 1])


def cut(graph: Graph, parts: int) -> np.ndarray:
    """Bounds of ``parts`` contiguous vertex ranges of about equal vertices + edges (``parts + 1`` of them).

    Examples
    --------
    >>> cut(Graph.from_edges([1, 2, 3, 4], [2, 3, 4, 1]), 2).tolist()
    [0, 2, 4]
    """
    n = graph.num_vertices
    parts = max(1, int(parts))
    cost = graph.indptr + np.arange(n + 1)
    bounds = np.searchsorted(cost, np.linspace(0, cost[-1], parts + 1), side="left").astype(np.int64)
    bounds[0], bounds[-1] = 0, n
    return np.maximum.accumulate(bounds)


def rows(graph: Graph, bounds: np.ndarray, index: int) -> PartitionData:
    """Partition ``index``'s rows of ``graph``, the partitions cut at ``bounds``."""
    lo, hi = int(bounds[index]), int(bounds[index + 1])
    e0, e1 = int(graph.indptr[lo]), int(graph.indptr[hi])
    return PartitionData(
        index=index,
        bounds=bounds,
        ids=graph.ids,
        indptr=graph.indptr[lo : hi + 1] - e0,
        indices=graph.indices[e0:e1],
        weights=None if graph.weights is None else graph.weights[e0:e1],
    )


def split(graph: Graph, parts: int) -> list[PartitionData]:
    """Cut the graph into ``parts`` contiguous vertex ranges of about equal vertices + edges.

    Examples
    --------
    >>> g = Graph.from_edges([1, 2, 3, 4], [2, 3, 4, 1])
    >>> [(p.lo, p.hi) for p in split(g, 2)]
    [(0, 2), (2, 4)]
    """
    bounds = cut(graph, parts)
    return [rows(graph, bounds, p) for p in range(bounds.size - 1)]


class Partition:
    """One partition's state and its superstep.

    Parameters
    ----------
    data : PartitionData
        The partition's rows of the graph.
    program : Program
        The vertex program (an instance; its parameters are set).
    trace : bool
        Report each superstep's state and messages with the status (see :mod:`pregel.core.trace`).
    state : dict of str to numpy.ndarray, optional
        Start from this state (after a mutation of the graph, :mod:`pregel.core.mutations`)
        instead of the initial values: ``values`` where ``given``, ``active``, and the mail
        on its way (``inbox_*``, then the messages settled at the barrier, ``late_*``).

    Attributes
    ----------
    threads : int
        Threads the partition's compiled kernels may use inside one call (the in-edges'
        sort); 1 unless its backend has threads no partition of its own keeps busy.
    """

    threads = 1

    def __init__(
        self, data: PartitionData, program: Program, trace: bool = False, state: dict[str, np.ndarray] | None = None
    ) -> None:
        self.data = data
        self.trace = trace
        self.index = data.index
        self.program = program
        self.lo, self.hi = data.lo, data.hi
        self.size = self.hi - self.lo
        self.num_vertices = int(data.ids.size)
        self.indptr = data.indptr
        self.indices = data.indices
        self.weights = data.weights
        self.active = np.ones(self.size, dtype=bool)
        # what derives from the graph alone, by name (VertexBatch.cached and VertexBatch.kept)
        self.cache: dict[str, Any] = {}
        self.inbox = Inbox(self.size, program.combiner)
        self.unresolved: list[tuple[np.ndarray, np.ndarray]] = []
        if state is None:
            self.values = program.initial_values(self)
        else:
            self._adopt(state)

    def _adopt(self, state: dict[str, np.ndarray]) -> None:
        given = state["given"]
        if given.all():
            self.values = state["values"].copy()
        else:
            self.values = self.program.initial_values(self)
            self.values[given] = state["values"][given]
        self.active = state["active"].copy()
        self.inbox.receive(
            [
                MessageBlock(state["inbox_targets"], state["inbox_values"]),
                MessageBlock(state["late_targets"], state["late_values"]),
            ]
        )

    @property
    def ids(self) -> np.ndarray:
        """Original ids of the local vertices."""
        return self.data.ids[self.lo : self.hi]

    @cached_property
    def out_degree(self) -> np.ndarray:
        """Out-degree of each local vertex."""
        return np.diff(self.indptr)

    @cached_property
    def routes(self) -> Routes:
        """The transposed out-edges, for fast broadcasts (built on first use)."""
        return Routes(self.indptr, self.indices, self.data.bounds, self.index, self.weights, self.threads)

    @cached_property
    def _numbered(self) -> bool:
        """Whether the graph's ids are 0..n-1."""
        ids = self.data.ids
        return bool(ids.size) and ids[0] == 0 and ids[-1] == ids.size - 1

    def target_ids(self, ids: Any) -> np.ndarray:
        """The original ids a send names, as integers; ProgramError naming one that is not an id (2.5, "two")."""
        wanted = np.asarray(ids)
        if wanted.dtype.kind in "iu":
            return wanted
        return as_ids(wanted, f"{type(self.program).__name__} sent a message to")

    def resolve(self, ids: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """Global indices of original vertex ids, and which were found (``None``: all were)."""
        wanted = self.target_ids(ids)
        if self._numbered:
            # ids 0..n-1 (sorted and unique, so the ends say so): an id is its index
            pos = wanted.astype(np.int64, copy=False)
            ok = (pos >= 0) & (pos < self.num_vertices)
        else:
            pos, ok = find(self.data.ids, wanted)
        return pos, None if ok.all() else ok

    def save(self, folder: str | Path) -> PartRecord:
        """Write what the next superstep needs (values, active flags, pending inbox) into ``folder``.

        The inbox is saved combined, exactly as the next superstep would read it. The
        file is written atomically; the returned record (name, size, CRC-32) goes into
        the checkpoint's manifest.

        Examples
        --------
        >>> import tempfile
        >>> from pregel.algorithms.components import ConnectedComponents
        >>> part = Partition(split(Graph.from_edges([1, 2], [2, 3]), 1)[0], ConnectedComponents())
        >>> folder = tempfile.mkdtemp()
        >>> record = part.save(folder)
        >>> part.values[:] = 0
        >>> part.restore(folder, record)
        >>> part.values.tolist()
        [1, 2, 3]
        """
        return write_state(folder, self.index, self.state())

    def state(self, messages: bool = True) -> dict[str, np.ndarray]:
        """A copy of what the next superstep needs: values, active flags and (unless not ``messages``) the
        pending inbox, combined."""
        state = {"values": self.values.copy(), "active": self.active.copy()}
        if messages:
            mail = self.inbox.pending()
            # copied: a block's arrays can be its sender's buffer, written again two supersteps later
            # (Routes.row_blocks), while a checkpoint's writer may still be reading them
            state["inbox_targets"] = np.array(mail.targets)
            state["inbox_values"] = np.array(mail.values)
        return state

    def restore(self, folder: str | Path, record: PartRecord) -> None:
        """Replace this partition's state with the one :meth:`save` wrote (checked against ``record``)."""
        state = read_state(folder, record)
        if state["values"].shape != (self.size,) or state["active"].shape != (self.size,):
            raise CheckpointDamaged(f"{record.file} holds {state['values'].size} vertices, not {self.size}")
        self.values, self.active = state["values"], state["active"]
        self.inbox.blocks = []
        self.unresolved = []
        if "inbox_targets" in state:
            self.inbox.receive([MessageBlock(state["inbox_targets"], state["inbox_values"])])

    def receive(self, blocks: list[MessageBlock]) -> None:
        """Take blocks addressed to this partition, for the next superstep."""
        self.inbox.receive(blocks)

    def superstep(self, superstep: int, aggregated: dict[str, Any]) -> tuple[PartitionStatus, dict[int, MessageBlock]]:
        """Run compute on every active vertex (and every vertex with mail); return status and outgoing blocks.

        The program returns one :class:`~pregel.core.types.Outcome`; the partition
        applies it (values, halts, sends, aggregator contributions) the same way for
        every API.
        """
        start = time.perf_counter()
        mail = self.inbox.take()
        computing = self.wake(mail)
        outcome = self.program.compute_partition(self, superstep, aggregated, mail, computing)
        log = MessageLog(self.lo) if self.trace else None
        outbox = self._outbox(log)
        self._store(outcome, computing)
        for send in outcome.sends:
            self._route(send, outbox)
        partials = self._reduce(outcome.contributions)
        blocks = outbox.blocks()
        unresolved, self.unresolved = self.unresolved, []
        sizes = {q: len(b) for q, b in blocks.items()}
        status = PartitionStatus(
            index=self.index,
            computed=outcome.computed,
            active=int(np.count_nonzero(self.active)),
            sent=outbox.sent,
            combined=sum(sizes.values()),
            partials=partials,
            seconds=time.perf_counter() - start,
            block_sizes=sizes,
            mutations=outcome.mutations if outcome.mutations is not None and len(outcome.mutations) else None,
            unresolved=_unresolved(unresolved),
        )
        if log is not None:
            status.trace = PartitionTrace(self.lo, self.values, self.active, *log.arrays(), blocks)
        return status, blocks

    def _outbox(self, log: MessageLog | None = None) -> Outbox:
        return Outbox(
            self.indptr,
            self.indices,
            self.data.bounds,
            self.program.combiner,
            lambda: self.routes,
            log,
            self.index,
            self.weights,
        )

    def resend(self, superstep: int) -> dict[int, MessageBlock]:
        """The blocks superstep ``superstep`` sent, made again from the values (a light checkpoint's messages).

        Only for a program that ``resends`` (:meth:`~pregel.core.program.Program.resend_partition`).
        """
        outbox = self._outbox()
        for send in self.program.resend_partition(self, superstep).sends:
            self._route(send, outbox)
        return outbox.blocks()

    def _store(self, outcome: Outcome, computing: np.ndarray | None) -> None:
        """The outcome's new values and halts, written into this partition's arrays."""
        new = outcome.values
        if new is not None:
            if computing is None:
                new = np.asarray(new, dtype=self.values.dtype)
                # an array that owns its data (a fresh result) is kept as it is: no copy per superstep
                fresh = new.shape == (self.size,) and new.base is None and new.flags.writeable
                self.values = new if fresh else np.array(np.broadcast_to(new, (self.size,)))
            else:
                self.values[computing] = new
        if outcome.updates and not self.values.flags.writeable:
            self.values = self.values.copy()
        for positions, changed in outcome.updates:
            _as_bytes(self.values)[positions if computing is None else computing[positions]] = _as_bytes(changed)
        if outcome.halted.size:
            self.active[outcome.halted] = False

    def _route(self, send: Send, outbox: Outbox) -> None:
        combiner = self.program.combiner
        if combiner is not None and isinstance(send.values, np.ndarray):
            _numbers(combiner, send.values, f"{type(self.program).__name__} sent")
            values = combiner.messages(send.values)
            if values is not send.values:
                send = dataclasses.replace(send, values=values)
        if isinstance(send, Broadcast):
            outbox.broadcast(send.senders, send.values, send.weighted)
        elif isinstance(send, AlongEdges):
            outbox.send_along(send.edges, send.values)
        else:
            targets, found = self.resolve(send.ids)
            values, senders = send.values, send.senders
            if found is not None:
                # the barrier settles these, after the superstep's mutations (pregel.core.mutations)
                self.unresolved.append((np.asarray(send.ids)[~found], np.asarray(values)[~found]))
                targets, values = targets[found], np.asarray(values)[found]
                senders = None if senders is None else senders[found]
            outbox.send(targets, values, senders)

    def _reduce(self, contributions: dict[str, list[np.ndarray]]) -> dict[str, Any]:
        """Each aggregator's partial: all its contributions of the superstep reduced at once, for both APIs."""
        partials = self.program.new_partials()
        for name, parts in contributions.items():
            if parts:
                values = parts[0] if len(parts) == 1 else concat_messages(parts)
                aggregator = self.program.aggregators[name]
                _numbers(aggregator, values, f"{type(self.program).__name__} aggregated", f" into {name!r}")
                partials[name] = aggregator.reduce(values)
        return partials

    def wake(self, mail: Mail) -> np.ndarray | None:
        """Reactivate halted vertices that have mail; return the local indices of those that compute (None = all)."""
        active = self.active
        if active.all():
            return None
        if mail.folded is not None:
            np.logical_or(active, mail.has, out=active)
        elif len(mail):
            active[mail.targets] = True
            if active.all():
                return None
        return np.flatnonzero(active)


def _as_bytes(values: np.ndarray) -> np.ndarray:
    """Records as opaque bytes (a view), which numpy scatters ten times faster than field by field; others as given."""
    if values.dtype.names is None:
        return values
    return np.ascontiguousarray(values).view(np.dtype((np.void, values.dtype.itemsize)))


def _unresolved(parts: list[tuple[np.ndarray, np.ndarray]]) -> Unresolved | None:
    """The messages this superstep sent to ids not in the graph, for the barrier; None without any."""
    if not parts:
        return None
    return Unresolved(np.concatenate([ids for ids, _ in parts]), concat_messages([v for _, v in parts]))


def _numbers(reducer: Any, values: np.ndarray, did: str, into: str = "") -> None:
    """ProgramError when text reaches a reducer of numbers (Sum, Min, Max), which numpy could only fail on."""
    if getattr(reducer, "ufunc", None) is None or values.dtype.kind not in "SU":
        return
    name = type(reducer).__name__
    raise ProgramError(f"{did} text ({values.flat[0].item()!r}){into}, which {name} cannot combine (numbers only)")
