"""skdecay: scikit-learn estimators for weight decay, L1 and elastic net.

Trained by Numba-jitted first-order solvers; the objective of every estimator
is written in :mod:`skdecay._objective` and maps exactly onto scikit-learn's
Ridge, Lasso, ElasticNet and LogisticRegression.
"""

from ._core._problem import NonFiniteIterateError
from ._objective import decay_objective
from .linear_model import DecayLinearRegressor, DecayLogisticClassifier
from .model_selection import (
    DecayLinearRegressorCV,
    DecayLogisticClassifierCV,
    DecayPath,
    decay_path,
)
from .neural_network import DecayMLPClassifier, DecayMLPRegressor
from .plotting import (
    CoefHistoryDisplay,
    DecayCVCurveDisplay,
    DecayPathDisplay,
    LossCurveDisplay,
)

__version__ = "0.1.0"

__all__ = [
    "CoefHistoryDisplay",
    "DecayCVCurveDisplay",
    "DecayLinearRegressor",
    "DecayLinearRegressorCV",
    "DecayLogisticClassifier",
    "DecayLogisticClassifierCV",
    "DecayMLPClassifier",
    "DecayMLPRegressor",
    "DecayPath",
    "DecayPathDisplay",
    "LossCurveDisplay",
    "NonFiniteIterateError",
    "__version__",
    "decay_objective",
    "decay_path",
]
