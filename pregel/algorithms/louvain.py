"""Louvain communities: local moving in supersteps, then each community merged into one vertex by topology mutation.

The graph is undirected and weighted (weights default to 1). A vertex's degree ``k`` counts
its self-loop twice, as networkx counts it, and ``2m`` is the sum of the degrees. Every
community carries a label, the id of the vertex it started from (its *owner*, a vertex of
the current level even when it has moved elsewhere); ``tot`` is the sum of its members'
degrees.

One round of local moving takes three supersteps:

- *decide*: each vertex reads what its neighbours sent (their community, its size and
  ``tot``, the edge weight), sums the weight towards each neighbouring community and
  computes networkx's modularity gain of moving there; it moves to the best positive one
  (the smallest label among equal gains) if its colour allows (below), and reports its
  degree to the owner of its (new) community. It also aggregates its share of the
  modularity of the partition it found (before the moves), so master compute knows the
  modularity of every partition exactly.
- *total*: each owner sums the degrees reported to it and replies ``tot`` and the size.
- *share*: each vertex tells its neighbours its community, the size and ``tot``.

Fully synchronous moves oscillate (two neighbours swap communities forever), so in a
decide superstep only the vertices whose seeded hash of (seed, superstep, id) is even
may move; and a vertex alone in its community never joins another community of one
vertex with a larger label (its partner may join it instead). A level ends at a decide
superstep where no vertex moved: none had a positive gain, or master compute had frozen
the moves because modularity stopped rising (``patience`` rounds, 2, that raised it by less than
``settle``, 1e-4: synchronous moves trail on for many rounds that gain little).

Then master compute announces *gather* (each vertex aggregates where it went, and tells
its neighbours its community's label) and *merge*: the partition becomes the next level's
graph by topology mutation. Every vertex whose label owns no community removes itself
(with its edges); the others remove their out-edges; every old edge ``u -> v`` adds an edge
between the labels of ``u`` and ``v`` (weights summed, ``added_edge_weights = "sum"``),
an edge inside a community half its weight on each side, so that the self-loop of the
merged vertex weighs the community's internal weight and its degree is ``tot``.
Modularity is unchanged by the merge. Levels follow until one improves modularity by
``threshold`` or less (networkx's rule), or one moves no vertex.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import pregel
from pregel import Aggregator, BatchProgram, Sum
from pregel.algorithms.hashing import draw
from pregel.algorithms.lpa import smallest_member
from pregel.io.edges import as_graph

MESSAGE = np.dtype([("community", np.int64), ("size", np.int64), ("tot", np.float64), ("weight", np.float64)])
"""Every message: a community (or a sender's id), its size and ``tot``, and an edge weight (or a degree)."""

STATE = np.dtype(
    [
        ("community", np.int64),
        ("size", np.int64),  # members of my community, as its owner last told
        ("tot", np.float64),  # degree of my community, as its owner last told
        ("degree", np.float64),
        ("loop", np.float64),  # weight of my self-loop
        ("owned", np.int64),  # members of the community labelled by my id
        ("owned_tot", np.float64),
    ]
)

MOVE = np.dtype([("vertex", np.int64), ("into", np.int64)])
"""Where a vertex of a level went: the label of its community (only those that went elsewhere are listed)."""

# a gain below this is rounding, not an improvement: moving for it could go on forever
_NOISE = 1e-12


class Announced(Aggregator):
    """A value master compute announces (every vertex that contributes one contributes the same): the first wins."""

    identity = None

    def merge(self, a: Any, b: Any) -> Any:
        return b if a is None else a


class Moves(Aggregator):
    """The (vertex, label) pairs of one level's gather superstep, as one :data:`MOVE` array."""

    identity = np.empty(0, dtype=MOVE)

    def merge(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b])

    def reduce(self, values: Any) -> np.ndarray:
        return np.asarray(values, dtype=MOVE)


class Louvain(BatchProgram):
    """Multi-level Louvain on an undirected graph (both directions of every edge; a self-loop once).

    The phases are announced by master compute in the aggregator ``plan``; ``levels`` holds
    the modularity of each level's partition, ``modularity`` that of the partition the last
    decide superstep found, ``moves`` the pairs of each gather superstep.

    Examples
    --------
    Two triangles joined by one edge:

    >>> g = pregel.Graph.from_edges([0, 1, 2, 3, 4, 5, 2], [1, 2, 0, 4, 5, 3, 3]).to_undirected()
    >>> result = pregel.run(g, Louvain)
    >>> [round(q, 6) for q in result.aggregated["levels"]]
    [0.357143]
    """

    value_dtype = STATE
    allow_negative_weights = False
    added_edge_weights = "sum"
    aggregators = {
        "plan": Announced,
        "level": Announced,
        "modularity": Announced,
        "levels": Announced,
        "moves": Moves,
        "internal": Sum,
        "squares": Sum,
        "degrees": Sum,
        "wanting": Sum,
        "moved": Sum,
    }
    resolution = 1.0
    threshold = 1e-7
    seed = 0
    max_level = 0  # 0: no limit
    patience = 2
    settle = 1e-4

    def compute(self, v: pregel.VertexBatch) -> None:
        plan = v.aggregated("plan") or _first_plan()
        v.aggregate("plan", _carried(plan))
        getattr(self, "_" + plan["phase"])(v, plan)

    def _start(self, v: pregel.VertexBatch, plan: dict) -> None:
        """A level's first superstep: every vertex alone in its community; degrees from the (new) edges."""
        edges = v.out_edges()
        loops = edges.target == v.ids[edges.source]
        values = np.zeros(v.size, dtype=STATE)
        values["community"] = v.ids
        values["loop"] = np.bincount(edges.source[loops], weights=edges.weight[loops], minlength=v.size)
        values["degree"] = np.bincount(edges.source, weights=edges.weight, minlength=v.size) + values["loop"]
        values["tot"] = values["owned_tot"] = values["degree"]
        values["size"] = values["owned"] = 1
        v.values = values
        v.aggregate("degrees", values["degree"])
        self._share(v, plan, values)

    def _share(self, v: pregel.VertexBatch, plan: dict, values: np.ndarray | None = None) -> None:
        if values is None:
            values = v.values.copy()
            got = v.all_messages  # the owner's one reply
            values["tot"][got.receiver] = got.values["tot"]
            values["size"][got.receiver] = got.values["size"]
            v.values = values
        edges = v.out_edges()
        mine = values[edges.source]
        sent = np.empty(len(edges), dtype=MESSAGE)
        sent["community"], sent["size"], sent["tot"] = mine["community"], mine["size"], mine["tot"]
        sent["weight"] = edges.weight
        v.send_along(edges, sent, where=edges.target != v.ids[edges.source])

    def _decide(self, v: pregel.VertexBatch, plan: dict) -> None:
        values = v.values.copy()
        got = v.all_messages
        own, k, tot = values["community"], values["degree"], values["tot"]
        towards = _towards_communities(got.receiver, got.values)
        inside = np.bincount(
            towards.receiver,
            weights=np.where(towards.community == own[towards.receiver], towards.weight, 0.0),
            minlength=v.size,
        )
        v.aggregate("internal", inside + 2 * values["loop"])
        v.aggregate("squares", k * tot)
        two_m = plan["two_m"]
        if not plan["frozen"] and two_m > 0:
            r = towards.receiver
            m = two_m / 2
            gain = (towards.weight - inside[r]) / m - self.resolution * k[r] * (towards.tot - (tot[r] - k[r])) / (
                2 * m * m
            )
            allowed = (towards.community != own[r]) & ~(
                (values["size"][r] == 1) & (towards.size == 1) & (towards.community > own[r])
            )
            gain = np.where(allowed, gain, -np.inf)
            first = _best_pairs(r, gain)
            wants = first[gain[first] > _NOISE]
            colour = (draw(self.seed, v.superstep, v.ids[r[wants]]) & 1) == 0
            moving = wants[colour]
            own = own.copy()
            own[r[moving]] = towards.community[moving]
            values["community"] = own
            v.aggregate("wanting", wants.size)
            v.aggregate("moved", moving.size)
        v.values = values
        report = np.zeros(v.size, dtype=MESSAGE)
        report["community"], report["weight"] = v.ids, k
        v.send(own, report)

    def _total(self, v: pregel.VertexBatch, plan: dict) -> None:
        """Owners sum the degrees reported to them and tell each member their community's size and tot."""
        got = v.all_messages
        values = v.values.copy()
        values["owned"] = np.bincount(got.receiver, minlength=v.size)
        values["owned_tot"] = np.bincount(got.receiver, weights=got.values["weight"], minlength=v.size)
        v.values = values
        reply = np.zeros(len(got), dtype=MESSAGE)
        reply["community"] = v.ids[got.receiver]
        reply["size"] = values["owned"][got.receiver]
        reply["tot"] = values["owned_tot"][got.receiver]
        v.send(got.values["community"], reply)

    def _gather(self, v: pregel.VertexBatch, plan: dict) -> None:
        """The level's partition, for the record; and each vertex's label to its neighbours, for the merge."""
        values = v.values
        went = values["community"] != v.ids
        moves = np.empty(np.count_nonzero(went), dtype=MOVE)
        moves["vertex"], moves["into"] = v.ids[went], values["community"][went]
        v.aggregate("moves", moves)
        if not plan["final"]:
            edges = v.out_edges()
            sent = np.zeros(len(edges), dtype=MESSAGE)
            sent["community"], sent["weight"] = values["community"][edges.source], edges.weight
            v.send_along(edges, sent, where=edges.target != v.ids[edges.source])

    def _merge(self, v: pregel.VertexBatch, plan: dict) -> None:
        """Each community becomes the vertex of its label, by topology mutation."""
        values = v.values
        got = v.all_messages
        labels, across = values["community"][got.receiver], got.values["community"]
        # an edge inside a community arrives at both ends: half from each gives the merged self-loop its weight once
        weight = np.where(labels == across, got.values["weight"] / 2, got.values["weight"])
        looped = values["loop"] > 0
        owners = values["owned"] > 0
        edges = v.out_edges(where=owners)
        v.remove_edges(v.ids[edges.source], edges.target)
        v.remove_vertices(v.ids[~owners])
        v.add_edges(
            np.concatenate([labels, values["community"][looped]]),
            np.concatenate([across, values["community"][looped]]),
            np.concatenate([weight, values["loop"][looped]]),
        )

    def master_compute(self, master: pregel.Master) -> None:
        plan = dict(master.aggregated("plan") or _first_plan())
        phase = plan["phase"]
        if phase == "start":
            if plan["level"] == 0:
                plan["two_m"] = float(master.aggregated("degrees"))
            plan["phase"] = "decide"
        elif phase == "share":
            plan["phase"] = "decide"
        elif phase == "total":
            plan["phase"] = "share"
        elif phase == "decide":
            self._after_decide(master, plan)
        elif phase == "gather":
            if plan["final"]:
                master.halt()
            plan["phase"] = "merge"
        elif phase == "merge":
            plan.update(
                phase="start", level=plan["level"] + 1, rounds=0, moved=0, best=-math.inf, stall=0, frozen=False
            )
        master.set_aggregated("plan", plan)
        master.set_aggregated("level", plan["level"])
        master.set_aggregated("modularity", plan["modularity"])
        master.set_aggregated("levels", list(plan["levels"]))

    def _after_decide(self, master: pregel.Master, plan: dict) -> None:
        two_m = plan["two_m"]
        if two_m == 0:  # no edges: every vertex stays alone, and modularity is not defined
            plan.update(phase="gather", final=True)
            return
        q = master.aggregated("internal") / two_m - self.resolution * master.aggregated("squares") / (two_m * two_m)
        plan["modularity"] = q
        if plan["rounds"] == 0 and plan["level"] == 0:
            plan["start_q"] = q
        plan["rounds"] += 1
        moved = int(master.aggregated("moved"))
        plan["moved"] += moved
        if moved == 0 and (plan["frozen"] or master.aggregated("wanting") == 0):
            self._level_ends(plan, q)
            return
        if q > plan["best"] + self.settle:
            plan["best"], plan["stall"] = q, 0
        else:
            plan["stall"] += 1
        plan["frozen"] = plan["stall"] >= self.patience
        plan["phase"] = "total"

    def _level_ends(self, plan: dict, q: float) -> None:
        """No vertex moved in this decide superstep: the partition it measured is the level's."""
        if plan["moved"] == 0 and plan["level"] > 0:
            plan.update(phase="gather", final=True)  # as networkx: a level that moved nothing is not one
            return
        plan["levels"] = [*plan["levels"], q]
        done = q - plan["start_q"] <= self.threshold or 0 < self.max_level <= len(plan["levels"])
        plan.update(phase="gather", final=bool(done), start_q=q)


def _first_plan() -> dict:
    """What master compute announces before superstep 0."""
    return {
        "phase": "start",
        "level": 0,
        "rounds": 0,
        "moved": 0,
        "best": -math.inf,
        "stall": 0,
        "frozen": False,
        "final": False,
        "two_m": 0.0,
        "start_q": math.nan,
        "modularity": math.nan,
        "levels": [],
    }


def _carried(plan: dict) -> np.ndarray:
    """The plan as one contribution: every partition hands back what it read, so master compute reads it again."""
    carried = np.empty(1, dtype=object)
    carried[0] = plan
    return carried


class _Towards:
    """Per (receiver, neighbouring community): the weight of the edges towards it, its tot and size."""

    def __init__(
        self, receiver: np.ndarray, community: np.ndarray, weight: np.ndarray, tot: np.ndarray, size: np.ndarray
    ):
        self.receiver, self.community, self.weight, self.tot, self.size = receiver, community, weight, tot, size


def _towards_communities(receiver: np.ndarray, got: np.ndarray) -> _Towards:
    """The messages a decide superstep received, summed per receiver and community (one sort)."""
    if receiver.size == 0:  # no mail has no fields either
        none, nothing = np.empty(0, dtype=np.int64), np.empty(0)
        return _Towards(none, none, nothing, nothing, none)
    community = got["community"]
    span = int(community.max(initial=0)) + 1
    key = receiver.astype(np.int64) * span + community
    pairs, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    weight = np.bincount(inverse, weights=got["weight"], minlength=pairs.size)
    return _Towards(pairs // span, pairs % span, weight, got["tot"][first], got["size"][first])


def _best_pairs(receiver: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Per receiver, its pair of largest gain, the first (smallest community) among equals; pairs sorted by receiver."""
    if gain.size == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.diff(receiver, prepend=-1))
    best = np.repeat(np.maximum.reduceat(gain, starts), np.diff(starts, append=gain.size))
    top = np.flatnonzero(gain == best)
    return top[np.flatnonzero(np.diff(receiver[top], prepend=-1))]


def level_partitions(result: pregel.Result, num_vertices: int) -> list[np.ndarray]:
    """Each level's community of every vertex of the level-0 graph (numbered ``0..n-1``), read from a Louvain run.

    A community is named by the label of the last level: ordering communities by it
    orders them as networkx does. The ``moves`` of each gather superstep are what the
    vertices of that level did; they are composed level after level.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([0, 1, 2, 3, 4, 5, 2], [1, 2, 0, 4, 5, 3, 3]).to_undirected()
    >>> [labels.tolist() for labels in level_partitions(pregel.run(g, Louvain), 6)]
    [[0, 0, 0, 4, 4, 4]]
    """
    current = np.arange(num_vertices)
    partitions = []
    for before, stats in zip(result.stats, result.stats[1:]):
        if before.aggregated["plan"]["phase"] != "gather":
            continue
        moves = stats.aggregated["moves"]
        step = np.arange(num_vertices)
        step[moves["vertex"]] = moves["into"]
        current = step[current]
        partitions.append(current)
    return partitions[: max(len(result.aggregated["levels"]), 1)]


def louvain(
    graph: Any,
    resolution: float = 1.0,
    threshold: float = 1e-7,
    seed: int = 0,
    max_level: int | None = None,
    backend: str = "local",
    api: str = "batch",
    **options: Any,
) -> pregel.Result:
    """Communities by multi-level Louvain modularity optimisation, each named by its smallest vertex id.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix or str
        Edge directions are ignored; weights (default 1) must not be negative; two
        edges joining the same vertices are one, of the smaller weight.
    resolution : float
        networkx's ``resolution`` (gamma): below 1 favours larger communities, above 1
        smaller ones. Must be >= 0.
    threshold : float
        Stop after a level that improves modularity by this much or less (networkx's rule).
    seed : int
        The seed of the colouring that decides which vertices may move in a superstep:
        the same seed gives the same communities on every backend and partition count.
    max_level : int, optional
        Stop after this many levels.
    backend : {"local", "ray"}
    api : {"batch"}
        There is only the vectorised program.
    **options
        Passed to :func:`pregel.run`.

    Returns
    -------
    Result
        For each vertex (aligned with ``graph.ids``, ``int64``) the smallest id of its
        community. ``result.aggregated["levels"]`` holds the modularity of each level's
        partition (with ``resolution``), ``result.partitions`` each level's communities
        as such labels, ``result.graph`` the undirected graph given.

    Raises
    ------
    InputError
        If the resolution is negative, or a weight is.

    Notes
    -----
    Each level's modularity is that of ``networkx.community.modularity`` of the level's
    partition; the partitions are not networkx's (networkx moves one vertex at a time
    in a seeded random order), and their modularity is close to it.

    References
    ----------
    .. [1] V. D. Blondel, J.-L. Guillaume, R. Lambiotte, E. Lefebvre, "Fast unfolding of
       communities in large networks", J. Stat. Mech. (2008) P10008.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3, 4, 5, 6, 3], [2, 3, 1, 5, 6, 4, 4])
    >>> result = louvain(g)
    >>> result.to_dict()
    {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4}
    >>> [round(q, 6) for q in result.aggregated["levels"]]
    [0.357143]
    """
    graph = as_graph(graph).to_undirected()
    if graph.num_vertices == 0:
        raise pregel.InputError("the graph has no vertices")
    if not resolution >= 0:
        raise pregel.InputError(f"the resolution must be >= 0, got {resolution}")
    if max_level is not None and max_level <= 0:
        raise pregel.InputError(f"max_level must be a positive integer, got {max_level}")
    if api != "batch":
        raise pregel.InputError("Louvain has only the batch API")
    # vertices numbered 0..n-1 in id order: labels are numbers, and the smallest number is the smallest id
    numbered = pregel.Graph(np.arange(graph.num_vertices), graph.indptr, graph.indices, graph.weights)
    program = Louvain(
        resolution=float(resolution), threshold=float(threshold), seed=int(seed), max_level=max_level or 0
    )
    result = pregel.run(numbered, program, backend=backend, **options)
    partitions = level_partitions(result, graph.num_vertices)
    # the moves are composed now: what the statistics keep (and --stats writes) is how many there were
    for aggregated in [*(stats.aggregated for stats in result.stats), result.aggregated]:
        if isinstance(aggregated["moves"], np.ndarray):
            aggregated["moves"] = int(aggregated["moves"].size)
    result.graph = graph
    result.trace = result.trace and result.trace.told_of(graph)  # drawn with the user's vertices
    result.values = smallest_member(partitions[-1], graph.ids) if partitions else graph.ids.copy()
    result.partitions = [smallest_member(labels, graph.ids) for labels in partitions]
    return result


def networkx_louvain(
    graph: pregel.Graph, resolution: float = 1.0, threshold: float = 1e-7, seed: int = 0
) -> np.ndarray:
    """networkx's Louvain communities as smallest-id labels, aligned with ``graph.ids`` (for ``--compare``).

    Examples
    --------
    >>> networkx_louvain(pregel.Graph.from_edges([1, 2, 5], [2, 3, 6])).tolist()
    [1, 1, 1, 5, 5]
    """
    import networkx as nx

    undirected = nx.Graph()
    undirected.add_nodes_from(graph.ids.tolist())
    sources, targets, weights = graph.edge_arrays()
    weights = np.ones(sources.size) if weights is None else weights
    undirected.add_weighted_edges_from(zip(sources.tolist(), targets.tolist(), weights.tolist()))
    label = {}
    for community in nx.community.louvain_communities(
        undirected, resolution=resolution, threshold=threshold, seed=seed
    ):
        label.update(dict.fromkeys(community, min(community)))
    return np.array([label[v] for v in graph.ids.tolist()], dtype=np.int64)
