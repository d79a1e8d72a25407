"""Message routing: a partition's outbox, the blocks that travel, and a partition's inbox.

Messages are addressed by global vertex index. Before anything leaves a partition, its
outbox sorts them by destination, combines them per destination vertex (when the
program has a combiner) and cuts them into one block per destination partition. The
receiver combines the blocks it gets again. With one partition or many, a vertex sees
the same combined value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from pregel.combiners import Combiner

if TYPE_CHECKING:
    from pregel.trace import MessageLog


@dataclass
class MessageBlock:
    """Messages for one partition: ``targets`` (local indices, sorted) and ``values``.

    After a combiner, each target appears once.
    """

    targets: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.targets.size)


def as_message_array(values: Any) -> np.ndarray:
    """Messages as a numpy array; anything numpy cannot type becomes an object array."""
    if isinstance(values, np.ndarray):
        return values
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError):
        arr = None
    if arr is None or arr.ndim != 1:
        arr = object_array(values)
    return arr


def object_array(items: Any) -> np.ndarray:
    """A 1-d object array holding ``items`` as they are (tuples stay tuples, not rows)."""
    items = list(items)
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


class Routes:
    """The static shape of a partition's broadcasts: its out-edges, transposed.

    Row ``r`` of ``matrix`` is global vertex ``targets[r]`` and holds the local
    vertices with an edge into it; ``splits`` cuts the rows by destination partition.
    A broadcast with a Sum combiner is then one sparse matrix-vector product.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, bounds: np.ndarray) -> None:
        n = indptr.size - 1
        local = sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, int(bounds[-1])))
        transposed = local.T.tocsr()
        row_nnz = np.diff(transposed.indptr)
        self.targets = np.flatnonzero(row_nnz)
        self.matrix = transposed[self.targets]
        self.matrix.sort_indices()
        self.splits = np.searchsorted(self.targets, bounds)

    def combine(self, combiner: Combiner, values: np.ndarray) -> np.ndarray:
        """Every target's combined message when every local vertex sends ``values``."""
        if combiner.ufunc is np.add and values.dtype == np.float64:
            return self.matrix @ values
        return combiner.ufunc.reduceat(values[self.matrix.indices], self.matrix.indptr[:-1])


class Outbox:
    """Collects one partition's messages during a superstep and cuts them into blocks.

    Parameters
    ----------
    indptr, indices : numpy.ndarray
        The partition's out-edges (local rows, global targets).
    bounds : numpy.ndarray
        Partition ``q`` owns global vertices ``bounds[q]:bounds[q + 1]``.
    combiner : Combiner or None
        Applied per destination vertex before the blocks leave.
    routes : callable
        Returns the partition's :class:`Routes` (built on first use).
    log : MessageLog, optional
        Told of every message as it is sent (a trace); ``None`` costs nothing.
    """

    def __init__(
        self,
        indptr: np.ndarray,
        indices: np.ndarray,
        bounds: np.ndarray,
        combiner: Combiner | None,
        routes: Any,
        log: MessageLog | None = None,
    ) -> None:
        self.indptr = indptr
        self.indices = indices
        self.bounds = bounds
        self.combiner = combiner
        self.routes = routes
        self.log = log
        self.targets: list[np.ndarray] = []
        self.values: list[np.ndarray] = []
        self.full_broadcast: np.ndarray | None = None
        self.sent = 0

    def send(self, targets: np.ndarray, values: Any, senders: Any = None) -> None:
        """Send ``values[k]`` to global vertex ``targets[k]`` (from local vertex ``senders[k]``, if known)."""
        values = as_message_array(values)
        if self.log is not None:
            self.log.add(senders, targets, values)
        self._queue(targets, values)

    def send_along(self, edges: np.ndarray, values: Any) -> None:
        """Send ``values[k]`` along local out-edge number ``edges[k]``."""
        values = as_message_array(values)
        if self.log is not None:
            self.log.add(self.source_of(edges), self.indices[edges], values)
        self._queue(self.indices[edges], values)

    def broadcast(self, senders: np.ndarray | None, values: Any) -> None:
        """Each sender (local index; ``None`` = every local vertex) sends its value to all out-neighbours."""
        values = as_message_array(values)
        if self.log is not None:
            edges = self.edges_of(senders)
            self.log.add(self.source_of(edges), self.indices[edges], np.repeat(values, self.degree_of(senders)))
        fast = (
            senders is None
            and self.full_broadcast is None
            and self.combiner is not None
            and self.combiner.ufunc is not None
            and values.dtype != object
        )
        if fast:
            self.full_broadcast = values
            self.sent += int(self.indices.size)
            return
        self._queue_broadcast(senders, values)

    def _queue(self, targets: np.ndarray, values: np.ndarray) -> None:
        self.targets.append(targets)
        self.values.append(values)
        self.sent += int(targets.size)

    def _queue_broadcast(self, senders: np.ndarray | None, values: np.ndarray) -> None:
        edges = self.edges_of(senders)
        self._queue(self.indices[edges], np.repeat(values, self.degree_of(senders)))

    def degree_of(self, senders: np.ndarray | None) -> np.ndarray:
        """Out-degree of local vertices ``senders`` (``None`` = all)."""
        return np.diff(self.indptr) if senders is None else self.indptr[senders + 1] - self.indptr[senders]

    def edges_of(self, senders: np.ndarray | None) -> np.ndarray:
        """Positions of the out-edges of local vertices ``senders`` (``None`` = all)."""
        if senders is None:
            return np.arange(self.indices.size)
        starts = self.indptr[senders]
        counts = self.indptr[senders + 1] - starts
        total = int(counts.sum())
        # one arange per sender, built without a Python loop
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
        return np.arange(total) + offsets

    def source_of(self, edges: np.ndarray) -> np.ndarray:
        """The local vertex each out-edge position leaves from."""
        return np.searchsorted(self.indptr, edges, side="right") - 1

    def blocks(self) -> dict[int, MessageBlock]:
        """The messages, combined per destination vertex, as one block per destination partition."""
        if self.full_broadcast is not None and not self.targets:
            routes = self.routes()
            return self._cut(routes.targets, routes.combine(self.combiner, self.full_broadcast))
        if self.full_broadcast is not None:
            values, self.full_broadcast = self.full_broadcast, None
            self.sent -= int(self.indices.size)
            self._queue_broadcast(None, values)
        if not self.targets:
            return {}
        targets, values = sort_and_combine(np.concatenate(self.targets), concat_messages(self.values), self.combiner)
        return self._cut(targets, values)

    def _cut(self, targets: np.ndarray, values: np.ndarray) -> dict[int, MessageBlock]:
        splits = np.searchsorted(targets, self.bounds)
        blocks = {}
        for q in range(self.bounds.size - 1):
            a, b = splits[q], splits[q + 1]
            if b > a:
                local = (targets[a:b] - self.bounds[q]).astype(np.int32)
                blocks[q] = MessageBlock(local, values[a:b])
        return blocks


class Inbox:
    """The messages a partition's vertices will read in the next superstep.

    Blocks arrive from every partition (``receive``); ``take`` combines them per
    vertex and empties the inbox.
    """

    def __init__(self, size: int, combiner: Combiner | None) -> None:
        self.size = size
        self.combiner = combiner
        self.blocks: list[MessageBlock] = []

    def receive(self, blocks: list[MessageBlock]) -> None:
        """Add blocks addressed to this partition."""
        self.blocks.extend(b for b in blocks if len(b))

    def __len__(self) -> int:
        return sum(len(b) for b in self.blocks)

    def pending(self) -> MessageBlock:
        """Everything received so far as one block (combined when there is a combiner)."""
        if len(self.blocks) == 1 and self.combiner is not None:
            return self.blocks[0]
        if not self.blocks:
            return MessageBlock(np.empty(0, np.int32), np.empty(0))
        block = MessageBlock(
            *sort_and_combine(
                np.concatenate([b.targets for b in self.blocks]),
                concat_messages([b.values for b in self.blocks]),
                self.combiner,
            )
        )
        self.blocks = [block]
        return block

    def take(self) -> Mail:
        """The combined messages per vertex; the inbox is empty afterwards."""
        block = self.pending()
        self.blocks = []
        return Mail(self.size, block, self.combiner is not None)


class Mail:
    """One superstep's messages for a partition, ready to be read per vertex."""

    def __init__(self, size: int, block: MessageBlock, combined: bool) -> None:
        self.size = size
        self.block = block
        self.combined = combined

    @cached_property
    def has(self) -> np.ndarray:
        """Which local vertices got at least one message."""
        has = np.zeros(self.size, dtype=bool)
        has[self.block.targets] = True
        return has

    def dense(self, fill: Any) -> np.ndarray:
        """Combined message per local vertex, ``fill`` where none arrived."""
        values = self.block.values
        if fill is None or values.dtype == object:
            dtype = np.dtype(object)
        else:
            dtype = np.result_type(values.dtype, np.asarray(fill).dtype)
        out = np.full(self.size, fill, dtype=dtype)
        out[self.block.targets] = values
        return out

    @cached_property
    def indptr(self) -> np.ndarray:
        """Row pointers of the (uncombined) messages per local vertex."""
        ptr = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.block.targets, minlength=self.size), out=ptr[1:])
        return ptr


def sort_and_combine(
    targets: np.ndarray, values: np.ndarray, combiner: Combiner | None
) -> tuple[np.ndarray, np.ndarray]:
    """Messages sorted by target (stable), combined per target when there is a combiner."""
    order = np.argsort(targets, kind="stable")
    targets, values = targets[order], values[order]
    if combiner is not None and targets.size:
        starts = np.flatnonzero(np.diff(targets, prepend=-1))
        targets, values = targets[starts], combiner.reduce_groups(values, starts)
    return targets, values


def concat_messages(arrays: list[np.ndarray]) -> np.ndarray:
    """One array of messages; object arrays when any part is one."""
    if any(a.dtype == object for a in arrays) and not all(a.dtype == object for a in arrays):
        arrays = [a.astype(object) for a in arrays]
    return np.concatenate(arrays)
