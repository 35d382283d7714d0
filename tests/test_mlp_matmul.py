"""The networks' first-layer and hidden products: the BLAS product
(``skdecay._core._blas.matmul``) gives NumPy's result for every transpose and
both dtypes, with one compiled product for all the transposes; the CSR
row-block product (compiled apart, called by address) gives the dense
result; and an epoch on dense and CSR data reloads from the cache in a new
process."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from numba import njit
from numba.core import event

from skdecay._core._blas import matmul
from skdecay._core._linalg import _call_c, csr_products, make_design


@njit(cache=True, nogil=True)
def _matmul_compiled(A, transpose_a, B, transpose_b, out):
    matmul(A, transpose_a, B, transpose_b, out)


def _products_with_constant_flags(A, B, C, AB, AtC, CBt):
    """The network's three products, with literal flags as the kernel writes
    them: ``A @ B``, ``A.T @ C`` and ``C @ B.T``."""
    matmul(A, False, B, False, AB)
    matmul(A, True, C, False, AtC)
    matmul(C, False, B, True, CBt)


def _operand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
def test_matches_numpy(dtype, transpose_a, transpose_b):
    rng = np.random.default_rng(0)
    m, k, n = 7, 5, 3
    A = _operand(rng, (k, m) if transpose_a else (m, k), dtype)
    B = _operand(rng, (n, k) if transpose_b else (k, n), dtype)
    out = np.full((m, n), np.nan, dtype=dtype)  # beta = 0: never read
    _matmul_compiled(A, transpose_a, B, transpose_b, out)
    expected = (A.T if transpose_a else A) @ (B.T if transpose_b else B)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=rtol)
    # The Python fallback (NumPy) computes the same.
    again = np.empty_like(out)
    matmul(A, transpose_a, B, transpose_b, again)
    np.testing.assert_allclose(again, expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_block_of_a_larger_buffer(dtype):
    """The first rows of a workspace (a mini-batch shorter than the buffer),
    as the kernel passes them, and a single row."""
    rng = np.random.default_rng(1)
    block = _operand(rng, (10, 4), dtype)
    W = _operand(rng, (4, 6), dtype)
    D = _operand(rng, (10, 6), dtype)
    for n_rows in (1, 6):
        out = np.empty((n_rows, 6), dtype=dtype)
        _matmul_compiled(block[:n_rows], False, W, False, out)
        np.testing.assert_allclose(out, block[:n_rows] @ W, rtol=1e-5)
        grad = np.empty((4, 6), dtype=dtype)
        _matmul_compiled(block[:n_rows], True, D[:n_rows], False, grad)
        np.testing.assert_allclose(grad, block[:n_rows].T @ D[:n_rows], rtol=1e-5)


def test_one_compiled_product_for_every_transpose():
    """Typed with plain booleans, not one literal per call site: the three
    products compile (at most) one product per dtype."""
    compiled = []

    class Listener(event.Listener):
        def on_start(self, ev):
            if ev.data["dispatcher"].py_func.__qualname__.startswith(
                "_matmul_overload"
            ):
                compiled.append(ev.data["args"])

        def on_end(self, ev):
            pass

    products = njit(_products_with_constant_flags)  # typed here, not cached
    rng = np.random.default_rng(2)
    with event.install_listener("numba:compile", Listener()):
        for dtype in (np.float64, np.float32):
            A = _operand(rng, (5, 4), dtype)
            B = _operand(rng, (4, 3), dtype)
            C = _operand(rng, (5, 3), dtype)
            shapes = ((5, 3), (4, 3), (5, 4))
            AB, AtC, CBt = (np.empty(s, dtype=dtype) for s in shapes)
            products(A, B, C, AB, AtC, CBt)
            np.testing.assert_allclose(AB, A @ B, rtol=1e-5)
            np.testing.assert_allclose(AtC, A.T @ C, rtol=1e-5)
            np.testing.assert_allclose(CBt, C @ B.T, rtol=1e-5)
    assert len(products.signatures) == 2
    assert len(compiled) <= 2, compiled
    assert not any("Literal" in str(args) for args in compiled), compiled


def test_shapes_not_aligned():
    A = np.ones((3, 4))
    B = np.ones((5, 2))
    with pytest.raises(ValueError, match="not aligned"):
        _matmul_compiled(A, False, B, False, np.empty((3, 2)))
    with pytest.raises(ValueError, match="not aligned"):
        _matmul_compiled(A, False, np.ones((4, 2)), False, np.empty((3, 3)))


@njit
def _csr_rows_product(X, rows, source, transpose, out, address):
    _call_c(address, (rows, X.data, X.indices, X.indptr, source, transpose, out))


@pytest.mark.parametrize(
    "dtype, index_dtype", [(np.float64, np.int64), (np.float32, np.int32)]
)
def test_csr_row_block_product(dtype, index_dtype):
    """Both products of a mini-batch of CSR rows (repeated rows, an empty
    row) equal the dense ones, whatever the index dtype."""
    rng = np.random.default_rng(3)
    dense = rng.standard_normal((9, 6)).astype(dtype)
    dense[dense < 0.3] = 0.0
    dense[4] = 0.0
    X = sp.csr_matrix(dense)
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    design = make_design(X)
    address = csr_products(design)
    assert address != 0 and csr_products(make_design(dense)) == 0
    rows = np.array([4, 0, 7, 0, 2], dtype=np.int64)
    W = rng.standard_normal((6, 3)).astype(dtype)
    D = rng.standard_normal((5, 3)).astype(dtype)
    out = np.full((5, 3), np.nan, dtype=dtype)
    _csr_rows_product(design, rows, W, 0, out, address)
    np.testing.assert_allclose(out, dense[rows] @ W, rtol=1e-5, atol=1e-6)
    grad = np.full((6, 3), np.nan, dtype=dtype)
    _csr_rows_product(design, rows, D, 1, grad, address)
    np.testing.assert_allclose(grad, dense[rows].T @ D, rtol=1e-5, atol=1e-6)


CHILD = """
import json, warnings
import numpy as np, scipy.sparse as sp
from sklearn.datasets import load_iris
warnings.simplefilter("ignore")
from skdecay import DecayMLPClassifier
from skdecay._core import _linalg
from skdecay.neural_network import _kernels
X, y = load_iris(return_X_y=True)
for data in (X, sp.csr_matrix(X)):
    DecayMLPClassifier(hidden_layer_sizes=(5,), max_iter=2).fit(data, y)
(compiled, _), = _linalg._CSR_PRODUCTS.values()
print(json.dumps([
    sum(_kernels._train_epoch.stats.cache_misses.values()),
    compiled.cache_hits,
]))
"""


def test_epoch_loads_from_the_cache_in_a_new_process():
    """The products name a symbol (BLAS) or receive an address (CSR), never
    hold a constant address: the epoch and the CSR product are cached, and
    a second process compiles nothing.

    The children share the test run's own cache: the first compiles what
    the other tests have not, the next must compile nothing (one more chance
    if another test process rewrote the cache index as the first saved: see
    ``test_compiled_signatures.test_kernels_load_from_cache_in_a_new_process``).
    """
    env = dict(os.environ)
    counts = []
    for attempt in range(3):
        out = subprocess.run(
            [sys.executable, "-c", CHILD], env=env, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        counts.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if attempt >= 1 and counts[-1] == [0, 1]:
            break
    # The last process: the epoch not compiled (dense and CSR alike), the
    # CSR product loaded from the cache.
    assert counts[-1] == [0, 1], counts
