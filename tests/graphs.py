"""Hand-made graphs with known properties, and a hypothesis strategy for random ones."""

from __future__ import annotations

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


@st.composite
def random_graphs(draw, max_vertices: int = 25, max_edges: int = 80, weights: str | None = None) -> pregel.Graph:
    """Random directed graphs: self-loops, duplicates, dangling and isolated-looking vertices included."""
    n = draw(st.integers(1, max_vertices))
    ids = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True))
    vertex = st.sampled_from(ids)
    edges = draw(st.lists(st.tuples(vertex, vertex), min_size=1, max_size=max_edges))
    src = [e[0] for e in edges]
    dst = [e[1] for e in edges]
    w = None
    if weights == "positive":
        w = draw(st.lists(st.integers(0, 20).map(float), min_size=len(edges), max_size=len(edges)))
    elif weights == "real":
        w = draw(st.lists(st.floats(0.0, 10.0), min_size=len(edges), max_size=len(edges)))
    return pregel.Graph.from_edges(src, dst, w)
