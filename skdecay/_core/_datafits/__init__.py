"""Data-fit terms as Python objects: the loss, its derivatives and its needs.

Each datafit is one small module with a stateless class whose methods take
NumPy arrays: ``Y`` and ``Z`` of shape (n_samples, n_outputs) (targets and
linear predictors) and ``weights`` of shape (n_samples,) summing to one.

* ``value(Y, Z, weights)``: the weighted mean loss;
* ``gradient(Y, Z, weights)``: ``(value, G)`` with ``G = weights * dloss/dZ``;
* ``hessian_apply(Y, Z, weights, V)``: the weighted Hessian in ``Z`` applied
  row by row to ``V`` (a Newton product);
* ``row_curvature(Y, Z, weights)``: for a loss with one output or the same
  curvature on every output, the weighted second derivative of each row
  (an exact Newton system is then ``X^T diag(h) X``); None otherwise;
* ``class_curvature(Y, Z, weights)`` (where ``has_class_curvature``): the
  weighted mean of the rows' Hessians in the outputs, (n_outputs,
  n_outputs), which with the design's Gram matrix gives the whole Hessian
  when every row has the same one (the Newton solver's Kronecker form);
* ``curvature_factors(Y, Z, weights)``: ``(A, B)``, (n_samples, n_outputs)
  each, with each row's weighted Hessian in its outputs ``diag(A_i) - B_i
  B_i^T`` (proximal Newton with several outputs; the base class builds it
  from ``row_curvature`` with ``B = 0``);
* ``intercept_at_zero(Y, weights)``: the best intercept when ``W = 0``;
* ``curvature``: an upper bound on the second derivative (the Lipschitz
  constant of the first-order solvers' steps, per unit of feature variance);
* ``code``: the integer the compiled kernels dispatch on.

The Newton solver and :func:`skdecay.decay_objective` use these objects; a
new loss is a new module here (plus, for the compiled first-order solvers,
its kernel functions in ``skdecay/_core/_losses``).
"""

from ._base import Datafit
from ._logistic import Logistic
from ._multinomial import Multinomial
from ._squared import Squared

#: One instance per loss name, as the estimators name them.
DATAFITS: dict[str, Datafit] = {
    "squared": Squared(),
    "logistic": Logistic(),
    "multinomial": Multinomial(),
}
#: The same, by the kernels' integer code.
DATAFITS_BY_CODE: dict[int, Datafit] = {fit.code: fit for fit in DATAFITS.values()}

__all__ = ["DATAFITS", "DATAFITS_BY_CODE", "Datafit", "Logistic", "Multinomial",
           "Squared"]  # fmt: skip
