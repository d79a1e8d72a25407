"""Luby's maximal independent set and the random maximal matching: valid, maximal, and the same for a seed.

Both are random, so they are checked for what they must be (independent and maximal; a
matching and maximal) with checks tested here on hand-made answers, and against
networkx's own checkers; the same seed must give the same answer on every partition
count and API. Every backend (Ray included): test_library_on_every_backend.py.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pregel
from pregel.algorithms.matching import matching_problem, maximal_matching
from pregel.algorithms.mis import independence_problem, maximal_independent_set
from pregel.cli.main import main
from pregel.io.formats import write_result
from tests.conftest import GNUTELLA, NAMED_COLUMNS, SHIPPED
from tests.graphs import random_graphs


def undirected_networkx(graph: pregel.Graph) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(graph.ids.tolist())
    g.add_edges_from(zip(*(column.tolist() for column in graph.edge_arrays()[:2])))
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    return g


def assert_independent_and_maximal(graph: pregel.Graph, members: np.ndarray) -> None:
    assert independence_problem(graph, members) is None
    # networkx's own definition, as a second opinion
    chosen = set(graph.ids[members == 1].tolist())
    g = undirected_networkx(graph)
    assert all(not (u in chosen and v in chosen) for u, v in g.edges)
    assert nx.is_dominating_set(g, chosen)


def assert_maximal_matching(graph: pregel.Graph, partner: np.ndarray) -> None:
    assert matching_problem(graph, partner) is None
    pairs = {(int(u), int(p)) for u, p in zip(graph.ids.tolist(), partner.tolist()) if p >= 0 and u < p}
    assert nx.is_maximal_matching(undirected_networkx(graph), pairs)


# ------------------------------------------------------------ the checks themselves
def test_the_checks_find_what_is_wrong():
    path = pregel.Graph.from_edges([1, 2, 3], [2, 3, 4]).to_undirected()
    assert independence_problem(path, np.array([1, 0, 1, 0])) is None
    assert "both in the set but adjacent" in independence_problem(path, np.array([1, 1, 0, 1]))
    assert "no neighbour in it" in independence_problem(path, np.array([1, 0, 0, 0]))
    assert matching_problem(path, np.array([2, 1, 4, 3])) is None
    assert "both unmatched but adjacent" in matching_problem(path, np.array([2, 1, -1, -1]))
    assert "which is matched to" in matching_problem(path, np.array([2, 3, 2, -1]))
    assert "not adjacent" in matching_problem(path, np.array([3, -1, 1, -1]))
    assert "not in the graph" in matching_problem(path, np.array([9, -1, -1, -1]))


# ------------------------------------------------------------ by hand
def test_a_triangle_has_one_member_and_one_pair():
    triangle = pregel.Graph.from_edges([1, 2, 3], [2, 3, 1])
    for seed in range(5):
        assert maximal_independent_set(triangle, seed=seed).values.sum() == 1
        partner = maximal_matching(triangle, seed=seed).values
        assert sorted(partner.tolist()).count(-1) == 1


def test_a_star_is_its_centre_or_its_leaves():
    star = pregel.Graph.from_edges([0, 0, 0, 0], [1, 2, 3, 4])
    for seed in range(8):
        members = maximal_independent_set(star, seed=seed).values.tolist()
        assert members in ([1, 0, 0, 0, 0], [0, 1, 1, 1, 1])
        partner = maximal_matching(star, seed=seed).values
        assert (partner >= 0).sum() == 2 and partner[0] in (1, 2, 3, 4)


def test_isolated_vertices_join_and_stay_unmatched_and_self_loops_are_ignored():
    g = pregel.Graph.from_edges([1, 5, 7], [2, 5, 7], vertices=[9])
    members = maximal_independent_set(g).to_dict()
    assert members[5] == members[7] == members[9] == 1 and members[1] + members[2] == 1
    assert maximal_matching(g).to_dict() == {1: 2, 2: 1, 5: -1, 7: -1, 9: -1}


def test_the_same_seed_gives_the_same_answer_and_seeds_differ():
    g = pregel.io.edges.read_edges(SHIPPED)
    answers = {maximal_independent_set(g, seed=seed).values.tobytes() for seed in (1, 2, 3)}
    assert len(answers) == 3
    assert maximal_matching(g, seed=4).values.tolist() == maximal_matching(g, seed=4, workers=3).values.tolist()


# ------------------------------------------------------------ random and real graphs
@settings(max_examples=40, deadline=None)
@given(random_graphs(max_vertices=30, max_edges=70), st.integers(0, 2**32))
def test_random_graphs(g, seed):
    members = maximal_independent_set(g, seed=seed)
    assert_independent_and_maximal(members.graph, members.values)
    for workers, api in ((3, "batch"), (2, "scalar")):
        again = maximal_independent_set(g, seed=seed, workers=workers, api=api)
        assert again.values.tolist() == members.values.tolist()
    pairs = maximal_matching(g, seed=seed)
    assert_maximal_matching(pairs.graph, pairs.values)
    assert maximal_matching(g, seed=seed, workers=3).values.tolist() == pairs.values.tolist()


@pytest.mark.parametrize("path", [SHIPPED, GNUTELLA])
def test_real_graphs(path):
    g = pregel.io.edges.read_edges(path)
    members = maximal_independent_set(g, seed=11, workers=2)
    assert independence_problem(members.graph, members.values) is None
    assert members.supersteps < 40  # O(log n) rounds of two supersteps
    pairs = maximal_matching(g, seed=11, workers=2)
    assert matching_problem(pairs.graph, pairs.values) is None


def test_a_checkpointed_run_resumes_to_the_same_answer(tmp_path):
    g = pregel.io.edges.read_edges(SHIPPED)
    for algorithm in (maximal_independent_set, maximal_matching):
        whole = algorithm(g, seed=6, workers=2)
        folder = tmp_path / algorithm.__name__
        options = {"seed": 6, "workers": 2, "checkpoint_dir": folder, "checkpoint_every": 2}
        assert algorithm(g, max_supersteps=5, **options).stopped_by == "max_supersteps"
        assert algorithm(g, resume=True, **options).values.tolist() == whole.values.tolist()


@pytest.mark.parametrize("algorithm", [maximal_independent_set, maximal_matching])
def test_bad_parameters(algorithm):
    with pytest.raises(pregel.InputError, match="no scipy reference"):
        algorithm(pregel.Graph.from_edges([1], [2]), backend="scipy")
    with pytest.raises(pregel.InputError, match="seed must be an integer, got 1.5"):
        algorithm(pregel.Graph.from_edges([1], [2]), seed=1.5)


# ------------------------------------------------------------ the command line
def exit_status(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture
def edges(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("1 2\n2 3\n3 4\n4 1\n4 5\n6 6\n")
    return path


def test_cli_mis_and_check(edges, tmp_path, capsys):
    out = tmp_path / "set.csv"
    assert main(["mis", str(edges), "--seed", "3", "-o", str(out), "--check", "-q"]) == 0
    rows = [line.split(",") for line in out.read_text().splitlines()]
    assert rows[0] == ["vertex", "value"]
    members = np.array([int(value) for _, value in rows[1:]])
    g = pregel.io.edges.read_edges(edges, undirected=True)
    assert_independent_and_maximal(g, members)
    assert "check: independent and maximal" in capsys.readouterr().err
    assert main(["mis", str(edges), "--seed", "3", "--api", "scalar", "--top", "10", "-q"]) == 0
    listed = [int(line.split("\t")[0]) for line in capsys.readouterr().out.splitlines()]
    assert listed == g.ids[members == 1].tolist()


def test_cli_matching_and_check(edges, tmp_path, capsys):
    out = tmp_path / "pairs.tsv"
    assert main(["matching", str(edges), "--seed", "2", "-o", str(out), "--check", "-q"]) == 0
    partner = np.array([int(line.split("\t")[1]) for line in out.read_text().splitlines()])
    assert_maximal_matching(pregel.io.edges.read_edges(edges, undirected=True), partner)
    assert "check: a maximal matching (2 pairs)" in capsys.readouterr().err
    assert main(["matching", str(edges), "--seed", "2", "--top", "5", "-q"]) == 0
    pairs = [tuple(map(int, line.split("\t"))) for line in capsys.readouterr().out.splitlines()]
    assert len(pairs) == 2 and all(a < b for a, b in pairs)


@pytest.mark.parametrize("command", ["mis", "matching"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--compare", "networkx"], "--compare has no meaning for pregel"),
        (["--backend", "scipy"], "--backend scipy has no meaning for pregel"),
        (["--seed", "-1"], "must not be negative"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(edges, tmp_path, capsys, command, args, message):
    out = tmp_path / "out.tsv"
    assert exit_status([command, str(edges), *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_string_ids_with_self_loops():
    named = [("ann", "bob"), ("bob", "cy"), ("cy", "ann"), ("ann", "ann"), ("dan", "eve"), ("zed", "zed")]
    g = pregel.Graph.from_edges(*zip(*named))
    members = maximal_independent_set(g, seed=3)
    assert independence_problem(members.graph, members.values) is None
    assert set(members.to_dict()) == {"ann", "bob", "cy", "dan", "eve", "zed"}
    assert members["zed"] == 1  # its only edge is a self-loop: no neighbour keeps it out
    pairs = maximal_matching(g, seed=3)
    assert matching_problem(pairs.graph, pairs.values) is None
    assert pairs.values[pairs.graph.index_of("zed")[0]] == -1


def test_cli_top_names_members_and_partners_by_their_labels(named_edges, capsys):
    named = [("ann", "bob"), ("bob", "cy"), ("cy", "ann"), ("cy", "dan"), ("dan", "eve"), ("eve", "fay")]
    edges = named_edges(named)
    flags = [*NAMED_COLUMNS, "--top", "10", "-q"]
    G = nx.Graph(named)
    assert main(["mis", str(edges), *flags]) == 0
    members = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert members and all(flag == "1" for _, flag in members)
    chosen = {v for v, _ in members}
    assert chosen <= set(G) and not any(G.has_edge(u, v) for u in chosen for v in chosen)
    assert nx.is_dominating_set(G, chosen)  # maximal: every other vertex has a neighbour in it
    assert main(["matching", str(edges), *flags]) == 0
    pairs = [tuple(line.split("\t")) for line in capsys.readouterr().out.splitlines()]
    assert pairs and nx.is_maximal_matching(G, set(pairs))


@pytest.mark.parametrize("fmt", ["tsv", "csv", "npy", "parquet"])
def test_string_ids_name_partners_by_label_and_the_unmatched_by_nothing(named_edges, tmp_path, fmt):
    # a triangle leaves one vertex unmatched, and so does an isolated vertex (only a self-loop)
    named = [("ann", "bob"), ("bob", "cy"), ("cy", "ann"), ("zed", "zed")]
    edges = named_edges(named)
    pairs = maximal_matching(pregel.Graph.from_edges(*zip(*named)), seed=1).to_dict()
    G = nx.Graph(named[:3])
    assert nx.is_maximal_matching(G, {u: v for u, v in pairs.items() if v is not None})
    assert pairs["zed"] is None and list(pairs.values()).count(None) == 2
    out = tmp_path / f"pairs.{fmt}"
    assert main(["matching", str(edges), *NAMED_COLUMNS, "--seed", "1", "-q", "-o", str(out)]) == 0
    # None is null in Parquet, an empty field in TSV and CSV, and "" in .npy (no missing string there)
    none = {"parquet": None}.get(fmt, "")
    assert dict(_rows(out, fmt)) == {u: none if v is None else v for u, v in pairs.items()}


def _rows(path, fmt):
    if fmt == "npy":
        return np.load(path).tolist()
    if fmt == "parquet":
        return [tuple(r.values()) for r in __import__("pyarrow.parquet").parquet.read_table(path).to_pylist()]
    sep = "," if fmt == "csv" else "\t"
    return [tuple(line.split(sep)) for line in path.read_text().splitlines()[fmt == "csv" :]]


@pytest.mark.parametrize("seed", range(6))
def test_a_vertex_named_by_the_empty_string_is_told_from_no_partner(seed, tmp_path):
    # the path '' - a - b: one pair, and one end unmatched, whose partner is None (it was "",
    # the name of a vertex), and in Parquet null where the vertex '' is ""
    result = maximal_matching(pregel.Graph.from_edges(["", "a"], ["a", "b"]), seed=seed)
    pairs = result.to_dict()
    assert sorted(pairs) == ["", "a", "b"] and list(pairs.values()).count(None) == 1
    matched = {u: v for u, v in pairs.items() if v is not None}
    assert nx.is_maximal_matching(nx.Graph([("", "a"), ("a", "b")]), matched)
    alone = next(u for u, v in pairs.items() if v is None)
    assert result[alone] is None
    write_result(tmp_path / "pairs.parquet", result.original_ids, result.original_values, "parquet")
    assert dict(_rows(tmp_path / "pairs.parquet", "parquet")) == pairs
    write_result(tmp_path / "pairs.tsv", result.original_ids, result.original_values, "tsv")
    assert dict(_rows(tmp_path / "pairs.tsv", "tsv")) == {u: v or "" for u, v in pairs.items()}


def test_integer_ids_still_write_minus_one_for_no_partner(tmp_path, capsys):
    # a triangle: one pair and one vertex alone, whose partner is -1 as before
    edges = tmp_path / "triangle.txt"
    edges.write_text("1 2\n2 3\n3 1\n")
    assert main(["matching", str(edges), "-q"]) == 0
    rows = dict(line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert sorted(rows) == ["1", "2", "3"] and list(rows.values()).count("-1") == 1
    assert nx.is_maximal_matching(
        nx.Graph([(1, 2), (2, 3), (3, 1)]), {int(u): int(v) for u, v in rows.items() if v != "-1"}
    )
