"""A page that replays a traced run superstep by superstep, for people to watch.

:func:`write_html` turns ``pregel.run(..., trace=True)`` into one self-contained HTML
file: the trace as embedded JSON (numbers packed, exact), the sizes and layout of
:mod:`pregel.viz.layout`, and ``viz.js``/``viz.css`` from this package inlined. It needs
no server and no network; open it from disk. The script draws; everything it shows was
computed by the engine.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from dataclasses import replace
from importlib import resources
from typing import Any

import numpy as np

from pregel.core.files import atomic_write
from pregel.core.graph import Graph
from pregel.core.trace import StepTrace, Trace
from pregel.errors import InputError
from pregel.viz.layout import CANVAS, choose_sizes, layout
from pregel.viz.looks import look_of

MAX_VERTICES = 300
STYLES = ("rank", "distance", "label", "value")


def check_size(graph: Any, max_vertices: int = MAX_VERTICES) -> None:
    """Refuse a graph too large to draw: an :class:`InputError` that names the limit.

    ``graph`` is a Graph, or a traced run (a Result or its Trace), which counts every
    vertex that ever existed in it: the page draws those added by mutations too.

    Examples
    --------
    >>> try:
    ...     check_size(Graph.from_edges([1, 2, 3], [2, 3, 1]), max_vertices=2)
    ... except InputError as e:
    ...     print(e)
    the graph has 3 vertices, more than the limit of 2 for a replay page (--max-vertices 3 draws it anyway)
    """
    trace = getattr(graph, "trace", graph)
    if isinstance(trace, Trace):
        graphs = _graphs(trace, getattr(graph, "graph", None))
        n = _union_ids(graphs).size
        what = "the graph has" if len(graphs) == 1 else "the run's graphs have, together,"
    else:
        n, what = graph.num_vertices, "the graph has"
    if n > max_vertices:
        raise InputError(
            f"{what} {n} vertices, more than the limit of {max_vertices} for a replay page "
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
    page = page_html(result, style=style, title=title, seed=seed, max_vertices=max_vertices)
    with atomic_write(path) as f:
        f.write(page)


def page_html(
    result: Any,
    *,
    style: str | None = None,
    title: str | None = None,
    seed: int = 1,
    max_vertices: int = MAX_VERTICES,
) -> str:
    """The replay page of a traced run as one string: what :func:`write_html` writes.

    The parameters and errors are those of :func:`write_html`.

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.pagerank import PageRank
    >>> result = pregel.run(pregel.Graph.from_edges([1, 2, 2], [2, 1, 3]), PageRank, trace=True)
    >>> page_html(result, title="three pages").startswith("<!DOCTYPE html>")
    True
    """
    trace = getattr(result, "trace", result)
    if not isinstance(trace, Trace):
        raise InputError("this result has no trace: run it with pregel.run(..., trace=True)")
    check_size(result, max_vertices)
    style = style or look_of(trace.program_class).style
    if style not in STYLES:
        raise InputError(f"unknown style {style!r} (choose from {', '.join(STYLES)})")
    # a Result knows the graph after the last superstep's mutations; a Trace alone does not
    return render(page_data(trace, style, seed, after=getattr(result, "graph", None)), title or trace.program)


def page_data(trace: Trace, style: str, seed: int = 1, after: Graph | None = None) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready values (vertices by global index).

    Numbers travel packed (:func:`column`, :func:`indices`, :func:`flags`,
    :func:`message_values`): exact, and a third of the size of JSON text; a step's message
    senders and targets are ``None`` when they are those of the step before (PageRank
    sends along the same edges every superstep).

    A run whose program mutated the graph is drawn on the union of every vertex and
    edge it ever had (vertex ``i`` is ``ids[i]``, sorted): ``graphs`` holds each distinct
    graph as two :func:`flags` (which vertices, which ``edges`` it has), ``graph_at[p]``
    the one of position ``p`` (0: the graph the run started on, ``p``: the one superstep
    ``p - 1`` ran on, ``last + 1``: the one left after the run, when ``after`` gives
    it), and the steps' values, flags and messages are spread onto the union (``nan``
    or ``None`` where a vertex is missing). A run without mutations has none of this.

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.sssp import ShortestPaths
    >>> g = pregel.Graph.from_edges([1, 2], [2, 3])
    >>> data = page_data(pregel.run(g, ShortestPaths(source=2), trace=True).trace, "distance")
    >>> first = data["steps"][0]
    >>> unpack(data["initial"]).tolist(), unpack(first["values"]).tolist()
    ([inf, inf, inf], [inf, 0.0, inf])
    >>> unpack(first["messages"]["from"]).tolist(), unpack(first["messages"]["to"]).tolist()
    ([1], [2])

    Values that name vertices are shown as the user named them (:mod:`pregel.viz.looks`):

    >>> from pregel.algorithms.components import connected_components
    >>> g = pregel.Graph.from_edges(["b", "a"], ["c", "b"])
    >>> data = page_data(connected_components(g, trace=True).trace, "label")
    >>> data["ids"], unpack(data["steps"][-1]["values"]).tolist(), data["meaning"]
    (['a', 'b', 'c'], ['a', 'a', 'a'], 'the component label')
    """
    trace = _shown(trace)
    graphs = _graphs(trace, after)
    graph = trace.graph if len(graphs) == 1 else _union(graphs)
    src, dst = graph.sources, graph.indices
    directed = not all(_symmetric(g) for g in graphs)
    keep = np.ones(src.size, dtype=bool) if directed else src <= dst
    at = _positions(trace, graphs)
    spread = [None if len(graphs) == 1 else np.searchsorted(graph.ids, g.ids) for g in graphs]
    initial = _on_union(trace.initial, spread[at[0]], graph.num_vertices)
    states = [initial, *(_on_union(s.values, spread[at[k + 1]], graph.num_vertices) for k, s in enumerate(trace.steps))]
    sizes = choose_sizes(_peaks(states), style)
    steps, before = [], None
    for k, step in enumerate(trace.steps):
        step = _spread_step(step, spread[at[k + 1]], graph.num_vertices, states[k + 1])
        steps.append(_step_data(step, before))
        before = step
    data = {
        "style": style,
        "meaning": look_of(trace.program_class).meaning,
        "directed": directed,
        "ids": graph.original_ids.tolist(),
        "xy": layout(graph, sizes.radius(_peaks(states), style), seed).tolist(),
        "size": list(CANVAS),
        "radius": sizes.as_dict(),
        "edges": np.column_stack([src[keep], dst[keep]]).tolist(),
        "out_degree": graph.out_degree.tolist(),
        "in_degree": np.bincount(dst, minlength=graph.num_vertices).tolist(),
        "initial": column(initial),
        "steps": steps,
        "aggregator_labels": {"delta": "L1 change", "dangling": "dangling rank"} if style == "rank" else {},
    }
    if len(graphs) > 1:
        # the degrees change with the graph: the page counts them from the edges present
        del data["out_degree"], data["in_degree"]
        keys = src[keep] * graph.num_vertices + dst[keep]
        data["graphs"] = [_presence(g, where, keys, graph.num_vertices) for g, where in zip(graphs, spread)]
        data["graph_at"] = at
    return data


def _shown(trace: Trace) -> Trace:
    """The trace with every value and message as its program's look shows it (:mod:`pregel.viz.looks`)."""
    look = look_of(trace.program_class)

    # values that are vertex numbers are the run's numbers of its first graph, even after a mutation
    graph = trace.graph

    def step_shown(step: StepTrace) -> StepTrace:
        return replace(
            step,
            values=look.values(step.values, graph),
            messages=look.messages(step.messages, graph),
            inbox=look.messages(step.inbox, graph),
        )

    return replace(trace, initial=look.values(trace.initial, trace.graph), steps=[step_shown(s) for s in trace.steps])


def _graphs(trace: Trace, after: Graph | None = None) -> list[Graph]:
    """The distinct graphs of a run, in order: the one it started on, each one a mutation made, then ``after``."""
    graphs = [trace.graph]
    for step in trace.steps:
        if step.graph is not None and step.graph is not graphs[-1]:
            graphs.append(step.graph)
    if after is not None and after is not graphs[-1]:
        graphs.append(after)
    return graphs


def _positions(trace: Trace, graphs: list[Graph]) -> list[int]:
    """For each position of the page (supersteps done), the index in ``graphs`` of the graph its values are on."""
    at, k = [0], 0
    for step in trace.steps:
        k += step.graph is not None and step.graph is not graphs[k]
        at.append(k)
    return at + [k + 1] if k + 1 < len(graphs) else at


def _union_ids(graphs: list[Graph]) -> np.ndarray:
    ids = graphs[0].ids
    for g in graphs[1:]:
        ids = np.union1d(ids, g.ids)
    return ids


def _union(graphs: list[Graph]) -> Graph:
    """Every vertex and edge that any of ``graphs`` has, by original id (labels stay: they never gain vertices)."""
    ids = _union_ids(graphs)
    n = ids.size
    keys = []
    for g in graphs:
        where = np.searchsorted(ids, g.ids)
        keys.append(where[g.sources] * n + where[g.indices])
    key = np.unique(np.concatenate(keys))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(key // n, minlength=n), out=indptr[1:])
    first = graphs[0]
    labels = None if first.labels is None else first.labels[np.searchsorted(first.ids, ids)]
    return Graph(ids, indptr, key % n, labels=labels)


def _presence(graph: Graph, where: np.ndarray, keys: np.ndarray, n: int) -> dict[str, Any]:
    """Which of the union's vertices and drawn edges (``keys``: source * n + target) ``graph`` has."""
    vertices = np.zeros(n, dtype=bool)
    vertices[where] = True
    edges = np.isin(keys, where[graph.sources] * n + where[graph.indices])
    return {"vertices": flags(vertices), "edges": flags(edges)}


def _on_union(values: np.ndarray, where: np.ndarray | None, n: int) -> np.ndarray:
    """Per-vertex ``values`` of a graph spread onto the union's ``n`` vertices (``nan`` or ``None`` elsewhere)."""
    if where is None:
        return values
    if values.dtype.kind == "b":
        out = np.zeros(n, dtype=bool)
    elif values.dtype.kind in "fiu" and not _as_text(values):
        out = np.full(n, np.nan)
    else:
        out = np.full(n, None, dtype=object)
    out[where] = values
    return out


def _spread_step(step: StepTrace, where: np.ndarray | None, n: int, values: np.ndarray) -> StepTrace:
    """``step`` with its vertices as indices of the union (``values`` already spread)."""
    if where is None:
        return step
    return replace(
        step,
        values=values,
        active=_on_union(step.active, where, n),
        computed=_on_union(step.computed, where, n),
        senders=np.where(step.senders >= 0, where[np.maximum(step.senders, 0)], -1),
        targets=where[step.targets],
        inbox_targets=where[step.inbox_targets],
    )


def _peaks(states: list[np.ndarray]) -> np.ndarray:
    """Each vertex's largest number over the run (``nan`` where it never had one): what its circle must fit."""
    n = len(states[0])
    peaks = np.full(n, -np.inf)
    for values in states:
        if values.dtype.kind in "fiu":
            numbers = values.astype(np.float64)
            peaks = np.fmax(peaks, np.where(np.isfinite(numbers), numbers, -np.inf))
    return np.where(np.isfinite(peaks), peaks, np.nan)


def _step_data(step: StepTrace, before: StepTrace | None) -> dict[str, Any]:
    stats = step.stats
    same = before is not None and np.array_equal(step.senders, before.senders)
    same = same and np.array_equal(step.targets, before.targets)
    same_inbox = before is not None and np.array_equal(step.inbox_targets, before.inbox_targets)
    return {
        "values": column(step.values),
        "halted": flags(~step.active),
        "computed": flags(step.computed),
        "messages": {
            "from": None if same else indices(step.senders),
            "to": None if same else indices(step.targets),
            "values": message_values(step.senders, step.messages),
        },
        # the panel shows what a vertex reads next to 4 digits: 7 are plenty
        "inbox": {"to": None if same_inbox else indices(step.inbox_targets), "values": column(step.inbox, exact=False)},
        "active": stats.active,
        "sent": stats.messages_sent,
        "combined": stats.messages_combined,
        "aggregated": {name: _plain(value) for name, value in stats.aggregated.items()},
    }


def column(values: np.ndarray, exact: bool = True) -> dict[str, Any]:
    """Values packed for the page: numbers as little-endian float64 in base64, others as text.

    Numbers keep every bit; integers beyond 2**53, which a float64 cannot hold, go as
    text. ``exact=False`` packs numbers that the page only shows rounded as float32
    (7 significant digits, half the size) when they fit in one.

    Examples
    --------
    >>> column(np.array([0.25, np.inf]))
    {'f64': 'AAAAAAAA0D8AAAAAAADwfw=='}
    >>> column(np.array([0.1]), exact=False), float(unpack(column(np.array([0.1]), exact=False))[0])
    ({'f32': 'zczMPQ=='}, 0.10000000149011612)
    >>> column(np.array([(1, 2), None], dtype=object))
    {'text': ['(1, 2)', None]}
    """
    kind = values.dtype.kind
    if kind not in "fiu" or _as_text(values):
        return {"text": [None if v is None else str(v) for v in values.tolist()]}
    finite = values[np.isfinite(values)] if kind == "f" else values
    if not exact and (not finite.size or np.abs(finite).max() < 1e38):
        return {"f32": _b64(values.astype("<f4"))}
    return {"f64": _b64(values.astype("<f8"))}


def _as_text(numbers: np.ndarray) -> bool:
    """Integers beyond 2**53, which a float64 cannot hold: the page gets them as text."""
    return numbers.dtype.kind in "iu" and numbers.size > 0 and np.abs(numbers).max() > 2**53


def message_values(senders: np.ndarray, values: np.ndarray) -> dict[str, Any]:
    """A step's message values: one per run of equal senders (``"per": "sender"``) when each run sent one value.

    A vertex that broadcasts sends one value along all its out-edges; stored once, not
    once per edge.

    Examples
    --------
    >>> message_values(np.array([0, 0, 0, 2]), np.array([0.5, 0.5, 0.5, 1.0]))
    {'f64': 'AAAAAAAA4D8AAAAAAADwPw==', 'per': 'sender'}
    >>> unpack(message_values(np.array([0, 0, 0, 2]), np.array([0.5, 0.5, 0.5, 1.0])), senders=[0, 0, 0, 2]).tolist()
    [0.5, 0.5, 0.5, 1.0]
    """
    if values.dtype.kind in "fiu" and values.size > 1:
        starts = np.flatnonzero(np.concatenate([[True], senders[1:] != senders[:-1]]))
        # bitwise: a run of NaN is one value, 0.0 and -0.0 are two
        bits = values.astype("<f8").view("<u8")
        shared = np.repeat(bits[starts], np.diff(np.append(starts, values.size)))
        if starts.size < values.size and (bits == shared).all():
            return column(values[starts]) | {"per": "sender"}
    return column(values)


def indices(values: np.ndarray) -> dict[str, str]:
    """Vertex indices (or -1 for an unknown sender) packed as little-endian int32 in base64.

    Examples
    --------
    >>> indices(np.array([0, -1, 2]))
    {'i32': 'AAAAAP////8CAAAA'}
    """
    return {"i32": _b64(np.asarray(values).astype("<i4"))}


def flags(values: np.ndarray) -> dict[str, str]:
    """One bit per vertex (vertex ``i`` is bit ``i % 8`` of byte ``i // 8``), in base64.

    Examples
    --------
    >>> flags(np.array([True, False, False, True, True]))
    {'bits': 'GQ=='}
    """
    return {"bits": _b64(np.packbits(np.asarray(values, dtype=bool), bitorder="little"))}


def unpack(packed: dict[str, Any], count: int | None = None, senders: Any = None) -> np.ndarray:
    """The values a :func:`column`, :func:`indices`, :func:`flags` or :func:`message_values` holds.

    ``count`` is the number of flags; ``senders`` those of the messages, for values
    stored once per sender.

    Examples
    --------
    >>> unpack(flags(np.array([True, False, True])), 3).tolist()
    [True, False, True]
    """
    if "text" in packed:
        return np.array(packed["text"], dtype=object)
    if "bits" in packed:
        bits = np.frombuffer(base64.b64decode(packed["bits"]), dtype=np.uint8)
        return np.unpackbits(bits, count=count, bitorder="little").astype(bool)
    if "i32" in packed:
        return np.frombuffer(base64.b64decode(packed["i32"]), dtype="<i4").astype(np.int64)
    kind, dtype = ("f64", "<f8") if "f64" in packed else ("f32", "<f4")
    numbers = np.frombuffer(base64.b64decode(packed[kind]), dtype=dtype)
    if packed.get("per") == "sender":
        senders = np.asarray(senders)
        numbers = numbers[np.cumsum(np.concatenate([[0], senders[1:] != senders[:-1]]))]
    return numbers.astype(np.float64)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _plain(value: Any) -> Any:
    """An aggregator's value as JSON can hold it: ``inf``/``nan`` as text, non-numbers as text.

    A dict (master compute's plan, say) shows its plain entries, ``key=value``; the arrays
    it carries for the vertices are left out.

    Examples
    --------
    >>> _plain({"level": 1, "modularity": 0.25, "labels": np.arange(3)}), _plain(np.float64("inf"))
    ('level=1, modularity=0.25', 'Infinity')
    """
    if isinstance(value, dict):
        shown = {k: v for k, v in value.items() if not isinstance(v, np.ndarray)}
        return ", ".join(f"{k}={_plain(v) if isinstance(v, np.generic) else v}" for k, v in shown.items())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _symmetric(graph: Graph) -> bool:
    """Every edge has its reverse (an undirected graph): draw one line per pair, no arrows."""
    edges = graph.to_scipy().astype(bool)
    return (edges != edges.T).nnz == 0


def render(data: dict[str, Any], title: str) -> str:
    """The page: template, style sheet, data and script in one string."""
    payload = json.dumps(data, allow_nan=False, separators=(",", ":")).replace("</", "<\\/")
    graph = f"{len(data['ids'])} vertices, {len(data['edges'])} {'edges' if data['directed'] else 'undirected edges'}"
    if "graphs" in data:
        graph += f" over the run (the program changed the graph {len(data['graphs']) - 1} times)"
    return _TEMPLATE.format(
        title=html.escape(title),
        summary=html.escape(f"{graph}, {len(data['steps'])} supersteps"),
        css=_package_text("viz.css"),
        js=_package_text("viz.js"),
        data=payload,
        width=CANVAS[0],
        height=CANVAS[1],
    )


def _package_text(name: str) -> str:
    return resources.files("pregel.viz").joinpath(name).read_text(encoding="utf-8")


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
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
  <button id="fit" title="The whole drawing (F); the wheel zooms, dragging the background pans">&#x2922; Fit</button>
  <label>speed <select id="speed">
    <option value="0.5">&#xBD;&#xD7;</option><option value="1" selected>1&#xD7;</option>
    <option value="2">2&#xD7;</option><option value="4">4&#xD7;</option>
  </select></label>
</nav>
<main>
  <svg id="graph" viewBox="0 0 {width} {height}" role="img" aria-label="the graph">
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse"
              markerWidth="10" markerHeight="10" orient="auto-start-reverse">
        <path d="M0,0 L10,5 L0,10 z"></path>
      </marker>
    </defs>
    <g id="edges"></g><g id="messages"></g><g id="vertices"></g><g id="hover"></g>
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
