"""The engine: superstep loop, partition, messages and routes, combiners, aggregators,
program base, checkpoint store and trace.

``pregel.core.types`` holds the data types every room shares and imports nothing of
ours. The rest of the core imports numpy, scipy, our compiled kernels, ``pregel.errors``
and itself only: never the user APIs, the compiler, io, cli, viz, algorithms or Ray.
A program reaches the core through :class:`pregel.core.program.Program` and returns
one :class:`pregel.core.types.Outcome` per superstep.
"""
