"""Newton along a path (previous Hessian, tangent predictor) and its Kronecker
form for the multinomial loss: the same solutions as cold fits."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skdecay import DecayLogisticClassifier, decay_objective, decay_path
from skdecay._core._optimality import optimality_residual
from skdecay._core._penalties import make_penalty
from skdecay._core._problem import _violation_at
from skdecay._core._solvers import resolve_solver
from skdecay.model_selection._path import (
    alpha_grid,
    encode_targets,
    prepare_for_path,
    solve_path,
)


@pytest.mark.parametrize("scaled", [True, False])
def test_binary_path_points_are_cold_fits(breast_cancer, scaled):
    """Raw breast_cancer spans six orders of magnitude: the previous alpha's
    Hessian is refactored in the unit-diagonal scaling too."""
    X, y = breast_cancer
    if scaled:
        X = StandardScaler().fit_transform(X)
    path = decay_path(X, y, loss="logistic", n_alphas=12, eps=1e-3, tol=1e-10)
    cold = []
    for k in (1, 5, 11):
        clf = DecayLogisticClassifier(alpha=path.alphas[k], tol=1e-10).fit(X, y)
        cold.append(clf.n_iter_)
        assert path.objective[k] == pytest.approx(clf.loss_curve_[-1], rel=1e-10)
        np.testing.assert_allclose(path.coefs[:, k], clf.coef_[0], rtol=1e-5,
                                   atol=1e-8 * np.abs(clf.coef_).max())  # fmt: skip
    # The warm start, the previous Hessian and the predictor save Newton steps.
    assert path.n_iter[[1, 5, 11]].sum() < sum(cold)


def test_multinomial_path_points_are_cold_fits(wine):
    X, y = wine
    X = StandardScaler().fit_transform(X)
    path = decay_path(X, y, loss="multinomial", n_alphas=8, tol=1e-10)
    for k in (2, 7):
        clf = DecayLogisticClassifier(alpha=path.alphas[k], tol=1e-10).fit(X, y)
        assert path.objective[k] == pytest.approx(clf.loss_curve_[-1], rel=1e-10)
        np.testing.assert_allclose(path.coefs[..., k], clf.coef_, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("layout", ["C", "F", "csr", "csc", "float32"])
def test_multinomial_newton_agrees_with_scikit_learn(iris, layout):
    """The multinomial Newton steps (matrix-free conjugate gradients) reach
    LogisticRegression's solution in every layout."""
    X, y = iris
    n = X.shape[0]
    C = 0.5
    theirs = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    data = {
        "C": np.ascontiguousarray(X),
        "F": np.asfortranarray(X),
        "csr": sp.csr_matrix(X),
        "csc": sp.csc_matrix(X),
        "float32": X.astype(np.float32),
    }[layout]
    tol = 1e-5 if layout == "float32" else 1e-10
    ours = DecayLogisticClassifier(alpha=1.0 / (C * n), tol=tol).fit(data, y)
    value = decay_objective(X, y, ours.coef_, ours.intercept_, loss="multinomial",
                            alpha=1.0 / (C * n))  # fmt: skip
    reference = decay_objective(X, y, theirs.coef_, theirs.intercept_,
                                loss="multinomial", alpha=1.0 / (C * n))  # fmt: skip
    assert value <= reference * (1 + (1e-6 if layout == "float32" else 1e-12))
    # (lbfgs stops a little short of the optimum along flat directions.)
    atol = 1e-3 if layout == "float32" else 1e-4
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=atol)
    assert ours.n_iter_ <= 12


def test_sparse_binary_path_forms_the_hessian_each_step():
    """One-hot sparse columns (the Adult census layout): the Hessian is formed
    by a sparse product; dense and sparse paths agree."""
    rng = np.random.RandomState(0)
    codes = rng.randint(0, 4, size=(400, 5))
    rows = np.repeat(np.arange(400), 5)
    columns = (codes + 4 * np.arange(5)).ravel()
    X = sp.csr_matrix((np.ones(2000), (rows, columns)), shape=(400, 20))
    y = (X @ rng.randn(20) + 0.3 * rng.randn(400) > 0).astype(int)
    kw = dict(loss="logistic", n_alphas=6, eps=1e-2, tol=1e-10)
    sparse = decay_path(X, y, **kw)
    dense = decay_path(X.toarray(), y, **kw)
    np.testing.assert_allclose(sparse.objective, dense.objective, rtol=1e-10)
    np.testing.assert_allclose(sparse.coefs, dense.coefs, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("scaled", [True, False])
def test_path_points_meet_tol_measured_afresh(breast_cancer, scaled):
    """Along a path Newton carries the predictor ``Z``, the loss gradient of
    the previous solution and a correction from the last predictor's error,
    and stops on them: measured again from the returned coefficients alone,
    every point is within ``tol``."""
    X, y = breast_cancer
    if scaled:
        X = StandardScaler().fit_transform(X)
    tol = 1e-4
    Y, _, loss = encode_targets(y, "logistic", X.dtype)
    unit = make_penalty("l2", 1.0, 0.0)
    solver, fallback = resolve_solver("newton", loss, True, 1, None)
    prepared = prepare_for_path(
        X, Y, np.ones(len(y)), loss=loss, fit_intercept=True, solver=solver,
        fallback=fallback,
    )  # fmt: skip
    alphas = alpha_grid(prepared, unit, 30, 1e-3)
    results = solve_path(prepared, unit, alphas, max_iter=100, tol=tol)
    n_features = X.shape[1]
    for alpha, result in zip(alphas, results, strict=True):
        assert result.converged
        problem = prepared.with_penalty(unit.with_alpha(alpha))
        # tol is relative to the residual at zero (in this alpha's units).
        reference = optimality_residual(
            problem, np.zeros((n_features, 1)), prepared.grad_zero,
            prepared.grad_intercept_zero,
        )  # fmt: skip
        W = np.asarray(result.coef, dtype=np.float64).reshape(n_features, 1)
        centred = np.asarray(result.intercept) + problem.x_mean @ W
        assert _violation_at(problem, W, centred) <= tol * reference * (1 + 1e-9)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_few_features_take_exact_steps_like_newton_cholesky(fit_intercept):
    # At most EXACT_EACH_MAX_COORDINATES coordinates, every step forms and
    # factors H: quadratic convergence to scikit-learn's newton-cholesky
    # solution (C = 1 / (alpha n)), on raw features of mixed scales.
    from skdecay._core._solvers._newton import EXACT_EACH_MAX_COORDINATES

    rng = np.random.default_rng(0)
    n, p = 400, EXACT_EACH_MAX_COORDINATES - 1
    X = rng.standard_normal((n, p)) * np.logspace(-2, 2, p) + 3.0
    y = ((X - 3.0) @ (rng.standard_normal(p) / np.logspace(-2, 2, p)) > 0).astype(int)
    alpha = 1e-2
    ours = DecayLogisticClassifier(
        alpha=alpha, tol=1e-10, fit_intercept=fit_intercept
    ).fit(X, y)
    theirs = LogisticRegression(
        C=1.0 / (alpha * n), solver="newton-cholesky", tol=1e-12,
        fit_intercept=fit_intercept, max_iter=200,
    ).fit(X, y)  # fmt: skip
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, atol=1e-7)
    assert ours.n_iter_ <= 12


def test_path_on_extreme_column_scales_is_cold_fits(breast_cancer):
    # Columns on scales 1e-25 and 1e25 (beyond float32): a path's refreshed
    # Hessian (a float32 preconditioner for columns on moderate scales)
    # stays in float64, and the path points are the cold fits.
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    X[:, 0] *= 1e-25
    X[:, 1] *= 1e25
    alphas = np.geomspace(1e-1, 1e-4, 10)
    path = decay_path(X, y, loss="logistic", alphas=alphas, tol=1e-9)
    for k in (4, 9):
        clf = DecayLogisticClassifier(alpha=path.alphas[k], tol=1e-9).fit(X, y)
        assert path.objective[k] == pytest.approx(clf.loss_curve_[-1], rel=1e-9)
        np.testing.assert_allclose(
            path.coefs[2:, k], clf.coef_[0, 2:], rtol=1e-4,
            atol=1e-7 * np.abs(clf.coef_[0, 2:]).max(),
        )  # fmt: skip


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_eigendecomposed_path_hessian_solves_every_shift(fit_intercept):
    # A path's refreshed Hessian serves its later alphas from one
    # eigendecomposition: the same solves as the system formed at each
    # decay, and none on columns of wild scales (Cholesky's route then).
    from skdecay._core._solvers._newton import _ShiftedFactor

    rng = np.random.default_rng(0)
    n_features = 12
    B = rng.standard_normal((80, n_features + 1))
    B[:, -1] = 1.0
    A = B.T @ B
    decay = rng.uniform(0.5, 2.0, n_features)  # per-feature weights
    factor = _ShiftedFactor.of(A, decay, fit_intercept)
    for t in (1e3, 1.0, 1e-6):
        H = A.copy()
        H[np.arange(n_features), np.arange(n_features)] += t * decay
        if not fit_intercept:
            H[:n_features, n_features] = H[n_features, :n_features] = 0.0
            H[n_features, n_features] = 1.0
        R = rng.standard_normal((n_features + 1, 2))
        shift = factor.shift(t * decay)
        assert shift == pytest.approx(t, rel=1e-12)
        got = factor.at(shift).solve(R)
        np.testing.assert_allclose(H @ got, R, atol=1e-10 * np.abs(R).max())
    # Not a multiple of the decomposed decay: no shift.
    assert factor.shift(decay * np.linspace(1.0, 2.0, n_features)) is None
    wild = A * np.outer(np.logspace(-150, 150, n_features + 1),
                        np.logspace(-150, 150, n_features + 1))  # fmt: skip
    shifted = _ShiftedFactor.of(wild, decay, fit_intercept)
    assert shifted is None or shifted.shift(decay) is None
