"""Which of an algorithm's twin programs an ``api=`` argument names.

Every algorithm with both a vectorised program and a scalar twin takes ``api="batch"``
(the default) or ``api="scalar"``; anything else is the caller's mistake, said in one
line as an :class:`~pregel.InputError` (a bare ``KeyError`` named no argument).
"""

from __future__ import annotations

from typing import TypeVar

from pregel.errors import InputError

T = TypeVar("T")

#: The APIs a program can be written in, as ``api=`` and ``--api`` name them.
APIS = ("batch", "scalar")


def twin(api: str, batch: T, scalar: T) -> T:
    """What ``api`` names: ``batch`` for "batch", ``scalar`` for "scalar" (program classes, or what makes them).

    Raises
    ------
    pregel.errors.InputError
        For any other ``api``.

    Examples
    --------
    >>> twin("scalar", int, str)
    <class 'str'>
    >>> twin("fast", int, str)
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: api must be 'batch' or 'scalar', not 'fast'
    """
    if api not in APIS:
        raise InputError(f"api must be 'batch' or 'scalar', not {api!r}")
    return batch if api == "batch" else scalar
