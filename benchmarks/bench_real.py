"""Real data: the default estimators against what a data scientist already has.

Small real data sets that ship inside the ``aeon`` package (read from the
installed package, no network), each with its official train / test split:

Classification (accuracy):

- ``OSULeaf``: leaf outlines, 6 classes, 427 steps [200 / 242].
- ``ACSF1``: power consumption of appliances, 10 classes, 1460 steps
  [100 / 100].
- ``PickupGestureWiimoteZ``: accelerometer gestures, 10 classes, 29 to 361
  steps (unequal lengths) [50 / 50].
- ``UnitTest``: a 2-class toy subset of Chinatown, 24 steps [20 / 22].

Regression (RMSE):

- ``Covid3Month``: daily cases over 84 days, the target the death rate
  [140 / 61].
- ``CardanoSentiment``: 24 hours of Cardano price and volume (2 channels), the
  target a sentiment score [74 / 33].

Held back, run only when named in ``--sets`` (no default was chosen on them):
``ArrowHead`` (251 steps, 3 classes [36 / 175]), ``BasicMotions`` (100 steps,
6 channels, 4 classes [40 / 40]), ``GunPoint`` (150 steps, 2 classes
[50 / 150]), ``ItalyPowerDemand`` (24 steps, 2 classes [67 / 1029]) and
``JapaneseVowels`` (7 to 26 steps, 12 channels, 9 classes [270 / 370]).

Models, per data set:

- ours: ``make_pipeline(SequenceStandardScaler(), BPTTAttractorClassifier())``
  or ``BPTTRegressor()``, defaults except ``random_state=seed`` (and
  ``--max-iter`` / ``--param``), over every seed;
- ``MLPClassifier`` / ``MLPRegressor`` (``solver="lbfgs"``, ``max_iter``
  ``--mlp-max-iter``, otherwise defaults) on the flattened series, per-column
  standardised, over the same seeds;
- 1-NN Euclidean (``KNeighborsClassifier(1)`` / ``KNeighborsRegressor(1)``) on
  the flattened series; deterministic, fitted once;
- regression only: ``RidgeCV()`` on the flattened, per-column standardised
  series, and the mean of the training targets (``DummyRegressor()``); both
  deterministic, fitted once;
- asked for by name, ``ours_cv_alpha``: ours inside ``GridSearchCV`` over
  ``alpha`` in 1e-2, 1e-1, 1, 10 and 100, 3 shuffled folds (stratified for
  classification) drawn with the seed, refitted on the whole training set;
- asked for by name, classification only, ``ours_cv_frames``: the same search
  over ``frame_length`` in ``"auto"`` and the number of steps (the whole
  series as one frame);
- aeon's ``MiniRocketClassifier`` / ``MiniRocketRegressor`` (defaults,
  ``random_state=seed``, ``n_jobs=1``) on the same series, channels first, as
  the ceiling.

Every model sees the series after ``SequenceStandardScaler`` (every channel to
zero mean and unit variance over all real steps of the training set). For the
baselines, which need equal lengths, the NaN padding of
``PickupGestureWiimoteZ`` (at the end of the shorter series) is then filled
with 0, the channel's mean; ours reads the padded series as they are and
stops each one at its last real step.

Run from the repository root (needs ``pip install -e .[bench]`` for aeon)::

    python benchmarks/bench_real.py                         # all sets, 3 seeds
    python benchmarks/bench_real.py --sets OSULeaf UnitTest --seeds 5
    python benchmarks/bench_real.py --sets Covid3Month --param n_hidden=32
    python benchmarks/bench_real.py --sets ACSF1 --seeds 1 --max-iter 100
    python benchmarks/bench_real.py --param time_constant=10 --param alpha=0.1
    python benchmarks/bench_real.py --models ours mlp
    python benchmarks/bench_real.py --sets Covid3Month --models ours --scale-y
    python benchmarks/bench_real.py --models ours --lbfgs-history 100
    python benchmarks/bench_real.py --sets CardanoSentiment --models ours_cv_alpha
    python benchmarks/bench_real.py --sets ArrowHead --models ours ours_cv_frames

``--param NAME=VALUE`` goes to our estimator's ``set_params`` (a name with
``__``, such as ``sequencestandardscaler__with_std=False``, goes to the
pipeline as it is); a parameter that only one of the two estimators has is
used where it exists. Fits run one after another in this process. The
first lines printed say which ``sklearn_bptt`` was imported: an editable
install of another checkout wins over a worktree's own copy unless
``PYTHONPATH`` names the worktree.
"""

import argparse
import time
import warnings

import numpy as np
from bench_tasks import (  # this folder is on the path
    hold_scores,
    parse_overrides,
    set_lbfgs_history,
)
from sklearn.compose import TransformedTargetRegressor
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_bptt import BPTTAttractorClassifier, BPTTRegressor
from sklearn_bptt.preprocessing import (
    SequenceStandardScaler,
    from_channels_first,
    to_padded_array,
)

CLASSIFICATION = ["OSULeaf", "ACSF1", "PickupGestureWiimoteZ", "UnitTest"]
REGRESSION = ["Covid3Month", "CardanoSentiment"]
# More sets that ship with aeon, run only when named: a check on data the
# defaults were not chosen on.
HELD_BACK = [
    "ArrowHead",
    "BasicMotions",
    "GunPoint",
    "ItalyPowerDemand",
    "JapaneseVowels",
]
MODELS = ["ours", "mlp", "1nn", "ridge", "mean", "minirocket"]
# Asked for by name only: searches of several fits and a refit per seed.
EXTRA_MODELS = ["ours_cv_alpha", "ours_cv_frames"]
CV_ALPHAS = [1e-2, 1e-1, 1, 10, 100]


def load(name):
    """The official train and test splits, as ``(n, T, channels)`` arrays."""
    from aeon.datasets import load_classification, load_regression

    loader = load_regression if name in REGRESSION else load_classification
    splits = []
    for split in ("train", "test"):
        X, y = loader(name, split=split)
        if isinstance(X, list):  # unequal lengths: (channels, T_i) arrays
            X = to_padded_array([x.T for x in X])
        else:
            X = from_channels_first(X)
        splits += [np.asarray(X, dtype=np.float64), y]
    X, y, X_test, y_test = splits
    if X.shape[1] != X_test.shape[1]:  # pad both to the longer of the two
        n_timesteps = max(X.shape[1], X_test.shape[1])
        X, X_test = (
            np.pad(
                a,
                ((0, 0), (0, n_timesteps - a.shape[1]), (0, 0)),
                constant_values=np.nan,
            )
            for a in (X, X_test)
        )
    if name in REGRESSION:
        y, y_test = y.astype(np.float64), y_test.astype(np.float64)
    return X, y, X_test, y_test


def for_baselines(X, X_test):
    """Both splits scaled as ours sees them, padding filled with 0 (the mean)."""
    scaler = SequenceStandardScaler().fit(X)
    return [np.nan_to_num(scaler.transform(a), nan=0.0) for a in (X, X_test)]


def flat(X):
    return X.reshape(len(X), -1)


def channels_first(X):
    return np.ascontiguousarray(np.swapaxes(X, 1, 2))


def our_pipeline(estimator, seed, params, scale_y=False):
    pipeline = make_pipeline(SequenceStandardScaler(), estimator(random_state=seed))
    step = pipeline.steps[-1][0]
    own = estimator().get_params()
    pipeline.set_params(
        **{
            key if "__" in key else f"{step}__{key}": value
            for key, value in params.items()
            if "__" in key or key in own
        }
    )
    if scale_y:
        return TransformedTargetRegressor(pipeline, transformer=StandardScaler())
    return pipeline


def chosen_by_cv(estimator, seed, params, task, name, values):
    """Ours with parameter ``name`` chosen from ``values`` by 3-fold cross-validation
    on the training set."""
    pipeline = our_pipeline(estimator, seed, params)
    step = pipeline.steps[-1][0]
    folds = StratifiedKFold if task == "classification" else KFold
    return GridSearchCV(
        pipeline,
        {f"{step}__{name}": values},
        cv=folds(3, shuffle=True, random_state=seed),
        scoring=None if task == "classification" else "neg_root_mean_squared_error",
    )


def check_params(params, parser):
    own = set(BPTTRegressor().get_params()) | set(
        BPTTAttractorClassifier().get_params()
    )
    unknown = [k for k in params if "__" not in k and k not in own]
    if unknown:
        parser.error(f"--param: neither estimator has {unknown}")


def score(task, y_true, y_pred):
    if task == "classification":
        return accuracy_score(y_true, y_pred)
    return float(np.sqrt(mean_squared_error(y_true, y_pred)))


def fit_and_score(task, model, X, y, X_test, y_test):
    """Score, fit seconds, and the ConvergenceWarnings the fit raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return score(task, y_test, model.predict(X_test)), seconds, convergence


SHORT_REASONS = {
    "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL": "gtol",
    "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT": "max_iter",
    "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT": "max_fun",
    "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH": "ftol",
    "ABNORMAL: ": "abnormal",
    "ABNORMAL_TERMINATION_IN_LNSRCH": "abnormal",
}


def short_reason(reason):
    if reason.startswith("CONVERGENCE: LOSS FELL BY LESS THAN"):
        return "plateau"  # the min_improvement rule
    return SHORT_REASONS.get(reason, reason)


def hold_text(task, pipeline, X_test, y_test):
    """``"x4/x10"`` scores after 4 and 10 times the trained settle steps, or None."""
    held = hold_scores(
        pipeline[-1],
        lambda _, X, y: score(task, y, pipeline.predict(X)),
        X_test,
        y_test,
    )
    return None if held is None else "/".join(f"{s:.3f}" for s in held)


def run_set(name, seeds, models, params, max_iter, mlp_max_iter, scale_y=False):
    """Rows of (model, scores, seconds, notes) for one data set."""
    task = "regression" if name in REGRESSION else "classification"
    X, y, X_test, y_test = load(name)
    B, B_test = for_baselines(X, X_test)
    rows = []

    def add(label, make, data, seeded=True, notes=None):
        scores, seconds, extra = [], [], []
        for seed in seeds if seeded else seeds[:1]:
            model = make(seed)
            s, t, convergence = fit_and_score(task, model, *data)
            scores.append(s)
            seconds.append(t)
            if notes is not None:
                extra.append(notes(model, convergence))
        rows.append((label, scores, seconds, extra))
        print(
            f"  {name} {label}: {' '.join(f'{s:.3f}' for s in scores)}, "
            f"{' '.join(f'{t:.1f}' for t in seconds)} s",
            flush=True,
        )

    estimator = BPTTAttractorClassifier if task == "classification" else BPTTRegressor
    if max_iter is not None:
        params = {**params, "max_iter": max_iter}

    def ours_notes(model, convergence):
        if isinstance(model, TransformedTargetRegressor):
            model = model.regressor_
        fitted = model[-1]
        reason = short_reason(fitted.stop_reason_)
        if hasattr(fitted, "frame_length_"):
            reason += f",frame_length_={fitted.frame_length_}"
        return (
            fitted.n_iter_,
            reason,
            bool(convergence),
            hold_text(task, model, X_test, y_test),
        )

    if "ours" in models:
        add(
            "ours",
            lambda seed: our_pipeline(
                estimator, seed, params, scale_y and task == "regression"
            ),
            (X, y, X_test, y_test),
            notes=ours_notes,
        )

    def search_notes(parameter):
        def notes(model, convergence):
            n_iter, reason, _, hold = ours_notes(model.best_estimator_, [])
            step = model.estimator.steps[-1][0]
            chosen = model.best_params_[f"{step}__{parameter}"]
            return (n_iter, f"{reason},{parameter}={chosen}", bool(convergence), hold)

        return notes

    if "ours_cv_alpha" in models:
        add(
            "ours_cv_alpha",
            lambda seed: chosen_by_cv(
                estimator, seed, params, task, "alpha", CV_ALPHAS
            ),
            (X, y, X_test, y_test),
            notes=search_notes("alpha"),
        )
    if "ours_cv_frames" in models and task == "classification":
        add(
            "ours_cv_frames",
            lambda seed: chosen_by_cv(
                estimator, seed, params, task, "frame_length", ["auto", X.shape[1]]
            ),
            (X, y, X_test, y_test),
            notes=search_notes("frame_length"),
        )
    if "mlp" in models:
        mlp = MLPClassifier if task == "classification" else MLPRegressor

        def mlp_notes(model, convergence):
            return (model[-1].n_iter_, None, bool(convergence), None)

        add(
            "mlp",
            lambda seed: make_pipeline(
                StandardScaler(),
                mlp(solver="lbfgs", max_iter=mlp_max_iter, random_state=seed),
            ),
            (flat(B), y, flat(B_test), y_test),
            notes=mlp_notes,
        )
    if "1nn" in models:
        knn = KNeighborsClassifier if task == "classification" else KNeighborsRegressor
        add("1nn", lambda seed: knn(1), (flat(B), y, flat(B_test), y_test), False)
    if task == "regression" and "ridge" in models:
        add(
            "ridge",
            lambda seed: make_pipeline(StandardScaler(), RidgeCV()),
            (flat(B), y, flat(B_test), y_test),
            False,
        )
    if task == "regression" and "mean" in models:
        add(
            "mean",
            lambda seed: DummyRegressor(),
            (flat(B), y, flat(B_test), y_test),
            False,
        )
    if "minirocket" in models:
        from aeon.classification.convolution_based import MiniRocketClassifier
        from aeon.regression.convolution_based import MiniRocketRegressor

        rocket = (
            MiniRocketClassifier if task == "classification" else MiniRocketRegressor
        )
        add(
            "minirocket",
            lambda seed: rocket(random_state=seed, n_jobs=1),
            (channels_first(B), y, channels_first(B_test), y_test),
        )
    return task, rows


def warm_up_minirocket():
    """Compile aeon's numba kernels before any fit is timed."""
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.regression.convolution_based import MiniRocketRegressor

    rng = np.random.RandomState(0)
    for n_channels in (1, 2):
        X = rng.normal(size=(12, n_channels, 30))
        for rocket, y in (
            (MiniRocketClassifier, np.arange(12) % 2),
            (MiniRocketRegressor, rng.normal(size=12)),
        ):
            rocket(random_state=0, n_jobs=1).fit(X, y).predict(X)


def print_table(task, results, seeds):
    what = "accuracy" if task == "classification" else "RMSE"
    print()
    print(
        f"{task}: {what} on the official test split; seeds {seeds[0]}..{seeds[-1]} "
        "(one column each; a deterministic model is fitted once)"
    )
    header = (
        "data set",
        "model",
        f"{what} per seed",
        "mean",
        "fit s per seed",
        "n_iter",
        "stop",
        "ConvergenceWarning",
        "x4 / x10 settle steps per seed",
    )
    print(" | ".join(header))
    for name, rows in results:
        for label, scores, seconds, extra in rows:
            notes = ("", "", "", "")
            if extra:
                notes = (
                    " ".join(str(n) for n, _, _, _ in extra),
                    " ".join(r for _, r, _, _ in extra if r is not None),
                    " ".join("yes" if w else "no" for _, _, w, _ in extra),
                    " ".join(h for _, _, _, h in extra if h is not None) or "-",
                )
            row = (
                name,
                label,
                " ".join(f"{s:.3f}" for s in scores),
                f"{np.mean(scores):.3f}",
                " ".join(f"{t:.1f}" for t in seconds),
                *notes,
            )
            print(" | ".join(row), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets",
        nargs="+",
        default=CLASSIFICATION + REGRESSION,
        choices=CLASSIFICATION + REGRESSION + HELD_BACK,
        metavar="NAME",
        help=f"some of {CLASSIFICATION + REGRESSION}, or of {HELD_BACK}; "
        "default: the first two lists",
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=MODELS,
        choices=MODELS + EXTRA_MODELS,
        metavar="MODEL",
        help=f"some of {MODELS + EXTRA_MODELS}; default: {MODELS}",
    )
    parser.add_argument("--seeds", type=int, default=3, help="how many seeds")
    parser.add_argument(
        "--first-seed", type=int, default=0, metavar="S", help="seeds S, S + 1, ..."
    )
    parser.add_argument(
        "--max-iter", type=int, metavar="N", help="our estimator's max_iter"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="our estimator's parameter, set with set_params (repeatable)",
    )
    parser.add_argument(
        "--mlp-max-iter",
        type=int,
        default=5000,
        metavar="N",
        help="the MLP's max_iter (default 5000)",
    )
    parser.add_argument(
        "--lbfgs-history",
        type=int,
        metavar="M",
        help="steps our L-BFGS keeps (an internal default of each estimator)",
    )
    parser.add_argument(
        "--scale-y",
        action="store_true",
        help="regression: wrap ours in TransformedTargetRegressor(transformer="
        "StandardScaler()), so that it fits standardised targets",
    )
    args = parser.parse_args()
    params = parse_overrides(args.param, "--param")
    check_params(params, parser)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))

    import aeon
    import sklearn

    import sklearn_bptt

    changed = dict(params)
    if args.max_iter is not None:
        changed["max_iter"] = args.max_iter
    if args.scale_y:
        changed["targets"] = "standardised (regression)"
    if args.lbfgs_history is not None:
        set_lbfgs_history(args.lbfgs_history)
        changed["L-BFGS history"] = args.lbfgs_history
    print(
        f"ours: defaults, except {changed or 'none'}; "
        f"aeon {aeon.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}"
    )
    print(f"sklearn_bptt from {sklearn_bptt.__file__}")
    print(
        "preprocessing: SequenceStandardScaler for every model (every channel to "
        "mean 0, std 1 over all real training steps); baselines: NaN padding -> 0, "
        "flattened (MLP and ridge: then StandardScaler per column); "
        "MiniRocket: the same padded series, channels first"
    )
    if "minirocket" in args.models:
        warm_up_minirocket()
    results = {}
    for name in args.sets:
        task, rows = run_set(
            name,
            seeds,
            args.models,
            params,
            args.max_iter,
            args.mlp_max_iter,
            args.scale_y,
        )
        results.setdefault(task, []).append((name, rows))
    for task, task_results in results.items():
        print_table(task, task_results, seeds)


if __name__ == "__main__":
    main()
