"""Prepare a weight-decay problem once and hand it to a compiled solver.

This is the only place that turns validated arrays into what the kernels
need: a :class:`~._linalg.DesignMatrix`, normalised weights, the implicit
centering for the intercept, the diagonal preconditioner and an absolute
tolerance. Solvers then run without touching Python.

The work is split in two so that a regularisation path pays for it once:
:func:`prepare_problem` does everything that does not depend on the penalty
(layout, weights, column moments, the loss gradient at zero) and
:func:`solve_prepared` solves for one ``(l1, l2)``, warm-started or not
(the estimators call the two in a row).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.linalg import solve_triangular

from .._compile_notice import compile_notice
from ..exceptions import NonFiniteIterateError
from ._datafits import DATAFITS, DATAFITS_BY_CODE
from ._linalg import DENSE, column_major, make_design
from ._optimality import optimality_residual
from ._penalties import L1, NoPenalty, Penalty
from ._products import as_matrix, centred_matmul, centred_rmatmul, column_moments
from ._solvers import (
    CONVERGED,
    NON_FINITE,
    SOLVERS,
    STALLED,
    Problem,
    Solver,
    Trace,
    prefers_first_order,
)
from ._solvers._newton import EXPLICIT_MAX_COORDINATES

#: Relative margin on the gradient at a null model that is itself a solve
#: (some features unpenalised): see :meth:`PreparedProblem.null_gradient`.
NULL_MODEL_MARGIN = 1e-8


@dataclass
class DecayResult:
    """What a solver returns, in the caller's (uncentred) parametrisation."""

    coef: np.ndarray  # (n_features, n_outputs)
    intercept: np.ndarray  # (n_outputs,)
    n_iter: int
    converged: bool
    objective_curve: np.ndarray  # (n_iter,)
    objective: float = np.nan  # the objective at (coef, intercept)
    coef_history: np.ndarray | None = None  # (n_iter, n_features, n_outputs)
    intercept_history: np.ndarray | None = None  # (n_iter, n_outputs)
    #: True when the solver stopped making progress before ``tol`` (not
    #: merely ran out of iterations).
    stalled: bool = False
    #: The optimality violation at the returned point, relative to its value
    #: at ``W = 0`` (the quantity ``tol`` bounds); NaN when not measured.
    violation: float = np.nan
    #: The solvers that ran, in order (a stalled 'auto' choice hands over to
    #: its fallback).
    solvers: tuple[str, ...] = ()


def _preconditioner(mean, spread, curvature, l2):
    """``curvature * spread + l2``, with a safe value for constant columns.

    A column whose spread is zero, or lost in rounding next to its raw second
    moment (a constant column after centering), has a zero gradient, so any
    positive scale is correct; its raw second moment (or 1 for a zero column)
    is the safe choice. The test is relative to the column itself, never to
    other columns: features on scales 1e-3 and 1e3 are both genuine.
    """
    spread = np.asarray(spread, dtype=np.float64)
    raw = spread + np.asarray(mean, dtype=np.float64) ** 2
    flat = spread <= 1e-12 * raw
    spread = np.where(flat, np.where(raw > 0, raw, 1.0), spread)
    return curvature * spread + l2


#: A preparation for no particular solver: the data as they are, row access.
_AS_GIVEN = replace(SOLVERS["fista"], name="(none)")


@dataclass
class PreparedProblem:
    """Everything about one data set that does not depend on the penalty.

    Built by :func:`prepare_problem`; :func:`solve_prepared` solves it for
    any ``(l1, l2)``. ``grad_zero`` is the loss gradient at ``W = 0`` (with
    the best intercept for ``W = 0``), in the raw, unpreconditioned units of
    the coefficients: ``max |grad_zero|`` is the smallest L1 strength at
    which every coefficient is zero.
    """

    problem: Problem  # with l1 = l2 = 0 and the l2-free preconditioner
    solver: Solver
    mean: np.ndarray  # (n_features,) float64 weighted means (zeros uncentred)
    spread: np.ndarray  # (n_features,) weighted variances (or raw moments)
    curvature: float
    intercept_zero: np.ndarray  # (n_outputs,)
    grad_zero: np.ndarray  # (n_features, n_outputs)
    grad_intercept_zero: np.ndarray  # (n_outputs,)
    #: The solver that finishes a solve the first one stalled on (see
    #: ``Solver.fallback``); None to stop and report the stall.
    fallback: Solver | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n_samples, n_features, n_outputs)``."""
        X = self.problem.X
        return X.n_samples, X.n_features, self.problem.Y.shape[1]

    def with_penalty(self, penalty: Penalty) -> Problem:
        """The problem handle for ``penalty``: its per-feature strengths (the
        preconditioner moves with the L2 part)."""
        base = self.problem
        l1, l2 = penalty.strengths(self.mean.shape[0])
        scale = _preconditioner(self.mean, self.spread, self.curvature, l2)
        return base._replace(l1=l1, l2=l2, scale=scale.astype(base.Y.dtype))

    def null_gradient(self, penalty: Penalty) -> np.ndarray:
        """The loss gradient at the null model of ``penalty``.

        The null model has every penalised coefficient zero and the intercept
        (and any feature whose penalty weight is 0) fitted: ``grad_zero``
        unless some feature is unpenalised, when those features are fitted
        first (an unpenalised solve on their columns). Its largest entries
        set the top of a path (:meth:`Penalty.alpha_max`).
        """
        weights = penalty.weights
        if weights is None or np.all(weights > 0):
            return self.grad_zero
        free = weights == 0.0
        # Penalised features pinned at zero by an L1 strength no gradient
        # reaches; the free ones fitted, without penalty.
        top = float(np.max(np.abs(self.grad_zero), initial=0.0))
        pinned = L1(1e12 * (top + 1.0), np.where(free, 0.0, 1.0))
        solver = self.fallback or self.solver
        if solver is _AS_GIVEN:
            solver = SOLVERS["fista"]
        if solver.smooth_only:
            solver = SOLVERS[solver.fallback]
        result = solve_prepared(
            replace(self, solver=solver, fallback=None), penalty=pinned,
            max_iter=1000, tol=1e-10,
        )  # fmt: skip
        centred = result.intercept + self.problem.x_mean @ result.coef
        grad, _ = _smooth_gradient(self.with_penalty(NoPenalty()), result.coef, centred)
        # That solve stops within 1e-10 of the null model, and another
        # solver's (or the compressed problem's) differs by as much: raise
        # the gradient by NULL_MODEL_MARGIN so that a path's top alpha gives
        # the null model whichever solver computes it.
        return np.where(free[:, None], 0.0, grad * (1.0 + NULL_MODEL_MARGIN))


def _objective_at(problem: Problem, W, centred_intercept) -> float:
    """The objective at ``(W, centred_intercept)``, in NumPy."""
    W = np.asarray(W, dtype=np.float64)
    Z = centred_matmul(as_matrix(problem.X), W, centred_intercept, problem.x_mean)
    value = DATAFITS_BY_CODE[int(problem.loss)].value(
        np.asarray(problem.Y, dtype=np.float64), Z, problem.weights.astype(np.float64)
    )
    rows = np.sum(W * W, axis=1)
    return float(value + problem.l1 @ np.abs(W).sum(axis=1) + 0.5 * problem.l2 @ rows)


def _smooth_gradient(problem: Problem, W, centred_intercept):
    """``(grad, grad_intercept)`` of the smooth part (loss and L2), in NumPy."""
    W = np.asarray(W, dtype=np.float64)
    X = as_matrix(problem.X)
    if W.any():
        Z = centred_matmul(X, W, centred_intercept, problem.x_mean)
    else:  # the null model (the top of a path): no pass over X
        Z = np.empty((X.shape[0], W.shape[1]))
        Z[:] = centred_intercept
    _, G = DATAFITS_BY_CODE[int(problem.loss)].gradient(
        np.asarray(problem.Y, dtype=np.float64), Z, problem.weights.astype(np.float64)
    )
    grad = centred_rmatmul(X, G, problem.x_mean) + problem.l2[:, None] * W
    n_outputs = W.shape[1]
    grad_intercept = G.sum(axis=0) if problem.fit_intercept else np.zeros(n_outputs)
    return grad, grad_intercept


def prepare_problem(
    X,
    Y,
    sample_weight,
    *,
    loss: str,
    fit_intercept: bool,
    solver: Solver | None,
    fallback: Solver | None = None,
) -> PreparedProblem:
    """Prepare a problem once for ``solver`` (and its ``fallback``).

    ``solver=None`` prepares the data as they are (no layout copy), for
    what needs only the gradient at the null model (the top of a CV grid).

    Parameters are validated arrays: ``X`` dense (C or F order) or CSR/CSC
    in float32 or float64; ``Y`` of shape (n_samples, n_outputs) (0/1 column
    for the logistic loss, one-hot for the multinomial); ``sample_weight``
    non-negative with a positive sum. :func:`solve_prepared` then solves it
    for any penalty.
    """
    if solver is None:
        solver = _AS_GIVEN
    if fallback is not None and not fallback.shares_preparation(solver):
        raise ValueError(
            f"fallback={fallback.name!r} needs another preparation than "
            f"{solver.name!r}."
        )
    # Column walks centre a sparse column through an offset that is exact for
    # the squared loss only; other losses stay uncentred there.
    center = fit_intercept and not (
        solver.column_access and sp.issparse(X) and loss != "squared"
    )
    if solver.column_access and sp.issparse(X):
        # Sparse columns need CSC. Dense data stay as they are: the column
        # walkers gather a working set's columns of a C-ordered X themselves
        # (a Fortran copy of all of X is the fixed cost of issue 3).
        X = column_major(X)
    design = make_design(X)
    dtype = X.dtype
    datafit = DATAFITS[loss]
    loss_code = datafit.code
    curvature = datafit.curvature
    n_features = X.shape[1]
    no_penalty = np.zeros(n_features)
    # The problem's own arrays are fresh and writable (only X is the user's,
    # passed read-only): the quadratic models of 'prox_newton' build problems
    # of the same type, so coordinate descent compiles once for both.
    Y = np.array(Y, dtype=dtype, order="C")
    n_outputs = Y.shape[1]
    weights = np.asarray(sample_weight, dtype=np.float64)
    weights = np.ascontiguousarray(weights / weights.sum(), dtype=dtype)

    mean, spread = column_moments(as_matrix(design), weights, center)
    x_mean = mean.astype(dtype)
    problem = Problem(
        X=design,
        Y=Y,
        weights=weights,
        x_mean=x_mean,
        loss=loss_code,
        l1=no_penalty,
        l2=no_penalty,
        fit_intercept=bool(fit_intercept),
        scale=_preconditioner(mean, spread, curvature, no_penalty).astype(dtype),
        scale_intercept=float(curvature),
        lipschitz_max=float(n_features + fit_intercept),
        rel_eps=10.0 * float(np.finfo(dtype).eps),
        gram=np.empty((0, 0)),
    )
    if fit_intercept:
        intercept_zero = datafit.intercept_at_zero(
            Y.astype(np.float64), weights.astype(np.float64)
        ).astype(dtype)
    else:
        intercept_zero = np.zeros(n_outputs, dtype=dtype)
    grad, grad_intercept = _smooth_gradient(
        problem, np.zeros((n_features, n_outputs)), intercept_zero
    )
    grad, grad_intercept = grad.astype(dtype), grad_intercept.astype(dtype)
    return PreparedProblem(
        problem, solver, mean, spread, float(curvature), intercept_zero, grad,
        grad_intercept, fallback,
    )  # fmt: skip


#: Largest number of features for which a path compresses least squares or
#: forms a Gram matrix once (as 'newton' forms H, see _solvers/_newton.py).
PATH_GRAM_MAX_FEATURES = EXPLICIT_MAX_COORDINATES - 1


@dataclass
class CompressedLeastSquares:
    r"""A least-squares problem rewritten on ``n_features + 1`` rows.

    With the centred, weight-scaled design ``B = sqrt(s) (X - 1 m^T)`` and
    targets ``C = sqrt(s) (Y - ybar)``, any factor ``R`` of the Gram matrix
    (``R^T R = B^T B``) and ``T`` solving ``R^T T = B^T C`` give

    .. math::

        \tfrac12 \|C - B W\|^2 = \tfrac12 \|T - R W\|^2 + c, \qquad
        c = \tfrac12 (\|C\|^2 - \|T\|^2).

    Every penalised problem on the data is therefore the same problem on
    ``R`` (``n_features`` rows, plus a zero row so that 'newton' forms its
    explicit Hessian) with no intercept: ``W`` is unchanged, the intercept
    is ``ybar - m . W`` and the objective is shifted by ``c``. A path pays
    for one Gram matrix, as LassoCV's precomputed Gram, and each alpha costs
    passes over ``n_features^2`` entries instead of
    ``n_samples * n_features``. :meth:`LeastSquaresMoments.compress` builds
    it; :meth:`ridge_path` solves pure weight decay exactly from the
    eigendecomposition of ``B^T B``, computed on first use.
    """

    prepared: PreparedProblem
    gram: np.ndarray  # (n_features, n_features): B^T B
    cross: np.ndarray  # (n_features, n_outputs): B^T C
    y_mean: np.ndarray  # (n_outputs,)
    x_mean: np.ndarray  # (n_features,)
    constant: float
    dtype: np.dtype

    @property
    def grad_zero(self) -> np.ndarray:
        """The loss gradient at zero, the same as the uncompressed problem's."""
        return self.prepared.grad_zero

    def null_gradient(self, penalty: Penalty) -> np.ndarray:
        """The loss gradient at ``penalty``'s null model (unchanged by the
        compression: the intercept is profiled out of both)."""
        return self.prepared.null_gradient(penalty)

    def to_original(self, result: DecayResult) -> DecayResult:
        """A result on the compressed problem, on the original data."""
        coef = result.coef.astype(self.dtype)
        intercept = (self.y_mean - self.x_mean @ result.coef).astype(self.dtype)
        return DecayResult(
            coef,
            intercept,
            result.n_iter,
            result.converged,
            result.objective_curve + self.constant,
            result.objective + self.constant,
            stalled=result.stalled,
            violation=result.violation,
            solvers=result.solvers,
        )

    @cached_property
    def _eigen(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``sigma``, ``V`` and ``T`` with ``B^T B = V diag(sigma^2) V^T``
        and ``T = diag(1 / sigma) V^T B^T C`` (zero where ``sigma``
        vanishes), computed on first use."""
        return _eigen_factor(self.gram, self.cross)

    def ridge_path(self, penalties) -> list[DecayResult]:
        """Exact weight-decay solutions for every penalty (smooth), no iteration.

        ``W = V diag(sigma / (sigma^2 + l2)) T`` minimises
        ``1/2 ||T - R W||^2 + l2 / 2 ||W||^2``: what one Newton step
        computes, for the whole path from the one eigendecomposition. With
        per-feature weights the decay ``diag(l2_j)`` no longer shares the
        Gram matrix's eigenvectors: each alpha is one symmetric solve of
        ``(B^T B + diag(l2)) W = B^T C`` instead.
        """
        sigma, V, T = self._eigen
        n_features = V.shape[0]
        results = []
        for penalty in penalties:
            _, l2 = penalty.strengths(n_features)
            if penalty.weights is None:
                W = V @ ((sigma / (sigma**2 + l2[0]))[:, None] * T)
            else:
                W = np.linalg.lstsq(self.gram + np.diag(l2), self.cross, rcond=None)[0]
            misfit = T - sigma[:, None] * (V.T @ W)
            value = 0.5 * float(np.sum(misfit**2))
            value += penalty.value(W) + self.constant
            results.append(
                DecayResult(
                    W.astype(self.dtype),
                    (self.y_mean - self.x_mean @ W).astype(self.dtype),
                    1,
                    True,
                    np.array([value]),
                    value,
                )
            )
        return results


def _eigen_factor(gram, cross):
    """``sigma``, ``V``, ``T`` of :meth:`CompressedLeastSquares._eigen`;
    directions whose ``sigma`` is below ``n_features * eps`` of the largest
    are dropped (``sigma`` and ``T`` zero there)."""
    eigenvalues, V = np.linalg.eigh(gram)
    sigma = np.sqrt(np.clip(eigenvalues, 0.0, None))
    kept = sigma > gram.shape[0] * np.finfo(np.float64).eps * max(sigma.max(), 1e-300)
    T = np.zeros((gram.shape[0], cross.shape[1]))
    T[kept] = (V[:, kept].T @ cross) / sigma[kept, None]
    sigma = np.where(kept, sigma, 0.0)
    return sigma, V, T


#: Rows of ``X`` per block when :class:`LeastSquaresMoments` sums a dense
#: design: blocks of about this many entries (2 MB in float64), which stay
#: in cache while shifted and scaled and are large enough for BLAS's
#: symmetric rank-k update to run at full speed (20000 x 300: 42 ms, against
#: 45 ms with 8 MB blocks and 34 ms for ``X.T @ X`` alone).
MOMENTS_BLOCK_ENTRIES = 1 << 18

#: :meth:`LeastSquaresMoments.compress` factors the Gram matrix of the
#: unit-variance columns by Cholesky when its smallest pivot is at least
#: this (a condition number up to about its inverse); below, by the
#: eigendecomposition, which drops the directions without support.
CHOLESKY_MIN_PIVOT = 1e-10


@dataclass(frozen=True)
class LeastSquaresMoments:
    """Weighted sums over the rows of a dense least-squares problem.

    With ``Z = (X - x_shift) / x_scale`` and ``U = Y - y_shift`` (a fixed
    shift and scale per column, so that no sum overflows or cancels), the
    sums over rows ``i`` of ``s_i``, ``s_i z_i``, ``s_i u_i``,
    ``s_i z_i z_i^T``, ``s_i z_i u_i^T`` and ``s_i u_i^2``. Sums over rows
    subtract: a cross-validation fold's training moments are the whole set's
    minus its validation rows', so that every fold is compressed from one
    pass over ``X`` and one over its validation rows, with no copy of its
    training rows (LassoCV forms each fold's Gram matrix from a copy).
    """

    weight: float
    sum_x: np.ndarray  # (n_features,)
    sum_y: np.ndarray  # (n_outputs,)
    xx: np.ndarray  # (n_features, n_features)
    xy: np.ndarray  # (n_features, n_outputs)
    yy: np.ndarray  # (n_outputs,)
    x_shift: np.ndarray  # (n_features,)
    x_scale: np.ndarray  # (n_features,), positive
    y_shift: np.ndarray  # (n_outputs,)

    @classmethod
    def of(
        cls, X, Y, sample_weight, *, x_shift, x_scale, y_shift, rows=None
    ) -> LeastSquaresMoments:
        """The moments of ``rows`` (all rows if None) of dense ``X``, ``Y``,
        summed over blocks of rows (each block shifted and scaled in one
        reused float64 buffer: never a copy of the whole of ``X``)."""
        n_features = X.shape[1]
        n_outputs = Y.shape[1]
        n_rows = X.shape[0] if rows is None else len(rows)
        x_shift = np.asarray(x_shift, dtype=np.float64)
        x_scale = np.asarray(x_scale, dtype=np.float64)
        y_shift = np.asarray(y_shift, dtype=np.float64)
        inverse_scale = 1.0 / x_scale
        weights = np.asarray(sample_weight, dtype=np.float64)
        weights = weights if rows is None else weights[rows]
        # Equal weights (the usual case) scale the sums instead of the rows.
        equal = n_rows > 0 and bool(np.all(weights == weights[0]))
        sums = [
            0.0,
            np.zeros(n_features),
            np.zeros(n_outputs),
            np.zeros((n_features, n_features)),
            np.zeros((n_features, n_outputs)),
            np.zeros(n_outputs),
        ]
        block = min(max(MOMENTS_BLOCK_ENTRIES // max(n_features, 1), 64), n_rows)
        buffer = np.empty((block, n_features))
        for start in range(0, n_rows, block):
            chosen = slice(start, start + block)
            w = weights[chosen]
            if rows is not None:
                chosen = rows[chosen]
            Z = buffer[: len(w)]
            np.subtract(X[chosen], x_shift, out=Z)
            Z *= inverse_scale
            U = np.subtract(Y[chosen], y_shift, dtype=np.float64)
            sums[0] += float(w.sum())
            if equal:
                sums[1] += w[0] * Z.sum(axis=0)
                sums[2] += w[0] * U.sum(axis=0)
                sums[3] += w[0] * (Z.T @ Z)
                sums[4] += w[0] * (Z.T @ U)
                sums[5] += w[0] * np.einsum("ij,ij->j", U, U)
                continue
            sums[1] += w @ Z
            sums[2] += w @ U
            root = np.sqrt(w)[:, None]
            Z *= root
            U *= root
            sums[3] += Z.T @ Z
            sums[4] += Z.T @ U
            sums[5] += np.einsum("ij,ij->j", U, U)
        return cls(*sums, x_shift, x_scale, y_shift)

    def __sub__(self, other: LeastSquaresMoments) -> LeastSquaresMoments:
        return replace(
            self,
            weight=self.weight - other.weight,
            sum_x=self.sum_x - other.sum_x,
            sum_y=self.sum_y - other.sum_y,
            xx=self.xx - other.xx,
            xy=self.xy - other.xy,
            yy=self.yy - other.yy,
        )

    def compress(
        self,
        *,
        fit_intercept: bool,
        solver: Solver,
        fallback: Solver | None = None,
        dtype=np.float64,
    ) -> CompressedLeastSquares:
        """The :class:`CompressedLeastSquares` of these rows, with weights
        normalised to sum 1 and, with ``fit_intercept``, centred columns.

        The Gram matrix of the unit-variance columns is factored by
        Cholesky (its eigendecomposition when it is singular or nearly:
        see ``CHOLESKY_MIN_PIVOT``), so features on scales 1e-3 and 1e3 do
        not square their ratio into the factor's conditioning.
        """
        if not fit_intercept and (np.any(self.x_shift) or np.any(self.y_shift)):
            raise ValueError("Moments without an intercept must not be shifted.")
        weight = self.weight
        x_centre = self.sum_x / weight if fit_intercept else np.zeros_like(self.sum_x)
        y_centre = self.sum_y / weight if fit_intercept else np.zeros_like(self.sum_y)
        # Moments of the centred Z (B^T B in Z's units) and of C.
        gram_z = self.xx / weight - np.outer(x_centre, x_centre)
        cross_z = self.xy / weight - np.outer(x_centre, y_centre)
        target_norm = float(np.sum(self.yy / weight - y_centre**2))
        spread = np.sqrt(np.clip(np.diag(gram_z), 0.0, None))
        spread = np.where(spread > 0.0, spread, 1.0)
        unit = gram_z / np.outer(spread, spread)
        unit_cross = cross_z / spread[:, None]
        n_features = unit.shape[0]
        factor = target = None
        try:
            lower = np.linalg.cholesky(unit)
            if np.min(np.diag(lower)) ** 2 >= CHOLESKY_MIN_PIVOT:
                factor = lower.T
                target = solve_triangular(lower, unit_cross, lower=True)
        except np.linalg.LinAlgError:
            pass
        if factor is None:
            sigma, V, target = _eigen_factor(unit, unit_cross)
            factor = sigma[:, None] * V.T
        # Back to X's units: B = B_unit diag(spread * x_scale).
        scale = spread * self.x_scale
        constant = max(0.5 * (target_norm - float(np.sum(target**2))), 0.0)
        # n_features + 1 rows of equal weight 1 / m: scale by sqrt(m).
        m = n_features + 1
        design = np.zeros((m, n_features), order="F")
        design[:n_features] = np.sqrt(m) * (factor * scale)
        rows = np.zeros((m, target.shape[1]))
        rows[:n_features] = np.sqrt(m) * target
        compressed = prepare_problem(
            design, rows, np.ones(m), loss="squared", fit_intercept=False,
            solver=solver, fallback=fallback,
        )  # fmt: skip
        return CompressedLeastSquares(
            compressed,
            gram_z * np.outer(self.x_scale, self.x_scale),
            cross_z * self.x_scale[:, None],
            self.y_shift + y_centre,
            self.x_shift + self.x_scale * x_centre,
            constant,
            np.dtype(dtype),
        )


def least_squares_moments(
    X, Y, sample_weight, *, fit_intercept: bool
) -> LeastSquaresMoments:
    """:class:`LeastSquaresMoments` of all rows of dense ``X``, shifted by the
    weighted column means (with ``fit_intercept``) and scaled by the
    columns' spreads."""
    weights = np.asarray(sample_weight, dtype=np.float64)
    Y = np.asarray(Y)
    total = weights.sum()
    x_shift, second = column_moments(X, weights / total, fit_intercept)
    scale = np.sqrt(second)
    if fit_intercept:
        y_shift = (weights @ Y) / total
    else:
        y_shift = np.zeros(Y.shape[1])
    return LeastSquaresMoments.of(
        X, Y, weights, x_shift=x_shift, y_shift=y_shift,
        x_scale=np.where(np.isfinite(scale) & (scale > 0.0), scale, 1.0),
    )  # fmt: skip


def _compress_least_squares(
    X, Y, sample_weight, *, fit_intercept: bool, solver: Solver
) -> CompressedLeastSquares:
    """The compressed form of a dense least-squares problem (see the class)."""
    moments = least_squares_moments(X, Y, sample_weight, fit_intercept=fit_intercept)
    return moments.compress(fit_intercept=fit_intercept, solver=solver, dtype=X.dtype)


def path_compresses(X, loss: str, n_samples: int) -> bool:
    """Whether :func:`prepare_path` compresses a path on ``n_samples`` rows
    of ``X``: dense least squares with at most ``PATH_GRAM_MAX_FEATURES``
    features and at least twice as many samples."""
    n_features = X.shape[1]
    return (
        loss == "squared"
        and not sp.issparse(X)
        and n_features <= PATH_GRAM_MAX_FEATURES
        and 2 * (n_features + 1) <= n_samples
    )


def prepare_path(
    X,
    Y,
    sample_weight,
    *,
    loss: str,
    fit_intercept: bool,
    solver: Solver,
    fallback: Solver | None = None,
) -> PreparedProblem | CompressedLeastSquares:
    """Prepare a problem once for a whole regularisation path.

    Dense least squares with ``n_features <= PATH_GRAM_MAX_FEATURES`` and at
    least twice as many samples is compressed (:class:`CompressedLeastSquares`,
    without the layout copy :func:`prepare_problem` would make first);
    anything else is :func:`prepare_problem`'s, with the Gram matrix that
    preconditions 'newton' (:func:`with_gram`). Either has ``grad_zero``,
    the gradient at zero that sets the top of the alpha grid.
    """
    if path_compresses(X, loss, X.shape[0]):
        return _compress_least_squares(
            X, Y, sample_weight, fit_intercept=fit_intercept, solver=solver
        )
    prepared = prepare_problem(
        X, Y, sample_weight, loss=loss, fit_intercept=fit_intercept, solver=solver,
        fallback=fallback,
    )  # fmt: skip
    return with_gram(prepared)


def with_gram(prepared: PreparedProblem) -> PreparedProblem:
    """``prepared`` with the Gram matrix 'newton' preconditions a path with.

    The weighted second moments of ``[X - 1 m^T, 1]`` (the intercept's
    column is orthogonal to the centred ones). Unchanged unless the solver
    preconditions with it (``exact_on_quadratics``: 'newton'), ``X`` is
    dense with at most ``PATH_GRAM_MAX_FEATURES`` features and one output.
    """
    problem = prepared.problem
    n_samples, n_features, n_outputs = prepared.shape
    if not (
        prepared.solver.exact_on_quadratics
        and problem.X.layout == DENSE
        and n_features <= PATH_GRAM_MAX_FEATURES
        and n_outputs == 1
        and n_samples > n_features
    ):
        return prepared
    weights = problem.weights.astype(np.float64)
    centred = problem.X.dense - problem.x_mean
    gram = np.empty((n_features + 1, n_features + 1))
    gram[:n_features, :n_features] = centred.T @ (weights[:, None] * centred)
    gram[:n_features, n_features] = gram[n_features, :n_features] = 0.0
    gram[n_features, n_features] = weights.sum()
    return replace(prepared, problem=problem._replace(gram=gram))


def solve_prepared(
    prepared: PreparedProblem,
    *,
    penalty: Penalty,
    max_iter: int,
    tol: float,
    learning_rate: float | None = None,
    coef_init=None,
    intercept_init=None,
    store_history: bool = False,
    on_trace=None,
) -> DecayResult:
    """Minimise the objective of a prepared problem for one ``penalty``.

    ``tol`` is relative: the solver stops when the optimality residual is at
    most ``tol`` times its value at ``W = 0``. Raises
    :class:`~skdecay.exceptions.NonFiniteIterateError` when the iterates
    become non-finite.

    ``coef_init`` (n_features, n_outputs) and ``intercept_init`` warm-start
    the solver, in the caller's (uncentred) parametrisation. With
    ``store_history`` the iterate after every iteration is returned too.
    ``on_trace(trace, first_iteration, solver_name)``, if given, is called
    with each :class:`Trace` just before a solver records into it (a
    fallback's trace starts at iteration ``first_iteration``), so that
    another thread can watch the iterations while the kernel runs.
    """
    solver = prepared.solver
    _, n_features, n_outputs = prepared.shape
    solver.check(penalty.is_smooth)
    if _compresses(prepared, penalty, learning_rate, store_history):
        compressed = getattr(prepared, "_compressed", None)
        if compressed is None:
            compressed = prepared._compressed = _compress_tall(prepared)
        if coef_init is not None:
            intercept_init = np.zeros(n_outputs)
        result = solve_prepared(
            compressed.prepared, penalty=penalty, max_iter=max_iter, tol=tol,
            coef_init=coef_init, intercept_init=intercept_init, on_trace=on_trace,
        )  # fmt: skip
        return compressed.to_original(result)
    problem = prepared.with_penalty(penalty)
    if solver.alternative is not None and prefers_first_order(
        problem, prepared.grad_zero, prepared.spread, prepared.curvature
    ):
        solver = SOLVERS[solver.alternative]
    dtype = problem.Y.dtype
    x_mean = problem.x_mean
    W_zero = np.zeros((n_features, n_outputs), dtype=dtype)
    intercept_zero = prepared.intercept_zero

    # Reference scale for the stopping rule: the loss gradient at W = 0 (with
    # the best intercept for W = 0), in the preconditioner's units.
    reference = optimality_residual(
        problem._replace(l1=np.zeros(n_features)), W_zero, prepared.grad_zero,
        prepared.grad_intercept_zero,
    )  # fmt: skip
    trace = _new_trace(max_iter, store_history, n_features, n_outputs, dtype)
    solvers = (solver.name,)
    if reference == 0.0:
        # The loss is flat at W = 0: zero coefficients are optimal.
        W, b, n_iter, status = W_zero, intercept_zero.copy(), 0, CONVERGED
        measured = 0.0
    else:
        if coef_init is None:
            W_init = W_zero
            b_init = intercept_zero
            # A cold start's gradient is the preparation's, at zero.
            start_gradient = (prepared.grad_zero, prepared.grad_intercept_zero)
        else:
            start_gradient = None
            W_init = np.array(coef_init, dtype=dtype, order="C").reshape(
                n_features, n_outputs
            )
            b_init = np.array(intercept_init, dtype=dtype).reshape(n_outputs)
            # centred intercept (a reduction, not BLAS: see below)
            b_init = (b_init + np.einsum("j,jk->k", x_mean, W_init)).astype(dtype)
        if on_trace is not None:
            on_trace(trace, 0, solver.name)
        with compile_notice(solver.name):
            W, b, n_iter, status, measured = solver.run(
                problem, W_init, b_init, max_iter, float(tol) * reference, trace,
                learning_rate, start_gradient,
            )  # fmt: skip
        fallback = prepared.fallback
        if status == STALLED and fallback is not None and n_iter < max_iter:
            # The first solver stopped making progress: finish from where it
            # stopped with one that cannot stall (a monotone first-order
            # method), within the same iteration budget.
            rest = _new_trace(
                max_iter - n_iter, store_history, n_features, n_outputs, dtype
            )
            if on_trace is not None:
                on_trace(rest, n_iter, fallback.name)
            with compile_notice(fallback.name):
                W, b, more, status, measured = fallback.run(
                    problem, W, b, max_iter - n_iter, float(tol) * reference, rest,
                    learning_rate,
                )  # fmt: skip
            for part, extra in zip(trace, rest, strict=True):
                if extra.shape[0]:
                    part[n_iter : n_iter + more] = extra[:more]
            n_iter += more
            solvers = (solver.name, fallback.name)
    if n_iter == 0:
        # The start was already optimal: the check that found it so is the
        # one iteration, and the start its iterate (n_iter_ >= 1 always, as
        # in scikit-learn).
        trace.objective[0] = _objective_at(problem, W, b)
        if trace.coef.shape[0]:
            trace.coef[0], trace.intercept[0] = W, b
        n_iter = 1
    if status == NON_FINITE:
        if learning_rate is not None:
            advice = (
                f"learning_rate={learning_rate:g} is too large for this problem. "
                "The step is measured on the preconditioned (standardised) "
                f"problem, where any step up to 1 / (n_features + 1) = "
                f"{1 / (n_features + 1):.3g} is safe; use a smaller value, or "
                "learning_rate=None to choose the step by backtracking."
            )
        else:
            advice = (
                "The data or targets are too large to be represented in "
                f"{np.dtype(dtype).name}; rescale them (e.g. with StandardScaler) "
                "or pass float64 data."
            )
        raise NonFiniteIterateError(
            f"The iterates of solver {solver.name!r} became non-finite (overflow or "
            f"NaN) at iteration {n_iter}. {advice}"
        )
    violation = 0.0 if status == CONVERGED else np.nan
    if status != CONVERGED and reference > 0.0:
        # The solver's own last measure when it took one at the returned
        # point (a fit stopped by max_iter then costs no extra gradient).
        if not np.isfinite(measured):
            measured = _violation_at(problem, W, b)
        violation = measured / reference
    # Back from the centred parametrisation (x_mean and b are zero without an
    # intercept, so this holds in both cases).
    # (A reduction, not BLAS: a product of 50000 features started OpenBLAS's
    # helper thread, which then spun for about 0.1 s on a core, into the
    # next fit: 240 -> 138 ms of CPU time per fit of logreg_l1_sparse.)
    intercept = b - np.einsum("j,jk->k", x_mean, W)
    coef_history = intercept_history = None
    if store_history:
        coef_history = trace.coef[:n_iter].copy()
        intercept_history = (
            trace.intercept[:n_iter] - coef_history.transpose(0, 2, 1) @ x_mean
        ).astype(dtype)
    return DecayResult(
        W,
        intercept.astype(dtype),
        int(n_iter),
        status == CONVERGED,
        trace.objective[:n_iter].copy(),
        float(trace.objective[n_iter - 1]),
        coef_history,
        intercept_history,
        stalled=status == STALLED,
        violation=float(violation),
        solvers=solvers,
    )


#: Tall dense least squares with an L1 part is solved on its compressed form
#: (:func:`_compress_tall`) when it has at most this many features, at
#: least ``TALL_MIN_ROWS_PER_FEATURE`` times as many samples and at least
#: ``TALL_MIN_ENTRIES`` entries. Forming the Gram matrix costs ``n p^2``
#: flops in BLAS, about ``p / 190`` of the 15-20 coordinate sweeps over
#: ``n x p/2`` entries a lasso takes (measured: 100000 x 100, 19 sweeps,
#: 0.45 s; compressed, 0.1 s); below the size floor the second preparation
#: costs more than it saves.
TALL_MAX_FEATURES = 200
#: Up to ``PATH_GRAM_MAX_FEATURES`` features it is still compressed when at
#: least this share of the features violates optimality at zero (a weak
#: penalty: coordinate descent then sweeps nearly every column). Measured on
#: 20000 x 300 (one BLAS thread, lasso and elastic net): 296 or more of 300
#: violating, the compressed fit took 0.33-0.40 of the time (74-81 ms
#: against 186-224 ms); 264 violating, 0.98-1.23; 89 violating, 1.4-1.6.
TALL_WIDE_MIN_VIOLATING = 0.95
TALL_MIN_ROWS_PER_FEATURE = 10
TALL_MIN_ENTRIES = 200_000


def _compresses(prepared, penalty, learning_rate, store_history) -> bool:
    """Whether :func:`solve_prepared` solves ``prepared`` compressed."""
    n_samples, n_features, _ = prepared.shape
    problem = prepared.problem
    return (
        prepared.solver.column_access
        and DATAFITS_BY_CODE[int(problem.loss)].name == "squared"
        and problem.X.layout == DENSE
        and not penalty.is_smooth
        and learning_rate is None
        and not store_history
        and n_samples >= TALL_MIN_ROWS_PER_FEATURE * (n_features + 1)
        and n_samples * n_features >= TALL_MIN_ENTRIES
        and (
            n_features <= TALL_MAX_FEATURES
            or (
                n_features <= PATH_GRAM_MAX_FEATURES
                and _violating_at_zero(prepared, penalty)
                >= TALL_WIDE_MIN_VIOLATING * n_features
            )
        )
    )


def _violating_at_zero(prepared, penalty) -> int:
    """How many features the L1 part does not hold at zero: a lower bound
    on the coordinate-descent working set."""
    l1, _ = penalty.strengths(prepared.shape[1])
    gradient = np.max(np.abs(np.asarray(prepared.grad_zero)), axis=1)
    return int(np.count_nonzero(gradient > l1))


def _compress_tall(prepared: PreparedProblem) -> CompressedLeastSquares:
    """The compressed form of a prepared dense least-squares problem
    (:class:`LeastSquaresMoments` of its rows, shifted by the prepared
    column means and scaled by their spreads)."""
    problem = prepared.problem
    X = as_matrix(problem.X)
    weights = np.asarray(problem.weights, dtype=np.float64)
    Y = np.asarray(problem.Y)
    spread = np.sqrt(np.asarray(prepared.spread, dtype=np.float64))
    if problem.fit_intercept:
        x_shift = np.asarray(prepared.mean, dtype=np.float64)
        y_shift = weights @ Y / weights.sum()
    else:
        x_shift, y_shift = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    moments = LeastSquaresMoments.of(
        X, Y, weights, x_shift=x_shift, y_shift=y_shift,
        x_scale=np.where(spread > 0.0, spread, 1.0),
    )  # fmt: skip
    return moments.compress(
        fit_intercept=problem.fit_intercept, solver=prepared.solver,
        fallback=prepared.fallback, dtype=X.dtype,
    )  # fmt: skip


def _new_trace(max_iter, store_history, n_features, n_outputs, dtype) -> Trace:
    """Room for ``max_iter`` iterations (and their iterates if stored)."""
    n_recorded = int(max_iter) if store_history else 0
    return Trace(
        np.empty(max_iter, dtype=np.float64),
        np.empty((n_recorded, n_features, n_outputs), dtype=dtype),
        np.empty((n_recorded, n_outputs), dtype=dtype),
    )


def _violation_at(problem: Problem, W, centred_intercept) -> float:
    """The optimality residual (the stopping rule's measure) at a point."""
    grad, grad_intercept = _smooth_gradient(problem, W, centred_intercept)
    return optimality_residual(problem, W, grad, grad_intercept)
