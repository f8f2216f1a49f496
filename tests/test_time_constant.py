"""Leaky-integrator units: the dynamics they follow and what they learn.

Their gradients are checked against finite differences in test_gradients.py.
"""

import numpy as np
import pytest

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt._engine import ParameterLayout, forward, make_batch
from sklearn_bptt.datasets import make_temporal_order


def reference_states(params, X, lengths, n_settle_steps, leak):
    """One sample at a time, one step at a time, straight from the equation."""
    n, T, _ = X.shape
    states = []
    for i in range(n):
        h = params["initial_state"].copy()
        path = [h]
        inputs = list(X[i, : lengths[i]]) + [np.zeros(X.shape[2])] * n_settle_steps
        for x in inputs:
            a = x @ params["input_weights"] + h @ params["recurrent_weights"]
            h = (1 - leak) * h + leak * np.tanh(a + params["hidden_bias"])
            path.append(h)
        states.append(path)
    return states


@pytest.mark.parametrize("leak", [1.0, 0.25])
def test_forward_follows_the_leaky_equation(leak):
    """h_t = (1 - leak) h_{t-1} + leak tanh(a_t), frozen past each sequence's end."""
    rng = np.random.RandomState(0)
    n, T, d, H, S = 6, 7, 2, 4, 3
    X = rng.normal(size=(n, T, d))
    lengths = np.array([7, 3, 5, 7, 1, 4])
    layout = ParameterLayout(d, H, 1)
    params = layout.unpack(rng.normal(size=layout.size))
    batch = make_batch(X, lengths, S)
    states, activations = forward(params, batch, "tanh", leak)
    expected = reference_states(params, X, lengths, S, leak)
    for row, sample in enumerate(batch.order):
        # A sequence's own steps are its real steps, then (after its frozen
        # padding) the settle steps.
        length = lengths[sample]
        own_steps = list(range(length + 1)) + list(range(T + 1, T + S + 1))
        np.testing.assert_allclose(
            states[own_steps, row], np.array(expected[sample]), atol=1e-12
        )
    if leak == 1:
        assert np.shares_memory(activations, states)


def test_auto_time_constant_follows_the_sequence_length():
    """A fifth of the steps for the regressor, half for the classifier, at least 1.

    For 5 steps the regressor's "auto" is 1, so it fits exactly as an
    explicit plain network.
    """
    rng = np.random.RandomState(1)
    X, y = rng.normal(size=(40, 5, 2)), rng.normal(size=40)
    auto = BPTTRegressor(n_hidden=3, max_iter=20, random_state=0)
    explicit = BPTTRegressor(n_hidden=3, max_iter=20, random_state=0, time_constant=1)
    with pytest.warns(Warning):
        auto.fit(X, y)
    with pytest.warns(Warning):
        explicit.fit(X, y)
    assert auto.time_constant_ == 1.0
    np.testing.assert_array_equal(auto.predict(X), explicit.predict(X))
    classifier = BPTTAttractorClassifier(n_hidden=3, max_iter=5, random_state=0)
    with pytest.warns(Warning):
        classifier.fit(X, y > 0)
    assert classifier.time_constant_ == 2.5


def test_temporal_order_with_slow_units():
    """Four classes set by two symbols 10 to 20 steps apart, among distractors."""
    X, y = make_temporal_order(800, 30, random_state=0)
    model = BPTTAttractorClassifier(n_hidden=12, time_constant=10, random_state=0)
    model.fit(X[:400], y[:400])
    assert model.score(X[400:], y[400:]) > 0.95
