"""Time per epoch of DecayMLPClassifier / DecayMLPRegressor against scikit-learn.

Both libraries train the same network (same hidden layers, activation, Adam,
batch size, number of epochs, the same initial weights from the same
``random_state``), with scikit-learn's ``alpha`` mapped to
``weight_decay = alpha / batch_size`` (the same coupled L2 decay). The
stopping rule is switched off on both sides (``n_iter_no_change = max_iter``)
so that every fit runs exactly ``--epochs`` epochs.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        python benchmarks/bench_mlp.py --repeat 5

How it measures:

* Numba's compilation is excluded from the epoch times: the script first
  fits once on a few rows in this process (warm-up), and it measures the
  cost of compiling separately, in a fresh process with an empty
  ``NUMBA_CACHE_DIR`` (import, then the first fit of a tiny network), and
  with the cache that run left (the first fit then loads the machine code).
* The machine is shared and noisy, so the two libraries are timed in turn
  (A/B interleaved, ``--repeat`` pairs per problem) and the ratio is the
  median of the per-pair ratios; the seconds per epoch are medians too.
* Accuracy (R^2 for regression) is measured on a held-out quarter of the
  data and averaged over the ``--repeat`` seeds (pair ``i`` uses
  ``random_state=i`` on both sides).
* scikit-learn is timed twice per pair: with its default BLAS threads and
  with one thread (threadpoolctl's ``threadpool_limits(1)``), so the ratio
  is fair whichever suits it; skdecay runs with its own policy (BLAS
  single-threaded while training on products this small, see the
  estimators' Notes). The products of a mini-batch are small (200 x 100 x
  100 here): on this 2-core shared machine a second BLAS thread made one
  such product 10x slower and a whole epoch 10-50x slower, for both
  libraries, when other processes were running. ``--blas-threads N`` limits
  every library to N threads instead (the old setting). The BLAS in use is
  printed first.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import nullcontext
from importlib import metadata

import numpy as np
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from skdecay import DecayMLPClassifier, DecayMLPRegressor

ALPHA = 1e-4
BATCH = 200


def problems(scale: float):
    """(name, X, y, is_classifier, hidden_layer_sizes)."""
    X, y = load_digits(return_X_y=True)
    yield "digits 1797 x 64, 10 classes", X / 16.0, y, True, (100,)
    n = int(60_000 * scale)
    X, y = make_classification(
        n_samples=n,
        n_features=100,
        n_informative=40,
        n_redundant=20,
        n_classes=5,
        n_clusters_per_class=2,
        class_sep=1.0,
        random_state=0,
    )
    yield f"synthetic {n} x 100, 5 classes", X, y, True, (100,)
    X, y = make_regression(
        n_samples=n, n_features=100, n_informative=50, noise=10.0, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    yield f"synthetic regression {n} x 100", X, np.tanh(y) + 0.1 * y**2, False, (100,)


def make_pair(is_classifier, hidden, epochs, seed):
    common = dict(
        hidden_layer_sizes=hidden,
        solver="adam",
        batch_size=BATCH,
        learning_rate_init=1e-3,
        max_iter=epochs,
        n_iter_no_change=epochs,
        tol=0.0,
        random_state=seed,
    )
    if is_classifier:
        return (
            MLPClassifier(alpha=ALPHA, **common),
            DecayMLPClassifier(weight_decay=ALPHA / BATCH, **common),
        )
    return (
        MLPRegressor(alpha=ALPHA, **common),
        DecayMLPRegressor(weight_decay=ALPHA / BATCH, **common),
    )


def timed_fit(est, X, y):
    start = time.perf_counter()
    est.fit(X, y)
    elapsed = time.perf_counter() - start
    return elapsed / est.n_iter_


COMPILE_SNIPPET = """
import time
t0 = time.perf_counter()
import numpy as np
from skdecay import DecayMLPClassifier
t1 = time.perf_counter()
X = np.random.RandomState(0).standard_normal((50, 4)); y = np.arange(50) % 3
DecayMLPClassifier(hidden_layer_sizes=(5,), max_iter=1).fit(X, y)
t2 = time.perf_counter()
DecayMLPClassifier(hidden_layer_sizes=(5,), max_iter=1).fit(X.astype(np.float32), y)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def compile_times():
    """Seconds: import, first float64 fit, first float32 fit; cold and warm."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        rows = []
        for label in ("cold cache", "warm cache"):
            out = subprocess.run(
                [sys.executable, "-c", COMPILE_SNIPPET],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            rows.append((label, *map(float, out)))
    return rows


def blas_info():
    return "; ".join(
        f"{i['internal_api']} {i.get('architecture', '?')} "
        f"{i['num_threads']} threads ({os.path.basename(i['filepath'])})"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="A/B pairs per problem")
    parser.add_argument("--epochs-small", type=int, default=50)
    parser.add_argument("--epochs-large", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="of the 60k sets")
    parser.add_argument(
        "--blas-threads", type=int, default=0, help="limit every library (0: no)"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    if args.blas_threads:
        threadpool_limits(args.blas_threads, user_api="blas")

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {metadata.version('scikit-learn')}, "
        f"numba {metadata.version('numba')}, {os.cpu_count()} cpus"
    )
    print("BLAS:", blas_info())

    print("\nCompilation (fresh process, empty NUMBA_CACHE_DIR, then warm):\n")
    print("| cache | import s | first fit float64 s | first fit float32 s |")
    print("|---|---:|---:|---:|")
    for label, t_import, t64, t32 in compile_times():
        print(f"| {label} | {t_import:.2f} | {t64:.2f} | {t32:.2f} |")

    # Warm-up in this process: compile (or load) both dtypes before timing.
    X = np.random.RandomState(0).standard_normal((50, 4))
    for dtype in (np.float64, np.float32):
        DecayMLPClassifier(max_iter=1).fit(X.astype(dtype), np.arange(50) % 3)
        DecayMLPRegressor(max_iter=1).fit(X.astype(dtype), X[:, 0])

    print(
        "\n| problem | epochs | sklearn s/epoch (default threads) "
        "| sklearn s/epoch (1 thread) | skdecay s/epoch "
        "| ratio to default (median) | ratio to 1 thread (median) "
        "| sklearn test score | skdecay test score |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, X, y, is_classifier, hidden in problems(args.scale):
        epochs = args.epochs_small if X.shape[0] < 10_000 else args.epochs_large
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, random_state=0
        )
        times = {"default": [], "one": [], "ours": []}
        ratios = {"default": [], "one": []}
        ref_scores, our_scores = [], []
        for rep in range(args.repeat):
            ref, ours = make_pair(is_classifier, hidden, epochs, seed=rep)
            ref_one, _ = make_pair(is_classifier, hidden, epochs, seed=rep)
            runs = [
                ("default", ref, nullcontext),
                ("one", ref_one, lambda: threadpool_limits(1, user_api="blas")),
                ("ours", ours, nullcontext),
            ]
            # Rotate which goes first, so drift hits all three.
            shift = rep % len(runs)
            for key, est, limit in runs[shift:] + runs[:shift]:
                with limit():
                    times[key].append(timed_fit(est, X_train, y_train))
            for key in ratios:
                ratios[key].append(times["ours"][-1] / times[key][-1])
            ref_scores.append(ref.score(X_test, y_test))
            our_scores.append(ours.score(X_test, y_test))
        print(
            f"| {name} | {epochs} | {np.median(times['default']):.4f} | "
            f"{np.median(times['one']):.4f} | {np.median(times['ours']):.4f} | "
            f"{np.median(ratios['default']):.2f} | {np.median(ratios['one']):.2f} | "
            f"{np.mean(ref_scores):.4f} | {np.mean(our_scores):.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
