"""The first working set of a cold coordinate-descent start (issue 13).

Its size comes from the design's shape (:func:`_first_set_size`): about
``FIRST_SET_ENTRIES`` entries of ``X``, at most half as many features as
samples, at least ``FIRST_WORKING_SET``. A larger first set changes the
rounds, not the solution.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Lasso

from skdecay import DecayLinearRegressor
from skdecay._core._linalg import make_design
from skdecay._core._solvers import _cd


def _correlated(n_samples, n_features, seed=0, rho=0.6):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    for j in range(1, n_features):  # Toeplitz-like correlation, as benchopt's
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * X[:, j]
    coef = np.zeros(n_features)
    coef[rng.choice(n_features, n_features // 5, replace=False)] = 1.0
    y = X @ coef + rng.standard_normal(n_samples)
    return X, y


def test_first_set_size_from_the_shape():
    entries = _cd.FIRST_SET_ENTRIES
    # Dense: FIRST_SET_ENTRIES / n_samples features...
    assert _cd._first_set_size(make_design(np.zeros((500, 600)))) == entries // 500
    # ... at most half as many as the samples...
    assert _cd._first_set_size(make_design(np.zeros((100, 10_000)))) == 50
    # ... and at least FIRST_WORKING_SET.
    big = make_design(np.zeros((100_000, 50)))
    assert _cd._first_set_size(big) == _cd.FIRST_WORKING_SET
    # An X smaller than such a set keeps FIRST_WORKING_SET, whatever its rows
    # (a fit on weighted rows takes the rounds of the rows repeated).
    for n_samples in (15, 27, 1000):
        small = make_design(np.zeros((n_samples, 30)))
        assert _cd._first_set_size(small) == _cd.FIRST_WORKING_SET
    # CSC: the stored entries per column count, not the shape.
    X = sp.random(20_000, 5_000, density=0.002, format="csc", random_state=0)
    expected = int(entries * 5_000 / X.nnz)  # 2000
    assert _cd.FIRST_WORKING_SET < expected < 5_000
    assert _cd._first_set_size(make_design(X)) == expected


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_cold_start_takes_the_first_set_and_reaches_the_lasso(
    monkeypatch, fit_intercept
):
    X, y = _correlated(200, 500)
    centred = y - y.mean() if fit_intercept else y
    alpha = np.max(np.abs(X.T @ centred)) / (10 * X.shape[0])
    sizes = []
    choose = _cd._choose_working_set

    def spy(residuals, support, previous, first=_cd.FIRST_WORKING_SET):
        working_set = choose(residuals, support, previous, first)
        sizes.append(working_set.shape[0])
        return working_set

    monkeypatch.setattr(_cd, "_choose_working_set", spy)
    kw = dict(penalty="l1", alpha=alpha, fit_intercept=fit_intercept, tol=1e-10)
    ours = DecayLinearRegressor(solver="cd", max_iter=5000, **kw).fit(X, y)
    # 200 samples: min(80000 / 200, 100, 500) = 100 features first.
    assert sizes[0] == 100
    reference = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-12)
    reference.fit(X, y)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, atol=1e-8)

    # The old first set of 10 reaches the same point.
    sizes.clear()
    monkeypatch.setattr(_cd, "FIRST_SET_ENTRIES", 0)
    small = DecayLinearRegressor(solver="cd", max_iter=5000, **kw).fit(X, y)
    assert sizes[0] == _cd.FIRST_WORKING_SET
    np.testing.assert_allclose(small.coef_, ours.coef_, rtol=1e-6, atol=1e-8)
