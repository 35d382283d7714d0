"""Helpers that every estimator family shares (linear, CV, networks).

A neutral module below the estimator packages, so that none of them imports
another's private helpers.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.utils.class_weight import compute_class_weight


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
