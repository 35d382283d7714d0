"""Proximal Newton: a quadratic model of the loss, solved by coordinate descent.

For the binary logistic loss with an L1 part, each iteration replaces the
loss by its second-order expansion at the current predictor ``z``,

    sum_i g_i (z'_i - z_i) + 1/2 h_i (z'_i - z_i)^2
      = 1/2 sum_i h_i (z'_i - t_i)^2 + const,   t_i = z_i - g_i / h_i,

a weighted least-squares problem in ``(W', b')`` (``g_i`` and ``h_i`` are
the weighted first and second derivatives of the loss). Plus the elastic-net
penalty, that model is solved by the working-set coordinate descent of
:mod:`._cd` on the squared loss, where each coordinate step is exact. The
step ``(W' - W, b' - b)`` is then scaled by ``t`` in 1, 1/2, 1/4, ... until
the objective decreases by at least ``ARMIJO * t * Delta`` with Tseng &
Yun's (2009) predicted decrease ``Delta = g^T d + sum_j l1_j (|W'_j| -
|W_j|)``.

This is the strategy of glmnet (Friedman, Hastie & Tibshirani, 2010) and of
skglm's ``ProxNewton``: the coordinate steps use the local curvature
``h_i = p_i (1 - p_i)`` rather than its bound 1/4, which is loose once
predictions are confident, so far fewer passes over ``X`` are needed than by
coordinate descent on the loss itself.

The Newton iterations live on a **working set** of features, as in skglm's
``ProxNewton`` (Bertrand et al., "Beyond L1: faster and better sparse
models with skglm", NeurIPS 2022): the outer loop takes the one full
gradient ``X^T g``, measures every feature's optimality violation, stops if
the largest is at most ``tol``, and else chooses the next working set (the
support and the worst violators, :func:`._cd._choose_working_set`). Newton
steps then run on the set's columns only, until the set's own residual is a
fraction of the full one: each step forms the model's curvature-weighted
column moments for the set only, solves the model by coordinate descent on
the set's columns, and moves the predictor by ``X_set d``. Nothing in a
step reads a column outside the set, so a step costs ``O(n_samples x
|set|)``, not ``O(n_samples x n_features)``. A C-ordered dense ``X`` is not
copied to Fortran order; the set's columns are gathered into a block
(:class:`._cd.WorkingColumns`).

The Newton iterations (the model, the line search, the stopping tests) are
NumPy, as in :mod:`._newton`: a few products with the set's columns per
iteration. The model is a squared-loss problem of the very type a lasso
solves, so the one compiled piece, coordinate descent's sub-problem kernel,
is the lasso's (compiled once, cached once, for both).
"""

import math

import numpy as np
import scipy.sparse as sp

from .._datafits import DATAFITS_BY_CODE
from .._losses import SquaredLoss, loss_code
from .._products import column_moments
from ._cd import (
    WorkingColumns,
    _Outer,
    column_design,
    solve_sub_problem,
    standardised_violations,
)
from ._common import (
    Trace,
    one_blas_thread,
)
from ._working_set_newton import search_step, working_set_newton

#: Sweeps allowed to coordinate descent on one quadratic model.
MAX_INNER_SWEEPS = 2000
#: The model is solved to this fraction of its optimality residual at the
#: current point (tightened tenfold after a failed line search, down to
#: ``MIN_INNER_TOLERANCE_RATIO``).
INNER_TOLERANCE_RATIO = 0.3
MIN_INNER_TOLERANCE_RATIO = 1e-6
#: The quadratic model's datafit (NumPy: the sub-problem's extrapolation).
_SQUARED = DATAFITS_BY_CODE[loss_code(SquaredLoss())]
#: Newton steps on one working set stop once the set's residual is this
#: fraction of the full residual measured when the set was chosen.
WORKING_SET_TOLERANCE_RATIO = 0.3
#: Curvatures below this fraction of the largest are raised to it, so the
#: working response ``t = z - g / h`` stays finite on confidently wrong rows.
CURVATURE_FLOOR = 1e-12

#: A fresh C-ordered (0, 0) array: a slice of problem.gram would be a type
#: of its own, and coordinate descent would compile twice.
_NO_GRAM = np.empty((0, 0))


class _Newton(_Outer):
    """The problem's smooth part, its models and its line search, in NumPy."""

    def __init__(self, problem, datafit):
        super().__init__(problem, datafit)
        self.dtype = problem.Y.dtype
        self.l1_flat = self.l1[:, 0]
        self.l2_flat = self.l2[:, 0]
        self.center = bool(problem.fit_intercept)
        self.shift_by = 1.0 if problem.fit_intercept else 0.0
        self.columns = WorkingColumns(problem)
        # The inner solves record nothing: the kernel then takes the
        # objective after a solve's last sweep only (a pass over the rows
        # per sweep saved).
        n_features = problem.X.n_features
        inner_trace = Trace(
            np.empty(0),
            np.empty((0, n_features, 1), dtype=self.dtype),
            np.empty((0, 1), dtype=self.dtype),
        )
        self.buffers = (np.zeros((4, 1)), inner_trace)

    def working_set(self, features):
        """The model's share of a working set (:class:`_SetModel`)."""
        return _SetModel(self, self.columns, features)

    def step(self, set_model, W, intercept, Z, G, grad_set, grad_intercept, loss,
             objective, residual, inner_ratio, tol):  # fmt: skip
        """:func:`_newton_step` as the shared outer loop calls it."""
        return _newton_step(
            self, self.columns, set_model, W, float(intercept[0]), Z, G, grad_set,
            grad_intercept, objective, inner_ratio, tol, self.buffers,
        )  # fmt: skip


class _SetModel:
    """One working set's share of the problem: its columns and strengths."""

    def __init__(self, newton, columns, working_set):
        columns.select(working_set)
        self.newton = newton
        self.features = working_set
        self.block = columns.block
        self.x_mean = newton.x_mean[working_set]
        self.l1 = newton.l1_flat[working_set]
        self.l2 = newton.l2_flat[working_set]
        self.root = np.sqrt(newton.scale[working_set])
        self.squares = None
        if sp.issparse(self.block):
            # The block's squared entries on its own index arrays (a copy
            # of the block, indices and all, cost as much as its gather).
            block = self.block
            self.squares = sp.csc_matrix(
                (block.data * block.data, block.indices, block.indptr),
                shape=block.shape,
                copy=False,
            )

    def moments(self, h, center):
        """Weighted column means and spreads of the set for weights ``h``."""
        if self.squares is None:
            return column_moments(self.block, h, center)
        mean = np.asarray(self.block.T @ h, dtype=np.float64)
        second = np.asarray(self.squares.T @ h, dtype=np.float64)
        if not center:
            return np.zeros_like(mean), second
        return mean, np.maximum(second - mean * mean, 0.0)

    def step(self, S, s_intercept):
        """The predictor's change for a step ``(S, s_intercept)`` on the set."""
        Z = np.asarray(self.block @ S.astype(self.block.dtype, copy=False), np.float64)
        Z += s_intercept - self.x_mean @ S
        return Z

    def penalty_parts(self, W_set):
        """The L1 and L2 parts of the penalty (zero outside the set)."""
        l1 = float(self.l1 @ np.abs(W_set[:, 0]))
        return l1, 0.5 * float(self.l2 @ (W_set[:, 0] ** 2))

    def penalty(self, W_set):
        l1, l2 = self.penalty_parts(W_set)
        return l1 + l2

    def gradient(self, G, W_set):
        """``(grad, grad_intercept)`` of the smooth part on the set."""
        return self.newton.set_gradient(self.block, G, W_set, self.x_mean, self.l2)

    def residual(self, W_set, grad, grad_intercept):
        """The set's largest standardised violation."""
        return self.violations(
            W_set, grad, grad_intercept, self.root, self.newton.root_intercept
        )

    def violations(self, W_set, grad, grad_intercept, root, root_intercept):
        """The set's largest standardised violation for ``root`` (square
        roots of the metric: the problem's, or a model's own)."""
        per_feature, at_intercept = standardised_violations(
            W_set, grad, grad_intercept, self.l1[:, None], root, root_intercept
        )
        return max(float(per_feature.max(initial=0.0)), at_intercept)


def _newton_step(newton, columns, set_model, W, intercept, Z, G, grad, grad_int,
                 objective, inner_ratio, tol, buffers):  # fmt: skip
    """Solve the model at ``Z`` on the set and search along its direction.

    The model is solved to ``inner_ratio`` of its residual at the current
    point, but no further than a tenth of ``tol`` (unless a failed line
    search tightened ``inner_ratio``). (Tolerances shrinking with the
    residual, for superlinear convergence, cost more coordinate sweeps than
    they saved Newton steps on the L1 logistic benchmarks.)

    Returns ``(new_objective, accepted, W_set_new, intercept_new, Z_new,
    inner_ratio)``; ``accepted`` is False when even a model solved to
    ``MIN_INNER_TOLERANCE_RATIO`` gave no descent.
    """
    problem = newton.problem
    dtype = newton.dtype
    W_set = W[set_model.features]
    h = newton.datafit.row_curvature(newton.Y, Z, newton.weights)
    h = np.maximum(h, CURVATURE_FLOOR * h.max(initial=0.0))
    target = Z[:, :1] - G[:, :1] / h[:, None]
    total = max(float(h.sum()), 1e-300)
    mean, spread = set_model.moments(h / total, newton.center)
    # A column without spread under these weights has a zero gradient: any
    # positive scale is correct.
    scale = np.where(spread > 0.0, total * spread, 1.0) + set_model.l2
    # The model's gradient at the current point, in the model's centring:
    # its loss has the loss's derivative G here, but its features are
    # centred with the curvature-weighted means, so X_c^T G = grad +
    # (x_mean - mean) sum_i G_i. The two differ wherever the intercept is
    # not yet optimal; the model's stopping test must use its own.
    grad_model = (
        grad
        + (newton.shift_by * (set_model.x_mean - mean))[:, None] * (grad_int[None, :])
    )
    model_residual = set_model.violations(
        W_set, grad_model, grad_int, np.sqrt(scale), math.sqrt(total)
    )
    model_problem, indices = columns.sub_problem(
        x_mean=columns.spread_reused("x_mean", mean.astype(dtype)),
        l1=columns.spread_reused("l1", set_model.l1),
        l2=columns.spread_reused("l2", set_model.l2),
        scale=columns.spread_reused("scale", scale.astype(dtype)),
    )
    model_problem = model_problem._replace(
        Y=target.astype(dtype),
        weights=h.astype(dtype),
        loss=SquaredLoss(),
        scale_intercept=total,
        # The model's curvature is its own.
        gram=_NO_GRAM,
    )
    needs_total = columns.is_sparse and newton.center
    shift = float((mean - set_model.x_mean) @ W_set[:, 0])
    model_start = np.array([intercept + newton.shift_by * shift], dtype=dtype)
    Z_start = Z.astype(dtype)
    vectors, inner_trace = buffers
    while True:
        model_tol = max(
            inner_ratio * model_residual,
            0.1 * tol * inner_ratio / INNER_TOLERANCE_RATIO,
        )
        W_model = columns.spread_reused("W", W_set.astype(dtype))
        intercept_model = model_start.copy()
        vectors[:] = 0.0
        solve_sub_problem(
            model_problem, indices, columns, W_model, intercept_model,
            Z_start.copy(), MAX_INNER_SWEEPS, model_tol, needs_total,
            inner_trace, 0, vectors, None, _SQUARED, target, h,
        )  # fmt: skip
        W_set_new = columns.gather(W_model).astype(np.float64)
        intercept_new = intercept_model - newton.shift_by * float(
            (mean - set_model.x_mean) @ W_set_new[:, 0]
        )
        # Direction d = model solution - current point, and Tseng-Yun's
        # Delta (negative for a descent direction).
        S = W_set_new - W_set
        s_intercept = intercept_new - intercept
        predicted = (
            set_model.penalty_parts(W_set_new)[0] - set_model.penalty_parts(W_set)[0]
        )
        predicted += float((grad * S).sum() + (grad_int * s_intercept).sum())
        Z_step = set_model.step(S, s_intercept)
        slack = problem.rel_eps * abs(objective)

        def value_at(W_try, Z_try):
            value = newton.datafit.value(newton.Y, Z_try, newton.weights)
            return value + set_model.penalty(W_try)

        outcome = search_step(
            value_at, W_set, S, intercept, s_intercept, Z, Z_step, objective,
            predicted, slack, inner_ratio, MIN_INNER_TOLERANCE_RATIO,
        )  # fmt: skip
        if outcome is not None:
            return outcome
        inner_ratio *= 0.1


def proximal_newton(
    problem, W_init, intercept_init, max_iter, tol, trace, start_gradient=None
):
    """Run proximal Newton; return ``(W, intercept, n_iter, status, violation)``
    (:class:`~skdecay._core._solvers.SolverOutput`).

    One output only (binary logistic or squared loss). ``max_iter`` bounds
    the Newton iterations (the line search chooses each step). A model solved to
    ``INNER_TOLERANCE_RATIO`` of its residual whose step fails the line
    search is solved again ten times more accurately; at
    ``MIN_INNER_TOLERANCE_RATIO`` the solver stops with status ``STALLED``.
    ``start_gradient`` ``(grad, grad_intercept)`` at the start (float64), if
    given, replaces the first pass over ``X``.
    """
    with one_blas_thread():
        return _proximal_newton(
            problem, W_init, intercept_init, max_iter, tol, trace, start_gradient
        )


def _proximal_newton(
    problem, W_init, intercept_init, max_iter, tol, trace, start_gradient
):
    datafit = DATAFITS_BY_CODE[loss_code(problem.loss)]
    newton = _Newton(column_design(problem), datafit)
    W = np.array(W_init, dtype=np.float64, order="C")
    intercept = np.asarray(intercept_init, dtype=np.float64).reshape(-1)[:1].copy()
    W, intercept, n_iter, status, violation = working_set_newton(
        newton, W, intercept, max_iter, tol, trace, start_gradient,
        inner_ratio=INNER_TOLERANCE_RATIO, set_ratio=WORKING_SET_TOLERANCE_RATIO,
    )  # fmt: skip
    dtype = newton.dtype
    return W.astype(dtype), intercept.astype(dtype), n_iter, status, violation
