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
   iterations of ``BPTTRegressor.fit`` (with its default L-BFGS history and
   with torch's 10) against ``torch.optim.LBFGS`` (history 10, strong Wolfe
   line search) on ``nn.RNN`` + ``nn.Linear`` + a learned initial state,
   from the same starting weights and data, and the final losses; then
   predict throughput against torch's forward pass.

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
from sklearn.base import clone
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
    # A fixed time constant, so that only the size changes with T; no
    # stopping rule, so that every fit runs its n_iter iterations.
    model = BPTTRegressor(
        n_hidden=32,
        time_constant=1,
        max_iter=n_iter,
        tol=0,
        min_improvement=0,
        random_state=0,
    )
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


def torch_model(model, layout, theta):
    """nn.RNN + nn.Linear + a learned h0 holding our parameters ``theta``."""
    import torch

    params = layout.unpack(theta)
    n_features, n_hidden = params["input_weights"].shape
    rnn = torch.nn.RNN(n_features, n_hidden, nonlinearity="tanh", batch_first=True)
    readout = torch.nn.Linear(n_hidden, 1)
    rnn = rnn.double()
    readout = readout.double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(params["input_weights"].T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params["recurrent_weights"].T))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params["hidden_bias"]))
        rnn.bias_hh_l0.zero_()
        readout.weight.copy_(torch.from_numpy(params["output_weights"].T))
        readout.bias.copy_(torch.from_numpy(params["output_bias"]))
    rnn.bias_hh_l0.requires_grad_(False)  # one hidden bias, as in our model
    h0 = torch.nn.Parameter(torch.from_numpy(params["initial_state"].copy()))
    return rnn, readout, h0


def torch_loss(rnn, readout, h0, X, y, alpha):
    """The regressor's loss: mean squared error / 2 plus alpha/2 ||W||^2 / n.

    W: the recurrent and output weights, the ones the estimators penalise.
    """
    n = X.shape[0]
    _, last = rnn(X, h0.expand(1, n, -1).contiguous())
    output = readout(last[0])[:, 0]
    penalty = sum((w * w).sum() for w in (rnn.weight_hh_l0, readout.weight))
    return 0.5 * ((output - y) ** 2).mean() + 0.5 * alpha / n * penalty


def torch_loss_value(*args):
    import torch

    with torch.no_grad():
        return torch_loss(*args).item()


def bench_against_torch(repeats, n=1000, T=50, d=3, H=32, n_iter=30, alpha=1e-4):
    try:
        import torch
    except ImportError:
        print("\nPyTorch is not installed: skipping the comparison with it.")
        return
    from threadpoolctl import threadpool_info

    # numpy's own BLAS (SciPy may load another copy).
    blas = next(
        x
        for x in threadpool_info()
        if x["user_api"] == "blas" and "numpy" in x["filepath"]
    )
    torch.set_num_threads(blas["num_threads"])
    rng = np.random.RandomState(0)
    X = rng.standard_normal((n, T, d))
    y = X[:, -5:, 0].sum(axis=1)
    # time_constant=1: the plain network, the model torch.nn.RNN computes.
    model = BPTTRegressor(
        n_hidden=H,
        time_constant=1,
        max_iter=n_iter,
        tol=0,
        min_improvement=0,
        alpha=alpha,
        random_state=0,
    )
    layout = ParameterLayout(d, H, 1)
    theta = model._starting_points(layout, False, np.ones(H))[0]

    ours = median_seconds(lambda: model.fit(X, y), repeats)
    # The regressor keeps 30 steps of L-BFGS history; torch's run keeps 10, so
    # time ours with 10 as well.
    same_history = clone(model)
    same_history._lbfgs_history = 10
    ours_10 = median_seconds(lambda: same_history.fit(X, y), repeats)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)

    def torch_fit():
        rnn, readout, h0 = torch_model(model, layout, theta)
        params = [
            p for p in (*rnn.parameters(), *readout.parameters(), h0) if p.requires_grad
        ]
        optimizer = torch.optim.LBFGS(
            params,
            lr=1,
            max_iter=n_iter,
            history_size=10,
            line_search_fn="strong_wolfe",
            tolerance_grad=0,
            tolerance_change=0,
        )

        def closure():
            optimizer.zero_grad()
            loss = torch_loss(rnn, readout, h0, X_t, y_t, alpha)
            loss.backward()
            return loss

        optimizer.step(closure)
        return (
            torch_loss_value(rnn, readout, h0, X_t, y_t, alpha),
            optimizer,
            rnn,
            readout,
            h0,
        )

    theirs = median_seconds(torch_fit, repeats)
    torch_final, optimizer, rnn, readout, h0 = torch_fit()
    torch_iters = optimizer.state[optimizer._params[0]]["n_iter"]
    print_table(
        f"Fit: {n_iter} L-BFGS iterations, n={n}, T={T}, d={d}, H={H}, float64, "
        f"{blas['num_threads']} threads ({blas['internal_api']} {blas['version']}, "
        f"{blas.get('architecture')}; OPENBLAS_CORETYPE="
        f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')})",
        ["", "iterations", "seconds", "final loss"],
        [
            [
                f"BPTTRegressor.fit, history {model._lbfgs_history} (default)",
                model.n_iter_,
                f"{ours:.2f}",
                f"{model.loss_:.6g}",
            ],
            [
                "BPTTRegressor.fit, history 10",
                same_history.n_iter_,
                f"{ours_10:.2f}",
                f"{same_history.loss_:.6g}",
            ],
            [
                "torch.optim.LBFGS, history 10",
                torch_iters,
                f"{theirs:.2f}",
                f"{torch_final:.6g}",
            ],
        ],
    )
    print(
        f"speed-up over torch: {theirs / ours_10:.2f}x at the same history, "
        f"{theirs / ours:.2f}x with the default"
    )

    X_big = rng.standard_normal((10 * n, T, d))
    X_big_t = torch.from_numpy(X_big)
    ours = median_seconds(lambda: model.predict(X_big), repeats)

    def torch_predict():
        with torch.no_grad():
            h = h0.expand(1, len(X_big_t), -1).contiguous()
            return readout(rnn(X_big_t, h)[1][0])

    theirs = median_seconds(torch_predict, repeats)
    print_table(
        f"Predict: {len(X_big)} sequences of T={T}",
        ["", "sequences per second"],
        [
            ["BPTTRegressor.predict", f"{len(X_big) / ours:,.0f}"],
            ["torch forward (no_grad)", f"{len(X_big) / theirs:,.0f}"],
        ],
    )
    print(f"speed-up over torch: {theirs / ours:.2f}x")


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
    bench_against_torch(max(1, repeats // 2))


if __name__ == "__main__":
    main()
