"""Scaling out one fit: a Dask array on two local workers against NumPy in memory.

Fits ``BPTTRegressor(n_hidden=H)`` for a few L-BFGS iterations on the same
sequences (n, T, d), made from a seed, twice, each in a fresh process:

- in memory: a NumPy ``X`` in the process, ``n_jobs=2`` (two threads share
  the chunks of every evaluation);
- on Dask: ``X`` as a Dask array made block by block on a ``LocalCluster`` of
  2 single-threaded worker processes; the process that fits (the driver)
  never holds it.

For each it prints the setup (validation, sample digests and, on Dask,
laying the chunks out on the workers, most of which the first evaluation
waits for), the time per evaluation and per L-BFGS iteration, the whole fit,
and the driver's memory against the size of ``X``: its peak resident memory
above what it held before the fit, and the peak of the Python and NumPy
allocations that ``tracemalloc`` sees during the fit. For the Dask fit it
also splits evaluations into the workers' compute and the rest (the
scheduler's round trip, sending the parameters, gathering the gradients),
and times evaluations whose tasks do no work.

Run from the repository root, on a machine with little else running::

    python benchmarks/bench_dask.py                # n=200,000, T=100, d=4, H=32
    python benchmarks/bench_dask.py --n 50000 --repeats 2  # smaller, twice
    python benchmarks/bench_dask.py --float64      # mixed_precision=False
    python benchmarks/bench_dask.py --no-malloc-trim  # see the Scaling out page
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np
from bench_fit import print_table  # this folder is on the path
from sklearn.exceptions import ConvergenceWarning

warnings.simplefilter("ignore", ConvergenceWarning)


def resident_mb():
    """Current resident memory of this process, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_resident_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # kB -> MB


def make_data(n, T, d, n_blocks):
    """Standard normal sequences from a seed, as a Dask array, and their targets."""
    import dask.array as da

    X = da.random.default_rng(0).standard_normal(
        (n, T, d), chunks=(-(-n // n_blocks), T, d)
    )
    return X, X[:, -10:, 0].sum(axis=1)


class EvaluationClock:
    """Records the start and end of every evaluation L-BFGS asks for."""

    def __init__(self):
        from sklearn_bptt import _base

        self.calls = []
        evaluate = _base._BestPoint.__call__

        def timed(point, theta):
            start = time.perf_counter()
            result = evaluate(point, theta)
            self.calls.append((start, time.perf_counter()))
            return result

        _base._BestPoint.__call__ = timed


def timed_fit(model, X, y, clock):
    """Fit, and return the timings and the driver's memory."""
    tracemalloc.start()
    before = resident_mb()
    start = time.perf_counter()
    model.fit(X, y)
    end = time.perf_counter()
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    starts, ends = np.array(clock.calls).T
    return {
        "setup_s": starts[0] - start,
        "first_evaluation_s": ends[0] - starts[0],
        "evaluation_s": float(np.median(ends[1:] - starts[1:])),
        "n_evaluations": len(starts),
        "n_iter": model.n_iter_,
        "iteration_s": (ends[-1] - ends[0]) / model.n_iter_,
        "after_s": end - ends[-1],
        "fit_s": end - start,
        "peak_above_mb": peak_resident_mb() - before,
        "traced_peak_mb": traced_peak,
        "loss": model.loss_,
    }


def numpy_child(n, T, d, H, n_iter, n_blocks, mixed_precision):
    """In a fresh process: the in-memory fit with two threads."""
    from sklearn_bptt import BPTTRegressor

    X, y = make_data(n, T, d, n_blocks)
    X, y = X.compute(scheduler="threads"), y.compute(scheduler="threads")
    clock = EvaluationClock()
    model = BPTTRegressor(
        n_hidden=H,
        max_iter=n_iter,
        n_jobs=2,
        random_state=0,
        mixed_precision=mixed_precision,
    )
    result = timed_fit(model, X, y, clock)
    result["x_mb"] = X.nbytes / 2**20
    print(json.dumps(result))


def _no_work(partition, theta):
    """An evaluation task that returns what a real one does, without computing."""
    objective = partition.objective
    n_chunks = len(objective.chunks)
    return np.zeros(n_chunks), np.zeros((n_chunks, theta.size), objective.dtype)


def split_evaluations(client, objective, repeats=3):
    """Evaluation time against the workers' compute, and evaluations of no work."""
    import dask
    from distributed import get_task_stream

    theta = np.random.RandomState(0).normal(scale=0.1, size=objective.layout.size)
    walls, busiest = [], []
    for _ in range(repeats):
        with get_task_stream(client) as stream:
            start = time.perf_counter()
            objective(theta)
            walls.append(time.perf_counter() - start)
        busy = {}
        for task in stream.data:
            for part in task["startstops"]:
                if part["action"] == "compute":
                    busy[task["worker"]] = busy.get(task["worker"], 0.0) + (
                        part["stop"] - part["start"]
                    )
        busiest.append(max(busy.values()))
    no_work = []
    for _ in range(repeats):
        start = time.perf_counter()
        dask.compute(
            *(
                dask.delayed(_no_work, pure=False)(part, theta)
                for part in objective.partitions
            )
        )
        no_work.append(time.perf_counter() - start)
    return {
        "split_evaluation_s": float(np.median(walls)),
        "busiest_worker_s": float(np.median(busiest)),
        "no_work_s": float(np.median(no_work)),
        "n_partitions": len(objective.partitions),
    }


def dask_child(n, T, d, H, n_iter, n_blocks, mixed_precision, malloc_trim=True):
    """In a fresh process: the fit on a Dask array on two local workers."""
    import dask
    from distributed import Client, LocalCluster

    from sklearn_bptt import BPTTRegressor, _dask

    if not malloc_trim:
        # Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_ set, which
        # fixes glibc's threshold for mapping an allocation on its own.
        environ = dask.config.get("distributed.nanny.pre-spawn-environ")
        environ = {k: v for k, v in environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ})
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = Client(cluster)
    X, y = make_data(n, T, d, n_blocks)
    kept = []
    build = _dask.objectives

    def keep_objectives(*args, **kwargs):
        kept.extend(build(*args, **kwargs))
        return tuple(kept)

    _dask.objectives = keep_objectives
    clock = EvaluationClock()
    model = BPTTRegressor(
        n_hidden=H, max_iter=n_iter, random_state=0, mixed_precision=mixed_precision
    )
    result = timed_fit(model, X, y, clock)
    result["x_mb"] = X.nbytes / 2**20
    # The iterations ran on the float32 draft, when there is one.
    result.update(split_evaluations(client, kept[1] or kept[0]))
    result["worker_peak_mb"] = sorted(client.run(lambda: peak_resident_mb()).values())
    kept.clear()
    client.close()
    cluster.close()
    print(json.dumps(result))


def run_child(kind, args):
    command = [sys.executable, __file__, "--child", kind]
    for name in ("n", "T", "d", "H", "iterations", "blocks"):
        command += [f"--{name}", str(getattr(args, name))]
    if args.float64:
        command.append("--float64")
    if args.no_malloc_trim:
        command.append("--no-malloc-trim")
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--T", type=int, default=100)
    parser.add_argument("--d", type=int, default=4)
    parser.add_argument("--H", type=int, default=32)
    parser.add_argument("--iterations", type=int, default=3, help="max_iter")
    parser.add_argument("--blocks", type=int, default=16, help="blocks of the Dask X")
    parser.add_argument("--repeats", type=int, default=1, help="pairs of fits")
    parser.add_argument("--float64", action="store_true", help="mixed_precision=False")
    parser.add_argument(
        "--no-malloc-trim",
        action="store_true",
        help="start the workers without MALLOC_TRIM_THRESHOLD_",
    )
    parser.add_argument("--child", choices=["numpy", "dask"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = (
        args.n,
        args.T,
        args.d,
        args.H,
        args.iterations,
        args.blocks,
        not args.float64,
    )
    if args.child == "numpy":
        return numpy_child(*sizes)
    if args.child == "dask":
        return dask_child(*sizes, malloc_trim=not args.no_malloc_trim)

    import sklearn_bptt

    print(f"sklearn_bptt from {os.path.dirname(sklearn_bptt.__file__)}")
    precision = (
        "mixed_precision=False: float64 throughout"
        if args.float64
        else "mixed precision: the iterations run in float32"
    )
    print(
        f"BPTTRegressor(n_hidden={args.H}, max_iter={args.iterations}) on n={args.n}, "
        f"T={args.T}, d={args.d}, float64 X ({precision}); Dask X in {args.blocks} "
        f"blocks; {os.cpu_count()} cores, load average at start "
        f"{os.getloadavg()[0]:.1f}"
    )
    if args.no_malloc_trim:
        print("Dask workers started without MALLOC_TRIM_THRESHOLD_")
    # Turn about, so that a change in what else the machine runs shows.
    results = {}
    for repeat in range(1, args.repeats + 1):
        results[f"NumPy, n_jobs=2 ({repeat})"] = run_child("numpy", args)
        results[f"Dask, 2 workers ({repeat})"] = run_child("dask", args)
    dask_runs = [r for name, r in results.items() if name.startswith("Dask")]
    x_mb = dask_runs[0]["x_mb"]
    print_table(
        f"Time (s) and the driver's memory (MB; X is {x_mb:.0f} MB)",
        [
            "fit",
            "setup",
            "1st eval.",
            "eval.",
            "per iter.",
            "iters",
            "evals",
            "whole fit",
            "peak RSS +",
            "traced peak",
            "loss",
        ],
        [
            [
                name,
                f"{r['setup_s']:.1f}",
                f"{r['first_evaluation_s']:.1f}",
                f"{r['evaluation_s']:.2f}",
                f"{r['iteration_s']:.2f}",
                r["n_iter"],
                r["n_evaluations"],
                f"{r['fit_s']:.1f}",
                f"{r['peak_above_mb']:.0f}",
                f"{r['traced_peak_mb']:.0f}",
                f"{r['loss']:.10g}",
            ]
            for name, r in results.items()
        ],
    )
    print_table(
        f"Dask evaluations after the fit, {dask_runs[0]['n_partitions']} partitions "
        "(s, medians of 3), and the workers' peak memory",
        [
            "run",
            "evaluation",
            "busiest worker's compute",
            "the rest",
            "no-work evaluation",
            "workers' peak RSS (MB)",
        ],
        [
            [
                repeat,
                f"{r['split_evaluation_s']:.3f}",
                f"{r['busiest_worker_s']:.3f}",
                f"{r['split_evaluation_s'] - r['busiest_worker_s']:.3f}",
                f"{r['no_work_s']:.3f}",
                ", ".join(f"{mb:.0f}" for mb in r["worker_peak_mb"]),
            ]
            for repeat, r in enumerate(dask_runs, start=1)
        ],
    )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
