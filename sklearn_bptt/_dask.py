"""Fits and predictions on Dask arrays whose blocks stay on the workers.

A Dask array of sequences is never gathered into this process. Fitting reads
it on the workers in three passes: the lengths of the sequences (and the
checks of ``X``), a digest of every sample (so that samples are merged and
ordered as for NumPy input), and a shuffle that lays the distinct samples out
in the engine's chunks, in the canonical order, and keeps them in the
workers' memory. Every evaluation of the objective then sends the parameter
vector to the workers, which return the loss and gradient of each of their
chunks, and this process sums them in chunk order: the sum the in-memory
objective forms, term by term.

The library imports Dask only when it is given a Dask array: the functions
here that need it call :func:`import_dask`.
"""

import copy
import sys
import threading
import warnings
from contextlib import contextmanager
from math import fsum

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils.validation import (
    _check_feature_names,
    _check_sample_weight,
    assert_all_finite,
    check_array,
    check_consistent_length,
)

from ._engine import Objective, exact_sum, one_blas_thread, stack_frames, sum_chunks
from ._validation import (
    ENCODE_HELP,
    NOTHING_TO_SCORE,
    SHAPES_HELP,
    as_three_dimensional,
    check_every_output_has_a_target,
    check_targets_where_predicted,
    check_targets_within_sequences,
    merge_samples,
    sample_digests,
    sequence_lengths,
)

MIN_DASK_VERSION = "2024.1"
INSTALL_HELP = 'pip install "dask[array]>=2024.1" distributed'


def is_dask_array(value):
    """Whether ``value`` is a Dask array, without importing Dask.

    No Dask array can exist before ``dask.array`` is imported, so a library
    that never sees one never imports Dask.
    """
    module = sys.modules.get("dask.array")
    return module is not None and isinstance(value, module.Array)


def import_dask():
    """Import and return ``dask``, or raise an ImportError that says what to install."""
    try:
        import dask
        import dask.array  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "sklearn-bptt needs Dask to fit or predict on Dask arrays: "
            f"{INSTALL_HELP}, or pip install 'sklearn-bptt[dask]'."
        ) from error
    from sklearn.utils.fixes import parse_version

    if parse_version(dask.__version__) < parse_version(MIN_DASK_VERSION):
        raise ImportError(
            f"sklearn-bptt needs dask>={MIN_DASK_VERSION} for Dask arrays; "
            f"dask {dask.__version__} is installed: {INSTALL_HELP}."
        )
    return dask


def to_numpy(value):
    """A Dask collection computed in this process; anything else as it is.

    No Dask collection can exist before ``dask`` is imported.
    """
    dask = sys.modules.get("dask")
    if dask is not None and dask.is_dask_collection(value):
        return value.compute()
    return value


def target_counts(Y):
    """Every sequence's number of target entries in per-step Dask targets.

    Counted on the workers; only the counts come to this process.
    """
    return _compute((~np.isnan(Y)).sum(axis=(1, 2)))[0]


def _block_bounds(chunks):
    """``(start, stop)`` of every block of a Dask array along its first axis."""
    stops = np.cumsum(chunks, dtype=int)
    return list(zip(stops - np.asarray(chunks, dtype=int), stops, strict=True))


def _blocks(array):
    """Every block of a Dask array blocked along its first axis, with its bounds.

    Yields ``(block, (start, stop))`` with ``block`` a Dask delayed object.
    """
    blocks = array.to_delayed().ravel()
    return zip(blocks, _block_bounds(array.chunks[0]), strict=True)


def _block_start(block_info):
    """The index in the whole array of a block's first sample."""
    return block_info[0]["array-location"][0][0] if block_info else 0


# Validation
# ----------


def check_fit_inputs(estimator, X, y, sample_weight, reset):
    """Validate a Dask ``X`` for ``fit``; bring the small inputs to this process.

    Sample weights and per-sequence targets (one value or label per
    sequence) are computed here; per-step targets (``output="sequence"``)
    stay a Dask array.

    Returns
    -------
    X : dask.array.Array of shape (n_samples, n_timesteps, n_features)
    lengths : ndarray of shape (n_samples,)
    y : array-like or dask.array.Array
    sample_weight : array-like or None
    """
    if estimator.early_stopping:
        raise NotImplementedError(
            "early_stopping holds out sequences to score in this process, which "
            "a Dask array does not allow; fit a Dask array with "
            "early_stopping=False, or a NumPy array with early_stopping=True."
        )
    X = as_sequence_array(estimator, X, reset=reset)
    lengths = sequence_lengths_of(X)
    if getattr(estimator, "output", "last") == "sequence":
        if is_dask_array(y) and y.dtype.kind == "O":
            raise ValueError(
                "y has dtype object; per-step targets on Dask must be numbers, "
                "NaN meaning 'no target here'. Convert y with y.astype(float)."
            )
    else:
        y = to_numpy(y)
    return X, lengths, y, to_numpy(sample_weight)


def as_sequence_array(estimator, X, reset):
    """Check a Dask ``X`` without computing it: dtype, shape, chunks, features.

    Returns the float64 or float32, 3D form of ``X``, as a Dask array.
    """
    import_dask()
    _check_feature_names(estimator, X, reset=reset)
    kind = X.dtype.kind
    if kind in ("U", "S"):
        raise ValueError(
            f"X contains strings (dtype {X.dtype}); the network needs numbers. "
            f"{ENCODE_HELP}"
        )
    if kind not in "biuf":
        raise ValueError(
            f"X has dtype {X.dtype}; a Dask array of sequences must hold numbers. "
            "Convert it first, for example with X.astype(float)."
        )
    if X.dtype not in (np.float64, np.float32):
        X = X.astype(np.float64)
    if X.ndim not in (2, 3):
        raise ValueError(
            f"X must be {SHAPES_HELP}; got a {X.ndim}D array of shape {X.shape}."
        )
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            "X has blocks of unknown size (from a Dask DataFrame, for example); "
            "compute them first with X.compute_chunk_sizes()."
        )
    if any(len(chunks) > 1 for chunks in X.chunks[1:]):
        raise ValueError(
            "A Dask array X must be chunked along the samples only, each block "
            f"holding whole sequences; got chunks {X.chunks[1:]} along the steps "
            "and features. Rechunk it with X.rechunk({1: -1, 2: -1})."
        )
    return as_three_dimensional(X, estimator, reset)


def _block_lengths(block, block_info=None):
    """The lengths of one block's sequences, after the checks NumPy input gets."""
    assert_all_finite(block, allow_nan=True, input_name="X")
    if not len(block):
        return np.empty(0, dtype=np.intp)
    return sequence_lengths(block, _block_start(block_info))


def sequence_lengths_of(X):
    """The length of every sequence of a Dask ``X``, computed block by block.

    A value that is not allowed (infinity, NaN that is not padding) raises
    the ValueError NumPy input gets, naming the sample by its index in ``X``.
    """
    lengths = X.map_blocks(
        _block_lengths, drop_axis=[1, 2], dtype=np.intp, meta=np.empty(0, np.intp)
    )
    return np.asarray(lengths.compute())


def _frame_block(block, frame_length):
    if not len(block):
        n_frames = -(-block.shape[1] // frame_length)
        return np.empty((0, n_frames, frame_length * block.shape[2]), block.dtype)
    return stack_frames(block, sequence_lengths(block), frame_length)[0]


def stack_frames_by_block(X, lengths, frame_length):
    """The engine's ``stack_frames`` on a Dask ``X``, block by block, lazily."""
    if frame_length == 1:
        return X, lengths
    n_frames = -(-X.shape[1] // frame_length)
    frames = X.map_blocks(
        _frame_block,
        frame_length,
        chunks=(X.chunks[0], (n_frames,), (frame_length * X.shape[2],)),
        dtype=X.dtype,
        meta=np.empty((0, 0, 0), X.dtype),
    )
    return frames, -(-np.asarray(lengths) // frame_length)


def as_target_array(y, like, dtype):
    """Per-step targets as a Dask array of ``dtype`` blocked like ``like``'s samples.

    A NumPy ``y`` is checked as it would be for NumPy ``X``, then split into
    blocks; a Dask ``y`` is rechunked to ``like``'s blocks of samples if needed.
    """
    da = import_dask().array
    if not is_dask_array(y):
        y = check_array(
            y,
            ensure_2d=False,
            allow_nd=True,
            dtype=dtype,
            ensure_all_finite="allow-nan",
            input_name="y",
        )
        check_consistent_length(like, y)
        return da.from_array(y, chunks=(like.chunks[0],) + y.shape[1:])
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"y has dtype {y.dtype}; per-step targets must be numbers, NaN meaning "
            "'no target here'. Convert y first, for example with y.astype(float)."
        )
    check_consistent_length(like, y)
    if any(np.isnan(size) for size in y.chunks[0]):
        raise ValueError(
            "y has blocks of unknown size; compute them first with "
            "y.compute_chunk_sizes()."
        )
    chunks = (like.chunks[0],) + tuple((size,) for size in y.shape[1:])
    return y.astype(dtype).rechunk(chunks)


def _block_targeted_outputs(Y, lengths, sample_weight, first_sample):
    """Checks of one block of per-step targets; which outputs have a target."""
    assert_all_finite(Y, allow_nan=True, input_name="y")
    check_targets_within_sequences(Y, lengths, first_sample)
    targeted = ~np.isnan(Y) & (sample_weight > 0)[:, np.newaxis, np.newaxis]
    return targeted.any(axis=(0, 1))


def check_sequence_targets(Y, lengths, sample_weight):
    """Check per-step targets block by block, as NumPy targets are checked.

    Parameters
    ----------
    Y : dask.array.Array of shape (n_samples, n_timesteps, n_outputs)
    lengths, sample_weight : ndarray of shape (n_samples,)

    Returns
    -------
    Y : dask.array.Array
        The same array.
    """
    dask = import_dask()
    check = dask.delayed(_block_targeted_outputs)
    targeted = dask.compute(
        *(
            check(block, lengths[start:stop], sample_weight[start:stop], start)
            for block, (start, stop) in _blocks(Y)
        )
    )
    # The NumPy check, on one stand-in sample with a target where any has one.
    stand_in = np.where(np.any(targeted, axis=0), 0.0, np.nan)
    check_every_output_has_a_target(stand_in[np.newaxis, np.newaxis], np.ones(1))
    return Y


# The objective
# -------------


class _SingleBlasThread:
    """BLAS on one thread while any thread of this process evaluates chunks.

    The engine's sums are the in-memory fit's only on one BLAS thread. The
    limit is counted, not nested, so that a task that ends first does not
    lift it under one still running on another thread of the worker.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.users = 0
        self.limiter = None

    @contextmanager
    def __call__(self):
        with self.lock:
            if self.users == 0:
                self.limiter = one_blas_thread()
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0:
                    self.limiter.restore_original_limits()
                    self.limiter = None


_single_blas_thread = _SingleBlasThread()

# Stacks reused by every partition's evaluations in a worker process (the
# engine's workspaces), rather than one set kept per partition.
_WORKSPACES = []


def _partition_objective(
    X, y, lengths, sample_weight, chunk_sizes, dtype, make_targets, total, engine
):
    """The engine's objective over one partition: consecutive chunks, laid out.

    Runs on a worker. ``total`` is the weight of all target entries of the
    data set, which normalises every chunk's targets as in memory.
    """
    # Values beyond float32's range become inf, as in the in-memory draft.
    with np.errstate(over="ignore"):
        X = X.astype(dtype, copy=False)
        y = y.astype(dtype, copy=False)
    targets = make_targets(y, sample_weight)
    targets.total = total
    chunks = np.split(np.arange(len(X)), np.cumsum(chunk_sizes)[:-1])
    # alpha and free are applied in sum_chunks, in the driver.
    objective = Objective(
        engine["layout"],
        X,
        lengths,
        chunks,
        engine["n_settle_steps"],
        targets,
        engine["activation"],
        engine["loss"],
        0.0,
        leak=engine["leak"],
        fixed_point=engine["fixed_point"],
        settle_leak=engine["settle_leak"],
        contraction=engine["contraction"],
    )
    return _Partition(objective)


class _Partition:
    """What a worker keeps of one partition: its engine objective.

    Dask sizes the objects it holds with ``sys.getsizeof``; this one reports
    the bytes of its arrays, so that the scheduler weighs moving it against
    computing where it is, and counts it in the worker's memory.
    """

    def __init__(self, objective):
        self.objective = objective

    def __sizeof__(self):
        # Not the stacks: all partitions in the process share them (_WORKSPACES).
        held = dict(vars(self.objective), _workspaces=None)
        return object.__sizeof__(self) + _nbytes(held, set())


def _nbytes(value, seen):
    """Bytes of the arrays reachable from ``value``, each counted once."""
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(item, seen) for item in value)
    if isinstance(value, dict):
        return sum(_nbytes(item, seen) for item in value.values())
    if hasattr(value, "__dict__"):
        return _nbytes(vars(value), seen)
    return 0


def _partition_results(partition, theta):
    """Loss and gradient of each chunk of a partition, in order.

    Runs on a worker. Returns the losses (float64) and the gradients, one row
    per chunk, in the data's dtype.
    """
    objective = partition.objective
    objective._workspaces = _WORKSPACES
    with _single_blas_thread():
        params = objective.layout.unpack(theta.astype(objective.dtype))
        results = [
            objective.chunk_loss_and_gradient(params, index)
            for index in range(len(objective.chunks))
        ]
    losses = np.array([loss for loss, _ in results], dtype=np.float64)
    return losses, np.stack([grad for _, grad in results])


class DaskObjective:
    """Loss and gradient of data held on Dask workers, for L-BFGS in this process.

    Called like the engine's :class:`~sklearn_bptt._engine.Objective`: a
    float64 parameter vector in, the loss and its float64 gradient out.

    Parameters
    ----------
    partitions : list of dask.delayed.Delayed
        Persisted engine objectives, each over consecutive chunks, in chunk
        order.
    layout : ParameterLayout
    dtype : numpy.dtype
        The data's precision on the workers.
    alpha : float
        Strength of the L2 penalty, per observed target value.
    free : ndarray of shape (layout.size,) or None
        1 for learned parameters, 0 for fixed ones.
    """

    def __init__(self, partitions, layout, dtype, alpha, free):
        self.partitions = partitions
        self.layout = layout
        self.dtype = np.dtype(dtype)
        self.alpha = alpha
        self.free = free

    def __call__(self, theta):
        dask = import_dask()
        params = self.layout.unpack(theta.astype(self.dtype))
        evaluate = dask.delayed(_partition_results, pure=False)
        outcomes = _compute(*(evaluate(part, theta) for part in self.partitions))
        results = [
            (loss, grad)
            for losses, grads in outcomes
            for loss, grad in zip(losses.tolist(), grads, strict=True)
        ]
        # The sum is written into the first gradient; what Dask returns may be
        # read-only.
        results[0] = (results[0][0], results[0][1].copy())
        return sum_chunks(results, params, self.layout, self.alpha, self.free)


def _compute(*collections):
    """``dask.compute``; a cluster that fails to deliver stops the fit, named."""
    dask = import_dask()
    try:
        return dask.compute(*collections)
    except Exception as error:
        raise RuntimeError(
            "Dask could not evaluate the loss on the workers "
            f"({type(error).__name__}: {error}). Blocks that a lost worker held "
            "are recomputed from their source when Dask still knows it; this "
            "failure could not be repaired, so the fit stopped rather than go on "
            "without some of the data."
        ) from error


def _block_digests(X, y, rows, dtypes, per_step_targets):
    """Digests of a block's samples of positive weight, in each precision.

    Runs on a worker. With per-step targets, also every sample's number of
    target entries.
    """
    digests = []
    for dtype in dtypes:
        with np.errstate(over="ignore"):
            digests.append(
                sample_digests(X.astype(dtype), np.asarray(y).astype(dtype), rows)
            )
    counts = (~np.isnan(y)).sum(axis=(1, 2)) if per_step_targets else None
    return digests, counts


def _digests(X, y, sample_weight, dtypes):
    """Every sample's digest in each precision, computed on the workers.

    Returns the digests of the samples of positive weight (one array per
    dtype, in sample order) and, for per-step targets, every sample's number
    of target entries.
    """
    dask = import_dask()
    per_step_targets = is_dask_array(y)
    y_blocks = y.to_delayed().ravel() if per_step_targets else None
    digest = dask.delayed(_block_digests)
    tasks = []
    for index, (block, (start, stop)) in enumerate(_blocks(X)):
        rows = np.flatnonzero(sample_weight[start:stop] > 0)
        y_block = y_blocks[index] if per_step_targets else y[start:stop]
        tasks.append(digest(block, y_block, rows, dtypes, per_step_targets))
    blocks = dask.compute(*tasks)
    digests = [
        np.concatenate([block[0][i] for block in blocks]) for i in range(len(dtypes))
    ]
    if not per_step_targets:
        return digests, None
    return digests, np.concatenate([block[1] for block in blocks])


def sample_groups(X, y, sample_weight):
    """:func:`~sklearn_bptt._validation.sample_groups` of a Dask ``X``.

    The digests are computed on the workers; the groups are those of the
    same data in memory.
    """
    kept = np.flatnonzero(sample_weight > 0)
    (digests,), _ = _digests(X, y, sample_weight, [X.dtype])
    rows, weights, group = merge_samples(digests, kept, sample_weight)
    return rows, weights, kept, group


def _partitions(X, y, lengths, weights, chunks, n_partitions, objective_args):
    """Delayed engine objectives over consecutive chunks, data gathered on workers.

    The rows of the chunks, in chunk order, are taken from ``X`` (and per-step
    ``y``) by Dask's own indexing, which moves them between workers, and
    split into ``n_partitions`` blocks of whole chunks.
    """
    dask = import_dask()
    groups = np.array_split(np.arange(len(chunks)), n_partitions)
    chunk_sizes = [[len(chunks[c]) for c in group] for group in groups]
    sizes = tuple(sum(group) for group in chunk_sizes)
    order = np.concatenate(chunks)
    x_blocks = X[order].rechunk({0: sizes}).to_delayed().ravel()
    if is_dask_array(y):
        y_blocks = y[order].rechunk({0: sizes}).to_delayed().ravel()
    partitions = []
    for index, (start, stop) in enumerate(_block_bounds(sizes)):
        rows = order[start:stop]
        partitions.append(
            dask.delayed(_partition_objective)(
                x_blocks[index],
                y_blocks[index] if is_dask_array(y) else y[rows],
                lengths[rows],
                weights[rows],
                chunk_sizes[index],
                **objective_args,
            )
        )
    return partitions


def objectives(estimator, layout, X, y, lengths, sample_weight, leaks, alpha):
    """The objective of a fit on a Dask ``X``, and its float32 draft (or None).

    The distinct samples, their canonical order and the chunks are those of
    the in-memory fit (``BaseBPTT._objective``); the chunks are laid out on
    the workers, in as many partitions as ``X`` has blocks (or chunks, if
    fewer), and kept there until the objective is released.
    """
    dask = import_dask()
    dtypes = [X.dtype]
    if estimator.mixed_precision and X.dtype == np.float64:
        dtypes.append(np.dtype(np.float32))
    kept = np.flatnonzero(sample_weight > 0)
    digests, counts = _digests(X, y, sample_weight, dtypes)
    free = estimator._free_parameters(layout)
    engine = {
        "layout": layout,
        "n_settle_steps": estimator.n_settle_steps,
        "activation": estimator.activation,
        "loss": estimator._loss,
        "leak": leaks[0],
        "fixed_point": estimator.fixed_point_penalty,
        "settle_leak": leaks[1],
        "contraction": estimator.contraction_penalty,
    }
    built = []  # (partitions, dtype, alpha) of each precision
    for dtype, dtype_digests in zip(dtypes, digests, strict=True):
        rows, weights, _ = merge_samples(dtype_digests, kept, sample_weight)
        merged_weight = np.zeros_like(sample_weight)
        merged_weight[rows] = weights
        if counts is None:
            targets = estimator._make_targets(y, merged_weight)
            total, observations = targets.total, targets.observations
        else:
            # As SequenceTargets counts them: target entries times weights.
            total = observations = exact_sum(counts * merged_weight)
        chunks = estimator._chunks(lengths, dtype, rows)
        objective_args = {
            "dtype": dtype,
            "make_targets": estimator._make_targets,
            "total": total,
            "engine": engine,
        }
        n_partitions = min(len(chunks), X.numblocks[0])
        parts = _partitions(
            X, y, lengths, merged_weight, chunks, n_partitions, objective_args
        )
        # The penalty is per observed target value, as in memory.
        built.append((parts, dtype, alpha / observations))
    # One persist for both precisions, so that every block of X is read once.
    persisted = iter(dask.persist(*[part for parts, _, _ in built for part in parts]))
    results = [
        DaskObjective([next(persisted) for _ in parts], layout, dtype, alpha, free)
        for parts, dtype, alpha in built
    ]
    return results[0], (results[1] if len(results) > 1 else None)


# The trivial loss and the score of per-step targets
# -------------------------------------------------


def _weighted_targets(Y, sample_weight):
    """Float64 target values, zero where there is none, and their weights."""
    Y = Y.astype(np.float64)
    has_target = ~np.isnan(Y)
    weights = has_target * sample_weight[:, np.newaxis, np.newaxis]
    return np.where(has_target, Y, 0), weights


def _block_target_sums(Y, sample_weight):
    values, weights = _weighted_targets(Y, sample_weight)
    return np.stack([(weights * values).sum(axis=(0, 1)), weights.sum(axis=(0, 1))])


def _block_squared_errors(Y, sample_weight, means):
    values, weights = _weighted_targets(Y, sample_weight)
    with np.errstate(over="ignore", invalid="ignore"):
        errors = weights * (values - means) ** 2
    return np.array([exact_sum(errors), exact_sum(weights)])


def _per_block(function, Y, sample_weight, *args):
    """``function(Y_block, weight_block, *args)`` of every block, computed."""
    dask = import_dask()
    call = dask.delayed(function)
    return dask.compute(
        *(
            call(block, sample_weight[start:stop], *args)
            for block, (start, stop) in _blocks(Y)
        )
    )


def trivial_squared_error(Y, sample_weight):
    """``BPTTRegressor._trivial_loss`` of per-step targets held as a Dask array.

    The loss of predicting every output's weighted mean: the scale of the
    plateau rule and of the warnings about large targets and about a fit
    that learned nothing. The means are summed block by block, so they may
    differ from the in-memory ones in the last bits.
    """
    sums = np.sum(_per_block(_block_target_sums, Y, sample_weight), axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        means = sums[0] / sums[1]
    parts = np.array(_per_block(_block_squared_errors, Y, sample_weight, means))
    return 0.5 * fsum(parts[:, 0]) / fsum(parts[:, 1])


def _block_r2_sums(y, y_pred, sample_weight, mean, first_sample=0):
    """Sums of one block for the pooled, weighted R^2 of per-step targets."""
    if y_pred is not None:
        check_targets_where_predicted(y, y_pred, first_sample)
    targeted = ~np.isnan(y)
    weights = np.broadcast_to(
        np.reshape(sample_weight, (-1,) + (1,) * (y.ndim - 1)), y.shape
    )[targeted]
    y = y[targeted]
    if mean is None:
        return np.array([fsum(weights * y), fsum(weights), len(y)])
    residual = fsum(weights * (y - y_pred[targeted]) ** 2)
    spread = fsum(weights * (y - mean) ** 2)
    return np.array([residual, spread])


def pooled_r2(y, y_pred, sample_weight):
    """R^2 over every targeted entry of Dask per-step targets, pooled.

    The value ``r2_score`` gives on the targeted entries, from sums formed
    block by block (so it may differ from it in the last bits).
    """
    dask = import_dask()
    sample_weight = (
        np.ones(len(y))
        if sample_weight is None
        else _check_sample_weight(to_numpy(sample_weight), y_pred)
    )
    sums = dask.delayed(_block_r2_sums)
    blocks = list(_blocks(y))
    first = dask.compute(
        *(
            sums(block, None, sample_weight[start:stop], None)
            for block, (start, stop) in blocks
        )
    )
    weighted_sum, total_weight, n_targets = map(fsum, np.array(first).T)
    if n_targets == 0:
        raise ValueError(NOTHING_TO_SCORE)
    if n_targets < 2:
        warnings.warn(
            "R^2 score is not well-defined with less than two samples.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return float("nan")
    mean = weighted_sum / total_weight
    predictions = y_pred.to_delayed().ravel()
    second = dask.compute(
        *(
            sums(block, prediction, sample_weight[start:stop], mean, start)
            for (block, (start, stop)), prediction in zip(
                blocks, predictions, strict=True
            )
        )
    )
    residual, spread = map(fsum, np.array(second).T)
    if spread == 0:
        return 1.0 if residual == 0 else 0.0
    return 1 - residual / spread


# Predictions
# -----------


def _predict_block(
    X, estimator, read_out, keep_width, n_settle_steps, empty, block_info=None
):
    """The read-out of one block, after the checks NumPy input gets."""
    if not len(X):
        return empty
    assert_all_finite(X, allow_nan=True, input_name="X")
    lengths = sequence_lengths(X, _block_start(block_info))
    return estimator._read_out_rows(X, lengths, read_out, keep_width, n_settle_steps)


def predict_rows(estimator, X, read_out, keep_width, n_settle_steps):
    """``BaseBPTT._predict_rows`` on a Dask ``X``: a Dask array, block by block.

    Every block is computed on its own, by the in-memory code, with a copy
    of the fitted estimator taken now: later fits or ``set_params`` do not
    change it.
    """
    X = as_sequence_array(estimator, X, reset=False)
    estimator._check_read_length(X.shape[1])  # the padded width: a bound
    if n_settle_steps is None:
        n_settle_steps = estimator._checked_settle_steps()
    estimator = copy.copy(estimator)
    # The shape and dtype of a read-out, from one sequence of zeros.
    n_timesteps, n_features = X.shape[1:]
    probe = estimator._read_out_rows(
        np.zeros((1, n_timesteps, n_features), dtype=X.dtype),
        np.array([n_timesteps]),
        read_out,
        keep_width,
        n_settle_steps,
    )
    empty = probe[:0]
    return X.map_blocks(
        _predict_block,
        estimator,
        read_out,
        keep_width,
        n_settle_steps,
        empty,
        chunks=(X.chunks[0],) + tuple((size,) for size in probe.shape[1:]),
        drop_axis=list(range(probe.ndim, 3)),
        dtype=probe.dtype,
        meta=empty,
    )


def _block_classes(proba, classes):
    return classes[np.argmax(proba, axis=1)]


def classes_of(proba, classes):
    """The most probable class of every row of Dask probabilities, as a Dask array."""
    return proba.map_blocks(
        _block_classes, classes, drop_axis=[1], dtype=classes.dtype, meta=classes[:0]
    )


def reject(X, method, reason):
    """Raise a NotImplementedError for a method that takes no Dask ``X``."""
    if is_dask_array(X):
        raise NotImplementedError(
            f"{method} does not take a Dask array: {reason} Pass a NumPy array of "
            f"the sequences to look at, for example {method}(X[:100].compute())."
        )
