"""DecaySGDRegressor and DecaySGDClassifier: the objective by stochastic steps.

scikit-learn separates Ridge and LogisticRegression (batch solvers) from
SGDRegressor and SGDClassifier (stochastic steps, ``partial_fit``); skdecay
does the same, so that every parameter is read by the method that owns it
and every fitted attribute has one meaning. Both families minimise the same
objective; :mod:`skdecay._core._stochastic` is the engine.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from .._core._stochastic import fit_variance_reduced
from .._estimator_utils import restore_state_on_error
from .._sklearn_compat import Interval, StrOptions, _fit_context
from .._typing import MatrixLike, Penalty, RandomState
from .._warnings import warn_user
from ._base import _BaseDecayLinearModel
from ._logistic import _ClassificationOutputs
from ._regression import _RegressionOutputs


class _BaseDecaySGD(_BaseDecayLinearModel):
    """Parameters, ``fit`` (prox-SVRG) and ``partial_fit`` (stream) shared by
    the SGD estimators."""

    _stream_continues_fit = True

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "penalty_weights": ["array-like", None],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "shuffle": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "eta0": [Interval(Real, 0, None, closed="neither"), None],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "average": ["boolean"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        alpha: float = 0.0001,
        penalty: Penalty = "l2",
        l1_ratio: float = 0.15,
        penalty_weights: ArrayLike | None = None,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        shuffle: bool = True,
        batch_size: int = 1,
        eta0: float | None = None,
        power_t: float = 0.5,
        average: bool = True,
        warm_start: bool = False,
        random_state: RandomState = None,
    ) -> None:
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.batch_size = batch_size
        self.eta0 = eta0
        self.power_t = power_t
        self.average = average
        self.warm_start = warm_start
        self.random_state = random_state

    def _fit_passes(self, X, Y, sample_weight, *, loss, coef_init, intercept_init):
        """prox-SVRG passes; sets ``n_iter_``, ``loss_curve_`` and ``t_``."""
        rng = check_random_state(self.random_state) if self.shuffle else None
        result = fit_variance_reduced(
            X, Y, sample_weight, loss=loss, penalty=self._penalty(X.shape[1]),
            fit_intercept=self.fit_intercept, batch_size=self.batch_size,
            learning_rate=self.eta0, max_iter=self.max_iter, tol=self.tol, rng=rng,
            coef_init=coef_init, intercept_init=intercept_init,
        )  # fmt: skip
        if not result.converged:
            warn_user(
                f"{type(self).__name__} did not converge in max_iter="
                f"{self.max_iter} passes: the optimality violation is "
                f"{result.violation:.2g} of its value at zero coefficients, above "
                f"tol={self.tol:g}. Increase max_iter or loosen tol.",
                ConvergenceWarning,
            )
        self._end_stream()
        self._fit_anchor = result.anchor  # a partial_fit continues from it
        self.n_iter_ = result.n_iter
        self.loss_curve_ = result.loss_curve
        self.t_ = float(result.n_iter * X.shape[0] + 1)
        return result.coef.astype(X.dtype), result.intercept.astype(X.dtype)

    def _partial_pass(self, X, Y, sample_weight, *, loss):
        return self._stream_pass(
            X, Y, sample_weight, loss=loss, batch_size=self.batch_size,
            learning_rate=self.eta0, power_t=self.power_t, average=self.average,
            average_after=0, variance_reduced=True, rate_name="eta0",
        )  # fmt: skip


_SHARED_PARAMETERS = r"""    alpha : float, default=0.0001
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
        (glmnet's ``penalty.factor``); 0 leaves a feature unpenalised, None
        weighs every feature 1.

    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.

    max_iter : int, default=1000
        Maximum number of passes over the data in ``fit`` (unused by
        :meth:`partial_fit`, which makes one pass per call).

    tol : float, default=1e-4
        ``fit`` stops when the largest violation of the optimality
        conditions (in standardised units), measured exactly at the start of
        each pass, is at most ``tol`` times its value at zero coefficients:
        the stopping rule of the batch estimators, so the same ``tol`` gives
        the same accuracy. Unused by :meth:`partial_fit`.

    shuffle : bool, default=True
        Whether ``fit`` visits the rows in a new random order each pass
        (``partial_fit`` takes them in the order given).

    batch_size : int, default=1
        Rows per stochastic step, in ``fit`` and :meth:`partial_fit`.

    eta0 : float, default=None
        The step size of the first stochastic step, on the preconditioned
        (standardised) problem. ``fit`` keeps it constant (its variance
        reduction needs no decay); :meth:`partial_fit` decays it as
        ``eta0 / (1 + eta0 * t) ** power_t`` over the mini-batches ``t`` of
        the stream's first stage, then keeps it constant. None uses the
        inverse of a bound on the curvature of every mini-batch seen: stable
        without tuning. A step
        so large that the loss grows past 1e4 times that of the constant model,
        or overflows, raises :class:`~skdecay.NonFiniteIterateError` and keeps
        the previous coefficients.

    power_t : float, default=0.5
        The decay exponent of :meth:`partial_fit`'s step in the first stage of
        the stream (later stages, and ``fit``, are variance-reduced and keep
        the step constant). 0.5 is robust; 1 is the ``1 / t`` schedule of
        strongly convex problems, fast only on well-conditioned ones.

    average : bool, default=True
        Whether :meth:`partial_fit` reports the proximal read-out of the
        averaged iterate and gradient (see Notes) instead of the last
        iterate. The averages cover the current stage of the stream (its
        latest fifth or more). ``fit`` converges without it.

    warm_start : bool, default=False
        Whether ``fit`` starts from the previous solution.

    random_state : int, RandomState instance or None, default=None
        The row order of ``fit`` when ``shuffle=True``; pass an int for
        reproducible fits.
"""

_SHARED_ATTRIBUTES = """    n_iter_ : int
        The number of passes over the data since the model was initialised
        (by ``fit``, or by the first :meth:`partial_fit`): ``fit``'s passes
        plus one per :meth:`partial_fit` call. At least 1: when ``fit``
        starts at the optimum, the check that finds it so reads the data
        once.

    loss_curve_ : ndarray of shape (`n_iter_`,)
        One entry per pass: the weighted mean loss of the pass's rows, each
        taken before the step that used it (progressive validation), plus
        the penalty at the coefficients reported after the pass.

    t_ : float
        The number of samples (rows visited by the stochastic steps) plus
        one, as in scikit-learn's SGD estimators.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
"""

_SHARED_NOTES = r"""    ``fit`` has the data in memory and uses it: each pass computes
    the full gradient at an anchor (the current iterate) and then takes stochastic
    steps corrected by each row's gradient at the anchor (prox-SVRG, Xiao and
    Zhang 2014), whose noise vanishes at the optimum; the step is constant
    and the iterates converge linearly to the batch estimators' solution,
    with its exact zeros. Memory beyond the data: the anchor's predictions.

    :meth:`partial_fit` streams: memory O(n_features x n_outputs) whatever
    the number of rows seen. It runs in stages, a new one each time the
    samples seen have grown by a quarter: the first takes proximal
    stochastic steps that decay with ``power_t``; each later one takes
    streaming-SVRG steps (Frostig et al. 2015) with a constant step,
    corrected by each row's gradient at an anchor whose gradient was
    averaged over the previous stage's rows and every chunk since. With
    ``average`` it keeps the averages :math:`\bar w` of the iterates and
    :math:`\bar g` of the gradients over the stage, and reports one proximal
    gradient step from them,
    :math:`\operatorname{prox}_{D^{-1} P}(\bar w - D^{-1} \bar g)` with
    :math:`D` the diagonal preconditioner. A plain average is never sparse
    and the last iterate's zeros are noise; this read-out is exactly sparse,
    and a coefficient is zero when the *averaged* optimality condition says
    so, which gives ``fit``'s support. In the tests, 30 passes over chunks
    bring the coefficients within 5 % (0.5 % measured) of the batch solution
    with the same support, for the squared and logistic losses with L1 and
    elastic net, dense and sparse.

    In both, each step is followed by the exact flow of the penalty over the
    step's length, and a sparse (CSR) row costs O(its non-zeros): features
    absent from it are brought forward lazily, exactly. Dense rows are
    centred for the intercept; the steps use the diagonal preconditioner of
    the batch solvers (running variances in a stream), so raw features on
    different scales need no StandardScaler.
"""


class DecaySGDRegressor(RegressorMixin, _RegressionOutputs, _BaseDecaySGD):
    __doc__ = (
        r"""Least squares with weight decay, L1 or elastic net, by SGD.

    Minimises the objective of :class:`DecayLinearRegressor`,

    .. math::

        \frac{1}{\sum_i s_i} \sum_{i} s_i \, \tfrac12 (y_i - x_i^\top w - b)^2
        + \alpha \Big( \rho \|w\|_1 + \frac{1 - \rho}{2} \|w\|_2^2 \Big),

    by mini-batch stochastic steps: ``fit`` with variance reduction on data
    in memory, :meth:`partial_fit` one streaming pass per call, for data that
    arrive in chunks or do not fit in memory. With a 2-D target each output
    is an independent problem.

    Read more in the :ref:`User Guide <scaling>`.

    Parameters
    ----------
"""
        + _SHARED_PARAMETERS
        + """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients; 2-D when ``y`` is 2-D.

    intercept_ : float or ndarray of shape (n_targets,)
        Intercept; 0.0 when ``fit_intercept=False``.

"""
        + _SHARED_ATTRIBUTES
        + """
    See Also
    --------
    DecayLinearRegressor : The same objective by batch solvers (exact, fast
        when the data fit in memory), without ``partial_fit``.
    sklearn.linear_model.SGDRegressor : scikit-learn's stochastic regressor;
        its ``alpha`` multiplies the same mean-loss objective.

    Notes
    -----
"""
        + _SHARED_NOTES
        + """
    References
    ----------
    L. Xiao and T. Zhang, "A proximal stochastic gradient method with
    progressive variance reduction", SIAM J. Optimization, 2014.

    R. Frostig, R. Ge, S. Kakade and A. Sidford, "Competing with the
    empirical risk minimizer in a single pass", COLT, 2015.

    A. Rakhlin, O. Shamir and K. Sridharan, "Making gradient descent optimal
    for strongly convex stochastic optimization", ICML, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from skdecay import DecayLinearRegressor, DecaySGDRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(1000, 3)
    >>> y = X @ [1.0, -2.0, 0.0] + 0.1 * rng.randn(1000)
    >>> reg = DecaySGDRegressor(penalty="l1", alpha=0.05, random_state=0)
    >>> for epoch in range(5):
    ...     for chunk in np.array_split(np.arange(1000), 10):
    ...         reg = reg.partial_fit(X[chunk], y[chunk])
    >>> np.round(reg.coef_[:2], 2), reg.coef_[2] == 0.0
    (array([ 0.95, -1.95]), np.True_)
    >>> reg.n_iter_, reg.t_
    (50, 5001.0)
    >>> batch = DecayLinearRegressor(penalty="l1", alpha=0.05).fit(X, y)
    >>> bool(np.allclose(reg.coef_, batch.coef_, atol=1e-2))
    True
    """
    )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> DecaySGDRegressor:
        """Fit the model by variance-reduced stochastic passes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; CSR and CSC matrices stay sparse.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y, Y, sample_weight = self._fit_inputs(X, y, sample_weight)
        coef_init, intercept_init = self._warm_start_init(X.shape[1], Y.shape[1])
        coef, intercept = self._fit_passes(
            X, Y, sample_weight, loss="squared", coef_init=coef_init,
            intercept_init=intercept_init,
        )  # fmt: skip
        self._set_solution(coef, intercept, multi_output=y.ndim > 1)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def partial_fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> DecaySGDRegressor:
        """Update the model with one streaming pass over ``(X, y)``.

        The first call starts from the coefficients of a previous ``fit``
        (with matching shape), else from zero; later calls continue the
        stream. Only this chunk and O(n_features) of state are in memory.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data (a NumPy memmap slice works as is).

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
        coef, intercept = self._partial_pass(X, Y, sample_weight, loss="squared")
        self._set_solution(coef, intercept, multi_output=multi_output)
        return self


class DecaySGDClassifier(ClassifierMixin, _ClassificationOutputs, _BaseDecaySGD):
    __doc__ = (
        r"""Logistic regression with weight decay, L1 or elastic net, by SGD.

    Minimises the objective of :class:`DecayLogisticClassifier`,

    .. math::

        \frac{1}{\sum_i s_i} \sum_{i} s_i \, \ell(y_i, W x_i + b)
        + \alpha \Big( \rho \|W\|_1 + \frac{1 - \rho}{2} \|W\|_2^2 \Big),

    (the binary log-loss for two classes, the multinomial cross-entropy for
    more; :math:`s_i` the sample weight times the class weight) by mini-batch
    stochastic steps: ``fit`` with variance reduction on data in memory,
    :meth:`partial_fit` one streaming pass per call, with ``classes=`` on the
    first call as in SGDClassifier.

    Read more in the :ref:`User Guide <scaling>`.

    Parameters
    ----------
"""
        + _SHARED_PARAMETERS
        + """
    class_weight : dict, 'balanced' or None, default=None
        Weights ``{class_label: weight}`` multiplied into the sample weights;
        'balanced' uses ``n_samples / (n_classes * np.bincount(y))`` in
        ``fit`` (:meth:`partial_fit` does not see the whole stream's counts
        and refuses it).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients; one row for two classes (for ``classes_[1]``), one row
        per class otherwise.

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts; zeros when ``fit_intercept=False``.

"""
        + _SHARED_ATTRIBUTES
        + """
    See Also
    --------
    DecayLogisticClassifier : The same objective by batch solvers (exact,
        fast when the data fit in memory), without ``partial_fit``.
    sklearn.linear_model.SGDClassifier : scikit-learn's stochastic
        classifier, ``loss='log_loss'``.

    Notes
    -----
"""
        + _SHARED_NOTES
        + """
    References
    ----------
    L. Xiao and T. Zhang, "A proximal stochastic gradient method with
    progressive variance reduction", SIAM J. Optimization, 2014.

    R. Frostig, R. Ge, S. Kakade and A. Sidford, "Competing with the
    empirical risk minimizer in a single pass", COLT, 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdecay import DecaySGDClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = DecaySGDClassifier(alpha=1e-3, random_state=0).fit(X, y)
    >>> round(clf.score(X, y), 2)
    0.98
    >>> stream = DecaySGDClassifier(alpha=1e-3)
    >>> stream = stream.partial_fit(X[:75], y[:75], classes=[0, 1, 2])
    >>> for epoch in range(20):
    ...     stream = stream.partial_fit(X, y)
    >>> round(stream.score(X, y), 2)
    0.99
    """
    )

    _parameter_constraints: dict = {
        **_BaseDecaySGD._parameter_constraints,
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
        max_iter: int = 1000,
        tol: float = 1e-4,
        shuffle: bool = True,
        batch_size: int = 1,
        eta0: float | None = None,
        power_t: float = 0.5,
        average: bool = True,
        class_weight: dict | Literal["balanced"] | None = None,
        warm_start: bool = False,
        random_state: RandomState = None,
    ) -> None:
        super().__init__(
            alpha=alpha,
            penalty=penalty,
            l1_ratio=l1_ratio,
            penalty_weights=penalty_weights,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            shuffle=shuffle,
            batch_size=batch_size,
            eta0=eta0,
            power_t=power_t,
            average=average,
            warm_start=warm_start,
            random_state=random_state,
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
    ) -> DecaySGDClassifier:
        """Fit the model by variance-reduced stochastic passes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; CSR and CSC matrices stay sparse.

        y : array-like of shape (n_samples,)
            Class labels (any type that NumPy can sort, strings included).

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, Y, sample_weight, loss, classes = self._fit_inputs(X, y, sample_weight)
        coef_init, intercept_init = None, None
        if hasattr(self, "classes_") and np.array_equal(self.classes_, classes):
            coef_init, intercept_init = self._warm_start_init(X.shape[1], Y.shape[1])
        coef, intercept = self._fit_passes(
            X, Y, sample_weight, loss=loss, coef_init=coef_init,
            intercept_init=intercept_init,
        )  # fmt: skip
        self.classes_ = classes
        self._set_solution(coef, intercept)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def partial_fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> DecaySGDClassifier:
        """Update the model with one streaming pass over ``(X, y)``.

        The first call starts from the coefficients of a previous ``fit``
        (with the same classes), else from zero; later calls continue the
        stream. Only this chunk and O(n_features x n_classes) of state are in
        memory.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data (a NumPy memmap slice works as is).

        y : array-like of shape (n_samples,)
            Class labels, all within ``classes``.

        classes : array-like of shape (n_classes,), default=None
            Every class of the whole stream; required on the first call (as
            in SGDClassifier) unless the model was fitted before, and
            ignored or checked later.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights. A dict
            ``class_weight`` multiplies them.

        Returns
        -------
        self : object
            The updated estimator.
        """
        X, Y, sample_weight, loss = self._partial_fit_inputs(
            X, y, classes, sample_weight
        )
        coef, intercept = self._partial_pass(X, Y, sample_weight, loss=loss)
        self._set_solution(coef, intercept)
        return self
