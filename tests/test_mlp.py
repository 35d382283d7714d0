"""DecayMLPRegressor and DecayMLPClassifier: exactness, decay laws, API."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, log_softmax
from sklearn.datasets import (
    load_digits,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdecay import DecayMLPClassifier, DecayMLPRegressor, NonFiniteIterateError

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(
    [
        DecayMLPRegressor(
            hidden_layer_sizes=(16,),
            learning_rate_init=0.01,
            max_iter=200,
            random_state=0,
        ),
        DecayMLPClassifier(
            hidden_layer_sizes=(16,),
            learning_rate_init=0.01,
            max_iter=100,
            random_state=0,
        ),
        DecayMLPClassifier(
            hidden_layer_sizes=(8, 8),
            solver="sgd",
            decay_mode="decoupled",
            penalty="l1",
            learning_rate_init=0.01,
            max_iter=100,
            random_state=0,
        ),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def small_classification():
    X, y = make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, y


def _coupled_decay(alpha, batch_size):
    """scikit-learn's ``alpha`` as weight_decay, for batches of this size."""
    return alpha / batch_size


# -- exactness against scikit-learn's MLP -----------------------------------


@pytest.mark.parametrize(
    "kind, solver, activation, schedule",
    [
        ("multiclass", "sgd", "relu", "constant"),
        ("multiclass", "adam", "tanh", "constant"),
        ("binary", "sgd", "logistic", "invscaling"),
        ("multilabel", "adam", "relu", "constant"),
        ("regression", "sgd", "tanh", "constant"),
        ("regression2", "adam", "identity", "constant"),
    ],
)
def test_same_steps_as_sklearn(kind, solver, activation, schedule):
    """Same initialisation, same mini-batches (no shuffling), alpha mapped to
    weight_decay = alpha / batch_size: the weights after three epochs are
    scikit-learn's, up to rounding. Checks the forward and backward passes,
    both optimisers, Nesterov momentum and the coupled decay."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((60, 5))
    if kind == "multiclass":
        y = rng.randint(3, size=60)
    elif kind == "binary":
        y = rng.randint(2, size=60)
    elif kind == "multilabel":
        y = rng.randint(2, size=(60, 3))
    elif kind == "regression":
        y = rng.standard_normal(60)
    else:
        y = rng.standard_normal((60, 2))
    alpha, batch = 0.3, 20
    common = dict(
        hidden_layer_sizes=(7, 4),
        activation=activation,
        solver=solver,
        batch_size=batch,
        learning_rate=schedule,
        learning_rate_init=0.05,
        max_iter=3,
        shuffle=False,
        random_state=0,
    )
    if kind.startswith("regression"):
        ours, theirs = DecayMLPRegressor, MLPRegressor
    else:
        ours, theirs = DecayMLPClassifier, MLPClassifier
    ref = theirs(alpha=alpha, **common).fit(X, y)
    est = ours(weight_decay=_coupled_decay(alpha, batch), **common).fit(X, y)
    for W, W_ref in zip(
        est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_, strict=True
    ):
        assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)
    if kind != "regression2":  # scikit-learn divides that loss by n_outputs
        assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-9)
    assert_allclose(est.predict(X), ref.predict(X), rtol=1e-9, atol=1e-12)


def test_sample_weight_as_sklearn():
    """Full-batch SGD with sample weights: scikit-learn divides the batch's
    loss and alpha by the weight sum S, so weight_decay = alpha / S."""
    rng = np.random.RandomState(1)
    X = rng.standard_normal((40, 4))
    y = rng.randint(3, size=40)
    sw = rng.uniform(0.1, 3.0, size=40)
    common = dict(
        hidden_layer_sizes=(6,),
        solver="sgd",
        batch_size=40,
        learning_rate_init=0.1,
        max_iter=2,
        random_state=0,
    )
    ref = MLPClassifier(alpha=0.5, **common).fit(X, y, sample_weight=sw)
    est = DecayMLPClassifier(weight_decay=0.5 / sw.sum(), **common)
    est.fit(X, y, sample_weight=sw)
    for W, W_ref in zip(est.coefs_, ref.coefs_, strict=True):
        assert_allclose(W, W_ref, rtol=1e-9)


def test_first_loss_is_the_objective_at_the_initial_weights(small_classification):
    """One full batch: loss_curve_[0] is the mean cross-entropy plus
    weight_decay / 2 * ||W||^2 at the initial (Glorot) weights."""
    X, y = small_classification
    lam = 0.2
    est = DecayMLPClassifier(
        hidden_layer_sizes=(5,),
        solver="sgd",
        weight_decay=lam,
        batch_size=X.shape[0],
        max_iter=1,
        random_state=3,
    ).fit(X, y)
    rng = np.random.RandomState(3)
    coefs, intercepts = [], []
    for fan_in, fan_out in [(6, 5), (5, 3)]:
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        intercepts.append(rng.uniform(-bound, bound, fan_out))
    hidden = np.maximum(X @ coefs[0] + intercepts[0], 0)
    log_p = log_softmax(hidden @ coefs[1] + intercepts[1], axis=1)
    data_loss = -np.mean(log_p[np.arange(len(y)), y])
    penalty = 0.5 * lam * sum(np.sum(W**2) for W in coefs)
    assert_allclose(est.loss_curve_[0], data_loss + penalty, rtol=1e-12)


def test_accuracy_close_to_mlpclassifier_on_digits(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    common = dict(hidden_layer_sizes=(64,), max_iter=40, random_state=0)
    ref = MLPClassifier(alpha=1e-4, **common).fit(X_train, y_train)
    est = DecayMLPClassifier(weight_decay=_coupled_decay(1e-4, 200), **common)
    est.fit(X_train, y_train)
    assert est.score(X_test, y_test) >= ref.score(X_test, y_test) - 0.02
    assert est.score(X_test, y_test) > 0.93


# -- the two decay modes --------------------------------------------------


def _fit_pair(X, y, **params):
    base = dict(hidden_layer_sizes=(8,), max_iter=4, batch_size=30, random_state=0)
    base.update(params)
    coupled = DecayMLPClassifier(decay_mode="l2", **base).fit(X, y)
    decoupled = DecayMLPClassifier(decay_mode="decoupled", **base).fit(X, y)
    return coupled, decoupled


def test_sgd_coupled_equals_decoupled(small_classification):
    """Plain SGD: w - lr (g + wd w) == (1 - lr wd) w - lr g, with the same
    weight_decay (the decoupled decay is scaled by the learning rate)."""
    X, y = small_classification
    coupled, decoupled = _fit_pair(
        X, y, solver="sgd", momentum=0.0, weight_decay=0.3, learning_rate_init=0.1
    )
    for W, V in zip(coupled.coefs_, decoupled.coefs_, strict=True):
        assert_allclose(W, V, rtol=1e-12, atol=1e-14)
    # The same under a schedule: the decay follows the current learning rate.
    coupled, decoupled = _fit_pair(
        X,
        y,
        solver="sgd",
        momentum=0.0,
        weight_decay=0.3,
        learning_rate="cosine",
        learning_rate_init=0.1,
    )
    for W, V in zip(coupled.coefs_, decoupled.coefs_, strict=True):
        assert_allclose(W, V, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "solver, extra",
    [("adam", {}), ("sgd", {"momentum": 0.9})],
)
def test_coupled_and_decoupled_differ_with_adam_or_momentum(
    small_classification, solver, extra
):
    X, y = small_classification
    coupled, decoupled = _fit_pair(X, y, solver=solver, weight_decay=0.3, **extra)
    gap = max(
        np.max(np.abs(W - V))
        for W, V in zip(coupled.coefs_, decoupled.coefs_, strict=True)
    )
    assert gap > 1e-3


@pytest.mark.parametrize("decay_mode, weight_decay", [("l2", 0.05), ("decoupled", 5.0)])
def test_decay_shrinks_the_weight_norm(digits, decay_mode, weight_decay):
    # Decoupled decay shrinks by learning_rate * weight_decay per step (here
    # 1e-3 * 5); Adam divides the coupled one by sqrt(v), much smaller.
    X, y = digits
    common = dict(
        hidden_layer_sizes=(32,), max_iter=15, random_state=0, decay_mode=decay_mode
    )
    free = DecayMLPClassifier(weight_decay=0.0, **common).fit(X, y)
    decayed = DecayMLPClassifier(weight_decay=weight_decay, **common).fit(X, y)
    assert decayed.weight_norm_curve_.shape == (decayed.n_iter_,)
    assert np.all(decayed.weight_norm_curve_ < free.weight_norm_curve_)
    assert decayed.weight_norm_curve_[-1] < 0.7 * free.weight_norm_curve_[-1]


@pytest.mark.parametrize("decay_bias", [False, True])
@pytest.mark.parametrize("decay_mode", ["l2", "decoupled"])
def test_decay_bias_at_zero_gradient(decay_bias, decay_mode):
    """With targets equal to the current predictions the loss gradient is 0,
    so one full-batch SGD step is the decay alone: the weights shrink by
    (1 - lr * wd), the biases only when decay_bias=True."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((30, 4))
    lr, wd = 0.1, 0.5
    reg = DecayMLPRegressor(
        hidden_layer_sizes=(6, 3),
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        learning_rate_init=lr,
        weight_decay=wd,
        decay_mode=decay_mode,
        decay_bias=decay_bias,
        batch_size=30,
        shuffle=False,
        random_state=0,
    )
    reg.partial_fit(X, rng.standard_normal(30))
    coefs = [W.copy() for W in reg.coefs_]
    intercepts = [b.copy() for b in reg.intercepts_]
    reg.partial_fit(X, reg.predict(X))
    shrink = 1.0 - lr * wd
    for W, W0 in zip(reg.coefs_, coefs, strict=True):
        assert_allclose(W, shrink * W0, rtol=1e-12, atol=1e-14)
    for b, b0 in zip(reg.intercepts_, intercepts, strict=True):
        assert_allclose(b, shrink * b0 if decay_bias else b0, rtol=1e-12, atol=1e-14)
    assert np.all(reg.intercepts_[0] != 0)


@pytest.mark.parametrize(
    "solver, decay_mode, weight_decay",
    [
        ("sgd", "l2", 0.03),
        ("sgd", "decoupled", 0.03),
        # Coupled with Adam the threshold is divided by sqrt(v): much larger.
        ("adam", "l2", 1e-3),
        ("adam", "decoupled", 0.1),
    ],
)
def test_l1_prox_gives_exact_zeros(digits, solver, decay_mode, weight_decay):
    X, y = digits
    common = dict(
        hidden_layer_sizes=(32,),
        solver=solver,
        decay_mode=decay_mode,
        weight_decay=weight_decay,
        learning_rate_init=0.01,
        batch_size=50,
        max_iter=10,
        random_state=0,
    )
    l1 = DecayMLPClassifier(penalty="l1", **common).fit(X, y)
    l2 = DecayMLPClassifier(penalty="l2", **common).fit(X, y)
    zeros_l1 = sum(np.sum(W == 0) for W in l1.coefs_)
    zeros_l2 = sum(np.sum(W == 0) for W in l2.coefs_)
    n_weights = sum(W.size for W in l1.coefs_)
    assert zeros_l1 > 0.2 * n_weights
    assert zeros_l2 == 0
    assert l1.score(X, y) > 0.8
    # The biases are not decayed, so never thresholded.
    assert all(np.all(b != 0) for b in l1.intercepts_)


# -- training mechanics ----------------------------------------------------


def _numpy_forward(est, X):
    A = X
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_, strict=True)):
        A = A @ W + b
        if i < len(est.coefs_) - 1:
            A = np.maximum(A, 0)
    return A


def test_dropout_changes_training_not_prediction(small_classification):
    X, y = small_classification
    common = dict(hidden_layer_sizes=(16, 8), max_iter=5, random_state=0)
    plain = DecayMLPClassifier(dropout=0.0, **common).fit(X, y)
    dropped = DecayMLPClassifier(dropout=0.5, **common).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    proba = dropped.predict_proba(X)
    assert_array_equal(proba, dropped.predict_proba(X))
    expected = np.exp(log_softmax(_numpy_forward(dropped, X), axis=1))
    assert_allclose(proba, expected, rtol=1e-12)
    again = DecayMLPClassifier(dropout=0.5, **common).fit(X, y)
    assert_array_equal(again.coefs_[0], dropped.coefs_[0])


def test_deterministic_given_random_state(small_classification):
    X, y = small_classification
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=7, dropout=0.2)
    first = DecayMLPClassifier(**params).fit(X, y)
    second = DecayMLPClassifier(**params).fit(X, y)
    for W, V in zip(
        first.coefs_ + first.intercepts_,
        second.coefs_ + second.intercepts_,
        strict=True,
    ):
        assert_array_equal(W, V)
    other = DecayMLPClassifier(**{**params, "random_state": 8}).fit(X, y)
    assert not np.array_equal(first.coefs_[0], other.coefs_[0])


def test_float32_in_float32_weights(small_classification):
    X, y = small_classification
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    est32 = DecayMLPClassifier(**params).fit(X.astype(np.float32), y)
    est64 = DecayMLPClassifier(**params).fit(X, y)
    assert all(W.dtype == np.float32 for W in est32.coefs_ + est32.intercepts_)
    assert est32.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert_allclose(est32.coefs_[0], est64.coefs_[0], rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_csr_equals_dense(digits, dtype):
    X, y = digits
    X = X[:400].astype(dtype)
    y = y[:400]
    params = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    dense = DecayMLPClassifier(**params).fit(X, y)
    sparse = DecayMLPClassifier(**params).fit(sp.csr_matrix(X), y)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    for W, V in zip(
        dense.coefs_ + dense.intercepts_,
        sparse.coefs_ + sparse.intercepts_,
        strict=True,
    ):
        assert_allclose(W, V, rtol=tol, atol=tol)
    assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), atol=tol
    )


def test_early_stopping(digits):
    X, y = digits
    est = DecayMLPClassifier(
        hidden_layer_sizes=(32,),
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        learning_rate_init=0.01,
        max_iter=200,
        random_state=0,
    ).fit(X, y)
    assert est.n_iter_ < 200
    assert est.validation_scores_.shape == (est.n_iter_,)
    assert est.best_validation_score_ == np.max(est.validation_scores_)
    assert est.best_loss_ is None
    assert est.loss_curve_.shape == (est.n_iter_,)
    n_first = est.n_iter_
    est.set_params(warm_start=True, max_iter=2, n_iter_no_change=5).fit(X, y)
    assert est.validation_scores_.shape == (n_first + 2,)
    assert est.loss_curve_.shape == (n_first + 2,)
    plain = DecayMLPClassifier(hidden_layer_sizes=(32,), max_iter=3, random_state=0)
    plain.fit(X, y)
    assert plain.validation_scores_ is None
    assert plain.best_loss_ == np.min(plain.loss_curve_)


def test_tol_stops_training():
    X, y = make_regression(n_samples=100, n_features=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = DecayMLPRegressor(
            hidden_layer_sizes=(8,),
            tol=1e3,
            n_iter_no_change=2,
            max_iter=50,
            random_state=0,
        ).fit(X, y)
    # The first epoch sets the best loss; the rule stops when the count of
    # epochs without improvement exceeds n_iter_no_change (scikit-learn's rule).
    assert reg.n_iter_ == 4
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        DecayMLPRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)


def test_adaptive_learning_rate_divides_by_five():
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    reg = DecayMLPRegressor(
        hidden_layer_sizes=(4,),
        solver="sgd",
        learning_rate="adaptive",
        tol=1e6,
        n_iter_no_change=1,
        max_iter=7,
        random_state=0,
    ).fit(X, y)
    # Two epochs without improvement divide the rate by 5, three times.
    assert reg._optimizer.learning_rate == pytest.approx(1e-3 / 125)


def test_cosine_schedule_is_warm_started_constant_steps(small_classification):
    """Plain SGD, one batch per epoch: cosine over 2 epochs is a step at
    lr, then one at lr / 2."""
    X, y = small_classification
    common = dict(
        hidden_layer_sizes=(6,),
        solver="sgd",
        momentum=0.0,
        batch_size=X.shape[0],
        shuffle=False,
        random_state=0,
    )
    cosine = DecayMLPClassifier(
        learning_rate="cosine", learning_rate_init=0.2, max_iter=2, **common
    ).fit(X, y)
    steps = DecayMLPClassifier(learning_rate_init=0.2, max_iter=1, **common).fit(X, y)
    steps.set_params(warm_start=True, learning_rate_init=0.1).fit(X, y)
    for W, V in zip(cosine.coefs_, steps.coefs_, strict=True):
        assert_allclose(W, V, rtol=1e-12)


def test_partial_fit_with_classes(digits):
    X, y = digits
    est = DecayMLPClassifier(hidden_layer_sizes=(32,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        est.partial_fit(X[:100], y[:100])
    assert not hasattr(est, "coefs_")
    classes = np.unique(y)
    chunk = X[y < 5], y[y < 5]  # the first call sees only half the classes
    est.partial_fit(*chunk, classes=classes)
    assert_array_equal(est.classes_, classes)
    assert est.loss_curve_.shape == (1,)
    for _ in range(20):
        est.partial_fit(X, y)
    assert est.loss_curve_.shape == (21,)
    assert est.n_iter_ == 1
    assert est.t_ == len(chunk[1]) + 20 * len(y)
    assert est.score(X, y) > 0.9
    with pytest.raises(ValueError, match=r"not in `self.classes_`"):
        est.partial_fit(X[:5], np.array([0, 1, 2, 3, 99]))
    with pytest.raises(ValueError, match="early_stopping"):
        DecayMLPClassifier(early_stopping=True).partial_fit(X, y, classes=classes)


def test_warm_start_continues(small_classification):
    X, y = small_classification
    est = DecayMLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    est.fit(X, y)
    first = est.loss_curve_.copy()
    est.set_params(warm_start=True).fit(X, y)
    assert est.loss_curve_.shape == (10,)
    assert_array_equal(est.loss_curve_[:5], first)
    assert est.loss_curve_[5] < first[0]
    with pytest.raises(ValueError, match="same classes"):
        est.fit(X, np.where(y == 2, 5, y))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        est.set_params(hidden_layer_sizes=(9,)).fit(X, y)
    assert est.coefs_[0].shape == (6, 8)


def test_multilabel():
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=10, n_classes=4, random_state=0
    )
    est = DecayMLPClassifier(
        hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=200, random_state=0
    ).fit(X, Y)
    assert est.out_activation_ == "logistic"
    assert est.predict(X).shape == Y.shape
    proba = est.predict_proba(X)
    assert proba.shape == Y.shape
    assert_allclose(proba, expit(_numpy_forward(est, X)), rtol=1e-12)
    assert_array_equal(est.predict(X), (proba > 0.5).astype(int))
    assert est.score(X, Y) > 0.6  # exact-match accuracy over 4 labels


def test_binary_and_multiclass_outputs(breast_cancer, iris):
    X, y = breast_cancer
    X = (X - X.mean(0)) / X.std(0)
    est = DecayMLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    est.fit(X, y)
    assert est.out_activation_ == "logistic"
    assert est.n_outputs_ == 1 and est.n_layers_ == 3
    assert est.predict_proba(X).shape == (len(y), 2)
    assert_allclose(np.exp(est.predict_log_proba(X)), est.predict_proba(X))
    X, y = iris
    est.fit(X, y)
    assert est.out_activation_ == "softmax"
    assert_allclose(np.exp(est.predict_log_proba(X)), est.predict_proba(X))


def test_non_finite_raises_and_leaves_no_state(small_classification):
    X, y = small_classification
    est = DecayMLPClassifier(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate_init=1e12,
        max_iter=20,
        random_state=0,
    )
    with pytest.raises(NonFiniteIterateError, match="learning_rate_init"):
        est.fit(X * 1e3, y)
    assert not hasattr(est, "coefs_")
    assert not hasattr(est, "n_features_in_")
    # A fitted estimator keeps its previous fit.
    est.set_params(learning_rate_init=1e-3, max_iter=2).fit(X, y)
    before = [W.copy() for W in est.coefs_]
    est.set_params(learning_rate_init=1e12, max_iter=20, warm_start=True)
    with pytest.raises(NonFiniteIterateError):
        est.fit(X * 1e3, y)
    for W, W0 in zip(est.coefs_, before, strict=True):
        assert_array_equal(W, W0)
    assert est.loss_curve_.shape == (2,)


@pytest.mark.parametrize(
    "params",
    [
        {"weight_decay": -1.0},
        {"decay_mode": "adamw"},
        {"penalty": "elasticnet"},
        {"dropout": 1.0},
        {"learning_rate": "step"},
        {"solver": "lbfgs"},
        {"hidden_layer_sizes": (4, 0)},
        {"batch_size": 0},
    ],
)
def test_bad_parameters_raise(small_classification, params):
    X, y = small_classification
    est = DecayMLPClassifier(max_iter=1, **params)
    with pytest.raises(ValueError):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")


def test_validation_split_too_small():
    X, y = make_regression(n_samples=10, n_features=2, random_state=0)
    with pytest.raises(ValueError, match="validation set is too small"):
        DecayMLPRegressor(early_stopping=True, validation_fraction=0.1).fit(X, y)


def test_zero_sample_weights_raise(small_classification):
    X, y = small_classification
    with pytest.raises(ValueError, match="non-zero"):
        DecayMLPClassifier(max_iter=1).fit(X, y, sample_weight=np.zeros(len(y)))


def test_histories_feed_the_loss_curve_display(small_classification):
    pytest.importorskip("matplotlib")
    from skdecay import LossCurveDisplay

    X, y = small_classification
    est = DecayMLPClassifier(
        hidden_layer_sizes=(8,), decay_mode="decoupled", max_iter=5, random_state=0
    )
    display = LossCurveDisplay.from_estimator(
        est,
        X,
        y,
        alphas=[0.0, 10.0],
        attribute="weight_norm_curve_",
        param_name="weight_decay",
    )
    free, decayed = (line.get_ydata() for line in display.lines_)
    assert len(free) == len(decayed) == 5
    assert decayed[-1] < free[-1]


def test_no_hidden_layer_is_logistic_regression(small_classification):
    """hidden_layer_sizes=() is a softmax regression, stepped as sklearn's."""
    X, y = small_classification
    common = dict(
        hidden_layer_sizes=(),
        learning_rate_init=0.05,
        max_iter=30,
        shuffle=False,
        random_state=0,
    )
    est = DecayMLPClassifier(weight_decay=1e-4 / len(y), **common).fit(X, y)
    ref = MLPClassifier(alpha=1e-4, **common).fit(X, y)
    assert [W.shape for W in est.coefs_] == [(6, 3)]
    assert_allclose(est.coefs_[0], ref.coefs_[0], rtol=1e-9)
    assert est.score(X, y) > 0.6
