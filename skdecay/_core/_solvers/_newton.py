"""Newton steps for smooth problems (L2 decay or no penalty).

Each iteration solves the Newton system ``H s = -g`` of the smooth objective
(loss plus ``l2 / 2 * ||W||^2``) inexactly by conjugate gradients,
preconditioned, then takes the longest step ``t s``, ``t`` in 1, 1/2,
1/4, ..., that passes Armijo's sufficient-decrease test
(:func:`._common.armijo_line_search`).
Conjugate gradients only ever multiply by ``H``; the product is computed one
of two ways, chosen once per solve:

* **explicit** (dense ``X``, one output or the squared loss, at most
  ``EXPLICIT_MAX_COORDINATES`` coordinates, ``n_samples`` at least that): form
  ``H = B^T B + l2 I`` with ``B = sqrt(h) [X - 1 x_mean^T, 1]``, where ``h`` is
  the loss's curvature per row, by one matrix product (BLAS), once per fit.
  A product with ``H`` is then O(n_features^2) and conjugate gradients run to
  near machine precision; the squared loss's ``H`` is constant, and the later
  steps of another loss use its Cholesky factor as their preconditioner.
  ``B`` is the one copy of ``X`` this solver makes, skipped when every row
  has the same curvature (unit weights: the squared loss, or a cold start),
  where ``X^T X`` is centred after the product instead;
* **matrix-free** (sparse ``X``, several outputs, wide data): ``H v`` as
  ``X^T (h * (X v))``, two passes over ``X``; conjugate gradients stop at the
  forcing tolerance ``min(1/2, sqrt(r / r_0)) ||g||`` (``r`` the optimality
  residual), which gives superlinear convergence without over-solving early
  systems (Eisenstat & Walker, 1996).

The stopping rule is the package's: the optimality residual at the returned
iterate is at most ``tol``.
"""

import math

import numpy as np
from numba import njit

from .._linalg import DENSE, design_matmul, design_rmatmul
from .._losses import SQUARED, loss_hessian_apply
from ._common import (
    CONVERGED,
    MAX_ITER_REACHED,
    NO_PROGRESS_LIMIT,
    NON_FINITE,
    STALLED,
    armijo_line_search,
    made_progress,
    record_iterate,
    residual,
    smooth_gradient,
)

#: Largest number of coordinates (features + intercept) for which the Hessian
#: is formed explicitly.
EXPLICIT_MAX_COORDINATES = 500
#: Conjugate-gradient iterations allowed per Newton step, matrix-free.
MAX_CG_MATRIX_FREE = 200


@njit(cache=True, nogil=True)
def _pair_dot(A, a, B, b):
    """``<(A, a), (B, b)>`` for a coefficient block and an intercept."""
    acc = 0.0
    for j in range(A.shape[0]):
        for k in range(A.shape[1]):
            acc += A[j, k] * B[j, k]
    for k in range(a.shape[0]):
        acc += a[k] * b[k]
    return acc


#: Centring the Gram matrix after the product loses about log10 of this
#: ratio in digits; above it, the scaled copy is formed instead.
CENTRING_LOSS_MAX = 1e4


@njit(cache=True, nogil=True)
def _centred_gram(problem, scale, H):
    """``H[:p, :p] = scale * (X^T X - n m m^T)`` without copying ``X``.

    Valid when every row has the same curvature ``scale`` (unit weights at a
    constant predictor: the squared loss, or any loss at a cold start), as
    then ``x_mean`` is the plain column mean. Returns False, leaving ``H``
    unspecified, when a column's mean is so large against its spread that
    the subtraction would cost more than 4 digits.
    """
    n_samples, n_features = problem.X.n_samples, problem.X.n_features
    gram = np.dot(problem.X.dense.T, problem.X.dense)
    mean = problem.x_mean
    for j in range(n_features):
        spread = gram[j, j] / n_samples - mean[j] * mean[j]
        if mean[j] * mean[j] > CENTRING_LOSS_MAX * spread:
            return False
    for j in range(n_features):
        for c in range(n_features):
            H[j, c] = scale * (gram[j, c] - n_samples * mean[j] * mean[c])
        # Centred columns sum to zero: no coupling with the intercept.
        H[j, n_features] = 0.0
        H[n_features, j] = 0.0
    H[n_features, n_features] = scale * n_samples
    return True


@njit(cache=True, nogil=True)
def _form_hessian(problem, Z, H):
    """``H = B^T B + l2 I`` with ``B = sqrt(h) [X - 1 x_mean^T, 1]``.

    ``h_i`` is the weighted curvature of the loss at row ``i`` (one output,
    or the squared loss whose curvature is the same for every output). When
    every ``h_i`` is the same, ``B`` is not formed: see :func:`_centred_gram`.
    """
    n_samples, n_features = problem.X.n_samples, problem.X.n_features
    curvature = np.empty((n_samples, 1), dtype=Z.dtype)
    if problem.loss == SQUARED:
        curvature[:, 0] = problem.weights
    else:
        ones = np.ones((n_samples, 1), dtype=Z.dtype)
        loss_hessian_apply(problem.loss, problem.Y, Z, problem.weights, ones, curvature)
    # Equal curvature and equal weights (so x_mean is the plain mean).
    constant = True
    for i in range(1, n_samples):
        constant = (
            constant
            and curvature[i, 0] == curvature[0, 0]
            and problem.weights[i] == problem.weights[0]
        )
    if not (constant and _centred_gram(problem, float(curvature[0, 0]), H)):
        # The one copy of X this solver makes.
        B = np.empty((n_samples, n_features + 1), dtype=Z.dtype)
        dense = problem.X.dense
        for i in range(n_samples):
            root = math.sqrt(max(curvature[i, 0], 0.0))
            for j in range(n_features):
                B[i, j] = root * (dense[i, j] - problem.x_mean[j])
            B[i, n_features] = root
        product = np.dot(B.T, B)
        for a in range(H.shape[0]):
            for c in range(H.shape[1]):
                H[a, c] = product[a, c]
    _add_decay_and_intercept(problem, H)


@njit(cache=True, nogil=True)
def _add_decay_and_intercept(problem, H):
    """Add ``l2`` to the coefficients' diagonal; make a fixed intercept inert."""
    n_features = problem.X.n_features
    for j in range(n_features):
        H[j, j] += problem.l2
    if not problem.fit_intercept:  # an inert coordinate: its gradient is 0
        for j in range(n_features):
            H[j, n_features] = 0.0
            H[n_features, j] = 0.0
        H[n_features, n_features] = 1.0


@njit(cache=True, nogil=True)
def _hessian_from_gram(problem, Z, H):
    """``H = c * gram + l2 I`` with ``c`` the mean weighted curvature at ``Z``.

    Exact for a loss whose curvature is the same on every row; otherwise a
    preconditioner that needs no pass over ``X`` beyond the curvature.
    """
    n_samples = problem.X.n_samples
    ones = np.ones((n_samples, 1), dtype=Z.dtype)
    curvature = np.empty((n_samples, 1), dtype=Z.dtype)
    loss_hessian_apply(problem.loss, problem.Y, Z, problem.weights, ones, curvature)
    total = 0.0
    for i in range(n_samples):
        total += curvature[i, 0]
    for a in range(H.shape[0]):
        for c in range(H.shape[1]):
            H[a, c] = total * problem.gram[a, c]
    _add_decay_and_intercept(problem, H)


@njit(cache=True, nogil=True)
def _factor(H, root):
    """Cholesky factor of ``H`` scaled to a unit diagonal, jittered by 1e-10.

    Fills ``root`` with ``sqrt(H_aa)`` and returns ``L`` with ``L L^T =
    D^-1/2 H D^-1/2 + 1e-10 I``, ``D = diag(H)``. Raw features on scales
    1e-150 and 1e150 give diagonal entries 1e-300 and 1e300: a jitter
    relative to the largest entry (the former rule) froze the small-scale
    coordinates, and the unscaled factor has a condition number no float
    can hold; the scaled one is the Hessian of the standardised problem.
    """
    q = H.shape[0]
    for a in range(q):
        root[a] = math.sqrt(H[a, a]) if H[a, a] > 0.0 else 1.0
    for a in range(q):
        for c in range(q):
            H[a, c] /= root[a] * root[c]
        H[a, a] += 1e-10
    return np.linalg.cholesky(H)


@njit(cache=True, nogil=True)
def _hessian_product(
    problem, explicit, H, Z, V, v_intercept, out, out_intercept, Zv, Hz
):
    """``(out, out_intercept) = H (V, v_intercept)``, explicit or matrix-free."""
    n_features = V.shape[0]
    if explicit:
        for j in range(H.shape[0]):
            for k in range(V.shape[1]):
                acc = H[j, n_features] * v_intercept[k]
                for c in range(n_features):
                    acc += H[j, c] * V[c, k]
                if j < n_features:
                    out[j, k] = acc
                else:
                    out_intercept[k] = acc
        return
    design_matmul(problem.X, V, v_intercept, problem.x_mean, Zv)
    loss_hessian_apply(problem.loss, problem.Y, Z, problem.weights, Zv, Hz)
    design_rmatmul(problem.X, Hz, problem.x_mean, out)
    for j in range(n_features):
        for k in range(V.shape[1]):
            out[j, k] += problem.l2 * V[j, k]
    for k in range(out_intercept.shape[0]):
        out_intercept[k] = 0.0
        if problem.fit_intercept:
            for i in range(Hz.shape[0]):
                out_intercept[k] += Hz[i, k]
        else:
            out_intercept[k] = v_intercept[k]


@njit(cache=True, nogil=True)
def _precondition(
    factor, root, diagonal, diagonal_intercept, R, r_intercept, P, p_intercept
):
    """``P = M^{-1} R``: Jacobi, or ``M = D^1/2 L L^T D^1/2`` if a factor is
    given (``root`` holds ``D^1/2``, see :func:`_factor`)."""
    n_features = R.shape[0]
    if factor.shape[0] == 0:
        for j in range(n_features):
            for k in range(R.shape[1]):
                P[j, k] = R[j, k] / diagonal[j]
        for k in range(r_intercept.shape[0]):
            p_intercept[k] = r_intercept[k] / diagonal_intercept
        return
    q = factor.shape[0]
    x = np.empty(q)
    for k in range(R.shape[1]):
        for a in range(q):  # forward substitution, L x = D^-1/2 r
            acc = (R[a, k] if a < n_features else r_intercept[k]) / root[a]
            for c in range(a):
                acc -= factor[a, c] * x[c]
            x[a] = acc / factor[a, a]
        for a in range(q - 1, -1, -1):  # back substitution, L^T p = x
            acc = x[a]
            for c in range(a + 1, q):
                acc -= factor[c, a] * x[c]
            x[a] = acc / factor[a, a]
        for j in range(n_features):
            P[j, k] = x[j] / root[j]
        p_intercept[k] = x[n_features] / root[n_features]


@njit(cache=True, nogil=True)
def _newton_direction(
    problem, explicit, H, factor, root, diagonal, diagonal_intercept, Z, grad,
    grad_intercept, rtol, max_cg, S, s_intercept, Zv, Hz,
):  # fmt: skip
    """Preconditioned conjugate gradients on ``H s = -g``, into ``S``.

    Stops when the preconditioned residual norm is at most ``rtol`` times the
    gradient's, after ``max_cg`` iterations, or on a direction of
    non-positive curvature (rounding on a nearly singular ``H``).
    """
    R = -grad
    r_intercept = -grad_intercept
    if not problem.fit_intercept:
        r_intercept[:] = 0.0
    P = np.empty_like(R)
    p_intercept = np.empty_like(r_intercept)
    _precondition(
        factor, root, diagonal, diagonal_intercept, R, r_intercept, P, p_intercept
    )
    D = P.copy()
    d_intercept = p_intercept.copy()
    HD = np.empty_like(R)
    hd_intercept = np.empty_like(r_intercept)
    S[:] = 0.0
    s_intercept[:] = 0.0
    rz = _pair_dot(R, r_intercept, P, p_intercept)
    stop = rtol * rtol * rz
    for _ in range(max_cg):
        if rz <= stop or rz == 0.0:
            break
        _hessian_product(
            problem, explicit, H, Z, D, d_intercept, HD, hd_intercept, Zv, Hz
        )
        curvature = _pair_dot(D, d_intercept, HD, hd_intercept)
        if not curvature > 0.0:
            break
        step = rz / curvature
        for j in range(R.shape[0]):
            for k in range(R.shape[1]):
                S[j, k] += step * D[j, k]
                R[j, k] -= step * HD[j, k]
        for k in range(r_intercept.shape[0]):
            s_intercept[k] += step * d_intercept[k]
            r_intercept[k] -= step * hd_intercept[k]
            if not problem.fit_intercept:
                r_intercept[k] = 0.0
        _precondition(
            factor, root, diagonal, diagonal_intercept, R, r_intercept, P,
            p_intercept,
        )  # fmt: skip
        rz_next = _pair_dot(R, r_intercept, P, p_intercept)
        beta = rz_next / rz
        rz = rz_next
        for j in range(R.shape[0]):
            for k in range(R.shape[1]):
                D[j, k] = P[j, k] + beta * D[j, k]
        for k in range(r_intercept.shape[0]):
            d_intercept[k] = p_intercept[k] + beta * d_intercept[k]
    if _pair_dot(S, s_intercept, grad, grad_intercept) >= 0.0:
        # No descent from conjugate gradients: the preconditioned gradient.
        _precondition(
            factor, root, diagonal, diagonal_intercept, -grad, -grad_intercept, S,
            s_intercept,
        )  # fmt: skip
        if not problem.fit_intercept:
            s_intercept[:] = 0.0


@njit(cache=True, nogil=True)
def newton(problem, W_init, intercept_init, max_iter, tol, learning_rate, trace):
    """Run inexact Newton; return ``(W, intercept, n_iter, status, 1)``.

    ``max_iter`` bounds the Newton iterations; ``learning_rate`` is unused
    (the line search chooses each step).
    """
    X = problem.X
    n_samples, n_features = X.n_samples, X.n_features
    W = W_init.copy()
    intercept = intercept_init.copy()
    n_outputs = W.shape[1]
    Z = np.empty((n_samples, n_outputs), dtype=W.dtype)
    design_matmul(X, W, intercept, problem.x_mean, Z)
    Z_step = np.empty_like(Z)
    Z_new = np.empty_like(Z)
    G = np.empty_like(Z)
    grad = np.empty_like(W)
    grad_intercept = np.empty_like(intercept)
    S = np.empty_like(W)
    s_intercept = np.empty_like(intercept)
    W_new = np.empty_like(W)
    intercept_new = np.empty_like(intercept)

    n_coordinates = n_features + 1
    explicit = (
        X.layout == DENSE
        and (problem.loss == SQUARED or n_outputs == 1)
        and n_coordinates <= EXPLICIT_MAX_COORDINATES
        and n_samples >= n_coordinates
    )
    # A path's Gram matrix replaces H for another loss than the squared.
    from_gram = explicit and problem.gram.shape[0] > 0 and problem.loss != SQUARED
    size = n_coordinates if explicit else 0
    H = np.empty((size, size))
    factor = np.empty((0, 0))
    no_factor = factor
    root = np.ones(size)
    Zv = np.empty_like(Z)
    Hz = np.empty_like(Z)
    diagonal = np.empty(n_features)
    diagonal_intercept = problem.scale_intercept

    status = MAX_ITER_REACHED
    n_iter = 0
    first_residual = 0.0
    no_progress = 0
    best_residual = math.inf
    for it in range(max_iter + 1):
        value = smooth_gradient(problem, W, Z, G, grad, grad_intercept)
        worst = residual(problem, W, grad, grad_intercept)
        if worst <= tol:
            status = CONVERGED
            break
        if worst < 0.5 * best_residual:
            best_residual = worst
            no_progress = 0
        elif no_progress >= NO_PROGRESS_LIMIT:
            # Steps that move neither the objective nor the residual: more
            # would not help.
            status = STALLED
            break
        if it == max_iter:
            break
        if it == 0:
            first_residual = worst
        forcing = min(0.5, math.sqrt(worst / first_residual))
        if explicit and not from_gram and (it == 0 or problem.loss == SQUARED):
            # Products with the explicit H are cheap: solve to round-off.
            if it == 0:
                _form_hessian(problem, Z, H)
            for j in range(n_features):
                # Positive entries as they are, however small: a floor would
                # freeze a feature on a scale of 1e-150 (its entry ~1e-300).
                diagonal[j] = H[j, j] if H[j, j] > 0.0 else 1.0
            corner = H[n_features, n_features]
            diagonal_intercept = corner if corner > 0.0 else 1.0
            _newton_direction(
                problem, True, H, no_factor, root, diagonal, diagonal_intercept, Z,
                grad, grad_intercept, 1e-10, 4 * n_coordinates, S, s_intercept,
                Zv, Hz,
            )  # fmt: skip
        else:
            if explicit and factor.shape[0] == 0:
                # A factored Hessian preconditions the matrix-free steps: a
                # few products per step instead of forming H again (that is
                # 2 n_features^2 n_samples flops each time). It is the first
                # step's H, or on a path the caller's Gram matrix scaled by
                # the mean curvature at the (warm) start, never formed here.
                if from_gram:
                    _hessian_from_gram(problem, Z, H)
                factor = _factor(H, root)
            for j in range(n_features):
                diagonal[j] = problem.scale[j]
            _newton_direction(
                problem, False, H, factor, root, diagonal, problem.scale_intercept, Z,
                grad, grad_intercept, forcing, MAX_CG_MATRIX_FREE, S,
                s_intercept, Zv, Hz,
            )  # fmt: skip

        design_matmul(X, S, s_intercept, problem.x_mean, Z_step)
        new_value, accepted = armijo_line_search(
            problem, W, intercept, Z, S, s_intercept, Z_step, value,
            _pair_dot(S, s_intercept, grad, grad_intercept), W_new,
            intercept_new, Z_new,
        )  # fmt: skip
        if not accepted and math.isfinite(new_value):
            # No step along the Newton direction decreases the objective:
            # stop here (at W, unchanged) and say so, rather than spend the
            # remaining iterations on steps of 2^-60.
            status = STALLED
            break
        record_iterate(trace, it, new_value, W_new, intercept_new)
        n_iter = it + 1
        if not math.isfinite(new_value):
            status = NON_FINITE
            break
        no_progress = 0 if made_progress(problem, value, new_value) else no_progress + 1
        W, W_new = W_new, W
        intercept, intercept_new = intercept_new, intercept
        Z, Z_new = Z_new, Z
    return W, intercept, n_iter, status, 1.0
