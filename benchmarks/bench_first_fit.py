"""Import + first-fit latency of each estimator, with a cold and a warm Numba cache.

Each measurement runs in a fresh Python process. The cold run points
``NUMBA_CACHE_DIR`` at an empty folder, so every kernel is compiled; the
warm run reuses that folder, so kernels load from disk.

Usage::

    python benchmarks/bench_first_fit.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

#: One fresh process per estimator: what a user pays for ``import`` and the
#: first fit, each through the solver ``solver='auto'`` picks for it.
CONFIGS = {
    "DecayLinearRegressor() [newton]": (
        "load_diabetes",
        "DecayLinearRegressor()",
    ),
    "DecayLinearRegressor(penalty='l1') [cd]": (
        "load_diabetes",
        "DecayLinearRegressor(penalty='l1', alpha=0.1)",
    ),
    "DecayLogisticClassifier() [newton]": (
        "load_breast_cancer",
        "DecayLogisticClassifier()",
    ),
    "DecayLogisticClassifier(penalty='l1') [prox_newton]": (
        "load_breast_cancer",
        "DecayLogisticClassifier(penalty='l1', alpha=0.01)",
    ),
}

CHILD = r"""
import json, time
start = time.perf_counter()
import numpy as np
from sklearn.datasets import {loader}
from skdecay import DecayLinearRegressor, DecayLogisticClassifier
imported = time.perf_counter()
X, y = {loader}(return_X_y=True)
loaded = time.perf_counter()
{estimator}.fit(X, y)
fitted = time.perf_counter()
print(json.dumps({{
    "import": imported - start,
    "first fit": fitted - loaded,
    "import + first fit": (imported - start) + (fitted - loaded),
}}))
"""

SIGNATURES = r"""
import json, warnings
import numpy as np, scipy.sparse as sp
from sklearn.datasets import make_classification
from skdecay import DecayLinearRegressor, DecayLogisticClassifier
from skdecay._core._solvers import SOLVERS
warnings.simplefilter("ignore")
X, y = make_classification(n_samples=100, n_features=10, random_state=0)
inputs = {
    "float64 C": X,
    "float64 F": np.asfortranarray(X),
    "float32 C": X.astype(np.float32),
    "float64 CSR": sp.csr_matrix(X),
    "float64 CSC": sp.csc_matrix(X),
    "float32 CSR": sp.csr_matrix(X.astype(np.float32)),
}
counts = {}
for name, data in inputs.items():
    for est in (
        DecayLinearRegressor(),
        DecayLinearRegressor(penalty="l1", alpha=0.1),
        DecayLogisticClassifier(),
        DecayLogisticClassifier(penalty="l1", alpha=0.01),
        DecayLogisticClassifier(solver="fista"),
        DecayLogisticClassifier(solver="gd"),
    ):
        est.fit(data, y)
    counts[name] = {k: len(f.signatures) for k, f in SOLVERS.items()}
print(json.dumps(counts))
"""


def run_child(code: str, cache_dir: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'seconds, median of ' + str(args.repeat):52s} {'cold':>7s} {'warm':>7s}")
    for name, (loader, estimator) in CONFIGS.items():
        code = CHILD.format(loader=loader, estimator=estimator)
        rows = {"cold": [], "warm": []}
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as cache_dir:
                rows["cold"].append(run_child(code, cache_dir))
                rows["warm"].append(run_child(code, cache_dir))
        for key in rows["cold"][0]:
            cold = sorted(r[key] for r in rows["cold"])[len(rows["cold"]) // 2]
            warm = sorted(r[key] for r in rows["warm"])[len(rows["warm"]) // 2]
            print(f"{name + ': ' + key:52s} {cold:7.2f} {warm:7.2f}")
    with tempfile.TemporaryDirectory() as cache_dir:
        counts = run_child(SIGNATURES, cache_dir)
    print("\ncompiled solver signatures after fitting each input kind (cumulative):")
    for name, per_solver in counts.items():
        print(f"  after {name:12s} {per_solver}")


if __name__ == "__main__":
    main()
