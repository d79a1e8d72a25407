"""A maximal matching by random locally heaviest edges: no two chosen edges meet, no edge could be added.

The Pregel paper's bipartite matching, for any undirected graph (self-loops ignored). In
each round every edge between two unmatched vertices gets a random weight (a hash of the
seed, the round and its two ends: :mod:`pregel.algorithms.hashing`); every unmatched
vertex proposes to its neighbour across its heaviest such edge, and two vertices that
propose to each other are matched. The heaviest edge left is always mutual, so every round
matches at least one pair (in expectation a constant fraction of the edges go), and a
vertex whose neighbours are all matched stops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram
from pregel.algorithms.hashing import draw_pair
from pregel.algorithms.mis import simple_undirected
from pregel.api.run import integer
from pregel.api.twin import only_batch
from pregel.core.types import Finished
from pregel.io.edges import as_graph

UNMATCHED, ALONE = -1, -2
"""A vertex still looking for a partner, and one with no unmatched neighbour left (it never will)."""

STATE = np.dtype([("partner", np.int64), ("choice", np.int64)])


class RandomMatching(BatchProgram):
    """Random maximal matching over arrays. Run it on an undirected graph without self-loops.

    A value is the partner's id (``UNMATCHED`` or ``ALONE`` without one) and the
    neighbour the vertex last proposed to.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 4]).to_undirected()
    >>> pregel.run(g, RandomMatching(seed=0)).values["partner"].tolist()
    [2, 1, 4, 3]
    """

    value_dtype = STATE
    seed = 0

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        values = np.empty(v.size, dtype=STATE)
        values["partner"] = values["choice"] = UNMATCHED
        return values

    def compute(self, v: pregel.VertexBatch) -> None:
        values = v.values.copy()
        partner, choice = values["partner"], values["choice"]
        got = v.all_messages
        if v.superstep % 2:
            # the unmatched neighbours said so: propose across the heaviest edge to one of them
            free = partner == UNMATCHED
            mine = free[got.receiver]
            row, neighbour = got.receiver[mine], got.values[mine].astype(np.int64)
            weight = draw_pair(self.seed, v.superstep // 2, v.ids[row], neighbour)
            rows, chosen = _heaviest(row, weight, neighbour)
            choice[rows] = chosen
            proposing = np.zeros(v.size, dtype=bool)
            proposing[rows] = True
            partner[free & ~proposing] = ALONE
            v.send(chosen, v.ids[rows])
        else:
            # the proposals came: two vertices that chose each other are matched
            if len(got):
                proposer = got.values.astype(np.int64)
                mutual = (partner[got.receiver] == UNMATCHED) & (choice[got.receiver] == proposer)
                partner[got.receiver[mutual]] = proposer[mutual]
            free = partner == UNMATCHED
            v.send_to_all_neighbors(v.ids, where=free)
        v.values = values
        v.vote_to_halt(partner != UNMATCHED)


def _heaviest(row: np.ndarray, weight: np.ndarray, neighbour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row (``row`` sorted) the neighbour across its heaviest edge, the smallest among equals: rows, choices.

    Runs of rows reduced in place (no sort): the messages come grouped by receiver.
    """
    if not row.size:
        return row, neighbour
    starts = np.flatnonzero(np.diff(row, prepend=-1))
    heaviest = np.maximum.reduceat(weight, starts)
    top = weight == np.repeat(heaviest, np.diff(starts, append=row.size))
    return row[starts], np.minimum.reduceat(np.where(top, neighbour, np.iinfo(np.int64).max), starts)


def maximal_matching(
    graph: Any, seed: int = 0, backend: str = "local", api: str = "batch", **options: Any
) -> pregel.Result:
    """A maximal matching of the undirected graph, by random locally heaviest edges.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge directions and weights are ignored, and so are self-loops.
    seed : int
        The same seed gives the same matching, on every backend and partition count.
    backend : {"local", "ray"}
    api : {"batch"}
        There is only the vectorised program.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        Each vertex's partner (its id), or -1 for an unmatched vertex (``int64``),
        aligned with ``graph.ids``; ``result.graph`` is the undirected graph it ran on.
        In a graph of string ids, ``result.original_values`` (and ``to_dict``, the
        output files) name the partners by label, and an unmatched vertex's partner is
        None (an empty field in TSV and CSV, null in Parquet, ``""`` in ``.npy``, which
        has no missing string).

    Notes
    -----
    ``networkx.maximal_matching`` is greedy and deterministic, so the matchings differ;
    both are matchings and maximal (:func:`matching_problem` checks it).

    Examples
    --------
    >>> pairs = maximal_matching(pregel.Graph.from_edges([1, 2, 3], [2, 3, 4]), seed=0)
    >>> pairs.to_dict()
    {1: 2, 2: 1, 3: 4, 4: 3}
    """
    graph = simple_undirected(as_graph(graph))
    if backend == "scipy":
        raise pregel.InputError("a matching has no scipy reference (it is random; --check verifies it)")
    only_batch(api, "matching")
    collect = [Finished(c, partners, ids=True) for c in options.pop("collect", ())]
    result = pregel.run(graph, RandomMatching(seed=integer("seed", seed)), backend=backend, collect=collect, **options)
    if result.values is not None:  # else the partitions wrote or picked the partners themselves
        result.values = partners(result.values)
    result.values_are_ids = True  # a labelled graph's partners are labels (None for none)
    return result


def partners(values: np.ndarray) -> np.ndarray:
    """Each vertex's partner from :class:`RandomMatching`'s values, or -1 for none.

    Examples
    --------
    >>> values = np.zeros(2, dtype=STATE)
    >>> values["partner"] = [7, UNMATCHED]
    >>> partners(values).tolist()
    [7, -1]
    """
    partner = values["partner"]
    return np.where(partner >= 0, partner, -1)


def matching_problem(graph: pregel.Graph, partner: np.ndarray) -> str | None:
    """What is wrong with ``partner`` (an id, or -1, per vertex) as a maximal matching of ``graph``, or None.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2], [2, 3]).to_undirected()
    >>> matching_problem(g, np.array([2, 1, -1])) is None
    True
    >>> matching_problem(g, np.array([-1, -1, -1]))
    'vertices 1 and 2 are both unmatched but adjacent'
    >>> matching_problem(g, np.array([3, -1, 1]))
    'vertices 1 and 3 are matched but not adjacent'
    """
    partner = np.asarray(partner)
    matched = partner >= 0
    where = np.flatnonzero(matched)
    index = np.searchsorted(graph.ids, partner[where])
    known = index < graph.num_vertices
    known[known] = graph.ids[index[known]] == partner[where][known]
    if not known.all():
        k = int(where[np.flatnonzero(~known)[0]])
        return f"vertex {graph.ids[k]} is matched to {partner[k]}, which is not in the graph"
    mate = np.full(graph.num_vertices, -1)
    mate[where] = index
    back = mate[mate[where]] == where
    if not back.all():
        k = int(where[np.flatnonzero(~back)[0]])
        return f"vertex {graph.ids[k]} is matched to {partner[k]}, which is matched to {partner[mate[k]]}"
    sources, targets = graph.sources, graph.indices
    key = sources.astype(np.int64) * graph.num_vertices + targets
    pair = where.astype(np.int64) * graph.num_vertices + mate[where]
    adjacent = np.isin(pair, key)
    if not adjacent.all():
        k = int(where[np.flatnonzero(~adjacent)[0]])
        return f"vertices {graph.ids[k]} and {partner[k]} are matched but not adjacent"
    both = (sources != targets) & ~matched[sources] & ~matched[targets]
    if both.any():
        k = int(np.flatnonzero(both)[0])
        return f"vertices {graph.ids[sources[k]]} and {graph.ids[targets[k]]} are both unmatched but adjacent"
    return None
