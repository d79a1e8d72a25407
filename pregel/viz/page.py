"""A page that replays a traced run superstep by superstep, for people to watch.

:func:`write_html` turns ``pregel.run(..., trace=True)`` into one self-contained HTML
file: the trace as embedded JSON (numbers packed, exact), the sizes and layout of
:mod:`pregel.viz.layout`, and ``viz.js``/``viz.css`` from this package inlined. It needs
no server and no network; open it from disk. The script draws; everything it shows was
computed by the engine.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import math
import os
from collections.abc import Callable
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
    check_size(trace.graph, max_vertices)
    style = style or look_of(trace.program_class).style
    if style not in STYLES:
        raise InputError(f"unknown style {style!r} (choose from {', '.join(STYLES)})")
    return render(page_data(trace, style, seed), title or trace.program)


def page_data(trace: Trace, style: str, seed: int = 1) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready values (vertices by global index).

    Numbers travel packed (:func:`column`, :func:`indices`, :func:`flags`,
    :func:`message_values`): exact, and a third of the size of JSON text; a step's message
    senders and targets are ``None`` when they are those of the step before (PageRank
    sends along the same edges every superstep).

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
    graph = trace.graph
    look = look_of(trace.program_class)
    src, dst = graph.sources, graph.indices
    directed = not _symmetric(graph)
    keep = np.ones(src.size, dtype=bool) if directed else src <= dst
    drawn = [_drawn(step, graph) for step in trace.steps]
    states = [look.values(values, graph) for values in (trace.initial, *(step.values for step, _ in drawn))]
    sizes = choose_sizes(_peaks(states), style)
    steps, before = [], None
    for (step, gone), values in zip(drawn, states[1:]):
        steps.append(_step_data(step, before, values, lambda m: look.messages(m, graph)))
        if gone.any():
            steps[-1]["gone"] = flags(gone)
        before = step
    return {
        "style": style,
        "meaning": look.meaning,
        "directed": directed,
        "ids": graph.original_ids.tolist(),
        "xy": layout(graph, sizes.radius(_peaks(states), style), seed).tolist(),
        "size": list(CANVAS),
        "radius": sizes.as_dict(),
        "edges": np.column_stack([src[keep], dst[keep]]).tolist(),
        "out_degree": graph.out_degree.tolist(),
        "in_degree": np.bincount(dst, minlength=graph.num_vertices).tolist(),
        "initial": column(states[0]),
        "steps": steps,
        "aggregator_labels": {"delta": "L1 change", "dangling": "dangling rank"} if style == "rank" else {},
    }


def _drawn(step: StepTrace, graph: Graph) -> tuple[StepTrace, np.ndarray]:
    """A step over the drawn graph's vertices, and which of them are gone (a mutation removed them).

    A run whose program mutates the topology (:mod:`pregel.core.mutations`) records each
    step over the graph it ran on; the page draws the first graph, so a removed vertex
    is drawn as removed and an added one, which has no place in the drawing, is left
    out with its messages.
    """
    ran = step.graph
    if ran is None or ran is graph:
        return step, np.zeros(graph.num_vertices, dtype=bool)
    at = np.minimum(np.searchsorted(graph.ids, ran.ids), max(graph.num_vertices - 1, 0))
    placed = graph.ids[at] == ran.ids if graph.num_vertices else np.zeros(ran.num_vertices, dtype=bool)
    where = np.where(placed, at, -1)
    gone = np.ones(graph.num_vertices, dtype=bool)
    gone[at[placed]] = False

    def spread(values: np.ndarray) -> np.ndarray:
        out = np.zeros(graph.num_vertices, dtype=values.dtype)
        out[at[placed]] = values[placed]
        return out

    senders = np.where(step.senders >= 0, where[np.maximum(step.senders, 0)], -1)
    targets, readers = where[step.targets], where[step.inbox_targets]
    sent, read = targets >= 0, readers >= 0
    return dataclasses.replace(
        step,
        values=spread(step.values),
        active=spread(step.active),
        computed=spread(step.computed),
        senders=senders[sent],
        targets=targets[sent],
        messages=step.messages[sent],
        inbox_targets=readers[read],
        inbox=step.inbox[read],
        graph=graph,
    ), gone


def _peaks(states: list[np.ndarray]) -> np.ndarray:
    """Each vertex's largest number over the run (``nan`` where it never had one): what its circle must fit."""
    n = len(states[0])
    peaks = np.full(n, -np.inf)
    for values in states:
        if values.dtype.kind in "fiu":
            numbers = values.astype(np.float64)
            peaks = np.fmax(peaks, np.where(np.isfinite(numbers), numbers, -np.inf))
    return np.where(np.isfinite(peaks), peaks, np.nan)


def _step_data(
    step: StepTrace, before: StepTrace | None, values: np.ndarray, shown: Callable[[np.ndarray], np.ndarray]
) -> dict[str, Any]:
    """One superstep for the page: ``values`` are the vertices' as shown, ``shown`` shows a message's."""
    stats = step.stats
    same = before is not None and np.array_equal(step.senders, before.senders)
    same = same and np.array_equal(step.targets, before.targets)
    same_inbox = before is not None and np.array_equal(step.inbox_targets, before.inbox_targets)
    return {
        "values": column(values),
        "halted": flags(~step.active),
        "computed": flags(step.computed),
        "messages": {
            "from": None if same else indices(step.senders),
            "to": None if same else indices(step.targets),
            "values": message_values(step.senders, shown(step.messages)),
        },
        # the panel shows what a vertex reads next to 4 digits: 7 are plenty
        "inbox": {
            "to": None if same_inbox else indices(step.inbox_targets),
            "values": column(shown(step.inbox), exact=False),
        },
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
    if kind not in "fiu" or (kind in "iu" and values.size and np.abs(values).max() > 2**53):
        return {"text": [None if v is None else str(v) for v in values.tolist()]}
    finite = values[np.isfinite(values)] if kind == "f" else values
    if not exact and (not finite.size or np.abs(finite).max() < 1e38):
        return {"f32": _b64(values.astype("<f4"))}
    return {"f64": _b64(values.astype("<f8"))}


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
    """An aggregator's value as JSON can hold it: ``inf``/``nan`` as text, non-numbers as text."""
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
