"""Pieces shared by the proximal-gradient solvers.

All steps are taken in the metric of a diagonal preconditioner ``scale``
(``scale_j`` = curvature bound of the loss times the weighted variance of
feature ``j``, plus the L2 strength). A step of length ``1 / L`` in that metric
is the textbook gradient step on standardised features, so badly scaled raw
features converge as fast as scaled ones.

In that metric the Hessian of the smooth part has diagonal entries of at most
1, so its Lipschitz constant is at most ``n_coordinates = n_features +
fit_intercept`` (the trace bound); for the squared loss it is also at least 1,
while the logistic losses, whose curvature bound is loose where predictions
are confident, often have a smaller local constant. Backtracking starts at 1
and never goes past the upper bound: there the majoriser holds in exact
arithmetic, and a failed test can only be rounding error.
"""

import math

from numba import njit

from .._linalg import design_matmul, design_rmatmul
from .._losses import loss_bregman, loss_gradient, loss_value
from .._penalties import add_decay, soft_threshold, squared_norm

CONVERGED = 0
MAX_ITER_REACHED = 1
NON_FINITE = 2

#: Smallest constant tried (steps of length 1e6 in standardised units).
LIPSCHITZ_FLOOR = 1e-6


@njit(cache=True, nogil=True)
def smooth_value(loss, Y, Z, weights, W, l2):
    """Value of the smooth part: loss plus ``l2 / 2 * ||W||^2``."""
    value = loss_value(loss, Y, Z, weights)
    if l2 > 0.0:
        value += 0.5 * l2 * squared_norm(W)
    return value


@njit(cache=True, nogil=True)
def smooth_gradient(
    X, Y, weights, x_mean, loss, l2, fit_intercept, W, Z, G, grad, grad_intercept
):
    """Gradient of the smooth part at ``W`` (with predictor ``Z``).

    Fills ``grad`` (n_features, n_outputs) and ``grad_intercept`` (n_outputs,)
    and returns the smooth value.
    """
    value = loss_gradient(loss, Y, Z, weights, G)
    design_rmatmul(X, G, x_mean, grad)
    add_decay(grad, W, l2)
    if l2 > 0.0:
        value += 0.5 * l2 * squared_norm(W)
    grad_intercept[:] = 0.0
    if fit_intercept:
        for i in range(G.shape[0]):
            for k in range(G.shape[1]):
                grad_intercept[k] += G[i, k]
    return value


@njit(cache=True, nogil=True)
def prox_gradient_step(
    W,
    intercept,
    grad,
    grad_intercept,
    lipschitz,
    scale,
    scale_intercept,
    l1,
    W_out,
    intercept_out,
):
    """One preconditioned proximal-gradient step of length ``1 / lipschitz``.

    ``W_out = soft_threshold(W - grad / (L d), l1 / (L d))`` coordinate-wise,
    the intercept takes a plain gradient step.
    """
    for j in range(W.shape[0]):
        inv = 1.0 / (lipschitz * scale[j])
        for k in range(W.shape[1]):
            W_out[j, k] = soft_threshold(W[j, k] - inv * grad[j, k], l1 * inv)
    inv_b = 1.0 / (lipschitz * scale_intercept)
    for k in range(intercept.shape[0]):
        intercept_out[k] = intercept[k] - inv_b * grad_intercept[k]


@njit(cache=True, nogil=True)
def step_lengths(W, intercept, W_new, intercept_new, scale, scale_intercept):
    """``(||x_new - x||_D^2, ||W_new - W||^2)``: the step in the metric and plain."""
    in_metric = 0.0
    plain = 0.0
    for j in range(W.shape[0]):
        for k in range(W.shape[1]):
            d = W_new[j, k] - W[j, k]
            plain += d * d
            in_metric += scale[j] * d * d
    for k in range(intercept.shape[0]):
        d = intercept_new[k] - intercept[k]
        in_metric += scale_intercept * d * d
    return in_metric, plain


@njit(cache=True, nogil=True)
def gradient_mapping_norm(
    W, intercept, W_new, intercept_new, lipschitz, scale, scale_intercept
):
    """Largest entry of the gradient mapping ``L D (x - x_new)``, standardised."""
    worst = 0.0
    for j in range(W.shape[0]):
        s = lipschitz * math.sqrt(scale[j])
        for k in range(W.shape[1]):
            worst = max(worst, s * abs(W[j, k] - W_new[j, k]))
    s = lipschitz * math.sqrt(scale_intercept)
    for k in range(intercept.shape[0]):
        worst = max(worst, s * abs(intercept[k] - intercept_new[k]))
    return worst


@njit(cache=True, nogil=True)
def all_finite(W, intercept):
    for j in range(W.shape[0]):
        for k in range(W.shape[1]):
            if not math.isfinite(W[j, k]):
                return False
    for k in range(intercept.shape[0]):
        if not math.isfinite(intercept[k]):
            return False
    return True


@njit(cache=True, nogil=True)
def backtracking_prox_step(
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
    lipschitz_decrease,
    fixed_step,
    scale,
    scale_intercept,
    rel_eps,
    W_out,
    intercept_out,
    Z_out,
):
    """A proximal-gradient step from ``W`` (predictor ``Z``), with backtracking.

    Unless ``fixed_step`` is set, ``lipschitz`` is first multiplied by
    ``lipschitz_decrease`` (<= 1; below 1 the step follows the local
    curvature, which may be far below the global bound), then doubles (up to
    the proven bound ``lipschitz_max``) until the quadratic majoriser holds at
    the new point:

        D_f(x_new, x) <= L / 2 * ||x_new - x||_D^2,

    where ``D_f`` is the Bregman divergence of the smooth part (the loss's,
    computed from ``Z_out - Z``, plus ``l2 / 2 * ||W_out - W||^2``). Testing
    the divergence rather than ``f(x_new) <= f(x) + ...`` avoids comparing two
    large, nearly equal sums, which rounding makes unreliable near the optimum
    or with shifted raw features. Fills the ``*_out`` arrays (``Z_out`` is
    the predictor at the new point) and returns ``(smooth value at the new
    point, lipschitz)``.
    """
    if not fixed_step:
        lipschitz = max(lipschitz * lipschitz_decrease, LIPSCHITZ_FLOOR)
    while True:
        prox_gradient_step(
            W,
            intercept,
            grad,
            grad_intercept,
            lipschitz,
            scale,
            scale_intercept,
            l1,
            W_out,
            intercept_out,
        )
        design_matmul(X, W_out, intercept_out, x_mean, Z_out)
        if fixed_step or lipschitz >= lipschitz_max:
            break
        in_metric, plain = step_lengths(
            W, intercept, W_out, intercept_out, scale, scale_intercept
        )
        divergence = loss_bregman(loss, Y, Z, Z_out, weights) + 0.5 * l2 * plain
        if divergence <= 0.5 * lipschitz * in_metric * (1.0 + rel_eps):
            break
        lipschitz = min(2.0 * lipschitz, lipschitz_max)
    return smooth_value(loss, Y, Z_out, weights, W_out, l2), lipschitz
