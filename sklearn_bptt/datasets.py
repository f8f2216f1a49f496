"""Small sequence data sets for examples, tests and benchmarks."""

from numbers import Integral

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions, validate_params

from ._validation import Count

# Hochreiter and Schmidhuber's first mark is one of the first 10 steps.
FIRST_MARK_WITHIN = 10
# The parameters every generator of random sequences takes.
SIZE_AND_SEED = {
    "n_samples": [Count(Integral, 1, None, closed="left")],
    "n_timesteps": [Count(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}


@validate_params(
    {**SIZE_AND_SEED, "variant": [StrOptions({"hochreiter1997", "le2015"})]},
    prefer_skip_nested_validation=True,
)
def make_adding_problem(
    n_samples=1000, n_timesteps=50, *, variant="hochreiter1997", random_state=None
):
    """The adding problem: hold a marked value in memory, add a later one.

    Every step has two features: a random value and a marker. Two steps are
    marked with 1; the target, given at the end of the sequence, is set by the
    sum of their values, so the net must find the first one and hold it until
    the end.

    ``variant="hochreiter1997"`` (the default) is experiment 4 of Hochreiter
    and Schmidhuber (1997), the definition results on the problem are
    usually compared on:

    - values are uniform in [-1, 1];
    - sequence lengths are random between ``T = n_timesteps`` and ``T + T //
      10``, so ``X`` is NaN-padded to ``T + T // 10`` steps;
    - one of the first 10 steps is marked, then one of the first ``T // 2 -
      1`` steps that are still unmarked (the paper's wording: counted
      without the first mark, so within the first ``T // 2`` steps); the
      first and the last step have marker -1
      unless marked, all others 0; a marked first step has value 0;
    - the target is ``0.5 + (X1 + X2) / 4``, the sum scaled to [0, 1]; a
      sequence counts as processed correctly if the absolute error is below
      0.04.

    So from ``T = 20`` on, the first marked value must be held for at least
    ``T / 2`` steps.

    ``variant="le2015"`` is the easier form of Le, Jaitly and Hinton (2015),
    used by many later papers: values uniform in [0, 1), every sequence
    ``T`` steps long, one marked step in the first half and one in the
    second, markers 0 elsewhere, and the target the plain sum ``X1 + X2``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_timesteps : int, default=50
        ``T``: the minimum sequence length (``"hochreiter1997"``, at least
        10, as the first mark is one of the first 10 steps) or the length of
        every sequence (``"le2015"``, at least 2).
    variant : {"hochreiter1997", "le2015"}, default="hochreiter1997"
        Which definition to follow (see above).
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.

    Returns
    -------
    X : ndarray of shape (n_samples, n_steps, 2)
        Values and markers. ``n_steps`` is ``T + T // 10`` for
        ``"hochreiter1997"``, whose shorter sequences are NaN-padded, and
        ``T`` for ``"le2015"``.
    y : ndarray of shape (n_samples,)
        The targets.

    References
    ----------
    Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory.
    *Neural Computation*, 9(8), 1735-1780. Section 5.4, experiment 4.

    Le, Q. V., Jaitly, N. and Hinton, G. E. (2015). A simple way to
    initialize recurrent networks of rectified linear units.
    arXiv:1504.00941.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bptt.datasets import make_adding_problem
    >>> X, y = make_adding_problem(n_samples=5, n_timesteps=20, random_state=0)
    >>> X.shape, y.shape
    ((5, 22, 2), (5,))
    >>> bool(((X[:, :, 1] == 1).sum(axis=1) == 2).all())
    True
    >>> bool(((0 <= y) & (y <= 1)).all())
    True
    >>> X, y = make_adding_problem(5, 20, variant="le2015", random_state=0)
    >>> X.shape
    (5, 20, 2)
    """
    rng = check_random_state(random_state)
    if variant == "le2015":
        return _adding_le2015(n_samples, n_timesteps, rng)
    return _adding_hochreiter1997(n_samples, n_timesteps, rng)


def _adding_hochreiter1997(n_samples, n_timesteps, rng):
    if n_timesteps < FIRST_MARK_WITHIN:
        raise ValueError(
            f"n_timesteps must be at least {FIRST_MARK_WITHIN} for "
            f"variant='hochreiter1997' (the first mark is one of the first "
            f"{FIRST_MARK_WITHIN} steps), got {n_timesteps}."
        )
    n_steps = n_timesteps + n_timesteps // 10
    lengths = rng.randint(n_timesteps, n_steps + 1, size=n_samples)
    values = rng.uniform(-1, 1, size=(n_samples, n_steps))
    rows = np.arange(n_samples)
    first = rng.randint(0, FIRST_MARK_WITHIN, size=n_samples)
    # One of the first T/2 - 1 still unmarked steps: drawn among T/2 - 1
    # positions, then moved past the first mark, so it may be step T/2 - 1.
    second = rng.randint(0, n_timesteps // 2 - 1, size=n_samples)
    second += second >= first
    markers = np.zeros((n_samples, n_steps))
    markers[:, 0] = -1
    markers[rows, lengths - 1] = -1
    markers[rows, first] = 1
    markers[rows, second] = 1
    values[:, 0] = np.where(markers[:, 0] == 1, 0, values[:, 0])
    y = 0.5 + (values[rows, first] + values[rows, second]) / 4
    X = np.stack([values, markers], axis=2)
    X[np.arange(n_steps)[None, :] >= lengths[:, None]] = np.nan
    return X, y


def _adding_le2015(n_samples, n_timesteps, rng):
    if n_timesteps < 2:
        raise ValueError(f"n_timesteps must be at least 2, got {n_timesteps}.")
    values = rng.uniform(size=(n_samples, n_timesteps))
    half = n_timesteps // 2
    first = rng.randint(0, half, size=n_samples)
    second = rng.randint(half, n_timesteps, size=n_samples)
    markers = np.zeros((n_samples, n_timesteps))
    rows = np.arange(n_samples)
    markers[rows, first] = 1
    markers[rows, second] = 1
    X = np.stack([values, markers], axis=2)
    return X, values[rows, first] + values[rows, second]


@validate_params({"scale": ["boolean"]}, prefer_skip_nested_validation=True)
def load_digits_sequences(scale=True):
    """scikit-learn's 8x8 digits read as sequences, one image row per step.

    Parameters
    ----------
    scale : bool, default=True
        Divide pixel values (0 to 16) by 16.

    Returns
    -------
    X : ndarray of shape (1797, 8, 8)
        Image ``i`` is 8 steps of 8 pixel values, top row first.
    y : ndarray of shape (1797,)
        The digit, 0 to 9.

    Examples
    --------
    >>> from sklearn_bptt.datasets import load_digits_sequences
    >>> X, y = load_digits_sequences()
    >>> X.shape
    (1797, 8, 8)
    """
    digits = load_digits()
    X = digits.images / 16.0 if scale else digits.images.astype(float)
    return X, digits.target


@validate_params(SIZE_AND_SEED, prefer_skip_nested_validation=True)
def make_cylinder_bell_funnel(n_samples=30, n_timesteps=128, *, random_state=None):
    """The Cylinder-Bell-Funnel series of Saito (1994).

    Three classes of noisy univariate series. Each holds a shape of height
    ``6 + eta`` between a random onset ``a`` and end ``b`` and plain noise
    elsewhere: a plateau (cylinder, class 0), a ramp up that drops at ``b``
    (bell, class 1) or a jump at ``a`` that ramps down (funnel, class 2), with
    ``eta`` and the noise at every step drawn from a standard normal, ``a``
    uniform in ``[16, 32]`` and ``b - a`` uniform in ``[32, 96]`` (both
    scaled by ``n_timesteps / 128``). Classes are drawn in turn, so every
    class has ``n_samples / 3`` series, give or take one.

    Parameters
    ----------
    n_samples : int, default=30
        Number of series.
    n_timesteps : int, default=128
        Length of every series (at least 8).
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, 1)
        The series.
    y : ndarray of shape (n_samples,)
        The class: 0 cylinder, 1 bell, 2 funnel.

    References
    ----------
    Saito, N. (1994). *Local feature extraction and its applications using a
    library of bases*. PhD thesis, Yale University.

    Examples
    --------
    >>> from sklearn_bptt.datasets import make_cylinder_bell_funnel
    >>> X, y = make_cylinder_bell_funnel(n_samples=6, random_state=0)
    >>> X.shape, y.tolist()
    ((6, 128, 1), [0, 1, 2, 0, 1, 2])
    """
    if n_timesteps < 8:
        raise ValueError(f"n_timesteps must be at least 8, got {n_timesteps}.")
    rng = check_random_state(random_state)
    y = np.arange(n_samples) % 3
    scale = n_timesteps / 128
    onset = rng.randint(round(16 * scale), round(32 * scale) + 1, size=n_samples)
    duration = rng.randint(round(32 * scale), round(96 * scale) + 1, size=n_samples)
    end = np.minimum(onset + duration, n_timesteps - 1)
    height = 6 + rng.normal(size=n_samples)
    t = np.arange(n_timesteps)[None, :]
    a, b = onset[:, None], end[:, None]
    inside = (t >= a) & (t <= b)
    shape = np.select(
        [y[:, None] == 0, y[:, None] == 1],
        [np.ones_like(t, dtype=float), (t - a) / (b - a)],
        (b - t) / (b - a),
    )
    X = height[:, None] * inside * shape + rng.normal(size=(n_samples, n_timesteps))
    return X[:, :, None], y


@validate_params(SIZE_AND_SEED, prefer_skip_nested_validation=True)
def make_temporal_order(n_samples=1000, n_timesteps=100, *, random_state=None):
    """The temporal order problem of Hochreiter and Schmidhuber (1997).

    Every step shows one of six symbols, one-hot coded: four distractors
    (``a, b, c, d``, columns 2 to 5) drawn at random, except at two steps that
    show ``X`` or ``Y`` (columns 0 and 1): one between 10% and 20% of the
    sequence, the other between 50% and 60%. The class is the ordered pair:
    0 for ``X, X``, 1 for ``X, Y``, 2 for ``Y, X`` and 3 for ``Y, Y``. No
    single symbol tells the class: the net must remember the first one until
    it sees the second, as in an XOR.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_timesteps : int, default=100
        Length of every sequence (at least 10).
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, 6)
        One-hot symbols.
    y : ndarray of shape (n_samples,)
        The class, 0 to 3.

    References
    ----------
    Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory.
    *Neural Computation*, 9(8), 1735-1780. Experiment 6a.

    Examples
    --------
    >>> from sklearn_bptt.datasets import make_temporal_order
    >>> X, y = make_temporal_order(n_samples=4, n_timesteps=20, random_state=0)
    >>> X.shape, bool((X.sum(axis=2) == 1).all())
    ((4, 20, 6), True)
    """
    if n_timesteps < 10:
        raise ValueError(f"n_timesteps must be at least 10, got {n_timesteps}.")
    rng = check_random_state(random_state)
    symbols = rng.randint(2, 6, size=(n_samples, n_timesteps))
    first = rng.randint(n_timesteps // 10, n_timesteps // 5 + 1, size=n_samples)
    second = rng.randint(n_timesteps // 2, 3 * n_timesteps // 5 + 1, size=n_samples)
    first_symbol = rng.randint(2, size=n_samples)
    second_symbol = rng.randint(2, size=n_samples)
    rows = np.arange(n_samples)
    symbols[rows, first] = first_symbol
    symbols[rows, second] = second_symbol
    X = np.eye(6)[symbols]
    return X, 2 * first_symbol + second_symbol
