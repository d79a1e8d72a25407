"""The two ways compiling a ``compute`` can fail, and what each costs the user.

A :class:`Refusal` means ``compute`` is outside what a stage handles (the message says
where): the class runs one stage lower (masked evaluation → compiled loop →
interpreter), silently, as documented. Any other exception raised by the compiler
itself is a bug in the compiler: the class still runs one stage lower with the
interpreter's results, but the bug is counted (:func:`internal_errors`) and reported
with a :class:`CompilerBugWarning` naming the class and the error (shown once per
class and error under Python's default warning filter), and with the
environment variable ``PREGEL_COMPILER_STRICT=1`` it is raised instead, as the test
suite runs.
"""

from __future__ import annotations

import os
import warnings

#: The environment variable that makes a compiler bug raise instead of falling back.
STRICT = "PREGEL_COMPILER_STRICT"

_count = 0


class Refusal(Exception):
    """``compute`` uses something a stage of the compiler does not handle; the message says what and where."""


class CompilerBugWarning(RuntimeWarning):
    """The compiler failed on a class with an error of its own; the class ran one stage lower instead."""


def internal_errors() -> int:
    """How many times a bug inside the compiler made a class fall back, in this process.

    Examples
    --------
    >>> internal_errors() >= 0
    True
    """
    return _count


def strict() -> bool:
    """Whether a compiler bug raises (``PREGEL_COMPILER_STRICT=1``) rather than falling back."""
    return os.environ.get(STRICT) == "1"


def internal_error(owner: str, stage: str, error: Exception) -> str:
    """Account for ``error``, raised by the compiler's ``stage`` on class ``owner``; the fallback's reason.

    Raises ``error`` itself (its traceback points at the bug) when :func:`strict`.
    """
    global _count
    if strict():
        raise error
    _count += 1
    reason = f"an internal error of the compiler ({stage}): {type(error).__name__}: {error}"
    warnings.warn(f"{owner}: {reason}; it runs one stage lower instead", CompilerBugWarning, stacklevel=3)
    return reason
