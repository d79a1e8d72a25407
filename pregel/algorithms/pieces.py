"""A partition's own part of the graph, for programs that work inside each partition before they send.

HashMin-like programs (components, colourings) move a label one edge a superstep, so on a
graph of large diameter (a road network, a grid) they take that many supersteps, each over
the vertices whose label changed. Inside one partition the same label can instead be
carried as far as it goes at once, along the edges between the partition's own vertices
(the "think like a graph" idea of Tian et al., VLDB 2013): messages are then only needed
along the edges that leave the partition, and the supersteps follow the partitions, not
the diameter. The answers do not change; the supersteps do, with the partitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import pregel


def inside(w: pregel.VertexBatch, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``targets`` (original ids) are vertices of ``w``: their positions in ``targets``, and in ``w``.

    Examples
    --------
    >>> class Look(pregel.BatchProgram):
    ...     combiner = pregel.Sum
    ...     def compute(self, v):
    ...         kept, at = inside(v, np.array([9, 2, 4, 1]))
    ...         print(kept.tolist(), at.tolist())
    ...         v.vote_to_halt()
    >>> _ = pregel.run(pregel.Graph.from_edges([1, 2], [2, 4]), Look)
    [1, 2, 3] [1, 2, 0]
    """
    ids = w.ids
    if not ids.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo < 4 * ids.size + 1024:
        # ids close together (as most graphs number their vertices): a table from id to position, which a gather
        # reads several times faster than a search finds them
        table = np.full(hi - lo + 1, -1, dtype=np.int64)
        table[ids - lo] = np.arange(ids.size)
        offset = targets - lo
        kept = np.flatnonzero((offset >= 0) & (offset <= hi - lo))
        at = table[offset[kept]]
        found = at >= 0
        return kept[found], at[found]
    order = None if bool(np.all(ids[1:] > ids[:-1])) else np.argsort(ids)
    sorted_ids = ids if order is None else ids[order]
    at = np.minimum(np.searchsorted(sorted_ids, targets), ids.size - 1)
    kept = np.flatnonzero(sorted_ids[at] == targets)
    at = at[kept]
    return kept, at if order is None else order[at]


@dataclass
class OwnEdges:
    """The edges between a partition's own vertices, as rows: vertex ``v``'s go to ``idx[ptr[v]:ptr[v + 1]]`` (int32).

    Positions are those of the batch of all the partition's vertices it was made from;
    ``ways`` is each edge's weight as an ``int8`` (a program's bit flags);
    ``leaves[p]`` says whether the partition's edge ``p`` (``Edges.positions``) goes to
    another partition, ``leaving[v]`` whether any of vertex ``v``'s does.

    Examples
    --------
    >>> class Look(pregel.BatchProgram):
    ...     combiner = pregel.Sum
    ...     def compute(self, v):
    ...         own = OwnEdges.of(v)
    ...         print(own.ptr.tolist(), own.idx.tolist(), own.leaves.tolist(), own.leaving.tolist())
    ...         v.vote_to_halt()
    >>> _ = pregel.run(pregel.Graph.from_edges([1, 1, 2], [2, 3, 3]), Look)
    [0, 2, 3, 3] [1, 2, 2] [False, False, False] [False, False, False]
    """

    ptr: np.ndarray
    idx: np.ndarray
    ways: np.ndarray
    leaves: np.ndarray
    leaving: np.ndarray

    @classmethod
    def of(cls, w: pregel.VertexBatch) -> OwnEdges:
        """The own edges of batch ``w`` (all of a partition's vertices, as :meth:`VertexBatch.kept` gives them)."""
        edges = w.out_edges()
        kept, at = inside(w, edges.target)
        ptr = np.zeros(w.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(edges.source[kept], minlength=w.size), out=ptr[1:])
        leaves = np.ones(len(edges), dtype=bool)  # all the partition's edges: positions 0 .. len - 1
        leaves[edges.positions[kept]] = False
        ways = edges.weight[kept].astype(np.int8)
        leaving = np.diff(ptr) < w.out_degree
        return cls(ptr, at.astype(np.int32), ways, leaves, leaving)
