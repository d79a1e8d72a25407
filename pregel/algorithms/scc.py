"""Strongly connected components by forward-backward colouring, in phases master compute drives.

Every vertex ends labelled with the smallest original id of its strongly connected
component. The program runs on :func:`two_way`'s view of the graph: vertices numbered
0..N-1 in id order (so the smallest number is the smallest id) and every edge present in
both directions, its weight saying which way(s) the original edge went (1 forward, 2
backward, 3 both): a vertex can then reach its in-neighbours too, which the backward
phase needs. A vertex's value is its colour while it is still looking for its component,
``-(label + 1)`` once it has found it.

The phases, each one or more supersteps, make a *round* (master compute reads what the
vertices aggregated and announces the next phase and the round through the ``phase`` and
``round`` aggregators). Even rounds (the first is round 0) read the graph as it is; odd
rounds read it reversed, in-edges for out-edges: the components are the same, and a chain
that colouring takes one vertex at a time one way it takes at once the other way (below).

``START``
    Every vertex still looking (an *open* vertex) pings its out-neighbours; one without
    an in-edge or an out-edge in the graph is a component of its own at once.
``TRIM_IN`` and ``TRIM_OUT``
    An open vertex that got no ping has no open in-neighbour (``TRIM_IN``) or, after
    pinging its in-neighbours, no open out-neighbour (``TRIM_OUT``): it is a component
    of its own. The others ping on. In the first two rounds trimming repeats while
    ``TRIM_OUT`` finds at least 1/32 (``TRIM_SHARE``) of the open vertices: it takes the
    many one-vertex components of real graphs away in two supersteps a layer, and stops
    when a layer is too thin to pay for the pings over every open vertex's edges
    (colouring finds the rest: the components do not depend on where trimming stopped).
    From round 2 (``FIXPOINT_ROUND``) on, trimming repeats until ``TRIM_OUT`` finds
    nobody: colouring both ways left vertices, which on chains, trees and other DAG-shaped
    parts it takes a few a round at a cost of their length each (a path whose smallest
    ids are at both ends), while trimming takes them in supersteps linear in their length.
``FORWARD``
    Every open vertex starts with its own number as colour and keeps the smallest colour
    sent to it along out-edges (min combiner): its colour becomes the smallest open
    vertex that reaches it. It ends when no colour changes.
``BACKWARD_START`` and ``BACKWARD``
    A vertex whose colour is its own number is a *root*: the smallest vertex of its
    component. Roots take their component, and the colour travels back along in-edges
    through the open vertices of the same colour (they reach the root and the root
    reaches them: the component). Messages carry the colour negated, so that the min
    combiner keeps the largest colour, the only one that can equal the receiver's. When
    nobody joins, the round is over and ``START`` begins the next with the vertices left.

Every round takes at least one component (the smallest open vertex is a root), so the
run ends; it stops by itself when every vertex has its component. Why the rounds swap
ways: on a path whose ids rise along it, the smallest colour floods the whole path and
only the head is a root (one vertex for the path's length in supersteps); reversed, every
vertex's colour is its own (the smallest vertex it reaches) and every vertex is a root.
The same holds for a chain of cycles. Real graphs usually end in round 0 (p2p-Gnutella31
and the benchmark's R-MAT do), where nothing changed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

import pregel
from pregel import Aggregator, BatchProgram, Count, Min, Vertex
from pregel.algorithms.pieces import OwnEdges
from pregel.api.twin import twin
from pregel.core import kernels
from pregel.core.engine import collect_on_driver
from pregel.core.kernels import both_ways
from pregel.io.edges import as_graph

START, TRIM_IN, TRIM_OUT, FORWARD, BACKWARD_START, BACKWARD = range(6)
PHASES = ("START", "TRIM_IN", "TRIM_OUT", "FORWARD", "BACKWARD_START", "BACKWARD")
#: Trimming goes on while a round's TRIM_OUT finds at least this fraction (1/TRIM_SHARE) of the open vertices.
TRIM_SHARE = 32
#: From this round on (counted from 0) trimming goes on until a TRIM_OUT finds nobody.
FIXPOINT_ROUND = 2
#: Edge weights of :func:`two_way`: the original edge went forward (1), backward (2) or both ways (3).
FORWARD_EDGE, BACKWARD_EDGE = 1, 2


class Phase(Aggregator):
    """The phase (or the round) of a superstep: every vertex that computes aggregates the one it ran (they agree).

    ``START`` (round 0) before anything was aggregated, so superstep 0 starts the first round.
    """

    identity = START

    def lift(self, x: Any) -> int:
        return int(x)

    def merge(self, a: int, b: int) -> int:
        return max(a, b)


class _Phases:
    """What both programs share: declarations, and master compute choosing the next phase."""

    combiner = Min
    value_dtype = np.int64
    aggregators = {
        "phase": Phase,
        "round": Phase,
        "open": Count,
        "trimmed": Count,
        "changed": Count,
        "joined": Count,
    }

    def master_compute(self, master: pregel.Master) -> None:
        ran, round_ = master.aggregated("phase"), master.aggregated("round")
        if ran == TRIM_OUT:
            # another layer pings every open vertex's edges twice: worth it while trimming takes a good share,
            # and always once colouring in both directions left vertices (chains colouring takes one at a time)
            trimmed = master.aggregated("trimmed")
            thick = round_ >= FIXPOINT_ROUND or TRIM_SHARE * trimmed >= master.aggregated("open")
            following = TRIM_IN if trimmed and thick else FORWARD
        elif ran == FORWARD:
            following = FORWARD if master.aggregated("changed") else BACKWARD_START
        elif ran == BACKWARD:
            following = BACKWARD if master.aggregated("joined") else START
            if following == START:
                round_ += 1  # the next round reads the graph the other way
        else:
            following = {START: TRIM_IN, TRIM_IN: TRIM_OUT, BACKWARD_START: BACKWARD}[ran]
        master.set_aggregated("phase", following)
        master.set_aggregated("round", round_)


class StronglyConnected(_Phases, BatchProgram):
    """Forward-backward colouring over arrays (the fast path). Run it on :func:`two_way`'s graph.

    Examples
    --------
    >>> g = two_way(pregel.Graph.from_edges([0, 1, 1, 2, 3], [1, 0, 2, 3, 2]))
    >>> -pregel.run(g, StronglyConnected).values - 1
    array([0, 0, 2, 2])
    """

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return v.ids

    def compute(self, v: pregel.VertexBatch) -> None:
        phase, round_ = v.aggregated("phase"), v.aggregated("round")
        v.aggregate("phase", phase)
        v.aggregate("round", round_)
        ahead, behind = ways(round_)
        open_ = v.values >= 0
        v.vote_to_halt(~open_)  # found vertices that mail woke up go back to sleep
        if phase == START:
            v.values = np.where(open_, v.ids, v.values)  # every colour starts afresh in a round
            alone = open_ & v.cached("one_way", _one_way)
            self._found(v, alone, v.ids)
            v.aggregate("trimmed", v.ids[alone])
            open_ &= ~alone
            self._send(v, open_, v.ids, ahead)
        elif phase in (TRIM_IN, TRIM_OUT):
            alone = open_ & ~v.has_messages
            self._found(v, alone, v.ids)
            v.aggregate("trimmed", v.ids[alone])
            rest = open_ & v.has_messages
            # after TRIM_OUT the pings are also the colours of FORWARD's first superstep
            self._send(v, rest, v.ids, behind if phase == TRIM_IN else ahead)
            open_ = rest
        elif phase == FORWARD:
            own = v.kept("own", OwnEdges.of)
            colour, at = _colours(v, own)
            lowered = open_ & (v.messages < v.values)
            colour[at[lowered]] = v.messages[lowered]
            seeds = at[lowered]
            # in increasing colour, each vertex of the partition changes once
            seeds = seeds[np.argsort(colour[seeds], kind="stable")]
            changed = kernels.spread(own.ptr, own.idx, own.ways, ahead, colour, seeds, join=False)[at] | lowered
            v.values = np.where(changed, colour[at], v.values)
            v.aggregate("changed", self._send_out(v, own, changed, v.values, ahead))
        else:
            own = v.kept("own", OwnEdges.of)
            colour, at = _colours(v, own)
            if phase == BACKWARD_START:
                seeds = open_ & (v.values == v.ids)
            else:
                seeds = open_ & v.has_messages & (-v.messages == v.values)
            joins = kernels.spread(own.ptr, own.idx, own.ways, behind, colour, at[seeds], join=True)[at]
            v.aggregate("joined", self._send_out(v, own, joins, -v.values, behind))
            self._found(v, joins, v.values)
            open_ &= ~joins
        v.aggregate("open", v.ids[open_])

    @staticmethod
    def _send(v: pregel.VertexBatch, senders: np.ndarray, values: np.ndarray, way: int) -> None:
        """``values`` from the ``senders`` along the edges that go ``way`` in the original graph."""
        edges = _going(v, v.out_edges(where=senders), way)
        v.send_along(edges, values[edges.source])

    @staticmethod
    def _send_out(
        v: pregel.VertexBatch, own: OwnEdges, senders: np.ndarray, values: np.ndarray, way: int
    ) -> np.ndarray:
        """``values`` from the ``senders`` along the edges that go ``way`` and leave the partition (inside it, the
        colours went as far as they go already); the ids of the vertices that sent."""
        edges = _going(v, v.out_edges(where=senders), way, own.leaves)
        v.send_along(edges, values[edges.source])
        sent = np.zeros(v.size, dtype=bool)
        sent[edges.source] = True
        return v.ids[sent]

    @staticmethod
    def _found(v: pregel.VertexBatch, where: np.ndarray, label: np.ndarray) -> None:
        v.values = np.where(where, -label - 1, v.values)
        v.vote_to_halt(where)


def _going(v: pregel.VertexBatch, edges: Any, way: int, leaves: np.ndarray | None = None) -> Any:
    """The ``edges`` (of :func:`two_way`'s graph) that go ``way`` in the original graph (and, given the partition's
    ``leaves``, leave the partition)."""
    goes = v.kept("ways", _ways)[edges.positions]
    # a way is 1, 2 or 3 (both): one comparison picks the edges that go ``way``
    going = goes != BACKWARD_EDGE if way == FORWARD_EDGE else goes >= BACKWARD_EDGE
    if leaves is not None:
        going &= leaves[edges.positions]
    return edges.take(np.flatnonzero(going))


def _ways(w: pregel.VertexBatch) -> np.ndarray:
    """The way of each of the partition's edges (their weights, 1 to 3) as bytes: read at an eighth of the cost."""
    return w.out_edges().weight.astype(np.int8)


def _colours(v: pregel.VertexBatch, own: OwnEdges) -> tuple[np.ndarray, np.ndarray]:
    """The colours of all the partition's vertices (-1, taken, for those not in the batch: found, asleep), and where
    the batch's vertices are among them."""
    at = v.positions
    colour = np.full(own.ptr.size - 1, -1, dtype=np.int64)
    colour[at] = v.values
    return colour, at


def ways(round_: int) -> tuple[int, int]:
    """The way colours spread in round ``round_`` and the way components are taken back: they swap each round.

    Examples
    --------
    >>> ways(0), ways(1)
    ((1, 2), (2, 1))
    """
    return (FORWARD_EDGE, BACKWARD_EDGE) if round_ % 2 == 0 else (BACKWARD_EDGE, FORWARD_EDGE)


def _one_way(v: pregel.VertexBatch) -> np.ndarray:
    """Which vertices lack an in-edge or an out-edge in the graph (no open neighbour that way, ever)."""
    edges = v.out_edges()
    goes = v.kept("ways", _ways)[edges.positions]
    forward = np.bincount(edges.source.compress(goes != BACKWARD_EDGE), minlength=v.size)
    backward = np.bincount(edges.source.compress(goes >= BACKWARD_EDGE), minlength=v.size)
    return (forward == 0) | (backward == 0)


class StronglyConnectedVertex(_Phases, Vertex):
    """Forward-backward colouring one vertex at a time. Run it on :func:`two_way`'s graph.

    Examples
    --------
    >>> g = two_way(pregel.Graph.from_edges([0, 1, 1, 2, 3], [1, 0, 2, 3, 2]))
    >>> -pregel.run(g, StronglyConnectedVertex).values - 1
    array([0, 0, 2, 2])
    """

    def initial_value(self) -> int:
        return self.id

    def compute(self, messages: int | None) -> None:
        phase, round_ = self.aggregated("phase"), self.aggregated("round")
        self.aggregate("phase", phase)
        self.aggregate("round", round_)
        ahead, behind = ways(round_)
        if self.value < 0:  # found already; mail woke it up
            self.vote_to_halt()
            return
        if phase == START:
            goes = [int(weight) for weight in self.out_edges[1]]
            if not any(way & FORWARD_EDGE for way in goes) or not any(way & BACKWARD_EDGE for way in goes):
                self.value = -self.id - 1  # no in-edge or no out-edge in the graph: alone
                self.aggregate("trimmed", 1)
                self.vote_to_halt()
                return
            self.value = self.id
            self.send_along_way(self.id, ahead)
        elif phase in (TRIM_IN, TRIM_OUT):
            if messages is None:
                self.value = -self.id - 1
                self.aggregate("trimmed", 1)
                self.vote_to_halt()
                return
            self.send_along_way(self.id, behind if phase == TRIM_IN else ahead)
        elif phase == FORWARD:
            if messages is not None and messages < self.value:
                self.value = messages
                self.aggregate("changed", 1)
                self.send_along_way(messages, ahead)
        elif (phase == BACKWARD_START and self.value == self.id) or (
            phase == BACKWARD and messages is not None and -messages == self.value
        ):
            self.aggregate("joined", 1)
            self.send_along_way(-self.value, behind)
            self.value = -self.value - 1
            self.vote_to_halt()
            return
        self.aggregate("open", 1)

    def send_along_way(self, message: int, way: int) -> None:
        """Send ``message`` along the edges that go ``way`` in the original graph."""
        for edge, weight in enumerate(self.out_edges[1]):
            if int(weight) & way:
                self.send_message_along(edge, message)


def two_way(graph: pregel.Graph) -> pregel.Graph:
    """The graph the programs run on: vertices 0..N-1 in id order, each edge both ways, weighted by its way.

    The weight of ``u -> v`` is 1 when the original graph has ``u -> v``, 2 when it has
    ``v -> u``, 3 when it has both. Self-loops are left out: they change no component.

    Examples
    --------
    >>> g = two_way(pregel.Graph.from_edges([10, 20, 20], [20, 10, 30]))
    >>> g.ids.tolist(), g.edge_arrays()[0].tolist(), g.edge_arrays()[1].tolist(), g.weights.tolist()
    ([0, 1, 2], [0, 1, 1, 2], [1, 0, 2, 1], [3.0, 3.0, 1.0, 2.0])
    """
    n = graph.num_vertices
    indptr, heads, ways = both_ways(graph.indptr, graph.indices)
    return pregel.Graph(np.arange(n, dtype=np.int64), indptr, heads, ways)


def strongly_connected_components(
    graph: Any, backend: str = "local", api: str = "batch", **options: Any
) -> pregel.Result:
    """Label every vertex with the smallest original id of its strongly connected component.

    Parameters
    ----------
    graph : Graph, networkx.DiGraph, scipy sparse matrix or str
        Edge weights are ignored.
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` runs ``scipy.sparse.csgraph.connected_components(connection="strong")``
        instead of the engine.
    api : {"batch", "scalar"}
        The vectorised program (fast) or its scalar twin.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Labels (``int64``) aligned with ``graph.ids``; -1 for the vertices whose component
        was not found yet when the run stopped at ``max_supersteps``. ``result.stats``
        are those of the run on :func:`two_way`'s graph; each superstep's ``phase`` and
        ``round`` aggregators are the phase and round master compute chose for the next one.

    Examples
    --------
    >>> labels = strongly_connected_components(pregel.Graph.from_edges([5, 6, 6, 7], [6, 5, 7, 9]))
    >>> labels.to_dict()
    {5: 5, 6: 5, 7: 7, 9: 9}
    """
    graph = as_graph(graph)
    if backend == "scipy":
        from pregel.algorithms import reference

        return reference.strong_components(graph)
    program = twin(api, StronglyConnected, StronglyConnectedVertex)()
    # the labels are the ids of the vertices found first, over the whole graph: collected here
    collect = options.pop("collect", ())
    result = pregel.run(two_way(graph), program, backend=backend, **options)
    found = result.values < 0
    labels = np.where(found, graph.ids[np.where(found, -result.values - 1, 0)], -1)
    trace = result.trace and result.trace.told_of(graph)  # drawn with the user's vertices and edges
    # labels name vertices (a labelled graph's are shown by their labels) once every component is found
    named = graph.labels is None or bool(found.all())
    result = dataclasses.replace(result, graph=graph, values=labels, trace=trace, values_are_ids=named)
    result.collected = collect_on_driver(result, collect, options.get("workers") or 1)
    return result


def networkx_scc(graph: pregel.Graph) -> np.ndarray:
    """networkx's strongly connected components as smallest-id labels, aligned with ``graph.ids``.

    Examples
    --------
    >>> networkx_scc(pregel.Graph.from_edges([5, 6, 6], [6, 5, 7])).tolist()
    [5, 5, 7]
    """
    import networkx as nx

    label = {}
    for component in nx.strongly_connected_components(graph.to_networkx(weights=False)):
        label.update(dict.fromkeys(component, min(component)))
    # networkx knows the original ids (labels); the engine's values are ids
    return graph.ids[graph.index_of([label[v] for v in graph.original_ids.tolist()])]
