"""Newton's Kronecker route for the multinomial loss (taken on large X only,
forced here on small data): the class solves from one eigendecomposition of
the Gram matrix (``_GramEigen``) match the per-class Cholesky factors, and
the fits reach LogisticRegression's solution."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skdecay import DecayLogisticClassifier
from skdecay._core._solvers import _newton


class _Decay:
    """What :class:`_newton._KroneckerFactor` needs of a smooth objective."""

    def __init__(self, l2, fit_intercept):
        self.l2, self.fit_intercept = l2, fit_intercept

    def with_decay(self, H):
        return _newton._Smooth.with_decay(self, H)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gram_eigen_solves_as_the_class_factors(fit_intercept):
    rng = np.random.default_rng(0)
    n, p, k = 300, 7, 4
    scales = np.array([1e-3, 1.0, 10.0, 1.0, 1.0, 100.0, 1.0])
    X = rng.standard_normal((n, p)) * scales + 0.5
    centred = np.c_[X - X.mean(axis=0), np.ones(n)]
    G = centred.T @ centred / n
    l2 = rng.uniform(1e-3, 0.1, p)
    P = rng.dirichlet(np.ones(k), size=n)
    M = np.diag(P.mean(axis=0)) - P.T @ P / n  # has the null vector of ones
    R = rng.standard_normal((p + 1, k))
    if not fit_intercept:
        R[-1] = 0.0
    smooth = _Decay(l2, fit_intercept)
    eigen = _newton._GramEigen.of(G, l2, fit_intercept)
    assert eigen is not None
    factors = _newton._KroneckerFactor(smooth, G, M)
    shared = _newton._KroneckerFactor(smooth, G, M, eigen)
    assert factors.eigen is None and shared.eigen is eigen
    np.testing.assert_allclose(
        shared.solve(R), factors.solve(R), rtol=1e-10, atol=1e-10 * np.abs(R).max()
    )
    # A feature without decay: no shared decomposition.
    assert _newton._GramEigen.of(G, np.append(l2[:-1], 0.0), fit_intercept) is None


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("layout", ["C", "F", "float32", "csr"])
def test_kronecker_fits_agree_with_scikit_learn(
    wine, layout, fit_intercept, monkeypatch
):
    monkeypatch.setattr(_newton, "KRONECKER_MIN_ENTRIES", 0)
    used = []
    original = _newton._GramEigen.solve

    def spy(self, *args):
        used.append(True)
        return original(self, *args)

    monkeypatch.setattr(_newton._GramEigen, "solve", spy)
    X, y = wine
    X = StandardScaler().fit_transform(X)
    n, C = X.shape[0], 0.5
    theirs = LogisticRegression(
        C=C, tol=1e-12, max_iter=10_000, fit_intercept=fit_intercept
    ).fit(X, y)
    data = {
        "C": np.ascontiguousarray(X),
        "F": np.asfortranarray(X),
        "float32": X.astype(np.float32),
        "csr": sp.csr_matrix(X),
    }[layout]
    ours = DecayLogisticClassifier(
        alpha=1.0 / (C * n), solver="newton", tol=1e-10, fit_intercept=fit_intercept
    ).fit(data, y)
    assert used
    rtol = 1e-3 if layout == "float32" else 1e-5
    scale = np.abs(theirs.coef_).max()
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=rtol, atol=rtol * scale)
    if fit_intercept:
        np.testing.assert_allclose(
            ours.intercept_, theirs.intercept_, rtol=rtol, atol=rtol * scale
        )
