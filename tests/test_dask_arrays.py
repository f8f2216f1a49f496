"""Fits and predictions on Dask arrays whose blocks stay on the workers.

A Dask ``X`` is read on the workers, never gathered into the test process
(the driver): L-BFGS runs here, and each evaluation of the objective sends
the parameters to the workers, which return the loss and gradient of the
chunks they hold. The tests run a two-process cluster on the loopback
interface and check that fits equal the NumPy fits of the same data bit for
bit, that predictions are Dask arrays of the same values, that the driver
never receives ``X``, and that a worker killed in the middle of a fit costs
time, not correctness.
"""

import os
import signal
import sys
import time

import numpy as np
import pytest

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor, _base, _dask, _engine
from sklearn_bptt._base import PARAMETER_NAMES

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

FITTED = tuple(name + "_" for name in PARAMETER_NAMES) + ("time_constant_",)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few samples, so that tiny data makes several partitions.

    The driver plans the chunks, so patching it here is enough.
    """
    monkeypatch.setattr(_engine, "CHUNK_BYTES", 4000)


def padded_sequences(n_samples=60, n_steps=8, seed=0):
    """Sequences of two features, NaN-padded, one of them repeated."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n_samples, n_steps, 2))
    lengths = rng.randint(3, n_steps + 1, size=n_samples)
    X[np.arange(n_steps)[None, :] >= lengths[:, None]] = np.nan
    X[10] = X[3]  # the same sample twice: merged into one by the fit
    return X


def assert_same_model(dask_model, numpy_model):
    for name in FITTED:
        np.testing.assert_array_equal(
            getattr(dask_model, name), getattr(numpy_model, name), err_msg=name
        )
    assert dask_model.loss_ == numpy_model.loss_
    assert dask_model.loss_curve_ == numpy_model.loss_curve_
    assert dask_model.n_iter_ == numpy_model.n_iter_
    assert dask_model.stop_reason_ == numpy_model.stop_reason_


def assert_same_predictions(dask_result, numpy_result, chunks):
    """A Dask array blocked like X, of the values NumPy input gives."""
    assert isinstance(dask_result, da.Array)
    assert dask_result.chunks[0] == chunks
    # Every sequence's prediction depends on it alone; BLAS could still sum
    # a step's products in another order for a block of fewer sequences.
    np.testing.assert_allclose(dask_result.compute(), numpy_result, rtol=1e-13)


def test_regressor_fit_equals_numpy(client, small_chunks):
    X = padded_sequences()
    y = np.nansum(X[:, :, 0], axis=1)
    y[10] = y[3]
    weights = np.random.RandomState(1).uniform(0.5, 2, len(X))
    weights[[0, 7]] = 0  # samples of zero weight: left out
    # Mixed precision (the default): a float32 and a float64 objective.
    model = BPTTRegressor(n_hidden=4, max_iter=6, random_state=0)
    numpy_fit = model.fit(X, y, sample_weight=weights)
    numpy_predictions = numpy_fit.predict(X)

    # The samples in another order, in blocks of unequal sizes: the fit
    # does not depend on either.
    order = np.random.RandomState(2).permutation(len(X))
    X_dask = da.from_array(X[order], chunks=(25, 20, 15))
    dask_fit = BPTTRegressor(**model.get_params()).fit(
        X_dask, y[order], sample_weight=weights[order]
    )

    assert_same_model(dask_fit, numpy_fit)
    assert_same_predictions(
        dask_fit.predict(X_dask), numpy_predictions[order], X_dask.chunks[0]
    )
    assert dask_fit.score(X_dask, y[order]) == pytest.approx(
        numpy_fit.score(X, y), rel=1e-12
    )


def test_trial_on_a_subsample_equals_numpy(client, small_chunks):
    # The trial's 20 sequences are drawn from the same groups of distinct
    # samples (the repeated one is one sample), so the fits are the same.
    X = padded_sequences(seed=5)
    y = np.nansum(X[:, :, 0], axis=1)
    params = {"n_hidden": 3, "n_init": 2, "init_max_iter": 3, "max_iter": 6}
    model = BPTTRegressor(init_max_samples=20, random_state=0, **params)
    numpy_fit = model.fit(X, y)
    on_all = BPTTRegressor(**{**model.get_params(), "init_max_samples": None})
    assert numpy_fit.loss_curve_[:3] != on_all.fit(X, y).loss_curve_[:3]
    dask_fit = BPTTRegressor(**model.get_params()).fit(
        da.from_array(X, chunks=(25, 20, 15)), y
    )
    assert_same_model(dask_fit, numpy_fit)
    assert dask_fit.loss_curve_ == numpy_fit.loss_curve_


def test_auto_alpha_from_few_targets_equals_numpy(client, small_chunks, monkeypatch):
    # 60 targets, 67 free parameters: alpha="auto" cross-validates on the
    # sequences computed in this process (they are few), then the fit at the
    # chosen alpha runs on the workers.
    folds_scored = []
    path_scores = _base.BaseBPTT._path_scores

    def counted(self, *args):
        folds_scored.append(args[-1])
        return path_scores(self, *args)

    monkeypatch.setattr(_base.BaseBPTT, "_path_scores", counted)
    X = padded_sequences(seed=4)
    y = np.nansum(X[:, :, 0], axis=1)
    model = BPTTRegressor(n_hidden=6, n_init=1, max_iter=20, random_state=0)
    numpy_fit = model.fit(X, y)
    dask_fit = BPTTRegressor(**model.get_params()).fit(da.from_array(X, 25), y)
    assert len(folds_scored) == 6  # three folds, twice
    assert dask_fit.alpha_ == numpy_fit.alpha_
    assert_same_model(dask_fit, numpy_fit)


def test_auto_alpha_counts_per_step_targets_on_the_workers(client, monkeypatch):
    # Many target entries: alpha="auto" is 1e-2, and the per-step targets
    # are counted where they are, never brought to this process (nor the
    # sequences: only a few steps of at most 1000, to check their scale).
    brought = []
    to_numpy = _dask.to_numpy

    def recorded(value):
        if _dask.is_dask_array(value) and value.ndim == 3:
            brought.append(value.shape)
        return to_numpy(value)

    monkeypatch.setattr(_dask, "to_numpy", recorded)
    X = padded_sequences()
    Y = np.where(np.isnan(X[:, :, :1]), np.nan, np.cumsum(np.nan_to_num(X), axis=1))
    model = BPTTRegressor(output="sequence", n_hidden=3, max_iter=5, random_state=0)
    fitted = model.fit(da.from_array(X, chunks=20), da.from_array(Y, chunks=20))
    assert fitted.alpha_ == 1e-2
    assert [shape[1] for shape in brought] == [_base.SATURATION_STEPS]


@pytest.mark.parametrize("frame_length", [1, 3])
def test_classifier_fit_equals_numpy(client, small_chunks, frame_length):
    X = padded_sequences(seed=3)
    labels = np.where(np.nansum(X[:, :, 0], axis=1) > 0, "up", "down")
    params = {
        "n_hidden": 3,
        "frame_length": frame_length,
        "n_settle_steps": 3,
        "n_target_steps": 2,
        "fixed_point_penalty": 0.5,
        "contraction_penalty": 0.2,
        "learn_time_constant": True,
        "recurrent_mask": np.tril(np.ones((3, 3))),
        "class_weight": "balanced",
        "max_iter": 4,
        "n_init": 2,
        "n_jobs": 2,  # with Dask input the starts run one after the other
        "random_state": 0,
    }
    numpy_fit = BPTTAttractorClassifier(**params).set_params(n_jobs=None)
    numpy_fit.fit(X, labels)

    X_dask = da.from_array(X, chunks=20)
    dask_fit = BPTTAttractorClassifier(**params).fit(
        X_dask, da.from_array(labels, chunks=20)
    )

    assert_same_model(dask_fit, numpy_fit)
    assert dask_fit.frame_length_ == frame_length
    np.testing.assert_array_equal(dask_fit.classes_, numpy_fit.classes_)
    for method in ("predict_proba", "predict_log_proba"):
        assert_same_predictions(
            getattr(dask_fit, method)(X_dask),
            getattr(numpy_fit, method)(X),
            X_dask.chunks[0],
        )
    predicted = dask_fit.predict(X_dask)
    assert isinstance(predicted, da.Array)
    np.testing.assert_array_equal(predicted.compute(), numpy_fit.predict(X))
    assert dask_fit.score(X_dask, labels) == numpy_fit.score(X, labels)


def test_the_frame_search_runs_in_the_driver_and_the_fit_equals_numpy(
    client, small_chunks, monkeypatch
):
    """frame_length="auto" with few labels: the whole sequence wins here."""
    X = padded_sequences(seed=4)
    labels = np.where(np.nansum(X[:, :, 0], axis=1) > 0, "up", "down")

    def the_whole_sequence_wins(self, X, y, lengths, frame_length, folds, budgets):
        for _ in budgets:
            yield (float(frame_length > 1), 0.0)

    monkeypatch.setattr(_base.BaseBPTT, "_frames_scores", the_whole_sequence_wins)
    params = {"n_hidden": 6, "max_iter": 4, "random_state": 0}
    numpy_fit = BPTTAttractorClassifier(**params).fit(X, labels)
    X_dask = da.from_array(X, chunks=20)
    dask_fit = BPTTAttractorClassifier(**params).fit(X_dask, labels)

    assert numpy_fit.frame_length_ == dask_fit.frame_length_ == 8
    assert_same_model(dask_fit, numpy_fit)
    assert_same_predictions(
        dask_fit.predict_proba(X_dask), numpy_fit.predict_proba(X), X_dask.chunks[0]
    )


def test_per_step_targets_fit_equals_numpy(client, small_chunks):
    X = padded_sequences(seed=4)
    Y = np.cumsum(np.nan_to_num(X[:, :, 0]), axis=1)
    Y[np.isnan(X[:, :, 0])] = np.nan  # no target past the end
    Y[:, ::3] = np.nan  # nor at every third step
    weights = np.random.RandomState(5).uniform(0.5, 2, len(X))
    model = BPTTRegressor(n_hidden=4, output="sequence", max_iter=5, random_state=0)
    numpy_fit = model.fit(X, Y, sample_weight=weights)

    # Targets blocked unlike X: they are rechunked to X's blocks.
    X_dask = da.from_array(X, chunks=30)
    Y_dask = da.from_array(Y, chunks=(20, 4))
    dask_fit = BPTTRegressor(**model.get_params()).fit(
        X_dask, Y_dask, sample_weight=weights
    )

    assert_same_model(dask_fit, numpy_fit)
    predictions = dask_fit.predict(X_dask)
    assert predictions.shape == Y.shape
    assert_same_predictions(predictions, numpy_fit.predict(X), X_dask.chunks[0])
    assert dask_fit.score(X_dask, Y_dask, sample_weight=weights) == pytest.approx(
        numpy_fit.score(X, Y, sample_weight=weights), rel=1e-12
    )
    # A target on padding is an error, as with NumPy arrays, not a NaN score.
    padded = np.argwhere(np.isnan(X[:, :, 0]))[-1]
    Y[tuple(padded)] = 1.0
    message = f"target at sample {padded[0]}, step {padded[1]}, where X is padding"
    with pytest.raises(ValueError, match=message):
        dask_fit.score(X_dask, da.from_array(Y, chunks=(20, 4)))
    # No target at all is an error too, as with NumPy arrays.
    with pytest.raises(ValueError, match="y has no target to score"):
        dask_fit.score(X_dask, da.full(Y.shape, np.nan, chunks=(20, 4)))


def capture_objectives(monkeypatch):
    """Keep the objectives that fits build, NumPy's and Dask's."""
    captured = {}

    def spy(build, key):
        def wrapper(*args, **kwargs):
            captured[key] = build(*args, **kwargs)[0]
            return captured[key], None

        return wrapper

    monkeypatch.setattr(_dask, "objectives", spy(_dask.objectives, "dask"))
    monkeypatch.setattr(
        _base.BaseBPTT, "_objectives", spy(_base.BaseBPTT._objectives, "numpy")
    )
    return captured


@pytest.mark.parametrize("task", ["attractor classifier", "per-step regressor"])
def test_dask_objective_gradient(client, small_chunks, monkeypatch, task):
    X = padded_sequences(n_samples=30, seed=6)
    if task == "attractor classifier":
        y = np.nansum(X[:, :, 1], axis=1) > 0
        model = BPTTAttractorClassifier(
            n_hidden=3,
            n_settle_steps=2,
            n_target_steps=2,
            fixed_point_penalty=0.3,
            contraction_penalty=0.2,
            settle_time_constant=1.5,
            learn_time_constant=True,
            max_iter=1,
        )
    else:
        y = np.where(np.isnan(X[:, :, :1]), np.nan, np.cumsum(X[:, :, :1], axis=1))
        model = BPTTRegressor(n_hidden=3, output="sequence", max_iter=1)
    model.set_params(mixed_precision=False, random_state=0)
    captured = capture_objectives(monkeypatch)
    model.fit(X, y)
    model.fit(da.from_array(X, chunks=8), y)
    on_dask, in_memory = captured["dask"], captured["numpy"]
    assert len(on_dask.partitions) == 4

    rng = np.random.RandomState(7)
    theta = rng.normal(scale=0.5, size=in_memory.layout.size)
    loss, grad = on_dask(theta)
    # The same sum as in memory, term by term.
    numpy_loss, numpy_grad = in_memory(theta)
    assert loss == numpy_loss
    np.testing.assert_array_equal(grad, numpy_grad)
    # Central differences along random directions.
    eps = 1e-6
    for _ in range(3):
        direction = rng.normal(size=theta.size)
        slope = (
            on_dask(theta + eps * direction)[0] - on_dask(theta - eps * direction)[0]
        ) / (2 * eps)
        assert slope == pytest.approx(grad @ direction, rel=1e-6, abs=1e-9)


def block_of_sequences(index, n_samples, n_steps, driver):
    """One block of X, made on a worker; it refuses to be made in the driver."""
    if os.getpid() == driver:
        raise AssertionError("a block of X was computed in the driver process")
    rng = np.random.RandomState(index)
    return rng.uniform(-1, 1, size=(n_samples, n_steps, 3))


def bytes_sent_to_driver(client, since):
    """Bytes the workers have sent to anything but another worker since ``since``.

    A worker logs a transfer once the receiver has confirmed it, which can be
    after the test that asked for it has ended: the transfer's start tells
    whose it was.
    """
    workers = set(client.scheduler_info()["workers"])

    def sent(dask_worker):
        return [
            (log["who"], log["total"])
            for log in dask_worker.transfer_outgoing_log
            if log["start"] >= since
        ]

    logs = client.run(sent)
    return sum(
        total for log in logs.values() for who, total in log if who not in workers
    )


def test_the_driver_never_holds_X(client, monkeypatch):
    monkeypatch.setattr(_engine, "CHUNK_BYTES", 80_000)  # a few chunks per block
    # 80 steps, so that the five the scale check reads are a small share.
    n_blocks, n_samples, n_steps = 4, 100, 80
    driver = os.getpid()
    make = dask.delayed(block_of_sequences, pure=True)
    X = da.concatenate(
        [
            da.from_delayed(
                make(index, n_samples, n_steps, driver),
                shape=(n_samples, n_steps, 3),
                dtype=np.float64,
            )
            for index in range(n_blocks)
        ]
    )
    y = X[:, -5:, 0].sum(axis=1)  # computed on the workers, sent as (n,)
    with pytest.raises(AssertionError, match="driver process"):
        X[:1].compute(scheduler="sync")  # the guard works
    start = time.time()

    model = BPTTRegressor(n_hidden=3, max_iter=4, random_state=0).fit(X, y)
    predictions = model.predict(X)
    assert predictions.shape == (n_blocks * n_samples,)
    model.score(X, y)

    # The driver received the lengths, digests, gradients, predictions and
    # five steps of every sequence (the scale check): a small share of X.
    received = bytes_sent_to_driver(client, start)
    assert received < X.nbytes / 4, (received, X.nbytes)
    # The same count sees X when it is gathered.
    X.compute()
    assert bytes_sent_to_driver(client, start) >= received + X.nbytes


def test_dask_threads_without_a_cluster(small_chunks):
    X = padded_sequences(seed=8)
    y = np.nansum(X[:, :, 0], axis=1)
    model = BPTTRegressor(n_hidden=4, max_iter=5, random_state=0)
    numpy_fit = model.fit(X, y)
    with dask.config.set(scheduler="threads"):
        dask_fit = BPTTRegressor(**model.get_params()).fit(da.from_array(X, 20), y)
    assert_same_model(dask_fit, numpy_fit)


def test_dask_input_errors(client):
    X = padded_sequences()
    y = np.nansum(X[:, :, 0], axis=1)
    model = BPTTRegressor(n_hidden=2, max_iter=2)

    bad = X.copy()
    bad[47, 1] = np.nan  # sample 47 is in the third block of 20
    with pytest.raises(ValueError, match="NaN at sample 47, step 1, before the end"):
        model.fit(da.from_array(bad, chunks=20), y)
    bad[47, 1] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        model.fit(da.from_array(bad, chunks=20), y)
    with pytest.raises(ValueError, match="chunked along the samples only"):
        model.fit(da.from_array(X, chunks=(20, 4, 2)), y)
    with pytest.raises(ValueError, match="unknown size"):
        model.fit(da.from_array(X, chunks=20)[da.from_array(y > -10)], y)
    with pytest.raises(NotImplementedError, match="early_stopping"):
        BPTTRegressor(early_stopping=True).fit(da.from_array(X, chunks=20), y)

    Y = np.where(np.isnan(X[:, :, 0]), np.nan, 1.0)
    short = 40 + np.flatnonzero(np.isnan(X[40:, -1, 0]))[0]  # in the third block
    Y[short, -1] = 2.0
    with pytest.raises(ValueError, match=f"target at sample {short}, step 7"):
        BPTTRegressor(output="sequence").fit(da.from_array(X, chunks=20), Y)

    fitted = model.fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features"):
        fitted.predict(da.zeros((5, 8, 3), chunks=(5, -1, -1)))
    classifier = BPTTAttractorClassifier(n_hidden=2, max_iter=2).fit(X, y > 0)
    for method in (classifier.trajectory, classifier.find_attractors):
        with pytest.raises(NotImplementedError, match="does not take a Dask array"):
            method(da.from_array(X, chunks=20))


def test_missing_dask_raises_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r'pip install "dask\[array\]'):
        _dask.import_dask()


# Faults: these kill workers, so they come last.


def kill_a_worker_at_call(monkeypatch, client, call, worker):
    """Kill a worker's process (SIGKILL) when the objective is called ``call``-th."""
    evaluate = _dask.DaskObjective.__call__
    calls = []

    def evaluate_or_kill(self, theta):
        calls.append(None)
        if len(calls) == call:
            pid = client.run(os.getpid, workers=[worker])[worker]
            os.kill(pid, signal.SIGKILL)
        return evaluate(self, theta)

    monkeypatch.setattr(_dask.DaskObjective, "__call__", evaluate_or_kill)
    return calls


def worker_addresses(client):
    return set(client.scheduler_info()["workers"])


def test_a_worker_killed_mid_fit_costs_time_not_correctness(
    client, small_chunks, monkeypatch
):
    # Blocks made on the workers from a seed: Dask can make them again.
    X = da.random.default_rng(0).uniform(-1, 1, size=(60, 8, 2), chunks=(20, 8, 2))
    y = X[:, :, 0].sum(axis=1)
    model = BPTTRegressor(n_hidden=4, max_iter=8, random_state=0)
    numpy_fit = model.fit(X.compute(), y.compute())
    workers = worker_addresses(client)

    victim = min(workers)
    calls = kill_a_worker_at_call(monkeypatch, client, call=3, worker=victim)
    dask_fit = BPTTRegressor(**model.get_params()).fit(X, y)

    assert len(calls) > 3, "the fit went on after the worker died"
    assert victim not in worker_addresses(client)
    assert_same_model(dask_fit, numpy_fit)


def test_data_lost_with_a_worker_stops_the_fit_with_a_clear_error(
    client, small_chunks, monkeypatch
):
    X = padded_sequences()
    y = np.nansum(X[:, :, 0], axis=1)
    # Scattered blocks have no source Dask could read them from again.
    blocks = client.scatter([X[:30], X[30:]], broadcast=False)
    holder = min(client.who_has(blocks[0])[blocks[0].key])
    X_dask = da.concatenate(
        [da.from_delayed(block, shape=(30, 8, 2), dtype=X.dtype) for block in blocks]
    )
    model = BPTTRegressor(n_hidden=4, max_iter=8, random_state=0)

    kill_a_worker_at_call(monkeypatch, client, call=3, worker=holder)
    with pytest.raises(RuntimeError, match="Dask could not evaluate the loss"):
        model.fit(X_dask, y)
    assert not hasattr(model, "n_iter_"), "a fit that raises leaves no model"
