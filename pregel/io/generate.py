"""Synthetic graphs for tests and benchmarks: R-MAT, a complete binary tree, log-normal out-degrees.

Every generator is seeded (the same arguments give the same edges on every machine),
vectorised (millions of edges in seconds) and returns ``(sources, targets)`` arrays of
``int64`` vertex ids in ``0..vertices-1``. R-MAT and log-normal graphs have exactly
``edges`` distinct edges and no self-loops, in random order; the tree lists its edges
parent to child in breadth-first order. :func:`pregel.io.edges.write_edge_list` writes them.
"""

from __future__ import annotations

import math
import os

import numpy as np

from pregel.errors import InputError

# Graph500's R-MAT quadrant probabilities (a, b, c; d = 1 - a - b - c)
RMAT_PROBABILITIES = (0.57, 0.19, 0.19)
# the Pregel paper's log-normal graphs: sigma 1.3 (with mu 4, a mean out-degree of 127.1)
LOGNORMAL_SIGMA = 1.3
_CHUNK = 1 << 22


def rmat(vertices: int, edges: int, seed: int = 0, probabilities: tuple[float, float, float] = RMAT_PROBABILITIES):
    """A recursive-matrix (R-MAT) graph: skewed, power-law-like in- and out-degrees.

    Each edge picks one quadrant of the adjacency matrix per bit of the vertex ids
    with probabilities ``a, b, c, 1 - a - b - c`` (Chakrabarti et al. 2004; Graph500's
    0.57, 0.19, 0.19, 0.05). Vertex ids are then permuted at random, so a vertex's id
    says nothing of its degree. Edges landing on an id ``>= vertices``, self-loops and
    repeats are drawn again.

    Parameters
    ----------
    vertices : int
        Vertex ids are ``0..vertices-1`` (vertices that get no edge do not appear).
    edges : int
        Exactly this many distinct edges (at most ``vertices * (vertices - 1)``).
    seed : int
    probabilities : (float, float, float)
        The quadrant probabilities ``a, b, c``.

    Returns
    -------
    sources, targets : numpy.ndarray
        ``int64`` arrays of length ``edges``.

    Examples
    --------
    >>> src, dst = rmat(1000, 5000, seed=1)
    >>> src.size, int(max(src.max(), dst.max())) < 1000, bool((src != dst).all())
    (5000, True, True)
    """
    _check_size(vertices, edges)
    a, b, c = probabilities
    if min(a, b, c) < 0 or a + b + c > 1:
        raise InputError(f"R-MAT probabilities {probabilities} must be >= 0 and sum to at most 1")
    rng = np.random.default_rng(seed)
    levels = max(1, int(vertices - 1).bit_length())
    # probabilities in units of 1/65536: 16-bit draws are 3x cheaper than floats
    t_a, t_ab, t_abc = (round(p * 65536) for p in (a, a + b, a + b + c))

    bits = np.uint32 if levels <= 32 else np.uint64

    def draw(count: int) -> np.ndarray:
        src = np.zeros(count, dtype=bits)
        dst = np.zeros(count, dtype=bits)
        for level in range(levels):
            r = rng.integers(0, 65536, count, dtype=np.uint16)
            down = r >= t_ab
            right = (r >= t_a) & ~down | (r >= t_abc)
            src += down.view(np.uint8) * bits(1 << level)
            dst += right.view(np.uint8) * bits(1 << level)
        keep = (src < vertices) & (dst < vertices) & (src != dst)
        return _key(src[keep], dst[keep], levels)

    src, dst = _unkey(_distinct(draw, edges, vertices, rng), levels)
    permutation = rng.permutation(vertices)
    return permutation[src], permutation[dst]


def lognormal(vertices: int, edges: int, seed: int = 0, sigma: float = LOGNORMAL_SIGMA):
    """A graph whose out-degrees follow a log-normal distribution, targets uniform (as in the Pregel paper).

    Out-degrees are drawn from a log-normal with shape ``sigma`` and scaled so they
    add up to ``edges``; each edge's target is uniform over the other vertices.
    Repeated edges are replaced by new ones from the same degree distribution.

    Parameters
    ----------
    vertices, edges : int
        As for :func:`rmat`.
    seed : int
    sigma : float
        The log-normal shape (the standard deviation of the log of the degrees).

    Returns
    -------
    sources, targets : numpy.ndarray

    Examples
    --------
    >>> src, dst = lognormal(1000, 20000, seed=1)
    >>> src.size, bool((src != dst).all())
    (20000, True)
    """
    _check_size(vertices, edges)
    rng = np.random.default_rng(seed)
    if vertices == 1:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    mean = edges / vertices
    raw = rng.lognormal(np.log(mean) - sigma**2 / 2, sigma, vertices)
    degree = np.minimum(_round_to_total(raw * (edges / raw.sum()), edges), vertices - 1)
    sources = np.repeat(np.arange(vertices, dtype=np.int64), degree)
    levels = int(vertices - 1).bit_length()

    def to_others(src: np.ndarray) -> np.ndarray:
        dst = rng.integers(0, vertices - 1, src.size)
        dst += dst >= src  # uniform over the other vertices
        return _key(src, dst, levels)

    def draw(count: int) -> np.ndarray:
        # repeats are replaced from sources in proportion to their degree
        return to_others(sources[rng.integers(0, sources.size, count)])

    first = np.concatenate([to_others(sources[k : k + _CHUNK]) for k in range(0, sources.size, _CHUNK)])
    return _unkey(_distinct(draw, edges, vertices, rng, first), levels)


def binary_tree(vertices: int) -> tuple[np.ndarray, np.ndarray]:
    """A complete binary tree in heap order: vertex ``k`` has children ``2k + 1`` and ``2k + 2``.

    The graph of the Pregel paper's shortest-path scaling runs; edges point from
    parent to child, so SSSP from vertex 0 reaches every vertex.

    Examples
    --------
    >>> [a.tolist() for a in binary_tree(5)]
    [[0, 0, 1, 1], [1, 2, 3, 4]]
    """
    if vertices < 1:
        raise InputError(f"a tree needs at least 1 vertex, got {vertices}")
    _check_memory(16 * vertices)
    children = np.arange(1, vertices, dtype=np.int64)
    return (children - 1) // 2, children


def edge_weights(count: int, seed: int = 0, low: int = 1, high: int = 100) -> np.ndarray:
    """Integer edge weights uniform in ``low..high`` (as floats), seeded.

    Examples
    --------
    >>> w = edge_weights(1000, seed=3)
    >>> float(w.min()) >= 1, float(w.max()) <= 100
    (True, True)
    """
    rng = np.random.default_rng([seed, 1])
    return rng.integers(low, high + 1, count).astype(np.float64)


def _check_size(vertices: int, edges: int) -> None:
    if vertices < 1:
        raise InputError(f"--vertices must be at least 1, got {vertices}")
    if edges < 0:
        raise InputError(f"--edges must not be negative, got {edges}")
    if vertices > MAX_VERTICES:
        # an edge is drawn as one 64-bit key, its source's bits above its target's
        raise InputError(f"--vertices must be at most 2**31 ({MAX_VERTICES}), got {vertices}")
    if edges > vertices * (vertices - 1):
        raise InputError(
            f"{edges} distinct edges without self-loops do not fit in {vertices} vertices "
            f"(at most {vertices * (vertices - 1)})"
        )
    _check_memory(8 * vertices + 48 * edges)


def _check_memory(needed: int) -> None:
    """InputError when a graph would need more than the machine's memory (its arrays and the draws' temporaries)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): left to numpy
        return
    # (half: the machine has other work, and paging would make minutes of seconds)
    if 2 * needed > total:
        raise InputError(
            f"the graph asked for needs about {needed / 2**30:.1f} GiB of memory, more than half of this machine's "
            f"{total / 2**30:.0f} GiB; ask for fewer vertices or edges"
        )


def _distinct(draw, edges: int, vertices: int, rng: np.random.Generator, keys: np.ndarray | None = None) -> np.ndarray:
    """``edges`` distinct edge keys (from :func:`_key`), in random order.

    Starts from ``keys`` (default ``draw(edges)``) and tops up with ``draw(count)``,
    which may return fewer keys than asked for, until there are enough.
    """
    asked = edges
    keys = _draw_chunked(draw, edges) if keys is None else keys
    for _ in range(100):
        keys.sort()
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if keys.size else keys
        if keys.size >= edges:
            break
        # the shortfall, scaled by the share of draws kept so far, plus a margin
        wanted = int((edges - keys.size) * 1.1 * asked / max(keys.size, 1)) + 16
        asked += wanted
        keys = np.concatenate([keys, _draw_chunked(draw, wanted)])
    else:
        raise InputError(f"could not draw {edges} distinct edges on {vertices} vertices; ask for fewer edges")
    rng.shuffle(keys)
    return keys[:edges]


def _key(src: np.ndarray, dst: np.ndarray, levels: int) -> np.ndarray:
    """One ``int64`` per edge, ordered by source then target (shifts, not a multiplication by N)."""
    return (src.astype(np.int64) << levels) | dst


def _unkey(keys: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    return keys >> levels, keys & ((1 << levels) - 1)


def _draw_chunked(draw, count: int) -> np.ndarray:
    """``draw(count)`` in pieces, so its temporaries stay small."""
    return np.concatenate([draw(min(_CHUNK, count - k)) for k in range(0, count, _CHUNK)] or [draw(0)])


def _round_to_total(x: np.ndarray, total: int) -> np.ndarray:
    """Non-negative integers close to ``x`` that add up to ``total`` (largest remainders round up)."""
    base = np.floor(x).astype(np.int64)
    short = total - int(base.sum())
    if short > 0:
        base[np.argsort(base - x, kind="stable")[:short]] += 1
    return base


KINDS = ("rmat", "tree", "lognormal")
EDGE_FACTOR = 16
#: the most vertices of an R-MAT or log-normal graph: an edge is drawn as one key of its two ids
MAX_VERTICES = 2**31


def generate(
    kind: str, vertices: int | None = None, edges: int | None = None, seed: int = 0, weighted: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One of the generators by name, with the sizes a person would give on the command line.

    For ``"rmat"`` and ``"lognormal"`` a missing size follows from the other with 16
    edges per vertex (Graph500's edge factor). A tree of ``vertices`` vertices has
    ``vertices - 1`` edges, so either size determines it.

    Parameters
    ----------
    kind : {"rmat", "tree", "lognormal"}
    vertices, edges : int, optional
        At least one of them.
    seed : int
    weighted : bool
        Also return integer weights uniform in 1..100 (see :func:`edge_weights`).

    Returns
    -------
    sources, targets, weights or None : numpy.ndarray

    Raises
    ------
    InputError
        For an unknown kind, no size, or sizes that do not fit together.

    Examples
    --------
    >>> src, dst, w = generate("tree", edges=6, weighted=True)
    >>> src.tolist(), dst.tolist(), w.size
    ([0, 0, 1, 1, 2, 2], [1, 2, 3, 4, 5, 6], 6)
    """
    if kind not in KINDS:
        raise InputError(f"unknown graph kind {kind!r} (choose from {', '.join(KINDS)})")
    if vertices is None and edges is None:
        raise InputError("give --vertices, --edges or both")
    if kind == "tree":
        if vertices is not None and edges is not None and edges != vertices - 1:
            raise InputError(f"a tree of {vertices} vertices has {vertices - 1} edges, not {edges}")
        src, dst = binary_tree(vertices if vertices is not None else edges + 1)
    else:
        # 16 edges a vertex, with room enough that the distinct edges are quick to draw (a quarter of the pairs)
        vertices = vertices if vertices is not None else max(2, -(-edges // EDGE_FACTOR), 1 + math.isqrt(4 * edges))
        edges = edges if edges is not None else vertices * EDGE_FACTOR
        src, dst = (rmat if kind == "rmat" else lognormal)(vertices, edges, seed)
    return src, dst, edge_weights(src.size, seed) if weighted else None
