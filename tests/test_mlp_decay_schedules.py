"""The networks' update rules against the published formulas, step by step.

Each reference below is a plain NumPy transcription of an optimiser as its
authors or its library document it, run for several steps next to
skdecay's compiled update (:mod:`skdecay._core._optimizers`), with a
learning-rate schedule and a decay schedule changing between steps:

* SGDW, Loshchilov & Hutter (2019), Algorithm 1: heavy-ball momentum that
  carries the scheduled rate, decoupled decay ``eta_t * lambda * theta``;
  its coupled twin adds ``lambda * theta`` to the gradient;
* SGD with Nesterov momentum, as scikit-learn's and PyTorch's
  documentation write it (``nesterov=True``), at a constant rate;
* AdamW, Loshchilov & Hutter, Algorithm 2 (Adam with bias-corrected moments
  ``m_hat``, ``v_hat``; decoupled decay scaled by the schedule multiplier
  alone) and its coupled ("Adam with L2") twin;
* AdamW as PyTorch documents it (``theta -= lr_t * lambda * theta``);
* proximal SGD with an L1 penalty (soft-threshold at ``lr_t * lambda``).

skdecay's Adam folds the bias correction into the rate (Kingma & Ba's
"efficient" form, ``epsilon`` outside the correction, as scikit-learn);
with ``epsilon = 1e-12`` the two forms agree to ~1e-10 relative.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_regression

from skdecay import DecayMLPRegressor
from skdecay._core._optimizers import (
    AdamOptimizer,
    SGDOptimizer,
    decay_multiplier,
    epoch_decay,
)

N_STEPS = 6
LR0 = 0.05
LAMBDA = 0.3


def _problem(seed=0, n=7):
    rng = np.random.RandomState(seed)
    theta = rng.standard_normal(n)
    grads = rng.standard_normal((N_STEPS, n))
    return theta, grads


def _multipliers():
    """A learning-rate schedule multiplier eta_t and a decay multiplier per
    step (a cosine and a warm-up, so that both change at every step)."""
    eta = [0.5 * (1 + math.cos(math.pi * t / N_STEPS)) for t in range(N_STEPS)]
    decay = [decay_multiplier("linear_warmup", t, N_STEPS, 3) for t in range(N_STEPS)]
    return eta, decay


def _skdecay(optimizer, theta, grads, *, mode, scale, penalty="l2", end=None):
    """skdecay's steps: rate LR0 * eta_t, decay LAMBDA * decay_t."""
    theta = theta.copy()
    end = theta.size if end is None else end
    for t, (eta, mult) in enumerate(zip(*_multipliers(), strict=True)):
        rate = LR0 * eta
        decay = epoch_decay(
            LAMBDA, mult, mode=mode, penalty=penalty, decoupled_scale=scale,
            learning_rate=rate, learning_rate_init=LR0, end=end,
        )  # fmt: skip
        optimizer.update(theta, grads[t].copy(), decay, learning_rate=rate)
    return theta


def _sgdw_paper(theta, grads, momentum, *, coupled):
    """Loshchilov & Hutter, Algorithm 1 (SGDW), with alpha = LR0: ``m_t =
    beta_1 m + eta_t alpha g``, ``theta -= m_t + eta_t lambda theta``."""
    theta = theta.copy()
    m = np.zeros_like(theta)
    for t, (eta, mult) in enumerate(zip(*_multipliers(), strict=True)):
        lam = LAMBDA * mult
        g = grads[t] + (lam * theta if coupled else 0.0)
        m = momentum * m + eta * LR0 * g
        theta = theta - m - (0.0 if coupled else eta * LR0 * lam * theta)
    return theta


def _adamw_paper(theta, grads, beta_1, beta_2, eps, *, coupled):
    """Loshchilov & Hutter, Algorithm 2: ``theta -= eta_t (alpha m_hat /
    (sqrt(v_hat) + eps) + lambda theta)``; coupled: ``g += lambda theta``."""
    theta = theta.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, (eta, mult) in enumerate(zip(*_multipliers(), strict=True)):
        lam = LAMBDA * mult
        g = grads[t] + (lam * theta if coupled else 0.0)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat = m / (1 - beta_1 ** (t + 1))
        v_hat = v / (1 - beta_2 ** (t + 1))
        decoupled = 0.0 if coupled else lam * theta
        theta = theta - eta * (LR0 * m_hat / (np.sqrt(v_hat) + eps) + decoupled)
    return theta


def _adamw_torch(theta, grads, beta_1, beta_2, eps):
    """PyTorch's AdamW (its documentation): ``theta -= gamma_t lambda theta``,
    then Adam with bias correction at rate ``gamma_t = LR0 * eta_t``."""
    theta = theta.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, (eta, mult) in enumerate(zip(*_multipliers(), strict=True)):
        gamma = LR0 * eta
        theta = theta - gamma * LAMBDA * mult * theta
        g = grads[t]
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        m_hat = m / (1 - beta_1 ** (t + 1))
        v_hat = v / (1 - beta_2 ** (t + 1))
        theta = theta - gamma * m_hat / (np.sqrt(v_hat) + eps)
    return theta


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize(
    "mode, scale, coupled",
    [("l2", "learning_rate", True), ("decoupled", "learning_rate", False)],
)
def test_sgd_is_sgdw(momentum, mode, scale, coupled):
    """Heavy-ball SGD, coupled and decoupled (the decay scaled by the rate
    LR0 * eta_t: SGDW with lambda' = LR0 * lambda), under both schedules."""
    theta, grads = _problem()
    sgd = SGDOptimizer(theta.size, np.float64, momentum=momentum, nesterov=False)
    ours = _skdecay(sgd, theta, grads, mode=mode, scale=scale)
    ref = _sgdw_paper(theta, grads, momentum, coupled=coupled)
    assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)
    if not coupled and momentum > 0:  # with momentum, a different update
        other = _sgdw_paper(theta, grads, momentum, coupled=True)
        assert np.max(np.abs(other - ours)) > 1e-4


def test_sgd_decoupled_schedule_scale():
    """``decoupled_scale='schedule'``: the decay is eta_t * lambda, whatever
    LR0 (SGDW with the decay not multiplied by alpha)."""
    theta, grads = _problem(1)
    sgd = SGDOptimizer(theta.size, np.float64, momentum=0.9, nesterov=False)
    ours = _skdecay(sgd, theta, grads, mode="decoupled", scale="schedule")
    ref = theta.copy()
    m = np.zeros_like(theta)
    for t, (eta, mult) in enumerate(zip(*_multipliers(), strict=True)):
        m = 0.9 * m + eta * LR0 * grads[t]
        ref = ref - m - eta * LAMBDA * mult * ref
    assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["l2", "decoupled"])
def test_nesterov_as_documented(mode):
    """Constant rate: PyTorch's documented Nesterov SGD (``b = mu b + g``,
    ``theta -= lr (g + mu b)``, coupled decay ``g += lambda theta``); its
    decoupled twin shrinks by ``lr * lambda`` first."""
    theta, grads = _problem(2)
    lr, mu = 0.1, 0.8
    sgd = SGDOptimizer(theta.size, np.float64, momentum=mu, nesterov=True)
    ours = theta.copy()
    ref = theta.copy()
    b = np.zeros_like(theta)
    for t in range(N_STEPS):
        decay = epoch_decay(
            LAMBDA, 1.0, mode=mode, penalty="l2", decoupled_scale="learning_rate",
            learning_rate=lr, learning_rate_init=lr, end=theta.size,
        )  # fmt: skip
        sgd.update(ours, grads[t].copy(), decay, learning_rate=lr)
        g = grads[t].copy()
        if mode == "l2":
            g = g + LAMBDA * ref
        else:
            ref = ref - lr * LAMBDA * ref
        b = mu * b + g
        ref = ref - lr * (g + mu * b)
    assert_allclose(ours, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "mode, scale, reference",
    [
        ("l2", "learning_rate", "paper coupled"),
        ("decoupled", "schedule", "paper"),
        ("decoupled", "learning_rate", "torch"),
    ],
)
def test_adam_conventions(mode, scale, reference):
    """Adam's bias correction and the three conventions over several steps,
    under a learning-rate and a decay schedule."""
    theta, grads = _problem(3)
    beta_1, beta_2, eps = 0.8, 0.95, 1e-12
    adam = AdamOptimizer(
        theta.size, np.float64, beta_1=beta_1, beta_2=beta_2, epsilon=eps
    )
    ours = _skdecay(adam, theta, grads, mode=mode, scale=scale)
    assert adam.step == N_STEPS
    if reference == "torch":
        ref = _adamw_torch(theta, grads, beta_1, beta_2, eps)
    else:
        ref = _adamw_paper(
            theta, grads, beta_1, beta_2, eps, coupled=reference.endswith("coupled")
        )
    assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)
    # The conventions are different updates.
    others = {
        "torch": _adamw_torch(theta, grads, beta_1, beta_2, eps),
        "paper": _adamw_paper(theta, grads, beta_1, beta_2, eps, coupled=False),
        "paper coupled": _adamw_paper(theta, grads, beta_1, beta_2, eps, coupled=True),
    }
    for name, other in others.items():
        if name != reference:
            assert np.max(np.abs(other - ours)) > 1e-4, name


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_l1_decoupled_is_proximal_step(solver):
    """L1, decoupled: the optimiser's step, then the soft-threshold at
    ``rate_t * lambda_t``; only the decayed prefix is thresholded."""
    theta, grads = _problem(4, n=9)
    theta[[0, 7]] *= 1e-3  # small enough to be thresholded to zero (if decayed)
    grads[:, [0, 7]] = 0.0
    end = 6
    if solver == "sgd":
        opt = SGDOptimizer(theta.size, np.float64, momentum=0.0)
    else:
        opt = AdamOptimizer(theta.size, np.float64, epsilon=1e-12)
    ours = _skdecay(
        opt, theta, grads, mode="decoupled", scale="learning_rate", penalty="l1",
        end=end,
    )  # fmt: skip
    ref = theta.copy()
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, (eta, mult) in enumerate(zip(*_multipliers(), strict=True)):
        rate = LR0 * eta
        g = grads[t]
        if solver == "sgd":
            ref = ref - rate * g
        else:
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            m_hat = m / (1 - 0.9 ** (t + 1))
            v_hat = v / (1 - 0.999 ** (t + 1))
            ref = ref - rate * m_hat / (np.sqrt(v_hat) + 1e-12)
        tau = rate * LAMBDA * mult
        head = ref[:end]
        ref[:end] = np.sign(head) * np.maximum(np.abs(head) - tau, 0.0)
    assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)
    assert ours[0] == 0.0 and ours[7] != 0.0


def test_decay_multipliers():
    assert decay_multiplier("constant", 7, 10, 3) == 1.0
    warm = [decay_multiplier("linear_warmup", e, 10, 4) for e in range(6)]
    assert_allclose(warm, [0, 0.25, 0.5, 0.75, 1, 1])
    assert decay_multiplier("linear_warmup", 0, 10, 0) == 1.0
    cosine = [decay_multiplier("cosine", e, 4, 0) for e in range(6)]
    assert_allclose(cosine, [1, (1 + 0.5**0.5) / 2, 0.5, (1 - 0.5**0.5) / 2, 0, 0])


@pytest.mark.parametrize(
    "mode, scale, schedule",
    [
        ("decoupled", "learning_rate", "linear_warmup"),
        ("decoupled", "schedule", "cosine"),
        ("l2", "learning_rate", "cosine"),
    ],
)
def test_estimator_applies_the_schedules(mode, scale, schedule):
    """At a zero loss gradient (targets = the network's own predictions),
    one full-batch plain-SGD epoch is the decay alone: the weights shrink by
    ``1 - rho_e * lambda_e``, with the epoch's learning rate ('invscaling')
    and decay multiplier, epoch after epoch (partial_fit calls)."""
    X, y = make_regression(n_samples=30, n_features=4, random_state=0)
    lr0, wd, power_t = 0.1, 0.5, 0.3
    reg = DecayMLPRegressor(
        hidden_layer_sizes=(5,),
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        learning_rate="invscaling",
        power_t=power_t,
        learning_rate_init=lr0,
        weight_decay=wd,
        decay_mode=mode,
        decoupled_scale=scale,
        weight_decay_schedule=schedule,
        weight_decay_warmup=3,
        max_iter=5,
        batch_size=30,
        shuffle=False,
        random_state=0,
    )
    reg.partial_fit(X, y / y.std())  # epoch 0: a real step
    for epoch in range(1, 5):
        coefs = [W.copy() for W in reg.coefs_]
        rate = lr0 / (reg.t_ + 1) ** power_t
        reg.partial_fit(X, reg.predict(X))
        rho = rate if scale == "learning_rate" or mode == "l2" else rate / lr0
        shrink = 1.0 - rho * wd * decay_multiplier(schedule, epoch, 5, 3)
        for W, W0 in zip(reg.coefs_, coefs, strict=True):
            assert_allclose(W, shrink * W0, rtol=1e-11, atol=1e-13)
