"""DecayLogisticClassifier: binary and multinomial logistic regression."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, log_softmax, softmax
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._estimator_utils import (
    class_targets,
    encode_labels,
    restore_state_on_error,
    weigh_classes,
)
from .._sklearn_compat import (
    StrOptions,
    _check_partial_fit_first_call,
    _check_sample_weight,
    _fit_context,
)
from .._typing import MatrixLike, Penalty, RandomState, Solver
from ._base import _BaseDecayLinearModel


class _ClassificationOutputs:
    """What the logistic estimators share: input checks, ``coef_``, predictions."""

    def _fit_inputs(self, X, y, sample_weight):
        """Validated ``(X, Y, sample_weight, loss, classes)``: the kernels'
        targets for the classes of ``y``, class weights applied."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
        )
        classes, y_index = encode_labels(y)
        n_classes = len(classes)
        if n_classes < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {classes[0]!r}."
            )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        sample_weight = weigh_classes(
            sample_weight, self.class_weight, classes, y, y_index
        )
        class_totals = np.bincount(y_index, weights=sample_weight, minlength=n_classes)
        if np.count_nonzero(class_totals > 0) < 2:
            raise ValueError(
                "sample_weight (times class_weight) is positive for samples of at "
                "most one class; the intercept of every other class would diverge. "
                "Give positive weight to samples of at least 2 classes."
            )

        Y, loss = class_targets(y_index, n_classes, X.dtype)
        return X, Y, sample_weight, loss, classes

    def _partial_fit_inputs(self, X, y, classes, sample_weight):
        """Validated ``(X, Y, sample_weight, loss)`` of a chunk; ``classes``
        on the first call sets ``classes_``, later labels are checked."""
        first_call = _check_partial_fit_first_call(self, classes)
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs the class counts of the whole "
                "stream, which partial_fit does not see; pass a dict of class "
                "weights computed beforehand (compute_class_weight)."
            )
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            reset=first_call or not hasattr(self, "n_features_in_"),
        )
        check_classification_targets(y)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in "
                f"classes {self.classes_.tolist()} (given on the first call)."
            )
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                f"classes must hold at least 2 classes, got {self.classes_.tolist()}."
            )
        y_index = np.searchsorted(self.classes_, y)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        sample_weight = weigh_classes(
            sample_weight, self.class_weight, self.classes_, y, y_index
        )
        Y, loss = class_targets(y_index, n_classes, X.dtype)
        return X, Y, sample_weight, loss

    def _set_solution(self, coef, intercept) -> None:
        """``coef_`` and ``intercept_`` from a solver's (n_features, n_outputs)."""
        self.coef_ = np.ascontiguousarray(coef.T)
        self.intercept_ = intercept

    def decision_function(self, X: MatrixLike) -> np.ndarray:
        """Linear predictor ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the score of ``classes_[1]``; otherwise one
            column per class.
        """
        scores = self._linear_predictor(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, taken from ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def predict_proba(self, X: MatrixLike) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            positive = expit(scores)
            return np.column_stack([1.0 - positive, positive])
        return softmax(scores, axis=1)

    def predict_log_proba(self, X: MatrixLike) -> np.ndarray:
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, in the order of ``classes_``.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([np.zeros_like(scores), scores])
        return log_softmax(scores, axis=1)


class DecayLogisticClassifier(
    ClassifierMixin, _ClassificationOutputs, _BaseDecayLinearModel
):
    r"""Logistic regression with weight decay (L2), L1 or elastic-net penalty.

    Minimises, over the coefficients :math:`W` and intercepts :math:`b`,

    .. math::

        \frac{1}{\sum_i s_i} \sum_{i} s_i \, \ell(y_i, W x_i + b)
        + \alpha \Big( \rho \|W\|_1 + \frac{1 - \rho}{2} \|W\|_2^2 \Big)

    where :math:`\ell` is the binary log-loss for two classes and the
    multinomial cross-entropy (one row of :math:`W` per class, the symmetric
    parametrisation of LogisticRegression) for more; :math:`s_i` is the
    sample weight times the class weight of :math:`y_i`. The intercepts are
    never penalised.

    Read more in the :ref:`User Guide <objective>`.

    Parameters
    ----------
    alpha : float, default=0.0001
        Regularisation strength; must be non-negative.

    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        'l2' is weight decay (:math:`\rho = 0`), 'l1' the lasso penalty
        (:math:`\rho = 1`), 'elasticnet' mixes them with ``l1_ratio``;
        None fits without penalty.

    l1_ratio : float, default=0.15
        The mixing :math:`\rho \in [0, 1]`, used only when
        ``penalty='elasticnet'``.

    penalty_weights : array-like of shape (n_features,), default=None
        A non-negative weight per feature that multiplies its penalty
        (glmnet's ``penalty.factor``): the penalty is
        :math:`\alpha \sum_j w_j (\rho |w_{(j)}|_1 + (1 - \rho) / 2 \|w_{(j)}\|^2)`.
        0 leaves a feature unpenalised (e.g. a treatment indicator that must
        stay in the model); None weighs every feature 1. Under L1 a weight
        :math:`w_j > 0` is the same as dividing column ``j`` by :math:`w_j`
        (and the coefficient back). The weights are used as given, not
        rescaled.

    fit_intercept : bool, default=True
        Whether to fit (unpenalised) intercepts.

    solver : {'auto', 'gd', 'fista', 'cd', 'newton', 'prox_newton'}, default='auto'
        'gd' is proximal gradient descent (the textbook weight-decay step
        followed by the L1 soft-threshold); 'fista' is accelerated proximal
        gradient with backtracking and adaptive restart; 'cd' is working-set
        coordinate descent with Anderson extrapolation; 'newton' is inexact
        Newton with conjugate gradients (no L1 part only); 'prox_newton' is
        proximal Newton, coordinate descent on a quadratic model of the loss
        (with more classes, on the classes' whole curvature). 'auto' chooses
        'newton' without an L1 part, 'prox_newton' with one, and 'fista'
        when ``learning_rate`` is set. All are diagonally preconditioned.

    learning_rate : float, default=None
        Fixed step size on the preconditioned (standardised) problem, where
        any step up to ``1 / (n_features + 1)`` is safe (larger ones may work
        where predictions are confident); None chooses it by backtracking.
        A step so large that the iterates overflow raises an error that says
        so; one that makes them oscillate is named in the ConvergenceWarning.

    max_iter : int, default=1000
        Maximum number of iterations: steps for 'gd' and 'fista', sweeps over
        the working set for 'cd', Newton steps for 'newton' and
        'prox_newton'.

    tol : float, default=1e-4
        Relative stopping tolerance on the largest violation of the
        optimality conditions (in standardised units), compared with its value
        at :math:`W = 0`.

    class_weight : dict, 'balanced' or None, default=None
        Weights ``{class_label: weight}`` multiplied into the sample weights;
        'balanced' uses ``n_samples / (n_classes * np.bincount(y))``.

    warm_start : bool, default=False
        Start from the previous solution when refitting.

    store_coef_history : bool, default=False
        Record the coefficients and intercept after every iteration in
        ``coef_history_`` and ``intercept_history_``, to see how each weight
        evolves under a given decay (most telling with ``solver='gd'``, the
        textbook weight-decay step). Costs ``max_iter`` copies of ``coef_``
        in memory during the fit.

    batch_size : int, default='deprecated'
        Rows per stochastic step of the deprecated :meth:`partial_fit`
        (unused by ``fit``).

        .. deprecated:: 0.2
            Removed in 0.4 with :meth:`partial_fit`; use
            :class:`DecaySGDClassifier`, which has it.

    power_t : float, default='deprecated'
        Decay of the deprecated :meth:`partial_fit`'s step (unused by
        ``fit``).

        .. deprecated:: 0.2
            Removed in 0.4; use :class:`DecaySGDClassifier`.

    average : bool or int, default='deprecated'
        Iterate averaging of the deprecated :meth:`partial_fit` (unused by
        ``fit``).

        .. deprecated:: 0.2
            Removed in 0.4; use :class:`DecaySGDClassifier`, which averages by
            default.

    random_state : int, RandomState instance or None, default=None
        Accepted for compatibility with SGDClassifier; every solver is
        deterministic (``partial_fit`` takes the rows in the order given) and
        none uses it.

    verbose : int, default=0
        If positive, print the progress while the solver runs (after 0.5 s,
        then every 2 s: the iteration, the objective, the time) and how it
        ended (converged, stalled or out of iterations, with the
        optimality violation). The solver then runs on a worker thread.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients; one row for two classes (for ``classes_[1]``), one row
        per class otherwise, as in LogisticRegression.

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts; zeros when ``fit_intercept=False``.

    n_iter_ : int
        Number of iterations of the solver; at least 1: when the start is
        already optimal (a refit at the optimum, or ``alpha`` above the value
        that zeroes every coefficient) the check that finds it so is the one
        iteration. (The deprecated :meth:`partial_fit` sets it to its number
        of passes; :class:`DecaySGDClassifier` counts passes in both ``fit``
        and ``partial_fit``.)

    loss_curve_ : ndarray of shape (`n_iter_`,)
        The objective after each iteration. (The deprecated
        :meth:`partial_fit` records one progressive objective per pass.)

    coef_history_ : ndarray of shape (`n_iter_`, 1 or n_classes, n_features)
        The coefficients after each iteration, laid out as ``coef_``; only
        with ``store_coef_history=True``.

    intercept_history_ : ndarray of shape (`n_iter_`, 1 or n_classes)
        The intercepts after each iteration; only with
        ``store_coef_history=True``.

    t_ : float
        After the deprecated :meth:`partial_fit`: the number of samples seen
        plus one; ``fit`` removes it.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : ``C=c`` equals
        ``alpha=1 / (c * sum(sample_weight))`` with the same penalty.
    DecaySGDClassifier : The same objective by stochastic steps, with
        ``partial_fit`` for streams and out-of-core data.
    DecayLinearRegressor : The same penalties for regression.

    Notes
    -----
    LogisticRegression minimises ``C * sum_i s_i loss_i + penalty``; dividing by
    ``C * sum_i s_i`` gives the objective above with
    ``alpha = 1 / (C * sum_i s_i)``, that is ``1 / (C * n_samples)`` without
    weights.

    References
    ----------
    J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for
    generalized linear models via coordinate descent", Journal of
    Statistical Software, 2010.

    P. Tseng and S. Yun, "A coordinate gradient descent method for nonsmooth
    separable minimization", Mathematical Programming, 2009.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdecay import DecayLogisticClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DecayLogisticClassifier(alpha=1e-3).fit(X, y)
    >>> clf.coef_.shape
    (3, 4)
    >>> clf.predict(X[[0, 75, 149]])
    array([0, 1, 2])
    >>> round(clf.score(X, y), 2)
    0.99
    """

    _sgd_estimator = "DecaySGDClassifier"

    _parameter_constraints: dict = {
        **_BaseDecayLinearModel._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        alpha: float = 0.0001,
        penalty: Penalty = "l2",
        l1_ratio: float = 0.15,
        penalty_weights: ArrayLike | None = None,
        fit_intercept: bool = True,
        solver: Solver = "auto",
        learning_rate: float | None = None,
        max_iter: int = 1000,
        tol: float = 1e-4,
        class_weight: dict | Literal["balanced"] | None = None,
        warm_start: bool = False,
        store_coef_history: bool = False,
        batch_size: int | str = "deprecated",
        power_t: float | str = "deprecated",
        average: bool | int | str = "deprecated",
        random_state: RandomState = None,
        verbose: int = 0,
    ) -> None:
        super().__init__(
            alpha=alpha,
            penalty=penalty,
            l1_ratio=l1_ratio,
            penalty_weights=penalty_weights,
            fit_intercept=fit_intercept,
            solver=solver,
            learning_rate=learning_rate,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            store_coef_history=store_coef_history,
            batch_size=batch_size,
            power_t=power_t,
            average=average,
            random_state=random_state,
            verbose=verbose,
        )
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> DecayLogisticClassifier:
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; CSR and CSC matrices are used without densifying.

        y : array-like of shape (n_samples,)
            Class labels (any type that NumPy can sort, strings included).

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._warn_deprecated_stream_parameters()
        X, Y, sample_weight, loss, classes = self._fit_inputs(X, y, sample_weight)
        n_outputs = Y.shape[1]
        coef_init, intercept_init = None, None
        if hasattr(self, "classes_") and np.array_equal(self.classes_, classes):
            coef_init, intercept_init = self._warm_start_init(X.shape[1], n_outputs)

        result = self._solve(
            X,
            Y,
            sample_weight,
            loss=loss,
            coef_init=coef_init,
            intercept_init=intercept_init,
        )
        self._end_stream()
        self.classes_ = classes
        self._set_solution(result.coef, result.intercept)
        self.n_iter_ = result.n_iter
        self.loss_curve_ = result.objective_curve
        self._set_history(result, squeeze=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def partial_fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> DecayLogisticClassifier:
        """Update the model with one pass of stochastic steps over ``(X, y)``.

        .. deprecated:: 0.2
            ``partial_fit`` will be removed in 0.4: use
            :class:`DecaySGDClassifier`, which streams with the same objective
            and reaches ``fit``'s coefficients and support (iterate and
            gradient averaging with a sparse read-out). Until then this makes
            one pass as in 0.1 (``batch_size``, ``power_t``, ``average``,
            ``learning_rate`` as its first step) and sets ``n_iter_``,
            ``loss_curve_`` and ``t_`` per pass.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.

        y : array-like of shape (n_samples,)
            Class labels, all within ``classes``.

        classes : array-like of shape (n_classes,), default=None
            Every class of the whole stream; required on the first call.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        X, Y, sample_weight, loss = self._partial_fit_inputs(
            X, y, classes, sample_weight
        )
        coef, intercept = self._deprecated_partial_fit(X, Y, sample_weight, loss=loss)
        self._set_solution(coef, intercept)
        return self
