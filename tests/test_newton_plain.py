"""Newton's short routes without an intercept on dense data: the exact step
on a few coordinates (``_Smooth.plain_step``) and the coefficient-only
conjugate gradients of wide data (``_plain_conjugate_gradients``) reach
LogisticRegression's solution, in float64 and float32, C- and F-ordered."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skdecay import DecayLogisticClassifier
from skdecay._core._solvers import _newton


@pytest.mark.parametrize("wide", [False, True])
@pytest.mark.parametrize("layout", ["C", "F", "float32"])
def test_plain_routes_agree_with_scikit_learn(breast_cancer, wide, layout, monkeypatch):
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    # 569 x 30: 31 coordinates, every step exact; 24 x 30: matrix-free.
    X, y = (X[::23], y[::23]) if wide else (X, y)
    n, C = X.shape[0], 2.0
    theirs = LogisticRegression(
        C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000, fit_intercept=False
    ).fit(X, y)
    data = {
        "C": np.ascontiguousarray(X),
        "F": np.asfortranarray(X),
        "float32": X.astype(np.float32),
    }[layout]
    used = []
    route = "_plain_conjugate_gradients" if wide else None
    if route is not None:
        original = getattr(_newton, route)

        def spy(*args, **kwargs):
            used.append(route)
            return original(*args, **kwargs)

        monkeypatch.setattr(_newton, route, spy)
    else:
        original = _newton._Smooth.plain_step

        def spy(self, *args):
            used.append("plain_step")
            return original(self, *args)

        monkeypatch.setattr(_newton._Smooth, "plain_step", spy)
    ours = DecayLogisticClassifier(
        alpha=1.0 / (C * n), solver="newton", fit_intercept=False, tol=1e-10
    ).fit(data, y)
    assert used
    assert ours.coef_.dtype == data.dtype
    rtol = 1e-3 if layout == "float32" else 1e-6
    np.testing.assert_allclose(
        ours.coef_, theirs.coef_, rtol=rtol, atol=rtol * np.abs(theirs.coef_).max()
    )


def test_plain_step_falls_back_on_a_failed_solve(breast_cancer, monkeypatch):
    """A non-finite or failed short step hands the step to the general
    route: the same solution."""
    X, y = breast_cancer
    X = StandardScaler().fit_transform(X)
    kwargs = dict(alpha=1e-3, solver="newton", fit_intercept=False, tol=1e-10)
    reference = DecayLogisticClassifier(**kwargs).fit(X, y)
    monkeypatch.setattr(_newton._Smooth, "plain_step", lambda self, h, grad: None)
    general = DecayLogisticClassifier(**kwargs).fit(X, y)
    np.testing.assert_allclose(general.coef_, reference.coef_, rtol=1e-8, atol=1e-10)
