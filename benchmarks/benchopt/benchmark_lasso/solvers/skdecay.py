"""skdecay's lasso for benchopt's ``benchmark_lasso`` (benchopt 1.7).

The benchmark minimises ``0.5 ||y - Xw - b||^2 + lmbd ||w||_1`` (the *sum*
of squares, ``b`` only with ``fit_intercept``); skdecay minimises the *mean*
loss plus ``alpha ||w||_1``, the same function divided by ``n_samples``, so
``alpha = lmbd / n_samples`` (scikit-learn's ``Lasso`` mapping, the one this
benchmark's ``sklearn`` solver uses).

Sampled as the benchmark's ``sklearn`` solver is: each point is a fresh fit
with ``max_iter = n_iter`` and ``tol = 0`` (see ``benchmarks/benchopt/README.md``
for why, and for the finer ``get_next``). The Numba kernels are compiled in
``warm_up`` by a full fit on the benchmark's own arrays (same dtype, order
and flags as the timed fits), so no compilation or cache load is timed.
"""

from benchopt import BaseSolver, safe_import_context

with safe_import_context() as import_ctx:
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import ThreadpoolController

    from skdecay import DecayLinearRegressor


class Solver(BaseSolver):
    """skdecay: working-set coordinate descent with Anderson extrapolation."""

    name = "skdecay"
    sampling_strategy = "iteration"

    install_cmd = "conda"
    requirements = ["pip::skdecay"]

    # None leaves NumPy's BLAS as it is (the headline figures); 1 runs each
    # fit with one BLAS thread, which README.md explains.
    parameters = {"blas_threads": [None]}

    def set_objective(self, X, y, lmbd, fit_intercept):
        self.X, self.y, self.lmbd = X, y, lmbd
        self.fit_intercept = fit_intercept
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        # Found once here: a limit then costs a library call, not a scan.
        self.blas = ThreadpoolController()
        n_samples = X.shape[0]
        self.estimator = DecayLinearRegressor(
            penalty="l1",
            alpha=lmbd / n_samples,
            fit_intercept=fit_intercept,
            solver="auto",
            tol=0.0,
            max_iter=1,
        )

    def warm_up(self):
        # A full fit on the timed arrays compiles (or loads from the disk
        # cache) every kernel the timed fits can reach, for their exact
        # argument types.
        self.estimator.set_params(max_iter=10_000, tol=1e-10)
        self.estimator.fit(self.X, self.y)
        self.estimator.set_params(tol=0.0)

    def run(self, n_iter):
        if self.blas_threads is None:
            self._run(n_iter)
        else:
            with self.blas.limit(limits=self.blas_threads, user_api="blas"):
                self._run(n_iter)

    def _run(self, n_iter):
        if n_iter == 0:
            self.coef = np.zeros(self.X.shape[1] + self.fit_intercept)
            return
        self.estimator.max_iter = n_iter
        self.estimator.fit(self.X, self.y)
        coef = self.estimator.coef_.ravel()
        if self.fit_intercept:
            coef = np.r_[coef, self.estimator.intercept_]
        self.coef = coef

    def get_next(self, stop_val):
        # Steps of at most 20 % in iterations (benchopt's default is 50 %):
        # a time to a given suboptimality is then over-read by at most 20 %.
        return max(stop_val + 1, int(stop_val * 1.2))

    def get_result(self):
        return dict(beta=self.coef)
