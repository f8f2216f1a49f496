"""Validation of sequence arrays: shapes, padding and feature counts."""

import hashlib
import warnings

import numpy as np
from sklearn.utils._missing import is_pandas_na, is_scalar_nan
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names, check_array

SHAPES_HELP = (
    "a 2D array (n_samples, n_features) or a 3D array "
    "(n_samples, n_timesteps, n_features)"
)

ENCODE_HELP = "Encode categorical features first, e.g. with OneHotEncoder."

NAN_MEANING = {
    "X": "NaN marks padding: whole steps at the end of a sequence",
    "y": "NaN marks a step without a target, with output='sequence'",
}


class Count(Interval):
    """An integer ``Interval`` that rejects booleans.

    ``True`` is an ``Integral`` in Python, so a plain ``Interval(Integral, 1,
    None)`` accepts ``n_hidden=True``, which then fails deep in numpy.
    """

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


def _nested_shape(value):
    """Shape of nested lists, tuples and arrays, or None if it is ragged."""
    if isinstance(value, np.ndarray):
        return value.shape
    if not isinstance(value, (list, tuple)):
        return ()
    shapes = {_nested_shape(item) for item in value}
    if None in shapes or len(shapes) > 1:
        return None
    return (len(value),) + (shapes.pop() if shapes else ())


def as_numeric_array(values, name, strings_help=ENCODE_HELP):
    """Turn lists into an array and reject what is not numbers, naming the problem.

    ``check_array`` would raise numpy's own errors for ragged lists and for
    strings, and would silently turn ``None`` in an object array into NaN,
    which here means padding. Arrays of numbers, DataFrames and sparse
    matrices are returned unchanged for ``check_array``.

    Parameters
    ----------
    values : array-like
        ``X`` or ``y``.
    name : str
        Its name in the error messages.
    strings_help : str, default=ENCODE_HELP
        What to do about strings, for the error message.

    Returns
    -------
    values : array-like
        An ndarray if ``values`` was a list or tuple, else ``values`` itself.
    """
    if isinstance(values, (list, tuple)):
        try:
            values = np.asarray(values)
        except ValueError as error:
            if _nested_shape(values) is None:
                raise ValueError(
                    f"{name} holds sequences of different lengths (or different "
                    "numbers of features), which do not form one array. Pad them "
                    "at the end with NaN steps first, with "
                    "sklearn_bptt.preprocessing.to_padded_array(sequences)."
                ) from error
            raise
    kind = getattr(getattr(values, "dtype", None), "kind", None)
    if kind in ("U", "S"):
        raise ValueError(
            f"{name} contains strings (dtype {values.dtype}); the network needs "
            f"numbers. {strings_help}"
        )
    if kind == "O":
        # np.asarray: a pandas Series of objects is checked like an array.
        _check_object_values(np.asarray(values), name, strings_help)
    return values


def _check_object_values(values, name, strings_help):
    """Raise a ValueError naming the first missing value or string in an object array.

    Other objects that are not numbers are left to ``check_array``, which
    raises numpy's TypeError for them, as scikit-learn's checks expect.
    """
    is_bad = np.frompyfunc(
        lambda v: v is None or is_pandas_na(v) or isinstance(v, (str, bytes)), 1, 1
    )
    bad = np.argwhere(is_bad(values).astype(bool))
    if not len(bad):
        return
    index = tuple(int(i) for i in bad[0])
    value = values[index]
    if not isinstance(value, (str, bytes)):
        meaning = f" ({NAN_MEANING[name]})" if name in NAN_MEANING else ""
        raise ValueError(
            f"{name} contains a missing value ({value!r}) at index {index}; the "
            f"network needs numbers. Fill or drop missing values first{meaning}."
        )
    raise ValueError(
        f"{name} contains strings ({value!r} at index {index}); the network "
        f"needs numbers. {strings_help}"
    )


# Column names (lower case) that say a row is one step of one of many series.
LONG_TABLE_NAMES = frozenset(
    {
        "id", "series", "sequence", "time", "t", "timestamp", "date",
        "datetime", "time_idx", "step", "time_step", "timestep",
    }
)  # fmt: skip


def long_table_hint(columns, index_names, X):
    """Why a 2D table looks like one row per time step of several series, or None.

    Two cheap hints with few false alarms: a column or index level named
    like an id or time column (``"id"``, ``"t"``, ``"timestamp"``, anything
    ending in ``"_id"``, ...), or a column of step numbers that restart, such
    as 0, 1, 2, 0, 1, 2, 3, 0, ... (each series counted from the same 0 or 1,
    at least three steps per series on average) next to a column of
    non-integer measurements.

    Parameters
    ----------
    columns : list of shape (n_features,)
        The column names of the table as it was given.
    index_names : list
        The names of its index levels (None for an unnamed level).
    X : ndarray of shape (n_samples, n_features)
        Its values, validated.
    """
    for kind, names in (("column", columns), ("index level", index_names)):
        for name in names:
            if isinstance(name, str) and (
                name.lower() in LONG_TABLE_NAMES or name.lower().endswith("_id")
            ):
                return f"{kind} {name!r} is named like an id or time column"
    # An all-integer table is more likely a grid of designed samples (as in
    # scikit-learn's own checks) than steps with measurements.
    if X.shape[0] < 6 or (X == np.round(X)).all():
        return None
    first = X[0]
    counts_up = np.diff(X, axis=0) == 1
    restarts = X[1:] == first
    steps = (
        np.isin(first, (0, 1))
        & (counts_up | restarts).all(axis=0)
        & (restarts.sum(axis=0) >= 1)
        & (counts_up.sum(axis=0) >= 2 * restarts.sum(axis=0))
    )
    if steps.any():
        return f"column {columns[np.argmax(steps)]!r} counts steps that restart"
    return None


def check_sequences(estimator, X, *, reset, check_names=True):
    """Validate ``X`` and find the length of every sequence.

    Parameters
    ----------
    estimator : estimator instance
        Gets ``n_features_in_`` (and ``feature_names_in_``) when ``reset``,
        and is checked against them otherwise.
    X : array-like of shape (n_samples, n_features) or \
            (n_samples, n_timesteps, n_features)
        2D input is one step per sample. In 3D input, steps that are NaN in
        every feature at the end of a sequence are padding.
    reset : bool
        Whether this is ``fit`` (set the feature count) or a later call.
    check_names : bool, default=True
        Whether to set or compare ``feature_names_in_``; False for the
        output of ``transform`` coming back to ``inverse_transform``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Float64 or float32 (kept if given).
    lengths : ndarray of shape (n_samples,)
        Number of real steps of every sequence.
    """
    if check_names:
        _check_feature_names(estimator, X, reset=reset)
    X_in, columns = X, getattr(X, "columns", None)
    X = as_numeric_array(X, "X")
    try:
        X = check_array(
            X,
            allow_nd=True,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
            estimator=estimator,
            input_name="X",
        )
    except ValueError as error:
        # A DataFrame with a column of strings: numpy's own message.
        if "could not convert string to float" not in str(error):
            raise
        raise ValueError(
            f"X contains strings ({error}); the network needs numbers. {ENCODE_HELP}"
        ) from error
    if X.ndim == 2 and reset and columns is not None:
        index_names = list(getattr(getattr(X_in, "index", None), "names", []))
        _warn_if_long_table(estimator, list(columns), index_names, X)
    if X.ndim == 2 and np.isnan(X).any():
        sample, feature = np.argwhere(np.isnan(X))[0]
        raise ValueError(
            f"X contains NaN at sample {sample}, feature {feature}. 2D X is one "
            "step per sample, which cannot be padded (NaN marks padding steps "
            "at the end of a 3D sequence); fill or drop missing values first."
        )
    X = as_three_dimensional(X, estimator, reset)
    return X, sequence_lengths(X)


def as_three_dimensional(X, estimator, reset):
    """``X`` as ``(n_samples, n_timesteps, n_features)``, none of them 0.

    A 2D ``X`` is one step per sequence (the input as the starting point).
    Checks, or with ``reset`` sets, ``n_features_in_``. Works on NumPy and
    Dask arrays alike: it reads only shapes.
    """
    if X.ndim == 2:
        X = X[:, np.newaxis, :]
    elif X.ndim != 3:
        raise ValueError(
            f"X must be {SHAPES_HELP}; got a {X.ndim}D array of shape {X.shape}."
        )
    n_samples, n_timesteps, n_features = X.shape
    if n_samples == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
            f"is required by {type(estimator).__name__}."
        )
    if n_timesteps == 0:
        raise ValueError(
            f"X has 0 time steps (shape={X.shape}); at least 1 is required."
        )
    if n_features == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 "
            "is required."
        )
    _check_n_features(estimator, n_features, reset)
    return X


def _warn_if_long_table(estimator, columns, index_names, X):
    """Warn that a fit on a long table would take every row for a sequence."""
    hint = long_table_hint(columns, index_names, X)
    if hint is None:
        return
    warnings.warn(
        f"X looks like a long table, one row per time step of several series "
        f"({hint}), but {type(estimator).__name__} takes every row of a 2D X "
        "as a whole sequence of one step. Build 3D sequences first with "
        "sklearn_bptt.preprocessing.from_long_table(table, id_column=..., "
        "time_column=...). If every row is an independent sample, ignore this "
        "warning.",
        UserWarning,
        stacklevel=4,
    )


def _check_n_features(estimator, n_features, reset):
    if reset:
        estimator.n_features_in_ = n_features
    elif n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )


def sequence_lengths(X, first_sample=0):
    """Length of every sequence of a 3D array padded at the end with NaN steps.

    Raises a ValueError naming the first sample and step where NaN is not
    padding: NaN in only some features of a step, NaN steps followed by real
    ones, or a sequence that is padding only. ``first_sample`` is the number
    of the first row in those messages, for one block of a larger array.
    """
    n_samples, n_timesteps, _ = X.shape
    missing = np.isnan(X)
    if not missing.any():
        return np.full(n_samples, n_timesteps)
    padded = missing.all(axis=2)
    partial = missing.any(axis=2) & ~padded
    if partial.any():
        sample, step = np.argwhere(partial)[0]
        sample += first_sample
        raise ValueError(
            f"X contains NaN in some but not all features of sample {sample} at "
            f"step {step}. NaN is only allowed as padding: whole steps at the end "
            "of a sequence."
        )
    real = ~padded
    # Last real step + 1, or 0 for a sequence with no real step.
    lengths = np.where(
        real.any(axis=1), n_timesteps - np.argmax(real[:, ::-1], axis=1), 0
    )
    if (lengths == 0).any():
        sample = first_sample + np.flatnonzero(lengths == 0)[0]
        raise ValueError(
            f"Sample {sample} of X is entirely NaN: every sequence needs at least "
            "one real step (NaN marks padding at the end of a sequence)."
        )
    gaps = padded & (np.arange(n_timesteps) < lengths[:, None])
    if gaps.any():
        sample, step = np.argwhere(gaps)[0]
        sample += first_sample
        raise ValueError(
            f"X contains NaN at sample {sample}, step {step}, before the end of "
            "the sequence. NaN is only allowed as padding: whole steps at the end "
            "of a sequence."
        )
    return lengths


# score with output="sequence" on targets that are all NaN.
NOTHING_TO_SCORE = (
    "y has no target to score: every entry is NaN, which means 'no target "
    "here' with output='sequence'."
)


def check_every_output_has_a_target(Y, sample_weight):
    """Raise a ValueError if an output unit has no weighted target at any step.

    Such an output's weights would get no gradient but the penalty's, so
    they would shrink towards zero and its predictions would mean nothing.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_timesteps, n_outputs)
        Per-step targets, NaN meaning "no target here".
    sample_weight : ndarray of shape (n_samples,)
    """
    targeted = ~np.isnan(Y) & (sample_weight > 0)[:, np.newaxis, np.newaxis]
    if not targeted.any():
        raise ValueError(
            "y has no target: every entry is NaN or belongs to a sample of zero "
            "weight. NaN means 'no target here'; at least one target is required."
        )
    untargeted = np.flatnonzero(~targeted.any(axis=(0, 1)))
    if len(untargeted):
        output = untargeted[0]
        raise ValueError(
            f"y has no target for output {output}: y[:, :, {output}] is NaN "
            "(or its sample weight is zero) at every step of every sample, so "
            "that output could not be learned. Drop it from y or give it "
            "targets."
        )


def check_targets_within_sequences(Y, lengths, first_sample=0):
    """Raise a ValueError naming the first target placed where ``X`` is padding.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_timesteps, n_outputs)
        Per-step targets, NaN meaning "no target here".
    lengths : ndarray of shape (n_samples,)
        Length of every sequence of ``X``.
    first_sample : int, default=0
        The number of the first row in the message, for one block of a
        larger array.
    """
    padded = np.arange(Y.shape[1]) >= lengths[:, None]
    _raise_for_targets_on_padding(padded[:, :, None] & ~np.isnan(Y), first_sample)


def check_targets_where_predicted(y, y_pred, first_sample=0):
    """:func:`check_targets_within_sequences` for scoring, from the predictions.

    Per-step predictions are NaN exactly past the end of each sequence, so a
    target where the prediction is NaN is a target on padding.
    """
    _raise_for_targets_on_padding(~np.isnan(y) & np.isnan(y_pred), first_sample)


def _raise_for_targets_on_padding(beyond_end, first_sample):
    if beyond_end.any():
        sample, step = np.argwhere(beyond_end)[0][:2]
        raise ValueError(
            f"y has a target at sample {first_sample + sample}, step {step}, where "
            "X is padding; set y to NaN past the end of each sequence."
        )


def check_no_missing_labels(y):
    """Raise a ValueError naming the first sample whose class label is missing.

    Catches None, NaN and ``pd.NA`` in object arrays, which would otherwise fail deep
    inside sorting (``'<' not supported between ...``), and NaN or infinity
    in float arrays, which scikit-learn would cast to integers (with a
    RuntimeWarning) before rejecting them.
    """
    if y.dtype.kind == "f":
        missing = np.flatnonzero(~np.isfinite(y))
    elif y.dtype.kind == "O":
        is_missing = np.frompyfunc(
            lambda v: v is None or is_scalar_nan(v) or is_pandas_na(v), 1, 1
        )
        missing = np.flatnonzero(is_missing(y).astype(bool))
    else:
        return
    if len(missing):
        sample = missing[0]
        label = y[sample].item() if isinstance(y[sample], np.generic) else y[sample]
        raise ValueError(
            f"y has a missing or non-finite label ({label!r}) at sample "
            f"{sample}; every sample needs a class label."
        )


def missing_mask(values):
    """Boolean mask of the missing entries (None, NaN, NaT, ``pd.NA``) of an array."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind in "mM":
        return np.isnat(values)
    if values.dtype.kind == "O":
        is_missing = np.frompyfunc(
            lambda v: v is None or is_scalar_nan(v) or is_pandas_na(v), 1, 1
        )
        return is_missing(values).astype(bool)
    return np.zeros(values.shape, dtype=bool)


def check_recurrent_mask(recurrent_mask, n_hidden):
    """Validate a 0/1 mask of the recurrent weights; return it as float64."""
    mask = check_array(
        as_numeric_array(recurrent_mask, "recurrent_mask"),
        dtype=np.float64,
        ensure_2d=False,
        allow_nd=True,
        ensure_min_samples=0,
        ensure_min_features=0,
        ensure_all_finite=False,  # NaN and inf fail the 0/1 test below
        input_name="recurrent_mask",
    )
    if mask.shape != (n_hidden, n_hidden):
        raise ValueError(
            f"recurrent_mask must have shape (n_hidden, n_hidden) = "
            f"({n_hidden}, {n_hidden}); got {mask.shape}."
        )
    if not np.isin(mask, (0, 1)).all():
        raise ValueError("recurrent_mask must contain only 0 and 1.")
    return mask


def canonical_samples(X, y, sample_weight):
    """Merge identical samples, drop weightless ones, and order the rest canonically.

    Samples with the same sequence and the same target count as one sample
    whose weight is the sum of theirs, and samples are ordered by a digest of
    their bytes. The objective is then computed on the same rows in the same
    order whatever the order of the samples and whether a sample is repeated
    k times or weighted by k, so those fits give identical models (L-BFGS on
    a non-convex loss would otherwise let rounding differences grow into
    different solutions). It also saves the work of repeated samples. X is
    not copied.

    Parameters
    ----------
    X : ndarray of shape (n, T, d)
    y : ndarray of shape (n, ...)
    sample_weight : ndarray of shape (n,)

    Returns
    -------
    rows : ndarray of int
        One index per distinct weighted sample, in canonical order.
    weights : ndarray of shape (len(rows),)
        Summed weight of each.
    """
    rows, weights, _, _ = sample_groups(X, y, sample_weight)
    return rows, weights


def sample_groups(X, y, sample_weight):
    """:func:`canonical_samples`, and which distinct sample each row is a copy of.

    Returns
    -------
    rows, weights : ndarray
        As for :func:`canonical_samples`.
    kept : ndarray of int
        Increasing indices of the samples of positive weight.
    group : ndarray of shape (len(kept),)
        For each of ``kept``, the position in ``rows`` of its distinct sample.
    """
    kept = np.flatnonzero(sample_weight > 0)
    rows, weights, group = merge_samples(
        sample_digests(X, y, kept), kept, sample_weight
    )
    return rows, weights, kept, group


def sample_digests(X, y, rows):
    """A 128-bit BLAKE2 digest of the sequence and target of each of ``rows``.

    Equal digests mean equal samples (a collision is far less likely than a
    hardware error). The bytes hashed are those of ``X[i]`` and ``y[i]`` in
    their own dtype, so float32 and float64 copies of the data have
    different digests.

    Returns
    -------
    digests : ndarray of shape (len(rows),), dtype V16
    """
    return np.frombuffer(
        b"".join(
            hashlib.blake2b(X[i].tobytes() + y[i].tobytes(), digest_size=16).digest()
            for i in rows
        ),
        dtype="V16",
    )


def merge_samples(digests, kept, sample_weight):
    """Merge the samples of equal digests and order them by digest.

    Parameters
    ----------
    digests : ndarray of shape (len(kept),), dtype V16
        From :func:`sample_digests`, in the order of ``kept``.
    kept : ndarray of int
        Increasing indices of the samples of positive weight.
    sample_weight : ndarray of shape (n,)

    Returns
    -------
    rows, weights : ndarray
        As for :func:`canonical_samples`.
    group : ndarray of shape (len(kept),)
        For each of ``kept``, the position in ``rows`` of its distinct sample.
    """
    _, first, group = np.unique(digests, return_index=True, return_inverse=True)
    group = group.ravel()
    weights = np.bincount(group, weights=sample_weight[kept])
    return kept[first], weights.astype(sample_weight.dtype), group
