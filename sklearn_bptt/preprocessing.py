"""Preparing sequence data for the BPTT estimators.

The estimators of this package take 3D arrays ``(n_samples, n_timesteps,
n_features)``: time on the middle axis, features on the last one. A sequence
shorter than ``n_timesteps`` is padded at the end with steps that are NaN in
every feature. This module holds the tools to get data into that layout and
to scale it:

- :class:`SequenceStandardScaler` standardises every feature over all samples
  and all real steps, leaving the padding alone;
- :func:`to_padded_array` and :func:`from_padded_array` convert between a
  list of variable-length sequences and one NaN-padded array;
- :func:`make_sliding_windows` cuts one long series into windows and the
  value to forecast after each of them;
- :func:`from_channels_first` converts the ``(n_samples, n_channels,
  n_timesteps)`` layout used by sktime and aeon.

Data from sktime or aeon
------------------------
sktime's and aeon's ``numpy3D`` format puts the channels before time, so an
array from their loaders must be transposed before fitting, with
``from_channels_first(X)`` or equivalently ``np.swapaxes(X, 1, 2)``. Passing
it as it is would not fail, it would silently treat every time step as a
feature and every channel as a time step. Unequal-length collections come
from aeon as a list of ``(n_channels, n_timesteps_i)`` arrays; transpose each
one and pad them: ``to_padded_array([x.T for x in X])``.

Examples
--------
>>> import numpy as np
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn_bptt import BPTTRegressor
>>> from sklearn_bptt.preprocessing import (
...     SequenceStandardScaler, make_sliding_windows)
>>> series = np.sin(np.linspace(0, 20, 200))
>>> X, y = make_sliding_windows(series, window=10)
>>> X.shape, y.shape
((190, 10, 1), (190,))
>>> model = make_pipeline(
...     SequenceStandardScaler(),
...     BPTTRegressor(n_hidden=5, max_iter=300, random_state=0))
>>> model.fit(X, y).score(X, y) > 0.99
True
"""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils.validation import check_array, check_is_fitted

from ._validation import check_sequences, sequence_lengths

__all__ = [
    "SequenceStandardScaler",
    "from_channels_first",
    "from_padded_array",
    "make_sliding_windows",
    "to_padded_array",
]


class SequenceStandardScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise every feature over all samples and all steps of sequences.

    Each feature is centred and divided by its standard deviation, both
    computed over every real step of every sequence, so the statistics are
    those of the time series' values, not of one time step. NaN padding at
    the end of shorter sequences is ignored when fitting and stays NaN after
    ``transform`` and ``inverse_transform``.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the mean of every feature.

    with_std : bool, default=True
        Divide every feature by its standard deviation.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features_in_,)
        Mean of every feature over all real steps. Computed even when
        ``with_mean=False``, as in :class:`~sklearn.preprocessing.StandardScaler`.
    var_ : ndarray of shape (n_features_in_,)
        Variance of every feature over all real steps, ``scale_ ** 2``
        for non-constant features. It overflows to inf for a standard
        deviation above about 1e154, where ``scale_`` is still finite.
    scale_ : ndarray of shape (n_features_in_,) or None
        Standard deviation of every feature, 1.0 for a feature that holds a
        single value (so it is centred but not blown up). None when
        ``with_std=False``.
    n_steps_seen_ : int
        Number of real (non-padding) steps the statistics were computed on.
    n_features_in_ : int
        Number of features seen during fit (the last axis of ``X``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` was a 2D DataFrame with
        string column names.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same for 2D tabular data.
    to_padded_array : Pad a list of variable-length sequences.

    Notes
    -----
    ``X`` may be 3D ``(n_samples, n_timesteps, n_features)`` or 2D
    ``(n_samples, n_features)`` (one step per sample), and ``transform``
    returns an array of the same shape. NaN is accepted only as padding:
    whole steps at the end of a sequence. Float32 input stays float32; the
    statistics are accumulated in float64.

    ``set_output(transform="pandas")`` works for 2D input only, since a
    DataFrame cannot hold a 3D array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bptt.preprocessing import SequenceStandardScaler
    >>> X = np.array([[[0.0], [2.0], [4.0]],
    ...               [[6.0], [np.nan], [np.nan]]])  # second one has 1 step
    >>> scaler = SequenceStandardScaler().fit(X)
    >>> scaler.mean_, scaler.scale_
    (array([3.]), array([2.23606798]))
    >>> scaler.transform(X)[1, :, 0]
    array([1.34164079,        nan,        nan])
    """

    _parameter_constraints = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the mean and standard deviation of every feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, n_timesteps, n_features)
            Sequences, NaN-padded at the end if shorter than ``n_timesteps``.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceStandardScaler
            The fitted scaler.
        """
        X, lengths = check_sequences(self, X, reset=True)
        # (n_real_steps, n_features): every real step of every sequence,
        # so padding cannot enter the statistics.
        steps = X[np.arange(X.shape[1]) < lengths[:, np.newaxis]]
        mean, std = _mean_and_std(steps)
        # The summed mean and variance of a feature holding a single value
        # carry rounding noise, and dividing by that noise would blow it up
        # into signal. Comparing the extremes finds such features exactly,
        # with no tolerance, and their statistics are then set exactly.
        lowest = steps.min(axis=0)
        constant = lowest == steps.max(axis=0)
        mean[constant] = lowest[constant]
        std[constant] = 0.0
        self.mean_ = mean
        # Overflows to inf when std is above about 1e154; scale_ does not.
        with np.errstate(over="ignore"):
            self.var_ = std**2
        self.n_steps_seen_ = steps.shape[0]
        if self.with_std:
            self.scale_ = np.where(std == 0, 1.0, std)
        else:
            self.scale_ = None
        return self

    def transform(self, X):
        """Standardise ``X``; padding steps stay NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, n_timesteps, n_features)
            Sequences to scale.

        Returns
        -------
        X_scaled : ndarray of the same shape as ``X``
            Scaled sequences, float32 if ``X`` was float32, else float64.
        """
        check_is_fitted(self)
        X_checked, _ = check_sequences(self, X, reset=False)
        X_scaled = self._scale(X_checked, inverse=False)
        return _same_ndim(X_scaled, X)

    def inverse_transform(self, X):
        """Undo the scaling; padding steps stay NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, n_timesteps, n_features)
            Scaled sequences.

        Returns
        -------
        X_original : ndarray of the same shape as ``X``
            Sequences in the original units.
        """
        check_is_fitted(self)
        # Feature names are not compared: the output of transform, which
        # inverse_transform usually gets, is a plain array even when the
        # scaler was fitted on a DataFrame.
        X_checked, _ = check_sequences(self, X, reset=False, check_names=False)
        return _same_ndim(self._scale(X_checked, inverse=True), X)

    def _scale(self, X, *, inverse):
        """Apply the affine map (or its inverse) in ``X``'s own dtype.

        Works on 2D and 3D arrays alike because the statistics broadcast over
        the last axis; NaN padding stays NaN through any affine map.
        """
        mean = self.mean_.astype(X.dtype) if self.with_mean else None
        scale = self.scale_.astype(X.dtype) if self.with_std else None
        # Fresh arrays, never in place: X may be the caller's (or read-only).
        if inverse:
            if scale is not None:
                X = X * scale
            if mean is not None:
                X = X + mean
        else:
            if mean is not None:
                X = X - mean
            if scale is not None:
                X = X / scale
        return X.copy() if mean is None and scale is None else X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # allow_nan stays False: NaN is accepted only as whole padding steps
        # at the end of 3D sequences, and NaN scattered in 2D data (what
        # scikit-learn's checks and tools mean by "allow_nan") is an error.
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _mean_and_std(steps):
    """Float64 mean and standard deviation of every column of ``steps``.

    Squaring values above about 1e154 overflows, which made the scale
    infinite. Each column is first divided by a power of two close to its
    largest magnitude: the division is exact, so ordinary data gets the same
    statistics as without it, and the squares stay below 4.
    """
    largest = np.abs(steps).max(axis=0).astype(np.float64)
    # 2**(exponent - 1) <= largest < 2**exponent; an all-zero column gets 0.5.
    factor = np.ldexp(1.0, np.frexp(largest)[1] - 1)
    scaled = steps / factor  # float64 also for float32 steps
    return scaled.mean(axis=0) * factor, scaled.std(axis=0) * factor


def _same_ndim(X_out, X_in):
    """Give ``X_out`` (3D) back the 2D shape of ``X_in`` if it had one."""
    # check_sequences does not report the ndim it was given. np.asarray (not
    # np.ndim, which array-likes may refuse to dispatch) finds it for lists;
    # it only runs after validation, so X_in is known to convert cleanly.
    ndim = X_in.ndim if hasattr(X_in, "ndim") else np.asarray(X_in).ndim
    if ndim == 2:
        return X_out.reshape(X_out.shape[0], X_out.shape[2])
    return X_out


def to_padded_array(sequences, n_timesteps=None, dtype=float):
    """Stack variable-length sequences into one array padded at the end with NaN.

    Parameters
    ----------
    sequences : list of array-like of shape (n_timesteps_i, n_features) or \
            (n_timesteps_i,)
        The sequences, one per sample; a 1D sequence has one feature. All must
        have the same number of features, at least one step, and no NaN (NaN
        marks padding).
    n_timesteps : int, default=None
        Length of the padded axis. None means the length of the longest
        sequence. A sequence longer than ``n_timesteps`` is an error, not cut
        silently: choose which steps to keep yourself, e.g.
        ``[s[-n_timesteps:] for s in sequences]`` keeps the last ones, which
        are the ones a final-state target depends on most.
    dtype : float dtype, default=float
        Dtype of the result, e.g. ``np.float32``. It must be a floating dtype
        to hold NaN.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Sequence ``i`` fills ``X[i, :n_timesteps_i]``; the remaining steps
        are NaN in every feature.

    See Also
    --------
    from_padded_array : The inverse conversion.

    Examples
    --------
    >>> from sklearn_bptt.preprocessing import to_padded_array
    >>> X = to_padded_array([[1, 2, 3], [4, 5]])
    >>> X.shape
    (2, 3, 1)
    >>> X[:, :, 0]
    array([[ 1.,  2.,  3.],
           [ 4.,  5., nan]])
    >>> to_padded_array([[[1, 2]], [[3, 4], [5, 6]]], n_timesteps=3).shape
    (2, 3, 2)
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(
            f"dtype must be a floating dtype to hold the NaN padding; got {dtype}."
        )
    arrays = [_as_sequence(sequence, i, dtype) for i, sequence in enumerate(sequences)]
    if not arrays:
        raise ValueError("sequences is empty; at least one sequence is required.")
    n_features = arrays[0].shape[1]
    for i, array in enumerate(arrays):
        if array.shape[1] != n_features:
            raise ValueError(
                f"Sequence {i} has {array.shape[1]} features but sequence 0 has "
                f"{n_features}; all sequences need the same number of features."
            )
    longest = max(len(array) for array in arrays)
    if n_timesteps is None:
        n_timesteps = longest
    elif (
        isinstance(n_timesteps, bool)  # an Integral, but surely a mistake
        or not isinstance(n_timesteps, Integral)
        or n_timesteps < 1
    ):
        raise ValueError(
            f"n_timesteps must be a positive integer; got {n_timesteps!r}."
        )
    elif longest > n_timesteps:
        i = next(i for i, array in enumerate(arrays) if len(array) > n_timesteps)
        raise ValueError(
            f"Sequence {i} has {len(arrays[i])} steps, more than "
            f"n_timesteps={n_timesteps}. Truncate the sequences first, e.g. "
            "[s[-n_timesteps:] for s in sequences] to keep the last steps."
        )
    X = np.full((len(arrays), n_timesteps, n_features), np.nan, dtype=dtype)
    for i, array in enumerate(arrays):
        X[i, : len(array)] = array
    return X


def _as_sequence(sequence, index, dtype):
    """One sequence as a ``(n_timesteps_i, n_features)`` array, checked."""
    array = np.asarray(sequence)
    kind = array.dtype.kind
    if kind == "O":
        kind = "c" if any(isinstance(v, complex) for v in array.flat) else kind
    if kind == "c":
        # Casting would drop the imaginary part with only a ComplexWarning.
        raise ValueError(
            f"Sequence {index} contains complex numbers; the estimators take "
            "real values only. Split them first, e.g. into real and imaginary "
            "features."
        )
    if kind in ("U", "S"):
        # Casting would parse numeric strings, which the estimators reject.
        raise ValueError(
            f"Sequence {index} contains strings (dtype {array.dtype}); the "
            "estimators need numbers."
        )
    array = array.astype(dtype, copy=False)
    if array.ndim == 1:
        array = array[:, np.newaxis]
    elif array.ndim != 2:
        raise ValueError(
            f"Sequence {index} must be 1D (n_timesteps,) or 2D "
            f"(n_timesteps, n_features); got shape {array.shape}."
        )
    if array.shape[0] == 0:
        raise ValueError(f"Sequence {index} has no steps; every sequence needs one.")
    missing = np.isnan(array)
    if missing.any():
        step = np.argwhere(missing)[0, 0]
        raise ValueError(
            f"Sequence {index} contains NaN at step {step}. NaN is reserved for "
            "the padding this function adds; fill or drop missing values first."
        )
    return array


def from_padded_array(X):
    """Split a NaN-padded array into its sequences, without the padding.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_features)
        Sequences padded at the end with steps that are NaN in every feature.

    Returns
    -------
    sequences : list of ndarray of shape (n_timesteps_i, n_features)
        The real steps of every sequence. They are views into ``X`` when
        ``X`` is an ndarray of dtype float16, float32 or float64; copy them
        before changing them in place. Other input (lists, integer or
        ``longdouble`` arrays) is first converted to float64.

    See Also
    --------
    to_padded_array : The inverse conversion.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bptt.preprocessing import from_padded_array
    >>> X = np.array([[[1.0], [2.0]], [[3.0], [np.nan]]])
    >>> [sequence.ravel() for sequence in from_padded_array(X)]
    [array([1., 2.]), array([3.])]
    """
    X = check_array(
        X,
        allow_nd=True,
        ensure_2d=False,
        # float16 kept too, so that its sequences are views as well.
        dtype=[np.float64, np.float32, np.float16],
        ensure_all_finite="allow-nan",
        input_name="X",
    )
    if X.ndim != 3:
        raise ValueError(
            "X must be a 3D array (n_samples, n_timesteps, n_features); got "
            f"shape {X.shape}."
        )
    if 0 in X.shape[1:]:
        raise ValueError(
            f"X has shape {X.shape}; every sequence needs at least 1 time step "
            "and 1 feature."
        )
    lengths = sequence_lengths(X)
    return [X[i, :length] for i, length in enumerate(lengths)]


def make_sliding_windows(series, window, horizon=1, step=1):
    """Cut a long series into windows and the value that follows each one.

    Window ``i`` holds the steps ``s, ..., s + window - 1`` with
    ``s = i * step``, and its target is the value at step
    ``s + window - 1 + horizon``. Windows are made as long as that target
    exists in the series.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
        The series, finite values only. 1D means one feature.
    window : int
        Number of steps in every window, at least 1.
    horizon : int, default=1
        How many steps after a window's last step its target is, at least 1
        (1 means the next value).
    step : int, default=1
        Distance between the starts of consecutive windows, at least 1.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        The windows, float32 if ``series`` was float32, else float64.
    y : ndarray of shape (n_windows,) for 1D ``series``, else \
            (n_windows, n_features)
        The value ``horizon`` steps after every window.

    Notes
    -----
    Consecutive windows overlap when ``step < window + horizon - 1``, so
    shuffled cross-validation would let a model see its test targets while
    training; split them with :class:`~sklearn.model_selection.TimeSeriesSplit`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bptt.preprocessing import make_sliding_windows
    >>> X, y = make_sliding_windows(np.arange(6), window=3)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> y
    array([3., 4., 5.])
    """
    for name, value in (("window", window), ("horizon", horizon), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
    values = check_array(
        series, ensure_2d=False, dtype=[np.float64, np.float32], input_name="series"
    )
    if values.ndim not in (1, 2):
        raise ValueError(
            "series must be 1D (n_timesteps,) or 2D (n_timesteps, n_features); "
            f"got shape {values.shape}."
        )
    series_2d = values[:, np.newaxis] if values.ndim == 1 else values
    n_timesteps = series_2d.shape[0]
    if n_timesteps < window + horizon:
        raise ValueError(
            f"series has {n_timesteps} steps; one window needs at least "
            f"window + horizon = {window + horizon}."
        )
    starts = np.arange(0, n_timesteps - window - horizon + 1, step)
    # (n_windows, window) indices into the series, gathered in one step.
    X = series_2d[starts[:, np.newaxis] + np.arange(window)]
    y = values[starts + window - 1 + horizon]
    return X, y


def from_channels_first(X):
    """Convert ``(n_samples, n_channels, n_timesteps)`` data to this package's layout.

    sktime's and aeon's 3D ``numpy3D`` format puts the channels before time;
    the estimators here want time before features. This is
    ``np.swapaxes(X, 1, 2)`` with a check that ``X`` is 3D.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps)
        Channels-first sequences.

    Returns
    -------
    X_t : ndarray of shape (n_samples, n_timesteps, n_channels)
        A transposed view of ``X`` when ``X`` is an ndarray (no copy).

    See Also
    --------
    to_padded_array : For unequal-length collections (a list of
        ``(n_channels, n_timesteps_i)`` arrays): ``to_padded_array([x.T for
        x in X])``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bptt.preprocessing import from_channels_first
    >>> X = np.arange(12).reshape(2, 2, 3)  # 2 samples, 2 channels, 3 steps
    >>> X[0]
    array([[0, 1, 2],
           [3, 4, 5]])
    >>> from_channels_first(X)[0]
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(
            "X must be a 3D array (n_samples, n_channels, n_timesteps); got "
            f"shape {X.shape}."
        )
    return np.swapaxes(X, 1, 2)
