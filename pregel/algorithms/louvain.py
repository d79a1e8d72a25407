"""Louvain communities: local moving in supersteps, then each community merged into one vertex by topology mutation.

The graph is undirected and weighted (weights default to 1). A vertex's degree ``k`` counts
its self-loop twice, as networkx counts it, and ``2m`` is the sum of the degrees. Every
community carries a label, the id of the vertex it started from (its *owner*, a vertex of
the current level even when it has moved elsewhere); ``tot`` is the sum of its members'
degrees.

One round of local moving is one *decide* superstep. Master compute announces, in the
aggregator ``plan``, every vertex's community label and each community's size and ``tot``
(arrays indexed by id or label, rewritten in place); a *candidate* vertex reads its
neighbours' labels there, sums the weight of its edges towards each neighbouring
community, computes networkx's modularity gain of moving there and moves to the best
positive one (the smallest label among equals) if its colour allows (below). The moves
are aggregated; master compute recounts labels, sizes and ``tot`` from them in id order
(the same bits on every backend and partition count). Every vertex is a candidate in a
level's first round; later only those a moving neighbour woke by a message, those that
moved or wanted to, and, when they find nothing, every vertex once more: so a level
ends at a local optimum, and a round looks only at the edges of the vertices whose
neighbourhood changed. Each candidate aggregates its weight inside its community, the
others the weight they found when they last looked (unchanged since), so master
compute knows the modularity of every partition exactly.

Fully synchronous moves oscillate (two neighbours swap communities forever), so in a
decide superstep only the vertices whose seeded hash of (seed, superstep, id) is even
may move; and a vertex alone in its community never joins another community of one
vertex with a larger label (its partner may join it instead). A level ends at a decide
superstep where no vertex moved: none had a positive gain, or master compute had frozen
the moves because modularity stopped rising (``patience`` rounds, 4, that raised it by
less than ``settle``, 1e-4: synchronous moves trail on for many rounds that gain little).

Then master compute announces *gather*: each vertex aggregates where it went, and the
partition becomes the next level's graph by topology mutation. Every vertex removes
itself (with its edges), and each that labels a community adds itself back, edgeless
(removals come before additions); every old edge ``u -> v`` adds an edge between the labels of ``u`` and ``v`` (weights
summed, ``added_edge_weights = "sum"``), an edge inside a community half its weight on
each side, so that the self-loop of the merged vertex weighs the community's internal
weight and its degree is ``tot``.
Modularity is unchanged by the merge. Levels follow until one improves modularity by
``threshold`` or less (networkx's rule), or one moves no vertex.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse

import pregel
from pregel import Aggregator, BatchProgram, Sum
from pregel.algorithms.hashing import draw
from pregel.algorithms.lpa import smallest_member
from pregel.io.edges import as_graph

STATE = np.dtype(
    [
        ("community", np.int64),
        ("degree", np.float64),
        ("loop", np.float64),  # weight of my self-loop
        ("inside", np.float64),  # weight of my edges into my community (self-loop aside), when last a candidate
        ("candidate", np.int8),  # 1: look again in the next decide superstep
    ]
)

MOVE = np.dtype([("vertex", np.int64), ("into", np.int64)])
"""Where a vertex went: the label of its community."""

DEGREE = np.dtype([("vertex", np.int64), ("degree", np.float64)])

_ARRAYS = ("alive", "labels", "degree", "tot", "size")
"""The plan's arrays, indexed by vertex id or label: master compute keeps them, every partition reads them."""

# a gain below this is rounding, not an improvement: moving for it could go on forever
_NOISE = 1e-12


class Announced(Aggregator):
    """A value master compute announces (every vertex that contributes one contributes the same): the first wins."""

    identity = None

    def merge(self, a: Any, b: Any) -> Any:
        return b if a is None else a


class Pairs(Aggregator):
    """Records of one structured dtype from every partition, as one array (in the order of the partitions)."""

    def __init__(self, dtype: np.dtype = MOVE) -> None:
        self.dtype = dtype
        self.identity = np.empty(0, dtype=dtype)

    def merge(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b])

    def reduce(self, values: Any) -> np.ndarray:
        return np.asarray(values, dtype=self.dtype)


class Louvain(BatchProgram):
    """Multi-level Louvain on an undirected graph (both directions of every edge; a self-loop once).

    The phases are announced by master compute in the aggregator ``plan``, with the
    community label of every vertex and each community's ``tot`` and size; ``levels``
    holds the modularity of each level's partition, ``modularity`` that of the partition
    the last decide superstep found, ``moves`` the pairs of each gather superstep.

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
        "moves": Pairs(MOVE),
        "movers": Pairs(MOVE),
        "degrees": Pairs(DEGREE),
        "internal": Sum,
        "wanting": Sum,
        "moved": Sum,
    }
    resolution = 1.0
    threshold = 1e-7
    seed = 0
    max_level = 0  # 0: no limit
    patience = 4
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
        values["candidate"] = 1
        v.values = values
        degrees = np.empty(v.size, dtype=DEGREE)
        degrees["vertex"], degrees["degree"] = v.ids, values["degree"]
        v.aggregate("degrees", degrees)

    def _decide(self, v: pregel.VertexBatch, plan: dict) -> None:
        """One round of local moving: the candidates move to their best community, if their colour allows."""
        values = v.values.copy()
        labels, tot, size = plan["labels"], plan["tot"], plan["size"]
        own, k = values["community"], values["degree"]
        candidate = (values["candidate"] == 1) | plan["sweep"]
        candidate[v.all_messages.receiver] = True  # a neighbour moved: my best community may have changed
        # only a candidate's neighbourhood changed since it last looked (a vertex that moved looks again): the
        # others' inside weights stand, and the edges looked at are those of the vertices that may move
        edges = v.out_edges(where=candidate)
        source, weight, their = edges.source, edges.weight, labels[edges.target]
        # a self-loop is an edge into my own community: counted here once, it is taken out again; and the
        # pair (me, my community) it adds to is no move
        looked = np.bincount(source, weights=np.where(their == own[source], weight, 0.0), minlength=v.size)
        inside = np.where(candidate, looked - values["loop"], values["inside"])
        values["inside"] = inside
        v.aggregate("internal", inside + 2 * values["loop"])
        two_m = plan["two_m"]
        values["candidate"] = 0
        if plan["frozen"] or two_m == 0:
            v.values = values
            return
        # the colour first: a candidate it holds back is not worth the sort; it stays a candidate (in a sweep every
        # candidate looks, so that one that wants to move keeps the level going)
        may = (draw(self.seed, v.superstep, v.ids) & 1) == 0
        looking = candidate & (may | plan["sweep"])
        values["candidate"][candidate & ~looking] = 1
        chosen = looking[source]
        towards = _towards_communities(source[chosen], their[chosen], weight[chosen], labels.size)
        r, c = towards.receiver, towards.community
        m = two_m / 2
        mine = own[r]
        gain = (towards.weight - inside[r]) / m - self.resolution * k[r] * (tot[c] - (tot[mine] - k[r])) / (2 * m * m)
        allowed = (c != mine) & ~((size[mine] == 1) & (size[c] == 1) & (c > mine))
        gain = np.where(allowed, gain, -np.inf)
        first = _best_pairs(r, gain)
        wants = first[gain[first] > _NOISE]
        moving = wants[may[r[wants]]]
        movers = np.empty(moving.size, dtype=MOVE)
        movers["vertex"], movers["into"] = v.ids[r[moving]], c[moving]
        values["community"][r[moving]] = c[moving]
        values["candidate"][r[wants]] = 1  # a mover's inside weight changed; the others' colour held them back
        v.values = values
        v.aggregate("movers", movers)
        v.aggregate("wanting", wants.size)
        v.aggregate("moved", moving.size)
        moved = np.zeros(v.size, dtype=bool)
        moved[r[moving]] = True
        woken = v.out_edges(where=moved)
        v.send_along(woken, np.ones(len(woken), dtype=np.int8), where=woken.target != v.ids[woken.source])

    def _gather(self, v: pregel.VertexBatch, plan: dict) -> None:
        """The level's partition, for the record; then each community becomes the vertex of its label, by mutation."""
        values = v.values
        own = values["community"]
        went = own != v.ids
        moves = np.empty(np.count_nonzero(went), dtype=MOVE)
        moves["vertex"], moves["into"] = v.ids[went], own[went]
        v.aggregate("moves", moves)
        if plan["final"]:
            return
        edges = v.out_edges()
        across = edges.target != v.ids[edges.source]
        mine, theirs = own[edges.source[across]], plan["labels"][edges.target[across]]
        # an edge inside a community is added from both ends: half from each gives the merged self-loop its weight once
        weight = np.where(mine == theirs, edges.weight[across] / 2, edges.weight[across])
        looped = values["loop"] > 0
        owners = plan["size"][v.ids] > 0
        # every vertex goes, and each owner comes back without edges (removals come before additions): cheaper
        # for the engine than removing each edge by its ends
        v.remove_vertices(v.ids)
        fresh = np.zeros(np.count_nonzero(owners), dtype=STATE)
        fresh["community"] = v.ids[owners]
        v.add_vertices(v.ids[owners], fresh)
        # one request per pair of communities, summed here (the engine would sum them too, after sorting them all)
        n = plan["labels"].size
        summed = scipy.sparse.csr_matrix(
            (
                np.concatenate([weight, values["loop"][looped]]),
                (np.concatenate([mine, own[looped]]), np.concatenate([theirs, own[looped]])),
            ),
            shape=(n, n),
        ).tocoo()
        v.add_edges(summed.row.astype(np.int64), summed.col.astype(np.int64), summed.data)

    def master_compute(self, master: pregel.Master) -> None:
        plan = dict(master.aggregated("plan") or _first_plan())
        self._keep_arrays(plan)
        phase = plan["phase"]
        if phase == "start":
            self._after_start(master, plan)
        elif phase == "decide":
            self._after_decide(master, plan)
        elif phase == "gather":
            if plan["final"]:
                master.halt()
            plan.update(phase="start", level=plan["level"] + 1, rounds=0, moved=0, best=-math.inf, stall=0)
            plan.update(frozen=False, sweep=True)
        master.set_aggregated("plan", plan)
        master.set_aggregated("level", plan["level"])
        master.set_aggregated("modularity", plan["modularity"])
        master.set_aggregated("levels", list(plan["levels"]))

    def _keep_arrays(self, plan: dict) -> None:
        """Make the plan's arrays master compute's own, written in place from now on.

        Every superstep's statistics keep its plan: arrays rewritten in place are kept once,
        not once per superstep. The local backend hands back the very arrays master compute
        announced; Ray hands back read-only copies, copied here into the arrays kept.
        """
        kept = self.__dict__.setdefault("_kept", {})
        for name in _ARRAYS:
            if name not in plan or plan[name] is kept.get(name):
                continue
            mine = kept.get(name)
            if mine is None or mine.shape != plan[name].shape:
                mine = kept[name] = np.array(plan[name])
            else:
                mine[...] = plan[name]
            plan[name] = mine

    def _after_start(self, master: pregel.Master, plan: dict) -> None:
        """Every vertex alone: the labels are the ids, each community's tot the vertex's degree."""
        degrees = master.aggregated("degrees")
        order = np.argsort(degrees["vertex"])  # partition order must not matter: sums run in id order
        alive, degree = degrees["vertex"][order], degrees["degree"][order]
        if plan["level"] == 0:
            plan["two_m"] = float(degree.sum())
            n = int(alive[-1]) + 1
            plan.update(labels=np.zeros(n, dtype=np.int64), size=np.zeros(n, dtype=np.int64))
            plan.update(degree=np.zeros(n), tot=np.zeros(n))
        # the arrays are rewritten in place: each superstep's statistics keep the plan, and so no copy of them
        plan["alive"] = alive
        plan["labels"][:] = np.arange(plan["labels"].size)
        plan["degree"][:] = 0
        plan["degree"][alive] = degree
        _recount(plan)
        plan["phase"] = "decide"

    def _after_decide(self, master: pregel.Master, plan: dict) -> None:
        two_m = plan["two_m"]
        if two_m == 0:  # no edges: every vertex stays alone, and modularity is not defined
            plan.update(phase="gather", final=True)
            return
        tot = plan["tot"]
        squares = float(np.sum(tot * tot))  # not tot @ tot: BLAS threads spin on a busy machine
        q = master.aggregated("internal") / two_m - self.resolution * squares / (two_m * two_m)
        plan["modularity"] = q
        if plan["rounds"] == 0 and plan["level"] == 0:
            plan["start_q"] = q
        plan["rounds"] += 1
        movers = master.aggregated("movers")
        plan["labels"][movers["vertex"]] = movers["into"]
        _recount(plan)
        moved = int(master.aggregated("moved"))
        plan["moved"] += moved
        if moved == 0 and (plan["frozen"] or master.aggregated("wanting") == 0):
            if plan["sweep"] or plan["frozen"]:
                self._level_ends(plan, q)
            else:  # the communities' tots changed for vertices not woken: every vertex looks once more
                plan["sweep"] = True
            return
        plan["sweep"] = False
        if q > plan["best"] + self.settle:
            plan["best"], plan["stall"] = q, 0
        else:
            plan["stall"] += 1
        plan["frozen"] = plan["stall"] >= self.patience

    def _level_ends(self, plan: dict, q: float) -> None:
        """No vertex moved in this decide superstep: the partition it measured is the level's."""
        if plan["level"] > 0 and (plan["moved"] == 0 or q < plan["start_q"]):
            # as networkx: a level that moved nothing, or lost modularity (synchronous moves can), is not one
            plan.update(phase="gather", final=True)
            return
        plan["levels"] = [*plan["levels"], q]
        done = q - plan["start_q"] <= self.threshold or 0 < self.max_level <= len(plan["levels"])
        plan.update(phase="gather", final=bool(done), start_q=q)


def _recount(plan: dict) -> None:
    """Each community's tot and size from the labels of the level's vertices (summed in id order: deterministic)."""
    alive, labels = plan["alive"], plan["labels"]
    n = labels.size
    plan["tot"][:] = np.bincount(labels[alive], weights=plan["degree"][alive], minlength=n)
    plan["size"][:] = np.bincount(labels[alive], minlength=n)


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
        "sweep": True,  # every vertex is a candidate in the next decide superstep
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
    """Per (receiver, neighbouring community): the weight of the edges towards it."""

    def __init__(self, receiver: np.ndarray, community: np.ndarray, weight: np.ndarray):
        self.receiver, self.community, self.weight = receiver, community, weight


def _towards_communities(receiver: np.ndarray, community: np.ndarray, weight: np.ndarray, span: int) -> _Towards:
    """The edge weights summed per receiver and neighbouring community, sorted by receiver then community.

    ``receiver`` must be sorted (edges come grouped by their source): the pairs are a sparse
    matrix's rows, and scipy sorts and sums each short row in place of one sort of them all.
    """
    rows = int(receiver[-1]) + 1 if receiver.size else 0
    indptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(receiver, minlength=rows), out=indptr[1:])
    summed = scipy.sparse.csr_matrix((weight, community, indptr), shape=(rows, span))
    summed.sum_duplicates()
    return _Towards(np.repeat(np.arange(rows), np.diff(summed.indptr)), summed.indices, summed.data)


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


def forget_arrays(aggregated: dict) -> None:
    """Replace a superstep's record arrays by their sizes, and drop the plan's arrays (the statistics keep the rest).

    Examples
    --------
    >>> aggregated = {"moves": np.zeros(3, dtype=MOVE), "plan": {"phase": "decide", "labels": np.arange(4)}}
    >>> forget_arrays(aggregated)
    >>> aggregated
    {'moves': 3, 'plan': {'phase': 'decide'}}
    """
    for name in ("moves", "movers", "degrees"):
        if isinstance(aggregated.get(name), np.ndarray):
            aggregated[name] = int(aggregated[name].size)
    plan = aggregated.get("plan")
    if isinstance(plan, dict):
        aggregated["plan"] = {key: value for key, value in plan.items() if key not in _ARRAYS}


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
        forget_arrays(aggregated)
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
