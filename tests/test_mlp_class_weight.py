"""class_weight of DecayMLPClassifier is the matching sample_weight."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.utils.class_weight import compute_sample_weight

from skdecay import DecayMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

COMMON = dict(hidden_layer_sizes=(6,), max_iter=15, random_state=0)


@pytest.fixture(scope="module")
def iris_labels():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    return X, names


def _assert_same_fit(a, b):
    for W, V in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        assert_array_equal(W, V)
    assert_array_equal(a.loss_curve_, b.loss_curve_)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize(
    "class_weight",
    [{"setosa": 1.0, "versicolor": 4.0, "virginica": 0.25}, "balanced"],
)
def test_class_weight_is_sample_weight(iris_labels, class_weight, solver):
    X, y = iris_labels
    keep = np.r_[0:50, 50:70, 100:150]  # unbalanced, so 'balanced' matters
    X, y = X[keep], y[keep]
    weighted = DecayMLPClassifier(class_weight=class_weight, solver=solver, **COMMON)
    weighted.fit(X, y)
    expanded = compute_sample_weight(class_weight, y)
    plain = DecayMLPClassifier(solver=solver, **COMMON).fit(
        X, y, sample_weight=expanded
    )
    _assert_same_fit(weighted, plain)
    # With sample weights of its own, the two multiply.
    sw = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    weighted.fit(X, y, sample_weight=sw)
    plain.fit(X, y, sample_weight=sw * expanded)
    _assert_same_fit(weighted, plain)
    unweighted = DecayMLPClassifier(solver=solver, **COMMON).fit(X, y)
    assert not np.array_equal(unweighted.coefs_[0], weighted.coefs_[0])


def test_class_weight_with_early_stopping_and_partial_fit(iris_labels):
    X, y = iris_labels
    class_weight = {"setosa": 2.0, "versicolor": 1.0, "virginica": 0.5}
    expanded = compute_sample_weight(class_weight, y)
    params = dict(COMMON, early_stopping=True, n_iter_no_change=3)
    a = DecayMLPClassifier(class_weight=class_weight, **params).fit(X, y)
    b = DecayMLPClassifier(**params).fit(X, y, sample_weight=expanded)
    _assert_same_fit(a, b)
    assert_array_equal(a.validation_scores_, b.validation_scores_)

    classes = np.unique(y)
    a = DecayMLPClassifier(class_weight=class_weight, **COMMON)
    b = DecayMLPClassifier(**COMMON)
    for _ in range(3):
        a.partial_fit(X, y, classes=classes)
        b.partial_fit(X, y, sample_weight=expanded, classes=classes)
    _assert_same_fit(a, b)


def test_class_weight_rejected_where_it_has_no_meaning(iris_labels):
    X, y = iris_labels
    est = DecayMLPClassifier(class_weight="balanced", **COMMON)
    with pytest.raises(ValueError, match="partial_fit"):
        est.partial_fit(X, y, classes=np.unique(y))
    assert not hasattr(est, "coefs_")
    X, Y = make_multilabel_classification(n_samples=40, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="multi-label"):
        DecayMLPClassifier(class_weight={0: 1.0}, **COMMON).fit(X, Y)
    with pytest.raises(ValueError):
        DecayMLPClassifier(class_weight="uniform", **COMMON).fit(X, Y)
