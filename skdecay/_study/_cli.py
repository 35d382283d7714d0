"""``skdecay study``: the command-line face of :func:`skdecay.study`."""

from __future__ import annotations

import argparse

DESCRIPTION = """\
Measure what weight decay does on a dataset and write a report: scores with
and without decay (train and held-out validation) and fit times; the
cross-validated decay-strength table (scores, weight norm, share of non-zero
weights); none vs L2 vs L1 vs elastic net; the same problems solved by
scikit-learn; with --mlp, a network trained epoch by epoch with coupled and
decoupled decay; and the pictures (path, CV curve, weights during training,
loss curves). Writes report.html (self-contained), report.md, one CSV per
table and the figures into the output folder, and prints the tables.
"""

EPILOG = """\
examples:
  skdecay study breast_cancer
  skdecay study diabetes --mlp --output diabetes-report
  skdecay study houses.csv --target price --task regression

Needs the report extra: pip install "skdecay[report]".
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``study`` on the ``skdecay`` command's subparsers."""
    from ._api import BUNDLED

    parser = subparsers.add_parser(
        "study",
        help="measure what weight decay does on a dataset and write a report",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source",
        metavar="DATASET",
        help=(
            "a dataset shipped with scikit-learn ("
            + ", ".join(BUNDLED)
            + "; california_housing only if already in the local cache, it is "
            "never downloaded), or a .csv, .tsv, .parquet or .pq file"
        ),
    )
    parser.add_argument(
        "--target",
        metavar="COLUMN",
        help="the target column of a CSV or Parquet file (required for files)",
    )
    parser.add_argument(
        "--task",
        choices=("classification", "regression"),
        help=(
            "force the task; by default type_of_target infers it (a numeric "
            "target with more than 20 distinct values is a regression)"
        ),
    )
    parser.add_argument(
        "--mlp",
        action="store_true",
        help=(
            "also study a one-hidden-layer network trained epoch by epoch with "
            "coupled and decoupled (AdamW) decay, and L1"
        ),
    )
    parser.add_argument(
        "--output",
        metavar="DIR",
        help=(
            "the report's folder (default: skdecay-study-NAME in the current "
            "folder); an existing one is replaced only if it holds nothing but a "
            "previous report"
        ),
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar and no tables; print only the report's path",
    )
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the validation split, the folds and the networks (default 0)",
    )
    parser.add_argument(
        "--alphas",
        type=int,
        default=30,
        metavar="N",
        help="number of alphas of each cross-validated path (default 30)",
    )
    parser.add_argument(
        "--folds",
        type=int,
        default=5,
        metavar="K",
        help="cross-validation folds inside the training part (default 5)",
    )
    parser.add_argument(
        "--validation-size",
        type=float,
        default=0.25,
        metavar="SHARE",
        help="share of the samples held out for validation (default 0.25)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=100,
        metavar="E",
        help="epochs of every network fit, with --mlp (default 100)",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the study the arguments describe; the exit status."""
    import sys

    from ._api import require_report_extra

    try:
        require_report_extra()
    except ImportError as error:
        print(f"skdecay study: {error}", file=sys.stderr)
        return 1
    from .._sklearn_compat import InvalidParameterError
    from ._api import run_dataset
    from ._data import StudyInputError, load_source

    try:
        for option, value, low in (
            ("--alphas", args.alphas, 2),
            ("--folds", args.folds, 2),
            ("--epochs", args.epochs, 1),
        ):
            if value < low:
                raise StudyInputError(f"{option} must be at least {low}; got {value}.")
        if not 0 < args.validation_size < 1:
            raise StudyInputError(
                "--validation-size must be between 0 and 1; got "
                f"{args.validation_size}."
            )
        if args.random_state < 0:
            raise StudyInputError("--random-state must be a non-negative integer.")
        dataset = load_source(args.source, args.target)
        result = run_dataset(
            dataset,
            task=args.task,
            output=args.output,
            quiet=args.quiet,
            print_tables=not args.quiet,
            n_alphas=args.alphas,
            n_folds=args.folds,
            validation_size=args.validation_size,
            random_state=args.random_state,
            mlp=args.mlp,
            mlp_epochs=args.epochs,
        )
    except (StudyInputError, InvalidParameterError) as error:
        print(f"skdecay study: error: {error}", file=sys.stderr)
        return 2
    if args.quiet:
        print(result.html)
    return 0
