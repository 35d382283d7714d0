"""Streaming a file larger than the memory budget keeps the peak memory bounded.

The measure is the peak resident set size of a subprocess (Linux's
``VmHWM``, reset through ``/proc/self/clear_refs`` once the imports and a
warm-up fit are done, so that compiling the kernels does not hide the
stream's own peak), not ``tracemalloc``: tracemalloc sees only allocations
made through Python's allocator, while the Numba runtime's arrays and the
pages of a memory-mapped file count in the RSS, which is what runs out on a
real machine.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc"
)

N_ROWS, N_FEATURES, CHUNK_ROWS = 100_000, 50, 2_000
BUDGET_MIB = 16

CHILD = r"""
import json, sys
import numpy as np
from skdecay import DecaySGDRegressor

path, rows, features, chunk_rows = sys.argv[1], *map(int, sys.argv[2:5])
row_bytes = (features + 1) * 8

def peak_mib():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024

def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

rng = np.random.RandomState(0)
DecaySGDRegressor().partial_fit(rng.randn(100, features), rng.randn(100))
reset_peak()
baseline = peak_mib()
model = DecaySGDRegressor(alpha=1e-3)
for first in range(0, rows, chunk_rows):
    chunk = np.memmap(path, dtype=np.float64, mode="r", offset=first * row_bytes,
                      shape=(chunk_rows, features + 1))
    model.partial_fit(chunk[:, :-1], chunk[:, -1])
    del chunk
streamed = peak_mib()
reset_peak()
before_load = peak_mib()
whole = np.fromfile(path, dtype=np.float64)  # the measure must see this
loaded = peak_mib()
print(json.dumps({"stream": streamed - baseline, "whole": loaded - before_load,
                  "coef": model.coef_.tolist()}))
"""


def test_streaming_a_memmap_stays_within_the_budget(tmp_path):
    rng = np.random.RandomState(0)
    true_coef = rng.randn(N_FEATURES)
    path = tmp_path / "data.f64"
    with open(path, "wb") as f:
        for _ in range(0, N_ROWS, CHUNK_ROWS):
            X = rng.randn(CHUNK_ROWS, N_FEATURES)
            y = X @ true_coef + 0.1 * rng.randn(CHUNK_ROWS)
            np.column_stack([X, y]).tofile(f)
    size_mib = path.stat().st_size / 2**20
    assert size_mib > 2 * BUDGET_MIB

    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(N_ROWS), str(N_FEATURES),
         str(CHUNK_ROWS)],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["stream"] < BUDGET_MIB
    # The measure is sensitive: loading the file whole shows up in full.
    assert result["whole"] > 0.9 * size_mib
    # And the stream learned the model.
    np.testing.assert_allclose(result["coef"], true_coef, atol=0.05)
