"""Fixtures shared by the test modules: the real datasets, a way to run the command line, and
the `engine` fixtures that run one test on every backend, API and partition count."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import pregel
from tests.programs import Twins

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


#: the flags that read the file ``named_edges`` writes
NAMED_COLUMNS = ["--src", "from", "--dst", "to"]


@pytest.fixture
def named_edges(tmp_path):
    """Write pairs of string ids as a CSV file with the header ``from,to`` (read with ``NAMED_COLUMNS``)."""

    def write(pairs: Any, name: str = "named.csv") -> Path:
        path = tmp_path / name
        path.write_text("from,to\n" + "".join(f"{u},{v}\n" for u, v in pairs))
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


# ---------------------------------------------------------------------------------------
# Every backend, API and partition count from one test function.
#
# ``engine`` runs a test once per (backend, partition count); ``engine_api`` also once per
# API, running the twin (tests/programs.py) of that API. Ray gets one partition count and
# one session per test module (``ray_session``), started on first use: Ray is slow to
# start, and the partition counts are covered locally.
# ---------------------------------------------------------------------------------------
ENGINES = [("local", 1), ("local", 3), ("ray", 2)]
APIS = ["scalar", "batch"]


@dataclass(frozen=True)
class Engine:
    """Where and how a test's runs happen; ``run`` is ``pregel.run`` with them filled in."""

    backend: str
    workers: int
    api: str | None = None

    def run(self, graph: pregel.Graph, program: Any, **options: Any) -> pregel.Result:
        """Run ``program`` (a program, or with ``engine_api`` the Twins to pick from) on this engine."""
        if isinstance(program, Twins):
            if self.api is None:
                raise TypeError("a test of Twins takes the engine_api fixture, not engine")
            program = program.pick(self.api)
        return pregel.run(graph, program, backend=self.backend, workers=self.workers, **options)

    @property
    def options(self) -> dict[str, Any]:
        """Keyword arguments for the algorithm functions (``pagerank(graph, **engine.options)``)."""
        return {"backend": self.backend, "workers": self.workers, **({"api": self.api} if self.api else {})}


@pytest.fixture(scope="module")
def ray_session():
    """One private Ray instance on 127.0.0.1 for the test module, shut down after it."""
    ray = pytest.importorskip("ray")
    # RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 was set above, before ray was imported
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTHONPATH", str(ROOT))  # Ray's workers import this checkout (and tests.programs)
        ray.init(
            address="local",
            include_dashboard=False,
            num_cpus=2,
            object_store_memory=200 * 2**20,
            logging_level="ERROR",
        )
    try:
        assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}
        yield
    finally:
        ray.shutdown()


def _engine(request: pytest.FixtureRequest, backend: str, workers: int, api: str | None) -> Engine:
    if backend == "ray":
        request.getfixturevalue("ray_session")
    return Engine(backend, workers, api)


@pytest.fixture(params=ENGINES, ids=[f"{b}-{w}" for b, w in ENGINES])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each backend and partition count, for a program written in one API."""
    return _engine(request, *request.param, None)


@pytest.fixture(
    params=[(b, w, api) for b, w in ENGINES for api in APIS], ids=[f"{b}-{w}-{api}" for b, w in ENGINES for api in APIS]
)
def engine_api(request: pytest.FixtureRequest) -> Engine:
    """Each backend, partition count and API, for a program that comes as Twins."""
    return _engine(request, *request.param)
