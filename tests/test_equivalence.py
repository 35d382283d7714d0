"""The objective maps exactly onto scikit-learn's estimators.

For each pair we fit both at a tight tolerance and compare the skdecay
objective (see ``skdecay._objective``) of the two solutions: skdecay must be
within 1e-6 (relative) of scikit-learn's value, or below it.
"""

import numpy as np
import pytest
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from skdecay import DecayLinearRegressor, DecayLogisticClassifier, decay_objective

SOLVERS = ["fista", "gd", "cd"]
SMOOTH_SOLVERS = [*SOLVERS, "newton"]  # for problems without an L1 part
TIGHT = {
    "fista": dict(tol=1e-9, max_iter=20_000),
    "gd": dict(tol=1e-7, max_iter=200_000),
    "cd": dict(tol=1e-9, max_iter=100_000),
    "newton": dict(tol=1e-10, max_iter=100),
    "prox_newton": dict(tol=1e-10, max_iter=100),
}


def assert_objective_matches(ours, theirs, rtol=1e-6):
    assert ours <= theirs + rtol * abs(theirs), (ours, theirs, (ours - theirs) / theirs)


def regression_objective(X, y, coef, intercept, alpha, penalty, l1_ratio=0.15, sw=None):
    return decay_objective(
        X,
        y,
        coef,
        intercept,
        loss="squared",
        alpha=alpha,
        penalty=penalty,
        l1_ratio=l1_ratio,
        sample_weight=sw,
    )


def classification_objective(clf, X, y, alpha, penalty, l1_ratio=0.15, sw=None):
    y_index = np.searchsorted(clf.classes_, y)
    loss = "logistic" if len(clf.classes_) == 2 else "multinomial"
    return decay_objective(
        X,
        y_index,
        clf.coef_,
        clf.intercept_,
        loss=loss,
        alpha=alpha,
        penalty=penalty,
        l1_ratio=l1_ratio,
        sample_weight=sw,
    )


@pytest.mark.parametrize("solver", SMOOTH_SOLVERS)
@pytest.mark.parametrize("dataset", ["diabetes", "linnerud"])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge(solver, dataset, weighted, request):
    X, y = request.getfixturevalue(dataset)
    sw = np.random.RandomState(0).uniform(0.5, 2.0, len(X)) if weighted else None
    a = 1.0
    ridge = Ridge(alpha=a, solver="cholesky").fit(X, y, sample_weight=sw)
    alpha = a / (len(X) if sw is None else sw.sum())
    ours = DecayLinearRegressor(alpha=alpha, solver=solver, **TIGHT[solver])
    ours.fit(X, y, sample_weight=sw)
    assert ours.coef_.shape == ridge.coef_.shape
    f_theirs = regression_objective(
        X, y, ridge.coef_, ridge.intercept_, alpha, "l2", sw=sw
    )
    f_ours = regression_objective(X, y, ours.coef_, ours.intercept_, alpha, "l2", sw=sw)
    assert_objective_matches(f_ours, f_theirs)
    # Ridge is strongly convex: the objective pins down the coefficients too.
    scale = np.abs(ridge.coef_).max()
    np.testing.assert_allclose(ours.coef_, ridge.coef_, atol=1e-4 * scale)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    "penalty, l1_ratio, make", [("l1", 1.0, Lasso), ("elasticnet", 0.3, ElasticNet)]
)
@pytest.mark.parametrize("alpha", [0.05, 0.5])
def test_lasso_and_elastic_net(diabetes, solver, penalty, l1_ratio, make, alpha):
    X, y = diabetes
    kwargs = {} if make is Lasso else {"l1_ratio": l1_ratio}
    theirs = make(alpha=alpha, tol=1e-12, max_iter=100_000, **kwargs).fit(X, y)
    ours = DecayLinearRegressor(
        alpha=alpha, penalty=penalty, l1_ratio=l1_ratio, solver=solver, **TIGHT[solver]
    ).fit(X, y)
    f_theirs = regression_objective(
        X, y, theirs.coef_, theirs.intercept_, alpha, penalty, l1_ratio
    )
    f_ours = regression_objective(
        X, y, ours.coef_, ours.intercept_, alpha, penalty, l1_ratio
    )
    assert_objective_matches(f_ours, f_theirs)
    # The same coefficients are exactly zero.
    np.testing.assert_array_equal(ours.coef_ == 0, theirs.coef_ == 0)


# Plain gradient descent and coordinate descent need O(condition number)
# iterations: on the raw, nearly collinear breast_cancer features at C=1 that
# is beyond 100k sweeps, so they are held to the better-conditioned C=0.01.
@pytest.mark.parametrize(
    "solver, C",
    [
        ("fista", 0.01),
        ("fista", 1.0),
        ("gd", 0.01),
        ("cd", 0.01),
        ("newton", 0.01),
        ("newton", 1.0),
    ],
)
@pytest.mark.parametrize("dataset", ["breast_cancer", "wine", "iris"])
def test_logistic_l2_on_raw_features(solver, dataset, C, request):
    """Raw, badly scaled features (no StandardScaler), binary and multinomial."""
    X, y = request.getfixturevalue(dataset)
    theirs = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    theirs.fit(X, y)
    alpha = 1.0 / (C * len(X))
    ours = DecayLogisticClassifier(alpha=alpha, solver=solver, **TIGHT[solver]).fit(
        X, y
    )
    assert ours.coef_.shape == theirs.coef_.shape
    f_theirs = classification_objective(theirs, X, y, alpha, "l2")
    f_ours = classification_objective(ours, X, y, alpha, "l2")
    assert_objective_matches(f_ours, f_theirs)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize(
    "solver, dataset",
    [
        *[
            (solver, dataset)
            for solver in SOLVERS
            for dataset in ("breast_cancer", "iris")
        ],
        ("prox_newton", "breast_cancer"),
        ("prox_newton", "iris"),  # several outputs: the coupled model
    ],
)
@pytest.mark.parametrize("penalty, l1_ratio", [("l1", 1.0), ("elasticnet", 0.5)])
def test_logistic_l1_and_elastic_net(solver, dataset, penalty, l1_ratio, request):
    X, y = request.getfixturevalue(dataset)
    X = StandardScaler().fit_transform(X)  # saga needs it to converge tightly
    C = 0.5
    theirs = LogisticRegression(
        C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12, max_iter=100_000
    ).fit(X, y)
    alpha = 1.0 / (C * len(X))
    ours = DecayLogisticClassifier(
        alpha=alpha, penalty=penalty, l1_ratio=l1_ratio, solver=solver, **TIGHT[solver]
    ).fit(X, y)
    f_theirs = classification_objective(theirs, X, y, alpha, penalty, l1_ratio)
    f_ours = classification_objective(ours, X, y, alpha, penalty, l1_ratio)
    assert_objective_matches(f_ours, f_theirs)


@pytest.mark.parametrize("solver", SMOOTH_SOLVERS)
def test_logistic_with_sample_and_class_weight(wine, solver):
    """The normaliser is the sum of sample weights times class weights."""
    X, y = wine
    sw = np.random.RandomState(1).uniform(0.2, 3.0, len(X))
    class_weight = {0: 2.0, 1: 0.5, 2: 1.0}
    C = 0.1
    theirs = LogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-12, class_weight=class_weight
    ).fit(X, y, sample_weight=sw)
    total = sw * np.array([class_weight[c] for c in y])
    alpha = 1.0 / (C * total.sum())
    ours = DecayLogisticClassifier(
        alpha=alpha, class_weight=class_weight, solver=solver, **TIGHT[solver]
    ).fit(X, y, sample_weight=sw)
    f_theirs = classification_objective(theirs, X, y, alpha, "l2", sw=total)
    f_ours = classification_objective(ours, X, y, alpha, "l2", sw=total)
    assert_objective_matches(f_ours, f_theirs)
