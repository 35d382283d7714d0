"""Losses of confidently fitted rows, and Newton's steps next to a solution.

On a row whose class has by far the largest score, the log-loss is tiny
(``log1p(exp(-margin))``) while ``logsumexp(z) - z_y`` subtracts two large
equal numbers: the difference is rounding, at ``eps |z|``. With extreme
class weights those rows carry the objective, and Newton's line search,
comparing such values, saw no descent next to the solution and stalled.
The datafits compute these losses without the cancellation.
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning

from skdecay import DecayLogisticClassifier
from skdecay._core._datafits import DATAFITS


def _logistic_rows():
    z = np.array([40.0, -35.0, 20.0, -3.0, 0.5])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    exact = [
        math.log1p(math.exp(-abs(zi))) + (max(zi, 0.0) - yi * zi)
        for zi, yi in zip(z, y, strict=True)
    ]
    return y[:, None], z[:, None], np.array(exact)


def _multinomial_rows():
    Z = np.array([[30.0, 0.0, -5.0], [-2.0, 25.0, 24.0], [1.0, 2.0, 3.0]])
    labels = np.array([0, 1, 0])
    Y = np.eye(3)[labels]
    exact = []
    for z, k in zip(Z, labels, strict=True):
        top = z.max()
        others = sum(math.exp(v - top) for j, v in enumerate(z) if j != z.argmax())
        exact.append((top - z[k]) + math.log1p(others))
    return Y, Z, np.array(exact)


@pytest.mark.parametrize(
    "name, rows", [("logistic", _logistic_rows), ("multinomial", _multinomial_rows)]
)
def test_loss_of_confident_rows_is_exact(name, rows):
    Y, Z, exact = rows()
    datafit = DATAFITS[name]
    for i in range(len(exact)):
        weights = np.zeros(len(exact))
        weights[i] = 1.0
        value = datafit.value(Y, Z, weights)
        from_gradient, _ = datafit.gradient(Y, Z, weights)
        # e.g. log1p(exp(-40)) = 4.2e-18, where 40 + 4.2e-18 - 40 is 0.
        assert value == pytest.approx(exact[i], rel=1e-12, abs=0.0)
        assert from_gradient == pytest.approx(exact[i], rel=1e-12, abs=0.0)


def _extreme_blobs():
    # scikit-learn's check_class_weight_classifiers: noisy blobs, class 0
    # weighted 1000, the others 1e-4.
    X, y = make_blobs(centers=3, random_state=0, cluster_std=20)
    return X, y, {0: 1000, 1: 1e-4, 2: 1e-4}


def test_newton_converges_with_extreme_class_weights():
    # Newton stalled after 13 steps (a ConvergenceWarning) where it now
    # converges in 4.
    X, y, weights = _extreme_blobs()
    clf = DecayLogisticClassifier(alpha=1.0, class_weight=weights, solver="newton")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ <= 6


@pytest.mark.parametrize("shift", [1e-5, 1e-3])
def test_newton_converges_from_next_to_the_solution(shift):
    # A warm start next to the solution (the refit of a CV starts from the
    # folds' mean) converges as the cold fit does instead of stalling on the
    # rounding of the objective.
    X, y, weights = _extreme_blobs()
    kw = dict(alpha=1e3, class_weight=weights, solver="newton")
    cold = DecayLogisticClassifier(**kw).fit(X, y)
    warm = DecayLogisticClassifier(warm_start=True, **kw)
    warm.classes_ = cold.classes_
    start = cold.intercept_ + shift * np.array([-1.0, 3.0, -2.0])
    warm._set_solution(cold.coef_.T * (1.0 + shift), start)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warm.fit(X, y)
    np.testing.assert_allclose(warm.intercept_, cold.intercept_, rtol=1e-5)
