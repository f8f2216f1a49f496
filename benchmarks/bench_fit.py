"""Fit-level benchmarks: memory, both cores, growth, and L-BFGS against PyTorch.

What it measures, each printed as a table:

1. Memory. Fitting ``BPTTRegressor(n_hidden=32)`` on n=100,000 sequences of
   T=100 steps and d=4 features in float64 (X is 320 MB), in a fresh
   process: peak resident memory above the process's resident memory before X
   was made, against X's size plus 300 MB.
2. Both cores. The objective (loss and gradient) at n=20,000, T=50, H=32 with
   ``n_jobs=1`` and ``n_jobs=2`` (chunks of samples on joblib threads), and
   the difference between their losses and gradients.
3. Growth. Fit time for a fixed number of L-BFGS iterations as n and as T
   double; the fitted exponent of time ~ size^k (1 means linear).
4. L-BFGS against PyTorch (if installed): wall time of a fixed number of
   iterations of ``BPTTRegressor.fit`` against ``torch.optim.LBFGS`` (history
   10, strong Wolfe line search) on ``nn.RNN`` + ``nn.Linear`` + a learned
   initial state, from the same starting weights and data, and the final
   losses; then predict throughput against torch's forward pass.

Run from the repository root on an otherwise idle machine::

    python benchmarks/bench_fit.py             # everything, a few minutes
    python benchmarks/bench_fit.py --quick     # fewer repeats
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_bptt import BPTTRegressor
from sklearn_bptt._engine import (
    FinalWindowTargets,
    Objective,
    ParameterLayout,
    plan_chunks,
)

warnings.simplefilter("ignore", ConvergenceWarning)


def print_table(title, header, rows):
    print(f"\n{title}")
    widths = [
        max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)
    ]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(x).rjust(w) for x, w in zip(row, widths, strict=True)))


def median_seconds(function, repeats):
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def resident_mb():
    """Current resident memory of this process, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory_child(n, T, d, H):
    """Run in a fresh process: fit on a large X and report memory in MB."""
    before = resident_mb()
    X = np.random.RandomState(0).standard_normal((n, T, d))
    y = X[:, -10:, 0].sum(axis=1)
    start = time.perf_counter()
    BPTTRegressor(n_hidden=H, max_iter=3, random_state=0).fit(X, y)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # kB -> MB
    print(
        json.dumps(
            {
                "x_mb": X.nbytes / 2**20,
                "before_mb": before,
                "peak_mb": peak,
                "seconds": time.perf_counter() - start,
            }
        )
    )


def bench_memory():
    n, T, d, H = 100_000, 100, 4, 32
    output = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n), str(T), str(d), str(H)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    above = result["peak_mb"] - result["before_mb"]
    budget = result["x_mb"] + 300
    print_table(
        f"Memory: fit n={n}, T={T}, d={d}, H={H}, float64, 3 L-BFGS iterations",
        ["X (MB)", "peak above start (MB)", "budget X+300 (MB)", "within", "fit (s)"],
        [
            [
                f"{result['x_mb']:.0f}",
                f"{above:.0f}",
                f"{budget:.0f}",
                "yes" if above <= budget else "NO",
                f"{result['seconds']:.1f}",
            ]
        ],
    )


def regressor_objective(n, T, d, H, n_jobs, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, T, d))
    y = X[:, -10:, :1].sum(axis=1)
    lengths = np.full(n, T)
    layout = ParameterLayout(d, H, 1)
    objective = Objective(
        layout,
        X,
        lengths,
        plan_chunks(lengths, T, H, X.itemsize),
        0,
        FinalWindowTargets(y, np.ones(n), 1, per_output=True),
        "tanh",
        "squared_error",
        1e-4 / n,
        n_jobs=n_jobs,
    )
    return objective, rng.normal(scale=0.2, size=layout.size)


def bench_threads(repeats):
    n, T, d, H = 20_000, 50, 3, 32
    rows, results = [], {}
    for n_jobs in (1, 2):
        objective, theta = regressor_objective(n, T, d, H, n_jobs)
        seconds = median_seconds(lambda f=objective, x=theta: f(x), repeats)
        results[n_jobs] = objective(theta)
        rows.append([n_jobs, len(objective.chunks), f"{seconds * 1e3:.0f}"])
    speedup = float(rows[0][2]) / float(rows[1][2])
    loss_1, grad_1 = results[1]
    loss_2, grad_2 = results[2]
    print_table(
        f"Both cores: objective at n={n}, T={T}, d={d}, H={H}, float64",
        ["n_jobs", "chunks", "ms"],
        rows,
    )
    print(
        f"speed-up n_jobs=2 over n_jobs=1: {speedup:.2f}x; "
        f"|loss difference| = {abs(loss_1 - loss_2):.1e}, "
        f"max |gradient difference| = {np.abs(grad_1 - grad_2).max():.1e}"
    )


def fit_seconds(n, T, n_iter, repeats):
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n, T, 3))
    y = X[:, -5:, 0].sum(axis=1)
    model = BPTTRegressor(n_hidden=32, max_iter=n_iter, tol=0, random_state=0)
    return median_seconds(lambda: model.fit(X, y), repeats)


def growth_exponent(sizes, seconds):
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def bench_growth(repeats, n_iter=10):
    rows = []
    for name, sizes, make in [
        (
            "n (T=50)",
            [1000, 2000, 4000, 8000],
            lambda s: fit_seconds(s, 50, n_iter, repeats),
        ),
        (
            "T (n=1000)",
            [25, 50, 100, 200],
            lambda s: fit_seconds(1000, s, n_iter, repeats),
        ),
    ]:
        seconds = [make(size) for size in sizes]
        times = ", ".join(
            f"{size}: {s:.2f}s" for size, s in zip(sizes, seconds, strict=True)
        )
        rows.append([name, times, f"{growth_exponent(sizes, seconds):.2f}"])
    print_table(
        f"Growth: fit time for {n_iter} L-BFGS iterations, d=3, H=32",
        ["grows with", "sizes and times", "exponent"],
        rows,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--memory-child", nargs=4, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    repeats = 2 if args.quick else 5
    bench_memory()
    bench_threads(repeats)
    bench_growth(max(1, repeats // 2))


if __name__ == "__main__":
    main()
