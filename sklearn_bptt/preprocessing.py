"""Preparing sequence data for the BPTT estimators.

The estimators of this package take 3D arrays ``(n_samples, n_timesteps,
n_features)``: time on the middle axis, features on the last one. A sequence
shorter than ``n_timesteps`` is padded at the end with steps that are NaN in
every feature. This module holds the tools to get data into that layout and
to scale it:

- :class:`SequenceStandardScaler` standardises every feature over all samples
  and all real steps, leaving the padding alone;
- :class:`SequenceZNormalizer` z-normalises every sequence on its own, so
  only its shape is kept;
- :class:`SequenceFlattener` flattens sequences into rows for flat models,
  as baselines in the same pipeline;
- :func:`from_long_table` and :func:`to_long_table` convert between a long
  table (one row per series and time step) and padded sequences, labels and
  ids;
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

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_is_fitted,
)

from ._validation import (
    ENCODE_HELP,
    as_numeric_array,
    check_sequences,
    missing_mask,
    sequence_lengths,
)

__all__ = [
    "SequenceFlattener",
    "SequenceStandardScaler",
    "SequenceZNormalizer",
    "from_channels_first",
    "from_long_table",
    "from_padded_array",
    "make_sliding_windows",
    "to_long_table",
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
        mean, std = _mean_and_std(steps, axis=0)
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


class SequenceZNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Z-normalise every sequence on its own: each feature to mean 0, std 1.

    Each feature of each sequence is centred on its own mean and divided by
    its own standard deviation, both over the sequence's real steps, so only
    the *shape* of every series is kept, not its level or amplitude. NaN
    padding stays NaN. A feature that is constant over a sequence becomes 0
    there (it is centred, not divided by zero).

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract every sequence's own mean.

    with_std : bool, default=True
        Divide every sequence by its own standard deviation.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during fit (the last axis of ``X``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` was a 2D DataFrame with
        string column names.

    See Also
    --------
    SequenceStandardScaler : One mean and scale per feature, learned on the
        training set, for all sequences.

    Notes
    -----
    This is a transformer of its own, not an option of
    :class:`SequenceStandardScaler`, because it learns nothing: the
    statistics of every sequence are computed in ``transform``, for training
    and new sequences alike, so there is no ``mean_`` or ``scale_`` to keep
    and no ``inverse_transform`` (the scale of a new sequence is gone once it
    is normalised). ``fit`` only records the number of features.

    Use it when the class or target depends on the shape of a series and not
    on its level or amplitude, as for most UCR/UEA time-series
    classification data sets; use :class:`SequenceStandardScaler` when the
    level carries information. 2D input is one step per sample, which every
    feature makes constant, so it becomes 0.

    ``set_output(transform="pandas")`` works for 2D input only, since a
    DataFrame cannot hold a 3D array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bptt.preprocessing import SequenceZNormalizer
    >>> X = np.array([[[1.0], [2.0], [3.0]],
    ...               [[10.0], [30.0], [np.nan]]])
    >>> SequenceZNormalizer().fit_transform(X)[:, :, 0]
    array([[-1.22474487,  0.        ,  1.22474487],
           [-1.        ,  1.        ,         nan]])
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
        """Check ``X`` and record its number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, n_timesteps, n_features)
            Sequences, NaN-padded at the end if shorter than ``n_timesteps``.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceZNormalizer
            The transformer.
        """
        check_sequences(self, X, reset=True)
        return self

    def transform(self, X):
        """Z-normalise every sequence with its own statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, n_timesteps, n_features)
            Sequences to normalise.

        Returns
        -------
        X_normalised : ndarray of the same shape as ``X``
            Float32 if ``X`` was float32, else float64; padding stays NaN.
        """
        check_is_fitted(self)
        X_checked, _ = check_sequences(self, X, reset=False)
        # (n, d) statistics over the steps of every sequence; padding is NaN
        # in every feature, so the NaN-ignoring reductions skip exactly it.
        mean, std = _mean_and_std(X_checked, axis=1)
        X_out = X_checked.astype(np.float64)
        if self.with_mean:
            X_out -= mean[:, np.newaxis, :]
        if self.with_std:
            X_out /= np.where(std == 0, 1.0, std)[:, np.newaxis, :]
        return _same_ndim(X_out.astype(X_checked.dtype, copy=False), X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class SequenceFlattener(TransformerMixin, BaseEstimator):
    """Flatten sequences into one row of features each, for flat models.

    ``(n_samples, n_timesteps, n_features)`` becomes ``(n_samples,
    n_timesteps * n_features)``: column ``t * n_features + j`` holds feature
    ``j`` at step ``t``. This lets a flat model such as
    :class:`~sklearn.linear_model.Ridge` or
    :class:`~sklearn.neural_network.MLPClassifier` be a baseline in the same
    pipeline, on the same 3D data, as the recurrent estimators.

    Parameters
    ----------
    fill_value : float, default=0.0
        Value for the NaN padding of shorter sequences. 0 is the mean of
        standardised or z-normalised data, so a padded step looks like an
        average one to a linear model. ``np.nan`` keeps the padding as
        missing values, for models that handle them, such as
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`.

    Attributes
    ----------
    n_timesteps_in_ : int
        Number of time steps seen during fit. ``transform`` pads shorter
        input to it; longer input is an error, since the flat model expects
        ``n_timesteps_in_ * n_features_in_`` columns.
    n_features_in_ : int
        Number of features seen during fit (the last axis of ``X``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` was a 2D DataFrame with
        string column names.

    See Also
    --------
    SequenceStandardScaler : Scale the features before flattening them.

    Notes
    -----
    Steps line up from the start: column ``t`` is step ``t`` of every
    sequence, and the padding is at the end of each row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bptt.preprocessing import SequenceFlattener
    >>> X = np.array([[[1.0, 10.0], [2.0, 20.0]],
    ...               [[3.0, 30.0], [np.nan, np.nan]]])
    >>> flattener = SequenceFlattener().fit(X)
    >>> flattener.transform(X)
    array([[ 1., 10.,  2., 20.],
           [ 3., 30.,  0.,  0.]])
    >>> flattener.get_feature_names_out()
    array(['x0_t0', 'x1_t0', 'x0_t1', 'x1_t1'], dtype=object)
    """

    _parameter_constraints = {"fill_value": [Real]}

    def __init__(self, *, fill_value=0.0):
        self.fill_value = fill_value

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the number of steps and features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, n_timesteps, n_features)
            Sequences, NaN-padded at the end if shorter than ``n_timesteps``.
            2D input is one step per sample.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceFlattener
            The transformer.
        """
        X, _ = check_sequences(self, X, reset=True)
        self.n_timesteps_in_ = X.shape[1]
        return self

    def transform(self, X):
        """Flatten every sequence into one row, padding filled.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
                (n_samples, n_timesteps, n_features)
            Sequences of at most ``n_timesteps_in_`` steps.

        Returns
        -------
        X_flat : ndarray of shape (n_samples, n_timesteps_in_ * n_features_in_)
            Float32 if ``X`` was float32, else float64.
        """
        check_is_fitted(self)
        X, _ = check_sequences(self, X, reset=False)
        n_samples, n_timesteps, n_features = X.shape
        if n_timesteps > self.n_timesteps_in_:
            raise ValueError(
                f"X has {n_timesteps} time steps, but SequenceFlattener was "
                f"fitted on {self.n_timesteps_in_}: the flat model after it "
                "expects the same number of columns. Truncate the sequences, "
                "or fit on the longer ones."
            )
        X_flat = np.full(
            (n_samples, self.n_timesteps_in_, n_features), np.nan, dtype=X.dtype
        )
        X_flat[:, :n_timesteps] = X
        X_flat[np.isnan(X_flat)] = self.fill_value
        return X_flat.reshape(n_samples, -1)

    def get_feature_names_out(self, input_features=None):
        """Names of the flat columns: ``<feature>_t<step>``, step by step.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names of the input features; None means ``feature_names_in_`` if
            fitted on a DataFrame, else ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``n_timesteps_in_ * n_features_in_`` names.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        return np.array(
            [f"{name}_t{t}" for t in range(self.n_timesteps_in_) for name in names],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _mean_and_std(values, axis=0):
    """Float64 mean and standard deviation along ``axis``, NaN (padding) ignored.

    Squaring values above about 1e154 overflows, which made the scale
    infinite. Values are first divided by a power of two close to their
    largest magnitude: the division is exact, so ordinary data gets the same
    statistics as without it, and the squares stay below 4.

    The summed mean and variance of values that are all equal carry rounding
    noise, and dividing by that noise would blow it up into signal. Comparing
    the extremes finds such values exactly, with no tolerance; their mean is
    then that value and their standard deviation exactly 0.
    """
    largest = np.nanmax(np.abs(values), axis=axis, keepdims=True)
    # 2**(exponent - 1) <= largest < 2**exponent; all zeros get 0.5.
    factor = np.ldexp(1.0, np.frexp(largest.astype(np.float64))[1] - 1)
    scaled = values / factor  # float64 also for float32 values
    mean = (np.nanmean(scaled, axis=axis, keepdims=True) * factor).squeeze(axis)
    std = (np.nanstd(scaled, axis=axis, keepdims=True) * factor).squeeze(axis)
    lowest = np.nanmin(values, axis=axis)
    constant = lowest == np.nanmax(values, axis=axis)
    mean[constant] = lowest[constant]
    std[constant] = 0.0
    return mean, std


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
        ``(n_windows, n_horizons, n_features)``, which a regressor takes as
        ``y.reshape(len(y), -1)``, one column per horizon and feature.

    See Also
    --------
    sklearn_bptt.forecasting.RelativeToLastValue : Forecast the change from
        each window's last value, so a model can follow a trend.
    sklearn_bptt.forecasting.forecast_recursive : Forecast several steps
        with a model of the next one.

    Notes
    -----
    Consecutive windows share values when ``step < window + max(horizon)``
    (a window and its farthest target span ``window + max(horizon)`` values),
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
        as_numeric_array(series, "series"),
        ensure_2d=False,
        dtype=[np.float64, np.float32],
        input_name="series",
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


def from_long_table(
    table,
    *,
    id_column,
    time_column,
    feature_columns=None,
    label_column=None,
    return_times=False,
    dtype=float,
):
    """Turn a long table, one row per (series, time step), into sequences.

    A long (or "tidy") table holds many series stacked: a column says which
    series a row belongs to, another when it was measured, and the other
    columns are the measurements. This builds the NaN-padded 3D array the
    estimators take, with the steps of every series in time order.

    Parameters
    ----------
    table : pandas.DataFrame or mapping of str to array-like
        The table: a DataFrame, or a dict of equally long 1D columns (then
        pandas is not needed).
    id_column : str
        Column naming the series of each row. Any values that sort: ints,
        strings, ...
    time_column : str or None
        Column giving the time of each row: numbers, datetimes, timedeltas,
        periods, or an ordered categorical (sorted by its categories' order).
        Strings, also as an unordered categorical's categories, are an error,
        since they sort as text ("10" before "2"): convert them with
        ``pd.to_numeric`` or ``pd.to_datetime``. Only the
        order matters: the steps of a series are its rows sorted by time, so
        gaps in time are not filled in (resample first if the steps must be
        evenly spaced). None means the rows of each series are already in
        time order.
    feature_columns : list of str, default=None
        Columns that become the features, in this order. None means every
        column but the id, time and label columns.
    label_column : str, default=None
        Column holding the label (or target) of each series, the same on
        every row of a series. None means the table has no labels.
    return_times : bool, default=False
        Also return the time values of the steps of every series, for
        :func:`to_long_table`.
    dtype : float dtype, default=float
        Dtype of ``X``, e.g. ``np.float32``.

    Returns
    -------
    X : ndarray of shape (n_series, n_timesteps, n_features)
        Series ``i`` fills ``X[i, :n_timesteps_i]`` in time order; the other
        steps are NaN. ``n_timesteps`` is the length of the longest series.
    y : ndarray of shape (n_series,) or None
        The label of every series, None without ``label_column``.
    ids : ndarray of shape (n_series,)
        The series ids, sorted, in the order of the rows of ``X``.
    times : list of ndarray of shape (n_timesteps_i,)
        Only with ``return_times=True``: the time values of the steps of
        every series (with ``time_column`` None, the positions of its rows
        in the table).

    Raises
    ------
    ValueError
        If a column is missing, a series has two rows at the same time, a
        feature is missing or not finite (NaN marks padding in ``X``), an id,
        time or label is missing, or a series has conflicting labels.

    See Also
    --------
    to_long_table : The way back, for predictions.
    to_padded_array : The same from a list of sequences.

    Examples
    --------
    >>> from sklearn_bptt.preprocessing import from_long_table
    >>> table = {
    ...     "series": ["b", "a", "a", "b", "a"],
    ...     "t": [0, 1, 0, 1, 2],
    ...     "value": [10.0, 2.0, 1.0, 20.0, 3.0],
    ...     "label": ["up", "down", "down", "up", "down"],
    ... }
    >>> X, y, ids = from_long_table(
    ...     table, id_column="series", time_column="t", label_column="label")
    >>> X[:, :, 0]
    array([[ 1.,  2.,  3.],
           [10., 20., nan]])
    >>> y, ids
    (array(['down', 'up'], dtype='<U4'), array(['a', 'b'], dtype='<U1'))

    With a DataFrame ``df`` it reads the same:
    ``from_long_table(df, id_column="series", time_column="t",
    label_column="label")``.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(
            f"dtype must be a floating dtype to hold the NaN padding; got {dtype}."
        )
    column = _column_reader(table)
    names = _feature_columns(
        column, feature_columns, id_column, time_column, label_column
    )
    for name in (id_column, time_column, label_column, *names):
        if name is not None:
            column(name)  # raises for a missing column before any work
    ids = _no_missing(column(id_column), "id", id_column)
    n_rows = len(ids)
    if n_rows == 0:
        raise ValueError("table has no rows; at least one is required.")
    series_ids, codes = _sorted_unique(ids, "id", id_column)
    if time_column is None:
        times = np.arange(n_rows)
        order = np.argsort(codes, kind="stable")
    else:
        times = _no_missing(column(time_column), "time", time_column)
        keys = _time_order(table[time_column], times, time_column)
        _, time_codes = _sorted_unique(keys, "time", time_column)
        order = np.lexsort((time_codes, codes))
    codes, times = codes[order], times[order]
    _check_no_repeated_steps(codes, times, series_ids, time_column)
    # Step number of every sorted row within its series.
    counts = np.bincount(codes)
    starts = np.cumsum(counts) - counts
    steps = np.arange(n_rows) - starts[codes]

    X = np.full((len(series_ids), counts.max(), len(names)), np.nan, dtype=dtype)
    for j, name in enumerate(names):
        values = _numeric_column(column(name), name, dtype)[order]
        bad = ~np.isfinite(values)
        if bad.any():
            row = np.flatnonzero(bad)[0]
            raise ValueError(
                f"Feature column {name!r} is {values[row]} at id "
                f"{_shown(series_ids[codes[row]])}, time {_shown(times[row])}. "
                "NaN marks padding in X; fill or drop missing values first."
            )
        X[codes, steps, j] = values
    y = None
    if label_column is not None:
        labels = _no_missing(column(label_column), "label", label_column)[order]
        y = _one_label_per_series(labels, codes, starts, series_ids, label_column)
    if not return_times:
        return X, y, series_ids
    return X, y, series_ids, np.split(times, starts[1:])


def _column_reader(table):
    """A function returning a named column of ``table`` as a 1D ndarray."""
    if not hasattr(table, "keys") or not hasattr(table, "__getitem__"):
        raise TypeError(
            "table must be a pandas DataFrame or a mapping of column names to "
            f"1D arrays; got {type(table).__name__}."
        )
    columns = list(table.keys())
    lengths = {name: len(table[name]) for name in columns}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"The columns of table differ in length: {lengths}.")

    def column(name):
        if name not in columns:
            raise ValueError(
                f"table has no column {name!r}; its columns are {columns}."
            )
        values = np.asarray(table[name])
        if values.ndim != 1:
            raise ValueError(f"Column {name!r} must be 1D; got shape {values.shape}.")
        return values

    column.names = columns
    return column


def _sorted_unique(values, what, name):
    """``np.unique(values, return_inverse=True)``, naming a column that won't sort."""
    try:
        return np.unique(values, return_inverse=True)
    except TypeError as error:
        kinds = sorted({type(v).__name__ for v in values})
        raise ValueError(
            f"The {what} column {name!r} mixes values that do not sort together "
            f"({', '.join(kinds)}); give it one kind of value."
        ) from error


def _shown(value):
    """``repr`` of a table's value for a message: 0, not ``np.int64(0)``."""
    if isinstance(value, np.datetime64 | np.timedelta64):
        return str(value)
    if isinstance(value, np.generic):
        return repr(value.item())
    return repr(value)


def _time_order(raw, times, name):
    """Sort keys giving the time order of ``times``, the column ``raw`` as read.

    Numbers, datetimes, timedeltas and periods sort as they are, also as
    the categories of an unordered categorical. An ordered categorical
    sorts by its categories' order, which ``np.asarray`` drops. Strings have
    no time order that sorting would find ("10" sorts before "2"): an error.
    """
    dtype = getattr(raw, "dtype", None)
    if getattr(dtype, "name", None) == "category" and dtype.ordered:
        return np.asarray(getattr(raw, "cat", raw).codes)
    is_text = np.frompyfunc(lambda v: isinstance(v, (str, bytes)), 1, 1)
    if times.dtype.kind in "US" or (
        times.dtype.kind == "O" and is_text(times).astype(bool).any()
    ):
        raise ValueError(
            f'The time column {name!r} holds strings, which sort as text ("10" '
            'before "2", "2020-1-11" before "2020-01-09"); convert it to '
            "numbers or datetimes first (pd.to_numeric, pd.to_datetime), or to "
            "an ordered categorical with its categories in time order."
        )
    return times


def _no_missing(values, what, name):
    """``values`` (an id, time or label column), checked for missing entries."""
    missing = missing_mask(values)
    if missing.any():
        row = np.flatnonzero(missing)[0]
        raise ValueError(
            f"The {what} column {name!r} has a missing value ({_shown(values[row])}) "
            f"in row {row}; every row needs one."
        )
    return values


def _check_no_repeated_steps(codes, times, series_ids, time_column):
    """Raise if two sorted rows of one series share their time."""
    repeated = (codes[1:] == codes[:-1]) & (times[1:] == times[:-1])
    if repeated.any():
        row = np.flatnonzero(repeated)[0]
        raise ValueError(
            f"Series {_shown(series_ids[codes[row]])} has more than one row at "
            f"{time_column} = {_shown(times[row])}; every (id, time) pair must be "
            "unique. Aggregate or drop the duplicate rows first."
        )


def _feature_columns(column, feature_columns, *not_features):
    """The names of the feature columns: given, or all the other columns."""
    if feature_columns is None:
        names = [name for name in column.names if name not in not_features]
    elif isinstance(feature_columns, str):
        names = [feature_columns]
    else:
        names = list(feature_columns)
    if not names:
        raise ValueError(
            "table has no feature column: every column is the id, time or label column."
        )
    return names


def _numeric_column(values, name, dtype):
    """A feature column as floats; strings and complex numbers are errors."""
    values = as_numeric_array(values, f"Feature column {name!r}")
    if values.dtype.kind == "c":
        raise ValueError(
            f"Feature column {name!r} holds complex numbers; the estimators "
            "take real values only."
        )
    try:
        return values.astype(dtype)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Feature column {name!r} does not hold numbers ({error}). {ENCODE_HELP}"
        ) from error


def _one_label_per_series(labels, codes, starts, series_ids, label_column):
    """The label of every series, checked to be the same on all its rows."""
    per_series = labels[starts]
    conflicting = labels != per_series[codes]
    if conflicting.any():
        row = np.flatnonzero(conflicting)[0]
        raise ValueError(
            f"Series {_shown(series_ids[codes[row]])} has conflicting labels in "
            f"column {label_column!r}: {_shown(per_series[codes[row]])} and "
            f"{_shown(labels[row])}. "
            "A series needs one label; use per-step targets as a feature-like "
            "column and a regressor with output='sequence' instead."
        )
    return per_series


def to_long_table(
    values,
    ids,
    *,
    per_step=False,
    times=None,
    id_column="id",
    time_column="time",
    value_columns=None,
    as_frame=True,
):
    """Turn per-series or per-step values, e.g. predictions, into a long table.

    The way back from :func:`from_long_table`: one row per series, or one row
    per (series, step) with the NaN padding dropped, ready to merge with the
    original table.

    Parameters
    ----------
    values : array-like of shape (n_series,) or (n_series, n_values) or, \
            with ``per_step=True``, (n_series, n_timesteps) or \
            (n_series, n_timesteps, n_values)
        One value (or several) per series, as ``predict`` or
        ``predict_proba`` return them, or one per step, as
        ``BPTTRegressor(output="sequence").predict`` returns them.
    ids : array-like of shape (n_series,)
        The id of every series, e.g. the ``ids`` from
        :func:`from_long_table`.
    per_step : bool, default=False
        Whether ``values`` has a time axis. A step that is NaN in every value
        (padding, or no value at that step) gets no row.
    times : list of array-like of shape (n_timesteps_i,), default=None
        With ``per_step=True``, the time value of every step of every series,
        e.g. the ``times`` from ``from_long_table(..., return_times=True)``.
        None means step numbers 0, 1, ...
    id_column, time_column : str, default="id", "time"
        Names of the id and (with ``per_step=True``) time columns.
    value_columns : str or list of str, default=None
        Names of the value columns, one per value: e.g. ``clf.classes_`` for
        ``predict_proba``. None means a DataFrame's own column names (for
        one row per series), else ``"value"`` for one value per series or
        step, else ``"value_0"``, ``"value_1"``, ...
    as_frame : bool, default=True
        Return a pandas DataFrame; False returns a dict of 1D ndarrays
        (then pandas is not needed).

    Returns
    -------
    table : pandas.DataFrame or dict of str to ndarray
        Columns ``id_column``, ``time_column`` (with ``per_step=True``) and
        the value columns; rows in the order of ``values``, then of steps.

    See Also
    --------
    from_long_table : The conversion from a long table.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bptt.preprocessing import to_long_table
    >>> to_long_table(np.array(["up", "down"]), ["a", "b"],
    ...               value_columns="label", as_frame=False)
    {'id': array(['a', 'b'], dtype='<U1'), 'label': array(['up', 'down'], dtype='<U4')}
    >>> per_step = np.array([[0.5, 0.7, 0.9], [0.1, 0.2, np.nan]])
    >>> to_long_table(per_step, ["a", "b"], per_step=True)  # a DataFrame
      id  time  value
    0  a     0    0.5
    1  a     1    0.7
    2  a     2    0.9
    3  b     0    0.1
    4  b     1    0.2
    """
    if value_columns is None and not per_step and hasattr(values, "columns"):
        value_columns = list(values.columns)  # a DataFrame's own names
    values, ids = np.asarray(values), np.asarray(ids)
    if values.ndim == 0 or ids.ndim != 1 or len(values) != len(ids):
        raise ValueError(
            f"values (shape {values.shape}) and ids (shape {ids.shape}) need one "
            "entry per series each."
        )
    if len(values) == 0:
        raise ValueError("values and ids are empty: there is no series to write.")
    if per_step:
        series, steps, kept = _real_steps(values)
        table = {
            id_column: ids[series],
            time_column: steps if times is None else _step_times(times, series, steps),
        }
    else:
        if values.ndim > 2:
            raise ValueError(
                f"values has shape {values.shape}: for values at every step, set "
                "per_step=True."
            )
        if times is not None:
            raise ValueError("times is only used with per_step=True.")
        kept = values.reshape(len(values), -1)
        table = {id_column: ids}
    names = _value_columns(value_columns, kept.shape[1])
    key_columns = [id_column, time_column] if per_step else [id_column]
    _check_distinct_columns([*key_columns, *names])
    table.update(zip(names, kept.T, strict=True))
    if not as_frame:
        return table
    try:
        import pandas as pd  # here only: nothing else in the package needs it
    except ImportError as error:
        raise ImportError(
            "to_long_table needs pandas to return a DataFrame; install it, or "
            "pass as_frame=False for a dict of arrays."
        ) from error
    return pd.DataFrame(table)


def _check_distinct_columns(columns):
    """A column named twice would keep only the last of its values."""
    repeated = sorted({str(c) for c in columns if columns.count(c) > 1})
    if repeated:
        raise ValueError(
            f"Column names must be distinct; {repeated} is given more than once "
            f"among the columns {[str(c) for c in columns]} (id_column, "
            "time_column with per_step=True, then value_columns)."
        )


def _real_steps(values):
    """Series and step indices of the steps that are not NaN in every value.

    Returns them in the order of series, then steps, with the values at
    those steps, shape (n_rows, n_values).
    """
    if values.ndim not in (2, 3):
        raise ValueError(
            "With per_step=True, values must have shape (n_series, n_timesteps) "
            f"or (n_series, n_timesteps, n_values); got {values.shape}."
        )
    if values.dtype.kind not in "fiub":
        raise ValueError(
            f"With per_step=True, values must be numbers (NaN marks padding); "
            f"got dtype {values.dtype}."
        )
    values = values.reshape(values.shape[0], values.shape[1], -1)
    series, steps = np.nonzero(~np.isnan(values).all(axis=2))
    return series, steps, values[series, steps]


def _step_times(times, series, steps):
    """``times[i][t]`` for every kept (series ``i``, step ``t``)."""
    times = [np.asarray(series_times) for series_times in times]
    lengths = np.array([len(series_times) for series_times in times])
    if len(lengths) <= series.max(initial=-1):
        raise ValueError(f"times has {len(lengths)} series; values has more.")
    short = steps >= lengths[series]
    if short.any():
        i = series[short][0]
        raise ValueError(
            f"times[{i}] has {lengths[i]} values, but series {i} has a value at "
            f"step {steps[short][0]}."
        )
    offsets = np.cumsum(lengths) - lengths
    return np.concatenate(times)[offsets[series] + steps]


def _value_columns(value_columns, n_values):
    if value_columns is None:
        if n_values == 1:
            return ["value"]
        return [f"value_{j}" for j in range(n_values)]
    names = [value_columns] if isinstance(value_columns, str) else list(value_columns)
    if len(names) != n_values:
        raise ValueError(f"value_columns has {len(names)} names for {n_values} values.")
    return names
