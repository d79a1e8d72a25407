"""Vertex: the scalar API, as in the Pregel paper. Users subclass it and write ``compute``.

One ``Vertex`` object per partition is pointed at each active vertex in turn (no
object per vertex). Values and messages are plain Python values during ``compute``;
sends are collected in lists and routed as arrays afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pregel.messages import as_message_array, object_array
from pregel.program import Program

if TYPE_CHECKING:
    from pregel.messages import Mail, Outbox
    from pregel.partition import Partition


class Vertex(Program):
    """Subclass and write ``compute(self, messages)``; the engine calls it per active vertex.

    Class attributes declare ``combiner`` (messages then arrive combined: one value,
    or ``None`` when none arrived; without a combiner ``messages`` is a list),
    ``aggregators`` (name → aggregator), ``initial_value`` (a constant, or a method
    ``initial_value(self)`` that may read ``self.id``) and ``value_dtype``
    (``object`` for arbitrary Python values). Other class attributes are parameters:
    ``MyProgram(param=value)``.

    Inside ``compute``: ``id``, ``value`` (settable), ``superstep``,
    ``num_vertices``, ``out_degree``, ``out_edges``, ``send_message``,
    ``send_message_to_all_neighbors``, ``vote_to_halt``, ``aggregate`` and
    ``aggregated``.

    Examples
    --------
    Every vertex learns the largest value in its connected component (the paper's
    first example):

    >>> import pregel
    >>> from pregel.combiners import Max
    >>> class MaxValue(Vertex):
    ...     combiner = Max
    ...     def initial_value(self):
    ...         return float(self.id)
    ...     def compute(self, messages):
    ...         if self.superstep == 0 or (messages is not None and messages > self.value):
    ...             if messages is not None:
    ...                 self.value = messages
    ...             self.send_message_to_all_neighbors(self.value)
    ...         self.vote_to_halt()
    >>> g = pregel.Graph.from_edges([3, 6, 2, 1], [6, 2, 1, 6])
    >>> pregel.run(g, MaxValue).to_dict()
    {1: 6.0, 2: 6.0, 3: 3.0, 6: 6.0}
    """

    def compute(self, messages: Any) -> None:
        """Run one vertex for one superstep. Override this."""
        raise NotImplementedError(f"{type(self).__name__} must define compute(self, messages)")

    # ------------------------------------------------------------- vertex state
    @property
    def id(self) -> int:
        """The vertex's original id."""
        return self._ids[self._i]

    @property
    def value(self) -> Any:
        """The vertex's value (settable)."""
        return self._values[self._i]

    @value.setter
    def value(self, new: Any) -> None:
        self._values[self._i] = new

    @property
    def out_degree(self) -> int:
        """Number of out-edges."""
        return self._degree[self._i]

    @property
    def out_edges(self) -> tuple[np.ndarray, np.ndarray]:
        """``(targets, weights)``: original ids of the out-neighbours and the edge weights (1 if unweighted)."""
        part = self._partition
        a, b = part.indptr[self._i], part.indptr[self._i + 1]
        targets = part.data.ids[part.indices[a:b]]
        weights = np.ones(b - a) if part.weights is None else part.weights[a:b]
        return targets, weights

    # ------------------------------------------------------------------ actions
    def send_message(self, target: int, message: Any) -> None:
        """Send ``message`` to the vertex with original id ``target`` (delivered next superstep)."""
        self._send_targets.append(target)
        self._send_values.append(message)

    def send_message_to_all_neighbors(self, message: Any) -> None:
        """Send ``message`` along every out-edge."""
        self._broadcast_senders.append(self._i)
        self._broadcast_values.append(message)

    def vote_to_halt(self) -> None:
        """Go inactive until a message arrives."""
        self._halted.append(self._i)

    def aggregate(self, name: str, value: Any) -> None:
        """Contribute ``value`` to aggregator ``name`` (visible to all next superstep)."""
        agg = self.aggregator(name)
        self._partials[name] = agg.merge(self._partials[name], agg.lift(value))

    def aggregated(self, name: str) -> Any:
        """The value aggregator ``name`` reached in the previous superstep."""
        self.aggregator(name)
        return self._aggregated[name]

    # ------------------------------------------------------------ engine hooks
    def _bind(self, partition: Partition) -> None:
        self._partition = partition
        self._ids = partition.ids.tolist()
        self._degree = partition.out_degree.tolist()
        self.num_vertices = partition.num_vertices

    def initial_values(self, partition: Partition) -> np.ndarray:
        self._bind(partition)
        cls = type(self)
        if not callable(cls.initial_value):
            return self.constant_values(partition.size)
        self._values = [None] * partition.size
        for i in range(partition.size):
            self._i = i
            self._values[i] = self.initial_value()
        return _to_array(self._values, self.value_dtype)

    def run_superstep(
        self, partition: Partition, superstep: int, aggregated: dict[str, Any], mail: Mail, outbox: Outbox
    ) -> tuple[int, dict[str, Any]]:
        self._bind(partition)
        self.superstep = superstep
        self._aggregated = aggregated
        self._partials = self.new_partials()
        self._values = partition.values.tolist()
        self._send_targets, self._send_values, self._send_senders = [], [], []
        self._broadcast_senders, self._broadcast_values = [], []
        self._halted = []
        computing = partition.computing(mail)
        order = range(partition.size) if computing is None else computing.tolist()
        compute = self.compute if outbox.log is None else self._compute_noting_senders
        if mail.combined:
            inbox = mail.dense(None).tolist() if len(mail.block) else [None] * partition.size
            for i in order:
                self._i = i
                compute(inbox[i])
        else:
            ptr = mail.indptr.tolist()
            messages = mail.block.values.tolist()
            for i in order:
                self._i = i
                compute(messages[ptr[i] : ptr[i + 1]])
        partition.values = _to_array(self._values, self.value_dtype)
        if computing is None:
            partition.active[:] = True
        else:
            partition.active[computing] = True
        partition.active[self._halted] = False
        if self._broadcast_senders:
            senders = np.array(self._broadcast_senders, dtype=np.int64)
            outbox.broadcast(
                None if np.array_equal(senders, np.arange(partition.size)) else senders,
                as_message_array(self._broadcast_values),
            )
        if self._send_targets:
            outbox.send(
                partition.global_index(self._send_targets), as_message_array(self._send_values), self._send_senders
            )
        return len(order), self._partials

    def _compute_noting_senders(self, messages: Any) -> None:
        """``compute``, remembering which vertex sent each ``send_message`` (for a trace)."""
        before = len(self._send_targets)
        self.compute(messages)
        self._send_senders.extend([self._i] * (len(self._send_targets) - before))


def _to_array(values: list[Any], dtype: Any) -> np.ndarray:
    if np.dtype(dtype) == object:
        return object_array(values)
    return np.asarray(values, dtype=dtype)
