"""Binary log-loss: ``loss(y, z) = log(1 + exp(z)) - y z`` with ``y`` in {0, 1}.

This is the negative log-likelihood of ``P(y = 1) = sigmoid(z)``, the loss of
LogisticRegression for two classes.
"""

import math

from numba import njit

from .._linalg import INTERNAL

#: Upper bound on the second derivative of the loss in ``z``.
LOGISTIC_CURVATURE = 0.25


@njit(cache=True, nogil=True, inline="always")
def log1pexp(z):
    """``log(1 + exp(z))`` without overflow.

    One ``exp`` whatever the sign of ``z`` (as in :func:`sigmoid`): with one
    call per branch, LLVM may evaluate both and select (it did in coordinate
    descent's loops: a third more time per sweep).
    """
    tail = math.log1p(math.exp(-abs(z)))
    if z > 0.0:
        return z + tail
    return tail


@njit(cache=True, nogil=True, inline="always")
def sigmoid(z):
    """``1 / (1 + exp(-z))`` without overflow, with one ``exp``."""
    e = math.exp(-abs(z))
    if z >= 0.0:
        return 1.0 / (1.0 + e)
    return e / (1.0 + e)


@njit(cache=True, nogil=True, inline="always")
def logistic_value(loss, Y, Z, weights):
    total = 0.0
    for i in range(Z.shape[0]):
        z = Z[i, 0]
        total += weights[i] * (log1pexp(z) - Y[i, 0] * z)
    return total


@njit(cache=True, nogil=True, inline="always")
def logistic_gradient(loss, Y, Z, weights, G):
    """Fill ``G = weights * dloss/dz`` and return the loss value."""
    total = 0.0
    for i in range(Z.shape[0]):
        z = Z[i, 0]
        w = weights[i]
        total += w * (log1pexp(z) - Y[i, 0] * z)
        G[i, 0] = w * (sigmoid(z) - Y[i, 0])
    return total


# The three row and entry pieces below are compiled on their own rather than
# inlined by Numba: their branches, inlined into coordinate descent's loops,
# trip Numba's SSA check (a NumbaIRAssumptionWarning shown to the user).
# LLVM still inlines them.


@njit(cache=True, nogil=True, **INTERNAL)
def logistic_row_value(loss, Y, Z, i):
    """The (unweighted) loss of row ``i``."""
    z = Z[i, 0]
    return log1pexp(z) - Y[i, 0] * z


@njit(cache=True, nogil=True, **INTERNAL)
def logistic_derivative(loss, y, z):
    """``dloss/dz = sigmoid(z) - y``."""
    return sigmoid(z) - y


@njit(cache=True, nogil=True, **INTERNAL)
def logistic_row_derivative(loss, Y, Z, i, out):
    """Fill ``out[0] = sigmoid(z_i) - y_i`` (unweighted)."""
    out[0] = sigmoid(Z[i, 0]) - Y[i, 0]


@njit(cache=True, nogil=True, **INTERNAL)
def logistic_hessian_apply(loss, Y, Z, weights, V, out):
    """``out_i = weights_i * p_i (1 - p_i) * V_i`` with ``p_i = sigmoid(z_i)``."""
    for i in range(Z.shape[0]):
        p = sigmoid(Z[i, 0])
        out[i, 0] = weights[i] * p * (1.0 - p) * V[i, 0]


@njit(cache=True, nogil=True, inline="always")
def logistic_bregman(loss, Y, Z, Z_new, weights):
    """``sum_i w_i [loss(z_new) - loss(z) - sigmoid(z) (z_new - z)]``.

    Computed from the step ``d = z_new - z`` as
    ``log1p(sigmoid(z) * expm1(d)) - sigmoid(z) d`` for small steps, which
    keeps its accuracy when both losses are large and nearly equal (the
    backtracking test compares this quantity with a small quadratic).
    """
    total = 0.0
    for i in range(Z.shape[0]):
        z = Z[i, 0]
        d = Z_new[i, 0] - z
        p = sigmoid(z)
        if abs(d) <= 0.5:
            value = math.log1p(p * math.expm1(d)) - p * d
        else:
            value = log1pexp(z + d) - log1pexp(z) - p * d
        total += weights[i] * value
    return total
