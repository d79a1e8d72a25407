"""The embedded default backend: every partition in this process, run by a pool of threads.

The partitions of a superstep are independent until the barrier, so each runs in a
thread of its own: numpy over their arrays, the compiled message kernels, combining,
folding the inbox and routing release the GIL and proceed at once on several cores.
Python that holds the GIL (the loop of a scalar ``Vertex``) gains nothing from threads
and loses time handing the GIL over: such a program's partitions run one after another
unless ``threads`` says otherwise. Each partition computes with its own copy of the program,
as each Ray worker does, so nothing a program keeps on ``self`` during a superstep is
shared between threads.

The results do not depend on the number of threads: a partition's superstep reads only
its own state and the previous superstep's mail, its inbox folds the blocks in the
order of their sending partitions, and the engine merges the aggregators' partials in
partition order.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import numpy as np

from pregel.core.checkpoint import write_parts
from pregel.core.cores import available_cores
from pregel.core.graph import Graph
from pregel.core.partition import Partition, rows, split
from pregel.core.program import Program
from pregel.core.types import PartitionStatus, PartRecord

PARTITION_WORK = 500_000
"""Edges + vertices a partition needs before a partition and a thread of its own pay for themselves.

Each partition adds fixed costs to a superstep (its blocks, folding one more block,
handing it to a thread): PageRank on a 250k-edge R-MAT graph takes 0.41 ms a
superstep in one partition and 0.64 ms in two run one after another, so two threads
gain nothing below about this much work each.
"""


def default_partitions(graph: Graph) -> int:
    """One partition per core, as long as each gets at least :data:`PARTITION_WORK` of edges + vertices.

    Examples
    --------
    >>> default_partitions(Graph.from_edges([1, 2], [2, 3]))
    1
    """
    return max(1, min(available_cores(), (graph.num_edges + graph.num_vertices) // PARTITION_WORK))


class LocalBackend:
    """Partitions as plain objects; blocks handed over in memory; supersteps on a pool of threads.

    Parameters
    ----------
    graph : Graph
    program : Program
        Each partition computes with a shallow copy of it (its attributes set during a
        superstep stay its own); master compute runs on ``program`` itself.
    workers : int, optional
        Number of partitions (the routing between them is the same as on Ray), at most one
        per vertex; default :func:`default_partitions`: one per core on a graph large enough.
    threads : int, optional
        Threads that run the partitions' supersteps (at most one per partition); more
        threads than partitions go to the partitions' kernels (``threads // workers``
        each: the sort of the in-edges, :class:`~pregel.core.kernels.InEdges`).
        Default: :func:`default_partitions` of the graph (a thread per core, for
        partitions large enough to gain from one), or 1 for a program whose ``compute``
        holds the GIL (:meth:`~pregel.core.program.Program.holds_the_gil`). With 1 the
        partitions run one after another in the caller's thread.
    trace : bool
        Partitions report their state and messages each superstep (:mod:`pregel.core.trace`).

    Examples
    --------
    >>> from pregel.algorithms.components import ConnectedComponents
    >>> g = Graph.from_edges([1, 2], [2, 1])
    >>> backend = LocalBackend(g, ConnectedComponents(), workers=2, threads=2)
    >>> [s.computed for s in backend.superstep(0, {})]
    [1, 1]
    >>> backend.close()
    """

    def __init__(
        self,
        graph: Graph,
        program: Program,
        workers: int | None = None,
        threads: int | None = None,
        trace: bool = False,
    ) -> None:
        self.program = program
        self.trace = trace
        # more partitions than vertices would be empty ones, each costing its share of every superstep
        self.count = min(workers or default_partitions(graph), max(1, graph.num_vertices))
        self.graph = graph
        if threads is None:
            threads = 1 if program.holds_the_gil() else default_partitions(graph)
        # more threads than partitions: each partition's kernels share the threads no partition keeps busy
        self._kernel_threads = max(1, threads // self.count)
        self.partitions = self._make()
        self.threads = min(threads, len(self.partitions))
        # the caller's thread is one of the threads: it runs its share instead of waiting
        self._pool = None
        if self.threads > 1:
            self._pool = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="pregel-partition")

    def superstep(self, superstep: int, aggregated: dict[str, Any]) -> list[PartitionStatus]:
        """Run every partition (in parallel threads), then deliver each block to its destination partition."""
        results = self._each(lambda p: p.superstep(superstep, aggregated))
        self._deliver([blocks for _, blocks in results])
        return [status for status, _ in results]

    def resend(self, superstep: int) -> None:
        """Every partition makes the blocks superstep ``superstep`` sent again (a light checkpoint's messages)."""
        self._deliver(self._each(lambda p: p.resend(superstep)))

    def _deliver(self, sent: list[dict[int, Any]]) -> None:
        """Each block to its destination partition, in the order of the sending partitions."""
        # one pass over what was sent: a partition sends to a few others, not to every one
        incoming: list[list[Any]] = [[] for _ in self.partitions]
        for blocks in sent:
            for q, block in blocks.items():
                incoming[q].append(block)
        for partition, blocks in zip(self.partitions, incoming):
            partition.receive(blocks)

    def _each(self, task: Callable[[Partition], Any]) -> list[Any]:
        """``task`` of every partition, in partition order; a failure is the lowest failing partition's.

        Thread ``k`` runs partitions ``k, k + threads, ...`` in turn (the caller's thread
        is thread 0) and stops at its first failure; the partitions are cut to about
        equal work, so the shares are too. Every partition below the lowest failing one
        has run, so the error raised is the one a single thread would meet first.
        """
        if self._pool is None:
            return [task(p) for p in self.partitions]
        shares = [self.partitions[k :: self.threads] for k in range(self.threads)]
        others = [self._pool.submit(_run_share, task, share) for share in shares[1:]]
        try:
            outcomes = [_run_share(task, shares[0])]
        finally:
            # no partition may still be running when this returns, failed or not
            wait(others)
        outcomes += [future.result() for future in others]
        results = []
        for i in range(len(self.partitions)):
            # share k holds partitions k, k + threads, ...: interleave them back into partition order
            done, failure = outcomes[i % self.threads]
            if i // self.threads == len(done):
                raise failure
            results.append(done[i // self.threads])
        return results

    @property
    def num_partitions(self) -> int:
        """How many partitions the graph is cut into."""
        return len(self.partitions)

    def save(self, folder: Path, messages: bool = True) -> Callable[[], list[PartRecord]]:
        """Copy every partition's state now (with its pending messages if ``messages``); the function
        returned writes their parts into ``folder``.

        The writing may happen in another thread while the next supersteps run.
        """
        states = [(p.index, p.state(messages)) for p in self.partitions]
        return lambda: write_parts(folder, states)

    def restore(self, folder: Path, parts: list[PartRecord]) -> None:
        """Each partition reads its part of a checkpoint back (all or, on a damaged part, an error)."""
        for partition, record in zip(self.partitions, parts):
            partition.restore(folder, record)

    def values(self) -> np.ndarray:
        """Every vertex's value, in global index order."""
        return np.concatenate([p.values for p in self.partitions])

    def apply(self, task: Callable[[int, np.ndarray, np.ndarray], Any]) -> list[Any]:
        """``task(index, ids, values)`` of every partition, on the threads; the results in partition order."""
        return self._each(lambda p: task(p.index, p.ids, p.values))

    def restart(self, graph: Graph | None = None) -> None:
        """Every partition as before superstep 0, cut from ``graph`` if given (nothing is lost in-process)."""
        if graph is not None:
            self.graph = graph
        self.partitions = self._make()

    def states(self) -> list[dict[str, np.ndarray]]:
        """Every partition's state (values, active flags, pending inbox), in partition order."""
        return [p.state() for p in self.partitions]

    def reshape(self, graph: Graph, bounds: np.ndarray, states: list[dict[str, np.ndarray] | None]) -> None:
        """The partitions of a mutated ``graph``, each in its state; a partition whose state is None stays as it is."""
        self.graph = graph
        for k, state in enumerate(states):
            if state is not None:
                self.partitions[k] = Partition(rows(graph, bounds, k), copy.copy(self.program), self.trace, state)
                self.partitions[k].threads = self._kernel_threads

    def _make(self) -> list[Partition]:
        partitions = [Partition(data, copy.copy(self.program), self.trace) for data in split(self.graph, self.count)]
        for partition in partitions:
            partition.threads = self._kernel_threads
        return partitions

    def close(self) -> None:
        """Stop the threads."""
        if self._pool is not None:
            self._pool.shutdown()


def _run_share(task: Callable[[Partition], Any], share: list[Partition]) -> tuple[list[Any], BaseException | None]:
    """``task`` of each partition of ``share`` in turn, up to the first failure: the results, and that failure."""
    done = []
    for partition in share:
        try:
            done.append(task(partition))
        except BaseException as failure:  # handed to the caller, who raises the lowest partition's
            return done, failure
    return done, None
