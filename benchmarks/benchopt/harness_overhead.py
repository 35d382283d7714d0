"""Where a fit's time goes inside benchopt's sampling loop, and why.

Usage (in the benchopt venv, see README.md)::

    python benchmarks/benchopt/harness_overhead.py [--problem lasso] [--repeat 15]

benchopt times every point of a curve as a *separate* call of
``Solver.run(n_iter)``: a fresh fit with ``max_iter = n_iter`` and
``tol = 0``. A direct measurement usually times one fit to convergence and
divides, or reads the first iteration off a converged fit. This script
builds the benchmark's own problem (same generator, seed, layout and dtype
as the benchmark's ``Simulated`` dataset) and times skdecay's fit, and its
peers', under each condition the harness could differ in:

* ``fit(max_iter=k, tol=0)`` (what benchopt times) against ``tol`` reached
  and the per-iteration cost of one long fit;
* the input: Fortran order as the dataset makes it, a C-ordered copy, a
  read-only view (joblib's memmaps are read-only), ``y`` as int64;
* a new estimator per call against one reused;
* work the harness does between two timed calls (evaluating the objective,
  hashing the arguments for its cache) and garbage collection;
* BLAS threads (1 against the default);
* Numba compilation inside the timed calls: a listener counts compile
  events after the warm-up fit.

It also prints a profile of one ``max_iter=1`` fit (the fixed cost every
point of a benchopt curve pays).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time
import warnings

import numpy as np
from benchopt.datasets.simulated import make_correlated_data
from numba.core import event
from sklearn.exceptions import ConvergenceWarning

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def lasso_problem(n_samples=100, n_features=10_000, rho=0.6, reg=0.1, intercept=False):
    """benchmark_lasso's Simulated dataset (seed 27) and its lambda."""
    rng = np.random.RandomState(27)
    X, y, _ = make_correlated_data(n_samples, n_features, rho=rho, random_state=rng)
    if intercept:
        lmbd = reg * np.abs(X.T @ (y - y.mean())).max()
    else:
        lmbd = reg * np.abs(X.T @ y).max()
    return X, y, lmbd


def logreg_problem(n_samples=500, n_features=5000, reg=0.1):
    """benchmark_logreg_l1's Simulated dataset (seed 42) and its lambda."""
    X, y, _ = make_correlated_data(n_samples, n_features, random_state=42)
    y = 2 * (y > 0) - 1
    lmbd = reg * np.abs(X.T @ y).max() / 2
    return X, y, lmbd


def make_estimators(problem, lmbd, n_samples, fit_intercept):
    """``{name: factory(max_iter)}`` for skdecay and the peers installed."""
    from skdecay import DecayLinearRegressor, DecayLogisticClassifier

    alpha = lmbd / n_samples
    found = {}
    if problem == "lasso":
        found["skdecay"] = lambda k: DecayLinearRegressor(
            penalty="l1", alpha=alpha, fit_intercept=fit_intercept, tol=0.0,
            max_iter=k,
        )  # fmt: skip
        try:
            from celer import Lasso as CelerLasso

            found["celer"] = lambda k: CelerLasso(
                alpha=alpha, max_iter=k, max_epochs=100_000, tol=1e-12, prune=True,
                fit_intercept=fit_intercept,
            )  # fmt: skip
        except ImportError:
            pass
        try:
            from skglm import Lasso as SkglmLasso

            found["skglm"] = lambda k: SkglmLasso(
                alpha=alpha, max_iter=k, max_epochs=50_000, tol=1e-12,
                fit_intercept=fit_intercept,
            )  # fmt: skip
        except ImportError:
            pass
        from sklearn.linear_model import Lasso

        found["sklearn"] = lambda k: Lasso(
            alpha=alpha, fit_intercept=fit_intercept, tol=0.0, max_iter=k
        )
    else:
        found["skdecay"] = lambda k: DecayLogisticClassifier(
            penalty="l1", alpha=alpha, fit_intercept=False, tol=0.0, max_iter=k
        )
        try:
            from skglm.datafits import Logistic
            from skglm.estimators import GeneralizedLinearEstimator
            from skglm.penalties import L1
            from skglm.solvers import ProxNewton

            found["skglm"] = lambda k: GeneralizedLinearEstimator(
                datafit=Logistic(), penalty=L1(alpha),
                solver=ProxNewton(tol=1e-12, fit_intercept=False, max_iter=k),
            )  # fmt: skip
        except ImportError:
            pass
        try:
            from celer import LogisticRegression as CelerLogistic

            found["celer"] = lambda k: CelerLogistic(
                penalty="l1", C=1 / lmbd, max_iter=k, max_epochs=100_000, p0=10,
                tol=1e-12, fit_intercept=False,
            )  # fmt: skip
        except ImportError:
            pass
    return found


class CompileCounter(event.Listener):
    """Counts Numba compilations (and their seconds) while installed."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self._start = {}

    def on_start(self, ev):
        self.count += 1
        self._start[id(ev.data)] = time.perf_counter()

    def on_end(self, ev):
        self.seconds += time.perf_counter() - self._start.pop(id(ev.data), 0.0)


def timed(fit, repeat, between=None):
    """Median and minimum seconds of ``fit()`` over ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        if between is not None:
            between()
        start = time.perf_counter()
        fit()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), float(np.min(times))


def spin(factories, k, X, y, repeat):
    """Each library's ``fit(max_iter=k)`` right after the benchmark's
    objective, as benchopt runs it between two points.

    The objective's products run on NumPy's threaded BLAS; OpenBLAS's worker
    threads then wait busily for more work for a while before sleeping, and
    on a loaded machine they take CPU from the timed call that follows. A
    pause after the objective (the workers asleep again) or one BLAS thread
    removes that.
    """
    import contextlib

    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()

    def objective():
        # benchmark_lasso's evaluate_result at zero: the same products.
        diff = y - X @ np.zeros(X.shape[1])
        np.linalg.norm(X.T @ diff, ord=np.inf)

    cases = [
        ("nothing before", None, False),
        ("the objective just before", objective, False),
        (
            "the objective, then a 0.2 s pause",
            lambda: (objective(), time.sleep(0.2)),
            False,
        ),
        ("the objective just before, BLAS 1 thread", objective, True),
    ]
    times = {}
    for _ in range(repeat):
        for name, factory in factories.items():
            for label, before, one_thread in cases:
                limit = (
                    controller.limit(limits=1, user_api="blas")
                    if one_thread
                    else contextlib.nullcontext()
                )
                with limit:
                    if before is not None:
                        before()
                    start = time.perf_counter()
                    factory(k).fit(X, y)
                    elapsed = time.perf_counter() - start
                times.setdefault((name, label), []).append(elapsed)
    print(f"\n6. fit(max_iter={k}) after benchopt's objective, {repeat} rounds in turn")
    for (name, label), values in times.items():
        med, low = float(np.median(values)), float(np.min(values))
        print(f"   {name:9s} {label:44s} {1e3 * med:8.2f} {1e3 * low:8.2f} ms")


def what_if(skdecay, k, X, y, repeat):
    """Time ``fit(max_iter=k)`` with each avoidable pass over ``X`` removed.

    Each change is patched into skdecay's private modules for the call only
    (an experiment that measures what a fix in skdecay would save, not a
    fix): a stale name (skdecay changed since) skips that row.
    """
    import contextlib

    from threadpoolctl import threadpool_limits

    try:
        from skdecay._core import _problem
    except ImportError:
        print("\n5. what-if: skdecay._core._problem not found, skipped")
        return

    def no_violation(*args, **kwargs):
        # solve_prepared measures the violation of a fit that did not reach
        # tol (every fit benchopt times, tol=0) with a full gradient, which
        # the solver had just computed.
        return float("nan")

    real_matmul = getattr(_problem, "centred_matmul", None)

    def matmul_skipping_zero(X, W, intercept, x_mean):
        # The gradient at W = 0 (prepare_problem) multiplies X by zeros.
        if not np.any(W):
            return np.zeros((X.shape[0], W.shape[1])) + intercept
        return real_matmul(X, W, intercept, x_mean)

    def one_pass_moments(X, weights, center):
        # One pass, no float64 copy of X (the accuracy of the two-pass
        # variance for columns with a large mean is not kept: timing only).
        weights = np.asarray(weights, dtype=np.float64)
        second = np.einsum("i,ij,ij->j", weights, X, X)
        if not center:
            return np.zeros(X.shape[1]), second
        mean = weights @ X
        return mean, np.maximum(second - mean**2, 0.0)

    patches = {
        "no _violation_at": [("_violation_at", no_violation)],
        "no X @ 0 in the gradient at zero": [("centred_matmul", matmul_skipping_zero)],
        "one-pass column_moments": [("column_moments", one_pass_moments)],
    }
    patches["all three"] = [p for v in list(patches.values()) for p in v]
    rows = [("as released", [], False), ("BLAS 1 thread", [], True)]
    rows += [(label, items, False) for label, items in patches.items()]
    rows.append(("all three + BLAS 1 thread", patches["all three"], True))
    rows = [row for row in rows if all(hasattr(_problem, name) for name, _ in row[1])]

    def fit_with(items, one_thread):
        saved = {name: getattr(_problem, name) for name, _ in items}
        try:
            for name, value in items:
                setattr(_problem, name, value)
            limit = threadpool_limits(1) if one_thread else contextlib.nullcontext()
            with limit:
                start = time.perf_counter()
                skdecay(k).fit(X, y)
                return time.perf_counter() - start
        finally:
            for name, value in saved.items():
                setattr(_problem, name, value)

    times = {label: [] for label, _, _ in rows}
    for _ in range(repeat):
        for label, items, one_thread in rows:
            times[label].append(fit_with(items, one_thread))
    base = float(np.median(times["as released"]))
    print(f"\n5. What-if, skdecay fit(max_iter={k}), {repeat} rounds in turn")
    for label, values in times.items():
        med, low = float(np.median(values)), float(np.min(values))
        print(
            f"   {label:48s} {1e3 * med:8.2f} {1e3 * low:8.2f} ms  x{med / base:5.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", choices=["lasso", "logreg_l1"], default="lasso")
    parser.add_argument("--intercept", action="store_true")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--iters", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--spin",
        action="store_true",
        help="also time each library right after the benchmark's objective",
    )
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also time a fit with each fixed cost removed (patched in-process)",
    )
    args = parser.parse_args()

    if args.problem == "lasso":
        X, y, lmbd = lasso_problem(intercept=args.intercept)
    else:
        X, y, lmbd = logreg_problem()
    n_samples = X.shape[0]
    print(
        f"problem {args.problem} {X.shape}, X {X.dtype} "
        f"{'F' if X.flags.f_contiguous else 'C'}-ordered, y {y.dtype}, "
        f"lambda {lmbd:.4g}, intercept {args.intercept}"
    )
    factories = make_estimators(args.problem, lmbd, n_samples, args.intercept)

    # Warm-up: every library compiles / loads its kernels on these arrays.
    for name, factory in factories.items():
        start = time.perf_counter()
        factory(1000).fit(X, y)
        print(f"warm-up {name}: {time.perf_counter() - start:.2f} s")

    counter = CompileCounter()
    event.register("numba:compile", counter)

    print("\n1. A fresh fit per point (benchopt) against one long fit")
    print("   name      max_iter  median ms   min ms")
    for name, factory in factories.items():
        for k in args.iters:
            med, low = timed(
                lambda factory=factory, k=k: factory(k).fit(X, y), args.repeat
            )
            print(f"   {name:9s} {k:8d} {1e3 * med:10.2f} {1e3 * low:8.2f}")
    est = factories["skdecay"](10_000)
    est.set_params(tol=1e-6)
    med, low = timed(lambda: est.fit(X, y), max(3, args.repeat // 3))
    n_iter = est.n_iter_
    print(
        f"   skdecay to tol=1e-6: {1e3 * med:.2f} ms median, {n_iter} iterations, "
        f"{1e3 * med / n_iter:.3f} ms per iteration on average"
    )

    skdecay = factories["skdecay"]
    k = args.iters[0]
    X_c = np.ascontiguousarray(X)
    X_ro = X.view()
    X_ro.flags.writeable = False
    y_float = y.astype(np.float64)
    y_int = y.astype(np.int64)
    reused = skdecay(k)
    scratch = np.empty(4 * X.size)

    def harness_between():
        # What benchopt does between two timed calls: the objective at the
        # result, and a hash of the arguments for its on-disk cache.
        from joblib import hash as joblib_hash

        _ = X.T @ (y - X @ np.zeros(X.shape[1]))
        joblib_hash((X, y))

    def flush_caches():
        scratch[:] = 1.0  # evict X from the CPU caches

    def idle():
        # The harness's own work between two timed calls, as a pause: BLAS
        # threads that spin after a call have gone to sleep by then.
        time.sleep(0.05)

    def one_thread(fit):
        from threadpoolctl import threadpool_limits

        def run():
            with threadpool_limits(1):
                fit()

        return run

    def no_gc(fit):
        def run():
            gc.disable()
            try:
                fit()
            finally:
                gc.enable()

        return run

    def fresh():
        skdecay(k).fit(X, y)

    conditions = [
        ("baseline: the dataset's X and y, new estimator", fresh, None),
        ("X C-ordered copy", lambda: skdecay(k).fit(X_c, y), None),
        ("X read-only view", lambda: skdecay(k).fit(X_ro, y), None),
        ("y float64", lambda: skdecay(k).fit(X, y_float), None),
        ("one estimator reused (set max_iter)", lambda: reused.fit(X, y), None),
        ("objective + joblib.hash between calls", fresh, harness_between),
        ("CPU caches flushed between calls", fresh, flush_caches),
        ("garbage collector disabled", no_gc(fresh), None),
        ("BLAS limited to 1 thread", one_thread(fresh), None),
        ("50 ms idle before the call", fresh, idle),
        ("50 ms idle before the call, BLAS 1 thread", one_thread(fresh), idle),
    ]
    if args.problem != "lasso":
        conditions.insert(4, ("y int64", lambda: skdecay(k).fit(X, y_int), None))
    for name, factory in factories.items():
        if name == "skdecay":
            continue
        conditions.append(
            (f"{name} (peer), as the baseline", lambda f=factory: f(k).fit(X, y), None)
        )
        conditions.append(
            (
                f"{name} (peer), BLAS 1 thread",
                one_thread(lambda f=factory: f(k).fit(X, y)),
                None,
            )
        )
    times = {label: [] for label, _, _ in conditions}
    # Round robin: every condition once per round, so that the load of a
    # shared machine falls on all of them alike.
    for _ in range(args.repeat):
        for label, fit, between in conditions:
            if between is not None:
                between()
            start = time.perf_counter()
            fit()
            times[label].append(time.perf_counter() - start)
    base = float(np.median(times[conditions[0][0]]))
    print(
        f"\n2. Conditions, max_iter={k}, {args.repeat} rounds in turn "
        "(median, min, ratio of medians to the baseline)"
    )
    for label, values in times.items():
        med, low = float(np.median(values)), float(np.min(values))
        print(
            f"   {label:48s} {1e3 * med:8.2f} {1e3 * low:8.2f} ms  x{med / base:5.2f}"
        )

    print(
        f"\n3. Numba compilations during the timed calls after warm-up: "
        f"{counter.count} ({counter.seconds:.3f} s)"
    )
    event.unregister("numba:compile", counter)

    if args.spin:
        spin(factories, k, X, y, args.repeat)
    if args.what_if:
        what_if(skdecay, k, X, y, args.repeat)

    if not args.no_profile:
        print(f"\n4. Profile of one skdecay fit with max_iter={k} (cumulative, top 30)")
        est = skdecay(k)
        profiler = cProfile.Profile()
        for _ in range(10):
            profiler.enable()
            est.fit(X, y)
            profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(30)
        print("   (10 fits)")
        print(out.getvalue())


if __name__ == "__main__":
    main()
