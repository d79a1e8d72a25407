"""PageRank with weighted links, a personalization vector, a dangling distribution and a start.

The general form networkx computes: a vertex passes its rank to its out-neighbours in
proportion to the weights of its out-edges; the walker jumps with probability 1 - d to
a vertex drawn from ``teleport``; the rank of dangling vertices (no out-edge, or only
edges of weight 0) goes to ``dangling_to``:

    PR(v) = (1 - d)·teleport(v) + d·(Σ PR(u)·w(u, v)/W(u) + dangling·dangling_to(v))

where W(u) is the total out-weight of u. With unit weights and uniform vectors it is
:class:`pregel.algorithms.pagerank.PageRank`. Weights are transition strengths, so negative
ones are refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram
from pregel.algorithms.pagerank import PageRankParameters
from pregel.api.twin import only_batch
from pregel.io.edges import as_graph


class WeightedPageRank(PageRankParameters, BatchProgram):
    """PageRank over weighted links, with optional per-vertex vectors.

    ``teleport``, ``dangling_to`` and ``start`` are arrays aligned with ``ids`` (the
    graph's sorted vertex ids), each summing to 1; ``None`` means uniform (and
    ``dangling_to=None`` means ``teleport``).

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 1], weights=[3.0, 1.0, 1.0])
    >>> ranks = pregel.run(g, WeightedPageRank(tol=1e-12))
    >>> [round(r, 4) for r in ranks.values.tolist()]
    [0.4264, 0.3774, 0.1962]
    """

    allow_negative_weights = False
    ids: np.ndarray | None = None
    teleport: np.ndarray | None = None
    dangling_to: np.ndarray | None = None
    start: np.ndarray | None = None

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return np.broadcast_to(self._per_vertex(self.start, v), (v.size,))

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep > 0:
            teleport = self._per_vertex(self.teleport, v)
            dangling_to = teleport if self.dangling_to is None else self._per_vertex(self.dangling_to, v)
            # (1 - d)·teleport + d·(messages + dangling·dangling_to), evaluated in place (these arrays span the
            # partition); each step is the same operation as written out, so the same bits
            ranks = v.messages
            ranks += v.aggregated("dangling") * dangling_to
            ranks *= self.damping
            ranks += (1 - self.damping) * teleport
            change = ranks - v.values
            v.aggregate("delta", np.abs(change, out=change))
            v.values = ranks
        v.aggregate("dangling", v.values.take(np.flatnonzero(v.cached("dangling", _dangling))))
        self.resend(v)

    def resend(self, v: pregel.VertexBatch) -> None:
        # each out-edge carries the vertex's rank times the edge's share of its out-weight
        v.send_to_all_neighbors(v.values / v.cached("out_weight", _divisor), weighted=True)

    def _per_vertex(self, vector: np.ndarray | None, v: pregel.VertexBatch) -> Any:
        """The entries of ``vector`` for the batch's vertices (uniform when there is none)."""
        if vector is None:
            # max: an empty graph's batch has no vertex to give it to
            return 1.0 / max(v.num_vertices, 1)
        return vector[v.cached("position", self._positions)]

    def _positions(self, v: pregel.VertexBatch) -> np.ndarray:
        """Where each vertex's entry is in the vectors (aligned with ``self.ids``)."""
        return np.searchsorted(self.ids, v.ids)


def _out_weight(v: pregel.VertexBatch) -> np.ndarray:
    """Each vertex's total out-weight, its edges' weights added in their order."""
    edges = v.out_edges()
    return np.bincount(edges.source, weights=edges.weight, minlength=v.size)


def _dangling(v: pregel.VertexBatch) -> np.ndarray:
    """Which vertices pass no rank along an edge (no out-edge, or only edges of weight 0)."""
    return _out_weight(v) == 0


def _divisor(v: pregel.VertexBatch) -> np.ndarray:
    """The out-weight, 1 where it is 0 (a dangling vertex sends only zeros)."""
    out_weight = _out_weight(v)
    return np.where(out_weight == 0, 1.0, out_weight)


def weighted_pagerank(
    graph: Any,
    damping: float = 0.85,
    tol: float = 1e-10,
    max_supersteps: int = 1000,
    teleport: dict[int, float] | None = None,
    dangling_to: dict[int, float] | None = None,
    start: dict[int, float] | None = None,
    api: str = "batch",
    **options: Any,
) -> pregel.Result:
    """PageRank following links in proportion to their weights (1 when unweighted).

    Parameters
    ----------
    graph : Graph, networkx.DiGraph, scipy sparse matrix or str
        Edge weights must not be negative.
    damping : float
        Probability of following a link.
    tol : float
        Stop when the L1 change of the rank vector in one superstep is below this.
    max_supersteps : int
        Stop here even if not converged.
    teleport, dangling_to, start : dict, optional
        Vertex id → weight (missing vertices get 0; normalised to sum 1): where a
        jump lands, where dangling rank goes (default: like ``teleport``), the start.
        ``None`` means uniform.
    api : {"batch"}
        There is only the vectorised program.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Ranks aligned with ``graph.ids``, summing to 1.

    Raises
    ------
    InputError
        For a negative weight, a damping factor outside [0, 1), or a vector that sums to 0.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    >>> r = weighted_pagerank(g, teleport={1: 1.0}, tol=1e-12)
    >>> [round(x, 4) for x in r.values.tolist()]
    [0.3887, 0.3304, 0.2809]
    """
    graph = as_graph(graph)
    only_batch(api, "weighted_pagerank")
    if not 0 <= damping < 1:
        raise pregel.InputError(f"damping must be in [0, 1), got {damping}")
    vectors = {
        name: None if given is None else normalized(graph, given, name)
        for name, given in (("teleport", teleport), ("dangling_to", dangling_to), ("start", start))
    }
    program = WeightedPageRank(damping=damping, tol=tol, ids=graph.ids, **vectors)
    return pregel.run(graph, program, max_supersteps=max_supersteps, **options)


def normalized(graph: pregel.Graph, weights: dict[Any, float], name: str) -> np.ndarray:
    """``weights`` as an array aligned with ``graph.ids``, scaled to sum 1 (ids not in the graph are ignored).

    Examples
    --------
    >>> normalized(pregel.Graph.from_edges([1], [2]), {2: 3.0, 9: 1.0}, "teleport").tolist()
    [0.0, 1.0]
    """
    vector = np.array([float(weights.get(v, 0.0)) for v in graph.ids.tolist()])
    total = vector.sum()
    if not np.isfinite(total) or total == 0:
        raise pregel.InputError(f"{name} must have a positive, finite total over the graph's vertices")
    return vector / total
