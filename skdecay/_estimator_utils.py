"""Helpers that every estimator family shares (linear, CV, networks).

A neutral module below the estimator packages, so that none of them imports
another's private helpers.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets


def encode_labels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, y_index)`` of validated 1-D class labels.

    The same as scikit-learn's ``check_classification_targets`` followed by
    ``LabelEncoder().fit_transform``, which together cost 0.2-0.3 ms a fit
    (most of a millisecond-sized fit's validation). Integer and boolean
    labels, and float labels with integral values (the ones ``type_of_target``
    calls binary or multiclass), take one ``np.unique``; any other labels
    (strings, objects, continuous values) go through scikit-learn's checks,
    and raise there as they would in any scikit-learn classifier.
    """
    kind = y.dtype.kind
    if y.ndim == 1 and (
        kind in "biu" or (kind == "f" and not np.any(y != y.astype(int)))
    ):
        return np.unique(y, return_inverse=True)
    check_classification_targets(y)
    encoder = LabelEncoder()
    y_index = encoder.fit_transform(y)
    return encoder.classes_, y_index


def class_targets(
    y_index: np.ndarray, n_classes: int, dtype, loss: str | None = None
) -> tuple[np.ndarray, str]:
    """The kernels' targets for class indices, and the loss they go with.

    Two classes give one 0/1 column, for the second class ('logistic'); more
    give one-hot columns ('multinomial'). ``loss='multinomial'`` asks for
    one-hot columns for two classes too.
    """
    if loss is None:
        loss = "logistic" if n_classes == 2 else "multinomial"
    if loss == "logistic":
        return (y_index == 1).astype(dtype).reshape(-1, 1), loss
    Y = np.zeros((y_index.shape[0], n_classes), dtype=dtype)
    Y[np.arange(y_index.shape[0]), y_index] = 1.0
    return Y, loss


def weigh_classes(sample_weight, class_weight, classes, y, y_index) -> np.ndarray:
    """``sample_weight`` times the weight of each sample's class.

    ``class_weight`` is a dict, 'balanced' (computed from ``y``) or None.
    """
    if class_weight is None:
        return sample_weight
    per_class = compute_class_weight(class_weight, classes=classes, y=y)
    return sample_weight * per_class[y_index].astype(sample_weight.dtype)


def restore_state_on_error(fit):
    """Make ``fit`` all-or-nothing.

    ``validate_data`` records ``n_features_in_`` before anything can fail, so a
    fit that raises later (bad labels, non-finite iterates) would otherwise
    leave an estimator that looks fitted. On any exception the estimator's
    attributes are put back as they were before the call.
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        state = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    return wrapper
