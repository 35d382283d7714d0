"""Raw features on scales from 1e-150 to 1e150 fit without a scaler.

Every solver works in the metric of the per-feature variances, so the
solution on ``Z * d`` is the solution on ``Z`` mapped back (``coef * d``).
The default solver once stalled here: Newton's factored Hessian took a
jitter relative to its largest diagonal entry (``~1e300``), which froze the
coefficient of the feature on the scale ``1e-150``.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skdecay import DecayLinearRegressor, DecayLogisticClassifier

SOLVERS = ["gd", "fista", "cd", "newton", "prox_newton", "auto"]


def problem(task):
    rng = np.random.RandomState(1)
    Z = rng.randn(200, 3)
    if task == "classification":
        y = (Z @ [2.0, 3.0, 1.0] + rng.logistic(size=200) > 0).astype(int)
    else:
        y = Z @ [2.0, 3.0, 1.0] + 0.5 * rng.randn(200)
    return Z, y


def fit(task, X, y, solver, **params):
    Estimator = (
        DecayLogisticClassifier if task == "classification" else DecayLinearRegressor
    )
    model = Estimator(solver=solver, tol=1e-8, max_iter=20_000, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return model.fit(X, y)


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("scale", [1e50, 1e150])
@pytest.mark.parametrize("solver", SOLVERS)
def test_unpenalised_fit_is_the_unscaled_solution_mapped_back(task, scale, solver):
    Z, y = problem(task)
    d = np.array([scale, 1.0 / scale, 1.0])
    reference = fit(task, Z, y, "newton", penalty=None)
    model = fit(task, Z * d, y, solver, penalty=None)
    np.testing.assert_allclose(np.ravel(model.coef_) * d, np.ravel(reference.coef_),
                               rtol=1e-5)  # fmt: skip
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-5,
                               atol=1e-8)  # fmt: skip


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("scale", [1e50, 1e150])
def test_every_solver_agrees_under_l2_decay(task, scale):
    """The penalty is on the raw coefficients: the solvers must agree.

    They are compared in standardised units (``coef * std``), those of the
    stopping rule: the decay shrinks the coefficient of the feature on the
    scale ``1 / scale`` to ``~1e-148``, whose effect on the predictions
    (``1e-298``) and on the objective no float resolves.
    """
    Z, y = problem(task)
    X = Z * np.array([scale, 1.0 / scale, 1.0])
    models = {
        solver: fit(task, X, y, solver, penalty="l2", alpha=1e-2) for solver in SOLVERS
    }
    reference = np.ravel(models["newton"].coef_) * X.std(axis=0)
    for solver, model in models.items():
        standardised = np.ravel(model.coef_) * X.std(axis=0)
        np.testing.assert_allclose(standardised, reference, rtol=1e-5, atol=1e-8,
                                   err_msg=solver)  # fmt: skip
        np.testing.assert_allclose(model.intercept_, models["newton"].intercept_,
                                   rtol=1e-5, err_msg=solver)  # fmt: skip
