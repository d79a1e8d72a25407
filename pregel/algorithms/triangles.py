"""Triangles per vertex of the undirected graph, with the global count, transitivity and average clustering.

The programs run on :func:`ranked`'s view of the graph: undirected, without self-loops,
vertices numbered 0..N-1 by degree (ties by id), so that a vertex's neighbours *above*
it are few even when its degree is high. Each triangle ``u < v < w`` is found once, at
its middle vertex, in three supersteps:

0. every vertex ``u`` sends each neighbour ``v`` above it the neighbours of ``u`` above
   ``v`` (a slice of its sorted row: no copy);
1. ``v`` keeps those that are its own neighbours too: each closes a triangle
   ``u < v < w``; ``v`` counts its own and tells ``u`` and ``w`` how many it found of theirs;
2. every vertex adds what it was told, and aggregates its triangles ``t``, its triples
   ``d (d - 1) / 2`` and its clustering ``t / (d (d - 1) / 2)``; master compute turns the
   sums into the number of triangles, the transitivity and the average clustering.

A triangle message is a list (of ``(u, neighbours)`` pairs, then of counts), and the
combiner joins the lists: a set of neighbours cannot be summed or minimised into one
number. The values are Python integers (``object``), as the combiner's messages are.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Combiner, Sum, Vertex
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


def _objects(items: list) -> np.ndarray:
    """An object array holding ``items`` as they are (numpy would read tuples and lists as rows)."""
    out = np.empty(len(items), dtype=object)
    for k, item in enumerate(items):
        out[k] = item
    return out


class _Counting:
    """What both programs share: declarations, and master compute's global numbers."""

    combiner = Collect
    value_dtype = object
    initial_value = 0
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

    def master_compute(self, master: pregel.Master) -> None:
        if master.superstep != 2:
            return
        corners, triples = master.aggregated("corners"), master.aggregated("triples")
        master.set_aggregated("triangles", corners // 3)
        # as networkx divides: 0 without triangles, else triangles over triples
        master.set_aggregated("transitivity", 0 if corners == 0 else corners / triples)
        master.set_aggregated("average_clustering", master.aggregated("clustering") / master.num_vertices)


class Triangles(_Counting, BatchProgram):
    """Triangles per vertex over arrays (the fast path). Run it on :func:`ranked`'s graph.

    Examples
    --------
    >>> g, _ = ranked(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> result = pregel.run(g, Triangles)
    >>> result.values.tolist(), result.aggregated["triangles"], result.aggregated["transitivity"]
    ([0, 1, 1, 1], 1, 0.6)
    """

    def compute(self, v: pregel.VertexBatch) -> None:
        edges = v.out_edges()
        above = edges.target > v.ids[edges.source]
        if v.superstep == 0:
            # a row is sorted, so the neighbours of u above v are the rest of u's row after v
            ends = np.cumsum(v.out_degree)[edges.source]
            sends = above & (np.arange(len(edges)) + 1 < ends)
            u, targets = v.ids[edges.source], edges.target
            lists = np.empty(len(edges), dtype=object)
            for k in np.flatnonzero(sends).tolist():
                lists[k] = [(int(u[k]), targets[k + 1 : ends[k]])]
            v.send_along(edges, lists, where=sends)
        elif v.superstep == 1:
            self._close_triangles(v, edges, above)
        else:
            told = [sum(m) if m is not None else 0 for m in v.messages.tolist()]
            triangles = np.array([int(x) for x in v.values], dtype=np.int64) + np.array(told, dtype=np.int64)
            self._account(v, triangles, v.out_degree)
            v.vote_to_halt()

    @staticmethod
    def _close_triangles(v: pregel.VertexBatch, edges: Any, above: np.ndarray) -> None:
        """Find the triangles whose middle vertex is in the batch; tell their other two corners."""
        owners, firsts, lasts = [], [], []
        for position, mail in enumerate(v.messages.tolist()):
            for u, neighbours in mail or ():
                owners.append(position)
                firsts.append(u)
                lasts.append(neighbours)
        count = np.zeros(v.size, dtype=np.int64)
        if owners:
            sizes = np.fromiter(map(len, lasts), dtype=np.int64, count=len(lasts))
            owner, first, last = np.repeat(owners, sizes), np.repeat(firsts, sizes), np.concatenate(lasts)
            # (v, w) is an edge of the batch when it is among the batch's (vertex, neighbour above) pairs
            n = v.num_vertices
            pairs = np.sort(v.ids[edges.source[above]] * n + edges.target[above])
            asked = v.ids[owner] * n + last
            at = np.minimum(np.searchsorted(pairs, asked), max(pairs.size - 1, 0))
            closes = pairs[at] == asked if pairs.size else np.zeros(asked.size, dtype=bool)
            owner, first, last = owner[closes], first[closes], last[closes]
            count = np.bincount(owner, minlength=v.size)
            corners, times = np.unique(np.concatenate([first, last]), return_counts=True)
            v.send(corners, _objects([[int(t)] for t in times.tolist()]))
        v.values = _objects(count.tolist())

    @staticmethod
    def _account(v: pregel.VertexBatch, triangles: np.ndarray, degree: np.ndarray) -> None:
        """Final counts, and their sums for master compute (clustering as networkx divides it)."""
        pairs = degree * (degree - 1)
        v.values = _objects(triangles.tolist())
        v.aggregate("corners", triangles)
        v.aggregate("triples", pairs // 2)
        clustering = np.divide(2.0 * triangles, pairs, out=np.zeros(v.size), where=triangles > 0)
        v.aggregate("clustering", clustering)


class TrianglesVertex(_Counting, Vertex):
    """Triangles per vertex one vertex at a time. Run it on :func:`ranked`'s graph.

    Examples
    --------
    >>> g, _ = ranked(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> pregel.run(g, TrianglesVertex).values.tolist()
    [0, 1, 1, 1]
    """

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
    loops = simple.sources == simple.indices
    degree = simple.out_degree - np.bincount(simple.sources[loops], minlength=simple.num_vertices)
    order = np.lexsort((np.arange(graph.num_vertices), degree))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    keep = ~loops
    g = pregel.Graph.from_edges(rank[simple.sources[keep]], rank[simple.indices[keep]], vertices=np.arange(order.size))
    return g, order


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
    program = {"batch": Triangles, "scalar": TrianglesVertex}[api]()
    result = pregel.run(view, program, backend=backend, **options)
    counts = np.empty(graph.num_vertices, dtype=np.int64)
    counts[order] = [int(t) for t in result.values]
    trace = result.trace and result.trace.told_of(graph.to_undirected(), order)
    return dataclasses.replace(result, graph=graph, values=counts, trace=trace)


def networkx_triangles(graph: pregel.Graph) -> np.ndarray:
    """networkx's triangles per vertex of the undirected graph, aligned with ``graph.ids``.

    Examples
    --------
    >>> networkx_triangles(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])).tolist()
    [1, 1, 1, 0]
    """
    import networkx as nx

    found = nx.triangles(networkx_undirected(graph))
    return np.array([found[v] for v in graph.ids.tolist()], dtype=np.int64)


def networkx_undirected(graph: pregel.Graph) -> Any:
    """The graph as a ``networkx.Graph``: each edge once, directions and weights dropped.

    Faster than ``graph.to_networkx().to_undirected()``, which copies every edge's attributes.

    Examples
    --------
    >>> networkx_undirected(pregel.Graph.from_edges([1, 2], [2, 1])).number_of_edges()
    1
    """
    import networkx as nx

    undirected = nx.Graph()
    undirected.add_nodes_from(graph.ids.tolist())
    undirected.add_edges_from(zip(*(ends.tolist() for ends in graph.edge_arrays()[:2])))
    return undirected
