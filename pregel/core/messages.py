"""Message routing: a partition's outbox, the blocks that travel, and a partition's inbox.

Messages are addressed by global vertex index. Before anything leaves a partition, its
outbox combines them per destination vertex (when the program has a combiner) and cuts
them into one block per destination partition: the targets it reached there, sorted,
and one value each. A block is the only form a message takes between the sender's
outbox and the receiver's inbox. With a Sum, Min or Max combiner on numbers the inbox
folds each block into one array over its vertices as it arrives (no gathering, no
concatenating, no second sort), always in the order of the sending partitions, so
every backend and every arrival order gives the same bits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.core import kernels
from pregel.core.combiners import ColumnSum, Combiner, UfuncCombiner, rows
from pregel.core.graph import distinct
from pregel.core.kernels import InCounts, InEdges, InSums, row_sums
from pregel.core.lazy import cached_property

# combine by scattering into an array (no sort) when the targets span at most this many slots per message
DENSE_SPAN = 32

if TYPE_CHECKING:
    from pregel.core.trace import MessageLog


# tables over every vertex of the graph are made only up to this many times a partition's edges
_WHOLE_GRAPH_TABLES = 2


def _tables_pay(total: int, edges: int) -> bool:
    """Whether a table over all ``total`` vertices is worth making for a partition of ``edges`` edges."""
    return total <= _WHOLE_GRAPH_TABLES * edges


class MessageBlock:
    """Messages for one partition: ``targets`` (its local indices, sorted), one value each, from partition ``source``.

    After a combiner each target appears once; without one a target appears once per
    message, in the order they were sent. A ``covering`` block carries one value for
    every vertex of its destination, the combiner's identity where no message came
    (``targets`` still lists those that got one): a sender that reaches most of a
    partition sends it that way, so the receiver adds it without a scatter.

    Examples
    --------
    >>> b = MessageBlock(np.array([0, 2]), np.array([1.5, 2.5]), source=1)
    >>> b.values.tolist(), len(b), b.source
    ([1.5, 2.5], 2, 1)
    >>> len(MessageBlock(np.array([0, 2]), np.array([1.5, 0.0, 2.5]), covering=True))
    2
    """

    __slots__ = ("targets", "values", "source", "covering")

    def __init__(self, targets: np.ndarray, values: np.ndarray, source: int = -1, covering: bool = False) -> None:
        self.targets = targets
        self.values = values
        self.source = source
        self.covering = covering

    def __len__(self) -> int:
        return int(self.targets.size)

    def __repr__(self) -> str:
        return f"MessageBlock({len(self)} messages from partition {self.source})"


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

    The in-edges are laid out over the vertices the partition reaches, in global
    order, so a broadcast combines into one array holding the values that leave,
    already in destination order: a partition sends what it reached, not an array over
    every vertex. A Sum over floats adds each target's in-edges
    (:class:`pregel.core.kernels.InSums`, built on first use), scaled by the edges'
    ``weights`` for a weighted broadcast (a layout of its own, with the weights beside
    the sources); to a destination it reaches at least half of, it sends a covering
    block (every vertex of the destination, zero where nothing came), which the
    receiver adds without a scatter. Other combiners reduce target by target over the
    in-edges (:class:`pregel.core.kernels.InEdges`) and send the reached vertices alone.

    Where a table over every vertex pays, one counting sort of the out-edges over every
    vertex (on up to ``threads`` threads) gives the vertices reached (those it counted)
    and the in-edges the sums are laid out from; else the reached vertices come from a
    sort, and the in-edges from the edges renumbered over them.
    """

    def __init__(
        self,
        indptr: np.ndarray,
        indices: np.ndarray,
        bounds: np.ndarray,
        source: int = -1,
        weights: np.ndarray | None = None,
        threads: int = 1,
    ) -> None:
        total = int(bounds[-1])
        self.bounds = bounds
        self.source = source
        self.indptr, self.indices = indptr, indices
        self.weights = weights
        self.threads = threads
        # each vertex's in-edges counted (None: counted for each use, over the vertices it needs)
        self._counts: InCounts | None = None
        if kernels.COMPILED and _tables_pay(total, indices.size):
            # the counting sort counts each vertex's in-edges first: the vertices reached are those counted
            self._counts = InCounts(indptr, indices, total, threads=threads)
            self.targets = np.flatnonzero(self._counts.degree)
        else:
            self.targets = _reached(indices, total)
        # each destination's targets, local to it: the same every superstep, so cut once
        self.cuts = cut_by_partition(self.targets, bounds)
        self._row_outputs: list[np.ndarray | None] | None = None

    def _counted(self, kept: np.ndarray) -> tuple[InCounts, np.ndarray | None]:
        """The in-edges counted, and ``kept`` (sorted global vertices, every one reached among them) among their
        targets (None: every one)."""
        total = int(self.bounds[-1])
        if self._counts is not None:
            return self._counts, None if kept.size == total else kept
        return InCounts(self.indptr, _renumbered(self.indices, kept, total), kept.size, self.threads), None

    @cached_property
    def rows(self) -> InEdges:
        """The local senders to each reached vertex."""
        if kernels.COMPILED:
            return InEdges.of(*self._counted(self.targets))
        return InEdges(self.indptr, _renumbered(self.indices, self.targets, int(self.bounds[-1])), self.targets.size)

    @cached_property
    def slots(self) -> tuple[np.ndarray, list[tuple[int, int, int, np.ndarray, bool]]]:
        """The vertices a Sum is computed for, and per destination ``(q, start, stop, local targets, covering)``."""
        b = self.bounds
        parts, cuts, start = [], [], 0
        for q, lo, hi, local in self.cuts:
            covering = 2 * (hi - lo) >= b[q + 1] - b[q]
            parts.append(np.arange(b[q], b[q + 1]) if covering else self.targets[lo:hi])
            cuts.append((q, start, start + parts[-1].size, local, covering))
            start += parts[-1].size
        return np.concatenate(parts), cuts

    @cached_property
    def slot_of_edges(self) -> np.ndarray:
        """Each out-edge's target as a slot number."""
        slots = self.slots[0]
        if slots.size == int(self.bounds[-1]):
            # every vertex is a slot (each destination covered): slot numbers are the global indices
            return self.indices
        return _renumbered(self.indices, slots, int(self.bounds[-1]))

    @cached_property
    def sums(self) -> InSums:
        """The local senders to each slot, laid out for summing."""
        return self._laid_out(None)

    @cached_property
    def weighted_sums(self) -> InSums:
        """The local senders to each slot with their edges' weights, laid out for summing."""
        return self._laid_out(self.weights)

    def _laid_out(self, weights: np.ndarray | None) -> InSums:
        """:class:`InSums` over the slots."""
        slots = self.slots[0]
        if kernels.COMPILED:
            return InSums.of(*self._counted(slots), weights)
        return InSums(self.indptr, self.slot_of_edges, slots.size, weights)

    def blocks(self, combiner: Combiner | None, values: np.ndarray, weighted: bool = False) -> dict[int, MessageBlock]:
        """One block per destination partition when every local vertex sends ``values`` (combined, given a combiner).

        ``weighted`` (a Sum over floats only): each edge carries the value times its weight.
        Without a combiner, a target's messages come in the order of their senders, as a
        stable sort of the sent messages would leave them.
        """
        if not self.cuts:
            return {}
        if combiner is None:
            rows = self.rows
            sent = values[rows.sources]
            return {
                q: MessageBlock(
                    np.repeat(local, np.diff(rows.ptr[lo : hi + 1])), sent[rows.ptr[lo] : rows.ptr[hi]], self.source
                )
                for q, lo, hi, local in self.cuts
            }
        if isinstance(combiner, ColumnSum):
            return self.row_blocks(values, None)
        if weighted or (combiner.ufunc is np.add and values.dtype == np.float64):
            summed = (self.weighted_sums if weighted else self.sums).sum(values)
            return {
                q: MessageBlock(local, summed[lo:hi], self.source, covering)
                for q, lo, hi, local, covering in self.slots[1]
            }
        rows = self.rows
        combined = combiner.reduce_groups(values[rows.sources], rows.ptr[:-1])
        return {q: MessageBlock(local, combined[lo:hi], self.source) for q, lo, hi, local in self.cuts}

    def subset_blocks(self, values: np.ndarray, senders: np.ndarray) -> dict[int, MessageBlock]:
        """Uncombined blocks when ``senders`` (local indices, sorted, distinct) send ``values`` to all out-neighbours.

        The messages the sort of :meth:`Outbox.blocks` would leave (a target's messages in
        the order of their senders), picked from the in-edges by a pass over them: for
        senders that own a good part of the partition's edges, cheaper than the sort.
        """
        if not self.cuts:
            return {}
        rows = self.rows
        size = self.indptr.size - 1
        slot = np.full(size, -1, dtype=np.int64)
        slot[senders] = np.arange(senders.size)
        picked = slot[rows.sources]
        picked = picked[picked >= 0]
        # how many of each reached target's in-edges come from a sender, as a running count at the row bounds
        before = np.zeros(rows.sources.size + 1, dtype=np.int64)
        np.cumsum(slot[rows.sources] >= 0, out=before[1:])
        at = before[rows.ptr]
        sent = values[picked]
        blocks = {}
        for q, lo, hi, local in self.cuts:
            if at[hi] > at[lo]:
                targets = np.repeat(local, np.diff(at[lo : hi + 1]))
                blocks[q] = MessageBlock(targets, sent[at[lo] : at[hi]], self.source)
        return blocks

    def row_blocks(self, values: np.ndarray, senders: np.ndarray | None) -> dict[int, MessageBlock]:
        """One block per destination partition when ``senders`` (local indices, sorted; None: all) send records.

        ``values`` are :class:`~pregel.core.combiners.ColumnSum` records, one per sender:
        each reached target gets the column-wise sum of its sending in-neighbours' rows,
        added in source order by one compiled pass over the in-edges.
        """
        if not self.cuts:
            return {}
        size = self.indptr.size - 1
        row_of = None
        if senders is not None:
            row_of = np.full(size, -1, dtype=np.int32)
            row_of[senders] = np.arange(senders.size, dtype=np.int32)
        matrix = rows(values)
        # two buffers in turn: this superstep's blocks are read in the next one, while the one after writes
        self._row_outputs = (self._row_outputs or [None, None])[::-1]
        out = self._row_outputs[0]
        if out is None or out.shape != (self.rows.size, matrix.shape[1]):
            out = self._row_outputs[0] = np.empty((self.rows.size, matrix.shape[1]))
        reached, summed = row_sums(self.rows, matrix, size, row_of, out=out)
        summed = summed.view(values.dtype).reshape(-1)
        blocks = {}
        for q, lo, hi, local in self.cuts:
            start, stop = np.searchsorted(reached, [lo, hi])
            if stop > start:
                blocks[q] = MessageBlock(local[reached[start:stop] - lo], summed[start:stop], self.source)
        return blocks


def _reached(indices: np.ndarray, total: int) -> np.ndarray:
    """The distinct global ``indices`` (``int64``, sorted) of a partition's edges, among ``total`` vertices.

    A mask over every vertex where the edges are many against the vertices; a sort where
    they are few (a partition of a graph the workers hold, which has nothing else the
    size of the whole graph). Both give the same array.

    Examples
    --------
    >>> _reached(np.array([7, 2, 7]), 8).tolist(), _reached(np.array([7, 2, 7]), 10**9).tolist()
    ([2, 7], [2, 7])
    """
    if _tables_pay(total, indices.size):
        reached = np.zeros(total, dtype=bool)
        reached[indices] = True
        return np.flatnonzero(reached)
    return distinct(indices.astype(np.int64))


def _renumbered(indices: np.ndarray, kept: np.ndarray, total: int) -> np.ndarray:
    """``indices`` (global, all in the sorted ``kept``) as positions in ``kept``.

    A table from global index to position, then one gather per edge: a binary search
    per edge costs several times more, unless the table would be much larger than the
    edges (as :func:`_reached` decides).

    Examples
    --------
    >>> _renumbered(np.array([7, 2, 7]), np.array([2, 5, 7]), 8).tolist()
    [2, 0, 2]
    >>> _renumbered(np.array([7, 2, 7]), np.array([2, 5, 7]), 10**9).tolist()
    [2, 0, 2]
    """
    if not _tables_pay(total, indices.size):
        return np.searchsorted(kept, indices).astype(np.int32)
    position = np.zeros(total, dtype=np.int32)
    position[kept] = np.arange(kept.size, dtype=np.int32)
    return position[indices]


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
    source : int
        The sending partition's index, which every block carries.
    weights : numpy.ndarray, optional
        The out-edges' weights (``None``: every weight is 1), for weighted broadcasts.
    """

    def __init__(
        self,
        indptr: np.ndarray,
        indices: np.ndarray,
        bounds: np.ndarray,
        combiner: Combiner | None,
        routes: Any,
        log: MessageLog | None = None,
        source: int = -1,
        weights: np.ndarray | None = None,
    ) -> None:
        self.source = source
        self.indptr = indptr
        self.indices = indices
        self.bounds = bounds
        self.combiner = combiner
        self.routes = routes
        self.log = log
        self.weights = weights
        self.targets: list[np.ndarray] = []
        self.values: list[np.ndarray] = []
        # a broadcast from every vertex, combined through the routes unless more messages come
        self.full_broadcast: tuple[np.ndarray, bool] | None = None
        # a ColumnSum broadcast from some vertices (local indices, records), summed through the routes likewise
        self.row_broadcast: tuple[np.ndarray, np.ndarray] | None = None
        # without a combiner, a broadcast from some vertices sent first: picked from the routes unless more come
        self.subset_broadcast: tuple[np.ndarray, np.ndarray] | None = None
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

    def broadcast(self, senders: np.ndarray | None, values: Any, weighted: bool = False) -> None:
        """Each sender (local index; ``None`` = every local vertex) sends its value to all out-neighbours.

        ``weighted``: along each edge goes the value times the edge's weight.
        """
        values = as_message_array(values)
        weighted = weighted and self.weights is not None
        self._flush_subset()
        if self.log is not None:
            edges = self.edges_of(senders)
            self.log.add(self.source_of(edges), self.indices[edges], self._along(edges, senders, values, weighted))
        if senders is not None and self._covers_every_edge(senders):
            # the vertices that stay silent have no out-edges: this is a full broadcast
            dense = np.zeros(self.indptr.size - 1, dtype=values.dtype)
            dense[senders] = values
            senders, values = None, dense
        combiner = self.combiner
        fast = (
            senders is None
            and self.full_broadcast is None
            and values.dtype != object
            # the routes weigh the edges in a Sum of floats only
            and (not weighted or (combiner is not None and combiner.ufunc is np.add and values.dtype == np.float64))
        )
        if fast:
            self.full_broadcast = (values, weighted)
            self.sent += int(self.indices.size)
            return
        if isinstance(combiner, ColumnSum) and self.row_broadcast is None and not weighted and senders is not None:
            self.row_broadcast = (senders, values)
            self.sent += int(self.degree_of(senders).sum())
            return
        if self._first_send() and combiner is None and senders is not None and values.dtype != object and not weighted:
            degree = self.degree_of(senders)
            if _SUBSET_SHARE * int(degree.sum()) >= self.indices.size and bool((np.diff(senders) > 0).all()):
                self.subset_broadcast = (senders, values)
                self.sent += int(degree.sum())
                return
        self._queue_broadcast(senders, values, weighted)

    def _first_send(self) -> bool:
        return (
            not self.targets
            and self.full_broadcast is None
            and self.row_broadcast is None
            and self.subset_broadcast is None
        )

    def _flush_subset(self) -> None:
        """The pending subset broadcast as queued messages: more is sent after it, which comes after it."""
        if self.subset_broadcast is not None:
            (senders, values), self.subset_broadcast = self.subset_broadcast, None
            self.sent -= int(self.degree_of(senders).sum())
            self._queue_broadcast(senders, values, False)

    def _queue(self, targets: np.ndarray, values: np.ndarray) -> None:
        self._flush_subset()
        if self.combiner is None and self.full_broadcast is not None:
            # uncombined, a target's messages keep the order they were sent in: the broadcast's come first
            (broadcast, weighted), self.full_broadcast = self.full_broadcast, None
            self.sent -= int(self.indices.size)
            self._queue_broadcast(None, broadcast, weighted)
        self.targets.append(targets)
        self.values.append(values)
        self.sent += int(targets.size)

    def _queue_broadcast(self, senders: np.ndarray | None, values: np.ndarray, weighted: bool) -> None:
        edges = self.edges_of(senders)
        self._queue(self.indices[edges], self._along(edges, senders, values, weighted))

    def _along(self, edges: np.ndarray, senders: np.ndarray | None, values: np.ndarray, weighted: bool) -> np.ndarray:
        """The message on each of ``edges`` (the out-edges of ``senders``) when the senders broadcast ``values``."""
        repeated = np.repeat(values, self.degree_of(senders))
        return repeated * self.weights[edges] if weighted else repeated

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
        if self.subset_broadcast is not None and self._only_subset():
            senders, values = self.subset_broadcast
            return self.routes().subset_blocks(values, senders)
        if self.row_broadcast is not None:
            if self.full_broadcast is None and not self.targets:
                return self.routes().row_blocks(self.row_broadcast[1], self.row_broadcast[0])
            (senders, values), self.row_broadcast = self.row_broadcast, None
            self.sent -= int(self.degree_of(senders).sum())
            self._queue_broadcast(senders, values, False)
        if self.full_broadcast is not None and not self.targets:
            return self.routes().blocks(self.combiner, *self.full_broadcast)
        if self.full_broadcast is not None:
            (values, weighted), self.full_broadcast = self.full_broadcast, None
            self.sent -= int(self.indices.size)
            self._queue_broadcast(None, values, weighted)
        if not self.targets:
            return {}
        if len(self.targets) == 1:  # one send: sorting makes new arrays, so no copy to join them first
            targets, values = sort_and_combine(self.targets[0], self.values[0], self.combiner)
        else:
            targets, values = sort_and_combine(
                np.concatenate(self.targets), concat_messages(self.values), self.combiner
            )
        return self._cut(targets, values)

    def _only_subset(self) -> bool:
        """Whether the pending subset broadcast is all this superstep sent (it is flushed when more comes)."""
        return not self.targets and self.full_broadcast is None and self.row_broadcast is None

    def _cut(self, targets: np.ndarray, values: np.ndarray) -> dict[int, MessageBlock]:
        cuts = cut_by_partition(targets, self.bounds)
        return {q: MessageBlock(local, values[lo:hi], self.source) for q, lo, hi, local in cuts}


def edges_of(indptr: np.ndarray, senders: np.ndarray | None) -> np.ndarray:
    """Positions in a CSR of the out-edges of rows ``senders`` (``None`` = all rows), row by row.

    Examples
    --------
    >>> edges_of(np.array([0, 2, 2, 5]), np.array([2, 0])).tolist()
    [2, 3, 4, 0, 1]
    """
    return kernels.expand(indptr, senders)[0]


class Inbox:
    """The messages a partition's vertices will read in the next superstep.

    Blocks arrive from every partition (``receive``), in any order; ``take`` hands
    them over as one :class:`Mail` and empties the inbox. With a Sum, Min or Max
    combiner on numbers the blocks are folded into one array over the partition's
    vertices, in the order of their sending partitions; otherwise they are
    concatenated in that order and sorted by receiver (stably), and combined per
    receiver when there is a combiner.
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

    def pending(self) -> Mail:
        """Everything received so far, as the next superstep will read it; the inbox keeps it (for a checkpoint)."""
        blocks = self.blocks
        mail = self.take()
        self.blocks = blocks
        return mail

    def take(self) -> Mail:
        """The messages of the superstep about to run; the inbox is empty afterwards."""
        blocks = sorted(self.blocks, key=lambda b: b.source)
        self.blocks = []
        combiner = self.combiner
        if not blocks:
            return Mail.of_block(self.size, np.empty(0, np.int32), np.empty(0), combiner is not None)
        if isinstance(combiner, UfuncCombiner) and all(b.values.dtype != object for b in blocks):
            return Mail.of_array(self.size, *_fold(blocks, combiner, self.size))
        if isinstance(combiner, ColumnSum) and len(blocks) > 1:
            return Mail.of_array(self.size, *_fold_rows(blocks, combiner, self.size))
        if len(blocks) == 1:
            # a block is sorted by target already, a target's messages in the order sent
            block = blocks[0]
            return Mail.of_block(self.size, block.targets, block.values, combiner is not None)
        targets, values = sort_and_combine(
            np.concatenate([b.targets for b in blocks]), concat_messages([b.values for b in blocks]), combiner
        )
        return Mail.of_block(self.size, targets, values, combiner is not None)


def _fold(blocks: list[MessageBlock], combiner: UfuncCombiner, size: int) -> tuple[np.ndarray, list[np.ndarray], Any]:
    """The blocks combined into one array over ``size`` vertices, who got mail in each block, and the fill."""
    dtype = np.result_type(*[b.values.dtype for b in blocks])
    fill = combiner.fill_value(dtype)
    covers = [block.covering or len(block) == size for block in blocks]
    first, done = blocks[0], 1
    if covers[:2] == [True, True] and first.values.dtype == blocks[1].values.dtype == dtype:
        # the first two combined into a new array: one pass over them, not a copy and then a pass
        values = combiner.ufunc(first.values, blocks[1].values, out=np.empty(size, dtype=dtype))
        done = 2
    elif covers[0]:
        values = first.values.astype(dtype, copy=True)
    else:
        values = np.full(size, fill, dtype=dtype)
        values[first.targets] = first.values
    for block, covering in zip(blocks[done:], covers[done:]):
        if covering:
            combiner.ufunc(values, block.values, out=values)
        else:
            # a block names each target once, so a gather, one ufunc and a scatter fold it in
            targets = block.targets
            values[targets] = combiner.ufunc(values[targets], block.values)
    return values, [b.targets for b in blocks], fill


def _fold_rows(blocks: list[MessageBlock], combiner: ColumnSum, size: int) -> tuple[np.ndarray, list[np.ndarray], Any]:
    """ColumnSum blocks added into one row per vertex, in the order of their sending partitions (see ``_fold``)."""
    dtype = blocks[0].values.dtype
    folded = np.zeros(size, dtype=dtype)
    matrix = rows(folded)
    for block in blocks:
        # a block names each target once: a gather, an addition and a scatter fold it in
        matrix[block.targets] += rows(block.values)
    return folded, [b.targets for b in blocks], combiner.fill_value(dtype)


class Mail:
    """One superstep's messages for a partition, ready to be read per vertex.

    Either folded into one array over the partition's vertices (``folded``, the
    combiner's identity ``fill`` where none came; ``reached`` lists who got mail from
    each block, read only when someone asks), or as a block sorted by receiver (one
    message per receiver when ``combined``, else every message, in the order sent).
    """

    def __init__(
        self,
        size: int,
        combined: bool,
        folded: np.ndarray | None = None,
        reached: list[np.ndarray] | None = None,
        fill: Any = None,
        targets: np.ndarray | None = None,
        values: np.ndarray | None = None,
    ) -> None:
        self.size = size
        self.combined = combined
        self.folded = folded
        self.reached = reached
        self.fill = fill
        self._targets = targets
        self._values = values

    @classmethod
    def of_array(cls, size: int, folded: np.ndarray, reached: list[np.ndarray], fill: Any) -> Mail:
        """Mail folded into ``folded`` (one value per vertex, ``fill`` where none came); ``reached``: who got any."""
        return cls(size, True, folded=folded, reached=reached, fill=fill)

    @classmethod
    def of_block(cls, size: int, targets: np.ndarray, values: np.ndarray, combined: bool) -> Mail:
        """Mail as ``values[k]`` for local vertex ``targets[k]``, sorted by target."""
        return cls(size, combined, targets=targets, values=values)

    @cached_property
    def has(self) -> np.ndarray:
        """Which local vertices got at least one message."""
        has = np.zeros(self.size, dtype=bool)
        for targets in self.reached if self.folded is not None else [self.targets]:
            has[targets] = True
        return has

    @cached_property
    def targets(self) -> np.ndarray:
        """The local vertices with mail, sorted (repeated per message when not combined)."""
        return self._targets if self.folded is None else np.flatnonzero(self.has)

    @cached_property
    def values(self) -> np.ndarray:
        """The messages, aligned with ``targets``."""
        return self._values if self.folded is None else self.folded[self.targets]

    def __len__(self) -> int:
        return int(self.targets.size)

    def dense(self, fill: Any) -> np.ndarray:
        """Combined message per local vertex, ``fill`` where none arrived.

        Mail folded into an array is that array (no copy) when ``fill`` is what the
        fold left where no message came, or every vertex got mail, and the array's
        type holds ``fill``: the reader owns it for the superstep.
        """
        folded = self.folded
        if folded is not None and _holds(folded, fill) and (fill == self.fill or bool(self.has.all())):
            return folded
        values = self.values
        if fill is None or values.dtype == object:
            dtype = np.dtype(object)
        elif not values.size:
            # no mail: the empty block has no type of its own, the fill (of the reader's type) decides
            dtype = np.asarray(fill).dtype
        else:
            dtype = np.result_type(values.dtype, np.asarray(fill).dtype)
        out = np.full(self.size, fill, dtype=dtype)
        out[self.targets] = values
        return out

    @cached_property
    def indptr(self) -> np.ndarray:
        """Row pointers of the (uncombined) messages per local vertex."""
        ptr = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.targets, minlength=self.size), out=ptr[1:])
        return ptr


def _holds(array: np.ndarray, fill: Any) -> bool:
    """Whether an array of ``array``'s type can stand for ``fill`` (no promotion to another type)."""
    if getattr(fill, "dtype", None) == array.dtype:
        # the usual case, a fill of the values' own type: no type promotion to work out
        return True
    return isinstance(fill, (int, float, np.number)) and np.result_type(array, fill) == array.dtype


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
            return _combine_dense(targets - lo if lo else targets, values, combiner, hi - lo, lo)
    if combiner is None and _in_order(targets):
        # sent in target order already (a program that sends that way): the stable sort would keep every message
        return targets, values
    order = stable_order(targets)
    targets, values = targets[order], values[order]
    if combiner is not None and targets.size:
        starts = np.flatnonzero(np.diff(targets, prepend=-1))
        targets, values = targets[starts], combiner.reduce_groups(values, starts)
    return targets, values


def _in_order(targets: np.ndarray) -> bool:
    """Whether integer ``targets`` never decrease (a pass of comparisons, a small part of any sort).

    Examples
    --------
    >>> _in_order(np.array([1, 1, 4])), _in_order(np.array([2, 1]))
    (True, False)
    """
    return targets.dtype.kind in "iu" and not np.any(targets[1:] < targets[:-1])


# a broadcast without a combiner from senders owning at least 1/_SUBSET_SHARE of the edges is picked from the routes
_SUBSET_SHARE = 4

# targets spanning at most this many times their number: a counting sort (over the span) beats sorting them
_COUNTING_SPAN = 16

# fewer descents than this in a block's targets: sorted runs, which a timsort merges in linear time
_FEW_RUNS = 16


def stable_order(targets: np.ndarray) -> np.ndarray:
    """The permutation that sorts integer ``targets`` stably (equal targets keep their order).

    Targets made of a few sorted runs (the blocks of a few partitions, one after the
    other) go to numpy's stable argsort, a timsort, which merges the runs in linear
    time. Targets that span at most 16 times their number (a superstep's sends into a
    partition, as a rule) go to a compiled counting sort, linear in both. Otherwise each
    target is packed with its position into one ``uint64`` and the packed keys are
    sorted plainly: numpy's SIMD sort of integers is 5-10 times faster than timsort on
    the scattered million-message sends of label propagation.

    Examples
    --------
    >>> stable_order(np.array([5, 3, 5, 3])).tolist()
    [1, 3, 0, 2]
    """
    size = targets.size
    if not size or targets.dtype.kind not in "iu" or np.count_nonzero(targets[1:] < targets[:-1]) < _FEW_RUNS:
        return np.argsort(targets, kind="stable")
    lo = int(targets.min())
    span = int(targets.max()) - lo + 1
    if kernels.COMPILED and span <= _COUNTING_SPAN * size:
        return kernels.counting_order(targets, lo, span)
    position_bits = max(size - 1, 1).bit_length()
    if position_bits + max(span - 1, 1).bit_length() > 64:  # pragma: no cover - beyond any memory
        return np.argsort(targets, kind="stable")
    packed = np.subtract(targets, lo, dtype=np.int64).view(np.uint64)
    packed <<= np.uint64(position_bits)
    packed |= np.arange(size, dtype=np.uint64)
    packed.sort()
    packed &= np.uint64((1 << position_bits) - 1)
    return packed.view(np.int64)


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
    """One array of messages; object arrays when any part is one.

    Empty parts are left out: a partition that sent nothing has the default dtype, which
    a record dtype cannot be joined with.

    Examples
    --------
    >>> pair = np.dtype([("a", np.int64), ("b", np.float64)])
    >>> concat_messages([np.empty(0), np.zeros(2, dtype=pair)]).dtype == pair
    True
    """
    arrays = [a for a in arrays if a.size] or arrays[:1]
    if any(a.dtype == object for a in arrays) and not all(a.dtype == object for a in arrays):
        arrays = [a.astype(object) for a in arrays]
    return np.concatenate(arrays)
