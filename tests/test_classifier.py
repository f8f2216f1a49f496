"""BPTTAttractorClassifier: labels, probabilities, dynamics and learning."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split

from sklearn_bptt import BPTTAttractorClassifier
from sklearn_bptt._base import PARAMETER_NAMES
from sklearn_bptt.datasets import load_digits_sequences, make_cylinder_bell_funnel

# Trained over a window of settle steps, the net learns class attractors.
ATTRACTOR_WINDOW = {"n_settle_steps": 10, "n_target_steps": 6}
# The attractor recipe: the window, a weak fixed-point penalty (the window's
# states stand still) and a weak contraction penalty (pushes away from the
# free-running states shrink, so a still state is a stable one).
ATTRACTORS_THAT_HOLD = {
    **ATTRACTOR_WINDOW,
    "fixed_point_penalty": 0.01,
    "contraction_penalty": 0.03,
}


def sign_of_sum_task(n_samples, rng, n_steps=10):
    """The class is the sign of the sum of the whole sequence."""
    X = rng.normal(size=(n_samples, n_steps, 1))
    return X, np.where(X[:, :, 0].sum(axis=1) > 0, "positive", "negative")


def noisy_direction_task(n_samples, rng, n_steps=8):
    """8 steps of noisy 2D evidence around one of 3 directions: the class."""
    angles = 2 * np.pi * np.arange(3) / 3
    y = rng.randint(3, size=n_samples)
    means = np.column_stack([np.cos(angles), np.sin(angles)])[y]
    return means[:, None, :] + rng.normal(size=(n_samples, n_steps, 2)), y


@pytest.fixture(scope="module")
def sign_model():
    rng = np.random.RandomState(0)
    X, y = sign_of_sum_task(400, rng)
    X_test, y_test = sign_of_sum_task(600, rng)
    # With the window alone the hold comes and goes along the fit (after 4x
    # the settle steps: 0.91 at 130 iterations, 0.49 at 288, 0.965 at 500).
    # With the recipe it holds within 0.3 points where the stopping rule ends
    # the fit, on seeds 0-3; not at every point along it (seed 2 at 300
    # iterations: 0.980, after 10x 0.487).
    model = BPTTAttractorClassifier(n_hidden=20, **ATTRACTORS_THAT_HOLD, random_state=0)
    return model.fit(X, y), X_test, y_test


def accuracy_after(model, X, y, factor):
    """Held-out accuracy after ``factor`` times the trained settle steps."""
    trained = model.n_settle_steps
    accuracy = model.set_params(n_settle_steps=factor * trained).score(X, y)
    model.set_params(n_settle_steps=trained)
    return accuracy


def assert_attractors_hold(model, X_test, y_test, min_accuracy):
    """High accuracy, kept within 2 points after 4x and 10x the settle steps."""
    accuracy = model.score(X_test, y_test)
    assert accuracy > min_accuracy
    for factor in (4, 10):
        assert abs(accuracy_after(model, X_test, y_test, factor) - accuracy) <= 0.02


def test_attractors_hold_on_the_sign_task(sign_model):
    assert_attractors_hold(*sign_model, min_accuracy=0.93)


def test_attractors_hold_on_the_direction_task():
    rng = np.random.RandomState(1)
    X, y = noisy_direction_task(400, rng)
    X_test, y_test = noisy_direction_task(500, rng)
    model = BPTTAttractorClassifier(n_hidden=8, **ATTRACTORS_THAT_HOLD, random_state=1)
    assert_attractors_hold(model.fit(X, y), X_test, y_test, min_accuracy=0.93)
    # Every test sequence's free run ends at a fixed point, one or more per class.
    found = model.find_attractors(X_test)
    assert np.all(found.basin >= 0)
    assert set(found.classes) == {0, 1, 2}


def test_the_attractors_keep_the_model_dtype_whether_or_not_any_is_found():
    rng = np.random.RandomState(2)
    X, y = noisy_direction_task(40, rng)
    model = BPTTAttractorClassifier(n_hidden=3, max_iter=3, random_state=0)
    model.fit(X.astype(np.float32), y)
    for tol in (1e-30, 1.0):  # none settled; every run settled
        found = model.find_attractors(X[:5].astype(np.float32), n_free_steps=2, tol=tol)
        assert found.fixed_points.dtype == np.float32
        assert found.distance.dtype == found.movement.dtype == np.float32
        assert found.fixed_points.shape[1] == 3
    assert len(found.fixed_points) > 0


def test_string_labels_and_probabilities(sign_model):
    model, X_test, _ = sign_model
    np.testing.assert_array_equal(model.classes_, ["negative", "positive"])
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(model.predict_log_proba(X_test), np.log(proba))
    np.testing.assert_array_equal(
        model.predict(X_test), model.classes_[proba.argmax(axis=1)]
    )


def test_trajectory_covers_input_and_settle_steps(sign_model):
    model, X_test, _ = sign_model
    path = model.trajectory(X_test[:5])
    n_frames = -(-X_test.shape[1] // model.frame_length_)  # steps of the net
    n_steps = n_frames + model.n_settle_steps
    assert path.hidden_states.shape == (5, n_steps + 1, model.n_hidden)
    assert path.proba.shape == (5, n_steps + 1, 2)
    np.testing.assert_allclose(
        path.hidden_states[:, 0], np.tile(model.initial_state_, (5, 1))
    )
    # The last step of the trajectory is what predict_proba reads.
    np.testing.assert_allclose(path.proba[:, -1], model.predict_proba(X_test[:5]))


def test_multiclass_integer_labels():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 6, 2))
    y = np.argmax(X.sum(axis=1) @ np.array([[1, -1, 0], [0, 1, -1]]), axis=1)
    # One start (seed 0) stalls in a local minimum at 0.8; restarts find 1.0.
    model = BPTTAttractorClassifier(n_hidden=10, n_init=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert model.output_weights_.shape == (10, 3)
    assert model.score(X, y) > 0.95


def test_2d_input_is_the_starting_point():
    """2D X sets the start; the net then settles into the class attractor."""
    rng = np.random.RandomState(2)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)  # XOR of the signs
    model = BPTTAttractorClassifier(n_hidden=10, **ATTRACTOR_WINDOW, random_state=0)
    model.fit(X[:200], y[:200])
    assert model.score(X[200:], y[200:]) > 0.9


def test_variable_length_sequences():
    rng = np.random.RandomState(3)
    X, y = sign_of_sum_task(300, rng)
    lengths = rng.randint(3, 11, size=300)
    X[np.arange(10)[None, :] >= lengths[:, None]] = np.nan
    y = np.where(np.nansum(X[:, :, 0], axis=1) > 0, "positive", "negative")
    model = BPTTAttractorClassifier(n_hidden=10, random_state=0).fit(X[:200], y[:200])
    assert model.score(X[200:], y[200:]) > 0.9


def test_one_class_is_an_error():
    X = np.random.RandomState(4).normal(size=(10, 3, 1))
    with pytest.raises(ValueError, match="at least 2 classes in y"):
        BPTTAttractorClassifier().fit(X, np.ones(10))


def test_continuous_target_is_an_error():
    X = np.random.RandomState(5).normal(size=(10, 3, 1))
    with pytest.raises(ValueError, match="Unknown label type"):
        BPTTAttractorClassifier().fit(X, np.linspace(0, 1, 10))


def test_warm_start_needs_the_same_classes():
    rng = np.random.RandomState(6)
    X, y = sign_of_sum_task(40, rng)
    model = BPTTAttractorClassifier(n_hidden=4, max_iter=5, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    with pytest.raises(ValueError, match="fitted classes"):
        model.fit(X, np.where(y == "positive", "up", "down"))


def test_grid_search_over_n_hidden_and_alpha():
    rng = np.random.RandomState(7)
    X, y = sign_of_sum_task(120, rng, n_steps=6)
    search = GridSearchCV(
        BPTTAttractorClassifier(max_iter=60, random_state=0),
        {"n_hidden": [2, 6], "alpha": [1e-4, 1e-2]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_params_["n_hidden"] in (2, 6)
    assert search.best_estimator_.n_features_in_ == 1
    assert search.best_score_ > 0.8


def test_digits_read_row_by_row_with_the_defaults():
    """Digits as 8 steps of 8 pixels: held-out accuracy 0.973 (at least 0.95).

    1347 training and 450 held-out images, the split of seed 0 in
    benchmarks/bench_tasks.py; over its ten seeds the defaults average 0.979.
    """
    X, y = load_digits_sequences()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=450, random_state=0, stratify=y
    )
    model = BPTTAttractorClassifier(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95


def test_cylinder_bell_funnel_with_the_defaults():
    """30 training series of 128 steps: the default leaky units learn the shapes.

    A plain tanh net (time_constant=1) scores about 0.46 here (chance is 0.33).
    """
    X, y = make_cylinder_bell_funnel(30, random_state=0)
    X_test, y_test = make_cylinder_bell_funnel(300, random_state=1)

    def z_normalise(X):
        return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)

    model = BPTTAttractorClassifier(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(z_normalise(X), y)
    np.testing.assert_array_equal(model.time_constant_, 64)
    assert model.score(z_normalise(X_test), y_test) > 0.9


# ---------------------------------------------------------------------------
# class_weight

WEIGHTED_PARAMS = {"n_hidden": 4, "max_iter": 30, "random_state": 0}
FITTED_NAMES = tuple(name + "_" for name in PARAMETER_NAMES)


def imbalanced_task():
    """30 'rare' and 90 'common' sequences of 5 steps."""
    rng = np.random.RandomState(0)
    X, _ = sign_of_sum_task(120, rng, n_steps=5)
    y = np.array(["rare"] * 30 + ["common"] * 90)
    X[:30] += 0.3
    return X, y


def quiet_fit(model, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **fit_params)


def assert_same_model(a, b):
    for name in FITTED_NAMES:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("mixed_precision", [True, False])
def test_class_weight_dict_equals_sample_weight(mixed_precision):
    X, y = imbalanced_task()
    params = {**WEIGHTED_PARAMS, "mixed_precision": mixed_precision}
    by_class = BPTTAttractorClassifier(
        class_weight={"rare": 3.0, "common": 0.5}, **params
    )
    by_sample = BPTTAttractorClassifier(**params)
    quiet_fit(by_class, X, y)
    quiet_fit(by_sample, X, y, sample_weight=np.where(y == "rare", 3.0, 0.5))
    assert_same_model(by_class, by_sample)


def test_class_weight_multiplies_sample_weight_and_defaults_to_one():
    X, y = imbalanced_task()
    sample_weight = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y))
    by_class = BPTTAttractorClassifier(class_weight={"rare": 4.0}, **WEIGHTED_PARAMS)
    by_sample = BPTTAttractorClassifier(**WEIGHTED_PARAMS)
    quiet_fit(by_class, X, y, sample_weight=sample_weight)
    quiet_fit(
        by_sample, X, y, sample_weight=sample_weight * np.where(y == "rare", 4.0, 1.0)
    )
    assert_same_model(by_class, by_sample)


def test_balanced_class_weight_weighs_classes_equally():
    X, y = imbalanced_task()
    balanced = BPTTAttractorClassifier(class_weight="balanced", **WEIGHTED_PARAMS)
    # n_samples / (n_classes * count): 120 / (2 * 30) = 2 and 120 / (2 * 90).
    by_sample = BPTTAttractorClassifier(**WEIGHTED_PARAMS)
    quiet_fit(balanced, X, y)
    quiet_fit(by_sample, X, y, sample_weight=np.where(y == "rare", 2.0, 120 / 180))
    assert_same_model(balanced, by_sample)
    # Weighing the rare class up predicts it more often than the plain fit.
    plain = quiet_fit(BPTTAttractorClassifier(**WEIGHTED_PARAMS), X, y)
    assert (balanced.predict(X) == "rare").sum() > (plain.predict(X) == "rare").sum()


def test_class_weight_with_unknown_label_is_an_error():
    X, y = imbalanced_task()
    model = BPTTAttractorClassifier(class_weight={"rare": 2.0, "Rare": 1.0})
    with pytest.raises(ValueError, match=r"class_weight has keys \['Rare'\] that are"):
        model.fit(X, y)


@pytest.mark.parametrize("weight", [-1.0, np.nan])
def test_a_negative_class_weight_is_named_as_such(weight):
    X, y = imbalanced_task()
    model = BPTTAttractorClassifier(class_weight={"rare": weight})
    with pytest.raises(ValueError, match=r"class_weight must be non-negative"):
        model.fit(X, y)


def test_class_weight_must_be_dict_balanced_or_none():
    X, y = imbalanced_task()
    with pytest.raises(ValueError, match="class_weight"):
        BPTTAttractorClassifier(class_weight="auto").fit(X, y)


def test_label_smoothing_bounds_the_training_confidence():
    # Two classes apart by a wide margin: trained on one-hot labels the net
    # grows its scores until the true class has nearly all the probability;
    # with label_smoothing=0.2 the loss is smallest where the true class has
    # 1 - 0.2 + 0.2 / 2 = 0.9, and the fit settles there.
    rng = np.random.RandomState(0)
    X, y = sign_of_sum_task(100, rng, n_steps=5)
    X += np.where(y == "positive", 2.0, -2.0)[:, None, None]
    params = {"n_hidden": 4, "max_iter": 300, "random_state": 0, "alpha": 1e-4}
    true_class = (y == "positive").astype(int)

    def true_class_probability(model):
        proba = quiet_fit(model, X, y).predict_proba(X)
        return proba[np.arange(len(y)), true_class]

    assert true_class_probability(BPTTAttractorClassifier(**params)).min() > 0.97
    smoothed = true_class_probability(
        BPTTAttractorClassifier(label_smoothing=0.2, **params)
    )
    np.testing.assert_allclose(smoothed, 0.9, atol=0.02)


def test_with_label_smoothing_a_constant_net_has_the_smoothed_entropy():
    # A penalty so strong that only the biases are free: the net predicts the
    # mean smoothed target, and its loss is that target's entropy, the
    # constant prediction's loss, so the fit says it learned nothing.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5, 1))
    y = np.array([0] * 40 + [1] * 10 + [2] * 10)
    smoothing = 0.3
    model = BPTTAttractorClassifier(
        n_hidden=4,
        alpha=1e8,
        label_smoothing=smoothing,
        learn_initial_state=False,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="learned \\(almost\\) nothing"):
        model.fit(X, y)
    mean_target = (1 - smoothing) * np.array([40, 10, 10]) / 60 + smoothing / 3
    entropy = -np.sum(mean_target * np.log(mean_target))
    assert model.loss_ == pytest.approx(entropy, rel=1e-3)
    np.testing.assert_allclose(model.predict_proba(X[:3]), [mean_target] * 3, atol=2e-3)


@pytest.mark.parametrize("smoothing", [-0.1, 1.0, 1.5])
def test_label_smoothing_outside_0_1_is_an_error(smoothing):
    X, y = imbalanced_task()
    with pytest.raises(ValueError, match="label_smoothing"):
        BPTTAttractorClassifier(label_smoothing=smoothing).fit(X, y)


def test_label_smoothing_does_not_take_its_floor_for_learning_nothing():
    # 57 against 3 sequences, told apart perfectly. With label_smoothing=0.5
    # no net can get below the entropy of (0.75, 0.25), 0.56, far above the
    # 0.20 entropy of the class frequencies; the constant prediction it must
    # beat is the smoothed one, whose entropy is 0.68.
    rng = np.random.RandomState(0)
    X = rng.normal(scale=0.1, size=(60, 5, 1))
    y = np.array(["common"] * 57 + ["rare"] * 3)
    X[y == "rare"] += 2.0
    model = BPTTAttractorClassifier(
        n_hidden=4, label_smoothing=0.5, max_iter=200, random_state=0
    )
    assert not learned_nothing_warnings(model, X, y)
    assert model.score(X, y) == 1.0
    assert model.loss_ < 0.6


def test_heavy_label_smoothing_does_not_take_a_good_fit_for_a_constant_one():
    # With label_smoothing=0.9 and two classes the least reachable loss,
    # the entropy of (0.55, 0.45), lies within 1% of the constant
    # prediction's log(2): the warning measures both from that least loss.
    rng = np.random.RandomState(0)
    X, y = sign_of_sum_task(90, rng, n_steps=6)
    model = BPTTAttractorClassifier(
        n_hidden=6, label_smoothing=0.9, max_iter=200, random_state=0
    )
    assert not learned_nothing_warnings(model, X, y)
    assert model.score(X, y) > 0.95
    assert model.loss_ > 0.99 * np.log(2)  # the loss alone cannot tell


def test_an_exploding_free_run_has_not_settled_in_either_precision():
    # Identity units with a gain above 1 grow without bound; float32
    # overflows first. find_attractors reports such runs as not settled in
    # both precisions rather than raising in one of them.
    rng = np.random.RandomState(0)
    X, y = sign_of_sum_task(20, rng, n_steps=4)
    model = quiet_fit(
        BPTTAttractorClassifier(
            n_hidden=3, activation="identity", max_iter=5, random_state=0
        ),
        X,
        y,
    )
    model.recurrent_weights_ = 3.0 * np.eye(3)  # every free step triples the state
    for dtype in (np.float64, np.float32):
        found = model.find_attractors(X.astype(dtype), n_free_steps=800)
        assert (found.basin == -1).all()
        assert len(found.fixed_points) == 0
    with pytest.raises(ValueError, match="overflowed"):
        model.set_params(n_settle_steps=800).predict(X.astype(np.float32))


def learned_nothing_warnings(model, X, y):
    """Fit, and return the warnings that the fit learned (almost) nothing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    return [w for w in caught if "learned (almost) nothing" in str(w.message)]
