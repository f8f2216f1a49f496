"""Persistence, reproducibility, thread safety and read-only or memory-mapped data."""

import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor, _engine
from sklearn_bptt._base import PARAMETER_NAMES

FITTED_ARRAYS = tuple(name + "_" for name in PARAMETER_NAMES)


def padded_data(dtype=np.float64, seed=0, n=24, T=5, d=2):
    """Sequences of 2 to T steps, NaN-padded, with per-step targets and labels."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, d)).astype(dtype)
    lengths = rng.randint(2, T + 1, size=n)
    padded = np.arange(T)[None, :] >= lengths[:, None]
    X[padded] = np.nan
    Y = np.where(padded, np.nan, np.nancumsum(X[:, :, 0], axis=1))
    labels = np.where(np.nansum(X[:, :, 0], axis=1) > 0, "up", "down")
    return X, Y, labels


def fit_quietly(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


# One case per kind of fitted state: float64 and float32 models, a
# per-step regressor, string, integer and object class labels, a mask.
CASES = {
    "regressor": lambda X, Y, labels: (BPTTRegressor(), X, Y[:, 1]),
    "two outputs": lambda X, Y, labels: (BPTTRegressor(), X, Y[:, :2]),
    "sequence output": lambda X, Y, labels: (BPTTRegressor(output="sequence"), X, Y),
    "string labels": lambda X, Y, labels: (BPTTAttractorClassifier(), X, labels),
    "integer labels": lambda X, Y, labels: (
        BPTTAttractorClassifier(recurrent_mask=np.tril(np.ones((3, 3)))),
        X,
        (labels == "up").astype(int),
    ),
    "object labels": lambda X, Y, labels: (
        BPTTAttractorClassifier(),
        X,
        labels.astype(object),
    ),
}


@cache
def fitted_case(case, dtype):
    X, Y, labels = padded_data(np.dtype(dtype))
    estimator, X_fit, y_fit = CASES[case](X, Y, labels)
    estimator.set_params(n_hidden=3, max_iter=5, random_state=0)
    return fit_quietly(estimator, X_fit, y_fit), X_fit


def predictions(model, X):
    """Everything the model predicts for X."""
    if isinstance(model, BPTTAttractorClassifier):
        return [model.predict(X), model.predict_proba(X)]
    return [model.predict(X)]


def assert_same_model(restored, model, X):
    """Same type, same fitted arrays with the same dtypes, same predictions."""
    assert type(restored) is type(model)
    assert restored.get_params().keys() == model.get_params().keys()
    for name in FITTED_ARRAYS:
        assert getattr(restored, name).dtype == getattr(model, name).dtype
        np.testing.assert_array_equal(getattr(restored, name), getattr(model, name))
    assert restored.loss_curve_ == model.loss_curve_
    if hasattr(model, "classes_"):
        assert restored.classes_.dtype == model.classes_.dtype
        np.testing.assert_array_equal(restored.classes_, model.classes_)
    for got, expected in zip(
        predictions(restored, X), predictions(model, X), strict=True
    ):
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


def round_trip(model, how, tmp_path):
    """Save and load ``model`` the way ``how`` says."""
    if how == "pickle":
        return pickle.loads(pickle.dumps(model))
    if how == "joblib":
        joblib.dump(model, tmp_path / "model.joblib")
        return joblib.load(tmp_path / "model.joblib")
    path = tmp_path / "model.skops"
    skops.io.dump(model, path)
    # Our estimator's own class is the only type skops cannot know is safe;
    # everything in its fitted state must be a type skops trusts already.
    own_class = f"{type(model).__module__}.{type(model).__qualname__}"
    assert skops.io.get_untrusted_types(file=path) == [own_class]
    return skops.io.load(path, trusted=[own_class])


@pytest.mark.parametrize("how", ["pickle", "joblib", "skops"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_fitted_model_survives_saving_and_loading(case, dtype, how, tmp_path):
    model, X = fitted_case(case, dtype)
    restored = round_trip(model, how, tmp_path)
    assert_same_model(restored, model, X)
    if dtype == "float32":
        assert restored.input_weights_.dtype == np.float32
        assert predictions(restored, X)[-1].dtype == np.float32


@pytest.mark.parametrize("case", list(CASES))
def test_fitted_state_holds_only_types_skops_trusts(case):
    """Only plain numpy arrays and built-in types in the fitted state.

    ``get_untrusted_types`` of the whole estimator must list the class itself
    (skops trusts no third-party class by default), so the state is checked
    on its own, attribute by attribute, so that a failure names the culprit.
    """
    model, _ = fitted_case(case, "float32")
    state = model.__getstate__()
    untrusted = {
        name: skops.io.get_untrusted_types(data=skops.io.dumps({name: value}))
        for name, value in state.items()
    }
    assert {name: types for name, types in untrusted.items() if types} == {}
    assert skops.io.get_untrusted_types(data=skops.io.dumps(state)) == []


def test_fitted_on_a_dataframe_survives_skops(tmp_path):
    X, Y, _ = padded_data(n=30)
    frame = pd.DataFrame(X[:, 0], columns=["price", "volume"])
    model = fit_quietly(BPTTRegressor(n_hidden=3, max_iter=5), frame, Y[:, 0])
    restored = round_trip(model, "skops", tmp_path)
    np.testing.assert_array_equal(restored.feature_names_in_, ["price", "volume"])
    np.testing.assert_array_equal(restored.predict(frame), model.predict(frame))


@pytest.mark.parametrize("case", ["regressor", "sequence output", "string labels"])
def test_same_random_state_gives_the_same_model(case):
    X, Y, labels = padded_data()
    models = []
    for _ in range(3):
        estimator, X_fit, y_fit = CASES[case](X, Y, labels)
        estimator.set_params(n_hidden=3, max_iter=15, n_init=2, random_state=7)
        models.append(fit_quietly(estimator, X_fit, y_fit))
    for model in models[1:]:
        assert_same_model(model, models[0], X)
        assert model.loss_ == models[0].loss_
        assert model.n_iter_ == models[0].n_iter_


@pytest.mark.parametrize("n_init", [1, 2])
@pytest.mark.parametrize("Estimator", [BPTTRegressor, BPTTAttractorClassifier])
def test_n_jobs_gives_bit_identical_models(Estimator, n_init, monkeypatch):
    """n_jobs=1 and n_jobs=2 give the same bits.

    With ``n_init=2`` the two starts run in two processes; with ``n_init=1``
    the chunks of samples run on two threads (the chunks are made small so
    that there are several).
    """
    monkeypatch.setattr(_engine, "CHUNK_BYTES", 5_000)
    X, Y, labels = padded_data(n=60)
    y_fit = Y[:, 1] if Estimator is BPTTRegressor else labels
    models = [
        fit_quietly(
            Estimator(
                n_hidden=3, max_iter=10, n_init=n_init, n_jobs=n_jobs, random_state=3
            ),
            X,
            y_fit,
        )
        for n_jobs in (1, 2)
    ]
    assert len(models[0]._chunks(np.full(60, 5), X.dtype)) > 3
    assert_same_model(models[1], models[0], X)
    assert models[1].loss_ == models[0].loss_


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", ["sequence output", "string labels"])
def test_predict_from_several_threads_at_once(case, dtype):
    model, X = fitted_case(case, dtype)
    # Sequences of every length and sample counts that change the chunking.
    batches = [X[: 1 + i % len(X)] for i in range(12)]
    serial = [predictions(model, batch) for batch in batches]

    def predict_all(_):
        return [predictions(model, batch) for _ in range(10) for batch in batches]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(predict_all, range(4)))
    for result in results:
        for got, expected in zip(result, serial * 10, strict=True):
            for got_array, expected_array in zip(got, expected, strict=True):
                np.testing.assert_array_equal(got_array, expected_array)


def read_only(array):
    array = array.copy()
    array.setflags(write=False)
    return array


def memory_mapped(array, tmp_path, how):
    """``array`` as a read-only memory map, made by ``how``."""
    if how == "np.memmap":
        path = tmp_path / f"{id(array)}.dat"
        writer = np.memmap(path, dtype=array.dtype, mode="w+", shape=array.shape)
        writer[:] = array
        writer.flush()
        del writer
        return np.memmap(path, dtype=array.dtype, mode="r", shape=array.shape)
    path = tmp_path / f"{id(array)}.joblib"
    joblib.dump(array, path)
    return joblib.load(path, mmap_mode="r")


@pytest.mark.parametrize("source", ["read-only", "np.memmap", "joblib mmap"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", ["regressor", "sequence output", "string labels"])
def test_read_only_and_memory_mapped_data(case, dtype, source, tmp_path):
    """Fit and predict on read-only arrays give the model of writable ones."""
    X, Y, labels = padded_data(np.dtype(dtype))
    estimator, X_fit, y_fit = CASES[case](X, Y, labels)
    sample_weight = np.linspace(0.5, 2, len(X))

    def frozen(array):
        if source == "read-only":
            return read_only(array)
        return memory_mapped(array, tmp_path, source)

    X_frozen, y_frozen, weight_frozen = (
        frozen(X_fit),
        read_only(y_fit) if y_fit.dtype.kind == "U" else frozen(y_fit),
        frozen(sample_weight),
    )
    assert not X_frozen.flags.writeable
    params = {"n_hidden": 3, "max_iter": 5, "random_state": 0}
    model = fit_quietly(
        estimator.set_params(**params), X_frozen, y_frozen, sample_weight=weight_frozen
    )
    reference = fit_quietly(
        CASES[case](X, Y, labels)[0].set_params(**params),
        X_fit,
        y_fit,
        sample_weight=sample_weight,
    )
    assert_same_model(model, reference, X_frozen)
    # The caller's arrays are untouched (NaN padding included).
    np.testing.assert_array_equal(np.asarray(X_frozen), X_fit)
