"""
====================================================
Weight decay in a neural network: coupled vs AdamW
====================================================

A network with one hidden layer of 128 units is trained with Adam on half of
the digits data set (shipped with scikit-learn) for a fixed number of
epochs, and scored on both halves. :class:`~skdecay.DecayMLPClassifier`
offers both kinds of weight decay the field uses:

* ``decay_mode='l2'``: the penalty's gradient ``weight_decay * W`` is added
  to the loss gradient (scikit-learn's ``alpha``). Adam then divides it,
  like the rest of the gradient, by its running RMS, so large weights are
  not decayed more than small ones;
* ``decay_mode='decoupled'``: the weights shrink by
  ``learning_rate * weight_decay`` at every step, outside Adam (AdamW,
  Loshchilov & Hutter).

The left panel draws train and validation accuracy against ``weight_decay``
for both; the right one the norm of the weights along the epochs
(``weight_norm_curve_``, drawn by :class:`~skdecay.LossCurveDisplay`) for a
few decoupled strengths. On this easy problem decay buys little validation
accuracy (the train/validation gap is about two points without it); what the
figure shows is the scale each mode works on, and how each fails when too
strong. Nothing is downloaded.
"""

# %%
# Fit both kinds of decay on one grid
# -----------------------------------

import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdecay import DecayMLPClassifier, LossCurveDisplay

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_val, y_train, y_val = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
grid = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
common = dict(
    hidden_layer_sizes=(128,),
    batch_size=64,
    max_iter=40,
    tol=0.0,
    n_iter_no_change=40,  # a fixed number of epochs, no stopping rule
    random_state=0,
)
scores = {}
models = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for mode in ("l2", "decoupled"):
        for weight_decay in [0.0, *grid]:
            est = DecayMLPClassifier(
                decay_mode=mode, weight_decay=weight_decay, **common
            ).fit(X_train, y_train)
            scores[mode, weight_decay] = (
                est.score(X_train, y_train),
                est.score(X_val, y_val),
            )
            models[mode, weight_decay] = est

# %%
# Accuracy against the decay, and the weight norm along training
# --------------------------------------------------------------
# Coupled decay acts at strengths about a hundred times smaller than the
# decoupled one here (decoupled shrinks by ``learning_rate * weight_decay``,
# 1e-3 times the strength, per step), and it breaks down to chance level at
# ``weight_decay=1``: once ``weight_decay * W`` dominates the gradient,
# Adam's normalisation turns it into steps of size ``learning_rate`` towards
# zero for every weight alike. Points below 0.75 are off the axis; the table
# at the end has them.

fig, (ax_acc, ax_norm) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
colors = {"l2": "tab:blue", "decoupled": "tab:orange"}
names = {"l2": "coupled (l2)", "decoupled": "decoupled (AdamW)"}
for mode in ("l2", "decoupled"):
    train = [scores[mode, wd][0] for wd in grid]
    val = [scores[mode, wd][1] for wd in grid]
    ax_acc.semilogx(grid, train, "--", color=colors[mode], label=f"{names[mode]} train")
    ax_acc.semilogx(grid, val, "-o", color=colors[mode], label=f"{names[mode]} val")
free_train, free_val = scores["l2", 0.0]
ax_acc.axhline(free_train, color="grey", ls=":", label="no decay, train")
ax_acc.axhline(free_val, color="black", ls=":", label="no decay, val")
ax_acc.set_xlabel("weight_decay (log scale)")
ax_acc.set_ylabel("accuracy")
ax_acc.set_ylim(0.75, 1.005)
ax_acc.set_title("Adam on half of digits, (128,) relu, 40 epochs")
ax_acc.legend(fontsize="small", loc="lower left")

LossCurveDisplay.from_estimators(
    [models["decoupled", wd] for wd in (0.0, 1e-1, 1.0, 10.0)],
    attribute="weight_norm_curve_",
    param_name="weight_decay",
    ax=ax_norm,
)
ax_norm.set_xlabel("epoch")
ax_norm.set_title("Decoupled decay: norm of the weights")
# Next to this script (sys.argv[0]: sphinx-gallery runs it without __file__).
output = Path(sys.argv[0]).with_suffix(".png")
fig.savefig(output, dpi=80)

# %%
# The same numbers as a table
# ---------------------------

print(f"{'weight_decay':>12} {'mode':>10} {'train':>7} {'val':>7} {'|W|':>7}")
for (mode, weight_decay), (train, val) in scores.items():
    norm = models[mode, weight_decay].weight_norm_curve_[-1]
    print(f"{weight_decay:12g} {mode:>10} {train:7.4f} {val:7.4f} {norm:7.2f}")
print(f"figure written to {output.name}")
best = max(scores, key=lambda key: scores[key][1])
print(f"best validation accuracy: {scores[best][1]:.4f} with {best}")
