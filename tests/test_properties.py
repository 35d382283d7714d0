"""Laws of the regularised problem, checked on random data with hypothesis."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression, LogisticRegression

from skdecay import DecayLinearRegressor, DecayLogisticClassifier

PROPERTY_SETTINGS = settings(max_examples=20, deadline=None)


def _regression_data(seed, n_samples, n_features):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features) * rng.uniform(0.1, 10.0, n_features)
    y = X @ rng.randn(n_features) + rng.randn(n_samples)
    return X, y


def _penalty_value(coef, penalty, l1_ratio):
    rho = {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]
    return rho * np.abs(coef).sum() + 0.5 * (1 - rho) * np.sum(coef**2)


@PROPERTY_SETTINGS
@given(
    seed=st.integers(0, 10_000),
    penalty=st.sampled_from(["l2", "l1", "elasticnet"]),
    l1_ratio=st.floats(0.05, 0.95),
    log_alpha=st.floats(-3.0, 1.0),
    factor=st.floats(1.5, 20.0),
)
def test_bigger_alpha_gives_a_smaller_penalty(
    seed, penalty, l1_ratio, log_alpha, factor
):
    """For min f(w) + alpha g(w), g(w*(alpha)) is non-increasing in alpha (add
    the two optimality inequalities); for 'l2' that is the weight norm."""
    X, y = _regression_data(seed, 40, 6)
    alpha = 10.0**log_alpha
    kw = dict(penalty=penalty, l1_ratio=l1_ratio, tol=1e-10, max_iter=20_000)
    small = DecayLinearRegressor(alpha=alpha, **kw).fit(X, y)
    large = DecayLinearRegressor(alpha=alpha * factor, **kw).fit(X, y)
    g_small = _penalty_value(small.coef_, penalty, l1_ratio)
    g_large = _penalty_value(large.coef_, penalty, l1_ratio)
    assert g_large <= g_small * (1 + 1e-6) + 1e-12


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 10_000), n_features=st.integers(1, 8))
def test_vanishing_alpha_recovers_least_squares(seed, n_features):
    X, y = _regression_data(seed, 30, n_features)
    ols = LinearRegression().fit(X, y)
    reg = DecayLinearRegressor(alpha=1e-12, tol=1e-12, max_iter=50_000).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), ols.predict(X), rtol=1e-6, atol=1e-6)


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 10_000), n_classes=st.integers(2, 4))
def test_vanishing_alpha_recovers_unpenalised_logistic_regression(seed, n_classes):
    rng = np.random.RandomState(seed)
    X = rng.randn(80, 3)
    # Noisy labels keep the classes overlapping, so the unpenalised optimum exists.
    y = (X @ rng.randn(3, n_classes) + 2.0 * rng.randn(80, n_classes)).argmax(axis=1)
    if len(np.unique(y)) < n_classes:
        return
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    ours = DecayLogisticClassifier(alpha=1e-12, tol=1e-10, max_iter=50_000).fit(X, y)
    np.testing.assert_allclose(
        ours.predict_proba(X), reference.predict_proba(X), atol=1e-4
    )


@PROPERTY_SETTINGS
@given(seed=st.integers(0, 10_000), log_alpha=st.floats(-2.0, 1.0))
def test_lasso_above_alpha_max_is_all_zero(seed, log_alpha):
    """alpha_max = ||X_c^T (y - mean(y))||_inf / n is the smallest all-zero alpha."""
    X, y = _regression_data(seed, 30, 5)
    Xc = X - X.mean(axis=0)
    alpha_max = np.abs(Xc.T @ (y - y.mean())).max() / len(y)
    factor = 10.0**log_alpha
    reg = DecayLinearRegressor(penalty="l1", alpha=alpha_max * (1 + abs(factor)))
    assert np.all(reg.fit(X, y).coef_ == 0)
    reg.set_params(alpha=alpha_max * 0.9, tol=1e-8).fit(X, y)
    assert np.any(reg.coef_ != 0)


@PROPERTY_SETTINGS
@given(
    labels=st.lists(st.integers(-3, 3), min_size=1, max_size=30),
    kind=st.sampled_from(["int8", "int64", "uint8", "float32", "float64", "bool"]),
    shift=st.sampled_from([0.0, 0.5]),
)
def test_label_encoding_is_scikit_learns(labels, kind, shift):
    """``encode_labels`` (the classifiers' fast path) gives LabelEncoder's
    classes and indices, and raises where ``check_classification_targets``
    does (non-integral float labels are continuous, not classes)."""
    from sklearn.preprocessing import LabelEncoder
    from sklearn.utils.multiclass import check_classification_targets

    from skdecay._estimator_utils import encode_labels

    y = np.array(labels)
    if kind == "uint8":
        y = y + 3
    y = y.astype(kind)
    if kind.startswith("float"):
        y = y + y.dtype.type(shift)
    try:
        check_classification_targets(y)
    except ValueError as expected:
        with pytest.raises(ValueError, match=str(expected)[:30]):
            encode_labels(y)
        return
    encoder = LabelEncoder()
    y_index = encoder.fit_transform(y)
    classes, index = encode_labels(y)
    assert classes.dtype == encoder.classes_.dtype
    np.testing.assert_array_equal(classes, encoder.classes_)
    np.testing.assert_array_equal(index, y_index)


@pytest.mark.parametrize(
    "y", [np.array(["b", "a", "b"]), np.array(["b", "a", "c"], dtype=object)]
)
def test_label_encoding_of_strings_is_scikit_learns(y):
    from sklearn.preprocessing import LabelEncoder

    from skdecay._estimator_utils import encode_labels

    classes, index = encode_labels(y)
    np.testing.assert_array_equal(classes, LabelEncoder().fit(y).classes_)
    np.testing.assert_array_equal(index, LabelEncoder().fit_transform(y))
