"""A graph held by the workers: loaded share by share, partitioned by a hash of the ids, with no global id map.

Distributed loading (``pregel.run(path, program, backend="ray")``) never builds the
whole graph anywhere. Each worker parses its shares of the input and sends every edge to
the partition that owns its source; which partition owns a vertex is
:func:`owner_of` its original id, a fixed hash (SplitMix64's finaliser, the same in every
process and on every machine: not Python's salted ``hash``). A vertex seen only as a
destination is made known to its owner when a partition asks for its position (below),
so every vertex exists on exactly one partition.

Inside partition ``p`` the vertices are sorted by original id. The driver learns only
each partition's vertex count, and the prefix sums are the ``bounds`` every
:class:`~pregel.core.partition.Partition` already works with: partition ``p``'s vertices
have the global indices ``bounds[p]:bounds[p + 1]``. The routes (the global index of
each edge's head) come from an exchange: each partition asks the owners of its edges'
heads for their positions (each owner counts the ids it is asked about among its
vertices, then answers), and keeps the ids of those heads alone (:class:`HeldIds`).

This module holds the numpy side of that load (:class:`Loader`, run inside each worker),
the partition that lives without a global id map (:class:`HeldPartition`) and the
driver's descriptor of such a graph (:class:`HeldGraph`), which holds counts and a
fingerprint, never arrays of edges.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pregel.core import kernels
from pregel.core.checkpoint import HELD_FINGERPRINT
from pregel.core.graph import distinct, index_dtype, run_starts
from pregel.core.partition import Partition, PartitionData
from pregel.errors import InputError, UnknownVertex

try:  # ISA-L's CRC-32 (the ``fast`` extra): the same values as zlib's, about three times faster
    from isal.isal_zlib import crc32 as _crc32
except ImportError:  # pragma: no cover - depends on the installation
    _crc32 = zlib.crc32

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
# long arrays are hashed in pieces of this many ids, so the temporaries stay small
_PIECE = 1 << 16


def owner_of(ids: np.ndarray, parts: int) -> np.ndarray:
    """The partition that owns each original vertex id: SplitMix64's finaliser of the id, modulo ``parts``.

    The hash depends on nothing but the id (no seed, no process), so every worker and
    the driver agree on it; consecutive ids scatter evenly over the partitions.

    Examples
    --------
    >>> owner_of(np.array([0, 1, 2, 3, 4, 5]), 2).tolist()
    [1, 1, 0, 1, 0, 0]
    """
    ids = np.asarray(ids)
    out = np.empty(ids.shape, dtype=np.int32)
    # a piece at a time, in place: the temporaries stay small (the edges of a share can be most of memory)
    for k in range(0, ids.size, _PIECE):
        z = ids[k : k + _PIECE].astype(np.uint64)
        z += _GOLDEN
        shifted = np.right_shift(z, np.uint64(30))
        z ^= shifted
        z *= _MIX1
        np.right_shift(z, np.uint64(27), out=shifted)
        z ^= shifted
        z *= _MIX2
        np.right_shift(z, np.uint64(31), out=shifted)
        z ^= shifted
        np.remainder(z, np.uint64(parts), out=z)
        out[k : k + _PIECE] = z
    return out


#: A run of edges: sources and targets (original ids), or, packed (:func:`~pregel.core.kernels.deal`), one
#: ``uint64`` key per edge, ``source << 32 | target``, and None; weights or None; and whether they are the
#: input's own (False: reversed ones, for ``undirected``).
Run = tuple[np.ndarray, np.ndarray | None, np.ndarray | None, bool]

_SHIFT = np.uint64(32)
_LOW = np.uint64(2**32 - 1)
# a table over every id (a byte or an index per id) replaces a sort or a binary search per edge while the ids
# span at most this many times the edges it serves
_TABLE_PER_EDGE = 2


@dataclass
class EdgeBlock:
    """Edges (original ids) sent to the partition that owns their sources, in the runs they were parsed in.

    The runs are not joined before they are sent (each array travels as it is): the
    receiver copies each once, into its own rows.
    """

    runs: list[Run]


@dataclass
class Held:
    """What one partition reports to the driver after it gathered its edges (its vertex count comes later,
    from :meth:`Loader.take`)."""

    edges: int
    duplicates: int
    weighted: bool
    #: the first negative edge, in (source, target) order, and how many there are
    negative: tuple[int, int, float] | None = None
    negatives: int = 0


class Loader:
    """One worker's side of a distributed load: the edges it parsed, then the partition it owns.

    The calls come in this order: :meth:`add` (once per parsed piece, each perhaps
    followed by :meth:`dealt`, which hands over the runs for the other partitions so far),
    :meth:`scatter`, :meth:`gather`, :meth:`questions`, :meth:`take`, :meth:`answers`,
    :meth:`settle`.
    What a partition would send to itself stays in its loader: its place in what a call
    returns is None, and so is its place in what the next call is given.

    Memory: each edge is copied once into the partition's rows (one ``uint64`` key per
    edge, sorted in place), and each run of the exchange is dropped as soon as it is
    copied; the routes come from tables over the ids where those are small.

    Examples
    --------
    Two partitions, their loads run side by side in this process:

    >>> loaders = [Loader(k, 2) for k in range(2)]
    >>> loaders[0].add(np.array([1, 2]), np.array([2, 3]), None)
    >>> loaders[1].add(np.array([3]), np.array([1]), None)
    >>> out = [loader.scatter() for loader in loaders]
    >>> held = [loader.gather([out[w][q] for w in range(2)]) for q, loader in enumerate(loaders)]
    >>> asked = [loader.questions() for loader in loaders]
    >>> counts = [loader.take([asked[q][r] for q in range(2)]) for r, loader in enumerate(loaders)]
    >>> bounds = np.concatenate(([0], np.cumsum(counts)))
    >>> answered = [loader.answers() for loader in loaders]
    >>> parts = [loader.settle([answered[r][q] for r in range(2)], bounds) for q, loader in enumerate(loaders)]
    >>> [p.ids[p.lo : p.hi].tolist() for p in parts]
    [[2], [1, 3]]
    """

    def __init__(self, index: int, parts: int, undirected: bool = False) -> None:
        self.index = index
        self.parts = parts
        self.undirected = undirected
        # the runs of edges for each partition, this one's own included
        self.outgoing: list[list[Run]] = [[] for _ in range(parts)]

    def add(self, sources: np.ndarray, targets: np.ndarray, weights: np.ndarray | None) -> None:
        """Deal one parsed piece of the input (original ids, as parsed) to the owners of its edges' sources."""
        if not sources.size:
            return
        self._deal(sources, targets, weights, True)
        if self.undirected:
            self._deal(targets, sources, weights, False)

    def _deal(self, sources: np.ndarray, targets: np.ndarray, weights: np.ndarray | None, forward: bool) -> None:
        if self.parts == 1:
            self.outgoing[0].append((sources, targets, weights, forward))
            return
        dealt = kernels.deal(sources, targets, weights, self.parts)
        if dealt is not None:
            # packed where they are dealt: the receiver copies the keys as they come, nothing to pack there
            keys, w, ends, _ = dealt
            start = 0
            for q, end in enumerate(ends):
                if end > start:
                    run = (keys[start:end], None, None if w is None else w[start:end], forward)
                    # a copy of this partition's own: the rest is freed once it is sent, while this stays to the end
                    self.outgoing[q].append(_copied(run) if q == self.index else run)
                start = end
            return
        owner = owner_of(sources, self.parts)
        ends = np.cumsum(np.bincount(owner, minlength=self.parts)).tolist()
        # grouped by owner with one stable sort: of 8- or 16-bit keys it is numpy's radix sort, a single pass
        # whatever the partition count (a mask per partition costs a pass each)
        order = np.argsort(owner.astype(_narrowest(self.parts)), kind="stable")
        del owner
        columns = [sources[order], targets[order], None if weights is None else weights[order]]
        del order
        start = 0
        for q, end in enumerate(ends):
            if end > start:
                run = [None if c is None else c[start:end] for c in columns]
                if q == self.index:
                    # a copy: the rest of these columns is freed once it is sent, while this stays to the end
                    run = [None if c is None else c.copy() for c in run]
                self.outgoing[q].append((run[0], run[1], run[2], forward))
            start = end

    def dealt(self) -> dict[int, list[Run]]:
        """The runs dealt to the other partitions since the last call, by partition, handed over (to be sent now:
        :meth:`scatter` gives only those dealt after)."""
        out = {q: runs for q, runs in enumerate(self.outgoing) if q != self.index and runs}
        for q in out:
            self.outgoing[q] = []
        return out

    def scatter(self) -> list[EdgeBlock | None]:
        """One block of edges for each other partition (None in this partition's place: its own stay here)."""
        outgoing, self.outgoing = self.outgoing, []
        self.kept = outgoing[self.index]
        return [None if q == self.index else EdgeBlock(runs) for q, runs in enumerate(outgoing)]

    def gather(self, blocks: list[EdgeBlock | None]) -> Held:
        """Take the blocks from every partition (None in this one's place): this partition's edges, in rows.

        Duplicate edges are merged keeping the smallest weight, self-loops are kept, and
        with ``undirected`` the reversed edges join after the input's are merged (the
        duplicates counted are the input's): exactly what
        :class:`~pregel.core.graph.Graph` and ``to_undirected`` do. The list is handed
        over: each run is freed as soon as it is copied.
        """
        runs = [run for q, block in enumerate(blocks) for run in (self.kept if q == self.index else _runs(block))]
        blocks.clear()
        self.kept = []
        runs = [run for run in runs if run[0].size]
        weighted = {run[2] is not None for run in runs}
        if len(weighted) > 1:
            raise InputError("some shares of the input have weights and others do not")
        # the input's edges first: their duplicates are counted before the reversed ones join them
        runs.sort(key=lambda run: not run[3])
        rows = _rows_packed if _fit_in_32_bits(runs) else _rows_sorted
        self.ids, self.indptr, self.targets, self.weights, duplicates, self.seen = rows(runs, weighted == {True})
        held = Held(int(self.targets.size), duplicates, weighted == {True})
        w = self.weights
        if w is not None:
            negative = np.flatnonzero(w < 0)
            if negative.size:
                k = int(negative[0])
                row = int(np.searchsorted(self.indptr, k, side="right")) - 1
                held.negative = (int(self.ids[row]), int(self.targets[k]), float(w[k]))
                held.negatives = int(negative.size)
        return held

    def questions(self) -> list[np.ndarray | None]:
        """For each other partition, the heads of this partition's edges that it owns (sorted ids, ``int32`` where
        they fit): what to ask it (None in this partition's place: it asks itself, here)."""
        seen, self.seen = self.seen, None
        heads = _narrowed(
            _distinct_ids(self.targets) if seen is None else np.flatnonzero(np.unpackbits(seen, bitorder="little"))
        )
        # kept until the answers come: each owner's heads, in the order of its answer
        self.wanted = _by_owner(heads, self.parts)
        del heads
        asked: list[np.ndarray | None] = list(self.wanted)
        asked[self.index] = None
        return asked

    def take(self, questions: list[np.ndarray | None]) -> int:
        """Take what every partition asks about (None in this one's place): each id asked is a vertex of this
        partition, with out-edges or not. Returns how many vertices this partition has."""
        self.asked = [self.wanted[q] if q == self.index else asked for q, asked in enumerate(questions)]
        every = _union([self.ids, *self.asked])
        if every.size > self.ids.size:
            # the rows of the vertices without out-edges are empty
            counts = np.zeros(every.size + 1, dtype=np.int64)
            counts[1:][np.searchsorted(every, self.ids)] = np.diff(self.indptr)
            self.indptr = np.cumsum(counts)
        self.ids = every
        return int(every.size)

    def answers(self) -> list[np.ndarray | None]:
        """The positions, among this partition's vertices, of the ids each partition asked about (None in this
        partition's place: its own answer stays here)."""
        dtype = index_dtype(self.ids.size)
        out: list[np.ndarray | None] = [np.searchsorted(self.ids, asked).astype(dtype) for asked in self.asked]
        self.asked = []
        self.answer_here, out[self.index] = out[self.index], None
        return out

    def settle(self, answers: list[np.ndarray | None], bounds: np.ndarray) -> PartitionData:
        """This partition's rows: local CSR over its vertices, heads as global indices, and the ids it knows."""
        total = int(bounds[-1])
        wanted, self.wanted = self.wanted, []
        # each owner's heads are in id order, which is their order there: their global indices ascend
        dtype = index_dtype(total)
        found = [
            (bounds[r] + (self.answer_here if r == self.index else positions)).astype(dtype)
            for r, positions in enumerate(answers)
        ]
        self.answer_here = None
        indices = _routed(self.targets, wanted, found, dtype)
        del self.targets
        wanted[self.index], found[self.index] = wanted[self.index][:0], found[self.index][:0]
        # the heads other partitions own, in global index order (int32 where they fit, as the heads' ids)
        index, known = np.concatenate(found), np.concatenate(wanted)
        del wanted, found
        ids = HeldIds(int(bounds[self.index]), self.ids, total, index, known)
        return PartitionData(self.index, np.asarray(bounds, dtype=np.int64), ids, self.indptr, indices, self.weights)


def _narrowest(parts: int) -> type:
    """The smallest unsigned type that holds every partition's number."""
    return np.uint8 if parts <= 2**8 else np.uint16 if parts <= 2**16 else np.uint32


def _by_owner(ids: np.ndarray, parts: int) -> list[np.ndarray]:
    """Sorted ids split by the partition that owns them, each partition's still sorted and of the ids' dtype."""
    dealt = kernels.deal(ids, ids, None, parts)
    if dealt is None:
        owner = owner_of(ids, parts)
        return [ids[owner == r] for r in range(parts)]
    # the kernel deals stably, in one pass to count and one to place (a mask and a copy per owner cost more)
    keys, _, ends, _ = dealt
    owned = np.bitwise_and(keys, _LOW, out=keys).astype(ids.dtype)
    return np.split(owned, ends[:-1])


def _runs(block: EdgeBlock | None) -> list[Run]:
    return [] if block is None else block.runs


def _copied(run: Run) -> Run:
    return (run[0].copy(), None if run[1] is None else run[1].copy(), None if run[2] is None else run[2].copy(), run[3])


def _fit_in_32_bits(runs: list[Run]) -> bool:
    """Whether every id of the runs is in ``0 .. 2**32 - 1``: a source and a target fit one ``uint64`` key."""
    return all(int(ids.min()) >= 0 and int(ids.max()) < 2**32 for run in runs if run[1] is not None for ids in run[:2])


def _unpacked(run: Run) -> Run:
    """A run as sources and targets (``int64``), packed or not."""
    if run[1] is not None:
        return run
    keys = run[0]
    return (np.right_shift(keys, _SHIFT).view(np.int64), np.bitwise_and(keys, _LOW).view(np.int64), run[2], run[3])


#: A partition's rows: sorted distinct sources (``int64``), ``indptr`` over them, the targets in (source, target)
#: order, weights or None, the input's duplicates merged, and a table of bits marking every target (or None: not made).
Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, int, np.ndarray | None]


def _rows_packed(runs: list[Run], weighted: bool) -> Rows:
    """The runs' edges in rows (:data:`Rows`; targets ``int32`` where they fit).

    Each edge becomes one ``uint64`` key, source over target, written straight into one
    array as the runs are consumed (the list is handed over and emptied), then sorted in
    place: numpy's plain sort of integers, several times faster than a lexsort, and
    nothing else of the edges' size beside the key until the targets are taken out.
    Runs of keys (as :func:`~pregel.core.kernels.deal` packs them) without weights or
    reversed edges are placed by their leading bits and sorted bucket by bucket
    (:func:`~pregel.core.kernels.sorted_keys`), and made rows in one pass
    (:func:`~pregel.core.kernels.key_rows`): the same arrays.
    """
    if not weighted and all(run[1] is None and run[3] for run in runs):
        # keys as dealt, none reversed: sorted by a first digit and bucket by bucket, rows in one pass
        keys = [run[0] for run in runs]
        runs.clear()
        found = kernels.sorted_keys(keys)
        if found is not None:
            key, top = found
            # the heads marked on the way, a bit each, where a table over the ids is small (questions reads them)
            seen = np.zeros((top >> 3) + 1, dtype=np.uint8) if _table_pays(top + 1, key.size) else None
            ids, indptr, targets, duplicates = kernels.key_rows(key, top >= 2**31, seen)
            return ids, indptr, targets, None, duplicates, seen
        runs += [(k, None, None, True) for k in keys]
    total = sum(run[0].size for run in runs)
    forward = sum(run[0].size for run in runs if run[3])
    top = max((int(run[1].max()) for run in runs if run[1] is not None), default=0)
    key = np.empty(total, dtype=np.uint64)
    weights = np.empty(total) if weighted else None
    at = 0
    runs.reverse()
    while runs:
        sources, targets, w, _ = runs.pop()
        for k in range(0, sources.size, _PIECE):
            part = key[at + k : at + min(k + _PIECE, sources.size)]
            part[...] = sources[k : k + _PIECE]
            if targets is None:
                # keys already: their largest target is read while the piece is in cache
                top = max(top, int(np.bitwise_and(part, _LOW).max()))
                continue
            part <<= _SHIFT
            part |= targets[k : k + _PIECE].astype(np.uint64)
        if weights is not None:
            weights[at : at + sources.size] = w
        at += sources.size
        del sources, targets, w
    wide = top >= 2**31
    duplicates = 0
    if forward < total:
        # the reversed edges join after the input's are merged: the duplicates reported are the input's
        head = key[:forward]
        if weights is None:
            head.sort()  # in place: the whole key is sorted next
        else:
            head = np.sort(head)
        duplicates = head.size - int(np.count_nonzero(run_starts(head)))
        del head
    if weights is None:
        key.sort()
    else:
        order = np.argsort(key)
        key.sort()
        weights = weights[order]
        del order
    first = run_starts(key)
    merged = total - int(np.count_nonzero(first))
    if forward == total:
        duplicates = merged
    if merged:
        if weights is not None:
            weights = np.minimum.reduceat(weights, np.flatnonzero(first))
        _compact(key, first)
    del first
    ids, row_starts, targets = _split_keys(key, total - merged, wide)
    return ids, np.append(row_starts, total - merged).astype(np.int64), targets, weights, duplicates, None


def _compact(key: np.ndarray, keep: np.ndarray) -> None:
    """``key[keep]``, written over the front of ``key`` a piece at a time (no second array of its size)."""
    at = 0
    for k in range(0, key.size, _PIECE):
        kept = key[k : k + _PIECE][keep[k : k + _PIECE]]
        key[at : at + kept.size] = kept
        at += kept.size


def _split_keys(key: np.ndarray, edges: int, wide: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From the first ``edges`` sorted keys: the distinct sources (``int64``), where each one's run starts, and
    the targets (``int64`` if ``wide``, else ``int32``).

    The targets are written over the keys' own memory, which is handed over: ``int32``
    targets fill the front half of bytes already read, and the rest is given back, so
    no second array of the edges' size is made.
    """
    starts, ids, last = [], [], None
    out = key.view(np.int64) if wide else key.view(np.int32)
    for k in range(0, edges, _PIECE):
        part = key[k : min(k + _PIECE, edges)]
        sources = part >> _SHIFT
        new = run_starts(sources)
        new[0] = last is None or sources[0] != last
        starts.append(np.flatnonzero(new) + k)
        ids.append(sources[new])
        last = sources[-1]
        out[k : k + part.size] = part & _LOW
        del part
    del out
    if not wide:
        key.resize((edges + 1) // 2, refcheck=False)  # no view of it is left: its second half is given back
    targets = (key.view(np.int64) if wide else key.view(np.int32))[:edges]
    row_starts = np.concatenate(starts) if starts else np.empty(0, dtype=np.int64)
    return (np.concatenate(ids) if ids else key[:0]).astype(np.int64), row_starts, targets


def _rows_sorted(runs: list[Run], weighted: bool) -> Rows:
    """:func:`_rows_packed` for ids beyond ``0 .. 2**32 - 1`` (negative or large): the edges joined and
    lexsorted, ``int64`` throughout."""
    runs[:] = [_unpacked(run) for run in runs]
    ahead = [(s, t, w) for s, t, w, forward in runs if forward]
    back = [(s, t, w) for s, t, w, forward in runs if not forward]
    runs.clear()
    src, dst, w, duplicates = _merged(list(_joined(ahead, weighted)))
    del ahead
    if back:
        rsrc, rdst, rw = _joined(back, weighted)
        del back
        both = [np.concatenate([src, rsrc]), np.concatenate([dst, rdst])]
        del src, dst, rsrc, rdst
        src, dst, w, _ = _merged(both + [None if w is None else np.concatenate([w, rw])])
    row_starts = np.flatnonzero(run_starts(src))
    ids = src[row_starts].astype(np.int64)
    return ids, np.append(row_starts, src.size).astype(np.int64), dst.astype(np.int64), w, duplicates, None


def _table_pays(span: int, edges: int) -> bool:
    """Whether a table over ``span`` ids is worth making for ``edges`` edges (else a sort or a search)."""
    return span <= _TABLE_PER_EDGE * edges


def _distinct_ids(values: np.ndarray) -> np.ndarray:
    """The sorted distinct ``values`` as ``int64``: marks in a table over the ids when it is small, else a sort."""
    if values.size and int(values.min()) >= 0 and _table_pays(int(values.max()) + 1, values.size):
        seen = np.zeros(int(values.max()) + 1, dtype=bool)
        seen[values] = True
        return np.flatnonzero(seen)
    return distinct(values).astype(np.int64, copy=False)


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    """The sorted distinct ids of sorted arrays, as ``int64``: marks in a table over the ids when it is small
    (no array of them all joined), else a sort."""
    arrays = [ids for ids in arrays if ids.size]
    if not arrays:
        return np.empty(0, dtype=np.int64)
    low, top = min(int(ids[0]) for ids in arrays), max(int(ids[-1]) for ids in arrays)
    if low >= 0 and _table_pays(top + 1, sum(ids.size for ids in arrays)):
        seen = np.zeros(top + 1, dtype=bool)
        for ids in arrays:
            seen[ids] = True
        return np.flatnonzero(seen)
    return distinct(np.concatenate(arrays)).astype(np.int64, copy=False)


def _narrowed(ids: np.ndarray) -> np.ndarray:
    """Sorted non-negative ids as ``int32`` where the largest fits (half the memory to keep and to send)."""
    return ids.astype(np.int32) if ids.size and int(ids[0]) >= 0 and int(ids[-1]) < 2**31 else ids


def _routed(targets: np.ndarray, heads: list[np.ndarray], index: list[np.ndarray], dtype: type) -> np.ndarray:
    """Each of ``targets``' global index, given each owner's heads (sorted ids, together every target) and their
    global indices (``index``, alike).

    Written over ``targets`` when it has ``dtype`` (the caller hands it over); found in
    a table over the ids when that is small, else by a binary search, a piece at a time.
    """
    out = targets if targets.dtype == dtype else np.empty(targets.size, dtype=dtype)
    some = [ids for ids in heads if ids.size]
    low = min((int(ids[0]) for ids in some), default=0)
    top = max((int(ids[-1]) for ids in some), default=0)
    if low >= 0 and _table_pays(top + 1, targets.size):
        table = np.empty(top + 1, dtype=dtype)
        for ids, at in zip(heads, index):
            table[ids] = at
        for k in range(0, targets.size, _PIECE):
            # every target is in the table: "clip" checks nothing and writes straight into out, where "raise" writes
            # a copy first (a third faster; numpy's take is a fifth faster than table[...])
            np.take(table, targets[k : k + _PIECE], out=out[k : k + _PIECE], mode="clip")
        return out
    every = np.concatenate(heads)
    order = np.argsort(every)
    every, at = every[order], np.concatenate(index)[order]
    del order
    for k in range(0, targets.size, _PIECE):
        out[k : k + _PIECE] = at[np.searchsorted(every, targets[k : k + _PIECE])]
    return out


def _joined(
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]], weighted: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The pieces end to end (weights too when ``weighted``)."""
    src = np.concatenate([s for s, _, _ in pieces]) if pieces else np.empty(0, np.int64)
    dst = np.concatenate([d for _, d, _ in pieces]) if pieces else np.empty(0, np.int64)
    if not weighted:
        return src, dst, None
    w = np.concatenate([w for _, _, w in pieces]) if pieces else np.empty(0)
    return src, dst, w


def _merged(columns: list) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """Edges ``[sources, targets, weights or None]`` sorted by (source, target) id, duplicates merged keeping the
    smallest weight; and how many merged. The list is handed over: its arrays are freed as soon as they are used."""
    src, dst, w = columns
    columns.clear()
    if not src.size:
        return src, dst, w, 0
    if int(min(src.min(), dst.min())) >= 0 and max(int(src.max()), int(dst.max())) < 2**32:
        # both ids in one uint64 key, built in place: numpy's plain sort of integers, several times faster than
        # lexsort, and no more than one array of the edges' size beside the key
        key = src.astype(np.uint64)
        del src
        key <<= np.uint64(32)
        key |= dst.astype(np.int64, copy=False).view(np.uint64)
        del dst
        if w is None:
            key.sort()
        else:
            order = np.argsort(key)
            key, w = key[order], w[order]
            del order
        src = np.right_shift(key, np.uint64(32)).view(np.int64)
        dst = np.bitwise_and(key, np.uint64(2**32 - 1), out=key).view(np.int64)
        del key
    else:
        order = np.lexsort((dst, src))
        src, dst = src[order], dst[order]
        w = None if w is None else w[order]
    first = run_starts(src)
    first[1:] |= dst[1:] != dst[:-1]
    merged = int(src.size - np.count_nonzero(first))
    if merged:
        starts = np.flatnonzero(first)
        w = None if w is None else np.minimum.reduceat(w, starts)
        src, dst = src[starts], dst[starts]
    return src, dst, w, merged


class HeldIds:
    """The original ids one held partition knows, by global index: its own vertices and its edges' heads.

    The heads beyond the partition are kept in whatever integer type they come in (a load
    gives ``int32`` where they fit); every id it answers is ``int64``.

    It stands where a driver-built partition has the whole id map (``PartitionData.ids``)
    and answers what a partition asks of it: ``size`` (every vertex of the graph),
    ``ids[lo:hi]`` (its own vertices) and ``ids[global_indices]`` for its edges' heads.

    Examples
    --------
    >>> ids = HeldIds(2, np.array([5, 9]), 10, np.array([0, 3]), np.array([40, 9]))
    >>> ids.size, ids[2:4].tolist(), ids[np.array([0, 2, 3])].tolist()
    (10, [5, 9], [40, 5, 9])
    """

    def __init__(self, lo: int, own: np.ndarray, total: int, index: np.ndarray, known: np.ndarray) -> None:
        self.lo, self.hi, self.size = lo, lo + int(own.size), total
        self.own = own
        self.dtype = own.dtype
        # the heads beyond the partition, by global index (own heads are read from ``own``); a load gives them
        # so already, and then they are kept as given
        outside = (index < self.lo) | (index >= self.hi)
        if not outside.all():
            index, known = index[outside], known[outside]
        if index.size > 1 and (index[1:] < index[:-1]).any():
            order = np.argsort(index)
            index, known = index[order], known[order]
        self.index, self.known = index, known

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            start, stop, step = key.indices(self.size)
            if step == 1 and self.lo <= start and stop <= self.hi:
                return self.own[start - self.lo : max(stop, start) - self.lo]
            return self._lookup(np.arange(start, stop, step))
        if np.ndim(key) == 0:
            return self._lookup(np.array([int(key)]))[0]
        return self._lookup(np.asarray(key))

    def _lookup(self, index: np.ndarray) -> np.ndarray:
        index = index.astype(np.int64, copy=False)
        out = np.empty(index.shape, dtype=np.int64)
        inside = (index >= self.lo) & (index < self.hi)
        out[inside] = self.own[index[inside] - self.lo]
        away = ~inside
        pos = np.searchsorted(self.index, index[away])
        if pos.size and (pos.max(initial=0) >= self.index.size or (self.index[pos] != index[away]).any()):
            raise IndexError("a global vertex index that is neither this partition's nor one of its edges' heads")
        out[away] = self.known[pos]
        return out

    def find(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Global indices of original ids among those known here, and which were known."""
        wanted = np.asarray(wanted).astype(np.int64, copy=False)
        pos = np.zeros(wanted.shape, dtype=np.int64)
        found = np.zeros(wanted.shape, dtype=bool)
        at = np.searchsorted(self.own, wanted)
        here = at < self.own.size
        here[here] = self.own[at[here]] == wanted[here]
        pos[here], found[here] = self.lo + at[here], True
        by_id = np.argsort(self.known)
        ordered = self.known[by_id]
        at = np.searchsorted(ordered, wanted)
        there = ~here & (at < ordered.size)
        there[there] = ordered[at[there]] == wanted[there]
        pos[there], found[there] = self.index[by_id[at[there]]], True
        return pos, found


class HeldPartition(Partition):
    """A partition whose ``data.ids`` is a :class:`HeldIds`: it resolves ids among those it knows.

    A message to an original id that is neither its own vertex nor one of its edges'
    heads is left unresolved, for the barrier (which refuses it on a held graph).
    """

    @property
    def _numbered(self) -> bool:  # type: ignore[override]
        return False

    def resolve(self, ids: Any) -> tuple[np.ndarray, np.ndarray | None]:
        pos, ok = self.data.ids.find(self.target_ids(ids))
        return pos, None if ok.all() else ok


@dataclass
class HeldGraph:
    """The driver's description of a graph held by the workers: counts, bounds and a fingerprint, no arrays.

    It stands in for :class:`~pregel.core.graph.Graph` where the engine needs a graph
    (``RunState.graph``, checkpoints' fingerprints, ``Result.graph``). What needs the
    whole graph in one process (its edges, mutations of it, messages to ids that are
    no partition's neighbour) raises InputError saying so. The vertex ids are known
    here only once the run gathered its result (:meth:`gather`), aligned with the values.

    Examples
    --------
    >>> g = HeldGraph("edges/", 3, 2, np.array([0, 1, 3]), False, 0, "abc")
    >>> g.num_vertices, g.fingerprint()
    (3, 'abc')
    >>> try:
    ...     g.indptr
    ... except InputError as refused:
    ...     print(str(refused)[:69])
    the graph of edges/ is held by the Ray workers (distributed loading):
    """

    source: str
    num_vertices: int
    num_edges: int
    bounds: np.ndarray
    is_weighted: bool
    duplicates_merged: int
    digest: str
    labels: None = None
    gathered: np.ndarray | None = field(default=None, repr=False)

    def fingerprint(self, kind: str = "crc32") -> str:
        """The fingerprint of the input: a hash of every share's CRC-32, in share order, and the load's options.

        There is one kind only (``kind`` is taken for :meth:`Graph.fingerprint`'s sake): a
        checkpoint of a driver-built graph never matches it.
        """
        return self.digest

    def refuse(self, what: str) -> InputError:
        """The error for ``what``, which needs the whole graph in one process."""
        return InputError(
            f"the graph of {self.source} is held by the Ray workers (distributed loading): {what} "
            "needs the whole graph in one process; read it with pregel.read_edges and pass the Graph instead"
        )

    def gather(self, ids: np.ndarray) -> None:
        """Keep the vertex ids of the result, aligned with its values (global index order)."""
        self.gathered = ids

    @property
    def ids(self) -> np.ndarray:
        """The vertex ids by global index, once the result gathered them."""
        if self.gathered is None:
            raise self.refuse("a map of every vertex id (mutations, a message to a vertex that is no neighbour)")
        return self.gathered

    @property
    def original_ids(self) -> np.ndarray:
        return self.ids

    def to_original(self, ids: np.ndarray) -> np.ndarray:
        """The ids themselves: a held graph has integer ids only."""
        return ids

    def index_of(self, ids: Any, what: str = "vertex") -> np.ndarray:
        """Indices of original ``ids`` among the gathered ones; InputError naming an unknown one."""
        known = self.ids
        order = np.argsort(known, kind="stable")
        wanted = np.atleast_1d(np.asarray(ids))
        if wanted.dtype.kind not in "iu":
            raise UnknownVertex(f"{what} {wanted.tolist()[0]!r} is not in the graph")
        at = np.minimum(np.searchsorted(known[order], wanted), max(known.size - 1, 0))
        missing = known[order][at] != wanted if known.size else np.ones(wanted.shape, bool)
        if missing.any():
            raise UnknownVertex(f"{what} {wanted[np.flatnonzero(missing)[0]]} is not in the graph")
        return order[at]

    @property
    def indptr(self) -> np.ndarray:
        raise self.refuse("reading its edges (indptr)")

    @property
    def indices(self) -> np.ndarray:
        raise self.refuse("reading its edges (indices)")

    @property
    def weights(self) -> np.ndarray:
        raise self.refuse("reading its edge weights")

    @property
    def sources(self) -> np.ndarray:
        raise self.refuse("reading its edges (sources)")

    @property
    def out_degree(self) -> np.ndarray:
        raise self.refuse("reading every out-degree")

    def edge_arrays(self) -> Any:
        raise self.refuse("reading its edges")

    def to_scipy(self) -> Any:
        raise self.refuse("an adjacency matrix")

    def to_networkx(self, weights: bool = True) -> Any:
        raise self.refuse("a networkx graph")

    def __repr__(self) -> str:
        kind = "weighted" if self.is_weighted else "unweighted"
        return f"<HeldGraph: {self.num_vertices} vertices, {self.num_edges} edges, {kind}, held by the workers>"


def fingerprint(crcs: list[tuple[str, int]], options: tuple[Any, ...]) -> str:
    """A fingerprint of an input from each share's name and CRC-32 (in share order) and the load's options.

    Examples
    --------
    >>> a = fingerprint([("part-0", 1), ("part-1", 2)], (False,))
    >>> a == fingerprint([("part-0", 1), ("part-1", 2)], (True,)), a[:11]
    (False, 'crc32:held:')
    """
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr(options).encode())
    for name, crc in crcs:
        digest.update(f"{name}:{crc};".encode())
    return HELD_FINGERPRINT + digest.hexdigest()


def columns_crc(sources: np.ndarray, targets: np.ndarray, weights: np.ndarray | None) -> int:
    """The CRC-32 of parsed edge columns (as ``int64``/``float64``): a share's content, whatever its format.

    Examples
    --------
    >>> columns_crc(np.array([1]), np.array([2]), None) == columns_crc(np.array([1], np.int32), np.array([2]), None)
    True
    """
    crc = 0
    for column, dtype in ((sources, np.int64), (targets, np.int64), (weights, np.float64)):
        if column is None:
            continue
        # a piece at a time: ids parsed as int32 are hashed as int64 without a copy of the whole column
        for k in range(0, column.size, _PIECE):
            crc = _crc32(np.ascontiguousarray(column[k : k + _PIECE], dtype=dtype).data, crc)
    return crc


@dataclass(frozen=True)
class HeldInput:
    """What a distributed load reads, and the functions that read it (given by :mod:`pregel.io.shares`).

    The engine's rooms do not parse files; the caller hands the readers over, and Ray
    pickles them by reference (each worker imports them). ``list`` gives the shares of
    ``path`` for a number of workers, ``assign`` deals them out, ``read`` parses one,
    ``chunks`` streams a compressed file and ``read_chunk`` parses one of its chunks.
    ``nothing``: the error for an input without edges; ``size``: its bytes on disk
    (compressed files counted as their text), for sizing a private object store.
    """

    path: str
    list: Any
    assign: Any
    read: Any
    chunks: Any
    read_chunk: Any
    weights: bool = True
    undirected: bool = False
    nothing: str = "no edges"
    size: int = 0
