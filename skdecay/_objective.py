r"""The objective every skdecay linear estimator minimises, written once.

.. math::

    \min_{W, b} \; \frac{1}{\sum_i s_i} \sum_i s_i \, \ell(y_i, x_i^\top W + b)
    + \alpha \Big( \rho \, \|W\|_1 + \frac{1 - \rho}{2} \|W\|_2^2 \Big)

with sample weights :math:`s_i` (times class weights for classifiers),
:math:`\rho` = ``l1_ratio`` and the loss :math:`\ell`:

* ``'squared'``: :math:`\tfrac12 \|y - z\|^2` (DecayLinearRegressor);
* ``'logistic'``: :math:`\log(1 + e^z) - y z`, :math:`y \in \{0, 1\}`;
* ``'multinomial'``: :math:`\operatorname{logsumexp}(z) - z_{y}`.

The intercept :math:`b` is never penalised. ``penalty`` selects
:math:`\rho`: ``'l2'`` is 0, ``'l1'`` is 1, ``'elasticnet'`` uses
``l1_ratio``, ``None`` sets :math:`\alpha = 0`.

How scikit-learn's estimators map onto it (:math:`S = \sum_i s_i`, which is
``n_samples`` without weights):

=====================================  ====================================
scikit-learn                            skdecay
=====================================  ====================================
``Ridge(alpha=a)``                      ``penalty='l2', alpha=a / S``
``Lasso(alpha=a)``                      ``penalty='l1', alpha=a``
``ElasticNet(alpha=a, l1_ratio=r)``     ``penalty='elasticnet'``, same
                                        ``alpha`` and ``l1_ratio``
``LogisticRegression(C=c)``             same penalty, ``alpha=1 / (c * S)``
=====================================  ====================================
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from ._core._datafits import DATAFITS
from ._core._penalties import check_penalty_weights, make_penalty
from ._typing import MatrixLike, Penalty

PENALTIES = ("l2", "l1", "elasticnet")
LOSSES = ("squared", "logistic", "multinomial")


def decay_objective(
    X: MatrixLike,
    y: ArrayLike,
    coef: ArrayLike,
    intercept: float | ArrayLike = 0.0,
    *,
    loss: Literal["squared", "logistic", "multinomial"] = "squared",
    alpha: float = 0.0001,
    penalty: Penalty = "l2",
    l1_ratio: float = 0.15,
    sample_weight: ArrayLike | None = None,
    penalty_weights: ArrayLike | None = None,
) -> float:
    """Evaluate the skdecay objective at given coefficients, in plain NumPy.

    Use it to compare a skdecay fit with another library's solution on the
    same scale (see the table in the module docstring for the mapping).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets. For ``loss='logistic'``, 0/1 labels; for ``'multinomial'``,
        class indices ``0 .. n_classes - 1``.
    coef : array-like of shape (n_features,) or (n_outputs, n_features)
        Coefficients, laid out as the estimators' ``coef_``.
    intercept : float or array-like of shape (n_outputs,), default=0.0
        Intercept(s).
    loss : {'squared', 'logistic', 'multinomial'}, default='squared'
        The data-fit term.
    alpha : float, default=0.0001
        Regularisation strength.
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        Penalty, as in the estimators.
    l1_ratio : float, default=0.15
        Elastic-net mixing, used when ``penalty='elasticnet'``.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights (times class weights, for a classifier).
    penalty_weights : array-like of shape (n_features,), default=None
        Per-feature penalty weights, as in the estimators (None: all 1).

    Returns
    -------
    objective : float
        The value of the objective.

    Raises
    ------
    ValueError
        If the shapes disagree (``X`` not 2-D, ``coef`` without
        ``n_features`` columns, ``intercept`` without one value per row of
        ``coef``, ``y`` or ``sample_weight`` without ``n_samples`` rows, ``y``
        with another number of targets than ``coef`` has rows), or if the
        labels do not fit the loss (0/1 for 'logistic', class indices
        ``0 .. n_classes - 1`` for 'multinomial').

    Examples
    --------
    >>> import numpy as np
    >>> from skdecay import decay_objective
    >>> X = np.array([[1.0], [2.0]])
    >>> y = np.array([1.0, 3.0])
    >>> decay_objective(X, y, coef=[2.0], intercept=-1.0, alpha=0.5)
    1.0
    """
    X, y, coef, intercept, sw = _check_objective_arguments(
        X, y, coef, intercept, sample_weight, loss
    )
    Z = np.asarray(X @ coef.T, dtype=np.float64)
    Z += intercept
    # The data-fit term is the solvers' own (skdecay._core._datafits): targets
    # as 2-D (n_samples, n_outputs) arrays, weights that sum to one.
    value = DATAFITS[loss].value(_datafit_targets(y, loss, Z.shape), Z, sw / sw.sum())
    # ... and the penalty is the solvers' own penalty object.
    weights = check_penalty_weights(penalty_weights, coef.shape[1])
    value += make_penalty(penalty, alpha, l1_ratio, weights).value(coef.T)
    return float(value)


def _datafit_targets(y, loss, shape):
    """``y`` as the datafits take it: one column per output of ``Z``.

    The targets for 'squared', the 0/1 labels for 'logistic', the one-hot
    encoding of the class indices for 'multinomial'.
    """
    n_samples = shape[0]
    if loss == "multinomial":
        Y = np.zeros(shape)
        Y[np.arange(n_samples), y.astype(int)] = 1.0
        return Y
    return y.reshape(n_samples, -1).astype(np.float64)


def _check_objective_arguments(X, y, coef, intercept, sample_weight, loss):
    """Arrays for :func:`decay_objective`, or a ValueError saying what was expected.

    NumPy would otherwise fail deep inside a product with a message about
    gufunc signatures, or broadcast a wrong shape into a wrong number.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}.")
    if not sp.issparse(X):
        X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D, of shape (n_samples, n_features); got shape {X.shape}."
        )
    n_samples, n_features = X.shape
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim not in (1, 2) or coef.shape[-1] != n_features:
        raise ValueError(
            f"coef must have shape (n_features,) or (n_outputs, n_features) with "
            f"n_features={n_features} (the columns of X), as the estimators' "
            f"coef_; got shape {coef.shape}."
        )
    coef = np.atleast_2d(coef)
    n_outputs = coef.shape[0]
    intercept = np.asarray(intercept, dtype=np.float64)
    if intercept.ndim > 1 or (intercept.ndim == 1 and intercept.size != n_outputs):
        raise ValueError(
            f"intercept must be a number or have shape (n_outputs,) = ({n_outputs},),"
            f" one per row of coef; got shape {intercept.shape}."
        )
    y = np.asarray(y)
    if y.ndim not in (1, 2) or y.shape[0] != n_samples:
        raise ValueError(
            f"y must have n_samples={n_samples} rows, as X; got shape {y.shape}."
        )
    if loss == "squared":
        n_targets = 1 if y.ndim == 1 else y.shape[1]
        if n_targets != n_outputs:
            raise ValueError(
                f"y has {n_targets} target(s) (shape {y.shape}) but coef has "
                f"{n_outputs} row(s) (shape {coef.shape}); the squared loss needs "
                "one row of coef per target."
            )
    else:
        if y.ndim != 1:
            raise ValueError(
                f"For loss={loss!r}, y must be 1-D, of shape (n_samples,); got "
                f"shape {y.shape}."
            )
        n_classes = 2 if loss == "logistic" else n_outputs
        if loss == "logistic" and n_outputs != 1:
            raise ValueError(
                f"loss='logistic' needs one row of coefficients, got coef of shape "
                f"{coef.shape}; use loss='multinomial' for one row per class."
            )
        valid = np.issubdtype(y.dtype, np.number) or y.dtype == bool
        if valid:
            labels = y.astype(np.float64)
            valid = bool(
                np.all((labels == np.round(labels)) & (labels >= 0))
                and np.all(labels < n_classes)
            )
        if not valid:
            expected = (
                "0/1 labels"
                if loss == "logistic"
                else f"class indices 0 .. {n_classes - 1} (one per row of coef)"
            )
            found = np.unique(y)
            raise ValueError(
                f"For loss={loss!r}, y must hold {expected}; got the values "
                f"{found[:10]}{' ...' if found.size > 10 else ''}. Encode labels "
                "with np.searchsorted(clf.classes_, y)."
            )
    if sample_weight is None:
        sw = np.ones(n_samples)
    else:
        sw = np.asarray(sample_weight, dtype=np.float64)
        if sw.shape != (n_samples,):
            raise ValueError(
                f"sample_weight must have shape (n_samples,) = ({n_samples},); got "
                f"shape {sw.shape}."
            )
    return X, y, coef, intercept, sw
