"""
=====================================================
Random search over alpha, and over (alpha, l1_ratio)
=====================================================

skdecay's estimators are ordinary scikit-learn estimators, so
:class:`~sklearn.model_selection.RandomizedSearchCV` tunes them directly.
``alpha`` spans orders of magnitude, so it is drawn from
:func:`scipy.stats.loguniform`; the elastic-net mixing ``l1_ratio`` lives in
[0, 1] and is drawn uniformly.

1. Weight decay (``penalty='l2'``) on scikit-learn's diabetes data, 20
   draws of ``alpha``: :class:`~skdecay.DecayCVCurveDisplay` draws the
   cross-validated scores of the draws against ``alpha``, as for a grid.
2. The elastic net on a small synthetic problem (80 samples) where only 8
   of 60 features matter, 40 draws of ``(alpha, l1_ratio)``: a scatter of
   the draws coloured by validation score shows where the good settings
   lie; here the best draws have a large ``l1_ratio`` and a moderate
   ``alpha``, while pure decay (``l1_ratio`` near 0) needs a small
   ``alpha`` to stay close.
"""

# %%
# Search ``alpha`` on a log scale
# -------------------------------

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform, uniform
from sklearn.datasets import load_diabetes, make_regression
from sklearn.model_selection import KFold, RandomizedSearchCV

from skdecay import DecayCVCurveDisplay, DecayLinearRegressor

X, y = load_diabetes(return_X_y=True)
folds = KFold(5, shuffle=True, random_state=0)
alpha_search = RandomizedSearchCV(
    DecayLinearRegressor(penalty="l2"),
    {"alpha": loguniform(1e-5, 10.0)},
    n_iter=20,
    cv=folds,
    return_train_score=True,
    random_state=0,
).fit(X, y)

fig, (ax_curve, ax_scatter) = plt.subplots(
    1, 2, figsize=(12, 4.5), layout="constrained"
)
curve = DecayCVCurveDisplay.from_estimator(alpha_search, ax=ax_curve)
curve.lines_["test"].set_marker("o")
ax_curve.set_title("diabetes, L2: 20 random draws of alpha")

# %%
# Search ``(alpha, l1_ratio)`` for the elastic net
# ------------------------------------------------
# ``make_regression`` builds a linear target from 8 informative features
# among 60, plus noise; with 80 samples the unpenalised fit overfits. The
# search draws ``alpha`` log-uniformly and ``l1_ratio`` uniformly;
# coordinate descent (``solver='auto'`` with an L1 part) keeps each fit
# cheap.

X_sparse, y_sparse = make_regression(
    n_samples=80, n_features=60, n_informative=8, noise=30.0, random_state=0
)
net_search = RandomizedSearchCV(
    DecayLinearRegressor(penalty="elasticnet"),
    {"alpha": loguniform(1e-3, 1e2), "l1_ratio": uniform(0.0, 1.0)},
    n_iter=40,
    cv=folds,
    random_state=0,
).fit(X_sparse, y_sparse)

results = net_search.cv_results_
alphas = np.asarray(results["param_alpha"], dtype=float)
l1_ratios = np.asarray(results["param_l1_ratio"], dtype=float)
points = ax_scatter.scatter(
    alphas, l1_ratios, c=results["mean_test_score"], cmap="viridis", vmin=0.0
)
best = net_search.best_params_
ax_scatter.scatter(
    [best["alpha"]],
    [best["l1_ratio"]],
    s=200,
    facecolors="none",
    edgecolors="red",
    label="best draw",
)
ax_scatter.set_xscale("log")
ax_scatter.set_xlabel("alpha (log scale)")
ax_scatter.set_ylabel("l1_ratio")
ax_scatter.set_title("8 of 60 features informative: 40 draws of (alpha, l1_ratio)")
ax_scatter.legend(loc="lower left")
fig.colorbar(points, ax=ax_scatter, label="mean validation R²")
# Next to this script (sys.argv[0]: sphinx-gallery runs it without __file__).
output = Path(sys.argv[0]).with_suffix(".png")
fig.savefig(output, dpi=80)

# %%
# The draws that won
# ------------------

best_model = net_search.best_estimator_
print(f"{'search':<22} {'alpha':>9} {'l1_ratio':>8} {'R² (CV)':>8} {'nonzero':>8}")
print(
    f"{'diabetes, alpha':<22} {alpha_search.best_params_['alpha']:9.2e} "
    f"{'-':>8} {alpha_search.best_score_:8.3f} "
    f"{np.count_nonzero(alpha_search.best_estimator_.coef_):8d}"
)
print(
    f"{'synthetic, elastic net':<22} {best['alpha']:9.2e} {best['l1_ratio']:8.2f} "
    f"{net_search.best_score_:8.3f} {np.count_nonzero(best_model.coef_):8d}"
)
print(f"figure written to {output.name}")
