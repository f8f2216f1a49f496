"""Activation and loss registries used by the engine.

Every activation works in place, and every derivative is written in terms of
the activation's *output*: the forward stack of hidden states is then all the
backward pass needs.
"""

import numpy as np
from scipy.special import expit, logsumexp


def inplace_identity(X):
    """Leave ``X`` unchanged: the identity activation."""


def inplace_tanh(X):
    """Apply the hyperbolic tangent to ``X`` in place."""
    if X.dtype != np.float64:
        np.tanh(X, out=X)  # vectorised for float32 already
        return
    # tanh(x) = 2 / (1 + exp(-2x)) - 1. NumPy's float64 exp is vectorised and
    # its tanh is not, so this is about twice as fast, with an absolute error
    # below 1e-15. For x < -354, exp overflows to inf and the result is
    # exactly -1, as it should be.
    np.multiply(X, -2.0, out=X)
    with np.errstate(over="ignore"):
        np.exp(X, out=X)
    X += 1.0
    np.divide(2.0, X, out=X)
    X -= 1.0


def inplace_logistic(X):
    """Apply the logistic sigmoid to ``X`` in place (``expit`` cannot overflow)."""
    expit(X, out=X)


def inplace_relu(X):
    """Apply the rectified linear unit to ``X`` in place."""
    np.maximum(X, 0, out=X)


ACTIVATIONS = {
    "identity": inplace_identity,
    "tanh": inplace_tanh,
    "logistic": inplace_logistic,
    "relu": inplace_relu,
}


def identity_slope(Z, slope):
    """Slope of the identity: 1 everywhere."""
    slope.fill(1)


def tanh_slope(Z, slope):
    """Slope of tanh from its output ``Z``: ``1 - Z**2``."""
    np.multiply(Z, Z, out=slope)
    np.subtract(1, slope, out=slope)


def logistic_slope(Z, slope):
    """Slope of the logistic from its output ``Z``: ``Z (1 - Z)``."""
    np.multiply(Z, 1 - Z, out=slope)


def relu_slope(Z, slope):
    """Slope of relu from its output ``Z``: 1 where the unit is on, else 0."""
    np.greater(Z, 0, out=slope, casting="unsafe")


# Each writes the activation's derivative, as a function of the activation's
# output, into a preallocated array, which may be the output array itself: the
# stack of states is all the backward pass needs.
DERIVATIVES = {
    "identity": identity_slope,
    "tanh": tanh_slope,
    "logistic": logistic_slope,
    "relu": relu_slope,
}


def tanh_curvature(Z):
    """Second derivative of tanh from its output ``Z``: ``-2 Z (1 - Z**2)``."""
    return -2 * Z * (1 - Z * Z)


def logistic_curvature(Z):
    """Second derivative of the logistic from its output: ``Z (1 - Z) (1 - 2 Z)``."""
    return Z * (1 - Z) * (1 - 2 * Z)


def zero_curvature(Z):
    """Second derivative of a piecewise linear activation: 0 (almost everywhere)."""
    return np.zeros_like(Z)


# Second derivatives, as functions of the activation's output, for the
# contraction term, whose value holds the first derivative.
CURVATURES = {
    "identity": zero_curvature,
    "tanh": tanh_curvature,
    "logistic": logistic_curvature,
    "relu": zero_curvature,
}


def squared_error(outputs, targets, weights):
    """Weighted squared error of identity outputs.

    Parameters
    ----------
    outputs : ndarray of shape (m, n, K)
        Linear outputs of the network at the target steps.
    targets : ndarray of shape (m, n, K)
        Targets; entries whose weight is zero are ignored.
    weights : ndarray of shape (m, n, K)
        Weight of every entry, already normalised so that they sum to one.

    Returns
    -------
    loss : float
        ``sum(weights * (outputs - targets)**2) / 2``.
    d_outputs : ndarray of shape (m, n, K)
        Gradient of the loss with respect to ``outputs``.
    """
    diff = outputs - targets
    d_outputs = weights * diff
    loss = 0.5 * float(np.vdot(d_outputs, diff))
    return loss, d_outputs


def softmax_cross_entropy(outputs, targets, weights):
    """Weighted cross-entropy of softmax outputs.

    Parameters
    ----------
    outputs : ndarray of shape (m, n, K)
        Linear outputs (logits) of the network at the target steps.
    targets : ndarray of shape (m, n, K)
        Class probabilities, every row summing to one: one-hot class
        indicators, or smoothed ones (see :func:`smoothed_labels`).
    weights : ndarray of shape (m, n, 1)
        Weight of every (step, sample), normalised so that they sum to one.

    Returns
    -------
    loss : float
        ``-sum(weights * targets * log(softmax(outputs)))``.
    d_outputs : ndarray of shape (m, n, K)
        Gradient of the loss with respect to ``outputs``. For softmax paired
        with cross-entropy it is simply ``weights * (probabilities - targets)``,
        because every row of targets sums to one.
    """
    log_proba = outputs - logsumexp(outputs, axis=-1, keepdims=True)
    loss = -float(np.sum(weights * targets * log_proba))
    d_outputs = np.exp(log_proba)
    d_outputs -= targets
    d_outputs *= weights
    return loss, d_outputs


def smoothed_labels(one_hot, label_smoothing):
    """One-hot rows moved ``label_smoothing`` of the way to the uniform row.

    The true class gets ``1 - label_smoothing + label_smoothing / K`` and
    every other class ``label_smoothing / K``, so that the cross-entropy is
    smallest at finite logits (Szegedy et al. 2016). Rows still sum to one.
    """
    if not label_smoothing:
        return one_hot
    n_classes = one_hot.shape[-1]
    smoothed = (1 - label_smoothing) * one_hot + label_smoothing / n_classes
    return smoothed.astype(one_hot.dtype, copy=False)


LOSS_FUNCTIONS = {
    "squared_error": squared_error,
    "cross_entropy": softmax_cross_entropy,
}


def log_softmax(X):
    """Row-wise log of the softmax over the last axis, without over- or underflow."""
    return X - logsumexp(X, axis=-1, keepdims=True)


def softmax(X):
    """Row-wise softmax over the last axis, computed without overflow."""
    return np.exp(log_softmax(X))


def identity(X):
    """Return ``X``: the regressor's output function."""
    return X


OUTPUT_FUNCTIONS = {
    "squared_error": identity,
    "cross_entropy": softmax,
}
