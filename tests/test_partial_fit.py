"""Streaming updates: the penalty flow, lazy sparse steps and ``partial_fit``."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_regression
from sklearn.preprocessing import StandardScaler

from skdecay import DecayLinearRegressor, DecayLogisticClassifier, decay_objective
from skdecay._core._penalties import ElasticNet, NoPenalty
from skdecay._core._sgd import (
    new_stream_state,
    penalty_flow,
    penalty_flow_integral,
    stream_pass,
)
from skdecay.exceptions import NonFiniteIterateError


def _euler_flow(w, decay, shrink, h, n_steps=20_000):
    """The penalty ODE by tiny explicit steps, stopping at zero."""
    dt = h / n_steps
    area = 0.0
    for _ in range(n_steps):
        area += w * dt
        new = w - dt * (decay * w + shrink * np.sign(w))
        w = 0.0 if new * w <= 0.0 else new
    return w, area


@pytest.mark.parametrize(
    "w, decay, shrink, h",
    [
        (1.5, 0.3, 0.0, 2.0),  # pure weight decay
        (-1.5, 0.0, 0.4, 2.0),  # pure L1 shrinkage, no zero crossing
        (0.5, 0.2, 0.4, 3.0),  # elastic net, reaches zero
        (-2.0, 1e-9, 0.1, 1.0),  # decay far below rounding of exp
    ],
)
def test_penalty_flow_solves_the_ode(w, decay, shrink, h):
    expected, expected_area = _euler_flow(w, decay, shrink, h)
    assert penalty_flow(w, decay, shrink, h) == pytest.approx(expected, abs=1e-3)
    assert penalty_flow_integral(w, decay, shrink, h) == pytest.approx(
        expected_area, abs=1e-3
    )


def test_penalty_flow_composes_exactly():
    """What makes the lazy update exact: flowing for h1 then h2 is one flow."""
    rng = np.random.RandomState(0)
    for _ in range(200):
        w = rng.randn() * 3
        decay, shrink = rng.exponential(size=2) * rng.randint(0, 2, size=2)
        h1, h2 = rng.exponential(size=2)
        both = penalty_flow(w, decay, shrink, h1 + h2)
        split = penalty_flow(penalty_flow(w, decay, shrink, h1), decay, shrink, h2)
        assert split == pytest.approx(both, rel=1e-12, abs=1e-14)
        area = penalty_flow_integral(w, decay, shrink, h1 + h2)
        area_split = penalty_flow_integral(w, decay, shrink, h1)
        area_split += penalty_flow_integral(
            penalty_flow(w, decay, shrink, h1), decay, shrink, h2
        )
        assert area_split == pytest.approx(area, rel=1e-10, abs=1e-14)


def _passes(X, Y, n_passes, loss="squared", **kwargs):
    options = dict(
        loss=loss,
        penalty=ElasticNet(0.03, 1 / 3),
        fit_intercept=True,
        batch_size=4,
        learning_rate=None,
        power_t=0.5,
        average_after=-1,
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


@pytest.mark.parametrize("average_after", [-1, 30])
def test_lazy_sparse_steps_equal_eager_dense_steps(average_after):
    """A CSR row touches its non-zeros only, the dense row every feature: the
    penalty of the untouched features is applied later, in one exact flow, so
    both give the same iterates (and the same averages)."""
    rng = np.random.RandomState(0)
    X = sp.random(60, 40, density=0.1, format="csr", random_state=rng)
    Y = rng.randn(60, 2)
    sparse_state, _ = _passes(X, Y, 3, average_after=average_after)
    dense_state, _ = _passes(X.toarray(), Y, 3, average_after=average_after)
    assert np.count_nonzero(sparse_state.coef) > 0
    for sparse, dense in zip(
        sparse_state.coefficients(), dense_state.coefficients(), strict=True
    ):
        np.testing.assert_allclose(sparse, dense, rtol=1e-10, atol=1e-12)


def test_state_is_not_modified_and_failure_raises():
    X, y = make_regression(n_samples=50, n_features=5, random_state=0)
    Y = y.reshape(-1, 1)
    state = new_stream_state(5, 1, centered=True)
    state, _ = stream_pass(
        X, Y, np.ones(50), state, loss="squared", penalty=NoPenalty(),
        fit_intercept=True, batch_size=1, learning_rate=None, power_t=0.5,
        average_after=-1,
    )  # fmt: skip
    before = state.coef.copy(), state.clock.copy()
    with pytest.raises(NonFiniteIterateError, match="learning_rate=1e"):
        stream_pass(
            X * 1e150, Y, np.ones(50), state, loss="squared", penalty=NoPenalty(),
            fit_intercept=True, batch_size=1, learning_rate=1e10, power_t=0.5,
            average_after=-1,
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


@pytest.mark.parametrize(
    "make_estimator, data, loss",
    [
        (lambda: DecayLinearRegressor(alpha=1e-2), _regression, "squared"),
        (
            lambda: DecayLinearRegressor(
                alpha=1e-2, penalty="elasticnet", l1_ratio=0.5
            ),
            _regression,
            "squared",
        ),
        (
            lambda: DecayLogisticClassifier(alpha=1e-2),
            lambda: make_classification(400, 10, random_state=0),
            "logistic",
        ),
        (
            lambda: DecayLogisticClassifier(alpha=1e-2, penalty="l1"),
            lambda: make_classification(400, 10, random_state=0),
            "logistic",
        ),
        (
            lambda: DecayLogisticClassifier(alpha=1e-2),
            lambda: make_classification(
                400, 10, n_classes=3, n_informative=5, random_state=0
            ),
            "multinomial",
        ),
    ],
)
def test_repeated_passes_reach_the_solution_of_fit(make_estimator, data, loss):
    """The documented tolerance: 30 passes, objective within 0.2 % and
    coefficients within 10 % (relative Euclidean distance) of fit's solution;
    1 % and 50 % for an L1 part with the logistic loss."""
    X, y = data()
    X = StandardScaler().fit_transform(X)
    reference = make_estimator().set_params(tol=1e-10).fit(X, y)
    classes = {"classes": np.unique(y)} if loss != "squared" else {}
    est = make_estimator()
    est.partial_fit(X[:10], y[:10], **classes)
    _epochs(est, X, y, 30)
    params = est.get_params()
    objective = {
        name: decay_objective(
            X,
            y,
            model.coef_,
            model.intercept_,
            loss=loss,
            alpha=params["alpha"],
            penalty=params["penalty"],
            l1_ratio=params["l1_ratio"],
        )
        for name, model in (("sgd", est), ("fit", reference))
    }
    distance = np.linalg.norm(est.coef_ - reference.coef_)
    l1_part = params["penalty"] in ("l1", "elasticnet") and loss != "squared"
    objective_tol, coef_tol = (1e-2, 0.5) if l1_part else (2e-3, 0.1)
    assert objective["sgd"] <= objective["fit"] * (1 + objective_tol)
    assert distance <= coef_tol * np.linalg.norm(reference.coef_)
    assert est.n_iter_ == 151 and est.t_ == 10 + 30 * X.shape[0] + 1
    assert est.loss_curve_.shape == (151,)


def test_averaging_after_the_first_pass_gets_closer():
    X, y = make_classification(400, 10, random_state=0)
    X = StandardScaler().fit_transform(X)
    reference = DecayLogisticClassifier(alpha=1e-2, tol=1e-10).fit(X, y)
    distances = []
    for average in (False, 400):
        est = DecayLogisticClassifier(alpha=1e-2, average=average)
        _epochs(est, X, y, 20, classes=[0, 1])
        distances.append(np.linalg.norm(est.coef_ - reference.coef_))
    assert distances[1] < distances[0]


def test_raw_features_on_different_scales_need_no_scaler():
    """The preconditioner uses the running variances: multiplying a feature by
    1e4 changes nothing but its coefficient."""
    X, y = _regression()
    scales = np.logspace(-2, 4, X.shape[1])
    standard = _epochs(DecayLinearRegressor(alpha=0.0), X, y, 10)
    raw = _epochs(DecayLinearRegressor(alpha=0.0), X * scales, y, 10)
    np.testing.assert_allclose(raw.coef_ * scales, standard.coef_, rtol=1e-6)


def test_classes_are_required_then_checked():
    X, y = make_classification(60, 4, random_state=0)
    clf = DecayLogisticClassifier()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "classes_")
    clf.partial_fit(X[y == 0], y[y == 0], classes=[0, 1])
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes"):
        clf.partial_fit(X, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match="balanced"):
        DecayLogisticClassifier(class_weight="balanced").partial_fit(
            X, y, classes=[0, 1]
        )
    with pytest.raises(ValueError, match="4 features"):
        clf.partial_fit(X[:, :3], y)


def test_partial_fit_continues_from_fit_and_fit_starts_afresh():
    X, y = _regression()
    fitted = DecayLinearRegressor(alpha=1e-2, tol=1e-10).fit(X, y)
    continued = clone_fitted = DecayLinearRegressor(alpha=1e-2, tol=1e-10).fit(X, y)
    continued.partial_fit(X, y)
    # From the optimum, one pass of small steps stays close to it.
    assert np.linalg.norm(continued.coef_ - fitted.coef_) < 0.05 * np.linalg.norm(
        fitted.coef_
    )
    assert continued.n_iter_ == 1 and continued.t_ == X.shape[0] + 1
    clone_fitted.fit(X, y)
    assert not hasattr(clone_fitted, "t_")
    np.testing.assert_allclose(clone_fitted.coef_, fitted.coef_, rtol=1e-8)


def test_a_failed_pass_leaves_the_estimator_as_it_was():
    X, y = _regression()
    reg = DecayLinearRegressor(learning_rate=1e6).partial_fit(X[:5], y[:5] * 0)
    before = {k: np.copy(v) for k, v in vars(reg).items() if k.endswith("_")}
    with pytest.raises(NonFiniteIterateError, match="learning_rate=1e"):
        reg.partial_fit(X * 1e100, y * 1e100)
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(reg, name), value)
    assert np.all(np.isfinite(reg.coef_))


def test_pickled_stream_continues_identically():
    X, y = make_classification(300, 6, n_classes=3, n_informative=4, random_state=0)
    clf = DecayLogisticClassifier(average=100).partial_fit(X, y, classes=[0, 1, 2])
    copy = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(X, y)
    copy.partial_fit(X, y)
    np.testing.assert_array_equal(copy.coef_, clf.coef_)
    np.testing.assert_array_equal(copy.loss_curve_, clf.loss_curve_)


def test_sparse_chunks_and_multi_target_regression():
    X, Y = _regression(n_targets=2)
    dense = _epochs(DecayLinearRegressor(fit_intercept=False), X, Y, 2)
    sparse = _epochs(DecayLinearRegressor(fit_intercept=False), sp.csr_matrix(X), Y, 2)
    assert dense.coef_.shape == (2, X.shape[1])
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="targets"):
        dense.partial_fit(X, Y[:, 0])
