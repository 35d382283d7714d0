"""Data-fit terms of the objective, compiled.

Every loss is a small module of compiled pieces, each taking the loss (its
code or marker, unused by the piece itself) first: ``*_value(loss, Y, Z,
weights)``, ``*_gradient(loss, Y, Z, weights, G)`` (fills ``G`` with the
weighted derivative in the linear predictor ``Z`` and returns the value),
``*_row_value(loss, Y, Z, i)`` and ``*_row_derivative(loss, Y, Z, i, out)``
(the unweighted loss and derivative at one row: what coordinate descent needs
on the rows of one column) and, for a loss that is separable across outputs,
the scalar ``*_derivative(loss, y, z)`` (the same, one entry at a time, which
the compiler keeps in registers), ``*_hessian_apply(loss, Y, Z, weights, V,
out)`` (the weighted Hessian in ``Z`` applied row by row to ``V``) and
``*_bregman(loss, Y, Z, Z_new, weights)`` (the loss's Bregman divergence
between two predictors, computed accurately from their difference: the
backtracking test); and a ``*_CURVATURE`` bound on its second derivative.
``Y`` and ``Z`` are 2-D (n_samples, n_outputs) and ``weights`` sum to one.
The best intercept at zero coefficients is the NumPy datafit's
(:func:`intercept_at_zero`).

Two ways in. The ``loss_*`` dispatchers take the integer loss code and hold
every loss behind an if-chain: callable from Python, and by kernels that
serve every loss through one compiled version (partial_fit's stream). The
``datafit_*`` functions take a *marker* instead, an instance of the loss's
empty NamedTuple class (``SquaredLoss()``, ...), and resolve at compile time
to that loss's piece alone, so a solver compiled for the squared loss holds
no logistic or multinomial code. The piece is the overload's implementation
itself (hence the leading ``loss``): a wrapper around it would be compiled
as a function of its own, in full, even when inlined. The marker's class
pickles by reference, so the compiled solver is reused from the cache in a
new process (a jitted function passed as an argument would not be,
numba#6264). They also accept an integer code, for callers not yet
specialised.

A new loss is one new module plus one registry entry and one branch here;
no solver changes.
"""

from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.extending import overload

from .._datafits import DATAFITS_BY_CODE
from ._logistic import (
    LOGISTIC_CURVATURE,
    logistic_bregman,
    logistic_derivative,
    logistic_gradient,
    logistic_hessian_apply,
    logistic_row_derivative,
    logistic_row_value,
    logistic_value,
)
from ._multinomial import (
    MULTINOMIAL_CURVATURE,
    multinomial_bregman,
    multinomial_gradient,
    multinomial_hessian_apply,
    multinomial_row_derivative,
    multinomial_row_value,
    multinomial_value,
)
from ._squared import (
    SQUARED_CURVATURE,
    squared_bregman,
    squared_derivative,
    squared_gradient,
    squared_hessian_apply,
    squared_row_derivative,
    squared_row_value,
    squared_value,
)

SQUARED = 0
LOGISTIC = 1
MULTINOMIAL = 2

LOSS_CODES = {"squared": SQUARED, "logistic": LOGISTIC, "multinomial": MULTINOMIAL}


class SquaredLoss(NamedTuple):
    """Marker: compile for the squared loss."""


class LogisticLoss(NamedTuple):
    """Marker: compile for the binary log-loss."""


class MultinomialLoss(NamedTuple):
    """Marker: compile for the multinomial cross-entropy."""


#: The marker of each loss code (what a solver's kernel is specialised on).
LOSS_MARKERS = {
    SQUARED: SquaredLoss(),
    LOGISTIC: LogisticLoss(),
    MULTINOMIAL: MultinomialLoss(),
}
CURVATURE = {
    SQUARED: SQUARED_CURVATURE,
    LOGISTIC: LOGISTIC_CURVATURE,
    MULTINOMIAL: MULTINOMIAL_CURVATURE,
}


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def loss_value(loss, Y, Z, weights):
    if loss == SQUARED:
        return squared_value(loss, Y, Z, weights)
    if loss == LOGISTIC:
        return logistic_value(loss, Y, Z, weights)
    return multinomial_value(loss, Y, Z, weights)


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def loss_gradient(loss, Y, Z, weights, G):
    if loss == SQUARED:
        return squared_gradient(loss, Y, Z, weights, G)
    if loss == LOGISTIC:
        return logistic_gradient(loss, Y, Z, weights, G)
    return multinomial_gradient(loss, Y, Z, weights, G)


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def loss_derivative(loss, y, z):
    """``dloss/dz`` of a separable loss at one entry."""
    if loss == SQUARED:
        return squared_derivative(loss, y, z)
    return logistic_derivative(loss, y, z)


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def loss_row_derivative(loss, Y, Z, i, out):
    if loss == SQUARED:
        squared_row_derivative(loss, Y, Z, i, out)
    elif loss == LOGISTIC:
        logistic_row_derivative(loss, Y, Z, i, out)
    else:
        multinomial_row_derivative(loss, Y, Z, i, out)


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def loss_hessian_apply(loss, Y, Z, weights, V, out):
    if loss == SQUARED:
        squared_hessian_apply(loss, Y, Z, weights, V, out)
    elif loss == LOGISTIC:
        logistic_hessian_apply(loss, Y, Z, weights, V, out)
    else:
        multinomial_hessian_apply(loss, Y, Z, weights, V, out)


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def loss_bregman(loss, Y, Z, Z_new, weights):
    if loss == SQUARED:
        return squared_bregman(loss, Y, Z, Z_new, weights)
    if loss == LOGISTIC:
        return logistic_bregman(loss, Y, Z, Z_new, weights)
    return multinomial_bregman(loss, Y, Z, Z_new, weights)


def intercept_at_zero(loss, Y, weights):
    """The best intercept when every coefficient is zero: the datafit's
    (NumPy, nothing to compile), in float64."""
    datafit = DATAFITS_BY_CODE[loss_code(loss)]
    return datafit.intercept_at_zero(
        np.asarray(Y, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    )


#: Each marker class's functions, by role (``None``: the loss has no such piece).
_REGISTRY = {
    SquaredLoss: {
        "value": squared_value,
        "gradient": squared_gradient,
        "derivative": squared_derivative,
        "row_derivative": squared_row_derivative,
        "row_value": squared_row_value,
        "hessian_apply": squared_hessian_apply,
        "bregman": squared_bregman,
    },
    LogisticLoss: {
        "value": logistic_value,
        "gradient": logistic_gradient,
        "derivative": logistic_derivative,
        "row_derivative": logistic_row_derivative,
        "row_value": logistic_row_value,
        "hessian_apply": logistic_hessian_apply,
        "bregman": logistic_bregman,
    },
    MultinomialLoss: {
        "value": multinomial_value,
        "gradient": multinomial_gradient,
        "derivative": None,
        "row_derivative": multinomial_row_derivative,
        "row_value": multinomial_row_value,
        "hessian_apply": multinomial_hessian_apply,
        "bregman": multinomial_bregman,
    },
}


def _piece(loss, role):
    """The function for ``role`` of the marker type ``loss``; None for an int."""
    if isinstance(loss, types.Integer):
        return None
    if isinstance(loss, types.BaseNamedTuple) and loss.instance_class in _REGISTRY:
        return _REGISTRY[loss.instance_class][role]
    raise TypeError(f"not a loss code or marker: {loss}")


# The Python bodies below serve calls from Python (integer codes); compiled
# callers get the overloads. For a marker, an overload's implementation is
# the loss's piece itself (its Python function, compiled as a function of
# its own and inlined by LLVM): a function returned by an overload is
# compiled in full even when Numba inlines it, so a wrapper around the
# piece, or inlining, would cost a second compilation of each piece.


def datafit_value(loss, Y, Z, weights):
    return loss_value(loss, Y, Z, weights)


def datafit_gradient(loss, Y, Z, weights, G):
    return loss_gradient(loss, Y, Z, weights, G)


def datafit_derivative(loss, y, z):
    return loss_derivative(loss, y, z)


def datafit_row_derivative(loss, Y, Z, i, out):
    loss_row_derivative(loss, Y, Z, i, out)


def datafit_row_value(loss, Y, Z, i):
    """The (unweighted) loss of row ``i``; for a marker only."""
    raise TypeError("datafit_row_value is for compiled callers with a loss marker")


def datafit_hessian_apply(loss, Y, Z, weights, V, out):
    loss_hessian_apply(loss, Y, Z, weights, V, out)


def datafit_bregman(loss, Y, Z, Z_new, weights):
    return loss_bregman(loss, Y, Z, Z_new, weights)


#: The overloads' implementations have no Python or C entry of their own.
_PIECE_OPTIONS = {"no_cfunc_wrapper": True, "nogil": True}


def _implementation(loss, role, integer):
    """The marker's piece for ``role`` as an overload implementation, or
    ``integer`` (the dispatch on a loss code) for an integer."""
    if isinstance(loss, types.Integer):
        return integer
    piece = _piece(loss, role)
    if piece is None:
        raise TypeError(f"{loss} has no {role}")
    return piece.py_func


@overload(datafit_value, jit_options=_PIECE_OPTIONS)
def _ol_value(loss, Y, Z, weights):
    return _implementation(
        loss, "value", lambda loss, Y, Z, weights: loss_value(loss, Y, Z, weights)
    )


@overload(datafit_gradient, jit_options=_PIECE_OPTIONS)
def _ol_gradient(loss, Y, Z, weights, G):
    return _implementation(
        loss, "gradient",
        lambda loss, Y, Z, weights, G: loss_gradient(loss, Y, Z, weights, G),
    )  # fmt: skip


@overload(datafit_derivative, jit_options=_PIECE_OPTIONS)
def _ol_derivative(loss, y, z):
    if not isinstance(loss, types.Integer) and _piece(loss, "derivative") is None:
        # A loss that is not separable: typed in a branch of a kernel that
        # its callers never take (Numba prunes a branch on ``x is None``
        # only when ``x`` is None).
        return lambda loss, y, z: z - y
    return _implementation(
        loss, "derivative", lambda loss, y, z: loss_derivative(loss, y, z)
    )


@overload(datafit_row_derivative, jit_options=_PIECE_OPTIONS)
def _ol_row_derivative(loss, Y, Z, i, out):
    return _implementation(
        loss, "row_derivative",
        lambda loss, Y, Z, i, out: loss_row_derivative(loss, Y, Z, i, out),
    )  # fmt: skip


@overload(datafit_row_value, jit_options=_PIECE_OPTIONS)
def _ol_row_value(loss, Y, Z, i):
    if isinstance(loss, types.Integer):
        raise TypeError("datafit_row_value needs a loss marker")
    return _implementation(loss, "row_value", None)


@overload(datafit_hessian_apply, jit_options=_PIECE_OPTIONS)
def _ol_hessian_apply(loss, Y, Z, weights, V, out):
    return _implementation(
        loss, "hessian_apply",
        lambda loss, Y, Z, weights, V, out: loss_hessian_apply(
            loss, Y, Z, weights, V, out
        ),
    )  # fmt: skip


@overload(datafit_bregman, jit_options=_PIECE_OPTIONS)
def _ol_bregman(loss, Y, Z, Z_new, weights):
    return _implementation(
        loss, "bregman",
        lambda loss, Y, Z, Z_new, weights: loss_bregman(loss, Y, Z, Z_new, weights),
    )  # fmt: skip


_MARKER_CODES = {type(marker): code for code, marker in LOSS_MARKERS.items()}


def loss_code(loss) -> int:
    """The integer code of a loss given by its code or its marker."""
    if isinstance(loss, tuple):
        return _MARKER_CODES[type(loss)]
    return int(loss)
