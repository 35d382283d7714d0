"""The problem handle and the pieces shared by the proximal-gradient solvers.

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
from typing import NamedTuple

import numpy as np
from numba import njit
from numba.extending import overload

from .._linalg import DesignMatrix, design_matmul, design_rmatmul, one_type
from .._losses import LOSS_MARKERS, datafit_bregman, datafit_gradient, datafit_value
from .._prox import (
    add_decay,
    l1_value,
    l2_value,
    optimality_residual,
    soft_threshold,
)

CONVERGED = 0
MAX_ITER_REACHED = 1
NON_FINITE = 2
#: The solver stopped making progress before reaching ``tol`` (a Newton line
#: search that found no decrease even along a tightly solved direction).
STALLED = 3

#: Options of a kernel called only from other kernels: no Python or C entry
#: wrappers to compile (17-39% of a small function's compile time).
INTERNAL = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True}

#: Smallest constant tried (steps of length 1e6 in standardised units).
LIPSCHITZ_FLOOR = 1e-6


class Problem(NamedTuple):
    """Everything a solver needs to know about one regularised problem.

    Built once by :func:`skdecay._core._problem.prepare_problem`; a solver
    reads it and never asks about the layout of ``X``, the loss or the penalty
    beyond passing this handle to the shared pieces below.
    """

    X: DesignMatrix
    Y: np.ndarray  # (n_samples, n_outputs) targets, 0/1 column or one-hot
    weights: np.ndarray  # (n_samples,), summing to one
    x_mean: np.ndarray  # (n_features,), implicit centering (zeros if no intercept)
    loss: int  # a code from skdecay._core._losses
    l1: np.ndarray  # (n_features,) float64, alpha * l1_ratio * penalty weight
    l2: np.ndarray  # (n_features,) float64, alpha * (1 - l1_ratio) * weight
    fit_intercept: bool
    scale: np.ndarray  # (n_features,), the diagonal preconditioner
    scale_intercept: float
    lipschitz_max: float  # n_features + fit_intercept, the trace bound
    rel_eps: float  # rounding slack of the backtracking test
    # Optional (0 x 0 when absent): the weighted second moments of the
    # centred design with the intercept column, (n_features + 1)^2, formed
    # once by a caller that solves the same data many times (a path);
    # 'newton' builds its preconditioner from it instead of forming H.
    gram: np.ndarray


class Trace(NamedTuple):
    """Where a solver records each iteration.

    ``objective`` has one slot per allowed iteration. ``coef`` and
    ``intercept`` hold the iterates themselves (in the solver's centred
    parametrisation) when they have as many rows as ``objective``; with zero
    rows nothing but the objective is recorded, at no cost.
    """

    objective: np.ndarray  # (max_iter,) float64
    coef: np.ndarray  # (max_iter or 0, n_features, n_outputs)
    intercept: np.ndarray  # (max_iter or 0, n_outputs)


def specialise(problem):
    """``problem`` with its loss code replaced by the loss's marker, and its
    design in the one type per dtype (:func:`.._linalg.one_type`).

    A kernel that receives it compiles for that loss alone (see
    :mod:`.._losses`); one that receives the code compiles every loss.
    """
    if isinstance(problem.loss, (int, np.integer)):
        problem = problem._replace(loss=LOSS_MARKERS[int(problem.loss)])
    return problem._replace(X=one_type(problem.X))


def specialised_entry(kernel, name, doc):
    """The Python entry of a solver kernel: ``kernel`` run on the specialised
    problem, with the kernel's own arguments (``learning_rate`` for the
    proximal-gradient methods only) passed through."""

    def solve(problem, W_init, intercept_init, max_iter, tol, trace, *options):
        return kernel(
            specialise(problem), W_init, intercept_init, max_iter, tol, *options,
            trace,
        )  # fmt: skip

    solve.__name__ = solve.__qualname__ = name
    solve.__doc__ = doc
    solve.kernel = kernel
    return solve


@njit(cache=True, nogil=True, inline="always")
def record_iterate(trace, it, objective, W, intercept):
    """Store iteration ``it``: its objective, and the iterate if asked for."""
    trace.objective[it] = objective
    if trace.coef.shape[0] > 0:
        # Loops, not ``trace.coef[it] = W``: the slice assignment pulls in
        # Numba's error-message code (2 s of compilation).
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                trace.coef[it, j, k] = W[j, k]
        for k in range(intercept.shape[0]):
            trace.intercept[it, k] = intercept[k]


@njit(cache=True, nogil=True)
def _smooth_value(problem, Z, W):
    """Value of the smooth part: loss plus ``l2 / 2 * ||W||^2``."""
    value = datafit_value(problem.loss, problem.Y, Z, problem.weights)
    return value + l2_value(W, problem.l2)


@njit(cache=True, nogil=True)
def _smooth_gradient(problem, W, Z, G, grad, grad_intercept):
    """Gradient of the smooth part at ``W`` (with predictor ``Z``).

    Fills ``G`` (the weighted loss derivative in ``Z``), ``grad``
    (n_features, n_outputs) and ``grad_intercept`` (n_outputs,), and returns
    the smooth value.
    """
    value = datafit_gradient(problem.loss, problem.Y, Z, problem.weights, G)
    design_rmatmul(problem.X, G, problem.x_mean, grad)
    add_decay(grad, W, problem.l2)
    value += l2_value(W, problem.l2)
    grad_intercept[:] = 0.0
    if problem.fit_intercept:
        for i in range(G.shape[0]):
            for k in range(G.shape[1]):
                grad_intercept[k] += G[i, k]
    return value


@njit(cache=True, nogil=True)
def _residual(problem, W, grad, grad_intercept):
    """The optimality residual (the stopping rule's measure) at ``W``."""
    return optimality_residual(
        W, grad, grad_intercept, problem.l1, problem.scale, problem.scale_intercept
    )


# Called from Python, these run the kernel compiled for the problem's loss
# alone (the one the solver uses too); compiled callers get the overloads.


def smooth_value(problem, Z, W):
    """Value of the smooth part: loss plus ``l2 / 2 * ||W||^2``."""
    return _smooth_value(specialise(problem), Z, W)


def smooth_gradient(problem, W, Z, G, grad, grad_intercept):
    """Gradient of the smooth part (see ``_smooth_gradient``); returns its value."""
    return _smooth_gradient(specialise(problem), W, Z, G, grad, grad_intercept)


def residual(problem, W, grad, grad_intercept):
    """The optimality residual (the stopping rule's measure) at ``W``."""
    return _residual(specialise(problem), W, grad, grad_intercept)


@overload(smooth_value, inline="always")
def _ol_smooth_value(problem, Z, W):
    return lambda problem, Z, W: _smooth_value(problem, Z, W)


@overload(smooth_gradient, inline="always")
def _ol_smooth_gradient(problem, W, Z, G, grad, grad_intercept):
    return lambda problem, W, Z, G, grad, grad_intercept: _smooth_gradient(
        problem, W, Z, G, grad, grad_intercept
    )


@overload(residual, inline="always")
def _ol_residual(problem, W, grad, grad_intercept):
    return lambda problem, W, grad, grad_intercept: _residual(
        problem, W, grad, grad_intercept
    )


@njit(cache=True, nogil=True, inline="always")
def prox_gradient_step(
    problem, W, intercept, grad, grad_intercept, lipschitz, W_out, intercept_out
):
    """One preconditioned proximal-gradient step of length ``1 / lipschitz``.

    ``W_out = soft_threshold(W - grad / (L d), l1_j / (L d))`` coordinate-wise,
    the intercept takes a plain gradient step.
    """
    for j in range(W.shape[0]):
        inv = 1.0 / (lipschitz * problem.scale[j])
        threshold = problem.l1[j] * inv
        for k in range(W.shape[1]):
            W_out[j, k] = soft_threshold(W[j, k] - inv * grad[j, k], threshold)
    inv_b = 1.0 / (lipschitz * problem.scale_intercept)
    for k in range(intercept.shape[0]):
        intercept_out[k] = intercept[k] - inv_b * grad_intercept[k]


@njit(cache=True, nogil=True, inline="always")
def step_lengths(problem, W, intercept, W_new, intercept_new):
    """``(||x_new - x||_D^2, sum_j l2_j ||W_new_j - W_j||^2)``: the step in the
    metric, and the L2 part's share of the Bregman divergence (times 2)."""
    in_metric = 0.0
    decayed = 0.0
    for j in range(W.shape[0]):
        for k in range(W.shape[1]):
            d = W_new[j, k] - W[j, k]
            decayed += problem.l2[j] * d * d
            in_metric += problem.scale[j] * d * d
    for k in range(intercept.shape[0]):
        d = intercept_new[k] - intercept[k]
        in_metric += problem.scale_intercept * d * d
    return in_metric, decayed


@njit(cache=True, nogil=True, inline="always")
def gradient_mapping_norm(problem, W, intercept, W_new, intercept_new, lipschitz):
    """Largest entry of the gradient mapping ``L D (x - x_new)``, standardised."""
    worst = 0.0
    for j in range(W.shape[0]):
        s = lipschitz * math.sqrt(problem.scale[j])
        for k in range(W.shape[1]):
            worst = max(worst, s * abs(W[j, k] - W_new[j, k]))
    s = lipschitz * math.sqrt(problem.scale_intercept)
    for k in range(intercept.shape[0]):
        worst = max(worst, s * abs(intercept[k] - intercept_new[k]))
    return worst


@njit(cache=True, nogil=True, **INTERNAL)
def backtracking_prox_step(
    problem, W, intercept, Z, grad, grad_intercept, lipschitz, lipschitz_decrease,
    fixed_step, W_out, intercept_out, Z_out,
):  # fmt: skip
    """A proximal-gradient step from ``W`` (predictor ``Z``), with backtracking.

    Unless ``fixed_step`` is set, ``lipschitz`` is first multiplied by
    ``lipschitz_decrease`` (<= 1; below 1 the step follows the local
    curvature, which may be far below the global bound), then doubles (up to
    the proven bound ``problem.lipschitz_max``) until the quadratic majoriser
    holds at the new point:

        D_f(x_new, x) <= L / 2 * ||x_new - x||_D^2,

    where ``D_f`` is the Bregman divergence of the smooth part (the loss's,
    computed from ``Z_out - Z``, plus ``sum_j l2_j / 2 * ||W_out_j - W_j||^2``). Testing
    the divergence rather than ``f(x_new) <= f(x) + ...`` avoids comparing two
    large, nearly equal sums, which rounding makes unreliable near the optimum
    or with shifted raw features. Fills the ``*_out`` arrays (``Z_out`` is
    the predictor at the new point) and returns ``(objective at the new point,
    lipschitz)``; the objective is NaN if the new point is not finite.
    """
    if not fixed_step:
        lipschitz = max(lipschitz * lipschitz_decrease, LIPSCHITZ_FLOOR)
    while True:
        prox_gradient_step(
            problem, W, intercept, grad, grad_intercept, lipschitz, W_out,
            intercept_out,
        )  # fmt: skip
        design_matmul(problem.X, W_out, intercept_out, problem.x_mean, Z_out)
        if fixed_step or lipschitz >= problem.lipschitz_max:
            break
        in_metric, decayed = step_lengths(problem, W, intercept, W_out, intercept_out)
        divergence = datafit_bregman(problem.loss, problem.Y, Z, Z_out, problem.weights)
        divergence += 0.5 * decayed
        if divergence <= 0.5 * lipschitz * in_metric * (1.0 + problem.rel_eps):
            break
        lipschitz = min(2.0 * lipschitz, problem.lipschitz_max)
    objective = _smooth_value(problem, Z_out, W_out) + l1_value(W_out, problem.l1)
    if not all_finite(W_out, intercept_out):
        objective = math.nan
    return objective, lipschitz


#: Armijo's sufficient-decrease constant (the Newton solvers' line search).
ARMIJO = 1e-4
#: Consecutive Newton steps that neither decrease the objective measurably
#: nor halve the optimality residual, after which a solver reports
#: ``STALLED`` instead of running to max_iter. (Near the optimum the
#: objective's decrease falls below rounding while the residual still
#: shrinks: either counts as progress.)
NO_PROGRESS_LIMIT = 3


@njit(cache=True, nogil=True, inline="always")
def made_progress(problem, before, after):
    """Whether the objective went down by more than its rounding error."""
    return after < before - problem.rel_eps * abs(before)


#: Halvings of the step before the line search gives up.
MAX_HALVINGS = 60


@njit(cache=True, nogil=True)
def armijo_line_search(
    problem, W, intercept, Z, S, s_intercept, Z_step, objective, predicted,
    W_new, intercept_new, Z_new,
):  # fmt: skip
    """The longest step ``t`` in 1, 1/2, 1/4, ... along ``(S, s_intercept)``
    with ``F(x + t d) <= F(x) + ARMIJO * t * predicted``.

    ``F`` is the whole objective (smooth part plus L1) and ``predicted`` the
    decrease the step's model promises: ``g . d`` for a smooth objective,
    Tseng & Yun's ``g . d + sum_j l1_j (||W_j + S_j||_1 - ||W_j||_1)`` with
    an L1 part. The predictor moves linearly, ``Z + t Z_step``. A slack of
    ``rel_eps |F|`` lets the search accept a step at the optimum, where
    rounding dominates.
    Fills the ``*_new`` arrays and returns ``(F there, accepted)``: ``F`` is
    NaN if not finite, and ``accepted`` is False when no step passed the test
    (the ``*_new`` arrays then hold the shortest step tried).
    """
    slack = problem.rel_eps * abs(objective)
    step = 1.0
    value = math.nan
    accepted = False
    for _ in range(MAX_HALVINGS):
        for i in range(Z.shape[0]):
            for k in range(Z.shape[1]):
                Z_new[i, k] = Z[i, k] + step * Z_step[i, k]
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                W_new[j, k] = W[j, k] + step * S[j, k]
        for k in range(intercept.shape[0]):
            intercept_new[k] = intercept[k] + step * s_intercept[k]
        value = _smooth_value(problem, Z_new, W_new) + l1_value(W_new, problem.l1)
        if value <= objective + ARMIJO * step * predicted + slack:
            accepted = True
            break
        step *= 0.5
    if not all_finite(W_new, intercept_new):
        value = math.nan
    return value, accepted


@njit(cache=True, nogil=True, inline="always")
def all_finite(W, intercept):
    for j in range(W.shape[0]):
        for k in range(W.shape[1]):
            if not math.isfinite(W[j, k]):
                return False
    for k in range(intercept.shape[0]):
        if not math.isfinite(intercept[k]):
            return False
    return True
