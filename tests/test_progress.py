"""What a person sees while a run goes: the command in a pseudo-terminal, its screen reconstructed.

On a terminal the superstep line is redrawn in place (one line, not one per superstep),
stays at the end beside a short table and a summary line; piped, only the summary line is
written; --quiet writes nothing. The screen is rebuilt from the bytes the terminal
received (carriage returns, erase-line, wrapping at the terminal's width), and, where
tmux is installed, read back from a real terminal emulator as well.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time

import networkx as nx
import pytest

from pregel.io.edges import read_edges
from tests.conftest import ROOT, SHIPPED

COLUMNS = 80
SUPERSTEP_LINE = re.compile(r"^pagerank: superstep (\d+) \| L1 change (\S+) \| 7,115 active")
FULL_LINE = re.compile(r" \| 103,689 messages → [\d,]+ combined \| [\d.]+ m?s$")


def _run_in_pty(args: list[str], columns: int = COLUMNS) -> tuple[str, bytes, int]:
    """Run ``python -m pregel ARGS`` with stderr on a pseudo-terminal; (terminal output, stdout, status)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = dict(os.environ, PYTHONPATH=str(ROOT), TERM="xterm")
    env.pop("NO_COLOR", None)
    env.pop("COLUMNS", None)
    # stdout to a file: a pipe nobody reads while the terminal is read would fill and stall the run
    with tempfile.TemporaryFile() as stdout:
        proc = subprocess.Popen([sys.executable, "-m", "pregel", *args], stdout=stdout, stderr=slave, cwd=ROOT, env=env)
        os.close(slave)
        received = bytearray()
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            received += chunk
        status = proc.wait(timeout=300)
        os.close(master)
        stdout.seek(0)
        return received.decode(), stdout.read(), status


def screen(received: str, columns: int = COLUMNS) -> list[str]:
    """The lines a terminal of ``columns`` shows after receiving ``received`` (CR, LF, erase-line, wrapping)."""
    rows: list[list[str]] = [[]]
    row = col = 0
    i = 0
    while i < len(received):
        char = received[i]
        if char == "\x1b":
            escape = re.match(r"\x1b\[([0-9;]*)([A-Za-z])", received[i:])
            assert escape, f"unexpected escape sequence {received[i : i + 8]!r}"
            if escape.group(2) == "K":
                del rows[row][col:]
            else:
                assert escape.group(2) == "m", f"unexpected escape sequence {escape.group(0)!r}"
            i += len(escape.group(0))
            continue
        if char == "\r":
            col = 0
        elif char == "\n":
            row += 1
            if row == len(rows):
                rows.append([])
        else:
            if col == columns:  # the terminal wraps onto a new line
                row, col = row + 1, 0
                if row == len(rows):
                    rows.append([])
            line = rows[row]
            line.extend(" " * (col - len(line)))
            line[col : col + 1] = [char]
            col += 1
        i += 1
    return ["".join(r).rstrip() for r in rows if "".join(r).strip()]


def test_a_person_at_a_terminal_sees_one_live_line_a_table_and_a_summary(tmp_path):
    out = tmp_path / "ranks.tsv"
    received, stdout, status = _run_in_pty(["pagerank", str(SHIPPED), "--tol", "1e-12", "-o", str(out)], 120)
    assert status == 0, received
    assert stdout == b""
    assert len(out.read_text().splitlines()) == 7115
    # the line was drawn more than once and redrawn in place: "\r" + erase, never a new line per superstep
    assert received.count("\r\x1b[K") >= 2
    assert received.count("pagerank: reading ") == 1
    lines = screen(received, 120)
    live = [m for m in map(SUPERSTEP_LINE.match, lines) if m]
    assert len(live) == 1, lines  # one line, updated, not one per superstep
    assert FULL_LINE.search(live[0].string), live[0].string
    assert not any("reading" in line for line in lines)  # the status was overwritten
    last_superstep, last_change = int(live[0].group(1)), float(live[0].group(2))
    assert last_change < 1e-12
    header = [line.split() for line in lines].index(
        ["superstep", "active", "messages", "combined", "time", "L1", "change"]
    )
    table = lines[header + 1 : -1]
    assert [row.split()[0] for row in table] == [
        "0",
        "1",
        "2",
        "...",
        *map(str, range(last_superstep - 2, last_superstep + 1)),
        "total",
    ]
    summary = lines[-1]
    assert re.fullmatch(
        rf"pagerank: 7115 vertices, 103689 edges, {last_superstep + 1} supersteps, [\d.]+ s \(local backend\)", summary
    ), summary


@pytest.mark.parametrize("columns", [80, 40])
def test_the_live_line_fits_a_narrow_terminal(columns):
    received, _, status = _run_in_pty(["pagerank", str(SHIPPED), "--top", "1"], columns=columns)
    assert status == 0
    live = [line for line in screen(received, columns=columns) if line.startswith("pagerank: superstep ")]
    assert len(live) == 1 and len(live[0]) < columns, live
    if columns == 80:  # the time and message counts give way; the superstep, L1 change and active stay
        assert SUPERSTEP_LINE.match(live[0]) and not FULL_LINE.search(live[0]), live
    else:  # the superstep and the start of the L1 change
        assert re.fullmatch(r"pagerank: superstep \d+ \| L1 change [\d.]*…", live[0]), live


def test_quiet_shows_nothing_in_a_terminal():
    received, stdout, status = _run_in_pty(["cc", str(SHIPPED), "--quiet", "--top", "1"])
    assert status == 0
    assert received == ""
    largest = max(nx.weakly_connected_components(read_edges(SHIPPED).to_networkx()), key=len)
    assert stdout.decode() == f"{min(largest)}\t{len(largest)}\n"


def test_off_a_terminal_only_the_summary_line(run_cli):
    done = run_cli("pagerank", SHIPPED, "--top", "1")
    assert done.returncode == 0
    err = done.stderr.decode()
    assert err.count("\n") == 1 and "\x1b" not in err and "\r" not in err
    assert err.startswith("pagerank: 7115 vertices, 103689 edges, ")


def test_the_summary_line_counts_one_as_one(tmp_path, run_cli):
    edge = tmp_path / "one.txt"
    edge.write_text("7 7\n")
    done = run_cli("cc", str(edge), "-o", str(tmp_path / "c.tsv"))
    assert done.returncode == 0 and done.stderr.decode().startswith("cc: 1 vertex, 1 edge, 1 superstep, ")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_what_tmux_shows(tmp_path):
    """The same run in a real terminal emulator (tmux on a private socket), read back from its screen."""
    socket = tmp_path / "tmux.sock"
    done_marker = tmp_path / "done"
    command = (
        f"cd {ROOT} && PYTHONPATH={ROOT} {sys.executable} -m pregel pagerank {SHIPPED} --tol 1e-12 "
        f"-o {tmp_path / 'r.tsv'}; touch {done_marker}; sleep 60"
    )
    tmux = ["tmux", "-S", str(socket)]
    subprocess.run([*tmux, "new-session", "-d", "-x", "100", "-y", "30", command], check=True, timeout=30)
    try:
        deadline = time.monotonic() + 120
        while not done_marker.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        shown = subprocess.run(
            [*tmux, "capture-pane", "-p"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, timeout=30)
    lines = [line.rstrip() for line in shown.splitlines() if line.strip()]
    assert sum(bool(SUPERSTEP_LINE.match(line)) for line in lines) == 1, lines
    assert any(line.split()[:2] == ["superstep", "active"] for line in lines), lines
    assert lines[-1].startswith("pagerank: 7115 vertices, 103689 edges, "), lines


def test_a_run_without_live_supersteps_leaves_no_status_line():
    """The scipy reference reports no superstep as it goes: its "reading"/"starting" status must not stay."""
    received, _, status = _run_in_pty(["pagerank", str(SHIPPED), "--backend", "scipy", "--top", "1"], 120)
    assert status == 0
    lines = screen(received, 120)
    assert lines[0].split()[:2] == ["superstep", "active"], lines
    assert lines[-1].startswith("pagerank: 7115 vertices, 103689 edges, ") and lines[-1].endswith("(scipy backend)")


def test_a_terminal_that_does_not_say_its_size_gets_shutils(monkeypatch):
    # under script(1) a terminal can have 0 columns: every live line was cut down to a lone "…"
    from pregel.cli import progress

    asked = []

    def no_size(fd):
        asked.append(fd)
        return os.terminal_size((0, 0))

    monkeypatch.setattr(progress.os, "get_terminal_size", no_size)
    monkeypatch.setenv("COLUMNS", "100")
    with open(os.devnull, "w") as stream:  # a stream with a descriptor: the terminal is asked, and says 0
        assert progress._width(stream) == 100
        assert asked[0] == stream.fileno()
