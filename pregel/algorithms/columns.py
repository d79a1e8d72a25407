"""Vertex values of several float columns, for programs that run many sources at once.

The engine keeps one value per vertex; here that value is ``k`` ``float64`` numbers
packed in one opaque ``8k``-byte record (a numpy void dtype), which numpy moves, gathers
and concatenates as fast as single numbers, while a program computes on the same bytes
as one ``(vertices, k)`` matrix (:func:`as_matrix`, :func:`as_records`, no copies).
:class:`~pregel.core.combiners.ColumnSum` adds records column by column, as a combiner and as an
aggregator (a broadcast with it sums rows over each target's in-edges in one compiled pass).
:func:`named` gives the final records a field per column, named, for users.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pregel.core.combiners import ColumnSum

__all__ = ["ColumnSum", "SourceColumns", "as_matrix", "as_records", "column_dtype", "copied", "named", "picked"]


class SourceColumns:
    """What a program that runs ``sources`` side by side, one column each, ``batch`` at a time, declares and finds.

    ``n`` is the number of the graph's vertices (numbered ``0..n-1``; a second layer of
    twins ``n..2n-1`` where the program has one); ``sources`` are vertex numbers.

    Examples
    --------
    >>> class Program(SourceColumns):
    ...     n, sources, batch = 3, (4, 1, 0), 2
    >>> class Batch:
    ...     ids, size = np.array([0, 1, 4, 5]), 4
    >>> [a.tolist() for a in Program().sources_here(Batch(), 0)]
    [[1, 2], [1, 0]]
    """

    n = 0
    sources: tuple = ()
    batch = 64
    endpoints = False

    def sources_here(self, v: Any, batch: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """The sources of batch ``batch`` (or, with ``offset`` n, their twins) among the vertices of ``v``: their
        rows (increasing), and the columns they own."""
        lo = batch * self.batch
        sources = np.array(self.sources[lo : lo + self.batch], dtype=np.int64) + offset
        row = np.searchsorted(v.ids, sources)
        here = row < v.size
        here[here] = v.ids[row[here]] == sources[here]
        row, column = row[here], np.flatnonzero(here)
        order = np.argsort(row, kind="stable")
        return row[order], column[order]


def column_dtype(k: int) -> np.dtype:
    """The record of ``k`` float64 columns.

    Examples
    --------
    >>> column_dtype(3).itemsize
    24
    """
    return np.dtype((np.void, 8 * k))


def as_matrix(records: np.ndarray) -> np.ndarray:
    """Records as a ``(len(records), k)`` float matrix: a view when they lie contiguous, else a copy.

    Examples
    --------
    >>> as_matrix(as_records(np.array([[1.0, 2.0]]))).tolist()
    [[1.0, 2.0]]
    """
    records = np.ascontiguousarray(records)
    return records.view(np.float64).reshape(records.size, records.dtype.itemsize // 8)


def as_records(matrix: np.ndarray) -> np.ndarray:
    """A ``(n, k)`` float matrix as ``n`` records of :func:`column_dtype` ``(k)`` (a view of a contiguous matrix).

    Examples
    --------
    >>> as_records(np.zeros((5, 2))).shape
    (5,)
    """
    matrix = np.ascontiguousarray(matrix, dtype=np.float64)
    return matrix.view(column_dtype(matrix.shape[1])).reshape(matrix.shape[0])


def copied(records: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """A copy of structured records, made as bytes (numpy copies field by field, or record by record, 10 times slower).

    The copy owns its data, so a partition keeps it as the new values without copying it
    again; ``out`` (records of the same type and number) receives it when given.

    Examples
    --------
    >>> pair = np.dtype([("a", np.int32), ("b", np.float64)])
    >>> copied(np.ones(2, dtype=pair))["b"].tolist()
    [1.0, 1.0]
    """
    copy = np.empty_like(records) if out is None else out
    np.copyto(copy.view(np.uint8), np.ascontiguousarray(records).view(np.uint8))
    return copy


def picked(records: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The structured records at ``positions``, gathered as bytes (ten times faster than numpy's gather of records).

    Examples
    --------
    >>> pair = np.dtype([("a", np.int32), ("b", np.float64)])
    >>> picked(np.array([(1, 2.0), (3, 4.0)], dtype=pair), np.array([1]))["a"].tolist()
    [3]
    """
    records = np.ascontiguousarray(records)
    return records.view(np.dtype((np.void, records.dtype.itemsize)))[positions].view(records.dtype)


def named(records: np.ndarray, names: Sequence[Any]) -> np.ndarray:
    """The records with one ``float64`` field per column, named by ``names`` (as text): a view.

    Examples
    --------
    >>> table = named(as_records(np.array([[0.5, 0.25]])), [3, 4])
    >>> table.dtype.names, table["4"].tolist()
    (('3', '4'), [0.25])
    """
    return np.ascontiguousarray(records).view(np.dtype([(str(name), np.float64) for name in names]))
