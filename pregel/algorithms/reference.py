"""The reference backend: the same algorithms as sparse linear algebra (scipy).

Independent of the engine, so it checks it: ``--check`` and the tests compare every
algorithm with these. Each returns a :class:`~pregel.core.engine.Result` like a run would.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from pregel.core.graph import Graph
from pregel.core.types import Result, SuperstepStats
from pregel.errors import NegativeCycleError


def pagerank(graph: Graph, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1000) -> Result:
    """PageRank by power iteration, dangling rank spread uniformly, stopping on L1 change < ``tol``.

    Each iteration corresponds to one superstep of the engine's PageRank (the first
    superstep only sends), so ``result.supersteps`` counts the same way.

    Examples
    --------
    >>> r = pagerank(Graph.from_edges([1, 2], [2, 1]), tol=1e-12)
    >>> r.values.round(6).tolist(), r.stopped_by
    ([0.5, 0.5], 'master')
    """
    n = graph.num_vertices
    degree = graph.out_degree
    dangling = degree == 0
    # column-stochastic transition matrix, transposed once so each step is one SpMV
    inv_degree = np.divide(1.0, degree, out=np.zeros(n), where=~dangling)
    transition = sp.csr_array((inv_degree[graph.sources], graph.indices, graph.indptr), shape=(n, n)).T.tocsr()
    ranks = np.full(n, 1.0 / n)
    stats, delta, superstep, stopped_by = [], np.inf, 1, "max_supersteps"
    while superstep < max_iter:
        start = time.perf_counter()
        new = (1 - damping) / n + damping * (transition @ ranks + ranks[dangling].sum() / n)
        delta = float(np.abs(new - ranks).sum())
        ranks = new
        stats.append(
            SuperstepStats(
                superstep, n, graph.num_edges, graph.num_edges, time.perf_counter() - start, {"delta": delta}
            )
        )
        superstep += 1
        if delta < tol:
            stopped_by = "master"
            break
    return Result(graph, ranks, superstep, stats, {"delta": delta}, stopped_by)


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
    """Hop counts from the nearest of ``sources`` by csgraph (unweighted Dijkstra, nearest source only).

    Examples
    --------
    >>> bfs(Graph.from_edges([1, 2, 3], [2, 3, 4]), (1, 3)).values.tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    start = time.perf_counter()
    indices = graph.index_of(list(sources), what="source vertex")
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
