"""Betweenness centrality over shortest paths by weight: Brandes' algorithm with distances instead of hops.

For a source s, a vertex v's distance d(v) is the least weight of a path from s, and its
σ(v) counts the shortest ones: σ(v) = Σ σ(u) over the in-neighbours u with
d(u) + w(u, v) = d(v) (the same floating-point sum networkx's Dijkstra compares). The
dependency δ(u) = σ(u) · Σ (1 + δ(v))/σ(v) runs over the out-neighbours v whose shortest
paths go through u. A vertex's betweenness sums its dependencies over the sources, scaled
as networkx scales them (:func:`~pregel.algorithms.betweenness.rescale_betweenness`).

A vertex's distance is not the superstep it is reached in, so there are no levels to walk;
each batch of sources runs three phases of messages that stop when nobody has news:

1. distances, Bellman-Ford: a vertex whose distance fell sends ``d + w`` along its edges;
2. path counts, pushed: σ is a sum over the shortest-path DAG, so a vertex passes on what
   it was just given (a source starts with 1) along the edges where ``d + w`` is the
   receiver's distance, and adds what it is given;
3. dependencies, pushed backward the same way: a vertex passes on the increase of
   ``(1 + δ)/σ`` (first ``1/σ``) along its reversed edges, on the second layer of
   :func:`weighted_layers`, where a vertex's twin heard its distance and σ.

Positive weights make the shortest paths a DAG, so phases 2 and 3 end after as many
supersteps as the longest shortest path has edges, each vertex sending once per superstep
something reaches it. Many sources run side by side, one column each, as in
:class:`~pregel.algorithms.betweenness.BrandesColumns`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Sum
from pregel.algorithms.columns import ColumnSum, SourceColumns, as_matrix, as_records, column_dtype
from pregel.algorithms.phases import Echo

START, DISTANCES, PATHS, LINK, SETTLE, BACKWARD = range(6)
MAX_BATCH = 32
MESSAGE_BUDGET = 1 << 22
"""A batch sends at most this many message floats along the edges a superstep (a few tens of MB)."""


class WeightedBrandes(SourceColumns, BatchProgram):
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

    aggregators = {"phase": Echo, "batch": Echo, "step": Echo, "sent": Sum, "reach": ColumnSum}
    batch = MAX_BATCH

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.value_dtype = column_dtype(3 * self.batch + 1)
        self.batches = -(-len(self.sources) // self.batch)

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return np.zeros(v.size, dtype=self.value_dtype)

    def compute(self, v: pregel.VertexBatch) -> None:
        announced = (0, START, 0) if v.superstep == 0 else (v.aggregated(k) for k in ("batch", "phase", "step"))
        batch, phase, step = (int(x) for x in announced)
        for name, value in (("batch", batch), ("phase", phase), ("step", step)):
            v.aggregate(name, value)
        b = self.batch
        # most supersteps change a few rows: they are read and written alone (update_values), not the whole array
        current = as_matrix(v.values)
        dist, sigma, delta = current[:, :b], current[:, b : 2 * b], current[:, 2 * b : 3 * b]
        if phase == START:
            self._start(v, batch)
        elif phase == DISTANCES:
            rows, least = _least(v.all_messages, b)
            new = np.minimum(dist[rows], least)
            fell = (new < dist[rows]).any(axis=1)
            rows, new = rows[fell], new[fell]
            self._change(v, current, rows, dist=new)
            self._forward(v, rows, new, np.zeros_like(new))
        elif phase == PATHS:
            if step == 0:
                rows, column = self.sources_here(v, batch)
                given = np.zeros((rows.size, b))
                given[np.arange(rows.size), column] = 1.0  # a source's one path (already in its sigma)
            else:
                rows, given = _given(v.all_messages, dist, b)
                some = given.any(axis=1)  # messages along edges of no shortest path bring nothing
                rows, given = rows[some], given[some]
                self._change(v, current, rows, sigma=sigma[rows] + given)
            self._forward(v, rows, dist[rows], given)
        elif phase == LINK:
            edges = v.out_edges(where=(v.ids < self.n) & np.isfinite(dist).any(axis=1))
            link = edges.target == v.ids[edges.source] + self.n
            v.send_along(edges, _messages(dist[edges.source], sigma[edges.source], 0.0), where=link)
        elif phase == SETTLE:
            got = v.all_messages
            told = as_matrix(got.values) if len(got) else np.zeros((0, 2 * b + 1))
            rows, heard, paths = got.receiver, told[:, :b], told[:, b : 2 * b]
            self._change(v, current, rows, dist=heard, sigma=paths)
            self._backward(v, rows, heard, np.divide(1.0, paths, out=np.zeros_like(paths), where=paths > 0))
        else:
            rows, given = _given(v.all_messages, dist, b, weighed=True)
            self._change(v, current, rows, delta=delta[rows] + sigma[rows] * given)
            if self.endpoints:
                # how many each source reaches, for the batch's end (an aggregate lasts one superstep: the last counts)
                v.aggregate("reach", self._reach(v, batch, dist))
            self._backward(v, rows, dist[rows], given)

    def _reach(self, v: pregel.VertexBatch, batch: int, dist: np.ndarray) -> np.ndarray:
        """How many twins of the partition each source of the batch reaches, as one record: counted once a batch
        (the distances do not change going backward; each partition computes with its own copy of the program)."""
        kept = getattr(self, "_reached", None)
        if kept is None or kept[0] != batch:
            reached = np.isfinite(dist[v.ids >= self.n]).sum(axis=0, dtype=np.float64)
            kept = self._reached = (batch, as_records(reached[None, :]))
        return kept[1]

    def _start(self, v: pregel.VertexBatch, batch: int) -> None:
        """The last batch's dependencies added up; the next batch's sources at distance 0 on one path each."""
        records = v.values.copy()  # an array of its own, which the partition keeps without copying it again
        values = as_matrix(records)
        b = self.batch
        dist, sigma, delta, bc = values[:, :b], values[:, b : 2 * b], values[:, 2 * b : 3 * b], values[:, 3 * b]
        if batch > 0:
            self._add_dependencies(v, batch - 1, dist, delta, bc)
        if batch == self.batches:
            v.vote_to_halt()
        else:
            dist[:], sigma[:], delta[:] = np.inf, 0.0, 0.0
            row, column = self.sources_here(v, batch)
            dist[row, column], sigma[row, column] = 0.0, 1.0
            self._forward(v, row, dist[row], np.zeros((row.size, b)))
        v.values = records

    def _change(self, v: pregel.VertexBatch, current: np.ndarray, rows: np.ndarray, **columns: np.ndarray) -> None:
        """New ``dist``, ``sigma`` or ``delta`` columns for ``rows``; the other rows and columns as they are."""
        if not rows.size:
            return
        b = self.batch
        changed = current[rows]  # a copy: rows picked by index
        for name, new in columns.items():
            k = ("dist", "sigma", "delta").index(name)
            changed[:, k * b : (k + 1) * b] = new
        v.update_values(rows, as_records(changed))

    def _forward(self, v: pregel.VertexBatch, rows: np.ndarray, dist: np.ndarray, numbers: np.ndarray) -> None:
        """``rows`` (increasing) of the first layer, at distances ``dist``, send ``(d + w, numbers)`` along their
        edges (not to their twins)."""
        first = v.ids[rows] < self.n
        sending = _edges_of(v, rows[first])
        if sending is not None:
            edges, k = sending
            dist, numbers = dist[first][k], numbers[first][k]
            along = edges.target < self.n
            v.send_along(edges, _messages(dist + edges.weight[:, None], numbers, 0.0), where=along)

    def _backward(self, v: pregel.VertexBatch, rows: np.ndarray, dist: np.ndarray, shares: np.ndarray) -> None:
        """``rows`` (increasing) of the second layer with a share of ``(1 + δ)/σ`` to pass on send
        ``(d, share, w)`` along their reversed edges."""
        some = shares.any(axis=1)
        sending = _edges_of(v, rows[some])
        if sending is not None:
            edges, k = sending
            v.send_along(edges, _messages(dist[some][k], shares[some][k], edges.weight))

    def _add_dependencies(
        self, v: pregel.VertexBatch, batch: int, dist: np.ndarray, delta: np.ndarray, bc: np.ndarray
    ) -> None:
        """A finished batch: each twin adds its dependencies (not on paths from itself), and with endpoints the ends."""
        row, column = self.sources_here(v, batch, self.n)
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

    def master_compute(self, master: Any) -> None:
        batch, phase, step = (master.aggregated(k) for k in ("batch", "phase", "step"))
        quiet = master.aggregated("sent") == 0
        if phase == START and batch == self.batches:
            master.halt()
            return
        following = {
            START: (batch, DISTANCES),
            DISTANCES: (batch, PATHS if quiet else DISTANCES),
            PATHS: (batch, LINK if quiet else PATHS),
            LINK: (batch, SETTLE),
            SETTLE: (batch, BACKWARD),
            BACKWARD: (batch + 1, START) if quiet else (batch, BACKWARD),
        }[phase]
        master.set_aggregated("batch", following[0])
        master.set_aggregated("phase", following[1])
        master.set_aggregated("step", step + 1 if following[1] == phase else 0)


def _messages(dist: np.ndarray, numbers: np.ndarray, weight: Any) -> np.ndarray:
    """One message per row: the distances, the numbers, then the weight (a scalar or one per row)."""
    rows = np.empty((dist.shape[0], 2 * dist.shape[1] + 1))
    b = dist.shape[1]
    rows[:, :b], rows[:, b : 2 * b], rows[:, 2 * b] = dist, numbers, weight
    return as_records(rows)


def _edges_of(v: pregel.VertexBatch, rows: np.ndarray) -> tuple[Any, np.ndarray] | None:
    """The out-edges of ``rows`` (increasing), and each edge's sender as an index into ``rows``; None without
    rows. Counts the senders in the ``sent`` aggregate, by which master compute sees a phase end."""
    v.aggregate("sent", int(rows.size))
    if not rows.size:
        return None
    senders = np.zeros(v.size, dtype=bool)
    senders[rows] = True
    edges = v.out_edges(where=senders)
    return edges, np.searchsorted(rows, edges.source)


def _groups(got: Any) -> tuple[np.ndarray, np.ndarray]:
    """The receivers of ``got`` (increasing, once each) and where each one's messages start."""
    starts = np.flatnonzero(np.r_[True, got.receiver[1:] != got.receiver[:-1]]) if len(got) else np.zeros(0, int)
    return got.receiver[starts], starts


def _least(got: Any, b: int) -> tuple[np.ndarray, np.ndarray]:
    """The receivers, and per receiver and column the least distance heard of."""
    rows, starts = _groups(got)
    if not rows.size:
        return rows, np.zeros((0, b))
    return rows, np.minimum.reduceat(as_matrix(got.values)[:, :b], starts, axis=0)


def _given(got: Any, dist: np.ndarray, b: int, weighed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The receivers, and per receiver and column the numbers summed over the messages on a shortest path.

    Forward (the default) a message's distance is ``d(u) + w``, on a shortest path when it
    is the receiver's own distance; backward (``weighed``) it is the sender's ``d(v)``,
    with the edge's ``w``: on one when the receiver's ``d(u) + w`` equals it.
    """
    rows, starts = _groups(got)
    if not rows.size:
        return rows, np.zeros((0, b))
    told = as_matrix(got.values)
    mine = dist[got.receiver]
    if weighed:
        mine = mine + told[:, 2 * b : 2 * b + 1]
    on = mine == told[:, :b]
    return rows, np.add.reduceat(np.where(on, told[:, b : 2 * b], 0.0), starts, axis=0)


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


def by_weight(graph: pregel.Graph) -> bool:
    """Whether the shortest paths of ``graph`` need its weights: it has some, not one weight on every edge (with
    one, the shortest paths are those of fewest hops, which the hops program counts faster).

    Examples
    --------
    >>> [by_weight(pregel.Graph.from_edges([0, 1], [1, 2], weights=w)) for w in ([2.5, 2.5], [2.5, 1.0], None)]
    [False, True, False]
    """
    w = graph.weights
    return w is not None and w.size > 0 and bool((w != w[0]).any())


def positive_weights(graph: pregel.Graph, what: str) -> None:
    """Refuse weights that are not positive (zero-weight edges make the shortest paths cyclic)."""
    if graph.weights is not None and graph.num_edges and not (graph.weights > 0).all():
        k = int(np.flatnonzero(~(graph.weights > 0))[0])
        u, v = graph.original_ids[graph.sources[k]], graph.original_ids[graph.indices[k]]
        raise pregel.InputError(f"{what} needs positive weights; edge {u} -> {v} weighs {graph.weights[k]}")
