"""A maximal independent set by Luby's algorithm: no two members adjacent, every other vertex next to one.

Rounds of two supersteps on the undirected graph (self-loops ignored). Every undecided
vertex draws a number (a hash of the seed, the round and its id: :mod:`pregel.algorithms.hashing`)
and sends it to its neighbours; a vertex whose number is below all its undecided
neighbours' joins the set and tells its neighbours, which leave. The rest draw again.
Each round removes, in expectation, a constant fraction of the edges, so O(log n) rounds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Min, Vertex
from pregel.algorithms.hashing import draw, draw_one
from pregel.api.run import integer
from pregel.api.twin import twin
from pregel.io.edges import as_graph

UNDECIDED, OUT, IN = -1, 0, 1
NOTICE = -1
"""What a new member tells its neighbours (numbers drawn are never negative)."""


class LubyIndependentSet(BatchProgram):
    """Luby's algorithm over arrays (the fast path). Run it on an undirected graph without self-loops.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 4]).to_undirected()
    >>> members = pregel.run(g, LubyIndependentSet(seed=3)).values
    >>> members.tolist()
    [1, 0, 1, 0]
    """

    combiner = Min
    value_dtype = np.int64
    initial_value = UNDECIDED
    seed = 0

    def compute(self, v: pregel.VertexBatch) -> None:
        undecided = v.values == UNDECIDED
        if v.superstep % 2:
            # the numbers came: a vertex below all its undecided neighbours joins
            smallest = ~v.has_messages | (draw(self.seed, v.superstep // 2, v.ids) < v.messages)
            joins = undecided & smallest
            values = np.where(joins, IN, v.values)
            v.send_to_all_neighbors(NOTICE, where=joins)
        else:
            # the notices came: neighbours of a new member leave; the others draw again
            values = np.where(undecided & v.has_messages, OUT, v.values)
            still = values == UNDECIDED
            v.send_to_all_neighbors(draw(self.seed, v.superstep // 2, v.ids), where=still)
        v.values = values
        v.vote_to_halt(values != UNDECIDED)


class LubyIndependentSetVertex(Vertex):
    """Luby's algorithm one vertex at a time, as the Pregel paper would write it.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 4]).to_undirected()
    >>> pregel.run(g, LubyIndependentSetVertex(seed=3)).values.tolist()
    [1, 0, 1, 0]
    """

    combiner = Min
    value_dtype = np.int64
    initial_value = UNDECIDED
    seed = 0

    def compute(self, messages: int | None) -> None:
        if self.value == UNDECIDED:
            drawn = draw_one(self.seed, self.superstep // 2, self.id)
            if self.superstep % 2 == 0:
                if messages is None:
                    self.send_message_to_all_neighbors(drawn)
                else:
                    self.value = OUT  # a neighbour joined
            elif messages is None or drawn < messages:
                self.value = IN
                self.send_message_to_all_neighbors(NOTICE)
        if self.value != UNDECIDED:
            self.vote_to_halt()


def simple_undirected(graph: pregel.Graph) -> pregel.Graph:
    """Both directions of every edge, self-loops left out (a vertex is not its own neighbour here).

    Examples
    --------
    >>> simple_undirected(pregel.Graph.from_edges([1, 2], [2, 2])).edge_arrays()[0].tolist()
    [1, 2]
    """
    undirected = graph.to_undirected()
    sources, targets, _ = undirected.edge_arrays()
    loop = sources == targets
    if not loop.any():
        return undirected
    return pregel.Graph.from_edges(sources[~loop], targets[~loop], vertices=undirected.original_ids)


def maximal_independent_set(
    graph: Any, seed: int = 0, backend: str = "local", api: str = "batch", **options: Any
) -> pregel.Result:
    """A maximal independent set of the undirected graph, by Luby's randomized algorithm.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge directions and weights are ignored, and so are self-loops.
    seed : int
        The same seed gives the same set, on every backend and partition count.
    backend : {"local", "ray"}
    api : {"batch", "scalar"}
        The vectorised program or its scalar twin (the same set).
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        1 for the members, 0 for the others (``int64``), aligned with ``graph.ids``;
        ``result.graph`` is the undirected graph the program ran on.

    Notes
    -----
    ``networkx.maximal_independent_set`` draws differently, so the sets differ; both are
    independent and maximal (:func:`independence_problem` checks it).

    References
    ----------
    .. [1] M. Luby, "A simple parallel algorithm for the maximal independent set
       problem", SIAM J. Comput. 15(4), 1986.

    Examples
    --------
    >>> members = maximal_independent_set(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1], vertices=[9]), seed=1)
    >>> sum(members.values.tolist()), members[9]
    (2, 1)
    """
    graph = simple_undirected(as_graph(graph))
    if backend == "scipy":
        raise pregel.InputError("an independent set has no scipy reference (it is random; --check verifies it)")
    program = twin(api, LubyIndependentSet, LubyIndependentSetVertex)(seed=integer("seed", seed))
    return pregel.run(graph, program, backend=backend, **options)


def independence_problem(graph: pregel.Graph, members: np.ndarray) -> str | None:
    """What is wrong with ``members`` (1/0 per vertex) as a maximal independent set of ``graph``, or None.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2], [2, 3]).to_undirected()
    >>> independence_problem(g, np.array([1, 0, 1])) is None
    True
    >>> independence_problem(g, np.array([1, 1, 0]))
    'vertices 1 and 2 are both in the set but adjacent'
    >>> independence_problem(g, np.array([1, 0, 0]))
    'vertex 3 is out of the set but has no neighbour in it'
    """
    inside = np.asarray(members) == IN
    sources, targets = graph.sources, graph.indices
    proper = sources != targets
    both = proper & inside[sources] & inside[targets]
    if both.any():
        k = int(np.flatnonzero(both)[0])
        return f"vertices {graph.ids[sources[k]]} and {graph.ids[targets[k]]} are both in the set but adjacent"
    covered = np.zeros(graph.num_vertices, dtype=bool)
    covered[sources[proper & inside[targets]]] = True
    lonely = np.flatnonzero(~inside & ~covered)
    if lonely.size:
        return f"vertex {graph.ids[lonely[0]]} is out of the set but has no neighbour in it"
    return None
