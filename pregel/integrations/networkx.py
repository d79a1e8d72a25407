"""A networkx backend: ``networkx.pagerank(G, backend="pregel")`` runs on this engine.

Registered through the ``networkx.backends`` entry point (and ``networkx.backend_info``,
served by the light ``_pregel_networkx`` module; see pyproject.toml), so it exists once
pregel is installed (``pip install .``). networkx converts the graph with
:meth:`BackendInterface.convert_from_nx` and calls the function of the same name here;
results are networkx's own types (dicts, generators of sets).

Implemented, with networkx's parameters and errors:

- ``pagerank``: weights (``weight``, default ``"weight"``; edges without it weigh 1;
  parallel edges add up), ``personalization``, ``nstart``, ``dangling``, ``alpha``,
  ``max_iter`` (then ``PowerIterationFailedConvergence``) and ``tol`` per vertex
  (stop when the L1 change is below ``N * tol``, as networkx does). Negative weights
  are refused (they are not transition strengths).
- ``single_source_dijkstra_path_length`` (non-negative weights; ``cutoff``),
  ``single_source_bellman_ford_path_length`` (negative weights; a reachable negative
  cycle raises ``NetworkXUnbounded``), ``single_source_shortest_path_length`` (hops).
- ``weakly_connected_components``, ``connected_components`` and their ``number_`` counts.
- ``betweenness_centrality`` without weights (``k``, ``seed``, ``normalized``,
  ``endpoints``): the same sampled sources, the same scaling; with ``weight`` networkx
  runs it (shortest paths by weight are not this program's).
- ``label_propagation_communities``: networkx's semi-synchronous rule, the same
  communities in the same order (multigraphs run in networkx: parallel edges count in
  the degrees that order the colouring).

Weight *functions* (a callable ``weight``) are not supported: networkx then says the
backend cannot run the call. Nodes may be any hashable; they are numbered in the
graph's order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np

import pregel
from pregel.core.graph import Graph
from pregel.errors import NegativeCycleError

NAME = "pregel"


class PregelGraph:
    """A networkx graph as pregel sees it: nodes numbered 0..N-1 in the graph's order, edges as arrays.

    The arrays keep every edge as networkx has it (parallel edges too) with the edge
    attributes the calls asked for (networkx may reuse a converted graph for a later
    call that needs fewer, so each call picks its ``weight`` by name). The two ways of
    merging parallel edges, summed weights (PageRank's transition matrix) and the
    smallest weight (shortest paths), are built when needed.

    Examples
    --------
    >>> g = BackendInterface.convert_from_nx(nx.DiGraph([("a", "b"), ("b", "c")]))
    >>> g.nodes, g.summed(None).num_edges
    (['a', 'b', 'c'], 2)
    """

    __networkx_backend__ = NAME

    def __init__(
        self,
        nodes: list[Any],
        sources: np.ndarray,
        targets: np.ndarray,
        attributes: dict[str, np.ndarray],
        integral: dict[str, bool],
        directed: bool,
        multigraph: bool,
    ) -> None:
        self.nodes = nodes
        self.sources = sources
        self.targets = targets
        self.attributes = attributes
        self.integral = integral
        self.directed = directed
        self.multigraph = multigraph

    def is_directed(self) -> bool:
        return self.directed

    def is_multigraph(self) -> bool:
        return self.multigraph

    def __len__(self) -> int:
        return len(self.nodes)

    @cached_property
    def index(self) -> dict[Any, int]:
        """Node → its number."""
        return {node: i for i, node in enumerate(self.nodes)}

    def weights(self, weight: str | None) -> np.ndarray | None:
        """The edge attribute ``weight`` as an array (``None``: unweighted)."""
        if weight is None:
            return None
        if weight not in self.attributes:
            raise NotImplementedError(f"edge attribute {weight!r} was not converted")
        return self.attributes[weight]

    def summed(self, weight: str | None) -> Graph:
        """Parallel edges merged by adding their weights (as networkx's adjacency matrix does)."""
        n = len(self.nodes)
        key = self.sources * n + self.targets
        unique, inverse = np.unique(key, return_inverse=True)
        values = self.weights(weight)
        summed = None if values is None else np.bincount(inverse, weights=values, minlength=unique.size)
        return Graph.from_edges(unique // max(n, 1), unique % max(n, 1), summed, vertices=np.arange(n))

    def lightest(self, weight: str | None) -> Graph:
        """Parallel edges merged by keeping the smallest weight (as networkx's shortest paths do)."""
        return Graph.from_edges(self.sources, self.targets, self.weights(weight), vertices=np.arange(len(self)))

    def source_number(self, source: Any, message: str) -> int:
        """The number of node ``source``; networkx's NodeNotFound otherwise."""
        try:
            return self.index[source]
        except (KeyError, TypeError):
            raise nx.NodeNotFound(message.format(source=source)) from None


class BackendInterface:
    """What networkx loads from the ``networkx.backends`` entry point."""

    @staticmethod
    def convert_from_nx(
        G: nx.Graph,
        edge_attrs: dict[str, Any] | None = None,
        node_attrs: dict[str, Any] | None = None,
        preserve_edge_attrs: bool = False,
        preserve_node_attrs: bool = False,
        preserve_graph_attrs: bool = False,
        name: str | None = None,
        graph_name: str | None = None,
    ) -> PregelGraph:
        """A :class:`PregelGraph` with the one edge attribute the call needs as weights.

        ``edge_attrs`` is ``{attribute: default}`` (networkx passes the function's
        ``weight`` argument); without it the graph is unweighted.
        """
        nodes = list(G)
        index = {node: i for i, node in enumerate(nodes)}
        pairs = [(index[u], index[v]) for u, v in G.edges()]
        records = [d for *_, d in G.edges(data=True)]
        wanted = edge_attrs or {}
        if preserve_edge_attrs is True:
            wanted = {name: 1 for d in records for name in d}
        if not G.is_directed():
            both = [k for k, (u, v) in enumerate(pairs) if u != v]  # a self-loop is one entry, not two
            pairs += [(v, u) for u, v in (pairs[k] for k in both)]
            records += [records[k] for k in both]
        attributes, integral = {}, {}
        for name, default in wanted.items():
            column = [d.get(name, default) for d in records]
            if all(isinstance(x, (int, float)) for x in column):
                attributes[name] = np.array(column, dtype=np.float64)
                integral[name] = all(isinstance(x, int) for x in column)
        ends = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        return PregelGraph(nodes, ends[:, 0], ends[:, 1], attributes, integral, G.is_directed(), G.is_multigraph())

    @staticmethod
    def convert_to_nx(obj: Any, *, name: str | None = None) -> Any:
        """Results are already networkx's types; a :class:`PregelGraph` becomes a networkx graph again."""
        if not isinstance(obj, PregelGraph):
            return obj
        cls = {
            (True, False): nx.DiGraph,
            (False, False): nx.Graph,
            (True, True): nx.MultiDiGraph,
            (False, True): nx.MultiGraph,
        }[(obj.directed, obj.multigraph)]
        G = cls()
        G.add_nodes_from(obj.nodes)
        keep = np.ones(obj.sources.size, bool) if obj.directed else obj.sources <= obj.targets
        columns = {name: values[keep].tolist() for name, values in obj.attributes.items()}
        for k, (u, v) in enumerate(zip(obj.sources[keep].tolist(), obj.targets[keep].tolist())):
            G.add_edge(obj.nodes[u], obj.nodes[v], **{name: column[k] for name, column in columns.items()})
        return G

    @staticmethod
    def can_run(name: str, args: tuple, kwargs: dict[str, Any]) -> bool | str:
        """False (with the reason) for the calls this backend cannot honour."""
        if any(callable(a) for a in (*args[1:], *kwargs.values())):
            return "weight functions are not supported, only edge attribute names"
        graph = args[0] if args else kwargs.get("G")
        if name == "betweenness_centrality" and kwargs.get("weight", args[3] if len(args) > 3 else None) is not None:
            return "weighted betweenness is not supported: paths are counted in hops"
        if name == "label_propagation_communities" and getattr(graph, "is_multigraph", lambda: False)():
            return "multigraphs are not supported: parallel edges count in the degrees that order the colouring"
        return True

    # ------------------------------------------------------------------ PageRank
    @staticmethod
    def pagerank(
        G: PregelGraph,
        alpha: float = 0.85,
        personalization: dict | None = None,
        max_iter: int = 100,
        tol: float = 1.0e-6,
        nstart: dict | None = None,
        weight: str | None = "weight",
        dangling: dict | None = None,
    ) -> dict[Any, float]:
        from pregel.algorithms.weighted_pagerank import WeightedPageRank

        n = len(G)
        if n == 0:
            return {}
        weights = G.weights(weight)
        if weights is not None and (weights < 0).any():
            k = int(np.flatnonzero(weights < 0)[0])
            u, v = G.nodes[G.sources[k]], G.nodes[G.targets[k]]
            raise ValueError(f"pagerank needs non-negative weights; edge ({u!r}, {v!r}) weighs {weights[k]}")
        vectors = {
            "teleport": _vector(G, personalization, zero_total=ZeroDivisionError),
            "dangling_to": _vector(G, dangling),
            "start": _vector(G, nstart),
        }
        graph = G.summed(weight)
        program = WeightedPageRank(damping=alpha, tol=n * tol, ids=graph.ids, **vectors)
        # superstep 0 only sends; supersteps 1..max_iter are networkx's iterations
        result = _run(graph, program, max_supersteps=max_iter + 1)
        if result.stopped_by == "max_supersteps":
            raise nx.PowerIterationFailedConvergence(max_iter)
        return dict(zip(G.nodes, result.values.tolist()))

    # ------------------------------------------------------------ shortest paths
    @staticmethod
    def single_source_dijkstra_path_length(
        G: PregelGraph, source: Any, cutoff: float | None = None, weight: str | None = "weight"
    ) -> dict[Any, float]:
        s = G.source_number(source, "Node {source} not found in graph")
        weights = G.weights(weight)
        if weights is not None and (weights < 0).any():
            raise ValueError(
                "the pregel backend runs Dijkstra only on non-negative weights; "
                "use single_source_bellman_ford_path_length for negative ones"
            )
        return _distances(G, G.lightest(weight), s, cutoff, G.integral.get(weight, True))

    @staticmethod
    def single_source_bellman_ford_path_length(
        G: PregelGraph, source: Any, weight: str | None = "weight"
    ) -> dict[Any, float]:
        s = G.source_number(source, "Source {source} not in G")
        try:
            return _distances(G, G.lightest(weight), s, None, G.integral.get(weight, True))
        except NegativeCycleError:
            raise nx.NetworkXUnbounded("Negative cycle detected.") from None

    @staticmethod
    def single_source_shortest_path_length(G: PregelGraph, source: Any, cutoff: int | None = None) -> dict[Any, int]:
        s = G.source_number(source, "Source {source} is not in G")
        return _distances(G, G.lightest(None), s, cutoff, integral=True)

    # ---------------------------------------------------------------- components
    @staticmethod
    def weakly_connected_components(G: PregelGraph) -> Iterator[set[Any]]:
        return _components(G)

    @staticmethod
    def connected_components(G: PregelGraph) -> Iterator[set[Any]]:
        return _components(G)

    @staticmethod
    def number_weakly_connected_components(G: PregelGraph) -> int:
        return int(np.unique(_labels(G)).size)

    @staticmethod
    def number_connected_components(G: PregelGraph) -> int:
        return int(np.unique(_labels(G)).size)

    # ------------------------------------------ issue 18: lpa, betweenness
    @staticmethod
    def label_propagation_communities(G: PregelGraph) -> Any:
        from pregel.algorithms.lpa import LabelPropagation, color_words

        clusters: dict[int, set[Any]] = {}
        if len(G):
            graph = G.lightest(None)  # vertex i is node i: labels are positions in G, as networkx numbers them
            labels = _run(graph, LabelPropagation(color_words=color_words(graph))).values["label"]
            for node, label in zip(G.nodes, labels.tolist()):
                clusters.setdefault(label, set()).add(node)
        return clusters.values()

    @staticmethod
    def betweenness_centrality(
        G: PregelGraph,
        k: int | None = None,
        normalized: bool = True,
        weight: str | None = None,
        endpoints: bool = False,
        seed: Any = None,
    ) -> dict[Any, float]:
        from pregel.algorithms import reference
        from pregel.algorithms.betweenness import BrandesBatches, batch_size, two_way

        n = len(G)
        if n == 0:
            return {}
        # seed is networkx's random.Random by now; its sample raises networkx's errors for a bad k
        chosen = G.nodes if k is None or k == n else seed.sample(G.nodes, k)
        exact = len(chosen) == n
        sources = None if exact else np.array([G.index[node] for node in chosen])
        program = BrandesBatches(
            sources=() if exact else tuple(sources.tolist()),
            every_vertex=n if exact else 0,
            batch=batch_size(n, len(chosen)),
            endpoints=endpoints,
        )
        raw = _run(two_way(G.lightest(None)), program).values["bc"]
        scaled = reference.rescale_betweenness(raw, G.directed, normalized, endpoints, sources)
        return dict(zip(G.nodes, scaled.tolist()))


def _run(graph: Graph, program: Any, **options: Any) -> Any:
    """Run on the engine with the workers and backend set in ``networkx.config.backends.pregel``."""
    config = nx.config.backends.get(NAME) or {}
    return pregel.run(
        graph, program, workers=config.get("workers", 1), backend=config.get("backend", "local"), **options
    )


def _vector(G: PregelGraph, weights: dict | None, zero_total: type[Exception] | None = None) -> np.ndarray | None:
    """networkx's per-node dict as an array by node number, normalised to sum 1, as networkx does."""
    if weights is None:
        return None
    vector = np.array([float(weights.get(node, 0)) for node in G.nodes])
    total = vector.sum()
    if total == 0 and zero_total is not None:
        raise zero_total("the personalization vector sums to zero")
    return vector / total


def _distances(G: PregelGraph, graph: Graph, source: int, cutoff: float | None, integral: bool) -> dict[Any, float]:
    """Distances from ``source`` to the nodes it reaches (within ``cutoff``), nearest first."""
    from pregel.algorithms.sssp import ShortestPaths

    values = _run(graph, ShortestPaths(source=source)).values
    reached = np.flatnonzero(np.isfinite(values) & (values <= (math.inf if cutoff is None else cutoff)))
    order = reached[np.argsort(values[reached], kind="stable")]
    cast = int if integral else float
    return {G.nodes[i]: cast(values[i]) for i in order.tolist()}


def _labels(G: PregelGraph) -> np.ndarray:
    from pregel.algorithms.components import ConnectedComponents

    return _run(G.lightest(None).to_undirected(), ConnectedComponents).values


def _components(G: PregelGraph) -> Iterator[set[Any]]:
    """Sets of nodes, in the order networkx yields them (by each component's first node)."""
    labels = _labels(G)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    for members in np.split(order, bounds):
        if members.size:
            yield {G.nodes[i] for i in members.tolist()}
