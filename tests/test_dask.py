"""Scale-out through joblib: the same fits on a local Dask cluster.

The estimators have no cluster code: their ``n_init`` restarts, and
scikit-learn's cross-validation around them, go through joblib, so
``joblib.parallel_config(backend="dask")`` sends them to Dask workers. These
tests run a two-process cluster on the loopback interface and check that the
results are *equal* to the single-machine ones, not merely close.
"""

import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt._base import PARAMETER_NAMES

distributed = pytest.importorskip("distributed")

FITTED = tuple(name + "_" for name in PARAMETER_NAMES)


def small_sequences(n_samples=60, n_steps=6, seed=0):
    """Uniform(-1, 1) sequences of one feature and the sum of each one."""
    X = np.random.RandomState(seed).uniform(-1, 1, size=(n_samples, n_steps, 1))
    return X, X[:, :, 0].sum(axis=1)


def quiet_fit(estimator, X, y):
    # Few iterations keep the test quick; not converging is expected here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def test_grid_search_on_dask_equals_local(client):
    X, y = small_sequences()

    def search():
        return GridSearchCV(
            BPTTRegressor(max_iter=30, random_state=0),
            {"n_hidden": [2, 4]},
            cv=3,
            n_jobs=2,
        )

    # The reference: the same search, one fit after another in this process.
    local = quiet_fit(search().set_params(n_jobs=None), X, y)
    local_scores = local.cv_results_["mean_test_score"].copy()
    local_params = local.best_params_

    with distributed.get_task_stream(client) as tasks:
        with joblib.parallel_config(backend="dask"):
            remote = quiet_fit(search(), X, y)

    assert len(tasks.data) >= 6, "the 6 cross-validation fits ran on the workers"
    assert remote.best_params_ == local_params
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local_scores, rtol=1e-12
    )
    for name in FITTED:
        np.testing.assert_array_equal(
            getattr(remote.best_estimator_, name), getattr(local.best_estimator_, name)
        )


def test_restarts_on_dask_equal_local(client):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(60, 6, 1))
    y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")

    def classifier():
        return BPTTAttractorClassifier(
            n_hidden=3,
            n_settle_steps=3,
            n_target_steps=2,
            max_iter=30,
            n_init=2,
            n_jobs=2,
            random_state=0,
        )

    local = quiet_fit(classifier().set_params(n_jobs=None), X, y)
    with distributed.get_task_stream(client) as tasks:
        with joblib.parallel_config(backend="dask"):
            remote = quiet_fit(classifier(), X, y)

    assert len(tasks.data) >= 2, "the 2 restarts ran on the workers"
    for name in FITTED:
        np.testing.assert_array_equal(getattr(remote, name), getattr(local, name))
    assert remote.loss_ == local.loss_
    assert remote.loss_curve_ == local.loss_curve_
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))


def test_the_library_does_not_import_dask():
    # Only a Dask array given to fit or predict makes it import Dask.
    code = (
        "import sys, sklearn_bptt, sklearn_bptt.preprocessing, sklearn_bptt.datasets;"
        "import numpy as np; X = np.random.RandomState(0).normal(size=(20, 4, 1));"
        "model = sklearn_bptt.BPTTRegressor(n_hidden=2, max_iter=2).fit(X, X[:, 0, 0]);"
        "model.predict(X); model.score(X, X[:, 0, 0]);"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed'));"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
