"""Eigenvector centrality by power iteration on A^T + I, as networkx computes it.

Each iteration every vertex adds to its own value the values of its in-neighbours (times
the edges' weights), and the vector is scaled to length 1:

    y_k = x_{k-1} + A^T x_{k-1},  x_k = y_k / ||y_k||  (||y_k|| = 0 counts as 1),

starting from ``x_0`` (uniform, or a given start scaled to sum 1). The run stops once
the L1 change ``sum |x_k - x_{k-1}|`` is below ``N * tol``, networkx's rule. The length of
``y_k`` is an aggregator, known only after the superstep that made ``y_k``; so each
vertex sends ``y_k`` itself and its neighbours scale what they receive in the next
superstep (the product is linear), where the vertex also scales its own ``y_k`` into
``x_k`` and aggregates its change. The change of iteration ``k`` is so known at the end
of superstep ``k + 1``, and a run of ``k`` iterations takes ``k + 2`` supersteps.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Sum
from pregel.algorithms.weighted_pagerank import normalized
from pregel.api.twin import only_batch
from pregel.io.edges import as_graph

#: the total of the absolute weights the program runs on: below it no product or square overflows float64 (a
#: vertex's sum is at most 1 + the total, and it is scaled a superstep late)
WEIGHTS_LIMIT = 1e150

#: a vertex's value: ``x`` the last vector scaled, ``y`` the one made since (not scaled yet)
STATE = np.dtype([("x", np.float64), ("y", np.float64)])


class EigenvectorCentrality(BatchProgram):
    """Power iteration on ``A^T + I`` with the vector scaled to length 1 (networkx's ``eigenvector_centrality``).

    ``start`` is an array aligned with ``ids`` (the graph's sorted vertex ids), summing to
    1; ``None`` starts uniform. ``weighted``: each edge carries the value times its weight.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 2, 3], [2, 1, 3, 2])
    >>> result = pregel.run(g, EigenvectorCentrality(tol=1e-12))
    >>> [round(x, 4) for x in result.values["x"].tolist()]
    [0.5, 0.7071, 0.5]
    """

    combiner = Sum
    aggregators = {"squares": Sum, "delta": Sum}
    value_dtype = STATE
    tol = 1e-6
    weighted = False
    ids: np.ndarray | None = None
    start: np.ndarray | None = None

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        values = np.zeros(v.size, dtype=STATE)
        if self.start is None:
            values["x"] = 1.0 / max(v.num_vertices, 1)
        else:
            values["x"] = self.start[np.searchsorted(self.ids, v.ids)]
        return values

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            self._send(v, v.values["x"])
            return
        received = v.messages
        if v.superstep == 1:
            x = v.values["x"]
        else:
            # the length of the y the last superstep made: that y scaled is this iteration's x
            length = math.sqrt(v.aggregated("squares")) or 1.0
            x = v.values["y"] / length
            v.aggregate("delta", np.abs(x - v.values["x"]))
            received /= length
        y = x + received
        v.aggregate("squares", y * y)
        values = np.empty(v.size, dtype=STATE)
        values["x"], values["y"] = x, y
        v.values = values
        self._send(v, y)

    def _send(self, v: pregel.VertexBatch, values: np.ndarray) -> None:
        v.send_to_all_neighbors(values, weighted=self.weighted)

    def master_compute(self, master: Any) -> None:
        # the change of the iteration before is known from superstep 2 on
        if master.superstep >= 2 and master.aggregated("delta") < master.num_vertices * self.tol:
            master.halt()


def eigenvector_centrality(
    graph: Any,
    max_iter: int = 100,
    tol: float = 1e-6,
    start: dict[Any, float] | None = None,
    weighted: bool = False,
    api: str = "batch",
    **options: Any,
) -> pregel.Result:
    """Eigenvector centrality (networkx's ``eigenvector_centrality``: the left eigenvector, by power iteration).

    Parameters
    ----------
    graph : Graph, networkx.DiGraph, scipy sparse matrix or str
        The graph; with ``weighted``, its edge weights.
    max_iter : int
        Iterations at most; the result's ``stopped_by`` is ``"max_supersteps"`` if they
        did not converge.
    tol : float
        Stop once the L1 change of an iteration is below ``N * tol``.
    start : dict, optional
        Vertex id → starting value (missing vertices start at 0; scaled to sum 1); its total
        neither 0 nor infinite.
    weighted : bool
        Weigh each in-neighbour's value by its edge's weight (else every edge weighs 1).
    api : {"batch"}
        There is only the vectorised program.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Values aligned with ``graph.ids``, of length 1 (L2).

    Raises
    ------
    InputError
        For a start without a finite total other than 0, a ``max_iter`` or ``tol`` that is no count or no number, or
        weights adding up past :data:`WEIGHTS_LIMIT`.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 2, 3], [2, 1, 3, 2])
    >>> [round(x, 4) for x in eigenvector_centrality(g).values.tolist()]
    [0.5, 0.7071, 0.5]
    """
    graph = as_graph(graph)
    only_batch(api, "eigenvector")
    if not (isinstance(max_iter, int) and max_iter >= 0):
        raise pregel.InputError(f"max_iter must be an integer >= 0, got {max_iter!r}")
    if not tol >= 0:
        raise pregel.InputError(f"tol must be a number >= 0, got {tol!r}")
    if weighted and graph.weights is not None and float(np.abs(graph.weights).sum()) > WEIGHTS_LIMIT:
        raise pregel.InputError(
            f"the weights add up past {WEIGHTS_LIMIT:g}, where float64 would overflow; scale them down (the "
            "centrality is the same for any scale)"
        )
    vector = None if start is None else normalized(graph, start, "start")
    program = EigenvectorCentrality(tol=tol, weighted=weighted, ids=graph.ids, start=vector)
    result = pregel.run(graph, program, max_supersteps=max_iter + 2, **options)
    result.values = result.values["x"].copy()
    return result
