"""Widest paths: the best bottleneck capacity from a source to every vertex.

A scalar program (``Vertex``), written as the Pregel paper writes its examples. Edge
weights are capacities; the width of a path is its smallest capacity, and a vertex's
value is the widest path to it (``inf`` at the source, 0 where unreachable). Values only
grow, so a Max combiner keeps just the best offer per vertex. Capacities cannot be
negative: the class says so with ``allow_negative_weights = False`` and the engine
refuses such a graph before the first superstep.

    pregel run examples/widest_path.py:WidestPath capacities.txt --param source=1
"""

import math

import pregel
from pregel import Count, InputError, Max, Vertex


class WidestPath(Vertex):
    """Largest bottleneck capacity of a path from ``source`` (0 where unreachable).

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 1, 2, 3], [2, 3, 4, 4], weights=[5.0, 2.0, 1.0, 9.0])
    >>> pregel.run(g, WidestPath(source=1)).to_dict()
    {1: inf, 2: 5.0, 3: 2.0, 4: 2.0}
    """

    combiner = Max
    initial_value = 0.0
    allow_negative_weights = False
    aggregators = {"improved": Count}
    source = None
    vertex_parameters = ("source",)

    def compute(self, messages: float | None) -> None:
        offer = math.inf if self.superstep == 0 and self.id == self.source else messages
        if offer is not None and offer > self.value:
            self.value = offer
            self.aggregate("improved", 1)
            for target, capacity in zip(*self.out_edges):
                self.send_message(target, min(offer, capacity))
        self.vote_to_halt()

    def master_compute(self, master: pregel.Master) -> None:
        if master.superstep == 0 and master.aggregated("improved") == 0:
            raise InputError(f"source vertex {self.source} is not in the graph (give one with --param source=ID)")
