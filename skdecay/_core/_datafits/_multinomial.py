"""Multinomial cross-entropy: ``loss(y, z) = logsumexp(z) - sum_k y_k z_k``.

``y`` is the one-hot encoding of the class and ``z`` has one entry per class
(the symmetric parametrisation of LogisticRegression).
"""

import numpy as np
from scipy.special import logsumexp, softmax

from ._base import Datafit


class Multinomial(Datafit):
    """The negative log-likelihood of ``P(y = k) = softmax(z)_k``."""

    name = "multinomial"
    code = 2
    #: ``diag(p) - p p^T`` has spectral norm at most 1/2.
    curvature = 0.5
    separable = False

    def value(self, Y, Z, weights):
        return float(weights @ (logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1)))

    def gradient(self, Y, Z, weights):
        value = float(weights @ (logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1)))
        return value, weights[:, None] * (softmax(Z, axis=1) - Y)

    def hessian_apply(self, Y, Z, weights, V):
        P = softmax(Z, axis=1)
        PV = P * V
        return weights[:, None] * (PV - P * PV.sum(axis=1, keepdims=True))

    def hessian_operator(self, Y, Z, weights):
        P = softmax(Z, axis=1)
        w = weights[:, None]

        def apply(V):
            PV = P * V
            return w * (PV - P * PV.sum(axis=1, keepdims=True))

        return apply

    def intercept_at_zero(self, Y, weights):
        # The log class frequencies, centred (the symmetric parametrisation).
        logp = np.log(np.clip(weights @ Y, 1e-12, None))
        return logp - logp.mean()
