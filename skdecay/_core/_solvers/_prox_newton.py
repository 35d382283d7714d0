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
the objective decreases by at least ``ARMIJO * t * Delta``
(:func:`._common.armijo_line_search`) with Tseng & Yun's
(2009) predicted decrease ``Delta = g^T d + sum_j l1_j (|W'_j| - |W_j|)``.

This is the strategy of glmnet (Friedman, Hastie & Tibshirani, 2010) and of
skglm's ``ProxNewton``: the coordinate steps use the local curvature
``h_i = p_i (1 - p_i)`` rather than its bound 1/4, which is loose once
predictions are confident, so far fewer passes over ``X`` are needed than by
coordinate descent on the loss itself.
"""

import math

import numpy as np
from numba import njit

from .._linalg import design_matmul, weighted_column_moments
from .._losses import SquaredLoss, datafit_hessian_apply
from .._prox import l1_value
from ._cd import _coordinate_descent
from ._common import (
    CONVERGED,
    INTERNAL,
    MAX_ITER_REACHED,
    NO_PROGRESS_LIMIT,
    NON_FINITE,
    STALLED,
    Problem,
    Trace,
    _residual,
    _smooth_gradient,
    armijo_line_search,
    made_progress,
    record_iterate,
    specialised_entry,
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


@njit(cache=True, nogil=True, **INTERNAL)
def _quadratic_model(problem, Z, G, target, curvature):
    """The squared-loss problem that is the loss's expansion at ``Z``.

    Fills the working response ``target`` and the per-row ``curvature`` (the
    model's weights). The model is centred with the curvature-weighted means
    of the features (its coordinate descent then needs no coupling with the
    intercept, even on sparse data), so its intercept is
    ``b + (model.x_mean - x_mean) . W`` for the problem's ``(W, b)``.
    """
    n_samples = Z.shape[0]
    ones = np.ones((n_samples, 1), dtype=Z.dtype)
    hessian = np.empty((n_samples, 1), dtype=Z.dtype)
    datafit_hessian_apply(problem.loss, problem.Y, Z, problem.weights, ones, hessian)
    largest = 0.0
    for i in range(n_samples):
        largest = max(largest, hessian[i, 0])
    floor = CURVATURE_FLOOR * largest
    total = 0.0
    for i in range(n_samples):
        h = max(hessian[i, 0], floor)
        curvature[i] = h
        target[i, 0] = Z[i, 0] - G[i, 0] / h
        total += h
    total = max(total, 1e-300)
    mean, spread = weighted_column_moments(
        problem.X, curvature / total, problem.fit_intercept
    )
    scale = np.empty(spread.shape[0], dtype=Z.dtype)
    for j in range(spread.shape[0]):
        # A column without spread under these weights has a zero gradient:
        # any positive scale is correct.
        scale[j] = (total * spread[j] if spread[j] > 0.0 else 1.0) + problem.l2[j]
    return Problem(
        problem.X,
        target,
        curvature,
        mean.astype(Z.dtype),
        SquaredLoss(),  # a lasso's type: coordinate descent compiles once for both
        problem.l1,
        problem.l2,
        problem.fit_intercept,
        scale,
        total,
        problem.lipschitz_max,
        problem.rel_eps,
        # The model's curvature is its own. (A fresh C-ordered array: a
        # slice of problem.gram would be a type of its own, and coordinate
        # descent would compile twice.)
        np.empty((0, 0)),
    )


@njit(cache=True, nogil=True, inline="always")
def _shift_intercept(intercept, W, new_mean, old_mean, out):
    """``out = intercept + (new_mean - old_mean) . W``: a change of centre."""
    for k in range(intercept.shape[0]):
        acc = intercept[k]
        for j in range(W.shape[0]):
            acc += (new_mean[j] - old_mean[j]) * W[j, k]
        out[k] = acc


@njit(cache=True, nogil=True, inline="always")
def _model_gradient(problem, model, grad, grad_intercept, out):
    """The model's gradient at the current point, in the model's centring.

    The model's loss has the loss's derivative ``G`` at the current point,
    but its features are centred with the curvature-weighted means
    ``model.x_mean`` rather than ``problem.x_mean``: its gradient is
    ``X_c^T G = grad + (problem.x_mean - model.x_mean) sum_i G_i``, and
    ``sum_i G_i`` is the intercept's gradient. The two differ wherever the
    intercept is not yet optimal; the model's stopping test must use its own.
    """
    shift_by = 1.0 if problem.fit_intercept else 0.0
    for j in range(grad.shape[0]):
        shift = shift_by * (problem.x_mean[j] - model.x_mean[j])
        for k in range(grad.shape[1]):
            out[j, k] = grad[j, k] + shift * grad_intercept[k]


@njit(cache=True, nogil=True)
def _proximal_newton(problem, W_init, intercept_init, max_iter, tol, trace):
    """Run proximal Newton; return ``(W, intercept, n_iter, status)``.

    One output only (binary logistic or squared loss). ``max_iter`` bounds
    the Newton iterations (the line search chooses each step). A model solved to
    ``INNER_TOLERANCE_RATIO`` of its residual whose step fails the line
    search is solved again ten times more accurately; at
    ``MIN_INNER_TOLERANCE_RATIO`` the solver stops with status ``STALLED``.
    """
    X = problem.X
    n_samples = X.n_samples
    W = W_init.copy()
    intercept = intercept_init.copy()
    Z = np.empty((n_samples, 1), dtype=W.dtype)
    design_matmul(X, W, intercept, problem.x_mean, Z)
    Z_step = np.empty_like(Z)
    Z_new = np.empty_like(Z)
    G = np.empty_like(Z)
    grad = np.empty_like(W)
    grad_model = np.empty_like(W)
    grad_intercept = np.empty_like(intercept)
    target = np.empty_like(Z)
    curvature = np.empty(n_samples, dtype=W.dtype)
    # A typed int, not the literal constant: coordinate descent then has
    # the one compiled version its direct callers use.
    max_inner = np.int64(MAX_INNER_SWEEPS)
    # The inner solves record their objective only (no iterates).
    inner_trace = Trace(
        np.empty(MAX_INNER_SWEEPS),
        np.empty((0, W.shape[0], W.shape[1]), dtype=W.dtype),
        np.empty((0, W.shape[1]), dtype=W.dtype),
    )
    W_new = np.empty_like(W)
    intercept_new = np.empty_like(intercept)
    model_start = np.empty_like(intercept)
    inner_ratio = INNER_TOLERANCE_RATIO
    no_progress = 0
    best_residual = math.inf

    status = MAX_ITER_REACHED
    n_iter = 0
    for it in range(max_iter + 1):
        value = _smooth_gradient(problem, W, Z, G, grad, grad_intercept)
        worst = _residual(problem, W, grad, grad_intercept)
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
        objective = value + l1_value(W, problem.l1)
        model = _quadratic_model(problem, Z, G, target, curvature)
        _model_gradient(problem, model, grad, grad_intercept, grad_model)
        model_residual = _residual(model, W, grad_model, grad_intercept)
        _shift_intercept(intercept, W, model.x_mean, problem.x_mean, model_start)
        while True:
            W_model, intercept_model, _, _ = _coordinate_descent(
                model, W, model_start, max_inner, inner_ratio * model_residual,
                inner_trace,
            )  # fmt: skip
            _shift_intercept(
                intercept_model, W_model, problem.x_mean, model.x_mean,
                intercept_model,
            )  # fmt: skip

            # Direction d = model solution - current point, and Tseng-Yun's
            # Delta (negative for a descent direction).
            S = W_model - W
            s_intercept = intercept_model - intercept
            design_matmul(X, S, s_intercept, problem.x_mean, Z_step)
            predicted = l1_value(W_model, problem.l1) - l1_value(W, problem.l1)
            for j in range(W.shape[0]):
                predicted += grad[j, 0] * S[j, 0]
            predicted += grad_intercept[0] * s_intercept[0]
            new_objective, accepted = armijo_line_search(
                problem, W, intercept, Z, S, s_intercept, Z_step, objective,
                predicted, W_new, intercept_new, Z_new,
            )  # fmt: skip
            if (accepted and predicted < 0.0) or not math.isfinite(new_objective):
                break
            if inner_ratio <= MIN_INNER_TOLERANCE_RATIO:
                status = STALLED
                break
            # The model was solved too loosely to give a descent direction.
            inner_ratio *= 0.1
        if status == STALLED:
            break
        record_iterate(trace, it, new_objective, W_new, intercept_new)
        n_iter = it + 1
        if not math.isfinite(new_objective):
            status = NON_FINITE
            break
        if made_progress(problem, objective, new_objective):
            no_progress = 0
        else:
            no_progress += 1
        W, W_new = W_new, W
        intercept, intercept_new = intercept_new, intercept
        Z, Z_new = Z_new, Z
    return W, intercept, n_iter, status


proximal_newton = specialised_entry(
    _proximal_newton, "proximal_newton", _proximal_newton.__doc__
)
