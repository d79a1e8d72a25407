"""bfs, scc, kcore and triangles, on every backend and partition count (both APIs on Ray), equal networkx and
the references of pregel.algorithms.reference on the hand-made graphs.

One module for the four, so that they share one Ray session (starting Ray costs seconds).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import pregel
from pregel.algorithms import reference
from pregel.algorithms.bfs import bfs, networkx_bfs
from pregel.algorithms.kcore import core_numbers, k_core, networkx_core_numbers
from pregel.algorithms.scc import networkx_scc, strongly_connected_components
from pregel.algorithms.triangles import networkx_triangles, triangles
from tests.graphs import HAND_MADE, binary_tree, hand_made, most_connected

GRAPHS = {name: (lambda name=name: hand_made(name)) for name in HAND_MADE} | {
    "binary_tree": binary_tree,
    "binary_tree_back_edge": lambda: binary_tree(back_edge=True),
    # two triangles sharing the edge 2 - 3, one of them with an edge both ways, and a tail
    "two_triangles": lambda: pregel.Graph.from_edges([1, 2, 3, 3, 4, 2, 4], [2, 3, 1, 4, 2, 1, 5]),
}


def _bfs(graph: pregel.Graph, **options) -> tuple[pregel.Result, np.ndarray]:
    sources = sorted({int(graph.ids[0]), most_connected(graph)})
    ours = bfs(graph, sources, **options)
    np.testing.assert_array_equal(ours.values, reference.bfs(graph, tuple(sources)).values)
    return ours, networkx_bfs(graph, sources)


def _scc(graph: pregel.Graph, **options) -> tuple[pregel.Result, np.ndarray]:
    ours = strongly_connected_components(graph, **options)
    np.testing.assert_array_equal(ours.values, reference.strong_components(graph).values)
    return ours, networkx_scc(graph)


def _kcore(graph: pregel.Graph, **options) -> tuple[pregel.Result, np.ndarray]:
    src, dst, _ = graph.edge_arrays()
    graph = pregel.Graph.from_edges(src[src != dst], dst[src != dst], vertices=graph.ids)  # no core with self-loops
    ours = core_numbers(graph, **options)
    np.testing.assert_array_equal(ours.values, core_numbers(graph, backend="scipy").values)
    return ours, networkx_core_numbers(graph)


def _triangles(graph: pregel.Graph, **options) -> tuple[pregel.Result, np.ndarray]:
    ours = triangles(graph, **options)
    check = reference.triangles(graph)
    np.testing.assert_array_equal(ours.values, check.values)
    for name in ("triangles", "transitivity", "average_clustering"):
        assert ours.aggregated[name] == pytest.approx(check.aggregated[name], abs=1e-12)
    return ours, networkx_triangles(graph)


ALGORITHMS: dict[str, Callable[..., tuple[pregel.Result, np.ndarray]]] = {
    "bfs": _bfs,
    "scc": _scc,
    "kcore": _kcore,
    "triangles": _triangles,
}


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_hand_made_graphs_equal_networkx(engine, name, algorithm):
    graph = GRAPHS[name]()
    # the scalar twins run locally in each algorithm's own tests (on random graphs, 1 to 3 partitions)
    for api in ["batch", "scalar"] if engine.backend == "ray" else ["batch"]:
        ours, expected = ALGORITHMS[algorithm](graph, api=api, **engine.options)
        np.testing.assert_array_equal(ours.values, expected)
        # which vertices compute and how many messages they send depend on neither the backend nor the partitions
        # (but for scc's batch program, whose colours go as far as they can inside a partition before it sends)
        same = {"workers": engine.options.get("workers")} if (algorithm, api) == ("scc", "batch") else {}
        alone, _ = ALGORITHMS[algorithm](graph, api=api, **same)
        assert [(s.active, s.messages_sent) for s in ours.stats] == [(s.active, s.messages_sent) for s in alone.stats]


# every algorithm with a scalar twin: an api it does not have is one InputError naming the argument (a bare
# KeyError before), and a batch-only algorithm says it has only the batch API
TWINS = {
    "pagerank": lambda g, **kw: pregel.algorithms.pagerank(g, **kw),
    "personalized pagerank": lambda g, **kw: pregel.algorithms.pagerank(g, personalization={1: 1.0}, **kw),
    "sssp": lambda g, **kw: pregel.algorithms.sssp(g, 1, **kw),
    "cc": lambda g, **kw: pregel.algorithms.connected_components(g, **kw),
    "bfs": lambda g, **kw: bfs(g, [1], **kw),
    "scc": lambda g, **kw: strongly_connected_components(g, **kw),
    "kcore": lambda g, **kw: core_numbers(g, **kw),
    "k_core": lambda g, **kw: k_core(g, 1, **kw),
    "triangles": lambda g, **kw: triangles(g, **kw),
    "synchronous lpa": lambda g, **kw: pregel.algorithms.label_propagation(g, synchronous=True, **kw),
    "mis": lambda g, **kw: pregel.algorithms.maximal_independent_set(g, **kw),
}


@pytest.mark.parametrize("algorithm", TWINS)
def test_an_api_that_does_not_exist_is_one_input_error(algorithm):
    g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    scalar = TWINS[algorithm](g, api="scalar")
    np.testing.assert_array_equal(scalar.values, TWINS[algorithm](g, api="batch").values)
    with pytest.raises(pregel.InputError, match="^api must be 'batch' or 'scalar', not 'fast'$"):
        TWINS[algorithm](g, api="fast")
