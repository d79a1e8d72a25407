"""Triangles per vertex of the undirected graph, with the global count, transitivity and average clustering.

The programs run on :func:`ranked`'s view of the graph: undirected, without self-loops,
vertices numbered 0..N-1 by degree (ties by id), so that a vertex's neighbours *above*
it are few even when its degree is high. Each triangle ``u < v < w`` is found once, at
its middle vertex ``v``:

1. every vertex ``u`` sends each neighbour ``v`` above it one *wedge* message for each
   neighbour ``w`` of ``u`` above ``v``: the number ``u << B | w`` (``B`` bits hold any
   vertex, :func:`wedge_bits`);
2. ``v`` keeps the wedges whose ``w`` is its own neighbour too: each closes a triangle
   ``u < v < w``; ``v`` counts its own and tells ``u`` and ``w`` how many it found of
   theirs (a negative number, ``-count``, so that both kinds share one stream);
3. every vertex adds what it was told.

The wedges are many (the sum over ``u`` of ``a (a - 1) / 2`` for its ``a`` neighbours
above), so :class:`Triangles` sends them in chunks of vertices, one chunk per superstep,
each of at most ``WEDGES_PER_SUPERSTEP``: memory stays bounded while steps 1-3
pipeline. Messages are plain ``int64`` numbers without a combiner (``v.all_messages``):
no Python object per message. When every count has arrived, every vertex aggregates its
triangles ``t``, its triples ``d (d - 1) / 2`` and its clustering
``t / (d (d - 1) / 2)``; master compute turns the sums into the number of triangles,
the transitivity and the average clustering.

:class:`TrianglesVertex`, the scalar twin, sends each wedge list as one list message
(joined by the :class:`Collect` combiner) and takes three supersteps.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Combiner, Sum, Vertex
from pregel.core.engine import collect_on_driver
from pregel.io.edges import as_graph


class Collect(Combiner):
    """Messages that are lists, combined by joining them (in the order they were sent).

    Examples
    --------
    >>> Collect().reduce([[1], [2, 3]])
    [1, 2, 3]
    """

    identity: list = []

    def combine(self, a: list, b: list) -> list:
        return a + b

    def fill_value(self, dtype: np.dtype) -> None:
        """No message: ``None``."""
        return None

    def reduce_groups(self, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Join each run at once: joining pairwise would copy a long run again and again."""
        out = np.empty(starts.size, dtype=object)
        bounds = np.append(starts, values.size).tolist()
        for k in range(starts.size):
            out[k] = list(itertools.chain.from_iterable(values[bounds[k] : bounds[k + 1]]))
        return out


class _Counting:
    """What both programs share: aggregators, and master compute's global numbers at the last superstep."""

    #: ``corners`` adds up every vertex's triangles (3 per triangle), ``triples`` the pairs
    #: of neighbours, ``clustering`` the local clustering; master compute sets the others
    aggregators = {
        "corners": Sum,
        "triples": Sum,
        "clustering": Sum,
        "triangles": Sum,
        "transitivity": Sum,
        "average_clustering": Sum,
    }

    def last_superstep(self) -> int:
        return 2

    def master_compute(self, master: pregel.Master) -> None:
        if master.superstep != self.last_superstep():
            return
        corners, triples = master.aggregated("corners"), master.aggregated("triples")
        master.set_aggregated("triangles", corners // 3)
        # as networkx divides: 0 without triangles, else triangles over triples
        master.set_aggregated("transitivity", 0 if corners == 0 else corners / triples)
        master.set_aggregated("average_clustering", master.aggregated("clustering") / master.num_vertices)


def _account(v: Any, triangles: np.ndarray, degree: np.ndarray) -> None:
    """The sums master compute needs (clustering as networkx divides it)."""
    pairs = degree * (degree - 1)
    v.aggregate("corners", triangles)
    v.aggregate("triples", pairs // 2)
    v.aggregate("clustering", np.divide(2.0 * triangles, pairs, out=np.zeros(triangles.size), where=triangles > 0))


#: At most this many wedge messages in one superstep (24 bytes each on the way, with the target).
WEDGES_PER_SUPERSTEP = 4_000_000


class Triangles(_Counting, BatchProgram):
    """Triangles per vertex over arrays (the fast path). Run it on :func:`ranked`'s graph.

    ``chunks`` are the rank boundaries of the vertices that send their wedges in each
    superstep (:func:`wedge_chunks`); the default sends them all in superstep 0.

    Examples
    --------
    >>> g, _ = ranked(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> result = pregel.run(g, Triangles)
    >>> result.values.tolist(), result.aggregated["triangles"], result.aggregated["transitivity"]
    ([0, 1, 1, 1], 1, 0.6)
    """

    value_dtype = np.int64
    initial_value = 0
    chunks: tuple[int, ...] = ()

    def last_superstep(self) -> int:
        # the last chunk's wedges close one superstep after they are sent, their counts arrive one later
        return max(len(self.chunks) - 1, 1) + 1

    def compute(self, v: pregel.VertexBatch) -> None:
        bits = wedge_bits(v.num_vertices)
        got = v.all_messages
        told = got.values < 0
        found = np.bincount(got.receiver[told], weights=-got.values[told], minlength=v.size).astype(np.int64)
        wedges = ~told
        if wedges.any():
            found += self._close(v, got.receiver[wedges], got.values[wedges], bits)
        v.values = v.values + found
        if v.superstep < len(self.chunks) - 1 or (not self.chunks and v.superstep == 0):
            self._send_wedges(v, bits)
        if v.superstep == self.last_superstep():
            _account(v, v.values, v.out_degree)
            v.vote_to_halt()

    def _send_wedges(self, v: pregel.VertexBatch, bits: int) -> None:
        """This superstep's chunk sends its wedges: ``u << bits | w`` to ``v``, for ``v < w`` both above ``u``."""
        lo, hi = (self.chunks[v.superstep], self.chunks[v.superstep + 1]) if self.chunks else (0, v.num_vertices)
        edges = v.out_edges(where=(v.ids >= lo) & (v.ids < hi))
        u = v.ids[edges.source]
        above = np.flatnonzero(edges.target > u)
        if above.size == 0:
            return
        # a row is sorted, so the neighbours of u above v are the rest of u's row after v
        row_end = np.searchsorted(edges.source, edges.source[above], side="right")
        count = row_end - above - 1
        first = np.repeat(above, count)
        partner = first + 1 + np.arange(first.size) - np.repeat(np.cumsum(count) - count, count)
        v.send(edges.target[first], (u[first] << bits) | edges.target[partner])

    @staticmethod
    def _close(v: pregel.VertexBatch, receiver: np.ndarray, wedge: np.ndarray, bits: int) -> np.ndarray:
        """Keep the wedges ``(u, w)`` whose ``w`` neighbours their receiver; count them and tell ``u`` and ``w``."""
        edges = v.out_edges()
        # the batch's (vertex, neighbour) pairs as sorted numbers: rows in id order, each row sorted
        pairs = (v.ids[edges.source] << bits) | edges.target
        mask = (1 << bits) - 1
        asked = (v.ids[receiver] << bits) | (wedge & mask)
        at = np.minimum(np.searchsorted(pairs, asked), max(pairs.size - 1, 0))
        closes = pairs[at] == asked if pairs.size else np.zeros(asked.size, dtype=bool)
        wedge = wedge[closes]
        times = np.bincount(wedge >> bits, minlength=v.num_vertices)
        times += np.bincount(wedge & mask, minlength=v.num_vertices)
        corners = np.flatnonzero(times)
        if corners.size:
            v.send(corners, -times[corners])
        return np.bincount(receiver[closes], minlength=v.size)


class TrianglesVertex(_Counting, Vertex):
    """Triangles per vertex one vertex at a time, in three supersteps. Run it on :func:`ranked`'s graph.

    A wedge message is a list of ``(u, neighbours of u above v)`` pairs, joined by the
    :class:`Collect` combiner; the values are Python integers (``object``).

    Examples
    --------
    >>> g, _ = ranked(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> pregel.run(g, TrianglesVertex).values.tolist()
    [0, 1, 1, 1]
    """

    combiner = Collect
    value_dtype = object
    initial_value = 0

    def compute(self, messages: list | None) -> None:
        neighbours = self.out_edges[0]
        above = neighbours[neighbours > self.id]
        if self.superstep == 0:
            for k in range(above.size - 1):
                self.send_message(int(above[k]), [(self.id, above[k + 1 :])])
        elif self.superstep == 1:
            found = 0
            told = {}
            for u, candidates in messages or ():
                for w in candidates[np.isin(candidates, above)].tolist():
                    found += 1
                    told[u] = told.get(u, 0) + 1
                    told[w] = told.get(w, 0) + 1
            for corner, times in told.items():
                self.send_message(corner, [times])
            self.value = found
        else:
            triangles = self.value + sum(messages or ())
            degree = neighbours.size
            self.value = triangles
            self.aggregate("corners", triangles)
            self.aggregate("triples", degree * (degree - 1) // 2)
            self.aggregate("clustering", 0.0 if triangles == 0 else 2 * triangles / (degree * (degree - 1)))
            self.vote_to_halt()


def ranked(graph: pregel.Graph) -> tuple[pregel.Graph, np.ndarray]:
    """The graph the programs run on, and the vertex each of its vertices stands for.

    Undirected, without self-loops or weights; vertex ``r`` is the ``r``-th vertex by
    degree (ties by id), which is ``graph``'s vertex ``order[r]`` (an index).

    Examples
    --------
    >>> g, order = ranked(pregel.Graph.from_edges([10, 10, 10, 20], [20, 30, 40, 30]))
    >>> order.tolist(), g.out_degree.tolist()
    ([3, 1, 2, 0], [1, 2, 2, 3])
    """
    simple = graph.to_undirected()
    loops = simple.sources == simple.indices
    degree = simple.out_degree - np.bincount(simple.sources[loops], minlength=simple.num_vertices)
    order = np.lexsort((np.arange(graph.num_vertices), degree))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    keep = ~loops
    g = pregel.Graph.from_edges(rank[simple.sources[keep]], rank[simple.indices[keep]], vertices=np.arange(order.size))
    return g, order


def triangles(graph: Any, backend: str = "local", api: str = "batch", **options: Any) -> pregel.Result:
    """Triangles through every vertex of the undirected graph; the graph's triangles, transitivity and clustering.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge directions, weights and self-loops are ignored.
    backend : {"local", "ray", "scipy"}
        ``"scipy"`` counts with sparse matrix products instead (the diagonal of A³).
    api : {"batch", "scalar"}
        The vectorised program (fast) or its scalar twin.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Triangle counts (``int64``) aligned with ``graph.ids``. ``result.aggregated``
        holds ``triangles`` (the graph's), ``transitivity`` and ``average_clustering``,
        as networkx's ``transitivity`` and ``average_clustering`` compute them.

    Examples
    --------
    >>> result = triangles(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4]))
    >>> result.to_dict()
    {1: 1, 2: 1, 3: 1, 4: 0}
    >>> result.aggregated["triangles"], result.aggregated["transitivity"], result.aggregated["average_clustering"]
    (1, 0.6, 0.5833333333333334)
    """
    graph = as_graph(graph)
    if backend == "scipy":
        from pregel.algorithms import reference

        return reference.triangles(graph)
    view, order = ranked(graph)
    program = Triangles(chunks=wedge_chunks(view)) if api == "batch" else TrianglesVertex()
    # the run's vertices are ranked, not the user's: their counts are put back in order, then collected here
    collect = options.pop("collect", ())
    result = pregel.run(view, program, backend=backend, **options)
    counts = np.empty(graph.num_vertices, dtype=np.int64)
    counts[order] = result.values.astype(np.int64)
    trace = result.trace and _told_of_user(result.trace, graph, order)
    result = dataclasses.replace(result, graph=graph, values=counts, trace=trace)
    result.collected = collect_on_driver(result, collect, options.get("workers") or 1)
    return result


def wedge_bits(num_vertices: int) -> int:
    """Bits that hold any vertex number of a graph of ``num_vertices``: a wedge is ``u << bits | w``.

    Examples
    --------
    >>> wedge_bits(1000), (3 << wedge_bits(1000) | 999) & 1023
    (10, 999)
    """
    return max(int(num_vertices - 1).bit_length(), 1)


def wedge_chunks(view: pregel.Graph, budget: int = WEDGES_PER_SUPERSTEP) -> tuple[int, ...]:
    """Rank boundaries of the chunks of vertices that send their wedges together, each at most ``budget`` wedges.

    (A single vertex with more wedges than ``budget`` is a chunk of its own.)

    Examples
    --------
    >>> g, _ = ranked(pregel.Graph.from_edges([1, 1, 1, 2, 2, 3], [2, 3, 4, 3, 4, 4]))
    >>> wedge_chunks(g), wedge_chunks(g, budget=1)
    ((0, 4), (0, 1, 4))
    """
    n = view.num_vertices
    above = np.bincount(view.sources[view.indices > view.sources], minlength=n)
    ends = np.cumsum(above * (above - 1) // 2)
    bounds = [0]
    while bounds[-1] < n:
        spent = ends[bounds[-1] - 1] if bounds[-1] else 0
        bounds.append(max(int(np.searchsorted(ends, spent + budget, side="right")), bounds[-1] + 1))
    return tuple(min(b, n) for b in bounds) if n else (0, 0)


def _told_of_user(trace: Any, graph: pregel.Graph, order: np.ndarray) -> Any:
    """The trace in the user's vertices, wedge messages ``u << B | w`` too (the scalar twin's lists stay ranks)."""
    told = trace.told_of(graph.to_undirected(), order)
    if trace.program_class is not Triangles:
        return told
    bits = wedge_bits(graph.num_vertices)
    mask = (1 << bits) - 1

    def wedges(values: np.ndarray) -> np.ndarray:
        if values.dtype.kind != "i":  # no message: an empty float array
            return values
        wedge = np.maximum(values, 0)
        return np.where(values >= 0, (order[wedge >> bits] << bits) | order[wedge & mask], values)

    told.steps = [
        dataclasses.replace(step, messages=wedges(step.messages), inbox=wedges(step.inbox)) for step in told.steps
    ]
    return told


def networkx_triangles(graph: pregel.Graph) -> np.ndarray:
    """networkx's triangles per vertex of the undirected graph, aligned with ``graph.ids``.

    Examples
    --------
    >>> networkx_triangles(pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 4])).tolist()
    [1, 1, 1, 0]
    """
    import networkx as nx

    found = nx.triangles(networkx_undirected(graph))
    return np.array([found[v] for v in graph.ids.tolist()], dtype=np.int64)


def networkx_undirected(graph: pregel.Graph) -> Any:
    """The graph as a ``networkx.Graph``: each edge once, directions and weights dropped.

    Faster than ``graph.to_networkx().to_undirected()``, which copies every edge's attributes.

    Examples
    --------
    >>> networkx_undirected(pregel.Graph.from_edges([1, 2], [2, 1])).number_of_edges()
    1
    """
    import networkx as nx

    undirected = nx.Graph()
    undirected.add_nodes_from(graph.ids.tolist())
    undirected.add_edges_from(zip(*(ends.tolist() for ends in graph.edge_arrays()[:2])))
    return undirected
