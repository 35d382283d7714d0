"""The problem handle and the pieces shared by the proximal-gradient solvers.

All steps are taken in the metric of a diagonal preconditioner ``scale``
(``scale_j`` = curvature bound of the loss times the weighted variance of
feature ``j``, plus the L2 strength). A step of length ``1 / L`` in that metric
is the textbook gradient step on standardised features, so badly scaled raw
features converge as fast as scaled ones.

In that metric the Hessian of the smooth part has diagonal entries of at most
1, so its Lipschitz constant is at most ``n_coordinates = n_features +
fit_intercept`` (the trace bound); for the squared loss it is also at least 1,
while the logistic losses, whose curvature bound is loose where predictions
are confident, often have a smaller local constant. Backtracking starts at 1
and never goes past the upper bound: there the majoriser holds in exact
arithmetic, and a failed test can only be rounding error.
"""

import math
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
from numba import njit

from .._linalg import INTERNAL, DesignMatrix, _design_rmatmul, one_type
from .._losses import LOSS_MARKERS, datafit_gradient
from .._prox import add_decay

CONVERGED = 0
MAX_ITER_REACHED = 1
NON_FINITE = 2
#: The solver stopped making progress before reaching ``tol`` (a Newton line
#: search that found no decrease even along a tightly solved direction).
STALLED = 3


#: Smallest constant tried (steps of length 1e6 in standardised units).
LIPSCHITZ_FLOOR = 1e-6


class Problem(NamedTuple):
    """Everything a solver needs to know about one regularised problem.

    Built once by :func:`skdecay._core._problem.prepare_problem`; a solver
    reads it and never asks about the layout of ``X``, the loss or the penalty
    beyond passing this handle to the shared pieces below.
    """

    X: DesignMatrix
    Y: np.ndarray  # (n_samples, n_outputs) targets, 0/1 column or one-hot
    weights: np.ndarray  # (n_samples,), summing to one
    x_mean: np.ndarray  # (n_features,), implicit centering (zeros if no intercept)
    loss: int  # a code from skdecay._core._losses
    l1: np.ndarray  # (n_features,) float64, alpha * l1_ratio * penalty weight
    l2: np.ndarray  # (n_features,) float64, alpha * (1 - l1_ratio) * weight
    fit_intercept: bool
    scale: np.ndarray  # (n_features,), the diagonal preconditioner
    scale_intercept: float
    lipschitz_max: float  # n_features + fit_intercept, the trace bound
    rel_eps: float  # rounding slack of the backtracking test
    # Optional (0 x 0 when absent): the weighted second moments of the
    # centred design with the intercept column, (n_features + 1)^2, formed
    # once by a caller that solves the same data many times (a path);
    # 'newton' builds its preconditioner from it instead of forming H.
    gram: np.ndarray


class Trace(NamedTuple):
    """Where a solver records each iteration.

    ``objective`` has one slot per allowed iteration. ``coef`` and
    ``intercept`` hold the iterates themselves (in the solver's centred
    parametrisation) when they have as many rows as ``objective``; with zero
    rows nothing but the objective is recorded, at no cost.
    """

    objective: np.ndarray  # (max_iter,) float64
    coef: np.ndarray  # (max_iter or 0, n_features, n_outputs)
    intercept: np.ndarray  # (max_iter or 0, n_outputs)


def specialise(problem):
    """``problem`` with its loss code replaced by the loss's marker, and its
    design in the one type per dtype (:func:`.._linalg.one_type`).

    A kernel that receives it compiles for that loss alone (see
    :mod:`.._losses`); one that receives the code compiles every loss.
    """
    if isinstance(problem.loss, (int, np.integer)):
        problem = problem._replace(loss=LOSS_MARKERS[int(problem.loss)])
    return problem._replace(X=one_type(problem.X))


@njit(cache=True, nogil=True, inline="always")
def record_iterate(trace, it, objective, W, intercept):
    """Store iteration ``it``: its objective, and the iterate if asked for."""
    trace.objective[it] = objective
    if trace.coef.shape[0] > 0:
        # Loops, not ``trace.coef[it] = W``: the slice assignment pulls in
        # Numba's error-message code (2 s of compilation).
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                trace.coef[it, j, k] = W[j, k]
        for k in range(intercept.shape[0]):
            trace.intercept[it, k] = intercept[k]


@njit(cache=True, nogil=True, **INTERNAL)
def smooth_gradient(problem, W, Z, G, grad, grad_intercept):
    """Gradient of the smooth part (loss and L2) at ``W`` (with predictor ``Z``).

    Fills ``G`` (the weighted loss derivative in ``Z``), ``grad``
    (n_features, n_outputs) and ``grad_intercept`` (n_outputs,); returns
    the loss's value at ``Z``.
    """
    value = datafit_gradient(problem.loss, problem.Y, Z, problem.weights, G)
    _design_rmatmul(problem.X, G, problem.x_mean, grad)
    add_decay(grad, W, problem.l2)
    for k in range(G.shape[1]):
        grad_intercept[k] = 0.0
    if problem.fit_intercept:
        for i in range(G.shape[0]):
            for k in range(G.shape[1]):
                grad_intercept[k] += G[i, k]
    return value


#: Armijo's sufficient-decrease constant (the Newton solvers' line search).
ARMIJO = 1e-4
#: Consecutive Newton steps that neither decrease the objective measurably
#: nor halve the optimality residual, after which a solver reports
#: ``STALLED`` instead of running to max_iter. (Near the optimum the
#: objective's decrease falls below rounding while the residual still
#: shrinks: either counts as progress.)
NO_PROGRESS_LIMIT = 3


class Progress:
    """The Newton-type solvers' stall rule (see ``NO_PROGRESS_LIMIT``).

    :meth:`stalled` is asked with each measured residual; :meth:`step`
    is told whether each step lowered the objective measurably.
    """

    def __init__(self):
        self.best_residual = math.inf
        self.idle = 0

    def stalled(self, residual: float) -> bool:
        """Whether to stop: the residual has not halved since the best one,
        and the last ``NO_PROGRESS_LIMIT`` steps did not lower the
        objective either."""
        if residual < 0.5 * self.best_residual:
            self.best_residual = residual
            self.idle = 0
            return False
        return self.idle >= NO_PROGRESS_LIMIT

    def step(self, lowered: bool) -> None:
        self.idle = 0 if lowered else self.idle + 1


#: Halvings of the step before the line search gives up.
MAX_HALVINGS = 60


#: The BLAS libraries loaded (threadpoolctl's view), found at the first solve.
_BLAS_POOLS = None


@contextmanager
def one_blas_thread():
    """Run the block in which a working-set solver calls BLAS on one thread.

    Its products are matrix-vector products (memory-bound; a second thread
    gains little) on blocks of a few hundred columns, many per fit. On a
    busy machine each threaded call waits for its helper thread to be
    scheduled: with two OpenBLAS threads an L1 logistic fit on 500 x 2000
    used 3.5x the CPU time of one thread, and its wall time was worse still.
    """
    global _BLAS_POOLS
    if _BLAS_POOLS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS_POOLS = ThreadpoolController()
    with _BLAS_POOLS.limit(limits=1, user_api="blas"):
        yield
