"""decay_path against scikit-learn's paths and closed forms."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Ridge, enet_path, lasso_path
from sklearn.preprocessing import StandardScaler

from skdecay import DecayLogisticClassifier, DecayPath, decay_objective, decay_path


def test_lasso_path_matches_scikit_learn(diabetes):
    X, y = diabetes
    path = decay_path(X, y, penalty="l1", n_alphas=20, tol=1e-10)
    alphas, coefs, _ = lasso_path(X, y, alphas=path.alphas, tol=1e-10, max_iter=100_000)
    np.testing.assert_allclose(path.alphas, alphas)
    scale = np.abs(coefs).max()
    np.testing.assert_allclose(path.coefs, coefs, atol=1e-5 * scale)


def test_enet_path_matches_scikit_learn_on_sparse_input(diabetes):
    X, y = diabetes
    path = decay_path(
        sp.csr_matrix(X), y, penalty="elasticnet", l1_ratio=0.3, n_alphas=8,
        fit_intercept=False, tol=1e-10,
    )  # fmt: skip
    _, coefs, _ = enet_path(X, y, l1_ratio=0.3, alphas=path.alphas, tol=1e-12)
    np.testing.assert_allclose(path.coefs, coefs, atol=1e-5 * np.abs(coefs).max())


def test_top_of_the_l1_grid_is_the_first_all_zero_alpha(breast_cancer):
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    path = decay_path(X, y, loss="logistic", penalty="l1", n_alphas=3, tol=1e-8)
    assert np.all(path.coefs[:, 0] == 0.0)
    assert np.all(path.coefs[:, 1:].any(axis=0))
    below = decay_path(
        X, y, loss="logistic", penalty="l1", alphas=[0.99 * path.alphas[0]]
    )
    assert np.count_nonzero(below.coefs) > 0
    # The intercept at the top is the log-odds of the classes.
    p = y.mean()
    assert path.intercepts[0] == pytest.approx(np.log(p / (1 - p)), rel=1e-6)


def test_ridge_path_is_ridge_at_every_alpha(diabetes):
    X, y = diabetes
    n = X.shape[0]
    path = decay_path(X, y, penalty="l2", n_alphas=6, tol=1e-10)
    for k, alpha in enumerate(path.alphas):
        ridge = Ridge(alpha=alpha * n).fit(X, y)
        np.testing.assert_allclose(path.coefs[:, k], ridge.coef_, rtol=1e-6, atol=1e-8)
        assert path.intercepts[k] == pytest.approx(ridge.intercept_, rel=1e-6)
    # Six decades, from an all but constant model down to the lasso's bottom.
    assert path.alphas[0] / path.alphas[-1] == pytest.approx(1e6)
    norms = np.linalg.norm(path.coefs, axis=0)
    assert np.all(np.diff(norms) > 0)
    assert norms[0] < 1e-2 * norms[-1]


def test_multinomial_path_layout_and_objective(wine):
    X, y = wine
    X = StandardScaler().fit_transform(X)
    path = decay_path(
        X, y, loss="multinomial", penalty="elasticnet", l1_ratio=0.5, n_alphas=4
    )
    assert isinstance(path, DecayPath)
    assert path.coefs.shape == (3, X.shape[1], 4)
    assert path.intercepts.shape == (3, 4)
    np.testing.assert_array_equal(path.classes, [0, 1, 2])
    for k, alpha in enumerate(path.alphas):
        value = decay_objective(
            X, y, path.coefs[..., k], path.intercepts[:, k], loss="multinomial",
            alpha=alpha, penalty="elasticnet", l1_ratio=0.5,
        )  # fmt: skip
        assert path.objective[k] == pytest.approx(value, rel=1e-10)


def test_path_point_equals_a_fit_at_that_alpha(breast_cancer):
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    labels = np.where(y == 1, "yes", "no")
    path = decay_path(X, labels, loss="logistic", penalty="l2", n_alphas=5, tol=1e-10)
    np.testing.assert_array_equal(path.classes, ["no", "yes"])
    clf = DecayLogisticClassifier(alpha=path.alphas[3], tol=1e-10).fit(X, labels)
    np.testing.assert_allclose(path.coefs[:, 3], clf.coef_[0], rtol=1e-6, atol=1e-9)


def test_warm_starts_save_iterations(diabetes):
    # Sparse input: the path runs FISTA on the data itself (not on the
    # compressed form of dense least squares).
    X, y = diabetes
    X = sp.csr_matrix(X)
    path = decay_path(X, y, penalty="l1", n_alphas=15, solver="fista")
    cold = [
        decay_path(X, y, penalty="l1", alphas=[a], solver="fista").n_iter[0]
        for a in path.alphas
    ]
    assert path.n_iter.sum() < 0.7 * np.sum(cold)


def test_given_alphas_are_sorted_and_weights_are_repeats(diabetes):
    X, y = diabetes
    X, y = X[:60], y[:60]
    weights = np.arange(60) % 3
    path = decay_path(
        X, y, penalty="l1", alphas=[0.1, 1.0, 0.01], sample_weight=weights,
        tol=1e-10,
    )  # fmt: skip
    np.testing.assert_array_equal(path.alphas, [1.0, 0.1, 0.01])
    repeated = decay_path(
        np.repeat(X, weights, axis=0), np.repeat(y, weights), penalty="l1",
        alphas=[0.1, 1.0, 0.01], tol=1e-10,
    )  # fmt: skip
    np.testing.assert_allclose(path.coefs, repeated.coefs, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"penalty": None}, "penalty"),
        ({"alphas": [1.0, -1.0]}, "non-negative"),
        ({"n_alphas": 0}, "n_alphas"),
        ({"loss": "hinge"}, "loss"),
        ({"eps": 2.0}, "eps"),
    ],
)
def test_bad_arguments_are_rejected(diabetes, kwargs, message):
    X, y = diabetes
    with pytest.raises(ValueError, match=message):
        decay_path(X, y, **kwargs)


def test_logistic_path_refuses_three_classes(iris):
    X, y = iris
    with pytest.raises(ValueError, match="multinomial"):
        decay_path(X, y, loss="logistic")


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_compressed_least_squares_matches_the_full_problem(
    linnerud, penalty, fit_intercept
):
    """Dense least squares with n >> p runs on its n_features-row compressed
    form; sparse input does not: both must give the same path."""
    rng = np.random.RandomState(0)
    X = rng.randn(120, 6) * [1.0, 10.0, 0.1, 1.0, 1.0, 1.0] + 5.0
    X[:, 5] = X[:, 4]  # a rank-deficient Gram matrix
    Y = X @ rng.randn(6, 2) + rng.randn(120, 2)
    weights = rng.uniform(0.2, 2.0, 120)
    kw = dict(
        penalty=penalty, l1_ratio=0.4, n_alphas=6, fit_intercept=fit_intercept,
        sample_weight=weights, tol=1e-10, max_iter=5000,
    )  # fmt: skip
    dense = decay_path(X, Y, **kw)
    sparse = decay_path(sp.csc_matrix(X), Y, **kw)
    np.testing.assert_allclose(dense.alphas, sparse.alphas)
    np.testing.assert_allclose(dense.objective, sparse.objective, rtol=1e-8)
    np.testing.assert_allclose(
        dense.intercepts, sparse.intercepts, rtol=1e-5, atol=1e-6
    )
    # The duplicated columns share their weight only under an L2 part.
    if penalty != "l1":
        np.testing.assert_allclose(dense.coefs, sparse.coefs, rtol=1e-5, atol=1e-6)
    assert np.all(dense.n_iter >= 1)


def test_logistic_newton_path_with_a_gram_preconditioner(breast_cancer):
    """On a path 'newton' preconditions with a Gram matrix formed once; each
    solution is still the estimator's."""
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    path = decay_path(X, y, loss="logistic", n_alphas=8, eps=1e-4, tol=1e-10)
    for k in (2, 7):
        clf = DecayLogisticClassifier(alpha=path.alphas[k], tol=1e-10).fit(X, y)
        np.testing.assert_allclose(path.coefs[:, k], clf.coef_[0], rtol=1e-6, atol=1e-8)
        assert path.objective[k] == pytest.approx(clf.loss_curve_[-1], rel=1e-10)
