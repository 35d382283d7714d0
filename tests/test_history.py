"""store_coef_history: the iterates a fit went through."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skdecay import DecayLinearRegressor, DecayLogisticClassifier, decay_objective

SOLVERS_FOR = {
    "l2": ["gd", "fista", "newton", "cd"],
    "l1": ["gd", "fista", "cd"],
}


@pytest.mark.parametrize(
    "penalty, solver",
    [(p, s) for p, solvers in SOLVERS_FOR.items() for s in solvers],
)
def test_regressor_history_replays_the_loss_curve(diabetes, penalty, solver):
    X, y = diabetes
    reg = DecayLinearRegressor(
        penalty=penalty, alpha=0.05, solver=solver, store_coef_history=True
    ).fit(X, y)
    assert reg.coef_history_.shape == (reg.n_iter_, X.shape[1])
    assert reg.intercept_history_.shape == (reg.n_iter_,)
    np.testing.assert_array_equal(reg.coef_history_[-1], reg.coef_)
    assert reg.intercept_history_[-1] == pytest.approx(reg.intercept_, rel=1e-12)
    # Each recorded iterate has the objective the solver recorded for it:
    # the intercept was mapped back from the centred parametrisation.
    replayed = [
        decay_objective(X, y, w, b, alpha=0.05, penalty=penalty)
        for w, b in zip(reg.coef_history_, reg.intercept_history_, strict=True)
    ]
    np.testing.assert_allclose(replayed, reg.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("solver", ["gd", "newton", "prox_newton"])
def test_binary_classifier_history(breast_cancer, solver):
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    penalty = "l1" if solver == "prox_newton" else "l2"
    clf = DecayLogisticClassifier(
        penalty=penalty, alpha=0.01, solver=solver, store_coef_history=True
    ).fit(X, y)
    assert clf.coef_history_.shape == (clf.n_iter_, 1, X.shape[1])
    assert clf.intercept_history_.shape == (clf.n_iter_, 1)
    np.testing.assert_array_equal(clf.coef_history_[-1], clf.coef_)
    np.testing.assert_allclose(clf.intercept_history_[-1], clf.intercept_)
    replayed = [
        decay_objective(X, y, w, b, loss="logistic", alpha=0.01, penalty=penalty)
        for w, b in zip(clf.coef_history_, clf.intercept_history_, strict=True)
    ]
    np.testing.assert_allclose(replayed, clf.loss_curve_, rtol=1e-9)


def test_multinomial_and_multi_target_layouts(iris, linnerud):
    X, y = iris
    clf = DecayLogisticClassifier(alpha=0.01, store_coef_history=True).fit(X, y)
    assert clf.coef_history_.shape == (clf.n_iter_, 3, 4)
    np.testing.assert_array_equal(clf.coef_history_[-1], clf.coef_)
    X, Y = linnerud
    reg = DecayLinearRegressor(alpha=0.1, store_coef_history=True).fit(X, Y)
    assert reg.coef_history_.shape == (reg.n_iter_, 3, 3)
    assert reg.intercept_history_.shape == (reg.n_iter_, 3)
    np.testing.assert_array_equal(reg.coef_history_[-1], reg.coef_)
    np.testing.assert_allclose(reg.intercept_history_[-1], reg.intercept_)


def test_gd_history_shows_decay_shrinking_the_weights(diabetes):
    """Stronger decay ends the trajectory at a smaller norm, step by step."""
    X, y = diabetes
    norms = []
    for alpha in (1e-4, 1e-1):
        reg = DecayLinearRegressor(
            alpha=alpha, solver="gd", max_iter=50, store_coef_history=True
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            reg.fit(X, y)
        norms.append(np.linalg.norm(reg.coef_history_, axis=1))
    assert norms[1][-1] < norms[0][-1]


def test_history_absent_unless_asked_and_float32_kept(diabetes):
    X, y = diabetes
    reg = DecayLinearRegressor(store_coef_history=True).fit(X.astype(np.float32), y)
    assert reg.coef_history_.dtype == np.float32
    reg.set_params(store_coef_history=False).fit(X, y)
    assert not hasattr(reg, "coef_history_")
    assert not hasattr(reg, "intercept_history_")
