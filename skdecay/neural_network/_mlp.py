"""DecayMLPRegressor and DecayMLPClassifier: MLPs trained with weight decay.

The estimators validate their input with scikit-learn's tools, keep the
per-epoch logic (learning-rate schedule, stopping rule, early stopping,
history) in Python and hand every epoch's mini-batches to the compiled
:func:`~._kernels.train_epoch`. Nothing is stored on the estimator until an
epoch loop finished, so a failed fit leaves the estimator as it was.
"""

from __future__ import annotations

import itertools
from numbers import Integral, Real
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.special import expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compile_notice import compile_notice
from .._core._datafits import DATAFITS_BY_CODE
from .._core._linalg import make_design, readonly
from .._core._optimizers import (
    AdamOptimizer,
    SGDOptimizer,
    decay_multiplier,
    epoch_decay,
)
from .._estimator_utils import restore_state_on_error, weigh_classes
from .._sklearn_compat import (
    Interval,
    StrOptions,
    _check_partial_fit_first_call,
    _check_sample_weight,
    _fit_context,
    _get_threadpool_controller,
)
from .._typing import MatrixLike, RandomState
from .._warnings import warn_user
from ..exceptions import NonFiniteIterateError
from . import _kernels as kernels

#: Below this many multiply-adds in a layer's product with a mini-batch, BLAS
#: runs single-threaded during training (see the Notes of the estimators).
SMALL_PRODUCT = 2**23

#: An epoch's training loss above this many times the loss of the initial
#: network (or of a zero output, if larger) stops the fit: the steps diverged.
LOSS_GROWTH = 1e3

Activation = Literal["identity", "logistic", "tanh", "relu"]
LearningRate = Literal["constant", "invscaling", "adaptive", "cosine"]
DecaySchedule = Literal["constant", "linear_warmup", "cosine"]


def _hidden_activation(A: np.ndarray, activation: str) -> None:
    """Apply a hidden activation in place (prediction path, no dropout)."""
    if activation == "relu":
        np.maximum(A, 0, out=A)
    elif activation == "tanh":
        np.tanh(A, out=A)
    elif activation == "logistic":
        expit(A, out=A)


def _zero_output_loss(batches) -> float:
    """The training loss of a network whose output is zero (NumPy)."""
    Y = np.asarray(batches.Y, dtype=np.float64)
    weights = np.asarray(batches.sample_weight, dtype=np.float64)
    total = weights.sum()
    if not total > 0:
        return 0.0
    weights = weights / total
    if batches.loss == kernels.BINARY and Y.shape[1] > 1:
        # As the kernel evaluates a multi-label loss: the sum of its columns'.
        weights = np.repeat(weights, Y.shape[1])
        Y = Y.reshape(-1, 1)
    return DATAFITS_BY_CODE[batches.loss].value(Y, np.zeros_like(Y), weights)


class _Progress:
    """What the epochs of a fit carry, and pass on to a warm-started fit or
    the next ``partial_fit``: the history and the stopping rule's state."""

    def __init__(self):
        self.loss: list[float] = []
        self.norm: list[float] = []
        self.val: list[float] = []
        self.best_loss = np.inf
        self.best_val = -np.inf
        self.best_theta = None
        self.no_improvement = 0
        self.t = 0
        self.n_iter = 0
        #: Training losses above ``LOSS_GROWTH`` times this are divergence.
        self.loss_scale = None

    @classmethod
    def resume(cls, est) -> _Progress:
        progress = cls()
        progress.loss = list(est.loss_curve_)
        progress.norm = list(est.weight_norm_curve_)
        if est.validation_scores_ is not None:
            progress.val = list(est.validation_scores_)
        if est.best_loss_ is not None:
            progress.best_loss = est.best_loss_
        if est.best_validation_score_ is not None:
            progress.best_val = est.best_validation_score_
        progress.no_improvement = est._no_improvement_count
        progress.t = est.t_
        progress.loss_scale = getattr(est, "_loss_scale", None)
        return progress

    def record(self, est, loss, network, n_train) -> None:
        """An epoch ended with training loss ``loss``."""
        self.n_iter += 1
        self.t += n_train
        self.loss.append(loss)
        end = est._decay_end(network.coef_start, network.intercept_start)
        self.norm.append(float(np.linalg.norm(network.theta[:end])))
        if est.verbose:
            # Flushed: piped to a file or another process, a line is seen
            # when its epoch ends, not when the buffer fills.
            print(f"Iteration {len(self.loss)}, loss = {loss:.8f}", flush=True)

    def stops(self, est, score, network, optimizer) -> bool:
        """The stopping rule of scikit-learn's MLP: ``n_iter_no_change``
        epochs in a row without an improvement of at least ``tol`` of the
        training loss, or of the validation ``score`` (early stopping)."""
        if score is not None:
            self.val.append(score)
            if est.verbose:
                print(f"Validation score: {score:f}", flush=True)
            improved = score >= self.best_val + est.tol
            if score > self.best_val:
                self.best_val = score
                self.best_theta = network.theta.copy()
        else:
            loss = self.loss[-1]
            improved = loss <= self.best_loss - est.tol
            self.best_loss = min(self.best_loss, loss)
        self.no_improvement = 0 if improved else self.no_improvement + 1
        if self.no_improvement <= est.n_iter_no_change:
            return False
        what = "Validation score" if score is not None else "Training loss"
        message = (
            f"{what} did not improve more than tol={est.tol:g} for "
            f"{est.n_iter_no_change} consecutive epochs."
        )
        if not optimizer.trigger_stopping():
            self.no_improvement = 0
            if est.verbose:
                rate = optimizer.learning_rate
                print(f"{message} Learning rate: {rate:g}", flush=True)
            return False
        if est.verbose:
            print(f"{message} Stopping.", flush=True)
        return True


class _BaseDecayMLP(BaseEstimator):
    """Parameters, initialisation and the training loop of both estimators."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"sgd", "adam"})],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "decay_mode": [StrOptions({"l2", "decoupled"})],
        "decoupled_scale": [StrOptions({"learning_rate", "schedule"})],
        "weight_decay_schedule": [StrOptions({"constant", "linear_warmup", "cosine"})],
        "weight_decay_warmup": [Interval(Integral, 0, None, closed="left")],
        "penalty": [StrOptions({"l2", "l1"})],
        "decay_bias": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes: int | tuple[int, ...] = (100,),
        activation: Activation = "relu",
        *,
        solver: Literal["sgd", "adam"] = "adam",
        weight_decay: float = 1e-4,
        decay_mode: Literal["l2", "decoupled"] = "l2",
        decoupled_scale: Literal["learning_rate", "schedule"] = "learning_rate",
        weight_decay_schedule: DecaySchedule = "constant",
        weight_decay_warmup: int = 10,
        penalty: Literal["l2", "l1"] = "l2",
        decay_bias: bool = False,
        dropout: float = 0.0,
        batch_size: int | Literal["auto"] = "auto",
        learning_rate: LearningRate = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: RandomState = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.weight_decay = weight_decay
        self.decay_mode = decay_mode
        self.decoupled_scale = decoupled_scale
        self.weight_decay_schedule = weight_decay_schedule
        self.weight_decay_warmup = weight_decay_warmup
        self.penalty = penalty
        self.decay_bias = decay_bias
        self.dropout = dropout
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # -- what the subclasses provide -------------------------------------

    def _validate_targets(self, X, y, *, incremental: bool, reset: bool):
        """Validated ``X`` and the 2-D float target matrix ``Y``."""
        raise NotImplementedError

    def _validation_score(self, raw, y, sample_weight) -> float:
        """Score of finite outputs ``raw`` on held-out data (accuracy or R^2)."""
        raise NotImplementedError

    # -- shapes and parameters --------------------------------------------

    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(int(size) != size or size <= 0 for size in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {sizes}."
            )
        return [int(size) for size in sizes]

    def _init_layers(self, units, dtype, rng):
        """Glorot-uniform weights and biases, drawn as scikit-learn's MLP
        draws them, so the same ``random_state`` starts from the same point."""
        coefs, intercepts = [], []
        factor = 2.0 if self.activation == "logistic" else 6.0
        for fan_in, fan_out in itertools.pairwise(units):
            bound = np.sqrt(factor / (fan_in + fan_out))
            coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
            intercepts.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
        return coefs, intercepts

    @staticmethod
    def _layout(units):
        """Start offsets of each layer's weights and biases in the flat buffer."""
        sizes = [a * b for a, b in itertools.pairwise(units)]
        coef_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        intercept_start = coef_start[-1] + np.concatenate(
            [[0], np.cumsum(units[1:])]
        ).astype(np.int64)
        return coef_start, intercept_start

    @classmethod
    def _unflatten(cls, theta, units):
        """Views of the flat buffer as per-layer weights and biases."""
        coef_start, intercept_start = cls._layout(units)
        coefs = [
            theta[start:stop].reshape(shape)
            for start, stop, shape in zip(
                coef_start[:-1], coef_start[1:], itertools.pairwise(units), strict=True
            )
        ]
        intercepts = [
            theta[start:stop] for start, stop in itertools.pairwise(intercept_start)
        ]
        return coefs, intercepts

    def _decay_end(self, coef_start, intercept_start) -> int:
        return int(intercept_start[-1] if self.decay_bias else coef_start[-1])

    # -- training ---------------------------------------------------------

    def _fit(self, X, y, sample_weight, *, incremental: bool):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True.")
        hidden = self._hidden_sizes()
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, Y, y = self._validate_targets(
            X, y, incremental=incremental, reset=first_pass
        )
        sample_weight = self._training_weights(X, y, sample_weight, incremental)
        if sp.issparse(X):
            X = X.tocsr()
        units = [X.shape[1], *hidden, Y.shape[1]]
        rng = check_random_state(self.random_state)
        if first_pass:
            layers = self._init_layers(units, X.dtype, rng)
            progress = _Progress()
        else:
            layers = self._previous_layers(units)
            progress = _Progress.resume(self)
        network = self._network(*layers, units, X.dtype)
        optimizer = self._make_optimizer(network.theta.size, X.dtype, incremental)
        train, validation = self._split(X, Y, y, sample_weight, rng)
        batches, work = self._batches(*train, network)
        if self.early_stopping:
            progress.best_theta = network.theta.copy()

        n_train = batches.order.shape[0]
        with self._blas_threads(units, batches.size):
            for _ in range(1 if incremental else self.max_iter):
                loss = self._epoch(batches, network, work, optimizer, progress, rng)
                progress.record(self, loss, network, n_train)
                optimizer.iteration_ends(progress.t)
                score = self._score_epoch(network, validation)
                if progress.stops(self, score, network, optimizer):
                    break
                if not incremental and progress.n_iter == self.max_iter:
                    warn_user(
                        f"Stochastic optimizer: maximum iterations ({self.max_iter}) "
                        "reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                    )
        self._store(network, units, progress, optimizer)
        return self

    def _training_weights(self, X, y, sample_weight, incremental):
        """The sample weights the loss uses (the classifier multiplies in its
        class weights)."""
        return _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )

    def _previous_layers(self, units):
        expected = list(itertools.pairwise(units))
        if [c.shape for c in self.coefs_] != expected:
            raise ValueError(
                "The network of the previous fit has layers "
                f"{[c.shape for c in self.coefs_]}, this one needs {expected}: "
                "hidden_layer_sizes or the number of outputs changed. Refit "
                "with warm_start=False."
            )
        return self.coefs_, self.intercepts_

    def _network(self, coefs, intercepts, units, dtype) -> kernels.Network:
        """The flat parameter buffer (a new array) and its layout."""
        coef_start, intercept_start = self._layout(units)
        theta = np.concatenate(
            [c.ravel() for c in coefs] + [b.ravel() for b in intercepts]
        ).astype(dtype)
        return kernels.Network(
            theta,
            np.asarray(units, dtype=np.int64),
            coef_start,
            intercept_start,
            kernels.ACTIVATIONS[self.activation],
            float(self.dropout),
        )

    def _make_optimizer(self, n_params, dtype, incremental):
        """A fresh optimiser, or (partial_fit) a copy of the previous one's
        state and schedule."""
        previous = getattr(self, "_optimizer", None) if incremental else None
        schedule = dict(
            learning_rate_init=self.learning_rate_init,
            schedule=self.learning_rate,
            power_t=self.power_t,
            n_epochs=self.max_iter,
        )
        if self.solver == "adam":
            return AdamOptimizer(
                n_params, dtype, beta_1=self.beta_1, beta_2=self.beta_2,
                epsilon=self.epsilon, previous=previous, **schedule,
            )  # fmt: skip
        return SGDOptimizer(
            n_params, dtype, momentum=self.momentum,
            nesterov=self.nesterovs_momentum, previous=previous, **schedule,
        )  # fmt: skip

    def _split(self, X, Y, y, sample_weight, rng):
        """``(X, Y, sample_weight)`` to train on and ``(X, y, sample_weight)``
        to validate on (None without early stopping). Early stopping holds out
        a (stratified, for single-label classification) validation split, as
        scikit-learn's MLP does."""
        if not self.early_stopping:
            return (X, Y, sample_weight), None
        stratify = y if self._stratify_early_stopping(Y) else None
        train_idx, val_idx = train_test_split(
            np.arange(X.shape[0]),
            random_state=rng,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        if len(val_idx) < 2:
            raise ValueError(
                "The validation set is too small. Increase "
                "'validation_fraction' or the size of your dataset."
            )
        return (
            (X[train_idx], Y[train_idx], sample_weight[train_idx]),
            (X[val_idx], y[val_idx], sample_weight[val_idx]),
        )

    def _batch_size(self, n_train) -> int:
        if self.batch_size == "auto":
            return min(200, n_train)
        if self.batch_size > n_train:
            warn_user(
                f"batch_size={self.batch_size} is larger than the "
                f"{n_train} training samples; it is clipped to {n_train}.",
                UserWarning,
            )
        return min(self.batch_size, n_train)

    def _batches(self, X, Y, sample_weight, network):
        """The kernel's :class:`~._kernels.Batches` (the order is set each
        epoch) and :class:`~._kernels.Workspace`."""
        dtype = network.theta.dtype
        batch_size = self._batch_size(X.shape[0])
        if not sp.issparse(X):
            X = np.ascontiguousarray(X)
        batches = kernels.Batches(
            make_design(X),
            readonly(np.ascontiguousarray(Y, dtype=dtype)),
            readonly(np.ascontiguousarray(sample_weight, dtype=dtype)),
            np.arange(X.shape[0], dtype=np.int64),
            int(batch_size),
            int(self._out_kind),
            0,
        )
        work = kernels.make_workspace(
            network.units, batch_size, dtype, dense=not sp.issparse(X),
            dropout=self.dropout, n_params=network.theta.size,
        )  # fmt: skip
        return batches, work

    def _blas_threads(self, units, batch_size):
        """Mini-batch products are small: a second BLAS thread only adds
        synchronisation (10x slower epochs were measured on a busy 2-core
        machine), as scikit-learn's KMeans limits BLAS in its iterations."""
        largest_product = batch_size * max(a * b for a, b in itertools.pairwise(units))
        blas_threads = 1 if largest_product < SMALL_PRODUCT else None
        controller = _get_threadpool_controller()
        return controller.limit(limits=blas_threads, user_api="blas")

    def _epoch(self, batches, network, work, optimizer, progress, rng) -> float:
        """One epoch in the compiled kernel; its training loss."""
        rate = optimizer.epoch_learning_rate()
        multiplier = decay_multiplier(
            self.weight_decay_schedule,
            optimizer.epoch,
            self.max_iter,
            self.weight_decay_warmup,
        )
        decay = epoch_decay(
            self.weight_decay,
            multiplier,
            mode=self.decay_mode,
            penalty=self.penalty,
            decoupled_scale=self.decoupled_scale,
            learning_rate=rate,
            learning_rate_init=self.learning_rate_init,
            end=self._decay_end(network.coef_start, network.intercept_start),
        )
        n_train = batches.order.shape[0]
        order = rng.permutation(n_train) if self.shuffle else np.arange(n_train)
        seed = int(rng.randint(np.iinfo(np.int32).max)) if self.dropout else 0
        batches = batches._replace(order=order.astype(np.int64), seed=seed)
        with compile_notice("network"):
            status, loss_sum, weight_sum, first_loss = kernels.train_epoch(
                batches, network, work, optimizer.state(rate), decay
            )
        epoch = len(progress.loss) + 1
        if status != kernels.OK or weight_sum <= 0 or not np.isfinite(loss_sum):
            raise NonFiniteIterateError(
                f"The training loss or the weights became non-finite in epoch "
                f"{epoch} (learning rate {rate:g}): the steps diverged. Lower "
                "learning_rate_init, or scale the input."
            )
        loss = loss_sum / weight_sum
        if progress.loss_scale is None:
            # The scale of a sane loss: that of the network the fit starts
            # from (its first batch), or of a zero output if larger.
            progress.loss_scale = _zero_output_loss(batches)
            if np.isfinite(first_loss):
                progress.loss_scale = max(progress.loss_scale, float(first_loss))
        if loss > LOSS_GROWTH * progress.loss_scale:
            raise NonFiniteIterateError(
                f"The training loss grew to {loss:.3g} in epoch {epoch}, more "
                f"than {LOSS_GROWTH:g} times {progress.loss_scale:.3g} (that of "
                "a zero output or of the initial network, whichever is larger): "
                f"the steps diverged (learning rate {rate:g}). Lower "
                "learning_rate_init, or scale the input."
            )
        return loss

    def _score_epoch(self, network, validation):
        if validation is None:
            return None
        X_val, y_val, sw_val = validation
        units = network.units.tolist()
        return self._validation_score_theta(network.theta, units, X_val, y_val, sw_val)

    def _store(self, network, units, progress, optimizer):
        theta = progress.best_theta if self.early_stopping else network.theta
        coefs, intercepts = self._unflatten(theta, units)
        self.coefs_ = [W.copy() for W in coefs]
        self.intercepts_ = [b.copy() for b in intercepts]
        self.n_iter_ = progress.n_iter
        self.t_ = progress.t
        self.n_layers_ = len(units)
        self.n_outputs_ = units[-1]
        self.loss_curve_ = np.asarray(progress.loss)
        self.weight_norm_curve_ = np.asarray(progress.norm)
        if self.early_stopping:
            self.validation_scores_ = np.asarray(progress.val)
            self.best_validation_score_ = progress.best_val
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = progress.best_loss
        self.loss_ = progress.loss[-1]
        self._no_improvement_count = progress.no_improvement
        self._loss_scale = progress.loss_scale
        self._optimizer = optimizer

    def _stratify_early_stopping(self, Y) -> bool:
        return False

    # -- prediction -------------------------------------------------------

    def _forward(self, X, coefs, intercepts) -> np.ndarray:
        """The output layer's pre-activation."""
        A = X
        last = len(coefs) - 1
        for layer, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
            A = safe_sparse_dot(A, W)
            A += b
            if layer < last:
                _hidden_activation(A, self.activation)
        return A

    def _raw_output(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            reset=False,
        )
        return self._forward(X, self.coefs_, self.intercepts_)

    def _validation_score_theta(self, theta, units, X, y, sample_weight) -> float:
        coefs, intercepts = self._unflatten(theta, units)
        raw = self._forward(X, coefs, intercepts)
        if not np.isfinite(raw).all():
            return np.nan
        return self._validation_score(raw, y, sample_weight)


_DOC_OBJECTIVE = r"""
    Minimises over the weights :math:`W_l` and biases :math:`b_l` of the
    network :math:`f`, mini-batch by mini-batch,

    .. math::

        \frac{1}{\sum_i s_i} \sum_i s_i \, \ell\big(y_i, f(x_i)\big)
        + \lambda\, R(W), \qquad
        R(W) = \tfrac12 \sum_l \|W_l\|_F^2 \ \text{(L2)} \quad\text{or}\quad
        \sum_l \|W_l\|_1 \ \text{(L1)},

    with :math:`\lambda` = ``weight_decay`` and :math:`s_i` the sample
    weights; the biases enter :math:`R` only when ``decay_bias=True``.
    With :math:`g` the gradient of a batch's weighted mean loss,
    :math:`\eta_t` the learning rate of the epoch (``learning_rate_init``
    times its schedule) and :math:`\lambda_t` the decay strength of the epoch
    (``weight_decay`` times its own schedule, ``weight_decay_schedule``), the
    update of a decayed parameter :math:`w` is

    * ``decay_mode='l2'`` (coupled, as MLPClassifier's ``alpha``):
      :math:`g \leftarrow g + \lambda_t w`, then the optimiser's step;
      momentum and Adam's moments see the decay;
    * ``decay_mode='decoupled'``: :math:`w \leftarrow (1 - \rho_t
      \lambda_t)\, w`, then the optimiser's step on :math:`g` alone, with
      :math:`\rho_t = \eta_t` (``decoupled_scale='learning_rate'``:
      PyTorch's, Keras' and optax's AdamW) or :math:`\rho_t = \eta_t /`
      ``learning_rate_init``, the schedule multiplier alone
      (``decoupled_scale='schedule'``: the AdamW paper, Loshchilov &
      Hutter, where the decay does not scale with the base learning rate).

    The optimiser's step is :math:`v \leftarrow \mu v - \eta_t g`,
    :math:`w \leftarrow w + v` (``'sgd'``; Nesterov:
    :math:`w \leftarrow w + \mu v - \eta_t g`) or
    :math:`w \leftarrow w - \eta_t \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
    \frac{m}{\sqrt{v} + \epsilon}` (``'adam'``, with :math:`m, v` the
    moving averages of :math:`g` and :math:`g^2`). With ``penalty='l1'`` the
    step is followed by the soft-threshold :math:`w \leftarrow
    \operatorname{sign}(w) \max(|w| - \tau, 0)`, the proximal operator of
    :math:`\tau |w|`, which sets weights exactly to zero: :math:`\tau =
    \eta_t \lambda_t` for ``'sgd'`` (:math:`\rho_t \lambda_t` when
    decoupled) and for decoupled Adam, :math:`\tau = \eta_t \lambda_t
    \sqrt{1 - \beta_2^t} / (\sqrt{v} + \epsilon)` (the proximal step in
    Adam's own metric) for coupled Adam.

    With plain SGD (``momentum=0``) the two modes are the same update,
    :math:`w - \eta_t (g + \lambda w) = (1 - \eta_t \lambda) w - \eta_t g`,
    for the same ``weight_decay`` and the default
    ``decoupled_scale='learning_rate'``. With momentum or Adam they differ.
"""

_DOC_PARAMETERS = r"""
    hidden_layer_sizes : int or array-like of shape (n_layers - 2,), default=(100,)
        Number of units of each hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation of the hidden layers.

    solver : {'sgd', 'adam'}, default='adam'
        Stochastic gradient descent with (Nesterov) momentum, or Adam.

    weight_decay : float, default=1e-4
        Strength :math:`\lambda` of the penalty, per unit of the mean loss.
        ``MLPClassifier(alpha=a)`` with batches of ``B`` samples decays with
        ``weight_decay = a / B`` (see Notes).

    decay_mode : {'l2', 'decoupled'}, default='l2'
        'l2' adds the penalty's gradient to the loss gradient (coupled);
        'decoupled' shrinks the weights in the update, outside the
        optimiser's state, as AdamW (Loshchilov & Hutter).

    decoupled_scale : {'learning_rate', 'schedule'}, default='learning_rate'
        What multiplies the decoupled decay (``decay_mode='decoupled'``) and
        the L1 threshold of decoupled decay: 'learning_rate', the epoch's
        learning rate :math:`\eta_t` (PyTorch's ``AdamW``, Keras' ``AdamW``,
        ``optax.adamw``: the shrink per step is ``eta_t * weight_decay``);
        'schedule', the learning-rate schedule's multiplier
        :math:`\eta_t /` ``learning_rate_init`` alone (Loshchilov & Hutter's
        AdamW: the shrink per step is ``weight_decay`` times the schedule,
        whatever ``learning_rate_init``). Ignored with ``decay_mode='l2'``.

    weight_decay_schedule : {'constant', 'linear_warmup', 'cosine'}, default='constant'
        Schedule of the decay strength, per epoch ``e`` counted from 0 (and
        across ``partial_fit`` calls), independent of the learning-rate
        schedule: 'constant' keeps ``weight_decay``; 'linear_warmup' uses
        ``weight_decay * min(1, e / weight_decay_warmup)``, from 0 to
        ``weight_decay`` over the first ``weight_decay_warmup`` epochs;
        'cosine' anneals it to 0 over ``max_iter`` epochs,
        ``weight_decay * (1 + cos(pi * e / max_iter)) / 2``.

    weight_decay_warmup : int, default=10
        Number of epochs of the 'linear_warmup' decay schedule (0: no
        warm-up).

    penalty : {'l2', 'l1'}, default='l2'
        'l2' is weight decay; 'l1' applies a proximal soft-threshold after
        every step, which gives exact zeros.

    decay_bias : bool, default=False
        Whether the biases are decayed too.

    dropout : float, default=0.0
        Probability of zeroing each hidden unit during training (inverted
        dropout: the kept units are scaled by ``1 / (1 - dropout)``, so
        prediction uses the network as is). Not applied to the input or the
        output layer.

    batch_size : int or 'auto', default='auto'
        Size of the mini-batches; 'auto' is ``min(200, n_samples)``.

    learning_rate : str, default='constant'
        One of 'constant', 'invscaling', 'adaptive' or 'cosine': the
        schedule of :math:`\eta_t`, for both solvers (scikit-learn's MLP
        applies it to 'sgd' only). 'constant' keeps ``learning_rate_init``;
        'invscaling' uses ``learning_rate_init / (t_ + 1) ** power_t`` after
        the first epoch, ``t_`` the number of samples seen; 'adaptive'
        divides it by 5 each time the stopping rule would stop (and stops
        once it is below 1e-6); 'cosine' anneals it over ``max_iter`` epochs,
        ``learning_rate_init * (1 + cos(pi * epoch / max_iter)) / 2``.

    learning_rate_init : float, default=0.001
        Initial learning rate.

    power_t : float, default=0.5
        Exponent of 'invscaling'.

    max_iter : int, default=200
        Maximum number of epochs.

    shuffle : bool, default=True
        Whether to shuffle the samples at each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights (drawn as scikit-learn's MLP draws them),
        the shuffling, the validation split and dropout. An int makes the
        fit deterministic.

    tol : float, default=1e-4
        Training stops when the training loss (or, with early stopping, the
        validation score) has not improved by at least ``tol`` for
        ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Print the loss after each epoch.

    warm_start : bool, default=False
        Start from the previous fit's weights (with a fresh optimiser state).

    momentum : float, default=0.9
        Momentum of 'sgd'.

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop when its
        score stops improving and keep the weights of the best epoch.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    beta_1 : float, default=0.9
        Decay rate of Adam's first moment.

    beta_2 : float, default=0.999
        Decay rate of Adam's second moment.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Number of epochs without improvement that the stopping rule waits.
"""

_DOC_CLASS_WEIGHT = """
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, ``{label: weight}``, multiplied into the
        sample weights (the loss and, with early stopping, the validation
        score): fitting with ``class_weight`` is fitting with the matching
        ``sample_weight``. 'balanced' weighs class ``c`` by ``n_samples /
        (n_classes * n_c)`` (not with ``partial_fit``). Single-label
        targets only (scikit-learn's MLPClassifier has no class weights).
"""

_DOC_ATTRIBUTES = r"""
    loss_ : float
        Training loss of the last epoch.

    best_loss_ : float or None
        Smallest training loss seen; None with early stopping.

    loss_curve_ : ndarray of shape (n_epochs,)
        Training loss of each epoch: the running mean of the batches' losses
        at the weights each batch was evaluated at, plus the penalty
        :math:`\lambda R(W)` when ``decay_mode='l2'`` (with
        'decoupled' there is no objective that includes it). Its length is
        ``n_iter_`` after a cold fit; warm-started fits and ``partial_fit``
        append to it.

    validation_scores_ : ndarray of shape (n_epochs,) or None
        Score on the validation split after each epoch (early stopping
        only).

    best_validation_score_ : float or None
        Best validation score (early stopping only).

    weight_norm_curve_ : ndarray of shape (n_epochs,)
        L2 norm of all decayed parameters (the weights, and the biases when
        ``decay_bias=True``) at the end of each epoch.

    t_ : int
        Number of training samples seen.

    coefs_ : list of ndarray of shape (n_units[l], n_units[l + 1])
        Weight matrices, one per layer.

    intercepts_ : list of ndarray of shape (n_units[l + 1],)
        Bias vectors, one per layer.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    n_iter_ : int
        Number of epochs run by the last call to ``fit`` or ``partial_fit``.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.
"""

_DOC_NOTES = r"""
    Mapping to scikit-learn's MLP: its loss on a batch of :math:`B` samples
    is the mean loss plus :math:`\frac{\alpha}{2B}\sum_l \|W_l\|^2` (with
    sample weights, :math:`B` is the batch's weight sum), so
    ``MLPClassifier(alpha=a, batch_size=B)`` decays as
    ``weight_decay=a / B, decay_mode='l2', penalty='l2'``, exactly for every
    full batch (scikit-learn decays a smaller last batch more). Its weight
    initialisation is drawn in the same order from ``random_state``. Its
    ``learning_rate`` schedule applies to 'sgd' only; here it applies to
    both solvers.

    Mapping to PyTorch: ``AdamW(lr=a, weight_decay=d)`` is
    ``solver='adam', decay_mode='decoupled', learning_rate_init=a,
    weight_decay=d`` (with ``decay_bias=True`` when AdamW gets every
    parameter). Loshchilov & Hutter write the decoupled step as
    :math:`w \leftarrow w - \eta_t(\alpha\,\cdot\text{Adam step} + \lambda
    w)`, with a schedule multiplier :math:`\eta_t` and :math:`\alpha` =
    ``learning_rate_init``: that is ``decoupled_scale='schedule'`` with
    ``weight_decay`` = their :math:`\lambda` (with the default
    ``'learning_rate'``, their :math:`\lambda` is ``learning_rate_init *
    weight_decay``). optax's ``adamw`` multiplies the decay by the learning
    rate, as PyTorch; a schedule for its ``weight_decay`` is
    ``weight_decay_schedule``.

    Every epoch runs in one compiled Numba function (forward pass, backward
    pass and update of every mini-batch); dense input goes through BLAS,
    CSR input through a sparse product for the first layer. Float32 input
    trains float32 weights. While training, BLAS runs single-threaded when
    every layer's product with a mini-batch is smaller than ``2**23``
    multiply-adds: threads cannot pay for their synchronisation on such
    products (as in scikit-learn's KMeans).
"""

_DOC_REFERENCES = r"""
    I. Loshchilov and F. Hutter, "Decoupled Weight Decay Regularization",
    ICLR 2019.

    D. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR
    2015.

    N. Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks
    from Overfitting", JMLR 2014.
"""


class DecayMLPRegressor(RegressorMixin, _BaseDecayMLP):
    __doc__ = (
        r"""Multi-layer perceptron regressor with coupled or decoupled weight decay.

    The loss is the half squared error summed over the outputs,
    :math:`\ell(y, f) = \frac12 \|y - f\|^2`, with an identity output layer.
"""
        + _DOC_OBJECTIVE
        + """
    Read more in the :ref:`User Guide <neural_network>`.

    Parameters
    ----------"""
        + _DOC_PARAMETERS
        + """
    Attributes
    ----------"""
        + _DOC_ATTRIBUTES
        + """
    out_activation_ : str
        'identity'.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : Coupled L2 decay (``alpha``) only.
    DecayMLPClassifier : The same network for classification.

    Notes
    -----"""
        + _DOC_NOTES
        + """
    References
    ----------"""
        + _DOC_REFERENCES
        + """
    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skdecay import DecayMLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0,
    ...                        random_state=0)
    >>> reg = DecayMLPRegressor(hidden_layer_sizes=(32,), solver="adam",
    ...                         decay_mode="decoupled", weight_decay=1e-3,
    ...                         learning_rate_init=0.05, max_iter=300,
    ...                         random_state=0).fit(X, y)
    >>> [W.shape for W in reg.coefs_]
    [(5, 32), (32, 1)]
    >>> reg.score(X, y) > 0.99
    True
    """
    )

    _out_kind = kernels.SQUARED

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> DecayMLPRegressor:
        """Fit the network to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, float64 or float32 (kept as is); CSR and CSC
            matrices are used without densifying.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def partial_fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> DecayMLPRegressor:
        """Train for one epoch over ``X`` and ``y``, from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        Returns
        -------
        self : object
            Updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predict with the network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values.
        """
        out = self._raw_output(X)
        return out.ravel() if out.shape[1] == 1 else out

    @property
    def out_activation_(self) -> str:
        check_is_fitted(self)
        return "identity"

    def _validate_targets(self, X, y, *, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=[np.float64, np.float32],
            reset=reset,
        )
        Y = np.asarray(y, dtype=X.dtype)
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        return X, Y, Y

    def _validation_score(self, raw, y, sample_weight):
        return r2_score(y, raw, sample_weight=sample_weight)


class DecayMLPClassifier(ClassifierMixin, _BaseDecayMLP):
    __doc__ = (
        r"""Multi-layer perceptron classifier with coupled or decoupled weight decay.

    Multi-class targets use a softmax output and the cross-entropy; binary
    targets and multi-label indicator matrices use a logistic output per
    column and the binary log-loss summed over the columns.
"""
        + _DOC_OBJECTIVE
        + """
    Read more in the :ref:`User Guide <neural_network>`.

    Parameters
    ----------"""
        + _DOC_PARAMETERS
        + _DOC_CLASS_WEIGHT
        + """
    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels (for multi-label targets, the column indices).
"""
        + _DOC_ATTRIBUTES
        + """
    out_activation_ : str
        'softmax' for multi-class targets, 'logistic' otherwise.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Coupled L2 decay (``alpha``) only.
    DecayMLPRegressor : The same network for regression.
    DecayLogisticClassifier : No hidden layer, solved to optimality.

    Notes
    -----"""
        + _DOC_NOTES
        + """
    References
    ----------"""
        + _DOC_REFERENCES
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skdecay import DecayMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = DecayMLPClassifier(hidden_layer_sizes=(16,), solver="adam",
    ...                          decay_mode="decoupled", weight_decay=1e-2,
    ...                          learning_rate_init=0.01, max_iter=300,
    ...                          random_state=0).fit(X, y)
    >>> clf.predict(X[[0, 75, 149]])
    array([0, 1, 2])
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> clf.score(X, y) > 0.95
    True
    """
    )

    _parameter_constraints: dict = {
        **_BaseDecayMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes: int | tuple[int, ...] = (100,),
        activation: Activation = "relu",
        *,
        solver: Literal["sgd", "adam"] = "adam",
        weight_decay: float = 1e-4,
        decay_mode: Literal["l2", "decoupled"] = "l2",
        decoupled_scale: Literal["learning_rate", "schedule"] = "learning_rate",
        weight_decay_schedule: DecaySchedule = "constant",
        weight_decay_warmup: int = 10,
        penalty: Literal["l2", "l1"] = "l2",
        decay_bias: bool = False,
        dropout: float = 0.0,
        batch_size: int | Literal["auto"] = "auto",
        learning_rate: LearningRate = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: RandomState = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        class_weight: dict | Literal["balanced"] | None = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            weight_decay=weight_decay,
            decay_mode=decay_mode,
            decoupled_scale=decoupled_scale,
            weight_decay_schedule=weight_decay_schedule,
            weight_decay_warmup=weight_decay_warmup,
            penalty=penalty,
            decay_bias=decay_bias,
            dropout=dropout,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
        )
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _training_weights(self, X, y, sample_weight, incremental):
        sample_weight = super()._training_weights(X, y, sample_weight, incremental)
        if self.class_weight is None:
            return sample_weight
        if self._label_binarizer.y_type_.startswith("multilabel"):
            raise ValueError(
                "class_weight is not supported for multi-label targets; pass "
                "sample_weight instead."
            )
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: the "
                "class frequencies of one chunk are not those of the data. Pass "
                "a dict of class weights, or sample_weight."
            )
        classes = self.classes_
        y_index = np.searchsorted(classes, y)
        return weigh_classes(sample_weight, self.class_weight, classes, y, y_index)

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def fit(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> DecayMLPClassifier:
        """Fit the network to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, float64 or float32 (kept as is); CSR and CSC
            matrices are used without densifying.

        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or a binary indicator matrix for multi-label
            classification.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_state_on_error
    def partial_fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        classes: ArrayLike | None = None,
    ) -> DecayMLPClassifier:
        """Train for one epoch over ``X`` and ``y``, from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels or a multi-label indicator matrix.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights; None means unit weights.

        classes : array-like of shape (n_classes,), default=None
            Every class of the whole training set (for a multi-label
            indicator matrix, the column indices); required on the first
            call, ignored afterwards. ``y`` need not contain all of them.

        Returns
        -------
        self : object
            Updated estimator.
        """
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_targets(self, X, y, *, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=[np.float64, np.float32],
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            # scikit-learn's own warning (column_or_1d(warn=True)) would name
            # this line, not the user's.
            warn_user(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples, ), for example "
                "using ravel().",
                DataConversionWarning,
            )
            y = column_or_1d(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            binarizer = LabelBinarizer().fit(y)
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        f"classes as in the previous call to fit. Previously got "
                        f"{self.classes_}, `y` has {classes}."
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. `y` has {classes}."
                )
        Y = self._label_binarizer.transform(y).astype(X.dtype)
        return X, Y, y

    @property
    def _out_kind(self) -> int:
        if self._label_binarizer.y_type_ == "multiclass":
            return kernels.MULTINOMIAL
        return kernels.BINARY

    @property
    def out_activation_(self) -> str:
        check_is_fitted(self)
        return "softmax" if self._out_kind == kernels.MULTINOMIAL else "logistic"

    def _stratify_early_stopping(self, Y) -> bool:
        return self._label_binarizer.y_type_ in ("binary", "multiclass")

    def _probabilities(self, raw: np.ndarray) -> np.ndarray:
        if self._out_kind == kernels.MULTINOMIAL:
            return softmax(raw, axis=1)
        return expit(raw)

    def _labels(self, raw: np.ndarray) -> np.ndarray:
        proba = self._probabilities(raw)
        if proba.shape[1] == 1:
            proba = proba.ravel()
        return self._label_binarizer.inverse_transform(proba)

    def _validation_score(self, raw, y, sample_weight):
        return accuracy_score(y, self._labels(raw), sample_weight=sample_weight)

    def predict(self, X: MatrixLike) -> np.ndarray:
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Predicted labels, or an indicator matrix for multi-label targets.
        """
        return self._labels(self._raw_output(X))

    def predict_proba(self, X: MatrixLike) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_`` (for
            multi-label targets, of each label independently).
        """
        proba = self._probabilities(self._raw_output(X))
        if proba.shape[1] == 1 and self._label_binarizer.y_type_ == "binary":
            return np.hstack([1.0 - proba, proba])
        return proba

    def predict_log_proba(self, X: MatrixLike) -> np.ndarray:
        """Logarithm of the class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, in the order of ``classes_``.
        """
        raw = self._raw_output(X)
        if self._out_kind == kernels.MULTINOMIAL:
            return log_softmax(raw, axis=1)
        if raw.shape[1] == 1 and self._label_binarizer.y_type_ == "binary":
            raw = np.hstack([np.zeros_like(raw), raw])
            return log_softmax(raw, axis=1)
        return -np.logaddexp(0, -raw)
