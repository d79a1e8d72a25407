"""``pregel.run``: the one call that runs a vertex program, on whichever backend.

It checks the arguments, builds the backend the caller names and hands both to the
engine (:func:`pregel.core.engine.execute`).
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Sequence
from typing import Any

from pregel.core.checkpoint import DEFAULT_MAX_RESTARTS, Checkpointer
from pregel.core.engine import check_weights, execute
from pregel.core.graph import Graph
from pregel.core.held import HeldInput
from pregel.core.mutations import check_rules
from pregel.core.program import Program
from pregel.core.types import Backend, Collector, Recovery, Result, SuperstepStats
from pregel.errors import InputError
from pregel.io import shares
from pregel.io.edges import as_graph, read_edges
from pregel.io.shares import splittable

BACKENDS = ("local", "ray")


#: The options each backend takes beyond :func:`run`'s own (``**backend_options``).
BACKEND_OPTIONS = {"local": frozenset(), "ray": frozenset({"ray_address", "connect_timeout"})}


def integer(name: str, value: Any) -> int:
    """``value`` (argument ``name``) as an int if it is an integer, Python's or numpy's; InputError if not.

    Examples
    --------
    >>> integer("seed", -2)
    -2
    >>> integer("max_supersteps", 1.5)
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: max_supersteps must be an integer, got 1.5
    """
    try:
        return operator.index(value)
    except TypeError:
        raise InputError(f"{name} must be an integer, got {value!r}") from None


def _check_count(name: str, count: Any, least: int) -> None:
    """InputError unless ``count`` is None or an integer of at least ``least``.

    Examples
    --------
    >>> _check_count("workers", 2, 1)
    >>> _check_count("workers", 0, 1)
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: workers must be at least 1, got 0
    """
    if count is not None and integer(name, count) < least:
        raise InputError(f"{name} must be at least {least}, got {count}")


def run(
    graph: Graph | str | os.PathLike[str],
    program: Program | type[Program],
    *,
    backend: str = "local",
    workers: int | None = None,
    threads: int | None = None,
    max_supersteps: int | None = None,
    on_superstep: Callable[[SuperstepStats], None] | None = None,
    trace: bool = False,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    checkpoint_every: int | float | str | None = None,
    resume: bool = False,
    on_recovery: Callable[[Recovery], None] | None = None,
    max_restarts: int = DEFAULT_MAX_RESTARTS,
    resume_with_new_code: bool = False,
    confined_recovery: bool = True,
    collect: Sequence[Collector] = (),
    undirected: bool = False,
    **backend_options: Any,
) -> Result:
    """Run a vertex program on a graph, superstep by superstep, until it halts.

    Parameters
    ----------
    graph : Graph, networkx graph, scipy sparse matrix, or str or path
        A networkx graph or a sparse matrix is converted as the algorithms convert it
        (:func:`pregel.io.edges.as_graph`). A path is an edge list, a folder or glob of part files, or a
        table (:func:`pregel.io.edges.read_edges`). With ``backend="ray"`` the workers load
        it themselves, each its share, and no process holds the whole graph (distributed
        loading, docs/ray.md); otherwise it is read here.
    program : Vertex or BatchProgram subclass, or an instance of one
        An instance carries the program's parameters, e.g. ``SSSP(source=1)``.
    backend : {"local", "ray"}
        Where the partitions live: in this process, or as Ray actors.
    workers : int, optional
        Number of partitions. Default: with ``resume``, the partition count of the
        checkpoint; else, locally, one per core this process may use, as long as each
        gets 500,000 edges + vertices (:func:`pregel.backends.local.default_partitions`),
        on Ray the cluster's CPUs. The results depend on it only through the order in
        which floating-point messages are added (see docs/cli.md, "Partitions and
        threads").
    threads : int, optional
        Local backend only: how many threads run the partitions' supersteps (at most
        one per partition; default: as many as the default partition count, 1 for a
        ``Vertex`` whose ``compute`` runs as a Python loop). The results are the same,
        bit for bit, for every number of threads.
    max_supersteps : int, optional
        Stop after this many supersteps even if vertices are still active
        (default: no limit).
    on_superstep : callable, optional
        Called with each superstep's :class:`SuperstepStats` (progress display).
    trace : bool
        Record every superstep (values, halted flags, messages, statistics) in
        ``result.trace`` (a :class:`~pregel.core.trace.Trace`); local backend only. Off, it
        costs nothing.
    checkpoint_dir : str or path, optional
        Write a checkpoint into this folder every ``checkpoint_every`` supersteps
        (see :mod:`pregel.core.checkpoint`). It must be empty or new unless ``resume``.
    checkpoint_every : int, float or str, optional
        Supersteps between checkpoints (default 10 when ``checkpoint_dir`` is set), or a
        time: seconds as a float, or ``"30s"``, ``"5m"``, ``"1h"``.
    resume : bool
        Continue from the newest good checkpoint in ``checkpoint_dir``; the result
        is the same, bit for bit, as that of a run that never stopped (with the same
        number of workers).
    on_recovery : callable, optional
        Called with a :class:`~pregel.core.checkpoint.Recovery` when the run resumes or
        recovers from a lost worker (progress display).
    max_restarts : int
        When a worker dies (Ray), start a fresh one and bring its partition back, at
        most this many times: alone from the last checkpoint and the others' message
        logs (confined recovery, with ``checkpoint_dir``), else by rolling every
        partition back to the last checkpoint (or to superstep 0 without one).
    resume_with_new_code : bool
        With ``resume``: continue even though the program's source changed since the
        checkpoint was made (refused by default).
    confined_recovery : bool
        False: always roll every partition back after a lost worker (global recovery),
        and keep no message logs.
    collect : sequence of Collector
        Make these of the final values where the partitions are (in the Ray workers),
        instead of gathering the values: :class:`pregel.io.parts.Parts` writes a folder
        of part files, one per partition. ``result.collected`` holds what each made, in
        order, and ``result.values`` is ``None``. On a failure each collector undoes its
        work (no partial part files).
    undirected : bool
        Add the reverse of every edge (as ``read_edges(path, undirected=True)`` does).
    **backend_options
        Passed to the backend (for Ray: ``ray_address``).

    Returns
    -------
    Result

    Raises
    ------
    TypeError
        For a program that is not a Vertex or BatchProgram (class or instance), or a graph
        of another kind than those above.
    InputError
        For an unknown backend, a bad argument, or a negative edge weight when the
        program declares ``allow_negative_weights = False``.
    CheckpointError
        With ``resume``: for a folder without a good checkpoint, or one made for
        another graph, program (or parameters), program code or partition count.
        Without: for a folder that already holds checkpoints.
    WorkerLost
        When workers die more than ``max_restarts`` times.

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.sssp import ShortestPaths
    >>> g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3], weights=[1.0, 5.0, 1.0])
    >>> pregel.run(g, ShortestPaths(source=1), workers=2).to_dict()
    {1: 0.0, 2: 1.0, 3: 2.0}
    """
    if not (isinstance(program, Program) or isinstance(program, type) and issubclass(program, Program)):
        raise TypeError(
            f"the program must be a Vertex or BatchProgram subclass, or an instance of one; got {program!r}"
        )
    if isinstance(program, type):
        program = program()
    if isinstance(graph, (str, os.PathLike)):
        held = backend == "ray" and not trace and splittable(graph)
        if not held:
            graph = read_edges(graph, undirected=undirected)
            undirected = False
    else:
        graph = as_graph(graph, undirected)
        undirected = False
    for name, count, least in (("max_supersteps", max_supersteps, 0), ("workers", workers, 1), ("threads", threads, 1)):
        _check_count(name, count, least)
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
    unknown = sorted(set(backend_options) - BACKEND_OPTIONS[backend])
    if unknown:
        takes = ", ".join(f"{name}=" for name in sorted(BACKEND_OPTIONS[backend])) or "none"
        raise InputError(f"unknown option {unknown[0]}= for backend {backend!r} (its own options: {takes})")
    if threads is not None:
        if backend != "local":
            raise InputError(f"threads= needs the local backend ({backend!r} runs one partition per worker)")
        backend_options["threads"] = threads

    def checkpointer_for(graph: Any) -> Checkpointer:
        return Checkpointer(
            checkpoint_dir,
            checkpoint_every,
            graph,
            program,
            resume,
            on_recovery,
            max_restarts,
            resume_with_new_code,
            confined_recovery,
        )

    if isinstance(graph, (str, os.PathLike)):
        backend_options.update(restarts=max_restarts, on_recovery=on_recovery)
        return _run_held(
            str(graph),
            program,
            undirected,
            workers,
            backend_options,
            checkpointer_for,
            max_supersteps,
            on_superstep,
            collect,
        )
    check_weights(graph, program)
    check_rules(program)
    program = program.on_graph(graph)
    if trace:
        if backend != "local":
            raise InputError(f"trace=True needs the local backend, not {backend!r}")
        if resume:
            raise InputError("trace=True cannot resume: the trace would miss the supersteps before the checkpoint")
        backend_options["trace"] = True
    checkpointer = checkpointer_for(graph)
    if resume and workers is None:
        # the default depends on the machine; the checkpoint's count is the one that resumes
        workers = checkpointer.partitions()
    return execute(
        graph,
        program,
        lambda: make_backend(backend, graph, program, workers, **backend_options),
        max_supersteps=max_supersteps,
        on_superstep=on_superstep,
        trace=trace,
        checkpointer=checkpointer,
        collect=collect,
    )


def _run_held(
    path: str,
    program: Program,
    undirected: bool,
    workers: int | None,
    options: dict[str, Any],
    checkpointer_for: Callable[[Any], Checkpointer],
    max_supersteps: int | None,
    on_superstep: Callable[[SuperstepStats], None] | None,
    collect: Sequence[Collector],
) -> Result:
    """Run on Ray with the graph loaded by the workers (:class:`pregel.backends.ray.HeldRayBackend`).

    ``checkpointer_for``: the run's checkpointer for a graph. The backend loads the graph
    before the checkpoint folder is looked at: the graph's fingerprint (which a checkpoint
    records) is known only once the workers read it.
    """
    check_rules(program)
    backend = held_ray_backend()(held_input(path, undirected), program, workers, **options)
    try:
        checkpointer = checkpointer_for(backend.graph)
    except BaseException:
        backend.close()
        raise
    checkpointer.loading = list(backend.reloads)
    return execute(
        backend.graph,
        program,
        lambda: backend,
        max_supersteps=max_supersteps,
        on_superstep=on_superstep,
        checkpointer=checkpointer,
        collect=collect,
    )


def held_input(path: str, undirected: bool = False) -> HeldInput:
    r"""The input of a load by the workers themselves: how they list, assign and read the shares of ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "edges.txt").write_text("1 2\n2 3\n")
    >>> held_input(str(folder / "edges.txt")).size
    8
    """
    return HeldInput(
        path,
        shares.list_shares,
        shares.assign,
        shares.read_share,
        shares.chunks,
        shares.read_chunk,
        undirected=undirected,
        nothing=shares.no_edges(path),
        size=shares.input_bytes(path),
    )


def held_ray_backend() -> type[Backend]:
    """The Ray backend that loads a graph in its workers (InputError saying how to install Ray where it is missing)."""
    ray_backend()
    from pregel.backends.ray import HeldRayBackend

    return HeldRayBackend


def make_backend(name: str, graph: Graph, program: Program, workers: int | None, **options: Any) -> Backend:
    """The backend ``name`` with the graph cut into ``workers`` partitions (``None``: the backend's default).

    Ray is imported only here, and only when asked for: without it the local engine
    works, and ``backend="ray"`` says how to install it.
    """
    if name == "local":
        from pregel.backends.local import LocalBackend

        return LocalBackend(graph, program, workers, **options)
    return ray_backend()(graph, program, workers, **options)


def ray_backend() -> type[Backend]:
    """The Ray backend's class; InputError saying how to install Ray where it is missing.

    Examples
    --------
    >>> try:
    ...     ray_backend().__name__
    ... except InputError as missing:
    ...     str(missing)
    'RayBackend'
    """
    try:
        from pregel.backends.ray import RayBackend
    except ImportError as missing:
        if missing.name is None or not missing.name.startswith("ray"):
            raise
        raise InputError("the ray backend needs Ray: pip install 'pregel[ray]'") from None
    return RayBackend
