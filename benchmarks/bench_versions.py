"""Two versions of skdecay on bench_speed's problems, timed in turn.

Each (version, problem) runs in a fresh process, started in the temporary
folder so that no checkout shadows it, with that version first on
``PYTHONPATH``: one warm-up fit on 300 rows (the Numba compile), then the
best of up to 7 fits of ``solver='auto'`` at the given ``tol``; the
versions alternate for ``rounds`` rounds and the table gives medians, the
objective each reached (:func:`skdecay.decay_objective`) and the iterations.
Besides bench_speed's problems (``python benchmarks/bench_speed.py``
caches their data), ``diabetes_lasso``, ``cancer_l1`` and ``cancer_l2`` are
scikit-learn's bundled sets, raw.

Usage, from the repository root::

    git worktree add /tmp/before <commit>
    python benchmarks/bench_versions.py /tmp/before . \\
        ridge,lasso_dense,cancer_l2 --tol 1e-6 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {here!r})
import numpy as np
from bench_speed import cached_problem, load_problem
from sklearn.datasets import load_breast_cancer, load_diabetes
from skdecay import DecayLinearRegressor, DecayLogisticClassifier, decay_objective

name, tol = sys.argv[1], float(sys.argv[2])
BUNDLED = {{
    "diabetes_lasso": (load_diabetes, "squared", "l1", 0.1),
    "cancer_l1": (load_breast_cancer, "logistic", "l1", 0.01),
    "cancer_l2": (load_breast_cancer, "logistic", "l2", 0.01),
}}
if name in BUNDLED:
    loader, loss, penalty, alpha = BUNDLED[name]
    X, y = loader(return_X_y=True)
    meta = dict(loss=loss, penalty=penalty, alpha=alpha,
                l1_ratio=1.0 if penalty == "l1" else 0.0)
else:
    X, y, meta = load_problem(cached_problem(name, 1.0))
Est = DecayLinearRegressor if meta["loss"] == "squared" else DecayLogisticClassifier
kw = dict(penalty=meta["penalty"], alpha=meta["alpha"], tol=tol, max_iter=100000)
if meta["penalty"] == "elasticnet":
    kw["l1_ratio"] = meta["l1_ratio"]
Est(**kw).fit(X[:300], y[:300])
best, deadline = float("inf"), time.perf_counter() + 3.0
for i in range(7):
    t = time.perf_counter()
    est = Est(**kw).fit(X, y)
    best = min(best, time.perf_counter() - t)
    if time.perf_counter() > deadline and i >= 1:
        break
objective = decay_objective(
    X, y, est.coef_, est.intercept_, loss=meta["loss"], alpha=meta["alpha"],
    penalty=meta["penalty"], l1_ratio=meta["l1_ratio"],
)
print(json.dumps(dict(time=best, objective=float(objective),
                      n_iter=int(np.max(est.n_iter_)))))
"""


def run(path: str, name: str, tol: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(path).resolve()))
    code = CHILD.format(here=str(HERE))
    out = subprocess.run(
        [sys.executable, "-c", code, name, str(tol)],
        env=env, capture_output=True, text=True, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    if out.returncode:
        return dict(error=out.stderr[-400:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="path put first on PYTHONPATH")
    parser.add_argument("after", help="path put first on PYTHONPATH")
    parser.add_argument("problems", help="comma-separated problem names")
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("| problem | before s | after s | after/before | objective before "
          "| objective after | iterations before/after |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.problems.split(","):
        before, after = [], []
        for _ in range(args.rounds):
            before.append(run(args.before, name, args.tol))
            after.append(run(args.after, name, args.tol))
        errors = [r["error"] for r in before + after if "error" in r]
        if errors:
            print(f"| {name} | failed: {errors[0]!r} |", flush=True)
            continue
        tb = statistics.median(r["time"] for r in before)
        ta = statistics.median(r["time"] for r in after)
        print(
            f"| {name} | {tb:.4f} | {ta:.4f} | {ta / tb:.2f} "
            f"| {before[0]['objective']:.10g} | {after[0]['objective']:.10g} "
            f"| {before[0]['n_iter']}/{after[0]['n_iter']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
