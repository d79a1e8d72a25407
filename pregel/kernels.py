"""The message path's two graph kernels: in-edges of an out-edge pattern, and a sum over in-edges.

Both are compiled (``pregel/_kernels.c``) when the package was built with a C compiler,
and fall back to scipy otherwise, with the same results up to the order of additions.
Pulling a sum over in-edges reads the senders' values and writes each target once;
scipy's product with the transposed out-edges (the fallback) scatters additions into
the targets instead, and is 1.6–2× slower per superstep where in-rows are long enough
for pulling to pay (:func:`pull_pays`). Building the in-edges costs about as much as
six such products at 1M edges.

``COMPILED`` says whether the extension is there; ``PREGEL_NO_COMPILED=1`` forces the
fallback (:mod:`pregel.extensions`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pregel import extensions

_kernels = extensions.load("_kernels")
COMPILED = _kernels is not None


def pull_pays(indptr: np.ndarray, receivers: int) -> bool:
    """Whether pulling sums over in-edges beats scipy's scatter over out-edges for this pattern.

    Both kernels pay a mispredicted branch at the end of each short row. Pulling
    pays when a receiver's in-edges are on average at least 4 and the receivers are
    not much more numerous than the senders: 1.6–1.9 times faster on R-MAT and
    log-normal graphs (16–29 edges a row), but 1.6 times slower on p2p-Gnutella31
    (2.4 in-edges a receiver, 9 out-edges a sender) and on a binary tree (1 and 2).

    Examples
    --------
    >>> pull_pays(np.array([0, 4, 8]), receivers=2), pull_pays(np.array([0, 2, 4, 6]), receivers=3)
    (True, False)
    """
    edges = int(indptr[-1] - indptr[0])
    senders = int(np.count_nonzero(np.diff(indptr)))
    return edges >= 4 * receivers and receivers <= 2 * senders


class InEdges:
    """Each target's sources: ``sources[ptr[j]:ptr[j + 1]]`` send to target ``j``, in increasing order.

    Parameters
    ----------
    indptr, indices : numpy.ndarray
        Out-edges: row ``i`` sends to ``indices[indptr[i]:indptr[i + 1]]``.
    targets : int
        Number of targets (every index is below it).

    Examples
    --------
    >>> e = InEdges(np.array([0, 2, 3]), np.array([1, 2, 2]), 3)
    >>> e.ptr.tolist(), e.sources.tolist()
    ([0, 0, 1, 3], [0, 0, 1])
    >>> e.pull_sum(np.array([1.0, 10.0])).tolist()
    [0.0, 1.0, 11.0]
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, targets: int) -> None:
        self.size = int(targets)
        n = indptr.size - 1
        if _kernels is not None:
            self.ptr = np.empty(self.size + 1, dtype=np.int64)
            self.sources = np.empty(indices.size, dtype=np.int32)
            _kernels.transpose(
                np.ascontiguousarray(indptr, dtype=np.int64),
                np.ascontiguousarray(indices, dtype=np.int32),
                self.ptr,
                self.sources,
            )
            self._matrix = None
        else:
            rows = sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, self.size)).T.tocsr()
            self.ptr, self.sources = rows.indptr.astype(np.int64, copy=False), rows.indices
            self._matrix = rows

    def pull_sum(self, values: np.ndarray) -> np.ndarray:
        """``out[j]`` = the sum of ``values`` over target ``j``'s sources (float64)."""
        values = np.ascontiguousarray(values, dtype=np.float64)
        if self._matrix is not None:
            return self._matrix @ values
        out = np.empty(self.size)
        _kernels.pull_sum(self.ptr, self.sources, values, out)  # type: ignore[union-attr]
        return out
