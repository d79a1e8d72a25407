"""pregel: a Pregel/BSP vertex-centric graph engine.

Write a vertex program by subclassing :class:`Vertex` (scalar, as in the paper) or
:class:`BatchProgram` (vectorised over numpy arrays), then ``pregel.run(graph, Program)``.

Examples
--------
>>> import pregel
>>> from algorithms.pagerank import PageRank
>>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
>>> result = pregel.run(g, PageRank(tol=1e-12))
>>> [round(r, 6) for r in result.values.tolist()]
[0.333333, 0.333333, 0.333333]
"""

from pregel.aggregators import Aggregator, Count
from pregel.batch import BatchProgram, VertexBatch
from pregel.combiners import Combiner, Max, Min, Sum
from pregel.engine import Master, Result, SuperstepStats, run
from pregel.errors import (
    CheckpointError,
    ClusterUnreachable,
    ConvergenceError,
    InputError,
    NegativeCycleError,
    PregelError,
    WorkerLost,
)
from pregel.graph import Graph
from pregel.vertex import Vertex

__version__ = "0.1.0"

__all__ = [
    "Aggregator",
    "BatchProgram",
    "CheckpointError",
    "ClusterUnreachable",
    "Combiner",
    "ConvergenceError",
    "Count",
    "Graph",
    "InputError",
    "Master",
    "Max",
    "Min",
    "NegativeCycleError",
    "PregelError",
    "Result",
    "Sum",
    "SuperstepStats",
    "Vertex",
    "VertexBatch",
    "WorkerLost",
    "run",
]
