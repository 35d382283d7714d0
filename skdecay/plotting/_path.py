"""DecayPathDisplay: every coefficient as a function of the decay strength."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import compute_sample_weight
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import check_matplotlib_support
from ._utils import (
    MAX_LEGEND_ENTRIES,
    axes_array,
    check_feature_names,
    check_log_alphas,
    chosen_alpha_line,
    default_feature_names,
    final_step,
    path_loss,
    set_alpha_axis,
)


def _path_model_and_data(estimator, X, y):
    """The skdecay linear model whose path to draw, X as it sees it, feature names.

    For a Pipeline, the model is the last step and X goes through the
    preceding steps: the fitted ones if the pipeline is fitted, otherwise
    clones fitted on ``X`` here (the pipeline passed in is not modified).
    The names are the preceding steps' ``get_feature_names_out()``, or None.
    """
    from ..linear_model import DecayLinearRegressor, DecayLogisticClassifier
    from ..model_selection import DecayLinearRegressorCV, DecayLogisticClassifierCV

    accepted = (
        DecayLinearRegressor,
        DecayLogisticClassifier,
        DecayLinearRegressorCV,
        DecayLogisticClassifierCV,
    )
    model = final_step(estimator)
    if not isinstance(model, accepted):
        got = type(model).__name__
        if model is not estimator:
            got = f"a Pipeline whose last step is {got}"
        hint = ""
        if hasattr(model, "get_params") and "weight_decay" in model.get_params():
            hint = (
                " A network has no regularisation path: "
                "LossCurveDisplay.from_estimator(estimator, X, y, alphas=..., "
                "param_name='weight_decay') draws its training for several decay "
                "strengths."
            )
        raise ValueError(
            "DecayPathDisplay.from_estimator takes a skdecay linear model ("
            + ", ".join(cls.__name__ for cls in accepted)
            + f") or a Pipeline whose last step is one; got {got}.{hint}"
        )
    if model is estimator:
        return model, X, None
    preprocessing = estimator[:-1]
    try:
        check_is_fitted(model)
        X = preprocessing.transform(X)
    except NotFittedError:
        preprocessing = clone(preprocessing)
        X = preprocessing.fit_transform(X, y)
    try:
        names = [str(name) for name in preprocessing.get_feature_names_out()]
    except (AttributeError, ValueError):  # a step without feature names
        names = None
    return model, X, names


class DecayPathDisplay:
    """Regularisation path: the coefficients against ``alpha`` on a log axis.

    The picture of what weight decay does to a model's weights: at the right
    (the largest ``alpha``) every weight is zero, and going left they grow
    towards the unpenalised solution, smoothly for L2 decay and one by one
    for the L1 penalty. ``alpha`` increases from left to right (glmnet's
    ``plot(fit, xvar="lambda")`` orientation), as in
    :class:`DecayCVCurveDisplay`, whose underfitting side is also on the
    right.

    It is recommended to create it with :meth:`from_estimator` or
    :meth:`from_path`; the parameters are stored as attributes.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,)
        The regularisation strengths, in any order.

    coefs : array-like of shape (n_features, n_alphas) or 3-D
        The coefficients along the path, as ``DecayPath.coefs``: one output,
        or several, of shape (n_outputs, n_features, n_alphas) (one per
        target, or one per class for the multinomial loss).

    feature_names : list of str, default=None
        A name for each feature, used as line labels; None uses
        ``x0, x1, ...``.

    output_names : list of str, default=None
        A title for each output's panel; None uses ``output 0, ...``.

    best_alpha : float, default=None
        If given, a vertical line marks it (the ``alpha_`` a CV estimator
        chose).

    Attributes
    ----------
    lines_ : ndarray of Line2D of shape (n_features,) or (n_outputs, n_features)
        One line per coefficient (per output).

    best_alpha_line_ : matplotlib Line2D, list of Line2D or None
        The vertical line at ``best_alpha`` (one per panel), None without it.

    ax_ : matplotlib Axes or ndarray of Axes of shape (n_outputs,)
        The axes drawn on: one Axes for one output, one panel per output
        otherwise (sharing the y axis).

    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    skdecay.decay_path : Compute the path.
    DecayCVCurveDisplay : Cross-validated score against ``alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdecay.plotting import DecayPathDisplay
    >>> alphas = np.logspace(0, -3, 20)
    >>> coefs = np.vstack([1 / (1 + alphas), -2 / (1 + 10 * alphas)])
    >>> display = DecayPathDisplay(alphas=alphas, coefs=coefs).plot()
    >>> len(display.lines_), display.ax_.get_xscale()
    (2, 'log')
    """

    def __init__(
        self,
        *,
        alphas: ArrayLike,
        coefs: ArrayLike,
        feature_names: list[str] | None = None,
        output_names: list[str] | None = None,
        best_alpha: float | None = None,
    ) -> None:
        self.alphas = alphas
        self.coefs = coefs
        self.feature_names = feature_names
        self.output_names = output_names
        self.best_alpha = best_alpha

    def plot(self, ax=None, *, line_kw: dict | None = None) -> DecayPathDisplay:
        """Draw the path.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw: one Axes for one output, ``n_outputs`` Axes for
            several. None creates a figure (one panel per output).

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every coefficient
            line.

        Returns
        -------
        display : DecayPathDisplay
            The display, with the artists as attributes.
        """
        check_matplotlib_support(f"{self.__class__.__name__}.plot")
        alphas = np.asarray(self.alphas, dtype=float).ravel()
        coefs = np.asarray(self.coefs, dtype=float)
        if coefs.ndim not in (2, 3) or coefs.shape[-1] != alphas.size:
            raise ValueError(
                "coefs must have shape (n_features, n_alphas) or (n_outputs, "
                f"n_features, n_alphas) with n_alphas={alphas.size}; got "
                f"{coefs.shape}."
            )
        check_log_alphas(alphas)
        single_output = coefs.ndim == 2
        coefs = coefs.reshape(-1, *coefs.shape[-2:])
        n_outputs, n_features, _ = coefs.shape
        feature_names = check_feature_names(self.feature_names, n_features)
        output_names = self.output_names
        if output_names is None:
            output_names = [f"output {k}" for k in range(n_outputs)]
        if len(output_names) != n_outputs:
            raise ValueError(
                f"output_names has {len(output_names)} names but coefs has "
                f"{n_outputs} outputs."
            )

        order = np.argsort(alphas)
        axes = axes_array(ax, n_outputs, sharey=True)
        line_kw = {} if line_kw is None else line_kw
        lines = np.empty((n_outputs, n_features), dtype=object)
        best_lines = []
        for k, panel in enumerate(axes):
            for j in range(n_features):
                (lines[k, j],) = panel.plot(
                    alphas[order],
                    coefs[k, j, order],
                    label=feature_names[j],
                    **line_kw,
                )
            if self.best_alpha is not None:
                best_lines.append(chosen_alpha_line(panel, self.best_alpha))
            set_alpha_axis(panel)
            if not single_output:
                panel.set_title(output_names[k])
            if n_features <= MAX_LEGEND_ENTRIES:
                panel.legend(fontsize="small")
        axes[0].set_ylabel("Coefficient")

        self.lines_ = lines[0] if single_output else lines
        if not best_lines:
            self.best_alpha_line_ = None
        else:
            self.best_alpha_line_ = best_lines[0] if single_output else best_lines
        self.ax_ = axes[0] if single_output else axes
        self.figure_ = axes[0].figure
        return self

    @classmethod
    def from_path(
        cls,
        path,
        *,
        feature_names: list[str] | None = None,
        best_alpha: float | None = None,
        ax=None,
        line_kw: dict | None = None,
    ) -> DecayPathDisplay:
        """Draw a path returned by :func:`skdecay.decay_path`.

        Parameters
        ----------
        path : DecayPath
            The result of :func:`skdecay.decay_path` (any object with
            ``alphas``, ``coefs`` and ``classes`` attributes).

        feature_names : list of str, default=None
            A name for each feature; None uses ``x0, x1, ...``.

        best_alpha : float, default=None
            If given, a vertical line marks it.

        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw (see :meth:`plot`).

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every line.

        Returns
        -------
        display : DecayPathDisplay
            The display, with the artists as attributes.
        """
        coefs = np.asarray(path.coefs)
        classes = getattr(path, "classes", None)
        output_names = None
        if coefs.ndim == 3 and classes is not None and len(classes) == len(coefs):
            output_names = [f"class {label}" for label in classes]
        display = cls(
            alphas=path.alphas,
            coefs=coefs,
            feature_names=feature_names,
            output_names=output_names,
            best_alpha=best_alpha,
        )
        return display.plot(ax=ax, line_kw=line_kw)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        alphas: ArrayLike | None = None,
        n_alphas: int = 100,
        eps: float = 1e-3,
        sample_weight: ArrayLike | None = None,
        feature_names: list[str] | None = None,
        ax=None,
        line_kw: dict | None = None,
    ) -> DecayPathDisplay:
        """Compute the path with an estimator's settings and draw it.

        Runs :func:`skdecay.decay_path` with the estimator's loss (squared
        for a regressor; logistic or multinomial for a classifier, from the
        number of classes in ``y``), ``penalty``, ``l1_ratio``,
        ``fit_intercept``, ``solver``, ``tol`` and ``max_iter``; a
        classifier's ``class_weight`` is folded into the sample weights.

        For a fitted cross-validation estimator
        (:class:`~skdecay.DecayLinearRegressorCV`,
        :class:`~skdecay.DecayLogisticClassifierCV`), the path uses the
        chosen ``l1_ratio_``, the grid ``alphas_`` unless ``alphas`` is
        given, and a vertical line marks ``alpha_``.

        For a :class:`~sklearn.pipeline.Pipeline` whose last step is one of
        these, ``X`` first goes through the preceding steps (as scikit-learn's
        displays do with ``pipeline[:-1]``): a fitted pipeline's own steps
        transform it; otherwise clones of the steps are fitted on ``X`` and
        ``y``. The path is that of the last step, on the transformed
        features.

        Parameters
        ----------
        estimator : estimator instance
            A skdecay linear estimator (:class:`~skdecay.DecayLinearRegressor`,
            :class:`~skdecay.DecayLogisticClassifier` or their CV versions),
            or a :class:`~sklearn.pipeline.Pipeline` ending in one. A CV
            estimator must be fitted, a plain one need not be (only its
            parameters are read).

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.

        alphas : array-like of shape (n_alphas,), default=None
            The grid; None lets :func:`skdecay.decay_path` choose ``n_alphas``
            values from ``alpha_max`` down to ``eps * alpha_max``.

        n_alphas : int, default=100
            Grid size when ``alphas`` is None.

        eps : float, default=1e-3
            Ratio of the smallest to the largest alpha when ``alphas`` is
            None.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        feature_names : list of str, default=None
            A name for each feature; None uses a pipeline's
            ``get_feature_names_out()`` before its last step, the
            estimator's ``feature_names_in_``, the columns of a DataFrame
            ``X``, or ``x0, x1, ...``.

        ax : matplotlib Axes or array-like of Axes, default=None
            Where to draw (see :meth:`plot`).

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for every line.

        Returns
        -------
        display : DecayPathDisplay
            The display, with the artists as attributes.

        Raises
        ------
        ValueError
            If ``estimator`` is not one of the accepted models (the message
            lists them), or its ``penalty`` is None.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        estimator, X, pipeline_feature_names = _path_model_and_data(estimator, X, y)
        params = estimator.get_params(deep=False)
        penalty = params.get("penalty")
        if penalty is None:
            raise ValueError(
                "A regularisation path needs a penalty; the estimator has "
                "penalty=None. Set penalty='l2', 'l1' or 'elasticnet'."
            )
        l1_ratio = params.get("l1_ratio", 0.5)
        best_alpha = None
        is_cv = hasattr(estimator, "cv") and "alphas" in params
        if is_cv:
            check_is_fitted(estimator, "alpha_")
            best_alpha = float(estimator.alpha_)
            l1_ratio = float(estimator.l1_ratio_)
            if alphas is None:
                alphas = estimator.alphas_
        if np.ndim(l1_ratio) > 0:
            raise ValueError(
                "The estimator has several l1_ratio values; fit it first (a CV "
                "estimator then uses its l1_ratio_) or set one value."
            )
        from .. import decay_path

        class_weight = params.get("class_weight")
        if class_weight is not None:
            class_sample_weight = compute_sample_weight(class_weight, y)
            sample_weight = (
                class_sample_weight
                if sample_weight is None
                else np.asarray(sample_weight, dtype=float) * class_sample_weight
            )
        path = decay_path(
            X,
            y,
            loss=path_loss(estimator, y),
            penalty=penalty,
            l1_ratio=l1_ratio,
            alphas=alphas,
            n_alphas=n_alphas,
            eps=eps,
            fit_intercept=params.get("fit_intercept", True),
            sample_weight=sample_weight,
            solver=params.get("solver", "auto"),
            tol=params.get("tol", 1e-4),
            max_iter=params.get("max_iter", 1000),
        )
        if feature_names is None:
            feature_names = pipeline_feature_names
        if feature_names is None:
            n_features = np.shape(path.coefs)[-2]
            feature_names = default_feature_names(n_features, X, estimator)
        return cls.from_path(
            path,
            feature_names=feature_names,
            best_alpha=best_alpha,
            ax=ax,
            line_kw=line_kw,
        )
