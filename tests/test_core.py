"""The Numba core: kernels against NumPy, losses against finite differences,
and the invariances a user relies on (layout, dtype, weights, determinism)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_regression

from skdecay import DecayLinearRegressor, DecayLogisticClassifier
from skdecay._core._linalg import (
    column_entry,
    column_major,
    column_range,
    design_matmul,
    design_rmatmul,
    make_design,
    weighted_column_moments,
)
from skdecay._core._losses import (
    LOSS_CODES,
    intercept_at_zero,
    loss_gradient,
    loss_value,
)
from skdecay._core._prox import optimality_residual, soft_threshold
from skdecay._core._solvers._cd import ANDERSON_MEMORY, _anderson_weights

LAYOUTS = {
    "C": np.ascontiguousarray,
    "F": np.asfortranarray,
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
}


def _sparse_data(rng, n=30, p=7):
    X = rng.randn(n, p)
    X[rng.rand(n, p) < 0.6] = 0.0
    return X


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_products_match_numpy(layout, dtype):
    rng = np.random.RandomState(0)
    X = _sparse_data(rng).astype(dtype)
    design = make_design(LAYOUTS[layout](X))
    W = rng.randn(7, 3).astype(dtype)
    b = rng.randn(3).astype(dtype)
    x_mean = rng.randn(7).astype(dtype)
    Z = np.empty((30, 3), dtype=dtype)
    design_matmul(design, W, b, x_mean, Z)
    Xc = X.astype(np.float64) - x_mean
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(Z, Xc @ W + b, rtol=rtol, atol=rtol)
    G = rng.randn(30, 3).astype(dtype)
    out = np.empty((7, 3), dtype=dtype)
    design_rmatmul(design, G, x_mean, out)
    np.testing.assert_allclose(out, Xc.T @ G, rtol=rtol, atol=10 * rtol)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("center", [True, False])
def test_weighted_column_moments(layout, center):
    rng = np.random.RandomState(1)
    X = _sparse_data(rng) + (3.0 if layout in ("C", "F") else 0.0)
    w = rng.rand(30)
    w /= w.sum()
    mean, spread = weighted_column_moments(make_design(LAYOUTS[layout](X)), w, center)
    expected_mean = w @ X if center else np.zeros(7)
    np.testing.assert_allclose(mean, expected_mean, atol=1e-12)
    np.testing.assert_allclose(spread, w @ (X - expected_mean) ** 2, rtol=1e-10)


@pytest.mark.parametrize("layout", ["F", "csc"])
def test_column_walk_reads_every_stored_entry(layout):
    X = _sparse_data(np.random.RandomState(5))
    design = make_design(column_major(LAYOUTS[layout](X)))
    for j in range(X.shape[1]):
        column = np.zeros(X.shape[0])
        start, stop = column_range(design, j)
        for jj in range(start, stop):
            i, value = column_entry(design, j, jj)
            column[i] += value
        np.testing.assert_array_equal(column, X[:, j])


def test_anderson_weights_recover_the_fixed_point_of_a_linear_map():
    """On x <- A x + c in dimension d, d + 1 differences of iterates and
    their Anderson combination give the fixed point exactly."""
    rng = np.random.RandomState(6)
    d = ANDERSON_MEMORY - 1
    Q, _ = np.linalg.qr(rng.randn(d, d))
    A = Q @ np.diag(np.linspace(0.1, 0.9, d)) @ Q.T
    c = rng.randn(d)
    history = np.empty((ANDERSON_MEMORY + 1, d))
    history[0] = rng.randn(d)
    for t in range(ANDERSON_MEMORY):
        history[t + 1] = A @ history[t] + c
    weights = _anderson_weights(history)
    assert weights.sum() == pytest.approx(1.0)
    extrapolated = weights @ history[1:]
    fixed_point = np.linalg.solve(np.eye(d) - A, c)
    plain_error = np.abs(history[-1] - fixed_point).max()
    # Exact but for the Tikhonov term and rounding on a rank-deficient
    # system (5 differences in 4 dimensions): far better than iterating.
    assert np.abs(extrapolated - fixed_point).max() < 1e-3 * plain_error


def test_anderson_gives_up_when_the_iterates_stop_moving():
    assert _anderson_weights(np.ones((ANDERSON_MEMORY + 1, 4))).shape == (0,)


def test_design_keeps_user_arrays_uncopied():
    X = np.asfortranarray(np.random.RandomState(0).randn(20, 4))
    assert np.shares_memory(make_design(X).dense, X)
    S = sp.csr_matrix(X)
    design = make_design(S)
    assert np.shares_memory(design.data, S.data)
    assert np.shares_memory(design.indices, S.indices)


@pytest.mark.parametrize("loss", list(LOSS_CODES))
def test_loss_gradient_is_the_derivative(loss):
    rng = np.random.RandomState(2)
    n, k = 9, (3 if loss == "multinomial" else 1)
    if loss == "squared":
        Y = rng.randn(n, k)
    elif loss == "logistic":
        Y = rng.randint(0, 2, (n, 1)).astype(float)
    else:
        Y = np.eye(k)[rng.randint(0, k, n)]
    Z = 3 * rng.randn(n, k)
    w = rng.rand(n)
    w /= w.sum()
    code = LOSS_CODES[loss]
    G = np.empty_like(Z)
    value = loss_gradient(code, Y, Z, w, G)
    assert value == pytest.approx(loss_value(code, Y, Z, w), rel=1e-12)
    eps = 1e-6
    for i in range(n):
        for j in range(k):
            Zp, Zm = Z.copy(), Z.copy()
            Zp[i, j] += eps
            Zm[i, j] -= eps
            numeric = (loss_value(code, Y, Zp, w) - loss_value(code, Y, Zm, w)) / (
                2 * eps
            )
            assert G[i, j] == pytest.approx(numeric, rel=1e-5, abs=1e-9)
    # The intercept at zero minimises the loss over constant predictors.
    b0 = intercept_at_zero(code, Y, w)
    G0 = np.empty_like(Z)
    loss_gradient(code, Y, np.tile(b0, (n, 1)), w, G0)
    np.testing.assert_allclose(G0.sum(axis=0), 0.0, atol=1e-10)


def test_logistic_loss_is_stable_for_large_scores():
    Y = np.array([[1.0], [0.0]])
    Z = np.array([[800.0], [-800.0]])
    w = np.array([0.5, 0.5])
    assert loss_value(LOSS_CODES["logistic"], Y, Z, w) == pytest.approx(0.0, abs=1e-300)
    Z = np.array([[-800.0], [800.0]])
    assert loss_value(LOSS_CODES["logistic"], Y, Z, w) == pytest.approx(800.0)


def test_soft_threshold_and_residual():
    assert soft_threshold(3.0, 1.0) == 2.0
    assert soft_threshold(-3.0, 1.0) == -2.0
    assert soft_threshold(0.5, 1.0) == 0.0
    W = np.array([[0.0], [2.0]])
    grad = np.array([[0.5], [-1.0]])
    scale = np.array([1.0, 4.0])
    # Coordinate 0: |0.5| < l1 -> 0; coordinate 1: |-1 + 1| = 0.
    assert optimality_residual(W, grad, np.zeros(1), np.ones(2), scale, 1.0) == 0.0
    # Without L1 the residual is the scaled gradient: max(0.5, 1 / 2).
    assert optimality_residual(W, grad, np.zeros(1), np.zeros(2), scale, 1.0) == 0.5


def _regression_problem():
    X, y = make_regression(n_samples=80, n_features=12, noise=1.0, random_state=0)
    X[np.abs(X) < 0.8] = 0.0
    return X, y


def _classification_problem(n_classes):
    X, y = make_classification(
        n_samples=90,
        n_features=10,
        n_informative=5,
        n_classes=n_classes,
        random_state=0,
    )
    X[np.abs(X) < 0.5] = 0.0
    return X, y


ESTIMATORS = [
    (
        "reg-l2",
        lambda **kw: DecayLinearRegressor(alpha=0.05, **kw),
        _regression_problem,
    ),
    (
        "reg-enet",
        lambda **kw: DecayLinearRegressor(
            alpha=0.5, penalty="elasticnet", l1_ratio=0.7, **kw
        ),
        _regression_problem,
    ),
    (
        "bin-l1",
        lambda **kw: DecayLogisticClassifier(alpha=0.01, penalty="l1", **kw),
        lambda: _classification_problem(2),
    ),
    (
        "multi-l2",
        lambda **kw: DecayLogisticClassifier(alpha=0.01, **kw),
        lambda: _classification_problem(3),
    ),
]


SMOOTH = {"reg-l2", "multi-l2"}  # the problems solver='newton' accepts


@pytest.mark.parametrize(
    "name, make, data, solver",
    [
        pytest.param(*estimator, solver, id=f"{estimator[0]}-{solver}")
        for estimator in ESTIMATORS
        for solver in ("gd", "fista", "cd", "newton", "prox_newton")
        if (solver != "newton" or estimator[0] in SMOOTH)
    ],
)
def test_dense_and_sparse_layouts_agree(name, make, data, solver):
    """Every layout, every solver: dense C/F order, CSR and CSC (coordinate
    descent leaves sparse data uncentred and newton switches to matrix-free
    products there, so this also checks those two code paths agree)."""
    X, y = data()
    reference = make(solver=solver, tol=1e-10, max_iter=50_000).fit(X, y)
    for layout in ("F", "csr", "csc"):
        est = make(solver=solver, tol=1e-10, max_iter=50_000).fit(LAYOUTS[layout](X), y)
        np.testing.assert_allclose(est.coef_, reference.coef_, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(est.intercept_, reference.intercept_, atol=1e-8)


@pytest.mark.parametrize("name, make, data", ESTIMATORS, ids=[e[0] for e in ESTIMATORS])
@pytest.mark.parametrize("sparse", [False, True])
def test_float32_in_float32_out(name, make, data, sparse):
    X, y = data()
    X32 = X.astype(np.float32)
    if sparse:
        X32 = sp.csr_matrix(X32)
    # A tolerance float32 can reach; at 1e-4 the two solutions may differ by
    # what the stopping rule allows (0.3% on the uncentred sparse L1 problem).
    est32 = make(tol=1e-6).fit(X32, y)
    est64 = make(tol=1e-6).fit(X, y)
    assert est32.coef_.dtype == np.float32
    assert np.asarray(est32.predict(X32[:3])).dtype in (np.float32, y.dtype)
    scale = np.abs(est64.coef_).max()
    np.testing.assert_allclose(est32.coef_, est64.coef_, atol=2e-3 * scale)


@pytest.mark.parametrize("name, make, data", ESTIMATORS, ids=[e[0] for e in ESTIMATORS])
def test_sample_weight_equals_repeated_rows(name, make, data):
    X, y = data()
    rng = np.random.RandomState(3)
    counts = rng.randint(0, 4, len(y))
    counts[:4] = 1  # keep every class present
    weighted = make(tol=1e-10, max_iter=50_000).fit(X, y, sample_weight=counts)
    repeated = make(tol=1e-10, max_iter=50_000).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-7)


@pytest.mark.parametrize("name, make, data", ESTIMATORS, ids=[e[0] for e in ESTIMATORS])
def test_fits_are_deterministic(name, make, data):
    X, y = data()
    a = make().fit(X, y)
    b = make().fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)


@pytest.mark.parametrize("solver", ["gd", "fista", "cd", "newton", "prox_newton"])
def test_badly_scaled_raw_features_converge_like_scaled_ones(solver):
    """Scaling features by 1e-3 .. 1e3 and shifting them by up to 1e4 only
    changes the units of the coefficients: the preconditioner and the implicit
    centering absorb it, in about the same number of iterations."""
    X, y = make_regression(n_samples=200, n_features=6, noise=5.0, random_state=0)
    scales = np.logspace(-3, 3, 6)
    shifts = np.array([0.0, 1e3, -50.0, 0.0, 7.0, 1e4])
    X_raw = X * scales + shifts
    # No penalty, so the raw and scaled problems share their optimum.
    kw = dict(penalty=None, solver=solver, tol=1e-8, max_iter=5_000)
    scaled = DecayLinearRegressor(**kw).fit(X, y)
    raw = DecayLinearRegressor(**kw).fit(X_raw, y)
    np.testing.assert_allclose(raw.coef_ * scales, scaled.coef_, rtol=1e-6)
    np.testing.assert_allclose(raw.predict(X_raw), scaled.predict(X), atol=1e-5)
    assert raw.n_iter_ <= 2 * scaled.n_iter_ + 10
