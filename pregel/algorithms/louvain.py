"""Louvain communities: local moving in supersteps, then each community merged into one vertex by topology mutation.

The graph is undirected and weighted (weights default to 1). A vertex's degree ``k`` counts
its self-loop twice, as networkx counts it, and ``2m`` is the sum of the degrees. Every
community carries a label, the id of the vertex it started from (its *owner*, a vertex of
the current level even when it has moved elsewhere); ``tot`` is the sum of its members'
degrees.

One round of local moving is one *decide* superstep. Master compute announces, in the
aggregator ``plan``, every vertex's community label and each community's size and ``tot``
(arrays indexed by id or label, rewritten in place). A vertex that *looks* sums the weight
of its edges towards each neighbouring community (one pass of compiled C over its edges,
:func:`pregel.core.kernels.best_communities`), computes networkx's modularity gain of
moving to each and, if the best one (the smallest label among equals) is positive, asks to
move there: it aggregates the wish, with its gain, and each edge to a neighbour in the
community it would join. Master compute decides who moves (below), then recounts labels,
sizes and ``tot`` from the moves in id order (the same bits on every backend and partition
count).

Moved together, two wanting vertices change each other's gain; modularity is quadratic in
the assignment, so the moves of a round change it by the sum of their gains plus one term
per pair. A pair costs when one joins the community the other leaves (a swap is the
extreme case: each counted on the other staying), and when both join one community or
leave one (each counted on that community's ``tot`` without the other). Master compute
ranks the wanting vertices by gain (ties by a seeded hash of (seed, superstep, id), then
by id; in a level's first round, where every vertex is alone and gains are much alike, by
the hash alone, as networkx visits vertices in a seeded order): of each such pair the one
ranked lower pays the cost out of its gain, for the movers ranked above it only, and it
moves if what is left is positive. Who moves depends
on who pays too much, so the movers are found three times over, starting from all of
them; every odd round of that is safe, and the third lets most of those the first held
back for nothing move. So a round never lowers modularity, nearly every wanting vertex
moves, and no vertex needs a colour to wait for.

Not every vertex looks in every round. Each vertex's inside weight (towards its own
community) follows its neighbours' moves exactly, whether it looks or not, so master
compute knows every round's modularity exactly. A vertex looks in a level's first round,
after it moved or wanted to, and when its best gain may have become positive: its gain
towards a community ``c`` is ``(score_c - inside) / m - gamma k (k - tot_own) / 2m^2``,
with ``score_c = W_c - gamma k tot_c / 2m`` (``W_c`` its weight towards ``c``), and an upper
bound of its scores is kept: the best when it last looked, raised each round by the most
weight that joined one community and by what the most-falling ``tot`` lost, or the score of
a community a neighbour just joined. A vertex whose bound is below half a mean edge's
worth waits until a round in which no vertex wants to move; then every vertex whose bound
is positive looks, and a level ends at a round where none of them wants to move (a local
optimum), or when master compute froze the moves because modularity stopped rising
(``patience`` rounds, 4, that each raised it by less than ``settle``, 1e-4, or less than
``settle_share``, 0.5 %, of what the level has gained: synchronous moves trail on for many
rounds that gain little).

Then master compute announces *gather*: each vertex aggregates where it went, and the
partition becomes the next level's graph by topology mutation. Every vertex removes
itself (with its edges), and each that labels a community adds itself back, edgeless
(removals come before additions); then one edge between each pair of communities, of the
weight between them (summed per partition by sparse products, and by the engine across
partitions, ``added_edge_weights = "sum"``); inside a community every edge counted from
both ends is halved, so the merged vertex's self-loop weighs the community's internal
weight and its degree is ``tot``. Modularity is unchanged by the merge. Levels follow
until one improves modularity by ``threshold`` or less (networkx's rule), or one moves no
vertex.
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
from pregel.api.run import integer
from pregel.api.twin import only_batch
from pregel.core.engine import check_weights, collect_on_driver
from pregel.core.kernels import best_communities, moved_neighbours
from pregel.io.edges import as_graph

STATE = np.dtype(
    [
        ("community", np.int64),
        ("degree", np.float64),
        ("loop", np.float64),  # weight of my self-loop
        ("inside", np.float64),  # weight of my edges into my community, self-loop aside
        ("again", np.bool_),  # look in the next round (I wanted to move)
        ("score", np.float64),  # at least the largest score of any community but mine (see Louvain._decide)
    ]
)

WANT = np.dtype([("vertex", np.int64), ("into", np.int64), ("gain", np.float64), ("weight", np.float64)])
"""A vertex that wants to move: the label of the community it would join, the modularity it would gain, and the
weight of its edges into that community."""

MOVE = np.dtype([("vertex", np.int64), ("into", np.int64)])
"""Where a vertex went: the label of its community."""

PAIR = np.dtype([("joiner", np.int64), ("member", np.int64), ("weight", np.float64)])
"""A wanting vertex, a neighbour of it in the community it wants to join, and the weight of their edge."""

DEGREE = np.dtype([("vertex", np.int64), ("degree", np.float64)])

_ARRAYS = ("alive", "labels", "was", "degree", "tot", "size", "moved")
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


class _Level:
    """A partition's edges at one level, as its program keeps them: they change only between levels.

    ``matrix`` holds the edges as a sparse matrix, a row per vertex of the batch and a column
    per vertex id of the graph (:func:`pregel.core.kernels.best_communities` and
    :func:`~pregel.core.kernels.moved_neighbours` read its rows). A new program (a resumed
    run's, or a Ray worker's) finds them again from the graph.
    """

    def __init__(self, v: pregel.VertexBatch) -> None:
        edges = v.out_edges()
        self.source, self.target, self.weight = edges.source, edges.target, edges.weight
        self.indptr = np.zeros(v.size + 1, dtype=np.int64)
        np.cumsum(v.out_degree, out=self.indptr[1:])
        self.matrix: scipy.sparse.csr_matrix | None = None

    def as_matrix(self, span: int) -> scipy.sparse.csr_matrix:
        if self.matrix is None:
            shape = (self.indptr.size - 1, span)
            self.matrix = scipy.sparse.csr_matrix((self.weight, self.target, self.indptr), shape=shape)
        return self.matrix


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
        "wants": Pairs(WANT),
        "pairs": Pairs(PAIR),
        "degrees": Pairs(DEGREE),
        "internal": Sum,
        "edges": Sum,
        "wanting": Sum,
        "moved": Sum,
    }
    resolution = 1.0
    threshold = 1e-7
    seed = 0
    max_level = 0  # 0: no limit
    patience = 4
    settle = 1e-4
    settle_share = 0.005
    doubt = 0.5

    def compute(self, v: pregel.VertexBatch) -> None:
        plan = v.aggregated("plan") or _first_plan()
        v.aggregate("plan", _carried(plan))
        getattr(self, "_" + plan["phase"])(v, plan)

    def _level(self, v: pregel.VertexBatch, plan: dict, fresh: bool = False) -> _Level:
        """This partition at this level, kept by the program (each Ray worker keeps its own)."""
        kept = self.__dict__.setdefault("_levels", {})
        key = (int(v.ids[0]), v.size)
        level = plan["level"]
        if fresh:  # a new level: every partition has finished with the levels before (a level's graph is big)
            for old in [k for k, (at, _) in kept.items() if at != level]:
                kept.pop(old, None)
        if fresh or key not in kept or kept[key][0] != level:
            kept[key] = (level, _Level(v))
        return kept[key][1]

    def _start(self, v: pregel.VertexBatch, plan: dict) -> None:
        """A level's first superstep: every vertex alone in its community; degrees from the (new) edges."""
        edges = self._level(v, plan, fresh=True)
        loops = edges.target == v.ids[edges.source]
        values = np.zeros(v.size, dtype=STATE)
        values["community"] = v.ids
        values["loop"] = np.bincount(edges.source[loops], weights=edges.weight[loops], minlength=v.size)
        values["degree"] = np.bincount(edges.source, weights=edges.weight, minlength=v.size) + values["loop"]
        v.values = values
        degrees = np.empty(v.size, dtype=DEGREE)
        degrees["vertex"], degrees["degree"] = v.ids, values["degree"]
        v.aggregate("degrees", degrees)
        v.aggregate("edges", edges.source.size)

    def _decide(self, v: pregel.VertexBatch, plan: dict) -> None:
        """One round of local moving: each vertex that looks finds its best community; master compute picks movers."""
        labels, tot, moved, was = plan["labels"], plan["tot"], plan["moved"], plan["was"]
        level = self._level(v, plan)
        values = v.values
        own = labels[v.ids]  # master compute moved the vertices it let move
        k, loop = values["degree"], values["loop"]
        m = plan["two_m"] / 2 or 1.0
        # my neighbours that moved: my inside weight follows them exactly, whether I look or not
        edges = level.as_matrix(labels.size)
        alpha = self.resolution * k / (2 * m)
        change, joined, fresh_score = moved_neighbours(
            level.indptr, edges.indices, level.weight, moved, labels, was, own, alpha, tot
        )
        inside = values["inside"] + change
        # who looks: every vertex in a level's first round, one that moved or wanted to, and one whose best gain
        # may have turned positive since it last looked. The gain towards a community c is (score - inside) / m
        # - alpha (k - my community's tot), the score W_c - alpha m tot_c (W_c my weight towards c): the score
        # of the best when it last looked, raised each round by the most weight that joined one community and
        # what the most-falling tot lost, or the score of a community a neighbour just joined, bounds every
        # score since
        again = values["again"]
        score = np.maximum(values["score"] + joined + alpha * plan["drop"], fresh_score)
        could = (score - inside) / m - alpha * (k - tot[own]) / m
        # one whose bound is below a fraction of a mean edge's worth waits, unless the others found nothing
        doubt = _NOISE if plan["careful"] else max(_NOISE, self.doubt * plan["two_m"] / max(plan["edges"], 1) / m)
        candidate = again | plan["sweep"] | moved[v.ids] | (could > doubt)
        rows = np.flatnonzero(candidate)
        # each one's weight towards each community it has edges into (a self-loop into its own), and the best
        looked, label, weight = best_communities(
            level.indptr, edges.indices, level.weight, rows, labels, own, alpha, tot
        )
        picked = label >= 0
        r, c, w = rows[picked], label[picked], weight[picked]
        inside[rows] = looked - loop[rows]
        fresh = np.empty(v.size, dtype=STATE)
        fresh["community"], fresh["degree"], fresh["loop"], fresh["inside"] = own, k, loop, inside
        fresh["again"], fresh["score"] = False, score
        v.values = fresh
        v.aggregate("internal", inside + 2 * loop)
        if plan["frozen"] or plan["two_m"] == 0:
            return
        mine = own[r]
        gain = (w - inside[r]) / m - alpha[r] * (tot[c] - (tot[mine] - k[r])) / m
        score[rows] = -np.inf
        score[r] = w - alpha[r] * tot[c]
        wants = gain > _NOISE
        wanting, into = r[wants], c[wants]
        # a wanting vertex looks again: it moves (its inside weight changes) or a neighbour held it back
        fresh["again"][wanting] = True
        fresh["score"] = score
        records = np.empty(wanting.size, dtype=WANT)
        records["vertex"], records["into"] = v.ids[wanting], into
        records["gain"], records["weight"] = gain[wants], w[wants]
        v.aggregate("wants", records)
        v.aggregate("wanting", wanting.size)
        # who I would join: if one of them wants to leave too, master compute lets only one of us move. Master
        # compute knows the one member of a community of one (and my weight towards it): the others are found
        # among my edges
        crowd = plan["size"][into] > 1
        wanting, into = wanting[crowd], into[crowd]
        theirs = edges[wanting]
        joiner = np.repeat(wanting, np.diff(theirs.indptr))
        joining = labels[theirs.indices] == np.repeat(into, np.diff(theirs.indptr))
        pairs = np.empty(np.count_nonzero(joining), dtype=PAIR)
        pairs["joiner"], pairs["member"] = v.ids[joiner[joining]], theirs.indices[joining]  # ids: columns
        pairs["weight"] = theirs.data[joining]
        v.aggregate("pairs", pairs)

    def _gather(self, v: pregel.VertexBatch, plan: dict) -> None:
        """The level's partition, for the record; then each community becomes the vertex of its label, by mutation."""
        values = v.values
        own = plan["labels"][v.ids]
        went = own != v.ids
        moves = np.empty(np.count_nonzero(went), dtype=MOVE)
        moves["vertex"], moves["into"] = v.ids[went], own[went]
        v.aggregate("moves", moves)
        if plan["final"]:
            return
        labels = plan["labels"]
        n = labels.size
        owners = plan["size"][v.ids] > 0
        # every vertex goes, and each owner comes back without edges (removals come before additions): cheaper
        # for the engine than removing each edge by its ends
        v.remove_vertices(v.ids)
        fresh = np.zeros(np.count_nonzero(owners), dtype=STATE)
        fresh["community"] = v.ids[owners]
        v.add_vertices(v.ids[owners], fresh)
        # the weight between each pair of communities: mine (rows) by theirs (columns), summed in compiled code,
        # one request per pair (the other partitions add theirs to it)
        edges = self._level(v, plan).as_matrix(n) @ _membership(labels)
        mine = scipy.sparse.csr_matrix((np.ones(v.size), (own, np.arange(v.size))), shape=(n, v.size))
        summed = (mine @ edges).tocoo()
        # inside a community every edge was counted from both ends, a self-loop once: the merged vertex's
        # self-loop weighs each once
        loops = np.bincount(own, weights=values["loop"], minlength=n)
        inside = summed.row == summed.col
        weight = np.where(inside, (summed.data + loops[summed.row]) / 2, summed.data)
        v.add_edges(summed.row.astype(np.int64), summed.col.astype(np.int64), weight)

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
            plan.update(phase="start", level=plan["level"] + 1, rounds=0, moved_in_level=0, best=-math.inf, stall=0)
            plan.update(frozen=False, sweep=True, careful=False)
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
        if alive.size == 0:
            master.halt()  # an empty graph: no community to form
            return
        if plan["level"] == 0:
            plan["two_m"] = float(degree.sum())
            n = int(alive[-1]) + 1
            plan.update(labels=np.zeros(n, dtype=np.int64), size=np.zeros(n, dtype=np.int64))
            plan.update(degree=np.zeros(n), tot=np.zeros(n), moved=np.zeros(n, dtype=bool))
            plan["was"] = np.zeros(n, dtype=np.int64)
        # the arrays are rewritten in place: each superstep's statistics keep the plan, and so no copy of them
        plan["alive"] = alive
        plan["edges"] = int(master.aggregated("edges"))
        plan["labels"][:] = np.arange(plan["labels"].size)
        plan["degree"][:] = 0
        plan["degree"][alive] = degree
        plan["moved"][:] = False
        plan["drop"] = 0.0
        _recount(plan)
        plan["phase"] = "decide"

    def _after_decide(self, master: pregel.Master, plan: dict) -> None:
        two_m = plan["two_m"]
        plan["moved"][:] = False
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
        wants = master.aggregated("wants")
        tie = draw(self.seed, master.superstep, wants["vertex"])
        movers = _resolve(wants, tie, _with_alone(master.aggregated("pairs"), wants, plan), plan, self.resolution)
        plan["was"][:] = plan["labels"]
        plan["labels"][movers["vertex"]] = movers["into"]
        plan["moved"][movers["vertex"]] = True
        before = tot.copy()
        _recount(plan)
        plan["drop"] = max(float(np.max(before - tot, initial=0.0)), 0.0)
        plan["moved_in_level"] += movers.size
        master.set_aggregated("moved", movers.size)
        if wants.size == 0 and not (plan["careful"] or plan["sweep"] or plan["frozen"]):
            plan["careful"] = True  # every vertex whose gain could be positive looks once more
            return
        if wants.size == 0:  # no vertex looked and wanted to move; the others cannot gain: a local optimum
            self._level_ends(plan, q)
            return
        plan["sweep"] = plan["careful"] = False
        if q > plan["best"] + max(self.settle, self.settle_share * (q - plan["start_q"])):
            plan["best"], plan["stall"] = q, 0
        else:
            plan["stall"] += 1
        plan["frozen"] = plan["stall"] >= self.patience

    def _level_ends(self, plan: dict, q: float) -> None:
        """No vertex wanted to move in this decide superstep: the partition it measured is the level's."""
        if plan["level"] > 0 and (plan["moved_in_level"] == 0 or q < plan["start_q"]):
            # as networkx: a level that moved nothing, or lost modularity (synchronous moves can), is not one
            plan.update(phase="gather", final=True)
            return
        plan["levels"] = [*plan["levels"], q]
        done = q - plan["start_q"] <= self.threshold or 0 < self.max_level <= len(plan["levels"])
        plan.update(phase="gather", final=bool(done), start_q=q)


def _resolve(wants: np.ndarray, tie: np.ndarray, pairs: np.ndarray, plan: dict, resolution: float) -> np.ndarray:
    """The wanting vertices that move: each pays for what the moves ahead of it take from its gain.

    Wanting vertices are ranked by gain (the smaller id first among equals). Moved
    together, two of them change each other's gain: a vertex joining the community a
    neighbour leaves (or that a neighbour joins mine) counted on that neighbour's edge
    to it (a swap is the extreme case); vertices joining one community, or leaving one,
    each counted on the community's tot without the others. The one ranked lower pays
    the loss (gains are left out), and a vertex moves if its gain stays positive. It
    pays only for those ahead of it that move, which depends on who pays too much:
    starting from all of them, the movers are found three times over; each odd round of
    that is safe (every mover pays at least for the movers ahead of it), and the third
    lets move most of those the first held back for nothing. The moves together then
    raise modularity by at least the sum of what is left of their gains.
    """
    n = plan["labels"].size
    m = plan["two_m"] / 2
    degree = plan["degree"]
    place = np.full(n, -1, dtype=np.int64)
    place[wants["vertex"]] = np.arange(wants.size)
    rank = np.empty(wants.size, dtype=np.int64)
    # larger gain first, then the draw; in a level's first round (every vertex alone, gains alike) the draw alone,
    # as networkx's seeded order of vertices
    keys = (-wants["vertex"], tie) if plan["rounds"] == 1 else (-wants["vertex"], tie, wants["gain"])
    rank[np.lexsort(keys)] = np.arange(wants.size)
    joiner, member = place[pairs["joiner"]], place[pairs["member"]]
    both = member >= 0  # the joiner wants to move (it made the pair); the member too
    joiner, member = joiner[both], member[both]
    behind = rank[joiner] < rank[member]
    pays, ahead = np.where(behind, joiner, member), np.where(behind, member, joiner)
    # summed in one order whatever the partitions sent first: the same bits on every backend
    order = np.lexsort((ahead, pays))
    pays, ahead, weight = pays[order], ahead[order], pairs["weight"][both][order]
    k = degree[wants["vertex"]]
    cost = np.maximum(weight / m - resolution * k[pays] * k[ahead] / (2 * m * m), 0.0)
    scale = resolution * k / (2 * m * m)
    groups = [_Group(group, rank) for group in (wants["into"], plan["labels"][wants["vertex"]])]
    moving = np.ones(wants.size, dtype=bool)
    for _ in range(3):
        charge = np.bincount(pays, weights=np.where(moving[ahead], cost, 0.0), minlength=wants.size).astype(float)
        for group in groups:
            charge += scale * group.ahead(np.where(moving, k, 0.0))
        moving = wants["gain"] - charge > _NOISE
    going = wants[moving]
    movers = np.empty(going.size, dtype=MOVE)
    movers["vertex"], movers["into"] = going["vertex"], going["into"]
    return movers


class _Group:
    """Wanting vertices grouped by a label (where they go, or where they leave), ranked within each group."""

    def __init__(self, group: np.ndarray, rank: np.ndarray) -> None:
        self.order = np.lexsort((-rank, group))
        self.first = np.flatnonzero(np.diff(group[self.order], prepend=-1))

    def ahead(self, k: np.ndarray) -> np.ndarray:
        """For each vertex, the sum of ``k`` over those of its group ahead of it."""
        sorted_k = k[self.order]
        total = np.cumsum(sorted_k) - sorted_k
        total -= np.repeat(total[self.first], np.diff(self.first, append=self.order.size))
        ahead = np.empty_like(total)
        ahead[self.order] = total
        return ahead


def _with_alone(pairs: np.ndarray, wants: np.ndarray, plan: dict) -> np.ndarray:
    """The pairs of the vertices that want to join a community of one vertex (its one member), added."""
    alive, labels = plan["alive"], plan["labels"]
    member = np.empty(labels.size, dtype=np.int64)
    member[labels[alive]] = alive  # right for a community of one
    alone = wants[plan["size"][wants["into"]] == 1]
    more = np.empty(alone.size, dtype=PAIR)
    more["joiner"], more["member"], more["weight"] = alone["vertex"], member[alone["into"]], alone["weight"]
    return np.concatenate([pairs, more])


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
        "moved_in_level": 0,
        "best": -math.inf,
        "stall": 0,
        "frozen": False,
        "sweep": True,  # every vertex is a candidate in the next decide superstep
        "careful": False,  # every vertex whose gain could be positive is one
        "edges": 0,  # edges of the level's graph (both directions)
        "drop": 0.0,  # what the most-falling community's tot lost at the last barrier
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


def _membership(labels: np.ndarray) -> scipy.sparse.csr_matrix:
    """The 0/1 matrix of vertex ids (rows) by community labels (columns)."""
    n = labels.size
    return scipy.sparse.csr_matrix((np.ones(n), labels, np.arange(n + 1)), shape=(n, n))


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
    if not partitions:
        # stopped before the first level was gathered (max_supersteps): every vertex is a community of its own
        return [current]
    # (no level finished when the run stopped early: its aggregator is still its identity, None)
    return partitions[: max(len(result.aggregated["levels"] or ()), 1)]


def forget_arrays(aggregated: dict) -> None:
    """Replace a superstep's record arrays by their sizes, and drop the plan's arrays (the statistics keep the rest).

    Examples
    --------
    >>> aggregated = {"moves": np.zeros(3, dtype=MOVE), "plan": {"phase": "decide", "labels": np.arange(4)}}
    >>> forget_arrays(aggregated)
    >>> aggregated
    {'moves': 3, 'plan': {'phase': 'decide'}}
    """
    for name in ("moves", "wants", "pairs", "degrees"):
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
        The seed of the hash that ranks the vertices that want to move in a level's first
        round, and breaks ties between equal gains later (which of two pays for moving with
        the other): the same seed gives the same communities on every backend and partition
        count.
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
        as such labels (the strings themselves in a graph of string ids, as
        ``result.original_values``), ``result.graph`` the undirected graph given.

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
    given = as_graph(graph)
    graph = given.to_undirected()
    if not resolution >= 0:
        raise pregel.InputError(f"the resolution must be >= 0, got {resolution}")
    if threshold != threshold:
        raise pregel.InputError("the threshold must be a number, got nan")
    if max_level is not None and max_level <= 0:
        raise pregel.InputError(f"max_level must be a positive integer, got {max_level}")
    only_batch(api, "louvain")
    # vertices numbered 0..n-1 in id order: labels are numbers, and the smallest number is the smallest id
    numbered = pregel.Graph(np.arange(graph.num_vertices), graph.indptr, graph.indices, graph.weights)
    program = Louvain(
        resolution=float(resolution), threshold=float(threshold), seed=integer("seed", seed), max_level=max_level or 0
    )
    # here, on the edges as given: the run sees an undirected copy, numbered 0..n-1, with each edge twice
    check_weights(given, program)
    # the communities are composed level by level over the whole graph: collected here
    collect = options.pop("collect", ())
    result = pregel.run(numbered, program, backend=backend, **options)
    partitions = level_partitions(result, graph.num_vertices)
    # the moves are composed now: what the statistics keep (and --stats writes) is how many there were
    for aggregated in [*(stats.aggregated for stats in result.stats), result.aggregated]:
        forget_arrays(aggregated)
    result.graph = graph
    result.trace = result.trace and result.trace.told_of(graph)  # drawn with the user's vertices
    result.values = smallest_member(partitions[-1], graph.ids) if partitions else graph.ids.copy()
    result.values_are_ids = True  # each names its community's smallest member: a label, in a labelled graph
    # users read these directly (no original_values for them): labels already, in a labelled graph
    result.partitions = [graph.to_original(smallest_member(labels, graph.ids)) for labels in partitions]
    result.collected = collect_on_driver(result, collect, options.get("workers") or 1)
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

    from pregel.algorithms.triangles import networkx_undirected

    label = {}
    for community in nx.community.louvain_communities(
        networkx_undirected(graph, weighted=True), resolution=resolution, threshold=threshold, seed=seed
    ):
        label.update(dict.fromkeys(community, min(community)))
    # as our labels are: the ids programs see (a label's number, in a labelled graph)
    return graph.ids_of([label[v] for v in graph.original_ids.tolist()])
