"""Connected components: every vertex learns the smallest id in its component.

Directed input gives weakly connected components (edges are followed both ways).

:class:`ConnectedComponents` is HashMin, vertex by vertex as the Pregel paper has it: a
label moves one edge a superstep, so a graph of diameter d takes about d supersteps, each
over every vertex whose label fell. On a road network or a grid (300 × 300: 600
supersteps) that is most of the graph, hundreds of times. :class:`PartitionComponents`,
which :func:`connected_components` runs, first joins each partition's vertices along the
edges inside it (the "think like a graph" step of Tian et al., VLDB 2013) and then runs
HashMin between those pieces (:mod:`pregel.algorithms.pieces`): a label crosses a whole
piece in one superstep, so the supersteps follow the partitions, not the graph's diameter
(3 on that grid with 2 partitions, 1 with one partition). The labels are the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Min, Sum, Vertex
from pregel.algorithms.pieces import OwnEdges
from pregel.api.twin import twin
from pregel.core import kernels
from pregel.io.edges import as_graph


class ConnectedComponents(BatchProgram):
    """HashMin over arrays (the fast path). Run it on an undirected graph.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 7], [2, 3, 8]).to_undirected()
    >>> pregel.run(g, ConnectedComponents).to_dict()
    {1: 1, 2: 1, 3: 1, 7: 7, 8: 7}
    """

    combiner = Min
    value_dtype = np.int64
    values_are_ids = True

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return v.ids

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            changed = np.ones(v.size, dtype=bool)
        else:
            changed = v.messages < v.values
            v.values = np.minimum(v.messages, v.values)
        v.send_to_all_neighbors(v.values, where=changed)
        v.vote_to_halt()


class PartitionComponents(BatchProgram):
    """Connected components by pieces: each partition joins its own vertices first, then HashMin between the pieces.

    A *piece* is a component of the subgraph of one partition's vertices and the edges
    between them (:class:`~pregel.algorithms.pieces.OwnEdges`, joined by union-find once
    and kept for the run). Every
    vertex of a piece always holds the same label: the smallest id the piece has heard
    of. Superstep 0 labels each piece with its smallest id; after that a piece takes the
    smallest label any of its vertices received, and when that lowers its label, it goes
    along the piece's edges that leave the partition. The vertices compute
    every superstep (a piece changes as a whole, also where no message arrived); master
    compute ends the run after a superstep that sent nothing. Run it on an undirected
    graph.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 7], [2, 3, 8]).to_undirected()
    >>> result = pregel.run(g, PartitionComponents, workers=2)
    >>> result.to_dict()
    {1: 1, 2: 1, 3: 1, 7: 7, 8: 7}
    """

    combiner = Min
    value_dtype = np.int64
    values_are_ids = True
    aggregators = {"sent": Sum}

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return v.ids

    def compute(self, v: pregel.VertexBatch) -> None:
        own = v.kept("own", OwnEdges.of)
        first = v.kept("first", _first_of_piece)
        if v.superstep == 0:
            # values are ids: the piece's first vertex holds its smallest
            v.values = v.values[first]
            changed = own.leaving
        else:
            lowest = v.values.copy()
            np.minimum.at(lowest, first, v.messages)
            labels = lowest[first]
            changed = own.leaving & (labels < v.values)
            v.values = labels
        # inside the partition every vertex of a piece has its label already: only the edges that leave carry it
        edges = v.out_edges(where=changed)
        v.send_along(edges, v.values[edges.source], where=own.leaves[edges.positions])
        v.aggregate("sent", np.count_nonzero(changed))

    def master_compute(self, master: pregel.Master) -> None:
        # nothing sent: nothing in flight and no piece can change again
        if master.aggregated("sent") == 0:
            master.halt()


def _first_of_piece(w: pregel.VertexBatch) -> np.ndarray:
    """For each vertex, the position of the vertex with the smallest id in its piece (its component inside the
    partition)."""
    own = w.kept("own", OwnEdges.of)
    first = kernels.joined_first(own.ptr, own.idx)  # the piece's first position
    ids = w.ids
    if ids.size < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return first
    # positions not in id order: each piece's smallest id, by piece then id
    order = np.lexsort((ids, first))
    piece = first[order]
    starts = np.flatnonzero(np.r_[True, piece[1:] != piece[:-1]])
    smallest = np.empty(ids.size, dtype=np.int64)
    smallest[order] = np.repeat(order[starts], np.diff(np.r_[starts, ids.size]))
    return smallest


class ConnectedComponentsVertex(Vertex):
    """HashMin as the Pregel paper would write it, one vertex at a time.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 7], [2, 3, 8]).to_undirected()
    >>> pregel.run(g, ConnectedComponentsVertex).to_dict()
    {1: 1, 2: 1, 3: 1, 7: 7, 8: 7}
    """

    combiner = Min
    value_dtype = np.int64
    values_are_ids = True

    def initial_value(self) -> int:
        return self.id

    def compute(self, messages: int | None) -> None:
        if self.superstep == 0:
            self.send_message_to_all_neighbors(self.value)
        elif messages is not None and messages < self.value:
            self.value = messages
            self.send_message_to_all_neighbors(messages)
        self.vote_to_halt()


def connected_components(graph: Any, backend: str = "local", api: str = "batch", **options: Any) -> pregel.Result:
    """Label every vertex with the smallest original id of its (weakly) connected component.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge directions are ignored.
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` runs ``scipy.sparse.csgraph.connected_components`` instead.
    api : {"batch", "scalar"}
        The vectorised program (fast) or its scalar twin.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Labels (``int64``) aligned with ``graph.ids``. ``result.graph`` is the
        undirected view the program ran on.

    Examples
    --------
    >>> labels = connected_components(pregel.Graph.from_edges([5, 9], [6, 8]))
    >>> labels.to_dict()
    {5: 5, 6: 5, 8: 8, 9: 8}
    """
    graph = as_graph(graph)
    if backend == "scipy":
        from pregel.algorithms import reference

        return reference.components(graph)
    program = twin(api, PartitionComponents, ConnectedComponentsVertex)()
    return pregel.run(graph.to_undirected(), program, backend=backend, **options)


def networkx_components(graph: pregel.Graph) -> np.ndarray:
    """networkx's weakly connected components as smallest-id labels, aligned with ``graph.ids``.

    Examples
    --------
    >>> networkx_components(pregel.Graph.from_edges([5, 9], [6, 8])).tolist()
    [5, 5, 8, 8]
    """
    import networkx as nx

    label = {}
    for component in nx.weakly_connected_components(graph.to_networkx(weights=False)):
        smallest = min(component)
        label.update(dict.fromkeys(component, smallest))
    # networkx knows the original ids (labels); the engine's values are ids
    return graph.ids[graph.index_of([label[v] for v in graph.original_ids.tolist()])]
