"""A graph held by the workers: loaded share by share, partitioned by a hash of the ids, with no global id map.

Distributed loading (``pregel.run(path, program, backend="ray")``) never builds the
whole graph anywhere. Each worker parses its shares of the input and sends every edge to
the partition that owns its source; which partition owns a vertex is
:func:`owner_of` its original id, a fixed hash (SplitMix64's finaliser, the same in every
process and on every machine: not Python's salted ``hash``). A vertex seen only as a
destination is announced to its owner too, so every vertex exists on exactly one
partition.

Inside partition ``p`` the vertices are sorted by original id. The driver learns only
each partition's vertex count, and the prefix sums are the ``bounds`` every
:class:`~pregel.core.partition.Partition` already works with: partition ``p``'s vertices
have the global indices ``bounds[p]:bounds[p + 1]``. The routes (the global index of
each edge's head) come from an exchange: each partition asks the owners of its edges'
heads for their positions, and keeps the ids of those heads alone (:class:`HeldIds`).

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

from pregel.core.checkpoint import HELD_FINGERPRINT
from pregel.core.graph import distinct, index_dtype, run_starts
from pregel.core.partition import Partition, PartitionData
from pregel.errors import InputError

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


@dataclass
class EdgeBlock:
    """Edges (original ids) sent to the partition that owns their sources, and the destination ids it owns.

    The first ``forward`` edges are the input's; the rest are reversed ones (``undirected``).
    """

    sources: np.ndarray
    targets: np.ndarray
    weights: np.ndarray | None
    forward: int
    vertices: np.ndarray


@dataclass
class Held:
    """What one partition reports to the driver after it gathered its edges."""

    vertices: int
    edges: int
    duplicates: int
    weighted: bool
    #: the first negative edge, in (source, target) order, and how many there are
    negative: tuple[int, int, float] | None = None
    negatives: int = 0


class Loader:
    """One worker's side of a distributed load: the edges it parsed, then the partition it owns.

    The calls come in this order: :meth:`add` (once per parsed piece), :meth:`scatter`,
    :meth:`gather`, :meth:`questions`, :meth:`answers`, :meth:`settle`.

    Examples
    --------
    Two partitions, their loads run side by side in this process:

    >>> loaders = [Loader(k, 2) for k in range(2)]
    >>> loaders[0].add(np.array([1, 2]), np.array([2, 3]), None)
    >>> loaders[1].add(np.array([3]), np.array([1]), None)
    >>> out = [loader.scatter() for loader in loaders]
    >>> held = [loader.gather([out[w][q] for w in range(2)]) for q, loader in enumerate(loaders)]
    >>> bounds = np.concatenate(([0], np.cumsum([h.vertices for h in held])))
    >>> asked = [loader.questions() for loader in loaders]
    >>> answered = [loader.answers([asked[q][r] for q in range(2)]) for r, loader in enumerate(loaders)]
    >>> parts = [loader.settle([answered[r][q] for r in range(2)], bounds) for q, loader in enumerate(loaders)]
    >>> [p.ids[p.lo : p.hi].tolist() for p in parts]
    [[2], [1, 3]]
    """

    def __init__(self, index: int, parts: int, undirected: bool = False) -> None:
        self.index = index
        self.parts = parts
        self.undirected = undirected
        self.pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]] = []

    def add(self, sources: np.ndarray, targets: np.ndarray, weights: np.ndarray | None) -> None:
        """Keep one parsed piece of the input (original ids)."""
        if sources.size:
            # ids as parsed (int32 where they fit: half the memory of the edges until they are merged)
            self.pieces.append((sources, targets, weights))

    def scatter(self) -> list[EdgeBlock]:
        """The parsed edges cut into one block per partition, by the owner of each source (the pieces are dropped)."""
        src, dst, w = self.pieces[0] if len(self.pieces) == 1 else _joined(self.pieces)
        self.pieces = []
        by_source = owner_of(src, self.parts)
        by_target = owner_of(dst, self.parts)
        blocks = []
        for q in range(self.parts):
            mine = by_source == q
            sources, targets = [src[mine]], [dst[mine]]
            weights = None if w is None else [w[mine]]
            forward = int(sources[0].size)
            if self.undirected:
                back = by_target == q
                sources.append(dst[back])
                targets.append(src[back])
                if weights is not None:
                    weights.append(w[back])
            vertices = distinct(dst[by_target == q])
            blocks.append(
                EdgeBlock(
                    np.concatenate(sources),
                    np.concatenate(targets),
                    None if weights is None else np.concatenate(weights),
                    forward,
                    vertices,
                )
            )
        return blocks

    def gather(self, blocks: list[EdgeBlock]) -> Held:
        """Take the blocks addressed to this partition (in sending order): its edges merged, its vertices known.

        Duplicate edges are merged keeping the smallest weight, self-loops are kept, and
        with ``undirected`` the reversed edges join after the input's are merged: exactly
        what :class:`~pregel.core.graph.Graph` and ``to_undirected`` do.
        """
        weighted = {block.weights is not None for block in blocks if block.sources.size}
        if len(weighted) > 1:
            raise InputError("some shares of the input have weights and others do not")
        keep_weights = weighted == {True}
        ahead = [(b.sources[: b.forward], b.targets[: b.forward], _head(b.weights, b.forward)) for b in blocks]
        src, dst, w, duplicates = _merged(list(_joined(ahead, keep_weights)))
        if self.undirected:
            back = [(b.sources[b.forward :], b.targets[b.forward :], _tail(b.weights, b.forward)) for b in blocks]
            rsrc, rdst, rw = _joined(back, keep_weights)
            both = [np.concatenate([src, rsrc]), np.concatenate([dst, rdst])]
            del src, dst, rsrc, rdst
            src, dst, w, _ = _merged(both + [None if w is None else np.concatenate([w, rw])])
        self.sources, self.targets, self.weights = src, dst, w
        # the sources are sorted: their distinct ids without a sort of the edges
        starts = run_starts(src)
        self.ids = distinct(np.concatenate([src[starts]] + [b.vertices for b in blocks])).astype(np.int64)
        del starts
        held = Held(int(self.ids.size), int(src.size), duplicates, keep_weights)
        if w is not None:
            negative = np.flatnonzero(w < 0)
            if negative.size:
                k = int(negative[0])
                held.negative, held.negatives = (int(src[k]), int(dst[k]), float(w[k])), int(negative.size)
        return held

    def questions(self) -> list[np.ndarray]:
        """For each partition, the heads of this partition's edges that it owns (sorted ids): what to ask it."""
        heads, self.head_of = _ranked(self.targets)
        self.heads = heads.astype(np.int64, copy=False)
        self.head_owner = owner_of(self.heads, self.parts)
        return [self.heads[self.head_owner == r] for r in range(self.parts)]

    def answers(self, questions: list[np.ndarray]) -> list[np.ndarray]:
        """The positions of the ids each partition asked about among this partition's vertices."""
        out = []
        for asked in questions:
            pos = np.searchsorted(self.ids, asked)
            if asked.size and (pos.max() >= self.ids.size or (self.ids[pos] != asked).any()):
                raise AssertionError(f"partition {self.index} was asked for ids it does not own")
            out.append(pos.astype(np.int64))
        return out

    def settle(self, answers: list[np.ndarray], bounds: np.ndarray) -> PartitionData:
        """This partition's rows: local CSR over its vertices, heads as global indices, and the ids it knows."""
        total = int(bounds[-1])
        lo, hi = int(bounds[self.index]), int(bounds[self.index + 1])
        head_index = np.empty(self.heads.size, dtype=np.int64)
        for r, positions in enumerate(answers):
            head_index[self.head_owner == r] = bounds[r] + positions
        indices = head_index[self.head_of].astype(index_dtype(total))
        rows = np.searchsorted(self.ids, self.sources)
        indptr = np.searchsorted(rows, np.arange(hi - lo + 1)).astype(np.int64)
        ids = HeldIds(lo, self.ids, total, head_index, self.heads)
        data = PartitionData(self.index, np.asarray(bounds, dtype=np.int64), ids, indptr, indices, self.weights)
        del self.sources, self.targets, self.heads, self.head_of, self.head_owner
        return data


def _joined(
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]], weighted: bool | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The pieces end to end; weights only when every piece has them (or ``weighted`` says so)."""
    if weighted is None:
        weighted = bool(pieces) and all(w is not None for _, _, w in pieces)
    src = np.concatenate([s for s, _, _ in pieces]) if pieces else np.empty(0, np.int64)
    dst = np.concatenate([d for _, d, _ in pieces]) if pieces else np.empty(0, np.int64)
    if not weighted:
        return src, dst, None
    w = np.concatenate([np.empty(0) if w is None else w for _, _, w in pieces]) if pieces else np.empty(0)
    return src, dst, w


def _ranked(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values, and each value's position among them (no search: one sort)."""
    if values.size and values.size < 2**32 and int(values.min()) >= 0 and int(values.max()) < 2**32:
        # value and position in one uint64: a plain sort of integers, no argsort
        packed = np.left_shift(values.astype(np.uint64), np.uint64(32))
        packed |= np.arange(values.size, dtype=np.uint64)
        packed.sort()
        order = np.bitwise_and(packed, np.uint64(2**32 - 1)).astype(np.int64)
        ordered = np.right_shift(packed, np.uint64(32)).astype(np.int64)
    else:
        order = np.argsort(values, kind="stable")
        ordered = values[order]
    new = run_starts(ordered)
    rank = np.empty(values.size, dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return ordered[new], rank


def _head(weights: np.ndarray | None, end: int) -> np.ndarray | None:
    return None if weights is None else weights[:end]


def _tail(weights: np.ndarray | None, start: int) -> np.ndarray | None:
    return None if weights is None else weights[start:]


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
        # the heads beyond the partition, by global index (own heads are read from ``own``)
        outside = (index < self.lo) | (index >= self.hi)
        order = np.argsort(index[outside])
        self.index = index[outside][order]
        self.known = known[outside][order]

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
        pos, ok = self.data.ids.find(np.asarray(ids))
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
            raise InputError(f"{what} {wanted.tolist()[0]!r} is not in the graph")
        at = np.minimum(np.searchsorted(known[order], wanted), max(known.size - 1, 0))
        missing = known[order][at] != wanted if known.size else np.ones(wanted.shape, bool)
        if missing.any():
            raise InputError(f"{what} {wanted[np.flatnonzero(missing)[0]]} is not in the graph")
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
            crc = zlib.crc32(np.ascontiguousarray(column[k : k + _PIECE], dtype=dtype).data, crc)
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
