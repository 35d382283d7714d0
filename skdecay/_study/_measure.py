"""The study's measurements: every number of every table is computed here.

One fixed seed, one held-out validation split, cross-validation inside the
training part. Fit times are wall-clock times of a fresh ``fit`` on the
training part, the best of two or three runs so that loading compiled
kernels is not counted.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    cross_validate,
    train_test_split,
)
from threadpoolctl import threadpool_limits

from .. import (
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayLogisticClassifierCV,
    DecayMLPClassifier,
    DecayMLPRegressor,
    decay_objective,
    decay_path,
)
from ..neural_network._mlp import SMALL_PRODUCT
from ._data import Prepared

#: The penalties of the linear study, in table order, with their names.
PENALTY_NAMES = {
    None: "none",
    "l2": "L2 (weight decay)",
    "l1": "L1 (lasso)",
    "elasticnet": "elastic net",
}
DECAYED = ("l2", "l1", "elasticnet")

#: A fit faster than this is repeated (up to three times) for a steadier time.
REPEAT_BELOW_S = 0.2


@dataclass
class Settings:
    """The study's knobs; :func:`skdecay.study` documents each."""

    n_alphas: int = 30
    n_folds: int = 5
    validation_size: float = 0.25
    l1_ratio: float = 0.5
    random_state: int = 0
    mlp: bool = False
    mlp_epochs: int = 100
    mlp_hidden: int = 64
    mlp_learning_rate: float = 3e-3
    mlp_weight_decays: tuple[float, ...] = (1e-3, 1e-2, 1e-1)
    mlp_decoupled_weight_decays: tuple[float, ...] = (1e-1, 1.0, 10.0)
    history_iter: int = 200
    n_jobs: int | None = None


@dataclass
class Table:
    """One table of the report: its numbers and how to show them."""

    key: str  # file stem of its CSV
    title: str
    question: str  # what the table answers
    frame: pd.DataFrame  # full-precision numbers (the CSV)
    display: pd.DataFrame  # formatted strings (HTML, Markdown)
    console: pd.DataFrame | None = None  # a trimmed display for the terminal
    note: str = ""


@dataclass
class Measurements:
    """Everything the report shows, tables and the fitted objects to draw."""

    data: Prepared
    settings: Settings
    score_name: str
    tables: list[Table] = field(default_factory=list)
    cv: dict = field(default_factory=dict)  # penalty -> fitted CV estimator
    paths: dict = field(default_factory=dict)  # penalty -> DecayPath
    history_fits: list = field(default_factory=list)  # gd fits with coef_history_
    mlp_runs: list = field(default_factory=list)  # dicts of per-epoch curves
    linear_fits: dict = field(default_factory=dict)  # penalty -> refitted model
    notes: list[str] = field(default_factory=list)


# -- formatting -------------------------------------------------------------


def fmt_number(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    return f"{value:.{digits}g}"


def fmt_score(value) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.3f}"


def fmt_mean_std(mean, std) -> str:
    return "-" if not np.isfinite(mean) else f"{mean:.3f} ± {std:.3f}"


def fmt_share(value) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{100 * value:.0f} %"


def fmt_time(seconds) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "-"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_ratio(value) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.1e}"


def _display(frame: pd.DataFrame, formats: dict) -> pd.DataFrame:
    """``frame`` as strings: ``formats`` maps a header to (function, columns)."""
    out = {}
    for header, (function, columns) in formats.items():
        columns = [columns] if isinstance(columns, str) else columns
        out[header] = [
            function(*row) for row in zip(*(frame[c] for c in columns), strict=True)
        ]
    return pd.DataFrame(out)


# -- fitting helpers --------------------------------------------------------


def _warning_notes(caught) -> list[str]:
    """Distinct warning messages, shortened, for a table's note column."""
    notes = []
    for warning in caught:
        text = str(warning.message).split("\n")[0]
        text = text if len(text) <= 70 else text[:67] + "..."
        if text not in notes:
            notes.append(text)
    return notes


def timed_fit(estimator, X, y, *, min_repeats: int = 1, quiet_max_iter=False):
    """Fit clones of ``estimator``; the last one, the best time, warnings.

    Fits ``min_repeats`` times (2 for skdecay's estimators, whose first fit
    in a process loads compiled kernels), and again, up to three fits, while
    they take less than ``REPEAT_BELOW_S`` in all. ``quiet_max_iter`` drops
    the warning that the epoch limit was reached (the study's networks train
    for a fixed number of epochs).
    """
    times, notes = [], []
    for repeat in range(3):
        model = clone(estimator)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            model.fit(X, y)
            times.append(time.perf_counter() - start)
        notes = _warning_notes(caught)
        if quiet_max_iter:
            notes = [n for n in notes if "maximum iterations" not in n]
        if repeat + 1 >= min_repeats and sum(times) > REPEAT_BELOW_S:
            break
    return model, min(times), notes


def weight_stats(coef) -> tuple[float, float]:
    """The weights' L2 norm and their share of non-zeros."""
    coef = np.asarray(coef, dtype=float)
    return float(np.linalg.norm(coef)), float(np.mean(coef != 0))


def _linear(task: str, **params):
    cls = DecayLogisticClassifier if task == "classification" else DecayLinearRegressor
    return cls(**params)


def _linear_cv(task: str, **params):
    if task == "classification":
        return DecayLogisticClassifierCV(**params)
    return DecayLinearRegressorCV(**params)


def _loss(data: Prepared) -> str:
    if data.task == "regression":
        return "squared"
    return "logistic" if len(data.classes) == 2 else "multinomial"


def _splitter(data: Prepared, settings: Settings):
    cls = StratifiedKFold if data.task == "classification" else KFold
    return cls(settings.n_folds, shuffle=True, random_state=settings.random_state)


def _sklearn_twin(task: str, penalty, alpha: float, l1_ratio: float, n: int):
    """scikit-learn's estimator that minimises the same objective (README)."""
    from sklearn.linear_model import (
        ElasticNet,
        Lasso,
        LinearRegression,
        LogisticRegression,
        Ridge,
    )

    if task == "regression":
        if penalty is None:
            return LinearRegression(), "LinearRegression()"
        if penalty == "l2":
            return Ridge(alpha=alpha * n), f"Ridge(alpha={alpha * n:.4g})"
        if penalty == "l1":
            return Lasso(alpha=alpha), f"Lasso(alpha={alpha:.4g})"
        return (
            ElasticNet(alpha=alpha, l1_ratio=l1_ratio),
            f"ElasticNet(alpha={alpha:.4g}, l1_ratio={l1_ratio:g})",
        )
    rho = {None: 0.0, "l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]
    C = np.inf if penalty is None else 1.0 / (alpha * n)
    solver = "lbfgs" if rho == 0 else "saga"
    # scikit-learn 1.8 deprecated 'penalty' for l1_ratio and C=inf.
    if LogisticRegression().get_params()["penalty"] == "deprecated":
        model = LogisticRegression(C=C, l1_ratio=rho, solver=solver, max_iter=1000)
    elif penalty is None:
        model = LogisticRegression(penalty=None, solver=solver, max_iter=1000)
    else:
        extra = {"l1_ratio": rho} if penalty == "elasticnet" else {}
        model = LogisticRegression(
            penalty=penalty, C=C, solver=solver, max_iter=1000, **extra
        )
    name = "LogisticRegression(" + (
        "no penalty" if penalty is None else f"C={C:.4g}, l1_ratio={rho:g}"
    )
    return model, name + f", solver='{solver}')"


# -- the study --------------------------------------------------------------


def run_linear(m: Measurements, progress) -> dict:
    """Cross-validation per penalty, the strength table, paths and refits."""
    data, settings = m.data, m.settings
    X, y = data.X_train, data.y_train
    cv = _splitter(data, settings)
    loss = _loss(data)
    rows = []
    for penalty in DECAYED:
        with progress.step(f"CV: {PENALTY_NAMES[penalty]}"):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                estimator = _linear_cv(
                    data.task, penalty=penalty, l1_ratio=settings.l1_ratio,
                    alphas=settings.n_alphas, cv=cv, return_train_score=True,
                    n_jobs=settings.n_jobs,
                ).fit(X, y)  # fmt: skip
            m.notes.extend(
                f"{PENALTY_NAMES[penalty]} CV: {note}"
                for note in _warning_notes(caught)
            )
            m.cv[penalty] = estimator
        with progress.step(f"path: {PENALTY_NAMES[penalty]}"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                path = decay_path(
                    X, y, loss=loss, penalty=penalty, l1_ratio=settings.l1_ratio,
                    alphas=estimator.alphas_,
                )  # fmt: skip
            m.paths[penalty] = path
        results = estimator.cv_results_
        mean, std = results["mean_test_score"], results["std_test_score"]
        best = estimator.best_index_
        threshold = mean[best] - std[best] / np.sqrt(estimator.n_splits_)
        alphas = np.asarray(results["param_alpha"], dtype=float)
        one_se = int(
            np.flatnonzero(mean >= threshold)[np.argmax(alphas[mean >= threshold])]
        )
        for k, alpha in enumerate(alphas):
            norm, share = weight_stats(path.coefs[..., k])
            choice = "best" if k == best else ""
            if k == one_se:
                choice = (choice + ", 1-SE").lstrip(", ")
            rows.append(
                {
                    "penalty": PENALTY_NAMES[penalty],
                    "alpha": alpha,
                    "sklearn_equivalent": _sklearn_twin(
                        data.task, penalty, alpha, settings.l1_ratio, len(y)
                    )[1],
                    "train_mean": results["mean_train_score"][k],
                    "train_std": results["std_train_score"][k],
                    "validation_mean": mean[k],
                    "validation_std": std[k],
                    "weight_norm": norm,
                    "nonzero_share": share,
                    "chosen": choice,
                }
            )
    frame = pd.DataFrame(rows)
    display = _display(
        frame,
        {
            "penalty": (str, "penalty"),
            "alpha": (fmt_number, "alpha"),
            "scikit-learn": (str, "sklearn_equivalent"),
            f"train {m.score_name} (CV)": (fmt_mean_std, ["train_mean", "train_std"]),
            f"validation {m.score_name} (CV)": (
                fmt_mean_std,
                ["validation_mean", "validation_std"],
            ),
            "‖w‖₂": (fmt_number, "weight_norm"),
            "non-zero": (fmt_share, "nonzero_share"),
            "chosen": (str, "chosen"),
        },
    )
    # The terminal gets about eight rows per penalty, chosen ones included.
    keep = []
    for _, group in frame.groupby("penalty", sort=False):
        step = max(1, len(group) // 8)
        index = list(group.index[::step]) + list(group.index[group["chosen"] != ""])
        keep.extend(sorted(set(index)))
    m.tables.append(
        Table(
            "strength",
            "Decay strength: scores, weight norm and sparsity along alpha",
            "How strong should the decay be? Each row is one alpha of the "
            f"{settings.n_folds}-fold cross-validation inside the training part "
            f"(mean ± std over folds; {m.score_name}, higher is better), with "
            "the norm and the share of non-zero weights of the model fitted on "
            "the whole training part at that alpha. 'best' is the alpha with the "
            "best mean validation score, '1-SE' the strongest decay within one "
            "standard error of it.",
            frame,
            display,
            console=display.loc[keep],
        )
    )
    return {"cv": cv, "loss": loss}


def run_penalties(m: Measurements, progress, cv, loss) -> None:
    """None, L2, L1 and elastic net at their CV-chosen alphas; scikit-learn."""
    data, settings = m.data, m.settings
    X, y, Xv, yv = data.X_train, data.y_train, data.X_val, data.y_val
    rows, twins, fits = [], [], {}
    for penalty in (None, *DECAYED):
        with progress.step(f"refit: {PENALTY_NAMES[penalty]}"):
            if penalty is None:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    scores = cross_validate(
                        _linear(data.task, penalty=None), X, y, cv=cv
                    )
                cv_mean = float(np.mean(scores["test_score"]))
                cv_std = float(np.std(scores["test_score"]))
                alpha, l1_ratio = 0.0, 0.0
                cv_notes = _warning_notes(caught)
            else:
                estimator = m.cv[penalty]
                cv_mean = estimator.best_score_
                cv_std = float(
                    estimator.cv_results_["std_test_score"][estimator.best_index_]
                )
                alpha, l1_ratio = estimator.alpha_, estimator.l1_ratio_
                cv_notes = []
            decayed = _linear(
                data.task, penalty=penalty, alpha=alpha, l1_ratio=settings.l1_ratio
            )
            model, seconds, notes = timed_fit(decayed, X, y, min_repeats=2)
            fits[penalty] = model
            norm, share = weight_stats(model.coef_)
            train, val = model.score(X, y), model.score(Xv, yv)
            separable = penalty is None and data.task == "classification" and train == 1
            if separable:
                notes.append(
                    "training accuracy 1: the classes look separable, so without "
                    "decay the loss has no minimum and the weights grow until the "
                    "solver stops"
                )
            rows.append(
                {
                    "penalty": PENALTY_NAMES[penalty],
                    "alpha": alpha,
                    "l1_ratio": l1_ratio,
                    "cv_mean": cv_mean,
                    "cv_std": cv_std,
                    "train_score": train,
                    "validation_score": val,
                    "weight_norm": norm,
                    "nonzero_share": share,
                    "fit_time_s": seconds,
                    "n_iter": model.n_iter_,
                    "note": "; ".join(dict.fromkeys(cv_notes + notes)),
                }
            )
        with progress.step(f"scikit-learn: {PENALTY_NAMES[penalty]}"):
            twin, twin_name = _sklearn_twin(
                data.task, penalty, alpha, settings.l1_ratio, len(y)
            )
            twin, twin_seconds, twin_notes = timed_fit(twin, X, y)
            objective = {
                "loss": loss,
                "alpha": alpha,
                "penalty": penalty,
                "l1_ratio": settings.l1_ratio,
            }
            ours = decay_objective(X, y, model.coef_, model.intercept_, **objective)
            theirs = decay_objective(X, y, twin.coef_, twin.intercept_, **objective)
            coef_ours = np.atleast_2d(model.coef_)
            coef_theirs = np.atleast_2d(twin.coef_)
            scale = max(float(np.max(np.abs(coef_theirs))), np.finfo(float).tiny)
            twins.append(
                {
                    "penalty": PENALTY_NAMES[penalty],
                    "sklearn": twin_name,
                    "objective_skdecay": ours,
                    "objective_sklearn": theirs,
                    "objective_gap": (theirs - ours) / max(abs(ours), 1e-300),
                    "coef_difference": float(np.max(np.abs(coef_ours - coef_theirs)))
                    / scale,
                    "time_skdecay_s": seconds,
                    "time_sklearn_s": twin_seconds,
                    "note": "; ".join(
                        twin_notes
                        + (
                            ["no minimum: each solver stops elsewhere"]
                            if separable
                            else []
                        )
                    ),
                }
            )
    frame = pd.DataFrame(rows)
    display = _display(
        frame,
        {
            "penalty": (str, "penalty"),
            "alpha": (fmt_number, "alpha"),
            f"CV {m.score_name}": (fmt_mean_std, ["cv_mean", "cv_std"]),
            f"train {m.score_name}": (fmt_score, "train_score"),
            f"validation {m.score_name}": (fmt_score, "validation_score"),
            "‖w‖₂": (fmt_number, "weight_norm"),
            "non-zero": (fmt_share, "nonzero_share"),
            "fit time": (fmt_time, "fit_time_s"),
            "note": (str, "note"),
        },
    )
    m.tables.append(
        Table(
            "penalties",
            "None vs L2 vs L1 vs elastic net",
            "Which penalty? Each decayed model is refitted on the whole training "
            "part at the alpha its own cross-validation chose (elastic net with "
            f"l1_ratio={settings.l1_ratio:g}), then scored on the held-out "
            "validation part; L1 and elastic net set weights exactly to zero, "
            "L2 only shrinks them.",
            frame,
            display,
        )
    )
    twin_frame = pd.DataFrame(twins)
    m.tables.append(
        Table(
            "sklearn",
            "The same problems solved by scikit-learn",
            "Is skdecay right, and how fast? The scikit-learn estimator that "
            "minimises the same objective at the mapped strength (README, "
            "'Mapping to scikit-learn'), both at their default tolerances "
            "(LogisticRegression with max_iter=1000). 'objective gap' is "
            "(f_sklearn - f_skdecay) / |f_skdecay| with f from "
            "skdecay.decay_objective: positive when skdecay's solution is lower; "
            "'coef difference' is max |w_skdecay - w_sklearn| / max |w_sklearn|.",
            twin_frame,
            _display(
                twin_frame,
                {
                    "penalty": (str, "penalty"),
                    "scikit-learn": (str, "sklearn"),
                    "objective (skdecay)": (
                        lambda v: fmt_number(v, 10),
                        "objective_skdecay",
                    ),
                    "objective gap": (fmt_ratio, "objective_gap"),
                    "coef difference": (fmt_ratio, "coef_difference"),
                    "time skdecay": (fmt_time, "time_skdecay_s"),
                    "time scikit-learn": (fmt_time, "time_sklearn_s"),
                    "note": (str, "note"),
                },
            ),
        )
    )
    _weights_table(m, fits)
    m.linear_fits = fits


def _weights_table(m: Measurements, fits: dict) -> None:
    """Each feature's weight under every penalty, largest L2 weights first."""
    names = m.data.feature_names
    columns = {}
    multi = np.atleast_2d(fits["l2"].coef_).shape[0] > 1
    for penalty, model in fits.items():
        coef = np.atleast_2d(model.coef_)
        columns[PENALTY_NAMES[penalty]] = (
            np.linalg.norm(coef, axis=0) if multi else coef[0]
        )
    frame = pd.DataFrame({"feature": names, **columns})
    order = np.argsort(-np.abs(frame[PENALTY_NAMES["l2"]].to_numpy()), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    shown = frame.head(20)
    display = pd.DataFrame(
        {"feature": shown["feature"].astype(str)}
        | {name: [fmt_number(v, 3) for v in shown[name]] for name in columns}
    )
    what = (
        "the norm of each feature's weights over the classes"
        if multi
        else "each feature's weight"
    )
    m.tables.append(
        Table(
            "weights",
            "The weights under each penalty",
            f"What does decay do to each weight? {what.capitalize()} (on the "
            "scaled, one-hot encoded features) without decay and at each "
            "penalty's chosen alpha, the 20 largest L2 weights first (the CSV "
            "holds every feature). Zeros under L1 are features the lasso "
            "dropped.",
            frame,
            display,
            console=display.head(10),
        )
    )


def run_histories(m: Measurements, progress) -> None:
    """Plain gradient descent at three strengths, recording every iterate."""
    data, settings = m.data, m.settings
    chosen = m.cv["l2"].alpha_
    with progress.step("weights during training"):
        for alpha in (chosen * 100, chosen, chosen / 100):
            model = _linear(
                data.task, penalty="l2", alpha=alpha, solver="gd",
                store_coef_history=True, max_iter=settings.history_iter,
            )  # fmt: skip
            with warnings.catch_warnings():
                # Stopping early is the point: the picture shows the start.
                warnings.simplefilter("ignore")
                model.fit(data.X_train, data.y_train)
            m.history_fits.append(model)


def _mlp(data: Prepared, settings: Settings, **params):
    cls = DecayMLPClassifier if data.task == "classification" else DecayMLPRegressor
    defaults = {
        "hidden_layer_sizes": (settings.mlp_hidden,),
        "learning_rate_init": settings.mlp_learning_rate,
        "max_iter": settings.mlp_epochs,
        "random_state": settings.random_state,
    }
    return cls(**(defaults | params))


def _mlp_targets(data: Prepared):
    """The networks' targets: standardised for regression (R² is unchanged)."""
    if data.task == "classification":
        return data.y_train, data.y_val
    mean, std = data.y_train.mean(), data.y_train.std() or 1.0
    return (data.y_train - mean) / std, (data.y_val - mean) / std


def run_mlp(m: Measurements, progress) -> list[dict]:
    """Networks without and with coupled and decoupled decay, epoch by epoch."""
    data, settings = m.data, m.settings
    # The network's products are small: as during its training, a second
    # BLAS thread only adds synchronisation to the per-epoch scoring (3.5x
    # slower epochs measured on digits on a busy 2-core machine).
    n_outputs = 1 if data.classes is None else len(data.classes)
    largest = max(len(data.y_train), len(data.y_val)) * settings.mlp_hidden
    largest *= max(data.X_train.shape[1], n_outputs)
    limit = 1 if largest < SMALL_PRODUCT else None
    with threadpool_limits(limits=limit, user_api="blas"):
        return _run_mlp(m, progress)


def _run_mlp(m: Measurements, progress) -> list[dict]:
    data, settings = m.data, m.settings
    X, Xv = data.X_train, data.X_val
    y, yv = _mlp_targets(data)
    grids = {
        "l2": tuple(settings.mlp_weight_decays),
        "decoupled": tuple(settings.mlp_decoupled_weight_decays),
    }
    # The strength of each mode is chosen on an inner hold-out of the
    # training part: the validation part stays unseen.
    stratify = y if data.task == "classification" else None
    X_fit, X_hold, y_fit, y_hold = train_test_split(
        X, y, test_size=0.2, stratify=stratify, random_state=settings.random_state
    )
    chosen, inner_rows = {}, []
    for mode, grid in grids.items():
        scores = []
        for decay in grid:
            with progress.step(f"network: choosing {_mode_name(mode)}"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = _mlp(data, settings, weight_decay=decay, decay_mode=mode)
                    scores.append(model.fit(X_fit, y_fit).score(X_hold, y_hold))
            inner_rows.append((mode, decay, scores[-1]))
        chosen[mode] = grid[int(np.argmax(scores))]
    rows = []
    for mode, decay in [("l2", 0.0), *chosen.items()]:
        with progress.step("network: timed fits"):
            model, seconds, notes = timed_fit(
                _mlp(data, settings, weight_decay=decay, decay_mode=mode),
                X,
                y,
                min_repeats=2,
                quiet_max_iter=True,
            )
        rows.append(
            {
                "model": "MLP",
                "decay": "none" if decay == 0 else _mode_name(mode),
                "strength": decay,
                "train_score": model.score(X, y),
                "validation_score": model.score(Xv, yv),
                "fit_time_s": seconds,
                "n_iter": model.n_iter_,
                "note": "; ".join(notes),
            }
        )
    runs = [("l2", "l2", 0.0)] + [
        (mode, penalty, decay)
        for penalty in ("l2", "l1")
        for mode, grid in grids.items()
        for decay in grid
    ]
    for mode, penalty, decay in runs:
        with progress.step("network: epoch by epoch"):
            m.mlp_runs.append(
                _epoch_run(data, settings, X, y, Xv, yv, mode, penalty, decay)
            )
    _epoch_table(m)
    m.notes.append(
        "Network strengths chosen on an inner 20 % hold-out of the training part: "
        + ", ".join(
            f"{_mode_name(mode)} weight_decay={decay:g} scored {score:.3f}"
            for mode, decay, score in inner_rows
        )
        + "."
    )
    return rows


def _mode_name(mode: str) -> str:
    return "coupled L2" if mode == "l2" else "decoupled (AdamW)"


def _epoch_run(data, settings, X, y, Xv, yv, mode, penalty, decay) -> dict:
    """Train one epoch at a time, measuring after each epoch."""
    model = _mlp(
        data, settings, weight_decay=decay, decay_mode=mode, penalty=penalty,
        # A RandomState advances across partial_fit calls: new shuffles.
        random_state=np.random.RandomState(settings.random_state),
    )  # fmt: skip
    extra = {}
    if data.task == "classification":
        extra["classes"] = np.arange(len(data.classes))
    curves = {"val": [], "nonzero": []}
    for _ in range(settings.mlp_epochs):
        model.partial_fit(X, y, **extra)
        extra = {}
        curves["val"].append(model.score(Xv, yv))
        weights = np.concatenate([W.ravel() for W in model.coefs_])
        curves["nonzero"].append(float(np.mean(weights != 0)))
    if decay == 0:
        label = "no decay"
    else:
        label = f"{_mode_name(mode)}{' L1' if penalty == 'l1' else ''} λ={decay:g}"
        label = label.replace("coupled L2 L1", "coupled L1")
    return {
        "label": label,
        "mode": "none" if decay == 0 else mode,
        "penalty": "none" if decay == 0 else penalty,
        "weight_decay": decay,
        "loss": np.asarray(model.loss_curve_),
        "val": np.asarray(curves["val"]),
        "norm": np.asarray(model.weight_norm_curve_),
        "nonzero": np.asarray(curves["nonzero"]),
    }


def _epoch_table(m: Measurements) -> None:
    rows = []
    for run in m.mlp_runs:
        for epoch in range(len(run["loss"])):
            rows.append(
                {
                    "run": run["label"],
                    "decay_mode": run["mode"],
                    "penalty": run["penalty"],
                    "weight_decay": run["weight_decay"],
                    "epoch": epoch + 1,
                    "training_loss": run["loss"][epoch],
                    "validation_score": run["val"][epoch],
                    "weight_norm": run["norm"][epoch],
                    "nonzero_share": run["nonzero"][epoch],
                }
            )
    frame = pd.DataFrame(rows)
    display = _display(
        frame,
        {
            "run": (str, "run"),
            "epoch": (str, "epoch"),
            "training loss": (lambda v: fmt_number(v, 4), "training_loss"),
            f"validation {m.score_name}": (fmt_score, "validation_score"),
            "weight norm": (lambda v: fmt_number(v, 4), "weight_norm"),
            "non-zero": (fmt_share, "nonzero_share"),
        },
    )
    # Shown: about five epochs per run, the last one included.
    n_epochs = m.settings.mlp_epochs
    step = max(1, n_epochs // 5)
    epochs = sorted({*range(step, n_epochs + 1, step), n_epochs})
    shown = frame["epoch"].isin(epochs).to_numpy()
    last = (frame["epoch"] == n_epochs).to_numpy()
    m.tables.append(
        Table(
            "mlp_epochs",
            "The network epoch by epoch",
            "What does decay do during training? A one-hidden-layer network "
            f"({m.settings.mlp_hidden} units, Adam, learning rate "
            f"{m.settings.mlp_learning_rate:g}) trained one epoch at a time on "
            "the training part: the training loss (with coupled decay it "
            "includes the penalty), the score on the held-out validation part, "
            "the norm of the weights and, under L1, the share of weights that "
            "are not exactly zero. Decoupled decay shrinks the weights by "
            "learning rate times λ per step, hence its larger λ. Every epoch of "
            "every run is in the CSV.",
            frame,
            display.loc[shown].reset_index(drop=True),
            console=display.loc[last].reset_index(drop=True),
        )
    )


def run_study(data: Prepared, settings: Settings, progress) -> Measurements:
    """All measurements, in the report's order."""
    score_name = "accuracy" if data.task == "classification" else "R²"
    m = Measurements(data=data, settings=settings, score_name=score_name)
    linear = run_linear(m, progress)
    run_penalties(m, progress, linear["cv"], linear["loss"])
    run_histories(m, progress)
    penalties = next(t for t in m.tables if t.key == "penalties").frame
    decay_rows = []
    for penalty in (None, "l2"):
        row = penalties.iloc[0 if penalty is None else 1]
        decay_rows.append(
            {
                "model": "linear",
                "decay": "none" if penalty is None else PENALTY_NAMES[penalty],
                "strength": row["alpha"],
                "train_score": row["train_score"],
                "validation_score": row["validation_score"],
                "fit_time_s": row["fit_time_s"],
                "n_iter": row["n_iter"],
                "note": row["note"],
            }
        )
    if settings.mlp:
        decay_rows.extend(run_mlp(m, progress))
    frame = pd.DataFrame(decay_rows)
    frame["gap"] = frame["train_score"] - frame["validation_score"]
    display = _display(
        frame,
        {
            "model": (str, "model"),
            "decay": (str, "decay"),
            "alpha / λ": (fmt_number, "strength"),
            f"train {score_name}": (fmt_score, "train_score"),
            f"validation {score_name}": (fmt_score, "validation_score"),
            "train - validation": (fmt_score, "gap"),
            "fit time": (fmt_time, "fit_time_s"),
            "iterations": (str, "n_iter"),
            "note": (str, "note"),
        },
    )
    what = "the linear model" + (" and the network" if settings.mlp else "")
    m.tables.insert(
        0,
        Table(
            "decay",
            "With and without decay",
            f"Does decay help here, and what does it cost? {what.capitalize()} "
            "fitted on the training part without decay and with weight decay "
            "(the linear model at its cross-validated alpha"
            + (
                "; the network, trained for at most "
                f"{settings.mlp_epochs} epochs, at the weight_decay of each mode "
                "that scored best on an inner hold-out of the training part"
                if settings.mlp
                else ""
            )
            + "), scored on the training part and on the held-out validation "
            "part. A smaller train - validation gap is less overfitting. Fit "
            "times exclude compilation (best of 2-3 fits).",
            frame,
            display,
        ),
    )
    return m
