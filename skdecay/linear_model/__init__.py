"""Linear estimators trained with weight decay, L1 or elastic-net penalties."""

from ._logistic import DecayLogisticClassifier
from ._regression import DecayLinearRegressor
from ._sgd import DecaySGDClassifier, DecaySGDRegressor

__all__ = [
    "DecayLinearRegressor",
    "DecayLogisticClassifier",
    "DecaySGDClassifier",
    "DecaySGDRegressor",
]
