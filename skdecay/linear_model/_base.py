"""What DecayLinearRegressor and DecayLogisticClassifier share.

The estimators stay thin: declared parameter constraints, validation with
scikit-learn's tools, the problem prepared and solved by
:mod:`skdecay._core._problem` (on a worker thread with ``verbose``, see
:mod:`._progress`) and the fitted attributes. Nothing is stored on the
estimator until the solve succeeded, so a failed fit leaves no half-fitted
state.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core._penalties import Penalty, check_penalty_weights, make_penalty
from .._core._problem import DecayResult, prepare_problem, solve_prepared
from .._core._solvers import SOLVERS, resolve_solver
from .._core._stochastic import new_stream_state, stream_pass
from .._sklearn_compat import Interval, StrOptions
from .._typing import Penalty as PenaltyName
from .._typing import RandomState, Solver
from .._warnings import warn_user
from ._progress import solve_reporting_progress


def convergence_message(
    result: DecayResult, max_iter: int, tol: float, learning_rate: float | None
) -> str:
    """What a ConvergenceWarning says: which solver, how far from optimal, why.

    A solver that *stalled* (stopped making progress) is told apart from one
    that ran out of iterations: more iterations would not help the former.
    """
    solver = " then ".join(repr(name) for name in result.solvers)
    measured = (
        f"the optimality violation is {result.violation:.2g} of its value at "
        f"zero coefficients, above tol={tol:g}"
    )
    if result.stalled:
        return (
            f"Solver {solver} stopped making progress after {result.n_iter} "
            f"iterations: {measured}. The model is optimal only to that "
            "violation (more iterations would not help); use solver='auto', 'cd' "
            "or 'fista', which do not stall, or loosen tol."
        )
    advice = "Increase max_iter, loosen tol, or increase alpha."
    if learning_rate is not None:
        advice = (
            f"learning_rate={learning_rate:g} may be too large (the iterates "
            "oscillate) or too small; learning_rate=None chooses it by "
            "backtracking. " + advice
        )
    return (
        f"Solver {solver} did not converge in max_iter={max_iter} iterations: "
        f"{measured}. {advice}"
    )


#: The deprecated streaming parameters and the values partial_fit used.
_DEPRECATED_STREAM_PARAMETERS = {"batch_size": 1, "power_t": 0.5, "average": False}


class _BaseDecayLinearModel(BaseEstimator):
    """Parameters and the solve step common to the linear estimators."""

    #: The estimator that takes over partial_fit (named in the deprecations).
    _sgd_estimator = "DecaySGDRegressor"
    #: Whether a partial_fit after fit counts on from fit's passes (the SGD
    #: estimators, whose fit makes passes too) or starts its own count.
    _stream_continues_fit = False

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "penalty_weights": ["array-like", None],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", *SOLVERS})],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "store_coef_history": ["boolean"],
        # Deprecated in 0.2 (read only by the deprecated partial_fit, which
        # moves to DecaySGDRegressor / DecaySGDClassifier); removed in 0.4.
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"deprecated"}),
        ],
        "power_t": [Interval(Real, 0, None, closed="left"), StrOptions({"deprecated"})],
        "average": [
            "boolean",
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"deprecated"}),
        ],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        alpha: float = 0.0001,
        penalty: PenaltyName = "l2",
        l1_ratio: float = 0.15,
        penalty_weights: ArrayLike | None = None,
        fit_intercept: bool = True,
        solver: Solver = "auto",
        learning_rate: float | None = None,
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        store_coef_history: bool = False,
        batch_size: int | str = "deprecated",
        power_t: float | str = "deprecated",
        average: bool | int | str = "deprecated",
        random_state: RandomState = None,
        verbose: int = 0,
    ) -> None:
        self.alpha = alpha
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.store_coef_history = store_coef_history
        self.batch_size = batch_size
        self.power_t = power_t
        self.average = average
        self.random_state = random_state
        self.verbose = verbose

    def _solve(
        self, X, Y, sample_weight, *, loss, coef_init=None, intercept_init=None
    ) -> DecayResult:
        """Run the solver on validated data; warn if it did not converge.

        With ``verbose`` the solve runs on a worker thread while this one
        prints its progress (:func:`._progress.solve_reporting_progress`).
        """
        penalty = self._penalty(X.shape[1])
        solver, fallback = resolve_solver(
            self.solver, loss, penalty.is_smooth, Y.shape[1], self.learning_rate
        )

        def solve(on_trace=None) -> DecayResult:
            prepared = prepare_problem(
                X, Y, sample_weight, loss=loss, fit_intercept=self.fit_intercept,
                solver=solver, fallback=fallback,
            )  # fmt: skip
            return solve_prepared(
                prepared,
                penalty=penalty,
                max_iter=self.max_iter,
                tol=self.tol,
                learning_rate=self.learning_rate,
                coef_init=coef_init,
                intercept_init=intercept_init,
                store_history=self.store_coef_history,
                on_trace=on_trace,
            )

        if self.verbose:
            result = solve_reporting_progress(
                solve,
                solvers=tuple(s.name for s in (solver, fallback) if s is not None),
                max_iter=self.max_iter,
                tol=self.tol,
            )
        else:
            result = solve()
        if not result.converged:
            warn_user(
                convergence_message(
                    result, self.max_iter, self.tol, self.learning_rate
                ),
                ConvergenceWarning,
            )
        return result

    def _penalty(self, n_features: int) -> Penalty:
        """The penalty object of the parameters, for ``n_features`` features.

        Raises a ValueError for bad ``penalty_weights`` (before anything is
        fitted or stored).
        """
        weights = check_penalty_weights(self.penalty_weights, n_features)
        return make_penalty(self.penalty, self.alpha, self.l1_ratio, weights)

    def _end_stream(self) -> None:
        """``fit`` starts afresh: forget any ``partial_fit`` state."""
        for name in ("_stream_state", "t_", "_fit_anchor"):
            self.__dict__.pop(name, None)

    def _warn_deprecated_stream_parameters(self) -> None:
        """FutureWarning for each deprecated streaming parameter that is set."""
        for name in _DEPRECATED_STREAM_PARAMETERS:
            if getattr(self, name) != "deprecated":
                warn_user(
                    f"{name} was deprecated in version 0.2 and will be removed in "
                    f"0.4: it is read only by partial_fit, which moves to "
                    f"{self._sgd_estimator} (where it keeps its meaning). Remove "
                    f"{name}= from {type(self).__name__}(...).",
                    FutureWarning,
                )

    def _deprecated_partial_fit(self, X, Y, sample_weight, *, loss):
        """The deprecated ``partial_fit``: one streaming pass, as before 0.2."""
        warn_user(
            f"{type(self).__name__}.partial_fit was deprecated in version 0.2 and "
            f"will be removed in 0.4; use {self._sgd_estimator}, whose fit and "
            "partial_fit share one meaning for n_iter_ and loss_curve_ (passes "
            "over the data) and whose eta0 is the stochastic step.",
            FutureWarning,
        )
        self._warn_deprecated_stream_parameters()
        options = {}
        for name, default in _DEPRECATED_STREAM_PARAMETERS.items():
            value = getattr(self, name)
            options[name] = default if value == "deprecated" else value
        average = options["average"]
        average_after = 0 if isinstance(average, bool) else int(average)
        return self._stream_pass(
            X, Y, sample_weight, loss=loss, batch_size=options["batch_size"],
            learning_rate=self.learning_rate, power_t=options["power_t"],
            average=average is not False, average_after=average_after,
            variance_reduced=False, rate_name="learning_rate",
        )  # fmt: skip

    def _stream_pass(
        self, X, Y, sample_weight, *, loss, batch_size, learning_rate, power_t,
        average, average_after, variance_reduced, rate_name,
    ):  # fmt: skip
        """One ``partial_fit`` pass; returns ``(coef, intercept)`` to report.

        The streaming state lives in ``_stream_state``; without one (the first
        call, or the first after ``fit``) it starts from ``coef_`` and
        ``intercept_`` if they exist with matching shape, else from zero.
        Sets ``n_iter_`` (passes since the model was initialised), ``t_``
        (samples seen plus one, as SGDRegressor) and ``loss_curve_`` (one
        progressive objective per pass). Nothing is set if the pass fails.
        """
        n_features, n_outputs = X.shape[1], Y.shape[1]
        state = getattr(self, "_stream_state", None)
        curve = list(getattr(self, "loss_curve_", [])) if state is not None else []
        samples_before = 0
        if state is None:
            coef = intercept = None
            if hasattr(self, "coef_"):
                coef = np.asarray(self.coef_, dtype=np.float64)
                coef = coef.reshape(-1, n_features).T
                intercept = np.asarray(self.intercept_, dtype=np.float64).ravel()
                if coef.shape[1] != n_outputs:
                    coef = intercept = None
                elif self._stream_continues_fit:
                    curve = list(getattr(self, "loss_curve_", []))
                    samples_before = int(getattr(self, "t_", 1)) - 1
            anchor = self.__dict__.pop("_fit_anchor", None)
            if coef is None or anchor is None or anchor.W.shape != coef.shape:
                anchor = None
            state = new_stream_state(
                n_features,
                n_outputs,
                centered=self.fit_intercept and not sp.issparse(X),
                coef=coef,
                intercept=intercept,
                anchor=anchor,
            )
            state.clock[2] = samples_before
        state, objective = stream_pass(
            X,
            Y,
            sample_weight,
            state,
            loss=loss,
            penalty=self._penalty(n_features),
            fit_intercept=self.fit_intercept,
            batch_size=batch_size,
            learning_rate=learning_rate,
            power_t=power_t,
            average=average,
            average_after=average_after,
            variance_reduced=variance_reduced,
            rate_name=rate_name,
        )
        self._stream_state = state
        self.n_iter_ = len(curve) + 1
        self.t_ = float(state.samples_seen + 1)
        self.loss_curve_ = np.array([*curve, objective])
        for name in ("coef_history_", "intercept_history_"):
            self.__dict__.pop(name, None)
        coef, intercept = state.coefficients()
        return coef.astype(X.dtype), intercept.astype(X.dtype)

    def _set_history(self, result: DecayResult, *, squeeze: bool) -> None:
        """``coef_history_`` and ``intercept_history_``, laid out as ``coef_``.

        ``squeeze`` drops the output axis (a regression on a 1-D target).
        Without ``store_coef_history`` neither attribute exists, and one left
        by an earlier fit is removed.
        """
        if not self.store_coef_history:
            for name in ("coef_history_", "intercept_history_"):
                self.__dict__.pop(name, None)
            return
        coefs = result.coef_history.transpose(0, 2, 1)  # (n_iter, n_outputs, p)
        intercepts = result.intercept_history
        if squeeze:
            coefs, intercepts = coefs[:, 0, :], intercepts[:, 0]
        self.coef_history_ = np.ascontiguousarray(coefs)
        self.intercept_history_ = np.ascontiguousarray(intercepts)

    def _linear_predictor(self, X) -> np.ndarray:
        """``X @ coef_.T + intercept_`` after checking ``X`` against the fit."""
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            reset=False,
        )
        return safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_

    def _warm_start_init(self, n_features, n_outputs):
        """Previous coefficients as (n_features, n_outputs), if they fit."""
        if not self.warm_start or not hasattr(self, "coef_"):
            return None, None
        coef = np.asarray(self.coef_).reshape(-1, n_features)
        if coef.shape[0] != n_outputs:
            return None, None
        return coef.T, np.asarray(self.intercept_).reshape(n_outputs)
