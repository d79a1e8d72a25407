"""The ``pregel`` command: run the built-in algorithms, or your own program, on an edge list.

Exit status 0 on success, 2 on bad input or usage (one line on stderr naming the file,
line and problem), 1 on any other failure. Progress goes to stderr, results to
``--output`` (written atomically) or to standard output.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

import pregel
from pregel.api.run import ray_backend
from pregel.api.twin import APIS, BATCH_ONLY, only_batch
from pregel.cli.algorithms import ALGORITHMS, Algorithm, NotCompared
from pregel.cli.info import format_info, graph_info
from pregel.cli.progress import Progress, clear_line
from pregel.cli.runstats import plot_run, require_matplotlib, write_stats
from pregel.cli.top import TopK
from pregel.cli.userprog import load_program, naming_program
from pregel.core.checkpoint import DEFAULT_EVERY, DEFAULT_MAX_RESTARTS, parse_every
from pregel.errors import CheckpointError, InputError, PregelError, ProgramError
from pregel.io.edges import read_edges
from pregel.io.formats import FORMATS, by_id, format_for, render, require_format, write_result
from pregel.io.parts import Parts, check_folder, is_folder, write_parts
from pregel.io.shares import splittable

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pregel`` command.

    Examples
    --------
    >>> build_parser().parse_args(["pagerank", "edges.txt", "--top", "5"]).top
    5
    >>> build_parser().parse_args(["viz", "sssp", "edges.txt", "--source", "1", "-o", "run.html"]).algorithm
    'sssp'
    """
    parser = _Parser(
        prog="pregel",
        description="Pregel-style graph processing: PageRank, shortest paths, connected components, "
        "and your own vertex programs.",
        epilog="EDGES is an edge list: 'src dst [weight]' per line, separated by whitespace or commas; "
        "'#' starts a comment, as does '%' at a line's start; .gz/.bz2 are read transparently; "
        "'-' is standard input. It may also be a folder or glob ('edges/part-*') of such files, as Spark "
        "writes them (_SUCCESS, .crc and hidden files skipped), or a table: a Parquet file or folder, an Arrow "
        "IPC/Feather file, or (with --src/--dst) a CSV file with a header; string ids are kept in the output.",
    )
    parser.add_argument("--version", action="version", version=f"pregel {pregel.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    inputs = _input_flags()
    common = _Parser(add_help=False, parents=[inputs, _result_flags(), _checkpoint_flags()])
    flags = _algorithm_flags()
    for name, (summary, description) in _ALGORITHM_HELP.items():
        commands.add_parser(name, parents=[common, flags[name]], help=summary, description=description)
    for name, (summary, description) in _LIBRARY_HELP.items():
        commands.add_parser(name, parents=[common, flags[name]], help=summary, description=description)
    add_run_command(commands, common, flags["cc"])
    add_info_command(commands)

    viz = commands.add_parser(
        "viz",
        help="write a page that replays a run superstep by superstep",
        description="Run an algorithm with tracing on and write one self-contained HTML page (works offline, "
        "open it from disk) that replays the run: Step, Back, Play, a superstep slider, messages along the edges.",
    )
    shown = viz.add_subparsers(dest="algorithm", metavar="ALGORITHM", parser_class=_Parser)
    shown.required = True
    page = _page_flags()
    for name, (summary, description) in (_ALGORITHM_HELP | _LIBRARY_HELP).items():
        shown.add_parser(name, parents=[inputs, page, flags[name]], help=summary, description=description)
    _add_generate(commands)
    # each command's parser rides in its namespace: a flag it does not know is refused by it, naming its own --help
    for chosen in (*commands.choices.values(), *shown.choices.values()):
        chosen.set_defaults(command_parser=chosen)
    return parser


EDGES_HELP = "edge list file, folder or glob of part files, or - for standard input"

_ALGORITHM_HELP = {
    "pagerank": (
        "rank vertices by PageRank",
        "PageRank with dangling vertices' rank spread uniformly; ranks sum to 1.",
    ),
    "sssp": (
        "single-source shortest paths",
        "Shortest distances from --source; weights from a 3rd column, else 1. Unreachable vertices get inf.",
    ),
    "cc": (
        "weakly connected components",
        "Label each vertex with the smallest id in its weakly connected component.",
    ),
    # issue 18: bfs, scc, kcore, triangles
    "bfs": (
        "breadth-first hop counts from one or more sources",
        "Hops from the nearest --source along out-edges (weights ignored). Unreachable vertices get inf.",
    ),
    "scc": (
        "strongly connected components",
        "Label each vertex with the smallest id in its strongly connected component (forward-backward "
        "colouring in phases driven by master compute). Directed graphs only.",
    ),
    "kcore": (
        "core numbers (k-core decomposition)",
        "The core number of each vertex of the undirected graph (directions and weights ignored), by peeling "
        "at levels master compute raises. Self-loops are refused, as networkx refuses them. With --k K: the "
        "K-core itself, by pruning with topology mutations.",
    ),
    "triangles": (
        "triangles per vertex, transitivity, average clustering",
        "The triangles through each vertex of the undirected graph (directions, weights and self-loops "
        "ignored); the graph's triangles, transitivity and average clustering follow the summary on stderr.",
    ),
}


# issue 18: ppr, lpa, betweenness, mis, matching
_LIBRARY_HELP = {
    "ppr": (
        "personalized PageRank from many sources in one run",
        "One PageRank per --sources vertex, each restarting (and sending dangling rank) there, all in one run; "
        "written as a table: vertex, then one column per source.",
    ),
    "lpa": (
        "label propagation communities",
        "Communities by label propagation on the undirected graph, each vertex labelled by the smallest id in its "
        "community: networkx's semi-synchronous rule (a greedy colouring, then one colour per superstep; exactly "
        "networkx's communities), or GraphX's synchronous one with --synchronous.",
    ),
    "betweenness": (
        "betweenness centrality (Brandes), exact or sampled",
        "Shortest-path betweenness by Brandes' algorithm in supersteps (forward breadth-first search, backward "
        "dependencies), many sources at a time; exact, or from --samples K sources drawn as networkx draws them "
        "for --seed S; normalized as networkx normalizes it. Paths follow edge directions unless --undirected; "
        "they are counted in hops, or by weight with --weighted.",
    ),
    "mis": (
        "a maximal independent set (Luby)",
        "A maximal independent set of the undirected graph (self-loops ignored) by Luby's randomized algorithm: "
        "1 for the members, 0 for the others. --check verifies it is independent and maximal.",
    ),
    "matching": (
        "a maximal matching (random locally heaviest edges)",
        "A maximal matching of the undirected graph (self-loops ignored): each vertex's partner, or -1 "
        "(with string ids an empty field, null in Parquet). Unmatched vertices propose across their heaviest "
        "random edge; mutual proposals match. --check verifies it.",
    ),
    # issue 19: Louvain on topology mutations
    "louvain": (
        "Louvain modularity communities (multi-level, by topology mutation)",
        "Communities of the undirected graph (weights from a 3rd column, else 1) by multi-level Louvain: vertices "
        "move between communities in supersteps (each that gains, unless the moves of those with larger gains "
        "would cancel its own), then each community is merged into one vertex by topology mutation, level after "
        "level until modularity rises by --threshold or less. Each vertex is labelled by the smallest id in its "
        "community; the modularity of each level follows the summary on stderr.",
    ),
}


def _input_flags() -> argparse.ArgumentParser:
    """What every algorithm command takes: the graph and how to run on it."""
    flags = _Parser(add_help=False)
    flags.add_argument("edges", metavar="EDGES", help=EDGES_HELP)
    add_column_flags(flags)
    flags.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="number of partitions (default: locally one per core, as long as each gets 500,000 edges + vertices; "
        "1 for viz; the cluster's CPUs on Ray; with --resume, the checkpoint's)",
    )
    flags.add_argument(
        "--threads",
        type=_positive_int,
        metavar="T",
        help="threads running the partitions, local backend only; the results do not depend on it "
        "(default: as many as the default partition count; 1 for a scalar program run as a Python loop)",
    )
    flags.add_argument(
        "--api",
        choices=APIS,
        default="batch",
        help="vectorised programs or their one-vertex-at-a-time twins (default: batch; ppr, lpa without "
        "--synchronous, betweenness, matching and louvain have only the batch API)",
    )
    flags.add_argument("--undirected", action="store_true", help="treat every edge as going both ways (default: off)")
    flags.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress, statistics table or summary line on stderr (default: live progress on a terminal, "
        "else one summary line)",
    )
    return flags


def add_column_flags(parser: argparse.ArgumentParser) -> None:
    """``--src``, ``--dst``, ``--weight``: which columns of a table hold the edges."""
    parser.add_argument(
        "--src",
        metavar="COL",
        help="the column of each edge's source in a table (Parquet, Arrow, or CSV with a header: naming a column "
        "makes a text file CSV), by name or by position from 0 (default: the first column)",
    )
    parser.add_argument(
        "--dst", metavar="COL", help="the column of each edge's target, as --src (default: the second column)"
    )
    parser.add_argument(
        "--weight",
        metavar="COL",
        help="the column of edge weights, as --src (default: none, but a table of exactly three columns read "
        "without --src/--dst/--weight has its third as weights)",
    )


def _result_flags() -> argparse.ArgumentParser:
    """Where a run happens and what becomes of its values."""
    flags = _Parser(add_help=False)
    flags.add_argument(
        "--output",
        "-o",
        metavar="FILE|DIR/",
        help="write the results here, atomically: to FILE (every value gathered into this process), or, for a path "
        "ending in / or an existing directory, as part files part-00000.tsv... written by each partition where it "
        "runs (each Ray worker: a path every node sees), then _SUCCESS; DIR must be new or empty "
        "(default, or '-': standard output)",
    )
    add_output_options(flags)
    flags.add_argument(
        "--backend",
        choices=("local", "ray", "scipy"),
        default="local",
        help="where to run: this process, Ray actors, or the scipy reference (default: local)",
    )
    flags.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="join the Ray cluster at ADDR ('auto': the one started on this machine with 'ray start'; "
        "default: $RAY_ADDRESS, else a private Ray on 127.0.0.1)",
    )
    flags.add_argument(
        "--load",
        choices=("auto", "driver", "workers"),
        default="auto",
        help="with --backend ray, who reads EDGES: this process, which builds the graph and ships the "
        "partitions, or the workers, each its share, so that no process holds the whole graph (pagerank, sssp, "
        "cc, bfs and run; EDGES a text edge list, a folder or glob of part files, or Parquet); "
        "auto: the workers wherever they can (default: auto)",
    )
    flags.add_argument(
        "--check",
        action="store_true",
        help="also run the scipy reference and print the largest absolute difference (default: off)",
    )
    flags.add_argument(
        "--compare",
        choices=("networkx",),
        help="also run networkx and print the largest absolute difference (default: off)",
    )
    flags.add_argument(
        "--top",
        type=_positive_int,
        metavar="K",
        help="print only the K best: highest rank, nearest, largest components, largest values for run; "
        "each partition sends its K best, not all its values; with --output the file still holds every value "
        "(default: every vertex, by id)",
    )
    return flags


def _checkpoint_flags() -> argparse.ArgumentParser:
    """Checkpoints of a long run, resuming from them, and recovering from lost workers."""
    flags = _Parser(add_help=False)
    flags.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        help="write a checkpoint into DIR every --checkpoint-every supersteps; DIR must hold no checkpoints "
        "unless --resume (default: no checkpoints)",
    )
    flags.add_argument(
        "--checkpoint-every",
        type=_checkpoint_every,
        metavar="K|TIME",
        help=f"supersteps between checkpoints, or a time such as 30s, 5m, 1h "
        f"(default: {DEFAULT_EVERY} supersteps with --checkpoint-dir)",
    )
    flags.add_argument(
        "--resume",
        action="store_true",
        help="continue from the newest complete checkpoint in --checkpoint-dir (same graph, program, "
        "parameters and --workers); the results equal those of an uninterrupted run (default: off)",
    )
    flags.add_argument(
        "--resume-with-new-code",
        action="store_true",
        help="with --resume: continue although the program's source changed since the checkpoint (refused by default)",
    )
    flags.add_argument(
        "--max-restarts",
        type=_non_negative_int,
        default=DEFAULT_MAX_RESTARTS,
        metavar="N",
        help="when a Ray worker or its node dies, start a new one and bring its partition back, at most N times "
        "(default: %(default)s): with --checkpoint-dir the lost partition alone replays from the last checkpoint "
        "and the others' message logs; otherwise every partition goes back (to the start without checkpoints)",
    )
    return flags


def _page_flags() -> argparse.ArgumentParser:
    """The replay page of ``pregel viz``."""
    from pregel.viz.page import MAX_VERTICES

    flags = _Parser(add_help=False)
    flags.add_argument(
        "--output", "-o", required=True, metavar="FILE.html", help="write the page here, atomically (required)"
    )
    flags.add_argument(
        "--max-vertices",
        type=_positive_int,
        default=MAX_VERTICES,
        metavar="N",
        help=f"refuse graphs with more vertices (default {MAX_VERTICES}; a bigger drawing shows little)",
    )
    flags.set_defaults(backend="local", ray_address=None)
    return flags


def _algorithm_flags() -> dict[str, argparse.ArgumentParser]:
    """Each algorithm's own flags, shared by its command and by ``pregel viz``."""
    pr = _Parser(add_help=False)
    pr.add_argument(
        "--damping", type=float, default=0.85, metavar="D", help="damping factor d in [0, 1) (default 0.85)"
    )
    pr.add_argument(
        "--tol",
        type=float,
        default=1e-10,
        metavar="TOL",
        help="stop when the L1 change of a superstep is below this, or 0 (default 1e-10)",
    )
    pr.add_argument(
        "--max-supersteps",
        type=_non_negative_int,
        default=1000,
        metavar="K",
        help="stop after K supersteps even if not converged (default 1000)",
    )
    pr.add_argument(
        "--personalize",
        type=_vertex_ids,
        metavar="ID[,ID...]",
        help="restart the walk at these vertices (equally), and send dangling rank there (default: everywhere)",
    )
    ss = _Parser(add_help=False)
    ss.add_argument(
        "--source", required=True, metavar="ID", help="id of the source vertex, a string where ids are (required)"
    )
    cc = _Parser(add_help=False)
    for until_halted in (ss, cc):
        until_halted.add_argument(
            "--max-supersteps",
            type=_non_negative_int,
            default=None,
            metavar="K",
            help="stop after K supersteps (default: run to the end)",
        )
    return {"pagerank": pr, "sssp": ss, "cc": cc, **_search_and_structure_flags(), **_library_flags()}


def _search_and_structure_flags() -> dict[str, argparse.ArgumentParser]:
    """The flags of bfs, scc, kcore and triangles (issue 18)."""
    stopped = {
        "bfs": "vertices more than K - 1 hops away keep inf",
        "scc": "vertices whose component is not found yet get -1",
        "kcore": "vertices not peeled yet get -1",
        "triangles": "the count takes 4; the counts are partial before",
    }
    flags = {}
    for name, meaning in stopped.items():
        flags[name] = _Parser(add_help=False)
        flags[name].add_argument(
            "--max-supersteps",
            type=_non_negative_int,
            default=None,
            metavar="K",
            help=f"stop after K supersteps: {meaning} (default: run to the end)",
        )
    flags["bfs"].add_argument(
        "--source",
        type=_vertex_ids,
        required=True,
        metavar="ID[,ID...]",
        help="id of the source vertex, or several separated by commas (required)",
    )
    flags["kcore"].add_argument(
        "--k",
        type=_non_negative_int,
        default=None,
        metavar="K",
        help="write the K-core instead: its vertices, each with its degree in it, found by pruning (vertices of "
        "degree < K remove themselves, round after round, by topology mutations) (default: core numbers)",
    )
    return flags


def _library_flags() -> dict[str, argparse.ArgumentParser]:
    """The flags of ppr, lpa, betweenness, mis and matching (issue 18)."""
    ppr = _Parser(add_help=False)
    ppr.add_argument(
        "--sources",
        type=_vertex_ids,
        required=True,
        metavar="ID,ID,...",
        help="the vertices to personalize to, one column each (required)",
    )
    ppr.add_argument(
        "--damping", type=float, default=0.85, metavar="D", help="damping factor d in [0, 1) (default 0.85)"
    )
    ppr.add_argument(
        "--tol",
        type=float,
        default=1e-10,
        metavar="TOL",
        help="stop when the L1 change of a superstep, summed over the sources, is below this, or 0 (default 1e-10)",
    )
    ppr.add_argument(
        "--max-supersteps",
        type=_non_negative_int,
        default=1000,
        metavar="K",
        help="stop after K supersteps even if not converged (default 1000)",
    )
    lpa = _Parser(add_help=False)
    lpa.add_argument(
        "--synchronous",
        action="store_true",
        help="GraphX's rule: every vertex at once, ties to the smallest label; may oscillate (default: networkx's "
        "semi-synchronous rule)",
    )
    lpa.add_argument(
        "--max-supersteps",
        type=_non_negative_int,
        default=None,
        metavar="K",
        help="stop after K supersteps (default: when the labels settle; 1000 with --synchronous)",
    )
    bc = _Parser(add_help=False)
    bc.add_argument(
        "--samples",
        type=_positive_int,
        metavar="K",
        help="sum the dependencies of K sources sampled as networkx samples them (default: every vertex, exact)",
    )
    bc.add_argument(
        "--seed", type=_non_negative_int, default=0, metavar="S", help="the seed of the sampling (default 0)"
    )
    bc.add_argument(
        "--unnormalized",
        action="store_true",
        help="raw sums of pair fractions (halved on --undirected graphs, as networkx) (default: normalized)",
    )
    bc.add_argument(
        "--endpoints", action="store_true", help="count the ends of a path as on it (default: off, as networkx)"
    )
    bc.add_argument(
        "--weighted",
        action="store_true",
        help="shortest paths by the third column's positive weights, as networkx's weight='weight' "
        "(default: in hops, as networkx's weight=None)",
    )
    randomized = {}
    for name in ("mis", "matching"):
        flags = randomized[name] = _Parser(add_help=False)
        flags.add_argument(
            "--seed",
            type=_non_negative_int,
            default=0,
            metavar="S",
            help="the seed: the same seed gives the same answer (default 0)",
        )
        flags.add_argument(
            "--max-supersteps",
            type=_non_negative_int,
            default=None,
            metavar="K",
            help="stop after K supersteps (default: run to the end)",
        )
    louvain = _Parser(add_help=False)
    louvain.add_argument(
        "--resolution",
        type=float,
        default=1.0,
        metavar="G",
        help="modularity's resolution gamma, >= 0: below 1 larger communities, above 1 smaller (default 1.0)",
    )
    louvain.add_argument(
        "--threshold",
        type=float,
        default=1e-7,
        metavar="T",
        help="stop after a level that raises modularity by T or less, as networkx (default 1e-7)",
    )
    louvain.add_argument(
        "--seed",
        type=_non_negative_int,
        default=0,
        metavar="S",
        help="the seed of the hash that ranks the vertices that want to move in a level's first round and breaks "
        "ties between equal gains (default 0)",
    )
    louvain.add_argument(
        "--max-supersteps",
        type=_non_negative_int,
        default=None,
        metavar="K",
        help="stop after K supersteps (default: run to the end)",
    )
    return {"ppr": ppr, "lpa": lpa, "betweenness": bc, **randomized, "louvain": louvain}


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--format``, ``--stats`` and ``--plot``: the shapes a run's results and statistics take."""
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="tsv (no header), csv (header vertex,value), npy or parquet (binary: need --output) "
        "(default: from the --output suffix, else tsv)",
    )
    parser.add_argument(
        "--stats", metavar="FILE.json", help="write per-superstep statistics here as JSON (default: none)"
    )
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        help="draw convergence and messages per superstep here; needs matplotlib: pip install 'pregel[plot]' "
        "(default: none)",
    )


def add_run_command(commands: Any, common: argparse.ArgumentParser, until_halted: argparse.ArgumentParser) -> None:
    """``pregel run FILE.py:ClassName EDGES``: a user's own vertex program."""
    program = _Parser(add_help=False)
    program.add_argument(
        "program",
        metavar="FILE.py:ClassName",
        help="a Python file and the Vertex or BatchProgram subclass in it (the class may be left out "
        "when the file defines only one)",
    )
    run = commands.add_parser(
        "run",
        parents=[program, common, until_halted],
        help="run your own vertex program",
        description="Run a Vertex or BatchProgram subclass from a Python file on an edge list; "
        "--top lists the largest values.",
    )
    run.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a parameter the class declares; repeatable; VALUE is a Python literal, else text; "
        "one the class lists in vertex_parameters names a vertex by its id in EDGES, whatever its default: "
        "with string ids a label, a bare number too (source=7 is the vertex '7') (default: the class's values)",
    )
    from pregel.viz.page import MAX_VERTICES

    run.add_argument(
        "--viz",
        metavar="FILE.html",
        help="also write the replay page of the run here; local backend only (default: none)",
    )
    run.add_argument(
        "--max-vertices",
        type=_positive_int,
        default=MAX_VERTICES,
        metavar="N",
        help=f"refuse --viz for a graph with more vertices (default: {MAX_VERTICES})",
    )


def add_info_command(commands: Any) -> None:
    """``pregel info EDGES``: what is in an edge list."""
    info = commands.add_parser(
        "info",
        help="vertices, edges, dangling vertices, degrees, components of an edge list",
        description="Summarise an edge list: counts, merged duplicates, self-loops, dangling vertices, "
        "degree distributions, weakly and strongly connected components.",
    )
    info.add_argument("edges", metavar="EDGES", help=EDGES_HELP)
    add_column_flags(info)
    info.add_argument("--undirected", action="store_true", help="treat every edge as going both ways (default: off)")
    info.add_argument("--json", action="store_true", help="print the summary as JSON (default: text)")
    info.set_defaults(handler=_info)


def _info(args: argparse.Namespace) -> int:
    graph = read_graph(args)
    summary = graph_info(graph)
    if args.json:
        sys.stdout.write(json.dumps({"edges_file": args.edges, **summary}, indent=1) + "\n")
    else:
        sys.stdout.write(format_info(summary, args.edges))
    return EXIT_OK


def _add_generate(commands: Any) -> None:
    from pregel.io.generate import KINDS

    gen = commands.add_parser(
        "generate",
        help="write a synthetic graph (R-MAT, binary tree, log-normal degrees) as an edge list",
        description="Write a seeded synthetic graph as 'src dst [weight]' lines: R-MAT (Graph500 parameters), "
        "a complete binary tree (parent -> child, for SSSP from vertex 0) or log-normal out-degrees "
        "(as in the Pregel paper). R-MAT and log-normal graphs have exactly --edges distinct edges and no "
        "self-loops; a missing size follows from the other at 16 edges per vertex (at least 2*sqrt(M) + 1 vertices). "
        "A .gz FILE is compressed.",
    )
    gen.add_argument("kind", choices=KINDS, help="the kind of graph")
    gen.add_argument(
        "--vertices", type=_positive_int, metavar="N", help="vertex ids are 0..N-1 (default: follows from --edges)"
    )
    gen.add_argument(
        "--edges", type=_non_negative_int, metavar="M", help="number of edges (default: follows from --vertices)"
    )
    gen.add_argument("--seed", type=_non_negative_int, default=0, metavar="S", help="random seed (default 0)")
    gen.add_argument(
        "--weighted", action="store_true", help="add a third column: integer weights in 1..100 (default: unweighted)"
    )
    gen.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="FILE",
        help="the edge list to write, atomically; - writes it to standard output (required)",
    )
    gen.add_argument("--quiet", "-q", action="store_true", help="no summary on stderr (default: one summary line)")


def _generate(args: argparse.Namespace) -> int:
    from pregel.io.edges import write_edge_list
    from pregel.io.generate import generate

    start = time.perf_counter()
    if args.output != "-":
        check_writable(args.output, "--output", "-")  # before the graph is drawn, which may take a while
    src, dst, weights = generate(args.kind, args.vertices, args.edges, args.seed, args.weighted)
    if src.size == 0:
        # every command refuses an edge list without edges: none is written
        raise InputError(f"{args.output}: pregel generate {args.kind} made no edges; ask for more vertices or edges")
    command = " ".join(f"--{k} {v}" for k, v in (("vertices", args.vertices), ("edges", args.edges)) if v is not None)
    header = f"# pregel generate {args.kind} {command} --seed {args.seed}{' --weighted' * args.weighted}\n"
    write_edge_list(args.output, src, dst, weights, header=header)
    if not args.quiet:
        print(
            f"generate: {src.size} edges ({args.kind}) written to {args.output} in {time.perf_counter() - start:.2f} s",
            file=sys.stderr,
        )
    return EXIT_OK


def _positive_int(text: str) -> int:
    return _int_at_least(text, 1, "must be at least 1")


def _checkpoint_every(text: str) -> int | float:
    try:
        return parse_every(text)
    except InputError as bad:
        raise argparse.ArgumentTypeError(str(bad).replace("checkpoint_every ", "", 1)) from None


def _non_negative_int(text: str) -> int:
    return _int_at_least(text, 0, "must not be negative")


def _int_at_least(text: str, low: int, rule: str) -> int:
    # the rule the flag states, whatever side of it the value falls (-2 for --workers: "at least 1", not "negative")
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"{rule}, got {text}")
    return value


def _vertex_ids(text: str) -> tuple[str, ...]:
    # the graph decides what an id is (an integer, or the text itself where ids are strings): the command reads it
    parts = tuple(text.split(","))
    if not all(parts):
        raise argparse.ArgumentTypeError(f"not a vertex id or a comma-separated list of them: {text!r}")
    return parts


def small_pages() -> bool:
    """Have numpy give this process's new large arrays ordinary pages, not transparent huge pages.

    numpy asks Linux for 2 MB pages (``madvise(MADV_HUGEPAGE)``) for every large array.
    Where no free huge page is at hand, the kernel compacts memory (or a virtual
    machine's host backs a fresh one) at the first touch, which can cost far more than
    the pages are worth: on our 2-core virtual machines a first 200 MB array took 1.2-1.6 s
    against 0.08 s with ordinary pages, and reading a 50M-edge list 7.5-7.8 s against
    2.7 s, while a PageRank superstep on it took the same time either way (62-69 ms).
    A command is a process of its own, so it chooses for itself; numpy's own
    ``NUMPY_MADVISE_HUGEPAGE``, when the user sets it, wins. Returns whether it changed
    anything.

    Examples
    --------
    >>> isinstance(small_pages(), bool)
    True
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return False
    multiarray = getattr(getattr(np, "_core", None), "multiarray", None)
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    if setter is None:
        return False
    setter(False)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pregel`` command; returns the exit status.

    Examples
    --------
    >>> main(["cc", "no-such-file.txt"])
    2
    """
    small_pages()
    _stop_on_sigterm()
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        # said by the command's own parser, which names its own --help (the top one would name pregel --help)
        getattr(args, "command_parser", parser).error(f"unrecognized arguments: {' '.join(extras)}")
    try:
        return args.handler(args) if hasattr(args, "handler") else _run(args)
    except (InputError, CheckpointError) as exc:
        return _fail(EXIT_USAGE, str(exc))
    except KeyboardInterrupt as stop:
        # as a shell reports a process a signal stopped: 128 + its number
        terminated = isinstance(stop, Terminated)
        return _fail(
            128 + (signal.SIGTERM if terminated else signal.SIGINT), "terminated" if terminated else "interrupted"
        )
    except (PregelError, OSError, MemoryError) as exc:
        return _fail(EXIT_FAILURE, str(exc) or type(exc).__name__)
    except Exception as exc:  # one line for the user; PREGEL_DEBUG=1 shows the traceback
        if os.environ.get("PREGEL_DEBUG"):
            raise
        return _fail(EXIT_FAILURE, f"{type(exc).__name__}: {exc} (set PREGEL_DEBUG=1 for a traceback)")


class Terminated(KeyboardInterrupt):
    """SIGTERM (what ``timeout``, Slurm and Kubernetes send): the run stops as on Ctrl-C, its outputs removed."""


def _terminated(signum: int, frame: Any) -> None:
    raise Terminated


def _stop_on_sigterm() -> None:
    """Stop on SIGTERM as on SIGINT: one line, no partial output (Ray's driver would print a stack dump and die)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)


def _fail(status: int, message: str) -> int:
    clear_line(sys.stderr)  # a run's live line (reading a file..., superstep 12 ...) is not the error's start
    print(f"pregel: error: {message}", file=sys.stderr)
    return status


def _run(args: argparse.Namespace) -> int:
    if args.command == "generate":
        return _generate(args)
    # standard output holds the results alone: whatever else a run prints (a program's print(), the lines Ray
    # forwards from its workers and raylets to this process's stdout) goes to stderr
    args.results_stream, sys.stdout = sys.stdout, sys.stderr
    try:
        return _run_algorithm(args)
    finally:
        sys.stdout = args.results_stream


def _run_algorithm(args: argparse.Namespace) -> int:
    name = args.algorithm if args.command == "viz" else args.command
    algorithm = ALGORITHMS[name]
    _check_flags(args, name)
    if args.command == "viz":
        _check_output_paths(args)
        return _write_page(read_graph(args), args, name)
    if args.output == "-":
        args.output = None  # as '-' reads the edges from standard input, it writes the results to standard output
    fmt = format_for(args.output, args.format)
    require_format(fmt)
    _check_output_paths(args)
    folder = args.output if args.output and is_folder(args.output) else None
    if args.plot:
        require_matplotlib(args.plot)
    page = getattr(args, "viz", None)
    if page and args.backend != "local":
        raise InputError(f"--viz needs the local backend (the run is traced in this process), not {args.backend}")
    if name == "run":
        args.program_object = load_program(args.program, args.param)
    measures = algorithm.measures(args)
    progress = Progress(sys.stderr, _title(args, name), measures, quiet=args.quiet)
    load = getattr(args, "load", "driver")
    unheld = _why_not_held(args, algorithm, name)
    if load == "workers" and unheld:
        raise InputError(unheld)
    held = load == "workers" or (load == "auto" and unheld is None)
    if held:
        graph: Any = args.edges
        progress.status(f"the workers read {args.edges}")
    else:
        progress.status(f"reading {args.edges}")
        graph = read_graph(args, weights=algorithm.weights)
        progress.status(f"{graph.num_vertices:,} vertices, {graph.num_edges:,} edges: starting")
    options: dict[str, Any] = {"backend": args.backend, "api": args.api}
    if page:
        from pregel.viz.page import check_size

        check_size(graph, args.max_vertices)
        options["trace"] = True
    if args.backend != "scipy":
        options.update(workers=args.workers, on_superstep=progress.superstep, on_recovery=progress.recovery)
        if args.threads:
            options["threads"] = args.threads
        options.update(
            checkpoint_dir=args.checkpoint_dir,
            checkpoint_every=args.checkpoint_every,
            resume=args.resume,
            resume_with_new_code=args.resume_with_new_code,
        )
        options.update(max_restarts=args.max_restarts)
        if args.ray_address:
            options["ray_address"] = args.ray_address
        collect = _collectors(args, algorithm, folder, fmt)
        if collect:
            options["collect"] = collect
    start = time.perf_counter()
    result = _ran(algorithm.held if held else algorithm.run, graph, args, options)
    progress.finish(result, time.perf_counter() - start, f"{args.backend} backend")
    if algorithm.summary is not None and not args.quiet and result.stopped_by != "max_supersteps":
        print(f"{name}: {algorithm.summary(result)}", file=sys.stderr)
    _warn_if_unfinished(args, result, name)
    if page:
        # a program that adds vertices may outgrow the limit only now: refuse before writing anything
        check_size(result, args.max_vertices)
    _write_results(args, algorithm, result, fmt, measures, folder)
    if page:
        _write_replay(result, args, page)
    if args.check and algorithm.validate is not None:
        print(f"check: {algorithm.validate(result)}", file=sys.stderr)
    elif args.check:
        reference = algorithm.run(graph, args, {"backend": "scipy"})
        _say_difference("scipy", result.values, reference.values)
    if args.compare == "networkx":
        try:
            theirs = algorithm.networkx(result.graph if name == "cc" else graph, args)
            if algorithm.compared is not None:
                print(f"networkx: {algorithm.compared(result, theirs, args)}", file=sys.stderr)
            else:
                _say_difference("networkx", result.values, theirs)
        except NotCompared as exc:
            print(f"pregel: warning: nothing to compare: {exc}", file=sys.stderr)
    return EXIT_OK


def _why_not_held(args: argparse.Namespace, algorithm: Algorithm, name: str) -> str | None:
    """Why the Ray workers cannot read EDGES themselves for this command (None: they can)."""
    if args.backend != "ray":
        return f"--load workers needs --backend ray (--backend {args.backend} reads EDGES here)"
    if algorithm.held is None:
        return f"--load workers: pregel {name} needs the whole graph; use --load driver"
    named = [flag for flag in ("src", "dst", "weight", "personalize") if getattr(args, flag, None) is not None]
    whole = {"--check": args.check, "--compare": args.compare, **{f"--{flag}": True for flag in named}}
    for flag, given in whole.items():
        if given:
            return f"{flag} needs the whole graph in this process: use --load driver"
    if not splittable(args.edges):
        return (
            f"{args.edges}: the workers read text edge lists, folders or globs of part files and Parquet; "
            "standard input, Matrix Market, Arrow and string ids are read here: use --load driver"
        )
    return None


def read_graph(args: argparse.Namespace, weights: bool = True) -> pregel.Graph:
    """The graph of ``EDGES``, with the columns and direction the flags ask for (``weights``: keep them)."""
    return read_edges(
        args.edges, undirected=args.undirected, src=args.src, dst=args.dst, weight=args.weight, weights=weights
    )


def _title(args: argparse.Namespace, name: str) -> str:
    """What the progress lines call the run: the command, or the class of your own program."""
    return type(args.program_object).__name__ if name == "run" else name


def _write_page(graph: pregel.Graph, args: argparse.Namespace, name: str) -> int:
    """``pregel viz``: run with tracing on and write the replay page."""
    from pregel.viz.page import check_size

    check_size(graph, args.max_vertices)
    progress = Progress(sys.stderr, name, ALGORITHMS[name].measures(args), quiet=args.quiet)
    # one partition unless asked: the page shows the run the same way on every machine
    options = {"api": args.api, "workers": args.workers or 1, "on_superstep": progress.superstep, "trace": True}
    if args.threads:
        options["threads"] = args.threads
    start = time.perf_counter()
    result = _ran(ALGORITHMS[name].run, graph, args, options)
    progress.finish(result, time.perf_counter() - start, "local backend")
    _warn_if_unfinished(args, result, name)
    _write_replay(result, args, args.output)
    return EXIT_OK


def _write_replay(result: pregel.Result, args: argparse.Namespace, page: str) -> None:
    """Write the replay page of a traced run."""
    from pregel.viz.page import page_html, write_html

    source = "standard input" if args.edges == "-" else Path(args.edges).name
    title = f"{result.trace.program} on {source}"
    if page == "-":  # standard output, as '-' means for every output of the command line
        args.results_stream.write(page_html(result, title=title, max_vertices=args.max_vertices))
    else:
        write_html(result, page, title=title, max_vertices=args.max_vertices)
    if not args.quiet:
        where = "the page to standard output" if page == "-" else page
        print(f"pregel: wrote {where} ({result.supersteps} supersteps to replay)", file=sys.stderr)


def _collectors(args: argparse.Namespace, algorithm: Algorithm, folder: str | None, fmt: str) -> list[Any]:
    """What the partitions make of their values where they are, in place of gathering them: a folder of part
    files, the top K (made on the driver by the commands that finish their values there over the whole graph).
    Nothing where the values are needed here: a single file or standard output takes them all, and --check,
    --compare and --viz read them.
    """
    if (args.output and not folder) or args.check or args.compare or getattr(args, "viz", None):
        return []
    made: list[Any] = [Parts(folder, fmt)] if folder else []
    return made + [TopK(algorithm.listing, args.top)] if args.top else made


def _write_results(
    args: argparse.Namespace,
    algorithm: Algorithm,
    result: pregel.Result,
    fmt: str,
    measures: dict[str, str],
    folder: str | None,
) -> None:
    listing = None
    if result.collected:
        # the parts are written and the top K picked: in the order _collectors lists them
        listing = result.collected[-1] if args.top else None
    elif folder:
        with _writing(folder, "--output"):
            write_parts(result, folder, fmt, parts=args.workers or 1)
    elif args.output:
        with _writing(args.output, "--output"):
            write_result(args.output, result.original_ids, result.original_values, fmt)
    text_format = "csv" if fmt == "csv" else "tsv"
    if args.top:
        ids, values, columns = listing if listing is not None else algorithm.top(result, args.top)
        args.results_stream.write(render(ids, values, text_format, columns))
    elif not args.output:
        args.results_stream.write(render(*by_id(result.original_ids, result.original_values), text_format))
    about = {"command": args.command, "edges_file": args.edges, "backend": args.backend}
    if args.stats:
        with _writing(args.stats, "--stats"):
            write_stats(args.stats, result, **about)
    if args.plot:
        title = f"{args.command} on {Path(args.edges).name}"
        with _writing(args.plot, "--plot"):
            plot_run(args.plot, result, measures, title, tol=getattr(args, "tol", None))


@contextmanager
def _writing(path: str, flag: str) -> Iterator[None]:
    """An error writing ``path`` (a full disk, say) as one line naming it and its flag."""
    try:
        yield
    except OSError as exc:
        raise PregelError(f"{path}: cannot write {flag}: {exc.strerror or exc}") from None


def _ran(run: Callable[..., pregel.Result], graph: Any, args: argparse.Namespace, options: dict[str, Any]) -> Any:
    """What ``run`` gives; an input error it raises names the edge list, as every input error does.

    A mistake of the user's own program names the program's file instead: the edges are not to blame.
    """
    try:
        return run(graph, args, options)
    except ProgramError as exc:
        if args.command != "run":
            raise
        raise ProgramError(naming_program(args.program, str(exc))) from None
    except InputError as exc:
        raise InputError(_naming_file(args.edges, str(exc))) from None


def _naming_file(edges: str, message: str) -> str:
    """An error message that starts with the edge list's name, as every input error does (or with the name of
    a file a pattern matches: the file is the more precise name).

    Examples
    --------
    >>> _naming_file("parts/e-*", "parts/e-1.txt:3: bad"), _naming_file("e.txt", "no edges")
    ('parts/e-1.txt:3: bad', 'e.txt: no edges')
    """
    name = "<stdin>" if edges == "-" else edges
    named = message.startswith(name) or fnmatch.fnmatchcase(message.split(":", 1)[0], name)
    return message if named else f"{name}: {message}"


#: The commands whose scipy reference iterates, as the engine does: --max-supersteps bounds both.
ITERATED = ("pagerank", "ppr", "lpa")


def _check_flags(args: argparse.Namespace, name: str) -> None:
    if args.backend == "scipy" and args.workers:
        raise InputError("--workers has no meaning with --backend scipy")
    if args.ray_address and args.backend != "ray":
        raise InputError("--ray-address needs --backend ray")
    if args.threads and args.backend != "local":
        raise InputError(f"--threads needs the local backend (--backend {args.backend} has no threads of ours)")
    if args.backend == "ray":
        # before the edge list is read: a missing Ray is not the input's fault
        ray_backend()
    if args.backend == "scipy" and args.api != "batch":
        raise InputError("--api has no meaning with --backend scipy")
    if args.backend == "scipy" and getattr(args, "max_supersteps", None) is not None and name not in ITERATED:
        raise InputError(f"--max-supersteps has no meaning with --backend scipy for pregel {name} (no iterations)")
    if args.command != "viz":
        _check_checkpoint_flags(args)
    if name in ("pagerank", "ppr"):
        if not 0 <= args.damping < 1:
            raise InputError(f"--damping must be in [0, 1), got {args.damping}")
        if not args.tol >= 0 or math.isinf(args.tol):
            raise InputError(f"--tol must be a finite number >= 0, got {args.tol}")
    if name == "louvain" and not args.resolution >= 0:
        raise InputError(f"--resolution must be >= 0, got {args.resolution}")
    if name == "louvain" and math.isnan(args.threshold):
        raise InputError("--threshold must be a number, got nan")
    if name == "louvain":
        for flag, given in (("--backend scipy", args.backend == "scipy"), ("--check", getattr(args, "check", False))):
            if given:
                raise InputError(f"{flag} has no meaning for pregel louvain (there is no scipy reference)")
    compare = getattr(args, "compare", None)  # pregel viz has no --compare
    if name == "lpa" and args.synchronous and compare:
        raise InputError("--compare networkx: networkx has no synchronous label propagation (leave out --synchronous)")
    if name in ("mis", "matching"):
        for flag, given in (("--compare", compare), ("--backend scipy", args.backend == "scipy")):
            if given:
                raise InputError(
                    f"{flag} has no meaning for pregel {name}: the answer is random, networkx's and a reference's "
                    "differ from it; --check verifies it instead"
                )
    if name == "betweenness" and getattr(args, "weighted", False):
        for flag, given in (("--check", getattr(args, "check", False)), ("--backend scipy", args.backend == "scipy")):
            if given:
                raise InputError(
                    f"{flag} has no meaning with --weighted: the scipy reference counts paths in hops "
                    "(--compare networkx checks weighted paths)"
                )
    # issue 18: bfs, scc, kcore, triangles
    if name == "scc" and args.undirected:
        raise InputError(
            "--undirected has no meaning for scc: the strong components of an undirected graph are "
            "its connected components (pregel cc)"
        )
    if name in BATCH_ONLY and not (name == "lpa" and args.synchronous):
        # before the input is read: the library refuses it too, but only once it is called
        only_batch(args.api, name)
    if name == "run":
        refused = {"--check": args.check, "--compare": args.compare, "--backend scipy": args.backend == "scipy"}
        for flag, given in refused.items():
            if given:
                raise InputError(f"{flag} has no meaning for pregel run (there is no reference for your own program)")
        if args.api != "batch":
            raise InputError("--api has no meaning for pregel run (your class is the API)")


def _check_checkpoint_flags(args: argparse.Namespace) -> None:
    if args.backend == "scipy" and args.checkpoint_dir:
        raise InputError("--checkpoint-dir has no meaning with --backend scipy")
    for flag, given in (("--checkpoint-every", args.checkpoint_every), ("--resume", args.resume)):
        if given and not args.checkpoint_dir:
            raise InputError(f"{flag} needs --checkpoint-dir DIR")
    if args.resume_with_new_code and not args.resume:
        raise InputError("--resume-with-new-code needs --resume")


def _check_output_paths(args: argparse.Namespace) -> None:
    """Refuse output paths that cannot be written or that collide, before any work is done."""
    named = [(flag, getattr(args, flag.lstrip("-"), None)) for flag in ("--output", "--stats", "--plot", "--viz")]
    # (--output - is standard output)
    named = [(flag, path) for flag, path in named if path is not None and (flag, path) != ("--output", "-")]
    for flag, path in named:
        if flag == "--output" and args.command != "viz" and is_folder(path):
            check_folder(Path(path))
        else:
            check_writable(path, flag, args.edges)
    for k, (flag, path) in enumerate(named):
        for other, other_path in named[k + 1 :]:
            if os.path.abspath(path) == os.path.abspath(other_path):
                raise InputError(f"{path}: {flag} and {other} name the same file")


def check_writable(path: str, flag: str, edges: str) -> None:
    """InputError if ``path`` cannot take a new file or is the input itself.

    Examples
    --------
    >>> check_writable("/no/such/dir/ranks.tsv", "--output", "edges.txt")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: /no/such/dir/ranks.tsv: --output directory /no/such/dir does not exist
    """
    if path == "":
        raise InputError(f"{flag} names no file (an empty path; '-' is standard output)")
    out = Path(path)
    if out.is_dir():
        raise InputError(f"{out}: {flag} is a directory")
    if out.exists() and not out.is_file():
        return  # a device or a pipe (/dev/null): written in place
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        missing = "does not exist" if not parent.exists() else "is not a directory"
        raise InputError(f"{out}: {flag} directory {parent} {missing}")
    try:
        # a real file, not os.access: permissions are not the only reason (root, read-only mounts)
        fd, probe = tempfile.mkstemp(prefix=f".{out.name}.probe", dir=parent)
    except OSError as exc:
        raise InputError(f"{out}: {flag} directory {parent} is not writable ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    if out.exists() and not os.access(out, os.W_OK):
        raise InputError(f"{out}: {flag} file is not writable")
    if edges != "-" and out.exists() and Path(edges).exists() and out.samefile(edges):
        raise InputError(f"{out}: {flag} is the input file; refusing to overwrite it")


def _warn_if_unfinished(args: argparse.Namespace, result: pregel.Result, name: str) -> None:
    if result.stopped_by != "max_supersteps":
        return
    steps = f"{result.supersteps} superstep{'s' * (result.supersteps != 1)}"
    # superstep 0 only sends the first ranks: a change is measured from superstep 1 on
    if name in ("pagerank", "ppr") and result.supersteps > 1:
        delta = result.aggregated.get("delta", math.nan)
        ranks = "personalized PageRank" if name == "ppr" else "PageRank"
        written = "the page" if args.command == "viz" else "the ranks"
        print(
            f"pregel: warning: {ranks} did not converge in {steps} "
            f"(last L1 change {delta:.3e}, tol {args.tol:g}); writing {written} anyway",
            file=sys.stderr,
        )
    else:
        print(f"pregel: warning: stopped at --max-supersteps {result.supersteps} before the run ended", file=sys.stderr)


def _say_difference(name: str, ours: np.ndarray, theirs: np.ndarray) -> None:
    print(f"{name}: largest absolute difference {largest_difference(ours, theirs):.3e}", file=sys.stderr)


def largest_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Largest ``|a - b|``, where equal infinities differ by 0.

    Examples
    --------
    >>> largest_difference(np.array([1.0, np.inf]), np.array([1.5, np.inf]))
    0.5

    Answers of different lengths (a k-core with other vertices) differ by infinity.
    """
    a, b = _numbers(a), _numbers(b)
    if a.shape != b.shape:
        return math.inf
    with np.errstate(invalid="ignore"):  # inf - inf is nan; equal values differ by 0 anyway
        diff = np.where(a == b, 0.0, np.abs(a - b))
    return float(diff.max()) if diff.size else 0.0


def _numbers(values: np.ndarray) -> np.ndarray:
    """Values as floats; records with named fields as one column per field."""
    if values.dtype.names:
        return np.column_stack([values[name] for name in values.dtype.names]).astype(np.float64)
    return np.asarray(values, dtype=np.float64)


if __name__ == "__main__":
    sys.exit(main())
