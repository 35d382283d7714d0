"""Multinomial cross-entropy: ``loss(y, z) = logsumexp(z) - sum_k y_k z_k``.

``y`` is the one-hot encoding of the class and ``z`` has one entry per class
(the symmetric parametrisation of LogisticRegression).
"""

import numpy as np

from ._base import Datafit


def _log_softmax(Z):
    """``(logsumexp(Z) per row, softmax(Z))``, stable, in plain NumPy.

    (SciPy's ``logsumexp``/``softmax`` cost ~0.8 ms a call on 5000 x 5 in
    SciPy 1.17, mostly array-API dispatch: more than the Newton step's BLAS.)
    """
    top = Z.max(axis=1, keepdims=True)
    E = np.exp(Z - top)
    total = _row_sums(E)[:, None]
    E /= total
    return (top + np.log(total))[:, 0], E


def _losses_and_softmax(Y, Z):
    """Each row's loss ``logsumexp(z) - y . z`` and ``softmax(Z)``.

    With ``t`` the row's largest entry and ``s`` the sum of ``exp(z_k - t)``
    over the other classes, the loss is ``(t - y . z) + log1p(s)``: its
    first term is exactly 0 on a row whose class has the largest score.
    ``logsumexp(z) - z_y`` rounds there at eps ``|t|``, far above the
    row's loss when the classes are well apart: with extreme class weights
    (scikit-learn's ``check_class_weight_classifiers``, 3 classes) Newton's
    line search saw only that rounding and stalled next to the solution.
    """
    rows = np.arange(Z.shape[0])
    top_index = Z.argmax(axis=1)
    top = Z[rows, top_index]
    E = np.exp(Z - top[:, None])
    E[rows, top_index] = 0.0
    others = _row_sums(E)
    loss = top - _row_sums(Y * Z)
    loss += np.log1p(others)
    E[rows, top_index] = 1.0
    E /= (1.0 + others)[:, None]
    return loss, E


def _row_sums(A):
    """``A.sum(axis=1)`` as a matrix-vector product: a reduction along the
    short axis of an (n, n_classes) array is several times slower."""
    return A @ np.ones(A.shape[1], dtype=A.dtype)


class Multinomial(Datafit):
    """The negative log-likelihood of ``P(y = k) = softmax(z)_k``."""

    name = "multinomial"
    code = 2
    #: ``diag(p) - p p^T`` has spectral norm at most 1/2.
    curvature = 0.5
    separable = False
    # Newton's Kronecker route (see _solvers/_newton.py, single fits on
    # large X): an exact first step, then conjugate gradients
    # preconditioned by G (x) M with one eigendecomposition of G for all
    # classes (4 Newton steps and 27 products with X against 6 and 44 by
    # Jacobi's: 188 against 233 ms on bench_speed's 20000 x 100, 10
    # classes). The earlier route's K factor solves per iteration, each a
    # few BLAS calls, ran 7x slower with OpenBLAS's two threads on the busy
    # 2-core machine.
    has_class_curvature = True

    def value(self, Y, Z, weights):
        loss, _ = _losses_and_softmax(Y, Z)
        return float(weights @ loss)

    def gradient(self, Y, Z, weights):
        value, G, _ = self.gradient_with_probabilities(Y, Z, weights)
        return value, G

    def gradient_with_probabilities(self, Y, Z, weights):
        """``(value, G, softmax(Z))``: the probabilities serve
        :meth:`hessian_operator` and :meth:`class_curvature` at the same
        ``Z`` (Newton's step at a point whose gradient it measured), which
        then skip their own softmax (1.5 ms each on 20000 x 10)."""
        loss, P = _losses_and_softmax(Y, Z)
        G = P - Y
        G *= weights[:, None]
        return float(weights @ loss), G, P

    def hessian_apply(self, Y, Z, weights, V):
        return self.hessian_operator(Y, Z, weights)(V)

    def hessian_operator(self, Y, Z, weights, probabilities=None):
        P = _log_softmax(Z)[1] if probabilities is None else probabilities
        w = weights[:, None]

        def apply(V):
            PV = P * V
            return w * (PV - P * _row_sums(PV)[:, None])

        return apply

    def curvature_factors(self, Y, Z, weights):
        # w_i (diag(p_i) - p_i p_i^T) = diag(w_i p_i) - (sqrt(w_i) p_i)(...)^T
        _, P = _log_softmax(Z)
        return weights[:, None] * P, np.sqrt(weights)[:, None] * P

    def class_curvature(self, Y, Z, weights, probabilities=None):
        # sum_i w_i (diag(p_i) - p_i p_i^T)
        P = _log_softmax(Z)[1] if probabilities is None else probabilities
        weighted = weights[:, None] * P
        return np.diag(weights @ P) - P.T @ weighted

    def intercept_at_zero(self, Y, weights):
        # The log class frequencies, centred (the symmetric parametrisation).
        logp = np.log(np.clip(weights @ Y, 1e-12, None))
        return logp - logp.mean()
