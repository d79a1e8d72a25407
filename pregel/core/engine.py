"""The superstep loop: compute → route/combine → barrier → aggregate → master → halt?

The engine owns the semantics (when to stop, what an aggregator means, what master
compute sees); a backend only decides where partitions live and how blocks travel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from pregel.core import mutations
from pregel.core.checkpoint import Checkpointer
from pregel.core.graph import Graph
from pregel.core.program import Program
from pregel.core.trace import Recorder
from pregel.core.types import Backend, Collector, PartitionStatus, PartitionTask, Result, RunState, SuperstepStats
from pregel.errors import InputError, WorkerLost


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

    def set_aggregated(self, name: str, value: Any) -> None:
        """Make ``value`` what every vertex reads as aggregator ``name`` in the next superstep.

        How master compute steers the vertices: it announces a phase, a threshold, a
        round. The value replaces what the vertices aggregated in the superstep just
        finished (the statistics of that superstep show it too), and is kept in
        checkpoints with the other aggregator values.
        """
        self._program.aggregator(name)
        self._aggregated[name] = value

    def halt(self) -> None:
        """Stop the run after this superstep."""
        self.halted = True


def execute(
    graph: Graph,
    program: Program,
    make_backend: Callable[[], Backend],
    *,
    max_supersteps: int | None = None,
    on_superstep: Callable[[SuperstepStats], None] | None = None,
    trace: bool = False,
    checkpointer: Checkpointer,
    collect: Sequence[Collector] = (),
) -> Result:
    """Run ``program`` on the partitions ``make_backend()`` builds, until it halts; the caller checks arguments.

    ``make_backend`` is called after the checkpoint folder has been checked, so a
    bad folder is refused before any worker starts. With ``collect``, the values stay
    where they are: each collector's task runs beside the partitions and its merge
    makes ``result.collected``; a failed run has every collector discard its work.
    """
    backend = make_backend()
    try:
        with _discarded_on_failure(collect):
            recorder = Recorder(graph, program, backend.values()) if trace else None
            result = _recovering(graph, program, backend, max_supersteps, on_superstep, recorder, checkpointer, collect)
            checkpointer.wait()
            # merged last: a collector's merge may say the output is complete (a folder's _SUCCESS)
            result.collected = _merged(collect, result.collected)
            return result
    except InputError:
        checkpointer.abandon()
        raise
    finally:
        checkpointer.close()
        backend.close()


def _recovering(
    graph: Graph,
    program: Program,
    backend: Backend,
    max_supersteps: int | None,
    on_superstep: Callable[[SuperstepStats], None] | None,
    recorder: Recorder | None,
    checkpointer: Checkpointer,
    collect: Sequence[Collector] = (),
) -> Result:
    """The superstep loop, taken up again from the last checkpoint whenever a worker is lost.

    With ``collect``, ``collected`` holds each partition's results of the collectors' tasks (unmerged).
    """
    run = checkpointer.start(backend)
    if max_supersteps is not None and run.superstep > max_supersteps:
        raise InputError(f"the checkpoint is at superstep {run.superstep}, past max_supersteps {max_supersteps}")
    while True:
        try:
            stopped_by = _superstep_loop(
                graph, program, backend, run, max_supersteps, on_superstep, recorder, checkpointer
            )
            if collect:
                tasks = [c.task(run.graph or graph, program.values_are_ids) for c in collect]
                values, pieces = None, backend.apply(Together(tasks))
            else:
                values, pieces = backend.values(), []
        except WorkerLost as lost:
            run = checkpointer.recover(backend, run, lost)
            continue
        trace = None if recorder is None else recorder.trace()
        return Result(
            run.graph or graph,
            values,
            run.superstep,
            run.history,
            run.aggregated,
            stopped_by,
            trace,
            run.recoveries,
            values_are_ids=program.values_are_ids,
            collected=pieces,
        )


def collect_on_driver(result: Result, collect: Sequence[Collector], parts: int = 1) -> list[Any]:
    """What ``collect`` makes of a result's values already in memory, cut into ``parts`` runs of vertices.

    For values finished on the driver over the whole graph (a relabelling, a reordering):
    the collectors see them as they would see a run's partitions, in vertex order; on a
    failure each discards its work.

    Examples
    --------
    >>> class Rows:
    ...     def task(self, graph, values_are_ids):
    ...         return lambda index, ids, values: (index, ids.tolist())
    ...     def merge(self, pieces):
    ...         return pieces
    >>> g = Graph.from_edges([1, 2], [2, 3])
    >>> collect_on_driver(Result(g, np.zeros(3), 1, [], {}, "halted"), [Rows()], parts=2)
    [[(0, [1]), (1, [2, 3])]]
    """
    if not collect:
        return []
    bounds = np.linspace(0, result.values.size, parts + 1).astype(np.int64)
    with _discarded_on_failure(collect):
        task = Together([c.task(result.graph, result.values_are_ids) for c in collect])
        pieces = [
            task(k, result.ids[lo:hi], result.values[lo:hi]) for k, (lo, hi) in enumerate(zip(bounds, bounds[1:]))
        ]
        return _merged(collect, pieces)


def _merged(collect: Sequence[Collector], pieces: list[list[Any]]) -> list[Any]:
    """Each collector's merge of its results, one per partition (``pieces[p][k]``: partition p's, collector k's)."""
    return [c.merge([piece[k] for piece in pieces]) for k, c in enumerate(collect)]


@contextmanager
def _discarded_on_failure(collect: Sequence[Collector]) -> Iterator[None]:
    """On a failure inside, every collector discards its work (no partial output), and the failure goes on."""
    try:
        yield
    except BaseException:
        for collector in collect:
            collector.discard()
        raise


class Together:
    """Several partition tasks as one: a single call per partition runs them all (a result for each)."""

    def __init__(self, tasks: Sequence[PartitionTask]) -> None:
        self.tasks = list(tasks)

    def __call__(self, index: int, ids: np.ndarray, values: np.ndarray) -> list[Any]:
        return [task(index, ids, values) for task in self.tasks]


def _superstep_loop(
    graph: Graph,
    program: Program,
    backend: Backend,
    run: RunState,
    max_supersteps: int | None,
    on_superstep: Callable[[SuperstepStats], None] | None,
    recorder: Recorder | None,
    checkpointer: Checkpointer,
) -> str:
    """Run supersteps from where ``run`` stands until the run stops; returns why it stopped."""
    while max_supersteps is None or run.superstep < max_supersteps:
        start = time.perf_counter()
        try:
            statuses = backend.superstep(run.superstep, run.aggregated)
        except WorkerLost as lost:
            # the lost partition alone replays where it can; otherwise the loss reaches _recovering
            statuses = checkpointer.confine(backend, run, lost)
        current = ran_on = run.graph or graph
        settled = mutations.settle(current, program, backend, statuses)
        if settled is not None:
            run.graph = current = settled.graph
        aggregated = _merge_partials(program, statuses)
        master = Master(run.superstep, current.num_vertices, aggregated, program)
        program.master_compute(master)
        stats = SuperstepStats(
            superstep=run.superstep,
            active=sum(s.computed for s in statuses),
            messages_sent=sum(s.sent for s in statuses),
            messages_combined=sum(s.combined for s in statuses),
            seconds=time.perf_counter() - start,
            aggregated=aggregated,
            compute_seconds=sum(s.seconds for s in statuses),
            slowest_seconds=max((s.seconds for s in statuses), default=0.0),
        )
        run.advance(stats)
        checkpointer.back(run)
        if recorder is not None:
            recorder.record(stats, statuses, ran_on)
        if on_superstep is not None:
            on_superstep(stats)
        if master.halted:
            return "master"
        if settled is not None:
            # the mutated partitions' counts: new vertices are active, settled messages in flight
            if settled.active == 0 and settled.pending == 0:
                return "halted"
        elif stats.messages_combined == 0 and all(s.active == 0 for s in statuses):
            return "halted"
        checkpointer.maybe_save(run, backend)
    return "max_supersteps"


def _merge_partials(program: Program, statuses: list[PartitionStatus]) -> dict[str, Any]:
    merged = program.new_partials()
    for status in statuses:
        for name, partial in status.partials.items():
            merged[name] = program.aggregators[name].merge(merged[name], partial)
    return merged


def check_weights(graph: Graph, program: Program) -> None:
    """InputError naming the first negative edge, for a program that declares it cannot take one."""
    if program.allow_negative_weights or graph.weights is None:
        return
    negative = np.flatnonzero(graph.weights < 0)
    if negative.size:
        k = int(negative[0])
        source, target = graph.original_ids[graph.sources[k]], graph.original_ids[graph.indices[k]]
        raise InputError(
            f"edge {source} -> {target} has weight {float(graph.weights[k])!r}, but {type(program).__name__} "
            f"needs non-negative weights ({negative.size} negative in all)"
        )
