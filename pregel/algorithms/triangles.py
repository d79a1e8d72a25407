"""Triangles per vertex of the undirected graph, with the global count, transitivity and average clustering.

The programs run on :func:`ranked`'s view of the graph: undirected, without self-loops,
vertices numbered 0..N-1 by degree (ties by id), so that a vertex's neighbours *above*
it are few even when its degree is high. Each triangle ``u < v < w`` is found once, at
its middle vertex ``v``.

A *wedge* ``u < v < w`` (``u``'s neighbours ``v`` and ``w`` above it) closes when ``v``
and ``w`` are neighbours too; only ``v`` knows that, only ``u`` knows the wedge. Sending
``v`` every wedge would route the sum over ``u`` of ``a (a - 1) / 2`` for its ``a``
neighbours above, most of which do not close; so ``v`` first says which could:

1. every vertex ``v`` tells each neighbour ``u`` below it a *bloom* of its neighbours
   above it (:data:`BLOOM`: ``v`` and 256 bits, bit :func:`~pregel.core.kernels.bloom_bits`
   of each such neighbour set);
2. ``u`` sends ``v`` the wedges ``u << B | w`` (``B`` bits hold any vertex,
   :func:`wedge_bits`) whose ``w`` is in ``v``'s bloom: every wedge that closes, and a few
   that do not (the bits of another vertex can be set);
3. ``v`` keeps the wedges whose ``w`` is its neighbour: each closes a triangle ``u < v < w``;
   ``v`` counts its own and tells ``u`` and ``w`` how many it found of theirs (``-count``);
4. every vertex adds what it was told.

The work per message is a compiled kernel (:mod:`pregel.core.kernels`:
``bloom_rows``, ``wedge_candidates``, ``close_wedges``; numpy without the compiled
extension, with the same results): the wedges are looked at where they are, in C, and
only the candidates travel, as plain ``int64`` numbers without a combiner
(``v.all_messages``), sent sorted by their target. To bound memory, :class:`Triangles`
takes the vertices ``u`` in chunks of at most ``WEDGES_PER_SUPERSTEP`` wedges, three
supersteps a chunk (the fourth step is the next chunk's first). When every count has
arrived, every vertex aggregates its triangles ``t``, its triples ``d (d - 1) / 2`` and its
clustering ``t / (d (d - 1) / 2)``; master compute turns the sums into the number of
triangles, the transitivity and the average clustering.

:class:`TrianglesVertex`, the scalar twin, sends each wedge list as one list message
(joined by the :class:`Collect` combiner) and takes three supersteps.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Combiner, Sum, Vertex
from pregel.api.twin import twin
from pregel.core import kernels
from pregel.core.engine import collect_on_driver
from pregel.core.kernels import InEdges
from pregel.core.messages import edges_of
from pregel.io.edges import as_graph


class Collect(Combiner):
    """Messages that are lists, combined by joining them (in the order they were sent).

    Examples
    --------
    >>> Collect().reduce([[1], [2, 3]])
    [1, 2, 3]
    """

    identity: list = []

    def combine(self, a: list, b: list) -> list:
        return a + b

    def fill_value(self, dtype: np.dtype) -> None:
        """No message: ``None``."""
        return None

    def reduce_groups(self, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Join each run at once: joining pairwise would copy a long run again and again."""
        out = np.empty(starts.size, dtype=object)
        bounds = np.append(starts, values.size).tolist()
        for k in range(starts.size):
            out[k] = list(itertools.chain.from_iterable(values[bounds[k] : bounds[k + 1]]))
        return out


class _Counting:
    """What both programs share: aggregators, and master compute's global numbers at the last superstep."""

    #: ``corners`` adds up every vertex's triangles (3 per triangle), ``triples`` the pairs
    #: of neighbours, ``clustering`` the local clustering; master compute sets the others
    aggregators = {
        "corners": Sum,
        "triples": Sum,
        "clustering": Sum,
        "triangles": Sum,
        "transitivity": Sum,
        "average_clustering": Sum,
    }

    def last_superstep(self) -> int:
        return 2

    def master_compute(self, master: pregel.Master) -> None:
        if master.superstep != self.last_superstep():
            return
        corners, triples = master.aggregated("corners"), master.aggregated("triples")
        master.set_aggregated("triangles", corners // 3)
        # as networkx divides: 0 without triangles, else triangles over triples
        master.set_aggregated("transitivity", 0 if corners == 0 else corners / triples)
        master.set_aggregated("average_clustering", master.aggregated("clustering") / master.num_vertices)


def _account(v: Any, triangles: np.ndarray, degree: np.ndarray) -> None:
    """The sums master compute needs (clustering as networkx divides it)."""
    pairs = degree * (degree - 1)
    v.aggregate("corners", triangles)
    v.aggregate("triples", pairs // 2)
    v.aggregate("clustering", np.divide(2.0 * triangles, pairs, out=np.zeros(triangles.size), where=triangles > 0))


#: At most this many wedges (pairs of neighbours above a vertex) are looked at in one chunk of vertices: few
#: enough that a chunk's messages stay in memory the processor has cached (the 1M R-MAT's 36M wedges, as
#: compute seconds: 1.07 in chunks of 1M, 0.95 of 2M, 0.92 of 4M, 4.7 in one chunk)
WEDGES_PER_SUPERSTEP = 4_000_000

#: 64-bit words in the bloom of a vertex's neighbours above it (256 bits: a vertex with a few dozen such
#: neighbours lets through a few in a hundred of the wedges that do not close)
BLOOM_WORDS = 4

#: A vertex's bloom, as it tells its neighbours below it
BLOOM = np.dtype([("vertex", np.int64)] + [(f"bloom{k}", np.uint64) for k in range(BLOOM_WORDS)])


class Triangles(_Counting, BatchProgram):
    """Triangles per vertex over arrays (the fast path). Run it on :func:`ranked`'s graph.

    ``chunks`` are the rank boundaries of the vertices whose wedges go out together, three
    supersteps a chunk (:func:`wedge_chunks`); the default takes them all at once.

    Examples
    --------
    >>> g, _ = ranked(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> result = pregel.run(g, Triangles)
    >>> result.values.tolist(), result.aggregated["triangles"], result.aggregated["transitivity"]
    ([0, 1, 1, 1], 1, 0.6)
    """

    value_dtype = np.int64
    initial_value = 0
    chunks: tuple[int, ...] = ()

    def last_superstep(self) -> int:
        # each chunk: blooms, wedges, counts; the last counts arrive in the superstep after
        return 3 * max(len(self.chunks) - 1, 1)

    def compute(self, v: pregel.VertexBatch) -> None:
        chunk, phase = divmod(v.superstep, 3)
        got = v.all_messages
        rows = self._rows_of(v)
        if phase == 0:
            # the counts of the chunk before, -count each
            v.values = v.values - np.bincount(got.receiver, weights=got.values, minlength=v.size).astype(np.int64)
            if v.superstep == self.last_superstep():
                _account(v, v.values, v.out_degree)
                v.vote_to_halt()
                return
            lo, hi = self.chunks[chunk : chunk + 2] if self.chunks else (0, v.num_vertices)
            # each vertex tells its neighbours below it in lo..hi the bloom of its neighbours above it
            source, edges = rows.below_in(lo, hi)
            if edges.size:
                told = np.empty(edges.size, dtype=BLOOM)
                columns = told.view(np.int64).reshape(edges.size, 1 + BLOOM_WORDS)
                columns[:, 0] = rows.ids[source]
                columns[:, 1:] = rows.blooms[source]
                v.send(rows.indices[edges], told)
        elif phase == 1 and len(got):
            blooms = np.ascontiguousarray(got.values).view(np.int64).reshape(len(got), 1 + BLOOM_WORDS)
            targets, wedges = kernels.wedge_candidates(
                rows.indptr, rows.indices, rows.ids, got.receiver, blooms, wedge_bits(v.num_vertices), v.num_vertices
            )
            v.send(targets, wedges)
        elif phase == 2 and len(got):
            found, times = kernels.close_wedges(
                rows.indptr, rows.indices, got.receiver, got.values, wedge_bits(v.num_vertices), v.num_vertices
            )
            v.values = v.values + found
            corners = np.flatnonzero(times)
            v.send(corners, -times[corners])

    def _rows_of(self, v: pregel.VertexBatch) -> _Rows:
        """The batch's rows, kept from one superstep to the next while the batch is the same (each partition computes
        with its own copy of the program, and the graph does not change)."""
        kept = getattr(self, "_kept", None)
        if kept is None or not kept.rows_of(v):
            kept = self._kept = _Rows(v)
        return kept


class _Rows:
    """A batch's rows (vertex ``ids[r]``'s neighbours are ``indices[indptr[r]:indptr[r + 1]]``, sorted), and the bloom
    of each row's neighbours above its vertex."""

    def __init__(self, v: pregel.VertexBatch) -> None:
        self.ids = np.asarray(v.ids, dtype=np.int64)
        self.n = v.num_vertices
        degree = v.out_degree
        self.indptr = np.zeros(v.size + 1, dtype=np.int64)
        np.cumsum(degree, out=self.indptr[1:])
        self.indices = v.out_edges().target.astype(np.int32)
        # the (row, neighbour) pairs as numbers, sorted: a row's neighbours in a range are a search away
        self.pairs = np.repeat(np.arange(v.size, dtype=np.int64) * self.n, degree) + self.indices
        self.blooms = kernels.bloom_rows(self.indptr, self.indices, self.ids, self.n, BLOOM_WORDS).view(np.int64)

    def rows_of(self, v: pregel.VertexBatch) -> bool:
        """Whether these are ``v``'s rows (a batch's vertices are a partition's, or some of them, in order)."""
        ids = v.ids
        return ids.size == self.ids.size and (ids.size == 0 or (ids[0] == self.ids[0] and ids[-1] == self.ids[-1]))

    def below_in(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """The edges from each row to its neighbours below its vertex in ``lo..hi``: their rows and positions."""
        first = np.arange(self.ids.size, dtype=np.int64) * self.n
        start = np.searchsorted(self.pairs, first + lo)
        count = np.maximum(np.searchsorted(self.pairs, first + np.minimum(hi, self.ids)) - start, 0)
        source = np.repeat(np.arange(self.ids.size), count)
        return source, np.arange(source.size) + np.repeat(start - np.cumsum(count) + count, count)


class TrianglesVertex(_Counting, Vertex):
    """Triangles per vertex one vertex at a time, in three supersteps. Run it on :func:`ranked`'s graph.

    A wedge message is a list of ``(u, neighbours of u above v)`` pairs, joined by the
    :class:`Collect` combiner; the values are Python integers (``object``).

    Examples
    --------
    >>> g, _ = ranked(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> pregel.run(g, TrianglesVertex).values.tolist()
    [0, 1, 1, 1]
    """

    combiner = Collect
    value_dtype = object
    initial_value = 0

    def compute(self, messages: list | None) -> None:
        neighbours = self.out_edges[0]
        above = neighbours[neighbours > self.id]
        if self.superstep == 0:
            for k in range(above.size - 1):
                self.send_message(int(above[k]), [(self.id, above[k + 1 :])])
        elif self.superstep == 1:
            found = 0
            told = {}
            for u, candidates in messages or ():
                for w in candidates[np.isin(candidates, above)].tolist():
                    found += 1
                    told[u] = told.get(u, 0) + 1
                    told[w] = told.get(w, 0) + 1
            for corner, times in told.items():
                self.send_message(corner, [times])
            self.value = found
        else:
            triangles = self.value + sum(messages or ())
            degree = neighbours.size
            self.value = triangles
            self.aggregate("corners", triangles)
            self.aggregate("triples", degree * (degree - 1) // 2)
            self.aggregate("clustering", 0.0 if triangles == 0 else 2 * triangles / (degree * (degree - 1)))
            self.vote_to_halt()


def ranked(graph: pregel.Graph) -> tuple[pregel.Graph, np.ndarray]:
    """The graph the programs run on, and the vertex each of its vertices stands for.

    Undirected, without self-loops or weights; vertex ``r`` is the ``r``-th vertex by
    degree (ties by id), which is ``graph``'s vertex ``order[r]`` (an index).

    Examples
    --------
    >>> g, order = ranked(pregel.Graph.from_edges([10, 10, 10, 20], [20, 30, 40, 30]))
    >>> order.tolist(), g.out_degree.tolist()
    ([3, 1, 2, 0], [1, 2, 2, 3])
    """
    simple = graph.to_undirected()
    n = simple.num_vertices
    keep = simple.sources != simple.indices
    degree = np.bincount(simple.sources[keep], minlength=n)
    order = np.argsort(degree, kind="stable")  # ties by index, which is by id
    rank = np.empty_like(order)
    rank[order] = np.arange(n)
    # the rows in rank order, renumbered; the graph is symmetric, so its in-edges (a counting sort, which
    # lists each vertex's sources in increasing order) are its rows, sorted: no sort of the edges again
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree[order], out=indptr[1:])
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree, out=start[1:])
    renumbered = rank[simple.indices[keep]][edges_of(start, order)]
    rows = InEdges(indptr, renumbered, n)
    return pregel.Graph(np.arange(n, dtype=np.int64), rows.ptr, rows.sources), order


def triangles(graph: Any, backend: str = "local", api: str = "batch", **options: Any) -> pregel.Result:
    """Triangles through every vertex of the undirected graph; the graph's triangles, transitivity and clustering.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge directions, weights and self-loops are ignored.
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` counts with sparse matrix products instead (the diagonal of A³).
    api : {"batch", "scalar"}
        The vectorised program (fast) or its scalar twin.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Triangle counts (``int64``) aligned with ``graph.ids``. ``result.aggregated``
        holds ``triangles`` (the graph's), ``transitivity`` and ``average_clustering``,
        as networkx's ``transitivity`` and ``average_clustering`` compute them.

    Examples
    --------
    >>> result = triangles(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> result.to_dict()
    {1: 1, 2: 1, 3: 1, 4: 0}
    >>> result.aggregated["triangles"], result.aggregated["transitivity"], result.aggregated["average_clustering"]
    (1, 0.6, 0.5833333333333334)
    """
    graph = as_graph(graph)
    if backend == "scipy":
        from pregel.algorithms import reference

        return reference.triangles(graph)
    view, order = ranked(graph)
    program = twin(api, lambda: Triangles(chunks=wedge_chunks(view)), TrianglesVertex)()
    # the run's vertices are ranked, not the user's: their counts are put back in order, then collected here
    collect = options.pop("collect", ())
    result = pregel.run(view, program, backend=backend, **options)
    counts = np.empty(graph.num_vertices, dtype=np.int64)
    counts[order] = result.values.astype(np.int64)
    trace = result.trace and _told_of_user(result.trace, graph, order)
    result = dataclasses.replace(result, graph=graph, values=counts, trace=trace)
    result.collected = collect_on_driver(result, collect, options.get("workers") or 1)
    return result


def wedge_bits(num_vertices: int) -> int:
    """Bits that hold any vertex number of a graph of ``num_vertices``: a wedge is ``u << bits | w``.

    Examples
    --------
    >>> wedge_bits(1000), (3 << wedge_bits(1000) | 999) & 1023
    (10, 999)
    """
    return max(int(num_vertices - 1).bit_length(), 1)


def wedge_chunks(view: pregel.Graph, budget: int = WEDGES_PER_SUPERSTEP) -> tuple[int, ...]:
    """Rank boundaries of the chunks of vertices that send their wedges together, each at most ``budget`` wedges.

    (A single vertex with more wedges than ``budget`` is a chunk of its own.)

    Examples
    --------
    >>> g, _ = ranked(pregel.Graph.from_edges([1, 1, 1, 2, 2, 3], [2, 3, 4, 3, 4, 4]))
    >>> wedge_chunks(g), wedge_chunks(g, budget=1)
    ((0, 4), (0, 1, 4))
    """
    n = view.num_vertices
    above = np.bincount(view.sources[view.indices > view.sources], minlength=n)
    ends = np.cumsum(above * (above - 1) // 2)
    bounds = [0]
    while bounds[-1] < n:
        spent = ends[bounds[-1] - 1] if bounds[-1] else 0
        bounds.append(max(int(np.searchsorted(ends, spent + budget, side="right")), bounds[-1] + 1))
    return tuple(min(b, n) for b in bounds) if n else (0, 0)


def _told_of_user(trace: Any, graph: pregel.Graph, order: np.ndarray) -> Any:
    """The trace in the user's vertices, wedge messages ``u << B | w`` and blooms' senders too (the scalar twin's
    lists stay ranks; a bloom's bits stay those of the ranks)."""
    told = trace.told_of(graph.to_undirected(), order)
    if trace.program_class is not Triangles:
        return told
    bits = wedge_bits(graph.num_vertices)
    mask = (1 << bits) - 1

    def wedges(values: np.ndarray) -> np.ndarray:
        if values.dtype == BLOOM:
            values = values.copy()
            values["vertex"] = order[values["vertex"]]
            return values
        if values.dtype.kind != "i":  # no message: an empty float array
            return values
        wedge = np.maximum(values, 0)
        return np.where(values >= 0, (order[wedge >> bits] << bits) | order[wedge & mask], values)

    told.steps = [
        dataclasses.replace(step, messages=wedges(step.messages), inbox=wedges(step.inbox)) for step in told.steps
    ]
    return told


def networkx_triangles(graph: pregel.Graph) -> np.ndarray:
    """networkx's triangles per vertex of the undirected graph, aligned with ``graph.ids``.

    Examples
    --------
    >>> networkx_triangles(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])).tolist()
    [1, 1, 1, 0]
    """
    import networkx as nx

    found = nx.triangles(networkx_undirected(graph))
    return np.array([found[v] for v in graph.original_ids.tolist()], dtype=np.int64)


def networkx_undirected(graph: pregel.Graph, weighted: bool = False) -> Any:
    """The graph as a ``networkx.Graph`` of its original ids: each edge once, directions dropped.

    Faster than ``graph.to_networkx().to_undirected()``, which copies every edge's
    attributes. ``weighted``: each edge keeps its ``weight`` (1 in an unweighted graph;
    of two opposite edges, the one listed last).

    Examples
    --------
    >>> networkx_undirected(pregel.Graph.from_edges([1, 2], [2, 1])).number_of_edges()
    1
    """
    import networkx as nx

    undirected = nx.Graph()
    undirected.add_nodes_from(graph.original_ids.tolist())
    sources, targets, weights = graph.edge_arrays()
    if weighted:
        weights = np.ones(sources.size) if weights is None else weights
        undirected.add_weighted_edges_from(zip(sources.tolist(), targets.tolist(), weights.tolist()))
    else:
        undirected.add_edges_from(zip(sources.tolist(), targets.tolist()))
    return undirected
