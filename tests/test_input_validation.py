"""Bad input gets a clear error that names the problem."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_bptt import BPTTRegressor

rng = np.random.RandomState(0)
X = rng.normal(size=(10, 4, 2))
y = rng.normal(size=10)


def with_nan(X, where):
    X = X.copy()
    X[where] = np.nan
    return X


BAD_FIT_INPUT = {
    "1D X": (np.ones(5), np.ones(5), ValueError, "Expected 2D array, got 1D array"),
    "4D X": (np.ones((3, 2, 2, 2)), np.ones(3), ValueError, "got a 4D array"),
    "no samples": (np.ones((0, 3, 2)), np.ones(0), ValueError, "0 sample"),
    "no steps": (np.ones((3, 0, 2)), np.ones(3), ValueError, "0 time steps"),
    "no features": (np.ones((3, 2, 0)), np.ones(3), ValueError, "0 feature"),
    "inf": (np.where(X > 2, np.inf, X), y, ValueError, "infinity"),
    "NaN inside a sequence": (
        with_nan(X, (3, 1)),
        y,
        ValueError,
        "NaN at sample 3, step 1, before the end",
    ),
    "NaN in some features": (
        with_nan(X, (2, 3, 0)),
        y,
        ValueError,
        "some but not all features of sample 2",
    ),
    "all padding": (with_nan(X, (5,)), y, ValueError, "Sample 5 of X is entirely NaN"),
    "sparse X": (sp.csr_matrix(np.ones((3, 2))), np.ones(3), TypeError, "Sparse data"),
    "complex X": (X + 1j, y, ValueError, "Complex data not supported"),
    "string X": (np.full((3, 2, 2), "a"), np.ones(3), ValueError, "X contains strings"),
    "y of 3 dimensions": (X, np.ones((10, 4, 1)), ValueError, "output='sequence'"),
    "y of other length": (X, np.ones(7), ValueError, "inconsistent numbers of samples"),
    "NaN in y": (X, np.where(y > 1, np.nan, y), ValueError, "y contains NaN"),
    "no y": (X, None, ValueError, "requires y to be passed"),
}


@pytest.mark.parametrize("case", list(BAD_FIT_INPUT))
def test_bad_fit_input(case):
    X_bad, y_bad, error, message = BAD_FIT_INPUT[case]
    with pytest.raises(error, match=message):
        BPTTRegressor(n_hidden=2, max_iter=2).fit(X_bad, y_bad)


@pytest.fixture(scope="module")
def fitted():
    return BPTTRegressor(n_hidden=2, max_iter=5).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_wrong_feature_count_at_predict(fitted):
    with pytest.raises(
        ValueError, match="X has 5 features, but BPTTRegressor is expecting 2"
    ):
        fitted.predict(np.ones((3, 4, 5)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "case", ["1D X", "4D X", "inf", "NaN inside a sequence", "complex X"]
)
def test_bad_predict_input(fitted, case):
    X_bad, _, error, message = BAD_FIT_INPUT[case]
    if X_bad.ndim == 3:
        X_bad = X_bad[..., :2]
    with pytest.raises(error, match=message):
        fitted.predict(X_bad)


@pytest.mark.parametrize(
    "y_bad, message",
    [
        (np.ones(10), r"got shape \(10,\)"),
        (np.ones((10, 3)), r"same n_timesteps as X \(4\); got shape \(10, 3\)"),
        (np.ones((10, 4, 1, 1)), r"got shape \(10, 4, 1, 1\)"),
    ],
)
def test_sequence_targets_must_match_the_steps(y_bad, message):
    with pytest.raises(ValueError, match=message):
        BPTTRegressor(output="sequence", max_iter=2).fit(X, y_bad)


def test_sequence_targets_at_padding_are_an_error():
    X_padded = with_nan(X, (1, slice(2, None)))
    Y = np.ones((10, 4))
    with pytest.raises(
        ValueError, match="target at sample 1, step 2, where X is padding"
    ):
        BPTTRegressor(output="sequence", max_iter=2).fit(X_padded, Y)


def test_all_targets_missing():
    with pytest.raises(ValueError, match="no target"):
        BPTTRegressor(output="sequence", max_iter=2).fit(X, np.full((10, 4), np.nan))


def test_sequence_output_takes_no_settle_steps():
    with pytest.raises(ValueError, match="n_settle_steps=0 and n_target_steps=1"):
        BPTTRegressor(output="sequence", n_settle_steps=2).fit(X, np.ones((10, 4)))


def test_target_window_longer_than_the_sequence():
    with pytest.raises(ValueError, match="n_target_steps=5 is larger than the 4 steps"):
        BPTTRegressor(n_target_steps=5).fit(X, y)


@pytest.mark.parametrize(
    "mask, message",
    [
        (np.ones((3, 3)), r"shape \(n_hidden, n_hidden\) = \(2, 2\); got \(3, 3\)"),
        (np.full((2, 2), 0.5), "only 0 and 1"),
    ],
)
def test_bad_recurrent_mask(mask, message):
    with pytest.raises(ValueError, match=message):
        BPTTRegressor(n_hidden=2, recurrent_mask=mask).fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_hidden": 0}, "'n_hidden' parameter"),
        ({"activation": "softplus"}, "'activation' parameter"),
        ({"output": "all"}, "'output' parameter"),
        ({"alpha": -1.0}, "'alpha' parameter"),
        ({"n_settle_steps": -1}, "'n_settle_steps' parameter"),
    ],
)
def test_invalid_hyperparameters(params, message):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=message):
        BPTTRegressor(**params).fit(X, y)


def test_negative_sample_weight():
    with pytest.raises(ValueError, match="Negative values in data"):
        BPTTRegressor(max_iter=2).fit(X, y, sample_weight=-np.ones(10))
