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

from ._validation import _check_n_features, check_sequences, sequence_lengths

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
        Variance of every feature over all real steps.
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
        # Accumulate in float64 so float32 data gets accurate statistics.
        mean = steps.mean(axis=0, dtype=np.float64)
        var = steps.var(axis=0, dtype=np.float64)
        # The summed mean and variance of a feature holding a single value
        # carry rounding noise, and dividing by that noise would blow it up
        # into signal. Comparing the extremes finds such features exactly,
        # with no tolerance, and their statistics are then set exactly.
        lowest = steps.min(axis=0)
        constant = lowest == steps.max(axis=0)
        mean[constant] = lowest[constant]
        var[constant] = 0.0
        self.mean_, self.var_ = mean, var
        self.n_steps_seen_ = steps.shape[0]
        if self.with_std:
            scale = np.sqrt(var)
            # Zero also when the variance underflows (values ~1e-160 apart).
            scale[scale == 0] = 1.0
            self.scale_ = scale
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
        # Not check_sequences: it would compare feature names, and the
        # output of transform, which inverse_transform usually gets, is a
        # plain array even when the scaler was fitted on a DataFrame.
        X_checked = check_array(
            X,
            allow_nd=True,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
            estimator=self,
            input_name="X",
        )
        X3d = X_checked[:, np.newaxis, :] if X_checked.ndim == 2 else X_checked
        if X3d.ndim != 3:
            raise ValueError(
                "X must be a 2D or 3D array; got a "
                f"{X_checked.ndim}D array of shape {X_checked.shape}."
            )
        _check_n_features(self, X3d.shape[2], reset=False)
        sequence_lengths(X3d)  # raises if NaN is anything but end padding
        return self._scale(X_checked, inverse=True)

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
    elif not isinstance(n_timesteps, Integral) or n_timesteps < 1:
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
    array = np.asarray(sequence, dtype=dtype)
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
        ``X`` is a float ndarray; copy them before changing them in place.

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
        dtype=[np.float64, np.float32],
        ensure_all_finite="allow-nan",
        input_name="X",
    )
    if X.ndim != 3:
        raise ValueError(
            "X must be a 3D array (n_samples, n_timesteps, n_features); got "
            f"shape {X.shape}."
        )
    lengths = sequence_lengths(X)
    return [X[i, :length] for i, length in enumerate(lengths)]


def make_sliding_windows(series, window, horizon=1, step=1):
    """Cut a long series into windows and the values that follow each one.

    Window ``i`` holds the steps ``s, ..., s + window - 1`` with
    ``s = i * step``, and its target for horizon ``h`` is the value at step
    ``s + window - 1 + h``. Windows are made as long as every target exists
    in the series.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
        The series, finite values only. 1D means one feature.
    window : int
        Number of steps in every window, at least 1.
    horizon : int or sequence of int, default=1
        How many steps after a window's last step its target is, at least 1
        (1 means the next value). A sequence, such as ``range(1, 13)``, gives
        one target per horizon, in the order given, for a model that
        forecasts all of them at once.
    step : int, default=1
        Distance between the starts of consecutive windows, at least 1. A
        step longer than the series gives the first window only.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        The windows, float32 if ``series`` was float32, else float64.
    y : ndarray
        The values ``horizon`` steps after every window. For an int
        ``horizon``: shape ``(n_windows,)`` for 1D ``series``, else
        ``(n_windows, n_features)``. For a sequence of ``n_horizons``:
        ``(n_windows, n_horizons)`` for 1D ``series``, else
        ``(n_windows, n_horizons, n_features)``.

    See Also
    --------
    sklearn_bptt.forecasting.RelativeToLastValue : Forecast the change from
        each window's last value, so a model can follow a trend.
    sklearn_bptt.forecasting.forecast_recursive : Forecast several steps
        with a model of the next one.

    Notes
    -----
    Consecutive windows overlap when ``step < window + max(horizon) - 1``,
    so shuffled cross-validation would let a model see its test targets
    while training. Split them in time, with
    :class:`~sklearn.model_selection.TimeSeriesSplit`, and with several
    horizons leave ``gap=max(horizon) - 1`` windows (for ``step=1``) between
    training and validation: without it the last training windows' far
    targets are the first validation windows' near targets.

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
    >>> X, y = make_sliding_windows(np.arange(6), window=3, horizon=[1, 2])
    >>> y
    array([[3., 4.],
           [4., 5.]])
    """
    _check_positive_int("window", window)
    _check_positive_int("step", step)
    horizons = _check_horizons(horizon)
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
    furthest = max(horizons)
    n_starts = n_timesteps - window - furthest + 1
    if n_starts < 1:
        needed = "window + horizon" if len(horizons) == 1 else "window + max(horizon)"
        raise ValueError(
            f"series has {n_timesteps} steps; one window needs at least "
            f"{needed} = {window + furthest}."
        )
    # A step past the last start leaves one window; capping it keeps arange
    # in integers (it returns objects for a step beyond int64).
    starts = np.arange(0, n_starts, min(step, n_starts))
    # (n_windows, window) indices into the series, gathered in one step.
    X = series_2d[starts[:, np.newaxis] + np.arange(window)]
    # (n_windows, n_horizons) target steps, or (n_windows,) for an int.
    last_steps = starts + window - 1
    if len(horizons) == 1 and not np.iterable(horizon):
        return X, values[last_steps + furthest]
    return X, values[last_steps[:, np.newaxis] + np.asarray(horizons)]


def _check_positive_int(name, value):
    # bool is an Integral, but True as a window length is a mistake.
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")


def _check_horizons(horizon):
    """The horizons as a list of distinct Python ints, checked."""
    if isinstance(horizon, str) or not np.iterable(horizon):
        if isinstance(horizon, bool) or not isinstance(horizon, Integral):
            raise ValueError(
                "horizon must be an integer >= 1 or a sequence of them; got "
                f"{horizon!r}."
            )
        _check_positive_int("horizon", horizon)
        return [int(horizon)]
    horizons = list(horizon)
    if not horizons:
        raise ValueError("horizon is empty; give at least one horizon.")
    for i, value in enumerate(horizons):
        _check_positive_int(f"horizon[{i}]", value)
    # Python ints: index arithmetic on numpy ints could overflow silently.
    horizons = [int(value) for value in horizons]
    repeated = next((h for i, h in enumerate(horizons) if h in horizons[:i]), None)
    if repeated is not None:
        raise ValueError(
            f"horizon holds horizon {repeated} twice; each horizon gives one "
            "column of y, so list each once."
        )
    return horizons


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
