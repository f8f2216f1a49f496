"""Real series to forecast: the regressor against the naive forecast and ridge.

Five series that ship inside the ``aeon`` package (read from the installed
package, no network), none of them used to choose a default:

- ``airline``: monthly airline passengers, 144 values, windows of 12;
- ``lynx``: yearly lynx trappings, 114 values, windows of 10;
- ``solar``: solar power, 289 values, windows of 24;
- ``PBS``: monthly PBS sales, 204 values, windows of 12;
- ``uschange``: quarterly change of US consumption, 187 values, windows of 8.

Every series is cut into sliding windows whose target is the next value
(``make_sliding_windows``); the first 70% of the windows train, the rest
test. Mean absolute error of:

- ``naive``: the last value of the window;
- ``ridge``: ``RidgeCV`` on the flattened window, relative to its last value
  (``RelativeToLastValue``);
- ``ours``: ``make_pipeline(SequenceStandardScaler(), BPTTRegressor())``
  relative to the last value, defaults except ``random_state=seed`` (and
  ``--param``), over every seed;
- ``ours_cv_alpha``: the same inside ``GridSearchCV`` over ``alpha`` in
  1e-2, 1, 100 and 1e4 with ``TimeSeriesSplit(3)`` on the training windows.

Run from the repository root (needs ``pip install -e .[bench]`` for aeon)::

    python benchmarks/bench_forecast.py
    python benchmarks/bench_forecast.py --param alpha=1e-4 --models ours
"""

import argparse
import warnings

import numpy as np
from bench_tasks import parse_overrides  # this folder is on the path
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.forecasting import RelativeToLastValue
from sklearn_bptt.preprocessing import SequenceStandardScaler, make_sliding_windows

WINDOWS = {"airline": 12, "lynx": 10, "solar": 24, "PBS": 12, "uschange": 8}
MODELS = ["naive", "ridge", "ours", "ours_cv_alpha"]
CV_ALPHAS = [1e-2, 1, 100, 1e4]


def load(name):
    """The series as a float array (aeon's loaders, warnings of deprecation off)."""
    from aeon import datasets

    loaders = {
        "airline": datasets.load_airline,
        "lynx": datasets.load_lynx,
        "solar": datasets.load_solar,
        "PBS": datasets.load_PBS_dataset,
        "uschange": lambda: datasets.load_uschange()[0],  # consumption
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return np.asarray(loaders[name](), dtype=np.float64).ravel()


def flatten(X):
    return X.reshape(len(X), -1)


def ours(seed, params):
    network = BPTTRegressor(random_state=seed).set_params(**params)
    return RelativeToLastValue(make_pipeline(SequenceStandardScaler(), network))


def make_model(label, seed, params):
    if label == "ridge":
        return RelativeToLastValue(
            make_pipeline(FunctionTransformer(flatten), RidgeCV())
        )
    if label == "ours":
        return ours(seed, params)
    return GridSearchCV(
        ours(seed, params),
        {"regressor__bpttregressor__alpha": CV_ALPHAS},
        cv=TimeSeriesSplit(3),
        scoring="neg_mean_absolute_error",
    )


def errors(label, X, y, X_test, y_test, seeds, params):
    """Mean absolute error per seed (one value for a deterministic model)."""
    if label == "naive":
        return [float(np.mean(np.abs(X_test[:, -1, 0] - y_test)))]
    scores = []
    for seed in seeds if label != "ridge" else seeds[:1]:
        model = make_model(label, seed, params).fit(X, y)
        scores.append(float(np.mean(np.abs(model.predict(X_test) - y_test))))
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=list(WINDOWS))
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--seeds", type=int, default=3, help="how many seeds")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="the regressor's parameter (repeatable)",
    )
    args = parser.parse_args()
    params = parse_overrides(args.param, "--param")
    seeds = list(range(args.seeds))
    print(f"ours: defaults, except {params or 'none'}; seeds 0..{seeds[-1]}")
    print("series | windows train/test | model | MAE per seed | mean")
    # The searches' fits at small alpha may stop at max_iter; they are
    # compared as they are.
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name in args.series:
        X, y = make_sliding_windows(load(name), WINDOWS[name])
        n_train = int(0.7 * len(X))
        data = (X[:n_train], y[:n_train], X[n_train:], y[n_train:])
        for label in args.models:
            scores = errors(label, *data, seeds, params)
            print(
                f"{name} | {n_train}/{len(X) - n_train} | {label} | "
                f"{' '.join(f'{s:.4g}' for s in scores)} | {np.mean(scores):.4g}",
                flush=True,
            )


if __name__ == "__main__":
    main()
