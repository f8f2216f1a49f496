"""Chunked objectives: the same loss and gradient, whatever runs the chunks."""

import joblib
import numpy as np
import pytest

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor, _base, _engine
from sklearn_bptt._engine import (
    FinalWindowTargets,
    Objective,
    ParameterLayout,
    plan_chunks,
)


def make_objective(chunk_bytes, n_jobs=None):
    rng = np.random.RandomState(0)
    n, T, d, H = 300, 12, 3, 5
    X = rng.normal(size=(n, T, d))
    lengths = rng.randint(4, T + 1, size=n)
    X[np.arange(T)[None, :] >= lengths[:, None]] = np.nan
    y = rng.normal(size=(n, 2))
    chunks = plan_chunks(lengths, T + 2, H, 8, chunk_bytes)
    targets = FinalWindowTargets(y, rng.uniform(0.5, 2, n), 3, per_output=True)
    layout = ParameterLayout(d, H, 2)
    objective = Objective(
        layout,
        X,
        lengths,
        chunks,
        2,
        targets,
        "tanh",
        "squared_error",
        0.01,
        n_jobs=n_jobs,
    )
    return objective, rng.normal(scale=0.5, size=layout.size), len(chunks)


def test_chunked_objective_equals_the_whole():
    whole, theta, n_chunks = make_objective(chunk_bytes=2**30)
    chunked, _, n_small_chunks = make_objective(chunk_bytes=20_000)
    assert n_chunks == 1 and n_small_chunks > 5
    loss, grad = whole(theta)
    chunked_loss, chunked_grad = chunked(theta)
    # Equal up to the order in which the samples' terms are summed.
    assert chunked_loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(chunked_grad, grad, rtol=1e-10, atol=1e-14)


def test_threads_do_not_change_the_objective():
    serial, theta, _ = make_objective(chunk_bytes=20_000, n_jobs=1)
    threaded, _, _ = make_objective(chunk_bytes=20_000, n_jobs=2)
    loss, grad = serial(theta)
    threaded_loss, threaded_grad = threaded(theta)
    assert threaded_loss == loss
    np.testing.assert_array_equal(threaded_grad, grad)


@pytest.mark.parametrize("Estimator", [BPTTRegressor, BPTTAttractorClassifier])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_n_jobs_does_not_change_the_model(Estimator, monkeypatch):
    monkeypatch.setattr(_engine, "CHUNK_BYTES", 20_000)  # several chunks
    rng = np.random.RandomState(1)
    X = rng.normal(size=(200, 8, 2))
    y = X[:, :, 0].sum(axis=1)
    if Estimator is BPTTAttractorClassifier:
        y = y > 0
    models = [
        Estimator(n_hidden=4, max_iter=30, n_jobs=n_jobs, random_state=0).fit(X, y)
        for n_jobs in (1, 2)
    ]
    for name in ("input_weights_", "recurrent_weights_", "initial_state_"):
        np.testing.assert_array_equal(
            getattr(models[0], name), getattr(models[1], name)
        )
    np.testing.assert_array_equal(models[0].predict(X), models[1].predict(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_n_jobs_none_takes_its_workers_from_joblibs_parallel_config(monkeypatch):
    # n_jobs=None is 1 unless a joblib.parallel_config context sets more, as
    # in scikit-learn: there the starts, or one start's chunks, run on its
    # workers, with the same model as in turn.
    monkeypatch.setattr(_engine, "CHUNK_BYTES", 20_000)  # several chunks
    workers = []

    def recording(module, what):
        parallel = module.Parallel

        def recorded(*args, **kwargs):
            runner = parallel(*args, **kwargs)
            workers.append((what, runner.n_jobs))
            return runner

        monkeypatch.setattr(module, "Parallel", recorded)

    rng = np.random.RandomState(1)
    X = rng.normal(size=(200, 8, 2))
    y = X[:, :, 0].sum(axis=1)
    params = dict(n_hidden=4, max_iter=10, n_init=2, init_max_iter=5, random_state=0)
    one_start = {**params, "n_init": 1}
    in_turn = [BPTTRegressor(**p).fit(X, y) for p in (params, one_start)]
    recording(_base, "starts")
    recording(_engine, "chunks")
    with joblib.parallel_config(n_jobs=2):
        side_by_side = BPTTRegressor(**params).fit(X, y)
        assert ("starts", 2) in workers
        workers.clear()
        threaded = BPTTRegressor(**one_start).fit(X, y)
        assert set(workers) == {("chunks", 2)}
    for model, reference in zip((side_by_side, threaded), in_turn, strict=True):
        np.testing.assert_array_equal(model.predict(X), reference.predict(X))
