"""The compiler: turns a ``Vertex.compute`` into one loop per partition and, where that
is exact, a masked evaluation over arrays.

One entry point, :func:`compile_vertex` (``fallback_reason`` and ``vectorise_reason``
read it); one table of what ``compute`` may use of ``self``
(:mod:`pregel.compiler.actions`, which also defines the named types a compiled
``compute`` reads and appends to: ``Bindings`` and ``Sinks``); a refusal falls back
silently, a bug of the compiler's own is counted and reported
(:mod:`pregel.compiler.failures`).

It may import the core's types and ``pregel.errors``; it reads a ``Vertex`` subclass
only through the class object it is given (never by importing the API). Its modules
import one another by their full names, never through this package.
"""

from pregel.compiler.actions import Bindings, Sinks
from pregel.compiler.compiled import Compiled, compile_vertex, fallback_reason, vectorise_reason
from pregel.compiler.failures import CompilerBugWarning, internal_errors

__all__ = [
    "Bindings",
    "Compiled",
    "CompilerBugWarning",
    "Sinks",
    "compile_vertex",
    "fallback_reason",
    "internal_errors",
    "vectorise_reason",
]
