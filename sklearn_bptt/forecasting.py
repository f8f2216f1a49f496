"""Forecasting a series from windows of its past.

:func:`~sklearn_bptt.preprocessing.make_sliding_windows` turns one long
series into windows ``X`` and the values that follow them, ``y``, one column
per horizon. This module holds the two tools a forecast needs around a
regressor fitted on them:

- :class:`RelativeToLastValue` fits the regressor on the change from each
  window's last value instead of the value itself, so a model whose outputs
  are bounded (a ``tanh`` network) can follow a series that drifts out of the
  range it was trained on;
- :func:`forecast_recursive` runs a one-step model on its own forecasts,
  to forecast several steps from a model trained for one.

In forecasting terms, windows with one column of ``y`` per horizon are the
*direct* (or multi-output) reduction of forecasting to regression,
:func:`forecast_recursive` is the *recursive* one, and
:class:`RelativeToLastValue` is first-order differencing of the target.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import Ridge
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import FunctionTransformer
>>> from sklearn_bptt.forecasting import RelativeToLastValue
>>> from sklearn_bptt.preprocessing import make_sliding_windows
>>> steps = np.arange(300)
>>> series = 0.05 * steps + np.sin(2 * np.pi * steps / 12)  # trend + season
>>> X, y = make_sliding_windows(series, window=24, horizon=[1, 12])
>>> flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
>>> model = RelativeToLastValue(make_pipeline(flatten, Ridge(alpha=1e-3)))
>>> model.fit(X, y).predict(series[-24:].reshape(1, 24, 1)).round(2)
array([[15.  , 15.05]])
>>> future = np.array([300, 311])  # 1 and 12 steps after the series' end
>>> (0.05 * future + np.sin(2 * np.pi * future / 12)).round(2)
array([15.  , 15.05])
"""

from numbers import Integral

import numpy as np
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    RegressorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
)

from ._validation import Count, check_sequences
from .preprocessing import _check_positive_int, _same_ndim

__all__ = ["RelativeToLastValue", "forecast_recursive"]


def _predicts_every_step(regressor):
    """Whether ``regressor`` (or a step of it) is set to ``output="sequence"``."""
    if not hasattr(regressor, "get_params"):
        return False
    return any(
        (name == "output" or name.endswith("__output")) and value == "sequence"
        for name, value in regressor.get_params(deep=True).items()
    )


class RelativeToLastValue(RegressorMixin, BaseEstimator):
    """Regress the change from each sequence's last value, not the value itself.

    ``fit(X, y)`` fits a clone of ``regressor`` on ``y - last``, and
    ``predict(X)`` returns ``regressor_.predict(X) + last``, where ``last``
    is the value of feature ``feature`` at the last real (not padding) step
    of each sequence of ``X``. With several targets per sequence (one per
    forecast horizon) the same last value is subtracted from each. By
    default the regressor's input is made relative too: ``last`` is
    subtracted from that feature at every step of the sequence.

    A series with a trend leaves the range of values it was trained on, and
    a network with bounded units (``tanh``) cannot follow it there: its
    forecasts flatten at the highest level it saw, and inputs beyond that
    level saturate its units. Relative to the last value, inputs and targets
    stay in the range of the changes it saw, so the same network follows
    the trend. This is what a forecaster calls differencing; the forecast of
    no change is the naive forecast.

    Parameters
    ----------
    regressor : estimator object
        The regressor to fit on the changes, with ``fit`` and ``predict``. It
        receives ``X`` unchanged, so a scaler belongs inside it, e.g.
        ``make_pipeline(SequenceStandardScaler(), BPTTRegressor())``: a
        scaler in front of this estimator would make the last value a scaled
        one while ``y`` keeps its units. Its targets are one per sequence
        (``output="last"``); a per-step regressor is refused, since the last
        value lies in the future of every earlier step.

    feature : int, default=0
        Index of the feature (on the last axis of ``X``) that holds the
        forecast series; negative values count from the end, as in Python.

    relative_inputs : bool, default=True
        Subtract ``last`` from feature ``feature`` at every step of ``X``
        before the regressor sees it, so that it sees no level at all.
        False passes ``X`` unchanged and makes only the targets relative.
        Other features are always passed unchanged.

    Attributes
    ----------
    regressor_ : estimator object
        The clone of ``regressor`` fitted on the changes.
    n_features_in_ : int
        Number of features seen during fit (the last axis of ``X``).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` was a 2D DataFrame with
        string column names.

    See Also
    --------
    sklearn_bptt.preprocessing.make_sliding_windows : Windows and targets,
        one column per horizon, from one long series.
    forecast_recursive : Forecast several steps with a one-step model.
    sklearn.compose.TransformedTargetRegressor : A transform of ``y`` that
        does not depend on ``X``.

    Notes
    -----
    ``X`` may be 3D ``(n_samples, n_timesteps, n_features)``, NaN-padded at
    the end, or 2D ``(n_samples, n_features)``, one step per sample. ``y``
    must be ``(n_samples,)`` or ``(n_samples, n_outputs)``, every output
    being a value of the same series.

    With 2D ``X`` and ``relative_inputs=True`` the regressor gets feature
    ``feature`` as zeros: a single step is its own last value.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_bptt import BPTTRegressor
    >>> from sklearn_bptt.forecasting import RelativeToLastValue
    >>> from sklearn_bptt.preprocessing import (
    ...     SequenceStandardScaler, make_sliding_windows)
    >>> steps = np.arange(200)
    >>> series = 0.02 * steps + np.sin(2 * np.pi * steps / 12)
    >>> X, y = make_sliding_windows(series, window=12, horizon=[1, 2, 3])
    >>> model = RelativeToLastValue(make_pipeline(
    ...     SequenceStandardScaler(),
    ...     BPTTRegressor(n_hidden=5, max_iter=300, random_state=0)))
    >>> model.fit(X[:150], y[:150]).score(X[150:], y[150:]) > 0.99
    True
    >>> model.get_params()["regressor__bpttregressor__n_hidden"]
    5
    """

    _parameter_constraints = {
        "regressor": [HasMethods(["fit", "predict"])],
        "feature": [Count(Integral, None, None, closed="neither")],
        "relative_inputs": ["boolean"],
    }

    def __init__(self, regressor, *, feature=0, relative_inputs=True):
        self.regressor = regressor
        self.feature = feature
        self.relative_inputs = relative_inputs

    # The inner regressor validates its own parameters when it is fitted.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit a clone of ``regressor`` on the change from the last value.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Sequences, NaN-padded at the end if of different lengths.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Future values of the series, one column per horizon.
        **fit_params : dict
            Passed to ``regressor.fit``, such as ``sample_weight`` for a
            regressor that takes it.

        Returns
        -------
        self : RelativeToLastValue
            The fitted estimator.
        """
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, "
                "but the target y is None."
            )
        if _predicts_every_step(self.regressor):
            raise ValueError(
                "RelativeToLastValue needs a regressor with one target per "
                "sequence (output='last'), got one with output='sequence': the "
                "last value of a sequence lies after its earlier steps, so "
                "subtracting it from their targets would hand every step's "
                "forecast the future."
            )
        last, X_regressor = self._relative(X, reset=True)
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        check_consistent_length(last, y)
        self.regressor_ = clone(self.regressor)
        if get_config()["enable_metadata_routing"]:
            fit_params = process_routing(self, "fit", **fit_params).regressor.fit
        self.regressor_.fit(X_regressor, y - _as_column(last, y.ndim), **fit_params)
        return self

    def get_metadata_routing(self):
        """Where :meth:`fit`'s metadata go, with metadata routing enabled.

        ``fit``'s parameters go to the regressor's ``fit`` (as requested
        with its ``set_fit_request``).

        Returns
        -------
        routing : MetadataRouter
            The routing of ``fit`` to the regressor's ``fit``.
        """
        return MetadataRouter(owner=self).add(
            regressor=self.regressor,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def predict(self, X):
        """Forecast: the regressor's change plus each sequence's last value.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
                (n_samples, n_features)
            Sequences, NaN-padded at the end if of different lengths.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Forecasts, shaped as the regressor's predictions.
        """
        check_is_fitted(self)
        last, X_regressor = self._relative(X, reset=False)
        change = np.asarray(self.regressor_.predict(X_regressor))
        return change + _as_column(last, change.ndim)

    def _relative(self, X, *, reset):
        """The last values, shape (n,), and the ``X`` the regressor gets."""
        X_checked, lengths = check_sequences(self, X, reset=reset)
        n_features = X_checked.shape[2]
        if not -n_features <= self.feature < n_features:
            raise ValueError(
                f"feature={self.feature} is out of range for X with {n_features} "
                f"feature(s); it must be in [{-n_features}, {n_features - 1}]."
            )
        last = X_checked[np.arange(len(X_checked)), lengths - 1, self.feature]
        if not self.relative_inputs:
            return last, X
        # A fresh array: X may be the caller's. Padding stays NaN.
        X_relative = X_checked.copy()
        X_relative[:, :, self.feature] -= last[:, np.newaxis]
        return last, _same_ndim(X_relative, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        inner = get_tags(self.regressor)
        tags.target_tags.multi_output = inner.target_tags.multi_output
        return tags


def _as_column(last, ndim):
    """Reshape last values (n,) to broadcast against an (n, ...) array of ``ndim``."""
    return last.reshape((-1,) + (1,) * (ndim - 1))


def forecast_recursive(model, X, n_steps):
    """Forecast ``n_steps`` ahead with a one-step model, on its own forecasts.

    The model forecasts the next step of every window; that forecast becomes
    the window's newest step, its oldest step is dropped, and the model
    forecasts again, ``n_steps`` times. This is the recursive strategy: one
    model for every horizon, whose errors feed into the later steps.

    Parameters
    ----------
    model : fitted estimator
        Its ``predict`` takes windows like ``X`` and returns the next value of
        every feature: shape ``(n_samples,)`` or ``(n_samples, 1)`` for one
        feature, ``(n_samples, n_features)`` otherwise. A model fitted on
        ``make_sliding_windows(series, window)`` is one.
    X : array-like of shape (n_samples, window, n_features)
        The windows to forecast from, with no padding: every window keeps its
        length as it slides.
    n_steps : int
        Number of steps to forecast, at least 1.

    Returns
    -------
    y_pred : ndarray of shape (n_samples, n_steps) for one feature, else \
            (n_samples, n_steps, n_features)
        Column ``h - 1`` is the forecast ``h`` steps after every window.

    See Also
    --------
    sklearn_bptt.preprocessing.make_sliding_windows : With ``horizon`` a
        sequence, the windows and targets for a direct model of several
        horizons, the alternative to this.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklearn_bptt.forecasting import forecast_recursive
    >>> from sklearn_bptt.preprocessing import make_sliding_windows
    >>> X, y = make_sliding_windows(np.arange(20.0), window=3)
    >>> flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    >>> model = make_pipeline(flatten, LinearRegression()).fit(X, y)
    >>> last_window = np.array([[[17.0], [18.0], [19.0]]])  # the series' end
    >>> forecast_recursive(model, last_window, n_steps=4).round(6)
    array([[20., 21., 22., 23.]])
    """
    _check_positive_int("n_steps", n_steps)
    # Plain objects with a predict method are models too; they have no tags.
    if hasattr(model, "__sklearn_tags__") and is_classifier(model):
        raise ValueError(
            f"forecast_recursive needs a regressor; {type(model).__name__} is a "
            "classifier, whose class labels are no values to feed back as the "
            "series' next step."
        )
    windows = check_array(
        X,
        allow_nd=True,
        dtype=[np.float64, np.float32],
        ensure_all_finite="allow-nan",
        input_name="X",
    )
    if windows.ndim != 3:
        raise ValueError(
            "X must be a 3D array of windows (n_samples, window, n_features); "
            f"got shape {windows.shape}. One window w of shape (window, "
            "n_features) is w[np.newaxis]."
        )
    if np.isnan(windows).any():
        first = np.argwhere(np.isnan(windows))[0]
        raise ValueError(
            f"X has a NaN at window {first[0]}, step {first[1]}: a recursive "
            "forecast appends each forecast after the last step, so every "
            "window must be complete, with no padding or missing value."
        )
    n_samples, _, n_features = windows.shape
    forecasts = []
    for _ in range(n_steps):
        next_step = np.asarray(model.predict(windows))
        if next_step.size != n_samples * n_features:
            raise ValueError(
                f"model.predict returned shape {next_step.shape} for {n_samples} "
                f"windows of {n_features} feature(s); a recursive forecast needs "
                "the next value of every feature, one row per window."
            )
        next_step = next_step.reshape(n_samples, 1, n_features)
        forecasts.append(next_step)
        # Slide on: the oldest step out, the forecast in as the newest.
        windows = np.concatenate(
            [windows[:, 1:], next_step.astype(windows.dtype)], axis=1
        )
    y_pred = np.concatenate(forecasts, axis=1)
    return y_pred[:, :, 0] if n_features == 1 else y_pred
