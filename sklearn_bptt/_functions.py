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
    np.tanh(X, out=X)


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


def inplace_identity_derivative(Z, delta):
    """Back through the identity: ``delta`` is unchanged."""


def inplace_tanh_derivative(Z, delta):
    """Back through tanh, given its output ``Z``: ``delta *= 1 - Z**2``."""
    delta *= 1 - Z * Z


def inplace_logistic_derivative(Z, delta):
    """Back through the logistic, given its output ``Z``: ``delta *= Z (1 - Z)``."""
    delta *= Z * (1 - Z)


def inplace_relu_derivative(Z, delta):
    """Back through relu, given its output ``Z``: zero where the unit was off."""
    delta[Z <= 0] = 0


DERIVATIVES = {
    "identity": inplace_identity_derivative,
    "tanh": inplace_tanh_derivative,
    "logistic": inplace_logistic_derivative,
    "relu": inplace_relu_derivative,
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
        One-hot class indicators.
    weights : ndarray of shape (m, n, 1)
        Weight of every (step, sample), normalised so that they sum to one.

    Returns
    -------
    loss : float
        ``-sum(weights * targets * log(softmax(outputs)))``.
    d_outputs : ndarray of shape (m, n, K)
        Gradient of the loss with respect to ``outputs``. For softmax paired
        with cross-entropy it is simply ``weights * (probabilities - targets)``,
        because one-hot targets sum to one.
    """
    log_proba = outputs - logsumexp(outputs, axis=-1, keepdims=True)
    loss = -float(np.sum(weights * targets * log_proba))
    d_outputs = np.exp(log_proba)
    d_outputs -= targets
    d_outputs *= weights
    return loss, d_outputs


LOSS_FUNCTIONS = {
    "squared_error": squared_error,
    "cross_entropy": softmax_cross_entropy,
}


def softmax(X):
    """Row-wise softmax over the last axis, computed without overflow."""
    return np.exp(X - logsumexp(X, axis=-1, keepdims=True))


def identity(X):
    """Return ``X``: the regressor's output function."""
    return X


OUTPUT_FUNCTIONS = {
    "squared_error": identity,
    "cross_entropy": softmax,
}
