"""Every solver reaches the same optimum on real data.

Synthetic data are kind: the default L1 logistic solver once stalled at a
point 6-16 % above the optimum on the Adult census subset ``a1a`` while every
test on generated data passed. Here every solver that accepts a penalty, and
``solver='auto'``, is run on raw (unscaled) real data sets -- ``a1a`` (sparse
one-hot, ``tests/data``), and scikit-learn's bundled ``breast_cancer``,
``wine`` (one-vs-rest and multinomial), ``digits`` and ``diabetes`` -- for L1,
L2 and elastic net at four strengths from ``alpha_max / 5`` to
``alpha_max / 1000``. Each must converge (no ``ConvergenceWarning``, fewer
iterations than its ``max_iter``) to within ``1e-8`` (relative) of the best
objective any of them reaches, the objective being evaluated in plain NumPy
by :func:`skdecay.decay_objective`. (``california_housing`` is not bundled
with scikit-learn: it is downloaded, which the tests never do.)

One part is opt-in: 'gd' at ``alpha_max / 100`` and ``/ 1000`` and 'cd'
below ``alpha_max / 5`` on the multinomial ``digits`` problem converge, but
need 10^3-10^4 passes (block coordinate descent recomputes a softmax per row
for each feature: about 15 ms a sweep), 5-150 s per fit, which the CI budget
cannot hold. Set ``SKDECAY_FULL_REAL_DATA=1`` to run them too.
"""

import os
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_svmlight_file,
    load_wine,
)
from sklearn.exceptions import ConvergenceWarning

from skdecay import DecayLinearRegressor, DecayLogisticClassifier, decay_objective

DATA = Path(__file__).parent / "data"
#: The four strengths, as divisors of the smallest alpha that zeroes every
#: coefficient under the L1 part.
DIVISORS = (5, 20, 100, 1000)
PENALTIES = {"l1": 1.0, "l2": 0.0, "elasticnet": 0.5}
#: Within this (relative) of the best objective any solver reaches.
OBJECTIVE_RTOL = 1e-8
#: Iteration budgets: a solver must stop before these.
MAX_ITER = {
    "gd": 200_000,
    "fista": 20_000,
    "cd": 20_000,
    "newton": 100,
    "prox_newton": 100,
    "auto": 20_000,
}


@cache
def load_a1a():
    X, y = load_svmlight_file(str(DATA / "a1a"), n_features=123)
    return X.tocsr(), (y > 0).astype(np.int64)


@cache
def wide_correlated():
    """100 x 300, Toeplitz correlation 0.9^|i-j|, 10 true features."""
    rng = np.random.RandomState(0)
    n_samples, n_features = 100, 300
    lags = np.abs(np.subtract.outer(np.arange(n_features), np.arange(n_features)))
    X = rng.randn(n_samples, n_features) @ np.linalg.cholesky(0.9**lags).T
    coef = np.zeros(n_features)
    coef[:10] = rng.randn(10)
    return X, X @ coef + 0.1 * rng.randn(n_samples)


@cache
def a1a_regression():
    """The a1a one-hot features with a continuous target made from them."""
    X, _ = load_a1a()
    rng = np.random.RandomState(0)
    return X, np.asarray(X @ rng.randn(X.shape[1])) + 0.5 * rng.randn(X.shape[0])


def dataset(name):
    """``(loss, X, y)``: raw features, as a user would pass them."""
    if name == "a1a":
        return ("logistic", *load_a1a())
    if name == "breast_cancer":
        return ("logistic", *load_breast_cancer(return_X_y=True))
    if name.startswith("wine_ovr"):
        X, y = load_wine(return_X_y=True)
        return "logistic", X, (y == int(name[-1])).astype(np.int64)
    if name == "wine":
        return ("multinomial", *load_wine(return_X_y=True))
    if name == "digits":
        return ("multinomial", *load_digits(return_X_y=True))
    if name == "diabetes":
        return ("squared", *load_diabetes(return_X_y=True))
    if name == "a1a_regression":
        return ("squared", *a1a_regression())
    return ("squared", *wide_correlated())


CLASSIFICATION = ["a1a", "breast_cancer", "wine_ovr0", "wine_ovr1", "wine_ovr2"]
MULTINOMIAL = ["wine", "digits"]
REGRESSION = ["diabetes", "a1a_regression", "wide_correlated"]


def alpha_max(loss, X, y):
    """``max_j |x_j^T (y - ybar)| / n``: every L1 coefficient is zero above it."""
    if loss == "multinomial":
        Y = (y[:, None] == np.unique(y)[None, :]).astype(np.float64)
    else:
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), 1)
    return float(np.abs(np.asarray(X.T @ (Y - Y.mean(axis=0)))).max() / X.shape[0])


def solvers_for(loss, penalty):
    solvers = ["gd", "fista", "cd"]
    if penalty == "l2":
        solvers.append("newton")
    solvers.append("prox_newton")
    return [*solvers, "auto"]


def fit(loss, X, y, *, penalty, alpha, solver, tol):
    """Fit with warnings as errors: a ConvergenceWarning fails the test."""
    Estimator = DecayLinearRegressor if loss == "squared" else DecayLogisticClassifier
    model = Estimator(
        penalty=penalty,
        alpha=alpha,
        l1_ratio=PENALTIES[penalty],
        solver=solver,
        tol=tol,
        max_iter=MAX_ITER[solver],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    assert model.n_iter_ < MAX_ITER[solver]
    coef = model.coef_ if loss == "multinomial" else np.ravel(model.coef_)
    y_index = np.searchsorted(np.unique(y), y) if loss != "squared" else y
    return decay_objective(
        X,
        y_index,
        coef,
        model.intercept_,
        loss=loss,
        alpha=alpha,
        penalty=penalty,
        l1_ratio=PENALTIES[penalty],
    )


#: ``(data set, solver) -> divisors`` left to the opt-in run (see the module
#: docstring).
EXPENSIVE = {("digits", "gd"): (100, 1000), ("digits", "cd"): (20, 100, 1000)}
RUN_EXPENSIVE = os.environ.get("SKDECAY_FULL_REAL_DATA") == "1"


def assert_solvers_agree(name, penalty, tol=1e-7):
    loss, X, y = dataset(name)
    rho = PENALTIES[penalty]
    # With an L1 part, alpha_max / rho zeroes every coefficient; pure L2
    # decay takes the same alpha_max as its scale.
    top = alpha_max(loss, X, y) / (rho if rho > 0.0 else 1.0)
    for divisor in DIVISORS:
        alpha = top / divisor
        objectives = {
            solver: fit(loss, X, y, penalty=penalty, alpha=alpha, solver=solver,
                        tol=tol)
            for solver in solvers_for(loss, penalty)
            if RUN_EXPENSIVE or divisor not in EXPENSIVE.get((name, solver), ())
        }  # fmt: skip
        best = min(objectives.values())
        gaps = {s: (value - best) / abs(best) for s, value in objectives.items()}
        far = {s: f"{gap:.1e}" for s, gap in gaps.items() if gap > OBJECTIVE_RTOL}
        assert not far, f"{name}, {penalty}, alpha_max / {divisor}: {far}"


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("name", CLASSIFICATION)
def test_binary_logistic_solvers_agree(name, penalty):
    assert_solvers_agree(name, penalty)


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("name", MULTINOMIAL)
def test_multinomial_solvers_agree(name, penalty):
    assert_solvers_agree(name, penalty)


@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("name", REGRESSION)
def test_least_squares_solvers_agree(name, penalty):
    # The wide correlated ridge at alpha_max / 1000 has a condition number
    # near 1e5: an objective gap of 1e-8 needs a residual ten times smaller.
    assert_solvers_agree(name, penalty, tol=1e-8 if name == "wide_correlated" else 1e-7)


@pytest.mark.parametrize("divisor", [5, 20, 100])
def test_a1a_l1_logistic_default_solver_reaches_the_optimum(divisor):
    """The reported case: 'auto' stalled 6 % and 16 % above the optimum."""
    X, y = load_a1a()
    alpha = alpha_max("logistic", X, y) / divisor
    models = {
        solver: DecayLogisticClassifier(
            penalty="l1", alpha=alpha, tol=1e-8, solver=solver
        ).fit(X, y)
        for solver in ("cd", "auto")
    }
    objectives = {
        solver: decay_objective(X, y, m.coef_.ravel(), m.intercept_, loss="logistic",
                                alpha=alpha, penalty="l1")
        for solver, m in models.items()
    }  # fmt: skip
    assert objectives["auto"] == pytest.approx(objectives["cd"], rel=1e-8)
    assert models["auto"].n_iter_ < 100
    # Not the coefficients: each one-hot group of a1a sums to the intercept's
    # column, so the L1 solution is not unique (a group's coefficients can
    # trade against the intercept at equal objective); solvers reach
    # different points of the same optimal set.


def test_a_stall_is_reported_with_its_violation():
    """A tolerance below rounding: Newton stops moving and says so, at once."""
    X, y = load_breast_cancer(return_X_y=True)
    model = DecayLogisticClassifier(solver="newton", tol=1e-17, max_iter=1000)
    with pytest.warns(ConvergenceWarning, match="stopped making progress") as record:
        model.fit(X, y)
    assert "optimality violation is" in str(record[0].message)
    assert model.n_iter_ < 50
