"""PageRank, with the rank of dangling vertices spread uniformly so that ranks sum to 1.

PR(v) = (1 - d)/N + d * (sum of PR(u)/outdeg(u) over in-neighbours u + dangling/N),
where ``dangling`` is the total rank of vertices without out-edges. The run stops when
the L1 change of a superstep falls below ``tol`` (an aggregator read by master
compute), or at ``max_supersteps``.

Personalized, the walker restarts from a distribution p instead of uniformly, and the
rank of dangling vertices goes to p too (networkx's ``pagerank(G, personalization=p)``):
PR(v) = (1 - d) p(v) + d * (sum of PR(u)/outdeg(u) + dangling p(v)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Sum, Vertex
from pregel.api.twin import twin
from pregel.io.edges import as_graph


def converged(delta: float, tol: float) -> bool:
    """PageRank's stopping rule: the L1 change of the ranks in a superstep is below ``tol``, or none at all
    (so that ``tol=0`` stops once the ranks no longer change).

    Examples
    --------
    >>> converged(1e-11, 1e-10), converged(0.0, 0.0), converged(1e-300, 0.0)
    (True, True, False)
    """
    return delta < tol or delta == 0


class PageRankParameters:
    """Parameters and the stopping rule shared by both PageRank programs."""

    aggregators = {"dangling": Sum, "delta": Sum}
    combiner = Sum
    damping = 0.85
    tol = 1e-10

    def master_compute(self, master: Any) -> None:
        if master.superstep > 0 and converged(master.aggregated("delta"), self.tol):
            master.halt()


class PageRank(PageRankParameters, BatchProgram):
    """PageRank over arrays (the fast path).

    ``personalization`` is ``((id, weight), ...)`` with weights summing to 1 (see
    :func:`restart_pairs`); empty, the restart is uniform.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3])
    >>> ranks = pregel.run(g, PageRank(tol=1e-12))
    >>> [round(r, 4) for r in ranks.values.tolist()]
    [0.1976, 0.2816, 0.5209]
    >>> ranks = pregel.run(g, PageRank(tol=1e-12, personalization=((1, 1.0),)))
    >>> [round(r, 4) for r in ranks.values.tolist()]
    [0.4522, 0.1922, 0.3556]
    """

    personalization: tuple = ()

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        # max: a graph without vertices has no vertex to start, and no division by zero either
        return np.full(v.size, 1.0 / max(v.num_vertices, 1))

    def compute(self, v: pregel.VertexBatch) -> None:
        n = v.num_vertices
        if v.superstep > 0 and self.personalization:
            restart = v.cached("restart", self._restart)
            ranks = v.messages
            ranks += v.aggregated("dangling") * restart
            ranks *= self.damping
            ranks += (1 - self.damping) * restart
            change = ranks - v.values
            v.aggregate("delta", np.abs(change, out=change))
            v.values = ranks
        elif v.superstep > 0:
            # the scalar twin's formula, evaluated in place: these arrays span the partition
            ranks = v.messages
            ranks += v.aggregated("dangling") / n
            ranks *= self.damping
            ranks += (1 - self.damping) / n
            change = ranks - v.values
            v.aggregate("delta", np.abs(change, out=change))
            v.values = ranks
        # the dangling ranks alone, in vertex order: the very numbers the scalar twin
        # contributes, so the partition's one reduction gives both the same sum, bit for bit
        v.aggregate("dangling", v.values.take(np.flatnonzero(v.cached("dangling", _dangling))))
        self.resend(v)

    def resend(self, v: pregel.VertexBatch) -> None:
        # what compute sends, from the values alone: checkpoints need not store the messages
        v.send_to_all_neighbors(v.values / v.cached("degree", _degree))

    def _restart(self, v: pregel.VertexBatch) -> np.ndarray:
        """The restart probability of each vertex."""
        ids, weights = (np.array(column) for column in zip(*self.personalization))
        restart = np.zeros(v.size)
        at = np.minimum(np.searchsorted(v.ids, ids), max(v.size - 1, 0))
        here = v.ids[at] == ids if v.size else np.zeros(ids.size, bool)
        restart[at[here]] = weights[here]
        return restart


def _dangling(v: pregel.VertexBatch) -> np.ndarray:
    """Which vertices have no out-edges."""
    return v.out_degree == 0


def _degree(v: pregel.VertexBatch) -> np.ndarray:
    """Out-degree as floats (no conversion per superstep); 1 where a vertex has no out-edges, so it sends nothing."""
    return np.maximum(v.out_degree, 1).astype(np.float64)


class PageRankVertex(PageRankParameters, Vertex):
    """PageRank as the Pregel paper writes it, one vertex at a time.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3])
    >>> ranks = pregel.run(g, PageRankVertex(tol=1e-12))
    >>> [round(r, 4) for r in ranks.values.tolist()]
    [0.1976, 0.2816, 0.5209]
    """

    def initial_value(self) -> float:
        return 1.0 / self.num_vertices

    def compute(self, messages: float | None) -> None:
        n = self.num_vertices
        if self.superstep > 0:
            rank = (1 - self.damping) / n + self.damping * ((messages or 0.0) + self.aggregated("dangling") / n)
            self.aggregate("delta", abs(rank - self.value))
            self.value = rank
        if self.out_degree:
            self.send_message_to_all_neighbors(self.value / self.out_degree)
        else:
            self.aggregate("dangling", self.value)


class PersonalizedPageRankVertex(PageRankParameters, Vertex):
    """Personalized PageRank one vertex at a time: the walker restarts from ``personalization``.

    ``personalization`` is ``((id, weight), ...)`` with weights summing to 1. Each vertex
    looks its own weight up, which costs a pass over the pairs: the twin to read, not to
    run with many of them.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3])
    >>> ranks = pregel.run(g, PersonalizedPageRankVertex(tol=1e-12, personalization=((1, 1.0),)))
    >>> [round(r, 4) for r in ranks.values.tolist()]
    [0.4522, 0.1922, 0.3556]
    """

    personalization: tuple = ()

    def initial_value(self) -> float:
        return 1.0 / self.num_vertices

    def compute(self, messages: float | None) -> None:
        if self.superstep > 0:
            restart = 0.0
            for vertex, weight in self.personalization:
                if vertex == self.id:
                    restart = weight
            spread = (messages or 0.0) + self.aggregated("dangling") * restart
            rank = (1 - self.damping) * restart + self.damping * spread
            self.aggregate("delta", abs(rank - self.value))
            self.value = rank
        if self.out_degree:
            self.send_message_to_all_neighbors(self.value / self.out_degree)
        else:
            self.aggregate("dangling", self.value)


def pagerank(
    graph: Any,
    damping: float = 0.85,
    tol: float = 1e-10,
    max_supersteps: int = 1000,
    personalization: Mapping[int, float] | Iterable[int] | None = None,
    backend: str = "local",
    api: str = "batch",
    **options: Any,
) -> pregel.Result:
    """Rank vertices by PageRank, spreading the rank of dangling vertices uniformly (or by ``personalization``).

    Parameters
    ----------
    graph : Graph, networkx.DiGraph, scipy sparse matrix or str
        The graph, or the path of an edge list. Edge weights are ignored.
    damping : float
        Probability of following a link (``0 <= damping < 1``).
    tol : float
        Stop when the L1 change of the rank vector in one superstep is below this.
    max_supersteps : int
        Stop here even if not converged (``result.stopped_by == "max_supersteps"``).
    personalization : dict or iterable of int or str, optional
        Where the walker restarts: vertex id → weight (scaled to sum 1; missing
        vertices get 0), or vertex ids (each the same weight); labels, in a graph
        with string ids. The rank of dangling vertices goes there too. ``None``:
        everywhere alike.
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` runs the sparse power-iteration reference instead of the engine.
    api : {"batch", "scalar"}
        The vectorised program (fast) or its scalar twin.
    **options
        Passed to :func:`pregel.run` (``workers``, ``on_superstep``, ...).

    Returns
    -------
    Result
        Ranks aligned with ``graph.ids``; they sum to 1.

    Raises
    ------
    InputError
        For a damping factor outside [0, 1), a negative tolerance, or a
        personalization naming a vertex not in the graph, with a negative or non-finite
        weight, or summing to 0.

    Notes
    -----
    Agrees with ``networkx.pagerank(G, alpha=damping, personalization=p)``, which also
    spreads dangling rank uniformly (by ``p`` when given). networkx's ``tol`` is per
    vertex: its stopping rule is ours with ``tol * N``.

    References
    ----------
    .. [1] L. Page, S. Brin, R. Motwani, T. Winograd, "The PageRank citation ranking:
       bringing order to the web", 1999.

    Examples
    --------
    >>> ranks = pagerank(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]))
    >>> round(ranks[1], 6)
    0.333333
    >>> ranks = pagerank(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]), personalization=[1])
    >>> round(ranks[1], 4), round(ranks[3], 4)
    (0.3887, 0.2809)
    """
    graph = as_graph(graph)
    if not 0 <= damping < 1:
        raise pregel.InputError(f"damping must be in [0, 1), got {damping}")
    if not tol >= 0:
        raise pregel.InputError(f"tol must be >= 0, got {tol}")
    pairs = () if personalization is None else restart_pairs(graph, personalization)
    if backend == "scipy":
        from pregel.algorithms import reference

        restart = None if personalization is None else restart_vector(graph, pairs)
        return reference.pagerank(graph, damping, tol, max_supersteps, restart)
    if pairs:
        program = twin(api, PageRank, PersonalizedPageRankVertex)(damping=damping, tol=tol, personalization=pairs)
    else:
        program = twin(api, PageRank, PageRankVertex)(damping=damping, tol=tol)
    return pregel.run(graph, program, backend=backend, max_supersteps=max_supersteps, **options)


def restart_pairs(graph: pregel.Graph, personalization: Mapping[Any, float] | Iterable[Any]) -> tuple:
    """A personalization (by original ids) as ``((id, weight), ...)``, ids as programs see them, sorted.

    The weights are scaled to sum 1; zeros are left out.

    Raises
    ------
    InputError
        For a vertex not in the graph, a negative or non-finite weight, or weights summing to 0.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2], [2, 3])
    >>> restart_pairs(g, {3: 3.0, 1: 1.0, 2: 0.0})
    ((1, 0.25), (3, 0.75))
    >>> restart_pairs(g, [2, 3])
    ((2, 0.5), (3, 0.5))
    """
    if isinstance(personalization, Mapping):
        ids, weights = list(personalization.keys()), list(personalization.values())
    else:
        ids = list(personalization)
        weights = [1.0] * len(ids)
        if len(set(ids)) != len(ids):
            raise pregel.InputError("personalization names a vertex twice")
    at = graph.index_of(ids, what="personalization vertex")
    weights = np.array(weights, dtype=np.float64)
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise pregel.InputError(f"personalization weight of vertex {ids[k]} is {weights[k]}, not a finite number >= 0")
    total = weights.sum()
    if total == 0:
        raise pregel.InputError("the personalization weights sum to 0")
    # the program compares its vertices' ids with these: a label's number, in a labelled graph
    numbers = graph.ids[at]
    order = np.argsort(at, kind="stable")
    return tuple((int(numbers[k]), float(weights[k] / total)) for k in order.tolist() if weights[k] > 0)


def restart_vector(graph: pregel.Graph, pairs: tuple) -> np.ndarray:
    """``((id, weight), ...)`` (ids as programs see them) as an array aligned with ``graph.ids``.

    Examples
    --------
    >>> restart_vector(pregel.Graph.from_edges([1, 2], [2, 3]), ((3, 1.0),)).tolist()
    [0.0, 0.0, 1.0]
    """
    vector = np.zeros(graph.num_vertices)
    if pairs:
        ids, weights = zip(*pairs)
        vector[graph.index_of(graph.to_original(np.array(ids)))] = weights
    return vector


def networkx_pagerank(
    graph: pregel.Graph,
    damping: float = 0.85,
    tol: float = 1e-10,
    max_iter: int = 1000,
    personalization: dict[int, float] | None = None,
) -> np.ndarray:
    """``networkx.pagerank`` on the same graph, aligned with ``graph.ids`` (for ``--compare``).

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2], [2, 1])
    >>> networkx_pagerank(g).round(6).tolist()
    [0.5, 0.5]
    """
    import networkx as nx

    ranks = nx.pagerank(
        graph.to_networkx(weights=False),
        alpha=damping,
        personalization=personalization,
        tol=tol / graph.num_vertices,
        max_iter=max_iter,
    )
    return np.array([ranks[v] for v in graph.original_ids.tolist()])
