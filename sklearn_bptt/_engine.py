"""The backpropagation-through-time engine.

Pure functions on arrays, with no scikit-learn inside. A recurrent net run for
``L`` steps is a feed-forward net of ``L`` layers that share one set of
weights. The forward pass fills a time-major stack of hidden states, one slice
per step; the backward pass peels the stack from the last step to the first,
adding in the output error of every step that has a target. Gradients of the
shared weights are the sums of the gradients of their copies at every step,
and the gradient is carried all the way back to the learned initial state.

Shapes: ``n`` samples, ``T`` input steps, ``S`` settle steps, ``L = T + S``,
``d`` input features, ``H`` hidden units, ``K`` outputs.
"""

from dataclasses import dataclass
from math import fsum, prod

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import ThreadpoolController

from ._functions import ACTIVATIONS, CURVATURES, DERIVATIVES, LOSS_FUNCTIONS

# The regularised parameters: the weights that set the dynamics and the
# read-out. Not the input weights, whose size follows the units of the
# features (penalising them cost Cylinder-Bell-Funnel 0.8 points over ten
# seeds), nor biases or the initial state.
WEIGHT_NAMES = ("recurrent_weights", "output_weights")


class ParameterLayout:
    """Slice table of the flat parameter vector, built once.

    The vector holds ``[input weights (d, H), recurrent weights (H, H),
    hidden bias (H,), output weights (H, K), output bias (K,),
    initial state (H,)]``, followed by ``leak_logits (H,)`` when the units'
    time constants are learned (see :func:`leak_rates`).

    Parameters
    ----------
    n_features, n_hidden, n_outputs : int
        ``d``, ``H`` and ``K``.
    learn_leaks : bool, default=False
        Whether the vector holds the units' leak logits.
    """

    def __init__(self, n_features, n_hidden, n_outputs, learn_leaks=False):
        self.shapes = {
            "input_weights": (n_features, n_hidden),
            "recurrent_weights": (n_hidden, n_hidden),
            "hidden_bias": (n_hidden,),
            "output_weights": (n_hidden, n_outputs),
            "output_bias": (n_outputs,),
            "initial_state": (n_hidden,),
        }
        if learn_leaks:
            self.shapes["leak_logits"] = (n_hidden,)
        self.slices = {}
        start = 0
        for name, shape in self.shapes.items():
            self.slices[name] = slice(start, start + prod(shape))
            start += prod(shape)
        self.size = start

    def unpack(self, theta):
        """Return a dict of views into the flat vector ``theta``, one per parameter."""
        return {
            name: theta[self.slices[name]].reshape(shape)
            for name, shape in self.shapes.items()
        }

    def pack(self, params, dtype=np.float64):
        """Gather a dict of parameter arrays into one flat vector."""
        theta = np.empty(self.size, dtype=dtype)
        for name, where in self.slices.items():
            theta[where] = np.ravel(params[name])
        return theta


@dataclass(frozen=True)
class SequenceBatch:
    """Sequences laid out for the engine.

    Samples are sorted by decreasing length, so that at every step the
    sequences still running are a leading block of rows and the finished ones,
    whose state is frozen, the rest.

    Attributes
    ----------
    inputs : ndarray of shape (T, n, d + 1)
        Time-major inputs, padding replaced by zeros, followed by a constant 1:
        the input the hidden bias is the weight of.
    n_running : ndarray of shape (T,)
        ``n_running[t - 1]`` is how many sequences are still running at step t.
    order : ndarray of shape (n,)
        ``order[i]`` is the original index of the sample in row ``i``.
    n_settle_steps : int
        Free-running steps with no input after the last input step.
    """

    inputs: np.ndarray
    n_running: np.ndarray
    order: np.ndarray
    n_settle_steps: int

    @property
    def n_input_steps(self):
        return self.inputs.shape[0]

    @property
    def n_steps(self):
        return self.inputs.shape[0] + self.n_settle_steps

    @property
    def n_samples(self):
        return self.inputs.shape[1]

    @property
    def lengths(self):
        """Length of every (sorted) sequence."""
        rows = np.arange(self.n_samples)[:, None]
        return (self.n_running[None, :] > rows).sum(axis=1)

    def running(self, t):
        """How many rows are still running at step ``t`` (1-based)."""
        return self.n_running[t - 1] if t <= self.n_input_steps else self.n_samples


def stack_frames(X, lengths, frame_length):
    """Every ``frame_length`` consecutive steps as one step of the net (a frame).

    The frames of a sequence end at its last real step, so that the last
    frame always holds the latest inputs; where a length is not a multiple
    of ``frame_length``, the steps before the first real one are zeros.

    Parameters
    ----------
    X : ndarray of shape (n, T, d)
        Sequences; steps past a sample's length are padding (any values).
    lengths : ndarray of shape (n,)
        Number of real steps of every sequence, between 1 and T.
    frame_length : int
        Steps per frame, at least 1.

    Returns
    -------
    frames : ndarray of shape (n, ceil(T / frame_length), frame_length * d)
        A frame's features are its steps' features, step by step; padding
        frames are NaN. ``X`` itself when ``frame_length`` is 1.
    frame_lengths : ndarray of shape (n,)
        Number of real frames of every sequence, ``ceil(lengths / frame_length)``.
    """
    lengths = np.asarray(lengths)
    if frame_length == 1:
        return X, lengths
    n_samples, n_timesteps, n_features = X.shape
    frame_lengths = -(-lengths // frame_length)
    n_frames = -(-n_timesteps // frame_length)
    # Position p of a sequence's frames reads its step p - shift.
    shift = frame_lengths * frame_length - lengths
    source = np.arange(n_frames * frame_length)[None, :] - shift[:, None]
    real = (source >= 0) & (source < lengths[:, None])
    steps = np.take_along_axis(
        X, np.clip(source, 0, n_timesteps - 1)[:, :, None], axis=1
    )
    steps = np.where(real[:, :, None], steps, 0)
    frames = steps.reshape(n_samples, n_frames, frame_length * n_features)
    frames[np.arange(n_frames)[None, :] >= frame_lengths[:, None]] = np.nan
    return frames, frame_lengths


def make_batch(X, lengths, n_settle_steps, rows=None):
    """Lay out validated sequences for the engine.

    Parameters
    ----------
    X : ndarray of shape (n, T, d)
        Sequences; steps past a sample's length are padding (any values).
    lengths : ndarray of shape (n,)
        Number of real steps of every sequence, between 1 and T.
    n_settle_steps : int
        Free-running steps after the input.
    rows : ndarray of int, default=None
        The samples to take, in order of decreasing length (see
        :func:`plan_chunks`). None takes all, sorted by decreasing length.

    Returns
    -------
    batch : SequenceBatch
    """
    lengths = np.asarray(lengths)
    if rows is None:
        rows = np.argsort(-lengths, kind="stable")
    _, n_steps, n_features = X.shape
    inputs = np.empty((n_steps, len(rows), n_features + 1), dtype=X.dtype)
    inputs[:, :, :n_features] = X[rows].transpose(1, 0, 2)
    inputs[:, :, n_features] = 1
    sorted_lengths = lengths[rows]
    steps = np.arange(1, n_steps + 1)
    n_running = (sorted_lengths[None, :] >= steps[:, None]).sum(axis=1)
    if n_running[-1] < len(rows):
        # Padding values never reach the net, but NaN * 0 would still be NaN
        # in the input projection's gradient.
        inputs[np.isnan(inputs)] = 0
    return SequenceBatch(inputs, n_running, rows, int(n_settle_steps))


# Memory for the two stacks (states and deltas) of one chunk of samples. Each
# step of a chunk is a handful of NumPy calls, so small chunks pay for calls,
# not arithmetic: at (n, T, H) = (256, 100, 64) one 26 MB chunk took 30-34 ms
# per objective and two 13 MB chunks 39-43 ms.
CHUNK_BYTES = 32 * 2**20
# Data up to this size is laid out for the engine once per fit, not per call.
CACHE_BYTES = 64 * 2**20


def plan_chunks(lengths, n_steps, n_hidden, itemsize, chunk_bytes=None):
    """Split the samples into chunks that bound the memory of the stacks.

    The chunks depend only on the data and the network's size, never on the
    number of threads, so the sum of the chunks' gradients is the same
    whatever runs them.

    Parameters
    ----------
    lengths : ndarray of shape (n,)
        Sequence lengths.
    n_steps : int
        Input plus settle steps.
    n_hidden : int
    itemsize : int
        Bytes per number (8 for float64, 4 for float32).
    chunk_bytes : int, default=None
        Budget for the two stacks of one chunk; None means ``CHUNK_BYTES``.

    Returns
    -------
    chunks : list of ndarray of int
        Sample indices, every chunk in order of decreasing length.
    """
    per_sample = 2 * (n_steps + 1) * n_hidden * itemsize
    size = max(1, (chunk_bytes or CHUNK_BYTES) // per_sample)
    order = np.argsort(-np.asarray(lengths), kind="stable")
    # Equal chunks, so that threads running them finish together.
    return np.array_split(order, -(-len(order) // size))


@dataclass(frozen=True)
class TargetSet:
    """Targets at the steps that have them.

    Attributes
    ----------
    steps : ndarray of shape (m,)
        Increasing step numbers (1 to L) at which at least one sample has a target.
    values : ndarray of shape (m, n, K)
        Target values, rows in the batch's sample order; zero where there is none.
    weights : ndarray of shape (m, n, K) or (m, n, 1)
        Weight of every target entry: sample weight times the "has a target"
        mask, normalised to sum to one, so the loss is a weighted mean.
    """

    steps: np.ndarray
    values: np.ndarray
    weights: np.ndarray


def exact_sum(values):
    """The correctly rounded sum: the same whatever the order, or zeros added."""
    return fsum(np.ravel(values))


def _normalised(weights, total):
    if total is None:
        total = weights.sum()
    if not total > 0:
        raise ValueError("There is no target with a positive sample weight.")
    return weights / total


def final_window_targets(
    y, sample_weight, batch, n_target_steps, per_output, total=None
):
    """Targets that must hold at each of the last ``n_target_steps`` steps.

    A sample's own timeline is its real input steps followed by the settle
    steps; the window is the end of that timeline, which for a short sequence
    starts before the frozen (padded) steps.

    Parameters
    ----------
    y : ndarray of shape (n, K)
        One target per sample, in the original sample order.
    sample_weight : ndarray of shape (n,)
    batch : SequenceBatch
    n_target_steps : int
        Window length, at most the shortest sequence's length plus the settle steps.
    per_output : bool
        Whether every output unit is a separate entry of the loss (squared
        error) or the outputs form one entry (cross-entropy).
    total : float, default=None
        Sum of the weights of all target entries of the data set, when the
        batch is one chunk of it; None means this batch's own sum.

    Returns
    -------
    targets : TargetSet
    """
    T, S = batch.n_input_steps, batch.n_settle_steps
    lengths = batch.lengths
    if n_target_steps > lengths.min() + S:
        raise ValueError("The target window is longer than the shortest sequence.")
    # Position p in the sample's own timeline (1-based) sits at global step p
    # while p <= length, and at T + (p - length) in the settle steps.
    offsets = np.arange(n_target_steps - 1, -1, -1)
    positions = (lengths + S)[:, None] - offsets[None, :]
    global_steps = np.where(
        positions <= lengths[:, None], positions, T + positions - lengths[:, None]
    )
    steps = np.unique(global_steps)
    mask = np.zeros((len(steps), batch.n_samples), dtype=bool)
    rows = np.searchsorted(steps, global_steps)
    mask[rows, np.arange(batch.n_samples)[:, None]] = True

    y = y[batch.order]
    values = np.broadcast_to(y, (len(steps),) + y.shape)
    # Normalised before the cast to y's dtype: sample weights can be beyond
    # float32's range while their ratios are not.
    weights = mask * sample_weight[batch.order][None, :]
    weights = _normalised(weights[:, :, None], total).astype(y.dtype)
    if per_output:
        weights = np.repeat(weights, y.shape[1], axis=2)
    return TargetSet(steps, values, weights)


def sequence_targets(Y, sample_weight, batch, total=None):
    """Targets at every input step, NaN meaning "no target here".

    Parameters
    ----------
    Y : ndarray of shape (n, T, K)
        Per-step targets in the original sample order, NaN where there is none.
    sample_weight : ndarray of shape (n,)
    batch : SequenceBatch
    total : float, default=None
        As for :func:`final_window_targets`.

    Returns
    -------
    targets : TargetSet
        Squared-error targets (every output unit is its own entry).
    """
    Y = Y[batch.order].transpose(1, 0, 2)
    has_target = ~np.isnan(Y)
    steps = np.flatnonzero(has_target.any(axis=(1, 2))) + 1
    values = np.where(has_target, Y, 0)[steps - 1]
    sw = sample_weight[batch.order][None, :, None]
    weights = _normalised(has_target[steps - 1] * sw, total).astype(Y.dtype)
    return TargetSet(steps, values, weights)


_blas_controller = None


def one_blas_thread():
    """A context in which BLAS runs on one thread.

    The controller is built once: finding the loaded libraries takes
    milliseconds, a tenth of a mid-sized objective.
    """
    global _blas_controller
    if _blas_controller is None:
        _blas_controller = ThreadpoolController()
    return _blas_controller.limit(limits=1, user_api="blas")


class Workspace:
    """Arrays kept from one call to the next.

    A fresh stack of tens of megabytes costs a page fault per 4 kB page every
    time it is touched for the first time; reusing one costs nothing.
    """

    def __init__(self):
        self.arrays = {}

    def array(self, name, shape, dtype):
        """An uninitialised array of this shape and dtype, reused when possible."""
        array = self.arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = self.arrays[name] = np.empty(shape, dtype=dtype)
        return array


class FinalWindowTargets:
    """Builds each chunk's final-window targets, normalised over all samples.

    Every sample has ``n_target_steps`` target steps (times ``K`` entries when
    ``per_output``), so the data set's total weight is known up front. Its
    ``observations`` are the weighted count of target values: ``K`` per
    sample when ``per_output`` (one per output), else one (a class label);
    the window repeats them.
    """

    def __init__(self, y, sample_weight, n_target_steps, per_output):
        self.y = y
        self.sample_weight = sample_weight
        self.n_target_steps = n_target_steps
        self.per_output = per_output
        self.observations = exact_sum(sample_weight) * (y.shape[1] if per_output else 1)
        self.total = self.observations * n_target_steps

    def __call__(self, batch):
        return final_window_targets(
            self.y,
            self.sample_weight,
            batch,
            self.n_target_steps,
            self.per_output,
            self.total,
        )


class SequenceTargets:
    """Builds each chunk's per-step targets, normalised over all samples.

    Every target entry is an observation of its own.
    """

    def __init__(self, Y, sample_weight):
        self.Y = Y
        self.sample_weight = sample_weight
        self.total = exact_sum((~np.isnan(Y)).sum(axis=(1, 2)) * sample_weight)
        self.observations = self.total

    def __call__(self, batch):
        return sequence_targets(self.Y, self.sample_weight, batch, self.total)


def leak_rates(leak_logits):
    """Leak rates ``1 / time_constant`` from their logits: ``sigmoid(logits)``.

    A learned leak rate is the logistic function of an unbounded parameter,
    so it stays in (0, 1), a time constant above 1, without clipping. Its
    time constant is ``1 + exp(-logit)``.
    """
    return 1 / (1 + np.exp(-leak_logits))


def leak_logits(time_constants):
    """The logits whose :func:`leak_rates` are ``1 / time_constants`` (> 1)."""
    return -np.log(np.asarray(time_constants, dtype=float) - 1)


def forward(params, batch, activation, leak=1.0, workspace=None, settle_leak=None):
    """Run the net over the batch and return the stacks of states and activations.

    A unit with leak rate ``leak`` (``1 / time_constant``) moves only that
    fraction of the way from its state to its activation at every step,
    ``h_t = (1 - leak) h_{t-1} + leak f(a_t)``; ``leak = 1`` is the plain
    recurrent net ``h_t = f(a_t)``.

    Parameters
    ----------
    params : dict of ndarray
        Parameters from :meth:`ParameterLayout.unpack`, in the batch's dtype.
    batch : SequenceBatch
    activation : str
        Key of ``ACTIVATIONS``.
    leak : float or ndarray of shape (H,), default=1.0
        Leak rate, in (0, 1], of all units or of each.
    workspace : Workspace, default=None
        Where to take the stacks from; None allocates new ones.
    settle_leak : float or ndarray of shape (H,), default=None
        Leak rate during the settle steps; None means ``leak``.

    Returns
    -------
    states : ndarray of shape (L + 1, n, H)
        ``states[0]`` is the initial state and ``states[t]`` the state after step t.
        A finished sequence keeps its last state.
    activations : ndarray of shape (L, n, H)
        ``activations[t - 1] = f(a_t)``; a view of ``states[1:]`` when
        ``leak = 1``. Rows of finished sequences hold no meaningful values.
    """
    T, n, n_columns = batch.inputs.shape  # the features and the constant 1
    recurrent_weights = params["recurrent_weights"]
    hidden_bias = params["hidden_bias"]
    workspace = workspace or Workspace()
    shape = (batch.n_steps + 1, n, len(hidden_bias))
    states = workspace.array("states", shape, batch.inputs.dtype)
    states[0] = params["initial_state"]
    if settle_leak is None:
        settle_leak = leak
    leaky = np.any(leak != 1) or np.any(settle_leak != 1)
    if leaky:
        # Shares its memory with the deltas of the backward pass, which
        # overwrite it step by step.
        activations = workspace.array("deltas", states[1:].shape, states.dtype)
    else:
        activations = states[1:]
    # Everything that does not depend on the previous step is one product:
    # the input projections of all steps plus the bias (the weight of the
    # constant input), written straight into the stack. (2D: numpy runs a 3D
    # product as one small product per step.)
    np.matmul(
        batch.inputs.reshape(-1, n_columns),
        np.vstack([params["input_weights"], hidden_bias]),
        out=activations[:T].reshape(-1, len(hidden_bias)),
    )
    activations[T:] = hidden_bias  # settle steps: no input
    activate = ACTIVATIONS[activation]
    # Leak rate and the share of its state a leaky unit keeps, by step kind.
    rates = {"input": (leak, 1 - leak), "settle": (settle_leak, 1 - settle_leak)}
    scratch = np.empty_like(states[0])
    for t in range(1, batch.n_steps + 1):
        k = batch.running(t)
        np.matmul(states[t - 1, :k], recurrent_weights, out=scratch[:k])
        activation_t = activations[t - 1, :k]
        activation_t += scratch[:k]
        activate(activation_t)
        if leaky:
            leak_t, kept_t = rates["input" if t <= T else "settle"]
            np.multiply(states[t - 1, :k], kept_t, out=states[t, :k])
            np.multiply(activation_t, leak_t, out=scratch[:k])
            states[t, :k] += scratch[:k]
        if k < n:
            states[t, k:] = states[t - 1, k:]
    return states, activations


def backward(
    params,
    batch,
    states,
    activations,
    target_steps,
    d_target_states,
    activation,
    grads,
    leak=1.0,
    workspace=None,
    d_leak=None,
    settle_leak=None,
):
    """Peel the stack from the last step to the first, filling ``grads``.

    Parameters
    ----------
    params : dict of ndarray
    batch : SequenceBatch
    states, activations : ndarray of shape (L + 1, n, H) and (L, n, H)
        The stacks from :func:`forward`.
    target_steps : ndarray of shape (m,)
        Increasing steps at which the loss depends on the state directly; 0
        is the initial state.
    d_target_states : ndarray of shape (m, n, H)
        Gradient of the loss with respect to the state at those steps, through
        the output layer and the fixed-point term only.
    activation : str
    grads : dict of ndarray
        Views to write the gradients of the recurrent part into
        (``input_weights``, ``recurrent_weights``, ``hidden_bias``,
        ``initial_state``).
    leak : float or ndarray of shape (H,), default=1.0
        Leak rate, as in :func:`forward`.
    workspace : Workspace, default=None
        Where to take the stack of deltas from; None allocates a new one.
    d_leak : ndarray of shape (H,), default=None
        Where to write the gradient with respect to each unit's leak rate,
        if it is wanted (through the steps that use ``leak``).
    settle_leak : float or ndarray of shape (H,), default=None
        Leak rate during the settle steps, as in :func:`forward`.
    """
    T, n, n_columns = batch.inputs.shape  # the features and the constant 1
    n_hidden = states.shape[2]
    # A leaky unit's pre-activation reaches its state scaled by leak. The
    # factor goes into the carried weights here and into the weight gradients
    # after the loop, not into every step.
    own_settle_leak = settle_leak is not None
    if not own_settle_leak:
        settle_leak = leak
    leaky = np.any(leak != 1) or np.any(settle_leak != 1)
    transposed = params["recurrent_weights"].T

    def carried_by(rate):
        """Weights that carry deltas back through a step, and the share kept."""
        if np.all(rate == 1):
            return transposed, 0.0
        # Row j of the transposed weights carries unit j's delta. In the
        # weights' dtype: a Python float turned into an array would be float64
        # and make every step's product float64 in a float32 fit.
        rows = np.asarray(rate, dtype=transposed.dtype).reshape(-1, 1)
        return rows * transposed, 1 - rate

    carried = {"input": carried_by(leak), "settle": carried_by(settle_leak)}
    # deltas[t - 1] = d loss / d pre-activation at step t, divided by leak,
    # computed one step at a time while the step's slice is in cache. For
    # leaky units the activations live in the same stack and are overwritten
    # by their deltas.
    deltas = (workspace or Workspace()).array(
        "deltas", activations.shape, activations.dtype
    )
    slope = DERIVATIVES[activation]
    d_state = np.zeros_like(states[0])  # d loss / d state, carried back in time
    scratch = np.empty_like(d_state)
    if d_leak is not None:
        # Sum over steps of d loss / d h_t * (h_t - h_{t-1}), per sample and unit.
        leak_terms = np.zeros_like(d_state)
    next_target = len(target_steps) - 1
    for t in range(batch.n_steps, 0, -1):
        # Add in the output error of this step, if it has a target.
        if next_target >= 0 and target_steps[next_target] == t:
            d_state += d_target_states[next_target]
            next_target -= 1
        k = batch.running(t)
        if d_leak is not None and (t <= T or not own_settle_leak):
            # d_state is now the whole d loss / d h_t.
            np.subtract(states[t, :k], states[t - 1, :k], out=scratch[:k])
            scratch[:k] *= d_state[:k]
            leak_terms[:k] += scratch[:k]
        delta = deltas[t - 1, :k]
        slope(activations[t - 1, :k], delta)  # back through the activation
        delta *= d_state[:k]
        if k < n:
            deltas[t - 1, k:] = 0  # frozen rows: no step, no gradient
        # Carry to step t - 1; a frozen row passes its gradient on unchanged.
        weights, kept = carried["input" if t <= T else "settle"]
        if leaky:  # a leaky unit also keeps part of its own state
            np.matmul(delta, weights, out=scratch[:k])
            d_state[:k] *= kept
            d_state[:k] += scratch[:k]
        else:
            np.matmul(delta, weights, out=d_state[:k])
    if own_settle_leak and batch.n_settle_steps:
        # The settle steps' deltas take their own leak rate instead of the
        # one every delta is multiplied by below.
        deltas[T:] *= settle_leak / leak
    # Shared weights: the sum over steps of each copy's gradient, one product each.
    flat_deltas = deltas.reshape(-1, n_hidden)
    np.matmul(
        states[:-1].reshape(-1, n_hidden).T, flat_deltas, out=grads["recurrent_weights"]
    )
    # The input weights and the bias, the weight of the constant last input.
    input_grads = batch.inputs.reshape(-1, n_columns).T @ flat_deltas[: T * n]
    grads["input_weights"][...] = input_grads[:-1]
    grads["hidden_bias"][...] = input_grads[-1]
    if batch.n_settle_steps:
        # A product with ones sums the rows faster than np.sum along axis 0.
        settle_deltas = flat_deltas[T * n :]
        grads["hidden_bias"] += (
            np.ones(len(settle_deltas), settle_deltas.dtype) @ settle_deltas
        )
    if leaky:
        for name in ("recurrent_weights", "input_weights", "hidden_bias"):
            grads[name] *= leak
    if next_target == 0:  # the loss depends on the initial state itself
        d_state += d_target_states[0]
    # The initial state is shared by all samples.
    np.sum(d_state, axis=0, out=grads["initial_state"])
    if d_leak is not None:
        # h_t = h_{t-1} + leak (f(a_t) - h_{t-1}), so the direct derivative of
        # h_t with respect to leak is f(a_t) - h_{t-1} = (h_t - h_{t-1}) / leak.
        np.sum(leak_terms, axis=0, out=d_leak)
        d_leak /= leak


def fixed_point_term(states, targets, leak, strength, settle=None):
    """How far the states in the target window are from a fixed point.

    ``strength`` times the weighted mean, over the window's (step, sample)
    pairs, of ``||(h_t - h_{t-1}) / leak||^2``: the squared distance from
    ``h_{t-1}`` to ``f(a_t)``, the state the unit moves towards. It is zero
    only where the state stands still, whatever the units' time constants,
    so a net that also meets its targets there has settled into a fixed
    point of the class (an attractor), not merely slowed down.

    Parameters
    ----------
    states : ndarray of shape (L + 1, n, H)
    targets : TargetSet
        Its steps and weights give the window and the (normalised) weight of
        every (step, sample) pair.
    leak : float or ndarray of shape (H,)
    strength : float
    settle : tuple, default=None
        ``(n_input_steps, settle_leak)`` when the settle steps have a leak
        rate of their own.

    Returns
    -------
    value : float
    steps : ndarray of shape (p,)
        Increasing steps whose states the term depends on.
    d_states : ndarray of shape (p, n, H)
        Its gradient with respect to the states at those steps.
    d_leak : ndarray of shape (H,)
        Its derivative with respect to each unit's leak rate (``leak``, not
        the settle steps' own), states held fixed.
    """
    window = targets.steps
    pair_weights = targets.weights.sum(axis=2, keepdims=True)  # (m, n, 1)
    uses_leak = np.ones((len(window), 1, 1), dtype=bool)
    if settle is not None:
        n_input_steps, settle_leak = settle
        uses_leak = (window <= n_input_steps)[:, None, None]
        leak = np.where(uses_leak, np.reshape(leak, -1), np.reshape(settle_leak, -1))
    velocity = (states[window] - states[window - 1]) / leak
    weighted = strength * pair_weights * velocity
    value = float(np.vdot(weighted, velocity))
    steps = np.union1d(window - 1, window)
    d_states = np.zeros((len(steps), *states.shape[1:]), dtype=states.dtype)
    d_velocity = 2 * weighted / leak
    np.add.at(d_states, np.searchsorted(steps, window), d_velocity)
    np.add.at(d_states, np.searchsorted(steps, window - 1), -d_velocity)
    d_leak = -np.einsum("mnh,mnh->h", uses_leak * d_velocity, velocity)
    return value, steps, d_states, d_leak


def pull(params, states, activation):
    """Where the units of ``states`` head on a free step: ``f(h W + b)``."""
    output = states @ params["recurrent_weights"]
    output += params["hidden_bias"]
    ACTIVATIONS[activation](output)
    return output


def contraction_term(params, states, pulls, state_weights, activation, strength):
    """How much a small push of a free-running state moves where the units head.

    At every free step (no input) a unit moves from its state towards its
    activation ``f(h W + b)``, at its own leak rate. The Jacobian of that
    pull says how a push away from the state moves where the units head;
    the term is ``strength`` times the weighted mean over states of its
    squared Frobenius norm divided by ``H``: the mean squared gain of a push,
    over all directions. Where pushes shrink, the free step
    ``h -> (1 - leak) h + leak f(h W + b)`` contracts them whatever the leak
    rates: a state at the end of the run that also stands still (see
    :func:`fixed_point_term`) is a stable fixed point, and states along the
    run that contract carry nearby starts into the same basin. A still state
    where pushes keep their size can sit on a slow path and drift off when
    the net runs on. This is the Jacobian penalty of Bai, Koltun and Kolter
    (2021, "Stabilizing Equilibrium Models by Jacobian Regularization"),
    computed exactly rather than estimated: with ``D = f'(h W + b)`` and
    ``c_k`` the squared norm of column k of ``W``, the squared norm is
    ``sum_k D_k^2 c_k``.

    Parameters
    ----------
    params : dict of ndarray
    states : ndarray of shape (n, H)
        The states the pull is measured at.
    pulls : ndarray of shape (n, H)
        Their :func:`pull`, ``f(states W + b)``.
    state_weights : ndarray of shape (n,)
        Weight of every state in the mean (normalised over the data set).
    activation : str
    strength : float

    Returns
    -------
    value : float
    d_states : ndarray of shape (n, H)
    d_weights : ndarray of shape (H, H)
        Gradient with respect to the recurrent weights.
    d_bias : ndarray of shape (H,)
    """
    weights = params["recurrent_weights"]
    n_hidden = weights.shape[0]
    slope = np.empty_like(pulls)
    DERIVATIVES[activation](pulls, slope)
    column_norms = np.einsum("jk,jk->k", weights, weights)
    scale = (strength / n_hidden) * state_weights[:, None]  # (n, 1)
    squared_slopes = scale * slope**2
    value = float(squared_slopes.sum(axis=0) @ column_norms)
    # Back through the slopes to the activation's input, then to its sources.
    d_input = 2 * scale * slope * column_norms * CURVATURES[activation](pulls)
    d_weights = states.T @ d_input
    d_weights += 2 * weights * squared_slopes.sum(axis=0)  # through the norms
    return value, d_input @ weights.T, d_weights, d_input.sum(axis=0)


def _merge_state_gradients(steps, d_states, other_steps, other_d_states):
    """Gradients at two increasing sets of steps, summed on their union."""
    union = np.union1d(steps, other_steps)
    merged = np.zeros((len(union), *d_states.shape[1:]), dtype=d_states.dtype)
    merged[np.searchsorted(union, steps)] += d_states
    merged[np.searchsorted(union, other_steps)] += other_d_states
    return union, merged


def data_loss_and_gradient(
    params,
    batch,
    targets,
    activation,
    loss,
    grads,
    leak=1.0,
    workspace=None,
    fixed_point=0.0,
    settle_leak=None,
    contraction=0.0,
):
    """Loss of the batch's targets and its gradient with respect to every parameter.

    Parameters
    ----------
    params : dict of ndarray
    batch : SequenceBatch
    targets : TargetSet
    activation : str
        Key of ``ACTIVATIONS``.
    loss : str
        Key of ``LOSS_FUNCTIONS``.
    grads : dict of ndarray
        Views (from :meth:`ParameterLayout.unpack`) the gradient is written into.
    leak : float or ndarray of shape (H,), default=1.0
        Leak rate of the hidden units, as in :func:`forward`. Ignored when
        ``params`` holds ``leak_logits``: the leak rates are then learned.
    workspace : Workspace, default=None
        Reusable stacks.
    fixed_point : float, default=0.0
        Strength of :func:`fixed_point_term` over the targets' window.
    settle_leak : float or ndarray of shape (H,), default=None
        Leak rate of the settle steps, if not ``leak`` (see :func:`forward`).
    contraction : float, default=0.0
        Strength of :func:`contraction_term` along the free run: the state
        after the input and after every settle step.

    Returns
    -------
    loss_value : float
    """
    learned_leaks = "leak_logits" in params
    if learned_leaks:
        leak = leak_rates(params["leak_logits"])
    states, activations = forward(
        params, batch, activation, leak, workspace, settle_leak
    )
    target_states = states[targets.steps]
    output_weights = params["output_weights"]
    outputs = target_states @ output_weights
    outputs += params["output_bias"]
    loss_value, d_outputs = LOSS_FUNCTIONS[loss](
        outputs, targets.values, targets.weights
    )

    # The output layer sees all target steps at once.
    n_hidden, n_outputs = output_weights.shape
    np.matmul(
        target_states.reshape(-1, n_hidden).T,
        d_outputs.reshape(-1, n_outputs),
        out=grads["output_weights"],
    )
    np.sum(d_outputs, axis=(0, 1), out=grads["output_bias"])
    d_target_states = d_outputs @ output_weights.T
    state_steps = targets.steps
    if fixed_point:
        settle = None if settle_leak is None else (batch.n_input_steps, settle_leak)
        value, steps, d_states, d_leak_direct = fixed_point_term(
            states, targets, leak, fixed_point, settle
        )
        loss_value += value
        state_steps, d_target_states = _merge_state_gradients(
            state_steps, d_target_states, steps, d_states
        )
    if contraction:
        # The free run: the state after the input (after its own last step
        # for a padded sequence, whose state is frozen until T) and after
        # every settle step, each with an equal share of its sample's weight.
        run_steps = np.arange(batch.n_input_steps, batch.n_steps + 1)
        run = states[run_steps]
        # The forward pass left the pull of every state of the run but the
        # last: the activation of the settle step after it.
        pulls = np.concatenate(
            [activations[batch.n_input_steps :], pull(params, states[-1:], activation)]
        )
        sample_weights = targets.weights.sum(axis=(0, 2))
        state_weights = np.tile(sample_weights / len(run_steps), len(run_steps))
        value, d_run, d_weights, d_bias = contraction_term(
            params,
            run.reshape(-1, run.shape[2]),
            pulls.reshape(-1, run.shape[2]),
            state_weights,
            activation,
            contraction,
        )
        loss_value += value
        state_steps, d_target_states = _merge_state_gradients(
            state_steps, d_target_states, run_steps, d_run.reshape(run.shape)
        )
    backward(
        params,
        batch,
        states,
        activations,
        state_steps,
        d_target_states,
        activation,
        grads,
        leak,
        workspace,
        grads["leak_logits"] if learned_leaks else None,
        settle_leak,
    )
    if contraction:
        # backward wrote these; the term's own dependence on them is added.
        grads["recurrent_weights"] += d_weights
        grads["hidden_bias"] += d_bias
    if learned_leaks:
        if fixed_point:
            grads["leak_logits"] += d_leak_direct
        grads["leak_logits"] *= leak * (1 - leak)  # back through the sigmoid
    return loss_value


def add_penalty(params, alpha, grads):
    """Add ``alpha / 2 * ||W||^2`` of the penalised weights to ``grads``; return it."""
    penalty = 0.0
    for name in WEIGHT_NAMES:
        weights = params[name]
        penalty += 0.5 * alpha * float(np.vdot(weights, weights))
        grads[name] += alpha * weights
    return penalty


def leak_in_dtype(leak, dtype):
    """A leak rate that keeps the arithmetic in ``dtype``.

    A Python float mixes with float32 arrays in float32; a float64 NumPy
    scalar or array would turn every step's products into float64.
    """
    if np.ndim(leak) == 0:
        return float(leak)
    return np.asarray(leak, dtype=dtype)


def sum_chunks(results, params, layout, alpha, free=None):
    """The loss and gradient of all chunks: their sum in chunk order plus the penalty.

    Parameters
    ----------
    results : list of (float, ndarray)
        Loss and flat gradient (in the data's dtype) of every chunk, in chunk
        order; the first gradient is written into, and returned.
    params : dict of ndarray
        The parameters, in the data's dtype.
    layout : ParameterLayout
    alpha : float
        Strength of the L2 penalty (see :func:`add_penalty`).
    free : ndarray of shape (layout.size,) or None
        1 for learned parameters, 0 for fixed ones (see :class:`Objective`).

    Returns
    -------
    loss : float
    grad : ndarray of shape (layout.size,), float64
    """
    loss_value, grad = results[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for chunk_loss, chunk_grad in results[1:]:
            loss_value += chunk_loss
            grad += chunk_grad
        loss_value += add_penalty(params, alpha, layout.unpack(grad))
    if free is not None:
        grad *= free
    return loss_value, grad.astype(np.float64, copy=False)


class Objective:
    """The function L-BFGS minimises: flat float64 vector in, loss and gradient out.

    The samples are processed in chunks (see :func:`plan_chunks`), so the
    stacks of one chunk at a time are in memory; the chunks can run on
    ``n_jobs`` threads (numpy releases the GIL), and their losses and
    gradients are summed in chunk order, so the result does not depend on
    ``n_jobs``.

    Parameters
    ----------
    layout : ParameterLayout
    X : ndarray of shape (n, T, d)
        Sequences, NaN-padded; only the rows named in ``chunks`` are used.
    lengths : ndarray of shape (n,)
    chunks : list of ndarray of int
        Sample indices of every chunk, each in order of decreasing length.
    n_settle_steps : int
    make_targets : callable
        ``make_targets(batch)`` returns the ``TargetSet`` of a chunk,
        normalised over the whole data set.
    activation, loss : str
    alpha : float
        Strength of the L2 penalty on the recurrent and output weights.
    free : ndarray of shape (layout.size,) or None
        1 for parameters that are learned, 0 for those held at their starting
        value. Zeroing their gradient keeps them fixed, the way backprop keeps
        any linear constraint.
    n_jobs : int or None
        Threads for the chunks; 1 runs them in turn, None too unless in a
        :func:`joblib.parallel_config` context that sets more.
    leak : float or ndarray of shape (H,), default=1.0
        Leak rate of the hidden units (see :func:`forward`), unless the
        layout holds learned ``leak_logits``.
    fixed_point : float, default=0.0
        Strength of the fixed-point term over the target window (see
        :func:`fixed_point_term`); final-window targets only.
    settle_leak : float or ndarray of shape (H,), default=None
        Leak rate of the settle steps; None means the units' own.
    contraction : float, default=0.0
        Strength of the contraction term along the free run (see
        :func:`contraction_term`).
    """

    def __init__(
        self,
        layout,
        X,
        lengths,
        chunks,
        n_settle_steps,
        make_targets,
        activation,
        loss,
        alpha,
        free=None,
        n_jobs=None,
        leak=1.0,
        fixed_point=0.0,
        settle_leak=None,
        contraction=0.0,
    ):
        self.layout = layout
        self.X = X
        self.lengths = lengths
        self.chunks = chunks
        self.n_settle_steps = n_settle_steps
        self.make_targets = make_targets
        self.activation = activation
        self.loss = loss
        self.alpha = alpha
        self.free = free
        self.n_jobs = n_jobs
        self.dtype = X.dtype
        self.leak = leak_in_dtype(leak, X.dtype)
        self.fixed_point = fixed_point
        self.contraction = contraction
        self.settle_leak = (
            None if settle_leak is None else leak_in_dtype(settle_leak, X.dtype)
        )
        # Small data is laid out once; large data chunk by chunk on every call,
        # so that no second copy of it is held.
        self._laid_out = None
        if X.nbytes <= CACHE_BYTES:
            self._laid_out = [self._lay_out(rows) for rows in chunks]
        self._workspaces = []  # free workspaces, one per thread at most

    def _lay_out(self, rows):
        batch = make_batch(self.X, self.lengths, self.n_settle_steps, rows)
        return batch, self.make_targets(batch)

    def chunk_loss_and_gradient(self, params, index):
        """Loss and flat gradient of the data term of chunk ``index``."""
        if self._laid_out is None:
            batch, targets = self._lay_out(self.chunks[index])
        else:
            batch, targets = self._laid_out[index]
        # list.pop and list.append are atomic, so threads share the pool safely.
        try:
            workspace = self._workspaces.pop()
        except IndexError:
            workspace = Workspace()
        try:
            grad = np.empty(self.layout.size, dtype=self.dtype)
            # Exploding dynamics may overflow; the caller checks the result
            # for non-finite values instead of numpy warning about them.
            with np.errstate(over="ignore", invalid="ignore"):
                loss_value = data_loss_and_gradient(
                    params,
                    batch,
                    targets,
                    self.activation,
                    self.loss,
                    self.layout.unpack(grad),
                    self.leak,
                    workspace,
                    self.fixed_point,
                    self.settle_leak,
                    self.contraction,
                )
        finally:
            self._workspaces.append(workspace)
        return loss_value, grad

    def __call__(self, theta):
        params = self.layout.unpack(theta.astype(self.dtype))
        indices = range(len(self.chunks))
        if len(self.chunks) == 1:
            results = [self.chunk_loss_and_gradient(params, 0)]
        else:
            # One BLAS thread per chunk, whatever n_jobs is: our threads on top
            # of BLAS's own would compete for the same cores, and BLAS sums in
            # a different order on a different number of threads, which would
            # make the result depend on n_jobs.
            with one_blas_thread():
                results = Parallel(n_jobs=self.n_jobs, backend="threading")(
                    delayed(self.chunk_loss_and_gradient)(params, i) for i in indices
                )
        return sum_chunks(results, params, self.layout, self.alpha, self.free)

    def __getstate__(self):
        # Workspaces are scratch memory: not worth sending to another process.
        return {**self.__dict__, "_workspaces": []}
