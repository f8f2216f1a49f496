"""Invariants of fitting, stated once and searched for counter-examples.

- Padding: extra all-NaN steps at the end of the array give the identical
  model, bit for bit (no step past the longest real sequence is computed).
- Zero weights: adding samples of weight zero, of any length, changes nothing.
- Atomicity: a fit that raises leaves a fitted estimator exactly as it was.
- warm_start: the new fit honours the current ``recurrent_mask`` and
  ``learn_initial_state``.
- Predictions depend only on the fitted state and ``n_settle_steps``.

``PROPERTY_EXAMPLES`` sets how many examples each test draws; raise it with
the environment variable ``BPTT_PROPERTY_EXAMPLES`` for a longer search.
"""

import os
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt._base import PARAMETER_NAMES

PROPERTY_EXAMPLES = int(os.environ.get("BPTT_PROPERTY_EXAMPLES", 60))
PROPERTY_SETTINGS = settings(
    max_examples=PROPERTY_EXAMPLES, deadline=None, derandomize=True, database=None
)
FITTED_ARRAYS = tuple(name + "_" for name in PARAMETER_NAMES)
KINDS = ("last", "sequence", "classifier")


@st.composite
def problems(draw):
    """A small padded data set, targets for one estimator kind, and the estimator."""
    kind = draw(st.sampled_from(KINDS))
    n = draw(st.integers(3, 8))
    T = draw(st.integers(1, 5))
    d = draw(st.integers(1, 2))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    lengths = rng.randint(1, T + 1, size=n)
    X = rng.normal(size=(n, T, d)).astype(dtype)
    padded = np.arange(T)[None, :] >= lengths[:, None]
    X[padded] = np.nan
    settle = draw(st.integers(0, 2)) if kind != "sequence" else 0
    window = draw(st.integers(1, int(lengths.min()) + settle))
    if kind == "sequence":
        y = np.where(padded, np.nan, rng.normal(size=(n, T)))
        y[:, 0] = rng.normal(size=n)  # every sample has a target
    elif kind == "classifier":
        y = np.arange(n) % 2
    else:
        y = rng.normal(size=n)
    params = {
        "n_hidden": draw(st.integers(1, 3)),
        "max_iter": draw(st.integers(1, 4)),
        "activation": draw(st.sampled_from(["tanh", "logistic", "relu"])),
        "random_state": seed,
    }
    if kind != "sequence":
        params.update(n_settle_steps=settle, n_target_steps=window)
    if kind == "classifier":
        estimator = BPTTAttractorClassifier(**params)
    else:
        estimator = BPTTRegressor(output=kind, **params)
    return estimator, X, y


def fit(estimator, X, y, **kwargs):
    """Fit ``estimator`` itself (not a clone) and return it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **kwargs)


def assert_identical_models(model, reference):
    assert model is not reference
    for name in FITTED_ARRAYS:
        np.testing.assert_array_equal(getattr(model, name), getattr(reference, name))
    assert model.loss_curve_ == reference.loss_curve_
    np.testing.assert_array_equal(model.time_constant_, reference.time_constant_)


def pad_steps(array, extra):
    """``array`` with ``extra`` all-NaN steps appended along axis 1."""
    shape = list(array.shape)
    shape[1] = extra
    return np.concatenate([array, np.full(shape, np.nan, array.dtype)], axis=1)


@PROPERTY_SETTINGS
@given(problem=problems(), extra=st.integers(1, 6))
def test_extra_padding_steps_give_the_identical_model(problem, extra):
    estimator, X, y = problem
    reference = fit(clone(estimator), X, y)
    reference_predictions = reference.predict(X)
    y_padded = pad_steps(y, extra) if y.ndim == 2 else y
    model = fit(clone(estimator), pad_steps(X, extra), y_padded)
    assert_identical_models(model, reference)
    predicted = model.predict(pad_steps(X, extra))
    if y.ndim == 2:
        assert np.isnan(predicted[:, -extra:]).all()
        predicted = predicted[:, :-extra]
    np.testing.assert_array_equal(predicted, reference_predictions)


@PROPERTY_SETTINGS
@given(
    problem=problems(),
    n_extra=st.integers(1, 3),
    extra_length=st.integers(1, 9),
    where=st.integers(0, 8),
)
def test_zero_weight_samples_of_any_length_change_nothing(
    problem, n_extra, extra_length, where
):
    estimator, X, y = problem
    weights = np.random.RandomState(where).uniform(0.5, 2, len(X))
    reference = fit(clone(estimator), X, y, sample_weight=weights)
    # Extra samples, longer or shorter than the others, in the middle.
    T = max(X.shape[1], extra_length)
    X_wide, y_wide = pad_steps(X, T - X.shape[1]), y
    extra = np.full((n_extra, T, X.shape[2]), np.nan, X.dtype)
    extra[:, :extra_length] = 1e3
    if y.ndim == 2:
        y_wide = pad_steps(y, T - y.shape[1])
        y_extra = np.where(np.isnan(extra[:, :, 0]), np.nan, 7.0)
    else:
        y_extra = np.resize(y, n_extra)
    at = where % (len(X) + 1)
    X_more = np.concatenate([X_wide[:at], extra, X_wide[at:]])
    y_more = np.concatenate([y_wide[:at], y_extra, y_wide[at:]])
    weights_more = np.concatenate([weights[:at], np.zeros(n_extra), weights[at:]])
    model = fit(clone(estimator), X_more, y_more, sample_weight=weights_more)
    assert_identical_models(model, reference)


def other_data(X, y):
    """Longer sequences and new targets (new classes for a classifier).

    A fit on them that got past validation would change ``time_constant_``
    and ``classes_`` before it failed.
    """
    X_long = np.concatenate([np.nan_to_num(X, nan=0.5)] * 10, axis=1)
    if y.ndim == 2:
        return X_long, np.ones(X_long.shape[:2])
    return X_long, y + 10


def no_memory(*args, **kwargs):
    raise MemoryError("no room for the stacks")


BAD_FITS = {
    "target window too long": lambda X, y: ({"n_target_steps": 50}, X, y),
    "a sample of padding only": lambda X, y: ({}, np.where(True, X, X) * np.nan, y),
    "too few targets": lambda X, y: ({}, X, y[:-1]),
    "n_jobs=0": lambda X, y: ({"n_jobs": 0, "n_init": 2}, X, y),
    "negative alpha": lambda X, y: ({"alpha": -1.0}, X, y),
    "other feature count, warm": lambda X, y: (
        {"warm_start": True},
        np.concatenate([X, X], axis=2),
        y,
    ),
    "out of memory while fitting": lambda X, y: ({}, *other_data(X, y)),
}


@pytest.mark.parametrize("bad", sorted(BAD_FITS))
@settings(PROPERTY_SETTINGS, max_examples=max(1, PROPERTY_EXAMPLES // 3))
@given(problem=problems())
def test_a_fit_that_raises_leaves_the_fitted_estimator_as_it_was(problem, bad):
    estimator, X, y = problem
    model = fit(estimator, X, y)
    params = model.get_params(deep=False)
    before = {k: v for k, v in vars(model).items() if k not in params}
    predicted = model.predict(X)
    new_params, X_bad, y_bad = BAD_FITS[bad](X, y)
    model.set_params(**new_params)
    # The optimiser runs only after every check has passed.
    with mock.patch("sklearn_bptt._base.minimise", no_memory):
        with pytest.raises((ValueError, MemoryError)):
            fit(model, X_bad, y_bad)
    after = {k: v for k, v in vars(model).items() if k not in params}
    assert after.keys() == before.keys()
    for name, value in before.items():
        assert after[name] is value  # the very same objects, untouched
    model.set_params(**params)
    np.testing.assert_array_equal(model.predict(X), predicted)


@PROPERTY_SETTINGS
@given(
    problem=problems(),
    mask_seed=st.integers(0, 1000),
    learn_initial_state=st.booleans(),
)
def test_warm_start_honours_the_current_constraints(
    problem, mask_seed, learn_initial_state
):
    estimator, X, y = problem
    model = fit(estimator, X, y)
    n_hidden = model.n_hidden
    mask = np.random.RandomState(mask_seed).randint(0, 2, (n_hidden, n_hidden))
    model.set_params(
        warm_start=True, recurrent_mask=mask, learn_initial_state=learn_initial_state
    )
    fit(model, X, y)
    np.testing.assert_array_equal(model.recurrent_weights_[mask == 0], 0)
    if not learn_initial_state:
        np.testing.assert_array_equal(model.initial_state_, 0)


CHANGEABLE = st.fixed_dictionaries(
    {},
    optional={
        "n_hidden": st.integers(1, 9),
        "activation": st.sampled_from(["tanh", "logistic", "relu", "identity"]),
        "time_constant": st.sampled_from(["auto", 1.0, 7.5]),
        "output": st.sampled_from(["last", "sequence"]),
        "n_target_steps": st.integers(1, 4),
        "learn_initial_state": st.booleans(),
        "recurrent_mask": st.just(np.zeros((2, 2))),
        "alpha": st.floats(0, 10),
        "mixed_precision": st.booleans(),
        "max_iter": st.integers(1, 99),
        "tol": st.floats(0, 1),
        "n_init": st.integers(1, 3),
        "random_state": st.integers(0, 9),
        "warm_start": st.booleans(),
    },
)


@PROPERTY_SETTINGS
@given(problem=problems(), changes=CHANGEABLE)
def test_predictions_depend_only_on_fitted_state_and_settle_steps(problem, changes):
    estimator, X, y = problem
    model = fit(estimator, X, y)
    if isinstance(model, BPTTAttractorClassifier):
        changes.pop("output", None)
    expected = [model.predict(X)]
    if hasattr(model, "predict_proba"):
        expected.append(model.predict_proba(X))
    model.set_params(**changes)
    got = [model.predict(X)]
    if hasattr(model, "predict_proba"):
        got.append(model.predict_proba(X))
    for got_array, expected_array in zip(got, expected, strict=True):
        np.testing.assert_array_equal(got_array, expected_array)
