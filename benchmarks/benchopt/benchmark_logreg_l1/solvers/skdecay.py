"""skdecay's L1 logistic regression for benchopt's ``benchmark_logreg_l1``.

The benchmark minimises ``sum_i log(1 + exp(-y_i x_i.w)) + lmbd ||w||_1``
without intercept (``y`` in {-1, 1}); skdecay minimises the *mean* log-loss
plus ``alpha ||w||_1``, the same function divided by ``n_samples``, so
``alpha = lmbd / n_samples`` (LogisticRegression's ``C = 1 / lmbd``, as the
benchmark's ``sklearn`` solver has it). The positive class is 1, so
``coef_`` is the benchmark's ``w``.

Sampled as the benchmark's ``sklearn`` solver is: each point is a fresh fit
with ``max_iter = n_iter`` (Newton steps of 'prox_newton') and ``tol = 0``;
the kernels are compiled in ``warm_up`` by a full fit on the timed arrays.
"""

from benchopt import BaseSolver, safe_import_context

with safe_import_context() as import_ctx:
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import ThreadpoolController

    from skdecay import DecayLogisticClassifier


class Solver(BaseSolver):
    """skdecay: proximal Newton (coordinate descent on the quadratic model)."""

    name = "skdecay"
    sampling_strategy = "iteration"

    install_cmd = "conda"
    requirements = ["pip::skdecay"]

    # None leaves NumPy's BLAS as it is (the headline figures); 1 runs each
    # fit with one BLAS thread, which README.md explains.
    parameters = {"blas_threads": [None]}

    def set_objective(self, X, y, lmbd):
        self.X, self.y, self.lmbd = X, y, lmbd
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        # Found once here: a limit then costs a library call, not a scan.
        self.blas = ThreadpoolController()
        n_samples = X.shape[0]
        self.estimator = DecayLogisticClassifier(
            penalty="l1",
            alpha=lmbd / n_samples,
            fit_intercept=False,
            solver="auto",
            tol=0.0,
            max_iter=1,
        )

    def warm_up(self):
        self.estimator.set_params(max_iter=1000, tol=1e-10)
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
            self.coef = np.zeros(self.X.shape[1])
            return
        self.estimator.max_iter = n_iter
        self.estimator.fit(self.X, self.y)
        self.coef = self.estimator.coef_.ravel()

    def get_next(self, stop_val):
        return max(stop_val + 1, int(stop_val * 1.2))

    def get_result(self):
        return dict(beta=self.coef)
