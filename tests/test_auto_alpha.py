"""``alpha="auto"``: the penalty chosen by cross-validation down a path."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt._base import ALPHA_PATH

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, size=(90, 8, 1))
exact = X[:, :, 0].sum(axis=1)
noise = rng.normal(size=len(X))  # nothing in X predicts it

SMALL = {"n_hidden": 4, "max_iter": 300, "random_state": 0}

# Some of these short fits end at their budget.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_the_fit_is_the_one_at_the_chosen_alpha():
    model = BPTTRegressor(alpha="auto", **SMALL).fit(X, exact)
    assert model.alpha_ in ALPHA_PATH
    same = BPTTRegressor(alpha=model.alpha_, **SMALL).fit(X, exact)
    assert model.loss_curve_ == same.loss_curve_
    np.testing.assert_array_equal(model.predict(X), same.predict(X))


def test_noise_gets_a_large_alpha_and_exact_targets_a_small_one():
    assert BPTTRegressor(alpha="auto", **SMALL).fit(X, noise).alpha_ >= 100
    assert BPTTRegressor(alpha="auto", **SMALL).fit(X, exact).alpha_ <= 1e-2


def test_a_number_is_kept_as_it_is():
    assert BPTTRegressor(alpha=0.5, **SMALL).fit(X, exact).alpha_ == 0.5


def test_the_classifier_chooses_too():
    labels = np.where(exact > 0, "up", "down")
    model = BPTTAttractorClassifier(alpha="auto", **SMALL).fit(X, labels)
    assert model.alpha_ <= 1
    assert model.score(X, labels) > 0.9


def test_too_few_sequences_for_three_folds_is_a_clear_error():
    with pytest.raises(ValueError, match=r'alpha="auto" cannot split the 2 distinct'):
        BPTTRegressor(alpha="auto", **SMALL).fit(X[:2], exact[:2])


def test_a_chosen_constant_net_says_why():
    with pytest.warns(ConvergenceWarning, match=r'alpha="auto" chose alpha_=10000'):
        BPTTRegressor(alpha="auto", **SMALL).fit(X, noise)
