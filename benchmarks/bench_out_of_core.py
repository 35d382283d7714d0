"""Peak memory of streaming a dataset through partial_fit vs loading it whole.

Writes a float64 regression dataset (``--rows`` x ``--features``) to a raw
file in a temporary folder, then runs each mode in a fresh Python process and
reads that process's peak resident set size (Linux's ``VmHWM``, which counts
the NumPy buffers, the Numba runtime and any mapped file pages alike, reset
through ``/proc/self/clear_refs`` after the imports and a warm-up fit):

* ``stream``: ``--epochs`` passes of ``partial_fit`` over chunks of
  ``--chunk-rows`` rows, each chunk a ``np.memmap`` of just those rows that is
  dropped after use (a memmap of the whole file would keep every page it has
  read resident, and so counted in the RSS, until it is closed);
* ``whole``: ``np.fromfile`` of the whole file, then ``fit``.

The figure reported is the peak minus the RSS at that reset, so it is the
memory the data and the fit add (compiling the kernels, whose transient peak
would otherwise hide them, is done before). Run from the repository root:

    python benchmarks/bench_out_of_core.py
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, sys, time
import numpy as np
from skdecay import DecayLinearRegressor, DecaySGDRegressor

path, mode, rows, features, chunk_rows, epochs = sys.argv[1:7]
rows, features, chunk_rows, epochs = map(int, (rows, features, chunk_rows, epochs))
row_bytes = (features + 1) * 8  # the target is the last column

def rss_mib():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024

rng = np.random.RandomState(0)
DecaySGDRegressor().partial_fit(rng.randn(100, features), rng.randn(100))
DecayLinearRegressor().fit(rng.randn(100, features), rng.randn(100))
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak: compiling must not hide the fit's own
baseline = rss_mib()
start = time.perf_counter()
# The streaming estimator for the chunks, the batch one for the loaded data.
model = DecaySGDRegressor(alpha=1e-4)
if mode != "stream":
    model = DecayLinearRegressor(alpha=1e-4)
if mode == "stream":
    for _ in range(epochs):
        for first in range(0, rows, chunk_rows):
            n = min(chunk_rows, rows - first)
            chunk = np.memmap(path, dtype=np.float64, mode="r",
                              offset=first * row_bytes, shape=(n, features + 1))
            model.partial_fit(chunk[:, :-1], chunk[:, -1])
            del chunk
else:
    data = np.fromfile(path, dtype=np.float64).reshape(rows, features + 1)
    model.fit(data[:, :-1], data[:, -1])
seconds = time.perf_counter() - start
print(json.dumps({"baseline_mib": baseline, "peak_mib": rss_mib(),
                  "seconds": seconds, "coef": model.coef_.tolist()}))
"""


def write_dataset(path: Path, rows: int, features: int, chunk_rows: int) -> None:
    """Write ``[X | y]`` chunk by chunk, never holding more than one chunk."""
    rng = np.random.RandomState(0)
    true_coef = rng.randn(features)
    scales = np.logspace(-1, 2, features)  # raw features on different scales
    with open(path, "wb") as f:
        for first in range(0, rows, chunk_rows):
            n = min(chunk_rows, rows - first)
            X = rng.randn(n, features) * scales + 3.0
            y = (X / scales) @ true_coef + 0.5 * rng.randn(n)
            np.column_stack([X, y]).tofile(f)


def measure(path, mode, rows, features, chunk_rows, epochs) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), mode, str(rows), str(features),
         str(chunk_rows), str(epochs)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.f64"
        write_dataset(path, args.rows, args.features, args.chunk_rows)
        size_mib = path.stat().st_size / 2**20
        print(
            f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"Python {platform.python_version()}, numpy {np.__version__}, "
            f"{args.rows} x {args.features} float64 + target = {size_mib:.0f} MiB, "
            f"chunks of {args.chunk_rows} rows, {args.epochs} passes"
        )
        print("| mode | extra peak RSS MiB | seconds | baseline RSS MiB |")
        print("|---|---:|---:|---:|")
        results = {}
        for mode in ("stream", "whole"):
            r = measure(
                path, mode, args.rows, args.features, args.chunk_rows, args.epochs
            )
            results[mode] = r
            extra = r["peak_mib"] - r["baseline_mib"]
            print(
                f"| {mode} | {extra:.1f} | {r['seconds']:.2f} | "
                f"{r['baseline_mib']:.0f} |"
            )
        gap = np.max(
            np.abs(np.subtract(results["stream"]["coef"], results["whole"]["coef"]))
        )
        print(f"# largest |coef stream - coef whole|: {gap:.2e}")


if __name__ == "__main__":
    main()
