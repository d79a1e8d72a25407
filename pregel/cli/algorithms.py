"""How the command line runs each algorithm: the run, its networkx twin, its ``--top`` listing, its measures.

The measures are the aggregators the progress display shows (name → label), e.g.
PageRank's L1 change. The listings are in :mod:`pregel.cli.top`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import pregel
from pregel.api.twin import twin
from pregel.cli import top as listings
from pregel.cli.top import Listing, Top
from pregel.cli.userprog import for_graph
from pregel.errors import InputError, PregelError


class NotCompared(PregelError):
    """networkx gave no answer to compare with (it did not converge, or cannot take the graph): a warning, not a
    failure of the run, whose results are written by then."""


class Algorithm:
    """How the command line runs one algorithm, its networkx twin, its --top listing, what progress shows.

    ``summary``, when given, says in one line what a run found about the whole graph
    (triangles: the count, transitivity and average clustering); it follows the run's
    summary line on stderr.
    """

    def __init__(
        self,
        run: Callable[[pregel.Graph, argparse.Namespace, dict[str, Any]], pregel.Result],
        networkx: Callable[[pregel.Graph, argparse.Namespace], np.ndarray] | None,
        listing: Listing,
        measures: Callable[[argparse.Namespace], dict[str, str]],
        summary: Callable[[pregel.Result], str] | None = None,
        validate: Callable[[pregel.Result], str] | None = None,
        weights: bool = True,
        held: Callable[[str, argparse.Namespace, dict[str, Any]], pregel.Result] | None = None,
        compared: Callable[[pregel.Result, np.ndarray, argparse.Namespace], str] | None = None,
    ) -> None:
        self.run = run
        # the run on a graph the Ray workers load themselves (--load workers), given the path; None: not offered
        self.held = held
        self.networkx = networkx
        self.listing = listing
        self.measures = measures
        # whether the run reads edge weights: the reader stores a weight column only then
        self.weights = weights
        self.summary = summary
        # for answers that are random, --check verifies them instead of comparing them with a reference
        self.validate = validate
        # what --compare networkx says of networkx's answer beside ours; None: their largest difference
        self.compared = compared

    def top(self, result: pregel.Result, k: int) -> Top:
        """The ``--top k`` listing of a result in memory."""
        return listings.top(self.listing, result, k)


def _run_pagerank(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.pagerank import pagerank

    personalization = None
    if args.personalize:
        personalization = _sources(graph, args.personalize, "--personalize", f"{args.edges}: --personalize")
    return pagerank(
        graph,
        damping=args.damping,
        tol=args.tol,
        max_supersteps=args.max_supersteps,
        personalization=personalization,
        **options,
    )


def _run_sssp(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.sssp import sssp

    source = source_vertex(graph, args)
    graph.index_of(source, what=f"{args.edges}: --source vertex")
    return sssp(graph, source, max_supersteps=args.max_supersteps, **options)


def source_vertex(graph: pregel.Graph, args: argparse.Namespace) -> int | str:
    """``--source`` as the graph names its vertices: an integer, or the text itself where ids are strings."""
    return given_vertices([args.source], "--source", labelled=graph.labels is not None)[0]


def given_vertices(texts: Iterable[str], flag: str, labelled: bool) -> list[int | str]:
    """Vertex ids a flag gave as text, as the graph names its vertices: integers, or the texts where ids are strings.

    Examples
    --------
    >>> given_vertices(["3", "10"], "--source", labelled=False), given_vertices(["ann"], "--source", labelled=True)
    ([3, 10], ['ann'])
    """
    if labelled:
        return list(texts)
    ids = []
    for text in texts:
        try:
            ids.append(int(text))
        except ValueError:
            raise InputError(f"{flag} {text!r} is not an integer vertex id") from None
    return ids


def _run_cc(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.components import connected_components

    return connected_components(graph, max_supersteps=args.max_supersteps, **options)


def _run_program(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    options = {k: v for k, v in options.items() if k != "api"}
    program = for_graph(args.program_object, args.param or [], labelled=graph.labels is not None)
    return pregel.run(graph, program, max_supersteps=args.max_supersteps, **options)


def _held_pagerank(path: str, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.pagerank import PageRank, PageRankVertex

    program = twin(options.pop("api"), PageRank, PageRankVertex)(damping=args.damping, tol=args.tol)
    return pregel.run(path, program, max_supersteps=args.max_supersteps, undirected=args.undirected, **options)


def _held_sssp(path: str, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.sssp import ShortestPaths, ShortestPathsVertex

    source = given_vertices([args.source], "--source", labelled=False)[0]
    program = twin(options.pop("api"), ShortestPaths, ShortestPathsVertex)(source=source)
    missing = f"{args.edges}: --source vertex {source} is not in the graph"
    options["on_superstep"] = _sources_found(options.get("on_superstep"), "improved", 1, missing)
    return pregel.run(path, program, max_supersteps=args.max_supersteps, undirected=args.undirected, **options)


def _sources_found(then: Callable | None, count: str, wanted: int, missing: str) -> Callable:
    """An ``on_superstep`` that stops the run after superstep 0 unless aggregator ``count`` found ``wanted`` sources.

    On a graph the workers hold, only a source's owner knows it is there: the count says
    so before anything is written (then ``then`` is called as before).
    """

    def check(stats: pregel.SuperstepStats) -> None:
        if stats.superstep == 0 and stats.aggregated.get(count, wanted) < wanted:
            raise InputError(missing)
        if then is not None:
            then(stats)

    return check


def _held_cc(path: str, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.components import ConnectedComponentsVertex, PartitionComponents

    program = twin(options.pop("api"), PartitionComponents, ConnectedComponentsVertex)()
    return pregel.run(path, program, max_supersteps=args.max_supersteps, undirected=True, **options)


def _held_bfs(path: str, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.bfs import BreadthFirst, BreadthFirstVertex

    sources = tuple(dict.fromkeys(given_vertices(args.source, "--source", labelled=False)))
    program = twin(options.pop("api"), BreadthFirst, BreadthFirstVertex)(sources=sources)
    listed = ", ".join(map(str, sources))
    missing = (
        f"{args.edges}: --source vertex {listed} is not in the graph"
        if len(sources) == 1
        else (f"{args.edges}: --source vertices {listed}: some are not in the graph")
    )
    options["on_superstep"] = _sources_found(options.get("on_superstep"), "reached", len(sources), missing)
    return pregel.run(path, program, max_supersteps=args.max_supersteps, undirected=args.undirected, **options)


def _held_program(path: str, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    options = {k: v for k, v in options.items() if k != "api"}
    program = for_graph(args.program_object, args.param or [], labelled=False)  # the workers' ids are integers
    return pregel.run(path, program, max_supersteps=args.max_supersteps, undirected=args.undirected, **options)


@contextmanager
def _converging(args: argparse.Namespace) -> Iterator[None]:
    """networkx's power iteration not converging in --max-supersteps iterations: nothing to compare."""
    import networkx as nx

    try:
        yield
    except nx.PowerIterationFailedConvergence:
        raise NotCompared(f"networkx did not converge in {args.max_supersteps} iterations (--max-supersteps)") from None


def _networkx_pagerank(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.pagerank import networkx_pagerank

    personalization = None
    if args.personalize:
        personalization = dict.fromkeys(_sources(graph, args.personalize, "--personalize", "--personalize"), 1.0)
    with _converging(args):
        return networkx_pagerank(graph, args.damping, args.tol, args.max_supersteps, personalization)


def _networkx_sssp(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.sssp import networkx_sssp

    return networkx_sssp(graph, source_vertex(graph, args))


def _networkx_cc(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.components import networkx_components

    return networkx_components(graph)


# ------------------------------------------------- issue 18: bfs, scc, kcore, triangles
def _run_bfs(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.bfs import bfs, source_ids

    sources = given_vertices(args.source, "--source", labelled=graph.labels is not None)
    source_ids(graph, sources, what=f"{args.edges}: --source vertex")  # the error names the file
    return bfs(graph, sources, max_supersteps=args.max_supersteps, **options)


def _networkx_bfs(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.bfs import networkx_bfs

    return networkx_bfs(graph, given_vertices(args.source, "--source", labelled=graph.labels is not None))


def _run_scc(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.scc import strongly_connected_components

    return strongly_connected_components(graph, max_supersteps=args.max_supersteps, **options)


def _networkx_scc(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.scc import networkx_scc

    return networkx_scc(graph)


def _run_kcore(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.kcore import core_numbers, k_core

    if args.k is not None:
        return k_core(graph, args.k, max_supersteps=args.max_supersteps, **options)
    return core_numbers(graph, max_supersteps=args.max_supersteps, **options)


def _networkx_kcore(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.kcore import networkx_core_numbers, networkx_k_core

    if args.k is not None:
        # the degrees in networkx's k-core, aligned with its vertices (ours, when they agree)
        return networkx_k_core(graph, args.k)[1]
    return networkx_core_numbers(graph)


def _kcore_measures(args: argparse.Namespace) -> dict[str, str]:
    return {"removed": "removed"} if args.k is not None else {"level": "level", "left": "left"}


def _run_triangles(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.triangles import triangles

    return triangles(graph, max_supersteps=args.max_supersteps, **options)


def _networkx_triangles(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.triangles import networkx_triangles

    return networkx_triangles(graph)


def _triangles_found(result: pregel.Result) -> str:
    found = result.aggregated
    count = found["triangles"]
    return (
        f"{count:,} triangle{'' if count == 1 else 's'}, transitivity {found['transitivity']:.6g}, "
        f"average clustering {found['average_clustering']:.6g}"
    )


# ------------------------------------------- issue 18: ppr, lpa, betweenness, mis, matching
def _sources(graph: pregel.Graph, texts: tuple[str, ...], flag: str, what: str) -> list[int | str]:
    """The vertex ids a flag gave, checked: each in the graph, none twice (``what`` names them in errors)."""
    from pregel.algorithms.ppr import check_sources

    given = given_vertices(texts, flag, labelled=graph.labels is not None)
    return check_sources(graph, given, what=what).tolist()


def _run_ppr(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.ppr import personalized_pagerank

    sources = _sources(graph, args.sources, "--sources", f"{args.edges}: --sources")
    return personalized_pagerank(
        graph, sources, damping=args.damping, tol=args.tol, max_supersteps=args.max_supersteps, **options
    )


def _networkx_ppr(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.ppr import networkx_personalized_pagerank

    sources = _sources(graph, args.sources, "--sources", "--sources")
    with _converging(args):
        return networkx_personalized_pagerank(graph, sources, args.damping, args.tol, args.max_supersteps)


def _run_lpa(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.lpa import label_propagation

    return label_propagation(graph, synchronous=args.synchronous, max_supersteps=args.max_supersteps, **options)


def _networkx_lpa(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.lpa import networkx_label_propagation

    return networkx_label_propagation(graph)


def _lpa_measures(args: argparse.Namespace) -> dict[str, str]:
    return {"changed": "changed"} if args.synchronous else {"uncolored": "uncolored", "changed": "changed"}


def _run_betweenness(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.betweenness import betweenness

    if args.samples is not None and args.samples > graph.num_vertices:
        raise InputError(f"--samples {args.samples} is more than the graph's {graph.num_vertices} vertices")
    return betweenness(
        graph,
        samples=args.samples,
        seed=args.seed,
        normalized=not args.unnormalized,
        endpoints=args.endpoints,
        directed=not args.undirected,
        weighted=args.weighted,
        **options,
    )


def _networkx_betweenness(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.betweenness import networkx_betweenness

    return networkx_betweenness(
        graph,
        args.samples,
        args.seed,
        not args.unnormalized,
        args.endpoints,
        directed=not args.undirected,
        weighted=args.weighted,
    )


def _run_mis(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.mis import maximal_independent_set

    return maximal_independent_set(graph, seed=args.seed, max_supersteps=args.max_supersteps, **options)


def _validate_mis(result: pregel.Result) -> str:
    from pregel.algorithms.mis import independence_problem

    problem = independence_problem(result.graph, result.values)
    if problem:
        raise PregelError(f"check failed: {problem}")
    return f"independent and maximal ({int(result.values.sum()):,} of {result.values.size:,} vertices)"


def _run_matching(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.matching import maximal_matching

    return maximal_matching(graph, seed=args.seed, max_supersteps=args.max_supersteps, **options)


def _validate_matching(result: pregel.Result) -> str:
    from pregel.algorithms.matching import matching_problem

    problem = matching_problem(result.graph, result.values)
    if problem:
        raise PregelError(f"check failed: {problem}")
    return f"a maximal matching ({int((result.values >= 0).sum()) // 2:,} pairs)"


# ------------------------------------------------------------- issue 19: louvain
def _run_louvain(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from pregel.algorithms.louvain import louvain

    return louvain(
        graph,
        resolution=args.resolution,
        threshold=args.threshold,
        seed=args.seed,
        max_supersteps=args.max_supersteps,
        **options,
    )


def _networkx_louvain(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from pregel.algorithms.louvain import networkx_louvain

    try:
        return networkx_louvain(graph, args.resolution, args.threshold, args.seed)
    except ZeroDivisionError:
        raise NotCompared("networkx's Louvain divides by the total weight, which is 0 here") from None


def _louvain_compared(result: pregel.Result, theirs: np.ndarray, args: argparse.Namespace) -> str:
    """Both partitions' modularity: the two find communities differently, so labels vertex by vertex do not compare."""
    import networkx as nx

    from pregel.algorithms.triangles import networkx_undirected

    graph = networkx_undirected(result.graph, weighted=True)
    ids = result.graph.original_ids.tolist()

    def quality(labels: np.ndarray) -> str:
        communities: dict[Any, set] = {}
        for vertex, label in zip(ids, labels.tolist()):
            communities.setdefault(label, set()).add(vertex)
        try:
            found = nx.community.modularity(graph, communities.values(), resolution=args.resolution)
        except ZeroDivisionError:
            raise NotCompared("networkx's modularity divides by the total weight, which is 0 here") from None
        return f"modularity {found:.6f} in {len(communities):,} communities"

    return f"{quality(theirs)}, pregel's {quality(result.values)}"


def _louvain_found(result: pregel.Result) -> str:
    levels = result.aggregated["levels"]
    communities = np.unique(result.values).size
    shown = ", ".join(f"{q:.6f}" for q in levels)
    return f"{communities:,} communities; modularity by level: {shown or 'none (no edges)'}"


ALGORITHMS = {
    "pagerank": Algorithm(
        _run_pagerank,
        _networkx_pagerank,
        listings.HIGHEST,
        lambda args: {"delta": "L1 change"},
        weights=False,
        held=_held_pagerank,
    ),
    "sssp": Algorithm(
        _run_sssp, _networkx_sssp, listings.NEAREST, lambda args: {"improved": "improved"}, held=_held_sssp
    ),
    "cc": Algorithm(_run_cc, _networkx_cc, listings.LARGEST_COMPONENTS, lambda args: {}, weights=False, held=_held_cc),
    # issue 18: bfs, scc, kcore, triangles
    "bfs": Algorithm(
        _run_bfs,
        _networkx_bfs,
        listings.NEAREST,
        lambda args: {"reached": "reached"},
        weights=False,
        held=_held_bfs,
    ),
    "scc": Algorithm(
        _run_scc, _networkx_scc, listings.LARGEST_COMPONENTS, lambda args: {"open": "open vertices"}, weights=False
    ),
    "kcore": Algorithm(_run_kcore, _networkx_kcore, listings.HIGHEST, _kcore_measures),
    "triangles": Algorithm(_run_triangles, _networkx_triangles, listings.HIGHEST, lambda args: {}, _triangles_found),
    # issue 18: ppr, lpa, betweenness, mis, matching
    "ppr": Algorithm(_run_ppr, _networkx_ppr, listings.PER_SOURCE, lambda args: {"delta": "L1 change"}),
    "lpa": Algorithm(_run_lpa, _networkx_lpa, listings.LARGEST_COMPONENTS, _lpa_measures),
    "betweenness": Algorithm(
        _run_betweenness,
        _networkx_betweenness,
        listings.HIGHEST,
        lambda args: {"sent": "sending"} if args.weighted else {"reached": "reached"},
    ),
    "mis": Algorithm(_run_mis, None, listings.MEMBERS, lambda args: {}, validate=_validate_mis),
    "matching": Algorithm(_run_matching, None, listings.PAIRS, lambda args: {}, validate=_validate_matching),
    # issue 19
    "louvain": Algorithm(
        _run_louvain,
        _networkx_louvain,
        listings.LARGEST_COMPONENTS,
        lambda args: {"level": "level", "modularity": "modularity"},
        _louvain_found,
        compared=_louvain_compared,
    ),
    "run": Algorithm(
        _run_program,
        None,
        listings.LARGEST_VALUES,
        lambda args: {name: name for name in args.program_object.aggregators},
        held=_held_program,
    ),
}
