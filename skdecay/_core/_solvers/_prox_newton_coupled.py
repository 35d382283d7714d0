"""Proximal Newton for several outputs that the loss couples (the multinomial).

The binary solver (:mod:`._prox_newton`) models the loss by a weighted least
squares problem, one curvature per row. With several outputs a row's
curvature is a matrix in its outputs; for the multinomial loss

    H_i = w_i (diag(p_i) - p_i p_i^T),

a diagonal plus a rank-one term (:meth:`Datafit.curvature_factors` gives
both, ``diag(A_i) - B_i B_i^T``). A model that keeps only each output's own
curvature (a proximal Newton per class) converges only linearly along the
coupling the softmax makes (moving every class alike changes nothing): on
wine without an intercept it had not reached ``tol`` after 1000 cycles (see
``benchmarks/README.md``). This solver keeps the whole curvature, and the
rank-one term costs nothing extra: coordinate descent on the quadratic model
carries, besides the predictor's change ``dZ``, one number per row,
``s_i = B_i . dZ_i``, so that the model's gradient in coordinate ``(j, k)``,

    grad_jk + sum_i x_ij (A_ik dZ_ik - B_ik s_i) + l2_j D_jk,

and the update after a step ``delta`` (``dZ_ik += delta x_ij``, ``s_i +=
B_ik delta x_ij``) each cost one pass over column ``j``, as a per-class step
does.

Everything else is the binary solver's strategy, and its outer loop
(:func:`._working_set_newton.working_set_newton`): Newton steps on a working
set of features chosen from the optimality violations of one full gradient,
the set's columns gathered by :class:`._cd.WorkingColumns`, a model solved to
a fraction of its residual (tightened tenfold when its step fails the line
search), and Armijo's backtracking on the whole objective with Tseng and
Yun's predicted decrease. Dense columns are read centred (minus
``x_mean``), sparse ones as they are stored.
"""

import math

import numpy as np
from numba import njit

from .._datafits import DATAFITS_BY_CODE
from .._linalg import CSC
from .._losses import loss_code
from ._cd import WorkingColumns, _Outer, column_design, standardised_violations
from ._common import one_blas_thread
from ._prox_newton import (
    INNER_TOLERANCE_RATIO,
    MAX_INNER_SWEEPS,
    MIN_INNER_TOLERANCE_RATIO,
    WORKING_SET_TOLERANCE_RATIO,
    proximal_newton,
)
from ._working_set_newton import search_step, working_set_newton


# Reassociation only (the non-finite tests hold): with unsigned row
# positions it lets LLVM split a dense column's sums into vector lanes, as in
# coordinate descent's sweeps (see ``_cd._solve_working_set``).
@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _model_sweeps(X, indices, x_mean, A, B, grad, grad_intercept, W, D,
                  d_intercept, l1, l2, fit_intercept, max_sweeps, tol, dZ, s,
                  curvature):  # fmt: skip
    """Coordinate descent on the quadratic model of a working set.

    ``X`` is the kernel's design (dense Fortran or CSC), ``indices`` the
    set's columns in it; ``x_mean``, ``l1``, ``l2``, ``grad``, ``W`` and
    ``D`` (the step, changed in place) are in the kernel's index space.
    ``A``, ``B`` and ``dZ`` are laid out by output, (n_outputs, n_samples),
    so that a column's pass reads them contiguously. ``dZ`` and ``s`` start
    at zero, with ``D`` and ``d_intercept``. Stops when a sweep moves no
    coordinate by more than ``tol`` in its own metric (``|delta|
    sqrt(curvature)``); returns the number of sweeps.
    """
    n_outputs, n_samples = A.shape
    n_set = indices.shape[0]
    sparse = X.layout == CSC
    # The model's own curvature of each coefficient, and of each intercept.
    for q in range(n_set):
        j = indices[q]
        start, stop = _column_positions(X, j, sparse, n_samples)
        for k in range(n_outputs):
            acc = 0.0
            for jj in range(start, stop):
                i, value = _entry(X, j, jj, sparse)
                x = value - x_mean[j]
                acc += x * x * (A[k, i] - B[k, i] * B[k, i])
            curvature[q, k] = acc + l2[j]
    intercept_curvature = np.zeros(n_outputs)
    if fit_intercept:
        for k in range(n_outputs):
            for i in range(n_samples):
                intercept_curvature[k] += A[k, i] - B[k, i] * B[k, i]
    for sweep in range(max_sweeps):
        biggest = 0.0
        for q in range(n_set):
            j = indices[q]
            start, stop = _column_positions(X, j, sparse, n_samples)
            centre = x_mean[j]
            for k in range(n_outputs):
                a = curvature[q, k]
                if not a > 0.0:
                    continue
                acc = 0.0
                for jj in range(start, stop):
                    i, value = _entry(X, j, jj, sparse)
                    acc += (value - centre) * (A[k, i] * dZ[k, i] - B[k, i] * s[i])
                gradient = grad[j, k] + acc + l2[j] * D[j, k]
                old = W[j, k] + D[j, k]
                target = old - gradient / a
                new = math.copysign(max(abs(target) - l1[j] / a, 0.0), target)
                delta = new - old
                if delta != 0.0:
                    D[j, k] += delta
                    for jj in range(start, stop):
                        i, value = _entry(X, j, jj, sparse)
                        step = delta * (value - centre)
                        dZ[k, i] += step
                        s[i] += B[k, i] * step
                    biggest = max(biggest, abs(delta) * math.sqrt(a))
        for k in range(n_outputs):
            a = intercept_curvature[k]
            if not a > 0.0:
                continue
            acc = 0.0
            for i in range(n_samples):
                acc += A[k, i] * dZ[k, i] - B[k, i] * s[i]
            delta = -(grad_intercept[k] + acc) / a
            if delta != 0.0:
                d_intercept[k] += delta
                for i in range(n_samples):
                    dZ[k, i] += delta
                    s[i] += B[k, i] * delta
                biggest = max(biggest, abs(delta) * math.sqrt(a))
        if biggest <= tol:
            return sweep + 1
    return max_sweeps


@njit(cache=True, nogil=True, inline="always")
def _column_positions(X, j, sparse, n_samples):
    """Column ``j``'s stored positions, unsigned (see :func:`_model_sweeps`)."""
    if sparse:
        return np.uint64(X.indptr[j]), np.uint64(X.indptr[j + 1])
    return np.uint64(0), np.uint64(n_samples)


@njit(cache=True, nogil=True, inline="always")
def _entry(X, j, jj, sparse):
    """``(row, value)`` at position ``jj`` of column ``j`` (dense Fortran or
    CSC ``X``)."""
    if sparse:
        return np.uint64(X.indices[jj]), X.data[jj]
    return jj, X.dense[jj, j]


def proximal_newton_any(
    problem, W_init, intercept_init, max_iter, tol, trace, start_gradient=None
):
    """'prox_newton' for any number of outputs: one output takes
    :func:`._prox_newton.proximal_newton`, several :func:`coupled`."""
    if np.shape(W_init)[1] == 1:
        return proximal_newton(
            problem, W_init, intercept_init, max_iter, tol, trace, start_gradient
        )
    return coupled(
        problem, W_init, intercept_init, max_iter, tol, trace, start_gradient
    )


def coupled(problem, W_init, intercept_init, max_iter, tol, trace, start_gradient=None):
    """Run proximal Newton on several outputs; return ``(W, intercept, n_iter,
    status, violation)`` (:class:`~skdecay._core._solvers.SolverOutput`).

    ``max_iter`` bounds the Newton steps; a model whose step fails the line
    search even when solved to ``MIN_INNER_TOLERANCE_RATIO`` of its residual
    stops the solver with status ``STALLED``.
    """
    datafit = DATAFITS_BY_CODE[loss_code(problem.loss)]
    problem = column_design(problem)
    model = _Coupled(problem, datafit)
    W = np.array(W_init, dtype=np.float64, order="C")
    intercept = np.array(intercept_init, dtype=np.float64).reshape(-1)
    with one_blas_thread():
        W, intercept, n_iter, status, violation = working_set_newton(
            model, W, intercept, max_iter, tol, trace, start_gradient,
            inner_ratio=INNER_TOLERANCE_RATIO,
            set_ratio=WORKING_SET_TOLERANCE_RATIO,
        )  # fmt: skip
    dtype = problem.Y.dtype
    return W.astype(dtype), intercept.astype(dtype), n_iter, status, violation


class _Coupled(_Outer):
    """The problem as :func:`._working_set_newton.working_set_newton` sees
    it: full gradients and violations (:class:`._cd._Outer`), the working
    sets, and the coupled models' step."""

    def __init__(self, problem, datafit):
        super().__init__(problem, datafit)
        self.columns = WorkingColumns(problem)

    def working_set(self, features):
        return _Set(self, features)

    def step(self, the_set, W, intercept, Z, G, grad_set, grad_intercept, loss,
             objective, residual, inner_ratio, tol):  # fmt: skip
        return _step(
            self, self.columns, the_set, W, intercept, Z, grad_set,
            grad_intercept, loss, objective, residual, inner_ratio, tol,
        )  # fmt: skip


class _Set:
    """A working set: its columns, strengths and the objective's set part."""

    def __init__(self, model, features):
        model.columns.select(features)
        self.model = model
        self.features = features
        self.block = model.columns.block
        self.x_mean = model.x_mean[features]
        self.l1 = model.l1[features, 0]
        self.l2 = model.l2[features, 0]
        self.root = model.root[features]

    def penalty(self, W_set):
        return float(
            self.l1 @ np.abs(W_set).sum(axis=1)
            + 0.5 * self.l2 @ (W_set * W_set).sum(axis=1)
        )

    def gradient(self, G, W_set):
        """``(grad, grad_intercept)`` of the smooth part on the set."""
        return self.model.set_gradient(self.block, G, W_set, self.x_mean, self.l2)

    def residual(self, W_set, grad, grad_intercept):
        """The set's largest standardised violation."""
        per_feature, at_intercept = standardised_violations(
            W_set, grad, grad_intercept, self.l1[:, None], self.root,
            self.model.root_intercept,
        )  # fmt: skip
        return max(float(per_feature.max(initial=0.0)), at_intercept)


def _step(outer, columns, the_set, W, intercept, Z, grad_set, grad_intercept,
          loss, objective, residual, inner_ratio, tol):  # fmt: skip
    """Solve the model at ``Z`` (where the loss is ``loss``, the objective
    ``objective``) on the set, to ``inner_ratio`` of the set's ``residual``,
    and search along its direction.

    Returns ``(objective, accepted, W_set, intercept, Z, inner_ratio)``;
    ``accepted`` is False when even a model solved to
    ``MIN_INNER_TOLERANCE_RATIO`` gave no descent.
    """
    problem = outer.problem
    W_set = W[the_set.features]
    A, B = outer.datafit.curvature_factors(outer.Y, Z, outer.weights)
    A_by_output, B_by_output = np.ascontiguousarray(A.T), np.ascontiguousarray(B.T)
    model, indices = columns.sub_problem()
    l1 = columns.spread(the_set.l1)
    l2 = columns.spread(the_set.l2)
    W_model = columns.spread(W_set)
    # A sparse column is read as it is stored: centred (the squared loss's
    # preparation) it would make every step touch every row. The model's
    # intercept then takes the centring, c = d_intercept - x_mean D, and
    # its coefficients' gradient is the uncentred one.
    uncentred = columns.is_sparse and bool(problem.fit_intercept)
    if uncentred:
        x_mean = np.zeros(model.x_mean.shape[0])
        grad_model = columns.spread(grad_set + the_set.x_mean[:, None] * grad_intercept)
    else:
        x_mean = np.ascontiguousarray(model.x_mean, dtype=np.float64)
        grad_model = columns.spread(grad_set)
    n_samples, n_outputs = Z.shape
    curvature = np.empty((indices.shape[0], n_outputs))
    fit_intercept = bool(problem.fit_intercept)
    null = _intercept_null_space(A, B) if fit_intercept else None
    # The objective's part that a step on the set leaves as it is.
    before = the_set.penalty(W_set)
    rest = objective - loss - before
    slack = problem.rel_eps * abs(objective)
    while True:
        model_tol = max(
            inner_ratio * residual, 0.1 * tol * inner_ratio / INNER_TOLERANCE_RATIO
        )
        D = np.zeros_like(W_model)
        d_intercept = np.zeros(n_outputs)
        dZ_by_output = np.zeros((n_outputs, n_samples))
        s = np.zeros(n_samples)
        _model_sweeps(
            model.X, indices, x_mean, A_by_output, B_by_output, grad_model,
            grad_intercept, W_model, D, d_intercept, l1, l2, fit_intercept,
            MAX_INNER_SWEEPS, model_tol, dZ_by_output, s, curvature,
        )  # fmt: skip
        dZ = dZ_by_output.T
        S = columns.gather(D)
        if uncentred:
            d_intercept += the_set.x_mean @ S
        if null is not None:
            # Moving every output's intercept alike changes nothing (the
            # multinomial's softmax): the step keeps their sum, as a gradient
            # step would, so that every solver returns the same intercepts.
            shift = null @ (null.T @ d_intercept)
            d_intercept -= shift
            dZ -= shift
        # Tseng and Yun's predicted decrease (negative for a descent step).
        predicted = float((grad_set * S).sum() + grad_intercept @ d_intercept)
        predicted += float(the_set.l1 @ (np.abs(W_set + S) - np.abs(W_set)).sum(axis=1))

        def value_at(W_try, Z_try):
            value = outer.datafit.value(outer.Y, Z_try, outer.weights)
            return value + (the_set.penalty(W_try) + rest)

        outcome = search_step(
            value_at, W_set, S, intercept, d_intercept, Z, dZ, objective,
            predicted, slack, inner_ratio, MIN_INNER_TOLERANCE_RATIO,
        )  # fmt: skip
        if outcome is not None:
            return outcome
        inner_ratio *= 0.1


def _intercept_null_space(A, B):
    """An orthonormal basis (K, m) of the directions in which moving the
    intercepts leaves the model unchanged (the null space of the intercepts'
    curvature ``sum_i diag(A_i) - B_i B_i^T``), or None if there are none."""
    curvature = np.diag(A.sum(axis=0)) - B.T @ B
    values, vectors = np.linalg.eigh(curvature)
    flat = values <= 1e-10 * max(float(values.max()), 0.0)
    return vectors[:, flat] if flat.any() else None
