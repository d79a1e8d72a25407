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

#: The algorithms with a vectorised program alone: what each is called in a refusal, and how to get a twin.
BATCH_ONLY = {
    "betweenness": ("betweenness", ""),
    "eigenvector": ("eigenvector centrality", ""),
    "louvain": ("Louvain", ""),
    "lpa": ("semi-synchronous label propagation", " (the synchronous rule has both: --synchronous, synchronous=True)"),
    "matching": ("matching", ""),
    "ppr": ("personalized PageRank from many sources", ""),
    "weighted_pagerank": ("weighted PageRank", ""),
}


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


def only_batch(api: str, algorithm: str) -> None:
    """Refuse any ``api`` but "batch" for ``algorithm``, one of :data:`BATCH_ONLY` (the command line asks before it
    reads the input, the algorithm again when it is called).

    Raises
    ------
    pregel.errors.InputError
        For "scalar" (``what`` has only the batch API), and for an unknown ``api`` as :func:`twin` says.

    Examples
    --------
    >>> only_batch("batch", "louvain")
    >>> only_batch("scalar", "louvain")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: Louvain has only the batch API
    >>> only_batch("fast", "louvain")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: api must be 'batch' or 'scalar', not 'fast'
    """
    if twin(api, batch=False, scalar=True):
        what, hint = BATCH_ONLY[algorithm]
        raise InputError(f"{what} has only the batch API{hint}")
