"""`pregel viz` writes one self-contained page from a real run, or one clear error and no page."""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from pregel.algorithms import reference
from pregel.io.edges import read_edges

DOCS = Path(__file__).resolve().parent.parent / "docs"
WEB = DOCS / "web-graph.txt"


def embedded(page: Path) -> dict:
    """The run data inside a written page."""
    text = page.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', text, re.S)
    return json.loads(match.group(1))


def numbers(packed: dict) -> list:
    """A packed column of vertex values, read here by its description: little-endian float64 in base64."""
    return np.frombuffer(base64.b64decode(packed["f64"]), dtype="<f8").tolist()


def test_pagerank_page_holds_the_run_and_needs_no_network(run_cli, tmp_path):
    done = run_cli("viz", "pagerank", WEB, "--output", "run.html")
    assert done.returncode == 0, done.stderr.decode()
    page = tmp_path / "run.html"
    data = embedded(page)
    graph = read_edges(WEB)
    expected = reference.pagerank(graph, 0.85, 1e-10)
    assert data["ids"] == list(range(1, 9))
    np.testing.assert_allclose(numbers(data["steps"][-1]["values"]), expected.values, atol=1e-9)
    assert len(data["steps"]) == expected.supersteps
    assert data["style"] == "rank" and data["directed"]
    text = page.read_text(encoding="utf-8")
    # offline: nothing is fetched, the script and style sheet are inside
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "function go(" in text and ".vertex circle" in text
    assert b"wrote" in done.stderr


def test_sssp_page_marks_unreachable_vertices(run_cli, write_edges, tmp_path):
    edges = write_edges("1 2 2.5\n2 3 1\n7 8 1\n")
    done = run_cli("viz", "sssp", edges, "--source", "1", "-o", "sssp.html", "--quiet")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    data = embedded(tmp_path / "sssp.html")
    assert numbers(data["steps"][-1]["values"]) == [0.0, 2.5, 3.5, math.inf, math.inf]
    assert data["style"] == "distance"


@pytest.mark.parametrize("api", ["batch", "scalar"])
def test_cc_page_for_both_apis(run_cli, write_edges, tmp_path, api):
    edges = write_edges("1 2\n3 2\n5 6\n9 9\n")
    done = run_cli("viz", "cc", edges, "-o", "cc.html", "--api", api, "--workers", "2")
    assert done.returncode == 0, done.stderr.decode()
    data = embedded(tmp_path / "cc.html")
    assert numbers(data["steps"][-1]["values"]) == [1, 1, 1, 5, 5, 9]
    assert not data["directed"]


def too_big(write_edges):
    return write_edges("".join(f"{i} {i + 1}\n" for i in range(1, 12)))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pagerank", "BIG", "--max-vertices", "10", "-o", "page.html"], "12 vertices, more than the limit of 10"),
        (["sssp", "GOOD", "-o", "page.html"], "the following arguments are required: --source"),
        (["sssp", "GOOD", "--source", "42", "-o", "page.html"], "--source vertex 42 is not in the graph"),
        (["cc", "BAD", "-o", "page.html"], "bad.txt:2: expected 2 or 3 columns"),
        (["pagerank", "GOOD", "--damping", "1.5", "-o", "page.html"], "--damping must be in [0, 1)"),
        (["pagerank", "GOOD"], "the following arguments are required: --output"),
        (["GOOD", "-o", "page.html"], "invalid choice"),
        # the algorithm's own refusal names the file too, as without viz
        (["kcore", "LOOP", "-o", "page.html"], "loop.txt: vertex 1 has a self-loop"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_page(run_cli, write_edges, tmp_path, args, message):
    files = {
        "BIG": too_big(write_edges),
        "GOOD": WEB,
        "BAD": write_edges("1 2\n3\n", "bad.txt"),
        "LOOP": write_edges("1 1\n1 2\n", "loop.txt"),
    }
    done = run_cli("viz", *[files.get(a, a) for a in args])
    assert done.returncode == 2, done.stderr.decode()
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert list(tmp_path.glob("*page.html*")) == []


def test_the_limit_is_300_and_can_be_raised_knowingly(run_cli, write_edges, tmp_path):
    ring = write_edges("".join(f"{i} {(i + 1) % 301}\n" for i in range(301)), "ring.txt")
    done = run_cli("viz", "cc", ring, "-o", "page.html")
    assert done.returncode == 2 and b"301 vertices, more than the limit of 300" in done.stderr
    assert not (tmp_path / "page.html").exists()
    edges = too_big(write_edges)
    assert run_cli("viz", "cc", edges, "-o", "page.html", "--max-vertices", "11").returncode == 2
    assert run_cli("viz", "cc", edges, "-o", "page.html", "--max-vertices", "12").returncode == 0
    assert len(embedded(tmp_path / "page.html")["ids"]) == 12


def test_the_shipped_example_is_what_the_documented_command_writes(run_cli, tmp_path):
    script = (DOCS / "regenerate.sh").read_text()
    command = "pregel viz pagerank docs/web-graph.txt --output docs/pagerank-steps.html"
    assert command in script
    shipped = embedded(DOCS / "pagerank-steps.html")
    ranks = reference.pagerank(read_edges(WEB), 0.85, 1e-10).values
    np.testing.assert_allclose(numbers(shipped["steps"][-1]["values"]), ranks, atol=1e-9)
    assert shipped["out_degree"][7] == 0, "page 8 is the sink"
    assert run_cli("viz", "pagerank", WEB, "--output", "fresh.html", "--quiet").returncode == 0
    fresh = embedded(tmp_path / "fresh.html")
    # the layout may differ a little between networkx versions; the run may not
    fresh.pop("xy"), shipped.pop("xy")
    assert _same(_unpacked(fresh), _unpacked(shipped)), "docs/pagerank-steps.html is stale: run docs/regenerate.sh"


def _unpacked(data: object) -> object:
    """The page data with each packed column of numbers read back as a list (base64 text differs in the last bit)."""
    if isinstance(data, dict) and ("f64" in data or "f32" in data):
        kind, dtype = ("f64", "<f8") if "f64" in data else ("f32", "<f4")
        return np.frombuffer(base64.b64decode(data[kind]), dtype=dtype).tolist()
    if isinstance(data, dict):
        return {k: _unpacked(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_unpacked(v) for v in data]
    return data


def _same(a: object, b: object) -> bool:
    """Equal structure and numbers; floats to rounding (a sum's order differs with and without compiled kernels)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return type(a) is type(b) and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return type(a) is type(b) and a == b


def test_pregel_run_writes_the_page_of_your_own_program(run_cli, write_edges, tmp_path):
    import networkx as nx

    from tests.conftest import ROOT

    edges = write_edges("1 2\n2 3\n3 1\n3 4\n8 9\n")
    done = run_cli("run", ROOT / "examples" / "bfs_levels.py", edges, "--param", "source=1", "--viz", "bfs.html")
    assert done.returncode == 0, done.stderr.decode()
    data = embedded(tmp_path / "bfs.html")
    hops = nx.single_source_shortest_path_length(read_edges(edges).to_networkx(), 1)
    # BFSLevels marks unreachable vertices with -1
    assert numbers(data["steps"][-1]["values"]) == [hops.get(v, -1) for v in data["ids"]]
    assert b"wrote bfs.html" in done.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--backend", "ray"], "--viz needs the local backend"), (["--max-vertices", "3"], "limit of 3")],
)
def test_pregel_run_viz_refusals_write_nothing(run_cli, write_edges, tmp_path, extra, message):
    from tests.conftest import ROOT

    edges = write_edges("1 2\n2 3\n3 1\n3 4\n")
    done = run_cli("run", ROOT / "examples" / "bfs_levels.py", edges, "--param", "source=1", "--viz", "p.html", *extra)
    assert done.returncode == 2
    assert done.stderr.decode().count("\n") == 1 and message in done.stderr.decode()
    assert not (tmp_path / "p.html").exists()


PEEL = '''
import numpy as np
import pregel


class PeelSinks(pregel.BatchProgram):
    """Vertices without out-edges remove themselves, round after round, until a round removes none."""

    initial_value = 0.0
    aggregators = {"removed": pregel.Sum}

    def compute(self, v):
        if v.superstep > 0 and v.aggregated("removed") == 0:
            v.vote_to_halt()
            return
        sinks = v.out_degree == 0
        v.remove_vertices(v.ids[sinks])
        v.aggregate("removed", np.count_nonzero(sinks))
        v.values = v.values + 1
'''


def test_pregel_run_writes_the_page_of_a_program_that_mutates_its_graph(run_cli, write_edges, tmp_path):
    from pregel.viz.page import unpack

    (tmp_path / "peel.py").write_text(PEEL, encoding="utf-8")
    # the path 7 -> 8 -> 9 hangs off the cycle 1 -> 2 -> 3 -> 1: 9, then 8, then 7 go
    edges = write_edges("1 2\n2 3\n3 1\n3 7\n7 8\n8 9\n")
    done = run_cli("run", "peel.py", edges, "--viz", "peel.html", "--output", "left.txt")
    assert done.returncode == 0, done.stderr.decode()
    assert sorted(int(line.split()[0]) for line in (tmp_path / "left.txt").read_text().splitlines()) == [1, 2, 3]
    data = embedded(tmp_path / "peel.html")
    assert data["ids"] == [1, 2, 3, 7, 8, 9]
    present = [unpack(data["graphs"][k]["vertices"], 6).tolist() for k in data["graph_at"]]
    gone = [[v for v, here in zip(data["ids"], flags) if not here] for flags in present]
    assert gone == [[], [], [9], [8, 9], [7, 8, 9], [7, 8, 9]]
    assert "the program changed the graph 3 times" in (tmp_path / "peel.html").read_text(encoding="utf-8")


GROW = '''
import pregel


class Grow(pregel.Vertex):
    """Vertex 1 adds vertices 100 and 101 in superstep 0; then all halt."""

    initial_value = 0.0

    def compute(self, messages):
        if self.superstep == 0 and self.id == 1:
            self.add_vertex(100, 1.0)
            self.add_vertex(101, 1.0)
        self.vote_to_halt()
'''


def test_pregel_run_refuses_a_page_the_added_vertices_make_too_large(run_cli, write_edges, tmp_path):
    (tmp_path / "grow.py").write_text(GROW, encoding="utf-8")
    edges = write_edges("1 2\n2 3\n")
    done = run_cli("run", "grow.py", edges, "--viz", "g.html", "--max-vertices", "4", "--output", "out.txt", "--quiet")
    assert done.returncode == 2
    message = done.stderr.decode()
    assert message.count("\n") == 1 and "together, 5 vertices, more than the limit of 4" in message
    assert not (tmp_path / "g.html").exists() and not (tmp_path / "out.txt").exists()
    assert run_cli("run", "grow.py", edges, "--viz", "g.html", "--max-vertices", "5").returncode == 0
    assert embedded(tmp_path / "g.html")["ids"] == [1, 2, 3, 100, 101]


# ------------------------------------------------------------- issue 18: every algorithm has a page
LABELLED = (["a", "b", "c", "c", "d", "e", "b"], ["b", "c", "a", "d", "e", "d", "e"])


def _networkx_labelled(directed: bool):
    import networkx as nx

    g = (nx.DiGraph if directed else nx.Graph)()
    g.add_edges_from(zip(*LABELLED))
    return g


def _last_shown(data: dict) -> list:
    from pregel.viz.page import unpack

    return unpack(data["steps"][-1]["values"]).tolist()


def _smallest_member_labels(components) -> list:
    label = {v: min(c) for c in components for v in c}
    return [label[v] for v in "abcde"]


def _page_of(run) -> dict:
    from pregel.viz.looks import look_of
    from pregel.viz.page import page_data, page_html

    result = run(trace=True)
    page_html(result)  # the whole page renders (JSON without NaN, every column packable)
    return page_data(result.trace, look_of(result.trace.program_class).style)


def test_every_algorithm_command_has_a_page():
    from pregel.cli.algorithms import ALGORITHMS
    from pregel.cli.main import build_parser

    viz = next(a for a in build_parser()._subparsers._group_actions[0].choices["viz"]._actions if a.dest == "algorithm")
    assert set(viz.choices) == set(ALGORITHMS) - {"run"}


def test_component_pages_show_labels_not_internal_numbers():
    import networkx as nx

    import pregel
    from pregel import algorithms as alg

    g = pregel.Graph.from_edges(*LABELLED)
    cc = _page_of(lambda **k: alg.connected_components(g, **k))
    scc = _page_of(lambda **k: alg.strongly_connected_components(g, **k))
    lpa = _page_of(lambda **k: alg.label_propagation(g, synchronous=True, **k))
    for data in (cc, scc, lpa):
        assert data["ids"] == list("abcde") and data["style"] == "label"
    assert _last_shown(cc) == _smallest_member_labels(nx.weakly_connected_components(_networkx_labelled(True)))
    assert _last_shown(scc) == _smallest_member_labels(nx.strongly_connected_components(_networkx_labelled(True)))
    assert scc["directed"], "scc draws the user's directed edges, not the two-way view it runs on"
    assert sorted(map(tuple, scc["edges"])) == sorted(zip(g.sources.tolist(), g.indices.tolist()))
    # the run's labels are vertices (named as the user names them) grouping as the result's communities do
    communities = alg.label_propagation(g, synchronous=True).values.tolist()
    shown = _last_shown(lpa)
    assert set(shown) <= set("abcde")
    assert [[a == b for b in shown] for a in shown] == [[a == b for b in communities] for a in communities]
    # every message that carries a vertex names it as the user does
    scc_messages = [unpack_messages(step) for step in scc["steps"]]
    assert {m for ms in scc_messages for m in ms} <= set("abcde")


def unpack_messages(step: dict) -> list:
    from pregel.viz.page import unpack

    frm = step["messages"]["from"]
    senders = unpack(frm).tolist() if frm else None
    return unpack(step["messages"]["values"], senders=senders).tolist()


def test_numeric_pages_show_the_results():
    import networkx as nx

    import pregel
    from pregel import algorithms as alg

    g = pregel.Graph.from_edges(*LABELLED)
    undirected = _networkx_labelled(False)
    tri = _page_of(lambda **k: alg.triangles(g, **k))
    assert tri["ids"] == list("abcde")
    assert _last_shown(tri) == [nx.triangles(undirected)[v] for v in "abcde"]
    core = _page_of(lambda **k: alg.core_numbers(g, **k))
    assert core["ids"] == list("abcde") and _last_shown(core) == [nx.core_number(undirected)[v] for v in "abcde"]
    # three partitions: some send no records in a superstep while others do
    bc = _page_of(lambda **k: alg.betweenness(g, workers=3, **k))
    assert bc["style"] == "rank" and bc["ids"] == list("abcde")
    raw = nx.betweenness_centrality(_networkx_labelled(True), normalized=False)
    np.testing.assert_allclose(_last_shown(bc), [raw[v] for v in "abcde"])


def test_integer_pages_of_ppr_mis_and_matching():
    import pregel
    from pregel import algorithms as alg

    g = pregel.Graph.from_edges([10, 20, 30, 30, 40, 50, 20], [20, 30, 10, 40, 50, 40, 50])
    ppr = _page_of(lambda **k: alg.personalized_pagerank(g, [10, 40], **k))
    expected = alg.personalized_pagerank(g, [10, 40]).values
    np.testing.assert_allclose(_last_shown(ppr), (expected["10"] + expected["40"]) / 2, atol=1e-9)
    mis = _page_of(lambda **k: alg.maximal_independent_set(g, seed=2, **k))
    members = alg.maximal_independent_set(g, seed=2).values
    assert _last_shown(mis) == ["in" if m else "out" for m in members]
    matched = _page_of(lambda **k: alg.maximal_matching(g, seed=2, **k))
    partner = alg.maximal_matching(g, seed=2).values
    pairs = [f"{min(i, p)}–{max(i, p)}" if p >= 0 else "unmatched" for i, p in zip(g.ids.tolist(), partner.tolist())]
    assert _last_shown(matched) == pairs
    assert set(_last_shown(matched)) - {"unmatched"}, "the seed matches some pair"


def test_viz_scc_on_a_table_names_the_vertices(run_cli, tmp_path):
    (tmp_path / "e.csv").write_text("src,dst\n" + "".join(f"{s},{t}\n" for s, t in zip(*LABELLED)))
    done = run_cli("viz", "scc", "e.csv", "--src", "src", "--dst", "dst", "-o", "scc.html", "--quiet")
    assert done.returncode == 0, done.stderr.decode()
    data = embedded(tmp_path / "scc.html")
    assert data["ids"] == list("abcde") and data["meaning"] == "the colour, then the component label"
    assert _last_shown(data) == ["a", "a", "a", "d", "d"]


def test_triangle_wedges_name_their_ends():
    import networkx as nx

    import pregel
    from pregel import algorithms as alg

    g = pregel.Graph.from_edges(*LABELLED)
    data = _page_of(lambda **k: alg.triangles(g, **k))
    blooms = unpack_messages(data["steps"][0])
    wedges = unpack_messages(data["steps"][1])
    told = unpack_messages(data["steps"][2])
    # a bloom names its sender; each wedge names two vertices of the user's graph; a message about it, a count
    from pregel.viz.page import unpack

    assert blooms and all(b.endswith("'s bloom") and b[0] in "abcde" for b in blooms)

    ends = [w.rstrip("?").split("–") for w in wedges]
    assert ends and all(len(e) == 2 and set(e) <= set("abcde") for e in ends)
    # u tells v its neighbour w: a triangle where w is v's neighbour too, each found once
    receivers = [data["ids"][t] for t in unpack(data["steps"][1]["messages"]["to"]).tolist()]
    undirected = _networkx_labelled(False)
    assert all(undirected.has_edge(u, v) and undirected.has_edge(u, w) for (u, w), v in zip(ends, receivers))
    closed = sum(undirected.has_edge(v, w) for (_, w), v in zip(ends, receivers))
    assert closed == sum(nx.triangles(undirected).values()) // 3
    assert told and all(t.startswith("+") for t in told)


def test_k_core_page_names_the_vertices_the_pruning_removes():
    import networkx as nx

    import pregel
    from pregel.algorithms.kcore import k_core
    from pregel.viz.page import unpack

    # z hangs on a, y on z: the 2-core removes z and y (in two rounds), the rest stays
    sources, targets = LABELLED[0] + ["a", "z"], LABELLED[1] + ["z", "y"]
    g = pregel.Graph.from_edges(sources, targets)
    data = _page_of(lambda **k: k_core(g, 2, **k))
    names = "abcdeyz"
    assert data["ids"] == list(names)
    whole = nx.Graph(zip(sources, targets))
    kept = nx.k_core(whole, 2)
    present = unpack(data["graphs"][data["graph_at"][-1]]["vertices"], len(names)).tolist()
    assert [not x for x in present] == [v not in kept for v in names] and not all(present)
    shown = _last_shown(data)
    assert [shown[i] for i, v in enumerate(names) if v in kept] == [kept.degree(v) for v in names if v in kept]


def test_a_page_to_standard_output(run_cli, tmp_path):
    (tmp_path / "e.txt").write_text("1 2\n2 3\n3 1\n")
    proc = run_cli("viz", "pagerank", "e.txt", "-o", "-", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().startswith("<!DOCTYPE html>") and proc.stdout.decode().rstrip().endswith("</html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.txt"]  # no file named '-'
