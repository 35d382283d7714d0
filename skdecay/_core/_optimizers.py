"""Stochastic optimisers: update rules, weight-decay conventions, schedules.

The networks' training (``skdecay.neural_network``) steps a flat parameter
buffer ``theta`` with one of two optimisers, each a Python object with named
state, as scikit-learn's ``_stochastic_optimizers``:

* :class:`SGDOptimizer`: momentum or Nesterov momentum, state ``velocities``;
* :class:`AdamOptimizer`: Adam (Kingma & Ba), state ``ms`` and ``vs`` (the
  moving averages of the gradient and of its square) and ``step``.

Both hold the learning-rate schedule (``'constant'``, ``'invscaling'``,
``'adaptive'``, ``'cosine'``). What a compiled epoch needs of an optimiser is
one :class:`OptimizerState` (its hyper-parameters and its state arrays,
updated in place), and of the decay one :class:`Decay`; the update rules
:func:`sgd_step` and :func:`adam_step` are small compiled pieces, inlined
into :func:`optimizer_update`, which a compiled epoch calls once per
mini-batch.

The decay of the parameters ``theta[:decay.end]`` follows one of three
conventions (the formulas are in the networks' user guide):

* coupled L2: ``grad += lambda_t * theta``, before the optimiser's step, so
  momentum and Adam's moments see it (scikit-learn's ``alpha``);
* decoupled L2: ``theta *= 1 - rate_t * lambda_t`` before the optimiser's step,
  outside its state, where ``rate_t`` is the current learning rate
  (PyTorch's AdamW, Keras' AdamW, optax's adamw) or the schedule multiplier
  ``eta_t = learning_rate_t / learning_rate_init`` alone (Loshchilov &
  Hutter's AdamW), see :func:`epoch_decay`;
* L1: after the step, the soft-threshold of :func:`~._prox.soft_threshold`
  with threshold ``rate_t * lambda_t`` (in Adam's own metric when coupled
  with Adam).

``lambda_t`` is ``weight_decay`` times its own schedule,
:func:`decay_multiplier` (constant, linear warm-up or cosine).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from ._prox import soft_threshold

SGD = 0
ADAM = 1

#: Learning-rate schedules (the networks' ``learning_rate`` parameter).
LEARNING_RATE_SCHEDULES = ("constant", "invscaling", "adaptive", "cosine")
#: Schedules of the decay strength (``weight_decay_schedule``).
DECAY_SCHEDULES = ("constant", "linear_warmup", "cosine")
#: What multiplies the decoupled decay (``decoupled_scale``).
DECOUPLED_SCALES = ("learning_rate", "schedule")


class OptimizerState(NamedTuple):
    """One optimiser as a compiled epoch sees it; the arrays change in place.

    ``velocities`` is SGD's state; ``ms``, ``vs`` and ``step`` (an int64
    array of one entry: the number of steps taken) are Adam's. The state of
    the other method is empty.
    """

    method: int
    learning_rate: float
    momentum: float
    nesterov: bool
    beta_1: float
    beta_2: float
    epsilon: float
    velocities: np.ndarray
    ms: np.ndarray
    vs: np.ndarray
    step: np.ndarray


class Decay(NamedTuple):
    """The decay of ``theta[:end]`` during one epoch.

    ``strength`` is :math:`\\lambda_t`; ``rate`` multiplies it in the decoupled
    shrink ``theta *= 1 - rate * strength`` and in the L1 threshold (the
    learning rate, or the schedule multiplier: :func:`epoch_decay`).
    """

    strength: float
    rate: float
    coupled: bool
    l1: bool
    end: int


# One loop over the parameters, with the method's and the decay's branches
# inside: the compiler keeps such a loop scalar, which compiles several
# times faster than vectorised branch-free loops (measured: 0.4 s against
# 2.2 s of a first fit's compile, for an update that is a small part of an
# epoch), and one loop for both methods compiles faster than one per method.


@njit(cache=True, nogil=True, inline="always")
def _decay_term(value, decay):
    """The penalty of one decayed parameter."""
    if decay.l1:
        return decay.strength * abs(value)
    return 0.5 * decay.strength * value * value


@njit(cache=True, nogil=True, inline="always")
def sgd_step(value, g, k, velocities, learning_rate, momentum, nesterov):
    """SGD with (Nesterov) momentum on parameter ``k``: ``v <- momentum * v -
    learning_rate * g``, then ``value + v`` (Nesterov: ``value + momentum * v
    - learning_rate * g``)."""
    velocity = momentum * velocities[k] - learning_rate * g
    velocities[k] = velocity
    if nesterov:
        return value + momentum * velocity - learning_rate * g
    return value + velocity


@njit(cache=True, nogil=True, inline="always")
def adam_step(value, g, k, ms, vs, rate, beta_1, beta_2, epsilon):
    """Adam on parameter ``k``, with the bias correction folded into ``rate``
    (Kingma & Ba's form, as scikit-learn's): ``value - rate * m / (sqrt(v) +
    epsilon)``."""
    m = beta_1 * ms[k] + (1.0 - beta_1) * g
    v = beta_2 * vs[k] + (1.0 - beta_2) * g * g
    ms[k] = m
    vs[k] = v
    return value - rate * m / (math.sqrt(v) + epsilon)


@njit(cache=True, nogil=True, no_cpython_wrapper=True, no_cfunc_wrapper=True,
      error_model="numpy")  # fmt: skip
def optimizer_update(optimizer, theta, grad, decay):
    """One step of ``optimizer`` (an :class:`OptimizerState`) on ``theta``,
    with the decay of :class:`Decay` around it; returns the penalty before it.

    Adam's rate is ``learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)``
    (``optimizer.step[0]`` counts the steps). Coupled with Adam, the L1
    threshold is divided per coordinate by Adam's scaling ``(sqrt(v) +
    epsilon) / sqrt(1 - beta_2^t)``: the proximal step in Adam's metric.
    """
    adam = optimizer.method == ADAM
    adam_rate = 0.0
    prox_rate = 0.0
    if adam:
        t = optimizer.step[0] + 1
        optimizer.step[0] = t
        # ``math.pow`` (C's pow, as Python's ``float ** int``, hence
        # scikit-learn's): ``**`` with an integer exponent compiles a power
        # routine of its own (about 0.1 s of a cold first fit).
        bias_1 = 1.0 - math.pow(optimizer.beta_1, t)
        bias_2 = 1.0 - math.pow(optimizer.beta_2, t)
        adam_rate = optimizer.learning_rate * math.sqrt(bias_2) / bias_1
        if decay.coupled:
            prox_rate = optimizer.learning_rate * math.sqrt(bias_2) * decay.strength
    shrink = 1.0 - decay.rate * decay.strength
    threshold = decay.rate * decay.strength
    decays = decay.strength > 0.0
    penalty = 0.0
    for k in range(theta.shape[0]):
        value = theta[k]
        g = grad[k]
        decayed = decays and k < decay.end
        if decayed:
            penalty += _decay_term(value, decay)
            if not decay.l1:
                if decay.coupled:
                    g += decay.strength * value
                else:
                    value *= shrink
        if adam:
            value = adam_step(
                value, g, k, optimizer.ms, optimizer.vs, adam_rate,
                optimizer.beta_1, optimizer.beta_2, optimizer.epsilon,
            )  # fmt: skip
        else:
            value = sgd_step(
                value, g, k, optimizer.velocities, optimizer.learning_rate,
                optimizer.momentum, optimizer.nesterov,
            )  # fmt: skip
        if decayed and decay.l1:
            tau = threshold
            if adam and decay.coupled:
                tau = prox_rate / (math.sqrt(optimizer.vs[k]) + optimizer.epsilon)
            value = soft_threshold(value, tau)
        theta[k] = value
    return penalty


@njit(cache=True, nogil=True, no_cfunc_wrapper=True)
def _optimizer_update_entry(optimizer, theta, grad, decay):
    return optimizer_update(optimizer, theta, grad, decay)


# -- schedules (Python: once per epoch, nothing to compile) ----------------


def cosine_multiplier(epoch: int, n_epochs: int) -> float:
    """``(1 + cos(pi * epoch / n_epochs)) / 2``, from 1 to 0 over ``n_epochs``."""
    done = min(epoch, n_epochs)
    return 0.5 * (1.0 + math.cos(math.pi * done / n_epochs))


def decay_multiplier(schedule: str, epoch: int, n_epochs: int, warmup: int) -> float:
    """The factor of ``weight_decay`` in epoch ``epoch`` (counted from 0).

    ``'constant'``: 1; ``'linear_warmup'``: ``min(1, epoch / warmup)``, from 0
    to 1 over the first ``warmup`` epochs; ``'cosine'``: from 1 to 0 over
    ``n_epochs`` epochs, :func:`cosine_multiplier`.
    """
    if schedule == "linear_warmup":
        return 1.0 if warmup <= 0 else min(1.0, epoch / warmup)
    if schedule == "cosine":
        return cosine_multiplier(epoch, n_epochs)
    return 1.0


def epoch_decay(
    weight_decay: float,
    multiplier: float,
    *,
    mode: str,
    penalty: str,
    decoupled_scale: str,
    learning_rate: float,
    learning_rate_init: float,
    end: int,
) -> Decay:
    """The :class:`Decay` of an epoch.

    ``lambda_t = weight_decay * multiplier``. The decoupled shrink and the L1
    threshold are ``rate * lambda_t`` with ``rate`` the epoch's learning rate
    (``decoupled_scale='learning_rate'``, or any coupled decay) or its
    schedule multiplier ``learning_rate / learning_rate_init``
    (``decoupled_scale='schedule'``, decoupled only).
    """
    coupled = mode == "l2"
    rate = learning_rate
    if not coupled and decoupled_scale == "schedule":
        rate = learning_rate / learning_rate_init
    return Decay(
        float(weight_decay * multiplier), float(rate), coupled, penalty == "l1",
        int(end),
    )  # fmt: skip


# -- the optimisers --------------------------------------------------------


class _Optimizer:
    """The learning-rate schedule, shared by both optimisers.

    ``learning_rate`` is the base rate that 'invscaling' and 'adaptive'
    change; :meth:`epoch_learning_rate` is the rate of the coming epoch and
    ``epoch`` counts the epochs this state has run.
    """

    method = -1

    def __init__(self, learning_rate_init=0.001, schedule="constant", power_t=0.5,
                 n_epochs=200):  # fmt: skip
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.schedule = schedule
        self.power_t = float(power_t)
        self.n_epochs = int(n_epochs)
        self.epoch = 0

    def epoch_learning_rate(self) -> float:
        if self.schedule == "cosine":
            return self.learning_rate_init * cosine_multiplier(
                self.epoch, self.n_epochs
            )
        return self.learning_rate

    def iteration_ends(self, time_step: int) -> None:
        """An epoch ended after ``time_step`` samples in all ('invscaling')."""
        self.epoch += 1
        if self.schedule == "invscaling":
            scale = (time_step + 1) ** self.power_t
            self.learning_rate = self.learning_rate_init / scale

    def trigger_stopping(self) -> bool:
        """The stopping rule fired: stop (True), or ('adaptive') divide the
        rate by 5 and go on while it is above 1e-6."""
        if self.schedule == "adaptive" and self.learning_rate > 1e-6:
            self.learning_rate /= 5.0
            return False
        return True

    def _schedule_from(self, other: _Optimizer) -> None:
        """Continue ``other``'s schedule: its epochs, and its base rate
        relative to its initial rate (so that a new ``learning_rate_init``,
        after a divergence for instance, takes effect)."""
        if other.learning_rate_init == self.learning_rate_init:
            self.learning_rate = other.learning_rate
        else:
            ratio = other.learning_rate / other.learning_rate_init
            self.learning_rate = self.learning_rate_init * ratio
        self.epoch = other.epoch

    def state(self, learning_rate: float) -> OptimizerState:
        raise NotImplementedError

    def update(self, theta, grad, decay: Decay, learning_rate=None) -> float:
        """One step on ``theta`` in place (from Python; epochs step in their
        compiled loop). Returns the penalty before the step."""
        rate = self.epoch_learning_rate() if learning_rate is None else learning_rate
        return _optimizer_update_entry(self.state(rate), theta, grad, decay)


def _empty(dtype):
    return np.empty(0, dtype=dtype)


class SGDOptimizer(_Optimizer):
    """Stochastic gradient descent with momentum or Nesterov momentum.

    State: ``velocities``, one per parameter.
    """

    method = SGD

    def __init__(self, n_params, dtype, *, momentum=0.9, nesterov=True,
                 previous=None, **schedule):  # fmt: skip
        super().__init__(**schedule)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        if isinstance(previous, SGDOptimizer) and previous.velocities.size == n_params:
            self.velocities = previous.velocities.astype(dtype, copy=True)
            self._schedule_from(previous)
        else:
            self.velocities = np.zeros(n_params, dtype=dtype)
        self._step = np.zeros(1, dtype=np.int64)  # Adam's counter: unused

    def state(self, learning_rate):
        empty = _empty(self.velocities.dtype)
        return OptimizerState(
            SGD, float(learning_rate), self.momentum, self.nesterov, 0.0, 0.0, 0.0,
            self.velocities, empty, empty, self._step,
        )  # fmt: skip


class AdamOptimizer(_Optimizer):
    """Adam (Kingma & Ba), with the bias correction of its first moments.

    State: ``ms`` and ``vs`` (moving averages of the gradient and of its
    square, one per parameter) and ``step`` (the steps taken).
    """

    method = ADAM

    def __init__(self, n_params, dtype, *, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 previous=None, **schedule):  # fmt: skip
        super().__init__(**schedule)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        if isinstance(previous, AdamOptimizer) and previous.ms.size == n_params:
            self.ms = previous.ms.astype(dtype, copy=True)
            self.vs = previous.vs.astype(dtype, copy=True)
            self._step = previous._step.copy()
            self._schedule_from(previous)
        else:
            self.ms = np.zeros(n_params, dtype=dtype)
            self.vs = np.zeros(n_params, dtype=dtype)
            self._step = np.zeros(1, dtype=np.int64)

    @property
    def step(self) -> int:
        """Number of Adam steps taken (``t`` in the bias correction)."""
        return int(self._step[0])

    def state(self, learning_rate):
        return OptimizerState(
            ADAM, float(learning_rate), 0.0, False, self.beta_1, self.beta_2,
            self.epsilon, _empty(self.ms.dtype), self.ms, self.vs, self._step,
        )  # fmt: skip
