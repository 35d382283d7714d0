"""The compiled curvature-weighted Gram matrix of sparse designs (Newton's
Hessian on sparse X) against the dense product."""

import numpy as np
import pytest
import scipy.sparse as sp

from skdecay import DecayLogisticClassifier
from skdecay._core._sparse_gram import weighted_gram


def _sparse(rng, n_samples, n_features, density, dtype):
    X = sp.random(
        n_samples, n_features, density=density, format="csr", random_state=rng,
        dtype=np.float64,
    )  # fmt: skip
    X.data = rng.standard_normal(X.nnz)
    return X.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_weighted_gram_matches_dense_product(dtype, fmt):
    rng = np.random.default_rng(0)
    X = _sparse(rng, 60, 9, 0.3, dtype).asformat(fmt)
    h = rng.uniform(0.0, 1.0, 60)
    h[::7] = 0.0  # rows without curvature are skipped
    gram, moment = weighted_gram(X, h)
    dense = X.toarray().astype(np.float64)
    assert gram.dtype == moment.dtype == np.float64
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(
        gram, dense.T @ (h[:, None] * dense), rtol=rtol, atol=1e-12
    )
    np.testing.assert_allclose(moment, dense.T @ h, rtol=rtol, atol=1e-12)
    np.testing.assert_array_equal(gram, gram.T)


def test_weighted_gram_of_a_non_canonical_matrix():
    """Unsorted and duplicate entries (SciPy sums duplicates), empty rows."""
    data = np.array([1.0, 2.0, -1.0, 3.0, 0.5, 4.0])
    indices = np.array([3, 0, 3, 1, 1, 2])  # row 0 holds column 3 twice
    indptr = np.array([0, 3, 3, 6])  # row 1 is empty
    X = sp.csr_matrix((data, indices, indptr), shape=(3, 4))
    assert not X.has_canonical_format
    h = np.array([0.5, 2.0, 1.5])
    gram, moment = weighted_gram(X, h)
    dense = X.toarray()  # duplicates summed
    np.testing.assert_allclose(gram, dense.T @ (h[:, None] * dense), rtol=1e-14)
    np.testing.assert_allclose(moment, dense.T @ h, rtol=1e-14)


def test_weighted_gram_refuses_dense_input():
    with pytest.raises(TypeError, match="sparse"):
        weighted_gram(np.eye(3), np.ones(3))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_newton_on_one_hot_data_agrees_with_dense(fmt):
    """A one-hot design (a few entries a row, the Adult census' shape in
    small): the sparse Hessian gives the dense fit's coefficients."""
    rng = np.random.default_rng(1)
    n_samples, groups = 400, (3, 5, 4)
    columns = np.column_stack(
        [offset + rng.integers(0, size, n_samples)
         for offset, size in zip(np.cumsum((0, *groups[:-1])), groups, strict=True)]
    )  # fmt: skip
    indptr = np.arange(0, columns.size + 1, len(groups))
    X = sp.csr_matrix(
        (np.ones(columns.size), columns.ravel(), indptr), shape=(n_samples, sum(groups))
    ).asformat(fmt)
    y = (X @ rng.standard_normal(X.shape[1]) + 0.5 * rng.standard_normal(n_samples)) > 0
    params = dict(alpha=1e-3, solver="newton", tol=1e-10)
    sparse_fit = DecayLogisticClassifier(**params).fit(X, y)
    dense_fit = DecayLogisticClassifier(**params).fit(X.toarray(), y)
    np.testing.assert_allclose(sparse_fit.coef_, dense_fit.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(
        sparse_fit.intercept_, dense_fit.intercept_, rtol=1e-7, atol=1e-9
    )
