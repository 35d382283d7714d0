"""The recipe of doc/engine.rst, followed for a loss skdecay does not ship.

The log-cosh loss ``log(cosh(z - y))`` (smooth, robust, curvature at most 1)
is written as a NumPy datafit and as compiled functions, registered, and
solved by every solver without changing any of them. scipy's L-BFGS on the
same objective is the reference.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from numba import njit
from scipy.optimize import minimize
from sklearn.datasets import load_diabetes

from skdecay._core import _datafits, _losses
from skdecay._core._datafits import Datafit
from skdecay._core._penalties import L1, L2, ElasticNet
from skdecay._core._problem import prepare_problem, solve_prepared
from skdecay._core._solvers import SOLVERS

CODE = 17


# -- 1. the datafit object (NumPy) ---------------------------------------------


class LogCosh(Datafit):
    name = "logcosh"
    code = CODE
    curvature = 1.0
    separable = True

    @staticmethod
    def _rows(R):
        return np.abs(R) + np.log1p(np.exp(-2.0 * np.abs(R))) - math.log(2.0)

    def value(self, Y, Z, weights):
        return float(weights @ self._rows(Z - Y).sum(axis=1))

    def gradient(self, Y, Z, weights):
        return self.value(Y, Z, weights), weights[:, None] * np.tanh(Z - Y)

    def hessian_apply(self, Y, Z, weights, V):
        return weights[:, None] * (1.0 - np.tanh(Z - Y) ** 2) * V

    def row_curvature(self, Y, Z, weights):
        if Y.shape[1] != 1:
            return None
        return weights * (1.0 - np.tanh(Z[:, 0] - Y[:, 0]) ** 2)

    def intercept_at_zero(self, Y, weights):
        b = np.median(Y, axis=0).astype(np.float64)
        for _ in range(50):  # Newton on the intercept alone
            R = b - Y
            b = b - (weights @ np.tanh(R)) / np.maximum(
                weights @ (1.0 - np.tanh(R) ** 2), 1e-12
            )
        return b


# -- 2. the compiled functions -------------------------------------------------


@njit(cache=True, nogil=True)
def _row_loss(r):
    a = abs(r)
    return a + math.log1p(math.exp(-2.0 * a)) - math.log(2.0)


@njit(cache=True, nogil=True)
def logcosh_value(loss, Y, Z, weights):
    total = 0.0
    for i in range(Z.shape[0]):
        for k in range(Z.shape[1]):
            total += weights[i] * _row_loss(Z[i, k] - Y[i, k])
    return total


@njit(cache=True, nogil=True)
def logcosh_gradient(loss, Y, Z, weights, G):
    total = 0.0
    for i in range(Z.shape[0]):
        for k in range(Z.shape[1]):
            r = Z[i, k] - Y[i, k]
            total += weights[i] * _row_loss(r)
            G[i, k] = weights[i] * math.tanh(r)
    return total


@njit(cache=True, nogil=True)
def logcosh_row_value(loss, Y, Z, i):
    total = 0.0
    for k in range(Z.shape[1]):
        total += _row_loss(Z[i, k] - Y[i, k])
    return total


@njit(cache=True, nogil=True)
def logcosh_derivative(loss, y, z):
    return math.tanh(z - y)


@njit(cache=True, nogil=True)
def logcosh_row_derivative(loss, Y, Z, i, out):
    for k in range(Z.shape[1]):
        out[k] = math.tanh(Z[i, k] - Y[i, k])


@njit(cache=True, nogil=True)
def logcosh_hessian_apply(loss, Y, Z, weights, V, out):
    for i in range(Z.shape[0]):
        for k in range(Z.shape[1]):
            t = math.tanh(Z[i, k] - Y[i, k])
            out[i, k] = weights[i] * (1.0 - t * t) * V[i, k]


@njit(cache=True, nogil=True)
def logcosh_bregman(loss, Y, Z, Z_new, weights):
    total = 0.0
    for i in range(Z.shape[0]):
        for k in range(Z.shape[1]):
            r = Z[i, k] - Y[i, k]
            r_new = Z_new[i, k] - Y[i, k]
            gap = _row_loss(r_new) - _row_loss(r) - math.tanh(r) * (r_new - r)
            total += weights[i] * max(gap, 0.0)
    return total


# -- 3. registration -------------------------------------------------------------


class LogCoshLoss(NamedTuple):
    """Marker: compile for the log-cosh loss."""


def register():
    datafit = LogCosh()
    _datafits.DATAFITS[datafit.name] = datafit
    _datafits.DATAFITS_BY_CODE[CODE] = datafit
    _losses.LOSS_MARKERS[CODE] = LogCoshLoss()
    _losses._REGISTRY[LogCoshLoss] = {
        "value": logcosh_value,
        "gradient": logcosh_gradient,
        "derivative": logcosh_derivative,
        "row_derivative": logcosh_row_derivative,
        "row_value": logcosh_row_value,
        "hessian_apply": logcosh_hessian_apply,
        "bregman": logcosh_bregman,
        "separable": True,
    }


# -- the check -------------------------------------------------------------------


def _reference(X, y, penalty):
    """The objective's minimum by L-BFGS on a smooth reformulation."""
    n, p = X.shape
    l1, l2 = penalty.strengths(p)
    datafit = LogCosh()
    weights = np.full(n, 1.0 / n)

    def objective(theta):
        # w = u - v with u, v >= 0 makes the L1 part smooth.
        u, v, b = theta[:p], theta[p : 2 * p], theta[2 * p]
        w = u - v
        R = (X @ w + b - y)[:, None]
        value = datafit.value(y[:, None], R + y[:, None], weights)
        g = X.T @ (weights * np.tanh(R[:, 0]))
        decay = l2 * w
        grad_u = g + l1 + decay
        grad_v = -g + l1 - decay
        total = value + l1 @ (u + v) + 0.5 * l2 @ (w * w)
        return total, np.r_[grad_u, grad_v, weights @ np.tanh(R[:, 0])]

    bounds = [(0, None)] * (2 * p) + [(None, None)]
    result = minimize(
        objective, np.zeros(2 * p + 1), jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-12},
    )  # fmt: skip
    return result.fun


PENALTIES = {"l2": L2(1e-3), "l1": L1(2e-3), "enet": ElasticNet(2e-3, 0.5)}


def _data():
    X, y = load_diabetes(return_X_y=True)
    return X * 10.0, (y - y.mean()) / y.std()


def _solve_all() -> dict:
    """Every (solver, penalty) on the registered loss (run in a subprocess)."""
    register()
    X, y = _data()
    results = {}
    for name, solver in SOLVERS.items():
        prepared = prepare_problem(
            X, y[:, None], np.ones(len(y)), loss="logcosh", fit_intercept=True,
            solver=solver,
        )  # fmt: skip
        for key, penalty in PENALTIES.items():
            if solver.smooth_only and not penalty.is_smooth:
                continue
            result = solve_prepared(prepared, penalty=penalty, max_iter=20000, tol=1e-9)
            results[f"{name}-{key}"] = [bool(result.converged), result.objective]
    return results


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The solves, in a process with a Numba cache of its own.

    Kernels specialised on this test's marker would put its type into the
    package's shared cache index, which another process (one that cannot
    import this test module) could then not read; a loss that lives in the
    package, as the recipe says, has no such problem.
    """
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).parent), env.get("PYTHONPATH", "")]
    )
    code = "import json, test_new_loss_recipe as t; print(json.dumps(t._solve_all()))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("key", list(PENALTIES))
@pytest.mark.parametrize("name", list(SOLVERS))
def test_every_solver_runs_a_registered_loss(solved, name, key):
    penalty = PENALTIES[key]
    if SOLVERS[name].smooth_only and not penalty.is_smooth:
        assert f"{name}-{key}" not in solved
        return
    converged, objective = solved[f"{name}-{key}"]
    assert converged
    X, y = _data()
    assert objective == pytest.approx(_reference(X, y, penalty), rel=1e-7)
