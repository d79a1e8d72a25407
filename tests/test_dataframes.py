"""DataFrames in and out: Graph.from_pandas/from_polars/from_arrow, Result.to_pandas/to_polars/to_arrow/to_networkx.

Graphs built from tables equal the graph built from the same Python lists (ids, CSR,
weights, labels); integer columns are used where they lie; string ids become labels
and come back in every view of a result, checked against networkx on the same string
nodes; mistakes name the column; a missing optional library names its extra.
"""

from __future__ import annotations

import os
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

import pregel
from pregel.algorithms.components import connected_components
from pregel.algorithms.pagerank import pagerank
from pregel.algorithms.sssp import sssp
from pregel.core import tables
from tests.conftest import ROOT

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

rng = np.random.default_rng(5)
SRC = rng.integers(0, 60, 400) * 7
DST = rng.integers(0, 60, 400) * 7
WEIGHT = rng.integers(1, 20, 400) / 4
NAMES = np.array([f"user/{k}" for k in range(60 * 7)], dtype=object)


def same_graph(got: pregel.Graph, want: pregel.Graph) -> None:
    for name in ("ids", "indptr", "indices", "weights", "labels"):
        a, b = getattr(got, name), getattr(want, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.tolist() == b.tolist(), name


# ------------------------------------------------------------------ integer ids, any type
FRAMES = {
    "pandas int64": lambda: pd.DataFrame({"a": SRC, "b": DST, "w": WEIGHT}),
    "pandas int16, uint32 and integer weights": lambda: pd.DataFrame(
        {"a": SRC.astype(np.int16), "b": DST.astype(np.uint32), "w": WEIGHT * 4}
    ),
    "pandas nullable Int64": lambda: pd.DataFrame({"a": pd.array(SRC, "Int64"), "b": DST, "w": WEIGHT}),
    "pandas Arrow-backed": lambda: pd.DataFrame({"a": SRC, "b": DST, "w": WEIGHT}).convert_dtypes(
        dtype_backend="pyarrow"
    ),
    "polars": lambda: pl.DataFrame({"a": SRC, "b": DST, "w": WEIGHT}),
    "polars uint8 weights": lambda: pl.DataFrame({"a": SRC, "b": DST, "w": (WEIGHT * 4).astype(np.uint8)}),
    "Arrow table": lambda: pa.table({"a": SRC, "b": DST, "w": WEIGHT}),
    "Arrow table in chunks": lambda: pa.Table.from_batches(pa.table({"a": SRC, "b": DST, "w": WEIGHT}).to_batches(99)),
    "Arrow record batch reader": lambda: pa.RecordBatchReader.from_batches(
        pa.schema([("a", pa.int64()), ("b", pa.int64()), ("w", pa.float64())]),
        pa.table({"a": SRC, "b": DST, "w": WEIGHT}).to_batches(128),
    ),
    "Arrow int8 columns by position": lambda: pa.table(
        {"x": pa.array(SRC // 7, pa.int8()), "y": pa.array(DST // 7, pa.int8()), "z": WEIGHT}
    ),
}


def build(name: str, frame):
    if name.startswith("pandas"):
        return pregel.Graph.from_pandas(frame, source="a", target="b", weight="w")
    if name.startswith("polars"):
        return pregel.Graph.from_polars(frame, source="a", target="b", weight="w")
    if "by position" in name:
        return pregel.Graph.from_arrow(frame, source=0, target=1, weight=2)
    return pregel.Graph.from_arrow(frame, source="a", target="b", weight="w")


@pytest.mark.parametrize("name", FRAMES)
def test_a_table_gives_the_graph_of_the_same_lists(name):
    got = build(name, FRAMES[name]())
    scale = 4 if "weights" in name else 1
    shrink = 7 if "by position" in name else 1
    same_graph(
        got, pregel.Graph.from_edges((SRC // shrink).tolist(), (DST // shrink).tolist(), (WEIGHT * scale).tolist())
    )


def test_integer_columns_are_used_where_they_lie():
    frame = pd.DataFrame({"a": SRC, "b": DST})
    assert np.shares_memory(tables.columns_from_pandas(frame, "a", "b").sources, frame["a"].to_numpy())
    polars = pl.DataFrame({"a": SRC, "b": DST})
    assert np.shares_memory(tables.columns_from_polars(polars, "a", "b").targets, polars["b"].to_numpy())
    arrow = pa.table({"a": SRC, "b": DST})
    buffer = np.frombuffer(arrow.column("a").chunk(0).buffers()[1], dtype=np.int64)
    assert np.shares_memory(tables.columns_from_arrow(arrow, "a", "b").sources, buffer)
    # and the graph built on them leaves them as they were
    pregel.Graph.from_arrow(arrow, "a", "b")
    assert arrow.column("a").to_pylist() == SRC.tolist()


# ------------------------------------------------------------------ string ids
STRING_FRAMES = {
    "pandas object": lambda: pd.DataFrame({"a": NAMES[SRC], "b": NAMES[DST], "w": WEIGHT}),
    "pandas str": lambda: pd.DataFrame({"a": NAMES[SRC], "b": NAMES[DST], "w": WEIGHT}).astype(
        {"a": "str", "b": "str"}
    ),
    "polars str": lambda: pl.DataFrame({"a": NAMES[SRC].tolist(), "b": NAMES[DST].tolist(), "w": WEIGHT}),
    "polars categorical": lambda: pl.DataFrame(
        {"a": NAMES[SRC].tolist(), "b": NAMES[DST].tolist(), "w": WEIGHT}
    ).with_columns(pl.col("a").cast(pl.Categorical), pl.col("b").cast(pl.Categorical)),
    "Arrow large strings": lambda: pa.table(
        {"a": pa.array(NAMES[SRC].tolist(), pa.large_string()), "b": NAMES[DST].tolist(), "w": WEIGHT}
    ),
    "Arrow dictionary in chunks": lambda: pa.Table.from_batches(
        pa.table(
            {"a": pa.array(NAMES[SRC].tolist()).dictionary_encode(), "b": NAMES[DST].tolist(), "w": WEIGHT}
        ).to_batches(50)
    ),
}


@pytest.mark.parametrize("name", STRING_FRAMES)
def test_string_ids_become_labels_as_from_lists(name):
    got = build(name, STRING_FRAMES[name]())
    want = pregel.Graph.from_edges(NAMES[SRC].tolist(), NAMES[DST].tolist(), WEIGHT.tolist())
    same_graph(got, want)
    assert got.labels.tolist() == sorted(set(NAMES[SRC]) | set(NAMES[DST]))
    assert got.ids.tolist() == list(range(got.num_vertices))


def string_graph() -> tuple[pregel.Graph, nx.DiGraph]:
    frame = pd.DataFrame({"a": NAMES[SRC], "b": NAMES[DST], "w": WEIGHT})
    G = nx.DiGraph()
    for a, b, w in zip(frame["a"], frame["b"], frame["w"]):
        if not G.has_edge(a, b) or G[a][b]["weight"] > w:  # pregel keeps the lightest of repeated edges
            G.add_edge(a, b, weight=w)
    return pregel.Graph.from_pandas(frame, "a", "b", "w"), G


def test_results_on_string_ids_speak_strings_and_match_networkx():
    graph, G = string_graph()
    ranks = pagerank(graph, tol=1e-13)
    want = nx.pagerank(G, weight=None, tol=1e-14, max_iter=1000)
    assert ranks.to_dict().keys() == want.keys()
    assert max(abs(ranks[v] - want[v]) for v in want) < 1e-10
    source = NAMES[SRC[0]]
    distances = sssp(graph, source)
    assert {v: d for v, d in distances.to_dict().items() if d != np.inf} == nx.single_source_dijkstra_path_length(
        G, source
    )
    parts = connected_components(graph)
    for component in nx.weakly_connected_components(G):
        assert {parts[v] for v in component} == {min(component)}


def test_labels_survive_the_graphs_views():
    graph, G = string_graph()
    assert graph.to_undirected().labels is graph.labels and graph.reverse().labels is graph.labels
    assert set(graph.to_networkx().edges()) == set(G.edges())
    assert graph.index_of([NAMES[SRC[3]]]).tolist() == [graph.labels.tolist().index(NAMES[SRC[3]])]
    with pytest.raises(pregel.InputError, match="vertex 'nobody' is not in the graph"):
        graph.index_of("nobody")
    renamed = pregel.Graph.from_edges(
        [f"x{v}" for v in NAMES[SRC].tolist()], [f"x{v}" for v in NAMES[DST].tolist()], WEIGHT
    )
    assert renamed.fingerprint() != graph.fingerprint()  # same shape, other names


# ------------------------------------------------------------------ results out
def test_results_round_trip_through_every_frame():
    graph, _ = string_graph()
    ranks = pagerank(graph)
    want = ranks.to_dict()
    frame = ranks.to_pandas()
    assert list(frame.columns) == ["vertex", "value"] and dict(zip(frame["vertex"], frame["value"])) == want
    polars = ranks.to_polars()
    assert polars.columns == ["vertex", "value"] and dict(zip(*polars.to_dict(as_series=False).values())) == want
    arrow = ranks.to_arrow()
    assert dict(zip(arrow.column("vertex").to_pylist(), arrow.column("value").to_pylist())) == want
    # component labels are vertices: strings in every frame
    parts = connected_components(graph)
    assert parts.to_arrow().column("value").type == pa.string()
    assert dict(zip(*parts.to_polars().to_dict(as_series=False).values())) == parts.to_dict()
    records = parts.to_numpy()
    assert records.dtype["vertex"].kind == records.dtype["value"].kind == "U"
    # and an integer graph keeps integers
    numbers = pagerank(pregel.Graph.from_edges(SRC, DST))
    assert numbers.to_pandas()["vertex"].dtype == np.int64 and numbers.to_arrow().column("vertex").type == pa.int64()


def test_to_networkx_sets_node_attributes():
    graph, G = string_graph()
    ranks = pagerank(graph)
    assert ranks.to_networkx(G, name="pagerank") is G
    assert {v: data["pagerank"] for v, data in G.nodes(data=True)} == ranks.to_dict()
    built = ranks.to_networkx()
    assert set(built.edges()) == set(G.edges()) and built.nodes[NAMES[SRC[0]]]["value"] == ranks[NAMES[SRC[0]]]
    with pytest.raises(KeyError, match="is not a node of the networkx graph"):
        ranks.to_networkx(nx.DiGraph([("someone", "else")]))


def test_an_object_valued_result_does_not_fit_arrow():
    class Pairs(pregel.Vertex):
        value_dtype = object

        def initial_value(self):
            return (self.id, "x")

        def compute(self, messages):
            self.vote_to_halt()

    result = pregel.run(pregel.Graph.from_edges([1], [2]), Pairs)
    with pytest.raises(TypeError, match="do not fit in an Arrow column"):
        result.to_arrow()


# ------------------------------------------------------------------ mistakes
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: pregel.Graph.from_pandas(pd.DataFrame({"a": [1]}), "a", "b"), "no column 'b' (target)"),
        (
            lambda: pregel.Graph.from_pandas(pd.DataFrame({"a": [1.5], "b": [2]}), "a", "b"),
            "column 'a' (source) holds float64 values",
        ),
        (
            lambda: pregel.Graph.from_pandas(pd.DataFrame({"a": [1, 2], "b": [2, None]}), "a", "b"),
            "column 'b' (target), row 2: no value",
        ),
        (
            lambda: pregel.Graph.from_pandas(pd.DataFrame({"a": [1], "b": [2], "w": [np.inf]}), "a", "b", "w"),
            "column 'w' (weight), row 1: weight inf is not a finite number",
        ),
        (
            lambda: pregel.Graph.from_pandas(pd.DataFrame({"a": ["x"], "b": [2]}), "a", "b"),
            "one of the source and target columns holds strings",
        ),
        (
            lambda: pregel.Graph.from_polars(pl.DataFrame({"a": [1, None], "b": [2, 3]}), "a", "b"),
            "the polars DataFrame: column 'a' (source), row 2: no value (null)",
        ),
        (
            lambda: pregel.Graph.from_polars(pl.DataFrame({"a": [True], "b": [False]}), "a", "b"),
            "column 'a' (source) holds bool values",
        ),
        (
            lambda: pregel.Graph.from_arrow(pa.table({"a": [1], "b": [2]}), "a", "b", "w"),
            "the Arrow table: no column 'w' (weight); the columns are 'a', 'b'",
        ),
    ],
)
def test_a_mistake_names_the_column(make, message):
    with pytest.raises(pregel.InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_an_empty_frame_is_an_empty_graph():
    graph = pregel.Graph.from_pandas(
        pd.DataFrame({"a": pd.Series([], dtype=np.int64), "b": pd.Series([], dtype=np.int64)}), "a", "b"
    )
    assert (graph.num_vertices, graph.num_edges) == (0, 0)


def test_a_missing_library_names_its_extra():
    script = """
import sys
for name in ("pandas", "polars", "pyarrow"):
    sys.modules[name] = None
import pregel
from pregel.algorithms.pagerank import pagerank
result = pagerank(pregel.Graph.from_edges([1, 2], [2, 1]))
for method in ("to_pandas", "to_polars", "to_arrow"):
    try:
        getattr(result, method)()
    except ImportError as exc:
        print(exc)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT))
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Result.to_pandas needs pandas: pip install 'pregel[pandas]'",
        "Result.to_polars needs polars: pip install 'pregel[polars]'",
        "Result.to_arrow needs pyarrow: pip install 'pregel[parquet]'",
    ]
