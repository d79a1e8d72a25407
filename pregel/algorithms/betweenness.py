"""Betweenness centrality by Brandes' algorithm: a breadth-first search forward, dependencies backward.

For a source s, the forward search gives each vertex v its distance d(v) and the number
σ(v) of shortest paths from s (a vertex reached in superstep L sums the σ of the vertices
that reached it); the backward sweep, deepest level first, gives its dependency
δ(v) = Σ σ(v)/σ(w) · (1 + δ(w)) over the w one level deeper that v leads to. A vertex's
betweenness is the sum of its dependencies over all sources (or over sampled ones),
scaled as networkx scales it.

Many sources run side by side, one column each: a vertex keeps a distance and a σ per
source of the current batch, and a message is a row of numbers, one per column
(:class:`~pregel.core.combiners.ColumnSum`), so a superstep advances every column's
frontier at once and the engine sums a target's rows over its in-edges in one compiled
pass, with no message per edge. Master compute leads the phases
(:class:`BrandesColumns`): a batch's forward levels while vertices keep being reached,
then its backward levels down to 1, then the next batch.

The backward sweep follows edges against their direction, which a broadcast cannot, so
the program runs on two layers (:func:`layered`): vertex ``i`` searches forward along
the graph's edges and tells its twin ``n + i`` what it found (an edge ``i → n + i``);
the twins sweep backward along the reversed edges and keep the betweenness.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Sum
from pregel.algorithms.columns import ColumnSum, SourceColumns, as_matrix, as_records, column_dtype, copied
from pregel.algorithms.phases import Echo
from pregel.algorithms.weighted_betweenness import by_weight, positive_weights, weighted_brandes, weighted_layers
from pregel.api.twin import only_batch
from pregel.core.engine import collect_on_driver
from pregel.core.kernels import InEdges
from pregel.io.edges import as_graph

FORWARD, BACKWARD = 0, 1
UNREACHED = -1
MAX_BATCH = 64
COLUMN_BUDGET = 1 << 21
"""A batch holds at most this many (vertex, source) pairs: the values of one superstep stay a few tens of MB."""


class BrandesColumns(SourceColumns, BatchProgram):
    """Brandes' dependencies from ``sources`` (vertex numbers; or every one of the ``n``), ``batch`` at a time.

    Run it on :func:`layered`'s graph of a graph of ``n`` vertices numbered ``0..n-1``.
    Vertex ``i < n`` searches forward: it keeps, per source of the batch, its distance,
    and sends the paths that reached it as a row, one column per source, to its
    out-neighbours and to its twin ``n + i``. The twin keeps the distance and the number
    of paths per column, and the range of its distances; in the backward sweep it sends
    ``(1 + δ)/σ`` along the reversed edges. A twin's ``bc`` sums its vertex's
    dependencies (plus 1 per source reaching it, and for a source the vertices it
    reaches, with ``endpoints``); :func:`betweenness` scales them.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([0, 1], [1, 2])
    >>> pregel.run(layered(g), BrandesColumns(n=3, sources=(0, 1, 2), batch=2)).values["bc"][3:].tolist()
    [0.0, 1.0, 0.0]
    """

    combiner = ColumnSum
    aggregators = {"batch": Echo, "backward": Echo, "level": Echo, "reached": Sum, "reach": ColumnSum}
    batch = MAX_BATCH

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        b = self.batch
        # laid out by hand so that the columns read as plain matrices (see _Fields): numpy indexes a record
        # field's rows several times slower than the rows of a matrix
        self.value_dtype = np.dtype(
            {
                "names": ["sigma", "bc", "levels", "dist", "lowest", "highest"],
                "formats": [(np.float64, (b,)), np.float64, np.uint64, (np.int32, (b,)), np.int32, np.int32],
                "offsets": [0, 8 * b, 8 * b + 8, 8 * b + 16, 12 * b + 16, 12 * b + 20],
                "itemsize": 12 * b + 24 + 4 * (b % 2),
            }
        )
        self.row = column_dtype(b)
        self.batches = -(-len(self.sources) // b)

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return np.zeros(v.size, dtype=self.value_dtype)

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            batch, backward, level = 0, FORWARD, 0
        else:
            batch, backward, level = (int(v.aggregated(name)) for name in ("batch", "backward", "level"))
        for name, value in (("batch", batch), ("backward", backward), ("level", level)):
            v.aggregate(name, value)
        values = self._renewed(v.values)
        fields = _Fields(values, self.batch)
        # the rows this superstep writes (None: every row): the next one renews only those
        self._written: list[np.ndarray] | None = []
        if backward:
            self._backward(v, batch, level, fields)
        elif level > 0:
            self._forward(v, batch, level, fields)
        else:
            if batch > 0 and self.endpoints:
                self._count_ends(v, batch - 1, fields)
            if batch == self.batches:
                v.vote_to_halt()
            else:
                self._start(v, batch, fields)
        v.values = self._handed = values

    def _start(self, v: pregel.VertexBatch, batch: int, fields: _Fields) -> None:
        """A new batch: every vertex forgets the last one; each source is at distance 0 on one path."""
        self._written = None
        # the twins each forward level reached, for the backward sweep: kept only from a batch's start (a run
        # resumed in the middle of one finds its twins by their level bits instead)
        self._at_level: tuple[int, dict[int, np.ndarray]] = (batch, {})
        fields.dist[:], fields.sigma[:], fields.levels[:] = UNREACHED, 0.0, 0
        fields.lowest[:], fields.highest[:] = np.iinfo(np.int32).max, UNREACHED
        row, column = self.sources_here(v, batch)
        fields.dist[row, column] = 0
        v.aggregate("reached", row.size)
        paths = np.zeros((row.size, self.batch))
        paths[np.arange(row.size), column] = 1.0
        self._send(v, row, paths)

    def _forward(self, v: pregel.VertexBatch, batch: int, level: int, fields: _Fields) -> None:
        """Vertices reached for the first time in a column take the paths that reached them and pass them on.

        A twin gets its vertex's row one superstep later: the paths of the columns its
        vertex was reached in, at ``level - 1``.
        """
        got = v.all_messages
        self._wrote(got.receiver)
        twin = v.cached("twin", self._twins)[got.receiver]
        paths = _rows(got, self.batch)
        row, summed = got.receiver[~twin], paths[~twin]
        dist = fields.dist[row]
        new = (dist == UNREACHED) & (summed > 0)
        dist[new] = level
        fields.dist[row] = dist
        v.aggregate("reached", np.count_nonzero(new))
        sending = new.any(axis=1)
        summed[~new] = 0.0
        self._send(v, row[sending], summed[sending])
        row, copy = got.receiver[twin], paths[twin]
        new = copy > 0
        dist, sigma = fields.dist[row], fields.sigma[row]
        dist[new], sigma[new] = level - 1, copy[new]
        fields.dist[row], fields.sigma[row] = dist, sigma
        fields.levels[row] |= _level_bit(level - 1)
        fields.lowest[row] = np.minimum(fields.lowest[row], level - 1)
        fields.highest[row] = level - 1
        kept = getattr(self, "_at_level", None)
        if kept is not None and kept[0] == batch:
            kept[1][level - 1] = row[new.any(axis=1)]

    def _backward(self, v: pregel.VertexBatch, batch: int, level: int, fields: _Fields) -> None:
        """Twins at ``level`` take the dependencies from the level below, add them up, and pass them on."""
        kept = getattr(self, "_at_level", None)
        if kept is not None and kept[0] == batch:
            # the twins the forward sweep reached at this level (in some column), sorted
            row = kept[1].get(level, np.zeros(0, dtype=np.int64))
        else:
            # levels from 63 on share a bit: on a graph of long paths, each of those levels would look at most twins
            ranging = (fields.lowest <= level) & (fields.highest >= level)
            row = np.flatnonzero(ranging & (fields.levels & _level_bit(level) != 0))
        self._wrote(row)
        at = fields.dist[row] == level
        sigma = fields.sigma[row]
        # what came from the level below, for each row of this level
        got = v.all_messages
        delta = np.zeros(at.shape)
        spot = np.minimum(np.searchsorted(row, got.receiver), max(row.size - 1, 0))
        mine = row[spot] == got.receiver if row.size else np.zeros(len(got), dtype=bool)
        delta[spot[mine]] = _rows(got, self.batch)[mine]
        delta *= sigma
        delta[~at] = 0.0
        fields.bc[row] += delta.sum(axis=1) + self.endpoints * np.count_nonzero(at, axis=1)
        if level > 1:
            sending = at.any(axis=1)
            sigma[~at] = 1.0
            delta += 1.0
            delta /= sigma
            delta[~at] = 0.0
            self._send(v, row[sending], delta[sending])
        elif self.endpoints:
            twins = v.cached("twin", self._twins)
            v.aggregate("reach", as_records((fields.dist[twins] >= 0).astype(np.float64)))

    def _count_ends(self, v: pregel.VertexBatch, batch: int, fields: _Fields) -> None:
        """With endpoints, a source counts every other vertex it reached as the end of a path through it."""
        reach = v.aggregated("reach")
        if np.ndim(reach):  # else the batch reached nothing beyond its sources
            row, column = self.sources_here(v, batch, self.n)
            self._wrote(row)
            np.add.at(fields.bc, row, np.asarray(reach)[column] - 1)

    def _send(self, v: pregel.VertexBatch, row: np.ndarray, rows: np.ndarray) -> None:
        """Rows ``row`` of the batch send ``rows`` (one row of columns each) along their out-edges."""
        if not row.size:
            return
        # only the senders' records are read: the rest of the array is never filled
        records = self._scratch(v.size)
        records[row] = as_records(rows)
        senders = np.zeros(v.size, dtype=bool)
        senders[row] = True
        v.send_to_all_neighbors(records, where=senders)

    def _renewed(self, current: np.ndarray) -> np.ndarray:
        """A copy of the partition's values to change and hand back, made in the array it let go of last time.

        The values are a few tens of MB: an array the system has to map and zero afresh
        each time costs as much as a copy. And most supersteps write a few rows (a
        level's), so the array let go of, the values of two supersteps ago, is brought up
        to date by copying only the rows the last superstep wrote, when the values are
        still the array this program handed over then (not, say, a checkpoint's).
        """
        spare = getattr(self, "_spare", None)
        written = getattr(self, "_written", None)
        fresh = spare is None or spare is current or spare.shape != current.shape or spare.dtype != current.dtype
        if fresh:
            spare = np.empty_like(current)
        self._spare = current
        if fresh or written is None or current is not getattr(self, "_handed", None):
            return copied(current, out=spare)
        rows = np.concatenate(written) if written else np.empty(0, dtype=np.int64)
        whole = np.dtype((np.void, current.dtype.itemsize))  # a row copied as bytes, not field by field
        spare.view(whole)[rows] = current.view(whole)[rows]
        return spare

    def _wrote(self, rows: np.ndarray) -> None:
        """Note rows this superstep writes (for :meth:`_renewed`)."""
        if self._written is not None:
            self._written.append(rows)

    def _scratch(self, size: int) -> np.ndarray:
        """An array of ``size`` records to send from, kept from one superstep to the next (see ``_renewed``)."""
        scratch = getattr(self, "_records", None)
        if scratch is None or scratch.shape != (size,):
            scratch = self._records = np.empty(size, dtype=self.row)
        return scratch

    def _twins(self, v: pregel.VertexBatch) -> np.ndarray:
        return v.ids >= self.n

    def master_compute(self, master: Any) -> None:
        batch, backward, level = (master.aggregated(name) for name in ("batch", "backward", "level"))
        if batch == self.batches:
            master.halt()
            return
        if not backward and master.aggregated("reached") > 0:
            following = (batch, FORWARD, level + 1)
        elif not backward and level - 1 >= 1:
            # nothing was reached at this level: the deepest is level - 1, whose twins heard of it just now
            following = (batch, BACKWARD, level - 1)
        elif backward and level > 1:
            following = (batch, BACKWARD, level - 1)
        else:
            following = (batch + 1, FORWARD, 0)
        for name, value in zip(("batch", "backward", "level"), following):
            master.set_aggregated(name, value)


class _Fields:
    """A batch's values (:class:`BrandesColumns`) seen as plain matrices and vectors, views of the same bytes."""

    def __init__(self, values: np.ndarray, width: int) -> None:
        floats = values.view(np.float64).reshape(values.size, -1)
        whole = values.view(np.uint64).reshape(values.size, -1)
        ints = values.view(np.int32).reshape(values.size, -1)
        self.sigma, self.bc, self.levels = floats[:, :width], floats[:, width], whole[:, width + 1]
        start = 2 * width + 4
        self.dist = ints[:, start : start + width]
        self.lowest, self.highest = ints[:, start + width], ints[:, start + width + 1]


def _rows(got: Any, width: int) -> np.ndarray:
    """The rows a batch received, as a matrix (a copy: the program changes it)."""
    return as_matrix(got.values).copy() if len(got) else np.zeros((0, width))


def _level_bit(level: int) -> np.uint64:
    """A twin's bit for a level it holds in some column; levels from 63 on share the last bit."""
    return np.uint64(1) << np.uint64(min(level, 63))


def layered(graph: pregel.Graph) -> pregel.Graph:
    """Two copies of a graph numbered ``0..n-1``: ``i -> j`` for each edge, ``i -> n + i``, and ``n + j -> n + i``.

    The first layer follows the edges, the second follows them backward; each vertex
    leads to its twin in the second layer. Weights are dropped.

    Examples
    --------
    >>> h = layered(pregel.Graph.from_edges([0, 0], [1, 2]))
    >>> [tuple(e) for e in np.column_stack(h.edge_arrays()[:2]).tolist()]
    [(0, 1), (0, 2), (0, 3), (1, 4), (2, 5), (4, 3), (5, 3)]
    """
    n = graph.num_vertices
    forward_degree = np.diff(graph.indptr) + 1
    reversed_ = InEdges(graph.indptr, graph.indices, n)  # each head's tails, in order (a counting sort)
    indptr = np.zeros(2 * n + 1, dtype=np.int64)
    np.cumsum(np.concatenate([forward_degree, np.diff(reversed_.ptr)]), out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    twin_edge = indptr[1 : n + 1] - 1  # each first-layer row ends with its twin
    first = np.ones(graph.indices.size + n, dtype=bool)
    first[twin_edge] = False
    indices[: first.size][first] = graph.indices
    indices[twin_edge] = np.arange(n) + n
    indices[first.size :] = reversed_.sources + n
    return pregel.Graph(np.arange(2 * n), indptr, indices)


def sample_sources(ids: list[Any], samples: int | None, seed: Any = None) -> list[Any]:
    """The sources networkx's ``betweenness_centrality(G, k=samples, seed=seed)`` uses, ``ids`` in G's order.

    ``seed`` is an int, a ``random.Random``, or ``None`` (Python's global generator), as
    networkx takes it; every vertex when ``samples`` is ``None`` or ``len(ids)``.

    Examples
    --------
    >>> sample_sources([10, 20, 30, 40], 2, seed=1)
    [20, 30]
    """
    if samples is None or samples == len(ids):
        return list(ids)
    if samples < 1:
        raise pregel.InputError(f"samples must be at least 1, got {samples}")
    if samples > len(ids):
        raise pregel.InputError(f"{samples} samples is more than the graph's {len(ids)} vertices")
    generator = random if seed is None else seed if isinstance(seed, random.Random) else random.Random(seed)
    return generator.sample(list(ids), samples)


def dependencies(
    graph: pregel.Graph,
    sources: np.ndarray | None,
    endpoints: bool,
    run: Callable[[pregel.Graph, BatchProgram], pregel.Result],
) -> tuple[np.ndarray, pregel.Result]:
    """The sums of dependencies from ``sources`` (vertex numbers; ``None``: every vertex) of a graph numbered
    ``0..n-1``, by its weights where they differ (:func:`~pregel.algorithms.weighted_betweenness.by_weight`;
    positive), else in hops; and the run's result. ``run(graph, program)`` runs a program on its layers.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([0, 1], [1, 2], weights=[0.5, 0.25])
    >>> dependencies(g, None, False, pregel.run)[0].tolist()
    [0.0, 1.0, 0.0]
    """
    n = graph.num_vertices
    if by_weight(graph):
        result = run(weighted_layers(graph), weighted_brandes(graph, sources, endpoints))
        return as_matrix(result.values)[n:, -1].copy(), result
    result = run(layered(graph), brandes(graph, sources, endpoints))
    return result.values["bc"][n:], result


def brandes(graph: pregel.Graph, sources: np.ndarray | None = None, endpoints: bool = False) -> BrandesColumns:
    """The program that sums the dependencies from ``sources`` (vertex numbers; ``None``: every vertex).

    ``graph`` is numbered ``0..n-1``; run the program on ``layered(graph)``, whose second
    layer's ``bc`` are the sums. A source without out-edges reaches no one, so it adds
    nothing (not even ends): it gets no column.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([0, 1], [1, 2])
    >>> pregel.run(layered(g), brandes(g)).values["bc"][3:].tolist()
    [0.0, 1.0, 0.0]
    """
    n = graph.num_vertices
    sources = np.arange(n) if sources is None else np.asarray(sources, dtype=np.int64)
    sources = sources[graph.out_degree[sources] > 0]
    return BrandesColumns(
        n=n, sources=tuple(sources.tolist()), batch=batch_size(n, max(sources.size, 1)), endpoints=endpoints
    )


def batch_size(num_vertices: int, num_sources: int) -> int:
    """Sources per batch: up to 64, fewer when the graph is large (the values hold a column per source).

    Examples
    --------
    >>> batch_size(100, 500), batch_size(100, 5), batch_size(10**6, 500)
    (64, 5, 2)
    """
    return max(1, min(MAX_BATCH, num_sources, COLUMN_BUDGET // max(num_vertices, 1)))


def betweenness(
    graph: Any,
    samples: int | None = None,
    seed: Any = None,
    normalized: bool = True,
    endpoints: bool = False,
    directed: bool | None = None,
    weighted: bool = False,
    backend: str = "local",
    api: str = "batch",
    **options: Any,
) -> pregel.Result:
    """Shortest-path betweenness centrality (Brandes), exact or from sampled sources, scaled as networkx does.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Paths are counted in hops, or by the edge weights with ``weighted``.
    samples : int, optional
        Sum the dependencies of this many sources, sampled as
        ``networkx.betweenness_centrality(G, k=samples, seed=seed)`` samples them from
        the vertices in id order (default: every vertex).
    seed : int or random.Random, optional
        The sampling seed (``None``: Python's global generator).
    normalized : bool
        Divide by the number of pairs of other vertices, as networkx does.
    endpoints : bool
        Count a path's ends as on it.
    directed : bool, optional
        Whether paths follow edge directions; ``False`` symmetrizes the graph (and
        halves unnormalized values, as networkx does for undirected graphs; with
        ``weighted``, a pair's two directions count as the lighter, where networkx's
        ``to_undirected`` keeps whichever weight it meets last). Default: a networkx
        graph's own, else directed.
    weighted : bool
        Shortest paths by weight (networkx's ``weight="weight"``), over positive weights
        (:mod:`pregel.algorithms.weighted_betweenness`); an unweighted graph's are in hops.
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` runs the sparse-matrix reference (:func:`pregel.algorithms.reference.betweenness`).
    api : {"batch"}
        There is only the vectorised program.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Betweenness aligned with ``graph.ids``.

    Raises
    ------
    InputError
        For fewer than 1 or more samples than vertices, a weight that is not positive with
        ``weighted``, or ``weighted`` with ``backend="scipy"``.

    Notes
    -----
    Agrees with ``networkx.betweenness_centrality(G, k=samples, normalized=normalized,
    endpoints=endpoints, seed=seed)`` (``weight="weight"`` with ``weighted``) for ``G``
    with the vertices in id order (the order networkx samples from).

    References
    ----------
    .. [1] U. Brandes, "A faster algorithm for betweenness centrality", J. Math.
       Sociol. 25(2), 2001.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 4])
    >>> betweenness(g).to_dict()
    {1: 0.0, 2: 0.3333333333333333, 3: 0.3333333333333333, 4: 0.0}
    >>> square = pregel.Graph.from_edges([1, 1, 2, 3], [2, 3, 4, 4], weights=[1.0, 2.0, 1.0, 2.0])
    >>> betweenness(square, weighted=True, normalized=False).to_dict()
    {1: 0.0, 2: 1.0, 3: 0.0, 4: 0.0}
    """
    if directed is None:
        directed = graph.is_directed() if hasattr(graph, "is_directed") and hasattr(graph, "adj") else True
    graph = as_graph(graph)
    if not directed:
        graph = graph.to_undirected()
    n = graph.num_vertices
    only_batch(api, "betweenness")
    chosen = sample_sources(graph.original_ids.tolist(), samples, seed)
    exact = len(chosen) == n
    sources = np.arange(n) if exact else graph.index_of(chosen)
    if weighted:
        positive_weights(graph, "weighted betweenness")
    weighted = weighted and by_weight(graph)
    if backend == "scipy":
        from pregel.algorithms import reference

        if weighted:
            raise pregel.InputError("the scipy reference counts paths in hops: weighted betweenness runs on pregel")
        raw = reference.betweenness(graph, sources, endpoints).values
    else:
        # vertices numbered 0..n-1: a batch's sources are then a range of ids, or a short list
        numbered = pregel.Graph(np.arange(n), graph.indptr, graph.indices, graph.weights if weighted else None)
        # the run's graph has two layers of the user's vertices, and the scale is the whole graph's: collected here
        collect = options.pop("collect", ())
        raw, result = dependencies(
            numbered,
            None if exact else sources,
            endpoints,
            lambda layers, program: pregel.run(layers, program, backend=backend, **options),
        )
    scaled = rescale_betweenness(raw, directed, normalized, endpoints, None if exact else sources)
    if backend == "scipy":
        return pregel.Result(graph, scaled, 1, [], {}, "halted")
    result.graph, result.values = graph, scaled
    # both layers stand for the user's vertices; the second's values (with the betweenness) show
    result.trace = result.trace and result.trace.told_of(graph, np.tile(np.arange(n), 2))
    result.collected = collect_on_driver(result, collect, options.get("workers") or 1)
    return result


def rescale_betweenness(
    raw: np.ndarray, directed: bool, normalized: bool, endpoints: bool, sampled: np.ndarray | None = None
) -> np.ndarray:
    """Sums of dependencies scaled as networkx's ``betweenness_centrality`` scales them (its ``_rescale``).

    ``sampled`` are the indices of the sampled sources (``None``: every vertex was one).

    Examples
    --------
    >>> rescale_betweenness(np.array([0.0, 2.0, 0.0]), directed=False, normalized=False, endpoints=False).tolist()
    [0.0, 1.0, 0.0]
    """
    n = raw.size
    k = None if sampled is None else len(sampled)
    pairs = n if endpoints else n - 1  # the ends t a path through v may have
    if pairs < 2:
        return raw
    k_source = pairs if k is None else k
    correction = 1 if directed else 2  # an undirected graph counts each pair once, not both ways
    if k is None or endpoints:
        scale = 1 / (k_source * (pairs - 1)) if normalized else pairs / (k_source * correction)
        return raw * scale if scale != 1 else raw
    # a sampled source is not among its own ends: it has one fewer source to be counted by
    if normalized:
        source_scale = 1 / ((k_source - 1) * (pairs - 1)) if k_source > 1 else math.nan
        other_scale = 1 / (k_source * (pairs - 1))
    else:
        source_scale = pairs / ((k_source - 1) * correction) if k_source > 1 else math.nan
        other_scale = pairs / (k_source * correction)
    scale = np.full(n, other_scale)
    scale[sampled] = source_scale
    return raw * scale


def networkx_betweenness(
    graph: pregel.Graph,
    samples: int | None = None,
    seed: Any = None,
    normalized: bool = True,
    endpoints: bool = False,
    directed: bool = True,
    weighted: bool = False,
) -> np.ndarray:
    """``networkx.betweenness_centrality`` on the same graph, aligned with ``graph.ids`` (for ``--compare``).

    With ``weighted``, shortest paths by the edge weights (networkx's ``weight="weight"``); not ``directed``,
    a pair's two directions weigh the lighter of their weights, as :func:`betweenness` takes them.

    Examples
    --------
    >>> networkx_betweenness(pregel.Graph.from_edges([1, 2], [2, 3])).tolist()
    [0.0, 0.5, 0.0]
    """
    import networkx as nx

    if not directed:
        # symmetrized first: a pair's two directions count as the lighter, as in betweenness (networkx's
        # to_undirected keeps whichever weight it meets last)
        graph = graph.to_undirected()
    g = graph.to_networkx(weights=weighted)
    if not directed:
        g = g.to_undirected()
    weight = "weight" if weighted and graph.weights is not None else None
    values = nx.betweenness_centrality(
        g, k=samples, normalized=normalized, endpoints=endpoints, seed=seed, weight=weight
    )
    return np.array([values[v] for v in graph.original_ids.tolist()])
