"""The superstep loop: compute → route/combine → barrier → aggregate → master → halt?

The engine owns the semantics (when to stop, what an aggregator means, what master
compute sees); a backend only decides where partitions live and how blocks travel.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pregel.checkpoint import DEFAULT_MAX_RESTARTS, Checkpointer, Recovery, RunState
from pregel.errors import InputError, WorkerLost
from pregel.graph import Graph
from pregel.partition import PartitionStatus
from pregel.program import Program
from pregel.trace import Recorder, Trace

BACKENDS = ("local", "ray")


@dataclass
class SuperstepStats:
    """What happened in one superstep, summed over partitions."""

    superstep: int
    active: int
    messages_sent: int
    messages_combined: int
    seconds: float
    aggregated: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for JSON)."""
        return {
            "superstep": self.superstep,
            "active": self.active,
            "messages_sent": self.messages_sent,
            "messages_combined": self.messages_combined,
            "seconds": self.seconds,
            "aggregated": {k: _plain(v) for k, v in self.aggregated.items()},
        }


@dataclass
class Result:
    """The outcome of a run: final values aligned with ``graph.ids``, and how the run went.

    Attributes
    ----------
    graph : Graph
    values : numpy.ndarray
        ``values[i]`` belongs to vertex ``graph.ids[i]``.
    supersteps : int
        Number of supersteps executed.
    stats : list of SuperstepStats
    aggregated : dict
        Aggregator values after the last superstep.
    stopped_by : str
        ``"halted"`` (every vertex halted, no message in flight), ``"master"``
        (master compute stopped the run) or ``"max_supersteps"``.
    trace : Trace or None
        The run superstep by superstep, when it ran with ``trace=True``.
    recoveries : list of Recovery
        Each resume from a checkpoint and each recovery from a lost worker.

    Examples
    --------
    >>> import pregel
    >>> from algorithms.components import ConnectedComponents
    >>> g = pregel.Graph.from_edges([1, 5], [2, 6]).to_undirected()
    >>> r = pregel.run(g, ConnectedComponents)
    >>> r.to_dict(), r[6], r.stopped_by
    ({1: 1, 2: 1, 5: 5, 6: 5}, 5, 'halted')
    """

    graph: Graph
    values: np.ndarray
    supersteps: int
    stats: list[SuperstepStats]
    aggregated: dict[str, Any]
    stopped_by: str
    trace: Trace | None = None
    recoveries: list[Recovery] = field(default_factory=list)

    @property
    def ids(self) -> np.ndarray:
        """Original vertex ids, aligned with ``values``."""
        return self.graph.ids

    def __getitem__(self, vertex: int) -> Any:
        return self.values[self.graph.index_of(vertex)[0]].item()

    def to_dict(self) -> dict[int, Any]:
        """``{original id: value}`` with plain Python values."""
        return dict(zip(self.graph.ids.tolist(), self.values.tolist()))

    def to_table(self) -> dict[str, np.ndarray]:
        """The result as columns ``vertex`` and ``value``, a table without pandas.

        ``pandas.DataFrame(result.to_table())`` and ``pyarrow.table(result.to_table())``
        accept it as it is.

        Examples
        --------
        >>> import pregel
        >>> from algorithms.components import ConnectedComponents
        >>> r = pregel.run(pregel.Graph.from_edges([1, 5], [2, 6]).to_undirected(), ConnectedComponents)
        >>> {name: column.tolist() for name, column in r.to_table().items()}
        {'vertex': [1, 2, 5, 6], 'value': [1, 1, 5, 5]}
        """
        return {"vertex": self.graph.ids, "value": self.values}

    def to_numpy(self) -> np.ndarray:
        """The result as one structured array with fields ``vertex`` and ``value``.

        Examples
        --------
        >>> import pregel
        >>> from algorithms.components import ConnectedComponents
        >>> r = pregel.run(pregel.Graph.from_edges([1, 5], [2, 6]).to_undirected(), ConnectedComponents)
        >>> r.to_numpy()["value"].tolist()
        [1, 1, 5, 5]
        """
        from pregel.formats import as_records

        return as_records(self.graph.ids, self.values)

    @property
    def seconds(self) -> float:
        """Total seconds spent in supersteps."""
        return sum(s.seconds for s in self.stats)


class Master:
    """What master compute sees between supersteps."""

    def __init__(self, superstep: int, num_vertices: int, aggregated: dict[str, Any], program: Program) -> None:
        self.superstep = superstep
        self.num_vertices = num_vertices
        self._aggregated = aggregated
        self._program = program
        self.halted = False

    def aggregated(self, name: str) -> Any:
        """The value of aggregator ``name`` after the superstep just finished."""
        self._program.aggregator(name)
        return self._aggregated[name]

    def halt(self) -> None:
        """Stop the run after this superstep."""
        self.halted = True


def run(
    graph: Graph,
    program: Program | type[Program],
    *,
    backend: str = "local",
    workers: int | None = None,
    max_supersteps: int | None = None,
    on_superstep: Callable[[SuperstepStats], None] | None = None,
    trace: bool = False,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    on_recovery: Callable[[Recovery], None] | None = None,
    max_restarts: int = DEFAULT_MAX_RESTARTS,
    **backend_options: Any,
) -> Result:
    """Run a vertex program on a graph, superstep by superstep, until it halts.

    Parameters
    ----------
    graph : Graph
    program : Vertex or BatchProgram subclass, or an instance of one
        An instance carries the program's parameters, e.g. ``SSSP(source=1)``.
    backend : {"local", "ray"}
        Where the partitions live: in this process, or as Ray actors.
    workers : int, optional
        Number of partitions (default 1 for local).
    max_supersteps : int, optional
        Stop after this many supersteps even if vertices are still active
        (default: no limit).
    on_superstep : callable, optional
        Called with each superstep's :class:`SuperstepStats` (progress display).
    trace : bool
        Record every superstep (values, halted flags, messages, statistics) in
        ``result.trace`` (a :class:`~pregel.trace.Trace`); local backend only. Off, it
        costs nothing.
    checkpoint_dir : str or path, optional
        Write a checkpoint into this folder every ``checkpoint_every`` supersteps
        (see :mod:`pregel.checkpoint`). It must be empty or new unless ``resume``.
    checkpoint_every : int, optional
        Supersteps between checkpoints (default 10 when ``checkpoint_dir`` is set).
    resume : bool
        Continue from the newest good checkpoint in ``checkpoint_dir``; the result
        is the same, bit for bit, as that of a run that never stopped (with the same
        number of workers).
    on_recovery : callable, optional
        Called with a :class:`~pregel.checkpoint.Recovery` when the run resumes or
        recovers from a lost worker (progress display).
    max_restarts : int
        When a worker dies (Ray), start fresh workers and roll every partition back to
        the last checkpoint (or to superstep 0 without one), at most this many times.
    **backend_options
        Passed to the backend (for Ray: ``ray_address``).

    Returns
    -------
    Result

    Raises
    ------
    InputError
        For an unknown backend, a bad argument, or a negative edge weight when the
        program declares ``allow_negative_weights = False``.
    CheckpointError
        With ``resume``: for a folder without a good checkpoint, or one made for
        another graph, program (or parameters) or partition count. Without: for a
        folder that already holds checkpoints.
    WorkerLost
        When workers die more than ``max_restarts`` times.

    Examples
    --------
    >>> import pregel
    >>> from algorithms.sssp import ShortestPaths
    >>> g = pregel.Graph.from_edges([1, 1, 2], [2, 3, 3], weights=[1.0, 5.0, 1.0])
    >>> pregel.run(g, ShortestPaths(source=1), workers=2).to_dict()
    {1: 0.0, 2: 1.0, 3: 2.0}
    """
    if isinstance(program, type):
        program = program()
    if max_supersteps is not None and max_supersteps < 0:
        raise InputError(f"max_supersteps must be >= 0, got {max_supersteps}")
    _check_weights(graph, program)
    if trace:
        if backend != "local":
            raise InputError(f"trace=True needs the local backend, not {backend!r}")
        if resume:
            raise InputError("trace=True cannot resume: the trace would miss the supersteps before the checkpoint")
        backend_options["trace"] = True
    checkpointer = Checkpointer(checkpoint_dir, checkpoint_every, graph, program, resume, on_recovery, max_restarts)
    parts = _make_backend(backend, graph, program, workers, **backend_options)
    try:
        recorder = Recorder(graph, program, parts.values()) if trace else None
        result = _recovering(graph, program, parts, max_supersteps, on_superstep, recorder, checkpointer)
        checkpointer.wait()
        return result
    finally:
        checkpointer.close()
        parts.close()


def _recovering(
    graph: Graph,
    program: Program,
    backend: Any,
    max_supersteps: int | None,
    on_superstep: Callable[[SuperstepStats], None] | None,
    recorder: Recorder | None,
    checkpointer: Checkpointer,
) -> Result:
    """The superstep loop, taken up again from the last checkpoint whenever a worker is lost."""
    run = checkpointer.start(backend)
    if max_supersteps is not None and run.superstep > max_supersteps:
        raise InputError(f"the checkpoint is at superstep {run.superstep}, past max_supersteps {max_supersteps}")
    while True:
        try:
            stopped_by = _superstep_loop(
                graph, program, backend, run, max_supersteps, on_superstep, recorder, checkpointer
            )
            values = backend.values()
        except WorkerLost as lost:
            run = checkpointer.recover(backend, run, lost)
            continue
        trace = None if recorder is None else recorder.trace()
        return Result(graph, values, run.superstep, run.history, run.aggregated, stopped_by, trace, run.recoveries)


def _superstep_loop(
    graph: Graph,
    program: Program,
    backend: Any,
    run: RunState,
    max_supersteps: int | None,
    on_superstep: Callable[[SuperstepStats], None] | None,
    recorder: Recorder | None,
    checkpointer: Checkpointer,
) -> str:
    """Run supersteps from where ``run`` stands until the run stops; returns why it stopped."""
    while max_supersteps is None or run.superstep < max_supersteps:
        start = time.perf_counter()
        statuses = backend.superstep(run.superstep, run.aggregated)
        aggregated = _merge_partials(program, statuses)
        master = Master(run.superstep, graph.num_vertices, aggregated, program)
        program.master_compute(master)
        stats = SuperstepStats(
            superstep=run.superstep,
            active=sum(s.computed for s in statuses),
            messages_sent=sum(s.sent for s in statuses),
            messages_combined=sum(s.combined for s in statuses),
            seconds=time.perf_counter() - start,
            aggregated=aggregated,
        )
        run.advance(stats)
        if recorder is not None:
            recorder.record(stats, statuses)
        if on_superstep is not None:
            on_superstep(stats)
        if master.halted:
            return "master"
        if stats.messages_combined == 0 and all(s.active == 0 for s in statuses):
            return "halted"
        checkpointer.maybe_save(run, backend)
    return "max_supersteps"


def _merge_partials(program: Program, statuses: list[PartitionStatus]) -> dict[str, Any]:
    merged = program.new_partials()
    for status in statuses:
        for name, partial in status.partials.items():
            merged[name] = program.aggregators[name].merge(merged[name], partial)
    return merged


def _make_backend(name: str, graph: Graph, program: Program, workers: int | None, **options: Any) -> Any:
    if name == "local":
        from pregel.backends.local import LocalBackend

        return LocalBackend(graph, program, workers or 1, **options)
    if name == "ray":
        from pregel.backends.ray import RayBackend

        return RayBackend(graph, program, workers, **options)
    raise InputError(f"unknown backend {name!r} (choose from {', '.join(BACKENDS)})")


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _check_weights(graph: Graph, program: Program) -> None:
    """InputError naming the first negative edge, for a program that declares it cannot take one."""
    if program.allow_negative_weights or graph.weights is None:
        return
    negative = np.flatnonzero(graph.weights < 0)
    if negative.size:
        k = int(negative[0])
        source, target = graph.ids[graph.sources[k]], graph.ids[graph.indices[k]]
        raise InputError(
            f"edge {source} -> {target} has weight {float(graph.weights[k])!r}, but {type(program).__name__} "
            f"needs non-negative weights ({negative.size} negative in all)"
        )
