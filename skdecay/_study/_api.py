"""``skdecay.study``: a weight-decay study of a dataset, written as a report.

This module imports only the core's dependencies; pandas, Jinja2, matplotlib
and tqdm (the ``report`` extra) are imported when a study runs, after
checking that they are installed.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Literal

from numpy.typing import ArrayLike

from .._sklearn_compat import Interval, StrOptions, validate_params

#: Datasets shipped with scikit-learn: name -> (loader, task). California
#: housing is not shipped; it is used only when already in the local cache.
BUNDLED = {
    "breast_cancer": ("load_breast_cancer", "classification"),
    "diabetes": ("load_diabetes", "regression"),
    "digits": ("load_digits", "classification"),
    "wine": ("load_wine", "classification"),
    "iris": ("load_iris", "classification"),
    "california_housing": ("fetch_california_housing", "regression"),
}

#: import name -> distribution name, for the error message.
REPORT_EXTRA = {
    "pandas": "pandas",
    "jinja2": "Jinja2",
    "matplotlib": "matplotlib",
    "tqdm": "tqdm",
}


def require_report_extra() -> None:
    """Raise an ImportError naming the extra to install if a module is missing."""
    missing = []
    for module, distribution in REPORT_EXTRA.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(distribution)
    if missing:
        raise ModuleNotFoundError(
            f"skdecay study needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed. Install the "
            'report extra: pip install "skdecay[report]"'
        )


@dataclass
class StudyResult:
    """What :func:`skdecay.study` measured and where it wrote the report.

    Attributes
    ----------
    report_dir : pathlib.Path
        The folder holding ``report.html``, ``report.md``, one CSV per table
        and ``figures/``.
    html : pathlib.Path
        The self-contained HTML report.
    task : str
        'classification' or 'regression'.
    tables : dict of str to pandas.DataFrame
        Every table at full precision, by the stem of its CSV file.
    figures : dict of str to bytes
        Every figure as PNG bytes, by the stem of its file in ``figures/``.
    console : str
        The trimmed tables as printed to the terminal.
    notes : list of str
        What the report's Notes section says (warnings, dropped rows, ...).
    """

    report_dir: Path
    html: Path
    task: str
    tables: dict = field(repr=False)
    figures: dict = field(repr=False)
    console: str = field(repr=False)
    notes: list = field(repr=False)


class _Progress:
    """A tqdm bar over the study's steps (a no-op when quiet)."""

    def __init__(self, total: int, quiet: bool) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=total,
            disable=quiet,
            file=sys.stderr,
            unit="step",
            dynamic_ncols=True,
            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]",
        )

    @contextmanager
    def step(self, description: str):
        self.bar.set_description_str(f"{description:<32.32}")
        yield
        self.bar.update()

    def close(self) -> None:
        self.bar.close()


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "data"


def default_output(name: str) -> Path:
    """``skdecay-study-NAME`` in the current folder."""
    return Path.cwd() / f"skdecay-study-{_slug(name)}"


def _planned_steps(settings) -> int:
    from ._figures import figure_steps

    steps = 3 * 2 + 4 * 2 + 1  # CV and path per penalty; refit and twin; history
    if settings.mlp:
        grid = len(settings.mlp_weight_decays) + len(
            settings.mlp_decoupled_weight_decays
        )
        steps += grid + 3 + 1 + 2 * grid  # choice, timed fits, epoch runs
    return steps + figure_steps(settings.mlp) + 1  # pictures, files


def run_dataset(
    dataset, *, task, output, quiet: bool, print_tables: bool, **settings
) -> StudyResult:
    """The study of a loaded :class:`~._data.Dataset` (CLI and API)."""
    from ._data import prepare
    from ._figures import draw
    from ._measure import Settings, run_study
    from ._report import (
        check_output,
        console_text,
        render_files,
        summary_rows,
        write_folder,
    )

    settings = Settings(**settings)
    folder = Path(default_output(dataset.name) if output is None else output)
    folder = folder.expanduser().resolve()
    # Refuse a bad output folder or bad data before any model is fitted.
    check_output(folder)
    data = prepare(
        dataset,
        task=task,
        validation_size=settings.validation_size,
        n_folds=settings.n_folds,
        random_state=settings.random_state,
    )
    progress = _Progress(_planned_steps(settings), quiet)
    try:
        measured = run_study(data, settings, progress)
        pictures = draw(measured, progress)
        with progress.step("writing the report"):
            files = render_files(measured, pictures, dataset.name, dataset.source)
            write_folder(folder, files)
    finally:
        progress.close()
    import pandas as pd

    summary = summary_rows(measured, dataset.name, dataset.source)
    console = console_text(measured, summary)
    html = folder / "report.html"
    if print_tables:
        print(console)
        print(f"\nReport: {html}")
    tables = {"data": pd.DataFrame(summary, columns=["item", "value"])}
    tables.update({table.key: table.frame for table in measured.tables})
    return StudyResult(
        report_dir=folder,
        html=html,
        task=data.task,
        tables=tables,
        figures={p.key: p.png for p in pictures},
        console=console,
        notes=measured.notes + data.notes,
    )


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "name": [str],
        "task": [StrOptions({"classification", "regression"}), None],
        "mlp": ["boolean"],
        "output": [str, Path, None],
        "n_alphas": [Interval(Integral, 2, None, closed="left")],
        "n_folds": [Interval(Integral, 2, None, closed="left")],
        "validation_size": [Interval(Real, 0, 1, closed="neither")],
        "l1_ratio": [Interval(Real, 0, 1, closed="neither")],
        "mlp_epochs": [Interval(Integral, 1, None, closed="left")],
        "mlp_hidden": [Interval(Integral, 1, None, closed="left")],
        "mlp_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "mlp_weight_decays": ["array-like"],
        "mlp_decoupled_weight_decays": ["array-like"],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "quiet": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def study(
    X: ArrayLike,
    y: ArrayLike,
    *,
    name: str = "data",
    task: Literal["classification", "regression"] | None = None,
    mlp: bool = False,
    output: str | Path | None = None,
    n_alphas: int = 30,
    n_folds: int = 5,
    validation_size: float = 0.25,
    l1_ratio: float = 0.5,
    mlp_epochs: int = 100,
    mlp_hidden: int = 64,
    mlp_learning_rate: float = 3e-3,
    mlp_weight_decays: Sequence[float] = (1e-3, 1e-2, 1e-1),
    mlp_decoupled_weight_decays: Sequence[float] = (1e-1, 1.0, 10.0),
    random_state: int = 0,
    n_jobs: int | None = None,
    quiet: bool = False,
) -> StudyResult:
    """Measure what weight decay does on a dataset and write a report.

    Holds out a validation part (stratified for classification), encodes the
    features (numeric columns imputed and standardised, categorical columns
    one-hot encoded, by a :class:`~sklearn.compose.ColumnTransformer` fitted
    on the training part), then measures, with cross-validation inside the
    training part:

    1. the score with and without decay, on the training and the validation
       part, and the fit time (the linear model, and the network with
       ``mlp=True``);
    2. the decay-strength table: for every alpha of the L2, L1 and elastic-net
       cross-validation, the training and validation scores (mean ± std over
       folds), the weight norm and the share of non-zero weights;
    3. none against L2, L1 and elastic net, each at its cross-validated alpha;
    4. the same problems solved by scikit-learn at the mapped strength, compared
       through :func:`~skdecay.decay_objective`;
    5. with ``mlp=True``, a network trained epoch by epoch with coupled and
       decoupled decay (and L1): training loss, validation score, weight norm,
       share of non-zero weights;
    6. pictures: the path, the cross-validation curve, the weights during
       training at three decay strengths and the loss curves.

    The folder gets ``report.html`` (self-contained: figures embedded, no
    network access needed), ``report.md``, one CSV per table and the figures
    as PNG files. Needs the ``report`` extra (``pip install
    "skdecay[report]"``). The command ``skdecay study`` runs it on a dataset
    shipped with scikit-learn or on a CSV or Parquet file.

    Parameters
    ----------
    X : array-like or pandas.DataFrame of shape (n_samples, n_features)
        The features; a DataFrame's non-numeric columns are categorical.

    y : array-like or pandas.Series of shape (n_samples,)
        The target: class labels or numbers.

    name : str, default='data'
        The dataset's name in the report (and in the default folder name).

    task : {'classification', 'regression'}, default=None
        None infers it with :func:`~sklearn.utils.multiclass.type_of_target`
        (a numeric target with more than 20 distinct values is a quantity).

    mlp : bool, default=False
        Also study a one-hidden-layer network
        (:class:`~skdecay.DecayMLPClassifier` or
        :class:`~skdecay.DecayMLPRegressor`).

    output : str or path, default=None
        The report's folder; None is ``skdecay-study-NAME`` in the current
        folder. An existing folder is replaced only if it holds nothing but
        a previous report.

    n_alphas : int, default=30
        Number of alphas of each cross-validated path.

    n_folds : int, default=5
        Number of cross-validation folds inside the training part.

    validation_size : float, default=0.25
        Share of the samples held out for validation.

    l1_ratio : float, default=0.5
        The elastic net's mixing.

    mlp_epochs : int, default=100
        Epochs of every network fit.

    mlp_hidden : int, default=64
        Units of the network's hidden layer.

    mlp_learning_rate : float, default=3e-3
        Adam's learning rate.

    mlp_weight_decays : sequence of float, default=(1e-3, 1e-2, 1e-1)
        The coupled (``decay_mode='l2'``) strengths tried, also for L1.

    mlp_decoupled_weight_decays : sequence of float, default=(0.1, 1, 10)
        The decoupled (AdamW) strengths tried: decoupled decay shrinks the
        weights by ``learning_rate * weight_decay`` per step, so it needs
        larger values to act as much.

    random_state : int, default=0
        The seed of the split, the folds and the networks.

    n_jobs : int, default=None
        Folds cross-validated in parallel (threads).

    quiet : bool, default=False
        No progress bar, and no tables printed.

    Returns
    -------
    result : StudyResult
        The tables, the figures and the report's path.

    See Also
    --------
    DecayLinearRegressorCV, DecayLogisticClassifierCV : The cross-validation
        behind the decay-strength table.
    decay_path : The paths behind the weight norms.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_iris
    >>> import skdecay
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> folder = Path(tempfile.mkdtemp()) / "iris-study"
    >>> result = skdecay.study(
    ...     X, y, name="iris", output=folder, n_alphas=5, n_folds=3, quiet=True
    ... )
    >>> result.task
    'classification'
    >>> sorted(p.name for p in folder.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['data.csv', 'decay.csv', 'figures', 'penalties.csv', 'report.html',
     'report.md', 'sklearn.csv', 'strength.csv', 'weights.csv']
    >>> result.tables["strength"].shape[0]  # 5 alphas for each of 3 penalties
    15
    """
    require_report_extra()
    from ._data import StudyInputError, as_dataset

    for grid_name, grid in (
        ("mlp_weight_decays", mlp_weight_decays),
        ("mlp_decoupled_weight_decays", mlp_decoupled_weight_decays),
    ):
        values = [float(v) for v in grid]
        if not values or min(values) <= 0:
            raise StudyInputError(
                f"{grid_name} must hold at least one positive strength; got {grid!r}."
            )
    return run_dataset(
        as_dataset(X, y, name),
        task=task,
        output=output,
        quiet=quiet,
        print_tables=not quiet,
        n_alphas=n_alphas,
        n_folds=n_folds,
        validation_size=validation_size,
        l1_ratio=l1_ratio,
        random_state=random_state,
        mlp=mlp,
        mlp_epochs=mlp_epochs,
        mlp_hidden=mlp_hidden,
        mlp_learning_rate=mlp_learning_rate,
        mlp_weight_decays=tuple(float(v) for v in mlp_weight_decays),
        mlp_decoupled_weight_decays=tuple(
            float(v) for v in mlp_decoupled_weight_decays
        ),
        n_jobs=n_jobs,
    )
