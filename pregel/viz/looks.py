"""How the replay page shows each built-in algorithm: a drawing style, what a value means, and the value shown.

A program's vertex value is what its supersteps need, not always what a reader wants
to see: strongly connected components keep a colour or ``-(label + 1)``, label
propagation a record of five fields, and several programs run on vertices numbered
``0..N-1``. A :class:`Look` turns each superstep's values (and messages) into what the
page shows, with every value that names a vertex shown as the user named it (the
original id, or the label of a graph with string ids).

The algorithms give their traces back in the user's vertices (``Trace.told_of``), so
the numbers a look reads as vertices are indices of ``trace.graph``, or its ids where
the program's values are ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pregel.core.graph import Graph

Shown = Callable[[np.ndarray, Graph], np.ndarray]


def _same(values: np.ndarray, graph: Graph) -> np.ndarray:
    return values


@dataclass(frozen=True)
class Look:
    """How the page draws one program's run.

    Attributes
    ----------
    style : {"rank", "distance", "label", "value"}
        Size follows the value (``rank``), colour follows it from near to far
        (``distance``, ``inf`` drawn as unreachable), one colour per value (``label``),
        or colour follows any number (``value``).
    meaning : str
        What a value is, for the legend ("the component label").
    values : callable
        ``(values, graph) -> shown``: a superstep's vertex values as the page shows
        them (numbers, or an ``object`` array of text and ``None`` for "nothing yet").
    messages : callable
        The same for the values of messages.

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.scc import StronglyConnected
    >>> g = pregel.Graph.from_edges(["a", "b"], ["b", "c"])
    >>> look_of(StronglyConnected).values(np.array([1, -3, 0]), g).tolist()
    ['b', 'c', 'a']
    """

    style: str
    meaning: str
    values: Shown = _same
    messages: Shown = _same


def _vertex_at(numbers: np.ndarray, graph: Graph) -> np.ndarray:
    """Vertices given by index, as the user named them."""
    return _named(graph.original_ids[np.asarray(numbers, dtype=np.int64)])


def _vertex_of(ids: np.ndarray, graph: Graph) -> np.ndarray:
    """Vertices given by id, as the user named them."""
    return _named(graph.to_original(np.asarray(ids, dtype=np.int64)))


def _named(names: np.ndarray) -> np.ndarray:
    """Names that the page shows as they are: integer ids stay numbers (colours can order them)."""
    return names.astype(np.float64) if names.dtype.kind in "iu" else names.astype(object)


def _scc_vertex(values: np.ndarray, graph: Graph) -> np.ndarray:
    # a colour is a vertex's number; a found vertex holds -(label + 1); a backward message -colour
    return _vertex_at(np.where(values < 0, -values - 1, values), graph)


def _scc_message(values: np.ndarray, graph: Graph) -> np.ndarray:
    return _vertex_at(np.abs(values), graph)


def _core(values: np.ndarray, graph: Graph) -> np.ndarray:
    # remaining degree while the vertex stays, -(core + 1) once it left: show the degree left, then the core
    return np.where(values < 0, -values - 1, values).astype(np.float64)


def _number(values: np.ndarray, graph: Graph) -> np.ndarray:
    return values.astype(np.float64)


def _wedge(values: np.ndarray, graph: Graph) -> np.ndarray:
    """A wedge ``u << B | w`` ("is my neighbour w yours?") as ``u–w?``; a count of triangles told as ``+k``; a bloom
    of the sender's neighbours above it as ``v's bloom``."""
    from pregel.algorithms.triangles import BLOOM, wedge_bits

    if values.dtype == BLOOM:
        return np.array([f"{v}'s bloom" for v in graph.original_ids[values["vertex"]].tolist()], dtype=object)
    if values.dtype.kind != "i":  # the scalar twin's lists, or no message
        return values
    bits = wedge_bits(graph.num_vertices)
    wedge = np.maximum(values, 0)
    ends = graph.original_ids[np.concatenate([wedge >> bits, wedge & ((1 << bits) - 1)])].reshape(2, -1)
    return np.array(
        [f"{u}–{w}?" if m >= 0 else f"+{-m}" for m, u, w in zip(values.tolist(), *ends.tolist())], dtype=object
    )


def _lpa_label(values: np.ndarray, graph: Graph) -> np.ndarray:
    return _vertex_at(values["label"], graph)


def _lpa_message(values: np.ndarray, graph: Graph) -> np.ndarray:
    # the colouring phase sends places (degree << 31 | 2**31 - 1 - id) unless the graph is oriented, which show
    # the sender, then colours (int32); the turns send requests (-1 - (asker << 31 | its label)), which show the
    # asker, and replies (labels); a superstep that sent nothing has an empty array of floats
    if values.dtype == np.int32 or values.dtype.kind not in "iu":
        return values.astype(np.float64)
    label = (1 << 31) - 1
    shown = np.where(values < 0, (-1 - values) >> 31, np.where(values > label, label - (values & label), values))
    return _vertex_at(shown, graph)


def _community(values: np.ndarray, graph: Graph) -> np.ndarray:
    # Louvain's state and messages are records whose "community" is a vertex number of the first graph
    return _vertex_at(values["community"], graph) if values.dtype.names else values


def _centrality(values: np.ndarray, graph: Graph) -> np.ndarray:
    return values["bc"]


def _mean_rank(values: np.ndarray, graph: Graph) -> np.ndarray:
    # one rank per source, packed as a record of float64 columns
    columns = np.ascontiguousarray(values).view(np.float64).reshape(values.size, -1)
    return columns.mean(axis=1)


def _membership(values: np.ndarray, graph: Graph) -> np.ndarray:
    from pregel.algorithms.mis import IN, OUT

    shown = np.full(values.size, None, dtype=object)
    shown[values == IN] = "in"
    shown[values == OUT] = "out"
    return shown


def _pair(values: np.ndarray, graph: Graph) -> np.ndarray:
    from pregel.algorithms.matching import ALONE

    partner = values["partner"]
    shown = np.full(values.size, None, dtype=object)
    shown[partner == ALONE] = "unmatched"
    matched = np.flatnonzero(partner >= 0)
    # both ends show the same pair, so that they get one colour
    ends = np.sort(np.column_stack([graph.ids[matched], partner[matched]]), axis=1)
    names = graph.to_original(ends.ravel()).reshape(-1, 2).tolist()
    shown[matched] = [f"{a}–{b}" for a, b in names]
    return shown


def looks() -> dict[type, Look]:
    """Each built-in program class and its look (scalar twins included)."""
    from pregel.algorithms.betweenness import BrandesColumns
    from pregel.algorithms.bfs import BreadthFirst, BreadthFirstVertex
    from pregel.algorithms.components import ConnectedComponents, ConnectedComponentsVertex, PartitionComponents
    from pregel.algorithms.kcore import CoreNumbers, CoreNumbersVertex, KCorePruning, KCorePruningVertex
    from pregel.algorithms.louvain import Louvain
    from pregel.algorithms.lpa import LabelPropagation
    from pregel.algorithms.matching import RandomMatching
    from pregel.algorithms.mis import LubyIndependentSet, LubyIndependentSetVertex
    from pregel.algorithms.pagerank import PageRank, PageRankVertex, PersonalizedPageRankVertex
    from pregel.algorithms.ppr import ParallelPersonalizedPageRank
    from pregel.algorithms.scc import StronglyConnected, StronglyConnectedVertex
    from pregel.algorithms.sssp import ShortestPaths, ShortestPathsVertex
    from pregel.algorithms.synchronous_lpa import SynchronousLabelPropagation, SynchronousLabelPropagationVertex
    from pregel.algorithms.triangles import Triangles, TrianglesVertex
    from pregel.algorithms.weighted_pagerank import WeightedPageRank

    rank = Look("rank", "the rank")
    distance = Look("distance", "the distance (dark = near)")
    hops = Look("distance", "the hops from the nearest source (dark = near)")
    component = Look("label", "the component label", _vertex_of, _vertex_of)
    strong = Look("label", "the colour, then the component label", _scc_vertex, _scc_message)
    core = Look("value", "the degree left, then the core number", _core)
    counted = Look("value", "the triangles found so far", _number, _wedge)
    return {
        PageRank: rank,
        PageRankVertex: rank,
        PersonalizedPageRankVertex: rank,
        WeightedPageRank: rank,
        ParallelPersonalizedPageRank: Look("rank", "the mean rank over the sources", _mean_rank),
        ShortestPaths: distance,
        ShortestPathsVertex: distance,
        BreadthFirst: hops,
        BreadthFirstVertex: hops,
        ConnectedComponents: component,
        ConnectedComponentsVertex: component,
        PartitionComponents: component,
        StronglyConnected: strong,
        StronglyConnectedVertex: strong,
        CoreNumbers: core,
        CoreNumbersVertex: core,
        KCorePruning: Look("value", "the degree (vertices below k remove themselves)"),
        KCorePruningVertex: Look("value", "the degree (vertices below k remove themselves)"),
        Triangles: counted,
        TrianglesVertex: counted,
        LabelPropagation: Look("label", "the community label", _lpa_label, _lpa_message),
        SynchronousLabelPropagation: Look("label", "the community label", _vertex_at, _vertex_at),
        SynchronousLabelPropagationVertex: Look("label", "the community label", _vertex_at, _vertex_at),
        Louvain: Look("label", "the community (at each level, of the level's graph)", _community, _community),
        BrandesColumns: Look("rank", "the betweenness summed so far", _centrality),
        LubyIndependentSet: Look("label", "in the set, out, or undecided", _membership),
        LubyIndependentSetVertex: Look("label", "in the set, out, or undecided", _membership),
        RandomMatching: Look("label", "the matched pair", _pair, _vertex_of),
    }


def look_of(program_class: type) -> Look:
    """The look of a program class: its built-in algorithm's, else numbers coloured as they are.

    Examples
    --------
    >>> from pregel.algorithms.sssp import ShortestPathsVertex
    >>> look_of(ShortestPathsVertex).style, look_of(object).style
    ('distance', 'value')
    """
    known = looks()
    return next((look for cls, look in known.items() if issubclass(program_class, cls)), Look("value", "the value"))
