"""The compiled message-path kernels against scipy, and the scipy fallback against the same references."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import pregel
from algorithms.components import connected_components
from algorithms.pagerank import pagerank
from pregel import extensions, kernels
from pregel.kernels import InEdges


@pytest.fixture(params=["compiled", "scipy"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the compiled kernels and again with the scipy fallback."""
    if request.param == "scipy":
        monkeypatch.setattr(kernels, "_kernels", None)
        monkeypatch.setattr(kernels, "COMPILED", False)
    elif not kernels.COMPILED:
        pytest.skip("the compiled kernels are switched off (PREGEL_NO_COMPILED)")
    return request.param


def _random_pattern(rng: np.random.Generator, n: int, targets: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.sort(rng.integers(0, n, m))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, rng.integers(0, targets, m).astype(np.int32)


def test_the_extension_is_built() -> None:
    # CI installs with `pip install -e .`: a compiler error must not pass unnoticed
    if extensions.switched_off():
        pytest.skip("switched off by PREGEL_NO_COMPILED")
    assert kernels.COMPILED, "pregel._kernels is not built: run `pip install -e .` in the checkout"


@pytest.mark.parametrize("seed", range(6))
def test_in_edges_and_pull_sum_match_scipy(path: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, targets = int(rng.integers(1, 60)), int(rng.integers(1, 80))
    indptr, indices = _random_pattern(rng, n, targets, int(rng.integers(0, 400)))
    edges = InEdges(indptr, indices, targets)
    reference = sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, targets)).T.tocsr()
    assert edges.ptr.tolist() == reference.indptr.tolist()
    # repeated edges keep their multiplicity; sources come in increasing order per target
    assert edges.sources.tolist() == reference.indices.tolist()
    values = rng.standard_normal(n)
    np.testing.assert_allclose(edges.pull_sum(values), reference @ values, rtol=1e-12, atol=1e-12)


def test_hand_computed_sums(path: str) -> None:
    # 0 -> 1, 0 -> 2, 1 -> 2, 3 -> 2, and 2 sends nowhere
    edges = InEdges(np.array([0, 2, 3, 3, 4]), np.array([1, 2, 2, 2], dtype=np.int32), 4)
    assert edges.pull_sum(np.array([1.0, 10.0, 100.0, 1000.0])).tolist() == [0.0, 1.0, 1011.0, 0.0]
    assert InEdges(np.array([0]), np.array([], dtype=np.int32), 0).pull_sum(np.array([])).size == 0


def test_compiled_kernels_refuse_indices_out_of_range() -> None:
    if not kernels.COMPILED:
        pytest.skip("the compiled kernels are switched off")
    with pytest.raises(ValueError, match="outside"):
        InEdges(np.array([0, 1]), np.array([5], dtype=np.int32), 3)
    edges = InEdges(np.array([0, 1]), np.array([0], dtype=np.int32), 1)
    with pytest.raises(ValueError, match="expected"):
        kernels._kernels.pull_sum(edges.ptr, edges.sources, np.zeros(1), np.empty(2))


def test_pagerank_and_components_on_both_paths(path: str) -> None:
    rng = np.random.default_rng(7)
    src, dst = rng.integers(0, 300, 2000), rng.integers(0, 300, 2000)
    graph = pregel.Graph.from_edges(src, dst)
    reference = pagerank(graph, backend="scipy", tol=1e-12).values
    for workers in (1, 3):
        ranks = pagerank(graph, tol=1e-12, workers=workers).values
        np.testing.assert_allclose(ranks, reference, rtol=1e-10, atol=1e-15)
    labels = connected_components(graph, workers=3).values
    _, expected = sp.csgraph.connected_components(graph.to_scipy(), directed=True, connection="weak")
    # same partition of the vertices into components (labels differ in name only)
    assert len(set(zip(labels.tolist(), expected.tolist()))) == len(set(expected.tolist()))
