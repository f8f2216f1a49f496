"""Regression tests for defects found by probing the public API as a user would.

Each test failed before its fix. The invariants behind them are also stated
as property-based tests in ``test_invariants.py``.
"""

import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt._base import PARAMETER_NAMES
from sklearn_bptt.preprocessing import to_padded_array

FITTED_ARRAYS = tuple(name + "_" for name in PARAMETER_NAMES)

rng = np.random.RandomState(0)
X = rng.normal(size=(8, 5, 2))
y = X[:, :, 0].sum(axis=1)
labels = np.where(y > 0, "up", "down")


def quietly(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


def fitted_state(model):
    """Copies of everything fit sets: the attributes that are not parameters."""
    params = model.get_params(deep=False)
    return {
        name: np.copy(value)
        for name, value in vars(model).items()
        if name not in params
    }


def assert_same_state(model, before):
    after = fitted_state(model)
    assert after.keys() == before.keys()
    for name, value in before.items():
        np.testing.assert_array_equal(after[name], value)


def assert_same_fitted_arrays(a, b):
    for name in FITTED_ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def last_two_difference(n=100, T=10):
    X = np.random.RandomState(1).uniform(-1, 1, (n, T, 1))
    return X, X[:, -1, 0] - X[:, -2, 0]


# 1. Padding changes the model.


@pytest.mark.parametrize("Estimator", [BPTTRegressor, BPTTAttractorClassifier])
def test_extra_padding_steps_give_the_identical_model(Estimator):
    X_short, target = last_two_difference()
    if Estimator is BPTTAttractorClassifier:
        target = target > 0
    X_padded = to_padded_array(list(X_short), n_timesteps=100)
    params = {"n_hidden": 6, "max_iter": 30, "random_state": 0}
    short = quietly(Estimator(**params), X_short, target)
    padded = quietly(Estimator(**params), X_padded, target)
    np.testing.assert_array_equal(padded.time_constant_, short.time_constant_)
    assert_same_fitted_arrays(padded, short)
    assert padded.loss_curve_ == short.loss_curve_
    np.testing.assert_array_equal(padded.predict(X_padded), short.predict(X_short))


def test_a_long_zero_weight_sample_changes_nothing():
    X_short, target = last_two_difference(n=30)
    long_sample = np.random.RandomState(2).uniform(-1, 1, (1, 40, 1))
    X_more = to_padded_array(list(X_short) + list(long_sample))
    weights = np.r_[np.ones(30), 0.0]
    params = {"n_hidden": 4, "max_iter": 20, "random_state": 0}
    reference = quietly(BPTTRegressor(**params), X_short, target)
    model = quietly(
        BPTTRegressor(**params), X_more, np.r_[target, 5.0], sample_weight=weights
    )
    np.testing.assert_array_equal(model.time_constant_, reference.time_constant_)
    assert_same_fitted_arrays(model, reference)


def test_a_short_zero_weight_sample_does_not_bound_the_target_window():
    X_padded = to_padded_array([np.ones((1, 2))] + list(X))
    model = quietly(
        BPTTRegressor(n_hidden=2, n_target_steps=4, max_iter=3),
        X_padded,
        np.r_[0.0, y],
        sample_weight=np.r_[0.0, np.ones(len(X))],
    )
    assert model.n_iter_ > 0


# 2. and 11. warm_start and the current parameters.


def test_warm_start_honours_a_new_mask_and_a_fixed_initial_state():
    model = quietly(BPTTRegressor(n_hidden=3, max_iter=5, random_state=0), X, y)
    model.set_params(
        warm_start=True, recurrent_mask=np.eye(3), learn_initial_state=False
    )
    quietly(model, X, y)
    np.testing.assert_array_equal(model.recurrent_weights_ * (1 - np.eye(3)), 0)
    np.testing.assert_array_equal(model.initial_state_, 0)


def test_warm_start_with_another_number_of_outputs_says_so():
    model = quietly(BPTTRegressor(n_hidden=3, max_iter=2, random_state=0), X, y)
    model.set_params(warm_start=True)
    with pytest.raises(ValueError, match="warm_start needs the fitted n_outputs=1"):
        model.fit(X, np.c_[y, y])


# 3. A failed fit leaves the estimator as it was.


def test_a_failed_refit_leaves_the_fitted_classifier_unchanged():
    model = quietly(
        BPTTAttractorClassifier(n_hidden=3, max_iter=3, random_state=0), X, labels
    )
    before = fitted_state(model)
    predicted = model.predict(X)
    new_labels = np.where(y > 0.5, "high", "low")
    model.set_params(n_init=2, n_jobs=2, max_iter=10**6, tol=-1.0)
    with pytest.raises(InvalidParameterError):
        model.fit(X, new_labels)
    model.set_params(n_init=1, n_jobs=None, max_iter=3, tol=1e-5, n_target_steps=9)
    with pytest.raises(ValueError, match="n_target_steps=9"):
        model.fit(X, new_labels)
    assert_same_state(model, before)
    np.testing.assert_array_equal(model.predict(X), predicted)


def test_a_fresh_estimator_whose_fit_raised_is_not_fitted():
    model = BPTTRegressor(n_hidden=2, n_target_steps=9)
    with pytest.raises(ValueError, match="n_target_steps=9"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_a_failure_inside_the_fit_restores_the_estimator(monkeypatch):
    model = quietly(BPTTRegressor(n_hidden=2, max_iter=3, random_state=0), X, y)
    before = fitted_state(model)

    def fail(*args, **kwargs):
        raise MemoryError("no room for the stacks")

    monkeypatch.setattr(BPTTRegressor, "_run_starts", fail)
    with pytest.raises(MemoryError):
        model.set_params(n_hidden=5).fit(X[:, :3], y * 2)
    assert_same_state(model, before)


# 4. score with output="sequence" checks y.


@pytest.fixture(scope="module")
def sequence_model():
    Y = np.cumsum(X[:, :, 0], axis=1)
    model = quietly(
        BPTTRegressor(n_hidden=2, output="sequence", max_iter=3, random_state=0), X, Y
    )
    return model, Y


@pytest.mark.parametrize(
    "bad_y", [lambda Y: Y.T, lambda Y: Y.ravel(), lambda Y: Y[:, :3]]
)
def test_sequence_score_checks_the_shape_of_y(sequence_model, bad_y):
    model, Y = sequence_model
    with pytest.raises(ValueError, match=r"y must have the shape of the predictions"):
        model.score(X, bad_y(Y))


def test_sequence_score_with_no_target_says_so(sequence_model):
    model, Y = sequence_model
    with pytest.raises(ValueError, match="y has no target to score: every entry"):
        model.score(X, np.full_like(Y, np.nan))


def test_sequence_score_checks_the_length_of_sample_weight(sequence_model):
    model, Y = sequence_model
    with pytest.raises(ValueError, match="sample_weight.shape == .* expected"):
        model.score(X, Y, sample_weight=np.ones(3))
    assert np.isfinite(model.score(X, Y, sample_weight=np.arange(8.0)))


# 5. and 10. Sample weights at the edges of float32.


def test_weights_whose_sum_overflows_float32_still_train():
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    params = {"n_hidden": 3, "max_iter": 20, "random_state": 0, "alpha": 0.0}
    huge = quietly(BPTTRegressor(**params), X32, y32, sample_weight=np.full(8, 1e38))
    unit = quietly(BPTTRegressor(**params), X32, y32)
    assert huge.n_iter_ > 0 and huge.loss_ > 0
    np.testing.assert_allclose(huge.loss_, unit.loss_, rtol=1e-5)


def test_tiny_weights_under_mixed_precision_train():
    params = {"n_hidden": 3, "max_iter": 20, "random_state": 0, "alpha": 0.0}
    tiny = quietly(BPTTRegressor(**params), X, y, sample_weight=np.full(8, 1e-50))
    unit = quietly(BPTTRegressor(**params), X, y)
    np.testing.assert_allclose(tiny.loss_, unit.loss_, rtol=1e-10)


def test_an_overflow_from_tiny_weights_names_the_penalty():
    # alpha is divided by the weights' sum: 1e-200 each makes the penalty
    # itself overflow, which a larger alpha (the usual advice) makes worse.
    with pytest.warns(ConvergenceWarning, match="the sample weights sum to far"):
        BPTTAttractorClassifier(n_hidden=3, max_iter=5, random_state=0).fit(
            X, labels, sample_weight=np.full(8, 1e-200)
        )


def test_weights_that_sum_beyond_float64_are_rejected():
    with pytest.raises(ValueError, match="sample_weight sums to more than"):
        BPTTRegressor().fit(X, y, sample_weight=np.full(8, 1e308))


def test_all_zero_weights_are_rejected():
    with pytest.raises(ValueError, match="at least one non-zero number"):
        BPTTRegressor().fit(X, y, sample_weight=np.zeros(8))


# 7. Parameters changed after fit.


def test_predictions_keep_the_fitted_activation_and_output():
    model = quietly(BPTTRegressor(n_hidden=3, max_iter=5, random_state=0), X, y)
    expected = model.predict(X)
    model.set_params(activation="relu", output="sequence")
    np.testing.assert_array_equal(model.predict(X), expected)
    model.set_params(activation="foo")
    np.testing.assert_array_equal(model.predict(X), expected)


@pytest.mark.parametrize("n_settle_steps", [2.5, -1, None, True])
def test_a_bad_n_settle_steps_set_after_fit_is_rejected_at_predict(n_settle_steps):
    model = quietly(
        BPTTAttractorClassifier(n_hidden=3, max_iter=3, random_state=0), X, labels
    )
    model.set_params(n_settle_steps=n_settle_steps)
    for method in (model.predict, model.predict_proba, model.trajectory):
        with pytest.raises(InvalidParameterError, match="'n_settle_steps' parameter"):
            method(X)


# 8. Exploding dynamics at predict time.


def test_exploding_dynamics_at_predict_raise_instead_of_guessing():
    X_small = rng.uniform(0, 1, size=(40, 5, 1))
    model = quietly(
        BPTTAttractorClassifier(
            n_hidden=4, activation="relu", max_iter=5, random_state=0
        ),
        X_small,
        X_small[:, :, 0].sum(axis=1) > 2.5,
    )
    # Positive input and recurrent weights: every relu unit is driven up and
    # feeds itself, whatever the starting point drew.
    model.input_weights_ = np.abs(model.input_weights_) + 1.0
    model.recurrent_weights_ = np.abs(model.recurrent_weights_) + 1.0
    X_long = np.full((2, 3000, 1), 1e5)
    with pytest.raises(ValueError, match="hidden state overflowed .* on 2 sequence"):
        model.predict(X_long)


# 9. A fit that ends at the trivial predictor's loss.


def test_a_fit_at_the_constant_predictors_loss_warns_and_says_why_it_stopped():
    data = np.random.RandomState(0)
    labels_3 = np.arange(90) % 3
    X_raw = 100 + 20 * data.normal(size=(90, 10, 1)) + labels_3[:, None, None]
    model = BPTTAttractorClassifier(n_hidden=4, max_iter=200, random_state=0)
    with pytest.warns(
        ConvergenceWarning, match=r"within 1% of the .* constant.* alpha \(now 0.01\)"
    ):
        model.fit(X_raw, labels_3)
    assert model.stop_reason_.startswith("CONVERGENCE")
    assert model.loss_ > 0.99 * np.log(3)


def test_a_fit_that_learns_does_not_warn_about_the_constant_predictor():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = BPTTRegressor(n_hidden=4, max_iter=2000, random_state=0).fit(X, y)
    assert model.stop_reason_.startswith("CONVERGENCE")


def test_stop_reason_names_a_spent_budget():
    model = quietly(BPTTRegressor(n_hidden=3, max_iter=2, random_state=0), X, y)
    assert "ITERATIONS REACHED LIMIT" in model.stop_reason_


# 12. Huge targets are blamed, not the inputs.


def test_huge_targets_get_a_message_about_the_targets():
    with pytest.raises(ValueError, match="the targets are too large"):
        BPTTRegressor(n_hidden=2).fit(X, y * 1e200)


def test_huge_per_step_targets_get_a_way_to_scale_them_that_takes_nan():
    # TransformedTargetRegressor refuses NaN (no target) and 3D targets.
    Y = np.cumsum(X[:, :, :1], axis=1) * 1e200
    Y[:, ::2] = np.nan
    with pytest.raises(ValueError, match=r"the targets are too large.*nanstd"):
        BPTTRegressor(n_hidden=2, output="sequence").fit(X, Y)


def test_huge_inputs_still_get_a_message_about_the_inputs():
    with pytest.raises(ValueError, match="the inputs are too large"):
        BPTTRegressor(n_hidden=2, activation="relu").fit(X * 1e300, y)


# 13. Booleans and n_jobs=0.


@pytest.mark.parametrize(
    "param",
    [
        "n_hidden",
        "max_iter",
        "max_fun",
        "n_init",
        "init_max_iter",
        "init_max_samples",
        "n_target_steps",
    ],
)
def test_booleans_are_not_counts(param):
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        BPTTRegressor(**{param: True}).fit(X, y)


def test_n_jobs_zero_is_rejected_even_with_one_start():
    with pytest.raises(InvalidParameterError, match=re.escape("'n_jobs' parameter")):
        BPTTRegressor(n_jobs=0).fit(X, y)


# 14. predict_log_proba where a probability underflows.


def test_predict_log_proba_is_finite_where_a_probability_underflows():
    model = quietly(
        BPTTAttractorClassifier(n_hidden=3, max_iter=3, random_state=0), X, labels
    )
    model.output_weights_ = model.output_weights_ * 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_proba = model.predict_log_proba(X)
    assert np.isfinite(log_proba).all()
    assert (model.predict_proba(X) == 0).any()
    np.testing.assert_allclose(
        np.exp(log_proba), model.predict_proba(X), rtol=1e-12, atol=0
    )


@pytest.mark.parametrize("time_constant", ["auto", "spread"])
@pytest.mark.parametrize("Estimator", [BPTTRegressor, BPTTAttractorClassifier])
def test_warm_start_keeps_the_fitted_time_constants(Estimator, time_constant):
    # "auto" and "spread" follow the sequences' length; the weights of the
    # first fit were fitted to its time constants, so a warm start on longer
    # sequences must keep them (as it keeps the frames) rather than slow
    # every unit down under the fitted weights.
    target = y if Estimator is BPTTRegressor else labels
    params = {"n_hidden": 4, "max_iter": 20, "alpha": 1e-2, "random_state": 0}
    model = quietly(
        Estimator(time_constant=time_constant, warm_start=True, **params), X, target
    )
    fitted = model.time_constant_.copy()
    longer = np.concatenate([X] * 6, axis=1)
    quietly(model.set_params(max_iter=1), longer, target)
    np.testing.assert_array_equal(model.time_constant_, fitted)


def test_warm_start_takes_a_new_numeric_time_constant():
    params = {"n_hidden": 4, "max_iter": 20, "random_state": 0, "warm_start": True}
    model = quietly(BPTTRegressor(time_constant=2.0, **params), X, y)
    quietly(model.set_params(time_constant=3.0, max_iter=1), X, y)
    np.testing.assert_array_equal(model.time_constant_, 3.0)


def test_targets_of_several_horizons_and_features_are_told_to_be_columns():
    # make_sliding_windows(series with 2 features, horizon=[1, 2]) gives
    # y of shape (n, 2, 2); "use output='sequence'" would be the wrong way.
    from sklearn_bptt.preprocessing import make_sliding_windows

    series = np.random.RandomState(0).normal(size=(30, 2))
    windows, targets = make_sliding_windows(series, window=4, horizon=[1, 2])
    assert targets.shape[1:] == (2, 2)
    with pytest.raises(ValueError, match=r"y.reshape\(len\(y\), -1\)"):
        BPTTRegressor(n_hidden=2).fit(windows, targets)
    model = quietly(
        BPTTRegressor(n_hidden=2, max_iter=5),
        windows,
        targets.reshape(len(targets), -1),
    )
    assert model.predict(windows).shape == (len(windows), 4)


def test_nan_in_a_final_target_says_what_nan_means():
    with pytest.raises(ValueError, match="output='last' every sequence needs"):
        BPTTRegressor(n_hidden=2).fit(X, np.where(np.arange(len(y)) == 3, np.nan, y))


@pytest.mark.parametrize("fit_ndim", [2, 3])
def test_sequence_score_takes_one_output_as_2d_or_3d(fit_ndim):
    # fit takes per-step targets of one output as (n, T) or (n, T, 1);
    # score compares them with the predictions either way.
    Y = np.cumsum(X[:, :, 0], axis=1)
    model = quietly(
        BPTTRegressor(n_hidden=2, max_iter=5, output="sequence", random_state=0),
        X,
        Y if fit_ndim == 2 else Y[:, :, None],
    )
    assert model.score(X, Y) == model.score(X, Y[:, :, None])
    with pytest.raises(ValueError, match="the shape of the predictions"):
        model.score(X, Y[:, :-1])


@pytest.mark.parametrize("Estimator", [BPTTRegressor, BPTTAttractorClassifier])
def test_features_that_saturate_the_units_warn(Estimator):
    # Inputs of 1e4 put tanh units far on their flat tails: the fit learns
    # little (R^2 0.07 on this task) and still ends "converged".
    target = y if Estimator is BPTTRegressor else labels
    params = {"n_hidden": 3, "max_iter": 5, "alpha": 1e-2, "random_state": 0}
    with pytest.warns(UserWarning, match="Features of large magnitude") as caught:
        quietly(Estimator(**params), X * 1e4, target)
    assert caught[0].filename == __file__  # points at the caller of fit
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "Features of large magnitude")
        quietly(Estimator(**params), X, target)
        quietly(Estimator(activation="relu", **params), X * 1e4, target)
        # a warm start begins at fitted weights, which may take large inputs
        warm = quietly(Estimator(warm_start=True, **params), X, target)
        warm.input_weights_ *= 1e4
        quietly(warm, X, target)


def test_features_that_grow_along_the_sequence_warn_of_saturation():
    # A trend in raw units: small at the first step, far beyond tanh's range
    # by the end. Shorter sequences' NaN padding is not read as inputs.
    trend = X + 20.0 * np.arange(X.shape[1])[None, :, None]
    trend[:5, -3:] = np.nan
    params = {"n_hidden": 3, "max_iter": 5, "alpha": 1e-2, "random_state": 0}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        BPTTRegressor(**params).fit(trend, y)
    messages = [str(w.message) for w in caught]
    assert any(m.startswith("Features of large magnitude") for m in messages)
    assert not any(issubclass(w.category, RuntimeWarning) for w in caught)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "Features of large magnitude")
        quietly(BPTTRegressor(**params), X, y)


def test_targets_of_large_spread_warn_before_the_fit():
    # A sum of 20 inputs times 30 scored R^2 0.62 held out (1.00 scaled),
    # and the fit still ended "converged".
    rng = np.random.RandomState(6)
    X_sum = rng.normal(size=(60, 20, 1))
    y_sum = X_sum[:, :, 0].sum(axis=1)
    params = {"n_hidden": 3, "max_iter": 5, "alpha": 1e-2, "random_state": 0}
    with pytest.warns(UserWarning, match="Targets of large spread") as caught:
        quietly(BPTTRegressor(**params), X_sum, 30 * y_sum)
    message = next(str(w.message) for w in caught if "spread" in str(w.message))
    assert "standard deviation is 1" in message  # about 134
    assert "TransformedTargetRegressor" in message and "np.nanstd" in message
    assert caught[0].filename == __file__  # points at the caller of fit
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "Targets of large spread")
        quietly(BPTTRegressor(**params), X_sum, y_sum)
        quietly(BPTTRegressor(**params), X_sum, y_sum + 1e3)  # an offset is free
        # a warm start begins at output weights already grown to the targets
        warm = quietly(BPTTRegressor(warm_start=True, **params), X_sum, y_sum)
        quietly(warm, X_sum, 30 * y_sum)


def test_constant_targets_do_not_warn_that_nothing_was_learned():
    # The constant is the right answer; a mean one rounding away from it
    # made the loss to beat 1e-31.
    params = {"n_hidden": 3, "max_iter": 40, "alpha": 1e-2, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter
        warnings.filterwarnings("error", ".*learned \\(almost\\) nothing")
        # 30 sequences: their mean is one rounding away from 3.7
        X_30 = np.random.RandomState(3).normal(size=(30, 5, 2))
        BPTTRegressor(**params).fit(X_30, np.full(30, 3.7))
