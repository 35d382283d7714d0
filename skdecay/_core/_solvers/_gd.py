"""Proximal gradient descent: the textbook weight-decay update.

Each iteration takes, in the preconditioner's metric ``D``,

    W <- soft_threshold(W - lr * D^{-1} (grad loss(W) + l2 * W), lr * l1 / D)

that is the plain weight-decay step ``w <- w - lr * (grad + alpha * w)`` on
standardised features, followed by the L1 soft-threshold. ``lr = 1 / L`` comes
from backtracking on the Lipschitz constant ``L`` unless the user fixes it.
"""

import math

import numpy as np
from numba import njit

from .._linalg import design_matmul
from .._penalties import l1_norm, optimality_residual
from ._common import (
    CONVERGED,
    MAX_ITER_REACHED,
    NON_FINITE,
    all_finite,
    backtracking_prox_step,
    smooth_gradient,
)

#: Gradient descent lets the step grow back after a backtrack: the logistic
#: losses' local curvature is often far below their global bound, and this
#: cut iterations by 5-20x on raw breast_cancer and digits.
LIPSCHITZ_DECREASE = 0.8


@njit(cache=True, nogil=True)
def gradient_descent(
    X,
    Y,
    weights,
    x_mean,
    loss,
    l1,
    l2,
    fit_intercept,
    scale,
    scale_intercept,
    W_init,
    intercept_init,
    max_iter,
    tol,
    learning_rate,
    rel_eps,
    objective_out,
):
    """Run proximal gradient descent; return ``(W, intercept, n_iter, status, L)``.

    Stops when :func:`optimality_residual` at the current iterate is at most
    ``tol`` (an absolute value, already scaled by the caller).
    """
    n_samples = Y.shape[0]
    n_features, n_outputs = W_init.shape
    dtype = W_init.dtype
    W = W_init.copy()
    intercept = intercept_init.copy()
    W_new = np.empty_like(W)
    intercept_new = np.empty_like(intercept)
    Z = np.empty((n_samples, n_outputs), dtype=dtype)
    Z_new = np.empty_like(Z)
    G = np.empty_like(Z)
    grad = np.empty((n_features, n_outputs), dtype=dtype)
    grad_intercept = np.empty(n_outputs, dtype=dtype)

    fixed_step = learning_rate > 0.0
    lipschitz = 1.0 / learning_rate if fixed_step else 1.0
    lipschitz_max = float(n_features + (1 if fit_intercept else 0))
    design_matmul(X, W, intercept, x_mean, Z)
    status = MAX_ITER_REACHED
    n_iter = 0
    for it in range(max_iter + 1):
        smooth_gradient(
            X,
            Y,
            weights,
            x_mean,
            loss,
            l2,
            fit_intercept,
            W,
            Z,
            G,
            grad,
            grad_intercept,
        )
        residual = optimality_residual(
            W, grad, grad_intercept, l1, scale, scale_intercept
        )
        if residual <= tol:
            status = CONVERGED
            break
        if it == max_iter:
            break
        smooth_new, lipschitz = backtracking_prox_step(
            X,
            Y,
            weights,
            x_mean,
            loss,
            l1,
            l2,
            W,
            intercept,
            Z,
            grad,
            grad_intercept,
            lipschitz,
            lipschitz_max,
            LIPSCHITZ_DECREASE,
            fixed_step,
            scale,
            scale_intercept,
            rel_eps,
            W_new,
            intercept_new,
            Z_new,
        )
        objective = smooth_new + l1 * l1_norm(W_new)
        objective_out[it] = objective
        n_iter = it + 1
        if not math.isfinite(objective) or not all_finite(W_new, intercept_new):
            status = NON_FINITE
            break
        W, W_new = W_new, W
        intercept, intercept_new = intercept_new, intercept
        Z, Z_new = Z_new, Z
    return W, intercept, n_iter, status, lipschitz
