"""Parallel personalized PageRank: one PageRank per source, all in the same supersteps.

Column ``s`` of a vertex's value is its rank in the walk that restarts at source ``s``
(GraphX's ``staticParallelPersonalizedPageRank``), with networkx's semantics: the rank
of dangling vertices also goes back to ``s``, so each column sums to 1 and equals
``networkx.pagerank(G, personalization={s: 1})``. A value is a record of one float per
source (:mod:`pregel.algorithms.columns`); a message carries every column at once, so k
sources cost one run, not k. :func:`personalized_pagerank` names the columns by source.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Sum
from pregel.algorithms.columns import ColumnSum, as_matrix, as_records, column_dtype, named
from pregel.algorithms.pagerank import PageRankParameters
from pregel.api.twin import only_batch
from pregel.core.types import Finished
from pregel.io.edges import as_graph


class ParallelPersonalizedPageRank(PageRankParameters, BatchProgram):
    """Personalized PageRank from every vertex of ``sources`` (ids) at once.

    A value holds one rank per source, in the order of ``sources``
    (:func:`~pregel.algorithms.columns.as_matrix` reads them as a matrix). The run
    stops when the L1 change summed over every column falls below ``tol``.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    >>> ranks = pregel.run(g, ParallelPersonalizedPageRank(sources=(1, 3), tol=1e-12))
    >>> as_matrix(ranks.values).round(4).tolist()
    [[0.3887, 0.3304], [0.3304, 0.2809], [0.2809, 0.3887]]
    """

    combiner = ColumnSum
    aggregators = {"dangling": ColumnSum, "delta": Sum}
    sources: tuple = ()

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.value_dtype = column_dtype(len(self.sources))

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return as_records(np.full((v.size, len(self.sources)), 1.0 / v.num_vertices))

    def compute(self, v: pregel.VertexBatch) -> None:
        ranks = as_matrix(v.values)
        if v.superstep > 0:
            restart = as_matrix(v.cached("restart", self._restart))
            # the dangling rank of column s goes back to s, as networkx does with a personalization
            new = as_matrix(v.messages) + v.aggregated("dangling") * restart
            new *= self.damping
            new += (1 - self.damping) * restart
            v.aggregate("delta", np.abs(new - ranks))
            ranks = new
            v.values = as_records(ranks)
        v.aggregate("dangling", v.values[v.cached("dangling", _dangling)])
        self.resend(v)

    def resend(self, v: pregel.VertexBatch) -> None:
        # the values' own floats (as_matrix is a view), so the same bits as the ranks compute made
        degree = np.maximum(v.out_degree, 1)[:, None]
        v.send_to_all_neighbors(as_records(as_matrix(v.values) / degree), where=~v.cached("dangling", _dangling))

    def _restart(self, v: pregel.VertexBatch) -> np.ndarray:
        """1 in column s at source s, else 0."""
        sources = np.array(self.sources, dtype=np.int64)
        restart = np.zeros((v.size, sources.size))
        at = np.minimum(np.searchsorted(v.ids, sources), max(v.size - 1, 0))
        here = np.flatnonzero(v.ids[at] == sources) if v.size else np.zeros(0, np.int64)
        restart[at[here], here] = 1.0
        return as_records(restart)


def _dangling(v: pregel.VertexBatch) -> np.ndarray:
    """Which vertices have no out-edges."""
    return v.out_degree == 0


def personalized_pagerank(
    graph: Any,
    sources: Iterable[int],
    damping: float = 0.85,
    tol: float = 1e-10,
    max_supersteps: int = 1000,
    backend: str = "local",
    api: str = "batch",
    **options: Any,
) -> pregel.Result:
    """PageRank personalized to each of ``sources``, all computed in one run.

    Parameters
    ----------
    graph : Graph, networkx.DiGraph, scipy sparse matrix or str
        The graph, or the path of an edge list. Edge weights are ignored.
    sources : iterable of int or str
        Vertex ids (labels, in a graph with string ids), each the restart of one
        walk; no repeats. They name the columns.
    damping : float
        Probability of following a link (``0 <= damping < 1``).
    tol : float
        Stop when the L1 change of a superstep, summed over all sources, is below this.
    max_supersteps : int
        Stop here even if not converged.
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` runs the sparse power iteration, all columns at once.
    api : {"batch"}
        There is only the vectorised program.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Values are records with one ``float64`` field per source, named by its id:
        ``result.values["7"]`` are the ranks personalized to vertex 7, aligned with
        ``graph.ids``; each column sums to 1. ``result.to_table()`` has a column
        ``vertex`` and one per source.

    Raises
    ------
    InputError
        For no sources, an unknown or repeated one, a damping factor outside [0, 1)
        or a negative tolerance.

    Notes
    -----
    Column ``s`` agrees with ``networkx.pagerank(G, alpha=damping,
    personalization={s: 1})``; its ``tol`` is per vertex and per source.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    >>> ranks = personalized_pagerank(g, [1, 2])
    >>> ranks.values.dtype.names
    ('1', '2')
    >>> round(float(ranks.values["2"][1]), 4)
    0.3887
    """
    graph = as_graph(graph)
    if not 0 <= damping < 1:
        raise pregel.InputError(f"damping must be in [0, 1), got {damping}")
    if not tol >= 0:
        raise pregel.InputError(f"tol must be >= 0, got {tol}")
    only_batch(api, "ppr")
    chosen = check_sources(graph, sources)
    if "vertex" in [str(source) for source in chosen.tolist()]:
        # each source names a column of the result's table, beside the ids' own column "vertex"
        raise pregel.InputError("source 'vertex' would name a column as the vertex ids' column is named")
    at = graph.index_of(chosen)
    if backend == "scipy":
        from pregel.algorithms import reference

        return reference.personalized_pagerank(graph, at, damping, tol, max_supersteps)
    program = ParallelPersonalizedPageRank(damping=damping, tol=tol, sources=tuple(graph.ids[at].tolist()))
    columns = functools.partial(named, names=graph.original_ids[at].tolist())
    collect = [Finished(c, columns) for c in options.pop("collect", ())]
    result = pregel.run(graph, program, backend=backend, max_supersteps=max_supersteps, collect=collect, **options)
    if result.values is not None:  # else the partitions wrote or picked their columns themselves
        result.values = columns(result.values)
    return result


def check_sources(graph: pregel.Graph, sources: Iterable[Any], what: str = "source") -> np.ndarray:
    """The sources (original ids: labels, in a labelled graph) as an array; InputError for none, a repeat, a stranger.

    Examples
    --------
    >>> check_sources(pregel.Graph.from_edges([1], [2]), [2, 1]).tolist()
    [2, 1]
    >>> check_sources(pregel.Graph.from_edges([1], [2]), [2, 2])
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: source 2 is given twice
    """
    given = list(sources)
    if not given:
        raise pregel.InputError(f"no {what} given")
    at = graph.index_of(given, what=f"{what} vertex")
    unique, counts = np.unique(at, return_counts=True)
    if (counts > 1).any():
        twice = graph.original_ids[unique[np.argmax(counts > 1)]]
        raise pregel.InputError(
            f"{what} {twice!r} is given twice" if isinstance(twice, str) else f"{what} {twice} is given twice"
        )
    return graph.original_ids[at]


def networkx_personalized_pagerank(
    graph: pregel.Graph, sources: Iterable[Any], damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1000
) -> np.ndarray:
    """``networkx.pagerank(G, personalization={s: 1})`` for each source, as records like ours (for ``--compare``).

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2], [2, 1])
    >>> networkx_personalized_pagerank(g, [2], damping=0.5)["2"].round(6).tolist()
    [0.333333, 0.666667]
    """
    import networkx as nx

    g = graph.to_networkx(weights=False)
    sources = list(sources)
    columns = []
    for source in sources:
        ranks = nx.pagerank(
            g, alpha=damping, personalization={source: 1}, tol=tol / graph.num_vertices, max_iter=max_iter
        )
        columns.append([ranks[v] for v in graph.original_ids.tolist()])
    return named(as_records(np.array(columns).T.reshape(graph.num_vertices, len(sources))), sources)
