"""The ``pregel`` command: run the built-in algorithms on an edge list.

Exit status 0 on success, 2 on bad input or usage (one line on stderr naming the file,
line and problem), 1 on any other failure. Progress goes to stderr, results to
``--output`` (written atomically) or to standard output.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

import pregel
from pregel.checkpoint import DEFAULT_EVERY, DEFAULT_MAX_RESTARTS, Recovery
from pregel.engine import SuperstepStats
from pregel.errors import CheckpointError, InputError, PregelError
from pregel.io import format_values, read_edges, write_values

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
        description="Pregel-style graph processing: PageRank, shortest paths and connected components.",
        epilog="EDGES is an edge list: 'src dst [weight]' per line, separated by whitespace or commas; "
        "'#' and '%' start comments; .gz/.bz2 are read transparently; '-' is standard input.",
    )
    parser.add_argument("--version", action="version", version=f"pregel {pregel.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    inputs = _input_flags()
    common = _Parser(add_help=False, parents=[inputs, _result_flags(), _checkpoint_flags()])
    flags = _algorithm_flags()
    for name, (summary, description) in _ALGORITHM_HELP.items():
        commands.add_parser(name, parents=[common, flags[name]], help=summary, description=description)

    viz = commands.add_parser(
        "viz",
        help="write a page that replays a run superstep by superstep",
        description="Run an algorithm with tracing on and write one self-contained HTML page (works offline, "
        "open it from disk) that replays the run: Step, Back, Play, a superstep slider, messages along the edges.",
    )
    shown = viz.add_subparsers(dest="algorithm", metavar="ALGORITHM", parser_class=_Parser)
    shown.required = True
    page = _page_flags()
    for name, (summary, description) in _ALGORITHM_HELP.items():
        shown.add_parser(name, parents=[inputs, page, flags[name]], help=summary, description=description)
    return parser


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
}


def _input_flags() -> argparse.ArgumentParser:
    """What every algorithm command takes: the graph and how to run on it."""
    flags = _Parser(add_help=False)
    flags.add_argument("edges", metavar="EDGES", help="edge list file, or - for standard input")
    flags.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="number of partitions (default 1 locally, the cluster's CPUs on Ray)",
    )
    flags.add_argument(
        "--api",
        choices=("batch", "scalar"),
        default="batch",
        help="vectorised programs (default) or their one-vertex-at-a-time twins",
    )
    flags.add_argument("--undirected", action="store_true", help="treat every edge as going both ways")
    flags.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    return flags


def _result_flags() -> argparse.ArgumentParser:
    """Where a run happens and what becomes of its values."""
    flags = _Parser(add_help=False)
    flags.add_argument("--output", "-o", metavar="FILE", help="write 'vertex<TAB>value' lines here (atomically)")
    flags.add_argument(
        "--backend",
        choices=("local", "ray", "scipy"),
        default="local",
        help="where to run: this process (default), Ray actors, or the scipy reference",
    )
    flags.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="connect to this Ray cluster (default: $RAY_ADDRESS, else a private local one)",
    )
    flags.add_argument(
        "--check", action="store_true", help="also run the scipy reference and print the largest absolute difference"
    )
    flags.add_argument(
        "--compare", choices=("networkx",), help="also run networkx and print the largest absolute difference"
    )
    flags.add_argument(
        "--top",
        type=_positive_int,
        metavar="K",
        help="print the K best vertices (highest rank, nearest, largest components)",
    )
    return flags


def _checkpoint_flags() -> argparse.ArgumentParser:
    """Checkpoints of a long run, resuming from them, and recovering from lost workers."""
    flags = _Parser(add_help=False)
    flags.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        help="write a checkpoint into DIR every --checkpoint-every supersteps (DIR must be empty unless --resume)",
    )
    flags.add_argument(
        "--checkpoint-every",
        type=_positive_int,
        metavar="K",
        help=f"supersteps between checkpoints (default {DEFAULT_EVERY} with --checkpoint-dir)",
    )
    flags.add_argument(
        "--resume",
        action="store_true",
        help="continue from the newest complete checkpoint in --checkpoint-dir (same graph, program, "
        "parameters and --workers); the results equal those of an uninterrupted run",
    )
    flags.add_argument(
        "--max-restarts",
        type=_non_negative_int,
        default=DEFAULT_MAX_RESTARTS,
        metavar="N",
        help="when a Ray worker or its node dies, start new workers and continue from the last checkpoint "
        f"(or from the start), at most N times (default {DEFAULT_MAX_RESTARTS})",
    )
    return flags


def _page_flags() -> argparse.ArgumentParser:
    """The replay page of ``pregel viz``."""
    from pregel.viz import MAX_VERTICES

    flags = _Parser(add_help=False)
    flags.add_argument("--output", "-o", required=True, metavar="FILE.html", help="write the page here (atomically)")
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
    pr.add_argument("--damping", type=float, default=0.85, help="damping factor d in [0, 1) (default 0.85)")
    pr.add_argument(
        "--tol", type=float, default=1e-10, help="stop when the L1 change of a superstep is below this (default 1e-10)"
    )
    pr.add_argument(
        "--max-supersteps",
        type=_non_negative_int,
        default=1000,
        metavar="K",
        help="stop after K supersteps even if not converged (default 1000)",
    )
    ss = _Parser(add_help=False)
    ss.add_argument("--source", type=int, required=True, metavar="ID", help="id of the source vertex")
    cc = _Parser(add_help=False)
    for until_halted in (ss, cc):
        until_halted.add_argument(
            "--max-supersteps",
            type=_non_negative_int,
            default=None,
            metavar="K",
            help="stop after K supersteps (default: run to the end)",
        )
    return {"pagerank": pr, "sssp": ss, "cc": cc}


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pregel`` command; returns the exit status.

    Examples
    --------
    >>> main(["cc", "no-such-file.txt"])
    2
    """
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (InputError, CheckpointError) as exc:
        return _fail(EXIT_USAGE, str(exc))
    except KeyboardInterrupt:
        return _fail(EXIT_FAILURE, "interrupted")
    except (PregelError, OSError, MemoryError) as exc:
        return _fail(EXIT_FAILURE, str(exc) or type(exc).__name__)
    except Exception as exc:  # one line for the user; PREGEL_DEBUG=1 shows the traceback
        if os.environ.get("PREGEL_DEBUG"):
            raise
        return _fail(EXIT_FAILURE, f"{type(exc).__name__}: {exc} (set PREGEL_DEBUG=1 for a traceback)")


def _fail(status: int, message: str) -> int:
    print(f"pregel: error: {message}", file=sys.stderr)
    return status


def _run(args: argparse.Namespace) -> int:
    name = args.algorithm if args.command == "viz" else args.command
    _check_flags(args, name)
    _check_output_path(args)
    graph = read_edges(args.edges, undirected=args.undirected)
    if args.command == "viz":
        return _write_page(graph, args, name)
    progress = _Progress(args)
    options: dict[str, Any] = {"backend": args.backend, "api": args.api}
    if args.backend != "scipy":
        options.update(workers=args.workers, on_superstep=progress.superstep, on_recovery=progress.recovery)
        options.update(checkpoint_dir=args.checkpoint_dir, checkpoint_every=args.checkpoint_every, resume=args.resume)
        options.update(max_restarts=args.max_restarts)
        if args.ray_address:
            options["ray_address"] = args.ray_address
    algorithm = ALGORITHMS[name]
    start = time.perf_counter()
    result = algorithm.run(graph, args, options)
    seconds = time.perf_counter() - start
    _report(args, result, seconds, name)
    if args.output:
        write_values(args.output, result.ids, result.values)
    if args.top:
        sys.stdout.write(algorithm.top(result, args.top))
    elif not args.output:
        sys.stdout.write(format_values(result.ids, result.values))
    if args.check:
        reference = algorithm.run(graph, args, {"backend": "scipy"})
        _say_difference("scipy", result.values, reference.values)
    if args.compare == "networkx":
        _say_difference("networkx", result.values, algorithm.networkx(result.graph if name == "cc" else graph, args))
    return EXIT_OK


def _write_page(graph: pregel.Graph, args: argparse.Namespace, name: str) -> int:
    """``pregel viz``: run with tracing on and write the replay page."""
    from pregel.viz import check_size, write_html

    check_size(graph, args.max_vertices)
    options = {"api": args.api, "workers": args.workers, "on_superstep": _Progress(args).superstep, "trace": True}
    start = time.perf_counter()
    result = ALGORITHMS[name].run(graph, args, options)
    _report(args, result, time.perf_counter() - start, name)
    source = "standard input" if args.edges == "-" else Path(args.edges).name
    write_html(result, args.output, title=f"{result.trace.program} on {source}", max_vertices=args.max_vertices)
    if not args.quiet:
        print(f"pregel: wrote {args.output} ({result.supersteps} supersteps to replay)", file=sys.stderr)
    return EXIT_OK


def _check_flags(args: argparse.Namespace, name: str) -> None:
    if args.backend == "scipy" and args.workers:
        raise InputError("--workers has no meaning with --backend scipy")
    if args.ray_address and args.backend != "ray":
        raise InputError("--ray-address needs --backend ray")
    if args.backend == "scipy" and args.api != "batch":
        raise InputError("--api has no meaning with --backend scipy")
    if args.command != "viz":
        _check_checkpoint_flags(args)
    if name == "pagerank":
        if not 0 <= args.damping < 1:
            raise InputError(f"--damping must be in [0, 1), got {args.damping}")
        if not args.tol >= 0 or math.isinf(args.tol):
            raise InputError(f"--tol must be a finite number >= 0, got {args.tol}")


def _check_checkpoint_flags(args: argparse.Namespace) -> None:
    if args.backend == "scipy" and args.checkpoint_dir:
        raise InputError("--checkpoint-dir has no meaning with --backend scipy")
    for flag, given in (("--checkpoint-every", args.checkpoint_every), ("--resume", args.resume)):
        if given and not args.checkpoint_dir:
            raise InputError(f"{flag} needs --checkpoint-dir DIR")


def _check_output_path(args: argparse.Namespace) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if not args.output:
        return
    out = Path(args.output)
    if out.is_dir():
        raise InputError(f"{out}: --output is a directory")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{out}: --output directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{out}: --output directory {parent} is not writable")
    if args.edges != "-" and out.exists() and Path(args.edges).exists() and out.samefile(args.edges):
        raise InputError(f"{out}: --output is the input file; refusing to overwrite it")


class _Progress:
    """One stderr line per superstep on a terminal, unless --quiet (a log gets the summary line only).

    A resume or a recovery is one line wherever stderr goes (unless --quiet); a skipped
    checkpoint is a warning even with --quiet.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.quiet = args.quiet or not sys.stderr.isatty()
        self.events = not args.quiet

    def superstep(self, stats: SuperstepStats) -> None:
        if self.quiet:
            return
        extra = ""
        if "delta" in stats.aggregated:
            extra = f", L1 change {stats.aggregated['delta']:.3e}"
        print(
            f"superstep {stats.superstep}: {stats.active} active, {stats.messages_sent} messages "
            f"({stats.messages_combined} after combining){extra}, {stats.seconds:.3f} s",
            file=sys.stderr,
        )

    def recovery(self, recovery: Recovery) -> None:
        for skipped in recovery.skipped:
            print(f"pregel: warning: skipped checkpoint {skipped}", file=sys.stderr)
        if self.events:
            print(recovery.describe(), file=sys.stderr)


def _report(args: argparse.Namespace, result: pregel.Result, seconds: float, name: str) -> None:
    graph = result.graph
    if result.stopped_by == "max_supersteps" and name == "pagerank":
        delta = result.aggregated.get("delta", math.nan)
        print(
            f"pregel: warning: PageRank did not converge in {result.supersteps} supersteps "
            f"(last L1 change {delta:.3e}, tol {args.tol:g}); writing the ranks anyway",
            file=sys.stderr,
        )
    elif result.stopped_by == "max_supersteps":
        print(f"pregel: warning: stopped at --max-supersteps {result.supersteps} before the run ended", file=sys.stderr)
    if not args.quiet:
        print(
            f"{name}: {graph.num_vertices} vertices, {graph.num_edges} edges, "
            f"{result.supersteps} supersteps{_recoveries(result)}, {seconds:.3f} s ({args.backend} backend)",
            file=sys.stderr,
        )


def _recoveries(result: pregel.Result) -> str:
    """How the run went back to checkpoints, for the summary line (empty if it never did)."""
    notes = []
    for r in result.recoveries:
        if r.replayed is None:
            notes.append(f"resumed at superstep {r.superstep}")
        else:
            notes.append(f"recovered in superstep {r.failed_at}, {r.replayed} replayed")
    return f" ({'; '.join(notes)})" if notes else ""


def _say_difference(name: str, ours: np.ndarray, theirs: np.ndarray) -> None:
    print(f"{name}: largest absolute difference {largest_difference(ours, theirs):.3e}", file=sys.stderr)


def largest_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Largest ``|a - b|``, where equal infinities differ by 0.

    Examples
    --------
    >>> largest_difference(np.array([1.0, np.inf]), np.array([1.5, np.inf]))
    0.5
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # inf - inf is nan; equal values differ by 0 anyway
        diff = np.where(a == b, 0.0, np.abs(a - b))
    return float(diff.max()) if diff.size else 0.0


# ------------------------------------------------------------------ algorithms
class _Algorithm:
    """How the command line runs one algorithm, its networkx twin, and its --top listing."""

    def __init__(
        self,
        run: Callable[[pregel.Graph, argparse.Namespace, dict[str, Any]], pregel.Result],
        networkx: Callable[[pregel.Graph, argparse.Namespace], np.ndarray],
        top: Callable[[pregel.Result, int], str],
    ) -> None:
        self.run = run
        self.networkx = networkx
        self.top = top


def _run_pagerank(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from algorithms.pagerank import pagerank

    return pagerank(graph, damping=args.damping, tol=args.tol, max_supersteps=args.max_supersteps, **options)


def _run_sssp(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from algorithms.sssp import sssp

    graph.index_of(args.source, what=f"{args.edges}: --source vertex")
    return sssp(graph, args.source, max_supersteps=args.max_supersteps, **options)


def _run_cc(graph: pregel.Graph, args: argparse.Namespace, options: dict[str, Any]) -> pregel.Result:
    from algorithms.components import connected_components

    return connected_components(graph, max_supersteps=args.max_supersteps, **options)


def _networkx_pagerank(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    import networkx as nx

    from algorithms.pagerank import networkx_pagerank

    try:
        return networkx_pagerank(graph, args.damping, args.tol, args.max_supersteps)
    except nx.PowerIterationFailedConvergence as exc:
        raise PregelError(f"networkx did not converge: {exc}") from None


def _networkx_sssp(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from algorithms.sssp import networkx_sssp

    return networkx_sssp(graph, args.source)


def _networkx_cc(graph: pregel.Graph, args: argparse.Namespace) -> np.ndarray:
    from algorithms.components import networkx_components

    return networkx_components(graph)


def _top_ranks(result: pregel.Result, k: int) -> str:
    order = np.lexsort((result.ids, -result.values))[:k]
    return format_values(result.ids[order], result.values[order])


def _top_nearest(result: pregel.Result, k: int) -> str:
    reachable = np.flatnonzero(np.isfinite(result.values))
    order = reachable[np.lexsort((result.ids[reachable], result.values[reachable]))][:k]
    return format_values(result.ids[order], result.values[order])


def _top_components(result: pregel.Result, k: int) -> str:
    labels, sizes = np.unique(result.values, return_counts=True)
    order = np.lexsort((labels, -sizes))[:k]
    return "".join(f"{label}\t{size}\n" for label, size in zip(labels[order].tolist(), sizes[order].tolist()))


ALGORITHMS = {
    "pagerank": _Algorithm(_run_pagerank, _networkx_pagerank, _top_ranks),
    "sssp": _Algorithm(_run_sssp, _networkx_sssp, _top_nearest),
    "cc": _Algorithm(_run_cc, _networkx_cc, _top_components),
}


if __name__ == "__main__":
    sys.exit(main())
