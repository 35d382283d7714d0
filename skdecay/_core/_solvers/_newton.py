"""Newton steps for smooth problems (L2 decay or no penalty), in NumPy/SciPy.

Each iteration solves the Newton system ``H s = -g`` of the smooth objective
(loss plus ``l2 / 2 * ||W||^2``), then takes the longest step ``t s``, ``t``
in 1, 1/2, 1/4, ..., that passes Armijo's sufficient-decrease test. The work
is a few BLAS or sparse products per iteration, so this solver is written in
NumPy and SciPy: it has nothing to compile, and the estimators whose default
it is (ridge, L2 logistic, multinomial) fit at once in a fresh process.

The system is solved one of three ways, chosen once per solve:

* **explicit** (one output, or the squared loss whose curvature is the same
  for every output; at most ``EXPLICIT_MAX_COORDINATES`` coordinates; more
  samples than coordinates; dense or sparse ``X``): ``H = B^T B + l2 I`` with
  ``B = sqrt(h) [X - 1 x_mean^T, 1]`` (``h`` the curvature per row) is formed
  by one symmetric product (the centring folded in, no copy of ``X`` when
  every row has the same curvature) and factored by Cholesky, *scaled to a
  unit diagonal* (``D^-1/2 H D^-1/2``, the Hessian of the standardised
  problem: raw features on scales 1e-150 and 1e150 give entries 1e-300 and
  1e300, which no unscaled factor holds). The squared loss's ``H`` is
  constant: one step, refined once against the explicit ``H``. Another
  loss's later steps run conjugate gradients preconditioned by that factor
  (the first step's, or on a path the previous alpha's): a few products per
  step instead of forming ``H`` again (measured: forming it costs more than
  the 1-3 products a step needs, for dense data and for sparse one-hot
  data alike).
* **Kronecker** (a loss with ``has_class_curvature``, the same sizes; the
  multinomial loss does not declare it for now: its ``K`` small solves per
  conjugate-gradient iteration were slower than the Jacobi route with two
  BLAS threads on a busy machine): at a point where
  every row has the same class probabilities (the cold start) the Hessian
  is exactly ``G (x) M + diag(l2) (x) I``, with ``G`` the weighted Gram
  matrix of ``[X - 1 x_mean^T, 1]`` and ``M`` the classes' curvature; in the
  eigenvectors of ``M`` it splits into one ``(n_features + 1)`` system per
  class, ``mu_k G + diag(l2)``. The first step is solved so, exactly; later
  steps run conjugate gradients preconditioned by the same splitting with
  ``M`` averaged over the rows.
* **matrix-free** (wide data): conjugate gradients with
  ``H v = X^T (h * (X v))`` and the Jacobi preconditioner of the problem
  (``scale``).

Conjugate gradients stop at the forcing tolerance ``min(1/2, sqrt(r / r_0))``
(``r`` the optimality residual), which gives superlinear convergence
without over-solving early systems (Eisenstat & Walker, 1996).

On a path (:class:`NewtonPath`) each solve starts from the previous alpha's
solution and its predictor, refactors the previous alpha's Hessian with the
new decay (a ``p x p`` factorisation, no pass over ``X``) and first takes
the tangent step of the path, ``dW = -H^-1 (l2_new - l2_old) W``, the
first-order predictor ``dW / d alpha = -H^-1 W`` of the solution. That
step's error changes smoothly along a log-spaced grid: the last alpha's
(its solution minus its predictor, scaled by the squared ratio of the log
steps) is added to it, with no pass over ``X`` (the predictor of the error
is the difference of two known predictors). The Hessian is formed again at
a solution once the solves since the last one needed more than
``PATH_REFRESH_PRODUCTS`` conjugate-gradient products beyond one per
Newton step.

Each accepted step costs one evaluation of the loss: the full step of the
line search is measured with the gradient (which the datafit computes with
the value), and the next iteration starts from it.

The stopping rule is the package's: the optimality residual at the returned
iterate is at most ``tol``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from .._datafits import DATAFITS_BY_CODE
from .._optimality import optimality_residual
from .._products import (
    as_matrix,
    centred_matmul,
    centred_rmatmul,
    column_sums_outer,
)
from .._sparse_gram import weighted_gram
from .._sparse_rows import SparseRows
from ._common import (
    ARMIJO,
    CONVERGED,
    MAX_HALVINGS,
    MAX_ITER_REACHED,
    NON_FINITE,
    STALLED,
    Progress,
    one_blas_thread,
)

#: Largest number of coordinates (features + intercept) for which the Hessian
#: is formed explicitly.
EXPLICIT_MAX_COORDINATES = 500
#: Up to this many coordinates (features + intercept), a single fit forms
#: and factors ``H`` at every Newton step (exact steps, quadratic
#: convergence) instead of running conjugate gradients preconditioned by the
#: first step's factor: the symmetric product costs about ``p / 2`` products
#: with ``X``, a conjugate-gradient step 2-3 of them plus Python's per-call
#: cost, which dominates at this size.
EXACT_EACH_MAX_COORDINATES = 32
#: A single fit's exact steps without an intercept (see
#: :meth:`_Smooth.plain_step`) copy dense ``X`` transposed up to this size.
PLAIN_COPY_MAX_ENTRIES = 4_000_000
#: The transposed products on one BLAS thread (see :func:`newton`) from this
#: size of ``X`` on: below it the products cost microseconds either way, and
#: a first fit need not load the thread controller (~14 ms).
FEW_COLUMNS_MIN_ENTRIES = 100_000
#: The Kronecker route (several outputs of a loss with ``has_class_curvature``)
#: from this size of ``X`` on: 20000 x 100 with 10 classes took 188 against
#: 233 ms by Jacobi's route (4 Newton steps and 27 products with X against 6
#: and 44); on 1797 x 64 and 178 x 13 (digits, wine) the eigendecompositions
#: of its class curvatures per step cost as much as the products it saves,
#: or more. Below it, Jacobi's route.
KRONECKER_MIN_ENTRIES = 1_000_000
#: Conjugate-gradient iterations allowed per Newton step, matrix-free.
MAX_CG_MATRIX_FREE = 200
#: Centring the Gram matrix after the product loses about log10 of this
#: ratio in digits; above it, the scaled copy is formed instead.
CENTRING_LOSS_MAX = 1e4
#: A float32 preconditioner's centred Gram matrix is formed only when no
#: column's raw second moment exceeds its spread by more than this (the
#: centring after the product then costs at most one of float32's ~7 digits).
SINGLE_LOSS_MAX = 10.0
#: ... and when every column's preconditioner scale lies within this and its
#: inverse.
SINGLE_SCALE_MIN = 1e-15
#: Jitters tried, in turn, on the unit diagonal of a Hessian that Cholesky
#: finds not positive definite (rank-deficient ``X`` without decay).
JITTERS = (0.0, 1e-12, 1e-10, 1e-8, 1e-6)
#: Within ``FORCING_NEAR * tol`` of the stopping rule, conjugate gradients
#: solve at least to ``FORCING_TOL * tol / r`` (``r`` the residual): the
#: Newton step then lands within ``tol`` instead of needing another
#: gradient, line search and step. On paths only, where every alpha starts
#: there; a single fit keeps the looser forcing, whose last step usually
#: lands far inside ``tol`` (scikit-learn's sample-weight checks compare
#: two fits at the default ``tol`` to 1e-7).
FORCING_TOL = 0.3
FORCING_NEAR = 1e3
#: A path's eigendecomposed Hessian (see :class:`_ShiftedFactor`) serves an
#: alpha only while ``eps max|lam| / (min lam + t)`` stays below
#: ``1 / SHIFT_DIGITS_LOST``: about 8 of float64's 16 digits kept.
SHIFT_DIGITS_LOST = 1e8
#: On a path, once the solves since the last Hessian needed more Hessian
#: products than one per Newton step by this many in all, the Hessian is
#: formed at the last solution for the next alpha.
PATH_REFRESH_PRODUCTS = 3


class _RowCurvature:
    """A Hessian operator given by one curvature per row, ``V -> h V``,
    which exposes ``h`` (the one-pass sparse products take it)."""

    def __init__(self, h):
        self.h = np.ascontiguousarray(h, dtype=np.float64)

    def __call__(self, V):
        return self.h[:, None] * V


def _column(A) -> np.ndarray:
    """The one column of ``A`` as a contiguous float64 vector."""
    return np.ascontiguousarray(A[:, 0], dtype=np.float64)


def _gram(A) -> np.ndarray:
    """``A^T A`` in float64 for dense ``A``: NumPy's matmul (a symmetric
    rank-k update, BLAS ``?syrk``, for a matrix times its own transpose: half
    the work of a general product, no copy of ``A`` in either memory order).
    Sparse designs take :func:`.._sparse_gram.weighted_gram`.

    Never SciPy's own BLAS or LAPACK (``scipy.linalg``): it is a second
    OpenBLAS with its own threads, and calls alternating between the two
    libraries made their threads fight for the cores (a lasso CV took 8x
    longer on a busy 2-core machine when the path solved through
    ``scipy.linalg``).
    """
    return np.asarray(A.T @ A, dtype=np.float64)


def _few_columns(problem) -> bool:
    """Whether the products are with a few columns on dense ``X`` (several
    outputs of a loss that couples them: the multinomial): made in
    transposed form, on one BLAS thread (see :func:`newton`)."""
    Y = np.asarray(problem.Y)
    X = as_matrix(problem.X)
    return (
        Y.ndim == 2
        and Y.shape[1] > 1
        and not DATAFITS_BY_CODE[int(problem.loss)].separable
        and not sp.issparse(X)
        and X.size >= FEW_COLUMNS_MIN_ENTRIES
    )


class _Smooth:
    """The smooth objective of a problem, on float64 iterates.

    Products cast the iterate to ``X``'s dtype first, so float32 data are
    never copied to float64.
    """

    def __init__(self, problem, batch=None):
        self.problem = problem
        self.X = as_matrix(problem.X)
        # A :class:`._lockstep._Member` making the products with X, or None.
        self.batch = batch
        self.transposed = _few_columns(problem)
        if batch is not None and (sp.issparse(self.X) or batch.n_rows != len(self.X)):
            self.batch = None
        self.dtype = self.X.dtype
        self.datafit = DATAFITS_BY_CODE[int(problem.loss)]
        self.Y = np.asarray(problem.Y, dtype=np.float64)
        self.weights = np.asarray(problem.weights, dtype=np.float64)
        self.x_mean = np.asarray(problem.x_mean, dtype=np.float64)
        self.l2 = np.asarray(problem.l2, dtype=np.float64)  # (n_features,)
        self.fit_intercept = bool(problem.fit_intercept)
        self._csr = None  # sparse X in CSR form, for its Gram matrices
        self._rows = None  # dense X^T, C-ordered (see :meth:`plain_step`)
        self._single = None  # X in float32, see :meth:`single_rows`
        # (Z, softmax(Z)) at the last gradient, for a datafit that gives the
        # probabilities with it (the multinomial): its Hessian operator and
        # class curvature there then need no softmax of their own.
        self._keeps_probabilities = hasattr(self.datafit, "gradient_with_probabilities")
        self._probabilities = None
        # One output on CSR X: Newton's products in one pass over its rows
        # (.._sparse_rows), the centring applied to the result.
        self.sparse_rows = None
        if (
            sp.issparse(self.X)
            and self.X.format == "csr"
            and self.batch is None
            and self.Y.shape[1] == 1
            and self.datafit.separable
        ):
            self.sparse_rows = SparseRows(self.X)
        # No centring (no intercept): the products are plain ones, without
        # the centring terms' few calls each (most of a product's cost on a
        # small X, 200 x 500).
        self.plain = (
            not self.x_mean.any() and not self.transposed and self.batch is None
        )
        # Without an L1 part the residual is ``max |grad_j| / sqrt(scale_j)``
        # (see :func:`optimality_residual`): a few operations, not a dozen,
        # at every Newton step.
        self.root = None
        if not np.any(problem.l1):
            self.root = np.sqrt(np.asarray(problem.scale, dtype=np.float64))[:, None]
            self.root_intercept = math.sqrt(problem.scale_intercept)

    def single_rows(self):
        """Dense float64 ``X`` without centring in float32 (made once; C
        order), for the products of matrix-free conjugate gradients, or
        None: float32 ``X`` already, larger than ``PLAIN_COPY_MAX_ENTRIES``,
        or a column's scale outside float32's comfortable range (see
        ``SINGLE_SCALE_MIN``)."""
        if self._single is None:
            self._single = False
            scale = np.asarray(self.problem.scale, dtype=np.float64)
            moderate = (scale > SINGLE_SCALE_MIN) & (scale < 1.0 / SINGLE_SCALE_MIN)
            if (
                self.dtype == np.float64
                and not sp.issparse(self.X)
                and self.X.size <= PLAIN_COPY_MAX_ENTRIES
                and np.all(moderate)
            ):
                single = np.ascontiguousarray(self.X, dtype=np.float32)
                if np.all(np.isfinite(single)):
                    self._single = single
        return self._single if self._single is not False else None

    def predictor(self, W, intercept):
        """``(X - 1 x_mean^T) W + intercept``; no pass over ``X`` at ``W = 0``."""
        if not W.any():
            start = np.asarray(intercept, dtype=np.float64)
            return np.tile(start, (self.X.shape[0], 1))
        if self.plain:
            Z = np.asarray(self.X @ W.astype(self.dtype, copy=False), np.float64)
            return Z + intercept if intercept.any() else Z
        if self.batch is not None:
            return self.batch.matmul(W) + (intercept - self.x_mean @ W)
        return centred_matmul(self.X, W, intercept, self.x_mean, self.transposed)

    def rmatmul(self, G):
        """``(X - 1 x_mean^T)^T G``."""
        if self.sparse_rows is not None:
            out, total = self.sparse_rows.rmatvec(_column(G))
            out -= self.x_mean * total
            return out[:, None]
        if self.plain:
            return np.asarray(self.X.T @ G.astype(self.dtype, copy=False), np.float64)
        if self.batch is not None:
            return self.batch.rmatmul(G) - column_sums_outer(self.x_mean, G)
        return centred_rmatmul(self.X, G, self.x_mean, self.transposed)

    def decay_value(self, W):
        """The L2 part, ``sum_j l2_j / 2 ||W_j||^2``."""
        return 0.5 * float(self.l2 @ (W * W).sum(axis=1))

    def value(self, Z, W):
        return self.datafit.value(self.Y, Z, self.weights) + self.decay_value(W)

    def gradient(self, Z, W):
        """``(value, G, grad, grad_intercept)``."""
        if self._keeps_probabilities:
            value, G, P = self.datafit.gradient_with_probabilities(
                self.Y, Z, self.weights
            )
            self._probabilities = (Z, P)
        else:
            value, G = self.datafit.gradient(self.Y, Z, self.weights)
        grad = self.rmatmul(G)
        grad += self.l2[:, None] * W
        grad_intercept = G.sum(axis=0) if self.fit_intercept else np.zeros(W.shape[1])
        return value + self.decay_value(W), G, grad, grad_intercept

    def _known(self, Z):
        """``{"probabilities": P}`` if the last gradient was measured at
        ``Z`` (this very array) by a datafit that gives them, else ``{}``."""
        if self._probabilities is not None and self._probabilities[0] is Z:
            return {"probabilities": self._probabilities[1]}
        return {}

    def hessian_operator(self, Z):
        """The datafit's Hessian operator at ``Z`` (on sparse rows, the row
        curvatures themselves: see :meth:`hessian_product`)."""
        if self.sparse_rows is not None:
            return _RowCurvature(self.row_curvature(Z))
        return self.datafit.hessian_operator(self.Y, Z, self.weights, **self._known(Z))

    def row_curvature(self, Z):
        """The datafit's row curvatures at ``Z`` (one output, or the squared
        loss), from the probabilities of the last gradient if it was there."""
        known = self._known(Z) if self.Y.shape[1] == 1 else {}
        return self.datafit.row_curvature(self.Y, Z, self.weights, **known)

    def class_curvature(self, Z):
        """The datafit's class curvature at ``Z``."""
        return self.datafit.class_curvature(self.Y, Z, self.weights, **self._known(Z))

    def residual(self, W, grad, grad_intercept):
        """The optimality residual in standardised units (no L1 part)."""
        if self.root is None:
            return optimality_residual(self.problem, W, grad, grad_intercept)
        # optimality_residual's value without an L1 part, the same operations
        # on each entry (NaN propagates alike).
        worst = float(np.max(np.abs(grad) / self.root, initial=0.0))
        if self.fit_intercept and grad_intercept.size:
            worst = max(
                worst, float(np.max(np.abs(grad_intercept))) / self.root_intercept
            )
        return worst

    def hessian_product(self, curvature, V, v_intercept):
        """``H (V, v_intercept)`` without forming ``H``; ``curvature`` is the
        datafit's Hessian operator at the current predictor."""
        if self.sparse_rows is not None:
            # One pass over the rows of sparse X (see .._sparse_rows).
            v = _column(V)
            shift = float(v_intercept[0] - self.x_mean @ v)
            out, total, Zv = self.sparse_rows.hessian_product(curvature.h, v, shift)
            out -= self.x_mean * total
            out += self.l2 * v
            if self.fit_intercept:
                out_intercept = np.array([total])
            else:
                out_intercept = v_intercept.copy()
            return out[:, None], out_intercept, Zv[:, None]
        Zv = self.predictor(V, v_intercept)
        Hz = curvature(Zv)
        out = self.rmatmul(Hz) + self.l2[:, None] * V
        out_intercept = Hz.sum(axis=0) if self.fit_intercept else v_intercept.copy()
        return out, out_intercept, Zv

    def curvature_hessian(self, h, single: bool = False):
        """The loss's part of ``H`` for row curvatures ``h`` (no decay):
        ``B^T B`` with ``B = sqrt(h) [X - 1 x_mean^T, 1]``, float64, of size
        ``n_features + 1``.

        ``single``: a preconditioner only (a path's refreshed Hessian, whose
        factor preconditions conjugate gradients and makes the tangent
        predictor; every stopping test stays in float64). Dense ``X`` with
        columns near their mean then forms ``B^T B`` in float32: half the
        memory traffic of the scaled copy and about half the product's time.
        """
        X, m = self.X, self.x_mean
        n_features = X.shape[1]
        H = np.empty((n_features + 1, n_features + 1))
        total = float(h.sum())
        if sp.issparse(X):
            if self._csr is None:
                self._csr = X.tocsr()  # no copy if X is CSR
            gram, moment = weighted_gram(self._csr, h)
            H[:n_features, :n_features] = (
                gram
                - np.outer(m, moment)
                - np.outer(moment, m)
                + total * np.outer(m, m)
            )
            H[:n_features, n_features] = moment - total * m
        elif np.all(h == h[0]) and self._centred_gram(float(h[0]), H):
            pass  # equal curvatures (squared loss, or a cold start): no copy
        elif not self._weighted_centred_gram(h, total, H, single):
            # The one centred copy of X this solver makes.
            B = np.sqrt(h)[:, None] * (np.asarray(X, dtype=np.float64) - m)
            H[:n_features, :n_features] = _gram(B)
            H[:n_features, n_features] = B.T @ np.sqrt(h)
        H[n_features, :n_features] = H[:n_features, n_features]
        H[n_features, n_features] = total
        return H

    def plain_step(self, h, grad):
        """Newton's step ``-H^-1 grad`` for row curvatures ``h`` on dense ``X``
        without centring or intercept, every feature's decay positive:
        ``H = X^T diag(h) X + diag(l2)``, solved once scaled to a
        unit diagonal (as :class:`_Direct`). A single fit's exact step on a
        few coordinates, in a dozen NumPy calls (the general route's
        Hessian, factor and solve took three times as many, which cost
        more than their arithmetic at 1000 x 10). ``(S, s_intercept)``, or
        None if the solve fails or is not finite (the general route then
        serves)."""
        if self._rows is None:
            # X^T in rows, float64 (no copy of Fortran-ordered float64 X):
            # ``(X^T h) X`` costs 13 us on 1000 x 10 against 21 us for
            # ``sqrt(h) X`` and its symmetric product (scaling the rows of
            # C-ordered X is the slow part). Large X is not copied.
            rows = self.X.T
            if self.X.size <= PLAIN_COPY_MAX_ENTRIES:
                rows = np.ascontiguousarray(rows, dtype=np.float64)
            self._rows = rows
            self._decay_matrix = np.diag(self.l2)
        rows = self._rows
        H = np.asarray((rows * h) @ rows.T, dtype=np.float64)
        H += self._decay_matrix
        root = np.sqrt(np.diagonal(H))[:, None]
        try:
            S = np.linalg.solve((H / root) / root.T, grad / -root) / root
        except np.linalg.LinAlgError:
            return None
        if not math.isfinite(S.sum()):
            return None
        return S, np.zeros(grad.shape[1])

    def explicit_hessian(self, h):
        """``H`` for row curvatures ``h``: (n_features + 1) square, float64."""
        return self.with_decay(self.curvature_hessian(h))

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
        gram = _gram(X)
        spread = np.diag(gram) / n_samples - m * m
        if np.any(m * m > CENTRING_LOSS_MAX * spread):
            return False
        H[:n_features, :n_features] = h0 * (gram - n_samples * np.outer(m, m))
        # Centred columns sum to zero: no coupling with the intercept.
        H[:n_features, n_features] = 0.0
        return True

    def _weighted_centred_gram(self, h, total, H, single=False) -> bool:
        """``H[:p, :p + 1]`` for row curvatures ``h`` from the uncentred
        ``B = sqrt(h) X``: one scaled copy of ``X`` and one symmetric product,
        the centring applied after it,

        ``(X - 1 m^T)^T D (X - 1 m^T) = X^T D X - m u^T - u m^T + (1^T h) m m^T``

        with ``u = X^T h``. (Centring the copy first costs one more pass
        over a temporary the size of ``X``: about 40% of a path alpha's
        Hessian on 16000 x 100.) Returns False, leaving ``H`` unset, when a
        column's curvature-weighted spread is below ``1 / CENTRING_LOSS_MAX``
        of its raw second moment (a large offset, where the subtraction
        would lose digits); the caller then centres first.
        """
        X, m = self.X, self.x_mean
        n_features = X.shape[1]
        root = np.sqrt(h)
        if single:
            # Columns on moderate scales only (float32 spans 1e-38 to 1e38).
            scale = np.asarray(self.problem.scale, dtype=np.float64)
            single = bool(
                np.all((scale > SINGLE_SCALE_MIN) & (scale < 1.0 / SINGLE_SCALE_MIN))
                and np.all(np.abs(m) < 1.0 / SINGLE_SCALE_MIN)
            )
        dtype = np.float32 if single else np.float64
        B = np.multiply(X, root[:, None].astype(dtype), dtype=dtype)
        gram = _gram(B)
        moment = np.asarray(B.T @ root.astype(dtype), dtype=np.float64)
        if not m.any() and (not single or np.all(np.isfinite(gram))):
            # Uncentred (no intercept): nothing to subtract, no digits lost.
            H[:n_features, :n_features] = gram
            H[:n_features, n_features] = moment
            return True
        raw = np.diag(gram).copy()
        spread = raw - 2.0 * m * moment + total * m * m
        if single and not (
            np.all(np.isfinite(gram)) and np.all(raw <= SINGLE_LOSS_MAX * spread)
        ):
            # Columns far from their mean: float32 keeps too few digits.
            return self._weighted_centred_gram(h, total, H)
        if np.any(raw > CENTRING_LOSS_MAX * spread):
            return False
        H[:n_features, :n_features] = (
            gram - np.outer(m, moment) - np.outer(moment, m) + total * np.outer(m, m)
        )
        H[:n_features, n_features] = moment - total * m
        return True

    def with_decay(self, H):
        """Add ``l2_j`` to the coefficients' diagonal; make a fixed intercept
        inert. Changes ``H`` in place and returns it."""
        n_features = H.shape[0] - 1
        H[np.arange(n_features), np.arange(n_features)] += self.l2
        if not self.fit_intercept:
            H[:n_features, n_features] = 0.0
            H[n_features, :n_features] = 0.0
            H[n_features, n_features] = 1.0
        return H


class _Factor:
    """Cholesky factor of ``H`` scaled to a unit diagonal: ``M^-1 r`` solves.

    NumPy's LAPACK (the BLAS the products already use; see :func:`_gram`
    for why not SciPy's). NumPy has no triangular solve, so the factor is
    inverted once (``p^3 / 3`` flops, at most 500 x 500) and each solve is
    two matrix products.
    """

    def __init__(self, H):
        diagonal = np.diag(H).copy()
        self.root = np.sqrt(np.where(diagonal > 0.0, diagonal, 1.0))
        self.scaled = H / np.outer(self.root, self.root)
        self.inverse = None
        for jitter in JITTERS:
            try:
                factor = np.linalg.cholesky(self.scaled + jitter * np.eye(len(H)))
            except np.linalg.LinAlgError:
                continue
            self.inverse = np.linalg.inv(factor)
            break

    def solve(self, R, refine: bool = False):
        """``H^-1 R`` for ``R`` of shape (n_features + 1, n_columns).

        With ``refine``, one correction against the explicit ``H`` (no pass
        over ``X``): round-off-accurate even when a jitter made the factor
        slightly inexact.
        """
        if self.inverse is None:  # a NaN Hessian: the caller sees NaN steps
            return np.full_like(R, np.nan)
        scaled_rhs = R / self.root[:, None]
        solution = self.inverse.T @ (self.inverse @ scaled_rhs)
        if refine:
            correction = scaled_rhs - self.scaled @ solution
            solution += self.inverse.T @ (self.inverse @ correction)
        return solution / self.root[:, None]


class _Direct:
    """``H^-1 R`` by one LU solve of ``H`` scaled to a unit diagonal: a
    single fit's exact step on a few coordinates with every feature's decay
    positive (``H`` positive definite), where a Cholesky factor, its
    inverse and a refinement cost three times the solve's Python calls.
    :class:`_Factor` serves instead if the solve fails or is not finite."""

    def __init__(self, H):
        self.H = H

    def solve(self, R, refine: bool = False):
        diagonal = np.diag(self.H)
        root = np.sqrt(np.where(diagonal > 0.0, diagonal, 1.0))[:, None]
        try:
            S = np.linalg.solve(self.H / (root * root.T), R / root) / root
        except np.linalg.LinAlgError:
            S = None
        if S is None or not np.all(np.isfinite(S)):
            return _Factor(self.H).solve(R, refine=True)
        return S


def _decomposed(kind, matrix, decay, fit_intercept):
    """``kind(matrix, decay, fit_intercept)`` (an eigendecomposition of the
    decay-scaled ``matrix``, :class:`_ShiftedFactor` or :class:`_GramEigen`),
    or None where it does not serve: a feature without decay, a non-finite
    ``matrix``, an intercept without weight, eigenvalues that did not
    converge or are not finite (wild scales)."""
    if not (np.all(decay > 0.0) and np.all(np.isfinite(matrix))):
        return None
    if fit_intercept and not matrix[-1, -1] > 0.0:
        return None
    try:
        # Wild scales overflow the scaling; the result is checked below.
        with np.errstate(over="ignore", invalid="ignore"):
            decomposition = kind(matrix, decay, fit_intercept)
    except np.linalg.LinAlgError:  # no convergence: wild scales
        return None
    return decomposition if np.all(np.isfinite(decomposition.lam)) else None


class _ShiftedFactor:
    """``(A + t diag([d, 0]))^-1`` for every shift ``t``, from one
    eigendecomposition: a path's refreshed Hessian ``A`` (loss part, with
    the intercept's row) under the decays ``t d`` of its later alphas.

    The intercept is eliminated by its Schur complement
    ``C = A_11 - a a^T / c``; with ``D^-1/2 C D^-1/2 = Q diag(lam) Q^T``,
    ``(C + t D)^-1 = D^-1/2 Q diag(1 / (lam + t)) Q^T D^-1/2``. Each alpha
    then costs two ``p x p`` products per solve instead of a Cholesky
    factorisation and a triangular inverse (0.27 ms at ``p = 100``: five
    folds of 30 alphas refactored 150 times; a path refreshes its Hessian
    about four times).
    """

    def __init__(self, hessian, decay, fit_intercept):
        n_features = hessian.shape[0] - 1
        self.fit_intercept = fit_intercept
        self.decay = decay
        self.root = np.sqrt(decay)
        block = hessian[:n_features, :n_features]
        if fit_intercept:
            self.coupling = hessian[:n_features, n_features].copy()
            self.total = float(hessian[n_features, n_features])
            block = block - np.outer(self.coupling, self.coupling) / self.total
        scaled = block / np.outer(self.root, self.root)
        self.lam, self.Q = np.linalg.eigh(scaled)

    @classmethod
    def of(cls, hessian, decay, fit_intercept):
        """The factor, or None where it would not be accurate: a feature
        without decay, a non-finite or non-positive ``A``, or (see
        :meth:`shift`) a shift too small against ``A``'s spread."""
        return _decomposed(cls, hessian, decay, fit_intercept)

    def shift(self, l2):
        """The shift ``t`` with ``l2 = t d``, or None if ``l2`` is not such a
        multiple, or ``(lam + t)`` would lose more than ``SHIFT_DIGITS_LOST``
        digits to the eigenvalues' rounding (``eps max|lam| / (min lam +
        t)``), as on columns of wildly different scales (the Cholesky
        factor of the unit-diagonal scaling then serves)."""
        t = float(l2[0] / self.decay[0])
        if not (t > 0.0 and np.allclose(l2, t * self.decay, rtol=1e-12, atol=0.0)):
            return None
        floor = float(self.lam.min()) + t
        top = float(np.abs(self.lam).max())
        if not floor > SHIFT_DIGITS_LOST * np.finfo(np.float64).eps * top:
            return None
        return t

    def at(self, t) -> _AtShift:
        """The solves at the shift ``t`` (from :meth:`shift`)."""
        return _AtShift(self, 1.0 / (self.lam + t))


class _AtShift:
    """:class:`_ShiftedFactor` at one shift: ``solve`` as :class:`_Factor`'s."""

    def __init__(self, factor, inverse):
        self.factor, self.inverse = factor, inverse

    def solve(self, R, refine: bool = False):
        """``H^-1 R`` (exact up to the eigenvalues' rounding: ``refine`` is
        accepted and not needed)."""
        f = self.factor
        r, rho = R[:-1], R[-1]
        if f.fit_intercept:
            r = r - np.outer(f.coupling, rho / f.total)
        x = f.Q.T @ (r / f.root[:, None])
        x = (f.Q @ (self.inverse[:, None] * x)) / f.root[:, None]
        out = np.empty((R.shape[0], R.shape[1]))
        out[:-1] = x
        out[-1] = (rho - f.coupling @ x) / f.total if f.fit_intercept else rho
        return out


class _GramEigen:
    """The eigendecomposition behind every class's solve of
    :class:`_KroneckerFactor`, made once per ``G``: with the intercept
    eliminated by its Schur complement ``C = G_11 - a a^T / c`` and
    ``D = diag(l2)``, ``D^-1/2 C D^-1/2 = Q diag(lam) Q^T``, so that
    ``(mu C + D)^-1 = D^-1/2 Q diag(1 / (mu lam + 1)) Q^T D^-1/2`` for every
    class curvature ``mu`` at once: a few products for all classes, where a
    Cholesky factor and its inverse per class and per Newton step cost
    14 ms a fit on 20000 x 100 with 10 classes.
    """

    def __init__(self, G, decay, fit_intercept):
        n_features = G.shape[0] - 1
        self.fit_intercept = fit_intercept
        self.decay = decay
        self.root = np.sqrt(decay)[:, None]
        block = G[:n_features, :n_features]
        self.coupling = np.zeros((n_features, 1))
        self.total = 1.0
        if fit_intercept:
            self.coupling = G[:n_features, n_features : n_features + 1].copy()
            self.total = float(G[n_features, n_features])
            block = block - (self.coupling @ self.coupling.T) / self.total
        self.lam, self.Q = np.linalg.eigh((block / self.root) / self.root.T)

    @classmethod
    def of(cls, G, decay, fit_intercept):
        """The decomposition, or None where it does not serve: a feature
        without decay, a non-finite ``G``, an intercept without weight."""
        return _decomposed(cls, G, decay, fit_intercept)

    def accurate(self, mu) -> bool:
        """Whether ``mu lam + 1`` keeps enough digits (as
        :meth:`_ShiftedFactor.shift`) for the largest class curvature."""
        top = float(np.abs(self.lam).max()) * max(float(np.max(mu)), 0.0)
        floor = 1.0 + min(float(self.lam.min()), 0.0) * float(np.max(mu))
        return floor > SHIFT_DIGITS_LOST * np.finfo(np.float64).eps * top

    def solve(self, RV, mu, kept):
        """Column ``k`` of ``RV`` (n_features + 1 rows) solved with
        ``mu_k G + diag(l2, 0)`` where ``kept[k]``; the decay alone (a zero
        intercept) elsewhere."""
        r, rho = RV[:-1], RV[-1:]
        safe_mu = np.where(kept, mu, 1.0)
        if self.fit_intercept:
            r = r - self.coupling @ (rho / self.total)
        x = self.Q.T @ (r / self.root)
        x /= np.multiply.outer(self.lam, safe_mu) + 1.0
        x = (self.Q @ x) / self.root
        out = np.empty_like(RV)
        out[:-1] = x
        if self.fit_intercept:
            out[-1] = (rho[0] / safe_mu - self.coupling[:, 0] @ x) / self.total
        else:
            out[-1] = rho[0]
        if not np.all(kept):
            out[:-1, ~kept] = RV[:-1, ~kept] / self.decay[:, None]
            out[-1, ~kept] = 0.0
        return out


class _KroneckerFactor:
    """``(G (x) M + diag(l2) (x) I)^-1``, exactly, by splitting along ``M``.

    ``G`` is the (n_features + 1) weighted Gram matrix of the centred design
    with its intercept column, ``M`` a (n_classes) curvature matrix. With
    ``M = V diag(mu) V^T`` the system ``H S = R`` becomes, for each column
    ``k`` of ``R V``, ``(mu_k G + diag(l2)) x_k = (R V)_k``; ``S = X V^T``.
    ``M`` of the multinomial loss has the null vector of ones (adding a
    constant to every class changes nothing): there only the decay acts,
    and a coordinate without decay (the intercept, or ``l2 = 0``) gets 0.
    """

    def __init__(self, smooth, G, M, eigen=None):
        mu, self.V = np.linalg.eigh(M)
        top = max(float(mu.max()), 0.0)
        decay = np.append(smooth.l2, 0.0)
        positive = decay > 0.0
        inverse = 1.0 / np.where(positive, decay, 1.0)
        self.null_inverse = np.where(positive, inverse, 0.0)
        self.mu, self.kept = mu, mu > 1e-12 * top
        # One eigendecomposition of G serves every class (see _GramEigen)
        # where it keeps its digits; else a Cholesky factor per class.
        self.eigen = eigen if eigen is not None and eigen.accurate(mu) else None
        self.factors = []
        if self.eigen is not None:
            return
        for value in mu:
            if value <= 1e-12 * top:
                self.factors.append(None)
            else:
                self.factors.append(_Factor(smooth.with_decay(value * G)))

    def solve(self, R):
        RV = R @ self.V
        if self.eigen is not None:
            return self.eigen.solve(RV, self.mu, self.kept) @ self.V.T
        out = np.empty_like(RV)
        for k, factor in enumerate(self.factors):
            if factor is None:
                out[:, k] = self.null_inverse * RV[:, k]
            else:
                out[:, k] = factor.solve(RV[:, k : k + 1])[:, 0]
        return out @ self.V.T


class NewtonPath:
    """What a path of Newton solves carries from one alpha to the next.

    A path calls :meth:`run` (the method of a :class:`Solver`) for each alpha
    in turn, warm-started from the previous solution. Kept between calls:
    that solution, its predictor ``Z`` (no pass over ``X`` to recompute it),
    its decay, and the loss's part of the Hessian there (explicit problems)
    or the Gram matrix of the design (Kronecker problems). See the module
    docstring for what the next solve does with them.
    """

    def __init__(self):
        self.W = None  # float64, the last solution
        self.W_out = None  # the same, as returned (the caller's dtype)
        self.intercept = None
        self.intercept_out = None
        self.Z = None
        self.l2 = None
        self.hessian = None  # loss part of H at (or near) the last solution
        # (hessian, its _ShiftedFactor or None), made at the first use.
        self.eigen = None
        self.gram = None  # Kronecker problems: G, the same at every alpha
        self.loss = None  # the loss (no decay) at the last solution
        self.loss_gradient = None  # its gradient there, (coefficients, intercept)
        self.shifted = False  # whether the start's intercept differs by rounding
        # The last predictor's error (dW, d_intercept, dZ, log step), or None.
        self.correction = None
        self.predicted = None  # this solve's predictor (W, intercept, Z, log step)
        self.extra_products = 0  # products beyond one per step since the last H
        self.reference = 0.0  # the largest first residual along the path
        # A :class:`._lockstep._Member` (the path of one fold among others
        # run in lockstep), or None: products with X made by it.
        self.batch = None

    def factor(self, smooth):
        """The factor of ``H`` at :attr:`hessian` under ``smooth``'s decay:
        from the eigendecomposition of that Hessian (one per refresh, see
        :class:`_ShiftedFactor`) where it is accurate, else Cholesky's."""
        if self.eigen is None or self.eigen[0] is not self.hessian:
            shifted = _ShiftedFactor.of(
                self.hessian, smooth.l2.copy(), smooth.fit_intercept
            )
            self.eigen = (self.hessian, shifted)
        shifted = self.eigen[1]
        t = None if shifted is None else shifted.shift(smooth.l2)
        if t is None:
            return _Factor(smooth.with_decay(self.hessian.copy()))
        return shifted.at(t)

    def run(self, problem, W_init, intercept_init, max_iter, tol, trace):
        return newton(problem, W_init, intercept_init, max_iter, tol, trace, path=self)

    def start(self, W_init, intercept_init):
        """``(W, intercept, Z)`` of the previous solution if ``W_init`` is it
        (the intercept may differ by rounding: ``Z`` is shifted to it); else
        None."""
        if (
            self.W_out is None
            or self.W_out.shape != W_init.shape
            or self.W_out.dtype != W_init.dtype
            or not np.array_equal(self.W_out, W_init)
        ):
            return None
        shift = np.asarray(intercept_init, dtype=np.float64) - self.intercept_out
        # The stored loss and gradient are at the unshifted Z: good enough
        # for a predictor, not for a stopping test.
        self.shifted = bool(np.any(shift))
        if self.shifted:
            return self.W.copy(), self.intercept + shift, self.Z + shift
        return self.W.copy(), self.intercept.copy(), self.Z

    def start_gradient(self, smooth, W):
        """``(value, grad, grad_intercept)`` of the new problem at the
        previous solution ``W``, from the stored loss and its gradient (no
        pass over ``X``); None if not stored."""
        if self.loss is None or self.loss_gradient is None:
            return None
        grad, grad_intercept = self.loss_gradient
        value = self.loss + smooth.decay_value(W)
        return value, grad + smooth.l2[:, None] * W, grad_intercept.copy()

    def finish(self, W, intercept, Z, l2, dtype, loss, loss_gradient):
        self.W, self.intercept, self.Z, self.l2, self.loss = W, intercept, Z, l2, loss
        self.loss_gradient = loss_gradient
        self.W_out, self.intercept_out = W.astype(dtype), intercept.astype(dtype)
        self.intercept_out = self.intercept_out.astype(np.float64)


def _log_step(l2_old, l2_new) -> float:
    """``log(alpha_old / alpha_new)`` from the two decays (0 if undefined)."""
    old, new = float(np.sum(l2_old)), float(np.sum(l2_new))
    if not (old > 0.0 and new > 0.0):
        return 0.0
    return math.log(old / new)


def _pack(W, intercept):
    return np.concatenate([W, intercept[None, :]])


def _cg_iterations(apply, precondition, R, rtol, max_cg, inert=None):
    """Preconditioned conjugate gradients on ``H s = R`` from ``s = 0``;
    returns ``(S, Z_step, n_products)``.

    ``apply(D)`` gives ``(H D, the predictor's change along D)``;
    ``precondition(R)`` the preconditioned residual; ``inert`` a row of
    ``R`` kept at zero (a fixed intercept's). Stops when the preconditioned
    residual norm is at most ``rtol`` times the first one, after ``max_cg``
    iterations, or on a direction of non-positive curvature (rounding on a
    nearly singular ``H``).
    """
    P = precondition(R)
    D = P.copy()
    S = np.zeros_like(R)
    Z_step = 0.0
    # Dot products of the flattened arrays (vectors or (p, k) blocks) and an
    # in-place direction update: in a loop of a few microseconds a pass
    # (200 x 500), temporaries and np.sum's wrapper cost as much as the
    # products.
    rz = float(np.vdot(R, P))
    stop = rtol * rtol * rz
    n_products = 0
    for _ in range(max_cg):
        if rz <= stop or rz == 0.0:
            break
        HD, ZD = apply(D)
        n_products += 1
        along = float(np.vdot(D, HD))  # the curvature along D
        if not along > 0.0:
            break
        step = rz / along
        S += step * D
        Z_step = Z_step + step * ZD
        R -= step * HD
        if inert is not None:
            R[inert] = 0.0
        P = precondition(R)
        rz_next = float(np.vdot(R, P))
        D *= rz_next / rz
        D += P
        rz = rz_next
    return S, Z_step, n_products


def _conjugate_gradients(
    smooth, curvature, grad, grad_intercept, precondition, rtol, max_cg
):
    """Preconditioned CG on ``H s = -g`` (:func:`_cg_iterations`); returns
    ``(S, s_intercept, Z_step, n_products)``, ``Z_step`` the predictor's
    change along ``S`` (summed from the products, so that the line search
    needs no pass over ``X``; None when conjugate gradients made no step).
    """
    n_features = grad.shape[0]
    inert = None if smooth.fit_intercept else n_features
    R = -_pack(grad, grad_intercept)
    if inert is not None:
        R[inert] = 0.0

    def apply(D):
        HW, h_intercept, ZD = smooth.hessian_product(
            curvature, D[:n_features], D[n_features]
        )
        return _pack(HW, h_intercept), ZD

    S, Z_step, n_products = _cg_iterations(apply, precondition, R, rtol, max_cg, inert)
    if not S.any():
        # No descent from conjugate gradients: the preconditioned gradient.
        S = precondition(-_pack(grad, grad_intercept))
        Z_step = None
    if inert is not None:
        S[inert] = 0.0
    return S[:n_features], S[n_features], Z_step, n_products


def _plain_conjugate_gradients(smooth, h, grad, scale, rtol, max_cg):
    """:func:`_conjugate_gradients` with the Jacobi preconditioner ``scale``
    (n_features, 1) for one output on dense ``X`` without centring or
    intercept, ``h`` the curvature per row: the same iterations on the
    coefficients alone, with ``H v = X^T (h X v) + l2 v`` written out (no
    packing of an inert intercept, no centring terms; half the NumPy calls
    per iteration, which cost as much as the two products on 200 x 500)."""
    X, dtype = smooth.X, smooth.dtype
    h = h[:, None]
    l2 = smooth.l2[:, None]
    single = smooth.single_rows()
    if single is not None:
        # float32 products (half the memory traffic: 5 against 10 us a
        # product on 200 x 500) for the direction only; the line search
        # measures ``X S`` in float64, so that the predictor stays ``X W``.
        # On vectors: fewer NumPy calls than on (p, 1) arrays.
        h_single = h[:, 0].astype(np.float32)
        l2_flat, scale_flat = smooth.l2, scale[:, 0]

        def apply_single(D):
            ZD = single @ D.astype(np.float32)
            HD = np.asarray(single.T @ (h_single * ZD), dtype=np.float64)
            HD += l2_flat * D
            return HD, 0.0

        S, _, n_products = _cg_iterations(
            apply_single, lambda R: R / scale_flat, -grad[:, 0], rtol, max_cg
        )
        if not S.any():
            return -grad / scale, np.zeros(1), None, n_products
        return S[:, None], np.zeros(1), None, n_products

    def apply(D):
        ZD = np.asarray(X @ D.astype(dtype, copy=False), dtype=np.float64)
        HD = np.asarray(X.T @ (h * ZD).astype(dtype, copy=False), dtype=np.float64)
        HD += l2 * D
        return HD, ZD

    S, Z_step, n_products = _cg_iterations(
        apply, lambda R: R / scale, -grad, rtol, max_cg
    )
    if not S.any():
        return -grad / scale, np.zeros(1), None, n_products
    return S, np.zeros(1), Z_step, n_products


def _line_search(
    smooth, W, intercept, Z, S, s_intercept, value, predicted, Z_step=None
):
    """Armijo's backtracking along ``(S, s_intercept)`` (``Z_step``, the
    predictor's change per unit step, if known).

    Returns ``(value, accepted, W_new, intercept_new, Z_new, measured)``; a
    slack of ``rel_eps |F|`` lets the search accept a step at the optimum,
    where rounding dominates. The full step, which Newton's method takes
    but in its first iterations, is tried with the gradient, which the
    datafit computes with the value: ``measured`` is ``(value, grad,
    grad_intercept)`` there if the full step is accepted (the next
    iteration's gradient, without evaluating the loss again), else None.
    """
    if Z_step is None:
        Z_step = smooth.predictor(S, s_intercept)
    slack = smooth.problem.rel_eps * abs(value)
    step = 1.0
    for halving in range(MAX_HALVINGS):
        if halving == 0:  # the full step: no products by 1.0
            W_new, intercept_new, Z_new = W + S, intercept + s_intercept, Z + Z_step
        else:
            W_new = W + step * S
            intercept_new = intercept + step * s_intercept
            Z_new = Z + step * Z_step
        measured = None
        if halving == 0:
            new_value, _, grad, grad_intercept = smooth.gradient(Z_new, W_new)
            measured = (new_value, grad, grad_intercept)
        else:
            new_value = smooth.value(Z_new, W_new)
        if new_value <= value + ARMIJO * step * predicted + slack:
            return new_value, True, W_new, intercept_new, Z_new, measured
        step *= 0.5
    return new_value, False, W_new, intercept_new, Z_new, None


def _record(trace, it, value, W, intercept):
    trace.objective[it] = value
    if trace.coef.shape[0] > 0:
        trace.coef[it] = W
        trace.intercept[it] = intercept


def _rhs(smooth, grad, grad_intercept):
    """``-g`` packed, with a fixed intercept's row zeroed."""
    R = -_pack(grad, grad_intercept)
    if not smooth.fit_intercept:
        R[-1] = 0.0
    return R


def _split(smooth, S):
    if not smooth.fit_intercept:
        S[-1] = 0.0
    return S[:-1], S[-1]


def newton(problem, W_init, intercept_init, max_iter, tol, trace, path=None):
    """Run Newton's method; return ``(W, intercept, n_iter, status, violation)``
    (:class:`~skdecay._core._solvers.SolverOutput`).

    The line search chooses each step (no learning rate). ``W`` and the
    intercept come back in the dtype of ``W_init``. ``path`` (a
    :class:`NewtonPath`) carries what the previous alpha's solve knew.

    Several outputs of a loss other than the squared (the multinomial) on
    dense ``X`` run on one BLAS thread: their products with a few columns
    (see :meth:`_Smooth.predictor`) took 165 ms a fit on one thread against
    520 ms, and at times seconds, on two (20000 x 100, 10 classes, the
    2-core machine busy). So does sparse ``X``, whose products are SciPy's:
    BLAS and LAPACK then serve only the ``p x p`` Hessian and its factor,
    whose inverse (124 x 124) took up to 73 ms on two threads of the busy
    machine (one-hot 32561 x 123: 74 against 116 ms a fit, median).
    """
    if _few_columns(problem) or sp.issparse(as_matrix(problem.X)):
        with one_blas_thread():
            return _newton(problem, W_init, intercept_init, max_iter, tol, trace, path)
    return _newton(problem, W_init, intercept_init, max_iter, tol, trace, path)


def _newton(problem, W_init, intercept_init, max_iter, tol, trace, path=None):
    """:func:`newton`, on the BLAS threads it was given."""
    smooth = _Smooth(problem, path.batch if path is not None else None)
    datafit = smooth.datafit
    dtype = W_init.dtype
    n_samples, n_features = smooth.X.shape
    n_outputs = W_init.shape[1]
    squared = datafit.name == "squared"
    n_coordinates = n_features + 1
    small = n_coordinates <= EXPLICIT_MAX_COORDINATES and n_samples >= n_coordinates
    explicit = small and (squared or n_outputs == 1)
    # Single fits on large X only (see KRONECKER_MIN_ENTRIES); a path keeps
    # the Jacobi route, whose solutions scikit-learn's sample-weight checks
    # of the CV estimator compare at the default tol (the Kronecker route's
    # path solutions differed there by 4e-7).
    kronecker = (
        small
        and not explicit
        and datafit.has_class_curvature
        and path is None
        and smooth.X.shape[0] * smooth.X.shape[1] >= KRONECKER_MIN_ENTRIES
    )
    gram = np.asarray(problem.gram)
    # A path's Gram matrix replaces H for another loss (on a NewtonPath the
    # previous alpha's Hessian does).
    from_gram = explicit and gram.shape[0] > 0 and not squared and path is None
    # Few coordinates: every step exact (H formed and factored again: a few
    # microseconds, against the per-call cost of conjugate gradients).
    exact_each = (
        explicit
        and not squared
        and path is None
        and not from_gram
        and n_coordinates <= EXACT_EACH_MAX_COORDINATES
    )
    positive_decay = bool(np.all(smooth.l2 > 0.0))
    # Every step exact on dense X without an intercept: the short route.
    plain_each = (
        exact_each
        and positive_decay
        and smooth.plain
        and not smooth.fit_intercept
        and not sp.issparse(smooth.X)
    )
    # Matrix-free steps on dense X without centring or intercept, for a loss
    # with one curvature per row: conjugate gradients on the coefficients
    # alone (see :func:`_plain_conjugate_gradients`).
    plain_free = (
        smooth.plain
        and not smooth.fit_intercept
        and not sp.issparse(smooth.X)
        and n_outputs == 1
        and datafit.separable
        and not squared
    )
    scale = np.append(np.asarray(problem.scale, dtype=np.float64),
                      problem.scale_intercept)  # fmt: skip

    def jacobi(R):
        return R / scale[:, None]

    started = path.start(W_init, intercept_init) if path is not None else None
    if started is None:
        W = np.asarray(W_init, dtype=np.float64).copy()
        intercept = np.asarray(intercept_init, dtype=np.float64).copy()
        Z = smooth.predictor(W, intercept)
    else:
        W, intercept, Z = started

    factor = None  # a factor of H, exact at the point ``exact_at`` (or None)
    exact_at = None
    hessian = None  # the loss part of the last H formed at an iterate
    if explicit and path is not None and path.hessian is not None:
        hessian = path.hessian
        factor = path.factor(smooth)
    class_gram = None
    gram_eigen = None
    if kronecker:
        if path is not None and path.gram is not None:
            class_gram = path.gram
        else:
            class_gram = smooth.curvature_hessian(smooth.weights)
            if path is not None:
                path.gram = class_gram
        gram_eigen = _GramEigen.of(class_gram, smooth.l2, smooth.fit_intercept)

    status = MAX_ITER_REACHED
    n_iter = 0
    first_it = 0
    # (value, grad, grad_intercept) at (W, intercept) when already measured.
    measured = None
    if (
        started is not None
        and (factor is not None or kronecker)
        and path.l2 is not None
        and max_iter > 0
        and np.any(smooth.l2 != path.l2)
    ):
        # The tangent of the path: at the previous solution the gradient
        # under the new decay is its stored loss gradient (within tol of
        # -l2_old W) plus l2 W, about (l2 - l2_old) W; one Newton step on it
        # with the previous Hessian is the first-order predictor. Kept if it
        # lowers the objective; its gradient is measured with that value.
        at_start = path.start_gradient(smooth, W)
        if at_start is None:
            R = -_pack((smooth.l2 - path.l2)[:, None] * W, np.zeros(n_outputs))
        else:
            R = _rhs(smooth, at_start[1], at_start[2])
        if kronecker:
            M = smooth.class_curvature(Z)
            S = _KroneckerFactor(smooth, class_gram, M, gram_eigen).solve(R)
        else:
            S = factor.solve(R)
        S, s_intercept = _split(smooth, S)
        if at_start is not None:
            value = at_start[0]
        else:
            value = smooth.value(Z, W)
        Z_pred = Z + smooth.predictor(S, s_intercept)
        W_pred = W + S
        b_pred = intercept + s_intercept
        log_step = _log_step(path.l2, smooth.l2)
        path.predicted = (W_pred, b_pred, Z_pred, log_step)
        if path.correction is not None and log_step > 0.0:
            dW, db, dZ, last_step = path.correction
            c = min((log_step / last_step) ** 2, 4.0)
            W_pred, b_pred, Z_pred = W_pred + c * dW, b_pred + c * db, Z_pred + c * dZ
        predicted_value, _, grad, grad_intercept = smooth.gradient(Z_pred, W_pred)
        if predicted_value < value:
            W, intercept, Z = W_pred, b_pred, Z_pred
            _record(trace, 0, predicted_value, W, intercept)
            n_iter = first_it = 1
            measured = (predicted_value, grad, grad_intercept)
        else:
            path.predicted = None
            if not path.shifted:
                measured = at_start

    first_residual = 0.0
    n_products = 0  # Hessian products of conjugate gradients in this solve
    n_steps = 0  # the Newton steps that ran conjugate gradients
    progress = Progress()
    worst = math.nan  # the residual at (W, intercept), once measured
    for it in range(first_it, max_iter + 1):
        if measured is None:
            value, _, grad, grad_intercept = smooth.gradient(Z, W)
        else:
            value, grad, grad_intercept = measured
            measured = None
        worst = smooth.residual(W, grad, grad_intercept)
        if worst <= tol:
            status = CONVERGED
            break
        if progress.stalled(worst):
            # Steps that move neither the objective nor the residual: more
            # would not help.
            status = STALLED
            break
        if it == max_iter:
            break
        if first_residual == 0.0:
            first_residual = worst
            if path is not None:
                path.reference = max(path.reference, worst)
                first_residual = path.reference
        forcing = min(0.5, math.sqrt(worst / first_residual))
        if path is not None and worst < FORCING_NEAR * tol:
            forcing = min(forcing, FORCING_TOL * tol / worst)
        Z_step = None
        plain = None
        if plain_each:
            plain = smooth.plain_step(smooth.row_curvature(Z), grad)
        if plain is not None:
            S, s_intercept = plain
        else:
            R = _rhs(smooth, grad, grad_intercept)
            if exact_each and exact_at is not None and exact_at < it:
                factor = None  # a few coordinates: H again, at this iterate
            if explicit and factor is None and not from_gram:
                h = smooth.row_curvature(Z)
                if gram.shape[0] > 0 and np.all(Z == Z[0]):
                    # Every row has the same curvature per unit weight (a cold
                    # start): H is the caller's Gram matrix, scaled.
                    hessian = float(np.sum(h)) * gram
                else:
                    hessian = smooth.curvature_hessian(h)
                if exact_each and positive_decay:
                    factor = _Direct(smooth.with_decay(hessian.copy()))
                else:
                    factor = _Factor(smooth.with_decay(hessian.copy()))
                exact_at = it
            if explicit and (squared or exact_at == it):
                # An exact solve, refined once against the explicit H.
                S, s_intercept = _split(smooth, factor.solve(R, refine=True))
            elif kronecker:
                M = smooth.class_curvature(Z)
                precondition = _KroneckerFactor(smooth, class_gram, M, gram_eigen)
                if not Z.any() or np.all(Z == Z[0]):
                    # Every row has the same curvature: the splitting is exact.
                    S, s_intercept = _split(smooth, precondition.solve(R))
                else:
                    curvature = smooth.hessian_operator(Z)
                    S, s_intercept, Z_step, products = _conjugate_gradients(
                        smooth, curvature, grad, grad_intercept, precondition.solve,
                        forcing, MAX_CG_MATRIX_FREE,
                    )  # fmt: skip
                    n_products += products
                    n_steps += 1
            else:
                if explicit and factor is None:
                    # The caller's Gram matrix scaled by the mean curvature at
                    # the (warm) start.
                    h = smooth.row_curvature(Z)
                    factor = _Factor(smooth.with_decay(float(np.sum(h)) * gram))
                if factor is None and plain_free:
                    S, s_intercept, Z_step, products = _plain_conjugate_gradients(
                        smooth, smooth.row_curvature(Z),
                        grad, scale[:-1, None], forcing, MAX_CG_MATRIX_FREE,
                    )  # fmt: skip
                else:
                    curvature = smooth.hessian_operator(Z)
                    S, s_intercept, Z_step, products = _conjugate_gradients(
                        smooth, curvature, grad, grad_intercept,
                        factor.solve if factor is not None else jacobi,
                        forcing, MAX_CG_MATRIX_FREE,
                    )  # fmt: skip
                n_products += products
                n_steps += 1
        predicted = float((S * grad).sum() + (s_intercept * grad_intercept).sum())
        new_value, accepted, W_new, intercept_new, Z_new, measured = _line_search(
            smooth, W, intercept, Z, S, s_intercept, value, predicted, Z_step
        )
        if not accepted and math.isfinite(new_value):
            # No step along the Newton direction decreases the objective.
            status = STALLED
            break
        _record(trace, it, new_value, W_new, intercept_new)
        n_iter = it + 1
        finite = math.isfinite(new_value) and np.isfinite(W_new).all()
        if not finite or not np.isfinite(intercept_new).all():
            W, intercept = W_new, intercept_new
            status = NON_FINITE
            worst = math.nan
            break
        worst = math.nan  # the point moves: measured at the next iteration
        progress.step(new_value < value - problem.rel_eps * abs(value))
        W, intercept, Z = W_new, intercept_new, Z_new
    if path is not None:
        if status == CONVERGED:
            loss = value - smooth.decay_value(W)
            loss_gradient = (grad - smooth.l2[:, None] * W, grad_intercept)
            path.finish(W, intercept, Z, smooth.l2.copy(), dtype, loss, loss_gradient)
            path.correction = None
            if path.predicted is not None and path.predicted[3] > 0.0:
                W_p, b_p, Z_p, step = path.predicted
                path.correction = (W - W_p, intercept - b_p, Z - Z_p, step)
            path.extra_products += max(n_products - n_steps, 0)
            if explicit and not squared and path.extra_products > PATH_REFRESH_PRODUCTS:
                path.extra_products = 0
                path.correction = None
                # The factor went stale along the path: the next alpha gets
                # the Hessian at this solution.
                h = smooth.row_curvature(Z)
                hessian = smooth.curvature_hessian(h, single=True)
            if explicit and hessian is not None:
                path.hessian = hessian
        else:
            path.W_out = None  # start the next alpha afresh
    return W.astype(dtype), intercept.astype(dtype), n_iter, status, worst
