"""Streaming updates: the penalty flow, lazy sparse steps and ``partial_fit``."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_regression
from sklearn.preprocessing import StandardScaler

from skdecay._core._problem import NonFiniteIterateError
from skdecay._core._sgd import (
    new_stream_state,
    penalty_flow,
    penalty_flow_integral,
    stream_pass,
)


def _euler_flow(w, decay, shrink, h, n_steps=20_000):
    """The penalty ODE by tiny explicit steps, stopping at zero."""
    dt = h / n_steps
    area = 0.0
    for _ in range(n_steps):
        area += w * dt
        new = w - dt * (decay * w + shrink * np.sign(w))
        w = 0.0 if new * w <= 0.0 else new
    return w, area


@pytest.mark.parametrize(
    "w, decay, shrink, h",
    [
        (1.5, 0.3, 0.0, 2.0),  # pure weight decay
        (-1.5, 0.0, 0.4, 2.0),  # pure L1 shrinkage, no zero crossing
        (0.5, 0.2, 0.4, 3.0),  # elastic net, reaches zero
        (-2.0, 1e-9, 0.1, 1.0),  # decay far below rounding of exp
    ],
)
def test_penalty_flow_solves_the_ode(w, decay, shrink, h):
    expected, expected_area = _euler_flow(w, decay, shrink, h)
    assert penalty_flow(w, decay, shrink, h) == pytest.approx(expected, abs=1e-3)
    assert penalty_flow_integral(w, decay, shrink, h) == pytest.approx(
        expected_area, abs=1e-3
    )


def test_penalty_flow_composes_exactly():
    """What makes the lazy update exact: flowing for h1 then h2 is one flow."""
    rng = np.random.RandomState(0)
    for _ in range(200):
        w = rng.randn() * 3
        decay, shrink = rng.exponential(size=2) * rng.randint(0, 2, size=2)
        h1, h2 = rng.exponential(size=2)
        both = penalty_flow(w, decay, shrink, h1 + h2)
        split = penalty_flow(penalty_flow(w, decay, shrink, h1), decay, shrink, h2)
        assert split == pytest.approx(both, rel=1e-12, abs=1e-14)
        area = penalty_flow_integral(w, decay, shrink, h1 + h2)
        area_split = penalty_flow_integral(w, decay, shrink, h1)
        area_split += penalty_flow_integral(
            penalty_flow(w, decay, shrink, h1), decay, shrink, h2
        )
        assert area_split == pytest.approx(area, rel=1e-10, abs=1e-14)


def _passes(X, Y, n_passes, loss="squared", **kwargs):
    options = dict(
        loss=loss,
        l1=0.01,
        l2=0.02,
        fit_intercept=True,
        batch_size=4,
        learning_rate=None,
        power_t=0.5,
        average_after=-1,
    )
    options.update(kwargs)
    state = new_stream_state(
        X.shape[1], Y.shape[1], centered=options.pop("centered", False)
    )
    objectives = []
    for _ in range(n_passes):
        state, objective = stream_pass(X, Y, np.ones(X.shape[0]), state, **options)
        objectives.append(objective)
    return state, objectives


@pytest.mark.parametrize("average_after", [-1, 30])
def test_lazy_sparse_steps_equal_eager_dense_steps(average_after):
    """A CSR row touches its non-zeros only, the dense row every feature: the
    penalty of the untouched features is applied later, in one exact flow, so
    both give the same iterates (and the same averages)."""
    rng = np.random.RandomState(0)
    X = sp.random(60, 40, density=0.1, format="csr", random_state=rng)
    Y = rng.randn(60, 2)
    sparse_state, _ = _passes(X, Y, 3, average_after=average_after)
    dense_state, _ = _passes(X.toarray(), Y, 3, average_after=average_after)
    assert np.count_nonzero(sparse_state.coef) > 0
    for sparse, dense in zip(
        sparse_state.coefficients(), dense_state.coefficients(), strict=True
    ):
        np.testing.assert_allclose(sparse, dense, rtol=1e-10, atol=1e-12)


def test_state_is_not_modified_and_failure_raises():
    X, y = make_regression(n_samples=50, n_features=5, random_state=0)
    Y = y.reshape(-1, 1)
    state = new_stream_state(5, 1, centered=True)
    state, _ = stream_pass(
        X, Y, np.ones(50), state, loss="squared", l1=0.0, l2=0.0,
        fit_intercept=True, batch_size=1, learning_rate=None, power_t=0.5,
        average_after=-1,
    )  # fmt: skip
    before = state.coef.copy(), state.clock.copy()
    with pytest.raises(NonFiniteIterateError, match="learning_rate=1e"):
        stream_pass(
            X * 1e150, Y, np.ones(50), state, loss="squared", l1=0.0, l2=0.0,
            fit_intercept=True, batch_size=1, learning_rate=1e10, power_t=0.5,
            average_after=-1,
        )  # fmt: skip
    np.testing.assert_array_equal(state.coef, before[0])
    np.testing.assert_array_equal(state.clock, before[1])


def test_float32_and_float64_rows_give_the_same_pass():
    X, y = make_classification(n_samples=80, n_features=6, random_state=0)
    Y = y.reshape(-1, 1).astype(float)
    s64, _ = _passes(X, Y, 2, loss="logistic", centered=True)
    s32, _ = _passes(X.astype(np.float32), Y, 2, loss="logistic", centered=True)
    np.testing.assert_allclose(s32.coefficients()[0], s64.coefficients()[0], rtol=1e-4)


def test_progressive_objective_decreases_over_passes():
    X, y = make_classification(n_samples=300, n_features=10, random_state=0)
    X = StandardScaler().fit_transform(X)
    _, objectives = _passes(X, y.reshape(-1, 1).astype(float), 6, loss="logistic")
    assert objectives[-1] < objectives[0]
    assert np.all(np.isfinite(objectives))
