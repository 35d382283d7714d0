"""DecayCVCurveDisplay: cross-validated train and validation score against alpha."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from .._sklearn_compat import _validate_score_name, check_matplotlib_support
from ._utils import check_log_alphas, chosen_alpha_line, final_step, set_alpha_axis


def _as_float(values) -> np.ndarray:
    """A ``param_*`` column of ``cv_results_`` (maybe masked, dtype object) as floats.

    Masked entries (a candidate that does not set the parameter) become NaN.
    """
    values = np.ma.asarray(values)
    data = np.asarray(values.data, dtype=object)
    out = np.full(data.shape, np.nan)
    mask = np.ma.getmaskarray(values)
    out[~mask] = data[~mask].astype(float)
    return out


def _split_scores(cv_results: dict, kind: str, rows: np.ndarray) -> np.ndarray | None:
    """``split{k}_{kind}_score`` of the selected rows as (n_rows, n_splits)."""
    columns = []
    while f"split{len(columns)}_{kind}_score" in cv_results:
        key = f"split{len(columns)}_{kind}_score"
        columns.append(np.asarray(cv_results[key], dtype=float)[rows])
    if not columns:
        return None
    return np.column_stack(columns)


def select_alpha(
    alphas: np.ndarray, test_scores: np.ndarray, selection: str
) -> tuple[float, float]:
    """The alpha a selection rule picks, and the 1-SE threshold.

    ``'min'`` picks the alpha of the best mean validation score (the minimal
    error); ``'1se'`` the largest alpha whose mean score is within one
    standard error (standard deviation over the folds divided by the square
    root of their number) of that best mean. Returns ``(alpha, threshold)``
    with ``threshold`` = best mean minus its standard error.
    """
    mean = test_scores.mean(axis=1)
    std_error = test_scores.std(axis=1) / np.sqrt(test_scores.shape[1])
    best = int(np.nanargmax(mean))
    threshold = mean[best] - std_error[best]
    if selection == "min":
        return float(alphas[best]), float(threshold)
    if selection == "1se":
        within = np.flatnonzero(mean >= threshold)
        return float(np.max(alphas[within])), float(threshold)
    raise ValueError(f"selection must be 'min' or '1se', got {selection!r}.")


class DecayCVCurveDisplay:
    """Cross-validation curve: mean train and validation score against ``alpha``.

    Shows where decay helps: on the left (small ``alpha``) the model
    overfits, the training score is well above the validation score; on the
    right (large ``alpha``) it underfits, both scores drop. ``alpha``
    increases from left to right on a log axis, as in
    :class:`DecayPathDisplay`. Bands of plus or minus one standard deviation
    over the folds surround the means; a vertical line marks the chosen
    ``alpha``; a horizontal band spans from the best mean validation score
    down to that mean minus its standard error, the region of the one
    standard error rule (which picks the largest ``alpha`` whose mean
    validation score reaches the band).

    It is recommended to create it with :meth:`from_estimator` or
    :meth:`from_cv_results`; the parameters are stored as attributes.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,)
        The regularisation strengths, in any order.

    test_scores : array-like of shape (n_alphas, n_splits)
        Validation score of each alpha on each fold (higher is better).

    train_scores : array-like of shape (n_alphas, n_splits), default=None
        Training score of each alpha on each fold; None when they were not
        recorded.

    best_alpha : float, default=None
        The chosen alpha, marked by a vertical line; None draws no line.

    score_name : str, default=None
        The y-axis label; None uses ``'Score'``.

    l1_ratio : float, default=None
        The ``l1_ratio`` of the curve, shown in the title when given.

    Attributes
    ----------
    lines_ : dict of matplotlib Line2D
        The mean scores, under the keys ``'train'`` and ``'test'`` (those
        drawn).

    fill_between_ : dict of matplotlib PolyCollection
        The plus or minus one standard deviation bands, same keys; empty when
        ``std_display=False``.

    best_alpha_line_ : matplotlib Line2D or None
        The vertical line at ``best_alpha``.

    one_se_band_ : matplotlib Polygon or Rectangle
        The horizontal band from the best mean validation score down to it
        minus its standard error.

    one_se_line_ : matplotlib Line2D
        The horizontal line at the best mean validation score minus its
        standard error.

    annotations_ : list of matplotlib Text
        The labels of the overfitting (left) and underfitting (right) sides.

    ax_ : matplotlib Axes
        The axes drawn on.

    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    DecayPathDisplay : The coefficients along the same alphas.
    sklearn.model_selection.ValidationCurveDisplay : The same picture for
        any parameter, computed with ``validation_curve``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdecay.plotting import DecayCVCurveDisplay
    >>> alphas = np.logspace(-3, 1, 9)
    >>> rng = np.random.RandomState(0)
    >>> test = 0.8 - 0.05 * np.log10(alphas / 0.1) ** 2
    >>> test_scores = test[:, None] + 0.01 * rng.randn(9, 5)
    >>> train_scores = test_scores + 0.1 / (1 + 10 * alphas[:, None])
    >>> display = DecayCVCurveDisplay(
    ...     alphas=alphas, test_scores=test_scores, train_scores=train_scores,
    ...     best_alpha=0.1,
    ... ).plot()
    >>> sorted(display.lines_), float(display.best_alpha_line_.get_xdata()[0])
    (['test', 'train'], 0.1)
    """

    def __init__(
        self,
        *,
        alphas: ArrayLike,
        test_scores: ArrayLike,
        train_scores: ArrayLike | None = None,
        best_alpha: float | None = None,
        score_name: str | None = None,
        l1_ratio: float | None = None,
    ) -> None:
        self.alphas = alphas
        self.test_scores = test_scores
        self.train_scores = train_scores
        self.best_alpha = best_alpha
        self.score_name = score_name
        self.l1_ratio = l1_ratio

    def plot(
        self,
        ax=None,
        *,
        score_type: Literal["test", "train", "both"] | None = None,
        negate_score: bool = False,
        score_name: str | None = None,
        std_display: bool = True,
        line_kw: dict | None = None,
        fill_between_kw: dict | None = None,
    ) -> DecayCVCurveDisplay:
        """Draw the curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        score_type : {'test', 'train', 'both'}, default=None
            Which mean scores to draw; None draws both when training scores
            are available and the validation score only otherwise. Asking
            for training scores that were not recorded raises a ValueError.

        negate_score : bool, default=False
            Draw minus the scores, e.g. the mean squared error from
            ``scoring='neg_mean_squared_error'``; the 1-SE band then lies
            above the best (lowest) error.

        score_name : str, default=None
            The y-axis label, overriding the one given at construction.

        std_display : bool, default=True
            Whether to draw the plus or minus one standard deviation bands.

        line_kw : dict, default=None
            Keyword arguments passed to ``Axes.plot`` for the mean lines.

        fill_between_kw : dict, default=None
            Keyword arguments passed to ``Axes.fill_between`` for the bands.

        Returns
        -------
        display : DecayCVCurveDisplay
            The display, with the artists as attributes.
        """
        check_matplotlib_support(f"{self.__class__.__name__}.plot")
        import matplotlib.pyplot as plt

        alphas = np.asarray(self.alphas, dtype=float).ravel()
        test_scores = np.atleast_2d(np.asarray(self.test_scores, dtype=float))
        if test_scores.shape[0] != alphas.size:
            raise ValueError(
                f"test_scores must have shape (n_alphas={alphas.size}, n_splits); "
                f"got {test_scores.shape}."
            )
        check_log_alphas(alphas)
        train_scores = self.train_scores
        if score_type is None:
            score_type = "test" if train_scores is None else "both"
        if score_type not in ("test", "train", "both"):
            raise ValueError(
                f"score_type must be 'test', 'train', 'both' or None; got "
                f"{score_type!r}."
            )
        if score_type != "test" and train_scores is None:
            raise ValueError(
                f"score_type={score_type!r} needs training scores, which were not "
                "recorded: fit the CV estimator (or GridSearchCV) with "
                "return_train_score=True."
            )
        scores = {}
        if score_type in ("train", "both"):
            scores["train"] = np.atleast_2d(np.asarray(train_scores, dtype=float))
            if scores["train"].shape[0] != alphas.size:
                raise ValueError(
                    "train_scores must have shape (n_alphas, n_splits); got "
                    f"{scores['train'].shape}."
                )
        if score_type in ("test", "both"):
            scores["test"] = test_scores

        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        sign = -1.0 if negate_score else 1.0
        order = np.argsort(alphas)
        x = alphas[order]
        labels = {"train": "Training score", "test": "Validation score"}
        colors = {"train": "tab:blue", "test": "tab:orange"}
        line_kw = {} if line_kw is None else line_kw
        fill_between_kw = {"alpha": 0.2, **(fill_between_kw or {})}
        self.lines_, self.fill_between_ = {}, {}
        for kind, score in scores.items():
            mean = sign * score.mean(axis=1)[order]
            std = score.std(axis=1)[order]
            style = {"color": colors[kind], "label": labels[kind], **line_kw}
            (self.lines_[kind],) = ax.plot(x, mean, **style)
            if std_display:
                self.fill_between_[kind] = ax.fill_between(
                    x,
                    mean - std,
                    mean + std,
                    color=self.lines_[kind].get_color(),
                    **fill_between_kw,
                )

        # The 1-SE band always refers to the validation score.
        _, threshold = select_alpha(alphas, test_scores, "min")
        best_mean = np.nanmax(test_scores.mean(axis=1))
        low, high = sorted((sign * threshold, sign * best_mean))
        self.one_se_band_ = ax.axhspan(
            low, high, color="tab:green", alpha=0.15, label="within 1 SE of best"
        )
        self.one_se_line_ = ax.axhline(
            sign * threshold, color="tab:green", linestyle=":", linewidth=1
        )
        self.best_alpha_line_ = None
        if self.best_alpha is not None:
            self.best_alpha_line_ = chosen_alpha_line(ax, self.best_alpha)
        text = {"transform": ax.transAxes, "fontsize": "small", "color": "0.3"}
        self.annotations_ = [
            ax.text(
                0.01,
                0.02,
                "\u2190 overfitting (train \u226b validation)",
                ha="left",
                **text,
            ),
            ax.text(
                0.99, 0.02, "underfitting (strong decay) \u2192", ha="right", **text
            ),
        ]

        set_alpha_axis(ax)
        name = score_name if score_name is not None else self.score_name
        ax.set_ylabel(_validate_score_name(name, None, negate_score))
        if self.l1_ratio is not None:
            ax.set_title(f"l1_ratio={self.l1_ratio:.3g}")
        ax.legend(fontsize="small")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_cv_results(
        cls,
        cv_results: dict,
        *,
        best_alpha: float | None = None,
        selection: Literal["min", "1se"] = "min",
        l1_ratio: float | None = None,
        param_name: str = "alpha",
        score_name: str | None = None,
        ax=None,
        score_type: Literal["test", "train", "both"] | None = None,
        negate_score: bool = False,
    ) -> DecayCVCurveDisplay:
        """Draw the curve from a ``cv_results_`` dictionary.

        Accepts the ``cv_results_`` of :class:`~skdecay.DecayLinearRegressorCV`
        and :class:`~skdecay.DecayLogisticClassifierCV`, and that of a
        :class:`~sklearn.model_selection.GridSearchCV` whose grid is over
        ``alpha`` (``param_name`` names it inside a pipeline, e.g.
        ``'decaylinearregressor__alpha'``), optionally crossed with
        ``l1_ratio``.

        Parameters
        ----------
        cv_results : dict
            Holds ``param_<param_name>`` and ``split{k}_test_score`` (and
            ``split{k}_train_score`` to draw training scores).

        best_alpha : float, default=None
            The alpha to mark; None applies ``selection`` to the curve.

        selection : {'min', '1se'}, default='min'
            The rule that picks ``best_alpha`` when it is not given: the best
            mean validation score, or the largest alpha within one standard
            error of it.

        l1_ratio : float, default=None
            Which ``l1_ratio`` to draw when the grid has several (its value
            then titles the axes); None uses the one of the best-ranked
            candidate.

        param_name : str, default='alpha'
            The name of the regularisation parameter in ``cv_results``.

        score_name : str, default=None
            The y-axis label; None uses ``'Score'``.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        score_type : {'test', 'train', 'both'}, default=None
            See :meth:`plot`.

        negate_score : bool, default=False
            See :meth:`plot`.

        Returns
        -------
        display : DecayCVCurveDisplay
            The display, with the artists as attributes.
        """
        key = f"param_{param_name}"
        if key not in cv_results:
            found = sorted(k for k in cv_results if k.startswith("param_"))
            raise ValueError(
                f"cv_results has no {key!r}; its parameters are {found}. Pass "
                "param_name to name the regularisation parameter."
            )
        alphas = _as_float(cv_results[key])
        rows = np.isfinite(alphas)
        title_l1_ratio = None
        l1_key = f"param_{param_name[: -len('alpha')]}l1_ratio"
        if param_name.endswith("alpha") and l1_key in cv_results:
            l1_ratios = _as_float(cv_results[l1_key])
            several = np.unique(l1_ratios[rows]).size > 1
            if l1_ratio is None and several:
                ranks = np.asarray(cv_results["rank_test_score"])
                l1_ratio = float(l1_ratios[np.flatnonzero(ranks == ranks.min())[0]])
            if l1_ratio is not None:
                title_l1_ratio = float(l1_ratio) if several else None
                match = np.isclose(l1_ratios, l1_ratio)
                if not np.any(match & rows):
                    raise ValueError(
                        f"l1_ratio={l1_ratio} is not in cv_results; it has "
                        f"{np.unique(l1_ratios[rows]).tolist()}."
                    )
                rows &= match
        rows = np.flatnonzero(rows)
        if np.unique(alphas[rows]).size != rows.size:
            raise ValueError(
                "Several candidates in cv_results share an alpha: the grid varies "
                "another parameter. Draw one setting of it (for l1_ratio, pass "
                "l1_ratio=...)."
            )
        test_scores = _split_scores(cv_results, "test", rows)
        if test_scores is None:
            raise ValueError("cv_results has no 'split0_test_score'.")
        train_scores = _split_scores(cv_results, "train", rows)
        if best_alpha is None:
            best_alpha, _ = select_alpha(alphas[rows], test_scores, selection)
        display = cls(
            alphas=alphas[rows],
            test_scores=test_scores,
            train_scores=train_scores,
            best_alpha=best_alpha,
            score_name=score_name,
            l1_ratio=title_l1_ratio,
        )
        return display.plot(ax=ax, score_type=score_type, negate_score=negate_score)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        l1_ratio: float | None = None,
        param_name: str = "alpha",
        score_name: str | None = None,
        ax=None,
        score_type: Literal["test", "train", "both"] | None = None,
        negate_score: bool = False,
    ) -> DecayCVCurveDisplay:
        """Draw the curve of a fitted cross-validation estimator.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`~skdecay.DecayLinearRegressorCV`,
            :class:`~skdecay.DecayLogisticClassifierCV`, or
            :class:`~sklearn.model_selection.GridSearchCV` over ``alpha``,
            or a fitted :class:`~sklearn.pipeline.Pipeline` whose last step
            is one of these. Its chosen alpha (``alpha_``, or
            ``best_params_[param_name]``) is marked when the curve drawn is
            the chosen ``l1_ratio``'s; otherwise the estimator's
            ``selection`` rule picks one on the curve drawn.

        l1_ratio : float, default=None
            Which ``l1_ratio`` to draw; None draws the chosen one.

        param_name : str, default='alpha'
            The parameter's name in ``cv_results_`` (for GridSearchCV over a
            pipeline).

        score_name : str, default=None
            The y-axis label; None derives it from the estimator's
            ``scoring`` when it is a string, else ``'Score'``.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        score_type : {'test', 'train', 'both'}, default=None
            See :meth:`plot`.

        negate_score : bool, default=False
            See :meth:`plot`.

        Returns
        -------
        display : DecayCVCurveDisplay
            The display, with the artists as attributes.

        Raises
        ------
        ValueError
            If ``estimator`` does no cross-validation (the message says
            which estimators do).
        """
        estimator = final_step(estimator)
        # A CV estimator has a ``cv`` parameter before it is fitted.
        params = estimator.get_params() if hasattr(estimator, "get_params") else {}
        if not hasattr(estimator, "cv_results_") and "cv" not in params:
            raise ValueError(
                "DecayCVCurveDisplay.from_estimator takes a fitted cross-validation "
                "estimator (DecayLinearRegressorCV, DecayLogisticClassifierCV, or "
                "GridSearchCV / RandomizedSearchCV over alpha), or a Pipeline whose "
                f"last step is one; got {type(estimator).__name__}."
            )
        check_is_fitted(estimator, "cv_results_")
        if hasattr(estimator, "alpha_"):
            chosen_alpha = float(estimator.alpha_)
            chosen_l1_ratio = getattr(estimator, "l1_ratio_", None)
        else:
            best_params = getattr(estimator, "best_params_", {})
            if param_name not in best_params:
                raise ValueError(
                    f"The estimator chose no {param_name!r}: it has neither alpha_ "
                    f"nor best_params_[{param_name!r}]."
                )
            chosen_alpha = float(best_params[param_name])
            l1_name = f"{param_name[: -len('alpha')]}l1_ratio"
            chosen_l1_ratio = best_params.get(l1_name)
        selection = getattr(estimator, "selection_", "min")
        best_alpha = None
        if l1_ratio is None:
            l1_ratio = chosen_l1_ratio
            best_alpha = chosen_alpha
        elif chosen_l1_ratio is not None and np.isclose(l1_ratio, chosen_l1_ratio):
            best_alpha = chosen_alpha
        scoring = getattr(estimator, "scoring", None)
        if score_name is None and isinstance(scoring, str):
            score_name = _validate_score_name(None, scoring, negate_score)
        return cls.from_cv_results(
            estimator.cv_results_,
            best_alpha=best_alpha,
            selection=selection,
            l1_ratio=l1_ratio,
            param_name=param_name,
            score_name=score_name,
            ax=ax,
            score_type=score_type,
            negate_score=negate_score,
        )
