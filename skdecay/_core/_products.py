"""Products with the centred design, in NumPy and SciPy (no compilation).

The twins of :mod:`._linalg`'s kernels for code that runs in Python (the
preparation of a problem, the Newton solver): the same implicit centring,
``X - 1 x_mean^T`` never formed, so sparse input stays sparse.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._linalg import CSC, CSR, DENSE, DENSE_T, DesignMatrix


def as_matrix(design: DesignMatrix):
    """The array or SciPy matrix a :class:`DesignMatrix` wraps (no copy)."""
    shape = (design.n_samples, design.n_features)
    if design.layout == DENSE:
        return design.dense
    if design.layout == DENSE_T:  # a kernel's Fortran view of a C-ordered X
        return design.dense.T
    kind = {CSR: sp.csr_matrix, CSC: sp.csc_matrix}[design.layout]
    return kind((design.data, design.indices, design.indptr), shape=shape, copy=False)


def centred_matmul(X, W, intercept, x_mean, transposed: bool = False) -> np.ndarray:
    """``(X - 1 x_mean^T) @ W + intercept``, in float64.

    ``W`` is cast to ``X``'s dtype for the product: a float64 operand would
    make NumPy copy a float32 ``X`` to float64 on every call. ``transposed``
    (dense ``X``, ``W`` of a few columns) forms it as ``(W^T X^T)^T``: about
    0.7 of the time of ``X W`` (OpenBLAS, 20000 x 100 by 10 columns: 1.45
    against 2.05 ms).
    """
    W_cast = W.astype(X.dtype, copy=False)
    product = (W_cast.T @ X.T).T if transposed else X @ W_cast
    return np.asarray(product, dtype=np.float64) + (intercept - x_mean @ W)


def centred_rmatmul(X, G, x_mean, transposed: bool = False) -> np.ndarray:
    """``(X - 1 x_mean^T)^T @ G``, in float64 (``G`` cast and ``transposed``
    as in :func:`centred_matmul`: ``(G^T X)^T``, 0.75 of the time of
    ``X^T G``). The column sums of ``G`` are a product too: a reduction
    along the short axis of an (n, k) array is several times slower."""
    G_cast = G.astype(X.dtype, copy=False)
    product = (G_cast.T @ X).T if transposed else X.T @ G_cast
    return np.asarray(product, dtype=np.float64) - column_sums_outer(x_mean, G)


def column_sums_outer(x_mean, G) -> np.ndarray:
    """``x_mean (1^T G)``: the centring term of a product with ``X^T``.

    Zero without a pass over ``G`` when ``x_mean`` is (no intercept); a
    plain sum for one column (contiguous), a product with ones for several
    (a reduction along the short axis of an (n, k) array is several times
    slower)."""
    if not x_mean.any():
        return np.zeros((x_mean.shape[0], G.shape[1]))
    if G.shape[1] == 1:
        return np.outer(x_mean, G.sum(axis=0))
    return np.outer(x_mean, np.ones(G.shape[0]) @ G)


def column_moments(X, weights, center: bool) -> tuple[np.ndarray, np.ndarray]:
    """Weighted column means and (centred, or raw) second moments, float64.

    ``weights`` sum to one; ``mean`` is zero when not ``center``. Dense
    columns take one pass for the raw second moments (no temporary the size
    of ``X``); a column whose spread is below ``_RECOMPUTE_BELOW`` of its raw
    moment, where ``E[x^2] - mean^2`` would lose digits to cancellation (a
    large offset), takes a second, centred pass.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if sp.issparse(X):
        mean = np.asarray(X.T @ weights, dtype=np.float64)
        second = np.asarray(squared_entries(X).T @ weights, dtype=np.float64)
        if not center:
            return np.zeros_like(mean), second
        return mean, np.maximum(second - mean**2, 0.0)
    wide = None if X.dtype == np.float64 else np.float64
    if weights.shape[0] and np.all(weights == weights[0]):
        raw = np.einsum("ij,ij->j", X, X, dtype=wide) * weights[0]
    else:
        raw = np.einsum("i,ij,ij->j", weights, X, X, dtype=np.float64)
    raw = np.asarray(raw, dtype=np.float64)
    if not center:
        return np.zeros(X.shape[1]), raw
    mean = np.asarray(weights @ X, dtype=np.float64)
    second = raw - mean * mean
    lossy = np.flatnonzero(second <= _RECOMPUTE_BELOW * raw)
    if lossy.shape[0]:
        second[lossy] = _centred_second_moments(X[:, lossy], weights, mean[lossy])
    return mean, np.maximum(second, 0.0)


def squared_entries(X):
    """A CSC or CSR matrix's entries squared (any other sparse matrix's:
    ``X.multiply(X)``).

    A canonical matrix (sorted indices, no duplicates) shares its index
    arrays with ``X``: only the values are new (``X.multiply(X)``, a general
    sparse product, cost 5 ms on 20000 x 50000 at density 0.001, where the
    squares alone take well under a millisecond). Duplicate entries are
    summed before they are squared, as ``X.multiply(X)`` does.
    """
    if X.format not in ("csc", "csr") or not X.has_canonical_format:
        return X.multiply(X)
    kind = sp.csc_matrix if X.format == "csc" else sp.csr_matrix
    return kind((X.data * X.data, X.indices, X.indptr), shape=X.shape, copy=False)


#: Spread / raw second moment below which a column's spread is recomputed
#: from centred values (the one-pass formula keeps about
#: ``-log10(eps / _RECOMPUTE_BELOW)`` = 12 digits above it).
_RECOMPUTE_BELOW = 1e-4


def _centred_second_moments(X, weights, mean) -> np.ndarray:
    """``sum_i w_i (x_ij - mean_j)^2``: in blocks of rows, squared in place
    (no float64 copy of a tall X, one temporary the size of a block)."""
    second = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], _BLOCK_ROWS):
        block = slice(start, start + _BLOCK_ROWS)
        centred = np.subtract(X[block], mean, dtype=np.float64)
        np.multiply(centred, centred, out=centred)
        second += weights[block] @ centred
    return second


#: Rows per block when a pass over dense ``X`` needs a float64 temporary.
_BLOCK_ROWS = 2048
