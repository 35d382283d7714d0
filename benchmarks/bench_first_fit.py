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
import time

CHILD = r"""
import json, time
start = time.perf_counter()
import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
import skdecay
from skdecay import DecayLinearRegressor, DecayLogisticClassifier
imported = time.perf_counter()
X, y = load_diabetes(return_X_y=True)
DecayLinearRegressor().fit(X, y)
regressor = time.perf_counter()
X, y = load_breast_cancer(return_X_y=True)
DecayLogisticClassifier().fit(X, y)
classifier = time.perf_counter()
from skdecay._core._solvers import SOLVERS
print(json.dumps({
    "import": imported - start,
    "first fit DecayLinearRegressor": regressor - imported,
    "first fit DecayLogisticClassifier": classifier - regressor,
    "total": classifier - start,
    "compiled solver signatures": sum(len(f.signatures) for f in SOLVERS.values()),
}))
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
        DecayLogisticClassifier(),
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
    rows = {"cold": [], "warm": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache_dir:
            start = time.perf_counter()
            rows["cold"].append(run_child(CHILD, cache_dir))
            rows["cold"][-1]["process wall"] = time.perf_counter() - start
            start = time.perf_counter()
            rows["warm"].append(run_child(CHILD, cache_dir))
            rows["warm"][-1]["process wall"] = time.perf_counter() - start
    keys = [k for k in rows["cold"][0] if k != "compiled solver signatures"]
    title = f"seconds (median of {args.repeat})"
    print(f"{title:40s} {'cold cache':>12s} {'warm cache':>12s}")
    for key in keys:
        cold = sorted(r[key] for r in rows["cold"])[len(rows["cold"]) // 2]
        warm = sorted(r[key] for r in rows["warm"])[len(rows["warm"]) // 2]
        print(f"{key:40s} {cold:12.2f} {warm:12.2f}")
    with tempfile.TemporaryDirectory() as cache_dir:
        counts = run_child(SIGNATURES, cache_dir)
    print("\ncompiled solver signatures after fitting each input kind (cumulative):")
    for name, per_solver in counts.items():
        print(f"  after {name:12s} {per_solver}")


if __name__ == "__main__":
    main()
