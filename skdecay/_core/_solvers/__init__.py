"""First-order solvers, one module per method.

Every solver has the signature ``solver(problem, W_init, intercept_init,
max_iter, tol, learning_rate, objective_out)`` and returns ``(W, intercept,
n_iter, status, lipschitz)``. The :class:`Problem` handle carries the design
matrix, the loss code and the elastic-net strengths; a solver passes it to
the shared pieces in ``_common`` and never inspects the layout, the loss or
the penalty itself.
"""

from ._common import CONVERGED, MAX_ITER_REACHED, NON_FINITE, Problem
from ._fista import accelerated_proximal_gradient
from ._gd import gradient_descent

SOLVERS = {"gd": gradient_descent, "fista": accelerated_proximal_gradient}

__all__ = ["CONVERGED", "MAX_ITER_REACHED", "NON_FINITE", "SOLVERS", "Problem"]
