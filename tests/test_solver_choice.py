"""What ``solver='auto'`` runs for an elastic net, and that it changes nothing
but the time: the statistics of ``prefers_first_order`` decide between
coordinate descent and preconditioned FISTA once the penalty is known."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes

from skdecay import DecayLinearRegressor
from skdecay._core._penalties import make_penalty
from skdecay._core._problem import prepare_problem, solve_prepared
from skdecay._core._solvers import resolve_solver


def _auto_solvers(X, y, penalty, alpha, l1_ratio=1.0):
    """The solvers that 'auto' ran on ``(X, y)`` and the fitted result."""
    pen = make_penalty(penalty, alpha, l1_ratio)
    solver, fallback = resolve_solver("auto", "squared", pen.is_smooth, 1, None)
    prepared = prepare_problem(
        X, y[:, None], np.ones(X.shape[0]), loss="squared", fit_intercept=True,
        solver=solver, fallback=fallback,
    )  # fmt: skip
    result = solve_prepared(prepared, penalty=pen, max_iter=5000, tol=1e-8)
    return result.solvers, result


@pytest.fixture(scope="module")
def correlated():
    """Toeplitz-correlated features (rho 0.6, unit variance), C-ordered."""
    rng = np.random.default_rng(0)
    n, p = 2000, 60  # 120000 entries: above FIRST_ORDER_MIN_ENTRIES
    X = np.empty((n, p))
    X[:, 0] = rng.standard_normal(n)
    for j in range(1, p):
        X[:, j] = 0.6 * X[:, j - 1] + 0.8 * rng.standard_normal(n)
    y = X[:, ::3] @ rng.standard_normal(20) + 0.1 * rng.standard_normal(n)
    return X, y


def _alpha_max(X, y, l1_ratio):
    Xc = X - X.mean(axis=0)
    return np.abs(Xc.T @ (y - y.mean())).max() / X.shape[0] / l1_ratio


@pytest.mark.parametrize(
    "l1_ratio, fraction, expected",
    [
        (0.1, 0.1, "fista"),  # strongly convex, most features enter
        (0.9, 0.1, "cd"),  # weak L2 part: coordinate descent
        (1.0, 0.1, "cd"),  # a lasso is never strongly convex
        (0.1, 0.999, "cd"),  # few features violate at zero
        (0.1, -0.1, "cd"),  # raw scales: the L2 part is weak next to some
    ],
)
def test_auto_picks_by_convexity_and_violations(
    correlated, l1_ratio, fraction, expected
):
    X, y = correlated
    if fraction < 0:  # features on scales 1e-2 .. 1e2
        X, fraction = X * np.logspace(-2, 2, X.shape[1]), -fraction
    alpha = fraction * _alpha_max(X, y, l1_ratio)
    solvers, auto = _auto_solvers(X, y, "elasticnet", alpha, l1_ratio)
    assert solvers == (expected,)
    # The same optimum as the explicit solvers'.
    for name in ("cd", "fista"):
        model = DecayLinearRegressor(
            penalty="elasticnet", alpha=alpha, l1_ratio=l1_ratio, solver=name,
            tol=1e-8, max_iter=5000,
        ).fit(X, y)  # fmt: skip
        np.testing.assert_allclose(model.coef_, auto.coef[:, 0], rtol=1e-4, atol=1e-6)


def test_sparse_data_stay_on_coordinate_descent(correlated):
    X, y = correlated
    alpha = 0.1 * _alpha_max(X, y, 0.1)
    solvers, _ = _auto_solvers(sp.csr_matrix(X), y, "elasticnet", alpha, 0.1)
    assert solvers == ("cd",)


def test_an_unpenalised_feature_keeps_coordinate_descent(correlated):
    """A zero penalty weight leaves that feature without an L2 part."""
    X, y = correlated
    alpha = 0.1 * _alpha_max(X, y, 0.1)
    weights = np.ones(X.shape[1])
    weights[0] = 0.0
    pen = make_penalty("elasticnet", alpha, 0.1, weights)
    solver, _ = resolve_solver("auto", "squared", False, 1, None)
    prepared = prepare_problem(
        X, y[:, None], np.ones(X.shape[0]), loss="squared", fit_intercept=True,
        solver=solver,
    )  # fmt: skip
    assert solve_prepared(prepared, penalty=pen, max_iter=5000, tol=1e-8).solvers == (
        "cd",
    )


def test_small_problems_stay_on_coordinate_descent():
    """Where both take a millisecond, the kernel the lasso shares."""
    X, y = load_diabetes(return_X_y=True)
    solvers, _ = _auto_solvers(X, y, "elasticnet", 0.01, 0.1)
    assert solvers == ("cd",)


def test_verbose_names_the_solver_that_ran(correlated, capsys):
    X, y = correlated
    alpha = 0.1 * _alpha_max(X, y, 0.1)
    DecayLinearRegressor(
        penalty="elasticnet", alpha=alpha, l1_ratio=0.1, verbose=1
    ).fit(X, y)
    assert "[fista] converged" in capsys.readouterr().out
    DecayLinearRegressor(penalty="l1", alpha=alpha, verbose=1).fit(X, y)
    assert "[cd] converged" in capsys.readouterr().out
