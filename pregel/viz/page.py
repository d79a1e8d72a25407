"""A page that replays a traced run superstep by superstep, for people to watch.

:func:`write_html` turns ``pregel.run(..., trace=True)`` into one self-contained HTML
file: the trace as embedded JSON, a layout computed here (networkx's spring layout,
seeded), and ``viz.js``/``viz.css`` from this package inlined. It needs no server and
no network; open it from disk. The script draws; everything it shows was computed by
the engine.
"""

from __future__ import annotations

import html
import json
import math
import os
from importlib import resources
from typing import Any

import numpy as np

from pregel.core.files import atomic_write
from pregel.core.graph import Graph
from pregel.core.trace import StepTrace, Trace
from pregel.errors import InputError

MAX_VERTICES = 300
STYLES = ("rank", "distance", "label", "value")
_SIZE = (1000, 680)
_MARGIN = 50


def check_size(graph: Graph, max_vertices: int = MAX_VERTICES) -> None:
    """Refuse a graph too large to draw: an :class:`InputError` that names the limit.

    Examples
    --------
    >>> try:
    ...     check_size(Graph.from_edges([1, 2, 3], [2, 3, 1]), max_vertices=2)
    ... except InputError as e:
    ...     print(e)
    the graph has 3 vertices, more than the limit of 2 for a replay page (--max-vertices 3 draws it anyway)
    """
    n = graph.num_vertices
    if n > max_vertices:
        raise InputError(
            f"the graph has {n} vertices, more than the limit of {max_vertices} for a replay page "
            f"(--max-vertices {n} draws it anyway)"
        )


def write_html(
    result: Any,
    path: str | os.PathLike[str],
    *,
    style: str | None = None,
    title: str | None = None,
    seed: int = 1,
    max_vertices: int = MAX_VERTICES,
) -> None:
    """Write an interactive replay of a traced run to ``path`` (written atomically).

    Parameters
    ----------
    result : Result or Trace
        A result of ``pregel.run(..., trace=True)``, or its ``trace``.
    path : str or path-like
        Where to write the page.
    style : {"rank", "distance", "label", "value"}, optional
        What a vertex's value means: node size follows a rank, colour a distance
        (``inf`` drawn as unreachable) or a label; ``"value"`` colours any number.
        Default: chosen from the program (the built-in algorithms), else ``"value"``.
    title : str, optional
        The page's heading (default: the program with its parameters).
    seed : int
        Seed of the layout, so the same run draws the same way.
    max_vertices : int
        Refuse larger graphs (a drawing of thousands of vertices shows nothing).

    Raises
    ------
    InputError
        If the run was not traced, the graph is above ``max_vertices``, or the
        style is unknown.

    Examples
    --------
    >>> import os, tempfile, pregel
    >>> from pregel.algorithms.pagerank import PageRank
    >>> result = pregel.run(pregel.Graph.from_edges([1, 2, 2], [2, 1, 3]), PageRank, trace=True)
    >>> target = os.path.join(tempfile.mkdtemp(), "run.html")
    >>> write_html(result, target)
    >>> open(target).read().count("<script")
    2
    """
    trace = getattr(result, "trace", result)
    if not isinstance(trace, Trace):
        raise InputError("this result has no trace: run it with pregel.run(..., trace=True)")
    check_size(trace.graph, max_vertices)
    style = style or default_style(trace.program_class)
    if style not in STYLES:
        raise InputError(f"unknown style {style!r} (choose from {', '.join(STYLES)})")
    page = render(page_data(trace, style, seed), title or trace.program)
    with atomic_write(path) as f:
        f.write(page)


def default_style(program_class: type) -> str:
    """How to draw the values of a program's vertices: by its built-in algorithm, else ``"value"``.

    Examples
    --------
    >>> from pregel.algorithms.sssp import ShortestPathsVertex
    >>> default_style(ShortestPathsVertex), default_style(object)
    ('distance', 'value')
    """
    from pregel.algorithms.components import ConnectedComponents, ConnectedComponentsVertex
    from pregel.algorithms.pagerank import PageRank, PageRankVertex
    from pregel.algorithms.sssp import ShortestPaths, ShortestPathsVertex

    styles = {
        PageRank: "rank",
        PageRankVertex: "rank",
        ShortestPaths: "distance",
        ShortestPathsVertex: "distance",
        ConnectedComponents: "label",
        ConnectedComponentsVertex: "label",
    }
    return next((s for cls, s in styles.items() if issubclass(program_class, cls)), "value")


def page_data(trace: Trace, style: str, seed: int = 1) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-ready values (vertices by global index).

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.sssp import ShortestPaths
    >>> g = pregel.Graph.from_edges([1, 2], [2, 3])
    >>> data = page_data(pregel.run(g, ShortestPaths(source=2), trace=True).trace, "distance")
    >>> data["initial"], data["steps"][0]["values"], data["steps"][0]["messages"]
    (['Infinity', 'Infinity', 'Infinity'], ['Infinity', 0.0, 'Infinity'], [[1, 2, 1.0]])
    """
    graph = trace.graph
    src, dst = graph.sources, graph.indices
    directed = not _symmetric(graph)
    keep = np.ones(src.size, dtype=bool) if directed else src <= dst
    return {
        "style": style,
        "directed": directed,
        "ids": graph.ids.tolist(),
        "xy": layout(graph, seed).tolist(),
        "size": list(_SIZE),
        "edges": np.column_stack([src[keep], dst[keep]]).tolist(),
        "out_degree": graph.out_degree.tolist(),
        "in_degree": np.bincount(dst, minlength=graph.num_vertices).tolist(),
        "initial": plain_values(trace.initial),
        "steps": [_step_data(step) for step in trace.steps],
        "aggregator_labels": {"delta": "L1 change", "dangling": "dangling rank"} if style == "rank" else {},
    }


def _step_data(step: StepTrace) -> dict[str, Any]:
    stats = step.stats
    return {
        "values": plain_values(step.values),
        "halted": (~step.active).astype(int).tolist(),
        "computed": step.computed.astype(int).tolist(),
        "messages": [list(m) for m in zip(step.senders.tolist(), step.targets.tolist(), plain_values(step.messages))],
        "inbox": [list(m) for m in zip(step.inbox_targets.tolist(), plain_values(step.inbox))],
        "active": stats.active,
        "sent": stats.messages_sent,
        "combined": stats.messages_combined,
        "aggregated": {name: _plain(value) for name, value in stats.aggregated.items()},
    }


def plain_values(values: np.ndarray) -> list[Any]:
    """Values JSON can hold: numbers as numbers, ``inf``/``nan`` as ``"Infinity"``/``"NaN"``, others as text.

    Examples
    --------
    >>> plain_values(np.array([0.5, np.inf, -np.inf]))
    [0.5, 'Infinity', '-Infinity']
    >>> plain_values(np.array([(1, 2), None], dtype=object))
    ['(1, 2)', 'None']
    """
    return [_plain(v) for v in values.tolist()]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def layout(graph: Graph, seed: int = 1) -> np.ndarray:
    """Positions of the vertices in page units: networkx's spring layout (seeded) per component, packed.

    Laid out together, disconnected components drift to the corners and each shrinks
    to a dot; laid out one by one, each gets room in proportion to its size.

    Examples
    --------
    >>> xy = layout(Graph.from_edges([1, 2, 3, 7], [2, 3, 1, 8]))
    >>> xy.shape, bool((xy >= 0).all() and (xy[:, 0] <= 1000).all() and (xy[:, 1] <= 680).all())
    ((5, 2), True)
    """
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(graph.num_vertices))
    g.add_edges_from(zip(graph.sources.tolist(), graph.indices.tolist()))
    components = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    xy = np.zeros((graph.num_vertices, 2))
    boxes = _pack([math.sqrt(len(c)) for c in components])
    for members, (x, y, side) in zip(components, boxes):
        placed = nx.spring_layout(g.subgraph(members), seed=seed)
        xy[members] = _fit([placed[i] for i in members], x + 0.1 * side, y + 0.1 * side, 0.8 * side)
    if not graph.num_vertices:
        return xy
    size = np.array(_SIZE, dtype=np.float64) - 2 * _MARGIN
    span = np.maximum(np.ptp(xy, axis=0), 1e-9)
    scale = min(size / span)
    centre = (xy.max(axis=0) + xy.min(axis=0)) / 2
    return ((xy - centre) * scale + np.array(_SIZE) / 2).round(1)


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
        return min(_SIZE[0] / width, _SIZE[1] / height)

    widths = np.cumsum(sides).tolist() or [1.0]
    return max((rows(w + 1e-9) for w in widths), key=scale)


def _symmetric(graph: Graph) -> bool:
    """Every edge has its reverse (an undirected graph): draw one line per pair, no arrows."""
    edges = graph.to_scipy().astype(bool)
    return (edges != edges.T).nnz == 0


def render(data: dict[str, Any], title: str) -> str:
    """The page: template, style sheet, data and script in one string."""
    payload = json.dumps(data, allow_nan=False, separators=(",", ":")).replace("</", "<\\/")
    graph = f"{len(data['ids'])} vertices, {len(data['edges'])} {'edges' if data['directed'] else 'undirected edges'}"
    return _TEMPLATE.format(
        title=html.escape(title),
        summary=html.escape(f"{graph}, {len(data['steps'])} supersteps"),
        css=_package_text("viz.css"),
        js=_package_text("viz.js"),
        data=payload,
        width=_SIZE[0],
        height=_SIZE[1],
    )


def _package_text(name: str) -> str:
    return resources.files("pregel.viz").joinpath(name).read_text(encoding="utf-8")


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<style>
{css}
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <p id="summary">{summary}</p>
</header>
<nav id="controls">
  <button id="reset" title="Back to the start (Home)">&#x21BA; Reset</button>
  <button id="back" title="Back one superstep (&#x2190;)">&#x25C0; Back</button>
  <button id="play" title="Play or pause (space)">&#x25B6; Play</button>
  <button id="step" title="One superstep (&#x2192;)">Step &#x25B6;</button>
  <input id="slider" type="range" min="0" max="0" value="0" aria-label="supersteps done">
  <label>speed <select id="speed">
    <option value="0.5">&#xBD;&#xD7;</option><option value="1" selected>1&#xD7;</option>
    <option value="2">2&#xD7;</option><option value="4">4&#xD7;</option>
  </select></label>
</nav>
<main>
  <svg id="graph" viewBox="0 0 {width} {height}" role="img" aria-label="the graph">
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7"
              orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"></path></marker>
    </defs>
    <g id="edges"></g><g id="messages"></g><g id="vertices"></g>
  </svg>
  <aside id="panel">
    <p class="counter">supersteps done <b id="superstep">0</b> of <span id="last">0</span></p>
    <p id="phase"></p>
    <dl id="stats">
      <dt>vertices that ran compute</dt><dd id="active">&#x2013;</dd>
      <dt>messages sent</dt><dd id="sent">&#x2013;</dd>
      <dt>after combining</dt><dd id="combined">&#x2013;</dd>
    </dl>
    <div id="info">Hover over or click a vertex.</div>
    <ul id="legend"></ul>
  </aside>
</main>
<script type="application/json" id="trace-data">{data}</script>
<script>
{js}
</script>
</body>
</html>
"""
