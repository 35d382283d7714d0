"""Per-feature penalty weights (glmnet's ``penalty.factor``).

The laws: under L1 a weight ``w_j > 0`` equals dividing column ``j`` by
``w_j`` (and the coefficient back); under L2 it equals dividing the column by
``sqrt(w_j)``; a weight 0 leaves the feature unpenalised; a path's top alpha
is the smallest at which every penalised coefficient is zero, with the
unpenalised features fitted.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import Lasso, LinearRegression

from skdecay import (
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayLogisticClassifierCV,
    DecaySGDRegressor,
    decay_objective,
    decay_path,
)
from skdecay._core._penalties import L1, L2, ElasticNet, NoPenalty

TOL = 1e-10


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X[:, :8], y  # raw units, a few decades apart


def _weights(n_features, seed=0):
    return np.random.RandomState(seed).uniform(0.3, 3.0, n_features)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("solver", ["gd", "fista", "cd", "auto"])
def test_l1_weight_equals_dividing_the_column(solver, sparse):
    X, y = _diabetes()
    w = _weights(X.shape[1])
    alpha = 0.05
    Xw = X / w
    if sparse:
        X, Xw = sp.csr_matrix(X), sp.csr_matrix(Xw)
    options = dict(penalty="l1", alpha=alpha, solver=solver, tol=TOL, max_iter=20000)
    weighted = DecayLinearRegressor(penalty_weights=w, **options).fit(X, y)
    rescaled = DecayLinearRegressor(**options).fit(Xw, y)
    np.testing.assert_allclose(weighted.coef_, rescaled.coef_ / w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(weighted.intercept_, rescaled.intercept_, rtol=1e-7)
    # ... and both equal scikit-learn's lasso on the rescaled columns.
    reference = Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(
        X / w if not sparse else Xw, y
    )
    np.testing.assert_allclose(
        weighted.coef_ * w, reference.coef_, rtol=1e-4, atol=1e-4
    )


@pytest.mark.parametrize("solver", ["gd", "fista", "cd", "prox_newton", "auto"])
def test_l1_weight_equals_dividing_the_column_logistic(solver):
    X, y = _cancer()
    # Standardised: coordinate descent steps with the loss's global curvature
    # bound, and needs 10^5 sweeps for 1e-7 on these raw columns.
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    w = _weights(X.shape[1], seed=1)
    tol = 1e-8 if solver == "cd" else TOL
    options = dict(penalty="l1", alpha=1e-3, tol=tol, max_iter=50000)
    weighted = DecayLogisticClassifier(penalty_weights=w, solver=solver, **options).fit(
        X, y
    )
    rescaled = DecayLogisticClassifier(solver="prox_newton", **{**options, "tol": TOL})
    rescaled.fit(X / w, y)
    # The same objective value: the problems are one problem.
    objective = decay_objective(
        X / w, y, rescaled.coef_.ravel(), rescaled.intercept_, loss="logistic",
        alpha=1e-3, penalty="l1",
    )  # fmt: skip
    assert weighted.loss_curve_[-1] == pytest.approx(
        objective, rel=max(tol, 1e-9) * 1e2
    )
    np.testing.assert_allclose(
        weighted.coef_,
        rescaled.coef_ / w,
        rtol=1e-2,
        atol=1e-3 * np.abs(rescaled.coef_).max(),
    )


@pytest.mark.parametrize("solver", ["gd", "fista", "cd", "newton", "auto"])
def test_l2_weight_equals_dividing_the_column_by_its_root(solver):
    X, y = _diabetes()
    w = _weights(X.shape[1], seed=2)
    options = dict(penalty="l2", alpha=0.01, solver=solver, tol=TOL, max_iter=50000)
    weighted = DecayLinearRegressor(penalty_weights=w, **options).fit(X, y)
    rescaled = DecayLinearRegressor(**options).fit(X / np.sqrt(w), y)
    np.testing.assert_allclose(weighted.coef_, rescaled.coef_ / np.sqrt(w), rtol=1e-6)


def test_multinomial_elastic_net_weights_match_the_objective():
    """A weighted fit minimises the weighted objective: no other solver's
    point, and no unweighted point, is lower on it."""
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    w = _weights(X.shape[1], seed=3)
    w[2] = 0.0
    options = dict(penalty="elasticnet", l1_ratio=0.7, alpha=0.05, tol=1e-8,
                   max_iter=20000, penalty_weights=w)  # fmt: skip
    fits = {s: DecayLogisticClassifier(solver=s, **options).fit(X, y)
            for s in ("fista", "cd", "gd")}  # fmt: skip
    values = [fit.loss_curve_[-1] for fit in fits.values()]
    assert max(values) - min(values) <= 1e-6 * abs(min(values))
    unweighted = DecayLogisticClassifier(**{**options, "penalty_weights": None}).fit(
        X, y
    )
    penalty = ElasticNet(0.05, 0.7, w)
    # The unweighted solution scored on the weighted objective is worse.
    proba = unweighted.predict_log_proba(X)
    loss = -np.mean(proba[np.arange(len(y)), np.searchsorted(unweighted.classes_, y)])
    assert loss + penalty.value(unweighted.coef_.T) > min(values)


def test_zero_weight_leaves_a_feature_unpenalised():
    X, y = _diabetes()
    w = np.ones(X.shape[1])
    w[[2, 8]] = 0.0
    model = DecayLinearRegressor(
        penalty="l1", alpha=1e6, penalty_weights=w, tol=1e-10
    ).fit(X, y)
    # Every penalised coefficient is zero; the free ones are least squares
    # on their own columns.
    assert np.all(model.coef_[w > 0] == 0.0)
    ols = LinearRegression().fit(X[:, [2, 8]], y)
    np.testing.assert_allclose(model.coef_[[2, 8]], ols.coef_, rtol=1e-6)
    ridge = DecayLinearRegressor(
        penalty="l2", alpha=1e8, penalty_weights=w, tol=1e-10
    ).fit(X, y)
    np.testing.assert_allclose(ridge.coef_[[2, 8]], ols.coef_, rtol=1e-4)
    assert np.abs(ridge.coef_[w > 0]).max() < 1e-3


def test_path_top_accounts_for_unpenalised_features():
    X, y = _diabetes()
    w = np.ones(X.shape[1])
    w[2] = 0.0  # bmi, the strongest single predictor
    path = decay_path(X, y, penalty="l1", penalty_weights=w, n_alphas=8, tol=1e-10)
    top = path.alphas[0]
    penalised = np.flatnonzero(w > 0)
    # At the top every penalised coefficient is zero and bmi is fitted ...
    assert np.all(path.coefs[penalised, 0] == 0.0)
    assert path.coefs[2, 0] != 0.0
    # ... and just below it one enters: the top is the smallest such alpha.
    below = DecayLinearRegressor(
        penalty="l1", alpha=0.99 * top, penalty_weights=w, tol=1e-10
    ).fit(X, y)
    assert np.any(below.coef_[penalised] != 0.0)
    # The unweighted top is another alpha (bmi's gradient sets it).
    plain = decay_path(X, y, penalty="l1", n_alphas=8)
    assert not np.isclose(plain.alphas[0], top)


@pytest.mark.parametrize("penalty", ["l2", "elasticnet"])
def test_path_with_weights_matches_single_fits(penalty):
    X, y = _diabetes()
    w = _weights(X.shape[1], seed=4)
    w[0] = 0.0
    path = decay_path(X, y, penalty=penalty, l1_ratio=0.5, penalty_weights=w,
                      n_alphas=6, tol=1e-10)  # fmt: skip
    for k in (1, 4):
        fit = DecayLinearRegressor(
            penalty=penalty, l1_ratio=0.5, alpha=path.alphas[k], penalty_weights=w,
            tol=1e-10,
        ).fit(X, y)  # fmt: skip
        np.testing.assert_allclose(path.coefs[:, k], fit.coef_, rtol=1e-5, atol=1e-6)


def test_cv_estimators_take_weights():
    X, y = _diabetes()
    w = np.ones(X.shape[1])
    w[2] = 0.0
    cv = DecayLinearRegressorCV(penalty="l1", penalty_weights=w, alphas=8, cv=3).fit(
        X, y
    )
    assert cv.best_estimator_.penalty_weights is w
    path = decay_path(X, y, penalty="l1", penalty_weights=w, n_alphas=8)
    np.testing.assert_allclose(cv.alphas_, path.alphas)
    Xc, yc = _cancer()
    clf = DecayLogisticClassifierCV(
        penalty="l1", penalty_weights=np.r_[0.0, np.ones(7)], alphas=5, cv=3
    ).fit(Xc, yc)
    assert clf.coef_.shape == (1, 8)


def test_partial_fit_honours_weights():
    X, y = _diabetes()
    w = np.ones(X.shape[1])
    w[2] = 0.0
    model = DecaySGDRegressor(penalty="l1", alpha=1e4, penalty_weights=w)
    for _ in range(20):
        model.partial_fit(X, y)
    assert np.abs(model.coef_[w > 0]).max() < 1e-2 * abs(model.coef_[2])
    ols = LinearRegression().fit(X[:, [2]], y)
    assert model.coef_[2] == pytest.approx(ols.coef_[0], rel=0.05)


@pytest.mark.parametrize(
    "weights, message",
    [
        (np.r_[-1.0, np.ones(9)], "non-negative"),
        (np.ones(9), "one weight per feature"),
        (np.ones((10, 1)), "one weight per feature"),
        (np.r_[np.nan, np.ones(9)], "finite"),
        (np.r_[np.inf, np.ones(9)], "finite"),
        (["a"] * 10, "one per feature"),
    ],
)
@pytest.mark.parametrize(
    "make", [DecayLinearRegressor, DecayLinearRegressorCV, "path"], ids=str
)
def test_bad_weights_get_a_clear_error_and_no_fitted_state(weights, message, make):
    X, y = _diabetes()
    if make == "path":
        with pytest.raises(ValueError, match=message):
            decay_path(X, y, penalty="l1", penalty_weights=weights)
        return
    model = make(penalty="l1", penalty_weights=weights)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    assert not hasattr(model, "coef_")
    assert not hasattr(model, "n_features_in_")


def test_penalty_objects():
    W = np.array([[1.5, -0.2], [0.0, 0.3], [-2.0, 0.0]])
    w = np.array([1.0, 0.0, 2.0])
    enet = ElasticNet(0.4, 0.25, w)
    l1, l2 = enet.strengths(3)
    np.testing.assert_allclose(l1, 0.1 * w)
    np.testing.assert_allclose(l2, 0.3 * w)
    expected = np.sum(l1 * np.abs(W).sum(1) + 0.5 * l2 * (W**2).sum(1))
    assert enet.value(W) == pytest.approx(expected)
    assert L1(2.0).with_alpha(3.0).alpha == 3.0
    assert NoPenalty().value(W) == 0.0 and NoPenalty().is_smooth
    assert L2(1.0).is_smooth and not L1(1.0).is_smooth
    assert L1(1.0, np.zeros(3)).is_smooth  # nothing penalised
    # The prox is the minimiser of 1/(2 step) ||U - W||^2 + P(U): its
    # optimality violation, with the prox's own gradient, is zero.
    step = np.array([0.5, 2.0, 1.0])
    U = enet.prox(W, step)
    grad = (U - W) / step[:, None] + enet.gradient_smooth(U)
    np.testing.assert_allclose(enet.violation(U, grad), 0.0, atol=1e-12)
    # alpha_max: zero is optimal at alpha_max, and not below it.
    g = np.array([[0.5, -0.1], [3.0, 0.0], [-0.8, 0.2]])
    top = L1(1.0, w).alpha_max(g)
    assert top == pytest.approx(0.5)  # max(0.5 / 1, 0.8 / 2); feature 1 free
    assert not np.any(L1(top, w).violation(np.zeros_like(g), g)[w > 0] > 1e-12)
    assert np.any(L1(0.9 * top, w).violation(np.zeros_like(g), g)[w > 0] > 0)
    assert L2(1.0).alpha_max(g) == np.inf


def test_decay_objective_takes_weights():
    X, y = _diabetes()
    w = _weights(X.shape[1], seed=5)
    w[3] = 0.0
    model = DecayLinearRegressor(
        penalty="elasticnet", l1_ratio=0.3, alpha=0.2, penalty_weights=w, tol=1e-10
    ).fit(X, y)
    value = decay_objective(
        X, y, model.coef_, model.intercept_, alpha=0.2, penalty="elasticnet",
        l1_ratio=0.3, penalty_weights=w,
    )  # fmt: skip
    assert value == pytest.approx(model.loss_curve_[-1], rel=1e-12)
    with pytest.raises(ValueError, match="non-negative"):
        decay_objective(X, y, model.coef_, penalty_weights=-w)
