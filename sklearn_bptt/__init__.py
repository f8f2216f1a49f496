"""Recurrent neural network estimators for scikit-learn, trained by
backpropagation through time and L-BFGS."""

from ._classifier import BPTTAttractorClassifier
from ._regressor import BPTTRegressor

__all__ = ["BPTTAttractorClassifier", "BPTTRegressor"]
__version__ = "0.1.0"
