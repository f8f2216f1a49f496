"""BPTTRegressor learning on small sequence tasks, and its API behaviour."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTRegressor


def running_sum_task(n_samples, n_steps, rng):
    """y is the sum of a sequence of uniform(-1, 1) numbers."""
    X = rng.uniform(-1, 1, size=(n_samples, n_steps, 1))
    return X, X[:, :, 0].sum(axis=1)


def test_sequence_to_one_running_sum():
    rng = np.random.RandomState(0)
    X, y = running_sum_task(200, 10, rng)
    X_test, y_test = running_sum_task(300, 10, rng)
    model = BPTTRegressor(n_hidden=8, random_state=0).fit(X, y)
    assert model.score(X_test, y_test) > 0.99


def test_remember_the_first_value():
    """y = x_1: the net must carry its first input through 9 steps of noise."""
    rng = np.random.RandomState(1)

    def task(n):
        X = rng.uniform(-1, 1, size=(n, 10, 1))
        return X, X[:, 0, 0]

    X, y = task(300)
    X_test, y_test = task(300)
    model = BPTTRegressor(n_hidden=8, random_state=0).fit(X, y)
    assert model.score(X_test, y_test) > 0.95


def test_sequence_to_sequence_with_missing_targets():
    """y_t = x_t + x_{t-1}, with 30% of the training targets missing (NaN)."""
    rng = np.random.RandomState(2)

    def task(n):
        X = rng.uniform(-1, 1, size=(n, 8, 1))
        previous = np.concatenate([np.zeros((n, 1)), X[:, :-1, 0]], axis=1)
        return X, X[:, :, 0] + previous

    X, Y = task(200)
    Y_train = Y.copy()
    Y_train[rng.uniform(size=Y.shape) < 0.3] = np.nan
    X_test, Y_test = task(200)
    model = BPTTRegressor(n_hidden=8, output="sequence", random_state=0).fit(X, Y_train)
    assert model.predict(X_test).shape == Y_test.shape
    assert model.score(X_test, Y_test) > 0.99


def padded_running_sums(n_samples, max_steps, rng):
    """Sequences of 2 to max_steps steps, NaN-padded, with y their sum."""
    X = rng.uniform(-1, 1, size=(n_samples, max_steps, 1))
    lengths = rng.randint(2, max_steps + 1, size=n_samples)
    X[np.arange(max_steps)[None, :] >= lengths[:, None]] = np.nan
    return X, np.nansum(X[:, :, 0], axis=1), lengths


def test_variable_length_sequences():
    rng = np.random.RandomState(3)
    X, y, _ = padded_running_sums(300, 10, rng)
    X_test, y_test, lengths = padded_running_sums(200, 10, rng)
    model = BPTTRegressor(n_hidden=8, random_state=0).fit(X, y)
    assert model.score(X_test, y_test) > 0.98
    # Padding changes nothing: a padded sequence predicts like its unpadded self.
    for i in range(5):
        alone = model.predict(X_test[i : i + 1, : lengths[i]])
        np.testing.assert_allclose(alone, model.predict(X_test)[i : i + 1], rtol=1e-10)


def test_variable_length_sequence_output_is_nan_past_the_end():
    rng = np.random.RandomState(4)
    X, _, lengths = padded_running_sums(50, 6, rng)
    Y = np.nancumsum(X[:, :, 0], axis=1)
    Y[np.isnan(X[:, :, 0])] = np.nan
    model = BPTTRegressor(n_hidden=4, output="sequence", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, Y)
    np.testing.assert_array_equal(np.isnan(model.predict(X)), np.isnan(Y))


def latch_task(n_samples, rng, n_steps=8):
    """y_t = 1 once any input so far exceeded 0.8, else -1 (a set-only latch)."""
    X = rng.uniform(-1, 1, size=(n_samples, n_steps, 1))
    triggered = np.maximum.accumulate(X[:, :, 0], axis=1) > 0.8
    return X, np.where(triggered, 1.0, -1.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_learned_initial_state_beats_zero(seed):
    """A one-unit latch must start in its "off" attractor.

    The unit is bistable (near -1 and +1); a zero initial state sits between
    the two and the net cannot tell "not yet triggered" from the start, while
    a learned initial state starts it in the "off" state. The unit is a
    plain one (time_constant=1): a latch must switch within one step.
    """
    rng = np.random.RandomState(seed)
    X, Y = latch_task(200, rng)
    X_test, Y_test = latch_task(500, rng)
    scores = {}
    for learn in (True, False):
        model = BPTTRegressor(
            n_hidden=1,
            output="sequence",
            time_constant=1,
            learn_initial_state=learn,
            random_state=seed,
        ).fit(X, Y)
        scores[learn] = model.score(X_test, Y_test)
    assert scores[True] > 0.9
    assert scores[False] < 0.5
    assert model.initial_state_[0] == 0


def test_2d_input_sets_the_start():
    """2D X is one input step: the regressor is then a one-hidden-layer net."""
    rng = np.random.RandomState(5)
    X = rng.uniform(-2, 2, size=(300, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2
    model = BPTTRegressor(n_hidden=16, random_state=0).fit(X[:200], y[:200])
    assert model.n_features_in_ == 2
    assert model.score(X[200:], y[200:]) > 0.95


def test_float32_in_float32_out():
    rng = np.random.RandomState(6)
    X, y = running_sum_task(200, 8, rng)
    X, y = X.astype(np.float32), y.astype(np.float32)
    model = BPTTRegressor(n_hidden=8, random_state=0).fit(X, y)
    assert model.recurrent_weights_.dtype == np.float32
    assert model.predict(X).dtype == np.float32
    assert model.score(X, y) > 0.98


def test_multiple_outputs():
    rng = np.random.RandomState(7)
    X, y = running_sum_task(200, 6, rng)
    Y = np.column_stack([y, X[:, -1, 0]])
    model = BPTTRegressor(n_hidden=8, random_state=0).fit(X, Y)
    assert model.predict(X).shape == (200, 2)
    assert model.output_weights_.shape == (8, 2)
    assert model.score(X, Y) > 0.98


def test_fitted_attribute_shapes():
    rng = np.random.RandomState(8)
    X, y = running_sum_task(30, 5, rng)
    X = np.repeat(X, 3, axis=2)
    model = BPTTRegressor(n_hidden=4, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.input_weights_.shape == (3, 4)
    assert model.recurrent_weights_.shape == (4, 4)
    assert model.hidden_bias_.shape == (4,)
    assert model.output_weights_.shape == (4, 1)
    assert model.output_bias_.shape == (1,)
    assert model.initial_state_.shape == (4,)
    assert model.n_features_in_ == 3
    assert model.n_outputs_ == 1
    assert len(model.loss_curve_) == model.n_iter_ == 20
    assert model.loss_ == pytest.approx(model.loss_curve_[-1])


def test_settle_and_target_window():
    """Attractor training: the target holds over the last 3 of 4 settle steps."""
    rng = np.random.RandomState(9)
    X, y = running_sum_task(200, 6, rng)
    model = BPTTRegressor(
        n_hidden=8, n_settle_steps=4, n_target_steps=3, random_state=0
    ).fit(X, y)
    assert model.score(X, y) > 0.98
    # predict honours the current n_settle_steps: a different number of free
    # steps moves the prediction, but a net that settled keeps it close.
    longer = model.set_params(n_settle_steps=6).predict(X)
    assert not np.array_equal(longer, model.set_params(n_settle_steps=4).predict(X))
    assert np.corrcoef(longer, y)[0, 1] > 0.95


def test_recurrent_mask_keeps_masked_weights_at_zero():
    rng = np.random.RandomState(10)
    X, y = running_sum_task(100, 6, rng)
    mask = np.eye(5)  # each unit only feeds itself
    model = BPTTRegressor(n_hidden=5, recurrent_mask=mask, random_state=0).fit(X, y)
    assert np.all(model.recurrent_weights_[mask == 0] == 0)
    assert np.all(model.recurrent_weights_[mask == 1] != 0)
    assert model.score(X, y) > 0.95


def test_convergence_warning_and_verbose(capsys):
    rng = np.random.RandomState(11)
    X, y = running_sum_task(50, 5, rng)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        BPTTRegressor(n_hidden=4, n_init=1, max_iter=3, verbose=1, random_state=0).fit(
            X, y
        )
    assert capsys.readouterr().out.count("Iteration") == 3
    with pytest.warns(ConvergenceWarning, match="max_fun"):
        BPTTRegressor(n_hidden=4, max_fun=3, random_state=0).fit(X, y)


@pytest.mark.parametrize(
    "status, message, warns",
    [
        (2, "ABNORMAL: ", True),  # the line search failed
        # With ftol=0, an iteration that lowered the loss by nothing: in
        # float32 how a failed line search often shows.
        (0, "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH", True),
        (0, "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL", False),
    ],
)
def test_no_lower_loss_with_the_loss_still_falling_warns(
    monkeypatch, status, message, warns
):
    # As scikit-learn's L-BFGS estimators do, the fit says so; a converged
    # gradient does not.
    rng = np.random.RandomState(11)
    X, y = running_sum_task(50, 5, rng)
    minimize = scipy.optimize.minimize

    def ends_with_status(*args, **kwargs):
        result = minimize(*args, **kwargs)
        result.status, result.message = status, message
        return result

    monkeypatch.setattr(scipy.optimize, "minimize", ends_with_status)
    model = BPTTRegressor(n_hidden=4, max_iter=5, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    stalled = [w for w in caught if "finding no step that lowers" in str(w.message)]
    assert len(stalled) == warns
    assert all(w.category is ConvergenceWarning for w in stalled)
    assert model.stop_reason_ == message


def test_a_line_search_that_fails_at_rounding_level_does_not_warn(monkeypatch):
    # The same stop on a loss that no longer moves is a converged fit (often
    # in float32) that the plateau rule's window had not caught yet.
    rng = np.random.RandomState(11)
    X, y = running_sum_task(50, 5, rng)
    minimize = scipy.optimize.minimize

    def stalls_then_fails(fun, x0, *args, **kwargs):
        result = minimize(fun, x0, *args, **kwargs)
        for _ in range(12):  # iterations that only round the loss
            kwargs["callback"](
                scipy.optimize.OptimizeResult(x=result.x, fun=result.fun)
            )
        result.nit += 12
        result.status, result.message = 2, "ABNORMAL: "
        return result

    monkeypatch.setattr(scipy.optimize, "minimize", stalls_then_fails)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # One phase: the stalled iterations add to its count, past max_iter.
        model = BPTTRegressor(
            n_hidden=4, max_iter=5, mixed_precision=False, random_state=0
        ).fit(X, y)
    assert model.stop_reason_ == "ABNORMAL: "
    assert model.loss_curve_[-1] == model.loss_curve_[-11]
    # With the plateau rule off there is no pace to judge by: it warns.
    model.set_params(min_improvement=0)
    with pytest.warns(ConvergenceWarning, match="finding no step that lowers"):
        model.fit(X, y)


def test_warm_start_continues_from_the_fitted_weights():
    rng = np.random.RandomState(12)
    X, y = running_sum_task(100, 6, rng)
    model = BPTTRegressor(n_hidden=6, max_iter=10, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        first_loss = model.loss_
        model.fit(X, y)
    # The second fit starts where the first stopped, so its first iterate is
    # already below the first fit's final loss.
    assert model.loss_curve_[0] < first_loss
    model.set_params(n_hidden=7)
    with pytest.raises(ValueError, match="n_hidden"):
        model.fit(X, y)


def test_a_converged_fit_meets_the_gradient_tolerance():
    # With the plateau rule off, tol is the only convergence test: a fit that
    # ends before max_iter ends where every gradient component is below tol,
    # so a warm restart from it takes no step. (SciPy's default loss-reduction
    # test, absolute for losses below 1, stopped this fit after about half its
    # iterations.)
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (100, 6, 2))
    y = X[:, -3, 0] * X[:, -1, 1]
    model = BPTTRegressor(
        alpha=0.0, min_improvement=0, max_iter=5000, random_state=0
    ).fit(X, y)
    assert model.n_iter_ < model.max_iter
    model.set_params(warm_start=True).fit(X, y)
    assert model.n_iter_ == 0


def test_restarts_keep_the_best_and_ignore_n_jobs():
    rng = np.random.RandomState(13)
    X, y = running_sum_task(60, 6, rng)
    kwargs = dict(n_hidden=4, n_init=3, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        serial = BPTTRegressor(n_jobs=1, **kwargs).fit(X, y)
        parallel = BPTTRegressor(n_jobs=2, **kwargs).fit(X, y)
        single = [
            BPTTRegressor(n_hidden=4, max_iter=30, random_state=seed).fit(X, y).loss_
            for seed in range(3)
        ]
    np.testing.assert_array_equal(
        serial.recurrent_weights_, parallel.recurrent_weights_
    )
    assert serial.loss_ == parallel.loss_
    assert serial.loss_ <= max(single)


def test_pickle_round_trip():
    rng = np.random.RandomState(14)
    X, y = running_sum_task(50, 5, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BPTTRegressor(n_hidden=4, max_iter=20, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


def test_predicts_sequences_of_other_lengths():
    """Trained on lengths 2 to 10, the sum rule holds at any length in that range."""
    rng = np.random.RandomState(15)
    X, y, _ = padded_running_sums(300, 10, rng)
    model = BPTTRegressor(n_hidden=8, random_state=0).fit(X, y)
    for n_steps in (4, 7):
        X_other, y_other = running_sum_task(100, n_steps, rng)
        assert model.predict(X_other).shape == (100,)
        assert model.score(X_other, y_other) > 0.95


def test_feature_names_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(16)
    X = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"])
    y = X["a"] - X["b"]
    model = BPTTRegressor(n_hidden=3, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    np.testing.assert_array_equal(model.feature_names_in_, ["a", "b"])


def test_remember_the_first_value_over_30_steps_with_the_defaults():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(600, 30, 1))
    y = X[:, 0, 0]
    model = BPTTRegressor(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[:300], y[:300])
    np.testing.assert_array_equal(model.time_constant_, 6)
    assert model.score(X[300:], y[300:]) > 0.95


@pytest.mark.parametrize("output_shape", ["one", "two outputs", "sequence"])
def test_the_penalty_is_per_observed_target_value(output_shape):
    """loss_ is half the mean squared error over the target values plus
    alpha / 2 * ||W||^2 divided by their number (per sample for one output)."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(40, 6, 1))
    params = {"n_hidden": 3, "alpha": 0.5, "max_iter": 30, "random_state": 0}
    if output_shape == "one":
        y = X[:, :, 0].sum(axis=1)
    elif output_shape == "two outputs":
        y = np.stack([X[:, 0, 0], X[:, :, 0].sum(axis=1)], axis=1)
    else:
        y = np.cumsum(X, axis=1)
        y[:, :2] = np.nan  # 160 target values
        params["output"] = "sequence"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BPTTRegressor(**params).fit(X, y)

    errors = (model.predict(X) - y)[~np.isnan(y)]
    weights = [model.recurrent_weights_, model.output_weights_]
    penalty = 0.5 * params["alpha"] * sum(np.sum(w**2) for w in weights)
    expected = 0.5 * np.mean(errors**2) + penalty / errors.size
    assert model.loss_ == pytest.approx(expected, rel=1e-9)
