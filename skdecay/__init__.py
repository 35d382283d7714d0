"""skdecay: scikit-learn estimators for weight decay, L1 and elastic net.

Trained by Numba-jitted first-order solvers; the objective of every estimator
is written in :mod:`skdecay._objective` and maps exactly onto scikit-learn's
Ridge, Lasso, ElasticNet and LogisticRegression.
"""

from ._objective import decay_objective
from .exceptions import NonFiniteIterateError
from .linear_model import (
    DecayLinearRegressor,
    DecayLogisticClassifier,
    DecaySGDClassifier,
    DecaySGDRegressor,
)
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
    "DecaySGDClassifier",
    "DecaySGDRegressor",
    "LossCurveDisplay",
    "NonFiniteIterateError",
    "__version__",
    "decay_objective",
    "decay_path",
    "study",
]


def __getattr__(name: str):
    # The study needs the 'report' extra (pandas, Jinja2, matplotlib, tqdm):
    # it is imported on first use, so that importing skdecay does not.
    if name == "study":
        from ._study import study

        return study
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"study"})
