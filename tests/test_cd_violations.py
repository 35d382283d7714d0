"""The standardised violations of the working-set solvers' outer loop.

One output (the lasso, the binary logistic regression) takes a path of its
own, on vectors; it must give what the general path gives, which is checked
here by repeating the output (a feature's violation is its outputs'
largest, so two identical outputs give the one-output value).
"""

import numpy as np
import pytest

from skdecay._core._solvers._cd import standardised_violations


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_output_violations_match_the_general_path(dtype):
    rng = np.random.default_rng(0)
    n_features = 50
    W = rng.standard_normal((n_features, 1)).astype(dtype)
    W[rng.random(n_features) < 0.6] = 0.0  # at zero: max(|grad| - l1, 0)
    grad = rng.standard_normal((n_features, 1)).astype(dtype)
    l1 = rng.uniform(0.0, 1.0, (n_features, 1))
    l1[:5] = 0.0
    root = rng.uniform(0.5, 2.0, n_features)
    grad_intercept = np.array([-0.25], dtype=dtype)

    per_feature, at_intercept = standardised_violations(
        W, grad, grad_intercept, l1, root, 2.0
    )
    twice, at_intercept_twice = standardised_violations(
        np.hstack([W, W]), np.hstack([grad, grad]),
        np.repeat(grad_intercept, 2), l1, root, 2.0,
    )  # fmt: skip
    np.testing.assert_array_equal(per_feature, twice)
    assert at_intercept == at_intercept_twice == 0.125
    # Off zero the violation is |grad + l1 sign(w)|, at zero the excess of
    # |grad| over l1, both scaled by 1 / root.
    moved = W[:, 0] != 0.0
    expected = np.where(
        moved,
        np.abs(grad[:, 0] + np.copysign(l1[:, 0], W[:, 0])),
        np.maximum(np.abs(grad[:, 0]) - l1[:, 0], 0.0),
    )
    np.testing.assert_allclose(per_feature, expected / root, rtol=1e-6)
    assert np.any(per_feature[~moved] == 0.0) and np.all(per_feature >= 0.0)


def test_violations_without_an_intercept():
    W = np.zeros((3, 1))
    grad = np.array([[2.0], [-0.5], [0.0]])
    per_feature, at_intercept = standardised_violations(
        W, grad, np.zeros(0), np.ones((3, 1)), np.ones(3), 1.0
    )
    np.testing.assert_array_equal(per_feature, [1.0, 0.0, 0.0])
    assert at_intercept == 0.0
