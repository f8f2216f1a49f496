"""Tests of sklearn_bptt.preprocessing: the sequence scaler and the data helpers."""

import pickle
import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Ridge
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    TimeSeriesSplit,
    cross_val_score,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt.preprocessing import (
    SequenceFlattener,
    SequenceStandardScaler,
    SequenceZNormalizer,
    from_channels_first,
    from_padded_array,
    make_sliding_windows,
    to_padded_array,
)


@pytest.fixture
def padded():
    """Sequences of lengths 5, 3, 1 and 4 with 3 features of different scales."""
    rng = np.random.RandomState(0)
    X = rng.normal(loc=[1.0, -5.0, 100.0], scale=[0.5, 2.0, 30.0], size=(4, 5, 3))
    for i, length in enumerate([5, 3, 1, 4]):
        X[i, length:] = np.nan
    return X


def sum_task(n_samples=40, n_timesteps=6, seed=0):
    """Sequences of 2 features whose target is the sum of the first feature."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n_samples, n_timesteps, 2))
    X[:, :, 1] *= 50.0  # a noise feature on another scale: work for the scaler
    return X, X[:, :, 0].sum(axis=1)


def quiet_fit(estimator, X, y=None):
    # A few L-BFGS iterations are enough to test the plumbing; the warning
    # that they are not enough to converge is expected.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


# ---------------------------------------------------------------------------
# SequenceStandardScaler


@parametrize_with_checks(
    [
        SequenceStandardScaler(),
        SequenceStandardScaler(with_mean=False),
        SequenceStandardScaler(with_std=False),
        SequenceZNormalizer(),
        SequenceZNormalizer(with_std=False),
        SequenceFlattener(),
        SequenceFlattener(fill_value=-1.0),
    ]
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def test_statistics_are_over_samples_and_steps_ignoring_padding(padded):
    scaler = SequenceStandardScaler().fit(padded)
    steps = padded.reshape(-1, 3)  # every step of every sample, padding as NaN
    assert_allclose(scaler.mean_, np.nanmean(steps, axis=0))
    assert_allclose(scaler.var_, np.nanvar(steps, axis=0))
    assert_allclose(scaler.scale_, np.nanstd(steps, axis=0))
    assert scaler.n_steps_seen_ == 5 + 3 + 1 + 4
    assert scaler.n_features_in_ == 3


def test_transform_standardises_and_keeps_padding(padded):
    Xt = SequenceStandardScaler().fit_transform(padded)
    assert Xt.shape == padded.shape
    assert_array_equal(np.isnan(Xt), np.isnan(padded))
    steps = Xt.reshape(-1, 3)
    assert_allclose(np.nanmean(steps, axis=0), 0.0, atol=1e-12)
    assert_allclose(np.nanstd(steps, axis=0), 1.0)


def test_inverse_transform_round_trip(padded):
    scaler = SequenceStandardScaler().fit(padded)
    restored = scaler.inverse_transform(scaler.transform(padded))
    assert_array_equal(np.isnan(restored), np.isnan(padded))
    assert_allclose(restored, padded)


def test_2d_input_is_one_step_and_matches_standard_scaler():
    X = np.random.RandomState(1).normal(3.0, 4.0, size=(20, 3))
    ours = SequenceStandardScaler().fit(X)
    theirs = StandardScaler().fit(X)
    assert_allclose(ours.mean_, theirs.mean_)
    assert_allclose(ours.scale_, theirs.scale_)
    Xt = ours.transform(X)
    assert Xt.shape == (20, 3)
    assert_allclose(Xt, theirs.transform(X))
    assert_allclose(ours.inverse_transform(Xt), X)
    # A 2D array is the same data as the (n, 1, d) array of one-step sequences.
    assert_allclose(ours.transform(X[:, np.newaxis, :])[:, 0, :], Xt)


def test_fit_on_3d_transform_any_length(padded):
    """Statistics are per feature, so shorter or longer sequences transform too."""
    scaler = SequenceStandardScaler().fit(padded)
    longer = np.random.RandomState(2).normal(size=(2, 9, 3))
    assert_allclose(scaler.transform(longer), (longer - scaler.mean_) / scaler.scale_)


def test_float32_is_preserved(padded):
    X32 = padded.astype(np.float32)
    scaler = SequenceStandardScaler().fit(X32)
    Xt = scaler.transform(X32)
    assert Xt.dtype == np.float32
    assert scaler.inverse_transform(Xt).dtype == np.float32
    # Statistics accumulated in float64 agree with the float64 fit.
    assert_allclose(scaler.mean_, SequenceStandardScaler().fit(padded).mean_, rtol=1e-6)
    assert_allclose(Xt, SequenceStandardScaler().fit_transform(padded), atol=1e-5)


def test_constant_feature_gets_unit_scale():
    X = np.full((3, 4, 2), 0.1)
    X[:, :, 1] = np.arange(12.0).reshape(3, 4)
    X[2, 3:] = np.nan
    scaler = SequenceStandardScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    assert scaler.scale_[1] > 1.0
    Xt = scaler.transform(X)
    assert_array_equal(Xt[:2, :, 0], 0.0)


@pytest.mark.parametrize(
    "params, shift, divide",
    [
        ({"with_mean": False}, False, True),
        ({"with_std": False}, True, False),
        ({"with_mean": False, "with_std": False}, False, False),
    ],
)
def test_with_mean_and_with_std(padded, params, shift, divide):
    scaler = SequenceStandardScaler(**params).fit(padded)
    stats = SequenceStandardScaler().fit(padded)
    expected = padded - stats.mean_ if shift else padded
    expected = expected / stats.scale_ if divide else expected
    assert_allclose(scaler.transform(padded), expected)
    assert_allclose(scaler.inverse_transform(scaler.transform(padded)), padded)
    assert (scaler.scale_ is None) == (not divide)


def test_transform_does_not_change_its_input(padded):
    original = padded.copy()
    scaler = SequenceStandardScaler(with_mean=False, with_std=False).fit(padded)
    Xt = scaler.transform(padded)
    Xt[0, 0, 0] = 123.0
    assert_array_equal(padded, original)


def test_wrong_feature_count_message(padded):
    scaler = SequenceStandardScaler().fit(np.zeros((2, 3, 4)))
    msg = (
        "X has 3 features, but SequenceStandardScaler is expecting 4 features as input."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        scaler.transform(padded)
    with pytest.raises(ValueError, match=re.escape(msg)):
        scaler.inverse_transform(padded)


@pytest.mark.parametrize(
    "where, value, message",
    [
        ((0, 1, slice(None)), np.nan, "before the end of the sequence"),  # a gap
        ((0, 4, 0), np.nan, "some but not all features"),  # partial NaN
        ((1, slice(None), slice(None)), np.nan, "entirely NaN"),  # only padding
        ((0, 0, 1), np.inf, "infinity"),
    ],
)
def test_nan_other_than_padding_and_inf_are_errors(padded, where, value, message):
    X = padded.copy()
    X[where] = value
    with pytest.raises(ValueError, match=message):
        SequenceStandardScaler().fit(X)
    scaler = SequenceStandardScaler().fit(padded)
    with pytest.raises(ValueError, match=message):
        scaler.transform(X)
    with pytest.raises(ValueError, match=message):
        scaler.inverse_transform(X)


def test_unfitted_scaler_raises(padded):
    with pytest.raises(NotFittedError):
        SequenceStandardScaler().transform(padded)
    with pytest.raises(NotFittedError):
        SequenceStandardScaler().inverse_transform(padded)


def test_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"speed": [1.0, 2.0, 4.0], "load": [10.0, 0.0, 5.0]})
    scaler = SequenceStandardScaler().fit(df)
    assert_array_equal(scaler.feature_names_in_, ["speed", "load"])
    assert_array_equal(scaler.get_feature_names_out(), ["speed", "load"])
    Xt = scaler.transform(df)
    # The output of transform is a plain array; inverse_transform takes it
    # back without complaining about missing feature names.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_allclose(scaler.inverse_transform(Xt), df.to_numpy())
    with pytest.raises(ValueError, match="Feature names"):
        scaler.transform(df[["load", "speed"]])


def test_feature_names_out_without_names(padded):
    scaler = SequenceStandardScaler().fit(padded)
    assert_array_equal(scaler.get_feature_names_out(), ["x0", "x1", "x2"])


def test_pickle_round_trip(padded):
    scaler = SequenceStandardScaler().fit(padded)
    restored = pickle.loads(pickle.dumps(scaler))
    assert_array_equal(restored.transform(padded), scaler.transform(padded))
    assert_array_equal(restored.scale_, scaler.scale_)


# ---------------------------------------------------------------------------
# With the estimators


def test_pipeline_regressor_grid_search_on_3d_data():
    X, y = sum_task()
    X[::3, 4:] = np.nan  # a third of the sequences are 4 steps long
    y[::3] = X[::3, :4, 0].sum(axis=1)
    pipe = Pipeline(
        [
            ("scale", SequenceStandardScaler()),
            ("model", BPTTRegressor(n_hidden=3, max_iter=15, random_state=0)),
        ]
    )
    search = GridSearchCV(
        pipe, {"model__n_hidden": [2, 4], "scale__with_std": [True, False]}, cv=2
    )
    quiet_fit(search, X, y)
    assert search.best_params_["model__n_hidden"] in (2, 4)
    assert search.cv_results_["mean_test_score"].shape == (4,)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    prediction = search.predict(X)
    assert prediction.shape == (40,)
    assert np.isfinite(prediction).all()
    # The refitted scaler's statistics skip the padding.
    scaler = search.best_estimator_.named_steps["scale"]
    assert scaler.n_steps_seen_ == 40 * 6 - 14 * 2


def test_pipeline_classifier_grid_search_on_3d_data():
    X, total = sum_task()
    y = np.where(total > 0, "up", "down")
    pipe = Pipeline(
        [
            ("scale", SequenceStandardScaler()),
            (
                "model",
                BPTTAttractorClassifier(
                    n_hidden=3,
                    n_settle_steps=2,
                    n_target_steps=2,
                    max_iter=15,
                    random_state=0,
                ),
            ),
        ]
    )
    search = GridSearchCV(pipe, {"model__alpha": [1e-3, 1e-1]}, cv=2)
    quiet_fit(search, X, y)
    assert_array_equal(search.classes_, ["down", "up"])
    proba = search.predict_proba(X)
    assert proba.shape == (40, 2)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert set(search.predict(X)) <= {"down", "up"}


@pytest.mark.parametrize("cv", [KFold(n_splits=3), TimeSeriesSplit(n_splits=3)])
def test_cross_val_score_on_sliding_windows(cv):
    series = np.sin(np.linspace(0, 12, 60)) + np.linspace(0, 3, 60)
    X, y = make_sliding_windows(series, window=5)
    pipe = Pipeline(
        [
            ("scale", SequenceStandardScaler()),
            ("model", BPTTRegressor(n_hidden=3, max_iter=20, random_state=0)),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=cv)
    assert scores.shape == (3,)
    assert np.isfinite(scores).all()


def test_pipeline_pickle_round_trip():
    X, y = sum_task()
    pipe = Pipeline(
        [
            ("scale", SequenceStandardScaler()),
            ("model", BPTTRegressor(n_hidden=3, max_iter=10, random_state=0)),
        ]
    )
    quiet_fit(pipe, X, y)
    restored = pickle.loads(pickle.dumps(pipe))
    assert_array_equal(restored.predict(X), pipe.predict(X))
    # A clone is unfitted but has the same parameters.
    assert clone(pipe).get_params()["model__n_hidden"] == 3


# ---------------------------------------------------------------------------
# to_padded_array / from_padded_array


def test_padding_round_trip():
    rng = np.random.RandomState(0)
    sequences = [rng.normal(size=(length, 2)) for length in (3, 1, 5)]
    X = to_padded_array(sequences)
    assert X.shape == (3, 5, 2)
    assert X.dtype == np.float64
    assert np.isnan(X[0, 3:]).all() and np.isnan(X[1, 1:]).all()
    assert not np.isnan(X[2]).any()
    back = from_padded_array(X)
    assert [len(s) for s in back] == [3, 1, 5]
    for original, restored in zip(sequences, back, strict=True):
        assert_array_equal(restored, original)


def test_padding_1d_sequences_n_timesteps_and_dtype():
    X = to_padded_array([np.arange(2), [7, 8, 9]], n_timesteps=4, dtype=np.float32)
    assert X.shape == (2, 4, 1)
    assert X.dtype == np.float32
    assert_array_equal(X[:, :, 0], [[0, 1, np.nan, np.nan], [7, 8, 9, np.nan]])
    assert [s.ravel().tolist() for s in from_padded_array(X)] == [[0, 1], [7, 8, 9]]


def test_padded_array_is_accepted_by_the_scaler():
    X = to_padded_array([[1.0, 2.0, 3.0], [10.0]])
    scaler = SequenceStandardScaler().fit(X)
    assert_allclose(scaler.mean_, [4.0])


@pytest.mark.parametrize(
    "sequences, kwargs, message",
    [
        ([], {}, "sequences is empty"),
        ([np.zeros((2, 2)), np.zeros((3, 3))], {}, "Sequence 1 has 3 features"),
        ([[1.0, 2.0], []], {}, "Sequence 1 has no steps"),
        ([[1.0], [2.0, np.nan]], {}, "Sequence 1 contains NaN at step 1"),
        ([np.array([[1.0, np.nan]])], {}, "Sequence 0 contains NaN at step 0"),
        ([np.zeros((2, 2, 2))], {}, "must be 1D"),
        ([[1, 2, 3], [1]], {"n_timesteps": 2}, "Sequence 0 has 3 steps, more than"),
        ([[1, 2]], {"n_timesteps": 0}, "n_timesteps must be a positive integer"),
        ([[1, 2]], {"dtype": int}, "floating dtype"),
    ],
)
def test_to_padded_array_errors(sequences, kwargs, message):
    with pytest.raises(ValueError, match=message):
        to_padded_array(sequences, **kwargs)


def test_from_padded_array_errors():
    with pytest.raises(ValueError, match="3D array"):
        from_padded_array(np.zeros((2, 3)))
    X = np.zeros((2, 3, 1))
    X[0, 1] = np.nan
    with pytest.raises(ValueError, match="before the end of the sequence"):
        from_padded_array(X)


# ---------------------------------------------------------------------------
# make_sliding_windows


def test_sliding_windows_1d():
    X, y = make_sliding_windows(np.arange(10), window=3, horizon=2, step=3)
    # Starts 0, 3 (a start at 6 would need step 6 + 2 + 2 = 10 to exist).
    assert X.shape == (2, 3, 1)
    assert_array_equal(X[:, :, 0], [[0, 1, 2], [3, 4, 5]])
    assert_array_equal(y, [4, 7])
    assert y.shape == (2,)


def test_sliding_windows_2d_and_every_window():
    series = np.arange(12.0).reshape(6, 2)  # steps 0..5, values 2t and 2t+1
    X, y = make_sliding_windows(series, window=2)
    assert X.shape == (4, 2, 2)
    assert y.shape == (4, 2)
    for i in range(4):
        assert_array_equal(X[i], series[i : i + 2])
        assert_array_equal(y[i], series[i + 2])


def test_sliding_windows_exact_fit_and_float32():
    X, y = make_sliding_windows(np.arange(5, dtype=np.float32), window=4)
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert_array_equal(X[:, :, 0], [[0, 1, 2, 3]])
    assert_array_equal(y, [4])
    # The windows are copies: changing them leaves the series alone.
    series = np.arange(5.0)
    X, _ = make_sliding_windows(series, window=2)
    X[0, 0, 0] = 99.0
    assert series[0] == 0.0


def test_sliding_windows_huge_step_gives_one_window():
    # A step beyond int64 once made np.arange return objects: IndexError.
    X, y = make_sliding_windows(np.arange(5.0), 1, step=10**20)
    assert_array_equal(X[:, :, 0], [[0.0]])
    assert_array_equal(y, [1.0])
    X, y = make_sliding_windows(np.arange(10.0), 3, step=np.int64(4))
    assert_array_equal(X[:, 0, 0], [0.0, 4.0])


def test_sliding_windows_several_horizons():
    series = np.arange(10.0)
    X, y = make_sliding_windows(series, window=3, horizon=[1, 3])
    # Only windows whose 3-step target exists: starts 0..4.
    assert X.shape == (5, 3, 1)
    assert y.shape == (5, 2)
    assert_array_equal(y[:, 0], series[3:8])  # the next value
    assert_array_equal(y[:, 1], series[5:10])  # three steps on
    # Each column is what the int horizon gives, on the same windows.
    for column, horizon in enumerate([1, 3]):
        X_one, y_one = make_sliding_windows(series, window=3, horizon=horizon)
        assert_array_equal(y[:, column], y_one[: len(y)])
        assert_array_equal(X, X_one[: len(X)])


def test_sliding_windows_horizons_any_order_and_2d_series():
    series = np.arange(16.0).reshape(8, 2)
    X, y = make_sliding_windows(series, window=2, horizon=range(3, 0, -1), step=2)
    # Starts 0 and 2; a start at 4 would need step 4 + 1 + 3 = 8 to exist.
    assert X.shape == (2, 2, 2)
    assert y.shape == (2, 3, 2)  # (n_windows, n_horizons, n_features)
    for i, start in enumerate([0, 2]):
        for column, horizon in enumerate([3, 2, 1]):
            assert_array_equal(y[i, column], series[start + 1 + horizon])
    _, y = make_sliding_windows(np.arange(6.0), window=2, horizon=np.array([2]))
    assert y.shape == (3, 1)


@pytest.mark.parametrize(
    "series, kwargs, message",
    [
        (np.arange(5), {"window": True}, "window must be an integer >= 1"),
        (np.arange(5), {"window": 2, "horizon": False}, "horizon must be an"),
        (np.arange(5), {"window": 2, "step": True}, "step must be an integer >= 1"),
        (np.arange(5), {"window": 2, "step": -1}, "step must be an integer >= 1"),
        (np.arange(5), {"window": 2, "step": 1.5}, "step must be an integer >= 1"),
        (np.arange(5), {"window": 2, "horizon": []}, "horizon is empty"),
        (np.arange(5), {"window": 2, "horizon": [1, 0]}, r"horizon\[1\] must be"),
        (np.arange(5), {"window": 2, "horizon": [1, 2.0]}, r"horizon\[1\] must be"),
        (np.arange(5), {"window": 2, "horizon": [2, 1, 2]}, "horizon 2 twice"),
        (np.arange(5), {"window": 2, "horizon": "12"}, "horizon must be an"),
        (np.arange(5), {"window": 2, "horizon": [[1]]}, r"horizon\[0\] must be"),
        (np.arange(5), {"window": 2, "horizon": [1, 4]}, r"window \+ max\(horizon\)"),
        (np.arange(5), {"window": 10**20}, "series has 5 steps"),
    ],
)
def test_sliding_windows_argument_errors(series, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_sliding_windows(series, **kwargs)


@pytest.mark.parametrize(
    "series, kwargs, message",
    [
        (np.arange(5), {"window": 0}, "window must be an integer >= 1"),
        (np.arange(5), {"window": 2, "horizon": 0}, "horizon must be an integer >= 1"),
        (np.arange(5), {"window": 2, "step": 0}, "step must be an integer >= 1"),
        (np.arange(5), {"window": 2.0}, "window must be an integer >= 1"),
        (np.arange(5), {"window": 4, "horizon": 2}, "series has 5 steps"),
        (np.zeros((4, 2, 2)), {"window": 2}, "dim 3"),
        (np.array([0.0, np.nan, 1.0, 2.0]), {"window": 2}, "NaN"),
        # numbers as text would be read as numbers by numpy, silently
        (np.array(["1", "2", "3"]), {"window": 1}, "series contains strings"),
        (["1", "2", "3"], {"window": 1}, "series contains strings"),
    ],
)
def test_sliding_windows_errors(series, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_sliding_windows(series, **kwargs)


# ---------------------------------------------------------------------------
# from_channels_first


def test_from_channels_first_transposes():
    X = np.arange(24).reshape(2, 3, 4)  # 2 samples, 3 channels, 4 steps
    Xt = from_channels_first(X)
    assert Xt.shape == (2, 4, 3)
    for sample, channel, step in [(0, 0, 0), (1, 2, 3), (0, 1, 2), (1, 0, 3)]:
        assert Xt[sample, step, channel] == X[sample, channel, step]
    assert_array_equal(Xt, np.swapaxes(X, 1, 2))
    with pytest.raises(ValueError, match="3D array"):
        from_channels_first(X[0])


def test_channels_first_data_in_a_pipeline():
    # Channels-first data as sktime or aeon return it: (n, channels, time).
    rng = np.random.RandomState(0)
    X_channels_first = rng.uniform(-1, 1, size=(30, 2, 5))
    y = X_channels_first[:, 0, :].sum(axis=1)
    X = from_channels_first(X_channels_first)
    assert X.shape == (30, 5, 2)
    pipe = Pipeline(
        [
            ("scale", SequenceStandardScaler()),
            ("model", BPTTRegressor(n_hidden=3, max_iter=20, random_state=0)),
        ]
    )
    quiet_fit(pipe, X, y)
    assert pipe.named_steps["model"].n_features_in_ == 2
    assert pipe.named_steps["scale"].n_steps_seen_ == 30 * 5
    assert pipe.predict(X).shape == (30,)


# ---------------------------------------------------------------------------
# Robustness: extreme values and input that used to slip through


def test_scaler_does_not_overflow_on_huge_values():
    X = np.array([[[1e200], [2e200], [np.nan]], [[3e200], [-1e200], [5e200]]])
    steps = np.array([1.0, 2.0, 3.0, -1.0, 5.0])
    scaler = SequenceStandardScaler().fit(X)
    assert_allclose(scaler.mean_, [steps.mean() * 1e200])
    assert_allclose(scaler.scale_, [steps.std() * 1e200])
    Xt = scaler.transform(X)
    assert_allclose(Xt[~np.isnan(X)], (steps - steps.mean()) / steps.std())
    assert_allclose(scaler.inverse_transform(Xt), X)
    assert np.isinf(scaler.var_).all()  # 1e400 has no float64; scale_ does


def test_scaler_statistics_of_tiny_values_are_exact():
    X = np.array([[[1e-170], [3e-170]]])
    scaler = SequenceStandardScaler().fit(X)
    assert_allclose(scaler.mean_, [2e-170])
    assert_allclose(scaler.scale_, [1e-170])
    assert_allclose(scaler.transform(X)[0, :, 0], [-1.0, 1.0])


@pytest.mark.parametrize(
    "X, message",
    [
        ([["1"], ["2"]], "contains strings"),
        ([[[1.0]], [[1.0], [2.0]]], "different lengths"),
    ],
)
def test_inverse_transform_rejects_what_transform_rejects(X, message):
    scaler = SequenceStandardScaler().fit(np.arange(6.0).reshape(3, 2, 1))
    with pytest.raises(ValueError, match=message):
        scaler.transform(X)
    with pytest.raises(ValueError, match=message):
        scaler.inverse_transform(X)


def test_inverse_transform_keeps_2d_shape_of_lists():
    scaler = SequenceStandardScaler().fit(np.arange(6.0).reshape(3, 2))
    assert scaler.inverse_transform([[0.0, 0.0]]).shape == (1, 2)


@pytest.mark.parametrize(
    "sequences, kwargs, message",
    [
        ([[1, 2]], {"n_timesteps": True}, "n_timesteps must be a positive integer"),
        ([[1.0, 2.0 + 1j]], {}, "Sequence 0 contains complex numbers"),
        ([np.zeros(2), np.ones(3, dtype=complex)], {}, "Sequence 1 contains complex"),
        ([np.array([1, 2j], dtype=object)], {}, "Sequence 0 contains complex"),
        ([["1", "2"]], {}, "Sequence 0 contains strings"),
    ],
)
def test_to_padded_array_rejects_bools_complex_and_strings(sequences, kwargs, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning either
        with pytest.raises(ValueError, match=message):
            to_padded_array(sequences, **kwargs)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_from_padded_array_returns_views(dtype):
    X = to_padded_array([[1.0, 2.0], [3.0]], dtype=dtype)
    sequences = from_padded_array(X)
    assert all(np.shares_memory(sequence, X) for sequence in sequences)
    assert sequences[0].dtype == dtype


@pytest.mark.parametrize("shape", [(2, 0, 1), (2, 3, 0)])
def test_from_padded_array_rejects_empty_steps_or_features(shape):
    with pytest.raises(ValueError, match="at least 1 time step and 1 feature"):
        from_padded_array(np.zeros(shape))


# ---------------------------------------------------------------------------
# SequenceZNormalizer


def test_z_normalizer_gives_every_sequence_mean_0_std_1(padded):
    Xt = SequenceZNormalizer().fit_transform(padded)
    assert_array_equal(np.isnan(Xt), np.isnan(padded))
    for sequence, original in zip(from_padded_array(Xt), padded, strict=True):
        real = original[~np.isnan(original).all(axis=1)]
        if len(real) == 1:  # one step: constant, so centred to 0
            assert_array_equal(sequence, 0.0)
            continue
        assert_allclose(sequence.mean(axis=0), 0.0, atol=1e-12)
        assert_allclose(sequence.std(axis=0), 1.0)
        assert_allclose(sequence, (real - real.mean(axis=0)) / real.std(axis=0))


def test_z_normalizer_ignores_level_and_amplitude():
    X = np.random.RandomState(0).normal(size=(3, 7, 2))
    moved = 1e6 + 250.0 * X
    assert_allclose(
        SequenceZNormalizer().fit_transform(moved),
        SequenceZNormalizer().fit_transform(X),
        atol=1e-8,
    )


def test_z_normalizer_constant_and_extreme_sequences():
    X = np.full((3, 4, 1), 0.1)  # sequence 0: constant
    X[1, :, 0] = [1e200, 3e200, 1e200, 3e200]  # would overflow when squared
    X[2, :, 0] = [1e-170, 3e-170, np.nan, np.nan]  # variance would underflow
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Xt = SequenceZNormalizer().fit_transform(X)
    assert_array_equal(Xt[0], 0.0)
    assert_allclose(Xt[1, :, 0], [-1, 1, -1, 1])
    assert_allclose(Xt[2, :2, 0], [-1, 1])
    assert np.isnan(Xt[2, 2:]).all()


def test_z_normalizer_options_dtype_and_2d_input(padded):
    centred = SequenceZNormalizer(with_std=False).fit_transform(padded)
    assert_allclose(centred, padded - np.nanmean(padded, axis=1, keepdims=True))
    longer = padded[[0, 1, 3]]  # not the one-step sequence: its std is 0
    scaled = SequenceZNormalizer(with_mean=False).fit_transform(longer)
    assert_allclose(scaled, longer / np.nanstd(longer, axis=1, keepdims=True))
    X32 = padded.astype(np.float32)
    assert SequenceZNormalizer().fit_transform(X32).dtype == np.float32
    X2d = np.arange(6.0).reshape(3, 2)
    assert_array_equal(SequenceZNormalizer().fit_transform(X2d), np.zeros((3, 2)))


def test_z_normalizer_transforms_new_sequences_with_their_own_statistics(padded):
    normalizer = SequenceZNormalizer().fit(padded)
    new = np.random.RandomState(3).normal(5.0, 9.0, size=(2, 8, 3))
    assert_allclose(
        normalizer.transform(new),
        (new - new.mean(axis=1, keepdims=True)) / new.std(axis=1, keepdims=True),
    )
    with pytest.raises(ValueError, match="expecting 3 features"):
        normalizer.transform(new[:, :, :2])


# ---------------------------------------------------------------------------
# SequenceFlattener


def test_flattener_layout_and_fill_value(padded):
    flat = SequenceFlattener().fit_transform(padded)
    assert flat.shape == (4, 15)
    assert_array_equal(flat[0], padded[0].ravel())  # step by step
    assert_array_equal(flat[1, :9], padded[1, :3].ravel())
    assert_array_equal(flat[1, 9:], 0.0)
    kept = SequenceFlattener(fill_value=np.nan).fit_transform(padded)
    assert_array_equal(np.isnan(kept), np.isnan(padded.reshape(4, 15)))


def test_flattener_pads_shorter_input_and_rejects_longer(padded):
    flattener = SequenceFlattener(fill_value=-1.0).fit(padded)
    short = flattener.transform(padded[:, :2])
    assert short.shape == (4, 15)
    assert_array_equal(short[:, 6:], -1.0)
    with pytest.raises(ValueError, match="fitted on 5"):
        flattener.transform(np.zeros((1, 6, 3)))


def test_flattener_feature_names_dtype_and_2d_input():
    flattener = SequenceFlattener().fit(np.zeros((2, 3, 2), dtype=np.float32))
    assert flattener.transform(np.zeros((2, 3, 2), np.float32)).dtype == np.float32
    assert_array_equal(
        flattener.get_feature_names_out(["a", "b"]),
        ["a_t0", "b_t0", "a_t1", "b_t1", "a_t2", "b_t2"],
    )
    X2d = np.arange(6.0).reshape(3, 2)
    assert_array_equal(SequenceFlattener().fit_transform(X2d), X2d)


def test_flattener_feature_names_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"speed": [1.0, 2.0], "load": [3.0, 4.0]})
    flattener = SequenceFlattener().set_output(transform="pandas").fit(frame)
    out = flattener.transform(frame)
    assert list(out.columns) == ["speed_t0", "load_t0"]


def test_flat_ridge_baseline_in_a_pipeline():
    X, y = sum_task(n_samples=60)
    X[::4, 4:] = np.nan
    y[::4] = X[::4, :4, 0].sum(axis=1)
    pipe = Pipeline(
        [
            ("scale", SequenceStandardScaler()),
            ("flatten", SequenceFlattener()),
            ("ridge", Ridge(alpha=1e-3)),
        ]
    ).fit(X, y)
    # The sum of the first feature is linear in the flat columns (padding
    # filled with the scaled mean, a constant the intercept absorbs only
    # partly), so a linear model fits it closely.
    assert pipe.score(X, y) > 0.9
    names = pipe[:-1].get_feature_names_out()
    assert names[0] == "x0_t0" and len(names) == 12


def test_flat_mlp_classifier_in_a_pipeline_with_z_normalisation():
    rng = np.random.RandomState(0)
    t = np.linspace(0, 2 * np.pi, 12)
    # Rising or falling ramps at random levels and amplitudes: only their
    # shape tells the class, which is what z-normalisation keeps.
    y = rng.randint(2, size=80)
    shape = np.where(y[:, np.newaxis] == 1, t, -t)
    X = rng.uniform(-50, 50, size=(80, 1)) + rng.uniform(1, 20, size=(80, 1)) * shape
    X = X[:, :, np.newaxis]
    pipe = Pipeline(
        [
            ("normalise", SequenceZNormalizer()),
            ("flatten", SequenceFlattener()),
            (
                "mlp",
                MLPClassifier(hidden_layer_sizes=(8,), max_iter=500, random_state=0),
            ),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=KFold(n_splits=4))
    assert scores.mean() > 0.95
