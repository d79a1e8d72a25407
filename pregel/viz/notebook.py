"""Pregel in Jupyter: the replay page inline, and a live display of a run's supersteps.

:func:`show` puts the replay page of a traced run in the notebook, in a sandboxed
``<iframe srcdoc>``: the page's script runs, but it can reach neither the notebook nor
the network (its own Content-Security-Policy forbids any fetch), and the notebook
keeps it when saved or exported to HTML. :func:`progress` returns an ``on_superstep``
callback for :func:`pregel.run` that shows the run as it goes: an ipywidgets widget in
a Jupyter kernel when ipywidgets is installed, a line of text updated in place
otherwise (on stderr outside Jupyter).

IPython and ipywidgets are imported only when used: ``pregel.viz`` needs neither.
"""

from __future__ import annotations

import html
import numbers
import sys
import time
from collections.abc import Mapping
from typing import IO, Any

import numpy as np

from pregel.core.types import Result, SuperstepStats, html_table, number_text, seconds_text, sparkline
from pregel.viz.page import MAX_VERTICES, page_html

#: Seconds between redraws: a fast run is not slowed down by its display.
REDRAW_SECONDS = 0.1


def replay_frame(
    result: Any,
    *,
    height: int = 640,
    style: str | None = None,
    title: str | None = None,
    seed: int = 1,
    max_vertices: int = MAX_VERTICES,
) -> str:
    """The replay page of a traced run inside a sandboxed ``<iframe>``, as HTML for a notebook cell.

    The page travels in the frame's ``srcdoc``; ``sandbox="allow-scripts"`` lets its
    script run with an origin of its own (no access to the notebook, its cookies or
    its kernel). The other parameters are those of :func:`pregel.viz.page.write_html`.

    Examples
    --------
    >>> import pregel
    >>> from pregel.algorithms.pagerank import PageRank
    >>> result = pregel.run(pregel.Graph.from_edges([1, 2, 2], [2, 1, 3]), PageRank, trace=True)
    >>> frame = replay_frame(result, height=500)
    >>> frame.startswith("<div") and 'sandbox="allow-scripts"' in frame and 'height="500"' in frame
    True
    """
    page = page_html(result, style=style, title=title, seed=seed, max_vertices=max_vertices)
    return (
        '<div class="pregel-replay">'
        f'<iframe sandbox="allow-scripts" srcdoc="{html.escape(page, quote=True)}" width="100%" height="{height}" '
        'style="border:1px solid #ddd;border-radius:6px" title="pregel replay"></iframe></div>'
    )


def show(
    result: Any,
    *,
    height: int = 640,
    style: str | None = None,
    title: str | None = None,
    seed: int = 1,
    max_vertices: int = MAX_VERTICES,
) -> None:
    """Show the replay page of a traced run in the notebook (JupyterLab, Notebook, VS Code).

    Parameters
    ----------
    result : Result or Trace
        A result of ``pregel.run(..., trace=True)``, or its ``trace``.
    height : int
        Height of the frame in pixels.
    style, title, seed, max_vertices
        As for :func:`pregel.viz.page.write_html`.

    Raises
    ------
    InputError
        If the run was not traced or the graph is too large to draw.
    ImportError
        Outside IPython (write the page with :func:`pregel.viz.page.write_html` instead).

    Examples
    --------
    In a notebook cell::

        import pregel, pregel.viz
        from pregel.algorithms.pagerank import PageRank
        result = pregel.run(pregel.Graph.from_edges([1, 2, 2], [2, 1, 3]), PageRank, trace=True)
        pregel.viz.show(result)
    """
    frame = replay_frame(result, height=height, style=style, title=title, seed=seed, max_vertices=max_vertices)
    from IPython.display import HTML, display

    display(HTML(frame))


def progress(
    title: str = "pregel",
    measures: Mapping[str, str] | None = None,
    total: int | None = None,
    stream: IO[str] | None = None,
) -> LiveProgress:
    """A live display of a run, to pass as ``on_superstep`` (and to close with :meth:`LiveProgress.finish`).

    Parameters
    ----------
    title : str
        What runs, the first word of the display.
    measures : mapping of str to str, optional
        Aggregators to show, name → label (``{"delta": "L1 change"}``); default: every
        aggregator with a number, by its name. The first one is drawn as a sparkline.
    total : int, optional
        The most supersteps the run may take (its ``max_supersteps``): the widget then
        has a progress bar.
    stream : file, optional
        Outside Jupyter, where the line goes (default ``sys.stderr``).

    Returns
    -------
    LiveProgress
        Call it with each :class:`~pregel.SuperstepStats`; it is also a context manager
        that finishes the display on leaving.

    Examples
    --------
    >>> import io, pregel
    >>> from pregel.algorithms.pagerank import PageRank
    >>> out = io.StringIO()
    >>> shown = progress("pagerank", {"delta": "L1 change"}, stream=out)
    >>> result = pregel.run(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]), PageRank, on_superstep=shown)
    >>> shown.finish(result)
    >>> print(out.getvalue(), end="")
    pagerank: superstep 1 | L1 change 0 | 3 active | 3 messages → 3 combined | stopped by master
    """
    return LiveProgress(title, measures, total, stream)


class LiveProgress:
    """Shows each superstep of a run where the code runs: a widget, a line in the notebook, or stderr.

    Made by :func:`progress`; see there.
    """

    def __init__(
        self,
        title: str,
        measures: Mapping[str, str] | None,
        total: int | None,
        stream: IO[str] | None,
    ) -> None:
        self.title = title
        self.measures = dict(measures) if measures is not None else None
        self.total = total
        self.history: list[SuperstepStats] = []
        self._start = time.perf_counter()
        self._last_draw = -float("inf")
        self._drawn = 0
        self._finished = False
        self._view = _view(stream)

    def __call__(self, stats: SuperstepStats) -> None:
        """Note one finished superstep; redraw at most every ``REDRAW_SECONDS``."""
        self.history.append(stats)
        now = time.perf_counter()
        if now - self._last_draw >= REDRAW_SECONDS:
            self._draw()
            self._last_draw = now

    def finish(self, result: Result | None = None) -> None:
        """Draw the last superstep and how the run ended (``result.stopped_by``); once."""
        if self._finished:
            return
        self._finished = True
        if self._drawn < len(self.history) or result is not None:
            self._draw(result)
        self._view.close()

    def __enter__(self) -> LiveProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    def line(self, result: Result | None = None) -> str:
        """The display as one line of text.

        Examples
        --------
        >>> shown = progress("cc", stream=None)
        >>> shown(SuperstepStats(3, 7115, 42462, 1897, 0.012, {"improved": 396}))
        >>> shown.line()
        'cc: superstep 3 | improved 396 | 7,115 active | 42,462 messages → 1,897 combined'
        """
        if not self.history:
            return f"{self.title}: starting"
        stats = self.history[-1]
        parts = [f"{self.title}: superstep {stats.superstep}"]
        parts += [f"{label} {number_text(value)}" for label, value, _ in self._measures()]
        parts.append(f"{stats.active:,} active")
        parts.append(f"{stats.messages_sent:,} messages → {stats.messages_combined:,} combined")
        if result is not None:
            parts.append(f"stopped by {result.stopped_by}")
        return " | ".join(parts)

    def html(self, result: Result | None = None) -> str:
        """The display as HTML: a small table, the first measure as a sparkline so far."""
        if not self.history:
            return f"<b>{html.escape(self.title)}</b>: starting"
        stats = self.history[-1]
        rows = [("superstep", f"{stats.superstep:,}" + (f" of at most {self.total:,}" if self.total else ""))]
        markup = set()
        for label, value, points in self._measures():
            rows.append((label, number_text(value)))
            if len(points) > 1 and not markup:
                positive = [p for p in points if p > 0]
                log = len(positive) > 1 and max(positive) > 100 * min(positive)
                rows.append((f"{label} so far", sparkline(points, log=log)))
                markup.add(f"{label} so far")
        rows += [
            ("active", f"{stats.active:,}"),
            ("messages", f"{stats.messages_sent:,} → {stats.messages_combined:,} combined"),
            ("elapsed", seconds_text(time.perf_counter() - self._start)),
        ]
        if result is not None:
            rows.append(("stopped by", result.stopped_by))
        return html_table(rows, caption=self.title, raw=markup)

    def _measures(self) -> list[tuple[str, Any, list[float]]]:
        """``(label, latest value, one value per superstep)`` of each aggregator shown."""
        latest = self.history[-1].aggregated
        wanted = self.measures
        if wanted is None:
            wanted = {name: name for name, value in latest.items() if _is_number(value)}
        return [
            (label, latest[name], [float(s.aggregated.get(name, float("nan"))) for s in self.history])
            for name, label in wanted.items()
            if name in latest and _is_number(latest[name])
        ]

    def _draw(self, result: Result | None = None) -> None:
        self._drawn = len(self.history)
        self._view.draw(self, result)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (where rich output and widgets are shown).

    Examples
    --------
    >>> in_notebook()
    False
    """
    ipython = sys.modules.get("IPython")  # never imported here: a kernel has imported it already
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def _view(stream: IO[str] | None) -> Any:
    if stream is None and in_notebook():
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            return _TextCell()
        return _Widget()
    return _Line(stream if stream is not None else sys.stderr)


class _Widget:
    """An ipywidgets HTML widget (and a progress bar when the run's limit is known), updated in place."""

    def __init__(self) -> None:
        self.box: Any = None

    def draw(self, shown: LiveProgress, result: Result | None) -> None:
        import ipywidgets
        from IPython.display import display

        if self.box is None:
            self.text = ipywidgets.HTML()
            self.bar = ipywidgets.IntProgress(min=0, max=shown.total, description=shown.title) if shown.total else None
            self.box = ipywidgets.VBox([self.bar, self.text] if self.bar else [self.text])
            display(self.box)
        self.text.value = shown.html(result)
        if self.bar is not None and shown.history:
            self.bar.value = min(shown.history[-1].superstep + 1, self.bar.max)
            if result is not None:
                self.bar.bar_style = "success" if result.stopped_by != "max_supersteps" else "warning"

    def close(self) -> None:
        pass


class _TextCell:
    """A line of text in the notebook's output, replaced at each redraw (no widget library needed)."""

    def __init__(self) -> None:
        self.handle: Any = None

    def draw(self, shown: LiveProgress, result: Result | None) -> None:
        from IPython.display import Pretty, display

        if self.handle is None:
            self.handle = display(Pretty(shown.line(result)), display_id=True)
        else:
            self.handle.update(Pretty(shown.line(result)))

    def close(self) -> None:
        pass


class _Line:
    """One line on a stream: rewritten in place on a terminal, written once at the end elsewhere."""

    def __init__(self, stream: IO[str] | None) -> None:
        self.stream = stream
        self.live = stream is not None and getattr(stream, "isatty", lambda: False)()
        self.text = ""

    def draw(self, shown: LiveProgress, result: Result | None) -> None:
        self.text = shown.line(result)
        if self.live and self.stream is not None:
            self.stream.write("\r\x1b[K" + self.text)
            self.stream.flush()

    def close(self) -> None:
        if self.stream is None or not self.text:
            return
        self.stream.write(("\r\x1b[K" if self.live else "") + self.text + "\n")
        self.stream.flush()
        self.text = ""
