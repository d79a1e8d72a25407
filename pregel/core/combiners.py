"""Combiners: merge the messages addressed to one vertex, at the sender and at the receiver.

``Sum``, ``Min`` and ``Max`` are backed by numpy ufuncs, so whole message blocks combine
in C. A user-defined combiner subclasses :class:`Combiner` and defines
``combine(a, b)`` (associative and commutative); it may set ``ufunc`` for speed.
Every combiner is also an :class:`~pregel.core.aggregators.Aggregator`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pregel.core.aggregators import Aggregator
from pregel.errors import ProgramError


class Combiner(Aggregator):
    """Merge two messages into one; the engine applies it per destination vertex.

    Examples
    --------
    >>> class Concat(Combiner):
    ...     identity = ()
    ...     def combine(self, a, b):
    ...         return tuple(sorted(a + b))
    >>> Concat().reduce([(2,), (1,)])
    (1, 2)
    """

    ufunc: np.ufunc | None = None

    def combine(self, a: Any, b: Any) -> Any:
        """Merge two messages (or partial combinations) into one."""
        raise NotImplementedError(f"{type(self).__name__} must define combine(a, b)")

    def merge(self, a: Any, b: Any) -> Any:
        return self.combine(a, b)

    def messages(self, values: np.ndarray) -> np.ndarray:
        """``values`` as this combiner combines them: as they come, unless a combiner says otherwise."""
        return values

    def reduce(self, values: Any) -> Any:
        if self.ufunc is not None:
            array = values if isinstance(values, np.ndarray) else np.asarray(values)
            if array.dtype != object:
                # no ``initial``: an infinite identity does not fit an integer array (nor keeps integers integers)
                return self.ufunc.reduce(array).item() if array.size else self.identity
        return super().reduce(values)

    def reduce_groups(self, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Combine each run ``values[starts[k]:starts[k + 1]]`` (runs are non-empty)."""
        if self.ufunc is not None:
            return self.ufunc.reduceat(values, starts)
        ends = np.append(starts[1:], values.size)
        out = np.empty(starts.size, dtype=object)
        for k, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
            acc = values[a]
            for x in values[a + 1 : b]:
                acc = self.combine(acc, x)
                if acc is None:
                    # a combined None would read as "no message" at the receiver
                    raise ProgramError(
                        f"{type(self).__name__}.combine returned None (it must return the combined message)"
                    )
            out[k] = acc
        return out


_PYTHON_NUMBERS = (int, float)


class UfuncCombiner(Combiner):
    def combine(self, a: Any, b: Any) -> Any:
        combined = self.ufunc(a, b)
        return combined.item() if isinstance(combined, np.generic) else combined

    def fill_value(self, dtype: np.dtype) -> Any:
        """The identity in ``dtype`` (integer arrays cannot hold infinity)."""
        return self.identity


class Sum(UfuncCombiner):
    """Add messages.

    Examples
    --------
    >>> Sum().reduce([0.25, 0.5])
    0.75
    """

    ufunc = np.add
    identity = 0

    def combine(self, a: Any, b: Any) -> Any:
        # aggregators merge Python numbers every superstep: plain addition is several times faster
        if type(a) in _PYTHON_NUMBERS and type(b) in _PYTHON_NUMBERS:
            return a + b
        return super().combine(a, b)

    def messages(self, values: np.ndarray) -> np.ndarray:
        """Booleans as integers: numpy adds them as a logical or (``True + True`` is True), Python counts them.

        Examples
        --------
        >>> Sum().messages(np.array([True, True])).sum()
        np.int64(2)
        """
        return values.astype(np.int64) if values.dtype == np.bool_ else values

    def reduce(self, values: Any) -> Any:
        if type(values) is list and values and type(values[0]) in _PYTHON_NUMBERS:
            # the scalar API hands over a list of Python numbers: adding them in Python beats
            # converting them into an array first, and fsum rounds floats once, exactly
            try:
                total = math.fsum(values) if type(values[0]) is float else sum(values)
            except (TypeError, ValueError, OverflowError):
                total = None
            if type(total) in _PYTHON_NUMBERS:
                return total
        array = values if isinstance(values, np.ndarray) else np.asarray(values)
        if array.dtype == object:
            return super().reduce(values)
        # zero fits every numeric type, so it can be the reduction's start (one call, not two)
        return np.add.reduce(array, initial=0).item()

    def reduce_groups(self, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Add each run in the order its values come, as the scatter of a dense combine does.

        ``np.add.reduceat`` adds a run of floats pairwise, not in order, so a target's sum
        would depend on which path combined it. Integer sums do not depend on the order.

        Examples
        --------
        >>> Sum().reduce_groups(np.array([1e16, 1.0, -1e16, 1.0, 2.0]), np.array([0, 3])).tolist()
        [0.0, 3.0]
        """
        if values.dtype.kind not in "fc":
            return super().reduce_groups(values, starts)
        groups = np.repeat(np.arange(starts.size), np.diff(starts, append=values.size))
        if values.dtype == np.float64:
            return np.bincount(groups, weights=values, minlength=starts.size)
        out = np.zeros(starts.size, dtype=values.dtype)
        np.add.at(out, groups, values)
        return out


class Extremum(UfuncCombiner):
    """Min and Max: partial results merge past the identity, a float infinity that would make integers floats.

    Examples
    --------
    >>> Max().merge(Max.identity, 3), Min().merge(2, Min.identity)
    (3, 2)
    """

    def merge(self, a: Any, b: Any) -> Any:
        if a == self.identity:
            return b
        if b == self.identity:
            return a
        return self.combine(a, b)


class Min(Extremum):
    """Keep the smallest message.

    Examples
    --------
    >>> Min().reduce([3.0, 1.0, 2.0])
    1.0
    """

    ufunc = np.minimum
    identity = float("inf")

    def fill_value(self, dtype: np.dtype) -> Any:
        return np.iinfo(dtype).max if np.dtype(dtype).kind in "iu" else np.inf


class Max(Extremum):
    """Keep the largest message.

    Examples
    --------
    >>> Max().reduce([3.0, 1.0, 2.0])
    3.0
    """

    ufunc = np.maximum
    identity = float("-inf")

    def fill_value(self, dtype: np.dtype) -> Any:
        return np.iinfo(dtype).min if np.dtype(dtype).kind in "iu" else -np.inf


class ColumnSum(Combiner):
    """Add records of ``float64`` columns column by column: a combiner of messages, and an aggregator.

    A record is ``k`` float64 numbers packed in one opaque ``8k``-byte value (a numpy void
    dtype), so that the engine moves a row of ``k`` columns as one value; a message
    carries every column at once (one column per source, in programs that run many
    sources together). A broadcast with this combiner sums each target's in-edges, row by
    row, in one compiled pass (:func:`pregel.core.kernels.row_sums`): no message per edge,
    no sort. As an aggregator its value is a ``float64`` array with one entry per column
    (``0.0`` before anything was aggregated, which adds to an array as one would expect).

    Examples
    --------
    >>> records = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]).view(np.dtype((np.void, 16))).ravel()
    >>> ColumnSum().reduce(records).tolist()
    [9.0, 12.0]
    >>> rows(ColumnSum().reduce_groups(records, np.array([0, 2]))).tolist()
    [[4.0, 6.0], [5.0, 6.0]]
    """

    identity = 0.0

    def combine(self, a: Any, b: Any) -> Any:
        return (rows(np.array([a])) + rows(np.array([b]))).view(np.array([a]).dtype)[0, 0]

    def merge(self, a: Any, b: Any) -> Any:
        return a + b

    def reduce(self, values: Any) -> Any:
        records = np.asarray(values)
        if records.size == 0:
            return self.identity
        return rows(records).sum(axis=0)

    def reduce_groups(self, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Add each run row by row, in the order its rows come, as the compiled row sums add them."""
        matrix = rows(values)
        groups = np.repeat(np.arange(starts.size), np.diff(starts, append=values.size))
        out = np.zeros((starts.size, matrix.shape[1]))
        np.add.at(out, groups, matrix)  # in order, unlike np.add.reduceat on rows
        return out.view(values.dtype).ravel()

    def fill_value(self, dtype: np.dtype) -> Any:
        """A record of zeros: what a vertex without mail reads."""
        return np.zeros((), dtype=dtype)[()]


def rows(records: np.ndarray) -> np.ndarray:
    """Records of ``float64`` columns as a ``(len(records), k)`` matrix: a view when they lie contiguous.

    Examples
    --------
    >>> rows(np.zeros(3, dtype=np.dtype((np.void, 16)))).shape
    (3, 2)
    """
    records = np.ascontiguousarray(records)
    return records.view(np.float64).reshape(records.size, records.dtype.itemsize // 8)
