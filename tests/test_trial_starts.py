"""Several starts with ``init_max_iter``: only the best goes on.

Every start runs ``init_max_iter`` iterations; the one with the lowest loss
(with early stopping, the best validation score) then goes on from where it
is for the rest of ``max_iter``.
"""

import re

import numpy as np
import pytest

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor

# These short fits end at their budget on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, size=(60, 12, 1))
y = X[:, 0, 0] - X[:, :, 0].mean(axis=1)

# No rule that could end a run before its budget.
# A number for alpha: with 60 targets alpha="auto" would cross-validate first.
UNSTOPPED = {
    "n_hidden": 5,
    "min_improvement": 0,
    "tol": 0,
    "alpha": 1e-2,
    "random_state": 3,
}


def assert_trial_then_warm_start(model, trial_weight=None):
    """``model`` (20 trial iterations of 60) is the best of its starts run to
    20 iterations (fitted with ``trial_weight``), then a warm start on all."""
    reference = BPTTRegressor(**model.get_params()).set_params(
        init_max_iter=None, max_iter=20
    )
    reference.fit(X, y, sample_weight=trial_weight)
    first_curve = list(reference.loss_curve_)
    reference.set_params(warm_start=True, max_iter=40).fit(X, y)

    assert model.n_iter_ == 60
    assert model.loss_curve_ == first_curve + reference.loss_curve_
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))


def test_the_best_start_goes_on_from_where_it_is():
    """The same as keeping the lowest loss of the short runs, then a warm start."""
    model = BPTTRegressor(n_init=3, init_max_iter=20, max_iter=60, **UNSTOPPED)
    assert_trial_then_warm_start(model.fit(X, y))


def test_a_start_that_ends_by_itself_ends_the_fit():
    # A plateau rule no fall can satisfy ends every start after its window,
    # within the trial iterations, so the fit is the best of the starts as
    # they ended, with nothing after it.
    params = {"n_hidden": 5, "n_init": 3, "max_iter": 500, "tol": 0}
    params.update(min_improvement=10.0, n_iter_no_change=5, random_state=0)
    model = BPTTRegressor(init_max_iter=50, **params).fit(X, y)
    full = BPTTRegressor(init_max_iter=None, **params).fit(X, y)
    assert model.n_iter_ == 6
    assert model.stop_reason_.startswith("CONVERGENCE: LOSS FELL BY LESS THAN")
    assert model.loss_curve_ == full.loss_curve_


def test_init_max_iter_at_or_above_max_iter_runs_every_start_to_the_end():
    params = {**UNSTOPPED, "n_init": 2, "max_iter": 15}
    full = BPTTRegressor(init_max_iter=None, **params).fit(X, y)
    for init_max_iter in (15, 40):
        model = BPTTRegressor(init_max_iter=init_max_iter, **params).fit(X, y)
        assert model.loss_curve_ == full.loss_curve_


def test_early_stopping_keeps_the_better_validation_score_of_both_parts():
    model = BPTTAttractorClassifier(
        n_hidden=4,
        n_init=2,
        init_max_iter=10,
        max_iter=40,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=40,
        random_state=0,
    ).fit(X, (y > 0).astype(int))
    assert model.n_iter_ > 10  # the best start went on
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)


@pytest.mark.parametrize("Estimator", [BPTTRegressor, BPTTAttractorClassifier])
def test_the_trial_is_deterministic(Estimator):
    target = y if Estimator is BPTTRegressor else (y > 0).astype(int)
    params = {"n_hidden": 4, "n_init": 3, "init_max_iter": 10, "max_iter": 40}
    first = Estimator(random_state=7, **params).fit(X, target)
    second = Estimator(random_state=7, **params).fit(X, target)
    assert first.loss_curve_ == second.loss_curve_


def test_verbose_counts_on_from_the_trial(capsys):
    BPTTRegressor(n_init=2, init_max_iter=20, max_iter=60, verbose=2, **UNSTOPPED).fit(
        X, y
    )
    out = capsys.readouterr().out
    trial, rest = out.split("Going on with the best of 2 starts after 20 iterations")
    assert len(re.findall(r"^Iteration +\d+/20 ", trial, flags=re.M)) == 40
    counts = [int(n) for n in re.findall(r"^Iteration +(\d+)/60 ", rest, flags=re.M)]
    assert counts == list(range(21, 61))
    assert "Stopped after 60/60 iterations" in rest


# A trial on 25 of the 60 sequences.
SUBSAMPLED = {**UNSTOPPED, "n_init": 3, "init_max_samples": 25}


def trial_weight(model, sample_weight=None):
    weight = np.ones(len(X)) if sample_weight is None else sample_weight
    return model._trial_weight(X, y, weight, model.n_init)


def test_the_trial_fits_a_subsample_then_the_best_goes_on_with_all():
    model = BPTTRegressor(init_max_iter=20, max_iter=60, **SUBSAMPLED).fit(X, y)
    assert_trial_then_warm_start(model, trial_weight(model))


def test_the_subsample_is_a_reproducible_draw_of_distinct_sequences():
    model = BPTTRegressor(init_max_iter=20, **SUBSAMPLED)
    weight = np.arange(1.0, 61.0)
    weight[:10] = 0  # never drawn
    drawn = trial_weight(model, weight)
    assert np.count_nonzero(drawn) == 25
    assert np.all(drawn[:10] == 0)
    np.testing.assert_array_equal(drawn[drawn > 0], weight[drawn > 0])
    np.testing.assert_array_equal(drawn, trial_weight(model, weight))
    other = model.set_params(random_state=4)
    assert not np.array_equal(drawn, trial_weight(other, weight))


def test_copies_of_a_sequence_are_drawn_together():
    model = BPTTRegressor(init_max_iter=20, **{**SUBSAMPLED, "init_max_samples": 10})
    doubled = np.concatenate([X[:30], X[:30]])
    drawn = model._trial_weight(doubled, np.tile(y[:30], 2), np.ones(60), 3)
    assert np.count_nonzero(drawn) == 20
    np.testing.assert_array_equal(drawn[:30], drawn[30:])


@pytest.mark.parametrize(
    "change",
    [
        {"init_max_samples": None},
        {"init_max_samples": 60},  # no fewer than the distinct sequences
        {"n_init": 1},
        {"init_max_iter": None},
    ],
)
def test_the_trial_fits_all_sequences_when_asked_or_when_there_is_no_trial(change):
    model = BPTTRegressor(**{**SUBSAMPLED, "init_max_iter": 20, **change})
    assert trial_weight(model) is None


def test_a_start_that_ends_by_itself_on_the_subsample_still_goes_on():
    # Every run ends on the plateau rule after its window of 5 iterations:
    # the trial's best start, then its continuation on all the sequences.
    params = {**SUBSAMPLED, "max_iter": 500, "min_improvement": 10.0}
    model = BPTTRegressor(init_max_iter=50, n_iter_no_change=5, **params).fit(X, y)
    assert model.n_iter_ == 12
    assert model.stop_reason_.startswith("CONVERGENCE: LOSS FELL BY LESS THAN")


def test_the_classifiers_subsample_is_stratified_by_class():
    # 10 of 200 sequences in the rare class: a plain draw of 20 misses it
    # about one time in three.
    X_many = np.random.RandomState(0).normal(size=(200, 5, 1))
    one_hot = np.eye(2)[np.r_[np.zeros(190, dtype=int), np.ones(10, dtype=int)]]
    rare_drawn = []
    for seed in range(10):
        model = BPTTAttractorClassifier(
            n_init=3, init_max_iter=5, init_max_samples=20, random_state=seed
        )
        model.classes_ = np.arange(2)  # set by fit before the draw
        drawn = model._trial_weight(X_many, one_hot, np.ones(200), 3)
        assert np.count_nonzero(drawn) == 20
        rare_drawn.append(int(one_hot[drawn > 0, 1].sum()))
    assert rare_drawn == [1] * 10


def test_a_class_of_one_sequence_leaves_the_subsample_unstratified():
    X_many = np.random.RandomState(0).normal(size=(60, 5, 1))
    one_hot = np.eye(2)[np.r_[np.zeros(59, dtype=int), 1]]
    model = BPTTAttractorClassifier(
        n_init=3, init_max_iter=5, init_max_samples=20, random_state=0
    )
    model.classes_ = np.arange(2)  # set by fit before the draw
    drawn = model._trial_weight(X_many, one_hot, np.ones(60), 3)
    assert np.count_nonzero(drawn) == 20
