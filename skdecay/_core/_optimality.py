"""The stopping rule's measure, in NumPy: how far a point is from optimal.

The compiled solvers have their own copy in :mod:`._prox`; this one
serves the code that runs in Python (the Newton solver, the reference scale
of ``tol``, the violation a ConvergenceWarning reports).
"""

from __future__ import annotations

import numpy as np


def optimality_residual(problem, W, grad, grad_intercept) -> float:
    """The stopping rule's measure: the largest violation of the optimality
    conditions, each divided by ``sqrt(scale)`` (standardised units).

    For a coefficient, the distance from ``-grad`` to ``l1_j`` times the
    subdifferential of ``|w|``; for the intercept, ``|grad_intercept|``.
    """
    W = np.asarray(W, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    l1 = np.asarray(problem.l1, dtype=np.float64)[:, None]
    violation = np.where(
        W > 0.0,
        np.abs(grad + l1),
        np.where(W < 0.0, np.abs(grad - l1), np.maximum(np.abs(grad) - l1, 0.0)),
    )
    root = np.sqrt(np.asarray(problem.scale, dtype=np.float64))[:, None]
    worst = float(np.max(violation / root, initial=0.0))
    if problem.fit_intercept and np.size(grad_intercept):
        worst = max(
            worst,
            float(np.max(np.abs(grad_intercept))) / np.sqrt(problem.scale_intercept),
        )
    return worst
