"""The classifier's frames: consecutive input steps read as one step of the net."""

import warnings

import numpy as np
import pytest

from sklearn_bptt import BPTTAttractorClassifier, _base
from sklearn_bptt._base import FRAME_SEARCH_FIRST_ITER, FRAME_SEARCH_MAX_ITER, BaseBPTT
from sklearn_bptt._engine import stack_frames

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_frames_end_at_the_last_real_step():
    X = np.arange(14.0).reshape(2, 7, 1)
    X[1, 5:] = np.nan
    frames, frame_lengths = stack_frames(X, np.array([7, 5]), 3)

    np.testing.assert_array_equal(frame_lengths, [3, 2])
    np.testing.assert_array_equal(frames[0], [[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(frames[1, :2], [[0, 7, 8], [9, 10, 11]])
    assert np.isnan(frames[1, 2]).all()


def test_a_frame_holds_its_steps_features_step_by_step():
    X = np.arange(12.0).reshape(1, 4, 3)
    frames, _ = stack_frames(X, np.array([4]), 2)

    np.testing.assert_array_equal(frames[0, 0], X[0, :2].ravel())
    np.testing.assert_array_equal(frames[0, 1], X[0, 2:].ravel())


def test_one_step_frames_are_the_input_itself():
    X = np.ones((2, 5, 1))
    frames, frame_lengths = stack_frames(X, np.array([5, 5]), 1)
    assert frames is X
    np.testing.assert_array_equal(frame_lengths, [5, 5])


def test_frames_keep_float32():
    X = np.ones((2, 5, 1), dtype=np.float32)
    assert stack_frames(X, np.array([5, 4]), 2)[0].dtype == np.float32


def sign_task(n_samples=60, n_steps=12, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_steps, 2))
    y = np.where(X[:, -4:, 0].sum(axis=1) > 0, "up", "down")
    return X, y


def test_a_framed_fit_is_a_fit_on_the_stacked_frames():
    X, y = sign_task()
    params = {"n_hidden": 5, "max_iter": 30, "random_state": 0}
    framed = BPTTAttractorClassifier(frame_length=3, **params).fit(X, y)
    frames, _ = stack_frames(X, np.full(len(X), X.shape[1]), 3)
    by_hand = BPTTAttractorClassifier(frame_length=1, **params).fit(frames, y)

    assert framed.frame_length_ == 3 and by_hand.frame_length_ == 1
    assert framed.n_features_in_ == 2
    assert framed.input_weights_.shape == (6, 5)
    np.testing.assert_array_equal(framed.input_weights_, by_hand.input_weights_)
    np.testing.assert_array_equal(
        framed.predict_proba(X), by_hand.predict_proba(frames)
    )
    assert framed.time_constant_[0] == by_hand.time_constant_[0] == 2  # 4 frames / 2
    assert framed.trajectory(X[:2]).hidden_states.shape == (2, 5, 5)


def test_a_padded_sequence_is_framed_from_its_end():
    X, y = sign_task()
    X[:20, 9:] = np.nan  # 9 real steps: 3 frames of 3, none padded with zeros
    model = BPTTAttractorClassifier(
        n_hidden=5, frame_length=3, max_iter=30, random_state=0
    ).fit(X, y)

    np.testing.assert_allclose(
        model.predict_proba(X[:1]), model.predict_proba(X[:1, :9]), rtol=1e-12
    )


@pytest.mark.parametrize(
    "n_steps, expected", [(1, 1), (300, 1), (301, 2), (600, 2), (601, 3)]
)
def test_auto_keeps_the_longest_sequence_within_300_frames(n_steps, expected):
    # More labels (40) than the net has parameters (at most 20): no search.
    X = np.random.RandomState(0).normal(size=(40, n_steps, 1))
    y = np.array([0, 1] * 20)
    model = BPTTAttractorClassifier(n_hidden=2, max_iter=1, random_state=0)
    assert model.fit(X, y).frame_length_ == expected


def test_auto_counts_the_longest_real_sequence():
    X = np.random.RandomState(0).normal(size=(40, 700, 1))
    X[:, 590:] = np.nan  # padding in every sequence
    y = np.array([0, 1] * 20)
    model = BPTTAttractorClassifier(n_hidden=2, max_iter=1, random_state=0)
    assert model.fit(X, y).frame_length_ == 2


def test_a_frame_is_at_most_the_longest_sequence():
    X, y = sign_task()
    model = BPTTAttractorClassifier(n_hidden=3, frame_length=50, max_iter=5)
    assert model.fit(X, y).frame_length_ == 12
    # A 2D X is one step: the input as the starting point.
    assert model.fit(X[:, 0], y).frame_length_ == 1


def test_a_warm_start_keeps_the_fitted_frames():
    X = np.random.RandomState(0).normal(size=(40, 650, 1))
    y = np.array([0, 1] * 20)
    model = BPTTAttractorClassifier(
        n_hidden=2, max_iter=2, warm_start=True, random_state=0
    ).fit(X, y)
    assert model.frame_length_ == 3
    model.fit(X[:, :250], y)  # "auto" would now be 1
    assert model.frame_length_ == 3
    assert model.input_weights_.shape == (3, 2)


def test_a_warm_start_with_other_frames_is_an_error():
    X, y = sign_task()
    model = BPTTAttractorClassifier(
        n_hidden=2, max_iter=2, frame_length=1, warm_start=True, random_state=0
    ).fit(X, y)
    weights = model.input_weights_.copy()
    with pytest.raises(ValueError, match="fitted frame_length_=1.*frames of 2 steps"):
        model.set_params(frame_length=2).fit(X, y)
    assert model.frame_length_ == 1
    np.testing.assert_array_equal(model.input_weights_, weights)
    # One-step sequences cut every frame to one step: the fitted frames again.
    model.fit(X[:, :1], y)
    assert model.frame_length_ == 1


@pytest.mark.parametrize("frame_length", [0, -2, 1.5, "all"])
def test_bad_frame_length(frame_length):
    X, y = sign_task()
    with pytest.raises(ValueError, match="frame_length"):
        BPTTAttractorClassifier(frame_length=frame_length).fit(X, y)


def test_the_target_window_counts_frames():
    X, y = sign_task()  # 12 steps: 3 frames of 4
    model = BPTTAttractorClassifier(n_hidden=3, frame_length=4, n_target_steps=4)
    with pytest.raises(ValueError, match=r"\(3 frames of 4 input steps"):
        model.fit(X, y)
    model.set_params(n_settle_steps=1).fit(X, y)
    assert model.frame_length_ == 4


# The frame search: with few labels, "auto" also tries the whole sequence.


@pytest.fixture
def scored(monkeypatch):
    """Record every frame length the search scores, with a chosen winner."""
    calls, winner = [], {"frame_length": None}
    scores = BaseBPTT._frames_scores

    def recorded(self, X, y, lengths, frame_length, folds, budgets):
        if winner["frame_length"] is None:
            real = scores(self, X, y, lengths, frame_length, folds, budgets)
        for _ in budgets:
            calls.extend([frame_length] * len(folds))  # one fit a fold
            if winner["frame_length"] is None:
                yield next(real)
            else:
                yield (float(frame_length == winner["frame_length"]), 0.0)

    monkeypatch.setattr(BaseBPTT, "_frames_scores", recorded)
    return calls, winner


def test_few_labels_search_the_whole_sequence_against_the_rule(scored):
    calls, winner = scored
    X, y = sign_task()  # 60 labels, far fewer than the 64 units' parameters
    winner["frame_length"] = 12
    model = BPTTAttractorClassifier(max_iter=5, random_state=0).fit(X, y)
    # Three folds each; the rule's fits, behind, go on to the full budget.
    assert calls == [12, 12, 12, 1, 1, 1, 1, 1, 1]
    assert model.frame_length_ == 12
    assert model.input_weights_.shape == (24, 64)

    calls.clear()
    winner["frame_length"] = 1
    assert model.fit(X, y).frame_length_ == 1
    assert calls == [12, 12, 12, 1, 1, 1]  # ahead after the first budget


def test_a_tie_keeps_the_rule(scored):
    calls, winner = scored
    winner["frame_length"] = -1  # neither: both score 0
    X, y = sign_task()
    model = BPTTAttractorClassifier(max_iter=5, random_state=0).fit(X, y)
    assert model.frame_length_ == 1
    assert calls == [12, 12, 12, 1, 1, 1]


def test_the_search_chooses_and_the_fit_is_the_one_with_the_choice(scored):
    calls, _ = scored  # the real scores
    X, y = sign_task(n_samples=45)
    model = BPTTAttractorClassifier(n_hidden=8, max_iter=20, random_state=0)
    model.fit(X, y)
    assert calls[:6] == [12, 12, 12, 1, 1, 1] and set(calls[6:]) <= {1}
    chosen = model.frame_length_
    assert chosen in (1, 12)
    by_hand = BPTTAttractorClassifier(
        n_hidden=8, max_iter=20, random_state=0, frame_length=chosen
    ).fit(X, y)
    np.testing.assert_array_equal(model.input_weights_, by_hand.input_weights_)
    assert model.loss_ == by_hand.loss_


@pytest.mark.parametrize(
    "params",
    [
        {"n_hidden": 1},  # 60 labels, 1 * 12 + 6 parameters at most
        {"frame_length": 4},
        {"n_settle_steps": 2},  # attractors are trained step by step
        {"n_target_steps": 3},  # so is a window of targets
    ],
)
def test_no_search(scored, params):
    calls, _ = scored
    X, y = sign_task()
    BPTTAttractorClassifier(max_iter=2, random_state=0, **params).fit(X, y)
    assert calls == []


def test_classes_too_small_to_stratify_are_not_searched_but_one_rare_class_is(scored):
    calls, _ = scored
    X, y = sign_task()
    y[:4] = ["up", "up", "down", "down"]
    BPTTAttractorClassifier(max_iter=2, random_state=0).fit(X[:4], y[:4])
    assert calls == []  # no class has a member for each of three folds
    y[0] = "rare"  # the other classes still stratify; the folds may lack it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        BPTTAttractorClassifier(max_iter=2, random_state=0).fit(X, y)
    assert calls[:6] == [12, 12, 12, 1, 1, 1]
    # scikit-learn's warning about n_splits, which the user never set, is not
    # passed on.
    assert not [w for w in caught if "least populated" in str(w.message)]


def test_a_2d_X_is_not_searched(scored):
    calls, _ = scored
    X, y = sign_task()
    model = BPTTAttractorClassifier(max_iter=2, random_state=0).fit(X[:, 0], y)
    assert calls == [] and model.frame_length_ == 1


def test_each_fit_of_the_search_is_short_and_the_rule_goes_on_if_behind(
    monkeypatch,
):
    fits = []
    minimise = _base.minimise

    def recorded(objective, draft, theta, options, *args, **kwargs):
        run = minimise(objective, draft, theta, options, *args, **kwargs)
        fits.append((options["maxiter"], theta.copy(), run))
        return run

    monkeypatch.setattr(_base, "minimise", recorded)
    X, y = sign_task()
    model = BPTTAttractorClassifier(n_hidden=8, max_iter=200, random_state=0)
    model.fit(X, y)  # 8 units: 186 parameters, more than the 60 labels
    budgets = [budget for budget, _, _ in fits]
    assert budgets[:3] == [FRAME_SEARCH_MAX_ITER] * 3  # the whole sequence
    assert budgets[3:6] == [FRAME_SEARCH_FIRST_ITER] * 3  # the rule, first
    assert budgets[-1] == 200  # the fit itself
    first = [run for _, _, run in fits[3:6]]
    going_on = fits[6:-1]
    # Fits of the rule that spent their first budget go on from where they
    # stopped, with what is left of the full budget.
    assert len(going_on) == sum(run.status == 1 for run in first)
    spent = iter(run for run in first if run.status == 1)
    for budget, theta, _ in going_on:
        run = next(spent)
        assert budget == FRAME_SEARCH_MAX_ITER - run.n_iter
        np.testing.assert_array_equal(theta, run.theta)


def test_ctrl_c_during_the_search_leaves_the_estimator_as_it_was(ctrl_c_on_call):
    X, y = sign_task()
    model = BPTTAttractorClassifier(n_hidden=8, frame_length=2, max_iter=5)
    model.fit(X, y)
    before = model.input_weights_.copy()
    calls = ctrl_c_on_call(5)
    model.set_params(frame_length="auto")
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    assert len(calls) == 5
    assert model.frame_length == "auto" and model.frame_length_ == 2
    np.testing.assert_array_equal(model.input_weights_, before)


def test_learned_time_constants_count_as_free_parameters(scored):
    calls, _ = scored
    X, y = sign_task()  # 60 labels
    # 5 units: 57 parameters, 62 with a time constant each to learn.
    params = {"n_hidden": 5, "max_iter": 2, "random_state": 0}
    BPTTAttractorClassifier(**params).fit(X, y)
    assert calls == []
    BPTTAttractorClassifier(learn_time_constant=True, **params).fit(X, y)
    assert calls[:3] == [12, 12, 12]


@pytest.mark.parametrize("n_samples, n_folds", [(597, 3), (600, 1)])
def test_with_many_sequences_the_first_fold_decides(scored, n_samples, n_folds):
    calls, winner = scored
    winner["frame_length"] = 12
    X, y = sign_task(n_samples=n_samples)  # 199 or 200 held out by each fold
    model = BPTTAttractorClassifier(max_iter=2, random_state=0).fit(X, y)
    assert calls == [12] * n_folds + [1] * (2 * n_folds)
    assert model.frame_length_ == 12


def test_a_whole_sequence_read_warns_on_longer_sequences():
    # Fitted with one frame per sequence, the net never carried a state from
    # one frame to the next: a longer sequence, read as two frames, is a
    # recurrence it was not fitted on. Shorter ones fit in one frame.
    import warnings

    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 20, 1))
    y = (X[:, 2, 0] > 0).astype(int)
    params = {"n_hidden": 4, "max_iter": 10, "random_state": 0}
    whole = BPTTAttractorClassifier(frame_length=20, **params).fit(X, y)
    longer = np.concatenate([X, X], axis=1)
    with pytest.warns(UserWarning, match="reads every sequence whole"):
        whole.predict(longer)
    steps = BPTTAttractorClassifier(frame_length=1, **params).fit(X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "reads every sequence whole")
        whole.predict(X[:, :5])
        whole.predict(X)
        steps.predict(longer)


def test_a_whole_sequence_read_warns_for_a_wide_dask_array():
    da = pytest.importorskip("dask.array")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 20, 1))
    y = (X[:, 2, 0] > 0).astype(int)
    whole = BPTTAttractorClassifier(
        frame_length=20, n_hidden=4, max_iter=10, random_state=0
    ).fit(X, y)
    longer = da.from_array(np.concatenate([X, X], axis=1), chunks=(10, -1, -1))
    with pytest.warns(UserWarning, match="reads every sequence whole"):
        whole.predict_proba(longer)


def test_a_warm_start_on_sequences_shorter_than_a_frame_says_so():
    # No frame_length can give frames of 3 steps to sequences of 2.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 7, 1))
    y = (X[:, 0, 0] > 0).astype(int)
    model = BPTTAttractorClassifier(
        frame_length=3, n_hidden=3, max_iter=5, warm_start=True, random_state=0
    ).fit(X, y)
    with pytest.raises(ValueError, match="longest sequence has 2 steps"):
        model.fit(X[:, :2], y)
