"""What a person sees while a run goes: a live superstep line, a statistics table, a summary.

On a terminal, one line on stderr is rewritten after every superstep (superstep, active
vertices, messages sent and after combining, seconds, and the algorithm's own measure
such as PageRank's L1 change); at the end it stays, followed by a short table and a
summary line. When stderr is not a terminal (a log file, a pipe, a test) only the
summary line is written, so logs stay small. ``quiet`` writes nothing.
"""

from __future__ import annotations

import math
import numbers
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

from pregel.core.types import Recovery, Result, SuperstepStats
from pregel.core.types import seconds_text as duration

#: Seconds between redraws of the live line: fast runs are not slowed by the terminal.
REDRAW_SECONDS = 0.05
#: Table rows shown at each end of a long run (the middle is elided).
TABLE_ENDS = 3

_CLEAR_LINE = "\r\x1b[K"


class Progress:
    """Progress of one run on ``stream``; pass :meth:`superstep` as ``on_superstep``.

    Parameters
    ----------
    stream : file
        Usually ``sys.stderr``.
    title : str
        What runs (``"pagerank"``), first word of every line.
    measures : mapping of str to str
        Aggregators worth showing, name → label (``{"delta": "L1 change"}``).
    quiet : bool
        Show nothing at all.
    live : bool, optional
        Force the live display on or off; default: on when ``stream`` is a terminal
        (and ``TERM`` is not ``dumb``).

    Examples
    --------
    Off a terminal only the summary line is written:

    >>> import io, pregel
    >>> from pregel.algorithms.components import ConnectedComponents
    >>> out = io.StringIO()
    >>> progress = Progress(out, "cc")
    >>> g = pregel.Graph.from_edges([1, 2], [2, 3]).to_undirected()
    >>> result = pregel.run(g, ConnectedComponents, on_superstep=progress.superstep)
    >>> progress.finish(result, 0.01, "local backend")
    >>> print(out.getvalue(), end="")
    cc: 3 vertices, 4 edges, 4 supersteps, 0.010 s (local backend)
    """

    def __init__(
        self,
        stream: IO[str],
        title: str,
        measures: Mapping[str, str] | None = None,
        quiet: bool = False,
        live: bool | None = None,
    ) -> None:
        self.stream = stream
        self.title = title
        self.measures = dict(measures or {})
        self.quiet = quiet
        self.live = not quiet and (is_terminal(stream) if live is None else live)
        self.color = self.live and "NO_COLOR" not in os.environ
        self._last_draw = -math.inf
        self._pending: SuperstepStats | None = None

    def status(self, text: str) -> None:
        """Show what is happening before the first superstep (reading a file...)."""
        if self.live:
            self._draw(f"{self.title}: {text}")

    def superstep(self, stats: SuperstepStats) -> None:
        """Show one finished superstep (redrawn at most every ``REDRAW_SECONDS``)."""
        if not self.live:
            return
        now = time.perf_counter()
        self._pending = stats
        if now - self._last_draw >= REDRAW_SECONDS:
            self._draw(self.line(stats, self._columns()))
            self._last_draw, self._pending = now, None

    def line(self, stats: SuperstepStats, width: int | None = None) -> str:
        """The live line for one superstep, fitted to ``width`` columns.

        When the whole line does not fit, parts are left out from the least telling
        (the time, then the messages...) rather than cut in the middle; the superstep
        and the algorithm's own measure stay (cut short with "…" if need be).

        Examples
        --------
        >>> s = SuperstepStats(4, 7115, 103689, 6110, 0.0042, {"delta": 3.2e-07})
        >>> progress = Progress(None, "pagerank", {"delta": "L1 change"}, live=False)
        >>> progress.line(s)
        'pagerank: superstep 4 | L1 change 3.200e-07 | 7,115 active | 103,689 messages → 6,110 combined | 4.20 ms'
        >>> progress.line(s, width=60)
        'pagerank: superstep 4 | L1 change 3.200e-07 | 7,115 active'
        >>> progress.line(s, width=30)
        'pagerank: superstep 4 | L1 ch…'
        """
        parts = [
            f"{self.title}: superstep {stats.superstep}",
            *(f"{label} {_number(value)}" for label, value in self._measures(stats.aggregated)),
            f"{stats.active:,} active",
            f"{stats.messages_sent:,} messages → {stats.messages_combined:,} combined",
            duration(stats.seconds),
        ]
        text = " | ".join(parts)
        keep = 1 + len(self._measures(stats.aggregated))
        while width is not None and len(text) > width and len(parts) > keep:
            parts.pop()
            text = " | ".join(parts)
        if width is not None and len(text) > width:
            text = text[: max(width - 1, 0)] + "…"
        return text

    def recovery(self, recovery: Recovery) -> None:
        """Say that the run resumed from a checkpoint or recovered from a lost worker.

        One line wherever the stream goes (unless ``quiet``); each checkpoint passed
        over is a warning, even when ``quiet``.
        """
        lines = [f"pregel: warning: skipped checkpoint {skipped}" for skipped in recovery.skipped]
        if not self.quiet:
            lines.append(f"{self.title}: {recovery.describe()}")
        if self.live:
            self.stream.write(_CLEAR_LINE)
        self.stream.write("".join(line + "\n" for line in lines))
        self.stream.flush()

    def finish(self, result: Result, seconds: float, where: str) -> None:
        """End the display: the last live line, the table (on a terminal), the summary line."""
        if self.quiet:
            return
        if self.live:
            if self._pending is not None:
                self._draw(self.line(self._pending, self._columns()))
            # the last superstep line stays; a status line (a run without supersteps shown) goes
            self.stream.write("\n" if self._last_draw > -math.inf else _CLEAR_LINE)
            if result.stats:
                self.stream.write(self.table(result.stats))
        self.stream.write(self.summary(result, seconds, where) + "\n")
        self.stream.flush()

    def summary(self, result: Result, seconds: float, where: str) -> str:
        """One line: the graph, the supersteps (and any resume or recovery), the time, where it ran."""
        graph = result.graph
        returns = [r.brief() for r in result.recoveries]
        went_back = f" ({'; '.join(returns)})" if returns else ""
        cost = one_core(result) if where.startswith("ray") else ""
        named = ((graph.num_vertices, "vertex", "vertices"), (graph.num_edges, "edge", "edges"))
        counts = ", ".join(
            f"{n} {one if n == 1 else many}"
            for n, one, many in (*named, (result.supersteps, "superstep", "supersteps"))
        )
        return f"{self.title}: {counts}{went_back}, {seconds:.3f} s ({where}){cost}"

    def table(self, history: Sequence[SuperstepStats]) -> str:
        """The per-superstep statistics as a small table: both ends of the run and the totals.

        Examples
        --------
        >>> rows = [SuperstepStats(i, 10, 20, 5, 0.5) for i in range(8)]
        >>> print(Progress(None, "cc", live=False).table(rows), end="")
        superstep  active  messages  combined    time
                0      10        20         5  500 ms
                1      10        20         5  500 ms
                2      10        20         5  500 ms
              ...
                5      10        20         5  500 ms
                6      10        20         5  500 ms
                7      10        20         5  500 ms
            total      80       160        40  4.00 s
        """
        labels = [label for label, _ in self._measures(history[-1].aggregated)]
        header = ["superstep", "active", "messages", "combined", "time", *labels]
        shown = list(history)
        if len(shown) > 2 * TABLE_ENDS + 1:
            shown = [*shown[:TABLE_ENDS], None, *shown[-TABLE_ENDS:]]
        rows = [self._row(s) if s is not None else ["..."] for s in shown]
        rows.append(
            [
                "total",
                f"{sum(s.active for s in history):,}",
                f"{sum(s.messages_sent for s in history):,}",
                f"{sum(s.messages_combined for s in history):,}",
                duration(sum(s.seconds for s in history)),
            ]
        )
        widths = [max(len(h), *(len(r[k]) for r in rows if len(r) > k)) for k, h in enumerate(header)]
        lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths)).rstrip()]
        lines[0] = self._bold(lines[0])
        lines += ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ helpers
    def _row(self, stats: SuperstepStats) -> list[str]:
        return [
            str(stats.superstep),
            f"{stats.active:,}",
            f"{stats.messages_sent:,}",
            f"{stats.messages_combined:,}",
            duration(stats.seconds),
            *(_number(value) for _, value in self._measures(stats.aggregated)),
        ]

    def _measures(self, aggregated: Mapping[str, Any]) -> list[tuple[str, Any]]:
        return [(label, aggregated[name]) for name, label in self.measures.items() if name in aggregated]

    def _columns(self) -> int:
        # one less than the terminal: a line that fills it would wrap, and "\r" would redraw only its tail
        return _width(self.stream) - 1

    def _draw(self, text: str) -> None:
        width = self._columns()
        if len(text) > width:
            text = text[: max(width - 1, 0)] + "…"
        self.stream.write(_CLEAR_LINE + text)
        self.stream.flush()

    def _bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text


def one_core(result: Result) -> str:
    """What the summary line of a distributed run adds: one core's estimated time, and whether workers beat it.

    The COST question (docs/ray.md, "When Ray pays"): ``result.compute_seconds`` is
    about what the local backend would take on one core; the run's overhead per
    superstep says how many workers it takes to do better
    (``result.workers_to_beat_one_core``). Empty where no partition reported its
    compute.

    Examples
    --------
    >>> import numpy as np, pregel
    >>> g = pregel.Graph.from_edges([1], [2])
    >>> stats = [SuperstepStats(s, 2, 0, 0, 0.4, compute_seconds=1.0, slowest_seconds=0.3) for s in range(3)]
    >>> one_core(Result(g, np.zeros(2), 3, stats, {}, "halted"))
    '; one core: ~3.000 s of compute; overhead 100 ms a superstep, so Ray beats one core from 2 workers'
    >>> stats = [SuperstepStats(0, 2, 0, 0, 0.020, compute_seconds=0.004, slowest_seconds=0.002)]
    >>> one_core(Result(g, np.zeros(2), 1, stats, {}, "halted"))
    '; one core: ~0.004 s of compute; overhead 18.0 ms a superstep, so no number of workers beats one core'
    """
    compute = result.compute_seconds
    if not result.stats or compute <= 0:
        return ""
    workers = result.workers_to_beat_one_core
    verdict = "no number of workers beats one core" if workers is None else f"Ray beats one core from {workers} workers"
    overhead = duration(result.overhead_seconds / len(result.stats))
    return f"; one core: ~{compute:.3f} s of compute; overhead {overhead} a superstep, so {verdict}"


def clear_line(stream: Any) -> None:
    """Erase a live line left on ``stream`` (when it is a terminal), so that what follows starts the line."""
    if is_terminal(stream):
        stream.write(_CLEAR_LINE)


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal that understands ``\\r`` and ANSI erase.

    Examples
    --------
    >>> import io
    >>> is_terminal(io.StringIO())
    False
    """
    try:
        return bool(stream.isatty()) and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):
        return False


def _number(value: Any) -> str:
    """A measure's value: integers with separators, other numbers in scientific notation."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{float(value):.3e}"
    return str(value)


def _width(stream: Any) -> int:
    """Columns of the terminal behind ``stream`` (stdout may be a file while stderr is not)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    # a terminal that does not say its size (0 columns, as under script(1)) has shutil's: $COLUMNS, else 80
    return columns if columns > 0 else shutil.get_terminal_size().columns
