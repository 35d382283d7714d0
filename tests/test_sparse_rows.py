"""Newton's one-pass products with CSR X (skdecay._core._sparse_rows)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from skdecay import DecayLogisticClassifier, decay_objective
from skdecay._core._sparse_rows import SparseRows


def _csr(rng, binary, dtype, index_dtype):
    X = sp.random(60, 9, density=0.3, format="csr", random_state=rng, dtype=dtype)
    if binary:
        X.data[:] = 1.0
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    return X


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_products_match_scipy(binary, dtype, index_dtype):
    rng = np.random.default_rng(0)
    X = _csr(rng, binary, dtype, index_dtype)
    rows = SparseRows(X)
    assert rows.binary == binary
    h, g = rng.random(60), rng.standard_normal(60)
    v, shift = rng.standard_normal(9), 0.7
    dense = X.toarray().astype(np.float64)
    out, total, z = rows.hessian_product(h, v, shift)
    np.testing.assert_allclose(z, dense @ v + shift, rtol=1e-12)
    np.testing.assert_allclose(out, dense.T @ (h * z), rtol=1e-12)
    np.testing.assert_allclose(total, np.sum(h * z), rtol=1e-12)
    out, total = rows.rmatvec(g)
    np.testing.assert_allclose(out, dense.T @ g, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(total, g.sum(), rtol=1e-12)


def _one_hot(rng, n, groups, binary):
    columns = np.concatenate(
        [rng.integers(0, size, n)[:, None] + offset
         for size, offset in zip(groups, np.cumsum((0, *groups[:-1])), strict=True)],
        axis=1,
    )  # fmt: skip
    data = np.ones(columns.size) if binary else rng.uniform(0.5, 2.0, columns.size)
    indptr = np.arange(0, columns.size + 1, len(groups))
    X = sp.csr_matrix((data, columns.ravel(), indptr), shape=(n, sum(groups)))
    coef = rng.standard_normal(X.shape[1])
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ coef - 0.5)))).astype(int)
    return X, y


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_newton_on_csr_matches_sklearn(binary, fit_intercept):
    """Newton's steps with the one-pass products (many coordinates: the
    matrix-free steps preconditioned by the first Hessian) reach
    LogisticRegression's optimum, and the dense fit's."""
    rng = np.random.default_rng(1)
    X, y = _one_hot(rng, 400, (5, 8, 5, 16, 7, 14), binary)
    alpha = 1.0 / X.shape[0]
    sk = LogisticRegression(
        C=1.0, solver="newton-cholesky", tol=1e-10, fit_intercept=fit_intercept
    ).fit(X, y)
    ours = DecayLogisticClassifier(alpha=alpha, tol=1e-8, fit_intercept=fit_intercept)
    ours.fit(X, y)
    dense = DecayLogisticClassifier(alpha=alpha, tol=1e-8, fit_intercept=fit_intercept)
    dense.fit(X.toarray(), y)

    def objective(est):
        return decay_objective(X, y, est.coef_, est.intercept_, alpha=alpha,
                               loss="logistic")  # fmt: skip

    assert objective(ours) <= objective(sk) + 1e-12
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.coef_, dense.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, sk.intercept_, atol=1e-6)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_weighted_gram_unsigned_indices(index_dtype):
    """The Gram kernel reads unsigned views of the index arrays of either
    width (Numba's unsigned arithmetic must keep its loops integer)."""
    from skdecay._core._sparse_gram import weighted_gram

    rng = np.random.default_rng(2)
    X = _csr(rng, False, np.float64, index_dtype)
    h = rng.random(60)
    gram, moment = weighted_gram(X, h)
    dense = X.toarray()
    np.testing.assert_allclose(gram, dense.T @ (h[:, None] * dense), atol=1e-13)
    np.testing.assert_allclose(moment, dense.T @ h, atol=1e-13)
