"""The violation a solver reports at its returned point is the one the
caller would measure: a fit stopped by ``max_iter`` reuses it instead of
paying one more gradient (two passes over ``X``)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes

from skdecay._core import _problem
from skdecay._core._penalties import make_penalty
from skdecay._core._problem import prepare_problem, solve_prepared
from skdecay._core._solvers import SOLVERS, Solver


def _prepared(loss, solver, sparse, fit_intercept=True):
    if loss == "squared":
        X, y = load_diabetes(return_X_y=True)
        Y = y[:, None]
    else:
        X, y = load_breast_cancer(return_X_y=True)
        Y = y[:, None].astype(float)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > np.median(np.abs(X)), X, 0.0))
    return prepare_problem(
        X, Y, np.ones(X.shape[0]), loss=loss, fit_intercept=fit_intercept,
        solver=SOLVERS[solver],
    )  # fmt: skip


CASES = [
    ("squared", "cd", "l1"),
    ("squared", "cd", "elasticnet"),
    ("logistic", "cd", "l1"),
    ("logistic", "prox_newton", "l1"),
    ("squared", "newton", "l2"),
    ("logistic", "newton", "l2"),
    ("logistic", "fista", "l1"),  # measures nothing: the caller does
]


@pytest.mark.parametrize("loss, solver, penalty", CASES)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("max_iter", [1, 3])
def test_reported_violation_is_the_measured_one(
    monkeypatch, loss, solver, penalty, sparse, max_iter
):
    prepared = _prepared(loss, solver, sparse)
    pen = make_penalty(penalty, 1e-3, 0.5)
    reported = solve_prepared(prepared, penalty=pen, max_iter=max_iter, tol=0.0)
    assert not reported.converged and np.isfinite(reported.violation)

    calls = []
    violation_at = _problem._violation_at

    def measured_by_the_caller(*args):
        calls.append(1)
        return violation_at(*args)

    run = Solver.run

    def forgetting(self, *args, **kwargs):
        return run(self, *args, **kwargs)._replace(violation=np.nan)

    monkeypatch.setattr(_problem, "_violation_at", measured_by_the_caller)
    monkeypatch.setattr(Solver, "run", forgetting)
    measured = solve_prepared(prepared, penalty=pen, max_iter=max_iter, tol=0.0)
    assert calls, "the caller measured the violation itself"
    np.testing.assert_array_equal(measured.coef, reported.coef)
    np.testing.assert_allclose(
        reported.violation, measured.violation, rtol=1e-7, atol=1e-12
    )  # relative to the residual at zero: rounding is 1e-16


def test_no_extra_gradient_after_a_measured_stop(monkeypatch):
    prepared = _prepared("squared", "cd", sparse=False)
    calls = []
    monkeypatch.setattr(_problem, "_violation_at", lambda *a: calls.append(1))
    result = solve_prepared(
        prepared, penalty=make_penalty("l1", 1e-3), max_iter=1, tol=0.0
    )
    assert not result.converged and np.isfinite(result.violation) and not calls


@pytest.mark.parametrize(
    "loss, solver, penalty",
    [("squared", "cd", "l1"), ("logistic", "prox_newton", "l1")],
)
@pytest.mark.parametrize("sparse", [False, True])
def test_a_cold_start_reuses_the_preparations_gradient(
    monkeypatch, loss, solver, penalty, sparse
):
    """The gradient at zero handed over is the one the solver would compute:
    the same fit without one pass over X."""
    prepared = _prepared(loss, solver, sparse)
    pen = make_penalty(penalty, 1e-3)
    given = solve_prepared(prepared, penalty=pen, max_iter=100, tol=1e-8)
    run = Solver.run
    monkeypatch.setattr(
        Solver, "run", lambda self, *a: run(self, *a[:7], start_gradient=None)
    )
    computed = solve_prepared(prepared, penalty=pen, max_iter=100, tol=1e-8)
    assert given.n_iter == computed.n_iter
    np.testing.assert_allclose(given.coef, computed.coef, rtol=1e-9, atol=1e-12)
