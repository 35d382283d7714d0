"""Cross-validated choice of alpha: skdecay's path CV against GridSearchCV.

For each problem, the same grid of alphas (the one DecayLinearRegressorCV /
DecayLogisticClassifierCV builds), the same 5 shuffled folds and the same
scorer are given to

* skdecay's CV estimator (warm-started paths, one preparation per fold);
* GridSearchCV over the skdecay estimator (every alpha fitted from zero);
* scikit-learn's own CV estimator for that problem (LassoCV, ElasticNetCV,
  RidgeCV, LogisticRegressionCV), with its alphas or Cs mapped onto the same
  grid (see ``PEERS``).

It checks that skdecay's CV and GridSearchCV choose the same alpha, and
reports every time with its ratio to skdecay's. All fits run in this one
process, after a warm-up that compiles the Numba kernels; the methods are
timed in turn, ``--repeat`` rounds, and the median of each is reported, so
the ratios come from interleaved runs on the same (noisy) machine.

Run from the repository root::

    python benchmarks/bench_cv.py                    # 5 problems, 20k samples
    python benchmarks/bench_cv.py --problems lasso --repeat 1 --n-samples 2000
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    ElasticNetCV,
    LassoCV,
    LogisticRegressionCV,
    RidgeCV,
)
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

from skdecay import (
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayLogisticClassifierCV,
)

N_ALPHAS = 30
N_FOLDS = 5


def _regression(n_samples, n_features, seed):
    X, y = make_regression(
        n_samples=n_samples, n_features=n_features, n_informative=n_features // 10,
        effective_rank=n_features // 4, noise=1.0, random_state=seed,
    )  # fmt: skip
    return X, y


def _classification(n_samples, n_features, seed):
    return make_classification(
        n_samples=n_samples, n_features=n_features, n_informative=n_features // 5,
        n_redundant=n_features // 10, flip_y=0.05, random_state=seed,
    )  # fmt: skip


#: name -> (data maker, n_features, skdecay penalty kwargs, classifier?)
PROBLEMS = {
    "lasso": (_regression, 300, {"penalty": "l1"}, False),
    "enet": (_regression, 300, {"penalty": "elasticnet", "l1_ratio": 0.5}, False),
    "ridge": (_regression, 200, {"penalty": "l2"}, False),
    "logistic_l2": (_classification, 100, {"penalty": "l2"}, True),
    "logistic_l1": (_classification, 100, {"penalty": "l1"}, True),
}


def peers(name, alphas, n_train, folds, scoring):
    """scikit-learn's CV estimators on the same grid.

    Lasso and ElasticNet share skdecay's alpha. Ridge and
    LogisticRegression scale their penalty with the number of samples:
    alpha maps to ``Ridge(alpha * n)`` and ``C = 1 / (alpha * n)`` with
    ``n`` the training-fold size (exact for equal folds). RidgeCV is run
    twice: with the same folds (it then runs GridSearchCV over Ridge) and
    with its default, efficient leave-one-out (another criterion, for
    reference).
    """
    if name == "lasso":
        return {"LassoCV": LassoCV(alphas=alphas, cv=folds)}
    if name == "enet":
        return {"ElasticNetCV": ElasticNetCV(alphas=alphas, l1_ratio=0.5, cv=folds)}
    if name == "ridge":
        return {
            "RidgeCV(folds)": RidgeCV(
                alphas=alphas * n_train, cv=folds, scoring=scoring
            ),
            "RidgeCV(LOO)": RidgeCV(alphas=alphas * n_train),
        }
    penalty = "l1" if name == "logistic_l1" else "l2"
    solver = "saga" if penalty == "l1" else "lbfgs"
    return {
        f"LogisticRegressionCV({solver})": LogisticRegressionCV(
            Cs=1.0 / (alphas * n_train),
            cv=folds,
            scoring=scoring,
            l1_ratios=(1.0,) if penalty == "l1" else (0.0,),
            solver=solver,
            max_iter=1000,
        )
    }


def _timed(make, X, y):
    estimator = make()
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start, estimator


def run_problem(name, n_samples, repeat, seed, tol=None):
    maker, n_features, penalty, is_classifier = PROBLEMS[name]
    if tol is not None:
        # skdecay's CV and GridSearchCV over the skdecay estimator both
        # solve to this tol (the peers keep theirs).
        penalty = {**penalty, "tol": tol}
    X, y = maker(n_samples, n_features, seed)
    if is_classifier:
        folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed)
        scoring = "neg_log_loss"
        cv_class, base_class = DecayLogisticClassifierCV, DecayLogisticClassifier
    else:
        folds = KFold(N_FOLDS, shuffle=True, random_state=seed)
        scoring = "neg_mean_squared_error"
        cv_class, base_class = DecayLinearRegressorCV, DecayLinearRegressor

    # Warm-up: compile every kernel this problem uses. Enough rows that the
    # fits take the same route as the timed ones (a tall dense problem is
    # solved on its compressed form, by other compiled kernels).
    warm = min(len(y), 10 * (n_features + 1))
    cv_class(alphas=3, cv=2, **penalty).fit(X[:warm], y[:warm])

    def skdecay_cv():
        return cv_class(alphas=N_ALPHAS, cv=folds, scoring=scoring, **penalty)

    _, reference = _timed(skdecay_cv, X, y)
    alphas = reference.alphas_
    grid_params = {"alpha": list(alphas)}
    if "l1_ratio" in penalty:
        grid_params["l1_ratio"] = [penalty["l1_ratio"]]

    def grid_search():
        return GridSearchCV(
            base_class(**penalty), grid_params, cv=folds, scoring=scoring
        )

    n_train = n_samples - n_samples // N_FOLDS
    methods = {"skdecay CV": skdecay_cv, "GridSearchCV(skdecay)": grid_search}
    for label, estimator in peers(name, alphas, n_train, folds, scoring).items():
        methods[label] = lambda estimator=estimator: sklearn.base.clone(estimator)

    times = {label: [] for label in methods}
    chosen = {}
    for _ in range(repeat):
        for label, make in methods.items():
            seconds, fitted = _timed(make, X, y)
            times[label].append(seconds)
            chosen[label] = fitted
    grid = chosen["GridSearchCV(skdecay)"]
    same = grid.best_params_["alpha"] == chosen["skdecay CV"].alpha_
    mine = statistics.median(times["skdecay CV"])
    rows = []
    for label, values in times.items():
        seconds = statistics.median(values)
        rows.append((name, label, seconds, seconds / mine, _chosen_alpha(
            chosen[label], n_train
        )))  # fmt: skip
    return rows, same, (n_samples, n_features)


def _chosen_alpha(estimator, n_train):
    """The chosen penalty on skdecay's alpha scale."""
    if hasattr(estimator, "best_params_"):
        return estimator.best_params_["alpha"]
    if isinstance(estimator, RidgeCV):
        return estimator.alpha_ / n_train
    if isinstance(estimator, LogisticRegressionCV):
        return 1.0 / (float(np.ravel(estimator.C_)[0]) * n_train)
    return estimator.alpha_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tol", type=float, default=None,
        help="skdecay's tol (both its CV and GridSearchCV); default its own",
    )  # fmt: skip
    args = parser.parse_args(argv)

    warnings.simplefilter("ignore", ConvergenceWarning)
    # LogisticRegressionCV's announced change of attributes (C_ is read).
    warnings.simplefilter("ignore", FutureWarning)
    print(
        f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, scikit-learn {sklearn.__version__}; "
        f"{N_ALPHAS} alphas x {N_FOLDS} folds, median of {args.repeat}"
        + (f", skdecay tol={args.tol:g}" if args.tol is not None else "")
    )
    print()
    print("| problem | method | seconds | / skdecay CV | chosen alpha |")
    print("|---|---|---:|---:|---:|")
    for name in args.problems:
        rows, same, shape = run_problem(
            name, args.n_samples, args.repeat, args.seed, args.tol
        )
        for problem, label, seconds, ratio, alpha in rows:
            print(
                f"| {problem} {shape[0]}x{shape[1]} | {label} | {seconds:.3f} | "
                f"{ratio:.2f} | {alpha:.4g} |"
            )
        print(
            f"<!-- {name}: skdecay CV and GridSearchCV chose the same alpha: {same} -->"
        )


if __name__ == "__main__":
    main()
