"""Topology mutations: the changes a superstep asked for, applied to the graph at the barrier.

A program asks, from ``compute``, to remove and add edges and vertices (by original
ids; :class:`~pregel.core.types.Mutations`). The requests of superstep S travel to the
barrier with the partitions' statuses, and :func:`settle` applies them before master
compute and superstep S + 1, in the Pregel paper's order:

1. edge removals (every edge ``src -> dst``; one that does not exist is ignored);
2. vertex removals, with their out-edges and in-edges (a missing vertex is ignored);
3. vertex additions: a vertex that exists keeps its value (a vertex removed in the
   same superstep is created anew); two additions of one new vertex keep the smallest
   value (numbers), else the first asked for;
4. edge additions: several additions of one edge merge into one, their weights combined
   by the program's ``added_edge_weights`` (``"sum"``, ``"min"`` or ``"max"``); an added
   edge that exists takes the new weight.

A message or an added edge to a vertex that does not exist after steps 1-3 follows the
program's ``missing_vertex``: ``"error"`` (the default: a ProgramError naming it),
``"drop"`` (dropped), or ``"create"`` (the vertex is created with the program's initial
value, then gets it). Messages already on their way to a removed vertex are dropped.

Everything is decided by ids and by the order of the requesting vertices, never by the
partition count, so 1, 2 or 3 partitions and Ray give the same graph. The partitions
whose rows did not change keep their routes and in-edge layouts when the vertex set
stays the same; otherwise the graph is cut anew into the same number of partitions.
The driver does the bookkeeping on whole arrays: a mutation costs a pass over the
graph's edges, which is why programs mutate at phase changes, not every superstep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.core.graph import Graph, as_ids, find, index_dtype
from pregel.core.messages import concat_messages, sort_and_combine
from pregel.core.partition import cut
from pregel.core.types import Mutations, PartitionStatus, Unresolved
from pregel.errors import ProgramError

if TYPE_CHECKING:
    from pregel.core.program import Program
    from pregel.core.types import Backend

#: What ``missing_vertex`` may say, and how ``added_edge_weights`` merges additions of one edge.
MISSING_RULES = ("error", "drop", "create")
EDGE_MERGES = {"sum": np.add, "min": np.minimum, "max": np.maximum}


class Settled:
    """What the barrier made of a superstep's mutations: the new graph, and what is left to run."""

    def __init__(self, graph: Graph, active: int, pending: int) -> None:
        self.graph = graph
        self.active = active
        self.pending = pending


def check_rules(program: Program) -> None:
    """ProgramError for a program whose ``missing_vertex`` or ``added_edge_weights`` is not one of the choices."""
    name = type(program).__name__
    if program.missing_vertex not in MISSING_RULES:
        raise ProgramError(f"{name}.missing_vertex is {program.missing_vertex!r}; choose one of {MISSING_RULES}")
    if program.added_edge_weights not in EDGE_MERGES:
        raise ProgramError(
            f"{name}.added_edge_weights is {program.added_edge_weights!r}; choose one of {tuple(EDGE_MERGES)}"
        )


def settle(graph: Graph, program: Program, backend: Backend, statuses: list[PartitionStatus]) -> Settled | None:
    """Apply the mutations and settle the unresolved messages of one superstep; None when there were none.

    Examples
    --------
    Remove sinks until none is left (each round may make new ones):

    >>> import pregel
    >>> class Prune(pregel.BatchProgram):
    ...     def compute(self, v):
    ...         sinks = v.out_degree == 0
    ...         v.remove_vertices(v.ids[sinks])
    ...         if not sinks.any():
    ...             v.vote_to_halt()
    >>> r = pregel.run(pregel.Graph.from_edges([1, 2, 2, 3], [2, 1, 3, 4]), Prune, workers=1)
    >>> r.ids.tolist(), r.supersteps
    ([1, 2], 3)
    """
    requests = Mutations()
    unresolved = []
    for status in statuses:
        if status.mutations is not None:
            requests.extend(status.mutations)
        if status.unresolved is not None:
            unresolved.append(status.unresolved)
    if not len(requests) and not unresolved:
        return None
    messages = _joined(unresolved)
    rule = program.missing_vertex
    if not len(requests) and rule != "create":
        missing = messages.ids[~find(graph.ids, messages.ids)[1]]
        if rule == "error" and missing.size:
            raise _missing_error(program, "sent a message to", missing[0])
        # dropped: nothing else changes
        return None
    return _rebuild(graph, program, backend, requests, messages)


def _rebuild(graph: Graph, program: Program, backend: Backend, requests: Mutations, messages: Unresolved) -> Settled:
    n, ids = graph.num_vertices, graph.ids
    rule = program.missing_vertex
    dtype = np.dtype(program.value_dtype)
    sources = graph.sources.astype(np.int64)
    targets = graph.indices.astype(np.int64)
    keep = np.ones(targets.size, dtype=bool)

    # 1. edge removals
    src, dst = _pairs(requests.remove_edges)
    (ps, found_s), (pt, found_t) = find(ids, src), find(ids, dst)
    both = found_s & found_t
    if both.any():
        keep &= ~np.isin(sources * n + targets, ps[both] * n + pt[both])

    # 2. vertex removals
    alive = np.ones(n, dtype=bool)
    gone, found = find(ids, _joined_ids(requests.remove_vertices))
    alive[gone[found]] = False
    keep &= alive[sources] & alive[targets]

    # 3. vertex additions: the ids asked for that are not alive, each with its chosen value
    add_ids, add_values = _additions(requests.add_vertices, dtype)
    pos, found = find(ids, add_ids)
    found[found] = alive[pos[found]]
    add_ids, add_values = add_ids[~found], add_values[~found]
    surviving = ids[alive]

    # 4. edge additions, and messages, to vertices that exist by now (or per the rule)
    e_src, e_dst, e_w = _triples(requests.add_edges)
    exists = np.union1d(surviving, add_ids) if add_ids.size else surviving
    e_ok = find(exists, e_src)[1] & find(exists, e_dst)[1]
    m_ok = find(exists, messages.ids)[1]
    created = np.empty(0, dtype=np.int64)
    if not (e_ok.all() and m_ok.all()):
        if rule == "error":
            if not e_ok.all():
                k = int(np.flatnonzero(~e_ok)[0])
                bad = e_src[k] if not find(exists, e_src[k : k + 1])[1][0] else e_dst[k]
                raise _missing_error(program, f"added the edge {e_src[k]} -> {e_dst[k]}, but", bad, to=False)
            raise _missing_error(program, "sent a message to", messages.ids[~m_ok][0])
        if rule == "create":
            created = np.setdiff1d(np.concatenate([e_src[~e_ok], e_dst[~e_ok], messages.ids[~m_ok]]), exists)
            exists = np.union1d(exists, created)
        else:
            e_src, e_dst, e_w = e_src[e_ok], e_dst[e_ok], e_w[e_ok]
            messages = Unresolved(messages.ids[m_ok], messages.values[m_ok])
    if graph.labels is not None and (add_ids.size or created.size):
        raise ProgramError(
            f"{type(program).__name__} added vertex {np.concatenate([add_ids, created])[0]}, but vertices cannot be "
            "added to a graph whose ids are strings"
        )

    new_ids = exists
    m = new_ids.size
    to_new = np.full(n, -1, dtype=np.int64)
    to_new[alive] = np.searchsorted(new_ids, surviving)
    new_src, new_dst = to_new[sources[keep]], to_new[targets[keep]]
    weights = None if graph.weights is None else graph.weights[keep]
    if e_src.size:
        key, w = _merged(np.searchsorted(new_ids, e_src) * m + np.searchsorted(new_ids, e_dst), e_w, program)
        old_key = new_src * m + new_dst
        # an added edge that exists takes the new weight: the old one goes
        stay = ~np.isin(old_key, key)
        if weights is None and not (w == 1.0).all():
            weights = np.ones(targets.size, dtype=np.float64)[keep]
        key = np.concatenate([old_key[stay], key])
        order = np.argsort(key, kind="stable")
        key = key[order]
        if weights is not None:
            weights = np.concatenate([weights[stay], w])[order]
        new_src, new_dst = key // m, key % m
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(new_src, minlength=m), out=indptr[1:])
    labels = None if graph.labels is None else graph.labels[alive]
    new_graph = Graph(new_ids, indptr, new_dst.astype(index_dtype(m)), weights, graph.duplicates_merged, labels)
    return _carry(graph, new_graph, program, backend, to_new, (add_ids, add_values), messages)


def _carry(
    graph: Graph,
    new_graph: Graph,
    program: Program,
    backend: Backend,
    to_new: np.ndarray,
    added: tuple[np.ndarray, np.ndarray],
    messages: Unresolved,
) -> Settled:
    """Move every surviving vertex's state to its new place and hand the backend its new partitions."""
    states = backend.states()
    old_bounds = np.concatenate([[0], np.cumsum([s["values"].size for s in states])])
    m = new_graph.num_vertices
    alive = to_new >= 0
    values = np.empty(m, dtype=states[0]["values"].dtype)
    given = np.zeros(m, dtype=bool)
    active = np.ones(m, dtype=bool)
    values[to_new[alive]] = np.concatenate([s["values"] for s in states])[alive]
    given[to_new[alive]] = True
    active[to_new[alive]] = np.concatenate([s["active"] for s in states])[alive]
    add_ids, add_values = added
    if add_ids.size:
        where = np.searchsorted(new_graph.ids, add_ids)
        values[where] = add_values
        given[where] = True
    # mail already on its way: renumbered, and dropped where its vertex went
    targets = to_new[np.concatenate([s["inbox_targets"] + lo for s, lo in zip(states, old_bounds)])]
    mail = concat_messages([s["inbox_values"] for s in states])
    reached = targets >= 0
    targets, mail = targets[reached], mail[reached]
    # several messages to one created vertex are combined as the inbox would have combined them (in the order
    # sent): a partition's inbox takes each block as holding one message per vertex when there is a combiner
    late, late_values = sort_and_combine(
        np.searchsorted(new_graph.ids, messages.ids), messages.values, program.combiner
    )

    same_vertices = m == graph.num_vertices and bool(alive.all())
    bounds = np.array(old_bounds, dtype=np.int64) if same_vertices else cut(new_graph, len(states))
    new_states: list[dict[str, np.ndarray] | None] = []
    for k in range(len(states)):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        a, b = np.searchsorted(targets, [lo, hi])
        c, d = np.searchsorted(late, [lo, hi])
        if same_vertices and c == d and _same_rows(graph, new_graph, lo, hi):
            new_states.append(None)
            continue
        new_states.append(
            {
                "values": values[lo:hi],
                "given": given[lo:hi],
                "active": active[lo:hi],
                "inbox_targets": targets[a:b] - lo,
                "inbox_values": mail[a:b],
                "late_targets": late[c:d] - lo,
                "late_values": late_values[c:d],
            }
        )
    backend.reshape(new_graph, bounds, new_states)
    return Settled(new_graph, int(np.count_nonzero(active)), int(targets.size + late.size))


def _same_rows(old: Graph, new: Graph, lo: int, hi: int) -> bool:
    """Whether vertices ``lo:hi`` have the same out-edges (and weights) in both graphs."""
    a, b = old.indptr[lo], old.indptr[hi]
    c, d = new.indptr[lo], new.indptr[hi]
    if not np.array_equal(old.indptr[lo : hi + 1] - a, new.indptr[lo : hi + 1] - c):
        return False
    if not np.array_equal(old.indices[a:b], new.indices[c:d]):
        return False
    if (old.weights is None) != (new.weights is None):
        return False
    return old.weights is None or np.array_equal(old.weights[a:b], new.weights[c:d])


# ---------------------------------------------------------------- requests as arrays
def _joined_ids(parts: list[np.ndarray]) -> np.ndarray:
    return as_ids(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


def _pairs(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    return _joined_ids([s for s, _ in parts]), _joined_ids([t for _, t in parts])


def _triples(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    src, dst = _pairs([(s, t) for s, t, _ in parts])
    w = np.concatenate([np.asarray(w, dtype=np.float64).ravel() for _, _, w in parts]) if parts else np.empty(0)
    if not np.isfinite(w).all():
        k = int(np.flatnonzero(~np.isfinite(w))[0])
        raise ProgramError(f"an added edge {src[k]} -> {dst[k]} has weight {w[k].item()!r}; weights must be finite")
    return src, dst, w


def _joined(unresolved: list[Unresolved]) -> Unresolved:
    if not unresolved:
        return Unresolved(np.empty(0, dtype=np.int64), np.empty(0))
    return Unresolved(
        as_ids(np.concatenate([u.ids for u in unresolved])), concat_messages([u.values for u in unresolved])
    )


def _additions(parts: list[tuple[np.ndarray, np.ndarray]], dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ids asked for, sorted, each with its value: the smallest (numbers), else the first asked."""
    ids = _joined_ids([i for i, _ in parts])
    if not ids.size:
        return ids, np.empty(0, dtype=dtype)
    if dtype.kind == "O":
        values = concat_messages([np.asarray(v, dtype=object).ravel() for _, v in parts])
        order = np.argsort(ids, kind="stable")
    else:
        values = np.concatenate([np.asarray(v).ravel() for _, v in parts]).astype(dtype)
        order = np.lexsort((values, ids))
    ids, values = ids[order], values[order]
    first = np.ones(ids.size, dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    return ids[first], values[first]


def _merged(key: np.ndarray, weights: np.ndarray, program: Program) -> tuple[np.ndarray, np.ndarray]:
    """Additions of one edge (one key) merged into one, weights combined by ``added_edge_weights``."""
    order = np.argsort(key, kind="stable")
    key, weights = key[order], weights[order]
    first = np.ones(key.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    return key[starts], EDGE_MERGES[program.added_edge_weights].reduceat(weights, starts)


def _missing_error(program: Program, did: str, vertex: Any, to: bool = True) -> ProgramError:
    rule = f"(missing_vertex = {program.missing_vertex!r}: set 'create' or 'drop' to allow it)"
    if to:
        return ProgramError(f"{type(program).__name__} {did} vertex {vertex}, which is not in the graph {rule}")
    return ProgramError(f"{type(program).__name__} {did} vertex {vertex} is not in the graph {rule}")
