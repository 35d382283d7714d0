"""Matrix-free Newton on wide dense X without intercept: the conjugate
gradients' products with a float32 copy of X (the stopping test in
float64)."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import skdecay._core._solvers._newton as newton_module
from skdecay import DecayLogisticClassifier, decay_objective


def _wide(rng, n=60, p=150):
    X = rng.standard_normal((n, p)) + 0.6 * rng.standard_normal((n, 1))
    y = (X @ rng.standard_normal(p) + rng.standard_normal(n) > 0).astype(int)
    return X, y


def _single_used(monkeypatch):
    used = []
    original = newton_module._Smooth.single_rows

    def spy(self):
        single = original(self)
        used.append(single is not None)
        return single

    monkeypatch.setattr(newton_module._Smooth, "single_rows", spy)
    return used


@pytest.mark.parametrize("C", [1.0, 100.0])
def test_single_products_reach_sklearn(monkeypatch, C):
    used = _single_used(monkeypatch)
    X, y = _wide(np.random.default_rng(0))
    alpha = 1.0 / (C * X.shape[0])
    ours = DecayLogisticClassifier(alpha=alpha, fit_intercept=False, tol=1e-8)
    ours.fit(X, y)
    assert used and all(used)
    sk = LogisticRegression(C=C, fit_intercept=False, solver="newton-cholesky",
                            tol=1e-10, max_iter=1000).fit(X, y)  # fmt: skip

    def objective(est):
        return decay_objective(X, y, est.coef_, est.intercept_, alpha=alpha,
                               loss="logistic")  # fmt: skip

    assert objective(ours) <= objective(sk) * (1 + 1e-10)
    np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=1e-5, atol=1e-6)


def test_extreme_scales_keep_float64_products(monkeypatch):
    """A column on a scale float32 cannot hold takes the float64 products."""
    used = _single_used(monkeypatch)
    X, y = _wide(np.random.default_rng(1))
    X[:, 0] *= 1e40
    ours = DecayLogisticClassifier(alpha=1e-2, fit_intercept=False, tol=1e-6)
    ours.fit(X, y)
    assert used and not any(used)
    assert np.all(np.isfinite(ours.coef_))
