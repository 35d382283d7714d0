"""The display objects, drawn headless (Agg): what was drawn, where and why not."""

import subprocess
import sys
from typing import NamedTuple

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdecay import (
    CoefHistoryDisplay,
    DecayCVCurveDisplay,
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayMLPClassifier,
    DecayPathDisplay,
    LossCurveDisplay,
    decay_path,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


class HandMadePath(NamedTuple):
    """Stands for ``skdecay.DecayPath``: the fields the display reads."""

    alphas: np.ndarray
    coefs: np.ndarray
    classes: np.ndarray | None = None


def hand_made_path(n_features=3, n_alphas=8, n_outputs=None):
    alphas = np.logspace(1, -3, n_alphas)  # decreasing, as decay_path returns
    shrink = 1.0 / (1.0 + alphas)
    scale = np.arange(1, n_features + 1)[:, None]
    coefs = scale * shrink
    if n_outputs is not None:
        coefs = np.stack([(k + 1) * coefs for k in range(n_outputs)])
    return alphas, coefs


def band_limits(patch):
    """Lowest and highest y, in data units, of a horizontal band (axhspan)."""
    y = patch.get_patch_transform().transform(patch.get_path().vertices)[:, 1]
    return y.min(), y.max()


def test_importing_skdecay_does_not_import_matplotlib():
    code = "import sys, skdecay; sys.exit('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert result.returncode == 0, result.stderr.decode()


# DecayPathDisplay ---------------------------------------------------------


def test_path_display_draws_each_coefficient_against_increasing_alpha():
    alphas, coefs = hand_made_path()
    display = DecayPathDisplay.from_path(
        HandMadePath(alphas, coefs), feature_names=["a", "b", "c"], best_alpha=0.1
    )
    assert len(display.lines_) == 3
    order = np.argsort(alphas)
    for j, line in enumerate(display.lines_):
        assert_allclose(line.get_xdata(), alphas[order])
        assert_allclose(line.get_ydata(), coefs[j, order])
        assert line.get_label() == "abc"[j]
    assert display.ax_.get_xscale() == "log"
    assert_allclose(display.best_alpha_line_.get_xdata(), [0.1, 0.1])
    assert display.figure_ is display.ax_.figure
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend[:3] == ["a", "b", "c"]


def test_path_display_without_best_alpha_draws_no_vertical_line():
    alphas, coefs = hand_made_path()
    display = DecayPathDisplay(alphas=alphas, coefs=coefs).plot()
    assert display.best_alpha_line_ is None
    assert len(display.ax_.lines) == coefs.shape[0]
    assert [line.get_label() for line in display.lines_] == ["x0", "x1", "x2"]


def test_path_display_one_panel_per_class_with_a_shared_y_axis():
    alphas, coefs = hand_made_path(n_outputs=3)
    path = HandMadePath(alphas, coefs, classes=np.array(["u", "v", "w"]))
    display = DecayPathDisplay.from_path(path, best_alpha=1.0)
    assert display.lines_.shape == (3, 3)
    assert len(display.ax_) == 3
    assert [panel.get_title() for panel in display.ax_] == [
        "class u",
        "class v",
        "class w",
    ]
    first, *others = display.ax_
    assert all(first.get_shared_y_axes().joined(first, other) for other in others)
    assert_allclose(display.lines_[2, 1].get_ydata(), coefs[2, 1, ::-1])
    assert len(display.best_alpha_line_) == 3


def test_path_display_reuses_given_axes():
    alphas, coefs = hand_made_path()
    _, ax = plt.subplots()
    display = DecayPathDisplay(alphas=alphas, coefs=coefs).plot(ax=ax)
    assert display.ax_ is ax
    _, axes = plt.subplots(1, 2)
    alphas, coefs = hand_made_path(n_outputs=2)
    display = DecayPathDisplay(alphas=alphas, coefs=coefs).plot(ax=axes)
    assert list(display.ax_) == list(axes)
    assert len(axes[1].lines) == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"coefs": np.ones((2, 5))}, "coefs must have shape"),
        ({"coefs": np.ones(8)}, "coefs must have shape"),
        ({"feature_names": ["a"]}, "feature_names has 1 names"),
        ({"alphas": np.linspace(0, 1, 8)}, "positive"),
    ],
)
def test_path_display_rejects_bad_input(kwargs, message):
    alphas, coefs = hand_made_path()
    params = {"alphas": alphas, "coefs": coefs, **kwargs}
    with pytest.raises(ValueError, match=message):
        DecayPathDisplay(**params).plot()


def test_path_display_needs_one_axes_per_output():
    alphas, coefs = hand_made_path(n_outputs=2)
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="ax must hold 2 Axes"):
        DecayPathDisplay(alphas=alphas, coefs=coefs).plot(ax=ax)


def test_path_display_from_estimator_draws_decay_path(diabetes):
    from skdecay import decay_path

    X, y = diabetes
    estimator = DecayLinearRegressor(penalty="l1")
    display = DecayPathDisplay.from_estimator(estimator, X, y, n_alphas=10)
    path = decay_path(X, y, penalty="l1", n_alphas=10)
    assert len(display.lines_) == X.shape[1]
    order = np.argsort(path.alphas)
    for j, line in enumerate(display.lines_):
        assert_allclose(line.get_xdata(), path.alphas[order])
        assert_allclose(line.get_ydata(), path.coefs[j, order], atol=1e-10)
    # The lasso path starts (largest alpha, right end) at all-zero weights.
    assert all(line.get_ydata()[-1] == 0.0 for line in display.lines_)


def test_path_display_from_cv_estimator_marks_the_chosen_alpha(iris):
    from skdecay import DecayLogisticClassifierCV

    X, y = iris
    cv = DecayLogisticClassifierCV(alphas=5, cv=3).fit(X, y)
    display = DecayPathDisplay.from_estimator(cv, X, y)
    assert display.lines_.shape == (3, X.shape[1])  # multinomial: one per class
    for line in display.best_alpha_line_:
        assert_allclose(line.get_xdata(), [cv.alpha_, cv.alpha_])
    assert_allclose(np.sort(display.lines_[0, 0].get_xdata()), np.sort(cv.alphas_))


def test_path_display_from_estimator_without_penalty_fails(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match=r"penalty=None\. Set penalty="):
        DecayPathDisplay.from_estimator(DecayLinearRegressor(penalty=None), X, y)


@pytest.fixture(scope="module")
def raw_diabetes(diabetes):
    """Diabetes with features on scales 1 to 1000, so a scaler changes the path."""
    X, y = diabetes
    return X * np.logspace(0, 3, X.shape[1]) + 5.0, y


@pytest.fixture(scope="module")
def scaled_lasso_cv(raw_diabetes):
    """A fitted Pipeline(StandardScaler, DecayLinearRegressorCV)."""
    pipeline = make_pipeline(
        StandardScaler(), DecayLinearRegressorCV(penalty="l1", alphas=6, cv=3)
    )
    return pipeline.fit(*raw_diabetes)


def test_path_display_from_pipeline_transforms_x_with_the_first_steps(breast_cancer):
    pd = pytest.importorskip("pandas")
    X, y = breast_cancer
    columns = [f"f{j}" for j in range(X.shape[1])]
    pipeline = make_pipeline(StandardScaler(), DecayLogisticClassifier(penalty="l1"))
    display = DecayPathDisplay.from_estimator(
        pipeline, pd.DataFrame(X, columns=columns), y, n_alphas=6
    )
    # Once read "penalty=None" from the Pipeline's own parameters.
    path = decay_path(
        StandardScaler().fit_transform(X), y, loss="logistic", penalty="l1", n_alphas=6
    )
    order = np.argsort(path.alphas)
    assert len(display.lines_) == X.shape[1]
    for j, line in enumerate(display.lines_):
        assert_allclose(line.get_ydata(), path.coefs[j, order], atol=1e-10)
    # The names come out of the scaler; the pipeline passed in stays unfitted.
    assert [line.get_label() for line in display.lines_] == columns
    assert not hasattr(pipeline[0], "mean_")


def test_path_display_from_fitted_pipeline_uses_its_steps_and_cv(
    raw_diabetes, scaled_lasso_cv
):
    X, y = raw_diabetes
    cv = scaled_lasso_cv[-1]
    display = DecayPathDisplay.from_estimator(scaled_lasso_cv, X, y)
    assert_allclose(display.best_alpha_line_.get_xdata(), [cv.alpha_, cv.alpha_])
    path = decay_path(
        scaled_lasso_cv[:-1].transform(X), y, penalty="l1", alphas=cv.alphas_
    )
    order = np.argsort(path.alphas)
    assert_allclose(display.lines_[3].get_xdata(), path.alphas[order])
    assert_allclose(display.lines_[3].get_ydata(), path.coefs[3, order], atol=1e-10)


@pytest.mark.parametrize(
    ("estimator", "got"),
    [
        (DecayMLPClassifier(), "got DecayMLPClassifier. A network has no"),
        (Ridge(), "got Ridge.$"),
        (
            make_pipeline(StandardScaler(), Ridge()),
            "got a Pipeline whose last step is Ridge.$",
        ),
    ],
)
def test_path_display_says_which_estimators_it_takes(diabetes, estimator, got):
    X, y = diabetes
    accepted = (
        r"takes a skdecay linear model \(DecayLinearRegressor, "
        r"DecayLogisticClassifier, DecayLinearRegressorCV, "
        r"DecayLogisticClassifierCV\) or a Pipeline whose last step is one; "
    )
    with pytest.raises(ValueError, match=accepted + got):
        DecayPathDisplay.from_estimator(estimator, X, y)


# DecayCVCurveDisplay -------------------------------------------------------


@pytest.fixture(scope="module")
def ridge_search(diabetes):
    X, y = diabetes
    grid = {"alpha": np.logspace(-4, 1, 6)}
    search = GridSearchCV(
        DecayLinearRegressor(),
        grid,
        cv=KFold(4, shuffle=True, random_state=0),
        return_train_score=True,
    )
    return search.fit(X, y)


def test_cv_display_draws_mean_scores_bands_and_chosen_alpha(ridge_search):
    results = ridge_search.cv_results_
    display = DecayCVCurveDisplay.from_estimator(ridge_search)
    alphas = np.asarray(results["param_alpha"], dtype=float)
    order = np.argsort(alphas)
    assert sorted(display.lines_) == ["test", "train"]
    for kind in ("train", "test"):
        assert_allclose(display.lines_[kind].get_xdata(), alphas[order])
        assert_allclose(
            display.lines_[kind].get_ydata(), results[f"mean_{kind}_score"][order]
        )
        # The band spans mean -/+ std at each alpha.
        vertices = display.fill_between_[kind].get_paths()[0].vertices
        mean, std = results[f"mean_{kind}_score"], results[f"std_{kind}_score"]
        assert_allclose(vertices[:, 1].min(), (mean - std).min())
        assert_allclose(vertices[:, 1].max(), (mean + std).max())
    best_alpha = ridge_search.best_params_["alpha"]
    assert_allclose(display.best_alpha_line_.get_xdata(), [best_alpha, best_alpha])
    assert display.ax_.get_xscale() == "log"
    # The 1-SE band: from the best mean down by its standard error.
    best = np.argmax(results["mean_test_score"])
    std_error = results["std_test_score"][best] / np.sqrt(4)
    low, high = (
        results["mean_test_score"][best] - std_error,
        results["mean_test_score"][best],
    )
    assert_allclose(band_limits(display.one_se_band_), [low, high])
    assert_allclose(display.one_se_line_.get_ydata(), [low, low])
    texts = [text.get_text() for text in display.annotations_]
    assert "overfitting" in texts[0] and "underfitting" in texts[1]


def test_cv_display_without_train_scores(diabetes):
    X, y = diabetes
    search = GridSearchCV(DecayLinearRegressor(), {"alpha": [1e-3, 1e-1, 10.0]}, cv=3)
    search.fit(X, y)
    display = DecayCVCurveDisplay.from_cv_results(search.cv_results_)
    assert list(display.lines_) == ["test"]
    for score_type in ("train", "both"):
        with pytest.raises(ValueError, match="return_train_score=True"):
            DecayCVCurveDisplay.from_cv_results(
                search.cv_results_, score_type=score_type
            )


def test_cv_display_one_standard_error_rule_picks_the_largest_alpha_within():
    alphas = np.array([0.001, 0.01, 0.1, 1.0, 10.0])
    # Fold scores: best mean at 0.01; 0.1 is within one standard error of it,
    # 1.0 and 10.0 are not.
    base = np.array([0.70, 0.80, 0.78, 0.60, 0.30])
    spread = np.array([-0.12, 0.0, 0.12, 0.06, -0.06])  # standard error 0.038
    test_scores = base[:, None] + spread[None, :]
    results = {"param_alpha": alphas, "rank_test_score": np.argsort(-base) + 1}
    for k in range(5):
        results[f"split{k}_test_score"] = test_scores[:, k]
    display = DecayCVCurveDisplay.from_cv_results(results, selection="1se")
    assert display.best_alpha == 0.1
    display = DecayCVCurveDisplay.from_cv_results(results, selection="min")
    assert display.best_alpha == 0.01
    display = DecayCVCurveDisplay.from_cv_results(results, best_alpha=1.0)
    assert_allclose(display.best_alpha_line_.get_xdata(), [1.0, 1.0])


def test_cv_display_picks_one_l1_ratio_of_the_grid(diabetes):
    X, y = diabetes
    grid = {"alpha": [1e-3, 1e-2, 1e-1, 1.0], "l1_ratio": [0.2, 0.9]}
    search = GridSearchCV(DecayLinearRegressor(penalty="elasticnet"), grid, cv=3)
    search.fit(X, y)
    results = search.cv_results_
    display = DecayCVCurveDisplay.from_estimator(search)
    best_l1_ratio = search.best_params_["l1_ratio"]
    assert display.ax_.get_title() == f"l1_ratio={best_l1_ratio:.3g}"
    assert_allclose(
        display.best_alpha_line_.get_xdata()[0], search.best_params_["alpha"]
    )
    rows = np.asarray(results["param_l1_ratio"], dtype=float) == 0.9
    display = DecayCVCurveDisplay.from_cv_results(results, l1_ratio=0.9)
    assert_allclose(
        display.lines_["test"].get_ydata(), results["mean_test_score"][rows]
    )
    with pytest.raises(ValueError, match=r"l1_ratio=0\.5 is not in cv_results"):
        DecayCVCurveDisplay.from_cv_results(results, l1_ratio=0.5)


def test_cv_display_rejects_a_grid_varying_another_parameter(diabetes):
    X, y = diabetes
    grid = {"alpha": [1e-2, 1.0], "fit_intercept": [True, False]}
    search = GridSearchCV(DecayLinearRegressor(), grid, cv=2).fit(X, y)
    with pytest.raises(ValueError, match="share an alpha"):
        DecayCVCurveDisplay.from_cv_results(search.cv_results_)
    with pytest.raises(ValueError, match="param_name"):
        DecayCVCurveDisplay.from_cv_results(search.cv_results_, param_name="C")


def test_cv_display_negated_score_and_given_axes(diabetes):
    X, y = diabetes
    search = GridSearchCV(
        DecayLinearRegressor(),
        {"alpha": [1e-3, 1e-1, 10.0]},
        cv=3,
        scoring="neg_mean_squared_error",
    ).fit(X, y)
    _, ax = plt.subplots()
    display = DecayCVCurveDisplay.from_estimator(search, ax=ax, negate_score=True)
    assert display.ax_ is ax and display.figure_ is ax.figure
    assert ax.get_ylabel() == "Mean squared error"
    assert_allclose(
        display.lines_["test"].get_ydata(), -search.cv_results_["mean_test_score"]
    )
    # The band lies above the lowest error.
    assert_allclose(band_limits(display.one_se_band_)[0], -search.best_score_)


def test_cv_display_from_cv_estimator(diabetes):
    from skdecay import DecayLinearRegressorCV

    X, y = diabetes
    cv = DecayLinearRegressorCV(alphas=6, cv=3, return_train_score=True).fit(X, y)
    display = DecayCVCurveDisplay.from_estimator(cv)
    assert_allclose(display.best_alpha_line_.get_xdata(), [cv.alpha_, cv.alpha_])
    assert_allclose(display.lines_["test"].get_xdata(), np.sort(cv.alphas_))
    assert_allclose(
        display.lines_["test"].get_ydata(), cv.cv_results_["mean_test_score"][::-1]
    )


def test_cv_display_band_matches_the_estimators_one_standard_error_rule(diabetes):
    from skdecay import DecayLinearRegressorCV

    X, y = diabetes
    folds = KFold(4, shuffle=True, random_state=0)
    cv = DecayLinearRegressorCV(penalty="l1", alphas=12, cv=folds, selection="1se")
    cv.fit(X, y)
    display = DecayCVCurveDisplay.from_estimator(cv)
    threshold = display.one_se_line_.get_ydata()[0]
    means = display.lines_["test"].get_ydata()
    alphas = display.lines_["test"].get_xdata()
    # alpha_ is the largest alpha whose mean validation score reaches the band.
    assert cv.alpha_ == pytest.approx(alphas[means >= threshold].max())
    assert cv.alpha_ > alphas[np.argmax(means)]


def test_cv_display_needs_a_fitted_search():
    with pytest.raises(Exception, match="not fitted"):
        DecayCVCurveDisplay.from_estimator(GridSearchCV(Ridge(), {"alpha": [1.0]}))
    with pytest.raises(Exception, match="not fitted"):
        DecayCVCurveDisplay.from_estimator(DecayLinearRegressorCV())
    # Fitting a plain estimator would not help: say what is accepted.
    with pytest.raises(
        ValueError,
        match=r"takes a fitted cross-validation estimator \(DecayLinearRegressorCV, "
        r".*\), or a Pipeline whose last step is one; got DecayLinearRegressor\.$",
    ):
        DecayCVCurveDisplay.from_estimator(DecayLinearRegressor())


def test_cv_display_from_a_pipeline_reads_its_last_step(scaled_lasso_cv):
    cv = scaled_lasso_cv[-1]
    display = DecayCVCurveDisplay.from_estimator(scaled_lasso_cv)
    assert_allclose(display.best_alpha_line_.get_xdata(), [cv.alpha_, cv.alpha_])
    assert_allclose(
        display.lines_["test"].get_ydata(), cv.cv_results_["mean_test_score"][::-1]
    )


# LossCurveDisplay -----------------------------------------------------------


class PerEpochCurves(BaseEstimator):
    """A tiny stand-in for a neural network: per-epoch arrays, no real training."""

    def __init__(self, alpha=1.0, n_epochs=5):
        self.alpha = alpha
        self.n_epochs = n_epochs

    def fit(self, X, y):
        epochs = np.arange(1, self.n_epochs + 1)
        self.loss_curve_ = 1.0 / epochs + self.alpha
        self.weight_norm_curve_ = 1.0 / (1.0 + self.alpha) * (1 - 0.5**epochs)
        self.validation_scores_ = None
        return self


def test_loss_curve_display_fits_one_clone_per_alpha(diabetes):
    X, y = diabetes
    estimator = DecayLinearRegressor(solver="gd", tol=1e-6)
    alphas = [1e-3, 1e-1]
    display = LossCurveDisplay.from_estimator(estimator, X, y, alphas=alphas)
    assert not hasattr(estimator, "loss_curve_")
    assert len(display.lines_) == 2
    for line, alpha in zip(display.lines_, alphas, strict=True):
        expected = DecayLinearRegressor(solver="gd", tol=1e-6, alpha=alpha).fit(X, y)
        assert_allclose(line.get_ydata(), expected.loss_curve_)
        assert_array_equal(line.get_xdata(), np.arange(1, expected.n_iter_ + 1))
        assert line.get_label() == f"alpha={alpha:.3g}"
    assert display.ax_.get_xlabel() == "Iteration"
    assert display.ax_.get_ylabel() == "Objective (loss + penalty)"


def test_loss_curve_display_reads_any_per_iteration_attribute():
    estimators = [
        PerEpochCurves(alpha=a, n_epochs=n).fit(None, None)
        for a, n in [(0.1, 4), (1.0, 6)]
    ]
    _, ax = plt.subplots()
    display = LossCurveDisplay.from_estimators(
        estimators, attribute="weight_norm_curve_", labels=["weak", "strong"], ax=ax
    )
    assert display.ax_ is ax
    assert [line.get_label() for line in display.lines_] == ["weak", "strong"]
    assert_allclose(display.lines_[1].get_ydata(), estimators[1].weight_norm_curve_)
    assert len(display.lines_[0].get_xdata()) == 4
    assert ax.get_ylabel() == "Weight norm"
    display = LossCurveDisplay.from_estimator(
        PerEpochCurves(), None, None, alphas=[0.5, 2.0]
    ).plot(log_y=True)
    assert display.ax_.get_yscale() == "log"
    assert_allclose(display.lines_[0].get_ydata()[-1], 1 / 5 + 0.5)


def test_loss_curve_display_rejects_missing_or_bad_curves():
    fitted = PerEpochCurves().fit(None, None)
    with pytest.raises(ValueError, match="has no 'validation_scores_'"):
        LossCurveDisplay.from_estimators([fitted], attribute="validation_scores_")
    with pytest.raises(ValueError, match="has no 'n_iter_'"):
        LossCurveDisplay.from_estimators([fitted], attribute="n_iter_")
    with pytest.raises(ValueError, match="labels has 2 entries"):
        LossCurveDisplay.from_estimators([fitted], labels=["a", "b"])
    with pytest.raises(ValueError, match="positive"):
        LossCurveDisplay(curves=[[1.0, -1.0]]).plot(log_y=True)
    with pytest.raises(ValueError, match="1-D arrays"):
        LossCurveDisplay(curves=[np.ones((2, 2))]).plot()
    with pytest.raises(Exception, match="not fitted"):
        LossCurveDisplay.from_estimators([PerEpochCurves()])


# CoefHistoryDisplay --------------------------------------------------------


def test_coef_history_display_one_panel_per_alpha(diabetes):
    X, y = diabetes
    estimator = DecayLinearRegressor(solver="gd", tol=1e-6)
    alphas = [1e-3, 1e-1, 10.0]
    display = CoefHistoryDisplay.from_estimator(estimator, X, y, alphas=alphas)
    assert display.lines_.shape == (3, X.shape[1])
    assert [panel.get_title() for panel in display.ax_] == [
        f"alpha={a:.3g}" for a in alphas
    ]
    first, *others = display.ax_
    assert all(first.get_shared_y_axes().joined(first, other) for other in others)
    fitted = DecayLinearRegressor(
        solver="gd", tol=1e-6, alpha=10.0, store_coef_history=True
    ).fit(X, y)
    for j in range(X.shape[1]):
        assert_allclose(display.lines_[2, j].get_ydata(), fitted.coef_history_[:, j])
    # The last point of each trajectory is the fitted weight.
    assert_allclose([line.get_ydata()[-1] for line in display.lines_[2]], fitted.coef_)


def test_coef_history_display_of_a_classifier_names_each_weight(iris):
    X, y = iris
    estimators = [
        DecayLogisticClassifier(solver="gd", alpha=a, store_coef_history=True).fit(X, y)
        for a in (1e-2, 1.0)
    ]
    _, axes = plt.subplots(1, 2)
    display = CoefHistoryDisplay.from_estimators(
        estimators, feature_names=["sl", "sw", "pl", "pw"], ax=axes
    )
    assert list(display.ax_) == list(axes)
    assert display.lines_.shape == (2, 3 * 4)
    assert display.lines_[0, 5].get_label() == "output 1: sw"
    assert_allclose(
        display.lines_[1, 5].get_ydata(), estimators[1].coef_history_[:, 1, 1]
    )


def test_training_displays_of_a_pipeline_fit_and_read_its_last_step(raw_diabetes):
    X, y = raw_diabetes
    pipeline = make_pipeline(StandardScaler(), DecayLinearRegressor(solver="gd"))
    alphas = [1e-2, 1.0]
    losses = LossCurveDisplay.from_estimator(pipeline, X, y, alphas=alphas)
    weights = CoefHistoryDisplay.from_estimator(pipeline, X, y, alphas=alphas)
    X_scaled = StandardScaler().fit_transform(X)
    for k, alpha in enumerate(alphas):
        expected = DecayLinearRegressor(
            solver="gd", alpha=alpha, store_coef_history=True
        ).fit(X_scaled, y)
        assert_allclose(losses.lines_[k].get_ydata(), expected.loss_curve_)
        assert losses.lines_[k].get_label() == f"alpha={alpha:.3g}"
        assert_allclose(weights.lines_[k, 2].get_ydata(), expected.coef_history_[:, 2])
    assert weights.ax_[1].get_title() == "alpha=1"
    assert not hasattr(pipeline[-1], "coef_")
    # Fitted pipelines stand for their last step too.
    fitted = [pipeline.set_params(decaylinearregressor__alpha=1.0).fit(X, y)]
    display = LossCurveDisplay.from_estimators(fitted)
    assert_allclose(display.lines_[0].get_ydata(), fitted[0][-1].loss_curve_)


def test_coef_history_display_needs_recorded_weights(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="no store_coef_history parameter"):
        CoefHistoryDisplay.from_estimator(Ridge(), X, y, alphas=[1.0])
    fitted = DecayLinearRegressor().fit(X, y)
    with pytest.raises(ValueError, match="store_coef_history=True"):
        CoefHistoryDisplay.from_estimators([fitted])
    with pytest.raises(ValueError, match="one history per alpha"):
        CoefHistoryDisplay(coef_histories=[np.ones((3, 2))], alphas=[1.0, 2.0]).plot()
    with pytest.raises(ValueError, match="same features"):
        CoefHistoryDisplay(
            coef_histories=[np.ones((3, 2)), np.ones((3, 4))], alphas=[1.0, 2.0]
        ).plot()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_loss_curve_display_of_an_mlp_per_weight_decay(diabetes):
    from skdecay import DecayMLPRegressor

    X, y = diabetes
    mlp = DecayMLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    display = LossCurveDisplay.from_estimator(
        mlp,
        X,
        y / 100,
        alphas=[1e-4, 1e-1],
        param_name="weight_decay",
        attribute="weight_norm_curve_",
    )
    fitted = mlp.set_params(weight_decay=1e-1).fit(X, y / 100)
    assert_allclose(display.lines_[1].get_ydata(), fitted.weight_norm_curve_)
    assert display.lines_[1].get_label() == "weight_decay=0.1"
    with pytest.raises(ValueError, match="no parameter 'alpha'"):
        LossCurveDisplay.from_estimator(mlp, X, y, alphas=[1.0])
