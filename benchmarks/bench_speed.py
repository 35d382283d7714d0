"""Time skdecay and its peers to the same optimum, problem by problem.

For each problem the script first fits every (library, solver) pair at its
tightest ``tol`` and takes the smallest objective any of them finds as the
reference optimum. It then times every pair again, trying its own ``tol``
values from the loosest down, and keeps the first (loosest) one whose
objective is within ``1e-6`` (relative) of the reference. All objectives are
evaluated with :func:`skdecay.decay_objective` on skdecay's scale, so a peer
that minimises a different function (celer's logistic regression has no
intercept; see ``_peers.py``) shows up as "did not reach", with the best gap
it got.

Run from the repository root::

    pip install -e ".[bench]"
    python benchmarks/bench_speed.py                        # every problem, full size
    python benchmarks/bench_speed.py --scale 0.05 --timeout 30     # quick smoke run
    python benchmarks/bench_speed.py --problems lasso_dense enet \\
        --skdecay-solvers fista,cd --out benchmarks/results/speed.md

How it measures:

* Each (library, solver, problem) runs in a fresh Python process, so memory
  and JIT state do not leak between libraries. The process loads the cached
  data, then does one warm-up fit on the first 300 rows, so the Numba JIT
  compilation of skdecay and skglm is excluded from the times.
* ``fit`` is timed with ``time.perf_counter``: the best of ``--repeat`` fits
  when a fit takes under 2 s, a single fit otherwise. A fit that runs longer
  than ``--timeout`` seconds is killed (with its process) and reported as
  "timeout"; the tighter ``tol`` values of that pair are then skipped.
* Extra peak memory of a fit: the peak resident set size is reset (write
  ``5`` to ``/proc/self/clear_refs``) just before ``fit``; the figure is
  ``VmHWM`` after the fit minus ``VmRSS`` before it (Linux only).
* The data are generated from fixed seeds and cached under
  ``benchmarks/results/`` (git-ignored); dense arrays are C-ordered float64,
  sparse ones CSC float64 (CSR for the one-hot designs, as ``OneHotEncoder``
  and ``load_svmlight_file`` give them), passed as is to every library (a
  library that wants another layout pays for the conversion inside ``fit``).

The problems: the first seven are issue 3's. Then come the simulated problems
of benchopt's public benchmarks (``benchmark_lasso``, ``benchmark_logreg_l1``,
``benchmark_logreg_l2``), on benchopt's scale and with its data generator's
recipe (Toeplitz-correlated Gaussian features, ``rho=0.6``; a dense true
coefficient vector with 20 % non-zeros; signal-to-noise ratio 3; the
logistic labels are the signs of the regression targets): the wide lasso
with and without intercept, the L1 logistic regression with ``p >> n`` and
the small L2 logistic regressions, all without intercept as benchopt fits
them unless the name says ``intercept``. Last, the shapes users bring: a
sparse one-hot design like the Adult census data (LIBSVM's ``a1a``..``a9a``:
123 binary columns in 14 groups, one active column per group and row),
one-hot lasso with a few hundred columns, and tall dense lasso and elastic
net at a weak and a strong penalty; then the L1 multinomial, tall (20000 x
100, 10 classes) and wide (500 x 2000, correlated, 3 classes), whose only
peer is scikit-learn's saga (skglm, celer and glum fit no multinomial loss).
* Threads are not limited; the BLAS in use is printed first.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.util
import json
import math
import os
import platform
import queue
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peers import Problem, Runner, find_runner, runners_for

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
#: Bump to regenerate the cached data after changing a generator.
DATA_VERSION = 1
SEED = 20261123
#: Every tol tried, loosest first; the last one gives the reference.
TOLS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
#: Target relative gap to the reference objective.
GAP = 1e-6
#: Fits shorter than this are repeated ``--repeat`` times (best time kept).
REPEAT_BELOW_S = 2.0
WARMUP_ROWS = 300
#: Lines of the child's stdout that carry results start with this.
MARK = "@@bench "


# ------------------------------------------------------------------ problems


def _n(size: int, scale: float, minimum: int) -> int:
    return max(minimum, round(size * scale))


def _uneven_dense(rng, n: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal features; a third of the columns times 10 to 100."""
    X = rng.standard_normal((n, p))
    factors = np.ones(p)
    columns = rng.choice(p, size=max(1, p // 3), replace=False)
    factors[columns] = rng.uniform(10.0, 100.0, size=columns.size)
    X *= factors
    return X, factors


def _sparse(rng, n: int, p: int, density: float) -> sp.csc_matrix:
    return sp.random(
        n, p, density=density, format="csc", dtype=np.float64, rng=rng,
        data_rvs=rng.standard_normal,
    )  # fmt: skip


def _sparse_coef(rng, p: int, scale: float = 1.0) -> np.ndarray:
    coef = np.zeros(p)
    support = rng.choice(p, size=max(5, p // 100), replace=False)
    coef[support] = scale * rng.standard_normal(support.size)
    return coef


def _alpha_max(
    X, y: np.ndarray, l1_ratio: float = 1.0, *, fit_intercept: bool = True
) -> float:
    """Smallest alpha with an all-zero solution.

    With an intercept, ``X_c^T (y - ybar) == X^T (y - ybar)`` because
    ``y - ybar`` sums to zero, so centring ``X`` is implicit and sparse ``X``
    stays sparse. The same formula holds for the logistic loss with 0/1
    labels. Without an intercept the prediction at zero is ``0`` (squared
    loss) or probability ``1/2`` (logistic loss; pass ``y - 1/2``).
    """
    residual = y - y.mean() if fit_intercept else y
    grad = X.T @ residual
    return float(np.max(np.abs(grad)) / (X.shape[0] * l1_ratio))


def _bernoulli(rng, z: np.ndarray) -> np.ndarray:
    return (rng.random(z.shape[0]) < 1.0 / (1.0 + np.exp(-z))).astype(np.int64)


def make_ridge(scale: float, rng):
    n, p = _n(100_000, scale, 400), _n(150, scale, 5)
    X, factors = _uneven_dense(rng, n, p)
    y = X @ (rng.standard_normal(p) / factors) + 1.5 + rng.standard_normal(n)
    desc = f"dense {n} x {p}, a third of the columns x10-100; Ridge(alpha=1)"
    return X, y, dict(loss="squared", penalty="l2", l1_ratio=0.0, alpha=1.0 / n), desc


def make_lasso_dense(scale: float, rng):
    n, p = _n(1_000, scale, 50), _n(5_000, scale, 100)
    X = rng.standard_normal((n, p))
    y = X @ _sparse_coef(rng, p) + 2.0 + 0.5 * rng.standard_normal(n)
    alpha = _alpha_max(X, y) / 20
    desc = f"dense {n} x {p}; alpha = alpha_max / 20"
    return X, y, dict(loss="squared", penalty="l1", l1_ratio=1.0, alpha=alpha), desc


def make_lasso_sparse(scale: float, rng):
    n, p = _n(20_000, scale, 200), _n(50_000, scale, 500)
    X = _sparse(rng, n, p, 0.001)
    y = X @ _sparse_coef(rng, p) + 1.0 + 0.5 * rng.standard_normal(n)
    alpha = _alpha_max(X, y) / 20
    desc = f"sparse CSC {n} x {p}, density 0.001; alpha = alpha_max / 20"
    return X, y, dict(loss="squared", penalty="l1", l1_ratio=1.0, alpha=alpha), desc


def make_enet(scale: float, rng):
    from sklearn.datasets import make_regression

    n, p = _n(10_000, scale, 200), _n(1_000, scale, 20)
    rank = _n(50, scale, 5)
    X, y = make_regression(
        n_samples=n,
        n_features=p,
        n_informative=max(5, p // 10),
        effective_rank=rank,
        noise=1.0,
        bias=3.0,
        random_state=int(rng.integers(2**31)),
    )
    alpha = _alpha_max(X, y, 0.5) / 20
    desc = (
        f"make_regression {n} x {p}, effective_rank={rank}; l1_ratio=0.5, "
        "alpha = alpha_max / 20"
    )
    meta = dict(loss="squared", penalty="elasticnet", l1_ratio=0.5, alpha=alpha)
    return X, y, meta, desc


def make_logreg_l2(scale: float, rng):
    n, p = _n(100_000, scale, 400), _n(150, scale, 5)
    X, factors = _uneven_dense(rng, n, p)
    z = X @ (2.0 * rng.standard_normal(p) / (factors * np.sqrt(p))) + 0.5
    y = _bernoulli(rng, z)
    desc = f"dense {n} x {p}, a third of the columns x10-100; binary, C=1"
    return X, y, dict(loss="logistic", penalty="l2", l1_ratio=0.0, alpha=1.0 / n), desc


def make_logreg_l1_sparse(scale: float, rng):
    n, p = _n(20_000, scale, 200), _n(50_000, scale, 500)
    X = _sparse(rng, n, p, 0.001)
    y = _bernoulli(rng, X @ _sparse_coef(rng, p, scale=2.0) - 0.2)
    alpha = _alpha_max(X, y.astype(np.float64)) / 20
    desc = f"sparse CSC {n} x {p}, density 0.001, binary; alpha = alpha_max / 20"
    return X, y, dict(loss="logistic", penalty="l1", l1_ratio=1.0, alpha=alpha), desc


def make_multinomial(scale: float, rng):
    n, p, k = _n(20_000, scale, 400), _n(100, scale, 5), 10
    X = rng.standard_normal((n, p))
    logits = X @ (1.5 * rng.standard_normal((p, k)) / np.sqrt(p))
    logits += 0.5 * rng.standard_normal(k)
    y = np.argmax(logits + rng.gumbel(size=(n, k)), axis=1).astype(np.int64)
    desc = f"dense {n} x {p}, {k} classes, C=1"
    meta = dict(loss="multinomial", penalty="l2", l1_ratio=0.0, alpha=1.0 / n)
    return X, y, meta, desc


# ------------------------------------------------- benchopt-style problems
#
# benchopt's simulated datasets draw Gaussian features whose correlation
# decays as rho^|i - j| (an AR(1) walk across the columns), a true coefficient
# vector with ``density`` non-zeros and Gaussian noise at signal-to-noise
# ratio ``snr``. The same recipe is written out here, with our own seeds, so
# that the problems need no benchopt install. Each generator seeds its own
# generator from its name, so the variants with and without an intercept
# share their data.


def _own_rng(key: str) -> np.random.Generator:
    return np.random.default_rng([SEED, *key.encode()])


def _correlated_regression(
    rng, n: int, p: int, rho: float = 0.6, density: float = 0.2, snr: float = 3.0
) -> tuple[np.ndarray, np.ndarray]:
    """Toeplitz-correlated features (C-ordered) and a noisy linear target."""
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    innovation = math.sqrt(1.0 - rho**2)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + innovation * rng.standard_normal(n)
    X = np.ascontiguousarray(X)
    coef = np.zeros(p)
    support = rng.choice(p, size=max(1, int(density * p)), replace=False)
    coef[support] = rng.standard_normal(support.size)
    signal = X @ coef
    noise = rng.standard_normal(n)
    sigma = np.linalg.norm(signal) / (snr * np.linalg.norm(noise))
    return X, signal + sigma * noise


def _lasso_correlated(n: int, p: int, fit_intercept: bool):
    def make(scale: float, rng):
        n_, p_ = _n(n, scale, 50), _n(p, scale, 100)
        X, y = _correlated_regression(_own_rng(f"lasso_corr_{n}x{p}"), n_, p_)
        alpha = _alpha_max(X, y, fit_intercept=fit_intercept) / 10
        desc = (
            f"dense {n_} x {p_}, correlated (rho 0.6), "
            f"{'with' if fit_intercept else 'without'} intercept; "
            "alpha = alpha_max / 10 (benchopt's benchmark_lasso)"
        )
        meta = dict(loss="squared", penalty="l1", l1_ratio=1.0, alpha=alpha)
        return X, y, {**meta, "fit_intercept": fit_intercept}, desc

    return make


def _logreg_l1_correlated(n: int, p: int, divisor: int):
    def make(scale: float, rng):
        n_, p_ = _n(n, scale, 50), _n(p, scale, 100)
        X, target = _correlated_regression(_own_rng(f"logreg_corr_{n}x{p}"), n_, p_)
        y = (target > 0).astype(np.int64)
        alpha = _alpha_max(X, y - 0.5, fit_intercept=False) / divisor
        desc = (
            f"dense {n_} x {p_}, correlated (rho 0.6), binary, no intercept; "
            f"alpha = alpha_max / {divisor} (benchopt's benchmark_logreg_l1)"
        )
        meta = dict(loss="logistic", penalty="l1", l1_ratio=1.0, alpha=alpha)
        return X, y, {**meta, "fit_intercept": False}, desc

    return make


def _logreg_l2_correlated(n: int, p: int, C: float):
    def make(scale: float, rng):
        n_, p_ = _n(n, scale, 50), _n(p, scale, 5)
        X, target = _correlated_regression(_own_rng(f"logreg_corr_{n}x{p}"), n_, p_)
        y = (target > 0).astype(np.int64)
        desc = (
            f"dense {n_} x {p_}, correlated (rho 0.6), binary, no intercept; "
            f"C={C:g} (benchopt's benchmark_logreg_l2)"
        )
        meta = dict(loss="logistic", penalty="l2", l1_ratio=0.0, alpha=1.0 / (C * n_))
        return X, y, {**meta, "fit_intercept": False}, desc

    return make


# ----------------------------------------------------- shapes users bring

#: Category counts of the Adult census encoding in LIBSVM's a1a..a9a (123
#: binary columns): age, workclass, fnlwgt, education, education-num,
#: marital status, occupation, relationship, race, sex, capital gain and
#: loss, hours per week, native country.
ADULT_GROUPS = (5, 8, 5, 16, 5, 7, 14, 6, 5, 2, 2, 2, 5, 41)


def _one_hot(rng, n: int, groups: tuple[int, ...]) -> sp.csr_matrix:
    """One active column per group and row; skewed category frequencies."""
    offsets = np.cumsum((0, *groups[:-1]))
    columns = np.empty((n, len(groups)), dtype=np.int64)
    for g, (size, offset) in enumerate(zip(groups, offsets, strict=True)):
        freq = rng.dirichlet(np.full(size, 0.7))
        columns[:, g] = offset + rng.choice(size, size=n, p=freq)
    indptr = np.arange(0, n * len(groups) + 1, len(groups))
    data = np.ones(n * len(groups))
    X = sp.csr_matrix((data, columns.ravel(), indptr), shape=(n, sum(groups)))
    X.sort_indices()
    return X


def _logreg_l2_onehot(C: float):
    def make(scale: float, rng):
        rng = _own_rng("adult_like")
        n = _n(32_561, scale, 400)  # a9a's number of rows
        X = _one_hot(rng, n, ADULT_GROUPS)
        coef = 0.8 * rng.standard_normal(X.shape[1])
        y = _bernoulli(rng, X @ coef - 1.0)
        desc = (
            f"sparse CSR {n} x {X.shape[1]}, one-hot in 14 groups like LIBSVM's "
            f"a9a (Adult census), binary; C={C:g}"
        )
        meta = dict(loss="logistic", penalty="l2", l1_ratio=0.0, alpha=1.0 / (C * n))
        return X, y, meta, desc

    return make


def make_lasso_onehot(scale: float, rng):
    n = _n(20_000, scale, 400)
    groups = (50, 40, 30, 30, 25, 25, 20, 20, 20, 15, 15, 10, 10, 10)  # 320
    X = _one_hot(rng, n, groups)
    coef = _sparse_coef(rng, X.shape[1], scale=2.0)
    coef[rng.choice(X.shape[1], size=40, replace=False)] += rng.standard_normal(40)
    y = X @ coef + 3.0 + rng.standard_normal(n)
    alpha = _alpha_max(X, y) / 50
    desc = f"sparse CSR {n} x {X.shape[1]}, one-hot in 14 groups; alpha_max / 50"
    return X, y, dict(loss="squared", penalty="l1", l1_ratio=1.0, alpha=alpha), desc


def _tall(penalty: str, divisor: float):
    def make(scale: float, rng):
        n, p = _n(100_000, scale, 400), _n(100, scale, 10)
        X, y = _correlated_regression(_own_rng("tall"), n, p, rho=0.5, density=0.3)
        X[:, ::4] *= 10.0  # uneven column scales, as raw features have
        y = y + 5.0
        l1_ratio = 1.0 if penalty == "l1" else 0.5
        alpha = _alpha_max(X, y, l1_ratio) / divisor
        desc = (
            f"dense {n} x {p}, correlated (rho 0.5), a quarter of the columns "
            f"x10; l1_ratio={l1_ratio:g}, alpha = alpha_max / {divisor:g}"
        )
        meta = dict(loss="squared", penalty=penalty, l1_ratio=l1_ratio, alpha=alpha)
        return X, y, meta, desc

    return make


def _multinomial_alpha_max(X, y: np.ndarray) -> float:
    """Smallest alpha with all-zero coefficients for the multinomial loss
    with an intercept: ``max |X^T (Y - Ybar)| / n`` over features and
    classes (``Y`` one-hot)."""
    Y = (y[:, None] == np.unique(y)[None, :]).astype(np.float64)
    return float(np.abs(X.T @ (Y - Y.mean(axis=0))).max() / X.shape[0])


def _multinomial_l1(n: int, p: int, k: int, divisor: int, correlated: bool):
    def make(scale: float, rng):
        n_, p_ = _n(n, scale, 400), _n(p, scale, 10)
        if correlated:
            X, _ = _correlated_regression(_own_rng(f"multinomial_{n}x{p}"), n_, p_)
            X = np.ascontiguousarray(X)
        else:
            X = rng.standard_normal((n_, p_))
        truth = rng.standard_normal((p_, k)) * (rng.random((p_, 1)) < 0.1)
        logits = X @ (3.0 * truth / np.sqrt(max(1, np.count_nonzero(truth[:, 0]))))
        y = np.argmax(logits + rng.gumbel(size=(n_, k)), axis=1).astype(np.int64)
        alpha = _multinomial_alpha_max(X, y) / divisor
        desc = (
            f"dense {n_} x {p_}{', correlated (rho 0.6)' if correlated else ''}, "
            f"{k} classes, a tenth of the features informative; "
            f"alpha = alpha_max / {divisor}"
        )
        meta = dict(loss="multinomial", penalty="l1", l1_ratio=1.0, alpha=alpha)
        return X, y, meta, desc

    return make


PROBLEMS = {
    "ridge": make_ridge,
    "lasso_dense": make_lasso_dense,
    "lasso_sparse": make_lasso_sparse,
    "enet": make_enet,
    "logreg_l2": make_logreg_l2,
    "logreg_l1_sparse": make_logreg_l1_sparse,
    "multinomial": make_multinomial,
    # benchopt-style
    "lasso_corr_100x10000": _lasso_correlated(100, 10_000, False),
    "lasso_corr_100x10000_intercept": _lasso_correlated(100, 10_000, True),
    "lasso_corr_500x600": _lasso_correlated(500, 600, False),
    "lasso_corr_500x600_intercept": _lasso_correlated(500, 600, True),
    "logreg_l1_corr_500x2000_lmax10": _logreg_l1_correlated(500, 2_000, 10),
    "logreg_l1_corr_500x2000_lmax20": _logreg_l1_correlated(500, 2_000, 20),
    "logreg_l1_corr_500x5000_lmax10": _logreg_l1_correlated(500, 5_000, 10),
    "logreg_l1_corr_500x5000_lmax20": _logreg_l1_correlated(500, 5_000, 20),
    "logreg_l2_200x500_C1": _logreg_l2_correlated(200, 500, 1.0),
    "logreg_l2_200x500_C100": _logreg_l2_correlated(200, 500, 100.0),
    "logreg_l2_1000x10_C1": _logreg_l2_correlated(1_000, 10, 1.0),
    "logreg_l2_1000x10_C100": _logreg_l2_correlated(1_000, 10, 100.0),
    # shapes users bring
    "logreg_l2_onehot_adult_C1": _logreg_l2_onehot(1.0),
    "logreg_l2_onehot_adult_C0.01": _logreg_l2_onehot(0.01),
    "lasso_onehot_320": make_lasso_onehot,
    "lasso_tall_weak": _tall("l1", 1_000),
    "lasso_tall_strong": _tall("l1", 5),
    "enet_tall": _tall("elasticnet", 20),
    # the L1 multinomial (appended: every problem's seed is its position)
    "multinomial_l1": _multinomial_l1(20_000, 100, 10, 20, correlated=False),
    "multinomial_l1_wide": _multinomial_l1(500, 2_000, 3, 10, correlated=True),
}

#: Groups of problems for ``--problems``.
GROUPS = {
    "issue3": list(PROBLEMS)[:7],
    "benchopt": list(PROBLEMS)[7:19],
    "users": list(PROBLEMS)[19:],
}


def cached_problem(name: str, scale: float) -> Path:
    """Generate (once) and cache a problem; return the stem of its files."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"data_{name}_scale{scale:g}_v{DATA_VERSION}"
    meta_path = Path(f"{stem}.json")
    if meta_path.exists():
        return stem
    rng = np.random.default_rng([SEED, list(PROBLEMS).index(name)])
    X, y, meta, desc = PROBLEMS[name](scale, rng)
    if sp.issparse(X):
        sp.save_npz(f"{stem}.X.npz", X)
    else:
        np.save(f"{stem}.X.npy", X)
    np.save(f"{stem}.y.npy", y)
    meta.setdefault("fit_intercept", True)
    meta.update(
        name=name,
        description=desc,
        n_samples=X.shape[0],
        n_features=X.shape[1],
        sparse=sp.issparse(X),
    )
    meta_path.write_text(json.dumps(meta, indent=1))
    return stem


def load_problem(stem: Path) -> tuple[object, np.ndarray, dict]:
    meta = json.loads(Path(f"{stem}.json").read_text())
    if meta["sparse"]:
        X = sp.load_npz(f"{stem}.X.npz")
    else:
        X = np.load(f"{stem}.X.npy")
    return X, np.load(f"{stem}.y.npy"), meta


def as_problem(meta: dict) -> Problem:
    return Problem(
        loss=meta["loss"],
        penalty=meta["penalty"],
        l1_ratio=meta["l1_ratio"],
        alpha=meta["alpha"],
        n_samples=meta["n_samples"],
        sparse=meta["sparse"],
        fit_intercept=meta.get("fit_intercept", True),
    )


# --------------------------------------------------------------------- child


def _emit(**event) -> None:
    print(MARK + json.dumps(event), flush=True)


def _memory_kib() -> dict[str, int]:
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                values[key] = int(value.split()[0])
    return values


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def child(spec: dict) -> None:
    """Warm up, then time fits at each tol; one JSON event per line."""
    warnings.simplefilter("ignore")
    from sklearn.utils._param_validation import InvalidParameterError

    from skdecay import decay_objective

    X, y, meta = load_problem(Path(spec["stem"]))
    problem = as_problem(meta)
    runner = find_runner(spec["library"], spec["solver"])
    tols = spec["tols"]

    def objective(est) -> float:
        return decay_objective(
            X,
            y,
            est.coef_,
            est.intercept_,
            loss=problem.loss,
            alpha=problem.alpha,
            penalty=problem.penalty,
            l1_ratio=problem.l1_ratio,
        )

    rows = slice(0, min(WARMUP_ROWS, X.shape[0]))
    try:
        runner.build(problem, tols[0]).fit(X[rows], y[rows])
    except InvalidParameterError as exc:
        msg = str(exc).split(" must be ")[0]  # e.g. "The 'solver' parameter of ..."
        _emit(event="error", status="n/a", message=f"InvalidParameterError: {msg}")
        return
    except Exception as exc:
        _emit(event="error", status="error", message=f"{type(exc).__name__}: {exc}")
        return
    _emit(event="ready")

    reference = spec["reference"]
    for tol in tols:
        best, peak = math.inf, 0
        for repeat in range(spec["repeat"]):
            est = runner.build(problem, tol)
            gc.collect()
            before = _memory_kib()["VmRSS"]
            _reset_peak()
            _emit(event="start", tol=tol, repeat=repeat)
            try:
                start = time.perf_counter()
                est.fit(X, y)
                seconds = time.perf_counter() - start
            except Exception as exc:
                msg = f"{type(exc).__name__}: {exc}".splitlines()[0]
                _emit(event="error", status="error", tol=tol, message=msg)
                return
            peak = max(peak, _memory_kib()["VmHWM"] - before)
            best = min(best, seconds)
            if seconds >= REPEAT_BELOW_S:
                break
        value = objective(est)
        _emit(event="result", tol=tol, seconds=best, mib=peak / 1024, objective=value)
        if reference is not None and gap(value, reference) <= GAP:
            return


# -------------------------------------------------------------------- parent


def gap(value: float, reference: float) -> float:
    if not math.isfinite(value):
        return math.inf
    return (value - reference) / max(abs(reference), 1e-300)


@dataclass
class Outcome:
    """What one (library, solver) did on one problem."""

    runner: str
    library: str
    status: str  # 'ok', 'did not reach', 'timeout', 'n/a', 'error'
    results: list[dict]  # one per tol that finished
    tol: float | None = None  # the tol that reached the reference (if ok)
    seconds: float | None = None
    mib: float | None = None
    gap: float | None = None  # gap at `tol`, else the best gap seen
    message: str = ""


def _reader(stream, sink: queue.Queue) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


def run_child(spec: dict, timeout: float, setup_timeout: float) -> tuple[list, str]:
    """Run a child; return its events and '' or 'timeout' / an error message."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    events: list[dict] = []
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1
        )
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
        deadline = time.monotonic() + setup_timeout
        failure = ""
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                proc.kill()
                failure = "timeout"
                break
            if line is None:
                break
            if not line.startswith(MARK):
                continue
            event = json.loads(line[len(MARK) :])
            events.append(event)
            # The clock of the timeout restarts at every fit.
            deadline = time.monotonic() + timeout
        proc.wait()
        if not failure and proc.returncode != 0:
            err.seek(0)
            tail = err.read().strip().splitlines()[-1:] or ["no stderr"]
            failure = f"exit code {proc.returncode}: {tail[0]}"
    return events, failure


def measure(
    runner: Runner,
    problem: Problem,
    stem: Path,
    tols: list,
    *,
    repeat: int,
    reference: float | None,
    args: argparse.Namespace,
) -> Outcome:
    outcome = Outcome(runner.name, runner.library, "did not reach", [])
    if importlib.util.find_spec(runner.module) is None:
        outcome.status, outcome.message = "n/a", f"{runner.module} not installed"
        return outcome
    spec = dict(
        stem=str(stem),
        library=runner.library,
        solver=runner.solver,
        tols=tols,
        repeat=repeat,
        reference=reference,
    )
    events, failure = run_child(spec, args.timeout, args.setup_timeout)
    outcome.results = [e for e in events if e["event"] == "result"]
    errors = [e for e in events if e["event"] == "error"]
    started = [e for e in events if e["event"] == "start"]
    if errors:
        outcome.status, outcome.message = errors[0]["status"], errors[0]["message"]
    elif failure == "timeout":
        outcome.status = "timeout"
        where = f"tol={_fmt_tol(started[-1]['tol'])}" if started else "set-up"
        outcome.message = f"timed out (> {args.timeout:g} s) at {where}"
        if not started:
            outcome.message = f"set-up took > {args.setup_timeout:g} s"
    elif failure:
        outcome.status, outcome.message = "error", failure
    if reference is not None and outcome.results:
        last = outcome.results[-1]
        gaps = [gap(r["objective"], reference) for r in outcome.results]
        if gaps[-1] <= GAP:
            outcome.status = "ok"
            outcome.tol, outcome.seconds, outcome.mib = (
                last["tol"],
                last["seconds"],
                last["mib"],
            )
            outcome.gap = gaps[-1]
        else:
            best = int(np.argmin(gaps))
            outcome.tol, outcome.gap = outcome.results[best]["tol"], gaps[best]
    if runner.note:
        outcome.message = "; ".join(m for m in (runner.note, outcome.message) if m)
    return outcome


# -------------------------------------------------------------------- output


def _fmt_tol(tol: float | None) -> str:
    return "-" if tol is None else f"{tol:.0e}"


def _fmt_gap(value: float | None) -> str:
    if value is None:
        return ""
    return "inf" if math.isinf(value) else f"{value:.1e}"


def problem_table(outcomes: list[Outcome]) -> list[str]:
    lines = [
        "| library | solver | tol | seconds | extra peak MiB | gap | note |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        library, solver = o.runner.split(" ", 1)
        if o.status == "ok":
            seconds, mib = f"{o.seconds:.3g}", f"{o.mib:.1f}"
        else:
            seconds, mib = o.status, ""
        tol = _fmt_tol(o.tol) if o.results else ""
        lines.append(
            f"| {library} | {solver} | {tol} | {seconds} | {mib} "
            f"| {_fmt_gap(o.gap)} | {o.message} |"
        )
    return lines


def summary_table(summary: list[tuple[str, list[Outcome]]]) -> list[str]:
    lines = [
        "| problem | skdecay (auto) s | fastest peer | peer s | skdecay / peer |",
        "|---|---:|---|---:|---:|",
    ]
    for name, outcomes in summary:
        ours = next(o for o in outcomes if o.runner == "skdecay auto")
        peers = [o for o in outcomes if o.library != "skdecay" and o.status == "ok"]
        fastest = min(peers, key=lambda o: o.seconds) if peers else None
        ours_s = f"{ours.seconds:.3g}" if ours.status == "ok" else ours.status
        peer_name = fastest.runner if fastest else "none reached"
        peer_s = f"{fastest.seconds:.3g}" if fastest else ""
        ratio = (
            f"{ours.seconds / fastest.seconds:.2f}"
            if fastest and ours.status == "ok"
            else "-"
        )
        lines.append(f"| {name} | {ours_s} | {peer_name} | {peer_s} | {ratio} |")
    return lines


def header(args: argparse.Namespace) -> list[str]:
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS for threadpoolctl)
    from threadpoolctl import threadpool_info

    versions = []
    for dist in ("skdecay", "numpy", "scipy", "scikit-learn", "numba"):
        versions.append(f"{dist} {metadata.version(dist)}")
    for dist in ("skglm", "celer", "glum"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} not installed")
    lines = [
        "# skdecay speed benchmark",
        "",
        f"- {datetime.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        f"- {', '.join(versions)}",
        f"- command: `python benchmarks/bench_speed.py {' '.join(sys.argv[1:])}`",
    ]
    for pool in threadpool_info():
        lines.append(
            f"- threadpool: {pool.get('internal_api')} {pool.get('version')} "
            f"({pool.get('user_api')}), {pool.get('num_threads')} threads, "
            f"{Path(pool.get('filepath', '')).name}"
        )
    lines += [
        "",
        "Each fit runs in a fresh process after a warm-up fit on the first "
        f"{WARMUP_ROWS} rows, so Numba JIT compile time (skdecay, skglm) is "
        f"excluded. seconds: best of {args.repeat} for fits under "
        f"{REPEAT_BELOW_S:g} s, else one fit, at the loosest tol whose objective "
        f"is within {GAP:g} (relative) of the reference. gap: (objective - "
        "reference) / |reference|, on skdecay's scale (`decay_objective`); for "
        "rows that did not reach, the best gap and its tol. extra peak MiB: "
        "VmHWM during fit minus VmRSS before. Per-fit timeout "
        f"{args.timeout:g} s.",
    ]
    return lines


def blas_warnings() -> list[str]:
    return [
        f"WARNING: {var}={os.environ[var]} is set; it slows numpy's BLAS. "
        "Unset it for representative timings."
        for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
        if var in os.environ
    ]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--problems",
        nargs="+",
        choices=[*PROBLEMS, *GROUPS],
        default=list(PROBLEMS),
        help="problem names, or groups: " + ", ".join(GROUPS),
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="shrink n_samples and n_features by this factor (e.g. 0.05)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="per fit, s")
    parser.add_argument(
        "--setup-timeout",
        type=float,
        default=300.0,
        help="import, data loading and warm-up (JIT) of a child, s",
    )
    parser.add_argument(
        "--skdecay-solvers",
        default="",
        help="comma-separated explicit solvers to time besides 'auto', "
        "e.g. fista,gd,cd,newton",
    )
    parser.add_argument(
        "--libraries",
        nargs="+",
        help="only these libraries (skdecay, sklearn, skglm, celer, glum)",
    )
    parser.add_argument("--out", type=Path, help="also write the tables here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return

    args.problems = list(
        dict.fromkeys(n for p in args.problems for n in GROUPS.get(p, [p]))
    )
    solvers = [s.strip() for s in args.skdecay_solvers.split(",") if s.strip()]
    report = header(args)
    warns = blas_warnings()
    for line in [*report, "", *warns]:
        print(line, flush=True)
    report += ["", *warns] if warns else []

    summary = []
    for name in args.problems:
        log(f"[{name}] preparing data (scale {args.scale:g})")
        stem = cached_problem(name, args.scale)
        _, _, meta = load_problem(stem)
        problem = as_problem(meta)
        runners = runners_for(problem, solvers, args.libraries)

        # Phase 1: every pair once at its tightest tol; best objective wins.
        reference, source = None, ""
        for runner in runners:
            tols = [None] if runner.tol_free(problem) else [TOLS[-1]]
            first = measure(
                runner, problem, stem, tols, repeat=1, reference=None, args=args
            )
            values = [r["objective"] for r in first.results]
            log(f"[{name}] reference pass {runner.name}: {values or first.status}")
            for value in values:
                if math.isfinite(value) and (reference is None or value < reference):
                    reference, source = value, f"{runner.name}, tol={_fmt_tol(tols[0])}"

        # Phase 2: time each pair from its loosest tol down to the reference.
        outcomes = []
        for runner in runners:
            tols = [None] if runner.tol_free(problem) else list(TOLS)
            outcome = measure(
                runner,
                problem,
                stem,
                tols,
                repeat=args.repeat,
                reference=reference,
                args=args,
            )
            log(
                f"[{name}] {runner.name}: {outcome.status} "
                f"tol={_fmt_tol(outcome.tol)} s={outcome.seconds or 0:.3g} "
                f"{outcome.message}"
            )
            outcomes.append(outcome)

        block = [
            "",
            f"## {name}: {meta['description']}",
            "",
            f"loss={problem.loss}, penalty={problem.penalty}, "
            f"l1_ratio={problem.l1_ratio:g}, skdecay alpha={problem.alpha:.6g}, "
            f"fit_intercept={problem.fit_intercept}. "
            + (
                f"Reference objective {reference:.15g} ({source})."
                if reference is not None
                else "No reference: no fit finished at its tightest tol."
            ),
            "",
            *problem_table(outcomes),
        ]
        for line in block:
            print(line, flush=True)
        report += block
        summary.append((name, outcomes))

    block = ["", "## Summary", "", *summary_table(summary)]
    for line in block:
        print(line, flush=True)
    report += block
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(report) + "\n")
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
