"""ppr, lpa, betweenness, mis, matching and louvain on every backend and partition count (Ray included).

One module for all of them, so that they share one Ray session (starting Ray costs
seconds); each algorithm's own module holds the rest of its tests, on the local backend.
"""

from __future__ import annotations

import numpy as np

from pregel.algorithms import reference
from pregel.algorithms.betweenness import betweenness, networkx_betweenness
from pregel.algorithms.louvain import louvain
from pregel.algorithms.lpa import label_propagation, networkx_label_propagation
from pregel.algorithms.matching import matching_problem, maximal_matching
from pregel.algorithms.mis import independence_problem, maximal_independent_set
from pregel.algorithms.pagerank import pagerank, restart_vector
from pregel.algorithms.ppr import personalized_pagerank
from tests.graphs import HAND_MADE, hand_made
from tests.test_louvain import sbm
from tests.test_ppr import exact, networkx_column

RAY_GRAPHS = ["disconnected", "self_loops"]
"""On Ray (about a second per run) a few graphs; locally every hand-made one."""


def graphs(engine) -> list[str]:
    return RAY_GRAPHS if engine.backend == "ray" else sorted(HAND_MADE)


def test_personalized_pagerank(engine):
    for name in graphs(engine):
        g = hand_made(name)
        sources = g.ids[:: max(1, g.num_vertices // 3)].tolist()
        ranks = personalized_pagerank(g, sources, tol=1e-13, **engine.options)
        assert ranks.values.dtype.names == tuple(map(str, sources))
        for s in sources:
            np.testing.assert_allclose(ranks.values[str(s)], networkx_column(g, {s: 1}), atol=1e-9)
            np.testing.assert_allclose(ranks.values[str(s)], exact(g, restart_vector(g, ((s, 1.0),))), atol=1e-11)
        # one restart distribution over the same sources
        spread = pagerank(g, tol=1e-13, personalization=sources, **engine.options)
        np.testing.assert_allclose(spread.values, networkx_column(g, dict.fromkeys(sources, 1)), atol=1e-9)


def test_label_propagation(engine):
    for name in graphs(engine):
        g = hand_made(name)
        semi = label_propagation(g, **engine.options)
        assert semi.values.tolist() == networkx_label_propagation(g).tolist()
        synchronous = label_propagation(g, synchronous=True, max_supersteps=30, **engine.options)
        expected = reference.label_propagation(g.to_undirected(), True, 30)
        assert synchronous.values.tolist() == expected.values.tolist()


def test_betweenness(engine):
    for name in graphs(engine):
        g = hand_made(name)
        for directed in (True, False):
            ours = betweenness(g, directed=directed, **engine.options)
            np.testing.assert_allclose(ours.values, networkx_betweenness(g, directed=directed), atol=1e-12)
        sampled = betweenness(g, samples=min(2, g.num_vertices), seed=3, endpoints=True, **engine.options)
        theirs = networkx_betweenness(g, min(2, g.num_vertices), 3, endpoints=True)
        np.testing.assert_allclose(sampled.values, theirs, atol=1e-12, equal_nan=True)


def test_independent_set_and_matching(engine):
    for name in graphs(engine):
        g = hand_made(name)
        alone = maximal_independent_set(g, seed=4)
        for api in ("batch", "scalar"):
            members = maximal_independent_set(g, seed=4, api=api, **engine.options)
            assert independence_problem(members.graph, members.values) is None
            assert members.values.tolist() == alone.values.tolist()
        pairs = maximal_matching(g, seed=4, **engine.options)
        assert matching_problem(pairs.graph, pairs.values) is None
        assert pairs.values.tolist() == maximal_matching(g, seed=4).values.tolist()


def test_louvain(engine):
    # the same communities, levels and supersteps for a seed, whatever the partitions (merges cross them)
    graph = sbm([16, 12, 12], 0.4, 0.04, 4)
    expected = louvain(graph, seed=7, workers=1)
    result = louvain(graph, seed=7, **engine.options)
    assert len(expected.aggregated["levels"]) >= 2
    assert np.array_equal(result.values, expected.values)
    assert result.aggregated["levels"] == expected.aggregated["levels"]
    assert result.supersteps == expected.supersteps
