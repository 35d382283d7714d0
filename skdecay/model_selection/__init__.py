"""Regularisation paths and the estimators that choose alpha along them."""

from ._cv import DecayLinearRegressorCV, DecayLogisticClassifierCV
from ._path import DecayPath, decay_path

__all__ = [
    "DecayLinearRegressorCV",
    "DecayLogisticClassifierCV",
    "DecayPath",
    "decay_path",
]
