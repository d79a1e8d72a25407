"""The two user APIs: :class:`~pregel.api.vertex.Vertex` (scalar, as in the Pregel paper)
and :class:`~pregel.api.batch.BatchProgram` (numpy arrays over a partition's vertices).

Both turn one superstep of a partition into one :class:`pregel.core.types.Outcome`.
They may import the core, the compiler (``Vertex`` only) and ``pregel.errors``;
nothing below imports them except the compiler's type hints.
"""
