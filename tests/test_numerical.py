"""Numerical faults and interruption: the fit ends with a usable model."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor


def test_exploding_dynamics_stop_at_the_best_finite_parameters():
    """Plain identity units with a large start blow up over 300 steps.

    L-BFGS's trial steps overflow; the fit stops at the best finite point
    with a warning, and its predictions are finite.
    """
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 3, size=(40, 300, 1))
    y = X[:, :, 0].mean(axis=1) * 100
    model = BPTTRegressor(
        n_hidden=3, activation="identity", time_constant=1, n_init=1, random_state=0
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    messages = [str(w.message) for w in caught]
    assert any("overflowed" in m for m in messages), messages
    assert not any(issubclass(w.category, RuntimeWarning) for w in caught)
    assert np.isfinite(model.loss_)
    assert np.isfinite(model.predict(X)).all()


def test_inputs_too_large_for_the_start_are_a_clear_error():
    X = np.full((5, 400, 1), 1e300)
    with pytest.raises(ValueError, match="not finite at the starting parameters"):
        BPTTRegressor(n_hidden=2, activation="identity", random_state=0).fit(
            X, np.ones(5)
        )


def test_long_sequences_on_very_different_scales_train_without_warnings():
    """1000 steps, features scaled 1e-3 and 1e3: no overflow, finite results."""
    rng = np.random.RandomState(1)
    X = rng.normal(size=(30, 1000, 2)) * np.array([1e-3, 1e3])
    y = np.tanh(X[:, -1, 1] / 1e3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        for Estimator in (BPTTRegressor, BPTTAttractorClassifier):
            target = y if Estimator is BPTTRegressor else y > 0
            model = Estimator(n_hidden=3, max_iter=15, random_state=0).fit(X, target)
            assert np.isfinite(model.loss_)
            assert np.isfinite(model.predict(X).astype(float)).all()


@pytest.mark.parametrize("Estimator", [BPTTRegressor, BPTTAttractorClassifier])
def test_ctrl_c_leaves_a_usable_model(Estimator, ctrl_c_on_call):
    """Ctrl-C on the 40th loss evaluation stops the fit with a warning."""
    calls = ctrl_c_on_call(40)
    rng = np.random.RandomState(2)
    X = rng.normal(size=(100, 10, 2))
    y = X[:, :, 0].sum(axis=1)
    if Estimator is BPTTAttractorClassifier:
        y = y > 0
    # A number for alpha (and the classifier's frame_length): this interrupts
    # the fit, not the cross-validation of alpha="auto" or frame_length="auto".
    params = {"frame_length": 1} if Estimator is BPTTAttractorClassifier else {}
    model = Estimator(
        n_hidden=8, max_iter=10_000, tol=0, alpha=1e-2, random_state=0, **params
    )
    with pytest.warns(UserWarning, match="interrupted by KeyboardInterrupt"):
        model.fit(X, y)
    assert len(calls) == 40
    assert 0 < model.n_iter_ < 40
    # The best point evaluated, possibly inside the interrupted line search.
    assert model.loss_ <= min(model.loss_curve_) < model.loss_curve_[0]
    predictions = model.predict(X)
    assert predictions.shape == (100,)
    if Estimator is BPTTRegressor:
        assert np.isfinite(predictions).all()


def test_convergence_warning_points_at_the_callers_line():
    X = np.random.RandomState(0).normal(size=(20, 5, 1))
    with pytest.warns(ConvergenceWarning, match="max_iter") as caught:
        BPTTRegressor(max_iter=2).fit(X, X.sum(axis=(1, 2)))
    assert caught[0].filename == __file__
