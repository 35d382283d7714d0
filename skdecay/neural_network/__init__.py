"""Multi-layer perceptrons trained with coupled or decoupled weight decay."""

from ._mlp import DecayMLPClassifier, DecayMLPRegressor

__all__ = ["DecayMLPClassifier", "DecayMLPRegressor"]
