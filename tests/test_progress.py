"""What ``verbose`` prints while a fit runs."""

import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor

LINE = re.compile(
    r"Iteration +(\d+)/(\d+)  loss (\S+)  (float32|float64)  (\d+\.\d\d) s$"
)
LAST_LINE = re.compile(
    r"Stopped after (\d+)/(\d+) iterations: (.+); loss (\S+), (\d+\.\d\d) s$"
)


def sum_task(n=50, T=4):
    X = np.random.RandomState(0).uniform(-1, 1, size=(n, T, 1))
    return X, X[:, :, 0].sum(axis=1)


def fit_verbosely(estimator, X, y, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = estimator.fit(X, y)
    return model, capsys.readouterr().out.splitlines()


def iteration_lines(lines):
    return [LINE.match(line) for line in lines if line.startswith("Iteration")]


def test_verbose_prints_about_twenty_lines_and_the_stop(capsys):
    X, y = sum_task()
    model, lines = fit_verbosely(
        BPTTRegressor(
            n_hidden=3,
            n_init=1,
            max_iter=100,
            verbose=1,
            mixed_precision=False,
            random_state=0,
        ),
        X,
        y,
        capsys,
    )
    matches = iteration_lines(lines)
    assert all(matches)
    counts = [int(m.group(1)) for m in matches]
    assert counts == [1] + list(range(5, model.n_iter_ + 1, 5))
    assert {m.group(2) for m in matches} == {"100"}
    assert {m.group(4) for m in matches} == {"float64"}
    times = [float(m.group(5)) for m in matches]
    assert times == sorted(times)
    losses = [float(m.group(3)) for m in matches]
    np.testing.assert_allclose(
        losses, [model.loss_curve_[i - 1] for i in counts], rtol=1e-7
    )
    last = LAST_LINE.match(lines[-1])
    assert last is not None
    assert int(last.group(1)) == model.n_iter_
    assert last.group(3) == model.stop_reason_
    np.testing.assert_allclose(float(last.group(4)), model.loss_, rtol=1e-7)


def test_verbose_two_prints_every_iteration(capsys):
    X, y = sum_task()
    labels = y > 0
    model, lines = fit_verbosely(
        BPTTAttractorClassifier(n_hidden=3, max_iter=7, verbose=2, random_state=0),
        X,
        labels,
        capsys,
    )
    counts = [int(m.group(1)) for m in iteration_lines(lines)]
    assert counts == list(range(1, model.n_iter_ + 1))


def test_one_count_runs_through_the_float32_and_float64_phases(capsys):
    # tol=0 and min_improvement=0: float32 rounding, not a stopping rule,
    # ends the first phase (after about 350 iterations on this easy task).
    X, _ = sum_task()
    model, lines = fit_verbosely(
        BPTTRegressor(
            n_hidden=3,
            n_init=1,
            max_iter=1000,
            tol=0,
            min_improvement=0,
            verbose=2,
            random_state=0,
        ),
        X,
        X[:, -1, 0],
        capsys,
    )
    handover = [i for i, line in enumerate(lines) if line.startswith("Going on")]
    assert len(handover) == 1
    matches = iteration_lines(lines)
    counts = [int(m.group(1)) for m in matches]
    assert counts == list(range(1, model.n_iter_ + 1))
    phases = [m.group(4) for m in matches]
    n_draft = phases.count("float32")
    assert 0 < n_draft < model.n_iter_
    assert phases == ["float32"] * n_draft + ["float64"] * (model.n_iter_ - n_draft)
    assert f"after {n_draft} float32 iterations" in lines[handover[0]]
    assert LAST_LINE.match(lines[-1]).group(1) == str(model.n_iter_)


@pytest.mark.parametrize("verbose", [0, False])
def test_silent_by_default(verbose, capsys):
    X, y = sum_task()
    _, lines = fit_verbosely(
        BPTTRegressor(n_hidden=3, max_iter=5, verbose=verbose), X, y, capsys
    )
    assert lines == []


def test_every_start_is_announced_before_its_lines(capsys):
    # With trial starts, each start's run prints its own lines; a header
    # tells them apart before the best one goes on.
    X, y = sum_task()
    model, lines = fit_verbosely(
        BPTTRegressor(
            n_hidden=3,
            n_init=3,
            init_max_iter=20,
            max_iter=60,
            verbose=1,
            alpha=1e-2,
            random_state=0,
        ),
        X,
        y,
        capsys,
    )
    headers = [i for i, line in enumerate(lines) if line.startswith("Start ")]
    assert [lines[i] for i in headers] == [
        f"Start {k} of 3, at most 20 iterations" for k in (1, 2, 3)
    ]
    assert headers[0] == 0
    # every start's run then prints its iterations and its stop
    for begin, end in zip(headers, headers[1:] + [len(lines)], strict=True):
        assert any(line.startswith("Stopped after") for line in lines[begin:end])


def test_a_single_start_prints_no_header(capsys):
    X, y = sum_task()
    _, lines = fit_verbosely(
        BPTTRegressor(n_hidden=3, n_init=1, max_iter=10, verbose=1, alpha=1e-2),
        X,
        y,
        capsys,
    )
    assert not [line for line in lines if line.startswith("Start ")]
