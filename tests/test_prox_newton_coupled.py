"""'prox_newton' with several outputs: the whole curvature of the multinomial
(diagonal plus rank one) in its quadratic models."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, load_wine, make_regression
from sklearn.exceptions import ConvergenceWarning

from skdecay import DecayLinearRegressor, DecayLogisticClassifier, decay_objective


def _objective(est, X, y, alpha, loss="multinomial"):
    return decay_objective(
        X, y, est.coef_, est.intercept_, loss=loss, alpha=alpha, penalty="l1"
    )


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_raw_wine_reaches_the_optimum_in_a_few_newton_steps(fit_intercept):
    """Raw wine (columns from 0.1 to 1000, far from their means): the
    classes' coupling is in the model, so a few Newton steps reach tol where
    a per-class model stalled; the optimum is FISTA's at a tight tol."""
    X, y = load_wine(return_X_y=True)
    alpha = 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = DecayLogisticClassifier(
            penalty="l1", alpha=alpha, fit_intercept=fit_intercept, solver="fista",
            tol=1e-9, max_iter=200_000,
        ).fit(X, y)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = DecayLogisticClassifier(
            penalty="l1", alpha=alpha, fit_intercept=fit_intercept,
            solver="prox_newton", tol=1e-8,
        ).fit(X, y)  # fmt: skip
    assert ours.n_iter_ <= 50
    f_ours, f_reference = (
        _objective(ours, X, y, alpha),
        _objective(reference, X, y, alpha),
    )
    assert f_ours <= f_reference + 1e-8 * abs(f_reference)
    np.testing.assert_array_equal(ours.predict(X), reference.predict(X))


def test_intercepts_keep_their_sum_like_every_other_solver():
    """Moving every class's intercept alike changes nothing: the solver's
    steps keep the intercepts' sum, so it returns FISTA's intercepts."""
    X, y = load_iris(return_X_y=True)
    options = dict(penalty="l1", alpha=1e-2, tol=1e-10, max_iter=100_000)
    ours = DecayLogisticClassifier(solver="prox_newton", **options).fit(X, y)
    theirs = DecayLogisticClassifier(solver="fista", **options).fit(X, y)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-6)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)


@pytest.mark.parametrize("fmt", ["csc", "csr"])
def test_several_targets_on_sparse_columns_centred_through_the_intercept(fmt):
    """Least squares with two targets (no coupling: B = 0): sparse columns are
    read as stored and the intercept takes their centring; the answer is the
    dense design's."""
    X, Y = make_regression(
        n_samples=120, n_features=15, n_targets=2, noise=1.0, random_state=0
    )
    X[np.abs(X) < 0.7] = 0.0
    X += 2.0 * (X != 0.0)  # columns far from zero mean
    options = dict(penalty="l1", alpha=0.5, solver="prox_newton", tol=1e-10)
    dense = DecayLinearRegressor(**options).fit(X, Y)
    sparse = DecayLinearRegressor(**options).fit(sp.csr_matrix(X).asformat(fmt), Y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, atol=1e-7)
    cd = DecayLinearRegressor(**{**options, "solver": "cd"}).fit(X, Y)
    np.testing.assert_allclose(dense.coef_, cd.coef_, rtol=1e-6, atol=1e-7)


def test_warm_start_from_the_solution_takes_one_check():
    X, y = load_iris(return_X_y=True)
    est = DecayLogisticClassifier(
        penalty="l1", alpha=1e-2, solver="prox_newton", tol=1e-8, warm_start=True
    ).fit(X, y)
    coef = est.coef_.copy()
    est.fit(X, y)
    assert est.n_iter_ == 1
    np.testing.assert_allclose(est.coef_, coef, rtol=1e-10, atol=1e-12)
