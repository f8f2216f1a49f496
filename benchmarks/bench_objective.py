"""Speed of the BPTT objective, side by side with PyTorch, and where its time goes.

What it measures (everything in one run, same machine, same dtype, same
thread count):

1. Objective speed. ``Objective(theta)`` (loss and full gradient over all
   samples; squared error, tanh, learned initial state), built as the
   estimators build it (chunks from ``plan_chunks``), run with ``n_jobs=None``
   and with ``n_jobs`` = the thread count, against PyTorch's
   ``nn.RNN(tanh) + nn.Linear`` readout + a learned initial state ``h0``
   computing the same loss and calling ``loss.backward()``. Before timing
   each configuration, our parameters are copied into the torch modules and
   the loss and gradient of both are compared.
2. "Unavoidable work" for (n, T, d, H) = (1000, 50, 3, 32) in float64: the
   2T recurrent products, tanh over the whole stack and the big products
   outside the loops. Our objective's time divided by their sum (target:
   at most 1.3), then a breakdown of the objective (forward, backward, output
   layer, objective overhead) and the cost of the other operations it does.
3. Predict throughput: sequences per second of our ``forward()`` + readout
   against torch's forward pass under ``torch.no_grad()``.

PyTorch is optional: without it, the torch columns are skipped. It is never a
dependency of the project; to get the columns, install a CPU build by hand,
for example ``pip install torch``.

Run from the repository root (results are medians of timed repeats after a
warm-up call; the functions compared are timed in turn, repeat by repeat)::

    python benchmarks/bench_objective.py              # full run, about a minute
    python benchmarks/bench_objective.py --quick      # fewer repeats
    python benchmarks/bench_objective.py --threads 1  # BLAS and torch on one thread

Timings are only meaningful on an otherwise idle machine: the share of the
CPU that other processes use is printed at the start and at the end.
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
    FinalWindowTargets,
    Objective,
    ParameterLayout,
    SequenceTargets,
    Workspace,
    backward,
    data_loss_and_gradient,
    forward,
    make_batch,
    plan_chunks,
)
from sklearn_bptt._functions import ACTIVATIONS, DERIVATIVES, LOSS_FUNCTIONS  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

ALPHA = 1e-2  # the estimator's alpha; the engine gets alpha / n, as the estimators do
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


# ------------------------------------------------------------------------- timing


def median_times(functions, repeats):
    """Median wall time of each function: one warm-up call each, then repeats
    in which the functions are timed in turn (so a drift hits all alike)."""
    for function in functions:
        function()
    times = [[] for _ in functions]
    for _ in range(repeats):
        for function, samples in zip(functions, times, strict=True):
            start = time.perf_counter()
            function()
            samples.append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times]


def median_time(function, repeats):
    return median_times([function], repeats)[0]


def ms(seconds):
    return f"{1e3 * seconds:9.2f}"


def share(seconds, total):
    return f"{100 * seconds / total:5.1f}%"


def print_table(header, rows):
    widths = [
        max(len(str(cell)) for cell in column)
        for column in zip(header, *rows, strict=True)
    ]
    line = "  ".join(f"{{:>{width}}}" for width in widths)
    print(line.format(*header))
    print("  ".join("-" * width for width in widths))
    for row in rows:
        print(line.format(*row))
    print()


# ------------------------------------------------------------------- environment


def numpy_blas():
    """threadpoolctl's entry for the BLAS that numpy itself is linked to."""
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


def load_average():
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def busy_fraction(seconds=0.5):
    """Share of the CPU time other processes used over ``seconds`` (Linux only)."""

    def counters():
        fields = [int(v) for v in Path("/proc/stat").read_text().split()[1:9]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    try:
        total0, idle0 = counters()
        time.sleep(seconds)
        total1, idle1 = counters()
    except (OSError, ValueError):
        return None
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


class OtherProcesses:
    """CPU time other processes use while this one runs (Linux only)."""

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            fields = [int(v) for v in Path("/proc/stat").read_text().split()[1:9]]
        except (OSError, ValueError):
            return None
        busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
        return busy / os.sysconf("SC_CLK_TCK"), time.process_time(), time.time()

    def share(self):
        """Their share of all cores' time since construction, or None."""
        end = self._sample()
        if self.start is None or end is None:
            return None
        busy, ours, wall = (b - a for a, b in zip(self.start, end, strict=True))
        return max(0.0, busy - ours) / max(1e-9, wall * os.cpu_count())


def print_environment(blas):
    print("=== Environment")
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores")
    busy = busy_fraction()
    if busy is None:
        print(f"load average at start: {load_average()}")
    else:
        print(f"CPU in use by other processes at start: {100 * busy:.0f}%")
        if busy > 0.1:
            print("WARNING: the machine is busy; the timings will be skewed.")
    if blas is None:
        print("numpy BLAS: not reported by threadpoolctl")
    else:
        print(
            f"numpy BLAS: {blas['internal_api']} {blas['version']} "
            f"({blas['prefix']}), threading layer: {blas['threading_layer']}, "
            f"architecture/kernel: {blas['architecture']}, "
            f"threads: {blas['num_threads']}"
        )
    print(f"OPENBLAS_CORETYPE: {os.environ.get('OPENBLAS_CORETYPE', '(not set)')}")
    if torch is None:
        print("PyTorch: not installed, the torch columns are skipped")
    else:
        print(
            f"PyTorch {torch.__version__}, threads: {torch.get_num_threads()}, "
            f"CPU capability: {torch.backends.cpu.get_cpu_capability()}, "
            f"MKL: {torch.backends.mkl.is_available()}"
        )
    print()


# ---------------------------------------------------------------------- our side


@dataclass
class Problem:
    config: Config
    X: np.ndarray  # (n, T, d)
    y: np.ndarray  # (n, K) or (n, T, K)
    lengths: np.ndarray
    chunks: list
    make_targets: object
    layout: ParameterLayout
    theta: np.ndarray  # float64, as L-BFGS passes it

    def objective(self, n_jobs=None, chunks=None):
        """The objective as the estimators build it (here with no fixed parameters);
        ``chunks`` replaces the planned chunks."""
        return Objective(
            self.layout,
            self.X,
            self.lengths,
            self.chunks if chunks is None else chunks,
            0,
            self.make_targets,
            "tanh",
            "squared_error",
            ALPHA / self.config.n,
            None,
            n_jobs,
        )

    def batches(self):
        """(batch, targets) of every chunk, laid out as the objective lays them out."""
        laid_out = []
        for rows in self.chunks:
            batch = make_batch(self.X, self.lengths, 0, rows)
            laid_out.append((batch, self.make_targets(batch)))
        return laid_out


def initial_params(layout, rng):
    """Glorot-uniform weights, orthogonal recurrent matrix, small random biases, h0."""
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
    n, T, d, H = config.n, config.T, config.d, config.H
    X = rng.standard_normal((n, T, d)).astype(config.dtype)
    lengths = np.full(n, T)
    sample_weight = np.ones(n, dtype=config.dtype)
    if config.sequence:
        y = rng.standard_normal((n, T, N_OUTPUTS)).astype(config.dtype)
        make_targets = SequenceTargets(y, sample_weight)
    else:
        y = rng.standard_normal((n, N_OUTPUTS)).astype(config.dtype)
        make_targets = FinalWindowTargets(y, sample_weight, 1, per_output=True)
    chunks = plan_chunks(lengths, T, H, X.dtype.itemsize)
    layout = ParameterLayout(d, H, N_OUTPUTS)
    theta = layout.pack(initial_params(layout, rng))
    return Problem(config, X, y, lengths, chunks, make_targets, layout, theta)


# -------------------------------------------------------------------- torch side


def make_torch_model(problem):
    """nn.RNN + nn.Linear + learned h0, holding our parameters."""
    config = problem.config
    H = config.H

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

    model = TorchRNN().to(getattr(torch, config.dtype))
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
    """Our loss, mean of 0.5 (o - y)^2 + alpha / (2n) ||W||^2, then backward().

    W: the recurrent and output weights, the ones the estimators penalise.
    """
    model.zero_grad(set_to_none=True)
    diff = model(x) - y
    loss = 0.5 * (diff * diff).mean()
    weights = (model.rnn.weight_hh_l0, model.readout.weight)
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


def compare(objectives, theta, layout, torch_loss, torch_grad):
    """Largest loss rel. difference and largest max|grad diff| / max|grad|."""
    loss_diff = grad_diff = 0.0
    for objective in objectives:
        loss, grad = objective(theta)
        loss_diff = max(loss_diff, abs(loss - torch_loss) / abs(torch_loss))
        grad_diff = max(
            grad_diff, np.max(np.abs(grad - torch_grad)) / np.max(np.abs(torch_grad))
        )
    return loss_diff, grad_diff


# ---------------------------------------------------------------------- section 1


def bench_objectives(repeats, threads):
    print("=== 1. Objective: loss + full gradient over all samples")
    print(
        "tanh, squared error. Check: loss rel. diff and max|grad diff| / max|grad|\n"
        "(worst of our two runs) after copying our parameters into torch. Times are\n"
        f"medians in ms; 'n_jobs={threads}' runs the chunks on {threads} joblib "
        "threads;\nspeed-up = torch / the faster of ours."
    )
    print()
    rows = [bench_config(config, repeats, threads) for config in CONFIGS]
    header = ["(n, T, d, H)", "dtype", "targets", "chunks", "loss diff", "grad diff"]
    header += ["ours ms", f"n_jobs={threads} ms", "torch ms", "speed-up"]
    print_table(header, rows)


def bench_config(config, repeats, threads):
    """Check, then time, ours (n_jobs=None, and n_jobs=threads) and torch."""
    problem = make_problem(config)
    objectives = [problem.objective()]
    if threads > 1 and len(problem.chunks) > 1:
        objectives.append(problem.objective(n_jobs=threads))
    functions = [lambda o=o: o(problem.theta) for o in objectives]
    check = None
    if torch is not None:
        model = make_torch_model(problem)
        x, y = torch.from_numpy(problem.X), torch.from_numpy(problem.y)
        loss = torch_objective(model, x, y, config.n).item()
        grad = torch_gradient(model, problem.layout)
        check = compare(objectives, problem.theta, problem.layout, loss, grad)
        functions.append(lambda: torch_objective(model, x, y, config.n))
    times = median_times(functions, repeats)
    return objective_row(problem, check, times, len(objectives))


def objective_row(problem, check, times, n_ours):
    config = problem.config
    row = [
        config.label(),
        config.dtype,
        "every step" if config.sequence else "final step",
        chunk_sizes(problem),
    ]
    if check is None:
        row += ["-", "-"]
    else:
        tolerance = 1e-10 if config.dtype == "float64" else 1e-4
        row += [f"{diff:.1e}" + ("" if diff < tolerance else " BAD") for diff in check]
    ours = times[:n_ours]
    row += [ms(ours[0]), ms(ours[1]) if n_ours > 1 else "-"]
    if check is None:
        return row + ["-", "-"]
    torch_time = times[n_ours]
    return row + [ms(torch_time), f"{torch_time / min(ours):6.2f}x"]


# ---------------------------------------------------------------------- section 2


def unavoidable_work(config, repeats):
    """Times of the work any BPTT implementation must do, on stand-in arrays."""
    rng = np.random.default_rng(1)
    n, T, d, H = config.n, config.T, config.d, config.H
    W = rng.standard_normal((H, H))
    states = np.tanh(rng.standard_normal((T + 1, n, H)))
    deltas = rng.standard_normal((T, n, H))
    inputs = rng.standard_normal((T, n, d))
    input_weights = rng.standard_normal((d, H))
    buffer = np.empty((n, H))
    stack = np.empty((T, n, H))

    def recurrent_products():
        for t in range(T):
            np.matmul(states[t], W, out=buffer)
        for t in range(T):
            np.matmul(deltas[t], W.T, out=buffer)

    def big_products():
        np.matmul(inputs.reshape(-1, d), input_weights, out=stack.reshape(-1, H))
        states[:-1].reshape(-1, H).T @ deltas.reshape(-1, H)
        inputs.reshape(-1, d).T @ deltas.reshape(-1, H)

    def engine_tanh():
        np.copyto(stack, deltas)
        ACTIVATIONS["tanh"](stack)

    numpy_tanh = median_time(lambda: np.tanh(deltas, out=stack), repeats)
    ours = median_time(engine_tanh, repeats) - median_time(
        lambda: np.copyto(stack, deltas), repeats
    )
    return {
        f"(a) {2 * T} recurrent ({n},{H})@({H},{H}) products": median_time(
            recurrent_products, repeats
        ),
        f"(b) tanh over the ({T},{n},{H}) stack, fastest of:": min(numpy_tanh, ours),
        "      np.tanh": numpy_tanh,
        "      the engine's ACTIVATIONS['tanh'] (in place)": ours,
        "(c) input projection, dW_rec, dW_in": median_time(big_products, repeats),
    }


def objective_breakdown(problem, repeats):
    """The objective and its parts, each timed over all chunks."""
    params = problem.layout.unpack(problem.theta)
    grads = problem.layout.unpack(np.empty(problem.layout.size))
    # One workspace per chunk, so that no stack is reallocated between calls.
    chunks = [(batch, targets, Workspace()) for batch, targets in problem.batches()]
    # What backward() needs of every chunk: the stack and the output error.
    backward_inputs = []
    for batch, targets, ws in chunks:
        states, activations = forward(params, batch, "tanh", workspace=ws)
        d_states = output_error(params, states, targets)
        backward_inputs.append(
            (batch, states, activations, targets.steps, d_states, ws)
        )

    def run_forward():
        for batch, _, ws in chunks:
            forward(params, batch, "tanh", workspace=ws)

    def run_backward():
        for batch, states, activations, steps, d_states, ws in backward_inputs:
            backward(
                params,
                batch,
                states,
                activations,
                steps,
                d_states,
                "tanh",
                grads,
                workspace=ws,
            )

    def run_data_loss():
        for batch, targets, ws in chunks:
            data_loss_and_gradient(
                params, batch, targets, "tanh", "squared_error", grads, workspace=ws
            )

    objective = problem.objective()
    total, forward_time, backward_time, data_time = median_times(
        [lambda: objective(problem.theta), run_forward, run_backward, run_data_loss],
        repeats,
    )
    return total, {
        "forward()": forward_time,
        "backward()": backward_time,
        "output layer + loss (data_loss_and_gradient - the two)": (
            data_time - forward_time - backward_time
        ),
        "Objective overhead (Objective - data_loss_and_gradient)": total - data_time,
    }


def output_error(params, states, targets):
    """d loss / d state at the target steps, as data_loss_and_gradient computes it."""
    outputs = states[targets.steps] @ params["output_weights"] + params["output_bias"]
    _, d_outputs = LOSS_FUNCTIONS["squared_error"](
        outputs, targets.values, targets.weights
    )
    return d_outputs @ params["output_weights"].T


def other_operations(config, repeats):
    """Costs of other operations the engine does, at the reference shapes."""
    rng = np.random.default_rng(2)
    n, T, d, H = config.n, config.T, config.d, config.H
    Z = np.tanh(rng.standard_normal((T, n, H)))
    deltas = rng.standard_normal((T, n, H))
    inputs = rng.standard_normal((T, n, d))
    input_weights = rng.standard_normal((d, H))
    stack = np.empty((T, n, H))
    ones = np.ones(T * n)

    def per_step(ufunc):
        def run():
            for t in range(T):
                ufunc(stack[t], Z[t], out=stack[t])

        return run

    def slopes():
        DERIVATIVES["tanh"](Z, stack)

    def projection_3d():
        np.matmul(inputs, input_weights, out=stack)

    def projection_2d():
        np.matmul(inputs.reshape(-1, d), input_weights, out=stack.reshape(-1, H))

    def new_stack():
        np.empty((T + 1, n, H)).fill(0.0)

    def limit_blas():
        with threadpool_limits(limits=1, user_api="blas"):
            pass

    def python_steps():
        for t in range(2 * T):
            stack[t % T, :n]

    operations = {
        "tanh slopes 1 - Z*Z over the stack (DERIVATIVES)": slopes,
        f"forward `pre += recurrent_input`, {T} steps": per_step(np.add),
        f"backward `delta *= d_state`, {T} steps": per_step(np.multiply),
        # What the constant input column saves: the bias as passes of their own.
        "hidden bias as its own pass, stack += b": lambda: np.add(
            stack, input_weights[0], out=stack
        ),
        "hidden-bias gradient as its own product, ones @ deltas": lambda: (
            ones @ deltas.reshape(-1, H)
        ),
        f"input projection as a 3D matmul ({T},{n},{d})@({d},{H})": projection_3d,
        "   the same as one 2D product": projection_2d,
        "a new (T+1,n,H) stack: np.empty + first write": new_stack,
        "threadpool_limits(1, 'blas') enter + exit": limit_blas,
        f"Python loop overhead, {2 * T} steps with slicing": python_steps,
    }
    return {name: median_time(run, repeats) for name, run in operations.items()}


def bench_where_time_goes(repeats):
    config = REFERENCE
    print(
        f"=== 2. Where the time goes: {config.label()} {config.dtype}, "
        "final-step target, n_jobs=None"
    )
    problem = make_problem(config)
    # The engine runs several chunks on one BLAS thread each; time its parts so.
    blas_threads = 1 if len(problem.chunks) > 1 else None
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        total, parts = objective_breakdown(problem, repeats)
    floor = unavoidable_work(config, repeats)
    floor_sum = sum(value for name, value in floor.items() if name.startswith("("))
    rows = [[name, ms(value), share(value, total)] for name, value in floor.items()]
    rows.append(["sum of (a), (b), (c)", ms(floor_sum), share(floor_sum, total)])
    rows.append(["our Objective(theta)", ms(total), share(total, total)])
    print_table(["unavoidable work", "ms", "of ours"], rows)
    print(
        f"our objective / unavoidable work = {total / floor_sum:.2f}x (target <= 1.3x)"
    )
    print()
    rows = [[name, ms(value), share(value, total)] for name, value in parts.items()]
    threads = "1 BLAS thread" if blas_threads == 1 else "BLAS threads as set"
    header = [
        f"our objective by part (chunks {chunk_sizes(problem)}, {threads})",
        "ms",
        "of ours",
    ]
    print_table(header, rows)
    print_table(
        ["the same objective with other chunks", "ms", "of ours"],
        [
            [name, ms(value), share(value, total)]
            for name, value in chunking_variants(problem, repeats).items()
        ],
    )
    other = other_operations(config, repeats)
    rows = [[name, ms(value), share(value, total)] for name, value in other.items()]
    print_table(["other operations at these shapes", "ms", "of ours"], rows)


def chunking_variants(problem, repeats):
    """Objective(theta) with the planned chunks, two equal chunks and one chunk."""
    samples = np.arange(problem.config.n)
    variants = {
        f"planned chunks {chunk_sizes(problem)}": problem.chunks,
        "two equal chunks": np.array_split(samples, 2),
        "one chunk of all samples": [samples],
    }
    objectives = [problem.objective(chunks=chunks) for chunks in variants.values()]
    times = median_times([lambda o=o: o(problem.theta) for o in objectives], repeats)
    return dict(zip(variants, times, strict=True))


def chunk_sizes(problem):
    sizes = [len(chunk) for chunk in problem.chunks]
    if len(sizes) > 3:
        return f"{len(sizes)} of <= {max(sizes)}"
    return "+".join(str(size) for size in sizes)


# ---------------------------------------------------------------------- section 3


def bench_predict(repeats):
    config = REFERENCE
    print(
        f"=== 3. Predict throughput: {config.label()} {config.dtype}, final-step output"
    )
    problem = make_problem(config)
    params = problem.layout.unpack(problem.theta)
    whole = make_batch(problem.X, problem.lengths, 0)

    def readout(batch):
        states, _ = forward(params, batch, "tanh")
        return states[-1] @ params["output_weights"] + params["output_bias"]

    def by_chunks():  # as the estimators' predict does, validation aside
        for rows in problem.chunks:
            readout(make_batch(problem.X, problem.lengths, 0, rows))

    functions = [lambda: readout(whole), by_chunks]
    names = [
        "ours: forward() + readout, one batch",
        f"ours: make_batch + forward() + readout, chunks {chunk_sizes(problem)}",
    ]
    if torch is not None:
        model = make_torch_model(problem)
        x = torch.from_numpy(problem.X)
        with torch.no_grad():
            difference = np.max(np.abs(model(x).numpy() - readout(whole)))
        print(f"max |prediction difference| ours vs torch: {difference:.1e}")

        def torch_predict():
            with torch.no_grad():
                return model(x)

        functions.append(torch_predict)
        names.append("torch: forward under no_grad")
    times = median_times(functions, repeats)
    rows = [
        [name, ms(t), f"{config.n / t:12,.0f}"]
        for name, t in zip(names, times, strict=True)
    ]
    print_table(["predict", "ms", "sequences/s"], rows)


# -------------------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats (3 instead of 15)"
    )
    parser.add_argument("--repeats", type=int, help="timed repeats per measurement")
    parser.add_argument(
        "--threads",
        type=int,
        help="BLAS and torch threads (default: numpy's BLAS setting)",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 15)
    others = OtherProcesses()

    with threadpool_limits(limits=args.threads, user_api="blas"):
        blas = numpy_blas()
        threads = blas["num_threads"] if blas else (args.threads or 1)
        if torch is not None:
            torch.set_num_threads(threads)
        print_environment(blas)
        print(f"repeats: {repeats} (median reported, after one warm-up call)")
        print()
        bench_objectives(repeats, threads)
        bench_where_time_goes(repeats)
        bench_predict(repeats)
    during = others.share()
    if during is not None:
        print(f"CPU used by other processes during the run: {100 * during:.0f}%")
    busy = busy_fraction()
    if busy is not None:
        print(f"CPU in use by other processes at the end: {100 * busy:.0f}%")


if __name__ == "__main__":
    main()
