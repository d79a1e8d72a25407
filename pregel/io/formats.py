"""Results in the shapes users' tools expect: TSV, CSV, NumPy ``.npy`` and Parquet.

Every format holds two columns, ``vertex`` (``int64``, or the original string ids of a
graph read with string ids) and ``value``, one row per vertex sorted by vertex id. TSV
(the default) has no header, as the command-line contract says; CSV has a
``vertex,value`` header, as pandas and spreadsheets expect, and quotes what needs it.
``.npy`` is a structured array with fields ``vertex`` and ``value`` (strings as
fixed-width ``str``, so no pickle is needed to load it); Parquet (through pyarrow, the
``parquet`` extra) a table with those columns. Values that are records with named fields
(one PageRank per source, say) become one column per field instead of ``value``, named
by the field. Files are written atomically.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from pregel.core.files import atomic_write
from pregel.errors import InputError
from pregel.io.edges import cell_text, format_values, refuse_tsv_breaks

FORMATS = ("tsv", "csv", "npy", "parquet")
#: Formats that cannot go to a terminal or a text pipe.
BINARY = ("npy", "parquet")
_SUFFIXES = {".tsv": "tsv", ".csv": "csv", ".npy": "npy", ".parquet": "parquet", ".pq": "parquet"}


def format_for(path: str | os.PathLike[str] | None, requested: str | None) -> str:
    """The format to write: the one requested, else the one ``path``'s suffix names, else TSV.

    Raises
    ------
    InputError
        If the requested format contradicts the suffix (``--format csv`` for ``x.npy``),
        or a binary format has no file to go to.

    Examples
    --------
    >>> format_for("ranks.parquet", None), format_for("ranks.out", None), format_for(None, "csv")
    ('parquet', 'tsv', 'csv')
    >>> format_for("ranks.npy", "csv")
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: --format csv contradicts --output ranks.npy (a .npy file)
    """
    implied = _SUFFIXES.get(Path(path).suffix.lower()) if path else None
    if requested and implied and implied != requested:
        raise InputError(f"--format {requested} contradicts --output {path} (a {Path(path).suffix} file)")
    chosen = requested or implied or "tsv"
    if chosen in BINARY and not path:
        raise InputError(f"--format {chosen} writes a binary file: give it with --output FILE")
    return chosen


def require_format(fmt: str) -> None:
    """Fail early, before any work, if the format's optional library is missing.

    Examples
    --------
    >>> require_format("csv")
    """
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError("--format parquet needs pyarrow: pip install 'pregel[parquet]'") from None


def render(ids: np.ndarray, values: np.ndarray, fmt: str, columns: tuple[str, str] = ("vertex", "value")) -> str:
    """The text of a TSV or CSV result (no sorting: rows in the order given).

    Examples
    --------
    >>> print(render(np.array([1, 2]), np.array([0.25, 0.75]), "csv"), end="")
    vertex,value
    1,0.25
    2,0.75
    >>> table = np.array([(0.5, 0.25)], dtype=[("7", float), ("9", float)])
    >>> print(render(np.array([1]), table, "csv"), end="")
    vertex,7,9
    1,0.5,0.25
    """
    if values.dtype.names:
        fields = [values[name].tolist() for name in values.dtype.names]
        rows = [[cell_text(v) for v in row] for row in zip(ids.tolist(), *fields)]
        if fmt != "csv":
            text = "".join("\t".join(row) + "\n" for row in rows)
            if text.count("\n") != len(rows) or text.count("\t") != len(rows) * len(fields) or "\r" in text:
                refuse_tsv_breaks(cell for row in rows for cell in row)
            return text
        # labels may hold commas or quotes, in the vertex column or in the columns' names: the csv module quotes them
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([columns[0], *values.dtype.names])
        writer.writerows(rows)
        return out.getvalue()
    if fmt != "csv":
        return format_values(ids, values)
    if values.dtype != object and ids.dtype != object:
        return ",".join(columns) + "\n" + format_values(ids, values).replace("\t", ",")
    # strings and Python objects may hold commas or quotes: let the csv module quote them (str of a float is its repr)
    shown = values.tolist()
    if values.dtype == object:
        shown = [cell_text(v) for v in shown]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(ids.tolist(), shown))
    return out.getvalue()


def by_id(ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``ids`` and ``values`` in increasing id order (as they are when the ids are already sorted).

    A graph read by one process numbers its vertices in id order; one the Ray workers
    read holds them in the order of their hashed partitions.

    Examples
    --------
    >>> [a.tolist() for a in by_id(np.array([3, 1]), np.array([0.75, 0.25]))]
    [[1, 3], [0.25, 0.75]]
    """
    if ids.size < 2 or (ids.dtype != object and bool((ids[1:] >= ids[:-1]).all())):
        return ids, values
    order = np.argsort(ids, kind="stable")
    return ids[order], values[order]


def write_result(
    path: str | os.PathLike[str], ids: np.ndarray, values: np.ndarray, fmt: str, sync_directory: bool = True
) -> None:
    """Write ``vertex, value`` rows sorted by vertex id, atomically, in format ``fmt``.

    Parameters
    ----------
    path : str or path-like
    ids, values : numpy.ndarray
        Aligned arrays (``result.ids``, ``result.values``).
    fmt : {"tsv", "csv", "npy", "parquet"}
    sync_directory : bool
        False for a caller that syncs the directory once after many files (the parts of
        a folder output, :mod:`pregel.io.parts`).

    Raises
    ------
    InputError
        If the values cannot be stored in a binary format (arbitrary Python objects).

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "ranks.npy")
    >>> write_result(target, np.array([3, 1]), np.array([0.75, 0.25]), "npy")
    >>> table = np.load(target)
    >>> table["vertex"].tolist(), table["value"].tolist()
    ([1, 3], [0.25, 0.75])
    """
    ids, values = by_id(ids, values)
    if fmt in BINARY and values.dtype == object and not _all_strings(values):
        raise InputError(f"--format {fmt} needs numeric values; this program's values are Python objects")
    if fmt in ("tsv", "csv"):
        with atomic_write(path, sync_directory=sync_directory) as f:
            f.write(render(ids, values, fmt))
    elif fmt == "npy":
        with atomic_write(path, "wb", sync_directory) as f:
            np.save(f, as_records(ids, values))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({name: arrow_column(column) for name, column in columns(ids, values).items()})
        with atomic_write(path, "wb", sync_directory) as f:
            pq.write_table(table, f)
    else:
        raise InputError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def arrow_column(values: np.ndarray) -> Any:
    """A pyarrow array of a column: numbers over numpy's own memory, strings (labels) converted.

    ``pyarrow.array`` would do, but it imports pandas (a second or so) to look for pandas
    types, and numbers need no conversion.

    Examples
    --------
    >>> arrow_column(np.array([0.5, 1.5])).to_pylist(), arrow_column(np.array(["a"], dtype=object)).type
    ([0.5, 1.5], DataType(string))
    """
    import pyarrow as pa

    if values.dtype.kind in "iuf":
        values = np.ascontiguousarray(values)
        return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), values.size, [None, pa.py_buffer(values)])
    if values.dtype == object and _all_strings(values):
        # labels, perhaps none (null), or no rows (an empty part of a folder output): strings still
        return pa.array(values.tolist(), type=pa.string())
    return pa.array(values.tolist() if values.dtype == object else values)


def as_records(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A structured array with fields ``vertex`` and ``value``.

    Examples
    --------
    >>> as_records(np.array([7]), np.array([0.5])).dtype.names
    ('vertex', 'value')
    """
    # strings (labels) as fixed-width str: an object array could only be loaded back with pickle;
    # a str field has no missing value, so no label (None) is the empty string there
    ids = ids.astype(str) if ids.dtype == object else ids
    if values.dtype == object and _all_strings(values):
        values = np.array([cell_text(v) for v in values.tolist()], dtype=str).reshape(values.shape)
    table = columns(ids, values)
    records = np.empty(
        ids.size,
        dtype=[(name, np.int64 if name == "vertex" and c.dtype.kind != "U" else c.dtype) for name, c in table.items()],
    )
    for name, column in table.items():
        records[name] = column
    return records


def _all_strings(values: np.ndarray) -> bool:
    """Whether ``values`` are labels: strings, or None where there is none."""
    return all(v is None or isinstance(v, str) for v in values.tolist())


def columns(ids: np.ndarray, values: np.ndarray) -> dict[str, np.ndarray]:
    """The table of a result: ``vertex``, then ``value`` or one column per field of record values.

    Examples
    --------
    >>> table = np.array([(0.5, 0.25)], dtype=[("7", float), ("9", float)])
    >>> list(columns(np.array([1]), table))
    ['vertex', '7', '9']
    """
    if values.dtype.names:
        return {"vertex": ids, **{name: values[name] for name in values.dtype.names}}
    return {"vertex": ids, "value": values}
