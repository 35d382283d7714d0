"""
=====================================================
Out of core: streaming a memmap through partial_fit
=====================================================

A dataset larger than the memory we allow the fit is written to disk, then
read back in chunks of 5 000 rows, each a :class:`numpy.memmap` of just those
rows, and fed to :meth:`~skdecay.DecaySGDClassifier.partial_fit`. The
memory budget is 32 MiB on top of the interpreter; the dataset is about
120 MiB. At the end the script prints the peak resident memory the stream
added (Linux's ``VmHWM``, reset after a warm-up fit so that compiling
the kernels does not hide it; ``resource.getrusage`` elsewhere) and saves
the objective of every chunk, measured on the chunk before the model learns from it, to
``plot_out_of_core.png`` next to this file.

Features are left raw, on scales from 0.1 to 100: ``partial_fit``
preconditions its steps with the running variance of each feature, so no
StandardScaler pass over the data is needed first.
"""

# %%
# A dataset on disk, and chunks of it as memmaps
# ----------------------------------------------
# The rows are written one chunk at a time, so the whole array never exists
# in memory; each chunk read back is a memmap of just its rows, unmapped
# once the model has learnt from it.

import resource
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from skdecay import DecaySGDClassifier

N_ROWS, N_FEATURES, CHUNK_ROWS, N_PASSES = 300_000, 50, 5_000, 2
BUDGET_MIB = 32
CLEAR_REFS = Path("/proc/self/clear_refs")


def peak_rss_mib():
    """Peak resident set size of this process since :func:`reset_peak`."""
    if CLEAR_REFS.exists():  # Linux: the high-water mark, resettable
        with open("/proc/self/status") as f:
            line = next(line for line in f if line.startswith("VmHWM"))
        return int(line.split()[1]) / 2**10
    scale = 2**20 if sys.platform == "darwin" else 2**10
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def reset_peak():
    """Forget the peak so far (Linux), so that compiling does not hide ours."""
    if CLEAR_REFS.exists():
        CLEAR_REFS.write_text("5")


def write_dataset(path):
    """Rows ``[x_1 .. x_p, label]`` in float64, written one chunk at a time."""
    rng = np.random.RandomState(0)
    true_coef = rng.randn(N_FEATURES)
    scales = np.logspace(-1, 2, N_FEATURES)
    with open(path, "wb") as f:
        for _ in range(0, N_ROWS, CHUNK_ROWS):
            X = rng.randn(CHUNK_ROWS, N_FEATURES)
            label = (X @ true_coef + rng.logistic(size=CHUNK_ROWS)) > 0
            np.column_stack([X * scales + 5.0, label]).tofile(f)


def chunks(path):
    """Chunks of rows as memmaps of the file, one mapping at a time."""
    row_bytes = (N_FEATURES + 1) * 8
    for first in range(0, N_ROWS, CHUNK_ROWS):
        chunk = np.memmap(
            path, dtype=np.float64, mode="r", offset=first * row_bytes,
            shape=(CHUNK_ROWS, N_FEATURES + 1),
        )  # fmt: skip
        yield chunk[:, :-1], chunk[:, -1].astype(int)
        del chunk  # unmaps it: its pages no longer count as ours


# %%
# Stream the file through partial_fit, twice
# ------------------------------------------
# The kernels are compiled (or loaded from Numba's cache) on a warm-up fit
# first, and the memory high-water mark reset after it, so that the peak
# measured is the stream's own.

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "stream.f64"
    write_dataset(path)
    size_mib = path.stat().st_size / 2**20

    clf = DecaySGDClassifier(alpha=1e-4)
    # Warm up (compile or load the Numba kernels) before taking the baseline.
    X0, y0 = next(chunks(path))
    DecaySGDClassifier().partial_fit(X0[:100], y0[:100], classes=[0, 1])
    del X0, y0
    reset_peak()
    baseline = peak_rss_mib()

    start = time.perf_counter()
    for _ in range(N_PASSES):
        for X, y in chunks(path):
            clf.partial_fit(X, y, classes=[0, 1])
    seconds = time.perf_counter() - start
    extra = peak_rss_mib() - baseline
    X, y = next(chunks(path))
    accuracy = clf.score(X, y)
    del X, y

print(
    f"dataset {size_mib:.0f} MiB, streamed {N_PASSES} times in {seconds:.1f} s; "
    f"peak memory added {extra:.1f} MiB (budget {BUDGET_MIB} MiB); "
    f"accuracy on the first chunk {accuracy:.3f}"
)
assert extra < BUDGET_MIB, "the stream went over its memory budget"

# %%
# The objective chunk by chunk
# ----------------------------
# Each point is the objective on a chunk measured before the model takes its
# steps on it (progressive validation), so it estimates the objective on
# unseen rows. It levels off within the first few chunks; the second pass
# (right of the dashed line) stays at that level.

fig, ax = plt.subplots(figsize=(6, 3.5))
n_chunks = N_ROWS // CHUNK_ROWS
ax.plot(np.arange(1, len(clf.loss_curve_) + 1), clf.loss_curve_, marker=".")
for p in range(1, N_PASSES):
    ax.axvline(p * n_chunks + 0.5, color="grey", lw=0.8, ls="--")
ax.set_xlabel("chunk (dashed: start of a new pass)")
ax.set_ylabel("objective on the chunk, before its steps")
ax.set_title(f"partial_fit over a {size_mib:.0f} MiB memmap, +{extra:.0f} MiB peak")
fig.tight_layout()
# Next to this script (sys.argv[0]: sphinx-gallery runs it without __file__).
fig.savefig(Path(sys.argv[0]).with_suffix(".png"), dpi=100)
