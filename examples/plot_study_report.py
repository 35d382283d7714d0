"""
=======================================================
A weight-decay study of a dataset: the report, measured
=======================================================

:func:`skdecay.study` answers, on one dataset and measured rather than
illustrated, the questions articles on weight decay ask: the score with and
without decay, on the training and the validation part, and the time each
fit takes; the scores, weight norm and share of non-zero weights for every
decay strength; no penalty against L2, L1 and the elastic net, each at its
own cross-validated strength; and the same problems solved by scikit-learn,
compared through :func:`~skdecay.decay_objective`. It writes a
self-contained ``report.html``, ``report.md``, every table as a CSV and the
figures as PNG files, and returns the tables and figures too.

In a terminal the same study is one command (:ref:`study`)::

    pip install -e ".[report]"
    skdecay study breast_cancer

This example runs it on scikit-learn's breast-cancer data (569 tumours, 30
features, two classes) and shows what the report holds. Nothing is
downloaded.
"""

# %%
# Run the study
# -------------
# A fixed seed, a stratified validation part held out (a quarter of the
# samples), and 5-fold cross-validation inside the training part to choose
# every ``alpha``. ``quiet=True`` drops the progress bar and the printed
# tables; the trimmed console view is ``result.console``.

import sys
import tempfile
from io import BytesIO
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer

import skdecay

X, y = load_breast_cancer(return_X_y=True, as_frame=True)
folder = Path(tempfile.mkdtemp()) / "skdecay-study-breast_cancer"
result = skdecay.study(X, y, name="breast_cancer", output=folder, quiet=True)
print(sorted(path.name for path in folder.iterdir()))
print(result.console.split("\n\n")[1])  # the first table, as the command prints it

# %%
# None against L2, L1 and elastic net
# -----------------------------------
# Each penalty at its own cross-validated ``alpha``: the cross-validated and
# validation accuracy, the norm and share of non-zero weights (the L1
# penalty keeps about a third of the 30 features) and the fit time. Without
# decay the classes are separable: the training accuracy is 1 and the
# weights grow until the solver stops.

result.tables["penalties"]

# %%
# The same problems solved by scikit-learn
# ----------------------------------------
# LogisticRegression at the mapped strength, ``C = 1 / (alpha * n_samples)``,
# and the gap between the two solutions measured on skdecay's objective.

result.tables["sklearn"]

# %%
# The report's pictures
# ---------------------
# The regularisation path, the cross-validation curve with the chosen
# ``alpha`` and the one-standard-error band, the weights during training
# for three decay strengths, and the loss curves: the PNG files of
# ``figures/``, embedded in ``report.html``.

for png in result.figures.values():
    image = plt.imread(BytesIO(png))
    height, width = image.shape[:2]
    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(image)
    ax.set_axis_off()

# Next to this script (sys.argv[0]: sphinx-gallery runs it without __file__).
Path(sys.argv[0]).with_suffix(".png").write_bytes(result.figures["path"])
