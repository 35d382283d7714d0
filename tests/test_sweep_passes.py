"""The passes over the rows that coordinate descent's sweeps and proximal
Newton's models save: the same results as the passes they replace."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import MaxAbsScaler

from skdecay import DecayLogisticClassifier
from skdecay._core._products import column_moments, squared_entries
from skdecay._core._solvers import _prox_newton
from skdecay._core._solvers._common import Trace


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_squared_entries_match_elementwise_product(fmt, dtype):
    rng = np.random.default_rng(0)
    X = sp.random(30, 12, density=0.3, format=fmt, dtype=dtype, random_state=rng)
    squares = squared_entries(X)
    assert squares.dtype == X.dtype
    np.testing.assert_array_equal(squares.toarray(), X.multiply(X).toarray())
    # A matrix with duplicate entries: summed, then squared.
    rows, cols = np.array([0, 0, 3, 5]), np.array([1, 1, 2, 2])
    values = np.array([1.5, -0.5, 2.0, 3.0], dtype=dtype)
    duplicated = sp.coo_matrix((values, (rows, cols)), shape=(6, 4)).asformat(fmt)
    duplicated.has_canonical_format = False
    expected = duplicated.toarray() ** 2
    np.testing.assert_array_equal(squared_entries(duplicated).toarray(), expected)
    weights = np.full(6, 1 / 6)
    _, second = column_moments(duplicated, weights, False)
    np.testing.assert_allclose(second, weights @ expected, rtol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_unrecorded_model_solves_take_the_same_steps(monkeypatch, fit_intercept):
    """Proximal Newton's models, whose sweeps take the objective only after
    the last one, reach the iterates of models that record every sweep."""
    X, y = load_breast_cancer(return_X_y=True)
    X = sp.csc_matrix(MaxAbsScaler().fit_transform(X))
    kw = dict(penalty="l1", alpha=1e-3, tol=1e-8, solver="prox_newton")
    kw["fit_intercept"] = fit_intercept
    quiet = DecayLogisticClassifier(**kw).fit(X, y)
    original = _prox_newton._Newton.__init__

    def recording(self, problem, datafit):
        original(self, problem, datafit)
        vectors, trace = self.buffers
        self.buffers = (
            vectors,
            Trace(np.empty(_prox_newton.MAX_INNER_SWEEPS), trace.coef, trace.intercept),
        )

    monkeypatch.setattr(_prox_newton._Newton, "__init__", recording)
    recorded = DecayLogisticClassifier(**kw).fit(X, y)
    assert quiet.n_iter_ == recorded.n_iter_
    np.testing.assert_array_equal(quiet.coef_, recorded.coef_)
    np.testing.assert_array_equal(quiet.intercept_, recorded.intercept_)
    assert np.count_nonzero(quiet.coef_) > 0
