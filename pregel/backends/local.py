"""The embedded default backend: every partition in this process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from pregel.core.checkpoint import write_part
from pregel.core.graph import Graph
from pregel.core.partition import Partition, split
from pregel.core.program import Program
from pregel.core.types import PartitionStatus, PartRecord


class LocalBackend:
    """Partitions as plain objects; blocks handed over in memory.

    Parameters
    ----------
    graph : Graph
    program : Program
    workers : int
        Number of partitions (the routing between them is the same as on Ray).
    trace : bool
        Partitions report their state and messages each superstep (:mod:`pregel.core.trace`).

    Examples
    --------
    >>> from pregel.algorithms.components import ConnectedComponents
    >>> g = Graph.from_edges([1, 2], [2, 1])
    >>> backend = LocalBackend(g, ConnectedComponents(), workers=2)
    >>> [s.computed for s in backend.superstep(0, {})]
    [1, 1]
    """

    def __init__(self, graph: Graph, program: Program, workers: int = 1, trace: bool = False) -> None:
        self._make = lambda: [Partition(data, program, trace) for data in split(graph, workers)]
        self.partitions = self._make()

    def superstep(self, superstep: int, aggregated: dict[str, Any]) -> list[PartitionStatus]:
        """Run every partition, then deliver each block to its destination partition."""
        results = [p.superstep(superstep, aggregated) for p in self.partitions]
        for q, partition in enumerate(self.partitions):
            partition.receive([blocks[q] for _, blocks in results if q in blocks])
        return [status for status, _ in results]

    @property
    def num_partitions(self) -> int:
        """How many partitions the graph is cut into."""
        return len(self.partitions)

    def save(self, folder: Path) -> Callable[[], list[PartRecord]]:
        """Copy every partition's state now; the function returned writes their parts into ``folder``.

        The writing may happen in another thread while the next supersteps run.
        """
        states = [(p.index, p.state()) for p in self.partitions]
        return lambda: [write_part(folder, index, state) for index, state in states]

    def restore(self, folder: Path, parts: list[PartRecord]) -> None:
        """Each partition reads its part of a checkpoint back (all or, on a damaged part, an error)."""
        for partition, record in zip(self.partitions, parts):
            partition.restore(folder, record)

    def values(self) -> np.ndarray:
        """Every vertex's value, in global index order."""
        return np.concatenate([p.values for p in self.partitions])

    def restart(self) -> None:
        """Every partition as before superstep 0 (nothing is lost in-process; the engine's protocol asks for it)."""
        self.partitions = self._make()

    def close(self) -> None:
        """Nothing to release in-process."""
