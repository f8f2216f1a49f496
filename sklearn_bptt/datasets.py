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
