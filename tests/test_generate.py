"""Graph generators and the fast edge-list writer: sizes, determinism, degree shape, round trips."""

from __future__ import annotations

import gzip

import networkx as nx
import numpy as np
import pytest

from pregel.errors import InputError
from pregel.io.edges import read_edge_arrays, read_edges, write_edge_list
from pregel.io.generate import binary_tree, generate, lognormal, rmat


def _distinct_loop_free(src: np.ndarray, dst: np.ndarray) -> bool:
    pairs = set(zip(src.tolist(), dst.tolist()))
    return len(pairs) == src.size and all(a != b for a, b in pairs)


@pytest.mark.parametrize("make", [rmat, lognormal])
@pytest.mark.parametrize(("vertices", "edges"), [(2, 2), (10, 90), (1000, 16000), (1500, 30000)])
def test_exact_sizes_distinct_edges_no_loops(make, vertices, edges):
    src, dst = make(vertices, edges, seed=7)
    assert src.size == dst.size == edges
    assert src.min() >= 0 and dst.min() >= 0
    assert src.max() < vertices and dst.max() < vertices
    assert _distinct_loop_free(src, dst)


@pytest.mark.parametrize("make", [rmat, lognormal])
def test_same_seed_same_graph_other_seed_other_graph(make):
    a = make(5000, 50000, seed=3)
    b = make(5000, 50000, seed=3)
    c = make(5000, 50000, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_rmat_degrees_are_skewed_unlike_a_uniform_random_graph():
    vertices, edges = 1 << 14, 16 << 14
    src, dst = rmat(vertices, edges, seed=1)
    out_degree = np.bincount(src, minlength=vertices)
    in_degree = np.bincount(dst, minlength=vertices)
    # a uniform random graph of mean degree 16 has a largest degree near 35 (Poisson tail)
    assert out_degree.max() > 20 * 16 and in_degree.max() > 20 * 16
    # and almost no vertex without out-edges, where R-MAT leaves many
    assert np.count_nonzero(out_degree == 0) > 0.1 * vertices


def test_rmat_ids_say_nothing_about_degree():
    src, _ = rmat(1 << 12, 1 << 16, seed=2)
    out_degree = np.bincount(src, minlength=1 << 12)
    # without the permutation, vertex 0 would be the hub (all-zero bits are the likeliest)
    assert out_degree.argmax() != 0
    low, high = out_degree[: 1 << 11].sum(), out_degree[1 << 11 :].sum()
    assert 0.8 < low / high < 1.25


def test_lognormal_out_degrees_have_the_requested_shape():
    vertices, edges = 4000, 400_000
    src, dst = lognormal(vertices, edges, seed=5)
    out_degree = np.bincount(src, minlength=vertices)
    in_degree = np.bincount(dst, minlength=vertices)
    assert out_degree.sum() == edges
    log_degree = np.log(out_degree[out_degree > 0])
    assert abs(log_degree.std() - 1.3) < 0.1
    # targets are uniform: in-degrees are binomial, close to their mean of 100
    assert in_degree.std() < 15


def test_binary_tree_matches_networkx_full_binary_tree():
    src, dst = binary_tree(100)
    reference = nx.full_rary_tree(2, 100)
    assert sorted(zip(src.tolist(), dst.tolist())) == sorted((min(e), max(e)) for e in reference.edges)
    assert binary_tree(1)[0].size == 0


def test_generate_sizes_and_weights():
    src, dst, w = generate("rmat", edges=3200, seed=1, weighted=True)
    assert src.size == 3200 and max(src.max(), dst.max()) < 200
    assert w.min() >= 1 and w.max() <= 100 and np.array_equal(w, np.round(w))
    src, dst, w = generate("lognormal", vertices=100)
    assert src.size == 1600 and w is None
    assert generate("tree", vertices=8)[0].size == 7
    with pytest.raises(InputError, match="has 7 edges, not 9"):
        generate("tree", vertices=8, edges=9)
    with pytest.raises(InputError, match="do not fit"):
        generate("rmat", vertices=3, edges=7)
    with pytest.raises(InputError, match="give --vertices"):
        generate("lognormal")


@pytest.mark.parametrize("name", ["edges.txt", "edges.txt.gz"])
def test_write_edge_list_is_plain_decimal_text(tmp_path, name):
    rng = np.random.default_rng(0)
    src = np.concatenate([[0, 9, 10, 99, 100, 2**53 - 1], rng.integers(0, 10**7, 5000)])
    dst = np.concatenate([[2**53 - 1, 0, 1, 1000, 7, 0], rng.integers(0, 10**3, 5000)])
    weights = np.concatenate([[1.0, 100.0, 0.0, 55.0, 3.0, 10.0], rng.integers(0, 101, 5000).astype(float)])
    path = tmp_path / name
    write_edge_list(path, src, dst, weights, header="# made by a test\n")
    data = path.read_bytes()
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode()
    expected = "".join(f"{a} {b} {int(w)}\n" for a, b, w in zip(src.tolist(), dst.tolist(), weights.tolist()))
    assert text == "# made by a test\n" + expected
    a, b, w = read_edge_arrays(path)
    assert np.array_equal(a, src) and np.array_equal(b, dst) and np.array_equal(w, weights)


def test_cli_generate_writes_a_graph_the_reader_accepts(run_cli, tmp_path):
    out = tmp_path / "rmat.txt"
    done = run_cli("generate", "rmat", "--vertices", "512", "--edges", "4096", "--seed", "9", "--output", out)
    assert done.returncode == 0, done.stderr
    graph = read_edges(out)
    assert graph.num_edges == 4096 and graph.duplicates_merged == 0
    assert out.read_text().startswith("# pregel generate rmat --vertices 512 --edges 4096 --seed 9\n")
    src, dst, _ = generate("rmat", 512, 4096, seed=9)
    assert np.array_equal(read_edge_arrays(out)[0], src)


@pytest.mark.parametrize("sizes", [["tree", "--vertices", "1"], ["rmat", "--edges", "0"]])
def test_cli_generate_refuses_to_write_a_graph_without_edges(run_cli, tmp_path, sizes):
    """Every command refuses an edge list without edges: generate writes none."""
    out = tmp_path / "none.txt"
    done = run_cli("generate", *sizes, "--output", out)
    assert done.returncode == 2 and not out.exists()
    said = f"pregel: error: {out}: pregel generate {sizes[0]} made no edges; ask for more vertices or edges\n"
    assert done.stderr.decode() == said


def test_cli_generate_tree_then_sssp(run_cli, tmp_path):
    out = tmp_path / "tree.txt"
    assert run_cli("generate", "tree", "--vertices", "15", "-o", out).returncode == 0
    done = run_cli("sssp", out, "--source", "0", "--quiet")
    depth = {int(v): float(d) for v, d in (line.split("\t") for line in done.stdout.decode().splitlines())}
    assert depth == {k: float(np.floor(np.log2(k + 1))) for k in range(15)}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tree", "--vertices", "5", "--edges", "3"], "a tree of 5 vertices has 4 edges, not 3"),
        (["rmat", "--vertices", "2", "--edges", "5"], "do not fit"),
        (["lognormal", "--edges", "-1"], "must not be negative"),
        (["star", "--edges", "3"], "invalid choice"),
        (["rmat", "--vertices", "100000000000", "--edges", "5"], "--vertices must be at most 2**31"),
        (["tree", "--vertices", "1000000000000"], "GiB of memory, more than half of this machine's"),
    ],
)
def test_cli_generate_bad_sizes_exit_2_without_output(run_cli, tmp_path, args, message):
    out = tmp_path / "g.txt"
    done = run_cli("generate", *args, "--output", out)
    assert done.returncode == 2
    assert message in done.stderr.decode() and len(done.stderr.decode().splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("edges", [1, 10, 64, 300])
def test_edges_alone_find_room_for_themselves(edges):
    # 16 edges a vertex leaves no room for a few edges: 64 edges on 4 vertices cannot be distinct
    src, dst, _ = generate("rmat", edges=edges, seed=2)
    assert src.size == edges and len(set(zip(src.tolist(), dst.tolist()))) == edges
    assert not (src == dst).any()


@pytest.mark.parametrize("output", ["missing/g.txt", "folder"])
def test_cli_generate_checks_its_output_before_drawing(run_cli, tmp_path, output):
    (tmp_path / "folder").mkdir()
    done = run_cli("generate", "rmat", "--edges", "64", "--output", tmp_path / output)
    assert done.returncode == 2 and len(done.stderr.decode().splitlines()) == 1
    assert "--output" in done.stderr.decode() and "Errno" not in done.stderr.decode()


def test_cli_generate_to_standard_output(run_cli, tmp_path):
    done = run_cli("generate", "tree", "--vertices", "4", "--output", "-", "--quiet")
    assert done.returncode == 0
    assert done.stdout.decode().splitlines()[1:] == ["0 1", "0 2", "1 3"]
    assert list(tmp_path.iterdir()) == []
