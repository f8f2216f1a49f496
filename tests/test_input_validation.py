"""Bad input gets a clear error that names the problem, for both estimators."""

import re
import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor

ESTIMATORS = [BPTTRegressor, BPTTAttractorClassifier]

rng = np.random.RandomState(0)
X = rng.normal(size=(10, 4, 2))
y = rng.normal(size=10)
labels = np.arange(10) % 2


def small(Estimator, **params):
    """A tiny, quick instance: validation errors come before any training."""
    return Estimator(**{"n_hidden": 2, "max_iter": 2, "random_state": 0, **params})


def targets_for(Estimator, n_samples):
    """Valid targets for ``n_samples`` sequences: numbers or two classes."""
    if Estimator is BPTTRegressor:
        return np.linspace(-1, 1, n_samples)
    return np.arange(n_samples) % 2


def with_nan(X, where):
    X = X.copy()
    X[where] = np.nan
    return X


def with_value(X, where, value):
    X = X.astype(object)
    X[where] = value
    return X


# Bad X, each with two features so the same cases also apply to predict.
BAD_X = {
    "1D X": (np.ones(5), ValueError, "Expected 2D array, got 1D array"),
    "4D X": (np.ones((3, 2, 2, 2)), ValueError, r"got a 4D array of shape \(3, 2"),
    "no samples": (np.ones((0, 3, 2)), ValueError, "0 sample"),
    "no steps": (np.ones((3, 0, 2)), ValueError, "0 time steps"),
    "no features": (np.ones((3, 2, 0)), ValueError, "0 feature"),
    "inf": (np.where(X > 2, np.inf, X), ValueError, "Input X contains infinity"),
    "-inf": (np.where(X > 2, -np.inf, X), ValueError, "Input X contains infinity"),
    "NaN inside a sequence": (
        with_nan(X, (3, 1)),
        ValueError,
        "NaN at sample 3, step 1, before the end",
    ),
    "NaN at the first step only": (
        with_nan(X, (4, 0)),
        ValueError,
        "NaN at sample 4, step 0, before the end",
    ),
    "NaN in some features": (
        with_nan(X, (2, 3, 0)),
        ValueError,
        "some but not all features of sample 2 at step 3",
    ),
    "NaN in some features of a 2D row": (
        with_nan(X[:, 0], (6, 1)),
        ValueError,
        "NaN at sample 6, feature 1. 2D X is one step per sample, which cannot "
        "be padded",
    ),
    "all padding": (
        with_nan(X, (5,)),
        ValueError,
        "Sample 5 of X is entirely NaN",
    ),
    "all padding in 2D": (
        with_nan(X[:, 0], (7,)),
        ValueError,
        "NaN at sample 7, feature 0. 2D X",
    ),
    "sparse X": (sp.csr_matrix(np.ones((3, 2))), TypeError, "Sparse data"),
    "complex X": (X + 1j, ValueError, "Complex data not supported"),
    "string X": (np.full((3, 2, 2), "a"), ValueError, "X contains strings"),
    "bytes X": (np.full((3, 2, 2), b"a"), ValueError, "X contains strings"),
    "object X holding a string": (
        with_value(X, (1, 2, 0), "a"),
        ValueError,
        r"X contains strings \('a' at index \(1, 2, 0\)\)",
    ),
    "object X holding None": (
        with_value(X, (8, 0, 1), None),
        ValueError,
        r"X contains a missing value \(None\) at index \(8, 0, 1\).*NaN marks padding",
    ),
    "list holding a string": (
        [[[1.0, 2.0]], [[3.0, "x"]]],
        ValueError,
        "X contains strings",
    ),
    "list holding None": (
        [[[1.0, 2.0]], [[None, 4.0]]],
        ValueError,
        r"X contains a missing value \(None\) at index \(1, 0, 0\)",
    ),
    "list of unequal-length sequences": (
        [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]], [[7.0, 8.0], [9.0, 0.0]]],
        ValueError,
        r"different lengths.*sklearn_bptt\.preprocessing\.to_padded_array",
    ),
    "list of unequal-length arrays": (
        [np.ones((3, 2)), np.ones((1, 2)), np.ones((2, 2))],
        ValueError,
        r"different lengths.*sklearn_bptt\.preprocessing\.to_padded_array",
    ),
}


def n_samples_of(X_bad):
    return X_bad.shape[0] if hasattr(X_bad, "shape") else len(X_bad)


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_X_at_fit(Estimator, case):
    X_bad, error, message = BAD_X[case]
    y_ok = targets_for(Estimator, n_samples_of(X_bad))
    with pytest.raises(error, match=message):
        small(Estimator).fit(X_bad, y_ok)


@cache
def fitted(Estimator):
    """A model fitted on ``X`` (2 features), shared by the predict tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return small(Estimator, max_iter=5).fit(X, targets_for(Estimator, len(X)))


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_X_at_predict(Estimator, case):
    X_bad, error, message = BAD_X[case]
    with pytest.raises(error, match=message):
        fitted(Estimator).predict(X_bad)


@pytest.mark.parametrize("X_bad", [np.ones((3, 4, 5)), np.ones((3, 5))])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_wrong_feature_count_at_predict(Estimator, X_bad):
    message = f"X has 5 features, but {Estimator.__name__} is expecting 2"
    with pytest.raises(ValueError, match=message):
        fitted(Estimator).predict(X_bad)


def test_wrong_feature_count_in_predict_proba_and_trajectory():
    model = fitted(BPTTAttractorClassifier)
    for method in (model.predict_proba, model.predict_log_proba, model.trajectory):
        with pytest.raises(ValueError, match="X has 3 features"):
            method(np.ones((2, 4, 3)))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_boolean_X_is_read_as_zeros_and_ones(Estimator):
    """Decision: boolean X is accepted as 0.0/1.0, as scikit-learn does.

    Booleans are numbers to numpy and to every scikit-learn estimator, and
    rejecting them would break pipelines of binary features. Fitting on a
    boolean array gives the same model as fitting on its float64 copy, and
    predicting on booleans the same predictions.
    """
    X_bool = X > 0
    y_ok = targets_for(Estimator, len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        from_bool = small(Estimator, max_iter=5).fit(X_bool, y_ok)
        from_float = small(Estimator, max_iter=5).fit(X_bool.astype(float), y_ok)
    assert from_bool.input_weights_.dtype == np.float64
    np.testing.assert_array_equal(from_bool.input_weights_, from_float.input_weights_)
    np.testing.assert_array_equal(
        from_bool.predict(X_bool), from_float.predict(X_bool.astype(float))
    )


@pytest.mark.parametrize("dtype", [object, np.int64, np.int8, np.uint8])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_numbers_of_other_dtypes_are_converted(Estimator, dtype):
    """Object arrays of numbers and integer arrays work as their float64 copy."""
    X_other = np.round(3 * X).clip(0, None).astype(dtype)
    y_ok = targets_for(Estimator, len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        converted = small(Estimator, max_iter=5).fit(X_other, y_ok)
        floats = small(Estimator, max_iter=5).fit(X_other.astype(np.float64), y_ok)
    np.testing.assert_array_equal(converted.input_weights_, floats.input_weights_)
    np.testing.assert_array_equal(
        converted.predict(X_other), floats.predict(X_other.astype(np.float64))
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_dataframe_with_a_string_column(Estimator):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": ["x", "y", "x", "y"]})
    with pytest.raises(ValueError, match="X contains strings"):
        small(Estimator).fit(frame, targets_for(Estimator, 4))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_no_y(Estimator):
    with pytest.raises(ValueError, match="requires y to be passed"):
        small(Estimator).fit(X, None)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_y_of_other_length(Estimator):
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[10, 7"):
        small(Estimator).fit(X, targets_for(Estimator, 7))


BAD_REGRESSION_TARGETS = {
    "y of 3 dimensions": (np.ones((10, 4, 1)), "Use output='sequence'"),
    "NaN in y": (np.where(y > 1, np.nan, y), "Input y contains NaN"),
    "inf in y": (np.where(y > 1, np.inf, y), "Input y contains infinity"),
    "y with no outputs": (np.ones((10, 0)), "0 feature"),
    "string y": (
        np.array(["a", "b"] * 5),
        "y contains strings.*for class labels use BPTTAttractorClassifier",
    ),
    "object y holding a string": (
        with_value(y, 3, "a"),
        r"y contains strings \('a' at index \(3,\)\)",
    ),
    "pandas Series of strings": (
        pd.Series(["a", "b"] * 5, dtype=object),
        r"y contains strings \('a' at index \(0,\)\)",
    ),
    "object y holding None": (
        with_value(y, 4, None),
        r"y contains a missing value \(None\) at index \(4,\).*NaN marks a step",
    ),
}


@pytest.mark.parametrize("case", list(BAD_REGRESSION_TARGETS))
def test_bad_regression_targets(case):
    y_bad, message = BAD_REGRESSION_TARGETS[case]
    with pytest.raises(ValueError, match=message):
        small(BPTTRegressor).fit(X, y_bad)


BAD_CLASS_LABELS = {
    "NaN label": (
        np.where(np.arange(10) == 2, np.nan, labels),
        r"missing or non-finite label \(nan\) at sample 2",
    ),
    "inf label": (
        np.where(np.arange(10) == 5, -np.inf, labels),
        r"non-finite label \(-inf\) at sample 5",
    ),
    "None label": (
        with_value(np.array(["a", "b"] * 5, dtype=object), 3, None),
        r"missing or non-finite label \(None\) at sample 3",
    ),
    "NaN among string labels": (
        with_value(np.array(["a", "b"] * 5, dtype=object), 6, np.nan),
        r"missing or non-finite label \(nan\) at sample 6",
    ),
    "pd.NA label": (
        pd.array(["a", "b"] * 4 + [pd.NA, "a"], dtype="object"),
        r"missing or non-finite label \(<NA>\) at sample 8",
    ),
    "two label columns": (np.ones((10, 2)), r"1d array, got an array of shape"),
    "continuous labels": (y, "Unknown label type"),
    "one class": (np.zeros(10), "at least 2 classes"),
    "one weighted class": (labels, "at least 2 classes"),
}


@pytest.mark.parametrize("case", list(BAD_CLASS_LABELS))
def test_bad_class_labels(case):
    y_bad, message = BAD_CLASS_LABELS[case]
    # In the last case only class 0 has a positive weight.
    sample_weight = (
        (labels == 0).astype(float) if case == "one weighted class" else None
    )
    with pytest.raises(ValueError, match=message):
        small(BPTTAttractorClassifier).fit(X, y_bad, sample_weight=sample_weight)


@pytest.mark.parametrize(
    "y_bad, message",
    [
        (np.ones(10), r"got shape \(10,\)"),
        (np.ones((10, 3)), r"same n_timesteps as X \(4\); got shape \(10, 3\)"),
        (np.ones((10, 5, 2)), r"same n_timesteps as X \(4\); got shape \(10, 5, 2\)"),
        (np.ones((10, 4, 1, 1)), r"got shape \(10, 4, 1, 1\)"),
        (np.ones((7, 4)), r"inconsistent numbers of samples: \[10, 7\]"),
        (np.where(rng.normal(size=(10, 4)) > 1, np.inf, 0), "y contains infinity"),
        ([[1.0, 2.0, 3.0, 4.0]] * 9 + [[1.0, 2.0]], "to_padded_array"),
    ],
)
def test_sequence_targets_must_match_the_steps(y_bad, message):
    with pytest.raises(ValueError, match=message):
        small(BPTTRegressor, output="sequence").fit(X, y_bad)


def test_sequence_targets_at_padding_are_an_error():
    X_padded = with_nan(X, (1, slice(2, None)))
    Y = np.ones((10, 4))
    with pytest.raises(
        ValueError, match="target at sample 1, step 2, where X is padding"
    ):
        small(BPTTRegressor, output="sequence").fit(X_padded, Y)


def test_scoring_a_target_at_padding_is_an_error():
    X_padded = with_nan(X, (1, slice(2, None)))
    Y = np.ones((10, 4))
    Y[1, 2:] = np.nan
    model = small(BPTTRegressor, output="sequence").fit(X_padded, Y)
    Y[1, 3] = 1.0
    with pytest.raises(
        ValueError, match="target at sample 1, step 3, where X is padding"
    ):
        model.score(X_padded, Y)


def test_all_targets_missing():
    with pytest.raises(ValueError, match="y has no target: every entry is NaN"):
        small(BPTTRegressor, output="sequence").fit(X, np.full((10, 4), np.nan))


def test_an_output_without_any_target_is_an_error():
    """Decision: an output unit with no target at any step is an error.

    Its output weights would get no gradient but the penalty's, so its
    predictions would mean nothing; the user most likely misaligned y.
    """
    Y = rng.normal(size=(10, 4, 3))
    Y[:, :, 1] = np.nan
    with pytest.raises(ValueError, match=r"no target for output 1: y\[:, :, 1\]"):
        small(BPTTRegressor, output="sequence").fit(X, Y)


def test_an_output_targeted_only_in_weightless_samples_is_an_error():
    Y = rng.normal(size=(10, 4, 2))
    Y[2:, :, 0] = np.nan
    sample_weight = np.r_[0.0, 0.0, np.ones(8)]
    with pytest.raises(ValueError, match="no target for output 0"):
        small(BPTTRegressor, output="sequence").fit(X, Y, sample_weight=sample_weight)


def test_an_output_with_one_target_is_fine():
    """The check is about outputs with *no* target; sparse targets are valid."""
    Y = np.full((10, 4, 2), np.nan)
    Y[:, :, 0] = rng.normal(size=(10, 4))
    Y[3, 2, 1] = 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = small(BPTTRegressor, output="sequence").fit(X, Y)
    assert model.predict(X).shape == (10, 4, 2)


@pytest.mark.parametrize(
    "sample_weight, message",
    [
        (-np.ones(10), "Negative values in data passed to `sample_weight`"),
        (np.r_[1.0, -1e-9, np.ones(8)], "Negative values in data passed"),
        (np.r_[np.nan, np.ones(9)], "Input sample_weight contains NaN"),
        (np.r_[np.inf, np.ones(9)], "Input sample_weight contains infinity"),
        (np.ones(7), r"sample_weight.shape == \(7,\), expected \(10,\)"),
        (np.ones((10, 1)), "Sample weights must be 1D array or scalar"),
        (np.zeros(10), "at least one non-zero number"),
    ],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_sample_weight(Estimator, sample_weight, message):
    with pytest.raises(ValueError, match=message):
        small(Estimator).fit(X, targets_for(Estimator, 10), sample_weight=sample_weight)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_target_window_longer_than_the_sequence(Estimator):
    estimator = small(Estimator, n_settle_steps=0, n_target_steps=5)
    with pytest.raises(ValueError, match="n_target_steps=5 is larger than the 4 steps"):
        estimator.fit(X, targets_for(Estimator, 10))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_target_window_longer_than_the_shortest_padded_sequence(Estimator):
    X_padded = with_nan(X, (6, slice(1, None)))  # sample 6 has 1 real step
    estimator = small(Estimator, n_settle_steps=1, n_target_steps=3)
    with pytest.raises(
        ValueError,
        match=r"n_target_steps=3 is larger than the 2 steps available to the "
        r"shortest sequence \(1 input steps \+ n_settle_steps=1\)",
    ):
        estimator.fit(X_padded, targets_for(Estimator, 10))


def test_sequence_output_takes_no_settle_steps():
    with pytest.raises(ValueError, match="n_settle_steps=0 and n_target_steps=1"):
        small(BPTTRegressor, output="sequence", n_settle_steps=2).fit(
            X, np.ones((10, 4))
        )


@pytest.mark.parametrize("penalty", ["fixed_point_penalty", "contraction_penalty"])
def test_sequence_output_takes_no_end_state_penalties(penalty):
    with pytest.raises(ValueError, match=f"output='sequence' takes {penalty}=0"):
        small(BPTTRegressor, output="sequence", **{penalty: 0.5}).fit(
            X, np.ones((10, 4))
        )


@pytest.mark.parametrize(
    "mask, message",
    [
        (np.ones((3, 3)), r"shape \(n_hidden, n_hidden\) = \(2, 2\); got \(3, 3\)"),
        (np.ones((2, 2, 1)), r"= \(2, 2\); got \(2, 2, 1\)"),
        (np.ones(4), r"= \(2, 2\); got \(4,\)"),
        (np.ones((0, 0)), r"= \(2, 2\); got \(0, 0\)"),
        (np.full((2, 2), 0.5), "only 0 and 1"),
        (np.array([[1, 2], [0, 1]]), "only 0 and 1"),
        (np.array([[1, -1], [0, 1]]), "only 0 and 1"),
        (np.array([[1, np.nan], [0, 1]]), "only 0 and 1"),
        (np.array([[1, np.inf], [0, 1]]), "only 0 and 1"),
        (np.array([["1", "0"], ["0", "1"]]), "recurrent_mask contains strings"),
        (sp.eye(2, format="csr"), "'recurrent_mask' parameter"),
        ("diagonal", "'recurrent_mask' parameter"),
    ],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_bad_recurrent_mask(Estimator, mask, message):
    with pytest.raises((ValueError, TypeError), match=message):
        small(Estimator, recurrent_mask=mask).fit(X, targets_for(Estimator, 10))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_boolean_recurrent_mask_is_a_zero_one_mask(Estimator):
    mask = np.array([[True, False], [True, True]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = small(Estimator, recurrent_mask=mask).fit(X, targets_for(Estimator, 10))
    assert model.recurrent_weights_[0, 1] == 0
    assert np.all(model.recurrent_weights_[mask] != 0)


INVALID_HYPERPARAMETERS = [
    ("n_hidden", 0),
    ("n_hidden", 1.5),
    ("n_hidden", "4"),
    ("activation", "softplus"),
    ("n_settle_steps", -1),
    ("n_target_steps", 0),
    ("learn_initial_state", "yes"),
    ("recurrent_mask", 3),
    ("alpha", -1.0),
    ("alpha", np.nan),
    ("alpha", "automatic"),
    ("max_iter", 0),
    ("max_fun", 0),
    ("tol", -1e-3),
    ("n_init", 0),
    ("init_max_iter", 0),
    ("init_max_iter", 1.5),
    ("init_max_samples", 0),
    ("init_max_samples", 0.5),
    ("n_jobs", 1.5),
    ("random_state", "seed"),
    ("verbose", -1),
    ("warm_start", "no"),
]


@pytest.mark.parametrize("name, value", INVALID_HYPERPARAMETERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_invalid_hyperparameters(Estimator, name, value):
    message = f"The '{name}' parameter of {Estimator.__name__} must be"
    with pytest.raises(InvalidParameterError, match=message):
        Estimator(**{name: value}).fit(X, targets_for(Estimator, 10))


def test_invalid_output():
    with pytest.raises(
        InvalidParameterError, match="The 'output' parameter of BPTTRegressor must be"
    ):
        BPTTRegressor(output="all").fit(X, y)


# Property-based tests: random shapes, dtypes, containers and NaN patterns
# at fit and predict. Each example carries at most one known defect, so the
# outcome is determined: a clear error naming it, or a working model.

DEFECT_MESSAGES = {
    None: None,
    "inf": "Input X contains infinity",
    "gap": r"X contains NaN at sample \d+, step \d+, before the end",
    "partial": r"X contains NaN in some but not all features of sample \d+",
    "all padding": r"Sample \d+ of X is entirely NaN",
    # NaN in 2D X, which has no steps to pad: what "partial" and "all
    # padding" become when the example is one step per sample.
    "2D NaN": r"X contains NaN at sample \d+, feature \d+\. 2D X is one step",
}

TINY = {"n_hidden": 2, "max_iter": 3, "random_state": 0}


@st.composite
def sequences(draw, feature_counts=(1, 2, 3)):
    """X with random shape, dtype, container, valid padding and at most one defect.

    Returns ``(X, T, lengths, defect, is_float32)``: ``T`` is the number of
    steps (1 for 2D X), ``lengths`` the real steps of every sequence (when
    there is no defect) and ``defect`` a key of ``DEFECT_MESSAGES``.
    """
    # Half the examples are clean, the other half carry one defect.
    drawn_defects = [d for d in DEFECT_MESSAGES if d not in (None, "2D NaN")]
    defect = draw(st.sampled_from([None] * 4 + drawn_defects))
    partial = defect == "partial"
    n = draw(st.integers(1, 5))
    # A gap needs a real step after the NaN one; a partial step two features.
    T = draw(st.integers(2 if defect == "gap" else 1, 4))
    d = draw(st.sampled_from([d for d in feature_counts if d >= 2 or not partial]))
    # NaN and infinity need a float dtype; integers and booleans only come clean.
    dtypes = ["float64", "float32"] + (["int64", "int32", "bool"] * (not defect))
    dtype = draw(st.sampled_from(dtypes))
    if dtype.startswith("float"):
        elements = st.floats(-3, 3, width=int(dtype[-2:]))
    elif dtype == "bool":
        elements = st.booleans()
    else:
        elements = st.integers(-3, 3)
    values = draw(hnp.arrays(dtype, (n, T, d), elements=elements))
    lengths = np.full(n, T)
    if dtype.startswith("float"):
        lengths = np.array(draw(st.lists(st.integers(1, T), min_size=n, max_size=n)))
        if defect == "gap":
            lengths[draw(st.integers(0, n - 1))] = draw(st.integers(2, T))
        values[np.arange(T)[None, :] >= lengths[:, None]] = np.nan
    shortest = 2 if defect == "gap" else 1
    i = draw(st.sampled_from(np.flatnonzero(lengths >= shortest)))
    t = draw(st.integers(0, lengths[i] - shortest))
    if defect == "inf":
        values[i, t, draw(st.integers(0, d - 1))] = draw(
            st.sampled_from([np.inf, -np.inf])
        )
    elif defect == "gap":
        values[i, t] = np.nan  # a NaN step followed by a real one
    elif defect == "partial":
        values[i, t, draw(st.integers(0, d - 2))] = np.nan
    elif defect == "all padding":
        values[i] = np.nan
    if T == 1 and draw(st.booleans()):
        values = values[:, 0]  # 2D: one step per sample
        if defect in ("partial", "all padding"):
            defect = "2D NaN"
    container = draw(st.sampled_from(["array", "list", "object"]))
    is_float32 = dtype == "float32" and container == "array"
    if container == "list":
        values = values.tolist()
    elif container == "object":
        values = values.astype(object)
    return values, T, lengths, defect, is_float32


def check_predictions(model, X_in, T, lengths, is_float32):
    """Predictions of the right shape, dtype and finiteness, NaN only at padding."""
    n = len(X_in)
    expected_dtype = np.float32 if is_float32 else np.float64
    if isinstance(model, BPTTAttractorClassifier):
        proba = model.predict_proba(X_in)
        assert proba.shape == (n, len(model.classes_))
        assert proba.dtype == expected_dtype
        assert np.isfinite(proba).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
        assert np.isin(model.predict(X_in), model.classes_).all()
        return
    y_pred = model.predict(X_in)
    assert y_pred.dtype == expected_dtype
    if model.output == "last":
        assert y_pred.shape == (n,)
        assert np.isfinite(y_pred).all()
    else:
        assert y_pred.shape == (n, T)
        padded = np.arange(T)[None, :] >= lengths[:, None]
        np.testing.assert_array_equal(np.isnan(y_pred), padded)


def make_estimator_and_targets(kind, n, T, lengths):
    """A tiny estimator of ``kind`` and valid targets for ``n`` sequences."""
    if kind == "classifier":
        return BPTTAttractorClassifier(**TINY, n_settle_steps=2, n_target_steps=2), (
            np.arange(n) % 2
        )
    if kind == "sequence":
        Y = np.linspace(-1, 1, n * T).reshape(n, T)
        Y[np.arange(T)[None, :] >= lengths[:, None]] = np.nan
        return BPTTRegressor(**TINY, output="sequence"), Y
    return BPTTRegressor(**TINY), np.linspace(-1, 1, n)


ESTIMATOR_KINDS = st.sampled_from(["last", "sequence", "classifier"])
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, derandomize=True, database=None
)


@PROPERTY_SETTINGS
@given(kind=ESTIMATOR_KINDS, data=sequences())
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_on_random_input_fits_or_names_the_defect(kind, data):
    """Fit either gives a working model or a ValueError naming the defect.

    Never numpy's own error from inside the engine, and never a model whose
    predictions are NaN (except at the padded steps of ``output="sequence"``).
    """
    X_in, T, lengths, defect, is_float32 = data
    event(f"{kind}, defect: {defect}")
    estimator, y_in = make_estimator_and_targets(kind, len(X_in), T, lengths)
    message = DEFECT_MESSAGES[defect]
    if message is None and kind == "classifier" and len(X_in) == 1:
        message = "needs at least 2 classes"  # X is checked first, then y
    if message is not None:
        with pytest.raises(ValueError, match=message):
            estimator.fit(X_in, y_in)
        return
    model = estimator.fit(X_in, y_in)
    assert model.input_weights_.dtype == (np.float32 if is_float32 else np.float64)
    check_predictions(model, X_in, T, lengths, is_float32)


@cache
def model_of_kind(kind):
    """A model of each kind fitted on 2 features and 3 steps."""
    data = np.random.RandomState(1).normal(size=(6, 3, 2))
    lengths = np.array([3, 3, 2, 1, 3, 2])
    data[np.arange(3)[None, :] >= lengths[:, None]] = np.nan
    estimator, y_in = make_estimator_and_targets(kind, 6, 3, lengths)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(data, y_in)


@PROPERTY_SETTINGS
@given(kind=ESTIMATOR_KINDS, data=sequences((1, 2, 2, 2, 3)))
def test_predict_on_random_input_predicts_or_names_the_defect(kind, data):
    """Any length, dtype and container predicts; a defect or feature mismatch is named.

    The check order is part of the contract: infinity is found while
    converting, then the feature count, then NaN that is not padding.
    """
    X_in, T, lengths, defect, is_float32 = data
    model = model_of_kind(kind)
    n_features = np.asarray(X_in, dtype=float).shape[-1]
    if defect == "inf":
        message = DEFECT_MESSAGES["inf"]
    elif n_features != 2:
        message = re.escape(
            f"X has {n_features} features, but {type(model).__name__} is "
            "expecting 2 features as input."
        )
    else:
        message = DEFECT_MESSAGES[defect]
    event(f"{kind}, error: {message and message[:30]}")
    if message is not None:
        with pytest.raises(ValueError, match=message):
            model.predict(X_in)
        return
    check_predictions(model, X_in, T, lengths, is_float32)
