"""First-order solvers, one module per method.

Every solver has the signature ``solver(problem, W_init, intercept_init,
max_iter, tol, learning_rate, trace)`` and returns ``(W, intercept,
n_iter, status, lipschitz)``. The :class:`Problem` handle carries the design
matrix, the loss code and the elastic-net strengths; a solver passes it to
the shared pieces in ``_common`` and never inspects the layout, the loss or
the penalty itself.
"""

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
from ._prox_newton import proximal_newton

SOLVERS = {
    "gd": gradient_descent,
    "fista": accelerated_proximal_gradient,
    "cd": coordinate_descent,
    "newton": newton,
    "prox_newton": proximal_newton,
}
#: Solvers that walk the columns of ``X``: they get a column-major copy, and
#: sparse input is centred for the squared loss only.
COLUMN_SOLVERS = frozenset({"cd", "prox_newton"})
#: Solvers for one output (binary logistic, single-target regression).
SINGLE_OUTPUT_SOLVERS = frozenset({"prox_newton"})
#: Solvers for smooth objectives only (no L1 part).
SMOOTH_SOLVERS = frozenset({"newton"})
#: What 'auto' hands a solve over to when its Newton-type choice stalls (its
#: line search finds no decrease): a first-order method of the same
#: preparation, whose steps always decrease the objective.
FALLBACK = {"prox_newton": "cd", "newton": "fista"}

__all__ = [
    "COLUMN_SOLVERS",
    "CONVERGED",
    "FALLBACK",
    "MAX_ITER_REACHED",
    "NON_FINITE",
    "SINGLE_OUTPUT_SOLVERS",
    "SMOOTH_SOLVERS",
    "SOLVERS",
    "STALLED",
    "Problem",
    "Trace",
]
