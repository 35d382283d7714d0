r"""Regularisation paths: one problem solved for a decreasing grid of alphas.

Each solve starts from the previous solution (a warm start), and everything
that does not depend on the penalty (layout, weights, column moments, the
gradient at zero) is prepared once for the whole path, so a path of 100
alphas costs a few cold fits, not 100.

The top of the grid
-------------------
With an L1 part (:math:`\rho > 0`) the top is the smallest alpha at which
every coefficient is zero,

.. math::

    \alpha_{\max} = \frac{\max_{j,k} |\nabla_{jk} f(0)|}{\rho},

where :math:`f` is the (weighted mean) loss and :math:`\nabla f(0)` its
gradient at :math:`W = 0` with the best intercept for :math:`W = 0`. Pure
weight decay (:math:`\rho = 0`) never makes a coefficient exactly zero, so
it has no such alpha; skdecay uses glmnet's convention and computes the top
as if :math:`\rho = 10^{-3}`, where the coefficients are at most about
a thousandth of the gradient's size, so the path starts at a model that is
all but constant.

The grid has ``n_alphas`` points, log-spaced from :math:`\alpha_{\max}`
down to :math:`\varepsilon\,\alpha_{\max}`. For pure weight decay it goes
three decades further, down to :math:`\varepsilon \max |\nabla f(0)|`, the
bottom of the lasso's grid: shrinking smoothly, ridge needs about six
decades to go from all but constant to all but unpenalised.
"""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral, Real
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_X_y

from .._core._penalties import (
    ElasticNet,
    Penalty,
    check_penalty_weights,
    make_penalty,
)
from .._core._problem import (
    CompressedLeastSquares,
    DecayResult,
    PreparedProblem,
    prepare_path,
    prepare_problem,
    solve_prepared,
)
from .._core._solvers import SOLVERS, resolve_solver
from .._core._solvers._newton import NewtonPath, newton
from .._estimator_utils import class_targets
from .._objective import LOSSES
from .._sklearn_compat import (
    Interval,
    StrOptions,
    _check_sample_weight,
    validate_params,
)
from .._typing import MatrixLike
from .._warnings import warn_user

#: The l1_ratio at which the top of a pure-L2 grid is computed (glmnet's).
L2_TOP_RATIO = 1e-3


#: What :func:`~skdecay._core._problem.prepare_path` returns.
PathProblem = PreparedProblem | CompressedLeastSquares


class DecayPath(NamedTuple):
    """What :func:`decay_path` returns; unpacks like a tuple.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        The regularisation strengths, in decreasing order.
    coefs : ndarray of shape (n_features, n_alphas) or (n_outputs, n_features, n_alphas)
        The coefficients at each alpha; 3-D for several outputs (targets, or
        classes of the multinomial loss), as in :func:`sklearn.linear_model.lasso_path`.
    intercepts : ndarray of shape (n_alphas,) or (n_outputs, n_alphas)
        The intercepts at each alpha.
    n_iter : ndarray of shape (n_alphas,)
        Iterations the solver ran at each alpha.
    objective : ndarray of shape (n_alphas,)
        The objective (see :mod:`skdecay._objective`) at each solution.
    classes : ndarray or None
        The class labels for the logistic losses (the binary coefficients are
        those of ``classes[1]``), None for the squared loss.
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    n_iter: np.ndarray
    objective: np.ndarray
    classes: np.ndarray | None


def encode_targets(
    y, loss: str | None, dtype
) -> tuple[np.ndarray, np.ndarray | None, str]:
    """``Y`` of shape (n_samples, n_outputs) for the kernels, the classes and
    the loss.

    The squared loss takes numeric targets as they are; 'logistic' takes two
    class labels, 'multinomial' two or more, and None lets the number of
    classes choose between them, as :class:`~skdecay.DecayLogisticClassifier`
    does (see :func:`~skdecay._estimator_utils.class_targets`).
    """
    if loss == "squared":
        y = np.asarray(y, dtype=dtype)
        return y.reshape(y.shape[0], -1), None, loss
    check_classification_targets(y)
    classes, index = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"loss={loss!r} needs samples of at least 2 classes; the data "
            f"contain only one class: {classes[0]!r}."
        )
    if loss == "logistic" and len(classes) > 2:
        raise ValueError(
            f"loss='logistic' is for two classes, y has {len(classes)}; use "
            "loss='multinomial'."
        )
    Y, loss = class_targets(index, len(classes), dtype, loss)
    return Y, classes, loss


def check_alphas(alphas) -> np.ndarray:
    """Given alphas as a 1-D float array in decreasing order, or an error."""
    alphas = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
    if alphas.size == 0 or np.any(alphas < 0) or not np.all(np.isfinite(alphas)):
        raise ValueError(
            "alphas must be a positive integer or a non-empty array of finite, "
            "non-negative numbers."
        )
    return alphas


def alpha_max(path_problem: PathProblem, penalty: Penalty) -> float:
    """The top of the grid for ``penalty`` (see the module docstring).

    Computed at the null model: penalised coefficients zero, the intercept
    and any unpenalised feature (penalty weight 0) fitted.
    """
    top = ElasticNet(1.0, max(penalty.l1_ratio, L2_TOP_RATIO), penalty.weights)
    value = top.alpha_max(path_problem.null_gradient(penalty))
    return value if np.isfinite(value) else 0.0


def alpha_grid(
    path_problem: PathProblem, penalty: Penalty, n_alphas: int, eps: float
) -> np.ndarray:
    """``n_alphas`` log-spaced alphas from :func:`alpha_max` down by ``eps``
    (by ``eps * 1e-3`` for pure weight decay; see the module docstring)."""
    top = alpha_max(path_problem, penalty)
    if top <= np.finfo(np.float64).resolution:
        # The loss is flat at zero (e.g. a constant target): any alpha gives
        # zero coefficients; a grid of tiny values, as scikit-learn's.
        return np.full(n_alphas, np.finfo(np.float64).resolution)
    if penalty.l1_ratio < L2_TOP_RATIO:
        eps *= L2_TOP_RATIO
    return np.geomspace(top, top * eps, num=n_alphas)


def prepare_for_path(
    X, Y, sample_weight, *, loss, fit_intercept, solver, fallback=None
) -> PathProblem:
    """:func:`~skdecay._core._problem.prepare_path`, without the Gram matrix
    it forms for 'newton' on another loss than the squared: a
    :class:`NewtonPath` forms the first Hessian itself, by one symmetric
    product and no copy of ``X``, and never uses that matrix again."""
    if loss != "squared" and solver.method is newton:
        return prepare_problem(
            X, Y, sample_weight, loss=loss, fit_intercept=fit_intercept,
            solver=solver, fallback=fallback,
        )  # fmt: skip
    return prepare_path(
        X, Y, sample_weight, loss=loss, fit_intercept=fit_intercept, solver=solver,
        fallback=fallback,
    )  # fmt: skip


def solve_path(
    path_problem: PathProblem,
    penalty: Penalty,
    alphas: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    batch=None,
) -> list[DecayResult]:
    """Solve a problem from :func:`prepare_path` for ``penalty`` at each alpha.

    ``alphas`` should be decreasing: each solve starts from the previous
    solution, a good start for the next. Pure weight decay on compressed
    least squares is solved exactly for the whole path. Never warns (the
    cross-validation folds run it on worker threads, where a warning would
    name joblib's frames): :func:`unconverged` says what failed, for the
    caller to report.

    ``batch`` (a :class:`~skdecay._core._solvers._lockstep._Member`) makes
    a Newton path's products with ``X``, batched with other folds'.
    """
    compressed = isinstance(path_problem, CompressedLeastSquares)
    inner = path_problem.prepared if compressed else path_problem
    penalties = [penalty.with_alpha(alpha) for alpha in alphas]
    if (
        compressed
        and inner.solver.exact_on_quadratics
        and all(p.is_smooth for p in penalties)
    ):
        return path_problem.ridge_path(penalties)
    if inner.solver.method is newton and all(p.is_smooth for p in penalties):
        # Each Newton solve hands the next its solution, predictor and
        # Hessian (see NewtonPath).
        state = NewtonPath()
        state.batch = batch
        inner = replace(inner, solver=replace(inner.solver, method=state.run))
    results = []
    coef = intercept = None
    for point in penalties:
        result = solve_prepared(
            inner,
            penalty=point,
            max_iter=max_iter,
            tol=tol,
            coef_init=coef,
            intercept_init=intercept,
        )
        coef, intercept = result.coef, result.intercept
        results.append(path_problem.to_original(result) if compressed else result)
    return results


class Unconverged(NamedTuple):
    """The solves of one path that did not converge; falsy when all did."""

    n_failed: int
    n_alphas: int
    #: The smallest alpha among them (NaN when none failed).
    smallest_alpha: float
    #: Their largest optimality violation, relative to its value at zero
    #: coefficients; NaN when not measured.
    violation: float
    #: Whether some stopped making progress (rather than hit max_iter).
    stalled: bool
    #: The solvers that ran on them, in order.
    solvers: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.n_failed > 0


def unconverged(
    path_problem: PathProblem, alphas: np.ndarray, results: list[DecayResult]
) -> Unconverged:
    """What :func:`solve_path` left unconverged along ``alphas``."""
    failed = [(a, r) for a, r in zip(alphas, results, strict=True) if not r.converged]
    violations = [r.violation for _, r in failed if np.isfinite(r.violation)]
    inner = getattr(path_problem, "prepared", path_problem)
    solvers = dict.fromkeys(s for _, r in failed for s in r.solvers)
    return Unconverged(
        len(failed),
        len(results),
        min((float(a) for a, _ in failed), default=np.nan),
        max(violations, default=np.nan),
        any(r.stalled for _, r in failed),
        tuple(solvers) or (inner.solver.name,),
    )


def not_converged_phrase(failures: list[Unconverged], max_iter: int) -> str:
    """``"Solver 'cd' did not converge in max_iter=5 iterations"`` or
    ``"... stopped making progress"``, for the solves in ``failures``."""
    names = dict.fromkeys(s for f in failures for s in f.solvers)
    solver = " then ".join(repr(name) for name in names)
    if any(f.stalled for f in failures):
        return f"Solver {solver} stopped making progress"
    return f"Solver {solver} did not converge in max_iter={max_iter} iterations"


def violation_phrase(failures: list[Unconverged], tol: float) -> str:
    """How far from optimal the worst of ``failures`` stopped."""
    worst = max((f.violation for f in failures if f), default=np.nan)
    if not np.isfinite(worst):
        return f"the solutions are not within tol={tol:g} of optimal"
    return (
        f"the largest optimality violation is {worst:.2g} of its value at zero "
        f"coefficients, above tol={tol:g}"
    )


def path_convergence_message(failures: Unconverged, max_iter: int, tol: float) -> str:
    """What :func:`decay_path`'s ConvergenceWarning says."""
    return (
        f"{not_converged_phrase([failures], max_iter)} for {failures.n_failed} of "
        f"{failures.n_alphas} alphas (the smallest is "
        f"{failures.smallest_alpha:.3g}; {violation_phrase([failures], tol)}). "
        "Increase max_iter, loosen tol, or raise eps to stop the path at a "
        "larger alpha."
    )


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "loss": [StrOptions(set(LOSSES))],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"})],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "penalty_weights": ["array-like", None],
        "alphas": ["array-like", None],
        "n_alphas": [Interval(Integral, 1, None, closed="left")],
        "eps": [Interval(Real, 0, 1, closed="right")],
        "fit_intercept": ["boolean"],
        "sample_weight": ["array-like", None],
        "solver": [StrOptions({"auto", *SOLVERS})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def decay_path(
    X: MatrixLike,
    y: ArrayLike,
    *,
    loss: Literal["squared", "logistic", "multinomial"] = "squared",
    penalty: Literal["l2", "l1", "elasticnet"] = "l2",
    l1_ratio: float = 0.5,
    penalty_weights: ArrayLike | None = None,
    alphas: ArrayLike | None = None,
    n_alphas: int = 100,
    eps: float = 1e-3,
    fit_intercept: bool = True,
    sample_weight: ArrayLike | None = None,
    solver: str = "auto",
    tol: float = 1e-4,
    max_iter: int = 1000,
) -> DecayPath:
    r"""Compute the regularisation path: the solution for each alpha.

    Minimises the objective of :class:`~skdecay.DecayLinearRegressor` and
    :class:`~skdecay.DecayLogisticClassifier`,

    .. math::

        \frac{1}{\sum_i s_i} \sum_i s_i \, \ell(y_i, x_i^\top W + b)
        + \alpha \Big( \rho \|W\|_1 + \frac{1 - \rho}{2} \|W\|_2^2 \Big),

    for each alpha of a decreasing grid, each solve warm-started from the
    previous solution.

    Read more in the :ref:`User Guide <paths>`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data; CSR and CSC matrices are used without densifying.

    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Targets: numbers for the squared loss, class labels for the logistic
        losses (two classes for 'logistic').

    loss : {'squared', 'logistic', 'multinomial'}, default='squared'
        The data-fit term :math:`\ell`.

    penalty : {'l2', 'l1', 'elasticnet'}, default='l2'
        'l2' is weight decay (:math:`\rho = 0`), 'l1' the lasso
        (:math:`\rho = 1`), 'elasticnet' uses ``l1_ratio``.

    l1_ratio : float, default=0.5
        The mixing :math:`\rho`, used only when ``penalty='elasticnet'``.

    penalty_weights : array-like of shape (n_features,), default=None
        A non-negative weight per feature that multiplies its penalty, as in
        the estimators; 0 leaves a feature unpenalised. The grid's top is
        then computed with those features fitted.

    alphas : array-like of shape (n_alphas,), default=None
        The alphas; sorted into decreasing order. None makes a grid of
        ``n_alphas`` from the top (see Notes) down to ``eps`` times it.

    n_alphas : int, default=100
        Grid size when ``alphas`` is None.

    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha of the grid (for pure
        weight decay, of the smallest to the lasso's top: see Notes).

    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.

    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.

    solver : {'auto', 'gd', 'fista', 'cd', 'newton', 'prox_newton'}, default='auto'
        As in the estimators; 'auto' applies their rule.

    tol : float, default=1e-4
        Relative stopping tolerance of each solve.

    max_iter : int, default=1000
        Iteration limit of each solve.

    Returns
    -------
    path : DecayPath
        A named tuple ``(alphas, coefs, intercepts, n_iter, objective,
        classes)``; see :class:`DecayPath`.

    See Also
    --------
    sklearn.linear_model.lasso_path : The lasso path (same alphas with
        ``penalty='l1'``).
    sklearn.linear_model.enet_path : The elastic-net path.
    DecayLinearRegressorCV : Chooses alpha along such paths by
        cross-validation.

    Notes
    -----
    With an L1 part the grid's top is the smallest alpha at which every
    coefficient is zero, ``max |gradient at 0| / rho``; pure weight decay
    has no such alpha and takes glmnet's convention, the same formula with
    ``rho = 1e-3``, and its grid ends where the lasso's does,
    ``eps * max |gradient at 0|`` (six decades for the default ``eps``).

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skdecay import decay_path
    >>> X, y = load_diabetes(return_X_y=True)
    >>> path = decay_path(X, y, penalty="l1", n_alphas=5)
    >>> path.coefs.shape
    (10, 5)
    >>> [int((path.coefs[:, k] != 0).sum()) for k in range(5)]
    [0, 4, 7, 9, 10]
    """
    if loss == "squared":
        X, y = check_X_y(
            X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
            multi_output=True, y_numeric=True,
        )  # fmt: skip
    else:
        X, y = check_X_y(
            X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32]
        )
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True
    )
    Y, classes, loss = encode_targets(y, loss, X.dtype)
    weights = check_penalty_weights(penalty_weights, X.shape[1])
    unit = make_penalty(penalty, 1.0, l1_ratio, weights)
    solver, fallback = resolve_solver(solver, loss, unit.is_smooth, Y.shape[1], None)
    path_problem = prepare_for_path(
        X, Y, sample_weight, loss=loss, fit_intercept=fit_intercept, solver=solver,
        fallback=fallback,
    )  # fmt: skip
    if alphas is None:
        alphas = alpha_grid(path_problem, unit, n_alphas, eps)
    else:
        alphas = check_alphas(alphas)
    results = solve_path(path_problem, unit, alphas, max_iter=max_iter, tol=tol)
    failures = unconverged(path_problem, alphas, results)
    if failures:
        warn_user(path_convergence_message(failures, max_iter, tol), ConvergenceWarning)
    coefs = np.stack([r.coef.T for r in results], axis=-1)  # (k, p, n_alphas)
    intercepts = np.stack([r.intercept for r in results], axis=-1)  # (k, n_alphas)
    if coefs.shape[0] == 1:
        coefs, intercepts = coefs[0], intercepts[0]
    return DecayPath(
        alphas,
        coefs,
        intercepts,
        np.array([r.n_iter for r in results]),
        np.array([r.objective for r in results]),
        classes,
    )
