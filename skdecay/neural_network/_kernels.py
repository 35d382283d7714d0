"""Numba kernels for the multi-layer perceptrons: one epoch of mini-batches.

All parameters of a network live in one flat buffer ``theta``: the weight
matrices first (layer ``l`` is ``theta[coef_start[l]:coef_start[l + 1]]``,
C-ordered ``(units[l], units[l + 1])``), then the biases
(``theta[intercept_start[l]:intercept_start[l + 1]]``). The decayed
parameters are therefore the prefix ``theta[:decay_end]``: the weights, and
the biases too when they are decayed. The gradient and the optimiser's state
share this layout, so the update is one loop over flat arrays.

:func:`train_epoch` runs a whole epoch (every mini-batch's :func:`_forward`
pass, loss, :func:`_backward` pass and update) without returning to Python.
It takes five typed structs: the :class:`Batches` (the design matrix, the
targets, the order of the rows), the :class:`Network` (its parameters and
layout), the :class:`Workspace` (buffers allocated once per fit), and the
optimiser and decay of ``skdecay._core._optimizers``. Nothing here is a copy
of the core: the first layer's products with the rows of a dense or CSR
``X`` are ``skdecay._core._linalg``'s row-block products, the output layer's
loss and gradient ``skdecay._core._losses``', the update rules and the
soft-threshold ``skdecay._core._optimizers``'.

Compiled once per floating dtype: the layout of ``X``, the activation, the
loss (an integer code: one compiled epoch serves every output kind, see
below) and the optimiser are values, not types. What the first fit compiles
was measured (seconds of an empty-cache fit, fresh processes, on a loaded
2-core machine):

* the forward and backward passes, the batch loading and the dense
  row-block products are inlined into :func:`_train_epoch` (compiled apart
  they cost 0.3 s more); the activations, the optimiser's update and the
  loss are compiled apart (inlined, they cost 0.9 s more), and so are the
  two views :func:`_layer` and :func:`_coefs`, called at eleven places
  (inlined at each: 0.15-0.2 s more, for code the compiler inlines in the
  end anyway); ``error_model="numpy"`` drops the zero-division checks of
  Python semantics (0.2 s; no division here can be by zero);
* the hidden layers' three products (``A @ W``, ``A.T @ D``, ``D @ W.T``)
  and the first layer's dense ones are one BLAS ``gemm`` with run-time
  transposes, ``skdecay._core._blas.matmul`` (three ``np.dot`` signatures:
  0.25-0.3 s more);
* the CSR first-layer products are not in the epoch: :func:`train_epoch`
  hands the compiled :func:`_train_epoch` the address of
  ``skdecay._core._linalg``'s separately compiled C function (compiled on
  the first CSR fit), so a first fit on dense data does not compile them
  (0.45-0.6 s);
* the activations loop over flat buffers (2-D loops: 0.2-0.25 s more);
* tried and not kept: the biases' loops as BLAS products with a column of
  ones (no faster to compile).

Together (issue 12; the default networks on iris and diabetes, fresh
processes with an empty cache, before and after in turn, medians of 3, the
machine loaded by others, load average 2.4-3.0): the first fit went from
5.0-5.1 s to 4.1-4.2 s, 17% less, with the same warm first fit (0.22-0.25
s) and the same time per epoch (dense and CSR, within 4%). On a quiet
machine it was 4.3 s before.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from .._core._blas import matmul
from .._core._linalg import (
    INTERNAL,
    DesignMatrix,
    csr_products,
    load_row_block,
    row_block_product,
)
from .._core._losses import LOSS_CODES, loss_gradient
from .._core._optimizers import Decay, OptimizerState, optimizer_update

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

# What ``train_epoch`` reports in ``status``.
OK = 0
NON_FINITE = 1


class Batches(NamedTuple):
    """The training data of an epoch, in mini-batches of ``size`` rows.

    ``X`` is a dense C-ordered or CSR :class:`DesignMatrix`; ``Y`` the
    (n_samples, n_outputs) targets; ``order`` the rows in the epoch's order;
    ``loss`` the core's loss code; ``seed`` seeds dropout's generator.
    """

    X: DesignMatrix
    Y: np.ndarray
    sample_weight: np.ndarray
    order: np.ndarray
    size: int
    loss: int
    seed: int


class Network(NamedTuple):
    """The parameters ``theta`` (updated in place) and their layout."""

    theta: np.ndarray
    units: np.ndarray
    coef_start: np.ndarray
    intercept_start: np.ndarray
    activation: int
    dropout: float


class Workspace(NamedTuple):
    """Buffers of one fit, allocated once (in Python: nothing to compile).

    ``activations``, ``deltas`` and ``masks`` (dropout; empty without) hold
    every layer but the input, flat: layer ``l >= 1`` of a batch of ``nb``
    rows is ``[start[l], start[l] + nb * units[l])``, C-ordered (nb,
    units[l]). ``block`` receives the batch's rows of a dense ``X`` (no rows
    for CSR); ``targets`` and ``loss_weights`` the batch's targets and
    weights as the loss reads them; ``grad`` the gradient, laid out as
    ``theta``.
    """

    block: np.ndarray
    activations: np.ndarray
    deltas: np.ndarray
    masks: np.ndarray
    start: np.ndarray
    grad: np.ndarray
    targets: np.ndarray
    loss_weights: np.ndarray


@njit(cache=True, nogil=True, error_model="numpy", **INTERNAL)
def _activate(Z, activation):
    """Apply a hidden activation in place to a layer's values, flat.

    Flat (1-D) loops: the 2-D loops over (rows, units) they replace cost a
    cold first fit 0.2-0.25 s more to compile (measured interleaved, fresh
    processes), for the same work on contiguous buffers.
    """
    if activation == RELU:
        for i in range(Z.shape[0]):
            if Z[i] < 0.0:
                Z[i] = 0.0
    elif activation == TANH:
        for i in range(Z.shape[0]):
            Z[i] = np.tanh(Z[i])
    elif activation == LOGISTIC:
        for i in range(Z.shape[0]):
            Z[i] = 1.0 / (1.0 + np.exp(-Z[i]))


@njit(cache=True, nogil=True, error_model="numpy", **INTERNAL)
def _activation_backward(A, mask, delta, activation, use_mask):
    """Multiply ``delta`` in place by the derivative of the activation.

    ``A``, ``mask`` and ``delta`` are a layer's values, flat (as in
    :func:`_activate`). ``A`` holds the layer's output as the next layer saw
    it, that is after dropout when ``use_mask``: ``A = f(Z) * mask`` with
    ``mask`` either 0 or ``1 / (1 - dropout)``. The derivative with respect
    to ``Z`` is then ``mask * f'(Z)``, and ``f'`` is written in terms of
    ``f(Z) = A / mask`` (``A`` is overwritten with ``f(Z)``: the backward
    pass is done with it). One loop per case: a branch inside the loop on a
    constant would be compiled as one copy of the loop per combination.
    """
    n = A.shape[0]
    if use_mask:
        for i in range(n):
            scale = mask[i]
            if scale == 0.0:
                delta[i] = 0.0
            else:
                A[i] /= scale
                delta[i] *= scale
    if activation == RELU:
        for i in range(n):
            if A[i] <= 0.0:
                delta[i] = 0.0
    elif activation == TANH:
        for i in range(n):
            delta[i] *= 1.0 - A[i] * A[i]
    elif activation == LOGISTIC:
        for i in range(n):
            delta[i] *= A[i] * (1.0 - A[i])


@njit(cache=True, nogil=True, **INTERNAL)
def _layer(flat, work, layer, n_rows, width):
    """Layer ``layer``'s rows of a flat buffer, as (n_rows, width)."""
    start = work.start[layer]
    return flat[start : start + n_rows * width].reshape((n_rows, width))


@njit(cache=True, nogil=True, **INTERNAL)
def _coefs(network, flat, layer):
    """Layer ``layer``'s weight matrix in a buffer laid out as ``theta``."""
    return flat[network.coef_start[layer] : network.coef_start[layer + 1]].reshape(
        (network.units[layer], network.units[layer + 1])
    )


@njit(cache=True, nogil=True, inline="always")
def _forward(network, X, rows, work, csr_product):
    """Activations of every layer for the batch ``rows`` (``load_row_block``
    done); the output layer's pre-activation last. Draws dropout's masks."""
    n_rows = rows.shape[0]
    units = network.units
    n_layers = units.shape[0] - 1
    theta = network.theta
    use_mask = network.dropout > 0.0
    keep_scale = 1.0 / (1.0 - network.dropout)
    for layer in range(n_layers):
        fan_out = units[layer + 1]
        W = _coefs(network, theta, layer)
        Z = _layer(work.activations, work, layer + 1, n_rows, fan_out)
        if layer == 0:
            row_block_product(X, rows, work.block, W, False, Z, csr_product)
        else:
            A = _layer(work.activations, work, layer, n_rows, units[layer])
            matmul(A, False, W, False, Z)
        bias = network.intercept_start[layer]
        for i in range(n_rows):
            for j in range(fan_out):
                Z[i, j] += theta[bias + j]
        if layer == n_layers - 1:
            break
        _activate(Z.reshape(-1), network.activation)
        if use_mask:
            M = _layer(work.masks, work, layer + 1, n_rows, fan_out)
            for i in range(n_rows):
                for j in range(fan_out):
                    if np.random.random() < network.dropout:  # noqa: NPY002
                        M[i, j] = 0.0
                        Z[i, j] = 0.0
                    else:
                        M[i, j] = keep_scale
                        Z[i, j] *= keep_scale


@njit(cache=True, nogil=True, inline="always")
def _backward(network, X, rows, work, csr_product):
    """The gradient of the batch's mean loss into ``work.grad``, from the
    output layer's delta (set by the loss) down to the first layer."""
    n_rows = rows.shape[0]
    units = network.units
    n_layers = units.shape[0] - 1
    grad = work.grad
    use_mask = network.dropout > 0.0
    for layer in range(n_layers - 1, -1, -1):
        fan_in = units[layer]
        fan_out = units[layer + 1]
        D = _layer(work.deltas, work, layer + 1, n_rows, fan_out)
        G = _coefs(network, grad, layer)
        if layer == 0:
            row_block_product(X, rows, work.block, D, True, G, csr_product)
        else:
            A = _layer(work.activations, work, layer, n_rows, fan_in)
            matmul(A, True, D, False, G)
            W = _coefs(network, network.theta, layer)
            D_prev = _layer(work.deltas, work, layer, n_rows, fan_in)
            matmul(D, False, W, True, D_prev)
            M = _layer(work.masks, work, layer, n_rows, fan_in) if use_mask else D_prev
            _activation_backward(
                A.reshape(-1), M.reshape(-1), D_prev.reshape(-1),
                network.activation, use_mask,
            )  # fmt: skip
        bias = network.intercept_start[layer]
        for j in range(fan_out):
            grad[bias + j] = 0.0
        for i in range(n_rows):
            for j in range(fan_out):
                grad[bias + j] += D[i, j]


@njit(cache=True, nogil=True, inline="always")
def _load_batch(batches, rows, work, flatten):
    """The batch's targets, loss weights (summing to one) and dense rows;
    returns the batch's weight sum."""
    Y = batches.Y
    n_outputs = Y.shape[1]
    batch_weight = 0.0
    for r in range(rows.shape[0]):
        row = rows[r]
        batch_weight += batches.sample_weight[row]
        for j in range(n_outputs):
            work.targets[r * n_outputs + j] = Y[row, j]
    if batch_weight <= 0.0:
        return batch_weight
    # A multi-label loss reads one weight per (row, output): see train_epoch.
    repeat = n_outputs if flatten else 1
    for r in range(rows.shape[0]):
        w = batches.sample_weight[rows[r]] / batch_weight
        for j in range(repeat):
            work.loss_weights[r * repeat + j] = w
    load_row_block(batches.X, rows, work.block)
    return batch_weight


@njit(cache=True, nogil=True, no_cfunc_wrapper=True, error_model="numpy")
def _train_epoch(batches, network, work, optimizer, decay, csr_product):
    """One epoch: mini-batches of ``batches.order`` through forward, loss,
    backward and the optimiser's update.

    Returns ``(status, loss_sum, weight_sum, first_loss)``: ``loss_sum`` is
    the sum over batches of the batch's weight sum times its mean loss (plus
    the penalty, when it is coupled), so ``loss_sum / weight_sum`` is the
    epoch's training loss; ``first_loss`` is the first batch's, at the
    parameters the epoch started from; ``status`` is ``NON_FINITE`` (and the
    epoch stops) as soon as a batch's loss or the parameters stop being
    finite. ``csr_product`` is the address of the CSR first-layer products
    for a CSR ``batches.X`` (``skdecay._core._linalg.csr_products``; unused,
    0, for dense data).
    """
    n_outputs = batches.Y.shape[1]
    n_layers = network.units.shape[0] - 1
    # The core's logistic loss reads one output per row (column 0): a
    # multi-label target's loss, the sum of its columns' losses, is
    # evaluated on (n_rows * n_outputs, 1) views, each row's weight repeated
    # per output. The other losses take every output as it is.
    flatten = batches.loss == BINARY and n_outputs > 1
    if network.dropout > 0.0:
        # Numba's own generator (one per thread), seeded by the caller each
        # epoch from the estimator's random_state: deterministic dropout.
        np.random.seed(batches.seed)  # noqa: NPY002
    n_samples = batches.order.shape[0]
    loss_sum = 0.0
    weight_sum = 0.0
    first_loss = np.nan
    for first in range(0, n_samples, batches.size):
        rows = batches.order[first : min(first + batches.size, n_samples)]
        batch_weight = _load_batch(batches, rows, work, flatten)
        if batch_weight <= 0.0:
            continue  # nothing to learn from a batch of zero weights
        _forward(network, batches.X, rows, work, csr_product)
        # The batch's weighted mean loss, and the output layer's delta
        # ``w_i / sum(w) * (prediction_i - y_i)``, computed from the
        # pre-activation, never from clipped probabilities.
        size = rows.shape[0] * n_outputs
        shape = (size, 1) if flatten else (rows.shape[0], n_outputs)
        start = work.start[n_layers]
        batch_loss = loss_gradient(
            batches.loss,
            work.targets[:size].reshape(shape),
            work.activations[start : start + size].reshape(shape),
            work.loss_weights[: shape[0]],
            work.deltas[start : start + size].reshape(shape),
        )
        if not np.isfinite(batch_loss):
            return NON_FINITE, loss_sum, weight_sum, first_loss
        _backward(network, batches.X, rows, work, csr_product)
        penalty = optimizer_update(optimizer, network.theta, work.grad, decay)
        if decay.coupled:
            batch_loss += penalty
        if weight_sum == 0.0:
            first_loss = batch_loss
        loss_sum += batch_weight * batch_loss
        weight_sum += batch_weight
    theta = network.theta
    for k in range(theta.shape[0]):
        if not np.isfinite(theta[k]):
            return NON_FINITE, loss_sum, weight_sum, first_loss
    return OK, loss_sum, weight_sum, first_loss


def train_epoch(batches, network, work, optimizer, decay):
    """One epoch (see :func:`_train_epoch`), with the CSR products compiled
    apart, on first use."""
    csr_product = csr_products(batches.X)
    if csr_product and (
        batches.X.data.dtype != network.theta.dtype or batches.order.dtype != np.int64
    ):
        # The C function reads raw pointers of these types.
        raise TypeError(
            "A CSR X must have the network's dtype, and the rows' order int64."
        )
    return _train_epoch(batches, network, work, optimizer, decay, csr_product)


def make_workspace(units, batch_size, dtype, *, dense, dropout, n_params):
    """The :class:`Workspace` of a network with layer sizes ``units``."""
    widths = np.asarray(units[1:], dtype=np.int64)
    start = np.zeros(len(units), dtype=np.int64)
    start[1:] = batch_size * np.concatenate([[0], np.cumsum(widths)[:-1]])
    total = int(batch_size * widths.sum())
    n_outputs = int(units[-1])
    return Workspace(
        np.empty((batch_size if dense else 0, int(units[0])), dtype=dtype),
        np.empty(total, dtype=dtype),
        np.empty(total, dtype=dtype),
        np.empty(total if dropout > 0 else 0, dtype=dtype),
        start,
        np.empty(n_params, dtype=dtype),
        np.empty(batch_size * n_outputs, dtype=dtype),
        np.empty(batch_size * n_outputs, dtype=dtype),
    )


__all__ = [
    "ACTIVATIONS",
    "BINARY",
    "MULTINOMIAL",
    "NON_FINITE",
    "OK",
    "SQUARED",
    "Batches",
    "Decay",
    "Network",
    "OptimizerState",
    "Workspace",
    "make_workspace",
    "train_epoch",
]
