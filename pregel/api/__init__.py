"""The user APIs: :class:`~pregel.api.vertex.Vertex` (scalar, as in the Pregel paper),
:class:`~pregel.api.batch.BatchProgram` (numpy arrays over a partition's vertices) and
:func:`~pregel.api.run.run`, which runs either on the backend the caller names.

Both program APIs turn one superstep of a partition into one
:class:`pregel.core.types.Outcome`. They may import the core, the compiler (``Vertex``
only), the backends (``run`` only, and Ray only when asked for) and ``pregel.errors``;
the core, the compiler and the backends never import them.
"""
