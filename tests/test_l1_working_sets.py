"""Working-set solvers on wide data: 'cd' (lasso) and 'prox_newton' (L1
logistic) solve a working set on a block of its columns gathered from a
C-ordered X, and on X itself when it is column-major (Fortran or CSC). Both
routes, every layout and dtype, must reach the same optimum, and that
optimum must be as good as scikit-learn's.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression

from skdecay import DecayLinearRegressor, DecayLogisticClassifier, decay_objective
from skdecay._core._solvers._cd import (
    _choose_working_set,
    _inner_tolerance,
    _solve_working_set,
)


def _correlated(n_samples, n_features, seed, rho=0.6):
    """Toeplitz-correlated features (an AR(1) walk across the columns)."""
    rng = np.random.default_rng(seed)
    X = np.empty((n_samples, n_features))
    X[:, 0] = rng.standard_normal(n_samples)
    for j in range(1, n_features):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(
            n_samples
        )
    coef = np.zeros(n_features)
    support = rng.choice(n_features, size=n_features // 10, replace=False)
    coef[support] = rng.standard_normal(support.size)
    return X, X @ coef + 0.3 * rng.standard_normal(n_samples)


@pytest.fixture(scope="module")
def wide_regression():
    X, y = _correlated(60, 400, seed=0)
    alpha = np.max(np.abs(X.T @ (y - y.mean()))) / (10 * X.shape[0])
    return X, y + 3.0, alpha


@pytest.fixture(scope="module")
def wide_classification():
    X, target = _correlated(80, 300, seed=1)
    y = (target > 0).astype(np.int64)
    alpha = np.max(np.abs(X.T @ (y - y.mean()))) / (10 * X.shape[0])
    return X, y, alpha


LAYOUTS = {
    "C": np.ascontiguousarray,
    "F": np.asfortranarray,
    "csr": sp.csr_matrix,
    "csc": sp.csc_matrix,
}


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_wide_lasso_every_layout_reaches_scikit_learns_optimum(
    wide_regression, fit_intercept
):
    X, y, alpha = wide_regression
    kw = dict(penalty="l1", alpha=alpha, tol=1e-10, max_iter=100_000)
    kw["fit_intercept"] = fit_intercept
    fits = {
        layout: DecayLinearRegressor(**kw).fit(convert(X), y)
        for layout, convert in LAYOUTS.items()
    }
    reference = fits["C"]
    nnz = np.count_nonzero(reference.coef_)
    assert 5 < nnz < X.shape[1] // 2  # the working sets stay well below p
    for est in fits.values():
        np.testing.assert_allclose(est.coef_, reference.coef_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(est.intercept_, reference.intercept_, atol=1e-7)
    theirs = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000)
    theirs.set_params(fit_intercept=fit_intercept).fit(X, y)
    ours = decay_objective(X, y, reference.coef_, reference.intercept_, alpha=alpha,
                           penalty="l1")  # fmt: skip
    best = decay_objective(X, y, theirs.coef_, theirs.intercept_, alpha=alpha,
                           penalty="l1")  # fmt: skip
    assert ours <= best + 1e-9 * abs(best)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_wide_l1_logistic_every_layout_agrees(wide_classification, fit_intercept):
    X, y, alpha = wide_classification
    kw = dict(penalty="l1", alpha=alpha, tol=1e-10, max_iter=200)
    kw["fit_intercept"] = fit_intercept
    fits = {
        layout: DecayLogisticClassifier(solver="prox_newton", **kw).fit(convert(X), y)
        for layout, convert in LAYOUTS.items()
    }
    reference = fits["C"]
    assert 3 < np.count_nonzero(reference.coef_) < X.shape[1] // 2
    for layout, est in fits.items():
        # CSR and CSC are solved uncentred (the logistic loss), a different
        # path to the same optimum.
        np.testing.assert_allclose(
            est.coef_, reference.coef_, rtol=1e-6, atol=1e-7, err_msg=layout
        )
        np.testing.assert_allclose(est.intercept_, reference.intercept_, atol=1e-7)
    cd = DecayLogisticClassifier(solver="cd", **kw).fit(X, y)
    np.testing.assert_allclose(cd.coef_, reference.coef_, rtol=1e-5, atol=1e-6)


def test_wide_l1_logistic_matches_liblinear(wide_classification):
    """Without an intercept liblinear minimises the same function."""
    X, y, alpha = wide_classification
    ours = DecayLogisticClassifier(
        penalty="l1", alpha=alpha, tol=1e-10, fit_intercept=False
    ).fit(X, y)
    theirs = LogisticRegression(
        C=1 / (alpha * X.shape[0]), l1_ratio=1.0, solver="liblinear", tol=1e-12,
        max_iter=10_000, fit_intercept=False,
    ).fit(X, y)  # fmt: skip
    kw = dict(loss="logistic", alpha=alpha, penalty="l1")
    value = decay_objective(X, y, ours.coef_, 0.0, **kw)
    best = decay_objective(X, y, theirs.coef_, 0.0, **kw)
    assert value <= best + 1e-8 * abs(best)


def test_wide_float32_agrees_with_float64(wide_regression, wide_classification):
    X, y, alpha = wide_regression
    kw = dict(penalty="l1", alpha=alpha, tol=1e-6)
    ours32 = DecayLinearRegressor(**kw).fit(X.astype(np.float32), y)
    ours64 = DecayLinearRegressor(**kw).fit(X, y)
    assert ours32.coef_.dtype == np.float32
    scale = np.abs(ours64.coef_).max()
    np.testing.assert_allclose(ours32.coef_, ours64.coef_, atol=2e-3 * scale)
    X, y, alpha = wide_classification
    kw["alpha"] = alpha
    clf32 = DecayLogisticClassifier(**kw).fit(X.astype(np.float32), y)
    clf64 = DecayLogisticClassifier(**kw).fit(X, y)
    assert clf32.coef_.dtype == np.float32
    scale = np.abs(clf64.coef_).max()
    np.testing.assert_allclose(clf32.coef_, clf64.coef_, atol=2e-3 * scale)


def test_recorded_history_walks_the_whole_design(wide_regression):
    """With ``store_coef_history`` the iterates are recorded whole, so the
    working sets are solved on the whole (Fortran-ordered) design: the same
    solution as on gathered blocks."""
    X, y, alpha = wide_regression
    kw = dict(penalty="l1", alpha=alpha, tol=1e-10, max_iter=100_000)
    plain = DecayLinearRegressor(**kw).fit(X, y)
    recorded = DecayLinearRegressor(store_coef_history=True, **kw).fit(X, y)
    np.testing.assert_allclose(recorded.coef_, plain.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(recorded.coef_history_[-1], recorded.coef_)


def test_a_single_violator_compiles_nothing_new(wide_regression, wide_classification):
    """Just below alpha_max one feature violates: its block gets a second
    column (a one-column block would be a type, and a kernel, of its own)."""
    X, y, alpha = wide_regression
    DecayLinearRegressor(penalty="l1", alpha=alpha).fit(X, y)
    X2, y2, alpha2 = wide_classification
    DecayLogisticClassifier(penalty="l1", alpha=alpha2).fit(X2, y2)
    compiled = len(_solve_working_set.signatures)
    alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / X.shape[0]
    near_top = DecayLinearRegressor(penalty="l1", alpha=0.98 * alpha_max).fit(X, y)
    assert np.count_nonzero(near_top.coef_) == 1
    alpha_max2 = np.max(np.abs(X2.T @ (y2 - y2.mean()))) / X2.shape[0]
    clf = DecayLogisticClassifier(penalty="l1", alpha=0.98 * alpha_max2).fit(X2, y2)
    assert np.count_nonzero(clf.coef_) == 1
    assert len(_solve_working_set.signatures) == compiled


def test_tall_lasso_compressed_matches_the_direct_solve(monkeypatch):
    """Tall dense least squares with an L1 part is solved on its compressed
    form (n_features + 1 rows): the same optimum as coordinate descent on
    all rows, on raw features with offsets and scales 1e-3 .. 1e3 and with
    sample weights, and as good as scikit-learn's."""
    import skdecay._core._problem as problem_module

    rng = np.random.default_rng(2)
    n_samples, n_features = 2100, 100
    scales = np.logspace(-3, 3, n_features)
    X = rng.standard_normal((n_samples, n_features)) * scales
    X += np.linspace(0.0, 1e3, n_features)
    coef = np.zeros(n_features)
    coef[::7] = rng.standard_normal(coef[::7].size) / scales[::7]
    y = X @ coef + rng.standard_normal(n_samples) + 5.0
    sw = rng.uniform(0.5, 2.0, n_samples)
    assert problem_module._compresses  # the rule exists
    kw = dict(penalty="elasticnet", l1_ratio=0.8, alpha=0.05, tol=1e-10)
    compressed = DecayLinearRegressor(**kw).fit(X, y, sample_weight=sw)
    monkeypatch.setattr(problem_module, "TALL_MAX_FEATURES", 0)
    monkeypatch.setattr(problem_module, "TALL_WIDE_MIN_VIOLATING", 2.0)
    direct = DecayLinearRegressor(**kw).fit(X, y, sample_weight=sw)
    objective = dict(alpha=0.05, penalty="elasticnet", l1_ratio=0.8, sample_weight=sw)
    ours = decay_objective(X, y, compressed.coef_, compressed.intercept_, **objective)
    other = decay_objective(X, y, direct.coef_, direct.intercept_, **objective)
    assert abs(ours - other) <= 1e-10 * abs(other)
    np.testing.assert_allclose(compressed.loss_curve_[-1], ours, rtol=1e-10)
    scale = np.abs(direct.coef_).max()
    np.testing.assert_allclose(compressed.coef_, direct.coef_, atol=1e-7 * scale)
    monkeypatch.undo()
    # The unweighted problem against scikit-learn's ElasticNet.
    ours = DecayLinearRegressor(**kw).fit(X, y)
    theirs = ElasticNet(alpha=0.05, l1_ratio=0.8, tol=1e-12, max_iter=100_000)
    theirs.fit(X, y)
    objective.pop("sample_weight")
    value = decay_objective(X, y, ours.coef_, ours.intercept_, **objective)
    best = decay_objective(X, y, theirs.coef_, theirs.intercept_, **objective)
    assert value <= best + 1e-8 * abs(best)


def test_wider_tall_problem_compresses_only_under_a_weak_penalty(monkeypatch):
    """201-499 features: compressed when nearly every feature violates
    optimality at zero (coordinate descent would sweep them all), solved on
    all rows otherwise; either way the optimum of the direct solve."""
    import skdecay._core._problem as problem_module

    rng = np.random.default_rng(5)
    X = rng.standard_normal((2600, 250)) * np.logspace(-1, 1, 250) + 3.0
    y = X @ (rng.standard_normal(250) / np.logspace(-1, 1, 250)) + 1.0
    y += rng.standard_normal(2600)
    top = np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / X.shape[0]
    calls = []
    compress = problem_module._compress_tall
    monkeypatch.setattr(
        problem_module, "_compress_tall", lambda p: calls.append(1) or compress(p)
    )
    for divisor, expected in [(1e4, True), (3.0, False)]:
        calls.clear()
        kw = dict(penalty="l1", alpha=top / divisor, tol=1e-10)
        model = DecayLinearRegressor(**kw).fit(X, y)
        assert bool(calls) is expected
        with monkeypatch.context() as patch:
            patch.setattr(problem_module, "TALL_WIDE_MIN_VIOLATING", 2.0)
            direct = DecayLinearRegressor(**kw).fit(X, y)
        objective = dict(alpha=top / divisor, penalty="l1")
        ours = decay_objective(X, y, model.coef_, model.intercept_, **objective)
        theirs = decay_objective(X, y, direct.coef_, direct.intercept_, **objective)
        assert abs(ours - theirs) <= 1e-9 * abs(theirs)


def test_inner_tolerance_follows_the_features_left_out():
    """A working set is solved to 0.3x the full residual while features left
    out violate that much, further when they violate less, but never past
    10% of the full residual (a set that turns out wrong is still corrected by a
    later outer round) nor past 0.3x ``tol``."""
    residuals = np.array([1.0, 0.5, 0.2, 0.15, 0.0])
    worst = 1.0
    # The worst violator outside the set (0.5) is above 0.3x: the usual ratio.
    assert _inner_tolerance(residuals, np.array([0, 2]), worst, 1e-8) == 0.3
    # Left out: 0.15 at most, between the floor and the usual ratio.
    assert _inner_tolerance(residuals, np.array([0, 1, 2]), worst, 1e-8) == 0.15
    # Nothing violates outside: solved to the floor, or to 0.3x tol above it.
    inside = np.array([0, 1, 2, 3])
    assert _inner_tolerance(residuals, inside, worst, 1e-8) == pytest.approx(0.1)
    assert _inner_tolerance(residuals, inside, worst, 0.5) == pytest.approx(0.15)


def test_working_set_grows_fourfold_once_the_support_nearly_fills_it():
    residuals = np.linspace(1.0, 0.1, 200)
    support = np.zeros(200, dtype=bool)
    support[:30] = True  # three quarters of a set of 40
    assert _choose_working_set(residuals, support, 40).shape[0] == 160
    support[29] = False  # less than three quarters: twice the support
    assert _choose_working_set(residuals, support, 40).shape[0] == 58


def test_gathered_columns_are_kept_for_the_next_working_set():
    """On a C-ordered X each working set gathers only the columns that no
    earlier set gathered; the kernel sees those columns at the set's
    positions, and half the features make it copy the whole design once."""
    from skdecay._core._problem import prepare_problem
    from skdecay._core._solvers import SOLVERS
    from skdecay._core._solvers._cd import WorkingColumns, column_design

    rng = np.random.default_rng(3)
    X = rng.standard_normal((7, 20))
    prepared = prepare_problem(
        X, rng.standard_normal((7, 1)), np.ones(7), loss="squared",
        fit_intercept=True, solver=SOLVERS["cd"],
    )  # fmt: skip
    columns = WorkingColumns(column_design(prepared.problem))
    for working_set, n_cached in [([2, 5], 2), ([1, 2, 5], 3), ([1, 5, 9], 4)]:
        working_set = np.array(working_set)
        columns.select(working_set)
        assert columns.compact and columns.design.n_features == n_cached
        np.testing.assert_array_equal(columns.block, X[:, working_set])
        sub, indices = columns.sub_problem()
        np.testing.assert_array_equal(
            np.asarray(sub.X.dense)[:, indices], X[:, working_set]
        )
        np.testing.assert_array_equal(
            sub.scale[indices], prepared.problem.scale[working_set]
        )
        W = np.zeros((20, 1))
        W_sub = columns.take(W)
        W_sub[indices, 0] = working_set + 1.0
        columns.put(W, W_sub)
        np.testing.assert_array_equal(np.flatnonzero(W[:, 0]), working_set)
        np.testing.assert_array_equal(W[working_set, 0], working_set + 1.0)
    columns.select(np.arange(3, 11))  # 10 of the 20 features gathered in all
    assert not columns.compact
    np.testing.assert_array_equal(np.asarray(columns.design.dense), X)
