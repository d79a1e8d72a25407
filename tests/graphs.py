"""The graphs the tests run on: small ones with known shapes, and the one hypothesis strategy for random ones."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import pregel

HAND_MADE = {
    # name: (sources, targets, weights)
    "dangling": ([1, 1, 2], [2, 3, 3], None),
    "self_loops": ([1, 1, 2, 3], [1, 2, 2, 1], None),
    "disconnected": ([1, 2, 10, 11, 12], [2, 1, 11, 12, 10], None),
    "duplicates": ([1, 1, 1, 2, 2], [2, 2, 3, 3, 3], [4.0, 1.0, 9.0, 2.0, 0.5]),
    "single_vertex": ([7], [7], None),
    "all_dangling_but_one": ([0, 0, 0], [1, 2, 3], None),
    "unreachable": ([1, 2, 5], [2, 3, 6], [1.0, 2.0, 1.0]),
    "weighted_diamond": ([1, 1, 2, 3, 2], [2, 3, 4, 4, 3], [1.0, 4.0, 5.0, 1.0, 1.0]),
    "zero_and_negative": ([1, 1, 2, 3], [2, 3, 4, 4], [0.0, 5.0, -1.0, -3.0]),
    "sparse_ids": ([1000000, 3, 42], [3, 42, 1000000], None),
}


def hand_made(name: str) -> pregel.Graph:
    src, dst, w = HAND_MADE[name]
    return pregel.Graph.from_edges(src, dst, w)


def chain(n: int) -> pregel.Graph:
    """0 → 1 → … → n-1."""
    return pregel.Graph.from_edges(np.arange(n - 1), np.arange(1, n))


def binary_tree(back_edge: bool = False) -> pregel.Graph:
    """1 → 2, 3; 2 → 4, 5; … down to the leaves 8..15 (vertex ``i``'s parent is ``i // 2``).

    With ``back_edge``, also 15 → 1: a leaf that reaches the root again.
    """
    parents, children = [i // 2 for i in range(2, 16)], list(range(2, 16))
    if back_edge:
        parents, children = [*parents, 15], [*children, 1]
    return pregel.Graph.from_edges(parents, children)


def fan_in() -> pregel.Graph:
    """Four sources 1..4 that each point at vertex 10 and at vertex 20; 20 also points at itself."""
    return pregel.Graph.from_edges([1, 2, 3, 4, 1, 2, 3, 4, 20], [10, 10, 10, 10, 20, 20, 20, 20, 20])


def random_graph(n: int = 400, m: int = 1600, seed: int = 0, weighted: bool = False) -> pregel.Graph:
    """``m`` random edges among ids 0, 3, 6, … below ``3 * n`` (ids with gaps); weights 0.5..4 if ``weighted``."""
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m) * 3, rng.integers(0, n, m) * 3
    return pregel.Graph.from_edges(src, dst, weights=rng.uniform(0.5, 4.0, m) if weighted else None)


def most_connected(graph: pregel.Graph) -> int:
    """The vertex with the most out-edges (a source that reaches much of a graph)."""
    return int(graph.ids[np.argmax(graph.out_degree)])


WEIGHTS = {
    # integer-valued, so that sums of them are exact in any order
    "positive": st.integers(0, 20).map(float),
    "real": st.floats(0.0, 10.0),
    "signed": st.integers(-3, 10).map(float),
}


@st.composite
def random_graphs(
    draw: st.DrawFn,
    min_vertices: int = 1,
    max_vertices: int = 25,
    max_edges: int = 80,
    weights: str | None = None,
) -> pregel.Graph:
    """Random directed graphs with the awkward cases in them.

    Vertex ids are spread over 0..10**6. A draw may give the empty graph (with
    ``min_vertices=0``), one vertex, no edges at all (every vertex dangling),
    isolated vertices, self-loops and repeated edges (which the graph merges).
    ``weights`` is None (unweighted) or a key of ``WEIGHTS``: "positive" (whole
    numbers 0..20, zero included), "real" (0..10) or "signed" (whole numbers -3..10).
    """
    n = draw(st.integers(min_vertices, max_vertices))
    ids = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True))
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=max_edges)) if ids else []
    w = None if weights is None else draw(st.lists(WEIGHTS[weights], min_size=len(pairs), max_size=len(pairs)))
    return pregel.Graph.from_edges([a for a, _ in pairs], [b for _, b in pairs], w, vertices=ids)
