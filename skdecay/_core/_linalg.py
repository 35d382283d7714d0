"""Products with the design matrix, written once per storage layout.

A solver never asks whether ``X`` is sparse: it receives a :class:`DesignMatrix`
and calls :func:`design_matmul` / :func:`design_rmatmul`, which pick the kernel
for the layout with a single branch per call (never per element). Coordinate
descent walks one column at a time through :func:`column_range` and
:func:`column_entry`, which are the same loop for a dense (Fortran-order)
column and a CSC column; their layout test is loop-invariant, so the compiler
hoists it out of the loop. The streaming steps of ``partial_fit`` walk rows
the same way, through :func:`row_range` and :func:`row_entry` (dense or CSR).

Centering for the intercept is implicit: with column means ``x_mean`` the
kernels compute products with ``X - 1 x_mean^T`` without forming it, so sparse
input stays sparse and dense input is never copied.
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numba import njit
from numba.extending import overload

DENSE = 0
CSR = 1
CSC = 2
#: A C-ordered dense ``X``, held by the kernels as its (Fortran-ordered)
#: transpose: see :func:`one_type`.
DENSE_T = 3


class DesignMatrix(NamedTuple):
    """A read-only view of ``X`` that the Numba kernels understand.

    ``dense`` holds a 2-D array (C or F order) when ``layout == DENSE`` and a
    placeholder otherwise (C order for CSR, F order for CSC); ``data``,
    ``indices`` and ``indptr`` hold the compressed storage of a CSR or CSC
    matrix and are empty for dense input. No array is copied when the design is built.
    """

    dense: np.ndarray
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    layout: int
    n_samples: int
    n_features: int


def readonly(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` (no copy).

    Numba compiles one version of a kernel per argument type, and read-only
    arrays (memory-mapped data from joblib, for instance) are a type of their
    own. Passing every input as a read-only view keeps one compiled version
    per dtype and layout instead of two.
    """
    view = array.view()
    view.flags.writeable = False
    return view


def make_design(X) -> DesignMatrix:
    """Wrap a validated dense array or CSR/CSC matrix without copying it."""
    n_samples, n_features = X.shape
    if sp.issparse(X):
        if X.format not in ("csr", "csc"):
            raise TypeError(f"Expected a CSR or CSC matrix, got {X.format!r}.")
        layout = CSR if X.format == "csr" else CSC
        # The placeholder's order matches the dense layout the solvers that
        # read this format also see (Fortran for the column walkers, which
        # convert to CSC), so sparse input adds no compiled signature. An
        # empty array is both C- and F-contiguous (and typed as C): a 2 x 2
        # one is F-contiguous only.
        if layout == CSC:
            placeholder = np.zeros((2, 2), dtype=X.dtype, order="F")
        else:
            placeholder = np.empty((0, 0), dtype=X.dtype)
        return DesignMatrix(
            readonly(placeholder),
            readonly(X.data),
            readonly(X.indices),
            readonly(X.indptr),
            layout,
            n_samples,
            n_features,
        )
    X = np.asarray(X)
    if not (X.flags.c_contiguous or X.flags.f_contiguous):
        X = np.ascontiguousarray(X)
    empty_index = readonly(np.empty(0, dtype=np.int32))
    return DesignMatrix(
        readonly(X),
        readonly(np.empty(0, dtype=X.dtype)),
        empty_index,
        empty_index,
        DENSE,
        n_samples,
        n_features,
    )


def one_type(X: DesignMatrix) -> DesignMatrix:
    """``X`` with a Fortran-typed ``dense`` array, whatever the input layout.

    Numba compiles a kernel once per argument type, and a C- and an
    F-ordered array are two types: kernels would compile twice for dense C
    and F input (and CSR's C-ordered placeholder). A C-ordered dense ``X``
    is handed over as its transpose, a Fortran-ordered view of the same
    memory (layout ``DENSE_T``), and a CSR design gets a Fortran
    placeholder, so every layout of one dtype is one type. (An ``X`` with a
    single row or column is both C- and F-contiguous, typed C, and keeps a
    version of its own.)
    """
    dense = X.dense
    if not dense.flags.c_contiguous:  # Numba types it F already
        return X
    if X.layout != DENSE:  # CSR's placeholder (empty: typed C)
        placeholder = np.zeros((2, 2), dtype=dense.dtype, order="F")
        return X._replace(dense=readonly(placeholder))
    if dense.flags.f_contiguous:  # one row or column: typed C either way
        return X
    return X._replace(dense=dense.T, layout=DENSE_T)


def column_major(X):
    """``X`` in a layout with contiguous columns: Fortran order or CSC.

    Coordinate descent reads one column at a time; this is the one layout
    conversion (one copy of ``X``) it may make. Sparse input stays sparse.
    """
    if sp.issparse(X):
        return X if X.format == "csc" else X.tocsc()
    return np.asfortranarray(X)


@njit(cache=True, nogil=True, inline="always")
def stores_every_row(X):
    """Whether a column walk visits every row (dense) or its non-zeros only."""
    return X.layout == DENSE or X.layout == DENSE_T


@njit(cache=True, nogil=True, inline="always")
def column_range(X, j):
    """``(start, stop)``: loop ``jj`` over them and read :func:`column_entry`."""
    if X.layout == DENSE or X.layout == DENSE_T:
        return 0, X.n_samples
    return X.indptr[j], X.indptr[j + 1]


@njit(cache=True, nogil=True, inline="always")
def column_entry(X, j, jj):
    """``(row, value)`` of the ``jj``-th stored entry of column ``j``.

    Dense columns store every row; CSC columns their non-zeros. (A CSR design
    has no cheap columns: solvers that walk columns convert it first with
    :func:`column_major`.)
    """
    if X.layout == DENSE:
        return jj, X.dense[jj, j]
    if X.layout == DENSE_T:
        return jj, X.dense[j, jj]
    return X.indices[jj], X.data[jj]


@njit(cache=True, nogil=True, inline="always")
def row_range(X, i):
    """``(start, stop)`` of the stored entries of row ``i``: loop over them with
    :func:`row_entry`. Dense rows store every column, CSR rows their non-zeros.
    (The row twin of :func:`column_range`; a CSC design has no cheap rows.)"""
    if X.layout == DENSE or X.layout == DENSE_T:
        return 0, X.n_features
    return X.indptr[i], X.indptr[i + 1]


@njit(cache=True, nogil=True, inline="always")
def row_entry(X, i, jj):
    """``(column, value)`` of the ``jj``-th stored entry of row ``i``."""
    if X.layout == DENSE:
        return jj, X.dense[i, jj]
    if X.layout == DENSE_T:
        return jj, X.dense[jj, i]
    return X.indices[jj], X.data[jj]


@njit(cache=True, nogil=True)
def _design_matmul(X, W, intercept, x_mean, Z):
    """``Z = (X - 1 x_mean^T) @ W + intercept``, written into ``Z``.

    ``W`` has shape (n_features, n_outputs), ``Z`` (n_samples, n_outputs).
    """
    n_outputs = W.shape[1]
    # Centering and intercept fold into one offset per output.
    offset = np.empty(n_outputs, dtype=Z.dtype)
    for k in range(n_outputs):
        acc = 0.0
        for j in range(W.shape[0]):
            acc += x_mean[j] * W[j, k]
        offset[k] = intercept[k] - acc

    all_zero = True
    for j in range(W.shape[0]):
        for k in range(n_outputs):
            all_zero = all_zero and W[j, k] == 0.0
    if all_zero:  # a cold start: no pass over X
        for i in range(Z.shape[0]):
            for k in range(n_outputs):
                Z[i, k] = offset[k]
    elif X.layout == DENSE or X.layout == DENSE_T:
        if X.layout == DENSE:
            np.dot(X.dense, W, Z)
        else:
            np.dot(X.dense.T, W, Z)
        for i in range(Z.shape[0]):
            for k in range(n_outputs):
                Z[i, k] += offset[k]
    elif X.layout == CSR:
        for i in range(X.n_samples):
            for k in range(n_outputs):
                Z[i, k] = offset[k]
            for jj in range(X.indptr[i], X.indptr[i + 1]):
                j = X.indices[jj]
                v = X.data[jj]
                for k in range(n_outputs):
                    Z[i, k] += v * W[j, k]
    else:
        for i in range(X.n_samples):
            for k in range(n_outputs):
                Z[i, k] = offset[k]
        for j in range(X.n_features):
            nonzero = False
            for k in range(n_outputs):
                nonzero = nonzero or W[j, k] != 0.0
            if not nonzero:  # sparse solutions: most columns contribute nothing
                continue
            for jj in range(X.indptr[j], X.indptr[j + 1]):
                i = X.indices[jj]
                v = X.data[jj]
                for k in range(n_outputs):
                    Z[i, k] += v * W[j, k]


@njit(cache=True, nogil=True)
def _design_rmatmul(X, G, x_mean, out):
    """``out = (X - 1 x_mean^T)^T @ G``, written into ``out``."""
    n_outputs = G.shape[1]
    column_sum = np.zeros(n_outputs, dtype=np.float64)
    for i in range(G.shape[0]):
        for k in range(n_outputs):
            column_sum[k] += G[i, k]

    if X.layout == DENSE:
        np.dot(X.dense.T, G, out)
    elif X.layout == DENSE_T:
        np.dot(X.dense, G, out)
    elif X.layout == CSR:
        out[:] = 0.0
        for i in range(X.n_samples):
            for jj in range(X.indptr[i], X.indptr[i + 1]):
                j = X.indices[jj]
                v = X.data[jj]
                for k in range(n_outputs):
                    out[j, k] += v * G[i, k]
    else:
        for j in range(X.n_features):
            for k in range(n_outputs):
                acc = 0.0
                for jj in range(X.indptr[j], X.indptr[j + 1]):
                    acc += X.data[jj] * G[X.indices[jj], k]
                out[j, k] = acc

    for j in range(out.shape[0]):
        for k in range(n_outputs):
            out[j, k] -= x_mean[j] * column_sum[k]


@njit(cache=True, nogil=True)
def _weighted_column_moments(X, weights, center):
    """Weighted column means and (centered or raw) second moments.

    ``weights`` must sum to one. Returns ``(mean, spread)`` in float64, where
    ``spread_j = sum_i w_i (x_ij - mean_j)^2`` if ``center`` else
    ``sum_i w_i x_ij^2``; ``mean`` is zero when ``center`` is False.
    """
    p = X.n_features
    mean = np.zeros(p)
    second = np.zeros(p)
    if X.layout == DENSE or X.layout == DENSE_T:
        # The rows of a C-ordered X are the columns of X.dense (DENSE_T).
        rows = X.dense.T if X.layout == DENSE_T else X.dense
        for i in range(X.n_samples):
            w = weights[i]
            for j in range(p):
                mean[j] += w * rows[i, j]
        if not center:
            mean[:] = 0.0
        # Two passes keep the variance accurate for columns with a large mean.
        for i in range(X.n_samples):
            w = weights[i]
            for j in range(p):
                d = rows[i, j] - mean[j]
                second[j] += w * d * d
        return mean, second

    if X.layout == CSR:
        for i in range(X.n_samples):
            w = weights[i]
            for jj in range(X.indptr[i], X.indptr[i + 1]):
                v = X.data[jj]
                mean[X.indices[jj]] += w * v
                second[X.indices[jj]] += w * v * v
    else:
        for j in range(p):
            for jj in range(X.indptr[j], X.indptr[j + 1]):
                w = weights[X.indices[jj]]
                v = X.data[jj]
                mean[j] += w * v
                second[j] += w * v * v
    if center:
        for j in range(p):
            second[j] = max(second[j] - mean[j] * mean[j], 0.0)
    else:
        mean[:] = 0.0
    return mean, second


# Called from Python, the products run on :func:`one_type`'s design (the
# version the solvers compile); kernels get the overloads.


def design_matmul(X, W, intercept, x_mean, Z):
    """``Z = (X - 1 x_mean^T) @ W + intercept``, written into ``Z``."""
    _design_matmul(one_type(X), W, intercept, x_mean, Z)


def design_rmatmul(X, G, x_mean, out):
    """``out = (X - 1 x_mean^T)^T @ G``, written into ``out``."""
    _design_rmatmul(one_type(X), G, x_mean, out)


def weighted_column_moments(X, weights, center):
    """Weighted column means and (centered or raw) second moments (see
    ``_weighted_column_moments``)."""
    return _weighted_column_moments(one_type(X), weights, center)


@overload(design_matmul, inline="always")
def _ol_design_matmul(X, W, intercept, x_mean, Z):
    return lambda X, W, intercept, x_mean, Z: _design_matmul(X, W, intercept, x_mean, Z)


@overload(design_rmatmul, inline="always")
def _ol_design_rmatmul(X, G, x_mean, out):
    return lambda X, G, x_mean, out: _design_rmatmul(X, G, x_mean, out)


@overload(weighted_column_moments, inline="always")
def _ol_weighted_column_moments(X, weights, center):
    return lambda X, weights, center: _weighted_column_moments(X, weights, center)
