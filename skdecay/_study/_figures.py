"""The study's pictures, drawn with skdecay's displays into PNG bytes.

Figures are made with :class:`matplotlib.figure.Figure`, not pyplot: no
window, no global state, whatever backend the user has.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from ..plotting import (
    CoefHistoryDisplay,
    DecayCVCurveDisplay,
    DecayPathDisplay,
    LossCurveDisplay,
)
from ._measure import PENALTY_NAMES, Measurements

DPI = 80


@dataclass
class Picture:
    """One figure of the report."""

    key: str  # file stem of its PNG
    title: str
    caption: str
    png: bytes


def mpl_text(text) -> str:
    """``text`` shown literally by matplotlib (a '$' would start mathtext)."""
    return str(text).replace("$", r"\$")


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _path_figure(m: Measurements) -> Picture:
    figure = _new_figure(11, 4.2)
    axes = figure.subplots(1, 2)
    names = [mpl_text(n) for n in m.data.feature_names]
    multi = False
    for ax, penalty in zip(axes, ("l2", "l1"), strict=True):
        path = m.paths[penalty]
        coefs = np.asarray(path.coefs)
        if coefs.ndim == 3:
            # One line per feature: the norm of its weights over the outputs.
            coefs = np.linalg.norm(coefs, axis=0)
            multi = True
        DecayPathDisplay(
            alphas=path.alphas,
            coefs=coefs,
            feature_names=names,
            best_alpha=m.cv[penalty].alpha_,
        ).plot(ax=ax)
        ax.set_title(PENALTY_NAMES[penalty])
        if multi:
            ax.set_ylabel("Norm of a feature's weights over the classes")
    caption = (
        "The regularisation path on the training part: each line is one "
        + ("feature's weight norm over the classes" if multi else "weight")
        + ", from weak decay (left) to strong decay (right); the dashed line is "
        "the cross-validated alpha. Weight decay (L2) shrinks every weight "
        "smoothly towards zero; L1 sets them to exactly zero one after the "
        "other."
    )
    return Picture("path", "Regularisation path", caption, _png(figure))


def _cv_figure(m: Measurements) -> Picture:
    figure = _new_figure(11, 4.2)
    axes = figure.subplots(1, 2)
    for ax, penalty in zip(axes, ("l2", "l1"), strict=True):
        DecayCVCurveDisplay.from_estimator(
            m.cv[penalty], ax=ax, score_name=mpl_text(m.score_name)
        )
        ax.set_title(PENALTY_NAMES[penalty])
    caption = (
        f"Cross-validation inside the training part ({m.settings.n_folds} folds): "
        f"mean training and validation {m.score_name} against alpha (bands: ± one "
        "standard deviation over folds), the chosen alpha (dashed) and the scores "
        "within one standard error of the best (green band)."
    )
    return Picture("cv_curve", "Cross-validation curve", caption, _png(figure))


def _history_figure(m: Measurements) -> Picture:
    fits = m.history_fits
    histories = [np.asarray(fit.coef_history_) for fit in fits]
    weakest = histories[-1][-1]  # last iterate at the weakest decay
    multi = weakest.ndim == 2 and weakest.shape[0] > 1
    size = np.linalg.norm(np.atleast_2d(weakest), axis=0)
    n_top = max(1, 12 // weakest.shape[0]) if multi else 8
    top = np.argsort(-size, kind="stable")[: min(n_top, size.size)]
    figure = _new_figure(12, 4.0)
    axes = figure.subplots(1, len(fits), sharey=True)
    CoefHistoryDisplay(
        coef_histories=[h[..., top] for h in histories],
        alphas=[fit.alpha for fit in fits],
        feature_names=[mpl_text(m.data.feature_names[j]) for j in top],
    ).plot(ax=axes)
    caption = (
        "The weights during training: plain gradient descent (solver='gd', the "
        "textbook step w ← w - lr·(grad + alpha·w)) at 100 times the chosen "
        "alpha, the chosen alpha and a hundredth of it, for the "
        f"{len(top)} features with the largest weights at the weakest decay "
        f"(at most {m.settings.history_iter} iterations). Stronger decay stops "
        "the weights earlier and smaller."
    )
    return Picture("coef_history", "Weights during training", caption, _png(figure))


def _loss_figure(m: Measurements) -> Picture:
    figure = _new_figure(6.5, 4.2)
    ax = figure.subplots()
    curves = [fit.loss_curve_ for fit in m.history_fits]
    positive = all(np.all(np.asarray(c) > 0) for c in curves)
    LossCurveDisplay(
        curves=curves, labels=[f"alpha={fit.alpha:.3g}" for fit in m.history_fits]
    ).plot(ax=ax, log_y=positive)
    ax.set_title("Objective per gradient-descent iteration")
    caption = (
        "The objective (mean loss + penalty) along the same gradient-descent fits: "
        "stronger decay converges in fewer iterations to a higher objective."
    )
    return Picture("loss_curves", "Loss curves", caption, _png(figure))


def _mlp_figure(m: Measurements) -> Picture:
    figure = _new_figure(12, 8)
    axes = figure.subplots(2, 2).ravel()
    runs = m.mlp_runs
    l2_runs = [r for r in runs if r["penalty"] in ("none", "l2")]
    l1_runs = [r for r in runs if r["penalty"] in ("none", "l1")]
    panels = [
        ("loss", l2_runs, "Training loss", "training loss"),
        ("val", l2_runs, f"Validation {m.score_name}", "validation score"),
        ("norm", l2_runs, "Weight norm", "weight norm"),
        ("nonzero", l1_runs, "Share of non-zero weights (L1)", "non-zero share"),
    ]
    for ax, (key, chosen, ylabel, title) in zip(axes, panels, strict=True):
        display = LossCurveDisplay(
            curves=[r[key] for r in chosen],
            labels=[mpl_text(r["label"]) for r in chosen],
            attribute=key,
        ).plot(ax=ax)
        # Coupled runs in blues, decoupled in oranges, no decay in black.
        shades = {"l2": "Blues", "decoupled": "Oranges"}
        counts = {mode: 0 for mode in shades}
        import matplotlib as mpl

        for line, run in zip(display.lines_, chosen, strict=True):
            if run["mode"] == "none":
                line.set_color("black")
                continue
            counts[run["mode"]] += 1
            n = sum(1 for r in chosen if r["mode"] == run["mode"])
            cmap = mpl.colormaps[shades[run["mode"]]]
            line.set_color(cmap(0.35 + 0.6 * counts[run["mode"]] / n))
        ax.set_xlabel("Epoch")
        ax.set_ylabel(mpl_text(ylabel))
        ax.set_title(title.capitalize())
        ax.legend(fontsize="x-small")
    caption = (
        "The network epoch by epoch: training loss, held-out validation score and "
        "weight norm without decay (black), with coupled L2 decay (blues) and "
        "decoupled AdamW decay (oranges), darker for stronger decay; the last "
        "panel is the share of weights that are not exactly zero under L1 decay."
    )
    return Picture("mlp_training", "The network during training", caption, _png(figure))


def figure_steps(mlp: bool) -> int:
    """How many pictures :func:`draw` makes."""
    return 5 if mlp else 4


def draw(m: Measurements, progress) -> list[Picture]:
    """Every picture of the report."""
    makers = [_path_figure, _cv_figure, _history_figure, _loss_figure]
    if m.settings.mlp:
        makers.append(_mlp_figure)
    pictures = []
    for make in makers:
        with progress.step("drawing " + make.__name__.strip("_").replace("_", " ")):
            pictures.append(make(m))
    return pictures
