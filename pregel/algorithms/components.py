"""Connected components by HashMin: every vertex learns the smallest id in its component.

Directed input gives weakly connected components (edges are followed both ways).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Min, Vertex
from pregel.api.twin import twin
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
    program = twin(api, ConnectedComponents, ConnectedComponentsVertex)()
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
