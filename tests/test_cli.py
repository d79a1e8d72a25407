"""The `pregel` command: results through the command line equal the references; bad input exits 2 cleanly."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel.algorithms import reference
from pregel.algorithms.components import networkx_components
from pregel.algorithms.pagerank import PageRank, networkx_pagerank
from pregel.algorithms.sssp import networkx_sssp
from tests.conftest import ROOT, SHIPPED

GRAPH = "# test graph\n1 2 1.5\n1 3 4\n2 3 1\n3 1 2\n4 5 1\n5 4 0.5\n6 6 1\n3 7 2\n"


def read_tsv(path):
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    ids = np.array([int(r[0]) for r in rows])
    return ids, np.array([float(r[1]) for r in rows])


@pytest.mark.parametrize("workers", ["1", "2"])
def test_pagerank_output_equals_scipy_and_networkx(run_cli, write_edges, tmp_path, workers):
    edges = write_edges(GRAPH)
    out = tmp_path / "ranks.tsv"
    proc = run_cli("pagerank", edges, "--tol", "1e-12", "--output", out, "--workers", workers)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""
    ids, ranks = read_tsv(out)
    g = pregel.io.edges.read_edges(edges)
    assert ids.tolist() == g.ids.tolist()
    assert np.abs(ranks - reference.pagerank(g, tol=1e-12).values).max() <= 1e-9
    assert np.abs(ranks - networkx_pagerank(g, tol=1e-12)).max() <= 1e-9
    # full precision: the text round-trips to the exact float the engine computed
    engine = pregel.run(g, PageRank(tol=1e-12), workers=int(workers))
    assert ranks.tolist() == engine.values.tolist()


def test_sssp_output_equals_scipy_and_networkx_with_inf(run_cli, write_edges, tmp_path):
    edges = write_edges(GRAPH)
    out = tmp_path / "dist.tsv"
    proc = run_cli("sssp", edges, "--source", "1", "-o", out, "--api", "scalar")
    assert proc.returncode == 0, proc.stderr
    ids, dist = read_tsv(out)
    g = pregel.io.edges.read_edges(edges)
    np.testing.assert_array_equal(dist, reference.sssp(g, 1).values)
    np.testing.assert_array_equal(dist, networkx_sssp(g, 1))
    assert "4\tinf" in out.read_text()


def test_cc_output_equals_scipy_and_networkx(run_cli, write_edges, tmp_path):
    edges = write_edges(GRAPH)
    out = tmp_path / "cc.tsv"
    assert run_cli("cc", edges, "--output", out).returncode == 0
    ids, labels = read_tsv(out)
    g = pregel.io.edges.read_edges(edges)
    np.testing.assert_array_equal(labels, reference.components(g).values)
    np.testing.assert_array_equal(labels, networkx_components(g))
    assert out.read_text().splitlines()[:2] == ["1\t1", "2\t1"]


def test_scipy_backend_and_stdin(run_cli):
    proc = run_cli("cc", "-", "--backend", "scipy", stdin="3 4\n4 3\n8 9\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == "3\t3\n4\t3\n8\t8\n9\t8\n"


def test_output_dash_is_standard_output_as_input_dash_is_standard_input(run_cli, tmp_path):
    proc = run_cli("cc", "-", "-o", "-", stdin="3 4\n4 3\n8 9\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == "3\t3\n4\t3\n8\t8\n9\t8\n"
    assert not (tmp_path / "-").exists()  # the command runs in tmp_path


def test_top_k_of_the_shipped_graph(run_cli):
    proc = run_cli("pagerank", SHIPPED, "--top", "10", "--quiet")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 10
    g = pregel.io.edges.read_edges(SHIPPED)
    ref = reference.pagerank(g, tol=1e-10)
    best = g.ids[np.argsort(-ref.values, kind="stable")[:10]]
    assert [int(line.split("\t")[0]) for line in lines] == best.tolist()
    assert proc.stderr == b""


def test_check_and_compare_print_the_largest_difference(run_cli):
    proc = run_cli("pagerank", SHIPPED, "--top", "1", "--check", "--compare", "networkx", "--tol", "1e-12")
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.decode()
    for name in ("scipy", "networkx"):
        line = next(ln for ln in err.splitlines() if ln.startswith(f"{name}: largest absolute difference"))
        assert float(line.rsplit(" ", 1)[1]) <= 1e-9


def test_not_converging_still_writes_and_warns(run_cli, tmp_path):
    out = tmp_path / "r.tsv"
    proc = run_cli("pagerank", SHIPPED, "--max-supersteps", "5", "--tol", "0", "-o", out, "--quiet")
    assert proc.returncode == 0
    assert proc.stderr.decode().count("\n") == 1
    assert "did not converge in 5 supersteps (last L1 change" in proc.stderr.decode()
    assert len(out.read_text().splitlines()) == 7115


def test_a_run_stopped_before_any_change_was_measured_says_only_where_it_stopped(run_cli):
    proc = run_cli("pagerank", SHIPPED, "--max-supersteps", "1", "--quiet", "--top", "1")
    assert proc.stderr.decode() == "pregel: warning: stopped at --max-supersteps 1 before the run ended\n"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["info", SHIPPED, "--top", "3"],
            "pregel info: error: unrecognized arguments: --top 3 (see pregel info --help)",
        ),
        (
            ["viz", "cc", SHIPPED, "--bogus", "-o", "x.html"],
            "pregel viz cc: error: unrecognized arguments: --bogus (see pregel viz cc --help)",
        ),
    ],
)
def test_an_unknown_flag_names_the_commands_own_help(run_cli, tmp_path, args, said):
    proc = run_cli(*args)
    assert proc.returncode == 2 and proc.stderr.decode() == said + "\n"


@pytest.mark.parametrize(
    ("command", "why"),
    [
        (["pagerank", SHIPPED, "--max-supersteps", "5"], "networkx did not converge in 5 iterations"),
        (["ppr", SHIPPED, "--sources", "3", "--max-supersteps", "5"], "networkx did not converge in 5 iterations"),
        (["louvain", "ZERO"], "networkx's Louvain divides by the total weight, which is 0 here"),
    ],
)
def test_compare_without_an_answer_from_networkx_warns_and_keeps_the_results(run_cli, tmp_path, command, why):
    """networkx not converging (or refusing the graph) is no failure of the run: exit 0, results written."""
    zero = tmp_path / "zero.txt"
    zero.write_text("1 2 0\n2 3 0\n3 1 0\n")
    out = tmp_path / "r.tsv"
    command = [zero if part == "ZERO" else part for part in command]
    proc = run_cli(*command, "--compare", "networkx", "-o", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert f"pregel: warning: nothing to compare: {why}" in proc.stderr.decode()
    assert out.read_text().count("\n") in (3, 7115)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device whose writes fail)")
@pytest.mark.parametrize("flag", ["--output", "--stats"])
def test_a_full_disk_is_one_line_naming_the_file_and_its_flag(run_cli, tmp_path, flag):
    edges = tmp_path / "e.txt"
    edges.write_text("1 2\n2 3\n")
    proc = run_cli("cc", edges, flag, "/dev/full", "--quiet")
    assert proc.returncode == 1
    assert proc.stderr.decode() == f"pregel: error: /dev/full: cannot write {flag}: No space left on device\n"


def test_no_superstep_at_all_warns_without_a_last_change(run_cli, tmp_path):
    out = tmp_path / "r.tsv"
    proc = run_cli("pagerank", SHIPPED, "--max-supersteps", "0", "-o", out, "--quiet")
    assert proc.returncode == 0 and out.exists()
    assert proc.stderr.decode() == "pregel: warning: stopped at --max-supersteps 0 before the run ended\n"


def test_gzip_input_through_the_command(run_cli, tmp_path):
    path = tmp_path / "e.gz"
    path.write_bytes(gzip.compress(b"1 2\n2 1\n"))
    proc = run_cli("pagerank", path, "--quiet")
    assert proc.stdout.decode() == "1\t0.5\n2\t0.5\n"


@pytest.mark.parametrize(
    ("args", "text", "message"),
    [
        (["pagerank"], "1 2\n2\n", "edges.txt:2: expected 2 or 3 columns"),
        (["cc"], "1 2\nx 3\n", "edges.txt:2: vertex id 'x' is not an integer"),
        (["sssp", "--source", "1"], "1 2 1\n2 3 nan\n", "edges.txt:2: weight 'nan' is not a finite number"),
        (["sssp", "--source", "1"], "1 2 1\n2 3\n", "edges.txt:2: expected 3 columns like line 1, got 2"),
        (["pagerank"], "", "edges.txt: no edges"),
        (["sssp", "--source", "42"], "1 2\n", "--source vertex 42 is not in the graph"),
        (["sssp", "--source", "1"], "1 2 -1\n2 1 -1\n", "negative cycle is reachable from source vertex 1"),
        (["pagerank", "--damping", "1.5"], "1 2\n", "--damping must be in [0, 1)"),
        (["cc", "--ray-address", "auto"], "1 2\n", "--ray-address needs --backend ray"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_output(run_cli, write_edges, tmp_path, args, text, message):
    edges = write_edges(text)
    out = tmp_path / "out.tsv"
    proc = run_cli(args[0], edges, *args[1:], "--output", out)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and message in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["edges.txt"]


def test_missing_file_and_usage_errors(run_cli, tmp_path):
    proc = run_cli("cc", tmp_path / "missing.txt")
    assert proc.returncode == 2 and b"missing.txt: no such file" in proc.stderr
    proc = run_cli("sssp", "x.txt")
    assert proc.returncode == 2 and proc.stderr.count(b"\n") == 1 and b"--source" in proc.stderr
    proc = run_cli("pagerank", "x.txt", "--workers", "0")
    assert proc.returncode == 2 and proc.stderr.count(b"\n") == 1
    proc = run_cli("frobnicate")
    assert proc.returncode == 2 and proc.stderr.count(b"\n") == 1


def test_output_equal_to_input_is_refused(run_cli, write_edges):
    edges = write_edges("1 2\n")
    proc = run_cli("cc", edges, "--output", edges)
    assert proc.returncode == 2 and b"is the input file" in proc.stderr
    assert edges.read_text() == "1 2\n"


NAMED = "from,to\nann,bob\nbob,cy\ncy,ann\ncy,dan\ndan,eve\neve,dan\nhal,ann\nfay,hal\nann,fay\nbob,dan\n"


@pytest.mark.parametrize(
    "command",
    [
        ["pagerank"],
        ["pagerank", "--personalize", "ann,eve"],
        ["sssp", "--source", "cy"],
        ["cc"],
        ["bfs", "--source", "cy,fay"],
        ["kcore"],
        ["kcore", "--k", "2"],
        ["triangles"],
        ["ppr", "--sources", "cy,hal"],
        ["betweenness", "--samples", "4"],
    ],
)
def test_compare_networkx_on_string_ids(run_cli, tmp_path, command):
    edges = tmp_path / "named.csv"
    edges.write_text(NAMED)
    proc = run_cli(command[0], edges, *command[1:], "--src", "from", "--dst", "to", "--compare", "networkx", "-q")
    assert proc.returncode == 0, proc.stderr
    difference = float(proc.stderr.decode().split("networkx: largest absolute difference ")[1].split()[0])
    assert difference <= 1e-9


def test_louvain_compare_networkx_on_string_ids(run_cli, tmp_path):
    edges = tmp_path / "named.csv"
    edges.write_text(NAMED)
    proc = run_cli("louvain", edges, "--src", "from", "--dst", "to", "--compare", "networkx", "-q")
    assert proc.returncode == 0, proc.stderr
    ours: dict[str, set] = {}
    for line in proc.stdout.decode().splitlines():
        vertex, label = line.split("\t")
        ours.setdefault(label, set()).add(vertex)
    assert ours["ann"] == {"ann", "fay", "hal"}  # labelled by names, as the input names its vertices
    # labels vertex by vertex do not compare across two Louvains: both partitions' modularity, by networkx
    g = nx.Graph([line.split(",") for line in NAMED.splitlines()[1:]])
    theirs = nx.community.louvain_communities(g, seed=0)

    def quality(communities) -> str:
        return f"modularity {nx.community.modularity(g, communities):.6f} in {len(communities)} communities"

    assert f"networkx: {quality(theirs)}, pregel's {quality(list(ours.values()))}\n" in proc.stderr.decode()


def test_pregel_run_leaves_no_bytecode_beside_the_program(tmp_path, monkeypatch, capsys):
    # as `python mine.py` runs a script; whatever the environment says about bytecode
    import sys

    from pregel.cli.main import main

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    program = ["from pregel import Vertex", "class Quiet(Vertex):", "    def compute(self, messages):"]
    (tmp_path / "mine.py").write_text("\n".join([*program, "        self.vote_to_halt()", ""]))
    (tmp_path / "e.txt").write_text("1 2\n")
    assert main(["run", str(tmp_path / "mine.py"), str(tmp_path / "e.txt"), "-q"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.txt", "mine.py"]
    assert sys.dont_write_bytecode is False


def _wide_ids_graph():
    """A random graph whose ids lie between 2**31 and 2**53 (the widest the reader takes), both ends included."""
    rng = np.random.default_rng(31)
    ids = rng.integers(2**31, 2**53, size=120)
    ids[:2] = [2**31, 2**53 - 1]
    src, dst = rng.choice(ids, 400), rng.choice(ids, 400)
    keep = src != dst
    return src[keep], dst[keep]


@pytest.mark.parametrize("command", ["pagerank", "bfs", "cc", "scc", "kcore", "triangles"])
def test_ids_past_32_bits_come_back_as_written(run_cli, write_edges, tmp_path, command):
    src, dst = _wide_ids_graph()
    edges = write_edges("".join(f"{a}\t{b}\n" for a, b in zip(src.tolist(), dst.tolist())))
    G = nx.DiGraph(zip(src.tolist(), dst.tolist()))
    undirected = G.to_undirected()
    source = int(src[0])
    expected = {
        "pagerank": lambda: nx.pagerank(G, tol=1e-12),
        "bfs": lambda: nx.single_source_shortest_path_length(G, source),
        "cc": lambda: {v: min(c) for c in nx.weakly_connected_components(G) for v in c},
        "scc": lambda: {v: min(c) for c in nx.strongly_connected_components(G) for v in c},
        "kcore": lambda: nx.core_number(undirected),
        "triangles": lambda: nx.triangles(undirected),
    }[command]()
    out = tmp_path / "out.tsv"
    extra = {"pagerank": ["--tol", "1e-12"], "bfs": ["--source", str(source)]}.get(command, [])
    proc = run_cli(command, edges, *extra, "--output", out, "--workers", "3")
    assert proc.returncode == 0, proc.stderr
    got = {int(a): b for a, b in (line.split("\t") for line in out.read_text().splitlines())}
    assert set(got) == set(G)
    for vertex, value in expected.items():
        if command == "pagerank":
            assert float(got[vertex]) == pytest.approx(value, abs=1e-9)
        else:
            assert float(got[vertex]) == value, vertex


def test_standard_output_holds_the_results_alone(run_cli, tmp_path):
    # a program's print() (and the lines Ray forwards from its workers) go to stderr: ranks.tsv stays a table
    program = tmp_path / "loud.py"
    program.write_text(
        "import pregel\n"
        "class Loud(pregel.Vertex):\n"
        "    initial_value = 0.0\n"
        "    def compute(self, messages):\n"
        "        print('hello from', self.id)\n"
        "        self.vote_to_halt()\n"
    )
    (tmp_path / "e.txt").write_text("1 2\n2 3\n")
    proc = run_cli("run", program, "e.txt", "--quiet")
    assert proc.returncode == 0
    assert proc.stdout.decode() == "1\t0.0\n2\t0.0\n3\t0.0\n"
    assert "hello from 2" in proc.stderr.decode()


@pytest.mark.parametrize(("sent", "status", "said"), [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_a_signal_stops_the_run_in_one_line_and_leaves_no_output(tmp_path, sent, status, said):
    import signal
    import time

    program = tmp_path / "slow.py"
    started = tmp_path / "started"
    program.write_text(
        "import pathlib, time\n"
        "import pregel\n"
        "class Slow(pregel.BatchProgram):\n"
        "    initial_value = 0.0\n"
        "    def compute(self, v):\n"
        f"        pathlib.Path({str(started)!r}).touch()\n"
        "        time.sleep(0.05)\n"
        "        v.values = v.values + 1\n"
    )
    (tmp_path / "e.txt").write_text("1 2\n2 3\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "pregel", "run", str(program), "e.txt", "-q", "-o", "out.tsv"]
    run = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(getattr(signal, sent))
    out, err = run.communicate(timeout=60)
    assert run.returncode == status
    assert err.decode() == f"pregel: error: {said}\n"
    assert out == b"" and not (tmp_path / "out.tsv").exists()


LPA_IS_BATCH_ONLY = (
    "semi-synchronous label propagation has only the batch API (the synchronous rule has both: --synchronous, "
    "synchronous=True)"
)


@pytest.mark.parametrize(
    ("command", "flags", "said"),
    [
        (["louvain"], [], "Louvain has only the batch API"),
        (["lpa"], [], LPA_IS_BATCH_ONLY),
        (["ppr"], ["--sources", "1"], "personalized PageRank from many sources has only the batch API"),
        (["betweenness"], ["--weighted"], "betweenness has only the batch API"),
        (["matching"], [], "matching has only the batch API"),
        (["viz", "lpa"], ["-o", "never.html"], LPA_IS_BATCH_ONLY),
    ],
)
def test_a_batch_only_algorithm_refuses_the_scalar_api_before_it_reads_the_input(
    tmp_path, capsys, command, flags, said
):
    from pregel.cli.main import main

    missing = tmp_path / "not-read.txt"
    assert main([*command, str(missing), *flags, "--api", "scalar"]) == 2
    assert capsys.readouterr().err == f"pregel: error: {said}\n"
    assert not (tmp_path / "never.html").exists()
