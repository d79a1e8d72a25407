"""Starting and joining Ray: a private instance on loopback, clear and quick failures for bad addresses.

Each case runs in its own process (the command line, or a short script), so no Ray session
of this module outlives its test and a connection attempt that is given up on cannot
disturb the test process.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import pregel
from pregel.algorithms import reference
from tests.conftest import ROOT
from tests.test_cli import GRAPH, read_tsv

pytest.importorskip("ray")


def run_python(code: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run a Python snippet on this checkout's code, in an environment with no Ray settings but ``env``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    environ.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, env=environ, timeout=timeout
    )


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s.getsockname()[1]


def test_the_local_backend_never_imports_ray(write_edges):
    edges = write_edges(GRAPH)
    proc = run_python(f"""
        import sys
        import pregel
        from pregel.cli.main import main
        from pregel.algorithms.pagerank import pagerank
        pagerank(pregel.io.edges.read_edges({str(edges)!r}), workers=2)
        assert main(["cc", {str(edges)!r}, "--quiet", "--workers", "2"]) == 0
        assert "ray" not in sys.modules, "the local path imported ray"
    """)
    assert proc.returncode == 0, proc.stderr.decode()


# a fresh interpreter in which `import ray` fails, as where pregel[ray] was not installed
WITHOUT_RAY = """
    import contextlib, importlib, io, json, os, pkgutil, sys
    sys.modules["ray"] = None
    import pregel
    from pregel.algorithms.pagerank import PageRank
    from pregel.cli.main import main

    not_importable = []
    for module in pkgutil.walk_packages(pregel.__path__, "pregel."):
        if module.name not in ("pregel.__main__", "pregel.backends.ray"):
            try:
                importlib.import_module(module.name)
            except ImportError as exc:
                not_importable.append(f"{module.name}: {exc}")
    commands = {}
    for flags in (["--backend", "ray"], ["--backend", "ray", "--ray-address", "127.0.0.1:1"]):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            status = main(["pagerank", os.environ["EDGES"], "--quiet", "-o", os.environ["OUT"], *flags])
        commands[" ".join(flags)] = [status, stderr.getvalue()]
    try:
        pregel.run(pregel.Graph.from_edges([1], [2]), PageRank(), backend="ray")
        raised = None
    except pregel.InputError as exc:
        raised = str(exc)
    print(json.dumps({"not_importable": not_importable, "commands": commands, "run": raised}))
"""


def test_without_ray_the_ray_backend_says_in_one_line_how_to_install_it(write_edges, tmp_path):
    edges, out = write_edges(GRAPH), tmp_path / "ranks.tsv"
    proc = run_python(WITHOUT_RAY, EDGES=str(edges), OUT=str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    found = json.loads(proc.stdout.decode().splitlines()[-1])
    assert found["not_importable"] == [], "only pregel.backends.ray may need Ray"
    hint = "the ray backend needs Ray: pip install 'pregel[ray]'"
    for flags, (status, stderr) in found["commands"].items():
        assert status == 2, flags
        # a missing Ray is not the edge list's fault: the line does not name it
        assert stderr.splitlines() == [f"pregel: error: {hint}"], flags
    assert not out.exists()
    assert found["run"] == hint


def test_the_installed_command_runs_on_a_private_ray_instance(write_edges, tmp_path):
    # The command as a user runs it: pregel found by the installation (with `pip install -e .`,
    # by the editable install's finder), not by PYTHONPATH or the working directory. Workers
    # must import pregel by name; pickled by value, its module state cannot travel.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RAY_") and k != "PYTHONPATH"}
    where = subprocess.run(
        [sys.executable, "-c", "import pregel; print(pregel.__file__)"], capture_output=True, cwd=tmp_path, env=environ
    )
    if where.returncode != 0 or not where.stdout.decode().strip().startswith(str(ROOT)):
        pytest.skip("this checkout is not installed in this interpreter (pip install -e '.[test]')")
    edges, out = write_edges(GRAPH), tmp_path / "ranks.tsv"
    flags = ["--tol", "1e-12", "-o", out, "--backend", "ray", "--workers", "2"]
    proc = subprocess.run(
        [sys.executable, "-m", "pregel", "pagerank", edges, *flags],
        capture_output=True,
        cwd=tmp_path,
        env=environ,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    ids, ranks = read_tsv(out)
    graph = pregel.io.edges.read_edges(edges)
    assert ids.tolist() == graph.ids.tolist()
    assert np.abs(ranks - reference.pagerank(graph, tol=1e-12).values).max() <= 1e-9


def test_a_sigterm_while_ray_starts_stops_the_run_as_any_sigterm_does():
    """Ray's own SIGTERM handler, in force during ray.init, exits with status 15 and says nothing: the command
    line's handler (one line, outputs removed) takes the signal instead."""
    done = run_python(
        """
        import os, signal, sys
        import ray
        from pregel.backends import ray as ray_backend
        from pregel.cli.main import Terminated, _stop_on_sigterm

        def starting(object_store_bytes):
            # what ray.init does first: a handler of its own, which exits with the signal's number
            ray._private.utils.set_sigterm_handler(lambda signum, frame: sys.exit(signum))
            os.kill(os.getpid(), signal.SIGTERM)

        ray_backend._start_private = starting
        _stop_on_sigterm()
        try:
            ray_backend._connect(None, 1.0, 10**8)
        except Terminated:
            print("terminated")
        """
    )
    assert done.returncode == 0 and done.stdout.decode() == "terminated\n", done.stderr.decode()


def test_an_address_where_nothing_listens_fails_at_once_with_one_line(run_cli, write_edges, closed_port, tmp_path):
    edges = write_edges(GRAPH)
    out = tmp_path / "ranks.tsv"
    start = time.monotonic()
    proc = run_cli("pagerank", edges, "--backend", "ray", "--ray-address", f"127.0.0.1:{closed_port}", "-o", out)
    assert time.monotonic() - start < 30
    assert proc.returncode == 1
    assert proc.stderr.decode().splitlines() == [
        f"pregel: error: cannot reach the Ray cluster at 127.0.0.1:{closed_port}: Connection refused"
    ]
    assert not out.exists()


def test_ray_address_from_the_environment_is_used(write_edges, closed_port):
    proc = run_python(
        f"""
        import pregel
        from pregel.algorithms.components import connected_components
        try:
            connected_components(pregel.io.edges.read_edges({str(write_edges(GRAPH))!r}), backend="ray")
        except pregel.ClusterUnreachable as exc:
            print(exc)
        """,
        RAY_ADDRESS=f"127.0.0.1:{closed_port}",
    )
    expected = f"cannot reach the Ray cluster at 127.0.0.1:{closed_port}: Connection refused"
    assert proc.stdout.decode().strip() == expected


def test_an_address_that_never_answers_is_given_up_on_in_time(write_edges, silent_port):
    proc = run_python(f"""
        import time
        import pregel
        from pregel.algorithms.components import connected_components
        start = time.monotonic()
        try:
            connected_components(pregel.io.edges.read_edges({str(write_edges(GRAPH))!r}), backend="ray",
                                 ray_address="127.0.0.1:{silent_port}", connect_timeout=3)
        except pregel.ClusterUnreachable as exc:
            print(round(time.monotonic() - start), exc)
    """)
    seconds, message = proc.stdout.decode().strip().split(" ", 1)
    assert message.startswith(f"no answer from the Ray cluster at 127.0.0.1:{silent_port} within 3 s") or (
        message.startswith(f"cannot join the Ray cluster at 127.0.0.1:{silent_port}")
    )
    assert int(seconds) <= 8


@pytest.mark.slow
def test_the_command_gives_up_on_a_silent_address_within_30_seconds(run_cli, write_edges, silent_port):
    start = time.monotonic()
    proc = run_cli("cc", write_edges(GRAPH), "--backend", "ray", "--ray-address", f"127.0.0.1:{silent_port}")
    assert time.monotonic() - start < 30
    assert proc.returncode == 1
    lines = proc.stderr.decode().splitlines()
    assert lines[-1].startswith(f"pregel: error: no answer from the Ray cluster at 127.0.0.1:{silent_port}")
    assert [line for line in lines if line.startswith("pregel:")] == lines[-1:]


def test_the_command_on_a_private_ray_instance_equals_local(run_cli, write_edges, tmp_path):
    edges = write_edges(GRAPH)
    local, ray = tmp_path / "local.tsv", tmp_path / "ray.tsv"
    assert run_cli("pagerank", edges, "--tol", "1e-12", "-o", local).returncode == 0
    proc = run_cli("pagerank", edges, "--tol", "1e-12", "-o", ray, "--backend", "ray", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    # the summary says what one local core would have spent: the partitions' compute, summed
    summary = proc.stderr.decode().strip().splitlines()[-1]
    spent = re.search(r"\(ray backend\); one core: ~(\d+\.\d+) s of compute; overhead ", summary)
    assert spent and 0 < float(spent.group(1)) < float(summary.split(" s (ray")[0].rsplit(", ", 1)[1])
    local_ids, local_ranks = read_tsv(local)
    ray_ids, ray_ranks = read_tsv(ray)
    assert ray_ids.tolist() == local_ids.tolist()
    assert np.abs(ray_ranks - local_ranks).max() <= 1e-12


# a private instance, and the sockets of every process of its session; ray is imported
# first and nothing in the environment asks for loopback: pregel must see to it
SOCKETS = """
    import json, os
    import ray
    import pregel
    from pregel.algorithms.components import ConnectedComponents
    from pregel.backends.ray import RayBackend

    backend = RayBackend(pregel.Graph.from_edges([1, 2], [2, 1]), ConnectedComponents(), workers=2)
    backend.superstep(0, {})
    session = ray._private.worker._global_node.get_session_dir_path()
    inodes = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
            if session not in command and int(pid) != os.getpid():
                continue
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        inodes.update(link[8:-1] for link in links if link.startswith("socket:["))
    listening, peers = [], []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in open(table).read().splitlines()[1:]:
            fields = row.split()
            if fields[9] in inodes:
                (listening if fields[3] == "0A" else peers).append(fields[1 if fields[3] == "0A" else 2])
    nodes = [node["NodeManagerAddress"] for node in ray.nodes()]
    backend.close()
    print(json.dumps({"listening": listening, "peers": peers, "nodes": nodes, "after": ray.is_initialized()}))
"""


def loopback(hex_address: str) -> bool:
    """Whether an address from /proc/net/tcp{,6} ("0100007F:1F90") is on the loopback interface."""
    host = hex_address.split(":")[0]
    if len(host) == 8:
        return host.endswith("7F")  # 127.x.y.z, little-endian
    return host in ("00000000000000000000000001000000", "0000000000000000FFFF00000100007F")


@pytest.fixture(scope="module")
def private_instance():
    proc = run_python(SOCKETS)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout.decode().splitlines()[-1])


def test_a_private_instance_talks_only_to_loopback_and_is_shut_down(private_instance):
    assert private_instance["nodes"] == ["127.0.0.1"]
    assert private_instance["peers"], "no connection between Ray's processes was seen"
    assert all(map(loopback, private_instance["peers"])), private_instance["peers"]
    assert private_instance["after"] is False


def test_a_private_instance_listens_only_on_loopback(private_instance):
    assert private_instance["listening"], "no listening socket of Ray's processes was seen"
    assert all(map(loopback, private_instance["listening"])), private_instance["listening"]
