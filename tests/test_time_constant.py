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
    np.testing.assert_array_equal(auto.time_constant_, np.ones(3))
    np.testing.assert_array_equal(auto.predict(X), explicit.predict(X))
    classifier = BPTTAttractorClassifier(n_hidden=3, max_iter=5, random_state=0)
    with pytest.warns(Warning):
        classifier.fit(X, y > 0)
    np.testing.assert_array_equal(classifier.time_constant_, np.full(3, 2.5))


def test_temporal_order_with_slow_units():
    """Four classes set by two symbols 10 to 20 steps apart, among distractors."""
    X, y = make_temporal_order(800, 30, random_state=0)
    model = BPTTAttractorClassifier(n_hidden=12, time_constant=10, random_state=0)
    model.fit(X[:400], y[:400])
    assert model.score(X[400:], y[400:]) > 0.95


def test_one_time_constant_per_unit_follows_the_equation():
    """Unit j moves 1 / time_constant[j] of the way at every step."""
    rng = np.random.RandomState(2)
    X, y = rng.normal(size=(6, 7, 2)), rng.normal(size=6)
    lengths = np.array([7, 3, 5, 7, 1, 4])
    X[np.arange(7)[None, :] >= lengths[:, None]] = np.nan
    time_constants = np.array([1.0, 2.0, 8.0])
    model = BPTTRegressor(
        n_hidden=3, n_settle_steps=2, max_iter=3, time_constant=time_constants
    )
    with pytest.warns(Warning):
        model.fit(X, y)
    np.testing.assert_array_equal(model.time_constant_, time_constants)
    params = model._fitted_params(np.float64)
    expected = reference_states(params, X, lengths, 2, 1 / time_constants)
    final_states = np.array([path[-1] for path in expected])
    np.testing.assert_allclose(
        model.predict(X),
        final_states @ params["output_weights"][:, 0] + params["output_bias"][0],
        rtol=1e-12,
    )


def test_spread_time_constants_range_about_the_auto_value():
    """Geometric from a fifth of "auto" to five times it, none below 1."""
    rng = np.random.RandomState(3)
    X, y = rng.normal(size=(30, 40, 1)), rng.normal(size=30)
    model = BPTTRegressor(n_hidden=5, max_iter=2, time_constant="spread")
    with pytest.warns(Warning):
        model.fit(X, y)
    auto = 40 / 5
    np.testing.assert_allclose(
        model.time_constant_, [1.6, auto / 5**0.5, auto, auto * 5**0.5, 40]
    )
    short = BPTTRegressor(n_hidden=3, max_iter=2, time_constant="spread")
    with pytest.warns(Warning):
        short.fit(X[:, :10], y)
    np.testing.assert_allclose(short.time_constant_, [1, 2, 10])


def test_learned_time_constants_move_and_stay_above_one():
    X, y = make_temporal_order(200, 20, random_state=1)
    model = BPTTAttractorClassifier(
        n_hidden=6,
        time_constant="spread",
        learn_time_constant=True,
        max_iter=60,
        random_state=0,
    )
    with pytest.warns(Warning):
        model.fit(X, y)
    start = np.maximum(np.geomspace(10 / 5, 10 * 5, 6), 1.01)
    assert np.all(model.time_constant_ > 1)
    assert np.abs(model.time_constant_ - start).max() > 0.1


@pytest.mark.parametrize(
    "time_constant, message",
    [
        (np.ones(4), r"shape \(n_hidden,\) = \(3,\); got shape \(4,\)"),
        (np.array([1.0, 0.5, 2.0]), "at least 1"),
        (np.array([1.0, np.nan, 2.0]), "NaN"),
    ],
)
def test_bad_per_unit_time_constants_are_named(time_constant, message):
    X, y = np.ones((4, 3, 1)), np.arange(4.0)
    with pytest.raises(ValueError, match=message):
        BPTTRegressor(n_hidden=3, time_constant=time_constant).fit(X, y)
