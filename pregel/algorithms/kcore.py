"""Core numbers: the largest k such that a vertex belongs to the k-core (every vertex in it has k neighbours in it).

Peeling in supersteps, at a level master compute announces: a vertex still in the graph
whose remaining degree is at most the level leaves it, with that level as its core
number, and tells its neighbours (a sum combiner adds up how many neighbours each
lost). While vertices leave, the level stays (their leaving may take others below
it); when none leaves, master compute raises the level to the smallest remaining
degree. A vertex's value is its remaining degree while it stays, ``-(core + 1)`` once it
has left.

The k-core itself (networkx's ``k_core``) comes a second way, by topology mutations
(:func:`k_core`): a vertex with fewer than k neighbours left removes itself, round after
round, until a round removes none; what stays is the k-core, each vertex with its degree
in it. The two cross-check each other: the k-core is the vertices of core number >= k.

The graph is undirected: the programs run on an undirected graph whose edge weights
count how many edges join the two vertices (1 for a simple graph, 2 for a pair of
opposite directed edges, which networkx's ``core_number`` counts twice on a directed
graph). Self-loops are refused, as networkx refuses them.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

import pregel
from pregel import Aggregator, BatchProgram, Count, Min, Sum, Vertex
from pregel.api.twin import twin
from pregel.core.types import Finished
from pregel.errors import InputError
from pregel.io.edges import as_graph


class Level(Aggregator):
    """The level of a superstep: every vertex that computes aggregates the one it peeled at (they agree).

    0 before anything was aggregated, so superstep 0 peels the isolated vertices.
    """

    identity = 0

    def lift(self, x: Any) -> int:
        return int(x)

    def merge(self, a: int, b: int) -> int:
        return max(a, b)


class _Peeling:
    """What both programs share: declarations, and master compute choosing the next level."""

    combiner = Sum
    value_dtype = np.int64
    initial_value = 0
    #: ``left``: vertices that left the graph in the superstep; ``lowest``: the smallest
    #: remaining degree of those that stay
    aggregators = {"level": Level, "left": Count, "lowest": Min}

    def master_compute(self, master: pregel.Master) -> None:
        level, lowest = master.aggregated("level"), master.aggregated("lowest")
        if not master.aggregated("left") and lowest != math.inf:
            master.set_aggregated("level", int(max(level, lowest)))


class CoreNumbers(_Peeling, BatchProgram):
    """Peeling over arrays (the fast path). Run it on an undirected graph; weights count parallel edges.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]).to_undirected()
    >>> -pregel.run(g, CoreNumbers).values - 1
    array([2, 2, 2, 1])
    """

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            edges = v.out_edges()
            v.values = np.bincount(edges.source, weights=edges.weight, minlength=v.size).astype(np.int64)
        stays = v.values >= 0
        v.vote_to_halt(~stays)  # vertices that left and that mail woke up go back to sleep
        degree = np.where(stays, v.values - v.messages.astype(np.int64), v.values)
        level = v.aggregated("level")
        v.aggregate("level", level)
        leaves = stays & (degree <= level)
        v.values = np.where(leaves, -level - 1, degree)
        v.aggregate("left", v.ids[leaves])
        v.aggregate("lowest", degree[stays & ~leaves])
        edges = v.out_edges(where=leaves)
        v.send_along(edges, edges.weight)
        v.vote_to_halt(leaves)


class CoreNumbersVertex(_Peeling, Vertex):
    """Peeling one vertex at a time. Run it on an undirected graph; weights count parallel edges.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]).to_undirected()
    >>> -pregel.run(g, CoreNumbersVertex).values - 1
    array([2, 2, 2, 1])
    """

    def compute(self, messages: float | None) -> None:
        if self.superstep == 0:
            self.value = int(sum(self.out_edges[1]))
        level = self.aggregated("level")
        self.aggregate("level", level)
        if self.value < 0:  # left already; mail woke it up
            self.vote_to_halt()
            return
        degree = self.value - (0 if messages is None else int(messages))
        if degree <= level:
            self.value = -level - 1
            self.aggregate("left", 1)
            for edge, weight in enumerate(self.out_edges[1]):
                self.send_message_along(edge, weight)
            self.vote_to_halt()
        else:
            self.value = degree
            self.aggregate("lowest", degree)


class _Pruning:
    """What both pruning programs share: k, and the count of vertices each round removed."""

    k = 1
    value_dtype = np.int64
    initial_value = 0
    aggregators = {"removed": Count}


class KCorePruning(_Pruning, BatchProgram):
    """The k-core by pruning over arrays: each round, the vertices of degree < k remove themselves.

    A vertex's value is its degree; when a round removed no vertex every vertex halts,
    and the graph left (``result.graph``) is the k-core. Run it on an undirected graph
    whose weights count parallel edges (:func:`undirected_counts`).

    Examples
    --------
    >>> g = undirected_counts(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> pregel.run(g, KCorePruning(k=2)).to_dict()
    {1: 2, 2: 2, 3: 2}
    """

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep > 0 and v.aggregated("removed") == 0:
            v.vote_to_halt()
            return
        edges = v.out_edges()
        degree = np.bincount(edges.source, weights=edges.weight, minlength=v.size).astype(np.int64)
        below = degree < self.k
        v.values = degree
        v.remove_vertices(v.ids[below])
        v.aggregate("removed", v.ids[below])


class KCorePruningVertex(_Pruning, Vertex):
    """The k-core by pruning, one vertex at a time: a vertex of degree < k removes itself.

    Examples
    --------
    >>> g = undirected_counts(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> pregel.run(g, KCorePruningVertex(k=2)).to_dict()
    {1: 2, 2: 2, 3: 2}
    """

    def compute(self, messages: None) -> None:
        if self.superstep > 0 and self.aggregated("removed") == 0:
            self.vote_to_halt()
            return
        self.value = int(sum(self.out_edges[1]))
        if self.value < self.k:
            self.remove_vertex(self.id)
            self.aggregate("removed", self.id)


def undirected_counts(graph: pregel.Graph) -> pregel.Graph:
    """The undirected graph of ``graph`` (weights ignored) with each edge weighing 1; InputError on a self-loop.

    Examples
    --------
    >>> undirected_counts(pregel.Graph.from_edges([1, 2], [2, 1])).edge_arrays()[2].tolist()
    [1.0, 1.0]
    """
    loops = np.flatnonzero(graph.sources == graph.indices)
    if loops.size:
        vertex = graph.original_ids[graph.sources[loops[0]]]
        raise InputError(
            f"vertex {vertex} has a self-loop ({loops.size} in all): core numbers are not defined with "
            "self-loops (networkx refuses them too); remove them first"
        )
    undirected = graph.to_undirected()
    return pregel.Graph(
        undirected.ids, undirected.indptr, undirected.indices, np.ones(undirected.num_edges), labels=undirected.labels
    )


def core_numbers(graph: Any, backend: str = "local", api: str = "batch", **options: Any) -> pregel.Result:
    """The core number of every vertex of the undirected graph.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge directions and weights are ignored (``u -> v`` and ``v -> u`` are one edge).
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` runs the reference instead (the same peeling with sparse
        matrix-vector products; scipy has no k-core of its own).
    api : {"batch", "scalar"}
        The vectorised program (fast) or its scalar twin.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Core numbers (``int64``) aligned with ``graph.ids``; -1 for the vertices still in
        the graph when the run stopped at ``max_supersteps``. ``result.graph`` is the
        graph given.

    Raises
    ------
    InputError
        If the graph has a self-loop.

    Examples
    --------
    >>> cores = core_numbers(pregel.Graph.from_edges([1, 2, 3, 3, 4], [2, 3, 1, 4, 5]))
    >>> cores.to_dict()
    {1: 2, 2: 2, 3: 2, 4: 1, 5: 1}
    """
    graph = as_graph(graph)
    counted = undirected_counts(graph)
    if backend == "scipy":
        from pregel.algorithms import reference

        return dataclasses.replace(reference.core_numbers(counted), graph=graph)
    program = twin(api, CoreNumbers, CoreNumbersVertex)()
    collect = [Finished(c, cores_of_levels) for c in options.pop("collect", ())]
    result = pregel.run(counted, program, backend=backend, collect=collect, **options)
    if result.values is None:  # the partitions wrote or picked the core numbers themselves
        return dataclasses.replace(result, graph=graph)
    return dataclasses.replace(result, graph=graph, values=cores_of_levels(result.values))


def cores_of_levels(values: np.ndarray) -> np.ndarray:
    """Core numbers from :class:`CoreNumbers`' values (``-level - 1`` once peeled; -1 where not peeled yet).

    Examples
    --------
    >>> cores_of_levels(np.array([-1, -3, 4])).tolist()
    [0, 2, -1]
    """
    return np.where(values < 0, -values - 1, -1)


def k_core(
    graph: Any, k: int | None = None, backend: str = "local", api: str = "batch", **options: Any
) -> pregel.Result:
    """The k-core of the undirected graph, by pruning with topology mutations; each vertex's degree in it.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge directions and weights are ignored (``u -> v`` and ``v -> u`` are one edge).
    k : int, optional
        The order of the core; default: the largest k with a non-empty k-core (the main
        core, as networkx's ``k_core``), found by :func:`core_numbers` first.
    backend : {"local", "ray", "scipy"}
        ``"scipy"``: the vertices of core number >= k from the scipy reference instead.
    api : {"batch", "scalar"}
        The vectorised program (fast) or its scalar twin.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        ``result.graph`` is the k-core (undirected: both directions of each edge, each
        weighing 1) and ``result.values`` the degree of each of its vertices in it.

    Raises
    ------
    InputError
        If ``k`` is negative or the graph has a self-loop.

    Examples
    --------
    >>> core = k_core(pregel.Graph.from_edges([1, 2, 3, 3, 4], [2, 3, 1, 4, 5]), k=2)
    >>> core.to_dict()
    {1: 2, 2: 2, 3: 2}
    """
    graph = as_graph(graph)
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0):
        raise InputError(f"k must be a non-negative integer, got {k!r}")
    counted = undirected_counts(graph)
    if k is None:
        cores = core_numbers(graph, backend=backend, **_run_options(options))
        k = int(cores.values.max()) if cores.values.size else 0
    if backend == "scipy":
        from pregel.algorithms import reference

        cores = reference.core_numbers(counted).values
        inside = np.flatnonzero(cores >= k)
        sub = counted.to_scipy()[inside][:, inside].tocsr()
        sub.sort_indices()
        labels = None if counted.labels is None else counted.labels[inside]
        kept = pregel.Graph(counted.ids[inside], sub.indptr.astype(np.int64), sub.indices, sub.data, labels=labels)
        degree = np.rint(np.asarray(sub.sum(axis=1)).ravel()).astype(np.int64)
        return pregel.Result(kept, degree, 1, [], {}, "halted")
    program = twin(api, KCorePruning, KCorePruningVertex)(k=int(k))
    return pregel.run(counted, program, backend=backend, **options)


def _run_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options of a run that finds the main core's k first (no checkpoints, progress or trace of its own)."""
    return {name: options[name] for name in ("workers", "threads", "ray_address") if name in options}


def networkx_k_core(graph: pregel.Graph, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """networkx's k-core of the undirected graph: its vertices (sorted) and their degrees in it.

    Examples
    --------
    >>> networkx_k_core(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]), 2)
    (array([1, 2, 3]), array([2, 2, 2]))
    """
    import networkx as nx

    from pregel.algorithms.triangles import networkx_undirected

    core = nx.k_core(networkx_undirected(graph), k)
    ids = np.array(sorted(core), dtype=graph.original_ids.dtype)
    return ids, np.array([core.degree(v) for v in ids.tolist()], dtype=np.int64)


def networkx_core_numbers(graph: pregel.Graph) -> np.ndarray:
    """networkx's core numbers of the undirected graph, aligned with ``graph.ids``.

    Examples
    --------
    >>> networkx_core_numbers(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])).tolist()
    [2, 2, 2, 1]
    """
    import networkx as nx

    from pregel.algorithms.triangles import networkx_undirected

    core = nx.core_number(networkx_undirected(graph))
    return np.array([core[v] for v in graph.original_ids.tolist()], dtype=np.int64)
