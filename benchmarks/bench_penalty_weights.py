"""Weighted L1 (``penalty_weights``) against skglm's ``WeightedL1``.

Both minimise ``1/(2n) ||y - X b - c||^2 + alpha * sum_j w_j |b_j|`` with an
unpenalised intercept ``c``; 10 % of the weights are 0 (unpenalised
features), the rest drawn from [0.5, 2]. For each problem the reference
optimum is the smaller objective of the two libraries at ``tol=1e-10``;
each library is then timed at the loosest of its ``tol`` values that lands
within ``1e-6`` (relative) of it. Both run in this one process, warmed up
first (compilation excluded), alternating, best of ``--repeat``.

Run from the repository root::

    pip install -e ".[bench]"
    python benchmarks/bench_penalty_weights.py [--repeat 5] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp

TOLS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
GAP = 1e-6


def _problems(scale: float):
    rng = np.random.RandomState(20261201)

    def weights(p):
        w = rng.uniform(0.5, 2.0, p)
        w[rng.permutation(p)[: p // 10]] = 0.0
        return w

    def correlated(n, p, rho=0.6):
        X = rng.randn(n, p)
        for j in range(1, p):
            X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * X[:, j]
        return X

    def target(X, k):
        beta = np.zeros(X.shape[1])
        beta[rng.permutation(X.shape[1])[:k]] = rng.randn(k)
        y = X @ beta
        return y + 0.5 * np.std(y) * rng.randn(X.shape[0])

    n = max(int(500 * scale), 50)
    X = correlated(n, 4 * n)
    yield "wide correlated dense", X, target(X, 20), weights(X.shape[1])
    n = max(int(50000 * scale), 500)
    X = rng.randn(n, 100)
    yield "tall dense", X, target(X, 30), weights(100)
    n = max(int(20000 * scale), 500)
    columns = [rng.randint(0, 30, n) for _ in range(10)]  # 10 features x 30 levels
    rows = np.repeat(np.arange(n), 10)
    cols = np.concatenate([c + 30 * f for f, c in enumerate(columns)])
    cols = cols.reshape(10, n).T.ravel()
    X = sp.csc_matrix((np.ones(rows.size), (rows, cols)), shape=(n, 300))
    yield "sparse one-hot, 300 columns", X, target(X, 40), weights(300)


def _alpha_max(X, y, w):
    yc = y - y.mean()
    grad = np.abs(X.T @ yc) / X.shape[0]
    free = w == 0
    if np.any(free):  # unpenalised columns fitted first
        Xf = X[:, free]
        Xf = Xf.toarray() if sp.issparse(Xf) else Xf
        Xf = Xf - Xf.mean(axis=0)
        coef = np.linalg.lstsq(Xf, yc, rcond=None)[0]
        grad = np.abs(X.T @ (yc - Xf @ coef)) / X.shape[0]
    return float(np.max(grad[~free] / w[~free]))


def _objective(X, y, w, alpha, coef, intercept):
    r = y - X @ coef - intercept
    return 0.5 * float(r @ r) / X.shape[0] + alpha * float(w @ np.abs(coef))


def _skdecay(X, y, w, alpha, tol):
    from skdecay import DecayLinearRegressor

    model = DecayLinearRegressor(
        penalty="l1", alpha=alpha, penalty_weights=w, tol=tol, max_iter=100000
    )
    model.fit(X, y)
    return model.coef_, float(model.intercept_)


def _skglm(X, y, w, alpha, tol):
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Quadratic
    from skglm.penalties import WeightedL1
    from skglm.solvers import AndersonCD

    model = GeneralizedLinearEstimator(
        Quadratic(),
        WeightedL1(alpha, w),
        AndersonCD(tol=tol, max_iter=1000, fit_intercept=True),
    )
    model.fit(X, y)
    return model.coef_, float(model.intercept_)


LIBRARIES = {"skdecay": _skdecay, "skglm": _skglm}


def _time(fit, X, y, w, alpha, tol, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        coef, intercept = fit(X, y, w, alpha, tol)
        best = min(best, time.perf_counter() - start)
    return best, _objective(X, y, w, alpha, coef, intercept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(
        f"# {datetime.date.today()}, {platform.machine()}, "
        f"python {platform.python_version()}, scale {args.scale}"
    )
    # Warm-up: compile both libraries' kernels on a small problem.
    rng = np.random.RandomState(0)
    Xw, yw = rng.randn(60, 12), rng.randn(60)
    for fit in LIBRARIES.values():
        for X in (Xw, sp.csc_matrix(Xw)):
            fit(X, yw, np.r_[0.0, np.ones(11)], 0.01, 1e-6)
    print("| problem | alpha / alpha_max | skdecay s (tol) | skglm s (tol) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, X, y, w in _problems(args.scale):
        top = _alpha_max(X, y, w)
        for fraction in (0.1, 0.01):
            alpha = fraction * top
            reference = min(
                _objective(X, y, w, alpha, *fit(X, y, w, alpha, 1e-10))
                for fit in LIBRARIES.values()
            )
            cells = {}
            for library, fit in LIBRARIES.items():
                cells[library] = ("did not reach", np.nan)
                for tol in TOLS:
                    seconds, value = _time(fit, X, y, w, alpha, tol, args.repeat)
                    if value - reference <= GAP * abs(reference):
                        cells[library] = (f"{seconds:.4f} ({tol:g})", seconds)
                        break
            ratio = cells["skdecay"][1] / cells["skglm"][1]
            print(
                f"| {name} | {fraction:g} | {cells['skdecay'][0]} | "
                f"{cells['skglm'][0]} | {ratio:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
