"""
==========================================
Forecasting a seasonal series with a trend
==========================================

A monthly-like series rises year after year, so the values to forecast lie
above every value seen in training. A ``tanh`` network trained on the raw
values cannot follow it there; trained on the change from each window's last
value, with :class:`~sklearn_bptt.forecasting.RelativeToLastValue`, it can.
One network forecasts 1 to 12 steps ahead at once, and is compared with the
naive forecast (the last value), the seasonal naive one (the value one
season back) and a ridge regression on the same windows. See
:ref:`forecasting` for the reasoning.
"""

# %%
# Windows with twelve horizons
# ----------------------------
# 20 years of monthly values: a trend of 0.6 a year, a yearly season and
# noise of standard deviation 0.3. Every window of 24 months is one input
# sequence, and its 12 targets are the next 12 months.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.forecasting import RelativeToLastValue, forecast_recursive
from sklearn_bptt.preprocessing import SequenceStandardScaler, make_sliding_windows

rng = np.random.RandomState(0)
months = np.arange(240)
series = (
    0.05 * months
    + np.sin(2 * np.pi * months / 12)
    + 0.5 * np.cos(4 * np.pi * months / 12)
    + rng.normal(scale=0.3, size=months.size)
)
window, horizons = 24, range(1, 13)
X, y = make_sliding_windows(series, window, horizon=horizons)
print("X:", X.shape, "y:", y.shape)

# %%
# A split in time, with a gap
# ---------------------------
# The first 70% of the windows train, the last ones test. Window ``i``'s
# 12-step target is window ``i + 11``'s 1-step target, so the 11 windows after
# the training ones are left out: no test target was a training target. The
# search inside the training windows leaves the same gap with
# ``TimeSeriesSplit(gap=11)``.
gap = max(horizons) - 1
n_train = int(0.7 * len(X))
X_train, y_train = X[:n_train], y[:n_train]
X_test, y_test = X[n_train + gap :], y[n_train + gap :]

# %%
# Baselines
# ---------
# The naive forecast repeats the last value for every horizon; the seasonal
# naive one takes the value one season (12 months) before each target, which
# for horizons 1 to 12 is the window's last 12 values. Ridge regression sees
# the same windows, flattened.
forecasts = {
    "naive": np.repeat(X_test[:, -1:, 0], len(horizons), axis=1),
    "seasonal naive": X_test[:, -12:, 0],
}
flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
ridge = make_pipeline(flatten, Ridge(alpha=1.0)).fit(X_train, y_train)
forecasts["Ridge"] = ridge.predict(X_test)

# %%
# The network, relative to the last value
# ---------------------------------------
# The scaler goes inside the wrapper, so the last value is read from the raw
# windows. The search picks the number of hidden units and the penalty by
# the mean absolute error over all 12 horizons. Some fits stop at
# ``max_iter``; the search compares them as they are, so their
# :class:`~sklearn.exceptions.ConvergenceWarning` is silenced.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
network = make_pipeline(
    SequenceStandardScaler(), BPTTRegressor(max_iter=1000, random_state=0)
)
search = GridSearchCV(
    RelativeToLastValue(network),
    {
        "regressor__bpttregressor__n_hidden": [4, 8],
        "regressor__bpttregressor__alpha": [0.01, 1.0],
    },
    scoring="neg_mean_absolute_error",
    cv=TimeSeriesSplit(n_splits=3, gap=gap),
)
search.fit(X_train, y_train)
best = search.best_estimator_
print("chosen:", search.best_params_)
forecasts["BPTT relative"] = best.predict(X_test)

# %%
# Two alternatives with the chosen settings: the same network on the raw
# values, and a network of the next value only, run on its own forecasts to
# reach 12 steps.
raw = clone(best.regressor).fit(X_train, y_train)
forecasts["BPTT raw"] = raw.predict(X_test)
X_next, y_next = make_sliding_windows(series, window)
one_step = clone(best).fit(X_next[:n_train], y_next[:n_train])
forecasts["BPTT relative, recursive"] = forecast_recursive(
    one_step, X_test, n_steps=len(horizons)
)

# %%
# Mean absolute error on the test windows
# ---------------------------------------
print(f"{'':26}{'1 step':>8}{'12 steps':>10}{'1-12':>8}")
for name, forecast in forecasts.items():
    one, twelve = (mean_absolute_error(y_test[:, h], forecast[:, h]) for h in (0, -1))
    print(
        f"{name:26}{one:8.3f}{twelve:10.3f}{mean_absolute_error(y_test, forecast):8.3f}"
    )

fig, ax = plt.subplots(figsize=(10, 4))
for name, forecast in forecasts.items():
    errors = np.abs(forecast - y_test).mean(axis=0)
    ax.plot(horizons, errors, marker="o", label=name)
ax.set_xlabel("horizon (months ahead)")
ax.set_ylabel("mean absolute error")
ax.set_xticks(list(horizons))
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9)
fig.tight_layout()

# %%
# Twelve months ahead, over the test years
# ----------------------------------------
# Each forecast is drawn at the month it forecasts. On raw values the
# network's inputs rise above anything it was trained on, its ``tanh`` units
# saturate, and its forecasts lose the season and lag the trend. Relative to
# the last value it follows both, as the ridge regression does.
target_month = np.arange(n_train + gap, len(X)) + window - 1 + max(horizons)
fig, ax = plt.subplots(figsize=(10, 4))
ax.plot(months, series, color="0.6", linewidth=1, label="series")
for name in ["seasonal naive", "Ridge", "BPTT relative", "BPTT raw"]:
    ax.plot(target_month, forecasts[name][:, -1], linewidth=1.5, label=name)
ax.axvline(target_month[0], color="black", linestyle="--", linewidth=1)
ax.set_xlim(120, months[-1] + 1)
ax.set_ylim(series[120:].min() - 0.5, series.max() + 1.5)
ax.set_xlabel("month")
ax.set_title("12-month-ahead forecasts of the test windows")
ax.legend(loc="upper left", ncol=3, fontsize=9)
fig.tight_layout()
plt.show()
