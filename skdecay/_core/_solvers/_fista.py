"""Accelerated proximal gradient (FISTA) with backtracking and adaptive restart.

Beck & Teboulle's FISTA in the preconditioner's metric, with

* backtracking on the Lipschitz constant (start at ``L = 1``, the value of a
  perfectly Jacobi-conditioned problem, double until the majoriser holds);
* the gradient-based adaptive restart of O'Donoghue & Candes (2015): momentum
  is reset whenever it points against the latest step, which restores linear
  convergence on strongly convex problems (any L2 decay);
* one product with ``X`` and one with ``X^T`` per iteration: the predictor at
  the extrapolated point is extrapolated too, ``Z_y = Z + beta (Z - Z_prev)``.

The cheap gradient-mapping norm flags candidate convergence; the true
optimality residual at the iterate then confirms it, so the returned point
satisfies the documented stopping rule.

The kernel, :func:`_proximal_gradient`, also runs plain proximal gradient
descent (:mod:`._gd`, ``accelerated=False``): one compiled function serves
both methods, so the second costs no compilation after the first.
"""

import math

import numpy as np
from numba import njit

from .._linalg import _design_matmul
from .._losses import datafit_bregman
from .._products import as_matrix, centred_matmul
from .._prox import _optimality_residual, soft_threshold
from ._common import (
    CONVERGED,
    LIPSCHITZ_FLOOR,
    MAX_ITER_REACHED,
    NON_FINITE,
    record_iterate,
    smooth_gradient,
    specialise,
)

#: FISTA keeps its constant non-decreasing, as in Beck & Teboulle: letting it
#: shrink at every step without adjusting the momentum (Scheinberg et al.,
#: 2014) slowed it 2-5x on raw breast_cancer and digits, and halving it at each
#: restart helped at tol=1e-4 but cost 3-7x at tol=1e-8.
LIPSCHITZ_DECREASE = 1.0


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def _proximal_gradient(
    problem, max_iter, tol, learning_rate, accelerated, lipschitz_decrease, trace,
    Ws, bs, Zs,
):  # fmt: skip
    """Run FISTA (``accelerated``) or proximal gradient descent; return
    ``(W, intercept, n_iter, status)``.

    Each step is a preconditioned proximal-gradient step of length ``1 /
    L`` from the point ``y`` (the iterate, or FISTA's extrapolation).
    Unless ``learning_rate`` fixes ``L``, ``L`` is first multiplied by
    ``lipschitz_decrease`` (<= 1; below 1 the step follows the local
    curvature, which may be far below the global bound), then doubles (up
    to the proven bound ``problem.lipschitz_max``) until the quadratic
    majoriser holds at the new point:

        D_f(x_new, y) <= L / 2 * ||x_new - y||_D^2,

    where ``D_f`` is the Bregman divergence of the smooth part (the loss's,
    computed from the two predictors, plus ``sum_j l2_j / 2 * ||W_new_j -
    W_y_j||^2``). Testing the divergence rather than ``f(x_new) <= f(y) +
    ...`` avoids comparing two large, nearly equal sums, which rounding makes
    unreliable near the optimum or with shifted raw features.

    Gradient descent stops when the optimality residual at the iterate is at
    most ``tol``; FISTA when the gradient mapping's is and the residual at
    the iterate confirms it. The caller provides the work arrays, in the
    dtype of ``X``: ``Ws`` (5, n_features, n_outputs), ``bs`` (5,
    n_outputs) and ``Zs`` (5, n_samples, n_outputs), the first three of
    each holding the start (coefficients, intercept, predictor). One
    function, its helpers compiled once, with no allocation of its own: each
    piece of code here costs compilation in a new environment.
    """
    W, W_prev, W_y, W_new, grad = Ws[0], Ws[1], Ws[2], Ws[3], Ws[4]
    b, b_prev, b_y, b_new, grad_intercept = bs[0], bs[1], bs[2], bs[3], bs[4]
    Z, Z_prev, Z_y, Z_new, G = Zs[0], Zs[1], Zs[2], Zs[3], Zs[4]
    n_features, n_outputs = W.shape
    l1, l2, scale = problem.l1, problem.l2, problem.scale
    fixed_step = learning_rate > 0.0
    lipschitz = 1.0 / learning_rate if fixed_step else 1.0
    momentum = 1.0
    status = MAX_ITER_REACHED
    n_iter = 0
    for it in range(max_iter + 1):
        if accelerated and it == max_iter:
            break
        loss_y = smooth_gradient(problem, W_y, Z_y, G, grad, grad_intercept)
        # Gradient descent tests every iterate; FISTA a warm start (at
        # it == 0, y is the iterate), then its iterates below.
        if (it == 0 or not accelerated) and _optimality_residual(
            W_y, grad, grad_intercept, l1, scale, problem.scale_intercept
        ) <= tol:  # fmt: skip
            status = CONVERGED
            break
        if it == max_iter:
            break

        # The proximal step from y, with backtracking. Along with the step:
        # its length in the metric, the L2 part's share of the Bregman
        # divergence (times 2) and the penalty at the new point.
        if not fixed_step:
            lipschitz *= lipschitz_decrease
            if lipschitz < LIPSCHITZ_FLOOR:
                lipschitz = LIPSCHITZ_FLOOR
        while True:
            in_metric = 0.0
            decayed = 0.0
            penalty = 0.0
            for j in range(n_features):
                inv = 1.0 / (lipschitz * scale[j])
                for k in range(n_outputs):
                    new = soft_threshold(W_y[j, k] - inv * grad[j, k], l1[j] * inv)
                    W_new[j, k] = new
                    d = new - W_y[j, k]
                    decayed += l2[j] * d * d
                    in_metric += scale[j] * d * d
                    penalty += l1[j] * abs(new) + 0.5 * l2[j] * new * new
            inv = 1.0 / (lipschitz * problem.scale_intercept)
            for k in range(n_outputs):
                b_new[k] = b_y[k] - inv * grad_intercept[k]
                d = b_new[k] - b_y[k]
                in_metric += problem.scale_intercept * d * d
            _design_matmul(problem.X, W_new, b_new, problem.x_mean, Z_new)
            divergence = datafit_bregman(
                problem.loss, problem.Y, Z_y, Z_new, problem.weights
            )
            if fixed_step or lipschitz >= problem.lipschitz_max:
                break
            if divergence + 0.5 * decayed <= 0.5 * lipschitz * in_metric * (
                1.0 + problem.rel_eps
            ):
                break
            lipschitz *= 2.0
            if lipschitz > problem.lipschitz_max:
                lipschitz = problem.lipschitz_max
        # The loss at the new point from its value, gradient and divergence
        # at y (no second pass of exp and log over the rows). The penalty is
        # not finite if W_new is not (no weight is infinite).
        objective = loss_y + divergence + penalty
        for i in range(Z.shape[0]):
            for k in range(n_outputs):
                objective += G[i, k] * (Z_new[i, k] - Z_y[i, k])
        for k in range(n_outputs):
            if not math.isfinite(b_new[k]):
                objective = math.nan
        record_iterate(trace, it, objective, W_new, b_new)
        n_iter = it + 1
        if not math.isfinite(objective):
            status = NON_FINITE
            break

        if not accelerated:
            W, W_new = W_new, W
            b, b_new = b_new, b
            Z, Z_new = Z_new, Z
            W_y, b_y, Z_y = W, b, Z
            continue
        # The largest entry of the gradient mapping L D (y - x_new),
        # standardised, and the restart test <y - x_new, x_new - x> > 0.
        step_norm = 0.0
        backwards = 0.0
        for j in range(n_features):
            s = lipschitz * math.sqrt(scale[j])
            for k in range(n_outputs):
                gap = s * abs(W_y[j, k] - W_new[j, k])
                if gap > step_norm:
                    step_norm = gap
                backwards += (W_y[j, k] - W_new[j, k]) * (W_new[j, k] - W[j, k])
        s = lipschitz * math.sqrt(problem.scale_intercept)
        for k in range(n_outputs):
            gap = s * abs(b_y[k] - b_new[k])
            if gap > step_norm:
                step_norm = gap
            backwards += (b_y[k] - b_new[k]) * (b_new[k] - b[k])
        # Rotate buffers: prev <- current <- new.
        W_prev, W, W_new = W, W_new, W_prev
        b_prev, b, b_new = b, b_new, b_prev
        Z_prev, Z, Z_new = Z, Z_new, Z_prev

        if step_norm <= tol:
            smooth_gradient(problem, W, Z, G, grad, grad_intercept)
            if _optimality_residual(
                W, grad, grad_intercept, l1, scale, problem.scale_intercept
            ) <= tol:  # fmt: skip
                status = CONVERGED
                break

        if backwards > 0.0:
            momentum = 1.0
            beta = 0.0
        else:
            next_momentum = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * momentum * momentum))
            beta = (momentum - 1.0) / next_momentum
            momentum = next_momentum
        # y = x + beta (x - x_prev), its predictor likewise.
        for j in range(n_features):
            for k in range(n_outputs):
                W_y[j, k] = W[j, k] + beta * (W[j, k] - W_prev[j, k])
        for k in range(n_outputs):
            b_y[k] = b[k] + beta * (b[k] - b_prev[k])
        for i in range(Z.shape[0]):
            for k in range(n_outputs):
                Z_y[i, k] = Z[i, k] + beta * (Z[i, k] - Z_prev[i, k])
    return W, b, n_iter, status


def run(
    problem, W_init, intercept_init, max_iter, tol, learning_rate, trace,
    accelerated, lipschitz_decrease,
):  # fmt: skip
    """Run the kernel on the specialised problem with fresh work arrays."""
    problem = specialise(problem)
    dtype = W_init.dtype
    n_features, n_outputs = W_init.shape
    X = as_matrix(problem.X)
    Ws = np.empty((5, n_features, n_outputs), dtype=dtype)
    bs = np.empty((5, n_outputs), dtype=dtype)
    Ws[:3] = W_init
    bs[:3] = intercept_init
    Zs = np.empty((5, X.shape[0], n_outputs), dtype=dtype)
    if W_init.any():
        Zs[:3] = centred_matmul(X, W_init, intercept_init, problem.x_mean)
    else:  # a cold start: no pass over X
        Zs[:3] = intercept_init
    W, intercept, n_iter, status = _proximal_gradient(
        problem, max_iter, tol, learning_rate, accelerated, lipschitz_decrease,
        trace, Ws, bs, Zs,
    )  # fmt: skip
    # The kernel measures the true residual only to confirm convergence (a
    # cheaper gradient-mapping norm flags it): at a point that stopped short
    # of tol, the violation is not known here.
    return W.copy(), intercept.copy(), n_iter, status, math.nan


def accelerated_proximal_gradient(
    problem, W_init, intercept_init, max_iter, tol, trace, learning_rate
):
    """Run FISTA; return ``(W, intercept, n_iter, status, violation)``
    (:class:`~skdecay._core._solvers.SolverOutput`)."""
    return run(
        problem, W_init, intercept_init, max_iter, tol, learning_rate, trace, True,
        LIPSCHITZ_DECREASE,
    )  # fmt: skip
