"""The interface every datafit implements (see the package docstring)."""

from __future__ import annotations

import numpy as np


class Datafit:
    """Base class: a loss of the linear predictor, averaged with weights."""

    #: Name used by the estimators and :func:`skdecay.decay_objective`.
    name: str = ""
    #: The kernels' integer code (``skdecay._core._losses``).
    code: int = -1
    #: Upper bound on the loss's second derivative in the predictor.
    curvature: float = 1.0
    #: Whether the loss is a sum over outputs (each output fits on its own).
    separable: bool = True
    #: Whether :meth:`class_curvature` is available.
    has_class_curvature: bool = False

    def value(self, Y: np.ndarray, Z: np.ndarray, weights: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(
        self, Y: np.ndarray, Z: np.ndarray, weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    def hessian_apply(
        self, Y: np.ndarray, Z: np.ndarray, weights: np.ndarray, V: np.ndarray
    ) -> np.ndarray:
        raise NotImplementedError

    def hessian_operator(self, Y: np.ndarray, Z: np.ndarray, weights: np.ndarray):
        """``V -> hessian_apply(Y, Z, weights, V)`` with the work that depends
        on ``Z`` only (probabilities, curvatures) done once."""
        h = self.row_curvature(Y, Z, weights)
        if h is not None:
            return lambda V: h[:, None] * V
        return lambda V: self.hessian_apply(Y, Z, weights, V)

    def row_curvature(
        self, Y: np.ndarray, Z: np.ndarray, weights: np.ndarray
    ) -> np.ndarray | None:
        """Weighted second derivative per row, if one number describes it."""
        return None

    def curvature_factors(
        self, Y: np.ndarray, Z: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(A, B)``, both (n_samples, n_outputs), with row ``i``'s weighted
        Hessian in its outputs ``diag(A_i) - B_i B_i^T``: a diagonal and a
        rank-one term (what a proximal Newton with several outputs needs,
        see ``_solvers/_prox_newton_coupled.py``). Separable losses have
        ``B = 0``."""
        h = self.row_curvature(Y, Z, weights)
        if h is None:
            raise NotImplementedError
        A = np.empty(Z.shape)
        A[:] = np.asarray(h, dtype=np.float64)[:, None]
        return A, np.zeros(Z.shape)

    def class_curvature(
        self, Y: np.ndarray, Z: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        """The weighted mean over rows of the Hessian in one row's outputs,
        (n_outputs, n_outputs): exact for the whole Hessian (times the Gram
        matrix of the design) when every row has the same one."""
        raise NotImplementedError

    def intercept_at_zero(self, Y: np.ndarray, weights: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
