"""pregel: a Pregel/BSP vertex-centric graph engine.

Write a vertex program by subclassing :class:`Vertex` (scalar, as in the paper) or
:class:`BatchProgram` (vectorised over numpy arrays), then ``pregel.run(graph, Program)``.

Examples
--------
>>> import pregel
>>> from pregel.algorithms.pagerank import PageRank
>>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
>>> result = pregel.run(g, PageRank(tol=1e-12))
>>> [round(r, 6) for r in result.values.tolist()]
[0.333333, 0.333333, 0.333333]
"""

from pregel.api.batch import BatchProgram, VertexBatch
from pregel.api.run import run
from pregel.api.vertex import Vertex
from pregel.core.aggregators import Aggregator, Count
from pregel.core.combiners import Combiner, Max, Min, Sum
from pregel.core.engine import Master
from pregel.core.graph import Graph
from pregel.core.types import Result, SuperstepStats
from pregel.errors import (
    CheckpointError,
    ClusterUnreachable,
    ConvergenceError,
    InputError,
    NegativeCycleError,
    PregelError,
    ProgramError,
    UnknownVertex,
    WorkerLost,
)

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
    "ProgramError",
    "Result",
    "Sum",
    "SuperstepStats",
    "UnknownVertex",
    "Vertex",
    "VertexBatch",
    "WorkerLost",
    "run",
]
