"""The reference backend: the same algorithms as sparse linear algebra (scipy).

Independent of the engine, so it checks it: ``--check`` and the tests compare every
algorithm with these. Each returns a :class:`~pregel.core.engine.Result` like a run would.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from pregel.algorithms.columns import as_records, named
from pregel.core.graph import Graph
from pregel.core.types import Result, SuperstepStats
from pregel.errors import NegativeCycleError


def pagerank(
    graph: Graph, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1000, restart: np.ndarray | None = None
) -> Result:
    """PageRank by power iteration, dangling rank spread uniformly, stopping on L1 change < ``tol``.

    Each iteration corresponds to one superstep of the engine's PageRank (the first
    superstep only sends), so ``result.supersteps`` counts the same way. ``restart``
    (aligned with ``graph.ids``, summing to 1) personalizes it: jumps and dangling rank
    go there, as in ``networkx.pagerank(G, personalization=...)``.

    Examples
    --------
    >>> r = pagerank(Graph.from_edges([1, 2], [2, 1]), tol=1e-12)
    >>> r.values.round(6).tolist(), r.stopped_by
    ([0.5, 0.5], 'master')
    """
    n = graph.num_vertices
    if n == 0:
        # as the engine's run: one superstep, nothing to rank
        return Result(graph, np.zeros(0), 1, [], {"delta": 0.0}, "halted")
    dangling = graph.out_degree == 0
    transition = _transition(graph)
    ranks = np.full(n, 1.0 / n)
    stats, delta, superstep, stopped_by = [], np.inf, 1, "max_supersteps"
    while superstep < max_iter:
        start = time.perf_counter()
        if restart is None:
            new = (1 - damping) / n + damping * (transition @ ranks + ranks[dangling].sum() / n)
        else:
            new = (1 - damping) * restart + damping * (transition @ ranks + ranks[dangling].sum() * restart)
        delta = float(np.abs(new - ranks).sum())
        ranks = new
        stats.append(
            SuperstepStats(
                superstep, n, graph.num_edges, graph.num_edges, time.perf_counter() - start, {"delta": delta}
            )
        )
        superstep += 1
        if delta < tol or delta == 0:  # the engine's rule (pagerank.converged), restated here
            stopped_by = "master"
            break
    return Result(graph, ranks, superstep, stats, {"delta": delta}, stopped_by)


def personalized_pagerank(
    graph: Graph, sources: np.ndarray, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1000
) -> Result:
    """One personalized PageRank per source (vertex indices), as columns of one power iteration.

    Column ``j`` restarts at ``sources[j]``, where its dangling rank goes too. Stops
    when the L1 change summed over all columns is below ``tol``. The values are records
    with one field per source (named by its id), as the engine's program gives them.

    Examples
    --------
    >>> r = personalized_pagerank(Graph.from_edges([1, 2], [2, 1]), np.array([0]), damping=0.5, tol=1e-14)
    >>> [round(x, 6) for x in r.values["1"].tolist()]
    [0.666667, 0.333333]
    """
    n, k = graph.num_vertices, sources.size
    dangling = graph.out_degree == 0
    transition = _transition(graph)
    restart = np.zeros((n, k))
    restart[sources, np.arange(k)] = 1.0
    ranks = np.full((n, k), 1.0 / n)
    stats, delta, superstep, stopped_by = [], np.inf, 1, "max_supersteps"
    while superstep < max_iter:
        start = time.perf_counter()
        new = (1 - damping) * restart + damping * (transition @ ranks + ranks[dangling].sum(axis=0) * restart)
        delta = float(np.abs(new - ranks).sum())
        ranks = new
        stats.append(SuperstepStats(superstep, n, graph.num_edges, graph.num_edges, time.perf_counter() - start))
        superstep += 1
        if delta < tol or delta == 0:
            stopped_by = "master"
            break
    values = named(as_records(ranks), graph.original_ids[sources].tolist())
    return Result(graph, values, superstep, stats, {"delta": delta}, stopped_by)


def _transition(graph: Graph) -> sp.csr_array:
    """The column-stochastic transition matrix, transposed once so that each step is one product."""
    n = graph.num_vertices
    degree = graph.out_degree
    inv_degree = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
    return sp.csr_array((inv_degree[graph.sources], graph.indices, graph.indptr), shape=(n, n)).T.tocsr()


def sssp(graph: Graph, source: int) -> Result:
    """Shortest distances from ``source`` by csgraph: Dijkstra, or Bellman-Ford with negative weights.

    Examples
    --------
    >>> sssp(Graph.from_edges([1, 2], [2, 3], weights=[2.0, -1.0]), 1).values.tolist()
    [0.0, 2.0, 1.0]
    """
    start = time.perf_counter()
    s = int(graph.index_of(source, what="source vertex")[0])
    matrix = graph.to_scipy()
    negative = graph.weights is not None and (graph.weights < 0).any()
    if negative:
        _check_negative_cycle(graph, s, source)
        dist = csgraph.bellman_ford(matrix, directed=True, indices=s)
    else:
        dist = csgraph.dijkstra(matrix, directed=True, indices=s)
    stats = [SuperstepStats(0, graph.num_vertices, 0, 0, time.perf_counter() - start)]
    return Result(graph, np.asarray(dist, dtype=np.float64), 1, stats, {}, "halted")


def _check_negative_cycle(graph: Graph, s: int, source: int) -> None:
    """NegativeCycleError if a negative cycle can be reached from ``s`` (csgraph checks the whole graph)."""
    reach = csgraph.breadth_first_order(graph.to_scipy(), s, directed=True, return_predecessors=False)
    sub = graph.to_scipy()[reach][:, reach]
    try:
        csgraph.bellman_ford(sub, directed=True, indices=0)
    except csgraph.NegativeCycleError:
        raise NegativeCycleError(f"a negative cycle is reachable from source vertex {source}") from None


def components(graph: Graph) -> Result:
    """Weakly connected components, labelled by the smallest original id in each.

    Examples
    --------
    >>> components(Graph.from_edges([5, 9], [6, 8])).values.tolist()
    [5, 5, 8, 8]
    """
    return _components(graph, "weak")


def _components(graph: Graph, connection: str) -> Result:
    """csgraph's components labelled by the smallest original id in each."""
    start = time.perf_counter()
    _, labels = csgraph.connected_components(graph.to_scipy(), directed=True, connection=connection)
    smallest = np.full(labels.max() + 1 if labels.size else 0, np.iinfo(np.int64).max)
    np.minimum.at(smallest, labels, graph.ids)
    stats = [SuperstepStats(0, graph.num_vertices, 0, 0, time.perf_counter() - start)]
    return Result(graph, smallest[labels], 1, stats, {}, "halted", values_are_ids=True)


def bfs(graph: Graph, sources: tuple[int, ...]) -> Result:
    """Hop counts from the nearest of ``sources`` (ids as programs see them) by csgraph (unweighted Dijkstra).

    Examples
    --------
    >>> bfs(Graph.from_edges([1, 2, 3], [2, 3, 4]), (1, 3)).values.tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    start = time.perf_counter()
    indices = graph.index_of(graph.to_original(np.asarray(sources, dtype=np.int64)), what="source vertex")
    hops = csgraph.dijkstra(_edges(graph), directed=True, indices=indices, unweighted=True, min_only=True)
    stats = [SuperstepStats(0, graph.num_vertices, 0, 0, time.perf_counter() - start)]
    return Result(graph, np.asarray(hops, dtype=np.float64), 1, stats, {}, "halted")


def _edges(graph: Graph) -> sp.csr_array:
    """The adjacency matrix with every edge 1 (a weight of 0 would not be an edge to csgraph)."""
    n = graph.num_vertices
    return sp.csr_array((np.ones(graph.num_edges), graph.indices, graph.indptr), shape=(n, n))


def strong_components(graph: Graph) -> Result:
    """Strongly connected components, labelled by the smallest original id in each.

    Examples
    --------
    >>> strong_components(Graph.from_edges([5, 6, 6], [6, 5, 7])).values.tolist()
    [5, 5, 7]
    """
    return _components(graph, "strong")


def core_numbers(graph: Graph) -> Result:
    """Core numbers of an undirected graph whose weights count parallel edges, by peeling with matrix products.

    scipy has no k-core; this peels whole levels at a time with sparse matrix-vector
    products (a vertex's lost degree is the adjacency matrix times the leavers).

    Examples
    --------
    >>> g = Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]).to_undirected()
    >>> core_numbers(g).values.tolist()
    [2, 2, 2, 1]
    """
    start = time.perf_counter()
    adjacency = graph.to_scipy()
    degree = np.rint(adjacency.sum(axis=1)).astype(np.int64)
    core = np.full(graph.num_vertices, -1, dtype=np.int64)
    stays = np.ones(graph.num_vertices, dtype=bool)
    level = 0
    while stays.any():
        level = max(level, int(degree[stays].min()))
        leaves = stays & (degree <= level)
        while leaves.any():
            core[leaves], stays[leaves] = level, False
            degree -= np.rint(adjacency @ leaves.astype(np.float64)).astype(np.int64)
            leaves = stays & (degree <= level)
    stats = [SuperstepStats(0, graph.num_vertices, 0, 0, time.perf_counter() - start)]
    return Result(graph, core, 1, stats, {}, "halted")


def triangles(graph: Graph) -> Result:
    """Triangles per vertex of the undirected graph (self-loops ignored), by sparse products: diag(A³) / 2.

    ``result.aggregated`` holds the graph's ``triangles``, ``transitivity`` and
    ``average_clustering``, computed as networkx computes them.

    Examples
    --------
    >>> r = triangles(Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> r.values.tolist(), r.aggregated["triangles"], r.aggregated["transitivity"]
    ([1, 1, 1, 0], 1, 0.6)
    """
    start = time.perf_counter()
    undirected = graph.to_undirected()
    simple = undirected.sources != undirected.indices
    n = graph.num_vertices
    adjacency = sp.csr_array(
        (np.ones(int(simple.sum())), (undirected.sources[simple], undirected.indices[simple])), shape=(n, n)
    )
    corners = np.rint((adjacency @ adjacency).multiply(adjacency).sum(axis=1) / 2).astype(np.int64)
    degree = np.bincount(undirected.sources[simple], minlength=n).astype(np.int64)
    pairs = degree * (degree - 1)
    clustering = np.divide(2.0 * corners, pairs, out=np.zeros(n), where=corners > 0)
    total = int(corners.sum())
    aggregated = {
        "triangles": total // 3,
        "transitivity": 0 if total == 0 else total / int(pairs.sum() // 2),
        "average_clustering": float(clustering.sum()) / n if n else 0.0,
    }
    stats = [SuperstepStats(0, n, 0, 0, time.perf_counter() - start, aggregated)]
    return Result(graph, corners, 1, stats, aggregated, "halted")


def label_propagation(graph: Graph, synchronous: bool = False, max_iter: int | None = None) -> Result:
    """Label propagation on an undirected graph by sparse products, communities named by their smallest id.

    Semi-synchronous (networkx's rule): a sequential greedy colouring, largest degree
    first (a self-loop counts twice, ties by id); then rounds over the colours in order,
    each colour's vertices taking their neighbours' most frequent label (their own if
    it is one, else the largest), until every vertex holds one of its most frequent
    labels. Synchronous (GraphX's rule, ties to the smallest label): every vertex at
    once, until nothing changes or ``max_iter - 1`` updates (the engine's first
    superstep only sends).

    Examples
    --------
    >>> g = Graph.from_edges([1, 2, 3, 4, 5, 6, 3], [2, 3, 1, 5, 6, 4, 4]).to_undirected()
    >>> label_propagation(g).values.tolist()
    [1, 1, 1, 4, 4, 4]
    """
    start = time.perf_counter()
    n = graph.num_vertices
    adjacency = sp.csr_array((np.ones(graph.num_edges), graph.indices, graph.indptr), shape=(n, n))
    labels = np.arange(n)
    updates = 0
    if synchronous:
        limit = np.inf if max_iter is None else max_iter - 1
        while updates < limit:
            has, _, smallest, _ = _label_counts(adjacency, labels, labels)
            new = np.where(has, smallest, labels)
            if (new == labels).all():
                break
            labels, updates = new, updates + 1
    else:
        colors = _greedy_colors(graph)
        classes = [np.flatnonzero(colors == c) for c in range(colors.max(initial=-1) + 1)]
        while True:
            has, own, _, _ = _label_counts(adjacency, labels, labels)
            if not (has & ~own).any():
                break
            for members in classes:
                has, own, _, largest = _label_counts(adjacency[members], labels, labels[members])
                labels[members] = np.where(has & ~own, largest, labels[members])
                updates += 1
    _, group = np.unique(labels, return_inverse=True)
    smallest_id = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(smallest_id, group, graph.ids)
    stats = [SuperstepStats(0, n, 0, 0, time.perf_counter() - start)]
    return Result(graph, smallest_id[group], updates + 1, stats, {}, "halted", values_are_ids=True)


def _label_counts(
    rows: sp.csr_array, labels: np.ndarray, own: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: any neighbour, own label among the most frequent, smallest and largest most frequent label."""
    n = labels.size
    one_hot = sp.csr_array((np.ones(n), labels, np.arange(n + 1)), shape=(n, n))
    counts = (rows @ one_hot).tocsr()
    counts.sort_indices()
    k = rows.shape[0]
    has = np.diff(counts.indptr) > 0
    row = np.repeat(np.arange(k), np.diff(counts.indptr))
    most = np.zeros(k)
    np.maximum.at(most, row, counts.data)
    frequent = counts.data == most[row]
    smallest = np.full(k, n)
    np.minimum.at(smallest, row[frequent], counts.indices[frequent])
    largest = np.full(k, -1)
    np.maximum.at(largest, row[frequent], counts.indices[frequent])
    own_frequent = np.zeros(k, dtype=bool)
    own_frequent[row[frequent & (counts.indices == own[row])]] = True
    return has, own_frequent, smallest, largest


def _greedy_colors(graph: Graph) -> np.ndarray:
    """networkx's ``greedy_color`` with ``largest_first``, vertex by vertex."""
    n = graph.num_vertices
    loops = np.bincount(graph.sources[graph.sources == graph.indices], minlength=n)
    degree = graph.out_degree + loops
    colors = np.full(n, -1)
    for v in np.argsort(-degree, kind="stable").tolist():
        taken = colors[graph.indices[graph.indptr[v] : graph.indptr[v + 1]]]
        free = np.ones(taken.size + 1, dtype=bool)
        free[taken[(taken >= 0) & (taken <= taken.size)]] = False
        colors[v] = int(np.argmax(free))
    return colors


def betweenness(graph: Graph, sources: np.ndarray, endpoints: bool = False) -> Result:
    """Brandes' dependencies summed over ``sources`` (vertex indices), unscaled, by sparse products.

    The forward search is ``σ_next = Aᵀ (σ on the frontier)`` for a block of sources at a
    time; the backward sweep is ``δ_u += σ_u · (A ((1 + δ)/σ on the level below))_u``.
    :func:`pregel.algorithms.betweenness.rescale_betweenness` scales the sums as networkx does.

    Examples
    --------
    >>> betweenness(Graph.from_edges([1, 2], [2, 3]), np.arange(3)).values.tolist()
    [0.0, 1.0, 0.0]
    """
    start = time.perf_counter()
    n = graph.num_vertices
    adjacency = sp.csr_array((np.ones(graph.num_edges), graph.indices, graph.indptr), shape=(n, n))
    reverse = adjacency.T.tocsr()
    total = np.zeros(n)
    for lo in range(0, sources.size, 64):
        block = sources[lo : lo + 64]
        columns = np.arange(block.size)
        dist = np.full((n, block.size), -1)
        sigma = np.zeros((n, block.size))
        dist[block, columns], sigma[block, columns] = 0, 1.0
        level = 0
        while True:
            paths = reverse @ np.where(dist == level, sigma, 0.0)
            new = (dist < 0) & (paths > 0)
            if not new.any():
                break
            level += 1
            dist[new], sigma[new] = level, paths[new]
        delta = np.zeros((n, block.size))
        for deeper in range(level, 0, -1):
            here = dist == deeper
            share = np.where(here, (1.0 + delta) / np.where(here, sigma, 1.0), 0.0)
            delta += np.where(dist == deeper - 1, sigma * (adjacency @ share), 0.0)
        total += np.where(dist > 0, delta + endpoints, 0.0).sum(axis=1)
        if endpoints:
            np.add.at(total, block, (dist >= 0).sum(axis=0) - 1)
    stats = [SuperstepStats(0, n, 0, 0, time.perf_counter() - start)]
    return Result(graph, total, 1, stats, {}, "halted")
