r"""
==========================================
Weights during training under weight decay
==========================================

Weight decay is, literally, a step: proximal gradient descent
(``solver='gd'``) updates the weights as

.. math::

    w \leftarrow w - \eta \, \big(\nabla L(w) + \alpha (1 - \rho) w\big)

then soft-thresholds them by :math:`\eta \alpha \rho` for the L1 part. With
``store_coef_history=True`` the estimator records the weights after every
iteration in ``coef_history_`` (and the objective in ``loss_curve_``), so
one can watch decay act: with a weak ``alpha`` the weights run to the
least-squares solution, with a strong one they stop early, close to zero.
:class:`~skdecay.CoefHistoryDisplay` draws one panel per ``alpha`` on a
shared y axis, and :class:`~skdecay.LossCurveDisplay` the objective of each
fit.

The data are scikit-learn's diabetes dataset (442 patients, 10
standardised features), so nothing is downloaded.
"""

# %%
# Fit one model per decay strength, recording the weights
# --------------------------------------------------------
# ``CoefHistoryDisplay.from_estimator`` fits a clone of the estimator for
# each ``alpha`` with ``store_coef_history=True``; the estimator passed in is
# left untouched. ``solver='gd'`` is the textbook step above (the default
# solver, Newton's method, converges in a handful of steps and shows little).

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from skdecay import CoefHistoryDisplay, DecayLinearRegressor, LossCurveDisplay

X, y = load_diabetes(return_X_y=True)
feature_names = load_diabetes().feature_names
alphas = [1e-4, 1e-2, 1e-1]
estimator = DecayLinearRegressor(solver="gd", tol=1e-6, max_iter=2000)

fig, axes = plt.subplot_mosaic(
    [["weak", "medium", "strong"], ["loss", "loss", "loss"]],
    figsize=(12, 8),
    layout="constrained",
)
history_axes = [axes["weak"], axes["medium"], axes["strong"]]
for panel in history_axes[1:]:
    panel.sharey(history_axes[0])
history = CoefHistoryDisplay.from_estimator(
    estimator, X, y, alphas=alphas, feature_names=feature_names, ax=history_axes
)

# %%
# The objective along the same iterations
# ---------------------------------------
# The stronger the decay, the fewer iterations the fit needs (the problem is
# better conditioned) and the higher the objective it settles at.

loss = LossCurveDisplay.from_estimator(
    estimator, X, y, alphas=alphas, ax=axes["loss"], log_y=True
)
axes["loss"].set_title("Objective per iteration")
fig.suptitle("Weights during training (gradient descent) for three decay strengths")
# Next to this script (sys.argv[0]: sphinx-gallery runs it without __file__).
output = Path(sys.argv[0]).with_suffix(".png")
fig.savefig(output, dpi=80)

# %%
# How far each fit moved the weights
# ----------------------------------
# The final weight norm shrinks with ``alpha``; so does the number of
# iterations.

print(f"{'alpha':>8} {'iterations':>10} {'final objective':>16} {'||w||_2':>9}")
for lines, curve, alpha in zip(history.lines_, loss.lines_, alphas, strict=True):
    final_weights = np.array([line.get_ydata()[-1] for line in lines])
    print(
        f"{alpha:8.0e} {len(curve.get_ydata()):10d} {curve.get_ydata()[-1]:16.2f} "
        f"{np.linalg.norm(final_weights):9.1f}"
    )
print(f"figure written to {output.name}")
