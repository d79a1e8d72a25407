"""Aggregators: a value reduced over all vertices in superstep S, visible to all in S+1.

The combiners ``Sum``, ``Min`` and ``Max`` (in :mod:`pregel.core.combiners`) are aggregators
too; ``Count`` lives here. A user-defined aggregator subclasses :class:`Aggregator`
and sets ``identity`` and ``merge``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np


class Aggregator:
    """Reduce values to one with an associative, commutative ``merge``.

    Partitions reduce their own vertices' values (``reduce``), the driver merges the
    partials (``merge``), starting from ``identity``; that is also the value seen in
    superstep 0, before anything was aggregated.

    Examples
    --------
    >>> class Longest(Aggregator):
    ...     identity = ""
    ...     def merge(self, a, b):
    ...         return a if len(a) >= len(b) else b
    >>> Longest().reduce(["ab", "abc", "a"])
    'abc'
    """

    identity: Any = None

    def merge(self, a: Any, b: Any) -> Any:
        """Merge two partial results."""
        raise NotImplementedError(f"{type(self).__name__} must define merge(a, b)")

    def lift(self, x: Any) -> Any:
        """The partial result of a single aggregated value."""
        return x

    def reduce(self, values: Any) -> Any:
        """Merge many values (an array or any iterable) into one partial result."""
        return functools.reduce(self.merge, map(self.lift, values), self.identity)


class Count(Aggregator):
    """The number of values aggregated.

    Examples
    --------
    >>> Count().reduce([7, 8, 9])
    3
    """

    identity = 0

    def merge(self, a: int, b: int) -> int:
        return a + b

    def lift(self, x: Any) -> int:
        return 1

    def reduce(self, values: Any) -> int:
        return int(np.size(values)) if isinstance(values, np.ndarray) else sum(1 for _ in values)
