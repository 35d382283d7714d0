"""Coordinate descent against preconditioned FISTA on dense elastic nets.

The measurements behind ``solver='auto'``'s choice between the two
(``skdecay._core._solvers.prefers_first_order``): six dense designs (the
low-rank ``enet`` problem of ``bench_speed.py``, a full-rank
``make_regression``, Toeplitz-correlated designs of three shapes, and
scikit-learn's ``diabetes``) at four penalties each. For every pair the
script prints the share of features that violate the optimality conditions
at zero and the time of each solver to ``tol=1e-4`` (median of 3 fits).
Run with one BLAS thread, as the table in ``benchmarks/README.md`` was::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_enet_solver.py
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes, make_regression

sys.path.insert(0, str(Path(__file__).parent))
import bench_speed

from skdecay import DecayLinearRegressor

PENALTIES = [(0.5, 20), (0.5, 100), (0.9, 20), (0.1, 10)]  # (l1_ratio, divisor)


def alpha_max(X, y, l1_ratio):
    Xc = X - X.mean(axis=0)
    return np.abs(Xc.T @ (y - y.mean())).max() / len(y) / l1_ratio


def designs():
    rng = np.random.default_rng(
        [bench_speed.SEED, list(bench_speed.PROBLEMS).index("enet")]
    )
    X, y, _, _ = bench_speed.PROBLEMS["enet"](1.0, rng)
    yield "enet low rank 10000x1000", X, y
    X, y = make_regression(10000, 1000, n_informative=100, noise=1.0, random_state=0)
    yield "full rank 10000x1000", X, y
    for n, p in [(500, 600), (2000, 5000), (20000, 500)]:
        X, y = bench_speed._correlated_regression(np.random.default_rng(0), n, p)
        yield f"Toeplitz {n}x{p}", X, y
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes 442x10", X, y


def main():
    warnings.simplefilter("ignore")
    for name, X, y in designs():
        variance = X.var(axis=0)
        for l1_ratio, divisor in PENALTIES:
            alpha = alpha_max(X, y, l1_ratio) / divisor
            l2 = alpha * (1 - l1_ratio)
            mu = float(np.min(l2 / (variance + l2)))
            Xc = X - X.mean(axis=0)
            violating = np.mean(
                np.abs(Xc.T @ (y - y.mean())) / len(y) > alpha * l1_ratio
            )
            row = [f"{name:26s} l1_ratio={l1_ratio} max/{divisor:<3d} mu={mu:.2f} "
                   f"violating={violating:.2f}"]  # fmt: skip
            for solver in ("cd", "fista"):
                times = []
                for _ in range(3):
                    start = time.perf_counter()
                    DecayLinearRegressor(
                        penalty="elasticnet", l1_ratio=l1_ratio, alpha=alpha,
                        solver=solver, tol=1e-4, max_iter=5000,
                    ).fit(X, y)  # fmt: skip
                    times.append(time.perf_counter() - start)
                row.append(f"{solver} {np.median(times) * 1e3:8.1f} ms")
            print(" | ".join(row), flush=True)


if __name__ == "__main__":
    main()
