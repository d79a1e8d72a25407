"""Graph algorithms built on the pregel engine: PageRank, shortest paths, components, BFS, SCC, k-core,
triangles, personalized PageRank, label propagation, betweenness, eigenvector centrality, independent sets
and matchings.

Each module holds the vectorised program (the default), its scalar twin (the readable
example), the function users call, and the networkx equivalent used by
``--compare networkx``. The scipy references live in :mod:`pregel.algorithms.reference`.

Algorithms are built on the public API (``pregel``, ``pregel.api``), and may use the
core's types and io's graph loading; nothing in the core, the APIs, the compiler or the
backends imports them.
"""

from pregel.algorithms.betweenness import betweenness
from pregel.algorithms.bfs import bfs
from pregel.algorithms.components import connected_components
from pregel.algorithms.eigenvector import eigenvector_centrality
from pregel.algorithms.kcore import core_numbers
from pregel.algorithms.lpa import label_propagation
from pregel.algorithms.matching import maximal_matching
from pregel.algorithms.mis import maximal_independent_set
from pregel.algorithms.pagerank import pagerank
from pregel.algorithms.ppr import personalized_pagerank
from pregel.algorithms.scc import strongly_connected_components
from pregel.algorithms.sssp import sssp
from pregel.algorithms.triangles import triangles

__all__ = [
    "betweenness",
    "bfs",
    "connected_components",
    "core_numbers",
    "eigenvector_centrality",
    "label_propagation",
    "maximal_independent_set",
    "maximal_matching",
    "pagerank",
    "personalized_pagerank",
    "sssp",
    "strongly_connected_components",
    "triangles",
]
