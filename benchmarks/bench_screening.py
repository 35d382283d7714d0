"""Would gap-safe screening pay inside working-set coordinate descent?

Issue 13 asks for "gap-safe screening where it pays". A gap-safe rule
(Fercoq, Gramfort and Salmon, 2015; Ndiaye et al., 2017) proves a feature
zero at the optimum from a duality gap: with ``theta`` the rescaled residual
(a dual feasible point) and ``r = sqrt(2 gap / (n lambda^2))`` the radius of
a ball that holds the dual optimum, feature ``j`` is zero at the optimum if
``|x_j^T theta| + ||x_j|| r < 1``. A screened feature is dropped from every
later pass over the data.

Working-set coordinate descent already restricts its sweeps to a small set
of features; what a screened feature could still cost it is its share of
the full gradient ``X^T G`` that each outer round takes to score the
violations and choose the next set. This script measures, for the lasso
problems of ``bench_speed.py``, an upper bound on what screening could save:

* the fit's time (``solver='auto'``, ``tol=1e-4``, median of 7);
* the outer rounds (full gradients, counted by wrapping coordinate descent's
  outer gradient) and the time of one full gradient (median of 30);
* at each round's iterate, the share of features the gap-safe rule screens;
* the bound: the full gradients of every round after the first, each
  restricted to the features screened at the round before, as a share of
  the fit's time. The rule's own cost (the gap, column norms) is left out,
  so the real saving is smaller still.

The tall problems are left out: their fit runs on the compressed
``(p + 1) x p`` problem, where a full gradient costs ``p^2``.

Run from the repository root (the data are the cached ``bench_speed.py``
problems, generated on first use)::

    python benchmarks/bench_screening.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_speed

from skdecay import DecayLinearRegressor
from skdecay._core._solvers import _cd

PROBLEMS = [
    "lasso_dense",
    "lasso_sparse",
    "lasso_corr_100x10000",
    "lasso_corr_100x10000_intercept",
    "lasso_corr_500x600",
    "lasso_corr_500x600_intercept",
    "lasso_onehot_320",
]
TOL = 1e-4


def _median_time(fit, repeat: int) -> float:
    fit()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fit()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _centred_norms(X, fit_intercept: bool) -> np.ndarray:
    n = X.shape[0]
    if sp.issparse(X):
        squares = np.asarray(X.multiply(X).sum(axis=0)).ravel()
        means = np.asarray(X.mean(axis=0)).ravel()
    else:
        squares = np.einsum("ij,ij->j", X, X)
        means = X.mean(axis=0)
    if fit_intercept:
        squares = squares - n * means**2
    return np.sqrt(np.maximum(squares, 0.0))


def screened_share(X, y, w, lam, norms, fit_intercept: bool) -> float:
    """The share of features the gap-safe sphere test screens at ``w``.

    Lasso ``(1/2n) ||y - X w - b||^2 + lam ||w||_1``; with an intercept the
    best one for ``w`` (centred residual, centred ``X`` implicitly: a
    residual that sums to zero has ``X^T r = X_c^T r``).
    """
    n = X.shape[0]
    residual = y - X @ w
    target = y
    if fit_intercept:
        residual = residual - residual.mean()
        target = y - y.mean()
    correlations = X.T @ residual
    primal = residual @ residual / (2 * n) + lam * np.abs(w).sum()
    rescale = 1.0 / max(n * lam, np.abs(correlations).max())
    theta = residual * rescale
    shift = theta - target / (n * lam)
    dual = target @ target / (2 * n) - n * lam**2 / 2 * (shift @ shift)
    gap = max(primal - dual, 0.0)
    radius = np.sqrt(2 * gap / (n * lam**2))
    return float(np.mean(np.abs(correlations) * rescale + norms * radius < 1.0))


def measure(name: str, repeat: int) -> dict:
    X, y, meta = bench_speed.load_problem(bench_speed.cached_problem(name, 1.0))
    fit_intercept = meta.get("fit_intercept", True)
    lam = meta["alpha"] * meta["l1_ratio"]
    model = DecayLinearRegressor(
        alpha=meta["alpha"], penalty=meta["penalty"], l1_ratio=meta["l1_ratio"],
        fit_intercept=fit_intercept, tol=TOL,
    )  # fmt: skip
    fit_time = _median_time(lambda: model.fit(X, y), repeat)

    iterates = []
    outer_gradient = _cd._Outer.gradient

    def recording(self, W, Z):
        iterates.append(np.array(W[:, 0], dtype=np.float64))
        return outer_gradient(self, W, Z)

    _cd._Outer.gradient = recording
    try:
        model.fit(X, y)
    finally:
        _cd._Outer.gradient = outer_gradient
    if not iterates:
        raise RuntimeError(f"{name}: the fit did not run coordinate descent")

    residual = y - y.mean()
    gradient_time = _median_time(lambda: X.T @ residual, 30)
    norms = _centred_norms(X, fit_intercept)
    # The preparation's gradient at zero is the first round's, then one per
    # recorded iterate; each round could skip the features screened at the
    # round before (the test at a point needs that point's gradient).
    points = [np.zeros(X.shape[1]), *iterates]
    shares = [screened_share(X, y, w, lam, norms, fit_intercept) for w in points]
    saved = gradient_time * sum(shares[:-1])
    return dict(
        name=name,
        shape=f"{X.shape[0]} x {X.shape[1]}" + (" sparse" if sp.issparse(X) else ""),
        fit_ms=fit_time * 1e3,
        rounds=len(points),
        gradient_ms=gradient_time * 1e3,
        gradient_share=gradient_time * len(points) / fit_time,
        first=shares[1],
        last=shares[-1],
        support=int(np.count_nonzero(model.coef_)),
        bound=saved / fit_time,
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", nargs="+", default=PROBLEMS)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    print(
        "| problem | shape | fit ms | rounds | one gradient ms | gradients / fit "
        "| screened after round 1 | screened at the end | support | bound / fit |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.problems:
        row = measure(name, args.repeat)
        print(
            f"| {row['name']} | {row['shape']} | {row['fit_ms']:.2f} | "
            f"{row['rounds']} | {row['gradient_ms']:.3f} | "
            f"{row['gradient_share']:.0%} | {row['first']:.0%} | {row['last']:.0%} | "
            f"{row['support']} | {row['bound']:.0%} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
