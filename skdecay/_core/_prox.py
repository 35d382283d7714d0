"""The penalty inside the compiled solvers: per-feature strengths and the prox.

The kernels know the penalty (:mod:`._penalties`) as two float64 arrays of
per-feature strengths, ``penalty(W) = sum_j l1_j ||W_j||_1 + l2_j / 2
||W_j||^2`` (``l1_j = alpha * l1_ratio * w_j``, ``l2_j = alpha * (1 -
l1_ratio) * w_j`` for the penalty weights ``w``).

* The L2 part is smooth: it enters the gradient as the *decay* term ``l2 * W``
  (:func:`add_decay`) -- the classic weight-decay update.
* The L1 part is handled by its proximal operator, the soft-threshold
  (:func:`soft_threshold`), scaled per coordinate by the preconditioner.
* :func:`optimality_residual` measures how far ``W`` is from satisfying the
  optimality conditions; the stopping rule uses it.

The intercept is never penalised.
"""

import math

from numba import njit

from ._linalg import INTERNAL


@njit(cache=True, nogil=True, inline="always")
def l1_value(W, l1):
    """``sum_j l1_j ||W_j||_1``: the L1 part at ``W``."""
    acc = 0.0
    for j in range(W.shape[0]):
        if l1[j] != 0.0:
            row = 0.0
            for k in range(W.shape[1]):
                row += abs(W[j, k])
            acc += l1[j] * row
    return acc


@njit(cache=True, nogil=True, inline="always")
def l2_value(W, l2):
    """``sum_j l2_j / 2 ||W_j||^2``: the L2 (weight-decay) part at ``W``."""
    acc = 0.0
    for j in range(W.shape[0]):
        if l2[j] != 0.0:
            row = 0.0
            for k in range(W.shape[1]):
                row += W[j, k] * W[j, k]
            acc += l2[j] * row
    return 0.5 * acc


@njit(cache=True, nogil=True, inline="always")
def add_decay(grad, W, l2):
    """Add the gradient of the L2 part, ``l2_j * W_j``, to ``grad`` in place."""
    for j in range(W.shape[0]):
        if l2[j] != 0.0:
            for k in range(W.shape[1]):
                grad[j, k] += l2[j] * W[j, k]


@njit(cache=True, nogil=True, inline="always")
def soft_threshold(x, threshold):
    """The proximal operator of ``threshold * |.|``."""
    if x > threshold:
        return x - threshold
    if x < -threshold:
        return x + threshold
    return 0.0


@njit(cache=True, nogil=True, inline="always")
def coordinate_violation(w, g, l1):
    """Distance from ``-g`` to ``l1`` times the subdifferential of ``|w|``."""
    if w > 0.0:
        return abs(g + l1)
    if w < 0.0:
        return abs(g - l1)
    # (No ``max``: its overload is one more function to compile.)
    excess = abs(g) - l1
    return excess if excess > 0.0 else 0.0


@njit(cache=True, nogil=True, **INTERNAL)
def _optimality_residual(W, grad, grad_intercept, l1, scale, scale_intercept):
    """Largest violation of the optimality conditions, in standardised units.

    ``grad`` is the gradient of the smooth part (loss and L2 decay). For each
    coefficient the residual is the distance from ``-grad`` to ``l1_j`` times the
    subdifferential of ``|w|``; for the intercept it is ``|grad_intercept|``.
    Each residual is divided by ``sqrt(scale)`` (the preconditioner), which
    makes the measure invariant to rescaling a feature.
    """
    worst = 0.0
    for j in range(W.shape[0]):
        inv = 1.0 / math.sqrt(scale[j])
        for k in range(W.shape[1]):
            violation = coordinate_violation(W[j, k], grad[j, k], l1[j]) * inv
            if violation > worst:
                worst = violation
    inv_b = 1.0 / math.sqrt(scale_intercept)
    for k in range(grad_intercept.shape[0]):
        violation = abs(grad_intercept[k]) * inv_b
        if violation > worst:
            worst = violation
    return worst


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def optimality_residual(W, grad, grad_intercept, l1, scale, scale_intercept):
    """:func:`_optimality_residual`, callable from Python (kernels call that
    one, without this entry's wrapper)."""
    return _optimality_residual(W, grad, grad_intercept, l1, scale, scale_intercept)
