"""The study's input: a bundled dataset or a table, its task and its encoding.

Everything here checks the input before any model is fitted, so that a bad
input fails fast with a message that names what is available.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.multiclass import type_of_target

from ._api import BUNDLED

TABLE_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet"}

#: A numeric target with more distinct values than this is read as a
#: quantity, not as class labels (type_of_target calls any integer-valued
#: column 'multiclass', e.g. diabetes' progression scores).
MAX_NUMERIC_CLASSES = 20

#: One-hot encoding keeps at most this many categories per column (the rarer
#: ones are grouped), so an identifier column cannot explode the design.
MAX_CATEGORIES = 20


class StudyInputError(ValueError):
    """The study's input cannot be used; the message says why and what to do."""


@dataclass
class Dataset:
    """A table of features, its target and where they came from."""

    name: str
    X: pd.DataFrame
    y: pd.Series
    source: str
    task: str | None = None  # known for bundled datasets
    notes: list[str] = field(default_factory=list)


def _list_names(names, limit: int = 40) -> str:
    names = [repr(str(n)) for n in names]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f", ... ({len(names) - limit} more)"
    return ", ".join(names)


def load_bundled(name: str) -> Dataset:
    """A dataset shipped with scikit-learn, as a DataFrame; never downloads."""
    import sklearn.datasets

    loader_name, task = BUNDLED[name]
    loader = getattr(sklearn.datasets, loader_name)
    if loader_name.startswith("fetch_"):
        try:
            bunch = loader(as_frame=True, download_if_missing=False)
        except OSError as error:
            raise StudyInputError(
                f"{name!r} is not shipped with scikit-learn and is not in the local "
                f"cache ({sklearn.datasets.get_data_home()}); the study never "
                'downloads. Fetch it once yourself (python -c "from '
                f'sklearn.datasets import {loader_name}; {loader_name}()"), or '
                "study a bundled dataset or a CSV file."
            ) from error
    else:
        bunch = loader(as_frame=True)
    X, y = bunch.frame.drop(columns=bunch.target.name), bunch.target
    names = getattr(bunch, "target_names", None)
    if task == "classification" and names is not None:
        # Readable class labels ('malignant', 'benign') instead of codes.
        y = pd.Series(np.asarray(names)[y.to_numpy()], name=y.name, index=y.index)
    return Dataset(name, X, y, source=f"sklearn.datasets.{loader_name}", task=task)


def load_table(path: str | Path, target: str | None) -> Dataset:
    """A CSV or Parquet file, split into features and the ``target`` column."""
    path = Path(path)
    kind = TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise StudyInputError(
            f"Cannot read {str(path)!r}: the study reads .csv, .tsv, .parquet and "
            ".pq files."
        )
    if kind == "parquet":
        try:
            frame = pd.read_parquet(path)
        except ImportError as error:
            raise StudyInputError(
                f"Reading the Parquet file {str(path)!r} needs pyarrow: "
                'pip install pyarrow (or pip install "skdecay[report]" pyarrow).'
            ) from error
    else:
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        try:
            frame = pd.read_csv(path, sep=sep)
        except pd.errors.EmptyDataError as error:
            raise StudyInputError(f"{str(path)!r} is empty.") from error
    frame.columns = [str(c) for c in frame.columns]
    if target is None:
        raise StudyInputError(
            f"Which column of {path.name!r} is the target? Pass --target COLUMN; "
            f"its columns are {_list_names(frame.columns)}."
        )
    if target not in frame.columns:
        close = difflib.get_close_matches(target, list(frame.columns), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise StudyInputError(
            f"{path.name!r} has no column {target!r}.{hint} Its columns are "
            f"{_list_names(frame.columns)}."
        )
    X = frame.drop(columns=target)
    if X.shape[1] == 0:
        raise StudyInputError(
            f"{path.name!r} has no column besides the target {target!r}: there "
            "is nothing to learn from."
        )
    return Dataset(path.stem, X, frame[target], source=str(path))


def load_source(source: str, target: str | None = None) -> Dataset:
    """What the command line names: a bundled dataset or a table file."""
    if source in BUNDLED:
        if target is not None:
            raise StudyInputError(
                f"{source!r} is a dataset shipped with scikit-learn, with its own "
                "target; --target is for CSV and Parquet files."
            )
        return load_bundled(source)
    path = Path(source)
    if path.is_file():
        return load_table(path, target)
    raise StudyInputError(
        f"{source!r} is neither a dataset shipped with scikit-learn "
        f"({', '.join(BUNDLED)}) nor a file."
    )


def as_dataset(X, y, name: str) -> Dataset:
    """``X`` and ``y`` given to :func:`skdecay.study` as a Dataset."""
    if isinstance(X, pd.DataFrame):
        X = X.copy()
        X.columns = [str(c) for c in X.columns]
    else:
        X = np.asarray(X)
        if X.ndim != 2:
            raise StudyInputError(
                f"X must be 2-D (n_samples, n_features); got shape {X.shape}."
            )
        X = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise StudyInputError(
                f"The study takes one target column; y has {y.shape[1]}."
            )
        y = y.iloc[:, 0]
    if not isinstance(y, pd.Series):
        y = np.asarray(y)
        if y.ndim != 1:
            raise StudyInputError(
                f"The study takes one target column; y has shape {y.shape}."
            )
        y = pd.Series(y, name="target")
    if len(X) != len(y):
        raise StudyInputError(
            f"X has {len(X)} rows but y has {len(y)}: they must match."
        )
    y = y.set_axis(X.index)
    return Dataset(name, X, y, source="arrays given to skdecay.study")


def infer_task(y: pd.Series, forced: str | None, known: str | None) -> tuple[str, str]:
    """The task and a sentence saying how it was decided.

    The target must hold at least two distinct values.
    """
    values = y.to_numpy()
    distinct = pd.unique(values)
    if len(distinct) < 2:
        raise StudyInputError(
            f"The target {str(y.name)!r} holds a single value ({distinct[0]!r}) in "
            f"all {len(values)} rows: a model needs at least two classes (or two "
            "different values) to learn anything."
        )
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    kind = type_of_target(values if numeric else values.astype(str))
    if forced is not None:
        if forced == "regression" and not numeric:
            raise StudyInputError(
                f"--task regression needs a numeric target; {str(y.name)!r} holds "
                f"labels such as {distinct[0]!r}."
            )
        if forced == "classification" and kind not in ("binary", "multiclass"):
            raise StudyInputError(
                f"--task classification needs class labels; {str(y.name)!r} is "
                f"{kind!r} (type_of_target)."
            )
        return forced, f"{forced} (forced; type_of_target says {kind!r})"
    if known is not None:
        return known, f"{known} (the dataset's own task)"
    if kind == "continuous":
        return "regression", "regression (type_of_target: 'continuous')"
    if kind == "binary":
        return "classification", "classification (type_of_target: 'binary')"
    if kind == "multiclass":
        if numeric and len(distinct) > MAX_NUMERIC_CLASSES:
            return "regression", (
                f"regression (type_of_target: 'multiclass', but {len(distinct)} "
                "distinct numbers read as a quantity; force with --task)"
            )
        return "classification", "classification (type_of_target: 'multiclass')"
    raise StudyInputError(
        f"The target {str(y.name)!r} is {kind!r} (type_of_target); the study "
        "handles one column of class labels or numbers."
    )


def column_kinds(X: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """Numeric, categorical and unusable (dropped) columns."""
    numeric, categorical, dropped = [], [], []
    for name, column in X.items():
        if pd.api.types.is_bool_dtype(column):
            categorical.append(name)
        elif pd.api.types.is_numeric_dtype(column):
            numeric.append(name)
        elif isinstance(column.dtype, pd.CategoricalDtype) or (
            pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
        ):
            categorical.append(name)
        else:
            dropped.append(name)
    return numeric, categorical, dropped


def make_preprocessor(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    """Scale numeric columns and one-hot encode categorical ones."""
    transformers = []
    if numeric:
        transformers.append(
            (
                "numeric",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median")),
                        ("scale", StandardScaler()),
                    ]
                ),
                numeric,
            )
        )
    if categorical:
        transformers.append(
            (
                "categorical",
                Pipeline(
                    [
                        (
                            "impute",
                            SimpleImputer(strategy="most_frequent"),
                        ),
                        (
                            "one_hot",
                            OneHotEncoder(
                                handle_unknown="infrequent_if_exist",
                                max_categories=MAX_CATEGORIES,
                                sparse_output=False,
                            ),
                        ),
                    ]
                ),
                categorical,
            )
        )
    return ColumnTransformer(transformers, verbose_feature_names_out=False)


@dataclass
class Prepared:
    """The encoded training and validation parts, ready for the models."""

    X_train: np.ndarray
    X_val: np.ndarray
    y_train: np.ndarray  # numbers, or class indices 0 .. n_classes - 1
    y_val: np.ndarray
    task: str
    task_reason: str
    feature_names: list[str]
    classes: np.ndarray | None
    preprocessor: ColumnTransformer
    numeric: list[str]
    categorical: list[str]
    notes: list[str]


def prepare(
    data: Dataset,
    *,
    task: str | None,
    validation_size: float,
    n_folds: int,
    random_state: int,
) -> Prepared:
    """Check the data, choose the task, split it and encode the features.

    The encoder is fitted on the training part only; the validation part is
    only ever transformed and scored.
    """
    notes = list(data.notes)
    X, y = data.X, data.y
    missing = y.isna().to_numpy()
    if missing.all():
        raise StudyInputError(f"The target {str(y.name)!r} has no values.")
    if missing.any():
        k = int(missing.sum())
        notes.append(
            f"{k} row{'s' if k > 1 else ''} without a target value "
            f"{'were' if k > 1 else 'was'} left out."
        )
        X, y = X.loc[~missing], y.loc[~missing]
        values = y.to_numpy()
        if pd.api.types.is_float_dtype(y) and np.all(values == np.round(values)):
            # Integer labels that became floats because of the missing values.
            y = y.astype(np.int64)
    task, reason = infer_task(y, task, data.task)
    numeric, categorical, dropped = column_kinds(X)
    if dropped:
        notes.append(f"Columns of other types were left out: {_list_names(dropped)}.")
    if not numeric and not categorical:
        raise StudyInputError(
            "No numeric or categorical feature column is left to learn from."
        )
    X = X[numeric + categorical].copy()
    for name in categorical:
        # One encoder input type: labels as strings, missing values kept.
        column = X[name].astype(object)
        X[name] = column.astype(str).where(column.notna(), np.nan).astype(object)
    n_missing = int(X.isna().to_numpy().sum())
    if n_missing:
        notes.append(
            f"{n_missing} missing feature values were imputed (median for numbers, "
            "most frequent value for categories), as fitted on the training part."
        )

    classes = None
    stratify = None
    if task == "classification":
        labels = y.astype(str) if not pd.api.types.is_numeric_dtype(y) else y
        classes, codes = np.unique(labels.to_numpy(), return_inverse=True)
        counts = np.bincount(codes)
        if counts.min() < 2:
            rare = classes[counts < 2]
            raise StudyInputError(
                f"The class(es) {_list_names(rare)} of {str(y.name)!r} have a "
                "single sample: a held-out validation split and cross-validation "
                "need at least 2 samples of every class."
            )
        target = codes
        stratify = codes
    else:
        target = pd.to_numeric(y, errors="raise").to_numpy(dtype=np.float64)
    n_samples = len(target)
    n_val = int(np.ceil(validation_size * n_samples))
    n_train = n_samples - n_val
    if n_train < 2 * n_folds or n_val < 2:
        raise StudyInputError(
            f"{n_samples} samples are too few: the study holds out "
            f"{validation_size:.0%} for validation and runs {n_folds}-fold "
            f"cross-validation on the rest (at least {2 * n_folds} samples)."
        )
    try:
        X_train, X_val, y_train, y_val = train_test_split(
            X, target, test_size=validation_size, stratify=stratify,
            random_state=random_state,
        )  # fmt: skip
    except ValueError as error:
        raise StudyInputError(
            f"Cannot hold out a stratified validation split: {error}"
        ) from error
    preprocessor = make_preprocessor(numeric, categorical)
    Z_train = preprocessor.fit_transform(X_train)
    Z_val = preprocessor.transform(X_val)
    try:
        names = preprocessor.get_feature_names_out()
    except ValueError:
        # Short names collide (a column 'a_b', and a column 'a' holding 'b'):
        # prefix each with its transformer's name instead.
        preprocessor.set_params(verbose_feature_names_out=True)
        names = preprocessor.get_feature_names_out()
    names = [str(n) for n in names]
    return Prepared(
        X_train=np.ascontiguousarray(Z_train, dtype=np.float64),
        X_val=np.ascontiguousarray(Z_val, dtype=np.float64),
        y_train=np.asarray(y_train),
        y_val=np.asarray(y_val),
        task=task,
        task_reason=reason,
        feature_names=names,
        classes=classes,
        preprocessor=preprocessor,
        numeric=numeric,
        categorical=categorical,
        notes=notes,
    )
