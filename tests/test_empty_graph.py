"""A graph without vertices: every algorithm gives an empty result, as networkx gives an empty one.

An algorithm that starts from given vertices (bfs, sssp, personalized PageRank) names the
vertex it cannot find instead.
"""

from __future__ import annotations

import networkx as nx
import pytest

import pregel
from pregel.algorithms.betweenness import betweenness
from pregel.algorithms.bfs import bfs
from pregel.algorithms.components import connected_components
from pregel.algorithms.kcore import core_numbers, k_core
from pregel.algorithms.louvain import louvain
from pregel.algorithms.lpa import label_propagation
from pregel.algorithms.matching import maximal_matching
from pregel.algorithms.mis import maximal_independent_set
from pregel.algorithms.pagerank import pagerank
from pregel.algorithms.ppr import personalized_pagerank
from pregel.algorithms.scc import strongly_connected_components
from pregel.algorithms.sssp import sssp
from pregel.algorithms.triangles import triangles
from pregel.algorithms.weighted_pagerank import weighted_pagerank

EMPTY = pregel.Graph.from_edges([], [])

ALGORITHMS = {
    "pagerank": (pagerank, ["local", "scipy"]),
    "weighted_pagerank": (weighted_pagerank, ["local"]),
    "cc": (connected_components, ["local", "scipy"]),
    "scc": (strongly_connected_components, ["local", "scipy"]),
    "lpa": (label_propagation, ["local", "scipy"]),
    "lpa_synchronous": (lambda g, **o: label_propagation(g, synchronous=True, **o), ["local", "scipy"]),
    "triangles": (triangles, ["local", "scipy"]),
    "core_numbers": (core_numbers, ["local", "scipy"]),
    "k_core": (lambda g, **o: k_core(g, 2, **o), ["local"]),
    "betweenness": (betweenness, ["local", "scipy"]),
    "mis": (maximal_independent_set, ["local"]),
    "matching": (maximal_matching, ["local"]),
    "louvain": (louvain, ["local"]),
}


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("name", ALGORITHMS)
def test_every_algorithm_gives_an_empty_result(name, workers):
    algorithm, backends = ALGORITHMS[name]
    for backend in backends:
        result = algorithm(EMPTY, backend=backend, **({"workers": workers} if backend == "local" else {}))
        assert result.values.shape == (0,), (backend, result.values)
        assert result.to_dict() == {}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bfs(EMPTY, [1]), "source vertex 1 is not in the graph"),
        (lambda: sssp(EMPTY, 1), "source vertex 1 is not in the graph"),
        (lambda: personalized_pagerank(EMPTY, [1]), "source vertex 1 is not in the graph"),
    ],
)
def test_a_start_vertex_is_not_in_the_empty_graph(call, message):
    with pytest.raises(pregel.InputError, match=message):
        call()


def test_networkx_dispatch_gives_what_networkx_gives():
    pytest.importorskip("pregel.integrations.networkx")
    for function, graph in [
        (nx.pagerank, nx.DiGraph),
        (nx.betweenness_centrality, nx.Graph),
        (nx.community.louvain_communities, nx.Graph),
        (lambda g, **o: list(nx.connected_components(g, **o)), nx.Graph),
        (nx.triangles, nx.Graph),
        (nx.core_number, nx.Graph),
    ]:
        # a new graph for each call: networkx caches the converted graph on the one it is given
        assert function(graph(), backend="pregel") == function(graph())
