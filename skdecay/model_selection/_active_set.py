r"""Active-set (feature-sign) steps for an L1 path on a small Gram matrix.

On the compressed form of least squares (:class:`~skdecay._core._problem.
CompressedLeastSquares`) every alpha of a path minimises, per output,

.. math::

    \tfrac12 w^\top Q w - c^\top w + \sum_j \lambda_j |w_j|,
    \qquad Q = G + \operatorname{diag}(\ell_2),

with ``G`` the ``p x p`` Gram matrix. Given the signs of the solution, the
problem is a linear system on its support: ``Q_AA w_A = c_A - l1_A s_A``.
Coordinate descent approaches that solution one coordinate at a time, and on
a nearly low-rank design (the low end of an elastic-net grid) it needs many
sweeps. Feature-sign search (Lee, Battle, Raina and Ng, 2007) solves the
system on the current support and signs instead, moves towards its solution
as far as the true objective keeps decreasing (checking the points where a
coefficient changes sign), and adds the coordinates that violate the
optimality conditions; from the previous alpha's solution the support
changes little, and a few systems of the support's size finish the solve.

The result only warm-starts the package's solver, which checks the
optimality conditions itself (and finishes if rounding left anything).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve

#: Feature-sign steps per output and alpha before coordinate descent takes
#: over (measured on bench_cv's elastic net: 3 steps cost a third of 30, and
#: coordinate descent finishes from there in one check or a few sweeps).
MAX_STEPS = 3


def _line_minimum(Q, c, l1, w, d):
    """The best of ``w + t d`` over ``t = 1`` and the points in (0, 1) where a
    coefficient of ``w`` crosses zero (feature-sign's discrete line search;
    the crossing coefficient leaves the support there); returns ``(t,
    change of the objective)``."""
    a = float(d @ (Q @ d))
    b = float(d @ (Q @ w - c))
    crossing = (w != 0.0) & (np.sign(w + d) != np.sign(w))
    breaks = -w[crossing] / d[crossing]
    candidates = np.unique(np.append(breaks[(breaks > 0.0) & (breaks < 1.0)], 1.0))
    points = w[:, None] + candidates[None, :] * d[:, None]
    values = 0.5 * a * candidates**2 + b * candidates + l1 @ np.abs(points)
    best = int(np.argmin(values))
    return float(candidates[best]), float(values[best] - l1 @ np.abs(w))


def _exact_line_minimum(Q, c, l1, w, d):
    """The minimiser over ``t`` in [0, 1] of the objective at ``w + t d``
    (convex, piecewise quadratic in ``t``); returns ``(t, change)``. For a
    step whose discrete candidates all rise (a new coefficient whose
    system solution has the other sign)."""
    a = float(d @ (Q @ d))
    b = float(d @ (Q @ w - c))
    moving = d != 0.0
    breaks = -w[moving] / d[moving]
    inner = np.unique(breaks[(breaks > 0.0) & (breaks < 1.0)])
    edges = np.concatenate(([0.0], inner, [1.0]))
    mids = 0.5 * (edges[:-1] + edges[1:])
    slope = b + (l1 * d) @ np.sign(w[:, None] + mids[None, :] * d[:, None])
    if a > 0.0:
        stationary = np.clip(-slope / a, edges[:-1], edges[1:])
    else:
        stationary = np.where(slope < 0.0, edges[1:], edges[:-1])
    candidates = np.unique(np.concatenate((stationary, edges)))
    points = w[:, None] + candidates[None, :] * d[:, None]
    values = 0.5 * a * candidates**2 + b * candidates + l1 @ np.abs(points)
    best = int(np.argmin(values))
    return float(candidates[best]), float(values[best] - l1 @ np.abs(w))


def _support_solution(Q, c, l1, signs):
    """Minimiser of the objective with the signs fixed to ``signs`` (zero
    off their support), or None if the support's system is singular."""
    support = np.flatnonzero(signs)
    system = Q[np.ix_(support, support)]
    root = np.sqrt(np.diag(system))
    if not np.all(root > 0.0):
        return None
    try:
        factor = cho_factor(
            system / np.outer(root, root), lower=True, check_finite=False
        )
    except np.linalg.LinAlgError:
        return None
    rhs = (c[support] - l1[support] * signs[support]) / root
    target = np.zeros_like(c)
    target[support] = cho_solve(factor, rhs, check_finite=False) / root
    return target


def feature_sign(
    Q, c, l1, w, rtol: float = 1e-10, max_steps: int = MAX_STEPS
) -> np.ndarray:
    """Minimise ``w^T Q w / 2 - c^T w + l1 . |w|`` from ``w`` (``Q`` positive
    semi-definite, ``l1 >= 0``); returns the best point found.

    Stops when the optimality conditions hold to ``rtol`` relative to
    ``max |c|``, when a step no longer lowers the objective, or after
    ``max_steps`` steps. A singular system on the support ends it too.
    """
    w = np.array(w, dtype=np.float64)
    slack = rtol * max(float(np.max(np.abs(c), initial=0.0)), 1e-300)
    for _ in range(max_steps):
        grad = Q @ w - c
        nonzero = w != 0.0
        signs = np.sign(w)
        violated = ~nonzero & (np.abs(grad) > l1 + slack)
        off = np.abs(grad[nonzero] + l1[nonzero] * signs[nonzero])
        if not violated.any() and np.all(off <= slack):
            break
        order = np.flatnonzero(violated)
        order = order[np.argsort(-np.abs(grad[order]))]
        # All violators at once; if that direction does not descend, the
        # largest alone (classic feature-sign, whose step always does).
        # All violators at once, else the largest alone, else none (the
        # support's own signs). A new coefficient whose system solution has
        # the other sign leaves the support again.
        attempts = [order, order[:1], order[:0]][: min(len(order), 2) + 1]
        for added in attempts:
            trial = signs.copy()
            trial[added] = -np.sign(grad[added])
            for _ in range(3):
                target = _support_solution(Q, c, l1, trial)
                if target is None:
                    break
                wrong = added[np.sign(target[added]) != trial[added]]
                if not wrong.size:
                    break
                trial[wrong] = 0.0
                added = np.setdiff1d(added, wrong)
            if target is None:
                continue
            step = target - w
            t, change = _line_minimum(Q, c, l1, w, step)
            if not change < 0.0:
                t, change = _exact_line_minimum(Q, c, l1, w, step)
            if t > 0.0 and change < 0.0:
                break
        else:
            break
        new = w + t * step
        crossed = (w != 0.0) & (np.abs(new) <= 1e-12 * np.abs(w))
        new[crossed] = 0.0
        w = new
    return w
