"""Speed of the BPTT objective, side by side with PyTorch, and where its time goes.

What it measures (everything in one run, same machine, same dtype, same
thread count):

1. Objective speed. ``Objective(theta)`` (loss and full gradient over all
   samples; squared error, tanh, learned initial state) against PyTorch's
   ``nn.RNN(tanh) + nn.Linear`` readout + a learned initial state ``h0``,
   computing the same loss and calling ``loss.backward()``. Before timing
   each configuration, our parameters are copied into the torch modules and
   the loss and gradient of both are compared.
2. "Unavoidable work" for (n, T, d, H) = (1000, 50, 3, 32) in float64: the
   2T recurrent products, tanh over the whole stack and the big products
   outside the loops. Our objective's time divided by their sum (target:
   at most 1.3), then a breakdown of the objective (forward, backward, rest)
   and the cost of the other operations it does.
3. Predict throughput: sequences per second of our ``forward()`` + readout
   against torch's forward pass under ``torch.no_grad()``.

PyTorch is optional: without it, the torch columns are skipped. It is never a
dependency of the project; to get the columns, install a CPU build by hand,
for example ``pip install torch``.

Run from the repository root (results are medians of timed repeats after a
warm-up call)::

    python benchmarks/bench_objective.py            # full run, a few minutes
    python benchmarks/bench_objective.py --quick    # fewer repeats
    python benchmarks/bench_objective.py --threads 1  # BLAS and torch on one thread

Timings are only meaningful on an otherwise idle machine: the load average is
printed at the start and at the end.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn_bptt._engine import (  # noqa: E402
    Objective,
    ParameterLayout,
    backward,
    final_window_targets,
    forward,
    make_batch,
    sequence_targets,
)
from sklearn_bptt._functions import LOSS_FUNCTIONS  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

ALPHA = 1e-2  # the estimator's alpha; the engine gets alpha / n, as BPTTRegressor does
N_OUTPUTS = 1


@dataclass(frozen=True)
class Config:
    n: int  # samples
    T: int  # time steps
    d: int  # input features
    H: int  # hidden units
    dtype: str = "float64"
    sequence: bool = False  # targets at every step instead of the final step only

    def label(self):
        return f"({self.n}, {self.T}, {self.d}, {self.H})"


CONFIGS = [
    Config(1000, 50, 3, 32, "float64"),
    Config(1000, 50, 3, 32, "float32"),
    Config(1000, 50, 3, 32, "float64", sequence=True),
    Config(256, 100, 8, 64, "float64"),
    Config(5000, 20, 4, 16, "float64"),
    Config(1000, 50, 16, 128, "float64"),
]
REFERENCE = CONFIGS[0]


# --------------------------------------------------------------------------- timing


def median_times(functions, repeats):
    """Median wall time of each function; one warm-up call each, repeats interleaved."""
    for function in functions:
        function()
    times = [[] for _ in functions]
    for _ in range(repeats):
        for function, samples in zip(functions, times):
            start = time.perf_counter()
            function()
            samples.append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times]


def median_time(function, repeats):
    return median_times([function], repeats)[0]


def ms(seconds):
    return f"{1e3 * seconds:9.2f}"


def print_table(header, rows):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    line = "  ".join(f"{{:>{w}}}" for w in widths)
    print(line.format(*header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))
    print()


# --------------------------------------------------------------------------- environment


def numpy_blas():
    """threadpoolctl's entry for the BLAS numpy itself is linked to."""
    blas = [info for info in threadpool_info() if info["user_api"] == "blas"]
    numpy_dir = str(Path(np.__file__).resolve().parent)
    for info in blas:
        if info["filepath"].startswith(numpy_dir) or "numpy" in info["filepath"]:
            return info
    return blas[0] if blas else None


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_environment(blas):
    print("=== Environment")
    print(f"python {platform.python_version()}, numpy {np.__version__}, CPU: {cpu_model()}")
    print(f"cores: {os.cpu_count()}, load average at start: {load_average()}")
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5:
        print("WARNING: the machine is busy; other processes will skew these timings.")
    if blas is None:
        print("numpy BLAS: not reported by threadpoolctl")
    else:
        print(
            f"numpy BLAS: {blas['internal_api']} {blas['version']} "
            f"({blas['prefix']}), threading layer: {blas['threading_layer']}, "
            f"architecture/kernel: {blas['architecture']}, threads: {blas['num_threads']}"
        )
    print(f"OPENBLAS_CORETYPE: {os.environ.get('OPENBLAS_CORETYPE', '(not set)')}")
    if torch is None:
        print("PyTorch: not installed, torch columns skipped (pip install torch to get them)")
    else:
        print(
            f"PyTorch {torch.__version__}, threads: {torch.get_num_threads()}, "
            f"CPU capability: {torch.backends.cpu.get_cpu_capability()}, "
            f"MKL: {torch.backends.mkl.is_available()}"
        )
    print()


def load_average():
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------- our side


@dataclass
class Problem:
    config: Config
    X: np.ndarray  # (n, T, d)
    y: np.ndarray  # (n, K) or (n, T, K)
    layout: ParameterLayout
    objective: Objective
    theta: np.ndarray  # float64, as L-BFGS passes it


def initial_params(layout, rng):
    """Glorot-uniform weights, orthogonal recurrent matrix, small random biases and h0."""
    d, H = layout.shapes["input_weights"]
    K = layout.shapes["output_bias"][0]

    def glorot(fan_in, fan_out):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, (fan_in, fan_out))

    return {
        "input_weights": glorot(d, H),
        "recurrent_weights": np.linalg.qr(rng.standard_normal((H, H)))[0],
        "hidden_bias": rng.uniform(-0.1, 0.1, H),
        "output_weights": glorot(H, K),
        "output_bias": rng.uniform(-0.1, 0.1, K),
        "initial_state": rng.uniform(-0.1, 0.1, H),
    }


def make_problem(config, seed=0):
    rng = np.random.default_rng(seed)
    n, T, d = config.n, config.T, config.d
    X = rng.standard_normal((n, T, d)).astype(config.dtype)
    batch = make_batch(X, np.full(n, T), n_settle_steps=0)
    sample_weight = np.ones(n, dtype=config.dtype)
    if config.sequence:
        y = rng.standard_normal((n, T, N_OUTPUTS)).astype(config.dtype)
        targets = sequence_targets(y, sample_weight, batch)
    else:
        y = rng.standard_normal((n, N_OUTPUTS)).astype(config.dtype)
        targets = final_window_targets(y, sample_weight, batch, 1, per_output=True)
    layout = ParameterLayout(d, config.H, N_OUTPUTS)
    objective = Objective(layout, batch, targets, "tanh", "squared_error", ALPHA / n)
    theta = layout.pack(initial_params(layout, rng))
    return Problem(config, X, y, layout, objective, theta)


# --------------------------------------------------------------------------- torch side


def make_torch_model(problem):
    """nn.RNN + nn.Linear + learned h0, holding our parameters."""
    config = problem.config
    H = config.H
    dtype = getattr(torch, config.dtype)

    class TorchRNN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.RNN(config.d, H, nonlinearity="tanh", batch_first=True)
            self.readout = torch.nn.Linear(H, N_OUTPUTS)
            self.h0 = torch.nn.Parameter(torch.zeros(1, 1, H))

        def forward(self, x):
            h0 = self.h0.expand(1, x.shape[0], H).contiguous()
            states, last = self.rnn(x, h0)
            return self.readout(states if config.sequence else last[0])

    model = TorchRNN().to(dtype)
    params = problem.layout.unpack(problem.theta)
    # torch computes x @ W_ih^T + b_ih + h @ W_hh^T + b_hh.
    copies = [
        (model.rnn.weight_ih_l0, params["input_weights"].T),
        (model.rnn.weight_hh_l0, params["recurrent_weights"].T),
        (model.rnn.bias_ih_l0, params["hidden_bias"]),
        (model.rnn.bias_hh_l0, np.zeros(H)),
        (model.readout.weight, params["output_weights"].T),
        (model.readout.bias, params["output_bias"]),
        (model.h0, params["initial_state"].reshape(1, 1, H)),
    ]
    with torch.no_grad():
        for parameter, value in copies:
            parameter.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return model


def torch_objective(model, x, y, n):
    """Same loss as ours: mean of 0.5 (o - y)^2 plus alpha / (2n) ||W||^2; then backward."""
    model.zero_grad(set_to_none=True)
    diff = model(x) - y
    loss = 0.5 * (diff * diff).mean()
    weights = (model.rnn.weight_ih_l0, model.rnn.weight_hh_l0, model.readout.weight)
    loss = loss + 0.5 * ALPHA / n * sum((w * w).sum() for w in weights)
    loss.backward()
    return loss


def torch_gradient(model, layout):
    """torch's gradient laid out as our flat float64 vector."""
    grads = {
        "input_weights": model.rnn.weight_ih_l0.grad.T,
        "recurrent_weights": model.rnn.weight_hh_l0.grad.T,
        "hidden_bias": model.rnn.bias_ih_l0.grad,
        "output_weights": model.readout.weight.grad.T,
        "output_bias": model.readout.bias.grad,
        "initial_state": model.h0.grad,
    }
    return layout.pack({name: g.double().numpy() for name, g in grads.items()})


def compare(problem, model, x, y):
    """Relative difference of the loss, and max |gradient difference| / max |gradient|."""
    our_loss, our_grad = problem.objective(problem.theta)
    torch_loss = torch_objective(model, x, y, problem.config.n).item()
    grad = torch_gradient(model, problem.layout)
    loss_diff = abs(our_loss - torch_loss) / abs(torch_loss)
    grad_diff = np.max(np.abs(our_grad - grad)) / np.max(np.abs(grad))
    return loss_diff, grad_diff


# --------------------------------------------------------------------------- section 1


def bench_objectives(repeats):
    print("=== 1. Objective: loss + full gradient over all samples (tanh, squared error)")
    print("check: loss rel. diff and max|grad diff| / max|grad| after copying our")
    print("parameters into torch; times are medians in ms; speed-up = torch / ours.")
    print()
    rows = []
    for config in CONFIGS:
        problem = make_problem(config)
        ours = lambda: problem.objective(problem.theta)  # noqa: E731
        if torch is None:
            [our_time] = median_times([ours], repeats)
            rows.append(row_of(config, None, our_time, None))
            continue
        model = make_torch_model(problem)
        x, y = torch.from_numpy(problem.X), torch.from_numpy(problem.y)
        check = compare(problem, model, x, y)
        theirs = lambda: torch_objective(model, x, y, config.n)  # noqa: E731
        our_time, torch_time = median_times([ours, theirs], repeats)
        rows.append(row_of(config, check, our_time, torch_time))
    header = ["(n, T, d, H)", "dtype", "targets", "loss diff", "grad diff",
              "ours ms", "torch ms", "speed-up"]
    print_table(header, rows)


def row_of(config, check, our_time, torch_time):
    targets = "every step" if config.sequence else "final step"
    if check is None:
        return [config.label(), config.dtype, targets, "-", "-", ms(our_time), "-", "-"]
    tolerance = 1e-10 if config.dtype == "float64" else 1e-4
    flags = ["" if diff < tolerance else " MISMATCH" for diff in check]
    return [
        config.label(),
        config.dtype,
        targets,
        f"{check[0]:.1e}{flags[0]}",
        f"{check[1]:.1e}{flags[1]}",
        ms(our_time),
        ms(torch_time),
        f"{torch_time / our_time:6.2f}x",
    ]


# --------------------------------------------------------------------------- section 2


def unavoidable_work(config, repeats):
    """Times of the work any BPTT implementation must do, on stand-in arrays."""
    rng = np.random.default_rng(1)
    n, T, d, H = config.n, config.T, config.d, config.H
    W = rng.standard_normal((H, H))
    states = np.tanh(rng.standard_normal((T + 1, n, H)))
    deltas = rng.standard_normal((T, n, H))
    inputs = rng.standard_normal((T, n, d))
    W_in = rng.standard_normal((d, H))
    buffer = np.empty((n, H))
    stack = np.empty((T, n, H))

    def recurrent_products():
        for t in range(T):
            np.matmul(states[t], W, out=buffer)
        for t in range(T):
            np.matmul(deltas[t], W.T, out=buffer)

    def tanh_stack():
        np.tanh(deltas, out=stack)

    def big_products():
        np.matmul(inputs.reshape(-1, d), W_in, out=stack.reshape(-1, H))
        states[:-1].reshape(-1, H).T @ deltas.reshape(-1, H)
        inputs.reshape(-1, d).T @ deltas.reshape(-1, H)

    return {
        f"(a) {2 * T} recurrent ({n},{H})@({H},{H}) products": median_time(
            recurrent_products, repeats),
        f"(b) tanh over the ({T},{n},{H}) stack": median_time(tanh_stack, repeats),
        "(c) input projection, dW_rec, dW_in": median_time(big_products, repeats),
    }


def objective_breakdown(problem, repeats):
    """Objective, forward() and backward() timed on their own; the rest by difference."""
    objective = problem.objective
    params = problem.layout.unpack(problem.theta)
    grads = problem.layout.unpack(np.empty(problem.layout.size))
    batch, targets = objective.batch, objective.targets
    states = forward(params, batch, "tanh")
    outputs = states[targets.steps] @ params["output_weights"] + params["output_bias"]
    _, d_outputs = LOSS_FUNCTIONS["squared_error"](outputs, targets.values, targets.weights)
    d_target_states = d_outputs @ params["output_weights"].T

    total, forward_time, backward_time = median_times(
        [
            lambda: objective(problem.theta),
            lambda: forward(params, batch, "tanh"),
            lambda: backward(
                params, batch, states, targets.steps, d_target_states, "tanh", grads
            ),
        ],
        repeats,
    )
    return total, {
        "forward()": forward_time,
        "backward()": backward_time,
        "rest (output layer, loss, penalty, unpack)": total - forward_time - backward_time,
    }


def other_operations(config, repeats):
    """Costs of operations the engine does besides the unavoidable work."""
    rng = np.random.default_rng(2)
    n, T, d, H = config.n, config.T, config.d, config.H
    Z = np.tanh(rng.standard_normal((T, n, H)))
    deltas = rng.standard_normal((T, n, H))
    inputs = rng.standard_normal((T, n, d))
    W = rng.standard_normal((H, H))
    W_in = rng.standard_normal((d, H))
    stack = np.empty((T, n, H))
    ones = np.ones(T * n)

    def derivative_per_step():  # backward's `delta *= 1 - Z * Z`, one step at a time
        for t in range(T):
            deltas[t] *= 1 - Z[t] * Z[t]

    def product_then_add():  # forward's `pre += h @ W` (temporary, then an add)
        for t in range(T):
            stack[t] += Z[t] @ W

    def copy_per_step():  # backward's `np.copyto(delta, d_state)`
        for t in range(T):
            np.copyto(stack[t], deltas[t])

    def python_steps():  # the per-step Python work with no arithmetic
        for t in range(2 * T):
            stack[t % T, :n]

    return {
        "tanh derivative, per step `delta *= 1 - Z*Z`": median_time(
            derivative_per_step, repeats),
        f"forward `pre += h @ W` ({T}x; the product alone is in (a))": median_time(
            product_then_add, repeats),
        f"backward `np.copyto(delta, d_state)` ({T}x)": median_time(copy_per_step, repeats),
        "hidden-bias grad np.sum(deltas, axis=0)": median_time(
            lambda: np.sum(deltas.reshape(-1, H), axis=0), repeats),
        "  same as ones @ deltas": median_time(
            lambda: ones @ deltas.reshape(-1, H), repeats),
        f"input projection as 3D matmul ({T},{n},{d})@({d},{H})": median_time(
            lambda: np.matmul(inputs, W_in, out=stack), repeats),
        "  same as one 2D product": median_time(
            lambda: np.matmul(inputs.reshape(-1, d), W_in, out=stack.reshape(-1, H)),
            repeats),
        "new (T+1,n,H) stack: np.empty + first write": median_time(
            lambda: np.empty((T + 1, n, H)).fill(0.0), repeats),
        "new (T,n,H) stack: np.zeros": median_time(
            lambda: np.zeros((T, n, H)), repeats),
        f"Python loop overhead, {2 * T} steps with slicing": median_time(
            python_steps, repeats),
    }


def bench_where_time_goes(repeats):
    config = REFERENCE
    print(f"=== 2. Where the time goes: {config.label()} {config.dtype}, final-step target")
    problem = make_problem(config)
    total, parts = objective_breakdown(problem, repeats)
    floor = unavoidable_work(config, repeats)
    floor_sum = sum(floor.values())
    rows = [[name, ms(value), f"{100 * value / total:5.1f}%"] for name, value in floor.items()]
    rows.append(["sum of unavoidable work", ms(floor_sum), f"{100 * floor_sum / total:5.1f}%"])
    rows.append(["our Objective(theta)", ms(total), "100.0%"])
    print_table(["unavoidable work", "ms", "of ours"], rows)
    print(f"our objective / unavoidable work = {total / floor_sum:.2f}x (target <= 1.3x)")
    print()
    rows = [[name, ms(value), f"{100 * value / total:5.1f}%"] for name, value in parts.items()]
    print_table(["our objective, by part", "ms", "of ours"], rows)
    other = other_operations(config, repeats)
    rows = [[name, ms(value), f"{100 * value / total:5.1f}%"] for name, value in other.items()]
    print_table(["other operations at these shapes", "ms", "of ours"], rows)


# --------------------------------------------------------------------------- section 3


def bench_predict(repeats):
    config = REFERENCE
    print(f"=== 3. Predict throughput: {config.label()} {config.dtype}, final-step output")
    problem = make_problem(config)
    params = problem.layout.unpack(problem.theta)
    batch = problem.objective.batch
    lengths = np.full(config.n, config.T)

    def ours():
        states = forward(params, batch, "tanh")
        return states[-1] @ params["output_weights"] + params["output_bias"]

    def ours_with_batch():  # as predict() does: lay out the batch, then run
        return forward(params, make_batch(problem.X, lengths, 0), "tanh")[-1] @ (
            params["output_weights"]) + params["output_bias"]

    functions = [ours, ours_with_batch]
    names = ["ours: forward() + readout", "ours: make_batch + forward() + readout"]
    if torch is not None:
        model = make_torch_model(problem)
        x = torch.from_numpy(problem.X)
        expected = ours()
        with torch.no_grad():
            difference = np.max(np.abs(model(x).numpy() - expected))
        print(f"max |prediction difference| ours vs torch: {difference:.1e}")

        def theirs():
            with torch.no_grad():
                return model(x)

        functions.append(theirs)
        names.append("torch: forward under no_grad")
    times = median_times(functions, repeats)
    rows = [[name, ms(t), f"{config.n / t:12,.0f}"] for name, t in zip(names, times)]
    print_table(["predict", "ms", "sequences/s"], rows)


# --------------------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (3 instead of 15)")
    parser.add_argument("--repeats", type=int, help="timed repeats per measurement")
    parser.add_argument(
        "--threads", type=int, help="BLAS and torch threads (default: numpy's BLAS setting)"
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 15)

    with threadpool_limits(limits=args.threads, user_api="blas"):
        blas = numpy_blas()
        if torch is not None and blas is not None:
            torch.set_num_threads(blas["num_threads"])
        print_environment(blas)
        print(f"repeats: {repeats} (median reported, after one warm-up call)")
        print()
        bench_objectives(repeats)
        bench_where_time_goes(repeats)
        bench_predict(repeats)
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
