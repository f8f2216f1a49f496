"""
===============================
Forecasting a noisy sine wave
===============================

A :class:`~sklearn_bptt.BPTTRegressor` learns to predict the next value of a
noisy periodic series from the 20 values before it.
:func:`~sklearn_bptt.preprocessing.make_sliding_windows` cuts the series into
windows and the value that follows each one; the model is trained on the
first part of the series and tested on the rest, which it has never seen.
"""

# %%
# The series and its windows
# --------------------------
# 500 samples of a sine wave with a period of 25 steps, plus Gaussian noise
# of standard deviation 0.15. Every window of 20 steps is one training
# sequence ``(20, 1)``, and its target is the next value.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_bptt import BPTTRegressor
from sklearn_bptt.preprocessing import make_sliding_windows

rng = np.random.RandomState(0)
steps = np.arange(500)
clean = np.sin(2 * np.pi * steps / 25)
series = clean + rng.normal(scale=0.15, size=steps.size)

window = 20
X, y = make_sliding_windows(series, window=window)
print("X:", X.shape, "y:", y.shape)

# %%
# Windows overlap, so a random split would put copies of test values in the
# training set. The split is in time instead: the windows whose target lies
# in the first 350 steps train the model, the others test it.
target_step = np.arange(len(y)) + window
train = target_step < 350
#
# The penalty ``alpha`` on the weights keeps the network from fitting the
# noise; with it, L-BFGS converges in a few hundred iterations.
model = BPTTRegressor(n_hidden=6, alpha=1.0, max_iter=1000, random_state=0)
model.fit(X[train], y[train])
print(f"L-BFGS iterations: {model.n_iter_}")
print(f"R^2 on the held-out noisy values: {model.score(X[~train], y[~train]):.3f}")

# %%
# Prediction against the truth
# ----------------------------
# The noise cannot be predicted, so the best possible one-step forecast is the
# clean sine. The model's forecasts (orange) follow it closely, well inside the
# scatter of the noisy observations (grey).
prediction = model.predict(X[~train])
noise_floor = np.sqrt(np.mean((series - clean)[target_step[~train]] ** 2))
error = np.sqrt(np.mean((prediction - y[~train]) ** 2))
error_to_clean = np.sqrt(np.mean((prediction - clean[target_step[~train]]) ** 2))

fig, ax = plt.subplots(figsize=(10, 4))
ax.plot(steps, series, ".", color="0.6", markersize=4, label="noisy observations")
ax.plot(steps, clean, color="black", linewidth=1, label="clean sine (truth)")
ax.plot(
    target_step[~train],
    prediction,
    color="tab:orange",
    linewidth=2,
    label="one-step forecast",
)
ax.axvspan(0, 350, color="tab:blue", alpha=0.07, label="training part")
ax.set_xlim(250, 500)
ax.set_xlabel("step")
ax.set_ylabel("value")
ax.set_title(
    f"held-out RMSE {error:.3f} against the noisy values (noise alone: "
    f"{noise_floor:.3f}), {error_to_clean:.3f} against the clean sine"
)
ax.legend(loc="lower left", ncol=4, fontsize=9)
fig.tight_layout()

# %%
# Running the model on its own forecasts
# --------------------------------------
# Feeding every forecast back as the newest value of the window lets the model
# run on without observations. Starting from the last training window, the
# forecast of the next 100 steps keeps the period and the amplitude, though
# without the noise its input is smoother than anything it saw in training.
history = list(series[330:350])
for _ in range(100):
    recent = np.asarray(history[-window:]).reshape(1, window, 1)
    history.append(model.predict(recent)[0])
free_run = np.asarray(history[window:])

fig, ax = plt.subplots(figsize=(10, 3.5))
ax.plot(
    steps[300:450],
    series[300:450],
    ".",
    color="0.6",
    markersize=4,
    label="noisy observations",
)
ax.plot(steps[300:450], clean[300:450], color="black", linewidth=1, label="clean sine")
ax.plot(
    np.arange(350, 450),
    free_run,
    color="tab:red",
    linewidth=2,
    label="forecast fed on itself",
)
ax.axvline(350, color="tab:blue", linestyle="--", linewidth=1)
ax.text(351, 1.25, "no observations from here on", color="tab:blue", fontsize=9)
ax.set_ylim(-1.6, 1.6)
ax.set_xlabel("step")
ax.legend(loc="lower left", ncol=3, fontsize=9)
fig.tight_layout()
plt.show()
