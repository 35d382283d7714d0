"""Products with the design matrix, written once per storage layout.

A solver never asks whether ``X`` is sparse: it receives a :class:`DesignMatrix`
and calls :func:`design_matmul` / :func:`design_rmatmul`, which pick the kernel
for the layout with a single branch per call (never per element). Coordinate
descent walks one column at a time through :func:`column_range` and
:func:`column_entry`, which are the same loop for a dense (Fortran-order)
column and a CSC column; their layout test is loop-invariant, so the compiler
hoists it out of the loop. (The streaming passes walk rows through their
own ``RowStore``, see ``_stochastic.py``.)

Centering for the intercept is implicit: with column means ``x_mean`` the
kernels compute products with ``X - 1 x_mean^T`` without forming it, so sparse
input stays sparse and dense input is never copied.
"""

from typing import NamedTuple

import numba
import numpy as np
import scipy.sparse as sp
from llvmlite import ir
from numba import carray, cfunc, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._blas import matmul

#: Options of a kernel called only from other kernels: no Python or C entry
#: wrappers to compile (a Python entry costs a tenth of a second or more of
#: a first fit; kernels never need a C one).
INTERNAL = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True}

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


@njit(cache=True, nogil=True, **INTERNAL)
def _product(X, V, out):
    """``out = X @ V`` for ``X`` in any layout (no centring).

    Dense ``X`` goes to BLAS. A CSR row is a sum over its entries; a CSC
    column adds its entries into ``out``, and is skipped when its row of
    ``V`` is zero (sparse solutions: most columns contribute nothing).
    """
    n_outputs = V.shape[1]
    if X.layout == DENSE:
        np.dot(X.dense, V, out)
        return
    if X.layout == DENSE_T:
        np.dot(X.dense.T, V, out)
        return
    if X.layout == CSR:
        for i in range(X.n_samples):
            for k in range(n_outputs):
                acc = 0.0
                for jj in range(X.indptr[i], X.indptr[i + 1]):
                    acc += X.data[jj] * V[X.indices[jj], k]
                out[i, k] = acc
        return
    for i in range(X.n_samples):
        for k in range(n_outputs):
            out[i, k] = 0.0
    for j in range(X.n_features):
        for k in range(n_outputs):
            step = V[j, k]
            if step != 0.0:
                for jj in range(X.indptr[j], X.indptr[j + 1]):
                    out[X.indices[jj], k] += X.data[jj] * step


@njit(cache=True, nogil=True, inline="always")
def _transposed(X):
    """The design of ``X^T``, on the same arrays: the transpose of a dense
    ``X`` is its transposed view (``DENSE`` <-> ``DENSE_T``), that of a CSR
    matrix the CSC matrix with the same arrays, and back."""
    return DesignMatrix(
        X.dense, X.data, X.indices, X.indptr, DENSE_T - X.layout, X.n_features,
        X.n_samples,
    )  # fmt: skip


@njit(cache=True, nogil=True, inline="always")
def _design_matmul(X, W, intercept, x_mean, Z):
    """``Z = (X - 1 x_mean^T) @ W + intercept``, written into ``Z``.

    ``W`` has shape (n_features, n_outputs), ``Z`` (n_samples, n_outputs).
    A cold start (``W == 0``) reads no ``X``.
    """
    n_outputs = W.shape[1]
    nonzero = False
    for j in range(W.shape[0]):
        for k in range(n_outputs):
            if W[j, k] != 0.0:
                nonzero = True
    if nonzero:
        _product(X, W, Z)
    # Centering and intercept fold into one offset per output.
    for k in range(n_outputs):
        acc = 0.0
        for j in range(W.shape[0]):
            acc += x_mean[j] * W[j, k]
        offset = intercept[k] - acc
        for i in range(Z.shape[0]):
            Z[i, k] = Z[i, k] + offset if nonzero else offset


@njit(cache=True, nogil=True, inline="always")
def _design_rmatmul(X, G, x_mean, out):
    """``out = (X - 1 x_mean^T)^T @ G``, written into ``out``."""
    _product(_transposed(X), G, out)
    for k in range(G.shape[1]):
        column_sum = 0.0
        for i in range(G.shape[0]):
            column_sum += G[i, k]
        for j in range(out.shape[0]):
            out[j, k] -= x_mean[j] * column_sum


# Called from Python (tests), the products run on :func:`one_type`'s design
# through entries of their own, compiled only then; kernels call the
# functions above directly.


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def _design_matmul_entry(X, W, intercept, x_mean, Z):
    _design_matmul(X, W, intercept, x_mean, Z)


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def _design_rmatmul_entry(X, G, x_mean, out):
    _design_rmatmul(X, G, x_mean, out)


def design_matmul(X, W, intercept, x_mean, Z):
    """``Z = (X - 1 x_mean^T) @ W + intercept``, written into ``Z``."""
    _design_matmul_entry(one_type(X), W, intercept, x_mean, Z)


def design_rmatmul(X, G, x_mean, out):
    """``out = (X - 1 x_mean^T)^T @ G``, written into ``out``."""
    _design_rmatmul_entry(one_type(X), G, x_mean, out)


def weighted_column_moments(X, weights, center):
    """Weighted column means and (centered or raw) second moments, in NumPy.

    ``weights`` must sum to one. Returns ``(mean, spread)`` in float64, where
    ``spread_j = sum_i w_i (x_ij - mean_j)^2`` if ``center`` else
    ``sum_i w_i x_ij^2``; ``mean`` is zero when ``center`` is False. (Called
    from Python only, by partial_fit: nothing to compile.)
    """
    from ._products import as_matrix, column_moments

    return column_moments(as_matrix(X), weights, center)


# Row blocks: the mini-batch products of the networks' first layer. A dense
# block is copied once per batch (``load_row_block``) and multiplied by BLAS
# both ways (``_blas.matmul``), inlined into the network's epoch. A CSR block
# is walked row by row by ``_csr_row_block_product``, which the epoch does
# not contain: it is compiled on the first CSR fit, as a C function
# (``cfunc``, cached on disk like the kernels), and the epoch calls it
# through its address, a run-time argument (``csr_products``, 0 for dense
# data). Compiled into the epoch, those loops cost every first fit on dense
# data 0.45-0.6 s (a third of the epoch's own compile; measured interleaved,
# fresh processes, median of 3), and an epoch holding a function pointer as
# a constant could not be cached. The layout is tested once per call, not
# per entry (the compiler copies a loop per layout that a test inside it
# could take).


@njit(cache=True, nogil=True, inline="always")
def load_row_block(X, rows, block):
    """Copy the rows ``rows`` of a dense (C-ordered) ``X`` into
    ``block[:len(rows)]``.

    ``block`` is C-ordered, of shape (at least len(rows), n_features). A CSR
    ``X`` needs no copy (its products read the stored entries): nothing is
    done.
    """
    if X.layout != DENSE:
        return
    for r in range(rows.shape[0]):
        row = rows[r]
        for j in range(X.n_features):
            block[r, j] = X.dense[row, j]


@intrinsic
def _call_c(typingctx, address, args):
    """Call the C function at ``address`` (an integer) on the tuple ``args``:
    each array is passed as its data pointer followed by its shape, each
    number as an ``intp``. Returns nothing."""
    if not isinstance(address, types.Integer) or not isinstance(args, types.BaseTuple):
        return None
    sig = types.void(address, args)

    def codegen(context, builder, signature, llargs):
        values = []
        items = cgutils.unpack_tuple(builder, llargs[1])
        for ty, value in zip(args.types, items, strict=True):
            if isinstance(ty, types.Array):
                array = context.make_array(ty)(context, builder, value)
                values.append(array.data)
                values.extend(cgutils.unpack_tuple(builder, array.shape))
            else:
                values.append(context.cast(builder, value, ty, types.intp))
        fnty = ir.FunctionType(ir.VoidType(), [v.type for v in values])
        target = context.cast(builder, llargs[0], address, types.intp)
        builder.call(builder.inttoptr(target, fnty.as_pointer()), values)
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, nogil=True, **INTERNAL)
def _csr_row_block_product(rows, data, indices, indptr, source, transpose, out):
    """``out = X[rows] @ source``, or ``X[rows].T @ source`` if ``transpose``,
    for the CSR matrix ``X`` of ``data``, ``indices`` and ``indptr``."""
    m = out.shape[1]
    for i in range(out.shape[0]):
        for k in range(m):
            out[i, k] = 0.0
    for r in range(rows.shape[0]):
        row = rows[r]
        for jj in range(indptr[row], indptr[row + 1]):
            value = data[jj]
            col = indices[jj]
            # Entry (r, col) of X[rows]: row r of the product reads row col
            # of ``source``, or row col of the transposed product row r.
            target, read = (col, r) if transpose else (r, col)
            for k in range(m):
                out[target, k] += value * source[read, k]


def _csr_row_block_product_c(
    rows, n_rows, data, nnz, indices, _nnz, indptr, n_indptr, source, source_rows,
    m, transpose, out, out_rows, _m,
):  # fmt: skip
    """:func:`_csr_row_block_product` as :func:`_call_c` calls it: each
    array is its data pointer followed by its shape."""
    _csr_row_block_product(
        carray(rows, n_rows), carray(data, nnz), carray(indices, nnz),
        carray(indptr, n_indptr), carray(source, (source_rows, m)), transpose,
        carray(out, (out_rows, m)),
    )  # fmt: skip


_CSR_PRODUCTS = {}


def csr_products(X: DesignMatrix) -> int:
    """The address of the compiled CSR row-block product for ``X``'s dtypes
    (compiled on first use, then cached), or 0 for a dense ``X``."""
    if X.layout != CSR:
        return 0
    key = (X.data.dtype.str, X.indices.dtype.str)
    if key not in _CSR_PRODUCTS:
        value = types.CPointer(numba.from_dtype(X.data.dtype))
        index = types.CPointer(numba.from_dtype(X.indices.dtype))
        n = types.intp
        sig = types.void(
            types.CPointer(types.int64), n, value, n, index, n, index, n,
            value, n, n, n, value, n, n,
        )  # fmt: skip
        compiled = cfunc(sig, cache=True, nopython=True)(_csr_row_block_product_c)
        _CSR_PRODUCTS[key] = (compiled, compiled.address)
    return _CSR_PRODUCTS[key][1]


@njit(cache=True, nogil=True, inline="always")
def row_block_product(X, rows, block, source, transpose, out, csr_product):
    """``out = X[rows] @ source``, or ``X[rows].T @ source`` if
    ``transpose``, for a dense ``X`` (read from ``block``, see
    :func:`load_row_block`) or a CSR ``X`` (through ``csr_product``)."""
    if X.layout != CSR:
        matmul(block[: rows.shape[0]], transpose, source, False, out)
    else:
        _call_c(
            csr_product, (rows, X.data, X.indices, X.indptr, source, transpose, out)
        )
