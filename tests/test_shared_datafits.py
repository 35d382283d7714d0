"""decay_objective and the MLPs evaluate the losses of ``skdecay._core``.

The losses used to be written three times (the solvers', decay_objective's,
the MLP kernel's). These tests pin the two outer places to the core's
datafits: decay_objective is the datafit's value plus the penalty, and the
loss an MLP reports is the datafit's value on the network's output, with the
conventions that could drift apart: the half squared error summed (not
averaged) over the outputs, the binary log-loss summed over the columns of a
multi-label target, and sample weights normalised to sum to one.
"""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.preprocessing import StandardScaler

from skdecay import DecayMLPClassifier, DecayMLPRegressor, decay_objective
from skdecay._core._datafits import DATAFITS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _standardised(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _weights(n_samples, seed=0):
    return np.random.RandomState(seed).uniform(0.2, 3.0, n_samples)


@pytest.mark.parametrize("loss", ["squared", "logistic", "multinomial"])
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", None])
def test_decay_objective_is_the_datafit_value_plus_the_penalty(loss, penalty):
    loader = {
        "squared": load_diabetes,
        "logistic": load_breast_cancer,
        "multinomial": load_wine,
    }[loss]
    X, y = _standardised(loader)
    n_samples, n_features = X.shape
    rng = np.random.RandomState(1)
    if loss == "squared":
        y = (y - y.mean()) / y.std()
        Y = y[:, None]
        n_outputs = 1
    elif loss == "logistic":
        Y = y[:, None].astype(float)
        n_outputs = 1
    else:
        n_outputs = 3
        Y = np.eye(n_outputs)[y]
    coef = rng.randn(n_outputs, n_features)
    intercept = rng.randn(n_outputs)
    sw = _weights(n_samples)
    alpha, l1_ratio = 0.05, 0.3

    value = decay_objective(
        X,
        y,
        coef if n_outputs > 1 else coef[0],
        intercept if n_outputs > 1 else intercept[0],
        loss=loss,
        alpha=alpha,
        penalty=penalty,
        l1_ratio=l1_ratio,
        sample_weight=sw,
    )

    fit = DATAFITS[loss].value(Y, X @ coef.T + intercept, sw / sw.sum())
    rho = {"l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio, None: 0.0}[penalty]
    strength = 0.0 if penalty is None else alpha
    penalty_value = strength * (
        rho * np.abs(coef).sum() + 0.5 * (1 - rho) * np.sum(coef**2)
    )
    assert value == pytest.approx(fit + penalty_value, rel=1e-12)
    # Not a trivial agreement: the data-fit term is a sizeable part.
    assert fit > 0.1 * penalty_value


def _mlp_case(kind):
    """(estimator, X, y, the datafit's 2-D targets, per-column loss or None)."""
    common = {
        "hidden_layer_sizes": (4,),
        "activation": "tanh",
        "weight_decay": 0.0,
        "solver": "sgd",
        "learning_rate_init": 0.05,
        "shuffle": False,
        "random_state": 0,
        "max_iter": 3,
    }
    if kind == "squared, 2 outputs":
        X, y = _standardised(load_diabetes)
        y = (y - y.mean()) / y.std()
        Y = np.c_[y, 2.0 * X[:, 2] + 1.0]
        return DecayMLPRegressor(**common), X, Y, Y, "squared"
    if kind == "binary":
        X, y = _standardised(load_breast_cancer)
        return DecayMLPClassifier(**common), X, y, y[:, None], "logistic"
    if kind == "multi-label, 3 columns":
        X, y = _standardised(load_breast_cancer)
        Y = np.c_[y, X[:, 0] > 0, X[:, 5] > 0.5].astype(int)
        return DecayMLPClassifier(**common), X, Y, Y, "logistic"
    X, y = _standardised(load_wine)
    return DecayMLPClassifier(**common), X, y, np.eye(3)[y], "multinomial"


@pytest.mark.parametrize(
    "kind", ["squared, 2 outputs", "binary", "multi-label, 3 columns", "multinomial"]
)
def test_mlp_reports_the_datafit_value_of_its_output(kind):
    est, X, y, Y, loss = _mlp_case(kind)
    sw = _weights(X.shape[0], seed=2)
    # One batch: an epoch's loss is then the loss at the weights it starts
    # from (computed before the step), without the penalty (weight_decay=0).
    est.set_params(batch_size=X.shape[0]).fit(X, y, sample_weight=sw)
    A = X
    for W, b in zip(est.coefs_[:-1], est.intercepts_[:-1], strict=True):
        A = np.tanh(A @ W + b)
    Z = A @ est.coefs_[-1] + est.intercepts_[-1]
    weights = sw / sw.sum()
    if loss == "logistic":
        # Each column is a binary problem: the losses of the columns add up.
        expected = sum(
            DATAFITS[loss].value(Y[:, [j]].astype(float), Z[:, [j]], weights)
            for j in range(Y.shape[1])
        )
    else:
        expected = DATAFITS[loss].value(Y.astype(float), Z, weights)

    est.partial_fit(X, y, sample_weight=sw)

    assert est.loss_ == pytest.approx(expected, rel=1e-10)
    # The loss moved during the first fit, so this is not the starting value
    # of a network that has not learnt anything.
    assert est.loss_curve_[0] != pytest.approx(est.loss_, rel=1e-6)
