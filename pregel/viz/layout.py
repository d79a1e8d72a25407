"""Where the replay page draws each vertex and how large: sizes that scale, a layout that fills the canvas.

The circles' sizes follow the number of vertices and the canvas (a 300-vertex graph
gets smaller circles than the 8-page example), and the layout keeps them apart: a
spring layout per connected component, packed and fitted to the canvas, then spread
until no two circles touch and every vertex has about its share of the canvas. The
page's script draws with these numbers; it decides nothing about sizes or places.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pregel.core.graph import Graph

#: The canvas, in page units (the SVG's viewBox).
CANVAS = (1000, 680)
#: Empty space kept between the circles and the canvas's edge.
MARGIN = 12
#: At most this share of the canvas is covered by circles (at their largest in the run).
COVERAGE = 0.2


@dataclass(frozen=True)
class Sizes:
    """Circle radii in page units: ``plain`` for every vertex, or for ranks from ``smallest`` to ``largest``.

    A rank ``v`` is drawn with radius ``smallest + (largest - smallest) * sqrt(v / high)``,
    so a circle's area grows with the rank; ``high`` is the largest rank of the run.
    The page's script uses the same formula.

    Examples
    --------
    >>> sizes = Sizes(plain=9.0, smallest=3.0, largest=19.0, high=0.04)
    >>> sizes.radius(np.array([0.04, 0.01, np.inf]), "rank").tolist()
    [19.0, 11.0, 9.0]
    >>> sizes.radius(np.array([0.04, 7]), "distance").tolist()
    [9.0, 9.0]
    """

    plain: float
    smallest: float
    largest: float
    high: float

    def radius(self, values: np.ndarray, style: str) -> np.ndarray:
        """Each vertex's radius for ``values`` (numbers; anything not a finite rank gets ``plain``)."""
        values = np.asarray(values, dtype=np.float64)
        if style != "rank":
            return np.full(values.shape, self.plain)
        finite = np.isfinite(values)
        share = np.sqrt(np.clip(np.where(finite, values, 0.0), 0.0, None) / self.high)
        return np.where(finite, self.smallest + (self.largest - self.smallest) * share, self.plain)

    def as_dict(self) -> dict[str, float]:
        """The numbers the page's script needs (rounded: they only draw)."""
        return {name: round(getattr(self, name), 3) for name in ("plain", "smallest", "largest")} | {"high": self.high}


def choose_sizes(peaks: np.ndarray, style: str) -> Sizes:
    """Radii for a graph whose vertices reach the values ``peaks`` (their largest over the run).

    Each vertex gets about ``1 / n`` of the canvas; a plain circle takes a fifth of that
    share's side, never below 4 or above 18 units. Ranks range from a tenth to a bit more
    than half of the share's side, then shrink until the circles at their largest cover
    at most ``COVERAGE`` of the canvas.

    Examples
    --------
    >>> few, many = choose_sizes(np.full(8, 0.125), "rank"), choose_sizes(np.full(300, 1 / 300), "rank")
    >>> few.plain, few.smallest, few.largest
    (18.0, 7.0, 37.0)
    >>> many.plain < 10 and many.largest < 20
    True
    """
    n = max(len(peaks), 1)
    area = CANVAS[0] * CANVAS[1]
    share = math.sqrt(area / n)
    plain = float(np.clip(0.2 * share, 4.0, 18.0))
    finite = peaks[np.isfinite(peaks)] if peaks.dtype.kind == "f" else np.empty(0)
    high = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    smallest = float(np.clip(0.1 * share, 2.5, 7.0))
    largest = float(np.clip(0.55 * share, smallest, 37.0))
    if style != "rank":
        return Sizes(plain, smallest, largest, high)

    def covered(largest: float) -> float:
        r = Sizes(plain, smallest, largest, high).radius(peaks, style)
        return float(np.pi * (r * r).sum() / area)

    low, top = smallest, largest
    if covered(top) > COVERAGE:
        for _ in range(30):  # bisection: coverage grows with the largest radius
            middle = (low + top) / 2
            low, top = (middle, top) if covered(middle) <= COVERAGE else (low, middle)
        largest = low
    return Sizes(plain, smallest, largest, high)


def layout(graph: Graph, radii: np.ndarray | None = None, seed: int = 1) -> np.ndarray:
    """Positions of the vertices in page units, circles of ``radii`` kept apart and inside the canvas.

    Laid out together, disconnected components drift to the corners and each shrinks
    to a dot; laid out one by one (networkx's spring layout, seeded) each gets room in
    proportion to its size. A spring layout is dense in the middle and sparse at the
    rim, so each component's vertices are evened out over a disk (same directions from
    the centre, distances by rank). The packed drawing is stretched to the canvas, then
    spread (:func:`spread`) until no two circles touch.

    Examples
    --------
    >>> xy = layout(Graph.from_edges([1, 2, 3, 7], [2, 3, 1, 8]), np.full(5, 10.0))
    >>> xy.shape, bool((xy >= 22).all() and (xy[:, 0] <= 978).all() and (xy[:, 1] <= 658).all())
    ((5, 2), True)
    """
    import networkx as nx

    n = graph.num_vertices
    if not n:
        return np.zeros((0, 2))
    radii = np.full(n, 10.0) if radii is None else np.asarray(radii, dtype=np.float64)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(graph.sources.tolist(), graph.indices.tolist()))
    components = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    xy = np.zeros((n, 2))
    boxes = _pack([math.sqrt(len(c)) for c in components])
    for members, (x, y, side) in zip(components, boxes):
        placed = nx.spring_layout(g.subgraph(members), seed=seed)
        points = _even_out(np.array([placed[i] for i in members], dtype=np.float64).reshape(-1, 2))
        xy[members] = _fit(points, x + 0.1 * side, y + 0.1 * side, 0.8 * side)
    room = np.array(CANVAS, dtype=np.float64) - 2 * (MARGIN + radii.max())
    scale = room / np.maximum(np.ptp(xy, axis=0), 1e-9)
    # stretch to the canvas's shape, but no more than its own proportions: a path stays a line
    scale = np.minimum(scale, scale.min() * CANVAS[0] / CANVAS[1])
    centre = (xy.max(axis=0) + xy.min(axis=0)) / 2
    xy = (xy - centre) * scale + np.array(CANVAS) / 2
    return spread(xy, radii, seed=seed).round(1)


def spread(xy: np.ndarray, radii: np.ndarray, seed: int = 1, rounds: int = 300) -> np.ndarray:
    """Push vertices apart until no two circles come closer than their radii and a share of the canvas allow.

    Each round moves every pair that is too close apart along the line between them,
    then keeps every circle inside the canvas. Two centres aim to be at least
    ``0.6 * sqrt(canvas area / n)`` apart, and always at least the sum of their radii
    plus a gap, so a dense part opens up into the free space around it while the
    drawing keeps its shape.

    Examples
    --------
    >>> out = spread(np.array([[500.0, 340.0], [500.0, 340.0], [501.0, 340.0]]), np.full(3, 20.0))
    >>> gaps = [float(np.hypot(*(out[i] - out[j]))) for i, j in ((0, 1), (0, 2), (1, 2))]
    >>> min(gaps) >= 40
    True
    """
    from scipy.spatial import cKDTree

    n = len(xy)
    xy = np.array(xy, dtype=np.float64)
    if n < 2:
        return xy
    area = (CANVAS[0] - 2 * MARGIN) * (CANVAS[1] - 2 * MARGIN)
    gap = max(2.0, 0.25 * float(np.median(radii)))
    spacing = 0.6 * math.sqrt(area / n)
    reach = max(2 * radii.max() + gap, spacing)
    low = MARGIN + radii[:, None]
    high = np.array(CANVAS, dtype=np.float64) - MARGIN - radii[:, None]
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        i, j = cKDTree(xy).query_pairs(reach, output_type="ndarray").T
        apart = xy[i] - xy[j]
        distance = np.hypot(apart[:, 0], apart[:, 1])
        short = np.clip(np.maximum(radii[i] + radii[j] + gap, spacing) - distance, 0.0, None)
        if not short.size or short.max() < 0.05:
            break
        if distance.min() < 1e-6:
            # two vertices on one spot have no line between them: nudge them apart at random
            xy += rng.normal(scale=0.5, size=xy.shape)
            continue
        push = 0.5 * (short / distance)[:, None] * apart
        move = np.zeros_like(xy)
        np.add.at(move, i, push)
        np.add.at(move, j, -push)
        crowd = np.sqrt(np.maximum(1, np.bincount(i[short > 0], minlength=n) + np.bincount(j[short > 0], minlength=n)))
        xy = np.clip(xy + move / crowd[:, None], low, high)
    return xy


def _even_out(points: np.ndarray) -> np.ndarray:
    """Points spread evenly over a disk: each keeps its direction from the centre, its distance goes by rank."""
    centre = points.mean(axis=0)
    offset = points - centre
    distance = np.hypot(offset[:, 0], offset[:, 1])
    rank = np.empty(len(points))
    rank[np.argsort(distance, kind="stable")] = np.arange(len(points))
    radius = np.sqrt((rank + 0.5) / len(points))
    direction = offset / np.where(distance > 0, distance, 1.0)[:, None]
    return direction * radius[:, None]


def _fit(points: list[Any], x: float, y: float, side: float) -> np.ndarray:
    """Points turned and scaled into the square at ``(x, y)`` with the given side, keeping their shape."""
    pts = np.array(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) > 2:
        # turn the longest spread horizontal: the page is wider than it is tall
        pts = pts @ np.linalg.svd(pts - pts.mean(axis=0), full_matrices=False)[2].T
    span = np.ptp(pts, axis=0).max()
    if span == 0:
        return np.tile([x + side / 2, y + side / 2], (len(pts), 1))
    centre = (pts.max(axis=0) + pts.min(axis=0)) / 2
    return (pts - centre) / span * side + [x + side / 2, y + side / 2]


def _pack(sides: list[float]) -> list[tuple[float, float, float]]:
    """Squares (largest first) in rows, the row width chosen to fill the page best: ``(x, y, side)`` each."""

    def rows(width: float) -> list[tuple[float, float, float]]:
        boxes, x, y, row = [], 0.0, 0.0, 0.0
        for side in sides:
            if x > 0 and x + side > width:
                x, y, row = 0.0, y + row, 0.0
            boxes.append((x, y, side))
            x, row = x + side, max(row, side)
        return boxes

    def scale(boxes: list[tuple[float, float, float]]) -> float:
        width = max(x + side for x, _, side in boxes)
        height = max(y + side for _, y, side in boxes)
        return min(CANVAS[0] / width, CANVAS[1] / height)

    widths = np.cumsum(sides).tolist() or [1.0]
    return max((rows(w + 1e-9) for w in widths), key=scale)
