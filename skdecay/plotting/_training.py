"""Displays of what happens during training: the objective and the weights."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import check_matplotlib_support
from ._utils import (
    MAX_LEGEND_ENTRIES,
    axes_array,
    check_feature_names,
    default_feature_names,
    final_step,
    format_alpha,
    step_param,
)

_Y_LABELS = {
    "loss_curve_": "Objective (loss + penalty)",
    "validation_scores_": "Validation score",
    "weight_norm_curve_": "Weight norm",
}


def _fit_per_alpha(estimator, X, y, alphas, fit_params, param_name, **params):
    """Fit a clone of ``estimator`` per value of its ``param_name`` (and ``params``).

    In a Pipeline, names the pipeline lacks are the last step's parameters.
    """
    alphas = np.asarray(alphas, dtype=float).ravel()
    if alphas.size == 0:
        raise ValueError("alphas must hold at least one value.")
    param_name = step_param(estimator, param_name)
    if param_name not in estimator.get_params(deep=True):
        raise ValueError(
            f"{type(final_step(estimator)).__name__} has no parameter "
            f"{param_name!r}; pass param_name to name its decay strength (e.g. "
            "'weight_decay')."
        )
    params = {step_param(estimator, name): value for name, value in params.items()}
    fit_params = {} if fit_params is None else fit_params
    return [
        clone(estimator)
        .set_params(**{param_name: alpha}, **params)
        .fit(X, y, **fit_params)
        for alpha in alphas
    ]


def _fitted_attribute(estimators, attribute: str, missing: str):
    """The estimators as a list, and each one's fitted ``attribute``.

    An estimator whose ``attribute`` is absent or None raises
    ``"<class name> has no " + missing``. A Pipeline stands for its last step.
    """
    estimators = [final_step(estimator) for estimator in estimators]
    if not estimators:
        raise ValueError("estimators must hold at least one fitted estimator.")
    values = []
    for estimator in estimators:
        check_is_fitted(estimator)
        value = getattr(estimator, attribute, None)
        if value is None:
            raise ValueError(f"{type(estimator).__name__} has no {missing}")
        values.append(value)
    return estimators, values


def _default_labels(estimators, param_name: str) -> list[str]:
    """``<param_name>=...`` for estimators that have it, else their class name."""
    labels = []
    for k, estimator in enumerate(estimators):
        value = estimator.get_params(deep=True).get(param_name)
        if isinstance(value, int | float | np.floating):
            labels.append(format_alpha(value, param_name))
        else:
            labels.append(f"{type(estimator).__name__} {k}")
    return labels


def _check_labels(labels, n: int) -> list[str]:
    if labels is None:
        return None
    labels = [str(label) for label in labels]
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries for {n} estimators.")
    return labels


class LossCurveDisplay:
    """A per-iteration curve (by default ``loss_curve_``) of several fits.

    One line per fit, against the iteration number: typically the objective
    of the same model trained with several decay strengths. Any estimator
    exposing a 1-D per-iteration array works (``attribute`` names it), e.g.
    a neural network's ``validation_scores_`` or ``weight_norm_curve_``.

    It is recommended to create it with :meth:`from_estimator` or
    :meth:`from_estimators`; the parameters are stored as attributes.

    Parameters
    ----------
    curves : list of array-like of shape (n_iter_k,)
        One curve per fit; lengths may differ.

    labels : list of str, default=None
        A legend label for each curve; None uses ``curve 0, ...``.

    attribute : str, default ``'loss_curve_'``
        The attribute the curves were read from; it sets the y-axis label.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One line per curve.

    ax_ : matplotlib Axes
        The axes drawn on.

    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    CoefHistoryDisplay : The weights themselves along the iterations.

    Examples
    --------
    >>> from skdecay.plotting import LossCurveDisplay
    >>> curves = [[3.0, 2.0, 1.5, 1.4], [3.0, 2.5, 2.4]]
    >>> display = LossCurveDisplay(
    ...     curves=curves, labels=["alpha=0.01", "alpha=1"]
    ... ).plot(log_y=True)
    >>> [line.get_label() for line in display.lines_]
    ['alpha=0.01', 'alpha=1']
    """

    def __init__(
        self,
        *,
        curves: list[ArrayLike],
        labels: list[str] | None = None,
        attribute: str = "loss_curve_",
    ) -> None:
        self.curves = curves
        self.labels = labels
        self.attribute = attribute

    def plot(
        self, ax=None, *, log_y: bool = False, line_kw: dict | None = None
    ) -> LossCurveDisplay:
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        log_y : bool, default=False
            Use a log scale for the y axis (all values must be positive).

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every curve.

        Returns
        -------
        display : LossCurveDisplay
            The display, with the artists as attributes.
        """
        check_matplotlib_support(f"{self.__class__.__name__}.plot")
        import matplotlib.pyplot as plt

        curves = [np.asarray(curve, dtype=float) for curve in self.curves]
        if not curves or any(curve.ndim != 1 or curve.size == 0 for curve in curves):
            raise ValueError(
                "curves must be a non-empty list of non-empty 1-D arrays (one value "
                "per iteration)."
            )
        labels = _check_labels(self.labels, len(curves))
        if labels is None:
            labels = [f"curve {k}" for k in range(len(curves))]
        if log_y and any(np.any(curve <= 0) for curve in curves):
            raise ValueError("log_y=True needs every value of every curve positive.")
        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        line_kw = {} if line_kw is None else line_kw
        self.lines_ = []
        for curve, label in zip(curves, labels, strict=True):
            iterations = np.arange(1, curve.size + 1)
            (line,) = ax.plot(iterations, curve, label=label, **line_kw)
            self.lines_.append(line)
        if log_y:
            ax.set_yscale("log")
        ax.set_xlabel("Iteration")
        ax.set_ylabel(_Y_LABELS.get(self.attribute, self.attribute))
        ax.legend(fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimators(
        cls,
        estimators,
        *,
        labels: list[str] | None = None,
        attribute: str = "loss_curve_",
        param_name: str = "alpha",
        ax=None,
        log_y: bool = False,
        line_kw: dict | None = None,
    ) -> LossCurveDisplay:
        """Draw a per-iteration curve of each of several fitted estimators.

        Parameters
        ----------
        estimators : list of estimator instances
            Fitted estimators, each with ``attribute``, or fitted Pipelines
            whose last step has it.

        labels : list of str, default=None
            A legend label for each estimator; None uses
            ``<param_name>=value`` for an estimator with that parameter,
            else its class name.

        attribute : str, default ``'loss_curve_'``
            The fitted attribute to draw: a 1-D array, one value per
            iteration.

        param_name : str, default='alpha'
            The parameter that labels the curves by default
            (``'weight_decay'`` for skdecay's MLPs).

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        log_y : bool, default=False
            Use a log scale for the y axis.

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every curve.

        Returns
        -------
        display : LossCurveDisplay
            The display, with the artists as attributes.
        """
        estimators, curves = _fitted_attribute(
            estimators,
            attribute,
            f"{attribute!r} (or it is None); LossCurveDisplay draws a fitted "
            "per-iteration array.",
        )
        if labels is None:
            labels = _default_labels(estimators, param_name)
        display = cls(curves=curves, labels=labels, attribute=attribute)
        return display.plot(ax=ax, log_y=log_y, line_kw=line_kw)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        alphas: ArrayLike,
        attribute: str = "loss_curve_",
        param_name: str = "alpha",
        fit_params: dict | None = None,
        ax=None,
        log_y: bool = False,
        line_kw: dict | None = None,
    ) -> LossCurveDisplay:
        """Fit a clone of ``estimator`` for each alpha and draw their curves.

        Parameters
        ----------
        estimator : estimator instance
            An estimator with a ``param_name`` parameter whose fit records
            ``attribute``, or a Pipeline whose last step is one (then
            ``param_name`` is the last step's parameter); it is not
            modified.

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.

        alphas : array-like of shape (n_alphas,)
            The decay strengths, one fit and one curve each.

        attribute : str, default ``'loss_curve_'``
            The fitted attribute to draw.

        param_name : str, default='alpha'
            The estimator's decay-strength parameter, set to each of
            ``alphas`` (``'weight_decay'`` for skdecay's MLPs).

        fit_params : dict, default=None
            Keyword arguments passed to every ``fit``.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        log_y : bool, default=False
            Use a log scale for the y axis.

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every curve.

        Returns
        -------
        display : LossCurveDisplay
            The display, with the artists as attributes.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        estimators = _fit_per_alpha(estimator, X, y, alphas, fit_params, param_name)
        return cls.from_estimators(
            estimators,
            attribute=attribute,
            param_name=param_name,
            ax=ax,
            log_y=log_y,
            line_kw=line_kw,
        )


class CoefHistoryDisplay:
    """Each weight along the training iterations, one panel per decay strength.

    Shows how decay acts during training: with a strong ``alpha`` the weights
    stop growing early (and L1 holds some at exactly zero), with a weak one
    they keep moving towards the unpenalised solution. The panels share
    their y axis so the final sizes compare across ``alpha``.

    It is recommended to create it with :meth:`from_estimator` or
    :meth:`from_estimators`; the parameters are stored as attributes.

    Parameters
    ----------
    coef_histories : list of array-like of shape (n_iter_k, n_features) or 3-D
        One ``coef_history_`` per fit, of shape (n_iter_k, n_outputs,
        n_features) for several outputs; lengths may differ.

    alphas : array-like of shape (n_fits,)
        The decay strength of each fit, titling its panel.

    feature_names : list of str, default=None
        A name for each feature; None uses ``x0, x1, ...``. With several
        outputs, the lines are labelled ``output k: name``.

    Attributes
    ----------
    lines_ : ndarray of matplotlib Line2D of shape (n_fits, n_weights)
        One line per weight per panel (``n_weights`` is ``n_features``, times
        ``n_outputs`` for several outputs).

    ax_ : ndarray of matplotlib Axes of shape (n_fits,)
        One panel per fit, sharing the y axis when created here.

    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    LossCurveDisplay : The objective along the same iterations.
    DecayPathDisplay : The converged weights against ``alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdecay.plotting import CoefHistoryDisplay
    >>> steps = np.arange(1, 11)[:, None]
    >>> weak = 1.0 - 0.8**steps * [[1.0, 2.0]]
    >>> strong = 0.5 * weak
    >>> display = CoefHistoryDisplay(
    ...     coef_histories=[weak, strong], alphas=[0.01, 1.0]
    ... ).plot()
    >>> display.lines_.shape
    (2, 2)
    """

    def __init__(
        self,
        *,
        coef_histories: list[ArrayLike],
        alphas: ArrayLike,
        feature_names: list[str] | None = None,
    ) -> None:
        self.coef_histories = coef_histories
        self.alphas = alphas
        self.feature_names = feature_names

    def plot(self, ax=None, *, line_kw: dict | None = None) -> CoefHistoryDisplay:
        """Draw the weight trajectories.

        Parameters
        ----------
        ax : array-like of matplotlib Axes, default=None
            One Axes per fit; None creates a figure with one row of panels
            sharing the y axis.

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every line.

        Returns
        -------
        display : CoefHistoryDisplay
            The display, with the artists as attributes.
        """
        check_matplotlib_support(f"{self.__class__.__name__}.plot")
        alphas = np.asarray(self.alphas, dtype=float).ravel()
        histories = [np.asarray(h, dtype=float) for h in self.coef_histories]
        if len(histories) != alphas.size or not histories:
            raise ValueError(
                f"Got {len(histories)} coef_histories for {alphas.size} alphas; "
                "give one history per alpha."
            )
        shapes = {h.shape[1:] for h in histories}
        if len(shapes) != 1 or any(
            h.ndim not in (2, 3) or not h.size for h in histories
        ):
            raise ValueError(
                "Each coef_history must have shape (n_iter, n_features) or (n_iter, "
                "n_outputs, n_features), the same features for every fit; got "
                f"{[h.shape for h in histories]}."
            )
        weight_shape = shapes.pop()
        names = check_feature_names(self.feature_names, weight_shape[-1])
        if len(weight_shape) == 2 and weight_shape[0] > 1:
            names = [f"output {k}: {n}" for k in range(weight_shape[0]) for n in names]
        n_weights = int(np.prod(weight_shape))

        axes = axes_array(ax, len(histories), sharey=True)
        line_kw = {} if line_kw is None else line_kw
        lines = np.empty((len(histories), n_weights), dtype=object)
        for k, (panel, history, alpha) in enumerate(
            zip(axes, histories, alphas, strict=True)
        ):
            flat = history.reshape(history.shape[0], n_weights)
            iterations = np.arange(1, flat.shape[0] + 1)
            for j in range(n_weights):
                (lines[k, j],) = panel.plot(
                    iterations, flat[:, j], label=names[j], **line_kw
                )
            panel.set_title(format_alpha(alpha))
            panel.set_xlabel("Iteration")
        axes[0].set_ylabel("Weight")
        if n_weights <= MAX_LEGEND_ENTRIES:
            axes[-1].legend(fontsize="small")
        self.lines_ = lines
        self.ax_ = axes
        self.figure_ = axes[0].figure
        return self

    @classmethod
    def from_estimators(
        cls,
        estimators,
        *,
        feature_names: list[str] | None = None,
        ax=None,
        line_kw: dict | None = None,
    ) -> CoefHistoryDisplay:
        """Draw the ``coef_history_`` of fitted estimators, one panel each.

        Parameters
        ----------
        estimators : list of estimator instances
            Estimators fitted with ``store_coef_history=True``, or fitted
            Pipelines whose last step is one; the panels are titled with
            their ``alpha``.

        feature_names : list of str, default=None
            A name for each feature; None uses the first estimator's
            ``feature_names_in_`` or ``x0, x1, ...``.

        ax : array-like of matplotlib Axes, default=None
            One Axes per estimator; None creates a figure.

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every line.

        Returns
        -------
        display : CoefHistoryDisplay
            The display, with the artists as attributes.
        """
        estimators, histories = _fitted_attribute(
            estimators,
            "coef_history_",
            "coef_history_: fit it with store_coef_history=True.",
        )
        if feature_names is None:
            n_features = np.shape(histories[0])[-1]
            feature_names = default_feature_names(n_features, None, estimators[0])
        display = cls(
            coef_histories=histories,
            alphas=[estimator.alpha for estimator in estimators],
            feature_names=feature_names,
        )
        return display.plot(ax=ax, line_kw=line_kw)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        alphas: ArrayLike,
        feature_names: list[str] | None = None,
        fit_params: dict | None = None,
        ax=None,
        line_kw: dict | None = None,
    ) -> CoefHistoryDisplay:
        """Fit a clone per alpha with ``store_coef_history=True`` and draw it.

        Use ``solver='gd'`` on the estimator to see the textbook decay step
        (Newton solvers converge in a handful of iterations).

        Parameters
        ----------
        estimator : estimator instance
            A skdecay linear estimator (any estimator with ``alpha`` and
            ``store_coef_history`` parameters), or a Pipeline whose last step
            is one; it is not modified.

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.

        alphas : array-like of shape (n_alphas,)
            The decay strengths, one fit and one panel each.

        feature_names : list of str, default=None
            A name for each feature; None uses the fitted
            ``feature_names_in_`` (DataFrame columns) or ``x0, x1, ...``.

        fit_params : dict, default=None
            Keyword arguments passed to every ``fit``.

        ax : array-like of matplotlib Axes, default=None
            One Axes per alpha; None creates a figure.

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every line.

        Returns
        -------
        display : CoefHistoryDisplay
            The display, with the artists as attributes.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        model = final_step(estimator)
        if "store_coef_history" not in model.get_params(deep=False):
            raise ValueError(
                f"{type(model).__name__} has no store_coef_history parameter; "
                "CoefHistoryDisplay needs a skdecay linear estimator "
                "(DecayLinearRegressor, DecayLogisticClassifier) or a Pipeline "
                "ending in one, which records its weights."
            )
        estimators = _fit_per_alpha(
            estimator, X, y, alphas, fit_params, "alpha", store_coef_history=True
        )
        return cls.from_estimators(
            estimators, feature_names=feature_names, ax=ax, line_kw=line_kw
        )
