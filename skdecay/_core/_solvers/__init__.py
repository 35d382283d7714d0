"""First-order solvers, one module per method.

Every solver has the same signature and returns ``(W, intercept, n_iter,
status, lipschitz)``; it receives a loss code, the elastic-net strengths and a
:class:`~skdecay._core._linalg.DesignMatrix`, and never inspects the layout.
"""

from ._common import CONVERGED, MAX_ITER_REACHED, NON_FINITE
from ._fista import accelerated_proximal_gradient
from ._gd import gradient_descent

SOLVERS = {"gd": gradient_descent, "fista": accelerated_proximal_gradient}

__all__ = ["CONVERGED", "MAX_ITER_REACHED", "NON_FINITE", "SOLVERS"]
