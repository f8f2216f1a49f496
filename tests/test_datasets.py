"""The data set generators: the adding problem as Hochreiter and Schmidhuber
(1997) define it, and the parameters every generator checks."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_bptt.datasets import (
    load_digits_sequences,
    make_adding_problem,
    make_cylinder_bell_funnel,
    make_temporal_order,
)


@pytest.mark.parametrize("n_timesteps", [10, 11, 20, 57])
def test_every_sequence_follows_the_definition(n_timesteps):
    X, y = make_adding_problem(200, n_timesteps, random_state=0)
    assert X.shape == (200, n_timesteps + n_timesteps // 10, 2)
    lengths = (~np.isnan(X[:, :, 0])).sum(axis=1)
    assert lengths.min() >= n_timesteps
    for values, markers, target, length in zip(
        X[:, :, 0], X[:, :, 1], y, lengths, strict=True
    ):
        marked = np.flatnonzero(markers[:length] == 1)
        assert len(marked) == 2
        assert marked[0] < 10 and marked[1] < max(10, n_timesteps // 2)
        assert target == pytest.approx(0.5 + values[marked].sum() / 4)


@pytest.mark.parametrize("n_timesteps", [3, 4, 9])
def test_too_short_for_the_first_mark_is_an_error(n_timesteps):
    with pytest.raises(ValueError, match="at least 10 .* first 10 steps"):
        make_adding_problem(5, n_timesteps, random_state=0)


@pytest.mark.parametrize(
    "make, params",
    [
        (make_adding_problem, {"n_samples": -1}),
        (make_adding_problem, {"n_samples": 2.0}),
        (make_adding_problem, {"variant": "standard"}),
        (make_cylinder_bell_funnel, {"n_samples": True}),
        (make_temporal_order, {"n_timesteps": "100"}),
        (load_digits_sequences, {"scale": "no"}),
    ],
)
def test_generators_validate_their_parameters(make, params):
    # As scikit-learn's generators do: a named error, not numpy's.
    with pytest.raises(InvalidParameterError, match=list(params)[0]):
        make(**params)
