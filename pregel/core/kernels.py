"""The message path's graph kernels: in-edges of an out-edge pattern, and sums over them.

Compiled (``pregel/_kernels.c``) when the package was built with a C compiler; without
it, pregel uses scipy instead, with the same results up to the order of additions.

- :class:`InCounts`: a counting sort of the out-edges by target, on several threads where
  asked, in two steps: each target's in-edges counted (which tells the targets reached),
  then each edge's source placed in its target's row, the rows in any order asked.
- :class:`InEdges`: each target's sources, in target order (scipy's transpose otherwise).
  Min and Max broadcasts reduce over them.
- :func:`row_sums`: rows of numbers (a :class:`~pregel.core.combiners.ColumnSum` message, one
  column per source of a many-source program) summed over each target's in-edges, only
  the sending sources counted: one pass over the in-edges, no message per edge.
- :func:`best_communities`: Louvain's look at vertices' neighbourhoods: per vertex, its
  edges' weights summed per community, in one pass over its edges (a sparse product
  with the labels' 0/1 matrix otherwise); :func:`moved_neighbours`: what the neighbours
  that moved changed there.
- :func:`both_ways`: each vertex's out- and in-neighbours merged, each once, with the
  ways they join it (strongly connected components walk edges both ways): one pass over
  the rows (a sort of the edges and their reversals otherwise).
- :func:`bloom_rows`, :func:`wedge_candidates`, :func:`close_wedges`: triangles' work per
  message (:mod:`pregel.algorithms.triangles`): blooms of the neighbours above a vertex,
  the wedges through a neighbour's bloom, and the wedges that close, one pass each.
- :func:`counting_order`: the stable order of messages by target, by a counting sort
  (numpy's stable argsort otherwise).
- :func:`joined_first`: each vertex's smallest vertex joined to it by some edges, by
  union-find (scipy's ``connected_components`` and a sort otherwise).
- :func:`spread`: colours carried over a partition's own edges from some vertices, as far
  as they change anything, depth first (rounds over the frontier's edges otherwise).
- :func:`expand`: the out-edges of some vertices and the vertex each leaves, in one pass
  (an arange, two repeats and a sum otherwise): what a batch's ``out_edges`` hands a program.
- :func:`group_modes`: label propagation's most frequent label among each receiver's
  messages, one pass over the messages (a sort of them all and a dozen reductions otherwise).
- :func:`deal`: a distributed load's edges grouped by the partition that owns their source
  (:func:`pregel.core.held.owner_of`), each packed into one ``uint64`` key, by a counting
  sort: two passes over the edges (a hash in numpy, a stable argsort and three gathers
  otherwise); :func:`sorted_keys` and :func:`key_rows`: the keys a partition receives in
  one sorted array (a first digit by a counting sort, then each bucket sorted alone, in
  cache) and made its rows, repeats dropped, in one pass each.
- :class:`InSums`: the same in-edges laid out for sums (scipy's product otherwise). A Sum
  broadcast reads the senders' values and writes each target once: 1.6–2.3 times
  faster than scipy's product with the transposed out-edges (which scatters additions
  into the targets) on every graph in bench/, from wiki-Vote and p2p-Gnutella31 to
  R-MAT, log-normal and binary trees of 10M edges. The counting sort places the sources
  straight in the sums' order (rows by degree), and one pass over each chunk puts its
  columns side by side: at 10M R-MAT edges in two partitions, 62-97 ms of a partition's
  thread time (mostly under 70) where a transpose in target order and a second pass
  laying its rows out took 89-106 ms (about 15 sums). With edge weights laid out
  beside the sources, the same pass sums each value times its edge's weight (a
  weighted broadcast).

Every kernel runs without the GIL, so partitions in threads of their own
(:class:`pregel.backends.local.LocalBackend`) sum at the same time.

``COMPILED`` says whether the extension is there; ``PREGEL_NO_COMPILED=1`` forces the
fallback (:mod:`pregel.core.extensions`).
"""

from __future__ import annotations

import numpy as np

from pregel.core import extensions

_kernels = extensions.load("pregel.core._kernels")
COMPILED = _kernels is not None


#: edges a thread of the counting sort takes at least: below it, a thread's start and its counts cost more than it saves
SORT_EDGES_PER_THREAD = 1 << 18

#: senders from which a sum reads the values through a copy with the most read first (:class:`InSums`): with fewer,
#: all of their values stay in a core's own cache anyway and the copy is only a cost
HOT_SENDERS = 1 << 17


class InCounts:
    """Each target's in-edges counted, share by share of the out-edges: what a counting sort places them by
    (compiled kernels only).

    The compiled counting sort in two steps. Counting comes first, on its own, so that
    the vertices reached (those counted) are known before anything is placed; then
    :meth:`place` gives each target a row, in an order of the caller's choosing, and
    puts every edge's source straight into its row: the in-edges in target order
    (:class:`InEdges`) or laid out for the sums (:class:`InSums`), with no copy between.
    Each of ``threads`` threads counts, then places, an equal share of the edges (a range
    of source rows; from :data:`SORT_EDGES_PER_THREAD` edges a thread); a row holds the
    first share's in-edges, then the second's, ..., so each row's sources come in
    increasing order and the rows are the same arrays for any number of threads.

    Parameters
    ----------
    indptr, indices : numpy.ndarray
        Out-edges: row ``i`` sends to ``indices[indptr[i]:indptr[i + 1]]``.
    targets : int
        Number of targets (every index is below it).
    threads : int
        Threads the counting and the placing may use.

    Examples
    --------
    >>> counts = InCounts(np.array([0, 2, 3]), np.array([1, 2, 2]), 3)
    >>> counts.degree.tolist()
    [0, 1, 2]
    >>> ptr, sources, _ = counts.place(np.array([2, 1], dtype=np.int32))
    >>> ptr.tolist(), sources.tolist()
    ([0, 2, 3], [0, 1, 0])
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, targets: int, threads: int = 1) -> None:
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int32)
        self.size = int(targets)
        edges, senders = self.indices.size, self.indptr.size - 1
        self.shares = max(1, min(int(threads), edges // SORT_EDGES_PER_THREAD, 64)) if senders > 1 else 1
        # a count fits an int32 where every slot does (half the memory: more of the counts stay in cache)
        wide = np.int64 if edges > np.iinfo(np.int32).max else np.int32
        self.counts = np.empty((self.shares, self.size), dtype=wide)
        _kernels.in_count(self.indptr, self.indices, self.shares, self.counts)
        self.counts.flags.writeable = False
        #: each target's number of in-edges (the counts' own array with one share, else their sum as ``int64``)
        self.degree = self.counts[0] if self.shares == 1 else self.counts.sum(axis=0, dtype=np.int64)

    def place(
        self, rows: np.ndarray | None = None, edges: bool = False, names: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The in-edges of ``rows`` (targets, every one counted among them; None: every target in order), row by row.

        Returns ``(ptr, sources, positions)``: row ``r``'s sources, in increasing order, are
        ``sources[ptr[r]:ptr[r + 1]]``, and ``positions`` (with ``edges``; else None) holds
        each in-edge's position among the out-edges. With ``names`` (``int32``, one per
        source), source ``i`` is written as ``names[i]``, in the same places.
        """
        chosen = None if rows is None else np.ascontiguousarray(rows, dtype=np.int32)
        ptr = np.empty((self.size if chosen is None else chosen.size) + 1, dtype=np.int64)
        sources = np.empty(self.indices.size, dtype=np.int32)
        positions = np.empty(self.indices.size, dtype=np.int64) if edges else None
        if names is not None:
            names = np.ascontiguousarray(names, dtype=np.int32)
        _kernels.in_place(self.indptr, self.indices, self.shares, self.counts, chosen, ptr, sources, positions, names)
        return ptr, sources, positions


class InEdges:
    """Each target's sources: ``sources[ptr[j]:ptr[j + 1]]`` send to target ``j``, in increasing order.

    Parameters
    ----------
    indptr, indices : numpy.ndarray
        Out-edges: row ``i`` sends to ``indices[indptr[i]:indptr[i + 1]]``.
    targets : int
        Number of targets (every index is below it).
    edges : bool
        Also give ``edges``: each in-edge's position among the out-edges (a source's
        edges to one target in the order of its row).
    threads : int
        Threads the compiled counting sort may use (each takes an equal share of the
        edges, from 2**18 edges a thread); the arrays are the same for any number.

    Examples
    --------
    >>> e = InEdges(np.array([0, 2, 3]), np.array([1, 2, 2]), 3, edges=True)
    >>> e.ptr.tolist(), e.sources.tolist(), e.edges.tolist()
    ([0, 0, 1, 3], [0, 0, 1], [0, 1, 2])
    """

    def __init__(
        self, indptr: np.ndarray, indices: np.ndarray, targets: int, edges: bool = False, threads: int = 1
    ) -> None:
        self.size = int(targets)
        n = indptr.size - 1
        self.edges: np.ndarray | None = None
        if _kernels is not None:
            self.ptr, self.sources, self.edges = InCounts(indptr, indices, self.size, threads).place(edges=edges)
        else:
            import scipy.sparse as sp  # only without the compiled kernels: importing scipy costs a run ~0.1 s

            # the entries carry their positions, so the transpose says where each in-edge came from
            numbered = np.arange(1, indices.size + 1, dtype=np.float64)
            rows = sp.csr_array((numbered, indices, indptr), shape=(n, self.size)).T.tocsr()
            self.ptr, self.sources = rows.indptr.astype(np.int64, copy=False), rows.indices
            if edges:
                self.edges = rows.data.astype(np.int64) - 1

    @classmethod
    def of(cls, counts: InCounts, kept: np.ndarray | None = None) -> InEdges:
        """The in-edges of the targets ``kept`` (sorted, holding every target counted; None: all), renumbered
        ``0, 1, ...`` in that order, placed by ``counts`` (compiled kernels only).

        Examples
        --------
        >>> counts = InCounts(np.array([0, 2, 3]), np.array([1, 3, 3]), 4)
        >>> fewer = InEdges.of(counts, np.array([1, 2, 3]))
        >>> fewer.ptr.tolist(), fewer.sources.tolist()
        ([0, 1, 1, 3], [0, 0, 1])
        """
        out = object.__new__(cls)
        out.size = counts.size if kept is None else int(kept.size)
        out.ptr, out.sources, out.edges = counts.place(kept)
        return out


def both_ways(indptr: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's out-neighbours and in-neighbours merged: the CSR of the edges both ways, and each edge's ways.

    Row ``i`` of the result holds every ``j != i`` with an edge ``i -> j`` or ``j -> i``,
    once, in increasing order; its way is 1 (only ``i -> j``), 2 (only ``j -> i``) or 3
    (both), as a ``float64`` (an edge weight). The edges of ``indptr, indices`` are distinct.

    Examples
    --------
    >>> ptr, heads, ways = both_ways(np.array([0, 1, 3, 3]), np.array([1, 0, 2], dtype=np.int32))
    >>> ptr.tolist(), heads.tolist(), ways.tolist()
    ([0, 1, 3, 4], [1, 0, 2, 1], [3.0, 3.0, 1.0, 2.0])
    """
    n = indptr.size - 1
    reversed_ = InEdges(indptr, indices, n)
    if _kernels is not None:
        ptr = np.empty(n + 1, dtype=np.int64)
        heads = np.empty(2 * indices.size, dtype=np.int32)
        ways = np.empty(2 * indices.size, dtype=np.float64)
        rows = np.ascontiguousarray(indptr, dtype=np.int64), np.ascontiguousarray(indices, dtype=np.int32)
        if _kernels.merge_ways(*rows, reversed_.ptr, reversed_.sources, ptr, heads, ways):
            return ptr, heads[: ptr[-1]], ways[: ptr[-1]]
    # the edges sorted by (tail, head), and the reversed edges sorted the same way: a timsort merges the two runs
    sources = np.repeat(np.arange(n), np.diff(indptr))
    tails = np.concatenate([sources, np.repeat(np.arange(n), np.diff(reversed_.ptr))]).astype(np.int64)
    heads = np.concatenate([indices, reversed_.sources]).astype(np.int64)
    keys = tails * n + heads
    ways = np.repeat(np.array([1, 2], dtype=np.int8), [indices.size, indices.size])
    order = np.argsort(keys, kind="stable")
    keys, tails, heads, ways = keys[order], tails[order], heads[order], ways[order]
    keep = np.ones(keys.size, dtype=bool)
    keep[1:] = keys[1:] != keys[:-1]
    # an edge there both ways comes twice in a row: its second copy gives its way to the first
    both = np.flatnonzero(~keep[1:])
    ways[both] |= ways[both + 1]
    keep &= tails != heads
    tails, heads, ways = tails[keep], heads[keep], ways[keep]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=n), out=ptr[1:])
    return ptr, heads.astype(np.int32), ways.astype(np.float64)


class InSums:
    """Sums over each target's in-edges, laid out so that short in-rows cost no mispredicted branch.

    With the compiled kernels, targets are sorted by in-degree, largest first (within
    windows of 16384), and cut into chunks of 8 rows; each row's sources lie one after
    the other (``sources[row_ptr[r]:row_ptr[r + 1]]`` for target ``order[r]``), placed
    there by the counting sort itself (:meth:`InCounts.place`). A sum adds a chunk's
    eight rows at once for as many columns as its shortest row has, then the rest of
    each longer row; rows of about equal length share a chunk, so little is left for a
    loop per row. Each row adds its values in increasing source order. From
    :data:`HOT_SENDERS` senders on, the sources are numbered by how often the sum reads
    them (senders with more out-edges first, by powers of two: :func:`hot_first`), and
    each sum first copies the values in that order, so the values most read share a
    few cache lines in a core's own cache instead of lying anywhere in an array larger
    than it (on R-MAT graphs of 10M and 50M edges the sum takes 0.6-0.85 of the time);
    the same values are added in the same order, so not a bit changes. Without the
    compiled kernels, scipy's product with the transposed out-edges, which reads the CSR
    column by column and so needs no transposed copy (at 10M edges scipy takes a second
    to make one).

    Parameters
    ----------
    indptr, indices : numpy.ndarray
        Out-edges: row ``i`` sends to ``indices[indptr[i]:indptr[i + 1]]``.
    targets : int
        Number of targets (every index is below it).
    weights : numpy.ndarray, optional
        One per out-edge (aligned with ``indices``): each term of a sum is the
        sender's value times its edge's weight, the product rounded before it is
        added, as numpy would round it. The compiled layout keeps them as
        ``float32`` when every one converts exactly (the sum reads less memory),
        else as ``float64``.

    Examples
    --------
    >>> indptr, indices = np.array([0, 2, 3]), np.array([1, 2, 2], dtype=np.int32)
    >>> sums = InSums(indptr, indices, 3)
    >>> sums.sum(np.array([1.0, 10.0])).tolist()
    [0.0, 1.0, 11.0]
    >>> weighted = InSums(indptr, indices, 3, weights=np.array([2.0, 3.0, 0.5]))
    >>> weighted.sum(np.array([1.0, 10.0])).tolist()
    [0.0, 2.0, 8.0]
    """

    def __init__(
        self, indptr: np.ndarray, indices: np.ndarray, targets: int, weights: np.ndarray | None = None
    ) -> None:
        self.size = int(targets)
        self.senders = int(indptr.size - 1)
        self.weights: np.ndarray | None = None
        if _kernels is None:
            import scipy.sparse as sp

            entries = np.ones(indices.size) if weights is None else np.asarray(weights, dtype=np.float64)
            out_edges = sp.csr_array((entries, indices, indptr), shape=(self.senders, self.size))
            self._transpose = out_edges.T
            return
        self._lay_out(InCounts(indptr, indices, self.size), None, weights)

    @classmethod
    def of(cls, counts: InCounts, kept: np.ndarray | None = None, weights: np.ndarray | None = None) -> InSums:
        """The sums over the targets ``kept`` (sorted, holding every target counted; None: all) in that order,
        the in-edges placed by ``counts`` (compiled kernels only); ``weights`` are the out-edges'.

        Examples
        --------
        >>> counts = InCounts(np.array([0, 2, 3]), np.array([1, 2, 2]), 3)
        >>> InSums.of(counts).sum(np.array([1.0, 10.0])).tolist()
        [0.0, 1.0, 11.0]
        >>> InSums.of(counts, np.array([1, 2])).sum(np.array([1.0, 10.0])).tolist()
        [1.0, 11.0]
        """
        sums = object.__new__(cls)
        sums.size = counts.size if kept is None else int(kept.size)
        sums.senders, sums.weights = counts.indptr.size - 1, None
        sums._lay_out(counts, kept, weights)
        return sums

    def _lay_out(self, counts: InCounts, kept: np.ndarray | None, weights: np.ndarray | None) -> None:
        """The layout of ``kept``'s in-edges (with ``weights``, one per out-edge) for the compiled sum."""
        degree = counts.degree
        self.order = np.empty(self.size, dtype=np.int32)
        _kernels.slice_order(degree if kept is None else degree[kept], self.order)
        rows = self.order if kept is None else kept[self.order]
        self.hot, rank = hot_first(np.diff(counts.indptr)) if self.senders >= HOT_SENDERS else (None, None)
        self.row_ptr, self.sources, positions = counts.place(rows, edges=weights is not None, names=rank)
        _kernels.slice_interleave(self.row_ptr, self.sources, *(() if positions is None else (positions,)))
        if weights is not None:
            self.weights = np.asarray(weights, dtype=np.float64)[positions]
            # weights a float holds exactly (counts, halves, ...) are kept as floats: the sum reads 4 bytes less
            # per edge, and each term is the same double product
            narrow = self.weights.astype(np.float32)
            if np.array_equal(narrow, self.weights):
                self.weights = narrow
        # the sum trusts the layout it was built with (as scipy trusts a checked CSR)
        for array in (self.order, self.row_ptr, self.sources, self.weights, self.hot):
            if array is not None:
                array.flags.writeable = False

    def sum(self, values: np.ndarray) -> np.ndarray:
        """``out[j]`` = the sum of ``values`` (times the weights) over target ``j``'s sources (float64)."""
        if _kernels is None:
            return self._transpose @ values
        out = np.empty(self.size)
        x = np.ascontiguousarray(values, dtype=np.float64)
        if self.hot is not None:
            x = x.take(self.hot)
        weights = () if self.weights is None else (self.weights,)
        _kernels.slice_sum(self.row_ptr, self.order, self.sources, self.senders, x, out, *weights)
        return out


def hot_first(reads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An order of items by how often they are read, most first, and each item's place in it.

    Items are grouped by the bit length of their count of reads (degree-based grouping:
    a finer order keeps no more of the hot items in cache, and this one is a counting
    sort), keeping their own order within a group. Returns ``order`` (the items, most read
    first) and ``rank`` (``rank[order[i]] == i``), both ``int32``.

    Examples
    --------
    >>> order, rank = hot_first(np.array([1, 9, 0, 3, 12]))
    >>> order.tolist(), rank.tolist()
    ([1, 4, 3, 0, 2], [3, 0, 4, 2, 1])
    """
    groups = np.log2(np.asarray(reads, dtype=np.float64) + 1.0).astype(np.int8)
    order = np.argsort(-groups, kind="stable").astype(np.int32)
    rank = np.empty(order.size, dtype=np.int32)
    rank[order] = np.arange(order.size, dtype=np.int32)
    return order, rank


def row_sums(
    edges: InEdges, x: np.ndarray, senders: int, row_of: np.ndarray | None = None, out: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The targets some sending source reaches, and for each the sum of the rows of ``x`` they send.

    Source ``s`` (``0 <= s < senders``) sends row ``s`` of ``x``; with ``row_of``, row
    ``row_of[s]`` instead, or nothing where that is negative. Each column adds its terms
    in increasing source order (as ``np.add.at`` would). Returns the targets reached
    (sorted) and their rows, which are the first rows of ``out`` (a float64 array of a row
    per target) when it is given.

    Examples
    --------
    >>> e = InEdges(np.array([0, 2, 3]), np.array([1, 2, 2]), 3)
    >>> reached, y = row_sums(e, np.array([[1.0, 2.0], [10.0, 20.0]]), 2)
    >>> reached.tolist(), y.tolist()
    ([1, 2], [[1.0, 2.0], [11.0, 22.0]])
    >>> reached, y = row_sums(e, np.array([[10.0, 20.0]]), 2, row_of=np.array([-1, 0]))
    >>> reached.tolist(), y.tolist()
    ([2], [[10.0, 20.0]])
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    width = x.shape[1]
    if _kernels is not None and width:
        # room for a row per target, touched only where a row is written
        y = np.empty((edges.size, width)) if out is None else out
        reached = np.empty(edges.size, dtype=np.uint8)
        mapped = () if row_of is None else (np.ascontiguousarray(row_of, dtype=np.int32),)
        written = _kernels.row_sums(
            np.ascontiguousarray(edges.ptr, dtype=np.int64),
            np.ascontiguousarray(edges.sources, dtype=np.int32),
            senders,
            width,
            x,
            y,
            reached,
            *mapped,
        )
        return np.flatnonzero(reached), y[:written]
    rows = edges.sources.astype(np.int64) if row_of is None else np.asarray(row_of)[edges.sources]
    target = np.repeat(np.arange(edges.size), np.diff(edges.ptr))
    sending = rows >= 0
    y = np.zeros((edges.size, width))
    np.add.at(y, target[sending], x[rows[sending]])
    reached = np.unique(target[sending])
    return reached, y[reached]


_CHUNK = 1 << 18
"""Edges the fallback of :func:`best_communities` sums at once: its temporary arrays stay in the processor's cache."""


def best_communities(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    rows: np.ndarray,
    labels: np.ndarray,
    own: np.ndarray,
    alpha: np.ndarray,
    tot: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of ``rows`` (of an out-edge pattern), its weight into its own community and its best other one.

    Row ``r``'s edges (``indices[indptr[r]:indptr[r + 1]]``, ids below ``labels.size``, with
    ``weights``) are summed per community ``labels[target]``, each sum in the order of the
    row. The sum into ``own[r]`` is returned in ``looked``; among the other communities the
    one of largest ``sum - alpha[r] * tot[community]``, the smallest label among equals,
    in ``label`` with its sum in ``weight`` (``label`` is -1 where the row has no edge into
    another community). The compiled kernel and the fallback give the same bits.

    Examples
    --------
    >>> indptr, indices = np.array([0, 3, 4]), np.array([1, 2, 3, 0])
    >>> labels = np.array([0, 0, 2, 2])
    >>> looked, label, weight = best_communities(
    ...     indptr, indices, np.array([1.0, 2.0, 4.0, 1.0]), np.array([0, 1]), labels,
    ...     own=np.array([0, 0]), alpha=np.array([0.5, 0.5]), tot=np.array([3.0, 0.0, 2.0, 0.0]))
    >>> looked.tolist(), label.tolist(), weight.tolist()
    ([1.0, 1.0], [2, -1], [6.0, 0.0])
    """
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    if _kernels is not None:
        looked, weight = np.empty(rows.size), np.empty(rows.size)
        label = np.empty(rows.size, dtype=np.int64)
        _kernels.best_communities(
            np.ascontiguousarray(indptr, dtype=np.int64),
            np.ascontiguousarray(indices, dtype=np.int32),
            np.ascontiguousarray(weights, dtype=np.float64),
            rows,
            np.ascontiguousarray(labels, dtype=np.int64),
            np.ascontiguousarray(own, dtype=np.int64),
            np.ascontiguousarray(alpha, dtype=np.float64),
            np.ascontiguousarray(tot, dtype=np.float64),
            looked,
            label,
            weight,
        )
        return looked, label, weight
    return _best_communities(indptr, indices, weights, rows, labels, own, alpha, tot)


def _best_communities(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    rows: np.ndarray,
    labels: np.ndarray,
    own: np.ndarray,
    alpha: np.ndarray,
    tot: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`best_communities` by scipy: the rows' edges times the labels' 0/1 matrix, a chunk of rows at a time."""
    import scipy.sparse  # only without the compiled kernels: importing scipy costs a run ~0.1 s

    span = labels.size
    edges = scipy.sparse.csr_matrix((weights, indices, indptr), shape=(indptr.size - 1, span))
    membership = scipy.sparse.csr_matrix((np.ones(span), labels, np.arange(span + 1)), shape=(span, span))
    looked, weight = np.zeros(rows.size), np.zeros(rows.size)
    label = np.full(rows.size, -1, dtype=np.int64)
    degree = np.diff(indptr)[rows]
    bounds = np.searchsorted(np.cumsum(degree), np.arange(_CHUNK, int(degree.sum()), _CHUNK), side="right")
    for lo, hi in zip([0, *bounds], [*bounds, rows.size]):
        if lo == hi:
            continue
        part = rows[lo:hi]
        # the product sums each row's entries in the order of the row, as the kernel does
        towards = edges[part] @ membership
        row = np.repeat(np.arange(part.size), np.diff(towards.indptr))
        c, w = towards.indices.astype(np.int64), towards.data
        at_own = c == own[part][row]
        looked[lo + row[at_own]] = w[at_own]
        score = w - alpha[part][row] * tot[c]
        score[at_own] = -np.inf
        pick = _best_per_row(score, c, row, part.size)
        label[lo + row[pick]], weight[lo + row[pick]] = c[pick], w[pick]
    return looked, label, weight


def _best_per_row(score: np.ndarray, label: np.ndarray, row: np.ndarray, rows: int) -> np.ndarray:
    """Per row (``row`` sorted), the position of its entry of largest score, the smallest label among equals; rows
    whose best is ``-inf`` (or that have no entry) have none."""
    starts = np.flatnonzero(np.diff(row, prepend=-1))
    if starts.size == 0:
        return np.empty(0, dtype=np.int64)
    best = np.full(rows, -np.inf)
    best[row[starts]] = np.maximum.reduceat(score, starts)
    top = np.flatnonzero(score == best[row])
    top = top[score[top] > -np.inf]
    # among a row's ties (few), the smallest label
    starts = np.flatnonzero(np.diff(row[top], prepend=-1))
    if starts.size == top.size:
        return top
    smallest = np.repeat(np.minimum.reduceat(label[top], starts), np.diff(starts, append=top.size))
    top = top[label[top] == smallest]
    return top[np.flatnonzero(np.diff(row[top], prepend=-1))]


def moved_neighbours(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    moved: np.ndarray,
    labels: np.ndarray,
    was: np.ndarray,
    own: np.ndarray,
    alpha: np.ndarray,
    tot: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row (a vertex), what its neighbours that moved (``moved[target]``, from ``was`` to ``labels``) changed.

    Over each row's edges to them, in the order of the row: ``change``, how much its weight
    into its own community ``own[row]`` changed (an edge counted in where its target joined
    it, out where it left it); ``joined``, the most weight that joined one other community;
    ``score``, the largest ``sum - alpha[row] * tot[community]`` of those communities (-inf
    where there is none). The compiled kernel and the fallback give the same bits.

    Examples
    --------
    >>> indptr, indices = np.array([0, 3, 4]), np.array([1, 2, 3, 0])
    >>> moved = np.array([False, True, True, True])
    >>> change, joined, score = moved_neighbours(
    ...     indptr, indices, np.array([1.0, 2.0, 4.0, 1.0]), moved, labels=np.array([0, 2, 2, 2]),
    ...     was=np.array([0, 0, 1, 3]), own=np.array([0, 0]), alpha=np.array([0.5, 0.5]), tot=np.array([3.0, 0, 2, 0]))
    >>> change.tolist(), joined.tolist(), score.tolist()
    ([-1.0, 0.0], [7.0, 0.0], [6.0, -inf])
    """
    n = indptr.size - 1
    moved = np.ascontiguousarray(moved, dtype=np.bool_)
    if _kernels is not None:
        change, joined, score = np.empty(n), np.empty(n), np.empty(n)
        _kernels.moved_neighbours(
            np.ascontiguousarray(indptr, dtype=np.int64),
            np.ascontiguousarray(indices, dtype=np.int32),
            np.ascontiguousarray(weights, dtype=np.float64),
            moved.view(np.uint8),
            np.ascontiguousarray(labels, dtype=np.int64),
            np.ascontiguousarray(was, dtype=np.int64),
            np.ascontiguousarray(own, dtype=np.int64),
            np.ascontiguousarray(alpha, dtype=np.float64),
            np.ascontiguousarray(tot, dtype=np.float64),
            change,
            joined,
            score,
        )
        return change, joined, score
    import scipy.sparse  # only without the compiled kernels: importing scipy costs a run ~0.1 s

    news = np.flatnonzero(moved[indices])  # in the order of the rows
    source = np.searchsorted(indptr, news, side="right") - 1
    target, weight = indices[news], weights[news]
    mine = own[source]
    joins, leaves = labels[target] == mine, was[target] == mine
    change = np.bincount(source, weights=np.where(joins, weight, 0.0) - np.where(leaves, weight, 0.0), minlength=n)
    # the rest summed per row and community in the order of the row, by a product with the identity
    other = ~joins
    source, label, weight = source[other], labels[target[other]], weight[other]
    span = labels.size
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(source, minlength=n), out=ptr[1:])
    towards = scipy.sparse.csr_matrix((weight, label, ptr), shape=(n, span)) @ scipy.sparse.identity(span, format="csr")
    counts = np.diff(towards.indptr)
    filled = counts > 0
    joined, score = np.zeros(n), np.full(n, -np.inf)
    if filled.any():
        row = np.repeat(np.arange(n), counts)
        starts = towards.indptr[:-1][filled]
        joined[filled] = np.maximum(np.maximum.reduceat(towards.data, starts), 0.0)
        score[filled] = np.maximum.reduceat(towards.data - alpha[row] * tot[towards.indices], starts)
    return change, joined, score


# ---------------------------------------------------------------- triangles (pregel.algorithms.triangles)
#: a bloom's one hash: a vertex number times this (modulo 2**64), its top bits the number of its bit
BLOOM_FACTOR = np.uint64(0x9E3779B97F4A7C15)


def bloom_bits(vertices: np.ndarray, words: int) -> np.ndarray:
    """The bit (``0 <= bit < 64 * words``) of each vertex in a bloom of ``words`` 64-bit words (a power of two).

    Examples
    --------
    >>> bloom_bits(np.array([0, 1, 2]), 1).tolist()
    [0, 39, 15]
    """
    shift = np.uint64(64 - 6 - (int(words).bit_length() - 1))
    return (np.asarray(vertices).astype(np.uint64) * BLOOM_FACTOR) >> shift


def bloom_rows(indptr: np.ndarray, indices: np.ndarray, ids: np.ndarray, n: int, words: int) -> np.ndarray:
    """Each row's bloom of its neighbours above its vertex: ``(rows, words)`` ``uint64``.

    Row ``r`` is vertex ``ids[r]`` with neighbours ``indices[indptr[r]:indptr[r + 1]]``
    (sorted vertex numbers below ``n``); its bloom has bit :func:`bloom_bits` of each
    neighbour above ``ids[r]`` set. A bloom never misses a member, and takes another
    vertex for one with a chance of about the fraction of its bits set.

    Examples
    --------
    >>> blooms = bloom_rows(np.array([0, 2, 3]), np.array([1, 2, 0]), np.array([0, 1]), 3, 1)
    >>> bin(int(blooms[0, 0])).count("1"), int(blooms[1, 0])
    (2, 0)
    """
    rows = indptr.size - 1
    if _kernels is not None:
        out = np.empty((rows, words), dtype=np.uint64)
        _kernels.bloom_rows(
            np.ascontiguousarray(indptr, dtype=np.int64),
            np.ascontiguousarray(indices, dtype=np.int32),
            np.ascontiguousarray(ids, dtype=np.int64),
            n,
            words,
            out,
        )
        return out
    row = np.repeat(np.arange(rows), np.diff(indptr))
    up = indices > np.asarray(ids)[row]
    bit = bloom_bits(indices[up], words)
    out = np.zeros((rows, words), dtype=np.uint64)
    np.bitwise_or.at(out, (row[up], (bit >> np.uint64(6)).astype(np.int64)), np.uint64(1) << (bit & np.uint64(63)))
    return out


def wedge_candidates(
    indptr: np.ndarray,
    indices: np.ndarray,
    ids: np.ndarray,
    receiver: np.ndarray,
    blooms: np.ndarray,
    bits: int,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The wedges through each message's bloom, sorted by the vertex they go to: ``(targets, wedges)``.

    Message ``k`` came to row ``receiver[k]`` (vertex ``u``, rows as in :func:`bloom_rows`)
    from its neighbour ``v = blooms[k, 0]``, with the bloom ``blooms[k, 1:]`` of ``v``'s
    neighbours above ``v`` (an ``int64`` array of ``1 + words`` columns). Every neighbour ``w``
    of ``u`` above ``v`` in that bloom makes the wedge ``u << bits | w``, for ``v``. A
    target's wedges come in the order of the messages, then of ``w``.

    Examples
    --------
    >>> indptr, indices, ids = np.array([0, 2, 4, 6]), np.array([1, 2, 0, 2, 0, 1]), np.arange(3)  # a triangle
    >>> blooms = bloom_rows(indptr, indices, ids, 3, 1).view(np.int64)
    >>> message = np.array([[1, blooms[1, 0]]])        # 1 tells 0 the bloom of its neighbours above it: {2}
    >>> targets, wedges = wedge_candidates(indptr, indices, ids, np.array([0]), message, 2, 3)
    >>> targets.tolist(), wedges.tolist()        # 0 - 1 - 2, for 1 to check: 0 << 2 | 2
    ([1], [2])
    """
    receiver = np.ascontiguousarray(receiver, dtype=np.int64)
    blooms = np.ascontiguousarray(blooms, dtype=np.int64)
    words = blooms.shape[1] - 1
    if _kernels is not None:
        args = (
            np.ascontiguousarray(indptr, dtype=np.int64),
            np.ascontiguousarray(indices, dtype=np.int32),
            np.ascontiguousarray(ids, dtype=np.int64),
            receiver,
            blooms,
            words,
            bits,
            # the messages by sender, so that the wedges come out sorted by target in one pass
            np.argsort(blooms[:, 0], kind="stable"),
            n,
        )
        room = _kernels.wedge_candidates(*args)
        targets, wedges = np.empty(room, dtype=np.int64), np.empty(room, dtype=np.int64)
        written = _kernels.wedge_candidates(*args, targets, wedges)
        return targets[:written], wedges[:written]
    rows = indptr.size - 1
    # the rows' (row, neighbour) pairs as sorted numbers: where a row's neighbours above v begin is a search
    pairs = (np.repeat(np.arange(rows, dtype=np.int64), np.diff(indptr)) << bits) | indices
    start = np.searchsorted(pairs, (receiver << bits) | blooms[:, 0], side="right")
    length = indptr[receiver + 1] - start
    message = np.repeat(np.arange(receiver.size), length)
    position = np.arange(message.size) + np.repeat(start - np.cumsum(length) + length, length)
    w = np.asarray(indices)[position].astype(np.int64)
    bit = bloom_bits(w, words)
    word = blooms[:, 1:].view(np.uint64)[message, (bit >> np.uint64(6)).astype(np.int64)]
    inside = ((word >> (bit & np.uint64(63))) & np.uint64(1)).astype(bool)
    message, w = message[inside], w[inside]
    targets = blooms[message, 0]
    wedges = (np.asarray(ids, dtype=np.int64)[receiver[message]] << bits) | w
    order = np.argsort(targets, kind="stable")
    return targets[order], wedges[order]


def close_wedges(
    indptr: np.ndarray, indices: np.ndarray, receiver: np.ndarray, wedges: np.ndarray, bits: int, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """The wedges that close: per row, how many of those it received; per vertex, how many name it as an end.

    Wedge ``k``, ``u << bits | w``, came to row ``receiver[k]`` (rows as in
    :func:`bloom_rows`, receivers grouped); it closes when ``w`` is a neighbour of the row.

    Examples
    --------
    >>> indptr, indices = np.array([0, 2, 4, 6]), np.array([1, 2, 0, 2, 0, 1])  # a triangle
    >>> found, times = close_wedges(indptr, indices, np.array([1, 1]), np.array([0 << 2 | 2, 0 << 2 | 1]), 2, 3)
    >>> found.tolist(), times.tolist()
    ([0, 1, 0], [1, 0, 1])
    """
    rows = indptr.size - 1
    receiver = np.ascontiguousarray(receiver, dtype=np.int64)
    wedges = np.ascontiguousarray(wedges, dtype=np.int64)
    if _kernels is not None:
        found, times = np.zeros(rows, dtype=np.int64), np.zeros(n, dtype=np.int64)
        _kernels.close_wedges(
            np.ascontiguousarray(indptr, dtype=np.int64),
            np.ascontiguousarray(indices, dtype=np.int32),
            receiver,
            wedges,
            bits,
            found,
            times,
        )
        return found, times
    mask = (1 << bits) - 1
    pairs = (np.repeat(np.arange(rows, dtype=np.int64), np.diff(indptr)) << bits) | indices
    asked = (receiver << bits) | (wedges & mask)
    at = np.minimum(np.searchsorted(pairs, asked), max(pairs.size - 1, 0))
    closes = pairs[at] == asked if pairs.size else np.zeros(asked.size, dtype=bool)
    closed = wedges[closes]
    times = np.bincount(closed >> bits, minlength=n) + np.bincount(closed & mask, minlength=n)
    return np.bincount(receiver[closes], minlength=rows), times


def group_modes(
    receiver: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per receiver of ``labels`` (``receiver`` sorted): the smallest and largest most frequent label, its count.

    Returns the receivers (each once) and, aligned with them, the smallest and the
    largest of the labels that come most often, how often they come, and how many
    labels the receiver got. The compiled kernel sorts each receiver's labels where
    they lie (most receivers get a vertex's worth of them); the fallback sorts them all.

    Examples
    --------
    >>> r, smallest, largest, most, heard = group_modes(np.array([0, 0, 0, 2, 2]), np.array([5, 3, 5, 7, 1]))
    >>> r.tolist(), smallest.tolist(), largest.tolist(), most.tolist(), heard.tolist()
    ([0, 2], [5, 1], [5, 7], [2, 1], [3, 2])
    """
    receiver = np.ascontiguousarray(receiver, dtype=np.int64)
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    if _kernels is not None:
        out = np.empty((6, receiver.size), dtype=np.int64)
        groups = _kernels.group_modes(receiver, labels, *out)
        return out[1, :groups], out[2, :groups], out[3, :groups], out[4, :groups], out[5, :groups]
    return _group_modes(receiver, labels)


def _group_modes(
    receiver: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`group_modes` by numpy: one sort of every (receiver, label) pair, then reductions per receiver."""
    if not labels.size:
        return receiver, labels, labels, labels, labels
    if labels.min() >= 0 and labels.max() < 1 << _PAIR_SHIFT and receiver.max() < 1 << (63 - _PAIR_SHIFT):
        # one sort of (receiver, label) packed in an integer: labels are vertex numbers, as a rule
        key = np.sort((receiver << _PAIR_SHIFT) | labels)
        first = np.flatnonzero(np.diff(key, prepend=-1))
        pair_receiver, pair_label = key[first] >> _PAIR_SHIFT, key[first] & ((1 << _PAIR_SHIFT) - 1)
    else:
        order = np.lexsort((labels, receiver))
        receiver, labels = receiver[order], labels[order]
        first = np.flatnonzero(np.diff(receiver, prepend=-1) | np.diff(labels, prepend=labels[:1] - 1))
        pair_receiver, pair_label = receiver[first], labels[first]
    count = np.diff(first, append=labels.size)
    # the pairs are sorted by receiver: reduce each receiver's run of pairs
    group = np.flatnonzero(np.diff(pair_receiver, prepend=-1))
    most = np.maximum.reduceat(count, group)
    frequent = count == np.repeat(most, np.diff(group, append=pair_receiver.size))
    smallest = np.minimum.reduceat(np.where(frequent, pair_label, np.iinfo(np.int64).max), group)
    largest = np.maximum.reduceat(np.where(frequent, pair_label, np.iinfo(np.int64).min), group)
    heard = np.add.reduceat(count, group)
    return pair_receiver[group], smallest, largest, most, heard


_PAIR_SHIFT = 31


def joined_first(ptr: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """For each row ``v``, the smallest row joined to it by the edges ``v — idx[k]``, ``k`` in ``ptr[v]:ptr[v + 1]``.

    Directions do not matter (weakly connected components, each named by its smallest vertex).

    Examples
    --------
    >>> joined_first(np.array([0, 0, 1, 1, 1, 2]), np.array([3, 2], dtype=np.int32)).tolist()
    [0, 1, 2, 1, 2]
    """
    n = ptr.size - 1
    ptr = np.ascontiguousarray(ptr, dtype=np.int64)
    idx = np.ascontiguousarray(idx, dtype=np.int32)
    if _kernels is not None:
        first = np.empty(n, dtype=np.int64)
        _kernels.joined_first(ptr, idx, first)
        return first
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    _, component = connected_components(
        csr_matrix((np.ones(idx.size, dtype=np.int8), idx, ptr), shape=(n, n)), connection="weak"
    )
    # each component's smallest vertex: the first of its run when sorted by component, then vertex (stable)
    order = np.argsort(component, kind="stable")
    starts = np.flatnonzero(np.diff(component[order], prepend=-1))
    first = np.empty(n, dtype=np.int64)
    first[order] = np.repeat(order[starts], np.diff(np.append(starts, n)))
    return first


def expand(
    indptr: np.ndarray, rows: np.ndarray | None, labels: np.ndarray | None = None, owners: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """The out-edges of ``rows`` (``None``: every row), row after row: their positions, and each one's row's label.

    ``positions`` are the edges' places in a CSR whose row ``r`` owns
    ``indptr[r]:indptr[r + 1]``; with ``owners``, the second array gives each edge the
    label of the row it leaves (``labels[k]`` for ``rows[k]``; without ``labels``, ``k``),
    else it is None. Both ``int64``.

    Examples
    --------
    >>> positions, owners = expand(np.array([0, 2, 2, 5]), np.array([2, 0]), np.array([7, 9]), owners=True)
    >>> positions.tolist(), owners.tolist()
    ([2, 3, 4, 0, 1], [7, 7, 7, 9, 9])
    """
    indptr = np.ascontiguousarray(indptr, dtype=np.int64)
    if rows is None:
        counts = np.diff(indptr)
        positions = np.arange(int(indptr[-1]))
    else:
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        starts = indptr[rows]
        counts = indptr[rows + 1] - starts
        positions = np.empty(int(counts.sum()), dtype=np.int64)
    if labels is not None:
        labels = np.ascontiguousarray(labels, dtype=np.int64)
    if _kernels is not None and (owners or rows is not None):
        found = np.empty(positions.size, dtype=np.int64) if owners else None
        _kernels.expand(indptr, rows, labels, positions, found)
        return positions, found
    if rows is not None:
        # one arange per row, built without a Python loop
        np.add(np.arange(positions.size), np.repeat(starts - np.cumsum(counts) + counts, counts), out=positions)
    if not owners:
        return positions, None
    return positions, np.repeat(np.arange(counts.size) if labels is None else labels, counts)


def spread(
    ptr: np.ndarray, idx: np.ndarray, ways: np.ndarray, way: int, colour: np.ndarray, seeds: np.ndarray, join: bool
) -> np.ndarray:
    """Carry each seed's colour along the edges that go ``way``, as far as it changes anything; which vertices changed.

    Row ``v``'s edges go to ``idx[ptr[v]:ptr[v + 1]]``, each going the ways whose bits
    its entry of ``ways`` holds. ``colour`` (``int64``) changes in place; a negative
    colour is a vertex taken already, which nothing changes or passes. Without
    ``join``, a seed's colour ``c`` replaces every larger colour it reaches (give the
    seeds in increasing colour: each vertex then changes once): each vertex ends with
    the smallest colour that reaches it from a seed, or its own. With ``join``, the seed
    and the vertices of colour ``c`` reached through vertices of colour ``c`` are taken:
    their colour becomes ``-c - 1``.

    Examples
    --------
    >>> ptr, idx, ways = np.array([0, 1, 2, 3, 3]), np.array([1, 2, 0], dtype=np.int32), np.ones(3, dtype=np.int8)
    >>> colour = np.array([5, 7, 6, 9])
    >>> spread(ptr, idx, ways, 1, colour, np.array([0]), join=False).tolist(), colour.tolist()
    ([False, True, True, False], [5, 5, 5, 9])
    >>> spread(ptr, idx, ways, 1, colour, np.array([1]), join=True).tolist(), colour.tolist()
    ([True, True, True, False], [-6, -6, -6, 9])
    """
    seeds = np.ascontiguousarray(seeds, dtype=np.int64)
    changed = np.zeros(colour.size, dtype=np.uint8)
    if _kernels is not None:
        _kernels.spread(ptr, np.ascontiguousarray(idx, dtype=np.int32), ways, way, colour, seeds, changed, join)
        return changed.view(bool)
    return _spread(ptr, idx, ways, way, colour, seeds, join)


def _spread(
    ptr: np.ndarray, idx: np.ndarray, ways: np.ndarray, way: int, colour: np.ndarray, seeds: np.ndarray, join: bool
) -> np.ndarray:
    """:func:`spread` by numpy: rounds over the edges of the vertices the last round changed."""
    changed = np.zeros(colour.size, dtype=bool)
    frontier = np.unique(seeds[colour[seeds] >= 0])
    if join:
        colour[frontier] = -colour[frontier] - 1
        changed[frontier] = True
    while frontier.size:
        starts = ptr[frontier]
        counts = ptr[frontier + 1] - starts
        edges = np.arange(int(counts.sum())) + np.repeat(starts - np.cumsum(counts) + counts, counts)
        source = np.repeat(frontier, counts)
        going = (ways[edges] & way) != 0
        targets, source = idx[edges][going], source[going]
        if join:
            carried = -colour[source] - 1
            hit = targets[colour[targets] == carried]
            colour[hit] = -colour[hit] - 1
        else:
            carried = colour[source]
            was = colour.copy()
            np.minimum.at(colour, targets, carried)
            hit = targets[colour[targets] < was[targets]]
        frontier = np.unique(hit)
        changed[frontier] = True
    return changed


def counting_order(targets: np.ndarray, lo: int, span: int) -> np.ndarray:
    """The permutation that sorts integer ``targets`` (all in ``[lo, lo + span)``) stably, in O(targets + span).

    Examples
    --------
    >>> counting_order(np.array([7, 5, 7, 5]), 5, 3).tolist()
    [1, 3, 0, 2]
    """
    if _kernels is None or targets.dtype not in (np.int32, np.int64):
        return np.argsort(targets, kind="stable")
    order = np.empty(targets.size, dtype=np.int64)
    _kernels.counting_order(np.ascontiguousarray(targets), lo, np.empty(span + 1, dtype=np.int64), order)
    return order


def deal(
    sources: np.ndarray, targets: np.ndarray, weights: np.ndarray | None, parts: int
) -> tuple[np.ndarray, np.ndarray | None, list[int], int] | None:
    """Edges grouped by the partition owning their source, stably, each packed into a key ``source << 32 | target``.

    The owner is :func:`pregel.core.held.owner_of` of the source. Returned: the keys
    (``uint64``), the weights in the keys' order (or None), where each partition's keys
    end, and the largest target. None without the compiled kernel, or when an id is
    outside ``0 .. 2**32 - 1`` (such ids do not pack; the caller deals them with numpy).

    Examples
    --------
    Partition 0 owns vertex 2, partition 1 vertices 0 and 1 (``owner_of``):

    >>> found = deal(np.array([0, 1, 2]), np.array([5, 6, 7]), None, 2)
    >>> found is None or (found[0].tolist(), found[2], found[3]) == ([2 << 32 | 7, 5, 1 << 32 | 6], [1, 3], 7)
    True
    """
    if _kernels is None:
        return None
    sources, targets = np.ascontiguousarray(sources), np.ascontiguousarray(targets)
    if sources.dtype not in (np.int32, np.int64) or targets.dtype not in (np.int32, np.int64):
        return None
    keys = np.empty(sources.size, dtype=np.uint64)
    ends = np.empty(parts, dtype=np.int64)
    if weights is None:
        top = _kernels.deal(sources, targets, parts, keys, ends)
        dealt = None
    else:
        dealt = np.empty(sources.size)
        top = _kernels.deal(sources, targets, parts, keys, ends, np.ascontiguousarray(weights, dtype=np.float64), dealt)
    return None if top < 0 else (keys, dealt, ends.tolist(), top)


#: a partition's keys are sorted by a first digit of this many leading bits, then bucket by bucket
KEY_BUCKET_BITS = 12


def sorted_keys(runs: list[np.ndarray]) -> tuple[np.ndarray, int] | None:
    """The ``uint64`` keys of ``runs`` in one sorted array, and their largest target (a key's low 32 bits).

    A counting sort by the keys' leading bits (:data:`KEY_BUCKET_BITS`) places them, then
    each bucket is sorted alone, in cache: the same array as ``np.sort`` of them joined.
    The list is handed over: each run is freed once it is placed. None without the
    compiled kernel (the list untouched).

    Examples
    --------
    >>> found = sorted_keys([np.array([9, 2], dtype=np.uint64), np.array([5], dtype=np.uint64)])
    >>> found is None or (found[0].tolist(), found[1]) == ([2, 5, 9], 9)  # None without a C compiler
    True
    """
    if _kernels is None:
        return None
    top = max((int(run.max()) for run in runs if run.size), default=0)
    shift = max(top.bit_length() - KEY_BUCKET_BITS, 0)
    slots = np.zeros((top >> shift) + 1, dtype=np.int64)
    targets = max((_kernels.bucket(run, shift, slots) for run in runs), default=0)
    starts = np.concatenate(([0], np.cumsum(slots)))
    slots[:] = starts[:-1]
    keys = np.empty(int(starts[-1]), dtype=np.uint64)
    runs.reverse()
    while runs:
        _kernels.bucket(runs.pop(), shift, slots, keys)
    bounds = starts.tolist()
    for start, end in zip(bounds, bounds[1:]):
        if end - start > 1:
            keys[start:end].sort()
    return keys, targets


def key_rows(
    keys: np.ndarray, wide: bool, seen: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Sorted keys ``source << 32 | target`` as rows: the distinct sources (``int64``), ``indptr`` over them, the
    targets (``int64`` if ``wide``, else ``int32``) and how many repeats were dropped.

    The keys are handed over: the targets are written over their memory, and ``int32``
    ones give its second half back. ``seen`` (``uint8``, a bit per id up to the
    largest target, id ``t`` at bit ``t % 8`` of byte ``t // 8``, as
    ``np.unpackbits(seen, bitorder="little")`` reads them): each target's bit is set
    on the way. Needs the compiled kernel (:func:`sorted_keys` gave the keys).

    Examples
    --------
    >>> keys = np.array([1 << 32 | 7, 1 << 32 | 7, 1 << 32 | 9, 4 << 32 | 2], dtype=np.uint64)
    >>> if COMPILED:  # the keys are those sorted_keys gives
    ...     ids, indptr, targets, repeats = key_rows(keys, False)
    ...     print(ids.tolist(), indptr.tolist(), targets.tolist(), repeats)
    ... else:
    ...     print("[1, 4] [0, 2, 3] [7, 9, 2] 1")
    [1, 4] [0, 2, 3] [7, 9, 2] 1
    """
    total = keys.size
    edges, sources = _kernels.split_keys(keys)
    ids = np.empty(sources, dtype=np.int64)
    indptr = np.empty(sources + 1, dtype=np.int64)
    if seen is None:
        _kernels.split_keys(keys, edges, ids, indptr, wide)
    else:
        _kernels.split_keys(keys, edges, ids, indptr, wide, seen)
    if not wide:
        keys.resize((edges + 1) // 2, refcheck=False)  # the targets fill the front half: the rest is given back
    targets = keys.view(np.int64 if wide else np.int32)[:edges]
    return ids, indptr, targets, total - edges
