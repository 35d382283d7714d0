"""Newton steps for smooth problems (L2 decay or no penalty), in NumPy/SciPy.

Each iteration solves the Newton system ``H s = -g`` of the smooth objective
(loss plus ``l2 / 2 * ||W||^2``), then takes the longest step ``t s``, ``t``
in 1, 1/2, 1/4, ..., that passes Armijo's sufficient-decrease test. The work
is a few BLAS or sparse products per iteration, so this solver is written in
NumPy and SciPy: it has nothing to compile, and the estimators whose default
it is (ridge, L2 logistic, multinomial) fit at once in a fresh process.

The system is solved one of two ways, chosen once per solve:

* **explicit** (one output, or the squared loss whose curvature is the same
  for every output; at most ``EXPLICIT_MAX_COORDINATES`` coordinates; more
  samples than coordinates; dense or sparse ``X``): ``H = B^T B + l2 I`` with
  ``B = sqrt(h) [X - 1 x_mean^T, 1]`` (``h`` the curvature per row) is formed
  by one product and factored by Cholesky, *scaled to a unit diagonal*
  (``D^-1/2 H D^-1/2``, the Hessian of the standardised problem: raw features
  on scales 1e-150 and 1e150 give entries 1e-300 and 1e300, which no
  unscaled factor holds). The first step is exact; the squared loss's ``H``
  is constant, and the later steps of another loss run conjugate gradients
  preconditioned by that factor (or, on a path, by the factor of the
  caller's Gram matrix scaled by the mean curvature): a few products per
  step instead of forming ``H`` again.
* **matrix-free** (several outputs, wide data): conjugate gradients with
  ``H v = X^T (h * (X v))`` and the Jacobi preconditioner of the problem
  (``scale``), stopped at the forcing tolerance ``min(1/2, sqrt(r / r_0))``
  (``r`` the optimality residual), which gives superlinear convergence
  without over-solving early systems (Eisenstat & Walker, 1996).

The stopping rule is the package's: the optimality residual at the returned
iterate is at most ``tol``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from .._datafits import DATAFITS_BY_CODE
from .._optimality import optimality_residual
from .._products import as_matrix, centred_matmul, centred_rmatmul
from ._common import (
    ARMIJO,
    CONVERGED,
    MAX_HALVINGS,
    MAX_ITER_REACHED,
    NO_PROGRESS_LIMIT,
    NON_FINITE,
    STALLED,
)

#: Largest number of coordinates (features + intercept) for which the Hessian
#: is formed explicitly.
EXPLICIT_MAX_COORDINATES = 500
#: Conjugate-gradient iterations allowed per Newton step, matrix-free.
MAX_CG_MATRIX_FREE = 200
#: Centring the Gram matrix after the product loses about log10 of this
#: ratio in digits; above it, the scaled copy is formed instead.
CENTRING_LOSS_MAX = 1e4
#: Jitters tried, in turn, on the unit diagonal of a Hessian that Cholesky
#: finds not positive definite (rank-deficient ``X`` without decay).
JITTERS = (0.0, 1e-12, 1e-10, 1e-8, 1e-6)


class _Smooth:
    """The smooth objective of a problem, on float64 iterates.

    Products cast the iterate to ``X``'s dtype first, so float32 data are
    never copied to float64.
    """

    def __init__(self, problem):
        self.problem = problem
        self.X = as_matrix(problem.X)
        self.dtype = self.X.dtype
        self.datafit = DATAFITS_BY_CODE[int(problem.loss)]
        self.Y = np.asarray(problem.Y, dtype=np.float64)
        self.weights = np.asarray(problem.weights, dtype=np.float64)
        self.x_mean = np.asarray(problem.x_mean, dtype=np.float64)
        self.l2 = np.asarray(problem.l2, dtype=np.float64)  # (n_features,)
        self.fit_intercept = bool(problem.fit_intercept)

    def predictor(self, W, intercept):
        """``(X - 1 x_mean^T) W + intercept``."""
        return centred_matmul(self.X, W, intercept, self.x_mean)

    def rmatmul(self, G):
        """``(X - 1 x_mean^T)^T G``."""
        return centred_rmatmul(self.X, G, self.x_mean)

    def decay_value(self, W):
        """The L2 part, ``sum_j l2_j / 2 ||W_j||^2``."""
        return 0.5 * float(self.l2 @ np.sum(W * W, axis=1))

    def value(self, Z, W):
        return self.datafit.value(self.Y, Z, self.weights) + self.decay_value(W)

    def gradient(self, Z, W):
        """``(value, G, grad, grad_intercept)``."""
        value, G = self.datafit.gradient(self.Y, Z, self.weights)
        grad = self.rmatmul(G) + self.l2[:, None] * W
        grad_intercept = G.sum(axis=0) if self.fit_intercept else np.zeros(W.shape[1])
        return value + self.decay_value(W), G, grad, grad_intercept

    def residual(self, W, grad, grad_intercept):
        """The optimality residual in standardised units (no L1 part)."""
        return optimality_residual(self.problem, W, grad, grad_intercept)

    def hessian_product(self, curvature, V, v_intercept):
        """``H (V, v_intercept)`` without forming ``H``; ``curvature`` is the
        datafit's Hessian operator at the current predictor."""
        Zv = self.predictor(V, v_intercept)
        Hz = curvature(Zv)
        out = self.rmatmul(Hz) + self.l2[:, None] * V
        out_intercept = Hz.sum(axis=0) if self.fit_intercept else v_intercept.copy()
        return out, out_intercept

    def explicit_hessian(self, h):
        """``H`` for row curvatures ``h``: (n_features + 1) square, float64."""
        X, m = self.X, self.x_mean
        n_features = X.shape[1]
        H = np.empty((n_features + 1, n_features + 1))
        total = float(h.sum())
        if sp.issparse(X):
            root = sp.diags(np.sqrt(h))
            scaled = (root @ X).astype(np.float64)
            gram = np.asarray((scaled.T @ scaled).toarray())
            moment = np.asarray(X.T @ h, dtype=np.float64)
            H[:n_features, :n_features] = (
                gram
                - np.outer(m, moment)
                - np.outer(moment, m)
                + total * np.outer(m, m)
            )
            H[:n_features, n_features] = moment - total * m
        elif np.all(h == h[0]) and self._centred_gram(float(h[0]), H):
            pass  # equal curvatures (squared loss, or a cold start): no copy
        else:
            # The one copy of X this solver makes.
            B = np.sqrt(h)[:, None] * (np.asarray(X, dtype=np.float64) - m)
            H[:n_features, :n_features] = B.T @ B
            H[:n_features, n_features] = B.T @ np.sqrt(h)
        H[n_features, :n_features] = H[:n_features, n_features]
        H[n_features, n_features] = total
        return self.with_decay(H)

    def _centred_gram(self, h0, H):
        """``H[:p, :p] = h0 (X^T X - n m m^T)`` by one product, no copy of X.

        Valid when every row has the curvature ``h0`` and ``x_mean`` is the
        plain column mean (equal weights). Returns False when a column's mean
        is so large against its spread that the subtraction would cost more
        than ``log10(CENTRING_LOSS_MAX)`` digits; the caller then centres
        before the product.
        """
        X, m = self.X, self.x_mean
        n_samples, n_features = X.shape
        if not np.all(self.weights == self.weights[0]):
            return False
        gram = np.asarray(X.T @ X, dtype=np.float64)
        spread = np.diag(gram) / n_samples - m * m
        if np.any(m * m > CENTRING_LOSS_MAX * spread):
            return False
        H[:n_features, :n_features] = h0 * (gram - n_samples * np.outer(m, m))
        # Centred columns sum to zero: no coupling with the intercept.
        H[:n_features, n_features] = 0.0
        return True

    def with_decay(self, H):
        """Add ``l2_j`` to the coefficients' diagonal; make a fixed intercept inert."""
        n_features = H.shape[0] - 1
        H[np.arange(n_features), np.arange(n_features)] += self.l2
        if not self.fit_intercept:
            H[:n_features, n_features] = 0.0
            H[n_features, :n_features] = 0.0
            H[n_features, n_features] = 1.0
        return H


class _Factor:
    """Cholesky factor of ``H`` scaled to a unit diagonal: ``M^-1 r`` solves.

    NumPy's LAPACK (the BLAS the products already use) rather than SciPy's:
    the first call into SciPy's own OpenBLAS in a process cost 0.03-0.3 s on
    two busy cores, more than the whole solve of a 20000 x 200 ridge. The
    triangular factor is inverted once (at most 500 x 500), so each solve is
    two matrix products.
    """

    def __init__(self, H):
        diagonal = np.diag(H).copy()
        self.root = np.sqrt(np.where(diagonal > 0.0, diagonal, 1.0))
        scaled = H / np.outer(self.root, self.root)
        self.inverse = None
        for jitter in JITTERS:
            try:
                factor = np.linalg.cholesky(scaled + jitter * np.eye(H.shape[0]))
            except np.linalg.LinAlgError:
                continue
            self.inverse = np.linalg.inv(factor)
            break

    def solve(self, R):
        """``H^-1 R`` for ``R`` of shape (n_features + 1, n_columns)."""
        if self.inverse is None:  # a NaN Hessian: the caller sees NaN steps
            return np.full_like(R, np.nan)
        scaled = self.inverse.T @ (self.inverse @ (R / self.root[:, None]))
        return scaled / self.root[:, None]


def _pack(W, intercept):
    return np.vstack([W, intercept[None, :]])


def _conjugate_gradients(
    smooth, curvature, grad, grad_intercept, precondition, rtol, max_cg
):
    """Preconditioned CG on ``H s = -g``; returns ``(S, s_intercept)``.

    Stops when the preconditioned residual norm is at most ``rtol`` times the
    gradient's, after ``max_cg`` iterations, or on a direction of
    non-positive curvature (rounding on a nearly singular ``H``).
    """
    n_features = grad.shape[0]
    R = -_pack(grad, grad_intercept)
    if not smooth.fit_intercept:
        R[n_features] = 0.0
    P = precondition(R)
    D = P.copy()
    S = np.zeros_like(R)
    rz = float(np.sum(R * P))
    stop = rtol * rtol * rz
    for _ in range(max_cg):
        if rz <= stop or rz == 0.0:
            break
        HW, h_intercept = smooth.hessian_product(
            curvature, D[:n_features], D[n_features]
        )
        HD = _pack(HW, h_intercept)
        along = float(np.sum(D * HD))  # the curvature along D
        if not along > 0.0:
            break
        step = rz / along
        S += step * D
        R -= step * HD
        if not smooth.fit_intercept:
            R[n_features] = 0.0
        P = precondition(R)
        rz_next = float(np.sum(R * P))
        D = P + (rz_next / rz) * D
        rz = rz_next
    if not np.any(S):
        # No descent from conjugate gradients: the preconditioned gradient.
        S = precondition(-_pack(grad, grad_intercept))
    if not smooth.fit_intercept:
        S[n_features] = 0.0
    return S[:n_features], S[n_features]


def _line_search(smooth, W, intercept, Z, S, s_intercept, value, predicted):
    """Armijo's backtracking along ``(S, s_intercept)``.

    Returns ``(value, accepted, W_new, intercept_new, Z_new)``; a slack of
    ``rel_eps |F|`` lets the search accept a step at the optimum, where
    rounding dominates.
    """
    Z_step = smooth.predictor(S, s_intercept)  # the predictor's change per unit step
    slack = smooth.problem.rel_eps * abs(value)
    step = 1.0
    for _ in range(MAX_HALVINGS):
        W_new = W + step * S
        intercept_new = intercept + step * s_intercept
        Z_new = Z + step * Z_step
        new_value = smooth.value(Z_new, W_new)
        if new_value <= value + ARMIJO * step * predicted + slack:
            return new_value, True, W_new, intercept_new, Z_new
        step *= 0.5
    return new_value, False, W_new, intercept_new, Z_new


def _record(trace, it, value, W, intercept):
    trace.objective[it] = value
    if trace.coef.shape[0] > 0:
        trace.coef[it] = W
        trace.intercept[it] = intercept


def newton(problem, W_init, intercept_init, max_iter, tol, trace):
    """Run Newton's method; return ``(W, intercept, n_iter, status)``.

    The line search chooses each step (no learning rate). ``W`` and the
    intercept come back in the dtype of ``W_init``.
    """
    smooth = _Smooth(problem)
    dtype = W_init.dtype
    W = np.asarray(W_init, dtype=np.float64).copy()
    intercept = np.asarray(intercept_init, dtype=np.float64).copy()
    n_samples, n_features = smooth.X.shape
    n_outputs = W.shape[1]
    squared = smooth.datafit.name == "squared"
    n_coordinates = n_features + 1
    explicit = (
        (squared or n_outputs == 1)
        and n_coordinates <= EXPLICIT_MAX_COORDINATES
        and n_samples >= n_coordinates
    )
    gram = np.asarray(problem.gram)
    from_gram = explicit and gram.shape[0] > 0 and not squared
    scale = np.append(np.asarray(problem.scale, dtype=np.float64),
                      problem.scale_intercept)  # fmt: skip

    def jacobi(R):
        return R / scale[:, None]

    factor = None
    Z = smooth.predictor(W, intercept)
    status = MAX_ITER_REACHED
    n_iter = 0
    first_residual = 0.0
    no_progress = 0
    best_residual = math.inf
    for it in range(max_iter + 1):
        value, _, grad, grad_intercept = smooth.gradient(Z, W)
        worst = smooth.residual(W, grad, grad_intercept)
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
        if explicit and not from_gram and (it == 0 or squared):
            if factor is None:
                h = smooth.datafit.row_curvature(smooth.Y, Z, smooth.weights)
                factor = _Factor(smooth.explicit_hessian(h))
            # An exact solve, refined by one correction: round-off-accurate
            # steps even when a jitter made the factor slightly inexact.
            R = -_pack(grad, grad_intercept)
            if not smooth.fit_intercept:
                R[n_features] = 0.0
            S = factor.solve(R)
            if squared:
                curvature = smooth.datafit.hessian_operator(smooth.Y, Z, smooth.weights)
                HW, h_b = smooth.hessian_product(
                    curvature, S[:n_features], S[n_features]
                )
                S += factor.solve(R - _pack(HW, h_b))
            if not smooth.fit_intercept:
                S[n_features] = 0.0
            S, s_intercept = S[:n_features], S[n_features]
        else:
            if explicit and factor is None:
                # The first step's H, or on a path the caller's Gram matrix
                # scaled by the mean curvature at the (warm) start.
                total = float(
                    np.sum(smooth.datafit.row_curvature(smooth.Y, Z, smooth.weights))
                )
                factor = _Factor(smooth.with_decay(total * gram))
            forcing = min(0.5, math.sqrt(worst / first_residual))
            curvature = smooth.datafit.hessian_operator(smooth.Y, Z, smooth.weights)
            S, s_intercept = _conjugate_gradients(
                smooth, curvature, grad, grad_intercept,
                factor.solve if factor is not None else jacobi,
                forcing, MAX_CG_MATRIX_FREE,
            )  # fmt: skip
        predicted = float(np.sum(S * grad) + np.sum(s_intercept * grad_intercept))
        new_value, accepted, W_new, intercept_new, Z_new = _line_search(
            smooth, W, intercept, Z, S, s_intercept, value, predicted
        )
        if not accepted and math.isfinite(new_value):
            # No step along the Newton direction decreases the objective.
            status = STALLED
            break
        _record(trace, it, new_value, W_new, intercept_new)
        n_iter = it + 1
        finite = math.isfinite(new_value) and np.all(np.isfinite(W_new))
        if not finite or not np.all(np.isfinite(intercept_new)):
            W, intercept = W_new, intercept_new
            status = NON_FINITE
            break
        if not new_value < value - problem.rel_eps * abs(value):
            no_progress += 1
        else:
            no_progress = 0
        W, intercept, Z = W_new, intercept_new, Z_new
    return W.astype(dtype), intercept.astype(dtype), n_iter, status
