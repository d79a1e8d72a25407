"""Results as a folder of part files, one per partition, the way Spark and Hadoop write them.

A folder output holds ``part-00000.tsv``, ``part-00001.tsv``, ... (the suffix of the
format), each the ``vertex, value`` rows of one partition in the format of a single
result file (:func:`pregel.io.formats.write_result`: sorted by vertex id, a CSV header
in every CSV part, one structured array per ``.npy`` part), and an empty ``_SUCCESS``
file written last, once every part is complete. Each part is written under a temporary
name and renamed into place, so a consumer that waits for ``_SUCCESS`` never reads a
half-written result; a failed run leaves no part behind (and removes the folder if it
made it).

:class:`Parts` is a :class:`~pregel.core.types.Collector`: given to
``pregel.run(..., collect=[Parts(folder)])``, each partition writes its own part where
it lives (in its Ray worker: the folder must be a path every node sees), and the values
are never gathered. :func:`write_parts` writes a result already in memory the same way.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pregel.core.engine import collect_on_driver
from pregel.core.files import atomic_write, fsync_directory
from pregel.core.graph import Graph, named
from pregel.core.types import Result
from pregel.errors import InputError
from pregel.io.formats import FORMATS, require_format, write_result

SUCCESS = "_SUCCESS"
"""The marker a complete folder output holds, written after every part."""

_PART = re.compile(r"^\.?part-\d{5,}\.")


def is_folder(path: str | os.PathLike[str]) -> bool:
    """Whether ``--output path`` names a folder of part files: it ends with a separator, or is a directory.

    Examples
    --------
    >>> is_folder("ranks/"), is_folder("ranks.tsv"), is_folder("."), is_folder("")
    (True, False, True, False)
    """
    text = os.fspath(path)
    # (an empty path names nothing, not the working directory that Path("") stands for)
    return bool(text) and (text.endswith(("/", os.sep)) or Path(text).is_dir())


def part_name(index: int, fmt: str) -> str:
    """The file name of partition ``index``'s part: ``part-00003.tsv``, numbered as Spark numbers them.

    Examples
    --------
    >>> part_name(3, "parquet")
    'part-00003.parquet'
    """
    return f"part-{index:05d}.{fmt}"


@dataclass(frozen=True)
class Written:
    """A complete folder output: the folder, its part files in partition order, and the rows in all.

    Examples
    --------
    >>> Written(Path("ranks"), ("part-00000.tsv",), 3).rows
    3
    """

    folder: Path
    files: tuple[str, ...]
    rows: int


@dataclass(frozen=True)
class PartWriter:
    """The task each partition runs: write its rows as one part file; returns ``(file name, rows)``.

    ``labels``: the graph's labels, to write vertices (and values that are vertex ids)
    by the names the input gave them; ``None`` for integer ids.
    """

    folder: str
    fmt: str
    labels: np.ndarray | None
    values_are_ids: bool

    def __call__(self, index: int, ids: np.ndarray, values: np.ndarray) -> tuple[str, int]:
        if self.labels is not None:
            ids = self.labels[ids]
            if self.values_are_ids:
                values = named(self.labels, values)
        name = part_name(index, self.fmt)
        # one directory sync for the folder when every part is in (Parts.merge), not one per part
        write_result(Path(self.folder) / name, ids, values, self.fmt, sync_directory=False)
        return name, int(ids.size)


class Parts:
    """A folder of part files, one per partition, and ``_SUCCESS`` last: a :class:`~pregel.core.types.Collector`.

    Parameters
    ----------
    folder : str or path-like
        New, or an empty directory; its parent must exist. On Ray, a path every node
        sees (a shared file system), as for checkpoints.
    format : {"tsv", "csv", "npy", "parquet"}
        The format of every part (see :mod:`pregel.io.formats`).

    Raises
    ------
    InputError
        If the folder is not empty, is a file, or its parent does not exist; for an
        unknown format, or Parquet without pyarrow.

    Examples
    --------
    >>> import tempfile, pregel
    >>> from pregel.algorithms.pagerank import pagerank
    >>> folder = Path(tempfile.mkdtemp()) / "ranks"
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    >>> written = pagerank(g, workers=2, collect=[Parts(folder)]).collected[0]
    >>> written.files, sorted(p.name for p in folder.iterdir())
    (('part-00000.tsv', 'part-00001.tsv'), ['_SUCCESS', 'part-00000.tsv', 'part-00001.tsv'])
    """

    def __init__(self, folder: str | os.PathLike[str], format: str = "tsv") -> None:
        if format not in FORMATS:
            raise InputError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
        require_format(format)
        self.folder = Path(folder)
        self.format = format
        check_folder(self.folder)
        if self.folder.is_dir():
            # empty, or the parts a killed run left: nobody may take them for a result
            _remove(self.folder, lambda name: bool(_PART.match(name)))
        self.made = False

    def task(self, graph: Graph, values_are_ids: bool) -> PartWriter:
        """Make the folder (if new) and the task that writes one partition's part into it."""
        if not self.folder.exists():
            self.folder.mkdir()
            self.made = True
        # absolute: a Ray worker's working directory is not the driver's
        return PartWriter(str(self.folder.absolute()), self.format, graph.labels, values_are_ids)

    def merge(self, pieces: list[tuple[str, int]]) -> Written:
        """Every part is in: make the names durable, then write ``_SUCCESS``."""
        _remove(self.folder, lambda name: name.startswith(".part-"))  # a lost worker's temporary file
        fsync_directory(self.folder)
        with atomic_write(self.folder / SUCCESS):
            pass
        return Written(self.folder, tuple(name for name, _ in pieces), sum(rows for _, rows in pieces))

    def discard(self) -> None:
        """Remove the parts and temporary files written so far (and the folder, if this made it)."""
        if not self.folder.is_dir():
            return
        _remove(self.folder, lambda name: bool(_PART.match(name)) or name == SUCCESS)
        if self.made:
            with contextlib.suppress(OSError):
                self.folder.rmdir()
            self.made = False


def check_folder(folder: Path, flag: str = "--output") -> None:
    """InputError unless ``folder`` can take a new folder output: new (its parent a directory), empty, or an
    unfinished output of ours (part files and no ``_SUCCESS``: a run killed while it wrote them), which is replaced.

    Examples
    --------
    >>> check_folder(Path("/no/such/dir/ranks"))
    Traceback (most recent call last):
    ...
    pregel.errors.InputError: /no/such/dir/ranks: --output directory /no/such/dir does not exist
    """
    if folder.is_dir():
        if not _unfinished(folder) and any(folder.iterdir()):
            raise InputError(f"{folder}: {flag} folder is not empty; give a new or empty folder")
        return
    if folder.exists():
        raise InputError(f"{folder}: {flag} folder is a file")
    if not folder.parent.is_dir():
        missing = "does not exist" if not folder.parent.exists() else "is not a directory"
        raise InputError(f"{folder}: {flag} directory {folder.parent} {missing}")


def write_parts(result: Result, folder: str | os.PathLike[str], format: str = "tsv", parts: int = 1) -> Written:
    """Write a result already in memory as a folder of ``parts`` part files and ``_SUCCESS``.

    The rows are cut into ``parts`` runs of about equal length, in vertex order; a run
    with ``collect=[Parts(folder)]`` writes one part per partition without gathering.

    Examples
    --------
    >>> import tempfile, pregel
    >>> from pregel.algorithms.components import connected_components
    >>> folder = Path(tempfile.mkdtemp()) / "labels"
    >>> labels = connected_components(pregel.Graph.from_edges(["a", "c"], ["b", "d"]))
    >>> write_parts(labels, folder, "csv", parts=2).files
    ('part-00000.csv', 'part-00001.csv')
    >>> print((folder / "part-00001.csv").read_text(), end="")
    vertex,value
    c,c
    d,c
    """
    return collect_on_driver(result, [Parts(folder, format)], parts)[0]


def _unfinished(folder: Path) -> bool:
    """Whether ``folder`` holds part files, and nothing else (no ``_SUCCESS``): an output a killed run left."""
    names = [entry.name for entry in folder.iterdir()]
    return bool(names) and all(_PART.match(name) for name in names)


def _remove(folder: Path, doomed: Any) -> None:
    """Delete the files of ``folder`` whose names ``doomed`` accepts."""
    for entry in folder.iterdir():
        if doomed(entry.name):
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
