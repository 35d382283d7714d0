"""Score every solution of a path at once, for the common scorers.

A CV estimator scores each alpha's solution on the validation fold. Through
a scorer that is one ``predict`` and one metric call per alpha, each
validating its inputs again (scikit-learn's ``log_loss`` re-encodes the
labels at every call: 3-4 ms on 4000 rows, more than a Newton step). For the
scorers named here the linear predictors of every alpha come from one
product with the validation rows and the metric is evaluated on all of them
together, as the scorer would evaluate it:

* regression: ``r2`` (the regressor's ``score``, used for ``scoring=None``),
  ``neg_mean_squared_error``, ``neg_root_mean_squared_error`` and
  ``neg_mean_absolute_error``, by scikit-learn's own metric with
  ``multioutput='raw_values'`` over the predictions' columns (its
  'uniform_average' over outputs is their mean);
* classification: ``accuracy`` (the classifier's ``score``) and
  ``neg_log_loss``, written here as scikit-learn's ``accuracy_score`` and
  ``log_loss`` compute them (the predicted label of ``predict``; the
  probability of ``predict_proba`` clipped to ``[eps, 1 - eps]`` of its
  dtype, then a weighted mean). ``tests/test_cv.py`` checks both against
  GridSearchCV's scores.

Any other scorer is called once per alpha.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import expit, softmax
from sklearn.metrics import (
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)
from sklearn.utils.extmath import safe_sparse_dot

#: A path metric: ``(y, scores, sample_weight, classes) -> values`` with
#: ``scores`` the linear predictors of shape (n_samples, n_alphas,
#: n_outputs); one value per alpha, on the scorer's scale (greater is
#: better).
PathMetric = Callable[..., np.ndarray]


def _regression(metric, sign: float) -> PathMetric:
    def score(y, scores, sample_weight, classes):
        n_samples, n_alphas, n_outputs = scores.shape
        Y = np.asarray(y).reshape(n_samples, -1)
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}
        values = metric(
            np.tile(Y, (1, n_alphas)),
            scores.reshape(n_samples, n_alphas * n_outputs),
            multioutput="raw_values",
            **weights,
        )
        return sign * np.asarray(values).reshape(n_alphas, n_outputs).mean(axis=1)

    return score


def _accuracy(y, scores, sample_weight, classes):
    """``accuracy_score(y, predict(X))`` for every alpha."""
    if scores.shape[2] == 1:
        predicted = classes[(scores[:, :, 0] > 0).astype(int)]
    else:
        predicted = classes[np.argmax(scores, axis=2)]
    correct = predicted == np.asarray(y)[:, None]
    return np.average(correct, axis=0, weights=sample_weight)


def _neg_log_loss(y, scores, sample_weight, classes):
    """``-log_loss(y, predict_proba(X))`` for every alpha."""
    index = np.searchsorted(classes, np.asarray(y))
    if scores.shape[2] == 1:
        positive = expit(scores[:, :, 0])
        proba = np.where(index[:, None] == 1, positive, 1.0 - positive)
    else:
        proba = softmax(scores, axis=2)
        proba = np.take_along_axis(proba, index[:, None, None], axis=2)[:, :, 0]
    eps = np.finfo(proba.dtype).eps
    loss = -np.log(np.clip(proba, eps, 1 - eps))
    return -np.average(loss, axis=0, weights=sample_weight)


#: Regression scorers by name; ``scoring=None`` is ``r2``.
REGRESSION_PATH_METRICS: dict[str, PathMetric] = {
    "r2": _regression(r2_score, 1.0),
    "neg_mean_squared_error": _regression(mean_squared_error, -1.0),
    "neg_root_mean_squared_error": _regression(root_mean_squared_error, -1.0),
    "neg_mean_absolute_error": _regression(mean_absolute_error, -1.0),
}

#: Classification scorers by name; ``scoring=None`` is ``accuracy``.
#: ``neg_log_loss`` needs every class in the validation fold (else the
#: scorer, which raises there, is called).
CLASSIFICATION_PATH_METRICS: dict[str, PathMetric] = {
    "accuracy": _accuracy,
    "neg_log_loss": _neg_log_loss,
}

#: Largest number of linear predictors (rows x outputs x alphas) that
#: :func:`path_scores` holds at once (32 MB in float64).
PATH_SCORES_MAX_ENTRIES = 1 << 22


def path_metric(scoring, classifier: bool) -> PathMetric | None:
    """The path metric of ``scoring`` (a name or None), or None when the
    scorer must be called per alpha."""
    if not (scoring is None or isinstance(scoring, str)):
        return None
    if classifier:
        return CLASSIFICATION_PATH_METRICS.get(scoring or "accuracy")
    return REGRESSION_PATH_METRICS.get(scoring or "r2")


def path_scores(
    metric: PathMetric, results, X, y, sample_weight=None, classes=None
) -> np.ndarray | None:
    """Every path solution's score on ``(X, y)``; None if ``metric`` does
    not apply to these rows (a class missing from them for the log loss)."""
    if metric is _neg_log_loss and len(np.unique(y)) != len(classes):
        return None
    n_outputs = results[0].coef.shape[1]
    scores = np.empty(len(results))
    chunk = max(PATH_SCORES_MAX_ENTRIES // max(X.shape[0] * n_outputs, 1), 1)
    for first in range(0, len(results), chunk):
        part = results[first : first + chunk]
        coefs = np.concatenate([r.coef for r in part], axis=1)  # (p, alphas * k)
        intercepts = np.concatenate([r.intercept for r in part])
        linear = safe_sparse_dot(X, coefs, dense_output=True) + intercepts
        linear = linear.reshape(X.shape[0], len(part), n_outputs)
        scores[first : first + len(part)] = metric(y, linear, sample_weight, classes)
    return scores
