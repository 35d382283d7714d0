"""A diverging network stops with NonFiniteIterateError, never quietly.

Both estimators, both solvers, ``fit``, warm-started ``fit`` and
``partial_fit``: a learning rate far too large raises, with advice, and the
estimator keeps the state it had before the call.
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification, make_regression

from skdecay import DecayMLPClassifier, DecayMLPRegressor, NonFiniteIterateError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(kind):
    if kind == "regressor":
        X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
        return DecayMLPRegressor, X, y
    X, y = make_classification(
        n_samples=200, n_features=5, n_informative=3, n_classes=3, random_state=0
    )
    return DecayMLPClassifier, X, y


def _snapshot(est):
    return [a.copy() for a in est.coefs_ + est.intercepts_], est.loss_curve_.copy()


def _assert_unchanged(est, snapshot):
    params, curve = snapshot
    for a, b in zip(est.coefs_ + est.intercepts_, params, strict=True):
        assert_array_equal(a, b)
    assert_array_equal(est.loss_curve_, curve)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_diverging_fit_raises(kind, solver):
    cls, X, y = _data(kind)
    common = dict(hidden_layer_sizes=(8,), solver=solver, random_state=0)
    est = cls(learning_rate_init=1e6, max_iter=20, **common)
    with pytest.raises(NonFiniteIterateError, match="Lower learning_rate_init"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")
    assert not hasattr(est, "n_features_in_")

    # A warm start from a good fit keeps that fit when it diverges.
    est.set_params(learning_rate_init=1e-3, max_iter=3).fit(X, y)
    snapshot = _snapshot(est)
    est.set_params(learning_rate_init=1e6, max_iter=20, warm_start=True)
    with pytest.raises(NonFiniteIterateError, match="learning_rate_init"):
        est.fit(X, y)
    _assert_unchanged(est, snapshot)
    # ... and the estimator still trains at a sane rate.
    est.set_params(learning_rate_init=1e-3, max_iter=2).fit(X, y)
    assert est.loss_curve_.shape == (5,)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_diverging_partial_fit_raises_and_keeps_the_state(kind, solver):
    """Each call is one epoch (here one mini-batch of 50 rows per call):
    divergence is caught within a few calls, against the loss scale of the
    first call, and the failing call leaves the previous state."""
    cls, X, y = _data(kind)
    est = cls(hidden_layer_sizes=(8,), solver=solver, batch_size=50, random_state=0)
    extra = {"classes": np.unique(y)} if kind == "classifier" else {}
    est.partial_fit(X[:50], y[:50], **extra)
    est.set_params(learning_rate_init=1e6)
    for call in range(1, 6):
        snapshot = _snapshot(est)
        optimizer_step = est._optimizer.epoch
        rows = slice(50 * (call % 4), 50 * (call % 4) + 50)
        try:
            est.partial_fit(X[rows], y[rows])
        except NonFiniteIterateError as error:
            assert "learning_rate_init" in str(error)
            break
    else:
        pytest.fail("partial_fit did not detect the divergence in 5 calls")
    _assert_unchanged(est, snapshot)
    assert est._optimizer.epoch == optimizer_step


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_unscaled_input_is_not_divergence(kind):
    """A large loss from the start (unscaled features) is not divergence:
    the bound is relative to the initial network's loss."""
    cls, X, y = _data(kind)
    est = cls(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    est.fit(X * 1e3, y)
    assert np.all(np.isfinite(est.loss_curve_))
