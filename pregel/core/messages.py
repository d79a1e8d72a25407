"""Message routing: a partition's outbox, the blocks that travel, and a partition's inbox.

Messages are addressed by global vertex index. Before anything leaves a partition, its
outbox sorts them by destination, combines them per destination vertex (when the
program has a combiner) and cuts them into one block per destination partition. The
receiver combines the blocks it gets again. With one partition or many, a vertex sees
the same combined value.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.core.combiners import Combiner, UfuncCombiner
from pregel.core.kernels import InEdges, InSums

# combine by scattering into an array (no sort) when the targets span at most this many slots per message
DENSE_SPAN = 32

if TYPE_CHECKING:
    from pregel.core.trace import MessageLog


class MessageBlock:
    """Messages for one partition: ``targets`` (local indices, sorted) and ``values``.

    After a combiner, each target appears once. A block cut from a broadcast combined
    by a sparse product may carry ``dense`` instead of ``values``: the combined value
    of every vertex of the destination partition, zero (the Sum identity) where none
    arrived. The receiver then reads its messages without scattering them;
    ``values`` is gathered from ``dense`` only when something asks for it.

    Examples
    --------
    >>> b = MessageBlock(np.array([0, 2]), dense=np.array([1.5, 0.0, 2.5]))
    >>> b.values.tolist(), len(b)
    ([1.5, 2.5], 2)
    """

    def __init__(self, targets: np.ndarray, values: np.ndarray | None = None, dense: np.ndarray | None = None) -> None:
        if values is None and dense is None:
            raise ValueError("a message block needs its values or its dense values")
        self.targets = targets
        self.dense = dense
        self._values = values

    @property
    def values(self) -> np.ndarray:
        """One message per target, aligned with ``targets``."""
        if self._values is None:
            self._values = self.dense[self.targets]
        return self._values

    def __len__(self) -> int:
        return int(self.targets.size)

    def __repr__(self) -> str:
        return f"MessageBlock({len(self)} messages)"


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
    """The static shape of a partition's broadcasts: which global vertices its out-edges reach.

    A broadcast with a Sum combiner yields one dense array over all targets, already
    laid out per destination partition: each target's sum over its in-edges
    (:class:`pregel.core.kernels.InSums`, built on first use). Other combiners reduce the
    messages target by target over the in-edges (:class:`pregel.core.kernels.InEdges`).
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, bounds: np.ndarray) -> None:
        total = int(bounds[-1])
        self.bounds = bounds
        self.indptr, self.indices = indptr, indices
        reached = np.zeros(total, dtype=bool)
        reached[indices] = True
        self.targets = np.flatnonzero(reached)
        del reached
        # each destination's targets, local to it: the same every superstep, so cut once
        self.cuts = cut_by_partition(self.targets, bounds)

    @cached_property
    def rows(self) -> InEdges:
        """The local senders to each global vertex."""
        return InEdges(self.indptr, self.indices, int(self.bounds[-1]))

    @cached_property
    def sums(self) -> InSums:
        """The local senders to each global vertex, laid out for summing."""
        return InSums(self.indptr, self.indices, int(self.bounds[-1]))

    def blocks(self, combiner: Combiner, values: np.ndarray) -> dict[int, MessageBlock]:
        """One combined block per destination partition when every local vertex sends ``values``."""
        if combiner.ufunc is np.add and values.dtype == np.float64:
            dense = self.sums.sum(values)
            b = self.bounds
            return {q: MessageBlock(local, dense=dense[b[q] : b[q + 1]]) for q, _, _, local in self.cuts}
        rows = self.rows
        combined = combiner.reduce_groups(values[rows.sources], rows.ptr[self.targets])
        return {q: MessageBlock(local, combined[lo:hi]) for q, lo, hi, local in self.cuts}


def cut_by_partition(targets: np.ndarray, bounds: np.ndarray) -> list[tuple[int, int, int, np.ndarray]]:
    """Sorted global ``targets`` cut by destination partition: ``(q, start, stop, local targets)``, empty ones left out.

    Examples
    --------
    >>> [(q, lo, hi, t.tolist()) for q, lo, hi, t in cut_by_partition(np.array([0, 1, 5]), np.array([0, 2, 4, 6]))]
    [(0, 0, 2, [0, 1]), (2, 2, 3, [1])]
    """
    splits = np.searchsorted(targets, bounds)
    return [
        (q, int(splits[q]), int(splits[q + 1]), (targets[splits[q] : splits[q + 1]] - bounds[q]).astype(np.int32))
        for q in range(bounds.size - 1)
        if splits[q + 1] > splits[q]
    ]


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
        if senders is not None and self._covers_every_edge(senders):
            # the vertices that stay silent have no out-edges: this is a full broadcast
            dense = np.zeros(self.indptr.size - 1, dtype=values.dtype)
            dense[senders] = values
            senders, values = None, dense
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

    def _covers_every_edge(self, senders: np.ndarray) -> bool:
        """Whether distinct ``senders`` own every out-edge of the partition."""
        if senders.size == 0:
            return False
        return int(self.degree_of(senders).sum()) == self.indices.size and bool((np.diff(senders) > 0).all())

    def edges_of(self, senders: np.ndarray | None) -> np.ndarray:
        """Positions of the out-edges of local vertices ``senders`` (``None`` = all)."""
        return edges_of(self.indptr, senders)

    def source_of(self, edges: np.ndarray) -> np.ndarray:
        """The local vertex each out-edge position leaves from."""
        return np.searchsorted(self.indptr, edges, side="right") - 1

    def blocks(self) -> dict[int, MessageBlock]:
        """The messages, combined per destination vertex, as one block per destination partition."""
        if self.full_broadcast is not None and not self.targets:
            return self.routes().blocks(self.combiner, self.full_broadcast)
        if self.full_broadcast is not None:
            values, self.full_broadcast = self.full_broadcast, None
            self.sent -= int(self.indices.size)
            self._queue_broadcast(None, values)
        if not self.targets:
            return {}
        targets, values = sort_and_combine(np.concatenate(self.targets), concat_messages(self.values), self.combiner)
        return self._cut(targets, values)

    def _cut(self, targets: np.ndarray, values: np.ndarray) -> dict[int, MessageBlock]:
        return {q: MessageBlock(local, values[lo:hi]) for q, lo, hi, local in cut_by_partition(targets, self.bounds)}


def edges_of(indptr: np.ndarray, senders: np.ndarray | None) -> np.ndarray:
    """Positions in a CSR of the out-edges of rows ``senders`` (``None`` = all rows), row by row.

    Examples
    --------
    >>> edges_of(np.array([0, 2, 2, 5]), np.array([2, 0])).tolist()
    [2, 3, 4, 0, 1]
    """
    if senders is None:
        return np.arange(int(indptr[-1]))
    starts = indptr[senders]
    counts = indptr[senders + 1] - starts
    total = int(counts.sum())
    # one arange per sender, built without a Python loop
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return np.arange(total) + offsets


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
        block = self.block
        if block.dense is not None and _zero_for(fill, block.dense):
            # the sum over in-edges already left zero where no message arrived
            return block.dense.copy()
        values = block.values
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


def _zero_for(fill: Any, dense: np.ndarray) -> bool:
    """Whether ``fill`` is zero and ``dense``'s type holds it (its zeros then stand for ``fill``)."""
    if getattr(fill, "dtype", None) == dense.dtype:
        # the usual case, a fill of the values' own type: no type promotion to work out
        return bool(fill == 0)
    return isinstance(fill, (int, float, np.number)) and fill == 0 and np.result_type(dense, fill) == dense.dtype


def sort_and_combine(
    targets: np.ndarray, values: np.ndarray, combiner: Combiner | None
) -> tuple[np.ndarray, np.ndarray]:
    """Messages sorted by target (stable), combined per target when there is a combiner.

    Either way a target's messages are combined in the order they were sent, so the
    result does not depend on which way was taken.

    Examples
    --------
    >>> from pregel.core.combiners import Min
    >>> t, v = sort_and_combine(np.array([5, 3, 5]), np.array([2.0, 7.0, 1.0]), Min())
    >>> t.tolist(), v.tolist()
    ([3, 5], [7.0, 1.0])
    """
    if isinstance(combiner, UfuncCombiner) and values.dtype != object and targets.size:
        lo, hi = int(targets.min()), int(targets.max()) + 1
        if hi - lo <= DENSE_SPAN * targets.size:
            return _combine_dense(targets - lo, values, combiner, hi - lo, lo)
    order = np.argsort(targets, kind="stable")
    targets, values = targets[order], values[order]
    if combiner is not None and targets.size:
        starts = np.flatnonzero(np.diff(targets, prepend=-1))
        targets, values = targets[starts], combiner.reduce_groups(values, starts)
    return targets, values


def _combine_dense(
    targets: np.ndarray, values: np.ndarray, combiner: UfuncCombiner, span: int, offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """``sort_and_combine`` by scattering into an array over the targets' range: O(messages + span), no sort."""
    has = np.zeros(span, dtype=bool)
    has[targets] = True
    if combiner.ufunc is np.add and values.dtype == np.float64:
        combined = np.bincount(targets, weights=values, minlength=span)
    else:
        combined = np.full(span, combiner.fill_value(values.dtype), dtype=values.dtype)
        combiner.ufunc.at(combined, targets, values)
    present = np.flatnonzero(has)
    return present + offset, combined[present]


def concat_messages(arrays: list[np.ndarray]) -> np.ndarray:
    """One array of messages; object arrays when any part is one."""
    if any(a.dtype == object for a in arrays) and not all(a.dtype == object for a in arrays):
        arrays = [a.astype(object) for a in arrays]
    return np.concatenate(arrays)
