"""Breadth-first search: hop counts from one or many sources along out-edges.

A vertex first reached in superstep S is S hops from the nearest source: the sources
start in superstep 0, and each newly reached vertex tells its out-neighbours, who are
reached one superstep later. Edge weights are ignored. Vertices no source reaches keep
``inf``, as in :mod:`pregel.algorithms.sssp` (hop counts are ``float64`` for that reason;
every finite one is a whole number).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Count, Min, Vertex
from pregel.api.twin import twin
from pregel.errors import InputError
from pregel.io.edges import as_graph


class BreadthFirst(BatchProgram):
    """Hops from the nearest of ``sources`` over arrays (the fast path).

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 2, 4, 7], [2, 3, 4, 5, 1])
    >>> pregel.run(g, BreadthFirst(sources=(1,))).to_dict()
    {1: 0.0, 2: 1.0, 3: 2.0, 4: 2.0, 5: 3.0, 7: inf}
    """

    combiner = Min
    initial_value = math.inf
    aggregators = {"reached": Count}
    sources: tuple[Any, ...] = ()
    # original ids (labels, where ids are strings), seen as the ids the program knows
    vertex_parameters = ("sources",)

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            reached = np.isin(v.ids, self.sources)
            v.values = np.where(reached, 0.0, v.values)
        else:
            # the first messages a vertex gets carry its hop count; later ones are never nearer
            reached = v.messages < v.values
            v.values = np.where(reached, v.messages, v.values)
        v.aggregate("reached", v.ids[reached])
        v.send_to_all_neighbors(v.values + 1.0, where=reached)
        v.vote_to_halt()


class BreadthFirstVertex(Vertex):
    """Hops from the nearest of ``sources`` as the Pregel paper would write it, one vertex at a time.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 2, 4, 7], [2, 3, 4, 5, 1])
    >>> pregel.run(g, BreadthFirstVertex(sources=(1, 4))).to_dict()
    {1: 0.0, 2: 1.0, 3: 2.0, 4: 0.0, 5: 1.0, 7: inf}
    """

    combiner = Min
    initial_value = math.inf
    aggregators = {"reached": Count}
    sources: tuple[Any, ...] = ()
    # original ids (labels, where ids are strings), seen as the ids the program knows
    vertex_parameters = ("sources",)

    def compute(self, messages: float | None) -> None:
        if self.superstep == 0 and self.id in self.sources:
            self.value = 0.0
            self.aggregate("reached", 1)
            self.send_message_to_all_neighbors(1.0)
        elif messages is not None and messages < self.value:
            self.value = messages
            self.aggregate("reached", 1)
            self.send_message_to_all_neighbors(messages + 1.0)
        self.vote_to_halt()


def bfs(graph: Any, sources: Any, backend: str = "local", api: str = "batch", **options: Any) -> pregel.Result:
    """Hop counts from the nearest of ``sources`` to every vertex, along out-edges.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge weights are ignored.
    sources : int, str or iterable of them
        Original ids of the source vertices (labels, in a graph with string ids;
        repeats are harmless).
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` runs ``scipy.sparse.csgraph.dijkstra(unweighted=True, min_only=True)``
        instead of the engine.
    api : {"batch", "scalar"}
        The vectorised program (fast) or its scalar twin.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Hop counts (``float64``) aligned with ``graph.ids``: 0 at the sources, ``inf`` where
        no source reaches.

    Raises
    ------
    InputError
        If no source is given, or one is not a vertex of the graph.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3, 4], [2, 3, 4, 5])
    >>> bfs(g, [1, 4]).to_dict()
    {1: 0.0, 2: 1.0, 3: 2.0, 4: 0.0, 5: 1.0}
    >>> bfs(g, 3).to_dict()
    {1: inf, 2: inf, 3: 0.0, 4: 1.0, 5: 2.0}
    """
    graph = as_graph(graph)
    ids = source_ids(graph, sources)
    if backend == "scipy":
        from pregel.algorithms import reference

        return reference.bfs(graph, ids)
    # by their original ids: pregel.run gives the program the ids it sees
    given = [sources] if np.isscalar(sources) else list(sources)
    program = twin(api, BreadthFirst, BreadthFirstVertex)(sources=tuple(dict.fromkeys(given)))
    return pregel.run(graph, program, backend=backend, **options)


def source_ids(graph: pregel.Graph, sources: Any, what: str = "source vertex") -> tuple[int, ...]:
    """``sources`` (original ids) as a tuple of the distinct ids programs see, in the order given.

    Raises InputError naming an unknown one.

    Examples
    --------
    >>> source_ids(pregel.Graph.from_edges([1], [2]), [2, 1, 2])
    (2, 1)
    >>> source_ids(pregel.Graph.from_edges(["x"], ["y"]), "y")
    (1,)
    """
    wanted = [sources] if np.isscalar(sources) else list(sources)
    if not wanted:
        raise InputError(f"no {what} given")
    return tuple(dict.fromkeys(graph.ids_of(wanted, what=what).tolist()))


def networkx_bfs(graph: pregel.Graph, sources: Iterable[Any]) -> np.ndarray:
    """networkx's BFS layers from ``sources`` as hop counts, aligned with ``graph.ids`` (``inf``: unreached).

    Examples
    --------
    >>> networkx_bfs(pregel.Graph.from_edges([1, 3], [2, 4]), [1]).tolist()
    [0.0, 1.0, inf, inf]
    """
    import networkx as nx

    hops = {}
    for level, layer in enumerate(nx.bfs_layers(graph.to_networkx(weights=False), list(sources))):
        hops.update(dict.fromkeys(layer, float(level)))
    return np.array([hops.get(v, math.inf) for v in graph.original_ids.tolist()])
