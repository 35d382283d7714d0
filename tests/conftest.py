import os

# scikit-learn's check_array_api_input skips unless SciPy's array-API mode is
# on, and SciPy reads the variable once, at import: set it before any import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
# Displays and their doctests draw headless, whatever the machine has.
os.environ.setdefault("MPLBACKEND", "Agg")
import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_iris,
    load_linnerud,
    load_wine,
)
from threadpoolctl import threadpool_limits


def pytest_configure(config):
    """Under pytest-xdist, one BLAS thread per worker.

    Every worker has a core of its own (``-n 2`` on two cores): BLAS threads
    of its own would only oversubscribe the cores. Measured with -n 2,
    tests/test_real_data.py and tests/test_equivalence.py took 56 s with
    OpenBLAS's default threads and 35-43 s with one. The variables reach the
    subprocesses the tests start.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    threadpool_limits(limits=1, user_api="blas")


@pytest.fixture(scope="session")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.fixture(scope="session")
def linnerud():
    """Multi-output regression: 20 samples, 3 raw features, 3 targets."""
    X, Y = load_linnerud(return_X_y=True)
    return X.astype(np.float64), Y.astype(np.float64)


@pytest.fixture(scope="session")
def breast_cancer():
    """Binary classification on raw features spanning six orders of magnitude."""
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="session")
def wine():
    """Three classes on raw features of very different scales."""
    return load_wine(return_X_y=True)


@pytest.fixture(scope="session")
def iris():
    return load_iris(return_X_y=True)
