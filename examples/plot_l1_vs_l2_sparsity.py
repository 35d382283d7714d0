"""
=============================================
Share of zero weights: L1, elastic net and L2
=============================================

Weight decay (the L2 penalty) shrinks weights but never sets one to zero;
the L1 penalty does, more of them the larger ``alpha``; the elastic net
(here ``l1_ratio=0.5``) lies between. This example computes the three
regularisation paths with :func:`skdecay.decay_path` on one grid of
``alpha`` and draws the share of exactly-zero weights against ``alpha``,
next to the elastic-net path itself (:class:`~skdecay.DecayPathDisplay`).

The data come from :func:`sklearn.datasets.make_regression`: 100 samples,
40 features of which 6 carry the signal, plus noise. Nothing is
downloaded.
"""

# %%
# Three paths on one grid
# -----------------------
# The grid runs from ``alpha_max`` of the lasso (every L1 weight is zero
# there) down three decades. The same grid is used for the three penalties
# so that the curves compare at equal ``alpha``. (The elastic net's own
# ``alpha_max`` is the lasso's divided by ``l1_ratio``, twice as large here,
# so at the right end of this grid a few of its weights are still nonzero.)

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression

from skdecay import DecayPathDisplay, decay_path

X, y = make_regression(
    n_samples=100, n_features=40, n_informative=6, noise=20.0, random_state=0
)
lasso = decay_path(X, y, penalty="l1", n_alphas=40, eps=1e-3)
alphas = lasso.alphas
paths = {
    "L1": lasso,
    "elastic net": decay_path(X, y, penalty="elasticnet", l1_ratio=0.5, alphas=alphas),
    "L2": decay_path(X, y, penalty="l2", alphas=alphas),
}
labels = {
    "L1": "L1 (lasso)",
    "elastic net": "elastic net, l1_ratio=0.5",
    "L2": "L2 (weight decay)",
}
zero_share = {name: np.mean(path.coefs == 0.0, axis=0) for name, path in paths.items()}

# %%
# Share of zero weights against alpha
# -----------------------------------

fig, (ax_share, ax_path) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
for (name, share), marker in zip(zero_share.items(), "osd", strict=True):
    ax_share.plot(alphas, share, marker=marker, markersize=4, label=labels[name])
ax_share.axhline(
    1 - 6 / 40, color="0.5", linestyle=":", label="share of noise features"
)
ax_share.set_xscale("log")
ax_share.set_xlabel("alpha (log scale; stronger decay to the right)")
ax_share.set_ylabel("Share of weights exactly zero")
ax_share.set_title("Only an L1 part makes weights exactly zero")
ax_share.legend(fontsize="small")

DecayPathDisplay.from_path(paths["elastic net"], ax=ax_path)
ax_path.set_title("Elastic-net path (l1_ratio=0.5)")
# Next to this script (sys.argv[0]: sphinx-gallery runs it without __file__).
output = Path(sys.argv[0]).with_suffix(".png")
fig.savefig(output, dpi=80)

# %%
# The same numbers as a table
# ---------------------------

print("share of zero weights")
print(f"{'alpha':>9} " + " ".join(f"{name:>12}" for name in zero_share))
for index in np.linspace(0, len(alphas) - 1, 8).astype(int):
    shares = " ".join(f"{share[index]:12.2f}" for share in zero_share.values())
    print(f"{alphas[index]:9.2e} {shares}")
print(f"figure written to {output.name}")
