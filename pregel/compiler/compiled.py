"""The compiler's one entry point: what a ``Vertex`` subclass compiles to, made once per class."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from pregel.compiler.failures import Refusal, internal_error
from pregel.compiler.loop import PartitionLoop, compile_loop
from pregel.compiler.vectorise import Vectorised, check


@dataclass(frozen=True)
class Compiled:
    """What a class's ``compute`` compiles to.

    ``loop`` is its partition loop (:mod:`pregel.compiler.loop`), or None when it runs in
    the interpreter, ``fallback_reason`` saying why; ``vectorised`` its form for the
    masked evaluation (:mod:`pregel.compiler.vectorise`), or None, ``vectorise_reason``
    saying why.
    """

    loop: PartitionLoop | None
    vectorised: Vectorised | None
    fallback_reason: str | None
    vectorise_reason: str | None


_made: weakref.WeakKeyDictionary[type, Compiled] = weakref.WeakKeyDictionary()
# partitions in threads of their own ask at once in their first superstep: one compiles, the others wait
_making = threading.Lock()


def compile_vertex(cls: type) -> Compiled:
    """Compile ``cls.compute`` as far as is provably exact (cached per class).

    A refusal (``compute`` outside a stage's subset) leaves that stage out; an error of
    the compiler's own does too, reported as :mod:`pregel.compiler.failures` says.

    Examples
    --------
    >>> from pregel import Vertex
    >>> class Halt(Vertex):
    ...     def compute(self, messages):
    ...         self.vote_to_halt()
    >>> compiled = compile_vertex(Halt)
    >>> compiled.loop is not None, compiled.vectorised is not None, compiled.fallback_reason
    (True, True, None)
    """
    made = _made.get(cls)
    if made is None:
        with _making:
            made = _made.get(cls)
            if made is None:
                made = _made[cls] = _compile(cls)
    return made


def _compile(cls: type) -> Compiled:
    owner = f"{cls.__module__}.{cls.__qualname__}"
    try:
        loop = compile_loop(cls)
    except Refusal as refused:
        return Compiled(None, None, str(refused), f"compute is not compiled ({refused})")
    except Exception as error:
        reason = internal_error(owner, "partition loop", error)
        return Compiled(None, None, reason, f"compute is not compiled ({reason})")
    try:
        return Compiled(loop, check(cls), None, None)
    except Refusal as refused:
        return Compiled(loop, None, None, str(refused))
    except Exception as error:
        return Compiled(loop, None, None, internal_error(owner, "vectorised form", error))


def fallback_reason(cls: type) -> str | None:
    """Why ``cls.compute`` runs in the interpreter, or None if it is compiled.

    Examples
    --------
    >>> from pregel import Vertex
    >>> class Chatty(Vertex):
    ...     def compute(self, messages):
    ...         print(self)
    >>> fallback_reason(Chatty)
    'line 3: uses self other than self.<attribute>'
    """
    return compile_vertex(cls).fallback_reason


def vectorise_reason(cls: type) -> str | None:
    """Why ``cls.compute`` is never evaluated over arrays, or None if it may be.

    Examples
    --------
    >>> from pregel import Vertex
    >>> class Power(Vertex):
    ...     def compute(self, messages):
    ...         self.value = self.value**2
    >>> vectorise_reason(Power)
    'line 3: the operator Pow'
    """
    return compile_vertex(cls).vectorise_reason
