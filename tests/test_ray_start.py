"""The README's multi-machine recipe on one machine: a head and a second node started with `ray start`,
on loopback only, with Ray's token authentication as `ray start --head` sets it up, and pregel joining
them by address (`--ray-address 127.0.0.1:PORT`).

The test starts every process itself and stops them by their ids (never `ray stop`, which would
stop every Ray instance of the machine). The second node runs Ray's `ray start` through
tests/ray_start.py, which lets it start with RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHIPPED

psutil = pytest.importorskip("psutil")
pytest.importorskip("ray")

pytestmark = pytest.mark.slow

LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", PYTHONPATH=str(ROOT), **extra)
    env.pop("RAY_ADDRESS", None)
    if "RAY_AUTH_MODE" not in extra:
        env.pop("RAY_AUTH_MODE", None)
    return env


# what a node joining the head, and a driver, need: `ray start --head` enabled the token it saved
JOINING = {"RAY_AUTH_MODE": "token"}


def _ports() -> list[str]:
    # Ray's fixed default would clash with another cluster of the machine
    return [f"--dashboard-agent-listen-port={_free_port()}"]


@pytest.fixture(scope="module")
def two_nodes():
    """A head and a second node, 1 CPU each, on 127.0.0.1; yields the head's address."""
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    env = _ray_env()
    common = ["--block", "--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats"]
    ray_cli = str(Path(sys.executable).with_name("ray"))
    started = [
        subprocess.Popen(
            [ray_cli, "start", "--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp}"]
            + common
            + _ports(),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        _wait_for_port(port, started[0])
        node_env = _ray_env(**JOINING)
        started.append(
            subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "ray_start.py"), "start", f"--address=127.0.0.1:{port}"]
                + common
                + _ports(),
                env=node_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        _wait_for_nodes(f"127.0.0.1:{port}", 2)
        yield f"127.0.0.1:{port}", started
    finally:
        tree = []
        for process in started:
            with contextlib.suppress(psutil.NoSuchProcess):
                tree += [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
        for process in started:
            process.terminate()
        _, alive = psutil.wait_procs(tree, timeout=30)
        for leftover in alive:
            leftover.kill()
        shutil.rmtree(temp, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert process.poll() is None, "ray start --head exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the head did not listen on 127.0.0.1:{port} within {within} s")


NODES = """
import sys
from pregel.backends.ray import _connect
import ray
_connect(sys.argv[1], 20, 0)
print(sorted(n["NodeManagerAddress"] for n in ray.nodes() if n["Alive"]))
"""


def _wait_for_nodes(address: str, count: int, within: float = 90) -> None:
    deadline = time.monotonic() + within
    seen = ""
    while time.monotonic() < deadline:
        run = subprocess.run(
            [sys.executable, "-c", NODES, address], env=_ray_env(**JOINING), capture_output=True, text=True, timeout=60
        )
        seen = run.stdout.strip()
        if seen == repr(["127.0.0.1"] * count):
            return
        time.sleep(1)
    raise AssertionError(f"the cluster at {address} has nodes {seen}, not {count} on 127.0.0.1")


def _pregel(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pregel", *args], env=_ray_env(**env), capture_output=True, text=True, timeout=300
    )


def _on_cluster(address: str, command: list[str], *args: str) -> subprocess.CompletedProcess:
    """``pregel COMMAND... SHIPPED ARGS`` with 2 workers on the cluster at ``address``."""
    on_ray = ("--backend", "ray", "--ray-address", address, "--workers", "2")
    return _pregel(*command, str(SHIPPED), *args, *on_ray, **JOINING)


def _values(path: Path) -> dict[str, float]:
    return {fields[0]: float(fields[1]) for fields in (line.split("\t") for line in path.read_text().splitlines())}


# every command of the CLI, and a program of the user's: the same bytes on the cluster as locally
COMMANDS = [
    ["pagerank"],
    ["pagerank", "--personalize", "30,4"],
    ["sssp", "--source", "30"],
    ["cc", "--undirected"],
    ["bfs", "--source", "30,4"],
    ["scc"],
    ["kcore"],
    ["triangles"],
    ["ppr", "--sources", "30,4"],
    ["lpa"],
    ["lpa", "--synchronous"],
    ["betweenness", "--samples", "32", "--seed", "1"],
    ["mis", "--seed", "1"],
    ["matching", "--seed", "1"],
    ["louvain"],
    ["run", f"{ROOT / 'examples' / 'bfs_levels.py'}:BFSLevels", "--param", "source=30"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_pregel_joins_by_address_and_equals_the_local_backend(two_nodes, tmp_path, command):
    address, _ = two_nodes
    on_ray, local = tmp_path / "ray.tsv", tmp_path / "local.tsv"
    joined = _on_cluster(address, command, "-o", str(on_ray))
    assert joined.returncode == 0, joined.stderr
    assert "(ray backend)" in joined.stderr
    assert _pregel(*command, str(SHIPPED), "--workers", "2", "-q", "-o", str(local)).returncode == 0
    if command[0] != "pagerank":
        assert on_ray.read_bytes() == local.read_bytes()
        return
    # the workers read the file (the default on Ray): their partitions are hashed, so sums add in another order
    got, want = _values(on_ray), _values(local)
    assert got.keys() == want.keys() and max(abs(got[k] - want[k]) for k in want) <= 1e-13


# the workers read their shares of the file themselves: no process holds the whole graph
HELD = [["pagerank"], ["sssp", "--source", "30"], ["cc", "--undirected"], ["bfs", "--source", "30,4"]]


@pytest.mark.parametrize("command", HELD, ids=" ".join)
def test_workers_loading_their_shares_on_the_cluster_equal_the_local_backend(two_nodes, tmp_path, command):
    address, _ = two_nodes
    on_ray, local = tmp_path / "ray.tsv", tmp_path / "local.tsv"
    held = _on_cluster(address, command, "--load", "workers", "-o", str(on_ray))
    assert held.returncode == 0, held.stderr
    assert _pregel(*command, str(SHIPPED), "-q", "-o", str(local)).returncode == 0
    got, want = _values(on_ray), _values(local)
    assert got.keys() == want.keys()
    # PageRank's sums arrive in the order of the hashed partitions: equal to rounding, the others exactly
    tolerance = 1e-13 if command[0] == "pagerank" else 0.0
    assert max(abs(got[k] - want[k]) for k in want) <= tolerance


SPREAD = """
import sys
import pregel
from pregel.algorithms.pagerank import PageRank
from pregel.backends.ray import RayBackend
backend = RayBackend(pregel.Graph.from_edges([1, 2, 3], [2, 3, 1]), PageRank(), workers=2, ray_address=sys.argv[1])
print(len(set(backend.nodes)))
backend.close()
"""


def test_the_workers_run_on_both_nodes_and_everything_listens_on_loopback(two_nodes):
    address, started = two_nodes
    spread = subprocess.run(
        [sys.executable, "-c", SPREAD, address], env=_ray_env(**JOINING), capture_output=True, text=True, timeout=120
    )
    assert spread.stdout.strip() == "2", spread.stderr
    listening = set()
    for process in started:
        for member in [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]:
            try:
                listening |= {c.laddr.ip for c in member.net_connections("inet") if c.status == psutil.CONN_LISTEN}
            except psutil.NoSuchProcess:
                continue
    assert listening and listening <= LOOPBACK


def test_without_the_token_or_with_another_the_join_fails_at_once_in_one_line_saying_so(two_nodes, tmp_path):
    address, _ = two_nodes
    out = tmp_path / "ranks.tsv"
    refusal = f"pregel: error: the Ray cluster at {address} refuses this driver: "
    for extra, why in [
        ({}, "it uses token authentication; set RAY_AUTH_MODE=token, with the head's token in ~/.ray/auth_token"),
        (
            {**JOINING, "RAY_AUTH_TOKEN": "0" * 32},
            "the token sent (RAY_AUTH_TOKEN, else ~/.ray/auth_token) is not the cluster's; use the head's",
        ),
    ]:
        started = time.monotonic()
        refused = _pregel(
            "pagerank", str(SHIPPED), "--backend", "ray", "--ray-address", address, "-o", str(out), **extra
        )
        assert refused.returncode == 1 and not out.exists()
        # Ray's own line for each retry is not shown, nor waited for until the 20 s are up
        assert refused.stderr == refusal + why + "\n" and time.monotonic() - started < 15
