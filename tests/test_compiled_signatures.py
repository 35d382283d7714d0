"""Every compiled kernel has one version per dtype (and per loss it is
specialised on), whatever the layout of ``X``, and reloads from the cache.

A second compiled version of a kernel costs its whole compile time again (a
literal constant in a call, a read-only or Fortran array where a writable or
C one was seen before, ...); a kernel that misses the cache in a new process
(a jitted function passed as an argument, numba#6264) costs it in every
process. These tests catch both.
"""

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import warnings
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from numba import types
from numba.core.registry import CPUDispatcher

from skdecay import (
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayLogisticClassifierCV,
    decay_path,
)

SOLVERS = ["gd", "fista", "cd", "prox_newton", "auto"]


def _kernels():
    """Every Numba dispatcher defined in a ``skdecay._core`` module."""
    import skdecay._core as core

    seen = set()
    for info in pkgutil.walk_packages(core.__path__, core.__name__ + "."):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module):
            if isinstance(obj, CPUDispatcher) and id(obj) not in seen:
                seen.add(id(obj))
                yield obj


def _version_key(signature):
    """What may tell two compiled versions of one kernel apart: the dtypes
    of the arrays in its arguments (nested in NamedTuples too) and the loss
    markers (empty NamedTuple classes, see ``skdecay._core._losses``)."""
    key = []

    def walk(t):
        if isinstance(t, types.Array):
            key.append(str(t.dtype))
        elif isinstance(t, types.BaseNamedTuple) and len(t.types) == 0:
            key.append(t.instance_class.__name__)
        elif isinstance(t, types.BaseTuple):
            for item in t.types:
                walk(item)

    for t in signature:
        walk(t)
    return tuple(key)


def _inputs(X):
    yield "dense C", np.ascontiguousarray(X)
    yield "dense F", np.asfortranarray(X)
    yield "CSR", sp.csr_matrix(X)
    yield "CSC", sp.csc_matrix(X)


def _fit_everything():
    rng = np.random.RandomState(0)
    X64 = rng.randn(40, 6)
    X64[X64 < -0.5] = 0.0  # some structural zeros for the sparse inputs
    y_reg = X64 @ rng.randn(6) + 0.1 * rng.randn(40)
    y_bin = (y_reg > 0).astype(int)
    y_multi = np.digitize(y_reg, np.quantile(y_reg, [1 / 3, 2 / 3]))
    small = {"max_iter": 20, "tol": 1e-3}
    cv_small = {"alphas": 3, "cv": 2, "max_iter": 20, "tol": 1e-3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dtype in (np.float64, np.float32):
            for _, X in _inputs(X64.astype(dtype)):
                for solver in SOLVERS:
                    for penalty in ("l2", "l1"):
                        alpha = 0.01
                        fits = [
                            (DecayLinearRegressor, y_reg),
                            (DecayLogisticClassifier, y_bin),
                            (DecayLogisticClassifier, y_multi),
                        ]
                        for cls, y in fits:
                            est = cls(solver=solver, penalty=penalty, alpha=alpha)
                            est.set_params(**small).fit(X, y)
                        for cls, y in (
                            (DecayLinearRegressorCV, y_reg),
                            (DecayLogisticClassifierCV, y_bin),
                            (DecayLogisticClassifierCV, y_multi),
                        ):
                            try:
                                cls(solver=solver, penalty=penalty, **cv_small).fit(
                                    X, y
                                )
                            except ValueError:
                                pass
                        for loss, y in (
                            ("squared", y_reg),
                            ("logistic", y_bin),
                        ):
                            try:
                                decay_path(
                                    X, y, loss=loss, penalty=penalty, n_alphas=3,
                                    solver=solver, max_iter=20, tol=1e-3,
                                )  # fmt: skip
                            except ValueError:
                                pass


@pytest.fixture(scope="module")
def fitted_everything():
    _fit_everything()


def test_one_compiled_version_per_dtype(fitted_everything):
    """One signature per dtype (and loss marker) for every kernel."""
    duplicated = {}
    n_kernels = 0
    for kernel in _kernels():
        signatures = kernel.signatures
        if not signatures:  # not used by these estimators (or moved out of Numba)
            continue
        n_kernels += 1
        literals = [
            s
            for s in signatures
            if any(isinstance(t, (types.Literal, types.Omitted)) for t in s)
        ]
        counts = Counter(_version_key(s) for s in signatures)
        if literals or max(counts.values()) > 1:
            duplicated[kernel.py_func.__qualname__] = [str(s) for s in signatures]
    assert n_kernels > 0
    assert not duplicated, json.dumps(duplicated, indent=1)


CHILD = """
import json, warnings
import numpy as np, scipy.sparse as sp
warnings.simplefilter("ignore")
from skdecay import DecayLinearRegressor, DecayLogisticClassifier, DecaySGDRegressor
rng = np.random.RandomState(0)
X = rng.randn(60, 5)
y = X @ rng.randn(5)
classes = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
for data in (X, sp.csr_matrix(X)):
    DecayLinearRegressor(penalty="l1", alpha=0.01).fit(data, y)
    DecayLinearRegressor(penalty="elasticnet", alpha=0.01).fit(data, y)
    DecayLogisticClassifier(penalty="l1", alpha=0.01).fit(data, y > 0)
    DecayLogisticClassifier(solver="gd", max_iter=20).fit(data, y > 0)
    DecayLogisticClassifier(solver="fista", max_iter=20).fit(data, y > 0)
    DecayLogisticClassifier(penalty="l1", alpha=0.01).fit(data, classes)
    DecayLogisticClassifier(solver="cd", penalty="l1", alpha=0.01).fit(data, classes)
    DecaySGDRegressor(penalty="l1", alpha=0.01).partial_fit(data, y)
    DecaySGDRegressor(penalty="l1", alpha=0.01, max_iter=5).fit(data, y)
sys_path = __import__("sys").path
sys_path.insert(0, {tests!r})
from test_compiled_signatures import _kernels
misses = {{k.py_func.__qualname__: sum(k.stats.cache_misses.values())
          for k in _kernels() if k.signatures}}
print(json.dumps(misses))
"""


def test_kernels_load_from_cache_in_a_new_process():
    """A second process with the same cache compiles nothing.

    The children share the test run's own cache (whatever the other tests
    compiled is there already, and the first child adds the rest): a fresh
    one made the first child compile every solver again, 21 s of the run.
    Another test process may rewrite a kernel's cache index at the moment
    the first child saves to it (the last writer wins), so a child that
    still compiled is given one more chance; a kernel that cannot be cached
    compiles in every process and fails.
    """
    code = CHILD.format(tests=os.path.dirname(__file__))
    env = dict(os.environ)
    for attempt in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        misses = json.loads(out.stdout.strip().splitlines()[-1])
        if attempt >= 1 and sum(misses.values()) == 0:
            break
    assert misses, "no kernel ran"
    assert sum(misses.values()) == 0, {k: v for k, v in misses.items() if v}


SHARED = """
import json, warnings
import numpy as np
from numba.core import event
warnings.simplefilter("ignore")
from skdecay import DecayLinearRegressor, DecayLogisticClassifier, DecaySGDRegressor
rng = np.random.RandomState(0)
X = rng.randn(60, 5)
y = X @ rng.randn(5)


class Counter(event.Listener):
    count = 0

    def on_start(self, ev):
        Counter.count += 1

    def on_end(self, ev):
        pass


def compiles(estimator, target):
    Counter.count = 0
    with event.install_listener("numba:compile", Counter()):
        estimator.fit(X, target)
    return Counter.count


print(json.dumps({
    "lasso": compiles(DecayLinearRegressor(penalty="l1", alpha=0.01), y),
    "l1 logistic after the lasso": compiles(
        DecayLogisticClassifier(penalty="l1", alpha=0.01), y > 0
    ),
    "fista": compiles(DecayLogisticClassifier(solver="fista", max_iter=20), y > 0),
    "gd after fista": compiles(
        DecayLogisticClassifier(solver="gd", max_iter=20), y > 0
    ),
    "ridge": compiles(DecayLinearRegressor(), y),
    "l2 logistic": compiles(DecayLogisticClassifier(), y > 0),
}))
"""


def test_solvers_share_their_kernels(tmp_path):
    """In a new environment, proximal Newton's models run on the lasso's
    compiled coordinate descent, gradient descent on FISTA's kernel, and
    Newton compiles nothing: each compiles nothing after the other."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", SHARED], env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    assert counts["lasso"] > 0 and counts["fista"] > 0, counts
    assert counts["l1 logistic after the lasso"] == 0, counts
    assert counts["gd after fista"] == 0, counts
    assert counts["ridge"] == counts["l2 logistic"] == 0, counts
