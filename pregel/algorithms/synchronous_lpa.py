"""GraphX's label propagation: the synchronous rule of :func:`pregel.algorithms.lpa.label_propagation`.

In every superstep every vertex takes the label most frequent among its neighbours, the
smallest among equals, until no label changes; it may oscillate forever (a bipartite graph
swaps its two sides), hence ``max_supersteps``. Over arrays, and one vertex at a time (the
scalar twin).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import pregel
from pregel import BatchProgram, Sum, Vertex
from pregel.core import kernels


class SynchronousLabelPropagation(BatchProgram):
    """GraphX's label propagation: every vertex takes its neighbours' most frequent label, the smallest among equals.

    Stops when a superstep changes no label.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3, 4, 5, 6, 3], [2, 3, 1, 5, 6, 4, 4]).to_undirected()
    >>> pregel.run(g, SynchronousLabelPropagation).values.tolist()
    [1, 1, 1, 3, 3, 3]
    """

    aggregators = {"changed": Sum}
    value_dtype = np.int64

    def initial_value(self, v: pregel.VertexBatch) -> np.ndarray:
        return v.ids

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep > 0:
            got = v.all_messages
            receivers, smallest, _, _, _ = kernels.group_modes(got.receiver, got.values)
            labels = v.values.copy()
            labels[receivers] = smallest
            v.aggregate("changed", np.count_nonzero(labels != v.values))
            v.values = labels
        v.send_to_all_neighbors(v.values)

    def master_compute(self, master: Any) -> None:
        if master.superstep > 0 and master.aggregated("changed") == 0:
            master.halt()


class SynchronousLabelPropagationVertex(Vertex):
    """GraphX's label propagation one vertex at a time: the scalar twin of :class:`SynchronousLabelPropagation`.

    Every vertex tells its neighbours its label; each takes the most frequent label it
    heard, the smallest among equals. Master compute stops the run when a superstep
    changed no label.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3, 4, 5, 6, 3], [2, 3, 1, 5, 6, 4, 4]).to_undirected()
    >>> pregel.run(g, SynchronousLabelPropagationVertex).values.tolist()
    [1, 1, 1, 3, 3, 3]
    """

    aggregators = {"changed": Sum}
    value_dtype = np.int64

    def initial_value(self) -> int:
        return self.id

    def compute(self, messages: list[int]) -> None:
        if self.superstep > 0 and messages:
            heard: dict[int, int] = {}
            for label in messages:
                heard[label] = heard.get(label, 0) + 1
            label, most = self.value, 0
            for candidate, times in heard.items():
                if times > most or (times == most and candidate < label):
                    label, most = candidate, times
            if label != self.value:
                self.aggregate("changed", 1)
                self.value = label
        self.send_message_to_all_neighbors(self.value)

    def master_compute(self, master: Any) -> None:
        if master.superstep > 0 and master.aggregated("changed") == 0:
            master.halt()
