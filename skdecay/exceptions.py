"""Exceptions and warnings that skdecay raises.

Convergence problems are reported with scikit-learn's
:class:`~sklearn.exceptions.ConvergenceWarning`, which skdecay reuses rather
than defining its own, so that ``warnings.filterwarnings`` and scikit-learn's
tools treat skdecay's fits like any other estimator's.
"""

__all__ = ["NonFiniteIterateError"]


class NonFiniteIterateError(FloatingPointError):
    """The iterates of a solver overflowed or became NaN.

    Raised by ``fit`` and ``partial_fit`` instead of returning a model with
    non-finite (or exploding) weights; the message says what to change (a
    smaller ``learning_rate`` or ``learning_rate_init``, rescaled data, or
    float64 input). The estimator keeps the state it had before the call.

    Examples
    --------
    >>> import numpy as np
    >>> from skdecay import DecayLinearRegressor
    >>> from skdecay.exceptions import NonFiniteIterateError
    >>> X = np.array([[1.0], [2.0], [3.0]])
    >>> y = np.array([1.0, 2.0, 3.0])
    >>> try:
    ...     DecayLinearRegressor(solver="gd", learning_rate=1e6).fit(X, y)
    ... except NonFiniteIterateError as error:
    ...     print("non-finite")
    non-finite
    """
