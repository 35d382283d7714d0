"""Import + first-fit latency of each estimator, with a cold and a warm Numba cache.

Each measurement runs in a fresh Python process. The *cold* run points
``NUMBA_CACHE_DIR`` at an empty folder, so every kernel the fit needs is
compiled; the *warm* run reuses that folder, so kernels load from disk. For
each estimator's default solver (``solver='auto'``) on a small bundled data
set the script records

* ``import``: ``import skdecay`` (and scikit-learn's loader), seconds;
* ``fit``: the first fit, seconds (the compile, if any, is in it);
* ``import + fit``: their sum, which issue 12 bounds by 5 s cold;

then Numba's own floor: the first call, in a fresh process with skdecay
imported and the cache filled, of a one-loop ``cache=True`` function (what
any cached Numba function pays to set up Numba's typing and target context
before it can load; a warm first fit cannot cost less than this); then,
still with an empty cache, the total compile of every compiled solver
in one process (``gd``, ``fista``, ``cd``, ``prox_newton`` on an L1
logistic fit, ``prox_newton`` on three classes, then ``partial_fit``'s
stream), each step timed, and
skglm's first ``Lasso`` fit (skglm caches nothing: every process compiles)
on the same data as the lasso row. Medians of ``--repeat`` runs (separate
processes); every run of one kind is printed with ``--verbose``.

Usage::

    python benchmarks/bench_first_fit.py [--repeat 3] [--verbose]

The children run in the interpreter that runs the script, so the import is
that environment's: a newcomer's ``pip install skdecay`` (the four core
dependencies) imports faster than a development environment, where
scikit-learn also imports pandas (about 0.3 s) because it is installed. To
measure the former::

    python -m venv /tmp/minimal && /tmp/minimal/bin/pip install .
    /tmp/minimal/bin/python benchmarks/bench_first_fit.py
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

#: name: (loader, estimator, the solver 'auto' picks). One fresh process per
#: estimator: what a user pays for ``import`` and the first fit.
CONFIGS = {
    "DecayLinearRegressor()": (
        "load_diabetes", "DecayLinearRegressor()", "newton",
    ),
    "DecayLinearRegressor(penalty='l1')": (
        "load_diabetes", "DecayLinearRegressor(penalty='l1', alpha=0.1)", "cd",
    ),
    "DecayLinearRegressor(penalty='elasticnet')": (
        "load_diabetes",
        "DecayLinearRegressor(penalty='elasticnet', alpha=0.1, l1_ratio=0.5)",
        "cd",
    ),
    "DecayLogisticClassifier()": (
        "load_breast_cancer", "DecayLogisticClassifier()", "newton",
    ),
    "DecayLogisticClassifier(penalty='l1')": (
        "load_breast_cancer",
        "DecayLogisticClassifier(penalty='l1', alpha=0.01)",
        "prox_newton",
    ),
    "DecayLogisticClassifier(), 3 classes": (
        "load_iris", "DecayLogisticClassifier()", "newton",
    ),
    "DecayLogisticClassifier(penalty='l1'), 3 classes": (
        "load_iris", "DecayLogisticClassifier(penalty='l1', alpha=0.01)", "prox_newton",
    ),
    "DecaySGDRegressor()": ("load_diabetes", "DecaySGDRegressor()", "stochastic"),
    # Five passes: the row times the compile. With the defaults, raw
    # breast_cancer (features over five orders of magnitude) takes the
    # variance-reduced passes 1000 passes, about 2.5 s of work on a warm cache.
    "DecaySGDClassifier(max_iter=5)": (
        "load_breast_cancer", "DecaySGDClassifier(max_iter=5)", "stochastic",
    ),
    "DecayMLPClassifier()": ("load_iris", "DecayMLPClassifier()", "network"),
    "DecayMLPRegressor()": ("load_diabetes", "DecayMLPRegressor()", "network"),
}  # fmt: skip

CHILD = r"""
import json, time, warnings
start = time.perf_counter()
from sklearn.datasets import {loader}
from skdecay import DecayLinearRegressor, DecayLogisticClassifier
from skdecay import DecaySGDClassifier, DecaySGDRegressor
from skdecay.neural_network import DecayMLPClassifier, DecayMLPRegressor
imported = time.perf_counter()
from skdecay._core._solvers import Solver
ran = []
run = Solver.run
def recorded(self, *args, **kwargs):
    ran.append(self.name)
    return run(self, *args, **kwargs)
Solver.run = recorded
warnings.simplefilter("ignore")
X, y = {loader}(return_X_y=True)
loaded = time.perf_counter()
{estimator}.fit(X, y)
fitted = time.perf_counter()
print(json.dumps({{
    "import": imported - start,
    "fit": fitted - loaded,
    "import + fit": (imported - start) + (fitted - loaded),
    "solvers": sorted(set(ran)) or [{default!r}],
}}))
"""

#: Every compiled solver in one process, in this order, each step timed.
EVERY_SOLVER = r"""
import json, time, warnings
start = time.perf_counter()
from sklearn.datasets import load_breast_cancer, load_iris
from skdecay import DecayLogisticClassifier, DecaySGDClassifier
times = {"import": time.perf_counter() - start}
warnings.simplefilter("ignore")
X, y = load_breast_cancer(return_X_y=True)
for solver in ("gd", "fista", "cd", "prox_newton"):
    t = time.perf_counter()
    DecayLogisticClassifier(
        solver=solver, penalty="l1", alpha=0.01, max_iter=20
    ).fit(X, y)
    times[solver] = time.perf_counter() - t
X3, y3 = load_iris(return_X_y=True)
t = time.perf_counter()
DecayLogisticClassifier(
    solver="prox_newton", penalty="l1", alpha=0.01, max_iter=20
).fit(X3, y3)
times["prox_newton, 3 classes"] = time.perf_counter() - t
t = time.perf_counter()
DecaySGDClassifier(penalty="l1", alpha=0.01).partial_fit(X, y, classes=[0, 1])
times["partial_fit"] = time.perf_counter() - t
times["total (solvers)"] = sum(v for k, v in times.items() if k != "import")
print(json.dumps(times))
"""

SKGLM = r"""
import json, time, warnings
start = time.perf_counter()
from sklearn.datasets import load_diabetes
from skglm import Lasso
imported = time.perf_counter()
warnings.simplefilter("ignore")
X, y = load_diabetes(return_X_y=True)
loaded = time.perf_counter()
Lasso(alpha=0.1).fit(X, y)
fitted = time.perf_counter()
print(json.dumps({
    "import": imported - start,
    "fit": fitted - loaded,
    "import + fit": (imported - start) + (fitted - loaded),
}))
"""


#: Numba's floor: a trivial cached function, in a module of its own (a
#: function defined in ``-c`` code has no file to cache against).
FLOOR_MODULE = """
from numba import njit


@njit(cache=True)
def total(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    return s
"""

FLOOR = r"""
import json, time
import numpy as np
import skdecay
import floor_module
x = np.ones(10)
t = time.perf_counter()
floor_module.total(x)
first = time.perf_counter() - t
t = time.perf_counter()
floor_module.total(x)
print(json.dumps({"first call": first, "second call": time.perf_counter() - t}))
"""


def run_child(code: str, cache_dir: str, path: str | None = None) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [path, *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(rows: list[dict], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    print(
        f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"environment {sys.prefix} (pandas {_version('pandas')}); medians of "
        f"{args.repeat} fresh processes, seconds\n"
    )
    print(
        "| estimator | solver | cold import + fit | cold fit | warm fit "
        "| warm import + fit |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for name, (loader, estimator, expected) in CONFIGS.items():
        code = CHILD.format(loader=loader, estimator=estimator, default=expected)
        cold, warm = [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as cache_dir:
                cold.append(run_child(code, cache_dir))
                warm.append(run_child(code, cache_dir))
        solvers = " then ".join(cold[0]["solvers"])
        if solvers != expected:
            solvers += f" (expected {expected})"
        print(
            f"| {name} | {solvers} | {median(cold, 'import + fit'):.2f} "
            f"| {median(cold, 'fit'):.2f} | {median(warm, 'fit'):.3f} "
            f"| {median(warm, 'import + fit'):.2f} |"
        )
        if args.verbose:
            print(f"|   runs | | {[round(r['import + fit'], 2) for r in cold]} "
                  f"| | {[round(r['fit'], 3) for r in warm]} | |")  # fmt: skip

    rows = []
    for _ in range(args.repeat):
        with (
            tempfile.TemporaryDirectory() as cache_dir,
            tempfile.TemporaryDirectory() as module_dir,
        ):
            with open(os.path.join(module_dir, "floor_module.py"), "w") as f:
                f.write(FLOOR_MODULE)
            run_child(FLOOR, cache_dir, module_dir)  # compiles and caches
            rows.append(run_child(FLOOR, cache_dir, module_dir))
    print(
        "\nNumba's floor: a one-loop cached function's first call in a fresh "
        "process, cache filled (the warm fits above include it):\n"
    )
    print("| first call | second call |")
    print("|---:|---:|")
    print(
        f"| {median(rows, 'first call'):.3f} "
        f"| {median(rows, 'second call') * 1e6:.0f} us |"
    )

    rows = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache_dir:
            rows.append(run_child(EVERY_SOLVER, cache_dir))
    print(
        "\nEvery compiled solver, one process, empty cache (L1 logistic on "
        "breast_cancer; each step compiles what the earlier ones did not):\n"
    )
    print("| step | cold s |")
    print("|---|---:|")
    for key in rows[0]:
        print(f"| {key} | {median(rows, key):.2f} |")

    if _version("skglm") == "(not installed)":
        # A minimal environment (pip install skdecay, no extras) has no skglm:
        # run its row from an environment with the 'bench' extra.
        print("\nskglm is not installed here: no skglm row.")
        return
    rows = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache_dir:
            rows.append(run_child(SKGLM, cache_dir))
    print("\nskglm Lasso(alpha=0.1) on diabetes, fresh process (no cache):\n")
    print("| | import | fit | import + fit |")
    print("|---|---:|---:|---:|")
    print(
        f"| skglm {_version('skglm')} | {median(rows, 'import'):.2f} "
        f"| {median(rows, 'fit'):.2f} | {median(rows, 'import + fit'):.2f} |"
    )


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(not installed)"


if __name__ == "__main__":
    main()
