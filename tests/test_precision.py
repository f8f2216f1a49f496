"""Mixed precision: float64 data is fitted first in float32, then in float64."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import sklearn_bptt._base
from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt._engine import (
    FinalWindowTargets,
    Objective,
    ParameterLayout,
    plan_chunks,
)


def mean_task(n_samples=200, n_steps=5, seed=0):
    """y is the mean of the sequence, which a small network learns closely."""
    X = np.random.RandomState(seed).normal(size=(n_samples, n_steps, 1))
    return X, X.mean(axis=(1, 2))


@pytest.fixture
def objective_calls(monkeypatch):
    """The dtype of every objective the estimators build, and their losses."""
    calls = {"built": [], "losses": []}

    class RecordingObjective(Objective):
        def __init__(self, layout, X, *args, **kwargs):
            calls["built"].append(X.dtype)
            super().__init__(layout, X, *args, **kwargs)

        def __call__(self, theta):
            loss, grad = super().__call__(theta)
            calls["losses"].append((self.dtype, loss))
            return loss, grad

    monkeypatch.setattr(sklearn_bptt._base, "Objective", RecordingObjective)
    return calls


def test_float32_run_hands_over_to_float64_where_rounding_stops_it():
    X, y = mean_task()
    # No penalty, tol=0 and no plateau rule: only rounding stops L-BFGS
    # before max_iter.
    kwargs = dict(
        n_hidden=3,
        alpha=0.0,
        tol=0.0,
        min_improvement=0,
        max_iter=1000,
        random_state=0,
    )
    float32_fit = BPTTRegressor(**kwargs).fit(X.astype(np.float32), y)
    n_float32 = float32_fit.n_iter_
    assert n_float32 < 1000  # its line search ran out of float32 digits

    mixed = BPTTRegressor(**kwargs).fit(X, y)
    # The first phase is exactly the float32 fit; the second goes on from it.
    np.testing.assert_array_equal(
        mixed.loss_curve_[:n_float32], float32_fit.loss_curve_
    )
    assert mixed.n_iter_ > n_float32
    assert mixed.loss_ < 0.5 * float32_fit.loss_
    assert mixed.recurrent_weights_.dtype == np.float64


def test_only_float64_data_gets_a_float32_phase(objective_calls):
    X, y = mean_task(150)  # more targets than parameters: alpha is 1e-2
    built = objective_calls["built"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        BPTTRegressor(max_iter=3, random_state=0).fit(X, y)
        assert built == [np.float64, np.float32]
        built.clear()
        BPTTRegressor(max_iter=3, mixed_precision=False, random_state=0).fit(X, y)
        assert built == [np.float64]
        built.clear()
        # frame_length=1: one objective, not the frame search's six as well.
        BPTTAttractorClassifier(max_iter=3, frame_length=1, random_state=0).fit(
            X.astype(np.float32), y > 0
        )
        assert built == [np.float32]


def test_a_budget_spent_in_float32_reports_the_float64_loss(objective_calls):
    X, y = mean_task(150)  # more targets than parameters: alpha is 1e-2
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model = BPTTRegressor(max_iter=5, n_init=1, random_state=0).fit(X, y)
    assert model.n_iter_ == 5
    dtypes = [dtype for dtype, _ in objective_calls["losses"]]
    # Every evaluation but the last is float32; the last, at the fitted
    # parameters, is float64 and gives loss_.
    assert all(dtype == np.float32 for dtype in dtypes[:-1])
    assert dtypes[-1] == np.float64
    assert model.loss_ == objective_calls["losses"][-1][1]
    assert model.loss_ != model.loss_curve_[-1]  # that one is rounded to float32


def test_targets_beyond_float32_range_are_fitted_in_float64(objective_calls):
    X, y = mean_task(150)  # more targets than parameters: alpha is 1e-2
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BPTTRegressor(max_iter=20, n_init=1, random_state=0)
        model.fit(X, 1e40 * y)
    # The float32 loss overflows at the start; float64 then runs from there.
    (first_dtype, first_loss), *rest = objective_calls["losses"]
    assert first_dtype == np.float32 and not np.isfinite(first_loss)
    assert rest and all(dtype == np.float64 for dtype, _ in rest)
    assert np.isfinite(model.loss_)
    assert np.isfinite(model.predict(X)).all()


@pytest.mark.parametrize("settle", [0, 3])
def test_float32_objective_stays_float32_with_one_leak_for_all_units(settle):
    # One leak rate for every unit is passed as a Python float, several as an
    # array in the data's dtype: both must compute in float32, so the two give
    # the same bits (a float64 factor would promote every step's product).
    rng = np.random.RandomState(0)
    X = rng.normal(size=(6, 5, 2)).astype(np.float32)
    lengths = np.full(6, 5)
    y = np.eye(3)[rng.randint(3, size=6)]
    layout = ParameterLayout(2, 4, 3)
    chunks = plan_chunks(lengths, 5 + settle, 4, 4)
    theta = rng.normal(scale=0.5, size=layout.size).astype(np.float32)

    def objective(leak):
        targets = FinalWindowTargets(y, np.ones(6), 1, per_output=False)
        return Objective(
            layout,
            X,
            lengths,
            chunks,
            settle,
            targets,
            "tanh",
            "cross_entropy",
            alpha=0.01,
            leak=leak,
        )

    loss_one, grad_one = objective(0.3)(theta)
    loss_each, grad_each = objective(np.full(4, 0.3))(theta)
    assert loss_one == loss_each
    np.testing.assert_array_equal(grad_one, grad_each)
