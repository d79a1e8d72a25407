"""The benchmark harness runs end to end on small graphs and reports every tool against scipy."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SHIPPED


@pytest.mark.slow
def test_bench_measures_every_tool_and_writes_the_report(tmp_path):
    report = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", str(SHIPPED), "--sizes", "3k", "--kinds", "rmat,tree", "--repeat", "2"]
        + ["--threads", "1,2"]
        + ["--graphs-dir", str(tmp_path / "graphs"), "--output", str(report)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    text = report.read_text()
    assert done.stdout == text + "\n"
    for section in (
        "## Targets",
        "## Scaling",
        "## Measurements",
        "- cores: ",
        "- numpy: ",
        "Command: `python -m bench",
    ):
        assert section in text
    assert (tmp_path / "graphs" / "rmat-3000.txt").exists() and (tmp_path / "graphs" / "tree-3000.txt").exists()
    rows = re.findall(r"^\| (batch|scalar|scipy|igraph|networkx) \| (.*) \|$", text, flags=re.M)
    # three graphs (wiki-Vote, R-MAT, tree), five tools each; none failed
    assert len(rows) == 15
    assert not [r for r in rows if r[1].startswith("skipped")]
    # every answer agrees with scipy's (the last column)
    assert all(float(r[1].split(" | ")[-1]) < 1e-9 for r in rows)
    # batch PageRank with 1 and 2 threads on the two PageRank graphs, compared in their own section
    threaded = re.findall(r"^\| (batch@[12]) \| (.*) \|$", text, flags=re.M)
    assert sorted(t for t, _ in threaded) == ["batch@1", "batch@1", "batch@2", "batch@2"]
    assert all(float(r.split(" | ")[-1]) < 1e-9 for _, r in threaded)
    section = text[text.index("## Threads") : text.index("## Scaling")]
    assert len(re.findall(r"^\| (wiki-Vote.txt.gz|rmat-3000.txt) \| [12] \|", section, flags=re.M)) == 4
