"""Data-fit terms of the objective.

Every loss is a small module with seven or eight pieces: ``*_value(Y, Z, weights)``,
``*_gradient(Y, Z, weights, G)`` (fills ``G`` with the weighted derivative in
the linear predictor ``Z`` and returns the value), ``*_row_derivative(Y, Z, i,
out)`` (the unweighted derivative at one row: what coordinate descent needs on
the rows of one column) and, for a loss that is separable across outputs, the
scalar ``*_derivative(y, z)`` (the same, one entry at a time, which the
compiler keeps in registers), ``*_hessian_apply(Y, Z, weights, V, out)`` (the
weighted Hessian in ``Z`` applied row by row to ``V``: Newton's products),
``*_bregman(Y, Z, Z_new, weights)`` (the loss's Bregman divergence between two
predictors, computed accurately from their difference: the backtracking
test), ``*_intercept_at_zero`` and a ``*_CURVATURE`` bound on its second
derivative. ``Y`` and ``Z`` are 2-D
(n_samples, n_outputs) and ``weights`` sum to one.

The solvers call the three dispatch functions below with an integer loss code,
so a new loss is one new module plus one branch here; no solver changes.
"""

from numba import njit

from ._logistic import (
    LOGISTIC_CURVATURE,
    logistic_bregman,
    logistic_derivative,
    logistic_gradient,
    logistic_hessian_apply,
    logistic_intercept_at_zero,
    logistic_row_derivative,
    logistic_value,
)
from ._multinomial import (
    MULTINOMIAL_CURVATURE,
    multinomial_bregman,
    multinomial_gradient,
    multinomial_hessian_apply,
    multinomial_intercept_at_zero,
    multinomial_row_derivative,
    multinomial_value,
)
from ._squared import (
    SQUARED_CURVATURE,
    squared_bregman,
    squared_derivative,
    squared_gradient,
    squared_hessian_apply,
    squared_intercept_at_zero,
    squared_row_derivative,
    squared_value,
)

SQUARED = 0
LOGISTIC = 1
MULTINOMIAL = 2

LOSS_CODES = {"squared": SQUARED, "logistic": LOGISTIC, "multinomial": MULTINOMIAL}
CURVATURE = {
    SQUARED: SQUARED_CURVATURE,
    LOGISTIC: LOGISTIC_CURVATURE,
    MULTINOMIAL: MULTINOMIAL_CURVATURE,
}


@njit(cache=True, nogil=True)
def loss_value(loss, Y, Z, weights):
    if loss == SQUARED:
        return squared_value(Y, Z, weights)
    if loss == LOGISTIC:
        return logistic_value(Y, Z, weights)
    return multinomial_value(Y, Z, weights)


@njit(cache=True, nogil=True)
def loss_gradient(loss, Y, Z, weights, G):
    if loss == SQUARED:
        return squared_gradient(Y, Z, weights, G)
    if loss == LOGISTIC:
        return logistic_gradient(Y, Z, weights, G)
    return multinomial_gradient(Y, Z, weights, G)


@njit(cache=True, nogil=True)
def loss_is_separable(loss):
    """Whether the loss is a sum over outputs (then use :func:`loss_derivative`)."""
    return loss != MULTINOMIAL


@njit(cache=True, nogil=True)
def loss_derivative(loss, y, z):
    """``dloss/dz`` of a separable loss at one entry."""
    if loss == SQUARED:
        return squared_derivative(y, z)
    return logistic_derivative(y, z)


@njit(cache=True, nogil=True)
def loss_row_derivative(loss, Y, Z, i, out):
    if loss == SQUARED:
        squared_row_derivative(Y, Z, i, out)
    elif loss == LOGISTIC:
        logistic_row_derivative(Y, Z, i, out)
    else:
        multinomial_row_derivative(Y, Z, i, out)


@njit(cache=True, nogil=True)
def loss_hessian_apply(loss, Y, Z, weights, V, out):
    if loss == SQUARED:
        squared_hessian_apply(Y, Z, weights, V, out)
    elif loss == LOGISTIC:
        logistic_hessian_apply(Y, Z, weights, V, out)
    else:
        multinomial_hessian_apply(Y, Z, weights, V, out)


@njit(cache=True, nogil=True)
def loss_bregman(loss, Y, Z, Z_new, weights):
    if loss == SQUARED:
        return squared_bregman(Y, Z, Z_new, weights)
    if loss == LOGISTIC:
        return logistic_bregman(Y, Z, Z_new, weights)
    return multinomial_bregman(Y, Z, Z_new, weights)


@njit(cache=True, nogil=True)
def intercept_at_zero(loss, Y, weights):
    if loss == SQUARED:
        return squared_intercept_at_zero(Y, weights)
    if loss == LOGISTIC:
        return logistic_intercept_at_zero(Y, weights)
    return multinomial_intercept_at_zero(Y, weights)
