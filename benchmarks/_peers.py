"""The estimators that ``bench_speed.py`` times, each set to skdecay's objective.

Every problem is stated on skdecay's scale (see the mapping table in the
README): the mean loss plus ``alpha * (l1_ratio * ||w||_1 + (1 - l1_ratio) / 2
* ||w||_2^2)``, with an unpenalised intercept (none when
``Problem.fit_intercept`` is false). Each :class:`Runner` below turns that
statement into the equivalent estimator of one library:

* scikit-learn ``Ridge(alpha=a)`` penalises the *summed* squares: ``a = alpha * n``;
  ``Lasso`` and ``ElasticNet`` take ``alpha`` unchanged;
  ``LogisticRegression(C=c)`` multiplies the summed log-loss by ``c``:
  ``c = 1 / (alpha * n)``.
* skglm's ``Quadratic`` and ``Logistic`` datafits are mean losses and its
  ``L1_plus_L2`` penalty is skdecay's penalty: ``alpha`` unchanged.
* celer's ``Lasso`` and ``ElasticNet`` are scikit-learn's objectives;
  its ``LogisticRegression`` is ``sum(log-loss) + ||w||_1 / C``: ``C = 1 / (alpha n)``.
* glum minimises ``deviance / (2 * sum(sample_weight)) + penalty`` with the
  sample weights normalised to sum to one. The normal deviance is the squared
  error and the binomial deviance twice the log-loss, so both are skdecay's
  mean losses and glum's ``alpha`` and ``l1_ratio`` are skdecay's.

Two peers minimise a *different* function. They are kept, not patched, and
their rows carry a note; the benchmark only checks how close they get to the
common optimum:

* celer's ``LogisticRegression`` has no intercept (``fit_intercept=True``
  raises ``NotImplementedError``), so it is fitted without one. On data whose
  optimal intercept is not zero it cannot reach the 1e-6 gap ("did not reach",
  with the best gap it got). On the problems fitted without an intercept
  (benchopt's, ``Problem.fit_intercept=False``) it minimises the common
  function, and the note does not apply.
* ``LogisticRegression(solver='liblinear')`` penalises the intercept (liblinear
  appends a constant feature of value ``intercept_scaling=1`` to ``X``). Its
  optimum is shifted by ``O(alpha)``, which costs only ``O(alpha^2)`` in the
  objective: with the small alphas of these problems (``1 / n`` for C=1) the
  gap is typically below 1e-6, so it may well "reach"; with a larger alpha it
  would not.

Not covered: skglm, celer and glum have no multinomial logistic loss (skglm
and celer fit multiclass problems one-vs-rest, a different objective), and
celer has no pure-L2 estimator, so they have no row on those problems.

Peers checked to install and import with numpy 2.4.6, scipy 1.17.1,
scikit-learn 1.9.1 on Python 3.11: skglm 0.5, celer 0.7.4, glum 3.4.1. None had
to be dropped.

Each library gets generous iteration limits, so that ``tol`` (and the
benchmark's per-fit timeout) is what stops a fit, not ``max_iter``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Iteration caps high enough never to bind before ``tol`` (or the timeout).
MAX_ITER = 100_000
#: Caps for the outer (working-set or IRLS) loops of skglm, celer and glum.
MAX_OUTER = 1_000


@dataclass(frozen=True)
class Problem:
    """A problem on skdecay's scale, as the runners need it."""

    loss: str  # 'squared', 'logistic' or 'multinomial'
    penalty: str  # 'l2', 'l1' or 'elasticnet'
    l1_ratio: float  # 0 for 'l2', 1 for 'l1'
    alpha: float  # skdecay's alpha
    n_samples: int
    sparse: bool
    fit_intercept: bool = True

    @property
    def sklearn_C(self) -> float:
        """``LogisticRegression(C=...)`` (and celer's) for this ``alpha``."""
        return 1.0 / (self.alpha * self.n_samples)


def _never(problem: Problem) -> bool:
    return False


@dataclass(frozen=True)
class Runner:
    """One (library, solver) pair and how to build it for a problem."""

    library: str
    solver: str
    module: str  # the module to import; its absence makes the row "n/a"
    applies: Callable[[Problem], bool]
    build: Callable[[Problem, float | None], Any]
    #: When true the solver ignores ``tol`` (direct solvers): fitted once.
    tol_free: Callable[[Problem], bool] = field(default=_never)
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.library} {self.solver}"


# --------------------------------------------------------------------- skdecay


def skdecay_runner(solver: str) -> Runner:
    """skdecay with ``solver`` ('auto' or an explicit name)."""

    def build(problem: Problem, tol: float | None):
        from skdecay import DecayLinearRegressor, DecayLogisticClassifier

        cls = (
            DecayLinearRegressor
            if problem.loss == "squared"
            else DecayLogisticClassifier
        )
        return cls(
            alpha=problem.alpha,
            penalty=problem.penalty,
            l1_ratio=problem.l1_ratio,
            solver=solver,
            tol=tol,
            max_iter=MAX_ITER,
            fit_intercept=problem.fit_intercept,
        )

    return Runner("skdecay", solver, "skdecay", lambda p: True, build)


# ---------------------------------------------------------------- scikit-learn


def _is(loss: str | tuple[str, ...], penalty: str | tuple[str, ...]):
    losses = (loss,) if isinstance(loss, str) else loss
    penalties = (penalty,) if isinstance(penalty, str) else penalty
    return lambda p: p.loss in losses and p.penalty in penalties


def _sklearn_ridge(solver: str) -> Runner:
    def build(problem: Problem, tol: float | None):
        from sklearn.linear_model import Ridge

        kwargs = {} if tol is None else {"tol": tol}
        return Ridge(
            alpha=problem.alpha * problem.n_samples,
            solver=solver,
            max_iter=None if solver in ("auto", "cholesky") else MAX_ITER,
            random_state=0,
            fit_intercept=problem.fit_intercept,
            **kwargs,
        )

    # 'auto' picks 'cholesky' for dense X with an intercept: a direct solve.
    tol_free = (
        (lambda p: not p.sparse)
        if solver == "auto"
        else (lambda p: True)
        if solver == "cholesky"
        else _never
    )
    return Runner(
        "sklearn", f"Ridge({solver})", "sklearn", _is("squared", "l2"), build, tol_free
    )


def _sklearn_lasso(problem: Problem, tol: float | None):
    from sklearn.linear_model import Lasso

    return Lasso(
        alpha=problem.alpha,
        tol=tol,
        max_iter=MAX_ITER,
        fit_intercept=problem.fit_intercept,
    )


def _sklearn_enet(problem: Problem, tol: float | None):
    from sklearn.linear_model import ElasticNet

    return ElasticNet(
        alpha=problem.alpha,
        l1_ratio=problem.l1_ratio,
        tol=tol,
        max_iter=MAX_ITER,
        fit_intercept=problem.fit_intercept,
    )


def _sklearn_logistic(solver: str, applies, note: str = "") -> Runner:
    def build(problem: Problem, tol: float | None):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=problem.sklearn_C,
            l1_ratio=problem.l1_ratio,
            solver=solver,
            tol=tol,
            max_iter=MAX_ITER,
            random_state=0,
            fit_intercept=problem.fit_intercept,
        )

    return Runner(
        "sklearn",
        f"LogisticRegression({solver})",
        "sklearn",
        applies,
        build,
        note=note,
    )


# ----------------------------------------------------------------------- skglm


def _skglm_ridge(problem: Problem, tol: float | None):
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Quadratic
    from skglm.penalties import L1_plus_L2
    from skglm.solvers import AndersonCD

    return GeneralizedLinearEstimator(
        Quadratic(),
        L1_plus_L2(problem.alpha, 0.0),
        AndersonCD(tol=tol, fit_intercept=problem.fit_intercept, max_iter=MAX_OUTER),
    )


def _skglm_lasso(problem: Problem, tol: float | None):
    from skglm import Lasso

    return Lasso(
        alpha=problem.alpha,
        tol=tol,
        max_iter=MAX_OUTER,
        fit_intercept=problem.fit_intercept,
    )


def _skglm_enet(problem: Problem, tol: float | None):
    from skglm import ElasticNet

    return ElasticNet(
        alpha=problem.alpha,
        l1_ratio=problem.l1_ratio,
        tol=tol,
        max_iter=MAX_OUTER,
        fit_intercept=problem.fit_intercept,
    )


def _skglm_logistic(problem: Problem, tol: float | None):
    from skglm import SparseLogisticRegression

    return SparseLogisticRegression(
        alpha=problem.alpha,
        l1_ratio=problem.l1_ratio,
        tol=tol,
        max_iter=MAX_OUTER,
        fit_intercept=problem.fit_intercept,
    )


# ----------------------------------------------------------------------- celer


def _celer_lasso(problem: Problem, tol: float | None):
    from celer import Lasso

    return Lasso(
        alpha=problem.alpha,
        tol=tol,
        max_iter=MAX_OUTER,
        fit_intercept=problem.fit_intercept,
    )


def _celer_enet(problem: Problem, tol: float | None):
    from celer import ElasticNet

    return ElasticNet(
        alpha=problem.alpha,
        l1_ratio=problem.l1_ratio,
        tol=tol,
        max_iter=MAX_OUTER,
        fit_intercept=problem.fit_intercept,
    )


def _celer_logistic(problem: Problem, tol: float | None):
    from celer import LogisticRegression

    # celer cannot fit an intercept: a different (constrained) objective.
    return LogisticRegression(
        C=problem.sklearn_C, tol=tol, max_iter=MAX_OUTER, fit_intercept=False
    )


# ------------------------------------------------------------------------ glum


def _glum(problem: Problem, tol: float | None):
    from glum import GeneralizedLinearRegressor

    return GeneralizedLinearRegressor(
        family="normal" if problem.loss == "squared" else "binomial",
        alpha=problem.alpha,
        l1_ratio=problem.l1_ratio,
        fit_intercept=problem.fit_intercept,
        gradient_tol=tol,
        max_iter=MAX_OUTER,
    )


# -------------------------------------------------------------------- registry

_BINARY = "logistic"
_LOGISTIC = ("logistic", "multinomial")

PEERS: list[Runner] = [
    *(_sklearn_ridge(s) for s in ("auto", "cholesky", "sparse_cg", "lsqr", "sag")),
    Runner("sklearn", "Lasso", "sklearn", _is("squared", "l1"), _sklearn_lasso),
    Runner(
        "sklearn", "ElasticNet", "sklearn", _is("squared", "elasticnet"), _sklearn_enet
    ),
    _sklearn_logistic("lbfgs", _is(_LOGISTIC, "l2")),
    _sklearn_logistic("newton-cholesky", _is(_LOGISTIC, "l2")),
    _sklearn_logistic(
        "liblinear", _is(_BINARY, ("l2", "l1")), note="penalises the intercept"
    ),
    _sklearn_logistic("saga", _is(_LOGISTIC, ("l2", "l1", "elasticnet"))),
    Runner(
        "skglm",
        "GeneralizedLinearEstimator(Quadratic, L1_plus_L2, AndersonCD)",
        "skglm",
        _is("squared", "l2"),
        _skglm_ridge,
    ),
    Runner("skglm", "Lasso", "skglm", _is("squared", "l1"), _skglm_lasso),
    Runner("skglm", "ElasticNet", "skglm", _is("squared", "elasticnet"), _skglm_enet),
    Runner(
        "skglm",
        "SparseLogisticRegression",
        "skglm",
        _is(_BINARY, ("l2", "l1", "elasticnet")),
        _skglm_logistic,
    ),
    Runner("celer", "Lasso", "celer", _is("squared", "l1"), _celer_lasso),
    Runner("celer", "ElasticNet", "celer", _is("squared", "elasticnet"), _celer_enet),
    Runner(
        "celer",
        "LogisticRegression",
        "celer",
        _is(_BINARY, "l1"),
        _celer_logistic,
        note="no intercept",
    ),
    Runner(
        "glum",
        "GeneralizedLinearRegressor",
        "glum",
        _is(("squared", "logistic"), ("l2", "l1", "elasticnet")),
        _glum,
        # solver='auto' is a closed-form solve for ridge with the normal family.
        tol_free=_is("squared", "l2"),
    ),
]


def runners_for(
    problem: Problem,
    skdecay_solvers: list[str],
    libraries: list[str] | None = None,
) -> list[Runner]:
    """skdecay (auto, then each extra solver) and the peers that apply."""
    runners = [skdecay_runner(s) for s in ["auto", *skdecay_solvers]]
    runners += [r for r in PEERS if r.applies(problem)]
    if libraries:
        runners = [r for r in runners if r.library in libraries]
    return runners


def find_runner(library: str, solver: str) -> Runner:
    """The runner called ``library solver`` (any solver name for skdecay)."""
    if library == "skdecay":
        return skdecay_runner(solver)
    for runner in PEERS:
        if (runner.library, runner.solver) == (library, solver):
            return runner
    raise KeyError(f"no runner {library} {solver}")
