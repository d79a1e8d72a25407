"""Breadth-first levels: how many hops each vertex is from a source (-1 where unreachable).

A vectorised program (``BatchProgram``): ``compute`` sees a partition's vertices as
arrays. In superstep S the vertices first reached get level S and tell their
out-neighbours, who are reached in S + 1; then everyone votes to halt. An aggregator
counts the vertices reached in each superstep, and master compute turns "nobody is the
source" into a clear error instead of a graph full of -1.

    pregel run examples/bfs_levels.py:BFSLevels datasets/wiki-Vote.txt.gz --param source=30
"""

import numpy as np

import pregel
from pregel import BatchProgram, Count, InputError, Min


class BFSLevels(BatchProgram):
    """Hops from ``source`` along out-edges; -1 for vertices the source cannot reach.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 2, 4, 7], [2, 3, 4, 5, 1])
    >>> pregel.run(g, BFSLevels(source=1)).to_dict()
    {1: 0, 2: 1, 3: 2, 4: 2, 5: 3, 7: -1}
    """

    combiner = Min
    value_dtype = np.int64
    initial_value = -1
    aggregators = {"reached": Count}
    source = None
    vertex_parameters = ("source",)

    def compute(self, v: pregel.VertexBatch) -> None:
        if v.superstep == 0:
            reached = v.ids == self.source
        else:
            reached = v.has_messages & (v.values < 0)
        v.values = np.where(reached, v.superstep, v.values)
        v.aggregate("reached", v.ids[reached])
        v.send_to_all_neighbors(v.values + 1, where=reached)
        v.vote_to_halt()

    def master_compute(self, master: pregel.Master) -> None:
        if master.superstep == 0 and master.aggregated("reached") == 0:
            raise InputError(f"source vertex {self.source} is not in the graph (give one with --param source=ID)")
