"""Numba kernels for the multi-layer perceptrons: one epoch of mini-batches.

All parameters of a network live in one flat buffer ``theta``: the weight
matrices first (layer ``l`` is ``theta[coef_start[l]:coef_start[l + 1]]``,
C-ordered ``(units[l], units[l + 1])``), then the biases
(``theta[intercept_start[l]:intercept_start[l + 1]]``). The decayed
parameters are therefore the prefix ``theta[:decay_end]``: the weights, and
the biases too when they are decayed. The gradient and the optimiser's state
share this layout, so the update is one loop over flat arrays.

:func:`train_epoch` runs a whole epoch (every mini-batch's forward pass,
backward pass and update) without returning to Python. Matrix products go
to BLAS through ``np.dot``; the first layer of a CSR input is a sparse x dense
product written here. Dense and CSR input go through the same compiled
function (the unused one is an empty placeholder), so there is one compiled
signature per floating dtype. The output layer's loss and its gradient are
the linear solvers' own, from ``skdecay._core._losses``.
"""

import numpy as np
from numba import njit

from .._core._losses import LOSS_CODES, loss_gradient

# Hidden activations (the ``activation`` parameter).
IDENTITY = 0
LOGISTIC = 1
TANH = 2
RELU = 3
ACTIVATIONS = {"identity": IDENTITY, "logistic": LOGISTIC, "tanh": TANH, "relu": RELU}

# Output layer and loss: the canonical pairs, whose gradient with respect to
# the output layer's pre-activation is ``prediction - target``. The losses are
# the core's (``skdecay._core._losses``), named by its integer codes.
SQUARED = LOSS_CODES["squared"]  # identity output, half squared error summed
BINARY = LOSS_CODES["logistic"]  # logistic output per column, log-loss summed
MULTINOMIAL = LOSS_CODES["multinomial"]  # softmax output, cross-entropy
# ``train_epoch`` serves every output kind through one compiled version per
# dtype: it takes the integer code and calls the core's ``loss_gradient``
# dispatcher. A loss marker (``datafit_gradient``) compiles only the loss that
# runs, but a whole ``train_epoch`` per output kind. Measured with an empty
# cache (2-CPU machine, fresh processes): the marker compiled a first
# classifier fit about 0.15 s faster (3.98 s against 4.13 s, the fit alone),
# and each further output kind in the same process (a regressor, a binary
# classifier) cost 1.8-2.0 s more with markers, 0.01 s with the code.
# The core's losses are separately compiled functions (0.2-0.3 s more than the
# inline copies they replaced); the four one-loop helpers below are inlined
# and ``train_epoch`` allocates no zero-filled arrays (np.zeros and
# np.zeros_like compile code of their own), which gives that time back.

SGD = 0
ADAM = 1

# What ``train_epoch`` reports in ``status``.
OK = 0
NON_FINITE = 1


@njit(cache=True, nogil=True)
def _activate(Z, activation):
    """Apply a hidden activation in place."""
    n, m = Z.shape
    if activation == RELU:
        for i in range(n):
            for j in range(m):
                if Z[i, j] < 0.0:
                    Z[i, j] = 0.0
    elif activation == TANH:
        for i in range(n):
            for j in range(m):
                Z[i, j] = np.tanh(Z[i, j])
    elif activation == LOGISTIC:
        for i in range(n):
            for j in range(m):
                Z[i, j] = 1.0 / (1.0 + np.exp(-Z[i, j]))


@njit(cache=True, nogil=True)
def _activation_backward(A, mask, delta, activation, use_mask):
    """Multiply ``delta`` in place by the derivative of the activation.

    ``A`` holds the layer's output as the next layer saw it, that is after
    dropout when ``use_mask``: ``A = f(Z) * mask`` with ``mask`` either 0 or
    ``1 / (1 - dropout)``. The derivative with respect to ``Z`` is then
    ``mask * f'(Z)``, and ``f'`` is written in terms of ``f(Z) = A / mask``.
    """
    n, m = A.shape
    for i in range(n):
        for j in range(m):
            a = A[i, j]
            if use_mask:
                scale = mask[i, j]
                if scale == 0.0:
                    delta[i, j] = 0.0
                    continue
                a = a / scale
                delta[i, j] *= scale
            if activation == RELU:
                if a <= 0.0:
                    delta[i, j] = 0.0
            elif activation == TANH:
                delta[i, j] *= 1.0 - a * a
            elif activation == LOGISTIC:
                delta[i, j] *= a * (1.0 - a)


@njit(cache=True, nogil=True, inline="always")
def _csr_rows_matmul(data, indices, indptr, rows, W, out):
    """``out = X[rows] @ W`` for a CSR matrix ``X``."""
    out[:, :] = 0.0
    m = W.shape[1]
    for r in range(rows.shape[0]):
        row = rows[r]
        for jj in range(indptr[row], indptr[row + 1]):
            value = data[jj]
            col = indices[jj]
            for k in range(m):
                out[r, k] += value * W[col, k]


@njit(cache=True, nogil=True, inline="always")
def _csr_rows_rmatmul(data, indices, indptr, rows, delta, out):
    """``out = X[rows].T @ delta`` for a CSR matrix ``X``."""
    out[:, :] = 0.0
    m = delta.shape[1]
    for r in range(rows.shape[0]):
        row = rows[r]
        for jj in range(indptr[row], indptr[row + 1]):
            value = data[jj]
            col = indices[jj]
            for k in range(m):
                out[col, k] += value * delta[r, k]


@njit(cache=True, nogil=True, inline="always")
def _add_bias(Z, theta, start):
    n, m = Z.shape
    for i in range(n):
        for j in range(m):
            Z[i, j] += theta[start + j]


@njit(cache=True, nogil=True, inline="always")
def _sum_rows(delta, out, start):
    n, m = delta.shape
    for j in range(m):
        out[start + j] = 0.0
    for i in range(n):
        for j in range(m):
            out[start + j] += delta[i, j]


@njit(cache=True, nogil=True)
def _update(
    theta,
    grad,
    state_a,
    state_b,
    decay_end,
    solver,
    learning_rate,
    adam_step,
    momentum,
    nesterov,
    beta_1,
    beta_2,
    epsilon,
    weight_decay,
    coupled,
    l1,
):
    """One optimiser step on every parameter; returns the penalty before it.

    ``grad`` is the gradient of the batch's mean loss. The penalty acts on
    ``theta[:decay_end]``:

    * L2, coupled: ``weight_decay * theta`` is added to the gradient, so it
      goes through momentum or Adam's moments (scikit-learn's ``alpha``);
    * L2, decoupled: ``theta -= learning_rate * weight_decay * theta`` before
      the optimiser's step, outside its state (AdamW);
    * L1: after the step, the soft-threshold (the proximal operator of
      ``tau * |theta|``) with ``tau = learning_rate * weight_decay``; coupled
      with Adam, ``tau`` is divided per coordinate by Adam's scaling
      ``sqrt(v / (1 - beta_2^t)) + epsilon``, the proximal step in Adam's metric.
    """
    penalty = 0.0
    n_params = theta.shape[0]
    if solver == ADAM:
        bias_1 = 1.0 - beta_1**adam_step
        bias_2 = 1.0 - beta_2**adam_step
        adam_rate = learning_rate * np.sqrt(bias_2) / bias_1
        prox_rate = learning_rate * np.sqrt(bias_2)
    decoupled_factor = 1.0 - learning_rate * weight_decay
    for k in range(n_params):
        value = theta[k]
        g = grad[k]
        decayed = k < decay_end and weight_decay > 0.0
        if decayed:
            if l1:
                penalty += weight_decay * abs(value)
            else:
                penalty += 0.5 * weight_decay * value * value
                if coupled:
                    g += weight_decay * value
                else:
                    value *= decoupled_factor
        if solver == SGD:
            velocity = momentum * state_a[k] - learning_rate * g
            state_a[k] = velocity
            if nesterov:
                value += momentum * velocity - learning_rate * g
            else:
                value += velocity
            tau = learning_rate * weight_decay
        else:
            m = beta_1 * state_a[k] + (1.0 - beta_1) * g
            v = beta_2 * state_b[k] + (1.0 - beta_2) * g * g
            state_a[k] = m
            state_b[k] = v
            root = np.sqrt(v) + epsilon
            value -= adam_rate * m / root
            if coupled:
                tau = prox_rate * weight_decay / root
            else:
                tau = learning_rate * weight_decay
        if decayed and l1:
            if value > tau:
                value -= tau
            elif value < -tau:
                value += tau
            else:
                value = 0.0
        theta[k] = value
    return penalty


@njit(cache=True, nogil=True)
def train_epoch(
    X,
    data,
    indices,
    indptr,
    is_sparse,
    Y,
    sample_weight,
    order,
    batch_size,
    theta,
    state_a,
    state_b,
    units,
    coef_start,
    intercept_start,
    decay_end,
    activation,
    out_kind,
    solver,
    learning_rate,
    adam_step,
    momentum,
    nesterov,
    beta_1,
    beta_2,
    epsilon,
    weight_decay,
    coupled,
    l1,
    dropout,
    seed,
):
    """One epoch: mini-batches of ``order`` through forward, backward, update.

    Returns ``(status, loss_sum, weight_sum, adam_step)``: ``loss_sum`` is the
    sum over batches of the batch's weight sum times its mean loss (plus the
    penalty, when it is coupled), so ``loss_sum / weight_sum`` is the epoch's
    training loss; ``status`` is ``NON_FINITE`` (and the epoch stops) as soon
    as a batch's loss or the parameters stop being finite.
    """
    n_layers = units.shape[0] - 1
    n_rows = order.shape[0]
    n_features = units[0]
    # Activation (and delta, and dropout mask) buffers of all layers but the
    # input, in one flat array; layer k >= 1 starts at batch_size * offset[k].
    offset = np.empty(n_layers + 2, dtype=np.int64)
    offset[0] = 0
    offset[1] = 0
    for k in range(1, n_layers + 1):
        offset[k + 1] = offset[k] + units[k]
    total_units = offset[n_layers + 1]
    acts = np.empty(batch_size * total_units, dtype=theta.dtype)
    deltas = np.empty(batch_size * total_units, dtype=theta.dtype)
    use_mask = dropout > 0.0
    masks = np.empty(batch_size * total_units if use_mask else 0, dtype=theta.dtype)
    grad = np.empty(theta.shape[0], dtype=theta.dtype)  # filled by each backward
    X_batch = np.empty((batch_size if not is_sparse else 0, n_features), theta.dtype)
    # The batch's targets and loss weights, flat: the loss sees them through
    # (rows, cols) views, see "Loss" below.
    n_outputs = units[n_layers]
    Y_batch = np.empty(batch_size * n_outputs, dtype=theta.dtype)
    w_loss = np.empty(batch_size * n_outputs, dtype=theta.dtype)
    flatten = out_kind == BINARY and n_outputs > 1
    keep_scale = 1.0 / (1.0 - dropout) if use_mask else 1.0
    if use_mask:
        # Numba's own generator (one per thread), seeded by the caller each
        # epoch from the estimator's random_state: deterministic dropout.
        np.random.seed(seed)  # noqa: NPY002

    loss_sum = 0.0
    weight_sum = 0.0
    for start in range(0, n_rows, batch_size):
        stop = min(start + batch_size, n_rows)
        nb = stop - start
        rows = order[start:stop]
        batch_weight = 0.0
        for r in range(nb):
            row = rows[r]
            batch_weight += sample_weight[row]
            for j in range(n_outputs):
                Y_batch[r * n_outputs + j] = Y[row, j]
            if not is_sparse:
                for j in range(n_features):
                    X_batch[r, j] = X[row, j]
        if batch_weight <= 0.0:
            continue  # nothing to learn from a batch of zero weights
        # The core's losses take weights that sum to one: their value is then
        # the batch's weighted mean loss.
        for r in range(nb):
            w = sample_weight[rows[r]] / batch_weight
            if flatten:
                for j in range(n_outputs):
                    w_loss[r * n_outputs + j] = w
            else:
                w_loss[r] = w

        # Forward.
        for layer in range(n_layers):
            fan_in = units[layer]
            fan_out = units[layer + 1]
            W = theta[coef_start[layer] : coef_start[layer + 1]].reshape(
                (fan_in, fan_out)
            )
            base = batch_size * offset[layer + 1]
            Z = acts[base : base + nb * fan_out].reshape((nb, fan_out))
            if layer == 0:
                if is_sparse:
                    _csr_rows_matmul(data, indices, indptr, rows, W, Z)
                else:
                    np.dot(X_batch[:nb], W, Z)
            else:
                prev = batch_size * offset[layer]
                A = acts[prev : prev + nb * fan_in].reshape((nb, fan_in))
                np.dot(A, W, Z)
            _add_bias(Z, theta, intercept_start[layer])
            if layer < n_layers - 1:
                _activate(Z, activation)
                if use_mask:
                    M = masks[base : base + nb * fan_out].reshape((nb, fan_out))
                    for i in range(nb):
                        for j in range(fan_out):
                            if np.random.random() < dropout:  # noqa: NPY002
                                M[i, j] = 0.0
                                Z[i, j] = 0.0
                            else:
                                M[i, j] = keep_scale
                                Z[i, j] *= keep_scale

        # Loss: the batch's weighted mean loss, and the output layer's delta
        # ``w_i / sum(w) * (prediction_i - y_i)`` (the core's loss gradient in
        # the pre-activation ``Z``; computed from ``Z``, never from clipped
        # probabilities). The core's logistic loss reads one output per row
        # (column 0); a multi-label target's loss is the sum of its columns'
        # losses, so it is evaluated on the (nb * n_outputs, 1) views, each
        # row's weight repeated per output (the squared loss takes every
        # output as it is).
        base = batch_size * offset[n_layers]
        size = nb * n_outputs
        shape = (size, 1) if flatten else (nb, n_outputs)
        batch_loss = loss_gradient(
            out_kind,
            Y_batch[:size].reshape(shape),
            acts[base : base + size].reshape(shape),
            w_loss[: shape[0]],
            deltas[base : base + size].reshape(shape),
        )
        if not np.isfinite(batch_loss):
            return NON_FINITE, loss_sum, weight_sum, adam_step

        # Backward.
        for layer in range(n_layers - 1, -1, -1):
            fan_in = units[layer]
            fan_out = units[layer + 1]
            base = batch_size * offset[layer + 1]
            D = deltas[base : base + nb * fan_out].reshape((nb, fan_out))
            G = grad[coef_start[layer] : coef_start[layer + 1]].reshape(
                (fan_in, fan_out)
            )
            if layer == 0:
                if is_sparse:
                    _csr_rows_rmatmul(data, indices, indptr, rows, D, G)
                else:
                    np.dot(X_batch[:nb].T, D, G)
            else:
                prev = batch_size * offset[layer]
                A = acts[prev : prev + nb * fan_in].reshape((nb, fan_in))
                np.dot(A.T, D, G)
                W = theta[coef_start[layer] : coef_start[layer + 1]].reshape(
                    (fan_in, fan_out)
                )
                D_prev = deltas[prev : prev + nb * fan_in].reshape((nb, fan_in))
                np.dot(D, W.T, D_prev)
                if use_mask:
                    M = masks[prev : prev + nb * fan_in].reshape((nb, fan_in))
                else:
                    M = D_prev
                _activation_backward(A, M, D_prev, activation, use_mask)
            _sum_rows(D, grad, intercept_start[layer])

        if solver == ADAM:
            adam_step += 1
        penalty = _update(
            theta,
            grad,
            state_a,
            state_b,
            decay_end,
            solver,
            learning_rate,
            adam_step,
            momentum,
            nesterov,
            beta_1,
            beta_2,
            epsilon,
            weight_decay,
            coupled,
            l1,
        )
        if coupled:
            batch_loss += penalty
        loss_sum += batch_weight * batch_loss
        weight_sum += batch_weight
    for k in range(theta.shape[0]):
        if not np.isfinite(theta[k]):
            return NON_FINITE, loss_sum, weight_sum, adam_step
    return OK, loss_sum, weight_sum, adam_step
