"""The solver files of benchmarks/benchopt/ solve the benchmarks' own objectives.

Each file maps a benchopt benchmark's objective (a *summed* loss plus
``lmbd`` times a penalty) onto skdecay's (the *mean* loss plus ``alpha``
times it). These tests load the files as benchopt would, without benchopt
installed (a stand-in for the two names they import), and check that the
solution reaches the optimum of the benchmark's objective as written in
that benchmark's ``objective.py``, found independently by scikit-learn.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import Lasso, LogisticRegression

SOLVERS = Path(__file__).resolve().parents[1] / "benchmarks" / "benchopt"


@pytest.fixture(scope="module")
def load_solver():
    """``load(benchmark)``: the ``Solver`` class of that benchmark's file."""
    stub = None
    if importlib.util.find_spec("benchopt") is None:
        stub = types.ModuleType("benchopt")

        class BaseSolver:
            parameters: dict = {}

            def __init__(self):
                # benchopt sets each parameter to its first value by default.
                for name, values in self.parameters.items():
                    setattr(self, name, values[0])

        @contextlib.contextmanager
        def safe_import_context():
            yield types.SimpleNamespace(failed_import=False)

        stub.BaseSolver = BaseSolver
        stub.safe_import_context = safe_import_context
        sys.modules["benchopt"] = stub

    def load(benchmark):
        path = SOLVERS / f"benchmark_{benchmark}" / "solvers" / "skdecay.py"
        spec = importlib.util.spec_from_file_location(f"_bo_{benchmark}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.Solver

    yield load
    if stub is not None:
        del sys.modules["benchopt"]


def _correlated(n_samples, n_features, seed):
    rng = np.random.RandomState(seed)
    X = np.empty((n_samples, n_features), order="F")
    X[:, 0] = rng.randn(n_samples)
    for j in range(1, n_features):
        X[:, j] = 0.6 * X[:, j - 1] + 0.8 * rng.randn(n_samples)
    w = np.zeros(n_features)
    w[rng.choice(n_features, n_features // 5, replace=False)] = rng.randn(
        n_features // 5
    )
    return X, X @ w + 0.5 * rng.randn(n_samples)


def _new(Solver):
    """An instance with its default parameters, as benchopt makes one."""
    get_instance = getattr(Solver, "get_instance", None)
    return get_instance() if get_instance is not None else Solver()


def _solve(Solver, n_iter=500, **objective):
    solver = _new(Solver)
    solver.set_objective(**objective)
    solver.warm_up()
    solver.run(0)
    start = solver.get_result()["beta"]
    solver.run(n_iter)
    return start, solver.get_result()["beta"]


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_lasso_objective(load_solver, fit_intercept):
    # benchmark_lasso: 0.5 ||y - Xw - b||^2 + lmbd ||w||_1, beta = [w, b].
    X, y = _correlated(40, 120, 0)
    y = y + 3.0
    centred = y - y.mean() if fit_intercept else y
    lmbd = 0.1 * np.abs(X.T @ centred).max()

    def objective(beta):
        w, b = (beta[:-1], beta[-1]) if fit_intercept else (beta, 0.0)
        r = y - X @ w - b
        return 0.5 * r @ r + lmbd * np.abs(w).sum()

    start, beta = _solve(
        load_solver("lasso"), X=X, y=y, lmbd=lmbd, fit_intercept=fit_intercept
    )
    assert start.shape == beta.shape == (120 + fit_intercept,)
    assert not start.any()
    ref = Lasso(alpha=lmbd / 40, fit_intercept=fit_intercept, tol=1e-14)
    ref.fit(X, y)
    ref_beta = np.r_[ref.coef_, ref.intercept_] if fit_intercept else ref.coef_
    best = objective(ref_beta)
    assert objective(beta) <= best * (1 + 1e-9)
    np.testing.assert_allclose(beta, ref_beta, atol=1e-6 * np.abs(ref_beta).max())


def _logistic(beta, X, y):
    return np.log1p(np.exp(-y * (X @ beta))).sum()


def test_logreg_l1_objective(load_solver):
    # benchmark_logreg_l1: sum log(1 + exp(-y Xw)) + lmbd ||w||_1, y in {-1, 1}.
    X, y = _correlated(60, 100, 1)
    y = 2 * (y > 0) - 1  # int64, as the benchmark's dataset gives it
    lmbd = 0.1 * np.abs(X.T @ y).max() / 2
    _, beta = _solve(load_solver("logreg_l1"), n_iter=100, X=X, y=y, lmbd=lmbd)
    ref = LogisticRegression(
        C=1 / lmbd, l1_ratio=1.0, solver="liblinear", fit_intercept=False,
        tol=1e-12, max_iter=100_000,
    ).fit(X, y)  # fmt: skip
    best = _logistic(ref.coef_.ravel(), X, y) + lmbd * np.abs(ref.coef_).sum()
    assert _logistic(beta, X, y) + lmbd * np.abs(beta).sum() <= best * (1 + 1e-9)


@pytest.mark.parametrize("lmbd", [1.0, 0.01])
def test_logreg_l2_objective(load_solver, lmbd):
    # benchmark_logreg_l2: sum log(1 + exp(-y Xw)) + lmbd / 2 ||w||^2.
    rng = np.random.RandomState(2)
    X = rng.randn(80, 30)
    y = np.sign(X @ rng.randn(30) + 0.5 * rng.randn(80))
    _, beta = _solve(load_solver("logreg_l2"), n_iter=50, X=X, y=y, lmbd=lmbd)
    ref = LogisticRegression(
        C=1 / lmbd, solver="lbfgs", fit_intercept=False, tol=1e-14, max_iter=10_000
    ).fit(X, y)
    w = ref.coef_.ravel()
    best = _logistic(w, X, y) + 0.5 * lmbd * w @ w
    assert _logistic(beta, X, y) + 0.5 * lmbd * beta @ beta <= best * (1 + 1e-9)


@pytest.mark.parametrize("benchmark", ["lasso", "logreg_l1", "logreg_l2"])
def test_sampling(load_solver, benchmark):
    # Points at every iteration up to 5, then at most 20 % apart.
    Solver = load_solver(benchmark)
    assert Solver.sampling_strategy == "iteration"
    stops, stop = [], 0
    while stop < 300:
        stop = _new(Solver).get_next(stop)
        stops.append(stop)
    steps = np.diff([0, *stops])
    assert np.all(steps >= 1)
    assert stops[:5] == [1, 2, 3, 4, 5]
    assert np.all(np.array(stops[1:]) <= 1.2 * np.array(stops[:-1]) + 1)
