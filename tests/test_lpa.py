"""Label propagation: networkx's semi-synchronous communities exactly, and GraphX's synchronous rule.

Against hand-run propagations, networkx's ``label_propagation_communities`` and the
scipy reference; through the Python API, the command line and networkx dispatch.
Every backend (Ray included): test_library_on_every_backend.py.
"""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import pregel
from pregel.algorithms import reference
from pregel.algorithms.lpa import label_propagation, networkx_label_propagation
from pregel.cli.main import main
from pregel.io.edges import read_edges
from tests.conftest import GNUTELLA, NAMED_COLUMNS, SHIPPED
from tests.graphs import random_graphs

needs_backend = pytest.mark.skipif(
    nx.config.backends.get("pregel") is None, reason="the pregel networkx backend is not installed (pip install -e .)"
)

# two triangles 1-2-3 and 4-5-6 joined by the bridge 3-4
BRIDGED = pregel.Graph.from_edges([1, 2, 3, 4, 5, 6, 3], [2, 3, 1, 5, 6, 4, 4])


# ------------------------------------------------------------ by hand
def test_two_triangles_and_a_bridge_are_two_communities():
    assert label_propagation(BRIDGED).to_dict() == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4}


def test_synchronous_by_hand():
    # labels 1..6, each taking the most frequent (smallest among equals) of its neighbours':
    # [2,1,1,3,4,4] → [1,1,1,4,3,3] → [1,1,1,3,3,3], then nothing changes
    result = label_propagation(BRIDGED, synchronous=True)
    assert result.to_dict() == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 4}
    assert result.supersteps == 5  # superstep 0 sends; 1-3 change labels; 4 changes none
    assert [s.aggregated["changed"] for s in result.stats[1:]] == [6, 4, 1, 0]


def test_one_edge():
    one = pregel.Graph.from_edges([1], [2])
    # semi-synchronous: 1 (coloured first) takes 2's label, then 2 keeps it
    assert label_propagation(one).values.tolist() == [1, 1]
    # synchronous: the two labels swap forever
    swapping = label_propagation(one, synchronous=True, max_supersteps=7)
    assert swapping.stopped_by == "max_supersteps" and swapping.values.tolist() == [1, 2]


def test_isolated_vertices_and_self_loops_keep_their_own_community():
    g = pregel.Graph.from_edges([1, 2, 7, 9], [2, 3, 7, 9], vertices=[5, 8])
    for synchronous in (False, True):
        labels = label_propagation(g, synchronous=synchronous).to_dict()
        assert {v: labels[v] for v in (5, 7, 8, 9)} == {5: 5, 7: 7, 8: 8, 9: 9}
    assert label_propagation(g).values.tolist() == networkx_label_propagation(g).tolist()


def test_the_colouring_is_networkx_greedy_colouring():
    from pregel.algorithms.lpa import LabelPropagation, color_words

    g = pregel.io.edges.read_edges(SHIPPED).to_undirected()
    numbered = pregel.Graph(np.arange(g.num_vertices), g.indptr, g.indices)
    ours = pregel.run(numbered, LabelPropagation(color_words=color_words(g))).values["color"]
    undirected = nx.Graph()
    undirected.add_nodes_from(range(g.num_vertices))
    undirected.add_edges_from(zip(g.sources.tolist(), g.indices.tolist()))
    theirs = nx.coloring.greedy_color(undirected, strategy="largest_first")
    assert ours.tolist() == [theirs[v] for v in range(g.num_vertices)]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_colouring_inside_partitions_is_networkx_greedy_colouring(workers):
    from pregel.algorithms.lpa import LabelPropagation, color_words, oriented

    g = pregel.io.edges.read_edges(SHIPPED).to_undirected()
    program = LabelPropagation(color_words=color_words(g), oriented=True)
    result = pregel.run(oriented(g), program, workers=workers)
    undirected = nx.Graph()
    undirected.add_nodes_from(range(g.num_vertices))
    undirected.add_edges_from(zip(*np.searchsorted(g.ids, [g.ids[g.sources], g.ids[g.indices]]).tolist()))
    theirs = nx.coloring.greedy_color(undirected, strategy="largest_first")
    assert result.values["color"].tolist() == [theirs[v] for v in range(g.num_vertices)]
    if workers == 1:
        # the colours go as far as they can inside the one partition: all of them in superstep 0
        assert result.stats[0].aggregated["colored"] == g.num_vertices


def test_one_partition_takes_a_whole_round_of_turns_a_superstep():
    g = pregel.io.edges.read_edges(SHIPPED)
    alone, split = label_propagation(g), label_propagation(g, workers=3)
    assert alone.values.tolist() == split.values.tolist() == networkx_label_propagation(g).tolist()
    colors = int(alone.stats[0].aggregated["colors"])
    # a superstep of colouring, then a superstep per round (the last changed nothing), where three partitions
    # take a superstep per colour class
    assert alone.supersteps < 2 + split.supersteps // colors
    assert [s.aggregated["changed"] for s in alone.stats[-1:]] == [0]


# ------------------------------------------------------------ random and real graphs
@settings(max_examples=40, deadline=None)
@given(random_graphs(max_vertices=30, max_edges=60))
def test_random_graphs_match_networkx_and_scipy(g):
    for workers in (1, 3):
        ours = label_propagation(g, workers=workers).values
        assert ours.tolist() == networkx_label_propagation(g).tolist()
    undirected = g.to_undirected()
    assert ours.tolist() == reference.label_propagation(undirected).values.tolist()
    synchronous = label_propagation(g, synchronous=True, max_supersteps=60, workers=2).values
    assert synchronous.tolist() == reference.label_propagation(undirected, True, 60).values.tolist()


@pytest.mark.parametrize("path", [SHIPPED, pytest.param(GNUTELLA, marks=pytest.mark.slow)])
def test_real_graphs_match_networkx(path):
    g = pregel.io.edges.read_edges(path)
    ours = label_propagation(g, workers=2)
    assert ours.values.tolist() == networkx_label_propagation(g).tolist()


@pytest.mark.parametrize(("workers", "stop_at", "every"), [(2, 120, 50), (1, 3, 1)])
def test_a_checkpointed_run_resumes_to_the_same_labels(tmp_path, workers, stop_at, every):
    g = pregel.io.edges.read_edges(SHIPPED)
    whole = label_propagation(g, workers=workers)
    options = {"workers": workers, "checkpoint_dir": tmp_path / "ck", "checkpoint_every": every}
    # stopped in the middle (two partitions: a class of turns a superstep; one: a round a superstep), resumed
    assert label_propagation(g, max_supersteps=stop_at, **options).stopped_by == "max_supersteps"
    resumed = label_propagation(g, resume=True, **options)
    assert resumed.values.tolist() == whole.values.tolist() and resumed.supersteps == whole.supersteps


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: label_propagation(BRIDGED, api="scalar"), "only the batch API"),
    ],
)
def test_bad_parameters(call, message):
    with pytest.raises(pregel.InputError, match=message):
        call()


# ------------------------------------------------------------ the command line
def exit_status(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture
def edges(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("1 2\n2 3\n3 1\n4 5\n5 6\n6 4\n3 4\n9 9\n")
    return path


def test_cli_lpa_writes_the_communities(edges, tmp_path, capsys):
    out = tmp_path / "labels.csv"
    assert main(["lpa", str(edges), "-o", str(out), "-q", "--check", "--compare", "networkx"]) == 0
    assert out.read_text() == "vertex,value\n1,1\n2,1\n3,1\n4,4\n5,4\n6,4\n9,9\n"
    err = capsys.readouterr().err
    assert "scipy: largest absolute difference 0.000e+00" in err
    assert "networkx: largest absolute difference 0.000e+00" in err


@pytest.mark.parametrize(("flags", "partitions"), [([], 1), (["--workers", "3"], 3)])
def test_cli_lpa_runs_on_one_partition_unless_told(edges, tmp_path, monkeypatch, flags, partitions):
    # the command line passes workers=None without --workers: the one-partition default must still hold
    seen = []
    run = pregel.run

    def spy(graph, program, **options):
        seen.append(options.get("workers"))
        return run(graph, program, **options)

    monkeypatch.setattr(pregel, "run", spy)
    assert main(["lpa", str(edges), "-o", str(tmp_path / "out.tsv"), "-q", *flags]) == 0
    assert seen == [partitions]


def test_cli_lpa_top_lists_the_largest_communities(edges, capsys):
    assert main(["lpa", str(edges), "--top", "2", "--synchronous", "--check", "-q"]) == 0
    out, err = capsys.readouterr()
    assert out == "1\t3\n4\t3\n"
    assert "scipy: largest absolute difference 0.000e+00" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--synchronous", "--compare", "networkx"], "networkx has no synchronous label propagation"),
        (["--api", "scalar"], "only the batch API"),
        (["--max-supersteps", "-1"], "must not be negative"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(edges, tmp_path, capsys, args, message):
    out = tmp_path / "out.tsv"
    assert exit_status(["lpa", str(edges), *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


# ------------------------------------------------------------ networkx dispatch
@needs_backend
@pytest.mark.parametrize("seed", range(4))
def test_networkx_dispatch_gives_networkx_communities_in_networkx_order(seed):
    g = nx.gnm_random_graph(70, 120 + 20 * seed, seed=seed)
    g.add_edge(5, 5)
    g.add_node(500)
    # named nodes in a shuffled order: networkx numbers them in the graph's order, and so must we
    names = {v: f"n{(v * 37) % 71}" for v in g}
    g = nx.relabel_nodes(g, names)
    ours = list(nx.community.label_propagation_communities(g, backend="pregel"))
    assert ours == list(nx.community.label_propagation_communities(g))


@needs_backend
def test_networkx_dispatch_refuses_what_networkx_refuses_and_declines_multigraphs():
    with pytest.raises(nx.NetworkXNotImplemented):
        nx.community.label_propagation_communities(nx.DiGraph([(1, 2)]), backend="pregel")
    with warnings.catch_warnings(), pytest.raises(NotImplementedError, match="not implemented by 'pregel'"):
        warnings.simplefilter("ignore")
        nx.community.label_propagation_communities(nx.MultiGraph([(1, 2), (1, 2)]), backend="pregel")
    assert list(nx.community.label_propagation_communities(nx.Graph(), backend="pregel")) == []


# ------------------------------------------------------------ the scalar twin (synchronous rule)
@settings(max_examples=25, deadline=None)
@given(random_graphs(max_vertices=25, max_edges=50))
def test_scalar_twin_equals_the_batch_program(g):
    batch = label_propagation(g, synchronous=True, max_supersteps=40)
    for workers in (1, 3):
        scalar = label_propagation(g, synchronous=True, max_supersteps=40, api="scalar", workers=workers)
        assert scalar.values.tolist() == batch.values.tolist()
        assert (scalar.supersteps, scalar.stopped_by) == (batch.supersteps, batch.stopped_by)
        assert [s.aggregated["changed"] for s in scalar.stats] == [s.aggregated["changed"] for s in batch.stats]


def test_scalar_twin_by_hand_and_on_the_command_line(tmp_path, capsys):
    from pregel.algorithms.synchronous_lpa import SynchronousLabelPropagationVertex

    # two triangles joined by 3 - 4: each settles on its smallest label
    g = pregel.Graph.from_edges([1, 2, 3, 4, 5, 6, 3], [2, 3, 1, 5, 6, 4, 4]).to_undirected()
    assert pregel.run(g, SynchronousLabelPropagationVertex).values.tolist() == [1, 1, 1, 3, 3, 3]
    edges = tmp_path / "edges.txt"
    edges.write_text("1 2\n2 3\n3 1\n4 5\n5 6\n6 4\n3 4\n")
    assert main(["lpa", str(edges), "--synchronous", "--api", "scalar", "-q"]) == 0
    written = dict(map(int, line.split("\t")) for line in capsys.readouterr().out.splitlines())
    assert written == label_propagation(read_edges(edges), synchronous=True).to_dict()


NAMED = [("ann", "bob"), ("bob", "cy"), ("cy", "dan"), ("eve", "fay"), ("fay", "gil"), ("gil", "eve"), ("dan", "eve")]


@pytest.mark.parametrize("backend", ["local", "scipy"])
def test_string_ids_name_communities_by_their_smallest_label(backend):
    result = label_propagation(pregel.Graph.from_edges(*zip(*NAMED)), backend=backend)
    G = nx.Graph()
    G.add_nodes_from(sorted({v for edge in NAMED for v in edge}))  # in id order, as the docs say
    G.add_edges_from(NAMED)
    expected = {}
    for community in nx.community.label_propagation_communities(G):
        expected.update(dict.fromkeys(community, min(community)))
    assert result.to_dict() == expected


def test_cli_compares_string_ids_with_networkx(named_edges, capsys):
    path = named_edges(NAMED)
    assert main(["lpa", str(path), *NAMED_COLUMNS, "--compare", "networkx", "-q"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "ann\tann"
    assert "networkx: largest absolute difference 0.000e+00" in err
