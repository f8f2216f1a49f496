"""Small sequence data sets for examples, tests and benchmarks."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import check_random_state


def make_adding_problem(n_samples=1000, n_timesteps=50, *, random_state=None):
    """The adding problem of Hochreiter and Schmidhuber (1997).

    Every sequence has two features per step: a random value in [0, 1) and a
    marker that is 1 at exactly two steps, one in the first half of the
    sequence and one in the second, and 0 elsewhere. The target is the sum of
    the two marked values, so the net must find them and hold the first one
    in memory until the end.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_timesteps : int, default=50
        Length of every sequence (at least 2).
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, 2)
        Values and markers.
    y : ndarray of shape (n_samples,)
        Sum of the two marked values.

    References
    ----------
    Hochreiter, S. and Schmidhuber, J. (1997). Long short-term memory.
    *Neural Computation*, 9(8), 1735-1780.

    Examples
    --------
    >>> from sklearn_bptt.datasets import make_adding_problem
    >>> X, y = make_adding_problem(n_samples=5, n_timesteps=10, random_state=0)
    >>> X.shape, y.shape
    ((5, 10, 2), (5,))
    >>> bool(X[:, :, 1].sum(axis=1).min() == 2)
    True
    """
    if n_timesteps < 2:
        raise ValueError(f"n_timesteps must be at least 2, got {n_timesteps}.")
    rng = check_random_state(random_state)
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
