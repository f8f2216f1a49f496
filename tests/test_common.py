"""scikit-learn's estimator checks, with no check skipped or expected to fail."""

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor

ESTIMATORS = [
    BPTTRegressor(random_state=0),
    BPTTRegressor(
        n_hidden=7,
        activation="relu",
        n_settle_steps=3,
        n_target_steps=2,
        learn_initial_state=False,
        recurrent_mask=np.triu(np.ones((7, 7))),
        alpha=1e-3,
        random_state=0,
    ),
    BPTTAttractorClassifier(random_state=0),
    BPTTAttractorClassifier(
        n_hidden=6,
        activation="logistic",
        n_settle_steps=0,
        n_target_steps=1,
        learn_initial_state=False,
        recurrent_mask=np.tril(np.ones((6, 6))),
        alpha=1e-3,
        random_state=0,
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
