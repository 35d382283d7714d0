"""A training fold with a single class is an error that names the fold."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold

from skdecay import DecayLogisticClassifier, DecayLogisticClassifierCV


def data():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    # Unshuffled 4-fold: the fourth training fold is samples 0-29, class 0 only.
    y = np.array([0] * 30 + [1] * 10)
    return X, y


def test_single_class_training_fold_raises_and_names_the_fold():
    X, y = data()
    cv = DecayLogisticClassifierCV(alphas=3, cv=KFold(4))
    with pytest.raises(ValueError, match=r"Training fold 4 of 4 .*only one class: 0"):
        cv.fit(X, y)
    assert not hasattr(cv, "cv_results_")  # nothing half fitted
    # GridSearchCV reports the same fit as failing, with the estimator's error.
    grid = GridSearchCV(DecayLogisticClassifier(), {"alpha": [0.1]}, cv=KFold(4),
                        error_score="raise")  # fmt: skip
    with pytest.raises(ValueError, match="only one class"):
        grid.fit(X, y)


def test_zero_weights_leaving_one_class_in_a_fold_raise_too():
    X, y = data()
    y = np.array([0, 1] * 20)
    # Class 1 weighted zero outside samples 0-9: the first training fold
    # (samples 10-39) gives positive weight to class 0 only.
    weights = np.ones(40)
    weights[10:][y[10:] == 1] = 0.0
    cv = DecayLogisticClassifierCV(alphas=3, cv=KFold(4))
    with pytest.raises(ValueError, match=r"Training fold 1 of 4 .*positive weight"):
        cv.fit(X, y, sample_weight=weights)


def test_stratified_folds_with_two_classes_each_fit():
    X, y = data()
    cv = DecayLogisticClassifierCV(alphas=3, cv=4).fit(X, y)
    assert np.all(np.isfinite(cv.cv_results_["mean_test_score"]))
