"""decay_objective: its value on hand-computed cases, and what it refuses.

Wrong shapes used to fail deep in NumPy (``matmul: Input operand 1 has a
mismatch in its core dimension ...``) or, worse, broadcast into a wrong
number; each refusal below names the argument and the expected shape.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp

from skdecay import decay_objective

RNG = np.random.RandomState(0)
X = RNG.randn(60, 4)
Y_REG = RNG.randn(60)
Y_BIN = (RNG.rand(60) > 0.5).astype(int)
Y_MULTI = RNG.randint(0, 3, size=60)


def test_squared_loss_by_hand():
    coef, intercept = np.array([1.0, -2.0, 0.5, 0.0]), 0.3
    residual = Y_REG - X @ coef - intercept
    expected = 0.5 * np.mean(residual**2) + 0.5 * 0.1 * np.sum(coef**2)
    value = decay_objective(X, Y_REG, coef, intercept, alpha=0.1)
    assert value == pytest.approx(expected, rel=1e-12)
    # The same on a sparse X, and with the coefficients as one row.
    assert decay_objective(
        sp.csr_matrix(X), Y_REG, coef[None], [intercept], alpha=0.1
    ) == pytest.approx(expected, rel=1e-12)


def test_multinomial_and_weights_by_hand():
    coef = RNG.randn(3, 4)
    intercept = np.array([0.1, 0.0, -0.1])
    sw = RNG.rand(60) + 0.5
    Z = X @ coef.T + intercept
    pointwise = logsumexp(Z, axis=1) - Z[np.arange(60), Y_MULTI]
    expected = np.dot(sw, pointwise) / sw.sum() + 0.2 * np.abs(coef).sum()
    value = decay_objective(
        X,
        Y_MULTI,
        coef,
        intercept,
        loss="multinomial",
        alpha=0.2,
        penalty="l1",
        sample_weight=sw,
    )
    assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # The example: 3 coefficients for 4 features.
        ({"coef": np.ones(3)}, r"n_features=4 .*got shape \(3,\)"),
        ({"coef": np.ones((2, 3, 4))}, r"coef must have shape .*\(2, 3, 4\)"),
        ({"X": X[:, 0]}, r"X must be 2-D.*\(60,\)"),
        ({"intercept": np.zeros(2)}, r"intercept .*\(1,\).*got shape \(2,\)"),
        ({"intercept": np.zeros((1, 1))}, r"intercept .*got shape \(1, 1\)"),
        ({"y": Y_REG[:50]}, r"n_samples=60 .*got shape \(50,\)"),
        ({"y": np.c_[Y_REG, Y_REG]}, r"y has 2 target\(s\) .*coef has 1 row"),
        ({"sample_weight": np.ones(59)}, r"sample_weight .*\(60,\).*\(59,\)"),
        ({"loss": "hinge"}, r"loss must be one of"),
    ],
)
def test_squared_loss_refuses_wrong_shapes(kwargs, message):
    arguments = {"X": X, "y": Y_REG, "coef": np.ones(4), "intercept": 0.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        decay_objective(**arguments)


def test_logistic_refuses_labels_other_than_0_1_and_several_rows():
    with pytest.raises(ValueError, match=r"0/1 labels; got the values \[-1  1\]"):
        decay_objective(X, 2 * Y_BIN - 1, np.ones(4), loss="logistic")
    with pytest.raises(ValueError, match="0/1 labels"):
        decay_objective(X, np.where(Y_BIN, "yes", "no"), np.ones(4), loss="logistic")
    with pytest.raises(ValueError, match="needs one row of coefficients"):
        decay_objective(X, Y_BIN, np.ones((2, 4)), loss="logistic")
    with pytest.raises(ValueError, match=r"y must be 1-D"):
        decay_objective(X, Y_BIN[:, None], np.ones(4), loss="logistic")
    # Booleans are 0/1 labels.
    assert decay_objective(
        X, Y_BIN.astype(bool), np.ones(4), loss="logistic"
    ) == pytest.approx(decay_objective(X, Y_BIN, np.ones(4), loss="logistic"))


@pytest.mark.parametrize("y", [Y_MULTI + 1, Y_MULTI - 1, Y_MULTI + 0.5])
def test_multinomial_refuses_labels_out_of_range(y):
    with pytest.raises(ValueError, match=r"class indices 0 \.\. 2"):
        decay_objective(X, y, np.ones((3, 4)), np.zeros(3), loss="multinomial")
