"""Time solver='newton' (the default without an L1 part) on four shapes.

Best of three fits after a warm-up fit on 500 rows, in one process:
dense ridge and L2 logistic regression (20000 x 200), multinomial logistic
regression (5000 x 50, 5 classes) and sparse one-hot L2 logistic regression
(a1a stacked 20 times: 32100 x 123). Run it for two versions in turn to
compare them (e.g. with ``PYTHONPATH`` pointing at a worktree of the older
commit), as recorded in ``benchmarks/README.md``::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_newton.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_svmlight_file

from skdecay import DecayLinearRegressor, DecayLogisticClassifier

A1A = Path(__file__).resolve().parents[1] / "tests" / "data" / "a1a"


def problems():
    rng = np.random.RandomState(0)
    X = rng.randn(20000, 200)
    y = X @ (rng.randn(200) / 10) + rng.randn(20000)
    Xm = rng.randn(5000, 50)
    ym = np.argmax(Xm @ rng.randn(50, 5) / 5 + rng.gumbel(size=(5000, 5)), axis=1)
    Xa, ya = load_svmlight_file(str(A1A), n_features=123)
    Xa, ya = sp.vstack([Xa] * 20).tocsr(), np.tile((ya > 0).astype(int), 20)
    return {
        "ridge, dense 20000 x 200": (DecayLinearRegressor(alpha=1e-3, tol=1e-6), X, y),
        "L2 logistic, dense 20000 x 200": (
            DecayLogisticClassifier(alpha=1e-3, tol=1e-6),
            X,
            (y > 0).astype(int),
        ),
        "multinomial, dense 5000 x 50, 5 classes": (
            DecayLogisticClassifier(alpha=1e-3, tol=1e-6),
            Xm,
            ym,
        ),
        "L2 logistic, sparse one-hot 32100 x 123": (
            DecayLogisticClassifier(alpha=1e-4, tol=1e-6),
            Xa,
            ya,
        ),
    }


def main() -> None:
    for name, (model, X, y) in problems().items():
        model.fit(X[:500], y[:500])
        times = []
        for _ in range(3):
            start = time.perf_counter()
            model.fit(X, y)
            times.append(time.perf_counter() - start)
        print(f"{name}: {1000 * min(times):.1f} ms ({model.n_iter_} iterations)")


if __name__ == "__main__":
    main()
