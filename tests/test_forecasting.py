"""Tests of sklearn_bptt.forecasting: RelativeToLastValue and forecast_recursive."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.forecasting import RelativeToLastValue, forecast_recursive
from sklearn_bptt.preprocessing import SequenceStandardScaler, make_sliding_windows


def flat_ridge(alpha=1e-2):
    """Ridge on the flattened windows: a fast, deterministic inner regressor."""
    return make_pipeline(FunctionTransformer(_flatten), Ridge(alpha=alpha))


def _flatten(X):
    return X.reshape(len(X), -1)


def trend_series(n=120, seed=0):
    """A monthly-like series: trend, a 12-step season and noise."""
    steps = np.arange(n)
    rng = np.random.RandomState(seed)
    return 0.05 * steps + np.sin(2 * np.pi * steps / 12) + rng.normal(scale=0.1, size=n)


def quiet_fit(estimator, X, y, **fit_params):
    # A few L-BFGS iterations test the plumbing; they are not meant to converge.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


def small_bptt(**params):
    return BPTTRegressor(n_hidden=3, max_iter=20, random_state=0, **params)


# The checks give 2D X, one step per sample: relative inputs make the series
# feature zero there, which costs a linear model the fit the checks ask for.
# check_regressors_train sets alpha=0.01 on a regressor that has an alpha, to
# test that it can fit its training data; the wrapper hides the inner alpha,
# so it is set here. (alpha="auto" rightly chooses 100 on the check's data
# made relative, where every alpha's held-out R^2 is below 0, and no longer
# fits the training data: R^2 0.15 against 0.88 at 0.01.)
@parametrize_with_checks(
    [
        RelativeToLastValue(BPTTRegressor(alpha=0.01, random_state=0)),
        RelativeToLastValue(Ridge(), feature=-1, relative_inputs=False),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------
# RelativeToLastValue


def manual_differencing(X, y, feature=0, relative_inputs=True):
    """What RelativeToLastValue does, written out: (X, y, last) for a regressor."""
    last = X[:, -1, feature]
    X = X.copy()
    if relative_inputs:
        X[:, :, feature] -= last[:, np.newaxis]
    last = last[:, np.newaxis] if y.ndim == 2 else last
    return X, y - last, last


@pytest.mark.parametrize("relative_inputs", [True, False])
@pytest.mark.parametrize("horizon", [3, [1, 3, 12]])
def test_equals_manual_differencing(horizon, relative_inputs):
    X, y = make_sliding_windows(trend_series(), window=12, horizon=horizon)
    model = RelativeToLastValue(flat_ridge(), relative_inputs=relative_inputs)
    model.fit(X, y)
    X_manual, change, last = manual_differencing(X, y, 0, relative_inputs)
    manual = flat_ridge().fit(X_manual, change)
    assert model.predict(X).shape == y.shape
    assert_allclose(model.predict(X), manual.predict(X_manual) + last)
    assert_allclose(model.regressor_[-1].coef_, manual[-1].coef_)


def test_equals_manual_differencing_with_bptt_and_sample_weight():
    series = np.column_stack([np.cos(np.arange(60)), trend_series(60)])
    X, y = make_sliding_windows(series, window=6, horizon=[1, 2])
    y = y[:, :, 1]  # forecast feature 1; feature 0 is another input
    weights = np.linspace(0.5, 2.0, len(y))
    model = RelativeToLastValue(small_bptt(), feature=1)
    quiet_fit(model, X, y, sample_weight=weights)
    X_manual, change, last = manual_differencing(X, y, feature=1)
    assert_array_equal(X_manual[:, :, 0], X[:, :, 0])  # other features unchanged
    manual = quiet_fit(small_bptt(), X_manual, change, sample_weight=weights)
    assert_allclose(model.predict(X), manual.predict(X_manual) + last)


def test_relative_inputs_make_forecasts_shift_with_the_series():
    # Relative to the last value, a model sees no level: raising the whole
    # series by 100 raises every forecast by exactly 100.
    X, y = make_sliding_windows(trend_series(60), window=6, horizon=[1, 4])
    model = RelativeToLastValue(make_pipeline(SequenceStandardScaler(), small_bptt()))
    quiet_fit(model, X, y)
    assert_allclose(model.predict(X + 100.0), model.predict(X) + 100.0)


def test_feature_picks_the_series():
    # Feature 1 is the series; feature 0 is another input on another scale.
    series = trend_series()
    other = np.cos(np.arange(len(series)))
    X, y = make_sliding_windows(np.column_stack([other, series]), window=5)
    y = y[:, 1]
    for feature in (1, -1):
        constant = RelativeToLastValue(DummyRegressor(strategy="constant", constant=0))
        constant.set_params(feature=feature).fit(X, y)
        assert_array_equal(constant.predict(X), X[:, -1, 1])  # the naive forecast


def test_last_value_is_the_last_real_step_of_padded_sequences():
    X = np.arange(24.0).reshape(4, 3, 2)
    X[1, 2:] = np.nan  # sequence 1 has 2 steps
    X[3, 1:] = np.nan  # sequence 3 has 1 step
    y = np.zeros(4)
    naive = RelativeToLastValue(DummyRegressor(strategy="constant", constant=0))
    assert_array_equal(naive.fit(X, y).predict(X), [4.0, 8.0, 16.0, 18.0])


def test_padded_sequence_forecasts_as_on_its_own():
    X, y = make_sliding_windows(trend_series(60), window=6)
    X_padded = X.copy()
    X_padded[:10, 4:] = np.nan  # the first windows keep 4 of their 6 steps
    model = quiet_fit(
        RelativeToLastValue(make_pipeline(SequenceStandardScaler(), small_bptt())),
        X_padded,
        y,
    )
    on_its_own = model.predict(X[:1, :4])
    assert_allclose(model.predict(X_padded[:1]), on_its_own)
    assert np.isfinite(model.predict(X_padded)).all()


def test_two_dimensional_X_is_one_step():
    X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    naive = RelativeToLastValue(DummyRegressor(strategy="constant", constant=0))
    assert_array_equal(naive.fit(X, np.zeros(3)).predict(X), [1.0, 2.0, 3.0])


def test_grid_search_in_a_pipeline():
    X, y = make_sliding_windows(trend_series(80), window=6, horizon=[1, 3])
    pipe = Pipeline(
        [
            (
                "model",
                RelativeToLastValue(
                    make_pipeline(SequenceStandardScaler(), small_bptt())
                ),
            )
        ]
    )
    grid = {"model__regressor__bpttregressor__n_hidden": [2, 3]}
    # gap=2: no training target (up to 3 steps ahead) is a validation target.
    search = GridSearchCV(pipe, grid, cv=TimeSeriesSplit(n_splits=2, gap=2))
    quiet_fit(search, X, y)
    assert search.best_params_["model__regressor__bpttregressor__n_hidden"] in (2, 3)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    fitted = search.best_estimator_["model"].regressor_[-1]
    assert fitted.n_hidden == search.best_params_[next(iter(grid))]
    assert search.predict(X).shape == y.shape


def test_clone_get_params_and_pickle():
    inner = make_pipeline(SequenceStandardScaler(), small_bptt())
    model = RelativeToLastValue(inner, feature=0)
    params = model.get_params(deep=True)
    assert params["regressor"] is inner
    assert params["regressor__bpttregressor__n_hidden"] == 3
    model.set_params(regressor__bpttregressor__n_hidden=4)
    assert inner[-1].n_hidden == 4
    copy = clone(model)
    assert copy.regressor is not inner
    assert copy.get_params()["regressor__bpttregressor__n_hidden"] == 4

    X, y = make_sliding_windows(trend_series(40), window=4)
    quiet_fit(model, X, y)
    assert model.regressor_ is not inner
    assert not hasattr(inner[-1], "n_iter_")  # the given regressor stays unfitted
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict(X), model.predict(X))


def test_errors():
    X, y = make_sliding_windows(trend_series(40), window=4)
    model = RelativeToLastValue(flat_ridge())
    with pytest.raises(NotFittedError):
        model.predict(X)
    with pytest.raises(ValueError, match="requires y to be passed"):
        model.fit(X, None)
    with pytest.raises(ValueError, match=r"feature=1 is out of range .* \[-1, 0\]"):
        RelativeToLastValue(flat_ridge(), feature=1).fit(X, y)
    with pytest.raises(InvalidParameterError, match="regressor"):
        RelativeToLastValue(SequenceStandardScaler()).fit(X, y)
    for feature in (1.0, True):  # True is an int to Python, not a feature
        with pytest.raises(InvalidParameterError, match="feature"):
            RelativeToLastValue(flat_ridge(), feature=feature).fit(X, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.fit(X, y[:-1])
    X_gap = X.copy()
    X_gap[0, 1] = np.nan
    with pytest.raises(ValueError, match="before the end of the sequence"):
        model.fit(X_gap, y)
    model.fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features"):
        model.predict(np.concatenate([X, X], axis=2))


# ---------------------------------------------------------------------------
# forecast_recursive


def manual_recursion(model, window, n_steps):
    """The loop forecast_recursive replaces, one window at a time."""
    history = list(window)
    for _ in range(n_steps):
        recent = np.asarray(history[-len(window) :])[np.newaxis]
        history.append(np.asarray(model.predict(recent)).reshape(-1))
    return np.asarray(history[len(window) :])


def test_recursive_matches_a_manual_loop_one_feature():
    X, y = make_sliding_windows(trend_series(60), window=6)
    model = RelativeToLastValue(make_pipeline(SequenceStandardScaler(), small_bptt()))
    quiet_fit(model, X, y)
    forecasts = forecast_recursive(model, X[-5:], n_steps=7)
    assert forecasts.shape == (5, 7)
    for i, window in enumerate(X[-5:]):
        assert_allclose(forecasts[i], manual_recursion(model, window, 7)[:, 0])
    # The first step is the model's own one-step forecast.
    assert_allclose(forecasts[:, 0], model.predict(X[-5:]))


def test_recursive_matches_a_manual_loop_two_features():
    series = np.column_stack([trend_series(), np.cos(np.arange(120) / 3)])
    X, y = make_sliding_windows(series, window=4)
    model = flat_ridge().fit(X, y)  # both features' next values
    forecasts = forecast_recursive(model, X[:3], n_steps=5)
    assert forecasts.shape == (3, 5, 2)
    for i, window in enumerate(X[:3]):
        assert_allclose(forecasts[i], manual_recursion(model, window, 5))


class DoubleTheLastValue:
    """A fitted "model" whose forecast is twice the window's last value."""

    def predict(self, X):
        return 2 * X[:, -1, 0]


def test_recursive_window_of_one_step_and_float32():
    X = np.array([[[1.0]], [[2.0]]], dtype=np.float32)
    forecasts = forecast_recursive(DoubleTheLastValue(), X, n_steps=3)
    assert_array_equal(forecasts, [[2, 4, 8], [4, 8, 16]])


def test_recursive_errors():
    X, y = make_sliding_windows(np.arange(20.0), window=3, horizon=[1, 2])
    two_horizons = flat_ridge().fit(X, y)
    with pytest.raises(ValueError, match="n_steps must be an integer >= 1"):
        forecast_recursive(two_horizons, X, n_steps=0)
    with pytest.raises(ValueError, match="n_steps must be an integer >= 1"):
        forecast_recursive(two_horizons, X, n_steps=True)
    with pytest.raises(ValueError, match="must be a 3D array of windows"):
        forecast_recursive(two_horizons, X[0], n_steps=2)
    with pytest.raises(ValueError, match=r"returned shape \(16, 2\)"):
        forecast_recursive(two_horizons, X, n_steps=2)
    labels = (y[:, 0] > 10).astype(int)
    classifier = make_pipeline(
        FunctionTransformer(lambda X: X.reshape(len(X), -1)), LogisticRegression()
    ).fit(X, labels)
    with pytest.raises(ValueError, match="needs a regressor; Pipeline is a classifier"):
        forecast_recursive(classifier, X, n_steps=2)
    X_padded = X.copy()
    X_padded[0, 2] = np.nan
    with pytest.raises(ValueError, match="NaN at window 0, step 2.*no padding"):
        forecast_recursive(two_horizons, X_padded, n_steps=2)
    X_padded[0, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        forecast_recursive(two_horizons, X_padded, n_steps=2)


@pytest.mark.parametrize("in_pipeline", [False, True])
def test_relative_to_last_value_refuses_a_per_step_regressor(in_pipeline):
    # The last value of a sequence comes after its earlier steps: subtracted
    # from every step's target it would leak the future into each forecast.
    rng = np.random.RandomState(0)
    series = np.cumsum(rng.normal(size=(20, 9)), axis=1)
    X, Y = series[:, :8, None], series[:, 1:]
    regressor = BPTTRegressor(n_hidden=2, max_iter=5, output="sequence")
    if in_pipeline:
        regressor = make_pipeline(SequenceStandardScaler(), regressor)
    with pytest.raises(ValueError, match="output='last'.*output='sequence'"):
        RelativeToLastValue(regressor).fit(X, Y)


def test_relative_to_last_value_routes_sample_weight_when_routing_is_on():
    # scikit-learn's metadata routing: the weights reach the regressor that
    # asks for them, as they reach it directly when routing is off.
    from sklearn import config_context

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 5, 1)), rng.normal(size=40)
    weights = rng.uniform(0.1, 2.0, size=40)
    direct = RelativeToLastValue(flat_ridge()).fit(X, y, ridge__sample_weight=weights)
    with config_context(enable_metadata_routing=True):
        ridge = Ridge(alpha=1e-2).set_fit_request(sample_weight=True)
        routed = RelativeToLastValue(
            make_pipeline(FunctionTransformer(_flatten), ridge)
        ).fit(X, y, sample_weight=weights)
        assert_allclose(routed.predict(X), direct.predict(X))
        unweighted = RelativeToLastValue(flat_ridge()).fit(X, y)
        assert not np.allclose(unweighted.predict(X), direct.predict(X))
        unasked = RelativeToLastValue(flat_ridge())
        with pytest.raises(ValueError, match="sample_weight"):
            unasked.fit(X, y, sample_weight=weights)
