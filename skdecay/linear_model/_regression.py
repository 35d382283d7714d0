"""DecayLinearRegressor: least squares with weight decay, L1 or elastic net."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import RegressorMixin
from sklearn.utils.validation import validate_data

from .._estimator_utils import restore_state_on_error
from .._sklearn_compat import _check_sample_weight, _fit_context
from .._typing import MatrixLike
from ._base import _BaseDecayLinearModel


class _RegressionOutputs:
    """What the least-squares estimators share: input checks, ``coef_``, ``predict``."""

    def _fit_inputs(self, X, y, sample_weight):
        """Validated ``(X, y, Y (n_samples, n_targets), sample_weight)``."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
        )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        return X, y, y.reshape(X.shape[0], -1), sample_weight

    def _partial_fit_inputs(self, X, y, sample_weight):
        """Validated ``(X, Y, sample_weight, multi_output)`` of a chunk,
        checked against the earlier calls."""
        first_call = not hasattr(self, "coef_")
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
            reset=first_call,
        )
        multi_output = y.ndim > 1
        if not first_call and multi_output != (np.ndim(self.coef_) > 1):
            raise ValueError(
                "y has a different number of targets than in the previous calls "
                f"({'2-D' if multi_output else '1-D'} y, "
                f"coef_ of shape {np.shape(self.coef_)})."
            )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        Y = y.reshape(X.shape[0], -1)
        if not first_call and Y.shape[1] != np.atleast_2d(self.coef_).shape[0]:
            raise ValueError(
                f"y has {Y.shape[1]} targets, but the model was fitted with "
                f"{np.atleast_2d(self.coef_).shape[0]}."
            )
        return X, Y, sample_weight, multi_output

    def _set_solution(self, coef, intercept, *, multi_output: bool) -> None:
        """``coef_`` and ``intercept_`` from a solver's (n_features, n_targets)."""
        if multi_output:
            self.coef_ = np.ascontiguousarray(coef.T)
            self.intercept_ = intercept
        else:
            self.coef_ = coef[:, 0].copy()
            self.intercept_ = float(intercept[0])

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predict with the linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values.
        """
        return self._linear_predictor(X)


class DecayLinearRegressor(RegressorMixin, _RegressionOutputs, _BaseDecayLinearModel):
    r"""Linear least squares with weight decay (L2), L1 or elastic-net penalty.

    Minimises, over the coefficients :math:`w` and the intercept :math:`b`,

    .. math::

        \frac{1}{\sum_i s_i} \sum_{i} s_i \, \tfrac12 (y_i - x_i^\top w - b)^2
        + \alpha \Big( \rho \|w\|_1 + \frac{1 - \rho}{2} \|w\|_2^2 \Big)

    with sample weights :math:`s_i` and :math:`\rho` given by ``penalty`` and
    ``l1_ratio``. The intercept is never penalised. With a 2-D target each
    output is an independent problem (as in Ridge and Lasso).

    Read more in the :ref:`User Guide <objective>`.

    Parameters
    ----------
    alpha : float, default=0.0001
        Regularisation strength; must be non-negative.

    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        'l2' is weight decay (:math:`\rho = 0`), 'l1' the lasso
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
        Whether to fit an (unpenalised) intercept.

    solver : {'auto', 'gd', 'fista', 'cd', 'newton', 'prox_newton'}, default='auto'
        'gd' is proximal gradient descent (the textbook weight-decay step
        followed by the L1 soft-threshold); 'fista' is accelerated proximal
        gradient with backtracking and adaptive restart; 'cd' is working-set
        coordinate descent with Anderson extrapolation; 'newton' is inexact
        Newton with conjugate gradients (no L1 part only); 'prox_newton' is
        proximal Newton. 'auto' chooses 'newton' without an
        L1 part, 'cd' with one, and 'fista' when ``learning_rate`` is set.
        All are diagonally preconditioned, so raw features on very different
        scales converge like standardised ones.

    learning_rate : float, default=None
        Fixed step size on the preconditioned (standardised) problem. There
        the Lipschitz constant :math:`L` of the gradient is between 1 and
        ``n_features + 1``, so any step up to ``1 / (n_features + 1)`` is safe
        and steps above 1 are not. None chooses the step by backtracking
        from :math:`L = 1`. A step so
        large that the iterates overflow raises an error that says so.

    max_iter : int, default=1000
        Maximum number of iterations: steps for 'gd' and 'fista', sweeps over
        the working set for 'cd', Newton steps for 'newton' and
        'prox_newton'.

    tol : float, default=1e-4
        Relative stopping tolerance: the solver stops when the largest
        violation of the optimality conditions (in standardised units) is at
        most ``tol`` times its value at :math:`w = 0`. (SGDRegressor's
        ``tol`` bounds a decrease of the loss instead; 1e-4 is the default of
        Lasso and LogisticRegression, which this measure matches more closely.)

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
            :class:`DecaySGDRegressor`, which has it.

    power_t : float, default='deprecated'
        Decay of the deprecated :meth:`partial_fit`'s step (unused by
        ``fit``).

        .. deprecated:: 0.2
            Removed in 0.4; use :class:`DecaySGDRegressor`.

    average : bool or int, default='deprecated'
        Iterate averaging of the deprecated :meth:`partial_fit` (unused by
        ``fit``).

        .. deprecated:: 0.2
            Removed in 0.4; use :class:`DecaySGDRegressor`, which averages by
            default.

    random_state : int, RandomState instance or None, default=None
        Accepted for compatibility with SGDRegressor; every solver is
        deterministic (``partial_fit`` takes the rows in the order given) and
        none uses it.

    verbose : int, default=0
        If positive, print the progress while the solver runs (after 0.5 s,
        then every 2 s: the iteration, the objective, the time) and how it
        ended (converged, stalled or out of iterations, with the
        optimality violation). The solver then runs on a worker thread.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients; 2-D when ``y`` is 2-D.

    intercept_ : float or ndarray of shape (n_targets,)
        Intercept; 0.0 when ``fit_intercept=False``.

    n_iter_ : int
        Number of iterations of the solver; at least 1: when the start is
        already optimal (a refit at the optimum, or ``alpha`` above the value
        that zeroes every coefficient) the check that finds it so is the one
        iteration. (The deprecated :meth:`partial_fit` sets it to its number
        of passes; :class:`DecaySGDRegressor` counts passes in both ``fit``
        and ``partial_fit``.)

    loss_curve_ : ndarray of shape (`n_iter_`,)
        The objective after each iteration. (The deprecated
        :meth:`partial_fit` records one progressive objective per pass.)

    coef_history_ : ndarray of shape (`n_iter_`, n_features) or 3-D
        The coefficients after each iteration, of shape
        (`n_iter_`, n_targets, n_features) for a 2-D ``y``; only with
        ``store_coef_history=True``.

    intercept_history_ : ndarray of shape (`n_iter_`,) or (`n_iter_`, n_targets)
        The intercept after each iteration; only with
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
    sklearn.linear_model.Ridge : ``Ridge(alpha=a)`` equals ``penalty='l2'``
        with ``alpha=a / sum(sample_weight)``.
    sklearn.linear_model.Lasso : ``Lasso(alpha=a)`` equals ``penalty='l1'``
        with the same ``alpha``.
    sklearn.linear_model.ElasticNet : same ``alpha`` and ``l1_ratio``.
    DecaySGDRegressor : The same objective by stochastic steps, with
        ``partial_fit`` for streams and out-of-core data.
    DecayLogisticClassifier : The same penalties for classification.

    Notes
    -----
    ``alpha`` multiplies a penalty added to the *weighted mean* loss, as in
    SGDRegressor, Lasso and ElasticNet. Ridge adds its penalty to the
    *sum* of squares, twice the mean of the half-squares, so
    ``Ridge(alpha=a)`` is this estimator with ``alpha = a / n_samples``.

    Features are centred implicitly for the intercept (sparse input stays
    sparse) and the steps use the diagonal preconditioner
    :math:`d_j = \operatorname{Var}_s(x_j) + \alpha (1 - \rho)`.

    References
    ----------
    M. Massias, A. Gramfort and J. Salmon, "Celer: a fast solver for the
    Lasso with dual extrapolation", ICML, 2018.

    Q. Bertrand and M. Massias, "Anderson acceleration of coordinate
    descent", AISTATS, 2021.

    A. Beck and M. Teboulle, "A fast iterative shrinkage-thresholding
    algorithm for linear inverse problems", SIAM J. Imaging Sciences, 2009.

    B. O'Donoghue and E. Candes, "Adaptive restart for accelerated gradient
    schemes", Foundations of Computational Mathematics, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skdecay import DecayLinearRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(50, 3)
    >>> y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.randn(50)
    >>> reg = DecayLinearRegressor(alpha=1.0 / 50, tol=1e-8).fit(X, y)
    >>> ridge = Ridge(alpha=1.0).fit(X, y)
    >>> bool(np.allclose(reg.coef_, ridge.coef_, rtol=1e-5))
    True
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> DecayLinearRegressor:
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; CSR and CSC matrices are used without densifying.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._warn_deprecated_stream_parameters()
        X, y, Y, sample_weight = self._fit_inputs(X, y, sample_weight)
        coef_init, intercept_init = self._warm_start_init(X.shape[1], Y.shape[1])
        result = self._solve(
            X,
            Y,
            sample_weight,
            loss="squared",
            coef_init=coef_init,
            intercept_init=intercept_init,
        )
        self._end_stream()
        self._set_solution(result.coef, result.intercept, multi_output=y.ndim > 1)
        self.n_iter_ = result.n_iter
        self.loss_curve_ = result.objective_curve
        self._set_history(result, squeeze=y.ndim == 1)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def partial_fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> DecayLinearRegressor:
        """Update the model with one pass of stochastic steps over ``(X, y)``.

        .. deprecated:: 0.2
            ``partial_fit`` will be removed in 0.4: use
            :class:`DecaySGDRegressor`, which streams with the same objective
            and reaches ``fit``'s coefficients and support (iterate and
            gradient averaging with a sparse read-out). Until then this makes
            one pass as in 0.1 (``batch_size``, ``power_t``, ``average``,
            ``learning_rate`` as its first step) and sets ``n_iter_``,
            ``loss_curve_`` and ``t_`` per pass.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values; the number of targets is fixed by the first call.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        X, Y, sample_weight, multi_output = self._partial_fit_inputs(
            X, y, sample_weight
        )
        coef, intercept = self._deprecated_partial_fit(
            X, Y, sample_weight, loss="squared"
        )
        self._set_solution(coef, intercept, multi_output=multi_output)
        return self
