"""Display objects in scikit-learn's style; matplotlib is imported only to draw.

* :class:`DecayPathDisplay`: the coefficients against ``alpha``.
* :class:`DecayCVCurveDisplay`: train and validation score against ``alpha``.
* :class:`LossCurveDisplay`: the objective (or any per-iteration array) of
  several fits.
* :class:`CoefHistoryDisplay`: each weight along the training iterations.

Install matplotlib with ``pip install "skdecay[plot]"``.
"""

from ._cv_curve import DecayCVCurveDisplay
from ._path import DecayPathDisplay
from ._training import CoefHistoryDisplay, LossCurveDisplay

__all__ = [
    "CoefHistoryDisplay",
    "DecayCVCurveDisplay",
    "DecayPathDisplay",
    "LossCurveDisplay",
]
