"""The CV estimators choose what GridSearchCV would, along paths."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_classification
from sklearn.metrics import make_scorer, mean_squared_error
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    ShuffleSplit,
    StratifiedKFold,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdecay import (
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayLogisticClassifierCV,
)


def _grid_search_twin(cv_estimator, base, X, y, **fit_params):
    """GridSearchCV over exactly the candidates of a fitted CV estimator."""
    grid = [
        {"alpha": [p["alpha"]], "l1_ratio": [p["l1_ratio"]]}
        for p in cv_estimator.cv_results_["params"]
    ]
    return GridSearchCV(
        base, grid, cv=cv_estimator.cv, scoring=cv_estimator.scoring
    ).fit(X, y, **fit_params)


@pytest.mark.parametrize(
    "penalty, l1_ratio, scoring",
    [
        ("l2", 0.15, None),
        ("l1", 0.15, "neg_mean_squared_error"),
        ("elasticnet", [0.2, 0.7], "neg_mean_absolute_error"),
    ],
)
def test_regressor_cv_chooses_like_grid_search(diabetes, penalty, l1_ratio, scoring):
    X, y = diabetes
    folds = KFold(5, shuffle=True, random_state=0)
    reg = DecayLinearRegressorCV(
        penalty=penalty, l1_ratio=l1_ratio, alphas=12, cv=folds, scoring=scoring,
        tol=1e-8,
    ).fit(X, y)  # fmt: skip
    grid = _grid_search_twin(reg, DecayLinearRegressor(penalty=penalty, tol=1e-8), X, y)
    assert reg.best_index_ == grid.best_index_
    assert reg.alpha_ == grid.best_params_["alpha"]
    np.testing.assert_allclose(
        reg.cv_results_["mean_test_score"], grid.cv_results_["mean_test_score"],
        rtol=1e-6, atol=1e-9,
    )  # fmt: skip
    np.testing.assert_array_equal(
        reg.cv_results_["rank_test_score"], grid.cv_results_["rank_test_score"]
    )
    np.testing.assert_allclose(
        reg.coef_, grid.best_estimator_.coef_, rtol=1e-6, atol=1e-9
    )


@pytest.mark.parametrize(
    "cv, scoring",
    [
        (KFold(4, shuffle=True, random_state=0), "neg_root_mean_squared_error"),
        (ShuffleSplit(3, test_size=0.2, train_size=0.6, random_state=0), "r2"),
        (KFold(3), make_scorer(mean_squared_error, greater_is_better=False)),
    ],
)
def test_weighted_multi_output_scores_equal_grid_search(linnerud, cv, scoring):
    # Dense least squares: every fold is compressed from the moments of the
    # whole set minus its validation rows (K-fold) or of its training rows
    # (ShuffleSplit leaves rows out of both); named regression scorers score
    # the whole path from one product, a callable is called per alpha.
    X, Y = linnerud
    X = np.vstack([X, X[::-1] * 1.5 + 3.0])
    Y = np.vstack([Y, Y[::-1]])
    weights = np.random.RandomState(0).uniform(0.2, 3.0, X.shape[0])
    reg = DecayLinearRegressorCV(
        penalty="elasticnet", l1_ratio=0.5, alphas=6, cv=cv, scoring=scoring,
        tol=1e-10, return_train_score=True,
    ).fit(X, Y, sample_weight=weights)  # fmt: skip
    grid = _grid_search_twin(
        reg,
        DecayLinearRegressor(penalty="elasticnet", tol=1e-10),
        X,
        Y,
        sample_weight=weights,
    )
    grid_train = GridSearchCV(
        DecayLinearRegressor(penalty="elasticnet", tol=1e-10),
        [{"alpha": [p["alpha"]], "l1_ratio": [0.5]} for p in reg.cv_results_["params"]],
        cv=cv, scoring=scoring, return_train_score=True,
    ).fit(X, Y, sample_weight=weights)  # fmt: skip
    for key in ("mean_test_score", "split0_test_score"):
        np.testing.assert_allclose(
            reg.cv_results_[key], grid.cv_results_[key], rtol=1e-7
        )
    np.testing.assert_allclose(
        reg.cv_results_["mean_train_score"],
        grid_train.cv_results_["mean_train_score"],
        rtol=1e-7,
    )
    assert reg.alpha_ == grid.best_params_["alpha"]


@pytest.mark.parametrize(
    "dataset, penalty",
    [("breast_cancer", "l1"), ("breast_cancer", "l2"), ("wine", "l2")],
)
def test_classifier_cv_chooses_like_grid_search(request, dataset, penalty):
    X, y = request.getfixturevalue(dataset)
    X = StandardScaler().fit_transform(X)
    clf = DecayLogisticClassifierCV(
        penalty=penalty, alphas=10, cv=StratifiedKFold(4), scoring="neg_log_loss",
        tol=1e-8, class_weight="balanced",
    ).fit(X, y)  # fmt: skip
    grid = _grid_search_twin(
        clf,
        DecayLogisticClassifier(penalty=penalty, tol=1e-8, class_weight="balanced"),
        X,
        y,
    )
    assert clf.alpha_ == grid.best_params_["alpha"]
    np.testing.assert_allclose(
        clf.cv_results_["mean_test_score"], grid.cv_results_["mean_test_score"],
        rtol=1e-5,
    )  # fmt: skip
    np.testing.assert_allclose(
        clf.predict_proba(X), grid.best_estimator_.predict_proba(X), atol=1e-7
    )


@pytest.mark.parametrize(
    "dataset, scoring, dtype",
    [
        ("breast_cancer", None, np.float64),
        ("breast_cancer", "neg_log_loss", np.float32),
        ("wine", "accuracy", np.float64),
        ("wine", "neg_log_loss", np.float64),
    ],
)
def test_classifier_path_scores_equal_grid_search(request, dataset, scoring, dtype):
    # Accuracy (None) and the log loss score every alpha of a fold from one
    # product: the same scores as the scorer gives each refitted model, with
    # sample weights, binary and multinomial, and in float32.
    X, y = request.getfixturevalue(dataset)
    X = StandardScaler().fit_transform(X).astype(dtype)
    weights = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    kw = dict(penalty="l2", tol=1e-10 if dtype == np.float64 else 1e-5)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    clf = DecayLogisticClassifierCV(
        alphas=[1e-1, 1e-2, 1e-3, 1e-5], cv=folds, scoring=scoring,
        return_train_score=True, **kw,
    ).fit(X, y, sample_weight=weights)  # fmt: skip
    grid = GridSearchCV(
        DecayLogisticClassifier(**kw),
        {"alpha": list(clf.alphas_)},
        cv=folds,
        scoring=scoring,
        return_train_score=True,
    ).fit(X, y, sample_weight=weights)
    rtol = 1e-4 if dtype == np.float32 else 1e-7
    for key in ("split0_test_score", "mean_test_score", "mean_train_score"):
        np.testing.assert_allclose(
            clf.cv_results_[key], grid.cv_results_[key], rtol=rtol
        )


def test_one_standard_error_rule(diabetes):
    X, y = diabetes
    kw = dict(penalty="l1", alphas=30, cv=KFold(5, shuffle=True, random_state=1))
    best = DecayLinearRegressorCV(**kw).fit(X, y)
    simple = DecayLinearRegressorCV(selection="1se", **kw).fit(X, y)
    res = simple.cv_results_
    se = res["std_test_score"][best.best_index_] / np.sqrt(5)
    assert simple.selection_ == "1se"
    assert simple.alpha_ > best.alpha_
    assert simple.best_score_ >= best.best_score_ - se
    # ... and it is the largest such alpha.
    larger = res["param_alpha"] > simple.alpha_
    assert np.all(res["mean_test_score"][larger] < best.best_score_ - se)
    assert np.count_nonzero(simple.coef_) <= np.count_nonzero(best.coef_)


def test_refit_false_train_scores_threads_and_groups(diabetes):
    X, y = diabetes
    groups = np.arange(X.shape[0]) % 7
    kw = dict(penalty="l1", alphas=8, cv=GroupKFold(3), return_train_score=True)
    one = DecayLinearRegressorCV(refit=False, **kw).fit(X, y, groups=groups)
    assert not hasattr(one, "coef_")
    with pytest.raises(AttributeError, match="predict") as error:
        one.predict(X)
    assert "refit=False" in str(error.value.__cause__)
    assert one.n_splits_ == 3
    assert {"mean_train_score", "split2_train_score"} <= set(one.cv_results_)
    # Train scores rise as alpha falls: the overfitting side of the curve.
    assert np.all(np.diff(one.cv_results_["mean_train_score"]) >= -1e-12)
    two = DecayLinearRegressorCV(n_jobs=2, **kw).fit(X, y, groups=groups)
    for key in ("mean_test_score", "mean_train_score", "param_alpha"):
        np.testing.assert_array_equal(one.cv_results_[key], two.cv_results_[key])
    assert two.predict(X).shape == y.shape


def test_sparse_multitarget_and_pipeline(linnerud):
    X, Y = linnerud
    reg = DecayLinearRegressorCV(alphas=5, cv=4).fit(sp.csr_matrix(X), Y)
    dense = DecayLinearRegressorCV(alphas=5, cv=4).fit(X, Y)
    assert reg.coef_.shape == (3, 3)
    assert reg.alpha_ == dense.alpha_
    pipe = make_pipeline(StandardScaler(), DecayLinearRegressorCV(alphas=5, cv=4))
    assert pipe.fit(X, Y).predict(X).shape == Y.shape


def test_given_alphas_and_l1_ratio_grid():
    X, y = make_classification(n_samples=200, n_features=10, random_state=0)
    clf = DecayLogisticClassifierCV(
        penalty="elasticnet", l1_ratio=[0.1, 0.9], alphas=[1e-3, 1e-1, 1e-2], cv=3
    ).fit(X, y)
    np.testing.assert_array_equal(clf.alphas_, [[1e-1, 1e-2, 1e-3]] * 2)
    assert clf.cv_results_["mean_test_score"].shape == (6,)
    np.testing.assert_array_equal(
        clf.cv_results_["param_l1_ratio"], [0.1, 0.1, 0.1, 0.9, 0.9, 0.9]
    )
    assert clf.l1_ratio_ in (0.1, 0.9)
    assert clf.best_estimator_.l1_ratio == clf.l1_ratio_


@pytest.mark.parametrize(
    "params, message",
    [
        ({"alphas": [1.0, -2.0]}, "alphas"),
        ({"alphas": 0}, "alphas"),
        ({"penalty": "elasticnet", "l1_ratio": [0.5, 1.5]}, "l1_ratio"),
        ({"selection": "best"}, "selection"),
        ({"scoring": "no_such_scorer"}, "scoring"),
    ],
)
def test_bad_parameters_are_rejected_without_fitting(diabetes, params, message):
    X, y = diabetes
    reg = DecayLinearRegressorCV(**params)
    with pytest.raises(ValueError, match=message):
        reg.fit(X, y)
    assert not hasattr(reg, "alpha_")


def test_lockstep_folds_match_separate_folds(breast_cancer):
    # One after the other (n_jobs=None) the folds' Newton paths run in
    # lockstep, their products batched over the whole X; on joblib's
    # threads (n_jobs=2) each makes its own: the same solutions.
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    kw = dict(alphas=6, cv=StratifiedKFold(3), scoring="neg_log_loss", tol=1e-8)
    together = DecayLogisticClassifierCV(**kw).fit(X, y)
    apart = DecayLogisticClassifierCV(n_jobs=2, **kw).fit(X, y)
    np.testing.assert_allclose(
        together.cv_results_["mean_test_score"],
        apart.cv_results_["mean_test_score"],
        rtol=1e-9,
    )
    assert together.alpha_ == apart.alpha_


def test_lockstep_folds_give_the_same_solutions_every_run():
    # The folds' products are batched in the order of the folds, not of
    # their threads' arrival: two runs agree bit for bit (arrival order had
    # moved the digits' solutions by up to 1e-4).
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    kw = dict(alphas=5, cv=StratifiedKFold(3), scoring="neg_log_loss")
    first = DecayLogisticClassifierCV(**kw).fit(X, y)
    again = DecayLogisticClassifierCV(**kw).fit(X, y)
    np.testing.assert_array_equal(
        again.cv_results_["mean_test_score"], first.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(again.coef_, first.coef_)


def test_refit_starts_from_the_folds_mean_solution(breast_cancer):
    # Folds run in lockstep keep their solutions; the refit starts from
    # their mean at the chosen alpha (within a second-order error of the
    # full set's solution) and reaches the cold fit's solution, in fewer
    # steps, and leaves the estimator's warm_start as it was.
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    clf = DecayLogisticClassifierCV(alphas=6, cv=StratifiedKFold(5), tol=1e-8)
    clf.fit(X, y)
    cold = DecayLogisticClassifier(alpha=clf.alpha_, tol=1e-8).fit(X, y)
    assert clf.best_estimator_.n_iter_ < cold.n_iter_
    assert clf.best_estimator_.get_params()["warm_start"] is False
    np.testing.assert_allclose(
        clf.coef_, cold.coef_, rtol=1e-5, atol=1e-8 * np.abs(cold.coef_).max()
    )
    np.testing.assert_allclose(clf.intercept_, cold.intercept_, atol=1e-7)


@pytest.mark.parametrize(
    "n_parts, dtype, order",
    [
        (1, np.float64, "C"),
        (2, np.float64, "C"),
        (3, np.float32, "C"),
        (2, np.float64, "F"),
    ],
)
def test_lockstep_products_of_row_subsets(n_parts, dtype, order):
    # Members asking for different kinds of product, one leaving early;
    # each round made whole or split by rows across helper threads (the
    # compiled transposed product on C-ordered X, BLAS on Fortran X).
    import threading

    from skdecay._core._solvers._lockstep import LockstepProducts

    rng = np.random.default_rng(0)
    X = np.asarray(rng.standard_normal((30, 4)), dtype=dtype, order=order)
    subsets = [np.arange(0, 20), np.arange(10, 30), rng.permutation(30)[:12]]
    batch = LockstepProducts(X, len(subsets), n_parts=n_parts)
    found = {}

    def work(i, rows):
        member = batch.member(rows)
        try:
            for step in range(i + 1):
                V = rng.standard_normal((4, 2))
                G = rng.standard_normal((len(rows), 2))
                if (i + step) % 2:
                    found[i, step] = (member.matmul(V), X[rows] @ V)
                else:
                    found[i, step] = (member.rmatmul(G), X[rows].T @ G)
        finally:
            member.leave()

    threads = [
        threading.Thread(target=work, args=(i, rows)) for i, rows in enumerate(subsets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    batch.close()
    assert not any(thread.is_alive() for thread in threads)
    assert len(found) == 6
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for got, expected in found.values():
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
