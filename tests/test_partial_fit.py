"""The stochastic engine: the penalty flow, lazy sparse steps, ``partial_fit``
streams and the variance-reduced ``fit`` of the SGD estimators."""

import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_regression
from sklearn.preprocessing import StandardScaler

from skdecay import (
    DecayLinearRegressor,
    DecayLogisticClassifier,
    DecaySGDClassifier,
    DecaySGDRegressor,
    decay_objective,
)
from skdecay._core._penalties import ElasticNet, NoPenalty
from skdecay._core._stochastic import (
    batch_curvature_bound,
    new_stream_state,
    penalty_flow,
    penalty_flow_integral,
    stochastic_pass,
    stream_pass,
)
from skdecay.exceptions import NonFiniteIterateError


def _euler_flow(w, drift, decay, shrink, h, n_steps=20_000):
    """The penalty ODE by tiny explicit steps; zero holds while the drift is
    within the L1 strength (the subdifferential), else is crossed."""
    dt = h / n_steps
    area = 0.0
    for _ in range(n_steps):
        area += w * dt
        if w == 0.0 and abs(drift) <= shrink:
            continue
        new = w - dt * (drift + decay * w + shrink * np.sign(w))
        if w != 0.0 and new * w <= 0.0 and abs(drift) <= shrink:
            new = 0.0
        w = new
    return w, area


@pytest.mark.parametrize(
    "w, drift, decay, shrink, h",
    [
        (1.5, 0.0, 0.3, 0.0, 2.0),  # pure weight decay
        (-1.5, 0.0, 0.0, 0.4, 2.0),  # pure L1 shrinkage, no zero crossing
        (0.5, 0.0, 0.2, 0.4, 3.0),  # elastic net, reaches zero
        (-2.0, 0.0, 1e-9, 0.1, 1.0),  # decay far below rounding of exp
        (0.5, 0.3, 0.2, 0.4, 3.0),  # a drift within the L1 strength: held at 0
        (0.5, 0.9, 0.2, 0.4, 3.0),  # a stronger drift crosses zero
        (-0.5, 0.9, 0.2, 0.4, 3.0),  # ... and pushes away from it
        (0.0, -0.7, 0.5, 0.2, 2.0),  # leaves zero
    ],
)
def test_penalty_flow_solves_the_ode(w, drift, decay, shrink, h):
    expected, expected_area = _euler_flow(w, drift, decay, shrink, h)
    assert penalty_flow(w, drift, decay, shrink, h) == pytest.approx(expected, abs=1e-3)
    assert penalty_flow_integral(w, drift, decay, shrink, h) == pytest.approx(
        expected_area, abs=1e-3
    )


def test_penalty_flow_composes_exactly():
    """What makes the lazy update exact: flowing for h1 then h2 is one flow."""
    rng = np.random.RandomState(0)
    for _ in range(300):
        w = rng.randn() * 3 * rng.randint(0, 2)
        decay, shrink = rng.exponential(size=2) * rng.randint(0, 2, size=2)
        drift = rng.randn() * rng.randint(0, 2)
        h1, h2 = rng.exponential(size=2)
        both = penalty_flow(w, drift, decay, shrink, h1 + h2)
        half = penalty_flow(w, drift, decay, shrink, h1)
        split = penalty_flow(half, drift, decay, shrink, h2)
        assert split == pytest.approx(both, rel=1e-10, abs=1e-12)
        area = penalty_flow_integral(w, drift, decay, shrink, h1 + h2)
        area_split = penalty_flow_integral(w, drift, decay, shrink, h1)
        area_split += penalty_flow_integral(half, drift, decay, shrink, h2)
        assert area_split == pytest.approx(area, rel=1e-9, abs=1e-12)


def _passes(X, Y, n_passes, loss="squared", **kwargs):
    options = dict(
        loss=loss,
        penalty=ElasticNet(0.03, 1 / 3),
        fit_intercept=True,
        batch_size=4,
        learning_rate=None,
        power_t=0.5,
        average=False,
    )
    options.update(kwargs)
    state = new_stream_state(
        X.shape[1], Y.shape[1], centered=options.pop("centered", False)
    )
    objectives = []
    for _ in range(n_passes):
        state, objective = stream_pass(X, Y, np.ones(X.shape[0]), state, **options)
        objectives.append(objective)
    return state, objectives


@pytest.mark.parametrize("average", [False, True])
def test_lazy_sparse_steps_equal_eager_dense_steps(average):
    """A CSR row touches its non-zeros only, the dense row every feature: the
    penalty of the untouched features is applied later, in one exact flow, so
    both give the same iterates (and the same averages and read-out)."""
    rng = np.random.RandomState(0)
    X = sp.random(60, 40, density=0.1, format="csr", random_state=rng)
    Y = rng.randn(60, 2)
    sparse_state, _ = _passes(X, Y, 3, average=average)
    dense_state, _ = _passes(X.toarray(), Y, 3, average=average)
    assert np.count_nonzero(sparse_state.coef) > 0
    for sparse, dense in zip(
        sparse_state.coefficients(), dense_state.coefficients(), strict=True
    ):
        np.testing.assert_allclose(sparse, dense, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 4, 7, 50])
@pytest.mark.parametrize("sparse", [False, True])
def test_curvature_bound_is_the_worst_mini_batch_mean(sparse, batch_size):
    """The step's bound, in NumPy, is the largest mean over consecutive
    mini-batches of each row's ``s_i * curvature * (||x_i - m||^2_{D^-1} +
    1 / d_b)``, written here as the plain loop; dense rows far from the origin
    (an offset of 1e4 on a spread of 1) keep their centred norm. The last
    mini-batch is shorter when the batch size does not divide the rows."""
    rng = np.random.RandomState(0)
    X = rng.randn(23, 5) + np.array([1e4, 0.0, -3.0, 0.0, 1.0])
    X[X < -0.5] = 0.0
    weights = rng.uniform(0.5, 2.0, 23)
    scale = rng.uniform(0.1, 3.0, 5)
    x_mean = np.zeros(5) if sparse else X.mean(axis=0)
    data = sp.csr_matrix(X) if sparse else X
    bound = batch_curvature_bound(data, weights, x_mean, scale, 0.7, 0.25, batch_size)
    worst = 0.0
    for start in range(0, 23, batch_size):
        batch = range(start, min(start + batch_size, 23))
        total = sum(
            weights[i] * 0.25
            * (sum((X[i, j] - x_mean[j]) ** 2 / scale[j] for j in range(5)) + 1 / 0.7)
            for i in batch
        )  # fmt: skip
        worst = max(worst, total / len(batch))
    assert bound == pytest.approx(worst, rel=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_pass_is_compiled_for_its_loss_alone():
    """The pass is specialised on the loss's marker (an empty NamedTuple), not
    on an integer code that would compile every loss into every fit; a
    regressor and a classifier each get their own version."""
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    DecaySGDRegressor(max_iter=2).fit(X, y.astype(float))
    DecaySGDClassifier(max_iter=2).fit(X, y)
    losses = set()
    for signature in stochastic_pass.signatures:
        loss = signature[4].types[0]  # Schedule.loss
        assert len(loss.types) == 0, signature
        losses.add(loss.instance_class.__name__)
    assert {"SquaredLoss", "LogisticLoss"} <= losses


def test_state_is_not_modified_and_failure_raises():
    X, y = make_regression(n_samples=50, n_features=5, random_state=0)
    Y = y.reshape(-1, 1)
    state = new_stream_state(5, 1, centered=True)
    state, _ = stream_pass(
        X, Y, np.ones(50), state, loss="squared", penalty=NoPenalty(),
        fit_intercept=True, batch_size=1, learning_rate=None, power_t=0.5,
    )  # fmt: skip
    before = state.coef.copy(), state.clock.copy()
    with pytest.raises(NonFiniteIterateError, match="learning_rate=1e"):
        stream_pass(
            X * 1e150, Y, np.ones(50), state, loss="squared", penalty=NoPenalty(),
            fit_intercept=True, batch_size=1, learning_rate=1e10, power_t=0.5,
        )  # fmt: skip
    np.testing.assert_array_equal(state.coef, before[0])
    np.testing.assert_array_equal(state.clock, before[1])


def test_float32_and_float64_rows_give_the_same_pass():
    X, y = make_classification(n_samples=80, n_features=6, random_state=0)
    Y = y.reshape(-1, 1).astype(float)
    s64, _ = _passes(X, Y, 2, loss="logistic", centered=True)
    s32, _ = _passes(X.astype(np.float32), Y, 2, loss="logistic", centered=True)
    np.testing.assert_allclose(s32.coefficients()[0], s64.coefficients()[0], rtol=1e-4)


def test_progressive_objective_decreases_over_passes():
    X, y = make_classification(n_samples=300, n_features=10, random_state=0)
    X = StandardScaler().fit_transform(X)
    _, objectives = _passes(X, y.reshape(-1, 1).astype(float), 6, loss="logistic")
    assert objectives[-1] < objectives[0]
    assert np.all(np.isfinite(objectives))


# --- the estimators -------------------------------------------------------


def _epochs(est, X, y, n_epochs, n_chunks=5, **kwargs):
    chunks = np.array_split(np.arange(X.shape[0]), n_chunks)
    for _ in range(n_epochs):
        for chunk in chunks:
            est.partial_fit(X[chunk], y[chunk], **kwargs)
    return est


def _regression(n_samples=400, n_features=10, n_targets=1):
    X, y = make_regression(
        n_samples=n_samples, n_features=n_features, n_targets=n_targets,
        n_informative=5, noise=10.0, random_state=0,
    )  # fmt: skip
    return StandardScaler().fit_transform(X), y / y.std()


def _classification(n_classes=2):
    if n_classes == 2:
        X, y = make_classification(400, 10, random_state=0)
    else:
        X, y = make_classification(
            400, 10, n_classes=3, n_informative=5, random_state=0
        )
    return StandardScaler().fit_transform(X), y


def _objective(model, X, y, loss, params):
    return decay_objective(
        X, y, model.coef_, model.intercept_, loss=loss, alpha=params["alpha"],
        penalty=params["penalty"], l1_ratio=params["l1_ratio"],
    )  # fmt: skip


def _stream(est, X, y, classes):
    """The protocol of the documented claims: a first small chunk, then 30
    passes over the data in 5 chunks."""
    est.partial_fit(X[:10], y[:10], **classes)
    return _epochs(est, X, y, 30)


SMOOTH = [
    (DecaySGDRegressor, DecayLinearRegressor, dict(alpha=1e-2), _regression),
    (DecaySGDClassifier, DecayLogisticClassifier, dict(alpha=1e-2), _classification),
    (
        DecaySGDClassifier,
        DecayLogisticClassifier,
        dict(alpha=1e-2),
        lambda: _classification(3),
    ),
]
# At alpha=1e-2 the lasso on _regression has a coefficient of 2e-4: its
# support is decided at the fourth digit. 2e-2 has a clear one.
SPARSE_SOLUTION = [
    (
        DecaySGDRegressor,
        DecayLinearRegressor,
        dict(penalty="l1", alpha=2e-2),
        _regression,
    ),
    (
        DecaySGDRegressor,
        DecayLinearRegressor,
        dict(penalty="elasticnet", l1_ratio=0.5, alpha=2e-2),
        _regression,
    ),
    (
        DecaySGDClassifier,
        DecayLogisticClassifier,
        dict(penalty="l1", alpha=1e-2),
        _classification,
    ),
    (
        DecaySGDClassifier,
        DecayLogisticClassifier,
        dict(penalty="elasticnet", l1_ratio=0.5, alpha=1e-2),
        _classification,
    ),
]


@pytest.mark.parametrize("sgd, batch, params, data", SMOOTH)
def test_repeated_passes_reach_the_solution_of_fit(sgd, batch, params, data):
    """Weight decay: 30 passes bring the objective within 0.2 % and the
    coefficients within 5 % (relative Euclidean distance) of fit's."""
    X, y = data()
    reference = batch(tol=1e-10, **params).fit(X, y)
    classifier = sgd is DecaySGDClassifier
    est = _stream(sgd(**params), X, y, {"classes": np.unique(y)} if classifier else {})
    loss = "squared"
    if classifier:
        loss = "logistic" if len(np.unique(y)) == 2 else "multinomial"
    full = est.get_params()
    assert _objective(est, X, y, loss, full) <= _objective(
        reference, X, y, loss, full
    ) * (1 + 2e-3)
    distance = np.linalg.norm(est.coef_ - reference.coef_)
    assert distance <= 0.05 * np.linalg.norm(reference.coef_)
    assert est.n_iter_ == 151 and est.t_ == 10 + 30 * X.shape[0] + 1
    assert est.loss_curve_.shape == (151,)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("sgd, batch, params, data", SPARSE_SOLUTION)
def test_stream_reaches_the_coefficients_and_support_of_fit(
    sgd, batch, params, data, sparse
):
    """The claim of the read-out: with an L1 part, 30 passes over chunks bring
    the coefficients within 5 % of fit's with exactly its support (the last
    iterate, or a plain average, does not)."""
    X, y = data()
    if sparse:
        X = sp.csr_matrix(X)
    reference = batch(tol=1e-12, **params).fit(X, y)
    support = reference.coef_ != 0
    assert 0 < support.sum() < support.size  # a problem where support matters
    classes = {"classes": [0, 1]} if sgd is DecaySGDClassifier else {}
    est = _stream(sgd(**params), X, y, classes)
    distance = np.linalg.norm(est.coef_ - reference.coef_)
    assert distance <= 0.05 * np.linalg.norm(reference.coef_)
    np.testing.assert_array_equal(est.coef_ != 0, support)
    last_iterate = _stream(sgd(average=False, **params), X, y, classes)
    assert (
        not np.array_equal(last_iterate.coef_ != 0, support)
        or np.linalg.norm(last_iterate.coef_ - reference.coef_) > distance
    )


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("sgd, batch, params, data", SPARSE_SOLUTION + SMOOTH)
def test_variance_reduced_fit_equals_the_batch_solution(
    sgd, batch, params, data, sparse
):
    """fit (prox-SVRG) converges to the batch estimators' solution, zeros
    included, with their stopping rule."""
    X, y = data()
    if sparse:
        X = sp.csr_matrix(X)
    params = {"alpha": 1e-2, **params}
    weights = np.random.RandomState(0).uniform(0.5, 2.0, size=X.shape[0])
    reference = batch(tol=1e-10, **params).fit(X, y, sample_weight=weights)
    est = sgd(tol=1e-8, random_state=0, **params).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.intercept_, reference.intercept_, atol=1e-5)
    np.testing.assert_array_equal(est.coef_ != 0, reference.coef_ != 0)
    assert est.n_iter_ == est.loss_curve_.shape[0] < 200
    assert est.t_ == est.n_iter_ * X.shape[0] + 1


def test_raw_features_on_different_scales_need_no_scaler():
    """The preconditioner uses the running variances: multiplying a feature by
    1e4 changes nothing but its coefficient."""
    X, y = _regression()
    scales = np.logspace(-2, 4, X.shape[1])
    standard = _epochs(DecaySGDRegressor(alpha=0.0), X, y, 10)
    raw = _epochs(DecaySGDRegressor(alpha=0.0), X * scales, y, 10)
    np.testing.assert_allclose(raw.coef_ * scales, standard.coef_, rtol=1e-6)


def test_classes_are_required_then_checked():
    X, y = make_classification(60, 4, random_state=0)
    clf = DecaySGDClassifier()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "classes_")
    clf.partial_fit(X[y == 0], y[y == 0], classes=[0, 1])
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes"):
        clf.partial_fit(X, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match="balanced"):
        DecaySGDClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="4 features"):
        clf.partial_fit(X[:, :3], y)


def test_partial_fit_continues_from_fit_and_fit_starts_afresh():
    X, y = _regression()
    fitted = DecaySGDRegressor(alpha=1e-2, tol=1e-10, random_state=0).fit(X, y)
    n_iter = fitted.n_iter_
    continued = DecaySGDRegressor(alpha=1e-2, tol=1e-10, random_state=0).fit(X, y)
    continued.partial_fit(X, y)
    # From the optimum, one pass of small steps stays close to it.
    assert np.linalg.norm(continued.coef_ - fitted.coef_) < 0.05 * np.linalg.norm(
        fitted.coef_
    )
    # One meaning: passes (and samples) since the model was initialised.
    assert continued.n_iter_ == n_iter + 1 == continued.loss_curve_.shape[0]
    assert continued.t_ == (n_iter + 1) * X.shape[0] + 1
    continued.fit(X, y)
    assert continued.n_iter_ == n_iter and not hasattr(continued, "_stream_state")
    np.testing.assert_allclose(continued.coef_, fitted.coef_, rtol=1e-10)


def test_a_failed_pass_leaves_the_estimator_as_it_was():
    X, y = _regression()
    reg = DecaySGDRegressor(eta0=1e6).partial_fit(X[:5], y[:5] * 0)
    before = {k: np.copy(v) for k, v in vars(reg).items() if k.endswith("_")}
    with pytest.raises(NonFiniteIterateError, match="eta0=1e"):
        reg.partial_fit(X * 1e100, y * 1e100)
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(reg, name), value)
    assert np.all(np.isfinite(reg.coef_))


@pytest.mark.parametrize(
    "sgd, data, eta0",
    [
        (DecaySGDRegressor, _regression, 50.0),
        # The log-loss grows linearly in the weights: it takes a larger step.
        (DecaySGDClassifier, _classification, 1e6),
    ],
)
def test_a_growing_loss_stops_the_stream_and_keeps_the_model(sgd, data, eta0):
    """A step too large to be stable: the loss of the pass grows past 1e4 times
    the constant model's long before it overflows, which raises with advice
    instead of storing a finite but useless model; the model stays as it was."""
    X, y = data()
    classes = {"classes": [0, 1]} if sgd is DecaySGDClassifier else {}
    model = sgd(alpha=1e-2).partial_fit(X, y, **classes)
    before = {k: np.copy(v) for k, v in vars(model).items() if k.endswith("_")}
    model.set_params(eta0=eta0)
    rate = re.escape(f"eta0={eta0:g}")
    with pytest.raises(NonFiniteIterateError, match=rf"diverged.*{rate}.*lower"):
        model.partial_fit(X, y)
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(model, name), value)
    with pytest.raises(NonFiniteIterateError, match=rf"diverged.*{rate}"):
        sgd(alpha=1e-2, eta0=eta0).fit(X, y)


def test_pickled_stream_continues_identically():
    X, y = make_classification(300, 6, n_classes=3, n_informative=4, random_state=0)
    clf = DecaySGDClassifier().partial_fit(X, y, classes=[0, 1, 2])
    copy = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(X, y)
    copy.partial_fit(X, y)
    np.testing.assert_array_equal(copy.coef_, clf.coef_)
    np.testing.assert_array_equal(copy.loss_curve_, clf.loss_curve_)


def test_sparse_chunks_and_multi_target_regression():
    X, Y = _regression(n_targets=2)
    dense = _epochs(DecaySGDRegressor(fit_intercept=False), X, Y, 2)
    sparse = _epochs(DecaySGDRegressor(fit_intercept=False), sp.csr_matrix(X), Y, 2)
    assert dense.coef_.shape == (2, X.shape[1])
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="targets"):
        dense.partial_fit(X, Y[:, 0])


# --- the deprecated streaming surface of the linear estimators ------------


@pytest.mark.parametrize(
    "linear, sgd, data",
    [
        (DecayLinearRegressor, DecaySGDRegressor, _regression),
        (DecayLogisticClassifier, DecaySGDClassifier, _classification),
    ],
)
def test_linear_partial_fit_is_deprecated_and_unchanged(linear, sgd, data):
    X, y = data()
    classes = {"classes": [0, 1]} if sgd is DecaySGDClassifier else {}
    with pytest.warns(FutureWarning, match=f"partial_fit.*use {sgd.__name__}") as seen:
        old = linear(alpha=1e-2).partial_fit(X, y, **classes)
    assert seen[0].filename == __file__  # points at the caller
    # As in 0.1: the last iterate of the same steps (no averaging by default).
    new = sgd(alpha=1e-2, average=False).partial_fit(X, y, **classes)
    np.testing.assert_allclose(old.coef_, new.coef_, rtol=1e-12)
    assert old.n_iter_ == 1 and old.t_ == X.shape[0] + 1
    for name, value in [("batch_size", 4), ("power_t", 0.7), ("average", True)]:
        with pytest.warns(FutureWarning, match=f"{name} was deprecated"):
            linear(**{name: value}).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        linear().fit(X, y)  # the defaults do not warn
