"""Solvers, one module per method, each described by a :class:`Solver`.

A :class:`Solver` says what its method needs from the preparation (column
access, a smooth objective, a learning rate) and what it can
hand over to; :func:`~skdecay._core._problem.prepare_problem` asks it
instead of comparing names, and :func:`select_solver` is the one rule behind
``solver='auto'``.

Every method runs as ``solver.run(problem, W_init, intercept_init, max_iter,
tol, trace, learning_rate=None)`` and returns a :class:`SolverOutput` (with
the optimality residual at the returned point when the method measured it). The
:class:`Problem` handle carries the design matrix, the datafit's marker and
the penalty's per-feature strengths; a method passes it to the shared pieces
in ``_common`` (and the datafit and penalty functions) and never branches on
a loss or a layout itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from .._linalg import DENSE, DENSE_T
from ._cd import coordinate_descent
from ._common import (
    CONVERGED,
    MAX_ITER_REACHED,
    NON_FINITE,
    STALLED,
    Problem,
    Trace,
)
from ._fista import accelerated_proximal_gradient
from ._gd import gradient_descent
from ._newton import newton
from ._prox_newton_coupled import proximal_newton_any


class SolverOutput(NamedTuple):
    """What one run of a method returns (centred parametrisation)."""

    coef: np.ndarray  # (n_features, n_outputs), the dtype of X
    intercept: np.ndarray  # (n_outputs,)
    n_iter: int
    status: int  # CONVERGED, MAX_ITER_REACHED, NON_FINITE or STALLED
    #: The optimality residual (the stopping rule's measure, absolute) at the
    #: returned point when the method measured it there, NaN when it did
    #: not: the caller then measures it, one more gradient (two passes over
    #: ``X``) for every fit that stops short of ``tol``.
    violation: float


@dataclass(frozen=True)
class Solver:
    """A method and what it needs; see the module docstring."""

    name: str
    #: ``(problem, W_init, intercept_init, max_iter, tol, trace, *options)``
    #: returning ``(W, intercept, n_iter, status, violation)`` (see
    #: :class:`SolverOutput`).
    method: Callable
    #: Walks the columns of ``X``: sparse input is converted to CSC (dense
    #: input is left as it is; the method gathers the columns it walks), and
    #: sparse input is centred implicitly for a loss whose total derivative
    #: a centred step leaves unchanged (the squared loss) only.
    column_access: bool = False
    #: Needs a smooth objective (no L1 part).
    smooth_only: bool = False
    #: Takes a fixed ``learning_rate`` (else chooses its steps itself).
    fixed_step: bool = False
    #: Solves a quadratic objective exactly in one step (so a path of pure
    #: weight decay on least squares may be solved in closed form), and
    #: preconditions with a Gram matrix a path forms once.
    exact_on_quadratics: bool = False
    #: Takes the smooth part's gradient at its start point when the caller
    #: has it (``start_gradient``: a cold start's is the preparation's
    #: gradient at zero), instead of a pass over ``X`` to compute it.
    reuses_start_gradient: bool = False
    #: The method 'auto' hands a stalled solve to: a monotone first-order
    #: method of the same preparation.
    fallback: str | None = None
    #: The method 'auto' runs instead on a dense problem for which
    #: :func:`prefers_first_order` holds (the same preparation: dense data
    #: are prepared alike for every method).
    alternative: str | None = None

    def run(
        self, problem, W_init, intercept_init, max_iter, tol, trace,
        learning_rate: float | None = None, start_gradient=None,
    ) -> SolverOutput:  # fmt: skip
        """Run the method; ``learning_rate`` only for ``fixed_step`` methods,
        ``start_gradient`` ``(grad, grad_intercept)`` at ``(W_init,
        intercept_init)`` for those that reuse it (handed over in float64,
        else ignored)."""
        options = ()
        if self.fixed_step:
            options = (0.0 if learning_rate is None else float(learning_rate),)
        keywords = {}
        if self.reuses_start_gradient and start_gradient is not None:
            keywords["start_gradient"] = tuple(
                np.asarray(g, dtype=np.float64) for g in start_gradient
            )
        W, intercept, n_iter, status, violation = self.method(
            problem, W_init, intercept_init, int(max_iter), float(tol), trace,
            *options, **keywords,
        )  # fmt: skip
        return SolverOutput(W, intercept, int(n_iter), int(status), float(violation))

    def check(self, smooth: bool) -> None:
        """Raise a clear error if this method cannot solve such a problem."""
        if self.smooth_only and not smooth:
            raise ValueError(
                f"solver={self.name!r} needs a smooth objective (penalty 'l2' or "
                "None); use solver='cd' or 'fista' with an L1 part."
            )

    def shares_preparation(self, other: Solver) -> bool:
        """Whether a problem prepared for one serves the other."""
        return self.column_access == other.column_access


SOLVERS: dict[str, Solver] = {
    solver.name: solver
    for solver in (
        Solver("gd", gradient_descent, fixed_step=True),
        Solver("fista", accelerated_proximal_gradient, fixed_step=True),
        Solver(
            "cd", coordinate_descent, column_access=True, reuses_start_gradient=True
        ),
        Solver(
            "newton",
            newton,
            smooth_only=True,
            exact_on_quadratics=True,
            fallback="fista",
        ),
        Solver(
            "prox_newton",
            proximal_newton_any,
            column_access=True,
            reuses_start_gradient=True,
            fallback="cd",
        ),
    )
}


def select_solver(
    loss: str, smooth: bool, n_outputs: int, learning_rate: float | None
) -> Solver:
    """The solver ``solver='auto'`` picks; the rule is documented in the README.

    * a fixed ``learning_rate`` only means something to the proximal-gradient
      methods: 'fista';
    * a smooth objective (L2 decay or no penalty): 'newton', whose
      conjugate-gradient steps are insensitive to correlated or badly scaled
      features and converge in a handful of iterations;
    * an L1 part (lasso, elastic net) with the squared loss: 'cd',
      working-set coordinate descent, whose cost follows the size of the
      support (tall dense data, at most 200 features and ten samples per
      feature, is first compressed to ``n_features + 1`` rows by
      :func:`.._problem.solve_prepared`);
    * an L1 part with one logistic output: 'prox_newton', the same
      coordinate descent on a quadratic model of the loss, whose steps follow
      the local curvature (coordinate descent on the loss itself steps with
      the bound 1/4 and needed 5-10x more passes on sparse data), its Newton
      steps restricted to a working set of features;
    * an L1 part with the multinomial loss: 'prox_newton', whose models
      keep the classes' whole curvature (a diagonal plus a rank-one term per
      row, see :mod:`._prox_newton_coupled`). Measured against FISTA
      (``tol=1e-4``, one BLAS thread, alpha at 1/10 and 1/50 of the path's
      top, quiet machine, 2026-12-02 09:14 UTC; FISTA's answers 1e-9 to
      7e-6 further from the optimum at that tol): 0.12-0.13 of its time on
      a correlated 500 x 2000 design with 3 classes, 0.45-0.68 on 20000 x
      100 with 10 classes, 0.41-0.49 on digits, 0.34-0.88 on iris and
      standardised wine, 0.65-0.83 on digits as CSR, 0.91-1.30 on a one-hot
      20000 x 123 with 4 classes; 1.35-1.55 only on fits of 1-2 ms (raw
      wine at the strong penalty). On raw wine without an intercept it
      converged in 27 steps where FISTA had not after 10000 (at 1e-6).
      Block coordinate descent ('cd') steps with a global curvature bound
      that is loose once predictions are confident; with weak decay it
      needed more than 1000 sweeps on scikit-learn's estimator-check data.

    With an L1 part and the squared loss, 'auto' still picks 'fista' for a
    dense problem once the penalty is known, when
    :func:`prefers_first_order` says so.
    """
    if learning_rate is not None:
        return SOLVERS["fista"]
    if smooth:
        return SOLVERS["newton"]
    if loss == "squared":
        return replace(SOLVERS["cd"], alternative="fista")
    if loss == "logistic" and n_outputs == 1:
        return SOLVERS["prox_newton"]
    if loss == "multinomial":
        return SOLVERS["prox_newton"]
    return SOLVERS["fista"]


#: :func:`prefers_first_order`'s thresholds: the smallest strong convexity
#: in the preconditioned metric, and the share of features that violate the
#: optimality conditions at zero.
FIRST_ORDER_MIN_CONVEXITY = 0.5
FIRST_ORDER_MIN_VIOLATING = 0.5
#: Below this many entries of ``X`` either method takes a millisecond or
#: less, and coordinate descent (whose kernel the lasso and the L1 logistic
#: regression compile too) spares a first fit the compile of another family.
FIRST_ORDER_MIN_ENTRIES = 100_000


def prefers_first_order(problem: Problem, grad_zero: np.ndarray, spread, curvature):
    """Whether 'auto' runs 'fista' instead of 'cd' on a dense elastic net.

    Two statistics, each O(n_features) from what the preparation computed:

    * ``mu = min_j l2_j / (curvature * spread_j + l2_j)``, the strong
      convexity of the objective in the metric of the diagonal
      preconditioner both methods step in (``spread_j`` the column's
      weighted variance). Preconditioned FISTA converges linearly at a rate
      set by ``mu``; coordinate descent gains little from it.
    * the share of features that violate the optimality conditions at zero
      (``max_k |grad_zero[j, k]| > l1_j``): the size the working sets of
      coordinate descent grow to. A dense solution makes its sweeps walk
      most columns (and gather them from a C-ordered ``X``, a transposed
      copy), where FISTA's passes are two BLAS products over ``X`` as it
      lies.

    FISTA is picked when both exceed one half. Measured (CPU time to
    ``tol=1e-4``, one BLAS thread, 2026-12-02, ``alpha`` a fraction of the
    path's top, six designs x four penalties): wherever both held FISTA was
    as fast or faster, 1.1-2.8x (low-rank 10000 x 1000 at ``l1_ratio`` 0.5:
    94 against 214 ms; Toeplitz-correlated 2000 x 5000 at ``l1_ratio`` 0.1:
    82 against 183 ms; 20000 x 500: 93 against 161 ms); where ``mu`` was
    below one half (``l1_ratio`` 0.9, or a weak L2 part next to large
    column variances) coordinate descent was faster up to 3x (correlated
    2000 x 5000 at ``l1_ratio`` 0.9: 342 against 945 ms), and with few
    violators (a sparse solution) too (full-rank 10000 x 1000 at
    ``l1_ratio`` 0.1, 15 % violating: 54 against 100 ms). No feature
    without an L2 part (a lasso, or a penalty weight of zero) makes ``mu``
    zero: a lasso stays on coordinate descent. Sparse data stay there too
    (their preparation for columns differs), and so do small problems
    (``FIRST_ORDER_MIN_ENTRIES``): on scikit-learn's ``diabetes`` (442 x 10)
    both took 0.6-0.9 ms, but a first fit in a fresh environment compiled
    FISTA's kernels in 0.7 s more than coordinate descent's, which the lasso
    and the L1 logistic regression share.
    """
    X = problem.X
    if X.layout not in (DENSE, DENSE_T):
        return False
    if X.n_samples * X.n_features < FIRST_ORDER_MIN_ENTRIES:
        return False
    l2 = np.asarray(problem.l2, dtype=np.float64)
    if l2.shape[0] == 0 or not np.all(l2 > 0.0):
        return False
    curvature_j = curvature * np.asarray(spread, dtype=np.float64)
    mu = float(np.min(l2 / (curvature_j + l2)))
    if mu < FIRST_ORDER_MIN_CONVEXITY:
        return False
    largest = np.max(np.abs(grad_zero), axis=1)
    violating = np.count_nonzero(largest > np.asarray(problem.l1, dtype=np.float64))
    return violating > FIRST_ORDER_MIN_VIOLATING * l2.shape[0]


def resolve_solver(
    requested: str, loss: str, smooth: bool, n_outputs: int,
    learning_rate: float | None,
) -> tuple[Solver, Solver | None]:  # fmt: skip
    """``(solver, fallback)`` for an estimator's ``solver`` parameter.

    'auto' is :func:`select_solver`'s choice with its fallback; a named
    solver runs alone (the user asked for that method, and a stall is
    reported, not hidden).
    """
    if requested != "auto":
        return SOLVERS[requested], None
    solver = select_solver(loss, smooth, n_outputs, learning_rate)
    fallback = SOLVERS[solver.fallback] if solver.fallback else None
    return solver, fallback


__all__ = [
    "CONVERGED",
    "MAX_ITER_REACHED",
    "NON_FINITE",
    "SOLVERS",
    "STALLED",
    "Problem",
    "Solver",
    "SolverOutput",
    "Trace",
    "prefers_first_order",
    "resolve_solver",
    "select_solver",
]
