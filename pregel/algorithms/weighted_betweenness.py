"""Betweenness centrality over shortest paths by weight: Brandes' algorithm with distances instead of hops.

For a source s, a vertex v's distance d(v) is the least weight of a path from s, and its
σ(v) counts the shortest ones: σ(v) = Σ σ(u) over the in-neighbours u with
d(u) + w(u, v) = d(v) (the same floating-point sum networkx's Dijkstra compares). The
dependency δ(u) = Σ σ(u)/σ(v) · (1 + δ(v)) runs over the out-neighbours v whose shortest
paths go through u. A vertex's betweenness sums its dependencies over the sources, scaled
as networkx scales them (:func:`~pregel.algorithms.betweenness.rescale_betweenness`).

Without levels to walk (a vertex's distance is not its superstep), each quantity is a
fixed point reached by rounds (Jacobi iteration): every reached vertex sends its
``(d + w, σ)`` along every edge each superstep, and a vertex takes the least distance it
hears of and sums the σ that came with it; once no value changes, the same is done
backward for δ. Positive weights make the shortest paths a DAG, so each phase ends after
as many rounds as the longest shortest path has edges. Many sources run side by side, one
column each, as in :class:`~pregel.algorithms.betweenness.BrandesColumns`; the backward
rounds run on the graph's second layer (:func:`weighted_layers`), which has its edges
reversed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Sum
from pregel.algorithms.columns import ColumnSum, as_matrix, as_records, column_dtype
from pregel.algorithms.phases import Echo

START, FORWARD, LINK, SETTLE, BACKWARD = range(5)
MAX_BATCH = 32
MESSAGE_BUDGET = 1 << 22
"""A batch sends at most this many message floats along the edges a superstep (a few tens of MB)."""


class WeightedBrandes(BatchProgram):
    """Dependencies on shortest paths by weight from ``sources`` (vertex numbers), ``batch`` at a time.

    Run it on :func:`weighted_layers`'s graph of a graph of ``n`` vertices numbered
    ``0..n-1`` with positive weights. A value holds, per source of the batch, a distance,
    a number of shortest paths and a dependency, then the betweenness summed so far
    (``bc``, in the second layer); a message holds a distance and a number per column,
    then an edge's weight.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([0, 0, 1, 2], [1, 2, 3, 3], weights=[1.0, 2.0, 2.0, 1.0])
    >>> program = WeightedBrandes(n=4, sources=(0, 1, 2, 3), batch=2)
    >>> as_matrix(pregel.run(weighted_layers(g), program).values)[4:, -1].tolist()
    [0.0, 0.5, 0.5, 0.0]
    """

    aggregators = {"phase": Echo, "batch": Echo, "changed": Sum, "reach": ColumnSum}
    n = 0
    sources: tuple = ()
    batch = MAX_BATCH
    endpoints = False

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.value_dtype = column_dtype(3 * self.batch + 1)
        self.batches = -(-len(self.sources) // self.batch)

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return np.zeros(v.size, dtype=self.value_dtype)

    def compute(self, v: pregel.VertexBatch) -> None:
        batch, phase = (0, START) if v.superstep == 0 else (int(v.aggregated("batch")), int(v.aggregated("phase")))
        v.aggregate("batch", batch)
        v.aggregate("phase", phase)
        values = as_matrix(v.values).copy()
        b = self.batch
        dist, sigma, delta, bc = values[:, :b], values[:, b : 2 * b], values[:, 2 * b : 3 * b], values[:, 3 * b]
        twin = v.ids >= self.n
        if phase == START:
            if batch > 0:
                self._add_dependencies(v, batch - 1, dist, delta, bc)
            if batch == self.batches:
                v.vote_to_halt()
            else:
                dist[:], sigma[:], delta[:] = np.inf, 0.0, 0.0
                row, column = self._sources_here(v, batch)
                dist[row, column], sigma[row, column] = 0.0, 1.0
                self._forward(v, dist, sigma, twin)
        elif phase == FORWARD:
            best, paths = _least(v.all_messages, v.size, b)
            row, column = self._sources_here(v, batch)
            best[row, column], paths[row, column] = 0.0, 1.0
            best[twin], paths[twin] = dist[twin], sigma[twin]
            v.aggregate("changed", int(np.count_nonzero((best != dist) | (paths != sigma))))
            dist[:], sigma[:] = best, paths
            self._forward(v, dist, sigma, twin)
        elif phase == LINK:
            edges = v.out_edges(where=~twin & np.isfinite(dist).any(axis=1))
            link = edges.target == v.ids[edges.source] + self.n
            v.send_along(edges, _messages(dist[edges.source], sigma[edges.source], 0.0), where=link)
        elif phase == SETTLE:
            got = v.all_messages
            if len(got):
                told = as_matrix(got.values)
                dist[got.receiver], sigma[got.receiver] = told[:, :b], told[:, b : 2 * b]
            self._backward(v, dist, sigma, delta, twin)
        else:
            got = v.all_messages
            found = _dependencies(got, dist, sigma, b)
            found[~twin] = 0.0
            v.aggregate("changed", int(np.count_nonzero(found != delta)))
            delta[:] = found
            if self.endpoints:
                # how many each source reaches, for the batch's end (an aggregate lasts one superstep: the last counts)
                v.aggregate("reach", as_records(np.isfinite(dist[twin]).sum(axis=0, dtype=np.float64)[None, :]))
            self._backward(v, dist, sigma, delta, twin)
        v.values = as_records(values)

    def _forward(self, v: pregel.VertexBatch, dist: np.ndarray, sigma: np.ndarray, twin: np.ndarray) -> None:
        """Each reached vertex of the first layer sends ``(d + w, σ)`` along its edges (not to its twin)."""
        edges = v.out_edges(where=~twin & np.isfinite(dist).any(axis=1))
        weight = edges.weight[:, None]
        along = edges.target < self.n
        v.send_along(edges, _messages(dist[edges.source] + weight, sigma[edges.source], 0.0), where=along)

    def _backward(
        self, v: pregel.VertexBatch, dist: np.ndarray, sigma: np.ndarray, delta: np.ndarray, twin: np.ndarray
    ) -> None:
        """Each reached twin sends ``(d, (1 + δ)/σ, w)`` along its reversed edges."""
        edges = v.out_edges(where=twin & np.isfinite(dist).any(axis=1))
        s = sigma[edges.source]
        share = np.divide(1.0 + delta[edges.source], s, out=np.zeros_like(s), where=s > 0)
        v.send_along(edges, _messages(dist[edges.source], share, edges.weight))

    def _add_dependencies(
        self, v: pregel.VertexBatch, batch: int, dist: np.ndarray, delta: np.ndarray, bc: np.ndarray
    ) -> None:
        """A finished batch: each twin adds its dependencies (not on paths from itself), and with endpoints the ends."""
        row, column = self._sources_here(v, batch, self.n)
        delta[row, column] = 0.0
        reached = np.isfinite(dist)
        if self.endpoints:
            delta[reached] += 1.0
            delta[row, column] = 0.0
            reach = v.aggregated("reach")
            if np.ndim(reach):
                np.add.at(bc, row, np.asarray(reach)[column] - 1)
        twin = v.ids >= self.n
        bc[twin] += np.where(reached[twin], delta[twin], 0.0).sum(axis=1)

    def _sources_here(self, v: pregel.VertexBatch, batch: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The batch's sources (or, with ``offset`` n, their twins) among these vertices: rows, columns."""
        lo = batch * self.batch
        sources = np.array(self.sources[lo : lo + self.batch], dtype=np.int64) + offset
        row = np.minimum(np.searchsorted(v.ids, sources), max(v.size - 1, 0))
        here = np.flatnonzero(v.ids[row] == sources) if v.size else np.zeros(0, dtype=np.int64)
        return row[here], here

    def master_compute(self, master: Any) -> None:
        batch, phase = master.aggregated("batch"), master.aggregated("phase")
        changed = master.aggregated("changed")
        if phase == START:
            following = (batch, FORWARD) if batch < self.batches else None
        elif phase == FORWARD:
            following = (batch, LINK if changed == 0 else FORWARD)
        elif phase == LINK:
            following = (batch, SETTLE)
        elif phase == SETTLE:
            following = (batch, BACKWARD)
        else:
            following = (batch + 1, START) if changed == 0 else (batch, BACKWARD)
        if following is None:
            master.halt()
            return
        master.set_aggregated("batch", following[0])
        master.set_aggregated("phase", following[1])


def _messages(dist: np.ndarray, numbers: np.ndarray, weight: Any) -> np.ndarray:
    """One message per row: the distances, the numbers, then the weight (a scalar or one per row)."""
    rows = np.empty((dist.shape[0], 2 * dist.shape[1] + 1))
    b = dist.shape[1]
    rows[:, :b], rows[:, b : 2 * b], rows[:, 2 * b] = dist, numbers, weight
    return as_records(rows)


def _least(got: Any, size: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Per receiver and column, the least distance heard of and the σ summed over the messages that bring it."""
    best, paths = np.full((size, b), np.inf), np.zeros((size, b))
    if not len(got):
        return best, paths
    told = as_matrix(got.values)
    starts = np.flatnonzero(np.r_[True, got.receiver[1:] != got.receiver[:-1]])
    row = got.receiver[starts]
    least = np.minimum.reduceat(told[:, :b], starts, axis=0)
    on = told[:, :b] == np.repeat(least, np.diff(np.r_[starts, len(got)]), axis=0)
    best[row] = least
    paths[row] = np.add.reduceat(np.where(on, told[:, b : 2 * b], 0.0), starts, axis=0)
    return best, paths


def _dependencies(got: Any, dist: np.ndarray, sigma: np.ndarray, b: int) -> np.ndarray:
    """Per receiver (a twin u) and column, σ(u) · Σ (1 + δ(v))/σ(v) over the v with d(u) + w(u, v) = d(v)."""
    found = np.zeros(dist.shape)
    if not len(got):
        return found
    told = as_matrix(got.values)
    receiver = got.receiver
    on = dist[receiver] + told[:, 2 * b : 2 * b + 1] == told[:, :b]
    starts = np.flatnonzero(np.r_[True, receiver[1:] != receiver[:-1]])
    summed = np.add.reduceat(np.where(on, told[:, b : 2 * b], 0.0), starts, axis=0)
    row = receiver[starts]
    found[row] = summed * sigma[row]
    return found


def weighted_layers(graph: pregel.Graph) -> pregel.Graph:
    """Two copies of a weighted graph numbered ``0..n-1``: ``i -> j``, ``i -> n + i`` (weight 0) and ``n + j -> n + i``.

    Each edge keeps its weight in both layers.

    Examples
    --------
    >>> h = weighted_layers(pregel.Graph.from_edges([0], [1], weights=[2.5]))
    >>> [(int(a), int(b), float(w)) for a, b, w in zip(h.sources, h.indices, h.weights)]
    [(0, 1, 2.5), (0, 2, 0.0), (1, 3, 0.0), (3, 2, 2.5)]
    """
    n = graph.num_vertices
    weights = graph.weights if graph.weights is not None else np.ones(graph.num_edges)
    every = np.arange(n)
    sources = np.concatenate([graph.sources, every, graph.indices + n])
    targets = np.concatenate([graph.indices, every + n, graph.sources + n])
    return pregel.Graph.from_edges(
        sources, targets, np.concatenate([weights, np.zeros(n), weights]), vertices=np.arange(2 * n)
    )


def weighted_brandes(
    graph: pregel.Graph, sources: np.ndarray | None = None, endpoints: bool = False
) -> WeightedBrandes:
    """The program that sums the dependencies from ``sources`` (vertex numbers; ``None``: every vertex).

    ``graph`` is numbered ``0..n-1`` with positive weights; run the program on
    ``weighted_layers(graph)``. A source without out-edges reaches no one: it gets no column.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([0, 1], [1, 2], weights=[0.5, 0.25])
    >>> as_matrix(pregel.run(weighted_layers(g), weighted_brandes(g)).values)[3:, -1].tolist()
    [0.0, 1.0, 0.0]
    """
    n = graph.num_vertices
    sources = np.arange(n) if sources is None else np.asarray(sources, dtype=np.int64)
    sources = sources[graph.out_degree[sources] > 0]
    edges = max(graph.num_edges, 1)
    batch = max(1, min(MAX_BATCH, max(sources.size, 1), MESSAGE_BUDGET // (2 * edges)))
    return WeightedBrandes(n=n, sources=tuple(sources.tolist()), batch=batch, endpoints=endpoints)


def positive_weights(graph: pregel.Graph, what: str) -> None:
    """Refuse weights that are not positive (zero-weight edges make the shortest paths cyclic)."""
    if graph.weights is not None and graph.num_edges and not (graph.weights > 0).all():
        k = int(np.flatnonzero(~(graph.weights > 0))[0])
        u, v = graph.original_ids[graph.sources[k]], graph.original_ids[graph.indices[k]]
        raise pregel.InputError(f"{what} needs positive weights; edge {u} -> {v} weighs {graph.weights[k]}")
