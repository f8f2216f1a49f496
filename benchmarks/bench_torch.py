"""Time to quality: the classifier against torch RNN and LSTM nets trained by Adam.

How long a user waits for a given held-out accuracy. Per task and seed this
script fits:

- ours: the default ``BPTTAttractorClassifier`` (with any ``--set``
  overrides), and the plain net (the same with ``time_constant=1``); the fit
  time and the held-out accuracy of the fitted model;
- torch: ``torch.nn.RNN`` (tanh) and ``torch.nn.LSTM``, 64 units each, with a
  linear readout of the last state, trained by Adam on the cross-entropy in
  shuffled batches (``--lr`` 1e-3, ``--batch-size`` 32), seeded, one thread.
  Held-out accuracy is measured after every epoch (every ``--eval-every``
  epochs) outside the timed training; reported are the training seconds
  until it first reaches the target, the best accuracy and where it was
  reached, and the accuracy the net had when ours (default) had finished.

The data are bench_tasks.py's, imported from it: the same generators, splits
and seeds as the task table, so ``digits`` is 1347 training and 450 held-out
images (pixels / 16), ``cbf`` 30 training and 900 held-out series (each
z-normalised). Both kinds of model get these inputs; torch gets them as
float32, ours as the float64 arrays (which the default ``mixed_precision``
fits in float32 first).

Caveat: torch's time to target reads the held-out set after every epoch,
so it stops at a moment chosen by the test data, which no user can do; ours
never sees the held-out set. The comparison favours torch.

One epoch of ``cbf`` is a single Adam step (30 series, batch 32), so its
budget is counted in many more epochs and evaluated every 10 (an evaluation
on 900 series of 128 steps costs several training steps).

Needs torch, for this benchmark only (never a dependency of the package)::

    pip install torch==2.13.0

Run from the repository root::

    python benchmarks/bench_torch.py                          # digits, cbf; seeds 0 1 2
    python benchmarks/bench_torch.py --tasks digits --seeds 0 1
    python benchmarks/bench_torch.py --tasks cbf --max-seconds 60 --stop-at-target
    python benchmarks/bench_torch.py --set alpha=0.1 --lr 3e-3 --target 0.98

Timings move with the machine's load; compare models within one run, whose
seeds run every model in turn.
"""

import argparse
import time
import warnings

import numpy as np
import threadpoolctl
import torch
from bench_tasks import TASKS, accuracy, parse_overrides, run_task  # same folder
from sklearn.exceptions import ConvergenceWarning

import sklearn_bptt
from sklearn_bptt import BPTTAttractorClassifier

# Epoch budget and evaluation interval of the torch nets, per task; other
# classification tasks get DEFAULT_BUDGET. An epoch of cbf is one Adam step.
BUDGETS = {"digits": (100, 1), "cbf": (3000, 10)}
DEFAULT_BUDGET = (100, 1)
CELLS = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM}


class LastStateClassifier(torch.nn.Module):
    """A recurrent layer and a linear readout of its state after the last step."""

    def __init__(self, cell, n_features, n_hidden, n_classes):
        super().__init__()
        self.recurrent = cell(n_features, n_hidden, batch_first=True)
        self.readout = torch.nn.Linear(n_hidden, n_classes)

    def forward(self, X):
        states, _ = self.recurrent(X)
        return self.readout(states[:, -1])


def held_out_accuracy(net, X, y):
    net.eval()
    with torch.no_grad():
        return float((net(X).argmax(dim=1) == y).float().mean())


def train_torch(cell, data, seed, args, target, max_epochs, eval_every):
    """Adam on one seed; the held-out accuracy along the way.

    Parameters
    ----------
    cell : type
        ``torch.nn.RNN`` or ``torch.nn.LSTM``.
    data : tuple
        ``(X, y, X_test, y_test)`` as tensors, ``y`` as class indices.
    seed : int
        Seeds the initial weights and the order of the batches.
    args : argparse.Namespace
        ``lr``, ``batch_size``, ``n_hidden``, ``max_seconds``,
        ``stop_at_target``.
    target : float
        Training may stop at this accuracy with ``--stop-at-target``.
    max_epochs, eval_every : int
        The epoch budget, and the epochs between two evaluations.

    Returns
    -------
    history : list of (epoch, training seconds, accuracy)
        One entry per evaluation; the seconds exclude every evaluation.
    eval_seconds : float
        The time the evaluations took, reported apart.
    """
    X, y, X_test, y_test = data
    torch.manual_seed(seed)
    n_classes = int(y.max()) + 1
    net = LastStateClassifier(cell, X.shape[2], args.n_hidden, n_classes)
    optimiser = torch.optim.Adam(net.parameters(), lr=args.lr)
    shuffle = torch.Generator().manual_seed(seed)
    history, trained, eval_seconds = [], 0.0, 0.0
    for epoch in range(1, max_epochs + 1):
        start = time.perf_counter()
        net.train()
        for batch in torch.randperm(len(X), generator=shuffle).split(args.batch_size):
            optimiser.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(X[batch]), y[batch])
            loss.backward()
            optimiser.step()
        trained += time.perf_counter() - start
        out_of_time = trained >= args.max_seconds
        if epoch % eval_every and epoch < max_epochs and not out_of_time:
            continue
        start = time.perf_counter()
        score = held_out_accuracy(net, X_test, y_test)
        eval_seconds += time.perf_counter() - start
        history.append((epoch, trained, score))
        if out_of_time or (args.stop_at_target and score >= target):
            break
    return history, eval_seconds


def summarise(history, eval_seconds, target, ours_seconds):
    """Accuracy and seconds for the table, and a note on one torch run.

    The accuracy is the best one seen; the seconds, the training time to
    the target (NaN if never reached).
    """
    reached = next((h for h in history if h[2] >= target), None)
    best = max(history, key=lambda h: h[2])
    # What the net scored at the last evaluation before ours had finished.
    before = [h for h in history if h[1] <= ours_seconds]
    at_ours = f"{before[-1][2]:.3f}" if before else "not yet evaluated"
    epochs, seconds = history[-1][:2]
    note = (
        (f"target at epoch {reached[0]}" if reached else "target not reached")
        + f", best at epoch {best[0]} ({best[1]:.2f} s); at ours' {ours_seconds:.2f}"
        f" s: {at_ours}; {epochs} epochs in {seconds:.1f} s (+{eval_seconds:.1f} s"
        " eval)"
    )
    return best[2], reached[1] if reached else np.nan, note


def as_tensors(X, y, X_test, y_test):
    """Float32 inputs and class indices (0 to n_classes - 1) for torch."""
    classes = np.unique(y)
    return (
        torch.as_tensor(X, dtype=torch.float32),
        torch.as_tensor(np.searchsorted(classes, y)),
        torch.as_tensor(X_test, dtype=torch.float32),
        torch.as_tensor(np.searchsorted(classes, y_test)),
    )


def run_ours(name, seed, overrides):
    """Held-out accuracy, fit seconds and L-BFGS iterations of one fit.

    bench_tasks.run_task makes the data and fits exactly as the task table
    does (``n_jobs=None``, L-BFGS with BLAS on one thread).
    """
    scores, seconds, iterations, *_ = run_task(name, [seed], overrides)
    return scores[0], seconds[0], f"{iterations[0]} L-BFGS iterations"


def run_seed(name, seed, overrides, args, target):
    """Every model on one seed: {label: (accuracy, seconds, note)}."""
    results = {
        "ours (default)": run_ours(name, seed, overrides),
        "ours (time_constant=1)": run_ours(
            name, seed, {**overrides, "time_constant": 1}
        ),
    }
    ours_seconds = results["ours (default)"][1]
    _, X, y, X_test, y_test = TASKS[name][0](seed)
    data = as_tensors(X, y, X_test, y_test)
    max_epochs, eval_every = BUDGETS.get(name, DEFAULT_BUDGET)
    max_epochs = args.max_epochs or max_epochs
    eval_every = args.eval_every or eval_every
    for label, cell in CELLS.items():
        history, eval_seconds = train_torch(
            cell, data, seed, args, target, max_epochs, eval_every
        )
        results[f"torch {label}"] = summarise(
            history, eval_seconds, target, ours_seconds
        )
    for label, (score, seconds, _) in results.items():
        print(
            f"  {name} seed {seed} {label}: {score:.3f}, {seconds_text(seconds)} s",
            flush=True,
        )
    return results


def seconds_text(seconds):
    return "-" if np.isnan(seconds) else f"{seconds:.2f}"


def print_table(name, target, seeds, per_seed):
    """One row per model: accuracy and seconds per seed, their means; then notes."""
    print()
    print(
        f"{name}: held-out accuracy, target {target}; seeds "
        f"{' '.join(map(str, seeds))}. ours: accuracy after the fit, fit seconds; "
        "torch: best accuracy seen, training seconds to the target (- if never)"
    )
    print("model | accuracy per seed | mean | seconds per seed | mean s")
    notes = []
    for label in per_seed[0]:
        scores, seconds, why = zip(
            *(results[label] for results in per_seed), strict=True
        )
        reached = [s for s in seconds if not np.isnan(s)]
        mean_seconds = f"{np.mean(reached):.2f}" if reached else "-"
        if len(reached) < len(seconds):
            mean_seconds += f" ({len(reached)} of {len(seconds)} reached)"
        row = (
            label,
            " ".join(f"{s:.3f}" for s in scores),
            f"{np.mean(scores):.3f}",
            " ".join(seconds_text(s) for s in seconds),
            mean_seconds,
        )
        print(" | ".join(row))
        notes += [f"  {label}, seed {s}: {n}" for s, n in zip(seeds, why, strict=True)]
    print("\n".join(notes), flush=True)


def describe_threads():
    """Which BLAS libraries are loaded, and on how many threads each runs."""
    for info in threadpoolctl.threadpool_info():
        if info["user_api"] != "blas":
            continue
        # The folder names the package that ships it: numpy.libs, scipy.libs.
        owner = info["filepath"].split("/")[-2]
        print(
            f"BLAS in {owner}: {info['internal_api']} {info['version']} "
            f"{info.get('architecture')}, {info['num_threads']} threads"
        )
    print(
        "ours: n_jobs=None, L-BFGS with BLAS limited to 1 thread "
        "(threadpoolctl) during the fit"
    )
    print(
        f"torch {torch.__version__}: {torch.get_num_threads()} intra-op thread(s), "
        f"{torch.get_num_interop_threads()} inter-op thread(s), "
        f"MKL {'yes' if torch.backends.mkl.is_available() else 'no'}"
    )


def warm_up(overrides):
    """Run both libraries once so no timed fit pays their first-call costs."""
    X = np.random.RandomState(0).normal(size=(12, 5, 2))
    y = np.arange(12) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        BPTTAttractorClassifier(**{**overrides, "max_iter": 2}).fit(X, y).predict(X)
    data = as_tensors(X, y, X, y)
    args = argparse.Namespace(
        lr=1e-3, batch_size=4, n_hidden=8, max_seconds=10, stop_at_target=False
    )
    for cell in CELLS.values():
        train_torch(cell, data, 0, args, 1.0, max_epochs=1, eval_every=1)


def parse_args():
    classification = [name for name, task in TASKS.items() if task[1] is accuracy]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tasks",
        nargs="+",
        default=["digits", "cbf"],
        choices=classification,
        metavar="TASK",
        help=f"some of bench_tasks' {classification}; default: digits cbf",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="our classifier's parameter instead of the default (both rows)",
    )
    parser.add_argument(
        "--target",
        type=float,
        help="held-out accuracy to reach; default: the task's goal "
        "(digits 0.97, cbf 0.95)",
    )
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's step size")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--n-hidden", type=int, default=64, help="torch nets' units")
    parser.add_argument(
        "--max-epochs",
        type=int,
        help=f"torch nets' epoch budget; default per task {BUDGETS}, else 100",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=30.0,
        help="torch nets' budget of training seconds per seed (default 30)",
    )
    parser.add_argument(
        "--eval-every",
        type=int,
        help="epochs between evaluations of the torch nets; default 10 for cbf, else 1",
    )
    parser.add_argument(
        "--stop-at-target",
        action="store_true",
        help="stop a torch net at the target instead of using its whole budget",
    )
    args = parser.parse_args()
    args.overrides = parse_overrides(args.set)
    unknown = set(args.overrides) - set(BPTTAttractorClassifier().get_params())
    if unknown:
        parser.error(f"--set: the classifier has no {sorted(unknown)}")
    return args


def main():
    args = parse_args()
    # One thread, as ours fits; set before torch starts any parallel work.
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    print(f"sklearn_bptt from {sklearn_bptt.__file__}")
    print(f"ours: defaults, except {args.overrides or 'none'}")
    describe_threads()
    print(
        f"torch nets: {args.n_hidden} units, Adam lr {args.lr}, batch "
        f"{args.batch_size}, at most {args.max_seconds:g} training s per seed"
    )
    warm_up(args.overrides)
    for name in args.tasks:
        target = args.target if args.target is not None else TASKS[name][2]
        per_seed = [run_seed(name, s, args.overrides, args, target) for s in args.seeds]
        print_table(name, target, args.seeds, per_seed)


if __name__ == "__main__":
    main()
