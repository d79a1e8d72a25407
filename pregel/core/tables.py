"""Edge columns out of tables: Arrow record batches, pandas and polars DataFrames.

The one place where a table's columns become vertex ids. Integer columns of any width
are taken as they lie (no copy when a column is in one piece); string columns are
mapped to numbers once, through the sorted list of their distinct strings (the graph's
``labels``); weights become ``float64``. Every mistake is an InputError naming the table
(a file, or "the DataFrame"), the column and, for a bad value, its row (counted from 1).

pyarrow, pandas and polars are imported only by the functions that take their objects:
whoever hands over a DataFrame has its library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pregel.errors import InputError

#: What the three columns are called in messages, by default (the command line names its flags).
ROLES = ("source", "target", "weight")


@dataclass
class EdgeColumns:
    """A table's edges, ready for :class:`~pregel.core.graph.Graph`.

    Without ``labels``, ``sources`` and ``targets`` are integer ids; with them, positions
    in ``labels`` (sorted, distinct strings). ``owned``: the id arrays are the reader's
    own (``int32`` or ``int64``, writable, referenced nowhere else), so the graph builder
    may overwrite them instead of touching fresh memory.
    """

    sources: np.ndarray
    targets: np.ndarray
    weights: np.ndarray | None = None
    labels: np.ndarray | None = None
    owned: bool = False


def column_index(names: list[Any], wanted: Any, role: str, where: str) -> int:
    """Where the column ``wanted`` is: the column of that name, else (a number) the column at that position.

    Examples
    --------
    >>> column_index(["a", "b"], "b", "source", "t"), column_index(["a", "b"], "0", "source", "t")
    (1, 0)
    >>> column_index(["a", "b"], "c", "--src", "edges.csv")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: edges.csv: no column 'c' (--src); the columns are 'a', 'b'
    """
    if names.count(wanted) > 1:
        raise InputError(f"{where}: {names.count(wanted)} columns are named {wanted!r} ({role}); name them apart")
    if wanted in names:
        return names.index(wanted)
    position = wanted if isinstance(wanted, int) else int(wanted) if str(wanted).isdigit() else None
    if position is not None and 0 <= position < len(names):
        return position
    listed = ", ".join(map(repr, names)) if names else "none"
    raise InputError(f"{where}: no column {wanted!r} ({role}); the columns are {listed}")


# ------------------------------------------------------------------------ Arrow
def columns_from_batches(
    schema: Any,
    batches: Iterable[Any],
    source: Any,
    target: Any,
    weight: Any = None,
    where: str = "the Arrow table",
    roles: tuple[str, str, str] = ROLES,
    rows: int | None = None,
    locate: Callable[[int], tuple[str, int]] | None = None,
) -> EdgeColumns:
    """The edge columns of pyarrow record batches that share ``schema``, read one batch at a time.

    Only the named columns are touched. Columns are named, or numbered from 0 when no
    column has that name (see :func:`column_index`). ``rows``, the number of rows when
    it is known beforehand (a Parquet file's metadata says it), lets integer ids and
    weights be copied batch by batch into columns of their own (ids as ``int32`` while
    they fit), each batch freed once copied, instead of all batches kept and joined.
    ``locate``: where the batches' row ``r`` (from 1) lies, as ``(file, row there)``,
    for the message about a bad value (a folder's batches come from several files;
    None: row ``r`` of ``where``).

    Examples
    --------
    >>> import pyarrow as pa
    >>> batch = pa.record_batch({"a": ["x", "y"], "b": ["y", "x"], "w": [1, 2]})
    >>> edges = columns_from_batches(batch.schema, [batch], "a", "b", "w")
    >>> edges.labels.tolist(), edges.sources.tolist(), edges.weights.tolist()
    (['x', 'y'], [0, 1], [1.0, 2.0])
    """
    import pyarrow as pa

    names = schema.names
    picked = [column_index(names, spec, role, where) for spec, role in zip((source, target), roles)]
    ends = [
        _Column(where, names[i], role, schema.field(i).type, rows=rows, locate=locate) for i, role in zip(picked, roles)
    ]
    kinds = {end.kind for end in ends}
    if len(kinds) > 1:
        raise InputError(
            f"{where}: column {ends[0].name!r} holds {ends[0].kind} ids but column {ends[1].name!r} "
            f"{ends[1].kind} ids; the source and target ids must be of one kind"
        )
    weights = None
    if weight is not None:
        k = column_index(names, weight, roles[2], where)
        weights = _Column(where, names[k], roles[2], schema.field(k).type, weight=True, rows=rows, locate=locate)
        picked.append(k)
    rows = 0
    for batch in batches:
        for column, k in zip([*ends, weights], picked):
            column.add(batch.column(k), rows)
        rows += batch.num_rows
    if kinds == {"string"}:
        labels, (src, dst) = _arrow_string_codes(ends[0].parts, ends[1].parts, pa)
        return EdgeColumns(src, dst, None if weights is None else weights.values(), labels)
    owned = all(end.out is not None for end in ends) and rows == ends[0].at
    return EdgeColumns(ends[0].values(), ends[1].values(), None if weights is None else weights.values(), owned=owned)


def row_among(row: int, counts: Iterable[int]) -> tuple[int, int]:
    """Which of consecutive pieces of ``counts`` rows holds row ``row`` (from 1, over all of them), and its row
    there (from 1); the last piece's number and the row past it where ``row`` is beyond them all.

    Examples
    --------
    >>> row_among(5, [3, 4, 2]), row_among(3, [3, 4])
    ((1, 2), (0, 3))
    """
    k = -1
    for k, count in enumerate(counts):
        if row <= count:
            return k, row
        row -= count
    return k, row


class _Column:
    """One column's batches, checked as they come (type up front, nulls and values per batch).

    With ``rows`` known, numbers are copied into ``out`` as they come (``at`` of them so
    far), else kept in ``parts``.
    """

    def __init__(
        self,
        where: str,
        name: Any,
        role: str,
        dtype: Any,
        weight: bool = False,
        rows: int | None = None,
        locate: Callable[[int], tuple[str, int]] | None = None,
    ) -> None:
        import pyarrow as pa

        self.where, self.name, self.role, self.weight, self.locate = where, name, role, weight, locate
        self.parts: list[Any] = []
        self.out: np.ndarray | None = None
        self.at = 0
        plain = dtype.value_type if pa.types.is_dictionary(dtype) else dtype
        if pa.types.is_null(plain):
            # no value at all: no rows (an empty CSV file), or only nulls, which add() reports
            self.kind = "number" if weight else "integer"
        elif weight:
            self.kind = "number" if pa.types.is_integer(plain) or pa.types.is_floating(plain) else None
            wanted = "numbers (integer or floating point)"
        elif pa.types.is_integer(plain):
            self.kind = "integer"
        else:
            texts = (pa.types.is_string, pa.types.is_large_string, getattr(pa.types, "is_string_view", None))
            self.kind = "string" if any(test and test(plain) for test in texts) else None
            wanted = "integer or string vertex ids"
        if self.kind is None:
            raise InputError(f"{where}: column {name!r} ({role}) holds {dtype} values, not {wanted}")
        if rows is not None and self.kind != "string":
            self.out = np.empty(rows, dtype=np.float64 if weight else np.int32)

    def add(self, array: Any, before: int) -> None:
        """Keep one batch's piece of the column (``before`` rows came earlier)."""
        import pyarrow as pa

        if array.null_count:
            raise InputError(f"{self.at_row(before + array.is_null().index(True).as_py() + 1)}: no value (null)")
        if not len(array):
            return
        if self.kind == "string" and pa.types.is_dictionary(array.type):
            self.parts.append(array)  # numbered by its dictionary, not string by string
            return
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        if self.kind == "string":
            self.parts.append(array.cast(pa.large_string()))
        elif self.kind == "number":
            self.parts.append(numbers(array).astype(np.float64, copy=False))
        else:
            self.parts.append(numbers(array))
        if self.weight:
            _check_finite(self.parts[-1], before, self)
        elif self.kind == "integer" and self.parts[-1].dtype == np.uint64:
            _check_fits(self.parts[-1], before, self)
        if self.out is not None:
            self._copy(self.parts.pop())

    def at_row(self, row: int) -> str:
        """Where row ``row`` (from 1, over every batch) of this column lies, as a message begins."""
        where, row = (self.where, row) if self.locate is None else self.locate(row)
        return f"{where}: column {self.name!r} ({self.role}), row {row}"

    def _copy(self, values: np.ndarray) -> None:
        """Copy a batch's numbers into ``out``: widened to ``int64`` when ids leave ``int32``'s range."""
        end = self.at + values.size
        if end > self.out.size:  # more rows than announced: kept as parts after all
            self.parts, self.out = [self.out[: self.at], values], None
            return
        if self.out.dtype == np.int32 and (values.min() < -(2**31) or values.max() > 2**31 - 1):
            wide = np.empty(self.out.size, dtype=np.int64)
            wide[: self.at] = self.out[: self.at]
            self.out = wide
        self.out[self.at : end] = values
        self.at = end

    def values(self) -> np.ndarray:
        """The whole column as one array: the batch's own memory when there was one batch."""
        if self.out is not None:
            return self.out[: self.at]
        if len(self.parts) == 1:
            return self.parts[0]
        if not self.parts:
            return np.empty(0, dtype=np.float64 if self.weight else np.int64)
        return np.concatenate(self.parts)


# Arrow's names of the floating point types that numpy spells otherwise
_NUMPY_NAMES = {"halffloat": "float16", "float": "float32", "double": "float64"}


def numbers(array: Any) -> np.ndarray:
    """A numeric Arrow array without nulls as a numpy array over the same memory.

    ``Array.to_numpy`` would do, but it imports pandas (a second or so) to look for
    pandas types; reading the data buffer directly does not.

    Examples
    --------
    >>> import pyarrow as pa
    >>> numbers(pa.array([1, 2, 3], pa.uint16()).slice(1)).tolist()
    [2, 3]
    """
    dtype = np.dtype(_NUMPY_NAMES.get(str(array.type), str(array.type)))
    data = array.buffers()[1]
    if data is None:
        return np.empty(0, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def _check_finite(weights: np.ndarray, before: int, column: _Column) -> None:
    bad = ~np.isfinite(weights)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"{column.at_row(before + k + 1)}: weight {weights[k]} is not a finite number")


def _check_fits(ids: np.ndarray, before: int, column: _Column) -> None:
    big = ids > np.iinfo(np.int64).max
    if big.any():
        k = int(np.flatnonzero(big)[0])
        raise InputError(f"{column.at_row(before + k + 1)}: vertex id {ids[k]} does not fit in 64 bits")


def _arrow_string_codes(sources: list[Any], targets: list[Any], pa: Any) -> tuple[np.ndarray, list[np.ndarray]]:
    """The sorted distinct strings of both columns and each column as positions in them, by Arrow's kernels.

    Dictionary-encoded pieces (Parquet's string columns are read so) of one type are
    numbered through their dictionaries alone: the strings of the rows are never
    touched. Any other pieces are decoded and hashed string by string.
    """
    import pyarrow.compute as pc

    n = sum(len(part) for part in sources)
    parts = [*sources, *targets]
    if len({part.type for part in parts}) == 1 and pa.types.is_dictionary(parts[0].type):
        # one dictionary for all the pieces; a piece need not use all of its dictionary
        unified = pa.chunked_array(parts).unify_dictionaries()
        del parts
        dictionary = unified.chunk(0).dictionary
        indices = np.concatenate([numbers(chunk.indices) for chunk in unified.chunks])
        del unified
        used = np.bincount(indices, minlength=len(dictionary)) > 0
        if not used.all():
            renumber = np.cumsum(used) - 1
            indices = np.take(renumber.astype(indices.dtype, copy=False), indices)
            dictionary = dictionary.filter(pa.array(used))
    else:
        both = pa.chunked_array(
            [
                part.dictionary_decode().cast(pa.large_string()) if pa.types.is_dictionary(part.type) else part
                for part in parts
            ],
            type=pa.large_string(),
        ).combine_chunks()
        del parts
        # one hash pass over every string; the sort is of the distinct ones only
        encoded = pc.dictionary_encode(both)
        del both
        dictionary, indices = encoded.dictionary, numbers(encoded.indices)
    order = numbers(pc.array_sort_indices(dictionary))
    labels = np.empty(order.size, dtype=object)
    labels[:] = dictionary.take(order).to_pylist()
    rank = np.empty(order.size, dtype=np.int32 if order.size < 2**31 - 1 else np.int64)
    rank[order] = np.arange(order.size, dtype=rank.dtype)
    codes = np.take(rank, indices)
    return labels, [codes[:n], codes[n:]]


def columns_from_arrow(data: Any, source: Any, target: Any, weight: Any = None) -> EdgeColumns:
    """The edge columns of a pyarrow Table, RecordBatch or RecordBatchReader (or any Arrow stream).

    Examples
    --------
    >>> import pyarrow as pa
    >>> columns_from_arrow(pa.table({"s": [3, 1], "t": [1, 2]}), "s", "t").sources.tolist()
    [3, 1]
    """
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return columns_from_batches(data.schema, data.to_batches(), source, target, weight)
    if isinstance(data, pa.RecordBatch):
        return columns_from_batches(data.schema, [data], source, target, weight)
    if not isinstance(data, pa.RecordBatchReader) and hasattr(data, "__arrow_c_stream__"):
        data = pa.RecordBatchReader.from_stream(data)
    if isinstance(data, pa.RecordBatchReader):
        return columns_from_batches(data.schema, data, source, target, weight, "the Arrow stream")
    raise TypeError(f"expected a pyarrow Table, RecordBatch or RecordBatchReader, got {type(data).__name__}")


def columns_from_polars(frame: Any, source: Any, target: Any, weight: Any = None) -> EdgeColumns:
    """The edge columns of a polars DataFrame, through Arrow (numbers are not copied).

    Examples
    --------
    >>> import polars as pl
    >>> columns_from_polars(pl.DataFrame({"a": ["u", "v"], "b": ["v", "w"]}), "a", "b").labels.tolist()
    ['u', 'v', 'w']
    """
    where = "the polars DataFrame"
    names = list(frame.columns)
    wanted = [(source, ROLES[0]), (target, ROLES[1])] + ([] if weight is None else [(weight, ROLES[2])])
    picked = [names[column_index(names, spec, role, where)] for spec, role in wanted]
    table = frame.select(list(dict.fromkeys(picked))).to_arrow()
    return columns_from_batches(table.schema, table.to_batches(), *picked + [None] * (3 - len(picked)), where=where)


# ----------------------------------------------------------------------- pandas
def columns_from_pandas(frame: Any, source: Any, target: Any, weight: Any = None) -> EdgeColumns:
    """The edge columns of a pandas DataFrame: integer columns as they lie, string columns labelled.

    Examples
    --------
    >>> import pandas as pd
    >>> edges = columns_from_pandas(pd.DataFrame({"a": [1, 2], "b": [2, 3], "w": [0.5, 1]}), "a", "b", "w")
    >>> edges.sources.tolist(), edges.weights.tolist()
    ([1, 2], [0.5, 1.0])
    """
    where = "the DataFrame"
    names = list(frame.columns)
    ends = []
    for spec, role in ((source, ROLES[0]), (target, ROLES[1])):
        series = frame.iloc[:, column_index(names, spec, role, where)]
        _refuse_missing(series, role, where)
        if series.dtype.kind in "iu":
            ends.append(series.to_numpy(dtype=getattr(series.dtype, "numpy_dtype", series.dtype)))
        elif series.dtype.kind in "OUT" or str(series.dtype) in ("str", "string"):
            ends.append(series.to_numpy(dtype=object))
        else:
            raise InputError(
                f"{where}: column {series.name!r} ({role}) holds {series.dtype} values, "
                "not integer or string vertex ids"
            )
    weights = None
    if weight is not None:
        series = frame.iloc[:, column_index(names, weight, ROLES[2], where)]
        _refuse_missing(series, ROLES[2], where)
        if series.dtype.kind not in "iuf":
            raise InputError(f"{where}: column {series.name!r} (weight) holds {series.dtype} values, not numbers")
        weights = series.to_numpy(dtype=np.float64)
        bad = ~np.isfinite(weights)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{where}: column {series.name!r} (weight), row {k + 1}: weight {weights[k]} is not a finite number"
            )
    named = [end.dtype == object and end.size > 0 and isinstance(end[0], str) for end in ends]
    if any(named):
        if not all(named):
            raise InputError(f"{where}: one of the source and target columns holds strings, the other not")
        labels, (src, dst) = string_codes(ends, where)
        return EdgeColumns(src, dst, weights, labels)
    # integers, perhaps as Python objects: the graph checks them as it would any ids
    return EdgeColumns(ends[0], ends[1], weights)


def _refuse_missing(series: Any, role: str, where: str) -> None:
    missing = series.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise InputError(f"{where}: column {series.name!r} ({role}), row {row}: no value (missing)")


# ------------------------------------------------------------------------ numpy
def string_codes(columns: list[np.ndarray], where: str = "") -> tuple[np.ndarray, list[np.ndarray]]:
    """The distinct strings of some columns, sorted, and each column as positions in them.

    One hash of every string (a ``dict``) and a sort of the distinct ones only: they are
    usually far fewer than the rows.

    Examples
    --------
    >>> labels, codes = string_codes([np.array(["b", "a"]), np.array(["c", "b"])])
    >>> labels.tolist(), [c.tolist() for c in codes]
    (['a', 'b', 'c'], [[1, 0], [2, 1]])
    """
    values = [c.tolist() for c in columns]
    distinct: set[Any] = set()
    for part in values:
        distinct.update(part)
    odd = next((v for v in distinct if not isinstance(v, str)), None)
    if odd is not None:
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}vertex id {odd!r} is not a string like the others; use one kind of id")
    labels = np.empty(len(distinct), dtype=object)
    labels[:] = sorted(distinct)
    position = {label: k for k, label in enumerate(labels.tolist())}
    itype = np.int32 if labels.size < 2**31 - 1 else np.int64
    codes = [np.fromiter(map(position.__getitem__, part), dtype=itype, count=len(part)) for part in values]
    return labels, codes
