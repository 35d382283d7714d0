"""Every warning skdecay raises names the user's line: this file.

The problems are tiny and the iteration limits 1-5, so each case costs
milliseconds once the kernels are compiled.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdecay import (
    DecayLinearRegressor,
    DecayLinearRegressorCV,
    DecayLogisticClassifier,
    DecayLogisticClassifierCV,
    DecayMLPClassifier,
    DecayMLPRegressor,
    decay_path,
)

X_REG, Y_REG = make_regression(n_samples=60, n_features=6, random_state=0)
X_CLF, Y_CLF = make_classification(n_samples=60, n_features=6, random_state=0)
X_CLF3, Y_CLF3 = make_classification(
    n_samples=90, n_features=6, n_informative=4, n_classes=3, random_state=0
)


def _fit_mlp_regressor():
    DecayMLPRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X_REG, Y_REG)


def _partial_fit_mlp_with_large_batch():
    DecayMLPClassifier(hidden_layer_sizes=(4,), batch_size=500).partial_fit(
        X_CLF, Y_CLF, classes=[0, 1]
    )


#: name -> (call, category): each call raises that warning from skdecay.
CASES = {
    "regressor fit": (
        lambda: DecayLinearRegressor(solver="gd", max_iter=2, tol=0).fit(X_REG, Y_REG),
        ConvergenceWarning,
    ),
    "classifier fit": (
        lambda: DecayLogisticClassifier(solver="fista", max_iter=1, tol=0).fit(
            X_CLF, Y_CLF
        ),
        ConvergenceWarning,
    ),
    "stalled newton": (
        lambda: DecayLogisticClassifier(solver="newton", tol=1e-17).fit(X_CLF3, Y_CLF3),
        ConvergenceWarning,
    ),
    "pipeline fit": (
        lambda: make_pipeline(
            StandardScaler(), DecayLinearRegressor(penalty="l1", max_iter=1, tol=0)
        ).fit(X_REG, Y_REG),
        ConvergenceWarning,
    ),
    "decay_path": (
        lambda: decay_path(X_REG, Y_REG, penalty="l1", n_alphas=3, max_iter=1, tol=0),
        ConvergenceWarning,
    ),
    "mlp regressor fit": (_fit_mlp_regressor, ConvergenceWarning),
    "mlp classifier fit": (
        lambda: DecayMLPClassifier(hidden_layer_sizes=(4,), max_iter=1).fit(
            X_CLF, Y_CLF
        ),
        ConvergenceWarning,
    ),
    "mlp classifier column y": (
        lambda: DecayMLPClassifier(hidden_layer_sizes=(4,), max_iter=1).fit(
            X_CLF, Y_CLF.reshape(-1, 1)
        ),
        DataConversionWarning,
    ),
    "mlp partial_fit": (_partial_fit_mlp_with_large_batch, UserWarning),
}
for n_jobs in (1, 2):
    CASES[f"regressor cv n_jobs={n_jobs}"] = (
        lambda n_jobs=n_jobs: DecayLinearRegressorCV(
            penalty="l1", alphas=3, cv=3, max_iter=1, tol=0, n_jobs=n_jobs
        ).fit(X_REG, Y_REG),
        ConvergenceWarning,
    )
    CASES[f"classifier cv n_jobs={n_jobs}"] = (
        lambda n_jobs=n_jobs: DecayLogisticClassifierCV(
            penalty="elasticnet", l1_ratio=[0.2, 0.8], alphas=3, cv=2,
            solver="gd", max_iter=1, tol=0, n_jobs=n_jobs,
        ).fit(X_CLF, Y_CLF),
        ConvergenceWarning,
    )  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_warning_names_the_callers_file(name):
    call, category = CASES[name]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        call()
    ours = [w for w in record if issubclass(w.category, category)]
    assert ours, f"{name} raised no {category.__name__}"
    for caught in ours:
        assert caught.filename == __file__, (caught.filename, str(caught.message))


def test_cv_folds_warn_once_from_the_calling_thread():
    """The fold workers report what failed; fit warns once, with all of it."""
    cv = DecayLogisticClassifierCV(
        penalty="elasticnet", l1_ratio=[0.2, 0.8], alphas=3, cv=2, solver="gd",
        max_iter=1, tol=0, n_jobs=2, refit=False,
    )  # fmt: skip
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        cv.fit(X_CLF, Y_CLF)
    assert len(record) == 1
    message = str(record[0].message)
    assert record[0].category is ConvergenceWarning
    assert "did not converge in max_iter=1 iterations for 12 of the 12 solves" in (
        message
    )
    assert "l1_ratio=0.2: fold 1 (3 of 3 alphas), fold 2 (3 of 3 alphas)" in message
    assert "l1_ratio=0.8" in message
    assert "the largest optimality violation is" in message


def test_converged_cv_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DecayLinearRegressorCV(alphas=3, cv=3, n_jobs=2).fit(X_REG, Y_REG)


def test_decay_path_message_keeps_its_numbers():
    with pytest.warns(ConvergenceWarning) as record:
        decay_path(
            X_CLF, Y_CLF, loss="logistic", penalty="l1", n_alphas=3, solver="cd",
            max_iter=1, tol=0,
        )  # fmt: skip
    message = str(record[0].message)
    assert "Solver 'cd' did not converge in max_iter=1 iterations for" in message
    assert "of 3 alphas (the smallest is" in message
    assert np.isfinite(float(message.split("violation is ")[1].split(" ")[0]))
