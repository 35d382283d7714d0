"""
===================================================
The impact of weight decay on the model's weights
===================================================

:func:`skdecay.decay_path` fits a model for a whole grid of ``alpha``
values (by default from ``alpha_max``, where the L1 penalty sets every
weight to zero, down to ``1e-3 * alpha_max``), each fit warm-started from
the previous one.
:class:`~skdecay.DecayPathDisplay` draws each weight against ``alpha`` on a
log axis, stronger decay to the right:

* with weight decay (``penalty='l2'``) every weight shrinks smoothly
  towards zero and none reaches it;
* with the L1 penalty (``penalty='l1'``, the lasso) the weights reach zero
  one by one, so the model selects features; the vertical line is the
  ``alpha_`` that :class:`~skdecay.DecayLinearRegressorCV` chose by 5-fold
  cross-validation.

The data are scikit-learn's diabetes dataset (442 patients, 10
standardised features), so nothing is downloaded.
"""

# %%
# Two paths, one per penalty
# --------------------------

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import KFold

from skdecay import (
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayPathDisplay,
    decay_path,
)

diabetes = load_diabetes()
X, y = diabetes.data, diabetes.target
feature_names = diabetes.feature_names

# With L2 alone no alpha makes every weight zero, so the grid is given: from
# weights near zero (alpha=10) down to nearly the least-squares fit.
l2_alphas = np.logspace(1, -5, 60)
fig, (ax_l2, ax_l1) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
DecayPathDisplay.from_estimator(
    DecayLinearRegressor(penalty="l2"),
    X,
    y,
    alphas=l2_alphas,
    feature_names=feature_names,
    ax=ax_l2,
)
ax_l2.set_title("Weight decay (L2): every weight shrinks, none is zero")

# %%
# The lasso path, and the alpha cross-validation picks
# ----------------------------------------------------
# For a fitted CV estimator the display runs the path on the estimator's own
# grid ``alphas_`` and marks ``alpha_``.

lasso_cv = DecayLinearRegressorCV(
    penalty="l1", alphas=60, cv=KFold(5, shuffle=True, random_state=0)
).fit(X, y)
DecayPathDisplay.from_estimator(lasso_cv, X, y, feature_names=feature_names, ax=ax_l1)
ax_l1.set_title("L1 (lasso): weights reach zero one by one")
# Next to this script (sys.argv[0]: sphinx-gallery runs it without __file__).
output = Path(sys.argv[0]).with_suffix(".png")
fig.savefig(output, dpi=80)

# %%
# Weight norm and number of nonzero weights along the paths
# ---------------------------------------------------------

l2_path = decay_path(X, y, penalty="l2", alphas=l2_alphas)
l1_path = decay_path(X, y, penalty="l1", alphas=l2_alphas)
print(f"{'alpha':>9} {'L2: ||w||_2':>12} {'L2: nonzero':>12} {'L1: nonzero':>12}")
for index in np.linspace(0, len(l2_path.alphas) - 1, 7).astype(int):
    print(
        f"{l2_path.alphas[index]:9.2e} "
        f"{np.linalg.norm(l2_path.coefs[:, index]):12.1f} "
        f"{np.count_nonzero(l2_path.coefs[:, index]):12d} "
        f"{np.count_nonzero(l1_path.coefs[:, index]):12d}"
    )
print(
    f"cross-validated lasso: alpha_={lasso_cv.alpha_:.3g}, "
    f"{np.count_nonzero(lasso_cv.coef_)} of {X.shape[1]} weights nonzero"
)
print(f"figure written to {output.name}")
