"""The outer loop of proximal Newton on working sets.

Shared by the solver for one output (:mod:`._prox_newton`, whose models are
weighted least squares solved by coordinate descent's kernel) and the one
for several outputs coupled by the loss (:mod:`._prox_newton_coupled`, whose
models keep each row's whole curvature). What differs is the model and its
solve, behind ``model.step``; the loop is the same:

* one full gradient per outer iteration: the stopping test and the next
  working set (the support and the worst violators,
  :func:`._cd._choose_working_set`);
* Newton steps on the set until the set's own residual is
  ``set_ratio`` of the full one (or ``tol``);
* a step that does not lower the objective counts as no progress; after
  ``NO_PROGRESS_LIMIT`` such rounds (:class:`._common.Progress`), or a step
  the line search rejects, the solve stops with status ``STALLED``.

``model`` provides ``problem``, ``datafit``, ``Y``, ``weights``,
``predictor(W, intercept)``, ``full_gradient(G, W)``, ``violations(W, grad,
grad_intercept)`` (per-feature standardised violations and the
intercept's), ``working_set(features)`` (an object with ``features``,
``gradient(G, W_set)``, ``residual(W_set, grad, grad_intercept)`` and
``penalty(W_set)``) and ``step(the_set, W, intercept, Z, G, grad_set,
grad_intercept, loss, objective, residual, inner_ratio, tol)``, which
returns ``(objective, accepted, W_set, intercept, Z, inner_ratio)``.
"""

import math

import numpy as np

from ._cd import _choose_working_set, at_least_two
from ._common import (
    ARMIJO,
    CONVERGED,
    MAX_HALVINGS,
    MAX_ITER_REACHED,
    NON_FINITE,
    STALLED,
    Progress,
)


def working_set_newton(
    model, W, intercept, max_iter, tol, trace, start_gradient, *, inner_ratio,
    set_ratio,
):  # fmt: skip
    """Run the loop from ``(W, intercept)`` (float64, ``intercept`` of shape
    (n_outputs,)); return ``(W, intercept, n_iter, status, violation)``.

    ``start_gradient`` ``(grad, grad_intercept)`` at the start replaces the
    first pass over ``X``; ``inner_ratio`` is the first models' tolerance,
    relative to the set's residual (``model.step`` tightens it).
    """
    problem = model.problem
    datafit = model.datafit
    n_features = W.shape[0]
    Z = model.predictor(W, intercept)
    loss, G = datafit.gradient(model.Y, Z, model.weights)
    progress = Progress()
    working_set = np.empty(0, dtype=np.int64)
    status = MAX_ITER_REACHED
    n_iter = 0
    worst = math.nan
    while True:
        # The one full gradient of an outer iteration (the caller's, at a
        # cold start).
        if start_gradient is not None:
            (grad, grad_intercept), start_gradient = start_gradient, None
        else:
            grad, grad_intercept = model.full_gradient(G, W)
        residuals, at_intercept = model.violations(W, grad, grad_intercept)
        worst = max(float(residuals.max(initial=0.0)), at_intercept)
        if worst <= tol:
            status = CONVERGED
            break
        if progress.stalled(worst):
            status = STALLED
            break
        if n_iter >= max_iter:
            break
        working_set = _choose_working_set(
            residuals, (W != 0.0).any(axis=1), working_set.shape[0]
        )
        the_set = model.working_set(at_least_two(working_set, n_features))
        working_set = the_set.features
        grad_set, grad_int = grad[working_set], grad_intercept
        set_residual = worst
        set_tol = max(set_ratio * worst, tol)
        first = True
        while n_iter < max_iter:
            if not first:
                grad_set, grad_int = the_set.gradient(G, W[working_set])
                set_residual = the_set.residual(W[working_set], grad_set, grad_int)
                if set_residual <= set_tol:
                    break
            first = False
            # The set holds the support: the penalty outside it is zero.
            objective = loss + the_set.penalty(W[working_set])
            outcome = model.step(
                the_set, W, intercept, Z, G, grad_set, grad_int, loss, objective,
                set_residual, inner_ratio, tol,
            )  # fmt: skip
            new_objective, accepted, W_set, intercept_new, Z_new, inner_ratio = outcome
            if not accepted:
                # The point is unchanged since the last full gradient only
                # when no step was taken on this set: not measured here.
                status = STALLED
                worst = math.nan
                break
            W[working_set] = W_set
            intercept, Z = intercept_new, Z_new
            trace.objective[n_iter] = new_objective
            if trace.coef.shape[0] > 0:
                trace.coef[n_iter] = W
                trace.intercept[n_iter] = intercept
            n_iter += 1
            if not math.isfinite(new_objective):
                return W, intercept, n_iter, NON_FINITE, math.nan
            loss, G = datafit.gradient(model.Y, Z, model.weights)
            lowered = new_objective < objective - problem.rel_eps * abs(objective)
            progress.step(lowered)
            if not lowered:
                break
        if status == STALLED:
            break
    # Every other exit follows the full gradient at the returned point.
    return W, intercept, n_iter, status, worst


def search_step(value_at, W_set, S, intercept, s_intercept, Z, Z_step,
                objective, predicted, slack, inner_ratio, min_ratio):  # fmt: skip
    """Armijo's backtracking along a model's step, and what ``model.step``
    returns then, or None when the model was solved too loosely to give a
    descent direction and should be solved again, tighter.

    The step ``(S, s_intercept)`` on the set (``Z_step``, the predictor's
    change along it) is scaled by 1, 1/2, 1/4, ... until the objective,
    ``value_at(W_try, Z_try)``, decreases by ``ARMIJO * t * predicted``
    (Tseng and Yun's predicted decrease) within ``slack``.
    """
    step = 1.0
    accepted = False
    for _ in range(MAX_HALVINGS):
        W_try = W_set + step * S
        Z_try = Z + step * Z_step
        value = value_at(W_try, Z_try)
        if value <= objective + ARMIJO * step * predicted + slack:
            accepted = True
            break
        step *= 0.5
    intercept_try = intercept + step * s_intercept
    return _step_outcome(
        value, accepted, predicted, W_try, intercept_try, Z_try, inner_ratio,
        min_ratio,
    )  # fmt: skip


def _step_outcome(value, accepted, predicted, W_try, intercept_try, Z_try,
                  inner_ratio, min_ratio):  # fmt: skip
    """What ``model.step`` returns after its line search, or None when the
    model should be solved again, tighter (``inner_ratio`` above
    ``min_ratio``).

    A non-finite point is returned as accepted with a NaN objective (the
    loop stops with status ``NON_FINITE``); a step the line search accepted
    with a negative predicted decrease is taken; at ``min_ratio`` a rejected
    step is returned as not accepted (status ``STALLED``).
    """
    finite = np.isfinite(W_try).all() and np.isfinite(intercept_try).all()
    if not finite or not math.isfinite(value):
        return math.nan, True, W_try, intercept_try, Z_try, inner_ratio
    if accepted and predicted < 0.0:
        return value, True, W_try, intercept_try, Z_try, inner_ratio
    if inner_ratio <= min_ratio:
        return value, False, W_try, intercept_try, Z_try, inner_ratio
    return None
