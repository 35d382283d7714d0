r"""Penalty objects: what the objective adds to the data fit.

Every penalty of skdecay is a point of the weighted elastic-net family

.. math::

    P(W) = \alpha \sum_j w_j \Big(\rho \, \|W_j\|_1
           + \frac{1 - \rho}{2} \|W_j\|_2^2\Big),

where ``W_j`` is feature ``j``'s row of coefficients (one per output),
``rho`` the L1 share (``l1_ratio``) and ``w_j >= 0`` the feature's
**penalty weight** (glmnet's ``penalty.factor``; 1 for every feature unless
the user says otherwise, 0 to leave a feature unpenalised). The intercept is
never penalised. :class:`NoPenalty`, :class:`L2`, :class:`L1` and
:class:`ElasticNet` are the points ``alpha = 0``, ``rho = 0``, ``rho = 1``
and ``0 <= rho <= 1``; :func:`make_penalty` builds one from an estimator's
``penalty``, ``alpha``, ``l1_ratio`` and ``penalty_weights``.

A penalty object lives in Python and hands the compiled solvers plain
arrays: :meth:`Penalty.strengths` gives the per-feature L1 and L2 strengths
``alpha * rho * w`` and ``alpha * (1 - rho) * w``, which the kernels read as
``problem.l1[j]`` and ``problem.l2[j]`` (the compiled proximal step,
soft-threshold and optimality violation are in :mod:`._prox`). No jitclass:
nothing here is compiled, so nothing here costs compile time in a new
process.
"""

from __future__ import annotations

import numpy as np


class Penalty:
    """The weighted elastic-net penalty ``alpha * sum_j w_j p_rho(W_j)``.

    Parameters
    ----------
    alpha : float
        The overall strength (>= 0).
    weights : ndarray of shape (n_features,) or None
        Per-feature penalty weights (>= 0, finite); None means all ones.
        Checked by :func:`check_penalty_weights` before they get here.
    """

    #: The L1 share ``rho`` (``l1_ratio``) of the family member.
    l1_ratio: float = 0.0

    def __init__(self, alpha: float = 1.0, weights: np.ndarray | None = None):
        self.alpha = float(alpha)
        self.weights = None if weights is None else np.asarray(weights, np.float64)

    def __repr__(self) -> str:
        weights = "" if self.weights is None else ", weights=..."
        return f"{type(self).__name__}(alpha={self.alpha:g}{weights})"

    def with_alpha(self, alpha: float) -> Penalty:
        """The same penalty at another overall strength (a path's next point)."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__, alpha=float(alpha))
        return other

    # -- what the solvers are told ------------------------------------------

    @property
    def is_smooth(self) -> bool:
        """True when the penalty has no L1 part (Newton's methods apply)."""
        return self.alpha * self.l1_ratio == 0.0 or (
            self.weights is not None and not np.any(self.weights)
        )

    def feature_weights(self, n_features: int) -> np.ndarray:
        """The per-feature weights ``w`` (ones when none were given)."""
        if self.weights is None:
            return np.ones(n_features)
        return self.weights

    def strengths(self, n_features: int) -> tuple[np.ndarray, np.ndarray]:
        """``(l1, l2)``: per-feature L1 and L2 strengths, float64 arrays.

        ``l1_j = alpha * rho * w_j`` and ``l2_j = alpha * (1 - rho) * w_j``:
        the kernels' whole knowledge of the penalty.
        """
        w = self.feature_weights(n_features)
        return (
            self.alpha * self.l1_ratio * w,
            self.alpha * (1.0 - self.l1_ratio) * w,
        )

    # -- the penalty as a function ------------------------------------------

    def value(self, W) -> float:
        """``P(W)`` for ``W`` of shape (n_features,) or (n_features, n_outputs)."""
        W = _as_rows(W)
        l1, l2 = self.strengths(W.shape[0])
        return float(l1 @ np.abs(W).sum(axis=1) + 0.5 * l2 @ (W * W).sum(axis=1))

    def gradient_smooth(self, W) -> np.ndarray:
        """The gradient of the smooth (L2) part: the weight-decay term."""
        W = _as_rows(W)
        return self.strengths(W.shape[0])[1][:, None] * W

    def prox(self, W, step) -> np.ndarray:
        """``argmin_U 1/(2 step) ||U - W||^2 + P(U)``, coordinate-wise.

        ``step`` is a scalar or one value per feature (a diagonal metric).
        """
        W = _as_rows(W)
        l1, l2 = self.strengths(W.shape[0])
        step = np.broadcast_to(np.asarray(step, dtype=np.float64), l1.shape)
        shrunk = np.sign(W) * np.maximum(np.abs(W) - (step * l1)[:, None], 0.0)
        return shrunk / (1.0 + step * l2)[:, None]

    def violation(self, W, grad) -> np.ndarray:
        """The optimality violation of each coefficient (the KKT distance).

        ``grad`` is the gradient of the data fit plus the L2 part; the
        violation is the distance from ``-grad`` to the subdifferential of
        the L1 part at ``W``: ``|grad + l1 sign(w)|`` where ``w != 0``,
        ``max(|grad| - l1, 0)`` where ``w = 0``.
        """
        W = _as_rows(W)
        grad = _as_rows(grad)
        l1 = self.strengths(W.shape[0])[0][:, None]
        return np.where(
            W != 0.0, np.abs(grad + l1 * np.sign(W)), np.maximum(np.abs(grad) - l1, 0.0)
        )

    def alpha_max(self, null_gradient) -> float:
        """The smallest ``alpha`` at which every penalised coefficient is zero.

        ``null_gradient`` is the data fit's gradient at the null model: every
        penalised coefficient zero, the intercept and the unpenalised
        features (``w_j = 0``) fitted. Zero is optimal for feature ``j`` once
        ``alpha rho w_j >= max_k |g_jk|``. Infinite without an L1 part
        (weight decay never makes a coefficient exactly zero) or when no
        feature is penalised.
        """
        g = np.max(np.abs(_as_rows(null_gradient)), axis=1, initial=0.0)
        w = self.feature_weights(g.shape[0])
        penalised = w > 0.0
        if self.l1_ratio == 0.0 or not np.any(penalised):
            return np.inf
        return float(np.max(g[penalised] / w[penalised])) / self.l1_ratio


class NoPenalty(Penalty):
    """No penalty: the unregularised data fit (``penalty=None``)."""

    def __init__(self, alpha: float = 0.0, weights: np.ndarray | None = None):
        super().__init__(0.0, weights)

    def with_alpha(self, alpha: float) -> Penalty:
        return self


class L2(Penalty):
    """Weight decay, ``alpha / 2 * sum_j w_j ||W_j||^2``."""

    l1_ratio = 0.0


class L1(Penalty):
    """The lasso penalty, ``alpha * sum_j w_j ||W_j||_1``."""

    l1_ratio = 1.0


class ElasticNet(Penalty):
    """The elastic net: ``rho`` of L1 and ``1 - rho`` of weight decay."""

    def __init__(
        self,
        alpha: float = 1.0,
        l1_ratio: float = 0.5,
        weights: np.ndarray | None = None,
    ):
        super().__init__(alpha, weights)
        self.l1_ratio = float(l1_ratio)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", l1_ratio={self.l1_ratio:g})"


def make_penalty(
    penalty: str | None,
    alpha: float,
    l1_ratio: float = 0.15,
    weights: np.ndarray | None = None,
) -> Penalty:
    """The penalty object for an estimator's parameters."""
    if penalty is None:
        return NoPenalty(weights=weights)
    if penalty == "l2":
        return L2(alpha, weights)
    if penalty == "l1":
        return L1(alpha, weights)
    if penalty == "elasticnet":
        return ElasticNet(alpha, l1_ratio, weights)
    raise ValueError(f"Unknown penalty {penalty!r}.")


def check_penalty_weights(penalty_weights, n_features: int) -> np.ndarray | None:
    """``penalty_weights`` as a float64 array of ``n_features``, or an error.

    None (every feature weighted 1) stays None. Weights must be finite and
    non-negative; 0 leaves a feature unpenalised.
    """
    if penalty_weights is None:
        return None
    try:
        weights = np.asarray(penalty_weights, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"penalty_weights must be an array of {n_features} numbers, one per "
            f"feature; got {penalty_weights!r}."
        ) from error
    if weights.ndim != 1 or weights.shape[0] != n_features:
        raise ValueError(
            f"penalty_weights has shape {weights.shape}, but X has {n_features} "
            f"features: give one weight per feature, shape ({n_features},)."
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError(
            "penalty_weights must be finite; found "
            f"{int(np.sum(~np.isfinite(weights)))} non-finite value(s). Use 0 to "
            "leave a feature unpenalised."
        )
    if np.any(weights < 0):
        raise ValueError(
            "penalty_weights must be non-negative; feature(s) "
            f"{np.flatnonzero(weights < 0)[:5].tolist()} have negative weights. "
            "Use 0 to leave a feature unpenalised."
        )
    return weights


def _as_rows(W) -> np.ndarray:
    W = np.asarray(W, dtype=np.float64)
    return W.reshape(W.shape[0], -1)
