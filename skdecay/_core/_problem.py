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

import numpy as np
import scipy.sparse as sp

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
        return np.where(free[:, None], 0.0, grad)


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
    solver.check(n_outputs, smooth=True)
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
    targets ``C = sqrt(s) (Y - ybar)``, the eigendecomposition of the Gram
    matrix ``B^T B = V diag(sigma^2) V^T`` gives ``R = diag(sigma) V^T``
    (so ``R^T R = B^T B``) and ``T = diag(1 / sigma) V^T B^T C`` (zero where
    ``sigma`` vanishes, where ``B^T C`` has no component), and

    .. math::

        \tfrac12 \|C - B W\|^2 = \tfrac12 \|T - R W\|^2 + c, \qquad
        c = \tfrac12 (\|C\|^2 - \|T\|^2).

    Every penalised problem on the data is therefore the same problem on
    ``R`` (``n_features`` rows, plus a zero row so that 'newton' forms its
    explicit Hessian) with no intercept: ``W`` is unchanged, the intercept
    is ``ybar - m . W`` and the objective is shifted by ``c``. A path pays
    for one Gram matrix, as LassoCV's precomputed Gram, and each alpha costs
    passes over ``n_features^2`` entries instead of
    ``n_samples * n_features``. (Forming ``B^T B`` squares the condition
    number of ``B``: directions with ``sigma`` below ``1e-7`` of the largest
    keep fewer digits, well inside the solvers' default ``tol``.)
    """

    prepared: PreparedProblem
    sigma: np.ndarray  # (n_features,) singular values of B
    V: np.ndarray  # (n_features, n_features) right singular vectors of B
    T: np.ndarray  # (n_features, n_outputs)
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

    def ridge_path(self, penalties) -> list[DecayResult]:
        """Exact weight-decay solutions for every penalty (smooth), no iteration.

        ``W = V diag(sigma / (sigma^2 + l2)) T`` minimises
        ``1/2 ||T - R W||^2 + l2 / 2 ||W||^2``: what one Newton step
        computes, for the whole path from the one eigendecomposition. With
        per-feature weights the decay ``diag(l2_j)`` no longer shares the
        Gram matrix's eigenvectors: each alpha is one symmetric solve of
        ``(R^T R + diag(l2)) W = R^T T`` instead.
        """
        n_features = self.V.shape[0]
        gram = rhs = None
        results = []
        for penalty in penalties:
            _, l2 = penalty.strengths(n_features)
            if penalty.weights is None:
                shrunk = (self.sigma / (self.sigma**2 + l2[0]))[:, None] * self.T
                W = self.V @ shrunk
            else:
                if gram is None:
                    gram = (self.V * self.sigma**2) @ self.V.T
                    rhs = self.V @ (self.sigma[:, None] * self.T)
                W = np.linalg.lstsq(gram + np.diag(l2), rhs, rcond=None)[0]
            misfit = self.T - self.sigma[:, None] * (self.V.T @ W)
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


def _compress_least_squares(
    X, Y, sample_weight, *, fit_intercept: bool, solver: Solver
) -> CompressedLeastSquares:
    """The compressed form of a dense least-squares problem (see the class)."""
    n_features = X.shape[1]
    n_outputs = Y.shape[1]
    weights = np.asarray(sample_weight, dtype=np.float64)
    weights = weights / weights.sum()
    Y = np.asarray(Y, dtype=np.float64)
    if fit_intercept:
        x_mean, y_mean = weights @ X, weights @ Y
    else:
        x_mean, y_mean = np.zeros(n_features), np.zeros(n_outputs)
    root = np.sqrt(weights)[:, None]
    C = root * (Y - y_mean)
    B = root * (X - x_mean)  # the one copy of X the compression makes
    eigenvalues, V = np.linalg.eigh(B.T @ B)
    correlation = V.T @ (B.T @ C)
    del B
    sigma = np.sqrt(np.clip(eigenvalues, 0.0, None))
    kept = sigma > n_features * np.finfo(np.float64).eps * max(sigma.max(), 1e-300)
    T = np.zeros_like(correlation)
    T[kept] = correlation[kept] / sigma[kept, None]
    constant = max(0.5 * (float(np.sum(C**2)) - float(np.sum(T**2))), 0.0)
    # n_features + 1 rows of equal weight 1 / m: scale by sqrt(m).
    m = n_features + 1
    design = np.zeros((m, n_features), order="F")
    design[:n_features] = np.sqrt(m) * (sigma[:, None] * V.T)
    target = np.zeros((m, n_outputs))
    target[:n_features] = np.sqrt(m) * T
    compressed = prepare_problem(
        design, target, np.ones(m), loss="squared", fit_intercept=False,
        solver=solver,
    )  # fmt: skip
    return CompressedLeastSquares(
        compressed, sigma, V, T, y_mean, x_mean, constant, X.dtype
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
    n_samples, n_features = X.shape
    if (
        loss == "squared"
        and not sp.issparse(X)
        and n_features <= PATH_GRAM_MAX_FEATURES
        and 2 * (n_features + 1) <= n_samples
    ):
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
    solver.check(n_outputs, penalty.is_smooth)
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
            b_init = (b_init + x_mean @ W_init).astype(dtype)  # centred intercept
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
    intercept = b - x_mean @ W
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
        and n_features <= TALL_MAX_FEATURES
        and n_samples >= TALL_MIN_ROWS_PER_FEATURE * (n_features + 1)
        and n_samples * n_features >= TALL_MIN_ENTRIES
    )


def _compress_tall(prepared: PreparedProblem) -> CompressedLeastSquares:
    """The compressed form of a prepared dense least-squares problem.

    As :func:`_compress_least_squares`, but the Gram matrix is formed from
    the standardised columns (divided by their weighted spread) and the
    scales are put back into the compressed design: features on scales 1e-3
    and 1e3 would otherwise square their ratio into the Gram matrix's
    condition number. Only its :meth:`~CompressedLeastSquares.to_original`
    is used (its ``sigma`` and ``V`` are those of the standardised columns).
    """
    problem = prepared.problem
    X = as_matrix(problem.X)
    n_features = X.shape[1]
    weights = np.asarray(problem.weights, dtype=np.float64)
    Y = np.asarray(problem.Y, dtype=np.float64)
    x_mean = np.asarray(prepared.mean, dtype=np.float64)
    y_mean = weights @ Y if problem.fit_intercept else np.zeros(Y.shape[1])
    root = np.sqrt(weights)[:, None]
    spread = np.sqrt(np.asarray(prepared.spread, dtype=np.float64))
    spread = np.where(spread > 0.0, spread, 1.0)
    B = np.subtract(X, x_mean, dtype=np.float64)  # the one copy of X
    B *= root
    B /= spread
    C = root * (Y - y_mean)
    eigenvalues, V = np.linalg.eigh(B.T @ B)
    correlation = V.T @ (B.T @ C)
    del B
    sigma = np.sqrt(np.clip(eigenvalues, 0.0, None))
    kept = sigma > n_features * np.finfo(np.float64).eps * max(sigma.max(), 1e-300)
    T = np.zeros_like(correlation)
    T[kept] = correlation[kept] / sigma[kept, None]
    constant = max(0.5 * (float(np.sum(C**2)) - float(np.sum(T**2))), 0.0)
    m = n_features + 1
    design = np.zeros((m, n_features), order="F")
    design[:n_features] = np.sqrt(m) * (sigma[:, None] * V.T) * spread
    target = np.zeros((m, Y.shape[1]))
    target[:n_features] = np.sqrt(m) * T
    compressed = prepare_problem(
        design, target, np.ones(m), loss="squared", fit_intercept=False,
        solver=prepared.solver, fallback=prepared.fallback,
    )  # fmt: skip
    return CompressedLeastSquares(
        compressed, sigma, V, T, y_mean, x_mean, constant, X.dtype
    )


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
