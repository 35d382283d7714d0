"""The first compilation in a process is announced once, through logging."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import numpy as np
from skdecay import DecayLinearRegressor
X = np.random.RandomState(0).randn(50, 4)
y = X @ np.arange(4.0)
for _ in range(2):
    DecayLinearRegressor(penalty="l1", alpha=0.01).fit(X, y)
"""


def run(cache_dir):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
        timeout=600, check=True,
    )  # fmt: skip
    return result.stderr


def test_first_compile_is_announced_once_then_not_again(tmp_path):
    cold = run(tmp_path)
    assert cold.count("skdecay: compiling the 'cd' kernels") == 1, cold
    warm = run(tmp_path)
    assert "compiling" not in warm, warm


SOLVERS_SCRIPT = """
import numpy as np
from skdecay import DecayLinearRegressor, DecayLogisticClassifier
X = np.random.RandomState(0).randn(50, 4)
y = X @ np.arange(4.0)
DecayLinearRegressor().fit(X, y)
DecayLogisticClassifier().fit(X, y > 0)
DecayLogisticClassifier(penalty="l1", alpha=0.01).fit(X, y > 0)
"""


def test_newton_compiles_nothing_and_the_notice_quotes_the_measured_time(tmp_path):
    """Ridge and L2 logistic fits (Newton, NumPy) say nothing; the first
    compiled fit announces itself with the time measured for its solver."""
    from skdecay._compile_notice import EXPECTED_SECONDS

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    stderr = subprocess.run(
        [sys.executable, "-c", SOLVERS_SCRIPT], env=env, capture_output=True,
        text=True, timeout=600, check=True,
    ).stderr  # fmt: skip
    assert stderr.count("compiling") == 1, stderr
    expected = EXPECTED_SECONDS["prox_newton"]
    assert "compiling the 'prox_newton' kernels" in stderr, stderr
    assert f"(about {expected} s;" in stderr, stderr
