"""
=======================================
Hyperparameter search in a pipeline
=======================================

The estimators are ordinary scikit-learn estimators, so the usual tools
apply to them unchanged. Here a :class:`~sklearn.pipeline.Pipeline` chains a
:class:`~sklearn_bptt.preprocessing.SequenceStandardScaler` and a
:class:`~sklearn_bptt.BPTTRegressor`, and
:class:`~sklearn.model_selection.GridSearchCV` chooses the number of hidden
units, the L2 penalty ``alpha``, and whether to scale at all, by
time-ordered cross-validation.

The data: hourly readings of a temperature-like series in its own units
(around 15, with a daily cycle of amplitude 5, a slower cycle and noise).
The task is to forecast the next reading from the last 12.
"""

# %%
# Data
# ----
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.preprocessing import SequenceStandardScaler, make_sliding_windows

rng = np.random.RandomState(0)
hours = np.arange(400)
series = (
    15
    + 5 * np.sin(2 * np.pi * hours / 24)
    + 2 * np.sin(2 * np.pi * hours / 97)
    + rng.normal(scale=0.5, size=hours.size)
)
X, y = make_sliding_windows(series, window=12)
X_train, y_train, X_test, y_test = X[:300], y[:300], X[300:], y[300:]

# %%
# The search
# ----------
# :class:`~sklearn.model_selection.TimeSeriesSplit` always validates on
# windows later than those it trains on; overlapping windows make a shuffled
# split leak test values into training. Setting the scaler step to
# ``"passthrough"`` is scikit-learn's way to try the pipeline without it.
# ``max_iter=60`` keeps each of the 54 fits short; most of them stop there
# before L-BFGS's own tolerance is met, so the search silences the
# :class:`~sklearn.exceptions.ConvergenceWarning` each of them would raise.
pipeline = Pipeline(
    [
        ("scale", SequenceStandardScaler()),
        ("rnn", BPTTRegressor(max_iter=60, random_state=0)),
    ]
)
n_hidden = [2, 4, 8]
alphas = [1e-3, 1e-1, 1e1]
search = GridSearchCV(
    pipeline,
    {
        "scale": [SequenceStandardScaler(), "passthrough"],
        "rnn__n_hidden": n_hidden,
        "rnn__alpha": alphas,
    },
    cv=TimeSeriesSplit(n_splits=3),
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)
print("best:", search.best_params_)
print(f"best cross-validated R^2: {search.best_score_:.3f}")
print(f"held-out R^2 of the refitted best pipeline: {search.score(X_test, y_test):.3f}")

# %%
# Cross-validated R^2 over the grid
# ---------------------------------
# One map per choice of scaling; rows are ``n_hidden``, columns ``alpha``.
scores = search.cv_results_["mean_test_score"]
params = search.cv_results_["params"]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
for ax, scaled in zip(axes, [True, False], strict=True):
    grid = np.empty((len(n_hidden), len(alphas)))
    for score, p in zip(scores, params, strict=True):
        if (p["scale"] != "passthrough") == scaled:
            row = n_hidden.index(p["rnn__n_hidden"])
            grid[row, alphas.index(p["rnn__alpha"])] = score
    image = ax.imshow(grid, cmap="viridis", vmin=0.85, vmax=1.0)
    for (row, column), value in np.ndenumerate(grid):
        ax.text(
            column,
            row,
            f"{value:.3f}",
            ha="center",
            va="center",
            color="white" if value < 0.93 else "black",
        )
    ax.set_xticks(range(len(alphas)), [f"{a:g}" for a in alphas])
    ax.set_yticks(range(len(n_hidden)), n_hidden)
    ax.set_xlabel("alpha")
    ax.set_title("SequenceStandardScaler" if scaled else "no scaling")
axes[0].set_ylabel("n_hidden")
fig.colorbar(image, ax=axes, label="mean cross-validated R^2")

# %%
# The chosen pipeline on the held-out hours
# -----------------------------------------
fig, ax = plt.subplots(figsize=(10, 3.5))
test_hours = hours[12:][300:]
ax.plot(test_hours, y_test, ".", color="0.5", label="reading")
ax.plot(
    test_hours,
    search.predict(X_test),
    color="tab:orange",
    linewidth=2,
    label="forecast of the best pipeline",
)
ax.set_xlabel("hour")
ax.set_ylabel("temperature")
ax.set_ylim(series.min() - 1, series.max() + 4)
ax.legend(loc="upper center", ncol=2)
fig.tight_layout()
plt.show()
