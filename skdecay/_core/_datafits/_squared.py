"""Least squares: ``loss(y, z) = 1/2 ||y - z||^2`` (DecayLinearRegressor)."""

import numpy as np

from ._base import Datafit


class Squared(Datafit):
    """Half the squared error, summed over outputs."""

    name = "squared"
    code = 0
    curvature = 1.0
    separable = True

    def value(self, Y, Z, weights):
        return 0.5 * float(weights @ np.sum((Z - Y) ** 2, axis=1))

    def gradient(self, Y, Z, weights):
        residual = Z - Y
        value = 0.5 * float(weights @ np.sum(residual**2, axis=1))
        return value, weights[:, None] * residual

    def hessian_apply(self, Y, Z, weights, V):
        return weights[:, None] * V

    def row_curvature(self, Y, Z, weights):
        # The same on every output: one Hessian serves all of them.
        return np.asarray(weights, dtype=np.float64)

    def intercept_at_zero(self, Y, weights):
        return weights @ Y
