"""Binary log-loss: ``loss(y, z) = log(1 + exp(z)) - y z`` with ``y`` in {0, 1}.

This is the negative log-likelihood of ``P(y = 1) = sigmoid(z)``, the loss of
LogisticRegression for two classes.
"""

import math

import numpy as np
from numba import njit

#: Upper bound on the second derivative of the loss in ``z``.
LOGISTIC_CURVATURE = 0.25


@njit(cache=True, nogil=True)
def log1pexp(z):
    """``log(1 + exp(z))`` without overflow."""
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


@njit(cache=True, nogil=True)
def sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True, nogil=True)
def logistic_value(Y, Z, weights):
    total = 0.0
    for i in range(Z.shape[0]):
        z = Z[i, 0]
        total += weights[i] * (log1pexp(z) - Y[i, 0] * z)
    return total


@njit(cache=True, nogil=True)
def logistic_gradient(Y, Z, weights, G):
    """Fill ``G = weights * dloss/dz`` and return the loss value."""
    total = 0.0
    for i in range(Z.shape[0]):
        z = Z[i, 0]
        w = weights[i]
        total += w * (log1pexp(z) - Y[i, 0] * z)
        G[i, 0] = w * (sigmoid(z) - Y[i, 0])
    return total


@njit(cache=True, nogil=True)
def logistic_intercept_at_zero(Y, weights):
    """The log-odds of the weighted positive rate (clipped away from 0 and 1)."""
    p = 0.0
    for i in range(Y.shape[0]):
        p += weights[i] * Y[i, 0]
    p = min(max(p, 1e-12), 1.0 - 1e-12)
    b = np.empty(1)
    b[0] = math.log(p / (1.0 - p))
    return b
