"""``alpha="auto"``: the penalty chosen by cross-validation up a path.

It cross-validates when there are fewer target values than free parameters
(the net could fit every target), and is 1e-2 otherwise.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor, _base
from sklearn_bptt._base import ALPHA_PATH, ALPHA_WITH_ENOUGH_DATA, BaseBPTT

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, size=(90, 8, 1))
exact = X[:, :, 0].sum(axis=1)
noise = rng.normal(size=len(X))  # nothing in X predicts it

# 9 units: 118 free parameters, more than the 90 targets.
SMALL = {"n_hidden": 9, "max_iter": 300, "random_state": 0}

# Some of these short fits end at their budget, and noise targets give a
# constant net, which says so.
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:The fit ended at loss:UserWarning"),
]


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


def test_the_regressor_chooses_by_default():
    assert BPTTRegressor().alpha == "auto"
    assert BPTTAttractorClassifier().alpha == 1e-2


@pytest.fixture
def cross_validations(monkeypatch):
    """The number of folds scored along the path, counted as fits run."""
    folds = []
    path_scores = BaseBPTT._path_scores

    def counted(self, *args):
        folds.append(args)
        return path_scores(self, *args)

    monkeypatch.setattr(BaseBPTT, "_path_scores", counted)
    return folds


def test_cross_validation_only_with_fewer_target_values_than_parameters(
    cross_validations,
):
    # 4 units and one feature: 4 + 16 + 4 + 4 + 1 + 4 = 33 free parameters.
    few = {"n_hidden": 4, "max_iter": 50, "random_state": 0}
    model = BPTTRegressor(**few).fit(X[:33], noise[:33])
    assert not cross_validations
    assert model.alpha_ == ALPHA_WITH_ENOUGH_DATA
    same = BPTTRegressor(**few, alpha=ALPHA_WITH_ENOUGH_DATA).fit(X[:33], noise[:33])
    assert model.loss_curve_ == same.loss_curve_

    BPTTRegressor(**few).fit(X[:32], noise[:32])
    assert len(cross_validations) == 3
    # The count is weighted, as the loss is: 17 sequences of weight 2.
    BPTTRegressor(**few).fit(X[:17], noise[:17], sample_weight=np.full(17, 2.0))
    assert len(cross_validations) == 3
    # Parameters held fixed do not count: no learned initial state leaves 29.
    fixed_start = BPTTRegressor(**few, learn_initial_state=False)
    fixed_start.fit(X[:30], noise[:30])
    assert len(cross_validations) == 3
    fixed_start.fit(X[:28], noise[:28])
    assert len(cross_validations) == 6


def test_two_outputs_count_twice(cross_validations):
    # 4 units, two outputs: 38 free parameters; 19 sequences give 38 targets.
    Y = np.column_stack([noise, exact])
    few = {"n_hidden": 4, "max_iter": 50, "random_state": 0}
    BPTTRegressor(**few).fit(X[:19], Y[:19])
    assert not cross_validations
    BPTTRegressor(**few).fit(X[:18], Y[:18])
    assert len(cross_validations) == 3


def test_too_few_sequences_for_three_folds_keep_the_fixed_value(cross_validations):
    model = BPTTRegressor(**SMALL).fit(X[:2], exact[:2])
    assert model.alpha_ == ALPHA_WITH_ENOUGH_DATA
    assert not cross_validations


def test_a_fold_too_small_to_score_keeps_the_fixed_value(cross_validations):
    # 5 sequences in three folds: one fold holds out a single target value,
    # whose R^2 is undefined; 6 give every fold two.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        model = BPTTRegressor(**SMALL).fit(X[:5], exact[:5])
    assert model.alpha_ == ALPHA_WITH_ENOUGH_DATA
    assert not cross_validations
    BPTTRegressor(**SMALL).fit(X[:6], exact[:6])
    assert len(cross_validations) == 3


@pytest.mark.parametrize("n_rare", [1, 2])
def test_a_class_too_small_for_three_folds_keeps_the_fixed_value(
    cross_validations, n_rare
):
    # Stratified, some fold would hold out none of the rare class, and with
    # one member one fold would train without it; as with too few
    # sequences, no cross-validation.
    labels = np.where(exact[:40] > 0, "up", "down")
    labels[:n_rare] = "rare"
    model = BPTTAttractorClassifier(alpha="auto", **SMALL).fit(X[:40], labels)
    assert model.alpha_ == ALPHA_WITH_ENOUGH_DATA
    assert not cross_validations
    labels[:3] = "rare"
    BPTTAttractorClassifier(alpha="auto", **SMALL).fit(X[:40], labels)
    assert len(cross_validations) == 3


def test_a_chosen_constant_net_says_why_as_a_user_warning():
    # Not a ConvergenceWarning: the fit did what the held-out data asked.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        BPTTRegressor(alpha="auto", **SMALL).fit(X, noise)
    chosen = 'alpha="auto" chose alpha_=10000'
    [warning] = [w for w in caught if chosen in str(w.message)]
    assert warning.category is UserWarning


def test_ctrl_c_during_the_folds_leaves_the_estimator_as_it_was(ctrl_c_on_call):
    model = BPTTRegressor(alpha=0.5, **SMALL).fit(X, exact)
    before = {name: value for name, value in vars(model).items()}
    calls = ctrl_c_on_call(5)
    model.set_params(alpha="auto")
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, noise)
    assert len(calls) == 5
    assert model.alpha == "auto"
    assert model.alpha_ == 0.5
    np.testing.assert_array_equal(model.output_weights_, before["output_weights_"])


def test_each_fit_along_the_path_runs_at_most_init_max_iter(monkeypatch):
    iterations = []
    minimise = _base.minimise

    def recorded(*args, **kwargs):
        run = minimise(*args, **kwargs)
        iterations.append(run.n_iter)
        return run

    monkeypatch.setattr(_base, "minimise", recorded)
    model = BPTTRegressor(**{**SMALL, "init_max_iter": 7, "n_init": 1}).fit(X, noise)
    path, final = iterations[:-1], iterations[-1]
    assert len(path) == 3 * len(ALPHA_PATH)
    assert max(path) == 7
    assert final == model.n_iter_ > 7
