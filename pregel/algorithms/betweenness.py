"""Betweenness centrality by Brandes' algorithm: a breadth-first search forward, dependencies backward.

For a source s, the forward search gives each vertex v its distance d(v) and the number
σ(v) of shortest paths from s (a vertex reached in superstep L sums the σ of the vertices
that reached it); the backward sweep, deepest level first, gives its dependency
δ(v) = Σ σ(v)/σ(w) · (1 + δ(w)) over the w one level deeper that v leads to. A vertex's
betweenness is the sum of its dependencies over all sources (or over sampled ones),
scaled as networkx scales it.

Many sources run side by side: a vertex keeps a distance and a σ per source of the
current batch, and a message carries an amount for one source. Master compute leads the
phases (:class:`BrandesBatches`): a batch's forward levels while vertices keep being
reached, then its backward levels down to 1, then the next batch, whose first superstep
adds the finished dependencies to each vertex's betweenness. Directed graphs run on a
two-way view (:func:`two_way`): an edge's weight says whether it leads forward (1),
backward (2) or both (3), so the backward sweep follows in-edges.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Sum
from pregel.algorithms.columns import ColumnSum, as_records, copied
from pregel.algorithms.phases import Echo
from pregel.io.edges import as_graph

FORWARD, BACKWARD = 0, 1
UNREACHED = -1
MAX_BATCH = 64
COLUMN_BUDGET = 1 << 21
"""A batch holds at most this many (vertex, source) pairs: the values of one superstep stay a few tens of MB."""


class BrandesBatches(BatchProgram):
    """Brandes' dependencies from ``sources`` (ids; or the first ``every_vertex`` ids), ``batch`` at a time.

    Run it on :func:`two_way`'s graph. A vertex keeps, per source of the batch, its
    distance and its number of shortest paths, and the range of its distances; a
    message is one ``(column, amount)`` pair, so a vertex at the frontier in a few
    columns sends a few numbers, not a row. A vertex's ``bc`` sums its dependencies (plus
    1 per source reaching it, and for a source the vertices it reaches, with
    ``endpoints``); :func:`betweenness` scales them.

    Examples
    --------
    >>> g = two_way(pregel.Graph.from_edges([1, 2], [2, 3]))
    >>> pregel.run(g, BrandesBatches(sources=(1, 2, 3), batch=2)).values["bc"].tolist()
    [0.0, 1.0, 0.0]
    """

    aggregators = {"batch": Echo, "backward": Echo, "level": Echo, "reached": Sum, "reach": ColumnSum}
    sources: tuple = ()
    every_vertex = 0
    batch = MAX_BATCH
    endpoints = False

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        width = (self.batch,)
        self.value_dtype = np.dtype(
            [
                ("dist", np.int32, width),
                ("sigma", np.float64, width),
                ("lowest", np.int32),
                ("highest", np.int32),
                ("bc", np.float64),
            ]
        )
        count = self.every_vertex or len(self.sources)
        self.batches = -(-count // self.batch)

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return np.zeros(v.size, dtype=self.value_dtype)

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            batch, backward, level = 0, FORWARD, 0
        else:
            batch, backward, level = (int(v.aggregated(name)) for name in ("batch", "backward", "level"))
        for name, value in (("batch", batch), ("backward", backward), ("level", level)):
            v.aggregate(name, value)
        values = copied(v.values)
        if backward:
            self._backward(v, level, values)
        elif level > 0:
            self._forward(v, level, values)
        else:
            if batch > 0 and self.endpoints:
                self._count_ends(v, batch - 1, values)
            if batch == self.batches:
                v.vote_to_halt()
            else:
                self._start(v, batch, values)
        v.values = values

    def _start(self, v: pregel.VertexBatch, batch: int, values: np.ndarray) -> None:
        """A new batch: every vertex forgets the last one; each source is at distance 0 on one path."""
        values["dist"], values["sigma"] = UNREACHED, 0.0
        values["lowest"], values["highest"] = np.iinfo(np.int32).max, UNREACHED
        row, column = self._sources_here(v, batch)
        values["dist"][row, column], values["sigma"][row, column] = 0, 1.0
        values["lowest"][row], values["highest"][row] = 0, 0
        v.aggregate("reached", row.size)
        self._send(v, row, column, np.ones(row.size), FORWARD_EDGE)

    def _forward(self, v: pregel.VertexBatch, level: int, values: np.ndarray) -> None:
        """Vertices reached for the first time in a column take the paths that reached them, and pass them on."""
        row, column, paths = _summed(v.all_messages, self.batch, v.size)
        new = values["dist"][row, column] == UNREACHED
        row, column, paths = row[new], column[new], paths[new]
        values["dist"][row, column], values["sigma"][row, column] = level, paths
        values["lowest"][row] = np.minimum(values["lowest"][row], level)
        values["highest"][row] = level
        v.aggregate("reached", row.size)
        self._send(v, row, column, paths, FORWARD_EDGE)

    def _backward(self, v: pregel.VertexBatch, level: int, values: np.ndarray) -> None:
        """Level ``level`` takes the dependencies from the level below it, adds them up, and passes them on."""
        ranging = np.flatnonzero((values["lowest"] <= level) & (values["highest"] >= level))
        at, column = np.nonzero(values["dist"][ranging] == level)
        row = ranging[at]
        sigma = values["sigma"][row, column]
        # what came from the level below, for each (row, column) of this level
        below = np.zeros(row.size)
        got_row, got_column, got = _summed(v.all_messages, self.batch, v.size)
        pair, got_pair = row * self.batch + column, got_row * self.batch + got_column
        spot = np.minimum(np.searchsorted(pair, got_pair), max(pair.size - 1, 0))
        mine = pair[spot] == got_pair if pair.size else np.zeros(got_pair.size, bool)
        below[spot[mine]] = got[mine]
        delta = sigma * below
        values["bc"] += np.bincount(row, weights=delta + self.endpoints, minlength=v.size)
        if level > 1:
            self._send(v, row, column, (1.0 + delta) / sigma, BACKWARD_EDGE)
        elif self.endpoints:
            v.aggregate("reach", as_records((values["dist"] >= 0).astype(np.float64)))

    def _count_ends(self, v: pregel.VertexBatch, batch: int, values: np.ndarray) -> None:
        """With endpoints, a source counts every other vertex it reached as the end of a path through it."""
        reach = v.aggregated("reach")
        if np.ndim(reach):  # else the batch reached nothing beyond its sources
            row, column = self._sources_here(v, batch)
            np.add.at(values["bc"], row, np.asarray(reach)[column] - 1)

    def _sources_here(self, v: pregel.VertexBatch, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """The batch's sources among these vertices: their rows (sorted), and their columns in the batch."""
        lo = batch * self.batch
        if self.every_vertex:
            sources = np.arange(lo, min(lo + self.batch, self.every_vertex))
        else:
            sources = np.array(self.sources[lo : lo + self.batch], dtype=np.int64)
        row = np.searchsorted(v.ids, sources)
        here = row < v.size
        here[here] = v.ids[row[here]] == sources[here]
        row, column = row[here], np.flatnonzero(here)
        order = np.argsort(row)
        return row[order], column[order]

    def _send(self, v: pregel.VertexBatch, row: np.ndarray, column: np.ndarray, amount: np.ndarray, way: int) -> None:
        """Each ``(row, column)`` pair (rows sorted) sends its ``amount`` along its row's edges that go ``way``."""
        if not row.size:
            return
        senders = np.zeros(v.size, dtype=bool)
        senders[row] = True
        edges = v.out_edges(where=senders)
        along = (edges.weight.astype(np.int8) & way) > 0
        source, target = edges.source[along], edges.target[along]
        # the edges of each pair's row, one block per pair
        start, stop = np.searchsorted(source, row, "left"), np.searchsorted(source, row, "right")
        count = stop - start
        edge = np.arange(count.sum()) + np.repeat(start - np.cumsum(count) + count, count)
        message = np.empty(edge.size, dtype=MESSAGE)
        message["column"], message["amount"] = np.repeat(column, count), np.repeat(amount, count)
        v.send(target[edge], message)

    def master_compute(self, master: Any) -> None:
        batch, backward, level = (master.aggregated(name) for name in ("batch", "backward", "level"))
        if batch == self.batches:
            master.halt()
            return
        if not backward and master.aggregated("reached") > 0:
            following = (batch, FORWARD, level + 1)
        elif not backward and level - 1 >= 1:
            following = (batch, BACKWARD, level - 1)  # the deepest level reached is level - 1
        elif backward and level > 1:
            following = (batch, BACKWARD, level - 1)
        else:
            following = (batch + 1, FORWARD, 0)
        for name, value in zip(("batch", "backward", "level"), following):
            master.set_aggregated(name, value)


MESSAGE = np.dtype([("column", np.int32), ("amount", np.float64)])
"""A message: an amount (paths forward, a share of dependency backward) for one source of the batch."""


def _summed(got: Any, width: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Messages added up per (receiver, column): rows, columns and sums, sorted by row then column."""
    if not len(got):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    pair = got.receiver.astype(np.int64) * width + got.values["column"]
    if 4 * len(got) >= size * width:
        # many messages: add them into every pair at once (amounts are positive, so a pair got mail where its
        # sum is not zero)
        sums = np.bincount(pair, weights=got.values["amount"], minlength=size * width)
        pair = np.flatnonzero(sums)
        return pair // width, pair % width, sums[pair]
    order = np.argsort(pair, kind="stable")
    pair, amount = pair[order], got.values["amount"][order]
    first = np.flatnonzero(np.diff(pair, prepend=-1))
    return pair[first] // width, pair[first] % width, np.add.reduceat(amount, first)


FORWARD_EDGE, BACKWARD_EDGE = 1, 2


def two_way(graph: pregel.Graph) -> pregel.Graph:
    """The graph with every edge in both directions, weighted 1 (forward only), 2 (backward only) or 3 (both).

    Vertices keep their ids; weights are replaced.

    Examples
    --------
    >>> two_way(pregel.Graph.from_edges([1, 2], [2, 1])).weights.tolist()
    [3.0, 3.0]
    >>> two_way(pregel.Graph.from_edges([1], [2])).weights.tolist()
    [1.0, 2.0]
    """
    n = graph.num_vertices
    sources, targets = graph.sources.astype(np.int64), graph.indices.astype(np.int64)
    keys = np.concatenate([sources * n + targets, targets * n + sources])
    flags = np.concatenate([np.full(sources.size, FORWARD_EDGE), np.full(sources.size, BACKWARD_EDGE)])
    unique, inverse = np.unique(keys, return_inverse=True)
    directions = np.bincount(inverse, weights=flags, minlength=unique.size)
    ends = graph.ids[unique // max(n, 1)], graph.ids[unique % max(n, 1)]
    return pregel.Graph.from_edges(*ends, weights=directions, vertices=graph.ids)


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
    if not 0 <= samples <= len(ids):
        raise pregel.InputError(f"{samples} samples is more than the graph's {len(ids)} vertices")
    generator = random if seed is None else seed if isinstance(seed, random.Random) else random.Random(seed)
    return generator.sample(list(ids), samples)


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
    backend: str = "local",
    api: str = "batch",
    **options: Any,
) -> pregel.Result:
    """Shortest-path betweenness centrality (Brandes), exact or from sampled sources, scaled as networkx does.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge weights are ignored (paths are counted in hops).
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
        halves unnormalized values, as networkx does for undirected graphs). Default:
        a networkx graph's own, else directed.
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
        For more samples than vertices, or an empty graph.

    Notes
    -----
    Agrees with ``networkx.betweenness_centrality(G, k=samples, normalized=normalized,
    endpoints=endpoints, seed=seed)`` for ``G`` with the vertices in id order (the order
    networkx samples from).

    References
    ----------
    .. [1] U. Brandes, "A faster algorithm for betweenness centrality", J. Math.
       Sociol. 25(2), 2001.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 4])
    >>> betweenness(g).to_dict()
    {1: 0.0, 2: 0.3333333333333333, 3: 0.3333333333333333, 4: 0.0}
    """
    if directed is None:
        directed = graph.is_directed() if hasattr(graph, "is_directed") and hasattr(graph, "adj") else True
    graph = as_graph(graph)
    if not directed:
        graph = graph.to_undirected()
    n = graph.num_vertices
    if n == 0:
        raise pregel.InputError("the graph has no vertices")
    if api != "batch":
        raise pregel.InputError("betweenness has only the batch API")
    chosen = sample_sources(graph.ids.tolist(), samples, seed)
    exact = len(chosen) == n
    sources = np.arange(n) if exact else graph.index_of(np.array(chosen, dtype=np.int64))
    from pregel.algorithms import reference

    if backend == "scipy":
        raw = reference.betweenness(graph, sources, endpoints).values
    else:
        # vertices numbered 0..n-1: a batch's sources are then a range of ids, or a short list
        numbered = pregel.Graph(np.arange(n), graph.indptr, graph.indices)
        program = BrandesBatches(
            sources=() if exact else tuple(sources.tolist()),
            every_vertex=n if exact else 0,
            batch=batch_size(n, len(chosen)),
            endpoints=endpoints,
        )
        result = pregel.run(two_way(numbered), program, backend=backend, **options)
        raw = result.values["bc"]
    scaled = reference.rescale_betweenness(raw, directed, normalized, endpoints, None if exact else sources)
    if backend == "scipy":
        return pregel.Result(graph, scaled, 1, [], {}, "halted")
    result.graph, result.values = graph, scaled
    result.trace = result.trace and result.trace.told_of(graph)
    return result


def networkx_betweenness(
    graph: pregel.Graph,
    samples: int | None = None,
    seed: Any = None,
    normalized: bool = True,
    endpoints: bool = False,
    directed: bool = True,
) -> np.ndarray:
    """``networkx.betweenness_centrality`` on the same graph, aligned with ``graph.ids`` (for ``--compare``).

    Examples
    --------
    >>> networkx_betweenness(pregel.Graph.from_edges([1, 2], [2, 3])).tolist()
    [0.0, 0.5, 0.0]
    """
    import networkx as nx

    g = graph.to_networkx(weights=False)
    if not directed:
        g = g.to_undirected()
    values = nx.betweenness_centrality(g, k=samples, normalized=normalized, endpoints=endpoints, seed=seed)
    return np.array([values[v] for v in graph.ids.tolist()])
