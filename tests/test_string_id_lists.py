"""Text edge lists whose vertices are words: read as tables of string ids, checked against networkx.

A file whose first edge names its vertices by words (``alice bob``) is read as a CSV
table of string ids, as ``networkx.read_edgelist`` reads it; its first line is a header
when it names columns (a column of numbers under a word, or usual names such as
``src,dst`` that are no vertex below), else the first edge. Words among integer ids
stay a mistake, named by its line.
"""

from __future__ import annotations

import csv
import io

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel.algorithms.components import ConnectedComponents
from pregel.algorithms.pagerank import PageRank
from pregel.algorithms.sssp import ShortestPaths
from pregel.errors import InputError
from pregel.io.edges import read_edges


def _nx_graph(text: str, delimiter: str, header: bool) -> nx.DiGraph:
    """The reference: the rows of ``text`` read by the csv module into a networkx DiGraph (a third column as weight)."""
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row and not row[0].startswith("#")]
    graph = nx.DiGraph()
    for row in rows[1:] if header else rows:
        graph.add_edge(row[0], row[1], **({"weight": float(row[2])} if len(row) > 2 else {}))
    return graph


def _ranks(path) -> dict:
    return pregel.run(str(path), PageRank(tol=1e-13)).to_dict()


def _random_names(rng: np.random.Generator, count: int) -> list[str]:
    return [f"{rng.choice(['user', 'page', 'n'])}_{k}" for k in range(count)]


@pytest.mark.parametrize(
    "delimiter, header",
    [(" ", None), ("\t", None), (",", None), (",", "src,dst"), ("\t", "source\ttarget"), (",", "from_id,to_id")],
)
def test_word_ids_read_as_networkx_reads_them_with_or_without_a_header(tmp_path, delimiter, header):
    rng = np.random.default_rng(3)
    names = _random_names(rng, 40)
    edges = {(names[a], names[b]) for a, b in rng.integers(0, 40, (150, 2))}
    body = "".join(f"{u}{delimiter}{v}\n" for u, v in sorted(edges))
    text = (header + "\n" if header else "") + body
    path = tmp_path / "e.txt"
    path.write_text(text)
    graph = read_edges(path)
    want = _nx_graph(text, delimiter, header is not None)
    assert graph.num_edges == want.number_of_edges() == len(edges)
    assert sorted(graph.labels.tolist()) == sorted(want.nodes)
    ranks = _ranks(path)
    reference = nx.pagerank(want, tol=1e-13, max_iter=1000)
    assert ranks.keys() == reference.keys()
    assert max(abs(ranks[v] - reference[v]) for v in ranks) < 1e-9


def test_a_header_with_a_weight_column_is_told_by_its_numbers(tmp_path):
    text = "# exported\nperson,friend,since\nann,bob,2019\nbob,cy,2020.5\ncy,ann,1\n"
    path = tmp_path / "e.csv"
    path.write_text(text)
    graph = read_edges(path)
    want = _nx_graph(text, ",", True)
    assert graph.num_edges == 3 and graph.is_weighted
    distances = pregel.run(str(path), ShortestPaths(source="ann")).to_dict()
    assert distances == nx.single_source_dijkstra_path_length(want, "ann")


@pytest.mark.parametrize(
    "text, edges",
    [
        # usual names, but vertices of the edges below: the first edge, not a header
        ("u v\nv w\nw u\n", {("u", "v"), ("v", "w"), ("w", "u")}),
        # usual names no edge below mentions: a header
        ("u,v\nann,bob\nbob,cy\n", {("ann", "bob"), ("bob", "cy")}),
        # words that name no column: the first edge
        ("ann bob\nbob cy\n", {("ann", "bob"), ("bob", "cy")}),
        # a number in the first line: an edge
        ("ann bob 0.5\nbob cy 2\n", {("ann", "bob"), ("bob", "cy")}),
        # quoted ids, as spreadsheets write them
        ('"src","dst"\n"ann","bob"\n"bob","cy"\n', {("ann", "bob"), ("bob", "cy")}),
        # some ids are numbers among the words
        ("ann 7\n7 bob\n", {("ann", "7"), ("7", "bob")}),
    ],
)
def test_the_first_line_is_a_header_only_when_it_names_columns(tmp_path, text, edges):
    path = tmp_path / "e.txt"
    path.write_text(text)
    graph = read_edges(path)
    got = set(zip(*(column.tolist() for column in graph.edge_arrays()[:2])))
    assert got == edges


def test_words_among_integer_ids_are_still_a_mistake_named_by_line(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("1 2\n2 3\n3 4\n4 x5\n")
    with pytest.raises(InputError, match=r"e.txt:4: vertex id 'x5' is not an integer"):
        read_edges(path)
    path.write_text("1O 2\n2 3\n3 4\n4 5\n")  # a typo in the first edge: the words are the exception
    with pytest.raises(InputError, match=r"e.txt:1: vertex id '1O' is not an integer"):
        read_edges(path)
    path.write_text('{"a": [1, 2]}\n')  # another format, not words
    with pytest.raises(InputError, match=r"is not an integer"):
        read_edges(path)


def test_the_command_line_reads_word_ids_and_names_the_vertices(run_cli, tmp_path):
    (tmp_path / "e.txt").write_text("alice bob\nbob carol\ncarol alice\ndave alice\n")
    done = run_cli("cc", "e.txt", "-o", "cc.tsv", "--quiet")
    assert done.returncode == 0, done.stderr
    rows = dict(line.split("\t") for line in (tmp_path / "cc.tsv").read_text().splitlines())
    want = {
        v: min(c)
        for c in nx.weakly_connected_components(_nx_graph((tmp_path / "e.txt").read_text(), " ", False))
        for v in c
    }
    assert rows == want
    result = pregel.run(str(tmp_path / "e.txt"), ConnectedComponents(), undirected=True)
    assert result.to_dict() == want


def test_a_source_named_by_its_label_reaches_the_program_and_an_unknown_one_is_refused(tmp_path):
    from pregel.algorithms.bfs import BreadthFirst, BreadthFirstVertex
    from pregel.algorithms.sssp import ShortestPathsVertex

    path = tmp_path / "e.txt"
    path.write_text("ann bob 2\nbob cy 0.5\ncy ann 1\n")
    want = nx.single_source_dijkstra_path_length(_nx_graph(path.read_text(), " ", False), "bob")
    for program in (ShortestPaths(source="bob"), ShortestPathsVertex(source="bob")):
        assert pregel.run(str(path), program).to_dict() == want
    for program in (BreadthFirst(sources=("cy",)), BreadthFirstVertex(sources=("cy",))):
        assert pregel.run(str(path), program).to_dict() == {"cy": 0.0, "ann": 1.0, "bob": 2.0}
    with pytest.raises(InputError, match="'dave'"):
        pregel.run(str(path), ShortestPaths(source="dave"))
    with pytest.raises(InputError, match="99"):
        pregel.run(pregel.Graph.from_edges([1, 2], [2, 3]), BreadthFirst(sources=(1, 99)))


@pytest.mark.parametrize(
    "text",
    [
        "ann, bob\nbob, cy\n",  # a comma and a space
        "ann  bob\nbob\tcy\n",  # a run of spaces, and a tab
        "# friends\nann bob  # since 2019\r\n% a comment line\n\nbob,cy\n",  # comments, CRLF, a blank line
        " ann bob\nbob cy \n",  # separators at the ends of lines
    ],
)
def test_word_ids_are_separated_as_the_text_reader_separates_integers(tmp_path, text):
    path = tmp_path / "e.txt"
    path.write_bytes(text.encode())
    graph = read_edges(path)
    assert set(zip(*(column.tolist() for column in graph.edge_arrays()[:2]))) == {("ann", "bob"), ("bob", "cy")}


def test_a_compressed_list_of_word_ids_reads_as_the_plain_one(tmp_path):
    import gzip

    text = "src\tdst\tweight\n" + "".join(f"v{k}\tv{(k * 7) % 50}\t{k / 10}\n" for k in range(50))
    (tmp_path / "e.txt").write_text(text)
    (tmp_path / "e.txt.gz").write_bytes(gzip.compress(text.encode()))
    plain, packed = read_edges(tmp_path / "e.txt"), read_edges(tmp_path / "e.txt.gz")
    assert plain.num_edges == packed.num_edges == 50
    assert [c.tolist() for c in plain.edge_arrays()] == [c.tolist() for c in packed.edge_arrays()]
    want = _nx_graph(text, "\t", True)
    assert {(u, v): w for u, v, w in zip(*(c.tolist() for c in plain.edge_arrays()))} == {
        (u, v): d["weight"] for u, v, d in want.edges(data=True)
    }
