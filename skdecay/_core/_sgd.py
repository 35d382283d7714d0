r"""Streaming (mini-batch stochastic) updates for ``partial_fit``.

One call of :func:`stream_pass` makes one pass over the rows it is given, in
mini-batches, and minimises the *same* objective as the batch solvers,

.. math::

    \frac{1}{\sum_i s_i} \sum_i s_i \, \ell(y_i, x_i^\top W + b)
    + \ell_1 \|W\|_1 + \frac{\ell_2}{2} \|W\|_2^2 .

The update
----------
Each mini-batch :math:`B` takes one preconditioned stochastic step followed by
the *exact flow* of the penalty over the step's duration :math:`\eta_t`:

.. math::

    W \leftarrow \Phi_{\eta_t}\big(W - \eta_t D^{-1} g_B\big), \qquad
    g_B = \frac{1}{|B|} \sum_{i \in B} \frac{s_i}{\bar s}
          \nabla_W \ell(y_i, x_i^\top W + b),

where :math:`\bar s` is the mean sample weight seen so far, :math:`D` the
diagonal preconditioner of the batch solvers (curvature bound of the loss
times the running variance of each feature, plus :math:`\ell_2`) and
:math:`\Phi_h` solves :math:`\dot w_j = -(\ell_2 w_j + \ell_1
\operatorname{sign} w_j) / d_j` for a time :math:`h`, stopping at zero: the
weight decay is the factor :math:`e^{-\ell_2 h / d_j}` and the L1 part a
shrinkage that never crosses zero. The intercept takes a plain step.

Why a flow and not ``w = scale * v``
------------------------------------
The classic lazy scheme keeps one scalar factor for the whole vector, which
works because every coordinate decays at the same rate. With the per-feature
preconditioner (needed to fit raw features on different scales without a
StandardScaler) the rate :math:`\ell_2 / d_j` differs per feature. Flows
compose exactly, :math:`\Phi_{h_1} \circ \Phi_{h_2} = \Phi_{h_1 + h_2}`, and
have a closed form, so a feature absent from the rows of a mini-batch is left
alone and, when a later row touches it, brought forward by one
:math:`\Phi_{H - H_j}` (``H`` the running sum of the steps, ``H_j`` its value
at the feature's last update). The lazy update is exactly the eager one; a
mini-batch costs O(its non-zeros x n_outputs) and a pass ends with one
O(n_features) catch-up. No scale factor can underflow, so nothing needs
renormalising.

Averaging
---------
With averaging on, the reported coefficients are the time average
:math:`\frac{1}{H - H_a} \int_{H_a}^{H} W(h)\, dh` of the trajectory, where
the penalty flow fills the time between data steps: the step-size-weighted
average of robust stochastic approximation (Nemirovski et al., 2009). The
integral of a flow has a closed form too, so the average is kept lazily and
exactly at the same cost.

Dense rows are centred with the running feature means (the intercept absorbs
the shift), as the batch solvers do; sparse rows are not centred, so they stay
sparse (then the intercept is learned without that help).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit

from .._compile_notice import compile_notice
from ..exceptions import NonFiniteIterateError
from ._linalg import make_design, row_entry, row_range, weighted_column_moments
from ._losses import (
    CURVATURE,
    LOSS_CODES,
    intercept_at_zero,
    loss_row_derivative,
    loss_value,
)
from ._penalties import Penalty
from ._problem import _preconditioner

STREAM_OK = 0
STREAM_NON_FINITE = 1

# Slots of the ``clock`` array: the running sum of the steps H, the number of
# mini-batch steps, the number of samples seen, and H when averaging started
# (-1 before).
_H, _STEPS, _SAMPLES, _AVERAGE_START = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _expm1_ratio(x):
    """``(1 - exp(-x)) / x``, 1 at ``x = 0``."""
    if x < 1e-8:
        return 1.0 - 0.5 * x
    return -math.expm1(-x) / x


@njit(cache=True, nogil=True)
def _second_ratio(x):
    """``(x - 1 + exp(-x)) / x^2``, 1/2 at ``x = 0``."""
    if x < 1e-4:
        return 0.5 - x / 6.0 + x * x / 24.0
    return (x + math.expm1(-x)) / (x * x)


@njit(cache=True, nogil=True)
def _time_to_zero(a, decay, shrink):
    """When the flow from ``|w| = a > 0`` reaches zero (inf if it never does)."""
    if shrink <= 0.0:
        return math.inf
    x = decay * a / shrink
    ratio = 1.0 - 0.5 * x if x < 1e-8 else math.log1p(x) / x
    return a / shrink * ratio


@njit(cache=True, nogil=True)
def penalty_flow(w, decay, shrink, h):
    """Solve ``dw/dt = -decay * w - shrink * sign(w)`` for a time ``h``.

    ``decay = l2 / d_j`` and ``shrink = l1 / d_j``. The solution is
    ``|w| e^{-decay t} - shrink t (1 - e^{-decay t}) / (decay t)`` until it
    reaches zero, where it stays.
    """
    if w == 0.0 or h <= 0.0:
        return w
    a = abs(w)
    if h >= _time_to_zero(a, decay, shrink):
        return 0.0
    x = decay * h
    a = max(a * math.exp(-x) - shrink * h * _expm1_ratio(x), 0.0)
    return a if w > 0.0 else -a


@njit(cache=True, nogil=True)
def penalty_flow_integral(w, decay, shrink, h):
    """``int_0^h w(t) dt`` along :func:`penalty_flow` (for the average)."""
    if w == 0.0 or h <= 0.0:
        return 0.0
    a = abs(w)
    h = min(h, _time_to_zero(a, decay, shrink))
    x = decay * h
    area = a * h * _expm1_ratio(x) - shrink * h * h * _second_ratio(x)
    area = max(area, 0.0)
    return area if w > 0.0 else -area


@njit(cache=True, nogil=True)
def _catch_up(j, T, W, touched_at, coef_integral, average_start, decay, shrink):
    """Bring feature ``j`` forward from its last update to time ``T``."""
    t0 = touched_at[j]
    if T <= t0:
        return
    for k in range(W.shape[1]):
        w = W[j, k]
        if average_start >= 0.0 and T > average_start:
            start = t0
            if t0 < average_start:
                w = penalty_flow(w, decay[j], shrink[j], average_start - t0)
                start = average_start
            coef_integral[j, k] += penalty_flow_integral(
                w, decay[j], shrink[j], T - start
            )
            w = penalty_flow(w, decay[j], shrink[j], T - start)
        else:
            w = penalty_flow(w, decay[j], shrink[j], T - t0)
        W[j, k] = w
    touched_at[j] = T


@njit(cache=True, nogil=True)
def batch_curvature_bound(
    X, x_mean, scale, scale_intercept, rel_weights, curvature, batch_size
):
    """The largest curvature bound of a mini-batch's loss, in the
    preconditioner's metric.

    Row ``i`` curves at most ``L_i = (s_i / s_bar) * curvature *
    (||x_i - mean||^2_{D^-1} + 1 / d_b)`` (the last term for the intercept),
    and a mini-batch's loss, an average of rows, at most the mean of its
    ``L_i``. The largest such mean over the mini-batches of this pass bounds
    every step's curvature: a step of its inverse is stable. It shrinks with
    the batch size towards ``n_features + 1``, the trace of the whole Hessian.
    """
    worst = 0.0
    start = 0
    while start < X.n_samples:
        stop = min(start + batch_size, X.n_samples)
        total = 0.0
        for i in range(start, stop):
            r0, r1 = row_range(X, i)
            acc = 0.0
            for jj in range(r0, r1):
                j, v = row_entry(X, i, jj)
                v = v - x_mean[j]
                acc += v * v / scale[j]
            acc += 1.0 / scale_intercept
            total += rel_weights[i] * curvature * acc
        worst = max(worst, total / (stop - start))
        start = stop
    return worst


@njit(cache=True, nogil=True)
def sgd_pass(
    X, Y, rel_weights, x_mean, scale, scale_intercept, loss, l1, l2,
    fit_intercept, W, intercept, coef_integral, intercept_integral, clock,
    batch_size, eta0, power_t, average_after,
):  # fmt: skip
    """One pass over the rows of ``X`` in mini-batches; updates the state in place.

    ``W`` (n_features, n_outputs) and ``intercept`` are the current iterate in
    the centred parametrisation, ``coef_integral`` / ``intercept_integral``
    the running integrals for the average, ``clock`` the counters (see the
    module's ``_H`` ... slots). The step of mini-batch ``t`` is
    ``eta0 / (1 + eta0 * t) ** power_t``. Averaging starts once
    ``average_after`` samples have been seen (never if negative). Returns
    ``(status, weighted loss sum, weight sum)``: the loss of each row is taken
    before the step that uses it (progressive validation).
    """
    n_samples = X.n_samples
    n_features = X.n_features
    n_outputs = W.shape[1]
    decay = np.empty(n_features)
    shrink = np.empty(n_features)
    for j in range(n_features):
        decay[j] = l2[j] / scale[j]
        shrink[j] = l1[j] / scale[j]
    touched_at = np.full(n_features, clock[_H])
    mark = np.full(n_features, -1, dtype=np.int64)
    touched = np.empty(n_features, dtype=np.int64)
    grad = np.zeros((n_features, n_outputs))
    grad_intercept = np.zeros(n_outputs)
    Z = np.empty((n_samples, n_outputs))
    derivative = np.empty(n_outputs)
    loss_sum = 0.0
    weight_sum = 0.0
    status = STREAM_OK

    start = 0
    while start < n_samples:
        stop = min(start + batch_size, n_samples)
        H = clock[_H]
        if average_after >= 0 and clock[_AVERAGE_START] < 0.0:
            if clock[_SAMPLES] >= average_after:
                clock[_AVERAGE_START] = H
        average_start = clock[_AVERAGE_START]
        eta = eta0 / (1.0 + eta0 * clock[_STEPS]) ** power_t

        # The features of this mini-batch, each brought forward to time H.
        n_touched = 0
        for i in range(start, stop):
            r0, r1 = row_range(X, i)
            for jj in range(r0, r1):
                j, _ = row_entry(X, i, jj)
                if mark[j] != start:
                    mark[j] = start
                    touched[n_touched] = j
                    n_touched += 1
        for t in range(n_touched):
            _catch_up(
                touched[t], H, W, touched_at, coef_integral, average_start,
                decay, shrink,
            )  # fmt: skip

        # Predictions, progressive loss and the mini-batch gradient.
        inv_batch = 1.0 / (stop - start)
        for i in range(start, stop):
            r0, r1 = row_range(X, i)
            for k in range(n_outputs):
                Z[i, k] = intercept[k]
            for jj in range(r0, r1):
                j, v = row_entry(X, i, jj)
                v = v - x_mean[j]
                for k in range(n_outputs):
                    Z[i, k] += v * W[j, k]
            s = rel_weights[i]
            loss_sum += loss_value(
                loss, Y[i : i + 1], Z[i : i + 1], rel_weights[i : i + 1]
            )
            weight_sum += s
            loss_row_derivative(loss, Y, Z, i, derivative)
            for k in range(n_outputs):
                derivative[k] *= s * inv_batch
                grad_intercept[k] += derivative[k]
            for jj in range(r0, r1):
                j, v = row_entry(X, i, jj)
                v = v - x_mean[j]
                for k in range(n_outputs):
                    grad[j, k] += v * derivative[k]

        # The stochastic step; the penalty flow over [H, H + eta] is left pending.
        finite = math.isfinite(loss_sum)
        for t in range(n_touched):
            j = touched[t]
            step = eta / scale[j]
            for k in range(n_outputs):
                W[j, k] -= step * grad[j, k]
                grad[j, k] = 0.0
                finite = finite and math.isfinite(W[j, k])
        step = eta / scale_intercept
        for k in range(n_outputs):
            if fit_intercept:
                intercept[k] -= step * grad_intercept[k]
            grad_intercept[k] = 0.0
            finite = finite and math.isfinite(intercept[k])
        if not finite:
            status = STREAM_NON_FINITE
            break
        if average_start >= 0.0:
            for k in range(n_outputs):
                intercept_integral[k] += eta * intercept[k]
        clock[_H] = H + eta
        clock[_STEPS] += 1.0
        clock[_SAMPLES] += stop - start
        start = stop

    if status == STREAM_OK:
        # One O(n_features) catch-up leaves every coefficient current.
        average_start = clock[_AVERAGE_START]
        for j in range(n_features):
            _catch_up(
                j, clock[_H], W, touched_at, coef_integral, average_start, decay,
                shrink,
            )  # fmt: skip
    return status, loss_sum, weight_sum


@dataclass
class StreamState:
    """What ``partial_fit`` keeps between calls (float64 throughout).

    ``coef`` / ``intercept`` are the current iterate in the centred
    parametrisation (``x @ coef + intercept - mean @ coef``); ``mean`` and
    ``spread`` are the running weighted column means (zero when not centring)
    and variances (raw second moments when not centring) over
    ``weight_sum`` of sample weight; ``lipschitz`` is the running
    :func:`batch_curvature_bound`.
    """

    coef: np.ndarray
    intercept: np.ndarray
    coef_integral: np.ndarray
    intercept_integral: np.ndarray
    clock: np.ndarray
    mean: np.ndarray
    spread: np.ndarray
    weight_sum: float
    lipschitz: float
    centered: bool

    @property
    def samples_seen(self) -> int:
        return int(self.clock[_SAMPLES])

    def coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """``(coef (n_features, n_outputs), intercept)``, uncentred; the time
        average once averaging has run for a positive time, else the iterate."""
        elapsed = self.clock[_H] - self.clock[_AVERAGE_START]
        if self.clock[_AVERAGE_START] >= 0.0 and elapsed > 0.0:
            coef = self.coef_integral / elapsed
            intercept = self.intercept_integral / elapsed
        else:
            coef, intercept = self.coef, self.intercept
        return coef.copy(), intercept - self.mean @ coef


def new_stream_state(
    n_features: int, n_outputs: int, *, centered: bool, coef=None, intercept=None
) -> StreamState:
    """A fresh state at ``coef`` / ``intercept`` (uncentred), zeros by default.

    With ``intercept=None`` the first pass starts from the intercept that is
    optimal for zero coefficients on its rows.
    """
    W = np.zeros((n_features, n_outputs))
    b = np.full(n_outputs, np.nan)  # set by the first pass
    if coef is not None:
        W[:] = coef
        b[:] = intercept
    return StreamState(
        coef=W,
        intercept=b,
        coef_integral=np.zeros_like(W),
        intercept_integral=np.zeros(n_outputs),
        clock=np.array([0.0, 0.0, 0.0, -1.0]),
        mean=np.zeros(n_features),
        spread=np.zeros(n_features),
        weight_sum=0.0,
        lipschitz=0.0,
        centered=centered,
    )


def stream_pass(
    X,
    Y,
    sample_weight,
    state: StreamState,
    *,
    loss: str,
    penalty: Penalty,
    fit_intercept: bool,
    batch_size: int,
    learning_rate: float | None,
    power_t: float,
    average_after: int,
) -> tuple[StreamState, float]:
    """One pass of mini-batch steps over ``(X, Y)``, starting from ``state``.

    Returns a *new* state (``state`` is never modified, so a failure leaves
    the caller's untouched) and the objective on these rows: the weighted mean
    of each row's loss before its step, plus the penalty at the new iterate.
    ``learning_rate=None`` uses ``1 / batch_curvature_bound`` as ``eta0``:
    in the preconditioner's metric no mini-batch's loss curves faster, so the
    first steps are stable without tuning. Raises
    :class:`NonFiniteIterateError` when the iterates overflow.
    """
    loss_code = LOSS_CODES[loss]
    curvature = CURVATURE[loss_code]
    if sp.issparse(X):
        if state.centered:
            # The state centres rows (it started on dense rows): only dense
            # rows can be centred, and this chunk is bounded by the caller.
            X = X.toarray()
        elif X.format != "csr":
            X = X.tocsr()
    if not sp.issparse(X):
        X = np.ascontiguousarray(X)
    design = make_design(X)
    n_samples = X.shape[0]
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    batch_weight = float(sample_weight.sum())
    if batch_weight <= 0.0:
        return state, math.nan

    # Running moments (Chan et al.'s pairwise update), hence D and the centring.
    batch_mean, batch_spread = weighted_column_moments(
        design, sample_weight / batch_weight, state.centered
    )
    total = state.weight_sum + batch_weight
    share = batch_weight / total
    delta = batch_mean - state.mean
    mean = state.mean + share * delta
    spread = (1.0 - share) * state.spread + share * batch_spread
    spread += share * (1.0 - share) * delta * delta
    l1, l2 = penalty.strengths(X.shape[1])
    scale = _preconditioner(mean, spread, curvature, l2)
    scale_intercept = float(curvature)

    new = StreamState(
        coef=state.coef.copy(),
        intercept=state.intercept.copy(),
        coef_integral=state.coef_integral.copy(),
        intercept_integral=state.intercept_integral.copy(),
        clock=state.clock.copy(),
        mean=mean,
        spread=spread,
        weight_sum=total,
        lipschitz=state.lipschitz,
        centered=state.centered,
    )
    if np.isnan(new.intercept).any():
        if fit_intercept:
            weights = sample_weight / batch_weight
            new.intercept[:] = intercept_at_zero(loss_code, Y, weights)
        else:
            new.intercept[:] = 0.0
    else:
        # The model is x @ W + b - mean @ W: keep it as the mean moves.
        new.intercept += (mean - state.mean) @ new.coef
        new.intercept_integral += (mean - state.mean) @ new.coef_integral
    if not state.centered:
        mean = np.zeros_like(mean)

    samples = state.clock[_SAMPLES] + n_samples
    mean_weight = total / samples
    rel_weights = sample_weight / mean_weight
    new.lipschitz = max(
        state.lipschitz,
        batch_curvature_bound(
            design,
            mean,
            scale,
            scale_intercept,
            rel_weights,
            float(curvature),
            int(batch_size),
        ),
    )
    eta0 = float(learning_rate) if learning_rate is not None else 1.0 / new.lipschitz
    with compile_notice("partial_fit"):
        status, loss_sum, weight_sum = sgd_pass(
            design, Y, rel_weights, mean, scale, scale_intercept, loss_code,
            l1, l2, bool(fit_intercept), new.coef, new.intercept,
            new.coef_integral, new.intercept_integral, new.clock, int(batch_size),
            eta0, float(power_t), int(average_after),
        )  # fmt: skip
    if status != STREAM_OK:
        if learning_rate is not None:
            advice = (
                f"learning_rate={learning_rate:g} is too large: it is the first "
                "step on the preconditioned problem, where "
                f"{1.0 / new.lipschitz:.3g} (learning_rate=None) is safe for "
                "every mini-batch seen so far."
            )
        else:
            advice = (
                "The data or targets are too large to be represented; rescale "
                "them (e.g. with StandardScaler) or pass float64 data."
            )
        raise NonFiniteIterateError(
            f"The stochastic iterates became non-finite (overflow or NaN) in "
            f"partial_fit after {int(new.clock[_SAMPLES])} samples. {advice}"
        )
    coef, _ = new.coefficients()
    if weight_sum <= 0:
        return new, math.nan
    return new, float(loss_sum / weight_sum + penalty.value(coef))
