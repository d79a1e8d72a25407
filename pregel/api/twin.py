"""Which of an algorithm's twin programs an ``api=`` argument names.

Every algorithm with both a vectorised program and a scalar twin takes ``api="batch"``
(the default) or ``api="scalar"``; anything else is the caller's mistake, said in one
line as an :class:`~pregel.InputError` (a bare ``KeyError`` named no argument). An
algorithm with only a vectorised program takes ``api`` too, and refuses "scalar" by name
(:func:`only_batch`).
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


def only_batch(api: str, what: str, hint: str = "") -> None:
    """Refuse any ``api`` but "batch" for ``what``, an algorithm without a scalar twin (``hint``: how to get one).

    Raises
    ------
    pregel.errors.InputError
        For "scalar" (``what`` has only the batch API), and for an unknown ``api`` as :func:`twin` says.

    Examples
    --------
    >>> only_batch("batch", "Louvain")
    >>> only_batch("scalar", "Louvain")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: Louvain has only the batch API
    >>> only_batch("fast", "Louvain")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: api must be 'batch' or 'scalar', not 'fast'
    """
    if twin(api, batch=False, scalar=True):
        raise InputError(f"{what} has only the batch API{hint}")
