"""Proximal Newton: a quadratic model of the loss, solved by coordinate descent.

For the binary logistic loss with an L1 part, each iteration replaces the
loss by its second-order expansion at the current predictor ``z``,

    sum_i g_i (z'_i - z_i) + 1/2 h_i (z'_i - z_i)^2
      = 1/2 sum_i h_i (z'_i - t_i)^2 + const,   t_i = z_i - g_i / h_i,

a weighted least-squares problem in ``(W', b')`` (``g_i`` and ``h_i`` are
the weighted first and second derivatives of the loss). Plus the elastic-net
penalty, that model is solved by the working-set coordinate descent of
:mod:`._cd` on the squared loss, where each coordinate step is exact. The
step ``(W' - W, b' - b)`` is then scaled by ``t`` in 1, 1/2, 1/4, ... until
the objective decreases by at least ``ARMIJO * t * Delta`` with Tseng &
Yun's (2009) predicted decrease ``Delta = g^T d + sum_j l1_j (|W'_j| -
|W_j|)``.

This is the strategy of glmnet (Friedman, Hastie & Tibshirani, 2010) and of
skglm's ``ProxNewton``: the coordinate steps use the local curvature
``h_i = p_i (1 - p_i)`` rather than its bound 1/4, which is loose once
predictions are confident, so far fewer passes over ``X`` are needed than by
coordinate descent on the loss itself.

The Newton iterations (the model, the line search, the stopping test) are
NumPy, as in :mod:`._newton`: a few products with ``X`` per iteration. The
model is a squared-loss problem of the very type a lasso solves, so the one
compiled piece, coordinate descent's sub-problem kernel, is the lasso's
(compiled once, cached once, for both).
"""

import math

import numpy as np
import scipy.sparse as sp

from .._datafits import DATAFITS, DATAFITS_BY_CODE
from .._losses import SquaredLoss, loss_code
from .._products import column_moments
from ._cd import _Outer, column_design, solve
from ._common import (
    ARMIJO,
    CONVERGED,
    MAX_HALVINGS,
    MAX_ITER_REACHED,
    NO_PROGRESS_LIMIT,
    NON_FINITE,
    STALLED,
    Trace,
)

#: Sweeps allowed to coordinate descent on one quadratic model.
MAX_INNER_SWEEPS = 2000
#: The model is solved to this fraction of its optimality residual at the
#: current point (tightened tenfold after a failed line search, down to
#: ``MIN_INNER_TOLERANCE_RATIO``).
INNER_TOLERANCE_RATIO = 0.3
MIN_INNER_TOLERANCE_RATIO = 1e-6
#: Curvatures below this fraction of the largest are raised to it, so the
#: working response ``t = z - g / h`` stays finite on confidently wrong rows.
CURVATURE_FLOOR = 1e-12

SQUARED_DATAFIT = DATAFITS["squared"]
#: A fresh C-ordered (0, 0) array: a slice of problem.gram would be a type
#: of its own, and coordinate descent would compile twice.
_NO_GRAM = np.empty((0, 0))


class _Newton(_Outer):
    """The problem's smooth part, its models and its line search, in NumPy."""

    def __init__(self, problem, datafit):
        super().__init__(problem, datafit)
        self.dtype = problem.Y.dtype
        self.l1_flat = self.l1[:, 0]
        self.l2_flat = self.l2[:, 0]
        # The squares of a sparse X, once: the models' column moments.
        self.X_squared = None
        if sp.issparse(self.X):
            self.X_squared = self.X.copy()
            self.X_squared.data **= 2

    def l1_value(self, W):
        return float(self.l1_flat @ np.abs(W).sum(axis=1))

    def smooth_value(self, Z, W):
        decay = 0.5 * float(self.l2_flat @ (W * W).sum(axis=1))
        return self.datafit.value(self.Y, Z, self.weights) + decay

    def moments(self, h):
        """Weighted column means and spreads for weights ``h`` (summing to 1)."""
        center = bool(self.problem.fit_intercept)
        if self.X_squared is None:
            return column_moments(self.X, h, center)
        mean = np.asarray(self.X.T @ h, dtype=np.float64)
        second = np.asarray(self.X_squared.T @ h, dtype=np.float64)
        if not center:
            return np.zeros_like(mean), second
        return mean, np.maximum(second - mean * mean, 0.0)

    def model(self, Z, G):
        """The squared-loss problem that is the loss's expansion at ``Z``,
        and its :class:`._cd._Outer`.

        Its working response and per-row curvature (the model's weights),
        centred with the curvature-weighted means of the features (its
        coordinate descent then needs no coupling with the intercept, even
        on sparse data), so its intercept is ``b + (model.x_mean - x_mean)
        . W`` for the problem's ``(W, b)``.
        """
        h = self.datafit.row_curvature(self.Y, Z, self.weights)
        h = np.maximum(h, CURVATURE_FLOOR * h.max(initial=0.0))
        target = Z[:, :1] - G[:, :1] / h[:, None]
        total = max(float(h.sum()), 1e-300)
        mean, spread = self.moments(h / total)
        # A column without spread under these weights has a zero gradient:
        # any positive scale is correct.
        scale = np.where(spread > 0.0, total * spread, 1.0) + self.l2_flat
        dtype = self.dtype
        model = self.problem._replace(
            Y=target.astype(dtype),
            weights=h.astype(dtype),
            x_mean=mean.astype(dtype),
            loss=SquaredLoss(),
            scale=scale.astype(dtype),
            scale_intercept=total,
            # The model's curvature is its own.
            gram=_NO_GRAM,
        )
        if dtype != np.float64:  # the float64 values the kernel sees
            target, h, mean, scale = (
                model.Y.astype(np.float64), model.weights.astype(np.float64),
                model.x_mean.astype(np.float64), model.scale.astype(np.float64),
            )  # fmt: skip
        outer = _Outer(
            model, SQUARED_DATAFIT, self.X, Y=target, weights=h, x_mean=mean,
            scale=scale,
        )  # fmt: skip
        return model, outer

    def line_search(self, W, intercept, Z, S, s_intercept, objective, predicted):
        """The longest step ``t`` in 1, 1/2, 1/4, ... along ``(S, s_intercept)``
        with ``F(x + t d) <= F(x) + ARMIJO * t * predicted``.

        ``F`` is the whole objective (smooth part plus L1) and ``predicted``
        Tseng & Yun's decrease. A slack of ``rel_eps |F|`` lets the search
        accept a step at the optimum, where rounding dominates. Returns
        ``(F there, accepted, W_new, intercept_new, Z_new)``: ``F`` is NaN if
        not finite, and ``accepted`` is False when no step passed the test
        (the point is then the shortest step tried).
        """
        Z_step = self.predictor(S, s_intercept)
        slack = self.problem.rel_eps * abs(objective)
        step = 1.0
        for _ in range(MAX_HALVINGS):
            W_new = W + step * S
            intercept_new = intercept + step * s_intercept
            Z_new = Z + step * Z_step
            value = self.smooth_value(Z_new, W_new) + self.l1_value(W_new)
            if value <= objective + ARMIJO * step * predicted + slack:
                accepted = True
                break
            step *= 0.5
        else:
            accepted = False
        finite = np.isfinite(W_new).all() and np.isfinite(intercept_new).all()
        if not finite:
            value = math.nan
        return value, accepted, W_new, intercept_new, Z_new


def proximal_newton(problem, W_init, intercept_init, max_iter, tol, trace):
    """Run proximal Newton; return ``(W, intercept, n_iter, status)``.

    One output only (binary logistic or squared loss). ``max_iter`` bounds
    the Newton iterations (the line search chooses each step). A model solved to
    ``INNER_TOLERANCE_RATIO`` of its residual whose step fails the line
    search is solved again ten times more accurately; at
    ``MIN_INNER_TOLERANCE_RATIO`` the solver stops with status ``STALLED``.
    """
    datafit = DATAFITS_BY_CODE[loss_code(problem.loss)]
    problem = column_design(problem)
    newton = _Newton(problem, datafit)
    dtype = newton.dtype
    W = np.array(W_init, dtype=dtype, order="C")
    intercept = np.array(intercept_init, dtype=dtype)
    Z = newton.predictor(W, intercept)
    n_features = W.shape[0]
    # The inner solves record their objective only (no iterates).
    inner_trace = Trace(
        np.empty(MAX_INNER_SWEEPS),
        np.empty((0, n_features, 1), dtype=dtype),
        np.empty((0, 1), dtype=dtype),
    )
    shift_by = 1.0 if problem.fit_intercept else 0.0
    inner_ratio = INNER_TOLERANCE_RATIO
    no_progress = 0
    best_residual = math.inf

    status = MAX_ITER_REACHED
    n_iter = 0
    for it in range(max_iter + 1):
        value, G, grad, grad_intercept = newton.gradient(W, Z)
        residuals, at_intercept = newton.violations(W, grad, grad_intercept)
        worst = max(float(residuals.max(initial=0.0)), at_intercept)
        if worst <= tol:
            status = CONVERGED
            break
        if worst < 0.5 * best_residual:
            best_residual = worst
            no_progress = 0
        elif no_progress >= NO_PROGRESS_LIMIT:
            status = STALLED
            break
        if it == max_iter:
            break
        value += 0.5 * float(newton.l2_flat @ (W * W).sum(axis=1))
        objective = value + newton.l1_value(W)
        model, model_outer = newton.model(Z, G)
        model_mean = model_outer.x_mean
        # The model's gradient at the current point, in the model's
        # centring: its loss has the loss's derivative G here, but its
        # features are centred with the curvature-weighted means, so
        # X_c^T G = grad + (x_mean - model.x_mean) sum_i G_i. The two differ
        # wherever the intercept is not yet optimal; the model's stopping
        # test must use its own.
        grad_model = (
            grad
            + (shift_by * (newton.x_mean - model_mean))[:, None]
            * (grad_intercept[None, :])
        )
        model_residuals, model_at_intercept = model_outer.violations(
            W, grad_model, grad_intercept
        )
        model_residual = max(
            float(model_residuals.max(initial=0.0)), model_at_intercept
        )
        model_start = intercept + ((model_mean - newton.x_mean)[:, None] * W).sum(0)
        Z_model = Z.astype(dtype)
        while True:
            W_model = W.copy()
            intercept_model = model_start.astype(dtype)
            solve(
                model, W_model, intercept_model, Z_model.copy(), MAX_INNER_SWEEPS,
                inner_ratio * model_residual, inner_trace, outer=model_outer,
                gradient=(grad_model, grad_intercept),
            )  # fmt: skip
            intercept_model = intercept_model + (
                (newton.x_mean - model_mean)[:, None] * W_model
            ).sum(axis=0)
            # Direction d = model solution - current point, and Tseng-Yun's
            # Delta (negative for a descent direction).
            S = W_model - W
            s_intercept = intercept_model - intercept
            predicted = newton.l1_value(W_model) - newton.l1_value(W)
            predicted += float((grad * S).sum() + (grad_intercept * s_intercept).sum())
            new_objective, accepted, W_new, intercept_new, Z_new = newton.line_search(
                W, intercept, Z, S, s_intercept, objective, predicted
            )
            if (accepted and predicted < 0.0) or not math.isfinite(new_objective):
                break
            if inner_ratio <= MIN_INNER_TOLERANCE_RATIO:
                status = STALLED
                break
            # The model was solved too loosely to give a descent direction.
            inner_ratio *= 0.1
        if status == STALLED:
            break
        trace.objective[it] = new_objective
        if trace.coef.shape[0] > 0:
            trace.coef[it] = W_new
            trace.intercept[it] = intercept_new
        n_iter = it + 1
        if not math.isfinite(new_objective):
            status = NON_FINITE
            break
        if new_objective < objective - problem.rel_eps * abs(objective):
            no_progress = 0
        else:
            no_progress += 1
        W, intercept, Z = W_new, intercept_new.astype(dtype), Z_new
    return W, intercept, n_iter, status
