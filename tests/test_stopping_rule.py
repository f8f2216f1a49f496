"""The stopping rule: a fit ends by itself when its loss stops improving."""

import warnings

import numpy as np
import pytest
from scipy.optimize import OptimizeResult
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt._optimise import FirstToStop, LossPlateau

rng = np.random.RandomState(0)
X = rng.normal(size=(80, 5, 2))
# Targets independent of the inputs: after the net has memorised what it
# can with 3 units, the loss flattens out well before max_iter.
y_noise = rng.normal(size=80)
labels = rng.randint(0, 3, size=80)

PLATEAU = "CONVERGENCE: LOSS FELL BY LESS THAN"


def plateau_cases():
    return {
        # The plateau rule alone, over its window of 100 iterations.
        "regressor": (
            BPTTRegressor(
                n_hidden=3, max_iter=3000, early_stopping=False, n_iter_no_change=100
            ),
            y_noise,
            0.5,
        ),
        "classifier": (
            BPTTAttractorClassifier(n_hidden=3, max_iter=3000),
            labels,
            -np.log(1 / 3),  # entropy of three classes of about equal size
        ),
    }


def first_plateau(loss_curve, window, threshold):
    """The first iteration (1-based) at which the rule's condition holds."""
    for k in range(window, len(loss_curve)):
        if loss_curve[k - window] - loss_curve[k] < threshold:
            return k + 1
    return None


@pytest.mark.parametrize("case", ["regressor", "classifier"])
def test_a_fit_on_a_plateau_stops_by_itself_without_a_warning(case):
    estimator, y, _ = plateau_cases()[case]
    model = clone(estimator).set_params(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    assert model.stop_reason_.startswith(PLATEAU)
    assert model.n_iter_ < model.max_iter
    assert len(model.loss_curve_) == model.n_iter_


@pytest.mark.parametrize("case", ["regressor", "classifier"])
def test_the_fit_stops_at_the_first_iteration_the_rule_names(case):
    estimator, y, _ = plateau_cases()[case]
    # tol=0: the gradient test cannot end the fit first.
    model = clone(estimator).set_params(random_state=1, mixed_precision=False, tol=0)
    model.fit(X, y)
    assert model.stop_reason_.startswith(PLATEAU)
    # The constant prediction's loss, as the estimator computes it.
    weights = np.ones(len(y))
    targets = model._validate_targets(y, X, np.full(len(y), X.shape[1]), weights)
    scale = model._trivial_loss(targets, weights)
    threshold = model.min_improvement * scale
    window = model.n_iter_no_change
    assert first_plateau(model.loss_curve_, window, threshold) == model.n_iter_


def test_min_improvement_zero_turns_the_rule_off():
    estimator, y, _ = plateau_cases()["regressor"]
    model = clone(estimator).set_params(random_state=0, min_improvement=0, max_iter=400)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model.fit(X, y)
    assert model.n_iter_ == 400
    assert not model.stop_reason_.startswith(PLATEAU)


def test_a_larger_window_or_tolerance_moves_the_stop():
    estimator, y, _ = plateau_cases()["regressor"]
    # min_improvement=1e-3 and a light penalty: the rule, not the gradient
    # test, ends this fit.
    base = clone(estimator).set_params(
        random_state=0, mixed_precision=False, min_improvement=1e-3, alpha=1e-4
    )
    model = clone(base).fit(X, y)
    assert model.stop_reason_.startswith(PLATEAU)
    n_iter = model.n_iter_
    assert clone(base).set_params(min_improvement=1e-2).fit(X, y).n_iter_ < n_iter
    assert clone(base).set_params(n_iter_no_change=200).fit(X, y).n_iter_ > n_iter


def test_the_fit_is_deterministic():
    estimator, y, _ = plateau_cases()["classifier"]
    first = clone(estimator).set_params(random_state=4).fit(X, y)
    second = clone(estimator).set_params(random_state=4).fit(X, y)
    assert first.n_iter_ == second.n_iter_
    np.testing.assert_array_equal(first.recurrent_weights_, second.recurrent_weights_)


class Says:
    """A monitor that says stop at a given iteration and counts its iterates."""

    def __init__(self, stop_at, message):
        self.stop_at, self.message = stop_at, message
        self.seen = 0
        self.ended = False

    def should_stop(self, intermediate_result):
        self.seen += 1
        return self.seen >= self.stop_at

    def stop_message(self):
        return self.message

    def end(self, run):
        self.ended = True


@pytest.mark.parametrize(
    "validation_at, plateau_at, message",
    [(3, 5, "validation"), (5, 3, "plateau"), (4, 4, "validation")],
)
def test_first_to_stop_ends_on_the_first_rule_and_feeds_both(
    validation_at, plateau_at, message
):
    validation = Says(validation_at, "validation")
    plateau = Says(plateau_at, "plateau")
    rule = FirstToStop(validation, plateau)
    decisions = [
        rule.should_stop(iterate(1.0)) for _ in range(min(validation_at, plateau_at))
    ]
    assert decisions[-1] and not any(decisions[:-1])
    assert validation.seen == plateau.seen == len(decisions)
    assert rule.stop_message() == message
    rule.end(None)
    assert validation.ended and plateau.ended


def iterate(loss):
    return OptimizeResult(fun=loss, x=np.zeros(1))


def test_loss_plateau_compares_the_fall_over_the_window_with_its_share():
    rule = LossPlateau(min_improvement=0.01, n_iter_no_change=2, loss_scale=10.0)
    # Threshold 0.1: the fall over the last two iterations must reach it.
    decisions = [rule.should_stop(iterate(loss)) for loss in (5, 4, 3.9, 3.85, 3.81)]
    assert decisions == [False, False, False, False, True]


def test_loss_plateau_stops_on_a_rising_loss():
    rule = LossPlateau(min_improvement=0.0, n_iter_no_change=1, loss_scale=1.0)
    assert not rule.should_stop(iterate(1.0))
    assert rule.should_stop(iterate(1.5))


@pytest.mark.parametrize("estimator", [BPTTRegressor, BPTTAttractorClassifier])
@pytest.mark.parametrize("bad", [-1e-3, "big", None])
def test_min_improvement_is_validated(estimator, bad):
    y = y_noise if estimator is BPTTRegressor else labels
    with pytest.raises(InvalidParameterError, match="min_improvement"):
        estimator(min_improvement=bad).fit(X, y)
