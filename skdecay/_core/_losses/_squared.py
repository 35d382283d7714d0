"""Squared error: ``loss(y, z) = 1/2 * sum_k (y_k - z_k)^2``.

Each output ``k`` is an independent least-squares problem (as in Ridge and
Lasso with a 2-D target).
"""

from numba import njit

from .._linalg import INTERNAL

#: Upper bound on the second derivative of the loss in ``z``.
SQUARED_CURVATURE = 1.0


@njit(cache=True, nogil=True, inline="always")
def squared_value(loss, Y, Z, weights):
    total = 0.0
    for i in range(Z.shape[0]):
        row = 0.0
        for k in range(Z.shape[1]):
            r = Z[i, k] - Y[i, k]
            row += r * r
        total += weights[i] * row
    return 0.5 * total


@njit(cache=True, nogil=True, inline="always")
def squared_gradient(loss, Y, Z, weights, G):
    """Fill ``G = weights * dloss/dz`` and return the loss value."""
    total = 0.0
    for i in range(Z.shape[0]):
        w = weights[i]
        row = 0.0
        for k in range(Z.shape[1]):
            r = Z[i, k] - Y[i, k]
            row += r * r
            G[i, k] = w * r
        total += w * row
    return 0.5 * total


@njit(cache=True, nogil=True, inline="always")
def squared_row_value(loss, Y, Z, i):
    """The (unweighted) loss of row ``i``."""
    row = 0.0
    for k in range(Z.shape[1]):
        r = Z[i, k] - Y[i, k]
        row += r * r
    return 0.5 * row


@njit(cache=True, nogil=True, inline="always")
def squared_derivative(loss, y, z):
    """``dloss/dz`` for one output (the loss is separable across outputs)."""
    return z - y


@njit(cache=True, nogil=True, inline="always")
def squared_row_derivative(loss, Y, Z, i, out):
    """Fill ``out[k] = dloss/dz_k`` at row ``i`` (unweighted)."""
    for k in range(Z.shape[1]):
        out[k] = Z[i, k] - Y[i, k]


@njit(cache=True, nogil=True, **INTERNAL)
def squared_hessian_apply(loss, Y, Z, weights, V, out):
    """``out_i = weights_i * V_i``: the Hessian in ``z`` is the identity."""
    for i in range(Z.shape[0]):
        w = weights[i]
        for k in range(Z.shape[1]):
            out[i, k] = w * V[i, k]


@njit(cache=True, nogil=True, inline="always")
def squared_bregman(loss, Y, Z, Z_new, weights):
    """``sum_i w_i [loss(Z_new_i) - loss(Z_i) - loss'(Z_i) (Z_new_i - Z_i)]``.

    For the squared loss it is exactly ``1/2 * sum_i w_i ||Z_new_i - Z_i||^2``.
    """
    total = 0.0
    for i in range(Z.shape[0]):
        row = 0.0
        for k in range(Z.shape[1]):
            d = Z_new[i, k] - Z[i, k]
            row += d * d
        total += weights[i] * row
    return 0.5 * total
