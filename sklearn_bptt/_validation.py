"""Validation of sequence arrays: shapes, padding and feature counts."""

import hashlib

import numpy as np
from sklearn.utils.validation import _check_feature_names, check_array

SHAPES_HELP = (
    "a 2D array (n_samples, n_features) or a 3D array "
    "(n_samples, n_timesteps, n_features)"
)


def check_sequences(estimator, X, *, reset):
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

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Float64 or float32 (kept if given).
    lengths : ndarray of shape (n_samples,)
        Number of real steps of every sequence.
    """
    _check_feature_names(estimator, X, reset=reset)
    if getattr(getattr(X, "dtype", None), "kind", None) in ("U", "S"):
        raise ValueError(
            f"X contains strings (dtype {X.dtype}); the network needs numbers. "
            "Encode categorical features first, e.g. with OneHotEncoder."
        )
    X = check_array(
        X,
        allow_nd=True,
        dtype=[np.float64, np.float32],
        ensure_all_finite="allow-nan",
        estimator=estimator,
        input_name="X",
    )
    if X.ndim == 2:
        X = X[:, np.newaxis, :]
    elif X.ndim != 3:
        raise ValueError(
            f"X must be {SHAPES_HELP}; got a {X.ndim}D array of shape {X.shape}."
        )
    n_samples, n_timesteps, n_features = X.shape
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
    return X, sequence_lengths(X)


def _check_n_features(estimator, n_features, reset):
    if reset:
        estimator.n_features_in_ = n_features
    elif n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )


def sequence_lengths(X):
    """Length of every sequence of a 3D array padded at the end with NaN steps.

    Raises a ValueError naming the first sample and step where NaN is not
    padding: NaN in only some features of a step, NaN steps followed by real
    ones, or a sequence that is padding only.
    """
    n_samples, n_timesteps, _ = X.shape
    missing = np.isnan(X)
    if not missing.any():
        return np.full(n_samples, n_timesteps)
    padded = missing.all(axis=2)
    partial = missing.any(axis=2) & ~padded
    if partial.any():
        sample, step = np.argwhere(partial)[0]
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
        sample = np.flatnonzero(lengths == 0)[0]
        raise ValueError(
            f"Sample {sample} of X is entirely NaN: every sequence needs at least "
            "one real step (NaN marks padding at the end of a sequence)."
        )
    gaps = padded & (np.arange(n_timesteps) < lengths[:, None])
    if gaps.any():
        sample, step = np.argwhere(gaps)[0]
        raise ValueError(
            f"X contains NaN at sample {sample}, step {step}, before the end of "
            "the sequence. NaN is only allowed as padding: whole steps at the end "
            "of a sequence."
        )
    return lengths


def check_recurrent_mask(recurrent_mask, n_hidden):
    """Validate a 0/1 mask of the recurrent weights; return it as float64."""
    mask = check_array(recurrent_mask, dtype=np.float64, input_name="recurrent_mask")
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
    kept = np.flatnonzero(sample_weight > 0)
    # A 128-bit BLAKE2 digest per sample: equal digests mean equal samples
    # (a collision is far less likely than a hardware error).
    digests = np.frombuffer(
        b"".join(
            hashlib.blake2b(X[i].tobytes() + y[i].tobytes(), digest_size=16).digest()
            for i in kept
        ),
        dtype="V16",
    )
    _, first, inverse = np.unique(digests, return_index=True, return_inverse=True)
    weights = np.bincount(inverse.ravel(), weights=sample_weight[kept])
    return kept[first], weights.astype(sample_weight.dtype)
