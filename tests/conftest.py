"""Fixtures shared by the test modules: the real datasets and a way to run the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Ray reads this when it is imported (and its processes when they start): any Ray a test
# starts, in this process or in the ones it runs, then listens on 127.0.0.1 only
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
SHIPPED = ROOT / "datasets" / "wiki-Vote.txt.gz"


def shared_dataset(name: str) -> Path:
    """A real graph from ../shared/datasets, or skip the test saying why."""
    path = SHARED_DATASETS / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/datasets is not beside this checkout)")
    return path


@pytest.fixture
def run_cli(tmp_path):
    """Run ``python -m pregel ARGS`` on this checkout's code; returns the CompletedProcess."""

    def run(*args: str, stdin: str | bytes | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        return subprocess.run(
            [sys.executable, "-m", "pregel", *map(str, args)],
            input=stdin.encode() if isinstance(stdin, str) else stdin,
            capture_output=True,
            cwd=tmp_path,
            env=env,
            timeout=timeout,
        )

    return run


@pytest.fixture
def write_edges(tmp_path):
    """Write text to a file in the test's folder and return its path."""

    def write(text: str, name: str = "edges.txt") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
