"""What a scikit-learn user does with the estimators."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import loguniform
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdecay import DecayLinearRegressor, DecayLogisticClassifier


def test_pipeline_and_cross_val_score():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), DecayLogisticClassifier(alpha=1e-3))
    scores = cross_val_score(pipe, X, y, cv=5)
    assert scores.mean() > 0.9


def test_grid_search_over_alpha_picks_a_sensible_value():
    X, y = make_regression(
        n_samples=120, n_features=30, n_informative=5, noise=10.0, random_state=0
    )
    grid = GridSearchCV(
        DecayLinearRegressor(penalty="l1"),
        {"alpha": np.logspace(-3, 2, 8)},
        cv=KFold(4, shuffle=True, random_state=0),
    ).fit(X, y)
    # The lasso should sit between the unpenalised and the all-zero end.
    assert 1e-3 < grid.best_params_["alpha"] < 1e2
    assert grid.best_score_ > 0.9


def test_randomized_search_over_alpha_and_l1_ratio():
    X, y = make_classification(n_samples=150, n_features=8, random_state=0)
    search = RandomizedSearchCV(
        DecayLogisticClassifier(penalty="elasticnet"),
        {"alpha": loguniform(1e-4, 1e0), "l1_ratio": [0.1, 0.5, 0.9]},
        n_iter=6,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert 1e-4 <= search.best_params_["alpha"] <= 1.0
    assert search.best_score_ > 0.8


def test_string_labels_and_shapes():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = DecayLogisticClassifier(alpha=1e-3).fit(X, names)
    assert clf.coef_.shape == (3, 4) and clf.intercept_.shape == (3,)
    assert set(clf.predict(X)) <= set(names)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X), atol=1e-10)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))

    binary = DecayLogisticClassifier().fit(X[50:], names[50:])
    assert binary.coef_.shape == (1, 4) and binary.intercept_.shape == (1,)
    assert binary.decision_function(X[50:]).shape == (100,)
    positive = binary.decision_function(X[50:]) > 0
    np.testing.assert_array_equal(binary.predict(X[50:]) == "virginica", positive)


def test_multi_output_regression_shapes():
    X, Y = make_regression(n_samples=50, n_features=4, n_targets=3, random_state=0)
    reg = DecayLinearRegressor(tol=1e-10).fit(X, Y)
    assert reg.coef_.shape == (3, 4) and reg.intercept_.shape == (3,)
    assert reg.predict(X).shape == (50, 3)
    # Each output is an independent problem.
    single = DecayLinearRegressor(tol=1e-10).fit(X, Y[:, 1])
    np.testing.assert_allclose(reg.coef_[1], single.coef_, rtol=1e-6)


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    frame = pd.DataFrame(X, columns=["age", "height", "weight"])
    reg = DecayLinearRegressor().fit(frame, y)
    np.testing.assert_array_equal(reg.feature_names_in_, ["age", "height", "weight"])
    with pytest.warns(UserWarning, match="feature names"):
        reg.predict(X)


@pytest.mark.parametrize("make", [DecayLinearRegressor, DecayLogisticClassifier])
def test_pickle_round_trip(make):
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    est = make(penalty="l1", alpha=0.01).fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.predict(X), est.predict(X))
    np.testing.assert_array_equal(clone.coef_, est.coef_)


@pytest.mark.parametrize("make", [DecayLinearRegressor, DecayLogisticClassifier])
@pytest.mark.parametrize(
    "solver, penalty",
    [("fista", "l2"), ("newton", "l2"), ("cd", "l1"), ("cd", "elasticnet")],
)
def test_warm_start_reuses_coef(make, solver, penalty):
    X, y = make_classification(n_samples=200, n_features=10, random_state=0)
    kw = dict(solver=solver, penalty=penalty, tol=1e-6)
    est = make(alpha=1e-2, warm_start=True, **kw).fit(X, y)
    cold_iterations = est.n_iter_
    est.set_params(alpha=1.1e-2).fit(X, y)
    # Newton on the squared loss solves any start in one step.
    assert est.n_iter_ < cold_iterations or est.n_iter_ == cold_iterations == 1
    cold = make(alpha=1.1e-2, **kw).fit(X, y)
    np.testing.assert_allclose(est.coef_, cold.coef_, rtol=1e-3, atol=1e-5)
    # Refitting at the optimum takes no step: its one iteration is the check.
    coef = est.coef_.copy()
    est.fit(X, y)
    assert est.n_iter_ == 1
    assert est.loss_curve_.shape == (1,)
    np.testing.assert_array_equal(est.coef_, coef)


@pytest.mark.parametrize(
    "solver, penalty", [("gd", "l2"), ("fista", "l2"), ("newton", "l2"), ("cd", "l1")]
)
def test_convergence_warning_when_max_iter_is_reached(solver, penalty):
    X, y = make_regression(n_samples=50, n_features=20, random_state=0)
    reg = DecayLinearRegressor(max_iter=2, tol=0.0, solver=solver, penalty=penalty)
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=2"):
        reg.fit(X, y)
    assert reg.n_iter_ == 2 and len(reg.loss_curve_) == 2


@pytest.mark.parametrize(
    "solver, penalty",
    [("gd", "l2"), ("fista", "l2"), ("newton", "l2"), ("cd", "l1"), ("cd", "l2")],
)
def test_loss_curve_records_the_objective(solver, penalty):
    X, y = make_classification(n_samples=100, n_features=6, random_state=0)
    clf = DecayLogisticClassifier(alpha=1e-2, solver=solver, penalty=penalty, tol=1e-8)
    clf.fit(X, y)
    assert len(clf.loss_curve_) == clf.n_iter_ > 0
    if solver != "fista":  # monotone: backtracking, line search, exact blocks
        assert np.all(np.diff(clf.loss_curve_) <= 1e-12)
    from skdecay import decay_objective

    final = decay_objective(
        X, y, clf.coef_, clf.intercept_, loss="logistic", alpha=1e-2, penalty=penalty
    )
    assert clf.loss_curve_[-1] == pytest.approx(final, rel=1e-10)


def test_verbose_prints_progress(capsys):
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    DecayLinearRegressor(verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "objective" in out and "converged" in out


def test_sparse_input_is_not_densified(monkeypatch):
    X, y = make_regression(n_samples=60, n_features=8, random_state=0)
    S = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))

    def refuse(*args, **kwargs):
        raise AssertionError("sparse input was densified")

    monkeypatch.setattr(sp.csr_matrix, "toarray", refuse)
    monkeypatch.setattr(sp.csr_matrix, "todense", refuse)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        DecayLinearRegressor(penalty="l1", alpha=0.1).fit(S, y).predict(S)
