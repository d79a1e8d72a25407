"""A run recorded superstep by superstep: values, halted flags, messages and statistics.

Off by default; ``pregel.run(..., trace=True)`` turns it on and the result gets a
:class:`Trace`. The engine's own loop does the work: each partition gives its outbox a
:class:`MessageLog`, reports a :class:`PartitionTrace` with its status, and a
:class:`Recorder` on the driver puts the partitions together into one
:class:`StepTrace` per superstep. With tracing off none of this exists.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.core.graph import find
from pregel.core.messages import Inbox, as_message_array, concat_messages
from pregel.core.types import PartitionStatus, PartitionTrace, SuperstepStats

if TYPE_CHECKING:
    from pregel.core.graph import Graph
    from pregel.core.program import Program


class MessageLog:
    """Every message one partition sends in a superstep, with its sender when known.

    Parameters
    ----------
    lo : int
        Global index of the partition's first vertex (senders arrive as local indices).
    """

    def __init__(self, lo: int) -> None:
        self.lo = lo
        self.senders: list[np.ndarray] = []
        self.targets: list[np.ndarray] = []
        self.values: list[np.ndarray] = []

    def add(self, senders: Any, targets: np.ndarray, values: np.ndarray) -> None:
        """Note messages ``values[k]`` from local vertex ``senders[k]`` (``None``: unknown) to global ``targets[k]``."""
        targets = np.asarray(targets, dtype=np.int64)
        if senders is None:
            self.senders.append(np.full(targets.size, -1, dtype=np.int64))
        else:
            self.senders.append(np.asarray(senders, dtype=np.int64) + self.lo)
        self.targets.append(targets)
        self.values.append(as_message_array(values).copy())

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(senders, targets, values)`` in the order sent; a sender is -1 when unknown."""
        if not self.targets:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        return np.concatenate(self.senders), np.concatenate(self.targets), concat_messages(self.values)


@dataclass
class StepTrace:
    """One superstep of a traced run, over the whole graph (vertices by global index).

    Attributes
    ----------
    stats : SuperstepStats
        The engine's statistics and aggregator values for this superstep.
    values : numpy.ndarray
        Every vertex's value after the superstep.
    active : numpy.ndarray
        ``False`` where the vertex voted to halt (it sleeps until a message arrives).
    computed : numpy.ndarray
        Which vertices ran ``compute`` in this superstep.
    senders, targets, messages : numpy.ndarray
        Every message sent, as sent: sender (-1 where the program named only the
        target), target and value.
    inbox_targets, inbox : numpy.ndarray
        What the targets read in the next superstep: one combined value per target
        when the program has a combiner, else every message, sorted by target.
    graph : Graph or None
        The graph this superstep ran on, whose indices the arrays above use: the
        trace's graph, unless mutations changed it (:mod:`pregel.core.mutations`).
    """

    stats: SuperstepStats
    values: np.ndarray
    active: np.ndarray
    computed: np.ndarray
    senders: np.ndarray
    targets: np.ndarray
    messages: np.ndarray
    inbox_targets: np.ndarray
    inbox: np.ndarray
    graph: Graph | None = None


@dataclass
class Trace:
    """A whole run, superstep by superstep (``result.trace`` of a traced run).

    Attributes
    ----------
    graph : Graph
        The graph the program started on (a step's ``graph`` is the one it ran on).
    program : str
        The program and its parameters, e.g. ``"ShortestPaths(source=1)"``.
    program_class : type
    initial : numpy.ndarray
        Every vertex's value before superstep 0.
    steps : list of StepTrace
        ``steps[s]`` is superstep ``s``.

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.sssp import ShortestPaths
    >>> g = pregel.Graph.from_edges([1, 2], [2, 3])
    >>> trace = pregel.run(g, ShortestPaths(source=1), trace=True).trace
    >>> [trace.values_after(k).tolist() for k in range(len(trace.steps) + 1)]
    [[inf, inf, inf], [0.0, inf, inf], [0.0, 1.0, inf], [0.0, 1.0, 2.0]]
    >>> step = trace.steps[1]                 # vertex 2 tells vertex 3 its distance is 2
    >>> g.ids[step.senders].tolist(), g.ids[step.targets].tolist(), step.messages.tolist()
    ([2], [3], [2.0])
    """

    graph: Graph
    program: str
    program_class: type
    initial: np.ndarray
    steps: list[StepTrace]

    def _renamed(self, ran: Graph | None, graph: Graph) -> Graph:
        """``ran`` (the run's first graph, or one a mutation left) with its vertices named as ``graph`` names them."""
        if ran is None or ran is self.graph:
            return graph
        where = np.searchsorted(self.graph.ids, ran.ids)
        labels = None if graph.labels is None else graph.labels[where]
        return type(graph)(graph.ids[where], ran.indptr, ran.indices, ran.weights, labels=labels)

    def values_after(self, supersteps: int) -> np.ndarray:
        """Every vertex's value once ``supersteps`` supersteps have run (0: the initial values)."""
        return self.initial if supersteps == 0 else self.steps[supersteps - 1].values

    def told_of(self, graph: Graph, order: np.ndarray | None = None) -> Trace:
        """This run told of ``graph``, whose vertex ``order[i]`` (an index) the run's vertex ``i`` stood for.

        An algorithm that runs on a view of the user's graph (renumbered, or with edges
        added) gives its trace back in the user's vertices, so that a replay page names
        them as the user does. ``order`` defaults to the same numbering. The values are
        moved, not changed: values that are vertex numbers stay the run's. With ``order``,
        for runs without topology mutations; without it, a graph a mutation left (its
        vertices some of the run's) is renamed the same way. Several of the run's vertices
        may stand for one of the user's (a run on two layers of the graph): it shows the
        value of the last of them, and is active, or computed, when any of them is.

        Examples
        --------
        >>> import pregel
        >>> from pregel.algorithms.sssp import ShortestPaths
        >>> view = pregel.Graph.from_edges([0, 1], [1, 2])      # 0, 1, 2 stand for 30, 10, 20
        >>> trace = pregel.run(view, ShortestPaths(source=0), trace=True).trace
        >>> user = pregel.Graph.from_edges([30, 10], [10, 20])
        >>> told = trace.told_of(user, np.array([2, 0, 1]))
        >>> told.graph.ids[told.steps[0].senders].tolist(), told.values_after(3).tolist()
        ([30], [1.0, 2.0, 0.0])
        """
        if order is None:
            steps = [dataclasses.replace(step, graph=self._renamed(step.graph, graph)) for step in self.steps]
            return dataclasses.replace(self, graph=graph, steps=steps)
        order = np.asarray(order, dtype=np.int64)
        shown = np.zeros(graph.num_vertices, dtype=np.int64)
        np.maximum.at(shown, order, np.arange(order.size))  # the last run vertex standing for each

        def moved(values: np.ndarray) -> np.ndarray:
            return values[shown]

        def any_of(flags: np.ndarray) -> np.ndarray:
            out = np.zeros(graph.num_vertices, dtype=bool)
            np.logical_or.at(out, order, flags)
            return out

        def step_told(step: StepTrace) -> StepTrace:
            readers = order[step.inbox_targets]
            by_reader = np.argsort(readers, kind="stable")
            return dataclasses.replace(
                step,
                values=moved(step.values),
                active=any_of(step.active),
                computed=any_of(step.computed),
                senders=np.where(step.senders >= 0, order[np.maximum(step.senders, 0)], -1),
                targets=order[step.targets],
                inbox_targets=readers[by_reader],
                inbox=step.inbox[by_reader],
                graph=graph,
            )

        return Trace(graph, self.program, self.program_class, moved(self.initial), [step_told(s) for s in self.steps])


class Recorder:
    """Builds a :class:`Trace` from what the partitions report after each superstep.

    Parameters
    ----------
    graph : Graph
    program : Program
    initial : numpy.ndarray
        Every vertex's value before superstep 0.
    """

    def __init__(self, graph: Graph, program: Program, initial: np.ndarray) -> None:
        self.graph = graph
        self.program = program
        self.initial = initial.copy()
        self.steps: list[StepTrace] = []

    def record(self, stats: SuperstepStats, statuses: list[PartitionStatus], graph: Graph | None = None) -> None:
        """Add one superstep from the partitions' statuses (in partition order); ``graph``: the one it ran on."""
        graph = graph or self.graph
        parts = [s.trace for s in statuses]
        if self.steps:
            last = self.steps[-1]
            computed = last.active.copy()
            computed[last.inbox_targets] = True
            before = last.graph or self.graph
            if before is not graph:
                computed = _carried(before.ids, computed, graph.ids)
        else:
            computed = np.ones(graph.num_vertices, dtype=bool)
        inbox_targets, inbox = self._inboxes(parts)
        self.steps.append(
            StepTrace(
                stats=stats,
                values=np.concatenate([p.values for p in parts]),
                active=np.concatenate([p.active for p in parts]),
                computed=computed,
                senders=np.concatenate([p.senders for p in parts]),
                targets=np.concatenate([p.targets for p in parts]),
                messages=concat_messages([p.messages for p in parts]),
                inbox_targets=inbox_targets,
                inbox=inbox,
                graph=graph,
            )
        )

    def _inboxes(self, parts: list[PartitionTrace]) -> tuple[np.ndarray, np.ndarray]:
        """Combine the outgoing blocks per destination exactly as the receiving inboxes will."""
        targets, values = [], []
        for q, part in enumerate(parts):
            inbox = Inbox(part.values.size, self.program.combiner)
            inbox.receive([p.blocks[q] for p in parts if q in p.blocks])
            mail = inbox.pending()
            targets.append(mail.targets.astype(np.int64) + part.lo)
            # a copy: a block can be its sender's buffer, which a later superstep writes again
            values.append(np.array(mail.values))
        return np.concatenate(targets), concat_messages(values)

    def trace(self) -> Trace:
        """The recording so far."""
        program = self.program
        return Trace(self.graph, program.describe(), type(program), self.initial, self.steps)


def _carried(old_ids: np.ndarray, flags: np.ndarray, new_ids: np.ndarray) -> np.ndarray:
    """``flags`` of the vertices ``old_ids``, for the vertices ``new_ids``: True for a vertex that is new."""
    pos, known = find(old_ids, new_ids)
    carried = np.ones(new_ids.size, dtype=bool)
    carried[known] = flags[pos[known]]
    return carried
