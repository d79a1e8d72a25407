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
# a bug inside the compiler raises in the tests instead of falling back quietly to the interpreter
os.environ.setdefault("PREGEL_COMPILER_STRICT", "1")

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "datasets"
"""The real graphs shipped with the repository (their sources: datasets/SOURCE.md)."""
SHIPPED = DATASETS / "wiki-Vote.txt.gz"
GNUTELLA = DATASETS / "p2p-Gnutella31.txt.gz"


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


RAY_NODE = {"num_cpus": 1, "object_store_memory": 100 * 2**20}
"""Each node of :func:`cluster`: one CPU, a small object store."""


@pytest.fixture(scope="module")
def cluster():
    """A Ray cluster for the module, all on 127.0.0.1: a head and two more nodes (``RAY_NODE`` each)."""
    cluster_utils = pytest.importorskip("ray.cluster_utils")
    # RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (set above, before ray was imported) keeps every node on loopback
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(ROOT))  # the nodes' workers import this checkout
        env.delenv("RAY_ADDRESS", raising=False)
        nodes = cluster_utils.Cluster(initialize_head=True, head_node_args={**RAY_NODE, "include_dashboard": False})
        for _ in range(2):
            nodes.add_node(**RAY_NODE)
        nodes.wait_for_nodes()
    assert {node.node_ip_address for node in nodes.list_all_nodes()} == {"127.0.0.1"}
    yield nodes
    nodes.shutdown()


@pytest.fixture
def ray_backends(monkeypatch) -> list:
    """Every Ray backend the test's runs create, in order (to see where their workers are, or kill one)."""
    ray_backend = pytest.importorskip("pregel.backends.ray")
    seen: list = []

    class Recording(ray_backend.RayBackend):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen.append(self)

    monkeypatch.setattr(ray_backend, "RayBackend", Recording)
    return seen
