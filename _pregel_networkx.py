"""What networkx shows about the pregel backend (the ``networkx.backend_info`` entry point).

A module of its own, outside the ``pregel`` package: networkx reads every backend's
info each time it is imported, and this must not load numpy, scipy and the engine into
every program that imports networkx. The backend itself (``pregel.integrations.networkx``) is
loaded only when a call asks for it.
"""

from __future__ import annotations

from typing import Any


def backend_info() -> dict[str, Any]:
    """The backend's name, summary, default configuration and functions, for networkx.

    Examples
    --------
    >>> info = backend_info()
    >>> info["backend_name"], info["default_config"]
    ('pregel', {'workers': 1, 'backend': 'local'})
    >>> "pagerank" in info["functions"]
    True
    """
    weights = "Weight functions (callables) are not supported."
    return {
        "backend_name": "pregel",
        "project": "pregel",
        "package": "pregel",
        "short_summary": "Pregel/BSP vertex programs (numpy, scipy, optional Ray).",
        "default_config": {"workers": 1, "backend": "local"},
        "functions": {
            "pagerank": {
                "additional_docs": "Runs as a Pregel vertex program; tol and max_iter mean what they mean in "
                "networkx. Negative weights are refused. " + weights
            },
            "eigenvector_centrality": {
                "additional_docs": "Power iteration on A^T + I as a vertex program (the vector's length an "
                "aggregator); max_iter, tol, nstart and weight as networkx has them. " + weights
            },
            "single_source_dijkstra_path_length": {
                "additional_docs": "Bellman-Ford as message passing; non-negative weights only. " + weights
            },
            "single_source_bellman_ford_path_length": {"additional_docs": weights},
            "weakly_connected_components": {"additional_docs": "HashMin label propagation."},
            "connected_components": {"additional_docs": "HashMin label propagation."},
            "number_weakly_connected_components": {},
            "number_connected_components": {},
            "is_connected": {"additional_docs": "HashMin label propagation."},
            "is_weakly_connected": {"additional_docs": "HashMin label propagation."},
            "node_connected_component": {"additional_docs": "HashMin label propagation."},
            "descendants": {"additional_docs": "Breadth-first search by message passing."},
            "ancestors": {"additional_docs": "Breadth-first search by message passing, along the reversed edges."},
            "has_path": {"additional_docs": "Breadth-first search by message passing."},
            # issue 18: breadth-first search
            "bfs_layers": {"additional_docs": "Hop counts by message passing; layers in networkx's order."},
            "single_source_shortest_path_length": {"additional_docs": "Breadth-first search by message passing."},
            "shortest_path_length": {
                "additional_docs": "From a source, to a target (along the reversed edges), or between the two: "
                "breadth-first search, or shortest paths by message passing (non-negative weights for Dijkstra, "
                "any for Bellman-Ford). All pairs are left to networkx. " + weights
            },
            "multi_source_dijkstra_path_length": {
                "additional_docs": "Unit weights (a missing weight counts as 1): breadth-first search by message "
                "passing; other non-negative weights: shortest paths from every source at once. " + weights
            },
            "strongly_connected_components": {
                "additional_docs": "Forward-backward colouring with trimming, in phases driven by master compute."
            },
            "number_strongly_connected_components": {},
            "is_strongly_connected": {},
            "core_number": {"additional_docs": "Peeling in supersteps at levels master compute raises."},
            "k_core": {
                "additional_docs": "Core numbers by peeling in supersteps (unless core_number is given); the "
                "subgraph keeps every attribute."
            },
            "triangles": {"additional_docs": "Each triangle found once, at its middle vertex by degree."},
            "clustering": {"additional_docs": "Undirected, unweighted graphs only."},
            "average_clustering": {"additional_docs": "Undirected, unweighted graphs only."},
            "transitivity": {"additional_docs": "Undirected graphs only."},
            # issue 18: lpa, betweenness
            "betweenness_centrality": {
                "additional_docs": "Brandes' algorithm in supersteps, many sources at a time; k sources sampled as "
                "networkx samples them. With weight, positive weights only (a zero or negative one is left to "
                "networkx). " + weights
            },
            # issue 19: louvain
            "louvain_communities": {
                "additional_docs": "Local moving in supersteps (vertices of one parity of a seeded hash move at a "
                "time), each community merged into one vertex by topology mutation. Undirected graphs; the seed "
                "seeds that hash, so communities differ from networkx's, with close modularity."
            },
            "louvain_partitions": {"additional_docs": "Each level of the Louvain run above."},
            "label_propagation_communities": {
                "additional_docs": "networkx's semi-synchronous rule as a vertex program: a greedy colouring in "
                "supersteps, then one colour per superstep; the same communities. Multigraphs run in networkx."
            },
        },
    }
