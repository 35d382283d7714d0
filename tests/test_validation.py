"""Bad input gets a clear error and leaves no half-fitted state."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skdecay import DecayLinearRegressor, DecayLogisticClassifier, NonFiniteIterateError

X_REG, Y_REG = make_regression(n_samples=40, n_features=5, random_state=0)
X_CLF, Y_CLF = make_classification(n_samples=40, n_features=5, random_state=0)


def _with_nan(X):
    X = X.copy()
    X[3, 2] = np.nan
    return X


def _with_inf(X):
    X = X.copy()
    X[0, 0] = np.inf
    return X


BAD_DATA = [
    ("nan", lambda X, y: (_with_nan(X), y), {}, "NaN"),
    ("inf", lambda X, y: (_with_inf(X), y), {}, "infinity"),
    ("empty", lambda X, y: (X[:0], y[:0]), {}, "0 sample"),
    ("no features", lambda X, y: (X[:, :0], y), {}, "0 feature"),
    ("mismatched", lambda X, y: (X, y[:-1]), {}, "inconsistent numbers of samples"),
    ("text", lambda X, y: (np.full(X.shape, "a", dtype=object), y), {}, "could not"),
    ("3-d", lambda X, y: (X[:, :, None], y), {}, "dim"),
    (
        "negative weight",
        lambda X, y: (X, y),
        {"sample_weight": -np.ones(40)},
        "Negative values in data passed to `sample_weight`",
    ),
    (
        "weights wrong length",
        lambda X, y: (X, y),
        {"sample_weight": np.ones(7)},
        "sample_weight.shape",
    ),
    (
        "zero weights",
        lambda X, y: (X, y),
        {"sample_weight": np.zeros(40)},
        "Sample weights must contain at least one non-zero",
    ),
]

BAD_PARAMS = [
    ({"penalty": "l3"}, "penalty"),
    ({"solver": "lbfgs"}, "solver"),
    ({"alpha": -1.0}, "alpha"),
    ({"l1_ratio": 1.5}, "l1_ratio"),
    ({"l1_ratio": -0.1}, "l1_ratio"),
    ({"max_iter": 0}, "max_iter"),
    ({"tol": -1.0}, "tol"),
    ({"learning_rate": 0.0}, "learning_rate"),
]

ESTIMATORS = [
    pytest.param(DecayLinearRegressor, X_REG, Y_REG, id="regressor"),
    pytest.param(DecayLogisticClassifier, X_CLF, Y_CLF, id="classifier"),
]


def _snapshot(est):
    return pickle.dumps(est.__dict__)


@pytest.mark.parametrize("make, X, y", ESTIMATORS)
@pytest.mark.parametrize(
    "corrupt, fit_kwargs, message",
    [b[1:] for b in BAD_DATA],
    ids=[b[0] for b in BAD_DATA],
)
def test_bad_data_raises_and_leaves_state_alone(
    make, X, y, corrupt, fit_kwargs, message
):
    X_bad, y_bad = corrupt(X, y)
    fresh = make()
    with pytest.raises(ValueError, match=message):
        fresh.fit(X_bad, y_bad, **fit_kwargs)
    with pytest.raises(NotFittedError):
        fresh.predict(X)

    fitted = make().fit(X, y)
    before = _snapshot(fitted)
    with pytest.raises(ValueError, match=message):
        fitted.fit(X_bad, y_bad, **fit_kwargs)
    assert _snapshot(fitted) == before


@pytest.mark.parametrize("make, X, y", ESTIMATORS)
@pytest.mark.parametrize("params, name", BAD_PARAMS)
def test_bad_parameters_are_named(make, X, y, params, name):
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        make(**params).fit(X, y)


def test_one_sample_regression_fits_and_one_sample_classification_explains():
    reg = DecayLinearRegressor().fit(X_REG[:1], Y_REG[:1])
    np.testing.assert_allclose(reg.predict(X_REG[:1]), Y_REG[:1])
    with pytest.raises(ValueError, match="only one class"):
        DecayLogisticClassifier().fit(X_CLF[:1], Y_CLF[:1])


def test_one_class_is_rejected():
    with pytest.raises(ValueError, match="only one class"):
        DecayLogisticClassifier().fit(X_CLF, np.zeros(40))


def test_weight_on_one_class_only_is_rejected():
    sw = (Y_CLF == 1).astype(float)
    with pytest.raises(ValueError, match="at most one class"):
        DecayLogisticClassifier().fit(X_CLF, Y_CLF, sample_weight=sw)


def test_continuous_target_is_not_a_class_label():
    with pytest.raises(ValueError, match="Unknown label type"):
        DecayLogisticClassifier().fit(X_REG, Y_REG)


@pytest.mark.parametrize("solver", ["gd", "fista"])
def test_too_large_learning_rate_raises_instead_of_returning_nan(solver):
    X = X_REG * 1e3
    fitted = DecayLinearRegressor(solver=solver).fit(X, Y_REG)
    before = _snapshot(fitted)
    bad = fitted.set_params(learning_rate=50.0, max_iter=5000)
    with pytest.raises(NonFiniteIterateError, match="learning_rate=50 is too large"):
        bad.fit(X, Y_REG)
    # The previous fit is intact: parameters changed, fitted attributes did not.
    after = pickle.loads(_snapshot(bad))
    for key, value in pickle.loads(before).items():
        if key.endswith("_"):
            np.testing.assert_array_equal(after[key], value)


@pytest.mark.parametrize("solver", ["gd", "fista"])
def test_too_large_learning_rate_on_logistic_loss_warns(solver):
    """The logistic gradient is bounded, so a huge step makes the iterates
    oscillate rather than overflow: the warning names the learning rate."""
    clf = DecayLogisticClassifier(solver=solver, learning_rate=50.0, max_iter=300)
    with pytest.warns(ConvergenceWarning, match="learning_rate=50 may be too large"):
        clf.fit(X_CLF, Y_CLF)
    assert np.all(np.isfinite(clf.coef_))


@pytest.mark.parametrize("make, X, y", ESTIMATORS)
def test_safe_learning_rate_converges(make, X, y):
    step = 1.0 / (X.shape[1] + 1)
    est = make(alpha=0.01, solver="gd", learning_rate=step, tol=1e-8, max_iter=20_000)
    est.fit(X, y)
    reference = make(alpha=0.01, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("make, X, y", ESTIMATORS)
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_newton_refuses_an_l1_part_and_keeps_the_previous_fit(make, X, y, penalty):
    fitted = make(solver="newton").fit(X, y)
    before = _snapshot(fitted)
    with pytest.raises(ValueError, match="solver='newton' needs a smooth objective"):
        fitted.set_params(penalty=penalty).fit(X, y)
    after = pickle.loads(_snapshot(fitted))
    for key, value in pickle.loads(before).items():
        if key.endswith("_"):
            np.testing.assert_array_equal(after[key], value)
