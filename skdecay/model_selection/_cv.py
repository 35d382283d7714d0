"""Cross-validated estimators that choose alpha along warm-started paths.

For every split (and every ``l1_ratio``) the training fold's problem is
prepared once and solved along the whole grid of alphas, each solve starting
from the previous solution; every solution is scored on the validation fold
with any scikit-learn scorer. GridSearchCV with the same grid, splits and
scorer fits every alpha from scratch and so chooses the same alpha, more
slowly.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real
from typing import Literal, NamedTuple

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from numpy.typing import ArrayLike
from scipy.stats import rankdata
from sklearn import config_context
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core._penalties import Penalty, check_penalty_weights, make_penalty
from .._core._problem import (
    LeastSquaresMoments,
    least_squares_moments,
    path_compresses,
    prepare_problem,
)
from .._core._solvers import SOLVERS, resolve_solver
from .._core._solvers._common import one_blas_thread
from .._core._solvers._lockstep import LockstepProducts
from .._core._solvers._newton import newton
from .._estimator_utils import restore_state_on_error, weigh_classes
from .._sklearn_compat import (
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    _safe_indexing,
)
from .._typing import MatrixLike
from .._warnings import warn_user
from ..linear_model import DecayLinearRegressor, DecayLogisticClassifier
from ._path import (
    Unconverged,
    alpha_grid,
    check_alphas,
    encode_targets,
    not_converged_phrase,
    prepare_for_path,
    solve_path,
    unconverged,
    violation_phrase,
)
from ._path_scoring import path_metric, path_scores


def _refitted(cv_estimator) -> bool:
    """``available_if`` test: predictions need ``refit=True``."""
    if not cv_estimator.refit:
        raise AttributeError(
            f"{type(cv_estimator).__name__} was built with refit=False: it chose "
            "alpha_ but fitted no final model; set refit=True to predict."
        )
    return True


class FoldOutcome(NamedTuple):
    """What one training fold's path gives: scores and what did not converge."""

    test_scores: np.ndarray  # (n_alphas,)
    train_scores: np.ndarray | None  # (n_alphas,) with return_train_score
    unconverged: Unconverged
    seconds: float  # the fold's wall time, path and scoring
    # Each alpha's (coef, intercept) as the solver gave them, kept for the
    # refit's start on folds run in lockstep (see _BaseDecayCV._refit_start);
    # None elsewhere.
    solutions: list | None = None


def _fold_scores(
    base, X, y, Y, sample_weight, train, test, *, loss, alphas, penalty,
    solver, fallback, scorer, return_train_score, solution_params, unit_weights,
    moments=None, metric=None, lockstep=None,
):  # fmt: skip
    """Solve one training fold along ``alphas``; score every solution.

    Runs on a joblib worker (a thread, or a process on a cluster), so it
    never warns or prints: it returns a :class:`FoldOutcome`, and the CV
    estimator's ``fit`` reports from the calling thread. With ``moments``
    (the whole set's :class:`LeastSquaresMoments`) the fold's compressed
    problem comes from them, with no copy of its training rows. With
    ``metric`` (a :func:`._path_scoring.path_metric`) every solution is scored
    from one product with the validation rows instead of one scorer call
    each. With ``lockstep`` (a :class:`LockstepProducts` of ``X`` shared
    by the folds, each on its own thread) the path's products with the
    training rows are made by it, batched with the other folds'.
    """
    batch = None if lockstep is None else lockstep.member(train)
    try:
        return _solve_and_score(
            base, X, y, Y, sample_weight, train, test, loss=loss, alphas=alphas,
            penalty=penalty, solver=solver, fallback=fallback, scorer=scorer,
            return_train_score=return_train_score,
            solution_params=solution_params, unit_weights=unit_weights,
            moments=moments, metric=metric, batch=batch,
        )  # fmt: skip
    finally:
        if batch is not None:
            batch.leave()


def _solve_and_score(
    base, X, y, Y, sample_weight, train, test, *, loss, alphas, penalty,
    solver, fallback, scorer, return_train_score, solution_params, unit_weights,
    moments, metric, batch,
):  # fmt: skip
    """The body of :func:`_fold_scores`."""
    start = time.perf_counter()
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    if moments is not None:
        path_problem = _fold_moments(moments, X, Y, sample_weight, train, test)
        path_problem = path_problem.compress(
            fit_intercept=base.fit_intercept, solver=solver, dtype=X.dtype
        )
    else:
        X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
        weights = sample_weight[train]
        if is_classifier(base):
            # As a refit of the estimator on this fold would: 'balanced' is
            # computed from the fold's own labels.
            classes, index = np.unique(y_train, return_inverse=True)
            weights = weigh_classes(weights, base.class_weight, classes, y_train, index)
        path_problem = prepare_for_path(
            X_train, Y[train], weights, loss=loss, fit_intercept=base.fit_intercept,
            solver=solver, fallback=fallback,
        )  # fmt: skip
    results = solve_path(
        path_problem, penalty, alphas, max_iter=base.max_iter, tol=base.tol,
        batch=batch,
    )  # fmt: skip
    if batch is not None:
        batch.leave()  # the scoring below makes no batched products
    # One fitted model per alpha, as a refit would leave it, for the scorer.
    model = clone(base)
    model.n_features_in_ = X.shape[1]
    classes = None
    if is_classifier(model):
        classes = model.classes_ = np.unique(y)
    # Given weights count in the scores too, so that a weight is a repeat.
    test_weights = None if unit_weights else sample_weight[test]
    train_weights = None if unit_weights else sample_weight[train]
    if return_train_score and moments is not None:
        X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    sets = [(X_test, y_test, test_weights)]
    if return_train_score:
        sets.append((X_train, y_train, train_weights))
    scores = []
    for rows, targets, weights in sets:
        values = None
        if metric is not None:
            values = path_scores(metric, results, rows, targets, weights, classes)
        if values is None:
            values = _scores_one_by_one(
                scorer, model, results, rows, targets, weights, solution_params
            )
        scores.append(values)
    return FoldOutcome(
        scores[0],
        scores[1] if return_train_score else None,
        unconverged(path_problem, alphas, results),
        time.perf_counter() - start,
        [(r.coef, r.intercept) for r in results] if batch is not None else None,
    )


def _scores_one_by_one(scorer, model, results, X, y, weights, solution_params):
    """Each path solution set on ``model`` and scored by ``scorer``."""
    extra = {} if weights is None else {"sample_weight": weights}
    values = np.empty(len(results))
    # X, y and the weights were validated (finite) by fit, and each solution
    # is finite: the scorer's checks of them would only repeat that, for
    # every alpha.
    with config_context(assume_finite=True, skip_parameter_validation=True):
        for a, result in enumerate(results):
            model._set_solution(result.coef, result.intercept, **solution_params)
            values[a] = scorer(model, X, y, **extra)
    return values


def _fold_moments(moments, X, Y, sample_weight, train, test):
    """The :class:`LeastSquaresMoments` of the ``train`` rows: the whole
    set's minus the ``test`` rows' when the two split the rows between them
    (as every K-fold does), else summed over ``train``."""
    shift_and_scale = {
        "x_shift": moments.x_shift, "x_scale": moments.x_scale,
        "y_shift": moments.y_shift,
    }  # fmt: skip
    in_train = np.zeros(X.shape[0], dtype=bool)
    in_train[train] = True
    splits_rows = (
        len(train) + len(test) == X.shape[0]
        and np.count_nonzero(in_train) == len(train)
        and not np.any(in_train[test])
    )
    if not splits_rows:
        return LeastSquaresMoments.of(
            X, Y, sample_weight, rows=np.asarray(train), **shift_and_scale
        )
    held_out = LeastSquaresMoments.of(
        X, Y, sample_weight, rows=np.asarray(test), **shift_and_scale
    )
    return moments - held_out


def _check_training_classes(y, sample_weight, splits) -> None:
    """Raise, naming the fold, if a training fold has (positive weight on)
    a single class.

    A refit of the estimator on such a fold raises; GridSearchCV reports
    that error for every candidate (``error_score='raise'``) or scores the
    fold NaN for every one of them. A path would fit the fold silently and
    score a model of one class: the error is raised here instead, before
    any fold is solved.
    """
    for k, (train, _) in enumerate(splits):
        labels = np.asarray(y)[train]
        classes = np.unique(labels)
        weighted = np.unique(labels[np.asarray(sample_weight)[train] > 0])
        if len(classes) < 2 or len(weighted) < 2:
            reason = (
                f"contains only one class: {classes.tolist()[0]!r}"
                if len(classes) < 2
                else "gives positive weight to one class only: "
                f"{weighted.tolist()[0]!r}"
            )
            raise ValueError(
                f"Training fold {k + 1} of {len(splits)} ({len(train)} samples) "
                f"{reason}. The estimator cannot be fitted on it (it needs samples "
                "of at least 2 classes); use a stratified splitter (cv=int does "
                "stratify for a classifier) or fewer folds."
            )


def _run_lockstep(jobs: dict) -> dict:
    """Run the fold jobs each on its own thread, their products batched by
    the :class:`LockstepProducts` they share; results in the order of
    ``jobs``. Every job leaves the batch when done or failed, so that the
    others never wait for it."""
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {
            key: pool.submit(function, *args, **kwargs)
            for key, (function, args, kwargs) in jobs.items()
        }
    return {key: future.result() for key, future in futures.items()}


def _keyed(key, job):
    """Run a ``delayed`` job; return ``(key, its result)`` (results that
    arrive in any order say which job they are)."""
    function, args, kwargs = job
    return key, function(*args, **kwargs)


class _BaseDecayCV(BaseEstimator):
    """Path-based cross-validation shared by the regressor and the classifier."""

    _parameter_constraints: dict = {
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"})],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "penalty_weights": ["array-like", None],
        "eps": [Interval(Real, 0, 1, closed="right")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", *SOLVERS})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "selection": [StrOptions({"min", "1se"})],
        "refit": ["boolean"],
        "return_train_score": ["boolean"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    #: The estimator a candidate is, and the one refitted.
    _estimator_class: type

    def _base_estimator(self, alpha: float = 1.0, l1_ratio: float = 0.15):
        params = {
            name: getattr(self, name)
            for name in (
                "penalty", "penalty_weights", "fit_intercept", "solver", "max_iter",
                "tol",
            )
        }  # fmt: skip
        return self._estimator_class(alpha=alpha, l1_ratio=l1_ratio, **params)

    def _l1_ratios(self) -> np.ndarray:
        if self.penalty != "elasticnet":
            # 'l1_ratio' has no effect with these penalties: one path.
            return np.array([make_penalty(self.penalty, 1.0).l1_ratio])
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if ratios.ndim != 1 or ratios.size == 0 or np.any((ratios < 0) | (ratios > 1)):
            raise ValueError(
                f"l1_ratio must be a number or a list of numbers in [0, 1], got "
                f"{self.l1_ratio!r}."
            )
        return ratios

    def _grid(self, prepared, penalty: Penalty) -> np.ndarray:
        if isinstance(self.alphas, Integral):
            return alpha_grid(prepared, penalty, int(self.alphas), self.eps)
        return check_alphas(self.alphas)

    def _fit(self, X, y, sample_weight, groups, *, loss, Y, unit_weights):
        ratios = self._l1_ratios()
        weights = check_penalty_weights(self.penalty_weights, X.shape[1])
        penalty = "elasticnet" if self.penalty == "elasticnet" else self.penalty
        units = [make_penalty(penalty, 1.0, r, weights) for r in ratios]
        # One solver for every ratio (an l1_ratio of 0 has no L1 part, and
        # 'auto' would pick another method for it): 'fista' if they differ.
        choices = {
            resolve_solver(self.solver, loss, u.is_smooth, Y.shape[1], None)
            for u in units
        }
        solver, fallback = (
            choices.pop() if len(choices) == 1 else (SOLVERS["fista"], None)
        )
        # The grid comes from the whole training set, as in LassoCV, so that
        # every split is scored on the same alphas. It needs only the
        # gradient at the null model: the data prepared as they are, with no
        # layout copy.
        # Its products are matrix-vector products: one BLAS thread, as the
        # folds (a threaded one waits for its helper on a busy machine).
        with one_blas_thread():
            full = prepare_problem(
                X, Y, sample_weight, loss=loss, fit_intercept=self.fit_intercept,
                solver=None,
            )  # fmt: skip
            grids = np.array([self._grid(full, u) for u in units])
        cv = check_cv(self.cv, y, classifier=is_classifier(self))
        splits = list(cv.split(X, y, groups))
        if is_classifier(self):
            _check_training_classes(y, sample_weight, splits)
        scorer = check_scoring(self._base_estimator(), scoring=self.scoring)
        solution_params = {} if is_classifier(self) else {"multi_output": y.ndim > 1}
        # Dense least squares whose every fold compresses: one pass over X
        # for the whole set's moments; each fold subtracts its validation
        # rows' (see _fold_moments).
        moments = None
        if not is_classifier(self) and all(
            path_compresses(X, loss, len(train)) for train, _ in splits
        ):
            moments = least_squares_moments(
                X, Y, sample_weight, fit_intercept=self.fit_intercept
            )

        settings = {
            "loss": loss,
            "solver": solver,
            "fallback": fallback,
            "scorer": scorer,
            "return_train_score": self.return_train_score,
            "solution_params": solution_params,
            "unit_weights": unit_weights,
            "moments": moments,
            "metric": path_metric(self.scoring, is_classifier(self)),
            "lockstep": None,
        }
        n_jobs = len(ratios) * len(splits)
        if self._lockstep(X, solver, units, n_jobs):
            settings["lockstep"] = LockstepProducts(X, n_jobs)
        jobs = {
            (i, k): delayed(_fold_scores)(
                self._base_estimator(l1_ratio=r),
                X,
                y,
                Y,
                sample_weight,
                train,
                test,
                alphas=grids[i],
                penalty=units[i],
                **settings,
            )
            for i, r in enumerate(ratios)
            for k, (train, test) in enumerate(splits)
        }
        with settings["lockstep"] or contextlib.nullcontext():
            outcomes = self._run_folds(jobs, ratios, grids)
        n_splits = len(splits)
        self._warn_unconverged(outcomes, ratios)
        test = np.array([o.test_scores for o in outcomes.values()])
        test = test.reshape(len(ratios), n_splits, -1)
        self.cv_results_ = self._cv_results(ratios, grids, test, outcomes, n_splits)
        self.best_index_ = self._select(self.cv_results_, n_splits)
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        self.alpha_ = float(self.cv_results_["param_alpha"][self.best_index_])
        self.l1_ratio_ = float(self.cv_results_["param_l1_ratio"][self.best_index_])
        self.alphas_ = grids[0] if grids.shape[0] == 1 else grids
        self.n_splits_ = n_splits
        self.selection_ = self.selection
        if self.refit:
            if self.verbose:
                print(
                    f"{self._log_prefix()} chose {self._describe(self.best_index_)}"
                    f" (mean score {self.best_score_:.6g}); refitting on all "
                    f"{X.shape[0]} samples",
                    flush=True,
                )
            refit = self._base_estimator(alpha=self.alpha_, l1_ratio=self.l1_ratio_)
            refit.set_params(verbose=self.verbose)
            start = self._refit_start(outcomes, n_splits, grids.shape[1], y)
            # On one BLAS thread, as the folds: measured on 20000 x 100 (L2
            # logistic) on the 2-core machine, 27 ms either way when quiet,
            # 27-37 ms against 180-270 ms with two threads under load.
            with one_blas_thread():
                if start is not None:
                    self.best_estimator_ = self._refit_from(
                        refit, start, X, y, sample_weight
                    )
                else:
                    self.best_estimator_ = refit.fit(X, y, sample_weight=sample_weight)
            for name in ("coef_", "intercept_", "n_iter_", "loss_curve_"):
                setattr(self, name, getattr(self.best_estimator_, name))
        return self

    @staticmethod
    def _refit_from(refit, start, X, y, sample_weight):
        """``refit`` fitted from ``start`` (:meth:`_refit_start`), its
        ``warm_start`` left as it was."""
        classes, coef, intercept = start
        refit.set_params(warm_start=True)
        refit.classes_ = classes
        refit._set_solution(coef, intercept)
        try:
            refit.fit(X, y, sample_weight=sample_weight)
        finally:
            refit.set_params(warm_start=False)
        return refit

    def _refit_start(self, outcomes: dict, n_splits: int, n_alphas: int, y):
        """``(classes, coef, intercept)``: the mean of the folds' solutions
        at the chosen candidate, where the folds kept them (paths run in
        lockstep); else None.

        Every row is in all training folds but one, so the full set's mean
        loss is the mean of the folds' and its gradient at the folds' mean
        solution is zero to second order in their spread: the refit starts
        next to its solution and solves to the same ``tol``. Measured on
        20000 x 100 (L2 logistic, 5 folds): the start already within tol
        (one gradient, 6 ms) where the cold refit took 5 Newton steps
        (25 ms).
        """
        ratio, alpha = divmod(self.best_index_, n_alphas)
        folds = [outcomes.get((ratio, k)) for k in range(n_splits)]
        if not is_classifier(self) or any(
            fold is None or fold.solutions is None for fold in folds
        ):
            return None
        coef = np.mean([fold.solutions[alpha][0] for fold in folds], axis=0)
        intercept = np.mean([fold.solutions[alpha][1] for fold in folds], axis=0)
        if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
            return None
        return np.unique(y), coef, intercept

    def _run_folds(self, jobs: dict, ratios, grids) -> dict:
        """Run the fold jobs; their :class:`FoldOutcome` by ``(ratio, split)``,
        in the order of ``jobs``.

        With ``verbose`` a line per fold and l1_ratio is printed from this
        thread as each finishes (joblib's own messages from ``verbose=2``).

        The folds' BLAS runs on one thread: a path makes many small calls
        (a ``p x p`` eigendecomposition or factorisation per fold or alpha,
        products with a validation fold), where threads only add their
        synchronisation. Measured on the 2-core machine under load, a lasso
        CV of 20000 x 300 (30 alphas, 5 folds) took 18 s with OpenBLAS's two
        threads, 0.9 s with one.
        """
        with one_blas_thread():
            if any(job[2]["lockstep"] is not None for job in jobs.values()):
                return _run_lockstep(jobs)
            return self._run_fold_jobs(jobs, ratios, grids)

    def _lockstep(self, X, solver, units, n_jobs) -> bool:
        """Whether the folds' paths run in lockstep (see :mod:`._lockstep`):
        Newton paths of a logistic loss on dense ``X``, run one after the
        other otherwise (``n_jobs`` 1, no progress lines).

        Measured on 20000 x 100 (30 alphas, 5 folds, one BLAS thread): the
        products of the paths are most of their time, and one pass over
        ``X`` for the five folds' costs about what one fold's own does.
        """
        return (
            is_classifier(self)
            and n_jobs > 1
            and self.n_jobs in (None, 1)
            and not self.verbose
            and not sp.issparse(X)
            and solver.method is newton
            and all(u.is_smooth for u in units)
        )

    def _run_fold_jobs(self, jobs: dict, ratios, grids) -> dict:
        parallel = Parallel(
            n_jobs=self.n_jobs,
            prefer="threads",
            verbose=max(int(self.verbose) - 1, 0),
            return_as="generator_unordered" if self.verbose else "list",
        )
        keys = list(jobs)
        if not self.verbose:
            return dict(zip(keys, parallel(jobs.values()), strict=True))
        start = time.perf_counter()
        n_splits = len(keys) // len(ratios)
        done: dict = {}
        keyed = (delayed(_keyed)(key, job) for key, job in jobs.items())
        for key, outcome in parallel(keyed):
            done[key] = outcome
            self._print_fold(key, outcome, ratios, grids, n_splits, start)
        return {key: done[key] for key in keys}

    def _log_prefix(self) -> str:
        return f"[{type(self).__name__}]"

    def _describe(self, index: int) -> str:
        """``alpha=...`` (and ``l1_ratio=...``) of candidate ``index``."""
        alpha = float(self.cv_results_["param_alpha"][index])
        if self.penalty != "elasticnet":
            return f"alpha={alpha:.4g}"
        ratio = float(self.cv_results_["param_l1_ratio"][index])
        return f"alpha={alpha:.4g}, l1_ratio={ratio:g}"

    def _print_fold(self, key, outcome, ratios, grids, n_splits, start) -> None:
        """One verbose line: which fold finished, its best score, its time."""
        i, k = key
        where = f"fold {k + 1}/{n_splits}"
        if self.penalty == "elasticnet":
            where += f", l1_ratio={ratios[i]:g}"
        best = int(np.argmax(outcome.test_scores))
        line = (
            f"{self._log_prefix()} {where}: best score "
            f"{outcome.test_scores[best]:.6g} at alpha={grids[i][best]:.4g} "
            f"({len(grids[i])} alphas in {outcome.seconds:.2f} s; "
            f"{time.perf_counter() - start:.2f} s elapsed)"
        )
        if outcome.unconverged:
            line += (
                f"; {outcome.unconverged.n_failed} of "
                f"{outcome.unconverged.n_alphas} solves did not converge"
            )
        print(line, flush=True)

    def _warn_unconverged(self, outcomes: dict, ratios) -> None:
        """One ConvergenceWarning, from the calling thread, for every fold
        whose path left some alpha unconverged."""
        failed = {key: o.unconverged for key, o in outcomes.items() if o.unconverged}
        if not failed:
            return
        n_solves = sum(o.unconverged.n_alphas for o in outcomes.values())
        n_failed = sum(f.n_failed for f in failed.values())
        n_splits = len(outcomes) // len(ratios)
        where = []
        for i, ratio in enumerate(ratios):
            folds = ", ".join(
                f"fold {k + 1} ({f.n_failed} of {f.n_alphas} alphas)"
                for (j, k), f in failed.items()
                if j == i
            )
            if folds and self.penalty == "elasticnet":
                where.append(f"l1_ratio={ratio:g}: {folds}")
            elif folds:
                where.append(folds)
        smallest = min(f.smallest_alpha for f in failed.values())
        failures = list(failed.values())
        warn_user(
            f"{not_converged_phrase(failures, self.max_iter)} for {n_failed} of "
            f"the {n_solves} solves of the cross-validation paths "
            f"({n_splits} folds): {'; '.join(where)}. The smallest unconverged "
            f"alpha is {smallest:.3g} and {violation_phrase(failures, self.tol)}. "
            "Increase max_iter, loosen tol, or raise eps to stop the paths at a "
            "larger alpha.",
            ConvergenceWarning,
        )

    def _cv_results(self, ratios, grids, test, outcomes, n_splits) -> dict:
        """A ``cv_results_`` dict with GridSearchCV's keys and layout."""
        n_ratios, n_alphas = grids.shape
        flat_alphas = grids.ravel()
        flat_ratios = np.repeat(ratios, n_alphas)
        results: dict = {
            "param_alpha": np.ma.MaskedArray(flat_alphas, mask=False),
            "param_l1_ratio": np.ma.MaskedArray(flat_ratios, mask=False),
            "params": [
                {"alpha": float(a), "l1_ratio": float(r)}
                for a, r in zip(flat_alphas, flat_ratios, strict=True)
            ],
        }
        sets = {"test": test}
        if self.return_train_score:
            train = np.array([o.train_scores for o in outcomes.values()])
            train = train.reshape(n_ratios, n_splits, -1)
            sets["train"] = train
        for name, scores in sets.items():
            per_split = scores.transpose(1, 0, 2).reshape(n_splits, -1)
            for k in range(n_splits):
                results[f"split{k}_{name}_score"] = per_split[k]
            results[f"mean_{name}_score"] = per_split.mean(axis=0)
            results[f"std_{name}_score"] = per_split.std(axis=0)
        # As GridSearchCV: rank 1 is best, ties share the smaller rank.
        results["rank_test_score"] = rankdata(
            -results["mean_test_score"], method="min"
        ).astype(np.int32)
        return results

    def _select(self, results: dict, n_splits: int) -> int:
        """Index of the chosen candidate under ``selection``.

        'min' takes the best mean validation score (the first candidate of
        the best, as GridSearchCV); '1se' takes, among the alphas of the
        best candidate's ``l1_ratio``, the largest alpha whose mean score is
        within one standard error (std / sqrt(n_splits)) of the best.
        """
        mean = results["mean_test_score"]
        if not np.all(np.isfinite(mean)):
            raise ValueError(
                "Some validation scores are not finite; check the scorer and the "
                "data (e.g. a fold with a single class)."
            )
        best = int(np.argmin(results["rank_test_score"]))
        if self.selection == "min":
            return best
        threshold = mean[best] - results["std_test_score"][best] / np.sqrt(n_splits)
        ratios = results["param_l1_ratio"]
        alphas = results["param_alpha"]
        candidates = np.flatnonzero((ratios == ratios[best]) & (mean >= threshold))
        return int(candidates[np.argmax(alphas[candidates])])

    @available_if(_refitted)
    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predict with the model refitted at ``alpha_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predictions of ``best_estimator_``.
        """
        check_is_fitted(self)
        return self.best_estimator_.predict(X)


_CV_PARAMETERS_DOC = r"""
    alphas : int or array-like of shape (n_alphas,), default=100
        The grid: a number of alphas, log-spaced from the smallest alpha that
        zeroes every coefficient (for pure weight decay, glmnet's convention,
        see :func:`~skdecay.decay_path`) down to ``eps`` times it, computed on
        the whole training set; or the alphas themselves.

    penalty : {'l2', 'l1', 'elasticnet'}, default='l2'
        As in the estimator; 'elasticnet' uses ``l1_ratio``.

    l1_ratio : float or array-like of float, default=0.15
        The elastic-net mixing; a list is searched too (one path each). Used
        only with ``penalty='elasticnet'``.

    penalty_weights : array-like of shape (n_features,), default=None
        A non-negative weight per feature that multiplies its penalty, as in
        the estimator; 0 leaves a feature unpenalised. The grid's top is
        computed with those features fitted.

    eps : float, default=1e-3
        Ratio of the smallest to the largest alpha when ``alphas`` is an int
        (pure weight decay spans three decades more, see
        :func:`~skdecay.decay_path`).

    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.

    solver : {'auto', 'gd', 'fista', 'cd', 'newton', 'prox_newton'}, default='auto'
        The solver of every path and of the refit; 'auto' applies the
        estimator's rule.

    max_iter : int, default=1000
        Iteration limit of each solve.

    tol : float, default=1e-4
        Relative stopping tolerance of each solve.

    cv : int, cross-validation generator or iterable, default=None
        Any scikit-learn splitter: None is 5-fold, an int the number of
        folds (stratified for the classifier), or an iterable of
        ``(train, test)`` index arrays.

    scoring : str or callable, default=None
        Any scikit-learn scorer name or callable ``scorer(estimator, X, y)``;
        None uses the estimator's ``score``.

    selection : {'min', '1se'}, default='min'
        'min' chooses the best mean validation score; '1se' the largest alpha
        whose mean score is within one standard error of the best (the
        one-standard-error rule of Hastie, Tibshirani and Friedman), which
        trades a little score for a simpler, more regularised model.

    refit : bool, default=True
        Refit on the whole training set at the chosen alpha (needed to
        predict).

    return_train_score : bool, default=False
        Also score every solution on its training fold (the train curve of
        :class:`~skdecay.DecayCVCurveDisplay`).

    n_jobs : int, default=None
        Splits (times l1_ratios) solved in parallel, on threads: the compiled
        solvers release the GIL. None means 1 unless in a
        :func:`joblib.parallel_backend` context (Dask's included).

    verbose : int, default=0
        1 prints a line as each fold (and l1_ratio) finishes: its best
        validation score, at which alpha, and the time; then the chosen alpha
        and the refit's progress (see the estimator's ``verbose``). 2 and more
        also print joblib's messages."""

_CV_ATTRIBUTES_DOC = r"""
    alpha_ : float
        The chosen alpha.

    l1_ratio_ : float
        The chosen l1_ratio (0 for 'l2', 1 for 'l1').

    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratios, n_alphas)
        The grid, in decreasing order (one row per l1_ratio for a list).

    cv_results_ : dict of ndarrays
        GridSearchCV's keys and layout, one entry per (l1_ratio, alpha)
        candidate (l1_ratio outer, alphas decreasing): ``param_alpha``,
        ``param_l1_ratio``, ``params``, ``split{k}_test_score``,
        ``mean_test_score``, ``std_test_score``, ``rank_test_score`` and,
        with ``return_train_score``, the ``train`` counterparts.

    best_index_ : int
        Index of the chosen candidate in ``cv_results_``.

    best_score_ : float
        Its mean validation score.

    selection_ : str
        The selection rule used.

    n_splits_ : int
        Number of cross-validation splits.

    best_estimator_ : estimator
        The model refitted at ``alpha_`` (with ``refit=True``).

    n_iter_ : int
        Iterations of the refit.

    loss_curve_ : ndarray of shape (`n_iter_`,)
        The objective along the refit.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names."""


class DecayLinearRegressorCV(RegressorMixin, _BaseDecayCV):
    __doc__ = (
        r"""Linear regression with weight decay, L1 or elastic net; alpha by CV.

    Chooses ``alpha`` (and ``l1_ratio``) of :class:`~skdecay.DecayLinearRegressor`
    by cross-validation along warm-started regularisation paths, then refits
    at the chosen value. It minimises the same objective,

    .. math::

        \frac{1}{\sum_i s_i} \sum_i s_i \, \tfrac12 (y_i - x_i^\top w - b)^2
        + \alpha \Big( \rho \|w\|_1 + \frac{1 - \rho}{2} \|w\|_2^2 \Big).

    Read more in the :ref:`User Guide <paths>`.

    Parameters
    ----------"""
        + _CV_PARAMETERS_DOC
        + r"""

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients of the refitted model.

    intercept_ : float or ndarray of shape (n_targets,)
        Its intercept."""
        + _CV_ATTRIBUTES_DOC
        + r"""

    See Also
    --------
    DecayLinearRegressor : The estimator at one alpha.
    decay_path : The path itself.
    sklearn.linear_model.RidgeCV : ``Ridge(alpha=a)`` is ``alpha=a / n_samples``
        here.
    sklearn.linear_model.LassoCV : The same alphas with ``penalty='l1'``.
    sklearn.linear_model.ElasticNetCV : The same alphas and l1_ratio.

    Notes
    -----
    Each split's problem is prepared once (layout, column moments, the
    gradient at zero) and solved along the grid from the largest alpha,
    each solve starting from the previous solution; GridSearchCV over the
    same grid, splits and scorer fits every alpha from zero and chooses the
    same alpha.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skdecay import DecayLinearRegressorCV
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = DecayLinearRegressorCV(penalty="l1", alphas=20, cv=5).fit(X, y)
    >>> reg.alphas_.shape, reg.cv_results_["mean_test_score"].shape
    ((20,), (20,))
    >>> bool(reg.alpha_ in reg.alphas_)
    True
    >>> round(reg.score(X, y), 2)
    0.52
    """
    )

    _estimator_class = DecayLinearRegressor

    def __init__(
        self,
        *,
        alphas: int | ArrayLike = 100,
        penalty: Literal["l2", "l1", "elasticnet"] = "l2",
        l1_ratio: float | ArrayLike = 0.15,
        penalty_weights: ArrayLike | None = None,
        eps: float = 1e-3,
        fit_intercept: bool = True,
        solver: str = "auto",
        max_iter: int = 1000,
        tol: float = 1e-4,
        cv=None,
        scoring=None,
        selection: Literal["min", "1se"] = "min",
        refit: bool = True,
        return_train_score: bool = False,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.alphas = alphas
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.eps = eps
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.refit = refit
        self.return_train_score = return_train_score
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        groups: ArrayLike | None = None,
    ) -> DecayLinearRegressorCV:
        """Choose alpha by cross-validation and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; CSR and CSC matrices are used without densifying.

        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, used by the paths, the refit and the
            scorer (on both folds), so that an integer weight counts as that
            many repeats, as in LassoCV. (GridSearchCV passes them to the
            scorer only through metadata routing.)

        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
            multi_output=True, y_numeric=True,
        )  # fmt: skip
        unit_weights = sample_weight is None
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        Y, _, _ = encode_targets(y, "squared", X.dtype)
        return self._fit(
            X, y, sample_weight, groups, loss="squared", Y=Y, unit_weights=unit_weights
        )


class DecayLogisticClassifierCV(ClassifierMixin, _BaseDecayCV):
    __doc__ = (
        r"""Logistic regression with weight decay, L1 or elastic net; alpha by CV.

    Chooses ``alpha`` (and ``l1_ratio``) of
    :class:`~skdecay.DecayLogisticClassifier` by cross-validation along
    warm-started regularisation paths, then refits at the chosen value: the
    binary log-loss for two classes, the multinomial cross-entropy for more,
    plus :math:`\alpha (\rho \|W\|_1 + \frac{1 - \rho}{2} \|W\|_2^2)`.

    Read more in the :ref:`User Guide <paths>`.

    Parameters
    ----------"""
        + _CV_PARAMETERS_DOC
        + r"""

    class_weight : dict, 'balanced' or None, default=None
        As in :class:`~skdecay.DecayLogisticClassifier`; 'balanced' is
        computed on each training fold, as a refit on that fold would.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the refitted model.

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Its intercepts."""
        + _CV_ATTRIBUTES_DOC
        + r"""

    See Also
    --------
    DecayLogisticClassifier : The estimator at one alpha.
    decay_path : The path itself.
    sklearn.linear_model.LogisticRegressionCV : ``C=c`` is
        ``alpha=1 / (c * n_samples)`` here.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdecay import DecayLogisticClassifierCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(), DecayLogisticClassifierCV(alphas=10, selection="1se")
    ... ).fit(X, y)
    >>> cv = clf[-1]
    >>> cv.cv_results_["mean_test_score"].shape
    (10,)
    >>> bool(cv.alpha_ >= cv.alphas_[cv.cv_results_["rank_test_score"].argmin()])
    True
    """
    )

    _estimator_class = DecayLogisticClassifier
    _parameter_constraints: dict = {
        **_BaseDecayCV._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        *,
        alphas: int | ArrayLike = 100,
        penalty: Literal["l2", "l1", "elasticnet"] = "l2",
        l1_ratio: float | ArrayLike = 0.15,
        penalty_weights: ArrayLike | None = None,
        eps: float = 1e-3,
        fit_intercept: bool = True,
        solver: str = "auto",
        max_iter: int = 1000,
        tol: float = 1e-4,
        cv=None,
        scoring=None,
        selection: Literal["min", "1se"] = "min",
        refit: bool = True,
        return_train_score: bool = False,
        class_weight: dict | Literal["balanced"] | None = None,
        n_jobs: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.alphas = alphas
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.penalty_weights = penalty_weights
        self.eps = eps
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.scoring = scoring
        self.selection = selection
        self.refit = refit
        self.return_train_score = return_train_score
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _base_estimator(self, alpha: float = 1.0, l1_ratio: float = 0.15):
        model = super()._base_estimator(alpha, l1_ratio)
        return model.set_params(class_weight=self.class_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        groups: ArrayLike | None = None,
    ) -> DecayLogisticClassifierCV:
        """Choose alpha by cross-validation and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; CSR and CSC matrices are used without densifying.

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, used by the paths, the refit and the
            scorer (on both folds), so that an integer weight counts as that
            many repeats, as in LassoCV. (GridSearchCV passes them to the
            scorer only through metadata routing.)

        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32]
        )
        unit_weights = sample_weight is None
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        Y, classes, loss = encode_targets(y, None, X.dtype)
        self.classes_ = classes
        return self._fit(
            X, y, sample_weight, groups, loss=loss, Y=Y, unit_weights=unit_weights
        )

    @available_if(_refitted)
    def decision_function(self, X: MatrixLike) -> np.ndarray:
        """Linear predictor of the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            As :meth:`DecayLogisticClassifier.decision_function`.
        """
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X)

    @available_if(_refitted)
    def predict_proba(self, X: MatrixLike) -> np.ndarray:
        """Class probabilities of the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)

    @available_if(_refitted)
    def predict_log_proba(self, X: MatrixLike) -> np.ndarray:
        """Log class probabilities of the refitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_log_proba(X)
