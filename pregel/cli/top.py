"""``--top K``: the K best vertices of a result, picked in each partition and merged on the driver.

Each listing orders the vertices totally (ties go to the smaller vertex id, which in
a labelled graph is the smaller label), so the K best of the whole graph are the K
best of the partitions' K best: each partition (a Ray worker) sends K rows, never
all its values. The largest components are the exception: each partition counts its
vertices per label and the driver adds the counts (one row per label a partition
holds). A result in memory is listed the same way, as one partition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import pregel
from pregel.errors import InputError

#: A listing: original ids, their values, and the names of the two columns.
Top = tuple[np.ndarray, np.ndarray, tuple[str, str]]


@dataclass(frozen=True)
class Rows:
    """The K best rows by ``select(ids, values, k)``: the positions of a partition's K best, in listing order.

    The vertices are shown by original id, as the input named them, rather than the
    engine's; so are the values that are vertex ids (``original_values``: where the
    result says its values are ids, as a matching's partners are).
    """

    select: Callable[[np.ndarray, np.ndarray, int], Any]
    columns: tuple[str, str] = ("vertex", "value")
    original_values: bool = False

    def pick(self, ids: np.ndarray, values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """One partition's K best rows (engine ids)."""
        chosen = self.select(ids, values, k)
        return ids[chosen], values[chosen]

    def merge(self, graph: pregel.Graph, values_are_ids: bool, picks: list[Any], k: int) -> Top:
        """The K best of the partitions' picks (in partition order, which is vertex order)."""
        ids, values = self.pick(*_joined(picks), k)
        named = self.original_values and values_are_ids
        shown = graph.to_original(values) if named else values
        return graph.to_original(ids), shown, self.columns


@dataclass(frozen=True)
class Components:
    """The largest components (or communities): each partition counts its labels, the driver adds them up."""

    columns: tuple[str, str] = ("component", "size")

    def pick(self, ids: np.ndarray, values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return np.unique(values, return_counts=True)

    def merge(self, graph: pregel.Graph, values_are_ids: bool, picks: list[Any], k: int) -> Top:
        labels, counts = _joined(picks)
        labels, where = np.unique(labels, return_inverse=True)
        sizes = np.zeros(labels.size, dtype=np.int64)
        np.add.at(sizes, where, counts)
        order = np.lexsort((labels, -sizes))[:k]
        return graph.to_original(labels[order]), sizes[order], self.columns


@dataclass(frozen=True)
class PerSource:
    """Each source's K highest-ranked vertices (personalized PageRank), as rows ``source, vertex, value``."""

    columns: tuple[str, str] = ("source", "")

    def pick(self, ids: np.ndarray, values: np.ndarray, k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {name: HIGHEST.pick(ids, values[name], k) for name in values.dtype.names}

    def merge(self, graph: pregel.Graph, values_are_ids: bool, picks: list[Any], k: int) -> Top:
        sources, rows = [], []
        for name in picks[0]:
            ids, ranks = HIGHEST.pick(*_joined([pick[name] for pick in picks]), k)
            # the columns are named by the sources' original ids: labels, in a labelled graph
            sources.append(
                np.full(ids.size, int(name) if graph.labels is None else name, dtype=graph.original_ids.dtype)
            )
            rows.append(np.rec.fromarrays([graph.to_original(ids), ranks], names="vertex,value"))
        return np.concatenate(sources), np.concatenate(rows).view(np.ndarray), self.columns


def _joined(picks: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The partitions' picks as one pair of arrays, in partition order."""
    return np.concatenate([ids for ids, _ in picks]), np.concatenate([values for _, values in picks])


def _highest(ids: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    return np.lexsort((ids, -values))[:k]


def _nearest(ids: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    reachable = np.flatnonzero(np.isfinite(values))
    return reachable[np.lexsort((ids[reachable], values[reachable]))][:k]


def _largest(ids: np.ndarray, values: np.ndarray, k: int) -> Any:
    if values.dtype == object:
        return sorted(range(values.size), key=lambda i: (-_sortable(values[i]), ids[i]))[:k]
    return np.lexsort((ids, -values.astype(np.float64)))[:k]


def _sortable(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError("--top needs values that are numbers; this program's values are not") from None


def _members(ids: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    return np.flatnonzero(values == 1)[:k]


def _first_of_pairs(ids: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    return np.flatnonzero((values >= 0) & (ids < values))[:k]


HIGHEST = Rows(_highest)
NEAREST = Rows(_nearest)
LARGEST_VALUES = Rows(_largest, original_values=True)
LARGEST_COMPONENTS = Components()
MEMBERS = Rows(_members, ("vertex", "member"))
PAIRS = Rows(_first_of_pairs, ("vertex", "partner"), original_values=True)
PER_SOURCE = PerSource()

Listing = Rows | Components | PerSource


def top(listing: Listing, result: pregel.Result, k: int) -> Top:
    """The K best of a result in memory: the whole result as one partition.

    Examples
    --------
    >>> g = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    >>> r = pregel.Result(g, np.array([0.5, 0.25, 0.5]), 1, [], {}, "halted")
    >>> top(HIGHEST, r, 2)[0].tolist()
    [1, 3]
    """
    picks = [listing.pick(result.ids, result.values, k)]
    return listing.merge(result.graph, result.values_are_ids, picks, k)


@dataclass(frozen=True)
class Pick:
    """The task of one partition: its K best (picklable, for a Ray worker)."""

    listing: Listing
    k: int

    def __call__(self, index: int, ids: np.ndarray, values: np.ndarray) -> Any:
        return self.listing.pick(ids, values, self.k)


@dataclass
class TopK:
    """``--top K`` as a :class:`~pregel.core.types.Collector`: K rows from each partition, merged on the driver.

    Examples
    --------
    >>> from pregel.algorithms.pagerank import pagerank
    >>> g = pregel.Graph.from_edges([1, 2, 3, 3], [2, 3, 1, 2])
    >>> ids, ranks, _ = pagerank(g, workers=2, collect=[TopK(HIGHEST, 1)]).collected[0]
    >>> ids.tolist()
    [2]
    """

    listing: Listing
    k: int
    found: dict[str, Any] = field(default_factory=dict)

    def task(self, graph: pregel.Graph, values_are_ids: bool) -> Pick:
        self.found = {"graph": graph, "values_are_ids": values_are_ids}
        return Pick(self.listing, self.k)

    def merge(self, pieces: list[Any]) -> Top:
        return self.listing.merge(self.found["graph"], self.found["values_are_ids"], pieces, self.k)

    def discard(self) -> None:
        """Nothing to undo: the picks are in memory."""
