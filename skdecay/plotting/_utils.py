"""Helpers the display objects share; nothing here imports matplotlib."""

from __future__ import annotations

import numpy as np
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline

#: Above this many lines a panel gets no legend (it would hide the lines).
MAX_LEGEND_ENTRIES = 12


def format_alpha(alpha: float, name: str = "alpha") -> str:
    """``alpha`` as a short legend label, e.g. ``'alpha=0.001'``."""
    return f"{name}={alpha:.3g}"


def check_log_alphas(alphas: np.ndarray) -> None:
    """Refuse alphas that a log axis cannot show."""
    if np.any(alphas <= 0):
        raise ValueError("alphas must be positive to be drawn on a log axis.")


def set_alpha_axis(ax) -> None:
    """``alpha`` on a log x axis, increasing (stronger decay) to the right."""
    ax.set_xscale("log")
    ax.set_xlabel("alpha (log scale; stronger decay to the right)")


def chosen_alpha_line(ax, alpha: float):
    """The dashed vertical line that marks the chosen ``alpha``."""
    return ax.axvline(
        alpha,
        color="black",
        linestyle="--",
        linewidth=1,
        label=f"chosen {format_alpha(alpha)}",
    )


def final_step(estimator):
    """The last step of a Pipeline (the model a display reads), else ``estimator``."""
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def step_param(estimator, name: str) -> str:
    """``name`` as ``estimator.set_params`` spells it.

    In a Pipeline that has no parameter ``name`` itself, that is the last
    step's parameter, ``<last step>__<name>``.
    """
    if isinstance(estimator, Pipeline) and name not in estimator.get_params():
        return f"{estimator.steps[-1][0]}__{name}"
    return name


def path_loss(estimator, y) -> str:
    """The loss of ``decay_path`` that matches ``estimator`` on targets ``y``.

    A classifier minimises the binary logistic loss for two classes and the
    multinomial cross-entropy for more; a regressor the squared loss.
    """
    if is_classifier(estimator):
        return "logistic" if len(np.unique(np.asarray(y))) == 2 else "multinomial"
    return "squared"


def default_feature_names(n_features: int, X=None, estimator=None) -> list[str]:
    """Names for the features: fitted names, DataFrame columns or ``x0, x1, ...``."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is None and X is not None and hasattr(X, "columns"):
        names = X.columns
    if names is None:
        return [f"x{j}" for j in range(n_features)]
    return [str(name) for name in names]


def check_feature_names(feature_names, n_features: int) -> list[str]:
    """Validate user-given feature names against the number of coefficients."""
    if feature_names is None:
        return [f"x{j}" for j in range(n_features)]
    feature_names = [str(name) for name in feature_names]
    if len(feature_names) != n_features:
        raise ValueError(
            f"feature_names has {len(feature_names)} names but there are "
            f"{n_features} features."
        )
    return feature_names


def axes_array(ax, n_panels: int, *, sharey: bool, panel_width: float = 4.0):
    """``n_panels`` axes in a 1-D object array: new ones, or ``ax`` checked.

    ``ax`` may be None (a new figure with one row of panels), a single Axes
    when ``n_panels`` is 1, or an array-like of ``n_panels`` Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, axes = plt.subplots(
            1,
            n_panels,
            sharey=sharey,
            squeeze=False,
            figsize=(panel_width * n_panels, 4.0),
            layout="constrained",
        )
        return np.asarray(axes).ravel()
    axes = np.asarray(ax, dtype=object).ravel()
    if axes.size != n_panels:
        raise ValueError(
            f"ax must hold {n_panels} Axes (one per panel), got {axes.size}."
        )
    return axes
