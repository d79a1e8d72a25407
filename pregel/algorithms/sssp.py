"""Single-source shortest paths: Bellman-Ford as message passing, with a Min combiner.

Weights come from the graph (1 when unweighted). Negative weights are allowed; a
negative cycle reachable from the source is reported as a NegativeCycleError. Vertices
the source cannot reach keep distance ``inf``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Count, Min, Vertex
from pregel.api.twin import twin
from pregel.io.edges import as_graph


class _ShortestPathParameters:
    """Parameters and the negative-cycle check shared by both programs."""

    aggregators = {"improved": Count}
    combiner = Min
    initial_value = math.inf
    source: Any = None
    sources: tuple = ()
    # given by original id (a label, where ids are strings), seen as the id the program knows; an unknown one is
    # refused before superstep 0
    vertex_parameters = ("source", "sources")

    @property
    def starts(self) -> list[Any]:
        """The ids that start at distance 0: ``source`` and ``sources``."""
        return [s for s in (self.source, *self.sources) if s is not None]

    def master_compute(self, master: Any) -> None:
        # a shortest path has at most N - 1 edges, so an improvement in superstep N
        # or later can only come from going round a negative cycle
        if master.superstep >= master.num_vertices and master.aggregated("improved"):
            starts = self.starts
            named = f"vertex {starts[0]}" if len(starts) == 1 else f"vertices {', '.join(map(str, starts))}"
            raise pregel.NegativeCycleError(f"a negative cycle is reachable from source {named}")


class ShortestPaths(_ShortestPathParameters, BatchProgram):
    """Shortest distances from ``source`` over arrays (the fast path).

    ``sources`` (ids) start at distance 0 too: the distance from the nearest of them,
    as networkx's ``multi_source_dijkstra_path_length``.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 1], [2, 3, 3], weights=[1.0, 1.0, 3.0])
    >>> pregel.run(g, ShortestPaths(source=1)).to_dict()
    {1: 0.0, 2: 1.0, 3: 2.0}
    >>> pregel.run(g, ShortestPaths(sources=(1, 3))).to_dict()
    {1: 0.0, 2: 1.0, 3: 0.0}
    """

    def compute(self, v: pregel.VertexBatch) -> None:
        candidate = v.messages
        if v.superstep == 0:
            # the ids as given, not cast to the vertices' dtype (where 1.5 would become vertex 1)
            candidate = np.where(np.isin(v.ids, np.asarray(self.starts)), 0.0, candidate)
        improved = candidate < v.values
        v.values = np.where(improved, candidate, v.values)
        v.aggregate("improved", v.ids[improved])
        edges = v.out_edges(where=improved)
        v.send_along(edges, v.values[edges.source] + edges.weight)
        v.vote_to_halt()


class ShortestPathsVertex(_ShortestPathParameters, Vertex):
    """Shortest distances as in the Pregel paper, one vertex at a time (from ``source`` and ``sources``).

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 1], [2, 3, 3], weights=[1.0, 1.0, 3.0])
    >>> pregel.run(g, ShortestPathsVertex(source=1)).to_dict()
    {1: 0.0, 2: 1.0, 3: 2.0}
    """

    def compute(self, messages: float | None) -> None:
        best = 0.0 if self.superstep == 0 and (self.id == self.source or self.id in self.sources) else math.inf
        if messages is not None:
            best = min(best, messages)
        if best < self.value:
            self.value = best
            self.aggregate("improved", 1)
            # along each out-edge by its number: no lookup of the neighbour by id
            for edge, weight in enumerate(self.out_edges[1]):
                self.send_message_along(edge, best + weight)
        self.vote_to_halt()


def sssp(graph: Any, source: Any, backend: str = "local", api: str = "batch", **options: Any) -> pregel.Result:
    """Shortest-path distances from ``source`` to every vertex.

    Parameters
    ----------
    graph : Graph, networkx.DiGraph, scipy sparse matrix or str
        Edge weights are the distances (1 when unweighted); negative ones are allowed.
    source : int or str
        Original id of the source vertex (its label, in a graph with string ids).
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` runs ``scipy.sparse.csgraph`` (Dijkstra, or Bellman-Ford when a
        weight is negative) instead of the engine.
    api : {"batch", "scalar"}
        The vectorised program (fast) or its scalar twin.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Distances aligned with ``graph.ids``; ``inf`` where unreachable.

    Raises
    ------
    InputError
        If ``source`` is not a vertex of the graph.
    NegativeCycleError
        If a negative cycle is reachable from ``source``.

    Examples
    --------
    >>> d = sssp(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1], weights=[2.0, 2.0, 2.0]), source=2)
    >>> d.to_dict()
    {1: 4.0, 2: 0.0, 3: 2.0}
    """
    graph = as_graph(graph)
    if backend == "scipy":
        from pregel.algorithms import reference

        graph.ids_of(source, what="source vertex")  # an unknown source is named as such
        return reference.sssp(graph, source)
    # by its original id: pregel.run gives the program the id it sees (a labelled graph's source is a label), and
    # names an unknown one
    program = twin(api, ShortestPaths, ShortestPathsVertex)(source=source)
    return pregel.run(graph, program, backend=backend, **options)


def networkx_sssp(graph: pregel.Graph, source: Any) -> np.ndarray:
    """networkx's Bellman-Ford distances from ``source``, aligned with ``graph.ids``.

    Examples
    --------
    >>> networkx_sssp(pregel.Graph.from_edges([1, 3], [2, 4]), 1).tolist()
    [0.0, 1.0, inf, inf]
    """
    import networkx as nx

    try:
        dist = nx.single_source_bellman_ford_path_length(graph.to_networkx(), source)
    except nx.NetworkXUnbounded as exc:
        raise pregel.NegativeCycleError(f"a negative cycle is reachable from source vertex {source}") from exc
    return np.array([float(dist.get(v, math.inf)) for v in graph.original_ids.tolist()])
