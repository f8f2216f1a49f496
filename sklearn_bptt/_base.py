"""The estimator code shared by the regressor and the classifier."""

import inspect
import warnings
from abc import ABCMeta, abstractmethod
from functools import partial
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
)

from . import _dask
from ._engine import (
    Objective,
    ParameterLayout,
    exact_sum,
    forward,
    leak_in_dtype,
    leak_logits,
    leak_rates,
    make_batch,
    one_blas_thread,
    plan_chunks,
    stack_frames,
)
from ._functions import ACTIVATIONS
from ._optimise import (
    BUDGET_SPENT,
    FirstToStop,
    LossPlateau,
    Progress,
    ValidationMonitor,
    joined,
    minimise,
    stalled,
)
from ._validation import (
    Count,
    as_numeric_array,
    canonical_samples,
    check_recurrent_mask,
    check_sequences,
    sample_groups,
)

# Docstring sections written once and filled into both estimators' docstrings.
SHARED_DOCS = {
    "time_constant_parameter": """\
    time_constant : float >= 1, array-like of shape (n_hidden,), "auto" or \
            "spread", default="auto"
        Time constant of the hidden units, in steps: one for all units, or
        one per unit. A unit moves only ``1 / time_constant`` of the way
        from its state to its activation at every step (a leaky
        integrator), so it remembers over about ``time_constant`` steps; 1 is
        the plain recurrent net. With ``n_timesteps`` the length of the
        longest training sequence with a positive sample weight, ``"auto"``
        gives every unit ``max(1, n_timesteps / {steps_per_time_constant})``:
        long sequences get slow units, whose state and gradient last across
        the sequence. ``"spread"`` spreads the units' time constants
        geometrically from a fifth of that value to five times it (none below
        1), so that some units follow the input closely while others hold it
        across the whole sequence. The values used are ``time_constant_``;
        with ``warm_start``, ``"auto"`` and ``"spread"`` keep the fitted ones.

    learn_time_constant : bool, default=False
        Learn every unit's time constant, starting from ``time_constant``:
        its leak rate ``1 / time_constant_`` is the logistic function of a
        parameter in the vector L-BFGS optimises, so it stays above 1 (a
        start at 1 begins at 1.01, as 1 is the limit of an infinite
        parameter). A warm start goes on from the fitted ``time_constant_``,
        as from every other fitted parameter, whatever ``time_constant`` is.

    settle_time_constant : float >= 1 or None, default={settle_time_constant_default}
        Time constant of every unit during the settle steps; None keeps each
        unit's own. 1 makes the free run a plain recurrent net: units that
        integrate the input slowly then settle within a few steps, so the
        trained settle steps reach the state the network would stay in.

""",
    "fixed_point_parameter": """\
    fixed_point_penalty : float, default={fixed_point_penalty_default}
        Strength of a penalty on the hidden state's movement over the target
        window: the weighted mean of ``||f(a_t) - h_{t-1}||^2``, the squared
        distance from each state to the one its units move towards. With
        targets that hold over the window, it teaches the network to come to
        rest in a state that stands for the target, a fixed point it stays in
        however long it runs on, rather than to pass through the right
        region. 0 turns it off.

    contraction_penalty : float, default={contraction_penalty_default}
        Strength of a penalty on how far a small push of a free-running
        state moves the state its units head for, ``f(h W + b)``: the squared
        Frobenius norm of that map's Jacobian, divided by ``n_hidden`` and
        averaged over the state after the input and after every settle step.
        Where the gain of a push is below 1, a free step is a contraction
        whatever the time constants: nearby states run into the same basin,
        and a final state that also stands still is a stable fixed point,
        not a point on a slow drift. 0 turns it off.

""",
    "state_parameters": """\
    learn_initial_state : bool, default=True
        Learn the initial hidden state ``h_0`` as a parameter; if False it is
        fixed at zero.

    recurrent_mask : array-like of shape (n_hidden, n_hidden), default=None
        0/1 mask of the recurrent weights: where it is 0 the weight starts at
        zero and stays there. None means fully connected.

""",
    "optimiser_parameters": """\
    max_fun : int, default=15000
        Maximum number of loss evaluations of each start's run. SciPy's
        L-BFGS-B checks it between iterations, so a run may exceed it by the
        evaluations of its last line search.

    tol : float, default=1e-5
        L-BFGS has converged when the largest gradient component falls below
        ``tol``. Otherwise it stops when the loss has stopped improving (see
        ``min_improvement``), when its line search can no longer lower the
        loss, or after ``max_iter`` iterations or ``max_fun`` loss
        evaluations (with a ``ConvergenceWarning``).

    min_improvement : float, default={min_improvement_default}
        The fit has converged when the loss fell by less than
        ``min_improvement`` times the loss of the best constant prediction
        (the entropy of the class frequencies, or half the variance of the
        targets) over the last ``n_iter_no_change`` iterations: those
        iterations explained less than that share of what a model can
        explain. 0 turns the rule off. With ``early_stopping`` the fit ends
        on whichever rule stops it first, and keeps the parameters of the
        best validation score either way.

    n_init : int, default={n_init_default}
        Number of random starting points. The run with the lowest loss (with
        ``early_stopping``, the best validation score) is kept, or with
        ``init_max_iter`` goes on alone.

    init_max_iter : int or None, default={init_max_iter_default}
        With ``n_init > 1``, the iterations every start runs before only the
        best one goes on, from where it is, for the rest of ``max_iter``: a
        start that learns slowly at first seldom catches up, so the budget
        goes where it pays. None runs every start to the end. It is also the
        most iterations of each fit along ``alpha="auto"``'s path.

    init_max_samples : int or None, default={init_max_samples_default}
        The trial of ``init_max_iter`` iterations fits every start to at most
        this many distinct training sequences (drawn with ``random_state``,
        stratified by class for the classifier);
        only the start that goes on sees them all. Picking a start needs
        fewer sequences than fitting it, so the trial costs less on large
        data sets. Its iterations in ``loss_curve_`` are losses on those
        sequences. None fits the trial to all of them.

    n_jobs : int, default=None
        Parallel workers. With ``n_init > 1``, joblib workers that run the
        starts side by side; with one start, threads that share the chunks of
        samples of every loss evaluation (data sets whose stacks take more
        than one chunk of about 32 MB: a (4000, 50, 3) data set with 32
        units has 4 chunks, and its evaluation took 0.84 times as long with
        2 threads as with 1, measured with two other fits running; one chunk
        gains nothing). None means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means every core.

    random_state : int, RandomState instance or None, default=None
        Seeds the starting points. Results do not depend on ``n_jobs``.

    verbose : int, default=0
        Print the fit's progress: 1 prints a line every ``max_iter // 20``
        iterations (the iteration out of ``max_iter``, the loss, the
        precision of the phase and the time so far) and a last line with the
        stop reason; 2 and more print every iteration.

    warm_start : bool, default=False
        Start from the fitted weights and initial state of the previous call
        to ``fit`` instead of random ones (``n_init`` is then ignored). For a
        classifier the classes must be the same.

    mixed_precision : bool, default=True
        Fit float64 data in two phases. L-BFGS first runs on a float32 copy
        of the data, on which the network computes about twice as fast; if
        float32 rounding stops it before ``max_iter`` (its line search finds
        no lower loss, or the float32 gradient falls below ``tol``), it goes
        on in float64 for the iterations that are left; the float32 copy
        takes half the memory of ``X``. False computes in float64
        throughout. Float32 data is fitted in float32 either way.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training sequences (a split
        stratified by class for the classifier, drawn with ``random_state``),
        score every L-BFGS iterate on them with :meth:`score`, stop when the
        score has not improved for ``n_iter_no_change`` iterations, and keep
        the parameters of the best score. The split is over the distinct
        sequences: the copies of a sequence are never on both sides.

    validation_fraction : float, default=0.1
        Share of the training sequences held out with ``early_stopping``.

    n_iter_no_change : int, default={n_iter_no_change_default}
        The window of the stopping rules: iterations without a better
        validation score after which ``early_stopping`` ends the fit, and
        the iterations over which ``min_improvement`` is measured.

""",
    "recurrent_attributes": """\
    input_weights_ : ndarray of shape (n_features_in_, n_hidden)
        Weights from the inputs to the hidden units.
    recurrent_weights_ : ndarray of shape (n_hidden, n_hidden)
        Weights from the hidden state at step t-1 to step t.
    hidden_bias_ : ndarray of shape (n_hidden,)
        Bias of the hidden units.
""",
    "initial_state_attribute": """\
    initial_state_ : ndarray of shape (n_hidden,)
        Hidden state before the first step, shared by all sequences.
    time_constant_ : ndarray of shape (n_hidden,)
        Time constant of every hidden unit, in steps (see ``time_constant``);
        learned if ``learn_time_constant``.
""",
    "fit_attributes": """\
    n_features_in_ : int
        Number of features seen during fit (the last axis of ``X``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` was a 2D DataFrame with
        string column names.
    n_iter_ : int
        Number of L-BFGS iterations of the kept fit.
    loss_ : float
        Final loss of the kept fit, in the data's precision.
    loss_curve_ : list of float
        Loss after every iteration of the kept fit (in float32 for the
        iterations of a ``mixed_precision`` fit's float32 phase).
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation score after every iteration
        of the kept fit; None otherwise.
    best_validation_score_ : float or None
        The best of ``validation_scores_``: the score of the kept
        parameters; None without ``early_stopping``.
    alpha_ : float
        The penalty's strength of the fit: ``alpha``, or the value that
        ``alpha="auto"`` chose.
    stop_reason_ : str
        Why the kept fit stopped: SciPy's L-BFGS message (for example
        ``"CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"``), the
        ``min_improvement`` rule's ``"CONVERGENCE: LOSS FELL BY LESS THAN
        ..."``, the early-stopping message naming the best iteration, ``"non-finite"``
        when the loss overflowed, or ``"interrupted"`` after a
        KeyboardInterrupt.

""",
}


def fill_shared_docs(cls):
    """Class decorator: replace ``{name}`` placeholders with ``SHARED_DOCS``.

    ``{steps_per_time_constant}`` in the shared text becomes the class's own
    ratio for ``time_constant="auto"``, and ``{<parameter>_default}`` the
    class's default of that parameter.
    """
    defaults = inspect.signature(cls).parameters
    for name, text in SHARED_DOCS.items():
        text = text.replace(
            "{steps_per_time_constant}", str(cls._steps_per_time_constant)
        )
        for parameter, signature in defaults.items():
            text = text.replace(f"{{{parameter}_default}}", str(signature.default))
        cls.__doc__ = cls.__doc__.replace(f"    {{{name}}}\n", text)
    return cls


PARAMETER_NAMES = (
    "input_weights",
    "recurrent_weights",
    "hidden_bias",
    "output_weights",
    "output_bias",
    "initial_state",
)


# A fit whose loss is within this share of a constant prediction's warns.
TRIVIAL_MARGIN = 0.01
# Iterations before L-BFGS finds no lower loss that tell a run still making
# progress from one stalled at rounding level.
RECENT_ITERATIONS = 10
# A unit whose input is this large has tanh'(a) < 1e-8 (logistic: < 5e-5):
# it passes almost no gradient, and L-BFGS soon stops "converged".
SATURATING_INPUT = 10.0
SATURATION_SAMPLE = 1000
# Steps read for it, spread evenly from the first to the last.
SATURATION_STEPS = 5


def _check_weights(sample_weight, X):
    """Validate sample weights, kept in float64 whatever the data's precision.

    Only their ratios and their sum enter the loss; in float32 a weight of
    1e-50 would underflow to zero and a sum of 1e38s would overflow.
    """
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    with np.errstate(over="ignore"):
        total = sample_weight.sum()
    if not np.isfinite(total):
        raise ValueError(
            "sample_weight sums to more than the largest float64; divide the "
            "weights by a common factor (only their ratios and sum matter)."
        )
    return sample_weight


def _trim_padding(X, y, lengths, counted):
    """Drop the steps past the longest sequence that counts (positive weight).

    They are padding for every sample that enters the loss, so they must not
    change the model: not through ``time_constant="auto"``, nor through the
    order in which the engine sums over steps. ``X`` and ``y`` are views.
    """
    n_steps = int(lengths[counted].max())
    if y.ndim == 3:
        y = y[:, :n_steps]
    return X[:, :n_steps], y, np.minimum(lengths, n_steps)


def _as_frames(X, lengths, frame_length):
    """:func:`stack_frames` on a NumPy or Dask ``X``."""
    if _dask.is_dask_array(X):
        return _dask.stack_frames_by_block(X, lengths, frame_length)
    return stack_frames(X, lengths, frame_length)


# TransformedTargetRegressor takes neither NaN nor 3D targets.
SCALE_PER_STEP_TARGETS = (
    "per-step targets with NaN can be divided by np.nanstd(y), and the "
    "predictions multiplied by it"
)


def _not_finite_at_start(trivial_loss, dtype):
    """The message for a loss that is not finite at every starting point."""
    with np.errstate(over="ignore"):
        targets_overflow = not np.isfinite(np.asarray(trivial_loss, dtype=dtype))
    if targets_overflow:
        return (
            "The loss is not finite at the starting parameters: the targets are "
            f"too large for the squared error in {np.dtype(dtype)}. Scale y, for "
            "example with sklearn.compose.TransformedTargetRegressor("
            f"transformer=StandardScaler()); {SCALE_PER_STEP_TARGETS}."
        )
    return (
        "The loss is not finite at the starting parameters: the inputs are too "
        "large for the network. Scale the features (for example with "
        "sklearn_bptt.preprocessing.SequenceStandardScaler)."
    )


def _leak_rates(time_constants):
    """The engine's form of the units' time constants: ``1 / time_constants``.

    One number when every unit has the same, which the engine computes with
    a little faster.
    """
    leaks = 1.0 / np.asarray(time_constants)
    return float(leaks[0]) if np.all(leaks == leaks[0]) else leaks


def _leak_rate(time_constant):
    """``1 / time_constant``, or None for None (the settle steps' own rate)."""
    return None if time_constant is None else 1.0 / time_constant


def _check_time_constants(time_constant, n_hidden):
    """One time constant per unit, from a number or an array-like."""
    values = check_array(
        as_numeric_array(np.atleast_1d(time_constant), "time_constant"),
        ensure_2d=False,
        dtype=np.float64,
        input_name="time_constant",
    )
    if values.shape == (1,):
        values = np.repeat(values, n_hidden)
    if values.shape != (n_hidden,):
        raise ValueError(
            "time_constant must be a number or an array of shape (n_hidden,) = "
            f"({n_hidden},); got shape {values.shape}."
        )
    if not (values >= 1).all():
        raise ValueError(
            f"Every time_constant must be at least 1 (a unit cannot move more "
            f"than all the way to its activation); got {values.min()}."
        )
    return values


# time_constant="spread" ranges from "auto" / SPREAD to "auto" * SPREAD.
SPREAD = 5.0

# A learned time constant starts at least this far above 1: the plain unit,
# time constant 1, is the limit of infinite logits.
_MIN_START_EXCESS = 1e-2


def _start_logits(time_constants):
    """Leak logits to start learning from ``time_constants``."""
    return leak_logits(np.maximum(time_constants, 1 + _MIN_START_EXCESS))


def _check_finite_states(states):
    """Raise a ValueError if the hidden state overflowed on any sequence."""
    if np.isfinite(states).all():
        return
    n_bad = int((~np.isfinite(states)).any(axis=(0, 2)).sum())
    raise ValueError(
        f"The network's hidden state overflowed (became infinite or NaN) on "
        f"{n_bad} sequence(s) of X: its dynamics explode on this "
        "input, so there is no prediction to give. Scale the features as for "
        "fitting (relu units on large inputs, or many more steps than the "
        "training sequences had, are the usual causes)."
    )


def _split_by_groups(sample_weight, groups, held_out):
    """Sample weights split by a choice of distinct samples.

    ``groups`` is :func:`sample_groups`'s ``(rows, weights, kept, group)``
    and ``held_out`` positions in ``rows``. Returns the weights without the
    held-out samples' copies, and the held-out samples' merged weights (on
    their canonical rows), zero elsewhere.
    """
    rows, weights, kept, group = groups
    held_out_weight = np.zeros_like(sample_weight)
    held_out_weight[rows[held_out]] = weights[held_out]
    rest_weight = sample_weight.copy()
    rest_weight[kept[np.isin(group, held_out)]] = 0
    return rest_weight, held_out_weight


# The values alpha="auto" tries, largest first.
ALPHA_PATH = (1e4, 1e2, 1.0, 1e-2, 1e-4)
# alpha="auto" with at least as many target values as free parameters, or
# too few sequences to cross-validate (or to score every fold's held-out part).
ALPHA_WITH_ENOUGH_DATA = 1e-2
# Iterations of each fit that frame_length="auto" cross-validates, as many as
# the regressor's trial gives a start: the recurrent read's ranking against
# the whole series' was the same as with 500 on Cylinder-Bell-Funnel,
# PickupGestureWiimoteZ and OSULeaf.
FRAME_SEARCH_MAX_ITER = 150
# The recurrent read's fits get a third of them first. The whole series, one
# step of the net, mostly converges within the 150 while the recurrent read
# is still improving, so a recurrent read already ahead is kept without the
# rest.
FRAME_SEARCH_FIRST_ITER = 50
# With at least this many sequences held out by every fold, the search scores
# the reads on the first fold only: a held-out accuracy's standard error is
# then at most 3.5 points (0.5 / sqrt(200)), about half the smallest gap the
# search decided on the real sets, and the two other folds would triple its
# cost. On the 12 fits of the task table it applies to (600-1347 sequences)
# the choice was the same as with three folds.
FRAME_SEARCH_ONE_FOLD = 200


def _can_stratify(labels, n_drawn):
    """Whether a draw of ``n_drawn`` of ``labels`` can be stratified by them."""
    counts = np.unique(labels, return_counts=True)[1]
    return counts.min() >= 2 and len(counts) <= n_drawn


def _best_run(runs):
    """The best validation score, or else the lowest loss."""
    if runs[0].validation_scores is None:
        return min(runs, key=lambda run: run.loss)
    return max(runs, key=lambda run: (run.best_validation, -run.loss))


class _ValidationScore:
    """The score of a parameter vector on held-out sequences.

    Parameters
    ----------
    layout : ParameterLayout
    batch : SequenceBatch
        The held-out sequences, laid out once.
    y : ndarray
        Their encoded targets, in the batch's row order.
    sample_weight : ndarray of shape (n,)
        Their weights, in the same order.
    activation : str
    leak : float or ndarray
        The units' leak rates, unless the layout learns them.
    settle_leak : float or None
        The settle steps' leak rate, None for the units' own.
    read_out : callable
        ``read_out(batch, states, params)``, the predictions' raw form.
    score : callable
        ``score(outputs, y, sample_weight)``, higher is better, and a number
        that breaks ties, higher is better.
    """

    def __init__(
        self,
        layout,
        batch,
        y,
        sample_weight,
        activation,
        leak,
        settle_leak,
        read_out,
        score,
    ):
        self.layout = layout
        self.batch = batch
        self.y = y
        self.sample_weight = sample_weight
        self.activation = activation
        dtype = batch.inputs.dtype
        self.leak = leak_in_dtype(leak, dtype)
        self.settle_leak = (
            None if settle_leak is None else leak_in_dtype(settle_leak, dtype)
        )
        self.read_out = read_out
        self.score = score

    def __call__(self, theta):
        params = self.layout.unpack(theta.astype(self.batch.inputs.dtype))
        leak = self.leak
        if "leak_logits" in params:
            leak = leak_rates(params["leak_logits"])
        with np.errstate(over="ignore", invalid="ignore"):
            states, _ = forward(
                params, self.batch, self.activation, leak, settle_leak=self.settle_leak
            )
            outputs = self.read_out(self.batch, states, params)
        if not np.isfinite(states).all():
            return -np.inf, -np.inf
        score, tie_break = self.score(outputs, self.y, self.sample_weight)
        return float(score), float(tie_break)


def _orthogonal(n, rng):
    """A random orthogonal matrix (Q of the QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


class BaseBPTT(BaseEstimator, metaclass=ABCMeta):
    """Fitting, prediction plumbing and parameter handling for BPTT estimators.

    Subclasses set ``_loss`` (a key of the engine's loss registry) and write
    how targets are validated and turned into the engine's target set.
    """

    _parameter_constraints = {
        "n_hidden": [Count(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "time_constant": [
            Interval(Real, 1, None, closed="left"),
            StrOptions({"auto", "spread"}),
            "array-like",
        ],
        "learn_time_constant": ["boolean"],
        "settle_time_constant": [Interval(Real, 1, None, closed="left"), None],
        "n_settle_steps": [Count(Integral, 0, None, closed="left")],
        "n_target_steps": [Count(Integral, 1, None, closed="left")],
        "fixed_point_penalty": [Interval(Real, 0, None, closed="left")],
        "contraction_penalty": [Interval(Real, 0, None, closed="left")],
        "learn_initial_state": ["boolean"],
        "recurrent_mask": ["array-like", None],
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Count(Integral, 1, None, closed="left")],
        "max_fun": [Count(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "min_improvement": [Interval(Real, 0, None, closed="left")],
        "n_init": [Count(Integral, 1, None, closed="left")],
        "init_max_iter": [Count(Integral, 1, None, closed="left"), None],
        "init_max_samples": [Count(Integral, 1, None, closed="left"), None],
        # joblib's convention: -1 is every core, -2 all but one; 0 means nothing.
        "n_jobs": [
            Count(Integral, None, -1, closed="right"),
            Count(Integral, 1, None, closed="left"),
            None,
        ],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "mixed_precision": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Count(Integral, 1, None, closed="left")],
    }

    _loss = None
    # time_constant="auto" is n_timesteps / this ratio (see _resolve_time_constant).
    _steps_per_time_constant = None
    # How many past steps L-BFGS keeps to model the curvature.
    _lbfgs_history = None
    # Parameters that shape predictions, kept as they were at fit time.
    _kept_at_fit = ("activation", "settle_time_constant")

    @abstractmethod
    def __init__(
        self,
        n_hidden,
        *,
        activation,
        time_constant,
        learn_time_constant,
        settle_time_constant,
        n_settle_steps,
        n_target_steps,
        fixed_point_penalty,
        contraction_penalty,
        learn_initial_state,
        recurrent_mask,
        alpha,
        max_iter,
        max_fun,
        tol,
        min_improvement,
        n_init,
        init_max_iter,
        init_max_samples,
        n_jobs,
        random_state,
        verbose,
        warm_start,
        mixed_precision,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
    ):
        self.n_hidden = n_hidden
        self.activation = activation
        self.time_constant = time_constant
        self.learn_time_constant = learn_time_constant
        self.settle_time_constant = settle_time_constant
        self.n_settle_steps = n_settle_steps
        self.n_target_steps = n_target_steps
        self.fixed_point_penalty = fixed_point_penalty
        self.contraction_penalty = contraction_penalty
        self.learn_initial_state = learn_initial_state
        self.recurrent_mask = recurrent_mask
        self.alpha = alpha
        self.max_iter = max_iter
        self.max_fun = max_fun
        self.tol = tol
        self.min_improvement = min_improvement
        self.n_init = n_init
        self.init_max_iter = init_max_iter
        self.init_max_samples = init_max_samples
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.mixed_precision = mixed_precision
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change

    @abstractmethod
    def _validate_targets(self, y, X, lengths, sample_weight):
        """Check ``y`` against ``X`` and return it encoded as floats.

        Returns ``(n, K)`` final-state targets or ``(n, T, K)`` per-step ones.
        """

    @abstractmethod
    def _make_targets(self, y, sample_weight):
        """Return the engine's target builder for encoded targets."""

    def _check_target_window(self, lengths, frame_length=1):
        available = int(lengths.min()) + self.n_settle_steps
        if self.n_target_steps > available:
            steps = "input steps"
            if frame_length > 1:
                steps = f"frames of {frame_length} input steps (frame_length_)"
            raise ValueError(
                f"n_target_steps={self.n_target_steps} is larger than the "
                f"{available} steps available to the shortest sequence "
                f"({lengths.min()} {steps} + n_settle_steps={self.n_settle_steps})."
            )

    def _fit(self, X, y, sample_weight):
        """Fit; a fit that raises leaves the estimator exactly as it was."""
        before = dict(self.__dict__)
        try:
            return self._fit_new_state(X, y, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit_new_state(self, X, y, sample_weight):
        """Validate, then run L-BFGS from each starting point and keep the best."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        warm = self.warm_start and hasattr(self, "initial_state_")
        if _dask.is_dask_array(X):
            X, lengths, y, sample_weight = _dask.check_fit_inputs(
                self, X, y, sample_weight, reset=not warm
            )
        else:
            X, lengths = check_sequences(self, X, reset=not warm)
        sample_weight = _check_weights(sample_weight, X)
        y = self._validate_targets(y, X, lengths, sample_weight)
        X, y, lengths = _trim_padding(X, y, lengths, sample_weight > 0)
        # Held-out sequences get weight 0 in the loss, which leaves them out;
        # held out first, so that the frame search does not see them either.
        fit_weight, validation_weight = self._hold_out(X, y, sample_weight)
        frame_length = self._fit_frame_length(
            X, y, lengths, sample_weight, fit_weight, warm
        )
        X, lengths = _as_frames(X, lengths, frame_length)
        self._check_target_window(lengths[sample_weight > 0], frame_length)
        time_constants = self._resolve_time_constant(X.shape[1], warm)
        layout = ParameterLayout(
            X.shape[2], self.n_hidden, y.shape[-1], self.learn_time_constant
        )
        if warm:
            self._check_warm_start(layout)
        starts = self._starting_points(layout, warm, time_constants)
        trivial_loss = self._trivial_loss(y, fit_weight)
        if not warm:  # fitted weights may take large inputs on purpose
            self._warn_if_saturated(X, layout, starts[0])
            self._warn_if_targets_large(trivial_loss)
        leaks = (_leak_rates(time_constants), _leak_rate(self.settle_time_constant))
        alpha, alpha_from_cv = self._resolve_alpha(
            layout, X, y, lengths, fit_weight, leaks, starts
        )
        objective, draft = self._objectives(
            layout, X, y, lengths, fit_weight, len(starts), leaks, alpha
        )
        trial_objectives = self._trial_objectives(
            layout, X, y, lengths, fit_weight, len(starts), leaks, alpha
        )
        validation_score = None
        if validation_weight is not None:
            validation_score = self._validation_score(
                layout, X, y, lengths, validation_weight, leaks
            )
        make_monitor = self._stopping_rule(validation_score, trivial_loss)
        runs = self._run_starts(
            objective, draft, starts, make_monitor, trial_objectives
        )
        if any(run.theta is None for run in runs):
            raise ValueError(_not_finite_at_start(trivial_loss, X.dtype))
        best = _best_run(runs)
        self._keep(best, layout, time_constants, X.dtype)
        self.alpha_ = alpha
        self._warn_about_stop(best, trivial_loss)
        self._warn_if_trivial(trivial_loss, alpha_from_cv)
        return self

    def _keep(self, run, layout, time_constants, dtype):
        """Set the fitted attributes from the kept run."""
        fitted = layout.unpack(run.theta)
        if self.learn_time_constant:
            time_constants = 1 / leak_rates(fitted.pop("leak_logits").astype(dtype))
        self.time_constant_ = time_constants.astype(dtype)
        for name, value in fitted.items():
            setattr(self, name + "_", value.astype(dtype))
        self.n_outputs_ = layout.shapes["output_bias"][0]
        self.n_iter_ = run.n_iter
        self.loss_ = run.loss
        self.loss_curve_ = run.loss_curve
        self.stop_reason_ = run.stop_reason
        self.validation_scores_ = run.validation_scores
        self.best_validation_score_ = None
        if run.validation_scores is not None:
            self.best_validation_score_ = run.best_validation[0]
        # Predictions use these as fitted, whatever set_params says later.
        self._kept_params = {name: getattr(self, name) for name in self._kept_at_fit}

    def _stopping_rule(self, validation_score, trivial_loss):
        """The maker of each run's monitor: early stopping, the plateau rule or both."""
        validation = plateau = None
        if validation_score is not None:
            validation = partial(
                ValidationMonitor, validation_score, self.n_iter_no_change
            )
        if self.min_improvement:
            plateau = partial(
                LossPlateau, self.min_improvement, self.n_iter_no_change, trivial_loss
            )
        if validation and plateau:
            return partial(FirstToStop.made_by, validation, plateau)
        return validation or plateau

    def _resolve_alpha(self, layout, X, y, lengths, fit_weight, leaks, starts):
        """The penalty's strength, and whether cross-validation chose it.

        A number is kept. ``"auto"``: with fewer target values than free
        parameters the net can fit every target, so the penalty, not the
        data, decides what it learns; then three-fold cross-validation over
        the distinct sequences (stratified for the classifier, drawn with
        ``random_state``) chooses a value of ``ALPHA_PATH``. On each fold's
        training part, fits go up the path from the smallest value, each from
        where the one before ended, and are scored on the fold's held-out
        part. The mean score decides; a tie keeps the larger value. Up, not
        down: from a heavily penalised, nearly constant net a task with a
        long plateau before it learns would not start to learn. With more
        target values, fewer distinct sequences than folds (for the
        classifier, in some class), or a fold whose held-out part is too
        small to score (R^2 of one target value), ``ALPHA_WITH_ENOUGH_DATA``.
        """
        if self.alpha != "auto":
            return float(self.alpha), False
        if not self._penalty_decides(layout, y, fit_weight):
            return ALPHA_WITH_ENOUGH_DATA, False
        # So few target values fit in this process, and so do their sequences.
        X, y = _dask.to_numpy(X), _dask.to_numpy(y)
        folds = self._folds(X, y, fit_weight, every_class=True)
        if folds is None or any(self._unscorable(y, held) for _, held in folds):
            return ALPHA_WITH_ENOUGH_DATA, False
        scores = [
            self._path_scores(layout, X, y, lengths, weights, leaks, starts[0])
            for weights in folds
        ]
        mean_scores = np.mean(scores, axis=0)  # (len(ALPHA_PATH), 2)
        best = max(range(len(ALPHA_PATH)), key=lambda i: (tuple(mean_scores[i]), -i))
        return ALPHA_PATH[best], True

    def _penalty_decides(self, layout, y, fit_weight):
        """Whether the weighted count of target values is below the free parameters."""
        free = self._free_parameters(layout)
        n_free = layout.size if free is None else int(free.sum())
        if _dask.is_dask_array(y):  # per-step targets, left on the workers
            n_values = exact_sum(_dask.target_counts(y) * fit_weight)
        else:
            n_values = self._make_targets(y, fit_weight).observations
        return n_values < n_free

    def _folds(self, X, y, sample_weight, n_folds=3, every_class=False):
        """``(fit_weight, validation_weight)`` of each fold, as in :meth:`_hold_out`.

        None if there are fewer distinct samples of positive weight than
        folds; split stratified, also if no class has as many as folds, or,
        with ``every_class``, if some class has fewer (some fold would hold
        out none of it).
        """
        groups = sample_groups(X, y, sample_weight)
        rows = groups[0]
        if len(rows) < n_folds:
            return None
        rng = check_random_state(self.random_state)
        seed = rng.randint(np.iinfo(np.int32).max)
        labels = self._stratification_labels(y)
        if labels is not None:
            _, members = np.unique(labels[rows], return_counts=True)
            if (members.min() if every_class else members.max()) < n_folds:
                return None
        splitter = StratifiedKFold if labels is not None else KFold
        folds = splitter(n_folds, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            # A class with fewer sequences than folds is left out of some
            # folds, as intended here; the user set no n_splits to be told of.
            warnings.filterwarnings(
                "ignore", "The least populated class", category=UserWarning
            )
            splits = list(folds.split(rows, None if labels is None else labels[rows]))
        return [
            _split_by_groups(sample_weight, groups, held_out) for _, held_out in splits
        ]

    def _path_scores(self, layout, X, y, lengths, weights, leaks, theta):
        """The held-out score of each value of ``ALPHA_PATH``, fitted up the path.

        Each fit runs at most ``init_max_iter`` iterations, the budget that
        ranks the trial's starts: enough to rank the penalties too, and the
        fits that shrink the weights of the one before would otherwise run
        longest.
        """
        fit_weight, validation_weight = weights
        score = self._validation_score(layout, X, y, lengths, validation_weight, leaks)
        options = self._lbfgs_options()
        if self.init_max_iter is not None:
            options["maxiter"] = min(options["maxiter"], self.init_max_iter)
        # Built once with alpha=1: along the path only the penalty's
        # strength changes, not the data (hashed, chunked, copied to float32).
        objectives = self._objectives(layout, X, y, lengths, fit_weight, 1, leaks, 1.0)
        per_unit = objectives[0].alpha  # 1 / the number of target values
        scores = []
        for alpha in reversed(ALPHA_PATH):
            for objective in filter(None, objectives):
                objective.alpha = alpha * per_unit
            run = self._short_fit(objectives, theta, options, y, fit_weight)
            theta = theta if run.theta is None else run.theta
            scores.append(score(theta))
        return scores[::-1]

    def _run_starts(
        self, objective, draft, starts, make_monitor, trial_objectives=None
    ):
        """One L-BFGS run (with its float32 draft) from every starting point.

        With ``init_max_iter``, the runs stop there and only the best goes
        on; ``trial_objectives``, if given, are the objective and draft of
        the trial's subsample.
        """
        options = self._lbfgs_options()
        trial = self._has_trial(len(starts))
        if trial:
            options["maxiter"] = self.init_max_iter
        runs = self._runs_from(
            starts, *(trial_objectives or (objective, draft)), options, make_monitor
        )
        stop_now = any(
            run.theta is None or run.stopped == "interrupted" for run in runs
        )
        if not trial or stop_now:
            return runs
        best = _best_run(runs)
        if trial_objectives is not None:
            # Fitted to part of the data, it goes on however it ended, and
            # its loss is the loss on all of it.
            with one_blas_thread():
                best.loss = float(objective(best.theta)[0])
        elif best.stopped or best.status != BUDGET_SPENT:
            return [best]  # it ended by itself: nothing to go on with
        Progress.going_on(self.verbose, len(runs), best)
        return [self._go_on(best, objective, draft, make_monitor)]

    def _has_trial(self, n_starts):
        """Whether the starts run ``init_max_iter`` iterations, the best going on."""
        return (
            n_starts > 1
            and self.init_max_iter is not None
            and self.init_max_iter < self.max_iter
        )

    def _trial_objectives(
        self, layout, X, y, lengths, fit_weight, n_starts, leaks, alpha
    ):
        """The objective and draft of the trial's sequences; None for all of them."""
        trial_weight = self._trial_weight(X, y, fit_weight, n_starts)
        if trial_weight is None:
            return None
        # Only the drawn sequences, so that the float32 draft copies no more.
        rows = np.flatnonzero(trial_weight)
        return self._objectives(
            layout,
            X[rows],
            y[rows],
            lengths[rows],
            trial_weight[rows],
            n_starts,
            leaks,
            alpha,
        )

    def _trial_weight(self, X, y, fit_weight, n_starts):
        """The trial's sample weights: ``init_max_samples`` distinct sequences.

        None when the trial fits all of them (or there is no trial). The
        draw is over the distinct sequences in their canonical order, so
        copies of a sequence are chosen together, as in :meth:`_hold_out`,
        and for a classifier it is stratified by class (so that a rare class
        is not left out of the trial by chance) wherever every class has at
        least two sequences and the draw room for one of each.
        """
        if not self._has_trial(n_starts) or self.init_max_samples is None:
            return None
        groups = _dask.sample_groups if _dask.is_dask_array(X) else sample_groups
        distinct = groups(X, y, fit_weight)
        n_distinct = len(distinct[0])  # its canonical rows
        if n_distinct <= self.init_max_samples:
            return None
        rng = check_random_state(self.random_state)
        labels = self._stratification_labels(y)
        if labels is not None:
            labels = labels[distinct[0]]  # one per distinct sequence
        if labels is not None and _can_stratify(labels, self.init_max_samples):
            chosen, _ = train_test_split(
                np.arange(n_distinct),
                train_size=self.init_max_samples,
                random_state=rng.randint(np.iinfo(np.int32).max),
                stratify=labels,
            )
        else:
            chosen = rng.choice(n_distinct, self.init_max_samples, replace=False)
        rest_weight, _ = _split_by_groups(fit_weight, distinct, chosen)
        return fit_weight - rest_weight  # every chosen copy with its own weight

    def _go_on(self, run, objective, draft, make_monitor):
        """``run`` continued from its parameters for the rest of the budget."""
        options = {
            **self._lbfgs_options(),
            "maxiter": self.max_iter - run.n_iter,
            "maxfun": max(1, self.max_fun - run.n_fun),
        }
        rest = minimise(
            objective,
            draft,
            run.theta,
            options=options,
            verbose=self.verbose,
            make_monitor=make_monitor,
            before=run.n_iter,
        )
        return joined(run, rest)

    def _runs_from(self, starts, objective, draft, options, make_monitor):
        """One run from every starting point, side by side with ``n_jobs``."""
        minimise_from = partial(
            minimise,
            objective,
            draft,
            options=options,
            verbose=self.verbose,
            make_monitor=make_monitor,
        )
        # A Dask objective runs every evaluation on the cluster already.
        in_turn = effective_n_jobs(self.n_jobs) == 1 or isinstance(
            objective, _dask.DaskObjective
        )
        if len(starts) == 1 or in_turn:
            runs = []
            for start, theta in enumerate(starts, 1):
                Progress.starting(self.verbose, start, len(starts), options["maxiter"])
                runs.append(minimise_from(theta))
                if runs[-1].stopped == "interrupted":
                    break  # Ctrl-C ends the whole fit, not one start
            return runs
        return Parallel(n_jobs=self.n_jobs)(
            delayed(minimise_from)(theta) for theta in starts
        )

    def _hold_out(self, X, y, sample_weight):
        """With ``early_stopping``, the weights to fit with and to score with.

        The split is stratified by class for a classifier and reproducible
        under ``random_state``; only samples of positive weight take part. It
        is drawn over the distinct samples in their canonical order (see
        ``canonical_samples``), so the copies of a sample are never on both
        sides, and a sample repeated k times is held out exactly when the same
        sample weighted by k would be. The validation weights are then those
        of the distinct held-out samples (their copies merged), zero elsewhere.
        """
        if not self.early_stopping:
            return sample_weight, None
        groups = sample_groups(X, y, sample_weight)
        rows = groups[0]
        labels = self._stratification_labels(y)
        rng = check_random_state(self.random_state)
        try:
            _, held_out = train_test_split(
                np.arange(len(rows)),
                test_size=self.validation_fraction,
                random_state=rng.randint(np.iinfo(np.int32).max),
                stratify=None if labels is None else labels[rows],
            )
        except ValueError as error:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} cannot split the "
                f"{len(rows)} distinct samples of positive weight for early "
                f"stopping: {error}"
            ) from error
        fit_weight, validation_weight = _split_by_groups(
            sample_weight, groups, held_out
        )
        unscorable = self._unscorable(y, validation_weight)
        if unscorable:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} holds out "
                f"{len(held_out)} of the {len(rows)} distinct samples of positive "
                f"weight for early stopping, too few to score: {unscorable} "
                "Raise validation_fraction or turn early_stopping off."
            )
        return fit_weight, validation_weight

    def _stratification_labels(self, y):
        """Labels to stratify the early-stopping split by; None for none."""
        return None

    def _unscorable(self, y, validation_weight):
        """Why the held-out samples (positive weight) cannot be scored, or ""."""
        return ""

    def _validation_score(self, layout, X, y, lengths, validation_weight, leaks):
        """The score of a parameter vector on the held-out rows (positive weight)."""
        rows = np.flatnonzero(validation_weight > 0)
        rows = rows[np.argsort(-lengths[rows], kind="stable")]
        batch = make_batch(X, lengths, self.n_settle_steps, rows)
        return _ValidationScore(
            layout,
            batch,
            y[rows],
            validation_weight[rows],
            self.activation,
            *leaks,
            *self._validation_read_out(),
        )

    @abstractmethod
    def _validation_read_out(self):
        """``(read_out, score)``: outputs of a batch, and their score against y."""

    def _check_warm_start(self, layout):
        """The fitted parameters must have the shapes the new fit needs."""
        fitted = {
            "n_hidden": self.recurrent_weights_.shape[0],
            "n_outputs": self.output_bias_.shape[0],
        }
        wanted = {
            "n_hidden": self.n_hidden,
            "n_outputs": layout.shapes["output_bias"][0],
        }
        for name, value in wanted.items():
            if fitted[name] != value:
                raise ValueError(
                    f"warm_start needs the fitted {name}={fitted[name]}, but this "
                    f"fit has {name}={value}."
                )

    @abstractmethod
    def _trivial_loss(self, y, sample_weight):
        """Loss of the best constant prediction, in float64.

        A net whose weights and initial state are zero predicts its output
        bias, so this is the loss a fit must beat to have learned anything.
        """

    def _warn_if_saturated(self, X, layout, theta):
        """Warn when the features alone saturate most units at some step.

        With features of unit scale the starting weights give the units
        inputs of about 1; features of large magnitude give inputs far out on
        the flat tails of tanh or the logistic, whose gradient vanishes, so
        the fit learns little and may still end "converged". A few steps
        spread over the sequence are read, so that features which grow along
        it (a trend in raw units) are caught as well as large ones.
        """
        if self.activation not in ("tanh", "logistic"):
            return
        # At most 1000 sequences at a few steps tell: a small sample, also
        # where the sequences are on a Dask cluster.
        n_timesteps = X.shape[1]
        steps = np.unique(np.linspace(0, n_timesteps - 1, SATURATION_STEPS).round())
        steps = steps.astype(int)
        sample = _dask.to_numpy(X[:SATURATION_SAMPLE][:, steps])
        unit_inputs = (
            np.asarray(sample, dtype=np.float64) @ layout.unpack(theta)["input_weights"]
        )
        for step, inputs in zip(steps, np.swapaxes(unit_inputs, 0, 1), strict=True):
            inputs = inputs[np.isfinite(inputs).all(axis=1)]  # not padding
            median = float(np.median(np.abs(inputs))) if inputs.size else 0.0
            if median > SATURATING_INPUT:
                warnings.warn(
                    "Features of large magnitude: at the starting weights the "
                    f"hidden units' inputs at step {step + 1} of {n_timesteps} have "
                    f"a median magnitude of {median:.3g}, where {self.activation} "
                    "units are saturated and pass almost no gradient, so the fit "
                    "can learn little. Scale the features, for example with "
                    "sklearn_bptt.preprocessing.SequenceStandardScaler.",
                    UserWarning,
                    stacklevel=6,
                )
                return

    def _warn_if_targets_large(self, trivial_loss):
        """Warn before a fit to targets far from the outputs' starting scale.

        Only the regressor's targets can be; the classifier's are classes.
        """

    def _least_loss(self):
        """The lowest loss any net can reach on its targets: 0, unless smoothed."""
        return 0.0

    def _warn_if_trivial(self, trivial_loss, alpha_from_cv):
        # Saturated units have near-zero gradients, so L-BFGS can stop
        # "converged" at the loss of a constant prediction. Both losses are
        # measured from the lowest reachable one, so that smoothed targets,
        # whose least loss may lie within 1% of the constant's, do not warn.
        least = self._least_loss()
        room = trivial_loss - least
        if room > 0 and self.loss_ - least >= (1 - TRIVIAL_MARGIN) * room:
            # Chosen by cross-validation, a constant net is what the data
            # support: the warning is about them, not about the optimiser.
            category = UserWarning if alpha_from_cv else ConvergenceWarning
            scale = (
                "scale them, for example with "
                "sklearn_bptt.preprocessing.SequenceStandardScaler."
            )
            if alpha_from_cv:
                cause = (
                    f'alpha="auto" chose alpha_={self.alpha_:g}: on held-out '
                    "sequences no smaller penalty predicted better, so the inputs "
                    "may not tell the targets apart. Features of large magnitude, "
                    f"which saturate the units, can do the same; {scale}"
                )
            else:
                cause = (
                    "A common cause is features of large magnitude, which "
                    f"saturate the units and flatten the gradient; {scale} "
                    f"Another is an alpha (now {self.alpha_:g}) whose penalty "
                    "outweighs what the network can explain, as with targets of "
                    "small variance."
                )
            near = self.loss_ - least <= (1 + TRIVIAL_MARGIN) * room
            where = f"within {TRIVIAL_MARGIN:.0%} of" if near else "above"
            warnings.warn(
                f"The fit ended at loss {self.loss_:.6g}, {where} the "
                f"{trivial_loss:.6g} of a constant "
                f"prediction ({self._trivial_predictor}): the network learned "
                f"(almost) nothing. {cause} Stop reason: {self.stop_reason_}.",
                category,
                stacklevel=6,
            )

    def _lbfgs_options(self):
        """SciPy's L-BFGS-B options: the documented stopping rules and history."""
        return {
            "maxiter": self.max_iter,
            "maxfun": self.max_fun,
            "gtol": self.tol,
            # SciPy's other test, a small reduction of the loss measured
            # against max(loss, 1), is absolute for losses below 1 and stopped
            # fits of well-scaled targets early (the adding problem at 600 of
            # 1500 iterations, at a 4x higher loss); 0 turns it off.
            "ftol": 0.0,
            "maxcor": self._lbfgs_history,
        }

    def _warn_about_stop(self, run, trivial_loss):
        # stacklevel 6 points at the caller of fit: warn <- this <-
        # _fit_new_state <- _fit <- fit <- scikit-learn's _fit_context
        # wrapper <- caller.
        if run.stopped == "interrupted":
            warnings.warn(
                f"Fit interrupted by KeyboardInterrupt after {run.n_iter} "
                "iterations; the model holds the best parameters found so far.",
                UserWarning,
                stacklevel=6,
            )
        elif run.stopped == "non-finite":
            warnings.warn(
                f"The loss overflowed after {run.n_iter} L-BFGS iterations (the "
                "network's dynamics exploded); the fit stopped at the best finite "
                "parameters found. Scaling the inputs, a larger alpha or the tanh "
                "activation usually prevent this; but where the sample weights sum "
                "to far below 1, the penalty (alpha over their sum) may be what "
                "overflowed: scale the weights up or make alpha smaller.",
                ConvergenceWarning,
                stacklevel=6,
            )
        elif run.status == BUDGET_SPENT:
            warnings.warn(
                f"L-BFGS stopped before converging ({run.message}); increase "
                f"max_iter (now {self.max_iter}) or max_fun (now {self.max_fun}).",
                ConvergenceWarning,
                stacklevel=6,
            )
        elif stalled(run) and self._was_falling(run, trivial_loss):
            before = (
                ", though the iterations before still lowered it at the pace "
                "min_improvement counts as progress"
                if run.n_iter > 1
                else ""
            )
            warnings.warn(
                f"L-BFGS stopped after {run.n_iter} iterations, finding no step "
                f"that lowers the loss (SciPy: {run.message.strip(': ')}){before}: "
                "the fit may be far from a minimum. A common cause is a loss of "
                "large magnitude, from targets or features of large magnitude: "
                "scale them (features with "
                "sklearn_bptt.preprocessing.SequenceStandardScaler, a regressor's "
                "targets with sklearn.compose.TransformedTargetRegressor; "
                f"{SCALE_PER_STEP_TARGETS}). Another is float32 rounding: "
                "float64 X is finished in float64.",
                ConvergenceWarning,
                stacklevel=6,
            )

    def _was_falling(self, run, trivial_loss):
        """Whether its last iterations lowered the loss at the plateau rule's pace.

        L-BFGS also stalls where the loss has stopped moving at rounding
        level, a converged fit (often in float32) that the plateau rule's
        window had not yet caught: no warning for that one.
        """
        rule = LossPlateau(self.min_improvement, self.n_iter_no_change, trivial_loss)
        return rule.was_falling(run.loss_curve, RECENT_ITERATIONS)

    def _starting_points(self, layout, warm, time_constants):
        """Flat parameter vectors to start L-BFGS from."""
        if warm:
            params = self._fitted_params(np.float64)
            params["leak_logits"] = _start_logits(self.time_constant_)
            theta = layout.pack(params)
            # The current mask and learn_initial_state hold from the start.
            free = self._free_parameters(layout)
            return [theta if free is None else theta * free]
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=self.n_init)
        return [self._initial_theta(layout, seed, time_constants) for seed in seeds]

    def _objectives(self, layout, X, y, lengths, sample_weight, n_starts, leaks, alpha):
        """The objective, and its float32 draft for a ``mixed_precision`` fit.

        ``leaks`` are the units' leak rates and the settle steps' (or None);
        ``alpha`` the penalty's strength.
        """
        if _dask.is_dask_array(X):
            return _dask.objectives(
                self, layout, X, y, lengths, sample_weight, leaks, alpha
            )
        # One start uses the workers for chunks of samples, several for starts.
        n_jobs = self.n_jobs if n_starts == 1 else 1
        objective = self._objective(
            layout, X, y, lengths, sample_weight, n_jobs, leaks, alpha
        )
        if not (self.mixed_precision and X.dtype == np.float64):
            return objective, None
        # Values beyond float32's range become inf; the draft's loss is then
        # not finite and the float64 run starts from the beginning.
        with np.errstate(over="ignore"):
            draft = self._objective(
                layout,
                X.astype(np.float32),
                y.astype(np.float32),
                lengths,
                sample_weight,
                n_jobs,
                leaks,
                alpha,
            )
        return objective, draft

    def _objective(self, layout, X, y, lengths, sample_weight, n_jobs, leaks, alpha):
        """The engine's objective over the distinct weighted samples of the data."""
        rows, weights = canonical_samples(X, y, sample_weight)
        merged_weight = np.zeros_like(sample_weight)
        merged_weight[rows] = weights
        targets = self._make_targets(y, merged_weight)
        return Objective(
            layout,
            X,
            lengths,
            self._chunks(lengths, X.dtype, rows),
            self.n_settle_steps,
            targets,
            self.activation,
            self._loss,
            # The penalty is per observed target value (per unit of sample
            # weight for one output, as in MLPRegressor).
            alpha / targets.observations,
            self._free_parameters(layout),
            n_jobs,
            leaks[0],
            self.fixed_point_penalty,
            leaks[1],
            self.contraction_penalty,
        )

    def _resolve_time_constant(self, n_timesteps, warm=False):
        """Every unit's time constant to fit with (or to start from, if learned).

        ``"auto"`` and ``"spread"`` follow the data's length, but a warm
        start keeps the fitted ones: the weights were fitted to them.
        """
        value = self.time_constant
        if isinstance(value, str) and warm:
            return self.time_constant_.astype(np.float64)
        if isinstance(value, str):
            auto = max(1.0, n_timesteps / self._steps_per_time_constant)
            if value == "auto":
                return np.full(self.n_hidden, auto)
            # "spread": geometric about the "auto" value. From 1 instead, fast
            # plain units drove the first-value task into chaotic dynamics
            # whose loss L-BFGS could not descend (R^2 0.41 on one seed).
            spread = np.geomspace(auto / SPREAD, auto * SPREAD, self.n_hidden)
            return np.maximum(spread, 1.0)
        return _check_time_constants(value, self.n_hidden)

    def _fit_frame_length(self, X, y, lengths, sample_weight, fit_weight, warm):
        """Input steps the net reads as one step; the classifier's ``frame_length``.

        ``sample_weight`` marks every sequence the net will read,
        ``fit_weight`` those it is fitted to (not early stopping's held-out).
        """
        return 1

    def _fitted_frame_length(self):
        """The fitted net's input steps per step."""
        return 1

    def _search_frames(self, X, y, lengths, sample_weight, rule, whole):
        """``rule`` or ``whole``, whichever predicts held-out sequences best.

        With fewer target values than free parameters (as for
        ``alpha="auto"``), three-fold cross-validation over the distinct
        sequences (stratified, drawn with ``random_state``) scores fits of at
        most ``FRAME_SEARCH_MAX_ITER`` iterations in frames of ``whole``
        steps (the whole sequence), then of ``FRAME_SEARCH_FIRST_ITER`` in
        frames of ``rule`` steps. If those are behind, they go on to the full
        budget. The better mean score decides, a tie keeps ``rule``. With
        ``FRAME_SEARCH_ONE_FOLD`` sequences or more held out by every fold,
        the first fold alone decides. Otherwise, or with fewer distinct
        sequences than folds, ``rule``.
        """
        layout = ParameterLayout(
            X.shape[2] * rule, self.n_hidden, y.shape[-1], self.learn_time_constant
        )
        if not self._penalty_decides(layout, y, sample_weight):
            return rule
        # So few target values fit in this process, and so do their sequences.
        X, y = _dask.to_numpy(X), _dask.to_numpy(y)
        folds = self._folds(X, y, sample_weight)
        if folds is None:
            return rule
        if min(np.count_nonzero(held) for _, held in folds) >= FRAME_SEARCH_ONE_FOLD:
            folds = folds[:1]
        (whole_score,) = self._frames_scores(
            X, y, lengths, whole, folds, [FRAME_SEARCH_MAX_ITER]
        )
        budgets = [FRAME_SEARCH_FIRST_ITER, FRAME_SEARCH_MAX_ITER]
        for rule_score in self._frames_scores(X, y, lengths, rule, folds, budgets):
            if tuple(rule_score) >= tuple(whole_score):
                return rule
        return whole

    def _frames_scores(self, X, y, lengths, frame_length, folds, budgets):
        """Mean held-out scores of fits in frames of ``frame_length`` steps.

        Yields one score for each of the increasing ``budgets`` (iterations
        a fold's fit has had so far, at most ``max_iter``): a fit that spent
        the budget before goes on from where it stopped, one that ended by
        itself is scored again as it is. The frames, time constants, starting
        point and each fold's objective are built once; only the weights of
        the sequences change from fold to fold.
        """
        X, lengths = stack_frames(X, lengths, frame_length)
        time_constants = self._resolve_time_constant(X.shape[1])
        layout = ParameterLayout(
            X.shape[2], self.n_hidden, y.shape[-1], self.learn_time_constant
        )
        theta = self._starting_points(layout, False, time_constants)[0]
        leaks = (_leak_rates(time_constants), _leak_rate(self.settle_time_constant))
        alpha = ALPHA_WITH_ENOUGH_DATA if self.alpha == "auto" else float(self.alpha)
        objectives = [
            self._objectives(layout, X, y, lengths, fit_weight, 1, leaks, alpha)
            for fit_weight, _ in folds
        ]
        held_out = [
            self._validation_score(layout, X, y, lengths, validation_weight, leaks)
            for _, validation_weight in folds
        ]
        runs = [None] * len(folds)
        for budget in budgets:
            budget = min(budget, self.max_iter)
            for i, (fit_weight, _) in enumerate(folds):
                run = runs[i]
                if run is None:
                    options = {**self._lbfgs_options(), "maxiter": budget}
                    runs[i] = self._short_fit(
                        objectives[i], theta, options, y, fit_weight
                    )
                elif run.status == BUDGET_SPENT and run.n_iter < budget:
                    options = {**self._lbfgs_options(), "maxiter": budget - run.n_iter}
                    start = theta if run.theta is None else run.theta
                    rest = self._short_fit(objectives[i], start, options, y, fit_weight)
                    runs[i] = joined(run, rest)
            yield np.mean(
                [
                    score(theta if run.theta is None else run.theta)
                    for score, run in zip(held_out, runs, strict=True)
                ],
                axis=0,
            )

    def _short_fit(self, objectives, theta, options, y, fit_weight):
        """A fit of cross-validation: L-BFGS with the plateau rule, Ctrl-C raised.

        A KeyboardInterrupt ends the whole fit, which leaves the estimator as
        it was.
        """
        make_monitor = self._stopping_rule(None, self._trivial_loss(y, fit_weight))
        run = minimise(*objectives, theta, options, 0, make_monitor)
        if run.stopped == "interrupted":
            raise KeyboardInterrupt
        return run

    def _settle_leak(self):
        """Leak rate of the fitted net's settle steps, or None for the units' own."""
        return _leak_rate(self._kept_params["settle_time_constant"])

    def _leak(self):
        """Leak rates of the fitted units: the engine's form of ``time_constant_``."""
        return _leak_rates(self.time_constant_)

    def _chunks(self, lengths, dtype, rows=None, n_settle_steps=None, n_hidden=None):
        """Chunks of sample indices (all, or ``rows``) that bound the stack memory.

        ``n_settle_steps`` and ``n_hidden`` default to the parameters' values;
        predictions pass the checked and the fitted ones.
        """
        if rows is None:
            rows = np.arange(len(lengths))
        if n_settle_steps is None:
            n_settle_steps = self.n_settle_steps
        n_steps = int(lengths[rows].max()) + n_settle_steps
        plan = plan_chunks(
            lengths[rows],
            n_steps,
            n_hidden or self.n_hidden,
            np.dtype(dtype).itemsize,
        )
        return [rows[chunk] for chunk in plan]

    def _recurrent_mask(self):
        if self.recurrent_mask is None:
            return None
        return check_recurrent_mask(self.recurrent_mask, self.n_hidden)

    def _free_parameters(self, layout):
        """1 for learned parameters, 0 for those held fixed (see ``Objective``)."""
        mask = self._recurrent_mask()
        if mask is None and self.learn_initial_state:
            return None
        free = np.ones(layout.size)
        if mask is not None:
            free[layout.slices["recurrent_weights"]] = mask.ravel()
        if not self.learn_initial_state:
            free[layout.slices["initial_state"]] = 0
        return free

    def _initial_theta(self, layout, seed, time_constants):
        """Random starting parameters that satisfy the fixed-parameter constraints.

        Glorot-uniform input and output weights, a random orthogonal recurrent
        matrix (it neither shrinks nor blows up the state at the start), zero
        biases and, when it is learned, a small random initial state.
        """
        rng = np.random.RandomState(seed)
        n_features, n_hidden = layout.shapes["input_weights"]
        n_outputs = layout.shapes["output_bias"][0]
        params = {
            "input_weights": self._glorot(rng, n_features, n_hidden),
            "recurrent_weights": _orthogonal(n_hidden, rng),
            "hidden_bias": np.zeros(n_hidden),
            "output_weights": self._glorot(rng, n_hidden, n_outputs),
            "output_bias": np.zeros(n_outputs),
            "initial_state": np.zeros(n_hidden),
            "leak_logits": _start_logits(time_constants),
        }
        mask = self._recurrent_mask()
        if mask is not None:
            params["recurrent_weights"] *= mask
        if self.learn_initial_state:
            params["initial_state"] = rng.uniform(-0.1, 0.1, n_hidden)
        return layout.pack(params)

    def _glorot(self, rng, fan_in, fan_out):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        if self.activation == "logistic":
            bound *= np.sqrt(2.0)
        return rng.uniform(-bound, bound, (fan_in, fan_out))

    def _fitted_params(self, dtype):
        return {
            name: getattr(self, name + "_").astype(dtype, copy=False)
            for name in PARAMETER_NAMES
        }

    def _forward(self, params, batch):
        """The fitted net's stack of states over ``batch``."""
        states, _ = forward(
            params,
            batch,
            self._kept_params["activation"],
            self._leak(),
            settle_leak=self._settle_leak(),
        )
        return states

    def _checked_settle_steps(self):
        """``n_settle_steps``, validated: it may be changed after fitting."""
        validate_parameter_constraints(
            {"n_settle_steps": self._parameter_constraints["n_settle_steps"]},
            {"n_settle_steps": self.n_settle_steps},
            caller_name=type(self).__name__,
        )
        return self.n_settle_steps

    def _predict_rows(
        self, X, read_out, keep_width=False, n_settle_steps=None, check_finite=True
    ):
        """Run the fitted net over ``X`` chunk by chunk and gather a read-out.

        Parameters
        ----------
        X : array-like or dask.array.Array
            Sequences, validated here (a Dask array block by block, when its
            result is computed).
        read_out : callable
            ``read_out(batch, states, params)`` returns an array whose first
            axis follows the batch's rows.
        keep_width : bool, default=False
            Run over all of ``X``'s steps, for read-outs shaped by them. By
            default the steps past the longest sequence, padding for every
            sample, are not computed.
        n_settle_steps : int, default=None
            Free steps after the input; None means the ``n_settle_steps``
            parameter.
        check_finite : bool, default=True
            Raise if the state overflows on some sequence; False passes the
            overflowed states to ``read_out``.

        Returns
        -------
        result : ndarray or dask.array.Array
            The read-outs of all samples, in the caller's sample order; a Dask
            array blocked like a Dask ``X``.
        """
        check_is_fitted(self)
        if _dask.is_dask_array(X):
            return _dask.predict_rows(self, X, read_out, keep_width, n_settle_steps)
        X, lengths = check_sequences(self, X, reset=False)
        self._check_read_length(int(lengths.max(initial=0)))
        if n_settle_steps is None:
            n_settle_steps = self._checked_settle_steps()
        return self._read_out_rows(
            X, lengths, read_out, keep_width, n_settle_steps, check_finite
        )

    def _check_read_length(self, longest):
        """Warn if sequences of ``longest`` steps are read other than as fitted."""

    def _read_out_rows(
        self, X, lengths, read_out, keep_width, n_settle_steps, check_finite=True
    ):
        """:meth:`_predict_rows` on validated sequences and their lengths."""
        X, lengths = stack_frames(X, lengths, self._fitted_frame_length())
        if not keep_width:
            X = X[:, : lengths.max()]
        params = self._fitted_params(X.dtype)
        parts, rows = [], []
        n_hidden = self.recurrent_weights_.shape[0]
        for chunk in self._chunks(lengths, X.dtype, None, n_settle_steps, n_hidden):
            batch = make_batch(X, lengths, n_settle_steps, chunk)
            # Exploding dynamics are checked for, and named, just below.
            with np.errstate(over="ignore", invalid="ignore"):
                states = self._forward(params, batch)
            if check_finite:
                _check_finite_states(states)
            parts.append(read_out(batch, states, params))
            rows.append(chunk)
        part = parts[0]
        result = np.empty((len(X),) + part.shape[1:], dtype=part.dtype)
        result[np.concatenate(rows)] = np.concatenate(parts)
        return result

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
