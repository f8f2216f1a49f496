"""Early stopping: a held-out share of the training sequences decides when to stop."""

import warnings
from unittest import mock

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError

import sklearn_bptt._base
from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt._validation import canonical_samples

rng = np.random.RandomState(0)
X = rng.normal(size=(120, 6, 1))
y_sum = X[:, :, 0].sum(axis=1)
labels = np.where(y_sum > 0, "up", "down")


def fit(estimator, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **kwargs)


class SplitSpy:
    """Calls train_test_split and remembers its arguments and result."""

    def __call__(self, rows, **kwargs):
        self.rows, self.kwargs = rows, kwargs
        self.result = train_test_split(rows, **kwargs)
        return self.result


def held_out_rows(estimator, y, stratify=None):
    """The rows the estimator holds out, drawn as its docstring says.

    The split is over the distinct samples in their canonical order (every
    sample of ``X`` is distinct here).
    """
    rows, _ = canonical_samples(X, y, np.ones(len(y)))
    seed = check_random_state(estimator.random_state).randint(np.iinfo(np.int32).max)
    positions = train_test_split(
        np.arange(len(rows)),
        test_size=estimator.validation_fraction,
        random_state=seed,
        stratify=None if stratify is None else stratify[rows],
    )[1]
    return rows[positions]


# min_improvement=0: the validation score alone decides when these fits stop.
CASES = {
    "classifier": (BPTTAttractorClassifier(n_hidden=6, min_improvement=0), labels),
    "regressor": (
        BPTTRegressor(n_hidden=6, n_iter_no_change=5, min_improvement=0),
        y_sum,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_kept_parameters_score_best_on_the_held_out_rows(case):
    estimator, y = CASES[case]
    model = fit(clone(estimator).set_params(early_stopping=True, random_state=3), X, y)
    rows = held_out_rows(model, y, stratify=y if case == "classifier" else None)
    assert model.best_validation_score_ == pytest.approx(model.score(X[rows], y[rows]))
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.stop_reason_.startswith("EARLY STOPPING")
    best_iteration = int(model.stop_reason_.rsplit(" ", 1)[1].rstrip(")"))
    assert model.validation_scores_[best_iteration - 1] == model.best_validation_score_
    assert model.n_iter_ - best_iteration == model.n_iter_no_change


def test_the_plateau_rule_can_end_an_early_stopping_fit_at_the_best_iterate():
    # A rule that no fall can satisfy ends the fit once its window is full,
    # while the validation score (of a learnable sum) still improves now and
    # then; the fit keeps its best iterate, not the last.
    model = fit(
        BPTTRegressor(
            n_hidden=6,
            early_stopping=True,
            n_iter_no_change=40,
            min_improvement=10.0,
            random_state=5,
        ),
        X,
        y_sum,
    )
    assert model.stop_reason_.startswith("CONVERGENCE: LOSS FELL BY LESS THAN")
    assert model.n_iter_ == model.n_iter_no_change + 1
    assert np.argmax(model.validation_scores_) + 1 < model.n_iter_ - 5
    rows = held_out_rows(model, y_sum)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.best_validation_score_ == pytest.approx(
        model.score(X[rows], y_sum[rows])
    )


def test_the_kept_parameters_are_those_of_the_best_iteration():
    """Refitting for exactly as many iterations as the best one gives the model."""
    params = {
        "n_hidden": 5,
        "n_init": 1,
        "random_state": 1,
        "mixed_precision": False,
        "min_improvement": 0,
    }
    model = fit(
        BPTTRegressor(early_stopping=True, n_iter_no_change=5, **params), X, y_sum
    )
    # The same split, without stopping early: iterations up to the best one
    # are the same, so the best iterate is the same point.
    best_iteration = int(np.argmax(model.validation_scores_)) + 1
    rows = held_out_rows(model, y_sum)
    weight = np.ones(len(X))
    weight[rows] = 0
    reference = fit(
        BPTTRegressor(max_iter=best_iteration, early_stopping=False, **params),
        X,
        y_sum,
        sample_weight=weight,
    )
    np.testing.assert_allclose(model.recurrent_weights_, reference.recurrent_weights_)
    np.testing.assert_allclose(model.output_weights_, reference.output_weights_)


@pytest.mark.parametrize("case", list(CASES))
def test_early_stopping_is_deterministic_under_random_state(case):
    estimator, y = CASES[case]
    estimator = clone(estimator).set_params(early_stopping=True)
    first = fit(clone(estimator).set_params(random_state=5), X, y)
    second = fit(clone(estimator).set_params(random_state=5), X, y)
    np.testing.assert_array_equal(first.recurrent_weights_, second.recurrent_weights_)
    assert first.validation_scores_ == second.validation_scores_
    other = fit(clone(estimator).set_params(random_state=6), X, y)
    assert other.validation_scores_ != first.validation_scores_


def test_the_classifier_splits_stratified_by_class():
    skewed = np.r_[np.zeros(100, dtype=int), np.ones(20, dtype=int)]
    split = SplitSpy()
    with mock.patch.object(sklearn_bptt._base, "train_test_split", split):
        fit(
            BPTTAttractorClassifier(
                n_hidden=3, max_iter=3, early_stopping=True, validation_fraction=0.25
            ),
            X,
            skewed,
        )
    # The labels follow the (distinct) samples being split.
    stratify = split.kwargs["stratify"]
    assert np.bincount(stratify).tolist() == [100, 20]
    assert np.bincount(stratify[split.result[1]]).tolist() == [25, 5]


def test_the_frame_search_does_not_see_the_held_out_sequences():
    # 16 units have more parameters than the 120 labels: the search runs.
    model = BPTTAttractorClassifier(
        n_hidden=16, max_iter=5, early_stopping=True, random_state=0
    )
    hold_out = BPTTAttractorClassifier._hold_out
    split = mock.Mock(side_effect=lambda *args: hold_out(model, *args))
    search = mock.Mock(side_effect=lambda *args: args[4])  # keeps the rule
    with (
        mock.patch.object(BPTTAttractorClassifier, "_hold_out", split),
        mock.patch.object(BPTTAttractorClassifier, "_search_frames", search),
    ):
        fit(model, X, labels)
    fit_weight, validation_weight = split.side_effect(*split.call_args.args)
    assert np.count_nonzero(validation_weight) == 12
    searched_weight = search.call_args.args[3]
    np.testing.assert_array_equal(searched_weight, fit_weight)


def test_zero_weight_samples_are_never_held_out():
    weight = np.r_[np.zeros(60), np.ones(60)]
    model = BPTTRegressor(early_stopping=True, random_state=0)
    fit_weight, validation_weight = model._hold_out(X, y_sum, weight)
    assert not fit_weight[:60].any() and not validation_weight[:60].any()
    assert np.count_nonzero(validation_weight) == 6  # a tenth of 60
    assert not (fit_weight * validation_weight).any()


def test_the_copies_of_a_sample_stay_on_one_side_of_the_split():
    # 40 distinct sequences, each three times.
    X_copies, y_copies = np.tile(X[:40], (3, 1, 1)), np.tile(y_sum[:40], 3)
    model = BPTTRegressor(early_stopping=True, validation_fraction=0.25)
    fit_weight, validation_weight = model._hold_out(X_copies, y_copies, np.ones(120))
    held_out = (fit_weight == 0).reshape(3, 40)
    assert (held_out == held_out[0]).all()
    assert held_out[0].sum() == 10
    # One row stands for each held-out sequence, weighted by its copies.
    assert np.count_nonzero(validation_weight) == 10
    assert set(validation_weight[validation_weight > 0]) == {3.0}


def test_repeating_a_sample_is_weighting_it_under_early_stopping():
    weight = np.random.RandomState(1).randint(0, 4, size=len(X))
    repeated = np.repeat(np.arange(len(X)), weight)
    params = dict(n_hidden=4, early_stopping=True, n_iter_no_change=5, max_iter=60)
    weighted = fit(
        BPTTRegressor(random_state=2, **params), X, y_sum, sample_weight=weight
    )
    copies = fit(BPTTRegressor(random_state=2, **params), X[repeated], y_sum[repeated])
    assert weighted.validation_scores_ == copies.validation_scores_
    np.testing.assert_array_equal(weighted.predict(X), copies.predict(X))


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5, "half"])
def test_bad_validation_fraction_is_rejected(fraction):
    with pytest.raises(InvalidParameterError, match="validation_fraction"):
        BPTTRegressor(early_stopping=True, validation_fraction=fraction).fit(X, y_sum)


def test_a_split_that_cannot_be_made_names_validation_fraction():
    few = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match=r"validation_fraction=0.1 cannot split"):
        BPTTAttractorClassifier(early_stopping=True).fit(X[:6], few)


def test_a_class_too_small_to_split_is_named_by_its_label():
    rare = np.r_[["rare"], labels[1:20]]
    with pytest.raises(ValueError, match=r"too few members are: \['rare'\]"):
        BPTTAttractorClassifier(early_stopping=True).fit(X[:20], rare)


def test_one_held_out_target_value_is_too_few_for_r2():
    # 0.1 of 8 sequences holds one out, whose R^2 is undefined (NaN).
    with pytest.raises(ValueError, match=r"too few to score: R\^2 needs two"):
        BPTTRegressor(early_stopping=True).fit(X[:8], y_sum[:8])
    # Two held out can be scored; so can one sequence with targets at two steps.
    model = fit(
        BPTTRegressor(n_hidden=3, max_iter=5, early_stopping=True, n_iter_no_change=2),
        X[:20],
        y_sum[:20],
    )
    assert np.isfinite(model.best_validation_score_)
    steps = np.cumsum(X[:8], axis=1)
    model = BPTTRegressor(
        n_hidden=3, max_iter=5, output="sequence", early_stopping=True
    )
    assert np.isfinite(fit(model, X[:8], steps).best_validation_score_)


def test_without_early_stopping_there_are_no_validation_scores():
    model = fit(BPTTRegressor(n_hidden=3, max_iter=3, early_stopping=False), X, y_sum)
    assert model.validation_scores_ is None
    assert model.best_validation_score_ is None
