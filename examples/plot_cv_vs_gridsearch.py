"""
=====================================================================
Cross-validated estimators vs GridSearchCV: the same alpha, and time
=====================================================================

:class:`~skdecay.DecayLinearRegressorCV` and
:class:`~skdecay.DecayLogisticClassifierCV` choose ``alpha`` by
cross-validation like :class:`~sklearn.model_selection.GridSearchCV` over
:class:`~skdecay.DecayLinearRegressor` or
:class:`~skdecay.DecayLogisticClassifier`, but fit each fold's whole grid
as one regularisation path, each ``alpha`` warm-started from the previous
one, instead of one cold fit per ``(alpha, fold)``.

For two problems this example runs both on the same grid, the same folds
and the same scorer, checks that they choose the same ``alpha``, and times
them (best of three fits). :class:`~skdecay.DecayCVCurveDisplay` draws
the CV estimator's curves (train and validation score, the chosen
``alpha``, the one standard error band); GridSearchCV's mean validation
scores are overlaid as markers.

* Lasso regression on scikit-learn's diabetes data (442 samples, 10
  features), scored by the mean squared error.
* L2-penalised logistic regression on the breast-cancer data (569 samples,
  30 raw features), scored by the log-loss. The raw features reach the
  thousands, so the useful ``alpha`` values are tiny; the grid spans nine
  decades.

Timings depend on the machine; the table printed at the end gives this
run's.
"""

# %%
# Set-up: one grid, one set of folds and one scorer per problem
# -------------------------------------------------------------

import sys
from pathlib import Path
from time import perf_counter

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

from skdecay import (
    DecayCVCurveDisplay,
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayLogisticClassifierCV,
)

# Tight tolerances, so both sides compare solutions rather than stopping rules.
TOL = 1e-6
X_reg, y_reg = load_diabetes(return_X_y=True)
X_clf, y_clf = load_breast_cancer(return_X_y=True)
problems = {
    "diabetes, lasso": dict(
        X=X_reg,
        y=y_reg,
        cv_estimator=DecayLinearRegressorCV(penalty="l1", tol=TOL),
        estimator=DecayLinearRegressor(penalty="l1", tol=TOL),
        alphas=np.logspace(1, -3, 20),
        folds=KFold(5, shuffle=True, random_state=0),
        scoring="neg_mean_squared_error",
    ),
    "breast cancer, logistic L2": dict(
        X=X_clf,
        y=y_clf,
        cv_estimator=DecayLogisticClassifierCV(penalty="l2", tol=TOL),
        estimator=DecayLogisticClassifier(penalty="l2", tol=TOL),
        alphas=np.logspace(0, -9, 19),
        folds=StratifiedKFold(5, shuffle=True, random_state=0),
        scoring="neg_log_loss",
    ),
}


# %%
# Run both searches and draw the curves
# -------------------------------------
# The estimators were fitted once before timing, so that compiling the
# solvers (done once per machine and cached on disk) is not counted.


def timed_fit(estimator, X, y, repeat=3):
    """Fit ``repeat`` times; the best time, less disturbed by other load."""
    times = []
    for _ in range(repeat):
        start = perf_counter()
        estimator.fit(X, y)
        times.append(perf_counter() - start)
    return min(times)


fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
rows = []
for ax, (name, problem) in zip(axes, problems.items(), strict=True):
    X, y, alphas = problem["X"], problem["y"], problem["alphas"]
    problem["estimator"].set_params(alpha=alphas[-1]).fit(X, y)  # compile
    cv_estimator = problem["cv_estimator"].set_params(
        alphas=alphas,
        cv=problem["folds"],
        scoring=problem["scoring"],
        return_train_score=True,
    )
    search = GridSearchCV(
        problem["estimator"],
        {"alpha": alphas},
        cv=problem["folds"],
        scoring=problem["scoring"],
    )
    cv_time = timed_fit(cv_estimator, X, y)
    search_time = timed_fit(search, X, y)
    rows.append(
        (name, cv_estimator.alpha_, search.best_params_["alpha"], cv_time, search_time)
    )

    display = DecayCVCurveDisplay.from_estimator(cv_estimator, ax=ax, negate_score=True)
    ax.plot(
        np.asarray(search.cv_results_["param_alpha"], dtype=float),
        -search.cv_results_["mean_test_score"],
        "k+",
        markersize=9,
        label="GridSearchCV, validation",
    )
    ax.legend(fontsize="small")
    ax.set_title(name)
# Next to this script (sys.argv[0]: sphinx-gallery runs it without __file__).
output = Path(sys.argv[0]).with_suffix(".png")
fig.savefig(output, dpi=80)

# %%
# Same choice, and the time each took
# -----------------------------------

print(
    f"{'problem':<27} {'alpha_ (CV)':>11} {'alpha (GS)':>11} {'same':>5} "
    f"{'CV s':>6} {'GS s':>6} {'speed-up':>8}"
)
for name, cv_alpha, search_alpha, cv_time, search_time in rows:
    same = bool(np.isclose(cv_alpha, search_alpha))
    print(
        f"{name:<27} {cv_alpha:11.3e} {search_alpha:11.3e} {same!s:>5} "
        f"{cv_time:6.2f} {search_time:6.2f} {search_time / cv_time:7.1f}x"
    )
print(f"figure written to {output.name}")
