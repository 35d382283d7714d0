"""Multinomial cross-entropy: ``loss(y, z) = logsumexp(z) - sum_k y_k z_k``.

``y`` is the one-hot encoding of the class; ``z`` has one entry per class
(the symmetric parametrisation of LogisticRegression).
"""

import math

from numba import njit

from .._linalg import INTERNAL

#: Upper bound on the largest eigenvalue of the Hessian of the loss in ``z``
#: (``diag(p) - p p^T`` has spectral norm at most 1/2).
MULTINOMIAL_CURVATURE = 0.5


@njit(cache=True, nogil=True, **INTERNAL)
def _row_logsumexp(Z, i):
    m = Z[i, 0]
    for k in range(1, Z.shape[1]):
        m = max(m, Z[i, k])
    acc = 0.0
    for k in range(Z.shape[1]):
        acc += math.exp(Z[i, k] - m)
    return m + math.log(acc)


@njit(cache=True, nogil=True, **INTERNAL)
def multinomial_value(loss, Y, Z, weights):
    total = 0.0
    for i in range(Z.shape[0]):
        lse = _row_logsumexp(Z, i)
        fit = 0.0
        for k in range(Z.shape[1]):
            fit += Y[i, k] * Z[i, k]
        total += weights[i] * (lse - fit)
    return total


@njit(cache=True, nogil=True, **INTERNAL)
def multinomial_gradient(loss, Y, Z, weights, G):
    """Fill ``G = weights * dloss/dz`` and return the loss value."""
    total = 0.0
    for i in range(Z.shape[0]):
        lse = _row_logsumexp(Z, i)
        w = weights[i]
        fit = 0.0
        for k in range(Z.shape[1]):
            fit += Y[i, k] * Z[i, k]
            G[i, k] = w * (math.exp(Z[i, k] - lse) - Y[i, k])
        total += w * (lse - fit)
    return total


@njit(cache=True, nogil=True, **INTERNAL)
def multinomial_row_value(loss, Y, Z, i):
    """The (unweighted) loss of row ``i``."""
    fit = 0.0
    for k in range(Z.shape[1]):
        fit += Y[i, k] * Z[i, k]
    return _row_logsumexp(Z, i) - fit


@njit(cache=True, nogil=True, **INTERNAL)
def multinomial_row_derivative(loss, Y, Z, i, out):
    """Fill ``out[k] = softmax(z_i)_k - y_ik`` (unweighted)."""
    lse = _row_logsumexp(Z, i)
    for k in range(Z.shape[1]):
        out[k] = math.exp(Z[i, k] - lse) - Y[i, k]


@njit(cache=True, nogil=True, **INTERNAL)
def multinomial_hessian_apply(loss, Y, Z, weights, V, out):
    """``out_i = weights_i * (diag(p_i) - p_i p_i^T) V_i``, ``p_i = softmax(z_i)``.

    ``out`` holds the probabilities of row ``i`` while it is being computed,
    so no buffer is needed.
    """
    for i in range(Z.shape[0]):
        lse = _row_logsumexp(Z, i)
        mean = 0.0
        for k in range(Z.shape[1]):
            p = math.exp(Z[i, k] - lse)
            out[i, k] = p
            mean += p * V[i, k]
        w = weights[i]
        for k in range(Z.shape[1]):
            out[i, k] = w * out[i, k] * (V[i, k] - mean)


@njit(cache=True, nogil=True, **INTERNAL)
def multinomial_bregman(loss, Y, Z, Z_new, weights):
    """``sum_i w_i [loss(z_new) - loss(z) - softmax(z) . (z_new - z)]``.

    With ``p = softmax(z)`` and ``d = z_new - z`` this is
    ``log(sum_k p_k exp(d_k)) - p . d``, evaluated as
    ``log1p(sum_k p_k expm1(d_k)) - p . d`` for small steps (see
    ``logistic_bregman`` for why).
    """
    total = 0.0
    for i in range(Z.shape[0]):
        lse = _row_logsumexp(Z, i)
        largest = 0.0
        for k in range(Z.shape[1]):
            largest = max(largest, abs(Z_new[i, k] - Z[i, k]))
        linear = 0.0
        growth = 0.0
        for k in range(Z.shape[1]):
            d = Z_new[i, k] - Z[i, k]
            p = math.exp(Z[i, k] - lse)
            linear += p * d
            growth += p * math.expm1(d)
        if largest <= 0.5:
            value = math.log1p(growth) - linear
        else:
            value = _row_logsumexp(Z_new, i) - lse - linear
        total += weights[i] * value
    return total
