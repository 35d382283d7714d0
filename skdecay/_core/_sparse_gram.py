"""The curvature-weighted Gram matrix of a sparse design, compiled.

Newton's method forms ``X^T diag(h) X`` whenever it has few coordinates.
For dense ``X`` that is one BLAS product (see ``_solvers/_newton.py``); for
sparse ``X`` SciPy's sparse-times-sparse product builds a sparse result
through three passes (a count of its entries, the product, a sort), plus a
row-scaled copy and a transposed copy of ``X``. Its result is dense anyway
once ``X`` has a few hundred columns, and one-hot designs have a handful of
entries per row: summing each row's pairs of entries straight into a dense
matrix is the whole work.

Measured on a one-hot design like the Adult census (32561 x 123, 14
entries a row): 19-21 ms a Hessian with SciPy, 3.5 ms compiled.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

from ._linalg import readonly
from ._sparse_rows import unsigned


@njit(cache=True, nogil=True)
def _csr_weighted_gram(data, indices, indptr, h, gram, moment):
    """``gram = X^T diag(h) X`` and ``moment = X^T h`` for the CSR matrix of
    ``data``, ``indices`` and ``indptr``; float64 sums whatever ``data``'s
    dtype.

    Each row adds ``h_i x_ia x_ib`` for its pairs of entries ``a < b`` (by
    position) to ``gram[col_a, col_b]``, its squares to a diagonal of their
    own; the two triangles are summed at the end. Duplicate entries of one
    column (a non-canonical matrix) are counted as SciPy counts them.
    """
    n_features = gram.shape[0]
    diagonal = np.zeros(n_features)
    for a in range(n_features):
        moment[a] = 0.0
        for b in range(n_features):
            gram[a, b] = 0.0
    for i in range(indptr.shape[0] - 1):
        weight = h[i]
        if weight == 0.0:
            continue
        end = indptr[i + 1]
        for k in range(indptr[i], end):
            column = indices[k]
            scaled = weight * data[k]
            moment[column] += scaled
            diagonal[column] += scaled * data[k]
            for m in range(k + 1, end):
                gram[column, indices[m]] += scaled * data[m]
    for a in range(n_features):
        for b in range(a, n_features):
            total = gram[a, b] + gram[b, a]
            gram[a, b] = total
            gram[b, a] = total
        gram[a, a] += diagonal[a]


def weighted_gram(X, h) -> tuple[np.ndarray, np.ndarray]:
    """``(X^T diag(h) X, X^T h)`` for a CSR or CSC matrix ``X``, float64.

    CSC input is summed through its CSR form (a copy of ``X``): a caller
    that forms several Gram matrices of one CSC ``X`` converts it once.
    """
    if not sp.issparse(X):
        raise TypeError("weighted_gram is for sparse X; dense X takes BLAS.")
    if X.format != "csr":
        X = X.tocsr()
    n_features = X.shape[1]
    gram = np.empty((n_features, n_features))
    moment = np.empty(n_features)
    h = np.ascontiguousarray(h, dtype=np.float64)
    # Read-only views, as every kernel sees X (one compiled version per
    # dtype, whether X came converted or as the caller's arrays).
    # Unsigned index views: see .._sparse_rows (7.3 -> 2.0 ms on the design
    # above, Numba's test for negative indices gone).
    _csr_weighted_gram(
        readonly(X.data), readonly(unsigned(X.indices)), readonly(unsigned(X.indptr)),
        h, gram, moment,
    )  # fmt: skip
    return gram, moment
