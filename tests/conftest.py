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
