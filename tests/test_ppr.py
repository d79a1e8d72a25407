"""Personalized PageRank, one restart distribution (`pagerank --personalize`) or one column per source (`ppr`).

Against the exact solution of the linear system, the scipy power iteration, and
networkx's ``pagerank(G, personalization=...)``; through the Python API, the command line
and networkx dispatch. Every backend (Ray included): test_library_on_every_backend.py.
"""

from __future__ import annotations

import csv
import io

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pregel
from pregel.algorithms import reference
from pregel.algorithms.columns import as_matrix
from pregel.algorithms.pagerank import pagerank, restart_pairs, restart_vector
from pregel.algorithms.ppr import networkx_personalized_pagerank, personalized_pagerank
from pregel.cli.main import main
from tests.conftest import GNUTELLA, NAMED_COLUMNS, SHIPPED
from tests.graphs import hand_made, random_graphs

needs_backend = pytest.mark.skipif(
    nx.config.backends.get("pregel") is None, reason="the pregel networkx backend is not installed (pip install -e .)"
)


def exact(graph: pregel.Graph, restart: np.ndarray, d: float = 0.85) -> np.ndarray:
    """Solve r = (1-d) p + d (M r + (dangling . r) p) for r, with M the column-stochastic link matrix."""
    n = graph.num_vertices
    m = np.zeros((n, n))
    degree = graph.out_degree
    for u, v in zip(graph.sources.tolist(), graph.indices.tolist()):
        m[v, u] = 1.0 / degree[u]
    dangling = (degree == 0).astype(float)
    a = np.eye(n) - d * (m + np.outer(restart, dangling))
    return np.linalg.solve(a, (1 - d) * restart)


def networkx_column(graph: pregel.Graph, personalization: dict, tol: float = 1e-13) -> np.ndarray:
    ranks = nx.pagerank(graph.to_networkx(weights=False), personalization=personalization, tol=tol, max_iter=10000)
    return np.array([ranks[v] for v in graph.ids.tolist()])


# ------------------------------------------------------------ by hand
def test_by_hand_restart_at_one_vertex_of_a_graph_with_a_dangling_vertex():
    g = hand_made("dangling")  # 1 → 2, 1 → 3, 2 → 3; 3 is dangling
    restart = np.array([1.0, 0.0, 0.0])
    ours = pagerank(g, tol=1e-14, personalization=[1])
    np.testing.assert_allclose(ours.values, exact(g, restart), atol=1e-12)
    # the walk restarts at 1 only, and dangling rank goes back to 1: 1 holds more than uniform PageRank gives it
    assert ours[1] > pagerank(g, tol=1e-14)[1]


def test_a_source_that_reaches_nothing_keeps_all_its_rank():
    g = hand_made("unreachable")  # 1 → 2 → 3, 5 → 6
    ranks = personalized_pagerank(g, [6, 1], tol=1e-14)
    assert ranks.values["6"].tolist() == pytest.approx([0, 0, 0, 0, 1.0], abs=1e-12)
    assert ranks.values["1"][3:].tolist() == [0.0, 0.0]  # 5 and 6 cannot be reached from 1


def test_weights_of_a_personalization_are_scaled_to_sum_one():
    g = hand_made("disconnected")
    scaled = pagerank(g, tol=1e-13, personalization={1: 2.0, 11: 6.0})
    same = pagerank(g, tol=1e-13, personalization={1: 0.25, 11: 0.75})
    np.testing.assert_allclose(scaled.values, same.values, atol=1e-15)
    np.testing.assert_allclose(scaled.values, exact(g, restart_vector(g, restart_pairs(g, {1: 1, 11: 3}))), atol=1e-11)


def test_the_scalar_twin_gives_the_batch_ranks():
    g = pregel.io.edges.read_edges(SHIPPED)
    chosen = {int(g.ids[0]): 1.0, int(g.ids[7]): 3.0, int(g.ids[4000]): 0.5}
    batch = pagerank(g, tol=1e-12, personalization=chosen)
    scalar = pagerank(g, tol=1e-12, personalization=chosen, api="scalar", workers=2)
    assert np.abs(batch.values - scalar.values).max() <= 1e-12


# ------------------------------------------------------------ random and real graphs
@settings(max_examples=20, deadline=None)
@given(random_graphs(), st.data())
def test_random_graphs_match_scipy_and_networkx(g, data):
    sources = data.draw(st.lists(st.sampled_from(g.ids.tolist()), min_size=1, max_size=4, unique=True))
    ours = personalized_pagerank(g, sources, tol=1e-13, workers=data.draw(st.sampled_from([1, 3])))
    ref = reference.personalized_pagerank(g, g.index_of(sources), tol=1e-13)
    assert np.abs(as_matrix(ours.values) - as_matrix(ref.values)).max() <= 1e-10
    theirs = networkx_personalized_pagerank(g, sources, tol=1e-13)
    assert np.abs(as_matrix(ours.values) - as_matrix(theirs)).max() <= 1e-9
    one = pagerank(g, tol=1e-13, personalization=sources)
    restart = restart_vector(g, restart_pairs(g, sources))
    assert np.abs(one.values - reference.pagerank(g, tol=1e-13, restart=restart).values).max() <= 1e-10


@pytest.mark.parametrize("path", [SHIPPED, pytest.param(GNUTELLA, marks=pytest.mark.slow)])
def test_real_graphs_match_networkx(path):
    g = pregel.io.edges.read_edges(path)
    sources = [int(g.ids[k]) for k in (0, g.num_vertices // 2, int(np.argmax(g.out_degree)))]
    ours = personalized_pagerank(g, sources, tol=1e-12, workers=3)
    theirs = networkx_personalized_pagerank(g, sources, tol=1e-12)
    assert np.abs(as_matrix(ours.values) - as_matrix(theirs)).max() <= 1e-9
    one = pagerank(g, tol=1e-12, personalization=sources[:2], workers=2)
    spread = networkx_column(g, dict.fromkeys(sources[:2], 1), tol=1e-12 / g.num_vertices)
    assert np.abs(one.values - spread).max() <= 1e-9


def test_a_checkpointed_run_resumes_to_the_same_bits(tmp_path):
    g = pregel.io.edges.read_edges(SHIPPED)
    sources = [int(g.ids[3]), int(g.ids[30])]
    whole = personalized_pagerank(g, sources, tol=1e-12, workers=2)
    options = {"workers": 2, "checkpoint_dir": tmp_path / "ck", "checkpoint_every": 5}
    stopped = personalized_pagerank(g, sources, tol=1e-12, max_supersteps=12, **options)
    assert stopped.stopped_by == "max_supersteps"
    resumed = personalized_pagerank(g, sources, tol=1e-12, resume=True, **options)
    assert resumed.values.tobytes() == whole.values.tobytes()


def test_the_result_as_a_table():
    ranks = personalized_pagerank(hand_made("dangling"), [3, 1])
    table = ranks.to_table()
    assert list(table) == ["vertex", "3", "1"]
    assert ranks.to_numpy()["1"].tolist() == table["1"].tolist()
    assert sum(table["3"]) == pytest.approx(1.0)


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: personalized_pagerank(g, [1, 99]), "source vertex 99 is not in the graph"),
        (lambda g: personalized_pagerank(g, [2, 2]), "source 2 is given twice"),
        (lambda g: personalized_pagerank(g, []), "no source given"),
        (lambda g: personalized_pagerank(g, [1], api="scalar"), "only the batch API"),
        (lambda g: personalized_pagerank(g, [1], damping=1.0), "damping"),
        (lambda g: pagerank(g, personalization={1: -1.0}), "not a finite number >= 0"),
        (lambda g: pagerank(g, personalization={1: 0.0}), "sum to 0"),
        (lambda g: pagerank(g, personalization=[7]), "personalization vertex 7 is not in the graph"),
    ],
)
def test_bad_parameters(call, message):
    with pytest.raises(pregel.InputError, match=message):
        call(hand_made("dangling"))


# ------------------------------------------------------------ the command line
EDGES = "1 2\n2 3\n3 1\n3 4\n5 1\n"


def exit_status(argv: list[str]) -> int:
    """``main``'s status, also for usage errors (argparse exits)."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture
def edges(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text(EDGES)
    return path


def test_cli_ppr_writes_a_table_with_one_column_per_source(edges, tmp_path, capsys):
    out = tmp_path / "ranks.csv"
    assert main(["ppr", str(edges), "--sources", "4,1", "--tol", "1e-13", "-o", str(out), "-q"]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "vertex,4,1"
    table = np.array([[float(x) for x in line.split(",")] for line in lines[1:]])
    g = pregel.io.edges.read_edges(edges)
    assert table[:, 0].tolist() == g.ids.tolist()
    np.testing.assert_allclose(table[:, 1], networkx_column(g, {4: 1}), atol=1e-9)
    np.testing.assert_allclose(table[:, 2], networkx_column(g, {1: 1}), atol=1e-9)
    assert main(["ppr", str(edges), "--sources", "4,1", "-q", "--format", "tsv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split("\t")[0] == "1"  # no header in TSV


def test_cli_ppr_top_lists_the_best_of_each_source(edges, capsys):
    assert main(["ppr", str(edges), "--sources", "5,4", "--top", "2", "--format", "csv", "-q"]) == 0
    rows = [line.split(",") for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["source", "vertex", "value"]
    g = pregel.io.edges.read_edges(edges)
    expected = []
    for source in (5, 4):
        ranks = networkx_column(g, {source: 1})
        order = np.lexsort((g.ids, -np.round(ranks, 9)))[:2]  # ties (4's column is 0 but at 4) by id
        expected += [(str(source), str(g.ids[k])) for k in order]
    assert [(r[0], r[1]) for r in rows[1:]] == expected


def test_cli_ppr_check_and_compare(edges, capsys):
    assert main(["ppr", str(edges), "--sources", "2,3", "--check", "--compare", "networkx", "-q"]) == 0
    err = capsys.readouterr().err
    for name in ("scipy", "networkx"):
        difference = float(err.split(f"{name}: largest absolute difference ")[1].split()[0])
        assert difference <= 1e-9


def test_cli_pagerank_personalize(edges, tmp_path, capsys):
    out = tmp_path / "ranks.tsv"
    assert main(["pagerank", str(edges), "--personalize", "1,5", "--tol", "1e-13", "-o", str(out), "-q"]) == 0
    ranks = np.array([float(line.split("\t")[1]) for line in out.read_text().splitlines()])
    np.testing.assert_allclose(ranks, networkx_column(pregel.io.edges.read_edges(edges), {1: 1, 5: 1}), atol=1e-9)
    assert main(["pagerank", str(edges), "--personalize", "4", "--compare", "networkx", "--check", "-q"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ppr", "EDGES", "--sources", "1,99"], "edges.txt: --sources vertex 99 is not in the graph"),
        (["ppr", "EDGES", "--sources", "1,1"], "--sources 1 is given twice"),
        (["ppr", "EDGES", "--sources", "1,x"], "--sources 'x' is not an integer vertex id"),
        (["ppr", "EDGES", "--sources", "1,,2"], "not a vertex id or a comma-separated list"),
        (["ppr", "EDGES", "--sources", "1", "--damping", "1"], "--damping must be in [0, 1)"),
        (["ppr", "EDGES", "--sources", "1", "--api", "scalar"], "only the batch API"),
        (["pagerank", "EDGES", "--personalize", "8"], "--personalize vertex 8 is not in the graph"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(edges, tmp_path, capsys, args, message):
    out = tmp_path / "out.tsv"
    argv = [str(edges) if a == "EDGES" else a for a in args]
    assert exit_status([*argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


# ------------------------------------------------------------ networkx dispatch
@needs_backend
@pytest.mark.parametrize("seed", range(3))
def test_networkx_dispatch_with_personalization(seed):
    rng = np.random.default_rng(seed)
    g = nx.gnm_random_graph(60, 150, seed=seed, directed=bool(seed % 2))
    g.add_node(999)  # isolated: dangling
    personalization = {int(v): float(rng.integers(1, 4)) for v in rng.choice(60, 5, replace=False)}
    ours = nx.pagerank(g, personalization=personalization, backend="pregel")
    theirs = nx.pagerank(g, personalization=personalization)
    assert max(abs(ours[v] - theirs[v]) for v in g) < 1e-9


# ------------------------------------------------------------ string ids
NAMED = [("ann", "bob"), ("bob", "cy"), ("cy", "ann"), ("cy", "dan"), ("eve", "ann"), ("zed", "zed")]


def test_string_ids_name_the_restart_vertices_and_the_columns():
    g = pregel.Graph.from_edges(*zip(*NAMED))
    G = nx.DiGraph(NAMED)
    ranks = pagerank(g, tol=1e-14, personalization={"cy": 1.0, "eve": 3.0})
    theirs = nx.pagerank(G, personalization={"cy": 1, "eve": 3}, tol=1e-15, max_iter=10000)
    assert ranks.to_dict() == pytest.approx(theirs, abs=1e-12)
    assert pagerank(g, tol=1e-14, personalization=["dan"]).to_dict() == pytest.approx(
        nx.pagerank(G, personalization={"dan": 1}, tol=1e-15, max_iter=10000), abs=1e-12
    )
    table = personalized_pagerank(g, ["eve", "ann"], tol=1e-14)
    assert table.values.dtype.names == ("eve", "ann")
    for source in ("eve", "ann"):
        theirs = nx.pagerank(G, personalization={source: 1}, tol=1e-15, max_iter=10000)
        np.testing.assert_allclose(table.values[source], [theirs[v] for v in g.labels.tolist()], atol=1e-12)
    with pytest.raises(pregel.InputError, match="source 'ann' is given twice"):
        personalized_pagerank(g, ["ann", "ann"])
    # its column would hide the ids' own (Parquet and .npy kept one of the two)
    vertex = pregel.Graph.from_edges(["vertex", "x"], ["x", "vertex"])
    with pytest.raises(pregel.InputError, match="source 'vertex' would name a column as the vertex ids'"):
        personalized_pagerank(vertex, ["x", "vertex"])
    with pytest.raises(pregel.InputError, match="'nobody' is not in the graph"):
        pagerank(g, personalization=["nobody"])


def test_cli_string_ids_in_sources_and_personalize(named_edges, capsys):
    edges = named_edges(NAMED)
    G = nx.DiGraph(NAMED)
    flags = [*NAMED_COLUMNS, "--tol", "1e-13", "-q", "--check", "--compare", "networkx"]
    assert main(["pagerank", str(edges), "--personalize", "cy,eve", *flags]) == 0
    out, err = capsys.readouterr()
    theirs = nx.pagerank(G, personalization={"cy": 1, "eve": 1}, tol=1e-15, max_iter=10000)
    assert {v: float(r) for v, r in (line.split("\t") for line in out.splitlines())} == pytest.approx(theirs, abs=1e-9)
    assert err.count("largest absolute difference") == 2
    assert main(["ppr", str(edges), "--sources", "dan,ann", "--format", "csv", *flags]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "vertex,dan,ann"
    theirs = nx.pagerank(G, personalization={"dan": 1}, tol=1e-15, max_iter=10000)
    assert {line.split(",")[0]: float(line.split(",")[1]) for line in lines[1:]} == pytest.approx(theirs, abs=1e-9)
    assert err.count("largest absolute difference") == 2
    assert exit_status(["ppr", str(edges), *NAMED_COLUMNS, "--sources", "ann,nobody"]) == 2
    assert "--sources vertex 'nobody' is not in the graph" in capsys.readouterr().err


def test_cli_ppr_tsv_refuses_a_label_with_a_tab_and_csv_quotes_it(tmp_path, capsys):
    edges = tmp_path / "named.csv"
    edges.write_text('from,to\n"a\tb",c\nc,"d,e"\n')
    out = tmp_path / "ranks.tsv"
    flags = [*NAMED_COLUMNS, "--sources", "c", "-q"]
    assert exit_status(["ppr", str(edges), *flags, "-o", str(out)]) == 2
    assert capsys.readouterr().err == (
        "pregel: error: vertex 'a\\tb' holds a tab or a line break, which TSV cannot hold: use CSV or Parquet\n"
    )
    assert not out.exists()
    assert main(["ppr", str(edges), *flags, "--format", "csv", "--tol", "1e-13"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    theirs = nx.pagerank(nx.DiGraph([("a\tb", "c"), ("c", "d,e")]), personalization={"c": 1}, tol=1e-15, max_iter=10000)
    assert rows[0] == ["vertex", "c"]
    assert {v: float(r) for v, r in rows[1:]} == pytest.approx(theirs, abs=1e-9)
