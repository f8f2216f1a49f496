"""Learning quality: the default estimators on sequence tasks that need memory.

Every task is run over several seeds (a new data set and a new starting point
each) with the estimators' default parameters unless ``--set`` overrides them,
and prints one table row per task: the score of every seed, their mean, the
goal, the fit time of every seed, the mean number of L-BFGS iterations and
how many fits ended with a ConvergenceWarning.

Tasks (train / test sizes in brackets):

- ``cbf``: Cylinder-Bell-Funnel (Saito 1994), 3 classes, length 128, each
  series z-normalised as in the UCR archive [30 / 900]; accuracy, goal 0.95.
- ``first_T30``, ``first_T60``, ``first_T100``: y = x_1 after 29, 59 or 99
  steps of uniform noise [500 / 500]; R^2, goal 0.95.
- ``adding_T50``, ``adding_T100``, ``adding_T200``: the adding problem as
  defined by Hochreiter and Schmidhuber (1997, experiment 4): values in
  [-1, 1], lengths T to T + T/10, the first mark in the first 10 steps, the
  second in the first T/2 - 1, target 0.5 + (X1 + X2) / 4 [2000 / 2560]; the
  share of test sequences with an absolute error below 0.04, goal 0.99.
- ``order_T50``, ``order_T100``: the temporal order problem, 4 classes set by
  two symbols far apart [1000 / 1000]; accuracy, goal 0.95.
- ``sine_freq``: noisy sines of 30 steps, 3 classes by frequency [600 / 600];
  accuracy, goal 0.95.
- ``sine``, ``two_sines``: every step, forecast the next 3 values of a sine of
  random frequency and phase, or of the sum of two [200 / 200]; R^2 over the
  steps after the first 10, goal 0.99.
- ``digits``: scikit-learn's 8x8 digits read row by row, pixels / 16
  [1347 / 450]; accuracy, goal 0.97.

Run from the repository root::

    python benchmarks/bench_tasks.py                         # all tasks, 3 seeds
    python benchmarks/bench_tasks.py cbf digits --seeds 5
    python benchmarks/bench_tasks.py cbf digits --seeds 10 --first-seed 10
    python benchmarks/bench_tasks.py cbf --set time_constant=10 --set alpha=0.1
    python benchmarks/bench_tasks.py first_T60 --lbfgs-history 20
    python benchmarks/bench_tasks.py cbf --seeds 10 --input-scale 4
    python benchmarks/bench_tasks.py cbf digits --input-penalty 1
    python benchmarks/bench_tasks.py cbf --seeds 10 --group-steps 4

Fits use ``n_jobs=1``; run on an otherwise idle machine for the times.
"""

import argparse
import time
import warnings
from ast import literal_eval

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

import sklearn_bptt._engine
from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt.datasets import (
    load_digits_sequences,
    make_adding_problem,
    make_cylinder_bell_funnel,
    make_temporal_order,
)


def z_normalise(X):
    """Every series to zero mean and unit variance, as in the UCR archive."""
    mean = X.mean(axis=1, keepdims=True)
    return (X - mean) / X.std(axis=1, keepdims=True)


def accuracy(model, X, y):
    return model.score(X, y)


def r2(model, X, y):
    return r2_score(y.reshape(len(y), -1), model.predict(X).reshape(len(y), -1))


def cbf(seed):
    X, y = make_cylinder_bell_funnel(30, random_state=seed)
    X_test, y_test = make_cylinder_bell_funnel(900, random_state=10_000 + seed)
    return BPTTAttractorClassifier, z_normalise(X), y, z_normalise(X_test), y_test


def first_value(n_timesteps):
    def task(seed):
        rng = np.random.RandomState(seed)
        X = rng.uniform(-1, 1, size=(1000, n_timesteps, 1))
        y = X[:, 0, 0]
        return BPTTRegressor, X[:500], y[:500], X[500:], y[500:]

    return task


def adding(n_timesteps):
    """The standard form (Hochreiter and Schmidhuber 1997, experiment 4)."""

    def task(seed):
        X, y = make_adding_problem(4560, n_timesteps, random_state=seed)
        return BPTTRegressor, X[:2000], y[:2000], X[2000:], y[2000:]

    return task


def share_within_004(model, X, y):
    return float(np.mean(np.abs(model.predict(X) - y) < 0.04))


def temporal_order(n_timesteps):
    def task(seed):
        X, y = make_temporal_order(2000, n_timesteps, random_state=seed)
        return BPTTAttractorClassifier, X[:1000], y[:1000], X[1000:], y[1000:]

    return task


def sine_frequency(seed):
    """Which of 3 frequencies a noisy sine of 30 steps has (random phase)."""
    rng = np.random.RandomState(seed)
    n, length = 1200, 30
    y = rng.randint(0, 3, size=n)
    cycles_per_step = np.array([0.075, 0.125, 0.175])[y][:, None]
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = np.arange(length)[None, :]
    X = np.sin(2 * np.pi * cycles_per_step * t + phase)
    X = (X + rng.normal(scale=0.3, size=X.shape))[:, :, None]
    return BPTTAttractorClassifier, X[:600], y[:600], X[600:], y[600:]


def sines(n_waves):
    """Forecast the next 3 values at every step; no target in the first 10."""

    def task(seed):
        rng = np.random.RandomState(seed)
        n, length, horizon = 400, 60, 3
        t = np.arange(length + horizon)[None, :]
        signal = np.zeros((n, length + horizon))
        for wave in range(n_waves):
            frequency = rng.uniform(0.1, 0.5, size=(n, 1))
            phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
            signal += np.sin(frequency * t + phase) / (wave + 1)
        X = signal[:, :length, None]
        Y = np.stack([signal[:, h : length + h] for h in range(1, horizon + 1)], axis=2)
        Y[:, :10] = np.nan
        return BPTTRegressor, X[:200], Y[:200], X[200:], Y[200:]

    return task


def r2_of_targets(model, X, Y):
    has_target = ~np.isnan(Y)
    return r2_score(Y[has_target], model.predict(X)[has_target])


def digits(seed):
    X, y = load_digits_sequences()
    X, X_test, y, y_test = train_test_split(
        X, y, test_size=450, random_state=seed, stratify=y
    )
    return BPTTAttractorClassifier, X, y, X_test, y_test


# name -> (make data, score, goal, what the score is, extra estimator parameters)
TASKS = {
    "cbf": (cbf, accuracy, 0.95, "accuracy", {}),
    "first_T30": (first_value(30), r2, 0.95, "R^2", {}),
    "first_T60": (first_value(60), r2, 0.95, "R^2", {}),
    "first_T100": (first_value(100), r2, 0.95, "R^2", {}),
    "adding_T50": (adding(50), share_within_004, 0.99, "share |err| < 0.04", {}),
    "adding_T100": (adding(100), share_within_004, 0.99, "share |err| < 0.04", {}),
    "adding_T200": (adding(200), share_within_004, 0.99, "share |err| < 0.04", {}),
    "order_T50": (temporal_order(50), accuracy, 0.95, "accuracy", {}),
    "order_T100": (temporal_order(100), accuracy, 0.95, "accuracy", {}),
    "sine_freq": (sine_frequency, accuracy, 0.95, "accuracy", {}),
    "sine": (sines(1), r2_of_targets, 0.99, "R^2", {"output": "sequence"}),
    "two_sines": (sines(2), r2_of_targets, 0.99, "R^2", {"output": "sequence"}),
    "digits": (digits, accuracy, 0.97, "accuracy", {}),
}


def penalise_input_weights(factor):
    """Add an L2 penalty of ``factor * alpha`` on the input weights.

    An experiment: the estimators penalise only the recurrent and output
    weights; ``factor=1`` penalises all three weight matrices alike.
    """
    add_penalty = sklearn_bptt._engine.add_penalty

    def with_input_weights(params, alpha, grads):
        weights = params["input_weights"]
        grads["input_weights"] += factor * alpha * weights
        penalty = 0.5 * factor * alpha * float(np.vdot(weights, weights))
        return add_penalty(params, alpha, grads) + penalty

    sklearn_bptt._engine.add_penalty = with_input_weights


def group_steps(X, k):
    """Every ``k`` consecutive steps as one step of ``k`` times the features."""
    n_samples, n_timesteps, n_features = X.shape
    if n_timesteps % k:
        raise ValueError(f"--group-steps {k} does not divide {n_timesteps} steps")
    return X.reshape(n_samples, n_timesteps // k, k * n_features)


def run_task(
    name, seeds, overrides, input_scale=1.0, dtype=np.float64, steps_per_group=1
):
    make_data, score, goal, _, extra = TASKS[name]
    scores, seconds, iterations, held, warned, frames = [], [], [], [], [], []
    for seed in seeds:
        estimator, X, y, X_test, y_test = make_data(seed)
        X = group_steps(input_scale * X, steps_per_group).astype(dtype)
        X_test = group_steps(input_scale * X_test, steps_per_group).astype(dtype)
        params = {**extra, **overrides}
        params = {k: v for k, v in params.items() if k in estimator().get_params()}
        model = estimator(random_state=seed, **params)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X, y)
        seconds.append(time.perf_counter() - start)
        warned.append(any(issubclass(w.category, ConvergenceWarning) for w in caught))
        iterations.append(model.n_iter_)
        scores.append(score(model, X_test, y_test))
        held.append(hold_scores(model, score, X_test, y_test))
        frames.append(getattr(model, "frame_length_", None))  # the classifier's
    return scores, seconds, iterations, held, warned, frames


HOLD_FACTORS = (4, 10)


def hold_scores(model, score, X_test, y_test):
    """Scores after 4 and 10 times the trained settle steps (attractors that hold).

    None for a model without settle steps, for which the question is moot.
    """
    trained = model.n_settle_steps
    if not trained:
        return None
    scores = []
    for factor in HOLD_FACTORS:
        model.set_params(n_settle_steps=factor * trained)
        scores.append(score(model, X_test, y_test))
    model.set_params(n_settle_steps=trained)
    return scores


def set_lbfgs_history(n_steps):
    """Make both estimators keep ``n_steps`` of L-BFGS history (an internal default)."""
    for estimator in (BPTTAttractorClassifier, BPTTRegressor):
        estimator._lbfgs_history = n_steps


def parse_overrides(pairs, option="--set"):
    """``NAME=VALUE`` strings to a dict, values read as Python literals if they are."""
    overrides = {}
    for pair in pairs:
        if "=" not in pair:
            raise argparse.ArgumentTypeError(f"{option} {pair!r}: use NAME=VALUE")
        key, value = pair.split("=", 1)
        try:
            overrides[key] = literal_eval(value)
        except (ValueError, SyntaxError):
            overrides[key] = value
    return overrides


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="*", help=f"some of {list(TASKS)}; default: all")
    parser.add_argument("--seeds", type=int, default=3, help="how many seeds")
    parser.add_argument(
        "--first-seed", type=int, default=0, metavar="S", help="seeds S, S + 1, ..."
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="estimator parameter to use instead of the default",
    )
    parser.add_argument(
        "--lbfgs-history",
        type=int,
        metavar="M",
        help="steps L-BFGS keeps (an internal default of each estimator)",
    )
    parser.add_argument(
        "--input-scale",
        type=float,
        default=1.0,
        metavar="C",
        help="multiply every task's inputs by C",
    )
    parser.add_argument(
        "--input-penalty",
        type=float,
        metavar="F",
        help="also penalise the input weights, by F * alpha (an experiment)",
    )
    parser.add_argument(
        "--float32",
        action="store_true",
        help="pass the inputs as float32, so that the net computes in float32",
    )
    parser.add_argument(
        "--group-steps",
        type=int,
        default=1,
        metavar="K",
        help="feed every K consecutive steps as one step of K times the features "
        "(tasks with one target per sequence, whose length K divides); for the "
        "classifier the same frames as --set frame_length=K",
    )
    args = parser.parse_args()
    if args.input_penalty is not None:
        penalise_input_weights(args.input_penalty)
    if args.lbfgs_history is not None:
        set_lbfgs_history(args.lbfgs_history)
    unknown = set(args.tasks) - set(TASKS)
    if unknown:
        parser.error(f"unknown tasks {sorted(unknown)}; choose from {list(TASKS)}")
    if args.group_steps > 1:
        for name in args.tasks or TASKS:
            if "output" in TASKS[name][4]:
                parser.error(f"--group-steps: {name} has a target at every step")
    overrides = parse_overrides(args.set)
    except_ = dict(overrides)
    if args.lbfgs_history is not None:
        except_["L-BFGS history"] = args.lbfgs_history
    if args.input_scale != 1:
        except_["inputs times"] = args.input_scale
    if args.input_penalty is not None:
        except_["input weights' penalty times"] = args.input_penalty
    if args.float32:
        except_["inputs"] = "float32"
    if args.group_steps > 1:
        except_["steps per group"] = args.group_steps
    except_ = except_ or "none"
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print(f"parameters: defaults, except {except_}; seeds {seeds[0]}..{seeds[-1]}")
    header = (
        "task",
        "score",
        "per seed",
        "mean",
        "goal",
        "met",
        "fit s per seed",
        "iters",
        "ConvergenceWarnings",
        "x4 / x10 settle steps per seed",
        "frame_length_ per seed",
    )
    print(" | ".join(header))
    for name in args.tasks or TASKS:
        scores, seconds, iterations, held, warned, frames = run_task(
            name,
            seeds,
            overrides,
            args.input_scale,
            np.float32 if args.float32 else np.float64,
            args.group_steps,
        )
        goal, what = TASKS[name][2], TASKS[name][3]
        mean = float(np.mean(scores))
        row = (
            name,
            what,
            " ".join(f"{s:.3f}" for s in scores),
            f"{mean:.3f}",
            f"{goal}",
            "yes" if min(scores) >= goal else ("mean" if mean >= goal else "no"),
            " ".join(f"{s:.1f}" for s in seconds),
            f"{np.mean(iterations):.0f}",
            f"{sum(warned)}",
            " ".join(
                "-" if h is None else "/".join(f"{s:.3f}" for s in h) for h in held
            ),
            " ".join("-" if k is None else str(k) for k in frames),
        )
        print(" | ".join(row), flush=True)


if __name__ == "__main__":
    main()
